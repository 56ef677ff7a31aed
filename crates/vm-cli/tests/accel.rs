//! Accelerated mode (`vm run --arch x86_64 --mode accel`: x86-64 programs at ring 3 in a KVM
//! guest) against the same programs run natively, which is the oracle:
//! - the in-house Linux suite (`guests/linux/tests.txt`) built for x86-64 with the host gcc
//!   (static, and dynamic for the `dyn` cases): stdout, stderr and exit status byte for byte;
//! - Debian's busybox-static doing file and text work through `sh -c` pipelines;
//! - x86-only programs (`guests/x86/src`) and a static-pie build;
//! - isolation (`guests/x86/src/isolation.c`): accesses outside the program's mappings die of
//!   SIGSEGV exactly as natively, including after munmap and mprotect;
//! - bad input: a missing KVM device, a wrong mode, a RISC-V program, `int 0x80`.
//!
//! Needs `/dev/kvm`, gcc and busybox: missing ones fail the test under `CI` and skip it with a
//! message elsewhere. Every run gets its own process group, so nothing a guest signals can
//! reach the test harness.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{observe, repo};
use std::sync::OnceLock;

fn vm() -> &'static str {
    env!("CARGO_BIN_EXE_vm")
}

/// Whether `what` is available; under CI its absence is a failure.
fn require(what: &str, ok: bool) -> bool {
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("{what} is required in CI (.ci/run installs the Debian packages; KVM must be present)");
        }
        eprintln!("SKIP: {what} is not available; accelerated-mode tests are skipped outside CI");
    }
    ok
}

fn kvm_usable() -> bool {
    require("/dev/kvm", std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm").is_ok())
}

fn accel(program: &Path, args: &[&str]) -> Vec<String> {
    let mut v = vec![
        vm().to_string(),
        "run".into(),
        "--arch".into(),
        "x86_64".into(),
        "--mode".into(),
        "accel".into(),
    ];
    v.push(program.display().to_string());
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

/// The suite's sources that are RISC-V specific, so have no x86-64 build: selfmod writes
/// RISC-V machine code at run time, guard's loops are RISC-V assembly (whose registers its
/// SIGSEGV handler reads).
const RISCV_ONLY: &[&str] = &["selfmod", "guard"];

/// Build the in-house C programs (and the x86-only ones) for x86-64 into `dir/bin/NAME.rv64`
/// (static: the name the suite's programs exec each other by) and `NAME.dyn.rv64`, once per
/// test binary.
fn x86_programs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("accel");
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).expect("temp dir");
        let mut sources: Vec<PathBuf> = Vec::new();
        for d in ["guests/linux/src", "guests/x86/src"] {
            for e in std::fs::read_dir(repo().join(d)).expect("sources") {
                let p = e.expect("entry").path();
                let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
                if p.extension().is_some_and(|x| x == "c") && !RISCV_ONLY.contains(&name.as_str()) {
                    sources.push(p);
                }
            }
        }
        for src in sources {
            let name = src.file_stem().and_then(|s| s.to_str()).expect("name").to_string();
            for (suffix, link) in [("rv64", "-static"), ("dyn.rv64", "-no-pie")] {
                let out = bin.join(format!("{name}.{suffix}"));
                let st = Command::new("gcc")
                    .args(["-O2", link, "-w", "-o"])
                    .arg(&out)
                    .arg(&src)
                    .arg("-lm")
                    .status()
                    .expect("gcc runs");
                assert!(st.success(), "gcc {link} {} failed", src.display());
            }
        }
        dir
    })
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).chars().take(2000).collect()
}

#[test]
fn in_house_suite_matches_native() {
    if !kvm_usable() || !require("gcc", Command::new("gcc").arg("--version").output().is_ok()) {
        return;
    }
    let dir = x86_programs();
    let suite = repo().join("guests/linux");
    let spec = std::fs::read_to_string(suite.join("tests.txt")).expect("tests.txt");
    let (mut ran, mut failures) = (0, Vec::new());
    for line in spec.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
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
        if RISCV_ONLY.contains(&prog) {
            continue;
        }
        // Dynamic cases use the host's ld.so and libc (no sysroot needed on x86-64).
        let suffix = if link == "dyn" { "dyn.rv64" } else { "rv64" };
        let program = dir.join("bin").join(format!("{prog}.{suffix}"));
        let args: Vec<&str> = args.split_whitespace().collect();
        let stdin = (!stdin.is_empty()).then(|| Path::new(stdin));
        let mut native = vec![program.display().to_string()];
        native.extend(args.iter().map(|s| s.to_string()));
        let want = observe(&suite, &native, &env, stdin);
        let got = observe(&suite, &accel(&program, &args), &env, stdin);
        ran += 1;
        if got != want {
            failures.push(format!(
                "{id}: status {} vs native {}\n--- stdout\n{}\n--- native stdout\n{}\n--- stderr\n{}\n--- native stderr\n{}",
                got.status,
                want.status,
                show(&got.stdout),
                show(&want.stdout),
                show(&got.stderr),
                show(&want.stderr)
            ));
        }
    }
    eprintln!("accel: {} of {ran} in-house cases match native x86-64", ran - failures.len());
    assert!(ran >= 40, "only {ran} cases ran");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn busybox_pipelines_match_native() {
    let busybox = Path::new("/bin/busybox");
    if !kvm_usable() || !require("busybox (Debian busybox-static)", busybox.exists()) {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("accel-busybox");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("temp dir");
    std::fs::write(dir.join("fruit.txt"), "pear\napple\nfig\nbanana\napple\n").expect("fixture");
    std::fs::write(dir.join("sub/notes.txt"), "one two three\nfour five\n").expect("fixture");
    let scripts = [
        "ls; ls -1 sub; cat fruit.txt | sort | uniq -c | sort -rn",
        "sort fruit.txt | wc -l; wc -w sub/notes.txt; sed -e s/p/P/g -e /fig/d fruit.txt | sort -r",
        "for f in *.txt sub/*.txt; do echo \"$f: $(wc -c < $f) bytes\"; done; echo $((6 * 7))",
        "grep -n a fruit.txt | head -n 2; cp fruit.txt copy.txt && sort -u copy.txt > sorted.txt; cat sorted.txt; rm copy.txt sorted.txt",
        "echo nested | (cat; echo more) | tr a-z A-Z; false || echo status $?; exit 3",
    ];
    let env = vec![("PATH".to_string(), "/usr/bin:/bin".to_string())];
    for script in scripts {
        let native = vec![busybox.display().to_string(), "sh".into(), "-c".into(), script.into()];
        let want = observe(&dir, &native, &env, None);
        let got = observe(&dir, &accel(busybox, &["sh", "-c", script]), &env, None);
        assert_eq!(
            got,
            want,
            "busybox sh -c {script:?}:\nvm stdout:\n{}\nnative stdout:\n{}\nvm stderr:\n{}",
            show(&got.stdout),
            show(&want.stdout),
            show(&got.stderr)
        );
        assert!(!want.stdout.is_empty(), "{script}: no output");
    }
}

#[test]
fn isolation_faults_match_native() {
    if !kvm_usable() || !require("gcc", Command::new("gcc").arg("--version").output().is_ok()) {
        return;
    }
    let program = x86_programs().join("bin/isolation.rv64");
    for case in ["unmapped", "kernel", "munmap", "readonly", "none", "nx"] {
        let want = observe(Path::new("/"), &[program.display().to_string(), case.into()], &[], None);
        let got = observe(Path::new("/"), &accel(&program, &[case]), &[], None);
        assert_eq!(want.status, 139, "{case}: native should die of SIGSEGV: {want:?}");
        assert_eq!(got, want, "{case}: {}", show(&got.stderr));
    }
}

#[test]
fn x86_only_programs_match_native() {
    if !kvm_usable() || !require("gcc", Command::new("gcc").arg("--version").output().is_ok()) {
        return;
    }
    let program = x86_programs().join("bin/select.rv64");
    let want = observe(Path::new("/"), &[program.display().to_string()], &[], None);
    let got = observe(Path::new("/"), &accel(&program, &[]), &[], None);
    assert_eq!(got, want, "select: {}", show(&got.stderr));
    assert!(!want.stdout.is_empty());
    // A static-pie program (loaded at a base the loader picks).
    let spie = x86_programs().join("bin/args.spie");
    let st = Command::new("gcc")
        .args(["-O2", "-static-pie", "-w", "-o"])
        .arg(&spie)
        .arg(repo().join("guests/linux/src/args.c"))
        .status()
        .expect("gcc runs");
    assert!(st.success(), "gcc -static-pie failed");
    let want =
        observe(Path::new("/"), &[spie.display().to_string(), "one".into(), "two words".into()], &[], None);
    let got = observe(Path::new("/"), &accel(&spie, &["one", "two words"]), &[], None);
    assert_eq!(got, want, "static-pie: {}", show(&got.stderr));
}

#[test]
fn unsupported_instruction_is_a_clear_error_with_the_address() {
    if !kvm_usable() || !require("gcc", Command::new("gcc").arg("--version").output().is_ok()) {
        return;
    }
    let program = x86_programs().join("bin/isolation.rv64");
    let got = observe(Path::new("/"), &accel(&program, &["int80"]), &[], None);
    let err = String::from_utf8_lossy(&got.stderr);
    assert_eq!(got.status, 1, "{err}");
    assert!(err.contains("int 0x80") && err.contains("at rip 0x"), "{err}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let hello = repo().join("guests/linux/bin/hello.rv64");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = Command::new(vm()).args(args).envs(env.iter().copied()).output().expect("vm runs");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // A missing device is named (VM_KVM_DEVICE points the KVM backend elsewhere).
    let host = std::env::current_exe().expect("test binary");
    let h = host.to_str().expect("utf-8 path");
    let (code, err) =
        run(&["run", "--arch", "x86_64", "--mode", "accel", h], &[("VM_KVM_DEVICE", "/dev/no-such-kvm")]);
    assert_eq!(code, Some(1));
    assert!(err.contains("/dev/no-such-kvm") && err.contains("does not exist"), "{err}");
    // x86-64 only runs in accel mode; accel only runs x86-64.
    let (code, err) = run(&["run", "--arch", "x86_64", "--mode", "jit", h], &[]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--mode accel") && err.contains("RISC-V"), "{err}");
    let (code, err) = run(&["run", "--mode", "accel", hello.to_str().expect("path")], &[]);
    assert_eq!(code, Some(1));
    assert!(err.contains("x86-64 guests only") && err.contains("interp, jit or hybrid"), "{err}");
    let (code, err) = run(&["run", "--arch", "sparc", hello.to_str().expect("path")], &[]);
    assert_eq!(code, Some(1));
    assert!(err.contains("unknown --arch"), "{err}");
    // A RISC-V program under accel x86-64: the loader says what it is.
    if kvm_usable() {
        let (code, err) =
            run(&["run", "--arch", "x86_64", "--mode", "accel", hello.to_str().expect("path")], &[]);
        assert_eq!(code, Some(1));
        assert!(err.contains("RISC-V") && err.contains("not x86-64"), "{err}");
    }
}
