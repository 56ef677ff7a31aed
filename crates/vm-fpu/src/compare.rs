//! Sign injection, comparisons, `fmin`/`fmax` (IEEE 754-2019 minimumNumber/maximumNumber) and
//! `fclass`. All exact bit manipulation.

use crate::{rebox, unbox, Fmt, FpResult, Layout, NV};

fn sign_inject(fmt: Fmt, a: u64, b: u64, f: impl FnOnce(bool, bool) -> bool) -> u64 {
    let l = Layout::of(fmt);
    let (x, y) = (unbox(fmt, a), unbox(fmt, b));
    let neg = f(l.is_neg(x), l.is_neg(y));
    rebox(fmt, l.abs(x) | if neg { l.sign_bit() } else { 0 })
}

/// `fsgnj`: magnitude of `a`, sign of `b`.
pub fn sgnj(fmt: Fmt, a: u64, b: u64) -> u64 {
    sign_inject(fmt, a, b, |_, sb| sb)
}

/// `fsgnjn`: magnitude of `a`, inverted sign of `b`.
pub fn sgnjn(fmt: Fmt, a: u64, b: u64) -> u64 {
    sign_inject(fmt, a, b, |_, sb| !sb)
}

/// `fsgnjx`: magnitude of `a`, sign of `a` xor sign of `b`.
pub fn sgnjx(fmt: Fmt, a: u64, b: u64) -> u64 {
    sign_inject(fmt, a, b, |sa, sb| sa != sb)
}

/// Total order key of a non-NaN value: `-0` sorts just below `+0`.
fn key(l: Layout, x: u64) -> i128 {
    let mag = i128::from(l.abs(x));
    if l.is_neg(x) {
        -mag - 1
    } else {
        mag
    }
}

/// Numeric `x < y` (or `<=`) for non-NaN values, where `-0 == +0`.
fn less(l: Layout, x: u64, y: u64, or_equal: bool) -> bool {
    if l.is_zero(x) && l.is_zero(y) {
        return or_equal;
    }
    let (kx, ky) = (key(l, x), key(l, y));
    if or_equal {
        kx <= ky
    } else {
        kx < ky
    }
}

/// `feq`: quiet comparison, NV only for signalling NaNs.
pub fn eq(fmt: Fmt, a: u64, b: u64) -> (bool, u8) {
    let l = Layout::of(fmt);
    let (x, y) = (unbox(fmt, a), unbox(fmt, b));
    if l.is_nan(x) || l.is_nan(y) {
        let flags = if l.is_snan(x) || l.is_snan(y) { NV } else { 0 };
        return (false, flags);
    }
    (x == y || (l.is_zero(x) && l.is_zero(y)), 0)
}

fn signalling_compare(fmt: Fmt, a: u64, b: u64, or_equal: bool) -> (bool, u8) {
    let l = Layout::of(fmt);
    let (x, y) = (unbox(fmt, a), unbox(fmt, b));
    if l.is_nan(x) || l.is_nan(y) {
        return (false, NV);
    }
    (less(l, x, y, or_equal), 0)
}

/// `flt`: signalling comparison, NV for any NaN.
pub fn lt(fmt: Fmt, a: u64, b: u64) -> (bool, u8) {
    signalling_compare(fmt, a, b, false)
}

/// `fle`: signalling comparison, NV for any NaN.
pub fn le(fmt: Fmt, a: u64, b: u64) -> (bool, u8) {
    signalling_compare(fmt, a, b, true)
}

fn min_max(fmt: Fmt, a: u64, b: u64, want_max: bool) -> FpResult {
    let l = Layout::of(fmt);
    let (x, y) = (unbox(fmt, a), unbox(fmt, b));
    let flags = if l.is_snan(x) || l.is_snan(y) { NV } else { 0 };
    let bits = match (l.is_nan(x), l.is_nan(y)) {
        (true, true) => l.canonical_nan(),
        (true, false) => y,
        (false, true) => x,
        // Here -0 < +0, as 754-2019 minimumNumber/maximumNumber and RISC-V require.
        (false, false) => {
            let x_first = if want_max { key(l, x) >= key(l, y) } else { key(l, x) <= key(l, y) };
            if x_first {
                x
            } else {
                y
            }
        }
    };
    FpResult { value: rebox(fmt, bits), flags }
}

/// `fmin`: minimumNumber; one NaN operand yields the other, two yield the canonical NaN.
pub fn min(fmt: Fmt, a: u64, b: u64) -> FpResult {
    min_max(fmt, a, b, false)
}

/// `fmax`: maximumNumber; one NaN operand yields the other, two yield the canonical NaN.
pub fn max(fmt: Fmt, a: u64, b: u64) -> FpResult {
    min_max(fmt, a, b, true)
}

/// `fclass`: the 10-bit class mask (bit 0 = -inf … bit 9 = quiet NaN).
pub fn classify(fmt: Fmt, a: u64) -> u64 {
    let l = Layout::of(fmt);
    let x = unbox(fmt, a);
    let neg = l.is_neg(x);
    let subnormal = l.exp_field(x) == 0 && !l.is_zero(x);
    let bit = if l.is_nan(x) {
        if l.is_snan(x) {
            8
        } else {
            9
        }
    } else if l.is_inf(x) {
        if neg {
            0
        } else {
            7
        }
    } else if l.is_zero(x) {
        if neg {
            3
        } else {
            4
        }
    } else if subnormal {
        if neg {
            2
        } else {
            5
        }
    } else if neg {
        1
    } else {
        6
    };
    1 << bit
}
