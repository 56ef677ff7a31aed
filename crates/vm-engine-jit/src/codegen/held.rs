//! Which guest registers each block of a region keeps in host registers (Cranelift
//! variables): the loops are found from the region's backward edges, and each block holds the
//! registers its innermost loop uses most. Also sets up the translation's `instret` counter,
//! which the same pass over the region needs first, and moves held registers between their
//! variables and memory on the edges between blocks.

use std::collections::HashMap;
use std::mem::offset_of;

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::InstBuilder;
use vm_core::cpu::NUM_INT_SLOTS;
use vm_core::CpuState;
use vm_ir::{Slot, Terminator};

use super::{vm_flags, x_offset, Counter, Gen, RegionBlock};
use crate::context::JitContext;

impl Gen<'_, '_> {
    /// Choose what each block holds in variables: the loops are the backward edges within the
    /// region (to a block that reaches the edge's source), a block belongs to every loop whose
    /// pc range covers it, and holds the `opts.promote` registers its innermost loop uses most
    /// (a use weighing 8^depth, at least 3 in all). Also sets up the `instret` variable.
    pub(super) fn promote(&mut self, blocks: &[RegionBlock<'_>]) {
        if self.opts.count && self.opts.chain {
            let var = self.b.declare_var(I64);
            let v = self.b.ins().load(I64, vm_flags(), self.cpu, offset_of!(CpuState, instret) as i32);
            if self.opts.baseline {
                self.b.def_var(var, v);
                self.counter = Counter::Instret(var);
            } else {
                let stop = self.load_ctx(offset_of!(JitContext, stop));
                self.fill_fuel(var, v, stop);
                self.counter = Counter::Fuel(var);
            }
        }
        if self.opts.promote == 0 || !self.opts.chain {
            return;
        }
        let targets = |rb: &RegionBlock<'_>| -> Vec<u64> {
            match &rb.block.term {
                Terminator::JumpInd { .. } => rb.ind_targets.to_vec(),
                t => t.jump_targets(),
            }
        };
        // Internal edges; a loop is an edge back to a block from which its source is reachable.
        let succ: HashMap<u64, Vec<u64>> = blocks
            .iter()
            .map(|rb| {
                let ts = targets(rb).into_iter().filter(|t| self.blocks.contains_key(t));
                (rb.block.start_pc, ts.collect())
            })
            .collect();
        let reaches = |from: u64, to: u64| {
            let mut seen = vec![from];
            let mut i = 0;
            while i < seen.len() {
                if seen[i] == to {
                    return true;
                }
                for &n in succ.get(&seen[i]).into_iter().flatten() {
                    if !seen.contains(&n) {
                        seen.push(n);
                    }
                }
                i += 1;
            }
            false
        };
        let mut loops = Vec::new();
        for rb in blocks {
            let pc = rb.block.start_pc;
            for &t in succ.get(&pc).into_iter().flatten() {
                if t <= pc && reaches(t, pc) {
                    loops.push((t, pc));
                }
            }
        }
        self.has_loop = !loops.is_empty();
        if loops.is_empty() {
            // Straight-line code (often entered once per indirect jump, as in a bytecode
            // interpreter's handlers) would pay the entry loads and exit stores for nothing.
            return;
        }
        loops.sort_unstable();
        loops.dedup();
        // Uses and writes of each guest register, per block.
        let mut uses: HashMap<u64, ([u32; 32], u64)> = HashMap::new();
        for rb in blocks {
            let (count, writes) = uses.entry(rb.block.start_pc).or_insert(([0; 32], 0));
            let mut note = |n: u8, write: bool| {
                if (1..32).contains(&n) {
                    count[n as usize] += 1;
                    if write {
                        *writes |= 1 << n;
                    }
                }
            };
            for op in &rb.block.ops {
                op.visit_slots(&mut |slot, access| {
                    if let Slot::Int(n) = slot {
                        note(n, matches!(access, vm_ir::Access::Write));
                    }
                });
            }
            match &rb.block.term {
                Terminator::Branch { rs1, rs2, .. } => {
                    note(rs1.0, false);
                    note(rs2.0, false);
                }
                Terminator::JumpInd { base, .. } => note(base.0, false),
                _ => {}
            }
        }
        let inside = |pc: u64, &(a, b): &(u64, u64)| (a..=b).contains(&pc);
        let depth = |pc: u64| loops.iter().filter(|l| inside(pc, l)).count().min(4) as u32;
        // Each loop holds the registers its blocks use most, nested blocks weighing more.
        let held_by_loop: Vec<u64> = loops
            .iter()
            .map(|l| {
                let mut weight = [0u32; 32];
                for (&pc, (count, _)) in uses.iter().filter(|(&pc, _)| inside(pc, l)) {
                    let w = 1u32 << (3 * depth(pc));
                    for n in 1..32 {
                        weight[n] += count[n] * w;
                    }
                }
                let mut order: Vec<u8> = (1..32).filter(|&n| weight[n as usize] >= 3).collect();
                order.sort_by_key(|&n| (std::cmp::Reverse(weight[n as usize]), n));
                order.truncate(self.opts.promote as usize);
                order.iter().fold(0u64, |m, &n| m | 1 << n)
            })
            .collect();
        // A block holds the set of its innermost loop.
        let mut all = 0u64;
        for (&pc, &(_, writes)) in &uses {
            let innermost =
                (0..loops.len()).filter(|&i| inside(pc, &loops[i])).min_by_key(|&i| loops[i].1 - loops[i].0);
            if let Some(i) = innermost {
                let held = held_by_loop[i];
                self.held.insert(pc, held);
                self.held_dirty |= held & writes;
                all |= held;
            }
        }
        for n in 1..32 {
            if all & (1 << n) != 0 {
                self.vars[n] = Some(self.b.declare_var(I64));
            }
        }
    }

    /// A block ending in a branch compiled as selects (`hammock`) also writes what the skipped
    /// ops write: registers it holds that they write are dirty too, or an edge out of its
    /// loop would not store them (found by the differential fuzzer: an `sll` skipped by a
    /// `beq`, whose result a nested loop's blocks then read from `cpu.x`).
    pub(super) fn hammock_writes_dirty(&mut self) {
        for (pc, h) in &self.hammocks {
            let Some(&held) = self.held.get(pc) else { continue };
            self.held_dirty |= held & super::int_writes(&h.prefix);
        }
    }
}

/// Moving held registers between blocks and memory.
impl Gen<'_, '_> {
    /// On an edge from the current block to region block `target`: store the held registers
    /// `target` does not hold, load the ones it holds that this block does not.
    pub(super) fn move_held(&mut self, target: u64) {
        let next = self.held.get(&target).copied().unwrap_or(0);
        self.store_slots(self.cur_held & !next & self.held_dirty);
        for slot in 1..32u8 {
            if next & !self.cur_held & (1 << slot) != 0 {
                let var = self.vars[slot as usize].expect("held registers have variables");
                // The value this block has for it, if any (it then reaches the loop as what it
                // is, a sign-extended W result for example: see `narrow`).
                let v = match self.local[slot as usize] {
                    Some(v) => v,
                    None => self.b.ins().load(I64, vm_flags(), self.cpu, x_offset(slot)),
                };
                self.b.def_var(var, v);
            }
        }
    }

    /// Store the slots in `mask` to `cpu.x` (promoted ones from their variables, others from
    /// this block's values).
    pub(super) fn store_slots(&mut self, mask: u64) {
        for slot in 1..NUM_INT_SLOTS as u8 {
            if mask & (1 << slot) != 0 {
                let v = match self.var(slot) {
                    Some(var) => Some(self.b.use_var(var)),
                    None => self.local[slot as usize],
                };
                if let Some(v) = v {
                    self.b.ins().store(vm_flags(), v, self.cpu, x_offset(slot));
                }
            }
        }
    }

    /// Reload the slots in `mask` from `cpu.x` (after a helper wrote them).
    pub(super) fn reload_slots(&mut self, mask: u64) {
        for slot in 1..NUM_INT_SLOTS as u8 {
            if mask & (1 << slot) != 0 {
                if let Some(var) = self.var(slot) {
                    let v = self.b.ins().load(I64, vm_flags(), self.cpu, x_offset(slot));
                    self.b.def_var(var, v);
                } else {
                    // Loaded again at the next use (a helper wrote it: not a known constant).
                    self.local[slot as usize] = None;
                    if let Some(k) = self.cur_consts.get_mut(slot as usize) {
                        *k = None;
                    }
                }
            }
        }
    }
}
