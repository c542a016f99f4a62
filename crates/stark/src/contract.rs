//! Chip contracts: what a chip declares beside its AIR so that `tessera-check` can prove it
//! complete (honest rows satisfy every constraint) and deterministic (the constraints force its
//! outputs).
//!
//! A contract names every main column and gives it a [`Role`], states the facts the chip takes
//! from others ([`Assumption`]s: ranges and booleanity that buses deliver), what its own bus
//! messages promise receivers (guarantees), and the executor function it implements (its
//! reference semantics). Columns are named through the chip's `#[repr(C)]` columns struct: a
//! [`ContractBuilder`] holds one instance of it and finds each field's columns by address, so a
//! contract cannot drift from the layout.

use std::mem::size_of;

/// What a column is to the checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Given to the chip: received over a bus, preprocessed, or public.
    Input,
    /// What the chip is responsible for determining (and sends on): must be forced by the
    /// inputs.
    Output,
    /// A helper the prover chooses (an inverse, a quotient hint, carries): need not be unique.
    Oracle,
    /// Carried from row to row (a running key, a counter): forced by the previous row.
    State,
    /// `is_real`, opcode flags: forced by the inputs, so checked like outputs.
    Selector,
}

impl Role {
    /// Whether determinism must be proved for a column of this role.
    pub fn is_determined(self) -> bool {
        matches!(self, Role::Output | Role::State | Role::Selector)
    }
}

/// One named main column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub role: Role,
}

/// Who makes an [`Assumption`] true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The chip's own lookups (a byte-table send with a nonzero count): the checker finds the
    /// send, or flags the assumption.
    Lookup,
    /// The chip that sends these inputs, by its guarantee: `why` says which and how.
    Sender(&'static str),
}

/// A fact about columns, on real rows, that the chip's constraints alone do not state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assumption {
    /// Each column is an integer below `2^bits`.
    Range {
        columns: Vec<usize>,
        bits: u32,
        source: Source,
    },
    /// Each column is 0 or 1.
    Boolean { columns: Vec<usize>, source: Source },
    /// The columns together hold one of `values` (each a value per column, in order): the
    /// combinations of flags a table ever sends.
    OneOf {
        columns: Vec<usize>,
        values: Vec<Vec<u32>>,
        source: Source,
    },
}

impl Assumption {
    pub fn columns(&self) -> &[usize] {
        match self {
            Assumption::Range { columns, .. }
            | Assumption::Boolean { columns, .. }
            | Assumption::OneOf { columns, .. } => columns,
        }
    }

    pub fn source(&self) -> Source {
        match self {
            Assumption::Range { source, .. }
            | Assumption::Boolean { source, .. }
            | Assumption::OneOf { source, .. } => *source,
        }
    }

    /// Every column is below `2^bits()`.
    pub fn bits(&self) -> u32 {
        match self {
            Assumption::Range { bits, .. } => *bits,
            Assumption::Boolean { .. } => 1,
            Assumption::OneOf { values, .. } => {
                let max = values.iter().flatten().copied().max().unwrap_or(0);
                (u32::BITS - max.leading_zeros()).max(1)
            }
        }
    }

    /// The same assumption about other columns (`columns[i]` for the `i`-th).
    pub fn moved(&self, columns: Vec<usize>) -> Assumption {
        match self {
            Assumption::Range { bits, source, .. } => Assumption::Range {
                columns,
                bits: *bits,
                source: *source,
            },
            Assumption::Boolean { source, .. } => Assumption::Boolean {
                columns,
                source: *source,
            },
            Assumption::OneOf { values, source, .. } => Assumption::OneOf {
                columns,
                values: values.clone(),
                source: *source,
            },
        }
    }
}

/// A bus whose messages are a function of their first `key_fields` fields: two messages with
/// the same key carry the same values (a preprocessed table with one row per key, or a lookup
/// whose providing rows have distinct keys). The chip's sends on it get their values as a
/// function of the key; `why` says who makes that true.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub bus: &'static str,
    pub key_fields: usize,
    pub why: &'static str,
}

/// Columns that carry the prover's private choice on rows where the flag column `when` is 1
/// (HINT_LEN's length of the next input buffer, the global sum's hash counter): nothing is
/// meant to force them there. Determinism is then asked given that choice: where the flag is
/// 1 the two copies share these columns, as they share inputs. `why` says what the value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Private {
    pub columns: Vec<usize>,
    pub when: usize,
    pub why: &'static str,
}

/// A chip's contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contract {
    /// Every main column, in layout order.
    pub columns: Vec<Column>,
    /// The flags whose sum is `is_real`: 1 on real rows, 0 on padding rows (a chip with one
    /// `is_real` column lists just it; a table whose every row is real lists none).
    pub real_flags: Vec<usize>,
    pub assumptions: Vec<Assumption>,
    /// The buses the chip looks values up on that are functions of their keys.
    pub functions: Vec<Function>,
    /// What the chip's bus messages promise their receivers.
    pub guarantees: Vec<&'static str>,
    /// Columns that are the prover's private input where a flag says so.
    pub private: Vec<Private>,
    /// The executor function the chip implements (inputs to outputs).
    pub reference: &'static str,
}

impl Contract {
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The indices of the columns with `role`.
    pub fn with_role(&self, role: Role) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| self.columns[i].role == role)
            .collect()
    }
}

/// A chip that declares a contract.
pub trait HasContract {
    fn contract(&self) -> Contract;
}

/// Builds a [`Contract`] over one instance `cols` of a chip's `#[repr(C)]` columns struct made
/// only of `u8`s (any instance: only field addresses are read), so that a field's byte offset is
/// its column index.
pub struct ContractBuilder<'a, S> {
    cols: &'a S,
    columns: Vec<Option<Column>>,
    real_flags: Vec<usize>,
    assumptions: Vec<Assumption>,
    functions: Vec<Function>,
    guarantees: Vec<&'static str>,
    private: Vec<Private>,
}

impl<'a, S> ContractBuilder<'a, S> {
    pub fn new(cols: &'a S) -> Self {
        ContractBuilder {
            cols,
            columns: vec![None; size_of::<S>()],
            real_flags: Vec::new(),
            assumptions: Vec::new(),
            functions: Vec::new(),
            guarantees: Vec::new(),
            private: Vec::new(),
        }
    }

    /// The columns of `field`, a field (a cell, an array, a nested struct) of `cols`.
    pub fn of<F>(&self, field: &F) -> Vec<usize> {
        let base = self.cols as *const S as usize;
        let at = field as *const F as usize;
        assert!(
            at >= base && at + size_of::<F>() <= base + size_of::<S>(),
            "the field is not inside the columns struct"
        );
        (at - base..at - base + size_of::<F>()).collect()
    }

    /// Gives the columns of `field` the name `name` (`name[i]` for several) and `role`.
    pub fn column<F>(&mut self, name: &str, field: &F, role: Role) -> &mut Self {
        let cells = self.of(field);
        let many = cells.len() > 1;
        for (i, cell) in cells.into_iter().enumerate() {
            assert!(
                self.columns[cell].is_none(),
                "column {cell} ({name}) declared twice"
            );
            let name = if many {
                format!("{name}[{i}]")
            } else {
                name.to_string()
            };
            self.columns[cell] = Some(Column { name, role });
        }
        self
    }

    pub fn input<F>(&mut self, name: &str, field: &F) -> &mut Self {
        self.column(name, field, Role::Input)
    }

    pub fn output<F>(&mut self, name: &str, field: &F) -> &mut Self {
        self.column(name, field, Role::Output)
    }

    pub fn oracle<F>(&mut self, name: &str, field: &F) -> &mut Self {
        self.column(name, field, Role::Oracle)
    }

    pub fn state<F>(&mut self, name: &str, field: &F) -> &mut Self {
        self.column(name, field, Role::State)
    }

    pub fn selector<F>(&mut self, name: &str, field: &F) -> &mut Self {
        self.column(name, field, Role::Selector)
    }

    /// Declares the flags (the columns of `fields`) whose sum is 1 on real rows and 0 on
    /// padding rows.
    pub fn real_when<F>(&mut self, fields: &[&F]) -> &mut Self {
        self.real_flags = fields.iter().flat_map(|f| self.of(*f)).collect();
        self
    }

    /// Assumes every column of `field` is below `2^bits` on real rows, made true by `source`.
    pub fn assume_range<F>(&mut self, field: &F, bits: u32, source: Source) -> &mut Self {
        let columns = self.of(field);
        self.assumptions.push(Assumption::Range {
            columns,
            bits,
            source,
        });
        self
    }

    /// Assumes the `columns` (from [`ContractBuilder::of`]) together hold one of `values` on
    /// real rows, made true by `source`.
    pub fn assume_one_of(
        &mut self,
        columns: Vec<usize>,
        values: Vec<Vec<u32>>,
        source: Source,
    ) -> &mut Self {
        assert!(
            values.iter().all(|v| v.len() == columns.len()),
            "each value names every column"
        );
        self.assumptions.push(Assumption::OneOf {
            columns,
            values,
            source,
        });
        self
    }

    /// Assumes every column of `field` is boolean on real rows, made true by `source`.
    pub fn assume_boolean<F>(&mut self, field: &F, source: Source) -> &mut Self {
        let columns = self.of(field);
        self.assumptions
            .push(Assumption::Boolean { columns, source });
        self
    }

    /// Declares that messages on `bus` are a function of their first `key_fields` fields, made
    /// true as `why` says.
    pub fn function(
        &mut self,
        bus: &'static str,
        key_fields: usize,
        why: &'static str,
    ) -> &mut Self {
        self.functions.push(Function {
            bus,
            key_fields,
            why,
        });
        self
    }

    pub fn guarantee(&mut self, what: &'static str) -> &mut Self {
        self.guarantees.push(what);
        self
    }

    /// Declares the columns of `field` the prover's private input on rows where the flag
    /// `when` is 1 (see [`Private`]).
    pub fn private_when<F, G>(&mut self, field: &F, when: &G, why: &'static str) -> &mut Self {
        let flag = self.of(when);
        assert_eq!(flag.len(), 1, "a private column's flag is one column");
        let columns = self.of(field);
        self.private.push(Private {
            columns,
            when: flag[0],
            why,
        });
        self
    }

    /// The contract; every column must have been declared.
    pub fn build(&mut self, reference: &'static str) -> Contract {
        let columns = std::mem::take(&mut self.columns)
            .into_iter()
            .enumerate()
            .map(|(i, c)| c.unwrap_or_else(|| panic!("column {i} has no role")))
            .collect();
        Contract {
            columns,
            real_flags: std::mem::take(&mut self.real_flags),
            assumptions: std::mem::take(&mut self.assumptions),
            functions: std::mem::take(&mut self.functions),
            guarantees: std::mem::take(&mut self.guarantees),
            private: std::mem::take(&mut self.private),
            reference,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    struct Cols<T> {
        a: [T; 2],
        flag: T,
        inner: Inner<T>,
    }

    #[repr(C)]
    struct Inner<T> {
        x: T,
        y: [T; 3],
    }

    fn cols() -> Cols<u8> {
        Cols {
            a: [0; 2],
            flag: 0,
            inner: Inner { x: 0, y: [0; 3] },
        }
    }

    #[test]
    fn fields_map_to_their_columns() {
        let c = cols();
        let mut k = ContractBuilder::new(&c);
        assert_eq!(k.of(&c.a), vec![0, 1]);
        assert_eq!(k.of(&c.inner.y), vec![4, 5, 6]);
        assert_eq!(k.of(&c.inner.y[1]), vec![5]);
        let contract = k
            .input("a", &c.a)
            .selector("flag", &c.flag)
            .output("x", &c.inner.x)
            .oracle("y", &c.inner.y)
            .real_when(&[&c.flag])
            .assume_range(&c.a, 16, Source::Lookup)
            .build("none");
        assert_eq!(contract.width(), 7);
        assert_eq!(contract.columns[1].name, "a[1]");
        assert_eq!(contract.with_role(Role::Oracle), vec![4, 5, 6]);
        assert_eq!(contract.real_flags, vec![2]);
    }

    #[test]
    #[should_panic(expected = "column 3 has no role")]
    fn every_column_needs_a_role() {
        let c = cols();
        ContractBuilder::new(&c)
            .input("a", &c.a)
            .selector("flag", &c.flag)
            .oracle("y", &c.inner.y)
            .build("none");
    }
}
