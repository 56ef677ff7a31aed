//! Making a translation, in three steps so that the middle one — Cranelift's optimizer,
//! register allocator and code emission, nearly all of the time — can run on another thread
//! while the guest runs on:
//!
//! 1. [`Jit::translate_region`]: region → Cranelift IR. It hands out the translation's
//!    whole-op ids and chain slots, so it needs the `Jit`.
//! 2. [`RegionJob::compile`]: Cranelift IR → machine code. A [`RegionJob`] is `Send` and needs
//!    nothing else.
//! 3. [`Jit::install`]: machine code → a translation in the code cache.
//!
//! [`Jit::compile_region`] does all three in a row. A job is tied to the code cache it was
//! translated for: after a [`Jit::flush`] its ids and slots mean nothing, and `install`
//! refuses it.

use std::time::{Duration, Instant};

use cranelift_codegen::isa::TargetIsa;
use cranelift_module::Module;
use vm_core::error::VmError;

use crate::codegen::{self, LoadRetry, RegionBlock, RegionOpts};
use crate::{define, fault, jit_error, shared, Alloc, Jit, LookupEntry, Region, RegionId};

/// A region translated to Cranelift IR by [`Jit::translate_region`], to be compiled by
/// [`RegionJob::compile`] (on any thread) and installed by [`Jit::install`].
pub struct RegionJob {
    ctx: cranelift_codegen::Context,
    isa: &'static dyn TargetIsa,
    entry_pc: u64,
    /// Its loads may fault on the host ([`vm_core::FastMem::guarded`]).
    guarded: bool,
    /// It becomes the lookup table's entry for its pc (chaining, not a baseline).
    lookup: bool,
    /// Branches compiled as selects.
    selects: usize,
    /// Counted loops compiled with an unchecked copy.
    counted: usize,
    /// Counted loops with vector passes and loop nests in lanes.
    vector_loops: usize,
    /// Trace the host code (`vm_engine_jit::code` at trace level was on).
    dump: bool,
    /// [`Jit::flushes`] when translated.
    epoch: u64,
    /// What it was translated with.
    retry: LoadRetry,
    outcome: Option<Outcome>,
    compile_time: Duration,
}

impl std::fmt::Debug for RegionJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegionJob")
            .field("entry_pc", &format_args!("{:#x}", self.entry_pc))
            .field("compiled", &self.outcome.is_some())
            .finish()
    }
}

/// What [`Jit::install`] made of a job.
#[derive(Debug)]
pub enum Installed {
    /// A translation.
    Region(RegionId),
    /// None: some probe-less loads could not have their host faults redirected. Translate the
    /// region again with this ([`Jit::translate_region_again`]).
    Again(LoadRetry),
}

/// What [`RegionJob::compile`] made.
enum Outcome {
    /// Machine code, with the probe-less loads' fault redirects (host offsets: load → slow path).
    Code(Vec<(u32, u32)>),
    /// Cranelift refused the function.
    Failed(String),
    /// These probe-less loads (bit `i`: the `i`-th) cannot have their host faults redirected.
    Unredirectable(u128),
}

impl RegionJob {
    /// Guest pc of the region's entry block.
    pub fn entry_pc(&self) -> u64 {
        self.entry_pc
    }

    /// Time [`RegionJob::compile`] took (zero before it ran).
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    /// Compile to machine code (the expensive step; nothing else is touched, so any thread
    /// may run it). Done at most once.
    pub fn compile(&mut self) {
        if self.outcome.is_some() {
            return;
        }
        let start = Instant::now();
        // A lowering Cranelift lacks panics (a bug here, to report, not a reason to stop the
        // guest): the region fails to compile and stays interpreted.
        let (ctx, isa) = (&mut self.ctx, self.isa);
        let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ctx.compile(isa, &mut cranelift_codegen::control::ControlPlane::default())
                .map(|_| ())
                .map_err(|e| format!("{:?}", e.inner))
        }));
        let outcome = match compiled.map(|r| r.map(|()| self.ctx.compiled_code().expect("just compiled"))) {
            Err(panic) => Outcome::Failed(format!(
                "Cranelift panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)")
            )),
            Ok(Err(e)) => Outcome::Failed(e),
            Ok(Ok(code)) if self.guarded => match fault::redirects(code) {
                Ok(r) => Outcome::Code(r),
                Err(bad) => Outcome::Unredirectable(bad),
            },
            Ok(Ok(_)) => Outcome::Code(Vec::new()),
        };
        self.outcome = Some(outcome);
        self.compile_time = start.elapsed();
    }
}

impl Jit {
    /// Translate `blocks` (verified by the caller; the first is the entry, the rest are reached
    /// from it by direct branches) for [`RegionJob::compile`] and then [`Jit::install`] — the
    /// first steps of [`Jit::compile_region`].
    pub fn translate_region(
        &mut self,
        blocks: &[RegionBlock<'_>],
        opts: RegionOpts,
    ) -> Result<RegionJob, VmError> {
        self.translate_region_again(blocks, opts, LoadRetry::default())
    }

    /// [`Jit::translate_region`] after [`Jit::install`] asked for another attempt with `retry`.
    pub fn translate_region_again(
        &mut self,
        blocks: &[RegionBlock<'_>],
        mut opts: RegionOpts,
        retry: LoadRetry,
    ) -> Result<RegionJob, VmError> {
        let entry_pc = blocks.first().ok_or_else(|| jit_error("empty region"))?.block.start_pc;
        if let Some(fm) = opts.fast_mem.as_mut() {
            // Probe-less loads need the fault handler, the block layout that only the
            // backtracking register allocator's ISAs report, and guest address = offset (see `fault::redirects`).
            fm.guarded &= fm.lo == 0
                && (fm.pages << 12).is_power_of_two()
                && opts.optimize
                && fault::available()
                && !retry.probe_all();
        }
        let module = self.module.as_mut().expect("module present outside flush");
        let mut ctx = module.make_context();
        let frontend = module.target_config();
        let dump = tracing::enabled!(target: "vm_engine_jit::code", tracing::Level::TRACE);
        let mut alloc = Alloc {
            ops: &mut self.ops,
            chain: &mut self.chain,
            slot_target: &mut self.slot_target,
            sites: &mut self.sites,
            in_place: &self.in_place,
        };
        let made =
            codegen::translate(&mut ctx.func, &mut self.fctx, frontend, blocks, opts, retry, &mut alloc);
        let isas = &shared()?.1;
        let isa: &'static dyn TargetIsa = match (opts.optimize, opts.chain && !made.has_loop) {
            (false, _) => self.quick_isa,
            (true, true) => &*isas.lean,
            (true, false) => &*isas.speed,
        };
        if dump {
            tracing::trace!(target: "vm_engine_jit::code", "region {entry_pc:#x} CLIF:\n{}", ctx.func.display());
            ctx.set_disasm(true);
        }
        Ok(RegionJob {
            ctx,
            isa,
            entry_pc,
            guarded: opts.fast_mem.is_some_and(|f| f.guarded),
            lookup: opts.chain && !opts.baseline,
            selects: made.selects,
            counted: made.counted,
            vector_loops: made.vector_loops,
            dump,
            epoch: self.flushes,
            retry,
            outcome: None,
            compile_time: Duration::ZERO,
        })
    }

    /// Make `job` (compiled now if it was not) a translation. With [`RegionOpts::chain`] it
    /// becomes the indirect-jump lookup table's entry for its start pc (unless
    /// [`RegionOpts::baseline`]). [`Installed::Again`]: some of its probe-less loads could not
    /// have their host faults redirected — translate the region again with what it says
    /// ([`Jit::translate_region_again`]; [`Jit::compile_region`] does that itself). Errors for
    /// a job translated before a [`Jit::flush`] and for code Cranelift refused.
    pub fn install(&mut self, mut job: RegionJob) -> Result<Installed, VmError> {
        let entry_pc = job.entry_pc;
        if job.epoch != self.flushes {
            return Err(jit_error(format!("block {entry_pc:#x}: translated for a code cache since flushed")));
        }
        job.compile();
        let redirects = match job.outcome.take().expect("just compiled") {
            Outcome::Code(r) => r,
            Outcome::Failed(e) => return Err(jit_error(format!("block {entry_pc:#x}: {e}"))),
            Outcome::Unredirectable(bad) => {
                tracing::debug!(entry_pc, loads = bad.count_ones(), "probe-less loads not redirectable");
                self.counters.retranslations += 1;
                return Ok(Installed::Again(job.retry.after(bad)));
            }
        };
        let module = self.module.as_mut().expect("module present outside flush");
        let ctx = &job.ctx;
        let id = module
            .declare_anonymous_function(&ctx.func.signature)
            .map_err(|e| format!("{e:?}"))
            .and_then(|id| define(module, id, ctx, job.isa).map(|()| id))
            .map_err(|e| jit_error(format!("block {entry_pc:#x}: {e}")))?;
        let size = ctx.compiled_code().map_or(0, |c| c.code_info().total_size as usize);
        if let Some(asm) = ctx.compiled_code().and_then(|c| c.vcode.as_ref()).filter(|_| job.dump) {
            tracing::trace!(target: "vm_engine_jit::code", "region {entry_pc:#x} host code ({size} bytes):\n{asm}");
        }
        module.finalize_definitions().map_err(jit_error)?;
        let code = module.get_finalized_function(id);
        if job.dump {
            tracing::trace!(target: "vm_engine_jit::code", "region {entry_pc:#x} is at host {code:p}");
        }
        crate::perfmap::record(code, size, entry_pc);
        self.code_bytes += size;
        self.counters.if_converted += job.selects as u64;
        self.counters.counted_loops += job.counted as u64;
        self.counters.vector_loops += job.vector_loops as u64;
        for (load, slow) in redirects {
            self.load_sites.insert(code as usize + load as usize, code as usize + slow as usize);
        }
        let rid = RegionId(self.regions.len() as u32);
        self.regions.push(Region {
            code,
            entry_pc,
            size,
            alive: true,
            lookup: job.lookup,
            incoming: Vec::new(),
        });
        if job.lookup {
            self.lookup[Self::lookup_index(entry_pc)] = LookupEntry { pc: entry_pc, code: code as u64 };
        }
        Ok(Installed::Region(rid))
    }

    /// Compile `blocks` (verified by the caller; the first is the entry, the rest are reached
    /// from it by direct branches) into one translation, as [`Jit::install`] makes it.
    pub fn compile_region(
        &mut self,
        blocks: &[RegionBlock<'_>],
        opts: RegionOpts,
    ) -> Result<RegionId, VmError> {
        let mut retry = LoadRetry::default();
        loop {
            let (ops_before, slots_before, sites_before) =
                (self.ops.len(), self.chain.len(), self.sites.len());
            let result = self.translate_region_again(blocks, opts, retry).and_then(|job| self.install(job));
            if !matches!(result, Ok(Installed::Region(_))) {
                // Nothing refers to what the failed attempt allocated.
                self.ops.truncate(ops_before);
                self.sites.truncate(sites_before);
                self.chain.truncate(slots_before);
                self.slot_target.truncate(slots_before);
            }
            match result? {
                Installed::Region(rid) => return Ok(rid),
                Installed::Again(next) => retry = next,
            }
        }
    }
}

/// A job moves to the compiling thread and back.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<RegionJob>();
};
