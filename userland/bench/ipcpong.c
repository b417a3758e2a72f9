/*
 * ipcpong.c MODE N - two processes bounce a one-byte message N times:
 * MODE "msg" through one System V message queue (type 1 down, type 2 up),
 * MODE "unix" through an AF_UNIX stream socketpair. Each round trip is two
 * sends, two receives and two sleep/wakeup switches. N = 0 measures start-up,
 * one fork and exit alone. The queue is IPC_PRIVATE and removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct m { long mtype; char c; };

int main(int argc, char **argv)
{
    int use_msg = argc > 1 && strcmp(argv[1], "msg") == 0;
    long n = argc > 2 ? atol(argv[2]) : 10000;
    int q = -1, sv[2] = {-1, -1};
    if (use_msg)
        q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    else if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return 2;
    if (use_msg && q < 0)
        return 2;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        if (use_msg) {
            struct m x;
            while (msgrcv(q, &x, 1, 1, 0) == 1 && x.c != 0) {
                x.mtype = 2;
                if (msgsnd(q, &x, 1, 0) < 0)
                    _exit(1);
            }
        } else {
            char c;
            close(sv[0]);
            while (read(sv[1], &c, 1) == 1)
                if (write(sv[1], &c, 1) != 1)
                    _exit(1);
        }
        _exit(0);
    }
    long done = 0;
    if (use_msg) {
        struct m x;
        for (long i = 0; i < n; i++) {
            x.mtype = 1;
            x.c = (char)(1 + i % 100);
            if (msgsnd(q, &x, 1, 0) < 0 || msgrcv(q, &x, 1, 2, 0) != 1)
                break;
            done++;
        }
        x.mtype = 1;
        x.c = 0;
        msgsnd(q, &x, 1, 0);          /* tells the child to stop */
    } else {
        close(sv[1]);
        for (long i = 0; i < n; i++) {
            char c = (char)i;
            if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
                break;
            done++;
        }
        close(sv[0]);
    }
    int st;
    waitpid(pid, &st, 0);
    if (use_msg)
        msgctl(q, IPC_RMID, NULL);
    printf("round trips: %ld\n", done);
    return done == n && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
