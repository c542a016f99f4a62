//! A builder that shows an AIR a range of another AIR's main columns, so that a chip can embed
//! an existing AIR (Plonky3's Keccak or Poseidon2 AIRs) beside columns of its own.

use core::ops::Range;

use p3_air::{AirBuilder, WindowAccess};

/// The columns `range` of a main-trace window.
#[derive(Clone, Debug)]
pub struct SubWindow<W> {
    inner: W,
    range: Range<usize>,
}

impl<T, W: WindowAccess<T>> WindowAccess<T> for SubWindow<W> {
    fn current_slice(&self) -> &[T] {
        &self.inner.current_slice()[self.range.clone()]
    }
    fn next_slice(&self) -> &[T] {
        &self.inner.next_slice()[self.range.clone()]
    }
}

/// `inner`, with its main trace narrowed to the columns `range`; constraints go to `inner`.
pub struct SubAirBuilder<'a, AB> {
    inner: &'a mut AB,
    range: Range<usize>,
}

impl<'a, AB> SubAirBuilder<'a, AB> {
    pub fn new(inner: &'a mut AB, range: Range<usize>) -> Self {
        SubAirBuilder { inner, range }
    }
}

impl<AB: AirBuilder> AirBuilder for SubAirBuilder<'_, AB> {
    type F = AB::F;
    type Expr = AB::Expr;
    type Var = AB::Var;
    type PreprocessedWindow = AB::PreprocessedWindow;
    type MainWindow = SubWindow<AB::MainWindow>;
    type PublicVar = AB::PublicVar;
    type PeriodicVar = AB::PeriodicVar;

    fn main(&self) -> Self::MainWindow {
        SubWindow {
            inner: self.inner.main(),
            range: self.range.clone(),
        }
    }
    fn preprocessed(&self) -> &Self::PreprocessedWindow {
        self.inner.preprocessed()
    }
    fn is_first_row(&self) -> Self::Expr {
        self.inner.is_first_row()
    }
    fn is_last_row(&self) -> Self::Expr {
        self.inner.is_last_row()
    }
    fn is_transition(&self) -> Self::Expr {
        self.inner.is_transition()
    }
    fn assert_zero<I: Into<Self::Expr>>(&mut self, x: I) {
        self.inner.assert_zero(x);
    }
    fn public_values(&self) -> &[Self::PublicVar] {
        self.inner.public_values()
    }
    fn periodic_values(&self) -> &[Self::PeriodicVar] {
        self.inner.periodic_values()
    }
}
