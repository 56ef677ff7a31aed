//! The IR verifier: structural rules every block must satisfy before an engine runs it.
//!
//! [`verify`] checks, in order:
//! - the block has at most [`MAX_BLOCK_OPS`] ops;
//! - every operand of every op and of the terminator is well formed ([`IROp::check`],
//!   [`Terminator::check`]): slots in range, no [`Dst`](crate::Dst) naming `x0`, FP registers
//!   below 32, CSR numbers of 12 bits;
//! - no temporary (`v0`–`v31`) is read before an earlier op of the same block wrote it —
//!   temporaries do not survive from one block to the next; the terminator's reads count too;
//! - CSR immediates fit in 5 bits; a `trap` cause is a RISC-V exception code (below 64).
//!
//! Errors are [`VmError::InvalidIr`] naming the op index and its text.

use vm_core::error::VmError;

use crate::block::IRBlock;
use crate::op::{IROp, Terminator};
use crate::operand::{Access, Slot};

/// The most ops a block may hold. Real blocks are far shorter; this bounds work on bad input.
pub const MAX_BLOCK_OPS: usize = 4096;

/// Exception codes are below this (the cause register's interrupt bit is not a valid `trap`).
pub const NUM_EXCEPTION_CODES: u64 = 64;

/// Check `block` against the rules in the [module doc](self).
pub fn verify(block: &IRBlock) -> Result<(), VmError> {
    let invalid = |reason: String| VmError::InvalidIr { start_pc: block.start_pc, reason };
    if block.ops.len() > MAX_BLOCK_OPS {
        return Err(invalid(format!("{} ops, more than the limit of {MAX_BLOCK_OPS}", block.ops.len())));
    }
    // Bit n set: temporary v<n> has been written by an earlier op.
    let mut written: u32 = 0;
    for (i, op) in block.ops.iter().enumerate() {
        check_op(op, &mut written).map_err(|e| invalid(format!("op {i} `{op}`: {e}")))?;
    }
    check_term(&block.term, written).map_err(|e| invalid(format!("terminator `{}`: {e}", block.term)))
}

/// Index of a temporary slot, if `slot` is one.
fn temp_index(slot: Slot) -> Option<u32> {
    match slot {
        Slot::Int(n) if (32..64).contains(&n) => Some(u32::from(n - 32)),
        _ => None,
    }
}

/// The first temporary read by a visitor that no earlier op wrote, as an error.
fn check_reads(visit: impl FnOnce(&mut dyn FnMut(Slot, Access)), written: u32) -> Result<(), String> {
    let mut bad = None;
    visit(&mut |slot, access| {
        if access == Access::Read && bad.is_none() {
            if let Some(t) = temp_index(slot) {
                if written & (1 << t) == 0 {
                    bad = Some(t);
                }
            }
        }
    });
    match bad {
        Some(t) => Err(format!("reads temporary v{t} before any op of the block writes it")),
        None => Ok(()),
    }
}

fn check_op(op: &IROp, written: &mut u32) -> Result<(), String> {
    op.check()?;
    if let IROp::CsrI { uimm, .. } = op {
        if !(0..32).contains(uimm) {
            return Err(format!("CSR immediate {uimm} does not fit in 5 bits"));
        }
    }
    check_reads(|f| op.visit_slots(f), *written)?;
    op.visit_slots(&mut |slot, access| {
        if access == Access::Write {
            if let Some(t) = temp_index(slot) {
                *written |= 1 << t;
            }
        }
    });
    Ok(())
}

fn check_term(term: &Terminator, written: u32) -> Result<(), String> {
    term.check()?;
    if let Terminator::Trap { cause, .. } = term {
        if *cause >= NUM_EXCEPTION_CODES {
            return Err(format!(
                "trap cause {cause} is not a RISC-V exception code (must be below {NUM_EXCEPTION_CODES})"
            ));
        }
    }
    check_reads(|f| term.visit_slots(f), written)
}
