//! Hand-written RISC-V spec vectors for sign injection, comparisons, `fmin`/`fmax` and
//! `fclass`, including signed zeros, quiet/signalling NaNs and improperly boxed singles.

use vm_fpu::*;

const QNAN_S: u64 = 0xffff_ffff_7fc0_0000;
const SNAN_S: u64 = 0xffff_ffff_7f80_0001;
const QNAN_D: u64 = 0x7ff8_0000_0000_0000;
const SNAN_D: u64 = 0x7ff0_0000_0000_0001;
const UNBOXED: u64 = 0x0000_0000_3f80_0000;

fn s(x: f32) -> u64 {
    nan_box(x.to_bits())
}
fn d(x: f64) -> u64 {
    x.to_bits()
}
fn r(value: u64, flags: u8) -> FpResult {
    FpResult { value, flags }
}

#[test]
fn sign_injection() {
    assert_eq!(sgnj(Fmt::S, s(1.0), s(-2.0)), s(-1.0));
    assert_eq!(sgnjn(Fmt::S, s(1.0), s(-2.0)), s(1.0));
    assert_eq!(sgnjx(Fmt::S, s(-1.0), s(-2.0)), s(1.0));
    assert_eq!(sgnjx(Fmt::D, d(-1.0), d(2.0)), d(-1.0));
    // NaN payloads pass through sign injection untouched.
    assert_eq!(sgnjn(Fmt::D, 0x7ff0_0000_0000_0001, d(1.0)), 0xfff0_0000_0000_0001);
    assert_eq!(sgnj(Fmt::S, SNAN_S, s(-0.0)), nan_box(0xff80_0001));
    // Improperly boxed inputs read as the canonical NaN.
    assert_eq!(sgnj(Fmt::S, UNBOXED, s(-1.0)), nan_box(0xffc0_0000));
    assert_eq!(sgnjn(Fmt::S, UNBOXED, UNBOXED), nan_box(0xffc0_0000));
    assert_eq!(sgnj(Fmt::S, s(2.0), UNBOXED), s(2.0));
    assert_eq!(sgnjx(Fmt::S, s(-2.0), UNBOXED), s(-2.0));
}

#[test]
fn equality_is_quiet() {
    assert_eq!(eq(Fmt::D, d(1.0), d(1.0)), (true, 0));
    assert_eq!(eq(Fmt::D, d(-0.0), d(0.0)), (true, 0));
    assert_eq!(eq(Fmt::S, s(1.0), s(2.0)), (false, 0));
    assert_eq!(eq(Fmt::D, QNAN_D, QNAN_D), (false, 0));
    assert_eq!(eq(Fmt::D, SNAN_D, d(1.0)), (false, NV));
    assert_eq!(eq(Fmt::S, s(1.0), SNAN_S), (false, NV));
    assert_eq!(eq(Fmt::S, UNBOXED, UNBOXED), (false, 0));
}

#[test]
fn ordering_is_signalling() {
    assert_eq!(lt(Fmt::D, d(-0.0), d(0.0)), (false, 0));
    assert_eq!(le(Fmt::D, d(0.0), d(-0.0)), (true, 0));
    assert_eq!(lt(Fmt::S, s(-2.0), s(-1.0)), (true, 0));
    assert_eq!(lt(Fmt::S, s(-1.0), s(-2.0)), (false, 0));
    assert_eq!(lt(Fmt::D, d(f64::NEG_INFINITY), d(f64::INFINITY)), (true, 0));
    assert_eq!(le(Fmt::D, d(1.0), d(1.0)), (true, 0));
    assert_eq!(lt(Fmt::D, d(1.0), d(1.0)), (false, 0));
    assert_eq!(lt(Fmt::D, 1, 2), (true, 0));
    assert_eq!(le(Fmt::D, 0x8000_0000_0000_0002, 0x8000_0000_0000_0001), (true, 0));
    assert_eq!(lt(Fmt::D, QNAN_D, d(1.0)), (false, NV));
    assert_eq!(le(Fmt::S, s(1.0), QNAN_S), (false, NV));
    assert_eq!(le(Fmt::S, SNAN_S, SNAN_S), (false, NV));
    assert_eq!(lt(Fmt::S, UNBOXED, s(1.0)), (false, NV));
}

#[test]
fn min_max_minimum_number() {
    assert_eq!(min(Fmt::D, d(1.0), d(2.0)), r(d(1.0), 0));
    assert_eq!(max(Fmt::D, d(1.0), d(2.0)), r(d(2.0), 0));
    assert_eq!(min(Fmt::S, s(-3.0), s(2.0)), r(s(-3.0), 0));
    // -0 < +0 in both argument orders.
    for (a, b) in [(d(-0.0), d(0.0)), (d(0.0), d(-0.0))] {
        assert_eq!(min(Fmt::D, a, b), r(d(-0.0), 0));
        assert_eq!(max(Fmt::D, a, b), r(d(0.0), 0));
    }
    // One NaN: the other operand; NV only if a NaN is signalling.
    assert_eq!(min(Fmt::D, QNAN_D, d(1.0)), r(d(1.0), 0));
    assert_eq!(max(Fmt::D, d(1.0), QNAN_D), r(d(1.0), 0));
    assert_eq!(min(Fmt::D, SNAN_D, d(1.0)), r(d(1.0), NV));
    assert_eq!(max(Fmt::S, s(-5.0), SNAN_S), r(s(-5.0), NV));
    // Both NaN: canonical NaN.
    assert_eq!(min(Fmt::D, 0x7ff8_0000_0000_0123, QNAN_D), r(QNAN_D, 0));
    assert_eq!(max(Fmt::S, SNAN_S, QNAN_S), r(QNAN_S, NV));
    // Improperly boxed reads as quiet NaN.
    assert_eq!(min(Fmt::S, UNBOXED, s(7.0)), r(s(7.0), 0));
    assert_eq!(max(Fmt::S, UNBOXED, UNBOXED), r(QNAN_S, 0));
    // Infinities.
    assert_eq!(min(Fmt::D, d(f64::NEG_INFINITY), d(-1e300)), r(d(f64::NEG_INFINITY), 0));
    assert_eq!(max(Fmt::D, d(f64::INFINITY), d(1e300)), r(d(f64::INFINITY), 0));
}

#[test]
fn classification() {
    let cases_d: [(u64, u32); 10] = [
        (d(f64::NEG_INFINITY), 0),
        (d(-1.0), 1),
        (0x8000_0000_0000_0001, 2),
        (d(-0.0), 3),
        (d(0.0), 4),
        (0x000f_ffff_ffff_ffff, 5),
        (d(f64::MAX), 6),
        (d(f64::INFINITY), 7),
        (SNAN_D, 8),
        (QNAN_D, 9),
    ];
    for (x, bit) in cases_d {
        assert_eq!(classify(Fmt::D, x), 1 << bit, "{x:#x}");
    }
    let cases_s: [(u64, u32); 12] = [
        (s(f32::NEG_INFINITY), 0),
        (s(-f32::MIN_POSITIVE), 1),
        (nan_box(0x8000_0001), 2),
        (s(-0.0), 3),
        (s(0.0), 4),
        (nan_box(0x007f_ffff), 5),
        (s(1.0), 6),
        (s(f32::INFINITY), 7),
        (SNAN_S, 8),
        (QNAN_S, 9),
        (nan_box(0xffc0_0001), 9),
        (UNBOXED, 9),
    ];
    for (x, bit) in cases_s {
        assert_eq!(classify(Fmt::S, x), 1 << bit, "{x:#x}");
    }
}
