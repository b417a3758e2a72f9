"""Classic BPF, the ABI (include/uapi/linux/filter.h and bpf_common.h): the instruction
encoding user space hands to seccomp(2) and SO_ATTACH_FILTER.

An instruction is ``struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }`` (8 bytes); a
program is ``struct sock_fprog { unsigned short len; struct sock_filter *filter; }``. The
code packs a class (low 3 bits), then size and mode (loads), op and source (ALU, jumps), or
the return value's source (RET). Facts only; the checker and interpreter are net/filter.py.
"""
from __future__ import annotations

import struct

SOCK_FILTER = struct.Struct("<HBBI")          # code, jt, jf, k
SOCK_FPROG = struct.Struct("<H6xQ")           # len, (padding), filter pointer
BPF_MAXINSNS = 4096
BPF_MEMWORDS = 16                             # scratch memory M[0..15]

# classes: code & 0x07
BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_RET, BPF_MISC = range(8)
# load sizes: code & 0x18
BPF_W, BPF_H, BPF_B = 0x00, 0x08, 0x10
# load modes: code & 0xe0
BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_LEN, BPF_MSH = 0x00, 0x20, 0x40, 0x60, 0x80, 0xA0
# ALU operations: code & 0xf0
BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND = 0x00, 0x10, 0x20, 0x30, 0x40, 0x50
BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR = 0x60, 0x70, 0x80, 0x90, 0xA0
# jumps: code & 0xf0
BPF_JA, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET = 0x00, 0x10, 0x20, 0x30, 0x40
# operand source: code & 0x08 (K the constant, X the index register); RET also takes A
BPF_K, BPF_X, BPF_A = 0x00, 0x08, 0x10
# MISC: code & 0xf8
BPF_TAX, BPF_TXA = 0x00, 0x80


def bpf_class(code: int) -> int:
    return code & 0x07


def bpf_size(code: int) -> int:
    return code & 0x18


def bpf_mode(code: int) -> int:
    return code & 0xE0


def bpf_op(code: int) -> int:
    return code & 0xF0


def bpf_src(code: int) -> int:
    return code & 0x08


def bpf_rval(code: int) -> int:
    return code & 0x18


def bpf_miscop(code: int) -> int:
    return code & 0xF8
