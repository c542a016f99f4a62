//! The DAG builder: interning, constant folding and simplification, canonical operand order,
//! foreign ids, compaction and re-opening; evaluation agrees with the field arithmetic.

use p3_field::PrimeCharacteristicRing;
use proptest::prelude::*;
use tessera_circuit::{DagBuilder, DagError, InputKey, InputLayout, Node};
use tessera_stark::Challenge;

fn input(i: u32) -> InputKey {
    InputKey::Public { chip: 0, index: i }
}

fn c(v: u32) -> Challenge {
    Challenge::from_u32(v)
}

#[test]
fn identical_nodes_are_interned() {
    let mut b = DagBuilder::new();
    let (x, y) = (b.input(input(0)), b.input(input(1)));
    assert_eq!(b.input(input(0)), x);
    let xy = b.mul(x, y).unwrap();
    let before = b.len();
    assert_eq!(b.mul(x, y).unwrap(), xy);
    assert_eq!(
        b.mul(y, x).unwrap(),
        xy,
        "commutative operands in canonical order"
    );
    assert_eq!(b.add(y, x).unwrap(), b.add(x, y).unwrap());
    assert_ne!(
        b.sub(x, y).unwrap(),
        b.sub(y, x).unwrap(),
        "subtraction keeps its order"
    );
    assert_eq!(b.len(), before + 3);
    let k = b.constant(c(7));
    assert_eq!(b.constant(c(7)), k);
}

#[test]
fn constants_fold_and_identities_simplify() {
    let mut b = DagBuilder::new();
    let x = b.input(input(0));
    let (zero, one, two, three) = (b.zero(), b.one(), b.constant(c(2)), b.constant(c(3)));
    let nodes = b.len();
    assert_eq!(b.add(x, zero).unwrap(), x);
    assert_eq!(b.add(zero, x).unwrap(), x);
    assert_eq!(b.sub(x, zero).unwrap(), x);
    assert_eq!(b.mul(x, one).unwrap(), x);
    assert_eq!(b.mul(one, x).unwrap(), x);
    assert_eq!(b.mul(x, zero).unwrap(), zero);
    assert_eq!(b.sub(x, x).unwrap(), zero);
    assert_eq!(b.len(), nodes, "no node for an identity");
    assert_eq!(b.add(two, three).unwrap(), b.constant(c(5)));
    assert_eq!(b.mul(two, three).unwrap(), b.constant(c(6)));
    assert_eq!(b.sub(two, three).unwrap(), b.constant(-c(1)));
    assert_eq!(b.neg(two).unwrap(), b.constant(-c(2)));
    let minus_x = b.sub(zero, x).unwrap();
    assert_eq!(b.dag().node(minus_x).unwrap(), Node::Neg(x.index() as u32));
    assert_eq!(b.neg(minus_x).unwrap(), x);
}

#[test]
fn foreign_ids_are_errors() {
    let mut a = DagBuilder::new();
    let mut b = DagBuilder::new();
    let x = a.input(input(0));
    let y = b.input(input(0));
    assert_eq!(a.add(x, y), Err(DagError::ForeignNode { index: 0 }));
    assert!(b.mul(x, y).is_err());
    assert!(b.neg(x).is_err());
    assert!(a.dag().node(y).is_err());
}

#[test]
fn nodes_are_in_topological_order_and_compaction_keeps_what_the_root_reaches() {
    let mut b = DagBuilder::new();
    let (x, y, z) = (b.input(input(0)), b.input(input(1)), b.input(input(2)));
    let unused = b.mul(y, z).unwrap();
    let xy = b.add(x, y).unwrap();
    let root = b.mul(xy, xy).unwrap();
    let dag = b.finish();
    for (i, node) in dag.nodes().iter().enumerate() {
        match *node {
            Node::Add(p, q) | Node::Sub(p, q) | Node::Mul(p, q) => {
                assert!((p as usize) < i && (q as usize) < i)
            }
            Node::Neg(p) => assert!((p as usize) < i),
            _ => {}
        }
    }
    let (small, roots) = dag.compact(&[root]).unwrap();
    assert_eq!(small.len(), 4, "x, y, x + y, (x + y)^2");
    assert!(
        small.node(unused).is_err(),
        "ids of the old DAG are foreign"
    );
    let values = |k: &InputKey| match k {
        InputKey::Public { index, .. } => c(*index + 3),
        _ => unreachable!(),
    };
    assert_eq!(small.eval(roots[0], values).unwrap(), c(49));
    assert_eq!(dag.eval(root, values).unwrap(), c(49));
    assert_eq!(InputLayout::of(&small).len(), 2);
    assert_eq!(InputLayout::of(&dag).len(), 3);
}

#[test]
fn a_reopened_dag_keeps_its_ids() {
    let mut b = DagBuilder::new();
    let x = b.input(input(0));
    let y = b.input(input(1));
    let sum = b.add(x, y).unwrap();
    let dag = b.finish();
    let mut b = DagBuilder::reopen(dag);
    assert_eq!(b.add(y, x).unwrap(), sum, "interned across the re-opening");
    let twice = b.add(sum, sum).unwrap();
    let value = b.finish().eval(twice, |_| c(5)).unwrap();
    assert_eq!(value, c(20));
}

/// A random expression over three inputs, as a list of operations on earlier values.
fn ops() -> impl Strategy<Value = Vec<(u8, usize, usize, u32)>> {
    prop::collection::vec((0u8..6, 0usize..64, 0usize..64, 0u32..4), 1..40)
}

proptest! {
    #[test]
    fn the_dag_computes_what_the_field_computes(ops in ops(), inputs in prop::array::uniform3(any::<u32>())) {
        let mut b = DagBuilder::new();
        let mut ids = vec![b.input(input(0)), b.input(input(1)), b.input(input(2))];
        let mut vals: Vec<Challenge> = inputs.iter().map(|&v| c(v)).collect();
        for (op, i, j, k) in ops {
            let (i, j) = (i % ids.len(), j % ids.len());
            let (id, v) = match op {
                0 => (b.add(ids[i], ids[j]).unwrap(), vals[i] + vals[j]),
                1 => (b.sub(ids[i], ids[j]).unwrap(), vals[i] - vals[j]),
                2 => (b.mul(ids[i], ids[j]).unwrap(), vals[i] * vals[j]),
                3 => (b.neg(ids[i]).unwrap(), -vals[i]),
                // Constants 0..4 exercise the folding rules.
                4 => (b.constant(c(k)), c(k)),
                _ => {
                    let k_id = b.constant(c(k));
                    (b.mul(ids[i], k_id).unwrap(), vals[i] * c(k))
                }
            };
            ids.push(id);
            vals.push(v);
        }
        let dag = b.finish();
        let values = dag.eval_all(|k| match k {
            InputKey::Public { index, .. } => c(inputs[*index as usize]),
            _ => unreachable!(),
        });
        for (id, v) in ids.iter().zip(&vals) {
            prop_assert_eq!(values[id.index()], *v);
        }
        // No two nodes are the same.
        let distinct: std::collections::HashSet<_> = dag.nodes().iter().collect();
        prop_assert_eq!(distinct.len(), dag.len());
    }
}
