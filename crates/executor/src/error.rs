//! Typed execution errors. Each one says where (pc and the instruction as assembly) and why.

use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ExecErrorKind {
    #[error("reserved or unsupported instruction word {0:#010x}")]
    InvalidInstruction(u32),
    #[error("pc is not a 4-aligned address inside the program's code")]
    PcOutsideCode,
    #[error("a branch or jump in the delay slot of another branch or jump is not allowed")]
    BranchInDelaySlot,
    #[error("jump to {0:#010x}: targets must lie below 0x40000000")]
    JumpOutOfRange(u32),
    #[error("unaligned {size}-byte access to {addr:#010x}")]
    Unaligned { addr: u32, size: u32 },
    #[error("access to {addr:#010x}..+{len:#x} is out of range (memory ends at 0x7f000000)")]
    OutOfRange { addr: u32, len: u32 },
    #[error("division by zero")]
    DivisionByZero,
    #[error("trap instruction fired (code {0})")]
    Trap(u32),
    #[error("break instruction (code {0})")]
    Break(u32),
    #[error("unknown syscall number {0:#x}")]
    UnknownSyscall(u32),
    /// The guest asked for another input buffer; the field is how many the run had.
    #[error("not enough input: the guest asked for input buffer {n}, but only {0} were supplied", n = .0 + 1)]
    NotEnoughInput(usize),
    #[error("HINT_READ of {got} bytes, but the next input buffer has {expected} bytes")]
    HintLengthMismatch { expected: usize, got: u32 },
    #[error("bad syscall argument: {0}")]
    BadSyscallArgument(String),
    #[error(
        "cycle limit of {0} cycles reached before the guest halted (raise it with --max-cycles)"
    )]
    CycleLimit(u64),
}

/// An execution failure at a given cycle and pc.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("at cycle {cycle}, pc {pc:#010x} `{assembly}`: {kind}")]
pub struct ExecError {
    pub cycle: u64,
    pub pc: u32,
    /// The instruction at `pc` as assembly, or `?` when pc is outside the code.
    pub assembly: String,
    pub kind: ExecErrorKind,
}
