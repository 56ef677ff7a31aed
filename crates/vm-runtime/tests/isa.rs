//! The in-house instruction test suite (guests/isa) under `vm boot`, with QEMU's spike machine
//! as the oracle: every test must pass (status 0) on both and print the same console output —
//! on every engine (interpreter, JIT, hybrid).

mod common;

use common::*;
use vm_core::{ExecMode, JitConfig};

/// Run the suite on `mode` (with `jit` settings), comparing with QEMU when it is installed.
fn suite(mode: ExecMode, jit: JitConfig) {
    let elfs = elfs_in(&repo().join("guests/isa/bin"));
    assert!(elfs.len() > 1, "no tests found in guests/isa/bin");
    let qemu = have_tool("qemu-system-riscv64");
    let mut failures = Vec::new();
    for elf in &elfs {
        let name = elf.file_name().unwrap().to_string_lossy().to_string();
        let ours = run_vm(elf, mode, jit.clone(), 50_000_000);
        match &ours {
            Ok((0, _)) => {}
            Ok((code, _)) => failures.push(format!("{name}: vm exit status {code} (failing case {code})")),
            Err(e) => failures.push(format!("{name}: vm error: {e}")),
        }
        if qemu {
            let (qcode, qout) = run_qemu_spike(elf);
            if qcode != 0 {
                failures.push(format!("{name}: QEMU exit status {qcode} (the test itself is wrong)"));
            }
            if let Ok((code, out)) = &ours {
                if *code as i32 != qcode || *out != qout {
                    failures.push(format!(
                        "{name}: differs from QEMU: status {code} vs {qcode}, output {:?} vs {:?}",
                        String::from_utf8_lossy(out),
                        String::from_utf8_lossy(&qout)
                    ));
                }
            }
        }
    }
    eprintln!("isa tests ({mode:?}, {jit:?}): {} ELFs, {} failures", elfs.len(), failures.len());
    assert!(failures.is_empty(), "{mode:?}: {} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn isa_suite_interpreter() {
    suite(ExecMode::Interpreter, JitConfig::default());
}

/// jit mode as users run it: these short tests run mostly as baselines.
#[test]
fn isa_suite_jit() {
    suite(ExecMode::Jit, JitConfig::default());
}

/// jit mode compiling every block's region (with the blocks ahead of it) at its first run:
/// every test runs as optimized regions with inline memory accesses.
#[test]
fn isa_suite_jit_regions_at_first_run() {
    suite(ExecMode::Jit, JitConfig { jit_threshold: 0, ..JitConfig::default() });
}

#[test]
fn isa_suite_hybrid() {
    suite(ExecMode::Hybrid, JitConfig::default());
}
