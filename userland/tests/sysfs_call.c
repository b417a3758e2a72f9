/* sysfs(2), the obsolete filesystem-type query: index of a name, name of an index, count.
 * The registered types differ between kernels, so only their round trip is compared. */
#include "t.h"
#include <sys/syscall.h>

int main(void)
{
    char buf[64];
    t_init();
    long n = syscall(SYS_sysfs, 3);
    printf("count > 0: %s\n", n > 0 ? "yes" : "no");
    int round_trip = 1, found_tmpfs = 0;
    for (long i = 0; i < n; i++) {
        memset(buf, 'x', sizeof buf);
        if (syscall(SYS_sysfs, 2, i, buf) != 0 || syscall(SYS_sysfs, 1, buf) != i)
            round_trip = 0;
        if (!strcmp(buf, "tmpfs"))
            found_tmpfs = 1;
    }
    printf("every index round-trips: %s\n", round_trip ? "yes" : "no");
    printf("tmpfs listed: %s\n", found_tmpfs ? "yes" : "no");
    SHOW("name past the end", syscall(SYS_sysfs, 2, n, buf));
    SHOW("negative index", syscall(SYS_sysfs, 2, -1L, buf));
    SHOW("unknown name", syscall(SYS_sysfs, 1, "nosuchfs"));
    SHOW("empty name", syscall(SYS_sysfs, 1, ""));
    SHOW("bad name pointer", syscall(SYS_sysfs, 1, (char *)-1));
    SHOW("bad buffer", syscall(SYS_sysfs, 2, 0L, (char *)-1));
    SHOW("option 0", syscall(SYS_sysfs, 0));
    SHOW("option 4", syscall(SYS_sysfs, 4));
    return 0;
}
