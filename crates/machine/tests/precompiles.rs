//! Precompile chips: each call proves and verifies, matches the executor's reference, and a
//! changed input, computed or written word is rejected.

use std::sync::Arc;

use crate::asm::{i, li, DATA, SYSCALL};
use p3_field::PrimeCharacteristicRing;
use tessera_executor::{
    keccak_sponge, poseidon2_permute, sha256_compress, sha256_extend, Executor, ExecutorConfig,
};
use tessera_machine::bridge::RunBridge;
use tessera_machine::chips::keccak_sponge::{KeccakSpongeCols, LEN_ROW, NUM_KECCAK_SPONGE_COLS};
use tessera_machine::chips::poseidon2::{Poseidon2PermuteCols, NUM_POSEIDON2_COLS};
use tessera_machine::chips::sha_compress::{ShaCompressCols, NUM_SHA_COMPRESS_COLS, ROUNDS};
use tessera_machine::chips::sha_extend::{ShaExtendCols, NUM_SHA_EXTEND_COLS};
use tessera_machine::core_proof::{CoreProof, CoreVerifier};
use tessera_machine::program::{keys, machine, ProgramError, ProgramProver};
use tessera_machine::MachineRecord;
use tessera_mips::Program;
use tessera_stark::{Chip, ConfigId, ProveError, Val};

/// A program that makes each `(number, a0, a1)` syscall in turn, then runs `load` (a load of
/// what the calls left) and halts with exit code 0.
fn calls(calls: &[(u32, u32, u32)], load: Option<u32>, data: &[(u32, u32)]) -> Arc<Program> {
    let mut code = Vec::new();
    for &(number, a0, a1) in calls {
        code.extend(li(4, a0));
        code.extend(li(5, a1));
        code.extend(li(2, number));
        code.push(SYSCALL);
    }
    code.extend(load);
    code.extend(li(4, 0));
    code.extend([i(0x09, 0, 2, 0), SYSCALL]);
    Arc::new(crate::asm::program(&code, data))
}

/// Proves and verifies `program`; returns the rows of `chip` in the proof.
fn proven_rows(program: &Arc<Program>, chip: &str) -> usize {
    let prover = ProgramProver::new(program.clone(), ConfigId::InsecureTesting);
    let (proof, report) = prover.prove(vec![]).unwrap();
    prover.verifier().verify(&proof).unwrap();
    report.chips.iter().find(|c| c.0 == chip).unwrap().1
}

/// Extends the schedule at DATA, loads w[63] into $t0, halts.
fn program() -> Arc<Program> {
    let data: Vec<(u32, u32)> = (0..16)
        .map(|k| (DATA + 4 * k, 0x6162_6364u32.wrapping_mul(k + 1) ^ (k << 24)))
        .collect();
    // lw $t0, 252($a0)
    calls(&[(0x3001_0005, DATA, 0)], Some(i(0x23, 4, 8, 252)), &data)
}

/// The record of the program's one shard.
fn record(program: &Arc<Program>) -> MachineRecord {
    let mut executor = Executor::new(program, vec![], ExecutorConfig::default());
    let mut bridge = RunBridge::new(program.clone());
    let mut record = None;
    executor
        .run_traced(|shard| record = Some(bridge.record(shard)))
        .unwrap();
    record.unwrap().unwrap()
}

#[test]
fn sha_extend_proves_and_verifies() {
    let rows = proven_rows(&program(), "ShaExtend");
    assert_eq!(rows, 64);
}

#[test]
fn the_schedule_matches_the_reference() {
    let program = program();
    let record = record(&program);
    let (w, rows) = &record.sha_extend_calls[0];
    let mut expected = [0u32; 64];
    expected[..16].copy_from_slice(&w[..16]);
    sha256_extend(&mut expected);
    assert_eq!(*w, expected);
    assert_eq!(rows.len(), 64);
}

/// The column indices of a chip's row struct.
fn columns<C>(width: usize) -> &'static C
where
    [usize]: std::borrow::Borrow<C>,
{
    let indices: &'static [usize] = Vec::leak((0..width).collect());
    std::borrow::Borrow::borrow(indices)
}

/// Asserts that each case, a set of `(row, column)` cells of `chip` each raised by one, makes
/// the proof of `program` fail to verify (and that the untampered proof verifies).
fn assert_rejected(program: &Arc<Program>, chip: &str, width: usize, cases: &[&[(usize, usize)]]) {
    let record = record(program);
    let machine = machine(program.clone(), ConfigId::InsecureTesting);
    let (pk, _, _) = keys(&machine, program);
    let verifier = CoreVerifier::new(program.clone(), ConfigId::InsecureTesting);
    let chip = machine
        .chips()
        .iter()
        .position(|c| c.name() == chip)
        .unwrap();
    let untampered: &[(usize, usize)] = &[];
    for cells in std::iter::once(&untampered).chain(cases) {
        let mut traces: Vec<_> = machine
            .chips()
            .iter()
            .map(|c| c.generate_trace(&record))
            .collect();
        for &(row, col) in *cells {
            traces[chip].values[row * width + col] += Val::ONE;
        }
        let public_values = machine
            .chips()
            .iter()
            .map(|c| c.public_values(&record))
            .collect();
        let proof = machine
            .prove_traces_unchecked::<MachineRecord>(&pk, traces, public_values)
            .unwrap();
        let proof = CoreProof {
            shards: vec![proof],
        };
        let result = verifier.verify(&proof);
        assert_eq!(result.is_ok(), cells.is_empty(), "{cells:?}: {result:?}");
    }
}

#[test]
fn a_changed_schedule_word_is_rejected() {
    let c: &ShaExtendCols<usize> = columns(NUM_SHA_EXTEND_COLS);
    // A computed word changed with the last Add's answer (so the row stays consistent), a
    // computed word alone, and an input word.
    assert_rejected(
        &program(),
        "ShaExtend",
        NUM_SHA_EXTEND_COLS,
        &[
            &[(20, c.w[0]), (20, c.values[16][0])],
            &[(40, c.w[1])],
            &[(5, c.w[0])],
        ],
    );
}

const W: u32 = DATA;
const STATE: u32 = DATA + 256;

/// Two compressions: of the state at STATE with the schedule at W, then of the state at W + 32
/// (inside the schedule, which it overwrites) with the same schedule. Loads a word, halts.
fn compress_program() -> Arc<Program> {
    let data: Vec<(u32, u32)> = (0..72)
        .map(|k| (W + 4 * k, 0x9e37_79b9u32.wrapping_mul(k + 7).rotate_left(k)))
        .collect();
    let compress = [(0x0101_0006, W, STATE), (0x0101_0006, W, W + 32)];
    calls(&compress, Some(i(0x23, 5, 8, 4)), &data) // lw $t0, 4($a1)
}

#[test]
fn sha_compress_proves_and_verifies() {
    let rows = proven_rows(&compress_program(), "ShaCompress");
    assert_eq!(rows, (2 * (ROUNDS + 4)).next_power_of_two());
}

#[test]
fn compressions_match_the_reference() {
    let program = compress_program();
    let record = record(&program);
    let calls = &record.sha_compress_calls;
    assert_eq!(calls.len(), 2);
    for call in calls {
        let mut expected = call.state;
        sha256_compress(&call.w, &mut expected);
        assert_eq!(call.output(), expected);
    }
    // The second state is read from the schedule the first call left in place.
    assert_eq!(calls[1].state[..], calls[1].w[8..16]);
}

#[test]
fn a_changed_compression_is_rejected() {
    let c: &ShaCompressCols<usize> = columns(NUM_SHA_COMPRESS_COLS);
    let (new_a, new_e, w, k) = (33, 32, 8, 9);
    let state_row = ROUNDS + 1;
    assert_rejected(
        &compress_program(),
        "ShaCompress",
        NUM_SHA_COMPRESS_COLS,
        &[
            // A round's new `a` or `e`, a schedule word as read, a round constant.
            &[(10, c.words[new_a][0])],
            &[(30, c.words[new_e][1])],
            &[(12, c.words[w][0])],
            &[(7, c.words[k][1])],
            // A written state word, alone and with the Add answer's input it came from.
            &[(state_row, c.words[w][0])],
            &[(state_row, c.words[k][1]), (state_row, c.words[4][1])],
            // The state word as read, and a round input taken from the wrong round.
            &[(state_row, c.words[new_a][0])],
            &[(20, c.words[2][0])],
        ],
    );
}

const OUT: u32 = DATA + 288;

/// Two sponges: two blocks at DATA into OUT (its length word, 72, after it), then one block at
/// DATA into DATA itself (its length word, 36, is input word 16). Loads a word, halts.
fn keccak_program() -> Arc<Program> {
    let mut data: Vec<(u32, u32)> = (0..72)
        .map(|k| {
            (
                DATA + 4 * k,
                0x7f4a_7c15u32.wrapping_mul(k + 3).rotate_left(k % 29),
            )
        })
        .collect();
    data[16].1 = 36;
    data.push((OUT + 64, 72));
    let sponges = [(0x0101_0009, DATA, OUT), (0x0101_0009, DATA, DATA)];
    calls(&sponges, Some(i(0x23, 5, 8, 60)), &data) // lw $t0, 60($a1)
}

#[test]
fn keccak_sponge_proves_and_verifies() {
    let rows = proven_rows(&keccak_program(), "KeccakSponge");
    assert_eq!(rows, (3 * 24usize).next_power_of_two());
}

#[test]
fn sponges_match_the_reference() {
    let program = keccak_program();
    let record = record(&program);
    let calls = &record.keccak_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].blocks(), 2);
    assert_eq!(calls[1].blocks(), 1);
    for call in calls {
        assert_eq!(call.output(), keccak_sponge(&call.input));
    }
}

#[test]
fn a_changed_sponge_is_rejected() {
    let c: &KeccakSpongeCols<usize> = columns(NUM_KECCAK_SPONGE_COLS);
    let lane_0 = c.keccak.preimage[0][0][0];
    assert_rejected(
        &keccak_program(),
        "KeccakSponge",
        NUM_KECCAK_SPONGE_COLS,
        &[
            // An output word written, and the block's output lanes with it.
            &[(48 + 3, c.out_words[1][0])],
            &[(48 + 3, c.out_words[1][0]), (48 + 3, c.out[3][2])],
            // An input word as read, a preimage limb, the previous block's lane it absorbs.
            &[(5, c.in_access[0].prev_value[0])],
            &[(30, lane_0)],
            &[(24 + 2, c.prev_rate[2][1])],
            // The length read, and the blocks it counts.
            &[(LEN_ROW, c.blocks_left)],
            &[(24 + 23, c.is_last)],
        ],
    );
}

#[test]
fn an_empty_sponge_is_refused_not_misproven() {
    let program = calls(&[(0x0101_0009, DATA, DATA)], None, &[]);
    let prover = ProgramProver::new(program, ConfigId::InsecureTesting);
    let err = prover.prove(vec![]).unwrap_err().to_string();
    assert!(err.contains("absorbs no block"), "{err}");
}

/// Two permutations of the 16 words at DATA (the first holds p − 1, the largest canonical
/// word), in place. Loads a word, halts.
fn poseidon2_program() -> Arc<Program> {
    let mut data: Vec<(u32, u32)> = (0..16)
        .map(|k| {
            (
                DATA + 4 * k,
                0x1234_5679u32.wrapping_mul(k + 1) % 0x7F00_0001,
            )
        })
        .collect();
    data[0].1 = 0x7F00_0000;
    let permute = (0x0001_0030, DATA, 0);
    calls(&[permute, permute], Some(i(0x23, 4, 8, 12)), &data) // lw $t0, 12($a0)
}

#[test]
fn poseidon2_proves_and_verifies() {
    let rows = proven_rows(&poseidon2_program(), "Poseidon2");
    assert_eq!(rows, 2);
}

#[test]
fn permutations_match_the_reference() {
    let record = record(&poseidon2_program());
    let calls = &record.poseidon2_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].input[0], 0x7F00_0000);
    for call in calls {
        assert_eq!(poseidon2_permute(&call.input), Some(call.output));
    }
    assert_eq!(calls[1].input, calls[0].output);
}

#[test]
fn a_changed_permutation_is_rejected() {
    let c: &Poseidon2PermuteCols<usize> = columns(NUM_POSEIDON2_COLS);
    // An output word changed by p (the same field element, not the same word): hi + 0x7F00
    // (below 2^16 as hi ≤ 0x7F00) and lo + 1, for a word whose lo has room.
    let record = record(&poseidon2_program());
    let out = record.poseidon2_calls[1].output;
    let word = (0..16)
        .find(|&i| out[i] & 0xFFFF < 0xFFFF)
        .expect("a word with room");
    let mut wrapped: Vec<(usize, usize)> = vec![(1, c.output[word][0])];
    wrapped.extend(std::iter::repeat_n((1, c.output[word][1]), 0x7F00));
    assert_rejected(
        &poseidon2_program(),
        "Poseidon2",
        NUM_POSEIDON2_COLS,
        &[
            // An output word alone, and with the permutation's output.
            &[(0, c.output[3][0])],
            &[
                (0, c.output[3][0]),
                (0, c.perm.ending_full_rounds[3].post[3]),
            ],
            // The word read, and the permutation's input with it.
            &[(1, c.access[5].prev_value[1])],
            &[(1, c.access[5].prev_value[0]), (1, c.perm.inputs[5])],
            &wrapped,
        ],
    );
}

#[test]
fn a_deferred_proof_is_refused_clearly() {
    let program = calls(&[(0x1B, DATA, DATA + 32)], None, &[]);
    let prover = ProgramProver::new(program, ConfigId::InsecureTesting);
    match prover.prove(vec![]) {
        Err(ProgramError::Unprovable(reason)) => {
            assert!(reason.contains("syscall 0x1b"), "{reason}")
        }
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_used_precompile_chip_cannot_be_left_out() {
    let program = compress_program();
    let record = record(&program);
    let machine = machine(program.clone(), ConfigId::InsecureTesting);
    let (pk, _, _) = keys(&machine, &program);
    let traces: Vec<_> = machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(&record))
        .collect();
    let public_values: Vec<_> = machine
        .chips()
        .iter()
        .map(|c| c.public_values(&record))
        .collect();
    // The prover decides presence from a record without the calls: ShaCompress is left out
    // while the Syscall chip still starts its chains.
    let mut without = record.clone();
    without.sha_compress_calls.clear();
    // The honest prover verifies what it made and refuses to hand it out; a cheating one
    // (no verification) gets a proof the verifier rejects.
    assert!(matches!(
        machine.prove_traces_of::<MachineRecord>(
            &pk,
            &without,
            traces.clone(),
            public_values.clone()
        ),
        Err(ProveError::Unverified(_))
    ));
    let proof = machine
        .prove_traces_of_unchecked::<MachineRecord>(&pk, &without, traces, public_values)
        .unwrap();
    let at = machine
        .chips()
        .iter()
        .position(|c| c.name() == "ShaCompress")
        .unwrap();
    assert!(!proof.present[at]);
    let verifier = CoreVerifier::new(program, ConfigId::InsecureTesting);
    assert!(verifier
        .verify(&CoreProof {
            shards: vec![proof]
        })
        .is_err());
}

#[test]
fn a_chip_that_is_not_optional_cannot_be_left_out() {
    let program = program();
    let prover = ProgramProver::new(program.clone(), ConfigId::InsecureTesting);
    let (mut proof, _) = prover.prove(vec![]).unwrap();
    let at = prover
        .machine
        .chips()
        .iter()
        .position(|c| c.name() == "Bits")
        .unwrap();
    proof.shards[0].present[at] = false;
    proof.shards[0].batch.degree_bits.remove(at);
    let err = prover.verifier().verify(&proof).unwrap_err();
    assert!(err.to_string().contains("may not be"), "{err}");
}
