//! A line-oriented text format for AIRs that are not Tessera's: an auditor writes a chip's
//! columns, constraints, bus interactions and contract by hand and checks it as Tessera's own
//! chips are checked. [`parse`] lowers a file into the [`ChipIr`] that [`crate::extract()`] would
//! produce from the same AIR written in Rust: the same node shapes (Plonky3's symbolic builder
//! folds constants and drops `+ 0`, `· 1`, so this does too), receives as negated counts, locals
//! after the global interactions. The format is specified in `docs/check-format.md`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use tessera_machine::bus::{ALU_BUS, BYTE_BUS};
use tessera_stark::contract::Column;
use tessera_stark::{Assumption, Contract, Function, Role, Source};

use crate::extract::{ChipIr, Interaction, Scope};
use crate::ir::{Ir, Node, NodeId, Row, Var};
use crate::specialize::signed;

mod expr;
mod lex;

use lex::{error, lex, Cursor};

/// Caps that keep a hostile or mistyped file from exhausting memory or overflowing a degree.
const MAX_CELLS: u64 = 1 << 16;
const MAX_DEGREE: u32 = 1 << 12;
const MAX_POWER: u64 = 16;
const MAX_DEPTH: usize = 128;

/// Names an expression reads as something other than a declared name.
const RESERVED: &[&str] = &["next", "first", "last", "transition", "bool", "local"];

/// Why a file is not a chip: the line (1-based) and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

type Result<T> = std::result::Result<T, ParseError>;

/// What a declared name stands for; `len` is the length of an array, `None` for one cell.
#[derive(Clone, Copy, Debug)]
enum Name {
    Main { first: usize, len: Option<usize> },
    Preprocessed { first: usize, len: Option<usize> },
    Public { first: usize, len: Option<usize> },
    Let(NodeId),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Send,
    Receive,
    Provide,
}

/// An assumption before its strings are made `'static`.
struct PendingAssumption {
    columns: Vec<usize>,
    /// `None` for booleanity.
    bits: Option<u32>,
    /// `None` for the chip's own lookups.
    sender: Option<String>,
}

/// A local lookup: the arity of its tuples and the tuples.
struct Local {
    arity: usize,
    tuples: Vec<Interaction>,
}

struct Parser {
    chip: String,
    chip_line: usize,
    columns: Vec<Column>,
    names: HashMap<String, Name>,
    preprocessed: usize,
    public: usize,
    /// Each bus's field names, and whether it is built in.
    buses: HashMap<String, (Vec<String>, bool)>,
    real: Option<Vec<usize>>,
    assumptions: Vec<PendingAssumption>,
    /// `(bus, key fields, why)` of each `function` statement.
    functions: Vec<(String, usize, String)>,
    guarantees: Vec<String>,
    reference: Option<String>,
    ir: Ir,
    constraints: Vec<NodeId>,
    globals: Vec<Interaction>,
    locals: Vec<Local>,
}

/// Parses one chip written in the format of `docs/check-format.md`.
///
/// The contract's strings (guarantees, reference, senders' reasons) are `&'static str`, as
/// Tessera's contracts are written in code, so a parsed chip's strings are leaked: parse a
/// file once per run.
pub fn parse(text: &str) -> Result<ChipIr> {
    let statements = lex(text)?;
    let Some((first, rest)) = statements.split_first() else {
        return error(1, "empty file: it must start with `chip NAME`");
    };
    let mut cur = Cursor {
        toks: first,
        pos: 0,
    };
    if !cur.eat_keyword("chip") {
        return cur.expected("`chip NAME` first");
    }
    let chip = cur.ident("the chip's name")?;
    cur.end()?;
    let mut buses = HashMap::new();
    let names = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    buses.insert(BYTE_BUS.to_string(), (names(&["op", "a", "b", "c"]), true));
    let alu = ["op", "a_lo", "a_hi", "b_lo", "b_hi", "c_lo", "c_hi"];
    buses.insert(ALU_BUS.to_string(), (names(&alu), true));
    let mut p = Parser {
        chip,
        chip_line: first[0].line,
        columns: Vec::new(),
        names: HashMap::new(),
        preprocessed: 0,
        public: 0,
        buses,
        real: None,
        assumptions: Vec::new(),
        functions: Vec::new(),
        guarantees: Vec::new(),
        reference: None,
        ir: Ir::new(),
        constraints: Vec::new(),
        globals: Vec::new(),
        locals: Vec::new(),
    };
    for toks in rest {
        let mut cur = Cursor { toks, pos: 0 };
        p.statement(&mut cur)?;
        cur.end()?;
    }
    p.finish()
}

impl Parser {
    fn statement(&mut self, cur: &mut Cursor) -> Result<()> {
        let line = cur.line();
        let keyword = cur.ident("a statement (a declaration, `assert`, `send`, ...)")?;
        match keyword.as_str() {
            "input" => self.declare(cur, Role::Input),
            "output" => self.declare(cur, Role::Output),
            "oracle" => self.declare(cur, Role::Oracle),
            "state" => self.declare(cur, Role::State),
            "selector" => self.declare(cur, Role::Selector),
            "preprocessed" | "public" => self.declare_other(cur, keyword == "public"),
            "column" => error(
                line,
                "a column without a role: declare it with input, output, oracle, state or \
                 selector",
            ),
            "real" => self.real(cur),
            "bus" => self.bus(cur),
            "let" => {
                let name = self.fresh(cur)?;
                cur.expect_sym('=')?;
                let id = self.expr(cur, 0)?;
                self.names.insert(name, Name::Let(id));
                Ok(())
            }
            "assert" | "when" => {
                cur.pos -= 1;
                let c = self.constraint(cur, 0)?;
                self.constraints.push(c);
                Ok(())
            }
            "send" => self.interaction(cur, Direction::Send),
            "receive" => self.interaction(cur, Direction::Receive),
            "provide" => self.interaction(cur, Direction::Provide),
            "assume" => self.assume(cur),
            "function" => self.function(cur),
            "guarantee" => {
                let g = cur.string("the guarantee, in quotes")?;
                self.guarantees.push(g);
                Ok(())
            }
            "reference" => {
                let r = cur.string("the reference semantics, in quotes")?;
                if self.reference.replace(r).is_some() {
                    return error(line, "a second `reference`");
                }
                Ok(())
            }
            "chip" => error(line, "a second `chip`: one chip per file"),
            other => error(line, format!("unknown statement `{other}`")),
        }
    }

    /// A new name, not reserved and not declared yet.
    fn fresh(&mut self, cur: &mut Cursor) -> Result<String> {
        let name = cur.ident("a name")?;
        if RESERVED.contains(&name.as_str()) {
            return error(cur.line(), format!("`{name}` is reserved"));
        }
        if self.names.contains_key(&name) {
            return error(cur.line(), format!("`{name}` is declared twice"));
        }
        Ok(name)
    }

    /// `NAME` or `NAME[N]`, with the array length.
    fn declared(&mut self, cur: &mut Cursor, total: usize) -> Result<(String, Option<usize>)> {
        let name = self.fresh(cur)?;
        let len = if cur.eat_sym('[') {
            let n = cur.int("the array's length")?;
            cur.expect_sym(']')?;
            if n == 0 || total as u64 + n > MAX_CELLS {
                return cur.fail(format!("an array of length 1 to {MAX_CELLS} (in all)"));
            }
            Some(n as usize)
        } else {
            None
        };
        if total as u64 >= MAX_CELLS {
            return cur.fail(format!("more than {MAX_CELLS} columns"));
        }
        Ok((name, len))
    }

    fn declare(&mut self, cur: &mut Cursor, role: Role) -> Result<()> {
        loop {
            let (name, len) = self.declared(cur, self.columns.len())?;
            let first = self.columns.len();
            match len {
                None => self.columns.push(Column {
                    name: name.clone(),
                    role,
                }),
                Some(n) => self.columns.extend((0..n).map(|i| Column {
                    name: format!("{name}[{i}]"),
                    role,
                })),
            }
            self.names.insert(name, Name::Main { first, len });
            if !cur.eat_sym(',') {
                return Ok(());
            }
        }
    }

    fn declare_other(&mut self, cur: &mut Cursor, public: bool) -> Result<()> {
        loop {
            let total = if public {
                self.public
            } else {
                self.preprocessed
            };
            let (name, len) = self.declared(cur, total)?;
            let count = if public {
                &mut self.public
            } else {
                &mut self.preprocessed
            };
            let first = *count;
            *count += len.unwrap_or(1);
            let entry = if public {
                Name::Public { first, len }
            } else {
                Name::Preprocessed { first, len }
            };
            self.names.insert(name, entry);
            if !cur.eat_sym(',') {
                return Ok(());
            }
        }
    }

    /// A comma-separated list of main columns: `x`, `b[2]`, or a whole array `b`.
    fn column_list(&mut self, cur: &mut Cursor) -> Result<Vec<usize>> {
        let mut columns = Vec::new();
        loop {
            let name = cur.ident("a column")?;
            let index = self.index(cur)?;
            match self.names.get(&name) {
                Some(&Name::Main { first, len }) => match (len, index) {
                    (Some(n), None) => columns.extend(first..first + n),
                    _ => columns.push(cell(cur, &name, first, len, index)?),
                },
                Some(_) => return cur.fail(format!("`{name}` is not a main column")),
                None => return cur.fail(format!("unknown column `{name}`")),
            }
            if !cur.eat_sym(',') {
                return Ok(columns);
            }
        }
    }

    fn index(&mut self, cur: &mut Cursor) -> Result<Option<u64>> {
        if !cur.eat_sym('[') {
            return Ok(None);
        }
        let i = cur.int("an index")?;
        cur.expect_sym(']')?;
        Ok(Some(i))
    }

    fn real(&mut self, cur: &mut Cursor) -> Result<()> {
        let line = cur.line();
        let flags = self.column_list(cur)?;
        if self.real.replace(flags).is_some() {
            return error(line, "a second `real`");
        }
        Ok(())
    }

    fn bus(&mut self, cur: &mut Cursor) -> Result<()> {
        let line = cur.line();
        let name = cur.ident("the bus's name")?;
        if name == "local" {
            return error(line, "`local` lookups need no declaration");
        }
        cur.expect_sym('(')?;
        let mut fields = Vec::new();
        if !cur.eat_sym(')') {
            loop {
                fields.push(cur.ident("a field name")?);
                if !cur.eat_sym(',') {
                    break;
                }
            }
            cur.expect_sym(')')?;
        }
        match self.buses.get(&name) {
            Some((known, true)) if known.len() == fields.len() => Ok(()),
            Some((known, true)) => error(
                line,
                format!(
                    "bus `{name}` is built in with {} fields ({})",
                    known.len(),
                    known.join(", ")
                ),
            ),
            Some(_) => error(line, format!("bus `{name}` is declared twice")),
            None => {
                self.buses.insert(name, (fields, false));
                Ok(())
            }
        }
    }

    /// `when C: ... assert E [= F]`, as `C·(E − F)` (Plonky3's `when(C).assert_eq(E, F)`).
    fn constraint(&mut self, cur: &mut Cursor, depth: usize) -> Result<NodeId> {
        if depth > MAX_DEPTH {
            return cur.fail("too many nested `when`s");
        }
        if cur.eat_keyword("when") {
            let condition = self.expr(cur, 0)?;
            cur.expect_sym(':')?;
            let inner = self.constraint(cur, depth + 1)?;
            return self.mul(cur, condition, inner);
        }
        if !cur.eat_keyword("assert") {
            return cur.expected("`assert` or `when` (a `when` guards constraints only)");
        }
        let lhs = self.expr(cur, 0)?;
        if cur.eat_sym('=') {
            let rhs = self.expr(cur, 0)?;
            return Ok(self.sub(lhs, rhs));
        }
        Ok(lhs)
    }

    fn interaction(&mut self, cur: &mut Cursor, direction: Direction) -> Result<()> {
        let line = cur.line();
        let local = if cur.eat_keyword("local") {
            let n = cur.int("the local lookup's number")?;
            if n > self.locals.len() as u64 {
                return cur.fail(format!(
                    "local lookups are numbered from 0 in order: the next new one is local {}",
                    self.locals.len()
                ));
            }
            Some(n as usize)
        } else {
            None
        };
        let bus = match local {
            Some(n) => format!("local {n}"),
            None => cur.ident("a bus name or `local N`")?,
        };
        cur.expect_sym('(')?;
        let count = self.expr(cur, 0)?;
        cur.expect_sym(')')?;
        cur.expect_sym('[')?;
        let mut fields = Vec::new();
        if !cur.eat_sym(']') {
            loop {
                fields.push(self.expr(cur, 0)?);
                if !cur.eat_sym(',') {
                    break;
                }
            }
            cur.expect_sym(']')?;
        }
        let weight = if cur.eat_keyword("weight") {
            let w = cur.int("the count's bound")?;
            if direction == Direction::Provide {
                return cur.fail("a provided entry's weight is 0: `weight` does not apply");
            }
            Some(u32::try_from(w).or_else(|_| cur.fail("a weight below 2^32"))?)
        } else {
            None
        };
        let weight = match (direction, weight, self.ir.node(count)) {
            (Direction::Provide, ..) => 0,
            (_, Some(w), _) => w,
            // A constant count is its own bound, as Plonky3's `Count::from` sets it.
            (_, None, Node::Const(c)) => signed(c).unsigned_abs() as u32,
            (_, None, _) => 1,
        };
        let count = match direction {
            Direction::Send => count,
            Direction::Receive | Direction::Provide => self.neg(count),
        };
        let interaction = Interaction {
            bus: bus.clone(),
            scope: local.map_or(Scope::Global, Scope::Local),
            fields,
            count,
            weight,
        };
        let arity = interaction.fields.len();
        match local {
            Some(n) if n == self.locals.len() => self.locals.push(Local {
                arity,
                tuples: vec![interaction],
            }),
            Some(n) if self.locals[n].arity != arity => {
                return error(
                    line,
                    format!(
                        "local {n}'s tuples have {} fields, this one has {arity}",
                        self.locals[n].arity
                    ),
                )
            }
            Some(n) => self.locals[n].tuples.push(interaction),
            None => {
                let Some((layout, _)) = self.buses.get(&bus) else {
                    return error(
                        line,
                        format!("bus `{bus}` is not declared: add `bus {bus}(field, ...)`"),
                    );
                };
                if layout.len() != arity {
                    return error(
                        line,
                        format!(
                            "bus `{bus}` carries {} fields ({}), this message has {arity}",
                            layout.len(),
                            layout.join(", ")
                        ),
                    );
                }
                self.globals.push(interaction);
            }
        }
        Ok(())
    }

    fn assume(&mut self, cur: &mut Cursor) -> Result<()> {
        let columns = self.column_list(cur)?;
        let bits = if cur.eat_sym('<') {
            Some(bound(cur)?)
        } else if cur.eat_keyword("boolean") {
            None
        } else {
            return cur.expected("`< 2^BITS` or `boolean`");
        };
        if !cur.eat_keyword("by") {
            return cur.expected("`by lookup` or `by sender \"why\"`");
        }
        let sender = if cur.eat_keyword("lookup") {
            None
        } else if cur.eat_keyword("sender") {
            Some(cur.string("why the sender makes it true, in quotes")?)
        } else {
            return cur.expected("`lookup` or `sender \"why\"`");
        };
        self.assumptions.push(PendingAssumption {
            columns,
            bits,
            sender,
        });
        Ok(())
    }

    fn function(&mut self, cur: &mut Cursor) -> Result<()> {
        let line = cur.line();
        let bus = cur.ident("the bus's name")?;
        let fields = match self.buses.get(&bus) {
            None => return error(line, format!("unknown bus `{bus}`")),
            Some((_, true)) => {
                return error(
                    line,
                    format!("`{bus}` is built in: the checker knows what it answers"),
                )
            }
            Some((fields, false)) => fields.len(),
        };
        if !cur.eat_keyword("key") {
            return cur.expected("`key N` (how many leading fields are the key)");
        }
        let key = cur.int("the number of key fields")?;
        if key == 0 || key >= fields as u64 {
            return error(
                line,
                format!("a key of {key} fields: the bus has {fields}, and a function needs a key and a value"),
            );
        }
        if !cur.eat_keyword("by") {
            return cur.expected("`by \"why\"`");
        }
        let why = cur.string("who makes the bus a function, in quotes")?;
        self.functions.push((bus, key as usize, why));
        Ok(())
    }

    fn finish(self) -> Result<ChipIr> {
        if self.columns.is_empty() {
            return error(
                self.chip_line,
                format!("chip {} has no main column", self.chip),
            );
        }
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let assumptions = self
            .assumptions
            .into_iter()
            .map(|a| {
                let source = a.sender.map_or(Source::Lookup, |s| Source::Sender(leak(s)));
                match a.bits {
                    Some(bits) => Assumption::Range {
                        columns: a.columns,
                        bits,
                        source,
                    },
                    None => Assumption::Boolean {
                        columns: a.columns,
                        source,
                    },
                }
            })
            .collect();
        let contract = Contract {
            columns: self.columns,
            real_flags: self.real.unwrap_or_default(),
            assumptions,
            functions: self
                .functions
                .into_iter()
                .map(|(bus, key_fields, why)| Function {
                    bus: leak(bus),
                    key_fields,
                    why: leak(why),
                })
                .collect(),
            guarantees: self.guarantees.into_iter().map(leak).collect(),
            private: Vec::new(),
            reference: leak(self.reference.unwrap_or_else(|| "none declared".into())),
        };
        let mut interactions = self.globals;
        interactions.extend(self.locals.into_iter().flat_map(|l| l.tuples));
        let mut roots = self.constraints.clone();
        for i in &interactions {
            roots.extend(&i.fields);
            roots.push(i.count);
        }
        let next: BTreeSet<usize> = roots
            .iter()
            .flat_map(|&r| self.ir.vars_of(r))
            .filter_map(|v| match v {
                Var::Main(Row::Next, c) => Some(c as usize),
                _ => None,
            })
            .collect();
        Ok(ChipIr {
            name: self.chip,
            width: contract.width(),
            preprocessed_width: self.preprocessed,
            num_public_values: self.public,
            next_row_columns: next.into_iter().collect(),
            ir: self.ir,
            constraints: self.constraints,
            interactions,
            contract,
        })
    }
}

/// The cell `name[index]` (or the single cell `name`) of a name declared at `first`.
fn cell(
    cur: &Cursor,
    name: &str,
    first: usize,
    len: Option<usize>,
    index: Option<u64>,
) -> Result<usize> {
    match (len, index) {
        (None, None) => Ok(first),
        (None, Some(_)) => cur.fail(format!("`{name}` is not an array")),
        (Some(n), None) => cur.fail(format!(
            "`{name}` is an array of {n}: write `{name}[i]` with i < {n}"
        )),
        (Some(n), Some(i)) if i < n as u64 => Ok(first + i as usize),
        (Some(n), Some(i)) => cur.fail(format!("index {i} is out of range for `{name}[{n}]`")),
    }
}

/// A range bound `2^BITS` (or the power of two written out) with `1 ≤ BITS ≤ 31`.
fn bound(cur: &mut Cursor) -> Result<u32> {
    let base = cur.int("a bound `2^BITS`")?;
    let bits = if cur.eat_sym('^') {
        let e = cur.int("the bound's exponent")?;
        if base != 2 {
            return cur.fail("a range bound is a power of two: `2^BITS`");
        }
        e
    } else if base.is_power_of_two() {
        base.trailing_zeros() as u64
    } else {
        return cur.fail(format!("a range bound is a power of two, not {base}"));
    };
    if !(1..=31).contains(&bits) {
        return cur.fail("a range bound is 2^BITS with 1 ≤ BITS ≤ 31");
    }
    Ok(bits as u32)
}
