//! RISC-V RV64GC: decoder ([`decode`](mod@decode)), disassembler ([`disasm`](mod@disasm))
//! and lifter ([`lift`]).
//!
//! Data flow: raw bits → [`decode::decode`] → [`Insn`] → `lift::lift_block` → `IRBlock`.
//! Compressed instructions decode to the [`Op`] of the instruction they expand to, with
//! `len == 2`, so the lifter never sees the C extension.

pub mod decode;
mod decode_c;
pub mod disasm;
mod disasm_names;
pub mod insn;
pub mod lift;
mod lift_fp;

pub use decode::decode;
pub use disasm::disasm;
pub use disasm_names::XREG as XREG_NAMES;
pub use insn::{Insn, Op};
