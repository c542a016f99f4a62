//! The exact integer encoding of what the byte table and the ALU answer: bit by bit for the
//! bitwise operations, case by case over the amount for shifts. Used when the light encodings
//! neither refute a query nor give a model that survives the concrete check.

use tessera_machine::bus::{AluOp, ByteOp};

use super::Encoder;
use crate::ir::NodeId;

impl Encoder<'_> {
    /// Fresh 0/1 variables for the `n` bits of the integer `v`, and the formula that ties them
    /// to it (true only where `v < 2^n`).
    fn bits(&mut self, v: &str, n: u32) -> (Vec<String>, String) {
        let bits: Vec<String> = (0..n).map(|_| self.fresh("bit", 0, 1)).collect();
        let sum: Vec<String> = bits
            .iter()
            .enumerate()
            .map(|(i, b)| format!("(* {} {b})", 1u64 << i))
            .collect();
        let tie = format!("(= {v} (+ {}))", sum.join(" "));
        (bits, tie)
    }

    /// `a = g(b, c)` bit by bit on `n`-bit integers, `g` given on 0/1 integers.
    fn bitwise(
        &mut self,
        a: &str,
        b: &str,
        c: &str,
        n: u32,
        g: fn(&str, &str) -> String,
    ) -> String {
        let (bb, tie_b) = self.bits(b, n);
        let (cb, tie_c) = self.bits(c, n);
        let terms: Vec<String> = (0..n as usize)
            .map(|i| format!("(* {} {})", 1u64 << i, g(&bb[i], &cb[i])))
            .collect();
        format!("(and {tie_b} {tie_c} (= {a} (+ {})))", terms.join(" "))
    }

    /// The byte table's row `(op, a, b, c)` exactly, in the integer encoding.
    pub(super) fn exact_byte(
        &mut self,
        copy: usize,
        op: u32,
        a: NodeId,
        b: NodeId,
        c: NodeId,
    ) -> Option<String> {
        let op = ByteOp::ALL.into_iter().find(|&o| o as u32 == op)?;
        let (a, b, c) = (
            self.canonical(copy, a),
            self.canonical(copy, b),
            self.canonical(copy, c),
        );
        Some(match op {
            ByteOp::And => self.bitwise(&a, &b, &c, 8, and_bit),
            ByteOp::Or => self.bitwise(&a, &b, &c, 8, or_bit),
            ByteOp::Xor => self.bitwise(&a, &b, &c, 8, xor_bit),
            ByteOp::Ltu => format!("(= {a} (ite (< {b} {c}) 1 0))"),
            ByteOp::Clz8 => {
                let mut e = "8".to_string();
                for k in 0..8 {
                    e = format!("(ite (>= {b} {}) {} {e})", 1 << k, 7 - k);
                }
                format!("(= {a} {e})")
            }
            ByteOp::U8Pair | ByteOp::U16 => return None,
        })
    }

    /// `a = op(b, c)` exactly on 32-bit integers, for the operations with a short linear or
    /// bitwise encoding; `c_lo` is `c`'s low half (the shift amount is its low five bits).
    pub(super) fn exact_alu(
        &mut self,
        op: AluOp,
        a: &str,
        b: &str,
        c: &str,
        c_lo: &str,
    ) -> Option<String> {
        const W: u64 = 1 << 32;
        Some(match op {
            AluOp::Add => format!("(or (= {a} (+ {b} {c})) (= {a} (- (+ {b} {c}) {W})))"),
            AluOp::Sub => format!("(or (= {a} (- {b} {c})) (= {a} (+ (- {b} {c}) {W})))"),
            AluOp::And => self.bitwise(a, b, c, 32, and_bit),
            AluOp::Or => self.bitwise(a, b, c, 32, or_bit),
            AluOp::Xor => self.bitwise(a, b, c, 32, xor_bit),
            AluOp::Nor => self.bitwise(&format!("(- {} {a})", W - 1), b, c, 32, or_bit),
            AluOp::Sltu => format!("(= {a} (ite (< {b} {c}) 1 0))"),
            AluOp::Sll | AluOp::Srl => {
                let amount = self.fresh("amt", 0, 31);
                let q = self.fresh("q", 0, 2047);
                let k = self.fresh("k", 0, (1i128 << 31) - 1);
                let mut cases = Vec::new();
                for s in 0..32u32 {
                    let case = if op == AluOp::Sll {
                        format!("(= (* {b} {}) (+ {a} (* {W} {k})))", 1u64 << s)
                    } else {
                        format!(
                            "(and (<= (* {a} {m}) {b}) (< {b} (* (+ {a} 1) {m})))",
                            m = 1u64 << s
                        )
                    };
                    cases.push(format!("(=> (= {amount} {s}) {case})"));
                }
                format!(
                    "(and (= {c_lo} (+ {amount} (* 32 {q}))) {})",
                    cases.join(" ")
                )
            }
            _ => return None,
        })
    }
}

fn and_bit(x: &str, y: &str) -> String {
    format!("(* {x} {y})")
}

fn or_bit(x: &str, y: &str) -> String {
    format!("(- (+ {x} {y}) (* {x} {y}))")
}

fn xor_bit(x: &str, y: &str) -> String {
    format!("(- (+ {x} {y}) (* 2 {x} {y}))")
}
