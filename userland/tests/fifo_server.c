/*
 * fifo_server.c - the classic FIFO client-server (Stevens, Bach ch. 5.12):
 * the server reads fixed-size requests from a well-known FIFO; each client
 * writes its request (atomic: smaller than PIPE_BUF) naming a private reply
 * FIFO, and the server answers there. Three clients are forked at once; the
 * server stops after serving them all.
 */
#include "t.h"
#include <ctype.h>

#define NCLIENTS 3

struct request { char reply[96]; char text[32]; };

static void client(const char *well_known, int id)
{
    struct request rq;
    memset(&rq, 0, sizeof rq);
    snprintf(rq.reply, sizeof rq.reply, "%s.reply%d", well_known, id);
    unlink(rq.reply);
    if (mkfifo(rq.reply, 0600) < 0)
        _exit(10);
    snprintf(rq.text, sizeof rq.text, "request number %d", id);
    int fd = open(well_known, O_WRONLY);
    write(fd, &rq, sizeof rq);
    close(fd);
    int rfd = open(rq.reply, O_RDONLY);
    char ans[64] = {0};
    ssize_t n = read(rfd, ans, sizeof ans - 1);
    close(rfd);
    unlink(rq.reply);
    char want[32];
    snprintf(want, sizeof want, "REQUEST NUMBER %d", id);
    _exit(n > 0 && strcmp(ans, want) == 0 ? 0 : 20);
}

int main(void)
{
    t_init();
    char well_known[96];
    snprintf(well_known, sizeof well_known, "%s", t_tmp("fifosrv"));
    unlink(well_known);
    printf("mkfifo: %d\n", mkfifo(well_known, 0600));
    pid_t kids[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++) {
        kids[i] = t_fork();
        if (kids[i] == 0)
            client(well_known, i);
    }
    int fd = open(well_known, O_RDONLY);
    int dummy = open(well_known, O_WRONLY);     /* keep a writer: no EOF between clients */
    int seen = 0;
    for (int served = 0; served < NCLIENTS; served++) {
        struct request rq;
        ssize_t n = read(fd, &rq, sizeof rq);
        if (n != (ssize_t)sizeof rq) {
            printf("short request %zd\n", n);
            break;
        }
        int id = rq.text[strlen(rq.text) - 1] - '0';
        seen |= 1 << id;
        for (char *p = rq.text; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        int r = open(rq.reply, O_WRONLY);
        write(r, rq.text, strlen(rq.text));
        close(r);
    }
    close(dummy);
    close(fd);
    for (int i = 0; i < NCLIENTS; i++)
        printf("client %d: %s\n", i, t_status(t_wait(kids[i])));
    printf("served all: %s\n", t_yesno(seen == (1 << NCLIENTS) - 1));
    unlink(well_known);
    return t_done();
}
