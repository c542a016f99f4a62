//! Coverage: the instruction forms a run executes, and every form the sample must execute.

use super::*;

/// The registers an instruction reads (besides HI/LO and MOVZ/MOVN's old `rd`).
pub(super) fn reads(inst: &Instruction) -> Vec<u8> {
    use Opcode::*;
    match inst.opcode {
        Add | Addu | Sub | Subu | And | Or | Xor | Nor | Slt | Sltu | Sllv | Srlv | Srav
        | Rotrv | Movz | Movn | Mul | Mult | Multu | Div | Divu | Madd | Maddu | Msub | Msubu
        | Beq | Bne | Teq | Tne | Tge | Tgeu | Tlt | Tltu | Sb | Sh | Sw | Swl | Swr | Sc | Lwl
        | Lwr | Ins => vec![inst.rs, inst.rt],
        Sll | Srl | Sra | Rotr | Seb | Seh | Wsbh => vec![inst.rt],
        Clz | Clo | Ext | Mthi | Mtlo | Addi | Addiu | Slti | Sltiu | Andi | Ori | Xori | Blez
        | Bgtz | Bltz | Bgez | Bltzal | Bgezal | Jr | Jalr | Lb | Lbu | Lh | Lhu | Lw | Ll
        | Pref | Teqi | Tnei | Tgei | Tgeiu | Tlti | Tltiu => vec![inst.rs],
        _ => vec![],
    }
}

pub(super) fn name(inst: &Instruction) -> &'static str {
    match inst.opcode {
        Opcode::Bgezal if inst.rs == 0 => "bal",
        op => op.mnemonic(),
    }
}

pub(super) fn class(op: Opcode) -> &'static str {
    use Opcode::*;
    match op {
        _ if op.is_load() => "load",
        _ if op.is_store() => "store",
        Mult | Multu | Div | Divu | Madd | Maddu | Msub | Msubu | Mfhi | Mflo | Mthi | Mtlo => {
            "hi/lo"
        }
        Teq | Tne | Tge | Tgeu | Tlt | Tltu | Teqi | Tnei | Tgei | Tgeiu | Tlti | Tltiu => "trap",
        Syscall => "syscall",
        Sync | Pref => "sync/pref",
        _ if op.has_delay_slot() => "branch or jump",
        _ => "alu",
    }
}

/// How many times each form was executed.
#[derive(Default)]
pub(super) struct Forms(pub(super) BTreeMap<String, usize>);

impl Forms {
    pub(super) fn insert(&mut self, form: String) {
        *self.0.entry(form).or_default() += 1;
    }
}

/// The forms one executed instruction shows.
pub(super) fn event_forms(event: &CpuEvent, in_delay_slot: bool, forms: &mut Forms) {
    use Opcode::*;
    let inst = Instruction::decode(event.word);
    let m = name(&inst);
    forms.insert(m.to_string());
    if inst.destination() == Some(0) {
        forms.insert(format!("{m} -> $zero"));
    }
    if reads(&inst).contains(&0) {
        forms.insert(format!("{m} <- $zero"));
    }
    if inst.opcode.is_load() || inst.opcode.is_store() {
        let addr = event.rs_value.wrapping_add(inst.imm);
        forms.insert(format!("{m} @{}", addr & 3));
    }
    match inst.opcode {
        Jr | Jalr => {
            let rs = if inst.rs == RA { "$ra" } else { "other" };
            forms.insert(format!("{m} rs={rs}"));
            if inst.opcode == Jalr {
                let rd = match inst.rd {
                    0 => "$zero",
                    RA => "$ra",
                    _ => "other",
                };
                forms.insert(format!("jalr rd={rd}"));
            }
            if event.word & HB != 0 {
                forms.insert(format!("{m}.hb"));
            }
        }
        Beq | Bne | Blez | Bgtz | Bltz | Bgez | Bltzal | Bgezal => {
            let taken = event.next_next_pc != event.pc.wrapping_add(8);
            forms.insert(format!("{m} {}", if taken { "taken" } else { "not taken" }));
        }
        _ => {}
    }
    if in_delay_slot {
        forms.insert(format!("delay slot: {}", class(inst.opcode)));
    }
}

pub(super) fn syscall_forms(event: &SyscallEvent, forms: &mut Forms) {
    forms.insert(match event.number {
        0x00 => format!("HALT {}", event.args[0]),
        0x02 => format!("WRITE fd {}", event.args[0]),
        0x10 => "COMMIT".into(),
        0xF0 => "HINT_LEN".into(),
        0xF1 if event.args[1] == 0 => "HINT_READ empty".into(),
        0xF1 => "HINT_READ".into(),
        n => format!("syscall {n:#x}"),
    });
}

/// The forms a run shows.
pub(super) fn run_forms(shards: &[Shard], forms: &mut Forms) {
    let mut in_delay_slot = false;
    for shard in shards {
        for event in &shard.cpu_events {
            event_forms(event, in_delay_slot, forms);
            in_delay_slot = Instruction::decode(event.word).opcode.has_delay_slot();
        }
        for event in &shard.syscall_events {
            syscall_forms(event, forms);
        }
    }
    if shards.len() > 1 {
        forms.insert("several shards".into());
    }
    if shards.len() > 2 {
        forms.insert("a shard neither first nor last".into());
    }
    // Where the shards were cut: what the last instruction of a shard and the first of the next
    // one are.
    for pair in shards.windows(2) {
        if let (Some(last), Some(first)) = (pair[0].cpu_events.last(), pair[1].cpu_events.first()) {
            let (last, first) = (
                Instruction::decode(last.word),
                Instruction::decode(first.word),
            );
            forms.insert(format!("cut before: {}", class(first.opcode)));
            forms.insert(format!("cut after: {}", class(last.opcode)));
        }
        if let Some(branch) = pair[0].cpu_events.iter().rev().nth(1) {
            if Instruction::decode(branch.word).opcode.has_delay_slot() {
                forms.insert("cut after: delay slot".into());
            }
        }
    }
}

/// Every form the sample must execute at least once.
pub(super) fn required_forms() -> BTreeSet<String> {
    use Opcode::*;
    let opcodes = [
        Add, Addu, Sub, Subu, And, Or, Xor, Nor, Slt, Sltu, Sllv, Srlv, Srav, Rotrv, Sll, Srl, Sra,
        Rotr, Movz, Movn, Mul, Mult, Multu, Div, Divu, Madd, Maddu, Msub, Msubu, Mfhi, Mflo, Mthi,
        Mtlo, Clz, Clo, Seb, Seh, Wsbh, Ext, Ins, Addi, Addiu, Slti, Sltiu, Andi, Ori, Xori, Lui,
        Beq, Bne, Blez, Bgtz, Bltz, Bgez, Bltzal, Bgezal, J, Jal, Jr, Jalr, Lb, Lbu, Lh, Lhu, Lw,
        Lwl, Lwr, Ll, Sb, Sh, Sw, Swl, Swr, Sc, Sync, Pref, Syscall, Teq, Tne, Tge, Tgeu, Tlt,
        Tltu, Teqi, Tnei, Tgei, Tgeiu, Tlti, Tltiu,
    ];
    let mut forms = BTreeSet::new();
    forms.insert("bal".to_string());
    for op in opcodes {
        let m = op.mnemonic();
        forms.insert(m.to_string());
        // Every register write can go to $zero, but the links of JAL, BAL and BxxZAL.
        let inst = Instruction {
            opcode: op,
            rs: 1,
            rt: 0,
            rd: 0,
            imm: 0,
            word: 0,
        };
        if inst.destination() == Some(0) {
            forms.insert(format!("{m} -> $zero"));
        }
        // Every register read can read $zero, but a jump's target (and BGEZAL's, which is BAL).
        let reads = !reads(&Instruction {
            rs: 1,
            rt: 1,
            ..inst
        })
        .is_empty();
        if reads && !matches!(op, Jr | Jalr | Bgezal) {
            forms.insert(format!("{m} <- $zero"));
        }
        let size = match op {
            Lh | Lhu | Sh => 2,
            Lw | Ll | Sw | Sc => 4,
            _ => 1,
        };
        if op.is_load() || op.is_store() {
            for offset in (0..4).step_by(size) {
                forms.insert(format!("{m} @{offset}"));
            }
        }
        if matches!(op, Beq | Bne | Blez | Bgtz | Bltz | Bgez | Bltzal | Bgezal) {
            forms.insert(format!("{m} taken"));
            forms.insert(format!("{m} not taken"));
        }
    }
    for form in [
        "jr rs=$ra",
        "jr rs=other",
        "jalr rs=$ra",
        "jalr rs=other",
        "jalr rd=$zero",
        "jalr rd=$ra",
        "jalr rd=other",
        "jr.hb",
        "jalr.hb",
        "delay slot: alu",
        "delay slot: load",
        "delay slot: store",
        "delay slot: hi/lo",
        "delay slot: trap",
        "delay slot: sync/pref",
        "delay slot: syscall",
        "WRITE fd 1",
        "WRITE fd 2",
        "WRITE fd 13",
        "COMMIT",
        "HINT_LEN",
        "HINT_READ",
        "HINT_READ empty",
        "HALT 0",
        "several shards",
        "a shard neither first nor last",
    ] {
        forms.insert(form.to_string());
    }
    // Shards cut before and after every class (never between a branch and its delay slot).
    for class in [
        "alu",
        "load",
        "store",
        "hi/lo",
        "trap",
        "syscall",
        "branch or jump",
    ] {
        forms.insert(format!("cut before: {class}"));
        if class != "branch or jump" {
            forms.insert(format!("cut after: {class}"));
        }
    }
    forms.insert("cut after: delay slot".to_string());
    forms
}
