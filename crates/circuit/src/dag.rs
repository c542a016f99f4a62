//! A hash-consed DAG of extension-field arithmetic. Every node is interned (building an identical
//! node returns the existing one), constants fold, `x + 0`, `x − 0`, `x · 1`, `x · 0`, `x − x`,
//! `0 − x` and `−(−x)` simplify, and commutative operands are stored in canonical order, so two
//! ways of writing the same expression over the same leaves meet in one node. Nodes only refer to
//! earlier nodes: the node list is a topological order by construction.
//!
//! A [`NodeId`] remembers its builder: handing a builder another builder's id is an error, not a
//! silently wrong circuit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use p3_field::PrimeCharacteristicRing;
use tessera_stark::Challenge;
use thiserror::Error;

use crate::layout::InputKey;

/// A node of one builder's DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    builder: u32,
    index: u32,
}

impl NodeId {
    /// The node's position in its DAG's topological order.
    pub fn index(self) -> usize {
        self.index as usize
    }
}

/// A node; operands are indices of earlier nodes of the same DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Input(InputKey),
    Constant(Challenge),
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Neg(u32),
}

#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum DagError {
    #[error("node {index} belongs to another DAG builder")]
    ForeignNode { index: usize },
}

static NEXT_BUILDER: AtomicU32 = AtomicU32::new(1);

fn fresh_builder_id() -> u32 {
    NEXT_BUILDER.fetch_add(1, Ordering::Relaxed)
}

/// A finished DAG: its nodes in topological order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dag {
    id: u32,
    nodes: Vec<Node>,
}

/// Builds a [`Dag`].
#[derive(Debug)]
pub struct DagBuilder {
    dag: Dag,
    interned: HashMap<Node, u32>,
}

impl Default for DagBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl DagBuilder {
    pub fn new() -> Self {
        DagBuilder {
            dag: Dag {
                id: fresh_builder_id(),
                nodes: Vec::new(),
            },
            interned: HashMap::new(),
        }
    }

    /// Re-opens a finished DAG to extend it: its node ids stay valid.
    pub fn reopen(dag: Dag) -> Self {
        let interned = dag
            .nodes
            .iter()
            .enumerate()
            .map(|(i, &n)| (n, i as u32))
            .collect();
        DagBuilder { dag, interned }
    }

    pub fn finish(self) -> Dag {
        self.dag
    }

    pub fn dag(&self) -> &Dag {
        &self.dag
    }

    pub fn len(&self) -> usize {
        self.dag.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dag.nodes.is_empty()
    }

    pub fn input(&mut self, key: InputKey) -> NodeId {
        self.intern(Node::Input(key))
    }

    pub fn constant(&mut self, value: Challenge) -> NodeId {
        self.intern(Node::Constant(value))
    }

    pub fn zero(&mut self) -> NodeId {
        self.constant(Challenge::ZERO)
    }

    pub fn one(&mut self) -> NodeId {
        self.constant(Challenge::ONE)
    }

    pub fn add(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, DagError> {
        let (a, b) = (self.dag.check(a)?, self.dag.check(b)?);
        Ok(match (self.dag.constant_at(a), self.dag.constant_at(b)) {
            (Some(x), Some(y)) => self.constant(x + y),
            (Some(x), _) if x == Challenge::ZERO => self.id(b),
            (_, Some(y)) if y == Challenge::ZERO => self.id(a),
            _ => self.intern(Node::Add(a.min(b), a.max(b))),
        })
    }

    pub fn sub(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, DagError> {
        let (ia, ib) = (self.dag.check(a)?, self.dag.check(b)?);
        Ok(match (self.dag.constant_at(ia), self.dag.constant_at(ib)) {
            (Some(x), Some(y)) => self.constant(x - y),
            (_, Some(y)) if y == Challenge::ZERO => a,
            (Some(x), _) if x == Challenge::ZERO => return self.neg(b),
            _ if ia == ib => self.zero(),
            _ => self.intern(Node::Sub(ia, ib)),
        })
    }

    pub fn mul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, DagError> {
        let (a, b) = (self.dag.check(a)?, self.dag.check(b)?);
        Ok(match (self.dag.constant_at(a), self.dag.constant_at(b)) {
            (Some(x), Some(y)) => self.constant(x * y),
            (Some(x), _) | (_, Some(x)) if x == Challenge::ZERO => self.zero(),
            (Some(x), _) if x == Challenge::ONE => self.id(b),
            (_, Some(y)) if y == Challenge::ONE => self.id(a),
            _ => self.intern(Node::Mul(a.min(b), a.max(b))),
        })
    }

    pub fn neg(&mut self, a: NodeId) -> Result<NodeId, DagError> {
        let a = self.dag.check(a)?;
        Ok(match self.dag.nodes[a as usize] {
            Node::Constant(x) => self.constant(-x),
            Node::Neg(inner) => self.id(inner),
            _ => self.intern(Node::Neg(a)),
        })
    }

    /// `x^(2^k)` by `k` squarings.
    pub fn square_times(&mut self, mut x: NodeId, k: usize) -> Result<NodeId, DagError> {
        for _ in 0..k {
            x = self.mul(x, x)?;
        }
        Ok(x)
    }

    fn id(&self, index: u32) -> NodeId {
        NodeId {
            builder: self.dag.id,
            index,
        }
    }

    fn intern(&mut self, node: Node) -> NodeId {
        let index = *self.interned.entry(node).or_insert_with(|| {
            self.dag.nodes.push(node);
            self.dag.nodes.len() as u32 - 1
        });
        self.id(index)
    }
}

impl Dag {
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node `id` names.
    pub fn node(&self, id: NodeId) -> Result<Node, DagError> {
        Ok(self.nodes[self.check(id)? as usize])
    }

    /// The id of the node at `index` (which must exist).
    pub fn id_at(&self, index: usize) -> NodeId {
        assert!(index < self.nodes.len(), "node {index} does not exist");
        NodeId {
            builder: self.id,
            index: index as u32,
        }
    }

    fn check(&self, id: NodeId) -> Result<u32, DagError> {
        if id.builder != self.id || id.index() >= self.nodes.len() {
            return Err(DagError::ForeignNode { index: id.index() });
        }
        Ok(id.index)
    }

    fn constant_at(&self, index: u32) -> Option<Challenge> {
        match self.nodes[index as usize] {
            Node::Constant(c) => Some(c),
            _ => None,
        }
    }

    /// The DAG of what `roots` reach, in the same relative order, and the roots' new ids (a
    /// compacted DAG is a new DAG: ids of this one are foreign to it).
    pub fn compact(&self, roots: &[NodeId]) -> Result<(Dag, Vec<NodeId>), DagError> {
        let mut reached = vec![false; self.nodes.len()];
        for &root in roots {
            reached[self.check(root)? as usize] = true;
        }
        // Operands come before their users, so one backward pass marks everything reached.
        for i in (0..self.nodes.len()).rev() {
            if !reached[i] {
                continue;
            }
            match self.nodes[i] {
                Node::Add(a, b) | Node::Sub(a, b) | Node::Mul(a, b) => {
                    reached[a as usize] = true;
                    reached[b as usize] = true;
                }
                Node::Neg(a) => reached[a as usize] = true,
                Node::Input(_) | Node::Constant(_) => {}
            }
        }
        let mut renumber = vec![u32::MAX; self.nodes.len()];
        let mut nodes = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if !reached[i] {
                continue;
            }
            let r = |x: u32| renumber[x as usize];
            nodes.push(match *node {
                Node::Add(a, b) => Node::Add(r(a), r(b)),
                Node::Sub(a, b) => Node::Sub(r(a), r(b)),
                Node::Mul(a, b) => Node::Mul(r(a), r(b)),
                Node::Neg(a) => Node::Neg(r(a)),
                leaf => leaf,
            });
            renumber[i] = nodes.len() as u32 - 1;
        }
        let dag = Dag {
            id: fresh_builder_id(),
            nodes,
        };
        let roots = roots
            .iter()
            .map(|&root| dag.id_at(renumber[root.index()] as usize))
            .collect();
        Ok((dag, roots))
    }

    /// Evaluates every node, given each input's value.
    pub fn eval_all(&self, input: impl Fn(&InputKey) -> Challenge) -> Vec<Challenge> {
        let mut values: Vec<Challenge> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let v = |i: u32| values[i as usize];
            let value = match *node {
                Node::Input(key) => input(&key),
                Node::Constant(c) => c,
                Node::Add(a, b) => v(a) + v(b),
                Node::Sub(a, b) => v(a) - v(b),
                Node::Mul(a, b) => v(a) * v(b),
                Node::Neg(a) => -v(a),
            };
            values.push(value);
        }
        values
    }

    /// Evaluates `root`, given each input's value.
    pub fn eval(
        &self,
        root: NodeId,
        input: impl Fn(&InputKey) -> Challenge,
    ) -> Result<Challenge, DagError> {
        let root = self.check(root)? as usize;
        Ok(self.eval_all(input)[root])
    }
}
