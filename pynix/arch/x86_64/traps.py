"""x86-64 exception vectors and the signal each one raises in user mode (Linux
arch/x86/include/asm/trapnr.h and the do_error_trap / exc_* handlers of arch/x86/kernel/traps.c).
Page faults (X86_TRAP_PF) have no entry in VECTOR_SIGNALS: mm/fault.py decides SIGSEGV/SIGBUS
and the code.
"""
from __future__ import annotations

from pynix.arch.x86_64.abi import (
                                   FPE_INTDIV,
                                   ILL_ILLOPN,
                                   SI_KERNEL,
                                   SIGBUS,
                                   SIGFPE,
                                   SIGILL,
                                   SIGSEGV,
                                   SIGTRAP,
)

X86_TRAP_DE, X86_TRAP_DB, X86_TRAP_BP, X86_TRAP_OF, X86_TRAP_BR, X86_TRAP_UD = 0, 1, 3, 4, 5, 6
X86_TRAP_NM, X86_TRAP_GP, X86_TRAP_PF, X86_TRAP_MF, X86_TRAP_AC, X86_TRAP_XF = 7, 13, 14, 16, 17, 19
TRAP_TRACE = 2                                   # si_code of a single-step SIGTRAP

# vector -> (signal, si_code); anything else is SIGSEGV with SI_KERNEL
VECTOR_SIGNALS: dict[int, tuple[int, int]] = {
    X86_TRAP_DE: (SIGFPE, FPE_INTDIV), X86_TRAP_DB: (SIGTRAP, TRAP_TRACE),
    X86_TRAP_BP: (SIGTRAP, SI_KERNEL), X86_TRAP_OF: (SIGSEGV, SI_KERNEL),
    X86_TRAP_BR: (SIGSEGV, SI_KERNEL), X86_TRAP_UD: (SIGILL, ILL_ILLOPN), X86_TRAP_NM: (SIGFPE, 0),
    X86_TRAP_GP: (SIGSEGV, SI_KERNEL), X86_TRAP_MF: (SIGFPE, 0), X86_TRAP_AC: (SIGBUS, 0),
    X86_TRAP_XF: (SIGFPE, 0),
}
