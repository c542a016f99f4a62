//! Tessera's chip checker. Every chip of a machine declares a contract beside its AIR (column
//! roles, assumptions, guarantees, reference semantics; see `tessera_stark::contract`). This
//! crate reads the chip's constraints and bus interactions from Plonky3's symbolic builder into
//! a hash-consed IR (modules `ir`, `extract`), prints them for review (`print`: snapshots and
//! Garden-style terms), lints them (`lint`, with the byte table's promises in `table`), and
//! proves the determinism of each output (`query` splits a chip into modes, `propagate` finds
//! what the inputs force, `extension` and `algebra` the products of an extension field,
//! `smt` encodes the rest for the solvers of `solve`, `determinism`
//! confirms counterexamples), checks completeness on concrete traces (`complete`, against the
//! receivers' answers in `reference`; the MIPS sources of honest traces in `machine`), and
//! tests itself by dropping each constraint and interaction (`mutation`); `report` is what
//! `tessera check` prints. See `docs/check.md`.

pub mod algebra;
pub mod complete;
pub mod determinism;
pub mod extension;
pub mod extract;
pub mod ir;
pub mod lint;
pub mod machine;
pub mod mutation;
pub mod print;
pub mod propagate;
pub mod query;
pub mod reference;
pub mod refine;
pub mod report;
pub mod runs;
pub mod smt;
pub mod solve;
pub mod specialize;
pub mod table;
pub mod text;
pub mod unroll;
mod wrap;

pub use extract::{extract, ChipIr, ExtractError, Interaction, Scope};
pub use ir::{Ir, Node, NodeId, Row, Selector, Var};
