//! Each chip's committed snapshot (`crates/check/snapshots/<chip>.txt`) and Garden term
//! (`<chip>.garden`) match its constraints: a constraint change shows in review as a snapshot
//! diff. `TESSERA_BLESS=1 cargo test -p tessera-check snapshots` rewrites them.

use std::path::PathBuf;

use tessera_check::machine::{extract_mips, mips_chips, name};
use tessera_check::print::{garden_term, snapshot};

fn compare(path: PathBuf, text: &str, stale: &mut Vec<String>) {
    if std::env::var_os("TESSERA_BLESS").is_some() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(committed) if committed == text => {}
        _ => stale.push(path.display().to_string()),
    }
}

#[test]
fn every_snapshot_matches_its_chip() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    std::fs::create_dir_all(&dir).unwrap();
    let mut stale = Vec::new();
    let mut checked = 0;
    for chip in mips_chips() {
        let Some(ir) = extract_mips(&chip) else {
            continue;
        };
        let ir = ir.unwrap_or_else(|e| panic!("{e}"));
        compare(
            dir.join(format!("{}.txt", name(&chip))),
            &snapshot(&ir),
            &mut stale,
        );
        compare(
            dir.join(format!("{}.garden", name(&chip))),
            &garden_term(&ir),
            &mut stale,
        );
        checked += 1;
    }
    assert!(checked > 0);
    assert!(
        stale.is_empty(),
        "snapshots differ from the chips (rerun with TESSERA_BLESS=1 and review the diff): {stale:?}"
    );
}
