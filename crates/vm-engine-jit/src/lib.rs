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
//! The runtime (vm-runtime) uses the region API instead: [`Jit::compile_region`] compiles
//! several blocks linked by direct branches into one translation with the guest registers in
//! host registers, inline guest loads and stores ([`vm_core::FastMem`]), chaining between
//! translations and an indirect-jump lookup table (see [`codegen`]); [`Jit::enter`] runs
//! translations until one needs the runtime; [`Jit::link`], [`Jit::invalidate`] and
//! [`Jit::flush`] manage the code cache; [`Jit::region_code`] shows a translation's host code
//! (for `vm -d out_asm`). A translation can also be made in steps ([`Jit::translate_region`],
//! [`RegionJob::compile`], [`Jit::install`]) so that the expensive middle one runs on another
//! thread (the runtime's background compiler; see the `compile` module).
//!
//! FP arithmetic (RNE) runs inline on the SSE unit, with the guest's `fflags` accrued in MXCSR
//! (`vm_fpu::env`; see `codegen::fp`); other rounding modes run the interpreter's code for
//! that one op.
//!
//! Not yet: freeing
//! single translations (their code stays until [`Jit::flush`]), and the async/optimizing/AOT
//! APIs of the guide. A panic in an MMU or CSR handler called from compiled code aborts the
//! process.
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
mod compile;
pub mod context;
mod fault;
pub mod helpers;
mod perfmap;
mod stubs;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;
use vm_core::error::VmError;
use vm_core::{CpuState, FastMem, Mmu};
use vm_interp::{CsrHandler, Exception, Exit, UserCsrs};
use vm_ir::{IRBlock, IROp};

pub use codegen::{dispatch_table_fits, LoadRetry, RegionBlock, RegionOpts};
pub use compile::{Installed, RegionJob};
pub use context::{JitContext, LookupEntry, RuntimeTable};
use context::{LOOKUP_ENTRIES, NO_SLOT, STATUS_FAULT, STATUS_FAULT_FUEL, STATUS_NEXT, STATUS_SIDE};
use stubs::Stubs;

/// A translation made by [`Jit::compile_region`] (or for one block by [`Jit::compile`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegionId(u32);

impl RegionId {
    /// The translation's number: translations are numbered from 0 in the order they were
    /// made since the last [`Jit::flush`] (what `-d out_asm` and `-d exec` call them).
    pub fn index(self) -> u32 {
        self.0
    }
}

/// A compiled block of the single-block API, from [`Jit::compile`]; run it with
/// [`Jit::run_compiled`] without the cache lookup (which compares the whole block).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockHandle(usize);

/// Why compiled code gave control back (from [`Jit::enter`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionExit {
    /// Continue at `pc`. `slot`: the chain slot the exit went through, which
    /// [`Jit::link`] can point at `pc`'s translation.
    Next {
        /// Guest pc to continue at.
        pc: u64,
        /// Chain slot of the exit, if any.
        slot: Option<u64>,
    },
    /// Op `op_index` of the block starting at `block_pc` raised `exc`; earlier ops of that block
    /// ran, the hart's `instret` counts up to the block's start.
    Fault {
        /// Start pc of the faulting block.
        block_pc: u64,
        /// Index of the faulting op in that block.
        op_index: usize,
        /// The exception.
        exc: Exception,
    },
    /// The block starting at `block_pc` ran its ops and ended in a terminator the runtime
    /// handles (ecall, trap, …); `instret` counts up to the block's start.
    Term {
        /// Start pc of the block.
        block_pc: u64,
    },
    /// A side exit: the translation left before the instruction at `pc` (in the middle of a
    /// block), whose memory access missed the fast path — in user mode a fault, a misaligned
    /// access, or a store to a page holding translated code. Registers and `instret` are exact
    /// up to it; the caller runs it on the interpreter (compiled code starting there would miss
    /// again). Only regions that count fuel over a guarded address space make them.
    Side {
        /// Guest pc of the instruction.
        pc: u64,
    },
}

/// What one [`Jit::enter`] needs besides the hart and memory.
#[derive(Clone, Copy, Debug)]
pub struct EnterEnv {
    /// The machine's stop word: compiled code returns before a loop iteration or chained exit
    /// once `cpu.instret` reaches the value it holds. Its value at entry becomes
    /// [`JitContext::stop`]; a change made while the code runs is seen when a helper returns
    /// (a device watch hit stores 0 from a store helper). A host signal handler reaches the
    /// context's copy directly, through [`vm_core::stop::request_stop`].
    pub stop: *const u64,
}

/// Counters of what compiled code did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitCounters {
    /// Exits that jumped straight to another translation through a linked chain slot.
    pub chained: u64,
    /// Indirect jumps resolved by the lookup table inside compiled code.
    pub lookup_hits: u64,
    /// Indirect jumps that missed it and returned to the runtime.
    pub lookup_misses: u64,
    /// Probe-less guest loads whose host fault resumed at their slow path.
    pub load_faults: u64,
    /// Forward branches over a few ALU instructions that translations compute with selects
    /// instead (no host branch to mispredict), counted as they are compiled.
    pub if_converted: u64,
    /// Counted loops compiled with an unchecked copy (the `counted` codegen module).
    pub counted_loops: u64,
    /// Counted loops with vector passes (the `lanes` codegen module) and loop nests run four
    /// outer passes at a time (`nest`).
    pub vector_loops: u64,
    /// Translations made again because some of their probe-less loads were laid out so that
    /// a host fault could not be sent to their slow path (see [`Installed::Again`]).
    pub retranslations: u64,
}

/// One translation.
struct Region {
    code: *const u8,
    entry_pc: u64,
    /// Host code bytes.
    size: usize,
    alive: bool,
    /// It is the lookup table's entry for its pc (see [`RegionOpts::chain`] and
    /// [`RegionOpts::baseline`]).
    lookup: bool,
    /// Chain slots (of any translation) linked to this one.
    incoming: Vec<u64>,
}

/// One block compiled through the single-block API.
struct Single {
    block: IRBlock,
    region: RegionId,
}

/// The JIT engine: a hart plus a code cache.
pub struct Jit {
    /// The hart the single-block API runs on.
    pub cpu: CpuState,
    module: Option<JITModule>,
    /// The host without Cranelift's optimizer, for translations without
    /// [`RegionOpts::optimize`].
    quick_isa: &'static dyn TargetIsa,
    fctx: FunctionBuilderContext,
    /// The trampoline and the helper wrappers (shared by every `Jit`).
    stubs: &'static Stubs,
    /// Single-op blocks for the whole-op helper, by op id.
    ops: Vec<IRBlock>,
    /// Fault sites of compiled code, by id: the start pc of the block and the index of the op
    /// (a helper call, or a test such as the FP unit's) that may leave with a fault.
    sites: Vec<(u64, u32)>,
    /// Chain slots: host code address or 0.
    chain: Vec<u64>,
    /// The translation each linked slot points at.
    slot_target: Vec<Option<RegionId>>,
    lookup: Box<[LookupEntry]>,
    regions: Vec<Region>,
    code_bytes: usize,
    counters: JitCounters,
    singles: Vec<Single>,
    single_cache: HashMap<u64, Vec<usize>>,
    /// Probe-less guest loads of every translation: host pc → host pc of the load's slow
    /// path, where a host fault of the load resumes (the `fault` module).
    load_sites: BTreeMap<usize, usize>,
    /// Times [`Jit::flush`] ran: a [`RegionJob`] translated before the last one is refused.
    flushes: u64,
    /// Guest pcs whose memory accesses run their slow path in place ([`Jit::access_in_place`]).
    in_place: HashSet<u64>,
}

impl std::fmt::Debug for Jit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jit")
            .field("cpu", &self.cpu)
            .field("translations", &self.regions.len())
            .field("code_bytes", &self.code_bytes)
            .finish()
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: no compiled code can be running (we are being dropped, and `enter` only
            // returns after the code does), and nothing outside this value refers to it.
            unsafe { module.free_memory() };
        }
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

/// The host ISAs, built once: with Cranelift's optimizer (regions with loops), without it but
/// with the backtracking register allocator (loop-free regions: `lean`), and without either
/// (baselines).
struct Isas {
    speed: OwnedTargetIsa,
    lean: OwnedTargetIsa,
    quick: OwnedTargetIsa,
}

/// The process's [`Stubs`] and [`Isas`], made at the first call; an unsupported host is an
/// error every time.
fn shared() -> Result<&'static (Stubs, Isas), VmError> {
    static SHARED: OnceLock<Result<(Stubs, Isas), String>> = OnceLock::new();
    let made = SHARED.get_or_init(|| {
        let make = || -> Result<_, VmError> {
            let isas = Isas {
                speed: host_isa(Level::Speed)?,
                lean: host_isa(Level::Lean)?,
                quick: host_isa(Level::Quick)?,
            };
            Ok((stubs::compile(&isas.speed).map_err(jit_error)?, isas))
        };
        // Kept as the message: `VmError` is not `Clone`.
        make().map_err(|e| match e {
            VmError::Unsupported(m) => m,
            other => other.to_string(),
        })
    });
    made.as_ref().map_err(|m| VmError::Unsupported(m.clone()))
}

/// How much Cranelift does for a translation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    /// Optimizer (`opt_level = speed`) and backtracking register allocator: regions with
    /// loops, where hoisting and value numbering pay back every iteration.
    Speed,
    /// No optimizer: regions without loops, whose code runs once per entry, so the optimizer
    /// (about a third of compile time) gains little there; large programs have hundreds of
    /// them (sqlite, Lua, bc: about 5 % faster runs, as hot code gets compiled sooner).
    Lean,
    /// No optimizer and the single-pass register allocator: baselines, code that mostly runs a
    /// few times, where compile time is all that counts.
    Quick,
}

/// The host ISA for `level`.
fn host_isa(level: Level) -> Result<OwnedTargetIsa, VmError> {
    let mut flags = settings::builder();
    flags.set("opt_level", if level == Level::Speed { "speed" } else { "none" }).map_err(jit_error)?;
    if level == Level::Quick {
        flags.set("regalloc_algorithm", "single_pass").map_err(jit_error)?;
    }
    // The IR verifier costs about a third of compile time; keep it for debug builds and tests.
    flags.set("enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" }).map_err(jit_error)?;
    // Cranelift's x86-64 tail calls (chaining between translations) rely on frame pointers.
    flags.set("preserve_frame_pointers", "true").map_err(jit_error)?;
    // The host address of guest memory lives in the pinned register (set by the trampoline):
    // never spilled, never reloaded in front of a probe-less load.
    flags.set("enable_pinned_reg", "true").map_err(jit_error)?;
    if level != Level::Quick {
        // Block offsets and edges of the machine code: where a probe-less load's host fault
        // resumes (the `fault` module).
        flags.set("machine_code_cfg_info", "true").map_err(jit_error)?;
    }
    // No `is_pic` (cranelift-jit refuses it): the generated code references no symbols at all
    // — helpers are reached through the context's runtime table — so it is position
    // independent anyway.
    cranelift_native::builder().map_err(jit_error)?.finish(settings::Flags::new(flags)).map_err(jit_error)
}

/// An empty module for translations.
fn new_module() -> Result<JITModule, VmError> {
    let (_, isas) = shared()?;
    Ok(JITModule::new(JITBuilder::with_isa(isas.speed.clone(), cranelift_module::default_libcall_names())))
}

/// Define `ctx`'s function, compiled for `isa` (the module's host, perhaps under other
/// settings), as `id`.
fn define(
    module: &mut JITModule,
    id: cranelift_module::FuncId,
    ctx: &cranelift_codegen::Context,
    isa: &dyn TargetIsa,
) -> Result<(), String> {
    let compiled = ctx.compiled_code().expect("compiled before defining");
    let align = u64::from(compiled.buffer.alignment)
        .max(u64::from(isa.function_alignment().minimum))
        .max(isa.symbol_alignment());
    let relocs: Vec<_> = compiled
        .buffer
        .relocs()
        .iter()
        .map(|r| cranelift_module::ModuleReloc::from_mach_reloc(r, &ctx.func, id))
        .collect();
    let code = compiled.code_buffer();
    module.define_function_bytes(id, align, code, &relocs).map_err(|e| format!("{e:?}"))
}

/// Whether Cranelift can generate code for this host.
pub fn host_supported() -> Result<(), VmError> {
    cranelift_native::builder().map(|_| ()).map_err(jit_error)
}

/// Whether compiled code runs `op` out of line, through the whole-op helper (atomics, CSRs
/// other than `fflags`/`frm`/`fcsr`, FP ops in a rounding mode other than RNE, `fclass`, and
/// some integer conversions) instead of inline.
pub fn runs_out_of_line(op: &IROp) -> bool {
    codegen::out_of_line(op)
}

/// Hands codegen op ids and chain slots.
struct Alloc<'a> {
    ops: &'a mut Vec<IRBlock>,
    chain: &'a mut Vec<u64>,
    slot_target: &'a mut Vec<Option<RegionId>>,
    sites: &'a mut Vec<(u64, u32)>,
    in_place: &'a HashSet<u64>,
}

impl codegen::Allocator for Alloc<'_> {
    fn op_id(&mut self, pc: u64, op: &IROp) -> u64 {
        self.ops.push(helpers::single_op_block(pc, op));
        (self.ops.len() - 1) as u64
    }

    fn site(&mut self, block_pc: u64, op_index: usize) -> u64 {
        self.sites.push((block_pc, op_index as u32));
        (self.sites.len() - 1) as u64
    }

    fn slot(&mut self, _target: u64) -> u64 {
        self.chain.push(0);
        self.slot_target.push(None);
        (self.chain.len() - 1) as u64
    }

    fn side_exit_ok(&self, pc: u64) -> bool {
        !self.in_place.contains(&pc)
    }
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
        let (stubs, isas) = shared()?;
        Ok(Jit {
            cpu: CpuState::default(),
            module: Some(new_module()?),
            quick_isa: &*isas.quick,
            fctx: FunctionBuilderContext::new(),
            stubs,
            ops: Vec::new(),
            sites: Vec::new(),
            chain: Vec::new(),
            slot_target: Vec::new(),
            lookup: vec![LookupEntry::EMPTY; LOOKUP_ENTRIES].into_boxed_slice(),
            regions: Vec::new(),
            code_bytes: 0,
            counters: JitCounters::default(),
            singles: Vec::new(),
            single_cache: HashMap::new(),
            load_sites: BTreeMap::new(),
            flushes: 0,
            in_place: HashSet::new(),
        })
    }

    /// Translations made from now on run the slow path of a memory access at guest `pc` in
    /// place (a helper call, after which the translation goes on) instead of leaving through a
    /// side exit for the runtime to run the instruction. For accesses that keep missing the
    /// fast path, such as misaligned ones in a loop, where leaving every time costs far more
    /// than the call. Translations already made keep their side exit.
    pub fn access_in_place(&mut self, pc: u64) {
        self.in_place.insert(pc);
    }

    /// How many distinct blocks the single-block API has compiled.
    pub fn cached_blocks(&self) -> usize {
        self.singles.len()
    }

    /// Host code bytes of every translation made since the last [`Jit::flush`].
    pub fn code_bytes(&self) -> usize {
        self.code_bytes
    }

    /// What compiled code has done so far.
    pub fn counters(&self) -> JitCounters {
        self.counters
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
    /// now after [`vm_ir::verify()`] accepts it. Every memory access calls the [`Mmu`], the code
    /// does not touch `instret`, and every exit returns (no chaining).
    pub fn compile(&mut self, block: &IRBlock) -> Result<BlockHandle, VmError> {
        if let Some(list) = self.single_cache.get(&block.start_pc) {
            if let Some(&i) = list.iter().find(|&&i| self.singles[i].block == *block) {
                return Ok(BlockHandle(i));
            }
        }
        vm_ir::verify(block)?;
        let csr_index: Vec<u32> = (0..block.ops.len() as u32).collect();
        let rb = RegionBlock { block, csr_index: &csr_index, op_pcs: &[], n_insns: 0, ind_targets: &[] };
        let opts = RegionOpts {
            chain: false,
            count: false,
            check_every_block: false,
            flush_temps: true,
            fast_mem: None,
            promote: 0,
            optimize: true,
            vector: false,
            baseline: false,
        };
        let region = self.compile_region(&[rb], opts)?;
        self.singles.push(Single { block: block.clone(), region });
        let i = self.singles.len() - 1;
        self.single_cache.entry(block.start_pc).or_default().push(i);
        Ok(BlockHandle(i))
    }

    /// Run a block compiled by this JIT, as [`Jit::run_with`].
    ///
    /// # Panics
    /// If `handle` came from another [`Jit`] with more blocks.
    pub fn run_compiled(
        &mut self,
        handle: BlockHandle,
        cpu: &mut CpuState,
        mmu: &mut dyn Mmu,
        csrs: &mut dyn CsrHandler,
    ) -> Exit {
        let region = self.singles[handle.0].region;
        let never = u64::MAX;
        let env = EnterEnv { stop: &never };
        match self.enter(region, cpu, mmu, csrs, env) {
            RegionExit::Next { pc, .. } => Exit::Next(pc),
            RegionExit::Fault { op_index, exc, .. } => Exit::Fault { op_index, exc },
            RegionExit::Term { .. } => Exit::Term(self.singles[handle.0].block.term.clone()),
            // Never made here: a single block counts no instructions, so it has no fuel and
            // no side exits (its slow paths call the helpers).
            RegionExit::Side { pc } => Exit::Next(pc),
        }
    }

    fn lookup_index(pc: u64) -> usize {
        ((pc >> 1) as usize) & (LOOKUP_ENTRIES - 1)
    }

    /// Host code bytes of translation `id`.
    pub fn region_size(&self, id: RegionId) -> usize {
        self.regions[id.0 as usize].size
    }

    /// Host address and machine code of translation `id`: its [`Jit::region_size`] bytes
    /// (which may end in constant data), for disassembly (`vm -d out_asm`). The code of an
    /// invalidated translation stays readable until [`Jit::flush`], which needs `&mut self`.
    ///
    /// # Panics
    /// If `id` is from before a [`Jit::flush`].
    pub fn region_code(&self, id: RegionId) -> (u64, &[u8]) {
        let r = &self.regions[id.0 as usize];
        // SAFETY: `r.code` points at `r.size` bytes of finalized (readable and executable) code
        // in this JIT's module, which is only freed by `flush` or drop; both need the JIT
        // mutably or by value, which the returned borrow of `self` rules out.
        let bytes = unsafe { std::slice::from_raw_parts(r.code, r.size) };
        (r.code as u64, bytes)
    }

    /// Run translation `id` (and whatever it chains to) on `cpu` until control must come back
    /// to the runtime. `fast_mem` must be what `mmu.fast_mem()` returns if the translations
    /// were compiled with a fast path.
    ///
    /// # Panics
    /// If `id` was invalidated or is from before a [`Jit::flush`].
    pub fn enter(
        &mut self,
        id: RegionId,
        cpu: &mut CpuState,
        mmu: &mut dyn Mmu,
        csrs: &mut dyn CsrHandler,
        env: EnterEnv,
    ) -> RegionExit {
        let region = &self.regions[id.0 as usize];
        assert!(region.alive, "entering an invalidated translation");
        if region.lookup {
            // Another translation whose pc shares the slot may have taken it since: the one
            // the runtime enters now is the one running, so indirect jumps find it again.
            let entry = &mut self.lookup[Self::lookup_index(region.entry_pc)];
            if entry.pc != region.entry_pc {
                *entry = LookupEntry { pc: region.entry_pc, code: region.code as u64 };
            }
        }
        let fast = mmu.fast_mem();
        let (mem_host, mem_table) =
            fast.map_or((std::ptr::null_mut(), std::ptr::null()), |f: FastMem| (f.host, f.table));
        let mut mmu_ref: &mut dyn Mmu = mmu;
        let mut csrs_ref: &mut dyn CsrHandler = csrs;
        let cpu: *mut CpuState = cpu;
        // The context lives in the hart's engine scratch area, so compiled code reaches the
        // registers at a constant offset from it (`context::HART_FROM_CTX`).
        // SAFETY: `cpu` comes from a `&mut` borrow that outlives this call; the scratch area is
        // big and aligned enough for a `JitContext` (checked at compile time in `context`).
        let ctx_ptr: *mut JitContext = unsafe { std::ptr::addr_of_mut!((*cpu).engine) }.cast();
        let ctx = JitContext {
            cpu,
            rt: &helpers::RUNTIME,
            helpers: self.stubs.wrappers.as_ptr(),
            helper_status: 0,
            helper_args: [0; 2],
            mmu: &mut mmu_ref as *mut &mut dyn Mmu as *mut c_void,
            csrs: &mut csrs_ref as *mut &mut dyn CsrHandler as *mut c_void,
            ops: self.ops.as_ptr() as *const c_void,
            mem_host,
            mem_table,
            chain: self.chain.as_ptr(),
            lookup: self.lookup.as_ptr(),
            // SAFETY: the caller's stop word is valid for this call (see `EnterEnv`).
            stop: AtomicU64::new(unsafe { &*(env.stop as *const AtomicU64) }.load(Ordering::Acquire)),
            fuel_base: 0,
            fuel_left: 0,
            stop_src: env.stop,
            next_pc: 0,
            exit_slot: NO_SLOT,
            exit_block: 0,
            value: 0,
            fault_site: 0,
            exc_cause: 0,
            exc_tval: 0,
            chained: 0,
            lookup_hits: 0,
            lookup_misses: 0,
            mem_masks: context::mem_masks(fast.map_or(0, |f| f.pages)),
            mxcsr: [0, vm_fpu::env::GUEST_MXCSR],
        };
        // SAFETY: `ctx_ptr` is valid for writes (above); `JitContext` has no drop glue, so
        // overwriting whatever the scratch area held leaks nothing.
        unsafe { ctx_ptr.write(ctx) };
        // SAFETY: `ctx_ptr` stays valid until the end of this function; the guard (and with it
        // the borrow of the atomic field) drops right after the call.
        let published = vm_core::stop::publish(unsafe { &(*ctx_ptr).stop });
        // Host faults of probe-less loads at guest addresses resume at their slow paths.
        let span = fast.map_or(0, |f| (f.pages << 12) as usize);
        let faults = std::cell::Cell::new(0);
        let scope = fault::Scope {
            sites: &self.load_sites,
            lo: mem_host as usize,
            hi: mem_host as usize + span,
            faults: &faults,
        };
        let entered = fault::Entered::new(&scope);
        // Inline FP arithmetic accrues the guest's flags in MXCSR (`vm_fpu::env`).
        let host_fp = vm_fpu::env::enter();
        // SAFETY: `region.code` is a live translation (alive, and the module that holds it is
        // only freed by `flush`, which needs `&mut self`) compiled with the signature the
        // trampoline calls. Every pointer in the context comes from a borrow that outlives this
        // call (the hart, the MMU and CSR handler, this JIT's op, chain and lookup tables, which
        // do not change while compiled code runs) or from the MMU's own `FastMem` description.
        let status = unsafe { (self.stubs.trampoline)(ctx_ptr, region.code) };
        let accrued = vm_fpu::env::leave(host_fp);
        drop(entered);
        drop(published);
        self.counters.load_faults += faults.get();
        // SAFETY: compiled code has returned, so nothing else borrows the hart (valid: above).
        unsafe { (*cpu).fflags |= accrued };
        if status == STATUS_FAULT_FUEL {
            // SAFETY: compiled code has returned, so nothing else refers to the hart or the
            // context in it (valid: above).
            unsafe { (*cpu).instret = (*ctx_ptr).fuel_base.wrapping_sub((*ctx_ptr).fuel_left) };
        }
        // SAFETY: compiled code has returned; nothing else refers to the context now.
        let ctx = unsafe { &*ctx_ptr };
        self.counters.chained += ctx.chained;
        self.counters.lookup_hits += ctx.lookup_hits;
        self.counters.lookup_misses += ctx.lookup_misses;
        match status {
            STATUS_NEXT => RegionExit::Next {
                pc: ctx.next_pc,
                slot: (ctx.exit_slot != NO_SLOT).then_some(ctx.exit_slot),
            },
            STATUS_FAULT | STATUS_FAULT_FUEL => {
                let (block_pc, op_index) = self.sites[ctx.fault_site as usize];
                RegionExit::Fault {
                    block_pc,
                    op_index: op_index as usize,
                    exc: Exception { cause: ctx.exc_cause, tval: ctx.exc_tval },
                }
            }
            STATUS_SIDE => RegionExit::Side { pc: ctx.next_pc },
            _ => RegionExit::Term { block_pc: ctx.exit_block },
        }
    }

    /// Point chain `slot` (from a [`RegionExit::Next`]) at translation `target`, so that exit
    /// jumps straight there from now on.
    pub fn link(&mut self, slot: u64, target: RegionId) {
        let Some(old) = self.slot_target.get(slot as usize).copied() else { return };
        let t = &mut self.regions[target.0 as usize];
        if !t.alive || old.is_some() {
            return;
        }
        t.incoming.push(slot);
        self.chain[slot as usize] = t.code as u64;
        self.slot_target[slot as usize] = Some(target);
    }

    /// Take translation `id` out of use: unlink every chain slot pointing at it and drop its
    /// lookup-table entry. Its code stays allocated until [`Jit::flush`].
    pub fn invalidate(&mut self, id: RegionId) {
        let r = &mut self.regions[id.0 as usize];
        if !r.alive {
            return;
        }
        r.alive = false;
        for slot in std::mem::take(&mut r.incoming) {
            self.chain[slot as usize] = 0;
            self.slot_target[slot as usize] = None;
        }
        let i = Self::lookup_index(r.entry_pc);
        if self.lookup[i].code == r.code as u64 {
            self.lookup[i] = LookupEntry::EMPTY;
        }
    }

    /// Drop every translation and free its code (every [`RegionId`] and [`BlockHandle`] given
    /// out so far becomes invalid).
    pub fn flush(&mut self) -> Result<(), VmError> {
        if let Some(module) = self.module.take() {
            // SAFETY: no compiled code is running (we hold `&mut self`, and `enter` returns only
            // after the code does), and every way to reach it — region ids, handles, chain slots,
            // the lookup table — is cleared below.
            unsafe { module.free_memory() };
        }
        self.ops.clear();
        self.sites.clear();
        self.chain.clear();
        self.slot_target.clear();
        self.lookup.fill(LookupEntry::EMPTY);
        self.regions.clear();
        self.singles.clear();
        self.single_cache.clear();
        self.code_bytes = 0;
        self.load_sites.clear();
        self.flushes += 1;
        self.module = Some(new_module()?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_ir::{Dst, Reg, Terminator};

    #[test]
    fn region_code_is_the_translations_host_code() {
        let mut jit = Jit::new();
        let block = IRBlock {
            start_pc: 0x1000,
            ops: vec![IROp::AddI { rd: Dst(10), rs1: Reg(10), imm: 2 }],
            term: Terminator::Ret,
        };
        let handle = jit.compile(&block).unwrap();
        let rid = jit.singles[handle.0].region;
        let (host, code) = jit.region_code(rid);
        assert_eq!(code.len(), jit.region_size(rid));
        assert_eq!(host, jit.regions[rid.0 as usize].code as u64);
        assert_eq!(rid.index(), rid.0);
        // Frame pointers are preserved, so on x86-64 every translation starts with `push rbp`.
        if cfg!(target_arch = "x86_64") {
            assert_eq!(code[0], 0x55, "{code:02x?}");
        }
        let len = code.len();
        // Invalidated code stays readable until a flush.
        jit.invalidate(rid);
        assert_eq!(jit.region_code(rid).1.len(), len);
    }
}
