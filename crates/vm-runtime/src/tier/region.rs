//! Which blocks make a region: the hot block and the blocks reachable from it that ran, and
//! for a bytecode interpreter's dispatch the targets its indirect jump took, trimmed to the
//! loop back to the dispatch (see [`Tiering::gather`]).

use std::collections::HashSet;

use vm_core::Mmu;
use vm_engine_jit::dispatch_table_fits;
use vm_ir::Terminator;

use super::{
    Tiering, MAX_DISPATCH_REGION_BLOCKS, MAX_DISPATCH_REGION_OPS, MAX_REGION_BLOCKS, MAX_REGION_OPS,
};
use crate::cache::{BlockCache, CachedBlock};

/// Whether `jalr x0, off(base)` is a return (`ret` uses `ra`; `t0` is the alternate link).
pub(crate) fn is_return(base: u8, off: i64) -> bool {
    off == 0 && matches!(base, 1 | 5)
}

/// The blocks of `picked` (the first is the region's entry, which stays) from which one of the
/// `dispatch` blocks can be reached along the region's edges: direct jumps and branches, and
/// a dispatch's recorded targets.
fn dispatch_loop(cache: &BlockCache, picked: Vec<u32>, dispatch: &[u32]) -> Vec<u32> {
    let nodes: Vec<(u64, Vec<u64>)> = picked
        .iter()
        .map(|&i| {
            let b = cache.get(i);
            let succ = match &b.lifted.block.term {
                Terminator::JumpInd { .. } if dispatch.contains(&i) => b.ind_targets.clone(),
                t => t.jump_targets(),
            };
            (b.lifted.block.start_pc, succ)
        })
        .collect();
    let seeds = dispatch.iter().map(|&i| cache.get(i).lifted.block.start_pc).collect();
    let keep = leads_to(&nodes, seeds);
    let entry = picked[0];
    picked
        .into_iter()
        .zip(&nodes)
        .filter(|(i, (pc, _))| *i == entry || keep.contains(pc))
        .map(|(i, _)| i)
        .collect()
}

/// The pcs of `nodes` (each a block's pc and its successors' pcs) from which a pc in `seeds`
/// can be reached, the seeds included.
fn leads_to(nodes: &[(u64, Vec<u64>)], mut seeds: HashSet<u64>) -> HashSet<u64> {
    loop {
        let before = seeds.len();
        for (pc, succ) in nodes {
            if succ.iter().any(|s| seeds.contains(s)) {
                seeds.insert(*pc);
            }
        }
        if seeds.len() == before {
            return seeds;
        }
    }
}

/// `b` is a dispatch whose targets a translation already holds, and `b` has a translation of its
/// own to chain to (normally that one): another region leaves to it rather than copy it, since
/// the copy would go through the lookup table at every dispatch.
fn runs_own_dispatch(b: &CachedBlock) -> bool {
    b.targets_inlined && b.compiled.is_some()
}

impl Tiering {
    /// The blocks of the region starting at cache block `idx`: the blocks that ran and that its
    /// direct jumps and branches reach, and the targets its indirect jumps took — a bytecode
    /// interpreter's dispatch loop then runs in one region. That happens once per dispatch
    /// block and only if every target fits (large handlers, as in Lua, made every region the
    /// size limit at a high compile cost for little gain). Such a region keeps only the loop:
    /// blocks that lead back to a dispatch (not the rarely run paths out of the handlers, such
    /// as the way to `exit`, which made it slower).
    ///
    /// With threshold 0 nothing has run yet, so it takes the blocks its branches reach whether
    /// they ran or not (compiling ahead, as a whole-program JIT would; the differential tests
    /// use this to put random code into regions).
    pub(super) fn gather<M: Mmu>(&self, cache: &mut BlockCache, mem: &mut M, idx: u32) -> Vec<u32> {
        if let Some((picked, dispatch)) = self.gather_with(cache, mem, idx, true) {
            if dispatch.is_empty() {
                return picked;
            }
            let picked = dispatch_loop(cache, picked, &dispatch);
            for i in dispatch {
                cache.get_mut(i).targets_inlined = true;
            }
            return picked;
        }
        self.gather_with(cache, mem, idx, false).map(|(p, _)| p).unwrap_or_else(|| vec![idx])
    }

    /// [`Tiering::gather`] following indirect-jump targets if `expand`; `None` if some target
    /// did not fit. Also returns the dispatch blocks whose targets it followed.
    fn gather_with<M: Mmu>(
        &self,
        cache: &mut BlockCache,
        mem: &mut M,
        idx: u32,
        expand: bool,
    ) -> Option<(Vec<u32>, Vec<u32>)> {
        let mut picked = vec![idx];
        let mut dispatch = Vec::new();
        let mut ops = cache.get(idx).lifted.block.ops.len();
        let mut next = 0;
        let (mut max_blocks, mut max_ops) = (MAX_REGION_BLOCKS, MAX_REGION_OPS);
        while next < picked.len() && picked.len() < max_blocks {
            let b = cache.get(picked[next]);
            next += 1;
            let (succ, targets) = match b.lifted.block.term {
                // Not returns (`jalr x0, 0(ra|t0)`): their targets are call sites, which
                // would pull whole callers in.
                Terminator::JumpInd { base, off }
                    if expand
                        && !is_return(base.0, off)
                        && dispatch_table_fits(&b.ind_targets)
                        && !b.targets_inlined =>
                {
                    dispatch.push(picked[next - 1]);
                    (max_blocks, max_ops) = (MAX_DISPATCH_REGION_BLOCKS, MAX_DISPATCH_REGION_OPS);
                    (b.ind_targets.clone(), true)
                }
                ref t => (t.jump_targets(), false),
            };
            for pc in succ {
                if cache.is_break(pc) {
                    // The run loop must stop in front of a breakpoint: leave it out.
                    continue;
                }
                // Only paths that ran (whose blocks the cache has), unless nothing has to.
                let i = if self.threshold == 0 { Some(cache.lookup(pc, mem)) } else { cache.peek(pc) };
                let Some(i) = i else { continue };
                if runs_own_dispatch(cache.get(i)) {
                    continue;
                }
                if !self.worth_compiling(&cache.get(i).lifted.block) || picked.contains(&i) {
                    continue;
                }
                let n = cache.get(i).lifted.block.ops.len();
                if picked.len() >= max_blocks || ops + n > max_ops {
                    if targets {
                        return None;
                    }
                    continue;
                }
                ops += n;
                picked.push(i);
            }
        }
        Some((picked, dispatch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dispatch at 0x10 with handlers 0x20 (back to it) and 0x30 (back, or on to 0x40, the
    /// way out, which goes on to 0x50): the loop is the dispatch and both handlers.
    #[test]
    fn a_dispatch_loop_is_the_blocks_that_lead_back_to_the_dispatch() {
        let nodes = vec![
            (0x10, vec![0x20, 0x30]),
            (0x20, vec![0x10]),
            (0x30, vec![0x10, 0x40]),
            (0x40, vec![0x50]),
            (0x50, vec![]),
        ];
        let keep = leads_to(&nodes, HashSet::from([0x10]));
        assert_eq!(keep, HashSet::from([0x10, 0x20, 0x30]));
        // Reached only through a later block: found on a later pass.
        let nodes = vec![(0x60, vec![0x70]), (0x70, vec![0x80]), (0x80, vec![0x10])];
        assert_eq!(leads_to(&nodes, HashSet::from([0x10])), HashSet::from([0x10, 0x60, 0x70, 0x80]));
    }
}
