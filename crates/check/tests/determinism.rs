//! Determinism: Tessera's row chips are proved (or their unknowns named), and planted bugs give
//! counterexamples that the concrete evaluator confirms.

use super::common::solvers;
use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;
use tessera_check::determinism::{check_determinism, confirm, show, Subject, Verdict};
use tessera_check::extract;
use tessera_check::machine::{extract_mips, mips_chips, name};
use tessera_machine::bus::{lookup_byte, lookup_u16, ByteOp};
use tessera_stark::contract::Column;
use tessera_stark::{Contract, Role};

#[test]
fn the_alu_chips_are_deterministic() {
    let solvers = solvers();
    for wanted in ["AddSub", "Bitwise", "Lt", "Bits", "BitField"] {
        let chip = mips_chips()
            .into_iter()
            .find(|c| name(c) == wanted)
            .unwrap();
        let ir = extract_mips(&chip).unwrap().unwrap();
        let verdicts = check_determinism(&ir, &solvers).unwrap();
        assert!(!verdicts.is_empty(), "{wanted}: no determined column");
        for v in verdicts {
            let subject = v.subject.describe(&ir);
            match v.verdict {
                Verdict::Proved => {}
                Verdict::Counterexample(cx) => panic!("{}", show(&ir, v.subject, &cx)),
                Verdict::Unknown(why) => panic!("{wanted} {subject}: unknown: {why}"),
            }
        }
    }
}

/// Planted bugs in row chips.
#[derive(Clone, Copy)]
enum Bug {
    /// `a = b + c` on 16-bit halves without the high half's equation.
    MissingLimbEquality,
    /// A field element split into four range-checked bytes: 2^32 > p, so some elements have
    /// two splits.
    NonCanonicalDecomposition,
}

struct BuggyAir(Bug);

impl<F> BaseAir<F> for BuggyAir {
    fn width(&self) -> usize {
        match self.0 {
            // b[2], c[2], a[2], carry
            Bug::MissingLimbEquality => 7,
            // x, y[4]
            Bug::NonCanonicalDecomposition => 5,
        }
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for BuggyAir {
    fn eval(&self, builder: &mut AB) {
        let row: Vec<AB::Expr> = builder
            .main()
            .current_slice()
            .iter()
            .map(|&v| v.into())
            .collect();
        match self.0 {
            Bug::MissingLimbEquality => {
                let (b, c, a, carry) = (&row[0..2], &row[2..4], &row[4..6], row[6].clone());
                builder.assert_bool(carry.clone());
                builder.assert_eq(
                    b[0].clone() + c[0].clone(),
                    a[0].clone() + carry * AB::Expr::from_u32(1 << 16),
                );
                for half in a {
                    lookup_u16(builder, half.clone(), AB::Expr::ONE);
                }
            }
            Bug::NonCanonicalDecomposition => {
                let recomposed = (0..4).fold(AB::Expr::ZERO, |acc, i| {
                    acc + row[1 + i].clone() * AB::Expr::from_u32(1 << (8 * i))
                });
                builder.assert_eq(row[0].clone(), recomposed);
                for pair in [[1, 2], [3, 4]] {
                    let [lo, hi] = pair.map(|i| row[i].clone());
                    lookup_byte(
                        builder,
                        ByteOp::U8Pair,
                        [AB::Expr::ZERO, lo, hi],
                        AB::Expr::ONE,
                    );
                }
            }
        }
    }
}

fn contract(bug: Bug) -> Contract {
    let column = |name: &str, role| Column {
        name: name.to_string(),
        role,
    };
    let columns = match bug {
        Bug::MissingLimbEquality => vec![
            column("b[0]", Role::Input),
            column("b[1]", Role::Input),
            column("c[0]", Role::Input),
            column("c[1]", Role::Input),
            column("a[0]", Role::Output),
            column("a[1]", Role::Output),
            column("carry", Role::Oracle),
        ],
        Bug::NonCanonicalDecomposition => vec![
            column("x", Role::Input),
            column("y[0]", Role::Output),
            column("y[1]", Role::Output),
            column("y[2]", Role::Output),
            column("y[3]", Role::Output),
        ],
    };
    Contract {
        columns,
        real_flags: vec![],
        assumptions: vec![],
        functions: vec![],
        guarantees: vec![],
        private: vec![],
        reference: "test",
    }
}

#[test]
fn planted_bugs_give_confirmed_counterexamples() {
    let solvers = solvers();
    for (bug, column) in [
        (Bug::MissingLimbEquality, 5),
        (Bug::NonCanonicalDecomposition, 4),
    ] {
        let ir = extract("Buggy", &BuggyAir(bug), contract(bug)).unwrap();
        let verdicts = check_determinism(&ir, &solvers).unwrap();
        let subject = Subject::Column(column);
        let v = verdicts.iter().find(|v| v.subject == subject).unwrap();
        let Verdict::Counterexample(cx) = &v.verdict else {
            panic!("column {column}: {:?}", v.verdict);
        };
        confirm(&ir, &cx.rows, subject).unwrap();
        let text = show(&ir, subject, cx);
        assert!(text.contains('≠'), "{text}");
        assert!(!cx.smt2.is_empty());
    }
}

/// `u^2 = x` in `F[z]/(z^2 − 3)` (a field): the root is determined once a cell of it is known
/// to lie in `1..=(p − 1)/2` (here: nonzero and below 2^16), and has two values without that.
#[test]
fn a_square_root_is_determined_by_its_sign() {
    let solvers = solvers();
    let root = |sign: &str| {
        let text = format!(
            "chip Root\nselector is_real\ninput x0, x1\noutput u0, u1\noracle inv\n\
             real is_real\nassert bool(is_real)\n\
             assert u0 * u0 + 3 * u1 * u1 = x0\nassert 2 * u0 * u1 = x1\n{sign}\n"
        );
        let ir = tessera_check::text::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let verdicts = check_determinism(&ir, &solvers).unwrap();
        (ir, verdicts)
    };
    let (ir, verdicts) =
        root("assume u1 < 2^16 by sender \"a small top coefficient\"\nassert u1 * inv = 1");
    for v in &verdicts {
        assert!(
            matches!(v.verdict, Verdict::Proved),
            "{}: {:?}",
            v.subject.describe(&ir),
            match &v.verdict {
                Verdict::Unknown(why) => why.clone(),
                _ => "a counterexample".into(),
            }
        );
    }
    let (ir, verdicts) = root("assert u1 * inv = 1");
    let u0 = verdicts
        .iter()
        .find(|v| v.subject.describe(&ir) == "u0")
        .expect("u0 is asked");
    match &u0.verdict {
        Verdict::Counterexample(cx) => {
            let rows = &cx.rows;
            confirm(&ir, rows, u0.subject).expect("a confirmed counterexample");
        }
        _ => panic!("u and −u are both roots: u0 must have a counterexample"),
    }
}
