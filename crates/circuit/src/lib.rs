//! Tessera's arithmetic-circuit layer: the verifier's out-of-domain constraint check of a shard,
//! written as a circuit that recursion will prove. [`dag`] is a hash-consed DAG over the
//! extension field; [`layout`] says where each input sits; lowering Plonky3's symbolic
//! constraints into it, LogUp boundary batching and flat circuit emission build on them.

pub mod dag;
pub mod layout;
pub mod lower;
pub mod values;

pub use dag::{Dag, DagBuilder, DagError, Node, NodeId};
pub use layout::{InputKey, InputLayout, Row, Selector};
pub use lower::{build_dag_for_air, ChipCheck, LowerError};
