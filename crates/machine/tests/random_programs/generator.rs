//! The generator: programs made of units that cannot fail, and how their runs are cut.

use super::*;

pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
    pub(super) fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
    pub(super) fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }
    pub(super) fn value(&mut self) -> u32 {
        match self.below(4) {
            0 => self.pick(&[
                0,
                1,
                2,
                31,
                32,
                0x7FFF,
                0x8000,
                0xFFFF,
                0x7FFF_FFFF,
                0x8000_0000,
                0x8000_0001,
                0xFFFF_FFFF,
                0xFFFF_FFFE,
                0xFFFF_8000,
            ]),
            _ => self.next(),
        }
    }
    pub(super) fn imm(&mut self) -> i32 {
        match self.below(4) {
            0 => self.pick(&[0, 1, -1, 0x7FFF, -0x8000, 31, 32]),
            _ => self.next() as u16 as i16 as i32,
        }
    }
}

/// Where a branch or jump goes: the start of the unit with this id (or the first later one that
/// is left, or HALT), or a word of its own unit.
#[derive(Clone, Copy, Debug)]
pub(super) enum Label {
    Unit(usize),
    Local(usize),
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Word {
    Fixed(u32),
    /// A branch, its offset filled in.
    Branch(u32, Label),
    /// J or JAL, its target filled in.
    Jump(u32, Label),
    /// `lui reg, %hi(label)` and `ori reg, reg, %lo(label)`.
    Hi(u8, Label),
    Lo(u8, Label),
}

#[derive(Clone, Debug)]
pub(super) struct Unit {
    pub(super) id: usize,
    pub(super) words: Vec<Word>,
}

/// A generated program: what runs it, and how its run is cut.
#[derive(Clone, Debug)]
pub(super) struct Generated {
    pub(super) seed: u64,
    pub(super) prologue: Vec<u32>,
    pub(super) units: Vec<Unit>,
    pub(super) epilogue: Vec<u32>,
    pub(super) data: Vec<(u32, u32)>,
    pub(super) inputs: Vec<Vec<u8>>,
    pub(super) shard_size: u64,
}

impl Generated {
    pub(super) fn code(&self) -> Vec<u32> {
        let mut starts = Vec::with_capacity(self.units.len());
        let mut at = CODE + 4 * self.prologue.len() as u32;
        for unit in &self.units {
            starts.push(at);
            at += 4 * unit.words.len() as u32;
        }
        let halt = at;
        let mut code = self.prologue.clone();
        for (unit, &start) in self.units.iter().zip(&starts) {
            let target = |label| match label {
                Label::Local(k) => start + 4 * k as u32,
                Label::Unit(id) => self
                    .units
                    .iter()
                    .position(|u| u.id >= id)
                    .map_or(halt, |k| starts[k]),
            };
            for (k, &word) in unit.words.iter().enumerate() {
                let pc = start + 4 * k as u32;
                code.push(match word {
                    Word::Fixed(w) => w,
                    Word::Branch(w, l) => {
                        let offset = (target(l) as i64 - (pc as i64 + 4)) / 4;
                        assert!((0..0x8000).contains(&offset), "forward and in reach");
                        w | offset as u32
                    }
                    Word::Jump(w, l) => w | ((target(l) >> 2) & 0x03FF_FFFF),
                    Word::Hi(reg, l) => i(0x0F, 0, reg, (target(l) >> 16) as i32),
                    Word::Lo(reg, l) => i(0x0D, reg, reg, (target(l) & 0xFFFF) as i32),
                });
            }
        }
        code.extend(&self.epilogue);
        code
    }

    pub(super) fn program(&self) -> Arc<Program> {
        Arc::new(crate::asm::program(&self.code(), &self.data))
    }

    pub(super) fn listing(&self) -> String {
        let code = self.code();
        let mut out = format!(
            "seed {:#x}, shard size {}, inputs {:?}\n",
            self.seed, self.shard_size, self.inputs
        );
        for (k, &word) in code.iter().enumerate() {
            let pc = CODE + 4 * k as u32;
            let text = Instruction::decode(word).disassemble(pc);
            out += &format!("  {pc:08x}: {word:08x}  {text}\n");
        }
        out += &format!(
            "  data at {DATA:#x}: {:08x?}\n",
            self.data.iter().map(|d| d.1).collect::<Vec<_>>()
        );
        out
    }

    /// Executes the program, returning its shards.
    pub(super) fn execute(&self) -> Result<Vec<Shard>, String> {
        let program = self.program();
        let config = ExecutorConfig {
            shard_size: self.shard_size,
            ..ExecutorConfig::default()
        };
        let mut shards = Vec::new();
        let outcome = Executor::new(&program, self.inputs.clone(), config)
            .run_traced(|s| shards.push(s.clone()))
            .map_err(|e| e.to_string())?;
        if outcome.exit_code != 0 {
            return Err(format!("exit code {}", outcome.exit_code));
        }
        Ok(shards)
    }

    /// Proves the run in shards of `shard_size` cycles and verifies the proof; returns the
    /// number of shards.
    pub(super) fn prove_and_verify(&self, shard_size: u64) -> Result<usize, String> {
        let program = self.program();
        let prover = ProgramProver::new(program, ConfigId::InsecureTesting);
        let options = ProveOptions {
            shard_size,
            shards_in_flight: 2,
        };
        let (proof, report) = prover
            .prove_with(self.inputs.clone(), options, &|_| {})
            .map_err(|e| format!("proving: {e}"))?;
        let out = prover
            .verifier()
            .verify(&proof)
            .map_err(|e| format!("verifying: {e}"))?;
        if out.digest != report.io.committed_digest_bytes() {
            return Err("the verified digest is not the committed one".into());
        }
        if (out.cycles, out.shards) != (report.cycles, report.shards) {
            return Err(format!(
                "verified {} cycles in {} shards, proved {} in {}",
                out.cycles, out.shards, report.cycles, report.shards
            ));
        }
        Ok(out.shards)
    }
}

pub(super) struct Generator {
    pub(super) rng: Rng,
    pub(super) units: Vec<Unit>,
    pub(super) words: usize,
    pub(super) inputs: Vec<Vec<u8>>,
}

/// `(opcode field, access size)` of every load and store.
pub(super) const LOADS: [(u32, u32); 8] = [
    (0x20, 1), // lb
    (0x24, 1), // lbu
    (0x21, 2), // lh
    (0x25, 2), // lhu
    (0x23, 4), // lw
    (0x22, 1), // lwl
    (0x26, 1), // lwr
    (0x30, 4), // ll
];
pub(super) const STORES: [(u32, u32); 6] = [
    (0x28, 1), // sb
    (0x29, 2), // sh
    (0x2B, 4), // sw
    (0x2A, 1), // swl
    (0x2E, 1), // swr
    (0x38, 4), // sc
];

/// The traps: register forms by funct, immediate forms by their rt field.
pub(super) const TRAPS: [Opcode; 6] = [
    Opcode::Teq,
    Opcode::Tne,
    Opcode::Tge,
    Opcode::Tgeu,
    Opcode::Tlt,
    Opcode::Tltu,
];

pub(super) fn trap_funct(op: Opcode) -> u32 {
    match op {
        Opcode::Tge => 0x30,
        Opcode::Tgeu => 0x31,
        Opcode::Tlt => 0x32,
        Opcode::Tltu => 0x33,
        Opcode::Teq => 0x34,
        _ => 0x36,
    }
}

pub(super) fn trap_imm_rt(op: Opcode) -> u8 {
    match op {
        Opcode::Tge => 0x08,
        Opcode::Tgeu => 0x09,
        Opcode::Tlt => 0x0A,
        Opcode::Tltu => 0x0B,
        Opcode::Teq => 0x0C,
        _ => 0x0E,
    }
}

pub(super) fn trap_taken(op: Opcode, a: u32, b: u32) -> bool {
    match op {
        Opcode::Teq => a == b,
        Opcode::Tne => a != b,
        Opcode::Tge => a as i32 >= b as i32,
        Opcode::Tgeu => a >= b,
        Opcode::Tlt => (a as i32) < b as i32,
        _ => a < b,
    }
}

impl Generator {
    pub(super) fn dest(&mut self) -> u8 {
        if self.rng.chance(10) {
            0
        } else {
            self.rng.pick(&REGS)
        }
    }

    pub(super) fn src(&mut self) -> u8 {
        match self.rng.below(24) {
            0..=2 => 0,
            3 => self
                .rng
                .pick(&[BASE, HIGH, RA, LINKS[0], LINKS[1], LINKS[2]]),
            _ => self.rng.pick(&REGS),
        }
    }

    pub(super) fn unit(&mut self, words: Vec<Word>) {
        self.words += words.len();
        let id = self.units.len();
        self.units.push(Unit { id, words });
    }

    /// A forward target: the start of one of the next few units (or HALT).
    pub(super) fn ahead(&mut self) -> Label {
        Label::Unit(self.units.len() + 1 + self.rng.below(4) as usize)
    }

    /// One instruction that neither branches nor fails, for anywhere (delay slots included).
    pub(super) fn simple(&mut self) -> u32 {
        let (d, s, t) = (self.dest(), self.src(), self.src());
        let shamt = self.rng.below(32);
        match self.rng.below(17) {
            0..=2 => {
                let funct = self.rng.pick(&[
                    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x04, 0x06, 0x07,
                    0x0A, 0x0B, 0x46, // rotrv
                ]);
                r(s, t, d, 0, funct)
            }
            3 => {
                let (rs, funct) = self.rng.pick(&[(0, 0x00), (0, 0x02), (0, 0x03), (1, 0x02)]);
                r(rs, t, d, shamt, funct)
            }
            4 | 5 => {
                let op = self
                    .rng
                    .pick(&[0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F]);
                i(op, if op == 0x0F { 0 } else { s }, d, self.rng.imm())
            }
            6 => match self.rng.below(3) {
                0 => special2(s, t, d, 0x02),     // mul
                k => special2(s, d, d, 0x1F + k), // clz, clo (rt = rd)
            },
            7 => {
                let pos = self.rng.below(32);
                let size = 1 + self.rng.below(32 - pos);
                match self.rng.below(5) {
                    0 => special3(s, d, (size - 1) as u8, pos, 0x00), // ext
                    1 => special3(s, d, (pos + size - 1) as u8, pos, 0x04), // ins
                    _ => special3(0, t, d, self.rng.pick(&[0x10, 0x18, 0x02]), 0x20),
                }
            }
            8 | 16 => match self.rng.below(8) {
                0 => r(s, t, 0, 0, self.rng.pick(&[0x18, 0x19])), // mult, multu
                1 => special2(s, t, 0, self.rng.pick(&[0x00, 0x01, 0x04, 0x05])),
                2 => r(s, 0, 0, 0, self.rng.pick(&[0x11, 0x13])), // mthi, mtlo
                3 => {
                    // div, divu by a base register: never zero.
                    let divisor = self.rng.pick(&[BASE, HIGH]);
                    r(s, divisor, 0, 0, self.rng.pick(&[0x1A, 0x1B]))
                }
                _ => r(0, 0, d, 0, self.rng.pick(&[0x10, 0x12])), // mfhi, mflo
            },
            9..=11 => {
                let (op, size, rt) = if self.rng.chance(55) {
                    let (op, size) = self.rng.pick(&LOADS);
                    (op, size, d)
                } else {
                    // SC writes its rt too.
                    let (op, size) = self.rng.pick(&STORES);
                    (op, size, if op == 0x38 { d } else { t })
                };
                let (base, offset) = self.address(size);
                i(op, base, rt, offset)
            }
            12 => {
                let (base, offset) = self.address(4);
                i(self.rng.pick(&[0x30, 0x38]), base, d, offset) // ll, sc
            }
            13 => {
                if self.rng.chance(50) {
                    r(0, 0, 0, self.rng.below(32), 0x0F) // sync with a random stype
                } else {
                    let base = self.rng.pick(&[BASE, HIGH, 0, s]);
                    i(0x33, base, self.rng.below(32) as u8, self.rng.imm()) // pref
                }
            }
            14 => self.false_trap(),
            _ => {
                let (op, size) = self.rng.pick(&LOADS);
                let (base, offset) = self.address(size);
                i(op, base, d, offset)
            }
        }
    }

    /// A base register and an offset for an access of `size` bytes: anywhere in the data, at the
    /// top of memory, or low memory through `$zero`.
    pub(super) fn address(&mut self, size: u32) -> (u8, i32) {
        let align = !(size as i32 - 1);
        match self.rng.below(10) {
            0 => (HIGH, (self.rng.below(256) as i32 - 128) & align),
            1 => (0, self.rng.below(256) as i32 & align),
            _ => (BASE, (self.rng.below(256) as i32 - 128) & align),
        }
    }

    /// A trap whose condition is false, on registers whose values are known here (`$zero` and
    /// the bases) or on one register compared with itself.
    pub(super) fn false_trap(&mut self) -> u32 {
        let known = [(0u8, 0u32), (BASE, BASE_VALUE), (HIGH, HIGH_VALUE)];
        let op = self.rng.pick(&TRAPS);
        loop {
            let code = self.rng.below(1024) << 6;
            let (a, va) = self.rng.pick(&known);
            if self.rng.chance(50) {
                if matches!(op, Opcode::Tne | Opcode::Tlt | Opcode::Tltu) && self.rng.chance(40) {
                    let s = self.src();
                    return r(s, s, 0, 0, trap_funct(op)) | code;
                }
                let (b, vb) = self.rng.pick(&known);
                if !trap_taken(op, va, vb) {
                    return r(a, b, 0, 0, trap_funct(op)) | code;
                }
            } else {
                let imm = if self.rng.chance(if a == 0 { 40 } else { 10 }) {
                    0
                } else {
                    self.rng.imm()
                };
                if !trap_taken(op, va, imm as u32) {
                    return i(0x01, a, trap_imm_rt(op), imm);
                }
            }
        }
    }

    /// A trap on two registers just set to random values, its condition false.
    pub(super) fn false_trap_on_values(&mut self) -> Vec<Word> {
        let op = self.rng.pick(&TRAPS);
        loop {
            let (a, b) = (self.rng.pick(&REGS), self.rng.pick(&REGS));
            // Now and then the values are equal or one apart: the edges of the comparisons.
            let near = |rng: &mut Rng, v: u32| v.wrapping_add(rng.below(3)).wrapping_sub(1);
            let va = self.rng.value();
            if self.rng.chance(50) {
                let vb = if self.rng.chance(30) {
                    near(&mut self.rng, va)
                } else {
                    self.rng.value()
                };
                if a != b && !trap_taken(op, va, vb) {
                    let mut words: Vec<Word> = li(a, va).into_iter().map(Word::Fixed).collect();
                    words.extend(li(b, vb).map(Word::Fixed));
                    words.push(Word::Fixed(r(a, b, 0, 0, trap_funct(op))));
                    return words;
                }
            } else {
                let imm = self.rng.imm();
                let va = if self.rng.chance(30) {
                    near(&mut self.rng, imm as u32)
                } else {
                    va
                };
                if !trap_taken(op, va, imm as u32) {
                    let mut words: Vec<Word> = li(a, va).into_iter().map(Word::Fixed).collect();
                    words.push(Word::Fixed(i(0x01, a, trap_imm_rt(op), imm)));
                    return words;
                }
            }
        }
    }

    /// A conditional branch (or BAL, B) without its offset, never linking through `rs = $ra`.
    pub(super) fn branch_word(&mut self) -> u32 {
        let (s, t) = (self.src(), self.src());
        let s_link = if s == RA { 0 } else { s };
        match self.rng.below(10) {
            0 => i(0x04, s, t, 0),         // beq
            1 => i(0x05, s, t, 0),         // bne
            2 => i(0x06, s, 0, 0),         // blez
            3 => i(0x07, s, 0, 0),         // bgtz
            4 => i(0x01, s, 0x00, 0),      // bltz
            5 => i(0x01, s, 0x01, 0),      // bgez
            6 => i(0x01, s_link, 0x10, 0), // bltzal
            7 => i(0x01, s_link, 0x11, 0), // bgezal
            8 => i(0x01, 0, 0x11, 0),      // bal
            _ => i(0x04, 0, 0, 0),         // b
        }
    }

    /// A register that is not `not`: a link register, `$ra` or a computing one.
    pub(super) fn other_reg(&mut self, not: &[u8]) -> u8 {
        loop {
            let reg = match self.rng.below(3) {
                0 => RA,
                1 => self.rng.pick(&LINKS),
                _ => self.rng.pick(&REGS),
            };
            if !not.contains(&reg) {
                return reg;
            }
        }
    }

    pub(super) fn hb(&mut self) -> u32 {
        if self.rng.chance(10) {
            HB
        } else {
            0
        }
    }

    pub(super) fn random_unit(&mut self) {
        let f = Word::Fixed;
        match self.rng.below(100) {
            0..=51 => {
                let w = self.simple();
                self.unit(vec![f(w)]);
            }
            52..=55 => {
                // Division by a divisor made nonzero.
                let t = self.rng.pick(&REGS);
                let s = self.src();
                let op = self.rng.pick(&[0x1A, 0x1B]);
                self.unit(vec![f(i(0x0D, t, t, 1)), f(r(s, t, 0, 0, op))]);
            }
            56..=58 => {
                let words = self.false_trap_on_values();
                self.unit(words);
            }
            59..=60 => {
                // LL and SC of the same word, something in between.
                let (base, offset) = self.address(4);
                let (d, t, between) = (self.dest(), self.dest(), self.simple());
                self.unit(vec![
                    f(i(0x30, base, d, offset)),
                    f(between),
                    f(i(0x38, base, t, offset)),
                ]);
            }
            61..=68 => {
                let (word, target, delay) = (self.branch_word(), self.ahead(), self.simple());
                self.unit(vec![Word::Branch(word, target), f(delay)]);
            }
            69..=71 => {
                let op = self.rng.pick(&[0x02u32, 0x03]) << 26; // j, jal
                let (target, delay) = (self.ahead(), self.simple());
                self.unit(vec![Word::Jump(op, target), f(delay)]);
            }
            72..=75 => {
                // JR or JALR to a forward label loaded with lui/ori.
                let reg = self.other_reg(&[]);
                let (target, hb) = (self.ahead(), self.hb());
                let jump = match self.rng.below(4) {
                    0 => r(reg, 0, 0, 0, 0x08) | hb,
                    1 => r(reg, 0, 0, 0, 0x09) | hb,
                    _ => {
                        let rd = self.other_reg(&[reg]);
                        r(reg, 0, rd, 0, 0x09) | hb
                    }
                };
                let delay = self.simple();
                self.unit(vec![
                    Word::Hi(reg, target),
                    Word::Lo(reg, target),
                    f(jump),
                    f(delay),
                ]);
            }
            76..=77 => self.linked_jump(),
            78..=82 => self.call_and_return(),
            83..=94 => self.syscall(),
            _ => {
                let w = self.simple();
                self.unit(vec![f(w)]);
            }
        }
    }

    /// BAL or JAL to the next-but-one word, then a jump through `$ra` plus an offset, over a few
    /// words, to the end of the unit.
    pub(super) fn linked_jump(&mut self) {
        let f = Word::Fixed;
        let link = if self.rng.chance(50) {
            Word::Branch(i(0x01, 0, 0x11, 0), Label::Local(2))
        } else {
            Word::Jump(0x03 << 26, Label::Local(2))
        };
        let skipped = 1 + self.rng.below(3);
        let reg = self.other_reg(&[RA]);
        let hb = self.hb();
        let jump = match self.rng.below(3) {
            0 => r(reg, 0, 0, 0, 0x08) | hb,
            1 => r(reg, 0, 0, 0, 0x09) | hb,
            _ => r(reg, 0, self.other_reg(&[reg]), 0, 0x09) | hb,
        };
        let mut words = vec![
            link,
            f(self.simple()),
            f(i(0x09, RA, reg, (12 + 4 * skipped) as i32)),
            f(jump),
            f(self.simple()),
        ];
        for _ in 0..skipped {
            words.push(f(self.simple()));
        }
        self.unit(words);
    }

    /// A call (JAL, BAL or JALR) to a body after a jump over it; the body returns (JR or
    /// `jalr $zero`) to the jump, which leaves past the body.
    pub(super) fn call_and_return(&mut self) {
        let f = Word::Fixed;
        let link = self.rng.pick(&[RA, RA, LINKS[0], LINKS[1], LINKS[2]]);
        let through = link != RA || self.rng.chance(30);
        let body = 1 + self.rng.below(5) as usize;
        let body_at = if through { 3 } else { 1 } + 3;
        let after = body_at + body + 2;
        let mut words = Vec::new();
        if through {
            let reg = self.other_reg(&[link]);
            words.extend([
                Word::Hi(reg, Label::Local(body_at)),
                Word::Lo(reg, Label::Local(body_at)),
                f(r(reg, 0, link, 0, 0x09) | self.hb()),
            ]);
        } else if self.rng.chance(50) {
            words.push(Word::Jump(0x03 << 26, Label::Local(body_at)));
        } else {
            words.push(Word::Branch(i(0x01, 0, 0x11, 0), Label::Local(body_at)));
        }
        words.push(f(self.simple()));
        words.push(if self.rng.chance(50) {
            Word::Jump(0x02 << 26, Label::Local(after))
        } else {
            Word::Branch(i(0x04, 0, 0, 0), Label::Local(after))
        });
        words.push(f(self.simple()));
        assert_eq!(words.len(), body_at);
        for _ in 0..body {
            words.push(f(self.simple()));
        }
        let hb = self.hb();
        words.push(f(if self.rng.chance(50) {
            r(link, 0, 0, 0, 0x08) | hb
        } else {
            r(link, 0, 0, 0, 0x09) | hb
        }));
        words.push(f(self.simple()));
        assert_eq!(words.len(), after);
        self.unit(words);
    }

    pub(super) fn syscall(&mut self) {
        let f = Word::Fixed;
        let addiu = |reg: u8, v: u32| f(i(0x09, 0, reg, v as i32));
        let mut words = Vec::new();
        let in_delay_slot = self.rng.chance(20);
        match self.rng.below(if in_delay_slot { 2 } else { 3 }) {
            0 => {
                // WRITE to stdout, stderr or the public values, from any byte of the data.
                let (buffer, len) = (DATA + self.rng.below(256), self.rng.below(33));
                words.extend([
                    addiu(2, 0x02),
                    addiu(4, self.rng.pick(&[1, 2, 13])),
                    addiu(6, len),
                ]);
                words.extend(li(5, buffer).map(f));
            }
            1 => {
                // COMMIT a computed word.
                let word = self.src();
                words.extend([
                    addiu(2, 0x10),
                    addiu(4, self.rng.below(8)),
                    f(r(word, 0, 5, 0, 0x21)),
                ]);
            }
            _ => {
                // HINT_LEN, then HINT_READ of that many bytes to an aligned buffer.
                let len = self.rng.below(25) as usize;
                let input = (0..len).map(|_| self.rng.next() as u8).collect();
                self.inputs.push(input);
                let buffer = DATA + 4 * self.rng.below(56);
                words.extend([addiu(2, 0xF0), f(SYSCALL), f(r(2, 0, 5, 0, 0x21))]);
                words.extend(li(4, buffer).map(f));
                words.push(addiu(2, 0xF1));
            }
        }
        if in_delay_slot {
            let branch = if self.rng.chance(50) {
                Word::Branch(self.branch_word(), self.ahead())
            } else {
                Word::Jump(self.rng.pick(&[0x02u32, 0x03]) << 26, self.ahead())
            };
            words.push(branch);
        }
        words.push(f(SYSCALL));
        self.unit(words);
    }
}

pub(super) fn li(reg: u8, value: u32) -> [u32; 2] {
    crate::asm::li(reg, value)
}

/// Program `index` of the sample, or any program from `seed`.
pub(super) fn generate(seed: u64, length: usize) -> Generated {
    let mut g = Generator {
        rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        units: Vec::new(),
        words: 0,
        inputs: Vec::new(),
    };
    let data: Vec<(u32, u32)> = (0..64).map(|k| (DATA + 4 * k, g.rng.value())).collect();
    let mut prologue = Vec::new();
    prologue.extend(li(BASE, BASE_VALUE));
    prologue.extend(li(HIGH, HIGH_VALUE));
    for reg in REGS {
        let offset = 4 * g.rng.below(64) as i32 - 128;
        prologue.push(i(0x23, BASE, reg, offset));
    }
    let epilogue = vec![
        if g.rng.chance(50) {
            i(0x09, 0, 4, 0)
        } else {
            r(0, 0, 4, 0, 0x25)
        },
        i(0x09, 0, 2, 0),
        SYSCALL,
    ];
    while prologue.len() + g.words + epilogue.len() < length {
        g.random_unit();
    }
    let mut generated = Generated {
        seed,
        prologue,
        units: g.units,
        epilogue,
        data,
        inputs: g.inputs,
        shard_size: 1 << 20,
    };
    let cycles = generated.execute().map_or(64, |shards| {
        shards.iter().map(|s| s.cpu_events.len() as u64).sum()
    });
    generated.shard_size = shard_size(&mut g.rng, seed, cycles);
    generated
}

/// A shard size that cuts the run of program `seed`, of `cycles` cycles, at random points: in
/// two shards (a shard's proof costs about the same whatever its size), sometimes three, and
/// for two programs of the sample in shards of 2 to 6 cycles; or (for `100 -
/// MULTI_SHARD_PERCENT` percent of the programs) in one shard.
pub(super) fn shard_size(rng: &mut Rng, seed: u64, cycles: u64) -> u64 {
    let c = cycles.clamp(6, 2 * SHARD_SIZES.end());
    let (lo, hi) = if seed % 100 == 50 {
        (2, 6)
    } else if rng.below(100) >= MULTI_SHARD_PERCENT {
        return cycles.max(*SHARD_SIZES.start());
    } else if rng.below(100) < 5 {
        (c.div_ceil(3), c.div_ceil(2) - 1)
    } else {
        (c.div_ceil(2), c - 1)
    };
    let lo = lo.clamp(*SHARD_SIZES.start(), *SHARD_SIZES.end());
    let hi = hi.clamp(lo, *SHARD_SIZES.end());
    lo + rng.below((hi - lo + 1) as u32) as u64
}

pub(super) fn sample() -> impl Iterator<Item = Generated> {
    (0..SAMPLE).map(|k| generate(k, LENGTH))
}
