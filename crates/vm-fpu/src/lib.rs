//! Exact RISC-V F and D extension semantics computed on the x86-64 host FPU.
//!
//! Every operation takes and returns raw 64-bit FP register contents. Single-precision values
//! live NaN-boxed in the register (upper 32 bits all ones); an input that is not properly boxed
//! reads as the canonical NaN `0x7fc00000`, and single-precision results are returned boxed.
//!
//! Rounding modes are the already-resolved `rm` values 0 = RNE, 1 = RTZ, 2 = RDN, 3 = RUP,
//! 4 = RMM (the caller resolves `dyn` from `frm` and rejects 5–7). Flags use the RISC-V
//! `fflags` bit layout ([`NX`], [`UF`], [`OF`], [`DZ`], [`NV`]).
//!
//! How it is computed:
//! - Arithmetic (`add`, `sub`, `mul`, `div`, `sqrt`, `fma`, `fcvt.s.d`, `fcvt.d.s`) runs on
//!   the SSE unit through inline assembly (private module `x86`): each op loads its own MXCSR
//!   (rounding mode, all exceptions masked, DAZ/FTZ off, flags cleared), executes, reads back
//!   the sticky flags and restores the caller's MXCSR, all inside one `asm!` block.
//! - NaN inputs are handled before the hardware sees them; any NaN result is replaced by the
//!   canonical NaN (RISC-V never propagates payloads).
//! - RMM (ties to max magnitude), which x86 lacks, is computed in RNE and then an exact tie
//!   test with integer arithmetic (private module `exact`) moves exact ties away from zero.
//! - Conversions to/from integers, comparisons, min/max, sign injection and classification
//!   are exact bit manipulation in software.
//! - `fma` uses the host `vfmadd231s{s,d}` when the CPU has FMA (detected once); otherwise,
//!   and for RMM, an exact software fused multiply-add (`exact::fma`) is used, so a host
//!   without FMA3 still gets exact results, just slower.
//!
//! The arithmetic is deliberately not written as Rust `+`/`*` on `f32`/`f64`: the compiler may
//! constant-fold it, move it across MXCSR writes, or (since Rust leaves the bits of NaNs
//! produced by arithmetic unspecified) rewrite NaN checks on its results.

#[cfg(not(target_arch = "x86_64"))]
compile_error!("vm-fpu computes on the x86-64 SSE unit and only builds for target_arch = \"x86_64\"");

mod arith;
mod compare;
mod convert;
pub mod env;
mod exact;
mod x86;

pub use arith::{add, div, fma, mul, sqrt, sub};
pub use compare::{classify, eq, le, lt, max, min, sgnj, sgnjn, sgnjx};
pub use convert::{cvt_d_s, cvt_s_d, from_int, mv_from_int, mv_to_int, to_int};
pub use vm_ir::{Fmt, IntKind};

/// Inexact.
pub const NX: u8 = 1;
/// Underflow.
pub const UF: u8 = 2;
/// Overflow.
pub const OF: u8 = 4;
/// Divide by zero.
pub const DZ: u8 = 8;
/// Invalid operation.
pub const NV: u8 = 16;

/// Canonical single-precision NaN (unboxed).
pub const CANONICAL_NAN_S: u32 = 0x7fc0_0000;
/// Canonical double-precision NaN.
pub const CANONICAL_NAN_D: u64 = 0x7ff8_0000_0000_0000;

/// Result of an FP operation: the raw destination register value and the accrued flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpResult {
    /// Raw 64-bit register content (NaN-boxed for single precision).
    pub value: u64,
    /// RISC-V `fflags` bits raised by the operation.
    pub flags: u8,
}

/// NaN-box a single-precision bit pattern into a 64-bit register value.
pub fn nan_box(bits32: u32) -> u64 {
    0xffff_ffff_0000_0000 | u64::from(bits32)
}

/// Bit layout of one IEEE binary format, working on unboxed values in the low `width` bits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// Total width in bits (32 or 64).
    pub width: u32,
    /// Stored fraction bits (23 or 52).
    pub frac_bits: u32,
    /// Exponent field width (8 or 11).
    pub exp_bits: u32,
}

pub(crate) const SINGLE: Layout = Layout { width: 32, frac_bits: 23, exp_bits: 8 };
pub(crate) const DOUBLE: Layout = Layout { width: 64, frac_bits: 52, exp_bits: 11 };

impl Layout {
    pub fn of(fmt: Fmt) -> Layout {
        match fmt {
            Fmt::S => SINGLE,
            Fmt::D => DOUBLE,
        }
    }
    pub fn sign_bit(self) -> u64 {
        1 << (self.width - 1)
    }
    pub fn frac_mask(self) -> u64 {
        (1 << self.frac_bits) - 1
    }
    pub fn exp_field_max(self) -> u64 {
        (1 << self.exp_bits) - 1
    }
    /// Exponent bias (127 or 1023).
    pub fn bias(self) -> i32 {
        (1 << (self.exp_bits - 1)) - 1
    }
    /// Smallest normal exponent.
    pub fn emin(self) -> i32 {
        1 - self.bias()
    }
    /// Largest finite exponent.
    pub fn emax(self) -> i32 {
        self.bias()
    }
    /// Precision in bits including the implicit bit.
    pub fn precision(self) -> u32 {
        self.frac_bits + 1
    }
    pub fn exp_field(self, x: u64) -> u64 {
        (x >> self.frac_bits) & self.exp_field_max()
    }
    pub fn is_neg(self, x: u64) -> bool {
        x & self.sign_bit() != 0
    }
    pub fn is_nan(self, x: u64) -> bool {
        self.exp_field(x) == self.exp_field_max() && x & self.frac_mask() != 0
    }
    pub fn is_snan(self, x: u64) -> bool {
        self.is_nan(x) && x & (1 << (self.frac_bits - 1)) == 0
    }
    pub fn is_inf(self, x: u64) -> bool {
        self.exp_field(x) == self.exp_field_max() && x & self.frac_mask() == 0
    }
    pub fn is_zero(self, x: u64) -> bool {
        x & !self.sign_bit() == 0
    }
    /// Magnitude bits (sign cleared).
    pub fn abs(self, x: u64) -> u64 {
        x & !self.sign_bit()
    }
    pub fn inf(self, neg: bool) -> u64 {
        (self.exp_field_max() << self.frac_bits) | if neg { self.sign_bit() } else { 0 }
    }
    /// Largest finite magnitude with the given sign.
    pub fn max_finite(self, neg: bool) -> u64 {
        self.inf(neg) - 1
    }
    pub fn canonical_nan(self) -> u64 {
        (self.exp_field_max() << self.frac_bits) | (1 << (self.frac_bits - 1))
    }
}

/// Read an operand register: single precision is unboxed (improper boxing reads as the canonical
/// NaN), double precision is returned as is.
pub(crate) fn unbox(fmt: Fmt, v: u64) -> u64 {
    match fmt {
        Fmt::S if v >> 32 == 0xffff_ffff => v & 0xffff_ffff,
        Fmt::S => u64::from(CANONICAL_NAN_S),
        Fmt::D => v,
    }
}

/// Write a result register: box single precision.
pub(crate) fn rebox(fmt: Fmt, x: u64) -> u64 {
    match fmt {
        Fmt::S => nan_box(x as u32),
        Fmt::D => x,
    }
}

#[cfg(test)]
mod tests;
