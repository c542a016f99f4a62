//! A real core proof to build circuits against: fibonacci(100) in three shards.

use std::sync::Arc;

use tessera_machine::program::{ProgramProver, ProveOptions};
use tessera_machine::MachineRecord;
use tessera_mips::Program;
use tessera_stark::ood::OodValues;
use tessera_stark::ConfigId;

pub fn fibonacci() -> Arc<Program> {
    let elf =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest/bin/fibonacci.elf");
    Arc::new(Program::from_elf(&std::fs::read(elf).unwrap()).unwrap())
}

/// The prover, and what the out-of-domain checks read of the run's first shard and of its last
/// (which alone holds the run's memory boundary).
pub fn proof_values() -> (ProgramProver, Vec<OodValues>) {
    let prover = ProgramProver::new(fibonacci(), ConfigId::InsecureTesting);
    let options = ProveOptions {
        shard_size: 1 << 12,
        shards_in_flight: 1,
    };
    let (core, _) = prover
        .prove_with(vec![100u32.to_le_bytes().to_vec()], options, &|_| {})
        .unwrap();
    let values = [&core.shards[0], core.shards.last().unwrap()]
        .into_iter()
        .map(|p| {
            prover
                .machine
                .ood_values::<MachineRecord>(&prover.vk, p)
                .unwrap()
        })
        .collect();
    (prover, values)
}
