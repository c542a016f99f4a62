//! Lowering every chip of the MIPS machine: at random openings and challenges, the circuit's
//! folded value equals, bit for bit, the accumulator of Plonky3's own verifier folder
//! (`VerifierConstraintFolderWithLookups` driven by `LogUpGadget::eval_air_and_lookups`), and a
//! changed opening changes it.

use p3_air::{BaseAir, RowWindow};
use p3_batch_stark::folder::VerifierConstraintFolderWithLookups;
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing};
use p3_lookup::{LogUpGadget, LookupProtocol};
use p3_matrix::dense::RowMajorMatrixView;
use p3_matrix::stack::VerticalPair;
use p3_uni_stark::VerifierConstraintFolder;
use tessera_circuit::lower::{build_dag_for_air, EXT_DEGREE};
use tessera_circuit::{emit_circuit, Dag, DagBuilder, InputKey, InputLayout, Row, Selector};
use tessera_machine::MachineRecord;
use tessera_stark::ood::{ood_shape, OodShape};
use tessera_stark::{Challenge, ConfigId, MachineAir, Val};

/// A deterministic pseudo-random value for each key (base-field for public values, which the
/// verifier reads in the base field).
fn value(key: &InputKey, salt: u64) -> Challenge {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (key, salt).hash(&mut h);
    let mut x = h.finish();
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Val::from_u32((x >> 33) as u32)
    };
    match key {
        InputKey::Public { .. } => Challenge::from(next()),
        _ => Challenge::from_basis_coefficients_fn(|_| next()),
    }
}

fn recomposed(coords: impl Fn(u8) -> Challenge) -> Challenge {
    (0..EXT_DEGREE)
        .map(|k| {
            coords(k as u8) * <Challenge as BasedVectorSpace<Val>>::ith_basis_element(k).unwrap()
        })
        .sum()
}

/// The verifier folder's accumulator for `air` at the values `values` gives the circuit's inputs.
fn native_folded<A: MachineAir<R>, R>(
    air: &A,
    chip: u16,
    shape: &OodShape,
    values: &dyn Fn(&InputKey) -> Challenge,
) -> Challenge {
    let columns = |width: usize, row: Row, key: &dyn Fn(Row, u32) -> InputKey| -> Vec<Challenge> {
        (0..width as u32).map(|c| values(&key(row, c))).collect()
    };
    let main_key = |row, column| InputKey::Main { chip, row, column };
    let pre_key = |row, column| InputKey::Preprocessed { chip, row, column };
    let width = BaseAir::<Val>::width(air);
    let pre_width = air.preprocessed_width();
    let (main_local, main_next) = (
        columns(width, Row::Local, &main_key),
        columns(width, Row::Next, &main_key),
    );
    let (pre_local, pre_next) = (
        columns(pre_width, Row::Local, &pre_key),
        columns(pre_width, Row::Next, &pre_key),
    );
    let lookups = &shape.lookups;
    let aux_width = if lookups.is_empty() {
        0
    } else {
        lookups.len() + 1
    };
    let perm = |row| -> Vec<Challenge> {
        (0..aux_width as u32)
            .map(|column| {
                recomposed(|coordinate| {
                    values(&InputKey::Permutation {
                        chip,
                        row,
                        column,
                        coordinate,
                    })
                })
            })
            .collect()
    };
    let (perm_local, perm_next) = (perm(Row::Local), perm(Row::Next));
    let gadget = LogUpGadget::new();
    let challenges: Vec<Challenge> = (0..(lookups.len() * gadget.num_challenges()) as u32)
        .map(|index| values(&InputKey::LookupChallenge { chip, index }))
        .collect();
    let terminals: Vec<Challenge> = (0..(!lookups.is_empty()) as u32)
        .map(|index| values(&InputKey::Terminal { chip, index }))
        .collect();
    let public: Vec<Val> = (0..BaseAir::<Val>::num_public_values(air) as u32)
        .map(|index| {
            let v = values(&InputKey::Public { chip, index });
            v.as_basis_coefficients_slice()[0]
        })
        .collect();
    let sel = |selector| values(&InputKey::Selector { chip, selector });
    fn pair<'a>(
        local: &'a [Challenge],
        next: &'a [Challenge],
    ) -> VerticalPair<RowMajorMatrixView<'a, Challenge>, RowMajorMatrixView<'a, Challenge>> {
        VerticalPair::new(
            RowMajorMatrixView::new_row(local),
            RowMajorMatrixView::new_row(next),
        )
    }
    let inner = VerifierConstraintFolder {
        main: pair(&main_local, &main_next),
        preprocessed: pair(&pre_local, &pre_next),
        preprocessed_window: RowWindow::from_two_rows(&pre_local, &pre_next),
        periodic_values: &[],
        public_values: &public,
        is_first_row: sel(Selector::IsFirstRow),
        is_last_row: sel(Selector::IsLastRow),
        is_transition: sel(Selector::IsTransition),
        alpha: values(&InputKey::Alpha),
        accumulator: Challenge::ZERO,
    };
    let mut folder = VerifierConstraintFolderWithLookups {
        inner,
        permutation: pair(&perm_local, &perm_next),
        permutation_challenges: &challenges,
        permutation_values: &terminals,
    };
    gadget.eval_air_and_lookups(air, &mut folder, lookups);
    folder.inner.accumulator
}

/// The values of a public input are base-field in the circuit too.
fn eval(dag: &Dag, root: tessera_circuit::NodeId, salt: u64) -> Challenge {
    dag.eval(root, |k| value(k, salt)).unwrap()
}

#[test]
fn every_chip_folds_as_the_verifier_does() {
    let machine =
        tessera_machine::program::machine(crate::common::fibonacci(), ConfigId::InsecureTesting);
    for (index, chip) in machine.chips().iter().enumerate() {
        let name = tessera_stark::Chip::<Val, MachineRecord>::name(chip);
        for log_height in [3, 10] {
            let shape = ood_shape::<_, MachineRecord>(ConfigId::InsecureTesting, chip, log_height);
            let mut b = DagBuilder::new();
            let check = build_dag_for_air::<_, MachineRecord>(&mut b, index as u16, chip, &shape)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let dag = b.finish();
            for salt in 0..2 {
                let native = native_folded::<_, MachineRecord>(
                    chip,
                    index as u16,
                    &shape,
                    &|k: &InputKey| value(k, salt),
                );
                assert_eq!(
                    eval(&dag, check.folded, salt),
                    native,
                    "{name} at 2^{log_height}"
                );
                assert_ne!(native, Challenge::ZERO, "{name}");
            }
            // Any one opening changed changes the folded value (at these random points).
            let layout = InputLayout::of(&dag);
            let opening = layout
                .keys()
                .iter()
                .find(|k| matches!(k, InputKey::Main { .. }))
                .copied()
                .unwrap_or_else(|| panic!("{name} reads no main column"));
            let changed = dag
                .eval(check.folded, |k| {
                    if *k == opening {
                        value(k, 0) + Challenge::ONE
                    } else {
                        value(k, 0)
                    }
                })
                .unwrap();
            assert_ne!(changed, eval(&dag, check.folded, 0), "{name}: {opening:?}");
        }
    }
}

#[test]
fn a_real_proof_satisfies_every_chip_circuit_exactly() {
    use tessera_circuit::values::input_value;
    let (prover, all) = crate::common::proof_values();
    for values in &all {
        for (index, chip) in prover.machine.chips().iter().enumerate() {
            let name = tessera_stark::Chip::<Val, MachineRecord>::name(chip);
            let Some(openings) = &values.chips[index] else {
                continue;
            };
            let mut b = DagBuilder::new();
            let check =
                build_dag_for_air::<_, MachineRecord>(&mut b, index as u16, chip, &openings.shape)
                    .unwrap();
            let dag = b.finish();
            let input = |k: &InputKey| input_value(values, k).unwrap();
            assert_eq!(
                dag.eval(check.quotient_check, input).unwrap(),
                Challenge::ZERO,
                "{name}"
            );
            for s in check.selector_checks {
                assert_eq!(dag.eval(s, input).unwrap(), Challenge::ZERO, "{name}");
            }
            let native =
                native_folded::<_, MachineRecord>(chip, index as u16, &openings.shape, &input);
            assert_eq!(dag.eval(check.folded, input).unwrap(), native, "{name}");
            // The same through the emitted circuit.
            let (folded_dag, roots) = dag.compact(&[check.folded]).unwrap();
            let layout = InputLayout::of(&folded_dag);
            let emitted = emit_circuit(&folded_dag, roots[0], &layout).unwrap();
            let inputs: Vec<Challenge> = layout.keys().iter().map(input).collect();
            assert_eq!(emitted.eval(&inputs).unwrap(), native, "{name}");
            // One opening changed: the check fails, for a quotient chunk's always and, unless
            // the trace is all padding (zero openings), for some main opening.
            let layout = InputLayout::of(&dag);
            let caught = |opening: &InputKey| {
                let changed = dag
                    .eval(check.quotient_check, |k| {
                        input(k)
                            + if k == opening {
                                Challenge::ONE
                            } else {
                                Challenge::ZERO
                            }
                    })
                    .unwrap();
                changed != Challenge::ZERO
            };
            let chunk = InputKey::QuotientChunk {
                chip: index as u16,
                chunk: 0,
                coordinate: 0,
            };
            assert!(caught(&chunk), "{name}");
            if openings.main_local.iter().any(|v| *v != Challenge::ZERO) {
                let mains = layout
                    .keys()
                    .iter()
                    .filter(|k| matches!(k, InputKey::Main { .. }));
                assert!(mains.clone().any(caught), "{name}");
            }
        }
    }
}

#[test]
fn a_synthetic_machine_satisfies_its_circuit_exactly() {
    use crate::synthetic::{chips, Additions};
    use tessera_circuit::shard::build_shard_circuit;
    use tessera_circuit::values::input_value;
    use tessera_stark::Machine;
    let machine = Machine::new(chips(), ConfigId::InsecureTesting);
    let (pk, vk) = machine.setup::<Additions>();
    let proof = machine.prove(&pk, &Additions::random(100, 7)).unwrap();
    let values = machine.ood_values::<Additions>(&vk, &proof).unwrap();
    let shapes: Vec<_> = values
        .chips
        .iter()
        .map(|c| c.as_ref().map(|c| c.shape.clone()))
        .collect();
    let circuit = build_shard_circuit::<_, Additions>(machine.chips(), &shapes).unwrap();
    let input = |k: &InputKey| match k {
        InputKey::Gamma => Challenge::from(Val::from_u32(0x0BAD_CAFE)),
        k => input_value(&values, k).unwrap(),
    };
    assert_eq!(
        circuit.dag.eval(circuit.batched.root, input).unwrap(),
        Challenge::ZERO
    );
    for (index, chip) in machine.chips().iter().enumerate() {
        let check = circuit.checks[index].unwrap();
        let shape = &values.chips[index].as_ref().unwrap().shape;
        let native = native_folded::<_, Additions>(chip, index as u16, shape, &input);
        assert_eq!(circuit.dag.eval(check.folded, input).unwrap(), native);
        assert_ne!(native, Challenge::ZERO);
    }
    let whole = circuit.circuit().unwrap();
    let layout_inputs: Vec<Challenge> = whole.inputs.iter().map(input).collect();
    assert_eq!(whole.eval(&layout_inputs).unwrap(), Challenge::ZERO);
    let mut tampered = layout_inputs.clone();
    tampered[0] += Challenge::ONE;
    assert_ne!(whole.eval(&tampered).unwrap(), Challenge::ZERO);
}
