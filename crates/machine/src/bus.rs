//! Every bus of the machine, with the layout of its messages. A chip that sends or receives on a
//! bus uses these helpers, so that both ends agree on the tuple by construction.

use p3_air::{AirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder, LookupBus};

/// Byte operations answered by the byte table: `(op, a, b, c)` with `b`, `c` bytes.
pub const BYTE_BUS: &str = "byte";
/// The program ROM: `(pc, control, alu_op, rs, rt, rd, imm_lo, imm_hi)`, see
/// `chips::cpu::control`.
pub const PROGRAM_BUS: &str = "program";
/// Memory and registers: `(key, value_lo, value_hi, ts)`; see [`memory_key`].
pub const MEMORY_BUS: &str = "memory";
/// ALU requests from the CPU to the execution chips:
/// `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)` with `a = op(b, c)` and words as 16-bit halves.
pub const ALU_BUS: &str = "alu";

/// Operations on the ALU bus (not MIPS opcodes: ADD, ADDU, ADDI and ADDIU are all `Add`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AluOp {
    Add = 0,
    Sub = 1,
    And = 2,
    Or = 3,
    Xor = 4,
    Nor = 5,
    Slt = 6,
    Sltu = 7,
    /// Low word of `b·c` (MUL, and MULT/MULTU's LO).
    MulLo = 8,
    /// High word of the signed product (MULT's HI).
    MulHi = 9,
    /// High word of the unsigned product (MULTU's HI).
    MulHiU = 10,
    /// Signed quotient and remainder (DIV's LO and HI); `INT_MIN / -1 = INT_MIN` remainder 0.
    DivQ = 11,
    DivR = 12,
    /// Unsigned quotient and remainder (DIVU).
    DivQU = 13,
    DivRU = 14,
    /// Shifts and rotation by `c mod 32` (SLL/SLLV, SRL/SRLV, SRA/SRAV, ROTR/ROTRV).
    Sll = 15,
    Srl = 16,
    Sra = 17,
    Rotr = 18,
    /// Count leading zeros / ones of `b` (`c` is 0).
    Clz = 19,
    Clo = 20,
    /// Sign-extend byte / halfword, swap bytes within halfwords (`c` is 0).
    Seb = 21,
    Seh = 22,
    Wsbh = 23,
}

/// EXT and INS carry their field on the bus in the operation itself:
/// `op = base + pos + 32·(size − 1)`, both from the program ROM (`imm` = pos, `rd` = size).
pub const EXT_BASE: u32 = 64;
pub const INS_BASE: u32 = EXT_BASE + 1024;

/// The bus operation of `ext a, b, pos, size` (`c` = 0).
pub const fn ext_op(pos: u32, size: u32) -> u32 {
    EXT_BASE + pos + 32 * (size - 1)
}

/// The bus operation of `ins a, b, pos, size` where `c` is the old value of the destination.
pub const fn ins_op(pos: u32, size: u32) -> u32 {
    INS_BASE + pos + 32 * (size - 1)
}

/// The reference semantics of EXT and INS.
pub fn bit_field(insert: bool, pos: u32, size: u32, b: u32, c: u32) -> u32 {
    let mask = u32::MAX >> (32 - size);
    if insert {
        (c & !(mask << pos)) | ((b & mask) << pos)
    } else {
        (b >> pos) & mask
    }
}

impl AluOp {
    /// Every operation, in bus-encoding order (`ALL[i] as u32 == i`).
    pub const ALL: [AluOp; 24] = [
        AluOp::Add,
        AluOp::Sub,
        AluOp::And,
        AluOp::Or,
        AluOp::Xor,
        AluOp::Nor,
        AluOp::Slt,
        AluOp::Sltu,
        AluOp::MulLo,
        AluOp::MulHi,
        AluOp::MulHiU,
        AluOp::DivQ,
        AluOp::DivR,
        AluOp::DivQU,
        AluOp::DivRU,
        AluOp::Sll,
        AluOp::Srl,
        AluOp::Sra,
        AluOp::Rotr,
        AluOp::Clz,
        AluOp::Clo,
        AluOp::Seb,
        AluOp::Seh,
        AluOp::Wsbh,
    ];

    /// The operation with bus encoding `op`, if it is one (EXT and INS encodings are not).
    pub fn from_u32(op: u32) -> Option<AluOp> {
        AluOp::ALL.get(op as usize).copied()
    }

    /// The reference semantics.
    pub fn apply(self, b: u32, c: u32) -> u32 {
        match self {
            AluOp::Add => b.wrapping_add(c),
            AluOp::Sub => b.wrapping_sub(c),
            AluOp::And => b & c,
            AluOp::Or => b | c,
            AluOp::Xor => b ^ c,
            AluOp::Nor => !(b | c),
            AluOp::Slt => ((b as i32) < (c as i32)) as u32,
            AluOp::Sltu => (b < c) as u32,
            AluOp::MulLo => b.wrapping_mul(c),
            AluOp::MulHi => ((b as i32 as i64 * c as i32 as i64) >> 32) as u32,
            AluOp::MulHiU => ((b as u64 * c as u64) >> 32) as u32,
            // Division by zero never reaches the ALU: the executor stops first.
            AluOp::DivQ => (b as i32).wrapping_div(c as i32) as u32,
            AluOp::DivR => (b as i32).wrapping_rem(c as i32) as u32,
            AluOp::DivQU => b / c,
            AluOp::DivRU => b % c,
            AluOp::Sll => b << (c & 31),
            AluOp::Srl => b >> (c & 31),
            AluOp::Sra => ((b as i32) >> (c & 31)) as u32,
            AluOp::Rotr => b.rotate_right(c & 31),
            AluOp::Clz => b.leading_zeros(),
            AluOp::Clo => b.leading_ones(),
            AluOp::Seb => b as u8 as i8 as i32 as u32,
            AluOp::Seh => b as u16 as i16 as i32 as u32,
            AluOp::Wsbh => ((b & 0x00FF_00FF) << 8) | ((b >> 8) & 0x00FF_00FF),
        }
    }
}

/// The operations of the byte table. For each, the message `(op, a, b, c)` exists exactly when
/// `b` and `c` are bytes and `a` is the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ByteOp {
    /// `a = b & c`.
    And = 0,
    /// `a = b | c`.
    Or = 1,
    /// `a = b ^ c`.
    Xor = 2,
    /// `a = 0`: range-checks the two bytes `b` and `c`.
    U8Pair = 3,
    /// `a = b + 256·c`, sent as `(U16, a, 0, 0)`: range-checks a 16-bit value.
    U16 = 4,
    /// `a = (b < c)`.
    Ltu = 5,
    /// `a` = the leading zeros of the byte `b` (8 for 0); any byte `c`, usually 0.
    Clz8 = 6,
}

impl ByteOp {
    pub const ALL: [ByteOp; 7] = [
        ByteOp::And,
        ByteOp::Or,
        ByteOp::Xor,
        ByteOp::U8Pair,
        ByteOp::U16,
        ByteOp::Ltu,
        ByteOp::Clz8,
    ];

    /// The reference semantics: the result for bytes `b`, `c`.
    pub fn apply(self, b: u8, c: u8) -> u32 {
        match self {
            ByteOp::And => (b & c) as u32,
            ByteOp::Or => (b | c) as u32,
            ByteOp::Xor => (b ^ c) as u32,
            ByteOp::U8Pair => 0,
            ByteOp::U16 => b as u32 | (c as u32) << 8,
            ByteOp::Ltu => (b < c) as u32,
            ByteOp::Clz8 => b.leading_zeros(),
        }
    }
}

/// Asks the byte table for `(op, a, b, c)`, `count` times (`count` must be 0 or 1).
pub fn lookup_byte<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    op: ByteOp,
    fields: [AB::Expr; 3],
    count: AB::Expr,
) {
    lookup_byte_op(builder, AB::Expr::from_u8(op as u8), fields, count);
}

/// [`lookup_byte`] with the operation chosen by an expression of the row's flags.
pub fn lookup_byte_op<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    op: AB::Expr,
    [a, b, c]: [AB::Expr; 3],
    count: AB::Expr,
) {
    LookupBus::new(BYTE_BUS).lookup_key(builder, [op, a, b, c], Count::bounded(count, 1));
}

/// Constrains `msb` to the top bit of `byte` (a byte): the byte table answers `127 < byte`.
pub fn lookup_msb<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    msb: AB::Expr,
    byte: AB::Expr,
    count: AB::Expr,
) {
    lookup_byte(
        builder,
        ByteOp::Ltu,
        [msb, AB::Expr::from_u32(127), byte],
        count,
    );
}

/// Range-checks a 16-bit value through the byte table.
pub fn lookup_u16<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    value: AB::Expr,
    count: AB::Expr,
) {
    lookup_byte(
        builder,
        ByteOp::U16,
        [value, AB::Expr::ZERO, AB::Expr::ZERO],
        count,
    );
}

/// Provides a preprocessed table's row on the lookup `bus`, as many times as the row's single
/// main column says: the whole `eval` of a fixed table (the ROM, SHA-256's round constants).
pub fn provide_preprocessed_row<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    bus: &'static str,
) {
    let row: Vec<AB::Expr> = builder
        .preprocessed()
        .current_slice()
        .iter()
        .map(|&v| v.into())
        .collect();
    let multiplicity: AB::Expr = builder.main().current_slice()[0].into();
    LookupBus::new(bus).table_entry(builder, row, multiplicity);
}

/// Reads the instruction at `pc` from the program ROM: `fields` are
/// `(control, alu_op, rs, rt, rd, imm_lo, imm_hi)`.
pub fn lookup_instruction<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    pc: AB::Expr,
    fields: [AB::Expr; 7],
    count: AB::Expr,
) {
    let [control, alu_op, rs, rt, rd, imm_lo, imm_hi] = fields;
    LookupBus::new(PROGRAM_BUS).lookup_key(
        builder,
        [pc, control, alu_op, rs, rt, rd, imm_lo, imm_hi],
        Count::bounded(count, 1),
    );
}

/// An ALU request `a = op(b, c)`: sent (by the CPU, `count` positive) or received (by the chip
/// that computes it). Words are `[lo, hi]` 16-bit halves.
pub fn alu_message<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    op: AB::Expr,
    [a, b, c]: [[AB::Expr; 2]; 3],
    count: AB::Expr,
    receive: bool,
) {
    let [a_lo, a_hi] = a;
    let [b_lo, b_hi] = b;
    let [c_lo, c_hi] = c;
    let bus = p3_lookup::PermutationCheckBus::new(ALU_BUS);
    let fields = [op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi];
    if receive {
        bus.receive(builder, fields, Count::bounded(count, 1));
    } else {
        bus.send(builder, fields, Count::bounded(count, 1));
    }
}

/// The key of a memory word or register on the memory bus: word index `addr / 4` for memory
/// (below `0x1FC0_0000`), `0x1FC0_0000 + r` for register `r` (32 = HI, 33 = LO). Every key is
/// below 2^29, so differences of keys are range-checked without wrapping in KoalaBear.
pub const fn memory_key(addr: u32) -> u32 {
    addr >> 2
}

pub const REGISTER_KEY_BASE: u32 = tessera_mips::MEMORY_LIMIT >> 2;

pub const fn register_key(register: u32) -> u32 {
    REGISTER_KEY_BASE + register
}

/// Sends (`produce`) or takes (`!produce`) a memory value `(key, lo, hi, ts)`, `count` times.
pub fn memory_message<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    [key, lo, hi, ts]: [AB::Expr; 4],
    count: AB::Expr,
    produce: bool,
) {
    let bus = p3_lookup::PermutationCheckBus::new(MEMORY_BUS);
    let fields = [key, lo, hi, ts];
    if produce {
        bus.send(builder, fields, Count::bounded(count, 1));
    } else {
        bus.receive(builder, fields, Count::bounded(count, 1));
    }
}

/// Syscalls from the CPU to the Syscall chip: `(clk, halt)`; the Syscall chip reads the number
/// and arguments from the registers itself and says whether the call halts.
pub const SYSCALL_BUS: &str = "syscall";
/// HINT_READ's buffer, word by word: `(clk, key, bytes_left)`.
pub const HINT_BUS: &str = "hint";
/// SHA_EXTEND's words, one row each: `(clk, key, j)`.
pub const SHA_EXTEND_BUS: &str = "sha_extend";
/// SHA_COMPRESS's rows: `(clk, w_key, state_key, j)`.
pub const SHA_COMPRESS_BUS: &str = "sha_compress";
/// KECCAK_SPONGE's calls: `(clk, in_key, out_key)`.
pub const KECCAK_BUS: &str = "keccak";
/// POSEIDON2_PERMUTE's calls: `(clk, key)`.
pub const POSEIDON2_BUS: &str = "poseidon2";
/// Messages that cross shards, to the GlobalSum chip: `(is_send, m_0..m_8)`.
pub const GLOBAL_BUS: &str = "global";

/// Sends (`send`) or receives a message on the permutation bus `bus`, `count` times (0 or 1).
pub fn permutation<AB: AirBuilder + InteractionBuilder, const N: usize>(
    builder: &mut AB,
    bus: &'static str,
    fields: [AB::Expr; N],
    count: AB::Expr,
    send: bool,
) {
    let bus = p3_lookup::PermutationCheckBus::new(bus);
    if send {
        bus.send(builder, fields, Count::bounded(count, 1));
    } else {
        bus.receive(builder, fields, Count::bounded(count, 1));
    }
}

/// Keys of the committed public-values digest's eight words on the memory bus: above every key
/// the memory boundary chips can list (they range-check keys below 2^29), so only COMMIT and
/// the Digest chip ever touch them.
pub const DIGEST_KEY_BASE: u32 = 1 << 30;

/// The first element of a global memory message (other kinds of cross-shard messages would
/// take other values).
pub const GLOBAL_MEMORY: u32 = 1;

/// The global message of a memory value: `(GLOBAL_MEMORY, key, lo, hi, tag, 0, 0, 0)`.
pub const fn global_memory_fields(key: u32, value: u32, tag: u32) -> [u32; 8] {
    [
        GLOBAL_MEMORY,
        key,
        value & 0xFFFF,
        value >> 16,
        tag,
        0,
        0,
        0,
    ]
}

/// Puts a memory value `(key, lo, hi, tag)` into the run's multiset (`send`) or takes it out,
/// `count` times: a message to the GlobalSum chip.
pub fn global_memory_message<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    [key, lo, hi, tag]: [AB::Expr; 4],
    count: AB::Expr,
    send: bool,
) {
    let fields = [
        AB::Expr::from_bool(send),
        AB::Expr::from_u32(GLOBAL_MEMORY),
        key,
        lo,
        hi,
        tag,
        AB::Expr::ZERO,
        AB::Expr::ZERO,
        AB::Expr::ZERO,
    ];
    permutation(builder, GLOBAL_BUS, fields, count, true);
}

#[cfg(test)]
mod tests {
    use super::AluOp;

    #[test]
    fn every_alu_op_is_found_by_its_encoding() {
        for (i, op) in AluOp::ALL.into_iter().enumerate() {
            assert_eq!(op as usize, i);
            assert_eq!(AluOp::from_u32(i as u32), Some(op));
        }
        assert_eq!(AluOp::from_u32(24), None);
    }
}
