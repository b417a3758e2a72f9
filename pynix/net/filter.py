"""Classic BPF: the checker and the interpreter (Linux's net/core/filter.c, bpf_check_classic
and the cBPF semantics its converter keeps; the BSD Packet Filter of McCanne and Jacobson).

One machine for every classic-BPF user: seccomp filters (kernel/seccomp.py) and, later,
socket filters (SO_ATTACH_FILTER). Provides:
- ``Insn`` (code, jt, jf, k) and ``decode_prog(raw)``: a ``struct sock_filter`` array read.
- ``bpf_check_classic(prog)``: Linux's rules, KernelError(EINVAL) on a bad program: 1 to
  BPF_MAXINSNS instructions, known opcodes only, no division or modulo by a constant 0, no
  constant shift of 32 or more, scratch words 0-15, jumps forward and inside the program, the
  last instruction a RET, and no scratch word read before every path to it stored it.
- ``bpf_run(prog, load)``: run a checked program. ``load(size, offset)`` returns the packet's
  value of ``size`` bytes (1, 2, 4) at ``offset``, or None when out of range, which ends the
  program with 0 as Linux's packet loads do; ``length`` is what BPF_LEN loads. Arithmetic is on
  unsigned 32-bit A and X; division or modulo by X == 0 returns 0 (cBPF's rule).

Owns nothing: a program is a list of Insn the caller keeps.
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Optional

from pynix.arch.x86_64 import bpf as B
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError

U32 = 0xFFFF_FFFF


class Insn(NamedTuple):
    code: int
    jt: int
    jf: int
    k: int


def decode_prog(raw: bytes) -> list[Insn]:
    """A ``struct sock_filter`` array as instructions."""
    n = B.SOCK_FILTER.size
    return [Insn(*B.SOCK_FILTER.unpack_from(raw, off)) for off in range(0, len(raw) - n + 1, n)]


def _alu_codes() -> set[int]:
    ops = (B.BPF_ADD, B.BPF_SUB, B.BPF_MUL, B.BPF_DIV, B.BPF_MOD, B.BPF_AND, B.BPF_OR,
           B.BPF_XOR, B.BPF_LSH, B.BPF_RSH)
    return {B.BPF_ALU | op | src for op in ops for src in (B.BPF_K, B.BPF_X)} | \
        {B.BPF_ALU | B.BPF_NEG}


# the opcodes bpf_check_classic accepts (filter.c's codes[] table)
VALID_CODES: frozenset[int] = frozenset(_alu_codes() | {
    B.BPF_LD | B.BPF_W | B.BPF_ABS, B.BPF_LD | B.BPF_H | B.BPF_ABS, B.BPF_LD | B.BPF_B | B.BPF_ABS,
    B.BPF_LD | B.BPF_W | B.BPF_LEN,
    B.BPF_LD | B.BPF_W | B.BPF_IND, B.BPF_LD | B.BPF_H | B.BPF_IND, B.BPF_LD | B.BPF_B | B.BPF_IND,
    B.BPF_LD | B.BPF_IMM, B.BPF_LD | B.BPF_MEM,
    B.BPF_LDX | B.BPF_W | B.BPF_LEN, B.BPF_LDX | B.BPF_B | B.BPF_MSH, B.BPF_LDX | B.BPF_IMM,
    B.BPF_LDX | B.BPF_MEM,
    B.BPF_ST, B.BPF_STX,
    B.BPF_MISC | B.BPF_TAX, B.BPF_MISC | B.BPF_TXA,
    B.BPF_RET | B.BPF_K, B.BPF_RET | B.BPF_A,
    B.BPF_JMP | B.BPF_JA,
    *(B.BPF_JMP | op | src for op in (B.BPF_JEQ, B.BPF_JGT, B.BPF_JGE, B.BPF_JSET)
      for src in (B.BPF_K, B.BPF_X)),
})


def _einval() -> KernelError:
    return KernelError(E.EINVAL)


def bpf_check_classic(prog: list[Insn]) -> None:
    """Linux's bpf_check_basics_ok + bpf_check_classic + check_load_and_stores."""
    flen = len(prog)
    if flen == 0 or flen > B.BPF_MAXINSNS:
        raise _einval()
    for pc, (code, jt, jf, k) in enumerate(prog):
        if code not in VALID_CODES:
            raise _einval()
        cls = B.bpf_class(code)
        if cls == B.BPF_ALU and B.bpf_src(code) == B.BPF_K:
            op = B.bpf_op(code)
            if op in (B.BPF_DIV, B.BPF_MOD) and k == 0:
                raise _einval()
            if op in (B.BPF_LSH, B.BPF_RSH) and k >= 32:
                raise _einval()
        elif (cls in (B.BPF_LD, B.BPF_LDX) and B.bpf_mode(code) == B.BPF_MEM) or \
                cls in (B.BPF_ST, B.BPF_STX):
            if k >= B.BPF_MEMWORDS:
                raise _einval()
        elif cls == B.BPF_JMP:
            if B.bpf_op(code) == B.BPF_JA:
                if k >= flen - pc - 1:
                    raise _einval()
            elif pc + jt + 1 >= flen or pc + jf + 1 >= flen:
                raise _einval()
    if prog[-1].code not in (B.BPF_RET | B.BPF_K, B.BPF_RET | B.BPF_A):
        raise _einval()
    check_load_and_stores(prog)


def check_load_and_stores(prog: list[Insn]) -> None:
    """Every read of a scratch word must follow a store to it on every path (filter.c's
    check_load_and_stores: a forward data-flow pass over the valid-word masks)."""
    everything = (1 << B.BPF_MEMWORDS) - 1
    masks = [everything] * len(prog)
    memvalid = 0
    for pc, (code, jt, jf, k) in enumerate(prog):
        memvalid &= masks[pc]
        cls = B.bpf_class(code)
        if cls in (B.BPF_ST, B.BPF_STX):
            memvalid |= 1 << k
        elif cls in (B.BPF_LD, B.BPF_LDX) and B.bpf_mode(code) == B.BPF_MEM:
            if not memvalid & (1 << k):
                raise _einval()
        elif cls == B.BPF_JMP:
            if B.bpf_op(code) == B.BPF_JA:
                masks[pc + 1 + k] &= memvalid
            else:
                masks[pc + 1 + jt] &= memvalid
                masks[pc + 1 + jf] &= memvalid
            memvalid = everything


Load = Callable[[int, int], Optional[int]]
_SIZES = {B.BPF_W: 4, B.BPF_H: 2, B.BPF_B: 1}
# the load modes that do not read the packet: (k, scratch memory, packet length) -> value
_LOCAL_LOADS: dict[int, Callable[[int, list[int], int], int]] = {
    B.BPF_IMM: lambda k, mem, length: k,
    B.BPF_MEM: lambda k, mem, length: mem[k],
    B.BPF_LEN: lambda k, mem, length: length,
}


def _alu(op: int, a: int, v: int) -> int | None:
    """A op v on 32 bits; None for a division or modulo by zero (the program returns 0)."""
    if op == B.BPF_ADD:
        return (a + v) & U32
    if op == B.BPF_SUB:
        return (a - v) & U32
    if op == B.BPF_MUL:
        return (a * v) & U32
    if op == B.BPF_DIV:
        return a // v if v else None
    if op == B.BPF_MOD:
        return a % v if v else None
    if op == B.BPF_AND:
        return a & v
    if op == B.BPF_OR:
        return a | v
    if op == B.BPF_XOR:
        return a ^ v
    if op == B.BPF_LSH:
        return (a << (v & 31)) & U32
    if op == B.BPF_RSH:
        return a >> (v & 31)
    return (-a) & U32                                   # BPF_NEG


def _jump(op: int, a: int, v: int) -> bool:
    if op == B.BPF_JEQ:
        return a == v
    if op == B.BPF_JGT:
        return a > v
    if op == B.BPF_JGE:
        return a >= v
    return bool(a & v)                                  # BPF_JSET


def bpf_run(prog: list[Insn], load: Load, length: int = 0) -> int:
    """Run a checked program; its return value (u32)."""
    a = x = 0
    mem = [0] * B.BPF_MEMWORDS
    pc = 0
    while True:
        code, jt, jf, k = prog[pc]
        pc += 1
        cls = B.bpf_class(code)
        if cls == B.BPF_RET:
            return k if B.bpf_rval(code) == B.BPF_K else a
        if cls in (B.BPF_LD, B.BPF_LDX):
            mode = B.bpf_mode(code)
            val = _LOCAL_LOADS[mode](k, mem, length) if mode in _LOCAL_LOADS else None
            if val is None:                             # from the packet
                if cls == B.BPF_LDX:                    # BPF_MSH: 4 * (P[k] & 0xf)
                    val = load(1, k)
                    val = None if val is None else (val & 0xF) << 2
                else:
                    val = load(_SIZES[B.bpf_size(code)], k if mode == B.BPF_ABS else (x + k) & U32)
                if val is None:
                    return 0
            if cls == B.BPF_LD:
                a = val
            else:
                x = val
        elif cls == B.BPF_ST:
            mem[k] = a
        elif cls == B.BPF_STX:
            mem[k] = x
        elif cls == B.BPF_ALU:
            res = _alu(B.bpf_op(code), a, x if B.bpf_src(code) == B.BPF_X else k)
            if res is None:
                return 0
            a = res
        elif cls == B.BPF_JMP:
            op = B.bpf_op(code)
            if op == B.BPF_JA:
                pc += k
            else:
                pc += jt if _jump(op, a, x if B.bpf_src(code) == B.BPF_X else k) else jf
        elif B.bpf_miscop(code) == B.BPF_TAX:
            x = a
        else:
            a = x
