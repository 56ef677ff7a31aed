//! Tiering between the interpreter and the Cranelift JIT.
//!
//! `--mode hybrid` interprets a block until the run loop has dispatched to it `jit_threshold`
//! times, then compiles. `--mode jit` never interprets: it compiles a block at its first run
//! into a *baseline* translation of that block alone, without Cranelift's optimizer, whose
//! every exit returns to the run loop; the loop counts the block's runs and records where its
//! indirect jump went, as the interpreter does in hybrid mode. Most start-up code runs a few
//! times and never gets more than that: compiling it as one block, not as a region of the code
//! reachable from it, is what makes jit mode start quickly (branchy: 3100 blocks compiled
//! ahead in 0.53 s before, 861 blocks in 0.10-0.14 s now; hello: 0.35 s -> 0.10-0.15 s).
//!
//! Either way, once a block has had `jit_threshold` runs, what gets compiled is a *region*: the
//! hot block plus the blocks that already ran and are reachable from it by direct jumps and
//! branches, up to [`MAX_REGION_BLOCKS`] blocks, so loops run inside one translation with the
//! guest registers in host registers, compiled with Cranelift's optimizer. A region also
//! follows the targets an indirect jump took, so a bytecode interpreter's dispatch and handlers
//! become one loop (see [`Tiering::gather`]). Exits from a translation are chained to the
//! translation of their target once it exists (never to a baseline: the run loop must see
//! those runs).
//!
//! `jit_threshold` 0 skips the profile: a block's first run compiles its region, taking the
//! blocks its branches reach whether they ran or not (no baselines in jit mode). The test
//! suites run jit mode this way too, so that all guest code, not only hot loops, runs as
//! optimized regions under the QEMU and interpreter oracles.
//!
//! Regions compile on a background thread (the `compiler` module) while the guest runs on,
//! interpreted or in its baselines: the run loop translates a hot region to Cranelift IR,
//! hands it over, and installs the machine code at a later block dispatch; the blocks of a
//! region in flight do not start regions of their own meanwhile. A region the JIT cannot
//! install as compiled (some probe-less loads' host faults would not reach their slow paths)
//! is translated again as it asks and goes back to the compiler. Guest code that changes
//! while its region is compiled makes the result be dropped. Baselines, and regions in jit
//! mode with threshold 0 (which has nothing else to run), compile on the spot, as does
//! everything when `VmConfig::background_compile` is off (which makes what runs compiled
//! independent of timing, for tests).
//!
//! The code cache holds at most `jit_cache_size` bytes of host code; when a translation would
//! not fit, every translation is dropped and compilation starts over (a generational collector
//! is future work). Translations covering guest code that changes are invalidated.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use vm_core::{CpuState, FastMem, Mmu};
use vm_core::{ExecMode, JitConfig, VmConfig, VmError};
use vm_engine_jit::{
    EnterEnv, Installed, Jit, JitCounters, LoadRetry, RegionBlock, RegionExit, RegionId, RegionOpts,
};
use vm_interp::{CsrHandler, Exception};
use vm_ir::CsrOp;

use crate::cache::{BlockCache, CachedBlock};
use crate::compiler::Compiler;
use crate::engine::{insn_of_op, Csrs};

mod region;
pub(crate) use region::is_return;

/// Hybrid mode interprets `jit_threshold` times this many instructions before it compiles
/// anything (100,000 for the default threshold of 100: under a millisecond); jit mode runs
/// baselines that long before it compiles a region.
pub const WARMUP_PER_THRESHOLD: u64 = 1000;

/// Side exits at one guest pc after which its access runs its slow path in place
/// ([`Tiering::side_exit`]).
pub const SIDE_EXITS_IN_PLACE: u32 = 8;
/// Most blocks in one translation. 32 holds a merge sort's whole merge loop (about 25 small
/// blocks): with 16 its hot blocks were split over three translations that chained into each
/// other (intkernel: 31.8 M chained exits per run, 160 K at 32, and 3 % faster; branchy equal).
pub const MAX_REGION_BLOCKS: usize = 32;
/// Most IR ops in one translation (bounds compile time and code size).
pub const MAX_REGION_OPS: usize = 1200;
/// The limits for a region that holds an indirect jump's targets (a bytecode interpreter's
/// dispatch and its handlers, which then run as one loop).
pub const MAX_DISPATCH_REGION_BLOCKS: usize = 64;
/// See [`MAX_DISPATCH_REGION_BLOCKS`].
pub const MAX_DISPATCH_REGION_OPS: usize = 2400;
/// Guest registers a loop keeps in host registers (more made the register allocator spill
/// inside loops: intkernel 5.6 s at 6, 6.0 s at 10, 6.2 s at 14 with one set per region; 5.5 s
/// at 6, 5.8 s at 8 and 10 with one set per loop).
pub const PROMOTED_REGS: u8 = 6;
/// Smallest `jit_cache_size` accepted: room for the largest translation (a region of
/// `MAX_REGION_OPS` ops compiles to well under this).
pub const MIN_CODE_CACHE: usize = 256 * 1024;

/// Where a region starting at `entry`, hot at `instret`, goes in the background compiler's
/// queue: the fewer guest instructions its entry took to reach the threshold since its first
/// run, the sooner. When hot code appears faster than one thread compiles it (a large program
/// such as sqlite keeps a hundred or more regions waiting), the hottest then stop being
/// interpreted first instead of waiting behind every region that got hot before them.
fn priority(entry: &CachedBlock, instret: u64) -> u64 {
    u64::MAX - instret.saturating_sub(entry.first_run)
}

/// The blocks `picked` of a region the compiler had are free to start regions again; if the
/// region was `dropped`, a dispatch among them may be inlined by another region.
fn release(cache: &mut BlockCache, picked: &[u32], dropped: bool) {
    for &i in picked {
        let b = cache.get_mut(i);
        b.pending = b.pending.saturating_sub(1);
        b.targets_inlined &= !dropped;
    }
}

/// The engine's name in statistics.
pub fn engine_name(mode: ExecMode) -> &'static str {
    match mode {
        ExecMode::Interpreter => "interpreter",
        ExecMode::Jit => "jit (Cranelift)",
        ExecMode::Hybrid => "hybrid (interpreter + Cranelift)",
        ExecMode::Accelerated => "accelerated",
    }
}

/// `stats` with the JIT's counters filled in (unchanged without a JIT).
pub fn add_stats(tier: Option<&Tiering>, stats: vm_core::VmStats) -> vm_core::VmStats {
    let Some(t) = tier else { return stats };
    let c = t.counters();
    vm_core::VmStats {
        blocks_compiled: t.compiled,
        translations: t.translations,
        code_bytes: t.code_bytes,
        compile_time: t.compile_time,
        compiled_insns: t.compiled_insns,
        chained_exits: c.chained,
        indirect_hits: c.lookup_hits,
        indirect_misses: c.lookup_misses,
        load_faults: c.load_faults,
        if_converted: c.if_converted,
        counted_loops: c.counted_loops,
        vector_loops: c.vector_loops,
        retranslations: c.retranslations,
        invalidations: t.invalidations,
        code_cache_flushes: t.full_flushes,
        ..stats
    }
}

/// What the runtime remembers about a translation.
struct RegionInfo {
    /// Start pc (the cache block whose `compiled` points here).
    entry: u64,
    /// Guest code ranges of its blocks.
    ranges: Vec<(u64, u64)>,
}

/// A region the background compiler has.
struct PendingRegion {
    /// Cache index of its entry block.
    idx: u32,
    /// Cache indices of its blocks (each counted in `CachedBlock::pending`).
    picked: Vec<u32>,
    /// Guest code ranges of its blocks.
    ranges: Vec<(u64, u64)>,
    /// Time spent on it on this thread (translating).
    spent: Duration,
    /// Its place in the compiler's queue (see [`priority`]).
    priority: u64,
}

/// How a region goes to the background compiler.
#[derive(Clone, Copy, Debug)]
struct Background {
    /// What the translation is made with (after a failed attempt: what the JIT asked for).
    retry: LoadRetry,
    /// Its place in the queue (see [`priority`]).
    priority: u64,
}

/// The JIT side of an engine, present in jit and hybrid modes.
pub struct Tiering {
    /// Created at the first compilation (a short run that compiles nothing pays nothing).
    jit: Option<Jit>,
    /// jit mode: nothing is interpreted.
    jit_mode: bool,
    /// Runs (interpreted, or of a baseline translation) before a block's region is compiled.
    pub threshold: u32,
    /// No region is compiled before the guest has retired this many instructions: a short
    /// program (a shell command, `--version`) finishes on the interpreter (or the baselines)
    /// faster than Cranelift could compile its hot loops, and a longer one has reached the
    /// code it spends its time in (a bytecode interpreter has run most of its handlers, so
    /// its dispatch region holds them).
    pub warmup: u64,
    cache_size: usize,
    precise_limit: bool,
    fast_mem: Option<Option<FastMem>>,
    regions: HashMap<RegionId, RegionInfo>,
    /// Translations made.
    pub translations: u64,
    /// Blocks compiled (summed over translations).
    pub compiled: u64,
    /// Host code bytes made.
    pub code_bytes: u64,
    /// Time spent compiling.
    pub compile_time: Duration,
    /// Guest instructions retired by compiled code.
    pub compiled_insns: u64,
    /// Translations invalidated because guest code changed (or, rarely, because an access in
    /// them kept leaving through side exits, see [`Tiering::side_exit`]).
    pub invalidations: u64,
    /// Whole-cache flushes because it was full.
    pub full_flushes: u64,
    /// Compile regions on the background thread (see the module doc).
    background: bool,
    compiler: Compiler,
    /// Regions the compiler has, by job number.
    pending: HashMap<u64, PendingRegion>,
    next_job: u64,
    /// Side exits taken so far, by the guest pc of the access (see [`Tiering::side_exit`]).
    side_exits: HashMap<u64, u32>,
}

/// The CSR view of compiled code: the JIT passes the instruction's index in its block, and
/// `cpu.instret` holds the count at the block's start.
struct JitCsrs<'a, C>(&'a mut C);

impl<C: Csrs> CsrHandler for JitCsrs<'_, C> {
    fn csr(
        &mut self,
        cpu: &mut CpuState,
        insn_index: usize,
        csr: u16,
        op: CsrOp,
        src: u64,
        _read: bool,
        write: bool,
    ) -> Result<u64, Exception> {
        let now = cpu.instret + insn_index as u64;
        self.0.access(cpu, now, csr, op, src, write)
    }
}

impl Tiering {
    /// The tiering a machine built from `config` runs with (see [`Tiering::for_mode`]): its
    /// execution mode and JIT tunables, the precise limit when it sets `max_insns`, and its
    /// `background_compile` choice.
    pub fn for_config(config: &VmConfig) -> Result<Option<Tiering>, VmError> {
        Self::for_mode(config.exec_mode, &config.jit, config.max_insns.is_some(), config.background_compile)
    }

    /// The tiering for `mode`, or `None` for the interpreter alone. Errors for modes that do
    /// not run RISC-V guests, a JIT that is switched off, or a code cache too small.
    ///
    /// `precise_limit`: an instruction limit is set, so compiled code checks the budget before
    /// every block (not only on backward branches and exits), to stop exactly where the
    /// interpreter would. `background`: compile regions on a background thread (see the module
    /// doc).
    pub fn for_mode(
        mode: ExecMode,
        config: &JitConfig,
        precise_limit: bool,
        background: bool,
    ) -> Result<Option<Tiering>, VmError> {
        let jit_mode = match mode {
            ExecMode::Interpreter => return Ok(None),
            ExecMode::Jit => true,
            ExecMode::Hybrid => false,
            ExecMode::Accelerated => return Err(VmError::Unsupported(
                "accelerated mode runs x86-64 guests only; RISC-V guests run in interp, jit or hybrid mode"
                    .into(),
            )),
        };
        if !config.enable_jit {
            return Err(VmError::Config(format!("{mode:?} mode needs the JIT, but enable_jit is false")));
        }
        if config.jit_cache_size < MIN_CODE_CACHE {
            return Err(VmError::Config(format!(
                "jit_cache_size of {} bytes cannot hold one translation: it must be at least {} bytes ({} KiB)",
                config.jit_cache_size,
                MIN_CODE_CACHE,
                MIN_CODE_CACHE / 1024
            )));
        }
        // Fail now, not at the first hot block, if the host is unsupported.
        vm_engine_jit::host_supported()?;
        let threshold = config.jit_threshold;
        Ok(Some(Tiering {
            jit: None,
            jit_mode,
            threshold,
            warmup: u64::from(threshold) * WARMUP_PER_THRESHOLD,
            cache_size: config.jit_cache_size,
            precise_limit,
            fast_mem: None,
            regions: HashMap::new(),
            translations: 0,
            compiled: 0,
            code_bytes: 0,
            compile_time: Duration::ZERO,
            compiled_insns: 0,
            invalidations: 0,
            full_flushes: 0,
            side_exits: HashMap::new(),
            background,
            compiler: Compiler::default(),
            pending: HashMap::new(),
            next_job: 0,
        }))
    }

    /// The JIT (exists once anything was compiled, which every caller of this follows).
    fn jit(&mut self) -> &mut Jit {
        self.jit.as_mut().expect("a translation exists, so the JIT does")
    }

    /// jit mode with a threshold: a block's first run compiles a baseline translation (see
    /// the module doc). Threshold 0 compiles its region then, so no baseline is needed.
    fn baseline_first(&self) -> bool {
        self.jit_mode && self.threshold > 0
    }

    /// Whether the run loop should compile `b` (not compiled, or only to a baseline) now: it
    /// ran `threshold` times, after the warm-up; in jit mode also a block never compiled.
    pub(crate) fn is_hot(&self, b: &CachedBlock, instret: u64) -> bool {
        (self.baseline_first() && b.compiled.is_none())
            || (b.runs >= self.threshold && instret >= self.warmup)
    }

    /// Whether hybrid mode should compile this block: the JIT runs some ops out of line
    /// (through the interpreter's code for that op: atomics, most CSRs, FP ops in a rounding
    /// mode other than RNE), which is slower than interpreting them, so blocks made mostly of
    /// those stay on the interpreter. jit mode compiles everything.
    pub(crate) fn worth_compiling(&self, block: &vm_ir::IRBlock) -> bool {
        if self.jit_mode {
            return true;
        }
        let out_of_line = block.ops.iter().filter(|op| vm_engine_jit::runs_out_of_line(op)).count();
        out_of_line * 4 <= block.ops.len()
    }

    /// What compiled code counted (chained exits, indirect lookups).
    pub fn counters(&self) -> JitCounters {
        self.jit.as_ref().map(Jit::counters).unwrap_or_default()
    }

    /// Compile the region starting at cache block `idx` (in jit mode, at its first run, the
    /// block's baseline translation) and record it on that block, in place of its baseline —
    /// or, with the background compiler, translate it and hand it over (see the module doc).
    pub(crate) fn compile_at<M: Mmu>(
        &mut self,
        cache: &mut BlockCache,
        mem: &mut M,
        idx: u32,
        instret: u64,
    ) -> Result<(), VmError> {
        self.compile_or_submit(cache, mem, idx, instret, self.background)
    }

    fn compile_or_submit<M: Mmu>(
        &mut self,
        cache: &mut BlockCache,
        mem: &mut M,
        idx: u32,
        instret: u64,
        background: bool,
    ) -> Result<(), VmError> {
        let start = Instant::now();
        if self.jit.is_none() {
            self.jit = Some(Jit::try_new()?);
        }
        if self.jit().code_bytes() >= self.cache_size {
            self.flush(cache)?;
            self.full_flushes += 1;
        }
        self.fast_mem.get_or_insert_with(|| mem.fast_mem());
        let baseline = self.baseline_first() && cache.get(idx).compiled.is_none();
        // jit mode without baselines has nothing to run while a region compiles.
        let background = background && !baseline && !(self.jit_mode && self.threshold == 0);
        let picked = if baseline { vec![idx] } else { self.gather(cache, mem, idx) };
        let how = background
            .then(|| Background { retry: LoadRetry::default(), priority: priority(cache.get(idx), instret) });
        self.translate(cache, idx, picked, baseline, how, start)
    }

    /// Translate the region of blocks `picked` (entry `idx`; a `baseline` is `[idx]`) and
    /// compile it here, or, with `background` set, hand it to the compiler as that says.
    /// `start`: when work on it began on this thread.
    fn translate(
        &mut self,
        cache: &mut BlockCache,
        idx: u32,
        picked: Vec<u32>,
        baseline: bool,
        background: Option<Background>,
        start: Instant,
    ) -> Result<(), VmError> {
        let fast_mem = self.fast_mem.flatten();
        // Per op of each block: its instruction's index in the block (for the CSR handler) and
        // its guest pc (for if-conversion).
        let (csr_index, op_pcs): (Vec<Vec<u32>>, Vec<Vec<u64>>) = picked
            .iter()
            .map(|&i| {
                let b = cache.get(i);
                let insns = &b.lifted.insns;
                (0..b.lifted.block.ops.len())
                    .map(|op| {
                        let n = insn_of_op(insns, op);
                        (n as u32, insns[n].pc)
                    })
                    .unzip()
            })
            .unzip();
        let blocks: Vec<RegionBlock<'_>> = picked
            .iter()
            .zip(csr_index.iter().zip(&op_pcs))
            .map(|(&i, (ci, pcs))| {
                let b = cache.get(i);
                RegionBlock {
                    block: &b.lifted.block,
                    csr_index: ci,
                    op_pcs: pcs,
                    n_insns: b.n_insns,
                    ind_targets: if baseline { &[] } else { &b.ind_targets },
                }
            })
            .collect();
        let opts = RegionOpts {
            chain: true,
            count: true,
            check_every_block: self.precise_limit,
            flush_temps: false,
            fast_mem: if baseline { None } else { fast_mem },
            promote: if baseline { 0 } else { PROMOTED_REGS },
            // A baseline mostly runs a few times (start-up), where neither the optimizer (a
            // third of compile time) nor inline memory accesses pay: its loads and stores call
            // the helpers (hello under jit: 0.16 -> 0.09 s with this and its exits without
            // chain slots).
            optimize: !baseline,
            vector: !baseline,
            baseline,
        };
        let ranges: Vec<(u64, u64)> = picked.iter().map(|&i| cache.get(i).range()).collect();
        if let Some(Background { retry, priority }) = background {
            let job = self.jit().translate_region_again(&blocks, opts, retry);
            drop(blocks);
            let id = self.next_job;
            self.compiler.submit(id, job?, priority)?;
            self.next_job += 1;
            for &i in &picked {
                cache.get_mut(i).pending += 1;
            }
            self.pending.insert(id, PendingRegion { idx, picked, ranges, spent: start.elapsed(), priority });
            return Ok(());
        }
        let result = self.jit().compile_region(&blocks, opts);
        drop(blocks);
        let rid = result.inspect_err(|_| self.compile_time += start.elapsed())?;
        self.adopt(cache, idx, rid, picked.len(), ranges, baseline, start.elapsed());
        Ok(())
    }

    /// Record new translation `rid` of `blocks` blocks covering `ranges` on its entry block
    /// `idx` (in place of a baseline); `spent`: time it took on this thread.
    #[allow(clippy::too_many_arguments)]
    fn adopt(
        &mut self,
        cache: &mut BlockCache,
        idx: u32,
        rid: RegionId,
        blocks: usize,
        ranges: Vec<(u64, u64)>,
        baseline: bool,
        spent: Duration,
    ) {
        self.compile_time += spent;
        self.translations += 1;
        self.compiled += blocks as u64;
        self.code_bytes += self.jit().region_size(rid) as u64;
        let entry = cache.get(idx).lifted.block.start_pc;
        if let Some(d) = cache.dump.as_deref_mut().filter(|d| d.items().out_asm) {
            let (host, code) = self.jit().region_code(rid);
            d.translation(rid.index(), &ranges, host, code);
        }
        tracing::debug!(
            "compiled region at {entry:#x}: {blocks} blocks, {} bytes of host code",
            self.jit().region_size(rid),
        );
        self.regions.insert(rid, RegionInfo { entry, ranges });
        let b = cache.get_mut(idx);
        let old = b.compiled.replace(rid).filter(|_| b.baseline);
        b.baseline = baseline;
        if let Some(old) = old {
            // Nothing chains to a baseline or finds it by lookup: it just goes out of use.
            self.regions.remove(&old);
            self.jit().invalidate(old);
        }
    }

    /// Whether the background compiler has finished something for [`Tiering::collect`] (one
    /// atomic load).
    #[inline]
    pub(crate) fn has_compiled(&self) -> bool {
        self.compiler.has_done()
    }

    /// Install the regions the background compiler finished (dropping those whose guest code
    /// changed meanwhile). One that cannot be installed as compiled (the JIT asks for another
    /// attempt, see [`Installed::Again`]) is translated again and handed back to the compiler;
    /// a region that fails leaves its entry block interpreted, as at [`Tiering::compile_at`].
    pub(crate) fn collect(&mut self, cache: &mut BlockCache) {
        while let Some((id, job)) = self.compiler.take() {
            self.compile_time += job.compile_time();
            let Some(p) = self.pending.remove(&id) else { continue };
            release(cache, &p.picked, false);
            if self.jit().code_bytes() >= self.cache_size {
                // Full, as at `compile_or_submit`: the regions in flight were made for this
                // cache, so they go too, and hot blocks compile again into the empty one.
                if let Err(e) = self.flush(cache) {
                    tracing::warn!("dropping the code cache failed: {e}");
                }
                self.full_flushes += 1;
                continue;
            }
            let start = Instant::now();
            let result = match self.jit().install(job) {
                Ok(Installed::Region(rid)) => {
                    self.adopt(cache, p.idx, rid, p.picked.len(), p.ranges, false, p.spent + start.elapsed());
                    Ok(())
                }
                // Some loads' host faults could not be redirected: the same blocks go back to
                // the compiler, translated as the JIT asks (the guest runs on meanwhile).
                Ok(Installed::Again(retry)) => {
                    self.compile_time += p.spent;
                    let again = Background { retry, priority: p.priority };
                    self.translate(cache, p.idx, p.picked, false, Some(again), start)
                }
                Err(e) => {
                    self.compile_time += p.spent + start.elapsed();
                    Err(e)
                }
            };
            if let Err(e) = result {
                let b = cache.get_mut(p.idx);
                tracing::warn!("block {:#x} stays interpreted: {e}", b.lifted.block.start_pc);
                b.jit_failed = true;
            }
        }
    }

    /// Stop the background compiler and forget the regions it had (before the guest forks:
    /// the child would have no compiler thread); it starts again at the next region.
    pub(crate) fn stop_compiler(&mut self, cache: &mut BlockCache) {
        self.compiler.stop();
        for (_, p) in self.pending.drain() {
            release(cache, &p.picked, true);
        }
    }

    /// Host address and code of translation `rid` (for `-d out_asm` and `-d exec`).
    pub fn region_code(&self, rid: RegionId) -> Option<(u64, &[u8])> {
        self.jit.as_ref().map(|j| j.region_code(rid))
    }

    /// Run translation `rid` until it needs the runtime; link the exit's chain slot to its
    /// target's translation when there is one.
    pub(crate) fn enter<C: Csrs>(
        &mut self,
        rid: RegionId,
        cpu: &mut CpuState,
        mem: &mut dyn Mmu,
        csrs: &mut C,
        cache: &BlockCache,
        env: EnterEnv,
    ) -> RegionExit {
        let before = cpu.instret;
        let exit = self.jit().enter(rid, cpu, mem, &mut JitCsrs(csrs), env);
        self.compiled_insns += cpu.instret - before;
        if let RegionExit::Next { pc, slot: Some(slot) } = exit {
            let target = cache.peek(pc).map(|i| cache.get(i)).filter(|b| !b.baseline);
            if let Some(target) = target.and_then(|b| b.compiled) {
                self.jit().link(slot, target);
            }
        }
        exit
    }

    /// A translation left through a side exit at `pc`: a memory access there missed the fast
    /// path (a guest fault, a misaligned access, a store to a page holding translated code).
    /// Once one pc has done so [`SIDE_EXITS_IN_PLACE`] times, the access is one that keeps
    /// missing (misaligned accesses in a loop: each exit costs a trip through the runtime and
    /// the interpreter; a loop of misaligned loads ran 25 times slower than under qemu): the
    /// translations holding it are dropped, and the ones compiled next run its slow path in
    /// place. So do the other
    /// accesses of its block: after a side exit the interpreter runs the rest of the block,
    /// so they would only be found one at a time, each costing a recompilation.
    pub(crate) fn side_exit(&mut self, cache: &mut BlockCache, pc: u64) {
        let n = self.side_exits.entry(pc).or_insert(0);
        *n += 1;
        if *n == SIDE_EXITS_IN_PLACE {
            let (lo, hi) = self
                .regions
                .values()
                .flat_map(|r| r.ranges.iter())
                .find(|&&(s, e)| s <= pc && pc < e)
                .map_or((pc, pc + 2), |&(_, e)| (pc, e));
            tracing::debug!(
                "the access at {pc:#x} keeps leaving its translations: {lo:#x}..{hi:#x} in place"
            );
            // Instructions are 2-byte aligned (C extension): every pc an access may have.
            for at in (lo..hi).step_by(2) {
                self.jit().access_in_place(at);
            }
            self.invalidate_range(cache, pc, pc + 1);
        }
    }

    /// Drop translations covering any guest code in `[lo, hi)` (call before the cache forgets
    /// those blocks).
    pub(crate) fn invalidate_range(&mut self, cache: &mut BlockCache, lo: u64, hi: u64) {
        let doomed: Vec<RegionId> = self
            .regions
            .iter()
            .filter(|(_, r)| r.ranges.iter().any(|&(s, e)| s < hi && lo < e))
            .map(|(&id, _)| id)
            .collect();
        if !doomed.is_empty() {
            tracing::debug!("guest code in {lo:#x}..{hi:#x} changed: {} translations dropped", doomed.len());
        }
        // A stale region's compiled result will find no entry and be dropped.
        self.pending.retain(|_, p| {
            let stale = p.ranges.iter().any(|&(s, e)| s < hi && lo < e);
            if stale {
                release(cache, &p.picked, true);
            }
            !stale
        });
        for id in doomed {
            let info = self.regions.remove(&id).expect("listed above");
            self.jit().invalidate(id);
            self.invalidations += 1;
            if let Some(i) = cache.peek(info.entry) {
                let b = cache.get_mut(i);
                if b.compiled == Some(id) {
                    b.compiled = None;
                    b.baseline = false;
                }
            }
            // A dispatch block it held may be inlined into the next region again.
            for &(start, _) in &info.ranges {
                if let Some(i) = cache.peek(start) {
                    cache.get_mut(i).targets_inlined = false;
                }
            }
        }
    }

    /// Drop every translation (the blocks stay translated to IR).
    pub(crate) fn flush(&mut self, cache: &mut BlockCache) -> Result<(), VmError> {
        tracing::debug!("dropping all {} translations", self.regions.len());
        let live: Vec<u32> = cache.live().collect();
        for i in live {
            let b = cache.get_mut(i);
            b.compiled = None;
            b.baseline = false;
            b.targets_inlined = false;
            b.pending = 0;
        }
        // The compiler's results will find no entries and be dropped (a translation for the
        // code cache before this flush could not be installed anyway).
        self.pending.clear();
        self.regions.clear();
        match self.jit.as_mut() {
            Some(jit) => jit.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_mem::PhysMem;

    /// Memory with a loop at 0x1000 (`1: addi a0,a0,1; bne a0,a1,1b; ecall`), a cache holding
    /// its block, and hybrid tiering with the background compiler.
    fn setup() -> (PhysMem, BlockCache, Tiering, u32) {
        let mut mem = PhysMem::new(0x1000, 0x1000).unwrap();
        for (i, half) in [0x0505u64, 0x1fe3, 0xfeb5, 0x0073, 0x0000].into_iter().enumerate() {
            mem.store16(0x1000 + 2 * i as u64, half).unwrap();
        }
        let mut cache = BlockCache::default();
        let idx = cache.lookup(0x1000, &mut mem);
        let tier = Tiering::for_mode(ExecMode::Hybrid, &JitConfig::default(), false, true).unwrap().unwrap();
        (mem, cache, tier, idx)
    }

    /// Wait (at most a minute) for the compiler to finish a job, then collect.
    fn collect_when_done(tier: &mut Tiering, cache: &mut BlockCache) {
        let start = Instant::now();
        while !tier.has_compiled() {
            assert!(start.elapsed() < Duration::from_secs(60), "the compiler never finished");
            std::thread::sleep(Duration::from_millis(1));
        }
        tier.collect(cache);
    }

    #[test]
    fn a_region_compiled_in_the_background_is_installed_when_collected() {
        let (mut mem, mut cache, mut tier, idx) = setup();
        tier.compile_at(&mut cache, &mut mem, idx, 0).unwrap();
        // Handed over: nothing installed yet, and the block starts nothing else meanwhile.
        assert_eq!(cache.get(idx).compiled, None);
        assert_eq!(cache.get(idx).pending, 1);
        assert_eq!(tier.translations, 0);
        collect_when_done(&mut tier, &mut cache);
        assert!(cache.get(idx).compiled.is_some());
        assert_eq!(cache.get(idx).pending, 0);
        assert_eq!((tier.translations, tier.compiled), (1, 1));
        assert!(tier.compile_time > Duration::ZERO);
        assert!(tier.pending.is_empty());
    }

    #[test]
    fn a_region_whose_code_changed_while_compiling_is_dropped() {
        let (mut mem, mut cache, mut tier, idx) = setup();
        tier.compile_at(&mut cache, &mut mem, idx, 0).unwrap();
        crate::engine::invalidate(&mut cache, Some(&mut tier), 0x1004, 0x1006);
        assert!(tier.pending.is_empty());
        collect_when_done(&mut tier, &mut cache);
        assert_eq!(tier.translations, 0, "the stale translation was installed");
        // The block is translated again from memory, with nothing pending or compiled.
        let again = cache.lookup(0x1000, &mut mem);
        assert_eq!((cache.get(again).compiled, cache.get(again).pending), (None, 0));
    }

    #[test]
    fn a_stopped_compiler_forgets_its_regions_and_starts_again() {
        let (mut mem, mut cache, mut tier, idx) = setup();
        tier.compile_at(&mut cache, &mut mem, idx, 0).unwrap();
        tier.stop_compiler(&mut cache);
        assert!(tier.pending.is_empty());
        assert_eq!(cache.get(idx).pending, 0);
        assert!(!tier.has_compiled());
        tier.compile_at(&mut cache, &mut mem, idx, 0).unwrap();
        collect_when_done(&mut tier, &mut cache);
        assert!(cache.get(idx).compiled.is_some());
        assert_eq!(tier.translations, 1);
    }

    #[test]
    fn a_region_finished_into_a_full_code_cache_flushes_it_instead_of_overfilling() {
        let (mut mem, mut cache, mut tier, idx) = setup();
        tier.compile_at(&mut cache, &mut mem, idx, 0).unwrap();
        // The cache fills up (here: shrinks) while the region compiles.
        tier.cache_size = 0;
        collect_when_done(&mut tier, &mut cache);
        assert_eq!((tier.translations, tier.full_flushes), (0, 1));
        assert_eq!((cache.get(idx).compiled, cache.get(idx).pending), (None, 0));
        assert!(tier.pending.is_empty());
        // The block compiles again into the emptied cache.
        tier.cache_size = MIN_CODE_CACHE;
        tier.compile_at(&mut cache, &mut mem, idx, 0).unwrap();
        collect_when_done(&mut tier, &mut cache);
        assert!(cache.get(idx).compiled.is_some());
    }

    #[test]
    fn without_the_background_compiler_a_region_is_installed_at_once() {
        let (mut mem, mut cache, _, idx) = setup();
        let mut tier =
            Tiering::for_mode(ExecMode::Hybrid, &JitConfig::default(), false, false).unwrap().unwrap();
        tier.compile_at(&mut cache, &mut mem, idx, 0).unwrap();
        assert!(cache.get(idx).compiled.is_some());
        assert_eq!(cache.get(idx).pending, 0);
    }
}
