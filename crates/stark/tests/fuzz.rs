//! The verifier never accepts and never panics on mutated proof bytes: bit flips, truncations,
//! splices, and other proofs' bytes.

use crate::common::synthetic::{chips, Additions, SyntheticChip};
use proptest::prelude::*;
use std::sync::OnceLock;
use tessera_stark::{ConfigId, Machine, VerifyError, VerifyingKey};

struct Fixture {
    machine: Machine<SyntheticChip>,
    vk: VerifyingKey,
    proofs: Vec<Vec<u8>>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let machine = Machine::new(chips(), ConfigId::InsecureTesting);
        let (pk, vk) = machine.setup::<Additions>();
        let proofs = [(100, 7), (100, 8), (30, 9)]
            .iter()
            .map(|&(n, seed)| {
                machine
                    .prove(&pk, &Additions::random(n, seed))
                    .unwrap()
                    .to_bytes()
            })
            .collect();
        Fixture {
            machine,
            vk,
            proofs,
        }
    })
}

/// Verifies `bytes`; returns whether they were accepted. A caught panic inside Plonky3 is an
/// error too, but it fails the test: the checks before it must stop every malformed proof.
fn accepted(bytes: &[u8]) -> bool {
    let f = fixture();
    match f.machine.verify_bytes::<Additions>(&f.vk, bytes) {
        Ok(_) => true,
        Err(VerifyError::VerifierPanicked(message)) => panic!("Plonky3 panicked: {message}"),
        Err(_) => false,
    }
}

#[test]
fn honest_proofs_are_accepted() {
    for p in &fixture().proofs {
        assert!(accepted(p));
    }
}

#[test]
fn every_truncation_is_rejected() {
    let proof = &fixture().proofs[0];
    for len in (0..proof.len()).step_by(7) {
        assert!(!accepted(&proof[..len]), "truncated to {len}");
    }
}

#[test]
fn splices_of_two_proofs_are_rejected() {
    let f = fixture();
    let (a, b) = (&f.proofs[0], &f.proofs[1]);
    assert_ne!(a, b);
    for cut in (12..a.len().min(b.len())).step_by(997) {
        let mut spliced = a[..cut].to_vec();
        spliced.extend_from_slice(&b[cut..]);
        if spliced != *a && spliced != *b {
            assert!(!accepted(&spliced), "splice at {cut}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn bit_flips_are_rejected(
        which in 0usize..3,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..4)
    ) {
        let mut bytes = fixture().proofs[which].clone();
        for (index, bit) in flips {
            let at = index.index(bytes.len());
            bytes[at] ^= 1 << bit;
        }
        prop_assume!(bytes != fixture().proofs[which]);
        prop_assert!(!accepted(&bytes));
    }

    #[test]
    fn random_bytes_are_rejected(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut bytes = tessera_stark::MAGIC.to_vec();
        bytes.extend_from_slice(&tessera_stark::FORMAT_VERSION.to_le_bytes());
        bytes.extend(tail);
        prop_assert!(!accepted(&bytes));
    }
}
