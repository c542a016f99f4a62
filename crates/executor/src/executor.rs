//! The engine: one instruction loop, monomorphised for fast mode (`TRACE = false`, records
//! nothing) and tracing mode (`TRACE = true`, records events and shards).

use tessera_mips::{Instruction, Opcode, Program, JUMP_LIMIT, MEMORY_LIMIT};

use crate::error::{ExecError, ExecErrorKind};
use crate::events::{Checkpoint, CpuEvent, MemoryInit, MemoryRecord, Shard, SyscallEvent};
use crate::memory::Memory;

/// Default cycle limit: about ten seconds of fast-mode execution on a laptop-class core.
pub const DEFAULT_MAX_CYCLES: u64 = 1 << 30;
/// Default number of cycles per shard.
pub const DEFAULT_SHARD_SIZE: u64 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutorConfig {
    /// The run fails when the guest has not halted after this many cycles.
    pub max_cycles: u64,
    /// Shards hold at most this many cycles (at least 2; one fewer when the last would be a
    /// branch, whose delay slot must stay in the same shard).
    pub shard_size: u64,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        ExecutorConfig {
            max_cycles: DEFAULT_MAX_CYCLES,
            shard_size: DEFAULT_SHARD_SIZE,
        }
    }
}

/// How a run ended (successful or not, as far as the guest's exit code goes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub exit_code: u32,
    pub cycles: u64,
    pub shards: usize,
}

/// The guest's input queue and output streams.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Io {
    /// Input buffers, in order; `input_cursor` is the next one HINT_READ returns.
    pub inputs: Vec<Vec<u8>>,
    pub input_cursor: usize,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub public_values: Vec<u8>,
    /// Words committed with COMMIT: the guest's SHA-256 digest of its public values.
    pub committed_digest: [u32; 8],
    pub deferred_proofs_digest: [u32; 8],
    /// (verifying-key digest, public-values digest) of each VERIFY_PROOF call.
    pub verified_proofs: Vec<([u32; 8], [u8; 32])>,
}

impl Io {
    /// The committed digest as 32 bytes (each word little-endian, as the guest hashed them).
    pub fn committed_digest_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, w) in out.chunks_exact_mut(4).zip(self.committed_digest) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Whether the committed digest is the SHA-256 of the public-value bytes written.
    pub fn digest_matches_public_values(&self) -> bool {
        use sha2::{Digest, Sha256};
        Sha256::digest(&self.public_values).as_slice() == self.committed_digest_bytes()
    }
}

/// Tracing-mode state: per-word last-access clocks and the shard being built.
struct Tracing {
    last_clock: Vec<u64>,
    /// Memory records of the instruction being executed.
    pending: Vec<MemoryRecord>,
    start: Checkpoint,
    first_touch: Vec<MemoryInit>,
    input_start: usize,
    input_end: usize,
    cpu_events: Vec<CpuEvent>,
    syscall_events: Vec<SyscallEvent>,
}

pub struct Executor<'p> {
    pub(crate) program: &'p Program,
    config: ExecutorConfig,
    pub(crate) regs: [u32; 32],
    hi: u32,
    lo: u32,
    pc: u32,
    next_pc: u32,
    in_delay_slot: bool,
    clock: u64,
    pub(crate) memory: Memory,
    pub(crate) io: Io,
    pub(crate) exit_code: Option<u32>,
    shard_index: usize,
    shard_cycles: u64,
    /// Re-execution stops (successfully) at this clock.
    stop_clock: Option<u64>,
    tracing: Option<Box<Tracing>>,
}

impl<'p> Executor<'p> {
    /// An executor at the program's entry with the ELF loaded and `inputs` queued.
    pub fn new(program: &'p Program, inputs: Vec<Vec<u8>>, config: ExecutorConfig) -> Self {
        Self::with_memory(program, inputs, config, Memory::with_program(program))
    }

    fn with_memory(
        program: &'p Program,
        inputs: Vec<Vec<u8>>,
        config: ExecutorConfig,
        memory: Memory,
    ) -> Self {
        Executor {
            program,
            config: ExecutorConfig {
                shard_size: config.shard_size.max(2),
                ..config
            },
            regs: [0; 32],
            hi: 0,
            lo: 0,
            pc: program.entry,
            next_pc: program.entry.wrapping_add(4),
            in_delay_slot: false,
            clock: 0,
            memory,
            io: Io {
                inputs,
                ..Io::default()
            },
            exit_code: None,
            shard_index: 0,
            shard_cycles: 0,
            stop_clock: None,
            tracing: None,
        }
    }

    /// Sets a register before the run (the ABI starts them at zero; tests start elsewhere).
    pub fn set_register(&mut self, register: u8, value: u32) {
        if register != 0 {
            self.regs[(register & 31) as usize] = value;
        }
    }

    pub fn set_hi_lo(&mut self, hi: u32, lo: u32) {
        (self.hi, self.lo) = (hi, lo);
    }

    pub fn io(&self) -> &Io {
        &self.io
    }

    pub fn registers(&self) -> &[u32; 32] {
        &self.regs
    }

    pub fn hi_lo(&self) -> (u32, u32) {
        (self.hi, self.lo)
    }

    pub fn memory(&self) -> &Memory {
        &self.memory
    }

    pub fn cycles(&self) -> u64 {
        self.clock
    }

    /// Runs to the end, recording nothing.
    pub fn run_fast(&mut self) -> Result<Outcome, ExecError> {
        self.run::<false>(&mut |_| {})
    }

    /// Runs to the end, handing each finished shard to `sink` in order. The shard's buffers are
    /// reused for the next one (fresh pages cost more than recording), so `sink` copies what
    /// it keeps. When the run fails, the failing shard's cycles so far are handed over too,
    /// before the error is returned.
    pub fn run_traced(&mut self, mut sink: impl FnMut(&Shard)) -> Result<Outcome, ExecError> {
        self.start_tracing();
        self.run::<true>(&mut sink)
    }

    fn start_tracing(&mut self) {
        let capacity = self.config.shard_size.min(1 << 22) as usize;
        self.tracing = Some(Box::new(Tracing {
            last_clock: vec![0u64; (MEMORY_LIMIT / 4) as usize],
            pending: Vec::with_capacity(64),
            start: self.checkpoint_registers(),
            first_touch: Vec::new(),
            input_start: self.io.input_cursor,
            input_end: self.io.input_cursor,
            cpu_events: Vec::with_capacity(capacity),
            syscall_events: Vec::new(),
        }));
    }

    fn checkpoint_registers(&self) -> Checkpoint {
        Checkpoint {
            clock: self.clock,
            pc: self.pc,
            next_pc: self.next_pc,
            registers: self.regs,
            hi: self.hi,
            lo: self.lo,
            memory: Vec::new(),
            inputs: Vec::new(),
        }
    }

    fn run<const TRACE: bool>(
        &mut self,
        sink: &mut dyn FnMut(&Shard),
    ) -> Result<Outcome, ExecError> {
        let shard_size = self.config.shard_size;
        while self.exit_code.is_none() {
            if self.stop_clock == Some(self.clock) {
                break;
            }
            if self.clock >= self.config.max_cycles {
                let kind = ExecErrorKind::CycleLimit(self.config.max_cycles);
                return Err(self.fail::<TRACE>(kind, sink));
            }
            if self.shard_cycles + 1 >= shard_size {
                // Cut before a branch in the shard's last slot, so its delay slot stays with it.
                let branch_last = self.shard_cycles + 1 == shard_size
                    && self
                        .program
                        .instruction(self.pc)
                        .is_some_and(|i| i.opcode.has_delay_slot());
                if self.shard_cycles == shard_size || branch_last {
                    self.cut_shard::<TRACE>(sink);
                }
            }
            if let Err(kind) = self.step::<TRACE>() {
                return Err(self.fail::<TRACE>(kind, sink));
            }
            self.shard_cycles += 1;
        }
        if TRACE {
            self.emit_shard(sink);
        }
        Ok(Outcome {
            exit_code: self.exit_code.unwrap_or(0),
            cycles: self.clock,
            shards: self.shard_index + 1,
        })
    }

    /// The error for `kind` at the current pc. In tracing mode the cycles run so far in the
    /// current shard are handed to `sink` first (as a shard that neither halted nor ends
    /// cleanly), so that a trace shows what led to the failure.
    fn fail<const TRACE: bool>(
        &mut self,
        kind: ExecErrorKind,
        sink: &mut dyn FnMut(&Shard),
    ) -> ExecError {
        let error = self.error(kind);
        if TRACE {
            self.tracing.as_mut().expect("tracing mode").pending.clear();
            self.emit_shard(sink);
        }
        error
    }

    fn error(&self, kind: ExecErrorKind) -> ExecError {
        let assembly = match self.program.instruction(self.pc) {
            Some(i) => i.disassemble(self.pc),
            None => "?".into(),
        };
        ExecError {
            cycle: self.clock,
            pc: self.pc,
            assembly,
            kind,
        }
    }

    fn cut_shard<const TRACE: bool>(&mut self, sink: &mut dyn FnMut(&Shard)) {
        if TRACE {
            self.emit_shard(sink);
            let start = self.checkpoint_registers();
            let tracing = self.tracing.as_mut().expect("tracing mode");
            tracing.input_start = self.io.input_cursor;
            tracing.input_end = self.io.input_cursor;
            tracing.start = start;
        }
        self.shard_index += 1;
        self.shard_cycles = 0;
    }

    /// Hands the shard being traced to `sink`, then takes its buffers back, emptied.
    fn emit_shard(&mut self, sink: &mut dyn FnMut(&Shard)) {
        let shard = self.finish_shard();
        sink(&shard);
        let tracing = self.tracing.as_mut().expect("tracing mode");
        let Shard {
            mut cpu_events,
            mut syscall_events,
            start,
            ..
        } = shard;
        let mut first_touch = start.memory;
        cpu_events.clear();
        syscall_events.clear();
        first_touch.clear();
        tracing.cpu_events = cpu_events;
        tracing.syscall_events = syscall_events;
        tracing.first_touch = first_touch;
    }

    /// Closes the shard being traced, taking its buffers.
    fn finish_shard(&mut self) -> Shard {
        let tracing = self.tracing.as_mut().expect("tracing mode");
        let mut start = std::mem::take(&mut tracing.start);
        let mut memory = std::mem::take(&mut tracing.first_touch);
        memory.sort_unstable_by_key(|m| m.addr);
        start.memory = memory;
        let end = tracing.input_end.min(self.io.inputs.len());
        start.inputs = self.io.inputs[tracing.input_start.min(end)..end].to_vec();
        Shard {
            index: self.shard_index,
            start,
            cpu_events: std::mem::take(&mut tracing.cpu_events),
            syscall_events: std::mem::take(&mut tracing.syscall_events),
            end_pc: self.pc,
            end_next_pc: self.next_pc,
            end_registers: self.regs,
            end_hi: self.hi,
            end_lo: self.lo,
            halted: self.exit_code.is_some(),
        }
    }

    /// Reads (when `new` is `None`) or writes the aligned word at `addr`, returning its previous
    /// value. In tracing mode the access is recorded. `addr` has been range-checked.
    #[inline(always)]
    pub(crate) fn access<const TRACE: bool>(&mut self, addr: u32, new: Option<u32>) -> u32 {
        let prev = self.memory.word(addr);
        if let Some(value) = new {
            self.memory.set_word(addr, value);
        }
        if TRACE {
            let clock = self.clock;
            let tracing = self.tracing.as_mut().expect("tracing mode");
            let slot = &mut tracing.last_clock[(addr >> 2) as usize];
            let prev_clock = *slot;
            *slot = clock;
            if prev_clock <= tracing.start.clock {
                tracing.first_touch.push(MemoryInit {
                    addr,
                    value: prev,
                    prev_clock,
                });
            }
            tracing.pending.push(MemoryRecord {
                addr,
                value: new.unwrap_or(prev),
                prev_value: prev,
                prev_clock,
            });
        }
        prev
    }

    /// Checks that `[addr, addr + len)` lies in memory.
    pub(crate) fn check_range(addr: u32, len: u32) -> Result<(), ExecErrorKind> {
        if addr as u64 + len as u64 > MEMORY_LIMIT as u64 {
            return Err(ExecErrorKind::OutOfRange { addr, len });
        }
        Ok(())
    }

    /// The effective address of a load or store, checked for range and alignment.
    #[inline(always)]
    fn address(base: u32, offset: u32, size: u32) -> Result<u32, ExecErrorKind> {
        let addr = base.wrapping_add(offset);
        if addr & (size - 1) != 0 {
            return Err(ExecErrorKind::Unaligned { addr, size });
        }
        if addr >= MEMORY_LIMIT {
            return Err(ExecErrorKind::OutOfRange { addr, len: size });
        }
        Ok(addr)
    }

    #[inline(always)]
    fn step<const TRACE: bool>(&mut self) -> Result<(), ExecErrorKind> {
        use Opcode::*;
        let pc = self.pc;
        let inst: Instruction = match self.program.instruction(pc) {
            Some(i) => *i,
            None => return Err(ExecErrorKind::PcOutsideCode),
        };
        let is_branch = inst.opcode.has_delay_slot();
        if self.in_delay_slot && is_branch {
            return Err(ExecErrorKind::BranchInDelaySlot);
        }
        self.clock += 1;
        let rs = self.regs[inst.rs as usize];
        let rt = self.regs[inst.rt as usize];
        let imm = inst.imm;
        let delay_slot = self.next_pc;
        let mut next_next = delay_slot.wrapping_add(4);
        let branch_target = delay_slot.wrapping_add(imm);
        let link = pc.wrapping_add(8);
        // Destination register and value written; register 0 is reset after the write.
        let (mut dest, mut value) = (0u8, 0u32);
        macro_rules! set {
            ($reg:expr, $v:expr) => {{
                dest = $reg;
                value = $v;
            }};
        }
        macro_rules! branch {
            ($cond:expr) => {{
                if $cond {
                    next_next = branch_target;
                }
            }};
        }
        macro_rules! trap {
            ($cond:expr) => {{
                if $cond {
                    return Err(ExecErrorKind::Trap(imm));
                }
            }};
        }
        match inst.opcode {
            Add | Addu => set!(inst.rd, rs.wrapping_add(rt)),
            Sub | Subu => set!(inst.rd, rs.wrapping_sub(rt)),
            And => set!(inst.rd, rs & rt),
            Or => set!(inst.rd, rs | rt),
            Xor => set!(inst.rd, rs ^ rt),
            Nor => set!(inst.rd, !(rs | rt)),
            Slt => set!(inst.rd, ((rs as i32) < (rt as i32)) as u32),
            Sltu => set!(inst.rd, (rs < rt) as u32),
            Sllv => set!(inst.rd, rt << (rs & 31)),
            Srlv => set!(inst.rd, rt >> (rs & 31)),
            Srav => set!(inst.rd, ((rt as i32) >> (rs & 31)) as u32),
            Rotrv => set!(inst.rd, rt.rotate_right(rs & 31)),
            Sll => set!(inst.rd, rt << imm),
            Srl => set!(inst.rd, rt >> imm),
            Sra => set!(inst.rd, ((rt as i32) >> imm) as u32),
            Rotr => set!(inst.rd, rt.rotate_right(imm)),
            Movz => set!(
                inst.rd,
                if rt == 0 {
                    rs
                } else {
                    self.regs[inst.rd as usize]
                }
            ),
            Movn => set!(
                inst.rd,
                if rt != 0 {
                    rs
                } else {
                    self.regs[inst.rd as usize]
                }
            ),
            Mul => set!(inst.rd, rs.wrapping_mul(rt)),
            Mult => {
                let p = (rs as i32 as i64).wrapping_mul(rt as i32 as i64) as u64;
                (self.hi, self.lo) = ((p >> 32) as u32, p as u32);
            }
            Multu => {
                let p = rs as u64 * rt as u64;
                (self.hi, self.lo) = ((p >> 32) as u32, p as u32);
            }
            Div => {
                if rt == 0 {
                    return Err(ExecErrorKind::DivisionByZero);
                }
                let (a, b) = (rs as i32, rt as i32);
                (self.hi, self.lo) = (a.wrapping_rem(b) as u32, a.wrapping_div(b) as u32);
            }
            Divu => {
                if rt == 0 {
                    return Err(ExecErrorKind::DivisionByZero);
                }
                (self.hi, self.lo) = (rs % rt, rs / rt);
            }
            Madd | Maddu | Msub | Msubu => {
                let acc = ((self.hi as u64) << 32) | self.lo as u64;
                let product = match inst.opcode {
                    Madd | Msub => (rs as i32 as i64).wrapping_mul(rt as i32 as i64) as u64,
                    _ => rs as u64 * rt as u64,
                };
                let acc = match inst.opcode {
                    Madd | Maddu => acc.wrapping_add(product),
                    _ => acc.wrapping_sub(product),
                };
                (self.hi, self.lo) = ((acc >> 32) as u32, acc as u32);
            }
            Mfhi => set!(inst.rd, self.hi),
            Mflo => set!(inst.rd, self.lo),
            Mthi => self.hi = rs,
            Mtlo => self.lo = rs,
            Clz => set!(inst.rd, rs.leading_zeros()),
            Clo => set!(inst.rd, rs.leading_ones()),
            Seb => set!(inst.rd, rt as u8 as i8 as i32 as u32),
            Seh => set!(inst.rd, rt as u16 as i16 as i32 as u32),
            Wsbh => set!(
                inst.rd,
                ((rt & 0x00FF_00FF) << 8) | ((rt >> 8) & 0x00FF_00FF)
            ),
            Ext => {
                let mask = u32::MAX >> (32 - inst.rd as u32);
                set!(inst.rt, (rs >> imm) & mask)
            }
            Ins => {
                let mask = (u32::MAX >> (32 - inst.rd as u32)) << imm;
                set!(inst.rt, (rt & !mask) | ((rs << imm) & mask))
            }
            Addi | Addiu => set!(inst.rt, rs.wrapping_add(imm)),
            Slti => set!(inst.rt, ((rs as i32) < (imm as i32)) as u32),
            Sltiu => set!(inst.rt, (rs < imm) as u32),
            Andi => set!(inst.rt, rs & imm),
            Ori => set!(inst.rt, rs | imm),
            Xori => set!(inst.rt, rs ^ imm),
            Lui => set!(inst.rt, imm),
            Beq => branch!(rs == rt),
            Bne => branch!(rs != rt),
            Blez => branch!((rs as i32) <= 0),
            Bgtz => branch!((rs as i32) > 0),
            Bltz => branch!((rs as i32) < 0),
            Bgez => branch!((rs as i32) >= 0),
            Bltzal => {
                branch!((rs as i32) < 0);
                set!(31, link)
            }
            Bgezal => {
                branch!((rs as i32) >= 0);
                set!(31, link)
            }
            J => next_next = (delay_slot & 0xF000_0000) | imm,
            Jal => {
                next_next = (delay_slot & 0xF000_0000) | imm;
                set!(31, link)
            }
            Jr => next_next = rs,
            Jalr => {
                next_next = rs;
                set!(inst.rd, link)
            }
            Lb | Lbu => {
                let addr = Self::address(rs, imm, 1)?;
                let byte = (self.access::<TRACE>(addr & !3, None) >> (8 * (addr & 3))) as u8;
                let v = if inst.opcode == Lb {
                    byte as i8 as i32 as u32
                } else {
                    byte as u32
                };
                set!(inst.rt, v)
            }
            Lh | Lhu => {
                let addr = Self::address(rs, imm, 2)?;
                let half = (self.access::<TRACE>(addr & !3, None) >> (8 * (addr & 3))) as u16;
                let v = if inst.opcode == Lh {
                    half as i16 as i32 as u32
                } else {
                    half as u32
                };
                set!(inst.rt, v)
            }
            Lw | Ll => {
                let addr = Self::address(rs, imm, 4)?;
                set!(inst.rt, self.access::<TRACE>(addr, None))
            }
            Lwl | Lwr => {
                let addr = Self::address(rs, imm, 1)?;
                let word = self.access::<TRACE>(addr & !3, None);
                let k = addr & 3;
                let v = if inst.opcode == Lwl {
                    let shift = 8 * (3 - k);
                    (word << shift) | (rt & (((1u64 << shift) - 1) as u32))
                } else {
                    let shift = 8 * k;
                    (word >> shift) | (rt & !(u32::MAX >> shift))
                };
                set!(inst.rt, v)
            }
            Sb => {
                let addr = Self::address(rs, imm, 1)?;
                let shift = 8 * (addr & 3);
                let old = self.memory.word(addr & !3);
                let new = (old & !(0xFF << shift)) | ((rt & 0xFF) << shift);
                self.access::<TRACE>(addr & !3, Some(new));
            }
            Sh => {
                let addr = Self::address(rs, imm, 2)?;
                let shift = 8 * (addr & 3);
                let old = self.memory.word(addr & !3);
                let new = (old & !(0xFFFF << shift)) | ((rt & 0xFFFF) << shift);
                self.access::<TRACE>(addr & !3, Some(new));
            }
            Sw => {
                let addr = Self::address(rs, imm, 4)?;
                self.access::<TRACE>(addr, Some(rt));
            }
            Sc => {
                let addr = Self::address(rs, imm, 4)?;
                self.access::<TRACE>(addr, Some(rt));
                set!(inst.rt, 1)
            }
            Swl | Swr => {
                let addr = Self::address(rs, imm, 1)?;
                let k = addr & 3;
                let old = self.memory.word(addr & !3);
                let new = if inst.opcode == Swl {
                    let shift = 8 * (3 - k);
                    (old & !(u32::MAX >> shift)) | (rt >> shift)
                } else {
                    let shift = 8 * k;
                    (old & (((1u64 << shift) - 1) as u32)) | (rt << shift)
                };
                self.access::<TRACE>(addr & !3, Some(new));
            }
            Sync | Pref => {}
            Syscall => {
                let (number, args) = (self.regs[2], [self.regs[4], self.regs[5], self.regs[6]]);
                if let Some(result) = self.syscall::<TRACE>(number, args)? {
                    set!(2, result);
                }
                if TRACE {
                    let tracing = self.tracing.as_mut().expect("tracing mode");
                    let memory = std::mem::take(&mut tracing.pending);
                    tracing.syscall_events.push(SyscallEvent {
                        clock: self.clock,
                        number,
                        args,
                        result: if dest == 2 { value } else { self.regs[2] },
                        memory,
                    });
                }
            }
            Break => return Err(ExecErrorKind::Break(imm)),
            Teq => trap!(rs == rt),
            Tne => trap!(rs != rt),
            Tge => trap!((rs as i32) >= (rt as i32)),
            Tgeu => trap!(rs >= rt),
            Tlt => trap!((rs as i32) < (rt as i32)),
            Tltu => trap!(rs < rt),
            Teqi => trap!(rs == imm),
            Tnei => trap!(rs != imm),
            Tgei => trap!((rs as i32) >= (imm as i32)),
            Tgeiu => trap!(rs >= imm),
            Tlti => trap!((rs as i32) < (imm as i32)),
            Tltiu => trap!(rs < imm),
            Invalid => return Err(ExecErrorKind::InvalidInstruction(inst.word)),
        }
        if is_branch && next_next >= JUMP_LIMIT {
            return Err(ExecErrorKind::JumpOutOfRange(next_next));
        }
        self.regs[dest as usize] = value;
        self.regs[0] = 0;
        if TRACE {
            let tracing = self.tracing.as_mut().expect("tracing mode");
            let memory = tracing.pending.pop();
            debug_assert!(tracing.pending.is_empty());
            tracing.cpu_events.push(CpuEvent {
                clock: self.clock,
                pc,
                next_pc: delay_slot,
                next_next_pc: next_next,
                word: inst.word,
                rs_value: rs,
                rt_value: rt,
                result: value,
                hi: self.hi,
                lo: self.lo,
                memory,
            });
        }
        self.in_delay_slot = is_branch;
        self.pc = delay_slot;
        self.next_pc = next_next;
        Ok(())
    }

    /// Notes, in tracing mode, that the shard read input buffers up to (not including) `end`.
    pub(crate) fn note_input_use(&mut self, end: usize) {
        if let Some(tracing) = self.tracing.as_mut() {
            tracing.input_end = tracing.input_end.max(end);
        }
    }
}

/// Re-executes one shard alone from its starting checkpoint, for `cycles` cycles (or until the
/// guest halts), in tracing mode. An honest checkpoint reproduces the original shard exactly.
pub fn reexecute_shard(
    program: &Program,
    index: usize,
    start: &Checkpoint,
    cycles: u64,
) -> Result<Shard, ExecError> {
    // Only the words the shard touches come from the checkpoint; the ELF image is not loaded.
    let mut executor = Executor::with_memory(
        program,
        start.inputs.clone(),
        ExecutorConfig {
            max_cycles: u64::MAX,
            shard_size: u64::MAX,
        },
        Memory::new(),
    );
    executor.regs = start.registers;
    executor.hi = start.hi;
    executor.lo = start.lo;
    executor.pc = start.pc;
    executor.next_pc = start.next_pc;
    executor.clock = start.clock;
    // A checkpoint is taken only outside delay slots.
    executor.in_delay_slot = false;
    executor.shard_index = index;
    executor.stop_clock = Some(start.clock + cycles);
    executor.start_tracing();
    let tracing = executor.tracing.as_mut().expect("tracing mode");
    for init in &start.memory {
        executor.memory.set_word(init.addr, init.value);
        tracing.last_clock[(init.addr >> 2) as usize] = init.prev_clock;
    }
    let mut shard = None;
    executor.run::<true>(&mut |s| shard = Some(s.clone()))?;
    Ok(shard.expect("a traced run always ends with a shard"))
}
