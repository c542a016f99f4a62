//! The CPU: one row per cycle. It fetches the instruction at `pc` from the ROM, reads `rs` and
//! `rt`, asks the execution chips for ALU answers, accesses one memory word (or HI), writes the
//! destination (or LO), and moves `pc`, `next_pc`, `next_next_pc` through the delay slot.
//!
//! **Proves**: each real row executes the ROM's instruction at `pc` on the register and memory
//! values the memory bus hands it (slots at `ts = 4·clk + s`: 0 `rs`, 1 `rt`, 2 memory/HI,
//! 3 destination/LO), and rows chain: `clk` counts from 1, `next.pc = next_pc`,
//! `next.next_pc = next_next_pc`, where `next_next_pc` is `next_pc + 4` or, for a taken branch
//! or a jump, the target (the ROM holds branch and `j` targets; `jr` takes `rs`, checked below
//! 2^30 so its field value is the word). The first row is real and starts at the public start
//! pcs; the last real row's successors, whether it halted and its `clk` are public. A branch
//! or jump is followed by a real row that is neither (its delay slot, in the same shard).
//! **Range checks**: 16-bit checks that kinds which never meet on a row share through three
//! `range16` slots; the accesses' timestamp-difference high bytes two by two. Values it writes
//! are canonical words: ALU answers (range-checked by the answering chip), register and memory
//! values read (canonical on the bus), ROM operands, and what it builds itself: links
//! (`pc + 8`, made of range-checked bytes with the high half below 2^14), MADD/MSUB sums and
//! loaded or stored words (made of range-checked bytes). The result column holds what the
//! instruction computes even when it writes `$zero` (the ROM then drops the write).
//! Memory addresses are ALU sums below `0x7F00_0000` (so a memory key never reaches the
//! register keys), with the byte lane one-hot and aligned as the instruction requires.
//! **Assumes**: the ALU chips answer `alu` messages; the Syscall chip answers `syscall`.

pub mod columns;
pub mod control;
pub mod lanes;
pub mod trace;

use std::borrow::Borrow;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;
use tessera_stark::{Chip, Val};

use self::columns::{CpuCols, NUM_CPU_COLS};
use self::control::{Kind, KIND_BITS, NUM_KINDS};
use self::lanes::{load_source, store_source, Source};
use crate::bus::{
    alu_message, lookup_byte, lookup_instruction, lookup_msb, lookup_u16, permutation,
    register_key, ByteOp, SYSCALL_BUS,
};
use crate::gadgets::add::eval_add;
use crate::gadgets::is_zero::eval_is_zero;
use crate::gadgets::memory::eval_access_leaving_high_byte;
use crate::gadgets::word::{assert_halves_of_bytes, range_check_bytes};
use crate::record::MachineRecord;

/// The column in `CpuCols::flags` of a ROM flag bit (bit 0, `REAL`, is `is_real`).
pub const fn flag_column(bit: u32) -> usize {
    bit.trailing_zeros() as usize - 1
}

pub const LINK: usize = flag_column(control::extra::LINK);
pub const B_IS_RT: usize = flag_column(control::extra::B_IS_RT);
pub const C_IS_RS: usize = flag_column(control::extra::C_IS_RS);
pub const C_IS_IMM: usize = flag_column(control::extra::C_IS_IMM);
pub const WRITES_RD: usize = flag_column(control::extra::WRITES_RD);
pub const TRAP: usize = flag_column(control::extra::TRAP);
pub const DELAY_SLOT: usize = flag_column(control::extra::DELAY_SLOT);

/// The CPU's public values.
pub mod public {
    pub const START_PC: usize = 0;
    pub const START_NEXT_PC: usize = 1;
    pub const END_PC: usize = 2;
    pub const END_NEXT_PC: usize = 3;
    pub const HALTED: usize = 4;
    pub const CYCLES: usize = 5;
    /// The cycles the run executed before the shard, as 16-bit halves: bridging information
    /// the verifier checks (the shard's timestamps count from its own start).
    pub const START_CLOCK_LO: usize = 6;
    pub const START_CLOCK_HI: usize = 7;
    pub const COUNT: usize = 8;
}

#[derive(Clone, Debug, Default)]
pub struct CpuChip;

impl<F> BaseAir<F> for CpuChip {
    fn width(&self) -> usize {
        NUM_CPU_COLS
    }
    fn num_public_values(&self) -> usize {
        public::COUNT
    }
}

fn flag<AB: AirBuilder>(local: &CpuCols<AB::Var>, kind: Kind) -> AB::Expr {
    local.kinds[kind.flag().expect("kind with a flag")].into()
}

fn any<AB: AirBuilder>(
    local: &CpuCols<AB::Var>,
    kinds: impl IntoIterator<Item = Kind>,
) -> AB::Expr {
    kinds
        .into_iter()
        .fold(AB::Expr::ZERO, |acc, k| acc + flag::<AB>(local, k))
}

fn field<E: PrimeCharacteristicRing, T: Copy + Into<E>>(halves: [T; 2]) -> E {
    halves[0].into() + halves[1].into() * E::from_u32(1 << 16)
}

const LOADS: [Kind; 7] = [
    Kind::Lb,
    Kind::Lbu,
    Kind::Lh,
    Kind::Lhu,
    Kind::Lw,
    Kind::Lwl,
    Kind::Lwr,
];
const STORES: [Kind; 6] = [Kind::Sb, Kind::Sh, Kind::Sw, Kind::Swl, Kind::Swr, Kind::Sc];
const HI_LO: [Kind; 3] = [Kind::HiLo, Kind::MAdd, Kind::MSub];

impl<AB: AirBuilder + InteractionBuilder> Air<AB> for CpuChip
where
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: CpuCols<AB::Var> = *main.current_slice().borrow();
        let next: CpuCols<AB::Var> = *main.next_slice().borrow();
        let pv: Vec<AB::Expr> = builder.public_values().iter().map(|&v| v.into()).collect();
        let one = AB::Expr::ONE;
        let is_real: AB::Expr = local.is_real.into();
        let f = |i: usize| -> AB::Expr { local.flags[i].into() };
        let k = |kind: Kind| flag::<AB>(&local, kind);

        // Flags: booleans, at most one kind, none on padding rows.
        builder.assert_bool(is_real.clone());
        let mut kind_sum = AB::Expr::ZERO;
        let mut kind_index = AB::Expr::ZERO;
        for (i, &kind) in local.kinds.iter().enumerate() {
            builder.assert_bool(kind);
            kind_sum += kind.into();
            kind_index += kind.into() * AB::Expr::from_usize(i + 1);
        }
        builder.assert_bool(kind_sum.clone());
        builder.assert_zero((one.clone() - is_real.clone()) * kind_sum);
        let mut packed_flags = is_real.clone();
        for (i, &flag) in local.flags.iter().enumerate() {
            builder.assert_bool(flag);
            builder.assert_zero((one.clone() - is_real.clone()) * flag.into());
            packed_flags += flag.into() * AB::Expr::from_u32(2 << i);
        }
        debug_assert_eq!(NUM_KINDS, Kind::FLAGGED.len());
        let control = kind_index + packed_flags * AB::Expr::from_u32(1 << KIND_BITS);
        let (rs_value, rt_value) = (local.rs_access.prev_value, local.rt_access.prev_value);
        lookup_instruction(
            builder,
            local.pc.into(),
            [
                control,
                local.alu_op.into(),
                local.rs.into(),
                local.rt.into(),
                local.rd.into(),
                local.imm[0].into(),
                local.imm[1].into(),
            ],
            is_real.clone(),
        );

        // Rows: real ones first, the first one real, starting at the public pcs.
        let mut first = builder.when_first_row();
        first.assert_one(local.is_real);
        first.assert_one(local.clk);
        first.assert_eq(local.pc, pv[public::START_PC].clone());
        first.assert_eq(local.next_pc, pv[public::START_NEXT_PC].clone());
        let next_real: AB::Expr = next.is_real.into();
        let mut t = builder.when_transition();
        t.assert_zero((one.clone() - is_real.clone()) * next_real.clone());
        t.assert_zero(next_real.clone() * (next.clk.into() - local.clk.into() - one.clone()));
        t.assert_zero(next_real.clone() * (next.pc.into() - local.next_pc.into()));
        t.assert_zero(next_real.clone() * (next.next_pc.into() - local.next_next_pc.into()));
        // A branch or jump is never in another's delay slot (the executor stops there) nor a
        // shard's last row: its delay slot would be in the next shard, whose first row cannot
        // see it (the executor cuts shards before a branch instead).
        let delay_slot = f(DELAY_SLOT);
        let mut t = builder.when_transition();
        t.assert_zero(delay_slot.clone() * next.flags[DELAY_SLOT].into());
        t.assert_zero(delay_slot.clone() * (one.clone() - next_real.clone()));
        builder.when_last_row().assert_zero(delay_slot);
        // The last real row (followed by padding, or the table's last row) shows its state.
        let ends = [
            (local.next_pc.into(), public::END_PC),
            (local.next_next_pc.into(), public::END_NEXT_PC),
            (local.halt.into(), public::HALTED),
            (local.clk.into(), public::CYCLES),
        ];
        for (value, index) in ends {
            let differs = value - pv[index].clone();
            builder
                .when_transition()
                .assert_zero(is_real.clone() * (one.clone() - next_real.clone()) * differs.clone());
            builder
                .when_last_row()
                .assert_zero(is_real.clone() * differs);
        }

        // Register and memory accesses.
        let clk: AB::Expr = local.clk.into();
        let ts = |slot: u32| clk.clone() * AB::Expr::from_u32(4) + AB::Expr::from_u32(slot);
        let reg = |r: AB::Expr| r + AB::Expr::from_u32(register_key(0));
        let is_load = any::<AB>(&local, LOADS);
        let is_store = any::<AB>(&local, STORES);
        let is_mem = is_load.clone() + is_store.clone();
        let is_hi_lo = any::<AB>(&local, HI_LO);
        eval_access_leaving_high_byte(
            builder,
            reg(local.rs.into()),
            rs_value.map(Into::into),
            ts(0),
            local.rs_access,
            is_real.clone(),
        );
        eval_access_leaving_high_byte(
            builder,
            reg(local.rt.into()),
            rt_value.map(Into::into),
            ts(1),
            local.rt_access,
            is_real.clone(),
        );
        eval_access_leaving_high_byte(
            builder,
            local.mem_key.into(),
            local.mem_new.map(Into::into),
            ts(2),
            local.mem_access,
            is_mem.clone() + is_hi_lo.clone(),
        );
        eval_access_leaving_high_byte(
            builder,
            reg(local.rd.into()),
            local.result.map(Into::into),
            ts(3),
            local.rd_access,
            f(WRITES_RD),
        );

        // The accesses' timestamp-difference high bytes, two per lookup (zero when unused).
        let diff_hi =
            |a: &crate::gadgets::memory::AccessCols<AB::Var>| -> AB::Expr { a.ts_diff[1].into() };
        for (x, y) in [
            (&local.rs_access, &local.rt_access),
            (&local.mem_access, &local.rd_access),
        ] {
            lookup_byte(
                builder,
                ByteOp::U8Pair,
                [AB::Expr::ZERO, diff_hi(x), diff_hi(y)],
                is_real.clone(),
            );
        }

        // ALU operands: b is rs or rt; c is rt, rs or the operand.
        let imm: [AB::Expr; 2] = local.imm.map(Into::into);
        for i in 0..2 {
            let (rs, rt) = (rs_value[i].into(), rt_value[i].into());
            builder.assert_eq(
                local.b[i],
                rs.clone() + f(B_IS_RT) * (rt.clone() - rs.clone()),
            );
            builder.assert_eq(
                local.c[i],
                rt.clone() + f(C_IS_RS) * (rs - rt.clone()) + f(C_IS_IMM) * (imm[i].clone() - rt),
            );
        }
        let asks_once = any::<AB>(&local, [Kind::Alu, Kind::Blt, Kind::Bge]) + is_mem.clone();
        let (b, c) = (local.b.map(Into::into), local.c.map(Into::into));
        alu_message(
            builder,
            local.alu_op.into(),
            [local.alu_a.map(Into::into), b.clone(), c.clone()],
            asks_once + is_hi_lo.clone(),
            false,
        );
        // HI/LO kinds name HI's operation in the ROM operand (their `c` is `rt`).
        alu_message(
            builder,
            local.imm[0].into(),
            [local.alu_a2.map(Into::into), b.clone(), c.clone()],
            is_hi_lo.clone(),
            false,
        );

        // Equality of b and c, half by half.
        let diff = |i: usize| b[i].clone() - c[i].clone();
        eval_is_zero(builder, diff(0), local.eq_lo, is_real.clone());
        eval_is_zero(builder, diff(1), local.eq_hi, is_real.clone());
        builder.assert_eq(
            local.eq,
            local.eq_lo.result.into() * local.eq_hi.result.into(),
        );
        let eq: AB::Expr = local.eq.into();
        let lt: AB::Expr = local.alu_a[0].into();

        // Results.
        let result: [AB::Expr; 2] = local.result.map(Into::into);
        let alu_a: [AB::Expr; 2] = local.alu_a.map(Into::into);
        let alu_a2: [AB::Expr; 2] = local.alu_a2.map(Into::into);
        let rs_e: [AB::Expr; 2] = rs_value.map(Into::into);
        let rd_prev: [AB::Expr; 2] = local.rd_access.prev_value.map(Into::into);
        let mem_prev: [AB::Expr; 2] = local.mem_access.prev_value.map(Into::into);
        let mem_new: [AB::Expr; 2] = local.mem_new.map(Into::into);
        let pairs = k(Kind::HiLo);
        for i in 0..2 {
            let r = result[i].clone();
            builder.assert_zero((k(Kind::Alu) + pairs.clone()) * (r.clone() - alu_a[i].clone()));
            builder.assert_zero(pairs.clone() * (mem_new[i].clone() - alu_a2[i].clone()));
            builder.assert_zero(k(Kind::Move) * (r.clone() - rs_e[i].clone()));
            builder.assert_zero(
                k(Kind::Movz)
                    * (r.clone()
                        - rd_prev[i].clone()
                        - eq.clone() * (rs_e[i].clone() - rd_prev[i].clone())),
            );
            builder.assert_zero(
                k(Kind::Movn)
                    * (r.clone()
                        - rs_e[i].clone()
                        - eq.clone() * (rd_prev[i].clone() - rs_e[i].clone())),
            );
            builder.assert_zero(k(Kind::Lui) * (r.clone() - imm[i].clone()));
            builder.assert_zero(is_load.clone() * (mem_new[i].clone() - mem_prev[i].clone()));
        }
        builder.assert_zero(k(Kind::Sc) * (result[0].clone() - one.clone()));
        builder.assert_zero(k(Kind::Sc) * result[1].clone());

        // Links: pc + 8, canonical: its halves are made of range-checked bytes (`old_bytes`, free
        // on a link row) and the high half is below 2^14 (a 16-bit check of 4·hi, sound
        // because hi is then known to be below 2^16).
        let link = f(LINK);
        builder.assert_zero(
            link.clone()
                * (field::<AB::Expr, _>(local.result) - local.pc.into() - AB::Expr::from_u32(8)),
        );
        let mut range16: [AB::Expr; 3] = std::array::from_fn(|_| AB::Expr::ZERO);
        range16[1] += link.clone() * result[1].clone() * AB::Expr::from_u32(4);

        // MADD/MSUB: X + product = Z over 64 bits, with (X, Z) = (old, new) or (new, old).
        let (adds, subs) = (k(Kind::MAdd), k(Kind::MSub));
        let old = [
            rd_prev[0].clone(),
            rd_prev[1].clone(),
            mem_prev[0].clone(),
            mem_prev[1].clone(),
        ];
        let new = [
            result[0].clone(),
            result[1].clone(),
            mem_new[0].clone(),
            mem_new[1].clone(),
        ];
        let product = [
            alu_a[0].clone(),
            alu_a[1].clone(),
            alu_a2[0].clone(),
            alu_a2[1].clone(),
        ];
        let x =
            std::array::from_fn(|i| adds.clone() * old[i].clone() + subs.clone() * new[i].clone());
        let z =
            std::array::from_fn(|i| adds.clone() * new[i].clone() + subs.clone() * old[i].clone());
        let y = std::array::from_fn(|i| (adds.clone() + subs.clone()) * product[i].clone());
        eval_add(builder, x, y, z, local.carries);
        let accumulates = adds.clone() + subs.clone();

        // Memory: the address from the ALU's sum, its lane, its word key; HI's key otherwise.
        let lanes: [AB::Expr; 4] = local.lanes.map(Into::into);
        let mut lane_sum = AB::Expr::ZERO;
        for lane in &lanes {
            builder.assert_bool(lane.clone());
            lane_sum += lane.clone();
        }
        builder.assert_eq(lane_sum, is_mem.clone());
        let rest: AB::Expr = local.addr_rest.into();
        builder.assert_zero(
            is_mem.clone()
                * (alu_a[0].clone()
                    - rest.clone() * AB::Expr::from_u32(4)
                    - lanes[1].clone()
                    - lanes[2].clone() * AB::Expr::TWO
                    - lanes[3].clone() * AB::Expr::from_u32(3)),
        );
        range16[0] += is_mem.clone() * rest.clone();
        range16[1] += is_mem.clone()
            * (AB::Expr::from_u32((tessera_mips::MEMORY_LIMIT >> 16) - 1) - alu_a[1].clone());
        builder.assert_eq(
            local.mem_key,
            is_mem.clone() * (rest + alu_a[1].clone() * AB::Expr::from_u32(1 << 14))
                + is_hi_lo.clone() * reg(AB::Expr::from_u32(32)),
        );
        let halves = any::<AB>(&local, [Kind::Lh, Kind::Lhu, Kind::Sh]);
        builder.assert_zero(halves * (lanes[1].clone() + lanes[3].clone()));
        let words = any::<AB>(&local, [Kind::Lw, Kind::Sw, Kind::Sc]);
        builder.assert_zero(words * (one.clone() - lanes[0].clone()));

        let old_bytes: [AB::Expr; 4] = local.old_bytes.map(Into::into);
        let rt_bytes: [AB::Expr; 4] = local.rt_bytes.map(Into::into);
        let byte = AB::Expr::from_u32(256);
        // The old word's and rt's bytes on memory rows; MADD/MSUB range-check the new LO and
        // HI through the same columns, and links their result through `old_bytes`.
        let rt_halves: [AB::Expr; 2] = rt_value.map(Into::into);
        assert_halves_of_bytes(builder, &old_bytes, result.clone(), link.clone());
        for (bytes, on_memory, on_accumulate, count) in [
            (
                &old_bytes,
                mem_prev.clone(),
                result.clone(),
                is_mem.clone() + accumulates.clone() + link,
            ),
            (
                &rt_bytes,
                rt_halves,
                mem_new.clone(),
                is_mem.clone() + accumulates.clone(),
            ),
        ] {
            assert_halves_of_bytes(builder, bytes, on_memory, is_mem.clone());
            assert_halves_of_bytes(builder, bytes, on_accumulate, accumulates.clone());
            range_check_bytes(builder, bytes, count);
        }
        let sign: AB::Expr = local.sign.into();
        builder.assert_bool(sign.clone());
        let signed = k(Kind::Lb) + k(Kind::Lh);
        let selected_byte = (0..4).fold(AB::Expr::ZERO, |acc, j| {
            acc + lanes[j].clone() * old_bytes[j].clone()
        });
        let half_top =
            lanes[0].clone() * old_bytes[1].clone() + lanes[2].clone() * old_bytes[3].clone();
        builder.assert_zero(
            k(Kind::Lb) * (local.sign_byte.into() - selected_byte)
                + k(Kind::Lh) * (local.sign_byte.into() - half_top),
        );
        lookup_msb(builder, sign.clone(), local.sign_byte.into(), signed);
        let source = |s: Source| match s {
            Source::Old(i) => old_bytes[i].clone(),
            Source::Rt(i) => rt_bytes[i].clone(),
            Source::Sign => sign.clone() * AB::Expr::from_u32(0xFF),
            Source::Zero => AB::Expr::ZERO,
        };
        let merged = |kind: Kind, half: usize| {
            (0..4).fold(AB::Expr::ZERO, |acc, lane| {
                let src = |j: usize| {
                    if kind.is_load() {
                        source(load_source(kind, lane, j))
                    } else {
                        source(store_source(kind, lane, j))
                    }
                };
                acc + lanes[lane].clone() * (src(2 * half) + src(2 * half + 1) * byte.clone())
            })
        };
        for kind in LOADS.into_iter().chain(STORES) {
            for half in 0..2 {
                let target = if kind.is_load() {
                    result[half].clone()
                } else {
                    mem_new[half].clone()
                };
                builder.assert_zero(k(kind) * (target - merged(kind, half)));
            }
        }

        // Control flow.
        let taken: AB::Expr = local.taken.into();
        builder.assert_bool(taken.clone());
        let jumps = k(Kind::Jump) + k(Kind::JumpReg);
        let branches = any::<AB>(&local, [Kind::Beq, Kind::Bne, Kind::Blt, Kind::Bge]);
        builder.assert_zero(jumps.clone() * (one.clone() - taken.clone()));
        builder.assert_zero((one.clone() - jumps - branches) * taken.clone());
        builder.assert_zero(k(Kind::Beq) * (taken.clone() - eq.clone()));
        builder.assert_zero(k(Kind::Bne) * (taken.clone() - one.clone() + eq.clone()));
        builder.assert_zero(k(Kind::Blt) * (taken.clone() - lt.clone()));
        builder.assert_zero(k(Kind::Bge) * (taken.clone() - one.clone() + lt.clone()));
        let next_pc: AB::Expr = local.next_pc.into();
        let fall_through = next_pc + AB::Expr::from_u32(4);
        let target = field::<AB::Expr, _>(local.imm);
        let rs_field = field::<AB::Expr, _>(rs_value);
        builder.assert_zero(
            is_real.clone() * (local.next_next_pc.into() - fall_through.clone())
                - taken.clone() * (target.clone() - fall_through)
                - k(Kind::JumpReg) * (rs_field - target),
        );
        range16[2] += k(Kind::JumpReg) * rs_e[1].clone() * AB::Expr::from_u32(4);

        // The 16-bit checks: links (pc + 8 below 2^30), memory addresses (word index within the
        // low half, high half below 0x7F00), JR targets (below 2^30). A row has at most one of
        // these kinds, plus a link on JALR (slot 2 serves JR).
        for (slot, expected) in local.range16.iter().zip(range16) {
            builder.assert_eq(*slot, expected);
            lookup_u16(builder, (*slot).into(), is_real.clone());
        }

        // Traps are branches that must not be taken: their condition was false.
        builder.assert_zero(f(TRAP) * taken.clone());

        // Syscalls go to the Syscall chip; only a syscall may halt, and a halt ends the run.
        let halt: AB::Expr = local.halt.into();
        builder.assert_bool(halt.clone());
        builder.assert_zero(halt.clone() * (one.clone() - k(Kind::Syscall)));
        builder
            .when_transition()
            .assert_zero(halt.clone() * next_real);
        permutation(builder, SYSCALL_BUS, [clk, halt], k(Kind::Syscall), true);
    }
}

impl Chip<Val, MachineRecord> for CpuChip {
    fn name(&self) -> &'static str {
        "Cpu"
    }

    fn generate_trace(&self, record: &MachineRecord) -> RowMajorMatrix<Val> {
        trace::generate(record)
    }

    fn public_values(&self, record: &MachineRecord) -> Vec<Val> {
        record.cpu_public_values().map(Val::from_u32).to_vec()
    }
}
