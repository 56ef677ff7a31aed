//! Fuzz target: arbitrary bytes as a program image for the Linux ELF loader
//! (`vm_linux::loader::load_image`). Every input must load or fail with an error — a panic,
//! abort, hang or out-of-memory is a bug. See `fuzz/Cargo.toml` for how to run it.

#![no_main]

use std::cell::RefCell;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use vm_linux::Process;

thread_local! {
    // One process for all inputs: creating an address space reserves 256 GiB of host address
    // space, and exec must cope with whatever the previous input left behind anyway.
    // The cross sysroot (if installed) lets PT_INTERP inputs load the real ld.so.
    static PROCESS: RefCell<Process> = RefCell::new(
        Process::new(Some("/usr/riscv64-linux-gnu".into()).filter(|d: &std::path::PathBuf| d.is_dir()))
            .expect("address space"),
    );
}

fuzz_target!(|data: &[u8]| {
    let argv = [b"fuzz".to_vec(), b"arg".to_vec()];
    let envp = [b"A=B".to_vec()];
    PROCESS.with(|p| {
        let mut p = p.borrow_mut();
        if vm_linux::loader::load_image(&mut p, Path::new("fuzz.elf"), data, &argv, &envp).is_ok() {
            // A successful load must leave a consistent image: sp aligned, pc mapped.
            assert_eq!(p.cpu.x[2] % 16, 0);
            assert!(p.mem.prot_of(p.cpu.pc).is_some(), "pc {:#x} unmapped", p.cpu.pc);
        }
    });
});
