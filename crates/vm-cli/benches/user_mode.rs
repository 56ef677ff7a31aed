//! Linux user mode against QEMU, whole-process wall time, alternating in one run:
//! - `startup/*`: a static hello-world (`guests/linux/bin/hello.rv64`) under `vm run` and
//!   under `qemu-riscv64`;
//! - `lua/*`: Debian's Lua 5.4 built for riscv64 running `guests/linux/real/work/bench.lua`
//!   (n-body, strings, sorting, closures, JSON) under `vm run` (interpreter) and QEMU.
//!
//! Run: `cargo bench -p vm-cli --bench user_mode` (needs qemu-riscv64 from Debian's qemu-user;
//! without it only the `vm` side runs). Compare the `time:` lines of each pair.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, Criterion};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(dir: &PathBuf, argv: &[&str]) {
    let st = Command::new(argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn");
    assert!(st.success(), "{argv:?} failed: {st}");
}

fn have_qemu() -> bool {
    Command::new("qemu-riscv64").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn bench(c: &mut Criterion) {
    let vm = env!("CARGO_BIN_EXE_vm");
    let qemu = have_qemu();
    if !qemu {
        eprintln!("qemu-riscv64 not installed: measuring vm only");
    }
    let linux = repo().join("guests/linux");
    let mut g = c.benchmark_group("startup");
    g.bench_function("vm_run_hello", |b| b.iter(|| run(&linux, &[vm, "run", "bin/hello.rv64"])));
    if qemu {
        g.bench_function("qemu_riscv64_hello", |b| {
            b.iter(|| run(&linux, &["qemu-riscv64", "bin/hello.rv64"]))
        });
    }
    g.finish();

    let real = repo().join("guests/linux/real");
    let mut g = c.benchmark_group("lua");
    g.sample_size(10);
    let args = ["lua.rv64", "work/bench.lua", "30000"];
    g.bench_function("vm_run_interp", |b| b.iter(|| run(&real, &[&[vm, "run"][..], &args[..]].concat())));
    if qemu {
        g.bench_function("qemu_riscv64", |b| {
            b.iter(|| run(&real, &[&["qemu-riscv64"][..], &args[..]].concat()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
