//! Signals: dispositions, mask, pending signals, delivery with a riscv64 signal frame.
//!
//! INTERFACE STUB (branch linux-base).

/// Per-process signal state.
#[derive(Clone, Debug, Default)]
pub struct SignalState {}

/// TEMPORARY shim (branch syscalls) until the signals branch provides the real one: the
/// signal layer's system calls. Returns `None` for every call so dispatch serves it.
pub fn syscall(
    _p: &mut crate::process::Process,
    _nr: u64,
    _a: &[u64; 6],
) -> Option<crate::process::SyscallAction> {
    None
}
