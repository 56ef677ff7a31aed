//! The in-house instruction test suite (guests/isa) under `vm boot`, with QEMU's spike machine
//! as the oracle: every test must pass (status 0) on both and print the same console output.

mod common;

use common::*;

#[test]
fn every_isa_test_passes_and_matches_qemu() {
    let elfs = elfs_in(&repo().join("guests/isa/bin"));
    assert!(elfs.len() > 1, "no tests found in guests/isa/bin");
    let qemu = have_tool("qemu-system-riscv64");
    let mut failures = Vec::new();
    let mut passed = 0;
    for elf in &elfs {
        let name = elf.file_name().unwrap().to_string_lossy().to_string();
        let ours = run_vm(elf, 50_000_000);
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
        if failures.is_empty() || !failures.last().unwrap().starts_with(&name) {
            passed += 1;
        }
    }
    eprintln!("isa tests: {passed} of {} passed", elfs.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
