//! What the checker's tests share.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tessera_check::solve::Solvers;

/// The solvers, installed from PyPI into `target/python` on first use if this machine lacks
/// them (as cargo fetches crates).
pub fn solvers() -> Solvers {
    let timeout = Duration::from_secs(20);
    let solvers = Solvers::detect(timeout);
    if solvers.z3.is_some() && solvers.cvc5.is_some() {
        return solvers;
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/python");
    let found = Solvers::detect_in(timeout, Some(&local));
    if found.z3.is_some() && found.cvc5.is_some() {
        return found;
    }
    let status = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(&local)
        .args(["z3-solver", "cvc5-gpl"])
        .status()
        .expect("python3 must be installed");
    let found = Solvers::detect_in(timeout, Some(&local));
    assert!(
        status.success() && found.z3.is_some() && found.cvc5.is_some(),
        "could not install z3-solver and cvc5-gpl from PyPI into {}",
        local.display()
    );
    found
}
