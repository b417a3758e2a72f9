/* PTHREAD_PRIO_INHERIT mutexes use the PI futex operations: contention between threads,
 * trylock, a timed lock that times out, a robust PI lock whose owning process died. */
#include "t.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

static pthread_mutex_t m;
static long counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&m);
        counter++;
        if (i % 500 == 0)
            sched_yield();                     /* let the others find it held */
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void *holder(void *arg)
{
    pthread_barrier_t *b = arg;
    pthread_mutex_lock(&m);
    pthread_barrier_wait(b);                   /* main tries while we hold it */
    pthread_barrier_wait(b);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void init_pi(pthread_mutex_t *mu, int robust, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    if (robust)
        pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pshared)
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(mu, &a);
}

int main(void)
{
    t_init();
    init_pi(&m, 0, 0);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    printf("PI mutex counter %ld\n", counter);

    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 2);
    pthread_t h;
    pthread_create(&h, NULL, holder, &b);
    pthread_barrier_wait(&b);
    printf("trylock while held: %s\n", t_errname(pthread_mutex_trylock(&m)));
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 20 * 1000 * 1000;
    if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    int r = pthread_mutex_timedlock(&m, &at);
    printf("timedlock while held: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : t_errname(r));
    pthread_barrier_wait(&b);
    pthread_join(h, NULL);
    printf("lock after release: %s\n", t_errname(pthread_mutex_lock(&m)));
    pthread_mutex_unlock(&m);

    pthread_mutex_t *sm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    init_pi(sm, 1, 1);
    fflush(stdout);
    pid_t pid = t_fork();
    if (pid == 0) {
        pthread_mutex_lock(sm);
        _exit(0);                              /* dies holding it */
    }
    t_wait(pid);
    int e = pthread_mutex_lock(sm);
    printf("robust PI lock after owner died: %s\n", e == EOWNERDEAD ? "EOWNERDEAD" : t_errname(e));
    pthread_mutex_consistent(sm);
    pthread_mutex_unlock(sm);
    printf("and again: %s\n", t_errname(pthread_mutex_lock(sm)));
    pthread_mutex_unlock(sm);
    return t_done();
}
