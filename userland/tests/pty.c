/* Unix98 pseudo-terminals: /dev/ptmx, devpts, the slave lock, the two directions through the
 * line discipline, packet mode, TIOCGPTPEER, window size, signals to the slave's
 * foreground group, and what each side sees when the other closes. */
#include "t.h"
#include <poll.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Wait (on Linux the other side is fed by a work queue) until fd is readable. */
static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 2000) == 1 && (p.revents & POLLIN);
}

static int revents(int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLPRI, 0};
    poll(&p, 1, 0);
    return p.revents;
}

static void show_bytes(const char *name, const char *buf, int n)
{
    printf("%s: %d [", name, n);
    for (int i = 0; i < n; i++)
        printf(i ? " %02x" : "%02x", (unsigned char)buf[i]);
    printf("]\n");
}

static volatile sig_atomic_t got_sig;
static void on_sig(int s) { got_sig = s; }

int main(void)
{
    t_init();
    char buf[256], name[64];
    int n;

    int m = posix_openpt(O_RDWR | O_NOCTTY);
    t_check("posix_openpt", m >= 0, "%s", t_errname(errno));
    struct stat st;
    fstat(m, &st);
    printf("master is ptmx 5:2: %s\n", t_yesno(S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2));
    printf("isatty(master): %s\n", t_yesno(isatty(m)));
    int pn = -1, lock = -1;
    t_show("TIOCGPTN", ioctl(m, TIOCGPTN, &pn));
    t_show("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
    printf("locked at first: %d\n", lock);
    snprintf(name, sizeof name, "/dev/pts/%d", pn);
    printf("ptsname matches TIOCGPTN: %s\n", t_yesno(strcmp(ptsname(m), name) == 0));
    t_show("open locked slave", open(name, O_RDWR | O_NOCTTY));
    t_show("grantpt", grantpt(m));
    t_show("unlockpt", unlockpt(m));
    int s = open(name, O_RDWR | O_NOCTTY);
    t_check("open slave", s >= 0, "%s", t_errname(errno));
    fstat(s, &st);
    printf("slave is 136:N: %s\n", t_yesno(S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 && (int)minor(st.st_rdev) == pn));
    printf("ttyname(slave) is the node: %s\n", t_yesno(ttyname(s) && strcmp(ttyname(s), name) == 0));
    printf("/dev/pts/ptmx exists: %s\n", t_yesno(access("/dev/pts/ptmx", F_OK) == 0));
    t_show("TIOCGPTN on slave", ioctl(s, TIOCGPTN, &pn));

    /* slave -> master: OPOST/ONLCR */
    write(s, "hi\n", 3);
    n = readable(m) ? read(m, buf, sizeof buf) : -1;
    show_bytes("master reads slave output", buf, n);
    /* master -> slave: a canonical line, echoed back to the master */
    write(m, "ab\x7f" "c\n", 5);
    n = readable(s) ? read(s, buf, sizeof buf) : -1;
    show_bytes("slave reads the edited line", buf, n);
    n = readable(m) ? read(m, buf, sizeof buf) : -1;
    show_bytes("master reads the echo", buf, n);

    /* termios through the master acts on the slave */
    struct termios tio;
    tcgetattr(m, &tio);
    printf("master's termios is the slave's (ICANON): %s\n", t_yesno(tio.c_lflag & ICANON));
    unsigned short old[9];                  /* struct termio: 4 flag shorts, line, cc[8] */
    t_show("TCGETA", ioctl(m, TCGETA, old));
    printf("termio flags are the low halves: %s\n", t_yesno(old[3] == (tio.c_lflag & 0xFFFF) && old[0] == (tio.c_iflag & 0xFFFF)));
    t_show("TCGETA to a bad address", ioctl(m, TCGETA, (void *)8));
    old[3] &= ~ECHO;
    t_show("TCSETA without ECHO", ioctl(s, TCSETA, old));
    tcgetattr(s, &tio);
    printf("ECHO now off: %s\n", t_yesno(!(tio.c_lflag & ECHO)));
    cfmakeraw(&tio);
    t_show("tcsetattr(master, raw)", tcsetattr(m, TCSANOW, &tio));
    tcgetattr(s, &tio);
    printf("slave now raw: %s\n", t_yesno(!(tio.c_lflag & (ICANON | ECHO)) && !(tio.c_oflag & OPOST)));
    write(m, "x\ny", 3);
    n = readable(s) ? read(s, buf, sizeof buf) : -1;
    show_bytes("raw slave reads", buf, n);
    write(s, "z\n", 2);
    n = readable(m) ? read(m, buf, sizeof buf) : -1;
    show_bytes("raw master reads", buf, n);

    /* window size set on the master is the slave's */
    struct winsize ws = {33, 101, 0, 0}, got = {0};
    t_show("TIOCSWINSZ(master)", ioctl(m, TIOCSWINSZ, &ws));
    t_show("TIOCGWINSZ(slave)", ioctl(s, TIOCGWINSZ, &got));
    printf("slave size: %dx%d\n", got.ws_row, got.ws_col);

    /* packet mode */
    int one = 1, pkt = 0;
    t_show("TIOCPKT on", ioctl(m, TIOCPKT, &one));
    t_show("TIOCGPKT", ioctl(m, TIOCGPKT, &pkt));
    printf("packet mode: %d\n", pkt);
    write(s, "q", 1);
    n = readable(m) ? read(m, buf, sizeof buf) : -1;
    show_bytes("packet data read", buf, n);
    tcflush(s, TCIFLUSH);
    n = readable(m) ? read(m, buf, sizeof buf) : -1;
    show_bytes("packet status after slave TCIFLUSH", buf, n);
    one = 0;
    ioctl(m, TIOCPKT, &one);

    /* TIOCGPTPEER opens the same slave */
    int s2 = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    t_check("TIOCGPTPEER", s2 >= 0, "%s", t_errname(errno));
    fstat(s2, &st);
    printf("peer is the slave: %s\n", t_yesno((int)minor(st.st_rdev) == pn && major(st.st_rdev) == 136));
    printf("peer is close-on-exec: %s\n", t_yesno(fcntl(s2, F_GETFD) & FD_CLOEXEC));
    close(s2);
    s2 = ioctl(m, TIOCGPTPEER, O_RDONLY | O_NOCTTY);
    printf("TIOCGPTPEER read-only: %s, write: %s\n", t_yesno(s2 >= 0), t_errname(write(s2, "", 1) < 0 ? errno : 0));
    close(s2);

    /* a session on the slave: ^C from the master, TIOCSIG, tty_nr in /proc */
    fflush(stdout);
    int sync[2];
    pipe(sync);
    pid_t kid = fork();
    if (kid == 0) {
        close(sync[0]);
        setsid();
        signal(SIGINT, on_sig);
        signal(SIGQUIT, on_sig);
        int c = open(name, O_RDWR);         /* becomes the controlling terminal */
        struct termios ct;
        tcgetattr(c, &ct);
        ct.c_lflag |= ISIG;
        tcsetattr(c, TCSANOW, &ct);
        FILE *f = fopen("/proc/self/stat", "r");
        unsigned ttynr = 0;
        if (f) {
            fscanf(f, "%*d %*s %*c %*d %*d %*d %u", &ttynr);
            fclose(f);
        }
        char r = (major(ttynr) == 136 && (int)minor(ttynr) == pn) ? 'y' : 'n';
        write(sync[1], &r, 1);
        while (got_sig != SIGINT)
            pause();
        r = 'i';
        write(sync[1], &r, 1);
        while (got_sig != SIGQUIT)
            pause();
        r = 'u';
        write(sync[1], &r, 1);
        _exit(0);
    }
    close(sync[1]);
    char r = 0;
    read(sync[0], &r, 1);
    printf("child's tty_nr is the slave: %s\n", t_yesno(r == 'y'));
    pid_t fg = 0;
    ioctl(m, TIOCGPGRP, &fg);
    printf("TIOCGPGRP on master is the child's group: %s\n", t_yesno(fg == kid));
    tcgetattr(s, &tio);
    tio.c_lflag |= ISIG;
    tcsetattr(s, TCSANOW, &tio);
    write(m, "\x03", 1);
    read(sync[0], &r, 1);
    printf("^C reached the child: %s\n", t_yesno(r == 'i'));
    t_show("TIOCSIG SIGUSR1", ioctl(m, TIOCSIG, SIGUSR1));
    t_show("TIOCSIG SIGQUIT", ioctl(m, TIOCSIG, SIGQUIT));
    read(sync[0], &r, 1);
    printf("TIOCSIG reached the child: %s\n", t_yesno(r == 'u'));
    t_show("TIOCSIG 0", ioctl(m, TIOCSIG, 0));
    printf("child: %s\n", t_status(t_wait(kid)));
    close(sync[0]);
    while (revents(m) & POLLIN)
        read(m, buf, sizeof buf);

    /* the slave side closes: the master reads EIO and polls POLLHUP */
    close(s);
    n = read(m, buf, sizeof buf);
    printf("master read after slave close: %d %s\n", n, t_errname(n < 0 ? errno : 0));
    printf("master poll has POLLHUP: %s\n", t_yesno(revents(m) & POLLHUP));
    /* the master closes: the slave is hung up and its node goes */
    s = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    t_check("reopen slave", s >= 0, "%s", t_errname(errno));
    close(m);
    n = read(s, buf, sizeof buf);
    printf("slave read after master close: %d\n", n);
    n = write(s, "a", 1);
    printf("slave write after master close: %d %s\n", n, t_errname(n < 0 ? errno : 0));
    printf("slave poll: %#x\n", revents(s));
    printf("node gone: %s\n", t_yesno(access(name, F_OK) != 0));
    close(s);
    return t_done();
}
