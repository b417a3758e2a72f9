/*
 * files.c - regular file I/O on a file the program creates in /tmp: write
 * and read back, lseek (SET/CUR/END, past EOF makes a zero-filled hole),
 * pread/pwrite (do not move the offset), readv/writev, O_APPEND, O_TRUNC,
 * ftruncate (shrink and grow), O_CREAT|O_EXCL, fstat/stat sizes, modes and
 * link counts, link/rename/unlink, and the usual errors.
 */
#include "t.h"
#include <sys/uio.h>

int main(void)
{
    t_init();
    const char *path = t_tmp("files");
    const char *path2 = t_tmp("files2");
    const char *path3 = t_tmp("files3");
    umask(022);

    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0640);
    printf("create: %s\n", t_errname(fd < 0 ? errno : 0));
    ssize_t n = write(fd, "hello, world\n", 13);
    printf("write returns %zd\n", n);
    printf("offset after write: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    char buf[256];
    printf("read at EOF: %zd\n", read(fd, buf, sizeof buf));
    lseek(fd, 0, SEEK_SET);
    n = read(fd, buf, sizeof buf);
    buf[n] = 0;
    printf("read back %zd bytes: %s", n, buf);

    /* lseek variants. */
    printf("SEEK_SET 7: %ld\n", (long)lseek(fd, 7, SEEK_SET));
    printf("SEEK_CUR +2: %ld\n", (long)lseek(fd, 2, SEEK_CUR));
    printf("SEEK_END -3: %ld\n", (long)lseek(fd, -3, SEEK_END));
    printf("SEEK_CUR -100: %s\n", t_errname(lseek(fd, -100, SEEK_CUR) < 0 ? errno : 0));
    printf("whence 99: %s\n", t_errname(lseek(fd, 0, 99) < 0 ? errno : 0));

    /* A hole: write past EOF, the gap reads as zeros. */
    lseek(fd, 100, SEEK_SET);
    write(fd, "X", 1);
    struct stat st;
    fstat(fd, &st);
    printf("size after writing at 100: %ld\n", (long)st.st_size);
    pread(fd, buf, 87, 13);
    int zero = 1;
    for (int i = 0; i < 87; i++)
        if (buf[i])
            zero = 0;
    printf("hole reads as zeros: %s\n", t_yesno(zero));

    /* pread / pwrite leave the offset alone. */
    lseek(fd, 5, SEEK_SET);
    n = pwrite(fd, "HELLO", 5, 0);
    n = pread(fd, buf, 5, 0);
    buf[n] = 0;
    printf("pread after pwrite: %s, offset still: %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
    printf("pread past EOF: %zd\n", pread(fd, buf, 10, 1000));
    printf("pread negative offset: %s\n", t_errname(pread(fd, buf, 1, -1) < 0 ? errno : 0));

    /* writev / readv. */
    lseek(fd, 0, SEEK_SET);
    ftruncate(fd, 0);
    struct iovec wv[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
    printf("writev returns %zd\n", writev(fd, wv, 3));
    lseek(fd, 0, SEEK_SET);
    char r1[2], r2[4], r3[10];
    struct iovec rv[3] = {{r1, 2}, {r2, 4}, {r3, 10}};
    n = readv(fd, rv, 3);
    printf("readv returns %zd: %.2s|%.4s|%.2s\n", n, r1, r2, r3);

    /* ftruncate grow and shrink. */
    ftruncate(fd, 4);
    fstat(fd, &st);
    printf("ftruncate to 4: size %ld\n", (long)st.st_size);
    ftruncate(fd, 5000);
    fstat(fd, &st);
    pread(fd, buf, 10, 4990);
    printf("ftruncate to 5000: size %ld, tail zero: %s\n", (long)st.st_size, t_yesno(buf[0] == 0 && buf[9] == 0));
    close(fd);

    /* O_APPEND: every write goes to the end, whatever the offset. */
    fd = open(path, O_WRONLY | O_TRUNC);
    write(fd, "start\n", 6);
    close(fd);
    fd = open(path, O_RDWR | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "end\n", 4);
    printf("O_APPEND offset after write: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    n = pread(fd, buf, sizeof buf, 0);
    buf[n] = 0;
    printf("O_APPEND contents: %s", buf);
    close(fd);

    /* stat: type, permission bits (umask applied), nlink, size. */
    stat(path, &st);
    printf("regular file: %s, mode %o, nlink %ld, size %ld\n", t_yesno(S_ISREG(st.st_mode)),
           (unsigned)(st.st_mode & 07777), (long)st.st_nlink, (long)st.st_size);
    fd = open(path2, O_WRONLY | O_CREAT | O_EXCL, 0777);
    fstat(fd, &st);
    printf("0777 with umask 022 gives mode %o\n", (unsigned)(st.st_mode & 07777));
    close(fd);
    chmod(path2, 0604);
    stat(path2, &st);
    printf("after chmod 0604: %o\n", (unsigned)(st.st_mode & 07777));
    printf("O_EXCL on existing file: %s\n", t_errname(open(path2, O_WRONLY | O_CREAT | O_EXCL, 0600) < 0 ? errno : 0));

    /* Hard links, rename, unlink. */
    printf("link: %s\n", t_errname(link(path, path3) ? errno : 0));
    stat(path, &st);
    struct stat st3;
    stat(path3, &st3);
    printf("nlink after link: %ld, same inode: %s\n", (long)st.st_nlink,
           t_yesno(st.st_ino == st3.st_ino && st.st_dev == st3.st_dev));
    printf("link onto existing name: %s\n", t_errname(link(path, path2) ? errno : 0));
    printf("rename over existing file: %s\n", t_errname(rename(path3, path2) ? errno : 0));
    stat(path2, &st3);
    printf("renamed file is the linked inode: %s\n", t_yesno(st3.st_ino == st.st_ino));
    printf("old name gone: %s\n", t_errname(stat(path3, &st3) ? errno : 0));
    unlink(path2);
    stat(path, &st);
    printf("nlink after unlinking the other name: %ld\n", (long)st.st_nlink);

    /* An open file survives unlink. */
    fd = open(path, O_RDONLY);
    unlink(path);
    n = read(fd, buf, 6);
    fstat(fd, &st);
    printf("read from unlinked open file: %zd, nlink %ld\n", n, (long)st.st_nlink);
    close(fd);

    /* Errors. */
    printf("open missing file: %s\n", t_errname(open(path, O_RDONLY) < 0 ? errno : 0));
    printf("open in missing dir: %s\n", t_errname(open("/tmp/pynix-no-such-dir/x", O_RDONLY | O_CREAT, 0600) < 0 ? errno : 0));
    printf("open dir for writing: %s\n", t_errname(open("/tmp", O_WRONLY) < 0 ? errno : 0));
    printf("O_DIRECTORY on a file: %s\n", t_errname(open("/bin/busybox", O_RDONLY | O_DIRECTORY) < 0 ? errno : 0));
    printf("path through a file: %s\n", t_errname(open("/bin/busybox/x", O_RDONLY) < 0 ? errno : 0));
    printf("unlink missing: %s\n", t_errname(unlink(path) ? errno : 0));
    const char *dir = t_tmp("filesdir");
    mkdir(dir, 0755);
    printf("unlink a directory: %s\n", t_errname(unlink(dir) ? errno : 0));
    rmdir(dir);
    printf("read a directory: %s\n", t_errname((fd = open("/tmp", O_RDONLY)) >= 0 && read(fd, buf, 1) < 0 ? errno : 0));
    close(fd);
    printf("empty path: %s\n", t_errname(open("", O_RDONLY) < 0 ? errno : 0));
    printf("bad pointer: %s\n", t_errname(open((char *)1, O_RDONLY) < 0 ? errno : 0));
    printf("read into bad pointer: %s\n",
           t_errname((fd = open("/bin/busybox", O_RDONLY)) >= 0 && read(fd, (char *)1, 10) < 0 ? errno : 0));
    close(fd);
    return t_done();
}
