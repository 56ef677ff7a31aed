//! Counted loops: a block that loops to itself (`bne iv, limit, start`), where `iv` steps by a
//! constant once per pass and everything its memory accesses use as an address either steps
//! the same way or stays put, runs a second, *unchecked* copy of itself when a test at the
//! loop's entry shows that every pass will stay on the fast path.
//!
//! The entry test works out the trip count `n` from `iv`, `limit` and the step, then, for
//! each access, the range of addresses it will touch over the `n` passes: inside guest
//! memory, aligned, at most a page long (so on at most two pages), on pages whose table
//! bytes allow the access (for stores: no translated code there). It also makes sure the
//! fuel outlasts the `n` passes. If all of that holds, no access of the loop can fault or
//! take a slow path and the budget cannot run out inside it, so the unchecked copy makes its
//! accesses with no bounds test and goes round with no budget test; the fuel is charged for
//! all `n` passes on the way in, so `instret` is exact when the copy leaves (which it only
//! does after its last pass). Else the ordinary copy runs. The ops allowed in such a loop
//! are integer arithmetic and integer loads and stores: nothing else that could leave the
//! loop or change the page table.
//!
//! intkernel's matrix loops are of this kind (`lh a7,0(t3); lh s10,0(t0); add t3,t3,48; add
//! t0,t0,2; ... bne t3,s4,loop`): with the bounds tests and the budget test gone, a pass is
//! the guest's own arithmetic and the two loads (intkernel's matrix section 0.578 -> 0.534 s).
//! A counter may step by `addiw` too, when the entry test finds both its start and its limit
//! 32-bit values (the passes in between then never wrap).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, InstBuilder, Value};
use vm_ir::{Cond, IRBlock, IROp, Slot, Terminator};

use super::{Counter, Gen};

/// Most passes a counted loop may make to run unchecked (keeps every product in the entry
/// test far from overflow).
const MAX_TRIPS: i64 = 1 << 16;
/// Most memory accesses in a counted loop (each adds about fifteen host instructions to the
/// entry test).
const MAX_ACCESSES: usize = 4;

/// The inverse of odd `s` modulo 2^64.
fn inverse(s: i64) -> i64 {
    // Newton's iteration doubles the correct low bits each time, from 3 (s * s == 1 mod 8).
    let mut x = s;
    for _ in 0..5 {
        x = x.wrapping_mul(2i64.wrapping_sub(s.wrapping_mul(x)));
    }
    x
}

/// Bound on `n - 1` for `n` passes of counted loop `c`: at most [`MAX_TRIPS`], and each
/// access walking at most a page (so touching at most two).
fn max_trips(c: &Counted) -> i64 {
    c.spans
        .iter()
        .filter(|s| s.step != 0)
        .map(|s| (4096 - s.width as i64) / s.step.abs() + 1)
        .fold(MAX_TRIPS, i64::min)
}

/// What the entry test of a counted loop worked out, once it passed.
pub(super) struct Entry {
    /// The instructions the passes retire.
    need: Value,
    /// The passes.
    n: Value,
    /// Per access: the first and the last byte it touches over the passes (as offsets into
    /// the fast region).
    ranges: Vec<(Value, Value)>,
}

/// What the entry test needs to know about a counted loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Counted {
    /// The register counted, its step per pass, and what it is compared with (not written in
    /// the loop).
    pub iv: u8,
    pub step: i64,
    pub limit: u8,
    /// The counter steps by a 32-bit add (`addiw`).
    pub w: bool,
    /// The loop's memory accesses.
    pub spans: Vec<Span>,
}

/// One memory access of a counted loop: in pass `k` (from 0) it touches `width` bytes at
/// `base + off + k * step`, `base` being the register's value at the loop's entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub base: u8,
    pub off: i64,
    pub step: i64,
    pub width: u64,
    pub store: bool,
}

/// Whether an op is integer arithmetic that cannot leave the block or touch memory: what an
/// if-converted branch may skip, and the multiplications and divisions it may not (too slow
/// to run for nothing, but as safe).
fn arithmetic(op: &IROp) -> bool {
    use IROp::*;
    super::hammock::speculable(op)
        || matches!(
            op,
            Mulh { .. }
                | Mulhsu { .. }
                | Mulhu { .. }
                | Div { .. }
                | Divu { .. }
                | Rem { .. }
                | Remu { .. }
                | DivW { .. }
                | DivuW { .. }
                | RemW { .. }
                | RemuW { .. }
        )
}

/// An integer load or store: `(base, off, width, store)`.
fn access(op: &IROp) -> Option<(u8, i64, u64, bool)> {
    use IROp::*;
    Some(match op {
        Lb { base, off, .. } | Lbu { base, off, .. } => (base.0, *off, 1, false),
        Lh { base, off, .. } | Lhu { base, off, .. } => (base.0, *off, 2, false),
        Lw { base, off, .. } | Lwu { base, off, .. } => (base.0, *off, 4, false),
        Ld { base, off, .. } => (base.0, *off, 8, false),
        Sb { base, off, .. } => (base.0, *off, 1, true),
        Sh { base, off, .. } => (base.0, *off, 2, true),
        Sw { base, off, .. } => (base.0, *off, 4, true),
        Sd { base, off, .. } => (base.0, *off, 8, true),
        _ => return None,
    })
}

/// The counted loop `block` is, if it is one.
pub(crate) fn analyze(block: &IRBlock) -> Option<Counted> {
    let Terminator::Branch { cond: Cond::Ne, rs1, rs2, taken, .. } = &block.term else { return None };
    if *taken != block.start_pc {
        return None;
    }
    // Per slot: how many ops write it, and the step of the one that adds a constant to it
    // (with whether that is a 32-bit add).
    let mut writes = [0u32; 64];
    let mut steps: [Option<(i64, usize, bool)>; 64] = [None; 64];
    for (i, op) in block.ops.iter().enumerate() {
        if !arithmetic(op) && access(op).is_none() {
            return None;
        }
        op.visit_slots(&mut |slot, acc| {
            if let (Slot::Int(n), vm_ir::Access::Write) = (slot, acc) {
                writes[n as usize] += 1;
            }
        });
        match op {
            IROp::AddI { rd, rs1, imm } if rd.0 == rs1.0 && *imm != 0 => {
                steps[rd.0 as usize] = Some((*imm, i, false))
            }
            IROp::AddIW { rd, rs1, imm } if rd.0 == rs1.0 && *imm != 0 => {
                steps[rd.0 as usize] = Some((*imm, i, true))
            }
            _ => {}
        }
    }
    let fixed = |n: u8| n < 32 && writes[n as usize] == 0;
    let step = |n: u8| match steps[n as usize] {
        Some(s) if n < 32 && writes[n as usize] == 1 => Some(s),
        _ => None,
    };
    let (iv, limit) = match (step(rs1.0), step(rs2.0)) {
        (Some(_), None) if fixed(rs2.0) => (rs1.0, rs2.0),
        (None, Some(_)) if fixed(rs1.0) => (rs2.0, rs1.0),
        _ => return None,
    };
    let (iv_step, _, iv_w) = step(iv)?;
    let mut spans = Vec::new();
    for (i, op) in block.ops.iter().enumerate() {
        let Some((base, off, width, store)) = access(op) else { continue };
        let span = if fixed(base) {
            Span { base, off, step: 0, width, store }
        } else {
            let (s, at, w) = step(base)?;
            // A 32-bit step makes an address only of the counter, which stays between its
            // start and its limit (both 32-bit values, the entry test checks).
            if w && base != iv {
                return None;
            }
            // An access after the register's step sees it one step on.
            let off = if at < i { off.checked_add(s)? } else { off };
            if s % width as i64 != 0 {
                return None;
            }
            Span { base, off, step: s, width, store }
        };
        spans.push(span);
    }
    if spans.len() > MAX_ACCESSES {
        return None;
    }
    Some(Counted { iv, step: iv_step, w: iv_w, limit, spans })
}

impl Gen<'_, '_> {
    /// Whether counted loops may get an unchecked copy here: in an optimized translation that
    /// counts fuel and has the fast memory path, without a budget test before every block.
    pub(super) fn counted_applies(&self) -> bool {
        matches!(self.counter, Counter::Fuel(_))
            && self.opts.fast_mem.is_some()
            && !self.opts.check_every_block
            && !self.opts.baseline
    }

    /// Emit counted loop `c` (region block `rb`, whose host block is current): the entry
    /// test, then the unchecked copy and the ordinary one, each going round in itself.
    pub(super) fn counted_loop(&mut self, rb: &super::RegionBlock<'_>, c: &Counted) {
        self.counted += 1;
        let fast = self.new_block();
        let checked = self.new_block();
        let Entry { need, n, ranges } = self.counted_entry(c, rb.n_insns, checked);
        if let Counter::Fuel(fuel) = self.counter {
            // All the passes' instructions at once, before the loop: nothing leaves the
            // unchecked copy before its last pass.
            let left = self.b.use_var(fuel);
            let left = self.b.ins().isub(left, need);
            self.b.def_var(fuel, left);
        }
        // The base of guest memory, read once for the whole loop.
        self.unchecked_host = Some(self.b.ins().get_pinned_reg(self.ptr));
        match super::lanes::plan(rb.block, c) {
            Some(lanes) if self.opts.vector => {
                let Terminator::Branch { next, .. } = rb.block.term else {
                    unreachable!("a counted loop branches")
                };
                self.vector_passes(rb.block, c, &lanes, (n, &ranges, next), fast)
            }
            _ => {
                self.b.ins().jump(fast, &[]);
            }
        }
        for (blk, unchecked) in [(fast, true), (checked, false)] {
            self.b.switch_to_block(blk);
            self.begin_block(rb);
            self.unchecked = unchecked;
            self.self_loop = Some((blk, !unchecked));
            self.block_body(rb);
        }
        self.unchecked = false;
        self.unchecked_host = None;
        self.self_loop = None;
    }

    /// Go on in a new block if `ok`, else to `fail`.
    pub(super) fn guard(&mut self, ok: Value, fail: Block) {
        let next = self.new_block();
        self.b.ins().brif(ok, next, &[], fail, &[]);
        self.b.switch_to_block(next);
    }

    /// At the loop's entry: the test that lets the unchecked copy run (see the module doc),
    /// going to `fail` where it does not hold.
    fn counted_entry(&mut self, c: &Counted, n_insns: u64, fail: Block) -> Entry {
        let fm = self.opts.fast_mem.expect("counted loops need the fast path");
        let Counter::Fuel(fuel) = self.counter else { unreachable!("counted loops count fuel") };
        let iv = self.get(c.iv);
        let limit = self.get(c.limit);
        let n = self.trip_count((iv, limit), c.step, c.w, fail);
        let n1 = self.b.ins().iadd_imm_s(n, -1);
        let few = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, n1, max_trips(c));
        self.guard(few, fail);
        // The fuel lasts: `fuel - n * n_insns > 0` after the last pass.
        let need = self.b.ins().imul_imm_s(n, n_insns as i64);
        let left = self.b.use_var(fuel);
        let lasts = self.b.ins().icmp(IntCC::SignedGreaterThan, left, need);
        self.guard(lasts, fail);
        let mut ranges = Vec::with_capacity(c.spans.len());
        for s in &c.spans {
            let base = self.get(s.base);
            let first = self.b.ins().iadd_imm_s(base, s.off.wrapping_sub(fm.lo as i64));
            let last = if s.step == 0 {
                first
            } else {
                let walk = self.b.ins().imul_imm_s(n1, s.step);
                self.b.ins().iadd(first, walk)
            };
            let (lo, hi) = if s.step < 0 { (last, first) } else { (first, last) };
            ranges.push(self.range_allowed((lo, hi), s.width, s.store, fail));
        }
        Entry { need, n, ranges }
    }

    /// The passes of a loop whose counter steps by `step` (a 32-bit add if `w`) from `iv` until
    /// it meets `limit`, going to `fail` where that is no whole number; where it is not a
    /// small one either, a number too large for the caller's bound.
    pub(super) fn trip_count(
        &mut self,
        (iv, limit): (Value, Value),
        step: i64,
        w: bool,
        fail: Block,
    ) -> Value {
        if w {
            // A 32-bit counter: both ends 32-bit values, so the passes in between never wrap
            // and the 32-bit steps are 64-bit ones.
            for v in [iv, limit] {
                let low = self.b.ins().ireduce(I32, v);
                let wide = self.b.ins().sextend(I64, low);
                let same = self.b.ins().icmp(IntCC::Equal, wide, v);
                self.guard(same, fail);
            }
        }
        let d = self.b.ins().isub(limit, iv);
        // Passes: `d / step`, exactly (else `iv` would step past `limit`), from 1 up. With
        // `step = s * 2^k` (`s` odd): `d`'s low `k` bits clear, then `(d >> k)` times the
        // inverse of `s` modulo 2^64, which is `d / step` when `s` divides it and else some
        // number too large to pass the caller's bound (a small `n` with `n * step == d`
        // modulo 2^64 is the quotient, the product being far from wrapping).
        let k = step.trailing_zeros();
        if k > 0 {
            let low = self.b.ins().band_imm_s(d, (1i64 << k) - 1);
            let exact = self.b.ins().icmp_imm_s(IntCC::Equal, low, 0);
            self.guard(exact, fail);
        }
        let q = if k > 0 { self.b.ins().sshr_imm_s(d, i64::from(k)) } else { d };
        match inverse(step >> k) {
            1 => q,
            -1 => self.b.ins().ineg(q),
            inv => self.b.ins().imul_imm_s(q, inv),
        }
    }

    /// Go to `fail` unless the accesses of `width` bytes from offset `lo` to offset `hi` (into
    /// the fast region; at most a page apart, each aligned if both ends are) are all inside
    /// guest memory, aligned, and allowed by the table bytes of their (at most two) pages.
    /// Returns the first and the last byte.
    pub(super) fn range_allowed(
        &mut self,
        (lo, hi): (Value, Value),
        width: u64,
        store: bool,
        fail: Block,
    ) -> (Value, Value) {
        let fm = self.opts.fast_mem.expect("fast path configured");
        let span_bytes = fm.pages << 12;
        // Both ends inside the span and aligned: the walk between them is short, so it did
        // not wrap around the address space either.
        if span_bytes.is_power_of_two() {
            let ends = self.b.ins().bor(lo, hi);
            let bad = self.b.ins().band_imm_s(ends, (!(span_bytes - 1) | (width - 1)) as i64);
            let good = self.b.ins().icmp_imm_s(IntCC::Equal, bad, 0);
            self.guard(good, fail);
        } else {
            let ordered = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, lo, hi);
            self.guard(ordered, fail);
            let inside = self.b.ins().icmp_imm_s(
                IntCC::UnsignedLessThanOrEqual,
                hi,
                span_bytes.wrapping_sub(width) as i64,
            );
            self.guard(inside, fail);
            let low_bits = self.b.ins().band_imm_s(lo, width as i64 - 1);
            let aligned = self.b.ins().icmp_imm_s(IntCC::Equal, low_bits, 0);
            self.guard(aligned, fail);
        }
        // At most a page long, so on at most two pages: both must allow the access.
        let end = self.b.ins().iadd_imm_s(hi, width as i64 - 1);
        let lo_page = self.b.ins().ushr_imm_u(lo, 12);
        let hi_page = self.b.ins().ushr_imm_u(end, 12);
        let host = self.b.ins().get_pinned_reg(self.ptr);
        let allowed = self.pages_allow(host, [lo_page, hi_page], store);
        self.guard(allowed, fail);
        (lo, end)
    }

    /// The host address of guest address `addr` in the unchecked copy of a counted loop,
    /// whose entry test showed the access inside guest memory and allowed.
    pub(super) fn unchecked_addr(&mut self, addr: Value) -> Value {
        let fm = self.opts.fast_mem.expect("fast path configured");
        let host = self.unchecked_host.expect("set at the loop's entry");
        let off =
            if fm.lo == 0 { addr } else { self.b.ins().iadd_imm_s(addr, (fm.lo as i64).wrapping_neg()) };
        self.b.ins().iadd(host, off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> IRBlock {
        vm_ir::parse_block(text).expect("valid block")
    }

    /// intkernel's bit-extraction loop: two strided loads, a counter compared with a fixed
    /// limit.
    #[test]
    fn the_matrix_loop_is_counted() {
        let b = block(
            "block 0x108d8:
                lh x17, x28, 0
                lh x26, x5, 0
                addi x28, x28, 48
                addi x5, x5, 2
                mulw x26, x26, x17
                sraiw x17, x26, 2
                addw x1, x17, x1
                branch ne, x28, x20, 0x108d8, 0x10906",
        );
        let c = analyze(&b).expect("counted");
        assert_eq!((c.iv, c.step, c.limit, c.w), (28, 48, 20, false));
        assert_eq!(
            c.spans,
            vec![
                Span { base: 28, off: 0, step: 48, width: 2, store: false },
                Span { base: 5, off: 0, step: 2, width: 2, store: false },
            ]
        );
    }

    /// An access after its register's step starts one step on; a fixed base does not move.
    #[test]
    fn accesses_after_the_step_and_fixed_bases() {
        let b = block(
            "block 0x1000:
                addi x11, x11, 4
                sw x12, x11, -4
                ld x13, x2, 8
                branch ne, x20, x11, 0x1000, 0x1010",
        );
        let c = analyze(&b).expect("counted");
        assert_eq!((c.iv, c.step, c.limit), (11, 4, 20));
        assert_eq!(
            c.spans,
            vec![
                Span { base: 11, off: 0, step: 4, width: 4, store: true },
                Span { base: 2, off: 8, step: 0, width: 8, store: false },
            ]
        );
    }

    /// A 32-bit counter; a 32-bit step on anything but the counter makes no address.
    #[test]
    fn a_32_bit_counter() {
        let b = block(
            "block 0x1000:
                sd x6, x13, 0
                addi x13, x13, 8
                addiw x10, x10, 1
                branch ne, x10, x11, 0x1000, 0x1010",
        );
        let c = analyze(&b).expect("counted");
        assert_eq!((c.iv, c.step, c.limit, c.w), (10, 1, 11, true));
        assert_eq!(c.spans, vec![Span { base: 13, off: 0, step: 8, width: 8, store: true }]);
        let b = block(
            "block 0x1000:
                ld x6, x13, 0
                addiw x13, x13, 8
                addi x10, x10, 1
                branch ne, x10, x11, 0x1000, 0x1010",
        );
        assert_eq!(analyze(&b), None);
    }

    /// The trip count's inverse of an odd step, and the bound that keeps each walk within a
    /// page.
    #[test]
    fn inverses_and_bounds() {
        for s in (-2047i64..2048).filter(|s| s % 2 != 0) {
            assert_eq!(s.wrapping_mul(inverse(s)), 1, "{s}");
        }
        let c = |spans: Vec<Span>| Counted { iv: 10, step: 1, limit: 11, w: false, spans };
        let span = |step, width| Span { base: 12, off: 0, step, width, store: false };
        assert_eq!(max_trips(&c(vec![])), MAX_TRIPS);
        // 48-byte steps of halfwords: 85 steps and a halfword fit in 4096 bytes.
        assert_eq!(max_trips(&c(vec![span(48, 2), span(0, 8)])), 86);
        assert_eq!(max_trips(&c(vec![span(-8, 8), span(2, 2)])), 512);
    }

    /// Not counted: a limit written in the loop, a base written by anything but its step, a
    /// step that misaligns, a branch elsewhere or on another condition, an op that may leave.
    #[test]
    fn what_is_not_counted() {
        for text in [
            "block 0x1000:
                addi x5, x5, 1
                addi x6, x6, 1
                branch ne, x5, x6, 0x1000, 0x1010",
            "block 0x1000:
                ld x6, x6, 0
                addi x5, x5, 8
                branch ne, x5, x7, 0x1000, 0x1010",
            "block 0x1000:
                lw x6, x5, 0
                addi x5, x5, 2
                branch ne, x5, x7, 0x1000, 0x1010",
            "block 0x1000:
                addi x5, x5, 8
                branch ne, x5, x7, 0x2000, 0x1010",
            "block 0x1000:
                addi x5, x5, 8
                branch lt, x5, x7, 0x1000, 0x1010",
            "block 0x1000:
                fld f1, x5, 0
                addi x5, x5, 8
                branch ne, x5, x7, 0x1000, 0x1010",
        ] {
            assert_eq!(analyze(&block(text)), None, "{text}");
        }
    }
}
