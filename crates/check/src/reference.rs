//! What the MIPS machine's receivers answer: a byte-table row, an ALU result. The determinism
//! check confirms a counterexample's sends with these; the completeness check holds every
//! message of an honest trace to them.

use tessera_machine::bus::{bit_field, AluOp, ByteOp, ALU_BUS, BYTE_BUS, EXT_BASE, INS_BASE};

/// Whether the message `f` on `bus` is one its receiver answers: a row of the byte table, or an
/// ALU request with the reference result. Messages on other buses are not judged here.
pub fn answered(bus: &str, f: &[u32]) -> Result<(), String> {
    if bus == BYTE_BUS && f.len() == 4 {
        byte_row(f)
    } else if bus == ALU_BUS && f.len() == 7 {
        alu_answer(f)
    } else {
        Ok(())
    }
}

/// Whether `(op, a, b, c)` is a row of the byte table.
pub fn byte_row(f: &[u32]) -> Result<(), String> {
    let op = ByteOp::ALL
        .into_iter()
        .find(|&op| op as u32 == f[0])
        .ok_or("no such byte operation")?;
    if op == ByteOp::U16 {
        return if f[1] < 1 << 16 && f[2] == 0 && f[3] == 0 {
            Ok(())
        } else {
            Err("not a 16-bit value".into())
        };
    }
    if f[2] > 255 || f[3] > 255 || op.apply(f[2] as u8, f[3] as u8) != f[1] {
        return Err("not a row of the byte table".into());
    }
    Ok(())
}

/// Whether `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)` has `a = op(b, c)` on 16-bit halves
/// (EXT and INS included, with their field decoded from `op`).
pub fn alu_answer(f: &[u32]) -> Result<(), String> {
    if f[1..].iter().any(|&h| h >= 1 << 16) {
        return Err("a half is not 16-bit".into());
    }
    let word = |lo: u32, hi: u32| lo | hi << 16;
    let (a, b, c) = (word(f[1], f[2]), word(f[3], f[4]), word(f[5], f[6]));
    let expected = if f[0] >= EXT_BASE {
        let insert = f[0] >= INS_BASE;
        let field = f[0] - if insert { INS_BASE } else { EXT_BASE };
        let (pos, size) = (field % 32, field / 32 + 1);
        if field >= 1024 || pos + size > 32 {
            return Err("not an EXT or INS field".into());
        }
        bit_field(insert, pos, size, b, c)
    } else {
        let op = AluOp::from_u32(f[0]).ok_or("no such ALU operation")?;
        let division = matches!(op, AluOp::DivQ | AluOp::DivR | AluOp::DivQU | AluOp::DivRU);
        if division && c == 0 {
            return Err("a division by zero".into());
        }
        op.apply(b, c)
    };
    if a != expected {
        return Err(format!(
            "a wrong ALU answer ({a:#x}, the reference says {expected:#x})"
        ));
    }
    Ok(())
}
