//! The mutation self-test: dropping any constraint or interaction of the AddSub and Bitwise
//! chips (and the byte table) is flagged, or the dropped constraint is shown redundant.

use tessera_check::machine::{extract_mips, mips_chips, name};
use tessera_check::mutation::{self_test, Fate};

#[test]
fn every_mutant_of_the_small_chips_is_killed_or_redundant() {
    let solvers = super::common::solvers();
    for wanted in ["Bytes", "AddSub", "Bitwise"] {
        let chip = mips_chips()
            .into_iter()
            .find(|c| name(c) == wanted)
            .unwrap();
        let ir = extract_mips(&chip).unwrap().unwrap();
        let fates = self_test(&ir, &solvers);
        assert_eq!(fates.len(), ir.constraints.len() + ir.interactions.len());
        let killed = fates
            .iter()
            .filter(|(_, f)| matches!(f, Fate::Killed(_)))
            .count();
        assert!(killed > 0, "{wanted}: no mutant killed");
        for (m, fate) in &fates {
            assert!(
                !matches!(fate, Fate::Survived(_)),
                "{wanted}: the mutant without {} survives: {fate:?}",
                m.describe()
            );
        }
    }
}
