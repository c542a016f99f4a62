//! End to end: every example guest proves and verifies (fast configuration); a proof is
//! rejected for another program, with a changed public value, or with changed bytes.

use std::path::Path;
use std::sync::Arc;

use tessera_machine::program::{verify, ProgramProver, ProgramVerifyError};
use tessera_mips::Program;
use tessera_stark::{ConfigId, Proof, VerifyError};

fn guest(name: &str) -> Arc<Program> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest");
    let elf = std::fs::read(root.join(format!("bin/{name}.elf"))).unwrap();
    Arc::new(Program::from_elf(&elf).unwrap())
}

fn input(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest/inputs");
    std::fs::read(root.join(name)).unwrap()
}

/// Proves a run of `name` on `input`, verifies it, and checks the public digest against the
/// executor's.
fn proves_and_verifies(name: &str, input: Vec<u8>) {
    use sha2::{Digest, Sha256};
    let program = guest(name);
    let prover = ProgramProver::new(program.clone(), ConfigId::InsecureTesting);
    let (proof, report) = prover
        .prove(vec![input], |_| {})
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = verify(&prover.machine, &prover.vk, &program, &proof)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(out.cycles as u64, report.cycles, "{name}");
    // The public digest is the one the guest committed.
    let committed: Vec<u8> = report
        .io
        .committed_digest
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    assert_eq!(out.digest.to_vec(), committed, "{name}");
    if !report.io.public_values.is_empty() {
        let expected: [u8; 32] = Sha256::digest(&report.io.public_values).into();
        assert_eq!(out.digest, expected, "{name}: digest of the public values");
    }
    // Round trip through bytes.
    let again = Proof::from_bytes(&proof.to_bytes()).unwrap();
    verify(&prover.machine, &prover.vk, &program, &again).unwrap();
}

#[test]
fn fibonacci_proves() {
    proves_and_verifies("fibonacci", input("fibonacci.bin"));
}

#[test]
fn sha256_proves() {
    proves_and_verifies("sha256", input("message.txt"));
}

#[test]
fn keccak_proves() {
    proves_and_verifies("keccak", input("message.txt"));
}

#[test]
fn sort_proves() {
    // 64 numbers keep the test fast; the CLI proves the full 1000 (half a million cycles).
    proves_and_verifies("sort", input("sort.bin")[..256].to_vec());
}

#[test]
fn io_proves() {
    proves_and_verifies("io", input("name.txt"));
}

#[test]
fn precompiles_proves() {
    proves_and_verifies("precompiles", input("message.txt"));
}

fn fibonacci_proof() -> (ProgramProver, Proof) {
    let prover = ProgramProver::new(guest("fibonacci"), ConfigId::InsecureTesting);
    let (proof, _) = prover.prove(vec![input("fibonacci.bin")], |_| {}).unwrap();
    (prover, proof)
}

#[test]
fn a_proof_of_one_program_is_rejected_for_another() {
    let (_, proof) = fibonacci_proof();
    let other = guest("sort");
    let prover = ProgramProver::new(other.clone(), ConfigId::InsecureTesting);
    assert_eq!(
        verify(&prover.machine, &prover.vk, &other, &proof),
        Err(ProgramVerifyError::Proof(VerifyError::WrongVerifyingKey))
    );
}

#[test]
fn changed_public_values_are_rejected() {
    let (prover, proof) = fibonacci_proof();
    let program = prover.program.clone();
    let bytes = proof.to_bytes();
    let chips = proof.public_values.len();
    for chip in 0..chips {
        for i in 0..proof.public_values[chip].len() {
            let mut tampered = Proof::from_bytes(&bytes).unwrap();
            tampered.public_values[chip][i] ^= 1;
            let result = verify(&prover.machine, &prover.vk, &program, &tampered);
            assert!(
                result.is_err(),
                "public value {i} of chip {chip} changed and accepted"
            );
        }
    }
}

#[test]
fn changed_proof_bytes_are_rejected() {
    let (prover, proof) = fibonacci_proof();
    let bytes = proof.to_bytes();
    let step = (bytes.len() / 61).max(1);
    for at in (0..bytes.len()).step_by(step) {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x10;
        let result = Proof::from_bytes(&tampered)
            .map_err(ProgramVerifyError::Proof)
            .and_then(|p| verify(&prover.machine, &prover.vk, &prover.program, &p));
        assert!(result.is_err(), "byte {at} changed and accepted");
    }
    for len in [0, 11, 12, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            Proof::from_bytes(&bytes[..len]).is_err(),
            "truncated to {len}"
        );
    }
}
