//! Random straight-line and branching programs over every instruction group prove and verify:
//! the machine agrees with the executor on programs nobody wrote by hand.

#[path = "../../executor/tests/common/mod.rs"]
mod asm;

use std::sync::Arc;

use asm::{i, li, r, special2, special3, DATA, NOP, SYSCALL};
use proptest::prelude::*;
use tessera_machine::program::ProgramProver;
use tessera_stark::ConfigId;

/// Registers the programs compute with; `$s0` holds DATA.
const REGS: [u8; 8] = [8, 9, 10, 11, 12, 13, 14, 15];
const BASE: u8 = 16;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
    fn reg(&mut self) -> u8 {
        REGS[self.below(REGS.len() as u32) as usize]
    }
    fn value(&mut self) -> u32 {
        match self.below(4) {
            0 => {
                [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFF, 0x8000][self.below(7) as usize]
            }
            _ => self.next(),
        }
    }
}

/// One random instruction (or a short group) that cannot fail.
fn instruction(rng: &mut Rng, code: &mut Vec<u32>) {
    let (d, s, t) = (rng.reg(), rng.reg(), rng.reg());
    let shamt = rng.below(32);
    let imm = rng.next() as i32 as i16 as i32;
    match rng.below(14) {
        0 => {
            let funct = [
                0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x04, 0x06, 0x07, 0x0A, 0x0B,
            ][rng.below(13) as usize];
            code.push(r(s, t, d, 0, funct));
        }
        1 => code.push(r(1, t, d, 0, 0x06) | 1 << 6), // rotrv
        2 => {
            let (rs, funct) = [(0, 0x00), (0, 0x02), (0, 0x03), (1, 0x02)][rng.below(4) as usize];
            code.push(r(rs, t, d, shamt, funct));
        }
        3 => {
            let op = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F][rng.below(7) as usize];
            code.push(i(op, if op == 0x0F { 0 } else { s }, d, imm));
        }
        4 => code.push(special2(s, t, d, [0x02, 0x20, 0x21][rng.below(3) as usize])),
        5 => code.push(special3(
            0,
            t,
            d,
            [0x10, 0x18, 0x02][rng.below(3) as usize],
            0x20,
        )),
        6 => {
            let pos = rng.below(32);
            let size = 1 + rng.below(32 - pos);
            if rng.below(2) == 0 {
                code.push(special3(s, d, (size - 1) as u8, pos, 0x00)); // ext
            } else {
                code.push(special3(s, d, (pos + size - 1) as u8, pos, 0x04)); // ins
            }
        }
        7 => {
            // HI/LO: a product or accumulation, then both halves read back.
            let funct = [0x18, 0x19][rng.below(2) as usize];
            code.push(r(s, t, 0, 0, funct));
            code.push(special2(
                s,
                t,
                0,
                [0x00, 0x01, 0x04, 0x05][rng.below(4) as usize],
            ));
            code.push(r(0, 0, d, 0, 0x10));
            code.push(r(0, 0, rng.reg(), 0, 0x12));
        }
        8 => {
            // Division by a divisor made nonzero.
            code.push(i(0x0D, t, t, 1));
            code.push(r(s, t, 0, 0, [0x1A, 0x1B][rng.below(2) as usize]));
            code.push(r(0, 0, d, 0, [0x10, 0x12][rng.below(2) as usize]));
            code.push(r(d, 0, 0, 0, [0x11, 0x13][rng.below(2) as usize]));
        }
        9 | 10 => {
            // A load or store at an offset its width allows.
            let (op, align) = [
                (0x20, 1),
                (0x24, 1),
                (0x21, 2),
                (0x25, 2),
                (0x23, 4),
                (0x22, 1),
                (0x26, 1),
                (0x28, 1),
                (0x29, 2),
                (0x2B, 4),
                (0x2A, 1),
                (0x2E, 1),
                (0x30, 4),
                (0x38, 4),
            ][rng.below(14) as usize];
            let offset = (rng.below(240) / align * align) as i32;
            code.push(i(op, BASE, d, offset));
        }
        11 => {
            // A branch over the instruction after its delay slot.
            let word = match rng.below(8) {
                0 => i(0x04, s, t, 2),
                1 => i(0x05, s, t, 2),
                2 => i(0x06, s, 0, 2),
                3 => i(0x07, s, 0, 2),
                4 => i(0x01, s, 0x00, 2),
                5 => i(0x01, s, 0x01, 2),
                6 => i(0x01, s, 0x10, 2),
                _ => i(0x01, s, 0x11, 2),
            };
            code.push(word);
            code.push(r(s, t, d, 0, 0x21));
            code.push(i(0x09, d, d, 1));
        }
        12 => {
            // Traps whose condition is false.
            code.push(r(s, s, 0, 0, 0x36)); // tne s, s
            code.push(r(s, s, 0, 0, 0x32)); // tlt s, s
            code.push(r(s, s, 0, 0, 0x33)); // tltu s, s
        }
        _ => code.push(NOP),
    }
}

fn program(seed: u64, length: usize) -> Vec<u32> {
    let mut rng = Rng(seed | 1);
    let mut code = Vec::new();
    code.extend(li(BASE, DATA));
    for reg in REGS {
        code.extend(li(reg, rng.value()));
    }
    while code.len() < length {
        instruction(&mut rng, &mut code);
    }
    code.extend(li(4, 0));
    code.extend([i(0x09, 0, 2, 0), SYSCALL]);
    code
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn random_programs_prove_and_verify(seed in any::<u64>()) {
        let code = program(seed, 300);
        let data: Vec<(u32, u32)> = (0..64).map(|k| (DATA + 4 * k, (seed as u32).wrapping_mul(k + 1) ^ k)).collect();
        let program = Arc::new(asm::program(&code, &data));
        let prover = ProgramProver::new(program.clone(), ConfigId::InsecureTesting);
        let (proof, _) = prover
            .prove(vec![])
            .map_err(|e| TestCaseError::fail(format!("seed {seed}: {e}")))?;
        prover.verifier().verify(&proof)
            .map_err(|e| TestCaseError::fail(format!("seed {seed}: {e}")))?;
    }
}
