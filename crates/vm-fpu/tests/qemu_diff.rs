//! Optional differential test against a real RISC-V implementation: compiles
//! `tests/qemu/fpu_oracle.c` with `riscv64-linux-gnu-gcc` and runs it under `qemu-riscv64`
//! (QEMU's RISC-V FPU is Berkeley-softfloat based), then compares value and fflags for every
//! F/D instruction over generated operands in all five rounding modes. Skipped (with a note on
//! stderr) when either tool is missing.

use std::io::Write;
use std::process::{Command, Stdio};

use vm_fpu::*;

fn tool_exists(name: &str) -> bool {
    Command::new(name).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// xorshift64* generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A raw value of `frac_bits`/`exp_bits` layout, biased towards short mantissas, values near
    /// 1 and the exponent extremes.
    fn float(&mut self, frac_bits: u32, exp_bits: u32) -> u64 {
        let r = self.next();
        let emax = (1u64 << exp_bits) - 1;
        let bias = emax >> 1;
        let exp = match r % 8 {
            0 => 0,
            1 => 1 + (r >> 8) % 3,
            2 => emax - 1 - (r >> 8) % 3,
            3 => emax,
            4 => bias + 31 + (r >> 8) % 4, // near 2^31/2^32 for conversions
            5 => bias + 62 + (r >> 8) % 3, // near 2^63/2^64
            _ => bias - 30 + (r >> 8) % 60,
        };
        let mask = (1u64 << frac_bits) - 1;
        let m = self.next() & mask;
        let m = match (r >> 4) % 3 {
            0 => m,
            1 => m & !(mask >> ((r >> 16) % u64::from(frac_bits))),
            _ => m | (mask >> ((r >> 16) % u64::from(frac_bits))),
        };
        ((r >> 40) & 1) << (frac_bits + exp_bits) | exp << frac_bits | m
    }

    fn operand(&mut self, double: bool) -> u64 {
        // Singles are occasionally passed improperly boxed (raw double bits).
        if double || self.next().is_multiple_of(64) {
            self.float(52, 11)
        } else {
            nan_box(self.float(23, 8) as u32)
        }
    }
}

/// Our result for oracle opcode `op` (see fpu_oracle.c) as (value, flags).
fn ours(op: u32, rm: u8, a: u64, b: u64, c: u64) -> (u64, u8) {
    let fmt = if op >= 32 { Fmt::D } else { Fmt::S };
    let r = |r: FpResult| (r.value, r.flags);
    let kinds = [IntKind::W, IntKind::Wu, IntKind::L, IntKind::Lu];
    let cmp = |(v, f): (bool, u8)| (u64::from(v), f);
    match op % 32 {
        0 => r(add(fmt, a, b, rm)),
        1 => r(sub(fmt, a, b, rm)),
        2 => r(mul(fmt, a, b, rm)),
        3 => r(div(fmt, a, b, rm)),
        4 => r(sqrt(fmt, a, rm)),
        5 => r(fma(fmt, a, b, c, false, false, rm)),
        6 => r(fma(fmt, a, b, c, false, true, rm)),
        7 => r(fma(fmt, a, b, c, true, false, rm)),
        8 => r(fma(fmt, a, b, c, true, true, rm)),
        9 => r(min(fmt, a, b)),
        10 => r(max(fmt, a, b)),
        11..=14 => r(to_int(fmt, kinds[(op % 32 - 11) as usize], a, rm)),
        15..=18 => r(from_int(fmt, kinds[(op % 32 - 15) as usize], a, rm)),
        19 => r(cvt_s_d(a, rm)),
        20 => r(cvt_d_s(a, rm)),
        21 => cmp(eq(fmt, a, b)),
        22 => cmp(lt(fmt, a, b)),
        23 => cmp(le(fmt, a, b)),
        24 => (classify(fmt, a), 0),
        25 => (sgnj(fmt, a, b), 0),
        26 => (sgnjn(fmt, a, b), 0),
        27 => (sgnjx(fmt, a, b), 0),
        _ => unreachable!(),
    }
}

#[test]
fn matches_qemu_riscv64() {
    if !tool_exists("qemu-riscv64") || !tool_exists("riscv64-linux-gnu-gcc") {
        eprintln!("skipping: qemu-riscv64 or riscv64-linux-gnu-gcc not installed");
        return;
    }
    let dir = env!("CARGO_TARGET_TMPDIR");
    let exe = format!("{dir}/fpu_oracle");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/qemu/fpu_oracle.c");
    let status = Command::new("riscv64-linux-gnu-gcc")
        .args(["-O1", "-static", "-march=rv64gc", "-o", &exe, src])
        .status()
        .expect("run riscv64-linux-gnu-gcc");
    assert!(status.success(), "compiling the oracle failed");

    let ops: Vec<u32> = (0..28).chain(32..51).chain(53..60).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cases = Vec::new();
    for i in 0..200_000u32 {
        let op = ops[i as usize % ops.len()];
        let double = op >= 32 || op == 19;
        let (a, b) = (rng.operand(double), rng.operand(double));
        let c = if i % 5 == 0 && op % 32 >= 5 && op % 32 <= 8 {
            // Addend that cancels against the product.
            let fmt = if double { Fmt::D } else { Fmt::S };
            mul(fmt, a, b, (i % 4) as u8).value ^ if double { 1 << 63 } else { 1 << 31 }
        } else {
            rng.operand(double)
        };
        let a = if (15..=18).contains(&(op % 32)) { rng.next() >> (rng.next() % 64) } else { a };
        cases.push((op, (i / 7 % 5) as u8, a, b, c));
    }
    let mut input = String::new();
    for (op, rm, a, b, c) in &cases {
        input.push_str(&format!("{op} {rm} {a:x} {b:x} {c:x}\n"));
    }
    let mut child = Command::new("qemu-riscv64")
        .arg(&exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run qemu-riscv64");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("qemu output");
    writer.join().unwrap().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len(), "oracle stopped early");
    let mut failures = Vec::new();
    for ((op, rm, a, b, c), line) in cases.iter().zip(lines) {
        let mut it = line.split(' ').map(|t| u64::from_str_radix(t, 16).unwrap());
        let want = (it.next().unwrap(), it.next().unwrap() as u8);
        let got = ours(*op, *rm, *a, *b, *c);
        if got != want {
            failures.push(format!("op {op} rm {rm} a {a:#x} b {b:#x} c {c:#x}: got {got:x?} want {want:x?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches, first:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
