//! The checker's IR evaluates every chip's constraints exactly as the verifier's constraint
//! folder does (the same `eval`, folded with `α` in emission order), on random rows.

use p3_air::{Air, BaseAir, RowWindow};
use p3_batch_stark::folder::VerifierConstraintFolderWithLookups;
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_matrix::dense::RowMajorMatrixView;
use p3_matrix::stack::VerticalPair;
use p3_uni_stark::VerifierConstraintFolder;
use proptest::prelude::*;
use tessera_check::extract::anonymous_contract;
use tessera_check::ir::Leaf;
use tessera_check::machine::{mips_chips, name};
use tessera_check::{extract, Row, Selector, Var};
use tessera_machine::chips::MipsChip;
use tessera_stark::{Challenge, StarkConfig, Val};

struct Rng(u64);

impl Rng {
    fn val(&mut self) -> Val {
        // xorshift64*: plenty for test inputs.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        Val::from_u32((x >> 33) as u32 % Val::ORDER_U32)
    }

    fn vals(&mut self, n: usize) -> Vec<Val> {
        (0..n).map(|_| self.val()).collect()
    }
}

/// The verifier folder's accumulator for `chip` on the given window.
#[allow(clippy::too_many_arguments)]
fn folded_by_plonky3(
    chip: &MipsChip,
    local: &[Challenge],
    next: &[Challenge],
    pre_local: &[Challenge],
    pre_next: &[Challenge],
    public: &[Val],
    selectors: [Challenge; 3],
    alpha: Challenge,
) -> Challenge {
    fn pair<'a>(
        local: &'a [Challenge],
        next: &'a [Challenge],
    ) -> VerticalPair<RowMajorMatrixView<'a, Challenge>, RowMajorMatrixView<'a, Challenge>> {
        VerticalPair::new(
            RowMajorMatrixView::new_row(local),
            RowMajorMatrixView::new_row(next),
        )
    }
    let empty: [Challenge; 0] = [];
    let inner = VerifierConstraintFolder::<StarkConfig> {
        main: pair(local, next),
        preprocessed: pair(pre_local, pre_next),
        preprocessed_window: RowWindow::from_two_rows(pre_local, pre_next),
        periodic_values: &[],
        public_values: public,
        is_first_row: selectors[0],
        is_last_row: selectors[1],
        is_transition: selectors[2],
        alpha,
        accumulator: Challenge::ZERO,
    };
    let mut folder = VerifierConstraintFolderWithLookups {
        inner,
        permutation: pair(&empty, &empty),
        permutation_challenges: &[],
        permutation_values: &[],
    };
    chip.eval(&mut folder);
    folder.inner.accumulator
}

fn check_chip(chip: &MipsChip, seed: u64) {
    let width = BaseAir::<Val>::width(chip);
    let pre_width = BaseAir::<Val>::preprocessed_width(chip);
    let publics = BaseAir::<Val>::num_public_values(chip);
    let ir = extract(name(chip), chip, anonymous_contract(width)).expect("extracts");
    let mut rng = Rng(seed | 1);
    let (local, next) = (rng.vals(width), rng.vals(width));
    let (pre_local, pre_next) = (rng.vals(pre_width), rng.vals(pre_width));
    let public = rng.vals(publics);
    let selectors = [rng.val(), rng.val(), rng.val()];
    let alpha =
        Challenge::from(rng.val()) + Challenge::from(rng.val()) * Challenge::from(rng.val());
    let values = ir.ir.eval_all(|leaf| match leaf {
        Leaf::Var(Var::Main(Row::Local, c)) => local[c as usize],
        Leaf::Var(Var::Main(Row::Next, c)) => next[c as usize],
        Leaf::Var(Var::Preprocessed(Row::Local, c)) => pre_local[c as usize],
        Leaf::Var(Var::Preprocessed(Row::Next, c)) => pre_next[c as usize],
        Leaf::Var(Var::Public(i)) => public[i as usize],
        Leaf::Selector(Selector::IsFirstRow) => selectors[0],
        Leaf::Selector(Selector::IsLastRow) => selectors[1],
        Leaf::Selector(Selector::IsTransition) => selectors[2],
    });
    let ours = ir.constraints.iter().fold(Challenge::ZERO, |acc, &c| {
        acc * alpha + Challenge::from(values[c as usize])
    });
    let lift = |v: &[Val]| v.iter().map(|&x| Challenge::from(x)).collect::<Vec<_>>();
    let theirs = folded_by_plonky3(
        chip,
        &lift(&local),
        &lift(&next),
        &lift(&pre_local),
        &lift(&pre_next),
        &public,
        selectors.map(Challenge::from),
        alpha,
    );
    assert_eq!(ours, theirs, "{}: the IR folds differently", name(chip));
    // Random rows break any real constraint, so an equality of zeros would prove nothing.
    assert_eq!(
        ir.constraints.is_empty(),
        theirs == Challenge::ZERO,
        "{}",
        name(chip)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn the_ir_evaluates_like_the_verifier_folder(seed in any::<u64>()) {
        for chip in mips_chips() {
            check_chip(&chip, seed);
        }
    }
}
