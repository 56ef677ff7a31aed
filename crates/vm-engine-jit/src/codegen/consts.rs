//! Registers known to hold a constant where a region block starts: a block reads such a
//! register as that constant (`Gen::get`) instead of loading it, so Cranelift folds it into
//! what uses it (a compare with an immediate, a division by a constant as a multiplication).
//!
//! A region is entered only at its first block, so the registers at another block's start are
//! what its predecessors in the region left: the meet, per register, of what each edge carries
//! (a forward analysis to a fixed point). Only `li`, `addi` and `add` of known values make
//! constants; any other write, the region's entry and the targets of indirect jumps make a
//! register unknown.

use std::collections::HashMap;

use vm_ir::{IROp, Slot, Terminator};

use super::hammock::Hammock;
use super::RegionBlock;

/// Per guest register: its value where a block starts, if known.
pub(crate) type Known = [Option<i64>; 32];

/// What `ops` leave in the registers, from `k` at their start.
fn transfer(mut k: Known, ops: &[IROp]) -> Known {
    for op in ops {
        let value = match *op {
            IROp::Li { imm, .. } => Some(imm),
            IROp::AddI { rs1, imm, .. } if rs1.0 < 32 => konst(&k, rs1.0).map(|a| a.wrapping_add(imm)),
            IROp::Add { rs1, rs2, .. } if rs1.0 < 32 && rs2.0 < 32 => {
                konst(&k, rs1.0).zip(konst(&k, rs2.0)).map(|(a, b)| a.wrapping_add(b))
            }
            _ => None,
        };
        op.visit_slots(&mut |slot, acc| {
            if let (Slot::Int(n @ 1..=31), vm_ir::Access::Write) = (slot, acc) {
                k[n as usize] = value;
            }
        });
    }
    k
}

fn konst(k: &Known, r: u8) -> Option<i64> {
    if r == 0 {
        Some(0)
    } else {
        k[r as usize]
    }
}

/// The known registers at the start of each block of the region `blocks` (the first is its
/// entry), by start pc. A branch compiled as selects (`hammocks`, by the pc of the block it
/// ends) reaches its join with what its skipped ops may have left as well.
pub(crate) fn at_starts(blocks: &[RegionBlock<'_>], hammocks: &HashMap<u64, Hammock>) -> HashMap<u64, Known> {
    let internal = |pc: u64| blocks.iter().any(|b| b.block.start_pc == pc);
    // Blocks entered other than by a direct edge: nothing known there, ever.
    let mut opaque = vec![blocks[0].block.start_pc];
    for rb in blocks {
        if let Terminator::JumpInd { .. } = rb.block.term {
            opaque.extend(rb.ind_targets.iter().copied().filter(|&t| internal(t)));
        }
    }
    let mut at: HashMap<u64, Known> = opaque.iter().map(|&pc| (pc, [None; 32])).collect();
    // Rounds over the blocks in order until nothing changes (each register only goes from
    // unset to a constant to unknown, so this ends).
    let mut changed = true;
    while changed {
        changed = false;
        for rb in blocks {
            let Some(&start) = at.get(&rb.block.start_pc) else { continue };
            let end = transfer(start, &rb.block.ops);
            let mut edges: Vec<(u64, Known)> = match rb.block.term {
                Terminator::Jump { target } => vec![(target, end)],
                Terminator::Branch { taken, next, .. } => vec![(taken, end), (next, end)],
                _ => Vec::new(),
            };
            if let (Some(h), Terminator::Branch { taken, .. }) =
                (hammocks.get(&rb.block.start_pc), &rb.block.term)
            {
                edges.push((*taken, transfer(end, &h.prefix)));
            }
            for (s, end) in edges.into_iter().filter(|&(s, _)| internal(s) && !opaque.contains(&s)) {
                let merged = match at.get(&s) {
                    None => end,
                    Some(old) => std::array::from_fn(|r| if old[r] == end[r] { old[r] } else { None }),
                };
                if at.get(&s) != Some(&merged) {
                    at.insert(s, merged);
                    changed = true;
                }
            }
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_ir::IRBlock;

    fn blocks(texts: &[&str]) -> Vec<IRBlock> {
        texts.iter().map(|t| vm_ir::parse_block(t).expect("valid block")).collect()
    }

    fn starts(bs: &[IRBlock], ind: &[u64]) -> HashMap<u64, Known> {
        let rbs: Vec<RegionBlock<'_>> = bs
            .iter()
            .map(|block| RegionBlock { block, csr_index: &[], op_pcs: &[], n_insns: 1, ind_targets: ind })
            .collect();
        at_starts(&rbs, &HashMap::new())
    }

    /// intkernel's state fill: the divisor set before the loop is known inside it, the
    /// pointer the loop steps is not; nothing is known at the entry.
    #[test]
    fn a_constant_set_before_a_loop_is_known_in_it() {
        let bs = blocks(&[
            "block 0x100:
                addi x13, x0, 50
                addi x12, x13, -8
                add x14, x2, x0
                jump 0x200",
            "block 0x200:
                remu x15, x15, x13
                addi x14, x14, 1
                li x5, 7
                branch ne, x14, x11, 0x200, 0x300",
            "block 0x300:
                addi x13, x13, 1
                jump 0x100",
        ]);
        let k = starts(&bs, &[]);
        assert_eq!(k[&0x100], [None; 32]);
        let loop_start = k[&0x200];
        assert_eq!((loop_start[13], loop_start[12], loop_start[14]), (Some(50), Some(42), None));
        // x5 is 7 only on the loop's own edge: unknown where the loop starts.
        assert_eq!(loop_start[5], None);
        assert_eq!(k[&0x300][5], Some(7));
        assert_eq!(k[&0x300][13], Some(50));
    }

    /// A branch compiled as selects reaches its join with the skipped ops' values too (the
    /// CRC step: `xor` over `x8` skipped or not, so `x8` is unknown at the join).
    #[test]
    fn a_hammock_join_sees_what_the_skipped_ops_wrote() {
        let bs = blocks(&[
            "block 0x100:
                li x8, 5
                li x9, 6
                branch eq, x10, x0, 0x10c, 0x108",
            "block 0x108:
                xori x8, x8, 3
                addi x11, x11, 1
                jump 0x200",
            "block 0x10c:
                addi x11, x11, 1
                jump 0x200",
        ]);
        let rbs: Vec<RegionBlock<'_>> = bs
            .iter()
            .map(|block| RegionBlock { block, csr_index: &[], op_pcs: &[], n_insns: 1, ind_targets: &[] })
            .collect();
        let prefix = vec![bs[1].ops[0].clone()];
        let hammocks = HashMap::from([(0x100, Hammock { prefix, n_insns: 1 })]);
        let k = at_starts(&rbs, &hammocks);
        assert_eq!((k[&0x10c][8], k[&0x10c][9]), (None, Some(6)));
        // Without the selects, the join is only reached from the branch itself.
        let k = at_starts(&rbs, &HashMap::new());
        assert_eq!(k[&0x10c][8], Some(5));
    }

    /// Any other write, and the target of an indirect jump, make a register unknown.
    #[test]
    fn other_writes_and_indirect_targets_are_unknown() {
        let bs = blocks(&[
            "block 0x100:
                li x6, 3
                li x7, 4
                lw x7, x2, 0
                branch eq, x6, x0, 0x200, 0x300",
            "block 0x200:
                li x8, 1
                jump.ind x9, 0",
            "block 0x300:
                jump 0x100",
        ]);
        let k = starts(&bs, &[0x300]);
        assert_eq!((k[&0x200][6], k[&0x200][7]), (Some(3), None));
        // Reached from 0x100 too, but entered by the indirect jump.
        assert_eq!(k[&0x300], [None; 32]);
    }
}
