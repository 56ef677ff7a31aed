//! Helpers shared by the runtime's integration tests: running guests on `vm` and on QEMU.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use vm_core::{ExecMode, JitConfig, VmConfig, VmError};
use vm_runtime::{BareMetal, RunOutcome};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A console that collects what the guest prints.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Run a bare-metal ELF on `vm`; returns (exit status, console output).
pub fn run_vm(elf: &Path, mode: ExecMode, jit: JitConfig, max_insns: u64) -> Result<(u64, Vec<u8>), VmError> {
    let config = VmConfig { exec_mode: mode, max_insns: Some(max_insns), jit, ..Default::default() };
    let mut vm = BareMetal::new(&config)?;
    let out = Capture::default();
    vm.load_kernel(elf, Box::new(out.clone()))?;
    let code = match vm.run()? {
        RunOutcome::Exited(c) => c,
        RunOutcome::Returned => 0,
    };
    let bytes = out.0.lock().unwrap().clone();
    Ok((code, bytes))
}

/// Whether `tool` is on PATH. In CI a missing tool is a failure, elsewhere a printed skip.
pub fn have_tool(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("{tool} is required in CI (install Debian's qemu-system-misc / qemu-user); .ci/run installs it");
        }
        eprintln!("SKIP: {tool} not installed; the QEMU oracle comparison is skipped outside CI");
    }
    found
}

/// Run a bare-metal ELF on `qemu-system-riscv64 -M spike`; returns (exit status, console output).
pub fn run_qemu_spike(elf: &Path) -> (i32, Vec<u8>) {
    let out = Command::new("timeout")
        .args(["20", "qemu-system-riscv64", "-M", "spike", "-bios", "none", "-nographic", "-kernel"])
        .arg(elf)
        .output()
        .expect("run qemu-system-riscv64");
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// The ELF files in `dir`, sorted.
pub fn elfs_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "elf"))
        .collect();
    v.sort();
    v
}
