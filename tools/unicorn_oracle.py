#!/usr/bin/env python3
"""Unicorn (QEMU) as an independent oracle for Tessera's executor.

Two modes, each writing JSON that the Rust test `crates/executor/tests/unicorn_differential.rs`
replays through Tessera and compares field by field:

  random --count N --seed S --out FILE
      N random MIPS32r2 instruction streams (every opcode class, forward branches and jumps with
      delay slots, loads and stores at every offset, traps). Each case: initial registers, code
      words, a data-region seed; Unicorn's final registers, HI/LO, changed data bytes, and how it
      stopped (the trailing HALT syscall, or a trap at some pc).

  elf ELF [--stdin FILE]... --out FILE
      A whole guest under Unicorn with the guest ABI's syscalls emulated (HALT, WRITE, COMMIT,
      HINT_LEN, HINT_READ, and the precompiles: SHA-256 and Keccak written here independently,
      Poseidon2 from --poseidon2 vectors): final registers, HI/LO, exit code, output streams, committed digest,
      and SHA-256 of the data, heap and stack regions.
"""
import argparse
import hashlib
import json
import random
import struct
import sys

from elftools.elf.elffile import ELFFile
from unicorn import (UC_ARCH_MIPS, UC_HOOK_CODE, UC_HOOK_INTR, UC_MODE_LITTLE_ENDIAN, UC_MODE_MIPS32, Uc,
                     UcError)
from unicorn import mips_const as M

CODE_BASE = 0x00400000
DATA_BASE = 0x10000000
DATA_SIZE = 1024
BASE_REG = 16  # $s0 points at the middle of the data region and is never written
EXCP_SYSCALL = 17  # QEMU's exception numbers
EXCP_OVERFLOW = 21
EXCP_TRAP = 22
MASK = 0xFFFFFFFF

REGS = [M.UC_MIPS_REG_0 + i for i in range(32)]


def data_bytes(seed):
    """The data region's initial bytes: xorshift32 from `seed` (the Rust side has the same)."""
    x = seed or 1
    out = bytearray()
    for _ in range(DATA_SIZE):
        x ^= (x << 13) & MASK
        x ^= x >> 17
        x ^= (x << 5) & MASK
        out.append(x & 0xFF)
    return bytes(out)


def new_uc():
    uc = Uc(UC_ARCH_MIPS, UC_MODE_MIPS32 | UC_MODE_LITTLE_ENDIAN)
    uc.ctl_set_cpu_model(M.UC_CPU_MIPS32_74KF)  # a MIPS32 release 2 core
    return uc


# ---- encoders ----------------------------------------------------------------------------------

def r_type(rs, rt, rd, shamt, funct, op=0):
    return (op << 26) | (rs << 21) | (rt << 16) | (rd << 11) | (shamt << 6) | funct


def i_type(op, rs, rt, imm):
    return (op << 26) | (rs << 21) | (rt << 16) | (imm & 0xFFFF)


class Generator:
    """Random instruction streams built from units: a unit is one or more instructions that may
    be branched to only at its start, so that multi-instruction idioms stay whole."""

    WRITABLE = [r for r in range(1, 32) if r != BASE_REG]
    EDGE = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0x7F000000,
            0x00FFFFFF, 0x01000000, 0xFFFF, 0x10000, 0x8000, 0xFFFF8000, 31, 32]

    def __init__(self, rng):
        self.rng = rng

    def reg(self):
        return self.rng.randrange(32)

    def dst(self):
        # Now and then write $zero, which must stay zero.
        return 0 if self.rng.random() < 0.03 else self.rng.choice(self.WRITABLE)

    def simple(self, delay_slot=False):
        """One instruction that does not branch or trap. ADD, ADDI and SUB, on whose overflow
        real MIPS traps and the guest ABI does not, are left out of delay slots: the oracle
        emulates the ABI's wrapping result for them, which it can only do outside a delay slot."""
        rng = self.rng
        kind = rng.randrange(9)
        rs, rt, rd = self.reg(), self.reg(), self.dst()
        if kind == 0:  # register ALU
            funct = rng.choice([0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B,
                                0x04, 0x07, 0x0A, 0x0B])
            if delay_slot and funct in (0x20, 0x22):
                funct += 1
            return r_type(rs, rt, rd, 0, funct)
        if kind == 1:  # srlv / rotrv
            return r_type(rs, rt, rd, rng.randrange(2), 0x06)
        if kind == 2:  # shifts by immediate, rotr
            funct = rng.choice([0x00, 0x02, 0x03])
            rot = 1 if funct == 0x02 and rng.random() < 0.5 else 0
            return r_type(rot, rt, rd, rng.randrange(32), funct)
        if kind == 3:  # immediate ALU
            op = rng.choice([0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F])
            if delay_slot and op == 0x08:
                op = 0x09
            imm = rng.choice([rng.randrange(1 << 16), 0, 0xFFFF, 0x8000, 0x7FFF, 1])
            return i_type(op, 0 if op == 0x0F else rs, self.dst(), imm)
        if kind == 4:  # special2: mul, madd(u), msub(u), mult-class, clz/clo
            funct = rng.choice([0x00, 0x01, 0x02, 0x04, 0x05, 0x20, 0x21])
            if funct in (0x20, 0x21):
                return r_type(rs, rd, rd, 0, funct, op=0x1C)
            return r_type(rs, rt, rd if funct == 0x02 else 0, 0, funct, op=0x1C)
        if kind == 5:  # mult/multu, hi/lo moves
            choice = rng.randrange(6)
            if choice < 2:
                return r_type(rs, rt, 0, 0, 0x18 + choice)
            if choice in (2, 3):
                return r_type(0, 0, rd, 0, 0x10 if choice == 2 else 0x12)
            return r_type(rs, 0, 0, 0, 0x11 if choice == 4 else 0x13)
        if kind == 6:  # bit manipulation: seb, seh, wsbh, ext, ins
            choice = rng.randrange(5)
            if choice < 3:
                return r_type(0, rt, rd, [0x10, 0x18, 0x02][choice], 0x20, op=0x1F)
            pos = rng.randrange(32)
            size = rng.randrange(1, 33 - pos)
            if choice == 3:
                return r_type(rs, self.dst(), size - 1, pos, 0x00, op=0x1F)
            return r_type(rs, self.dst(), pos + size - 1, pos, 0x04, op=0x1F)
        if kind == 7:  # loads and stores relative to $s0, aligned for their size
            op = rng.choice([0x20, 0x24, 0x21, 0x25, 0x23, 0x22, 0x26, 0x30,
                             0x28, 0x29, 0x2B, 0x2A, 0x2E])
            size = {0x21: 2, 0x25: 2, 0x29: 2, 0x23: 4, 0x2B: 4, 0x30: 4, 0x38: 4}.get(op, 1)
            offset = rng.randrange(-DATA_SIZE // 2, DATA_SIZE // 2 - 3) // size * size
            target = self.dst() if op in (0x20, 0x24, 0x21, 0x25, 0x23, 0x22, 0x26, 0x30,
                                          0x38) else self.reg()
            return i_type(op, BASE_REG, target, offset)
        # sync, pref
        return 0x0000000F if rng.random() < 0.5 else i_type(0x33, BASE_REG, rng.randrange(32), 0)

    def units(self, count):
        """A list of units; each is a list of (word, target_unit or None, kind)."""
        rng = self.rng
        units = []
        for index in range(count):
            roll = rng.random()
            if roll < 0.12:  # conditional branch or branch-and-link, forward
                op_kind = rng.randrange(8)
                if op_kind < 2:
                    word = i_type(0x04 + op_kind, self.reg(), self.reg(), 0)
                elif op_kind < 4:
                    word = i_type(0x06 + op_kind - 2, self.reg(), 0, 0)
                else:
                    word = i_type(0x01, self.reg(), [0x00, 0x01, 0x10, 0x11][op_kind - 4], 0)
                units.append([(word, 'branch'), (self.simple(delay_slot=True), None)])
            elif roll < 0.15:  # j / jal
                units.append([(rng.choice([0x02, 0x03]) << 26, 'jump'), (self.simple(delay_slot=True), None)])
            elif roll < 0.18:  # jr / jalr through a register loaded with lui+ori
                reg = rng.choice(self.WRITABLE)
                link = rng.choice(self.WRITABLE)
                jump = (r_type(reg, 0, 0, 0, 0x08) if rng.random() < 0.5
                        else r_type(reg, 0, link if link != reg else 31, 0, 0x09))
                units.append([(i_type(0x0F, 0, reg, 0), 'hi'), (i_type(0x0D, reg, reg, 0), 'lo'),
                              (jump, None), (self.simple(delay_slot=True), None)])
            elif roll < 0.22:  # div/divu with a divisor forced nonzero
                rt = rng.choice(self.WRITABLE)
                units.append([(i_type(0x0D, rt, rt, 1), None),
                              (r_type(self.reg(), rt, 0, 0, rng.choice([0x1A, 0x1B])), None)])
            elif roll < 0.21:  # ll/sc pair (real MIPS's sc fails without a matching ll)
                offset = rng.randrange(-DATA_SIZE // 2, DATA_SIZE // 2 - 3) // 4 * 4
                units.append([(i_type(0x30, BASE_REG, self.dst(), offset), None),
                              (i_type(0x38, BASE_REG, self.dst(), offset), None)])
            elif roll < 0.224:  # traps: register and immediate forms
                if rng.random() < 0.5:
                    word = r_type(self.reg(), self.reg(), 0, 0, rng.choice(
                        [0x30, 0x31, 0x32, 0x33, 0x34, 0x36]))
                    word |= rng.randrange(1024) << 6
                else:
                    word = i_type(0x01, self.reg(), rng.choice([0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0E]),
                                  rng.choice([0, 1, 0xFFFF, rng.randrange(1 << 16)]))
                units.append([(word, None)])
            else:
                units.append([(self.simple(delay_slot=True), None)])
        return units

    def program(self, count):
        rng = self.rng
        units = self.units(count)
        starts, addr = [], CODE_BASE
        for unit in units:
            starts.append(addr)
            addr += 4 * len(unit)
        trailer = addr
        words = []
        for index, unit in enumerate(units):
            # A forward target: a later unit's start, or the trailer.
            later = starts[index + 1:] + [trailer]
            target = rng.choice(later[:6])
            for pos, (word, kind) in enumerate(unit):
                pc = starts[index] + 4 * pos
                if kind == 'branch':
                    word |= ((target - (pc + 4)) >> 2) & 0xFFFF
                elif kind == 'jump':
                    word |= (target >> 2) & 0x03FFFFFF
                elif kind == 'hi':
                    word |= target >> 16
                elif kind == 'lo':
                    word |= target & 0xFFFF
                words.append(word)
        # Trailer: v0 = HALT, a0 = 0, syscall.
        words += [i_type(0x0D, 0, 2, 0), i_type(0x0D, 0, 4, 0), 0x0000000C]
        return words


def emulate_wrapping_add(uc, pc):
    """The guest ABI's ADD/ADDI/SUB: the wrapping result, no trap. Returns False for anything
    else (which then stays an exception)."""
    word = struct.unpack('<I', uc.mem_read(pc, 4))[0]
    op, rs, rt, rd = word >> 26, (word >> 21) & 31, (word >> 16) & 31, (word >> 11) & 31
    a, b = uc.reg_read(REGS[rs]), uc.reg_read(REGS[rt])
    if op == 0 and word & 63 == 0x20:
        dest, value = rd, a + b
    elif op == 0 and word & 63 == 0x22:
        dest, value = rd, a - b
    elif op == 0x08:
        imm = word & 0xFFFF
        dest, value = rt, a + (imm - 0x10000 if imm & 0x8000 else imm)
    else:
        return False
    if dest != 0:
        uc.reg_write(REGS[dest], value & MASK)
    uc.reg_write(M.UC_MIPS_REG_PC, pc + 4)
    return True


def random_case(rng, index):
    gen = Generator(rng)
    words = gen.program(rng.randrange(8, 80))
    regs = [0] + [rng.choice(Generator.EDGE) if rng.random() < 0.3 else rng.getrandbits(32)
                  for _ in range(31)]
    regs[BASE_REG] = DATA_BASE + DATA_SIZE // 2
    hi, lo = rng.getrandbits(32), rng.getrandbits(32)
    seed = rng.getrandbits(32) | 1
    init = data_bytes(seed)

    uc = new_uc()
    code_size = (4 * len(words) + 0xFFF) & ~0xFFF
    uc.mem_map(CODE_BASE, code_size)
    uc.mem_write(CODE_BASE, b''.join(struct.pack('<I', w) for w in words))
    uc.mem_map(DATA_BASE, 0x1000)
    uc.mem_write(DATA_BASE, init)
    for i in range(1, 32):
        uc.reg_write(REGS[i], regs[i])
    uc.reg_write(M.UC_MIPS_REG_HI, hi)
    uc.reg_write(M.UC_MIPS_REG_LO, lo)
    stop = {}
    # Unicorn's PC register is not the faulting instruction inside a trap's hook: track it.
    last = {'pc': CODE_BASE}

    def on_code(uc, address, size, _):
        last['pc'] = address

    def on_intr(uc, intno, _):
        pc = last['pc']
        if intno == EXCP_OVERFLOW and emulate_wrapping_add(uc, pc):
            return
        stop['intno'] = intno
        stop['pc'] = pc
        uc.emu_stop()

    uc.hook_add(UC_HOOK_INTR, on_intr)
    uc.hook_add(UC_HOOK_CODE, on_code)
    end = CODE_BASE + 4 * len(words)
    try:
        uc.emu_start(CODE_BASE, end, count=100_000)
    except UcError as e:
        stop['error'] = str(e)
    final = uc.mem_read(DATA_BASE, DATA_SIZE)
    changed = [[i, final[i]] for i in range(DATA_SIZE) if final[i] != init[i]]
    intno = stop.get('intno')
    outcome = ('halt' if intno == EXCP_SYSCALL else 'trap' if intno == EXCP_TRAP else
               f'exception {intno}' if intno is not None else
               'error: ' + stop.get('error', 'did not stop'))
    return {
        'index': index,
        'code': words,
        'regs': regs,
        'hi': hi,
        'lo': lo,
        'data_seed': seed,
        'expect': {
            'outcome': outcome,
            'pc': stop.get('pc', 0),
            'regs': [uc.reg_read(r) for r in REGS],
            'hi': uc.reg_read(M.UC_MIPS_REG_HI),
            'lo': uc.reg_read(M.UC_MIPS_REG_LO),
            'data_changes': changed,
        },
    }


def run_random(args):
    rng = random.Random(args.seed)
    cases = [random_case(rng, i) for i in range(args.count)]
    with open(args.out, 'w') as f:
        json.dump({'code_base': CODE_BASE, 'data_base': DATA_BASE, 'data_size': DATA_SIZE,
                   'cases': cases}, f)


# ---- precompiles, written independently of Tessera's Rust --------------------------------------

SHA_K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]


def rotr(x, n):
    return ((x >> n) | (x << (32 - n))) & MASK


def sha_extend(w):
    for i in range(16, 64):
        s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
        s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) & MASK


def sha_compress(w, state):
    a, b, c, d, e, f, g, h = state
    for i in range(64):
        t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA_K[i]
              + w[i]) & MASK
        t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) & MASK
        a, b, c, d, e, f, g, h = (t1 + t2) & MASK, a, b, c, (d + t1) & MASK, e, f, g
    return [(x + y) & MASK for x, y in zip(state, [a, b, c, d, e, f, g, h])]


KECCAK_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
KECCAK_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56],
              [27, 20, 39, 8, 14]]  # KECCAK_ROT[x][y]
M64 = (1 << 64) - 1


def keccak_f(lanes):
    """Keccak-f[1600] on 25 lanes indexed x + 5y."""
    rol = lambda v, n: ((v << n) | (v >> (64 - n))) & M64 if n else v
    for rc in KECCAK_RC:
        c = [lanes[x] ^ lanes[x + 5] ^ lanes[x + 10] ^ lanes[x + 15] ^ lanes[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rol(c[(x + 1) % 5], 1) for x in range(5)]
        lanes = [lanes[i] ^ d[i % 5] for i in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rol(lanes[x + 5 * y], KECCAK_ROT[x][y])
        lanes = [b[i] ^ (~b[(i % 5 + 1) % 5 + 5 * (i // 5)] & b[(i % 5 + 2) % 5 + 5 * (i // 5)])
                 for i in range(25)]
        lanes[0] ^= rc
    return lanes


def words(uc, addr, n):
    return list(struct.unpack(f'<{n}I', uc.mem_read(addr, 4 * n)))


def put_words(uc, addr, values):
    uc.mem_write(addr, struct.pack(f'<{len(values)}I', *values))


# ---- whole guests ------------------------------------------------------------------------------

STACK_TOP = 0x7F000000
STACK_SIZE = 1 << 20
HEAP_SIZE = 4 << 20
ELF_STOP = 0x3F000000  # a mapped page past the code: reaching it ends emulation


def run_elf(args):
    with open(args.elf, 'rb') as f:
        elf = ELFFile(f)
        segments = [(s['p_vaddr'], s['p_memsz'], s.data()) for s in elf.iter_segments()
                    if s['p_type'] == 'PT_LOAD' and s['p_memsz'] > 0]
        entry = elf['e_entry']
    inputs = [open(p, 'rb').read() for p in args.stdin]
    poseidon2 = {}
    if args.poseidon2:
        with open(args.poseidon2) as f:
            poseidon2 = {','.join(map(str, v['input'])): v['output'] for v in json.load(f)}

    uc = new_uc()
    regions = []
    for vaddr, memsz, data in segments:
        start, end = vaddr & ~0xFFF, (vaddr + memsz + 0xFFF) & ~0xFFF
        uc.mem_map(start, end - start)
        uc.mem_write(vaddr, data)
    last_end = max((v + m + 0xFFF) & ~0xFFF for v, m, _ in segments)
    uc.mem_map(last_end, HEAP_SIZE)
    uc.mem_map(STACK_TOP - STACK_SIZE, STACK_SIZE)
    uc.mem_map(ELF_STOP, 0x1000)
    writable = [(v, m) for v, m, _ in segments]
    regions = writable + [(last_end, HEAP_SIZE), (STACK_TOP - STACK_SIZE, STACK_SIZE)]

    state = {'stdout': bytearray(), 'stderr': bytearray(), 'public': bytearray(),
             'digest': [0] * 8, 'exit': None, 'cursor': 0, 'error': None}

    def fail(uc, msg):
        state['error'] = msg
        uc.emu_stop()

    last = {'pc': entry}

    def on_code(uc, address, size, _):
        last['pc'] = address

    def on_intr(uc, intno, _):
        pc = last['pc']
        if intno != EXCP_SYSCALL:
            return fail(uc, f'exception {intno} at {pc:#x}')
        v0, a0, a1, a2 = (uc.reg_read(REGS[r]) for r in (2, 4, 5, 6))
        if v0 == 0x00:
            state['exit'] = a0
            state['pc'] = pc
            # emu_stop alone lets the instructions after the syscall run on: jump to the end.
            uc.reg_write(M.UC_MIPS_REG_PC, ELF_STOP)
            return uc.emu_stop()
        if v0 == 0x02:
            data = bytes(uc.mem_read(a1, a2))
            if a0 == 1:
                state['stdout'] += data
            elif a0 == 2:
                state['stderr'] += data
            elif a0 in (3, 13):
                state['public'] += data
            elif a0 == 14:
                inputs.append(data)
        elif v0 == 0x10:
            state['digest'][a0] = a1
        elif v0 == 0xF0:
            if state['cursor'] >= len(inputs):
                return fail(uc, 'not enough input')
            uc.reg_write(REGS[2], len(inputs[state['cursor']]))
        elif v0 == 0xF1:
            uc.mem_write(a0, inputs[state['cursor']])
            state['cursor'] += 1
        elif v0 == 0x30010005:  # SHA_EXTEND
            w = words(uc, a0, 64)
            sha_extend(w)
            put_words(uc, a0, w)
        elif v0 == 0x01010006:  # SHA_COMPRESS
            put_words(uc, a1, sha_compress(words(uc, a0, 64), words(uc, a1, 8)))
        elif v0 == 0x01010009:  # KECCAK_SPONGE
            length = words(uc, a1 + 64, 1)[0]
            data = words(uc, a0, length)
            lanes = [0] * 25
            for block in range(0, length, 36):
                for i in range(18):
                    lanes[i] ^= data[block + 2 * i] | data[block + 2 * i + 1] << 32
                lanes = keccak_f(lanes)
            put_words(uc, a1, [half for lane in lanes[:8] for half in (lane & MASK, lane >> 32)])
        elif v0 == 0x00010030:  # POSEIDON2_PERMUTE: its definition is Plonky3's permutation,
            # so the expected outputs come as vectors computed with it (--poseidon2 FILE).
            state_in = ','.join(map(str, words(uc, a0, 16)))
            if state_in not in poseidon2:
                return fail(uc, f'no POSEIDON2 vector for input [{state_in}]')
            put_words(uc, a0, poseidon2[state_in])
        else:
            return fail(uc, f'syscall {v0:#x} not emulated by the oracle')
        uc.reg_write(M.UC_MIPS_REG_PC, pc + 4)

    uc.hook_add(UC_HOOK_INTR, on_intr)
    uc.hook_add(UC_HOOK_CODE, on_code)
    try:
        uc.emu_start(entry, ELF_STOP, count=args.max_instructions)
    except UcError as e:
        state['error'] = str(e)
    if state['error'] or state['exit'] is None:
        sys.exit(f"unicorn: {state['error'] or 'guest did not halt'}")
    out = {
        'regs': [uc.reg_read(r) for r in REGS],
        'hi': uc.reg_read(M.UC_MIPS_REG_HI),
        'lo': uc.reg_read(M.UC_MIPS_REG_LO),
        'pc': state['pc'],
        'exit_code': state['exit'],
        'stdout': state['stdout'].hex(),
        'stderr': state['stderr'].hex(),
        'public_values': state['public'].hex(),
        'digest': state['digest'],
        'regions': [[start, size, hashlib.sha256(bytes(uc.mem_read(start, size))).hexdigest()]
                    for start, size in regions],
    }
    with open(args.out, 'w') as f:
        json.dump(out, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='mode', required=True)
    r = sub.add_parser('random')
    r.add_argument('--count', type=int, default=10_000)
    r.add_argument('--seed', type=int, default=1)
    r.add_argument('--out', required=True)
    e = sub.add_parser('elf')
    e.add_argument('elf')
    e.add_argument('--stdin', action='append', default=[])
    e.add_argument('--max-instructions', type=int, default=200_000_000)
    e.add_argument('--poseidon2', help='JSON list of {input, output} permutation vectors')
    e.add_argument('--out', required=True)
    args = parser.parse_args()
    run_random(args) if args.mode == 'random' else run_elf(args)


if __name__ == '__main__':
    main()
