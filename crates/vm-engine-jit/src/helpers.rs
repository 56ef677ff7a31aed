//! The runtime functions behind [`RuntimeTable`]: memory accesses through the `dyn Mmu` and
//! whole ops (FP, atomics, CSRs) run with the interpreter's semantics.
//!
//! They are `extern "C"` and called only by compiled code with a [`JitContext`] that
//! [`crate::Jit::run_with`] set up; a panic inside the MMU or CSR handler aborts the process
//! (it cannot unwind through generated code).

use std::sync::atomic::{AtomicU64, Ordering};

use vm_core::{CpuState, MemFault, Mmu};
use vm_interp::{CsrHandler, Exception, Exit};
use vm_ir::{CsrOp, IRBlock, IROp};

use crate::context::{JitContext, RuntimeTable, HELPER_FAULT, HELPER_OK};

/// The table every context points at.
pub static RUNTIME: RuntimeTable =
    RuntimeTable { load8, load16, load32, load64, store8, store16, store32, store64, exec_op };

/// Record `exc` and return [`HELPER_FAULT`] (the compiled code records which op it was).
fn fault(ctx: &mut JitContext, exc: Exception) -> u32 {
    ctx.exc_cause = exc.cause;
    ctx.exc_tval = exc.tval;
    HELPER_FAULT
}

/// The context's MMU.
///
/// # Safety
/// `ctx` must be live, and its `mmu` point to a live `&mut dyn Mmu` not otherwise borrowed.
unsafe fn mmu<'a>(ctx: *const JitContext) -> &'a mut dyn Mmu {
    // SAFETY: guaranteed by the caller (set up by `Jit::run_with` for this call only).
    unsafe { &mut **((*ctx).mmu as *mut &mut dyn Mmu) }
}

/// Copy the machine's stop word into the context when it is lower: a helper may have done
/// something that wants control back (a store to a device's watch window), and compiled code
/// compares with the context's copy only. If it went down and `empty_fuel` (a helper whose
/// caller loads [`JitContext::fuel_left`] back: stores and whole ops), the fuel is emptied, so
/// that code counting fuel stops at its next budget test too: `fuel_base` moves down by the
/// fuel left, which keeps `instret` (`fuel_base - fuel`) exact. Code that counts no fuel never
/// reads either field.
fn refresh_stop(ctx: &mut JitContext, empty_fuel: bool) {
    // SAFETY: `stop_src` is the machine's stop word, valid while compiled code runs (see
    // `EnterEnv::stop`); it is read as an atomic because a signal handler may store to it.
    let src = unsafe { &*(ctx.stop_src as *const AtomicU64) }.load(Ordering::Acquire);
    // Plain loads in the usual case (nothing changed): fpkernel calls a helper per FP op, and
    // `fetch_min` is a locked read-modify-write.
    if src < ctx.stop.load(Ordering::Relaxed) {
        ctx.stop.fetch_min(src, Ordering::AcqRel);
        if empty_fuel {
            ctx.fuel_base = ctx.fuel_base.wrapping_sub(ctx.fuel_left);
            ctx.fuel_left = 0;
        }
    }
}

macro_rules! load_helper {
    ($name:ident, $method:ident) => {
        /// Load helper: see [`crate::context::LoadFn`].
        ///
        /// # Safety
        /// `ctx` must be a context set up by `Jit::run_with` for the running block.
        pub unsafe extern "C" fn $name(ctx: *mut JitContext, addr: u64) -> u32 {
            // SAFETY: compiled code passes the context it was given, which is live and unaliased.
            let ctx = unsafe { &mut *ctx };
            // SAFETY: the context's MMU pointer is valid for the whole block execution.
            let r: Result<u64, MemFault> = unsafe { mmu(ctx) }.$method(addr);
            // The fuel stays: a load does not lower the stop word (a store to a watch window
            // does), and one lowered elsewhere is read when the fuel runs out.
            refresh_stop(ctx, false);
            match r {
                Ok(v) => {
                    ctx.value = v;
                    HELPER_OK
                }
                Err(f) => fault(ctx, f.into()),
            }
        }
    };
}

macro_rules! store_helper {
    ($name:ident, $method:ident) => {
        /// Store helper: see [`crate::context::StoreFn`].
        ///
        /// # Safety
        /// `ctx` must be a context set up by `Jit::run_with` for the running block.
        pub unsafe extern "C" fn $name(ctx: *mut JitContext, addr: u64, val: u64) -> u32 {
            // SAFETY: compiled code passes the context it was given, which is live and unaliased.
            let ctx = unsafe { &mut *ctx };
            // SAFETY: the context's MMU pointer is valid for the whole block execution.
            let r = unsafe { mmu(ctx) }.$method(addr, val);
            refresh_stop(ctx, true);
            match r {
                Ok(()) => HELPER_OK,
                Err(f) => fault(ctx, f.into()),
            }
        }
    };
}

load_helper!(load8, load8);
load_helper!(load16, load16);
load_helper!(load32, load32);
load_helper!(load64, load64);
store_helper!(store8, store8);
store_helper!(store16, store16);
store_helper!(store32, store32);
store_helper!(store64, store64);

/// Run a CSR op exactly as the interpreter does, passing the real op index to the handler.
fn csr_op(cpu: &mut CpuState, csrs: &mut dyn CsrHandler, index: usize, op: &IROp) -> Result<(), Exception> {
    let (kind, rd, csr, src, write) = match op {
        IROp::Csr { op, rd, csr, src } => {
            (*op, *rd, *csr, cpu.x[src.0 as usize], *op == CsrOp::Rw || src.0 != 0)
        }
        IROp::CsrI { op, rd, csr, uimm } => (*op, *rd, *csr, *uimm as u64, *op == CsrOp::Rw || *uimm != 0),
        _ => unreachable!("csr_op called with {op}"),
    };
    let read = kind != CsrOp::Rw || rd.0 != 0;
    let old = csrs.csr(cpu, index, csr.0, kind, src, read, write)?;
    if rd.0 != 0 {
        cpu.x[rd.0 as usize] = old;
    }
    Ok(())
}

/// Whole-op helper: see [`crate::context::OpFn`].
///
/// # Safety
/// `ctx` must be a context set up by the JIT for the running code, with every integer register
/// the op reads written back to `cpu`, and `op_id` an index into its op table.
pub unsafe extern "C" fn exec_op(ctx: *mut JitContext, op_id: u64, csr_index: u64) -> u32 {
    // The context lives inside the hart (`CpuState::engine`), so no `&mut JitContext` may be
    // alive while the op has the hart: read what it needs through the raw pointer first.
    // SAFETY: compiled code passes the context it was given, which is live; `ops`, `cpu`,
    // `csrs` and `mmu` were set by the JIT from live borrows that outlive this call, and codegen
    // only passes ids of entries of the op table `ops` points at.
    let (single, cpu, csrs, mmu) = unsafe {
        (
            &*((*ctx).ops as *const IRBlock).add(op_id as usize),
            &mut *(*ctx).cpu,
            &mut **((*ctx).csrs as *mut &mut dyn CsrHandler),
            mmu(ctx),
        )
    };
    let op = &single.ops[0];
    let result = if matches!(op, IROp::Csr { .. } | IROp::CsrI { .. }) {
        // The flags inline FP arithmetic accrued so far belong before the access (which may
        // read or clear `fflags`).
        cpu.fflags |= vm_fpu::env::take();
        csr_op(cpu, csrs, csr_index as usize, op)
    } else {
        match vm_interp::run_block(cpu, mmu, csrs, single) {
            Exit::Fault { exc, .. } => Err(exc),
            _ => Ok(()),
        }
    };
    // SAFETY: the op is done with the hart; the context is live and borrowed by nothing else.
    let ctx = unsafe { &mut *ctx };
    refresh_stop(ctx, true);
    match result {
        Ok(()) => HELPER_OK,
        Err(exc) => fault(ctx, exc),
    }
}

/// A block holding just `op`, as [`exec_op`] runs it.
pub fn single_op_block(start_pc: u64, op: &IROp) -> IRBlock {
    IRBlock { start_pc, ops: vec![op.clone()], term: vm_ir::Terminator::Ret }
}
