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
