//! `tessera circuit stats`: the size of a shard's out-of-domain check as an arithmetic circuit,
//! chip by chip and whole.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use p3_field::PrimeField32;
use rayon::prelude::*;
use tessera_circuit::shard::build_shard_circuit;
use tessera_executor::{Executor, ExecutorConfig};
use tessera_machine::bridge::RunBridge;
use tessera_machine::program::machine;
use tessera_machine::MachineRecord;
use tessera_stark::ood::ood_shape;
use tessera_stark::{Chip, ConfigId};

use crate::run::load_program;

pub fn stats(elf: &Path, stdin: &[PathBuf], shard_size: u64) -> anyhow::Result<()> {
    let program = Arc::new(load_program(elf)?);
    let inputs = stdin
        .iter()
        .map(|p| std::fs::read(p).with_context(|| format!("reading input {}", p.display())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // The shape of the run's first shard.
    let config = ExecutorConfig {
        shard_size,
        ..ExecutorConfig::default()
    };
    let mut executor = Executor::new(&program, inputs, config);
    let mut bridge = RunBridge::new(program.clone());
    let mut first = None;
    executor.run_traced(|shard| {
        if first.is_none() {
            first = Some(bridge.record(shard));
        }
    })?;
    let Some(record) = first else {
        bail!("the run has no shard");
    };
    let record = record.map_err(|e| anyhow::anyhow!("this run cannot be proven: {e}"))?;
    let config_id = ConfigId::Production;
    let machine = machine(program.clone(), config_id);
    let present = machine.present(&record);
    let shapes: Vec<_> = machine
        .chips()
        .par_iter()
        .zip(&present)
        .map(|(chip, &present)| {
            present.then(|| {
                let trace = Chip::<_, MachineRecord>::generate_trace(chip, &record);
                let log_height = (trace.values.len() / trace.width).trailing_zeros() as usize;
                ood_shape::<_, MachineRecord>(config_id, chip, log_height)
            })
        })
        .collect();
    let circuit = build_shard_circuit::<_, MachineRecord>(machine.chips(), &shapes)?;
    println!(
        "{:<18} {:>6} {:>8} {:>8} {:>10} {:>9} {:>8}",
        "chip", "rows", "lookups", "inputs", "constants", "gates", "muls"
    );
    for (index, (chip, shape)) in machine.chips().iter().zip(&shapes).enumerate() {
        let (Some(shape), Some(c)) = (shape, circuit.chip_circuit(index)) else {
            continue;
        };
        let s = c.stats();
        println!(
            "{:<18} {:>6} {:>8} {:>8} {:>10} {:>9} {:>8}",
            Chip::<_, MachineRecord>::name(chip),
            format!("2^{}", shape.log_height),
            shape.lookups.len(),
            s.inputs,
            s.constants,
            s.gates,
            s.muls
        );
    }
    let whole = circuit.circuit()?;
    let s = whole.stats();
    println!(
        "{:<18} {:>6} {:>8} {:>8} {:>10} {:>9} {:>8}",
        "shard", "", "", s.inputs, s.constants, s.gates, s.muls
    );
    let hash: Vec<String> = whole
        .hash()
        .iter()
        .map(|v| format!("{:08x}", v.as_canonical_u32()))
        .collect();
    println!(
        "(first shard of {} cycles, {} bytes encoded, circuit hash {})",
        record.cpu_steps.len(),
        whole.to_bytes().len(),
        hash.join("")
    );
    Ok(())
}
