/* A glibc-static pthread program (gcc -static -pthread): glibc starts threads with clone3,
 * registers rseq and a robust list, and waits with FUTEX_WAIT_BITSET and absolute timeouts. */
#include "t.h"
#include <pthread.h>
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
    t_check("thread ids", getpid() == syscall(SYS_gettid), NULL);
    return t_done();
}
