//! The Linux user-mode guest suites under `vm run`, with `qemu-riscv64` as the oracle:
//! - `guests/linux/tests.txt` (in-house C programs): stdout, stderr and exit status must match
//!   QEMU's byte for byte;
//! - `guests/linux/real/tests.txt` (Debian programs built for riscv64): stdout and exit status.
//!
//! Exit status is compared as a shell reports it (the code, or 128 + N for death by signal N).
//! Without qemu-riscv64 the comparison is skipped with a message, except under `CI`.

use std::path::Path;
use std::process::Command;

mod common;
use common::{observe, repo};

const SYSROOT: &str = "/usr/riscv64-linux-gnu";

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("{tool} is required in CI (Debian package qemu-user); .ci/run installs it");
        }
        eprintln!("SKIP: {tool} not installed; the QEMU comparison is skipped outside CI");
    }
    ok
}

fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.len() > 600 {
        format!("{}…({} bytes)", &s[..600], s.len())
    } else {
        s.into_owned()
    }
}

/// `stderr` without the lines `vm` itself adds (crash reports), which start with `vm: `.
fn without_vm_lines(stderr: &[u8]) -> Vec<u8> {
    stderr.split_inclusive(|&b| b == b'\n').filter(|l| !l.starts_with(b"vm: ")).flatten().copied().collect()
}

#[test]
fn in_house_suite_matches_qemu_interp() {
    in_house_suite(&["--mode", "interp"]);
}

/// jit mode as users run it: baselines first, hot code in optimized regions.
#[test]
fn in_house_suite_matches_qemu_jit() {
    in_house_suite(&["--mode", "jit"]);
}

/// jit mode compiling every block's region (with the blocks ahead of it) at its first run,
/// so that all the guests' code, not only their hot loops, runs as optimized regions.
#[test]
fn in_house_suite_matches_qemu_jit_regions_at_first_run() {
    in_house_suite(&["--mode", "jit", "--jit-threshold", "0"]);
}

#[test]
fn in_house_suite_matches_qemu_hybrid() {
    in_house_suite(&["--mode", "hybrid"]);
}

/// Every case of guests/linux/tests.txt under `vm run VM_ARGS` (the engine) and under
/// qemu-riscv64.
fn in_house_suite(vm_args: &[&str]) {
    let mode = vm_args.join(" ");
    if !have("qemu-riscv64") {
        return;
    }
    let dir = repo().join("guests/linux");
    let vm = env!("CARGO_BIN_EXE_vm").to_string();
    let manifest = std::fs::read_to_string(dir.join("tests.txt")).expect("tests.txt");
    let dynamic_ok = Path::new(SYSROOT).join("lib").exists();
    let (mut failures, mut ran) = (Vec::new(), 0);
    for line in manifest.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        let (id, prog, args, stdin, link) = (f[0], f[1], f[2], f[3], f[4]);
        let env: Vec<(String, String)> = f
            .get(5)
            .map(|e| {
                e.split_whitespace()
                    .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let dynamic = link == "dyn";
        if dynamic && !dynamic_ok {
            assert!(std::env::var_os("CI").is_none(), "{SYSROOT} missing in CI (libc6-dev-riscv64-cross)");
            eprintln!("SKIP {id}: {SYSROOT} not installed");
            continue;
        }
        let bin = if dynamic { format!("bin/{prog}.dyn.rv64") } else { format!("bin/{prog}.rv64") };
        let sysroot: Vec<String> = if dynamic { vec!["-L".into(), SYSROOT.into()] } else { vec![] };
        let rest: Vec<String> =
            std::iter::once(bin).chain(args.split_whitespace().map(String::from)).collect();
        let stdin = (!stdin.is_empty()).then(|| Path::new(stdin));

        let engine: Vec<String> = vm_args.iter().map(|a| a.to_string()).collect();
        let ours_argv: Vec<String> =
            [vec![vm.clone(), "run".into()], engine, sysroot.clone(), rest.clone()].concat();
        let mut ours = observe(&dir, &ours_argv, &env, stdin);
        // `vm run` prints a crash report (lines starting `vm: `) when the guest dies of a
        // core-dumping signal (abort, crash); QEMU prints nothing there. Compare without it.
        ours.stderr = without_vm_lines(&ours.stderr);

        let mut qenv = env.clone();
        qenv.push(("VMTEST_EXEC_WRAPPER".into(), format!("/usr/bin/qemu-riscv64 -L {SYSROOT}")));
        let qemu_argv: Vec<String> = [vec!["qemu-riscv64".to_string()], sysroot, rest].concat();
        let theirs = observe(&dir, &qemu_argv, &qenv, stdin);
        ran += 1;
        if ours != theirs {
            eprintln!("DIFF {id} ({mode}): vm status {} vs qemu {}", ours.status, theirs.status);
            failures.push(format!(
                "{id}: vm status {} vs qemu {}\n  vm stdout: {}\n  qemu stdout: {}\n  vm stderr: {}\n  qemu stderr: {}",
                ours.status,
                theirs.status,
                show(&ours.stdout),
                show(&theirs.stdout),
                show(&ours.stderr),
                show(&theirs.stderr)
            ));
        }
    }
    eprintln!("linux guests ({mode}): {} of {ran} cases match qemu-riscv64", ran - failures.len());
    assert!(failures.is_empty(), "{} cases differ:\n{}", failures.len(), failures.join("\n"));
}

/// Every case of guests/linux/real/tests.txt under qemu-riscv64, then under `vm run` with the
/// default engine (hybrid) and with jit mode (baselines, then optimized regions): real
/// programs (Lua, bc, zstd, SQLite) are the widest test of the compiled engines.
#[test]
fn debian_programs_match_qemu() {
    if !have("qemu-riscv64") {
        return;
    }
    let dir = repo().join("guests/linux/real");
    let vm = env!("CARGO_BIN_EXE_vm").to_string();
    let manifest = std::fs::read_to_string(dir.join("tests.txt")).expect("real/tests.txt");
    let engines: [&[&str]; 2] = [&[], &["--mode", "jit"]];
    let (mut failures, mut ran) = (Vec::new(), 0);
    for line in manifest.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        let rest: Vec<String> =
            std::iter::once(f[0].to_string()).chain(f[1].split_whitespace().map(String::from)).collect();
        let stdin = f.get(2).filter(|s| !s.is_empty()).map(Path::new);
        let env = vec![("PATH".to_string(), "/usr/bin:/bin".to_string())];
        let theirs = observe(&dir, &[vec!["qemu-riscv64".to_string()], rest.clone()].concat(), &env, stdin);
        for engine in engines {
            let engine: Vec<String> = engine.iter().map(|a| a.to_string()).collect();
            let mode = if engine.is_empty() { "default engine".to_string() } else { engine.join(" ") };
            let ours =
                observe(&dir, &[vec![vm.clone(), "run".into()], engine, rest.clone()].concat(), &env, stdin);
            ran += 1;
            if ours.status != theirs.status || ours.stdout != theirs.stdout {
                failures.push(format!(
                    "{line} ({mode}): vm status {} vs qemu {}\n  vm stdout: {}\n  qemu stdout: {}\n  vm stderr: {}",
                    ours.status,
                    theirs.status,
                    show(&ours.stdout),
                    show(&theirs.stdout),
                    show(&ours.stderr)
                ));
            }
        }
    }
    eprintln!(
        "debian programs (default engine, --mode jit): {} of {ran} runs match qemu-riscv64",
        ran - failures.len()
    );
    assert!(failures.is_empty(), "{} runs differ:\n{}", failures.len(), failures.join("\n"));
}
