//! From a traced shard to the record the chips prove: replays every cycle through the CPU's
//! eyes (the ROM's control, register and memory accesses with their timestamps, ALU requests,
//! syscalls), checks each value against the executor's, and fills the memory boundary.

use std::collections::HashMap;
use std::sync::Arc;

use tessera_executor::{poseidon2_permute, Shard, Syscall, SyscallEvent};
use tessera_mips::Program;

use crate::bus::{bit_field, memory_key, register_key, AluOp, DIGEST_KEY_BASE, EXT_BASE, INS_BASE};
use crate::chips::bit_field;
use crate::chips::cpu::control::{Control, Kind};
use crate::chips::cpu::lanes::merge;
use crate::chips::cpu::trace::{self as cpu_trace, CpuStep, Prev};
use crate::chips::div::{record_division, DivEvent};
use crate::chips::hint::{self, HintWord};
use crate::chips::keccak_sponge::{self, KeccakCall};
use crate::chips::memory::ShardBoundaryRow;
use crate::chips::mul::{record_product, MulEvent};
use crate::chips::poseidon2::{self, Poseidon2Call, WIDTH};
use crate::chips::sha_compress::{self, ShaCompressCall};
use crate::chips::sha_extend::{self, ShaExtendRow};
use crate::chips::syscall::{self, SyscallStep, PROVABLE};
use crate::record::MachineRecord;

/// The most cycles one shard may have: timestamps `4·clk + 3` stay below 2^24.
pub const MAX_SHARD_CYCLES: usize = (1 << 22) - 2;

/// Every key's current value and last timestamp, and the values keys had before the shard.
struct MemoryState {
    cells: HashMap<u32, (u32, u32)>,
    initial: HashMap<u32, u32>,
}

impl MemoryState {
    /// Accesses `key` at `ts`, leaving `new` (or the value, for a read); `initial` is the
    /// key's value before the shard, used on its first access.
    fn access(&mut self, key: u32, initial: u32, new: Option<u32>, ts: u32) -> Prev {
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

impl MachineRecord {
    /// The record of a traced shard on its own: shard `index` of its run, whose committed
    /// digest words are `digest` when it starts. The memory boundary's rows come without the
    /// tags of the shards that last wrote them (see [`crate::bridge::RunBridge`], which fills
    /// them in) and the run's boundary is not set.
    pub fn from_shard(
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
        let start = &shard.start;
        let register_initial = |r: u32| match r {
            0..=31 => start.registers[r as usize],
            32 => start.hi,
            _ => start.lo,
        };
        let mut memory = MemoryState {
            cells: HashMap::new(),
            initial: HashMap::new(),
        };
        let mut syscalls = shard.syscall_events.iter();

        for event in &shard.cpu_events {
            let clk = (event.clock - start.clock) as u32;
            let ts = |slot: u32| 4 * clk + slot;
            let inst = program
                .instruction(event.pc)
                .ok_or_else(|| format!("pc {:#x} is outside the code", event.pc))?;
            let control = Control::of(inst, event.pc);
            let kind = control.kind;
            let at = || format!("cycle {} `{}`", event.clock, inst.disassemble(event.pc));
            record.record_fetch(event.pc);
            let mut reg = |r: u32, new: Option<u32>, slot: u32| {
                memory.access(register_key(r), register_initial(r), new, ts(slot))
            };
            let rs = reg(control.rs, None, 0);
            let rt = reg(control.rt, None, 1);
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
            let (b, c) = step.operands();

            // ALU requests.
            let alu_op = |op: u32| {
                ALU_OPS
                    .get(op as usize)
                    .copied()
                    .ok_or_else(|| format!("{}: unknown ALU operation {op}", at()))
            };
            if kind.is_hi_lo() {
                let (lo_op, hi_op) = (alu_op(control.alu_op)?, alu_op(control.imm)?);
                let (lo, hi) = (lo_op.apply(b, c), hi_op.apply(b, c));
                if lo_op == AluOp::MulLo {
                    record_product(
                        &mut record,
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
                        return Err(format!("{}: division by zero", at()));
                    }
                    record_division(
                        &mut record,
                        DivEvent {
                            signed: lo_op == AluOp::DivQ,
                            b,
                            c,
                            send_q: true,
                            send_r: true,
                        },
                    );
                }
                record.cpu_alu_requests.push((lo_op as u32, lo, b, c));
                record.cpu_alu_requests.push((hi_op as u32, hi, b, c));
                (step.alu_a, step.alu_a2) = (lo, hi);
            } else if kind.asks_alu() {
                let op = control.alu_op;
                let a = if op >= EXT_BASE {
                    let insert = op >= INS_BASE;
                    let field = op - if insert { INS_BASE } else { EXT_BASE };
                    let (pos, size) = (field % 32, field / 32 + 1);
                    let a = bit_field::record(&mut record, insert, pos, size, b, c);
                    debug_assert_eq!(a, bit_field(insert, pos, size, b, c));
                    a
                } else {
                    record.record_alu(alu_op(op)?, b, c)
                };
                record.cpu_alu_requests.push((op, a, b, c));
                step.alu_a = a;
            }

            // Slot 2: the memory word, or HI.
            if kind.is_memory() {
                let addr = step.alu_a;
                let access = event
                    .memory
                    .filter(|m| m.addr == addr & !3)
                    .ok_or_else(|| {
                        format!("{}: the executor recorded no access at {addr:#x}", at())
                    })?;
                let lane = (addr & 3) as usize;
                let old = access.prev_value;
                let new = if kind.is_load() {
                    old
                } else {
                    merge(kind, lane, old, rt.value, false)
                };
                if new != access.value {
                    return Err(format!(
                        "{}: stores {new:#x}, the executor {:#x}",
                        at(),
                        access.value
                    ));
                }
                let prev = memory.access(memory_key(addr), old, Some(new), ts(2));
                if prev.value != old {
                    return Err(format!("{}: memory at {addr:#x} disagrees", at()));
                }
                step.mem = Some((memory_key(addr), prev, new));
            } else if kind.is_hi_lo() {
                let prev = memory.access(register_key(32), start.hi, Some(event.hi), ts(2));
                step.mem = Some((register_key(32), prev, event.hi));
            }

            // What the instruction computes for its destination whether or not it keeps it:
            // the CPU's constraints bind a link, a loaded value and SC's flag even when the
            // destination is `$zero` (which the ROM does not write).
            let unkept = if control.has(crate::chips::cpu::control::extra::LINK) {
                Some(event.pc.wrapping_add(8))
            } else if kind.is_load() {
                let (_, old, _) = step.mem.expect("loads access memory");
                let lane = (step.alu_a & 3) as usize;
                let sign_byte = match kind {
                    Kind::Lb => old.value.to_le_bytes()[lane],
                    Kind::Lh => old.value.to_le_bytes()[lane + 1],
                    _ => 0,
                };
                Some(merge(kind, lane, old.value, rt.value, sign_byte >= 0x80))
            } else if kind == Kind::Sc {
                Some(1)
            } else {
                None
            };
            step.result = unkept.unwrap_or(0);

            // Slot 3: the destination, or LO.
            if control.has(crate::chips::cpu::control::extra::WRITES_RD) {
                let prev = memory.access(
                    register_key(control.rd),
                    register_initial(control.rd),
                    None,
                    ts(3),
                );
                let old_hi = step.mem.map_or(0, |(_, p, _)| p.value);
                let result = if let Some(value) = unkept {
                    value
                } else {
                    match kind {
                        Kind::Alu | Kind::HiLo => step.alu_a,
                        Kind::MAdd | Kind::MSub => {
                            let acc = (old_hi as u64) << 32 | prev.value as u64;
                            let product = (step.alu_a2 as u64) << 32 | step.alu_a as u64;
                            let sum = if kind == Kind::MAdd {
                                acc.wrapping_add(product)
                            } else {
                                acc.wrapping_sub(product)
                            };
                            if (sum >> 32) as u32 != event.hi {
                                return Err(format!("{}: HI disagrees", at()));
                            }
                            sum as u32
                        }
                        Kind::Move => rs.value,
                        Kind::Movz | Kind::Movn => {
                            let moves = (b == c) == (kind == Kind::Movz);
                            if moves {
                                rs.value
                            } else {
                                prev.value
                            }
                        }
                        Kind::Lui => control.imm,
                        _ => return Err(format!("{}: writes a register unexpectedly", at())),
                    }
                };
                let expected = match control.rd {
                    32 => event.hi,
                    33 => event.lo,
                    _ => event.result,
                };
                if result != expected {
                    return Err(format!(
                        "{}: the CPU computes {result:#x}, the executor {expected:#x}",
                        at()
                    ));
                }
                memory
                    .cells
                    .insert(register_key(control.rd), (result, ts(3)));
                step.rd = Some((prev, result));
                step.result = result;
            }

            if kind == Kind::Syscall {
                let call = syscalls
                    .next()
                    .filter(|s| s.clock == event.clock)
                    .ok_or_else(|| format!("{}: the executor recorded no syscall", at()))?;
                step.halt = record_syscall(&mut record, &mut memory, &register_initial, clk, call)?;
            }
            let cols = cpu_trace::populate(&step);
            cpu_trace::record_lookups(&cols, &mut record.byte_lookups);
            record.cpu_steps.push(step);
        }

        // The boundary: every key the shard touches, its value before and after.
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
        if shard.halted {
            record.exit_code = record
                .syscall_steps
                .last()
                .filter(|s| s.call == Syscall::Halt)
                .map(|s| s.a0.0);
        }
        Ok(record)
    }
}

/// The ALU operations by number.
const ALU_OPS: [AluOp; 24] = [
    AluOp::Add,
    AluOp::Sub,
    AluOp::And,
    AluOp::Or,
    AluOp::Xor,
    AluOp::Nor,
    AluOp::Slt,
    AluOp::Sltu,
    AluOp::MulLo,
    AluOp::MulHi,
    AluOp::MulHiU,
    AluOp::DivQ,
    AluOp::DivR,
    AluOp::DivQU,
    AluOp::DivRU,
    AluOp::Sll,
    AluOp::Srl,
    AluOp::Sra,
    AluOp::Rotr,
    AluOp::Clz,
    AluOp::Clo,
    AluOp::Seb,
    AluOp::Seh,
    AluOp::Wsbh,
];

/// Records the Syscall chip's row (and HINT_READ's words) for `call`; returns whether it halts.
fn record_syscall(
    record: &mut MachineRecord,
    memory: &mut MemoryState,
    register_initial: &dyn Fn(u32) -> u32,
    clk: u32,
    call: &SyscallEvent,
) -> Result<bool, String> {
    let ts = |slot: u32| 4 * clk + slot;
    let kind = Syscall::from_number(call.number)
        .filter(|s| PROVABLE.contains(s))
        .ok_or_else(|| {
            format!(
                "syscall {:#x} at cycle {} cannot be proven yet: no chip answers it (deferred proofs \
                 are not proven yet)",
                call.number, call.clock
            )
        })?;
    let mut reg = |r: u32, new: Option<u32>, slot: u32| {
        let prev = memory.access(register_key(r), register_initial(r), new, ts(slot));
        (prev.value, prev.ts)
    };
    let v0 = reg(2, Some(call.result), 0);
    let a0 = reg(4, None, 1);
    let a1 = reg(5, None, 2);
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
            step.a2 = reg(6, None, 3);
            if step.a2.0 != call.args[2] {
                return Err(format!("WRITE at cycle {}: $a2 disagrees", call.clock));
            }
        }
        Syscall::Commit => {
            let initial = record.digest_start.get(a0.0 as usize).copied().unwrap_or(0);
            let prev = memory.access(DIGEST_KEY_BASE + a0.0, initial, Some(a1.0), ts(3));
            step.digest = (prev.value, prev.ts);
        }
        Syscall::HintRead => {
            for (j, access) in call.memory.iter().enumerate() {
                let key = memory_key(access.addr);
                let prev = memory.access(key, access.prev_value, Some(access.value), ts(3));
                let word = HintWord {
                    clk,
                    key,
                    left: a1.0 - 4 * j as u32,
                    prev_value: prev.value,
                    prev_ts: prev.ts,
                    value: access.value,
                };
                hint::record_lookups(&word, &mut record.byte_lookups);
                record.hint_words.push(word);
            }
        }
        Syscall::ShaExtend => {
            let mut w = [0u32; 64];
            let mut rows = Vec::with_capacity(64);
            for (j, access) in call.memory.iter().enumerate() {
                let key = memory_key(access.addr);
                let prev = memory.access(key, access.prev_value, Some(access.value), ts(3));
                w[j] = access.value;
                rows.push(ShaExtendRow {
                    clk,
                    j: j as u32,
                    key,
                    prev_value: prev.value,
                    prev_ts: prev.ts,
                });
            }
            if rows.len() != 64 {
                return Err(format!(
                    "SHA_EXTEND at cycle {}: {} words",
                    call.clock,
                    rows.len()
                ));
            }
            sha_extend::record_call(record, &w, &rows);
        }
        Syscall::ShaCompress => {
            if call.memory.len() != 80 {
                return Err(format!(
                    "SHA_COMPRESS at cycle {}: {} memory accesses",
                    call.clock,
                    call.memory.len()
                ));
            }
            let (w, rest) = call.memory.split_at(64);
            let (state_read, state_written) = rest.split_at(8);
            let mut compress = ShaCompressCall {
                clk,
                w_key: memory_key(a0.0),
                state_key: memory_key(a1.0),
                w: [0; 64],
                state: [0; 8],
                w_prev_ts: [0; 64],
                state_prev_ts: [0; 8],
            };
            for (j, access) in w.iter().enumerate() {
                let prev = memory.access(memory_key(access.addr), access.prev_value, None, ts(2));
                compress.w[j] = prev.value;
                compress.w_prev_ts[j] = prev.ts;
            }
            for (i, (read, written)) in state_read.iter().zip(state_written).enumerate() {
                let key = memory_key(read.addr);
                let prev = memory.access(key, read.prev_value, Some(written.value), ts(3));
                compress.state[i] = prev.value;
                compress.state_prev_ts[i] = prev.ts;
            }
            let written: Vec<u32> = state_written.iter().map(|a| a.value).collect();
            if sha_compress::record_call(record, compress)[..] != written[..] {
                return Err(format!(
                    "SHA_COMPRESS at cycle {}: the chip's rounds disagree with the executor",
                    call.clock
                ));
            }
        }
        Syscall::KeccakSponge => {
            let Some((len, rest)) = call.memory.split_first() else {
                return Err(format!(
                    "KECCAK_SPONGE at cycle {}: no length read",
                    call.clock
                ));
            };
            if len.value == 0 {
                return Err(format!(
                    "KECCAK_SPONGE at cycle {} absorbs no block: an empty sponge cannot be \
                     proven (the guest kit always pads to at least one block)",
                    call.clock
                ));
            }
            let (input, output) = rest.split_at(rest.len().saturating_sub(16));
            if input.len() != len.value as usize || output.len() != 16 {
                return Err(format!(
                    "KECCAK_SPONGE at cycle {}: {} memory accesses for {} words",
                    call.clock,
                    call.memory.len(),
                    len.value
                ));
            }
            let mut keccak = KeccakCall {
                clk,
                in_key: memory_key(a0.0),
                out_key: memory_key(a1.0),
                input: Vec::with_capacity(input.len()),
                input_prev_ts: Vec::with_capacity(input.len()),
                len_prev_ts: 0,
                out_prev: [(0, 0); 16],
            };
            for access in input {
                let prev = memory.access(memory_key(access.addr), access.prev_value, None, ts(2));
                keccak.input.push(prev.value);
                keccak.input_prev_ts.push(prev.ts);
            }
            let prev = memory.access(memory_key(len.addr), len.prev_value, None, ts(3));
            keccak.len_prev_ts = prev.ts;
            for (i, access) in output.iter().enumerate() {
                let key = memory_key(access.addr);
                let prev = memory.access(key, access.prev_value, Some(access.value), ts(3));
                keccak.out_prev[i] = (prev.value, prev.ts);
            }
            let written: Vec<u32> = output.iter().map(|a| a.value).collect();
            if keccak_sponge::record_call(record, keccak)[..] != written[..] {
                return Err(format!(
                    "KECCAK_SPONGE at cycle {}: the chip's permutations disagree with the executor",
                    call.clock
                ));
            }
        }
        Syscall::Poseidon2Permute => {
            if call.memory.len() != 2 * WIDTH {
                return Err(format!(
                    "POSEIDON2_PERMUTE at cycle {}: {} memory accesses",
                    call.clock,
                    call.memory.len()
                ));
            }
            let (read, written) = call.memory.split_at(WIDTH);
            let mut poseidon2 = Poseidon2Call {
                clk,
                key: memory_key(a0.0),
                input: [0; WIDTH],
                output: [0; WIDTH],
                prev_ts: [0; WIDTH],
            };
            for (i, (r, w)) in read.iter().zip(written).enumerate() {
                let prev = memory.access(memory_key(r.addr), r.prev_value, Some(w.value), ts(3));
                poseidon2.input[i] = prev.value;
                poseidon2.output[i] = w.value;
                poseidon2.prev_ts[i] = prev.ts;
            }
            if poseidon2_permute(&poseidon2.input) != Some(poseidon2.output) {
                return Err(format!(
                    "POSEIDON2_PERMUTE at cycle {}: the output disagrees with the permutation",
                    call.clock
                ));
            }
            poseidon2::record_call(record, poseidon2);
        }
        _ => {}
    }
    syscall::record_lookups(&step, record);
    record.syscall_steps.push(step);
    Ok(kind == Syscall::Halt)
}
