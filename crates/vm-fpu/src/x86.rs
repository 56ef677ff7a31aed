//! The x86-64 SSE layer: single instructions executed under a private MXCSR.
//!
//! Each operation is one `asm!` block that saves the caller's MXCSR, loads a control word with
//! the requested rounding mode, all exceptions masked, DAZ and FTZ off and the sticky flags
//! cleared, runs the instruction, stores the resulting MXCSR and restores the caller's. Because
//! the arithmetic happens inside the same block the compiler can neither constant-fold it nor
//! move it across the MXCSR writes, and the caller's floating-point environment (including its
//! own sticky flags) is untouched. MXCSR is per-thread state, so this is thread-safe.
//!
//! Values travel as raw bits (unboxed single-precision bits in the low 32 bits); the functions
//! return the raw result bits and the RISC-V flags translated from the MXCSR status bits. The
//! x86 denormal-operand flag (DE) is ignored. NaN results are returned as the hardware produced
//! them; callers canonicalize.

use std::sync::OnceLock;

use crate::{Fmt, DZ, NV, NX, OF, UF};

/// Two-operand arithmetic instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// MXCSR value for a RISC-V rounding mode 0–3: all exceptions masked (bits 7–12), flags clear,
/// DAZ (bit 6) and FTZ (bit 15) off, rounding control in bits 13–14.
fn control_word(rm: u8) -> u32 {
    let rc = match rm {
        0 => 0b00, // to nearest even
        1 => 0b11, // toward zero
        2 => 0b01, // down
        3 => 0b10, // up
        _ => unreachable!("rounding mode {rm} must be resolved before reaching the SSE layer"),
    };
    0x1f80 | (rc << 13)
}

/// Translate MXCSR status bits into RISC-V fflags.
pub(crate) fn flags_from_mxcsr(m: u32) -> u8 {
    let mut f = 0;
    if m & 0x01 != 0 {
        f |= NV; // IE
    }
    // 0x02 is DE (denormal operand): no RISC-V counterpart, ignored.
    if m & 0x04 != 0 {
        f |= DZ; // ZE
    }
    if m & 0x08 != 0 {
        f |= OF; // OE
    }
    if m & 0x10 != 0 {
        f |= UF; // UE (masked: only raised when tiny and inexact)
    }
    if m & 0x20 != 0 {
        f |= NX; // PE
    }
    f
}

/// Run `$insn dst, src` with the MXCSR slot array `$m` = [control, saved, result].
/// `$dst` is read and written, `$src` only read.
macro_rules! sse_op {
    ($insn:literal, $m:ident, $dst:ident, $src:expr) => {
        // SAFETY: the block only touches the three u32 slots of the local array `$m` (through
        // its pointer, which is valid and 4-byte aligned for 12 bytes), the MXCSR and the two
        // xmm registers given as operands. The caller's MXCSR is saved first and restored last,
        // so the floating-point environment seen by the surrounding Rust code is unchanged.
        // No stack memory is used and RFLAGS is not modified. The instruction is SSE/SSE2,
        // which every x86-64 CPU has.
        unsafe {
            core::arch::asm!(
                "stmxcsr dword ptr [{m} + 4]",
                "ldmxcsr dword ptr [{m}]",
                concat!($insn, " {d}, {s}"),
                "stmxcsr dword ptr [{m} + 8]",
                "ldmxcsr dword ptr [{m} + 4]",
                m = in(reg) $m.as_mut_ptr(),
                d = inout(xmm_reg) $dst,
                s = in(xmm_reg) $src,
                options(nostack, preserves_flags),
            );
        }
    };
}

/// `a op b` in format `fmt` with rounding mode `rm` (0–3).
pub(crate) fn binop(fmt: Fmt, op: BinOp, a: u64, b: u64, rm: u8) -> (u64, u8) {
    let mut m = [control_word(rm), 0, 0];
    let bits = match fmt {
        Fmt::S => {
            let mut x = f32::from_bits(a as u32);
            let y = f32::from_bits(b as u32);
            match op {
                BinOp::Add => sse_op!("addss", m, x, y),
                BinOp::Sub => sse_op!("subss", m, x, y),
                BinOp::Mul => sse_op!("mulss", m, x, y),
                BinOp::Div => sse_op!("divss", m, x, y),
            }
            u64::from(x.to_bits())
        }
        Fmt::D => {
            let mut x = f64::from_bits(a);
            let y = f64::from_bits(b);
            match op {
                BinOp::Add => sse_op!("addsd", m, x, y),
                BinOp::Sub => sse_op!("subsd", m, x, y),
                BinOp::Mul => sse_op!("mulsd", m, x, y),
                BinOp::Div => sse_op!("divsd", m, x, y),
            }
            x.to_bits()
        }
    };
    (bits, flags_from_mxcsr(m[2]))
}

/// Square root in format `fmt` with rounding mode `rm` (0–3).
pub(crate) fn sqrt(fmt: Fmt, a: u64, rm: u8) -> (u64, u8) {
    let mut m = [control_word(rm), 0, 0];
    let bits = match fmt {
        Fmt::S => {
            let mut x = f32::from_bits(a as u32);
            sse_op!("sqrtss", m, x, x);
            u64::from(x.to_bits())
        }
        Fmt::D => {
            let mut x = f64::from_bits(a);
            sse_op!("sqrtsd", m, x, x);
            x.to_bits()
        }
    };
    (bits, flags_from_mxcsr(m[2]))
}

/// `fcvt.s.d`: double to single with rounding mode `rm` (0–3); returns unboxed single bits.
pub(crate) fn cvt_s_d(a: u64, rm: u8) -> (u64, u8) {
    let mut m = [control_word(rm), 0, 0];
    // Start from 0.0 so the upper lanes hold defined data; only the low lane is read.
    let mut x = 0.0f32;
    sse_op!("cvtsd2ss", m, x, f64::from_bits(a));
    (u64::from(x.to_bits()), flags_from_mxcsr(m[2]))
}

/// `fcvt.d.s`: single (unboxed bits) to double, exact.
pub(crate) fn cvt_d_s(a: u64) -> (u64, u8) {
    let mut m = [control_word(0), 0, 0];
    let mut x = 0.0f64;
    sse_op!("cvtss2sd", m, x, f32::from_bits(a as u32));
    (x.to_bits(), flags_from_mxcsr(m[2]))
}

/// Whether the host has the FMA3 extension (detected once per process).
pub(crate) fn has_fma() -> bool {
    static HAS_FMA: OnceLock<bool> = OnceLock::new();
    *HAS_FMA.get_or_init(|| std::arch::is_x86_feature_detected!("fma"))
}

/// Fused `a * b + c` with one rounding in mode `rm` (0–3). Only call when [`has_fma`] is true.
pub(crate) fn fma(fmt: Fmt, a: u64, b: u64, c: u64, rm: u8) -> (u64, u8) {
    assert!(has_fma(), "x86 FMA instructions are not available on this CPU");
    let mut m = [control_word(rm), 0, 0];
    macro_rules! fma_op {
        ($insn:literal, $acc:ident, $x:expr, $y:expr) => {
            // SAFETY: as in `sse_op!`: only the local MXCSR slot array, the MXCSR and the xmm
            // operands are touched, the caller's MXCSR is restored, no stack use, RFLAGS
            // untouched. The FMA3 instruction is only reached after the assert above checked
            // at run time that the CPU supports it.
            unsafe {
                core::arch::asm!(
                    "stmxcsr dword ptr [{m} + 4]",
                    "ldmxcsr dword ptr [{m}]",
                    concat!($insn, " {acc}, {x}, {y}"),
                    "stmxcsr dword ptr [{m} + 8]",
                    "ldmxcsr dword ptr [{m} + 4]",
                    m = in(reg) m.as_mut_ptr(),
                    acc = inout(xmm_reg) $acc,
                    x = in(xmm_reg) $x,
                    y = in(xmm_reg) $y,
                    options(nostack, preserves_flags),
                );
            }
        };
    }
    let bits = match fmt {
        Fmt::S => {
            let mut acc = f32::from_bits(c as u32);
            fma_op!("vfmadd231ss", acc, f32::from_bits(a as u32), f32::from_bits(b as u32));
            u64::from(acc.to_bits())
        }
        Fmt::D => {
            let mut acc = f64::from_bits(c);
            fma_op!("vfmadd231sd", acc, f64::from_bits(a), f64::from_bits(b));
            acc.to_bits()
        }
    };
    (bits, flags_from_mxcsr(m[2]))
}
