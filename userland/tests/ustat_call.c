/* ustat(2): free blocks and inodes of the filesystem mounted from a device, matching statfs;
 * EINVAL for a device with nothing mounted, EFAULT for a bad buffer. */
#include "t.h"
#include <sys/statfs.h>
#include <sys/syscall.h>

struct k_ustat { int f_tfree; unsigned long f_tinode; char f_fname[6], f_fpack[6]; };

static void check(const char *name, const char *path)
{
    struct stat st;
    struct statfs sf;
    struct k_ustat u;
    char line[128];
    if (stat(path, &st) || statfs(path, &sf)) {
        printf("%s: stat failed\n", name);
        return;
    }
    memset(&u, 0x55, sizeof u);
    long r = syscall(SYS_ustat, (unsigned)st.st_dev, &u);
    snprintf(line, sizeof line, "%s ustat", name);
    SHOW(line, r);
    if (r == 0) {
        /* a busy filesystem may change between the calls; only sizes-free-ish facts compared */
        printf("%s f_tinode == f_ffree: %s\n", name,
               u.f_tinode == (unsigned long)sf.f_ffree ? "yes" : "no");
        printf("%s f_tfree == f_bfree: %s\n", name,
               (unsigned)u.f_tfree == (unsigned)sf.f_bfree ? "yes" : "no");
        printf("%s names zeroed: %s\n", name, !u.f_fname[0] && !u.f_fpack[5] ? "yes" : "no");
    }
}

int main(void)
{
    struct stat st;
    t_init();
    check("/proc", "/proc");
    check("/dev", "/dev");
    struct k_ustat u;
    SHOW("unmounted device", syscall(SYS_ustat, 0xfff0fff0u, &u));
    if (stat("/proc", &st) == 0)
        SHOW("bad buffer", syscall(SYS_ustat, (unsigned)st.st_dev, (void *)-1));
    return 0;
}
