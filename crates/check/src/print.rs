//! Printing a chip: the committed snapshot (columns with roles, assumptions, constraints and
//! interactions, shared sub-expressions as `let`s) and the Garden-style circuit term
//! (`Pure` / `AssertZero` / `Call` / `Let` / `When`, a `When` per selector-guarded block).

use std::fmt::Write;

use tessera_stark::{Assumption, Role, Source};

use crate::extract::{ChipIr, Scope};
use crate::ir::{Node, NodeId, Row, Selector, Var};

const P: u32 = 0x7f00_0001;

/// Names the leaves of one chip.
pub struct Namer<'a> {
    chip: &'a ChipIr,
}

impl<'a> Namer<'a> {
    pub fn new(chip: &'a ChipIr) -> Self {
        Namer { chip }
    }

    pub fn var(&self, var: Var) -> String {
        match var {
            Var::Main(row, col) => {
                let name = &self.chip.contract.columns[col as usize].name;
                match row {
                    Row::Local => name.clone(),
                    Row::Next => format!("{name}'"),
                }
            }
            Var::Preprocessed(Row::Local, col) => format!("pre[{col}]"),
            Var::Preprocessed(Row::Next, col) => format!("pre[{col}]'"),
            Var::Public(i) => format!("pv[{i}]"),
        }
    }
}

fn constant(c: u32) -> String {
    if c > P / 2 {
        format!("-{}", P - c)
    } else {
        c.to_string()
    }
}

fn selector(s: Selector) -> &'static str {
    match s {
        Selector::IsFirstRow => "is_first_row",
        Selector::IsLastRow => "is_last_row",
        Selector::IsTransition => "is_transition",
    }
}

/// Prints expressions of one chip, naming nodes used more than once (`t<id>`).
struct Printer<'a> {
    chip: &'a ChipIr,
    namer: Namer<'a>,
    shared: Vec<bool>,
    defined: Vec<bool>,
}

impl<'a> Printer<'a> {
    fn new(chip: &'a ChipIr, roots: &[NodeId]) -> Self {
        let uses = chip.ir.uses(roots);
        let shared = (0..chip.ir.len())
            .map(|id| {
                uses[id] > 1
                    && !matches!(
                        chip.ir.node(id as NodeId),
                        Node::Var(_) | Node::Selector(_) | Node::Const(_)
                    )
            })
            .collect();
        Printer {
            chip,
            namer: Namer::new(chip),
            shared,
            defined: vec![false; chip.ir.len()],
        }
    }

    /// The `let`s `id` needs that are not yet printed, innermost first.
    fn lets(&mut self, id: NodeId, out: &mut Vec<(NodeId, String)>) {
        if self.defined[id as usize] {
            return;
        }
        match self.chip.ir.node(id) {
            Node::Add(x, y) | Node::Sub(x, y) | Node::Mul(x, y) => {
                self.lets(x, out);
                self.lets(y, out);
            }
            Node::Neg(x) => self.lets(x, out),
            _ => {}
        }
        if self.shared[id as usize] {
            let body = self.expr_body(id);
            self.defined[id as usize] = true;
            out.push((id, body));
        }
    }

    fn expr(&self, id: NodeId) -> String {
        if self.shared[id as usize] {
            format!("t{id}")
        } else {
            self.expr_body(id)
        }
    }

    /// `id` as an operand of a product.
    fn factor(&self, id: NodeId) -> String {
        let s = self.expr(id);
        let sum = !self.shared[id as usize]
            && matches!(self.chip.ir.node(id), Node::Add(..) | Node::Sub(..));
        if sum {
            format!("({s})")
        } else {
            s
        }
    }

    fn expr_body(&self, id: NodeId) -> String {
        match self.chip.ir.node(id) {
            Node::Var(v) => self.namer.var(v),
            Node::Selector(s) => selector(s).to_string(),
            Node::Const(c) => constant(c),
            Node::Add(x, y) => format!("{} + {}", self.expr(x), self.expr(y)),
            Node::Sub(x, y) => {
                let y_sum = !self.shared[y as usize]
                    && matches!(self.chip.ir.node(y), Node::Add(..) | Node::Sub(..));
                let ys = if y_sum {
                    format!("({})", self.expr(y))
                } else {
                    self.expr(y)
                };
                format!("{} - {ys}", self.expr(x))
            }
            Node::Neg(x) => format!("-{}", self.factor(x)),
            Node::Mul(x, y) => format!("{} * {}", self.factor(x), self.factor(y)),
        }
    }
}

fn role(r: Role) -> &'static str {
    match r {
        Role::Input => "input",
        Role::Output => "output",
        Role::Oracle => "oracle",
        Role::State => "state",
        Role::Selector => "selector",
    }
}

fn roots(chip: &ChipIr) -> Vec<NodeId> {
    let mut roots = chip.constraints.clone();
    for i in &chip.interactions {
        roots.extend(&i.fields);
        roots.push(i.count);
    }
    roots
}

fn assumption(chip: &ChipIr, a: &Assumption) -> String {
    let names: Vec<&str> = a
        .columns()
        .iter()
        .map(|&c| chip.contract.columns[c].name.as_str())
        .collect();
    let source = match a.source() {
        Source::Lookup => "by its own lookups".to_string(),
        Source::Sender(why) => format!("by the sender: {why}"),
    };
    match a {
        Assumption::Range { bits, .. } => format!("{} < 2^{bits}  ({source})", names.join(", ")),
        Assumption::Boolean { .. } => format!("{} boolean  ({source})", names.join(", ")),
        Assumption::OneOf { values, .. } => format!(
            "({}) one of {} combinations  ({source})",
            names.join(", "),
            values.len()
        ),
    }
}

/// The committed snapshot of `chip`.
pub fn snapshot(chip: &ChipIr) -> String {
    let mut out = String::new();
    let max_degree = chip
        .constraints
        .iter()
        .map(|&c| chip.ir.degree(c))
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "chip {}: {} columns, {} preprocessed, {} public values; {} constraints (degree ≤ {}), \
         {} interactions",
        chip.name,
        chip.width,
        chip.preprocessed_width,
        chip.num_public_values,
        chip.constraints.len(),
        max_degree,
        chip.interactions.len()
    );
    let _ = writeln!(out, "reference: {}", chip.contract.reference);
    let _ = writeln!(out, "\ncolumns:");
    for (i, c) in chip.contract.columns.iter().enumerate() {
        let _ = writeln!(out, "  {i:>4}  {:<28} {}", c.name, role(c.role));
    }
    if !chip.contract.real_flags.is_empty() {
        let flags: Vec<&str> = chip
            .contract
            .real_flags
            .iter()
            .map(|&c| chip.contract.columns[c].name.as_str())
            .collect();
        let _ = writeln!(out, "is_real = {}", flags.join(" + "));
    }
    if !chip.contract.assumptions.is_empty() {
        let _ = writeln!(out, "\nassumptions:");
        for a in &chip.contract.assumptions {
            let _ = writeln!(out, "  {}", assumption(chip, a));
        }
    }
    if !chip.contract.functions.is_empty() {
        let _ = writeln!(out, "\nfunctions:");
        for f in &chip.contract.functions {
            let _ = writeln!(
                out,
                "  `{}` is a function of its first {} field(s), by {}",
                f.bus, f.key_fields, f.why
            );
        }
    }
    if !chip.contract.private.is_empty() {
        let _ = writeln!(out, "\nprivate:");
        for p in &chip.contract.private {
            let names: Vec<&str> = p
                .columns
                .iter()
                .map(|&c| chip.contract.columns[c].name.as_str())
                .collect();
            let flag = &chip.contract.columns[p.when].name;
            let _ = writeln!(out, "  {} where {flag} = 1: {}", names.join(", "), p.why);
        }
    }
    if !chip.contract.guarantees.is_empty() {
        let _ = writeln!(out, "\nguarantees:");
        for g in &chip.contract.guarantees {
            let _ = writeln!(out, "  {g}");
        }
    }
    let mut printer = Printer::new(chip, &roots(chip));
    let _ = writeln!(out, "\nconstraints:");
    for (n, &c) in chip.constraints.iter().enumerate() {
        let mut lets = Vec::new();
        printer.lets(c, &mut lets);
        for (id, body) in lets {
            let _ = writeln!(out, "  let t{id} = {body}");
        }
        let _ = writeln!(
            out,
            "  c{n} [deg {}]: {} = 0",
            chip.ir.degree(c),
            printer.expr(c)
        );
    }
    let _ = writeln!(out, "\ninteractions:");
    for i in &chip.interactions {
        let mut lets = Vec::new();
        for &f in i.fields.iter().chain([&i.count]) {
            printer.lets(f, &mut lets);
        }
        for (id, body) in lets {
            let _ = writeln!(out, "  let t{id} = {body}");
        }
        let fields: Vec<String> = i.fields.iter().map(|&f| printer.expr(f)).collect();
        let scope = match i.scope {
            Scope::Global => "",
            Scope::Local(_) => " (local)",
        };
        let _ = writeln!(
            out,
            "  {}{scope} ({}) × {}  [weight {}]",
            i.bus,
            fields.join(", "),
            printer.expr(i.count),
            i.weight
        );
    }
    out
}

/// The guard of `id`: the selector columns and row selectors it is a product of, and the rest.
fn split_guard(chip: &ChipIr, id: NodeId) -> (Vec<NodeId>, NodeId) {
    let is_guard = |n: NodeId| match chip.ir.node(n) {
        Node::Selector(_) => true,
        Node::Var(Var::Main(Row::Local, col)) => {
            chip.contract.columns[col as usize].role == Role::Selector
        }
        _ => false,
    };
    let mut guards = Vec::new();
    let mut body = id;
    while let Node::Mul(x, y) = chip.ir.node(body) {
        if is_guard(x) && !is_guard(y) {
            guards.push(x);
            body = y;
        } else if is_guard(y) && !is_guard(x) {
            guards.push(y);
            body = x;
        } else {
            break;
        }
    }
    (guards, body)
}

/// One statement of a Garden term.
enum Statement<'a> {
    AssertZero(NodeId),
    Call {
        bus: &'a str,
        fields: &'a [NodeId],
        count: Option<NodeId>,
    },
}

/// `chip` as a Garden-style circuit term: each constraint an `AssertZero`, each interaction a
/// `Call`, shared sub-expressions `Let … := Pure …`, and consecutive statements with the same
/// selector factors inside one `When`.
pub fn garden_term(chip: &ChipIr) -> String {
    let mut statements: Vec<(Vec<NodeId>, Statement)> = Vec::new();
    for &c in &chip.constraints {
        let (guards, body) = split_guard(chip, c);
        statements.push((guards, Statement::AssertZero(body)));
    }
    for i in &chip.interactions {
        let (guards, count) = split_guard(chip, i.count);
        let count = (!matches!(chip.ir.node(count), Node::Const(1))).then_some(count);
        let call = Statement::Call {
            bus: &i.bus,
            fields: &i.fields,
            count,
        };
        statements.push((guards, call));
    }
    let mut out = String::new();
    let mut printer = Printer::new(chip, &roots(chip));
    let _ = writeln!(out, "Definition {} : M.t unit :=", chip.name);
    let mut open: Option<Vec<NodeId>> = None;
    for (guards, statement) in statements {
        let mut needs: Vec<NodeId> = guards.clone();
        match &statement {
            Statement::AssertZero(body) => needs.push(*body),
            Statement::Call { fields, count, .. } => {
                needs.extend(fields.iter());
                needs.extend(count.iter());
            }
        }
        let mut lets = Vec::new();
        for n in needs {
            printer.lets(n, &mut lets);
        }
        // A `Let` closes the block it would otherwise sit inside.
        if (open.as_ref() != Some(&guards) || !lets.is_empty())
            && open.take().is_some_and(|g| !g.is_empty())
        {
            let _ = writeln!(out, "  }};");
        }
        for (id, body) in lets {
            let _ = writeln!(out, "  Let t{id} := Pure ({body}) in");
        }
        if open.is_none() {
            if !guards.is_empty() {
                let g: Vec<String> = guards.iter().map(|&g| printer.factor(g)).collect();
                let _ = writeln!(out, "  When ({}) {{", g.join(" * "));
            }
            open = Some(guards.clone());
        }
        let indent = if guards.is_empty() { "  " } else { "    " };
        let text = match statement {
            Statement::AssertZero(body) => format!("AssertZero ({})", printer.expr(body)),
            Statement::Call { bus, fields, count } => {
                let fields: Vec<String> = fields.iter().map(|&f| printer.expr(f)).collect();
                match count {
                    None => format!("Call {bus}({})", fields.join(", ")),
                    Some(c) => format!("Call {bus}({}) × {}", fields.join(", "), printer.factor(c)),
                }
            }
        };
        let _ = writeln!(out, "{indent}{text};");
    }
    if open.is_some_and(|g| !g.is_empty()) {
        let _ = writeln!(out, "  }};");
    }
    let _ = writeln!(out, "  Pure tt.");
    out
}
