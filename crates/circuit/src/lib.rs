//! Tessera's arithmetic-circuit layer: the verifier's out-of-domain constraint check of a shard,
//! written as a circuit that recursion will prove. [`dag`] is a hash-consed DAG over the
//! extension field; [`layout`] says where each input sits; [`lower`] turns a chip's Plonky3
//! constraints (LogUp included) into it; [`boundary`] batches the buses' closing identities with
//! the constraint check into one root; [`emit`] writes the flat circuit; [`values`] gives the
//! inputs' values for a verified proof; [`shard`] puts a whole shard together. See
//! `docs/circuit.md`.

pub mod boundary;
pub mod dag;
pub mod emit;
pub mod layout;
pub mod lower;
pub mod shard;
pub mod values;

pub use boundary::{
    batch_logup_boundary, BatchedRoot, BoundaryConfig, BoundaryError, BusFraction, MessageElement,
};
pub use dag::{Dag, DagBuilder, DagError, Node, NodeId};
pub use emit::{emit_circuit, Circuit, CircuitStats, EmitError, Gate};
pub use layout::{InputKey, InputLayout, Row, Selector};
pub use lower::{build_dag_for_air, ChipCheck, LowerError};
