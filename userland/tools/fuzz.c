/*
 * fuzz.c - a seeded random-syscall fuzzer for pynix (never run it on a host you care
 * about). The parent forks one child per batch; the child opens a few descriptors of every
 * kind (tmpfs and ext2 files, a directory, a pipe, sockets, an eventfd, /dev/null, SysV IPC
 * objects), then makes BATCH random syscalls with random and edge arguments (0, -1, 2^31,
 * 2^32-1, 2^63-16, (uid_t)-1, page sizes, pointers into a buffer of random or all-0xff bytes,
 * unmapped and kernel addresses, its own descriptors and IPC ids). A 20 ms interval timer
 * interrupts any call that would block; a 3 s watchdog in the parent kills a stuck batch.
 * Calls that would only end or cripple the fuzzer itself (exit, kill, execve, munmap,
 * sigaction, MAP_FIXED over its text...) or change the machine (reboot, mount, hostname,
 * paths outside its scratch directory) are skipped or tamed. Batch B of seed S always makes
 * the same calls, so "fuzz S 1 B" (one batch from number B) replays one.
 *   fuzz SEED COUNT [FIRST_BATCH [BATCH]]   -> "fuzz: seed S calls N batches M"
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall_skip.h"

static unsigned long long rng;
static unsigned long long next(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return rng;
}

static unsigned char scratch[1 << 16];
static long fds[16];
static int nfds;
static long ipc_ids[3];

static const long edges[] = {
    0, 1, 2, 3, 4, 7, 8, 16, 64, 255, 256, 4095, 4096, 4097, 65535, 65536, 0x7fffffff,
    0x80000000L, 0x90000000L, 0xfffffffeL, 0xffffffffL, 0x100000000L, 0x100000005L,
    0x7ffff000L, 0x7fffffffffffffffL, 0x7ffffffffffffff0L, (long)0x8000000000000000UL,
    -1, -2, -4096, (long)0xffff800000000000UL, 1L << 40, 1L << 44, 1L << 50, 1L << 62,
};

static long arg(void)
{
    switch (next() % 12) {
    case 0: return edges[next() % (sizeof edges / sizeof edges[0])];
    case 1: return (long)(next() % 64);
    case 2: return fds[next() % nfds];
    case 3: return (long)(scratch + next() % sizeof scratch);
    case 4: return (long)scratch;
    case 5: return (long)(next() % 0x10000);                   /* unmapped low page */
    case 6: return (long)0xffff800000000000ULL + (long)(next() & 0xffffff);
    case 7: return ipc_ids[next() % 3];
    case 8: return (long)next();
    case 9: return (long)(next() & 0xffffffff);
    case 10: return -(long)(next() % 4096);
    default: return (long)(1UL << (next() % 64));
    }
}

static int skip(long nr)
{
    switch (nr) {
    SKIP_ALWAYS_CASES
    case SYS_remap_file_pages: case SYS_process_vm_writev:
    case SYS_pkey_mprotect: case SYS_pidfd_send_signal: case SYS_kexec_file_load:
    case SYS_sched_setscheduler: case SYS_sched_setparam: case SYS_sched_setattr:
    case SYS_set_tid_address: case SYS_set_robust_list: case SYS_rseq: case SYS_setpriority:
        return 1;
    }
    return 0;
}

static void tick(int sig) { (void)sig; }

static void fill(void)
{
    int all = next() % 4;
    for (size_t i = 0; i < sizeof scratch; i += 8) {
        unsigned long long v = all == 0 ? ~0ULL : all == 1 ? next() % 8 : next();
        memcpy(scratch + i, &v, 8);
    }
    for (size_t i = 0; i < sizeof scratch; i++)       /* relative names only: the scratch dir */
        if (scratch[i] == '/')
            scratch[i] = 'x';
    if (next() % 2) {                                   /* sometimes a name that exists */
        static const char *names[] = {"f", "d", "ext", "fifo", "..", ".", "f/x", "d/"};
        size_t off = next() % (sizeof scratch - 16);
        strcpy((char *)scratch + off, names[next() % 8]);
    }
}

static void child(unsigned long long seed, unsigned long batch, long calls, volatile long *count)
{
    rng = seed * 0x9E3779B97F4A7C15ULL + batch * 0xBF58476D1CE4E5B9ULL + 1;
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0); dup2(null, 1); dup2(null, 2);
    mkdir("/tmp/fz", 0777);
    chdir("/tmp/fz");
    fds[nfds++] = open("f", O_CREAT | O_RDWR, 0666);
    fds[nfds++] = open("/var/tmp/fz-ext", O_CREAT | O_RDWR, 0666);
    fds[nfds++] = open("/tmp/fz/app", O_CREAT | O_RDWR | O_APPEND, 0666);
    mkdir("d", 0777);
    fds[nfds++] = open("d", O_RDONLY | O_DIRECTORY);
    int p[2];
    pipe(p);
    fds[nfds++] = p[0]; fds[nfds++] = p[1];
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fds[nfds++] = sv[0];
    fds[nfds++] = socket(AF_INET, SOCK_DGRAM, 0);
    fds[nfds++] = eventfd(0, 0);
    fds[nfds++] = null;
    fds[nfds++] = -1;
    fds[nfds++] = AT_FDCWD;
    ipc_ids[0] = msgget(0x7a7a0001, IPC_CREAT | 0666);
    ipc_ids[1] = semget(0x7a7a0002, 4, IPC_CREAT | 0666);
    ipc_ids[2] = shmget(0x7a7a0003, 8192, IPC_CREAT | 0666);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tick;                  /* no SA_RESTART: a blocked call returns EINTR */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    for (long i = 0; i < calls; i++) {
        long nr = (long)(next() % 460);
        if (skip(nr))
            continue;
        long a[6];
        fill();
        for (int k = 0; k < 6; k++)
            a[k] = arg();
        if (nr == SYS_mmap) {
            a[0] = 0;
            a[3] &= ~(long)(MAP_FIXED | 0x100000);      /* MAP_FIXED_NOREPLACE */
        }
        if (nr == SYS_shmat)
            a[1] = 0, a[2] &= ~(long)SHM_REMAP;
        if (nr == SYS_close || nr == SYS_dup2 || nr == SYS_dup3 || nr == SYS_close_range)
            if (a[0] >= 0 && a[0] < 3) a[0] += 100;    /* keep... nothing needs 0-2, but tidy */
        __atomic_add_fetch(count, 1, __ATOMIC_RELAXED);
        syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    _exit(0);
}

static pid_t running;
static void watchdog(int sig) { (void)sig; if (running > 0) kill(running, SIGKILL); }

int main(int argc, char **argv)
{
    unsigned long long seed = argc > 1 ? strtoull(argv[1], 0, 10) : 1;
    long count = argc > 2 ? atol(argv[2]) : 2000;
    unsigned long batch = argc > 3 ? strtoul(argv[3], 0, 10) : 0;
    long per = argc > 4 ? atol(argv[4]) : 200;
    volatile long *done = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (done == MAP_FAILED)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = watchdog;
    sigaction(SIGALRM, &sa, NULL);
    unsigned long batches = 0;
    while (*done < count) {
        long before = *done;
        fflush(stdout);
        pid_t c = fork();
        if (c < 0)
            return 2;
        if (c == 0)
            child(seed, batch, per, done);
        running = c;
        alarm(3);
        int st;
        while (waitpid(c, &st, 0) < 0)
            ;
        alarm(0);
        running = 0;
        batch++;
        batches++;
        if (*done == before && batches > 1000 && *done == 0)
            return 3;                                  /* nothing runs at all */
    }
    printf("fuzz: seed %llu calls %ld batches %lu\n", seed, *done, batches);
    return 0;
}
