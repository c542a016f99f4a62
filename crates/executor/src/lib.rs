//! Tessera's emulator. It runs a guest [`Program`](tessera_mips::Program) exactly as the guest ABI
//! (`docs/guest-abi.md`: instructions, memory, syscalls, input and public values) defines
//! MIPS32r2, with delay slots, syscalls and precompiles.
//!
//! One engine, two modes: [`Executor::run_fast`] records nothing; [`Executor::run_traced`] records
//! the per-instruction events the chips consume and cuts the run into [`Shard`]s, each starting
//! from a [`Checkpoint`] from which [`reexecute_shard`] reproduces it alone.

mod error;
mod events;
mod executor;
mod memory;
mod precompiles;
mod syscall;

pub use error::{ExecError, ExecErrorKind};
pub use events::{Checkpoint, CpuEvent, MemoryInit, MemoryRecord, Shard, SyscallEvent};
pub use executor::{
    reexecute_shard, Executor, ExecutorConfig, Io, Outcome, DEFAULT_MAX_CYCLES, DEFAULT_SHARD_SIZE,
};
pub use memory::Memory;
pub use precompiles::{
    keccak_sponge, poseidon2_permute, sha256_compress, sha256_extend, KECCAK_BLOCK_WORDS, SHA256_K,
};
pub use syscall::Syscall;
