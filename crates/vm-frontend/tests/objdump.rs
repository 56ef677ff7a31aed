//! Differential tests of the RV64GC decoder + disassembler against GNU objdump.
//!
//! * `glibc_static_binary_matches_objdump`: every instruction of the checked-in static glibc
//!   program `guests/linux/disasm/prog.elf` (built by `build.sh` next to it) must disassemble
//!   exactly as `riscv64-linux-gnu-objdump -d` prints it.
//! * `generated_words_match_objdump`: all 16-bit parcels plus a large pseudo-random sample of
//!   32-bit words (biased towards the RV64GC major opcodes) are assembled with
//!   `riscv64-linux-gnu-as` (`.insn`) and compared the same way.
//!
//! Words objdump does not decode as instructions (`.2byte`, `.4byte`, `.word`, …) are counted
//! but not compared. If the binutils tools are missing the tests are skipped, unless the
//! environment variable `CI` is set, in which case they fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSection, SectionKind};
use vm_frontend::riscv64::{decode, disasm, Op};

const OBJDUMP: &str = "riscv64-linux-gnu-objdump";
const AS: &str = "riscv64-linux-gnu-as";

/// Whether `tool` runs; if not, panics under CI and otherwise prints a skip reason.
fn tool_available(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("{tool} is required for this test under CI (install binutils-riscv64-linux-gnu)");
        }
        eprintln!("SKIPPED: {tool} not found (install binutils-riscv64-linux-gnu to run)");
    }
    ok
}

/// One instruction line of `objdump -d` output.
struct Line {
    addr: u64,
    /// Instruction length according to objdump's raw-bytes column.
    len: usize,
    /// Mnemonic and operands with `<symbol>` and `# comment` removed, whitespace normalised.
    text: String,
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes objdump's ` <symbol+off>` suffix and `# comment`.
fn strip_annotations(s: &str) -> &str {
    let s = match s.find(" #") {
        Some(i) => &s[..i],
        None => s,
    };
    match s.find(" <") {
        Some(i) => &s[..i],
        None => s,
    }
}

fn parse_objdump(out: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    for l in out.lines() {
        let mut parts = l.splitn(3, '\t');
        let (Some(a), Some(bytes), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Some(a) = a.trim().strip_suffix(':') else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(a, 16) else {
            continue;
        };
        let hex = bytes.trim();
        if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        lines.push(Line { addr, len: hex.len() / 2, text: normalise(strip_annotations(text)) });
    }
    lines
}

/// Executable sections of an ELF: start address → bytes.
fn code_sections(elf: &[u8]) -> BTreeMap<u64, Vec<u8>> {
    let file = object::File::parse(elf).expect("test ELF parses");
    let mut map = BTreeMap::new();
    for s in file.sections() {
        if s.kind() == SectionKind::Text {
            let data = s.data().expect("section data");
            if !data.is_empty() {
                map.insert(s.address(), data.to_vec());
            }
        }
    }
    map
}

/// The (up to) 4 bytes at `addr` as a little-endian word, zero-padded at a section's end.
fn word_at(sections: &BTreeMap<u64, Vec<u8>>, addr: u64) -> Option<u32> {
    let (&start, data) = sections.range(..=addr).next_back()?;
    let off = usize::try_from(addr - start).ok()?;
    if off >= data.len() {
        return None;
    }
    let mut b = [0u8; 4];
    for (i, slot) in b.iter_mut().enumerate() {
        *slot = data.get(off + i).copied().unwrap_or(0);
    }
    Some(u32::from_le_bytes(b))
}

/// Encodings the ISA manual reserves (we decode them as `Illegal`) that binutils 2.40
/// nevertheless disassembles: `c.addi16sp` with a zero immediate (objdump: `add sp,sp,0`).
fn spec_reserved(word: u32) -> bool {
    word & 0xffff == 0x6101
}

struct Report {
    compared: usize,
    skipped: usize,
    /// Encodings the ISA manual reserves but objdump still prints as an instruction.
    reserved: usize,
    /// Words objdump does not decode but the ISA manual allows (we decode them).
    lenient: usize,
    mismatches: Vec<String>,
}

/// Runs objdump on `elf_path` and compares every decoded line with our disassembly.
fn compare(elf_path: &Path) -> Report {
    let elf = std::fs::read(elf_path).expect("read test ELF");
    let sections = code_sections(&elf);
    let out = Command::new(OBJDUMP).arg("-d").arg(elf_path).output().expect("run objdump");
    assert!(out.status.success(), "objdump failed on {}", elf_path.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut report = Report { compared: 0, skipped: 0, reserved: 0, lenient: 0, mismatches: Vec::new() };
    for line in parse_objdump(&text) {
        let Some(word) = word_at(&sections, line.addr) else {
            report.mismatches.push(format!("{:x}: no code bytes at this address", line.addr));
            continue;
        };
        let not_insn = [".2byte", ".4byte", ".word", ".short", ".byte", ".insn", ".8byte"]
            .iter()
            .any(|p| line.text.starts_with(p));
        if not_insn {
            if decode(word).op != Op::Illegal {
                // Spec-valid encodings binutils refuses, e.g. `fcvt.d.w` with rm != rne.
                report.lenient += 1;
            }
            report.skipped += 1;
            continue;
        }
        let insn = decode(word);
        if insn.op == Op::Illegal && spec_reserved(word) {
            report.reserved += 1;
            continue;
        }
        let ours = normalise(&disasm(&insn, line.addr));
        report.compared += 1;
        if ours != line.text || usize::from(insn.len) != line.len {
            report.mismatches.push(format!(
                "{:x}: {:0w$x} objdump `{}` (len {}) ours `{}` (len {}, {:?})",
                line.addr,
                insn.raw,
                line.text,
                line.len,
                ours,
                insn.len,
                insn.op,
                w = usize::from(insn.len) * 2
            ));
        }
    }
    report
}

fn check(name: &str, r: &Report, min_compared: usize) {
    eprintln!(
        "{name}: compared {} instructions, skipped {} non-instruction words and {} \
         spec-reserved encodings ({} skipped words are valid per spec), {} mismatches",
        r.compared,
        r.skipped,
        r.reserved,
        r.lenient,
        r.mismatches.len()
    );
    let limit = std::env::var("OBJDUMP_SHOW").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    for m in r.mismatches.iter().take(limit) {
        eprintln!("  {m}");
    }
    assert!(r.compared >= min_compared, "only {} instructions compared", r.compared);
    assert!(r.mismatches.is_empty(), "{} mismatches against objdump (first 20 above)", r.mismatches.len());
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn glibc_static_binary_matches_objdump() {
    if !tool_available(OBJDUMP) {
        return;
    }
    let elf = repo_root().join("guests/linux/disasm/prog.elf");
    let r = compare(&elf);
    check("prog.elf", &r, 100_000);
}

/// Extra ELF files to cross-check, from `VM_DISASM_EXTRA_ELF` (colon-separated paths), e.g.
/// `VM_DISASM_EXTRA_ELF=/usr/riscv64-linux-gnu/lib/libc.so.6`. Nothing to do when unset.
#[test]
fn extra_elfs_match_objdump() {
    let Some(list) = std::env::var_os("VM_DISASM_EXTRA_ELF") else {
        return;
    };
    if !tool_available(OBJDUMP) {
        return;
    }
    for path in std::env::split_paths(&list) {
        let r = compare(&path);
        check(&path.display().to_string(), &r, 1);
    }
}

/// Small deterministic PRNG (xorshift64*), so the sample is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
}

/// Words to cross-check: every compressed parcel, then random 32-bit words.
fn generated_words() -> Vec<(u32, u8)> {
    let mut words: Vec<(u32, u8)> = (0..=0xffffu32).filter(|w| w & 3 != 3).map(|w| (w, 2)).collect();
    const MAJOR: [u32; 18] = [
        0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47, 0x4b, 0x4f, 0x53,
        0x63,
    ];
    const MORE: [u32; 3] = [0x67, 0x6f, 0x73];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for n in 0..300_000u32 {
        let r = rng.next();
        let w = match n % 8 {
            // Fully random 32-bit word (not a 48/64-bit length prefix, which `.insn 4` rejects).
            0 if r & 0x1c == 0x1c => (r | 3) & !0x10,
            0 => r | 3,
            // A major opcode with random fields.
            1..=4 => (r & !0x7f) | MAJOR[(rng.next() as usize) % MAJOR.len()],
            5 => (r & !0x7f) | MORE[(rng.next() as usize) % MORE.len()],
            // Sparse upper bits: hits the fixed-field (rs2 = 0, funct7) encodings often.
            _ => {
                let sparse = r & rng.next() & rng.next();
                let op = MAJOR[(rng.next() as usize) % MAJOR.len()];
                (sparse & !0x7f) | op | (r & 0x0000_7f80)
            }
        };
        words.push((w, 4));
    }
    // Each CSR number with every CSR funct3 and a few register choices.
    for csr in 0..4096u32 {
        for f3 in [1u32, 2, 3, 5, 6, 7] {
            let regs = rng.next() & 0x000f_8f80;
            let zero_src = if csr % 2 == 0 { 0 } else { regs & 0x000f_8000 };
            let zero_dst = if csr % 3 == 0 { 0 } else { regs & 0xf80 };
            words.push((csr << 20 | zero_src | f3 << 12 | zero_dst | 0x73, 4));
        }
    }
    words
}

#[test]
fn generated_words_match_objdump() {
    if !tool_available(OBJDUMP) || !tool_available(AS) {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("objdump-words");
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let src = dir.join("words.s");
    let obj = dir.join("words.o");
    let mut s = String::from(
        ".attribute arch, \"rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0\"\n\
         .attribute priv_spec, 1\n.attribute priv_spec_minor, 11\n.text\n",
    );
    for (w, len) in generated_words() {
        s.push_str(&format!(".insn {len}, 0x{w:x}\n"));
    }
    std::fs::write(&src, s).expect("write assembly");
    let st = Command::new(AS).arg("-o").arg(&obj).arg(&src).status().expect("run assembler");
    assert!(st.success(), "assembler failed");
    let r = compare(&obj);
    check("generated words", &r, 200_000);
}

#[test]
fn illegal_words_are_illegal() {
    for w in [0u32, 0x8000, 0xffff_ffff, 0x0000_007f] {
        let i = decode(w);
        assert_eq!(i.op, Op::Illegal, "{w:#x}");
    }
}
