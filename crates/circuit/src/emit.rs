//! Flat circuit emission. A circuit is a READ section (the inputs, in their layout's order, then
//! the distinct constants) and an EVAL section (one add/sub/mul/neg gate per line, reading
//! earlier slots), with the root's slot. Slots number the inputs first, then the constants, then
//! the gates. It has a stable binary encoding and a Poseidon2 hash of that encoding identifies
//! it.

use std::collections::HashMap;

use p3_field::{BasedVectorSpace, PrimeCharacteristicRing, PrimeField32};
use p3_symmetric::{CryptographicHasher, PaddingFreeSponge};
use tessera_stark::{Challenge, Val};
use thiserror::Error;

use crate::dag::{Dag, DagError, Node, NodeId};
use crate::layout::{InputKey, InputLayout, Row, Selector};

pub const CIRCUIT_MAGIC: [u8; 8] = *b"TESSACE\x01";

/// A gate of the EVAL section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Neg(u32),
}

/// An emitted circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Circuit {
    pub inputs: Vec<InputKey>,
    pub constants: Vec<Challenge>,
    pub gates: Vec<Gate>,
    /// The slot of the value the circuit asserts zero.
    pub root: u32,
}

#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum EmitError {
    #[error(transparent)]
    Dag(#[from] DagError),
    #[error("the layout has no slot for input {0:?}")]
    MissingInput(InputKey),
    #[error("{got} input values for {expected} inputs")]
    InputCount { expected: usize, got: usize },
}

/// Emits the part of `dag` that `root` reaches, reading its inputs at `layout`'s positions.
pub fn emit_circuit(dag: &Dag, root: NodeId, layout: &InputLayout) -> Result<Circuit, EmitError> {
    let (dag, roots) = dag.compact(&[root])?;
    let mut slot = vec![u32::MAX; dag.len()];
    let mut constants: Vec<Challenge> = Vec::new();
    let mut constant_slots: HashMap<Challenge, usize> = HashMap::new();
    for (i, node) in dag.nodes().iter().enumerate() {
        match node {
            Node::Input(key) => {
                slot[i] = layout.position(key).ok_or(EmitError::MissingInput(*key))? as u32;
            }
            Node::Constant(c) => {
                let next = constant_slots.len();
                let k = *constant_slots.entry(*c).or_insert_with(|| {
                    constants.push(*c);
                    next
                });
                slot[i] = (layout.len() + k) as u32;
            }
            _ => {}
        }
    }
    let mut gates = Vec::new();
    for (i, node) in dag.nodes().iter().enumerate() {
        let s = |x: &u32| slot[*x as usize];
        let gate = match node {
            Node::Add(a, b) => Gate::Add(s(a), s(b)),
            Node::Sub(a, b) => Gate::Sub(s(a), s(b)),
            Node::Mul(a, b) => Gate::Mul(s(a), s(b)),
            Node::Neg(a) => Gate::Neg(s(a)),
            Node::Input(_) | Node::Constant(_) => continue,
        };
        slot[i] = (layout.len() + constants.len() + gates.len()) as u32;
        gates.push(gate);
    }
    Ok(Circuit {
        inputs: layout.keys().to_vec(),
        constants,
        gates,
        root: slot[roots[0].index()],
    })
}

fn push_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn encode_key(out: &mut Vec<u8>, key: &InputKey) {
    let row = |r: &Row| *r as u32;
    let (tag, fields): (u8, [u32; 4]) = match key {
        InputKey::Public { chip, index } => (0, [*chip as u32, *index, 0, 0]),
        InputKey::Main {
            chip,
            row: r,
            column,
        } => (1, [*chip as u32, row(r), *column, 0]),
        InputKey::Preprocessed {
            chip,
            row: r,
            column,
        } => (2, [*chip as u32, row(r), *column, 0]),
        InputKey::Permutation {
            chip,
            row: r,
            column,
            coordinate,
        } => (3, [*chip as u32, row(r), *column, *coordinate as u32]),
        InputKey::QuotientChunk {
            chip,
            chunk,
            coordinate,
        } => (4, [*chip as u32, *chunk, *coordinate as u32, 0]),
        InputKey::Zeta => (5, [0; 4]),
        InputKey::Alpha => (6, [0; 4]),
        InputKey::LookupChallenge { chip, index } => (7, [*chip as u32, *index, 0, 0]),
        InputKey::Terminal { chip, index } => (8, [*chip as u32, *index, 0, 0]),
        InputKey::Selector { chip, selector } => {
            let s = match selector {
                Selector::IsFirstRow => 0,
                Selector::IsLastRow => 1,
                Selector::IsTransition => 2,
            };
            (9, [*chip as u32, s, 0, 0])
        }
        InputKey::Gamma => (10, [0; 4]),
        InputKey::ScalarCorrection { index } => (11, [*index, 0, 0, 0]),
    };
    out.push(tag);
    for f in fields {
        push_u32(out, f);
    }
}

impl Circuit {
    /// The stable encoding: magic, then the READ section (input keys, constants as canonical
    /// coordinates), then the EVAL section (opcode and operand slots), then the root's slot;
    /// counts as little-endian `u32`s.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = CIRCUIT_MAGIC.to_vec();
        push_u32(&mut out, self.inputs.len() as u32);
        for key in &self.inputs {
            encode_key(&mut out, key);
        }
        push_u32(&mut out, self.constants.len() as u32);
        for c in &self.constants {
            for coordinate in <Challenge as BasedVectorSpace<Val>>::as_basis_coefficients_slice(c) {
                push_u32(&mut out, coordinate.as_canonical_u32());
            }
        }
        push_u32(&mut out, self.gates.len() as u32);
        for gate in &self.gates {
            let (op, a, b) = match *gate {
                Gate::Add(a, b) => (0u8, a, b),
                Gate::Sub(a, b) => (1, a, b),
                Gate::Mul(a, b) => (2, a, b),
                Gate::Neg(a) => (3, a, 0),
            };
            out.push(op);
            push_u32(&mut out, a);
            push_u32(&mut out, b);
        }
        push_u32(&mut out, self.root);
        out
    }

    /// The Poseidon2 hash of the encoding (its length, then its bytes three to a field
    /// element): the circuit's identity.
    pub fn hash(&self) -> [Val; 8] {
        let bytes = self.to_bytes();
        let sponge =
            PaddingFreeSponge::<_, 16, 8, 8>::new(p3_koala_bear::default_koalabear_poseidon2_16());
        let elements = std::iter::once(Val::from_u32(bytes.len() as u32)).chain(
            bytes
                .chunks(3)
                .map(|c| Val::from_u32(c.iter().rev().fold(0u32, |acc, &b| acc << 8 | b as u32))),
        );
        sponge.hash_iter(elements)
    }

    /// Evaluates the circuit on its inputs (in layout order); returns the root's value.
    pub fn eval(&self, inputs: &[Challenge]) -> Result<Challenge, EmitError> {
        if inputs.len() != self.inputs.len() {
            return Err(EmitError::InputCount {
                expected: self.inputs.len(),
                got: inputs.len(),
            });
        }
        let mut slots: Vec<Challenge> =
            Vec::with_capacity(inputs.len() + self.constants.len() + self.gates.len());
        slots.extend_from_slice(inputs);
        slots.extend_from_slice(&self.constants);
        for gate in &self.gates {
            let v = |i: u32| slots[i as usize];
            let value = match *gate {
                Gate::Add(a, b) => v(a) + v(b),
                Gate::Sub(a, b) => v(a) - v(b),
                Gate::Mul(a, b) => v(a) * v(b),
                Gate::Neg(a) => -v(a),
            };
            slots.push(value);
        }
        Ok(slots[self.root as usize])
    }
}

/// Counts of a circuit's sections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CircuitStats {
    pub inputs: usize,
    pub constants: usize,
    pub gates: usize,
    pub muls: usize,
}

impl Circuit {
    pub fn stats(&self) -> CircuitStats {
        CircuitStats {
            inputs: self.inputs.len(),
            constants: self.constants.len(),
            gates: self.gates.len(),
            muls: self
                .gates
                .iter()
                .filter(|g| matches!(g, Gate::Mul(..)))
                .count(),
        }
    }
}
