//! ISA-level differential testing: the interpreter (the oracle) against the JIT and the
//! hybrid engine, on random valid RV64GC machine code run through the whole [`BareMetal`]
//! run loop (block cache, tiering, trap entry, `mret`, `fence.i`, the instruction limit).
//!
//! A [`Case`] is derived deterministically from arbitrary bytes ([`Case::from_bytes`], used by
//! the proptest in `tests/jit_differential.rs` and by the cargo-fuzz target
//! `fuzz/fuzz_targets/jit_diff.rs`): an initial hart state and a sequence of 1–48 [`Item`]s,
//! mostly single random instructions from every extension (see [`encode::TEMPLATES`]), plus
//! forward and backward branches and jumps within the sequence, indirect jumps, bounded
//! loops, pointer re-sets, self-modifying code (a store over a later instruction, then
//! `fence.i`) and illegal instructions. A quarter of the sequences have no control flow (long
//! blocks) and a quarter are wrapped in a counted loop (hot blocks for the hybrid engine). [`Case::run`] executes it on one engine
//! and returns an [`Outcome`] — the run result, the architectural registers, the trap CSRs
//! and the scratch memory — and [`Case::check`] compares the engines. A random sequence can
//! also store over its own code and run it without `fence.i` (a jump into the middle of an
//! instruction runs bytes no item meant as code); the ISA leaves that outcome open, so such
//! cases are told apart (`fetch.rs`) and not compared.
//!
//! Memory map of the 1 MiB machine (RAM at [`RAM_BASE`]):
//! ```text
//! CODE_BASE  = RAM_BASE            the sequence, then the exit stub `csrwi mtvec, 0; ecall`
//! HANDLER    = RAM_BASE + 0x1000   mtvec: folds mcause/mtval into x31, skips the faulting
//!                                  instruction (mepc += 2 or 4) and `mret`s
//! SCRATCH    = RAM_BASE + 0x8_0000 4 KiB the pointer registers point into
//! ```
//! Register conventions: `x2, x5–x8` ([`POINTERS`]) hold scratch addresses (or, after a
//! deliberate re-set, an address outside RAM, so accesses fault) and are the base of every
//! load, store and atomic; random instructions never write them. `x9` ([`COUNTER`]) is the
//! loop counter of [`Item::Loop`]. The handler clobbers `x29–x31`. The run ends with an
//! unhandled `ecall` (the exit stub clears mtvec first), or at the instruction limit
//! ([`MAX_INSNS`]) for sequences that loop forever.

mod assemble;
pub mod encode;
mod fetch;
mod gen;

use std::fmt;

use vm_core::{ExecMode, JitConfig, VmConfig};
use vm_frontend::riscv64::{decode, disasm, XREG_NAMES};

use crate::baremetal::{BareMetal, RunOutcome, RAM_BASE};
use assemble::assemble;
pub use assemble::handler;

/// Guest RAM of a test machine.
pub const MEMORY_SIZE: usize = 1 << 20;
/// End of RAM.
pub const RAM_END: u64 = RAM_BASE + MEMORY_SIZE as u64;
/// Where the sequence starts (the hart's initial pc).
pub const CODE_BASE: u64 = RAM_BASE;
/// The trap handler (`mtvec`).
pub const HANDLER: u64 = RAM_BASE + 0x1000;
/// The scratch area the pointer registers point into.
pub const SCRATCH: u64 = RAM_BASE + 0x8_0000;
/// Size of the scratch area.
pub const SCRATCH_SIZE: u64 = 0x1000;
/// Memory compared after a run: the scratch area with 4 KiB either side (every offset a
/// load or store can add to a scratch pointer), and the top 4 KiB of RAM (reached through
/// pointers re-set near the end of RAM).
pub const WINDOWS: [(u64, usize); 2] = [(SCRATCH - 0x1000, 0x3000), (RAM_END - 0x1000, 0x1000)];
/// Instruction limit of a run.
pub const MAX_INSNS: u64 = 3000;
/// Scratch pointer registers: the base of every memory access, never written at random.
pub const POINTERS: [u8; 5] = [2, 5, 6, 7, 8];
/// Loop counter register of [`Item::Loop`].
pub const COUNTER: u8 = 9;
/// The longest sequence, in items.
pub const MAX_ITEMS: usize = 48;

/// Whether random instructions must not write integer register `r`.
pub fn reserved(r: u8) -> bool {
    POINTERS.contains(&r) || r == COUNTER
}

/// How an [`Item::Indirect`] jumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndirectForm {
    /// `auipc tmp, 0; jalr rd, off(tmp)`.
    Jalr,
    /// `auipc tmp, 0; addi tmp, tmp, off; c.jr tmp`.
    CJr,
    /// `auipc tmp, 0; addi tmp, tmp, off; c.jalr tmp` (links x1).
    CJalr,
}

/// One element of a test sequence. Targets are item indices; `items.len()` is the exit stub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A random 32-bit instruction (validated with the decoder).
    Insn32(u32),
    /// A random compressed instruction (validated with the decoder).
    Insn16(u16),
    /// A conditional branch: the fixed bits of a B-type word (opcode, funct3, rs1, rs2).
    Branch {
        /// Fixed bits; the offset is filled in by the assembler.
        base: u32,
        /// Target item.
        target: usize,
    },
    /// `c.beqz`/`c.bnez`: the fixed bits (opcode, funct3, rs1').
    CBranch {
        /// Fixed bits; the offset is filled in by the assembler.
        base: u16,
        /// Target item.
        target: usize,
    },
    /// `jal rd, target`.
    Jal {
        /// Link register.
        rd: u8,
        /// Target item.
        target: usize,
    },
    /// `c.j target`.
    CJump {
        /// Target item.
        target: usize,
    },
    /// `addi x9, x9, -1; bge x9, zero, target`: a backward loop bounded by the counter.
    Loop {
        /// Target item (at or before this one).
        target: usize,
    },
    /// An indirect jump through an `auipc`-relative address.
    Indirect {
        /// Register holding the address.
        tmp: u8,
        /// Link register of the `jalr` form.
        rd: u8,
        /// Which encoding.
        form: IndirectForm,
        /// Target item.
        target: usize,
    },
    /// `li reg, value - sp_adjust` (then `c.addi16sp sp, sp_adjust` if non-zero).
    SetPointer {
        /// One of [`POINTERS`].
        reg: u8,
        /// The address.
        value: u64,
        /// For `sp`: a `c.addi16sp` amount (a multiple of 16 in [-48, 48]), else 0.
        sp_adjust: i16,
    },
    /// `li x9, n`: re-arm the loop counter.
    SetCounter(i8),
    /// Self-modifying code: `li addr_reg, &target; li val_reg, word; sw val_reg, 0(addr_reg);
    /// fence.i` — overwrite the first word of item `target` with another random instruction.
    Patch {
        /// The item to overwrite.
        target: usize,
        /// The new 32-bit instruction.
        word: u32,
        /// Register for the address.
        addr_reg: u8,
        /// Register for the word.
        val_reg: u8,
    },
}

/// One assembled instruction, for disassembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// Guest address.
    pub pc: u64,
    /// Raw bits (16-bit parcels zero-extended).
    pub raw: u32,
    /// 2 or 4.
    pub len: u8,
    /// The item it belongs to (`None` for the exit stub).
    pub item: Option<usize>,
}

/// A test sequence in machine code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// Bytes to place at [`CODE_BASE`].
    pub code: Vec<u8>,
    /// Every instruction in order.
    pub lines: Vec<Line>,
}

/// One differential test case: initial hart state, memory seed and instruction sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Integer registers (x0 is ignored).
    pub x: [u64; 32],
    /// FP registers (raw bits).
    pub f: [u64; 32],
    /// `frm` (0–7; 5–7 make dynamic-rounding instructions illegal).
    pub frm: u8,
    /// `fflags`.
    pub fflags: u8,
    /// `mstatus.FS` (1–3).
    pub fs: u8,
    /// LR reservation at the start.
    pub reservation: Option<u64>,
    /// Seed of the initial contents of the compared memory windows.
    pub mem_seed: u64,
    /// The sequence.
    pub items: Vec<Item>,
}

/// Everything one engine's run produced that the engines must agree on.
#[derive(Clone, PartialEq, Eq)]
pub struct Outcome {
    /// How the run ended (an error as its message: it names the pc).
    pub result: Result<RunOutcome, String>,
    /// x0–x31 (IR temporaries are engine-private and not compared).
    pub x: [u64; 32],
    /// f0–f31.
    pub f: [u64; 32],
    /// Final pc.
    pub pc: u64,
    /// `frm`.
    pub frm: u8,
    /// `fflags`.
    pub fflags: u8,
    /// `mstatus.FS`.
    pub fs: u8,
    /// Instructions retired.
    pub instret: u64,
    /// LR reservation.
    pub reservation: Option<u64>,
    /// Full `mstatus`.
    pub mstatus: u64,
    /// `mepc`.
    pub mepc: u64,
    /// `mcause`.
    pub mcause: u64,
    /// `mtval`.
    pub mtval: u64,
    /// The bytes of [`WINDOWS`], concatenated.
    pub mem: Vec<u8>,
}

/// Engines that disagree with the interpreter on a case.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Which engine (e.g. `jit`, `hybrid (threshold 1)`).
    pub engine: String,
    /// The interpreter's outcome.
    pub oracle: Outcome,
    /// The other engine's outcome.
    pub other: Outcome,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "interpreter vs {}:", self.engine)?;
        f.write_str(&self.oracle.diff(&self.other, "interp", &self.engine))
    }
}

impl Case {
    /// The case `data` describes. Every byte string gives a valid case; bytes are consumed in
    /// order (so a fuzzer's mutations stay local) and, once they run out, a generator seeded
    /// from a hash of `data` supplies the rest.
    pub fn from_bytes(data: &[u8]) -> Case {
        gen::generate(data)
    }

    /// Assemble the sequence and the exit stub.
    pub fn program(&self) -> Program {
        assemble(&self.items)
    }

    /// Run on `mode` (hybrid mode compiles a block after its first interpreted run).
    pub fn run(&self, mode: ExecMode) -> Outcome {
        self.run_with_threshold(mode, 1)
    }

    /// Run on `mode` with hybrid mode's `jit_threshold` set to `threshold`.
    pub fn run_with_threshold(&self, mode: ExecMode, threshold: u32) -> Outcome {
        match self.machine(mode, threshold) {
            Ok(mut m) => {
                let result = m.run().map_err(|e| e.to_string());
                Outcome::from_machine(result, &m)
            }
            Err(e) => Outcome::setup_failed(format!("cannot set up the machine: {e}")),
        }
    }

    /// A machine for `mode` (hybrid `jit_threshold` = `threshold`) with the case loaded: code,
    /// trap handler, memory windows and hart state, ready to [`BareMetal::run`].
    pub fn machine(&self, mode: ExecMode, threshold: u32) -> Result<BareMetal, vm_core::VmError> {
        let config = VmConfig {
            exec_mode: mode,
            memory_size: MEMORY_SIZE,
            max_insns: Some(MAX_INSNS),
            jit: JitConfig { jit_threshold: threshold, ..Default::default() },
            // Compiled on the spot: the same case always runs the same code (shrinking needs
            // that), and a short case does not end before its compiler does.
            background_compile: false,
            ..Default::default()
        };
        let mut m = BareMetal::new(&config)?;
        m.mem.write_bytes(CODE_BASE, &self.program().code)?;
        let handler: Vec<u8> = handler().iter().flat_map(|w| w.to_le_bytes()).collect();
        m.mem.write_bytes(HANDLER, &handler)?;
        let mut s = self.mem_seed;
        for (lo, len) in WINDOWS {
            let bytes: Vec<u8> = (0..len / 8).flat_map(|_| gen::splitmix(&mut s).to_le_bytes()).collect();
            m.mem.write_bytes(lo, &bytes)?;
        }
        m.cpu.x[1..32].copy_from_slice(&self.x[1..]);
        m.cpu.f = self.f;
        m.cpu.frm = self.frm & 7;
        m.cpu.fflags = self.fflags & 0x1f;
        m.cpu.fs = self.fs & 3;
        m.cpu.reservation = self.reservation;
        m.cpu.pc = CODE_BASE;
        m.csrs.mtvec = HANDLER;
        Ok(m)
    }

    /// Compare the JIT (regions compiled at the first run) and, with `hybrid_threshold`, the
    /// hybrid engine and jit mode's baselines (jit mode with that threshold) with the
    /// interpreter. Cases that run code stored to without a `fence.i` may end differently
    /// (see [`Case::fetches_unsynchronized_code`]) and pass.
    pub fn check(&self, hybrid_threshold: Option<u32>) -> Result<(), Box<Mismatch>> {
        let oracle = self.run(ExecMode::Interpreter);
        let mut engines = vec![(ExecMode::Jit, 0, "jit".to_string())];
        if let Some(t) = hybrid_threshold {
            engines.push((ExecMode::Hybrid, t, format!("hybrid (threshold {t})")));
            engines.push((ExecMode::Jit, t, format!("jit (threshold {t})")));
        }
        for (mode, t, engine) in engines {
            let other = self.run_with_threshold(mode, t);
            if other != oracle {
                if self.fetches_unsynchronized_code() {
                    // Old or new instruction: the ISA allows either, so no engine is wrong.
                    return Ok(());
                }
                return Err(Box::new(Mismatch { engine, oracle, other }));
            }
        }
        Ok(())
    }

    /// Whether a run executes an instruction whose bytes were stored to since the last
    /// `fence.i` (or the start): the ISA leaves open whether the old or the new instruction
    /// runs, so engines may disagree and [`Case::check`] accepts that (see [`fetch`]).
    pub fn fetches_unsynchronized_code(&self) -> bool {
        fetch::fetches_unsynchronized_code(self)
    }

    /// The sequence as objdump would print it, one instruction per line, with item numbers.
    pub fn disassembly(&self) -> String {
        let mut s = String::new();
        for l in self.program().lines {
            let text = disasm(&decode(l.raw), l.pc);
            let raw = if l.len == 2 { format!("    {:04x}", l.raw) } else { format!("{:08x}", l.raw) };
            let item = l.item.map_or("exit".to_string(), |i| format!("#{i}"));
            s.push_str(&format!("  {:x}:\t{raw}\t{text:<32}\t# {item}\n", l.pc));
        }
        s
    }

    /// A readable dump: initial state, then the disassembly.
    pub fn describe(&self) -> String {
        let mut s = String::from("initial state:\n");
        for (r, (name, v)) in XREG_NAMES.iter().zip(self.x).enumerate().skip(1) {
            s.push_str(&format!("  {name:>4}={v:#018x}"));
            if r % 4 == 3 {
                s.push('\n');
            }
        }
        s.push('\n');
        for r in 0..32 {
            s.push_str(&format!("  f{r:<3}={:#018x}", self.f[r]));
            if r % 4 == 3 {
                s.push('\n');
            }
        }
        s.push_str(&format!(
            "  frm={} fflags={:#x} fs={} reservation={:x?} mem_seed={:#x}\nsequence ({} items):\n",
            self.frm,
            self.fflags,
            self.fs,
            self.reservation,
            self.mem_seed,
            self.items.len()
        ));
        s.push_str(&self.disassembly());
        s
    }

    /// The case without item `i` (targets after it move down; targets at it now hit its
    /// successor).
    pub fn without_item(&self, i: usize) -> Case {
        let mut c = self.clone();
        if i >= c.items.len() {
            return c;
        }
        c.items.remove(i);
        for item in &mut c.items {
            if let Some(t) = item.target_mut() {
                if *t > i {
                    *t -= 1;
                }
            }
        }
        c
    }

    /// Greedily drop items while `still_fails` holds, until no single item can go.
    pub fn minimize(&self, still_fails: impl Fn(&Case) -> bool) -> Case {
        let mut best = self.clone();
        loop {
            let mut changed = false;
            let mut i = best.items.len();
            while i > 0 {
                i -= 1;
                let candidate = best.without_item(i);
                if still_fails(&candidate) {
                    best = candidate;
                    changed = true;
                }
            }
            if !changed {
                return best;
            }
        }
    }

    /// Rust source for this case (for pasting a failure into a regression test).
    pub fn to_rust(&self) -> String {
        let words = |v: &[u64; 32]| {
            let w: Vec<String> = v.iter().map(|x| format!("{x:#x}")).collect();
            w.chunks(4).map(|c| format!("        {},\n", c.join(", "))).collect::<String>()
        };
        let items: String = self.items.iter().map(|i| format!("        {},\n", i.to_rust())).collect();
        format!(
            "Case {{\n    x: [\n{}    ],\n    f: [\n{}    ],\n    frm: {},\n    fflags: {:#x},\n    fs: {},\n    \
             reservation: {:#x?},\n    mem_seed: {:#x},\n    items: vec![\n{}    ],\n}}",
            words(&self.x),
            words(&self.f),
            self.frm,
            self.fflags,
            self.fs,
            self.reservation,
            self.mem_seed,
            items
        )
    }
}

impl Outcome {
    /// The outcome of a run that could not start.
    fn setup_failed(msg: String) -> Outcome {
        Outcome {
            result: Err(msg),
            x: [0; 32],
            f: [0; 32],
            pc: 0,
            frm: 0,
            fflags: 0,
            fs: 0,
            instret: 0,
            reservation: None,
            mstatus: 0,
            mepc: 0,
            mcause: 0,
            mtval: 0,
            mem: Vec::new(),
        }
    }

    /// Read everything compared out of a machine after its run ended with `result`.
    pub fn from_machine(result: Result<RunOutcome, String>, m: &BareMetal) -> Outcome {
        let mut x = [0; 32];
        x.copy_from_slice(&m.cpu.x[..32]);
        let mut mem = Vec::with_capacity(WINDOWS.iter().map(|w| w.1).sum());
        for (lo, len) in WINDOWS {
            mem.extend_from_slice(m.mem.slice(lo, len).unwrap_or(&[]));
        }
        Outcome {
            result,
            x,
            f: m.cpu.f,
            pc: m.cpu.pc,
            frm: m.cpu.frm,
            fflags: m.cpu.fflags,
            fs: m.cpu.fs,
            instret: m.cpu.instret,
            reservation: m.cpu.reservation,
            mstatus: m.csrs.mstatus(&m.cpu),
            mepc: m.csrs.mepc,
            mcause: m.csrs.mcause,
            mtval: m.csrs.mtval,
            mem,
        }
    }

    /// Guest address of byte `i` of [`Outcome::mem`].
    fn mem_addr(i: usize) -> u64 {
        let mut i = i;
        for (lo, len) in WINDOWS {
            if i < len {
                return lo + i as u64;
            }
            i -= len;
        }
        0
    }

    /// One line per field that differs, `a` labelled `an` and `b` labelled `bn`.
    pub fn diff(&self, b: &Outcome, an: &str, bn: &str) -> String {
        let a = self;
        let mut s = String::new();
        let mut line = |what: String, x: String, y: String| {
            s.push_str(&format!("  {what:<12} {an}: {x:<24} {bn}: {y}\n"));
        };
        if a.result != b.result {
            line("result".into(), format!("{:?}", a.result), format!("{:?}", b.result));
        }
        for (r, name) in XREG_NAMES.iter().enumerate() {
            if a.x[r] != b.x[r] {
                line(format!("x{r} ({name})"), format!("{:#x}", a.x[r]), format!("{:#x}", b.x[r]));
            }
        }
        for r in 0..32 {
            if a.f[r] != b.f[r] {
                line(format!("f{r}"), format!("{:#x}", a.f[r]), format!("{:#x}", b.f[r]));
            }
        }
        macro_rules! field {
            ($($name:ident),*) => {$(
                if a.$name != b.$name {
                    line(stringify!($name).into(), format!("{:#x?}", a.$name), format!("{:#x?}", b.$name));
                }
            )*};
        }
        field!(pc, frm, fflags, fs, instret, reservation, mstatus, mepc, mcause, mtval);
        if a.mem.len() != b.mem.len() {
            line("mem length".into(), a.mem.len().to_string(), b.mem.len().to_string());
        }
        let mut shown = 0;
        for (i, (x, y)) in a.mem.chunks(8).zip(b.mem.chunks(8)).enumerate() {
            if x != y {
                if shown == 16 {
                    line("mem".into(), "…".into(), "(more differences)".into());
                    break;
                }
                shown += 1;
                line(format!("mem {:#x}", Self::mem_addr(i * 8)), hex(x), hex(y));
            }
        }
        s
    }
}

/// Bytes as hex, lowest address first.
fn hex(b: &[u8]) -> String {
    b.iter().map(|v| format!("{v:02x}")).collect()
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The memory is summarised: 16 KiB of bytes would drown everything else.
        let hash = self
            .mem
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
        f.debug_struct("Outcome")
            .field("result", &self.result)
            .field("pc", &format_args!("{:#x}", self.pc))
            .field("instret", &self.instret)
            .field("x", &format_args!("{:x?}", self.x))
            .field("f", &format_args!("{:x?}", self.f))
            .field("frm", &self.frm)
            .field("fflags", &self.fflags)
            .field("fs", &self.fs)
            .field("reservation", &format_args!("{:x?}", self.reservation))
            .field("mstatus", &format_args!("{:#x}", self.mstatus))
            .field("mepc", &format_args!("{:#x}", self.mepc))
            .field("mcause", &self.mcause)
            .field("mtval", &format_args!("{:#x}", self.mtval))
            .field("mem", &format_args!("{} bytes, fnv {:#x}", self.mem.len(), hash))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_skips_a_trapping_instruction_and_the_run_ends_at_the_stub() {
        let case = Case {
            x: [0; 32],
            f: [0; 32],
            frm: 0,
            fflags: 0,
            fs: 1,
            reservation: None,
            mem_seed: 1,
            items: vec![Item::Insn16(0), Item::Insn32(encode::addi(10, 0, 7)), Item::Insn32(0x0010_0073)],
        };
        let o = case.run(ExecMode::Interpreter);
        let r = o.result.as_ref().unwrap_err();
        assert!(r.contains("environment call") && r.contains("no trap handler"), "{r}");
        assert_eq!(o.x[10], 7);
        // Two traps were taken: illegal (cause 2, tval 0) then ebreak (cause 3).
        assert_eq!(o.x[31], 2 * 33 + 3);
        assert_eq!((o.mcause, o.mepc), (3, CODE_BASE + 6 + 4));
    }

    #[test]
    fn every_item_kind_assembles_to_valid_code() {
        let mut items = vec![
            Item::SetPointer { reg: 2, value: SCRATCH + 0x40, sp_adjust: -32 },
            Item::SetPointer { reg: 5, value: RAM_END + 0x1000, sp_adjust: 0 },
            Item::SetCounter(2),
            Item::Patch { target: 2, word: encode::addi(10, 10, 1), addr_reg: 11, val_reg: 12 },
            Item::Branch { base: 0x63 | 1 << 12 | 10 << 15 | 11 << 20, target: 6 },
            Item::CBranch { base: 0xc001 | 2 << 7, target: 0 },
            Item::Jal { rd: 1, target: 8 },
            Item::CJump { target: 9 },
            Item::Loop { target: 4 },
        ];
        for form in [IndirectForm::Jalr, IndirectForm::CJr, IndirectForm::CJalr] {
            items.push(Item::Indirect { tmp: 12, rd: 1, form, target: 12 });
        }
        let case =
            Case { x: [0; 32], f: [0; 32], frm: 0, fflags: 0, fs: 1, reservation: None, mem_seed: 0, items };
        let p = case.program();
        for l in &p.lines {
            assert_ne!(decode(l.raw).op, vm_frontend::riscv64::Op::Illegal, "{l:?}\n{}", case.disassembly());
        }
        // Branch targets land on item starts.
        let patch = p.lines.iter().filter(|l| l.item == Some(3)).count();
        assert_eq!(patch, 3 + 2 + 2, "patch = 3 address + 2 li + sw + fence.i");
        let starts: Vec<u64> =
            (0..case.items.len()).map(|i| p.lines.iter().find(|l| l.item == Some(i)).unwrap().pc).collect();
        let d = decode(p.lines.iter().find(|l| l.item == Some(4)).unwrap().raw);
        assert_eq!(starts[4].wrapping_add(d.imm as u64), starts[6]);
    }

    #[test]
    fn patch_rewrites_a_later_instruction() {
        let items = vec![
            Item::Patch { target: 1, word: encode::addi(10, 0, 42), addr_reg: 11, val_reg: 12 },
            Item::Insn32(encode::addi(10, 0, 1)),
        ];
        let case =
            Case { x: [0; 32], f: [0; 32], frm: 0, fflags: 0, fs: 1, reservation: None, mem_seed: 0, items };
        for mode in [ExecMode::Interpreter, ExecMode::Jit] {
            assert_eq!(case.run(mode).x[10], 42, "{mode:?}\n{}", case.disassembly());
        }
    }

    #[test]
    fn from_bytes_is_deterministic_and_valid() {
        for seed in 0u64..300 {
            let data: Vec<u8> = (0..seed * 7).map(|i| (i * 31 + seed) as u8).collect();
            let a = Case::from_bytes(&data);
            assert_eq!(a, Case::from_bytes(&data));
            assert!(!a.items.is_empty() && a.items.len() <= MAX_ITEMS);
            let p = a.program();
            assert!(p.code.len() < (HANDLER - CODE_BASE) as usize);
            for l in &p.lines {
                let insn = decode(l.raw);
                if encode::writes_x(insn.op) && insn.rd != 0 && reserved(insn.rd) {
                    // Only the deliberate re-sets and the loop write reserved registers.
                    let item = &a.items[l.item.unwrap()];
                    assert!(
                        matches!(
                            item,
                            Item::SetPointer { .. }
                                | Item::Loop { .. }
                                | Item::SetCounter(_)
                                | Item::Patch { .. }
                        ),
                        "{item:?} writes x{}",
                        insn.rd
                    );
                }
                if encode::is_mem(insn.op) && !matches!(a.items[l.item.unwrap_or(0)], Item::Patch { .. }) {
                    assert!(POINTERS.contains(&insn.rs1), "{insn:?}");
                }
            }
        }
    }

    #[test]
    fn without_item_keeps_targets_in_range() {
        let case = Case::from_bytes(&[7; 600]);
        let mut c = case.clone();
        while !c.items.is_empty() {
            c = c.without_item(0);
            for it in &mut c.items.clone() {
                if let Some(t) = it.target_mut() {
                    assert!(*t <= c.items.len());
                }
            }
        }
    }
}
