/* keys.c - the key retention service: add_key, request_key, keyctl (keyrings(7)).
 *
 * Runs in its own named session keyring so the host's keyrings do not matter, and prints
 * relations between serials (never the serials), payloads, permissions and errnos. */
#include "t.h"
#include <stdint.h>
#include <sys/syscall.h>

#define KEY_SPEC_THREAD_KEYRING -1
#define KEY_SPEC_PROCESS_KEYRING -2
#define KEY_SPEC_SESSION_KEYRING -3
#define KEY_SPEC_GROUP_KEYRING -6
#define KEY_SPEC_REQKEY_AUTH_KEY -7
enum { GET_KEYRING_ID, JOIN_SESSION_KEYRING, UPDATE, REVOKE, CHOWN, SETPERM, DESCRIBE, CLEAR,
       LINK, UNLINK, SEARCH, READ, INSTANTIATE, NEGATE, SET_REQKEY_KEYRING, SET_TIMEOUT,
       ASSUME_AUTHORITY, GET_SECURITY, SESSION_TO_PARENT, REJECT, INSTANTIATE_IOV, INVALIDATE,
       GET_PERSISTENT, DH_COMPUTE, RESTRICT_KEYRING = 29, MOVE, CAPABILITIES };
#define KEY_POS_ALL 0x3f000000
#define KEY_POS_WRITE 0x04000000

static long add_key(const char *type, const char *desc, const void *p, size_t n, int ring)
{
    return syscall(SYS_add_key, type, desc, p, n, ring);
}

static long keyctl(int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
    return syscall(SYS_keyctl, op, a, b, c, d);
}

static long request_key(const char *type, const char *desc, const char *callout, int dest)
{
    return syscall(SYS_request_key, type, desc, callout, dest);
}

int main(void)
{
    char buf[256];
    t_init();
    char name[64];
    snprintf(name, sizeof name, "pynix-keys-test-%d", (int)getpid());   /* private to this run */
    long ses = keyctl(JOIN_SESSION_KEYRING, (unsigned long)name, 0, 0, 0);
    t_check("join named session", ses > 0, "%ld", ses);
    SHOW("session id matches", keyctl(GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) == ses);
    SHOW("join dot name", keyctl(JOIN_SESSION_KEYRING, (unsigned long)".x", 0, 0, 0));

    long k = add_key("user", "k1", "hello", 5, KEY_SPEC_SESSION_KEYRING);
    t_check("add user key", k > 0, "%ld", k);
    memset(buf, 0, sizeof buf);
    SHOW("read len", keyctl(READ, k, (unsigned long)buf, sizeof buf, 0));
    printf("payload: %s\n", buf);
    SHOW("read small buffer", keyctl(READ, k, (unsigned long)buf, 2, 0));
    long k2 = add_key("user", "k1", "world!", 6, KEY_SPEC_SESSION_KEYRING);
    SHOW("re-add updates the same key", k2 == k);
    SHOW("read after update", keyctl(READ, k, 0, 0, 0));
    SHOW("describe len", keyctl(DESCRIBE, k, (unsigned long)buf, sizeof buf, 0));
    printf("describe starts: %.5s\n", buf);
    SHOW("search finds it", keyctl(SEARCH, KEY_SPEC_SESSION_KEYRING, (unsigned long)"user",
                                   (unsigned long)"k1", 0) == k);
    SHOW("search missing", keyctl(SEARCH, KEY_SPEC_SESSION_KEYRING, (unsigned long)"user",
                                  (unsigned long)"nope", 0));
    SHOW("request_key finds it", request_key("user", "k1", NULL, 0) == k);
    SHOW("request_key missing", request_key("user", "nope", NULL, 0));
    SHOW("session keyring size", keyctl(READ, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));

    /* errors of add_key */
    SHOW("unknown type", add_key("nosuchtype", "d", "x", 1, KEY_SPEC_SESSION_KEYRING));
    SHOW("dot type", add_key(".user", "d", "x", 1, KEY_SPEC_SESSION_KEYRING));
    SHOW("empty user payload", add_key("user", "d", "", 0, KEY_SPEC_SESSION_KEYRING));
    SHOW("keyring with payload", add_key("keyring", "r", "x", 1, KEY_SPEC_SESSION_KEYRING));
    SHOW("dot keyring", add_key("keyring", ".r", NULL, 0, KEY_SPEC_SESSION_KEYRING));
    SHOW("logon without colon", add_key("logon", "nocolon", "x", 1, KEY_SPEC_SESSION_KEYRING));
    SHOW("bad payload pointer", add_key("user", "d", (void *)1, 4, KEY_SPEC_SESSION_KEYRING));
    SHOW("into a non-keyring", add_key("user", "d", "x", 1, k));
    SHOW("group keyring", add_key("user", "d", "x", 1, KEY_SPEC_GROUP_KEYRING));
    SHOW("no such key", keyctl(REVOKE, 0x7ffffff0, 0, 0, 0));

    long lg = add_key("logon", "svc:one", "secret", 6, KEY_SPEC_SESSION_KEYRING);
    t_check("add logon key", lg > 0, "%ld", lg);
    SHOW("read logon", keyctl(READ, lg, (unsigned long)buf, sizeof buf, 0));

    /* keyrings: link, unlink, cycles, clear, move */
    long r1 = add_key("keyring", "r1", NULL, 0, KEY_SPEC_SESSION_KEYRING);
    long r2 = add_key("keyring", "r2", NULL, 0, r1);
    SHOW("link key into r2", keyctl(LINK, k, r2, 0, 0));
    SHOW("r2 size", keyctl(READ, r2, 0, 0, 0));
    SHOW("search nested", keyctl(SEARCH, r1, (unsigned long)"user", (unsigned long)"k1", 0) == k);
    SHOW("link cycle", keyctl(LINK, r1, r2, 0, 0));
    SHOW("link into itself", keyctl(LINK, r1, r1, 0, 0));
    SHOW("unlink", keyctl(UNLINK, k, r2, 0, 0));
    SHOW("unlink again", keyctl(UNLINK, k, r2, 0, 0));
    SHOW("move to r2", keyctl(MOVE, lg, KEY_SPEC_SESSION_KEYRING, r2, 0));
    SHOW("move back excl", keyctl(MOVE, lg, r2, KEY_SPEC_SESSION_KEYRING, 1));
    SHOW("move bad flags", keyctl(MOVE, lg, r2, KEY_SPEC_SESSION_KEYRING, 2));
    SHOW("clear r2", keyctl(CLEAR, r2, 0, 0, 0));
    SHOW("r2 size after clear", keyctl(READ, r2, 0, 0, 0));
    SHOW("clear a user key", keyctl(CLEAR, k, 0, 0, 0));
    SHOW("restrict r2", keyctl(RESTRICT_KEYRING, r2, 0, 0, 0));
    SHOW("restrict r2 again", keyctl(RESTRICT_KEYRING, r2, 0, 0, 0));
    SHOW("link into restricted", keyctl(LINK, k, r2, 0, 0));

    /* permissions */
    SHOW("setperm bad bits", keyctl(SETPERM, k, 0xc0000000u, 0, 0));
    SHOW("setperm pos all", keyctl(SETPERM, k, KEY_POS_ALL, 0, 0));
    SHOW("update ok", keyctl(UPDATE, k, (unsigned long)"abc", 3, 0));
    SHOW("setperm no write", keyctl(SETPERM, k, KEY_POS_ALL & ~KEY_POS_WRITE, 0, 0));
    SHOW("update without write", keyctl(UPDATE, k, (unsigned long)"abc", 3, 0));
    SHOW("update keyring", keyctl(UPDATE, r1, (unsigned long)"abc", 3, 0));
    SHOW("get security", keyctl(GET_SECURITY, k, (unsigned long)buf, sizeof buf, 0));

    /* timeouts, revocation, invalidation */
    long e = add_key("user", "exp", "x", 1, KEY_SPEC_SESSION_KEYRING);
    SHOW("set timeout", keyctl(SET_TIMEOUT, e, 1, 0, 0));
    sleep(2);
    SHOW("read expired", keyctl(READ, e, (unsigned long)buf, sizeof buf, 0));
    SHOW("update expired", keyctl(UPDATE, e, (unsigned long)"y", 1, 0));
    SHOW("revoke", keyctl(REVOKE, k, 0, 0, 0));
    SHOW("read revoked", keyctl(READ, k, (unsigned long)buf, sizeof buf, 0));
    SHOW("describe revoked", keyctl(DESCRIBE, k, (unsigned long)buf, sizeof buf, 0));
    SHOW("request revoked", request_key("user", "k1", NULL, 0));
    long v = add_key("user", "inv", "x", 1, KEY_SPEC_SESSION_KEYRING);
    SHOW("invalidate", keyctl(INVALIDATE, v, 0, 0, 0));

    /* thread keyring: made on demand, not inherited by fork; the session keyring is */
    SHOW("thread keyring absent", keyctl(GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0, 0, 0));
    long th = keyctl(GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1, 0, 0);
    t_check("thread keyring made", th > 0, "%ld", th);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child thread keyring: %s\n",
               keyctl(GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0, 0, 0) < 0 && errno == ENOKEY
               ? "none" : "inherited");
        printf("child session keyring same: %d\n",
               keyctl(GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) == ses);
        fflush(stdout);
        _exit(0);
    }
    t_wait(pid);

    /* request_key upcall and authority */
    SHOW("request keyring type", request_key("keyring", "x", "info", 0));
    SHOW("assume authority none", keyctl(ASSUME_AUTHORITY, 0, 0, 0, 0));
    SHOW("assume special", keyctl(ASSUME_AUTHORITY, (unsigned long)-1, 0, 0, 0));
    SHOW("instantiate without authority", keyctl(INSTANTIATE, r1, 0, 0, 0));
    SHOW("reject bad error", keyctl(REJECT, r1, 0, 0, 0));
    SHOW("reqkey auth key", keyctl(GET_KEYRING_ID, KEY_SPEC_REQKEY_AUTH_KEY, 0, 0, 0));
    SHOW("set reqkey keyring", keyctl(SET_REQKEY_KEYRING, 3, 0, 0, 0));
    SHOW("reqkey setting", keyctl(SET_REQKEY_KEYRING, (unsigned long)-1, 0, 0, 0));
    SHOW("set reqkey group", keyctl(SET_REQKEY_KEYRING, 6, 0, 0, 0));
    SHOW("dh compute", keyctl(DH_COMPUTE, 0, 0, 0, 0));
    SHOW("unknown command", keyctl(999, 0, 0, 0, 0));
    unsigned char caps[4] = {0xff, 0xff, 0xff, 0xff};
    SHOW("capabilities", keyctl(CAPABILITIES, (unsigned long)caps, sizeof caps, 0, 0));
    printf("caps invalidate+move+restrict: %d, tail zeroed: %d\n",
           (caps[0] & 0xe1) == 0xe1, caps[2] == 0 && caps[3] == 0);

    SHOW("clear session", keyctl(CLEAR, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));
    SHOW("session empty", keyctl(READ, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));
    SHOW("revoke session", keyctl(REVOKE, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));
    return t_done();
}
