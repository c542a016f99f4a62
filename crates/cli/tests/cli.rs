//! The `tessera` binary as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run tessera")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn sha256_example_prints_the_right_digest() {
    let out = tessera(&[
        "run",
        "guest/bin/sha256.elf",
        "--stdin",
        "guest/inputs/message.txt",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let message = std::fs::read(root().join("guest/inputs/message.txt")).unwrap();
    let digest = hex(&Sha256::digest(&message));
    assert_eq!(text(&out.stdout).trim(), digest);
    let summary = text(&out.stderr);
    assert!(summary.contains("cycles"), "{summary}");
    assert!(summary.contains("exit code 0"), "{summary}");
    // The public values are the 32-byte digest; the committed digest is their SHA-256.
    let committed = hex(&Sha256::digest(Sha256::digest(&message)));
    assert!(summary.contains(&committed), "{summary}");
    assert!(summary.contains("(matches their SHA-256)"), "{summary}");
}

#[test]
fn every_example_runs_and_writes_its_public_values() {
    let examples = [
        (
            "fibonacci",
            "fibonacci.bin",
            "fib(1000) mod 2^32 = 1556111435\n",
        ),
        (
            "keccak",
            "message.txt",
            "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15\n",
        ),
        ("io", "name.txt", "hello, Tessera!\n"),
        (
            "precompiles",
            "message.txt",
            "sha256 d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592\n",
        ),
    ];
    for (name, input, stdout_start) in examples {
        let pv =
            std::env::temp_dir().join(format!("tessera-cli-{}-{name}.bin", std::process::id()));
        let out = tessera(&[
            "run",
            &format!("guest/bin/{name}.elf"),
            "--stdin",
            &format!("guest/inputs/{input}"),
            "--public-values",
            pv.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).starts_with(stdout_start),
            "{name}: {}",
            text(&out.stdout)
        );
        let public_values = std::fs::read(&pv).unwrap();
        std::fs::remove_file(&pv).unwrap();
        assert!(!public_values.is_empty());
        assert!(text(&out.stderr).contains(&hex(&Sha256::digest(&public_values))));
    }
    let sort = tessera(&[
        "run",
        "guest/bin/sort.elf",
        "--stdin",
        "guest/inputs/sort.bin",
    ]);
    assert!(sort.status.success());
    assert!(text(&sort.stdout).starts_with("sorted 1000 numbers"));
}

#[test]
fn io_example_passes_stderr_through() {
    let out = tessera(&[
        "run",
        "guest/bin/io.elf",
        "--stdin",
        "guest/inputs/name.txt",
    ]);
    assert!(text(&out.stderr).contains("io: fd 14 round trip ok"));
}

#[test]
fn a_failing_guest_exits_nonzero_with_its_code() {
    // fibonacci wants exactly 4 bytes of input and returns 1 otherwise.
    let out = tessera(&[
        "run",
        "guest/bin/fibonacci.elf",
        "--stdin",
        "guest/inputs/name.txt",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("guest exited with code 1"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn errors_are_one_clear_line_and_never_a_panic() {
    let cases: [(&[&str], &str); 5] = [
        (&["run", "guest/bin/sha256.elf"], "not enough input"),
        (
            &[
                "run",
                "guest/bin/sort.elf",
                "--stdin",
                "guest/inputs/sort.bin",
                "--max-cycles",
                "1000",
            ],
            "cycle limit of 1000 cycles",
        ),
        (&["run", "guest/inputs/message.txt"], "not an ELF file"),
        (&["run", "no/such/file.elf"], "reading no/such/file.elf"),
        (&["disasm", "Cargo.toml"], "not an ELF file"),
    ];
    for (args, message) in cases {
        let out = tessera(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.matches(message).count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // An execution error names the pc and the instruction.
    let out = tessera(&["run", "guest/bin/sha256.elf"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("pc 0x") && stderr.contains("`syscall`"),
        "{stderr}"
    );
}

#[test]
fn a_truncated_elf_is_a_clear_error() {
    let elf = std::fs::read(root().join("guest/bin/fibonacci.elf")).unwrap();
    let path =
        std::env::temp_dir().join(format!("tessera-cli-{}-truncated.elf", std::process::id()));
    std::fs::write(&path, &elf[..100]).unwrap();
    let out = tessera(&["run", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("truncated"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn disasm_lists_functions_and_instructions() {
    let out = tessera(&["disasm", "guest/bin/fibonacci.elf"]);
    assert!(out.status.success());
    let listing = text(&out.stdout);
    assert!(listing.contains("<_start>:"), "{listing}");
    assert!(listing.contains("<main>:"));
    assert!(listing.contains("lui $sp, 0x7f00"));
    assert!(listing.contains("syscall"));
    assert!(listing.contains("jr $ra"));
}

#[test]
fn trace_prints_each_instruction_up_to_the_failure() {
    let out = tessera(&["run", "guest/bin/sha256.elf", "--trace"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("-- shard 0 from cycle 0"), "{stderr}");
    assert!(
        stderr.contains("00400000: 3c1d7f00  lui $sp, 0x7f00"),
        "{stderr}"
    );
    // The last traced instruction is the one before the failing syscall.
    let lines: Vec<&str> = stderr.lines().collect();
    let error = lines.last().unwrap();
    assert!(error.starts_with("error: at cycle 12"), "{error}");
    assert!(
        lines[lines.len() - 2].trim_start().starts_with("11 "),
        "{stderr}"
    );
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tessera-cli-{}-{name}", std::process::id()))
}

#[test]
fn prove_then_verify_with_the_public_values() {
    let proof = temp("io.proof");
    let public = temp("io.public");
    let proof_s = proof.to_str().unwrap();
    let public_s = public.to_str().unwrap();
    // The public values the guest writes, from a plain run.
    let out = tessera(&[
        "run",
        "guest/bin/io.elf",
        "--stdin",
        "guest/inputs/name.txt",
        "--public-values",
        public_s,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tessera(&[
        "prove",
        "guest/bin/io.elf",
        "--stdin",
        "guest/inputs/name.txt",
        "-o",
        proof_s,
        "--shard-size",
        "2048",
        "--insecure",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Cpu") && stderr.contains("cycles/s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("in 4 shards of at most 2048 cycles"),
        "{stderr}"
    );

    let digest = hex(&Sha256::digest(std::fs::read(&public).unwrap()));
    let out = tessera(&[
        "verify",
        "guest/bin/io.elf",
        proof_s,
        "--public-values",
        public_s,
        "--insecure",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), digest);
    assert!(
        text(&out.stderr).contains("in 4 shards"),
        "{}",
        text(&out.stderr)
    );

    // Other bytes as public values, another program, a production verifier, a damaged proof:
    // each a clear error.
    let out = tessera(&[
        "verify",
        "guest/bin/io.elf",
        proof_s,
        "--public-values",
        "guest/inputs/name.txt",
        "--insecure",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("hashes to"),
        "{}",
        text(&out.stderr)
    );
    let out = tessera(&["verify", "guest/bin/fibonacci.elf", proof_s, "--insecure"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("another program"),
        "{}",
        text(&out.stderr)
    );
    let out = tessera(&["verify", "guest/bin/io.elf", proof_s]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--insecure"),
        "{}",
        text(&out.stderr)
    );
    let mut bytes = std::fs::read(&proof).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x40;
    let damaged = temp("damaged.proof");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = tessera(&[
        "verify",
        "guest/bin/io.elf",
        damaged.to_str().unwrap(),
        "--insecure",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: ") && !stderr.contains("panicked"),
        "{stderr}"
    );
    for path in [proof, public, damaged] {
        let _ = std::fs::remove_file(path);
    }
}

#[test]
fn unprovable_runs_are_clear_errors() {
    let proof = temp("never.proof");
    let cases: [(&[&str], &str); 3] = [
        (
            &["prove", "guest/bin/sha256.elf", "--insecure"],
            "not enough input",
        ),
        (
            &[
                "prove",
                "guest/bin/fibonacci.elf",
                "--shard-size",
                "1",
                "--insecure",
            ],
            "shard size 1 is out of range",
        ),
        (
            &["verify", "guest/bin/io.elf", "Cargo.toml"],
            "not a Tessera proof",
        ),
    ];
    for (args, message) in cases {
        let mut args = args.to_vec();
        args.extend(["-o", proof.to_str().unwrap()]);
        if args[0] == "verify" {
            args.truncate(3);
        }
        let out = tessera(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        // An error chain prints each cause once.
        assert_eq!(stderr.matches(message).count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert!(!proof.exists());
}

#[test]
fn circuit_stats_counts_every_chip_and_the_shard() {
    let out = tessera(&[
        "circuit",
        "stats",
        "guest/bin/fibonacci.elf",
        "--stdin",
        "guest/inputs/fibonacci.bin",
        "--shard-size",
        "4096",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let row = |name: &str| -> Vec<usize> {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row: {stdout}"));
        line.split_whitespace()
            .rev()
            .take(4)
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let (cpu, shard) = (row("Cpu"), row("shard"));
    // muls, gates, constants, inputs: the shard holds at least the CPU's.
    for (c, s) in cpu.iter().zip(&shard) {
        assert!(c > &0 && s >= c, "{stdout}");
    }
    // The executor may cut a cycle early to keep a delay slot with its branch.
    assert!(stdout.contains("first shard of 409"), "{stdout}");
}
