//! The machine's execution record: what the chips' trace generators read, built from a shard.

use std::sync::Arc;

use tessera_mips::Program;

use crate::bus::{AluOp, ByteOp};

/// How many times each byte-table row is asked for each operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteLookups {
    /// `counts[op][b + 256·c]`.
    pub counts: Vec<Vec<u32>>,
}

impl Default for ByteLookups {
    fn default() -> Self {
        ByteLookups {
            counts: vec![vec![0; 1 << 16]; ByteOp::ALL.len()],
        }
    }
}

impl ByteLookups {
    /// Records one lookup of `op` on bytes `b`, `c`; returns the table's answer.
    pub fn record(&mut self, op: ByteOp, b: u8, c: u8) -> u32 {
        self.counts[op as usize][b as usize | (c as usize) << 8] += 1;
        op.apply(b, c)
    }

    /// Records the top-bit lookup of `byte` (see `bus::lookup_msb`).
    pub(crate) fn record_msb(&mut self, byte: u8) {
        self.record(ByteOp::Ltu, 127, byte);
    }

    /// Records a 16-bit range check of `value`.
    pub fn record_u16(&mut self, value: u16) {
        self.record(ByteOp::U16, value as u8, (value >> 8) as u8);
    }
}

/// One ALU operation `a = op(b, c)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AluEvent {
    pub op: AluOp,
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

/// Everything the chips of one shard prove. A chip's events are one field here, empty by
/// default: adding a chip adds its field and nothing else to this file.
#[derive(Clone, Debug, Default)]
pub struct MachineRecord {
    pub program: Arc<Program>,
    pub byte_lookups: ByteLookups,
    /// How many times each instruction of the program was fetched (by index).
    pub instruction_counts: Vec<u32>,
    /// Additions and subtractions, for the AddSub chip.
    pub add_sub_events: Vec<AluEvent>,
    /// AND, OR, XOR and NOR, for the Bitwise chip.
    pub bitwise_events: Vec<AluEvent>,
    /// SLT and SLTU, for the Lt chip.
    pub lt_events: Vec<AluEvent>,
    /// Products, for the Mul chip.
    pub mul_events: Vec<crate::chips::mul::MulEvent>,
    /// Divisions, for the Div chip.
    pub div_events: Vec<crate::chips::div::DivEvent>,
    /// Shifts and rotations, for the Shift chip.
    pub shift_events: Vec<AluEvent>,
    /// CLZ, CLO, SEB, SEH and WSBH, for the Bits chip.
    pub bits_events: Vec<AluEvent>,
    /// EXT and INS, for the BitField chip.
    pub bit_field_events: Vec<crate::chips::bit_field::BitFieldEvent>,
    /// The ALU requests the CPU makes, `(op, a, b, c)` in cycle order, `op` as it goes on the
    /// bus (an [`AluOp`] or an EXT/INS encoding); the execution chips' own requests, such as the
    /// Div chip's comparison, are not in here.
    pub cpu_alu_requests: Vec<(u32, u32, u32, u32)>,
    /// The shard's position in its run.
    pub shard_index: u32,
    /// Cycles the run executed before the shard.
    pub start_clock: u64,
    /// Every key the shard touches, sorted by key.
    pub memory_boundary: Vec<crate::chips::memory::ShardBoundaryRow>,
    /// The run's memory boundary, in its last shard (empty in the others), sorted by key.
    pub memory_global: Vec<crate::chips::memory::GlobalBoundaryRow>,
    /// The CPU's cycles, syscalls and HINT_READ words.
    pub cpu_steps: Vec<crate::chips::cpu::trace::CpuStep>,
    pub syscall_steps: Vec<crate::chips::syscall::SyscallStep>,
    pub hint_words: Vec<crate::chips::hint::HintWord>,
    /// SHA_EXTEND calls: the schedule after the call and one row per word.
    pub sha_extend_calls: Vec<([u32; 64], Vec<crate::chips::sha_extend::ShaExtendRow>)>,
    /// SHA_COMPRESS calls.
    pub sha_compress_calls: Vec<crate::chips::sha_compress::ShaCompressCall>,
    /// KECCAK_SPONGE calls.
    pub keccak_calls: Vec<crate::chips::keccak_sponge::KeccakCall>,
    /// POSEIDON2_PERMUTE calls.
    pub poseidon2_calls: Vec<crate::chips::poseidon2::Poseidon2Call>,
    /// Messages that cross shards.
    pub global_messages: Vec<crate::chips::global_sum::GlobalRow>,
    /// The committed digest's words when the shard starts, and with their last timestamps.
    pub digest_start: [u32; 8],
    pub digest: [(u32, u32); 8],
    /// `(pc, next_pc)` at the start and after the last cycle.
    pub start: (u32, u32),
    pub end: (u32, u32),
    pub exit_code: Option<u32>,
}

impl MachineRecord {
    pub fn new(program: Arc<Program>) -> Self {
        MachineRecord {
            instruction_counts: vec![0; program.instructions.len()],
            program,
            ..Default::default()
        }
    }

    /// Records `op(b, c)` for the chip that computes it, with the byte lookups that chip makes;
    /// returns the result.
    pub fn record_alu(&mut self, op: AluOp, b: u32, c: u32) -> u32 {
        use crate::chips::{add_sub, bits, bitwise, div, lt, mul, shift};
        match op {
            AluOp::Add | AluOp::Sub => add_sub::record(self, op, b, c),
            AluOp::And | AluOp::Or | AluOp::Xor | AluOp::Nor => bitwise::record(self, op, b, c),
            AluOp::Slt | AluOp::Sltu => lt::record(self, op, b, c),
            AluOp::MulLo | AluOp::MulHi | AluOp::MulHiU => mul::record(self, op, b, c),
            AluOp::DivQ | AluOp::DivR | AluOp::DivQU | AluOp::DivRU => div::record(self, op, b, c),
            AluOp::Sll | AluOp::Srl | AluOp::Sra | AluOp::Rotr => shift::record(self, op, b, c),
            AluOp::Clz | AluOp::Clo | AluOp::Seb | AluOp::Seh | AluOp::Wsbh => {
                bits::record(self, op, b, c)
            }
        }
    }

    /// Records a fetch of the instruction at `pc` (which must be in the code).
    pub fn record_fetch(&mut self, pc: u32) {
        let index = (pc - self.program.code_base) / 4;
        self.instruction_counts[index as usize] += 1;
    }
}
