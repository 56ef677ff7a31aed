//! The run loop shared by every machine: look blocks up in the cache, execute them on the
//! interpreter back to back, and hand anything that is not a plain next pc (exceptions,
//! `ecall`, `mret`, `fence.i`, …) to the machine. Also the slow paths: `--trace` (one
//! instruction per block) and the last blocks before `--max-insns`.

use vm_core::{CpuState, Mmu, VmError, VmStats};
use vm_frontend::riscv64::lift::{lift_block, InsnMark};
use vm_interp::{run_block, CsrHandler, Exception, Exit};
use vm_ir::CsrOp;

use crate::cache::{BlockCache, MAX_BLOCK_INSNS};
use crate::tier::Tiering;
use crate::trace::Tracer;
use vm_engine_jit::{EnterEnv, RegionExit};

/// Index of the instruction that op `op_index` belongs to.
pub(crate) fn insn_of_op(marks: &[InsnMark], op_index: usize) -> usize {
    marks.partition_point(|m| m.first_op as usize <= op_index).saturating_sub(1)
}

/// A machine's CSR file, given the exact number of instructions retired before the access.
pub(crate) trait Csrs {
    /// Access `csr`; returns the old value or an illegal-instruction exception.
    fn access(
        &mut self,
        cpu: &mut CpuState,
        instret: u64,
        csr: u16,
        op: CsrOp,
        src: u64,
        write: bool,
    ) -> Result<u64, Exception>;
}

/// Adapts a [`Csrs`] to the interpreter: works out instret at the op from the block's marks.
pub(crate) struct Ctx<'a, C> {
    pub csrs: &'a mut C,
    pub marks: &'a [InsnMark],
    pub instret: u64,
}

impl<C: Csrs> CsrHandler for Ctx<'_, C> {
    fn csr(
        &mut self,
        cpu: &mut CpuState,
        op_index: usize,
        csr: u16,
        op: CsrOp,
        src: u64,
        _read: bool,
        write: bool,
    ) -> Result<u64, Exception> {
        let now = self.instret + insn_of_op(self.marks, op_index) as u64;
        self.csrs.access(cpu, now, csr, op, src, write)
    }
}

/// Borrowed pieces of a machine the loop works on.
pub(crate) struct Parts<'a, M, C> {
    pub cpu: &'a mut CpuState,
    pub mem: &'a mut M,
    pub csrs: &'a mut C,
    pub cache: &'a mut BlockCache,
    pub stats: &'a mut VmStats,
    pub tracer: Option<&'a mut Tracer>,
    pub tier: Option<&'a mut Tiering>,
}

/// What a machine adds to the shared loop.
pub(crate) trait Machine {
    /// Guest memory.
    type Mem: Mmu;
    /// CSR file.
    type Csrs: Csrs;
    /// How a run ends without error.
    type Outcome;
    /// The pieces the loop needs.
    fn parts(&mut self) -> Parts<'_, Self::Mem, Self::Csrs>;
    /// Cheap check after every block: must the hot loop stop so [`Machine::attend`] can run?
    fn wants_attention(mem: &Self::Mem) -> bool;
    /// The machine's stop word, set to `stop_at` now; whatever makes
    /// [`Machine::wants_attention`] true later stores 0 there (compiled code starts from its
    /// value and sees such a store when a helper returns; see [`EnterEnv::stop`]).
    fn stop_word(mem: &mut Self::Mem, stop_at: u64) -> *const u64;
    /// Take a profiling sample if one is due (see [`crate::profile`]); returns the instruction
    /// count at which the next is due, or `None` when not profiling.
    fn profile(&mut self) -> Option<u64> {
        None
    }
    /// Serve whatever `wants_attention` saw (device mailbox, pending signals).
    fn attend(&mut self) -> Result<Option<Self::Outcome>, VmError>;
    /// Under a debugger: the signal of a synchronous fault held back for it (the guest stopped
    /// at the faulting instruction instead of entering a handler or dying).
    fn held_signal(&self) -> Option<u8> {
        None
    }
    /// Act on a block exit other than a next pc; `marks` are the block's instructions.
    fn finish(
        &mut self,
        exit: Exit,
        start_pc: u64,
        marks: &[InsnMark],
    ) -> Result<Option<Self::Outcome>, VmError>;
}

/// Run `m` until it produces an outcome or an error, or `max_insns` instructions retire.
pub(crate) fn run<M: Machine>(m: &mut M, max_insns: Option<u64>) -> Result<M::Outcome, VmError> {
    loop {
        let next_sample = m.profile();
        let p = m.parts();
        let budget = match max_insns {
            Some(limit) if p.cpu.instret >= limit => {
                return Err(VmError::InsnLimit { limit, pc: p.cpu.pc });
            }
            Some(limit) => limit - p.cpu.instret,
            None => u64::MAX,
        };
        let pending = if p.tracer.is_some() || budget < MAX_BLOCK_INSNS as u64 {
            // Uncached short blocks: one instruction when tracing, at most the budget otherwise.
            let n = if p.tracer.is_some() { 1 } else { budget as usize };
            let Parts { cpu, mem, csrs, cache, stats, tracer, .. } = p;
            if cache.dumps_exec() {
                crate::dump::exec_interp(cache, cpu.pc);
            }
            run_short(cpu, mem, csrs, stats, tracer, n)
        } else {
            // Stop the hot loop early enough that the last blocks run under the budget path.
            let stop_at = p.cpu.instret.saturating_add(budget - MAX_BLOCK_INSNS as u64);
            // Profiling: also stop at the next sample.
            let stop_at = next_sample.map_or(stop_at, |s| s.min(stop_at));
            // `-d exec` gets its own copy of the hot loop, so the usual one pays nothing for it.
            if p.cache.dumps_exec() {
                run_hot::<M, true>(p, stop_at)
            } else {
                run_hot::<M, false>(p, stop_at)
            }
        };
        if let Some((exit, start, marks)) = pending {
            if let Some(o) = m.finish(exit, start, &marks)? {
                return Ok(o);
            }
        }
        if let Some(o) = m.attend()? {
            return Ok(o);
        }
    }
}

/// What a block run left for [`Machine::finish`]: how it ended, its start pc and its
/// instructions (`None`: it ended in a plain next pc, already applied).
pub(crate) type Pending = Option<(Exit, u64, Vec<InsnMark>)>;

/// Run at most `n` instructions from `cpu.pc` as one uncached block, on the interpreter: the
/// slow path for `--trace` (one instruction, traced), the last instructions before a limit and
/// a debugger's single step. `mem` may be a wrapper of the machine's memory (watchpoints).
pub(crate) fn run_short<Mm: Mmu + ?Sized, C: Csrs>(
    cpu: &mut CpuState,
    mem: &mut Mm,
    csrs: &mut C,
    stats: &mut VmStats,
    tracer: Option<&mut Tracer>,
    n: usize,
) -> Pending {
    let lifted = lift_block(|a| mem.fetch16(a), cpu.pc, n);
    let before = tracer.as_ref().map(|_| cpu.clone());
    stats.blocks_executed += 1;
    let mut ctx = Ctx { csrs, marks: &lifted.insns, instret: cpu.instret };
    let exit = run_block(cpu, mem, &mut ctx, &lifted.block);
    if let (Some(t), Some(b), Some(mk)) = (tracer, before, lifted.insns.first()) {
        // A faulting instruction did not run: its line shows no register change.
        t.emit(mk.pc, mk.raw, &b, cpu);
    }
    match exit {
        Exit::Next(next) => {
            cpu.pc = next;
            cpu.instret += lifted.insns.len() as u64;
            None
        }
        other => Some((other, lifted.block.start_pc, lifted.insns)),
    }
}

/// The hot path: run cached blocks back to back until one ends in something other than a
/// next pc (returned with what `finish` needs), the machine wants attention, `instret`
/// reaches `stop_at`, or the pc is a debugger's breakpoint. `EXEC`: log every block run and
/// region entered (`-d exec`).
#[inline(never)]
pub(crate) fn run_hot<M: Machine, const EXEC: bool>(p: Parts<'_, M::Mem, M::Csrs>, stop_at: u64) -> Pending {
    let Parts { cpu, mem, csrs, cache, stats, mut tier, .. } = p;
    let mut executed = 0u64;
    // The last region entered left by a side exit: interpret the block from there.
    let mut interpret_once = false;
    let result = loop {
        if cache.is_break(cpu.pc) {
            // A debugger's breakpoint: stop before the block that starts there.
            break None;
        }
        let idx = cache.lookup(cpu.pc, mem);
        executed += 1;
        if let Some(t) = tier.as_deref_mut() {
            if t.has_compiled() {
                t.collect(cache);
            }
            let b = cache.get_mut(idx);
            if (b.compiled.is_none() || b.baseline) && !b.jit_failed && b.pending == 0 {
                let hot = t.is_hot(b, cpu.instret);
                if hot && !t.worth_compiling(&b.lifted.block) {
                    b.jit_failed = true;
                } else if hot {
                    if let Err(e) = t.compile_at(cache, mem, idx, cpu.instret) {
                        let b = cache.get_mut(idx);
                        tracing::warn!("block {:#x} stays interpreted: {e}", b.lifted.block.start_pc);
                        b.jit_failed = true;
                    }
                } else {
                    if b.runs == 0 {
                        b.first_run = cpu.instret;
                    }
                    b.runs = b.runs.saturating_add(1);
                }
            }
            let skip_compiled = std::mem::take(&mut interpret_once);
            if let Some(rid) = cache.get(idx).compiled.filter(|_| !skip_compiled) {
                let env = EnterEnv { stop: M::stop_word(mem, stop_at) };
                if M::wants_attention(mem) {
                    // Something arrived before the stop word was set: serve it first.
                    break None;
                }
                if EXEC {
                    crate::dump::exec_region(cache, t, cpu.pc, rid);
                }
                let before = cpu.instret;
                match t.enter(rid, cpu, &mut *mem, &mut *csrs, cache, env) {
                    RegionExit::Side { pc } => {
                        // A memory access missed the fast path (a fault, a misaligned access, a
                        // store to a page holding translated code): the interpreter runs it,
                        // not compiled code starting there, which would miss again.
                        cpu.pc = pc;
                        interpret_once = true;
                        t.side_exit(cache, pc);
                        if cpu.instret >= stop_at || M::wants_attention(mem) {
                            break None;
                        }
                        continue;
                    }
                    RegionExit::Next { pc, slot } => {
                        let b = cache.get_mut(idx);
                        if b.baseline && slot.is_none() && cpu.instret - before == b.n_insns {
                            // A baseline ran its block and left by its indirect jump: learn
                            // the target as the interpreter would.
                            note_ind_target(b, pc);
                        }
                        cpu.pc = pc;
                        if cpu.instret >= stop_at || M::wants_attention(mem) {
                            break None;
                        }
                        continue;
                    }
                    RegionExit::Fault { block_pc, op_index, exc } => {
                        // As on the interpreter path: the pc is the start of the block that stopped.
                        cpu.pc = block_pc;
                        let i = cache.lookup(block_pc, mem);
                        let b = cache.get(i);
                        break Some((Exit::Fault { op_index, exc }, block_pc, b.lifted.insns.clone()));
                    }
                    RegionExit::Term { block_pc } => {
                        cpu.pc = block_pc;
                        let i = cache.lookup(block_pc, mem);
                        let b = cache.get(i);
                        let term = b.lifted.block.term.clone();
                        break Some((Exit::Term(term), block_pc, b.lifted.insns.clone()));
                    }
                }
            }
        }
        if EXEC {
            crate::dump::exec_interp(cache, cpu.pc);
        }
        let b = cache.get(idx);
        let mut ctx = Ctx { csrs: &mut *csrs, marks: &b.lifted.insns, instret: cpu.instret };
        match run_block(cpu, mem, &mut ctx, &b.lifted.block) {
            Exit::Next(next) => {
                cpu.pc = next;
                cpu.instret += b.n_insns;
                if tier.is_some() {
                    note_ind_target(cache.get_mut(idx), next);
                }
                if cpu.instret >= stop_at || M::wants_attention(mem) {
                    break None;
                }
            }
            // Rare path (trap, ecall, mret, fence.i): copy what `finish` needs.
            other => break Some((other, b.lifted.block.start_pc, b.lifted.insns.clone())),
        }
    };
    stats.blocks_executed += executed;
    result
}

/// Block `b` ended in a jump to `next`: if that was an indirect jump (not a return, which
/// regions never follow), regions holding `b` may jump to `next` inside compiled code.
fn note_ind_target(b: &mut crate::cache::CachedBlock, next: u64) {
    if let vm_ir::Terminator::JumpInd { base, off } = b.lifted.block.term {
        if !crate::tier::is_return(base.0, off) {
            b.note_ind_target(next);
        }
    }
}

/// Guest code in `[lo, hi)` changed or went away: forget its blocks and translations.
pub(crate) fn invalidate(cache: &mut BlockCache, tier: Option<&mut Tiering>, lo: u64, hi: u64) {
    if let Some(t) = tier {
        t.invalidate_range(cache, lo, hi);
    }
    cache.invalidate_range(lo, hi);
}

/// Forget every block and translation (execve, or `fence.i` where code writes are not tracked).
pub(crate) fn flush_all(cache: &mut BlockCache, tier: Option<&mut Tiering>) -> Result<(), VmError> {
    if let Some(t) = tier {
        t.flush(cache)?;
    }
    cache.flush();
    Ok(())
}

/// `fence.i`: drop the translations of pages written since they were translated (all of them
/// if the memory does not track that).
pub(crate) fn fence_i<M: Mmu>(
    mem: &mut M,
    cache: &mut BlockCache,
    mut tier: Option<&mut Tiering>,
) -> Result<(), VmError> {
    match mem.take_code_writes() {
        Some(pages) => {
            for page in pages {
                invalidate(cache, tier.as_deref_mut(), page, page + 4096);
            }
            Ok(())
        }
        None => flush_all(cache, tier),
    }
}
