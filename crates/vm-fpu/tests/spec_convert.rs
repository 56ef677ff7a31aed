//! Hand-written RISC-V spec vectors for conversions: float → integer boundaries, NaN/overflow
//! results and flags in every rounding mode, integer → float rounding, `fcvt.s.d`/`fcvt.d.s`
//! and the raw moves with NaN boxing.

use vm_fpu::*;

fn s(x: f32) -> u64 {
    nan_box(x.to_bits())
}
fn d(x: f64) -> u64 {
    x.to_bits()
}
fn r(value: u64, flags: u8) -> FpResult {
    FpResult { value, flags }
}
fn sext(x: i32) -> u64 {
    x as i64 as u64
}
const W_MAX: u64 = 0x7fff_ffff;
const W_MIN: u64 = 0xffff_ffff_8000_0000;
const ALL: u64 = u64::MAX;

#[test]
fn nan_and_infinity_to_int() {
    let nan = d(f64::NAN);
    assert_eq!(to_int(Fmt::D, IntKind::W, nan, 0), r(W_MAX, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Wu, nan, 0), r(ALL, NV));
    assert_eq!(to_int(Fmt::D, IntKind::L, nan, 0), r(i64::MAX as u64, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Lu, nan, 0), r(ALL, NV));
    // Negative-signed NaN also gives the maximum.
    assert_eq!(to_int(Fmt::S, IntKind::W, nan_box(0xffc0_0000), 1), r(W_MAX, NV));
    // Improperly boxed single reads as NaN.
    assert_eq!(to_int(Fmt::S, IntKind::L, 0x3f80_0000, 0), r(i64::MAX as u64, NV));
    let (inf, ninf) = (d(f64::INFINITY), d(f64::NEG_INFINITY));
    assert_eq!(to_int(Fmt::D, IntKind::W, inf, 0), r(W_MAX, NV));
    assert_eq!(to_int(Fmt::D, IntKind::W, ninf, 0), r(W_MIN, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Wu, ninf, 0), r(0, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Wu, inf, 0), r(ALL, NV));
    assert_eq!(to_int(Fmt::D, IntKind::L, ninf, 0), r(i64::MIN as u64, NV));
    assert_eq!(to_int(Fmt::S, IntKind::Lu, s(f32::NEG_INFINITY), 0), r(0, NV));
    assert_eq!(to_int(Fmt::S, IntKind::Lu, s(f32::INFINITY), 0), r(ALL, NV));
}

#[test]
fn signed_32_bit_boundaries() {
    let x = d(2147483647.5); // 2^31 - 0.5
                             // RNE ties to even (2^31, out of range), RTZ/RDN give 2^31 - 1, RUP/RMM overflow.
    let expect = [r(W_MAX, NV), r(W_MAX, NX), r(W_MAX, NX), r(W_MAX, NV), r(W_MAX, NV)];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(to_int(Fmt::D, IntKind::W, x, rm as u8), want, "rm {rm}");
    }
    assert_eq!(to_int(Fmt::D, IntKind::W, d(2147483646.5), 0), r(W_MAX - 1, NX));
    assert_eq!(to_int(Fmt::D, IntKind::W, d(2147483647.0), 0), r(W_MAX, 0));
    assert_eq!(to_int(Fmt::D, IntKind::W, d(-2147483649.0), 1), r(W_MIN, NV)); // -2^31 - 1
    assert_eq!(to_int(Fmt::D, IntKind::W, d(-2147483648.0), 0), r(W_MIN, 0));
    let x = d(-2147483648.5);
    let expect = [r(W_MIN, NX), r(W_MIN, NX), r(W_MIN, NV), r(W_MIN, NX), r(W_MIN, NV)];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(to_int(Fmt::D, IntKind::W, x, rm as u8), want, "rm {rm}");
    }
    assert_eq!(to_int(Fmt::S, IntKind::W, s(2147483648.0), 0), r(W_MAX, NV));
    assert_eq!(to_int(Fmt::S, IntKind::W, s(-1.0), 0), r(ALL, 0));
}

#[test]
fn unsigned_32_bit_results_are_sign_extended() {
    assert_eq!(to_int(Fmt::D, IntKind::Wu, d(3e9), 0), r(3_000_000_000u32 as i32 as i64 as u64, 0));
    assert_eq!(to_int(Fmt::D, IntKind::Wu, d(4294967295.0), 0), r(ALL, 0));
    assert_eq!(to_int(Fmt::D, IntKind::Wu, d(4294967295.5), 1), r(ALL, NX));
    assert_eq!(to_int(Fmt::D, IntKind::Wu, d(4294967295.5), 0), r(ALL, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Wu, d(4294967296.0), 1), r(ALL, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Wu, d(1.0), 0), r(1, 0));
}

#[test]
fn negative_values_to_unsigned() {
    // Rounding to zero is fine (NX only), rounding to a negative integer is invalid.
    assert_eq!(to_int(Fmt::S, IntKind::Wu, s(-0.5), 1), r(0, NX));
    assert_eq!(to_int(Fmt::S, IntKind::Wu, s(-0.5), 0), r(0, NX));
    assert_eq!(to_int(Fmt::S, IntKind::Wu, s(-0.5), 3), r(0, NX));
    assert_eq!(to_int(Fmt::S, IntKind::Wu, s(-0.5), 2), r(0, NV));
    assert_eq!(to_int(Fmt::S, IntKind::Wu, s(-0.5), 4), r(0, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Lu, d(-1.0), 1), r(0, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Lu, d(-0.0), 0), r(0, 0));
    assert_eq!(to_int(Fmt::D, IntKind::Lu, d(-1e-300), 1), r(0, NX));
}

#[test]
fn sixty_four_bit_boundaries() {
    let two63 = d(9223372036854775808.0);
    assert_eq!(to_int(Fmt::D, IntKind::L, two63, 0), r(i64::MAX as u64, NV));
    assert_eq!(to_int(Fmt::D, IntKind::L, d(-9223372036854775808.0), 0), r(i64::MIN as u64, 0));
    assert_eq!(to_int(Fmt::D, IntKind::L, d(-9223372036854777856.0), 0), r(i64::MIN as u64, NV));
    assert_eq!(to_int(Fmt::D, IntKind::Lu, two63, 0), r(1 << 63, 0));
    assert_eq!(to_int(Fmt::D, IntKind::Lu, d(18446744073709549568.0), 0), r(0xffff_ffff_ffff_f800, 0));
    assert_eq!(to_int(Fmt::D, IntKind::Lu, d(18446744073709551616.0), 0), r(ALL, NV));
    assert_eq!(to_int(Fmt::D, IntKind::L, d(1e300), 0), r(i64::MAX as u64, NV));
    assert_eq!(to_int(Fmt::D, IntKind::L, d(-1e300), 0), r(i64::MIN as u64, NV));
    assert_eq!(to_int(Fmt::S, IntKind::L, s(-9.223372e18), 1), r(i64::MIN as u64, 0));
}

#[test]
fn to_int_rounding_modes() {
    let cases: [(f64, [i32; 5]); 7] = [
        (2.5, [2, 2, 2, 3, 3]),
        (-2.5, [-2, -2, -3, -2, -3]),
        (3.5, [4, 3, 3, 4, 4]),
        (1.4, [1, 1, 1, 2, 1]),
        (-1.6, [-2, -1, -2, -1, -2]),
        (0.1, [0, 0, 0, 1, 0]),
        (-0.1, [0, 0, -1, 0, 0]),
    ];
    for (x, want) in cases {
        for rm in 0..5u8 {
            let got = to_int(Fmt::D, IntKind::W, d(x), rm);
            assert_eq!(got, r(sext(want[rm as usize]), NX), "{x} rm {rm}");
            let got = to_int(Fmt::S, IntKind::L, s(x as f32), rm);
            assert_eq!(got, r(want[rm as usize] as i64 as u64, NX), "{x} rm {rm}");
        }
    }
    // Subnormals round to 0 or ±1.
    assert_eq!(to_int(Fmt::D, IntKind::L, 1, 0), r(0, NX));
    assert_eq!(to_int(Fmt::D, IntKind::L, 1, 3), r(1, NX));
    assert_eq!(to_int(Fmt::D, IntKind::L, 0x8000_0000_0000_0001, 2), r(ALL, NX));
    assert_eq!(to_int(Fmt::D, IntKind::W, d(-0.0), 2), r(0, 0));
}

#[test]
fn from_int_rounding() {
    // W and WU take the low 32 bits.
    assert_eq!(from_int(Fmt::D, IntKind::W, ALL, 0), r(d(-1.0), 0));
    assert_eq!(from_int(Fmt::D, IntKind::W, 0x1_0000_0005, 0), r(d(5.0), 0));
    assert_eq!(from_int(Fmt::D, IntKind::Wu, ALL, 0), r(d(4294967295.0), 0));
    assert_eq!(from_int(Fmt::S, IntKind::Wu, ALL, 0), r(s(4294967296.0), NX));
    assert_eq!(from_int(Fmt::S, IntKind::Wu, ALL, 1), r(nan_box(0x4f7f_ffff), NX));
    assert_eq!(from_int(Fmt::D, IntKind::L, i64::MIN as u64, 0), r(d(-9223372036854775808.0), 0));
    assert_eq!(from_int(Fmt::D, IntKind::L, i64::MAX as u64, 0), r(d(9223372036854775808.0), NX));
    assert_eq!(from_int(Fmt::D, IntKind::L, i64::MAX as u64, 1), r(d(9223372036854774784.0), NX));
    assert_eq!(from_int(Fmt::D, IntKind::Lu, ALL, 0), r(d(18446744073709551616.0), NX));
    assert_eq!(from_int(Fmt::D, IntKind::Lu, ALL, 2), r(d(18446744073709549568.0), NX));
    assert_eq!(from_int(Fmt::D, IntKind::L, 0, 2), r(d(0.0), 0));
    // 2^24 + 1 is a tie in single precision: RNE to even, RMM away; negative in RDN/RUP.
    let t = (1u64 << 24) + 1;
    let expect = [16777216.0f32, 16777216.0, 16777216.0, 16777218.0, 16777218.0];
    for (rm, want) in expect.into_iter().enumerate() {
        assert_eq!(from_int(Fmt::S, IntKind::L, t, rm as u8), r(s(want), NX), "rm {rm}");
        let neg = from_int(Fmt::S, IntKind::W, (t as i64).wrapping_neg() as u64, rm as u8);
        let want_neg = [-16777216.0f32, -16777216.0, -16777218.0, -16777216.0, -16777218.0];
        assert_eq!(neg, r(s(want_neg[rm]), NX), "rm {rm}");
    }
    let t = (1u64 << 53) + 1;
    assert_eq!(from_int(Fmt::D, IntKind::Lu, t, 4), r(d(9007199254740994.0), NX));
    assert_eq!(from_int(Fmt::D, IntKind::Lu, t, 0), r(d(9007199254740992.0), NX));
}

#[test]
fn double_to_single() {
    let third = d(1.0 / 3.0);
    let dn = cvt_s_d(third, 2);
    let up = cvt_s_d(third, 3);
    assert_eq!((dn.value + 1, dn.flags, up.flags), (up.value, NX, NX));
    assert_eq!(cvt_s_d(d(1.5), 0), r(s(1.5), 0));
    assert_eq!(cvt_s_d(d(-0.0), 0), r(s(-0.0), 0));
    assert_eq!(cvt_s_d(d(f64::INFINITY), 0), r(s(f32::INFINITY), 0));
    // Overflow per mode.
    let big = d(f64::MAX);
    assert_eq!(cvt_s_d(big, 0), r(s(f32::INFINITY), OF | NX));
    assert_eq!(cvt_s_d(big, 1), r(s(f32::MAX), OF | NX));
    assert_eq!(cvt_s_d(big, 4), r(s(f32::INFINITY), OF | NX));
    assert_eq!(cvt_s_d(d(-f64::MAX), 3), r(s(-f32::MAX), OF | NX));
    // Underflow.
    assert_eq!(cvt_s_d(d(1e-300), 0), r(s(0.0), UF | NX));
    assert_eq!(cvt_s_d(d(1e-300), 3), r(nan_box(1), UF | NX));
    assert_eq!(cvt_s_d(d(2f64.powi(-149)), 0), r(nan_box(1), 0));
    assert_eq!(cvt_s_d(d(2f64.powi(-150)), 4), r(nan_box(1), UF | NX));
    assert_eq!(cvt_s_d(d(2f64.powi(-150)), 0), r(s(0.0), UF | NX));
    // Tie: 1 + 2^-24.
    assert_eq!(cvt_s_d(d(1.0 + 2f64.powi(-24)), 0), r(s(1.0), NX));
    assert_eq!(cvt_s_d(d(1.0 + 2f64.powi(-24)), 4), r(nan_box(0x3f80_0001), NX));
    // NaNs.
    assert_eq!(cvt_s_d(0x7ff0_0000_0000_0001, 0), r(nan_box(0x7fc0_0000), NV));
    assert_eq!(cvt_s_d(0xfff8_0000_dead_beef, 0), r(nan_box(0x7fc0_0000), 0));
}

#[test]
fn single_to_double() {
    assert_eq!(cvt_d_s(s(1.5), 0), r(d(1.5), 0));
    assert_eq!(cvt_d_s(s(-0.0), 0), r(d(-0.0), 0));
    assert_eq!(cvt_d_s(nan_box(1), 0), r(d(2f64.powi(-149)), 0));
    assert_eq!(cvt_d_s(nan_box(0x7f80_0001), 0), r(CANONICAL_NAN_D, NV));
    assert_eq!(cvt_d_s(nan_box(0xffc0_1234), 0), r(CANONICAL_NAN_D, 0));
    assert_eq!(cvt_d_s(0x0000_0000_3f80_0000, 0), r(CANONICAL_NAN_D, 0));
    assert_eq!(cvt_d_s(s(f32::NEG_INFINITY), 0), r(d(f64::NEG_INFINITY), 0));
}

#[test]
fn moves_and_boxing() {
    assert_eq!(nan_box(0x3f80_0000), 0xffff_ffff_3f80_0000);
    assert_eq!(mv_to_int(Fmt::S, 0xffff_ffff_8000_0000), 0xffff_ffff_8000_0000);
    assert_eq!(mv_to_int(Fmt::S, 0x1234_5678_7fff_ffff), 0x7fff_ffff);
    assert_eq!(mv_to_int(Fmt::D, 0x1234_5678_9abc_def0), 0x1234_5678_9abc_def0);
    assert_eq!(mv_from_int(Fmt::S, 0x1234_5678_3f80_0000), 0xffff_ffff_3f80_0000);
    assert_eq!(mv_from_int(Fmt::D, 0x7ff0_0000_0000_0001), 0x7ff0_0000_0000_0001);
}
