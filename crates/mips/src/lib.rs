//! The MIPS32r2 instruction set as Tessera sees it: decoding a word into an [`Instruction`],
//! printing it as assembly, and loading a guest ELF into a [`Program`]. Which instructions and
//! ELFs a guest may use is the guest ABI, `docs/guest-abi.md`.
//!
//! Everything here is pure and total: any `u32` decodes (unknown encodings become
//! [`Opcode::Invalid`], which fails only when executed) and any byte string either loads or
//! returns an [`ElfError`]; nothing panics on untrusted input.

mod disasm;
mod instruction;
mod program;

pub use disasm::{register_name, REGISTER_NAMES};
pub use instruction::{Instruction, Opcode};
pub use program::{
    function_symbols, ElfError, Program, Segment, CODE_LIMIT, JUMP_LIMIT, MAX_CODE_BYTES,
    MEMORY_LIMIT,
};
