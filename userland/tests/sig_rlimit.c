/* RLIMIT_SIGPENDING (__sigqueue_alloc): real-time signals with a queued si_code get EAGAIN when the
 * owner has the limit queued; kill(2) still delivers; tgkill with a bad tgid is EINVAL.
 * The count is per user, so the test runs as a uid of its own (root's count is the host's). */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <stdlib.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
static int test(void){
  sigset_t s; sigemptyset(&s); sigaddset(&s,SIGRTMIN); sigaddset(&s,SIGRTMIN+1); sigaddset(&s,SIGUSR1);
  sigprocmask(SIG_BLOCK,&s,0);
  struct rlimit r={3,3}; setrlimit(RLIMIT_SIGPENDING,&r);
  for(int i=0;i<5;i++){ union sigval v={.sival_int=i}; int x=sigqueue(getpid(),SIGRTMIN,v); printf("sigqueue %d -> %d %s\n",i,x,x?strerror(errno):""); }
  int x=kill(getpid(),SIGRTMIN+1); printf("kill rt -> %d\n",x);
  x=syscall(SYS_tgkill,getpid(),getpid(),SIGRTMIN+1); printf("tgkill rt -> %d %s\n",x,x?strerror(errno):"");
  x=syscall(SYS_tgkill,-1,getpid(),SIGUSR1); printf("tgkill -1 -> %d %s\n",x,x?strerror(errno):"");
  x=syscall(SYS_tkill,getpid(),SIGUSR1); printf("tkill -> %d\n",x);
  sigpending(&s); printf("pending rt %d rt1 %d usr1 %d\n", sigismember(&s,SIGRTMIN), sigismember(&s,SIGRTMIN+1), sigismember(&s,SIGUSR1));
  siginfo_t si; struct timespec z={0,0}; int n=0; while(sigtimedwait(&s,&si,&z)>0) n++; printf("dequeued %d\n",n);
  return 0;}

int main(void){
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (setresgid(54321, 54321, 54321) || setresuid(54321, 54321, 54321)) { perror("setresuid"); _exit(3); }
    exit(test());
  }
  int st; waitpid(pid, &st, 0);
  printf("child exit %d\n", WEXITSTATUS(st));
  return 0;
}
