//! The program ROM: one preprocessed row per instruction word of the ELF's code,
//! `(pc, control, alu_op, rs, rt, rd, imm_lo, imm_hi)` (see `cpu::control`), and a multiplicity
//! column.
//!
//! **Proves**: every message it provides is the decoded instruction at `pc` in the program the
//! verifying key was made for (the rows are preprocessed, so the key commits to the program).
//! `imm` is the operand the CPU uses, as two 16-bit halves. Padding rows are all zero; the
//! `REAL` bit of `control` is set in every row that may run and every CPU row sends it, so no
//! padding row (nor an invalid instruction) can ever be read.
//! **Assumes**: nothing (multiplicities are the provided side of the lookup).

use std::sync::Arc;

use p3_air::{Air, AirBuilder, BaseAir};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_mips::Program;
use tessera_stark::{pad_to_power_of_two, Chip, Contract, ContractBuilder, HasContract, Val};

use crate::bus::{provide_preprocessed_row, PROGRAM_BUS};
use crate::chips::cpu::control::Control;
use crate::record::MachineRecord;

const PREPROCESSED_WIDTH: usize = 8;

#[derive(Clone, Debug)]
pub struct ProgramChip {
    pub program: Arc<Program>,
}

impl ProgramChip {
    pub fn new(program: Arc<Program>) -> Self {
        ProgramChip { program }
    }

    fn height(&self) -> usize {
        self.program.instructions.len().max(1).next_power_of_two()
    }
}

impl<F: Field> BaseAir<F> for ProgramChip {
    fn width(&self) -> usize {
        1
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let values = self
            .program
            .instructions
            .iter()
            .enumerate()
            .flat_map(|(i, inst)| {
                let pc = self.program.code_base + 4 * i as u32;
                let c = Control::of(inst, pc);
                [
                    pc,
                    c.packed(),
                    c.alu_op,
                    c.rs,
                    c.rt,
                    c.rd,
                    c.imm & 0xFFFF,
                    c.imm >> 16,
                ]
                .map(F::from_u32)
            })
            .collect();
        Some(pad_to_power_of_two(
            values,
            PREPROCESSED_WIDTH,
            self.height(),
        ))
    }
    fn preprocessed_width(&self) -> usize {
        PREPROCESSED_WIDTH
    }
    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ProgramChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        provide_preprocessed_row(builder, PROGRAM_BUS);
    }
}

impl HasContract for ProgramChip {
    fn contract(&self) -> Contract {
        // One multiplicity per instruction: the prover's to choose (the provided side of the
        // lookup, like the byte table's). Every row is a row of the table: no `is_real`.
        let multiplicity = [0u8; 1];
        ContractBuilder::new(&multiplicity)
            .oracle("multiplicity", &multiplicity)
            .guarantee("(pc, control, alu_op, rs, rt, rd, imm_lo, imm_hi) provided on `program` is the decoded instruction at pc of the program the verifying key commits to, REAL set in control")
            .guarantee("imm_lo and imm_hi provided on `program` are below 2^16")
            .build("`cpu::control::Control::of` on each instruction of the program")
    }
}

impl Chip<Val, MachineRecord> for ProgramChip {
    fn name(&self) -> &'static str {
        "Program"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        let values = record
            .instruction_counts
            .iter()
            .map(|&n| Val::from_u32(n))
            .collect();
        pad_to_power_of_two(values, 1, self.height())
    }
}
