/* chown_rules.c - chown_common as Linux: set-user-ID always cleared on a chown of a file
 * (even -1, -1), set-group-ID only when group-executable or the caller is outside the group
 * without CAP_FSETID, bad fchownat flags EINVAL, the owner's chgrp to its own groups only,
 * nobody else's chown but the no-op one. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <grp.h>
static void st(const char*p){struct stat s; stat(p,&s); printf("  %s mode %o uid %u gid %u\n", p, s.st_mode, s.st_uid, s.st_gid);}
#define R(x) do{errno=0;int r_=(x);printf("%-40s %d %s\n",#x,r_,r_?strerror(errno):"");}while(0)
int main(){
  char d[256]; snprintf(d, sizeof d, "%s/chownXXXXXX", getenv("T_TMPDIR") && *getenv("T_TMPDIR") ? getenv("T_TMPDIR") : "/tmp"); mkdtemp(d); chmod(d, 0755); chdir(d);
  int fd=open("f1",O_CREAT|O_RDWR,0644); close(fd);
  chmod("f1", 02700); R(chown("f1",1000,1000)); st("f1");   /* sgid w/o gx kept for root */
  chmod("f1", 02750); R(chown("f1",1000,1000)); st("f1");   /* gx: dropped */
  chmod("f1", 06755); R(chown("f1",-1,-1)); st("f1");       /* no change: bits stay */
  chmod("f1", 06755); R(chown("f1",0,-1)); st("f1");
  R(fchownat(AT_FDCWD,"f1",0,0,0x9999));
  open("f2",O_CREAT|O_RDWR,0644); chown("f2", 1000, 1000); chmod("f2", 0777);
  fflush(stdout);
  if(fork()==0){ setgroups(0,0); setresgid(2000,2000,2000); setresuid(1000,1000,1000);
    R(chown("f2",-1,2000)); st("f2");
    R(chown("f2",1000,-1));
    R(chown("f2",-1,3000));
    R(chown("f2",2000,-1));
    fflush(stdout); _exit(0);}
  wait(0);
  if(fork()==0){ setgroups(0,0); setresgid(2000,2000,2000); setresuid(1001,1001,1001);
    R(chown("f2",-1,2000));
    R(chown("f2",-1,-1));
    fflush(stdout); _exit(0);}
  wait(0);
  unlink("f1"); unlink("f2"); chdir("/"); rmdir(d);
  return 0;}
