//! Vector passes for counted loops: a counted loop (`counted`) whose passes only load,
//! compute 32-bit values from what they loaded, add them into accumulator registers or store
//! them, runs four passes at a time in the lanes of a host vector, before its unchecked copy
//! runs the last zero to three passes one at a time.
//!
//! The lanes hold 32 bits, so every value a pass computes must be a sign-extended 32-bit
//! value whose low half a lane can compute from the low halves of its operands: loads of at
//! most 32 bits that extend (`lb`, `lbu`, `lh`, `lhu`, `lw`), the `W` arithmetic ops,
//! bitwise ops of such values, 32-bit constants. A register the loop reads must be one of:
//! written earlier in the same pass (a *temporary*), never written in the loop (an
//! *invariant*: the same in every lane; only in `W` ops, whose result does not depend on its
//! upper half), one of the registers that step by a constant (only as the base of an
//! access), or an *accumulator*: a register whose only write is `addw acc, acc, x` and which
//! nothing else reads. Four passes' `x` go to four lanes summed apart; since `addw` only
//! depends on low halves and wraps, the sum of the lanes added to the accumulator after the
//! vector passes is what four times as many scalar passes leave there. Stores of such values
//! (`sb`, `sh`, `sw` through a stepping base) are lane stores; since four passes at a time
//! make all their loads before their stores, the vector passes then run only if a test after
//! the entry test finds no store's range of addresses meeting another access's (else the
//! unchecked copy runs them all).
//!
//! The vector passes need nothing the entry test of the unchecked copy did not check: they
//! make the same accesses as the first `4 g` passes (`g = n / 4`, `n` passes in all), and the
//! fuel of all `n` was charged. They leave the stepping registers and accumulators where `4 g`
//! passes leave them; then the unchecked copy runs the `n % 4` passes left, or, if none are,
//! each temporary gets its last lane (the last pass's value) and the loop is left.
//!
//! intkernel's matrix product and bit extraction are such loops (`lh; lh; mulw; ...; addw
//! acc`): a contiguous `lh` is one widening vector load, a strided one four inserted lanes.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I16, I16X8, I32, I32X4, I64, I8, I8X16};
use cranelift_codegen::ir::{Block, InstBuilder, Value};
use cranelift_frontend::Variable;
use vm_ir::{IRBlock, IROp, Slot};

use super::counted::{Counted, Span};
use super::{guest_flags, Gen};

/// Passes per vector pass.
pub(super) const LANES: i64 = 4;

/// A counted loop that vector passes can run: its accumulators and whether it stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lanes {
    pub accs: Vec<u8>,
    /// The loop stores: the vector passes run only where no access's range meets a
    /// store's.
    pub stores: bool,
}

/// What one pass in lanes runs ([`Gen::lane_pass`]).
pub(super) struct LaneIns<'a> {
    pub ops: &'a [IROp],
    /// The registers that step (their steps are left out).
    pub stepping: u64,
    /// The accesses, in order.
    pub spans: &'a [Span],
    /// Lanes of invariants (and shift amounts).
    pub invariants: &'a [Option<Value>; 64],
    /// The accumulators' variables.
    pub accs: &'a [(u8, Variable)],
}

/// An operand of a lane op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    Zero,
    Temp,
    Invariant,
}

/// What the analysis knows about the slots while walking a pass.
struct Walk {
    /// Slots never written in the loop.
    fixed: u64,
    /// Slots written so far in the pass.
    defined: u64,
}

impl Walk {
    fn src(&self, r: u8) -> Option<Src> {
        if r == 0 {
            Some(Src::Zero)
        } else if self.defined & (1 << r) != 0 {
            Some(Src::Temp)
        } else if self.fixed & (1 << r) != 0 {
            Some(Src::Invariant)
        } else {
            None
        }
    }

    /// An operand whose upper half matters: not an invariant (its upper half is unknown).
    fn whole(&self, r: u8) -> Option<Src> {
        self.src(r).filter(|&s| s != Src::Invariant)
    }
}

/// Whether `op` is the step of a register that steps (`stepping`): `addi`/`addiw r, r, k`.
pub(super) fn is_step(op: &IROp, stepping: u64) -> bool {
    match op {
        IROp::AddI { rd, rs1, .. } | IROp::AddIW { rd, rs1, .. } => {
            rd.0 == rs1.0 && rd.0 < 64 && stepping & (1 << rd.0) != 0
        }
        _ => false,
    }
}

/// The accumulator `op` adds into, and what it adds, if it has the shape `addw a, a, x`.
pub(super) fn acc_shape(op: &IROp) -> Option<(u8, u8)> {
    match op {
        IROp::AddW { rd, rs1, rs2 } if rd.0 != 0 && (rs1.0 == rd.0) != (rs2.0 == rd.0) => {
            Some((rd.0, if rs1.0 == rd.0 { rs2.0 } else { rs1.0 }))
        }
        _ => None,
    }
}

/// Whether `op` is a lane op whose operands vector passes can read (see the module doc);
/// `None` for an op they cannot run.
fn lane_op_ok(op: &IROp, w: &Walk) -> Option<()> {
    use IROp::*;
    match op {
        AddW { rs1, rs2, .. } | SubW { rs1, rs2, .. } | MulW { rs1, rs2, .. } => {
            w.src(rs1.0)?;
            w.src(rs2.0)?;
        }
        // The amount is the same for every lane: not a temporary.
        SllW { rs1, rs2, .. } | SrlW { rs1, rs2, .. } | SraW { rs1, rs2, .. } => {
            w.src(rs1.0)?;
            if w.src(rs2.0)? == Src::Temp {
                return None;
            }
        }
        AddIW { rs1, .. } | SllIW { rs1, .. } | SrlIW { rs1, .. } | SraIW { rs1, .. } => {
            w.src(rs1.0)?;
        }
        And { rs1, rs2, .. } | Or { rs1, rs2, .. } | Xor { rs1, rs2, .. } => {
            w.whole(rs1.0)?;
            w.whole(rs2.0)?;
        }
        AndI { rs1, .. } | OrI { rs1, .. } | XorI { rs1, .. } | AddI { rs1, imm: 0, .. } => {
            w.whole(rs1.0)?;
        }
        AddI { rs1, imm, .. } if rs1.0 == 0 && *imm == *imm as i32 as i64 => {}
        Li { imm, .. } if *imm == *imm as i32 as i64 => {}
        Lb { .. } | Lbu { .. } | Lh { .. } | Lhu { .. } | Lw { .. } => {}
        // The low bytes of a lane.
        Sb { src, .. } | Sh { src, .. } | Sw { src, .. } => {
            w.src(src.0)?;
        }
        _ => return None,
    }
    Some(())
}

/// Whether vector passes can run counted loop `block` (`c` from `counted::analyze`).
pub(crate) fn plan(block: &IRBlock, c: &Counted) -> Option<Lanes> {
    let mut stepping = 1u64 << c.iv;
    for s in &c.spans {
        // A store to one address in every pass would be seen by the next pass's loads.
        if s.store && s.step == 0 {
            return None;
        }
        if s.step != 0 {
            stepping |= 1 << s.base;
        }
    }
    let stores = c.spans.iter().any(|s| s.store);
    let mut writes = [0u32; 64];
    let mut reads = [0u32; 64];
    for op in &block.ops {
        op.visit_slots(&mut |slot, acc| {
            if let Slot::Int(n) = slot {
                match acc {
                    vm_ir::Access::Write => writes[n as usize] += 1,
                    _ => reads[n as usize] += 1,
                }
            }
        });
    }
    let fixed = (0..64).filter(|&n| writes[n] == 0).fold(0u64, |m, n| m | 1 << n);
    let mut w = Walk { fixed, defined: 0 };
    let mut accs = Vec::new();
    for op in &block.ops {
        if is_step(op, stepping) {
            continue;
        }
        let rd = op_dest(op)?;
        if rd != 0 && stepping & (1 << rd) != 0 {
            return None;
        }
        match acc_shape(op) {
            // Written once, read only here (the `reads` count includes this read).
            Some((a, x)) if writes[a as usize] == 1 && reads[a as usize] == 1 && a != c.limit => {
                w.src(x)?;
                accs.push(a);
                continue;
            }
            _ => lane_op_ok(op, &w)?,
        };
        w.defined |= 1 << rd;
    }
    (!accs.is_empty() || stores).then_some(Lanes { accs, stores })
}

/// The integer slot `op` writes (0 for none), or `None` if it writes anything else.
pub(super) fn op_dest(op: &IROp) -> Option<u8> {
    let mut rd = Some(0);
    op.visit_slots(&mut |slot, acc| {
        if matches!(acc, vm_ir::Access::Write) {
            rd = match (rd, slot) {
                (Some(0), Slot::Int(n)) => Some(n),
                _ => None,
            };
        }
    });
    rd
}

impl Gen<'_, '_> {
    /// After the entry test of counted loop `block` (`c`, `lanes`) found `n` passes safe: run
    /// `n / 4` vector passes, leave the registers as that many times four scalar passes
    /// would, then go on to `fast`, the unchecked copy, for the `n % 4` passes left, or, if
    /// none are, leave the loop for `next`.
    pub(super) fn vector_passes(
        &mut self,
        block: &IRBlock,
        c: &Counted,
        lanes: &Lanes,
        (n, ranges, next): (Value, &[(Value, Value)], u64),
        fast: Block,
    ) {
        let pre = self.new_block();
        let body = self.new_block();
        let post = self.new_block();
        let groups = self.b.ins().ushr_imm_u(n, 2);
        let go = if lanes.stores {
            let some = self.b.ins().icmp_imm_s(IntCC::NotEqual, groups, 0);
            let apart = self.stores_apart(c, ranges);
            self.b.ins().band(some, apart)
        } else {
            groups
        };
        self.b.ins().brif(go, pre, &[], fast, &[]);

        // Before: the stepping registers, the invariants' lanes, empty accumulator lanes.
        self.b.switch_to_block(pre);
        let mut stepped: Vec<(u8, i64)> = vec![(c.iv, c.step)];
        for s in &c.spans {
            if s.step != 0 && !stepped.iter().any(|&(r, _)| r == s.base) {
                stepped.push((s.base, s.step));
            }
        }
        let steps: Vec<(u8, i64, Variable)> = stepped
            .into_iter()
            .map(|(r, step)| {
                let var = self.b.declare_var(I64);
                let v = self.get(r);
                self.b.def_var(var, v);
                (r, step, var)
            })
            .collect();
        let mut fixed_regs = [None::<Value>; 64];
        for s in &c.spans {
            if s.step == 0 && fixed_regs[s.base as usize].is_none() {
                fixed_regs[s.base as usize] = Some(self.get(s.base));
            }
        }
        let zero32 = self.b.ins().iconst(I32, 0);
        let zero = self.b.ins().splat(I32X4, zero32);
        let acc_vars: Vec<(u8, Variable)> = lanes
            .accs
            .iter()
            .map(|&a| {
                let v = self.b.declare_var(I32X4);
                self.b.def_var(v, zero);
                (a, v)
            })
            .collect();
        // Where the counter is after the vector passes (it steps first in `steps`).
        let counter = self.get(c.iv);
        let walk = self.b.ins().imul_imm_s(groups, c.step * LANES);
        let end = self.b.ins().iadd(counter, walk);
        let stepping: u64 = steps.iter().fold(0, |m, s| m | 1 << s.0);
        let invariants = self.invariant_lows(block, stepping);
        self.b.ins().jump(body, &[]);

        // One vector pass.
        self.b.switch_to_block(body);
        let mut vals = [None::<Value>; 64];
        let mut base_of = |g: &mut Self, s: &Span| -> (Value, i64) {
            let b = match steps.iter().find(|st| st.0 == s.base) {
                Some(&(_, _, var)) => g.b.use_var(var),
                None => fixed_regs[s.base as usize].expect("a fixed base was read before"),
            };
            // The lanes are passes: apart by the step.
            (b, s.step)
        };
        let ins =
            LaneIns { ops: &block.ops, stepping, spans: &c.spans, invariants: &invariants, accs: &acc_vars };
        self.lane_pass(&ins, &mut base_of, &mut vals);
        let stepped: Vec<_> = steps.iter().map(|&(_, step, var)| (var, step * LANES)).collect();
        self.next_pass(&stepped, end, (body, post));

        // After: the registers as the scalar passes would leave them.
        self.b.switch_to_block(post);
        for &(a, var) in &acc_vars {
            let lanes = self.b.use_var(var);
            let mut sum = self.b.ins().extractlane(lanes, 0);
            for i in 1..LANES as u8 {
                let l = self.b.ins().extractlane(lanes, i);
                sum = self.b.ins().iadd(sum, l);
            }
            let before = self.get(a);
            let low = self.b.ins().ireduce(I32, before);
            let low = self.b.ins().iadd(low, sum);
            let v = self.b.ins().sextend(I64, low);
            self.set(a, v);
        }
        for &(r, _, var) in &steps {
            let v = self.b.use_var(var);
            self.set(r, v);
        }
        // Passes left for the unchecked copy, or none: then the temporaries as the last pass
        // left them, and out of the loop.
        let rest = self.b.ins().band_imm_s(n, LANES - 1);
        let done = self.new_block();
        self.b.ins().brif(rest, fast, &[], done, &[]);
        self.b.switch_to_block(done);
        for (slot, v) in vals.iter().enumerate() {
            if let Some(v) = *v {
                let last = self.b.ins().extractlane(v, LANES as u8 - 1);
                let last = self.b.ins().sextend(I64, last);
                self.set(slot as u8, last);
            }
        }
        self.edge(next);
        self.vector_loops += 1;
    }

    /// One pass of `ins.ops` in lanes (the steps of `ins.stepping` left out): loads and
    /// stores through `base_of` (a span's base register value and the distance between the
    /// lanes' addresses), accumulators into their variables, lane ops into `vals`.
    pub(super) fn lane_pass(
        &mut self,
        ins: &LaneIns<'_>,
        base_of: &mut dyn FnMut(&mut Self, &Span) -> (Value, i64),
        vals: &mut [Option<Value>; 64],
    ) {
        let mut access_no = 0usize;
        for op in ins.ops {
            if is_step(op, ins.stepping) {
                continue;
            }
            if let Some((base, width, signed)) = load_shape(op) {
                let span = ins.spans[access_no];
                access_no += 1;
                debug_assert_eq!(span.base, base);
                let (b, apart) = base_of(self, &span);
                let v = self.lane_load(b, Span { step: apart, ..span }, width, signed);
                self.set_lane(vals, op_dest(op).unwrap_or(0), v);
                continue;
            }
            if let Some((src, base)) = store_shape(op) {
                let span = ins.spans[access_no];
                access_no += 1;
                debug_assert_eq!(span.base, base);
                let (b, apart) = base_of(self, &span);
                let v = self.lane_src(vals, ins.invariants, src);
                self.lane_store(b, Span { step: apart, ..span }, v);
                continue;
            }
            let acc = acc_shape(op).and_then(|(a, x)| ins.accs.iter().find(|v| v.0 == a).map(|v| (v.1, x)));
            if let Some((var, x)) = acc {
                let x = self.lane_src(vals, ins.invariants, x);
                let sum = self.b.use_var(var);
                let sum = self.b.ins().iadd(sum, x);
                self.b.def_var(var, sum);
                continue;
            }
            let v = self.lane_op(op, vals, ins.invariants);
            self.set_lane(vals, op_dest(op).unwrap_or(0), v);
        }
    }

    /// The end of a pass in lanes: step the variables of `steps` by their amounts, and go
    /// round to `body` until the first of them (which steps) reaches `end`, then on to
    /// `post`.
    pub(super) fn next_pass(&mut self, steps: &[(Variable, i64)], end: Value, (body, post): (Block, Block)) {
        let mut first = None;
        for &(var, step) in steps {
            let v = self.b.use_var(var);
            let v = self.b.ins().iadd_imm_s(v, step);
            self.b.def_var(var, v);
            first.get_or_insert(v);
        }
        let more = self.b.ins().icmp(IntCC::NotEqual, first.expect("the counter steps"), end);
        self.b.ins().brif(more, body, &[], post, &[]);
    }

    /// The low halves of the invariants the ops of `block` (but the steps of `stepping`)
    /// read as values: lanes are splats of them, shift amounts them.
    fn invariant_lows(&mut self, block: &IRBlock, stepping: u64) -> [Option<Value>; 64] {
        let written = super::int_writes(&block.ops);
        let mut lows = [None::<Value>; 64];
        for op in block.ops.iter().filter(|op| !is_step(op, stepping)) {
            let mut regs = Vec::new();
            op.visit_slots(&mut |slot, acc| {
                if let (Slot::Int(n), vm_ir::Access::Read) = (slot, acc) {
                    regs.push(n);
                }
            });
            for r in regs {
                if r != 0 && written & (1 << r) == 0 && lows[r as usize].is_none() && op_reads_as_data(op, r)
                {
                    let v = self.get(r);
                    lows[r as usize] = Some(self.b.ins().ireduce(I32, v));
                }
            }
        }
        lows
    }

    pub(super) fn set_lane(&mut self, vals: &mut [Option<Value>; 64], rd: u8, v: Value) {
        if rd != 0 {
            vals[rd as usize] = Some(v);
        }
    }

    /// The lanes of operand `r`: a temporary's, an invariant's (the same in each), zero's.
    pub(super) fn lane_src(
        &mut self,
        vals: &[Option<Value>; 64],
        invariants: &[Option<Value>; 64],
        r: u8,
    ) -> Value {
        if r == 0 {
            let z = self.b.ins().iconst(I32, 0);
            return self.b.ins().splat(I32X4, z);
        }
        if let Some(v) = vals[r as usize] {
            return v;
        }
        let low = invariants[r as usize].expect("the plan allows only temporaries and invariants");
        self.b.ins().splat(I32X4, low)
    }

    /// The lanes of a 32-bit constant.
    fn lane_const(&mut self, imm: i64) -> Value {
        let c = self.b.ins().iconst(I32, imm as i32 as i64);
        self.b.ins().splat(I32X4, c)
    }

    /// The low half of the shift amount `r` (an invariant or zero), the same for each lane.
    fn lane_amount(&mut self, invariants: &[Option<Value>; 64], r: u8) -> Value {
        match invariants[r as usize] {
            Some(v) if r != 0 => v,
            _ => self.b.ins().iconst(I32, 0),
        }
    }

    /// The lanes of arithmetic op `op` (one `lane_op_ok` accepts).
    pub(super) fn lane_op(
        &mut self,
        op: &IROp,
        vals: &[Option<Value>; 64],
        inv: &[Option<Value>; 64],
    ) -> Value {
        use IROp::*;
        match *op {
            AddW { rs1, rs2, .. }
            | SubW { rs1, rs2, .. }
            | MulW { rs1, rs2, .. }
            | And { rs1, rs2, .. }
            | Or { rs1, rs2, .. }
            | Xor { rs1, rs2, .. } => {
                let a = self.lane_src(vals, inv, rs1.0);
                let b = self.lane_src(vals, inv, rs2.0);
                let ins = self.b.ins();
                match op {
                    AddW { .. } => ins.iadd(a, b),
                    SubW { .. } => ins.isub(a, b),
                    MulW { .. } => ins.imul(a, b),
                    And { .. } => ins.band(a, b),
                    Or { .. } => ins.bor(a, b),
                    _ => ins.bxor(a, b),
                }
            }
            SllW { rs1, rs2, .. } | SrlW { rs1, rs2, .. } | SraW { rs1, rs2, .. } => {
                let a = self.lane_src(vals, inv, rs1.0);
                let amount = self.lane_amount(inv, rs2.0);
                self.lane_shift(op, a, amount)
            }
            SllIW { rs1, imm, .. } | SrlIW { rs1, imm, .. } | SraIW { rs1, imm, .. } => {
                let a = self.lane_src(vals, inv, rs1.0);
                let amount = self.b.ins().iconst(I32, imm & 31);
                self.lane_shift(op, a, amount)
            }
            AddIW { rs1, imm, .. } | AndI { rs1, imm, .. } | OrI { rs1, imm, .. } | XorI { rs1, imm, .. } => {
                let a = self.lane_src(vals, inv, rs1.0);
                let k = self.lane_const(imm);
                let ins = self.b.ins();
                match op {
                    AddIW { .. } => ins.iadd(a, k),
                    AndI { .. } => ins.band(a, k),
                    OrI { .. } => ins.bor(a, k),
                    _ => ins.bxor(a, k),
                }
            }
            AddI { rs1, imm: 0, .. } => self.lane_src(vals, inv, rs1.0),
            AddI { imm, .. } | Li { imm, .. } => self.lane_const(imm),
            _ => unreachable!("not a lane op: {op}"),
        }
    }

    fn lane_shift(&mut self, op: &IROp, a: Value, amount: Value) -> Value {
        use IROp::*;
        match op {
            SllW { .. } | SllIW { .. } => self.b.ins().ishl(a, amount),
            SrlW { .. } | SrlIW { .. } => self.b.ins().ushr(a, amount),
            _ => self.b.ins().sshr(a, amount),
        }
    }

    /// Store the low `span.width` bytes of each lane of `v` through `span` from base register
    /// value `b`: one vector store if the passes' words follow each other.
    pub(super) fn lane_store(&mut self, b: Value, span: Span, v: Value) {
        let first = self.b.ins().iadd_imm_s(b, span.off);
        let at = self.unchecked_addr(first);
        let flags = guest_flags();
        if span.step == 4 && span.width == 4 {
            self.b.ins().store(flags, v, at, 0);
            return;
        }
        for j in 0..LANES {
            let x = self.b.ins().extractlane(v, j as u8);
            let off = (j * span.step) as i32;
            match span.width {
                1 => self.b.ins().istore8(flags, x, at, off),
                2 => self.b.ins().istore16(flags, x, at, off),
                _ => self.b.ins().store(flags, x, at, off),
            };
        }
    }

    /// Whether no store of counted loop `c` touches a byte another access touches over the
    /// passes (`ranges`: each access's first and last byte, from the entry test); then four
    /// passes at a time, loads before stores, touch memory as one at a time would. A truth
    /// value.
    fn stores_apart(&mut self, c: &Counted, ranges: &[(Value, Value)]) -> Value {
        let ranges: Vec<_> =
            ranges.iter().zip(&c.spans).map(|(&(lo, last), s)| (lo, last, s.store)).collect();
        self.ranges_apart(&ranges)
    }

    /// Whether no range that stores meets another range (`ranges`: first byte, last byte,
    /// stores). A truth value.
    pub(super) fn ranges_apart(&mut self, ranges: &[(Value, Value, bool)]) -> Value {
        let mut apart = self.b.ins().iconst(I8, 1);
        for (i, &(lo, last, st)) in ranges.iter().enumerate() {
            for &(lo2, last2, st2) in &ranges[i + 1..] {
                if !(st || st2) {
                    continue;
                }
                let before = self.b.ins().icmp(IntCC::UnsignedLessThan, last, lo2);
                let after = self.b.ins().icmp(IntCC::UnsignedLessThan, last2, lo);
                let one = self.b.ins().bor(before, after);
                apart = self.b.ins().band(apart, one);
            }
        }
        apart
    }

    /// The lanes of a load through `span` from base register value `b`, `width` bytes
    /// extended to 32 bits: one vector load if the passes' addresses follow each other.
    pub(super) fn lane_load(&mut self, b: Value, span: Span, width: u64, signed: bool) -> Value {
        let first = self.b.ins().iadd_imm_s(b, span.off);
        let at = self.unchecked_addr(first);
        let flags = guest_flags();
        if span.step == width as i64 && width == 2 {
            return if signed {
                self.b.ins().sload16x4(flags, at, 0)
            } else {
                self.b.ins().uload16x4(flags, at, 0)
            };
        }
        if span.step == 4 && width == 4 {
            return self.b.ins().load(I32X4, flags, at, 0);
        }
        if span.step == 0 {
            // A fixed address: one load, the same in every lane.
            let x = match (width, signed) {
                (1, true) => self.b.ins().sload8(I32, flags, at, 0),
                (1, false) => self.b.ins().uload8(I32, flags, at, 0),
                (2, true) => self.b.ins().sload16(I32, flags, at, 0),
                (2, false) => self.b.ins().uload16(I32, flags, at, 0),
                _ => self.b.ins().load(I32, flags, at, 0),
            };
            return self.b.ins().splat(I32X4, x);
        }
        // Strided: each pass's value inserted straight from memory into a lane; halfwords
        // (bytes) into the low lanes of a vector of eight (sixteen), widened after.
        let (ty, vty, widen) = match width {
            1 => (I8, I8X16, 2),
            2 => (I16, I16X8, 1),
            _ => (I32, I32X4, 0),
        };
        let mut v = None;
        for j in 0..LANES {
            let x = self.b.ins().load(ty, flags, at, (j * span.step) as i32);
            v = Some(match v {
                // (Cranelift has no byte `scalar_to_vector` on x86-64: all lanes then.)
                None if width == 1 => self.b.ins().splat(vty, x),
                None => self.b.ins().scalar_to_vector(vty, x),
                Some(v) => self.b.ins().insertlane(v, x, j as u8),
            });
        }
        let mut v = v.expect("four lanes");
        for _ in 0..widen {
            v = if signed { self.b.ins().swiden_low(v) } else { self.b.ins().uwiden_low(v) };
        }
        v
    }
}

/// `(base, width, sign-extends)` of a load vector passes can make.
pub(super) fn load_shape(op: &IROp) -> Option<(u8, u64, bool)> {
    use IROp::*;
    Some(match op {
        Lb { base, .. } => (base.0, 1, true),
        Lbu { base, .. } => (base.0, 1, false),
        Lh { base, .. } => (base.0, 2, true),
        Lhu { base, .. } => (base.0, 2, false),
        Lw { base, .. } => (base.0, 4, true),
        _ => return None,
    })
}

/// Whether `op` reads register `r` as a value (not as the base of an access).
fn op_reads_as_data(op: &IROp, r: u8) -> bool {
    load_shape(op).is_none_or(|(base, _, _)| base != r) && store_shape(op).is_none_or(|(src, _)| src == r)
}

/// `(value, base)` of a store vector passes can make.
pub(super) fn store_shape(op: &IROp) -> Option<(u8, u8)> {
    use IROp::*;
    match op {
        Sb { src, base, .. } | Sh { src, base, .. } | Sw { src, base, .. } => Some((src.0, base.0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::counted::analyze;

    fn lanes(text: &str) -> Option<Lanes> {
        let b = vm_ir::parse_block(text).expect("valid block");
        plan(&b, &analyze(&b).unwrap_or_else(|| panic!("not a counted loop: {text}")))
    }

    /// intkernel's bit extraction: strided and contiguous loads, 32-bit arithmetic on them,
    /// one accumulator.
    #[test]
    fn the_bit_extraction_loop_runs_in_lanes() {
        let l = lanes(
            "block 0x10a14:
                lh x22, x31, 0
                lh x29, x5, 0
                addi x31, x31, 48
                addi x5, x5, 2
                mulw x29, x29, x22
                sraiw x22, x29, 2
                sraiw x29, x29, 5
                andi x22, x22, 15
                andi x29, x29, 127
                mulw x29, x22, x29
                addw x7, x29, x7
                branch ne, x31, x1, 0x10a14, 0x10a42",
        );
        assert_eq!(l, Some(Lanes { accs: vec![7], stores: false }));
    }

    /// Invariants in 32-bit ops and as shift amounts; an accumulator added from an invariant.
    #[test]
    fn invariants_in_32_bit_ops() {
        let l = lanes(
            "block 0x1000:
                lw x6, x10, 0
                addi x10, x10, 4
                mulw x6, x6, x20
                sllw x6, x6, x21
                addw x15, x15, x6
                addw x9, x20, x9
                branch ne, x10, x11, 0x1000, 0x1010",
        );
        assert_eq!(l, Some(Lanes { accs: vec![15, 9], stores: false }));
    }

    /// intkernel's multiplication by a constant: a store through a stepping base, no
    /// accumulator.
    #[test]
    fn a_loop_that_stores() {
        let l = lanes(
            "block 0x10910:
                lh x14, x15, 0
                addi x12, x12, 4
                addi x15, x15, 2
                mulw x14, x14, x17
                sw x14, x12, -4
                branch ne, x10, x15, 0x10910, 0x10924",
        );
        assert_eq!(l, Some(Lanes { accs: vec![], stores: true }));
    }

    /// Not in lanes: a store to one address, a 64-bit load, a 64-bit add, an invariant's upper half in a
    /// bitwise op, a value carried between passes, a shift by a temporary, an accumulator
    /// read elsewhere, the counter used as a value, no accumulator at all.
    #[test]
    fn what_does_not_run_in_lanes() {
        for body in [
            "lw x6, x10, 0\nsw x6, x12, 0\naddw x15, x15, x6",
            "ld x6, x12, 0\naddw x15, x15, x6",
            "lw x6, x10, 0\nadd x6, x6, x6\naddw x15, x15, x6",
            "lw x6, x10, 0\nand x6, x6, x20\naddw x15, x15, x6",
            "lw x6, x10, 0\naddw x7, x7, x6\naddi x8, x7, 0\naddw x15, x15, x8",
            "lw x6, x10, 0\nsllw x6, x6, x6\naddw x15, x15, x6",
            "lw x6, x10, 0\naddw x15, x15, x6\naddw x7, x15, x0",
            "lw x6, x10, 0\naddw x6, x6, x10\naddw x15, x15, x6",
            "lw x6, x10, 0\naddw x7, x6, x6",
        ] {
            let text =
                format!("block 0x1000:\n{body}\naddi x10, x10, 4\nbranch ne, x10, x11, 0x1000, 0x1010");
            assert_eq!(lanes(&text), None, "{text}");
        }
    }
}
