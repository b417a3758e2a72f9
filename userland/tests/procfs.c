/*
 * procfs.c - /proc as ps, top and friends read it: /proc/self/{stat,status,
 * maps,fd,exe,cwd,cmdline,task}, another process's state as it sleeps and
 * as a zombie, magic links that open the object itself, and the
 * system-wide files' first fields. Prints only relations, never values.
 */
#include "t.h"
#include <dirent.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static char buf[65536];

static int slurp(const char *path)
{
    return t_slurp(path, buf, sizeof buf);
}

/* The fields after "(comm)" of /proc/<pid>/stat, and comm itself. */
struct pstat {
    char comm[64];
    char state;
    long ppid, pgrp, session, nthreads;
};

static int read_stat(pid_t pid, struct pstat *s)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (slurp(path) < 0)
        return -1;
    char *l = strchr(buf, '('), *r = strrchr(buf, ')');
    if (!l || !r)
        return -1;
    snprintf(s->comm, sizeof s->comm, "%.*s", (int)(r - l - 1), l + 1);
    long skip;
    return sscanf(r + 2, "%c %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld",
                  &s->state, &s->ppid, &s->pgrp, &s->session, &skip, &skip, &skip, &skip,
                  &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip,
                  &s->nthreads) == 18 ? 0 : -1;
}

static long status_field(const char *key)
{
    char *p = strstr(buf, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static char wait_state(pid_t pid, char want)
{
    struct pstat s = {0};
    for (int i = 0; i < 500; i++) {
        if (read_stat(pid, &s) == 0 && s.state == want)
            return want;
        usleep(10000);
    }
    return s.state;
}

static void self_files(const char *argv0)
{
    struct pstat s;
    t_check("stat parses", read_stat(getpid(), &s) == 0, NULL);
    t_check("stat comm", strcmp(s.comm, "procfs") == 0, "%s", s.comm);
    t_check("stat state R", s.state == 'R', "%c", s.state);
    t_check("stat ppid", s.ppid == getppid(), NULL);
    t_check("stat pgrp/session", s.pgrp == getpgrp() && s.session == getsid(0), NULL);
    t_check("stat threads", s.nthreads == 1, "%ld", s.nthreads);

    slurp("/proc/self/status");
    t_check("status Name", strncmp(buf, "Name:\tprocfs\n", 13) == 0, NULL);
    t_check("status State", strstr(buf, "\nState:\tR (running)\n") != NULL, NULL);
    t_check("status Tgid/Pid", status_field("\nTgid:\t") == getpid() &&
            status_field("\nPid:\t") == getpid(), NULL);
    t_check("status PPid", status_field("\nPPid:\t") == getppid(), NULL);
    t_check("status Uid", status_field("\nUid:\t") == (long)getuid(), NULL);
    t_check("status Threads", status_field("\nThreads:\t") == 1, NULL);
    t_check("status VmRSS kB", strstr(buf, "\nVmRSS:\t") && strstr(buf, " kB\n"), NULL);

    char exe[512] = {0}, cwd[512] = {0}, here[512];
    t_check("readlink exe", readlink("/proc/self/exe", exe, sizeof exe - 1) > 0, NULL);
    size_t n = strlen(exe);
    t_check("exe ends with program name", n > 7 && strcmp(exe + n - 7, "/procfs") == 0, "%s", exe);
    readlink("/proc/self/cwd", cwd, sizeof cwd - 1);
    t_check("cwd link is getcwd", getcwd(here, sizeof here) && strcmp(cwd, here) == 0, NULL);

    long cur = syscall(SYS_brk, 0);
    syscall(SYS_brk, cur + 16384);          /* musl's sbrk(n) refuses; grow by hand */
    slurp("/proc/self/maps");
    t_check("maps [stack]", strstr(buf, " [stack]\n") != NULL, NULL);
    t_check("maps [heap]", strstr(buf, " [heap]\n") != NULL, NULL);
    t_check("maps names the program", strstr(buf, exe) != NULL, NULL);
    t_check("maps r-xp text", strstr(buf, " r-xp ") != NULL, NULL);

    int len = slurp("/proc/self/cmdline");
    t_check("cmdline is argv", len == (int)strlen(argv0) + 1 && strcmp(buf, argv0) == 0, NULL);
    t_check("comm", slurp("/proc/self/comm") > 0 && strcmp(buf, "procfs\n") == 0, NULL);
    prctl(PR_SET_NAME, "renamed");
    t_check("comm after PR_SET_NAME", slurp("/proc/self/comm") > 0 &&
            strcmp(buf, "renamed\n") == 0, "%s", buf);
    prctl(PR_SET_NAME, "procfs");

    DIR *d = opendir("/proc/self/task");
    int tasks = 0, self_seen = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') {
            tasks++;
            self_seen |= atoi(e->d_name) == getpid();
        }
    if (d)
        closedir(d);
    t_check("task has one thread, itself", tasks == 1 && self_seen, NULL);
}

static void fd_files(void)
{
    int root = open("/", O_RDONLY | O_DIRECTORY);
    int p[2];
    pipe(p);
    DIR *d = opendir("/proc/self/fd");
    char list[256] = "";
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) {
            strcat(list, " ");
            strcat(list, e->d_name);
        }
    closedir(d);
    printf("fds:%s\n", list);
    char path[64], link[256] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", root);
    readlink(path, link, sizeof link - 1);
    t_check("fd link of a directory", strcmp(link, "/") == 0, "%s", link);
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", root);
    slurp(path);
    t_check("fdinfo pos and flags", strncmp(buf, "pos:\t0\nflags:\t0300000\nmnt_id:\t", 30) == 0,
            "%s", buf);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    memset(link, 0, sizeof link);
    readlink(path, link, sizeof link - 1);
    t_check("fd link of a pipe", strncmp(link, "pipe:[", 6) == 0, "%s", link);
    int w = open(path, O_WRONLY);
    t_check("open fd link of a pipe", w >= 0 && write(w, "via", 3) == 3, NULL);
    char got[8] = {0};
    read(p[0], got, 3);
    t_check("data through the reopened pipe", strcmp(got, "via") == 0, NULL);
    close(w);
    struct stat a, b;
    snprintf(path, sizeof path, "/proc/self/fd/%d", root);
    t_check("stat through fd link", stat(path, &a) == 0 && stat("/", &b) == 0 &&
            a.st_ino == b.st_ino && a.st_dev == b.st_dev, NULL);
    close(root);
    close(p[0]);
    close(p[1]);
    errno = 0;
    t_check("closed fd gone", readlink(path, link, sizeof link) < 0 && errno == ENOENT, NULL);
}

static void other_process(void)
{
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        char ch;
        close(p[1]);
        read(p[0], &ch, 1);
        _exit(0);
    }
    close(p[0]);
    t_check("sleeping child is S", wait_state(c, 'S') == 'S', NULL);
    struct pstat s;
    read_stat(c, &s);
    t_check("child ppid is us", s.ppid == getpid(), NULL);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)c);
    slurp(path);
    t_check("child status PPid", status_field("\nPPid:\t") == getpid(), NULL);
    DIR *d = opendir("/proc");
    int listed = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        listed |= atoi(e->d_name) == c;
    closedir(d);
    t_check("child listed in /proc", listed, NULL);
    close(p[1]);
    t_check("exited child is Z", wait_state(c, 'Z') == 'Z', NULL);
    waitpid(c, NULL, 0);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)c);
    errno = 0;
    t_check("reaped child gone", open(path, O_RDONLY) < 0 && errno == ENOENT, NULL);
}

static void system_files(void)
{
    slurp("/proc/meminfo");
    unsigned long total = 0, freek = 0;
    t_check("meminfo MemTotal", sscanf(buf, "MemTotal: %lu kB\nMemFree: %lu kB", &total, &freek) == 2
            && total > 0 && freek <= total, NULL);
    slurp("/proc/uptime");
    double up = -1, idle = -1;
    t_check("uptime two numbers", sscanf(buf, "%lf %lf", &up, &idle) == 2 && up >= 0, NULL);
    slurp("/proc/loadavg");
    double l1, l5, l15;
    int run, tot, last;
    t_check("loadavg fields", sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &tot,
                                     &last) == 6 && run >= 1 && tot >= run, NULL);
    slurp("/proc/stat");
    t_check("stat cpu line", strncmp(buf, "cpu  ", 5) == 0 && strstr(buf, "\nprocesses ") &&
            strstr(buf, "\nctxt ") && strstr(buf, "\nbtime "), NULL);
    slurp("/proc/filesystems");
    t_check("filesystems tmpfs and proc", strstr(buf, "nodev\ttmpfs\n") && strstr(buf, "nodev\tproc\n"),
            NULL);
    char self[32] = {0};
    readlink("/proc/self", self, sizeof self - 1);
    t_check("/proc/self is our pid", atoi(self) == getpid(), NULL);
    slurp("/proc/sys/kernel/ostype");
    t_check("sys/kernel/ostype", strcmp(buf, "Linux\n") == 0, NULL);
    struct stat st;
    t_check("/proc/mounts is a symlink", lstat("/proc/mounts", &st) == 0 && S_ISLNK(st.st_mode),
            NULL);
    slurp("/proc/mounts");
    t_check("/proc/mounts lists proc", strstr(buf, " /proc proc ") != NULL, NULL);

    int fd = open("/proc/self/stat", O_RDONLY);
    errno = 0;
    void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap of a proc file: %s\n", t_errname(m == MAP_FAILED ? errno : 0));
    errno = 0;
    printf("lseek SEEK_END: %s\n", t_errname(lseek(fd, 0, SEEK_END) < 0 ? errno : 0));
    close(fd);
    if (geteuid() == 0) {               /* root may open a 0444 file for writing */
        fd = open("/proc/self/stat", O_WRONLY);
        errno = 0;
        printf("write to stat: %s\n", t_errname(write(fd, "x", 1) < 0 ? errno : 0));
        close(fd);
    }
    errno = 0;
    printf("mkdir in /proc: %s\n", t_errname(mkdir("/proc/pynix-nope", 0755) < 0 ? errno : 0));
}

int main(int argc, char **argv)
{
    t_init();
    (void)argc;
    self_files(argv[0]);
    fd_files();
    other_process();
    system_files();
    return t_done();
}
