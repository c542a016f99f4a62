//! The CPU: one row per cycle. It fetches the instruction at `pc` from the ROM, reads `rs` and
//! `rt`, asks the execution chips for ALU answers, accesses one memory word (or HI), writes the
//! destination (or LO), and moves `pc`, `next_pc`, `next_next_pc` through the delay slot.
//!
//! **Proves**: each real row executes the ROM's instruction at `pc` on the register and memory
//! values the memory bus hands it (slots at `ts = 4·clk + s`: 0 `rs`, 1 `rt`, 2 memory/HI,
//! 3 destination/LO), and rows chain: `clk` counts from 1, `next.pc = next_pc`,
//! `next.next_pc = next_next_pc`, where `next_next_pc` is `next_pc + 4` or, for a taken branch
//! or a jump, the target (the ROM holds branch and `j` targets; `jr` takes `rs`; a taken
//! target is checked below 2^30, the executor's `JUMP_LIMIT`, so its field value is the word). The first row is real and starts at the public start
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

use std::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{Chip, Contract, ContractBuilder, HasContract, Source, Val};

use self::columns::{CpuCols, CpuPublicValues, NUM_CPU_COLS};
use crate::bus::PROGRAM_BUS;
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

/// Why the CPU's ALU answers are canonical halves.
const ALU_ANSWERS: &str = "the ALU chips: every answer they give is canonical 16-bit halves \
                           (each range-checks its answer or builds it from checked bytes)";

/// Why the ROM operand's halves are 16-bit.
const ROM_OPERAND: &str = "the program ROM: its `imm` halves are below 2^16 (preprocessed)";

/// Why the CPU's kind and flags come in the ROM's combinations only.
const ROM_CONTROLS: &str = "the program ROM: every row it provides is `Control::of` an \
                            instruction (`control::rom_controls` lists them all)";

/// The values `kinds` then `flags` take together on a real row: one per ROM control word.
fn rom_selectors() -> Vec<Vec<u32>> {
    control::rom_controls()
        .into_iter()
        .map(|(kind, extra)| {
            let mut v = vec![0; control::NUM_KINDS + control::extra::COUNT - 1];
            if let Some(k) = kind.flag() {
                v[k] = 1;
            }
            for (i, flag) in v[control::NUM_KINDS..].iter_mut().enumerate() {
                *flag = extra >> (i + 1) & 1;
            }
            v
        })
        .collect()
}

impl HasContract for CpuChip {
    /// The row's place (`clk`, `pc` and its successors) is state, chained from the row before
    /// (the first row from the public values). The instruction is the ROM's answer for `pc`:
    /// its kind and flags are selectors, its operation, registers and operand oracles (the
    /// ROM is a function of `pc`). Register and memory values are taken from the memory bus;
    /// ALU answers and `halt` are answers of the CPU's sends (the ALU chips and the Syscall
    /// chip fix them): oracles, like every other helper. The words written (`result`,
    /// `mem_new`) are the outputs.
    fn contract(&self) -> Contract {
        let row = [0u8; NUM_CPU_COLS];
        let c: &CpuCols<u8> = row[..].borrow();
        let mut contract = ContractBuilder::new(c);
        let mut selectors = contract.of(&c.kinds);
        selectors.extend(contract.of(&c.flags));
        contract
            .selector("is_real", &c.is_real)
            .state("clk", &c.clk)
            .state("pc", &c.pc)
            .state("next_pc", &c.next_pc)
            .state("next_next_pc", &c.next_next_pc)
            .selector("kinds", &c.kinds)
            .selector("flags", &c.flags)
            .oracle("alu_op", &c.alu_op)
            .oracle("rs", &c.rs)
            .oracle("rt", &c.rt)
            .oracle("rd", &c.rd)
            .oracle("imm", &c.imm);
        c.rs_access.declare(&mut contract, "rs_access");
        c.rt_access.declare(&mut contract, "rt_access");
        contract.oracle("mem_key", &c.mem_key);
        c.mem_access.declare(&mut contract, "mem_access");
        contract.output("mem_new", &c.mem_new);
        c.rd_access.declare(&mut contract, "rd_access");
        contract
            .output("result", &c.result)
            .oracle("b", &c.b)
            .oracle("c", &c.c)
            .oracle("alu_a", &c.alu_a)
            .oracle("alu_a2", &c.alu_a2);
        c.eq_lo.declare(&mut contract, "eq_lo");
        c.eq_hi.declare(&mut contract, "eq_hi");
        contract
            .oracle("eq", &c.eq)
            .oracle("taken", &c.taken)
            .oracle("lanes", &c.lanes)
            .oracle("addr_rest", &c.addr_rest)
            .oracle("old_bytes", &c.old_bytes)
            .oracle("rt_bytes", &c.rt_bytes)
            .oracle("sign", &c.sign)
            .oracle("sign_byte", &c.sign_byte)
            .oracle("carries", &c.carries)
            .oracle("range16", &c.range16)
            .oracle("halt", &c.halt)
            .real_when(&[&c.is_real])
            .assume_range(&c.imm, 16, Source::Sender(ROM_OPERAND))
            .function(PROGRAM_BUS, 1, "the program ROM: preprocessed, one row per instruction address")
            .assume_one_of(selectors, rom_selectors(), Source::Sender(ROM_CONTROLS))
            .assume_range(&c.alu_a, 16, Source::Sender(ALU_ANSWERS))
            .assume_range(&c.alu_a2, 16, Source::Sender(ALU_ANSWERS))
            .assume_range(&c.old_bytes, 8, Source::Lookup)
            .assume_range(&c.rt_bytes, 8, Source::Lookup)
            .assume_range(&c.sign_byte, 8, Source::Lookup)
            .assume_range(&c.range16, 16, Source::Lookup)
            .guarantee("(op, a, b, c) sent on `alu`: b and c are canonical 16-bit halves (register values or ROM operands)")
            .guarantee("(clk, halt) sent on `syscall` for every SYSCALL row; only a SYSCALL halts, and a halt ends the shard")
            .guarantee("every word put on `memory` is canonical 16-bit halves, memory keys below the register keys")
            .guarantee("each real row executes the ROM's instruction at pc; rows chain through pc, next_pc and next_next_pc from the public start to the public end")
            .build("`tessera_executor::Executor::step`")
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
