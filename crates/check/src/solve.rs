//! The solver portfolio: each query's encodings run as subprocesses (z3 on the integer one, cvc5
//! on the finite-field one), the first definite answer wins and the others are stopped; each
//! has a timeout; answers are cached on disk by the hash of the query text.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use p3_field::PrimeField32;
use sha2::{Digest, Sha256};
use tessera_stark::Val;

use crate::smt::Theory;

/// A solver's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Unsat,
    /// A model: each named cell's canonical value.
    Sat(HashMap<String, u32>),
    /// No definite answer, with the reason.
    Unknown(String),
}

/// How to reach the solvers.
#[derive(Clone, Debug)]
pub struct Solvers {
    pub z3: Option<PathBuf>,
    /// The Python interpreter with the `cvc5` module, and the driver script.
    pub cvc5: Option<(PathBuf, PathBuf)>,
    /// `PYTHONPATH` for cvc5's driver, when its module lives in a folder of its own.
    pub python_path: Option<PathBuf>,
    pub timeout: Duration,
    pub cache: Option<PathBuf>,
}

impl Solvers {
    /// The solvers this machine has: `z3` on the `PATH` (or beside Python's scripts, where
    /// `pip install z3-solver` puts it) and Python's `cvc5` module.
    pub fn detect(timeout: Duration) -> Self {
        Self::detect_in(timeout, None)
    }

    /// As [`Solvers::detect`], also looking in `folder`, a `pip install --target` folder.
    pub fn detect_in(timeout: Duration, folder: Option<&std::path::Path>) -> Self {
        let z3 = find_z3().or_else(|| {
            let z3 = folder?.join("bin/z3");
            z3.is_file().then_some(z3)
        });
        let python_path = folder.map(|f| f.to_path_buf());
        let cvc5 = python_with_cvc5(python_path.as_deref())
            .and_then(|python| Some((python, cvc5_driver()?)));
        let cache = std::env::var_os("TESSERA_CHECK_CACHE")
            .map(PathBuf::from)
            .or_else(|| Some(std::env::temp_dir().join("tessera-check-cache")));
        Solvers {
            z3,
            cvc5,
            python_path,
            timeout,
            cache,
        }
    }

    pub fn describe(&self) -> String {
        let z3 = if self.z3.is_some() { "z3" } else { "no z3" };
        let cvc5 = if self.cvc5.is_some() {
            "cvc5"
        } else {
            "no cvc5"
        };
        format!("{z3}, {cvc5}, {} s per query", self.timeout.as_secs_f32())
    }

    /// Solves one query given in each theory; the first definite answer wins.
    pub fn solve(&self, queries: &[(Theory, String)]) -> Answer {
        let key = {
            let mut h = Sha256::new();
            for (t, q) in queries {
                h.update(format!("{t:?}\n{q}"));
            }
            let digest = h.finalize();
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        if let Some(answer) = self.cached(&key) {
            tracing::trace!(key = &key[..12], answer = kind(&answer), "cached");
            return answer;
        }
        let started = Instant::now();
        let answer = self.run(queries, &key);
        tracing::debug!(
            key = &key[..12],
            answer = kind(&answer),
            bytes = queries.iter().map(|(_, q)| q.len()).sum::<usize>(),
            ms = started.elapsed().as_millis() as u64,
            "solved"
        );
        if !matches!(answer, Answer::Unknown(_)) {
            self.store(&key, &answer);
        }
        answer
    }

    fn cached(&self, key: &str) -> Option<Answer> {
        let text = std::fs::read_to_string(self.cache.as_ref()?.join(key)).ok()?;
        Some(parse(&text))
    }

    fn store(&self, key: &str, answer: &Answer) {
        let Some(dir) = &self.cache else { return };
        let text = match answer {
            Answer::Unsat => "unsat\n".to_string(),
            Answer::Sat(model) => {
                let mut pairs: Vec<_> = model.iter().collect();
                pairs.sort();
                let body: Vec<String> = pairs.iter().map(|(k, v)| format!("({k} {v})")).collect();
                format!("sat\n({})\n", body.join(" "))
            }
            Answer::Unknown(_) => return,
        };
        if std::fs::create_dir_all(dir).is_ok() {
            let _ = std::fs::write(dir.join(key), text);
        }
    }

    fn run(&self, queries: &[(Theory, String)], key: &str) -> Answer {
        // One folder per query: queries may run in parallel threads of one process.
        let dir = std::env::temp_dir().join(format!("tessera-check-{}-{key}", std::process::id()));
        if std::fs::create_dir_all(&dir).is_err() {
            return Answer::Unknown("cannot write the query files".into());
        }
        let mut running: Vec<(String, Child, PathBuf)> = Vec::new();
        let mut reasons = Vec::new();
        for (theory, text) in queries {
            let file = dir.join(format!("{key}-{theory:?}.smt2"));
            let out = dir.join(format!("{key}-{theory:?}.out"));
            if std::fs::write(&file, text).is_err() {
                continue;
            }
            let ms = self.timeout.as_millis().max(1);
            let command = match theory {
                Theory::Integer => self.z3.as_ref().map(|z3| {
                    let mut c = Command::new(z3);
                    // `-T` (seconds) is z3's hard limit: it also ends a z3 that outlives a
                    // killed checker.
                    let hard = 2 * self.timeout.as_secs() + 5;
                    c.arg(format!("-t:{ms}"))
                        .arg(format!("-T:{hard}"))
                        .arg(&file);
                    ("z3", c)
                }),
                Theory::FiniteField => self.cvc5.as_ref().map(|(python, driver)| {
                    let mut c = Command::new(python);
                    c.arg(driver).arg(&file).arg(ms.to_string());
                    if let Some(path) = &self.python_path {
                        c.env("PYTHONPATH", path);
                    }
                    ("cvc5", c)
                }),
            };
            let Some((name, mut command)) = command else {
                reasons.push(format!("no solver for the {theory:?} encoding"));
                continue;
            };
            let Ok(sink) = std::fs::File::create(&out) else {
                continue;
            };
            match command.stdout(sink).stderr(Stdio::null()).spawn() {
                Ok(child) => running.push((name.to_string(), child, out)),
                Err(e) => reasons.push(format!("{name} did not start: {e}")),
            }
        }
        let deadline = Instant::now() + self.timeout + Duration::from_secs(2);
        let mut answer = None;
        while !running.is_empty() && answer.is_none() {
            let mut i = 0;
            while i < running.len() {
                let done = matches!(running[i].1.try_wait(), Ok(Some(_)));
                if done {
                    let (name, _, out) = running.remove(i);
                    let text = std::fs::read_to_string(&out).unwrap_or_default();
                    match parse(&text) {
                        Answer::Unknown(why) => reasons.push(format!("{name}: {why}")),
                        definite => {
                            answer = Some(definite);
                            break;
                        }
                    }
                } else {
                    i += 1;
                }
            }
            if Instant::now() > deadline {
                reasons.push("timeout".into());
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        for (_, mut child, _) in running {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&dir);
        answer.unwrap_or_else(|| Answer::Unknown(reasons.join("; ")))
    }
}

fn kind(answer: &Answer) -> &'static str {
    match answer {
        Answer::Unsat => "unsat",
        Answer::Sat(_) => "sat",
        Answer::Unknown(_) => "unknown",
    }
}

/// A solver's output: `sat`/`unsat`/`unknown`, then the `get-value` list.
fn parse(text: &str) -> Answer {
    let mut lines = text.lines();
    match lines.next().map(str::trim) {
        Some("unsat") => Answer::Unsat,
        Some("sat") => {
            let rest: String = lines.collect::<Vec<_>>().join(" ");
            match parse_values(&rest) {
                Some(model) => Answer::Sat(model),
                None => Answer::Unknown("unreadable model".into()),
            }
        }
        Some("unknown") | Some("timeout") => Answer::Unknown("the solver gave up".into()),
        Some(other) => Answer::Unknown(format!("unexpected output {other:?}")),
        None => Answer::Unknown("no output (timeout)".into()),
    }
}

/// `((x1 5) (x2 (- 3)) (x3 #f7m2130706433))` into canonical field values.
fn parse_values(text: &str) -> Option<HashMap<String, u32>> {
    let p = Val::ORDER_U32 as i128;
    let tokens: Vec<String> = text
        .replace('(', " ( ")
        .replace(')', " ) ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut model = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        // A pair starts with "(" name.
        if tokens[i] == "(" && i + 2 < tokens.len() && tokens[i + 1] != "(" {
            let name = tokens[i + 1].clone();
            let (value, next) = if tokens[i + 2] == "(" && tokens.get(i + 3)? == "-" {
                (-(tokens.get(i + 4)?.parse::<i128>().ok()?), i + 6)
            } else if let Some(ff) = tokens[i + 2].strip_prefix("#f") {
                let digits = ff.split('m').next()?;
                (digits.parse::<i128>().ok()?, i + 3)
            } else {
                (tokens[i + 2].parse::<i128>().ok()?, i + 3)
            };
            model.insert(name, value.rem_euclid(p) as u32);
            i = next;
        } else {
            i += 1;
        }
    }
    Some(model)
}

fn find_z3() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("z3"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let out = Command::new("python3")
            .args([
                "-c",
                "import sysconfig; print(sysconfig.get_path('scripts'))",
            ])
            .output()
            .ok()?;
        let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
        let z3 = dir.join("z3");
        z3.is_file().then_some(z3)
    })
}

/// The cvc5 driver script, written out once per process (it is compiled into the binary, so
/// `tessera check` works from anywhere).
fn cvc5_driver() -> Option<PathBuf> {
    const DRIVER: &str = include_str!("../solvers/cvc5_smtlib.py");
    let path = std::env::temp_dir().join(format!("tessera-cvc5-{}.py", std::process::id()));
    std::fs::write(&path, DRIVER).ok()?;
    Some(path)
}

fn python_with_cvc5(python_path: Option<&std::path::Path>) -> Option<PathBuf> {
    let mut command = Command::new("python3");
    if let Some(path) = python_path {
        command.env("PYTHONPATH", path);
    }
    let ok = command
        .args(["-c", "import cvc5"])
        .stderr(Stdio::null())
        .status()
        .ok()?
        .success();
    ok.then(|| PathBuf::from("python3"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_of_both_solvers_parse() {
        let z3 = parse("sat\n((x1 5)\n (x2_0 (- 3)))\n");
        let Answer::Sat(m) = z3 else { panic!() };
        assert_eq!(m["x1"], 5);
        assert_eq!(m["x2_0"], Val::ORDER_U32 - 3);
        let cvc5 = parse("sat\n((x1 #f2130706431m2130706433) (y #f1m2130706433))\n");
        let Answer::Sat(m) = cvc5 else { panic!() };
        assert_eq!(m["x1"], Val::ORDER_U32 - 2);
        assert_eq!(parse("unsat\n"), Answer::Unsat);
        assert!(matches!(parse(""), Answer::Unknown(_)));
    }
}
