//! The `vm` intermediate representation.
//!
//! An [`IRBlock`] is a straight-line list of [`IROp`]s ending in one [`Terminator`]. Ops are
//! three-address and name guest registers (`x0`–`x31`, `f0`–`f31`), temporaries (`v0`–`v31`)
//! or immediates directly, so most RISC-V instructions are one op. Every engine executes this
//! IR, which makes the lifter the single source of guest semantics.
//!
//! - [`op`] and [`operand`]: the op table and operand kinds.
//! - [`text`]: the text form. `Display` prints a block, [`parse_block`] / [`parse_blocks`]
//!   read it back; tests use it to say "this RISC-V lifts to this IR".
//! - [`builder`]: [`IRBuilder`] assembles a block op by op and hands out temporaries.
//! - [`verify`](mod@verify): [`verify()`] checks operands, temporaries written before read, and
//!   limits.
//! - `arbitrary` (cargo feature `proptest`): proptest strategies generating IR.
//!
//! ```
//! use vm_ir::{parse_block, verify, Dst, IRBlock, IROp, Reg, Terminator};
//!
//! let block = IRBlock {
//!     start_pc: 0x1000,
//!     ops: vec![
//!         IROp::Li { rd: Dst(10), imm: 5 },
//!         IROp::AddI { rd: Dst::temp(0), rs1: Reg(10), imm: -1 },
//!         IROp::Add { rd: Dst(11), rs1: Reg(10), rs2: Reg::temp(0) },
//!     ],
//!     term: Terminator::Ret,
//! };
//! let text = block.to_string();
//! assert_eq!(
//!     text,
//!     "block 0x1000:\n    li x10, 5\n    addi v0, x10, -1\n    add x11, x10, v0\n    ret\n"
//! );
//! assert_eq!(parse_block(&text).unwrap(), block);
//! verify(&block).unwrap();
//! ```

pub mod block;
pub mod builder;
pub mod op;
pub mod operand;
pub mod text;
pub mod verify;

#[cfg(any(test, feature = "proptest"))]
pub mod arbitrary;

#[cfg(test)]
mod tests;

pub use block::IRBlock;
pub use builder::IRBuilder;
pub use op::{IROp, Terminator};
pub use operand::{
    Access, AmoOp, Cond, CsrNum, CsrOp, Dst, FReg, Fmt, IntKind, Operand, Reg, Rm, Slot, Width,
};
pub use text::{blocks_to_string, parse_block, parse_blocks};
pub use verify::verify;
