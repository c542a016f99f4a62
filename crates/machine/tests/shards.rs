//! What binds a run's shards: a core proof is rejected with a shard dropped, duplicated or
//! reordered, with a memory word or a register changed between shards, with a shard of another
//! run spliced in, with a halting shard that is not the last, without its last shard, and with
//! the run's memory boundary proven in a shard that is not the last.

use std::path::Path;
use std::sync::Arc;

use crate::asm::{i, li, r, DATA, HALT, NOP};
use tessera_executor::{reexecute_shard, Executor, ExecutorConfig, Shard};
use tessera_machine::bridge::RunBridge;
use tessera_machine::bus::{global_memory_fields, memory_key};
use tessera_machine::chips::global_sum::record_messages;
use tessera_machine::chips::memory::{record_global_boundary, GlobalBoundaryRow};
use tessera_machine::core_proof::{CoreProof, CoreVerifyError};
use tessera_machine::program::{chip_position, ProgramProver, ProveOptions};
use tessera_machine::MachineRecord;
use tessera_mips::Program;
use tessera_stark::ConfigId;

const SHARD: u64 = 8;

/// Shard 0 stores `$t0` at DATA; shard 1 loads it, adds `$t0` and stores the sum at DATA + 4;
/// shard 2 loads that and halts.
fn bridged_program() -> Arc<Program> {
    let mut code = Vec::new();
    code.extend(li(8, 0x1234_5678));
    code.push(i(0x0F, 0, 9, (DATA >> 16) as i32)); // lui $t1, DATA
    code.push(i(0x2B, 9, 8, 0)); // sw $t0, 0($t1)
    code.resize(SHARD as usize, NOP);
    code.push(i(0x23, 9, 10, 0)); // lw $t2, 0($t1)
    code.push(r(10, 8, 11, 0, 0x21)); // addu $t3, $t2, $t0
    code.push(i(0x2B, 9, 11, 4)); // sw $t3, 4($t1)
    code.resize(2 * SHARD as usize, NOP);
    code.push(i(0x23, 9, 12, 4)); // lw $t4, 4($t1)
    code.extend(HALT);
    Arc::new(crate::asm::program(&code, &[]))
}

/// The run's shards, as the executor cuts them.
fn shards(program: &Program, inputs: Vec<Vec<u8>>, shard_size: u64) -> Vec<Shard> {
    let config = ExecutorConfig {
        shard_size,
        ..ExecutorConfig::default()
    };
    let mut shards = Vec::new();
    Executor::new(program, inputs, config)
        .run_traced(|s| shards.push(s.clone()))
        .unwrap();
    shards
}

/// Proves `shards` as one run, without the bridge's check that each starts where the last
/// ended (so forged runs can be proven).
fn prove(prover: &ProgramProver, shards: &[Shard]) -> CoreProof {
    let mut bridge = RunBridge::new(prover.program.clone());
    bridge.check_continuity = false;
    let shards = shards
        .iter()
        .map(|s| {
            let record = bridge.record(s).unwrap();
            prover.prove_record(&record).unwrap().0
        })
        .collect();
    CoreProof { shards }
}

fn prover(program: Arc<Program>) -> ProgramProver {
    ProgramProver::new(program, ConfigId::InsecureTesting)
}

#[test]
fn the_bridged_run_proves_in_three_shards() {
    let program = bridged_program();
    let prover = prover(program.clone());
    let shards = shards(&program, vec![], SHARD);
    assert_eq!(shards.len(), 3);
    let out = prover.verifier().verify(&prove(&prover, &shards)).unwrap();
    assert_eq!(out.shards, 3);
    assert_eq!(out.cycles, 2 * SHARD + 3);
}

#[test]
fn dropped_duplicated_or_reordered_shards_are_rejected() {
    let program = bridged_program();
    let prover = prover(program.clone());
    let verifier = prover.verifier();
    let proof = prove(&prover, &shards(&program, vec![], SHARD));
    let bytes = proof.to_bytes();
    let reorder = |order: &[usize]| {
        let shards = order
            .iter()
            .map(|&i| CoreProof::from_bytes(&bytes).unwrap().shards.swap_remove(i))
            .collect();
        verifier.verify(&CoreProof { shards })
    };
    assert!(reorder(&[0, 1, 2]).is_ok());
    let wrong_index = |position, claimed| Err(CoreVerifyError::WrongIndex { position, claimed });
    assert_eq!(reorder(&[0, 2]), wrong_index(1, 2), "dropped");
    assert_eq!(reorder(&[0, 1, 1, 2]), wrong_index(2, 1), "duplicated");
    assert_eq!(reorder(&[0, 2, 1]), wrong_index(1, 2), "reordered");
    assert_eq!(
        reorder(&[0, 1]),
        Err(CoreVerifyError::NotHalted(1)),
        "no last"
    );
    assert_eq!(reorder(&[]), Err(CoreVerifyError::NoShards));
}

/// Proves the bridged run with shard 1 re-executed from a changed start.
fn prove_with_changed_start(change: impl FnOnce(&mut Shard)) -> Result<(), CoreVerifyError> {
    let program = bridged_program();
    let prover = prover(program.clone());
    let mut shards = shards(&program, vec![], SHARD);
    let mut start = shards[1].clone();
    change(&mut start);
    shards[1] = reexecute_shard(&program, 1, &start.start, SHARD).unwrap();
    assert_ne!(shards[1].cpu_events, start.cpu_events, "the change matters");
    prover
        .verifier()
        .verify(&prove(&prover, &shards))
        .map(|_| ())
}

#[test]
fn a_memory_word_changed_between_shards_is_rejected() {
    let changed = prove_with_changed_start(|shard| {
        let word = shard
            .start
            .memory
            .iter_mut()
            .find(|m| m.addr == DATA)
            .unwrap();
        assert_eq!(word.value, 0x1234_5678, "written by shard 0");
        word.value ^= 1;
    });
    assert_eq!(changed, Err(CoreVerifyError::GlobalSumMismatch));
}

#[test]
fn a_register_changed_between_shards_is_rejected() {
    let changed = prove_with_changed_start(|shard| shard.start.registers[8] ^= 0x100);
    assert_eq!(changed, Err(CoreVerifyError::GlobalSumMismatch));
}

fn fibonacci() -> Arc<Program> {
    let elf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest/bin/fibonacci.elf");
    Arc::new(Program::from_elf(&std::fs::read(elf).unwrap()).unwrap())
}

/// Fibonacci's run for `n` in shards of 4096 cycles, proven.
fn fibonacci_run(prover: &ProgramProver, n: u32) -> CoreProof {
    let options = ProveOptions {
        shard_size: 1 << 12,
        shards_in_flight: 2,
    };
    let input = n.to_le_bytes().to_vec();
    prover.prove_with(vec![input], options, &|_| {}).unwrap().0
}

#[test]
fn a_shard_from_another_run_is_rejected() {
    let prover = prover(fibonacci());
    let verifier = prover.verifier();
    let mut run = fibonacci_run(&prover, 1000);
    let other = fibonacci_run(&prover, 3000);
    assert_eq!(run.shards.len(), 4);
    verifier.verify(&run).unwrap();
    verifier.verify(&other).unwrap();
    // Shard 1 of fib(3000) starts in the loop, as fib(1000)'s does, but still loops where
    // fib(1000)'s ends; as shard 2 of fib(3000) it would chain but not carry the same memory.
    let mut other = other.shards;
    run.shards[1] = other.swap_remove(1);
    assert!(matches!(
        verifier.verify(&run),
        Err(CoreVerifyError::Discontinuity { index: 2, .. })
    ));
    let mut spliced = fibonacci_run(&prover, 3000);
    spliced.shards[0] = fibonacci_run(&prover, 2999).shards.swap_remove(0);
    assert_eq!(
        verifier.verify(&spliced),
        Err(CoreVerifyError::GlobalSumMismatch)
    );
}

#[test]
fn a_halting_shard_that_is_not_the_last_is_rejected() {
    let prover = prover(fibonacci());
    let mut short = fibonacci_run(&prover, 100);
    let long = fibonacci_run(&prover, 1000);
    assert_eq!((short.shards.len(), long.shards.len()), (3, 4));
    short.shards.push(long.shards.into_iter().nth(3).unwrap());
    assert_eq!(
        prover.verifier().verify(&short),
        Err(CoreVerifyError::HaltsEarly(2))
    );
}

#[test]
fn the_run_boundary_only_counts_in_the_last_shard() {
    // Shard 0 also proves a run-boundary row that starts a key and ends it unchanged: the
    // multiset still balances, but only the last shard may hold the run's boundary.
    let program = bridged_program();
    let prover = prover(program.clone());
    let shards = shards(&program, vec![], SHARD);
    let mut bridge = RunBridge::new(program.clone());
    let mut proofs = Vec::new();
    for (index, shard) in shards.iter().enumerate() {
        let mut record: MachineRecord = bridge.record(shard).unwrap();
        if index == 0 {
            let key = memory_key(DATA + 0x100);
            let rows = vec![GlobalBoundaryRow {
                key,
                value: 0,
                tag: 0,
                starts_at_zero: true,
            }];
            let messages = [
                (true, global_memory_fields(key, 0, 0)),
                (false, global_memory_fields(key, 0, 0)),
            ];
            record_global_boundary(&mut record, &rows);
            record_messages(&mut record, &messages);
            record.memory_global = rows;
        }
        proofs.push(prover.prove_record(&record).unwrap().0);
    }
    let memory_global = chip_position(&prover.machine, "MemoryGlobal").unwrap();
    assert!(proofs[0].present[memory_global]);
    assert_eq!(
        prover.verifier().verify(&CoreProof { shards: proofs }),
        Err(CoreVerifyError::MisplacedGlobalMemory(0))
    );
}

#[test]
fn the_pipeline_keeps_at_most_the_shards_in_flight_alive() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tessera_machine::program::ProveEvent;
    let prover = prover(fibonacci());
    for in_flight in [1, 2] {
        let (alive, peak, proven) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        let progress = |event: ProveEvent| match event {
            ProveEvent::ShardRecorded { .. } => {
                let now = alive.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
            }
            ProveEvent::ShardProven { .. } => {
                alive.fetch_sub(1, Ordering::SeqCst);
                proven.fetch_add(1, Ordering::SeqCst);
            }
        };
        let options = ProveOptions {
            shard_size: 1 << 10,
            shards_in_flight: in_flight,
        };
        let input = 1000u32.to_le_bytes().to_vec();
        let (proof, report) = prover.prove_with(vec![input], options, &progress).unwrap();
        assert_eq!(proven.load(Ordering::SeqCst), report.shards);
        assert_eq!(proof.shards.len(), report.shards);
        // Each worker holds one record; one more waits, recorded, for a free worker.
        let peak = peak.load(Ordering::SeqCst);
        assert!(
            peak <= in_flight + 1,
            "{peak} records alive with {in_flight} in flight"
        );
        prover.verifier().verify(&proof).unwrap();
    }
}
