//! [`IRBlock`]: a guest basic block in IR.

use crate::op::{IROp, Terminator};

/// A straight-line run of ops starting at guest pc `start_pc`, ending in `term`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IRBlock {
    /// Guest pc of the first instruction.
    pub start_pc: u64,
    /// The ops, in execution order.
    pub ops: Vec<IROp>,
    /// Where control goes after the last op.
    pub term: Terminator,
}
