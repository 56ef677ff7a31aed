//! Arithmetic: `fadd`, `fsub`, `fmul`, `fdiv`, `fsqrt` and the four fused multiply-adds.
//!
//! NaN inputs are resolved here (canonical NaN result, NV for signalling NaNs and for
//! `inf * 0` in an FMA even when the addend is a quiet NaN); everything else goes to the SSE
//! unit, whose invalid-operation results are then canonicalized. RMM is computed as RNE plus
//! an exact tie test ([`exact::rmm_from_rne`]).

use crate::exact::{self, Dyadic};
use crate::x86::{self, BinOp};
use crate::{rebox, unbox, Fmt, FpResult, Layout, NV};

/// Pack an unboxed result: canonicalize any NaN and box singles.
fn finish(fmt: Fmt, l: Layout, bits: u64, flags: u8) -> FpResult {
    let bits = if l.is_nan(bits) { l.canonical_nan() } else { bits };
    FpResult { value: rebox(fmt, bits), flags }
}

/// The canonical NaN result, NV if any of `inputs` is a signalling NaN.
fn nan_result(fmt: Fmt, l: Layout, inputs: &[u64]) -> FpResult {
    let flags = if inputs.iter().any(|&x| l.is_snan(x)) { NV } else { 0 };
    finish(fmt, l, l.canonical_nan(), flags)
}

fn binary(fmt: Fmt, op: BinOp, a: u64, b: u64, rm: u8) -> FpResult {
    let l = Layout::of(fmt);
    let (x, y) = (unbox(fmt, a), unbox(fmt, b));
    if l.is_nan(x) || l.is_nan(y) {
        return nan_result(fmt, l, &[x, y]);
    }
    if rm != 4 {
        let (bits, flags) = x86::binop(fmt, op, x, y, rm);
        return finish(fmt, l, bits, flags);
    }
    let (rne, flags) = x86::binop(fmt, op, x, y, 0);
    let (dx, dy) = (Dyadic::from_bits(l, x), Dyadic::from_bits(l, y));
    let bits = exact::rmm_from_rne(l, rne, flags, |mid| match op {
        BinOp::Add | BinOp::Sub => {
            let dy = if op == BinOp::Sub { dy.neg() } else { dy };
            let (s, is_exact) = dx.sum(dy);
            is_exact && s.same_value(mid)
        }
        BinOp::Mul => dx.mul(dy).same_value(mid),
        // An inexact quotient has finite non-zero operands, so x / y == mid iff x == mid * y.
        BinOp::Div => mid.mul(dy).same_value(dx),
    });
    finish(fmt, l, bits, flags)
}

/// `fadd.{s,d}`.
pub fn add(fmt: Fmt, a: u64, b: u64, rm: u8) -> FpResult {
    binary(fmt, BinOp::Add, a, b, rm)
}

/// `fsub.{s,d}`.
pub fn sub(fmt: Fmt, a: u64, b: u64, rm: u8) -> FpResult {
    binary(fmt, BinOp::Sub, a, b, rm)
}

/// `fmul.{s,d}`.
pub fn mul(fmt: Fmt, a: u64, b: u64, rm: u8) -> FpResult {
    binary(fmt, BinOp::Mul, a, b, rm)
}

/// `fdiv.{s,d}`.
pub fn div(fmt: Fmt, a: u64, b: u64, rm: u8) -> FpResult {
    binary(fmt, BinOp::Div, a, b, rm)
}

/// `fsqrt.{s,d}`. `sqrt(-0) = -0`; negative non-zero inputs (including `-inf`) are invalid.
pub fn sqrt(fmt: Fmt, a: u64, rm: u8) -> FpResult {
    let l = Layout::of(fmt);
    let x = unbox(fmt, a);
    if l.is_nan(x) {
        return nan_result(fmt, l, &[x]);
    }
    if rm != 4 {
        let (bits, flags) = x86::sqrt(fmt, x, rm);
        return finish(fmt, l, bits, flags);
    }
    let (rne, flags) = x86::sqrt(fmt, x, 0);
    // A square root is never an exact tie (a (p+1)-bit midpoint squared needs more than p
    // bits), but the test is cheap and keeps this path uniform with the others.
    let dx = Dyadic::from_bits(l, x);
    let bits = exact::rmm_from_rne(l, rne, flags, |mid| mid.mul(mid).same_value(dx));
    finish(fmt, l, bits, flags)
}

/// Fused multiply-add `±(a * b) ± c` with a single rounding:
/// `fmadd` = `(false, false)`, `fmsub` = `(false, true)`, `fnmsub` = `(true, false)`,
/// `fnmadd` = `(true, true)`.
pub fn fma(fmt: Fmt, a: u64, b: u64, c: u64, negate_product: bool, negate_addend: bool, rm: u8) -> FpResult {
    let l = Layout::of(fmt);
    let (x, y, z) = (unbox(fmt, a), unbox(fmt, b), unbox(fmt, c));
    if l.is_nan(x) || l.is_nan(y) || l.is_nan(z) {
        let inf_times_zero = (l.is_inf(x) && l.is_zero(y)) || (l.is_zero(x) && l.is_inf(y));
        let mut r = nan_result(fmt, l, &[x, y, z]);
        if inf_times_zero {
            r.flags |= NV;
        }
        return r;
    }
    // Sign flips are exact and commute with rounding, so negate the inputs.
    let x = if negate_product { x ^ l.sign_bit() } else { x };
    let z = if negate_addend { z ^ l.sign_bit() } else { z };
    let (bits, flags) =
        if rm != 4 && x86::has_fma() { x86::fma(fmt, x, y, z, rm) } else { exact::fma(l, x, y, z, rm) };
    finish(fmt, l, bits, flags)
}
