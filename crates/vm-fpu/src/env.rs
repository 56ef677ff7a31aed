//! The host FP environment that JIT-compiled guest code runs under.
//!
//! Compiled code does RNE arithmetic directly on the SSE unit and lets the hardware's sticky
//! MXCSR flags accrue the guest's exception flags: [`enter`] loads a clean control word before
//! compiled code runs, [`take`] (before a CSR access that compiled code leaves to the runtime)
//! and [`leave`] (when compiled code returns) fold the accrued flags into RISC-V `fflags` bits;
//! compiled code reads MXCSR itself for `fflags`/`fcsr` accesses. x86 and RISC-V
//! agree on when each flag is raised for RNE `add`/`sub`/`mul`/`div`/`sqrt`/fused
//! multiply-add/format conversion (tininess after rounding, underflow only when also inexact),
//! so no flag is computed in software on that path; the JIT sends the cases where they differ
//! (NaN inputs to comparisons and fused multiply-adds, out-of-range conversions) to the exact
//! `vm-fpu` functions instead.
//!
//! Rust code that runs between [`enter`] and [`leave`] on the same thread (the runtime's
//! helpers) must not do FP arithmetic outside this crate, whose operations save and restore the
//! caller's MXCSR: its flags would be taken for the guest's.

use crate::x86::flags_from_mxcsr;

/// The guest environment's MXCSR: RNE, all exceptions masked, DAZ and FTZ off, flags clear.
pub const GUEST_MXCSR: u32 = 0x1f80;

fn read() -> u32 {
    let mut m = 0u32;
    // SAFETY: `stmxcsr` writes 4 bytes to the given address, a valid, aligned local.
    unsafe {
        core::arch::asm!("stmxcsr dword ptr [{p}]", p = in(reg) &mut m, options(nostack, preserves_flags));
    }
    m
}

fn write(m: u32) {
    // SAFETY: `ldmxcsr` reads 4 bytes from a valid local. Every value passed here is either
    // `GUEST_MXCSR` or one read back from the register, so no reserved bit is set (which would
    // fault).
    unsafe {
        core::arch::asm!("ldmxcsr dword ptr [{p}]", p = in(reg) &m, options(nostack, preserves_flags));
    }
}

/// Switch to the guest environment; returns the caller's MXCSR for [`leave`].
pub fn enter() -> u32 {
    let saved = read();
    // `ldmxcsr` is slow, and every return of compiled code to the runtime comes through here
    // and `leave`: skip it when nothing would change.
    if saved != GUEST_MXCSR {
        write(GUEST_MXCSR);
    }
    saved
}

/// The `fflags` bits accrued since [`enter`] or the last `take`, which clears them.
pub fn take() -> u8 {
    let m = read();
    if m & 0x3d == 0 {
        return 0;
    }
    write(GUEST_MXCSR);
    flags_from_mxcsr(m)
}

/// Restore the caller's MXCSR `saved` (from [`enter`]); returns the `fflags` bits accrued
/// since the last [`take`].
pub fn leave(saved: u32) -> u8 {
    let m = read();
    if m != saved {
        write(saved);
    }
    flags_from_mxcsr(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NV, NX};

    /// Host arithmetic the optimizer cannot see through.
    fn host_div(a: f64, b: f64) -> f64 {
        std::hint::black_box(a) / std::hint::black_box(b)
    }

    #[test]
    fn flags_accrue_between_enter_and_leave() {
        let saved = enter();
        assert_eq!(take(), 0);
        std::hint::black_box(host_div(1.0, 3.0));
        assert_eq!(take(), NX, "1/3 is inexact");
        assert_eq!(take(), 0, "take clears");
        std::hint::black_box(host_div(0.0, 0.0));
        assert_eq!(leave(saved), NV, "0/0 is invalid");
        assert_eq!(read(), saved, "the caller's MXCSR is back");
    }
}
