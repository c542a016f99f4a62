//! Partial evaluation: a chip's IR with some variables fixed to constants, folded. Used to split
//! a chip by its mode (the values of its operation flags), which turns counts into constants,
//! conditional range facts into plain ones and flag products into sums the solvers reason
//! about well.

use std::collections::HashMap;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::Val;

use crate::ir::{Ir, Node, NodeId, Var};

/// A copy of part of an IR with variables substituted and constants folded.
pub struct Specializer<'a> {
    source: &'a Ir,
    subst: &'a HashMap<Var, Val>,
    pub ir: Ir,
    memo: HashMap<NodeId, NodeId>,
}

impl<'a> Specializer<'a> {
    pub fn new(source: &'a Ir, subst: &'a HashMap<Var, Val>) -> Self {
        Specializer {
            source,
            subst,
            ir: Ir::new(),
            memo: HashMap::new(),
        }
    }

    fn constant_of(&self, id: NodeId) -> Option<Val> {
        match self.ir.node(id) {
            Node::Const(c) => Some(Val::from_u32(c)),
            _ => None,
        }
    }

    /// `id` of the source, specialized into `self.ir`.
    pub fn map(&mut self, id: NodeId) -> NodeId {
        if let Some(&m) = self.memo.get(&id) {
            return m;
        }
        let out = match self.source.node(id) {
            Node::Var(v) => match self.subst.get(&v) {
                Some(&value) => self.ir.constant(value),
                None => self.ir.var(v),
            },
            Node::Selector(s) => self.ir.intern(Node::Selector(s)),
            Node::Const(c) => self.ir.intern(Node::Const(c)),
            Node::Add(x, y) => {
                let (x, y) = (self.map(x), self.map(y));
                match (self.constant_of(x), self.constant_of(y)) {
                    (Some(a), Some(b)) => self.ir.constant(a + b),
                    (Some(a), None) if a == Val::ZERO => y,
                    (None, Some(b)) if b == Val::ZERO => x,
                    _ => self.ir.add(x, y),
                }
            }
            Node::Sub(x, y) => {
                let (x, y) = (self.map(x), self.map(y));
                match (self.constant_of(x), self.constant_of(y)) {
                    (Some(a), Some(b)) => self.ir.constant(a - b),
                    (None, Some(b)) if b == Val::ZERO => x,
                    (Some(a), None) if a == Val::ZERO => self.ir.neg(y),
                    _ => self.ir.sub(x, y),
                }
            }
            Node::Neg(x) => {
                let x = self.map(x);
                match self.constant_of(x) {
                    Some(a) => self.ir.constant(-a),
                    None => self.ir.neg(x),
                }
            }
            Node::Mul(x, y) => {
                let (x, y) = (self.map(x), self.map(y));
                match (self.constant_of(x), self.constant_of(y)) {
                    (Some(a), Some(b)) => self.ir.constant(a * b),
                    (Some(a), _) | (_, Some(a)) if a == Val::ZERO => self.ir.constant(Val::ZERO),
                    (Some(a), None) if a == Val::ONE => y,
                    (None, Some(b)) if b == Val::ONE => x,
                    _ => self.ir.mul(x, y),
                }
            }
        };
        self.memo.insert(id, out);
        out
    }
}

/// The value of `id` if it is a constant.
pub fn constant(ir: &Ir, id: NodeId) -> Option<u32> {
    match ir.node(id) {
        Node::Const(c) => Some(c),
        _ => None,
    }
}

/// `c` as a signed integer in `(−p/2, p/2]`.
pub fn signed(c: u32) -> i64 {
    let p = Val::ORDER_U32;
    if c > p / 2 {
        c as i64 - p as i64
    } else {
        c as i64
    }
}

/// Whether `count` receives: a negated expression or a negative constant.
pub fn is_receive(ir: &Ir, count: NodeId) -> bool {
    match ir.node(count) {
        Node::Neg(_) => true,
        Node::Const(c) => signed(c) < 0,
        _ => false,
    }
}
