/*
 * exec_errors.c - what execve does with things that are not plain ELF
 * programs: a text file without "#!" is ENOEXEC, an empty file ENOEXEC, a
 * missing file ENOENT, a directory EACCES, a file without execute
 * permission EACCES, a path through a regular file ENOTDIR, a bad pointer
 * EFAULT. A "#!/bin/sh" script runs with its arguments, and a "#!" line
 * naming a missing interpreter is ENOENT. Each attempt runs in a child, so a
 * wrongly successful exec cannot take over the test.
 */
#include "t.h"

/* execve(path) in a child; print errno, or the child's status if it exec'd. */
static void try_exec(const char *label, const char *path, char *const argv[])
{
    char *envp[] = {"PATH=/bin:/usr/bin", NULL};
    int st;
    int e = t_execve_errno(path, argv, envp, &st);
    if (e)
        printf("%s: %s\n", label, t_errname(e));
    else
        printf("%s: ran, %s\n", label, t_status(st));
}

static void make_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    t_write_all(fd, text, strlen(text));
    close(fd); /* closed before exec, or it would be ETXTBSY */
    chmod(path, mode);
}

int main(void)
{
    t_init();
    char text[128], empty[128], script[128], noexec[128], badinterp[128], dir[128], through[160];
    snprintf(text, sizeof text, "%s", t_tmp("text"));
    snprintf(empty, sizeof empty, "%s", t_tmp("empty"));
    snprintf(script, sizeof script, "%s", t_tmp("script"));
    snprintf(noexec, sizeof noexec, "%s", t_tmp("noexec"));
    snprintf(badinterp, sizeof badinterp, "%s", t_tmp("badinterp"));
    snprintf(dir, sizeof dir, "%s", t_tmp("dir"));
    snprintf(through, sizeof through, "%s/x", text);

    make_file(text, "hello, I am not a program\n", 0755);
    make_file(empty, "", 0755);
    make_file(script, "#!/bin/sh\necho \"script args: $1 $2\"\nexit 5\n", 0755);
    make_file(noexec, "#!/bin/sh\necho should not run\n", 0644);
    make_file(badinterp, "#!/nonexistent/interpreter\n", 0755);
    mkdir(dir, 0755);

    char *argv[] = {"prog", "one", "two", NULL};
    try_exec("text file without #!", text, argv);
    try_exec("empty file", empty, argv);
    try_exec("missing file", "/tmp/pynix-definitely-missing", argv);
    try_exec("directory", dir, argv);
    try_exec("no execute permission", noexec, argv);
    try_exec("path through a regular file", through, argv);
    try_exec("#! with missing interpreter", badinterp, argv);
    try_exec("#!/bin/sh script", script, argv);
    try_exec("bad path pointer", (const char *)1, argv);
    char *true_argv[] = {"true", NULL}; /* in busybox, argv[0] picks the applet */
    try_exec("/bin/true", "/bin/true", true_argv);

    unlink(text);
    unlink(empty);
    unlink(script);
    unlink(noexec);
    unlink(badinterp);
    rmdir(dir);
    return t_done();
}
