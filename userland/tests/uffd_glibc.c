/*
 * uffd_glibc.c - userfaultfd(2): the API handshake and its errors, registration, a missing
 * page filled by UFFDIO_COPY / UFFDIO_ZEROPAGE from another thread, a write-protect fault
 * resolved by clearing the protection, poll and O_NONBLOCK, the ioctl errnos (EEXIST, ENOENT, EINVAL),
 * and that close ends the registration. Built with glibc for pthreads.
 */
#include "t.h"
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static long psz;
static int uffd = -1;
static char *src;

static int new_uffd(int flags)
{
    return syscall(SYS_userfaultfd, flags | UFFD_USER_MODE_ONLY);
}

static int api(int fd, unsigned long long features)
{
    struct uffdio_api a = {.api = UFFD_API, .features = features};
    return ioctl(fd, UFFDIO_API, &a);
}

static int reg(char *p, long len, int mode)
{
    struct uffdio_register r = {.range = {(unsigned long)p, len}, .mode = mode};
    return ioctl(uffd, UFFDIO_REGISTER, &r);
}

static struct uffd_msg wait_msg(void)
{
    struct uffd_msg m;
    struct pollfd pfd = {uffd, POLLIN, 0};
    memset(&m, 0, sizeof m);
    if (poll(&pfd, 1, 5000) != 1 || read(uffd, &m, sizeof m) != sizeof m)
        m.event = 0;
    return m;
}

static void *copier(void *arg)
{
    struct uffd_msg m = wait_msg();
    struct uffdio_copy c = {0};
    (void)arg;
    if (m.event != UFFD_EVENT_PAGEFAULT)
        return (void *)1;
    c.dst = m.arg.pagefault.address & ~(psz - 1);
    c.src = (unsigned long)src;
    c.len = psz;
    if (ioctl(uffd, UFFDIO_COPY, &c) || c.copy != psz)
        return (void *)2;
    return (void *)(long)(m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE ? 10 : 11);
}

static void *zeroer(void *arg)
{
    struct uffd_msg m = wait_msg();
    struct uffdio_zeropage z = {{0}};
    (void)arg;
    if (m.event != UFFD_EVENT_PAGEFAULT)
        return (void *)1;
    z.range.start = m.arg.pagefault.address & ~(psz - 1);
    z.range.len = psz;
    return (void *)(long)(ioctl(uffd, UFFDIO_ZEROPAGE, &z) ? 2 : 0);
}

static void *unprotect(void *arg)
{
    struct uffd_msg m = wait_msg();
    struct uffdio_writeprotect w = {{0}};
    (void)arg;
    if (m.event != UFFD_EVENT_PAGEFAULT)
        return (void *)1;
    w.range.start = m.arg.pagefault.address & ~(psz - 1);
    w.range.len = psz;
    if (ioctl(uffd, UFFDIO_WRITEPROTECT, &w))
        return (void *)2;
    return (void *)(long)((m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) ? 20 : 21);
}

static long joined(pthread_t th)
{
    void *r;
    pthread_join(th, &r);
    return (long)r;
}

static char *fresh(void)
{
    return mmap(NULL, 4 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
    pthread_t th;
    t_init();
    psz = sysconf(_SC_PAGESIZE);
    src = fresh();
    memset(src, 'S', psz);

    SHOW("bad flags", syscall(SYS_userfaultfd, 0x10));
    uffd = new_uffd(O_CLOEXEC | O_NONBLOCK);
    t_check("userfaultfd", uffd >= 0, "fd %d", uffd);
    char *p = fresh();
    SHOW("register before api", reg(p, psz, UFFDIO_REGISTER_MODE_MISSING));
    {
        struct uffdio_api a = {.api = 0x55};
        SHOW("api wrong number", ioctl(uffd, UFFDIO_API, &a));
        printf("api zeroed: %s\n", t_yesno(a.api == 0 && a.features == 0));
    }
    SHOW("api unknown feature", api(uffd, 1ULL << 60));
    {
        struct uffdio_api a = {.api = UFFD_API, .features = 0};
        SHOW("api", ioctl(uffd, UFFDIO_API, &a));
        printf("api has WP feature: %s\n", t_yesno(a.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP));
        printf("api ioctls: %#llx\n", (unsigned long long)a.ioctls);
    }
    SHOW("api twice", api(uffd, 0));
    SHOW("register mode 0", reg(p, psz, 0));
    SHOW("register unaligned", reg(p + 1, psz, UFFDIO_REGISTER_MODE_MISSING));
    {
        struct uffdio_register r = {.range = {(unsigned long)p, 2 * psz},
                                    .mode = UFFDIO_REGISTER_MODE_MISSING};
        SHOW("register", ioctl(uffd, UFFDIO_REGISTER, &r));
        printf("range ioctls has copy: %s, writeprotect: %s\n",
               t_yesno(r.ioctls >> _UFFDIO_COPY & 1), t_yesno(r.ioctls >> _UFFDIO_WRITEPROTECT & 1));
    }
    {
        struct pollfd pfd = {uffd, POLLIN, 0};
        struct uffd_msg m;
        SHOW("poll idle", poll(&pfd, 1, 0));
        SHOW("read idle", read(uffd, &m, sizeof m));
        SHOW("read short", read(uffd, &m, 8));
    }

    /* a user-mode read fault filled by UFFDIO_COPY */
    pthread_create(&th, NULL, copier, NULL);
    char c = p[17];
    printf("read fault: byte %c, handler %ld\n", c, joined(th));
    {
        struct uffdio_copy cp = {(unsigned long)p, (unsigned long)src, psz, 0, 0};
        SHOW("copy over present page", ioctl(uffd, UFFDIO_COPY, &cp));
        printf("copy field: %s\n", t_errname((int)-cp.copy));
        struct uffdio_copy far = {(unsigned long)p + 3 * psz, (unsigned long)src, psz, 0, 0};
        SHOW("copy outside range", ioctl(uffd, UFFDIO_COPY, &far));
        struct uffdio_copy odd = {(unsigned long)p + psz + 1, (unsigned long)src, psz, 0, 0};
        SHOW("copy unaligned dst", ioctl(uffd, UFFDIO_COPY, &odd));
        struct uffdio_copy mode = {(unsigned long)p + psz, (unsigned long)src, psz, 8, 0};
        SHOW("copy bad mode", ioctl(uffd, UFFDIO_COPY, &mode));
    }

    /* the second page, filled by a write fault */
    pthread_create(&th, NULL, copier, NULL);
    p[psz + 1] = 'x';
    printf("write fault: bytes %c%c, handler %ld\n", p[psz], p[psz + 1], joined(th));
    {
        struct uffdio_range r = {(unsigned long)p, 2 * psz};
        SHOW("unregister", ioctl(uffd, UFFDIO_UNREGISTER, &r));
        SHOW("wake", ioctl(uffd, UFFDIO_WAKE, &r));
    }

    /* UFFDIO_ZEROPAGE */
    char *z = fresh();
    reg(z, psz, UFFDIO_REGISTER_MODE_MISSING);
    pthread_create(&th, NULL, zeroer, NULL);
    z[5] = 'w';
    printf("zeropage: byte5 %c byte6 %d, handler %ld\n", z[5], z[6], joined(th));

    /* write protection */
    char *w = fresh();
    memset(w, 'a', psz);
    SHOW("writeprotect unregistered", ({
        struct uffdio_writeprotect x = {{(unsigned long)w, psz}, UFFDIO_WRITEPROTECT_MODE_WP};
        ioctl(uffd, UFFDIO_WRITEPROTECT, &x); }));
    SHOW("register wp", reg(w, psz, UFFDIO_REGISTER_MODE_WP));
    {
        struct uffdio_writeprotect x = {{(unsigned long)w, psz},
                                        UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE};
        SHOW("writeprotect wp|dontwake", ioctl(uffd, UFFDIO_WRITEPROTECT, &x));
        x.mode = UFFDIO_WRITEPROTECT_MODE_WP;
        SHOW("writeprotect", ioctl(uffd, UFFDIO_WRITEPROTECT, &x));
    }
    printf("read of protected page: %c\n", w[3]);
    pthread_create(&th, NULL, unprotect, NULL);
    w[3] = 'b';
    printf("write after unprotect: %c, handler %ld\n", w[3], joined(th));

    /* close ends the registration: faults are ordinary again */
    char *q = fresh();
    reg(q, psz, UFFDIO_REGISTER_MODE_MISSING);
    close(uffd);
    printf("after close: byte %d\n", q[0]);

    /* /dev/userfaultfd */
    int dev = open("/dev/userfaultfd", O_RDWR);
    if (dev >= 0) {
        int fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
        printf("dev new fd: %s\n", t_yesno(fd > dev));
        SHOW("dev api", api(fd, 0));
        SHOW("dev bad ioctl", ioctl(dev, UFFDIO_API, 0));
        close(fd);
        close(dev);
    }
    return t_done();
}
