//! Guest instruction-set frontends.
//!
//! A frontend turns guest machine code into [`vm_ir::IRBlock`]s: it decodes instructions,
//! can print them as a disassembler would, and lifts them to IR. RISC-V RV64GC is the only
//! frontend so far ([`riscv64`]).

pub mod riscv64;
