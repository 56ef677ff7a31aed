//! Exact dyadic arithmetic in integers: the software rounder, exact tie tests for RMM and the
//! software fused multiply-add.
//!
//! A [`Dyadic`] is `±mant · 2^exp` with a 128-bit integer mantissa. Products of two format
//! mantissas (at most 54 bits each here) and sums of two such values whose combined bit span
//! fits in 126 bits are computed exactly; wider sums are computed with the smaller operand
//! "jammed" into a sticky bit, which is enough for correct rounding (and such sums can never be
//! exact rounding ties).

use crate::{Layout, NV, NX, OF, UF};

/// The value `±mant · 2^exp` (a zero has `mant == 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dyadic {
    pub neg: bool,
    pub mant: u128,
    pub exp: i32,
}

fn bit_len(x: u128) -> u32 {
    128 - x.leading_zeros()
}

impl Dyadic {
    /// The exact value of a finite (non-NaN, non-infinite) unboxed float.
    pub fn from_bits(l: Layout, x: u64) -> Dyadic {
        let e = l.exp_field(x) as i32;
        let frac = u128::from(x & l.frac_mask());
        let (mant, exp) = if e == 0 {
            (frac, l.emin() - l.frac_bits as i32)
        } else {
            (frac | 1 << l.frac_bits, e - l.bias() - l.frac_bits as i32)
        };
        Dyadic { neg: l.is_neg(x), mant, exp }
    }

    /// The same value with the odd (or zero) mantissa; zero becomes `+0 · 2^0`.
    pub fn normalized(self) -> Dyadic {
        if self.mant == 0 {
            return Dyadic { neg: false, mant: 0, exp: 0 };
        }
        let tz = self.mant.trailing_zeros();
        Dyadic { neg: self.neg, mant: self.mant >> tz, exp: self.exp + tz as i32 }
    }

    /// Whether two dyadics denote the same real number (`+0 == -0`).
    pub fn same_value(self, other: Dyadic) -> bool {
        self.normalized() == other.normalized()
    }

    /// Exact product; the mantissas' bit lengths must add up to at most 128.
    pub fn mul(self, other: Dyadic) -> Dyadic {
        let (a, b) = (self.normalized(), other.normalized());
        let mant = a.mant.checked_mul(b.mant).expect("dyadic product exceeds 128 bits");
        Dyadic { neg: a.neg != b.neg, mant, exp: a.exp + b.exp }
    }

    /// The negated value.
    pub fn neg(self) -> Dyadic {
        Dyadic { neg: !self.neg, ..self }
    }

    /// `self + other`. Returns the sum and whether it is exact. When the operands' combined bit
    /// span exceeds 126 bits the smaller one is jammed into a sticky low bit: the result is then
    /// inexact but still rounds correctly to any precision of at most 100 bits. Both mantissas
    /// must be at most 106 bits wide. A zero result is `+0`.
    pub fn sum(self, other: Dyadic) -> (Dyadic, bool) {
        let (a, b) = (self.normalized(), other.normalized());
        if a.mant == 0 {
            return (b, true);
        }
        if b.mant == 0 {
            return (a, true);
        }
        debug_assert!(bit_len(a.mant) <= 106 && bit_len(b.mant) <= 106);
        let (hi, lo) = if a.exp >= b.exp { (a, b) } else { (b, a) };
        let shift = (i64::from(hi.exp) - i64::from(lo.exp)) as u64;
        let (h, l, exp, exact) = if u64::from(bit_len(hi.mant)) + shift <= 126 {
            (hi.mant << shift, lo.mant, lo.exp, true)
        } else {
            // `hi` goes to bits ..=125 (its low 20+ bits stay zero); `lo` is shifted right and
            // its lost (non-zero: it is odd) bits are jammed into bit 0.
            let up = 126 - bit_len(hi.mant);
            let down = shift - u64::from(up);
            let l = if down >= 128 { 0 } else { lo.mant >> down };
            (hi.mant << up, l | 1, hi.exp - up as i32, false)
        };
        let (neg, mant) = if hi.neg == lo.neg {
            (hi.neg, h + l)
        } else if h >= l {
            (hi.neg, h - l)
        } else {
            (lo.neg, l - h)
        };
        let neg = neg && mant != 0;
        (Dyadic { neg, mant, exp }, exact)
    }
}

/// Whether rounding increments the magnitude, given the kept LSB, the round bit, the sticky bit,
/// the sign and the RISC-V rounding mode.
fn round_up(lsb: bool, round: bool, sticky: bool, neg: bool, rm: u8) -> bool {
    match rm {
        0 => round && (sticky || lsb),
        1 => false,
        2 => neg && (round || sticky),
        3 => !neg && (round || sticky),
        4 => round,
        _ => unreachable!("invalid rounding mode {rm}"),
    }
}

/// Drop the low `k` bits of `mant` (shift left when `k <= 0`), rounding per `rm`. Returns the
/// rounded integer and whether any dropped bit was set.
fn round_off(mant: u128, k: i64, neg: bool, rm: u8) -> (u128, bool) {
    if k <= 0 {
        return (mant << (-k) as u32, false);
    }
    let (q, round, sticky) = if k > 128 {
        (0, false, mant != 0)
    } else {
        let k = k as u32;
        let q = if k == 128 { 0 } else { mant >> k };
        let round = (mant >> (k - 1)) & 1 != 0;
        let sticky = k > 1 && mant & ((1u128 << (k - 1)) - 1) != 0;
        (q, round, sticky)
    };
    let q = if round_up(q & 1 != 0, round, sticky, neg, rm) { q + 1 } else { q };
    (q, round || sticky)
}

/// Round the exact value `±mant · 2^exp` to format `l` with rounding mode `rm` (0–4), IEEE
/// overflow/underflow semantics with tininess detected after rounding. Returns unboxed bits and
/// flags. A zero mantissa gives a zero with the given sign. `mant` may carry a jammed sticky
/// bit as long as the rounding position lies at least two bits above it.
pub(crate) fn round_to(l: Layout, neg: bool, mant: u128, exp: i32, rm: u8) -> (u64, u8) {
    let sign = if neg { l.sign_bit() } else { 0 };
    if mant == 0 {
        return (sign, 0);
    }
    let p = i64::from(l.precision());
    let exp = i64::from(exp);
    // The value lies in [2^top, 2^(top+1)).
    let top = exp + i64::from(bit_len(mant)) - 1;
    let emin = i64::from(l.emin());
    if top >= emin {
        let (mut m, inexact) = round_off(mant, top - (p - 1) - exp, neg, rm);
        let mut top = top;
        if m >> p != 0 {
            m >>= 1;
            top += 1;
        }
        if top > i64::from(l.emax()) {
            let to_inf = match rm {
                0 | 4 => true,
                1 => false,
                2 => neg,
                _ => !neg,
            };
            let bits = if to_inf { l.inf(neg) } else { l.max_finite(neg) };
            return (bits, OF | NX);
        }
        let field = (top + i64::from(l.bias())) as u64;
        let bits = sign | field << l.frac_bits | (m as u64 & l.frac_mask());
        (bits, if inexact { NX } else { 0 })
    } else {
        // Tininess after rounding: round to full precision with an unbounded exponent.
        let (m, _) = round_off(mant, top - (p - 1) - exp, neg, rm);
        let tiny = m >> p == 0 || top + 1 < emin;
        // The stored result is rounded at the fixed subnormal position. A carry into bit
        // `frac_bits` yields the smallest normal number, which the encoding handles by itself.
        let (m, inexact) = round_off(mant, emin - (p - 1) - exp, neg, rm);
        let mut flags = 0;
        if inexact {
            flags |= NX;
            if tiny {
                flags |= UF;
            }
        }
        (sign | m as u64, flags)
    }
}

/// Round-to-nearest-ties-away fix-up. `rne` is the RNE result of an operation with flags
/// `rne_flags`; `is_exact_value(mid)` must say whether the operation's exact result equals the
/// dyadic `mid`. Exact ties that RNE resolved toward zero move one step away from zero; all
/// other results, and the flags, are the same in RMM as in RNE.
pub(crate) fn rmm_from_rne(
    l: Layout,
    rne: u64,
    rne_flags: u8,
    is_exact_value: impl FnOnce(Dyadic) -> bool,
) -> u64 {
    if rne_flags & NX == 0 || l.is_nan(rne) || l.is_inf(rne) {
        return rne;
    }
    // Next representable value away from zero (same sign). RNE never rounds a tie down to the
    // largest finite value (its LSB is odd), so `away` stays finite whenever it matters.
    let away = rne + 1;
    let (sum, exact) = Dyadic::from_bits(l, rne).sum(Dyadic::from_bits(l, away));
    debug_assert!(exact);
    let mid = Dyadic { exp: sum.exp - 1, ..sum };
    if is_exact_value(mid) {
        away
    } else {
        rne
    }
}

/// Software fused multiply-add `a * b + c` for non-NaN unboxed inputs, rounding mode 0–4.
pub(crate) fn fma(l: Layout, a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    let prod_neg = l.is_neg(a) != l.is_neg(b);
    let (a_inf, b_inf, c_inf) = (l.is_inf(a), l.is_inf(b), l.is_inf(c));
    let (a_zero, b_zero) = (l.is_zero(a), l.is_zero(b));
    if (a_inf && b_zero) || (b_inf && a_zero) {
        return (l.canonical_nan(), NV);
    }
    if a_inf || b_inf {
        if c_inf && l.is_neg(c) != prod_neg {
            return (l.canonical_nan(), NV);
        }
        return (l.inf(prod_neg), 0);
    }
    if c_inf {
        return (c, 0);
    }
    let prod = Dyadic::from_bits(l, a).mul(Dyadic::from_bits(l, b));
    let addend = Dyadic::from_bits(l, c);
    let (sum, _) = prod.sum(addend);
    if sum.mant == 0 {
        // Exact zero: equal-signed zeros keep their sign, otherwise +0 (-0 when rounding down).
        let prod_zero = a_zero || b_zero;
        let neg = if prod_zero && l.is_zero(c) && prod_neg == l.is_neg(c) { prod_neg } else { rm == 2 };
        return (if neg { l.sign_bit() } else { 0 }, 0);
    }
    round_to(l, sum.neg, sum.mant, sum.exp, rm)
}
