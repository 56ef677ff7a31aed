//! Property tests: RNE agrees with Rust's native IEEE arithmetic, the directed modes bracket
//! the exact result within one ulp, NX is raised exactly when the result is inexact (checked
//! with error-free transformations), and integer conversions round-trip.

use proptest::prelude::*;
use vm_fpu::*;

/// Bit patterns biased towards interesting doubles: anything, short mantissas (exact results
/// and ties), values near 1, subnormals and specials.
fn f64_bits() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        (any::<bool>(), 1000u64..1050, any::<u64>(), 0u32..52).prop_map(|(s, e, m, k)| (u64::from(s) << 63)
            | e << 52
            | (m & !(((1u64 << 52) - 1) >> k)) & ((1 << 52) - 1)),
        (any::<bool>(), 0u64..3, any::<u64>())
            .prop_map(|(s, e, m)| (u64::from(s) << 63) | e << 52 | (m & ((1 << 52) - 1))),
        prop::sample::select(vec![
            0,
            1 << 63,
            1.0f64.to_bits(),
            f64::MAX.to_bits(),
            f64::INFINITY.to_bits(),
            1,
            0x7ff8 << 48,
            0x7ff0_0000_0000_0001
        ]),
    ]
}

fn f32_bits() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        (any::<bool>(), 110u32..145, any::<u32>(), 0u32..23).prop_map(|(s, e, m, k)| (u32::from(s) << 31)
            | e << 23
            | (m & !(((1u32 << 23) - 1) >> k)) & ((1 << 23) - 1)),
        (any::<bool>(), 0u32..3, any::<u32>())
            .prop_map(|(s, e, m)| (u32::from(s) << 31) | e << 23 | (m & ((1 << 23) - 1))),
        prop::sample::select(vec![
            0,
            1 << 31,
            1.0f32.to_bits(),
            f32::MAX.to_bits(),
            f32::INFINITY.to_bits(),
            1,
            0x7fc0_0000,
            0x7f80_0001
        ]),
    ]
}

/// `got` is what a native RNE result `want` becomes under RISC-V rules. Branches on `got`:
/// Rust (and LLVM) treat the bits of a NaN produced by arithmetic as unspecified, so an
/// expression like `if w.is_nan() { CANONICAL } else { w.to_bits() }` may legally be folded to
/// `w.to_bits()`.
fn same_d(got: u64, want: f64) -> bool {
    if got == CANONICAL_NAN_D {
        want.is_nan()
    } else {
        !want.is_nan() && got == want.to_bits()
    }
}

fn same_s(got: u32, want: f32) -> bool {
    if got == CANONICAL_NAN_S {
        want.is_nan()
    } else {
        !want.is_nan() && got == want.to_bits()
    }
}

type BinFn = fn(Fmt, u64, u64, u8) -> FpResult;
const OPS: [BinFn; 4] = [add, sub, mul, div];

/// Total order key of a non-NaN value, with -0 immediately below +0.
fn key(bits: u64, sign: u64) -> i128 {
    let mag = i128::from(bits & !sign);
    if bits & sign != 0 {
        -mag - 1
    } else {
        mag
    }
}

/// Check the relations between the five rounding modes for one operation.
fn check_modes(results: [FpResult; 5], sign: u64, mask: u64) -> Result<(), TestCaseError> {
    let [rne, rtz, rdn, rup, rmm] = results.map(|r| FpResult { value: r.value & mask, ..r });
    for r in [rtz, rdn, rup, rmm] {
        prop_assert_eq!(r.flags & NX, rne.flags & NX);
        prop_assert_eq!(r.flags & (NV | DZ), rne.flags & (NV | DZ));
    }
    if rne.flags & NV != 0 {
        return Ok(());
    }
    let (kd, ku) = (key(rdn.value, sign), key(rup.value, sign));
    if rne.flags & NX != 0 {
        prop_assert_eq!(kd + 1, ku, "RDN and RUP must be adjacent");
        for r in [rne, rtz, rmm] {
            prop_assert!(r.value == rdn.value || r.value == rup.value);
        }
        prop_assert!((rtz.value & !sign) <= (rne.value & !sign));
        prop_assert!((rtz.value & !sign) <= (rmm.value & !sign));
        prop_assert!((rne.value & !sign) <= (rmm.value & !sign));
    } else {
        let zero = |v: u64| v & !sign == 0;
        for r in [rne, rtz, rup, rmm] {
            prop_assert!(r.value == rdn.value || (zero(r.value) && zero(rdn.value)));
        }
    }
    Ok(())
}

fn all_modes(f: impl Fn(u8) -> FpResult) -> [FpResult; 5] {
    [f(0), f(1), f(2), f(3), f(4)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn rne_matches_native_f64(a in f64_bits(), b in f64_bits(), c in f64_bits()) {
        let (x, y, z) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
        let native = [x + y, x - y, x * y, x / y];
        for (op, want) in OPS.iter().zip(native) {
            prop_assert!(same_d(op(Fmt::D, a, b, 0).value, want));
        }
        let want = x.sqrt();
        let got = sqrt(Fmt::D, a, 0).value;
        prop_assert!(same_d(got, want), "sqrt");
        let want = x.mul_add(y, z);
        let got = fma(Fmt::D, a, b, c, false, false, 0).value;
        prop_assert!(same_d(got, want), "fmadd");
        let want = (-x).mul_add(y, -z);
        let got = fma(Fmt::D, a, b, c, true, true, 0).value;
        prop_assert!(same_d(got, want), "fnmadd");
        let got = cvt_s_d(a, 0).value;
        prop_assert_eq!(got >> 32, 0xffff_ffff);
        prop_assert!(same_s(got as u32, x as f32));
    }

    #[test]
    fn rne_matches_native_f32(a in f32_bits(), b in f32_bits(), c in f32_bits()) {
        let (x, y, z) = (f32::from_bits(a), f32::from_bits(b), f32::from_bits(c));
        let (ba, bb, bc) = (nan_box(a), nan_box(b), nan_box(c));
        let native = [x + y, x - y, x * y, x / y, x.sqrt(), x.mul_add(y, z), x.mul_add(-y, z)];
        let got = [
            add(Fmt::S, ba, bb, 0), sub(Fmt::S, ba, bb, 0), mul(Fmt::S, ba, bb, 0),
            div(Fmt::S, ba, bb, 0), sqrt(Fmt::S, ba, 0),
            fma(Fmt::S, ba, bb, bc, false, false, 0), fma(Fmt::S, ba, bb, bc, true, false, 0),
        ];
        for (g, w) in got.iter().zip(native) {
            prop_assert_eq!(g.value >> 32, 0xffff_ffff);
            prop_assert!(same_s(g.value as u32, w));
        }
        prop_assert!(same_d(cvt_d_s(ba, 0).value, f64::from(x)));
    }

    #[test]
    fn directed_modes_bracket_f64(a in f64_bits(), b in f64_bits(), c in f64_bits()) {
        let (sign, mask) = (1u64 << 63, u64::MAX);
        for op in OPS {
            check_modes(all_modes(|rm| op(Fmt::D, a, b, rm)), sign, mask)?;
        }
        check_modes(all_modes(|rm| sqrt(Fmt::D, a, rm)), sign, mask)?;
        check_modes(all_modes(|rm| fma(Fmt::D, a, b, c, false, true, rm)), sign, mask)?;
        check_modes(all_modes(|rm| from_int(Fmt::D, IntKind::L, a, rm)), sign, mask)?;
    }

    #[test]
    fn directed_modes_bracket_f32(a in f32_bits(), b in f32_bits(), c in f32_bits(), w in any::<u64>()) {
        let (sign, mask) = (1u64 << 31, 0xffff_ffff);
        let (ba, bb, bc) = (nan_box(a), nan_box(b), nan_box(c));
        for op in OPS {
            let rs = all_modes(|rm| op(Fmt::S, ba, bb, rm));
            for r in rs {
                prop_assert_eq!(r.value >> 32, 0xffff_ffff, "results are NaN-boxed");
            }
            check_modes(rs, sign, mask)?;
        }
        check_modes(all_modes(|rm| sqrt(Fmt::S, ba, rm)), sign, mask)?;
        check_modes(all_modes(|rm| fma(Fmt::S, ba, bb, bc, true, false, rm)), sign, mask)?;
        check_modes(all_modes(|rm| cvt_s_d(w, rm)), sign, mask)?;
        check_modes(all_modes(|rm| from_int(Fmt::S, IntKind::Lu, w, rm)), sign, mask)?;
    }

    #[test]
    fn inexact_flag_is_exactness_f64(a in f64_bits(), b in f64_bits()) {
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        prop_assume!(x.is_finite() && y.is_finite());
        // Sum: TwoSum gives the exact rounding error when the sum does not overflow.
        let s = x + y;
        if s.is_finite() {
            let bb = s - x;
            let err = (x - (s - bb)) + (y - bb);
            prop_assert_eq!(add(Fmt::D, a, b, 0).flags & NX != 0, err != 0.0);
        }
        // Product and quotient: FMA residuals are exact away from the underflow range.
        let p = x * y;
        if p.is_finite() && p.abs() > 1e-290 {
            let err = x.mul_add(y, -p);
            prop_assert_eq!(mul(Fmt::D, a, b, 1).flags & NX != 0, err != 0.0);
        }
        let q = x / y;
        if q.is_finite() && q.abs() > 1e-290 && q.abs() < 1e290 && x.abs() > 1e-290 {
            let err = q.mul_add(y, -x);
            prop_assert_eq!(div(Fmt::D, a, b, 2).flags & NX != 0, err != 0.0);
        }
        if x > 1e-290 {
            let r = x.sqrt();
            let err = r.mul_add(r, -x);
            prop_assert_eq!(sqrt(Fmt::D, a, 3).flags & NX != 0, err != 0.0);
        }
    }

    #[test]
    fn int_round_trips(i in any::<i32>(), u in any::<u32>(), l in any::<i64>(), shift in 0u32..11) {
        let rm = (shift % 5) as u8;
        // Every 32-bit integer is exact in double precision.
        let f = from_int(Fmt::D, IntKind::W, i as u32 as u64 | 0xdead_0000_0000_0000, rm);
        prop_assert_eq!(f.flags, 0);
        prop_assert_eq!(to_int(Fmt::D, IntKind::W, f.value, rm), FpResult { value: i as i64 as u64, flags: 0 });
        let f = from_int(Fmt::D, IntKind::Wu, u64::from(u), rm);
        prop_assert_eq!(to_int(Fmt::D, IntKind::Wu, f.value, rm), FpResult { value: u as i32 as i64 as u64, flags: 0 });
        // 64-bit integers with at most 53 (24) significant bits are exact in double (single).
        let l53 = (l >> 11) << shift;
        let f = from_int(Fmt::D, IntKind::L, l53 as u64, rm);
        prop_assert_eq!(f.flags, 0);
        prop_assert_eq!(to_int(Fmt::D, IntKind::L, f.value, rm), FpResult { value: l53 as u64, flags: 0 });
        let l24 = (l >> 40) << (shift * 3);
        let f = from_int(Fmt::S, IntKind::L, l24 as u64, rm);
        prop_assert_eq!(f.flags, 0);
        prop_assert_eq!(to_int(Fmt::S, IntKind::L, f.value, rm), FpResult { value: l24 as u64, flags: 0 });
        // RNE agrees with Rust's casts; RTZ to-int agrees with Rust's saturating cast in range.
        prop_assert_eq!(from_int(Fmt::D, IntKind::L, l as u64, 0).value, (l as f64).to_bits());
        prop_assert_eq!(from_int(Fmt::S, IntKind::Lu, l as u64, 0).value, nan_box((l as u64 as f32).to_bits()));
    }

    #[test]
    fn to_int_rtz_matches_rust_cast(x in prop_oneof![-9.2e18f64..9.2e18, -1e4f64..1e4, -2.0f64..2.0]) {
        let a = x.to_bits();
        let r = to_int(Fmt::D, IntKind::L, a, 1);
        prop_assert_eq!(r.value, x as i64 as u64);
        prop_assert_eq!(r.flags, if x.trunc() == x { 0 } else { NX });
    }
}
