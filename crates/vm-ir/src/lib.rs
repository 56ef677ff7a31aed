//! The `vm` intermediate representation.
//!
//! An [`IRBlock`] is a straight-line list of [`IROp`]s ending in one [`Terminator`]. Ops are
//! three-address and name guest registers (`x0`–`x31`, `f0`–`f31`), temporaries (`v0`–`v31`)
//! or immediates directly, so most RISC-V instructions are one op. Every engine executes this
//! IR, which makes the lifter the single source of guest semantics.
//!
//! The text form (see [`text`]) prints a block and parses it back; tests use it to say
//! "this RISC-V lifts to this IR".

pub mod block;
pub mod op;
pub mod operand;

pub use block::IRBlock;
pub use op::{IROp, Terminator};
pub use operand::{AmoOp, Cond, CsrNum, CsrOp, Dst, FReg, Fmt, IntKind, Reg, Rm, Width};
