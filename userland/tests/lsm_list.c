/* lsm_list.c - lsm_list_modules(2): the errno cases, the size it reports, and that the
 * capability module (LSM_ID_CAPABILITY, 100) is listed. */
#include "t.h"
#include <stdint.h>
#include <sys/syscall.h>

#ifndef SYS_lsm_list_modules
#define SYS_lsm_list_modules 461
#endif

static const char *ename(int e)
{
    return e == EINVAL ? "EINVAL" : e == EFAULT ? "EFAULT" : e == E2BIG ? "E2BIG" :
           e == 0 ? "0" : "other";
}

int main(void)
{
    uint64_t ids[32];
    uint32_t size = 0;
    t_init();
    errno = 0;
    long r = syscall(SYS_lsm_list_modules, ids, &size, 0);
    printf("size 0: %ld %s, size set to a multiple of 8: %d\n", r, ename(errno),
           size > 0 && size % 8 == 0);
    size = sizeof ids;
    errno = 0;
    syscall(SYS_lsm_list_modules, ids, &size, 1);
    printf("flags 1: %s\n", ename(errno));
    errno = 0;
    syscall(SYS_lsm_list_modules, ids, NULL, 0);
    printf("size NULL: %s\n", ename(errno));
    size = sizeof ids;
    errno = 0;
    syscall(SYS_lsm_list_modules, NULL, &size, 0);
    printf("ids NULL: %s\n", ename(errno));
    size = sizeof ids;
    r = syscall(SYS_lsm_list_modules, ids, &size, 0);
    int cap = 0;
    for (long i = 0; i < r; i++)
        cap |= ids[i] == 100;
    printf("count matches size: %d, capability listed: %d\n", r > 0 && size == r * 8, cap);
    return t_done();
}
