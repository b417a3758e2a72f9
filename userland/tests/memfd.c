/*
 * memfd.c - memfd_create: an anonymous regular file you can write, read,
 * truncate and map shared; its /proc/self/fd name; MFD_CLOEXEC; the EINVAL
 * cases (unknown flags, a name over 249 bytes).
 */
#include "t.h"
#include <sys/mman.h>
#include <sys/syscall.h>

int main(void)
{
    t_init();
    int fd = (int)syscall(SYS_memfd_create, "test", 1 /* MFD_CLOEXEC */);
    t_check("memfd_create", fd >= 0, "errno %s", t_errname(errno));
    t_check("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC, "");
    printf("O_RDWR: %d\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    char link[64] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    readlink(path, link, sizeof link - 1);
    printf("link: %s\n", link);
    struct stat st;
    fstat(fd, &st);
    printf("regular %d size %lld nlink %lu mode %o\n", S_ISREG(st.st_mode), (long long)st.st_size,
           (unsigned long)st.st_nlink, st.st_mode & 07777);
    t_check("write", write(fd, "hello", 5) == 5, "");
    t_check("ftruncate", ftruncate(fd, 8192) == 0, "");
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    t_check("mmap", m != MAP_FAILED, "errno %s", t_errname(errno));
    t_check("mapped data", !memcmp(m, "hello", 5) && m[8191] == 0, "");
    memcpy(m + 4096, "via map", 7);
    char buf[8] = {0};
    t_check("read what the map wrote", pread(fd, buf, 7, 4096) == 7 && !memcmp(buf, "via map", 7), "");
    munmap(m, 8192);
    fstat(fd, &st);
    printf("size %lld\n", (long long)st.st_size);
    close(fd);
    errno = 0;
    t_check("bad flags", syscall(SYS_memfd_create, "x", 0x100) < 0 && errno == EINVAL, "errno %s",
            t_errname(errno));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    t_check("long name", syscall(SYS_memfd_create, longname, 0) < 0 && errno == EINVAL, "errno %s",
            t_errname(errno));
    return t_done();
}
