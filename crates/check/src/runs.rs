//! Completeness on real runs: a program is executed and cut into shards as `tessera prove` cuts
//! it, each shard's record is built by the same bridge, and every chip's trace (main,
//! preprocessed and public values, from the real trace generators) is checked row by row
//! against the chip's constraints and its receivers' answers. Within a shard, every bus but the
//! cross-shard one must balance over all the chips' traces; the cross-shard messages go to the
//! global sum, whose own constraints are checked like any other chip's.

use std::collections::BTreeMap;
use std::sync::Arc;

use p3_air::BaseAir;
use tessera_executor::{Executor, ExecutorConfig};
use tessera_machine::bridge::RunBridge;
use tessera_machine::bus::GLOBAL_BUS;
use tessera_machine::chips::contract;
use tessera_machine::MachineRecord;
use tessera_mips::Program;
use tessera_stark::{Chip, ConfigId, Val};

use crate::complete::{check_trace, Ledger, Trace};
use crate::extract::{anonymous_contract, extract};
use crate::machine::{name, Completeness};

/// One run to check: a program, its input, and the shard size.
pub struct Run<'a> {
    pub label: &'a str,
    pub program: Arc<Program>,
    pub inputs: Vec<Vec<u8>>,
    pub shard_size: u64,
}

/// Rows checked per chip over every shard of every run, or each chip's first failure (a run
/// the executor rejects, or a bus that does not balance, fails every chip).
pub fn run_completeness(runs: &[Run]) -> Vec<(&'static str, Completeness)> {
    let mut rows: BTreeMap<&'static str, Result<usize, String>> = BTreeMap::new();
    let mut order = Vec::new();
    let mut shards = 0;
    for run in runs {
        let machine =
            tessera_machine::program::machine(run.program.clone(), ConfigId::InsecureTesting);
        let chips = machine.chips().to_vec();
        let extracted: Vec<_> = chips
            .iter()
            .map(|chip| {
                let width = BaseAir::<Val>::width(chip);
                let contract = contract(chip).unwrap_or_else(|| anonymous_contract(width));
                extract(name(chip), chip, contract).map_err(|e| e.to_string())
            })
            .collect();
        for chip in &chips {
            if !order.contains(&name(chip)) {
                order.push(name(chip));
                rows.insert(name(chip), Ok(0));
            }
        }
        let records = match records(run) {
            Ok(r) => r,
            Err(why) => {
                for r in rows.values_mut() {
                    *r = Err(format!("{}: {why}", run.label));
                }
                continue;
            }
        };
        for (index, record) in records.iter().enumerate() {
            shards += 1;
            let mut ledger = Ledger::default();
            for (chip, ir) in chips.iter().zip(&extracted) {
                let slot = rows.get_mut(name(chip)).expect("every chip has a slot");
                let Ok(done) = slot else { continue };
                let checked = ir.as_ref().map_err(Clone::clone).and_then(|ir| {
                    let main = Chip::<Val, MachineRecord>::generate_trace(chip, record);
                    let preprocessed = BaseAir::<Val>::preprocessed_trace(chip);
                    let public = Chip::<Val, MachineRecord>::public_values(chip, record);
                    let trace = Trace {
                        main: &main,
                        preprocessed: preprocessed.as_ref(),
                        public: &public,
                    };
                    check_trace(ir, &trace, &mut ledger)
                });
                *slot = match checked {
                    Ok(n) => Ok(*done + n),
                    Err(why) => Err(format!("{}, shard {index}: {why}", run.label)),
                };
            }
            if let Some(why) = unbalanced(&ledger) {
                for r in rows.values_mut().filter(|r| r.is_ok()) {
                    *r = Err(format!("{}, shard {index}: {why}", run.label));
                }
            }
        }
    }
    let labels: Vec<&str> = runs.iter().map(|r| r.label).collect();
    let what = format!(
        "{shards} shards of real runs ({}) through the trace generators",
        labels.join(", ")
    );
    order
        .into_iter()
        .map(|n| {
            let result = rows.remove(n).expect("a slot per chip");
            (
                n,
                Completeness {
                    what: what.clone(),
                    result,
                },
            )
        })
        .collect()
}

/// The records of `run`'s shards, built as the prover builds them.
fn records(run: &Run) -> Result<Vec<MachineRecord>, String> {
    let config = ExecutorConfig {
        shard_size: run.shard_size,
        ..ExecutorConfig::default()
    };
    let mut bridge = RunBridge::new(run.program.clone());
    let mut records = Vec::new();
    Executor::new(&run.program, run.inputs.clone(), config)
        .run_traced(|shard| records.push(bridge.record(shard)))
        .map_err(|e| format!("the executor rejects the run: {e}"))?;
    records.into_iter().collect()
}

/// The first bus of the shard's ledger whose messages do not cancel (the cross-shard bus
/// excepted: its balance is the global sum's, over all shards).
fn unbalanced(ledger: &Ledger) -> Option<String> {
    ledger
        .counts
        .iter()
        .find(|((bus, _), _)| bus != GLOBAL_BUS)
        .map(|((bus, message), n)| {
            format!("the {bus} bus does not balance: message {message:?} is counted {n}")
        })
}

/// The bundled example guests (in `guest/`) with their inputs, cut into shards of
/// `shard_size` cycles; a missing or malformed file is an error.
pub fn guest_runs(
    guest_dir: &std::path::Path,
    shard_size: u64,
) -> Result<Vec<Run<'static>>, String> {
    const GUESTS: [(&str, &str); 6] = [
        ("fibonacci", "fibonacci.bin"),
        ("sort", "sort.bin"),
        ("io", "name.txt"),
        ("sha256", "message.txt"),
        ("keccak", "message.txt"),
        ("precompiles", "message.txt"),
    ];
    GUESTS
        .iter()
        .map(|&(label, input)| {
            let read = |path: std::path::PathBuf| {
                std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
            };
            let elf = read(guest_dir.join("bin").join(format!("{label}.elf")))?;
            let program = Program::from_elf(&elf).map_err(|e| format!("{label}.elf: {e}"))?;
            Ok(Run {
                label,
                program: Arc::new(program),
                inputs: vec![read(guest_dir.join("inputs").join(input))?],
                shard_size,
            })
        })
        .collect()
}
