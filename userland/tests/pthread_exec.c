/* execve from a thread that is not the leader: the other threads die, the new program keeps
 * the process id, and the parent waits for one child as usual. */
#include "t.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>

static char *self;
static char pidarg[32];

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void *execer(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
    execl(self, self, "after", pidarg, (char *)NULL);
    printf("execl failed: %s\n", t_errname(errno));
    exit(3);
}

int main(int argc, char **argv)
{
    t_init();
    self = argv[0];
    if (argc > 2 && !strcmp(argv[1], "after")) {
        t_check("exec kept the process id", getpid() == atoi(argv[2]), NULL);
        t_check("new image is single-threaded (tid == pid)", syscall(SYS_gettid) == getpid(), NULL);
        return t_done() ? 1 : 7;
    }
    pid_t pid = t_fork();
    if (pid == 0) {
        snprintf(pidarg, sizeof pidarg, "%d", (int)getpid());
        pthread_t a, b;
        pthread_create(&a, NULL, sleeper, NULL);
        pthread_create(&b, NULL, execer, NULL);
        for (;;)
            pause();
    }
    int st = t_wait(pid);
    printf("child after exec from a thread: %s\n", t_status(st));
    errno = 0;
    printf("no more children: %s\n", waitpid(-1, NULL, WNOHANG) < 0 ? t_errname(errno) : "some");
    return t_done();
}
