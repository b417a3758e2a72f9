/* A glibc-static pthread program (gcc -static -pthread): glibc starts threads with clone3,
 * registers rseq and a robust list, and waits with FUTEX_WAIT_BITSET and absolute timeouts. */
#include "t.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/syscall.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int ready;
static __thread int tls = 5;

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    tls += id;
    return (void *)(intptr_t)tls;
}

static void *signaller(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    ready = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static pthread_barrier_t bar;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int shared_value, torn;
static sem_t sem;

static void *rw_worker(void *arg)
{
    int writer = (int)(intptr_t)arg;
    pthread_barrier_wait(&bar);
    for (int i = 0; i < 300; i++) {
        if (writer) {
            pthread_rwlock_wrlock(&rw);
            shared_value++;
            sched_yield();
            shared_value++;
        } else {
            pthread_rwlock_rdlock(&rw);
            if (shared_value % 2)
                torn = 1;
        }
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *sem_poster(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++)
        sem_post(&sem);
    return NULL;
}

int main(void)
{
    t_init();
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)(i + 1));
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        sum += (long)(intptr_t)r;
    }
    printf("counter %ld, tls sum %ld, main tls %d\n", counter, sum, tls);

    pthread_t s;
    pthread_mutex_lock(&mu);
    pthread_create(&s, NULL, signaller, NULL);
    while (!ready)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    pthread_join(s, NULL);
    printf("condition signalled\n");

    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 20 * 1000 * 1000;
    if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&mu);
    int r = pthread_cond_timedwait(&cv, &mu, &at);
    pthread_mutex_unlock(&mu);
    printf("timedwait: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : t_errname(r));

    int created = 0;
    for (int i = 0; i < 20; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, NULL) == 0 && pthread_join(t, NULL) == 0)
            created++;
    }
    printf("short-lived threads %d, counter %ld\n", created, counter);
    pthread_barrier_init(&bar, NULL, 3);
    pthread_t rws[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&rws[i], NULL, rw_worker, (void *)(intptr_t)(i == 0));
    for (int i = 0; i < 3; i++)
        pthread_join(rws[i], NULL);
    printf("rwlock value %d, torn reads %d\n", shared_value, torn);

    sem_init(&sem, 0, 0);
    pthread_t sp;
    pthread_create(&sp, NULL, sem_poster, NULL);
    int got = 0;
    for (int i = 0; i < 5; i++)
        got += sem_wait(&sem) == 0;
    pthread_join(sp, NULL);
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 20 * 1000 * 1000;
    if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    errno = 0;
    int tr = sem_timedwait(&sem, &at);
    printf("semaphore: %d taken, then %d %s\n", got, tr, errno == ETIMEDOUT ? "ETIMEDOUT" : t_errname(errno));

    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    ready = 0;
    pthread_mutex_lock(&mu);
    pthread_create(&s, &a, signaller, NULL);
    while (!ready)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    printf("detached thread ran\n");
    t_check("thread ids", getpid() == syscall(SYS_gettid), NULL);
    return t_done();
}
