//! Chips: one table of a machine each.
//!
//! A chip is a Plonky3 AIR (`BaseAir` for its shape, `Air` for its constraints and its bus
//! interactions, pushed with p3-lookup's `InteractionBuilder` on named buses) plus a name and a
//! trace generator. A machine is a list of chips of one Rust type: Plonky3 proves a batch of
//! instances that share a type, so machines wrap their chips in an enum made by
//! [`machine_chips!`](crate::machine_chips), which forwards every `BaseAir` method.

use p3_field::Field;
use p3_matrix::dense::RowMajorMatrix;

/// One table of a machine. `R` is the execution record the machine proves.
pub trait Chip<F: Field, R>: p3_air::BaseAir<F> {
    /// A stable, human-readable name (used in errors and debug reports).
    fn name(&self) -> &'static str;

    /// The main trace for `record`. Its height is a power of two; padding rows must satisfy
    /// every constraint with every interaction count zero.
    fn generate_trace(&self, record: &R) -> RowMajorMatrix<F>;

    /// The public values of this chip's instance for `record` (as many as
    /// `BaseAir::num_public_values`).
    fn public_values(&self, _record: &R) -> Vec<F> {
        Vec::new()
    }

    /// Whether a proof may leave the chip out when it has nothing to prove. Only for a chip
    /// without a preprocessed table or public values whose padding rows make no interactions:
    /// leaving it out then proves exactly what an all-padding trace would, and a wide chip
    /// that most programs never use costs them nothing.
    fn is_optional(&self) -> bool {
        false
    }

    /// Whether `record` gives the chip anything to prove.
    fn is_used(&self, _record: &R) -> bool {
        true
    }
}

/// `rows` (row-major, `width` values each) padded with zero rows to a power-of-two height of at
/// least `min_height`.
pub fn pad_to_power_of_two<F: Field>(
    mut values: Vec<F>,
    width: usize,
    min_height: usize,
) -> RowMajorMatrix<F> {
    assert!(width > 0 && values.len().is_multiple_of(width));
    let height = (values.len() / width)
        .max(min_height)
        .max(1)
        .next_power_of_two();
    values.resize(height * width, F::ZERO);
    RowMajorMatrix::new(values, width)
}

/// Declares an enum over chip types that is itself a chip, forwarding every `BaseAir` method, the
/// constraints and the [`Chip`] methods to the variant. Plonky3 silently falls back to defaults
/// for any method an enum forgets to forward (a preprocessed table would vanish), which is why
/// this is a macro and not hand-written per machine.
///
/// ```ignore
/// tessera_stark::machine_chips! {
///     pub enum MyChips<Record> { Cpu(CpuChip), Bytes(ByteChip) }
/// }
/// ```
#[macro_export]
macro_rules! machine_chips {
    ($(#[$meta:meta])* $vis:vis enum $name:ident<$record:ty> { $($variant:ident($chip:ty)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        $vis enum $name { $($variant($chip)),+ }

        impl<F: $crate::reexports::p3_field::Field> $crate::reexports::p3_air::BaseAir<F> for $name
        where
            $($chip: $crate::reexports::p3_air::BaseAir<F>),+
        {
            fn width(&self) -> usize {
                match self { $(Self::$variant(c) => c.width()),+ }
            }
            fn preprocessed_trace(&self) -> Option<$crate::reexports::p3_matrix::dense::RowMajorMatrix<F>> {
                match self { $(Self::$variant(c) => c.preprocessed_trace()),+ }
            }
            fn preprocessed_width(&self) -> usize {
                match self { $(Self::$variant(c) => c.preprocessed_width()),+ }
            }
            fn num_periodic_columns(&self) -> usize {
                match self { $(Self::$variant(c) => c.num_periodic_columns()),+ }
            }
            fn periodic_columns(&self) -> std::borrow::Cow<'_, [Vec<F>]>
            where
                F: Clone,
            {
                match self { $(Self::$variant(c) => c.periodic_columns()),+ }
            }
            fn periodic_values(&self, row_index: usize) -> Vec<F>
            where
                F: Clone,
            {
                match self { $(Self::$variant(c) => c.periodic_values(row_index)),+ }
            }
            fn periodic_columns_matrix(&self) -> Option<$crate::reexports::p3_matrix::dense::RowMajorMatrix<F>>
            where
                F: Clone + Send + Sync,
            {
                match self { $(Self::$variant(c) => c.periodic_columns_matrix()),+ }
            }
            fn main_next_row_columns(&self) -> Vec<usize> {
                match self { $(Self::$variant(c) => c.main_next_row_columns()),+ }
            }
            fn preprocessed_next_row_columns(&self) -> Vec<usize> {
                match self { $(Self::$variant(c) => c.preprocessed_next_row_columns()),+ }
            }
            fn num_constraints(&self) -> Option<usize> {
                match self { $(Self::$variant(c) => c.num_constraints()),+ }
            }
            fn max_constraint_degree(&self) -> Option<usize> {
                match self { $(Self::$variant(c) => c.max_constraint_degree()),+ }
            }
            fn num_public_values(&self) -> usize {
                match self { $(Self::$variant(c) => c.num_public_values()),+ }
            }
            fn public_boundary_io(&self) -> &[$crate::reexports::p3_air::BoundaryPublic] {
                match self { $(Self::$variant(c) => c.public_boundary_io()),+ }
            }
            fn assumes_boolean_trace(&self) -> bool {
                match self { $(Self::$variant(c) => c.assumes_boolean_trace()),+ }
            }
        }

        impl<AB: $crate::reexports::p3_air::AirBuilder> $crate::reexports::p3_air::Air<AB> for $name
        where
            AB::F: $crate::reexports::p3_field::Field,
            $($chip: $crate::reexports::p3_air::Air<AB>),+
        {
            fn eval(&self, builder: &mut AB) {
                match self { $(Self::$variant(c) => c.eval(builder)),+ }
            }
        }

        impl<F: $crate::reexports::p3_field::Field> $crate::Chip<F, $record> for $name
        where
            $($chip: $crate::Chip<F, $record>),+
        {
            fn name(&self) -> &'static str {
                match self { $(Self::$variant(c) => c.name()),+ }
            }
            fn generate_trace(&self, record: &$record) -> $crate::reexports::p3_matrix::dense::RowMajorMatrix<F> {
                match self { $(Self::$variant(c) => c.generate_trace(record)),+ }
            }
            fn public_values(&self, record: &$record) -> Vec<F> {
                match self { $(Self::$variant(c) => c.public_values(record)),+ }
            }
            fn is_optional(&self) -> bool {
                match self { $(Self::$variant(c) => c.is_optional()),+ }
            }
            fn is_used(&self, record: &$record) -> bool {
                match self { $(Self::$variant(c) => c.is_used(record)),+ }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Val;
    use p3_air::{Air, AirBuilder, BaseAir};
    use p3_field::PrimeCharacteristicRing;
    use std::borrow::Cow;

    /// A chip that overrides every `BaseAir` method with a non-default answer.
    #[derive(Clone, Debug)]
    struct Probe;

    impl<F: Field> BaseAir<F> for Probe {
        fn width(&self) -> usize {
            3
        }
        fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
            Some(RowMajorMatrix::new(vec![F::ONE; 8], 2))
        }
        fn preprocessed_width(&self) -> usize {
            2
        }
        fn num_periodic_columns(&self) -> usize {
            1
        }
        fn periodic_columns(&self) -> Cow<'_, [Vec<F>]>
        where
            F: Clone,
        {
            Cow::Owned(vec![vec![F::ONE, F::TWO]])
        }
        fn periodic_values(&self, row_index: usize) -> Vec<F>
        where
            F: Clone,
        {
            vec![F::from_usize(row_index + 5)]
        }
        fn periodic_columns_matrix(&self) -> Option<RowMajorMatrix<F>>
        where
            F: Clone + Send + Sync,
        {
            Some(RowMajorMatrix::new(vec![F::TWO; 3], 1))
        }
        fn main_next_row_columns(&self) -> Vec<usize> {
            vec![1]
        }
        fn preprocessed_next_row_columns(&self) -> Vec<usize> {
            vec![0]
        }
        fn num_constraints(&self) -> Option<usize> {
            Some(7)
        }
        fn max_constraint_degree(&self) -> Option<usize> {
            Some(3)
        }
        fn num_public_values(&self) -> usize {
            2
        }
        fn assumes_boolean_trace(&self) -> bool {
            true
        }
    }

    impl<AB: AirBuilder> Air<AB> for Probe
    where
        AB::F: Field,
    {
        fn eval(&self, _: &mut AB) {}
    }

    impl Chip<Val, ()> for Probe {
        fn name(&self) -> &'static str {
            "Probe"
        }
        fn generate_trace(&self, _: &()) -> RowMajorMatrix<Val> {
            RowMajorMatrix::new(vec![Val::ONE; 6], 3)
        }
        fn public_values(&self, _: &()) -> Vec<Val> {
            vec![Val::TWO, Val::ONE]
        }
    }

    crate::machine_chips! {
        enum Wrapped<()> { Probe(Probe) }
    }

    #[test]
    fn the_enum_forwards_every_base_air_method() {
        let (inner, outer) = (Probe, Wrapped::Probe(Probe));
        type F = Val;
        assert_eq!(BaseAir::<F>::width(&outer), BaseAir::<F>::width(&inner));
        assert_eq!(
            BaseAir::<F>::preprocessed_trace(&outer),
            BaseAir::<F>::preprocessed_trace(&inner)
        );
        assert_eq!(
            BaseAir::<F>::preprocessed_width(&outer),
            BaseAir::<F>::preprocessed_width(&inner)
        );
        assert_eq!(
            BaseAir::<F>::num_periodic_columns(&outer),
            BaseAir::<F>::num_periodic_columns(&inner)
        );
        assert_eq!(
            BaseAir::<F>::periodic_columns(&outer),
            BaseAir::<F>::periodic_columns(&inner)
        );
        assert_eq!(
            BaseAir::<F>::periodic_values(&outer, 4),
            BaseAir::<F>::periodic_values(&inner, 4)
        );
        assert_eq!(
            BaseAir::<F>::periodic_columns_matrix(&outer),
            BaseAir::<F>::periodic_columns_matrix(&inner)
        );
        assert_eq!(
            BaseAir::<F>::main_next_row_columns(&outer),
            BaseAir::<F>::main_next_row_columns(&inner)
        );
        assert_eq!(
            BaseAir::<F>::preprocessed_next_row_columns(&outer),
            BaseAir::<F>::preprocessed_next_row_columns(&inner)
        );
        assert_eq!(
            BaseAir::<F>::num_constraints(&outer),
            BaseAir::<F>::num_constraints(&inner)
        );
        assert_eq!(
            BaseAir::<F>::max_constraint_degree(&outer),
            BaseAir::<F>::max_constraint_degree(&inner)
        );
        assert_eq!(
            BaseAir::<F>::num_public_values(&outer),
            BaseAir::<F>::num_public_values(&inner)
        );
        assert_eq!(
            BaseAir::<F>::assumes_boolean_trace(&outer),
            BaseAir::<F>::assumes_boolean_trace(&inner)
        );
        assert_eq!(
            BaseAir::<F>::public_boundary_io(&outer).len(),
            BaseAir::<F>::public_boundary_io(&inner).len()
        );
        assert_eq!(outer.name(), inner.name());
        assert_eq!(outer.generate_trace(&()), inner.generate_trace(&()));
        assert_eq!(outer.public_values(&()), inner.public_values(&()));
    }

    #[test]
    fn padding_reaches_a_power_of_two() {
        let m = pad_to_power_of_two(vec![Val::ONE; 5 * 3], 3, 1);
        assert_eq!((m.values.len() / 3, m.values[15]), (8, Val::ZERO));
        let m = pad_to_power_of_two(Vec::<Val>::new(), 2, 4);
        assert_eq!(m.values.len(), 8);
    }
}
