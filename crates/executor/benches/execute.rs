//! Executor throughput on the SHA-256 and Keccak guests, in fast and tracing mode.
//! `cargo bench -p tessera-executor`; `tessera bench` prints the same figures as a table.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tessera_executor::{Executor, ExecutorConfig};
use tessera_mips::Program;

fn guest(name: &str) -> Program {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../guest/bin/{name}.elf"));
    Program::from_elf(&std::fs::read(path).expect("example guest")).expect("valid ELF")
}

fn execute(c: &mut Criterion) {
    let input: Vec<u8> = (0..32 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    for name in ["sha256", "keccak"] {
        let program = guest(name);
        let cycles = Executor::new(&program, vec![input.clone()], ExecutorConfig::default())
            .run_fast()
            .expect("guest runs")
            .cycles;
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(cycles));
        group.sample_size(10);
        group.bench_function("fast", |b| {
            b.iter(|| {
                let mut ex =
                    Executor::new(&program, vec![input.clone()], ExecutorConfig::default());
                ex.run_fast().expect("guest runs")
            })
        });
        group.bench_function("tracing", |b| {
            b.iter(|| {
                let mut ex =
                    Executor::new(&program, vec![input.clone()], ExecutorConfig::default());
                let mut events = 0;
                ex.run_traced(|s| events += s.num_cycles())
                    .expect("guest runs");
                events
            })
        });
        group.finish();
    }
}

criterion_group!(benches, execute);
criterion_main!(benches);
