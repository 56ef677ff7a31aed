//! ISA-level differential test: random valid RV64GC instruction sequences (every extension,
//! branches and loops, traps) run on the bare-metal machine under the interpreter (the
//! oracle), the JIT (jit mode with `jit_threshold` 0: regions at the first run) and — for a
//! quarter of the cases — the hybrid engine and jit mode's baselines with `jit_threshold` 1 or
//! 2; registers, trap CSRs, memory and the run result must agree. See
//! `vm_runtime::difftest` for how a case is built from bytes and what is compared.
//!
//! Case count: 100 000 in total by default, split over four `#[test]` shards that run in
//! parallel (about 15 ms per case on one core in a test build, nearly all of it Cranelift
//! compiling and verifying each case's ~9 blocks for two to four engines: 4000 cases take 30 s
//! on two cores). Set `JITDIFF_CASES` to change the total, e.g.
//! `JITDIFF_CASES=2000 cargo test -p vm-runtime --test jit_differential`.
//! Cases are random on every run; `PROPTEST_RNG_SEED=n` makes a run repeatable (shard `k`
//! seeds with `n + k`). To replay one case, set `JITDIFF_REPLAY` to its bytes in hex (a failure
//! prints them) and run the `replay` test.
//!
//! A failure prints the case shrunk by proptest and then by dropping items one at a time:
//! its initial state, its disassembly, the field-by-field difference, its bytes and the Rust
//! source of the minimized case (ready for a regression test).

use std::time::Instant;

use proptest::collection::vec;
use proptest::prelude::any;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use vm_core::{ExecMode, GetStats};
use vm_runtime::difftest::Case;

/// Total cases over all shards when `JITDIFF_CASES` is not set.
const DEFAULT_CASES: u32 = 100_000;
/// Number of `#[test]` shards.
const SHARDS: u32 = 4;

fn total_cases() -> u32 {
    std::env::var("JITDIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_CASES)
}

/// Which hybrid threshold (if any) a case also runs with: a quarter of the cases, picked by
/// the first byte so that shrinking towards zero keeps the hybrid run.
fn hybrid_threshold(data: &[u8]) -> Option<u32> {
    let b = data.first().copied().unwrap_or(0);
    (b % 4 == 0).then_some(1 + (b / 4 % 2) as u32)
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything needed to understand and reproduce a failing case.
fn report(data: &[u8]) -> String {
    let hybrid = hybrid_threshold(data);
    let case = Case::from_bytes(data);
    let Err(first) = case.check(hybrid) else {
        return format!("case {} no longer fails (flaky engine?)", hex(data));
    };
    let min = case.minimize(|c| c.check(hybrid).is_err());
    let diff = match min.check(hybrid) {
        Err(m) => m.to_string(),
        Ok(()) => first.to_string(),
    };
    format!(
        "JIT/interpreter mismatch (hybrid threshold {hybrid:?}).\n\nshrunk case ({} items):\n{}\n{}\n\
         minimized case ({} items):\n{}\n{}\nbytes (JITDIFF_REPLAY): {}\n\nminimized case as Rust:\n{}\n",
        case.items.len(),
        case.describe(),
        first,
        min.items.len(),
        min.describe(),
        diff,
        hex(data),
        min.to_rust()
    )
}

fn shard(k: u32) {
    let total = total_cases();
    let cases = total / SHARDS + u32::from(k < total % SHARDS);
    if cases == 0 {
        return;
    }
    let mut config = Config { cases, failure_persistence: None, max_shrink_iters: 4000, ..Config::default() };
    if let RngSeed::Fixed(seed) = config.rng_seed {
        // The same seed in every shard would run the same cases four times.
        config.rng_seed = RngSeed::Fixed(seed.wrapping_add(u64::from(k)));
    }
    let mut runner = TestRunner::new(config);
    let start = Instant::now();
    let result = runner.run(&vec(any::<u8>(), 0..1600), |data| {
        Case::from_bytes(&data).check(hybrid_threshold(&data)).map_err(|m| TestCaseError::fail(m.to_string()))
    });
    match result {
        Ok(()) => eprintln!("jit_differential shard {k}: {cases} cases agree ({:.1?})", start.elapsed()),
        Err(TestError::Fail(_, data)) => panic!("{}", report(&data)),
        Err(TestError::Abort(why)) => panic!("proptest aborted: {why}"),
    }
}

#[test]
fn interp_jit_hybrid_agree_0() {
    shard(0);
}

#[test]
fn interp_jit_hybrid_agree_1() {
    shard(1);
}

#[test]
fn interp_jit_hybrid_agree_2() {
    shard(2);
}

#[test]
fn interp_jit_hybrid_agree_3() {
    shard(3);
}

/// The shards cover branches compiled as selects (a forward branch over a few ALU
/// instructions: `hammock` in the JIT), which the cases' `--max-insns` (a budget test before
/// every block) must not switch off: of a fixed set of random cases, some must compile such
/// branches, and those must agree with the interpreter.
#[test]
fn random_cases_if_convert_branches() {
    const CASES: usize = 1000;
    let mut runner = TestRunner::deterministic();
    let (mut converted, mut cases_with) = (0, 0);
    for _ in 0..CASES {
        let data: Vec<u8> = vec(any::<u8>(), 0..1600).new_tree(&mut runner).expect("bytes").current();
        let case = Case::from_bytes(&data);
        let mut m = case.machine(ExecMode::Jit, 0).expect("machine");
        let _ = m.run();
        let n = m.get_stats().if_converted;
        if n > 0 {
            converted += n;
            cases_with += 1;
            assert!(case.check(hybrid_threshold(&data)).is_ok(), "{}", report(&data));
        }
    }
    eprintln!("{cases_with} of {CASES} cases compiled {converted} branches as selects");
    assert!(cases_with >= 20, "only {cases_with} of {CASES} random cases had a branch compiled as selects");
}

/// Re-run the case whose bytes are in `JITDIFF_REPLAY` (hex); a no-op without it.
#[test]
fn replay() {
    let Ok(hexed) = std::env::var("JITDIFF_REPLAY") else {
        return;
    };
    let data: Vec<u8> = (0..hexed.len() / 2)
        .filter_map(|i| hexed.get(2 * i..2 * i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect();
    let case = Case::from_bytes(&data);
    eprintln!("{}", case.describe());
    assert!(case.check(hybrid_threshold(&data)).is_ok(), "{}", report(&data));
}

/// Found by the fuzzer (CI, shard 2): `sll s8` in a block the inner loop holds registers for,
/// between an outer loop's blocks, came out unchanged.
#[test]
fn regression_held_register_across_nested_loops() {
    use vm_runtime::difftest::Item;
    let case = Case {
        x: [
            0x0,
            0x7ff,
            0x80080938,
            0x6283b4d16bd641d4,
            0x2fc078038561fe27,
            0x80080a40,
            0x80080270,
            0x80080de0,
            0x80080298,
            0x1,
            0x6b20af8cf255be9f,
            0xe2613db974b3308f,
            0x3559d5e934cc00de,
            0xffffffffffffffff,
            0x93159d4ce76c96ac,
            0x813705f486d562d7,
            0xd0f885ed136e192f,
            0xfffffffffffff800,
            0x3082f1d30eacf470,
            0x3f,
            0x10,
            0xc0ae4e0c8c5a20fa,
            0x3f,
            0xfffffffffffffffd,
            0xf336ead8e63ed8d4,
            0x3f,
            0x8,
            0x1,
            0x695115ae8bcf2187,
            0x7fffffffffffffff,
            0x5ea7905480204369,
            0xffffffff80000000,
        ],
        f: [
            0x45867a7822d8ed2e,
            0x7fefffffffffffff,
            0xffffffffacf04f45,
            0xffffffff7f800000,
            0x4f2a831a00000000,
            0xffffffffbf800000,
            0x1,
            0xffffffffff800000,
            0x800fffffffffffff,
            0x7ff0000000000000,
            0xffffffff7fc00000,
            0xffffffff80000000,
            0x8000000000000000,
            0xffffffff00000001,
            0x303b0ebb7fc00000,
            0xbff0000000000000,
            0xdfa05e458ac567ac,
            0xa105a4e5987640cc,
            0xffffffffff800000,
            0xf8433b8600000000,
            0xd20a5bf1dd7811b4,
            0xffffffff80000000,
            0xffffffff7f800000,
            0x7fefffffffffffff,
            0xffffffff7f800001,
            0x8756bca2ffc00001,
            0xffffffff6df13287,
            0xffffffff00000001,
            0xf23adfd7a45989c,
            0x7ff0000000000001,
            0xffffffffff800000,
            0x7ff0000000000000,
        ],
        frm: 0,
        fflags: 0x0,
        fs: 2,
        reservation: None,
        mem_seed: 0x9639ca1e9cfbee9c,
        items: vec![
            Item::Insn32(0x018657b3), /* srl a5,a2,s8 */
            Item::Branch { base: 0x01b50063, target: 3 },
            Item::Insn32(0x00a59c33), /* sll s8,a1,a0 */
            Item::Insn32(0xff82b687), /* fld fa3,-8(t0) */
            Item::Branch { base: 0x008f0063, target: 6 },
            Item::Branch { base: 0x01c65063, target: 2 },
            Item::Loop { target: 0 },
        ],
    };
    if let Err(m) = case.check(None) {
        panic!("{}\n{m}", case.describe());
    }
}

/// `Case::check` lets engines disagree on a case that runs code stored to without `fence.i`;
/// that must stay a rare accident of random code, not hide a share of the cases.
#[test]
fn unsynchronized_code_is_rare() {
    // The shards' cases, from a fixed seed.
    let mut runner = TestRunner::deterministic();
    let bytes = vec(any::<u8>(), 0..1600);
    let cases = 2000;
    let flagged = (0..cases)
        .filter(|_| {
            let data = bytes.new_tree(&mut runner).expect("a case").current();
            Case::from_bytes(&data).fetches_unsynchronized_code()
        })
        .count();
    eprintln!("{flagged} of {cases} random cases run code stored to without fence.i");
    assert!(flagged * 100 <= cases, "{flagged} of {cases}");
}

/// Found by the fuzzer (CI, shard 3): `jr 8(a5)` lands in the middle of an instruction, whose
/// second half is `sd a3,56(a5)` over the sequence's own code; later the code it wrote runs
/// without a `fence.i` in between. The JIT had decoded that block (as part of a region) before
/// the store, the interpreter after it: both are allowed, and the case must not count as a
/// mismatch — but only because of that.
#[test]
fn regression_unsynchronized_store_over_code() {
    use vm_runtime::difftest::{IndirectForm, Item};
    let case = Case {
        x: [
            0x0,
            0xd879478bbcb8ea33,
            0x8008002f,
            0xa85f068f85761e2e,
            0x7e654d7610bf9e2e,
            0x80080318,
            0x80080778,
            0x800801c0,
            0x80080170,
            0x0,
            0xddfea48cd6d22108,
            0x8000000000000000,
            0x100000000,
            0x0,
            0xfffffffffffffff3,
            0x80000000,
            0x7fffffff,
            0xffffffff,
            0x7ff,
            0xfffffffffffffff6,
            0x16b4ab45e6a8a916,
            0x6fb4482ee0742b56,
            0xb5c9fb948060e541,
            0xf8eddf05b44c2384,
            0x21a2185b677169e5,
            0x5d9633a0c50a38a3,
            0x7ff,
            0x100000000,
            0x82aec9b39d50d51f,
            0x6f8f9cf48d0b99f5,
            0xfffffffffffffff6,
            0x41b32a7803c935de,
        ],
        f: [
            0xffffffff81924e1b,
            0x0,
            0x8000000000000000,
            0x7ff0000000000001,
            0x3ff0000000000000,
            0xffffffff3d3c2417,
            0xe62b08d59074cf54,
            0x698d22f0944978f4,
            0xffffffff5f000000,
            0x800fffffffffffff,
            0x648b540a7f800001,
            0xffffffff80000000,
            0xffffffff4edb15b8,
            0xffffffff7f800001,
            0xffffffffb89f7ecc,
            0xffffffff9e47d804,
            0x7ff0000000000001,
            0xf00689314f2881a0,
            0xffffffff807fffff,
            0xffffffff4f000000,
            0x1914533f3f800000,
            0xffffffff93e50932,
            0x1,
            0xffffffff6f949825,
            0xe9291b0cbc76fe3,
            0xcdf0451c00000000,
            0xa555ccdc00000001,
            0xfff0000000000000,
            0x1a10d15c7f800000,
            0x7ff8000000000000,
            0xffffffffffc00001,
            0xbd127abe4f000000,
        ],
        frm: 4,
        fflags: 0x14,
        fs: 1,
        reservation: None,
        mem_seed: 0xcd2a3fde8894515d,
        items: vec![
            Item::Branch { base: 0x01e58063, target: 5 },
            Item::CBranch { base: 0xc101, target: 5 },
            Item::Insn32(0x0c633827), /* fsd ft6,208(t1) */
            Item::Insn32(0xff942527), /* fsw fs9,-22(s0) */
            Item::Insn16(0xb834),     /* fsd fa3,112(s0) */
            Item::Insn32(0x015006bb), /* addw a3,zero,s5 */
            Item::Insn32(0xfcb10c23), /* sb a1,-40(sp) */
            Item::Branch { base: 0x00c61063, target: 9 },
            Item::Insn32(0x1001262f), /* lr.w a2,(sp) */
            Item::Patch { target: 10, word: 18024579, addr_reg: 27, val_reg: 20 },
            Item::Indirect { tmp: 15, rd: 0, form: IndirectForm::Jalr, target: 11 },
        ],
    };
    assert!(case.fetches_unsynchronized_code(), "{}", case.describe());
    assert_ne!(case.run(ExecMode::Interpreter), case.run_with_threshold(ExecMode::Jit, 0), "still a test?");
    assert!(case.check(None).is_ok());
    // The same sequence without the stray jump stores over code only through its `Patch`
    // (then `fence.i`): compared as usual, the patched-in `lb a7,17(t1)` runs, engines agree.
    let mut items = case.items.clone();
    items[10] = Item::Insn32(0x00150513); /* addi a0,a0,1 */
    let synced = Case { items, ..case };
    assert!(!synced.fetches_unsynchronized_code(), "{}", synced.describe());
    let oracle = synced.run(ExecMode::Interpreter);
    assert_eq!(oracle.x[17], 0xffffffffffffffd4, "{}", synced.describe());
    assert_eq!(oracle, synced.run_with_threshold(ExecMode::Jit, 0));
}
