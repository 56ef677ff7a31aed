//! The block cache: translated blocks keyed by guest pc, translated once and reused. It also
//! carries the [`Dumper`] (`-d`), which shows each block as it is translated.

use std::collections::{HashMap, HashSet};

use vm_core::Mmu;
use vm_engine_jit::RegionId;
use vm_frontend::riscv64::lift::{lift_block, LiftedBlock};

use crate::dump::Dumper;

/// Longest block the lifter makes (in guest instructions).
pub const MAX_BLOCK_INSNS: usize = 64;
const FAST_SLOTS: usize = 4096;
/// Most indirect-jump targets remembered per block.
pub const MAX_IND_TARGETS: usize = 64;

/// A translated block and what the run loop needs to know about it.
pub struct CachedBlock {
    /// IR and per-instruction marks.
    pub lifted: LiftedBlock,
    /// Guest instructions in the block.
    pub n_insns: u64,
    /// Times the run loop dispatched to the block on the interpreter or to its baseline
    /// translation (the hotness counter).
    pub runs: u32,
    /// `instret` at its first counted run: how fast `runs` grew says how hot it is.
    pub first_run: u64,
    /// The translation that starts at this block, once compiled (jit and hybrid modes).
    pub compiled: Option<RegionId>,
    /// `compiled` is jit mode's first-tier translation of this block alone, which the run
    /// loop still counts and replaces with a region once the block is hot.
    pub baseline: bool,
    /// Compilation failed once: stay on the interpreter (or on the baseline translation).
    pub jit_failed: bool,
    /// Where the block's indirect jump went while it was interpreted (distinct, at most
    /// [`MAX_IND_TARGETS`]): a region that holds the block can jump to those it also holds
    /// without leaving compiled code (a bytecode interpreter's dispatch and its handlers).
    pub ind_targets: Vec<u64>,
    /// A region already holds this block with its indirect jump's targets: others leave
    /// through the lookup table instead of compiling the whole dispatch loop again.
    pub targets_inlined: bool,
    /// Regions holding this block that the background compiler has not finished: the block
    /// does not start one of its own meanwhile (a hot loop's every block would).
    pub pending: u16,
}

impl CachedBlock {
    /// Remember that the block's indirect jump went to `pc`.
    pub fn note_ind_target(&mut self, pc: u64) {
        if self.ind_targets.len() < MAX_IND_TARGETS && !self.ind_targets.contains(&pc) {
            self.ind_targets.push(pc);
        }
    }

    /// Guest addresses `[start, end)` of the block's instructions.
    pub fn range(&self) -> (u64, u64) {
        let start = self.lifted.block.start_pc;
        // Saturating: a block may sit at the very top of the address space.
        let end = self
            .lifted
            .insns
            .last()
            .map_or(start.saturating_add(2), |m| m.pc.saturating_add(u64::from(m.len)));
        (start, end)
    }
}

/// Translated blocks by start pc, with a direct-mapped front table for the hot lookups.
pub struct BlockCache {
    blocks: Vec<CachedBlock>,
    by_pc: HashMap<u64, u32>,
    fast: Vec<(u64, u32)>,
    /// Lookups answered by the hash map after a front-table miss (front-table hits are
    /// `blocks executed - misses - hits`, not counted on the hot path).
    pub hits: u64,
    /// Lookups that had to translate.
    pub misses: u64,
    /// Times everything was dropped.
    pub flushes: u64,
    /// A debugger's breakpoints: blocks end before them, so each starts a block of its own
    /// that the run loop stops in front of and the JIT never compiles.
    breaks: HashSet<u64>,
    /// QEMU-style dumps (`-d`), if any are on.
    pub dump: Option<Box<Dumper>>,
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache {
            blocks: Vec::new(),
            by_pc: HashMap::new(),
            fast: vec![(u64::MAX, 0); FAST_SLOTS],
            hits: 0,
            misses: 0,
            flushes: 0,
            breaks: HashSet::new(),
            dump: None,
        }
    }
}

impl BlockCache {
    /// An empty cache that shows each block it translates on `dump`, if given.
    pub fn with_dump(dump: Option<Dumper>) -> Self {
        BlockCache { dump: dump.map(Box::new), ..Default::default() }
    }

    /// Index of the block starting at `pc`, translating it from `mem` if needed.
    #[inline]
    pub fn lookup<M: Mmu + ?Sized>(&mut self, pc: u64, mem: &mut M) -> u32 {
        let slot = ((pc >> 1) as usize) & (FAST_SLOTS - 1);
        let (tag, idx) = self.fast[slot];
        if tag == pc {
            return idx;
        }
        let idx = match self.by_pc.get(&pc) {
            Some(&i) => {
                self.hits += 1;
                i
            }
            None => {
                self.misses += 1;
                let mut lifted = lift_block(|a| mem.fetch16(a), pc, MAX_BLOCK_INSNS);
                if let Some(k) = lifted.insns.iter().skip(1).position(|m| self.breaks.contains(&m.pc)) {
                    // End the block before the breakpoint (instruction k + 1).
                    lifted = lift_block(|a| mem.fetch16(a), pc, k + 1);
                }
                let n_insns = lifted.insns.len() as u64;
                let i = self.blocks.len() as u32;
                let block = CachedBlock {
                    lifted,
                    n_insns,
                    runs: 0,
                    first_run: 0,
                    compiled: None,
                    baseline: false,
                    jit_failed: false,
                    ind_targets: Vec::new(),
                    targets_inlined: false,
                    pending: 0,
                };
                let (start, end) = block.range();
                mem.note_code(start, end - start);
                if let Some(d) = self.dump.as_deref_mut() {
                    d.block(&block.lifted);
                }
                self.blocks.push(block);
                self.by_pc.insert(pc, i);
                i
            }
        };
        self.fast[slot] = (pc, idx);
        idx
    }

    /// Whether `pc` is a debugger's breakpoint (cheap when there are none).
    #[inline(always)]
    pub fn is_break(&self, pc: u64) -> bool {
        !self.breaks.is_empty() && self.breaks.contains(&pc)
    }

    /// The debugger's breakpoints, to add to or remove from; the caller invalidates the blocks
    /// and translations around a changed address (see `engine::invalidate`).
    pub fn breaks_mut(&mut self) -> &mut HashSet<u64> {
        &mut self.breaks
    }

    /// Index of the block starting at `pc` if it is translated (never translates).
    pub fn peek(&self, pc: u64) -> Option<u32> {
        self.by_pc.get(&pc).copied()
    }

    /// Indices of every live block.
    pub fn live(&self) -> impl Iterator<Item = u32> + '_ {
        self.by_pc.values().copied()
    }

    /// Forget every block with an instruction in `[lo, hi)` (guest code there changed or went
    /// away); returns how many. Indices of other blocks stay valid.
    pub fn invalidate_range(&mut self, lo: u64, hi: u64) -> usize {
        let doomed: Vec<(u64, u32)> = self
            .by_pc
            .iter()
            .filter(|&(_, &i)| {
                let (s, e) = self.blocks[i as usize].range();
                s < hi && lo < e
            })
            .map(|(&pc, &i)| (pc, i))
            .collect();
        for &(pc, i) in &doomed {
            self.by_pc.remove(&pc);
            let slot = ((pc >> 1) as usize) & (FAST_SLOTS - 1);
            if self.fast[slot] == (pc, i) {
                self.fast[slot] = (u64::MAX, 0);
            }
        }
        doomed.len()
    }

    /// The block at `idx` (from [`BlockCache::lookup`]).
    #[inline]
    pub fn get(&self, idx: u32) -> &CachedBlock {
        &self.blocks[idx as usize]
    }

    /// The block at `idx`, mutable (hotness counter, compiled code).
    #[inline]
    pub fn get_mut(&mut self, idx: u32) -> &mut CachedBlock {
        &mut self.blocks[idx as usize]
    }

    /// Drop every translation (after `fence.i`: guest code may have changed).
    pub fn flush(&mut self) {
        self.blocks.clear();
        self.by_pc.clear();
        self.fast.fill((u64::MAX, 0));
        self.flushes += 1;
    }

    /// Whether `-d exec` is on (the run loop then logs every block it runs).
    pub fn dumps_exec(&self) -> bool {
        self.dump.as_ref().is_some_and(|d| d.items().exec)
    }

    /// Write out buffered dump lines (at the end of a run and before the guest forks).
    pub fn flush_dump(&mut self) {
        if let Some(d) = self.dump.as_deref_mut() {
            d.flush();
        }
    }

    /// Number of blocks translated since creation (including flushed ones).
    pub fn translated(&self) -> u64 {
        self.misses
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_frontend::riscv64::lift::InsnMark;
    use vm_ir::{IRBlock, Terminator};

    /// Found by the differential fuzzer: a block at the top of the address space.
    #[test]
    fn range_of_a_block_at_the_top_of_the_address_space_saturates() {
        let pc = u64::MAX - 1;
        let lifted = LiftedBlock {
            block: IRBlock {
                start_pc: pc,
                ops: Vec::new(),
                term: Terminator::Trap { cause: 1, tval: pc, pc },
            },
            insns: vec![InsnMark { pc, first_op: 0, len: 4, raw: 0x13 }],
        };
        let b = CachedBlock {
            lifted,
            n_insns: 1,
            runs: 0,
            first_run: 0,
            compiled: None,
            baseline: false,
            jit_failed: false,
            ind_targets: Vec::new(),
            targets_inlined: false,
            pending: 0,
        };
        assert_eq!(b.range(), (pc, u64::MAX));
    }
}
