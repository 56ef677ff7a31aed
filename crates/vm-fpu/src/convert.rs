//! Conversions: float ↔ integer (`fcvt.{w,wu,l,lu}.{s,d}` and back), between the two formats
//! (`fcvt.s.d`, `fcvt.d.s`) and the raw moves (`fmv.x.{w,d}`, `fmv.{w,d}.x`).
//!
//! Integer conversions are exact integer arithmetic in software (every rounding mode including
//! RMM); `fcvt.s.d` and `fcvt.d.s` run on the SSE unit.

use crate::exact::{self, Dyadic};
use crate::{nan_box, rebox, unbox, x86, Fmt, FpResult, IntKind, Layout, DOUBLE, NV, NX, SINGLE};

/// Sign-extend the low 32 bits.
fn sext32(x: u64) -> u64 {
    x as u32 as i32 as i64 as u64
}

/// Integer range of a conversion target as (min, max).
fn int_range(kind: IntKind) -> (i128, i128) {
    match kind {
        IntKind::W => (i128::from(i32::MIN), i128::from(i32::MAX)),
        IntKind::Wu => (0, i128::from(u32::MAX)),
        IntKind::L => (i128::from(i64::MIN), i128::from(i64::MAX)),
        IntKind::Lu => (0, i128::from(u64::MAX)),
    }
}

/// The destination register value for an integer result of `kind`.
fn int_register(kind: IntKind, v: i128) -> u64 {
    match kind {
        IntKind::W | IntKind::Wu => sext32(v as u64),
        IntKind::L | IntKind::Lu => v as u64,
    }
}

/// `fcvt.{w,wu,l,lu}.{s,d}`: NaN and +overflow give the maximum, -overflow the minimum, both
/// with NV (and no NX); in-range inexact results raise NX. 32-bit results (also `wu`) are
/// sign-extended from bit 31 into the 64-bit register.
pub fn to_int(fmt: Fmt, kind: IntKind, a: u64, rm: u8) -> FpResult {
    let l = Layout::of(fmt);
    let x = unbox(fmt, a);
    let (lo, hi) = int_range(kind);
    let invalid = |v: i128| FpResult { value: int_register(kind, v), flags: NV };
    if l.is_nan(x) {
        return invalid(hi);
    }
    if l.is_inf(x) {
        return invalid(if l.is_neg(x) { lo } else { hi });
    }
    let d = Dyadic::from_bits(l, x);
    // |x| rounded to an integer, if it is small enough to matter (>= 2^65 is out of range).
    let rounded = if d.exp >= 0 {
        if d.mant != 0 && i64::from(d.exp) + i64::from(128 - d.mant.leading_zeros()) > 65 {
            None
        } else {
            Some((d.mant << d.exp, false))
        }
    } else {
        Some(round_fraction(d.mant, -i64::from(d.exp), d.neg, rm))
    };
    let Some((mag, inexact)) = rounded else {
        return invalid(if d.neg { lo } else { hi });
    };
    let v = if d.neg { -(mag as i128) } else { mag as i128 };
    if v < lo || v > hi {
        return invalid(if d.neg { lo } else { hi });
    }
    FpResult { value: int_register(kind, v), flags: if inexact { NX } else { 0 } }
}

/// Round `mant · 2^-k` (k > 0) to an integer magnitude per `rm`, with the sign `neg`.
fn round_fraction(mant: u128, k: i64, neg: bool, rm: u8) -> (u128, bool) {
    let (q, round, sticky) = if k > 127 {
        (0, false, mant != 0)
    } else {
        let k = k as u32;
        let q = mant >> k;
        let round = (mant >> (k - 1)) & 1 != 0;
        let sticky = mant & ((1u128 << (k - 1)) - 1) != 0;
        (q, round, sticky)
    };
    let up = match rm {
        0 => round && (sticky || q & 1 != 0),
        1 => false,
        2 => neg && (round || sticky),
        3 => !neg && (round || sticky),
        4 => round,
        _ => unreachable!("invalid rounding mode {rm}"),
    };
    (if up { q + 1 } else { q }, round || sticky)
}

/// `fcvt.{s,d}.{w,wu,l,lu}`: `w`/`wu` read the low 32 bits of `x`. Only NX can be raised.
pub fn from_int(fmt: Fmt, kind: IntKind, x: u64, rm: u8) -> FpResult {
    let l = Layout::of(fmt);
    let v: i128 = match kind {
        IntKind::W => i128::from(x as u32 as i32),
        IntKind::Wu => i128::from(x as u32),
        IntKind::L => i128::from(x as i64),
        IntKind::Lu => i128::from(x),
    };
    let (bits, flags) = exact::round_to(l, v < 0, v.unsigned_abs(), 0, rm);
    FpResult { value: rebox(fmt, bits), flags }
}

/// `fcvt.s.d`: round a double to single precision (NaN → canonical NaN, NV for sNaN).
pub fn cvt_s_d(a: u64, rm: u8) -> FpResult {
    if DOUBLE.is_nan(a) {
        let flags = if DOUBLE.is_snan(a) { NV } else { 0 };
        return FpResult { value: nan_box(crate::CANONICAL_NAN_S), flags };
    }
    let (bits, flags) = if rm != 4 {
        x86::cvt_s_d(a, rm)
    } else {
        let (rne, flags) = x86::cvt_s_d(a, 0);
        let exact_value = Dyadic::from_bits(DOUBLE, a);
        (exact::rmm_from_rne(SINGLE, rne, flags, |mid| mid.same_value(exact_value)), flags)
    };
    FpResult { value: nan_box(bits as u32), flags }
}

/// `fcvt.d.s`: widen a (NaN-boxed) single to double; exact (NaN → canonical NaN, NV for sNaN).
/// The rounding mode is irrelevant and accepted only for symmetry.
pub fn cvt_d_s(a: u64, _rm: u8) -> FpResult {
    let x = unbox(Fmt::S, a);
    if SINGLE.is_nan(x) {
        let flags = if SINGLE.is_snan(x) { NV } else { 0 };
        return FpResult { value: crate::CANONICAL_NAN_D, flags };
    }
    let (bits, flags) = x86::cvt_d_s(x);
    FpResult { value: bits, flags }
}

/// `fmv.x.w` (low 32 bits sign-extended, no unboxing check) and `fmv.x.d` (raw).
pub fn mv_to_int(fmt: Fmt, a: u64) -> u64 {
    match fmt {
        Fmt::S => sext32(a),
        Fmt::D => a,
    }
}

/// `fmv.w.x` (NaN-box the low 32 bits) and `fmv.d.x` (raw).
pub fn mv_from_int(fmt: Fmt, x: u64) -> u64 {
    match fmt {
        Fmt::S => nan_box(x as u32),
        Fmt::D => x,
    }
}
