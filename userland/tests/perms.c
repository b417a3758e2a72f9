/*
 * perms.c - permission checks on every path component, as an unprivileged user:
 * a 0600 file of root's cannot be read, a directory without x cannot be searched
 * (EACCES even for a file that exists inside), without w nothing can be created
 * in it, owner/group/other bits each apply, chmod of someone else's file is EPERM,
 * access(2) answers from the real uid, and in a sticky directory a user may not
 * remove another user's file. Runs as root, then drops to uid/gid 1000 in a child.
 */
#include "t.h"

static const char *e(int rc) { return rc < 0 ? t_errname(errno) : "ok"; }

int main(void)
{
    t_init();
    if (getuid() != 0) {
        printf("needs root to drop privileges\n");
        return 0;
    }
    const char *base = t_tmp("perms");
    char p[256], q[256];
    mkdir(base, 0755);
    snprintf(p, sizeof p, "%s/secret", base);
    close(open(p, O_CREAT | O_WRONLY, 0600));
    snprintf(p, sizeof p, "%s/public", base);
    close(open(p, O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/noexec", base);
    mkdir(p, 0700);
    chmod(p, 0644);                 /* readable, not searchable */
    snprintf(p, sizeof p, "%s/noexec/inside", base);
    close(open(p, O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/ro", base);
    mkdir(p, 0555);
    snprintf(p, sizeof p, "%s/grp", base);
    close(open(p, O_CREAT | O_WRONLY, 0640));
    chown(p, 0, 1000);
    snprintf(p, sizeof p, "%s/sticky", base);
    mkdir(p, 0755);
    chmod(p, 01777);                /* mkdir's mode passes through the umask */
    snprintf(p, sizeof p, "%s/sticky/roots", base);
    close(open(p, O_CREAT | O_WRONLY, 0666));

    pid_t c = t_fork();
    if (c == 0) {
        if (setgid(1000) || setuid(1000)) { printf("setuid failed\n"); _exit(1); }
        snprintf(p, sizeof p, "%s/secret", base);
        printf("read root's 0600 file: %s\n", e(open(p, O_RDONLY)));
        snprintf(p, sizeof p, "%s/public", base);
        printf("read root's 0644 file: %s\n", e(open(p, O_RDONLY)));
        printf("write root's 0644 file: %s\n", e(open(p, O_WRONLY)));
        printf("chmod root's file: %s\n", e(chmod(p, 0777)));
        printf("access R_OK: %s, W_OK: %s\n", e(access(p, R_OK)), e(access(p, W_OK)));
        snprintf(p, sizeof p, "%s/noexec/inside", base);
        printf("open through a dir without x: %s\n", e(open(p, O_RDONLY)));
        struct stat st;
        printf("stat through a dir without x: %s\n", e(stat(p, &st)));
        snprintf(p, sizeof p, "%s/noexec", base);
        printf("opendir of a dir without x (r ok): %s\n", e(open(p, O_RDONLY | O_DIRECTORY)));
        snprintf(p, sizeof p, "%s/ro/new", base);
        printf("create in a 0555 dir: %s\n", e(open(p, O_CREAT | O_WRONLY, 0644)));
        snprintf(p, sizeof p, "%s/grp", base);
        printf("group-readable file as group member: %s\n", e(open(p, O_RDONLY)));
        printf("group file for writing: %s\n", e(open(p, O_WRONLY)));
        snprintf(p, sizeof p, "%s/sticky/mine", base);
        int fd = open(p, O_CREAT | O_WRONLY, 0644);
        printf("create in sticky dir: %s\n", e(fd));
        close(fd);
        snprintf(q, sizeof q, "%s/sticky/roots", base);
        printf("unlink root's file in sticky dir: %s\n", e(unlink(q)));
        printf("unlink own file in sticky dir: %s\n", e(unlink(p)));
        printf("mkdir in /: %s\n", e(mkdir("/pynix-perm-test", 0755)));
        _exit(0);
    }
    t_wait(c);
    snprintf(p, sizeof p, "%s/noexec", base);
    chmod(p, 0755);
    const char *names[] = {"secret", "public", "noexec/inside", "noexec", "ro", "grp", "sticky/roots", "sticky"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", base, names[i]);
        if (unlink(p) < 0)
            rmdir(p);
    }
    printf("cleanup: %s\n", e(rmdir(base)));
    return 0;
}
