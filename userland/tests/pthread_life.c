/* Thread lifecycle: ids, join, detach, thread-local storage, many short-lived threads, a
 * process whose main thread exits first, exit() from a thread ending the whole group. */
#include "t.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>

static __thread int tls_counter = 100;
static __thread char tls_buf[64];

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

struct ids { pid_t pid, tid, ppid; };

static void *id_worker(void *arg)
{
    struct ids *r = arg;
    r->pid = getpid();
    r->tid = gettid_();
    r->ppid = getppid();
    return NULL;
}

static void *tls_worker(void *arg)
{
    int n = (int)(intptr_t)arg;
    tls_counter += n;
    snprintf(tls_buf, sizeof tls_buf, "thread %d", n);
    sched_yield();
    int ok = tls_counter == 100 + n && strcmp(tls_buf, "thread") > 0;
    return (void *)(intptr_t)(ok ? tls_counter : -1);
}

static int detached_ran;
static pthread_mutex_t dm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dc = PTHREAD_COND_INITIALIZER;
static void *detached_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&dm);
    detached_ran = 1;
    pthread_cond_signal(&dc);
    pthread_mutex_unlock(&dm);
    return NULL;
}

static int short_count;
static void *short_worker(void *arg)
{
    __atomic_add_fetch(&short_count, (int)(intptr_t)arg, __ATOMIC_SEQ_CST);
    return arg;
}

static void *exit_worker(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    printf("last thread exiting the group\n");
    exit(5);
}

static void *lingering_worker(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    int sig = sigwaitinfo(&s, NULL);
    printf("lingering thread got signal %d\n", sig);
    return NULL;
}

int main(int argc, char **argv)
{
    t_init();
    if (argc > 2 && !strcmp(argv[1], "linger")) {   /* re-executed: main thread leaves first */
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &s, NULL);
        pthread_t l;
        pthread_create(&l, NULL, lingering_worker, NULL);
        t_write_all(atoi(argv[2]), "r", 1);
        pthread_exit(NULL);
    }
    struct ids r;
    pthread_t th;
    pthread_create(&th, NULL, id_worker, &r);
    pthread_join(th, NULL);
    t_check("thread getpid == process pid", r.pid == getpid(), NULL);
    t_check("thread tid != pid", r.tid != getpid() && r.tid > 0, NULL);
    t_check("thread getppid == process ppid", r.ppid == getppid(), NULL);
    t_check("main gettid == pid", gettid_() == getpid(), NULL);

    pthread_t tt[5];
    for (int i = 0; i < 5; i++)
        pthread_create(&tt[i], NULL, tls_worker, (void *)(intptr_t)(i + 1));
    long sum = 0;
    for (int i = 0; i < 5; i++) {
        void *v;
        pthread_join(tt[i], &v);
        sum += (long)(intptr_t)v;
    }
    printf("tls results sum %ld, main tls %d\n", sum, tls_counter);

    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_create(&th, &a, detached_worker, NULL);
    pthread_mutex_lock(&dm);
    while (!detached_ran)
        pthread_cond_wait(&dc, &dm);
    pthread_mutex_unlock(&dm);
    printf("detached thread ran\n");

    int created = 0;
    long rsum = 0;
    for (int i = 1; i <= 50; i++) {
        pthread_t s;
        if (pthread_create(&s, NULL, short_worker, (void *)(intptr_t)i) == 0) {
            created++;
            void *v;
            pthread_join(s, &v);
            rsum += (long)(intptr_t)v;
        }
    }
    printf("short-lived threads %d, count %d, joined sum %ld\n", created, short_count, rsum);

    pthread_t many[10];
    for (int i = 0; i < 10; i++)
        pthread_create(&many[i], NULL, short_worker, (void *)(intptr_t)1000);
    for (int i = 0; i < 10; i++)
        pthread_join(many[i], NULL);
    printf("concurrent threads count %d\n", short_count);

    /* a child process whose main thread leaves first: the group ends with its last thread */
    int p[2];
    char fdarg[16], c;
    pipe(p);
    snprintf(fdarg, sizeof fdarg, "%d", p[1]);
    pid_t pid = t_fork();
    if (pid == 0) {
        execl(argv[0], argv[0], "linger", fdarg, (char *)NULL);
        _exit(99);
    }
    close(p[1]);
    read(p[0], &c, 1);
    int st;
    kill(pid, SIGSTOP);                      /* stop and continue the group, leader gone or not */
    waitpid(pid, &st, WUNTRACED);
    printf("lingering process %s\n", t_status(st));
    kill(pid, SIGCONT);
    kill(pid, SIGUSR1);                      /* process-directed: its one live thread takes it */
    st = t_wait(pid);
    printf("main left first: %s\n", t_status(st));

    /* exit() in a thread ends every thread; wait sees one child */
    pid = t_fork();
    if (pid == 0) {
        pthread_t e;
        pthread_create(&e, NULL, exit_worker, NULL);
        for (;;)
            pause();
    }
    st = t_wait(pid);
    printf("exit from a thread: %s\n", t_status(st));
    errno = 0;
    printf("no more children: %s\n", waitpid(-1, NULL, WNOHANG) < 0 ? t_errname(errno) : "some");
    return t_done();
}
