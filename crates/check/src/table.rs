//! What the MIPS machine's byte table promises: the range facts a send to it proves. A message
//! `(op, a, b, c)` sent with a nonzero count is a row of the table (the table's rows are fixed
//! by the verifying key), so `b` and `c` are bytes and `a` is the operation's answer.

use tessera_machine::bus::{ByteOp, BYTE_BUS};

use crate::extract::{ChipIr, Scope};
use crate::ir::{Node, NodeId, Row, Var};

/// `expr < 2^bits` on every row where `count ≠ 0` (on every row, without a count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeFact {
    pub expr: NodeId,
    /// The column, when `expr` is a plain local column.
    pub column: Option<u32>,
    pub bits: u32,
    pub count: Option<NodeId>,
}

/// The bits of the answer `a` of each operation.
fn answer_bits(op: u32) -> u32 {
    match op {
        x if x == ByteOp::U16 as u32 => 16,
        x if x == ByteOp::Ltu as u32 => 1,
        x if x == ByteOp::Clz8 as u32 => 4,
        x if x == ByteOp::U8Pair as u32 => 1,
        _ => 8,
    }
}

/// Every range fact the chip's sends to the byte table prove.
pub fn range_facts(chip: &ChipIr) -> Vec<RangeFact> {
    let mut facts = Vec::new();
    for i in &chip.interactions {
        if i.bus != BYTE_BUS || i.scope != Scope::Global || i.fields.len() != 4 {
            continue;
        }
        // Receives (negative counts) and the table's own rows promise nothing to the chip.
        if matches!(chip.ir.node(i.count), Node::Neg(_) | Node::Const(0)) || i.weight == 0 {
            continue;
        }
        let fact = |expr: NodeId, bits: u32| RangeFact {
            expr,
            column: match chip.ir.node(expr) {
                Node::Var(Var::Main(Row::Local, c)) => Some(c),
                _ => None,
            },
            bits,
            count: Some(i.count),
        };
        // Every row of the table has byte `b` and `c` (U16's rows have zeros there) and an
        // answer below 2^16; a constant operation says more about the answer.
        let a_bits = match chip.ir.node(i.fields[0]) {
            Node::Const(op) => answer_bits(op),
            _ => 16,
        };
        facts.push(fact(i.fields[1], a_bits));
        facts.push(fact(i.fields[2], 8));
        facts.push(fact(i.fields[3], 8));
    }
    facts
}
