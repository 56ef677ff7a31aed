//! Loop nests in lanes: four passes of an outer loop at a time, one in each lane of a host
//! vector, where the outer loop only starts a counted inner loop (`lanes`) afresh, lets it run,
//! stores what it added up and steps its own registers. intkernel's matrix product is such a
//! nest (`for j: { sum = 0; for x: sum += a[x] * b[x][j]; c[j] = sum; }`): with the lanes
//! across `j`, the column loads of `b` are one contiguous vector load per inner pass, the row
//! load of `a` one load for all four lanes, and one entry test covers four inner loops. (What
//! gcc does for it natively.)
//!
//! The shape, three blocks of one region:
//! - the *head*: a *prefix* of moves, `addi` and `li` that sets up the inner loop's registers
//!   from the outer loop's, then a copy of one inner pass, ending as the inner loop does (the
//!   block the decoder makes where the outer loop falls into the inner one);
//! - the *inner* loop: a counted loop ([`counted`]) that vector passes could run ([`lanes`]),
//!   with no stores, whose counter and accumulators the prefix sets;
//! - the *latch* the inner loop leaves to: stores of 8 to 32 bits and steps `addi r, r, k` of
//!   registers nothing else in the nest writes, ending with `bne` back to the head on one of
//!   them (the outer counter) against a register the nest does not write.
//!
//! Then every register in outer pass `k` (from 0) at the head is its value now plus `k`
//! times its latch step, and after the prefix an affine function of those ([`Affine`]); the
//! inner loop's counter and limit move alike with `k`, so every lane makes the same number
//! of inner passes, and each access of lane `k` is lane 0's moved by `k` times a constant.
//!
//! At the head, a test (like a counted loop's entry test) checks that at least four outer
//! passes are left, works out the inner passes, the fuel for all of it, and each access's
//! range over the four lanes and all passes (inside guest memory, aligned, within a page,
//! allowed; stores on pages without translated code, and no store's range meeting another
//! access's, as the lanes make all loads before any store). If it holds, the four outer
//! passes run in lanes and leave every register as the fourth would, then the fourth's
//! latch branch goes back to the head (and its test) or out; else the head runs as it is. So the last zero to three outer passes, and any nest
//! whose memory the test does not like, run one at a time.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I32X4, I64};
use cranelift_codegen::ir::{Block, InstBuilder, Value};
use cranelift_frontend::Variable;
use vm_ir::{Cond, IRBlock, IROp, Slot, Terminator};

use super::counted::{self, Counted, Span};
use super::lanes::{self, Lanes, LANES};
use super::{Counter, Gen, RegionBlock};

/// Most inner (and, less four, outer) passes the test lets through.
const MAX_TRIPS: i64 = 1 << 16;

/// A register's value in outer pass `k` of four, where the prefix left it: the value of `reg`
/// at the head plus `add` plus `k * stride` (`reg` 0: a constant; `stride` is `reg`'s latch
/// step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine {
    pub reg: u8,
    pub add: i64,
    pub stride: i64,
}

/// A loop nest that can run in lanes (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Nest {
    /// Ops of the head before its copy of the inner pass.
    pub prefix: usize,
    /// The inner loop.
    pub inner: Counted,
    pub lanes: Lanes,
    /// The outer counter, its step, its limit, and whether it steps by `addiw`.
    pub outer: (u8, i64, u8, bool),
    /// Per register: its step in the latch (0: none).
    pub steps: [i64; 32],
    /// Per register the prefix writes: its value after the prefix.
    pub after: [Option<Affine>; 32],
    /// Most inner passes: each access's walk over the passes and the lanes within a page.
    pub max_trips: i64,
}

impl Nest {
    /// Register `r` where the prefix left it (for a register the prefix does not write, its
    /// value at the head: the analysis made sure that is not left from an earlier pass).
    fn at(&self, r: u8) -> Affine {
        match self.after[r as usize] {
            Some(a) => a,
            None if r == 0 => Affine { reg: 0, add: 0, stride: 0 },
            None => Affine { reg: r, add: 0, stride: self.steps[r as usize] },
        }
    }

    /// The registers the inner loop steps, with their steps.
    fn inner_steps(&self) -> Vec<(u8, i64)> {
        let c = &self.inner;
        let mut v = vec![(c.iv, c.step)];
        for s in c.spans.iter().filter(|s| s.step != 0) {
            if !v.iter().any(|&(r, _)| r == s.base) {
                v.push((s.base, s.step));
            }
        }
        v
    }
}

fn bit(r: u8) -> u64 {
    1u64 << r
}

/// Whether every slot `ops` touch is a guest integer register.
fn guest_regs_only(ops: &[IROp]) -> bool {
    let mut ok = true;
    for op in ops {
        op.visit_slots(&mut |slot, _| ok &= matches!(slot, Slot::Int(n) if n < 32));
    }
    ok
}

/// The nest `head`, `inner`, `latch` make, if they make one (see the module doc).
pub(crate) fn find(head: &IRBlock, inner: &IRBlock, latch: &IRBlock) -> Option<Nest> {
    let c = counted::analyze(inner)?;
    if c.w || c.spans.iter().any(|s| s.store) {
        return None;
    }
    let lanes = lanes::plan(inner, &c)?;
    let Terminator::Branch { next: leave_to, .. } = inner.term else { return None };
    let prefix = head.ops.len().checked_sub(inner.ops.len())?;
    if head.term != inner.term
        || head.ops[prefix..] != inner.ops[..]
        || leave_to != latch.start_pc
        || head.start_pc == inner.start_pc
        || latch.start_pc == head.start_pc
        || !guest_regs_only(&head.ops)
        || !guest_regs_only(&latch.ops)
    {
        return None;
    }
    let Terminator::Branch { cond: Cond::Ne, rs1, rs2, taken, .. } = latch.term else { return None };
    if taken != head.start_pc {
        return None;
    }
    // The latch: stores and steps.
    let mut steps = [0i64; 32];
    let (mut stepped, mut by_addiw) = (0u64, 0u64);
    for op in &latch.ops {
        match op {
            IROp::AddI { rd, rs1, imm } | IROp::AddIW { rd, rs1, imm }
                if rd.0 == rs1.0 && rd.0 != 0 && *imm != 0 =>
            {
                if stepped & bit(rd.0) != 0 {
                    return None;
                }
                stepped |= bit(rd.0);
                steps[rd.0 as usize] = *imm;
                if matches!(op, IROp::AddIW { .. }) {
                    by_addiw |= bit(rd.0);
                }
            }
            IROp::Sb { .. } | IROp::Sh { .. } | IROp::Sw { .. } => {}
            _ => return None,
        }
    }
    let w_prefix = super::int_writes(&head.ops[..prefix]);
    let w_inner = super::int_writes(&inner.ops);
    if stepped & (w_prefix | w_inner) != 0 {
        return None;
    }
    let written = w_prefix | w_inner | stepped;
    let (iv, limit) = if stepped & bit(rs1.0) != 0 && written & bit(rs2.0) == 0 {
        (rs1.0, rs2.0)
    } else if stepped & bit(rs2.0) != 0 && written & bit(rs1.0) == 0 {
        (rs2.0, rs1.0)
    } else {
        return None;
    };
    // A 32-bit step only on the counter, whose ends the test finds 32-bit values.
    if by_addiw & !bit(iv) != 0 {
        return None;
    }
    let mut nest = Nest {
        prefix,
        inner: c,
        lanes,
        outer: (iv, steps[iv as usize], limit, by_addiw != 0),
        steps,
        after: [None; 32],
        max_trips: MAX_TRIPS,
    };
    // The prefix: affine values of registers from before it, never of one the nest writes
    // and the prefix has not yet (that would be left from the outer pass before).
    for op in &head.ops[..prefix] {
        let at = |n: &Nest, r: u8| {
            (r == 0 || n.after[r as usize].is_some() || (w_prefix | w_inner) & bit(r) == 0).then(|| n.at(r))
        };
        let (rd, v) = match *op {
            IROp::Add { rd, rs1, rs2 } if rs1.0 == 0 => (rd.0, at(&nest, rs2.0)?),
            IROp::Add { rd, rs1, rs2 } if rs2.0 == 0 => (rd.0, at(&nest, rs1.0)?),
            IROp::AddI { rd, rs1, imm } => {
                let a = at(&nest, rs1.0)?;
                (rd.0, Affine { add: a.add.checked_add(imm)?, ..a })
            }
            IROp::Li { rd, imm } => (rd.0, Affine { reg: 0, add: imm, stride: 0 }),
            _ => return None,
        };
        if rd != 0 {
            nest.after[rd as usize] = Some(v);
        }
    }
    // The inner loop: what it steps or adds up starts afresh in each outer pass, its counter
    // and limit move alike with the lanes, and its shift amounts are the same in each.
    let c = &nest.inner;
    for (r, _) in nest.inner_steps() {
        nest.after[r as usize]?;
    }
    for &a in &nest.lanes.accs {
        nest.after[a as usize]?;
    }
    if nest.at(c.iv).stride != nest.at(c.limit).stride {
        return None;
    }
    for op in &inner.ops {
        if let IROp::SllW { rs2, .. } | IROp::SrlW { rs2, .. } | IROp::SraW { rs2, .. } = op {
            if w_inner & bit(rs2.0) == 0 && nest.at(rs2.0).stride != 0 {
                return None;
            }
        }
    }
    let mut max = MAX_TRIPS;
    let lane_walk = |stride: i64, width: u64| -> Option<i64> {
        let w = 3i64.checked_mul(stride.checked_abs()?)?.checked_add(width as i64)?;
        (stride % width as i64 == 0 && w <= 4096).then_some(w)
    };
    for s in &c.spans {
        let w = lane_walk(nest.at(s.base).stride, s.width)?;
        if s.step != 0 {
            max = max.min((4096 - w) / s.step.abs() + 1);
        }
    }
    // The latch's stores: through a register the inner loop does not compute, of a value
    // that is not one it steps.
    let inner_stepping = nest.inner_steps().iter().fold(0u64, |m, s| m | bit(s.0));
    for op in &latch.ops {
        if let Some((src, base)) = lanes::store_shape(op) {
            let computed = w_inner & !inner_stepping;
            if computed & bit(base) != 0 || inner_stepping & bit(src) != 0 {
                return None;
            }
            let width = store_width(op);
            lane_walk(nest.at(base).stride, width)?;
        }
    }
    nest.max_trips = max;
    Some(nest)
}

fn store_width(op: &IROp) -> u64 {
    match op {
        IROp::Sb { .. } => 1,
        IROp::Sh { .. } => 2,
        _ => 4,
    }
}

fn store_off(op: &IROp) -> i64 {
    match *op {
        IROp::Sb { off, .. } | IROp::Sh { off, .. } | IROp::Sw { off, .. } => off,
        _ => unreachable!("a store"),
    }
}

/// The loop nests of a region, by the start pc of their head.
pub(crate) fn find_all(blocks: &[RegionBlock<'_>]) -> Vec<(u64, Nest)> {
    let by_pc = |pc: u64| blocks.iter().find(|rb| rb.block.start_pc == pc);
    let mut nests = Vec::new();
    for head in blocks {
        let Terminator::Branch { taken, next, .. } = head.block.term else { continue };
        let (Some(inner), Some(latch)) = (by_pc(taken), by_pc(next)) else { continue };
        if let Some(n) = find(head.block, inner.block, latch.block) {
            nests.push((head.block.start_pc, n));
        }
    }
    nests
}

impl Gen<'_, '_> {
    /// Lane 0's value of `a`.
    fn lane0(&mut self, a: Affine) -> Value {
        let base = if a.reg == 0 { self.b.ins().iconst(I64, 0) } else { self.get(a.reg) };
        self.b.ins().iadd_imm_s(base, a.add)
    }

    /// The low halves of `v0 + k * stride` for the four lanes `k`.
    fn affine_lanes(&mut self, v0: Value, stride: i64) -> Value {
        let low = self.b.ins().ireduce(I32, v0);
        let mut v = self.b.ins().splat(I32X4, low);
        if stride != 0 {
            for k in 1..LANES {
                let x = self.b.ins().iadd_imm_s(low, k * stride);
                v = self.b.ins().insertlane(v, x, k as u8);
            }
        }
        v
    }

    /// At the head of `nest` (`blocks`: head, inner loop, latch; the head's host block is
    /// current): the test, and where it holds four outer passes in lanes, then back to the
    /// head; where it does not, on to `scalar`.
    pub(super) fn nest_lanes(&mut self, blocks: [&RegionBlock<'_>; 3], nest: &Nest, scalar: Block) {
        let [head, inner, latch] = blocks;
        let fm = self.opts.fast_mem.expect("nests need the fast path");
        let Counter::Fuel(fuel) = self.counter else { unreachable!("nests count fuel") };
        let c = &nest.inner;
        // At least four outer passes left.
        let (oiv, ostep, olimit, ow) = nest.outer;
        let (a, b) = (self.get(oiv), self.get(olimit));
        let outer_n = self.trip_count((a, b), ostep, ow, scalar);
        let more = self.b.ins().iadd_imm_s(outer_n, -LANES);
        let enough = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, more, MAX_TRIPS);
        self.guard(enough, scalar);
        // The inner passes, the same in each lane.
        let (iv0, limit0) = (self.lane0(nest.at(c.iv)), self.lane0(nest.at(c.limit)));
        let n = self.trip_count((iv0, limit0), c.step, false, scalar);
        let n1 = self.b.ins().iadd_imm_s(n, -1);
        let few = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, n1, nest.max_trips);
        self.guard(few, scalar);
        // The fuel lasts: four heads and latches, and the inner passes after the head's.
        let inner_need = self.b.ins().imul_imm_s(n1, LANES * inner.n_insns as i64);
        let need = self.b.ins().iadd_imm_s(inner_need, LANES * (head.n_insns + latch.n_insns) as i64);
        let left = self.b.use_var(fuel);
        let lasts = self.b.ins().icmp(IntCC::SignedGreaterThan, left, need);
        self.guard(lasts, scalar);
        // Each access over all passes and lanes.
        let mut ranges = Vec::new();
        for s in &c.spans {
            let a = nest.at(s.base);
            let b0 = self.lane0(a);
            let first = self.b.ins().iadd_imm_s(b0, s.off.wrapping_sub(fm.lo as i64));
            let (mut lo, mut hi) = (first, first);
            if s.step != 0 {
                let walk = self.b.ins().imul_imm_s(n1, s.step);
                if s.step < 0 {
                    lo = self.b.ins().iadd(lo, walk);
                } else {
                    hi = self.b.ins().iadd(hi, walk);
                }
            }
            (lo, hi) = self.spread(lo, hi, a.stride);
            let (lo, end) = self.range_allowed((lo, hi), s.width, false, scalar);
            ranges.push((lo, end, false));
        }
        let stores = self.latch_stores(nest, &latch.block.ops, n);
        for st in &stores {
            let first = self.b.ins().iadd_imm_s(st.base0, st.off.wrapping_sub(fm.lo as i64));
            let (lo, hi) = self.spread(first, first, st.stride);
            let (lo, end) = self.range_allowed((lo, hi), st.width, true, scalar);
            ranges.push((lo, end, true));
        }
        let apart = self.ranges_apart(&ranges);
        self.guard(apart, scalar);
        let left = self.b.ins().isub(left, need);
        self.b.def_var(fuel, left);
        self.unchecked_host = Some(self.b.ins().get_pinned_reg(self.ptr));
        let Terminator::Branch { next: exit, .. } = latch.block.term else {
            unreachable!("a latch branches")
        };
        self.nest_passes((inner.block, exit), nest, n, &stores);
        self.unchecked_host = None;
        self.vector_loops += 1;
    }

    /// `(lo, hi)` widened by the lanes' spread `3 * stride`.
    fn spread(&mut self, lo: Value, hi: Value, stride: i64) -> (Value, Value) {
        match stride {
            0 => (lo, hi),
            s if s < 0 => (self.b.ins().iadd_imm_s(lo, (LANES - 1) * s), hi),
            s => (lo, self.b.ins().iadd_imm_s(hi, (LANES - 1) * s)),
        }
    }

    /// The latch's stores, with lane 0's base (after `n` inner passes) and the lanes' stride.
    fn latch_stores(&mut self, nest: &Nest, ops: &[IROp], n: Value) -> Vec<LatchStore> {
        let inner_steps = nest.inner_steps();
        let mut stepped = 0u64;
        let mut out = Vec::new();
        for op in ops {
            let Some((src, base)) = lanes::store_shape(op) else {
                if let IROp::AddI { rd, .. } | IROp::AddIW { rd, .. } = op {
                    stepped |= bit(rd.0);
                }
                continue;
            };
            let a = nest.at(base);
            let mut base0 = self.lane0(a);
            if let Some(&(_, step)) = inner_steps.iter().find(|s| s.0 == base) {
                let walk = self.b.ins().imul_imm_s(n, step);
                base0 = self.b.ins().iadd(base0, walk);
            }
            if stepped & bit(base) != 0 {
                base0 = self.b.ins().iadd_imm_s(base0, nest.steps[base as usize]);
            }
            let src_after_step = stepped & bit(src) != 0;
            out.push(LatchStore {
                src,
                src_after_step,
                base0,
                off: store_off(op),
                stride: a.stride,
                width: store_width(op),
            });
        }
        out
    }

    /// Four outer passes of `nest` in lanes (the test passed, `n` inner passes each), the
    /// registers left as the fourth leaves them, then where its latch branches: back to the
    /// head, or out to `exit`.
    fn nest_passes(&mut self, (inner, exit): (&IRBlock, u64), nest: &Nest, n: Value, stores: &[LatchStore]) {
        let c = &nest.inner;
        let body = self.new_block();
        let post = self.new_block();
        let w_inner = super::int_writes(&inner.ops);
        // Before: lane 0 of what the inner loop steps, the lanes of what it reads and does
        // not write, and of the accumulators.
        let steps: Vec<(u8, i64, Variable, i64, Value)> = nest
            .inner_steps()
            .into_iter()
            .map(|(r, step)| {
                let a = nest.at(r);
                let v = self.lane0(a);
                let var = self.b.declare_var(I64);
                self.b.def_var(var, v);
                (r, step, var, a.stride, v)
            })
            .collect();
        let stepping = steps.iter().fold(0u64, |m, s| m | bit(s.0));
        let mut vals = [None::<Value>; 64];
        let mut amounts = [None::<Value>; 64];
        let mut fixed_bases = [None::<(Value, i64)>; 32];
        for op in &inner.ops {
            let mut reads = Vec::new();
            op.visit_slots(&mut |slot, acc| {
                if let (Slot::Int(r), vm_ir::Access::Read) = (slot, acc) {
                    reads.push(r);
                }
            });
            for r in reads {
                if r == 0 || w_inner & bit(r) != 0 || vals[r as usize].is_some() {
                    continue;
                }
                let a = nest.at(r);
                let v0 = self.lane0(a);
                fixed_bases[r as usize] = Some((v0, a.stride));
                vals[r as usize] = Some(self.affine_lanes(v0, a.stride));
                if a.stride == 0 {
                    amounts[r as usize] = Some(self.b.ins().ireduce(I32, v0));
                }
            }
        }
        let accs: Vec<(u8, Variable)> = nest
            .lanes
            .accs
            .iter()
            .map(|&a| {
                let aff = nest.at(a);
                let v0 = self.lane0(aff);
                let v = self.affine_lanes(v0, aff.stride);
                let var = self.b.declare_var(I32X4);
                self.b.def_var(var, v);
                (a, var)
            })
            .collect();
        // Lane 0's inner counter after the passes (it steps first in `steps`).
        let walk = self.b.ins().imul_imm_s(n, c.step);
        let end = self.b.ins().iadd(steps[0].4, walk);
        self.b.ins().jump(body, &[]);

        // One inner pass in each lane.
        self.b.switch_to_block(body);
        let mut base_of = |g: &mut Self, s: &Span| -> (Value, i64) {
            match steps.iter().find(|st| st.0 == s.base) {
                Some(&(_, _, var, stride, _)) => (g.b.use_var(var), stride),
                None => fixed_bases[s.base as usize].expect("a fixed base was read before"),
            }
        };
        let ins =
            lanes::LaneIns { ops: &inner.ops, stepping, spans: &c.spans, invariants: &amounts, accs: &accs };
        self.lane_pass(&ins, &mut base_of, &mut vals);
        let stepped: Vec<_> = steps.iter().map(|&(_, step, var, ..)| (var, step)).collect();
        self.next_pass(&stepped, end, (body, post));

        // The latch's stores, then the registers as the fourth outer pass leaves them.
        self.b.switch_to_block(post);
        for st in stores {
            let v = if let Some(&(_, var)) = accs.iter().find(|a| a.0 == st.src) {
                self.b.use_var(var)
            } else if w_inner & bit(st.src) != 0 {
                vals[st.src as usize].expect("a value the inner pass computed")
            } else {
                let a = nest.at(st.src);
                let mut v0 = self.lane0(a);
                if st.src_after_step {
                    v0 = self.b.ins().iadd_imm_s(v0, nest.steps[st.src as usize]);
                }
                self.affine_lanes(v0, a.stride)
            };
            let span = Span { base: 0, off: st.off, step: st.stride, width: st.width, store: true };
            self.lane_store(st.base0, span, v);
        }
        let last = (LANES - 1) as u8;
        let w_prefix = (0..32u8).filter(|&r| nest.after[r as usize].is_some()).fold(0u64, |m, r| m | bit(r));
        let mut finals = Vec::new();
        for r in 1..32u8 {
            let v = if nest.steps[r as usize] != 0 {
                let v = self.get(r);
                self.b.ins().iadd_imm_s(v, LANES * nest.steps[r as usize])
            } else if let Some(&(_, _, var, stride, _)) = steps.iter().find(|s| s.0 == r) {
                let v = self.b.use_var(var);
                self.b.ins().iadd_imm_s(v, i64::from(last) * stride)
            } else if let Some(&(_, var)) = accs.iter().find(|a| a.0 == r) {
                let v = self.b.use_var(var);
                let x = self.b.ins().extractlane(v, last);
                self.b.ins().sextend(I64, x)
            } else if w_inner & bit(r) != 0 {
                let v = vals[r as usize].expect("a value the inner pass computed");
                let x = self.b.ins().extractlane(v, last);
                self.b.ins().sextend(I64, x)
            } else if w_prefix & bit(r) != 0 {
                let a = nest.at(r);
                let v = self.lane0(a);
                self.b.ins().iadd_imm_s(v, i64::from(last) * a.stride)
            } else {
                continue;
            };
            finals.push((r, v));
        }
        let (oiv, _, olimit, _) = nest.outer;
        let iv = finals.iter().find(|f| f.0 == oiv).expect("the outer counter steps").1;
        let limit = self.get(olimit);
        let again = self.b.ins().icmp(IntCC::NotEqual, iv, limit);
        for (r, v) in finals {
            self.set(r, v);
        }
        // The fourth pass's latch branch: back to the head, or out.
        let (round, out) = (self.new_block(), self.new_block());
        self.b.ins().brif(again, round, &[], out, &[]);
        self.b.switch_to_block(round);
        let head = self.cur_pc;
        self.edge(head);
        self.b.switch_to_block(out);
        self.edge(exit);
    }
}

/// A store of the latch, as the lanes make it.
struct LatchStore {
    /// The register stored, and whether the latch stepped it before.
    src: u8,
    src_after_step: bool,
    /// Lane 0's base register value, the offset, the distance between lanes, the width.
    base0: Value,
    off: i64,
    stride: i64,
    width: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> IRBlock {
        vm_ir::parse_block(text).expect("valid block")
    }

    const INNER: &str = "
        lh x12, x17, 0
        lh x30, x16, 0
        addi x16, x16, 48
        addi x17, x17, 2
        mulw x12, x12, x30
        addw x6, x12, x6
        branch ne, x28, x16, 0x109c0, 0x109da";

    /// intkernel's matrix product as the decoder makes it: `prefix` before the head's copy of
    /// the inner pass, `latch` the latch's ops.
    fn nest(prefix: &str, latch: &str) -> Option<Nest> {
        let head = block(&format!("block 0x109b6:\n{prefix}\n{INNER}"));
        let inner = block(&format!("block 0x109c0:\n{INNER}"));
        let latch = block(&format!("block 0x109da:\n{latch}\nbranch ne, x14, x29, 0x109b6, 0x109e8"));
        find(&head, &inner, &latch)
    }

    const PREFIX: &str = "
        add x16, x0, x15
        add x17, x0, x10
        addi x6, x0, 0
        addi x28, x15, 1152";
    const LATCH: &str = "
        sw x6, x13, 0
        addiw x14, x14, 1
        addi x13, x13, 4
        addi x15, x15, 2";

    /// The matrix product's nest: the column pointer moves two bytes a lane, the row pointer
    /// stays; 48-byte steps over 24 rows and the lanes' 6 bytes stay within a page.
    #[test]
    fn the_matrix_product_is_a_nest() {
        let n = nest(PREFIX, LATCH).expect("a nest");
        assert_eq!(n.prefix, 4);
        assert_eq!(n.outer, (14, 1, 29, true));
        assert_eq!(n.at(16), Affine { reg: 15, add: 0, stride: 2 });
        assert_eq!(n.at(28), Affine { reg: 15, add: 1152, stride: 2 });
        assert_eq!(n.at(17), Affine { reg: 10, add: 0, stride: 0 });
        assert_eq!(n.at(6), Affine { reg: 0, add: 0, stride: 0 });
        assert_eq!(n.at(13), Affine { reg: 13, add: 0, stride: 4 });
        assert_eq!(n.lanes.accs, vec![6]);
        assert_eq!(n.max_trips, (4096 - 2 - 6) / 48 + 1);
    }

    /// Not nests: the accumulator or a pointer not set afresh by the prefix, counter and
    /// limit moving apart across the lanes, a store through a value the inner loop computes,
    /// a limit the latch steps, a prefix op that is not affine, a register the prefix reads
    /// after the inner loop wrote it, a 64-bit store.
    #[test]
    fn what_is_not_a_nest() {
        let no_acc = PREFIX.replace("addi x6, x0, 0", "");
        let no_ptr = PREFIX.replace("add x17, x0, x10", "");
        let apart = PREFIX.replace("addi x28, x15, 1152", "addi x28, x10, 1152");
        let not_affine = PREFIX.replace("addi x6, x0, 0", "slli x6, x9, 2");
        let carried = format!("{PREFIX}\nadd x5, x0, x12");
        let through_temp = LATCH.replace("sw x6, x13, 0", "sw x6, x12, 0");
        let limit_steps = format!("{LATCH}\naddi x29, x29, 1");
        let wide = LATCH.replace("sw x6", "sd x6");
        for (prefix, latch) in [
            (no_acc.as_str(), LATCH),
            (&no_ptr, LATCH),
            (&apart, LATCH),
            (&not_affine, LATCH),
            (&carried, LATCH),
            (PREFIX, &through_temp),
            (PREFIX, &limit_steps),
            (PREFIX, &wide),
        ] {
            assert_eq!(nest(prefix, latch), None, "{prefix}\n{latch}");
        }
    }
}
