//! LogUp boundary batching: the root is zero exactly when every identity holds (the constraint
//! check, the terminals with the public bus ends, the zero slots), and a nonzero zero-slot value
//! that would cancel a boundary term at the same power of γ does not cancel it.

use p3_field::{Field, PrimeCharacteristicRing};
use tessera_circuit::{
    batch_logup_boundary, BoundaryConfig, BoundaryError, BusFraction, DagBuilder, InputKey,
    MessageElement,
};
use tessera_stark::{Challenge, Val};

const ALPHA: InputKey = InputKey::LookupChallenge { chip: 0, index: 0 };
const BETA: InputKey = InputKey::LookupChallenge { chip: 0, index: 1 };

fn terminal(chip: u16) -> InputKey {
    InputKey::Terminal { chip, index: 0 }
}

fn e(v: u32) -> Challenge {
    Challenge::from(Val::from_u32(v))
}

/// Two chips' terminals in the sum, one padding slot, and two public bus ends: a send of
/// `(7, public 0)` on bus 3 and a receive of `(public 1)` on bus 5.
fn config() -> BoundaryConfig {
    BoundaryConfig {
        sum_terminals: vec![terminal(0), terminal(1)],
        zero_terminals: vec![terminal(2)],
        fractions: vec![
            BusFraction {
                bus: 3,
                message: vec![
                    MessageElement::Constant(Val::from_u32(7)),
                    MessageElement::Public { chip: 0, index: 0 },
                ],
                send: true,
            },
            BusFraction {
                bus: 5,
                message: vec![MessageElement::Public { chip: 0, index: 1 }],
                send: false,
            },
        ],
        scalar_corrections: 1,
        encoding: Some((ALPHA, BETA)),
    }
}

/// The fractions' native sum `Σ ±1/encode`, with W = 2.
fn fractions(alpha: Challenge, beta: Challenge, p0: Challenge, p1: Challenge) -> Challenge {
    let send = alpha + e(4) * beta * beta + e(7) + beta * p0;
    let receive = alpha + e(6) * beta * beta + p1;
    send.inverse() - receive.inverse()
}

struct Values {
    check: Challenge,
    t0: Challenge,
    correction: Challenge,
    padding: Challenge,
    gamma: Challenge,
}

fn root(v: &Values) -> (Challenge, Challenge, Challenge) {
    let mut b = DagBuilder::new();
    let check = b.input(InputKey::Alpha);
    let batched = batch_logup_boundary(&mut b, check, &config()).unwrap();
    let dag = b.finish();
    let (alpha, beta, p0, p1) = (e(11), e(13), e(17), e(19));
    // Terminal 1 balances the rest: t0 + t1 + correction + fractions = 0.
    let t1 = -(e(100) + e(5) + fractions(alpha, beta, p0, p1));
    let value = |k: &InputKey| match *k {
        InputKey::Alpha => v.check,
        InputKey::Gamma => v.gamma,
        InputKey::ScalarCorrection { .. } => v.correction,
        InputKey::Terminal { chip: 0, .. } => v.t0,
        InputKey::Terminal { chip: 1, .. } => t1,
        InputKey::Terminal { chip: 2, .. } => v.padding,
        InputKey::Public { index: 0, .. } => p0,
        InputKey::Public { index: 1, .. } => p1,
        k if k == ALPHA => alpha,
        k if k == BETA => beta,
        k => panic!("unexpected input {k:?}"),
    };
    let eval = |n| dag.eval(n, value).unwrap();
    (
        eval(batched.root),
        eval(batched.boundary),
        eval(batched.zero),
    )
}

fn honest() -> Values {
    Values {
        check: Challenge::ZERO,
        t0: e(100),
        correction: e(5),
        padding: Challenge::ZERO,
        gamma: e(0x1234_5678),
    }
}

#[test]
fn the_root_is_zero_when_every_identity_holds() {
    assert_eq!(
        root(&honest()),
        (Challenge::ZERO, Challenge::ZERO, Challenge::ZERO)
    );
}

#[test]
fn each_broken_identity_moves_the_root() {
    let broken = [
        Values {
            check: Challenge::ONE,
            ..honest()
        },
        Values {
            t0: e(101),
            ..honest()
        },
        Values {
            correction: e(6),
            ..honest()
        },
        Values {
            padding: Challenge::ONE,
            ..honest()
        },
    ];
    for v in &broken {
        assert_ne!(root(v).0, Challenge::ZERO);
    }
}

#[test]
fn a_zero_slot_cannot_cancel_the_boundary() {
    // The boundary is `sum·D + N`; make the zero slot its negation so that, at one power of γ,
    // the two would cancel.
    let off = Values {
        t0: e(101),
        ..honest()
    };
    let (_, boundary, _) = root(&off);
    assert_ne!(boundary, Challenge::ZERO);
    let cancelling = Values {
        padding: -boundary,
        ..off
    };
    let (root_value, boundary, zero) = root(&cancelling);
    assert_eq!(
        boundary + zero,
        Challenge::ZERO,
        "they would cancel at one power"
    );
    assert_ne!(root_value, Challenge::ZERO, "at γ and γ² they do not");
}

#[test]
fn fractions_without_an_encoding_are_an_error() {
    let mut b = DagBuilder::new();
    let check = b.zero();
    let config = BoundaryConfig {
        encoding: None,
        ..config()
    };
    assert_eq!(
        batch_logup_boundary(&mut b, check, &config).map(|_| ()),
        Err(BoundaryError::MissingEncoding)
    );
}
