//! Differential tests against Unicorn (QEMU's MIPS core), driven by `tools/unicorn_oracle.py`:
//! random instruction streams and every example guest, comparing registers, HI/LO, memory writes
//! and outputs. Needs `python3`; `unicorn` and `pyelftools` come from PyPI, installed into
//! `target/python` on first use when the system Python lacks them (as cargo fetches crates).
//! `TESSERA_SKIP_UNICORN=1` skips these tests on a machine that cannot reach PyPI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tessera_executor::{ExecErrorKind, Executor, ExecutorConfig};
use tessera_mips::{Instruction, Program, Segment};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The PYTHONPATH under which `unicorn` and `elftools` import, installing them once if needed.
fn python_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let local = root().join("target/python");
        let local = local.to_str().expect("utf-8 path").to_string();
        let imports = |path: &str| {
            Command::new("python3")
                .args(["-c", "import unicorn, elftools"])
                .env("PYTHONPATH", path)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if imports(&local) {
            return local;
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
            .args(["unicorn", "pyelftools"])
            .status()
            .expect("python3 must be installed");
        assert!(
            status.success() && imports(&local),
            "could not install unicorn and pyelftools from PyPI into {local} \
             (or set TESSERA_SKIP_UNICORN=1 to skip the Unicorn differential tests)"
        );
        local
    })
}

/// Runs the oracle with `args`; `None` when the test is explicitly skipped.
fn oracle(args: &[&str], name: &str) -> Option<Value> {
    if std::env::var_os("TESSERA_SKIP_UNICORN").is_some() {
        eprintln!("TESSERA_SKIP_UNICORN is set: skipping the Unicorn differential test");
        return None;
    }
    let out =
        std::env::temp_dir().join(format!("tessera-oracle-{}-{name}.json", std::process::id()));
    let status = Command::new("python3")
        .env("PYTHONPATH", python_path())
        .arg(root().join("tools/unicorn_oracle.py"))
        .args(args)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("python3 must be installed (see .ci/run)");
    assert!(status.success(), "the Unicorn oracle failed");
    let text = std::fs::read_to_string(&out).expect("oracle output");
    let _ = std::fs::remove_file(&out);
    Some(serde_json::from_str(&text).expect("oracle output is JSON"))
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("number") as u32)
        .collect()
}

fn num(v: &Value) -> u32 {
    v.as_u64().expect("number") as u32
}

/// The oracle's data-region initialiser (xorshift32), byte for byte.
fn data_bytes(seed: u32, size: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn listing(code: &[u32], base: u32) -> String {
    code.iter()
        .enumerate()
        .map(|(i, &w)| {
            let pc = base + 4 * i as u32;
            format!(
                "  {pc:#x}: {w:08x}  {}\n",
                Instruction::decode(w).disassemble(pc)
            )
        })
        .collect()
}

/// Runs one random case in fast or tracing mode; returns a description of any mismatch.
fn check_case(
    case: &Value,
    code_base: u32,
    data_base: u32,
    data_size: usize,
    trace: bool,
) -> Option<String> {
    let code = u32s(&case["code"]);
    let init = data_bytes(num(&case["data_seed"]), data_size);
    let data = Segment {
        vaddr: data_base,
        mem_size: data_size as u32,
        data: init.clone(),
        executable: false,
        writable: true,
    };
    let program = Program::from_code(code_base, &code, vec![data]);
    let mut executor = Executor::new(
        &program,
        vec![],
        ExecutorConfig {
            max_cycles: 100_000,
            shard_size: 7,
        },
    );
    for (r, v) in u32s(&case["regs"]).into_iter().enumerate() {
        executor.set_register(r as u8, v);
    }
    executor.set_hi_lo(num(&case["hi"]), num(&case["lo"]));
    let result = if trace {
        executor.run_traced(|_| {})
    } else {
        executor.run_fast()
    };
    let expect = &case["expect"];
    let mut problems = Vec::new();
    match (expect["outcome"].as_str().unwrap_or(""), &result) {
        ("halt", Ok(outcome)) if outcome.exit_code == 0 => {}
        ("trap", Err(e)) if matches!(e.kind, ExecErrorKind::Trap(_)) => {
            if e.pc != num(&expect["pc"]) {
                problems.push(format!(
                    "trap at {:#x}, unicorn at {:#x}",
                    e.pc,
                    num(&expect["pc"])
                ));
            }
        }
        (outcome, _) => problems.push(format!("unicorn: {outcome}; tessera: {result:?}")),
    }
    let expected_regs = u32s(&expect["regs"]);
    for (r, (&got, &want)) in executor.registers().iter().zip(&expected_regs).enumerate() {
        if got != want {
            problems.push(format!(
                "${}: tessera {got:#010x}, unicorn {want:#010x}",
                tessera_mips::REGISTER_NAMES[r]
            ));
        }
    }
    let (hi, lo) = executor.hi_lo();
    if (hi, lo) != (num(&expect["hi"]), num(&expect["lo"])) {
        problems.push(format!(
            "hi/lo: tessera {hi:#x}/{lo:#x}, unicorn {:#x}/{:#x}",
            num(&expect["hi"]),
            num(&expect["lo"])
        ));
    }
    let final_bytes = executor.memory().read_bytes(data_base, data_size as u32);
    let changes: Vec<(usize, u8)> = final_bytes
        .iter()
        .zip(&init)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, (a, _))| (i, *a))
        .collect();
    let expected_changes: Vec<(usize, u8)> = expect["data_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|p| {
            (
                p[0].as_u64().unwrap() as usize,
                p[1].as_u64().unwrap() as u8,
            )
        })
        .collect();
    if changes != expected_changes {
        problems.push(format!(
            "memory writes differ: tessera {changes:?}, unicorn {expected_changes:?}"
        ));
    }
    (!problems.is_empty()).then(|| {
        format!(
            "case {} ({} mode):\n{}\n{}",
            case["index"],
            if trace { "tracing" } else { "fast" },
            problems.join("\n"),
            listing(&code, code_base)
        )
    })
}

#[test]
fn random_instruction_streams_match_unicorn() {
    let count = std::env::var("TESSERA_DIFF_COUNT").unwrap_or_else(|_| "10000".into());
    let Some(suite) = oracle(
        &["random", "--count", &count, "--seed", "20261123"],
        "random",
    ) else {
        return;
    };
    let code_base = num(&suite["code_base"]);
    let data_base = num(&suite["data_base"]);
    let data_size = suite["data_size"].as_u64().unwrap() as usize;
    let cases = suite["cases"].as_array().expect("cases");
    assert_eq!(cases.len().to_string(), count);
    let mut mismatches = Vec::new();
    let mut instructions = 0;
    for case in cases {
        instructions += case["code"].as_array().unwrap().len();
        for trace in [false, true] {
            if let Some(m) = check_case(case, code_base, data_base, data_size, trace) {
                mismatches.push(m);
            }
        }
    }
    eprintln!(
        "{} streams, {instructions} instructions compared",
        cases.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches with Unicorn; first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn example_guests_match_unicorn() {
    let guests = [
        ("fibonacci", "fibonacci.bin"),
        ("sha256", "message.txt"),
        ("keccak", "message.txt"),
        ("sort", "sort.bin"),
        ("io", "name.txt"),
        ("precompiles", "message.txt"),
    ];
    // POSEIDON2_PERMUTE is defined as Plonky3's permutation: the oracle gets its vectors from it.
    // The precompiles guest permutes the state 0, 1, ..., 15.
    let state: [u32; 16] = std::array::from_fn(|i| i as u32);
    let vectors = serde_json::json!([{
        "input": state.to_vec(),
        "output": tessera_executor::poseidon2_permute(&state).unwrap().to_vec(),
    }]);
    let vectors_file =
        std::env::temp_dir().join(format!("tessera-poseidon2-{}.json", std::process::id()));
    std::fs::write(&vectors_file, vectors.to_string()).unwrap();
    for (name, input) in guests {
        let elf = root().join(format!("guest/bin/{name}.elf"));
        let input = root().join(format!("guest/inputs/{input}"));
        let Some(expect) = oracle(
            &[
                "elf",
                elf.to_str().unwrap(),
                "--stdin",
                input.to_str().unwrap(),
                "--poseidon2",
                vectors_file.to_str().unwrap(),
            ],
            name,
        ) else {
            return;
        };
        let program = Program::from_elf(&std::fs::read(&elf).unwrap()).unwrap();
        let mut executor = Executor::new(
            &program,
            vec![std::fs::read(&input).unwrap()],
            ExecutorConfig::default(),
        );
        let outcome = executor
            .run_fast()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            outcome.exit_code,
            num(&expect["exit_code"]),
            "{name}: exit code"
        );
        assert_eq!(
            executor.registers().to_vec(),
            u32s(&expect["regs"]),
            "{name}: registers"
        );
        assert_eq!(
            executor.hi_lo(),
            (num(&expect["hi"]), num(&expect["lo"])),
            "{name}: hi/lo"
        );
        let io = executor.io();
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(&io.stdout),
            expect["stdout"].as_str().unwrap(),
            "{name}: stdout"
        );
        assert_eq!(
            hex(&io.stderr),
            expect["stderr"].as_str().unwrap(),
            "{name}: stderr"
        );
        assert_eq!(
            hex(&io.public_values),
            expect["public_values"].as_str().unwrap(),
            "{name}: public values"
        );
        assert_eq!(
            io.committed_digest.to_vec(),
            u32s(&expect["digest"]),
            "{name}: digest"
        );
        for region in expect["regions"].as_array().unwrap() {
            let (start, size) = (num(&region[0]), num(&region[1]));
            let bytes = executor.memory().read_bytes(start, size);
            let digest = hex(&Sha256::digest(&bytes));
            assert_eq!(
                digest,
                region[2].as_str().unwrap(),
                "{name}: memory at {start:#x}+{size:#x}"
            );
        }
    }
    let _ = std::fs::remove_file(&vectors_file);
}
