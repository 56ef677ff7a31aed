//! Loop nests in lanes (the `nest` codegen module) against the interpreter: generated nests
//! of a matrix product's shape (a head that sets up a counted inner loop, the inner loop, a
//! latch that stores and steps) over a window of pages with random protections, in a
//! fuel-counting region, must leave what the interpreter leaves running the same blocks for
//! as many instructions, whichever way (four outer passes in lanes, or one at a time) the
//! head's test picks.

use proptest::prelude::*;
use vm_core::CpuState;
use vm_engine_jit::{EnterEnv, Jit, RegionBlock, RegionExit};
use vm_interp::{run_block, Exit, UserCsrs};
use vm_ir::IRBlock;
use vm_mem::{AddressSpace, Prot, PAGE_SIZE};

mod window;
use window::*;

const HEAD: u64 = 0x5000;
const INNER: u64 = 0x5100;
const LATCH: u64 = 0x5200;
const OUT: u64 = 0x6000;

/// One generated lane op: `(op, destination, first operand, second operand or amount)`;
/// operands index the values defined so far (loads first), the second may be x9 (an
/// invariant) in a `W` op.
type NestOp = (&'static str, u8, usize, usize);

/// What a generated nest looks like.
#[derive(Clone, Debug)]
struct Shape {
    /// Loads through x16 (the inner counter, stepping by `steps.0`) and x17 (stepping by
    /// `steps.1`, 0: fixed): `(op, offset in widths, after the step)`.
    loads: [(&'static str, i64, bool); 2],
    steps: (i64, i64),
    ops: Vec<NestOp>,
    /// The accumulator starts at 0, or at x9 + 5.
    acc_from_x9: bool,
    /// The latch's store: `(op, offset in widths, what: the accumulator, the last
    /// temporary, x13 (its own base, moving across the lanes) or x9, before the latch's
    /// steps)`.
    store: (&'static str, i64, u8, bool),
    /// Latch steps of x15 (x16's start), x10 (x17's), x13 (the store's base), x14 (the
    /// outer counter, by `addiw` if the flag says so).
    lane_strides: (i64, i64, i64),
    outer_step: (i64, bool),
}

fn width(op: &str) -> i64 {
    match op {
        "lb" | "lbu" | "sb" => 1,
        "lh" | "lhu" | "sh" => 2,
        _ => 4,
    }
}

/// The head, inner loop and latch of `s`, for `n` inner passes.
fn nest_blocks(s: &Shape, n: i64) -> [IRBlock; 3] {
    let (wa, wb) = (width(s.loads[0].0), width(s.loads[1].0));
    let mut inner = Vec::new();
    let mut stepped = (false, false);
    for (i, &(op, off, after)) in s.loads.iter().enumerate() {
        let (base, step, w) = if i == 0 { (16, s.steps.0, wa) } else { (17, s.steps.1, wb) };
        if after && step != 0 {
            inner.push(format!("addi x{base}, x{base}, {step}"));
            if i == 0 {
                stepped.0 = true
            } else {
                stepped.1 = true
            }
        }
        let dst = if i == 0 { 12 } else { 30 };
        inner.push(format!("{op} x{dst}, x{base}, {}", off * w));
    }
    if !stepped.0 {
        inner.push(format!("addi x16, x16, {}", s.steps.0));
    }
    if !stepped.1 && s.steps.1 != 0 {
        inner.push(format!("addi x17, x17, {}", s.steps.1));
    }
    let mut defined = vec![12u8, 30];
    for &(op, rd, a, b) in &s.ops {
        let ra = defined[a % defined.len()];
        let line = match op {
            "sraiw" | "srliw" | "slliw" | "andi" | "xori" => format!("{op} x{rd}, x{ra}, {}", b % 32),
            "addw" | "subw" | "mulw" if b % 4 == 0 => format!("{op} x{rd}, x{ra}, x9"),
            // x13 moves across the lanes (the store's base): its lanes differ.
            "addw" | "subw" | "mulw" if b % 4 == 1 => format!("{op} x{rd}, x{ra}, x13"),
            _ => format!("{op} x{rd}, x{ra}, x{}", defined[b % defined.len()]),
        };
        inner.push(line);
        defined.push(rd);
    }
    let last = *defined.last().expect("two loads");
    inner.push(format!("addw x6, x6, x{last}"));
    let branch = format!("branch ne, x28, x16, {INNER:#x}, {LATCH:#x}");
    let acc_init = if s.acc_from_x9 { "addi x6, x9, 5" } else { "addi x6, x0, 0" };
    let head = format!(
        "block {HEAD:#x}:\n add x16, x0, x15\n add x17, x0, x10\n {acc_init}\n addi x28, x15, {}\n {}\n {branch}",
        n * s.steps.0,
        inner.join("\n ")
    );
    let inner_text = format!("block {INNER:#x}:\n {}\n {branch}", inner.join("\n "));
    let (st, off, what, before) = s.store;
    let src = [6, last, 13, 9][usize::from(what % 4)];
    let store = format!("{st} x{src}, x13, {}", off * width(st));
    let mut latch = Vec::new();
    if before {
        latch.push(store.clone());
    }
    let (s15, s10, s13) = s.lane_strides;
    let (os, w) = s.outer_step;
    latch.push(format!("{} x14, x14, {os}", if w { "addiw" } else { "addi" }));
    for (r, k) in [(15, s15), (10, s10), (13, s13)] {
        if k != 0 {
            latch.push(format!("addi x{r}, x{r}, {k}"));
        }
    }
    if !before {
        latch.push(store);
    }
    let latch =
        format!("block {LATCH:#x}:\n {}\n branch ne, x14, x29, {HEAD:#x}, {OUT:#x}", latch.join("\n "));
    [head, inner_text, latch].map(|t| vm_ir::parse_block(&t).unwrap_or_else(|e| panic!("{e}\n{t}")))
}

/// Run `blocks` (head first) as one fuel-counting region from `cpu` with stop word
/// `instret + budget`, then the interpreter on the same blocks for as many instructions: both
/// must leave the same state, memory and exit.
fn nest_like_interpreter(
    blocks: &[IRBlock; 3],
    cpu: CpuState,
    (mut m, mut m0): (AddressSpace, AddressSpace),
    budget: u64,
) -> Result<Jit, TestCaseError> {
    let meta: Vec<(Vec<u32>, Vec<u64>)> = blocks
        .iter()
        .map(|b| {
            let n = b.ops.len() as u64;
            ((0..n as u32).collect(), (0..n).map(|i| b.start_pc + 4 * i).collect())
        })
        .collect();
    let rbs: Vec<RegionBlock<'_>> = blocks
        .iter()
        .zip(&meta)
        .map(|(block, (csr, pcs))| RegionBlock {
            block,
            csr_index: csr,
            op_pcs: pcs,
            n_insns: block.ops.len() as u64,
            ind_targets: &[],
        })
        .collect();
    let mut jit = Jit::new();
    let id = jit.compile_region(&rbs, counting_opts(&m)).expect("valid blocks compile");
    let mut jcpu = cpu.clone();
    let stop = jcpu.instret + budget;
    let exit = jit.enter(id, &mut jcpu, &mut m, &mut UserCsrs, EnterEnv { stop: &stop });
    // The budget is tested on backward edges: past it, no more than a round of the blocks.
    let round: u64 = blocks.iter().map(|b| b.ops.len() as u64).sum();
    prop_assert!(jcpu.instret < stop + round, "ran {} past the budget", jcpu.instret - stop);
    let text = blocks.iter().map(|b| b.to_string()).collect::<Vec<_>>().join("\n");
    let mut icpu = cpu;
    let mut pc = HEAD;
    let block_at = |pc: u64| blocks.iter().find(|b| b.start_pc == pc);
    while icpu.instret < jcpu.instret {
        let Some(b) = block_at(pc) else {
            prop_assert!(false, "the interpreter left at {pc:#x} before the region's count\n{text}");
            unreachable!()
        };
        let part = (jcpu.instret - icpu.instret) as usize;
        if part < b.ops.len() {
            // A side exit in the middle of the block: the ops before it.
            let prefix =
                IRBlock { start_pc: b.start_pc, ops: b.ops[..part].to_vec(), term: vm_ir::Terminator::Ret };
            let e = run_block(&mut icpu, &mut m0, &mut UserCsrs, &prefix);
            prop_assert_eq!(e, Exit::Term(vm_ir::Terminator::Ret), "prefix of a block\n{}", text);
            icpu.instret += part as u64;
            pc = b.start_pc + 4 * part as u64;
            prop_assert!(matches!(exit, RegionExit::Side { .. }), "left in a block by {:?}\n{}", exit, text);
            break;
        }
        let e = run_block(&mut icpu, &mut m0, &mut UserCsrs, b);
        icpu.instret += b.ops.len() as u64;
        match e {
            Exit::Next(p) => pc = p,
            other => prop_assert!(false, "block {:#x} ended by {:?}\n{}", b.start_pc, other, text),
        }
    }
    prop_assert_eq!(icpu.instret, jcpu.instret, "counted to a block boundary ({:?})\n{}", exit, text);
    match exit {
        RegionExit::Next { pc: jpc, .. } => {
            prop_assert_eq!(jpc, pc, "exit differs\n{}", text);
            if jpc != OUT {
                prop_assert!(jcpu.instret >= stop, "left before the budget\n{}", text);
            }
        }
        RegionExit::Side { pc: jpc } => prop_assert_eq!(jpc, pc, "side exit at its op's pc\n{}", text),
        RegionExit::Fault { op_index, exc, .. } => {
            let b = block_at(pc).expect("faulted in a block of the nest");
            let e = run_block(&mut icpu, &mut m0, &mut UserCsrs, b);
            prop_assert_eq!(e, Exit::Fault { op_index, exc }, "fault differs\n{}", text);
        }
        other => prop_assert!(false, "unexpected exit {:?}\n{}", other, text),
    }
    icpu.instret = jcpu.instret;
    same_end((&jcpu, &mut m), (&icpu, &mut m0), &text)?;
    Ok(jit)
}

fn arb_load() -> impl Strategy<Value = (&'static str, i64, bool)> {
    (prop::sample::select(vec!["lb", "lbu", "lh", "lhu", "lw"]), -2i64..3, any::<bool>())
}

fn arb_op() -> impl Strategy<Value = NestOp> {
    (
        prop::sample::select(vec![
            "mulw", "addw", "subw", "and", "or", "xor", "sraiw", "srliw", "slliw", "andi", "xori",
        ]),
        prop::sample::select(vec![12u8, 30, 31]),
        0usize..8,
        0usize..64,
    )
}

fn arb_shape() -> impl Strategy<Value = Shape> {
    (
        prop::array::uniform2(arb_load()),
        (prop::sample::select(vec![1i64, 2, -1, 24, 3]), prop::sample::select(vec![0i64, 1, 1, -2, 24])),
        prop::collection::vec(arb_op(), 0..5),
        any::<bool>(),
        (prop::sample::select(vec!["sb", "sh", "sw"]), -2i64..3, 0u8..4, any::<bool>()),
        (
            prop::sample::select(vec![1i64, 1, 0, 2, -1, 24]),
            prop::sample::select(vec![0i64, 0, 1, 24]),
            prop::sample::select(vec![1i64, 1, 2, -1, 0]),
        ),
        (prop::sample::select(vec![1i64, 1, -1, 2]), any::<bool>()),
    )
        .prop_map(|(loads, steps, ops, acc_from_x9, store, lanes, outer_step)| Shape {
            loads,
            steps,
            ops,
            acc_from_x9,
            store,
            lane_strides: lanes,
            outer_step,
        })
}

/// Scale lane strides and steps (in widths of the load or store they move) to bytes.
fn in_bytes(s: &Shape) -> Shape {
    let (wa, wb, ws) = (width(s.loads[0].0), width(s.loads[1].0), width(s.store.0));
    Shape {
        steps: (s.steps.0 * wa, s.steps.1 * wb),
        lane_strides: (s.lane_strides.0 * wa, s.lane_strides.1 * wb, s.lane_strides.2 * ws),
        ..s.clone()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Generated nests with 1-12 outer and 1-29 inner passes, loads of every width walking
    /// with the inner loop and across the lanes (contiguous, strided, the same address),
    /// random lane ops, a store that may meet the loads, random page protections and budgets,
    /// must leave the interpreter's registers, memory, code writes and exit.
    #[test]
    fn nests_match_the_interpreter(
        shape in arb_shape(),
        inner_n in 1i64..30,
        outer_n in 1i64..13,
        all_rw in any::<bool>(),
        pages in arb_pages(),
        starts in prop::collection::vec(PAGE_SIZE / 8..(PAGES - 1) * PAGE_SIZE / 8, 3),
        near in any::<bool>(),
        counter in prop::sample::select(vec![0i64, 5, -3, 0x7fff_fff0, -0x8000_0000]),
        budget in prop::sample::select(vec![1u64 << 20, 1 << 20, 1 << 20, 500, 31]),
        regs in prop::collection::vec(any::<u64>(), 32),
        seed in any::<u64>(),
    ) {
        let s = in_bytes(&shape);
        let blocks = nest_blocks(&s, inner_n);
        for b in &blocks {
            prop_assume!(vm_ir::verify(b).is_ok());
        }
        let mut cpu = CpuState::default();
        cpu.x[..32].copy_from_slice(&regs);
        cpu.x[0] = 0;
        // Starts in the middle of the window, walks of both signs stay near it.
        let mid = |k: u64| WINDOW + 8 * k;
        cpu.x[15] = mid(starts[0]);
        cpu.x[10] = mid(starts[1]);
        cpu.x[13] = if near { cpu.x[15] + 8 * (seed >> 40) % 64 } else { mid(starts[2]) };
        cpu.x[14] = counter as u64;
        cpu.x[29] = counter.wrapping_add(outer_n * s.outer_step.0) as u64;
        cpu.instret = 1000;
        let pages = if all_rw { vec![Some(Prot::RW); PAGES as usize] } else { pages };
        let jit = nest_like_interpreter(&blocks, cpu, (space(&pages, seed), space(&pages, seed)), budget)?;
        // The inner loop is counted and runs vector passes; the nest is one more.
        let c = jit.counters();
        prop_assert_eq!(c.counted_loops, 1);
        prop_assert_eq!(c.vector_loops, 2);
    }
}
