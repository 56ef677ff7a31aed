//! `--trace`: one line per executed instruction, in the spirit of `spike -l`:
//! pc, raw bits, disassembly, and the register the instruction wrote.

use std::io::Write;

use vm_core::CpuState;
use vm_frontend::riscv64::{decode, disasm::disasm, XREG_NAMES as XNAMES};

/// Format the trace line of the instruction `raw` at `pc`, given the register state before
/// and after it ran.
pub fn line(pc: u64, raw: u32, before: &CpuState, after: &CpuState) -> String {
    let insn = decode(raw);
    let raw_text = if insn.len == 2 { format!("0x{:04x}    ", raw & 0xffff) } else { format!("0x{raw:08x}") };
    let mut s = format!("core   0: 0x{pc:016x} ({raw_text}) {}", disasm(&insn, pc).replace('\t', " "));
    for (r, name) in XNAMES.iter().enumerate().skip(1) {
        if before.x[r] != after.x[r] {
            s.push_str(&format!("  {name}=0x{:016x}", after.x[r]));
        }
    }
    for (r, (b, a)) in before.f.iter().zip(&after.f).enumerate() {
        if b != a {
            s.push_str(&format!("  f{r}=0x{a:016x}"));
        }
    }
    s
}

/// Where trace lines go.
pub struct Tracer {
    out: Box<dyn Write + Send>,
}

impl Tracer {
    /// A tracer writing to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Tracer { out }
    }

    /// Emit one instruction's line.
    pub fn emit(&mut self, pc: u64, raw: u32, before: &CpuState, after: &CpuState) {
        let _ = writeln!(self.out, "{}", line(pc, raw, before, after));
    }
}
