//! Where each input of a circuit sits. An [`InputKey`] names one value the verifier knows at the
//! out-of-domain check (an opening, a challenge, a selector, a public value); an [`InputLayout`]
//! orders the keys a DAG reads, canonically (by key), and is the one place that says which
//! position holds which value.

use std::collections::HashMap;

use crate::dag::{Dag, Node};

/// An opening at the out-of-domain point `ζ` (`Local`) or at `ζ·g` (`Next`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Row {
    Local,
    Next,
}

/// The selectors of a chip's trace domain at `ζ`, as the verifier computes them (not
/// normalized: `is_first_row = Z_H(ζ)/(ζ − 1)`, `is_last_row = Z_H(ζ)/(ζ − g⁻¹)`,
/// `is_transition = ζ − g⁻¹`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Selector {
    IsFirstRow,
    IsLastRow,
    IsTransition,
}

/// One input value. `chip` is the chip's position in its machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKey {
    /// A public value of a chip.
    Public { chip: u16, index: u32 },
    /// A main-trace opening.
    Main { chip: u16, row: Row, column: u32 },
    /// A preprocessed-trace opening.
    Preprocessed { chip: u16, row: Row, column: u32 },
    /// One base coordinate of a permutation (LogUp) column's opening: the proof opens an
    /// extension column as `D` base-flattened columns, each opened in the extension field.
    Permutation {
        chip: u16,
        row: Row,
        column: u32,
        coordinate: u8,
    },
    /// One base coordinate of a quotient chunk's opening at `ζ`.
    QuotientChunk {
        chip: u16,
        chunk: u32,
        coordinate: u8,
    },
    /// The out-of-domain point `ζ`.
    Zeta,
    /// The constraint-folding challenge `α`.
    Alpha,
    /// A chip's lookup (LogUp) challenges, in the order the lookup gadget reads them.
    LookupChallenge { chip: u16, index: u32 },
    /// A chip's LogUp terminal: its permutation trace's sum over the trace, which the buses'
    /// balance adds up across chips.
    Terminal { chip: u16, index: u32 },
    /// A chip's Lagrange selector at `ζ` (an input because the verifier divides to get it; the
    /// circuit checks it multiplicatively).
    Selector { chip: u16, selector: Selector },
    /// The challenge that batches the identities of a circuit's root.
    Gamma,
    /// A value reduced outside the circuit (such as a variable-length public input), added to
    /// the boundary sum.
    ScalarCorrection { index: u32 },
}

/// The inputs of a circuit, in canonical order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputLayout {
    keys: Vec<InputKey>,
    positions: HashMap<InputKey, usize>,
}

impl InputLayout {
    /// The layout of every input `dag` reads.
    pub fn of(dag: &Dag) -> Self {
        let mut keys: Vec<InputKey> = dag
            .nodes()
            .iter()
            .filter_map(|n| match n {
                Node::Input(key) => Some(*key),
                _ => None,
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        Self::from_keys(keys)
    }

    /// A layout of `keys`, which must be sorted and distinct.
    pub fn from_keys(keys: Vec<InputKey>) -> Self {
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "input keys are sorted and distinct"
        );
        let positions = keys.iter().enumerate().map(|(i, &k)| (k, i)).collect();
        InputLayout { keys, positions }
    }

    pub fn keys(&self) -> &[InputKey] {
        &self.keys
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Where `key` sits, if the circuit reads it.
    pub fn position(&self, key: &InputKey) -> Option<usize> {
        self.positions.get(key).copied()
    }
}
