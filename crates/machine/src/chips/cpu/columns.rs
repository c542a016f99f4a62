//! The CPU's columns: one row per cycle.

use std::mem::size_of;

use super::control::{extra, NUM_KINDS};
use crate::gadgets::is_zero::IsZeroCols;
use crate::gadgets::memory::AccessCols;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct CpuCols<T> {
    pub is_real: T,
    /// Cycle within the shard, from 1.
    pub clk: T,
    pub pc: T,
    pub next_pc: T,
    pub next_next_pc: T,

    /// From the ROM: one-hot kind flags (`Kind::FLAGGED` order), the independent flags
    /// (`extra`, without `REAL`), the ALU operation, registers and operand halves.
    pub kinds: [T; NUM_KINDS],
    pub flags: [T; extra::COUNT - 1],
    pub alu_op: T,
    pub rs: T,
    pub rt: T,
    pub rd: T,
    pub imm: [T; 2],

    /// Slot 0: read `rs` (its value is `prev_value`). Slot 1: read `rt`.
    pub rs_access: AccessCols<T>,
    pub rt_access: AccessCols<T>,
    /// Slot 2: the memory word, or HI; `mem_key` is its key, `mem_new` what stays there.
    pub mem_key: T,
    pub mem_access: AccessCols<T>,
    pub mem_new: [T; 2],
    /// Slot 3: the destination (LO for the HI/LO kinds); `result` is written.
    pub rd_access: AccessCols<T>,
    pub result: [T; 2],

    /// The ALU operands and answers (the second for the HI word of HI/LO kinds).
    pub b: [T; 2],
    pub c: [T; 2],
    pub alu_a: [T; 2],
    pub alu_a2: [T; 2],

    /// `b = c`, half by half.
    pub eq_lo: IsZeroCols<T>,
    pub eq_hi: IsZeroCols<T>,
    pub eq: T,
    /// A branch or jump goes to its target.
    pub taken: T,

    /// Memory: one-hot byte lane of the address, the address's word index within its low half,
    /// the old word's bytes and `rt`'s bytes, and the sign of a signed load. MADD/MSUB put the
    /// new LO's and HI's bytes in `old_bytes` and `rt_bytes`.
    pub lanes: [T; 4],
    pub addr_rest: T,
    pub old_bytes: [T; 4],
    pub rt_bytes: [T; 4],
    pub sign: T,
    pub sign_byte: T,

    /// MADD/MSUB: the carries of the 64-bit sum, half by half.
    pub carries: [T; 4],
    /// 16-bit range checks shared by kinds that never meet on one row (see `CpuChip::eval`).
    pub range16: [T; 3],
    /// A SYSCALL that halts (the Syscall chip checks it).
    pub halt: T,
}

pub const NUM_CPU_COLS: usize = size_of::<CpuCols<u8>>();

crate::borrow_row!(CpuCols);

impl<T: Copy + Default> Default for CpuCols<T> {
    fn default() -> Self {
        use std::borrow::Borrow;
        *vec![T::default(); NUM_CPU_COLS].as_slice().borrow()
    }
}

/// The CPU's public values: where the shard starts and where its last row leaves the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct CpuPublicValues<T> {
    pub start_pc: T,
    pub start_next_pc: T,
    /// The last real row's `next_pc` and `next_next_pc`: where the next shard starts.
    pub end_pc: T,
    pub end_next_pc: T,
    /// Whether the last real row halted.
    pub halted: T,
    /// The last real row's `clk`: the shard's cycles.
    pub cycles: T,
    /// The cycles the run executed before the shard, as 16-bit halves: bridging information
    /// the verifier checks (the shard's timestamps count from its own start).
    pub start_clock: [T; 2],
}

crate::public_values!(CpuPublicValues);
