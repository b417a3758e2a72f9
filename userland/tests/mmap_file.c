/*
 * mmap_file.c - file-backed mappings of a file the program creates in /tmp:
 * MAP_PRIVATE shows the file's bytes, zero past EOF in the last page, and
 * keeps its writes to itself (the file is unchanged); an offset maps from
 * that page; MAP_SHARED writes reach the file (read() sees them) and write()
 * to the file shows through the shared mapping; a shared mapping is shared
 * with a forked child; touching a page wholly past EOF is SIGBUS; mapping
 * rules: writable MAP_SHARED needs a file opened for writing (EACCES),
 * unaligned offsets are EINVAL, pipes cannot be mapped (ENODEV).
 */
#include "t.h"
#include <sys/mman.h>

#define PG 4096
#define FILE_SIZE (3 * PG + 100)

static volatile char *g_addr;
static void touch_read(void *a) { (void)a; (void)*g_addr; }
static void touch_write(void *a) { (void)a; *g_addr = 1; }

static char expected(size_t i) { return (char)('A' + i % 23); }

int main(void)
{
    t_init();
    const char *path = t_tmp("mmapfile");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("create file: %s\n", t_errname(fd < 0 ? errno : 0));
    static char buf[FILE_SIZE];
    for (size_t i = 0; i < FILE_SIZE; i++)
        buf[i] = expected(i);
    t_write_all(fd, buf, FILE_SIZE);

    /* MAP_PRIVATE view of the whole file. */
    char *p = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("mmap private: %s\n", t_errname(p == MAP_FAILED ? errno : 0));
    int ok = 1;
    for (size_t i = 0; i < FILE_SIZE; i++)
        if (p[i] != expected(i))
            ok = 0;
    printf("mapping shows file contents: %s\n", t_yesno(ok));
    int zero_tail = 1;
    for (size_t i = FILE_SIZE; i < 4 * PG; i++)
        if (p[i])
            zero_tail = 0;
    printf("rest of last page is zero: %s\n", t_yesno(zero_tail));
    p[10] = '!';
    char c;
    pread(fd, &c, 1, 10);
    printf("private write not in file: %s\n", t_yesno(c == expected(10)));
    printf("private write visible in mapping: %s\n", t_yesno(p[10] == '!'));
    munmap(p, FILE_SIZE);

    /* A second private mapping starts from the file again. */
    p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("fresh private mapping sees file byte: %s\n", t_yesno(p[10] == expected(10)));
    munmap(p, PG);

    /* Offset: map from page 2. */
    p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
    printf("offset mapping starts at page 2: %s\n", t_yesno(p != MAP_FAILED && p[0] == expected(2 * PG)));
    munmap(p, PG);

    /* MAP_SHARED: stores reach the file; write() shows in the mapping. */
    char *s = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap shared: %s\n", t_errname(s == MAP_FAILED ? errno : 0));
    memcpy(s + PG + 1, "SHARED", 6);
    char rb[8] = {0};
    pread(fd, rb, 6, PG + 1);
    printf("shared store visible to read(): \"%s\"\n", rb);
    pwrite(fd, "written", 7, 2 * PG + 3);
    printf("write() visible in shared mapping: %s\n", t_yesno(memcmp(s + 2 * PG + 3, "written", 7) == 0));
    printf("msync: %s\n", t_errname(msync(s, FILE_SIZE, MS_SYNC) ? errno : 0));

    /* A child's store to the shared file mapping is seen by the parent. */
    pid_t ch = t_fork();
    if (ch == 0) {
        s[5] = '#';
        _exit(0);
    }
    t_wait(ch);
    pread(fd, &c, 1, 5);
    printf("child's shared store seen by parent: %s, in file: %s\n", t_yesno(s[5] == '#'), t_yesno(c == '#'));
    munmap(s, FILE_SIZE);

    /* Data persists after munmap and close. */
    close(fd);
    fd = open(path, O_RDONLY);
    pread(fd, rb, 6, PG + 1);
    printf("file keeps shared stores after munmap: \"%s\"\n", rb);

    /* A page wholly past EOF: SIGBUS. */
    p = mmap(NULL, 8 * PG, PROT_READ, MAP_SHARED, fd, 0);
    g_addr = p + 6 * PG;
    printf("read a page past EOF: %s\n", t_status(t_in_child(touch_read, NULL)));
    munmap(p, 8 * PG);

    /* Private writable mapping of a read-only fd is fine; shared writable is not. */
    p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("private RW mapping of O_RDONLY fd: %s\n", t_errname(p == MAP_FAILED ? errno : 0));
    p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("shared RW mapping of O_RDONLY fd: %s\n", t_errname(p == MAP_FAILED ? errno : 0));
    p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    g_addr = p;
    printf("write to read-only shared file mapping: %s\n", t_status(t_in_child(touch_write, NULL)));
    p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100);
    printf("unaligned offset: %s\n", t_errname(p == MAP_FAILED ? errno : 0));
    close(fd);

    int pp[2];
    if (pipe(pp) < 0)
        return 2;
    p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pp[0], 0);
    printf("mmap of a pipe: %s\n", t_errname(p == MAP_FAILED ? errno : 0));
    fd = open("/tmp", O_RDONLY | O_DIRECTORY);
    p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap of a directory: %s\n", t_errname(p == MAP_FAILED ? errno : 0));
    close(fd);

    printf("unlink: %s\n", t_errname(unlink(path) ? errno : 0));
    return t_done();
}
