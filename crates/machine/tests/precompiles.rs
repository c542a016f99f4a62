//! Precompile chips: a SHA_EXTEND call proves and verifies, and a changed schedule word is
//! rejected.

#[path = "../../executor/tests/common/mod.rs"]
mod asm;

use std::sync::Arc;

use asm::{i, li, DATA, SYSCALL};
use p3_field::PrimeCharacteristicRing;
use tessera_executor::{sha256_extend, Executor, ExecutorConfig};
use tessera_machine::chips::sha_extend::{ShaExtendCols, NUM_SHA_EXTEND_COLS};
use tessera_machine::program::{machine, verify, ProgramProver};
use tessera_machine::MachineRecord;
use tessera_mips::Program;
use tessera_stark::{Chip, ConfigId, Val};

/// Extends the schedule at DATA, loads w[63] into $t0, halts.
fn program() -> Arc<Program> {
    let mut code = Vec::new();
    code.extend(li(4, DATA));
    code.extend(li(2, 0x3001_0005));
    code.push(SYSCALL);
    code.push(i(0x23, 4, 8, 252)); // lw $t0, 252($a0)
    code.extend(li(4, 0));
    code.extend([i(0x09, 0, 2, 0), SYSCALL]);
    let data: Vec<(u32, u32)> = (0..16)
        .map(|k| (DATA + 4 * k, 0x6162_6364u32.wrapping_mul(k + 1) ^ (k << 24)))
        .collect();
    Arc::new(asm::program(&code, &data))
}

/// The record of the program's one shard.
fn record(program: &Arc<Program>) -> MachineRecord {
    let mut executor = Executor::new(program, vec![], ExecutorConfig::default());
    let mut record = None;
    executor
        .run_traced(|shard| record = Some(MachineRecord::from_shard(program.clone(), shard)))
        .unwrap();
    record.unwrap().unwrap()
}

#[test]
fn sha_extend_proves_and_verifies() {
    let program = program();
    let prover = ProgramProver::new(program.clone(), ConfigId::InsecureTesting);
    let (proof, report) = prover.prove(vec![], |_| {}).unwrap();
    verify(&prover.machine, &prover.vk, &program, &proof).unwrap();
    let rows = report.chips.iter().find(|c| c.0 == "ShaExtend").unwrap().1;
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

#[test]
fn a_changed_schedule_word_is_rejected() {
    let program = program();
    let record = record(&program);
    let machine = machine(program.clone(), ConfigId::InsecureTesting);
    let (pk, vk) = machine.setup::<MachineRecord>();
    let chip = machine
        .chips()
        .iter()
        .position(|c| c.name() == "ShaExtend")
        .unwrap();
    let c: ShaExtendCols<usize> = {
        let indices: Vec<usize> = (0..NUM_SHA_EXTEND_COLS).collect();
        *std::borrow::Borrow::borrow(indices.as_slice())
    };
    // A computed word changed with the last Add's answer (so the row stays consistent), a
    // computed word alone, and an input word.
    let cases: [&[(usize, usize)]; 3] = [
        &[(20, c.w[0]), (20, c.values[16][0])],
        &[(40, c.w[1])],
        &[(5, c.w[0])],
    ];
    for cells in cases {
        let mut traces: Vec<_> = machine
            .chips()
            .iter()
            .map(|c| c.generate_trace(&record))
            .collect();
        for &(row, col) in cells {
            traces[chip].values[row * NUM_SHA_EXTEND_COLS + col] += Val::ONE;
        }
        let public_values = machine
            .chips()
            .iter()
            .map(|c| c.public_values(&record))
            .collect();
        let proof = machine
            .prove_traces_unchecked::<MachineRecord>(&pk, traces, public_values)
            .unwrap();
        assert!(
            verify(&machine, &vk, &program, &proof).is_err(),
            "{cells:?}"
        );
    }
}
