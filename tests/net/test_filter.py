"""Unit tests of the classic BPF checker and interpreter (net/filter.py)."""
from __future__ import annotations

import struct

import pytest

from pynix.arch.x86_64 import bpf as B
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.net.filter import Insn, bpf_check_classic, bpf_run, decode_prog


def stmt(code: int, k: int = 0) -> Insn:
    return Insn(code, 0, 0, k)


def jump(code: int, k: int, jt: int, jf: int) -> Insn:
    return Insn(code, jt, jf, k)


RET_A = stmt(B.BPF_RET | B.BPF_A)


def packet_loader(data: bytes):
    def load(size: int, off: int) -> int | None:
        if off + size > len(data):
            return None
        return int.from_bytes(data[off:off + size], "big")
    return load


def run(prog: list[Insn], data: bytes = b"") -> int:
    bpf_check_classic(prog)
    return bpf_run(prog, packet_loader(data), len(data))


def test_decode_sock_filter_array() -> None:
    raw = B.SOCK_FILTER.pack(B.BPF_RET | B.BPF_K, 1, 2, 7) * 2
    assert decode_prog(raw) == [Insn(B.BPF_RET | B.BPF_K, 1, 2, 7)] * 2


@pytest.mark.parametrize("op,k,a,want", [
    (B.BPF_ADD, 5, 0xFFFF_FFFE, 3), (B.BPF_SUB, 5, 3, 0xFFFF_FFFE), (B.BPF_MUL, 3, 7, 21),
    (B.BPF_DIV, 2, 7, 3), (B.BPF_MOD, 4, 7, 3), (B.BPF_AND, 6, 3, 2), (B.BPF_OR, 4, 3, 7),
    (B.BPF_XOR, 5, 3, 6), (B.BPF_LSH, 31, 3, 0x8000_0000), (B.BPF_RSH, 1, 7, 3),
])
def test_alu_with_constant(op: int, k: int, a: int, want: int) -> None:
    prog = [stmt(B.BPF_LD | B.BPF_IMM, a), stmt(B.BPF_ALU | op | B.BPF_K, k), RET_A]
    assert run(prog) == want


def test_neg_tax_txa_and_scratch_memory() -> None:
    prog = [stmt(B.BPF_LD | B.BPF_IMM, 1), stmt(B.BPF_ALU | B.BPF_NEG), stmt(B.BPF_ST, 4),
            stmt(B.BPF_LDX | B.BPF_IMM, 9), stmt(B.BPF_MISC | B.BPF_TXA),
            stmt(B.BPF_LDX | B.BPF_MEM, 4), stmt(B.BPF_ALU | B.BPF_ADD | B.BPF_X), RET_A]
    assert run(prog) == 8                     # -1 + 9


def test_division_by_zero_register_returns_zero() -> None:
    prog = [stmt(B.BPF_LD | B.BPF_IMM, 7), stmt(B.BPF_LDX | B.BPF_IMM, 0),
            stmt(B.BPF_ALU | B.BPF_DIV | B.BPF_X), stmt(B.BPF_RET | B.BPF_K, 99)]
    assert run(prog) == 0


def test_packet_loads_are_big_endian_and_out_of_range_ends_with_zero() -> None:
    data = bytes([0x41, 0, 0x12, 0x34, 0xAA, 0xBB, 0xCC, 0xDD])
    assert run([stmt(B.BPF_LD | B.BPF_H | B.BPF_ABS, 2), RET_A], data) == 0x1234
    assert run([stmt(B.BPF_LD | B.BPF_W | B.BPF_ABS, 4), RET_A], data) == 0xAABBCCDD
    assert run([stmt(B.BPF_LDX | B.BPF_B | B.BPF_MSH, 0), stmt(B.BPF_LD | B.BPF_B | B.BPF_IND, 2),
                RET_A], data) == 0xCC        # X = 4 * (0x41 & 0xf) = 4; P[4 + 2]
    assert run([stmt(B.BPF_LD | B.BPF_W | B.BPF_ABS, 6), stmt(B.BPF_RET | B.BPF_K, 5)], data) == 0
    assert run([stmt(B.BPF_LD | B.BPF_W | B.BPF_LEN), RET_A], data) == 8


@pytest.mark.parametrize("op,a,k,taken", [
    (B.BPF_JEQ, 5, 5, True), (B.BPF_JEQ, 5, 6, False), (B.BPF_JGT, 6, 5, True),
    (B.BPF_JGT, 5, 5, False), (B.BPF_JGE, 5, 5, True), (B.BPF_JGE, 4, 5, False),
    (B.BPF_JSET, 6, 2, True), (B.BPF_JSET, 6, 1, False), (B.BPF_JGT, 0xFFFF_FFFF, 1, True),
])
def test_conditional_jumps(op: int, a: int, k: int, taken: bool) -> None:
    prog = [stmt(B.BPF_LD | B.BPF_IMM, a), jump(B.BPF_JMP | op | B.BPF_K, k, 1, 0),
            stmt(B.BPF_RET | B.BPF_K, 0), stmt(B.BPF_RET | B.BPF_K, 1)]
    assert run(prog) == int(taken)


def test_ja_skips_forward() -> None:
    prog = [jump(B.BPF_JMP | B.BPF_JA, 1, 0, 0), stmt(B.BPF_RET | B.BPF_K, 0),
            stmt(B.BPF_RET | B.BPF_K, 2)]
    assert run(prog) == 2


BAD_PROGRAMS = {
    "empty": [],
    "too long": [stmt(B.BPF_RET | B.BPF_K)] * (B.BPF_MAXINSNS + 1),
    "no final ret": [stmt(B.BPF_LD | B.BPF_IMM, 1)],
    "unknown opcode": [stmt(0xFFFF), stmt(B.BPF_RET | B.BPF_K)],
    "div by constant 0": [stmt(B.BPF_ALU | B.BPF_DIV | B.BPF_K, 0), RET_A],
    "mod by constant 0": [stmt(B.BPF_ALU | B.BPF_MOD | B.BPF_K, 0), RET_A],
    "shift 32": [stmt(B.BPF_ALU | B.BPF_RSH | B.BPF_K, 32), RET_A],
    "scratch 16": [stmt(B.BPF_ST, 16), RET_A],
    "ja past end": [jump(B.BPF_JMP | B.BPF_JA, 1, 0, 0), RET_A],
    "jt past end": [jump(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 0, 1, 0), RET_A],
    "load before store": [stmt(B.BPF_LD | B.BPF_MEM, 3), RET_A],
    "store on one path only": [jump(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 0, 1, 0), stmt(B.BPF_ST, 3),
                               stmt(B.BPF_LD | B.BPF_MEM, 3), RET_A],
}


@pytest.mark.parametrize("name", sorted(BAD_PROGRAMS))
def test_checker_rejects_with_einval(name: str) -> None:
    with pytest.raises(KernelError) as err:
        bpf_check_classic(BAD_PROGRAMS[name])
    assert err.value.errno == E.EINVAL


def test_store_on_every_path_is_accepted() -> None:
    prog = [stmt(B.BPF_ST, 3), jump(B.BPF_JMP | B.BPF_JEQ | B.BPF_K, 0, 1, 0),
            stmt(B.BPF_LD | B.BPF_IMM, 1), stmt(B.BPF_LD | B.BPF_MEM, 3), RET_A]
    bpf_check_classic(prog)


def test_sock_fprog_layout() -> None:
    assert B.SOCK_FPROG.size == 16 and B.SOCK_FILTER.size == 8
    assert struct.calcsize("<HBBI") == 8
