//! The `vm` JIT: compiles IR blocks to host code with Cranelift.
//!
//! [`Jit`] is a drop-in for [`vm_interp::Interpreter`]: [`Jit::run`] executes an
//! [`IRBlock`] and returns the same [`Exit`] with the same effects on the hart
//! and on memory (the interpreter is the oracle; `tests/differential.rs` checks them against
//! each other on random blocks). Each block becomes one Cranelift function
//! `extern "C" fn(*mut JitContext) -> u64`; see [`codegen`] for what is inline and what calls
//! the [`RuntimeTable`]. Compiled blocks are cached by start pc and block contents; that lookup
//! compares the whole block, so a caller with its own code cache should keep the
//! [`BlockHandle`] from [`Jit::compile`] and call [`Jit::run_compiled`] (on a 40-op ALU block
//! that is an order of magnitude faster than the interpreter, while `run_with` spends most of
//! its time comparing the block).
//!
//! Not yet: inline memory fast paths (every load/store calls a helper through `dyn Mmu`),
//! inline FP arithmetic (FP ops run the interpreter's code for that one op), block chaining,
//! freeing compiled code (the cache only grows), and the async/optimizing/AOT APIs of the guide.
//! A panic in an MMU or CSR handler called from compiled code aborts the process.
//!
//! ```
//! use vm_engine_jit::Jit;
//! use vm_interp::Exit;
//! use vm_ir::{Dst, IRBlock, IROp, Reg, Terminator};
//!
//! let mut mmu = vm_mem::PhysMem::new(0x1000, 0x1000).unwrap();
//! let mut jit = Jit::new();
//! let block = IRBlock {
//!     start_pc: 0x1000,
//!     ops: vec![
//!         IROp::Li { rd: Dst(10), imm: 40 },
//!         IROp::AddI { rd: Dst(10), rs1: Reg(10), imm: 2 },
//!     ],
//!     term: Terminator::Ret,
//! };
//! let result = jit.run(&mut mmu, &block);
//! assert_eq!(result.unwrap(), Exit::Term(Terminator::Ret));
//! assert_eq!(jit.cpu.x[10], 42);
//! ```

pub mod codegen;
pub mod context;
pub mod helpers;

use std::collections::HashMap;
use std::ffi::c_void;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;
use vm_core::error::VmError;
use vm_core::{CpuState, Mmu};
use vm_interp::{CsrHandler, Exception, Exit, UserCsrs};
use vm_ir::IRBlock;

pub use context::{JitContext, RuntimeTable};

/// Signature of a compiled block.
type BlockFn = unsafe extern "C" fn(*mut JitContext) -> u64;

/// One compiled block and what its helpers need.
struct Compiled {
    /// The block it was compiled from (cache key and source of ops for `exec_op`).
    block: IRBlock,
    /// One single-op block per op (see [`helpers::single_op_blocks`]).
    singles: Vec<IRBlock>,
    /// The machine code.
    code: BlockFn,
}

/// The JIT engine: a hart plus a cache of compiled blocks.
pub struct Jit {
    /// The hart the blocks run on.
    pub cpu: CpuState,
    module: JITModule,
    fctx: FunctionBuilderContext,
    /// Every compiled block; a [`BlockHandle`] indexes it.
    blocks: Vec<Compiled>,
    /// Start pc → indices into `blocks` of the blocks compiled for it.
    cache: HashMap<u64, Vec<usize>>,
}

/// A compiled block of one [`Jit`], from [`Jit::compile`]; run it with [`Jit::run_compiled`]
/// without the cache lookup (which compares the whole block).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockHandle(usize);

impl std::fmt::Debug for Jit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jit").field("cpu", &self.cpu).field("cached_blocks", &self.cached_blocks()).finish()
    }
}

impl Default for Jit {
    fn default() -> Self {
        Self::new()
    }
}

fn jit_error(what: impl std::fmt::Display) -> VmError {
    VmError::Unsupported(format!("JIT: {what}"))
}

impl Jit {
    /// A JIT for the host CPU with a zeroed hart.
    ///
    /// # Panics
    /// If Cranelift does not support the host architecture.
    pub fn new() -> Self {
        Self::try_new().expect("Cranelift supports the host")
    }

    /// A JIT for the host CPU, or why the host is unsupported.
    pub fn try_new() -> Result<Self, VmError> {
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").map_err(jit_error)?;
        // No `is_pic` (cranelift-jit refuses it): the generated code references no symbols at
        // all — helpers are reached through the context's runtime table — so it is position
        // independent anyway.
        let isa = cranelift_native::builder()
            .map_err(jit_error)?
            .finish(settings::Flags::new(flags))
            .map_err(jit_error)?;
        let module = JITModule::new(JITBuilder::with_isa(isa, cranelift_module::default_libcall_names()));
        Ok(Jit {
            cpu: CpuState::default(),
            module,
            fctx: FunctionBuilderContext::new(),
            blocks: Vec::new(),
            cache: HashMap::new(),
        })
    }

    /// How many distinct blocks have been compiled.
    pub fn cached_blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Run `block` on [`Jit::cpu`] with only user-level CSRs; on [`Exit::Next`] `cpu.pc` moves
    /// to the next pc (as [`vm_interp::Interpreter::run`]). An invalid block
    /// ([`vm_ir::verify()`] fails) is an error and runs nothing.
    pub fn run(&mut self, mmu: &mut dyn Mmu, block: &IRBlock) -> Result<Exit, VmError> {
        let mut cpu = std::mem::take(&mut self.cpu);
        let exit = self.run_with(&mut cpu, mmu, &mut UserCsrs, block);
        self.cpu = cpu;
        let exit = exit?;
        if let Exit::Next(pc) = exit {
            self.cpu.pc = pc;
        }
        Ok(exit)
    }

    /// Same as [`Jit::run`].
    pub fn try_run(&mut self, mmu: &mut dyn Mmu, block: &IRBlock) -> Result<Exit, VmError> {
        self.run(mmu, block)
    }

    /// Run `block` against `cpu`, `mmu` and `csrs` exactly as [`vm_interp::run_block`] would
    /// (`cpu.pc` is not touched), compiling it first unless it is cached.
    pub fn run_with(
        &mut self,
        cpu: &mut CpuState,
        mmu: &mut dyn Mmu,
        csrs: &mut dyn CsrHandler,
        block: &IRBlock,
    ) -> Result<Exit, VmError> {
        let handle = self.compile(block)?;
        Ok(self.run_compiled(handle, cpu, mmu, csrs))
    }

    /// The compiled code for `block`: from the cache (same start pc and contents), or compiled
    /// now after [`vm_ir::verify()`] accepts it.
    pub fn compile(&mut self, block: &IRBlock) -> Result<BlockHandle, VmError> {
        if let Some(list) = self.cache.get(&block.start_pc) {
            if let Some(&i) = list.iter().find(|&&i| self.blocks[i].block == *block) {
                return Ok(BlockHandle(i));
            }
        }
        vm_ir::verify(block)?;
        let compiled = self.compile_new(block)?;
        self.blocks.push(compiled);
        let i = self.blocks.len() - 1;
        self.cache.entry(block.start_pc).or_default().push(i);
        Ok(BlockHandle(i))
    }

    /// Run a block compiled by this JIT, as [`Jit::run_with`].
    ///
    /// # Panics
    /// If `handle` came from another [`Jit`] with more blocks.
    pub fn run_compiled(
        &self,
        handle: BlockHandle,
        cpu: &mut CpuState,
        mmu: &mut dyn Mmu,
        csrs: &mut dyn CsrHandler,
    ) -> Exit {
        let compiled = &self.blocks[handle.0];
        let mut mmu_ref: &mut dyn Mmu = mmu;
        let mut csrs_ref: &mut dyn CsrHandler = csrs;
        let mut ctx = JitContext {
            cpu,
            rt: &helpers::RUNTIME,
            mmu: &mut mmu_ref as *mut &mut dyn Mmu as *mut c_void,
            csrs: &mut csrs_ref as *mut &mut dyn CsrHandler as *mut c_void,
            block: &compiled.block,
            singles: compiled.singles.as_ptr(),
            next_pc: 0,
            value: 0,
            fault_op: 0,
            exc_cause: 0,
            exc_tval: 0,
        };
        // SAFETY: `code` was compiled by `codegen::translate` for `compiled.block` with the
        // `BlockFn` signature and stays mapped while `self.module` lives. Every pointer in `ctx`
        // comes from a borrow that outlives this call, and nothing else touches them meanwhile.
        let status = unsafe { (compiled.code)(&mut ctx) };
        match status {
            context::STATUS_NEXT => Exit::Next(ctx.next_pc),
            context::STATUS_FAULT => Exit::Fault {
                op_index: ctx.fault_op as usize,
                exc: Exception { cause: ctx.exc_cause, tval: ctx.exc_tval },
            },
            _ => Exit::Term(compiled.block.term.clone()),
        }
    }

    /// Compile a verified block.
    fn compile_new(&mut self, block: &IRBlock) -> Result<Compiled, VmError> {
        let mut ctx = self.module.make_context();
        let frontend = self.module.target_config();
        codegen::translate(&mut ctx.func, &mut self.fctx, frontend, block);
        let id = self.module.declare_anonymous_function(&ctx.func.signature).map_err(jit_error)?;
        self.module
            .define_function(id, &mut ctx)
            .map_err(|e| jit_error(format!("block {:#x}: {e:?}", block.start_pc)))?;
        self.module.clear_context(&mut ctx);
        self.module.finalize_definitions().map_err(jit_error)?;
        let ptr = self.module.get_finalized_function(id);
        // SAFETY: the function was built by `codegen::translate` with exactly the `BlockFn`
        // signature (one pointer argument, one i64 result, the host's default C convention).
        let code = unsafe { std::mem::transmute::<*const u8, BlockFn>(ptr) };
        Ok(Compiled { block: block.clone(), singles: helpers::single_op_blocks(block), code })
    }
}
