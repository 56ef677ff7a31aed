//! Interpreter speed in guest instructions per second (criterion's "elem/s"), on
//! (a) a tight integer loop (guests/bench/loop.S) and (b) a mixed integer kernel
//! (guests/bench/mixed.c: CRC-32, sieve, insertion sort, matrix multiply, hashing).
//!
//! Run: `cargo bench -p vm-runtime --bench interp`. Each iteration boots the guest from its
//! ELF and runs it to its HTIF exit, so load and translation are included (they are tiny).

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vm_core::{ExecMode, VmConfig};
use vm_runtime::{BareMetal, RunOutcome};

fn guest(name: &str) -> (PathBuf, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/bench").join(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, data)
}

/// Boot and run to completion; returns guest instructions retired.
fn run(path: &Path, data: &[u8]) -> u64 {
    let config = VmConfig { exec_mode: ExecMode::Interpreter, ..Default::default() };
    let mut vm = BareMetal::new(&config).expect("machine");
    vm.load_kernel_bytes(path, data, Box::new(std::io::sink())).expect("load");
    assert_eq!(vm.run().expect("run"), RunOutcome::Exited(0), "benchmark guest failed its self-check");
    vm.cpu.instret
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("interp");
    g.sample_size(10);
    for (label, file) in [("tight_integer_loop", "loop.elf"), ("mixed_integer_kernel", "mixed.elf")] {
        let (path, data) = guest(file);
        let insns = run(&path, &data);
        g.throughput(Throughput::Elements(insns));
        g.bench_function(label, |b| b.iter(|| run(&path, &data)));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
