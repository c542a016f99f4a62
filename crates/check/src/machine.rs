//! The MIPS machine's chips as the checker sees them.

use std::sync::Arc;

use tessera_machine::chips::{contract, MipsChip};
use tessera_mips::Program;
use tessera_stark::{Chip, ConfigId, Val};

use crate::extract::{extract, ChipIr, ExtractError};

/// Every chip of the MIPS machine, in the machine's order. The ROM's table depends on the
/// program but its constraints do not, so the empty program stands for every program.
pub fn mips_chips() -> Vec<MipsChip> {
    let machine =
        tessera_machine::program::machine(Arc::new(Program::default()), ConfigId::InsecureTesting);
    machine.chips().to_vec()
}

/// The name of a MIPS chip.
pub fn name(chip: &MipsChip) -> &'static str {
    Chip::<Val, tessera_machine::MachineRecord>::name(chip)
}

/// `chip` extracted under its contract; `None` if it has not declared one yet.
pub fn extract_mips(chip: &MipsChip) -> Option<Result<ChipIr, ExtractError>> {
    contract(chip).map(|c| extract(name(chip), chip, c))
}
