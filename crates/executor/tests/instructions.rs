//! Conformance: every opcode with its edge cases, in both execution modes.

use crate::common::*;
use tessera_executor::ExecErrorKind;

const T0: u8 = 8;
const T1: u8 = 9;
const T2: u8 = 10;
const T3: u8 = 11;
const S0: u8 = 16;
const RA: u8 = 31;

/// Runs one R-type `funct` on (t0, t1) into t2.
fn alu(funct: u32, a: u32, b: u32) -> u32 {
    run(&[r(T0, T1, T2, 0, funct)], &[(T0, a), (T1, b)])
        .ok()
        .regs[T2 as usize]
}

#[test]
fn add_and_sub_wrap_without_trapping() {
    for funct in [0x20, 0x21] {
        assert_eq!(alu(funct, 0x7FFF_FFFF, 1), 0x8000_0000);
        assert_eq!(alu(funct, u32::MAX, 1), 0);
    }
    for funct in [0x22, 0x23] {
        assert_eq!(alu(funct, 0x8000_0000, 1), 0x7FFF_FFFF);
        assert_eq!(alu(funct, 0, 1), u32::MAX);
    }
    let addi = run(
        &[i(0x08, T0, T1, 1), i(0x09, T0, T2, -1)],
        &[(T0, 0x7FFF_FFFF)],
    );
    assert_eq!(addi.ok().regs[T1 as usize], 0x8000_0000);
    assert_eq!(addi.regs[T2 as usize], 0x7FFF_FFFE);
}

#[test]
fn logic_and_comparisons() {
    assert_eq!(alu(0x24, 0xF0F0_F0F0, 0xFF00_FF00), 0xF000_F000);
    assert_eq!(alu(0x25, 0xF0F0_F0F0, 0x0F00_0000), 0xFFF0_F0F0);
    assert_eq!(alu(0x26, 0xFFFF_0000, 0xFF00_FF00), 0x00FF_FF00);
    assert_eq!(alu(0x27, 0xF0F0_F0F0, 0x0F0F_0000), 0x0000_0F0F);
    assert_eq!(alu(0x2A, 0xFFFF_FFFF, 0), 1, "slt: -1 < 0");
    assert_eq!(alu(0x2A, 0, 0x8000_0000), 0, "slt: 0 > INT_MIN");
    assert_eq!(alu(0x2B, 0xFFFF_FFFF, 0), 0, "sltu");
    assert_eq!(alu(0x2B, 0, 1), 1);
    let imm = run(
        &[
            i(0x0A, T0, T1, -1),     // slti: -2 < -1
            i(0x0B, T0, T2, -1),     // sltiu: 0xFFFFFFFE < 0xFFFFFFFF
            i(0x0B, T0, T3, 0x7FFF), // sltiu: huge < 0x7FFF is false
            i(0x0C, T0, 12, -1),     // andi zero-extends
            i(0x0D, 0, 13, 0x8000u16 as i32),
            i(0x0E, T0, 14, 0xFFFF),
            i(0x0F, 0, 15, 0x8001u16 as i32),
        ],
        &[(T0, 0xFFFF_FFFE)],
    );
    let regs = imm.ok().regs;
    assert_eq!(
        &regs[9..16],
        &[1, 1, 0, 0xFFFE, 0x8000, 0xFFFF_0001, 0x8001_0000]
    );
}

#[test]
fn shifts_use_the_low_five_bits() {
    // sllv/srlv/srav/rotrv: rd = rt shifted by rs; here rs = t0 = amount, rt = t1 = value.
    let shift = |funct: u32, shamt: u32, value: u32, amount: u32| {
        run(&[r(T0, T1, T2, shamt, funct)], &[(T0, amount), (T1, value)])
            .ok()
            .regs[T2 as usize]
    };
    assert_eq!(shift(0x04, 0, 1, 33), 2, "sllv by 33 is by 1");
    assert_eq!(shift(0x06, 0, 0x8000_0000, 31), 1);
    assert_eq!(shift(0x07, 0, 0x8000_0000, 31), u32::MAX, "srav sign-fills");
    assert_eq!(shift(0x06, 1, 0x0000_00F1, 4), 0x1000_000F, "rotrv");
    assert_eq!(
        shift(0x06, 1, 0x1234_5678, 32),
        0x1234_5678,
        "rotrv by 32 is by 0"
    );
    let imm = |rs: u8, shamt: u32, funct: u32, value: u32| {
        run(&[r(rs, T1, T2, shamt, funct)], &[(T1, value)])
            .ok()
            .regs[T2 as usize]
    };
    assert_eq!(imm(0, 31, 0x00, 1), 0x8000_0000);
    assert_eq!(imm(0, 4, 0x02, 0x8000_0000), 0x0800_0000);
    assert_eq!(imm(0, 4, 0x03, 0x8000_0000), 0xF800_0000);
    assert_eq!(imm(1, 8, 0x02, 0x1234_5678), 0x7812_3456, "rotr");
    assert_eq!(imm(1, 0, 0x02, 0x1234_5678), 0x1234_5678);
}

#[test]
fn conditional_moves() {
    let movz = run(
        &[r(T0, T1, T2, 0, 0x0A), r(T0, T3, 12, 0, 0x0A)],
        &[(T0, 7), (T1, 0), (T3, 1), (T2, 5), (12, 9)],
    );
    assert_eq!(movz.ok().regs[T2 as usize], 7, "movz moves when rt = 0");
    assert_eq!(movz.regs[12], 9, "movz keeps rd when rt != 0");
    let movn = run(
        &[r(T0, T1, T2, 0, 0x0B), r(T0, T3, 12, 0, 0x0B)],
        &[(T0, 7), (T1, 0), (T3, 1), (T2, 5), (12, 9)],
    );
    assert_eq!(movn.ok().regs[T2 as usize], 5);
    assert_eq!(movn.regs[12], 7);
}

#[test]
fn multiply_and_hi_lo() {
    let mul = run(&[special2(T0, T1, T2, 0x02)], &[(T0, 0xFFFF_FFFF), (T1, 3)]);
    assert_eq!(mul.ok().regs[T2 as usize], 0xFFFF_FFFD);
    assert_eq!((mul.hi, mul.lo), (0, 0), "mul leaves HI/LO alone");
    let mult = run(&[r(T0, T1, 0, 0, 0x18)], &[(T0, 0xFFFF_FFFF), (T1, 3)]);
    assert_eq!(
        (mult.ok().hi, mult.lo),
        (0xFFFF_FFFF, 0xFFFF_FFFD),
        "mult: -1 * 3"
    );
    let multu = run(&[r(T0, T1, 0, 0, 0x19)], &[(T0, 0xFFFF_FFFF), (T1, 3)]);
    assert_eq!((multu.ok().hi, multu.lo), (2, 0xFFFF_FFFD));
    let moves = run(
        &[
            r(T0, 0, 0, 0, 0x11),
            r(T1, 0, 0, 0, 0x13),
            r(0, 0, T2, 0, 0x10),
            r(0, 0, T3, 0, 0x12),
        ],
        &[(T0, 11), (T1, 22)],
    );
    assert_eq!(
        (moves.ok().regs[T2 as usize], moves.regs[T3 as usize]),
        (11, 22)
    );
}

#[test]
fn multiply_accumulate_carries_between_lo_and_hi() {
    let acc = |funct: u32, hi_lo: (u32, u32), a: u32, b: u32| {
        let run = run_with(
            &[special2(T0, T1, 0, funct)],
            Setup {
                regs: &[(T0, a), (T1, b)],
                hi_lo,
                ..Setup::default()
            },
        );
        run.ok();
        (run.hi, run.lo)
    };
    assert_eq!(
        acc(0x01, (0, 0xFFFF_FFFF), 1, 1),
        (1, 0),
        "maddu carries into hi"
    );
    assert_eq!(
        acc(0x00, (0, 0), 0xFFFF_FFFF, 1),
        (0xFFFF_FFFF, 0xFFFF_FFFF),
        "madd: += -1"
    );
    assert_eq!(
        acc(0x00, (0x7FFF_FFFF, 0xFFFF_FFFF), 1, 1),
        (0x8000_0000, 0),
        "madd wraps 64 bits"
    );
    assert_eq!(
        acc(0x05, (1, 0), 1, 1),
        (0, 0xFFFF_FFFF),
        "msubu borrows from hi"
    );
    assert_eq!(acc(0x04, (0, 0), 0xFFFF_FFFF, 1), (0, 1), "msub: -= -1");
    assert_eq!(
        acc(0x05, (0, 0), 1, 1),
        (u32::MAX, u32::MAX),
        "msubu wraps below zero"
    );
}

#[test]
fn division_edge_cases() {
    let div = |funct: u32, a: u32, b: u32| {
        let run = run(&[r(T0, T1, 0, 0, funct)], &[(T0, a), (T1, b)]);
        run.ok();
        (run.hi, run.lo)
    };
    assert_eq!(
        div(0x1A, (-7i32) as u32, 2),
        ((-1i32) as u32, (-3i32) as u32),
        "div truncates"
    );
    assert_eq!(
        div(0x1A, 0x8000_0000, u32::MAX),
        (0, 0x8000_0000),
        "INT_MIN / -1"
    );
    assert_eq!(div(0x1B, 0xFFFF_FFFF, 2), (1, 0x7FFF_FFFF));
    for funct in [0x1A, 0x1B] {
        let run = run(&[r(T0, T1, 0, 0, funct)], &[(T0, 5), (T1, 0)]);
        assert_eq!(run.err().kind, ExecErrorKind::DivisionByZero);
        assert_eq!(run.err().pc, CODE);
    }
}

#[test]
fn count_leading_bits() {
    let count =
        |funct: u32, v: u32| run(&[special2(T0, T2, T2, funct)], &[(T0, v)]).ok().regs[T2 as usize];
    assert_eq!(count(0x20, 0), 32, "clz 0");
    assert_eq!(count(0x20, u32::MAX), 0);
    assert_eq!(count(0x20, 1), 31);
    assert_eq!(count(0x21, u32::MAX), 32, "clo all-ones");
    assert_eq!(count(0x21, 0), 0);
    assert_eq!(count(0x21, 0xFFFF_0000), 16);
}

#[test]
fn sign_extension_byte_swaps_and_bit_fields() {
    let bshfl =
        |op: u32, v: u32| run(&[special3(0, T1, T2, op, 0x20)], &[(T1, v)]).ok().regs[T2 as usize];
    assert_eq!(bshfl(0x10, 0x1234_5680), 0xFFFF_FF80, "seb");
    assert_eq!(bshfl(0x10, 0x1234_567F), 0x7F);
    assert_eq!(bshfl(0x18, 0x1234_8000), 0xFFFF_8000, "seh");
    assert_eq!(bshfl(0x02, 0x1122_3344), 0x2211_4433, "wsbh");
    // ext t1, t0, pos, size
    let ext = |pos: u32, size: u32, v: u32| {
        run(&[special3(T0, T1, (size - 1) as u8, pos, 0x00)], &[(T0, v)])
            .ok()
            .regs[T1 as usize]
    };
    assert_eq!(ext(4, 8, 0x1234_5678), 0x67);
    assert_eq!(ext(0, 32, 0xDEAD_BEEF), 0xDEAD_BEEF);
    assert_eq!(ext(31, 1, 0x8000_0000), 1);
    // ins t1, t0, pos, size
    let ins = |pos: u32, size: u32, src: u32, dst: u32| {
        run(
            &[special3(T0, T1, (pos + size - 1) as u8, pos, 0x04)],
            &[(T0, src), (T1, dst)],
        )
        .ok()
        .regs[T1 as usize]
    };
    assert_eq!(ins(8, 8, 0xAB, 0x1122_3344), 0x1122_AB44);
    assert_eq!(ins(0, 32, 0xCAFE_F00D, 0), 0xCAFE_F00D);
    assert_eq!(ins(31, 1, 0xFF, 0), 0x8000_0000);
}

/// Runs a branch at CODE whose delay slot sets t3 = 1; the fall-through sets t2 = 1 and the
/// target (3 instructions ahead) is reached either way.
fn branch(word: u32, regs: &[(u8, u32)]) -> (bool, bool, u32) {
    let code = [
        word,              // CODE: branch to CODE + 16
        i(0x09, 0, T3, 1), // delay slot
        i(0x09, 0, T2, 1), // fall-through only
        NOP,
        NOP, // CODE + 16: target
    ];
    let run = run(&code, regs);
    let regs = run.ok().regs;
    (
        regs[T2 as usize] == 0,
        regs[T3 as usize] == 1,
        regs[RA as usize],
    )
}

#[test]
fn branches_take_their_delay_slot_and_target() {
    let beq = i(0x04, T0, T1, 3);
    assert_eq!(branch(beq, &[(T0, 5), (T1, 5)]), (true, true, 0));
    assert_eq!(branch(beq, &[(T0, 5), (T1, 6)]), (false, true, 0));
    let bne = i(0x05, T0, T1, 3);
    assert!(branch(bne, &[(T0, 5), (T1, 6)]).0);
    assert!(!branch(bne, &[(T0, 5), (T1, 5)]).0);
    let blez = i(0x06, T0, 0, 3);
    assert!(branch(blez, &[(T0, 0)]).0 && branch(blez, &[(T0, 0x8000_0000)]).0);
    assert!(!branch(blez, &[(T0, 1)]).0);
    let bgtz = i(0x07, T0, 0, 3);
    assert!(branch(bgtz, &[(T0, 1)]).0 && !branch(bgtz, &[(T0, 0)]).0);
    let bltz = i(0x01, T0, 0x00, 3);
    assert!(branch(bltz, &[(T0, u32::MAX)]).0 && !branch(bltz, &[(T0, 0)]).0);
    let bgez = i(0x01, T0, 0x01, 3);
    assert!(branch(bgez, &[(T0, 0)]).0 && !branch(bgez, &[(T0, u32::MAX)]).0);
    // Linking branches write $ra = pc + 8 whether taken or not.
    let bltzal = i(0x01, T0, 0x10, 3);
    assert_eq!(branch(bltzal, &[(T0, u32::MAX)]), (true, true, CODE + 8));
    assert_eq!(branch(bltzal, &[(T0, 1)]), (false, true, CODE + 8));
    let bal = i(0x01, 0, 0x11, 3);
    assert_eq!(branch(bal, &[]), (true, true, CODE + 8));
}

#[test]
fn jumps_and_links() {
    // j: target (delay_slot_pc & 0xF0000000) | index << 2.
    let j = (0x02 << 26) | ((CODE + 16) >> 2);
    assert_eq!(branch(j, &[]), (true, true, 0));
    let jal = (0x03 << 26) | ((CODE + 16) >> 2);
    assert_eq!(branch(jal, &[]), (true, true, CODE + 8));
    let jr = r(T0, 0, 0, 0, 0x08);
    assert_eq!(branch(jr, &[(T0, CODE + 16)]), (true, true, 0));
    let jalr = r(T0, 0, RA, 0, 0x09);
    assert_eq!(branch(jalr, &[(T0, CODE + 16)]), (true, true, CODE + 8));
    let jalr_t1 = r(T0, 0, T1, 0, 0x09);
    let run = run(&[jalr_t1, NOP, NOP, NOP, NOP], &[(T0, CODE + 16)]);
    assert_eq!(run.ok().regs[T1 as usize], CODE + 8);
}

#[test]
fn a_branch_in_a_delay_slot_is_rejected() {
    let run = run(&[i(0x04, 0, 0, 2), i(0x04, 0, 0, 2), NOP, NOP], &[]);
    assert_eq!(run.err().kind, ExecErrorKind::BranchInDelaySlot);
    assert_eq!(run.err().pc, CODE + 4);
    assert!(run.err().to_string().contains("b 0x"), "{}", run.err());
}

#[test]
fn a_jump_past_the_jump_limit_fails_at_the_jump() {
    // JR to 2^30 with a halting delay slot: the target is never fetched, but the jump fails.
    let halt_in_slot = [HALT[0], r(T0, 0, 0, 0, 0x08), SYSCALL];
    let far = run(&halt_in_slot, &[(T0, 0x4000_0000)]);
    assert_eq!(far.err().kind, ExecErrorKind::JumpOutOfRange(0x4000_0000));
    assert_eq!(far.err().pc, CODE + 4);
    let near = run(&halt_in_slot, &[(T0, 0x3FFF_FFFC)]);
    assert!(
        near.result.is_ok(),
        "a target below 2^30 is fetched only after the halt: {:?}",
        near.result
    );
}

#[test]
fn jumping_outside_the_code_fails() {
    let outside = run(&[r(T0, 0, 0, 0, 0x08), NOP], &[(T0, 0x1000)]);
    assert_eq!(outside.err().kind, ExecErrorKind::PcOutsideCode);
    assert_eq!(outside.err().pc, 0x1000);
    let unaligned = run(&[r(T0, 0, 0, 0, 0x08), NOP], &[(T0, CODE + 2)]);
    assert_eq!(unaligned.err().kind, ExecErrorKind::PcOutsideCode);
}

const WORD: u32 = 0x4433_2211;
const RT: u32 = 0xAABB_CCDD;

fn load(op: u32, offset: i32) -> u32 {
    let run = run_with(
        &[i(op, S0, T1, offset)],
        Setup {
            regs: &[(S0, DATA), (T1, RT)],
            data: &[(DATA, WORD)],
            ..Setup::default()
        },
    );
    run.ok().regs[T1 as usize]
}

fn store(op: u32, offset: i32) -> u32 {
    let run = run_with(
        &[i(op, S0, T1, offset)],
        Setup {
            regs: &[(S0, DATA), (T1, RT)],
            data: &[(DATA, WORD)],
            read: &[DATA],
            ..Setup::default()
        },
    );
    run.ok().words[0]
}

#[test]
fn byte_half_and_word_loads() {
    assert_eq!(load(0x20, 0), 0x11);
    assert_eq!(load(0x20, 3), 0x44);
    let negative = run_with(
        &[
            i(0x20, S0, T1, 0),
            i(0x24, S0, T2, 0),
            i(0x21, S0, T3, 0),
            i(0x25, S0, 12, 0),
        ],
        Setup {
            regs: &[(S0, DATA)],
            data: &[(DATA, 0x0000_8080)],
            ..Setup::default()
        },
    );
    let regs = negative.ok().regs;
    assert_eq!(&regs[9..13], &[0xFFFF_FF80, 0x80, 0xFFFF_8080, 0x8080]);
    assert_eq!(load(0x21, 2), 0x4433);
    assert_eq!(load(0x23, 0), WORD);
    assert_eq!(load(0x30, 0), WORD, "ll");
    // Negative offsets from a base past the word.
    let back = run_with(
        &[i(0x23, S0, T1, -4)],
        Setup {
            regs: &[(S0, DATA + 4)],
            data: &[(DATA, WORD)],
            ..Setup::default()
        },
    );
    assert_eq!(back.ok().regs[T1 as usize], WORD);
}

#[test]
fn unaligned_word_loads_and_stores_at_every_offset() {
    assert_eq!(
        [0, 1, 2, 3].map(|k| load(0x22, k)),
        [0x11BB_CCDD, 0x2211_CCDD, 0x3322_11DD, 0x4433_2211],
        "lwl"
    );
    assert_eq!(
        [0, 1, 2, 3].map(|k| load(0x26, k)),
        [0x4433_2211, 0xAA44_3322, 0xAABB_4433, 0xAABB_CC44],
        "lwr"
    );
    assert_eq!(
        [0, 1, 2, 3].map(|k| store(0x2A, k)),
        [0x4433_22AA, 0x4433_AABB, 0x44AA_BBCC, 0xAABB_CCDD],
        "swl"
    );
    assert_eq!(
        [0, 1, 2, 3].map(|k| store(0x2E, k)),
        [0xAABB_CCDD, 0xBBCC_DD11, 0xCCDD_2211, 0xDD33_2211],
        "swr"
    );
    // The classic pair loads an unaligned word.
    let pair = run_with(
        &[i(0x22, S0, T1, 4), i(0x26, S0, T1, 1)],
        Setup {
            regs: &[(S0, DATA)],
            data: &[(DATA, 0x4433_2211), (DATA + 4, 0x8877_6655)],
            ..Setup::default()
        },
    );
    assert_eq!(pair.ok().regs[T1 as usize], 0x5544_3322);
}

#[test]
fn byte_half_word_and_conditional_stores() {
    assert_eq!(store(0x28, 0), 0x4433_22DD);
    assert_eq!(store(0x28, 3), 0xDD33_2211);
    assert_eq!(store(0x29, 2), 0xCCDD_2211);
    assert_eq!(store(0x2B, 0), RT);
    let sc = run_with(
        &[i(0x38, S0, T1, 0)],
        Setup {
            regs: &[(S0, DATA), (T1, RT)],
            read: &[DATA],
            ..Setup::default()
        },
    );
    assert_eq!(sc.ok().words[0], RT);
    assert_eq!(sc.regs[T1 as usize], 1, "sc always succeeds");
}

#[test]
fn misaligned_and_out_of_range_accesses_fail_with_the_address() {
    for (op, offset, size) in [
        (0x21, 1, 2),
        (0x25, 3, 2),
        (0x23, 2, 4),
        (0x30, 1, 4),
        (0x29, 1, 2),
        (0x2B, 2, 4),
        (0x38, 3, 4),
    ] {
        let run = run(&[i(op, S0, T1, offset)], &[(S0, DATA)]);
        let addr = DATA + offset as u32;
        assert_eq!(
            run.err().kind,
            ExecErrorKind::Unaligned { addr, size },
            "op {op:#x}"
        );
        assert!(run.err().to_string().contains(&format!("{addr:#010x}")));
    }
    for base in [0x7F00_0000u32, 0xFFFF_FFFC] {
        let load = run(&[i(0x23, S0, T1, 0)], &[(S0, base)]);
        assert!(
            matches!(load.err().kind, ExecErrorKind::OutOfRange { .. }),
            "{}",
            load.err()
        );
        let store = run(&[i(0x28, S0, T1, 0)], &[(S0, base)]);
        assert!(matches!(store.err().kind, ExecErrorKind::OutOfRange { .. }));
    }
    // The last in-range word works; lwl/lwr never fault on alignment.
    let top = run(
        &[i(0x2B, S0, T1, -4), i(0x22, S0, T2, -3)],
        &[(S0, 0x7F00_0000), (T1, 7)],
    );
    assert_eq!(top.ok().regs[T2 as usize], 7 << 16);
}

#[test]
fn memory_reads_as_zero_and_writes_persist() {
    let run = run_with(
        &[i(0x2B, S0, T1, 0), i(0x23, S0, T2, 0), i(0x23, S0, T3, 4)],
        Setup {
            regs: &[(S0, 0x2000_0000), (T1, 99)],
            ..Setup::default()
        },
    );
    assert_eq!((run.ok().regs[T2 as usize], run.regs[T3 as usize]), (99, 0));
}

#[test]
fn register_zero_stays_zero() {
    let run = run(
        &[i(0x09, 0, 0, 5), r(T0, T0, 0, 0, 0x21), i(0x0F, 0, 0, 1)],
        &[(T0, 3)],
    );
    assert_eq!(run.ok().regs[0], 0);
}

#[test]
fn traps_fire_on_their_condition() {
    let trap = |word: u32, regs: &[(u8, u32)]| matches!(run(&[word], regs).result, Err(ref e) if matches!(e.kind, ExecErrorKind::Trap(_)));
    let cases: [(u32, u32, u32, bool); 12] = [
        (0x34, 5, 5, true),
        (0x34, 5, 6, false), // teq
        (0x36, 5, 6, true),
        (0x36, 5, 5, false), // tne
        (0x30, u32::MAX, 0, false),
        (0x31, u32::MAX, 0, true), // tge, tgeu
        (0x32, u32::MAX, 0, true),
        (0x33, u32::MAX, 0, false), // tlt, tltu
        (0x30, 3, 3, true),
        (0x31, 3, 4, false),
        (0x32, 3, 3, false),
        (0x33, 3, 4, true),
    ];
    for (funct, a, b, fires) in cases {
        assert_eq!(
            trap(r(T0, T1, 0, 7, funct), &[(T0, a), (T1, b)]),
            fires,
            "funct {funct:#x} {a} {b}"
        );
    }
    let imm = [
        (0x0C, 5, 5, true),
        (0x0C, 5, 6, false), // teqi
        (0x0E, 5, 6, true),
        (0x0E, 5, 5, false), // tnei
        (0x08, u32::MAX, 0, false),
        (0x09, u32::MAX, 0, true), // tgei, tgeiu
        (0x0A, u32::MAX, 0, true),
        (0x0B, u32::MAX, 0, false),    // tlti, tltiu
        (0x0B, 5, -1i32 as u32, true), // tltiu compares with the sign-extended immediate, unsigned
    ];
    for (rt, a, imm, fires) in imm {
        assert_eq!(
            trap(i(0x01, T0, rt as u8, imm as i32), &[(T0, a)]),
            fires,
            "regimm {rt:#x}"
        );
    }
    // GCC's divide-by-zero check.
    let teq = run(&[r(T1, 0, 0, 7, 0x34)], &[(T1, 0)]);
    assert_eq!(teq.err().kind, ExecErrorKind::Trap(7));
    assert!(
        teq.err().to_string().contains("teq $t1, $zero, 7"),
        "{}",
        teq.err()
    );
    let brk = run(&[(5 << 6) | 0x0D], &[]);
    assert_eq!(brk.err().kind, ExecErrorKind::Break(5));
}

#[test]
fn sync_and_pref_do_nothing() {
    let run = run(&[0x0000_000F, i(0x33, S0, 0, 0)], &[(S0, 0xFFFF_FFF0)]);
    run.ok();
}

#[test]
fn unknown_and_coprocessor_instructions_fail_when_executed() {
    for word in [
        0x4400_0000u32,
        0x4000_0000,
        0x5000_0000,
        0x7C00_003B,
        0xFC00_0000,
    ] {
        let run = run(&[word], &[]);
        assert_eq!(run.err().kind, ExecErrorKind::InvalidInstruction(word));
        assert!(run.err().to_string().contains(&format!("{word:#010x}")));
    }
    // Never executed: fine.
    let skipped = run(&[i(0x04, 0, 0, 2), NOP, 0x4400_0000, NOP], &[]);
    skipped.ok();
}

#[test]
fn a_guest_that_never_halts_stops_at_the_cycle_limit() {
    let run = run_with(
        &[i(0x04, 0, 0, -1), NOP],
        Setup {
            max_cycles: 1000,
            ..Setup::default()
        },
    );
    assert_eq!(run.err().kind, ExecErrorKind::CycleLimit(1000));
    assert_eq!(run.err().cycle, 1000);
    assert!(run.err().to_string().contains("cycle limit"));
}
