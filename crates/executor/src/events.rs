//! What tracing mode records: per-instruction CPU events, syscall events with their memory
//! accesses, and shards with the checkpoint they start from.

use serde::{Deserialize, Serialize};

/// One access to an aligned memory word. Reads have `value == prev_value`. `prev_clock` is the
/// cycle of the previous access to this word (0 when it was never accessed, i.e. it still holds
/// its initial value from the ELF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryRecord {
    pub addr: u32,
    pub value: u32,
    pub prev_value: u32,
    pub prev_clock: u64,
}

/// The state of one instruction's execution: what the CPU, ALU and memory chips need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuEvent {
    /// Global cycle number, starting at 1 for the first instruction.
    pub clock: u64,
    pub pc: u32,
    /// Address of the instruction after this one (the delay slot, for a branch).
    pub next_pc: u32,
    /// Where execution goes after `next_pc`: the branch target if taken.
    pub next_next_pc: u32,
    pub word: u32,
    pub rs_value: u32,
    pub rt_value: u32,
    /// The value written to the destination register (0 when there is none).
    pub result: u32,
    /// HI and LO after the instruction.
    pub hi: u32,
    pub lo: u32,
    pub memory: Option<MemoryRecord>,
}

/// A syscall with its arguments and every memory word it read or wrote, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallEvent {
    pub clock: u64,
    pub number: u32,
    pub args: [u32; 3],
    /// `$v0` after the call.
    pub result: u32,
    pub memory: Vec<MemoryRecord>,
}

/// A word's value and last-access cycle at the start of a shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryInit {
    pub addr: u32,
    pub value: u32,
    pub prev_clock: u64,
}

/// Everything needed to re-execute a shard on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Cycles executed before this shard.
    pub clock: u64,
    pub pc: u32,
    pub next_pc: u32,
    pub registers: [u32; 32],
    pub hi: u32,
    pub lo: u32,
    /// Every word the shard touches, with its value before the shard, sorted by address.
    pub memory: Vec<MemoryInit>,
    /// The input buffers the shard reads (or peeks at), in order.
    pub inputs: Vec<Vec<u8>>,
}

/// A contiguous run of cycles that is proven as one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub start: Checkpoint,
    pub cpu_events: Vec<CpuEvent>,
    pub syscall_events: Vec<SyscallEvent>,
    /// pc, next pc, registers, HI and LO after the shard's last cycle.
    pub end_pc: u32,
    pub end_next_pc: u32,
    pub end_registers: [u32; 32],
    pub end_hi: u32,
    pub end_lo: u32,
    /// Whether the guest halted in this shard.
    pub halted: bool,
}

impl Shard {
    pub fn num_cycles(&self) -> usize {
        self.cpu_events.len()
    }
}
