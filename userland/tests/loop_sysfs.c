/*
 * loop_sysfs.c - a loop device bound to a file under /tmp, seen through its
 * ioctls and through /sys/block/loopN: size in sectors, ro, the loop/ group
 * (backing_file, offset, sizelimit, autoclear, partscan, dio) present only
 * while bound; LOOP_SET_STATUS64 with a size limit, LOOP_SET_CAPACITY after a
 * truncate (a write past the new end is short), LOOP_CHANGE_FD (EINVAL on a
 * writable device), LOOP_SET_BLOCK_SIZE (EINVAL for 256 and 4095),
 * LOOP_SET_DIRECT_IO, BLKROSET/BLKROGET, BLKRASET/BLKRAGET, BLKGETSIZE64,
 * BLKSSZGET, BLKDISCARD (alignment), and /dev/urandom's RNDGETENTCNT matching
 * /proc/sys/kernel/random/entropy_avail. Needs root (as the suite runs).
 */
#include "t.h"
#include <stdint.h>
#include <sys/ioctl.h>

/* uapi/linux/loop.h, fs.h, random.h (musl has no kernel headers) */
#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_SET_STATUS64 0x4C04
#define LOOP_GET_STATUS64 0x4C05
#define LOOP_CHANGE_FD 0x4C06
#define LOOP_SET_CAPACITY 0x4C07
#define LOOP_SET_DIRECT_IO 0x4C08
#define LOOP_SET_BLOCK_SIZE 0x4C09
#define LOOP_CTL_GET_FREE 0x4C82
#define LO_FLAGS_AUTOCLEAR 4
#define BLKROSET 0x125D
#define BLKROGET 0x125E
#define BLKRASET 0x1262
#define BLKRAGET 0x1263
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272
#define BLKDISCARD 0x1277
#define RNDGETENTCNT 0x80045200

struct loop_info64 {
    uint64_t lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
    uint32_t lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
    uint8_t lo_file_name[64], lo_crypt_name[64], lo_encrypt_key[32];
    uint64_t lo_init[2];
};

#define TRY(label, expr) do { errno = 0; long r_ = (long)(expr); \
    printf("%s: %ld %s\n", label, r_, r_ < 0 ? t_errname(errno) : "ok"); } while (0)

static char img[64], img2[64], sysdir[64];

static void show(const char *name)
{
    char path[128], buf[256] = "";
    snprintf(path, sizeof path, "%s/%s", sysdir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: %s\n", name, t_errname(errno));
        return;
    }
    int n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    if (!strcmp(name, "loop/backing_file"))
        printf("%s: %s\n", name, strcmp(buf, img) == 0 || (strncmp(buf, img, strlen(img)) == 0
               && buf[strlen(img)] == '\n') ? "the image" : buf);
    else
        printf("%s: %s", name, buf);
}

static int make(const char *path, off_t size)
{
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (ftruncate(fd, size))
        perror("ftruncate");
    return fd;
}

int main(void)
{
    t_init();
    snprintf(img, sizeof img, "/tmp/loop_sysfs.%d", getpid());
    snprintf(img2, sizeof img2, "/tmp/loop_sysfs2.%d", getpid());
    int ffd = make(img, 1 << 20), ffd2 = make(img2, 1 << 20);
    int ctl = open("/dev/loop-control", O_RDWR), dev = -1, n = -1;
    char devpath[32];
    for (int tries = 0; tries < 20 && dev < 0; tries++) {
        n = ioctl(ctl, LOOP_CTL_GET_FREE);
        snprintf(devpath, sizeof devpath, "/dev/loop%d", n);
        dev = open(devpath, O_RDWR);
        if (dev >= 0 && ioctl(dev, LOOP_SET_FD, ffd)) {
            close(dev);
            dev = -1;
        }
    }
    if (dev < 0) {
        printf("no free loop device\n");
        return 1;
    }
    snprintf(sysdir, sizeof sysdir, "/sys/block/loop%d", n);
    const char *attrs[] = {"size", "ro", "removable", "queue/logical_block_size",
                           "loop/backing_file", "loop/offset", "loop/sizelimit",
                           "loop/autoclear", "loop/partscan", "loop/dio"};
    for (unsigned i = 0; i < sizeof attrs / sizeof *attrs; i++)
        show(attrs[i]);

    uint64_t bytes = 0;
    int ssz = 0, ro = -1;
    ioctl(dev, BLKGETSIZE64, &bytes);
    ioctl(dev, BLKSSZGET, &ssz);
    printf("BLKGETSIZE64 %llu BLKSSZGET %d\n", (unsigned long long)bytes, ssz);

    struct loop_info64 li = {0};
    li.lo_sizelimit = 512 * 1024;
    li.lo_flags = LO_FLAGS_AUTOCLEAR;
    printf("SET_STATUS64: %d\n", ioctl(dev, LOOP_SET_STATUS64, &li));
    show("size"); show("loop/sizelimit"); show("loop/autoclear");
    memset(&li, 0, sizeof li);
    ioctl(dev, LOOP_GET_STATUS64, &li);
    printf("lo_sizelimit %llu lo_flags %u\n", (unsigned long long)li.lo_sizelimit, li.lo_flags);
    memset(&li, 0, sizeof li);
    ioctl(dev, LOOP_SET_STATUS64, &li);
    show("size"); show("loop/autoclear");

    if (ftruncate(ffd, 5120))
        perror("ftruncate");
    printf("SET_CAPACITY: %d\n", ioctl(dev, LOOP_SET_CAPACITY, 0));
    show("size");
    static char buf[10240];
    lseek(dev, 0, SEEK_SET);
    printf("write 10240 -> %zd\n", write(dev, buf, sizeof buf));
    TRY("write at end", write(dev, buf, 1));

    TRY("CHANGE_FD on rw", ioctl(dev, LOOP_CHANGE_FD, ffd2));
    TRY("SET_BLOCK_SIZE 256", ioctl(dev, LOOP_SET_BLOCK_SIZE, 256));
    TRY("SET_BLOCK_SIZE 4095", ioctl(dev, LOOP_SET_BLOCK_SIZE, 4095));
    printf("SET_BLOCK_SIZE 1024: %d\n", ioctl(dev, LOOP_SET_BLOCK_SIZE, 1024));
    show("queue/logical_block_size");
    ioctl(dev, BLKSSZGET, &ssz);
    printf("BLKSSZGET %d\n", ssz);
    printf("SET_BLOCK_SIZE 512: %d\n", ioctl(dev, LOOP_SET_BLOCK_SIZE, 512));
    printf("SET_DIRECT_IO 1: %d\n", ioctl(dev, LOOP_SET_DIRECT_IO, 1) == 0 || errno == EINVAL);
    ioctl(dev, LOOP_SET_DIRECT_IO, 0);
    show("loop/dio");

    ioctl(dev, BLKROGET, &ro);
    printf("BLKROGET %d\n", ro);
    ro = 1;
    printf("BLKROSET 1: %d\n", ioctl(dev, BLKROSET, &ro));
    ioctl(dev, BLKROGET, &ro);
    printf("BLKROGET %d\n", ro);
    show("ro");
    lseek(dev, 0, SEEK_SET);
    TRY("write on ro", write(dev, buf, 512));
    ro = 0;
    ioctl(dev, BLKROSET, &ro);
    show("ro");

    long ra = 0;
    printf("BLKRASET 512: %d\n", ioctl(dev, BLKRASET, 512));
    ioctl(dev, BLKRAGET, &ra);
    printf("BLKRAGET %ld\n", ra);
    uint64_t range[2] = {100, 512};
    TRY("BLKDISCARD unaligned", ioctl(dev, BLKDISCARD, range));

    printf("CLR_FD: %d\n", ioctl(dev, LOOP_CLR_FD, 0));
    close(dev);
    show("size"); show("loop/offset");

    int cnt = -1, proc = -2;
    int rnd = open("/dev/urandom", O_RDONLY);
    ioctl(rnd, RNDGETENTCNT, &cnt);
    FILE *f = fopen("/proc/sys/kernel/random/entropy_avail", "r");
    if (f && fscanf(f, "%d", &proc) == 1)
        printf("RNDGETENTCNT matches entropy_avail: %s\n", t_yesno(cnt == proc));
    TRY("RNDGETENTCNT on null", ioctl(open("/dev/null", O_RDONLY), RNDGETENTCNT, &cnt));
    unlink(img);
    unlink(img2);
    return t_done();
}
