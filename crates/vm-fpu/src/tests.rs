//! In-crate cross-checks: the SSE results (all rounding modes, including the RMM tie fix-up)
//! against an independent all-integer software model built on [`crate::exact`], over millions
//! of generated operands biased towards short mantissas (exact results and rounding ties),
//! subnormals and special values.

use crate::exact::{self, round_to, Dyadic};
use crate::{rebox, x86, Fmt, FpResult, Layout, DOUBLE, NV, SINGLE};

/// Small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// An unboxed operand of layout `l`, biased to interesting values.
    fn operand(&mut self, l: Layout) -> u64 {
        let r = self.next();
        let sign = if r & 1 != 0 { l.sign_bit() } else { 0 };
        let emax = l.exp_field_max();
        let exp_field = match (r >> 1) % 8 {
            0 => 0,
            1 => 1 + (r >> 8) % 4,
            2 => emax - 1 - (r >> 8) % 4,
            3 => emax,
            _ => l.bias() as u64 + ((r >> 8) % 64) - 32,
        };
        let frac_rand = self.next() & l.frac_mask();
        let frac = match (r >> 4) % 4 {
            0 => frac_rand,
            1 => frac_rand & !(l.frac_mask() >> ((r >> 20) % u64::from(l.frac_bits))),
            2 => frac_rand & !(l.frac_mask() >> 2),
            _ => (frac_rand & 0b11) | (frac_rand & (l.frac_mask() & !(l.frac_mask() >> 3))),
        };
        sign | exp_field << l.frac_bits | frac
    }
}

/// Reference add/sub/mul/div/sqrt for finite, non-NaN operands; `None` where the IEEE special
/// cases (infinities, zeros, invalid) apply, which are checked by hand-written vectors instead.
fn model_binop(l: Layout, op: u8, x: u64, y: u64, rm: u8) -> Option<(u64, u8)> {
    if l.is_inf(x) || l.is_inf(y) || l.is_nan(x) || l.is_nan(y) {
        return None;
    }
    let (dx, dy) = (Dyadic::from_bits(l, x), Dyadic::from_bits(l, y));
    let r = match op {
        0 | 1 => {
            let dy = if op == 1 { dy.neg() } else { dy };
            let (s, _) = dx.sum(dy);
            if s.mant == 0 {
                return None;
            }
            s
        }
        2 => {
            if l.is_zero(x) || l.is_zero(y) {
                return None;
            }
            dx.mul(dy)
        }
        _ => {
            if l.is_zero(x) || l.is_zero(y) {
                return None;
            }
            // Normalize both mantissas to bit 63 and divide 128 by 64 bits.
            let (a, b) = (dx.normalized(), dy.normalized());
            let sa = a.mant.leading_zeros() - 64;
            let sb = b.mant.leading_zeros() - 64;
            let (na, nb) = (a.mant << sa, b.mant << sb);
            let q = (na << 64) / nb;
            let sticky = (na << 64) % nb != 0;
            let exp = a.exp - sa as i32 - (b.exp - sb as i32) - 64;
            Dyadic { neg: a.neg != b.neg, mant: q | u128::from(sticky), exp }
        }
    };
    Some(round_to(l, r.neg, r.mant, r.exp, rm))
}

fn model_sqrt(l: Layout, x: u64, rm: u8) -> Option<(u64, u8)> {
    if l.is_nan(x) || l.is_inf(x) || l.is_zero(x) || l.is_neg(x) {
        return None;
    }
    let d = Dyadic::from_bits(l, x).normalized();
    let mut shift = 125 - (128 - d.mant.leading_zeros());
    if (d.exp - shift as i32) % 2 != 0 {
        shift += 1;
    }
    let m = d.mant << shift;
    let r = m.isqrt();
    let sticky = r * r != m;
    Some(round_to(l, false, r | u128::from(sticky), (d.exp - shift as i32) / 2, rm))
}

fn fmt_of(l: Layout) -> Fmt {
    if l.width == 32 {
        Fmt::S
    } else {
        Fmt::D
    }
}

fn public_binop(fmt: Fmt, op: u8, a: u64, b: u64, rm: u8) -> FpResult {
    match op {
        0 => crate::add(fmt, a, b, rm),
        1 => crate::sub(fmt, a, b, rm),
        2 => crate::mul(fmt, a, b, rm),
        _ => crate::div(fmt, a, b, rm),
    }
}

#[test]
fn arithmetic_matches_integer_model_in_all_modes() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for l in [SINGLE, DOUBLE] {
        let fmt = fmt_of(l);
        for _ in 0..300_000 {
            let (x, y) = (rng.operand(l), rng.operand(l));
            for rm in 0..5 {
                for op in 0..4 {
                    if let Some((bits, flags)) = model_binop(l, op, x, y, rm) {
                        let got = public_binop(fmt, op, rebox(fmt, x), rebox(fmt, y), rm);
                        let want = FpResult { value: rebox(fmt, bits), flags };
                        assert_eq!(got, want, "op {op} rm {rm} x {x:#x} y {y:#x}");
                    }
                }
                if let Some((bits, flags)) = model_sqrt(l, x, rm) {
                    let got = crate::sqrt(fmt, rebox(fmt, x), rm);
                    assert_eq!(got, FpResult { value: rebox(fmt, bits), flags }, "sqrt rm {rm} x {x:#x}");
                }
            }
        }
    }
}

#[test]
fn hardware_fma_matches_software_fma() {
    if !x86::has_fma() {
        return;
    }
    let mut rng = Rng(0x0bad_cafe_f00d_d00d);
    for l in [SINGLE, DOUBLE] {
        let fmt = fmt_of(l);
        for i in 0..400_000u32 {
            let (x, y) = (rng.operand(l), rng.operand(l));
            // Make the addend cancel against the product now and then.
            let z = if i % 4 == 0 {
                let p = x86::binop(fmt, x86::BinOp::Mul, x, y, (i / 4 % 4) as u8).0;
                if l.is_nan(p) {
                    rng.operand(l)
                } else {
                    p ^ l.sign_bit()
                }
            } else {
                rng.operand(l)
            };
            if l.is_nan(x) || l.is_nan(y) || l.is_nan(z) {
                continue;
            }
            for rm in 0..4 {
                let (hb, hf) = x86::fma(fmt, x, y, z, rm);
                let hb = if l.is_nan(hb) { l.canonical_nan() } else { hb };
                let (sb, sf) = exact::fma(l, x, y, z, rm);
                assert_eq!((hb, hf), (sb, sf), "rm {rm} x {x:#x} y {y:#x} z {z:#x}");
            }
        }
    }
}

#[test]
fn cvt_s_d_matches_software_rounder() {
    let mut rng = Rng(0x5eed_5eed_5eed_5eed);
    for i in 0..1_000_000u32 {
        let mut a = rng.operand(DOUBLE);
        if i % 2 == 0 {
            // Steer into single precision's exponent range, including its subnormals.
            let e = 1023 - 160 + (rng.next() % 300);
            a = (a & !(0x7ff << 52)) | e << 52;
        }
        if DOUBLE.is_nan(a) || DOUBLE.is_inf(a) {
            continue;
        }
        let d = Dyadic::from_bits(DOUBLE, a);
        for rm in 0..5 {
            let (bits, flags) = round_to(SINGLE, d.neg, d.mant, d.exp, rm);
            let got = crate::cvt_s_d(a, rm);
            assert_eq!(got, FpResult { value: rebox(Fmt::S, bits), flags }, "rm {rm} a {a:#x}");
        }
    }
}

#[test]
fn invalid_results_are_canonical() {
    let inf = DOUBLE.inf(false);
    let r = crate::sub(Fmt::D, inf, inf, 4);
    assert_eq!(r, FpResult { value: crate::CANONICAL_NAN_D, flags: NV });
    let r = crate::mul(Fmt::S, rebox(Fmt::S, 0), rebox(Fmt::S, SINGLE.inf(true)), 1);
    assert_eq!(r, FpResult { value: rebox(Fmt::S, u64::from(crate::CANONICAL_NAN_S)), flags: NV });
}

#[test]
fn rmm_tie_smoke() {
    let one = rebox(Fmt::S, 0x3f80_0000);
    let tiny = rebox(Fmt::S, 0x3380_0000); // 2^-24
    assert_eq!(crate::add(Fmt::S, one, tiny, 4).value, rebox(Fmt::S, 0x3f80_0001));
    assert_eq!(crate::add(Fmt::S, one, tiny, 0).value, one);
}

fn read_mxcsr() -> u32 {
    let mut m = 0u32;
    // SAFETY: `stmxcsr` only stores the 4-byte MXCSR into the local `m` through a valid,
    // aligned pointer; no other state changes.
    unsafe {
        core::arch::asm!("stmxcsr dword ptr [{p}]", p = in(reg) &mut m, options(nostack, preserves_flags));
    }
    m
}

#[test]
fn caller_mxcsr_is_untouched_and_threads_are_independent() {
    let before = read_mxcsr();
    let one = 1.0f64.to_bits();
    // Operations raising every flag in every rounding mode.
    for rm in 0..5 {
        let _ = crate::div(Fmt::D, one, 0, rm);
        let _ = crate::mul(Fmt::D, DOUBLE.max_finite(false), DOUBLE.max_finite(false), rm);
        let _ = crate::mul(Fmt::D, 1, 1, rm);
        let _ = crate::sqrt(Fmt::D, DOUBLE.sign_bit() | one, rm);
        let _ = crate::fma(Fmt::S, rebox(Fmt::S, 1), rebox(Fmt::S, 1), rebox(Fmt::S, 1), false, false, rm);
        let _ = crate::cvt_s_d(1, rm);
    }
    assert_eq!(read_mxcsr(), before, "the caller's MXCSR (mode and sticky flags) must survive");
    // Concurrent use with different rounding modes gives each thread its own results.
    let third = |rm: u8| crate::div(Fmt::D, one, 3.0f64.to_bits(), rm).value;
    let expected: Vec<u64> = (0..5).map(third).collect();
    std::thread::scope(|s| {
        for t in 0..8u8 {
            let expected = &expected;
            s.spawn(move || {
                for i in 0..20_000u32 {
                    let rm = ((i + u32::from(t)) % 5) as u8;
                    assert_eq!(third(rm), expected[rm as usize]);
                }
            });
        }
    });
}
