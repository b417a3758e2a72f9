/*
 * fork_cow.c - fork() gives the child a private copy of the whole address
 * space (copy-on-write): writes by the child to globals, bss, heap and stack
 * do not reach the parent, and writes by the parent after fork do not reach
 * the child. Covers large buffers (4 MiB heap, 1 MiB bss) and nested forks.
 */
#include "t.h"

#define HEAP_SIZE (4u << 20)
#define BSS_SIZE (1u << 20)

static int g_data = 1;               /* .data */
static unsigned char g_bss[BSS_SIZE]; /* .bss: never touched before fork */

static unsigned sum(const unsigned char *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + seed);
}

int main(void)
{
    t_init();
    unsigned char *heap = malloc(HEAP_SIZE);
    unsigned char stack_buf[16384];
    int pfd[2];

    fill(heap, HEAP_SIZE, 3);
    fill(stack_buf, sizeof stack_buf, 5);
    unsigned heap_sum = sum(heap, HEAP_SIZE);
    unsigned stack_sum = sum(stack_buf, sizeof stack_buf);
    unsigned bss_sum = sum(g_bss, BSS_SIZE);
    pid_t parent = getpid();

    /* 1. The child writes everywhere; the parent must not see it. */
    pid_t pid = t_fork();
    if (pid == 0) {
        int bad = 0;
        if (getppid() != parent)
            bad |= 1;
        g_data = 2;
        fill(heap, HEAP_SIZE, 9);
        fill(stack_buf, sizeof stack_buf, 11);
        memset(g_bss, 0x5a, BSS_SIZE);
        /* The child sees its own writes. */
        if (g_data != 2 || heap[1] != (unsigned char)(7 + 9) || g_bss[BSS_SIZE - 1] != 0x5a)
            bad |= 2;
        _exit(bad);
    }
    t_check("fork returns child pid > 0 in parent", pid > 0, NULL);
    int st = t_wait(pid);
    printf("child (getppid == parent, sees own writes): %s\n", t_status(st));
    t_check("parent .data unchanged", g_data == 1, "g_data=%d", g_data);
    t_check("parent heap unchanged", sum(heap, HEAP_SIZE) == heap_sum, NULL);
    t_check("parent stack unchanged", sum(stack_buf, sizeof stack_buf) == stack_sum, NULL);
    t_check("parent bss still zero", sum(g_bss, BSS_SIZE) == bss_sum && g_bss[12345] == 0, NULL);

    /* 2. The parent writes after fork; the child must not see it. */
    if (pipe(pfd) < 0)
        return 2;
    pid = t_fork();
    if (pid == 0) {
        char c;
        close(pfd[1]);
        if (read(pfd[0], &c, 1) != 1) /* wait until the parent has written */
            _exit(10);
        int bad = 0;
        if (g_data != 1)
            bad |= 1;
        if (sum(heap, HEAP_SIZE) != heap_sum)
            bad |= 2;
        if (sum(stack_buf, sizeof stack_buf) != stack_sum)
            bad |= 4;
        if (g_bss[0] != 0)
            bad |= 8;
        _exit(bad);
    }
    close(pfd[0]);
    g_data = 3;
    fill(heap, HEAP_SIZE, 77);
    fill(stack_buf, sizeof stack_buf, 78);
    g_bss[0] = 1;
    t_write_all(pfd[1], "x", 1);
    close(pfd[1]);
    st = t_wait(pid);
    printf("child sees pre-fork values after parent writes: %s\n", t_status(st));
    g_data = 1;
    fill(heap, HEAP_SIZE, 3);
    g_bss[0] = 0;

    /* 3. A single byte written into a page: the rest of the page is copied too. */
    pid = t_fork();
    if (pid == 0) {
        heap[4096 * 10 + 100] ^= 0xff;
        heap[4096 * 10 + 100] ^= 0xff;
        _exit(sum(heap, HEAP_SIZE) == heap_sum ? 0 : 1);
    }
    st = t_wait(pid);
    printf("child partial page write keeps rest of page: %s\n", t_status(st));

    /* 4. Nested fork: grandchild writes, child and parent unaffected. */
    pid = t_fork();
    if (pid == 0) {
        pid_t gc = fork();
        if (gc == 0) {
            g_data = 40;
            memset(heap, 0, HEAP_SIZE);
            _exit(g_data);
        }
        int gst = 0;
        waitpid(gc, &gst, 0);
        int bad = 0;
        if (!WIFEXITED(gst) || WEXITSTATUS(gst) != 40)
            bad |= 1;
        if (g_data != 1 || sum(heap, HEAP_SIZE) != heap_sum)
            bad |= 2;
        _exit(bad);
    }
    st = t_wait(pid);
    printf("nested fork isolation: %s\n", t_status(st));
    t_check("parent unchanged after nested fork", g_data == 1 && sum(heap, HEAP_SIZE) == heap_sum, NULL);

    /* 5. Many sequential forks touching the same pages. */
    int all_ok = 1;
    for (int i = 0; i < 10; i++) {
        pid = t_fork();
        if (pid == 0) {
            heap[i * 4096] = (unsigned char)i;
            g_data = i;
            _exit(heap[i * 4096] == (unsigned char)i ? 0 : 1);
        }
        st = t_wait(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            all_ok = 0;
    }
    t_check("10 sequential forks writing shared pages", all_ok && g_data == 1 && sum(heap, HEAP_SIZE) == heap_sum, NULL);

    free(heap);
    return t_done();
}
