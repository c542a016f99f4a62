//! End to end: every example guest proves across many tiny shards and verifies (fast
//! configuration); a proof is rejected for another program, with a changed public value, or
//! with changed or cut bytes.

use std::path::Path;
use std::sync::Arc;

use tessera_machine::core_proof::{CoreProof, CoreVerifyError};
use tessera_machine::program::{ProgramProver, ProveOptions};
use tessera_mips::Program;
use tessera_stark::{ConfigId, VerifyError};

/// Tiny shards: every example runs for many of them.
const OPTIONS: ProveOptions = ProveOptions {
    shard_size: 1 << 10,
    shards_in_flight: 2,
};

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
        .prove_with(vec![input], OPTIONS, &|_| {})
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        report.shards as u64 >= report.cycles / OPTIONS.shard_size,
        "{name}"
    );
    assert!(report.shards > 4, "{name}: {} shards", report.shards);
    let verifier = prover.verifier();
    let out = verifier
        .verify(&proof)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(out.cycles, report.cycles, "{name}");
    assert_eq!(out.shards, report.shards, "{name}");
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
    let again = CoreProof::from_bytes(&proof.to_bytes()).unwrap();
    assert_eq!(verifier.verify(&again), Ok(out), "{name}");
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

/// A proof of four shards: enough to tamper with a first, a middle and a last one.
fn fibonacci_proof() -> (ProgramProver, CoreProof) {
    let prover = ProgramProver::new(guest("fibonacci"), ConfigId::InsecureTesting);
    let options = ProveOptions {
        shard_size: 1 << 12,
        ..OPTIONS
    };
    let (proof, _) = prover
        .prove_with(vec![input("fibonacci.bin")], options, &|_| {})
        .unwrap();
    assert_eq!(proof.shards.len(), 4);
    (prover, proof)
}

#[test]
fn a_proof_of_one_program_is_rejected_for_another() {
    let (_, proof) = fibonacci_proof();
    let other = ProgramProver::new(guest("sort"), ConfigId::InsecureTesting);
    assert_eq!(
        other.verifier().verify(&proof),
        Err(CoreVerifyError::Shard {
            index: 0,
            error: VerifyError::WrongVerifyingKey
        })
    );
}

#[test]
fn changed_public_values_are_rejected() {
    let (prover, proof) = fibonacci_proof();
    let verifier = prover.verifier();
    let bytes = proof.to_bytes();
    let last = proof.shards.len() - 1;
    for shard in [0, last / 2, last] {
        let chips = proof.shards[shard].public_values.len();
        for chip in 0..chips {
            for i in 0..proof.shards[shard].public_values[chip].len() {
                let mut tampered = CoreProof::from_bytes(&bytes).unwrap();
                tampered.shards[shard].public_values[chip][i] ^= 1;
                assert!(
                    verifier.verify(&tampered).is_err(),
                    "public value {i} of chip {chip} in shard {shard} changed and accepted"
                );
            }
        }
    }
}

#[test]
fn changed_or_cut_proof_bytes_are_rejected() {
    let (prover, proof) = fibonacci_proof();
    let verifier = prover.verifier();
    let bytes = proof.to_bytes();
    let step = (bytes.len() / 61).max(1);
    for at in (0..bytes.len()).step_by(step) {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x10;
        assert!(
            verifier.verify_bytes(&tampered).is_err(),
            "byte {at} changed and accepted"
        );
    }
    for len in [0, 11, 12, 19, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            verifier.verify_bytes(&bytes[..len]).is_err(),
            "truncated to {len}"
        );
    }
}

/// Jumps through registers with every link destination (`jalr $zero`, `jalr $t2`, `jr`,
/// `jalr $ra`), then every load form, SC, an ALU operation and LUI into `$zero`, `$zero` as a
/// source, and a halt: executed and proven whole and cut into shards of 3 cycles.
#[test]
fn jumps_through_registers_and_writes_to_zero_prove() {
    use crate::asm::{i, li, r, CODE, DATA, HALT, NOP};
    let at = |index: u32| CODE + 4 * index;
    let mut code = Vec::new();
    // Each jump skips one instruction that would make the run fail (a load past memory).
    let trap = i(0x23, 0, 8, -4); // lw $t0, -4($zero)
    for (reg, form) in [
        (8u8, r(8, 0, 0, 0, 0x09)),  // jalr $zero, $t0
        (9, r(9, 0, 10, 0, 0x09)),   // jalr $t2, $t1
        (11, r(11, 0, 0, 0, 0x08)),  // jr $t3
        (12, r(12, 0, 31, 0, 0x09)), // jalr $ra, $t4
    ] {
        let target = at(code.len() as u32 + 5);
        code.extend(li(reg, target));
        code.extend([form, NOP, trap]);
        assert_eq!(at(code.len() as u32), target);
    }
    code.extend(li(16, DATA));
    for (op, offset) in [
        (0x20, 3), // lb
        (0x24, 1), // lbu
        (0x21, 2), // lh
        (0x25, 6), // lhu
        (0x23, 4), // lw
        (0x22, 1), // lwl
        (0x26, 2), // lwr
        (0x30, 8), // ll
        (0x38, 8), // sc
    ] {
        code.push(i(op, 16, 0, offset));
    }
    code.push(r(16, 16, 0, 0, 0x21)); // addu $zero, $s0, $s0
    code.push(i(0x0F, 0, 0, 0x1234)); // lui $zero, 0x1234
    code.push(r(0, 16, 13, 0, 0x23)); // subu $t5, $zero, $s0
    code.extend(li(4, 0));
    code.extend(HALT);
    let data: Vec<(u32, u32)> = (0..4).map(|k| (DATA + 4 * k, 0x8081_F2F3 ^ k)).collect();
    let program = Arc::new(crate::asm::program(&code, &data));
    let prover = ProgramProver::new(program, ConfigId::InsecureTesting);
    for shard_size in [1 << 10, 3] {
        let options = ProveOptions {
            shard_size,
            ..OPTIONS
        };
        let (proof, report) = prover
            .prove_with(vec![], options, &|_| {})
            .unwrap_or_else(|e| panic!("shards of {shard_size}: {e}"));
        let out = prover.verifier().verify(&proof).unwrap();
        assert_eq!(out.cycles, report.cycles);
        assert_eq!(
            out.cycles,
            code.len() as u64 - 4,
            "each jump skips one instruction"
        );
    }
}
