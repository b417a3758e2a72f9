/* Cancellation (a thread blocked in read, an asynchronous one spinning) rides on a real-time
 * signal and the interrupted context; a fault in a thread kills the whole process. */
#include "t.h"
#include <pthread.h>
#include <stdint.h>
static int cleaned;
static void cleanup(void *a) { (void)a; cleaned++; }
static void *blocker(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    for (;;) {
        char c;
        int p[2];
        pipe(p);
        read(p[0], &c, 1);          /* a cancellation point that blocks */
    }
    pthread_cleanup_pop(0);
    return NULL;
}
static void *spinner(void *arg)
{
    (void)arg;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    for (;;)
        ;
    return NULL;
}
static void *faulter(void *arg)
{
    (void)arg;
    volatile int *volatile bad = (int *)8;
    *bad = 1;
    return NULL;
}
int main(void)
{
    t_init();
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, blocker, NULL);
    struct timespec d = {0, 20 * 1000 * 1000};
    nanosleep(&d, NULL);
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("blocked thread cancelled: %s, cleanup ran %d\n", t_yesno(r == PTHREAD_CANCELED), cleaned);
    pthread_create(&t, NULL, spinner, NULL);
    nanosleep(&d, NULL);
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("async cancel: %s\n", t_yesno(r == PTHREAD_CANCELED));
    pid_t pid = t_fork();
    if (pid == 0) {
        pthread_create(&t, NULL, faulter, NULL);
        for (;;)
            pause();
    }
    printf("fault in a thread: %s\n", t_status(t_wait(pid)));
    return t_done();
}
