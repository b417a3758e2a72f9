/* sysctl.c - /proc/sys integers and strings the kernel keeps, compared with Linux: the
 * defaults, proc_dointvec_minmax's EINVAL for junk and out-of-range values, fs.nr_open as
 * the ceiling of RLIMIT_NOFILE and of a descriptor table fork may copy (EMFILE). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sched.h>
#include <sys/wait.h>
#include <sys/resource.h>
static void rd(const char *p){ char b[256]={0}; int fd=open(p,O_RDONLY); if(fd<0){printf("%s: open %s\n",p,strerror(errno));return;} int n=read(fd,b,255); close(fd); printf("%s: %d [%s]\n",p,n,b[0]?strtok(b,"\n"):"");}
static int wr(const char *p,const char *v){ int fd=open(p,O_WRONLY); if(fd<0) return -errno; int n=write(fd,v,strlen(v)); int e=errno; close(fd); return n<0?-e:n;}
int main(){
  rd("/proc/sys/kernel/tainted"); rd("/proc/sys/kernel/core_pattern"); rd("/proc/sys/fs/nr_open");
  rd("/proc/sys/vm/vfs_cache_pressure"); rd("/proc/sys/kernel/core_uses_pid");
  char old[64]; int fd=open("/proc/sys/fs/nr_open",O_RDONLY); int n=read(fd,old,63); old[n]=0; close(fd);
  printf("write nr_open 10: %d\n", wr("/proc/sys/fs/nr_open","10"));
  printf("write nr_open abc: %d\n", wr("/proc/sys/fs/nr_open","abc"));
  dup2(2, 100);
  printf("write nr_open 64: %d\n", wr("/proc/sys/fs/nr_open","64"));
  struct rlimit r={50,200}; errno=0; int sr=setrlimit(RLIMIT_NOFILE,&r); printf("setrlimit hard 200 > nr_open: %d %s\n", sr, sr?strerror(errno):"");
  pid_t p=fork(); if(p<0) printf("fork: %s\n", strerror(errno)); else if(p==0) _exit(0); else waitpid(p,0,0);
  close(100);
  printf("restore nr_open: %d\n", wr("/proc/sys/fs/nr_open",old));
  /* ns_last_pid */
  const char *lp = "300";
  printf("write ns_last_pid: %d\n", wr("/proc/sys/kernel/ns_last_pid",lp));
  printf("write ns_last_pid -1: %d\n", wr("/proc/sys/kernel/ns_last_pid","-1"));
  return 0;
}
