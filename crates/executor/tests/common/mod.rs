//! A tiny assembler and runner for executor tests.
#![allow(dead_code)]

use tessera_executor::{ExecError, Executor, ExecutorConfig, Outcome};
use tessera_mips::{Program, Segment};

pub const CODE: u32 = 0x0040_0000;
pub const DATA: u32 = 0x1000_0000;

pub fn r(rs: u8, rt: u8, rd: u8, shamt: u32, funct: u32) -> u32 {
    ((rs as u32) << 21) | ((rt as u32) << 16) | ((rd as u32) << 11) | (shamt << 6) | funct
}

pub fn special2(rs: u8, rt: u8, rd: u8, funct: u32) -> u32 {
    (0x1C << 26) | r(rs, rt, rd, 0, funct)
}

pub fn special3(rs: u8, rt: u8, rd: u8, shamt: u32, funct: u32) -> u32 {
    (0x1F << 26) | r(rs, rt, rd, shamt, funct)
}

pub fn i(op: u32, rs: u8, rt: u8, imm: i32) -> u32 {
    (op << 26) | ((rs as u32) << 21) | ((rt as u32) << 16) | (imm as u32 & 0xFFFF)
}

pub const NOP: u32 = 0;
pub const SYSCALL: u32 = 0x0000_000C;
/// `addiu $v0, $zero, 0; syscall`: halt with exit code `$a0`.
pub const HALT: [u32; 2] = [0x2402_0000, SYSCALL];

pub fn li(reg: u8, value: u32) -> [u32; 2] {
    [
        i(0x0F, 0, reg, (value >> 16) as i32),
        i(0x0D, reg, reg, (value & 0xFFFF) as i32),
    ]
}

/// The state after a run: its result, registers, HI/LO, and the words at the addresses asked.
pub struct Run {
    pub result: Result<Outcome, ExecError>,
    pub regs: [u32; 32],
    pub hi: u32,
    pub lo: u32,
    pub words: Vec<u32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub public_values: Vec<u8>,
    pub inputs_after: Vec<Vec<u8>>,
}

impl Run {
    pub fn ok(&self) -> &Self {
        if let Err(e) = &self.result {
            panic!("run failed: {e}");
        }
        self
    }

    pub fn err(&self) -> &ExecError {
        self.result.as_ref().expect_err("run should fail")
    }
}

pub struct Setup<'a> {
    pub regs: &'a [(u8, u32)],
    pub hi_lo: (u32, u32),
    /// Initial words of the data segment at DATA (64 words).
    pub data: &'a [(u32, u32)],
    pub inputs: Vec<Vec<u8>>,
    pub max_cycles: u64,
    pub read: &'a [u32],
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup {
            regs: &[],
            hi_lo: (0, 0),
            data: &[],
            inputs: vec![],
            max_cycles: 10_000,
            read: &[],
        }
    }
}

pub fn program(code: &[u32], data: &[(u32, u32)]) -> Program {
    let end = data
        .iter()
        .map(|&(addr, _)| addr - DATA + 4)
        .max()
        .unwrap_or(0);
    let mut bytes = vec![0u8; (end as usize).max(256)];
    for &(addr, word) in data {
        let at = (addr - DATA) as usize;
        bytes[at..at + 4].copy_from_slice(&word.to_le_bytes());
    }
    let segment = Segment {
        vaddr: DATA,
        mem_size: bytes.len() as u32,
        data: bytes,
        executable: false,
        writable: true,
    };
    Program::from_code(CODE, code, vec![segment])
}

/// Runs `code` (followed by HALT) in both modes, checks they agree, and returns the fast run.
pub fn run_with(code: &[u32], setup: Setup) -> Run {
    let mut full = code.to_vec();
    full.extend(HALT);
    let program = program(&full, setup.data);
    let mut runs = [false, true].map(|trace| {
        let mut ex = Executor::new(
            &program,
            setup.inputs.clone(),
            ExecutorConfig {
                max_cycles: setup.max_cycles,
                shard_size: 4,
            },
        );
        for &(reg, v) in setup.regs {
            ex.set_register(reg, v);
        }
        ex.set_hi_lo(setup.hi_lo.0, setup.hi_lo.1);
        let result = if trace {
            ex.run_traced(|_| {})
        } else {
            ex.run_fast()
        };
        let (hi, lo) = ex.hi_lo();
        Run {
            result,
            regs: *ex.registers(),
            hi,
            lo,
            words: setup.read.iter().map(|&a| ex.memory().word(a)).collect(),
            stdout: ex.io().stdout.clone(),
            stderr: ex.io().stderr.clone(),
            public_values: ex.io().public_values.clone(),
            inputs_after: ex.io().inputs.clone(),
        }
    });
    let [fast, traced] = &mut runs;
    assert_eq!(fast.result, traced.result, "fast and tracing mode disagree");
    assert_eq!(fast.regs, traced.regs, "fast and tracing mode disagree");
    assert_eq!((fast.hi, fast.lo), (traced.hi, traced.lo));
    assert_eq!(fast.words, traced.words);
    let [fast, _] = runs;
    fast
}

pub fn run(code: &[u32], regs: &[(u8, u32)]) -> Run {
    run_with(
        code,
        Setup {
            regs,
            ..Setup::default()
        },
    )
}
