//! The checker's intermediate representation: a hash-consed DAG of base-field polynomials over
//! the cells of a window of two rows (local and next), the preprocessed and public values, and
//! Plonky3's row selectors. Nodes are interned, so a shared sub-expression is one node and equal
//! expressions (built from the same nodes) are one node; children always precede their parents,
//! so a single pass in order evaluates everything.

use std::collections::HashMap;

use p3_field::{PrimeCharacteristicRing, PrimeField32};
use tessera_stark::Val;

pub type NodeId = u32;

/// Which row of the window a cell is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Row {
    Local,
    Next,
}

/// A value the constraints read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    Main(Row, u32),
    Preprocessed(Row, u32),
    Public(u32),
}

/// Plonky3's row selectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Selector {
    IsFirstRow,
    IsLastRow,
    IsTransition,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Var(Var),
    Selector(Selector),
    /// A canonical KoalaBear element.
    Const(u32),
    Add(NodeId, NodeId),
    Sub(NodeId, NodeId),
    Neg(NodeId),
    Mul(NodeId, NodeId),
}

/// An interned DAG of nodes.
#[derive(Clone, Debug, Default)]
pub struct Ir {
    nodes: Vec<Node>,
    ids: HashMap<Node, NodeId>,
    degrees: Vec<u32>,
}

impl Ir {
    pub fn new() -> Self {
        Self::default()
    }

    /// The node `node`, added if new.
    pub fn intern(&mut self, node: Node) -> NodeId {
        if let Some(&id) = self.ids.get(&node) {
            return id;
        }
        let degree = match node {
            // Plonky3 counts `is_transition` as degree 0 (its quotient divides it out).
            Node::Selector(Selector::IsTransition) => 0,
            Node::Var(_) | Node::Selector(_) => 1,
            Node::Const(_) => 0,
            Node::Add(x, y) | Node::Sub(x, y) => self.degree(x).max(self.degree(y)),
            Node::Neg(x) => self.degree(x),
            Node::Mul(x, y) => self.degree(x) + self.degree(y),
        };
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node);
        self.degrees.push(degree);
        self.ids.insert(node, id);
        id
    }

    pub fn node(&self, id: NodeId) -> Node {
        self.nodes[id as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The polynomial degree of `id` as Plonky3 counts it (first/last-row selectors 1,
    /// `is_transition` 0).
    pub fn degree(&self, id: NodeId) -> u32 {
        self.degrees[id as usize]
    }

    pub fn constant(&mut self, value: Val) -> NodeId {
        self.intern(Node::Const(value.as_canonical_u32()))
    }

    pub fn var(&mut self, var: Var) -> NodeId {
        self.intern(Node::Var(var))
    }

    pub fn add(&mut self, x: NodeId, y: NodeId) -> NodeId {
        self.intern(Node::Add(x, y))
    }

    pub fn sub(&mut self, x: NodeId, y: NodeId) -> NodeId {
        self.intern(Node::Sub(x, y))
    }

    pub fn mul(&mut self, x: NodeId, y: NodeId) -> NodeId {
        self.intern(Node::Mul(x, y))
    }

    pub fn neg(&mut self, x: NodeId) -> NodeId {
        self.intern(Node::Neg(x))
    }

    /// The value of every node, given the value of every variable and selector.
    pub fn eval_all(&self, leaf: impl Fn(Leaf) -> Val) -> Vec<Val> {
        let mut values: Vec<Val> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let v = |id: &NodeId| values[*id as usize];
            let value = match node {
                Node::Var(var) => leaf(Leaf::Var(*var)),
                Node::Selector(s) => leaf(Leaf::Selector(*s)),
                Node::Const(c) => Val::from_u32(*c),
                Node::Add(x, y) => v(x) + v(y),
                Node::Sub(x, y) => v(x) - v(y),
                Node::Neg(x) => -v(x),
                Node::Mul(x, y) => v(x) * v(y),
            };
            values.push(value);
        }
        values
    }

    /// Every variable `id` reads.
    pub fn vars_of(&self, id: NodeId) -> Vec<Var> {
        let mut seen = vec![false; id as usize + 1];
        let mut stack = vec![id];
        let mut vars = Vec::new();
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut seen[n as usize], true) {
                continue;
            }
            match self.node(n) {
                Node::Var(v) => vars.push(v),
                Node::Selector(_) | Node::Const(_) => {}
                Node::Add(x, y) | Node::Sub(x, y) | Node::Mul(x, y) => stack.extend([x, y]),
                Node::Neg(x) => stack.push(x),
            }
        }
        vars.sort();
        vars
    }

    /// How many parents each node has among the nodes reachable from `roots` (a root counts
    /// as one use).
    pub fn uses(&self, roots: &[NodeId]) -> Vec<u32> {
        let mut uses = vec![0u32; self.nodes.len()];
        let mut reached = vec![false; self.nodes.len()];
        for &r in roots {
            uses[r as usize] += 1;
            reached[r as usize] = true;
        }
        for id in (0..self.nodes.len()).rev() {
            if !reached[id] {
                continue;
            }
            let mut touch = |c: NodeId| {
                uses[c as usize] += 1;
                reached[c as usize] = true;
            };
            match self.nodes[id] {
                Node::Add(x, y) | Node::Sub(x, y) | Node::Mul(x, y) => {
                    touch(x);
                    touch(y);
                }
                Node::Neg(x) => touch(x),
                _ => {}
            }
        }
        uses
    }
}

/// A leaf's identity, for evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Leaf {
    Var(Var),
    Selector(Selector),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_expressions_are_one_node() {
        let mut ir = Ir::new();
        let a = ir.var(Var::Main(Row::Local, 0));
        let b = ir.var(Var::Main(Row::Next, 1));
        let s1 = ir.add(a, b);
        let s2 = ir.add(a, b);
        assert_eq!(s1, s2);
        let p = ir.mul(s1, s2);
        assert_eq!(ir.degree(p), 2);
        assert_eq!(ir.len(), 4);
        let values = ir.eval_all(|leaf| match leaf {
            Leaf::Var(Var::Main(Row::Local, 0)) => Val::from_u32(3),
            _ => Val::from_u32(4),
        });
        assert_eq!(values[p as usize], Val::from_u32(49));
        assert_eq!(
            ir.vars_of(p),
            vec![Var::Main(Row::Local, 0), Var::Main(Row::Next, 1)]
        );
        assert_eq!(ir.uses(&[p])[s1 as usize], 2);
    }
}
