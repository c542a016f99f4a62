//! The MIPS machine: the chips that prove a shard of a Tessera run, each one module with its
//! columns, constraints, trace generation and tests, tied together by the buses declared in
//! [`bus`].
//!
//! Status: the lookup tables the other chips stand on (bytes, program ROM) and the shared
//! gadgets. The CPU, execution, memory and syscall chips are not built yet.

pub mod bus;
pub mod chips;
pub mod gadgets;
pub mod record;

pub use chips::{bytes::ByteChip, program::ProgramChip, MipsChip};
pub use record::MachineRecord;
