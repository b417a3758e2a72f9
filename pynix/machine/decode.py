"""Fault address recovery: the exact address a faulting instruction touched.

Unicorn's TLB-fill hook reports only the page of a failed access; a real CPU puts the exact
address in CR2, and user space sees it as si_addr. ``fault_address(code, rip, regs, fs_base,
page)`` decodes the instruction at ``rip`` with capstone, computes the effective address of its
memory operand (base + index*scale + disp, RIP-relative, FS/GS segment base, or the implicit
stack slot of push/call), and returns it when it lies on the faulting page; otherwise the page
address itself.
"""
from __future__ import annotations

import capstone
from capstone import x86_const as CX

_md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
_md.detail = True

_REG = {CX.X86_REG_RAX: "rax", CX.X86_REG_RBX: "rbx", CX.X86_REG_RCX: "rcx", CX.X86_REG_RDX: "rdx",
        CX.X86_REG_RSI: "rsi", CX.X86_REG_RDI: "rdi", CX.X86_REG_RBP: "rbp", CX.X86_REG_RSP: "rsp",
        CX.X86_REG_R8: "r8", CX.X86_REG_R9: "r9", CX.X86_REG_R10: "r10", CX.X86_REG_R11: "r11",
        CX.X86_REG_R12: "r12", CX.X86_REG_R13: "r13", CX.X86_REG_R14: "r14", CX.X86_REG_R15: "r15"}
_REG32 = {CX.X86_REG_EAX: "rax", CX.X86_REG_EBX: "rbx", CX.X86_REG_ECX: "rcx", CX.X86_REG_EDX: "rdx",
          CX.X86_REG_ESI: "rsi", CX.X86_REG_EDI: "rdi", CX.X86_REG_EBP: "rbp", CX.X86_REG_ESP: "rsp"}
MASK = 0xFFFF_FFFF_FFFF_FFFF


def _reg(regs: dict[str, int], r: int) -> int:
    if r in _REG:
        return regs[_REG[r]]
    if r in _REG32:
        return regs[_REG32[r]] & 0xFFFF_FFFF
    return 0


def fault_address(code: bytes, rip: int, regs: dict[str, int], fs_base: int, gs_base: int,
                  page: int) -> int:
    try:
        insn = next(_md.disasm(code, rip, 1))
    except (StopIteration, capstone.CsError):
        return page
    cands: list[int] = []
    for op in insn.operands:
        if op.type != CX.X86_OP_MEM:
            continue
        m = op.mem
        base = rip + insn.size if m.base == CX.X86_REG_RIP else _reg(regs, m.base)
        ea = base + _reg(regs, m.index) * (m.scale or 1) + m.disp
        if m.segment == CX.X86_REG_FS:
            ea += fs_base
        elif m.segment == CX.X86_REG_GS:
            ea += gs_base
        cands.append(ea & MASK)
    mnem = insn.mnemonic
    if mnem.startswith(("push", "call")):
        cands.append((regs["rsp"] - 8) & MASK)
    elif mnem.startswith(("pop", "ret")):
        cands.append(regs["rsp"])
    elif "stos" in mnem or "movs" in mnem or "scas" in mnem or "cmps" in mnem:
        cands += [regs["rdi"], regs["rsi"]]
    for ea in cands:
        if ea & ~0xFFF == page & ~0xFFF:
            return ea
    for ea in cands:                    # an access straddling into the faulting page
        if 0 < page - ea < 64:
            return page
    return cands[0] if cands and not page else page
