/*
 * syscall_skip.h - the syscalls the random-syscall tools (sysfuzz.c, fuzz.c) never make:
 * those that would end, stop or take over the caller itself (exit, kill, execve, fork,
 * sigreturn, sigaction and masks, munmap/mprotect/brk of its own memory, ptrace) or change
 * the machine (reboot, mount, clocks, hostname, modules, swap, rlimits). Use as
 *   switch (nr) { SKIP_ALWAYS_CASES return 1; }
 */
#ifndef PYNIX_SYSCALL_SKIP_H
#define PYNIX_SYSCALL_SKIP_H
#include <sys/syscall.h>

#define SKIP_ALWAYS_CASES \
    case SYS_exit: case SYS_exit_group: case SYS_kill: case SYS_tkill: case SYS_tgkill: \
    case SYS_pause: case SYS_rt_sigsuspend: case SYS_vfork: case SYS_fork: case SYS_clone: \
    case SYS_execve: case SYS_execveat: case SYS_reboot: case SYS_rt_sigreturn: \
    case SYS_setsid: case SYS_setpgid: case SYS_ptrace: case SYS_rt_sigqueueinfo: \
    case SYS_rt_tgsigqueueinfo: case SYS_clone3: case SYS_sethostname: case SYS_setdomainname: \
    case SYS_mount: case SYS_umount2: case SYS_chroot: case SYS_pivot_root: case SYS_unshare: \
    case SYS_setns: case SYS_kexec_load: case SYS_init_module: case SYS_delete_module: \
    case SYS_swapon: case SYS_swapoff: case SYS_acct: case SYS_settimeofday: case SYS_clock_settime: \
    case SYS_adjtimex: case SYS_clock_adjtime: case SYS_vhangup: case SYS_setrlimit: \
    case SYS_prlimit64: case SYS_mlockall: case SYS_munmap: case SYS_mremap: case SYS_brk: \
    case SYS_mprotect: case SYS_madvise: case SYS_shmdt: case SYS_arch_prctl: case SYS_sigaltstack: \
    case SYS_rt_sigaction: case SYS_rt_sigprocmask: case SYS_unlink: case SYS_unlinkat: \
    case SYS_rmdir: case SYS_rename: case SYS_renameat: case SYS_renameat2: case SYS_truncate: \
    case SYS_chmod: case SYS_fchmodat: case SYS_chown: case SYS_lchown: case SYS_fchownat: \
    case SYS_personality: case SYS_prctl: case SYS_seccomp: case SYS_bpf: case SYS_perf_event_open: \
    case SYS_io_uring_setup:

#endif
