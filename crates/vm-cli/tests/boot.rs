//! The `vm` binary as a user runs it: the demo, `vm boot` exit status and console, `--trace`,
//! `--stats` and `--max-insns`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vm")).args(args).current_dir(repo()).output().expect("run vm")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn no_arguments_runs_the_embedded_linux_demo() {
    let out = vm(&[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Hello from a RISC-V 64 Linux program running on vm (machine: riscv64)"),
        "{stdout}"
    );
    assert!(stdout.contains("child exit status                  7"), "{stdout}");
    assert!(stdout.contains("demo: all checks passed"), "{stdout}");
    assert!(stderr.contains("embedded demo"), "says what it is doing: {stderr}");
    assert!(stderr.contains("guest instructions"), "prints stats: {stderr}");
}

#[test]
fn bare_metal_demo_boots() {
    let out = vm(&["boot", "--kernel", "guests/demo/demo.elf"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Hello from a RISC-V RV64GC guest"), "{stdout}");
    assert!(stdout.contains("primes below 1000 = 168"), "{stdout}");
    assert!(stdout.contains("points inside the set = 203"), "{stdout}");
}

#[test]
fn guest_exit_status_and_console_pass_through() {
    let out = vm(&["boot", "--kernel", "guests/misc/exit42.elf"]);
    assert_eq!(out.status.code(), Some(42));
    assert_eq!(text(&out.stdout), "exiting with 42\n");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn trace_prints_one_line_per_instruction() {
    let out = vm(&["boot", "--kernel", "guests/misc/exit42.elf", "--trace"]);
    assert_eq!(out.status.code(), Some(42));
    let trace = text(&out.stderr);
    let lines: Vec<&str> = trace.lines().collect();
    // _start: auipc s0,0x… ; add s0,s0,… (la) — pc, raw bits, disassembly, register written.
    assert!(lines[0].starts_with("core   0: 0x0000000080000000 (0x"), "{}", lines[0]);
    assert!(lines[0].contains("auipc s0,") && lines[0].contains("s0=0x0000000080"), "{}", lines[0]);
    assert!(lines[1].starts_with("core   0: 0x0000000080000004"), "{}", lines[1]);
    // A compressed instruction shows its 16-bit parcel.
    assert!(
        lines.iter().any(|l| l.contains("(0x") && l.contains("    ) ")),
        "no compressed instruction traced"
    );
    // Every line is a trace line and there is one per retired instruction of the guest loop.
    assert!(lines.iter().all(|l| l.starts_with("core   0: 0x")), "{trace}");
    assert!(lines.len() > 16 * 8, "expected a line per instruction, got {}", lines.len());
}

#[test]
fn max_insns_stops_with_the_pc() {
    let out = vm(&["boot", "--kernel", "guests/misc/exit42.elf", "--max-insns", "10"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    // The crash report (pc, instruction, registers), then the one error line.
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with("vm: error: instruction limit of 10 reached at pc 0x8000"), "{err}");
    assert!(err.starts_with("vm: the VM stopped on the error below at pc 0x8000"), "{err}");
    assert!(err.lines().all(|l| l.starts_with("vm: ")), "{err}");
}

#[test]
fn stats_report_instructions() {
    // The default engine is hybrid.
    let out = vm(&["boot", "--kernel", "guests/isa/bin/rv64m.elf", "--stats"]);
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("engine             hybrid (interpreter + Cranelift)"));
    let out = vm(&["boot", "--kernel", "guests/isa/bin/rv64m.elf", "--stats", "--mode", "jit"]);
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("engine             jit (Cranelift)"), "{err}");
    assert!(err.contains("translations"), "{err}");
    let insns: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("guest instructions"))
        .map(|v| v.trim().parse().unwrap())
        .expect("instruction count");
    assert!(insns > 500, "{err}");
}

#[test]
fn code_cache_too_small_for_one_translation_is_a_config_error() {
    let out = vm(&["run", "--mode", "jit", "--jit-cache-kib", "16", "guests/linux/bin/hello.rv64"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("vm: error: configuration error: jit_cache_size of 16384 bytes cannot hold"),
        "{err}"
    );
    // The smallest accepted cache still runs the program (flushing when full).
    let out = vm(&["run", "--mode", "jit", "--jit-cache-kib", "256", "guests/linux/bin/hello.rv64"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
