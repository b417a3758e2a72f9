/*
 * pipe_talk.c - parent and child talking through two pipes (Bach ch. 5.12,
 * Maruthi's IPC chapter): the parent asks questions down one pipe, the child
 * answers up the other, line by line, with stdio on both ends; the child
 * sees EOF when the parent closes its end, and says goodbye.
 */
#include "t.h"
#include <ctype.h>

int main(void)
{
    t_init();
    int down[2], up[2];
    if (pipe(down) < 0 || pipe(up) < 0)
        return 2;
    pid_t c = t_fork();
    if (c == 0) {
        close(down[1]);
        close(up[0]);
        FILE *in = fdopen(down[0], "r"), *out = fdopen(up[1], "w");
        char line[128];
        int n = 0;
        while (fgets(line, sizeof line, in)) {
            n++;
            line[strcspn(line, "\n")] = 0;
            int sum = 0;
            for (char *p = line; *p; p++)
                if (isdigit((unsigned char)*p))
                    sum += *p - '0';
            fprintf(out, "answer %d: '%s' has digit sum %d\n", n, line, sum);
            fflush(out);
        }
        fprintf(out, "child: EOF after %d questions, goodbye\n", n);
        fclose(out);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    FILE *to = fdopen(down[1], "w"), *from = fdopen(up[0], "r");
    const char *questions[] = {"12345", "what is 7 + 8", "no digits", "999"};
    char line[160];
    for (size_t i = 0; i < sizeof questions / sizeof *questions; i++) {
        fprintf(to, "%s\n", questions[i]);
        fflush(to);
        if (!fgets(line, sizeof line, from))
            break;
        printf("parent heard: %s", line);
    }
    fclose(to);
    while (fgets(line, sizeof line, from))
        printf("parent heard: %s", line);
    fclose(from);
    printf("child: %s\n", t_status(t_wait(c)));
    return t_done();
}
