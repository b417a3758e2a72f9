/*
 * file_limits.c - the limits every write path checks, on tmpfs (/dev/shm), compared with
 * Linux: a position plus count past loff_t is EINVAL (rw_verify_area) for write, writev,
 * pwrite, pwritev, pread, sendfile's input and output; at s_maxbytes (MAX_LFS_FILESIZE on
 * tmpfs) a write is cut short or fails with EFBIG (O_APPEND, copy_file_range), as do
 * fallocate and truncate past it; mmap past loff_t is EOVERFLOW; stat keeps working.
 */
#include "t.h"
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#define S(name, e) do { errno = 0; long _r = (long)(e); printf("%s: %ld %s\n", name, _r, _r < 0 ? t_errname(errno) : ""); } while (0)
#define B (0x7ffffffffffffff0L)

int main(void)
{
 t_init();
 signal(SIGXFSZ, SIG_IGN);
 const char *d = "/dev/shm";
 char p[256]; snprintf(p, sizeof p, "%s/fsz-%d", d, getpid());
 int fd=open(p, O_CREAT|O_RDWR|O_TRUNC, 0644);
 char buf[20]; memset(buf,'a',20);
 struct stat st;
 S("pwrite 20 at B", pwrite(fd,buf,20,B));
 S("lseek B", lseek(fd,B,SEEK_SET)); S("write 20", write(fd,buf,20));
 S("write 15", write(fd,buf,15)); fstat(fd,&st); printf("size %lld\n",(long long)st.st_size);
 S("lseek B", lseek(fd,B,SEEK_SET));
 struct iovec iov={buf,20};
 S("writev 20", writev(fd,&iov,1));
 S("pwritev 20 at B", pwritev(fd,&iov,1,B));
 S("pwritev 16 at B", (iov.iov_len=16, pwritev(fd,&iov,1,B)));
 S("pwrite 16 at B", pwrite(fd,buf,16,B));
 S("pwrite 15 at B+1", pwrite(fd,buf,15,B+1));
 S("pwrite 1 at max", pwrite(fd,buf,1,0x7fffffffffffffffL));
 S("pwrite 0 at max", pwrite(fd,buf,0,0x7fffffffffffffffL));
 S("pread 20 at B", pread(fd,buf,20,B));
 S("pread 1 at max", pread(fd,buf,1,0x7fffffffffffffffL));
 S("ftruncate 0", ftruncate(fd,0));
 S("ftruncate max", ftruncate(fd,0x7fffffffffffffffL));
 fstat(fd,&st); printf("size %lld\n",(long long)st.st_size);
 S("ftruncate 0", ftruncate(fd,0));
 S("pwrite 10 at B", pwrite(fd,buf,10,B));
 fstat(fd,&st); printf("size %lld\n",(long long)st.st_size);
 int fa=open(p, O_WRONLY|O_APPEND);
 S("append 20", write(fa,buf,20));
 fstat(fd,&st); printf("size %lld\n",(long long)st.st_size);
 S("append 1", write(fa,buf,1));
 S("pos after", lseek(fa,0,SEEK_CUR));
 S("ftruncate 0", ftruncate(fd,0));
 S("fallocate B 20", fallocate(fd,0,B,20));
 S("fallocate B 16", fallocate(fd,0,B,16));
 S("fallocate B 15", fallocate(fd,0,B,15));
 S("fallocate keep B 20", fallocate(fd,1,B,20));
 S("fallocate max 1", fallocate(fd,0,0x7fffffffffffffffL,1));
 S("fallocate 1 max", fallocate(fd,0,1,0x7fffffffffffffffL));
 fstat(fd,&st); printf("size %lld\n",(long long)st.st_size);
 S("ftruncate 0", ftruncate(fd,0));
 char q[256]; snprintf(q, sizeof q, "%s/fsz2-%d", d, getpid());
 int in=open(q,O_CREAT|O_RDWR|O_TRUNC,0644); write(in,buf,20);
 S("lseek B", lseek(fd,B,SEEK_SET));
 off_t o=0; S("sendfile 20", sendfile(fd,in,&o,20));
 fstat(fd,&st); printf("size %lld\n",(long long)st.st_size);
 S("lseek B+6", lseek(fd,B+6,SEEK_SET));
 o=0; S("sendfile 9", sendfile(fd,in,&o,9));
 S("lseek max", lseek(fd,0x7fffffffffffffffL,SEEK_SET));
 o=0; S("sendfile 1 at max", sendfile(fd,in,&o,1));
 o=B; S("sendfile in at B", sendfile(fd,in,&o,20));
 S("ftruncate 0", ftruncate(fd,0));
 loff_t oi=0, oo=B;
 S("copy_file_range 20 at B", syscall(SYS_copy_file_range,in,&oi,fd,&oo,20,0));
 oi=0; oo=B+1; S("copy_file_range 14 at B+1", syscall(SYS_copy_file_range,in,&oi,fd,&oo,14,0));
 fstat(fd,&st); printf("size %lld\n",(long long)st.st_size);
 oi=0; oo=0x7fffffffffffffffL; S("copy_file_range 1 at max", syscall(SYS_copy_file_range,in,&oi,fd,&oo,1,0));
 oi=B; oo=0; S("copy_file_range in at B", syscall(SYS_copy_file_range,in,&oi,fd,&oo,20,0));
 S("truncate max", truncate(p,0x7fffffffffffffffL));
 S("truncate 2^62", truncate(p,1L<<62));
 S("truncate 2^50", truncate(p,1L<<50));
 S("truncate 2^44", truncate(p,1L<<44));
 S("truncate 2^41", truncate(p,1L<<41));
 S("truncate 0", truncate(p,0));
 S("pwrite 1 at 2^50", pwrite(fd,buf,1,1L<<50));
 S("pwrite 1 at 2^44", pwrite(fd,buf,1,1L<<44));
 S("ftruncate 0", ftruncate(fd,0));
 void *m = mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0x7ffffffffffff000L);
 printf("mmap at max page %s\n", m==MAP_FAILED?t_errname(errno):"ok");
 m = mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0x7fffffffffffe000L);
 printf("mmap at max-1 page %s\n", m==MAP_FAILED?t_errname(errno):"ok");
 fstat(fd,&st); printf("size %lld\n",(long long)st.st_size);
 unlink(p); unlink(q);
 return t_done();
}
