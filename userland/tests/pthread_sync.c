/* pthread synchronisation: mutex, condition variable, barrier, rwlock, spinning on a lock. */
#include "t.h"
#include <pthread.h>
#include <stdint.h>

#define NT 4
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;

static void *count_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

/* producer / consumer over a one-slot buffer */
static int slot, full, done_producing;
static long consumed_sum;

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 200; i++) {
        pthread_mutex_lock(&mu);
        while (full)
            pthread_cond_wait(&cv, &mu);
        slot = i;
        full = 1;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    done_producing = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!full && !done_producing)
            pthread_cond_wait(&cv, &mu);
        if (!full && done_producing) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        consumed_sum += slot;
        full = 0;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
}

static pthread_barrier_t bar;
static int phase_seen[NT][3];
static int phase;

static void *barrier_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int p = 0; p < 3; p++) {
        phase_seen[id][p] = __atomic_load_n(&phase, __ATOMIC_SEQ_CST);
        int r = pthread_barrier_wait(&bar);
        if (r == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_add_fetch(&phase, 1, __ATOMIC_SEQ_CST);
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int shared_value;
static int readers_ok = 1;

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 300; i++) {
        pthread_rwlock_rdlock(&rw);
        int v = shared_value;
        if (v % 2)
            readers_ok = 0;        /* a writer is half way: must never be seen */
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 300; i++) {
        pthread_rwlock_wrlock(&rw);
        shared_value++;
        sched_yield();
        shared_value++;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

/* a spinner must not starve the holder */
static volatile int flag_set;
static void *spinner(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&flag_set, __ATOMIC_SEQ_CST))
        ;
    return NULL;
}

int main(void)
{
    t_init();
    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        pthread_create(&th[i], NULL, count_worker, NULL);
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    printf("mutex counter %ld\n", counter);

    pthread_t p, c[2];
    pthread_create(&c[0], NULL, consumer, NULL);
    pthread_create(&c[1], NULL, consumer, NULL);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c[0], NULL);
    pthread_join(c[1], NULL);
    printf("condvar consumed sum %ld\n", consumed_sum);

    pthread_barrier_init(&bar, NULL, NT);
    for (int i = 0; i < NT; i++)
        pthread_create(&th[i], NULL, barrier_worker, (void *)(intptr_t)i);
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    int bar_ok = 1;
    for (int i = 0; i < NT; i++)
        for (int q = 0; q < 3; q++)
            if (phase_seen[i][q] != q)
                bar_ok = 0;
    t_check("barrier phases", bar_ok, NULL);
    printf("barrier final phase %d\n", phase);

    pthread_t r[3], w;
    for (int i = 0; i < 3; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    pthread_create(&w, NULL, writer, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], NULL);
    pthread_join(w, NULL);
    t_check("rwlock readers never saw a half write", readers_ok, NULL);
    printf("rwlock value %d\n", shared_value);

    pthread_t s;
    pthread_create(&s, NULL, spinner, NULL);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    __atomic_store_n(&flag_set, 1, __ATOMIC_SEQ_CST);
    pthread_join(s, NULL);
    printf("spinner joined\n");

    pthread_mutex_t em;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&em, &ma);
    pthread_mutex_lock(&em);
    printf("errorcheck relock: %s\n", t_errname(pthread_mutex_lock(&em)));
    printf("trylock held: %s\n", t_errname(pthread_mutex_trylock(&em)));
    pthread_mutex_unlock(&em);
    printf("unlock unowned: %s\n", t_errname(pthread_mutex_unlock(&em)));
    return t_done();
}
