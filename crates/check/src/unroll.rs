//! Windows of a trace as one flat row. A chip with transitions (constraints that read the next
//! row or Plonky3's row selectors) is checked on a few rows at once: a cyclic trace of height 2
//! or 4, where every row's constraints hold with the next row read cyclically and the selectors
//! set as Plonky3 sets them, and the induction window, three consecutive rows of a trace of any
//! height of which the first two are constrained. The window is laid out as the one row of a
//! row-independent chip, so every query of the single-row checker applies to it unchanged.
//!
//! Preprocessed cells and public values become input columns of the flat row: the two copies of
//! a determinism query share them, and a model's values for them are real cells the concrete
//! evaluator reads back.

use std::collections::HashMap;

use p3_field::PrimeCharacteristicRing;
use tessera_stark::contract::Column;
use tessera_stark::{Assumption, Contract, Role, Source, Val};

use crate::determinism::Subject;
use crate::extract::{ChipIr, Interaction};
use crate::ir::{Ir, Node, NodeId, Row, Selector, Var};

/// A row selector's value on one row of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    Zero,
    One,
    /// Either: a boolean input column of the flat row, shared by both copies.
    Free,
}

impl Flag {
    fn of(b: bool) -> Self {
        if b {
            Flag::One
        } else {
            Flag::Zero
        }
    }
}

/// One row of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowRow {
    /// Whether the chip's constraints and interactions are instantiated at this row.
    pub constrained: bool,
    /// The row its next-row cells are.
    pub next: usize,
    pub first: Flag,
    /// Plonky3's `is_transition` is `1 − is_last_row`.
    pub last: Flag,
}

/// Which rows of a trace a window covers, and what is asked of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub name: String,
    pub rows: Vec<WindowRow>,
    /// The row whose determined columns are asked about.
    pub subject: usize,
    /// A row whose determined columns both copies share (the induction hypothesis).
    pub hypothesis: Option<usize>,
    /// Rows besides the subject's known to be real, so the senders' assumptions hold there.
    pub real: Vec<usize>,
    /// Cells `(row, column)` both copies share because an earlier window of the same trace
    /// proved them determined.
    pub known: Vec<(usize, u32)>,
}

impl Window {
    /// One row of a row-independent chip.
    pub fn single() -> Self {
        Window {
            name: "one row".into(),
            rows: vec![WindowRow {
                constrained: true,
                next: 0,
                first: Flag::Free,
                last: Flag::Free,
            }],
            subject: 0,
            hypothesis: None,
            real: Vec::new(),
            known: Vec::new(),
        }
    }

    /// Row `subject` of a cyclic trace of `height` rows (at least 2).
    pub fn cyclic(height: usize, subject: usize) -> Self {
        Window {
            name: format!("row {subject} of a cyclic trace of height {height}"),
            rows: (0..height)
                .map(|r| WindowRow {
                    constrained: true,
                    next: (r + 1) % height,
                    first: Flag::of(r == 0),
                    last: Flag::of(r == height - 1),
                })
                .collect(),
            subject,
            hypothesis: None,
            real: Vec::new(),
            known: Vec::new(),
        }
    }

    /// The induction step: rows `i`, `i + 1`, `i + 2` of a trace of any height, `i` not last;
    /// the constraints of rows `i` and `i + 1` hold, both copies agree on row `i`'s determined
    /// columns, and row `i + 1`'s are asked about. (Row `i + 1`'s next row is free: when it is
    /// the last row, its next row is the first, which this window does not tie.)
    pub fn induction() -> Self {
        Window {
            name: "the induction step (row i agreed, row i + 1 asked)".into(),
            rows: vec![
                WindowRow {
                    constrained: true,
                    next: 1,
                    first: Flag::Free,
                    last: Flag::Zero,
                },
                WindowRow {
                    constrained: true,
                    next: 2,
                    first: Flag::Zero,
                    last: Flag::Free,
                },
                WindowRow {
                    constrained: false,
                    next: 2,
                    first: Flag::Zero,
                    last: Flag::Zero,
                },
            ],
            subject: 1,
            hypothesis: Some(0),
            real: Vec::new(),
            known: Vec::new(),
        }
    }
}

impl Window {
    /// Two constrained rows of a trace of any height and the row after them, every row
    /// selector free: what a constraint at row `i` may rely on.
    pub fn any_two() -> Self {
        let row = |next, constrained| WindowRow {
            constrained,
            next,
            first: Flag::Free,
            last: Flag::Free,
        };
        Window {
            name: "two rows of any trace".into(),
            rows: vec![row(1, true), row(2, true), row(2, false)],
            subject: 0,
            hypothesis: None,
            real: Vec::new(),
            known: Vec::new(),
        }
    }
}

/// A window laid out flat.
#[derive(Clone, Debug)]
pub struct Unrolled {
    pub chip: ChipIr,
    /// The columns the modes split on: the subject row's boolean inputs and selectors, and the
    /// free row selectors.
    pub split: Vec<u32>,
    /// Each subject of the subject row, with the chip's own subject it stands for.
    pub subjects: Vec<(Subject, Subject)>,
    /// For each window row, the flat index of each of the chip's constraints there (empty for
    /// a row that is not constrained).
    pub constraint_at: Vec<Vec<usize>>,
    /// The flat node of every chip node on the subject row (empty if it is not constrained).
    pub subject_nodes: Vec<NodeId>,
}

/// The flat layout: per window row, the chip's main then preprocessed columns; then the public
/// values; then the free row selectors.
struct Layout {
    main: usize,
    pre: usize,
    rows: usize,
}

impl Layout {
    fn row_width(&self) -> usize {
        self.main + self.pre
    }
    fn main(&self, row: usize, c: u32) -> u32 {
        (row * self.row_width()) as u32 + c
    }
    fn pre(&self, row: usize, c: u32) -> u32 {
        (row * self.row_width() + self.main) as u32 + c
    }
    fn public(&self, i: u32) -> u32 {
        (self.rows * self.row_width()) as u32 + i
    }
}

/// The flat column of `chip`'s main column `column` on window row `row`.
pub fn flat_column(chip: &ChipIr, row: usize, column: u32) -> u32 {
    (row * (chip.width + chip.preprocessed_width)) as u32 + column
}

/// `chip` over `window`, as a row-independent chip. `subjects` are the chip's own.
pub fn unroll(chip: &ChipIr, window: &Window, subjects: &[Subject]) -> Unrolled {
    let layout = Layout {
        main: chip.width,
        pre: chip.preprocessed_width,
        rows: window.rows.len(),
    };
    let height = window.rows.len();
    let suffix = |r: usize| {
        if height == 1 {
            String::new()
        } else {
            format!("@{r}")
        }
    };
    let mut columns = Vec::new();
    for r in 0..height {
        for (c, col) in chip.contract.columns.iter().enumerate() {
            let known = window.known.contains(&(r, c as u32));
            let role = if col.role == Role::Input || r == window.subject {
                col.role
            } else if (Some(r) == window.hypothesis && col.role.is_determined()) || known {
                Role::Input
            } else {
                Role::Oracle
            };
            columns.push(Column {
                name: format!("{}{}", col.name, suffix(r)),
                role,
            });
        }
        for c in 0..chip.preprocessed_width {
            columns.push(Column {
                name: format!("preprocessed[{c}]{}", suffix(r)),
                role: Role::Input,
            });
        }
    }
    for i in 0..chip.num_public_values {
        columns.push(Column {
            name: format!("public[{i}]"),
            role: Role::Input,
        });
    }
    let mut ir = Ir::new();
    let mut constraints = Vec::new();
    let mut assumptions = Vec::new();
    let mut split = Vec::new();
    // A chip that reads no row selector gets none: a free one would only double the modes.
    let reads_selectors =
        (0..chip.ir.len() as NodeId).any(|n| matches!(chip.ir.node(n), Node::Selector(_)));
    let mut interactions = Vec::new();
    let mut interaction_of = HashMap::new();
    let mut constraint_at = vec![Vec::new(); height];
    let mut subject_nodes = Vec::new();
    for (r, row) in window.rows.iter().enumerate() {
        if !row.constrained {
            continue;
        }
        let mut free = FreeFlags {
            ir: &mut ir,
            columns: &mut columns,
            constraints: &mut constraints,
            assumptions: &mut assumptions,
            split: &mut split,
        };
        let (first, last) = if reads_selectors {
            (row.first, row.last)
        } else {
            (Flag::Zero, Flag::Zero)
        };
        let first = free.flag(&format!("is_first_row{}", suffix(r)), first);
        let last = free.flag(&format!("is_last_row{}", suffix(r)), last);
        let one = ir.constant(Val::ONE);
        let transition = ir.sub(one, last);
        let mut map = Mapper {
            chip,
            layout: &layout,
            row: r,
            next: row.next,
            selectors: [first, last, transition],
            done: Vec::new(),
        };
        for &c in &chip.constraints {
            let m = map.map(&mut ir, c);
            constraint_at[r].push(constraints.len());
            constraints.push(m);
        }
        if r == window.subject && !chip.ir.is_empty() {
            map.map(&mut ir, chip.ir.len() as NodeId - 1);
            subject_nodes = map.done.clone();
        }
        for (k, i) in chip.interactions.iter().enumerate() {
            interaction_of.insert((r, k), interactions.len());
            interactions.push(Interaction {
                bus: i.bus.clone(),
                scope: i.scope.clone(),
                fields: i.fields.iter().map(|&f| map.map(&mut ir, f)).collect(),
                count: map.map(&mut ir, i.count),
                weight: i.weight,
            });
        }
    }
    // The senders' assumptions hold on real rows: the subject row, and those known real.
    let s = window.subject;
    let real_rows = std::iter::once(s).chain(window.real.iter().copied().filter(|&r| r != s));
    for r in real_rows {
        for a in &chip.contract.assumptions {
            let moved: Vec<usize> = a
                .columns()
                .iter()
                .map(|&c| layout.main(r, c as u32) as usize)
                .collect();
            assumptions.push(a.moved(moved));
        }
    }
    let real_flags = chip
        .contract
        .real_flags
        .iter()
        .map(|&f| layout.main(s, f as u32) as usize)
        .collect();
    let width = columns.len();
    let flat = ChipIr {
        name: format!("{} ({})", chip.name, window.name),
        width,
        preprocessed_width: 0,
        num_public_values: 0,
        next_row_columns: Vec::new(),
        ir,
        constraints,
        interactions,
        contract: Contract {
            columns,
            real_flags,
            assumptions,
            functions: chip.contract.functions.clone(),
            guarantees: chip.contract.guarantees.clone(),
            // Private where the subject row's flag says so: the subject row's columns.
            private: chip
                .contract
                .private
                .iter()
                .map(|p| tessera_stark::Private {
                    columns: p
                        .columns
                        .iter()
                        .map(|&c| layout.main(s, c as u32) as usize)
                        .collect(),
                    when: layout.main(s, p.when as u32) as usize,
                    why: p.why,
                })
                .collect(),
            reference: chip.contract.reference,
        },
    };
    let lo = layout.main(s, 0);
    let hi = layout.main(s, chip.width as u32);
    split.extend(
        crate::query::mode_columns(&flat)
            .into_iter()
            .filter(|c| (lo..hi).contains(c)),
    );
    split.sort();
    split.dedup();
    let subjects = subjects
        .iter()
        .filter_map(|&subject| {
            let flat_subject = match subject {
                Subject::Column(c) => Subject::Column(layout.main(s, c)),
                Subject::Answer { interaction, field } => Subject::Answer {
                    interaction: *interaction_of.get(&(s, interaction))?,
                    field,
                },
            };
            Some((flat_subject, subject))
        })
        .collect();
    Unrolled {
        chip: flat,
        split,
        subjects,
        constraint_at,
        subject_nodes,
    }
}

/// What a free row selector adds to the flat row.
struct FreeFlags<'a> {
    ir: &'a mut Ir,
    columns: &'a mut Vec<Column>,
    constraints: &'a mut Vec<NodeId>,
    assumptions: &'a mut Vec<Assumption>,
    split: &'a mut Vec<u32>,
}

impl FreeFlags<'_> {
    /// The node of a row selector: a constant, or a new boolean column both copies share.
    fn flag(&mut self, name: &str, f: Flag) -> NodeId {
        match f {
            Flag::Zero => self.ir.constant(Val::ZERO),
            Flag::One => self.ir.constant(Val::ONE),
            Flag::Free => {
                let c = self.columns.len() as u32;
                self.columns.push(Column {
                    name: name.into(),
                    role: Role::Input,
                });
                let v = self.ir.var(Var::Main(Row::Local, c));
                let one = self.ir.constant(Val::ONE);
                let v1 = self.ir.sub(v, one);
                self.constraints.push(self.ir.mul(v, v1));
                self.assumptions.push(Assumption::Boolean {
                    columns: vec![c as usize],
                    source: Source::Sender("Plonky3's row selectors are 0 or 1"),
                });
                self.split.push(c);
                v
            }
        }
    }
}

/// Copies the chip's nodes into the flat row's IR for one window row.
struct Mapper<'a> {
    chip: &'a ChipIr,
    layout: &'a Layout,
    row: usize,
    next: usize,
    /// first, last, transition.
    selectors: [NodeId; 3],
    /// The flat node of each chip node mapped so far (a prefix of the chip's IR).
    done: Vec<NodeId>,
}

impl Mapper<'_> {
    fn map(&mut self, ir: &mut Ir, id: NodeId) -> NodeId {
        // Children precede parents, so mapping every node up to `id` in order needs no
        // recursion.
        while self.done.len() <= id as usize {
            let n = self.done.len() as NodeId;
            let at = |row: Row| match row {
                Row::Local => self.row,
                Row::Next => self.next,
            };
            let done = &self.done;
            let m = match self.chip.ir.node(n) {
                Node::Var(Var::Main(row, c)) => {
                    ir.var(Var::Main(Row::Local, self.layout.main(at(row), c)))
                }
                Node::Var(Var::Preprocessed(row, c)) => {
                    ir.var(Var::Main(Row::Local, self.layout.pre(at(row), c)))
                }
                Node::Var(Var::Public(i)) => ir.var(Var::Main(Row::Local, self.layout.public(i))),
                Node::Selector(s) => match s {
                    Selector::IsFirstRow => self.selectors[0],
                    Selector::IsLastRow => self.selectors[1],
                    Selector::IsTransition => self.selectors[2],
                },
                Node::Const(c) => ir.intern(Node::Const(c)),
                Node::Add(x, y) => ir.add(done[x as usize], done[y as usize]),
                Node::Sub(x, y) => ir.sub(done[x as usize], done[y as usize]),
                Node::Neg(x) => ir.neg(done[x as usize]),
                Node::Mul(x, y) => ir.mul(done[x as usize], done[y as usize]),
            };
            self.done.push(m);
        }
        self.done[id as usize]
    }
}
