//! `tessera disasm`: the code of a guest as an assembly listing.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::Context;

pub fn disasm(elf: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(elf).with_context(|| format!("reading {}", elf.display()))?;
    let program = super::run::load_program(elf)?;
    let labels: HashMap<u32, String> = tessera_mips::function_symbols(&bytes).into_iter().collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "entry {:#010x}", program.entry)?;
    for (i, inst) in program.instructions.iter().enumerate() {
        let pc = program.code_base + 4 * i as u32;
        if let Some(label) = labels.get(&pc) {
            writeln!(out, "\n{pc:08x} <{label}>:")?;
        }
        writeln!(
            out,
            "  {pc:8x}:\t{:08x}\t{}",
            inst.word,
            inst.disassemble(pc)
        )?;
    }
    Ok(())
}
