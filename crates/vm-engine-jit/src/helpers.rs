//! The runtime functions behind [`RuntimeTable`]: memory accesses through the `dyn Mmu` and
//! whole ops (FP, atomics, CSRs) run with the interpreter's semantics.
//!
//! They are `extern "C"` and called only by compiled code with a [`JitContext`] that
//! [`crate::Jit::run_with`] set up; a panic inside the MMU or CSR handler aborts the process
//! (it cannot unwind through generated code).

use vm_core::{CpuState, MemFault, Mmu};
use vm_interp::{CsrHandler, Exception, Exit};
use vm_ir::{CsrOp, IRBlock, IROp};

use crate::context::{JitContext, RuntimeTable, HELPER_FAULT, HELPER_OK};

/// The table every context points at.
pub static RUNTIME: RuntimeTable =
    RuntimeTable { load8, load16, load32, load64, store8, store16, store32, store64, exec_op };

/// Record `exc` raised by op `index` and return [`HELPER_FAULT`].
fn fault(ctx: &mut JitContext, index: u64, exc: Exception) -> u32 {
    ctx.fault_op = index;
    ctx.exc_cause = exc.cause;
    ctx.exc_tval = exc.tval;
    HELPER_FAULT
}

/// The context's MMU.
///
/// # Safety
/// `ctx.mmu` must point to a live `&mut dyn Mmu` not otherwise borrowed.
unsafe fn mmu<'a>(ctx: &JitContext) -> &'a mut dyn Mmu {
    // SAFETY: guaranteed by the caller (set up by `Jit::run_with` for this call only).
    unsafe { &mut **(ctx.mmu as *mut &mut dyn Mmu) }
}

macro_rules! load_helper {
    ($name:ident, $method:ident) => {
        /// Load helper: see [`crate::context::LoadFn`].
        ///
        /// # Safety
        /// `ctx` must be a context set up by `Jit::run_with` for the running block.
        pub unsafe extern "C" fn $name(ctx: *mut JitContext, addr: u64, index: u64) -> u32 {
            // SAFETY: compiled code passes the context it was given, which is live and unaliased.
            let ctx = unsafe { &mut *ctx };
            // SAFETY: the context's MMU pointer is valid for the whole block execution.
            let r: Result<u64, MemFault> = unsafe { mmu(ctx) }.$method(addr);
            match r {
                Ok(v) => {
                    ctx.value = v;
                    HELPER_OK
                }
                Err(f) => fault(ctx, index, f.into()),
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
        pub unsafe extern "C" fn $name(ctx: *mut JitContext, addr: u64, val: u64, index: u64) -> u32 {
            // SAFETY: compiled code passes the context it was given, which is live and unaliased.
            let ctx = unsafe { &mut *ctx };
            // SAFETY: the context's MMU pointer is valid for the whole block execution.
            match unsafe { mmu(ctx) }.$method(addr, val) {
                Ok(()) => HELPER_OK,
                Err(f) => fault(ctx, index, f.into()),
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
/// `ctx` must be a context set up by `Jit::run_with` for the running block, with every integer
/// register the op reads written back to `cpu`.
pub unsafe extern "C" fn exec_op(ctx: *mut JitContext, index: u64) -> u32 {
    // SAFETY: compiled code passes the context it was given, which is live and unaliased.
    let ctx = unsafe { &mut *ctx };
    let i = index as usize;
    // SAFETY: `block`, `singles`, `cpu` and `csrs` were set by `run_with` from live borrows
    // that outlive this call; `singles` has one entry per op and codegen only passes indices of
    // ops in the block.
    let (block, single, cpu, csrs) = unsafe {
        (&*ctx.block, &*ctx.singles.add(i), &mut *ctx.cpu, &mut **(ctx.csrs as *mut &mut dyn CsrHandler))
    };
    let op = &block.ops[i];
    let result = if matches!(op, IROp::Csr { .. } | IROp::CsrI { .. }) {
        csr_op(cpu, csrs, i, op)
    } else {
        // SAFETY: as for the load helpers.
        let mmu = unsafe { mmu(ctx) };
        match vm_interp::run_block(cpu, mmu, csrs, single) {
            Exit::Fault { exc, .. } => Err(exc),
            _ => Ok(()),
        }
    };
    match result {
        Ok(()) => HELPER_OK,
        Err(exc) => fault(ctx, index, exc),
    }
}

/// One block per op, each holding just that op, for [`exec_op`].
pub fn single_op_blocks(block: &IRBlock) -> Vec<IRBlock> {
    block
        .ops
        .iter()
        .map(|op| IRBlock { start_pc: block.start_pc, ops: vec![op.clone()], term: vm_ir::Terminator::Ret })
        .collect()
}
