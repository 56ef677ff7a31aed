//! Crash reports: when a user-mode guest dies of a signal that would dump core (SIGSEGV,
//! SIGILL, SIGBUS, SIGFPE, SIGABRT, …) or the VM stops on an error, what the guest was doing —
//! the pc as `symbol+0xoffset` (from the ELF symbol tables, [`vm_linux::symbols`]), the
//! instruction there, the return address, and the registers.
//!
//! Every line starts with `vm: `, so test harnesses and users can tell the report from the
//! guest's own stderr (the QEMU comparisons drop these lines: QEMU prints no such report).

use std::fmt::Write;

use vm_core::CpuState;
use vm_frontend::riscv64::{decode, disasm, XREG_NAMES};
use vm_linux::symbols::Symbols;
use vm_mem::AddressSpace;

use crate::UserMode;

/// Whether death by `sig` is a crash worth a report: the signals whose default action dumps
/// core (SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS).
/// SIGKILL, SIGTERM, SIGPIPE, … end a process on purpose and get none.
pub fn is_crash_signal(sig: i32) -> bool {
    matches!(sig, 3..=8 | 11 | 24 | 25 | 31)
}

/// The name of Linux signal `sig` (`SIGSEGV`), or `signal N`.
pub fn signal_name(sig: i32) -> String {
    const NAMES: [&str; 32] = [
        "",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    match usize::try_from(sig).ok().and_then(|i| NAMES.get(i)) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => format!("signal {sig}"),
    }
}

/// The instruction at `pc` as `bits  disassembly`, if `read` (guest memory) can fetch it.
fn instruction_at(read: &dyn Fn(u64, &mut [u8]) -> bool, pc: u64) -> Option<String> {
    let mut low = [0u8; 2];
    read(pc, &mut low).then_some(())?;
    let half = u16::from_le_bytes(low);
    let raw = if half & 3 == 3 {
        let mut all = [0u8; 4];
        read(pc, &mut all).then_some(())?;
        u32::from_le_bytes(all)
    } else {
        u32::from(half)
    };
    let insn = decode(raw);
    let bits = if insn.len == 2 { format!("{:04x}", raw & 0xffff) } else { format!("{raw:08x}") };
    Some(format!("{bits}  {}", disasm(&insn, pc).replace('\t', " ")))
}

/// The report lines (each ending in a newline) for a user-mode guest in state `cpu` over
/// `mem`, stopped for the reason `what`.
pub fn report(what: &str, cpu: &CpuState, mem: &AddressSpace, symbols: &Symbols) -> String {
    let image = symbols.image_of(cpu.pc).map(|p| format!(" in {}", p.display())).unwrap_or_default();
    report_with(what, cpu, &|a, b| mem.read(a, b).is_ok(), &|a| symbols.describe(a), &image)
}

/// [`report`] for any machine: `read` fetches guest memory, `describe` names an address
/// (`name+0xoff`), `image` follows the pc on the first line (` in FILE` or empty).
pub fn report_with(
    what: &str,
    cpu: &CpuState,
    read: &dyn Fn(u64, &mut [u8]) -> bool,
    describe: &dyn Fn(u64) -> Option<String>,
    image: &str,
) -> String {
    let where_ = |addr: u64| describe(addr).map(|s| format!(" <{s}>")).unwrap_or_default();
    let mut out = String::new();
    let pc = cpu.pc;
    let _ = writeln!(out, "vm: {what} at pc {pc:#x}{}{image}", where_(pc));
    let insn = instruction_at(read, pc).unwrap_or_else(|| "(not readable)".into());
    let _ = writeln!(out, "vm:   instruction  {insn}");
    let _ = writeln!(out, "vm:   return addr  {:#x}{}", cpu.x[1], where_(cpu.x[1]));
    for (names, values) in XREG_NAMES.chunks(4).zip(cpu.x.chunks(4)) {
        let mut line = String::from("vm:  ");
        for (name, value) in names.iter().zip(values) {
            let _ = write!(line, " {name:>4} {value:016x}");
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "vm:     pc {pc:016x}");
    let fregs: Vec<String> =
        cpu.f.iter().enumerate().filter(|(_, &v)| v != 0).map(|(i, v)| format!("f{i} {v:016x}")).collect();
    for chunk in fregs.chunks(4) {
        let _ = writeln!(out, "vm:   {}", chunk.join("  "));
    }
    out
}

impl UserMode {
    /// The crash report of this process (see [`report`]), symbolised from the ELF images the
    /// loader mapped.
    pub fn crash_report(&self, what: &str) -> String {
        let symbols = Symbols::for_process(&self.process);
        report(what, &self.process.cpu, &self.process.mem, &symbols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_crash_signals() {
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(6), "SIGABRT");
        assert_eq!(signal_name(64), "signal 64");
        assert!(is_crash_signal(11) && is_crash_signal(6) && is_crash_signal(4) && is_crash_signal(7));
        assert!(!is_crash_signal(9) && !is_crash_signal(15) && !is_crash_signal(13));
    }

    #[test]
    fn report_lines_all_start_with_vm() {
        let mut mem = AddressSpace::new().unwrap();
        mem.map_fixed(0x1000, 0x1000, vm_mem::Prot::RWX).unwrap();
        mem.write(0x1000, &0x0005_2783u32.to_le_bytes()).unwrap(); // lw a5,0(a0)
        let mut cpu = CpuState { pc: 0x1000, ..Default::default() };
        cpu.x[10] = 0x42;
        cpu.f[3] = 0x3ff0_0000_0000_0000;
        let text = report("guest killed by SIGSEGV", &cpu, &mem, &Symbols::new());
        assert!(text.lines().all(|l| l.starts_with("vm: ")), "{text}");
        assert!(text.starts_with("vm: guest killed by SIGSEGV at pc 0x1000\n"), "{text}");
        assert!(text.contains("00052783  lw a5,0(a0)"), "{text}");
        assert!(text.contains("a0 0000000000000042"), "{text}");
        assert!(text.contains("f3 3ff0000000000000"), "{text}");
        assert!(report("x", &CpuState::default(), &mem, &Symbols::new()).contains("(not readable)"));
    }
}
