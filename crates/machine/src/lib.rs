//! The MIPS machine: the chips that prove a shard of a Tessera run, each one module with its
//! columns, constraints, trace generation and tests, tied together by the buses declared in
//! [`bus`].
//!
//! Status: the lookup tables the other chips stand on (bytes, program ROM), the shared gadgets
//! and the add/sub chip. The CPU, the other execution chips, memory and syscalls are not built
//! yet (see `docs/machine.md`).

pub mod bus;
pub mod chips;
pub mod gadgets;
pub mod record;

pub use chips::{
    add_sub::AddSubChip,
    bit_field::BitFieldChip,
    bits::BitsChip,
    bitwise::BitwiseChip,
    bytes::ByteChip,
    div::DivChip,
    lt::LtChip,
    memory::{Boundary, MemoryBoundaryChip},
    mul::MulChip,
    program::ProgramChip,
    shift::ShiftChip,
    MipsChip,
};
pub use record::MachineRecord;
