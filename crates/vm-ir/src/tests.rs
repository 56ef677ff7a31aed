//! Tests of the text form and the verifier, including property tests over generated IR.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use vm_core::error::VmError;

use crate::arbitrary::{arb_block, arb_op, arb_terminator, valid_block};
use crate::*;

/// The line and reason of a parse error, or a panic naming what came back instead.
fn parse_err(text: &str) -> (usize, String) {
    match parse_block(text) {
        Err(VmError::IrParse { line, reason }) => (line, reason),
        other => panic!("expected a parse error for {text:?}, got {other:?}"),
    }
}

fn invalid_reason(block: &IRBlock) -> String {
    match verify(block) {
        Err(VmError::InvalidIr { start_pc, reason }) => {
            assert_eq!(start_pc, block.start_pc);
            reason
        }
        other => panic!("expected InvalidIr for\n{block}got {other:?}"),
    }
}

fn block(ops: Vec<IROp>, term: Terminator) -> IRBlock {
    IRBlock { start_pc: 0x8000_0000, ops, term }
}

#[test]
fn parses_the_documented_example() {
    let text = "
        ; a loop
        block 0x80000000:
            addi x10, x10, -1   ; count down
            li v0, 0x10
            branch ne, x10, x0, 0x80000000, 0x80000008
    ";
    let b = parse_block(text).unwrap();
    assert_eq!(b.start_pc, 0x8000_0000);
    assert_eq!(
        b.ops,
        vec![IROp::AddI { rd: Dst(10), rs1: Reg(10), imm: -1 }, IROp::Li { rd: Dst::temp(0), imm: 16 },]
    );
    assert_eq!(
        b.term,
        Terminator::Branch {
            cond: Cond::Ne,
            rs1: Reg(10),
            rs2: Reg(0),
            taken: 0x8000_0000,
            next: 0x8000_0008
        }
    );
    verify(&b).unwrap();
}

#[test]
fn dotted_mnemonics_and_empty_blocks() {
    let text = "block 0x10:\n fcvt.to d, lu, x5, f1, rtz\n jump.ind x1, 0\nblock 0x20:\n fence.i 0x24\n";
    let bs = parse_blocks(text).unwrap();
    assert_eq!(bs.len(), 2);
    assert!(bs[1].ops.is_empty());
    assert_eq!(bs[1].term, Terminator::FenceI { next: 0x24 });
    assert_eq!(parse_blocks(&blocks_to_string(&bs)).unwrap(), bs);
    assert_eq!(parse_blocks("  ; nothing\n\n").unwrap(), vec![]);
}

#[test]
fn parse_errors_name_line_and_expectation() {
    let (line, reason) = parse_err("block 0x0:\n    frob x1, x2\n    ret\n");
    assert_eq!(line, 2);
    assert!(reason.contains("unknown mnemonic `frob`"), "{reason}");

    let (line, reason) = parse_err("block 0x0:\n    add x1, x2\n    ret\n");
    assert_eq!(line, 2);
    assert!(reason.contains("takes 3 operands, found 2"), "{reason}");

    for bad in ["x32", "v224", "y1", "x", "x+1", "x1a"] {
        let (line, reason) = parse_err(&format!("block 0x0:\n\n  addi x1, {bad}, 0\n  ret\n"));
        assert_eq!(line, 3);
        assert!(reason.contains("operand `rs1` of `addi`"), "{reason}");
    }

    let (line, reason) = parse_err("block 0x0:\n    li x1, 1\n");
    assert_eq!(line, 2);
    assert!(reason.contains("no terminator"), "{reason}");

    let (line, reason) = parse_err("block 0x0:\n  li x1, 1\nblock 0x4:\n  ret\n");
    assert_eq!(line, 3);
    assert!(reason.contains("expected an op or a terminator"), "{reason}");

    let (line, reason) = parse_err("block 0x0:\n  ret\n  li x1, 1\n");
    assert_eq!(line, 3);
    assert!(reason.contains("after the terminator"), "{reason}");

    let (line, reason) = parse_err("block 0x0:\n  ret\nblock 0x4:\n  ret\n");
    assert_eq!(line, 3);
    assert!(reason.contains("second block"), "{reason}");

    let (line, reason) = parse_err("  li x1, 1\n");
    assert_eq!(line, 1);
    assert!(reason.contains("block header"), "{reason}");

    let (line, _) = parse_err("; only a comment\n");
    assert_eq!(line, 1);

    for header in ["block 0x0", "block 10:", "block:", "blockx 0x0:", "block 0x0: junk"] {
        let (line, reason) = parse_err(&format!("{header}\n  ret\n"));
        assert_eq!(line, 1, "{header}");
        assert!(reason.contains("block") || reason.contains("hex"), "{reason}");
    }

    let (line, reason) = parse_err("block 0x0:\n  add x1, , x2\n  ret\n");
    assert_eq!(line, 2);
    assert!(reason.contains("position 2"), "{reason}");

    let (_, reason) = parse_err("block 0x0:\n  li x1, 5,\n  ret\n");
    assert!(reason.contains("position 3"), "{reason}");

    let (_, reason) = parse_err("block 0x0:\n  ret 0x4\n");
    assert!(reason.contains("takes 0 operands"), "{reason}");

    let (_, reason) = parse_err("block 0x0:\n  li x1, -0x8000000000000001\n  ret\n");
    assert!(reason.contains("out of range"), "{reason}");
}

#[test]
fn immediates_accept_hex_and_two_complement() {
    let b = parse_block(
        "block 0x0:\n li x1, 0xffffffffffffffff\n li x2, -0x10\n li x3, -9223372036854775808\n ret",
    )
    .unwrap();
    assert_eq!(
        b.ops,
        vec![
            IROp::Li { rd: Dst(1), imm: -1 },
            IROp::Li { rd: Dst(2), imm: -16 },
            IROp::Li { rd: Dst(3), imm: i64::MIN },
        ]
    );
}

#[test]
fn verify_accepts_well_formed_blocks() {
    let ok = block(
        vec![
            IROp::Li { rd: Dst::temp(3), imm: 1 },
            IROp::Add { rd: Dst::temp(4), rs1: Reg::temp(3), rs2: Reg(0) },
            IROp::Sd { src: Reg::temp(4), base: Reg(2), off: 0 },
            IROp::Csr { op: CsrOp::Rs, rd: Reg(0), csr: CsrNum(0x300), src: Reg(0) },
            IROp::Csr { op: CsrOp::Rw, rd: Reg::temp(5), csr: CsrNum(0x341), src: Reg(1) },
            IROp::Amo { op: AmoOp::Add, w: Width::D, rd: Dst::DISCARD, addr: Reg::temp(5), src: Reg(3) },
        ],
        Terminator::Branch { cond: Cond::Eq, rs1: Reg::temp(4), rs2: Reg(0), taken: 0, next: 4 },
    );
    verify(&ok).unwrap();
    verify(&block(vec![], Terminator::Trap { cause: 2, tval: 0, pc: 0 })).unwrap();
    verify(&block(vec![], Terminator::Trap { cause: 63, tval: 0, pc: 0 })).unwrap();
}

#[test]
fn verify_rejects_bad_blocks() {
    let r = invalid_reason(&block(
        vec![IROp::Li { rd: Dst(1), imm: 0 }, IROp::Li { rd: Dst(0), imm: 1 }],
        Terminator::Ret,
    ));
    assert!(r.contains("op 1 `li x0, 1`") && r.contains("writes x0"), "{r}");

    let r = invalid_reason(&block(
        vec![IROp::AddI { rd: Dst::temp(0), rs1: Reg::temp(0), imm: 1 }],
        Terminator::Ret,
    ));
    assert!(r.contains("op 0 `addi v0, v0, 1`") && r.contains("temporary v0"), "{r}");

    let r = invalid_reason(&block(
        vec![IROp::Li { rd: Dst::temp(0), imm: 1 }],
        Terminator::JumpInd { base: Reg::temp(1), off: 0 },
    ));
    assert!(r.contains("terminator `jump.ind v1, 0`") && r.contains("temporary v1"), "{r}");

    let r =
        invalid_reason(&block(vec![IROp::Add { rd: Dst(1), rs1: Reg(64), rs2: Reg(0) }], Terminator::Ret));
    assert!(r.contains("out of range"), "{r}");

    let r = invalid_reason(&block(
        vec![IROp::FAdd { fmt: Fmt::D, fd: FReg(32), a: FReg(0), b: FReg(1), rm: Rm::Dyn }],
        Terminator::Ret,
    ));
    assert!(r.contains("f32 out of range"), "{r}");

    let r = invalid_reason(&block(
        vec![IROp::Csr { op: CsrOp::Rw, rd: Reg(1), csr: CsrNum(0x1000), src: Reg(0) }],
        Terminator::Ret,
    ));
    assert!(r.contains("12 bits"), "{r}");

    let r = invalid_reason(&block(
        vec![IROp::CsrI { op: CsrOp::Rs, rd: Reg(1), csr: CsrNum(0x300), uimm: 32 }],
        Terminator::Ret,
    ));
    assert!(r.contains("5 bits"), "{r}");

    let r = invalid_reason(&block(vec![], Terminator::Trap { cause: 64, tval: 0, pc: 0 }));
    assert!(r.contains("exception code"), "{r}");

    let too_long = vec![IROp::Li { rd: Dst(1), imm: 0 }; verify::MAX_BLOCK_OPS + 1];
    let r = invalid_reason(&block(too_long, Terminator::Ret));
    assert!(r.contains("limit"), "{r}");
}

#[test]
fn visit_slots_reports_reads_and_writes() {
    let mut seen = Vec::new();
    IROp::Csr { op: CsrOp::Rw, rd: Reg(5), csr: CsrNum(0x300), src: Reg(6) }
        .visit_slots(&mut |s, a| seen.push((s, a)));
    assert_eq!(seen, vec![(Slot::Int(5), Access::Write), (Slot::Int(6), Access::Read)]);
    seen.clear();
    IROp::FMadd { fmt: Fmt::S, fd: FReg(1), a: FReg(2), b: FReg(3), c: FReg(4), rm: Rm::Rne }
        .visit_slots(&mut |s, a| seen.push((s, a)));
    assert_eq!(seen[0], (Slot::Fp(1), Access::Write));
    assert!(seen[1..].iter().all(|&(_, a)| a == Access::Read));
}

/// Draw `n` values from `s` with a fixed seed.
fn sample<T: std::fmt::Debug>(s: impl Strategy<Value = T>, n: usize) -> Vec<T> {
    let mut runner = TestRunner::deterministic();
    (0..n).map(|_| s.new_tree(&mut runner).unwrap().current()).collect()
}

#[test]
fn strategies_cover_every_variant() {
    let ops: std::collections::HashSet<_> = sample(arb_op(), 4_000).iter().map(IROp::mnemonic).collect();
    for m in IROp::MNEMONICS {
        assert!(ops.contains(m), "op `{m}` never generated");
    }
    let terms: std::collections::HashSet<_> =
        sample(arb_terminator(), 500).iter().map(Terminator::mnemonic).collect();
    assert_eq!(terms.len(), Terminator::MNEMONICS.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_round_trips(b in arb_block(24)) {
        let text = b.to_string();
        match parse_block(&text) {
            Ok(parsed) => prop_assert_eq!(parsed, b, "text:\n{}", text),
            Err(e) => prop_assert!(false, "{} for\n{}", e, text),
        }
    }

    #[test]
    fn files_of_blocks_round_trip(bs in prop::collection::vec(arb_block(6), 0..5)) {
        let text = blocks_to_string(&bs);
        match parse_blocks(&text) {
            Ok(parsed) => prop_assert_eq!(parsed, bs),
            Err(e) => prop_assert!(false, "{} for\n{}", e, text),
        }
    }

    #[test]
    fn op_text_round_trips(op in arb_op()) {
        let text = op.to_string();
        let (m, rest) = text.split_once(' ').unwrap_or((&text, ""));
        let parts: Vec<&str> = if rest.is_empty() { vec![] } else { rest.split(", ").collect() };
        prop_assert_eq!(IROp::parse_parts(m, &parts), Ok(op));
    }

    #[test]
    fn built_blocks_verify(b in valid_block(32)) {
        prop_assert!(verify(&b).is_ok(), "{:?}\n{}", verify(&b), b);
    }

    #[test]
    fn parser_never_panics(s in "(block 0x[0-9a-f]{1,3}:|[ a-z0-9.,;:x-]{0,30}|\n){0,12}") {
        let _ = parse_blocks(&s);
    }

    #[test]
    fn parser_survives_mutated_text(
        b in arb_block(6),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..4),
    ) {
        let mut chars: Vec<char> = b.to_string().chars().collect();
        for (at, c) in edits {
            let i = at.index(chars.len());
            chars[i] = c;
        }
        let text: String = chars.into_iter().collect();
        if let Ok(parsed) = parse_blocks(&text) {
            // Whatever parses must print and parse back to itself.
            prop_assert_eq!(parse_blocks(&blocks_to_string(&parsed)).ok(), Some(parsed));
        }
    }

    #[test]
    fn verify_never_panics(b in arb_block(16)) {
        let _ = verify(&b);
    }
}
