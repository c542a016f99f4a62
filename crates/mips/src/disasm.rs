//! Assembly text for instructions, in the GNU assembler's syntax.

use crate::instruction::{Instruction, Opcode};

pub const REGISTER_NAMES: [&str; 32] = [
    "zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6",
    "t7", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "fp",
    "ra",
];

/// `$name` of register `r` (only the low 5 bits count).
pub fn register_name(r: u8) -> String {
    format!("${}", REGISTER_NAMES[(r & 31) as usize])
}

impl Instruction {
    /// The instruction as assembly, with branch and jump targets resolved against `pc`.
    pub fn disassemble(&self, pc: u32) -> String {
        use Opcode::*;
        let m = self.opcode.mnemonic();
        let (rs, rt, rd) = (
            register_name(self.rs),
            register_name(self.rt),
            register_name(self.rd),
        );
        let simm = self.imm as i32;
        let branch_target = pc.wrapping_add(4).wrapping_add(self.imm);
        match self.opcode {
            Sll if self.word == 0 => "nop".into(),
            Add | Addu | Sub | Subu | And | Or | Xor | Nor | Slt | Sltu | Movz | Movn | Mul => {
                format!("{m} {rd}, {rs}, {rt}")
            }
            Sllv | Srlv | Srav | Rotrv => format!("{m} {rd}, {rt}, {rs}"),
            Sll | Srl | Sra | Rotr => format!("{m} {rd}, {rt}, {}", self.imm),
            Mult | Multu | Div | Divu | Madd | Maddu | Msub | Msubu => format!("{m} {rs}, {rt}"),
            Mfhi | Mflo => format!("{m} {rd}"),
            Mthi | Mtlo => format!("{m} {rs}"),
            Clz | Clo => format!("{m} {rd}, {rs}"),
            Seb | Seh | Wsbh => format!("{m} {rd}, {rt}"),
            Ext | Ins => format!("{m} {rt}, {rs}, {}, {}", self.imm, self.rd),
            Addi | Addiu | Slti | Sltiu => format!("{m} {rt}, {rs}, {simm}"),
            Andi | Ori | Xori => format!("{m} {rt}, {rs}, {:#x}", self.imm),
            Lui => format!("{m} {rt}, {:#x}", self.imm >> 16),
            Beq if self.rs == 0 && self.rt == 0 => format!("b {branch_target:#x}"),
            Beq | Bne => format!("{m} {rs}, {rt}, {branch_target:#x}"),
            Bgezal if self.rs == 0 => format!("bal {branch_target:#x}"),
            Blez | Bgtz | Bltz | Bgez | Bltzal | Bgezal => {
                format!("{m} {rs}, {branch_target:#x}")
            }
            J | Jal => {
                let target = (pc.wrapping_add(4) & 0xF000_0000) | self.imm;
                format!("{m} {target:#x}")
            }
            Jr => format!("{m} {rs}"),
            Jalr if self.rd == 31 => format!("{m} {rs}"),
            Jalr => format!("{m} {rd}, {rs}"),
            Lb | Lbu | Lh | Lhu | Lw | Lwl | Lwr | Ll | Sb | Sh | Sw | Swl | Swr | Sc => {
                format!("{m} {rt}, {simm}({rs})")
            }
            Pref => format!("{m} {}, {simm}({rs})", self.rt),
            Sync if self.imm == 0 => m.into(),
            Sync => format!("{m} {}", self.imm),
            Syscall | Break if self.imm == 0 => m.into(),
            Syscall | Break => format!("{m} {:#x}", self.imm),
            Teq | Tne | Tge | Tgeu | Tlt | Tltu if self.imm == 0 => format!("{m} {rs}, {rt}"),
            Teq | Tne | Tge | Tgeu | Tlt | Tltu => format!("{m} {rs}, {rt}, {}", self.imm),
            Teqi | Tnei | Tgei | Tgeiu | Tlti | Tltiu => format!("{m} {rs}, {simm}"),
            Invalid => format!(".word {:#010x}", self.word),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Instruction;

    fn dis(word: u32) -> String {
        Instruction::decode(word).disassemble(0x0040_0000)
    }

    #[test]
    fn prints_gnu_syntax() {
        assert_eq!(dis(0x27BD_FFE0), "addiu $sp, $sp, -32");
        assert_eq!(dis(0x03E0_0008), "jr $ra");
        assert_eq!(dis(0), "nop");
        assert_eq!(dis(0x8FBF_001C), "lw $ra, 28($sp)");
        assert_eq!(dis(0x0C10_0010), "jal 0x400040");
        assert_eq!(dis(0x1000_0003), "b 0x400010");
        assert_eq!(dis(0x0000_000C), "syscall");
        assert_eq!(dis(0x00E0_01F4), "teq $a3, $zero, 7");
        assert_eq!(dis(0x4400_0000), ".word 0x44000000");
    }
}
