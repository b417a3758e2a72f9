/* fileops N DIR: create, stat and unlink N files in DIR (the metadata path of a filesystem). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char path[256];
    struct stat st;
    long total = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/pynix-bench-%d", dir, i);
        int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0) { perror("open"); return 1; }
        close(fd);
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/pynix-bench-%d", dir, i);
        if (stat(path, &st) < 0) { perror("stat"); return 1; }
        total += st.st_nlink;
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/pynix-bench-%d", dir, i);
        if (unlink(path) < 0) { perror("unlink"); return 1; }
    }
    printf("files %d links %ld\n", n, total);
    return 0;
}
