//! The RISC-V guest register state every engine executes against.

/// Number of IR temporaries that live after the 32 guest integer registers.
pub const NUM_TEMPS: usize = 32;
/// Number of valid integer value slots: x0–x31 then the IR temporaries.
pub const NUM_INT_SLOTS: usize = 32 + NUM_TEMPS;
/// Length of the integer value file. Slot numbers are `u8`, so a 256-entry file lets engines
/// index it without bounds checks; slots past [`NUM_INT_SLOTS`] are never used (the IR
/// verifier rejects them).
pub const INT_FILE_LEN: usize = 256;

/// Floating-point exception flags as in `fflags`.
pub mod fflags {
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
}

/// Architectural state of one RV64GC hart that the IR can touch directly.
///
/// `x[0..32]` are the guest registers (x0 is always zero: the IR never writes it),
/// `x[32..64]` are IR temporaries. `f` holds the raw 64-bit floating-point registers
/// (single-precision values NaN-boxed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuState {
    /// Integer registers and IR temporaries.
    pub x: [u64; INT_FILE_LEN],
    /// Floating-point registers.
    pub f: [u64; 32],
    /// Program counter.
    pub pc: u64,
    /// Dynamic rounding mode (`frm`, 3 bits).
    pub frm: u8,
    /// Accrued exception flags (`fflags`, 5 bits).
    pub fflags: u8,
    /// LR reservation: the reserved address, if any.
    pub reservation: Option<u64>,
    /// Instructions retired.
    pub instret: u64,
    /// FP unit state as in `mstatus.FS`: 0 off (FP instructions are illegal), 1 initial,
    /// 2 clean, 3 dirty (set by any FP state change).
    pub fs: u8,
    /// Room for an engine's per-entry context (the JIT's `JitContext`), so compiled code
    /// reaches these registers at a fixed offset from its context pointer instead of holding
    /// a second pointer in a host register. Not architectural state: equality ignores it and
    /// a clone starts empty.
    pub engine: EngineScratch,
}

/// Words of [`EngineScratch`].
pub const ENGINE_SCRATCH_WORDS: usize = 32;

/// See [`CpuState::engine`].
#[repr(C, align(64))]
pub struct EngineScratch(pub [u64; ENGINE_SCRATCH_WORDS]);

impl Default for EngineScratch {
    fn default() -> Self {
        EngineScratch([0; ENGINE_SCRATCH_WORDS])
    }
}

impl Clone for EngineScratch {
    fn clone(&self) -> Self {
        EngineScratch::default()
    }
}

impl PartialEq for EngineScratch {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for EngineScratch {}

impl std::fmt::Debug for EngineScratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineScratch")
    }
}

impl Default for CpuState {
    fn default() -> Self {
        CpuState {
            x: [0; INT_FILE_LEN],
            f: [0; 32],
            pc: 0,
            frm: 0,
            fflags: 0,
            reservation: None,
            instret: 0,
            fs: 1,
            engine: EngineScratch::default(),
        }
    }
}

impl CpuState {
    /// A fresh hart starting at `pc`.
    pub fn new(pc: u64) -> Self {
        CpuState { pc, ..Default::default() }
    }

    /// The `fcsr` register: `frm` in bits 7:5, `fflags` in bits 4:0.
    pub fn fcsr(&self) -> u64 {
        ((self.frm as u64) << 5) | self.fflags as u64
    }

    /// Write `fcsr`.
    pub fn set_fcsr(&mut self, v: u64) {
        self.frm = ((v >> 5) & 7) as u8;
        self.fflags = (v & 0x1f) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcsr_packs_frm_and_fflags() {
        let mut c = CpuState::new(0x8000_0000);
        c.set_fcsr(0xff);
        assert_eq!((c.frm, c.fflags), (7, 0x1f));
        assert_eq!(c.fcsr(), 0xff);
    }
}
