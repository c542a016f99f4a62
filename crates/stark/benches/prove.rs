//! Backend benchmark (production configuration): prove time, verify time, proof size, peak
//! memory, and prove time over the bare commitment of the same traces (LDE + Merkle), for
//! (a) one 32-column table with 32 degree-3 constraints (Plonky3's own benchmark AIR, so the
//! ratio compares with plain Plonky3) and (b) the synthetic three-chip machine with two buses.
//! Run with `cargo bench -p tessera-stark --bench prove`; `-- 16 18` limits the sizes.

#[path = "../tests/common/synthetic.rs"]
mod synthetic;

use std::time::Instant;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{commit_only, Chip, ConfigId, Machine, MachineAir, Val};

const WIDTH: usize = 32;

/// next[i] = cur[i]^2 * cur[i+1] + cur[i+2], indices mod 32.
#[derive(Clone, Debug)]
struct Wide;

impl<F> BaseAir<F> for Wide {
    fn width(&self) -> usize {
        WIDTH
    }
}

impl<AB: AirBuilder> Air<AB> for Wide {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let (cur, next): (Vec<AB::Var>, Vec<AB::Var>) =
            (main.current_slice().to_vec(), main.next_slice().to_vec());
        let mut t = builder.when_transition();
        for i in 0..WIDTH {
            let (a, b, c) = (cur[i], cur[(i + 1) % WIDTH], cur[(i + 2) % WIDTH]);
            t.assert_eq(next[i], a.into() * a.into() * b.into() + c.into());
        }
    }
}

impl Chip<Val, usize> for Wide {
    fn name(&self) -> &'static str {
        "Wide"
    }
    fn generate_trace(&self, log_rows: &usize) -> RowMajorMatrix<Val> {
        let rows = 1 << log_rows;
        let mut values = Vec::with_capacity(rows * WIDTH);
        values.extend((0..WIDTH).map(|i| Val::from_usize(i + 1)));
        for r in 1..rows {
            let prev = &values[(r - 1) * WIDTH..r * WIDTH];
            let row: Vec<Val> = (0..WIDTH)
                .map(|i| prev[i] * prev[i] * prev[(i + 1) % WIDTH] + prev[(i + 2) % WIDTH])
                .collect();
            values.extend(row);
        }
        RowMajorMatrix::new(values, WIDTH)
    }
}

tessera_stark::machine_chips! {
    enum WideChip<usize> { Wide(Wide) }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed().as_secs_f64());
        out = Some(value);
    }
    (best, out.expect("at least one run"))
}

fn measure<A, R: Sync>(label: &str, log_rows: usize, machine: &Machine<A>, record: &R)
where
    A: MachineAir<R>,
    A: Chip<Val, R>,
{
    let (pk, vk) = machine.setup::<R>();
    let traces: Vec<RowMajorMatrix<Val>> = machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(record))
        .collect();
    let cells: usize = traces.iter().map(|t| t.values.len()).sum();
    let public_values: Vec<Vec<Val>> = machine
        .chips()
        .iter()
        .map(|c| c.public_values(record))
        .collect();
    reset_peak_rss();
    // Trace generation is the machine's business; this measures the backend on given traces.
    let mut prove = f64::INFINITY;
    let mut proof = None;
    for _ in 0..3 {
        let (traces, public_values) = (traces.clone(), public_values.clone());
        let start = Instant::now();
        let p = machine
            .prove_traces_unchecked::<R>(&pk, traces, public_values)
            .expect("proves");
        prove = prove.min(start.elapsed().as_secs_f64());
        proof = Some(p);
    }
    let proof = proof.expect("proved");
    let peak = peak_rss_mb();
    let (verify, ()) = best_of(3, || machine.verify::<R>(&vk, &proof).expect("verifies"));
    let (commit, ()) = best_of(3, || commit_only(ConfigId::Production, traces.clone()));
    println!(
        "{label:<10} 2^{log_rows:<3} {cells:>11} {prove:>9.3} {verify:>9.4} {:>10} {peak:>9.0} {commit:>9.3} {:>7.2}",
        proof.to_bytes().len(),
        prove / commit
    );
}

fn main() {
    // TESSERA_SPANS=1 prints how long each Plonky3 phase took.
    if std::env::var_os("TESSERA_SPANS").is_some() {
        tracing_subscriber::fmt()
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .init();
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (lo, hi) = match args.as_slice() {
        [lo, hi, ..] => (*lo, *hi),
        _ => (16, 20),
    };
    println!(
        "{:<10} {:<5} {:>11} {:>9} {:>9} {:>10} {:>9} {:>9} {:>7}",
        "table", "rows", "cells", "prove s", "verify s", "proof B", "peak MB", "commit s", "ratio"
    );
    for log_rows in (lo..=hi).step_by(2) {
        let wide = Machine::new(vec![WideChip::Wide(Wide)], ConfigId::Production);
        measure("wide-32", log_rows, &wide, &log_rows);
        let machine = Machine::new(synthetic::chips(), ConfigId::Production);
        let record = synthetic::Additions::random(1 << log_rows, log_rows as u32);
        measure("synthetic", log_rows, &machine, &record);
    }
}
