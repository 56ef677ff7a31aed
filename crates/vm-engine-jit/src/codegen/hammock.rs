//! If-conversion of *hammocks*: a forward branch that skips a few ALU instructions, as in
//! `beqz a5, 1f; xor s0, s0, a2; slli s0, s0, 48; srli s0, s0, 48; 1: …` (C's
//! `if (bit) crc ^= poly;`, which GCC for RV64GC, lacking a conditional move, compiles to a
//! branch, where for x86-64 it uses `cmov`).
//!
//! When the branch depends on data, the host mispredicts it about half the time (≈ 15 cycles
//! each: intkernel's CRC loops run 130 M such branches). A translation that holds the branch's
//! block, the skipped code's block and the join block can instead run the skipped
//! instructions unconditionally on copies of the registers and pick each result with a
//! `select` (a host `cmov`), then jump to the join block: no host branch at all.
//!
//! The skipped code's block is recognised by its contents, not by guessing: it is the block at
//! the branch's fall-through pc, and it must consist of a few side-effect-free ALU ops
//! ([`speculable`]) at pcs below the branch target followed by exactly the join block (the same
//! ops at the same pcs, the same terminator) — so running the prefix and then the join block
//! is that block, instruction for instruction. The prefix cannot fault, so precise state
//! needs nothing more than the instruction count, which the translation adds as a select too.

use std::collections::HashMap;

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, Value};
use vm_core::cpu::NUM_INT_SLOTS;
use vm_ir::{IROp, Terminator};

use super::{Counter, Gen, RegionBlock};

/// Most ops a converted branch skips: each runs even when the branch is taken.
pub(super) const MAX_PREFIX_OPS: usize = 4;

/// A branch compiled as selects: what the skipped code does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Hammock {
    /// The ops of the skipped instructions (all [`speculable`]).
    pub prefix: Vec<IROp>,
    /// Guest instructions they are (retired only when the branch falls through).
    pub n_insns: u64,
}

/// Whether `op` may run speculatively: an integer ALU op (no memory access, no helper, no
/// possible fault) that is cheap to run when its result is thrown away.
pub(super) fn speculable(op: &IROp) -> bool {
    use IROp::*;
    matches!(
        op,
        Li { .. }
            | Add { .. }
            | Sub { .. }
            | Sll { .. }
            | Srl { .. }
            | Sra { .. }
            | Slt { .. }
            | Sltu { .. }
            | Xor { .. }
            | Or { .. }
            | And { .. }
            | Mul { .. }
            | AddW { .. }
            | SubW { .. }
            | SllW { .. }
            | SrlW { .. }
            | SraW { .. }
            | MulW { .. }
            | AddI { .. }
            | SltI { .. }
            | SltuI { .. }
            | XorI { .. }
            | OrI { .. }
            | AndI { .. }
            | SllI { .. }
            | SrlI { .. }
            | SraI { .. }
            | AddIW { .. }
            | SllIW { .. }
            | SrlIW { .. }
            | SraIW { .. }
    )
}

/// The branches of `blocks` that can be compiled as selects, by the start pc of the block
/// they end.
pub(super) fn find(blocks: &[RegionBlock<'_>]) -> HashMap<u64, Hammock> {
    let by_pc: HashMap<u64, &RegionBlock<'_>> = blocks.iter().map(|rb| (rb.block.start_pc, rb)).collect();
    let mut found = HashMap::new();
    for rb in blocks {
        let Terminator::Branch { taken, next, .. } = rb.block.term else { continue };
        if taken <= next {
            continue;
        }
        let (Some(skipped), Some(join)) = (by_pc.get(&next), by_pc.get(&taken)) else { continue };
        if let Some(h) = hammock(skipped, join, taken) {
            found.insert(rb.block.start_pc, h);
        }
    }
    found
}

/// If block `skipped` is a few speculable ops at pcs below `join_pc` followed by exactly block
/// `join` (which starts there), those ops.
fn hammock(skipped: &RegionBlock<'_>, join: &RegionBlock<'_>, join_pc: u64) -> Option<Hammock> {
    let (s, j) = (skipped.block, join.block);
    // A terminator that leaves compiled code for the runtime (a trap, `ecall`, …) is run by
    // the runtime as the end of the block that exited, which must then be the one the
    // interpreter runs (it reports that block's pc if the guest cannot take the trap).
    let stays =
        matches!(j.term, Terminator::Jump { .. } | Terminator::Branch { .. } | Terminator::JumpInd { .. });
    if !stays
        || s.term != j.term
        || skipped.op_pcs.len() != s.ops.len()
        || join.op_pcs.len() != j.ops.len()
        || skipped.n_insns <= join.n_insns
        || s.ops.len() <= j.ops.len()
    {
        return None;
    }
    let k = s.ops.len() - j.ops.len();
    let same_tail = s.ops[k..] == j.ops[..] && skipped.op_pcs[k..] == join.op_pcs[..];
    let prefix_ok = k <= MAX_PREFIX_OPS
        && s.ops[..k].iter().all(speculable)
        && skipped.op_pcs[..k].iter().all(|&pc| pc < join_pc);
    (same_tail && prefix_ok)
        .then(|| Hammock { prefix: s.ops[..k].to_vec(), n_insns: skipped.n_insns - join.n_insns })
}

impl Gen<'_, '_> {
    /// Whether this translation compiles hammocks as selects: an optimized region that counts
    /// instructions as fuel (the skipped ones are added with a select) or not at all.
    pub(super) fn if_conversion(&self) -> bool {
        self.opts.chain
            && self.opts.optimize
            && !self.opts.baseline
            && (matches!(self.counter, Counter::Fuel(_)) || !self.opts.count)
    }

    /// End the current block (`n_insns` instructions, falling through to `next`) with hammock
    /// `h`'s branch, which goes to `join` when `skip` holds: run the skipped ops on shadow
    /// copies of the slots they write, keep each result unless `skip`, count their
    /// instructions unless `skip`, go to `join`.
    ///
    /// With a budget test before every block (an exact `--max-insns`), the test runs once,
    /// here: stop at `join` or `next`, where the branch goes, if the budget is spent. `join`
    /// then needs no test of its own: taken, the branch retired nothing since; not taken, the
    /// interpreter would run the skipped code and `join` as one block (the one at `next`).
    pub(super) fn branch_as_selects(&mut self, skip: Value, h: &Hammock, n_insns: u64, next: u64, join: u64) {
        self.retire(n_insns);
        if self.opts.check_every_block {
            let out = self.new_block();
            self.b.set_cold_block(out);
            let step = self.unless_over_budget(out);
            let go = self.b.current_block().expect("in a block");
            self.b.switch_to_block(out);
            let (to_join, to_next) =
                (self.b.ins().iconst(I64, join as i64), self.b.ins().iconst(I64, next as i64));
            let pc = self.b.ins().select(skip, to_join, to_next);
            self.leave(pc);
            self.b.switch_to_block(go);
            self.take_step(step);
        }
        self.shadow = Some([None; NUM_INT_SLOTS]);
        for (i, op) in h.prefix.iter().enumerate() {
            self.op(i, op, i as u32);
        }
        let shadow = self.shadow.take().expect("set above");
        // Temporaries (slots 32 and up) are dead at the end of an instruction.
        for slot in 1..32u8 {
            if let Some(new) = shadow[slot as usize] {
                let old = self.get(slot);
                let v = self.b.ins().select(skip, old, new);
                self.set(slot, v);
            }
        }
        if let Counter::Fuel(var) = self.counter {
            let fuel = self.b.use_var(var);
            let zero = self.b.ins().iconst(I64, 0);
            let n = self.b.ins().iconst(I64, h.n_insns as i64);
            let step = self.b.ins().select(skip, zero, n);
            let fuel = self.b.ins().isub(fuel, step);
            self.b.def_var(var, fuel);
            self.fuel_step = None;
        }
        self.selects += 1;
        let blk = self.blocks[&join];
        self.move_held(join);
        self.b.ins().jump(blk, &[]);
    }
}

#[cfg(test)]
mod tests {
    use vm_ir::{Cond, Dst, IRBlock, Reg};

    use super::*;

    /// The CRC step: `0x100: beqz a5, 0x10a` / `0x104: xor s0,s0,a2; slli s0,48; srli s0,48`
    /// / `0x10a: addiw a4,a4,1; bne a4,a3,0x100`.
    fn crc_blocks(prefix_extra: Option<IROp>) -> (IRBlock, IRBlock, IRBlock) {
        let s0 = 8;
        let head = IRBlock {
            start_pc: 0x100,
            ops: vec![],
            term: Terminator::Branch { cond: Cond::Eq, rs1: Reg(15), rs2: Reg(0), taken: 0x10a, next: 0x102 },
        };
        let tail_ops = vec![IROp::AddIW { rd: Dst(14), rs1: Reg(14), imm: 1 }];
        let tail_term =
            Terminator::Branch { cond: Cond::Ne, rs1: Reg(14), rs2: Reg(13), taken: 0x100, next: 0x110 };
        let mut skipped_ops = vec![
            IROp::Xor { rd: Dst(s0), rs1: Reg(s0), rs2: Reg(12) },
            IROp::SllI { rd: Dst(s0), rs1: Reg(s0), imm: 48 },
            IROp::SrlI { rd: Dst(s0), rs1: Reg(s0), imm: 48 },
        ];
        skipped_ops.extend(prefix_extra);
        skipped_ops.extend(tail_ops.clone());
        let skipped = IRBlock { start_pc: 0x102, ops: skipped_ops, term: tail_term.clone() };
        let join = IRBlock { start_pc: 0x10a, ops: tail_ops, term: tail_term };
        (head, skipped, join)
    }

    fn region<'a>(blocks: &'a (IRBlock, IRBlock, IRBlock), skipped_pcs: &'a [u64]) -> Vec<RegionBlock<'a>> {
        const JOIN_PCS: &[u64] = &[0x10a];
        vec![
            RegionBlock { block: &blocks.0, csr_index: &[], op_pcs: &[], n_insns: 1, ind_targets: &[] },
            RegionBlock {
                block: &blocks.1,
                csr_index: &[],
                op_pcs: skipped_pcs,
                n_insns: 2 + skipped_pcs.iter().filter(|&&p| p < 0x10a).count() as u64,
                ind_targets: &[],
            },
            RegionBlock { block: &blocks.2, csr_index: &[], op_pcs: JOIN_PCS, n_insns: 2, ind_targets: &[] },
        ]
    }

    #[test]
    fn crc_step_is_found() {
        let blocks = crc_blocks(None);
        let pcs = [0x102, 0x104, 0x106, 0x10a];
        let found = find(&region(&blocks, &pcs));
        let h = found.get(&0x100).expect("the branch at 0x100 converts");
        assert_eq!(h.prefix, blocks.1.ops[..3].to_vec());
        assert_eq!(h.n_insns, 3);
        assert_eq!(found.len(), 1, "the loop's back edge is no hammock");
    }

    #[test]
    fn memory_ops_and_other_pcs_are_not_converted() {
        // A store in the skipped code must not run when the branch is taken.
        let store = IROp::Sw { src: Reg(8), base: Reg(2), off: 0 };
        let blocks = crc_blocks(Some(store));
        let pcs = [0x102, 0x104, 0x106, 0x108, 0x10a];
        assert!(find(&region(&blocks, &pcs)).is_empty());
        // The same ops, but the tail is not the join block's instructions (other pcs).
        let blocks = crc_blocks(None);
        let pcs = [0x102, 0x104, 0x106, 0x10c];
        assert!(find(&region(&blocks, &pcs)).is_empty());
        // Without op pcs nothing is known.
        assert!(find(&region(&blocks, &[])).is_empty());
    }

    #[test]
    fn long_prefixes_stay_branches() {
        let extra = IROp::AddI { rd: Dst(9), rs1: Reg(9), imm: 1 };
        let mut blocks = crc_blocks(Some(extra.clone()));
        blocks.1.ops.insert(0, extra);
        let pcs = [0x102, 0x103, 0x104, 0x106, 0x108, 0x10a];
        assert!(find(&region(&blocks, &pcs)).is_empty());
    }
}
