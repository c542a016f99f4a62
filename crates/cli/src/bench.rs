//! `tessera bench`: executor throughput in fast and tracing mode.

use std::path::Path;
use std::time::Instant;

use tessera_executor::{Executor, ExecutorConfig};

pub fn bench(guests: &Path, input_bytes: usize, repeat: usize) -> anyhow::Result<()> {
    // Deterministic pseudo-random input.
    let mut x: u32 = 0x1234_5678;
    let input: Vec<u8> = (0..input_bytes)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    println!(
        "{:<10} {:<8} {:>12} {:>10} {:>14}",
        "guest", "mode", "cycles", "seconds", "M instr/s"
    );
    for name in ["sha256", "keccak"] {
        let program = super::run::load_program(&guests.join(format!("{name}.elf")))?;
        for tracing in [false, true] {
            let mut best = f64::INFINITY;
            let mut cycles = 0;
            for _ in 0..repeat.max(1) {
                let mut executor =
                    Executor::new(&program, vec![input.clone()], ExecutorConfig::default());
                let start = Instant::now();
                let outcome = if tracing {
                    let mut events = 0usize;
                    let outcome = executor.run_traced(|shard: &tessera_executor::Shard| {
                        events += shard.num_cycles()
                    })?;
                    anyhow::ensure!(events as u64 == outcome.cycles, "tracing lost events");
                    outcome
                } else {
                    executor.run_fast()?
                };
                best = best.min(start.elapsed().as_secs_f64());
                anyhow::ensure!(
                    outcome.exit_code == 0,
                    "{name} exited with {}",
                    outcome.exit_code
                );
                cycles = outcome.cycles;
            }
            let mode = if tracing { "tracing" } else { "fast" };
            println!(
                "{name:<10} {mode:<8} {cycles:>12} {best:>10.4} {:>14.1}",
                cycles as f64 / best / 1e6
            );
        }
    }
    Ok(())
}

/// The process's peak resident memory so far, in MiB (Linux; `None` elsewhere).
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Input sizes that make each guest's run about a million cycles (a 2^20-cycle shard).
const FULL_SHARD_INPUT: [(&str, usize); 2] = [("sha256", 14_000), ("keccak", 2_500)];

/// Proving throughput on the SHA-256 and Keccak guests at the production configuration; each
/// guest hashes `input_bytes` bytes (by default about a million cycles' worth), cut into shards
/// as `options` says. Peak memory is the process's high-water mark: run one configuration per
/// process to compare them.
pub fn bench_prove(
    guests: &Path,
    input_bytes: Option<usize>,
    only: Option<&str>,
    options: tessera_machine::program::ProveOptions,
    insecure: bool,
) -> anyhow::Result<()> {
    use std::sync::Arc;
    use tessera_machine::program::ProgramProver;
    use tessera_stark::ConfigId;

    let config = if insecure {
        ConfigId::InsecureTesting
    } else {
        ConfigId::Production
    };
    println!(
        "{:<8} {:>10} {:>9} {:>7} {:>9} {:>10} {:>10} {:>11} {:>11} {:>9}",
        "guest",
        "cycles",
        "shard",
        "shards",
        "prove s",
        "cycles/s",
        "proof KiB",
        "main cells",
        "all cells",
        "peak MiB"
    );
    for (name, full_shard) in FULL_SHARD_INPUT {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let input: Vec<u8> = (0..input_bytes.unwrap_or(full_shard) as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let path = guests.join(format!("{name}.elf"));
        let program = Arc::new(super::run::load_program(&path)?);
        let prover = ProgramProver::new(program.clone(), config);
        let (proof, report) = prover.prove_with(vec![input], options, &|_| {})?;
        let secs = report.prove_time.as_secs_f64();
        let main: usize = report.chips.iter().map(|c| c.1 * c.2).sum();
        let per_cycle = |cells: usize| cells as f64 / report.cycles as f64;
        println!(
            "{name:<8} {:>10} {:>9} {:>7} {:>9.2} {:>10.0} {:>10.1} {:>11.1} {:>11.1} {:>9.0}",
            report.cycles,
            options.shard_size,
            report.shards,
            secs,
            report.cycles as f64 / secs,
            proof.to_bytes().len() as f64 / 1024.0,
            per_cycle(main),
            per_cycle(report.committed_cells()),
            peak_memory_mib().unwrap_or(f64::NAN),
        );
        prover.verifier().verify(&proof)?;
    }
    println!(
        "(prove s: wall time from the first cycle to the last shard proof, execution included; \
         cells per cycle: Σ width × rows of the main traces, then with the lookup (LogUp) \
         columns, over cycles; peak: the process's resident high-water mark so far)"
    );
    Ok(())
}
