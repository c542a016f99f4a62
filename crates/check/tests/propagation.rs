//! Uniqueness propagation: each rule forces what the inputs determine and nothing else. A rule
//! that forces too much proves a column the solvers would refute, so every rule has a near
//! miss here that it must leave alone.

use tessera_check::query::specialize;
use tessera_check::text::parse;
use tessera_check::ChipIr;

/// A chip with selector `is_real`, the given columns and statements.
fn chip(columns: &str, body: &str) -> ChipIr {
    let text = format!(
        "chip Probe\nselector is_real\n{columns}\nreal is_real\nassert bool(is_real)\n{body}\n"
    );
    parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The names of the columns a real row's inputs force.
fn forced(chip: &ChipIr) -> Vec<String> {
    let system = specialize(chip, &[]).expect("a real row");
    system
        .forced
        .iter()
        .map(|&c| chip.contract.columns[c as usize].name.clone())
        .collect()
}

fn assert_forced(chip: &ChipIr, wanted: &[&str], not: &[&str]) {
    let forced = forced(chip);
    for w in wanted {
        assert!(
            forced.iter().any(|f| f == w),
            "{w} should be forced: {forced:?}"
        );
    }
    for n in not {
        assert!(
            !forced.iter().any(|f| f == n),
            "{n} must not be forced: {forced:?}"
        );
    }
}

const BYTES: &str = "let U8PAIR = 3\nsend byte(is_real) [U8PAIR, 0, lo, hi]";

#[test]
fn unique_digits_are_forced() {
    let c = chip(
        "input x\noutput lo, hi",
        &format!("{BYTES}\nassert x = lo + 256 * hi"),
    );
    assert_forced(&c, &["lo", "hi"], &[]);
    // Weights 1 and 255 on bytes: 255 = 255·1 + 0 = 0 + 1·255.
    let c = chip(
        "input x\noutput lo, hi",
        &format!("{BYTES}\nassert x = lo + 255 * hi"),
    );
    assert_forced(&c, &[], &["lo", "hi"]);
}

#[test]
fn digits_that_reach_p_are_not_forced() {
    let halves = "assume lo, hi < 2^16 by sender \"halves\"";
    let c = chip(
        "input x\noutput lo, hi",
        &format!("{halves}\nassert x = lo + 65536 * hi"),
    );
    assert_forced(&c, &[], &["lo", "hi"]);
    // The 16-bit check of 4·hi bounds hi below 2^14 only because hi is a half already.
    let scaled = "assume y < 2^16 by sender \"checked\"\nassert y = 4 * hi";
    let c = chip(
        "input x\noutput lo, hi, y",
        &format!("{halves}\n{scaled}\nassert x = lo + 65536 * hi"),
    );
    assert_forced(&c, &["lo", "hi"], &[]);
    let c = chip(
        "input x\noutput lo, hi, y",
        &format!("assume lo < 2^16 by sender \"a half\"\n{scaled}\nassert x = lo + 65536 * hi"),
    );
    assert_forced(&c, &[], &["lo", "hi"]);
}

#[test]
fn a_one_hot_group_is_one_digit() {
    let lanes = "assert bool(l0)\nassert bool(l1)\nassert bool(l2)\nassert bool(l3)\n\
                 assert l0 + l1 + l2 + l3 = 1\nassume rest < 2^14 by sender \"a word index\"";
    let c = chip(
        "input x\noutput l0, l1, l2, l3, rest",
        &format!("{lanes}\nassert x = 4 * rest + l1 + 2 * l2 + 3 * l3"),
    );
    assert_forced(&c, &["l1", "l2", "l3", "rest", "l0"], &[]);
    // Without the group, l1 + l2 and l3 both make 3.
    let free = lanes.replace("assert l0 + l1 + l2 + l3 = 1\n", "");
    let c = chip(
        "input x\noutput l0, l1, l2, l3, rest",
        &format!("{free}\nassert x = 4 * rest + l1 + 2 * l2 + 3 * l3"),
    );
    assert_forced(&c, &[], &["l1", "l2", "l3"]);
}

#[test]
fn an_is_zero_result_is_forced_by_both_of_its_constraints() {
    let columns = "input x\noracle inv\noutput r";
    let both = "assert x * inv = 1 - r\nassert x * r = 0";
    assert_forced(&chip(columns, both), &["r"], &["inv"]);
    assert_forced(&chip(columns, "assert x * inv = 1 - r"), &[], &["r"]);
    assert_forced(&chip(columns, "assert x * r = 0"), &[], &["r"]);
}

#[test]
fn an_output_is_asked_where_it_is_sent() {
    use tessera_check::determinism::{check_determinism, Subject, Verdict};
    let verdict = |c: &ChipIr| {
        let m = c
            .contract
            .columns
            .iter()
            .position(|col| col.name == "m")
            .unwrap();
        let verdicts = check_determinism(c, &super::common::solvers()).unwrap();
        let v = verdicts
            .iter()
            .find(|v| v.subject == Subject::Column(m as u32));
        v.unwrap().verdict.clone()
    };
    // Sent only where `sel` is 1, and determined there: nothing sees it where `sel` is 0.
    let sent = "bus out(v)\nassert bool(sel)\nsend out(sel) [m]";
    let guarded = chip(
        "input sel, x\noutput m",
        &format!("{sent}\nassert sel * (m - x) = 0"),
    );
    assert!(matches!(verdict(&guarded), Verdict::Proved));
    // Sent where `sel` is 1 but not determined there.
    let loose = chip(
        "input sel, x\noutput m\noracle w",
        &format!("{sent}\nassert sel * (m - x - w) = 0"),
    );
    assert!(matches!(verdict(&loose), Verdict::Counterexample(_)));
    // Sent nowhere: asked in every mode, a counterexample where `sel` is 0.
    let unsent = chip(
        "input sel, x\noutput m",
        "assert bool(sel)\nassert sel * (m - x) = 0",
    );
    assert!(matches!(verdict(&unsent), Verdict::Counterexample(_)));
    // Read by nothing at all: a counterexample (and a lint finding), not a pass.
    let unread = chip("input x\noutput m", "assert x * 0 = 0");
    assert!(matches!(verdict(&unread), Verdict::Counterexample(_)));
}

/// `s·d = r` in `F[z]/(z^2 − w)`, with `d` and `r` inputs, and `d·v = c` for the oracle `v`
/// and the constant `c = (c0, c1)` (no such witness if `c` is `None`).
fn product(w: u32, c: Option<(u32, u32)>) -> ChipIr {
    let witness = match c {
        Some((c0, c1)) => {
            format!("assert v0 * d0 + {w} * v1 * d1 = {c0}\nassert v0 * d1 + v1 * d0 = {c1}")
        }
        None => "assert v0 = v1".into(),
    };
    chip(
        "input d0, d1, r0, r1\noutput s0, s1\noracle v0, v1",
        &format!("assert s0 * d0 + {w} * s1 * d1 = r0\nassert s0 * d1 + s1 * d0 = r1\n{witness}"),
    )
}

#[test]
fn a_product_with_an_inverse_witness_is_forced() {
    // 3 is not a square mod p, so F[z]/(z^2 − 3) is a field; d·v = 1 says d ≠ 0, and
    // multiplying by a nonzero d is invertible.
    assert_forced(&product(3, Some((1, 0))), &["s0", "s1", "v0", "v1"], &[]);
    // Without a witness d may be 0, and then any s passes.
    assert_forced(&product(3, None), &[], &["s0", "s1"]);
    // d·v = 0 says nothing.
    assert_forced(&product(3, Some((0, 0))), &[], &["s0", "s1"]);
}

#[test]
fn a_witness_in_a_ring_with_zero_divisors_forces_nothing() {
    // F[z]/(z^2 − 4) is F × F (z ↦ ±2). The witness says d·v = e, the idempotent (1 + z/2)/2
    // (coordinates 1/2 and 1/4): d = e passes it with v = e, and then s·e = r leaves half of s
    // free.
    let (half, quarter) = (1_065_353_217, 1_598_029_825);
    assert_forced(&product(4, Some((half, quarter))), &[], &["s0", "s1"]);
}

#[test]
fn a_square_root_is_found_up_to_sign_only_in_a_field() {
    let groups = |square: &str| -> Vec<Vec<String>> {
        let c = chip(
            "input x0, x1\noutput u0, u1",
            &format!("assert {square} = x0\nassert 2 * u0 * u1 = x1"),
        );
        let system = specialize(&c, &[]).expect("a real row");
        tessera_check::extension::square_root_groups(&system, &system.forced)
            .iter()
            .map(|g| {
                g.iter()
                    .map(|&x| c.contract.columns[x as usize].name.clone())
                    .collect()
            })
            .collect()
    };
    assert_eq!(groups("u0 * u0 + 3 * u1 * u1"), vec![vec!["u0", "u1"]]);
    // z^2 − 4 is reducible: u^2 = x may have four roots.
    assert!(groups("u0 * u0 + 4 * u1 * u1").is_empty());
    // A linear term breaks the symmetry u ↦ −u.
    assert!(groups("u0 * u0 + 3 * u1 * u1 + u0").is_empty());
}
