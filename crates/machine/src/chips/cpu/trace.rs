//! The CPU's rows: one [`CpuStep`] per cycle (built from a shard in `record`), populated into
//! columns, and the byte-table lookups each row makes (recorded from the same columns, so the
//! table's multiplicities match the constraints by construction).

use std::borrow::BorrowMut;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_matrix::dense::RowMajorMatrix;
use rayon::prelude::*;
use tessera_stark::{pad_to_power_of_two, Val};

use super::columns::{CpuCols, NUM_CPU_COLS};
use super::control::{extra, Control, Kind};
use super::{LINK, WRITES_RD};
use crate::bus::ByteOp;
use crate::gadgets::is_zero::IsZeroCols;
use crate::gadgets::memory::AccessCols;
use crate::record::{ByteLookups, MachineRecord};

/// The previous value and timestamp an access consumed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prev {
    pub value: u32,
    pub ts: u32,
}

/// One cycle as the CPU proves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuStep {
    pub clk: u32,
    pub pc: u32,
    pub next_pc: u32,
    pub next_next_pc: u32,
    pub control: Control,
    pub rs: Prev,
    pub rt: Prev,
    /// Slot 2 (memory word or HI): key, previous, new value.
    pub mem: Option<(u32, Prev, u32)>,
    /// Slot 3 (destination or LO): previous and new value.
    pub rd: Option<(Prev, u32)>,
    /// What the instruction computes for its destination, kept or not (a link, a load or SC
    /// into `$zero` still proves it).
    pub result: u32,
    pub alu_a: u32,
    pub alu_a2: u32,
    pub halt: bool,
}

impl CpuStep {
    /// The ALU operands `(b, c)`.
    pub fn operands(&self) -> (u32, u32) {
        let c = &self.control;
        let b = if c.has(extra::B_IS_RT) {
            self.rt.value
        } else {
            self.rs.value
        };
        let c = if c.has(extra::C_IS_RS) {
            self.rs.value
        } else if c.has(extra::C_IS_IMM) {
            c.imm
        } else {
            self.rt.value
        };
        (b, c)
    }
}

fn halves(v: u32) -> [Val; 2] {
    [Val::from_u32(v & 0xFFFF), Val::from_u32(v >> 16)]
}

fn bytes(v: u32) -> [Val; 4] {
    v.to_le_bytes().map(Val::from_u8)
}

/// The row of `step`.
pub fn populate(step: &CpuStep) -> CpuCols<Val> {
    let control = &step.control;
    let kind = control.kind;
    let mut cols = CpuCols::<Val> {
        is_real: Val::ONE,
        clk: Val::from_u32(step.clk),
        pc: Val::from_u32(step.pc),
        next_pc: Val::from_u32(step.next_pc),
        next_next_pc: Val::from_u32(step.next_next_pc),
        alu_op: Val::from_u32(control.alu_op),
        rs: Val::from_u32(control.rs),
        rt: Val::from_u32(control.rt),
        rd: Val::from_u32(control.rd),
        imm: halves(control.imm),
        alu_a: halves(step.alu_a),
        alu_a2: halves(step.alu_a2),
        halt: Val::from_bool(step.halt),
        ..Default::default()
    };
    if let Some(i) = kind.flag() {
        cols.kinds[i] = Val::ONE;
    }
    for (i, flag) in cols.flags.iter_mut().enumerate() {
        *flag = Val::from_bool(control.has(2 << i));
    }
    let ts = |slot: u32| 4 * step.clk + slot;
    cols.rs_access = AccessCols::populate(step.rs.value, step.rs.ts, ts(0));
    cols.rt_access = AccessCols::populate(step.rt.value, step.rt.ts, ts(1));
    if let Some((key, prev, new)) = step.mem {
        cols.mem_key = Val::from_u32(key);
        cols.mem_access = AccessCols::populate(prev.value, prev.ts, ts(2));
        cols.mem_new = halves(new);
    }
    if let Some((prev, _)) = step.rd {
        cols.rd_access = AccessCols::populate(prev.value, prev.ts, ts(3));
    }
    cols.result = halves(step.result);
    let (b, c) = step.operands();
    cols.b = halves(b);
    cols.c = halves(c);
    let (b_h, c_h) = (halves(b), halves(c));
    cols.eq_lo = IsZeroCols::populate(b_h[0] - c_h[0]);
    cols.eq_hi = IsZeroCols::populate(b_h[1] - c_h[1]);
    cols.eq = Val::from_bool(b == c);
    cols.taken = Val::from_bool(match kind {
        Kind::Jump | Kind::JumpReg => true,
        Kind::Beq => b == c,
        Kind::Bne => b != c,
        Kind::Blt => step.alu_a == 1,
        Kind::Bge => step.alu_a == 0,
        _ => false,
    });
    if kind.is_memory() {
        let addr = step.alu_a;
        let lane = (addr & 3) as usize;
        cols.lanes[lane] = Val::ONE;
        cols.addr_rest = Val::from_u32((addr & 0xFFFF) >> 2);
        let old = step.mem.map_or(0, |(_, prev, _)| prev.value);
        cols.old_bytes = bytes(old);
        cols.rt_bytes = bytes(step.rt.value);
        let sign_byte = match kind {
            Kind::Lb => Some(old.to_le_bytes()[lane]),
            Kind::Lh => Some(old.to_le_bytes()[lane + 1]),
            _ => None,
        };
        if let Some(byte) = sign_byte {
            cols.sign_byte = Val::from_u8(byte);
            cols.sign = Val::from_bool(byte >= 0x80);
        }
    }
    if control.has(extra::LINK) {
        cols.old_bytes = bytes(step.result);
        cols.range16[1] = cols.result[1] * Val::from_u32(4);
    }
    if kind == Kind::JumpReg {
        cols.range16[2] = cols.rs_access.prev_value[1] * Val::from_u32(4);
    }
    if cols.taken == Val::ONE {
        cols.range16[0] = cols.imm[1] * Val::from_u32(4);
    }
    if kind.is_memory() {
        cols.range16[0] = cols.addr_rest;
        cols.range16[1] = Val::from_u32((tessera_mips::MEMORY_LIMIT >> 16) - 1) - cols.alu_a[1];
    }
    if matches!(kind, Kind::MAdd | Kind::MSub) {
        let hi_lo = |hi: u32, lo: u32| [lo & 0xFFFF, lo >> 16, hi & 0xFFFF, hi >> 16];
        let old_hi = step.mem.map_or(0, |(_, prev, _)| prev.value);
        let new_hi = step.mem.map_or(0, |(_, _, new)| new);
        let (old_lo, new_lo) = step.rd.map_or((0, 0), |(prev, new)| (prev.value, new));
        let (old, new) = (hi_lo(old_hi, old_lo), hi_lo(new_hi, new_lo));
        let product = hi_lo(step.alu_a2, step.alu_a);
        let x = if kind == Kind::MAdd { old } else { new };
        cols.carries = crate::gadgets::add::carries(x, product).map(Val::from_u32);
        cols.old_bytes = bytes(step.rd.map_or(0, |(_, new)| new));
        cols.rt_bytes = bytes(new_hi);
    }
    cols
}

/// Records the byte-table lookups the CPU's constraints make on `cols` (see `CpuChip::eval`).
pub(crate) fn record_lookups(cols: &CpuCols<Val>, lookups: &mut ByteLookups) {
    let u = |v: Val| v.as_canonical_u32();
    let kind = Kind::FLAGGED
        .iter()
        .zip(cols.kinds)
        .find(|(_, f)| *f == Val::ONE)
        .map_or(Kind::Nop, |(k, _)| *k);
    let slot2 = kind.is_memory() || kind.is_hi_lo();
    let slot3 = cols.flags[WRITES_RD] == Val::ONE;
    for (access, active) in [
        (&cols.rs_access, true),
        (&cols.rt_access, true),
        (&cols.mem_access, slot2),
        (&cols.rd_access, slot3),
    ] {
        if active {
            lookups.record_u16(u(access.ts_diff[0]) as u16);
        }
    }
    lookups.record(
        ByteOp::U8Pair,
        u(cols.rs_access.ts_diff[1]) as u8,
        u(cols.rt_access.ts_diff[1]) as u8,
    );
    lookups.record(
        ByteOp::U8Pair,
        u(cols.mem_access.ts_diff[1]) as u8,
        u(cols.rd_access.ts_diff[1]) as u8,
    );
    for slot in cols.range16 {
        lookups.record_u16(u(slot) as u16);
    }
    let bytes_checked = kind.is_memory() || matches!(kind, Kind::MAdd | Kind::MSub);
    let link = cols.flags[LINK] == Val::ONE;
    for (bytes, checked) in [
        (&cols.old_bytes, bytes_checked || link),
        (&cols.rt_bytes, bytes_checked),
    ] {
        for pair in bytes.chunks_exact(2).filter(|_| checked) {
            lookups.record(ByteOp::U8Pair, u(pair[0]) as u8, u(pair[1]) as u8);
        }
    }
    if matches!(kind, Kind::Lb | Kind::Lh) {
        lookups.record_msb(u(cols.sign_byte) as u8);
    }
}

/// The CPU's trace: one row per step, zero padding rows after.
pub fn generate(record: &MachineRecord) -> RowMajorMatrix<Val> {
    let mut values = vec![Val::ZERO; record.cpu_steps.len() * NUM_CPU_COLS];
    values
        .par_chunks_mut(NUM_CPU_COLS)
        .zip(&record.cpu_steps)
        .for_each(|(row, step)| {
            let cols: &mut CpuCols<Val> = row.borrow_mut();
            *cols = populate(step);
        });
    pad_to_power_of_two(values, NUM_CPU_COLS, 1)
}
