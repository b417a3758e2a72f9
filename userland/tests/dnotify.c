/*
 * dnotify.c - fcntl(F_NOTIFY) compared with Linux: which operations signal a
 * directory's watcher (DN_ACCESS, DN_MODIFY, DN_CREATE, DN_DELETE, DN_RENAME,
 * DN_ATTRIB, on the directory and on entries in it), the F_SETSIG signal's
 * si_fd and si_code, one-shot requests against DN_MULTISHOT, clearing with 0,
 * close dropping the request, and ENOTDIR for a file. Signals are counted per
 * descriptor.
 */
#include "t.h"
#include <signal.h>

static volatile int hits[64], codes[64];

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    if (si->si_fd >= 0 && si->si_fd < 64) {
        hits[si->si_fd]++;
        codes[si->si_fd] = si->si_code;
    }
}

static void report(const char *what, int a, int b)
{
    printf("%s: dir=%d(code %d) sub=%d\n", what, hits[a], codes[a], hits[b]);
    memset((void *)hits, 0, sizeof hits);
    memset((void *)codes, 0, sizeof codes);
}

int main(void)
{
    const char *t = getenv("T_TMPDIR");
    snprintf(t_dir, sizeof t_dir, "%s/pynix-dnotify-%d", t && *t ? t : "/tmp", (int)getpid());
    mkdir(t_dir, 0755);
    mkdir(P("sub"), 0755);
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 1, &sa, NULL);

    int d = open(t_dir, O_RDONLY), s = open(P("sub"), O_RDONLY);
    SHOW("setsig", fcntl(d, F_SETSIG, SIGRTMIN + 1));
    SHOW("setsig sub", fcntl(s, F_SETSIG, SIGRTMIN + 1));
    SHOW("notify all", fcntl(d, F_NOTIFY, DN_ACCESS | DN_MODIFY | DN_CREATE | DN_DELETE |
                                            DN_RENAME | DN_ATTRIB | DN_MULTISHOT));
    SHOW("notify sub rename", fcntl(s, F_NOTIFY, DN_RENAME | DN_MULTISHOT));
    SHOW("owner is us", fcntl(d, F_GETOWN) == getpid());

    int f = open(P("a"), O_CREAT | O_RDWR, 0644);
    report("create", d, s);
    t_write_all(f, "xy", 2);
    report("write", d, s);
    char c;
    pread(f, &c, 1, 0);
    report("pread", d, s);
    lseek(f, 0, SEEK_SET);
    read(f, &c, 1);
    report("read", d, s);
    fchmod(f, 0600);
    report("chmod", d, s);
    close(f);
    report("close", d, s);
    rename(P("a"), P("b"));
    report("rename within", d, s);
    rename(P("b"), P("sub/b"));
    report("rename into sub", d, s);
    rename(P("sub/b"), P("sub/c"));
    report("rename within sub", d, s);
    rename(P("sub/c"), P("c"));
    report("rename out of sub", d, s);
    unlink(P("c"));
    report("unlink", d, s);
    chmod(P("sub"), 0700);
    report("chmod sub", d, s);
    mkdir(P("sub2"), 0755);
    report("mkdir", d, s);
    rmdir(P("sub2"));
    report("rmdir", d, s);

    SHOW("notify one-shot create", fcntl(s, F_NOTIFY, DN_CREATE));
    close(open(P("sub/x"), O_CREAT | O_RDWR, 0644));
    close(open(P("sub/y"), O_CREAT | O_RDWR, 0644));
    report("two creates under a one-shot", d, s);
    SHOW("clear", fcntl(d, F_NOTIFY, 0));
    unlink(P("sub/x"));
    report("after clear", d, s);
    SHOW("notify again", fcntl(d, F_NOTIFY, DN_DELETE | DN_MULTISHOT));
    int d2 = dup(d);
    close(d2);
    unlink(P("sub/y"));
    close(open(P("z"), O_CREAT | O_RDWR, 0644));
    unlink(P("z"));
    report("after closing a dup", d, s);

    int r = open(P("sub"), O_RDONLY);
    close(r);
    f = open(P("file"), O_CREAT | O_RDWR, 0644);
    SHOW("notify on a file", fcntl(f, F_NOTIFY, DN_MODIFY));
    SHOW("clear on a file", fcntl(f, F_NOTIFY, 0));
    close(f);
    unlink(P("file"));
    rmdir(P("sub"));
    close(s);
    close(d);
    SHOW("scratch directory removed", rmdir(t_dir));
    return t_failures;
}
