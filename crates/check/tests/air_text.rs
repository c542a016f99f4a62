//! The text format for external AIRs (`docs/check-format.md`): the examples parse, a parsed AIR
//! is the same chip as its Rust twin extracted from Plonky3, the checker passes the correct
//! example and catches the planted bug, errors name their line, and no input panics.

use std::path::PathBuf;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder, LookupBus, PermutationCheckBus};
use proptest::prelude::*;
use tessera_check::determinism::{confirm, show, Subject, Verdict};
use tessera_check::ir::Leaf;
use tessera_check::lint::lint;
use tessera_check::print::snapshot;
use tessera_check::report::{check_chip, details, table};
use tessera_check::text::parse;
use tessera_check::{extract, ChipIr, Node, Row, Scope, Var};
use tessera_machine::bus::{lookup_byte, ByteOp};
use tessera_stark::contract::{Column, ContractBuilder};
use tessera_stark::{Assumption, Contract, Role, Source, Val};

use crate::common::solvers;

fn example(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/air")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parsed(name: &str) -> ChipIr {
    parse(&example(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn rows(ir: &ChipIr) -> Vec<(Vec<&str>, Role)> {
    let mut out: Vec<(Vec<&str>, Role)> = Vec::new();
    for c in &ir.contract.columns {
        match out.last_mut() {
            Some((names, role)) if *role == c.role => names.push(&c.name),
            _ => out.push((vec![&c.name], c.role)),
        }
    }
    out
}

#[test]
fn the_examples_parse() {
    let add = parsed("byte_add.air");
    assert_eq!(add.name, "ByteAdd");
    assert_eq!(
        rows(&add),
        vec![
            (vec!["is_real"], Role::Selector),
            (vec!["b", "c"], Role::Input),
            (vec!["a"], Role::Output),
            (vec!["carry"], Role::Oracle),
        ]
    );
    assert_eq!((add.constraints.len(), add.interactions.len()), (3, 3));
    assert_eq!(add.contract.real_flags, vec![0]);
    assert!(add.next_row_columns.is_empty());
    let buggy = parsed("byte_add_buggy.air");
    assert_eq!(buggy.constraints.len(), 2);
    let fib = parsed("fibonacci.air");
    assert_eq!((fib.width, fib.num_public_values), (2, 3));
    assert_eq!(fib.next_row_columns, vec![0, 1]);
    assert_eq!(fib.constraints.len(), 5);
    assert!(lint(&fib).is_empty(), "{:?}", lint(&fib));
}

/// The columns of [`ByteAdd`].
#[repr(C)]
struct Cols<T> {
    is_real: T,
    b: T,
    c: T,
    a: T,
    carry: T,
}

/// The byte adder of `examples/air/byte_add.air`, in Rust, as `docs/check-format.md` writes it.
struct ByteAdd;

impl<F> BaseAir<F> for ByteAdd {
    fn width(&self) -> usize {
        std::mem::size_of::<Cols<u8>>()
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        Vec::new()
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for ByteAdd {
    fn eval(&self, builder: &mut AB) {
        let row = builder.main().current_slice().to_vec();
        let [is_real, b, c, a, carry]: [AB::Expr; 5] = std::array::from_fn(|i| row[i].into());
        builder.assert_bool(is_real.clone());
        builder.assert_bool(carry.clone());
        builder.assert_eq(
            b.clone() + c.clone(),
            a.clone() + AB::Expr::from_u32(256) * carry,
        );
        PermutationCheckBus::new("add8").receive(
            builder,
            [a.clone(), b.clone(), c.clone()],
            Count::bounded(is_real.clone(), 1),
        );
        lookup_byte(
            builder,
            ByteOp::U8Pair,
            [AB::Expr::ZERO, b, c],
            is_real.clone(),
        );
        lookup_byte(
            builder,
            ByteOp::U8Pair,
            [AB::Expr::ZERO, a, AB::Expr::ZERO],
            is_real,
        );
    }
}

fn column(name: &str, role: Role) -> Column {
    Column {
        name: name.to_string(),
        role,
    }
}

fn byte_add_contract() -> Contract {
    Contract {
        columns: vec![
            column("is_real", Role::Selector),
            column("b", Role::Input),
            column("c", Role::Input),
            column("a", Role::Output),
            column("carry", Role::Oracle),
        ],
        real_flags: vec![0],
        assumptions: vec![Assumption::Range {
            columns: vec![1, 2],
            bits: 8,
            source: Source::Lookup,
        }],
        functions: vec![],
        guarantees: vec!["a = (b + c) mod 256, a byte"],
        private: vec![],
        reference: "a = b.wrapping_add(c) for bytes b, c",
    }
}

/// The Fibonacci chip of `examples/air/fibonacci.air`. Columns: x, y; public: start[2], result.
struct Fibonacci;

impl<F> BaseAir<F> for Fibonacci {
    fn width(&self) -> usize {
        2
    }

    fn num_public_values(&self) -> usize {
        3
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for Fibonacci {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let (local, next) = (main.current_slice().to_vec(), main.next_slice().to_vec());
        let pv: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        let [x, y]: [AB::Expr; 2] = std::array::from_fn(|i| local[i].into());
        let [nx, ny]: [AB::Expr; 2] = std::array::from_fn(|i| next[i].into());
        builder.when_first_row().assert_eq(x.clone(), pv[0].clone());
        builder.when_first_row().assert_eq(y.clone(), pv[1].clone());
        builder.when_transition().assert_eq(nx, y.clone());
        builder.when_transition().assert_eq(ny, x + y.clone());
        builder.when_last_row().assert_eq(y, pv[2].clone());
    }
}

/// Every construct of the format at once: preprocessed and public values, powers, negative
/// constants, nested guards, a `let`, a provided table entry and a constant count.
const SINK: &str = r#"
chip Sink
input x
oracle y[2]
preprocessed p
public k
let t = x^3 - 5
assert t = y[0] * -7 + k
when p: when next.p: assert y[1] - next.x
provide byte(y[1]) [x, y[0], y[1], 2^31]
send byte(-3) [x, x, x, x]
"#;

/// The Rust twin of `SINK`. Columns: x, y[0], y[1]; preprocessed: p; public: k.
struct Sink;

impl<F> BaseAir<F> for Sink {
    fn width(&self) -> usize {
        3
    }

    fn preprocessed_width(&self) -> usize {
        1
    }

    fn num_public_values(&self) -> usize {
        1
    }

    fn main_next_row_columns(&self) -> Vec<usize> {
        vec![0]
    }
}

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for Sink {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let (local, next) = (main.current_slice().to_vec(), main.next_slice().to_vec());
        let pre = builder.preprocessed().clone();
        let p: AB::Expr = pre.current_slice()[0].into();
        let p_next: AB::Expr = pre.next_slice()[0].into();
        let k: AB::Expr = builder.public_values()[0].into();
        let [x, y0, y1]: [AB::Expr; 3] = std::array::from_fn(|i| local[i].into());
        let x_next: AB::Expr = next[0].into();
        let t = x.clone() * x.clone() * x.clone() - AB::Expr::from_u32(5);
        builder.assert_eq(t, y0.clone() * -AB::Expr::from_u32(7) + k);
        builder
            .when(p)
            .when(p_next)
            .assert_zero(y1.clone() - x_next);
        LookupBus::new("byte").table_entry(
            builder,
            [x.clone(), y0, y1.clone(), AB::Expr::from_u32(1 << 31)],
            y1,
        );
        LookupBus::new("byte").lookup_key(builder, [x.clone(), x.clone(), x.clone(), x], -3);
    }
}

/// A deterministic stream of field elements.
struct Points(u64);

impl Points {
    fn next(&mut self) -> Val {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Val::from_u32(((self.0 >> 33) as u32) % 0x7f00_0001)
    }
}

/// Every constraint, field and count of `chip` on a random window.
fn evaluate(chip: &ChipIr, seed: u64) -> Vec<Val> {
    let mut points = Points(seed);
    let cells: Vec<Val> = (0..256).map(|_| points.next()).collect();
    let values = chip.ir.eval_all(|leaf| {
        let at = match leaf {
            Leaf::Var(Var::Main(Row::Local, c)) => c as usize,
            Leaf::Var(Var::Main(Row::Next, c)) => 32 + c as usize,
            Leaf::Var(Var::Preprocessed(Row::Local, c)) => 64 + c as usize,
            Leaf::Var(Var::Preprocessed(Row::Next, c)) => 96 + c as usize,
            Leaf::Var(Var::Public(c)) => 128 + c as usize,
            Leaf::Selector(s) => 160 + s as usize,
        };
        cells[at]
    });
    let mut roots = chip.constraints.clone();
    for i in &chip.interactions {
        roots.extend(&i.fields);
        roots.push(i.count);
    }
    roots.iter().map(|&r| values[r as usize]).collect()
}

/// `text` parses to the chip `rust` extracts: same shape, same contract, same values.
fn same_chip(text: &ChipIr, rust: &ChipIr) {
    assert_eq!(text.width, rust.width);
    assert_eq!(text.preprocessed_width, rust.preprocessed_width);
    assert_eq!(text.num_public_values, rust.num_public_values);
    assert_eq!(text.next_row_columns, rust.next_row_columns);
    assert_eq!(text.contract, rust.contract);
    assert_eq!(text.constraints.len(), rust.constraints.len());
    let shape = |c: &ChipIr| {
        c.interactions
            .iter()
            .map(|i| (i.bus.clone(), i.scope.clone(), i.fields.len(), i.weight))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(text), shape(rust));
    // The snapshot prints every node: equal snapshots are equal expression trees.
    assert_eq!(snapshot(text), snapshot(rust));
    for seed in 0..16 {
        assert_eq!(evaluate(text, seed), evaluate(rust, seed), "seed {seed}");
    }
}

#[test]
fn a_parsed_air_is_its_rust_twin() {
    let rust = extract("ByteAdd", &ByteAdd, byte_add_contract()).unwrap();
    same_chip(&parsed("byte_add.air"), &rust);
    let mut contract = Contract {
        columns: vec![column("x", Role::State), column("y", Role::State)],
        real_flags: vec![],
        assumptions: vec![],
        functions: vec![],
        guarantees: vec![],
        private: vec![],
        reference: "y on the last row = F(height) for F(0) = start[0], F(1) = start[1]",
    };
    let rust = extract("Fibonacci", &Fibonacci, contract.clone()).unwrap();
    same_chip(&parsed("fibonacci.air"), &rust);
    contract.columns = vec![
        column("x", Role::Input),
        column("y[0]", Role::Oracle),
        column("y[1]", Role::Oracle),
    ];
    contract.reference = "none declared";
    let rust = extract("Sink", &Sink, contract).unwrap();
    same_chip(&parse(SINK).unwrap(), &rust);
}

/// Local lookups are not in the Rust twin: `extract` memoizes lowered nodes by address, and the
/// counts of local tuples are lowered from one reused temporary, so every tuple after the first
/// gets the first's count. Their expected shape is spelled out here instead.
#[test]
fn local_lookups_follow_the_global_interactions() {
    let text = "chip L\ninput x, y\nsend local 0 (1) [x]\nsend byte(y) [0, 0, x, y]\n\
                receive local 0 (y) [y]\nprovide local 1 (x) [x, y]";
    let chip = parse(text).unwrap();
    let shape: Vec<(String, Scope, u32)> = chip
        .interactions
        .iter()
        .map(|i| (i.bus.clone(), i.scope.clone(), i.weight))
        .collect();
    let local = |n| (format!("local {n}"), Scope::Local(n), 1);
    assert_eq!(
        shape,
        vec![
            ("byte".into(), Scope::Global, 1),
            local(0),
            local(0),
            (String::from("local 1"), Scope::Local(1), 0),
        ]
    );
    let y = Node::Var(Var::Main(Row::Local, 1));
    let x = Node::Var(Var::Main(Row::Local, 0));
    let count = |k: usize| chip.ir.node(chip.interactions[k].count);
    assert_eq!(count(1), Node::Const(1));
    let negated = |k: usize| match count(k) {
        Node::Neg(c) => chip.ir.node(c),
        other => panic!("{other:?}"),
    };
    assert_eq!((negated(2), negated(3)), (y, x));
}

/// The Rust API example of `docs/check-format.md`: a contract from a `ContractBuilder`.
#[test]
fn the_documented_rust_example_passes() {
    let cols = Cols {
        is_real: 0u8,
        b: 0,
        c: 0,
        a: 0,
        carry: 0,
    };
    let contract = ContractBuilder::new(&cols)
        .selector("is_real", &cols.is_real)
        .input("b", &cols.b)
        .input("c", &cols.c)
        .output("a", &cols.a)
        .oracle("carry", &cols.carry)
        .real_when(&[&cols.is_real])
        .assume_range(&cols.b, 8, Source::Lookup)
        .assume_range(&cols.c, 8, Source::Lookup)
        .guarantee("a = (b + c) mod 256, a byte")
        .build("a = b.wrapping_add(c) for bytes b, c");
    let chip = extract("ByteAdd", &ByteAdd, contract).unwrap();
    let report = check_chip(&chip, &solvers(), None, false);
    let printed = format!(
        "{}{}",
        table(std::slice::from_ref(&report)),
        details(&chip, &report)
    );
    assert!(!report.fails(), "{printed}");
    assert_eq!((report.proved(), report.unknown()), (2, 0), "{printed}");
}

#[test]
fn the_correct_example_passes_and_its_output_is_proved() {
    let chip = parsed("byte_add.air");
    assert_eq!(lint(&chip), vec![]);
    let report = check_chip(&chip, &solvers(), None, false);
    let verdicts = report.determinism.as_ref().unwrap();
    for v in verdicts {
        assert!(
            matches!(v.verdict, Verdict::Proved),
            "{}: {:?}",
            v.subject.describe(&chip),
            v.verdict
        );
    }
    let subjects: Vec<Subject> = verdicts.iter().map(|v| v.subject).collect();
    assert!(subjects.contains(&Subject::Column(3)), "{subjects:?}");
    assert!(!report.fails());
}

#[test]
fn the_planted_bug_gives_a_confirmed_counterexample() {
    let chip = parsed("byte_add_buggy.air");
    let report = check_chip(&chip, &solvers(), None, false);
    assert!(report.fails());
    let subject = Subject::Column(3);
    let verdicts = report.determinism.as_ref().unwrap();
    let v = verdicts.iter().find(|v| v.subject == subject).unwrap();
    let Verdict::Counterexample(cx) = &v.verdict else {
        panic!("a: {:?}", v.verdict);
    };
    confirm(&chip, &cx.rows, subject).unwrap();
    assert!(show(&chip, subject, cx).contains('≠'));
}

/// A chip that looks a word up by its key and sends it on: the word is determined only if the
/// table is a function of its key.
fn lookup_chip(function: &str) -> ChipIr {
    let text = format!(
        "chip Lookup\nselector is_real\ninput key\noutput word\nreal is_real\n\
         bus table(key, word)\nbus request(key, word)\nassert bool(is_real)\n\
         receive request(is_real) [key, word]\nsend table(is_real) [key, word]\n\
         send table(is_real) [key + 1, word * 2]\n{function}\n"
    );
    parse(&text).unwrap()
}

#[test]
fn a_lookup_on_a_function_bus_determines_its_value() {
    let verdict = |chip: &ChipIr| {
        let report = check_chip(chip, &solvers(), None, false);
        let verdicts = report.determinism.unwrap();
        let v = verdicts.iter().find(|v| v.subject == Subject::Column(2));
        v.unwrap().verdict.clone()
    };
    let free = lookup_chip("");
    let Verdict::Counterexample(cx) = verdict(&free) else {
        panic!("a table that is not a function fixes nothing");
    };
    confirm(&free, &cx.rows, Subject::Column(2)).unwrap();
    let function = lookup_chip("function table key 1 by \"one row per key\"");
    assert_eq!(function.contract.functions.len(), 1);
    assert!(matches!(verdict(&function), Verdict::Proved));
    // The concrete check holds a model to the function: the same key, two words, is no row.
    let mut rows = cx.rows.clone();
    rows[1][1] = rows[0][1];
    rows[1][2] = rows[0][2] + 1;
    let why = confirm(&function, &rows, Subject::Column(2)).unwrap_err();
    assert!(why.contains("function"), "{why}");
    for (bad, what) in [
        ("function nowhere key 1 by \"x\"", "unknown bus"),
        ("function byte key 1 by \"x\"", "built in"),
        ("function table key 2 by \"x\"", "a key of 2 fields"),
        ("function table by \"x\"", "key N"),
        ("function table key 1", "by"),
    ] {
        let text = format!(
            "chip Lookup\ninput key\nbus table(key, word)\nsend table(1) [key, key]\n{bad}\n"
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains(what) && err.contains("line 5"), "{bad}: {err}");
    }
}

#[test]
fn parse_errors_name_their_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "empty file"),
        ("input x", 1, "`chip NAME` first"),
        ("chip A", 1, "no main column"),
        ("chip A\ninput x\nassert y", 3, "unknown column or name `y`"),
        ("chip A\ninput x\n\noutput x", 4, "`x` is declared twice"),
        ("chip A\ncolumn x", 2, "without a role"),
        ("chip A\ninput x\n\nassert (x + 1", 4, "expected `)`"),
        (
            "chip A\ninput x\nsend foo(1) [x]",
            3,
            "bus `foo` is not declared",
        ),
        (
            "chip A\ninput x\nbus t(a, b)\nsend t(1) [x]",
            4,
            "carries 2 fields (a, b), this message has 1",
        ),
        (
            "chip A\ninput x\nreceive byte(1) [x]",
            3,
            "carries 4 fields",
        ),
        ("chip A\nbus byte(x)", 2, "built in with 4 fields"),
        ("chip A\ninput b[2]\nassert b[2]", 3, "out of range"),
        ("chip A\ninput b[2]\nassert b", 3, "is an array of 2"),
        (
            "chip A\ninput x\nsend byte(1) [\n  x,\n  y,\n  0, 0]",
            5,
            "unknown column or name `y`",
        ),
        (
            "chip A\ninput x\nassume x < 2^40 by lookup",
            3,
            "1 ≤ BITS ≤ 31",
        ),
        ("chip A\ninput x\nassume x < 2^8", 3, "`by lookup`"),
        ("chip A\ninput x\nassert x^17", 3, "above 16"),
        (
            "chip A\ninput x\nassert x $ 1",
            3,
            "unexpected character '$'",
        ),
        ("chip A\ninput x\npublic k\nassert next.k", 4, "no next row"),
        (
            "chip A\ninput x\nsend local 1 (1) [x]",
            3,
            "next new one is local 0",
        ),
        (
            "chip A\ninput x\nguarantee \"open",
            3,
            "unterminated string",
        ),
        (
            "chip A\ninput x\nassert x x",
            3,
            "unexpected `x` after the end",
        ),
        (
            "chip A\ninput x\nwhen x: send byte(1) [x, x, x, x]",
            3,
            "guards constraints",
        ),
        ("chip A\ninput next", 2, "`next` is reserved"),
        ("chip A\ninput x\nreal x\nreal x", 4, "a second `real`"),
        ("chip A\nchip B", 2, "one chip per file"),
        ("chip A\ninput x\nfrobnicate x", 3, "unknown statement"),
    ];
    for &(text, line, message) in cases {
        let e = parse(text)
            .err()
            .unwrap_or_else(|| panic!("{text:?} parsed"));
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.message.contains(message), "{text:?}: {e}");
    }
}

/// The characters of the format, to make random inputs that get past the lexer.
const ALPHABET: &str = "abcxy_019[](),:+-*^=<.#\" \n";

fn mutate(text: &str, edits: &[(usize, usize, u8)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let alphabet: Vec<char> = ALPHABET.chars().collect();
    for &(at, len, what) in edits {
        let at = at % (chars.len() + 1);
        match what % 4 {
            0 => {
                let end = (at + len % 8).min(chars.len());
                chars.drain(at..end);
            }
            1 => chars.insert(at, alphabet[len % alphabet.len()]),
            2 => {
                let end = (at + len % 16).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, copy);
            }
            _ => {
                if !chars.is_empty() {
                    let other = len % chars.len();
                    let (i, j) = (at.min(chars.len() - 1), other);
                    chars.swap(i, j);
                }
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn random_format_text_never_panics(text in "[abcxy_019\\[\\](),:+*^=<.#\" \n-]{0,300}") {
        let _ = parse(&format!("chip A\ninput x, y[2]\n{text}"));
    }

    #[test]
    fn mutated_examples_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<usize>(), any::<usize>(), any::<u8>()), 1..8),
    ) {
        let name = ["byte_add.air", "byte_add_buggy.air", "fibonacci.air"][which];
        let text = mutate(&example(name), &edits);
        let _ = parse(&text);
        let _ = parse(&mutate(SINK, &edits));
    }
}
