/*
 * t.h - helpers shared by the userland test programs.
 *
 * Each test program is built with `musl-gcc -static -O2`, run natively on
 * Linux and inside pynix, and the two runs must print the same stdout and
 * exit with the same status (tests/programs/test_programs.py compares them).
 * So a program prints only facts that are the same on any correct kernel:
 * never pids, addresses, times or errno texts of the host libc, but
 * "child pid > 0: yes", "errno: ENOENT", "status: exited 3".
 *
 * Rules that keep the output deterministic:
 *   - stdout is line buffered (t_init) and flushed before every fork
 *     (t_fork), so no buffered text is duplicated into a child;
 *   - only one process prints at a time: a parent prints after it has
 *     waited for the child that printed before it;
 *   - core dumps are disabled, so a child killed by SIGSEGV leaves no file
 *     behind and WCOREDUMP does not matter (we never print it anyway).
 *
 * t_check() prints "name: ok" or "name: FAIL (...)" and remembers a failure;
 * t_done() exits 1 if anything failed, else 0.
 */
#ifndef PYNIX_T_H
#define PYNIX_T_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#define T_FN static __attribute__((unused))

static int t_failures __attribute__((unused));

T_FN void t_init(void)
{
    struct rlimit no_core = {0, 0};
    setvbuf(stdout, NULL, _IOLBF, 0);
    setrlimit(RLIMIT_CORE, &no_core); /* best effort */
}

/* Print a line: "name: ok" or "name: FAIL (why)". */
T_FN void t_check(const char *name, int ok, const char *fmt, ...)
{
    if (ok) {
        printf("%s: ok\n", name);
        return;
    }
    t_failures++;
    printf("%s: FAIL (", name);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
    }
    printf(")\n");
}

T_FN int t_done(void)
{
    fflush(stdout);
    return t_failures ? 1 : 0;
}

T_FN const char *t_yesno(int b) { return b ? "yes" : "no"; }

/* Symbolic names for the errno values the tests expect. */
T_FN const char *t_errname(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENODATA: return "ENODATA";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENXIO: return "ENXIO";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTSUP: return "ENOTSUP";
    case ENOTSOCK: return "ENOTSOCK";
    case EIDRM: return "EIDRM";
    case ENOMSG: return "ENOMSG";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "errno %d", e);
        return buf;
    }
    }
}

/* Render a wait status as text that does not depend on core dumps. */
T_FN const char *t_status(int st)
{
    static char buf[64];
    if (WIFEXITED(st))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(st));
    else if (WIFSTOPPED(st))
        snprintf(buf, sizeof buf, "stopped by signal %d", WSTOPSIG(st));
    else
        snprintf(buf, sizeof buf, "unknown status");
    return buf;
}

/* fork() after flushing stdio; exits the program if fork fails. */
T_FN pid_t t_fork(void)
{
    pid_t pid;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        printf("fork failed: %s\n", t_errname(errno));
        exit(2);
    }
    return pid;
}

/* waitpid() for one specific child, retrying on EINTR; returns the status. */
T_FN int t_wait(pid_t pid)
{
    int st = 0;
    pid_t r;
    do
        r = waitpid(pid, &st, 0);
    while (r < 0 && errno == EINTR);
    if (r != pid) {
        printf("waitpid failed: %s\n", t_errname(errno));
        exit(2);
    }
    return st;
}

/* Run fn(arg) in a child process and return how the child ended. */
T_FN int t_in_child(void (*fn)(void *), void *arg)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    return t_wait(pid);
}

/* Print "name: result" for a call's return value, with the errno name for a failure. */
T_FN void t_show(const char *name, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", name, t_errname(errno));
    else
        printf("%s: %ld\n", name, r);
}
#define SHOW(name, expr) do { errno = 0; t_show(name, (long)(expr)); } while (0)

/* A name inside the test's scratch directory t_dir (set it first), from a ring of 8 buffers. */
static char t_dir[128] __attribute__((unused));
T_FN const char *P(const char *name)
{
    static char buf[8][256];
    static int next;
    char *p = buf[next++ & 7];
    snprintf(p, 256, "%s/%s", t_dir, name);
    return p;
}

/* A per-run scratch path under /tmp: "/tmp/pynix-<tag>-<pid>" (never printed). */
T_FN const char *t_tmp(const char *tag)
{
    static char buf[4][128];
    static int next;
    char *p = buf[next++ & 3];
    const char *dir = getenv("T_TMPDIR"); /* scratch directory: /tmp unless told */
    snprintf(p, 128, "%s/pynix-%s-%d", dir && *dir ? dir : "/tmp", tag, (int)getpid());
    return p;
}

/* write() all of buf or die. */
T_FN void t_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            printf("write failed: %s\n", t_errname(errno));
            exit(2);
        }
        p += n;
        len -= (size_t)n;
    }
}

/* execve(path, argv, envp) in a child: the errno execve failed with (from a close-on-exec
 * pipe), or 0 when the program started; *status gets how the child ended. */
T_FN int t_execve_errno(const char *path, char *const argv[], char *const envp[], int *status)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        exit(2);
    pid_t c = t_fork();
    if (c == 0) {
        close(p[0]);
        execve(path, argv, envp);
        int e = errno;
        write(p[1], &e, sizeof e);
        _exit(127);
    }
    close(p[1]);
    int e = 0;
    ssize_t n = read(p[0], &e, sizeof e);
    close(p[0]);
    *status = t_wait(c);
    return n == sizeof e ? e : 0;
}

/* Read a whole (small, e.g. /proc) file into buf, NUL-terminated; its length or -1. */
T_FN int t_slurp(const char *path, char *buf, int size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int n = 0, r;
    while ((r = read(fd, buf + n, size - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

#endif
