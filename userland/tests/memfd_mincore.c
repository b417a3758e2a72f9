/*
 * memfd_mincore.c - memfd_create gives an anonymous read-write regular file
 * (mode 0777, nlink 0) that can be written, truncated, mapped MAP_SHARED and
 * shared with a child through the descriptor; its /proc/self/fd link names it
 * memfd:NAME; bad flags or a long name are EINVAL. mincore reports resident
 * pages of a fresh anonymous mapping before and after touching them, EINVAL
 * for an unaligned address and ENOMEM for an unmapped range.
 */
#include "t.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int memfd(const char *name, unsigned flags)
{
    return (int)syscall(SYS_memfd_create, name, flags);
}

int main(void)
{
    t_init();
    int fd = memfd("pynix-test", 1 /* MFD_CLOEXEC */);
    printf("memfd: %s\n", t_yesno(fd >= 0));
    struct stat st;
    fstat(fd, &st);
    printf("regular %s mode %o nlink %ld size %ld\n", t_yesno(S_ISREG(st.st_mode)),
           (unsigned)(st.st_mode & 07777), (long)st.st_nlink, (long)st.st_size);
    printf("cloexec: %s\n", t_yesno(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    char link[128] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    readlink(path, link, sizeof link - 1);
    printf("link starts with /memfd:pynix-test: %s\n", t_yesno(!strncmp(link, "/memfd:pynix-test", 17)));
    printf("write: %zd\n", write(fd, "hello memfd", 11));
    printf("ftruncate 8192: %d\n", ftruncate(fd, 8192));
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap: %s, sees '%.11s'\n", t_yesno(m != MAP_FAILED), m);
    pid_t c = t_fork();
    if (c == 0) {
        char *cm = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        memcpy(cm + 4096, "from the child", 14);
        _exit(0);
    }
    t_wait(c);
    char buf[16] = {0};
    pread(fd, buf, 14, 4096);
    printf("child's write seen by read: '%s', by the mapping: '%.14s'\n", buf, m + 4096);
    int r = memfd("x", 0x100);
    printf("bad flags: %d %s\n", r, t_errname(errno));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    r = memfd(longname, 0);
    printf("long name: %d %s\n", r, t_errname(errno));

    long page = sysconf(_SC_PAGESIZE);
    unsigned char vec[4];
    char *a = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mincore(a, 4 * page, vec);
    printf("fresh: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
    a[0] = 1;
    a[2 * page] = 1;
    mincore(a, 4 * page, vec);
    printf("touched 0 and 2: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
    r = mincore(a + 1, page, vec);
    printf("unaligned: %d %s\n", r, t_errname(errno));
    munmap(a + page, page);
    r = mincore(a, 4 * page, vec);
    printf("hole: %d %s\n", r, t_errname(errno));
    return 0;
}
