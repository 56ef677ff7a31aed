//! Signals: dispositions, mask, pending signals, delivery with a riscv64 signal frame.
//!
//! INTERFACE STUB (branch linux-base).

/// Per-process signal state.
#[derive(Clone, Debug, Default)]
pub struct SignalState {}
