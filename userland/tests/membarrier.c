/* membarrier: the commands QUERY reports (less the RSEQ ones, which depend on CONFIG_RSEQ),
 * EPERM before registration, registrations kept per address space (a forked child keeps
 * them, an exec'd program starts without), GET_REGISTRATIONS, and EINVAL for flags and unknown commands. */
#include "t.h"
#include <sys/syscall.h>

static long mb(int cmd, unsigned flags) { return syscall(SYS_membarrier, cmd, flags, 0); }
#define RSEQ_BITS (128 | 256)

int main(int argc, char **argv)
{
    t_init();
    if (argc > 1) {
        SHOW("after exec registrations", mb(512, 0));
        SHOW("after exec private expedited", mb(8, 0));
        return t_done();
    }
    long q = mb(0, 0);
    printf("query: %ld\n", q < 0 ? q : q & ~RSEQ_BITS);
    SHOW("global", mb(1, 0));
    SHOW("global expedited", mb(2, 0));
    SHOW("private expedited unregistered", mb(8, 0));
    SHOW("sync core unregistered", mb(32, 0));
    SHOW("registrations", mb(512, 0));
    SHOW("register private", mb(16, 0));
    SHOW("private expedited", mb(8, 0));
    SHOW("sync core still unregistered", mb(32, 0));
    SHOW("register sync core", mb(64, 0));
    SHOW("sync core", mb(32, 0));
    SHOW("register global", mb(4, 0));
    SHOW("registrations", mb(512, 0));
    pid_t c = t_fork();
    if (c == 0) {
        SHOW("child registrations", mb(512, 0));
        SHOW("child private expedited", mb(8, 0));
        execl("/proc/self/exe", "membarrier", "exec", (char *)NULL);
        _exit(3);
    }
    t_wait(c);
    SHOW("query with flags", mb(0, 1));
    SHOW("global with flags", mb(1, 1));
    SHOW("unknown command 1024", mb(1024, 0));
    SHOW("two commands", mb(3, 0));
    SHOW("negative command", mb(-1, 0));
    return t_done();
}
