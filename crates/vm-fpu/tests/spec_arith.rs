//! Hand-written RISC-V spec vectors for the arithmetic ops (`fadd` … `fsqrt`, the FMAs): every
//! rounding mode on inexact and tie cases, NaN rules, invalid/divide-by-zero, overflow and
//! underflow with tininess after rounding.

use vm_fpu::*;

const QNAN_S: u64 = 0xffff_ffff_7fc0_0000;
const QNAN_D: u64 = 0x7ff8_0000_0000_0000;
const SNAN_S: u64 = 0xffff_ffff_7f80_0001;
const SNAN_D: u64 = 0x7ff0_0000_0000_0001;

fn s(x: f32) -> u64 {
    nan_box(x.to_bits())
}
fn sb(bits: u32) -> u64 {
    nan_box(bits)
}
fn d(x: f64) -> u64 {
    x.to_bits()
}
fn r(value: u64, flags: u8) -> FpResult {
    FpResult { value, flags }
}
fn p2(e: i32) -> f64 {
    2f64.powi(e)
}

#[test]
fn exact_operations_raise_nothing() {
    assert_eq!(add(Fmt::S, s(1.0), s(2.0), 0), r(s(3.0), 0));
    assert_eq!(sub(Fmt::D, d(1.5), d(0.25), 4), r(d(1.25), 0));
    assert_eq!(mul(Fmt::D, d(-3.0), d(0.5), 2), r(d(-1.5), 0));
    assert_eq!(div(Fmt::S, s(1.0), s(4.0), 3), r(s(0.25), 0));
    assert_eq!(sqrt(Fmt::D, d(4.0), 1), r(d(2.0), 0));
}

#[test]
fn rounding_modes_on_single_tie() {
    // 1 + 2^-24 is exactly halfway between 1 and 1 + 2^-23.
    let (one, up) = (sb(0x3f80_0000), sb(0x3f80_0001));
    let half = s(2f32.powi(-24));
    let expect = [one, one, one, up, up];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(add(Fmt::S, one, half, rm as u8), r(want, NX), "rm {rm}");
    }
    let (mone, mup) = (sb(0xbf80_0000), sb(0xbf80_0001));
    let expect = [mone, mone, mup, mone, mup];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(sub(Fmt::S, mone, half, rm as u8), r(want, NX), "rm {rm}");
    }
    // Tie whose even neighbour is the upper one: RNE and RMM both round up.
    let odd = sb(0x3f80_0001);
    assert_eq!(add(Fmt::S, odd, half, 0), r(sb(0x3f80_0002), NX));
    assert_eq!(add(Fmt::S, odd, half, 4), r(sb(0x3f80_0002), NX));
    assert_eq!(add(Fmt::S, odd, half, 1), r(odd, NX));
}

#[test]
fn rounding_modes_on_double_non_ties() {
    let one = d(1.0);
    let up = d(1.0 + p2(-52));
    // Below the midpoint: only RUP rounds up, RMM stays.
    let below = d(p2(-54));
    let expect = [one, one, one, up, one];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(add(Fmt::D, one, below, rm as u8), r(want, NX), "rm {rm}");
    }
    // Above the midpoint (3 * 2^-54): RNE, RUP and RMM round up.
    let above = d(3.0 * p2(-54));
    let expect = [up, one, one, up, up];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(add(Fmt::D, one, above, rm as u8), r(want, NX), "rm {rm}");
    }
    // Exact tie in double: RMM goes away from zero, RNE to even.
    assert_eq!(add(Fmt::D, one, d(p2(-53)), 4), r(up, NX));
    assert_eq!(add(Fmt::D, one, d(p2(-53)), 0), r(one, NX));
    // 1/3 differs by one ulp between RDN and RUP.
    let dn = div(Fmt::D, d(1.0), d(3.0), 2);
    let upr = div(Fmt::D, d(1.0), d(3.0), 3);
    assert_eq!(upr.value, dn.value + 1);
    assert_eq!((dn.flags, upr.flags), (NX, NX));
}

#[test]
fn rmm_ties_in_mul_and_div() {
    // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: a tie in single precision.
    let a = s(1.0 + 2f32.powi(-12));
    assert_eq!(mul(Fmt::S, a, a, 0), r(s(1.0 + 2f32.powi(-11)), NX));
    assert_eq!(mul(Fmt::S, a, a, 4), r(sb((1.0f32 + 2f32.powi(-11)).to_bits() + 1), NX));
    // Halving the smallest subnormal: a tie with zero.
    let min_sub = sb(1);
    assert_eq!(div(Fmt::S, min_sub, s(2.0), 0), r(s(0.0), UF | NX));
    assert_eq!(div(Fmt::S, min_sub, s(2.0), 4), r(min_sub, UF | NX));
    assert_eq!(div(Fmt::S, sb(0x8000_0001), s(2.0), 4), r(sb(0x8000_0001), UF | NX));
    assert_eq!(div(Fmt::S, min_sub, s(2.0), 3), r(min_sub, UF | NX));
    assert_eq!(div(Fmt::S, min_sub, s(-2.0), 2), r(sb(0x8000_0001), UF | NX));
    // 3 * min_sub / 2 = 1.5 ulp: RNE to 2, RMM to 2, RTZ to 1.
    assert_eq!(div(Fmt::D, 3, d(2.0), 0), r(2, UF | NX));
    assert_eq!(div(Fmt::D, 3, d(2.0), 4), r(2, UF | NX));
    assert_eq!(div(Fmt::D, 3, d(2.0), 1), r(1, UF | NX));
}

#[test]
fn nan_rules() {
    // Quiet NaN inputs: canonical result, no flags, no payload propagation.
    assert_eq!(add(Fmt::S, sb(0x7fc0_0123), s(1.0), 0), r(QNAN_S, 0));
    assert_eq!(mul(Fmt::D, d(1.0), 0xfff8_0000_0000_0042, 0), r(QNAN_D, 0));
    // Signalling NaN inputs: NV.
    assert_eq!(add(Fmt::S, SNAN_S, s(1.0), 0), r(QNAN_S, NV));
    assert_eq!(div(Fmt::D, d(1.0), SNAN_D, 4), r(QNAN_D, NV));
    assert_eq!(sqrt(Fmt::D, SNAN_D, 0), r(QNAN_D, NV));
    // Improperly boxed single: reads as the canonical (quiet) NaN.
    assert_eq!(add(Fmt::S, 0x0000_0000_3f80_0000, s(1.0), 0), r(QNAN_S, 0));
    assert_eq!(sqrt(Fmt::S, 0x7fff_ffff_4080_0000, 0), r(QNAN_S, 0));
}

#[test]
fn invalid_and_divide_by_zero() {
    let inf = f64::INFINITY;
    assert_eq!(sub(Fmt::D, d(inf), d(inf), 0), r(QNAN_D, NV));
    assert_eq!(add(Fmt::S, s(f32::INFINITY), s(f32::NEG_INFINITY), 0), r(QNAN_S, NV));
    assert_eq!(mul(Fmt::D, d(0.0), d(-inf), 0), r(QNAN_D, NV));
    assert_eq!(div(Fmt::D, d(0.0), d(-0.0), 0), r(QNAN_D, NV));
    assert_eq!(div(Fmt::S, s(f32::INFINITY), s(f32::INFINITY), 0), r(QNAN_S, NV));
    assert_eq!(div(Fmt::D, d(1.0), d(0.0), 0), r(d(inf), DZ));
    assert_eq!(div(Fmt::D, d(-1.0), d(0.0), 0), r(d(-inf), DZ));
    assert_eq!(div(Fmt::S, s(1.0), s(-0.0), 1), r(s(f32::NEG_INFINITY), DZ));
    assert_eq!(div(Fmt::D, d(inf), d(0.0), 0), r(d(inf), 0));
    assert_eq!(add(Fmt::D, d(inf), d(1.0), 0), r(d(inf), 0));
}

#[test]
fn sqrt_special_cases() {
    assert_eq!(sqrt(Fmt::D, d(-0.0), 0), r(d(-0.0), 0));
    assert_eq!(sqrt(Fmt::S, s(-0.0), 4), r(s(-0.0), 0));
    assert_eq!(sqrt(Fmt::D, d(-1.0), 0), r(QNAN_D, NV));
    assert_eq!(sqrt(Fmt::D, d(f64::NEG_INFINITY), 0), r(QNAN_D, NV));
    assert_eq!(sqrt(Fmt::D, 0x8000_0000_0000_0001, 0), r(QNAN_D, NV));
    assert_eq!(sqrt(Fmt::S, s(f32::INFINITY), 0), r(s(f32::INFINITY), 0));
    let dn = sqrt(Fmt::D, d(2.0), 2);
    let up = sqrt(Fmt::D, d(2.0), 3);
    assert_eq!((dn.value + 1, dn.flags, up.flags), (up.value, NX, NX));
    assert_eq!(sqrt(Fmt::D, d(2.0), 0), r(d(2f64.sqrt()), NX));
    assert_eq!(sqrt(Fmt::D, d(2.0), 4), r(d(2f64.sqrt()), NX));
}

#[test]
fn overflow_in_every_mode() {
    let max = d(f64::MAX);
    let inf = d(f64::INFINITY);
    let expect = [inf, max, max, inf, inf];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(mul(Fmt::D, max, d(2.0), rm as u8), r(want, OF | NX), "rm {rm}");
    }
    let (nmax, ninf) = (d(-f64::MAX), d(f64::NEG_INFINITY));
    let expect = [ninf, nmax, ninf, nmax, ninf];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(mul(Fmt::D, max, d(-2.0), rm as u8), r(want, OF | NX), "rm {rm}");
    }
    let smax = s(f32::MAX);
    assert_eq!(add(Fmt::S, smax, smax, 1), r(smax, OF | NX));
    assert_eq!(add(Fmt::S, smax, smax, 4), r(s(f32::INFINITY), OF | NX));
}

#[test]
fn underflow_tininess_after_rounding() {
    // (1 - 2^-27) * (1 + 2^-27) * 2^-1022 = 2^-1022 - 2^-1076. With an unbounded exponent it
    // rounds (RNE) to 2^-1022, so it is not tiny: NX without UF.
    let a = d(1.0 - p2(-27));
    let b = d((1.0 + p2(-27)) * p2(-1022));
    let min_normal = d(f64::MIN_POSITIVE);
    let max_sub = min_normal - 1;
    assert_eq!(mul(Fmt::D, a, b, 0), r(min_normal, NX));
    assert_eq!(mul(Fmt::D, a, b, 4), r(min_normal, NX));
    assert_eq!(mul(Fmt::D, a, b, 3), r(min_normal, NX));
    assert_eq!(mul(Fmt::D, a, b, 1), r(max_sub, UF | NX));
    assert_eq!(mul(Fmt::D, a, b, 2), r(max_sub, UF | NX));
    // (1 - 2^-53) * 2^-1022 is representable with an unbounded exponent (tiny) but rounds to
    // 2^-1022 at subnormal precision: UF and NX.
    let c = d(1.0 - p2(-53));
    assert_eq!(mul(Fmt::D, c, min_normal, 0), r(min_normal, UF | NX));
    assert_eq!(mul(Fmt::D, c, min_normal, 1), r(max_sub, UF | NX));
    // Single precision: (1 - 2^-23)(1 + 2^-23) * 2^-126 = 2^-126 - 2^-172 (not tiny) ...
    let a = sb(0x3f7f_fffe);
    let b = sb(0x0080_0001);
    assert_eq!(mul(Fmt::S, a, b, 0), r(s(f32::MIN_POSITIVE), NX));
    assert_eq!(mul(Fmt::S, a, b, 1), r(sb(0x007f_ffff), UF | NX));
    // ... while (1 - 2^-12)(1 + 2^-12) * 2^-126 = 2^-126 - 2^-150 is tiny (24 significant
    // bits) but rounds up at subnormal precision.
    let a = s(1.0 - 2f32.powi(-12));
    let b = s((1.0 + 2f32.powi(-12)) * 2f32.powi(-126));
    assert_eq!(mul(Fmt::S, a, b, 0), r(s(f32::MIN_POSITIVE), UF | NX));
    assert_eq!(mul(Fmt::S, a, b, 1), r(sb(0x007f_ffff), UF | NX));
    // Exact subnormal results raise nothing.
    assert_eq!(div(Fmt::S, s(f32::MIN_POSITIVE), s(2.0), 0), r(sb(0x0040_0000), 0));
    assert_eq!(sub(Fmt::D, 3, 1, 0), r(2, 0));
}

#[test]
fn signed_zero_results() {
    assert_eq!(sub(Fmt::D, d(1.5), d(1.5), 0), r(d(0.0), 0));
    assert_eq!(sub(Fmt::D, d(1.5), d(1.5), 2), r(d(-0.0), 0));
    assert_eq!(add(Fmt::S, s(-0.0), s(-0.0), 0), r(s(-0.0), 0));
    assert_eq!(add(Fmt::S, s(-0.0), s(0.0), 4), r(s(0.0), 0));
    assert_eq!(mul(Fmt::D, d(-0.0), d(5.0), 0), r(d(-0.0), 0));
}

#[test]
fn fma_variants_and_signs() {
    let (a, b, c) = (d(2.0), d(3.0), d(1.0));
    assert_eq!(fma(Fmt::D, a, b, c, false, false, 0), r(d(7.0), 0)); // fmadd
    assert_eq!(fma(Fmt::D, a, b, c, false, true, 0), r(d(5.0), 0)); // fmsub
    assert_eq!(fma(Fmt::D, a, b, c, true, false, 0), r(d(-5.0), 0)); // fnmsub
    assert_eq!(fma(Fmt::D, a, b, c, true, true, 0), r(d(-7.0), 0)); // fnmadd
    let (a, b, c) = (s(2.0), s(3.0), s(1.0));
    assert_eq!(fma(Fmt::S, a, b, c, true, true, 3), r(s(-7.0), 0));
    // Zero signs: fnmadd(0, 1, 0) = -0 - 0 = -0; fmadd(0, 1, -0) = +0, or -0 in RDN.
    assert_eq!(fma(Fmt::D, d(0.0), d(1.0), d(0.0), true, true, 0), r(d(-0.0), 0));
    assert_eq!(fma(Fmt::D, d(0.0), d(1.0), d(-0.0), false, false, 0), r(d(0.0), 0));
    assert_eq!(fma(Fmt::D, d(0.0), d(1.0), d(-0.0), false, false, 2), r(d(-0.0), 0));
}

#[test]
fn fma_single_rounding() {
    // (1 + 2^-30)(1 - 2^-30) - 1 = -2^-60 exactly; unfused it would be 0.
    let r1 = fma(Fmt::D, d(1.0 + p2(-30)), d(1.0 - p2(-30)), d(1.0), false, true, 0);
    assert_eq!(r1, r(d(-p2(-60)), 0));
    // fma(1, 1, 2^-53) is a tie: RNE to 1, RMM away.
    let one = d(1.0);
    assert_eq!(fma(Fmt::D, one, one, d(p2(-53)), false, false, 0), r(one, NX));
    assert_eq!(fma(Fmt::D, one, one, d(p2(-53)), false, false, 4), r(one + 1, NX));
    assert_eq!(fma(Fmt::D, one, one, d(p2(-53)), true, true, 4), r(d(-1.0) + 1, NX));
    let sone = s(1.0);
    assert_eq!(fma(Fmt::S, sone, sone, s(2f32.powi(-24)), false, false, 4), r(sb(0x3f80_0001), NX));
    // Overflow and invalid.
    let max = d(f64::MAX);
    assert_eq!(fma(Fmt::D, max, d(2.0), d(0.0), false, false, 1), r(max, OF | NX));
    let inf = d(f64::INFINITY);
    assert_eq!(fma(Fmt::D, inf, d(1.0), inf, false, true, 0), r(QNAN_D, NV));
    assert_eq!(fma(Fmt::D, inf, d(1.0), inf, false, false, 4), r(inf, 0));
}

#[test]
fn fma_nan_rules() {
    let inf = d(f64::INFINITY);
    // inf * 0 is invalid even when the addend is a quiet NaN.
    assert_eq!(fma(Fmt::D, inf, d(0.0), QNAN_D, false, false, 0), r(QNAN_D, NV));
    assert_eq!(fma(Fmt::S, s(0.0), s(f32::INFINITY), QNAN_S, true, false, 0), r(QNAN_S, NV));
    assert_eq!(fma(Fmt::D, inf, d(0.0), d(1.0), false, false, 0), r(QNAN_D, NV));
    assert_eq!(fma(Fmt::D, d(1.0), d(2.0), QNAN_D, false, false, 0), r(QNAN_D, 0));
    assert_eq!(fma(Fmt::D, d(1.0), SNAN_D, d(1.0), false, false, 0), r(QNAN_D, NV));
    assert_eq!(fma(Fmt::S, s(1.0), s(1.0), 0x1234_5678_0000_0000, false, false, 0), r(QNAN_S, 0));
}
