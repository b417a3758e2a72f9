/* execve from a thread that is not the leader: the other threads die, the new program keeps
 * the process id, and the parent waits for one child as usual. */
#include "t.h"
#include <pthread.h>
#include <spawn.h>
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

extern char **environ;
static volatile int stop_spinning;

static void *spinner(void *arg)
{
    (void)arg;
    while (!stop_spinning)
        sched_yield();
    return NULL;
}

static void *spawner(void *arg)
{
    int *ok = arg;
    for (int i = 0; i < 3; i++) {
        pid_t p;
        char *args[] = {self, "spawned", NULL};
        int st;
        if (posix_spawn(&p, self, NULL, NULL, args, environ) == 0 && waitpid(p, &st, 0) == p &&
            WIFEXITED(st) && WEXITSTATUS(st) == 5)
            (*ok)++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    t_init();
    self = argv[0];
    if (argc > 1 && !strcmp(argv[1], "spawned"))
        return 5;
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

    /* posix_spawn (clone with CLONE_VM|CLONE_VFORK) from a thread while another one runs */
    pthread_t sp, sw;
    int ok = 0;
    pthread_create(&sp, NULL, spinner, NULL);
    pthread_create(&sw, NULL, spawner, &ok);
    pthread_join(sw, NULL);
    stop_spinning = 1;
    pthread_join(sp, NULL);
    printf("spawned from a thread: %d of 3\n", ok);
    errno = 0;
    printf("no more children: %s\n", waitpid(-1, NULL, WNOHANG) < 0 ? t_errname(errno) : "some");
    return t_done();
}
