//! A guest profiler for `vm run --profile FILE`: which guest function is running, sampled by
//! retired guest instructions, written as a flame graph SVG ([`inferno`]).
//!
//! **Sampling.** Every `interval` retired guest instructions (100 000 by default) the run loop
//! ([`crate::engine::run`]) stops and [`Profiler::sample`] records the current stack. The hot
//! loop already stops at an instruction count (the `--max-insns` budget; compiled code polls
//! the same stop word), so profiling only moves that stop earlier; no host signals, timers or
//! threads are involved and the samples are deterministic for a deterministic guest. The
//! interpreter stops after the block that crosses the sample point; compiled code checks the
//! stop word on backward branches and region exits, so a sample can land a few blocks late.
//! A sample that arrives late by more than one interval counts once per interval crossed, so
//! the total sample count is `instret / interval` (rounded down) whatever the engine.
//!
//! **Stacks.** A sample is a stack of guest pcs, innermost first:
//! - the pc;
//! - `ra` (x1), if it is a plausible return address (an instruction after a `jal`/`jalr`/
//!   `c.jalr` that writes `ra`, in a known function) in a *different* function than the pc:
//!   the caller of a leaf function, or of a function that has not made a call yet;
//! - the frame-pointer chain (`s0`; on RV64 with `-fno-omit-frame-pointer` the saved `ra` is at
//!   `fp - 8` and the caller's `fp` at `fp - 16`), followed only while it looks valid: each
//!   `fp` 8-aligned, above `sp`, inside 256 MiB of it, strictly increasing and in writable
//!   memory, each saved `ra` a plausible return address.
//!
//! This is not a full unwinder (no DWARF CFI): code built without frame pointers (most `-O2`
//! builds, Debian's included) gives stacks of depth one or two, the pc's function and maybe
//! its caller, so the flame graph shows *self* time per function exactly and callers only
//! partly. A stale frame pointer (in a prologue or epilogue, or `s0` used as a plain register
//! that happens to point into the stack) can add a wrong caller; the checks above make that
//! rare. Frames are named from the ELF symbols of the loaded images
//! ([`vm_linux::symbols::Symbols`]: the program, and the ELF interpreter of a dynamic one;
//! libraries `ld.so` maps later are unknown), rebuilt after `execve`. An image without any
//! symbols (a stripped program, such as the Debian builds in guests/linux/real) gets guessed
//! functions instead: every target of a direct call (`jal ra`, `auipc`+`jalr ra`, `tail`) in
//! its text, and its entry point, starts a function named `fn_<address>` that runs to the next
//! one; a function only ever called through a pointer is counted in the one before it. A pc
//! outside all of these is `[unknown]`. A forked child's samples are dropped with the child (only the process the
//! user started writes the file).

use std::collections::HashMap;
use std::io::{self, Write};

use vm_core::CpuState;
use vm_linux::symbols::Symbols;
use vm_mem::{AddressSpace, Prot};

/// Default sampling interval in retired guest instructions.
pub const DEFAULT_INTERVAL: u64 = 100_000;
/// Deepest stack recorded (frames beyond are cut off at the root end).
const MAX_DEPTH: usize = 128;
/// How far above `sp` a frame pointer may point.
const MAX_STACK: u64 = 256 << 20;
/// Name of a frame whose pc has no symbol.
pub const UNKNOWN: &str = "[unknown]";

/// Samples of one guest process, folded by stack.
pub struct Profiler {
    interval: u64,
    next: u64,
    symbols: Symbols,
    /// Function starts guessed from calls, for images without symbols.
    guessed: Guessed,
    /// Folded stack (`root;…;leaf`) → samples.
    stacks: HashMap<String, u64>,
    samples: u64,
}

impl Profiler {
    /// A profiler taking a sample every `interval` (at least 1) retired instructions, with no
    /// symbols yet (see [`Profiler::set_symbols`]).
    pub fn new(interval: u64) -> Profiler {
        let interval = interval.max(1);
        Profiler {
            interval,
            next: interval,
            symbols: Symbols::new(),
            guessed: Guessed::default(),
            stacks: HashMap::new(),
            samples: 0,
        }
    }

    /// Name frames with `symbols` from now on (after loading or `execve`).
    pub fn set_symbols(&mut self, symbols: Symbols) {
        self.symbols = symbols;
        self.guessed = Guessed::default();
    }

    /// Name frames from the images of `p` from now on: their symbols, or guessed functions
    /// for images that have none (see the module docs).
    pub fn set_process(&mut self, p: &vm_linux::Process) {
        self.set_symbols(Symbols::for_process(p));
        for img in &p.images {
            if let Ok(data) = std::fs::read(&img.path) {
                self.guessed.add_stripped(&data, img.bias, img.range);
            }
        }
        self.guessed.starts.sort_unstable();
        self.guessed.starts.dedup();
    }

    /// Start of the function holding `pc`.
    fn func_of(&self, pc: u64) -> Option<u64> {
        match self.symbols.lookup(pc) {
            Some((_, off)) => Some(pc - off),
            None => self.guessed.func_of(pc),
        }
    }

    /// Name of the function holding `pc`.
    fn name_of(&self, pc: u64) -> Option<String> {
        match self.symbols.lookup(pc) {
            Some((name, _)) => Some(name.to_string()),
            None => self.guessed.func_of(pc).map(|f| format!("fn_{f:x}")),
        }
    }

    /// The sampling interval in instructions.
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// Samples taken so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The instruction count at which the next sample is due.
    pub fn next_sample(&self) -> u64 {
        self.next
    }

    /// Take the sample due at `cpu.instret` if there is one (weighted by the intervals crossed
    /// since the last one); returns the instruction count of the next.
    pub fn sample(&mut self, cpu: &CpuState, mem: &AddressSpace) -> u64 {
        if cpu.instret < self.next {
            return self.next;
        }
        let weight = (cpu.instret - self.next) / self.interval + 1;
        self.next = self.next.saturating_add(weight * self.interval);
        let read = |addr: u64, buf: &mut [u8]| mem.read(addr, buf).is_ok();
        let is_stack = |addr: u64| mem.prot_of(addr).is_some_and(|p| p.0 & Prot::WRITE.0 != 0);
        let func_of = |pc: u64| self.func_of(pc);
        let regs = Regs { pc: cpu.pc, ra: cpu.x[1], sp: cpu.x[2], fp: cpu.x[8] };
        let frames = walk(regs, read, is_stack, func_of);
        let line = fold(&frames, |pc| self.name_of(pc));
        *self.stacks.entry(line).or_insert(0) += weight;
        self.samples += weight;
        self.next
    }

    /// The samples in inferno's folded format, one `root;…;leaf count` line per stack, sorted.
    pub fn folded(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.stacks.iter().map(|(s, n)| format!("{s} {n}")).collect();
        lines.sort();
        lines
    }

    /// Write the flame graph SVG, titled `title`, to `w`.
    pub fn write_svg(&self, title: &str, w: impl Write) -> io::Result<()> {
        let lines = self.folded();
        let mut opts = inferno::flamegraph::Options::default();
        opts.title = title.to_string();
        opts.subtitle = Some(format!(
            "{} samples, one every {} guest instructions (vm run --profile)",
            self.samples, self.interval
        ));
        opts.count_name = "samples".into();
        opts.name_type = "Function:".into();
        // Colours from a hash of the name: the same program gives the same picture.
        opts.hash = true;
        opts.deterministic = true;
        if lines.is_empty() {
            // inferno refuses an empty profile; a program shorter than one interval gets one
            // empty frame instead of an error.
            return inferno::flamegraph::from_lines(&mut opts, ["[no samples] 1"], w);
        }
        inferno::flamegraph::from_lines(&mut opts, lines.iter().map(String::as_str), w)
    }
}

/// The registers a stack walk starts from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Regs {
    pub pc: u64,
    pub ra: u64,
    pub sp: u64,
    pub fp: u64,
}

/// Whether `ret` is a plausible return address: it follows an instruction that calls and
/// links `ra` (`jal ra`, `jalr ra`, `c.jalr`).
fn after_call(ret: u64, read: &impl Fn(u64, &mut [u8]) -> bool) -> bool {
    if ret & 1 != 0 || ret < 4 {
        return false;
    }
    let mut b = [0u8; 4];
    if read(ret - 4, &mut b) {
        let w = u32::from_le_bytes(b);
        // jal ra, … (opcode 0x6f, rd = 1) or jalr ra, …(rs1) (opcode 0x67, funct3 0, rd = 1).
        if w & 0xfff == 0x0ef || w & 0x7fff == 0x00e7 {
            return true;
        }
    }
    let mut h = [0u8; 2];
    // c.jalr rs1 (rs1 != 0): 1001 rs1 00000 10.
    read(ret - 2, &mut h) && {
        let h = u16::from_le_bytes(h);
        h & 0xf07f == 0x9002 && h & 0x0f80 != 0
    }
}

/// The stack of one sample, innermost first: the pc, then return addresses (see the module
/// docs). `read` reads guest memory, `is_stack` says whether an address may hold a frame,
/// `func_of` gives the start of the function holding a pc. Return addresses are recorded
/// minus one, so that they name the function of the call even when it is the last
/// instruction of that function.
pub(crate) fn walk(
    regs: Regs,
    read: impl Fn(u64, &mut [u8]) -> bool,
    is_stack: impl Fn(u64) -> bool,
    func_of: impl Fn(u64) -> Option<u64>,
) -> Vec<u64> {
    let mut frames = vec![regs.pc];
    let leaf = func_of(regs.pc);
    let ret_ok = |ret: u64| func_of(ret.wrapping_sub(1)).is_some() && after_call(ret, &read);
    let mut from_ra = None;
    if ret_ok(regs.ra) && func_of(regs.ra - 1) != leaf {
        frames.push(regs.ra - 1);
        from_ra = Some(regs.ra);
    }
    let (mut fp, mut below) = (regs.fp, regs.sp);
    while frames.len() < MAX_DEPTH {
        if fp & 7 != 0 || fp <= below || fp - regs.sp > MAX_STACK || !is_stack(fp - 16) {
            break;
        }
        let (mut ret, mut next) = ([0u8; 8], [0u8; 8]);
        if !read(fp - 8, &mut ret) || !read(fp - 16, &mut next) {
            break;
        }
        let ret = u64::from_le_bytes(ret);
        if !ret_ok(ret) {
            break;
        }
        // The first saved ra is `ra` itself when the function has a frame and made no call yet.
        if from_ra.take() != Some(ret) {
            frames.push(ret - 1);
        }
        below = fp;
        fp = u64::from_le_bytes(next);
    }
    frames
}

/// One folded line (without the count): the names of `frames` (innermost first), root first,
/// joined by `;`. `name_of` names a pc; unnamed ones are [`UNKNOWN`]. `;` and spaces inside
/// names, which the folded format cannot carry, become `:` and `_`.
pub(crate) fn fold<S: AsRef<str>>(frames: &[u64], name_of: impl Fn(u64) -> Option<S>) -> String {
    let mut line = String::new();
    for (i, &pc) in frames.iter().rev().enumerate() {
        if i > 0 {
            line.push(';');
        }
        let name = name_of(pc);
        let name = name.as_ref().map_or(UNKNOWN, |n| n.as_ref());
        line.extend(name.chars().map(|c| match c {
            ';' => ':',
            c if c.is_whitespace() => '_',
            c => c,
        }));
    }
    line
}

/// Functions of images without symbols, guessed from the targets of direct calls.
#[derive(Default)]
struct Guessed {
    /// Function starts, sorted.
    starts: Vec<u64>,
    /// Executable ranges they cover (guest addresses, half-open).
    text: Vec<(u64, u64)>,
}

impl Guessed {
    /// If the ELF `data` (loaded with `bias` over `range`) has no symbols at all, add the
    /// targets of the direct calls in its executable sections and its entry point.
    fn add_stripped(&mut self, data: &[u8], bias: u64, range: (u64, u64)) {
        use object::{Object, ObjectSection, SectionKind};
        let Ok(file) = object::File::parse(data) else { return };
        if file.symbols().next().is_some() || file.dynamic_symbols().next().is_some() {
            return;
        }
        let mut starts = vec![file.entry().wrapping_add(bias)];
        let mut text = Vec::new();
        for sec in file.sections().filter(|s| s.kind() == SectionKind::Text) {
            if let Ok(bytes) = sec.data() {
                let addr = sec.address().wrapping_add(bias);
                text.push((addr, addr + bytes.len() as u64));
                call_targets(bytes, addr, &mut starts);
            }
        }
        let inside = |a: u64| text.iter().any(|&(lo, hi)| (lo..hi).contains(&a));
        self.starts.extend(starts.into_iter().filter(|&a| inside(a) && (range.0..range.1).contains(&a)));
        self.text.extend(text);
    }

    fn func_of(&self, pc: u64) -> Option<u64> {
        let &(lo, _) = self.text.iter().find(|(lo, hi)| (*lo..*hi).contains(&pc))?;
        let i = self.starts.partition_point(|&s| s <= pc).checked_sub(1)?;
        (self.starts[i] >= lo).then_some(self.starts[i])
    }
}

/// Add to `out` the targets of the direct calls in the RISC-V code `code` at guest address
/// `addr` (a linear sweep: 2-byte compressed and 4-byte instructions): `jal ra, f`,
/// `auipc rX, hi` + `jalr ra, lo(rX)` (`call f`) and `auipc t1, hi` + `jalr zero, lo(t1)`
/// (`tail f`).
pub(crate) fn call_targets(code: &[u8], addr: u64, out: &mut Vec<u64>) {
    let word = |i: usize| code.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut i = 0;
    while i + 2 <= code.len() {
        if code[i] & 3 != 3 {
            i += 2; // compressed (c.jal is RV32 only)
            continue;
        }
        let Some(w) = word(i) else { break };
        let pc = addr + i as u64;
        if w & 0xfff == 0x0ef {
            // jal ra: imm[20|10:1|11|19:12] in bits 31..12.
            let imm =
                ((w >> 31) << 20) | (((w >> 21) & 0x3ff) << 1) | (((w >> 20) & 1) << 11) | (w & 0xff000);
            let imm = ((imm << 11) as i32 >> 11) as i64;
            out.push(pc.wrapping_add(imm as u64));
        } else if w & 0x7f == 0x17 {
            let rd = (w >> 7) & 31;
            if let Some(j) = word(i + 4) {
                let (jrd, jrs1) = ((j >> 7) & 31, (j >> 15) & 31);
                let is_jalr = j & 0x707f == 0x67 && jrs1 == rd && rd != 0;
                if is_jalr && (jrd == 1 || (jrd == 0 && rd == 6)) {
                    let hi = (w & 0xffff_f000) as i32 as i64;
                    let lo = (j as i32 >> 20) as i64;
                    out.push(pc.wrapping_add((hi + lo) as u64));
                }
            }
        }
        i += 4;
    }
}

#[cfg(test)]
mod tests;
