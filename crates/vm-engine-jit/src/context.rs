//! The data compiled code sees: [`JitContext`] (passed in the first argument register) and the
//! [`RuntimeTable`] of helper functions it calls for everything that is not inline.
//!
//! Translated code never embeds a host address: it reaches guest state through
//! [`JitContext::cpu`] and the runtime only through [`JitContext::rt`], so the same machine code
//! works wherever it is loaded.

use std::ffi::c_void;

use vm_core::CpuState;
use vm_ir::IRBlock;

/// Status returned by a compiled block: it finished, continue at [`JitContext::next_pc`].
pub const STATUS_NEXT: u64 = 0;
/// Status: op [`JitContext::fault_op`] raised the exception in `exc_cause` / `exc_tval`.
pub const STATUS_FAULT: u64 = 1;
/// Status: the block ended in a terminator the machine handles (ecall, trap, ret, …).
pub const STATUS_TERM: u64 = 2;

/// Helper status: the access or op succeeded.
pub const HELPER_OK: u32 = 0;
/// Helper status: it raised an exception, recorded in the context.
pub const HELPER_FAULT: u32 = 1;

/// A load helper: `(ctx, addr, op_index) -> status`; on success the zero-extended value is in
/// [`JitContext::value`].
pub type LoadFn = unsafe extern "C" fn(*mut JitContext, u64, u64) -> u32;
/// A store helper: `(ctx, addr, value, op_index) -> status`.
pub type StoreFn = unsafe extern "C" fn(*mut JitContext, u64, u64, u64) -> u32;
/// A whole-op helper: `(ctx, op_index) -> status`. Runs op `op_index` of the block (FP,
/// atomics, CSR, FP memory) against the in-memory guest state.
pub type OpFn = unsafe extern "C" fn(*mut JitContext, u64) -> u32;

/// The runtime functions compiled code may call, reached through [`JitContext::rt`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RuntimeTable {
    /// 1-byte load.
    pub load8: LoadFn,
    /// 2-byte load.
    pub load16: LoadFn,
    /// 4-byte load.
    pub load32: LoadFn,
    /// 8-byte load.
    pub load64: LoadFn,
    /// 1-byte store.
    pub store8: StoreFn,
    /// 2-byte store.
    pub store16: StoreFn,
    /// 4-byte store.
    pub store32: StoreFn,
    /// 8-byte store.
    pub store64: StoreFn,
    /// Any op not compiled inline (FP, FP memory, LR/SC/AMO, CSR).
    pub exec_op: OpFn,
}

/// Everything one execution of a compiled block needs, laid out for the generated code.
#[repr(C)]
#[derive(Debug)]
pub struct JitContext {
    /// The hart's registers.
    pub cpu: *mut CpuState,
    /// The runtime helpers.
    pub rt: *const RuntimeTable,
    /// The guest memory: points to a `&mut dyn Mmu`.
    pub mmu: *mut c_void,
    /// The CSR handler: points to a `&mut dyn CsrHandler`.
    pub csrs: *mut c_void,
    /// The block being run (its ops, for [`RuntimeTable::exec_op`]).
    pub block: *const IRBlock,
    /// One single-op block per op of `block` (for [`RuntimeTable::exec_op`]).
    pub singles: *const IRBlock,
    /// The next pc after [`STATUS_NEXT`].
    pub next_pc: u64,
    /// The value of the last successful load helper.
    pub value: u64,
    /// The faulting op after [`STATUS_FAULT`].
    pub fault_op: u64,
    /// The exception cause after [`STATUS_FAULT`].
    pub exc_cause: u64,
    /// The exception trap value after [`STATUS_FAULT`].
    pub exc_tval: u64,
}
