//! The synthetic three-chip machine proves and verifies; tampering with traces, proofs, keys or
//! public values is rejected with typed errors, and the debug checks name what is wrong.

use crate::common::synthetic::{chips, Additions, SyntheticChip};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use tessera_stark::{
    lookups_match_plonky3, Chip, ConfigId, Machine, Proof, ProveError, Val, VerifyError,
    FORMAT_VERSION,
};

fn machine() -> Machine<SyntheticChip> {
    Machine::new(chips(), ConfigId::InsecureTesting)
}

fn record() -> Additions {
    Additions::random(100, 7)
}

/// Honest traces and public values for `record`.
fn witness(
    machine: &Machine<SyntheticChip>,
    record: &Additions,
) -> (Vec<RowMajorMatrix<Val>>, Vec<Vec<Val>>) {
    let traces = machine
        .chips()
        .iter()
        .map(|c| c.generate_trace(record))
        .collect();
    let pvs = machine
        .chips()
        .iter()
        .map(|c| c.public_values(record))
        .collect();
    (traces, pvs)
}

const REQUESTS: usize = 0;
const ADDER: usize = 1;
const BYTES: usize = 2;

#[test]
fn synthetic_machine_proves_and_verifies() {
    let machine = machine();
    let (pk, vk) = machine.setup::<Additions>();
    let proof = machine.prove(&pk, &record()).unwrap();
    assert_eq!(
        proof.batch.degree_bits,
        vec![6, 7, 8],
        "three chips of different heights"
    );
    machine.verify::<Additions>(&vk, &proof).unwrap();
    let bytes = proof.to_bytes();
    let decoded = machine.verify_bytes::<Additions>(&vk, &bytes).unwrap();
    assert_eq!(decoded.to_bytes(), bytes, "serialization round-trips");
    // Other sizes give other heights under the same key.
    for n in [1, 2, 3, 255, 1000] {
        let proof = machine.prove(&pk, &Additions::random(n, n as u32)).unwrap();
        machine.verify::<Additions>(&vk, &proof).unwrap();
    }
}

#[test]
fn production_configuration_proves_and_verifies() {
    let machine = Machine::new(chips(), ConfigId::Production);
    let (pk, vk) = machine.setup::<Additions>();
    let proof = machine.prove(&pk, &record()).unwrap();
    machine.verify::<Additions>(&vk, &proof).unwrap();
    // Single-row tables work with the production FRI parameters too.
    let tiny = machine.prove(&pk, &Additions::random(1, 3)).unwrap();
    assert_eq!(tiny.batch.degree_bits, vec![0, 0, 8]);
    machine.verify::<Additions>(&vk, &tiny).unwrap();
    // A verifier for the insecure configuration refuses it.
    let insecure = self::machine();
    let (_, insecure_vk) = insecure.setup::<Additions>();
    assert!(matches!(
        insecure.verify::<Additions>(&insecure_vk, &proof),
        Err(VerifyError::ConfigMismatch { .. })
    ));
}

#[test]
fn our_lookup_layout_matches_plonky3s_for_every_height() {
    for heights in [[0, 0, 8], [6, 7, 8], [10, 11, 8], [3, 12, 8]] {
        assert!(lookups_match_plonky3::<_, Additions>(
            &chips(),
            ConfigId::InsecureTesting,
            &heights
        ));
    }
}

/// Proves tampered traces the way a cheating prover would (no debug checks) and verifies.
fn verify_tampered(
    tamper: impl FnOnce(&mut [RowMajorMatrix<Val>], &mut [Vec<Val>]),
) -> Result<(), VerifyError> {
    let machine = machine();
    let (pk, vk) = machine.setup::<Additions>();
    let (mut traces, mut pvs) = witness(&machine, &record());
    tamper(&mut traces, &mut pvs);
    let proof = machine
        .prove_traces_unchecked::<Additions>(&pk, traces, pvs)
        .expect("the prover proves anything");
    machine.verify::<Additions>(&vk, &proof)
}

fn set(trace: &mut RowMajorMatrix<Val>, row: usize, col: usize, value: u32) {
    let width = trace.width;
    trace.values[row * width + col] = Val::from_u32(value);
}

#[test]
fn tampered_traces_are_rejected() {
    // A wrong sum: the Adder's constraint fails.
    let wrong_sum = verify_tampered(|t, _| {
        let low = t[ADDER].values[2];
        t[ADDER].values[2] = low + Val::ONE;
    });
    assert_eq!(
        wrong_sum,
        Err(VerifyError::ConstraintsFailed {
            chip: "Adder".into()
        })
    );
    // A consistent but different addition in the Adder alone: the add bus no longer balances.
    let swapped = verify_tampered(|t, _| {
        set(&mut t[ADDER], 0, 0, 1);
        set(&mut t[ADDER], 0, 1, 1);
        set(&mut t[ADDER], 0, 2, 2);
        set(&mut t[ADDER], 0, 3, 0);
    });
    assert_eq!(swapped, Err(VerifyError::BusImbalance));
    // A byte-table multiplicity off by one.
    let multiplicity = verify_tampered(|t, _| {
        t[BYTES].values[5] += Val::ONE;
    });
    assert_eq!(multiplicity, Err(VerifyError::BusImbalance));
    // A non-boolean is_real (a padding row that sends twice).
    let not_boolean = verify_tampered(|t, _| {
        let last = t[ADDER].height() - 1;
        set(&mut t[ADDER], last, 4, 2);
    });
    assert_eq!(
        not_boolean,
        Err(VerifyError::ConstraintsFailed {
            chip: "Adder".into()
        })
    );
    // A public value that the first row does not carry.
    let public = verify_tampered(|_, p| {
        p[REQUESTS][0] += Val::ONE;
    });
    assert_eq!(
        public,
        Err(VerifyError::ConstraintsFailed {
            chip: "Requests".into()
        })
    );
}

#[test]
fn debug_checks_name_the_chip_row_and_constraint_or_bus() {
    let machine = machine();
    let (pk, _) = machine.setup::<Additions>();
    let (mut traces, pvs) = witness(&machine, &record());
    traces[ADDER].values[3 * 5 + 2] += Val::ONE; // the sum of row 3
    let err = machine
        .prove_traces::<Additions>(&pk, traces, pvs.clone())
        .unwrap_err();
    match err {
        ProveError::Constraint { chip, row, .. } => assert_eq!((chip.as_str(), row), ("Adder", 3)),
        other => panic!("expected a constraint failure, got {other}"),
    }

    let (mut traces, _) = witness(&machine, &record());
    traces[BYTES].values[200] += Val::ONE;
    let err = machine
        .prove_traces::<Additions>(&pk, traces, pvs)
        .unwrap_err();
    match &err {
        ProveError::BusImbalance {
            bus, tuple, rows, ..
        } => {
            assert_eq!(bus, "byte");
            assert_eq!(tuple, &vec![200]);
            assert!(rows.contains(&("Bytes".to_string(), 200)), "{err}");
        }
        other => panic!("expected a bus imbalance, got {other}"),
    }
    assert!(err.to_string().contains("bus byte"), "{err}");
}

/// Release builds check no constraint before proving: the prover verifies what it made and
/// returns the verifier's error instead of a proof (in debug builds too, past the checks).
#[test]
fn the_prover_never_returns_a_proof_it_has_not_verified() {
    let machine = machine();
    let (pk, vk) = machine.setup::<Additions>();
    let (traces, pvs) = witness(&machine, &record());
    let proof = machine
        .prove_traces_as_release::<Additions>(&pk, traces, pvs.clone())
        .unwrap();
    assert_eq!(machine.verify::<Additions>(&vk, &proof), Ok(()));
    let (mut traces, _) = witness(&machine, &record());
    traces[ADDER].values[3 * 5 + 2] += Val::ONE;
    match machine.prove_traces_as_release::<Additions>(&pk, traces, pvs) {
        Err(ProveError::Unverified(VerifyError::ConstraintsFailed { chip })) => {
            assert_eq!(chip, "Adder")
        }
        other => panic!("expected the verifier's error, got {other:?}"),
    }
}

#[test]
fn shape_errors_are_reported_before_proving() {
    let machine = machine();
    let (pk, _) = machine.setup::<Additions>();
    let (mut traces, pvs) = witness(&machine, &record());
    traces[ADDER] = RowMajorMatrix::new(vec![Val::ZERO; 5 * 3], 5);
    assert!(matches!(
        machine.prove_traces::<Additions>(&pk, traces, pvs.clone()),
        Err(ProveError::TraceHeight { .. })
    ));
    let (mut traces, _) = witness(&machine, &record());
    traces[BYTES] = RowMajorMatrix::new(vec![Val::ZERO; 512], 1);
    assert!(matches!(
        machine.prove_traces::<Additions>(&pk, traces, pvs),
        Err(ProveError::PreprocessedHeight { .. })
    ));
}

/// A machine whose byte table holds other values: another "program".
mod other {
    use crate::common::synthetic::{Adder, Additions, Requests};
    use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
    use p3_field::Field;
    use p3_lookup::{InteractionBuilder, LookupBus};
    use p3_matrix::dense::RowMajorMatrix;
    use tessera_stark::{Chip, Val};

    #[derive(Clone, Debug)]
    pub struct ReversedBytes;

    impl<F: Field> BaseAir<F> for ReversedBytes {
        fn width(&self) -> usize {
            1
        }
        fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
            Some(RowMajorMatrix::new(
                (0..256).rev().map(F::from_u32).collect(),
                1,
            ))
        }
        fn preprocessed_width(&self) -> usize {
            1
        }
    }

    impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ReversedBytes
    where
        AB::F: Field,
    {
        fn eval(&self, builder: &mut AB) {
            let value = builder.preprocessed().current_slice()[0];
            let mult = builder.main().current_slice()[0];
            LookupBus::new("byte").table_entry(builder, [value], mult);
        }
    }

    impl Chip<Val, Additions> for ReversedBytes {
        fn name(&self) -> &'static str {
            "Bytes"
        }
        fn generate_trace(&self, _: &Additions) -> RowMajorMatrix<Val> {
            RowMajorMatrix::new(vec![Val::default(); 256], 1)
        }
    }

    tessera_stark::machine_chips! {
        pub enum OtherChip<Additions> {
            Requests(Requests),
            Adder(Adder),
            Bytes(ReversedBytes),
        }
    }
}

#[test]
fn a_proof_for_another_program_is_rejected() {
    let machine = machine();
    let (pk, vk) = machine.setup::<Additions>();
    let proof = machine.prove(&pk, &record()).unwrap();

    let other = Machine::new(
        vec![
            other::OtherChip::Requests(crate::common::synthetic::Requests),
            other::OtherChip::Adder(crate::common::synthetic::Adder),
            other::OtherChip::Bytes(other::ReversedBytes),
        ],
        ConfigId::InsecureTesting,
    );
    let (_, other_vk) = other.setup::<Additions>();
    assert_ne!(other_vk.preprocessed_commitment, vk.preprocessed_commitment);
    assert_eq!(
        other.verify::<Additions>(&other_vk, &proof),
        Err(VerifyError::WrongVerifyingKey)
    );
    // Relabelling the proof with the other key's digest does not help: the transcript differs.
    let mut relabelled = Proof::from_bytes(&proof.to_bytes()).unwrap();
    relabelled.vk_digest = other_vk.digest();
    assert!(other.verify::<Additions>(&other_vk, &relabelled).is_err());
    // A key that does not describe the machine is refused as such.
    assert!(matches!(
        machine.verify::<Additions>(&other_vk, &proof),
        Err(VerifyError::KeyMismatch(_)) | Err(VerifyError::WrongVerifyingKey)
    ));
}

#[test]
fn tampered_proof_fields_are_rejected() {
    let machine = machine();
    let (pk, vk) = machine.setup::<Additions>();
    let proof = machine.prove(&pk, &record()).unwrap();
    let fresh = || Proof::from_bytes(&proof.to_bytes()).unwrap();

    let mut p = fresh();
    p.public_values[REQUESTS][0] ^= 1;
    assert!(machine.verify::<Additions>(&vk, &p).is_err());
    let mut p = fresh();
    p.public_values[REQUESTS][0] = 0x7F00_0001;
    assert!(matches!(
        machine.verify::<Additions>(&vk, &p),
        Err(VerifyError::BadPublicValues { .. })
    ));
    let mut p = fresh();
    p.public_values[ADDER].push(1);
    assert!(matches!(
        machine.verify::<Additions>(&vk, &p),
        Err(VerifyError::BadPublicValues { .. })
    ));
    let mut p = fresh();
    p.batch.degree_bits[BYTES] = 9;
    assert!(matches!(
        machine.verify::<Additions>(&vk, &p),
        Err(VerifyError::BadHeight { .. })
    ));
    let mut p = fresh();
    p.batch.degree_bits[ADDER] = 40;
    assert!(matches!(
        machine.verify::<Additions>(&vk, &p),
        Err(VerifyError::BadHeight { .. })
    ));
    let mut p = fresh();
    p.batch.degree_bits[ADDER] += 1;
    assert!(machine.verify::<Additions>(&vk, &p).is_err());
    let mut p = fresh();
    p.batch.degree_bits.pop();
    assert!(matches!(
        machine.verify::<Additions>(&vk, &p),
        Err(VerifyError::ChipCount { .. })
    ));
    let mut p = fresh();
    p.batch.lookup_terminals.swap(0, 1);
    assert!(machine.verify::<Additions>(&vk, &p).is_err());
    let mut p = fresh();
    p.batch.ood_pow_witness += Val::ONE;
    assert!(machine.verify::<Additions>(&vk, &p).is_err());
}

#[test]
fn header_errors_are_typed() {
    let machine = machine();
    let (pk, vk) = machine.setup::<Additions>();
    let bytes = machine.prove(&pk, &record()).unwrap().to_bytes();
    assert_eq!(
        Proof::from_bytes(b"nonsense").err(),
        Some(VerifyError::NotAProof)
    );
    let mut newer = bytes.clone();
    newer[8] = FORMAT_VERSION as u8 + 1;
    assert_eq!(
        Proof::from_bytes(&newer).err(),
        Some(VerifyError::UnsupportedVersion(FORMAT_VERSION + 1))
    );
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        Proof::from_bytes(&trailing),
        Err(VerifyError::Malformed(_))
    ));
    assert!(matches!(
        machine.verify_bytes::<Additions>(&vk, &bytes[..bytes.len() / 2]),
        Err(VerifyError::Malformed(_))
    ));
}
