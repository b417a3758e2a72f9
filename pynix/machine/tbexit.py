"""How translated code notices a stop request: Unicorn's exit checks, made cheap and exact.

A stop request (``uc_emu_stop`` from the clock thread: the timer interrupt) must be noticed by
code the JIT already translated. Unicorn 2.1.4 checks in two places, and both cost:

1. after every guest load and store, then restarting the *instruction* - which re-runs an
   instruction that already stored (unicorn issue #1355). ``disable_midblock_exits`` turns
   these checks off with Unicorn's own internal switch ``uc_struct.no_exit_request``.
2. at the start of every translated block, as a call to ``helper_check_exit_request``
   (Unicorn replaced QEMU's inline test with a helper). A tight loop is one block, so the
   call runs once per iteration: perf showed it at 30% of a compute-bound guest.
   ``BlockEntryPatcher`` rewrites that call, in each newly translated block, into QEMU's
   inline test: ``cmp dword [env-16], 0; jge body; call exit_stub``. The stub (one per CPU,
   in a page mapped within rel32 reach of the code buffer) leaves the block the way QEMU's
   own check does: ``rax = tb | TB_EXIT_REQUESTED``, jump to the TB epilogue; the CPU loop
   then sets the guest pc from the block and returns from ``uc_emu_start``.

Both depend on the layout of Unicorn 2.1.4 (pinned in pyproject.toml) on an x86-64 host.
Everything is found and checked at run time (the helper's two loads decoded, register magic for
``env``, the TCG context found by its field pattern); if anything is not as expected, the
function or class reports failure and changes nothing, and pynix runs with Unicorn's stock
checks (slower, still correct).

Call sequence: ``disable_midblock_exits(uc)`` once; ``BlockEntryPatcher.attach(...)`` once;
then ``patcher.patch_new()`` whenever the CPU is stopped (after each ``uc_emu_start``), and
``patcher.reset()`` after a translation-cache flush. Never patch while the CPU runs.

Owns: the exit-stub page. Reads (never frees) Unicorn's structures and code buffer.
"""
from __future__ import annotations

import ctypes
import re
import struct
from typing import Callable

_PAGE = 4096
_TB_EXIT_REQUESTED = 3
_TB_TC_PTR = 32        # offsetof(TranslationBlock, tc.ptr): pc, cs_base, flags, cflags, size+icount, dstate
_PROT_RWX, _PROT_RX = 7, 5
_MAP_PRIVATE_ANON, _MAP_FIXED_NOREPLACE = 0x22, 0x100000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def disable_midblock_exits(uc_addr: int, emu_stop: ctypes._CFuncPtr) -> bool:
    """Make asynchronous stops land on translation-block boundaries only.

    Unicorn has a switch for the per-access checks, ``uc_struct.no_exit_request`` (used
    internally for ARM IT blocks), but no API for it. We find it: ``stop_request`` is the one
    byte ``uc_emu_stop`` flips, and ``no_exit_request`` sits at a fixed distance after it in
    unicorn 2.1.4's struct uc_struct; the neighbouring fields are checked before writing.
    Measured before this: 30 M ``inc qword [m]`` under a 1 ms emu_stop timer ended 45-79 too
    high. Returns False (and changes nothing) if the layout is not the expected one."""
    window = 4096
    before = ctypes.string_at(uc_addr, window)
    emu_stop(ctypes.c_void_p(uc_addr))
    after = ctypes.string_at(uc_addr, window)
    flipped = [i for i in range(window) if before[i] != after[i]]
    if len(flipped) != 1:
        return False
    stop = flipped[0]
    ctypes.c_bool.from_address(uc_addr + stop).value = False
    # struct uc_struct from stop_request on (unicorn 2.1.4 include/uc_priv.h)
    fields = [("pad", ctypes.c_char * (stop % 8)), ("stop_request", ctypes.c_bool),
              ("quit_request", ctypes.c_bool), ("emulation_done", ctypes.c_bool),
              ("timed_out", ctypes.c_bool), ("timer", ctypes.c_ulong), ("timeout", ctypes.c_uint64),
              ("invalid_addr", ctypes.c_uint64), ("invalid_error", ctypes.c_int),
              ("use_exits", ctypes.c_int), ("exits", ctypes.c_uint64 * 64),
              ("ctl_exits", ctypes.c_void_p), ("thumb", ctypes.c_int),
              ("mapped_blocks", ctypes.c_void_p), ("mapped_block_count", ctypes.c_uint32),
              ("mapped_block_cache_index", ctypes.c_uint32), ("qemu_thread_data", ctypes.c_void_p),
              ("target_page_size", ctypes.c_uint32), ("target_page_align", ctypes.c_uint32),
              ("qemu_host_page_size", ctypes.c_uint64), ("qemu_real_host_page_size", ctypes.c_uint64),
              ("qemu_icache_linesize", ctypes.c_int), ("context_content", ctypes.c_int),
              ("cpu_context_size", ctypes.c_int), ("next_pc", ctypes.c_uint64),
              ("hook_insert", ctypes.c_bool), ("first_tb", ctypes.c_bool),
              ("no_exit_request", ctypes.c_bool), ("init_done", ctypes.c_bool)]
    layout = type("UcTail", (ctypes.Structure,), {"_fields_": fields})
    tail = layout.from_address(uc_addr + stop - stop % 8)
    if tail.target_page_size != 4096 or not tail.init_done or tail.no_exit_request \
            or tail.hook_insert:
        return False
    tail.no_exit_request = True
    _tails[uc_addr] = tail
    return True


_tails: dict[int, ctypes.Structure] = {}


def set_midblock_exits(uc_addr: int, enabled: bool) -> None:
    """Turn Unicorn's per-instruction exit checks back on (``enabled``) or off again: a
    single step (``uc_emu_start`` with count 1) must stop after exactly one instruction."""
    tail = _tails.get(uc_addr)
    if tail is not None:
        tail.no_exit_request = not enabled      # type: ignore[attr-defined]


def _mov_load(code: bytes, i: int) -> tuple[bool, int, int, int, int] | None:
    """Decode ``mov reg, [base + disp8/32]`` (REX 8B /r, no SIB) at ``code[i:]``:
    (64-bit, reg, base, next offset, disp), register numbers as in the ISA (rdi = 7)."""
    rex = 0
    if 0x40 <= code[i] <= 0x4F:
        rex, i = code[i], i + 1
    if code[i] != 0x8B:
        return None
    modrm = code[i + 1]
    mod, reg, rm = modrm >> 6, (modrm >> 3) & 7, modrm & 7
    if mod not in (1, 2) or rm == 4:
        return None
    reg |= 8 if rex & 4 else 0
    rm |= 8 if rex & 1 else 0
    if mod == 1:
        return bool(rex & 8), reg, rm, i + 3, struct.unpack_from("<b", code, i + 2)[0]
    return bool(rex & 8), reg, rm, i + 6, struct.unpack_from("<i", code, i + 2)[0]


def _maps() -> tuple[list[tuple[int, int]], list[int]]:
    """Readable ranges of this process, and the starts of its anonymous rwx mappings (where
    a JIT code buffer can be)."""
    readable, rwx = [], []
    with open("/proc/self/maps") as f:
        for line in f:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(\S*)", line)
            if m and m[3].startswith("r"):
                readable.append((int(m[1], 16), int(m[2], 16)))
                if m[3].startswith("rwx") and m[4] == "0" and not m[5]:
                    rwx.append(int(m[1], 16))
    return readable, rwx


def _readable(ranges: list[tuple[int, int]], addr: int, size: int) -> bool:
    return any(lo <= addr and addr + size <= hi for lo, hi in ranges)


class _CodeGen(ctypes.Structure):
    """TCGContext from code_gen_prologue to code_gen_ptr (qemu include/tcg/tcg.h)."""
    _fields_ = [("prologue", ctypes.c_uint64), ("epilogue", ctypes.c_uint64),
                ("buffer", ctypes.c_uint64), ("initial_buffer", ctypes.c_uint64),
                ("initial_size", ctypes.c_uint64), ("buffer_size", ctypes.c_uint64),
                ("ptr", ctypes.c_uint64)]


def _find_codegen(uc_addr: int, ranges: list[tuple[int, int]], rwx: list[int]) -> _CodeGen | None:
    """uc->tcg_ctx, recognised by its code-buffer fields: prologue at the (page-aligned)
    start of an rwx mapping, initial_buffer the same, epilogue and the first block shortly
    after, ptr inside."""
    found = []
    needles = [struct.pack("<Q", start) for start in rwx]
    for off in range(0, 4096, 8):
        p = ctypes.c_uint64.from_address(uc_addr + off).value
        if p % 8 or not _readable(ranges, p, 0x400):
            continue
        blob = ctypes.string_at(p, 0x400)
        for needle in needles:
            k = blob.find(needle)
            while 0 <= k <= 0x400 - ctypes.sizeof(_CodeGen):
                cg = _CodeGen.from_address(p + k)
                if k % 8 == 0 and cg.prologue == cg.initial_buffer \
                        and cg.prologue < cg.epilogue < cg.buffer < cg.prologue + 65536 \
                        and cg.buffer <= cg.ptr <= cg.initial_buffer + cg.initial_size \
                        and 0 < cg.buffer_size <= cg.initial_size < 1 << 40:
                    found.append(cg)
                k = blob.find(needle, k + 1)
    return found[0] if len(found) == 1 else None


def _find_env(cpu_addr: int, ranges: list[tuple[int, int]],
              set_rax_rcx: Callable[[int, int], None]) -> int | None:
    """CPUX86State inside the X86CPU at ``cpu_addr``: env.regs[] starts with RAX, RCX."""
    size = 0x20000
    while size and not _readable(ranges, cpu_addr, size):
        size //= 2
    a, c = 0x5079_6E69_7852_4158, 0x5079_6E69_7852_4358      # "XARxinyP", "XCRxinyP"
    set_rax_rcx(a, c)
    blob = ctypes.string_at(cpu_addr, size)
    set_rax_rcx(0, 0)
    i = blob.find(struct.pack("<QQ", a, c))
    if i < 0 or blob.find(struct.pack("<QQ", a, c), i + 1) >= 0:
        return None
    return cpu_addr + i


class BlockEntryPatcher:
    """Rewrites the exit check at the entry of each translated block (see module docstring)."""

    def __init__(self, uc_addr: int, codegen: _CodeGen, env_disp: int, helper: int,
                 tb_ret: int) -> None:
        self.uc_addr = uc_addr
        self.codegen = codegen
        self.env_disp = env_disp          # icount_decr relative to env (rbp in TCG code)
        self.helper = helper
        self.tb_ret = tb_ret              # QEMU's tb_ret_addr: restores host registers, returns
        self.stub = 0                     # mapped at the first patch
        self.tb_offset = 0                # code start - its TranslationBlock, for this build
        self.pos = codegen.buffer         # everything below is scanned
        self.prefix = b"\x48\xbf" + struct.pack("<Q", uc_addr)     # movabs rdi, uc
        self.patched = 0
        self.disabled = False
        self.env = 0                      # CPUX86State: env.regs[16] starts here (cpu.py uses it)

    # -- discovery ---------------------------------------------------------------------------
    @classmethod
    def attach(cls, uc_addr: int, lib: ctypes.CDLL,
               set_rax_rcx: Callable[[int, int], None]) -> BlockEntryPatcher | None:
        """Find everything the patch needs, or None. ``set_rax_rcx(a, c)`` writes two guest
        registers: known values there locate the CPU's CPUX86State (the TCG env register);
        the caller restores its registers afterwards."""
        try:
            helper = ctypes.cast(lib.helper_check_exit_request_x86_64, ctypes.c_void_p).value
        except AttributeError:
            return None
        # mov r8, [rdi + offsetof(uc_struct, cpu)]; mov eax, [r8 + offsetof(icount_decr)]
        code = ctypes.string_at(helper, 16)
        first = _mov_load(code, 0)
        second = _mov_load(code, first[3]) if first else None
        if first is None or second is None or not first[0] or second[0] \
                or first[2] != 7 or second[2] != first[1]:        # base of the 1st: rdi
            return None
        cpu_off, icount_off = first[4], second[4]
        ranges, rwx = _maps()
        cpu_addr = ctypes.c_uint64.from_address(uc_addr + cpu_off).value
        env = _find_env(cpu_addr, ranges, set_rax_rcx)
        if env is None:
            return None
        env_disp = cpu_addr + icount_off - env
        if not -128 <= env_disp < 0:
            return None
        codegen = _find_codegen(uc_addr, ranges, rwx)
        if codegen is None or ctypes.string_at(codegen.epilogue, 2) not in (b"\x31\xc0", b"\x33\xc0"):
            return None
        # past "xor eax, eax" (exit_tb(0)) is QEMU's tb_ret_addr
        self = cls(uc_addr, codegen, env_disp, helper, codegen.epilogue + 2)
        self.env = env
        return self

    def _map_stub(self, tb_offset: int) -> bool:
        """The exit stub: rax = return address - 11 - tb_offset + TB_EXIT_REQUESTED = tb|3,
        then QEMU's epilogue. Placed within rel32 reach of the whole code buffer."""
        lo = self.codegen.initial_buffer
        hi = lo + self.codegen.initial_size
        for hint in (lo - (1 << 20), hi + (1 << 20), lo - (1 << 24), hi + (1 << 24)):
            addr = _libc.mmap(hint, _PAGE, _PROT_RWX, _MAP_PRIVATE_ANON | _MAP_FIXED_NOREPLACE, -1, 0)
            if addr in (None, ctypes.c_void_p(-1).value) or addr != hint:
                continue
            sub = 11 + tb_offset - _TB_EXIT_REQUESTED
            code = b"\x58" + b"\x48\x2d" + struct.pack("<i", sub)         # pop rax; sub rax, imm
            rel = self.tb_ret - (addr + len(code) + 5)
            if not -2**31 <= rel < 2**31:
                continue
            code += b"\xe9" + struct.pack("<i", rel)                       # jmp tb_ret_addr
            ctypes.memmove(addr, code, len(code))
            _libc.mprotect(addr, _PAGE, _PROT_RX)
            self.stub = addr
            self.tb_offset = tb_offset
            return True
        return False

    # -- patching ----------------------------------------------------------------------------
    def reset(self) -> None:
        """After a translation-cache flush: the buffer is refilled from its start."""
        self.pos = self.codegen.buffer

    def patch_new(self) -> int:
        """Patch the blocks translated since the last call. The CPU must be stopped."""
        if self.disabled:
            return 0
        end = self.codegen.ptr
        if end < self.pos:                     # QEMU flushed the cache by itself
            self.pos = self.codegen.buffer
        if end == self.pos:
            return 0
        start = self.pos
        data = ctypes.string_at(start, end - start)
        self.pos = end
        n = 0
        i = data.find(self.prefix)
        while i >= 0:
            if self._patch_one(data, i, start + i):
                n += 1
            i = data.find(self.prefix, i + 10)
        self.patched += n
        return n

    def _patch_one(self, data: bytes, i: int, at: int) -> bool:
        # movabs rdi, uc; xor esi, esi (either encoding); call helper (rel32, or via the pool)
        if data[i + 10:i + 12] not in (b"\x31\xf6", b"\x33\xf6"):
            return False
        if data[i + 12:i + 13] == b"\xe8" and len(data) >= i + 17:
            size = 17
            target = at + 17 + struct.unpack_from("<i", data, i + 13)[0]
        elif data[i + 12:i + 14] == b"\xff\x15" and len(data) >= i + 18:
            size = 18
            slot = at + 18 + struct.unpack_from("<i", data, i + 14)[0]
            target = ctypes.c_uint64.from_address(slot).value
        else:
            return False
        if target != self.helper:
            return False
        # only at a block's entry (a mid-block check would restart the block: wrong):
        # the TranslationBlock sits just below its code and points at it
        tb_offset = self._tb_offset(at)
        if tb_offset is None:
            return False
        if not self.stub and not self._map_stub(tb_offset):
            self.disabled = True               # no page for the stub near the buffer: give up
            return False
        if tb_offset != self.tb_offset:
            return False
        call_end = at + 11
        if not -2**31 <= self.stub - call_end < 2**31:
            return False
        pad = b"\x66\x0f\x1f\x44\x00\x00" if size == 17 else b"\x0f\x1f\x80\x00\x00\x00\x00"
        code = bytes([0x83, 0x7D, self.env_disp & 0xFF, 0x00,     # cmp dword [rbp+disp], 0
                      0x7D, 5 + len(pad)])                          # jge past the call and pad
        code += b"\xe8" + struct.pack("<i", self.stub - call_end)   # call exit_stub
        code += pad                                                 # (never executed)
        ctypes.memmove(at, code, size)
        return True

    def _tb_offset(self, at: int) -> int | None:
        for off in range(64, 1025, 64):
            tb = at - off
            if tb < self.codegen.buffer:
                return None
            if ctypes.c_uint64.from_address(tb + _TB_TC_PTR).value == at:
                return off
        return None
