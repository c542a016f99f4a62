//! From a traced shard to the record the chips prove: replays every cycle through the CPU's
//! eyes (the ROM's control, register and memory accesses with their timestamps, ALU requests,
//! syscalls), checks each value against the executor's, and fills the memory boundary.
//!
//! The replay appends to the record's vectors in cycle order, and within a cycle in slot order
//! (fetch, rs, rt, ALU, slot 2, slot 3, syscall, CPU lookups): that order is the trace's row
//! order, so it is part of the proof.

use std::collections::HashMap;
use std::sync::Arc;

use tessera_executor::{Checkpoint, CpuEvent, Shard, Syscall, SyscallEvent};
use tessera_mips::{Instruction, Program};

use crate::bus::{bit_field, memory_key, register_key, AluOp, DIGEST_KEY_BASE, EXT_BASE, INS_BASE};
use crate::chips::bit_field;
use crate::chips::cpu::control::{extra, Control, Kind};
use crate::chips::cpu::lanes::merge;
use crate::chips::cpu::trace::{self as cpu_trace, CpuStep, Prev};
use crate::chips::div::{record_division, DivEvent};
use crate::chips::hint;
use crate::chips::keccak_sponge;
use crate::chips::memory::ShardBoundaryRow;
use crate::chips::mul::{record_product, MulEvent};
use crate::chips::poseidon2;
use crate::chips::sha_compress;
use crate::chips::sha_extend;
use crate::chips::syscall::{self, SyscallStep, PROVABLE};
use crate::record::MachineRecord;

/// The most cycles one shard may have: timestamps `4·clk + 3` stay below 2^24.
pub const MAX_SHARD_CYCLES: usize = (1 << 22) - 2;

/// The timestamp of access slot `slot` (0..4) of the shard's cycle `clk`.
pub(crate) fn timestamp(clk: u32, slot: u32) -> u32 {
    4 * clk + slot
}

/// Every key's current value and last timestamp, and the values keys had before the shard:
/// what the replay of each cycle and each precompile call reads and updates.
pub(crate) struct ShardMemory {
    cells: HashMap<u32, (u32, u32)>,
    initial: HashMap<u32, u32>,
}

impl ShardMemory {
    /// Accesses `key` at `ts`, leaving `new` (or the value, for a read); `initial` is the
    /// key's value before the shard, used on its first access.
    pub(crate) fn access(&mut self, key: u32, initial: u32, new: Option<u32>, ts: u32) -> Prev {
        let cell = self.cells.entry(key).or_insert_with(|| {
            self.initial.insert(key, initial);
            (initial, 0)
        });
        let prev = Prev {
            value: cell.0,
            ts: cell.1,
        };
        *cell = (new.unwrap_or(cell.0), ts);
        prev
    }
}

/// The `(value, timestamp)` pair the Syscall chip's rows keep of an access.
pub(crate) fn value_ts(prev: Prev) -> (u32, u32) {
    (prev.value, prev.ts)
}

impl MachineRecord {
    /// The record of a traced shard on its own: shard `index` of its run, whose committed
    /// digest words are `digest` when it starts. The memory boundary's rows come without the
    /// tags of the shards that last wrote them (see [`crate::bridge::RunBridge`], which fills
    /// them in) and the run's boundary is not set.
    pub(crate) fn from_shard(
        program: Arc<Program>,
        shard: &Shard,
        index: u32,
        digest: [u32; 8],
    ) -> Result<Self, String> {
        let (Some(first), Some(last)) = (shard.cpu_events.first(), shard.cpu_events.last()) else {
            return Err("the shard has no cycles".into());
        };
        if shard.cpu_events.len() > MAX_SHARD_CYCLES {
            return Err(format!(
                "{} cycles in one shard, more than the {MAX_SHARD_CYCLES} a shard proof holds",
                shard.cpu_events.len()
            ));
        }
        let mut record = MachineRecord::new(program.clone());
        record.shard_index = index;
        record.start_clock = shard.start.clock;
        record.digest_start = digest;
        record.digest = digest.map(|word| (word, 0));
        record.start = (first.pc, first.next_pc);
        record.end = (last.next_pc, last.next_next_pc);
        let mut replay = Replay {
            program: &program,
            start: &shard.start,
            record,
            memory: ShardMemory {
                cells: HashMap::new(),
                initial: HashMap::new(),
            },
        };
        let mut syscalls = shard.syscall_events.iter();
        for event in &shard.cpu_events {
            replay.replay_cycle(event, &mut syscalls)?;
        }
        Ok(replay.finish_boundary(shard.halted))
    }
}

/// A shard being replayed: the record built so far and every key's state after the cycles
/// replayed so far.
struct Replay<'a> {
    program: &'a Program,
    /// The checkpoint the shard starts from: the registers' values before it.
    start: &'a Checkpoint,
    record: MachineRecord,
    memory: ShardMemory,
}

/// The cycle being replayed, for its timestamps and its errors.
struct Cycle<'a> {
    event: &'a CpuEvent,
    inst: &'a Instruction,
    clk: u32,
}

impl Cycle<'_> {
    fn ts(&self, slot: u32) -> u32 {
        timestamp(self.clk, slot)
    }

    /// Where an error happened, to open its message.
    fn at(&self) -> String {
        format!(
            "cycle {} `{}`",
            self.event.clock,
            self.inst.disassemble(self.event.pc)
        )
    }

    fn alu_op(&self, op: u32) -> Result<AluOp, String> {
        AluOp::from_u32(op).ok_or_else(|| format!("{}: unknown ALU operation {op}", self.at()))
    }
}

impl Replay<'_> {
    /// Register `r`'s value before the shard (32 is HI, 33 LO).
    fn register_initial(&self, r: u32) -> u32 {
        match r {
            0..=31 => self.start.registers[r as usize],
            32 => self.start.hi,
            _ => self.start.lo,
        }
    }

    /// Accesses register `r` at `ts`, leaving `new` (or its value, for a read).
    fn register(&mut self, r: u32, new: Option<u32>, ts: u32) -> Prev {
        let initial = self.register_initial(r);
        self.memory.access(register_key(r), initial, new, ts)
    }

    /// Replays one cycle: its fetch, its four access slots, its ALU requests and its syscall,
    /// each checked against the executor's values, then the CPU row's own lookups.
    fn replay_cycle<'e>(
        &mut self,
        event: &CpuEvent,
        syscalls: &mut impl Iterator<Item = &'e SyscallEvent>,
    ) -> Result<(), String> {
        let clk = (event.clock - self.start.clock) as u32;
        let inst = self
            .program
            .instruction(event.pc)
            .ok_or_else(|| format!("pc {:#x} is outside the code", event.pc))?;
        let control = Control::of(inst, event.pc);
        let cycle = Cycle { event, inst, clk };
        self.record.record_fetch(event.pc);
        let rs = self.register(control.rs, None, cycle.ts(0));
        let rt = self.register(control.rt, None, cycle.ts(1));
        let mut step = CpuStep {
            clk,
            pc: event.pc,
            next_pc: event.next_pc,
            next_next_pc: event.next_next_pc,
            control,
            rs,
            rt,
            mem: None,
            rd: None,
            result: 0,
            alu_a: 0,
            alu_a2: 0,
            halt: false,
        };
        self.record_alu_requests(&cycle, &mut step)?;
        step.mem = self.access_memory_slot(&cycle, &step)?;
        let unkept = unkept_result(&step);
        step.result = unkept.unwrap_or(0);
        if control.has(extra::WRITES_RD) {
            let (prev, result) = self.write_destination(&cycle, &step, unkept)?;
            step.rd = Some((prev, result));
            step.result = result;
        }
        if control.kind == Kind::Syscall {
            let call = syscalls
                .next()
                .filter(|s| s.clock == event.clock)
                .ok_or_else(|| format!("{}: the executor recorded no syscall", cycle.at()))?;
            step.halt = self.record_syscall(clk, call)?;
        }
        let cols = cpu_trace::populate(&step);
        cpu_trace::record_lookups(&cols, &mut self.record.byte_lookups);
        self.record.cpu_steps.push(step);
        Ok(())
    }

    /// Records the cycle's ALU requests and sets the step's ALU results: a HI/LO pair (both
    /// halves of one product or division), an EXT/INS field, or one plain operation.
    fn record_alu_requests(&mut self, cycle: &Cycle, step: &mut CpuStep) -> Result<(), String> {
        let control = step.control;
        let (b, c) = step.operands();
        if control.kind.is_hi_lo() {
            (step.alu_a, step.alu_a2) = self.record_hi_lo(cycle, &control, b, c)?;
        } else if control.kind.asks_alu() {
            let op = control.alu_op;
            let a = if op >= EXT_BASE {
                let insert = op >= INS_BASE;
                let field = op - if insert { INS_BASE } else { EXT_BASE };
                let (pos, size) = (field % 32, field / 32 + 1);
                let a = bit_field::record(&mut self.record, insert, pos, size, b, c);
                debug_assert_eq!(a, bit_field(insert, pos, size, b, c));
                a
            } else {
                self.record.record_alu(cycle.alu_op(op)?, b, c)
            };
            self.record.cpu_alu_requests.push((op, a, b, c));
            step.alu_a = a;
        }
        Ok(())
    }

    /// Records a HI/LO instruction's product or division, sending both halves, and its two
    /// ALU requests (LO's operation in `alu_op`, HI's in `imm`); returns `(lo, hi)`.
    fn record_hi_lo(
        &mut self,
        cycle: &Cycle,
        control: &Control,
        b: u32,
        c: u32,
    ) -> Result<(u32, u32), String> {
        let (lo_op, hi_op) = (cycle.alu_op(control.alu_op)?, cycle.alu_op(control.imm)?);
        let (lo, hi) = (lo_op.apply(b, c), hi_op.apply(b, c));
        if lo_op == AluOp::MulLo {
            record_product(
                &mut self.record,
                MulEvent {
                    signed: hi_op == AluOp::MulHi,
                    b,
                    c,
                    send_lo: true,
                    send_hi: true,
                },
            );
        } else {
            if c == 0 {
                return Err(format!("{}: division by zero", cycle.at()));
            }
            record_division(
                &mut self.record,
                DivEvent {
                    signed: lo_op == AluOp::DivQ,
                    b,
                    c,
                    send_q: true,
                    send_r: true,
                },
            );
        }
        self.record.cpu_alu_requests.push((lo_op as u32, lo, b, c));
        self.record.cpu_alu_requests.push((hi_op as u32, hi, b, c));
        Ok((lo, hi))
    }

    /// Slot 2: a load's or store's memory word (checked against the executor's access), or
    /// HI for a HI/LO instruction; `None` for the rest.
    fn access_memory_slot(
        &mut self,
        cycle: &Cycle,
        step: &CpuStep,
    ) -> Result<Option<(u32, Prev, u32)>, String> {
        let kind = step.control.kind;
        if kind.is_memory() {
            let addr = step.alu_a;
            let access = cycle
                .event
                .memory
                .filter(|m| m.addr == addr & !3)
                .ok_or_else(|| {
                    format!(
                        "{}: the executor recorded no access at {addr:#x}",
                        cycle.at()
                    )
                })?;
            let lane = (addr & 3) as usize;
            let old = access.prev_value;
            let new = if kind.is_load() {
                old
            } else {
                merge(kind, lane, old, step.rt.value, false)
            };
            if new != access.value {
                return Err(format!(
                    "{}: stores {new:#x}, the executor {:#x}",
                    cycle.at(),
                    access.value
                ));
            }
            let prev = self
                .memory
                .access(memory_key(addr), old, Some(new), cycle.ts(2));
            if prev.value != old {
                return Err(format!("{}: memory at {addr:#x} disagrees", cycle.at()));
            }
            Ok(Some((memory_key(addr), prev, new)))
        } else if kind.is_hi_lo() {
            let hi = cycle.event.hi;
            let prev = self
                .memory
                .access(register_key(32), self.start.hi, Some(hi), cycle.ts(2));
            Ok(Some((register_key(32), prev, hi)))
        } else {
            Ok(None)
        }
    }

    /// Slot 3: writes the destination (LO for a HI/LO instruction) with the value the CPU
    /// computes, checked against the executor's; returns the destination's previous access
    /// and its new value.
    fn write_destination(
        &mut self,
        cycle: &Cycle,
        step: &CpuStep,
        unkept: Option<u32>,
    ) -> Result<(Prev, u32), String> {
        let rd = step.control.rd;
        let prev = self.register(rd, None, cycle.ts(3));
        let result = match unkept {
            Some(value) => value,
            None => destination_value(cycle, step, prev)?,
        };
        let event = cycle.event;
        let expected = match rd {
            32 => event.hi,
            33 => event.lo,
            _ => event.result,
        };
        if result != expected {
            return Err(format!(
                "{}: the CPU computes {result:#x}, the executor {expected:#x}",
                cycle.at()
            ));
        }
        self.memory
            .cells
            .insert(register_key(rd), (result, cycle.ts(3)));
        Ok((prev, result))
    }

    /// The boundary: every key the shard touches, its value before and after (the digest's
    /// keys go to the record's digest instead); and the exit code if the shard halts.
    fn finish_boundary(self, halted: bool) -> MachineRecord {
        let Replay {
            mut record, memory, ..
        } = self;
        let mut boundary = Vec::with_capacity(memory.cells.len());
        for (&key, &(value, ts)) in &memory.cells {
            if key >= DIGEST_KEY_BASE {
                record.digest[(key - DIGEST_KEY_BASE) as usize] = (value, ts);
                continue;
            }
            boundary.push(ShardBoundaryRow {
                key,
                initial: memory.initial[&key],
                prev_tag: 0,
                value,
                ts,
            });
        }
        boundary.sort_unstable_by_key(|r| r.key);
        record.memory_boundary = boundary;
        if halted {
            record.exit_code = record
                .syscall_steps
                .last()
                .filter(|s| s.call == Syscall::Halt)
                .map(|s| s.a0.0);
        }
        record
    }
}

/// What the instruction computes for its destination whether or not it keeps it: the CPU's
/// constraints bind a link, a loaded value and SC's flag even when the destination is `$zero`
/// (which the ROM does not write).
fn unkept_result(step: &CpuStep) -> Option<u32> {
    let kind = step.control.kind;
    if step.control.has(extra::LINK) {
        Some(step.pc.wrapping_add(8))
    } else if kind.is_load() {
        let (_, old, _) = step.mem.expect("loads access memory");
        let lane = (step.alu_a & 3) as usize;
        let sign_byte = match kind {
            Kind::Lb => old.value.to_le_bytes()[lane],
            Kind::Lh => old.value.to_le_bytes()[lane + 1],
            _ => 0,
        };
        Some(merge(
            kind,
            lane,
            old.value,
            step.rt.value,
            sign_byte >= 0x80,
        ))
    } else if kind == Kind::Sc {
        Some(1)
    } else {
        None
    }
}

/// The destination's new value for the kinds without an unkept result; `prev` is the
/// destination's previous access (LO's, for MADD/MSUB, whose HI is checked here too).
fn destination_value(cycle: &Cycle, step: &CpuStep, prev: Prev) -> Result<u32, String> {
    let kind = step.control.kind;
    Ok(match kind {
        Kind::Alu | Kind::HiLo => step.alu_a,
        Kind::MAdd | Kind::MSub => {
            let old_hi = step.mem.map_or(0, |(_, p, _)| p.value);
            let acc = (old_hi as u64) << 32 | prev.value as u64;
            let product = (step.alu_a2 as u64) << 32 | step.alu_a as u64;
            let sum = if kind == Kind::MAdd {
                acc.wrapping_add(product)
            } else {
                acc.wrapping_sub(product)
            };
            if (sum >> 32) as u32 != cycle.event.hi {
                return Err(format!("{}: HI disagrees", cycle.at()));
            }
            sum as u32
        }
        Kind::Move => step.rs.value,
        Kind::Movz | Kind::Movn => {
            let (b, c) = step.operands();
            let moves = (b == c) == (kind == Kind::Movz);
            if moves {
                step.rs.value
            } else {
                prev.value
            }
        }
        Kind::Lui => step.control.imm,
        _ => return Err(format!("{}: writes a register unexpectedly", cycle.at())),
    })
}

/// The Syscall chip's rows and the precompiles' calls. Each call reads `$v0`, `$a0` and `$a1`
/// in slots 0..3 and makes its own accesses in slots 2 and 3 (reads before writes).
impl Replay<'_> {
    /// Records the Syscall chip's row (and its precompile's call, or HINT_READ's words) for
    /// `call`; returns whether it halts.
    fn record_syscall(&mut self, clk: u32, call: &SyscallEvent) -> Result<bool, String> {
        let kind = Syscall::from_number(call.number)
            .filter(|s| PROVABLE.contains(s))
            .ok_or_else(|| {
                format!(
                    "syscall {:#x} at cycle {} cannot be proven yet: no chip answers it (deferred \
                     proofs are not proven yet)",
                    call.number, call.clock
                )
            })?;
        let v0 = value_ts(self.register(2, Some(call.result), timestamp(clk, 0)));
        let a0 = value_ts(self.register(4, None, timestamp(clk, 1)));
        let a1 = value_ts(self.register(5, None, timestamp(clk, 2)));
        if v0.0 != call.number || a0.0 != call.args[0] || a1.0 != call.args[1] {
            return Err(format!(
                "syscall at cycle {}: registers disagree",
                call.clock
            ));
        }
        let mut step = SyscallStep {
            clk,
            call: kind,
            v0,
            v0_new: call.result,
            a0,
            a1,
            digest: (0, 0),
            a2: (0, 0),
        };
        match kind {
            Syscall::Write => {
                step.a2 = value_ts(self.register(6, None, timestamp(clk, 3)));
                if step.a2.0 != call.args[2] {
                    return Err(format!("WRITE at cycle {}: $a2 disagrees", call.clock));
                }
            }
            Syscall::Commit => step.digest = self.commit(clk, a0.0, a1.0),
            // Each precompile replays its own accesses (slots 2 and 3) beside its chip.
            Syscall::HintRead => hint::replay(&mut self.record, &mut self.memory, clk, call),
            Syscall::ShaExtend => {
                sha_extend::replay(&mut self.record, &mut self.memory, clk, call)?
            }
            Syscall::ShaCompress => {
                sha_compress::replay(&mut self.record, &mut self.memory, clk, call)?
            }
            Syscall::KeccakSponge => {
                keccak_sponge::replay(&mut self.record, &mut self.memory, clk, call)?
            }
            Syscall::Poseidon2Permute => {
                poseidon2::replay(&mut self.record, &mut self.memory, clk, call)?
            }
            _ => {}
        }
        syscall::record_lookups(&step, &mut self.record);
        self.record.syscall_steps.push(step);
        Ok(kind == Syscall::Halt)
    }

    /// COMMIT: writes digest word `index` with `word`; returns the word's previous access.
    fn commit(&mut self, clk: u32, index: u32, word: u32) -> (u32, u32) {
        let initial = self
            .record
            .digest_start
            .get(index as usize)
            .copied()
            .unwrap_or(0);
        let prev = self.memory.access(
            DIGEST_KEY_BASE + index,
            initial,
            Some(word),
            timestamp(clk, 3),
        );
        value_ts(prev)
    }
}
