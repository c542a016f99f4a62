//! The CPU and its companions on a program that uses every instruction kind: the honest run
//! proves and verifies, and each family of constraints rejects a tampered trace.

use std::borrow::Borrow;
use std::sync::Arc;

use crate::asm::{i, li, r, special2, special3, CODE, DATA, NOP, SYSCALL};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use tessera_executor::{Executor, ExecutorConfig};
use tessera_machine::bridge::RunBridge;
use tessera_machine::chips::cpu::columns::{CpuCols, NUM_CPU_COLS};
use tessera_machine::chips::cpu::control::{Control, Kind};
use tessera_machine::chips::hint::{HintCols, NUM_HINT_COLS};
use tessera_machine::core_proof::{CoreProof, CoreVerifier};
use tessera_machine::program::{chip_position, keys, machine, ProgramError, ProgramProver};
use tessera_machine::MachineRecord;
use tessera_mips::Program;
use tessera_stark::{Chip, ConfigId, Val};

const T0: u8 = 8;
const T1: u8 = 9;
const T2: u8 = 10;
const T3: u8 = 11;
const T4: u8 = 12;
const T5: u8 = 13;
const S0: u8 = 16;
const S1: u8 = 17;
const A0: u8 = 4;
const A1: u8 = 5;
const A2: u8 = 6;
const V0: u8 = 2;
const RA: u8 = 31;

fn syscall(number: u32) -> Vec<u32> {
    vec![i(0x09, 0, V0, number as i32), SYSCALL]
}

/// A program with every kind of instruction, ending in COMMIT and HALT. It reads one input
/// buffer (HINT_LEN, HINT_READ) into DATA + 128.
fn every_kind() -> Vec<u32> {
    let mut code = Vec::new();
    code.extend(li(T0, DATA));
    code.extend(li(S0, 0x8765_4321));
    code.extend(li(S1, 0xFFFF_FFF9)); // -7
                                      // ALU, register and immediate forms.
    for funct in [
        0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x04, 0x06, 0x07,
    ] {
        code.push(r(S1, S0, T1, 0, funct));
    }
    code.push(r(1, S0, T1, 0, 0x06) | 1 << 6); // rotrv
    for (shamt, funct) in [(3, 0x00), (5, 0x02), (7, 0x03)] {
        code.push(r(0, S0, T1, shamt, funct));
    }
    code.push(r(1, S0, T1, 9, 0x02)); // rotr
    for op in [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E] {
        code.push(i(op, S1, T2, -3));
    }
    // Multiply and divide, HI/LO.
    code.push(special2(S0, S1, T1, 0x02)); // mul
    for funct in [0x18, 0x19, 0x1A, 0x1B] {
        code.push(r(S0, S1, 0, 0, funct));
        code.push(r(0, 0, T1, 0, 0x10)); // mfhi
        code.push(r(0, 0, T2, 0, 0x12)); // mflo
    }
    for funct in [0x00, 0x01, 0x04, 0x05] {
        code.push(special2(S0, S1, 0, funct));
    }
    code.push(r(S0, 0, 0, 0, 0x11)); // mthi
    code.push(r(S1, 0, 0, 0, 0x13)); // mtlo
    code.push(special2(S0, S1, 0, 0x00)); // madd after the moves
    code.push(r(0, 0, T1, 0, 0x10));
    // Bits.
    code.push(special2(S0, 0, T1, 0x20)); // clz
    code.push(special2(S1, 0, T1, 0x21)); // clo
    for shamt in [0x10, 0x18, 0x02] {
        code.push(special3(0, S0, T1, shamt, 0x20)); // seb, seh, wsbh
    }
    code.push(special3(S0, T1, 6, 4, 0x00)); // ext t1, s0, 4, 7
    code.push(special3(S1, T1, 10, 4, 0x04)); // ins t1, s1, 4, 7
                                              // Conditional moves, both ways.
    code.push(r(S0, 0, T3, 0, 0x0A)); // movz t3, s0, $0: moves
    code.push(r(S1, S0, T3, 0, 0x0A)); // movz: stays
    code.push(r(S1, S0, T4, 0, 0x0B)); // movn: moves
    code.push(r(S0, 0, T4, 0, 0x0B)); // movn: stays
                                      // Loads and stores at every lane.
    code.push(i(0x2B, T0, S0, 0)); // sw s0, 0(t0)
    code.push(i(0x2B, T0, S1, 4));
    for off in 0..4 {
        code.push(i(0x20, T0, T1, off)); // lb
        code.push(i(0x24, T0, T1, off + 4)); // lbu
        code.push(i(0x22, T0, T2, off)); // lwl
        code.push(i(0x26, T0, T2, off + 4)); // lwr
        code.push(i(0x28, T0, S0, off + 8)); // sb
        code.push(i(0x2A, T0, S1, off + 12)); // swl
        code.push(i(0x2E, T0, S1, off + 16)); // swr
    }
    for off in [0, 2] {
        code.push(i(0x21, T0, T1, off + 4)); // lh
        code.push(i(0x25, T0, T1, off)); // lhu
        code.push(i(0x29, T0, S0, off + 20)); // sh
    }
    code.push(i(0x23, T0, T3, 8)); // lw
    code.push(i(0x30, T0, T3, 12)); // ll
    code.push(i(0x38, T0, T3, 24)); // sc
    code.push(i(0x23, T0, T3, 24)); // lw what sc stored
                                    // Traps that do not trap.
    code.push(r(S0, S1, 0, 0, 0x34)); // teq
    code.push(r(S0, S0, 0, 0, 0x36)); // tne
    code.push(r(S1, S0, 0, 0, 0x32)); // tlt: -7 < s0 (more negative)? no
    code.push(r(S0, S1, 0, 0, 0x30)); // tge: s0 >= -7? no
    code.push(r(S1, S0, 0, 0, 0x33)); // tltu: 0xFFFFFFF9 < 0x87654321? no
    code.push(r(S0, S1, 0, 0, 0x31)); // tgeu: 0x87654321 >= 0xFFFFFFF9? no
    code.push(i(0x01, S0, 0x0C, 5)); // teqi
    code.push(i(0x01, S0, 0x08, 0)); // tgei: s0 >= 0? no
                                     // Branches, each taken and not, with delay slots that count.
    let skip = |code: &mut Vec<u32>, word: u32| {
        code.push(word); // branch over the instruction after the delay slot
        code.push(i(0x09, T5, T5, 1)); // delay slot: t5 += 1
        code.push(i(0x09, T5, T5, 100)); // skipped when taken
    };
    skip(&mut code, i(0x04, S0, S0, 2)); // beq taken
    skip(&mut code, i(0x04, S0, S1, 2)); // beq not taken
    skip(&mut code, i(0x05, S0, S1, 2)); // bne taken
    skip(&mut code, i(0x06, S0, 0, 2)); // blez taken (negative)
    skip(&mut code, i(0x07, S0, 0, 2)); // bgtz not taken
    skip(&mut code, i(0x01, S0, 0x00, 2)); // bltz taken
    skip(&mut code, i(0x01, S0, 0x01, 2)); // bgez not taken
    skip(&mut code, i(0x01, S1, 0x10, 2)); // bltzal taken
    skip(&mut code, i(0x01, 0, 0x11, 2)); // bal
                                          // j, jal, jr, jalr.
    let here = CODE + 4 * code.len() as u32;
    code.push((2 << 26) | ((here + 12) >> 2 & 0x03FF_FFFF)); // j over one
    code.push(NOP);
    code.push(i(0x09, T5, T5, 100));
    let here = CODE + 4 * code.len() as u32;
    code.push((3 << 26) | ((here + 12) >> 2 & 0x03FF_FFFF)); // jal
    code.push(NOP);
    code.push(i(0x09, T5, T5, 100));
    code.push(i(0x09, RA, T4, 20)); // t4 = ra + 20: past the jalr below
    code.push(r(T4, 0, T3, 0, 0x09)); // jalr t3, t4
    code.push(NOP);
    code.push(i(0x09, T5, T5, 100));
    code.push(i(0x09, RA, T4, 0));
    code.extend(li(T4, CODE + 4 * (code.len() as u32 + 2 + 3)));
    code.push(r(T4, 0, 0, 0, 0x08)); // jr t4
    code.push(NOP);
    code.push(i(0x09, T5, T5, 100));
    code.push(r(0, 0, 0, 0, 0x0F)); // sync
                                    // Syscalls: read the input, write it out, commit, halt.
    code.extend(syscall(0xF0)); // HINT_LEN
    code.push(r(V0, 0, A1, 0, 0x21)); // a1 = len
    code.extend(li(A0, DATA + 128));
    code.extend(syscall(0xF1)); // HINT_READ
    code.push(r(A1, 0, A2, 0, 0x21)); // a2 = len
    code.push(r(A0, 0, A1, 0, 0x21)); // a1 = buffer
    code.extend(li(A0, 1));
    code.extend(syscall(0x02)); // WRITE to stdout
    code.push(i(0x23, 0, 0, 0) | (T0 as u32) << 21 | (T1 as u32) << 16 | 128); // lw t1, 128(t0)
    for word in 0..8 {
        code.extend(li(A0, word));
        code.push(i(0x09, T1, A1, word as i32));
        code.extend(syscall(0x10)); // COMMIT
    }
    code.extend(li(A0, 0));
    code.extend(syscall(0x00)); // HALT
    code
}

const INPUT: &[u8] = b"forty-two bytes of private input, padded!!";

fn program(code: &[u32]) -> Arc<Program> {
    Arc::new(crate::asm::program(code, &[(DATA + 64, 0x0BAD_F00D)]))
}

fn record(program: &Arc<Program>) -> MachineRecord {
    let mut executor = Executor::new(program, vec![INPUT.to_vec()], ExecutorConfig::default());
    let mut bridge = RunBridge::new(program.clone());
    let mut record = None;
    executor
        .run_traced(|shard| record = Some(bridge.record(shard)))
        .unwrap();
    record.unwrap().unwrap()
}

#[test]
fn every_instruction_kind_proves_and_verifies() {
    let program = program(&every_kind());
    let kinds: std::collections::HashSet<Kind> = program
        .instructions
        .iter()
        .enumerate()
        .map(|(k, inst)| Control::of(inst, CODE + 4 * k as u32).kind)
        .collect();
    for kind in Kind::FLAGGED {
        assert!(kinds.contains(&kind), "the program has no {kind:?}");
    }
    let prover = ProgramProver::new(program.clone(), ConfigId::InsecureTesting);
    let (proof, report) = prover.prove(vec![INPUT.to_vec()]).unwrap();
    assert_eq!(report.io.stdout, INPUT);
    let out = prover.verifier().verify(&proof).unwrap();
    let first = u32::from_le_bytes(INPUT[..4].try_into().unwrap());
    for (word, chunk) in out.digest.chunks(4).enumerate() {
        let value = u32::from_le_bytes(chunk.try_into().unwrap());
        assert_eq!(value, first.wrapping_add(word as u32));
    }
}

#[test]
fn a_failing_guest_is_not_proven() {
    let mut code = every_kind();
    let at = code.len() - 4; // li a0, 0 before HALT
    code.splice(at..at + 2, li(A0, 3));
    let prover = ProgramProver::new(program(&code), ConfigId::InsecureTesting);
    assert!(matches!(
        prover.prove(vec![INPUT.to_vec()]),
        Err(ProgramError::Failed(3))
    ));
}

#[test]
fn a_jump_below_the_jump_limit_whose_delay_slot_halts_proves() {
    // The target 2^30 − 4 is outside the code but never fetched: the delay slot halts. The
    // CPU checks the target's high half below 2^14, the executor's JUMP_LIMIT, at the edge.
    let mut code = li(T0, tessera_mips::JUMP_LIMIT - 4).to_vec();
    code.extend(li(A0, 0));
    code.push(i(0x09, 0, V0, 0)); // v0 = HALT
    code.push(r(T0, 0, 0, 0, 0x08)); // jr t0
    code.push(SYSCALL); // its delay slot
    let prover = ProgramProver::new(program(&code), ConfigId::InsecureTesting);
    let (proof, _) = prover.prove(vec![]).unwrap();
    prover.verifier().verify(&proof).unwrap();
    // One word further and the executor refuses the jump: no proof.
    code[..2].copy_from_slice(&li(T0, tessera_mips::JUMP_LIMIT));
    let prover = ProgramProver::new(program(&code), ConfigId::InsecureTesting);
    assert!(prover.prove(vec![]).is_err());
}

/// The column index of each CPU column.
fn cpu_index() -> CpuCols<usize> {
    let indices: Vec<usize> = (0..NUM_CPU_COLS).collect();
    *indices.as_slice().borrow()
}

fn hint_index() -> HintCols<usize> {
    let indices: Vec<usize> = (0..NUM_HINT_COLS).collect();
    *indices.as_slice().borrow()
}

struct Fixture {
    program: Arc<Program>,
    record: MachineRecord,
    traces: Vec<RowMajorMatrix<Val>>,
}

fn fixture() -> Fixture {
    let program = program(&every_kind());
    let record = record(&program);
    let machine = machine(program.clone(), ConfigId::InsecureTesting);
    let traces = machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(&record))
        .collect();
    Fixture {
        program,
        record,
        traces,
    }
}

impl Fixture {
    /// The first CPU row running an instruction of `kind` for which `pick` holds.
    fn row(
        &self,
        kind: Kind,
        pick: impl Fn(&tessera_machine::chips::cpu::trace::CpuStep) -> bool,
    ) -> usize {
        self.record
            .cpu_steps
            .iter()
            .position(|s| s.control.kind == kind && pick(s))
            .unwrap_or_else(|| panic!("no {kind:?} row"))
    }

    /// The trace of the chip named `name`.
    fn trace(&mut self, name: &str) -> &mut RowMajorMatrix<Val> {
        let machine = machine(self.program.clone(), ConfigId::InsecureTesting);
        let position = chip_position(&machine, name).expect("a chip of the machine");
        &mut self.traces[position]
    }

    fn cpu(&mut self, row: usize, col: usize) -> &mut Val {
        &mut self.trace("Cpu").values[row * NUM_CPU_COLS + col]
    }

    /// Proves the (tampered) traces without the debug checks and verifies.
    fn verifies(self) -> bool {
        let machine = machine(self.program.clone(), ConfigId::InsecureTesting);
        let (pk, _, _) = keys(&machine, &self.program);
        let public_values = machine
            .chips()
            .iter()
            .map(|c| c.public_values(&self.record))
            .collect();
        let proof = machine
            .prove_traces_unchecked::<MachineRecord>(&pk, self.traces, public_values)
            .unwrap();
        let verifier = CoreVerifier::new(self.program.clone(), ConfigId::InsecureTesting);
        verifier
            .verify(&CoreProof {
                shards: vec![proof],
            })
            .is_ok()
    }
}

#[test]
fn the_untampered_fixture_verifies() {
    assert!(fixture().verifies());
}

#[test]
fn a_wrong_alu_result_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    let row = f.row(Kind::Alu, |s| s.rd.is_some());
    *f.cpu(row, c.alu_a[0]) += Val::ONE;
    *f.cpu(row, c.result[0]) += Val::ONE;
    assert!(!f.verifies());
}

#[test]
fn a_wrong_branch_target_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    let row = f.row(Kind::Beq, |s| s.next_next_pc != s.next_pc + 4);
    // Fall through instead of taking the branch, consistently down the chain.
    *f.cpu(row, c.taken) = Val::ZERO;
    *f.cpu(row, c.next_next_pc) -= Val::from_u32(4);
    *f.cpu(row + 1, c.next_pc) -= Val::from_u32(4);
    *f.cpu(row + 2, c.pc) -= Val::from_u32(4);
    assert!(!f.verifies());
}

#[test]
fn a_skipped_delay_slot_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    let row = f.row(Kind::Jump, |_| true);
    // The jump claims to go straight to its target.
    let target = *f.cpu(row, c.next_next_pc);
    *f.cpu(row, c.next_pc) = target;
    assert!(!f.verifies());
}

#[test]
fn a_wrong_loaded_value_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    let row = f.row(Kind::Lw, |s| s.rd.is_some());
    *f.cpu(row, c.result[1]) += Val::ONE;
    assert!(!f.verifies());
}

#[test]
fn a_wrong_stored_byte_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    let row = f.row(Kind::Sb, |_| true);
    *f.cpu(row, c.mem_new[0]) += Val::ONE;
    assert!(!f.verifies());
}

#[test]
fn a_register_read_that_ignores_the_last_write_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    // A read of a register written earlier claims its value from before the write.
    let row = f.row(Kind::Alu, |s| s.rs.ts > 0 && s.rs.value != 0);
    *f.cpu(row, c.rs_access.prev_value[0]) = Val::ZERO;
    *f.cpu(row, c.rs_access.prev_value[1]) = Val::ZERO;
    assert!(!f.verifies());
}

#[test]
fn a_read_from_the_future_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    let row = f.row(Kind::Alu, |s| s.rs.ts > 0);
    let ts = *f.cpu(row, c.clk) * Val::from_u32(4);
    *f.cpu(row, c.rs_access.prev_ts) = ts + Val::from_u32(7);
    assert!(!f.verifies());
}

#[test]
fn a_forged_input_byte_is_rejected() {
    let h = hint_index();
    let mut f = fixture();
    // The input word a later load reads is changed where HINT_READ wrote it.
    f.trace("Hint").values[h.new_bytes[0]] += Val::ONE;
    assert!(!f.verifies());
}

#[test]
fn a_skipped_trap_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    // TEQ proves its operands differ; claiming they are equal breaks the is-zero gadget.
    let row = f.row(Kind::Beq, |s| {
        s.control
            .has(tessera_machine::chips::cpu::control::extra::TRAP)
    });
    *f.cpu(row, c.eq) = Val::ONE;
    assert!(!f.verifies());
}

#[test]
fn a_changed_data_word_changes_the_key() {
    let code = every_kind();
    let one = ProgramProver::new(program(&code), ConfigId::InsecureTesting);
    let other = Arc::new(crate::asm::program(&code, &[(DATA + 64, 0x0BAD_F00E)]));
    let other = ProgramProver::new(other, ConfigId::InsecureTesting);
    assert_ne!(one.vk.digest(), other.vk.digest());
    // So a proof for one is refused by the other's verifier as made for another key.
    let (proof, _) = one.prove(vec![INPUT.to_vec()]).unwrap();
    let err = other.verifier().verify(&proof).unwrap_err();
    assert!(err.to_string().contains("another program"), "{err}");
}

#[test]
fn a_wrong_multiply_accumulate_is_rejected() {
    let c = cpu_index();
    let mut f = fixture();
    // MADD's new LO off by 2^16, its byte columns and carry moved along: the bytes no longer
    // compose a canonical half.
    let row = f.row(Kind::MAdd, |_| true);
    *f.cpu(row, c.result[0]) += Val::from_u32(1 << 16);
    *f.cpu(row, c.old_bytes[0]) += Val::from_u32(1 << 16);
    *f.cpu(row, c.carries[0]) -= Val::ONE;
    assert!(!f.verifies());
}

fn syscall_index() -> tessera_machine::chips::syscall::SyscallCols<usize> {
    let indices: Vec<usize> = (0..tessera_machine::chips::syscall::NUM_SYSCALL_COLS).collect();
    *indices.as_slice().borrow()
}

impl Fixture {
    /// The Syscall chip's row of the first call of `call`.
    fn syscall_row(&self, call: tessera_executor::Syscall) -> usize {
        self.record
            .syscall_steps
            .iter()
            .position(|s| s.call == call)
            .unwrap_or_else(|| panic!("no {call:?}"))
    }

    fn syscall(&mut self, row: usize, col: usize) -> &mut Val {
        let width = tessera_machine::chips::syscall::NUM_SYSCALL_COLS;
        &mut self.trace("Syscall").values[row * width + col]
    }
}

#[test]
fn a_syscall_passed_off_as_another_is_rejected() {
    use tessera_executor::Syscall;
    let s = syscall_index();
    // WRITE claimed as HINT_LEN, to change $v0 unseen: the number does not match.
    let mut f = fixture();
    let row = f.syscall_row(Syscall::Write);
    *f.syscall(row, s.flags[1]) = Val::ZERO;
    *f.syscall(row, s.flags[3]) = Val::ONE;
    assert!(!f.verifies());
    // WRITE claimed as HALT, ending the run early.
    let mut f = fixture();
    let row = f.syscall_row(Syscall::Write);
    *f.syscall(row, s.flags[1]) = Val::ZERO;
    *f.syscall(row, s.flags[0]) = Val::ONE;
    assert!(!f.verifies());
}

#[test]
fn a_non_canonical_hint_length_is_rejected() {
    use tessera_executor::Syscall;
    let s = syscall_index();
    let mut f = fixture();
    let row = f.syscall_row(Syscall::HintLen);
    // The same field value as 42, written as (42 + 2^16, -1): not a 16-bit half.
    *f.syscall(row, s.v0_new[0]) += Val::from_u32(1 << 16);
    *f.syscall(row, s.v0_new[1]) -= Val::ONE;
    assert!(!f.verifies());
}
