//! The CPU: one row per cycle. It fetches the instruction at `pc` from the ROM, reads `rs` and
//! `rt`, asks the execution chips for ALU answers, accesses one memory word (or HI), writes the
//! destination (or LO), and moves `pc`, `next_pc`, `next_next_pc` through the delay slot.
//!
//! **Proves**: each real row executes the ROM's instruction at `pc` on the register and memory
//! values the memory bus hands it (slots at `ts = 4·clk + s`: 0 `rs`, 1 `rt`, 2 memory/HI,
//! 3 destination/LO), and rows chain: `clk` counts from 1, `next.pc = next_pc`,
//! `next.next_pc = next_next_pc`, where `next_next_pc` is `next_pc + 4` or, for a taken branch
//! or a jump, the target (the ROM holds branch and `j` targets; `jr` takes `rs`, checked below
//! 2^30 so its field value is the word). The first row is real and starts at the public start
//! pcs; the last real row's successors, whether it halted and its `clk` are public. A branch
//! or jump is followed by a real row that is neither (its delay slot, in the same shard).
//! **Range checks**: 16-bit checks that kinds which never meet on a row share through three
//! `range16` slots; the accesses' timestamp-difference high bytes two by two. Values it writes
//! are canonical words: ALU answers (range-checked by the answering chip), register and memory
//! values read (canonical on the bus), ROM operands, and what it builds itself: links
//! (`pc + 8`, made of range-checked bytes with the high half below 2^14), MADD/MSUB sums and
//! loaded or stored words (made of range-checked bytes). The result column holds what the
//! instruction computes even when it writes `$zero` (the ROM then drops the write).
//! Memory addresses are ALU sums below `0x7F00_0000` (so a memory key never reaches the
//! register keys), with the byte lane one-hot and aligned as the instruction requires.
//! **Assumes**: the ALU chips answer `alu` messages; the Syscall chip answers `syscall`.

mod air;
pub mod columns;
pub mod control;
pub mod lanes;
pub mod trace;

use p3_air::{Air, AirBuilder, BaseAir};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{Chip, Val};

use self::columns::{CpuPublicValues, NUM_CPU_COLS};
use crate::record::MachineRecord;

/// The column in `CpuCols::flags` of a ROM flag bit (bit 0, `REAL`, is `is_real`).
pub(crate) const fn flag_column(bit: u32) -> usize {
    bit.trailing_zeros() as usize - 1
}

pub(crate) const LINK: usize = flag_column(control::extra::LINK);
pub(crate) const B_IS_RT: usize = flag_column(control::extra::B_IS_RT);
pub(crate) const C_IS_RS: usize = flag_column(control::extra::C_IS_RS);
pub(crate) const C_IS_IMM: usize = flag_column(control::extra::C_IS_IMM);
pub(crate) const WRITES_RD: usize = flag_column(control::extra::WRITES_RD);
pub(crate) const TRAP: usize = flag_column(control::extra::TRAP);
pub(crate) const DELAY_SLOT: usize = flag_column(control::extra::DELAY_SLOT);

#[derive(Clone, Debug, Default)]
pub struct CpuChip;

impl<F> BaseAir<F> for CpuChip {
    fn width(&self) -> usize {
        NUM_CPU_COLS
    }
    fn num_public_values(&self) -> usize {
        CpuPublicValues::<u8>::COUNT
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for CpuChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        air::eval(builder);
    }
}

impl Chip<Val, MachineRecord> for CpuChip {
    fn name(&self) -> &'static str {
        "Cpu"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        trace::generate(record)
    }

    fn public_values(&self, record: &MachineRecord) -> Vec<Val> {
        public_values(record)
            .to_vec()
            .into_iter()
            .map(Val::from_u32)
            .collect()
    }
}

/// The CPU's public values for `record`.
pub fn public_values(record: &MachineRecord) -> CpuPublicValues<u32> {
    CpuPublicValues {
        start_pc: record.start.0,
        start_next_pc: record.start.1,
        end_pc: record.end.0,
        end_next_pc: record.end.1,
        halted: record.exit_code.is_some() as u32,
        cycles: record.cpu_steps.len() as u32,
        start_clock: [
            record.start_clock as u32 & 0xFFFF,
            (record.start_clock >> 16) as u32 & 0xFFFF,
        ],
    }
}
