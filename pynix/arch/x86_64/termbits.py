"""Terminal ABI facts: termios flag bits, c_cc indices, tty ioctl numbers not in abi.py (struct
termios and struct winsize are abi.py's TERMIOS and WINSIZE), the int argument of the int
ioctls, and the reboot(2) magic numbers (Linux include/uapi/asm-generic/termbits.h, ioctls.h,
include/uapi/linux/reboot.h).

Only constants and layouts live here; the line discipline (drivers/n_tty.py) and the tty core
(drivers/tty.py) give them meaning.
"""
from __future__ import annotations

import struct

# c_cc indices
VINTR, VQUIT, VERASE, VKILL, VEOF, VTIME, VMIN, VSWTC = 0, 1, 2, 3, 4, 5, 6, 7
VSTART, VSTOP, VSUSP, VEOL, VREPRINT, VDISCARD, VWERASE, VLNEXT, VEOL2 = 8, 9, 10, 11, 12, 13, 14, 15, 16

# c_iflag
IGNBRK, BRKINT, IGNPAR, PARMRK, INPCK, ISTRIP = 0o1, 0o2, 0o4, 0o10, 0o20, 0o40
INLCR, IGNCR, ICRNL, IUCLC, IXON, IXANY, IXOFF, IMAXBEL, IUTF8 = (
    0o100, 0o200, 0o400, 0o1000, 0o2000, 0o4000, 0o10000, 0o20000, 0o40000)

# c_oflag
OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET = 0o1, 0o2, 0o4, 0o10, 0o20, 0o40
TABDLY, XTABS = 0o14000, 0o14000

# c_cflag
B38400, CSIZE, CS8, CREAD, HUPCL, CLOCAL = 0o17, 0o60, 0o60, 0o200, 0o2000, 0o4000

# c_lflag
ISIG, ICANON, XCASE, ECHO, ECHOE, ECHOK, ECHONL, NOFLSH, TOSTOP = (
    0o1, 0o2, 0o4, 0o10, 0o20, 0o40, 0o100, 0o200, 0o400)
ECHOCTL, ECHOPRT, ECHOKE, FLUSHO, PENDIN, IEXTEN = 0o1000, 0o2000, 0o4000, 0o10000, 0o40000, 0o100000

# Linux's tty_std_termios and INIT_C_CC
STD_IFLAG = ICRNL | IXON
STD_OFLAG = OPOST | ONLCR
STD_CFLAG = B38400 | CS8 | CREAD | HUPCL
STD_LFLAG = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
INIT_C_CC = b"\x03\x1c\x7f\x15\x04\x00\x01\x00\x11\x13\x1a\x00\x12\x0f\x17\x16\x00\x00\x00"

# tty ioctls beyond those in abi.py
TCSBRK, TCXONC, TCFLSH, TIOCEXCL, TIOCNXCL, TIOCSTI = 0x5409, 0x540A, 0x540B, 0x540C, 0x540D, 0x5412
TIOCGETD, TIOCSETD, TCSBRKP, TIOCINQ, TIOCVHANGUP = 0x5424, 0x5423, 0x5425, 0x541B, 0x5437
TCGETA, TCSETA, TCSETAW, TCSETAF = 0x5405, 0x5406, 0x5407, 0x5408   # the old struct termio
TERMIO = struct.Struct("<HHHHB8sx")     # c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[NCC=8]
TCIFLUSH, TCOFLUSH, TCIOFLUSH = 0, 1, 2
TCOOFF, TCOON, TCIOFF, TCION = 0, 1, 2, 3
N_TTY = 0
INT_ARG = struct.Struct("<i")   # the int *arg of FIONREAD, TIOCOUTQ, TIOCGETD, TIOCSETD, TIOC[GS]PGRP

# tty devices: (major, minor)
TTY_MAJOR, TTYAUX_MAJOR = 4, 5
DEV_TTY, DEV_CONSOLE, DEV_PTMX = (TTYAUX_MAJOR, 0), (TTYAUX_MAJOR, 1), (TTYAUX_MAJOR, 2)
UNIX98_PTY_MASTER_MAJOR, UNIX98_PTY_SLAVE_MAJOR = 128, 136
NR_UNIX98_PTY_MAX = 1 << 20                 # minors of the slave majors (/proc/sys/kernel/pty/max)
DEVPTS_SUPER_MAGIC = 0x1CD1

# pseudo-terminal ioctls (asm-generic/ioctls.h: _IOR('T', 0x30, int) ...)
TIOCPKT, TIOCSIG, TIOCGPKT = 0x5420, 0x40045436, 0x80045438
TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, TIOCGPTPEER = 0x80045430, 0x40045431, 0x80045439, 0x5441
TIOCPKT_DATA, TIOCPKT_FLUSHREAD, TIOCPKT_FLUSHWRITE = 0, 1, 2
TIOCPKT_STOP, TIOCPKT_START, TIOCPKT_NOSTOP, TIOCPKT_DOSTOP = 4, 8, 16, 32

# reboot(2)
LINUX_REBOOT_MAGIC1 = 0xFEE1DEAD
LINUX_REBOOT_MAGIC2S = (672274793, 85072278, 369367448, 537993216)
LINUX_REBOOT_CMD_RESTART = 0x01234567
LINUX_REBOOT_CMD_HALT = 0xCDEF0123
LINUX_REBOOT_CMD_CAD_ON = 0x89ABCDEF
LINUX_REBOOT_CMD_CAD_OFF = 0x00000000
LINUX_REBOOT_CMD_POWER_OFF = 0x4321FEDC
LINUX_REBOOT_CMD_RESTART2 = 0xA1B2C3D4
