//! Decoding of MIPS32r2 integer instructions.

use serde::{Deserialize, Serialize};

/// Every operation Tessera executes. `Invalid` stands for any encoding outside the supported set
/// (reserved, coprocessor, FPU, branch-likely): it decodes, and fails when executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Opcode {
    // Register-register ALU.
    Add,
    Addu,
    Sub,
    Subu,
    And,
    Or,
    Xor,
    Nor,
    Slt,
    Sltu,
    Sllv,
    Srlv,
    Srav,
    Rotrv,
    Sll,
    Srl,
    Sra,
    Rotr,
    Movz,
    Movn,
    // Multiply and divide.
    Mul,
    Mult,
    Multu,
    Div,
    Divu,
    Madd,
    Maddu,
    Msub,
    Msubu,
    Mfhi,
    Mflo,
    Mthi,
    Mtlo,
    // Bit manipulation.
    Clz,
    Clo,
    Seb,
    Seh,
    Wsbh,
    Ext,
    Ins,
    // Immediate ALU.
    Addi,
    Addiu,
    Slti,
    Sltiu,
    Andi,
    Ori,
    Xori,
    Lui,
    // Branches and jumps.
    Beq,
    Bne,
    Blez,
    Bgtz,
    Bltz,
    Bgez,
    Bltzal,
    Bgezal,
    J,
    Jal,
    Jr,
    Jalr,
    // Memory.
    Lb,
    Lbu,
    Lh,
    Lhu,
    Lw,
    Lwl,
    Lwr,
    Ll,
    Sb,
    Sh,
    Sw,
    Swl,
    Swr,
    Sc,
    // System.
    Sync,
    Pref,
    Syscall,
    Break,
    Teq,
    Tne,
    Tge,
    Tgeu,
    Tlt,
    Tltu,
    Teqi,
    Tnei,
    Tgei,
    Tgeiu,
    Tlti,
    Tltiu,
    Invalid,
}

impl Opcode {
    /// How many opcodes there are (`Invalid` stays last, so this is its discriminant + 1).
    pub const COUNT: usize = Opcode::Invalid as usize + 1;

    /// Every opcode, in declaration order: `ALL[i] as usize == i`.
    pub const ALL: [Opcode; Opcode::COUNT] = [
        Opcode::Add,
        Opcode::Addu,
        Opcode::Sub,
        Opcode::Subu,
        Opcode::And,
        Opcode::Or,
        Opcode::Xor,
        Opcode::Nor,
        Opcode::Slt,
        Opcode::Sltu,
        Opcode::Sllv,
        Opcode::Srlv,
        Opcode::Srav,
        Opcode::Rotrv,
        Opcode::Sll,
        Opcode::Srl,
        Opcode::Sra,
        Opcode::Rotr,
        Opcode::Movz,
        Opcode::Movn,
        Opcode::Mul,
        Opcode::Mult,
        Opcode::Multu,
        Opcode::Div,
        Opcode::Divu,
        Opcode::Madd,
        Opcode::Maddu,
        Opcode::Msub,
        Opcode::Msubu,
        Opcode::Mfhi,
        Opcode::Mflo,
        Opcode::Mthi,
        Opcode::Mtlo,
        Opcode::Clz,
        Opcode::Clo,
        Opcode::Seb,
        Opcode::Seh,
        Opcode::Wsbh,
        Opcode::Ext,
        Opcode::Ins,
        Opcode::Addi,
        Opcode::Addiu,
        Opcode::Slti,
        Opcode::Sltiu,
        Opcode::Andi,
        Opcode::Ori,
        Opcode::Xori,
        Opcode::Lui,
        Opcode::Beq,
        Opcode::Bne,
        Opcode::Blez,
        Opcode::Bgtz,
        Opcode::Bltz,
        Opcode::Bgez,
        Opcode::Bltzal,
        Opcode::Bgezal,
        Opcode::J,
        Opcode::Jal,
        Opcode::Jr,
        Opcode::Jalr,
        Opcode::Lb,
        Opcode::Lbu,
        Opcode::Lh,
        Opcode::Lhu,
        Opcode::Lw,
        Opcode::Lwl,
        Opcode::Lwr,
        Opcode::Ll,
        Opcode::Sb,
        Opcode::Sh,
        Opcode::Sw,
        Opcode::Swl,
        Opcode::Swr,
        Opcode::Sc,
        Opcode::Sync,
        Opcode::Pref,
        Opcode::Syscall,
        Opcode::Break,
        Opcode::Teq,
        Opcode::Tne,
        Opcode::Tge,
        Opcode::Tgeu,
        Opcode::Tlt,
        Opcode::Tltu,
        Opcode::Teqi,
        Opcode::Tnei,
        Opcode::Tgei,
        Opcode::Tgeiu,
        Opcode::Tlti,
        Opcode::Tltiu,
        Opcode::Invalid,
    ];

    /// Branches and jumps: the instructions that own a delay slot.
    pub fn has_delay_slot(self) -> bool {
        matches!(
            self,
            Opcode::Beq
                | Opcode::Bne
                | Opcode::Blez
                | Opcode::Bgtz
                | Opcode::Bltz
                | Opcode::Bgez
                | Opcode::Bltzal
                | Opcode::Bgezal
                | Opcode::J
                | Opcode::Jal
                | Opcode::Jr
                | Opcode::Jalr
        )
    }

    pub fn is_load(self) -> bool {
        matches!(
            self,
            Opcode::Lb
                | Opcode::Lbu
                | Opcode::Lh
                | Opcode::Lhu
                | Opcode::Lw
                | Opcode::Lwl
                | Opcode::Lwr
                | Opcode::Ll
        )
    }

    pub fn is_store(self) -> bool {
        matches!(
            self,
            Opcode::Sb | Opcode::Sh | Opcode::Sw | Opcode::Swl | Opcode::Swr | Opcode::Sc
        )
    }

    /// The assembler mnemonic.
    pub fn mnemonic(self) -> &'static str {
        use Opcode::*;
        match self {
            Add => "add",
            Addu => "addu",
            Sub => "sub",
            Subu => "subu",
            And => "and",
            Or => "or",
            Xor => "xor",
            Nor => "nor",
            Slt => "slt",
            Sltu => "sltu",
            Sllv => "sllv",
            Srlv => "srlv",
            Srav => "srav",
            Rotrv => "rotrv",
            Sll => "sll",
            Srl => "srl",
            Sra => "sra",
            Rotr => "rotr",
            Movz => "movz",
            Movn => "movn",
            Mul => "mul",
            Mult => "mult",
            Multu => "multu",
            Div => "div",
            Divu => "divu",
            Madd => "madd",
            Maddu => "maddu",
            Msub => "msub",
            Msubu => "msubu",
            Mfhi => "mfhi",
            Mflo => "mflo",
            Mthi => "mthi",
            Mtlo => "mtlo",
            Clz => "clz",
            Clo => "clo",
            Seb => "seb",
            Seh => "seh",
            Wsbh => "wsbh",
            Ext => "ext",
            Ins => "ins",
            Addi => "addi",
            Addiu => "addiu",
            Slti => "slti",
            Sltiu => "sltiu",
            Andi => "andi",
            Ori => "ori",
            Xori => "xori",
            Lui => "lui",
            Beq => "beq",
            Bne => "bne",
            Blez => "blez",
            Bgtz => "bgtz",
            Bltz => "bltz",
            Bgez => "bgez",
            Bltzal => "bltzal",
            Bgezal => "bgezal",
            J => "j",
            Jal => "jal",
            Jr => "jr",
            Jalr => "jalr",
            Lb => "lb",
            Lbu => "lbu",
            Lh => "lh",
            Lhu => "lhu",
            Lw => "lw",
            Lwl => "lwl",
            Lwr => "lwr",
            Ll => "ll",
            Sb => "sb",
            Sh => "sh",
            Sw => "sw",
            Swl => "swl",
            Swr => "swr",
            Sc => "sc",
            Sync => "sync",
            Pref => "pref",
            Syscall => "syscall",
            Break => "break",
            Teq => "teq",
            Tne => "tne",
            Tge => "tge",
            Tgeu => "tgeu",
            Tlt => "tlt",
            Tltu => "tltu",
            Teqi => "teqi",
            Tnei => "tnei",
            Tgei => "tgei",
            Tgeiu => "tgeiu",
            Tlti => "tlti",
            Tltiu => "tltiu",
            Invalid => ".word",
        }
    }
}

/// A decoded instruction. `imm` holds the operand already in the form execution needs:
/// sign- or zero-extended immediates, the branch offset in bytes, the jump target's low 28 bits,
/// the shift amount, or for EXT/INS the field position (with the size in `rd`, see below).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instruction {
    pub opcode: Opcode,
    pub rs: u8,
    pub rt: u8,
    /// Destination of R-type instructions. For EXT and INS: the field size in bits (1..=32).
    pub rd: u8,
    pub imm: u32,
    /// The raw instruction word, for disassembly and the program ROM.
    pub word: u32,
}

const fn sext16(v: u32) -> u32 {
    v as u16 as i16 as i32 as u32
}

impl Instruction {
    /// Decodes one word. Total: anything unknown becomes `Opcode::Invalid`.
    pub fn decode(word: u32) -> Self {
        let op = word >> 26;
        let rs = ((word >> 21) & 31) as u8;
        let rt = ((word >> 16) & 31) as u8;
        let rd = ((word >> 11) & 31) as u8;
        let shamt = (word >> 6) & 31;
        let funct = word & 63;
        let imm16 = word & 0xFFFF;
        let mk = |opcode: Opcode, rd: u8, imm: u32| Instruction {
            opcode,
            rs,
            rt,
            rd,
            imm,
            word,
        };
        let invalid = mk(Opcode::Invalid, 0, 0);
        use Opcode::*;
        match op {
            0x00 => {
                let r3 = |opcode| {
                    if shamt == 0 {
                        mk(opcode, rd, 0)
                    } else {
                        invalid
                    }
                };
                match funct {
                    0x00 if rs == 0 => mk(Sll, rd, shamt),
                    0x02 if rs == 0 => mk(Srl, rd, shamt),
                    0x02 if rs == 1 => mk(Rotr, rd, shamt),
                    0x03 if rs == 0 => mk(Sra, rd, shamt),
                    0x04 => r3(Sllv),
                    0x06 if shamt == 0 => mk(Srlv, rd, 0),
                    0x06 if shamt == 1 => mk(Rotrv, rd, 0),
                    0x07 => r3(Srav),
                    // Bit 10 is the release-2 hazard-barrier hint (jr.hb/jalr.hb): no effect here.
                    0x08 if rt == 0 && rd == 0 && (shamt & !0x10) == 0 => mk(Jr, 0, 0),
                    0x09 if rt == 0 && (shamt & !0x10) == 0 => mk(Jalr, rd, 0),
                    0x0A => r3(Movz),
                    0x0B => r3(Movn),
                    0x0C => mk(Syscall, 0, (word >> 6) & 0xF_FFFF),
                    0x0D => mk(Break, 0, (word >> 6) & 0xF_FFFF),
                    0x0F if rs == 0 && rt == 0 && rd == 0 => mk(Sync, 0, shamt),
                    0x10 if rs == 0 && rt == 0 && shamt == 0 => mk(Mfhi, rd, 0),
                    0x11 if rt == 0 && rd == 0 && shamt == 0 => mk(Mthi, 0, 0),
                    0x12 if rs == 0 && rt == 0 && shamt == 0 => mk(Mflo, rd, 0),
                    0x13 if rt == 0 && rd == 0 && shamt == 0 => mk(Mtlo, 0, 0),
                    0x18..=0x1B if rd == 0 && shamt == 0 => {
                        let opcode = [Mult, Multu, Div, Divu][(funct - 0x18) as usize];
                        mk(opcode, 0, 0)
                    }
                    0x20 => r3(Add),
                    0x21 => r3(Addu),
                    0x22 => r3(Sub),
                    0x23 => r3(Subu),
                    0x24 => r3(And),
                    0x25 => r3(Or),
                    0x26 => r3(Xor),
                    0x27 => r3(Nor),
                    0x2A => r3(Slt),
                    0x2B => r3(Sltu),
                    0x30 => mk(Tge, 0, (word >> 6) & 0x3FF),
                    0x31 => mk(Tgeu, 0, (word >> 6) & 0x3FF),
                    0x32 => mk(Tlt, 0, (word >> 6) & 0x3FF),
                    0x33 => mk(Tltu, 0, (word >> 6) & 0x3FF),
                    0x34 => mk(Teq, 0, (word >> 6) & 0x3FF),
                    0x36 => mk(Tne, 0, (word >> 6) & 0x3FF),
                    _ => invalid,
                }
            }
            0x01 => {
                let simm = sext16(imm16);
                match rt {
                    0x00 => mk(Bltz, 0, simm << 2),
                    0x01 => mk(Bgez, 0, simm << 2),
                    0x08 => mk(Tgei, 0, simm),
                    0x09 => mk(Tgeiu, 0, simm),
                    0x0A => mk(Tlti, 0, simm),
                    0x0B => mk(Tltiu, 0, simm),
                    0x0C => mk(Teqi, 0, simm),
                    0x0E => mk(Tnei, 0, simm),
                    0x10 => mk(Bltzal, 0, simm << 2),
                    0x11 => mk(Bgezal, 0, simm << 2),
                    _ => invalid,
                }
            }
            0x02 => mk(J, 0, (word & 0x03FF_FFFF) << 2),
            0x03 => mk(Jal, 0, (word & 0x03FF_FFFF) << 2),
            0x04 => mk(Beq, 0, sext16(imm16) << 2),
            0x05 => mk(Bne, 0, sext16(imm16) << 2),
            0x06 if rt == 0 => mk(Blez, 0, sext16(imm16) << 2),
            0x07 if rt == 0 => mk(Bgtz, 0, sext16(imm16) << 2),
            0x08 => mk(Addi, 0, sext16(imm16)),
            0x09 => mk(Addiu, 0, sext16(imm16)),
            0x0A => mk(Slti, 0, sext16(imm16)),
            0x0B => mk(Sltiu, 0, sext16(imm16)),
            0x0C => mk(Andi, 0, imm16),
            0x0D => mk(Ori, 0, imm16),
            0x0E => mk(Xori, 0, imm16),
            0x0F if rs == 0 => mk(Lui, 0, imm16 << 16),
            0x1C => match funct {
                0x00 if rd == 0 && shamt == 0 => mk(Madd, 0, 0),
                0x01 if rd == 0 && shamt == 0 => mk(Maddu, 0, 0),
                0x02 if shamt == 0 => mk(Mul, rd, 0),
                0x04 if rd == 0 && shamt == 0 => mk(Msub, 0, 0),
                0x05 if rd == 0 && shamt == 0 => mk(Msubu, 0, 0),
                0x20 if shamt == 0 => mk(Clz, rd, 0),
                0x21 if shamt == 0 => mk(Clo, rd, 0),
                _ => invalid,
            },
            0x1F => match funct {
                // EXT: rd holds msbd = size - 1; pos + size must not pass bit 32.
                0x00 if shamt + (rd as u32) < 32 => mk(Ext, rd + 1, shamt),
                // INS: rd holds msb; it must not be below lsb.
                0x04 if rd as u32 >= shamt => mk(Ins, rd - shamt as u8 + 1, shamt),
                0x20 if rs == 0 => match shamt {
                    0x02 => mk(Wsbh, rd, 0),
                    0x10 => mk(Seb, rd, 0),
                    0x18 => mk(Seh, rd, 0),
                    _ => invalid,
                },
                _ => invalid,
            },
            0x20 => mk(Lb, 0, sext16(imm16)),
            0x21 => mk(Lh, 0, sext16(imm16)),
            0x22 => mk(Lwl, 0, sext16(imm16)),
            0x23 => mk(Lw, 0, sext16(imm16)),
            0x24 => mk(Lbu, 0, sext16(imm16)),
            0x25 => mk(Lhu, 0, sext16(imm16)),
            0x26 => mk(Lwr, 0, sext16(imm16)),
            0x28 => mk(Sb, 0, sext16(imm16)),
            0x29 => mk(Sh, 0, sext16(imm16)),
            0x2A => mk(Swl, 0, sext16(imm16)),
            0x2B => mk(Sw, 0, sext16(imm16)),
            0x2E => mk(Swr, 0, sext16(imm16)),
            0x30 => mk(Ll, 0, sext16(imm16)),
            0x33 => mk(Pref, 0, sext16(imm16)),
            0x38 => mk(Sc, 0, sext16(imm16)),
            _ => invalid,
        }
    }

    /// The register this instruction writes, if any (0 when it writes `$zero`, which is discarded).
    pub fn destination(&self) -> Option<u8> {
        use Opcode::*;
        match self.opcode {
            Add | Addu | Sub | Subu | And | Or | Xor | Nor | Slt | Sltu | Sllv | Srlv | Srav
            | Rotrv | Sll | Srl | Sra | Rotr | Movz | Movn | Mul | Mfhi | Mflo | Clz | Clo
            | Seb | Seh | Wsbh | Jalr => Some(self.rd),
            Addi | Addiu | Slti | Sltiu | Andi | Ori | Xori | Lui | Lb | Lbu | Lh | Lhu | Lw
            | Lwl | Lwr | Ll | Sc | Ext | Ins => Some(self.rt),
            Jal => Some(31),
            Bltzal | Bgezal => Some(31),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_opcode_in_order() {
        for (i, &op) in Opcode::ALL.iter().enumerate() {
            assert_eq!(op as usize, i, "{op:?}");
        }
        // A new opcode before `Invalid` changes `COUNT`, and `ALL` stops compiling until it
        // is listed; `Invalid` must stay last.
        assert_eq!(Opcode::ALL[Opcode::COUNT - 1], Opcode::Invalid);
    }

    #[test]
    fn decodes_common_words() {
        // addiu $sp, $sp, -32
        let i = Instruction::decode(0x27BD_FFE0);
        assert_eq!(
            (i.opcode, i.rs, i.rt, i.imm),
            (Opcode::Addiu, 29, 29, (-32i32) as u32)
        );
        // nop
        assert_eq!(Instruction::decode(0).opcode, Opcode::Sll);
        // jr $ra
        assert_eq!(Instruction::decode(0x03E0_0008).opcode, Opcode::Jr);
        // syscall
        assert_eq!(Instruction::decode(0x0000_000C).opcode, Opcode::Syscall);
        // ext $2, $3, 4, 8 : pos 4, size 8 (msbd 7)
        let ext = Instruction::decode((0x1F << 26) | (3 << 21) | (2 << 16) | (7 << 11) | (4 << 6));
        assert_eq!((ext.opcode, ext.rd, ext.imm), (Opcode::Ext, 8, 4));
        // ins $2, $3, 4, 8 : lsb 4, msb 11
        let ins =
            Instruction::decode((0x1F << 26) | (3 << 21) | (2 << 16) | (11 << 11) | (4 << 6) | 4);
        assert_eq!((ins.opcode, ins.rd, ins.imm), (Opcode::Ins, 8, 4));
    }

    #[test]
    fn rejects_reserved_and_coprocessor_encodings() {
        for word in [
            0x4400_0000u32,     // cop1
            0x4000_0000,        // cop0
            0x5000_0000,        // beql (branch-likely)
            0x0000_0001,        // movci
            0xC400_0000,        // lwc1
            0x7C00_003B,        // rdhwr
            0x0020_0000 | 0x03, // sra with rs != 0
        ] {
            assert_eq!(
                Instruction::decode(word).opcode,
                Opcode::Invalid,
                "{word:#010x}"
            );
        }
        // ext with pos + size > 32
        let bad_ext = (0x1F << 26) | (31 << 11) | (4 << 6);
        assert_eq!(Instruction::decode(bad_ext).opcode, Opcode::Invalid);
        // ins with msb < lsb
        let bad_ins = (0x1F << 26) | (3 << 11) | (4 << 6) | 4;
        assert_eq!(Instruction::decode(bad_ins).opcode, Opcode::Invalid);
    }

    #[test]
    fn every_word_decodes_without_panicking() {
        // A stride through the whole space touches every opcode/funct combination.
        let mut w: u32 = 0;
        loop {
            let i = Instruction::decode(w);
            assert_eq!(i.word, w);
            let _ = i.disassemble(0x0040_0000);
            w = match w.checked_add(0x0001_0041) {
                Some(n) => n,
                None => break,
            };
        }
    }
}
