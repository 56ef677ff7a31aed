//! Counted loops (the `counted` and `lanes` codegen modules) against the interpreter: loops
//! that walk a window of pages with random protections, in fuel-counting regions, must leave
//! what as many passes on the interpreter leave, whichever copy (checked, unchecked, vector
//! passes) the entry test picks.

use proptest::prelude::*;
use vm_core::CpuState;
use vm_ir::IRBlock;
use vm_mem::{Prot, PAGE_SIZE};

mod window;
use window::*;

/// One memory access of a generated counted loop: `(op, base register, offset in widths,
/// after the step)`. Bases: x10 (the counter), x12 and x13 (stepping by their own stride),
/// x14 (fixed), x9 (set to a constant address in the window right before: no counted loop).
type LoopAccess = (&'static str, u8, i64, bool);

/// A counted loop at 0x5000 (`branch ne, x10, x11` back to itself): `accesses` around x10's
/// step of `step` (a 32-bit add if `w`), x12 and x13 stepping by `strides`, loaded values
/// summed into x15; x9 is set to `konst` before an access through it.
fn counted_loop(step: i64, w: bool, strides: (i64, i64), accesses: &[LoopAccess], konst: u64) -> IRBlock {
    let width = |op: &str| match &op[1..] {
        "b" | "bu" => 1,
        "h" | "hu" => 2,
        "w" | "wu" => 4,
        _ => 8,
    };
    let mut text = String::from("block 0x5000:\n");
    let mut stepped = false;
    let emit_step = |text: &mut String| {
        text.push_str(&format!(
            "{} x10, x10, {step}\naddi x12, x12, {}\naddi x13, x13, {}\n",
            if w { "addiw" } else { "addi" },
            strides.0,
            strides.1
        ));
    };
    for (i, &(op, base, off, after)) in accesses.iter().enumerate() {
        if after && !stepped {
            emit_step(&mut text);
            stepped = true;
        }
        let off = off * width(op);
        if base == 9 {
            text.push_str(&format!("li x9, {konst}\n"));
        }
        if op.starts_with('l') {
            let rd = 16 + i;
            text.push_str(&format!("{op} x{rd}, x{base}, {off}\nadd x15, x15, x{rd}\n"));
        } else {
            text.push_str(&format!("{op} x15, x{base}, {off}\naddi x15, x15, 3\n"));
        }
    }
    if !stepped {
        emit_step(&mut text);
    }
    text.push_str("branch ne, x10, x11, 0x5000, 0x6000");
    vm_ir::parse_block(&text).expect("generated loop parses")
}

fn arb_access() -> impl Strategy<Value = LoopAccess> {
    (
        prop::sample::select(vec!["lb", "lbu", "lh", "lhu", "lw", "lwu", "ld", "sb", "sh", "sw", "sd"]),
        prop::sample::select(vec![10u8, 12, 13, 14, 9]),
        -3i64..4,
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Counted loops (the `counted` codegen module) walking the window of random pages: trip
    /// counts that fit or do not (the counter steps past its limit), bases that step or stay,
    /// ranges that cross into pages the access may not touch, stores to pages holding code,
    /// budgets that run out before the loop ends. Whatever copy the entry test picks, the
    /// state after the passes the region counted is the interpreter's.
    #[test]
    fn counted_loops_match_the_interpreter(
        step in prop::sample::select(vec![1i64, -1, 2, 3, 8, 16, 48, -8, -24, 5]),
        w in any::<bool>(),
        high in prop::sample::select(vec![0u64, 0, 0, 1 << 32]),
        strides in (prop::sample::select(vec![0i64, 8, -8, 16, 48]), prop::sample::select(vec![8i64, 24, -16])),
        accesses in prop::collection::vec(arb_access(), 1..4),
        trips in 0u64..40,
        miss in prop::sample::select(vec![0i64, 0, 0, 0, 1, -1, 7]),
        starts in prop::collection::vec(0..PAGES * PAGE_SIZE / 8, 4),
        pages in arb_pages(),
        budget in prop::sample::select(vec![1u64 << 20, 1 << 20, 5000, 300, 7]),
        seed in any::<u64>(),
    ) {
        let konst = WINDOW + 8 * starts[3] + 4;
        let block = counted_loop(step, w, strides, &accesses, konst);
        prop_assume!(vm_ir::verify(&block).is_ok());
        let mut cpu = CpuState::default();
        cpu.x[10] = WINDOW + 8 * starts[0];
        // With `w`, a limit beyond 32 bits is never met: the entry test must see that.
        cpu.x[11] = cpu.x[10].wrapping_add((trips as i64 * step + miss) as u64).wrapping_add(high);
        cpu.x[12] = WINDOW + 8 * starts[1];
        cpu.x[13] = WINDOW + 8 * starts[2];
        cpu.x[14] = WINDOW + 8 * starts[3];
        cpu.instret = 1000;
        counted_like_interpreter(
            &block,
            (cpu.clone(), space(&pages, seed)),
            (cpu, space(&pages, seed)),
            budget,
        )?;
    }
}

/// A counted loop that fits runs its unchecked copy (the translation has one); one that
/// stores to a page holding code, or walks into a page it may not load from, runs the
/// ordinary copy, which reports the code write or faults at the right pass.
#[test]
fn counted_loops_take_the_unchecked_copy_only_when_safe() {
    let block = counted_loop(8, false, (8, 8), &[("ld", 10, 0, false), ("sd", 12, 0, false)], 0);
    // Page 1 holds code (seed bit 4), page 3 is unmapped.
    let pages = [Some(Prot::RW), Some(Prot::RW), Some(Prot::RW), None, None, None];
    let seed = 1 << 4 | 1;
    for (x10, x12, trips) in [
        (WINDOW, WINDOW + 2 * PAGE_SIZE, 64), // all on writable pages without code
        (WINDOW, WINDOW + PAGE_SIZE - 64, 32), // stores into the page holding code
        (WINDOW + 2 * PAGE_SIZE + 0xf00, WINDOW, 64), // loads run into the unmapped page
    ] {
        let mut cpu = CpuState::default();
        (cpu.x[10], cpu.x[11], cpu.x[12]) = (x10, x10 + 8 * trips, x12);
        let jit = counted_like_interpreter(
            &block,
            (cpu.clone(), space(&pages, seed)),
            (cpu, space(&pages, seed)),
            1 << 20,
        )
        .unwrap();
        assert_eq!(jit.counters().counted_loops, 1, "the loop has an unchecked copy");
    }
}

/// A 32-bit counter whose limit lies past 2^31 - 1 never meets it (each step wraps to a
/// negative value): the entry test must not take the limit for 64-bit arithmetic's, which
/// would end the loop after two passes. Both engines run until the budget.
#[test]
fn a_32_bit_counter_never_meets_a_64_bit_limit() {
    let block = counted_loop(16, true, (8, 8), &[], 0);
    let mut cpu = CpuState::default();
    (cpu.x[10], cpu.x[11]) = (0x7fff_fff0, 0x8000_0010);
    let pages = [None; PAGES as usize];
    let jit =
        counted_like_interpreter(&block, (cpu.clone(), space(&pages, 1)), (cpu, space(&pages, 1)), 5000)
            .unwrap();
    assert_eq!(jit.counters().counted_loops, 1);
}

/// A load of a generated vector loop: `(op, through the counter, stride in widths, offset in
/// widths, after the step)`.
type LaneLoad = (&'static str, bool, i64, i64, bool);

/// A store of a generated vector loop's last value: `(op, stride in widths, offset in
/// widths)` through x8.
type LaneStore = (&'static str, i64, i64);

/// One op of a generated vector loop: `(op, first operand, second operand or amount,
/// destination)`, operands and destination picked among the values defined so far.
type LaneOp = (&'static str, u8, u8, u8);

/// What breaks a generated vector loop's shape (it stays a counted loop).
#[derive(Clone, Copy, Debug)]
enum Breaker {
    /// A 64-bit add of two temporaries (not a 32-bit value).
    WideAdd,
    /// A value carried from one pass to the next.
    Carried,
    /// A store.
    Store,
    /// The accumulator read by another op.
    AccRead,
}

/// A counted loop at 0x5000 whose passes only load and add up: `loads` into x16.. (load `i`
/// through the counter x10 or through x(12 + i), stepping by its stride), then `ops` on those
/// temporaries and the invariants x20 (any value) and x0, results in x24.., each pass adding
/// its last value into x15 (and its first load into x9 if `two_accs`), and storing it through
/// x8 if `store` says so; `breaker` adds one op that vector passes cannot run (a store goes
/// through the fixed x7).
fn lane_loop(
    step: i64,
    w: bool,
    (loads, ops): (&[LaneLoad], &[LaneOp]),
    (two_accs, store): (bool, Option<LaneStore>),
    breaker: Option<Breaker>,
) -> IRBlock {
    let width = |op: &str| match &op[1..] {
        "b" | "bu" => 1,
        "h" | "hu" => 2,
        _ => 4,
    };
    let base = |i: usize, l: &LaneLoad| if l.1 && step % width(l.0) == 0 { 10 } else { 12 + i as u8 };
    let mut text = String::from("block 0x5000:\n");
    let mut steps = format!("{} x10, x10, {step}\n", if w { "addiw" } else { "addi" });
    for (i, l) in loads.iter().enumerate() {
        if base(i, l) != 10 && l.2 != 0 {
            steps += &format!("addi x{}, x{}, {}\n", 12 + i, 12 + i, l.2 * width(l.0));
        }
    }
    if let Some((op, k, _)) = store {
        steps += &format!("addi x8, x8, {}\n", k * width(op));
    }
    let mut stepped = false;
    for (i, l) in loads.iter().enumerate() {
        if l.4 && !stepped {
            text += &steps;
            stepped = true;
        }
        text += &format!("{} x{}, x{}, {}\n", l.0, 16 + i, base(i, l), l.3 * width(l.0));
    }
    if !stepped {
        text += &steps;
    }
    // Values defined so far: the loads' temporaries, then the ops' results.
    let mut defined: Vec<u8> = (0..loads.len() as u8).map(|i| 16 + i).collect();
    for (j, &(op, a, b, d)) in ops.iter().enumerate() {
        let pick = |k: u8| defined[k as usize % defined.len()];
        let rd = if d % 3 == 0 { pick(d) } else { 24 + j as u8 };
        let line = match op {
            "addw" | "subw" | "mulw" => {
                let b = match b % 4 {
                    0 => 20,
                    1 => 0,
                    _ => pick(b),
                };
                format!("{op} x{rd}, x{}, x{b}", pick(a))
            }
            "sllw" | "srlw" | "sraw" => {
                format!("{op} x{rd}, x{}, x{}", pick(a), if b % 2 == 0 { 20 } else { 0 })
            }
            "and" | "or" | "xor" => format!("{op} x{rd}, x{}, x{}", pick(a), pick(b)),
            "slliw" | "srliw" | "sraiw" => format!("{op} x{rd}, x{}, {}", pick(a), b % 32),
            "addiw" | "andi" | "ori" | "xori" => {
                format!("{op} x{rd}, x{}, {}", pick(a), b as i64 * 37 - 2048)
            }
            "mv" => format!("addi x{rd}, x{}, 0", pick(a)),
            _ => format!("li x{rd}, {}", (b as i64 * 0x0123_4567) as i32),
        };
        text += &line;
        text += "\n";
        if !defined.contains(&rd) {
            defined.push(rd);
        }
    }
    let last = *defined.last().expect("at least one load");
    match breaker {
        Some(Breaker::WideAdd) => text += &format!("add x{last}, x{last}, x16\n"),
        Some(Breaker::Carried) => text += "addw x6, x5, x16\naddi x5, x16, 0\n",
        Some(Breaker::Store) => text += "sw x16, x7, 0\n",
        Some(Breaker::AccRead) => text += "addw x6, x15, x16\n",
        None => {}
    }
    if let Some((op, _, off)) = store {
        text += &format!("{op} x{last}, x8, {}\n", off * width(op));
    }
    text += &format!("addw x15, x15, x{last}\n");
    if two_accs {
        text += "addw x9, x16, x9\n";
    }
    text += "branch ne, x10, x11, 0x5000, 0x6000";
    vm_ir::parse_block(&text).expect("generated loop parses")
}

fn arb_lane_load() -> impl Strategy<Value = LaneLoad> {
    (
        prop::sample::select(vec!["lb", "lbu", "lh", "lhu", "lw"]),
        any::<bool>(),
        prop::sample::select(vec![1i64, 1, 0, -1, 2, 3, 24]),
        -3i64..4,
        any::<bool>(),
    )
}

fn arb_lane_op() -> impl Strategy<Value = LaneOp> {
    (
        prop::sample::select(vec![
            "addw", "subw", "mulw", "sllw", "srlw", "sraw", "and", "or", "xor", "slliw", "srliw", "sraiw",
            "addiw", "andi", "ori", "xori", "mv", "li",
        ]),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Vector passes (the `lanes` codegen module): generated loops that load from the window
    /// (contiguous, strided, fixed, through the counter), compute 32-bit values from the
    /// loads and a 64-bit invariant, and add into one or two accumulators, for trip counts
    /// 0..40 (so every remainder after the vector passes), must leave the interpreter's
    /// state: accumulators, stepped registers, every temporary's last value. The translation
    /// has vector passes exactly when no breaker is added.
    #[test]
    fn vector_passes_match_the_interpreter(
        step in prop::sample::select(vec![1i64, -1, 2, 4, 8, -8, 48, 3]),
        w in any::<bool>(),
        loads in prop::collection::vec(arb_lane_load(), 1..4),
        ops in prop::collection::vec(arb_lane_op(), 0..8),
        two_accs in any::<bool>(),
        store in prop::option::of((
            prop::sample::select(vec!["sb", "sh", "sw"]),
            prop::sample::select(vec![1i64, -1, 2, 3]),
            -2i64..3,
        )),
        breaker in prop::sample::select(vec![None, None, None, None, Some(Breaker::WideAdd),
            Some(Breaker::Carried), Some(Breaker::Store), Some(Breaker::AccRead)]),
        trips in 0u64..40,
        starts in prop::collection::vec(PAGE_SIZE / 8..(PAGES - 1) * PAGE_SIZE / 8, 4),
        pages in arb_pages(),
        budget in prop::sample::select(vec![1u64 << 20, 1 << 20, 1 << 20, 300, 7]),
        regs in prop::collection::vec(any::<u64>(), 32),
        seed in any::<u64>(),
    ) {
        // A counted loop has at most four accesses: no store of the last value with three
        // loads and the breaker's store.
        let full = loads.len() + usize::from(matches!(breaker, Some(Breaker::Store))) >= 4;
        let store = store.filter(|_| !full);
        let block = lane_loop(step, w, (&loads, &ops), (two_accs, store), breaker);
        prop_assume!(vm_ir::verify(&block).is_ok());
        let mut cpu = CpuState::default();
        cpu.x[..32].copy_from_slice(&regs);
        cpu.x[0] = 0;
        cpu.x[10] = WINDOW + 8 * starts[0];
        cpu.x[11] = cpu.x[10].wrapping_add((trips as i64 * step) as u64);
        for i in 0..3 {
            cpu.x[12 + i] = WINDOW + 8 * starts[1 + i];
        }
        cpu.x[7] = WINDOW + 8 * starts[0] + 0x800;
        // Near the loads half the time, so that ranges meet.
        cpu.x[8] = if seed % 2 == 0 { cpu.x[12] + 8 * (seed >> 8) % 256 } else { WINDOW + 8 * starts[3] };
        cpu.instret = 1000;
        let jit = counted_like_interpreter(
            &block,
            (cpu.clone(), space(&pages, seed)),
            (cpu, space(&pages, seed)),
            budget,
        )?;
        let c = jit.counters();
        prop_assert_eq!(c.counted_loops, 1, "a counted loop\n{}", block);
        prop_assert_eq!(c.vector_loops, u64::from(breaker.is_none()), "vector passes\n{}", block);
    }
}

/// The matrix loops of intkernel with every page readable and writable: the vector passes
/// run (the trip counts have every remainder) and leave what the interpreter leaves.
#[test]
fn the_matrix_loops_run_in_lanes() {
    let mat_mat = "block 0x5000:
        lh x30, x7, 0
        lh x27, x5, 0
        addi x5, x5, 48
        addi x7, x7, 2
        mulw x30, x30, x27
        addw x1, x30, x1
        branch ne, x5, x22, 0x5000, 0x6000";
    let bits = "block 0x5000:
        lh x22, x31, 0
        lh x29, x5, 0
        addi x31, x31, 48
        addi x5, x5, 2
        mulw x29, x29, x22
        sraiw x22, x29, 2
        sraiw x29, x29, 5
        andi x22, x22, 15
        andi x29, x29, 127
        mulw x29, x22, x29
        addw x7, x29, x7
        branch ne, x31, x1, 0x5000, 0x6000";
    let pages = [Some(Prot::RW); PAGES as usize];
    for (text, iv, limit) in [(mat_mat, 5, 22), (bits, 31, 1)] {
        let block = vm_ir::parse_block(text).unwrap();
        for trips in [1u64, 3, 4, 5, 8, 23, 24, 25] {
            let mut cpu = CpuState::default();
            cpu.x[iv] = WINDOW + 0x100;
            cpu.x[limit] = cpu.x[iv] + 48 * trips;
            cpu.x[if iv == 5 { 7 } else { 5 }] = WINDOW + 2 * PAGE_SIZE;
            (cpu.x[1], cpu.x[7]) =
                if iv == 5 { (0x1234_5678_9abc, cpu.x[7]) } else { (cpu.x[1], 0xffff_fff0) };
            let jit = counted_like_interpreter(
                &block,
                (cpu.clone(), space(&pages, 3)),
                (cpu, space(&pages, 3)),
                1 << 20,
            )
            .unwrap();
            assert_eq!(jit.counters().vector_loops, 1, "{trips} passes");
        }
    }
}
