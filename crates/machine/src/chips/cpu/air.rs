//! The CPU's constraints, in named parts evaluated in a fixed order (the order is part of the
//! program key: the constraints are folded in the order they are emitted).

use std::borrow::Borrow;

use p3_air::{AirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;

use super::columns::{CpuCols, CpuPublicValues};
use super::control::{Kind, HI_LO, KIND_BITS, LOADS, NUM_KINDS, STORES};
use super::lanes::{load_source, store_source, Source};
use super::{B_IS_RT, C_IS_IMM, C_IS_RS, DELAY_SLOT, LINK, TRAP, WRITES_RD};
use crate::bus::{
    alu_message, lookup_byte, lookup_instruction, lookup_msb, lookup_u16, permutation,
    register_key, ByteOp, SYSCALL_BUS,
};
use crate::gadgets::add::eval_add;
use crate::gadgets::is_zero::eval_is_zero;
use crate::gadgets::memory::{eval_access_leaving_high_byte, AccessCols};
use crate::gadgets::word::{assert_halves_of_bytes, range_check_bytes};

/// The values of the three `range16` slots: kinds that never meet on a row share them.
type Range16<E> = [E; 3];

/// Every constraint and interaction of the CPU.
pub(super) fn eval<AB: AirBuilder + InteractionBuilder>(builder: &mut AB)
where
    AB::F: Field,
{
    let main = builder.main();
    let local: CpuCols<AB::Var> = *main.current_slice().borrow();
    let next: CpuCols<AB::Var> = *main.next_slice().borrow();
    let pv: CpuPublicValues<AB::PublicVar> = *builder.public_values().borrow();

    eval_decode(builder, &local);
    eval_sequence(builder, &local, &next, &pv);
    eval_accesses(builder, &local);
    eval_operands(builder, &local);
    let mut range16: Range16<AB::Expr> = std::array::from_fn(|_| AB::Expr::ZERO);
    eval_results(builder, &local, &mut range16);
    eval_accumulate(builder, &local);
    eval_memory(builder, &local, &mut range16);
    eval_control_flow(builder, &local, &mut range16);
    eval_range16(builder, &local, range16);
    eval_traps_and_syscalls(builder, &local, &next);
}

fn flag<AB: AirBuilder>(local: &CpuCols<AB::Var>, kind: Kind) -> AB::Expr {
    local.kinds[kind.flag().expect("kind with a flag")].into()
}

fn rom_flag<AB: AirBuilder>(local: &CpuCols<AB::Var>, column: usize) -> AB::Expr {
    local.flags[column].into()
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

/// The timestamp of access slot `slot` of the row at `clk`.
fn ts<E: PrimeCharacteristicRing>(clk: E, slot: u32) -> E {
    clk * E::from_u32(4) + E::from_u32(slot)
}

/// The memory key of register `r`.
fn reg<E: PrimeCharacteristicRing>(r: E) -> E {
    r + E::from_u32(register_key(0))
}

/// Flags are booleans, a row has at most one kind and padding rows none, and the row's
/// instruction (kind, flags, operation, operands) is the ROM's at `pc`.
fn eval_decode<AB: AirBuilder + InteractionBuilder>(builder: &mut AB, local: &CpuCols<AB::Var>)
where
    AB::F: Field,
{
    let one = AB::Expr::ONE;
    let is_real: AB::Expr = local.is_real.into();
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
        is_real,
    );
}

/// Rows: real ones first, the first one real, starting at the public pcs, each the successor of
/// the one before; no branch in a delay slot or on the shard's last row; the last real row shows
/// its state in the public values.
fn eval_sequence<AB: AirBuilder>(
    builder: &mut AB,
    local: &CpuCols<AB::Var>,
    next: &CpuCols<AB::Var>,
    pv: &CpuPublicValues<AB::PublicVar>,
) {
    let one = AB::Expr::ONE;
    let is_real: AB::Expr = local.is_real.into();
    let mut first = builder.when_first_row();
    first.assert_one(local.is_real);
    first.assert_one(local.clk);
    first.assert_eq(local.pc, pv.start_pc);
    first.assert_eq(local.next_pc, pv.start_next_pc);
    let next_real: AB::Expr = next.is_real.into();
    let mut t = builder.when_transition();
    t.assert_zero((one.clone() - is_real.clone()) * next_real.clone());
    t.assert_zero(next_real.clone() * (next.clk.into() - local.clk.into() - one.clone()));
    t.assert_zero(next_real.clone() * (next.pc.into() - local.next_pc.into()));
    t.assert_zero(next_real.clone() * (next.next_pc.into() - local.next_next_pc.into()));
    // A branch or jump is never in another's delay slot (the executor stops there) nor a
    // shard's last row: its delay slot would be in the next shard, whose first row cannot
    // see it (the executor cuts shards before a branch instead).
    let delay_slot = rom_flag::<AB>(local, DELAY_SLOT);
    let mut t = builder.when_transition();
    t.assert_zero(delay_slot.clone() * next.flags[DELAY_SLOT].into());
    t.assert_zero(delay_slot.clone() * (one.clone() - next_real.clone()));
    builder.when_last_row().assert_zero(delay_slot);
    // The last real row (followed by padding, or the table's last row) shows its state.
    let ends = [
        (local.next_pc.into(), pv.end_pc),
        (local.next_next_pc.into(), pv.end_next_pc),
        (local.halt.into(), pv.halted),
        (local.clk.into(), pv.cycles),
    ];
    for (value, public) in ends {
        let differs: AB::Expr = value - public.into();
        builder
            .when_transition()
            .assert_zero(is_real.clone() * (one.clone() - next_real.clone()) * differs.clone());
        builder
            .when_last_row()
            .assert_zero(is_real.clone() * differs);
    }
}

/// The four accesses (slots at `ts = 4·clk + s`: 0 `rs`, 1 `rt`, 2 memory or HI, 3 the
/// destination), with their timestamp-difference high bytes checked two per lookup.
fn eval_accesses<AB: AirBuilder + InteractionBuilder>(builder: &mut AB, local: &CpuCols<AB::Var>)
where
    AB::F: Field,
{
    let is_real: AB::Expr = local.is_real.into();
    let clk: AB::Expr = local.clk.into();
    let is_mem = any::<AB>(local, LOADS) + any::<AB>(local, STORES);
    let is_hi_lo = any::<AB>(local, HI_LO);
    let accesses = [
        (
            reg(local.rs.into()),
            local.rs_access.prev_value,
            &local.rs_access,
            is_real.clone(),
        ),
        (
            reg(local.rt.into()),
            local.rt_access.prev_value,
            &local.rt_access,
            is_real.clone(),
        ),
        (
            local.mem_key.into(),
            local.mem_new,
            &local.mem_access,
            is_mem + is_hi_lo,
        ),
        (
            reg(local.rd.into()),
            local.result,
            &local.rd_access,
            rom_flag::<AB>(local, WRITES_RD),
        ),
    ];
    for (slot, (key, value, access, count)) in accesses.into_iter().enumerate() {
        eval_access_leaving_high_byte(
            builder,
            key,
            value.map(Into::into),
            ts(clk.clone(), slot as u32),
            *access,
            count,
        );
    }

    // The accesses' timestamp-difference high bytes, two per lookup (zero when unused).
    let diff_hi = |a: &AccessCols<AB::Var>| -> AB::Expr { a.ts_diff[1].into() };
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
}

/// The ALU operands (b is rs or rt; c is rt, rs or the ROM operand), the ALU requests, and the
/// equality of b and c.
fn eval_operands<AB: AirBuilder + InteractionBuilder>(builder: &mut AB, local: &CpuCols<AB::Var>)
where
    AB::F: Field,
{
    let is_real: AB::Expr = local.is_real.into();
    let f = |i: usize| rom_flag::<AB>(local, i);
    let (rs_value, rt_value) = (local.rs_access.prev_value, local.rt_access.prev_value);
    let is_mem = any::<AB>(local, LOADS) + any::<AB>(local, STORES);
    let is_hi_lo = any::<AB>(local, HI_LO);
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
    let asks_once = any::<AB>(local, [Kind::Alu, Kind::Blt, Kind::Bge]) + is_mem;
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
        is_hi_lo,
        false,
    );

    // Equality of b and c, half by half.
    let diff = |i: usize| b[i].clone() - c[i].clone();
    eval_is_zero(builder, diff(0), local.eq_lo, is_real.clone());
    eval_is_zero(builder, diff(1), local.eq_hi, is_real);
    builder.assert_eq(
        local.eq,
        local.eq_lo.result.into() * local.eq_hi.result.into(),
    );
}

/// What each kind writes to the destination (and, for HI/LO pairs, to HI), and links: `pc + 8`,
/// canonical.
fn eval_results<AB: AirBuilder>(
    builder: &mut AB,
    local: &CpuCols<AB::Var>,
    range16: &mut Range16<AB::Expr>,
) {
    let one = AB::Expr::ONE;
    let k = |kind: Kind| flag::<AB>(local, kind);
    let is_load = any::<AB>(local, LOADS);
    let eq: AB::Expr = local.eq.into();
    let imm: [AB::Expr; 2] = local.imm.map(Into::into);
    let result: [AB::Expr; 2] = local.result.map(Into::into);
    let alu_a: [AB::Expr; 2] = local.alu_a.map(Into::into);
    let alu_a2: [AB::Expr; 2] = local.alu_a2.map(Into::into);
    let rs_e: [AB::Expr; 2] = local.rs_access.prev_value.map(Into::into);
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
    // on a link row, see `eval_memory`) and the high half is below 2^14 (a 16-bit check of
    // 4·hi, sound because hi is then known to be below 2^16).
    let link = rom_flag::<AB>(local, LINK);
    builder.assert_zero(
        link.clone()
            * (field::<AB::Expr, _>(local.result) - local.pc.into() - AB::Expr::from_u32(8)),
    );
    range16[1] += link * result[1].clone() * AB::Expr::from_u32(4);
}

/// MADD/MSUB: X + product = Z over 64 bits, with (X, Z) = (old, new) or (new, old) of (LO, HI).
fn eval_accumulate<AB: AirBuilder>(builder: &mut AB, local: &CpuCols<AB::Var>) {
    let (adds, subs) = (flag::<AB>(local, Kind::MAdd), flag::<AB>(local, Kind::MSub));
    let [rd_prev, mem_prev, result, mem_new, alu_a, alu_a2]: [[AB::Expr; 2]; 6] = [
        local.rd_access.prev_value,
        local.mem_access.prev_value,
        local.result,
        local.mem_new,
        local.alu_a,
        local.alu_a2,
    ]
    .map(|w| w.map(Into::into));
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
    let x = std::array::from_fn(|i| adds.clone() * old[i].clone() + subs.clone() * new[i].clone());
    let z = std::array::from_fn(|i| adds.clone() * new[i].clone() + subs.clone() * old[i].clone());
    let y = std::array::from_fn(|i| (adds.clone() + subs.clone()) * product[i].clone());
    eval_add(builder, x, y, z, local.carries);
}

/// Memory rows: the address from the ALU's sum, its lane and word key (HI's key on HI/LO
/// rows); the old word's and rt's bytes, range-checked; and what each load and store moves.
fn eval_memory<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    local: &CpuCols<AB::Var>,
    range16: &mut Range16<AB::Expr>,
) where
    AB::F: Field,
{
    let one = AB::Expr::ONE;
    let k = |kind: Kind| flag::<AB>(local, kind);
    let is_mem = any::<AB>(local, LOADS) + any::<AB>(local, STORES);
    let is_hi_lo = any::<AB>(local, HI_LO);
    let accumulates = k(Kind::MAdd) + k(Kind::MSub);
    let link = rom_flag::<AB>(local, LINK);
    let alu_a: [AB::Expr; 2] = local.alu_a.map(Into::into);
    let result: [AB::Expr; 2] = local.result.map(Into::into);
    let mem_prev: [AB::Expr; 2] = local.mem_access.prev_value.map(Into::into);
    let mem_new: [AB::Expr; 2] = local.mem_new.map(Into::into);

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
    // `0x7EFF − hi` checks the address's high half only because `hi` is already small: it is a
    // half of the AddSub chip's answer, which that chip range-checks to 16 bits.
    range16[0] += is_mem.clone() * rest.clone();
    range16[1] += is_mem.clone()
        * (AB::Expr::from_u32((tessera_mips::MEMORY_LIMIT >> 16) - 1) - alu_a[1].clone());
    builder.assert_eq(
        local.mem_key,
        is_mem.clone() * (rest + alu_a[1].clone() * AB::Expr::from_u32(1 << 14))
            + is_hi_lo * reg(AB::Expr::from_u32(32)),
    );
    let halves = any::<AB>(local, [Kind::Lh, Kind::Lhu, Kind::Sh]);
    builder.assert_zero(halves * (lanes[1].clone() + lanes[3].clone()));
    let words = any::<AB>(local, [Kind::Lw, Kind::Sw, Kind::Sc]);
    builder.assert_zero(words * (one - lanes[0].clone()));

    let old_bytes: [AB::Expr; 4] = local.old_bytes.map(Into::into);
    let rt_bytes: [AB::Expr; 4] = local.rt_bytes.map(Into::into);
    // The old word's and rt's bytes on memory rows; MADD/MSUB range-check the new LO and
    // HI through the same columns, and links their result through `old_bytes`.
    let rt_halves: [AB::Expr; 2] = local.rt_access.prev_value.map(Into::into);
    assert_halves_of_bytes(builder, &old_bytes, result.clone(), link.clone());
    for (bytes, on_memory, on_accumulate, count) in [
        (
            &old_bytes,
            mem_prev,
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
    eval_loads_and_stores(builder, local, &old_bytes, &rt_bytes, &result, &mem_new);
}

/// The sign of LB and LH, and each load's result and each store's new word as bytes of the old
/// word, of rt and of the sign, lane by lane.
fn eval_loads_and_stores<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    local: &CpuCols<AB::Var>,
    old_bytes: &[AB::Expr; 4],
    rt_bytes: &[AB::Expr; 4],
    result: &[AB::Expr; 2],
    mem_new: &[AB::Expr; 2],
) where
    AB::F: Field,
{
    let k = |kind: Kind| flag::<AB>(local, kind);
    let lanes: [AB::Expr; 4] = local.lanes.map(Into::into);
    let byte = AB::Expr::from_u32(256);
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
}

/// Branches and jumps: whether the branch is taken, and `next_next_pc` (fall-through, the ROM's
/// target or, for JR, `rs`, below 2^30).
fn eval_control_flow<AB: AirBuilder>(
    builder: &mut AB,
    local: &CpuCols<AB::Var>,
    range16: &mut Range16<AB::Expr>,
) {
    let one = AB::Expr::ONE;
    let is_real: AB::Expr = local.is_real.into();
    let k = |kind: Kind| flag::<AB>(local, kind);
    let eq: AB::Expr = local.eq.into();
    let lt: AB::Expr = local.alu_a[0].into();
    let taken: AB::Expr = local.taken.into();
    builder.assert_bool(taken.clone());
    let jumps = k(Kind::Jump) + k(Kind::JumpReg);
    let branches = any::<AB>(local, [Kind::Beq, Kind::Bne, Kind::Blt, Kind::Bge]);
    builder.assert_zero(jumps.clone() * (one.clone() - taken.clone()));
    builder.assert_zero((one.clone() - jumps - branches) * taken.clone());
    builder.assert_zero(k(Kind::Beq) * (taken.clone() - eq.clone()));
    builder.assert_zero(k(Kind::Bne) * (taken.clone() - one.clone() + eq.clone()));
    builder.assert_zero(k(Kind::Blt) * (taken.clone() - lt.clone()));
    builder.assert_zero(k(Kind::Bge) * (taken.clone() - one + lt));
    let next_pc: AB::Expr = local.next_pc.into();
    let fall_through = next_pc + AB::Expr::from_u32(4);
    let target = field::<AB::Expr, _>(local.imm);
    let rs_value = local.rs_access.prev_value;
    let rs_field = field::<AB::Expr, _>(rs_value);
    builder.assert_zero(
        is_real * (local.next_next_pc.into() - fall_through.clone())
            - taken.clone() * (target.clone() - fall_through)
            - k(Kind::JumpReg) * (rs_field - target),
    );
    // 4·hi checks JR's target below 2^30 only because hi is already a 16-bit half: `rs` is a
    // register value, canonical halves on the memory bus. A taken branch's target is the ROM's
    // (a wrapped offset can put it past p): its high half is checked alike, so the field value
    // is the word the executor jumps to (JUMP_LIMIT).
    range16[2] += k(Kind::JumpReg) * rs_value[1].into() * AB::Expr::from_u32(4);
    range16[0] += taken * local.imm[1].into() * AB::Expr::from_u32(4);
}

/// The 16-bit checks: links (pc + 8 below 2^30), memory addresses (word index within the low
/// half, high half below 0x7F00), JR and taken branch targets (below 2^30). A row has at most one of these
/// kinds, plus a link on JALR (slot 2 serves JR).
fn eval_range16<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    local: &CpuCols<AB::Var>,
    range16: Range16<AB::Expr>,
) where
    AB::F: Field,
{
    let is_real: AB::Expr = local.is_real.into();
    for (slot, expected) in local.range16.iter().zip(range16) {
        builder.assert_eq(*slot, expected);
        lookup_u16(builder, (*slot).into(), is_real.clone());
    }
}

/// Traps are branches that must not be taken; syscalls go to the Syscall chip; only a syscall
/// may halt, and a halt ends the run.
fn eval_traps_and_syscalls<AB: AirBuilder + InteractionBuilder>(
    builder: &mut AB,
    local: &CpuCols<AB::Var>,
    next: &CpuCols<AB::Var>,
) where
    AB::F: Field,
{
    let one = AB::Expr::ONE;
    let taken: AB::Expr = local.taken.into();
    builder.assert_zero(rom_flag::<AB>(local, TRAP) * taken);

    let syscall = flag::<AB>(local, Kind::Syscall);
    let halt: AB::Expr = local.halt.into();
    builder.assert_bool(halt.clone());
    builder.assert_zero(halt.clone() * (one - syscall.clone()));
    builder
        .when_transition()
        .assert_zero(halt.clone() * next.is_real.into());
    permutation(
        builder,
        SYSCALL_BUS,
        [local.clk.into(), halt],
        syscall,
        true,
    );
}
