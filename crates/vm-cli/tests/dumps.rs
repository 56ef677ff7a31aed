//! `vm run -d in_asm,ir,out_asm,exec -D FILE` on a real guest (guests/linux/bin/hello.rv64, a
//! static glibc program with symbols) in jit and hybrid mode, checked against the ELF itself:
//! the block at `_start` is dumped with the instruction bits the file holds there, every block
//! has its IR, every translation lists guest blocks that were dumped and has x86-64 code, and
//! every `exec` line names the start of a dumped block. Also `vm boot` with dumps, and the
//! errors for a bad `-d` item and an uncreatable `-D` file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use object::{Object, ObjectSection, ObjectSymbol};

mod common;
use common::repo;

/// The longest a run may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dumps").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run `vm args…` in `dir` (stdout and stderr to files there); returns the exit status and stderr.
fn run_vm(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    common::run_vm_in(dir, args, TIMEOUT)
}

/// One `out_asm` translation: the guest block ranges it covers and its host instruction texts.
type Translation = (Vec<(u64, u64)>, Vec<String>);

/// What a dump says.
#[derive(Default)]
struct Dump {
    /// Guest blocks from `in_asm`: start pc → instructions (pc, raw bits, text).
    blocks: HashMap<u64, Vec<(u64, u32, String)>>,
    /// Start pcs of the `block 0x…:` headers of the `ir` part, and how many op lines follow them.
    ir_blocks: Vec<(u64, usize)>,
    /// Translations from `out_asm`: guest block ranges and host instruction texts.
    translations: Vec<Translation>,
    /// pcs of `exec` lines.
    exec: Vec<u64>,
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|_| panic!("not hex: {s:?}"))
}

fn parse(text: &str) -> Dump {
    #[derive(PartialEq)]
    enum Part {
        None,
        In(u64),
        Ir,
        Out,
    }
    let mut d = Dump::default();
    let mut part = Part::None;
    for line in text.lines() {
        if line.is_empty() || line.starts_with("----") {
            part = Part::None;
        } else if line == "IN: " {
            part = Part::In(0);
        } else if line == "IR: " {
            part = Part::Ir;
        } else if line.starts_with("OUT: ") {
            part = Part::Out;
            d.translations.push((Vec::new(), Vec::new()));
        } else if let Some(rest) = line.strip_prefix("Trace 0: ") {
            let pc = rest.split('[').nth(1).and_then(|r| r.split(']').next()).expect("[pc] in exec line");
            d.exec.push(hex(pc));
        } else {
            match &mut part {
                Part::In(start) => {
                    let (addr, rest) = line.split_once(":  ").expect("address: in in_asm line");
                    let (raw, text) = rest.split_once("  ").expect("raw bits in in_asm line");
                    let pc = hex(addr);
                    if *start == 0 {
                        *start = pc;
                    }
                    let insn = (pc, hex(raw.trim()) as u32, text.trim().to_string());
                    d.blocks.entry(*start).or_default().push(insn);
                }
                Part::Ir => match line.strip_prefix("block ") {
                    Some(h) => d.ir_blocks.push((hex(h.trim_end_matches(':')), 0)),
                    None => d.ir_blocks.last_mut().expect("IR header first").1 += 1,
                },
                Part::Out => {
                    let t = d.translations.last_mut().unwrap();
                    if let Some(list) = line.trim().strip_prefix("guest blocks (") {
                        let list = list.split_once("): ").expect("guest block list").1;
                        for range in list.split(", ") {
                            let (a, b) = range.split_once("..").expect("range");
                            t.0.push((hex(a), hex(b)));
                        }
                    } else {
                        let (_, rest) = line.split_once(":  ").expect("address: in out_asm line");
                        t.1.push(rest.trim_start_matches(|c: char| c.is_ascii_hexdigit()).trim().to_string());
                    }
                }
                Part::None => panic!("line outside any dump part: {line:?}"),
            }
        }
    }
    d
}

/// hello.rv64's `_start` address and the bytes of its text at that address.
fn elf_start(path: &Path) -> (u64, Vec<u8>) {
    let data = std::fs::read(path).unwrap();
    let elf = object::File::parse(&*data).unwrap();
    let start = elf.symbols().find(|s| s.name() == Ok("_start")).expect("_start symbol").address();
    let text = elf.section_by_name(".text").unwrap();
    let bytes = text.data().unwrap()[(start - text.address()) as usize..].to_vec();
    (start, bytes)
}

fn check_hello(mode: &str) {
    let dir = scratch(mode);
    let guest = repo().join("guests/linux/bin/hello.rv64");
    let dump_path = dir.join("dump.txt");
    let (code, stderr) = run_vm(
        &dir,
        &[
            "run",
            "--mode",
            mode,
            "--jit-threshold",
            "2",
            // Compile on the spot: a short program may end before a background compile does.
            "--jit-sync",
            "-d",
            "in_asm,ir,out_asm,exec",
            "-D",
            dump_path.to_str().unwrap(),
            guest.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{mode}: stderr {stderr}");
    assert!(!stderr.contains("Trace 0:") && !stderr.contains("IN: "), "{mode}: dumps went to stderr");
    let text = std::fs::read_to_string(&dump_path).unwrap();
    let d = parse(&text);

    // in_asm: `_start` is a block, with the bits the ELF holds there, disassembled.
    let (start, bytes) = elf_start(&guest);
    let insns =
        d.blocks.get(&start).unwrap_or_else(|| panic!("{mode}: no in_asm block at _start {start:#x}"));
    for &(pc, raw, ref text) in insns {
        let off = (pc - start) as usize;
        let file = u32::from_le_bytes(bytes[off..off + 4].try_into().unwrap());
        let file = if file & 3 == 3 { file } else { file & 0xffff };
        assert_eq!(raw, file, "{mode}: bits of {pc:#x} ({text})");
        assert!(!text.is_empty() && !text.starts_with('.'), "{mode}: {pc:#x} not disassembled: {text:?}");
    }
    // hello ends in exit_group: an `ecall` and a `ret` appear somewhere.
    let all: Vec<&str> = d.blocks.values().flatten().map(|(_, _, t)| t.as_str()).collect();
    for want in ["ecall", "ret"] {
        assert!(all.iter().any(|t| t.starts_with(want)), "{mode}: no `{want}` in in_asm");
    }

    // ir: one IR block per in_asm block, same start pcs, each with at least its terminator.
    let mut ir_starts: Vec<u64> = d.ir_blocks.iter().map(|&(pc, _)| pc).collect();
    let mut in_starts: Vec<u64> = d.blocks.keys().copied().collect();
    ir_starts.sort_unstable();
    in_starts.sort_unstable();
    assert_eq!(ir_starts, in_starts, "{mode}: IR blocks differ from in_asm blocks");
    assert!(d.ir_blocks.iter().all(|&(_, n)| n >= 1), "{mode}: an IR block without lines");
    assert!(text.contains(&format!("IR: \nblock {start:#x}:\n")), "{mode}: no IR for _start");

    // out_asm: every translation covers dumped guest blocks (exact ranges) and has host code.
    assert!(!d.translations.is_empty(), "{mode}: no out_asm");
    for (blocks, host) in &d.translations {
        assert!(!blocks.is_empty() && !host.is_empty(), "{mode}: empty translation dump");
        for &(s, e) in blocks {
            let b =
                d.blocks.get(&s).unwrap_or_else(|| panic!("{mode}: translated block {s:#x} not in in_asm"));
            let (last_pc, last_raw, _) = *b.last().unwrap();
            let len = if last_raw & 3 == 3 { 4 } else { 2 };
            assert_eq!(e, last_pc + len, "{mode}: end of translated block {s:#x}");
        }
        assert!(
            host.iter().any(|t| t.starts_with("ret") || t.starts_with("jmp")),
            "{mode}: translation without ret/jmp"
        );
    }
    assert!(d.translations.iter().flat_map(|t| &t.1).any(|t| t.starts_with("mov ")), "{mode}: no mov");

    // exec: every executed pc is the start of a dumped block; _start ran.
    assert!(d.exec.len() > 10, "{mode}: only {} exec lines", d.exec.len());
    for pc in &d.exec {
        assert!(d.blocks.contains_key(pc), "{mode}: exec line at {pc:#x}, not a dumped block start");
    }
    assert!(d.exec.contains(&start), "{mode}: _start never executed");
    if mode == "hybrid" {
        assert!(text.contains("Trace 0: interp ["), "hybrid: no interpreted blocks");
    }
    assert!(text.contains("] region "), "{mode}: no entry into compiled code");
}

#[test]
fn hello_dumped_in_jit_mode() {
    check_hello("jit");
}

#[test]
fn hello_dumped_in_hybrid_mode() {
    check_hello("hybrid");
}

#[test]
fn boot_dumps_to_stderr_without_d_file() {
    let dir = scratch("boot");
    let kernel = repo().join("guests/isa/bin/rv64c.elf");
    let (code, stderr) = run_vm(
        &dir,
        &["boot", "--kernel", kernel.to_str().unwrap(), "--mode", "interp", "-d", "in_asm,exec"],
    );
    assert_eq!(code, Some(0), "stderr {stderr}");
    let d = parse(stderr.lines().filter(|l| !l.starts_with("vm:")).collect::<Vec<_>>().join("\n").as_str());
    assert!(d.blocks.contains_key(&0x8000_0000), "no block at the reset pc");
    assert!(!d.exec.is_empty() && d.exec.iter().all(|pc| d.blocks.contains_key(pc)));
}

#[test]
fn a_bad_item_and_an_uncreatable_file_are_clear_errors() {
    let dir = scratch("errors");
    let guest = repo().join("guests/linux/bin/hello.rv64");
    let guest = guest.to_str().unwrap();
    let (code, stderr) = run_vm(&dir, &["run", "-d", "in_asm,bogus", guest]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.starts_with("vm: error: ") && stderr.lines().count() == 1, "{stderr}");
    for word in ["`bogus`", "in_asm", "ir", "out_asm", "exec"] {
        assert!(stderr.contains(word), "lacks {word}: {stderr}");
    }
    let missing = dir.join("no-such-dir/dump.txt");
    let (code, stderr) = run_vm(&dir, &["run", "-d", "exec", "-D", missing.to_str().unwrap(), guest]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.starts_with("vm: error: ") && stderr.contains(missing.to_str().unwrap()), "{stderr}");
    assert!(!std::fs::read_to_string(dir.join("stdout")).unwrap().contains("hello"), "the guest ran anyway");
}
