//! Chips with transitions: a running counter is proved deterministic over cyclic traces of
//! height 2 and 4 and the induction step, and a missing transition or an unconstrained first
//! row gives a counterexample the concrete evaluator confirms, shown as two traces.

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use tessera_check::determinism::{check_determinism, confirm, show, Subject, Verdict};
use tessera_check::extract;
use tessera_check::lint::{lint, Rule};
use tessera_check::unroll::{unroll, Window};
use tessera_stark::contract::Column;
use tessera_stark::{Assumption, Contract, Role, Source};

use super::common::solvers;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bug {
    None,
    MissingTransition,
    UnconstrainedFirstRow,
}

/// Columns: `step` (input), `x` (state: starts at the public value, then adds `step`), `y`
/// (output: `x + step`).
struct CounterAir(Bug);

impl<F> BaseAir<F> for CounterAir {
    fn width(&self) -> usize {
        3
    }
    fn num_public_values(&self) -> usize {
        1
    }
}

impl<AB: AirBuilder> Air<AB> for CounterAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: Vec<AB::Expr> = main.current_slice().iter().map(|&v| v.into()).collect();
        let next: Vec<AB::Expr> = main.next_slice().iter().map(|&v| v.into()).collect();
        let start: AB::Expr = builder.public_values()[0].into();
        let (step, x, y) = (local[0].clone(), local[1].clone(), local[2].clone());
        if self.0 != Bug::UnconstrainedFirstRow {
            builder.when_first_row().assert_eq(x.clone(), start);
        }
        if self.0 != Bug::MissingTransition {
            builder
                .when_transition()
                .assert_eq(next[1].clone(), x.clone() + step.clone());
        }
        builder.assert_eq(y, x + step);
    }
}

fn contract() -> Contract {
    let column = |name: &str, role| Column {
        name: name.to_string(),
        role,
    };
    Contract {
        columns: vec![
            column("step", Role::Input),
            column("x", Role::State),
            column("y", Role::Output),
        ],
        real_flags: vec![],
        assumptions: vec![],
        functions: vec![],
        guarantees: vec![],
        private: vec![],
        reference: "test",
    }
}

#[test]
fn windows_lay_out_every_row_and_the_public_values() {
    let ir = extract("Counter", &CounterAir(Bug::None), contract()).unwrap();
    let subjects = [Subject::Column(1), Subject::Column(2)];
    let u = unroll(&ir, &Window::cyclic(4, 2), &subjects);
    // Four rows of three columns, the public value, and no free row selector.
    assert_eq!(u.chip.width, 4 * 3 + 1);
    assert_eq!(u.chip.contract.columns[7].name, "x@2");
    assert_eq!(u.chip.contract.columns[12].name, "public[0]");
    assert_eq!(u.chip.constraints.len(), 4 * ir.constraints.len());
    assert_eq!(
        u.subjects,
        vec![
            (Subject::Column(7), Subject::Column(1)),
            (Subject::Column(8), Subject::Column(2))
        ]
    );
    // The induction step: row i's selectors are free, row i + 2 is not constrained, and row
    // i's determined columns are shared.
    let step = unroll(&ir, &Window::induction(), &subjects);
    assert_eq!(step.chip.constraints.len(), 2 * ir.constraints.len() + 2);
    assert_eq!(step.chip.contract.columns[1].role, Role::Input);
    assert_eq!(step.chip.contract.columns[4].role, Role::State);
    assert_eq!(step.chip.contract.columns[7].role, Role::Oracle);
    assert_eq!(step.split.len(), 2);
}

#[test]
fn a_running_counter_is_deterministic() {
    let solvers = solvers();
    let ir = extract("Counter", &CounterAir(Bug::None), contract()).unwrap();
    let verdicts = check_determinism(&ir, &solvers).unwrap();
    assert_eq!(verdicts.len(), 2);
    for v in verdicts {
        assert!(matches!(v.verdict, Verdict::Proved), "{:?}", v);
    }
}

#[test]
fn a_missing_transition_and_an_unconstrained_first_row_are_found() {
    let solvers = solvers();
    for bug in [Bug::MissingTransition, Bug::UnconstrainedFirstRow] {
        let ir = extract("Counter", &CounterAir(bug), contract()).unwrap();
        let verdicts = check_determinism(&ir, &solvers).unwrap();
        let x = verdicts
            .iter()
            .find(|v| v.subject == Subject::Column(1))
            .unwrap();
        let Verdict::Counterexample(cx) = &x.verdict else {
            panic!("{bug:?}: {:?}", x.verdict);
        };
        // The two traces are whole cyclic traces: every row of both satisfies the chip.
        let window_rows = cx.columns.len();
        assert!(window_rows >= 2 * 3, "{bug:?}: {} columns", window_rows);
        let text = show(&ir, Subject::Column(1), cx);
        assert!(text.contains("A1") && text.contains("B0"), "{text}");
        assert!(text.contains('≠'), "{text}");
        // The output follows the state, so it is not determined either.
        let y = verdicts
            .iter()
            .find(|v| v.subject == Subject::Column(2))
            .unwrap();
        assert!(
            matches!(y.verdict, Verdict::Counterexample(_)),
            "{bug:?}: {:?}",
            y.verdict
        );
    }
}

#[test]
fn a_counterexample_trace_passes_the_concrete_check() {
    let solvers = solvers();
    let ir = extract("Counter", &CounterAir(Bug::MissingTransition), contract()).unwrap();
    let subjects = [Subject::Column(1)];
    let u = unroll(&ir, &Window::cyclic(2, 1), &subjects);
    let verdicts = check_determinism(&u.chip, &solvers).unwrap();
    let Verdict::Counterexample(cx) = &verdicts
        .iter()
        .find(|v| v.subject == u.subjects[0].0)
        .unwrap()
        .verdict
    else {
        panic!("no counterexample at row 1");
    };
    confirm(&u.chip, &cx.rows, u.subjects[0].0).unwrap();
    // Row 0 starts at the public value in both traces; row 1 is free without the transition.
    assert_eq!(cx.rows[0][1], cx.rows[0][6]);
    assert_eq!(cx.rows[1][1], cx.rows[1][6]);
    assert_ne!(cx.rows[0][4], cx.rows[1][4]);
}

/// A sorted chain: `next key = key + 1 + diff` where `next_real`, with keys and differences
/// below `2^bits` (the senders' promise).
struct ChainAir;

impl<F> BaseAir<F> for ChainAir {
    fn width(&self) -> usize {
        3
    }
}

impl<AB: AirBuilder> Air<AB> for ChainAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: Vec<AB::Expr> = main.current_slice().iter().map(|&v| v.into()).collect();
        let next: Vec<AB::Expr> = main.next_slice().iter().map(|&v| v.into()).collect();
        let (key, diff, next_real) = (local[0].clone(), local[1].clone(), local[2].clone());
        builder.assert_bool(next_real.clone());
        builder
            .when_transition()
            .assert_zero(next_real * (next[0].clone() - key - AB::Expr::from_u32(1) - diff));
    }
}

fn chain_contract(bits: u32) -> Contract {
    let column = |name: &str, role| Column {
        name: name.to_string(),
        role,
    };
    Contract {
        columns: vec![
            column("key", Role::Input),
            column("diff", Role::Oracle),
            column("next_real", Role::Oracle),
        ],
        real_flags: vec![],
        assumptions: vec![Assumption::Range {
            columns: vec![0, 1],
            bits,
            source: Source::Sender("test"),
        }],
        functions: vec![],
        guarantees: vec!["keys strictly increase"],
        private: vec![],
        reference: "test",
    }
}

#[test]
fn a_sorted_chain_that_can_wrap_around_p_is_found() {
    // Keys and differences below 2^30: key + 1 + diff reaches p, so a key can "increase" back
    // to a smaller one. Below 2^29 it cannot.
    let wraps = |bits| {
        let ir = extract("Chain", &ChainAir, chain_contract(bits)).unwrap();
        lint(&ir).into_iter().find(|f| f.rule == Rule::WrapAround)
    };
    let finding = wraps(30).expect("the wrap-around is found");
    assert!(finding.message.contains("e.g. "), "{}", finding.message);
    assert!(wraps(29).is_none());
}
