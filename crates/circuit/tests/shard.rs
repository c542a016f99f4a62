//! A whole shard's circuit on a real proof: the root (and the emitted circuit's value) is
//! exactly zero at the proof's openings for any γ, and not zero with one opening changed; the
//! emitted circuit's encoding and hash are stable and tell circuits apart.

use p3_field::PrimeCharacteristicRing;
use tessera_circuit::shard::build_shard_circuit;
use tessera_circuit::values::input_value;
use tessera_circuit::{emit_circuit, InputKey, InputLayout};
use tessera_machine::MachineRecord;
use tessera_stark::{Challenge, Val};

#[test]
fn a_shard_circuit_is_zero_exactly_on_its_proof() {
    let (prover, all) = crate::common::proof_values();
    let mut hashes = Vec::new();
    for values in &all {
        let shapes: Vec<_> = values
            .chips
            .iter()
            .map(|c| c.as_ref().map(|c| c.shape.clone()))
            .collect();
        let circuit =
            build_shard_circuit::<_, MachineRecord>(prover.machine.chips(), &shapes).unwrap();
        let layout = InputLayout::of(&circuit.dag);
        let root = circuit.batched.root;
        let emitted = emit_circuit(&circuit.dag, root, &layout).unwrap();
        for gamma in [3u32, 0x1234_5678] {
            let gamma = Challenge::from(Val::from_u32(gamma));
            let value = |k: &InputKey| match k {
                InputKey::Gamma => gamma,
                k => input_value(values, k).unwrap(),
            };
            assert_eq!(circuit.dag.eval(root, value).unwrap(), Challenge::ZERO);
            let inputs: Vec<Challenge> = layout.keys().iter().map(value).collect();
            assert_eq!(emitted.eval(&inputs).unwrap(), Challenge::ZERO);
            assert_eq!(
                circuit.dag.eval(circuit.batched.boundary, value).unwrap(),
                Challenge::ZERO,
                "the terminals sum to zero"
            );
            // A changed opening (a quotient chunk, a terminal) moves the root off zero.
            for changed in [
                InputKey::QuotientChunk {
                    chip: 2,
                    chunk: 0,
                    coordinate: 1,
                },
                InputKey::Terminal { chip: 2, index: 0 },
            ] {
                let at = layout.position(&changed).unwrap();
                let mut tampered = inputs.clone();
                tampered[at] += Challenge::ONE;
                assert_ne!(
                    emitted.eval(&tampered).unwrap(),
                    Challenge::ZERO,
                    "{changed:?}"
                );
            }
        }
        // Stable: emitting again gives the same bytes.
        let again = emit_circuit(&circuit.dag, root, &layout).unwrap();
        assert_eq!(again.to_bytes(), emitted.to_bytes());
        assert_eq!(again.hash(), emitted.hash());
        hashes.push(emitted.hash());
    }
    // The last shard has the run's memory boundary: another circuit, another hash.
    assert_ne!(hashes[0], hashes[1]);
}
