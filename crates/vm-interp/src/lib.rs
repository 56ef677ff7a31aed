//! The IR interpreter.
//!
//! [`run_block`] executes one [`vm_ir::IRBlock`] against a [`vm_core::CpuState`] and an
//! [`vm_core::Mmu`], dispatching once per op (most guest instructions are one op). It stops at
//! the terminator or at the first op that raises a guest exception, and says which in an
//! [`Exit`]; what happens next (trap entry, system calls, block lookup) belongs to the caller.
//! CSR accesses go to a [`CsrHandler`] the caller provides.

pub mod csr;
mod exec;
mod fp;

pub use csr::{CsrHandler, UserCsrs};
pub use exec::{run_block, Exception, Exit, Interpreter};
