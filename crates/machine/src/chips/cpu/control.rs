//! What the program ROM tells the CPU about each instruction: its *kind* (one of the CPU's
//! one-hot flags), a few independent flags, the ALU operation, the register numbers and an
//! operand, all fixed when the program is loaded.
//!
//! The ROM does the decoding work that would otherwise cost the CPU columns: register numbers
//! are the registers actually read and written (HI = 32, LO = 33; `rd` is the destination, 0
//! when nothing is written), and `imm` is the operand the instruction uses: the absolute target
//! of a branch or `j`/`jal` (known from the pc), LUI's shifted value, 0 for unary operations.

use tessera_mips::{Instruction, Opcode};

use crate::bus::{ext_op, ins_op, AluOp};

/// The CPU's instruction kinds; each has one flag column. `Nop` (SYNC, PREF) has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    Nop = 0,
    /// One ALU request; the destination gets its answer.
    Alu,
    /// MULT/MULTU/DIV/DIVU: LO and HI from one product or division row (the ROM's `alu_op`
    /// asks for LO, its `imm` names the operation that gives HI).
    HiLo,
    /// MADD/MADDU, MSUB/MSUBU: HI:LO plus or minus the product (asked as for MULT/MULTU).
    MAdd,
    MSub,
    /// The destination gets `rs` (MFHI, MFLO, MTHI, MTLO: the ROM names HI/LO as registers).
    Move,
    Movz,
    Movn,
    /// The destination gets the ROM operand (LUI).
    Lui,
    Beq,
    Bne,
    /// Taken when `b < c` (signed): BLTZ is `rs < 0`, BGTZ is `0 < rs`.
    Blt,
    /// Taken when not `b < c`: BGEZ, BLEZ.
    Bge,
    // Trap instructions are the four branch kinds with the `TRAP` flag, which forbids taking
    // them: TEQ is a BEQ that must not be taken, TLT(U) a BLT, and so on.
    /// J/JAL: to the ROM operand.
    Jump,
    /// JR/JALR: to `rs`.
    JumpReg,
    Lb,
    Lbu,
    Lh,
    Lhu,
    /// LW and LL.
    Lw,
    Lwl,
    Lwr,
    Sb,
    Sh,
    Sw,
    Swl,
    Swr,
    /// SC: a store that also writes 1 to `rt`.
    Sc,
    Syscall,
}

pub const NUM_KINDS: usize = Kind::Syscall as usize;

/// The kinds that load, store, or use HI/LO: one list each, read by the executor-side helpers
/// below and summed (in this order) by the CPU's constraints.
pub const LOADS: [Kind; 7] = [
    Kind::Lb,
    Kind::Lbu,
    Kind::Lh,
    Kind::Lhu,
    Kind::Lw,
    Kind::Lwl,
    Kind::Lwr,
];
pub const STORES: [Kind; 6] = [Kind::Sb, Kind::Sh, Kind::Sw, Kind::Swl, Kind::Swr, Kind::Sc];
pub const HI_LO: [Kind; 3] = [Kind::HiLo, Kind::MAdd, Kind::MSub];

impl Kind {
    /// Every kind with a flag, in column order (flag `i` is kind `i + 1`).
    pub const FLAGGED: [Kind; NUM_KINDS] = [
        Kind::Alu,
        Kind::HiLo,
        Kind::MAdd,
        Kind::MSub,
        Kind::Move,
        Kind::Movz,
        Kind::Movn,
        Kind::Lui,
        Kind::Beq,
        Kind::Bne,
        Kind::Blt,
        Kind::Bge,
        Kind::Jump,
        Kind::JumpReg,
        Kind::Lb,
        Kind::Lbu,
        Kind::Lh,
        Kind::Lhu,
        Kind::Lw,
        Kind::Lwl,
        Kind::Lwr,
        Kind::Sb,
        Kind::Sh,
        Kind::Sw,
        Kind::Swl,
        Kind::Swr,
        Kind::Sc,
        Kind::Syscall,
    ];

    /// The column index of the flag, if the kind has one.
    pub fn flag(self) -> Option<usize> {
        (self as usize).checked_sub(1)
    }

    pub fn is_memory(self) -> bool {
        self.is_load() || STORES.contains(&self)
    }

    pub fn is_load(self) -> bool {
        LOADS.contains(&self)
    }

    /// Kinds that read and write HI (the memory-access slot) and LO (the destination slot).
    pub fn is_hi_lo(self) -> bool {
        HI_LO.contains(&self)
    }

    /// Kinds that ask the ALU for `alu_op(b, c)` (HI/LO kinds ask a second time, for HI).
    pub fn asks_alu(self) -> bool {
        matches!(self, Kind::Alu | Kind::Blt | Kind::Bge) || self.is_hi_lo() || self.is_memory()
    }
}

/// Independent flags, packed above the kind in the ROM message.
pub mod extra {
    /// Always set in the ROM for an instruction that may run; every CPU row sends `is_real` here,
    /// so no padding row of the ROM can be fetched.
    pub const REAL: u32 = 1;
    /// The destination gets `pc + 8`.
    pub const LINK: u32 = 2;
    /// The ALU's `b` is `rt` (else `rs`).
    pub const B_IS_RT: u32 = 4;
    /// The ALU's `c` is `rs` (else `rt` or the operand).
    pub const C_IS_RS: u32 = 8;
    /// The ALU's `c` is the ROM operand.
    pub const C_IS_IMM: u32 = 16;
    /// The destination register is written.
    pub const WRITES_RD: u32 = 32;
    /// A trap instruction: its branch condition must be false.
    pub const TRAP: u32 = 64;
    /// A branch or jump: its next instruction is its delay slot.
    pub const DELAY_SLOT: u32 = 128;
    pub const COUNT: usize = 8;
}

/// The kind occupies the low 6 bits of the packed ROM field (there are fewer than 64 kinds).
pub const KIND_BITS: u32 = 6;

/// One instruction as the ROM holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Control {
    pub kind: Kind,
    pub extra: u32,
    pub alu_op: u32,
    pub rs: u32,
    pub rt: u32,
    pub rd: u32,
    pub imm: u32,
}

impl Control {
    /// `kind + 64·extra`: one field of the ROM message.
    pub fn packed(&self) -> u32 {
        self.kind as u32 | self.extra << KIND_BITS
    }

    pub fn has(&self, flag: u32) -> bool {
        self.extra & flag != 0
    }

    /// The ROM row of `inst` at `pc`. Instructions that can never run to completion (invalid
    /// encodings, BREAK) get no `REAL` flag, so no CPU row can fetch them.
    pub fn of(inst: &Instruction, pc: u32) -> Control {
        use extra::*;
        use Opcode::*;
        let (rs, rt, rd) = (inst.rs as u32, inst.rt as u32, inst.rd as u32);
        let target = pc.wrapping_add(4).wrapping_add(inst.imm);
        let jump_target = (pc.wrapping_add(4) & 0xF000_0000) | inst.imm;
        let alu = |op: u32, b_rt: bool, c: u32, dest: u32, imm: u32| Control {
            kind: Kind::Alu,
            extra: REAL | if b_rt { B_IS_RT } else { 0 } | c,
            alu_op: op,
            rs,
            rt,
            rd: dest,
            imm,
        };
        let plain = |kind: Kind, extra: u32, rs: u32, rt: u32, rd: u32, imm: u32| Control {
            kind,
            extra: REAL | extra,
            alu_op: 0,
            rs,
            rt,
            rd,
            imm,
        };
        let op = |o: AluOp| o as u32;
        let mut control = match inst.opcode {
            Add | Addu => alu(op(AluOp::Add), false, 0, rd, 0),
            Sub | Subu => alu(op(AluOp::Sub), false, 0, rd, 0),
            And => alu(op(AluOp::And), false, 0, rd, 0),
            Or => alu(op(AluOp::Or), false, 0, rd, 0),
            Xor => alu(op(AluOp::Xor), false, 0, rd, 0),
            Nor => alu(op(AluOp::Nor), false, 0, rd, 0),
            Slt => alu(op(AluOp::Slt), false, 0, rd, 0),
            Sltu => alu(op(AluOp::Sltu), false, 0, rd, 0),
            Sllv => alu(op(AluOp::Sll), true, C_IS_RS, rd, 0),
            Srlv => alu(op(AluOp::Srl), true, C_IS_RS, rd, 0),
            Srav => alu(op(AluOp::Sra), true, C_IS_RS, rd, 0),
            Rotrv => alu(op(AluOp::Rotr), true, C_IS_RS, rd, 0),
            Sll => alu(op(AluOp::Sll), true, C_IS_IMM, rd, inst.imm),
            Srl => alu(op(AluOp::Srl), true, C_IS_IMM, rd, inst.imm),
            Sra => alu(op(AluOp::Sra), true, C_IS_IMM, rd, inst.imm),
            Rotr => alu(op(AluOp::Rotr), true, C_IS_IMM, rd, inst.imm),
            Mul => alu(op(AluOp::MulLo), false, 0, rd, 0),
            Clz => alu(op(AluOp::Clz), false, C_IS_IMM, rd, 0),
            Clo => alu(op(AluOp::Clo), false, C_IS_IMM, rd, 0),
            Seb => alu(op(AluOp::Seb), true, C_IS_IMM, rd, 0),
            Seh => alu(op(AluOp::Seh), true, C_IS_IMM, rd, 0),
            Wsbh => alu(op(AluOp::Wsbh), true, C_IS_IMM, rd, 0),
            Ext => alu(ext_op(inst.imm, rd), false, C_IS_IMM, rt, 0),
            Ins => alu(ins_op(inst.imm, rd), false, 0, rt, 0),
            Addi | Addiu => alu(op(AluOp::Add), false, C_IS_IMM, rt, inst.imm),
            Slti => alu(op(AluOp::Slt), false, C_IS_IMM, rt, inst.imm),
            Sltiu => alu(op(AluOp::Sltu), false, C_IS_IMM, rt, inst.imm),
            Andi => alu(op(AluOp::And), false, C_IS_IMM, rt, inst.imm),
            Ori => alu(op(AluOp::Or), false, C_IS_IMM, rt, inst.imm),
            Xori => alu(op(AluOp::Xor), false, C_IS_IMM, rt, inst.imm),
            Lui => plain(Kind::Lui, 0, 0, 0, rt, inst.imm),
            Mult | Multu | Div | Divu | Madd | Maddu | Msub | Msubu => {
                let (kind, lo, hi) = match inst.opcode {
                    Mult => (Kind::HiLo, AluOp::MulLo, AluOp::MulHi),
                    Multu => (Kind::HiLo, AluOp::MulLo, AluOp::MulHiU),
                    Div => (Kind::HiLo, AluOp::DivQ, AluOp::DivR),
                    Divu => (Kind::HiLo, AluOp::DivQU, AluOp::DivRU),
                    Madd => (Kind::MAdd, AluOp::MulLo, AluOp::MulHi),
                    Maddu => (Kind::MAdd, AluOp::MulLo, AluOp::MulHiU),
                    Msub => (Kind::MSub, AluOp::MulLo, AluOp::MulHi),
                    _ => (Kind::MSub, AluOp::MulLo, AluOp::MulHiU),
                };
                let mut c = plain(kind, 0, rs, rt, 33, op(hi));
                c.alu_op = op(lo);
                c
            }
            Mfhi => plain(Kind::Move, 0, 32, 0, rd, 0),
            Mflo => plain(Kind::Move, 0, 33, 0, rd, 0),
            Mthi => plain(Kind::Move, 0, rs, 0, 32, 0),
            Mtlo => plain(Kind::Move, 0, rs, 0, 33, 0),
            // MOVZ/MOVN compare `rt` with 0: b = rt, c = the operand 0.
            Movz => plain(Kind::Movz, B_IS_RT | C_IS_IMM, rs, rt, rd, 0),
            Movn => plain(Kind::Movn, B_IS_RT | C_IS_IMM, rs, rt, rd, 0),
            Beq => plain(Kind::Beq, 0, rs, rt, 0, target),
            Bne => plain(Kind::Bne, 0, rs, rt, 0, target),
            // Sign tests against register 0: BLTZ `rs < 0`, BGEZ not; BGTZ `0 < rs`, BLEZ not.
            Bltz => plain(Kind::Blt, 0, rs, 0, 0, target),
            Bgez => plain(Kind::Bge, 0, rs, 0, 0, target),
            Bgtz => plain(Kind::Blt, B_IS_RT | C_IS_RS, rs, 0, 0, target),
            Blez => plain(Kind::Bge, B_IS_RT | C_IS_RS, rs, 0, 0, target),
            Bltzal => plain(Kind::Blt, LINK, rs, 0, 31, target),
            Bgezal => plain(Kind::Bge, LINK, rs, 0, 31, target),
            J => plain(Kind::Jump, 0, 0, 0, 0, jump_target),
            Jal => plain(Kind::Jump, LINK, 0, 0, 31, jump_target),
            Jr => plain(Kind::JumpReg, 0, rs, 0, 0, 0),
            Jalr => plain(Kind::JumpReg, LINK, rs, 0, rd, 0),
            Lb => plain(Kind::Lb, C_IS_IMM, rs, rt, rt, inst.imm),
            Lbu => plain(Kind::Lbu, C_IS_IMM, rs, rt, rt, inst.imm),
            Lh => plain(Kind::Lh, C_IS_IMM, rs, rt, rt, inst.imm),
            Lhu => plain(Kind::Lhu, C_IS_IMM, rs, rt, rt, inst.imm),
            Lw | Ll => plain(Kind::Lw, C_IS_IMM, rs, rt, rt, inst.imm),
            Lwl => plain(Kind::Lwl, C_IS_IMM, rs, rt, rt, inst.imm),
            Lwr => plain(Kind::Lwr, C_IS_IMM, rs, rt, rt, inst.imm),
            Sb => plain(Kind::Sb, C_IS_IMM, rs, rt, 0, inst.imm),
            Sh => plain(Kind::Sh, C_IS_IMM, rs, rt, 0, inst.imm),
            Sw => plain(Kind::Sw, C_IS_IMM, rs, rt, 0, inst.imm),
            Swl => plain(Kind::Swl, C_IS_IMM, rs, rt, 0, inst.imm),
            Swr => plain(Kind::Swr, C_IS_IMM, rs, rt, 0, inst.imm),
            Sc => plain(Kind::Sc, C_IS_IMM, rs, rt, rt, inst.imm),
            Teq => plain(Kind::Beq, TRAP, rs, rt, 0, 0),
            Tne => plain(Kind::Bne, TRAP, rs, rt, 0, 0),
            Teqi => plain(Kind::Beq, TRAP | C_IS_IMM, rs, 0, 0, inst.imm),
            Tnei => plain(Kind::Bne, TRAP | C_IS_IMM, rs, 0, 0, inst.imm),
            Tlt | Tltu | Tge | Tgeu | Tlti | Tltiu | Tgei | Tgeiu => {
                let kind = if matches!(inst.opcode, Tlt | Tltu | Tlti | Tltiu) {
                    Kind::Blt
                } else {
                    Kind::Bge
                };
                let signed = matches!(inst.opcode, Tlt | Tge | Tlti | Tgei);
                let immediate = matches!(inst.opcode, Tlti | Tltiu | Tgei | Tgeiu);
                let mut c = if immediate {
                    plain(kind, TRAP | C_IS_IMM, rs, 0, 0, inst.imm)
                } else {
                    plain(kind, TRAP, rs, rt, 0, 0)
                };
                c.alu_op = op(if signed { AluOp::Slt } else { AluOp::Sltu });
                c
            }
            Syscall => plain(Kind::Syscall, 0, 0, 0, 0, 0),
            Sync | Pref => plain(Kind::Nop, 0, 0, 0, 0, 0),
            Break | Invalid => Control {
                kind: Kind::Nop,
                extra: 0,
                alu_op: 0,
                rs: 0,
                rt: 0,
                rd: 0,
                imm: 0,
            },
        };
        // A result nobody keeps: no ALU work either.
        if control.rd == 0
            && matches!(
                control.kind,
                Kind::Alu | Kind::Move | Kind::Movz | Kind::Movn | Kind::Lui
            )
        {
            control.kind = Kind::Nop;
            control.extra = REAL;
            control.alu_op = 0;
        }
        if inst.opcode.has_delay_slot() {
            control.extra |= DELAY_SLOT;
        }
        if matches!(control.kind, Kind::Blt | Kind::Bge) && !control.has(TRAP) {
            control.alu_op = AluOp::Slt as u32;
        }
        // Writes to register 0 are dropped: the ROM says so once, the CPU never asks.
        if control.rd != 0 && control.kind != Kind::Nop {
            let writes = !matches!(
                control.kind,
                Kind::Beq
                    | Kind::Bne
                    | Kind::Jump
                    | Kind::JumpReg
                    | Kind::Blt
                    | Kind::Bge
                    | Kind::Sb
                    | Kind::Sh
                    | Kind::Sw
                    | Kind::Swl
                    | Kind::Swr
            ) || control.has(LINK);
            if writes {
                control.extra |= WRITES_RD;
            }
        } else {
            control.rd = 0;
        }
        control
    }
}

/// Every `(kind, extra)` a ROM row that can be fetched holds (`REAL` set), over every opcode and
/// every way its registers can be zero: the values the CPU's `kinds` and `flags` can take on a
/// real row.
pub fn rom_controls() -> Vec<(Kind, u32)> {
    let mut seen = Vec::new();
    for opcode in Opcode::ALL {
        // EXT and INS keep the field size in `rd`, which is at least 1.
        let sizes: &[u8] = if matches!(opcode, Opcode::Ext | Opcode::Ins) {
            &[1]
        } else {
            &[0, 1]
        };
        for (rs, rt, &rd, imm) in (0..8).flat_map(|k| {
            let (rs, rt, imm) = (k & 1, k >> 1 & 1, 4 * (k >> 2));
            sizes.iter().map(move |rd| (rs as u8, rt as u8, rd, imm))
        }) {
            let inst = Instruction {
                opcode,
                rs,
                rt,
                rd,
                imm,
                word: 0,
            };
            let c = Control::of(&inst, 0x0040_0000);
            if c.has(extra::REAL) && !seen.contains(&(c.kind, c.extra)) {
                seen.push((c.kind, c.extra));
            }
        }
    }
    seen
}
