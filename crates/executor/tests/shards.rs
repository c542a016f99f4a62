//! Tracing mode: shards, checkpoints, re-execution and the memory trace the chips will check.

use std::collections::HashMap;
use std::path::Path;

use tessera_executor::{reexecute_shard, Executor, ExecutorConfig, Shard};
use tessera_mips::{Instruction, Program};

fn guest(name: &str, input: &str) -> (Program, Vec<Vec<u8>>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest");
    let elf = std::fs::read(root.join(format!("bin/{name}.elf"))).unwrap();
    let input = std::fs::read(root.join(format!("inputs/{input}"))).unwrap();
    (Program::from_elf(&elf).unwrap(), vec![input])
}

fn traced(program: &Program, inputs: Vec<Vec<u8>>, shard_size: u64) -> Vec<Shard> {
    let config = ExecutorConfig {
        shard_size,
        ..ExecutorConfig::default()
    };
    let mut shards = Vec::new();
    let mut ex = Executor::new(program, inputs.clone(), config);
    let outcome = ex.run_traced(|s| shards.push(s.clone())).unwrap();
    let mut fast = Executor::new(program, inputs, config);
    assert_eq!(
        fast.run_fast().unwrap(),
        outcome,
        "fast and tracing mode disagree"
    );
    assert_eq!(fast.io(), ex.io());
    assert_eq!(outcome.shards, shards.len());
    assert_eq!(
        outcome.cycles,
        shards.iter().map(|s| s.num_cycles() as u64).sum::<u64>()
    );
    shards
}

fn check_shapes(shards: &[Shard], shard_size: u64) {
    for (k, shard) in shards.iter().enumerate() {
        assert_eq!(shard.index, k);
        assert!(shard.num_cycles() as u64 <= shard_size);
        assert!(!shard.cpu_events.is_empty());
        let first = &shard.cpu_events[0];
        assert_eq!(
            (first.pc, first.next_pc),
            (shard.start.pc, shard.start.next_pc)
        );
        assert_eq!(first.clock, shard.start.clock + 1);
        for pair in shard.cpu_events.windows(2) {
            assert_eq!(pair[1].clock, pair[0].clock + 1);
            assert_eq!(pair[1].pc, pair[0].next_pc);
            assert_eq!(pair[1].next_pc, pair[0].next_next_pc);
        }
        let last = shard.cpu_events.last().unwrap();
        assert_eq!(
            (shard.end_pc, shard.end_next_pc),
            (last.next_pc, last.next_next_pc)
        );
        if let Some(next) = shards.get(k + 1) {
            assert!(!shard.halted);
            // Never cut between a branch and its delay slot.
            let op = Instruction::decode(last.word).opcode;
            assert!(!op.has_delay_slot(), "shard {k} ends with a branch");
            assert!(shard.num_cycles() as u64 >= shard_size - 1);
            assert_eq!(next.start.pc, shard.end_pc);
            assert_eq!(next.start.next_pc, shard.end_next_pc);
            assert_eq!(next.start.registers, shard.end_registers);
            assert_eq!((next.start.hi, next.start.lo), (shard.end_hi, shard.end_lo));
            assert_eq!(next.start.clock, last.clock);
        } else {
            assert!(shard.halted);
        }
    }
}

/// Offline memory checking, as the memory argument will do it: every access's previous value
/// and clock are those of the last access to the same word (or the ELF image at clock 0), and
/// each shard's checkpoint holds exactly the words it touches, at their values before it.
fn check_memory_trace(program: &Program, shards: &[Shard]) {
    let mut memory: HashMap<u32, (u32, u64)> = program
        .initial_words()
        .map(|(addr, word)| (addr, (word, 0)))
        .collect();
    for shard in shards {
        let mut touched = Vec::new();
        let records = shard
            .cpu_events
            .iter()
            .filter_map(|e| e.memory.map(|m| (e.clock, m)))
            .chain(
                shard
                    .syscall_events
                    .iter()
                    .flat_map(|s| s.memory.iter().map(move |m| (s.clock, *m))),
            );
        let mut records: Vec<_> = records.collect();
        records.sort_by_key(|(clock, _)| *clock);
        for (clock, record) in records {
            let (value, last) = memory.get(&record.addr).copied().unwrap_or((0, 0));
            assert_eq!(
                (record.prev_value, record.prev_clock),
                (value, last),
                "word {:#x} at clock {clock}",
                record.addr
            );
            if last <= shard.start.clock {
                touched.push((record.addr, value, last));
            }
            memory.insert(record.addr, (record.value, clock));
        }
        touched.sort();
        touched.dedup_by_key(|t| t.0);
        let checkpoint: Vec<_> = shard
            .start
            .memory
            .iter()
            .map(|m| (m.addr, m.value, m.prev_clock))
            .collect();
        assert_eq!(
            checkpoint, touched,
            "shard {} checkpoint memory",
            shard.index
        );
    }
}

fn check_reexecution(program: &Program, shards: &[Shard]) {
    for shard in shards {
        let again = reexecute_shard(
            program,
            shard.index,
            &shard.start,
            shard.num_cycles() as u64,
        )
        .unwrap_or_else(|e| panic!("shard {}: {e}", shard.index));
        assert_eq!(
            &again, shard,
            "shard {} differs when re-executed",
            shard.index
        );
    }
}

#[test]
fn sha256_shards_reexecute_identically() {
    let (program, inputs) = guest("sha256", "message.txt");
    let shards = traced(&program, inputs, 1000);
    assert!(shards.len() > 10);
    check_shapes(&shards, 1000);
    check_memory_trace(&program, &shards);
    check_reexecution(&program, &shards);
}

#[test]
fn tiny_shards_never_split_a_delay_slot() {
    // The I/O guest also appends to its own input stream (fd 14) and reads it back, which the
    // checkpoints must carry.
    let (program, inputs) = guest("io", "name.txt");
    for size in [2, 3, 5] {
        let shards = traced(&program, inputs.clone(), size);
        check_shapes(&shards, size);
        check_memory_trace(&program, &shards);
        check_reexecution(&program, &shards);
    }
}

#[test]
fn precompile_shards_reexecute_identically() {
    let (program, inputs) = guest("precompiles", "message.txt");
    let shards = traced(&program, inputs, 4096);
    assert!(shards.iter().any(|s| !s.syscall_events.is_empty()));
    check_shapes(&shards, 4096);
    check_memory_trace(&program, &shards);
    check_reexecution(&program, &shards);
}

#[test]
fn one_shard_when_the_run_fits() {
    let (program, inputs) = guest("fibonacci", "fibonacci.bin");
    let shards = traced(&program, inputs, 1 << 20);
    assert_eq!(shards.len(), 1);
    check_shapes(&shards, 1 << 20);
    check_memory_trace(&program, &shards);
}
