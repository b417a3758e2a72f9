/* threads MODE N: pthread costs.
 *   create N     N x (pthread_create + pthread_join) of a thread that returns at once
 *   mutex N      N x uncontended pthread_mutex_lock/unlock
 *   contended N  two threads each doing N/2 lock, increment, unlock on one mutex
 * Prints the count it reached, so every runner's output can be compared. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *nothing(void *arg) { return arg; }

static void *incr(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    long n = atol(argv[2]);
    if (!strcmp(argv[1], "create")) {
        for (long i = 0; i < n; i++) {
            pthread_t t;
            if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
                return 1;
            counter++;
        }
    } else if (!strcmp(argv[1], "mutex")) {
        incr((void *)n);
    } else if (!strcmp(argv[1], "contended")) {
        pthread_t a, b;
        pthread_create(&a, NULL, incr, (void *)(n / 2));
        pthread_create(&b, NULL, incr, (void *)(n - n / 2));
        pthread_join(a, NULL);
        pthread_join(b, NULL);
    } else {
        return 2;
    }
    printf("%ld\n", counter);
    return 0;
}
