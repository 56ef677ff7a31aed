//! Bad input to the real `vm` binary: missing, non-ELF, foreign, truncated and hostile ELF files,
//! guests that fault or spin with no trap handler, and bad flags. Every case must end promptly
//! with a non-zero status and exactly one clear `vm: error: …` line on stderr that names what is
//! wrong and where (file, pc), and never with a panic or a hang.
//!
//! The guests are prebuilt (guests/bad/build.sh), so no cross compiler is needed here. Hostile
//! ELFs are made at test time by patching bytes of a valid one (guests/isa/bin/smoke.elf).

use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;
use common::repo;

/// The longest any case may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(30);

/// ELF64 header and program header field offsets.
const E_ENTRY: usize = 0x18;
const E_PHOFF: usize = 0x20;
const E_MACHINE: usize = 0x12;
const E_PHENTSIZE: usize = 0x36;
const E_PHNUM: usize = 0x38;
const P_TYPE: usize = 0;
const P_OFFSET: usize = 0x08;
const P_VADDR: usize = 0x10;
const P_PADDR: usize = 0x18;
const P_FILESZ: usize = 0x20;
const P_MEMSZ: usize = 0x28;
const PT_LOAD: u32 = 1;

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad_input").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// How a run of `vm` ended.
struct Run {
    /// Exit status (`None` if killed by a signal).
    code: Option<i32>,
    stderr: String,
}

/// Run `vm args…` with stdout and stderr going to files (no pipe can fill and block it), killing
/// it and failing the test if it runs longer than [`TIMEOUT`].
fn run_vm(args: &[&str]) -> Run {
    let dir = scratch(&format!("run-{}", std::thread::current().name().unwrap_or("x").replace("::", "-")));
    let (code, stderr) = common::run_vm_in(&dir, args, TIMEOUT);
    Run { code, stderr }
}

/// Check that `vm args…` failed with status 1 and one `vm: error:` line containing every one of
/// `words`; returns a description of what is wrong, if anything.
fn check_error(case: &str, args: &[&str], words: &[&str]) -> Option<String> {
    let run = run_vm(args);
    let mut problems = Vec::new();
    if run.code != Some(1) {
        problems.push(format!("exit status {:?}, expected 1", run.code));
    }
    if run.stderr.contains("panicked") || run.stderr.contains("RUST_BACKTRACE") {
        problems.push("panicked".to_string());
    }
    // One `vm: error:` line, last; a guest that stopped the VM gets a crash report (`vm: `
    // lines: pc, instruction, registers) before it.
    let lines: Vec<&str> = run.stderr.lines().collect();
    let errors = lines.iter().filter(|l| l.starts_with("vm: error: ")).count();
    let last_is_error = lines.last().is_some_and(|l| l.starts_with("vm: error: "));
    if errors != 1 || !last_is_error || !lines.iter().all(|l| l.starts_with("vm: ")) {
        problems.push(format!("expected one `vm: error:` line, last, after `vm: ` report lines: {lines:?}"));
    }
    for w in words {
        if !run.stderr.to_lowercase().contains(&w.to_lowercase()) {
            problems.push(format!("message lacks {w:?}"));
        }
    }
    (!problems.is_empty()).then(|| format!("{case}: {}\n    stderr: {:?}", problems.join("; "), run.stderr))
}

/// Run every case, then fail once listing all that went wrong.
fn check_all(cases: &[(String, Vec<String>, Vec<String>)]) {
    let mut failures = Vec::new();
    for (case, args, words) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        failures.extend(check_error(case, &args, &words));
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A case that boots `kernel` with `extra` flags and expects `words` in the error.
fn boot_case(
    case: &str,
    kernel: &Path,
    extra: &[&str],
    words: &[&str],
) -> (String, Vec<String>, Vec<String>) {
    let mut args = vec!["boot".to_string(), "--kernel".to_string(), kernel.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    (case.to_string(), args, words.iter().map(|s| s.to_string()).collect())
}

/// The valid RISC-V ELF every hostile variant starts from: code segment (1) at 0x8000_0000 and
/// data segment (2) at 0x8000_1000, after a non-loadable RISCV_ATTRIBUTES header (0).
fn smoke() -> Vec<u8> {
    std::fs::read(repo().join("guests/isa/bin/smoke.elf")).expect("guests/isa/bin/smoke.elf")
}

fn get_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}

fn get_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// File offset of program header `i`.
fn phdr(b: &[u8], i: usize) -> usize {
    get_u64(b, E_PHOFF) as usize + i * get_u16(b, E_PHENTSIZE) as usize
}

/// Set 64-bit field `field` of program header `i`.
fn set_ph(b: &mut [u8], i: usize, field: usize, v: u64) {
    let at = phdr(b, i) + field;
    put_u64(b, at, v);
}

/// Set the type of program header `i`.
fn set_type(b: &mut [u8], i: usize, p_type: u32) {
    let at = phdr(b, i) + P_TYPE;
    put_u32(b, at, p_type);
}

/// Set a segment's load address (both physical, which the loader uses, and virtual).
fn set_addr(b: &mut [u8], i: usize, addr: u64) {
    set_ph(b, i, P_PADDR, addr);
    set_ph(b, i, P_VADDR, addr);
}

#[test]
fn smoke_elf_has_the_expected_layout() {
    // The hostile variants below patch these headers: make sure they are what the cases assume.
    let b = smoke();
    assert_eq!(get_u16(&b, E_PHNUM), 3);
    assert_eq!(get_u64(&b, E_ENTRY), 0x8000_0000);
    for (i, addr) in [(1, 0x8000_0000), (2, 0x8000_1000)] {
        let ph = phdr(&b, i);
        assert_eq!(u32::from_le_bytes(b[ph..ph + 4].try_into().unwrap()), PT_LOAD);
        assert_eq!(get_u64(&b, ph + P_PADDR), addr);
    }
    assert_eq!(get_u64(&b, phdr(&b, 1) + P_MEMSZ), 0xc0);
}

#[test]
fn missing_and_non_elf_files() {
    let dir = scratch("non_elf");
    let empty = dir.join("empty.elf");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, "this is not an ELF file\n").unwrap();
    let d = dir.display().to_string();
    let (e, t) = (empty.display().to_string(), text.display().to_string());
    check_all(&[
        boot_case("missing file", Path::new("/nonexistent.elf"), &[], &["/nonexistent.elf", "no such file"]),
        boot_case("directory", &dir, &[], &[&d, "directory", "not an ELF"]),
        boot_case("character device", Path::new("/dev/zero"), &[], &["/dev/zero", "not an ELF"]),
        boot_case("empty file", &empty, &[], &[&e, "not an ELF"]),
        boot_case("text file", &text, &[], &[&t, "not an ELF"]),
        boot_case("host binary", Path::new("/proc/self/exe"), &[], &["/proc/self/exe", "not RISC-V"]),
    ]);
}

#[test]
fn truncated_elfs() {
    let dir = scratch("truncated");
    let elf = smoke();
    let phdrs_end = phdr(&elf, get_u16(&elf, E_PHNUM) as usize);
    let seg1 = get_u64(&elf, phdr(&elf, 1) + P_OFFSET) as usize;
    let seg2 = get_u64(&elf, phdr(&elf, 2) + P_OFFSET) as usize;
    let cuts: &[(usize, &[&str])] = &[
        (10, &["truncated", "header"]),
        (63, &["truncated", "header"]),
        (64, &["truncated", "program headers"]),
        (100, &["truncated", "program headers"]),
        (phdrs_end - 1, &["truncated", "program headers"]),
        (seg1 + 0x10, &["segment 1", "past the end of the file"]),
        (seg2 + 0x10, &["segment 2", "past the end of the file"]),
    ];
    let mut cases = Vec::new();
    for &(len, words) in cuts {
        let path = dir.join(format!("smoke-{len}.elf"));
        std::fs::write(&path, &elf[..len]).unwrap();
        let p = path.display().to_string();
        let mut words = words.to_vec();
        words.push(&p);
        cases.push(boot_case(&format!("cut at {len} bytes"), &path, &[], &words));
    }
    check_all(&cases);
}

/// One hostile variant: a name, the patch, and the words its error must contain.
type Variant = (&'static str, fn(&mut Vec<u8>), &'static [&'static str]);

const VARIANTS: &[Variant] = &[
    ("32-bit class", |b| b[4] = 1, &["64-bit"]),
    ("big-endian", |b| b[5] = 2, &["big-endian"]),
    ("x86-64 machine", |b| put_u16(b, E_MACHINE, 62), &["not RISC-V", "x86-64"]),
    ("segment outside RAM", |b| set_addr(b, 1, 0x1000), &["segment 1", "0x1000", "outside RAM"]),
    (
        "segment straddles the end of RAM",
        |b| set_addr(b, 2, 0x8000_0000 + (128 << 20) - 0x100),
        &["segment 2", "outside RAM"],
    ),
    ("huge p_memsz", |b| set_ph(b, 1, P_MEMSZ, 1 << 62), &["segment 1", "outside RAM"]),
    ("p_memsz u64::MAX", |b| set_ph(b, 1, P_MEMSZ, u64::MAX), &["segment 1", "overflows"]),
    (
        "p_filesz > p_memsz",
        |b| set_ph(b, 1, P_FILESZ, 0x100),
        &["segment 1", "file size 0x100", "memory size 0xc0"],
    ),
    (
        "p_filesz > p_memsz = 0",
        |b| set_ph(b, 1, P_MEMSZ, 0),
        &["segment 1", "file size 0xc0", "memory size 0x0"],
    ),
    (
        "p_offset past end of file",
        |b| set_ph(b, 2, P_OFFSET, 0x10_0000),
        &["segment 2", "past the end of the file"],
    ),
    (
        "p_offset + p_filesz overflows",
        |b| set_ph(b, 2, P_OFFSET, u64::MAX - 8),
        &["segment 2", "past the end of the file"],
    ),
    ("overlapping segments", |b| set_addr(b, 2, 0x8000_0080), &["segment 2", "overlaps", "0x80000000"]),
    (
        "zero-length segments only",
        |b| {
            for i in [1, 2] {
                set_ph(b, i, P_FILESZ, 0);
                set_ph(b, i, P_MEMSZ, 0);
            }
        },
        &["no loadable segments"],
    ),
    ("no PT_LOAD at all", |b| (1..3).for_each(|i| set_type(b, i, 0)), &["no loadable"]),
    (
        "entry outside every segment",
        |b| put_u64(b, E_ENTRY, 0x9000_0000),
        &["entry point 0x90000000", "outside"],
    ),
    ("entry in RAM but in no segment", |b| put_u64(b, E_ENTRY, 0x8000_0100), &["entry point 0x80000100"]),
    ("odd entry", |b| put_u64(b, E_ENTRY, 0x8000_0001), &["entry point 0x80000001", "aligned"]),
    // PN_XNUM: the real count is in section header 0's sh_info, which is 0 here.
    ("e_phnum 0xffff", |b| put_u16(b, E_PHNUM, 0xffff), &["no loadable segments"]),
    ("e_phnum 0xfffe", |b| put_u16(b, E_PHNUM, 0xfffe), &["truncated", "program headers"]),
    ("e_phoff past end of file", |b| put_u64(b, E_PHOFF, 1 << 40), &["program headers"]),
    ("e_phoff u64::MAX", |b| put_u64(b, E_PHOFF, u64::MAX), &["program headers"]),
    ("e_phentsize 0x20", |b| put_u16(b, E_PHENTSIZE, 0x20), &["program header"]),
    ("e_phentsize 0", |b| put_u16(b, E_PHENTSIZE, 0), &["program header"]),
];

#[test]
fn hostile_elf_headers() {
    let dir = scratch("hostile");
    let mut cases = Vec::new();
    for (i, (name, patch, words)) in VARIANTS.iter().enumerate() {
        let mut b = smoke();
        patch(&mut b);
        let path = dir.join(format!("variant-{i}.elf"));
        std::fs::write(&path, &b).unwrap();
        let p = path.display().to_string();
        let mut words = words.to_vec();
        words.push(&p);
        cases.push(boot_case(name, &path, &[], &words));
    }
    // RAM size matters: a segment that fits 128 MiB may not fit 1 MiB.
    let mut b = smoke();
    set_addr(&mut b, 2, 0x8020_0000);
    let path = dir.join("beyond-1mib.elf");
    std::fs::write(&path, &b).unwrap();
    cases.push(boot_case(
        "segment beyond --memory 1",
        &path,
        &["--memory", "1"],
        &["segment 2", "outside RAM", "0x80100000"],
    ));
    check_all(&cases);
}

#[test]
fn faulting_guests() {
    let bin = repo().join("guests/bad/bin");
    check_all(&[
        boot_case(
            "illegal instruction",
            &bin.join("illegal.elf"),
            &[],
            &[
                "illegal instruction",
                "<bad_insn+0x0>",
                "pc 0x80002000",
                "mtval 0xffffffff",
                "no trap handler",
            ],
        ),
        boot_case(
            "spin",
            &bin.join("spin.elf"),
            &["--max-insns", "100000"],
            &["instruction limit of 100000 reached at pc 0x80000000"],
        ),
        boot_case(
            "spin with a limit below one block",
            &bin.join("spin.elf"),
            &["--max-insns", "3"],
            &["instruction limit of 3 reached at pc 0x80000000"],
        ),
        boot_case(
            "load fault",
            &bin.join("load_fault.elf"),
            &[],
            &["load access fault", "pc 0x80000002", "mtval 0x10", "no trap handler"],
        ),
        boot_case(
            "ecall",
            &bin.join("ecall.elf"),
            &[],
            &["environment call from M-mode", "<_start+0x4>", "pc 0x80000004", "no trap handler"],
        ),
        boot_case(
            "trap handler traps to itself",
            &bin.join("trap_loop.elf"),
            &["--max-insns", "100000"],
            &["illegal instruction", "<bad_handler+0x0>", "pc 0x80002000", "trap to itself forever"],
        ),
        boot_case(
            "trap handler traps to itself, no limit",
            &bin.join("trap_loop.elf"),
            &[],
            &["illegal instruction", "pc 0x80002000", "trap to itself forever"],
        ),
    ]);
}

/// The trace prints a line per instruction before the error line: check only the last line there.
#[test]
fn trace_ends_with_the_error() {
    let elf = repo().join("guests/bad/bin/illegal.elf");
    let run = run_vm(&["boot", "--kernel", elf.to_str().unwrap(), "--trace"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let last = run.stderr.lines().last().unwrap_or("");
    assert!(last.starts_with("vm: error: guest illegal instruction"), "{}", run.stderr);
}

/// Code running off the end of RAM: the fetch of a 4-byte instruction whose upper half lies
/// past the last byte of RAM, and a plain fall-through past the end.
#[test]
fn fetch_past_the_end_of_ram() {
    let dir = scratch("ram_end");
    let ram_end: u64 = 0x8000_0000 + (1 << 20);
    let mut cases = Vec::new();
    // Segment 1 (0xc0 bytes) ends exactly at the end of a 1 MiB RAM; segment 2 is dropped.
    let mut b = smoke();
    set_addr(&mut b, 1, ram_end - 0xc0);
    set_type(&mut b, 2, 0);
    let code = get_u64(&b, phdr(&b, 1) + P_OFFSET) as usize;
    // The last 2 bytes: the low half of a 32-bit `addi` (its upper half would be past RAM).
    let mut straddle = b.clone();
    put_u16(&mut straddle, code + 0xbe, 0x0013);
    put_u64(&mut straddle, E_ENTRY, ram_end - 2);
    let path = dir.join("straddle.elf");
    std::fs::write(&path, &straddle).unwrap();
    cases.push(boot_case(
        "instruction straddles the end of RAM",
        &path,
        &["--memory", "1", "--max-insns", "1000"],
        &["instruction access fault", &format!("pc {:#x}", ram_end - 2)],
    ));
    // The last 4 bytes: a `nop`, then nothing.
    let mut fall = b;
    put_u32(&mut fall, code + 0xbc, 0x0000_0013);
    put_u64(&mut fall, E_ENTRY, ram_end - 4);
    let path = dir.join("fall_off.elf");
    std::fs::write(&path, &fall).unwrap();
    cases.push(boot_case(
        "falls off the end of RAM",
        &path,
        &["--memory", "1", "--max-insns", "1000"],
        &["instruction access fault", &format!("pc {ram_end:#x}")],
    ));
    check_all(&cases);
}

#[test]
fn bad_flags() {
    let elf = repo().join("guests/isa/bin/smoke.elf");
    check_all(&[
        boot_case("--mode fast", &elf, &["--mode", "fast"], &["fast", "interp", "jit"]),
        boot_case(
            "--mode accel",
            &elf,
            &["--mode", "accel"],
            &["accelerated mode runs x86-64 guests only", "interp, jit or hybrid"],
        ),
        boot_case("--mode empty", &elf, &["--mode", ""], &["execution mode", "interp"]),
        boot_case("--memory 0", &elf, &["--memory", "0"], &["--memory 0", "out of range"]),
        boot_case("--memory 65537", &elf, &["--memory", "65537"], &["--memory 65537", "out of range"]),
    ]);
}

/// Clap rejects malformed command lines itself: status 2 and its usage message, no panic.
#[test]
fn clap_errors_exit_2() {
    let elf = repo().join("guests/isa/bin/smoke.elf");
    let elf = elf.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["boot", "--kernel", elf, "--bogus"], "--bogus"),
        (&["boot"], "--kernel"),
        (&["boot", "--kernel"], "--kernel"),
        (&["boot", "--kernel", elf, "--max-insns", "-1"], "'-1'"),
        (&["boot", "--kernel", elf, "--max-insns", "lots"], "lots"),
        (&["boot", "--kernel", elf, "--memory", "99999999999999999999999"], "--memory"),
        (&["frobnicate"], "frobnicate"),
    ];
    let mut failures = Vec::new();
    for (args, word) in cases {
        let run = run_vm(args);
        let ok = run.code == Some(2)
            && run.stderr.starts_with("error:")
            && run.stderr.contains(word)
            && !run.stderr.contains("panicked");
        if !ok {
            failures.push(format!("{args:?}: status {:?}, stderr {:?}", run.code, run.stderr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
