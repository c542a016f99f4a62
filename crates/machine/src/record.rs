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

    /// Records the range check of a word's four bytes (two `U8Pair` lookups).
    pub fn record_word(&mut self, value: u32) {
        let [b0, b1, b2, b3] = value.to_le_bytes();
        self.record(ByteOp::U8Pair, b0, b1);
        self.record(ByteOp::U8Pair, b2, b3);
    }

    /// Records the top-bit lookup of `byte` (see `bus::lookup_msb`).
    pub fn record_msb(&mut self, byte: u8) {
        self.record(ByteOp::Ltu, 127, byte);
    }

    /// Records the timestamp check of an access at `ts` after one at `prev_ts` (see
    /// `gadgets::memory::eval_access`).
    pub fn record_access(&mut self, prev_ts: u32, ts: u32) {
        let diff = ts - prev_ts - 1;
        self.record_u16(diff as u16);
        self.record(ByteOp::U8Pair, (diff >> 16) as u8, 0);
    }

    /// Records the range check of a memory key (see `gadgets::memory::eval_memory_key`).
    pub fn record_memory_key(&mut self, key: u32) {
        crate::gadgets::bound::record_halves_below(self, key, crate::bus::REGISTER_KEY_BASE >> 16);
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

/// Everything the chips of one shard prove.
#[derive(Clone, Debug)]
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
    pub mul_events: Vec<MulEvent>,
    /// Divisions, for the Div chip.
    pub div_events: Vec<DivEvent>,
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

/// One division `b / c` (c ≠ 0) and which results were asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DivEvent {
    pub signed: bool,
    pub b: u32,
    pub c: u32,
    pub send_q: bool,
    pub send_r: bool,
}

/// One product `b·c` and which of its words were asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulEvent {
    pub signed: bool,
    pub b: u32,
    pub c: u32,
    pub send_lo: bool,
    pub send_hi: bool,
}

impl MachineRecord {
    /// The CPU's public values (see `chips::cpu::public`).
    pub fn cpu_public_values(&self) -> [u32; crate::chips::cpu::public::COUNT] {
        [
            self.start.0,
            self.start.1,
            self.end.0,
            self.end.1,
            self.exit_code.is_some() as u32,
            self.cpu_steps.len() as u32,
            self.start_clock as u32 & 0xFFFF,
            (self.start_clock >> 16) as u32 & 0xFFFF,
        ]
    }

    pub fn new(program: Arc<Program>) -> Self {
        let instructions = program.instructions.len();
        MachineRecord {
            program,
            byte_lookups: ByteLookups::default(),
            instruction_counts: vec![0; instructions],
            add_sub_events: Vec::new(),
            bitwise_events: Vec::new(),
            lt_events: Vec::new(),
            mul_events: Vec::new(),
            div_events: Vec::new(),
            shift_events: Vec::new(),
            bits_events: Vec::new(),
            bit_field_events: Vec::new(),
            cpu_alu_requests: Vec::new(),
            shard_index: 0,
            start_clock: 0,
            memory_boundary: Vec::new(),
            memory_global: Vec::new(),
            cpu_steps: Vec::new(),
            syscall_steps: Vec::new(),
            hint_words: Vec::new(),
            sha_extend_calls: Vec::new(),
            sha_compress_calls: Vec::new(),
            keccak_calls: Vec::new(),
            poseidon2_calls: Vec::new(),
            global_messages: Vec::new(),
            digest_start: [0; 8],
            digest: [(0, 0); 8],
            start: (0, 0),
            end: (0, 0),
            exit_code: None,
        }
    }

    /// Records `op(b, c)` for the chip that computes it, with the byte lookups that chip makes;
    /// returns the result.
    pub fn record_alu(&mut self, op: AluOp, b: u32, c: u32) -> u32 {
        let a = op.apply(b, c);
        match op {
            AluOp::Add | AluOp::Sub => {
                self.byte_lookups.record_u16(a as u16);
                self.byte_lookups.record_u16((a >> 16) as u16);
                self.add_sub_events.push(AluEvent { op, a, b, c });
            }
            AluOp::And | AluOp::Or | AluOp::Xor | AluOp::Nor => {
                let table_op = match op {
                    AluOp::And => ByteOp::And,
                    AluOp::Xor => ByteOp::Xor,
                    _ => ByteOp::Or,
                };
                for (x, y) in b.to_le_bytes().into_iter().zip(c.to_le_bytes()) {
                    self.byte_lookups.record(table_op, x, y);
                }
                self.bitwise_events.push(AluEvent { op, a, b, c });
            }
            AluOp::Slt | AluOp::Sltu => {
                let (bb, cb) = (b.to_le_bytes(), c.to_le_bytes());
                self.byte_lookups.record_word(b);
                self.byte_lookups.record_word(c);
                self.byte_lookups.record_msb(bb[3]);
                self.byte_lookups.record_msb(cb[3]);
                let lt = crate::chips::lt::LtWitness::new(op, b, c);
                self.byte_lookups.record(ByteOp::Ltu, lt.b_comp, lt.c_comp);
                self.lt_events.push(AluEvent { op, a, b, c });
            }
            AluOp::MulLo | AluOp::MulHi | AluOp::MulHiU => {
                let signed = op == AluOp::MulHi;
                self.record_product(MulEvent {
                    signed,
                    b,
                    c,
                    send_lo: op == AluOp::MulLo,
                    send_hi: op != AluOp::MulLo,
                });
            }
            AluOp::DivQ | AluOp::DivR | AluOp::DivQU | AluOp::DivRU => {
                assert!(c != 0, "division by zero never reaches the ALU");
                self.record_division(DivEvent {
                    signed: matches!(op, AluOp::DivQ | AluOp::DivR),
                    b,
                    c,
                    send_q: matches!(op, AluOp::DivQ | AluOp::DivQU),
                    send_r: matches!(op, AluOp::DivR | AluOp::DivRU),
                });
            }
            AluOp::Sll | AluOp::Srl | AluOp::Sra | AluOp::Rotr => {
                let w = crate::chips::shift::ShiftWitness::new(op, b, c);
                self.byte_lookups.record_word(b);
                let [_, c1, c2, c3] = c.to_le_bytes();
                self.byte_lookups.record(ByteOp::U8Pair, c1, c2);
                self.byte_lookups.record(ByteOp::U8Pair, c3, 0);
                self.byte_lookups.record_msb(b.to_le_bytes()[3]);
                self.byte_lookups.record_word(w.product as u32);
                self.byte_lookups.record_word((w.product >> 32) as u32);
                let cs = w.carries;
                self.byte_lookups
                    .record(ByteOp::U8Pair, cs[0] as u8, cs[1] as u8);
                self.byte_lookups
                    .record(ByteOp::U8Pair, cs[2] as u8, cs[3] as u8);
                self.byte_lookups
                    .record(ByteOp::U8Pair, cs[4] as u8, cs[5] as u8);
                self.byte_lookups
                    .record(ByteOp::U8Pair, cs[6] as u8, cs[7] as u8);
                self.shift_events.push(AluEvent { op, a, b, c });
            }
            AluOp::Clz | AluOp::Clo | AluOp::Seb | AluOp::Seh | AluOp::Wsbh => {
                assert_eq!(c, 0, "unary operations carry c = 0");
                let w = crate::chips::bits::BitsWitness::new(op, b);
                self.byte_lookups.record_word(b);
                if matches!(op, AluOp::Clz | AluOp::Clo) {
                    self.byte_lookups.record(ByteOp::Clz8, w.top, 0);
                }
                self.byte_lookups.record_msb(b.to_le_bytes()[0]);
                self.byte_lookups.record_msb(b.to_le_bytes()[1]);
                self.bits_events.push(AluEvent { op, a, b, c });
            }
        }
        a
    }

    /// Records one product row (MULT and MULTU ask for both words from one row) with the
    /// lookups the Mul chip makes.
    pub fn record_product(&mut self, event: MulEvent) {
        let witness = crate::chips::mul::MulWitness::new(event.signed, event.b, event.c);
        self.byte_lookups.record_word(event.b);
        self.byte_lookups.record_word(event.c);
        self.byte_lookups.record_msb(event.b.to_le_bytes()[3]);
        self.byte_lookups.record_msb(event.c.to_le_bytes()[3]);
        self.byte_lookups.record_word(witness.product as u32);
        self.byte_lookups
            .record_word((witness.product >> 32) as u32);
        for carry in witness.carries {
            self.byte_lookups.record_u16(carry as u16);
        }
        self.mul_events.push(event);
    }

    /// Records one division row (DIV and DIVU ask for both results from one row) with the lookups
    /// and the `|r| < |c|` comparison the Div chip makes.
    pub fn record_division(&mut self, event: DivEvent) {
        let w = crate::chips::div::DivWitness::new(event.signed, event.b, event.c);
        for word in [event.b, event.c, w.q, w.r, w.abs_r, w.abs_c] {
            self.byte_lookups.record_word(word);
        }
        for word in [event.b, event.c, w.q, w.r] {
            self.byte_lookups.record_msb(word.to_le_bytes()[3]);
        }
        for carry in w.carries {
            self.byte_lookups.record_u16(carry as u16);
        }
        self.record_alu(AluOp::Sltu, w.abs_r, w.abs_c);
        self.div_events.push(event);
    }

    /// Records an EXT (`insert = false`) or INS with the shift and bitwise requests the BitField
    /// chip makes; returns the result.
    pub fn record_bit_field(&mut self, insert: bool, pos: u32, size: u32, b: u32, c: u32) -> u32 {
        let w = crate::chips::bit_field::BitFieldWitness::new(insert, pos, size, b, c);
        for (op, x, y) in w.requests(insert, pos, size, b, c) {
            self.record_alu(op, x, y);
        }
        self.bit_field_events
            .push(crate::chips::bit_field::BitFieldEvent {
                insert,
                pos,
                size,
                b,
                c,
            });
        w.a
    }

    /// Records a fetch of the instruction at `pc` (which must be in the code).
    pub fn record_fetch(&mut self, pc: u32) {
        let index = (pc - self.program.code_base) / 4;
        self.instruction_counts[index as usize] += 1;
    }
}
