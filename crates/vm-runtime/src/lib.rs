//! The `vm` runtime: turns a [`vm_core::VmConfig`] and a guest image into a running machine.
//!
//! Data flow per step: look the pc up in the [`cache::BlockCache`] (decode + lift on a miss),
//! execute the IR block on the engine, then act on how it ended — next pc, exception (trap
//! entry through the machine-mode CSRs), `mret`, `fence.i` (drop translations) — and poll the
//! HTIF mailbox when the guest stored to it.

pub mod baremetal;
pub mod cache;
mod compiler;
pub mod crash;
mod debug;
pub mod difftest;
pub mod dump;
mod engine;
pub mod gdb;
pub mod profile;
pub mod tier;
pub mod trace;
pub mod user;

pub use baremetal::{BareMetal, RunOutcome};
pub use user::{ProcessExit, UserMode};
