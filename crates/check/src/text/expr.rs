//! Expressions: precedence climbing over `+ - * ^`, unary minus and parentheses.

use p3_field::PrimeCharacteristicRing;
use tessera_stark::Val;

use super::lex::{Cursor, Tok};
use super::{cell, Name, Parser, Result, MAX_DEGREE, MAX_DEPTH, MAX_POWER};
use crate::ir::{Node, NodeId, Row, Selector, Var};

/// Expressions, built with the folds of Plonky3's symbolic expressions (`sym_add` & co.) so
/// that a parsed chip has the nodes the Rust AIR's extraction has.
impl Parser {
    fn constant_of(&self, id: NodeId) -> Option<Val> {
        match self.ir.node(id) {
            Node::Const(c) => Some(Val::from_u32(c)),
            _ => None,
        }
    }

    pub(super) fn add(&mut self, x: NodeId, y: NodeId) -> NodeId {
        match (self.constant_of(x), self.constant_of(y)) {
            (Some(a), Some(b)) => self.ir.constant(a + b),
            (Some(a), _) if a == Val::ZERO => y,
            (_, Some(b)) if b == Val::ZERO => x,
            _ => self.ir.add(x, y),
        }
    }

    pub(super) fn sub(&mut self, x: NodeId, y: NodeId) -> NodeId {
        match (self.constant_of(x), self.constant_of(y)) {
            (Some(a), Some(b)) => self.ir.constant(a - b),
            (Some(a), _) if a == Val::ZERO => self.neg(y),
            (_, Some(b)) if b == Val::ZERO => x,
            _ => self.ir.sub(x, y),
        }
    }

    pub(super) fn neg(&mut self, x: NodeId) -> NodeId {
        match self.constant_of(x) {
            Some(a) => self.ir.constant(-a),
            None => self.ir.neg(x),
        }
    }

    pub(super) fn mul(&mut self, cur: &Cursor, x: NodeId, y: NodeId) -> Result<NodeId> {
        let zero = |c: Option<Val>| c == Some(Val::ZERO);
        Ok(match (self.constant_of(x), self.constant_of(y)) {
            (Some(a), Some(b)) => self.ir.constant(a * b),
            (a, b) if zero(a) || zero(b) => self.ir.constant(Val::ZERO),
            (Some(a), _) if a == Val::ONE => y,
            (_, Some(b)) if b == Val::ONE => x,
            _ => {
                if self.ir.degree(x) + self.ir.degree(y) > MAX_DEGREE {
                    return cur.fail(format!("an expression of degree above {MAX_DEGREE}"));
                }
                self.ir.mul(x, y)
            }
        })
    }

    pub(super) fn expr(&mut self, cur: &mut Cursor, depth: usize) -> Result<NodeId> {
        if depth > MAX_DEPTH {
            return cur.fail("an expression nested too deeply");
        }
        let mut acc = self.term(cur, depth)?;
        loop {
            if cur.eat_sym('+') {
                let t = self.term(cur, depth)?;
                acc = self.add(acc, t);
            } else if cur.eat_sym('-') {
                let t = self.term(cur, depth)?;
                acc = self.sub(acc, t);
            } else {
                return Ok(acc);
            }
        }
    }

    fn term(&mut self, cur: &mut Cursor, depth: usize) -> Result<NodeId> {
        let mut acc = self.unary(cur, depth)?;
        while cur.eat_sym('*') {
            let f = self.unary(cur, depth)?;
            acc = self.mul(cur, acc, f)?;
        }
        Ok(acc)
    }

    fn unary(&mut self, cur: &mut Cursor, depth: usize) -> Result<NodeId> {
        if depth > MAX_DEPTH {
            return cur.fail("an expression nested too deeply");
        }
        if cur.eat_sym('-') {
            let x = self.unary(cur, depth + 1)?;
            return Ok(self.neg(x));
        }
        let base = self.atom(cur, depth)?;
        if !cur.eat_sym('^') {
            return Ok(base);
        }
        let k = cur.int("a constant exponent")?;
        if let Some(b) = self.constant_of(base) {
            return Ok(self.ir.constant(b.exp_u64(k)));
        }
        if k > MAX_POWER {
            return cur.fail(format!("a power of a non-constant above {MAX_POWER}"));
        }
        let mut acc = self.ir.constant(Val::ONE);
        for _ in 0..k {
            acc = self.mul(cur, acc, base)?;
        }
        Ok(acc)
    }

    fn atom(&mut self, cur: &mut Cursor, depth: usize) -> Result<NodeId> {
        let Some(tok) = cur.peek().cloned() else {
            return cur.expected("an expression");
        };
        let name = match tok {
            Tok::Int(_, modp) => {
                cur.pos += 1;
                return Ok(self.ir.constant(Val::from_u32(modp)));
            }
            Tok::Sym('(') => {
                cur.pos += 1;
                let e = self.expr(cur, depth + 1)?;
                cur.expect_sym(')')?;
                return Ok(e);
            }
            Tok::Ident(name) => name,
            _ => return cur.expected("an expression"),
        };
        cur.pos += 1;
        let selector = match name.as_str() {
            "first" => Some(Selector::IsFirstRow),
            "last" => Some(Selector::IsLastRow),
            "transition" => Some(Selector::IsTransition),
            _ => None,
        };
        if let Some(s) = selector {
            return Ok(self.ir.intern(Node::Selector(s)));
        }
        match name.as_str() {
            "bool" => {
                // Plonky3's `assert_bool`: x·(x − 1).
                cur.expect_sym('(')?;
                let x = self.expr(cur, depth + 1)?;
                cur.expect_sym(')')?;
                let one = self.ir.constant(Val::ONE);
                let x1 = self.sub(x, one);
                self.mul(cur, x, x1)
            }
            "next" => {
                cur.expect_sym('.')?;
                let name = cur.ident("a column after `next.`")?;
                self.reference(cur, &name, Row::Next)
            }
            _ => self.reference(cur, &name, Row::Local),
        }
    }

    fn reference(&mut self, cur: &mut Cursor, name: &str, row: Row) -> Result<NodeId> {
        let index = self.index(cur)?;
        let Some(&entry) = self.names.get(name) else {
            return cur.fail(format!("unknown column or name `{name}`"));
        };
        let var = match entry {
            Name::Let(id) => {
                if row == Row::Next {
                    return cur.fail(format!("`next.` applies to columns, `{name}` is a let"));
                }
                if index.is_some() {
                    return cur.fail(format!("`{name}` is not an array"));
                }
                return Ok(id);
            }
            Name::Main { first, len } => Var::Main(row, cell(cur, name, first, len, index)? as u32),
            Name::Preprocessed { first, len } => {
                Var::Preprocessed(row, cell(cur, name, first, len, index)? as u32)
            }
            Name::Public { first, len } => {
                if row == Row::Next {
                    return cur.fail(format!("`{name}` is a public value: it has no next row"));
                }
                Var::Public(cell(cur, name, first, len, index)? as u32)
            }
        };
        Ok(self.ir.var(var))
    }
}
