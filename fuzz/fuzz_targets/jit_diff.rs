//! Fuzz target: the ISA-level differential oracle of `vm_runtime::difftest`. The input bytes
//! become a random RV64GC instruction sequence plus initial hart state
//! ([`Case::from_bytes`]), which runs on the bare-metal machine under the interpreter (the
//! oracle), the JIT and the hybrid engine (`jit_threshold` 1 or 2, from the first byte). Any
//! difference in the run result, registers, trap CSRs or memory is a bug: the target panics
//! with the case's disassembly, a minimized version and the difference. See `fuzz/Cargo.toml`
//! for how to run it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vm_core::ExecMode;
use vm_runtime::difftest::Case;

fuzz_target!(|data: &[u8]| {
    let case = Case::from_bytes(data);
    let threshold = 1 + u32::from(data.first().copied().unwrap_or(0) & 1);
    if let Err(m) = case.check(Some(threshold)) {
        let min = case.minimize(|c| c.check(Some(threshold)).is_err());
        let min_diff = min.check(Some(threshold)).err().map(|m| m.to_string()).unwrap_or_default();
        // Also say what the interpreter alone makes of the minimized case.
        let oracle = min.run(ExecMode::Interpreter);
        panic!(
            "interpreter/JIT mismatch\n{}\n{m}\nminimized:\n{}\n{min_diff}\ninterpreter outcome: {oracle:?}\n\
             as Rust:\n{}",
            case.describe(),
            min.describe(),
            min.to_rust()
        );
    }
});
