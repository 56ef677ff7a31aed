use std::collections::HashMap;

use super::*;

/// Guest memory for the walk: little-endian words and halves at chosen addresses.
#[derive(Default)]
struct Mem(HashMap<u64, u8>);

impl Mem {
    fn put(&mut self, addr: u64, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            self.0.insert(addr + i as u64, *b);
        }
    }
    fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        for (i, b) in buf.iter_mut().enumerate() {
            match self.0.get(&(addr + i as u64)) {
                Some(v) => *b = *v,
                None => return false,
            }
        }
        true
    }
}

/// Functions: main [0x1000, 0x1100), foo [0x2000, 0x2100), bar [0x3000, 0x3100).
fn func_of(pc: u64) -> Option<u64> {
    [0x1000, 0x2000, 0x3000].into_iter().find(|&f| (f..f + 0x100).contains(&pc))
}

fn name_of(pc: u64) -> Option<&'static str> {
    func_of(pc).map(|f| match f {
        0x1000 => "main",
        0x2000 => "foo",
        _ => "bar",
    })
}

const JAL_RA: u32 = 0x0000_00ef; // jal ra, 0
const JALR_RA: u32 = 0x0000_80e7; // jalr ra, 0(ra)
const C_JALR: u16 = 0x9282; // c.jalr t0

/// A call (4-byte `jal ra`) ending just before `ret`.
fn call_before(m: &mut Mem, ret: u64) {
    m.put(ret - 4, &JAL_RA.to_le_bytes());
}

fn stack(m: &Mem, regs: Regs) -> Vec<u64> {
    let is_stack = |a: u64| (0x7000..0x8000).contains(&a);
    walk(regs, |a, b| m.read(a, b), is_stack, func_of)
}

#[test]
fn leaf_with_caller_in_ra() {
    let mut m = Mem::default();
    call_before(&mut m, 0x2010);
    // bar runs, ra returns into foo; s0 is garbage (no frame pointers).
    let regs = Regs { pc: 0x3008, ra: 0x2010, sp: 0x7f00, fp: 0x1234 };
    assert_eq!(stack(&m, regs), vec![0x3008, 0x200f]);
    assert_eq!(fold(&stack(&m, regs), name_of), "foo;bar");
}

#[test]
fn ra_in_the_same_function_or_not_after_a_call_is_ignored() {
    let mut m = Mem::default();
    call_before(&mut m, 0x3010);
    // A stale ra from bar's own last call.
    assert_eq!(stack(&m, Regs { pc: 0x3040, ra: 0x3010, sp: 0x7f00, fp: 0 }), vec![0x3040]);
    // An ra that does not follow a call (a value, not a return address).
    m.put(0x200c, &0x0000_0013u32.to_le_bytes()); // nop
    assert_eq!(stack(&m, Regs { pc: 0x3040, ra: 0x2010, sp: 0x7f00, fp: 0 }), vec![0x3040]);
    // Nor one outside every function.
    call_before(&mut m, 0x5010);
    assert_eq!(stack(&m, Regs { pc: 0x3040, ra: 0x5010, sp: 0x7f00, fp: 0 }), vec![0x3040]);
}

#[test]
fn compressed_and_indirect_calls_count() {
    let mut m = Mem::default();
    m.put(0x200e, &C_JALR.to_le_bytes());
    assert_eq!(stack(&m, Regs { pc: 0x3000, ra: 0x2010, sp: 0x7f00, fp: 0 }), vec![0x3000, 0x200f]);
    m.put(0x2020, &JALR_RA.to_le_bytes());
    assert_eq!(stack(&m, Regs { pc: 0x3000, ra: 0x2024, sp: 0x7f00, fp: 0 }), vec![0x3000, 0x2023]);
}

#[test]
fn frame_pointer_chain() {
    let mut m = Mem::default();
    call_before(&mut m, 0x2010); // foo calls bar
    call_before(&mut m, 0x1020); // main calls foo
                                 // bar's frame: fp 0x7e00 holds ra = into foo, caller fp 0x7f00; foo's frame holds ra =
                                 // into main and fp 0 (the end of the chain).
    m.put(0x7e00 - 8, &0x2010u64.to_le_bytes());
    m.put(0x7e00 - 16, &0x7f00u64.to_le_bytes());
    m.put(0x7f00 - 8, &0x1020u64.to_le_bytes());
    m.put(0x7f00 - 16, &0u64.to_le_bytes());
    // bar has made no call yet: ra is also its saved ra, recorded once.
    let regs = Regs { pc: 0x3008, ra: 0x2010, sp: 0x7d00, fp: 0x7e00 };
    assert_eq!(stack(&m, regs), vec![0x3008, 0x200f, 0x101f]);
    assert_eq!(fold(&stack(&m, regs), name_of), "main;foo;bar");
    // A stale ra (bar called something that returned): the chain alone names the callers.
    call_before(&mut m, 0x3010);
    let regs = Regs { ra: 0x3010, ..regs };
    assert_eq!(fold(&stack(&m, regs), name_of), "main;foo;bar");
}

#[test]
fn invalid_frame_pointers_stop_the_walk() {
    let mut m = Mem::default();
    call_before(&mut m, 0x2010);
    call_before(&mut m, 0x1020);
    m.put(0x7e00 - 8, &0x2010u64.to_le_bytes());
    // The caller's fp goes down: a loop, not a chain.
    m.put(0x7e00 - 16, &0x7d80u64.to_le_bytes());
    m.put(0x7d80 - 8, &0x1020u64.to_le_bytes());
    m.put(0x7d80 - 16, &0x7e00u64.to_le_bytes());
    let regs = Regs { pc: 0x3008, ra: 0, sp: 0x7d00, fp: 0x7e00 };
    assert_eq!(stack(&m, regs), vec![0x3008, 0x200f]);
    // fp below sp, misaligned, or outside the stack: no frames.
    for fp in [0x7c00, 0x7e04, 0x9000] {
        assert_eq!(stack(&m, Regs { fp, ..regs }), vec![0x3008]);
    }
    // A saved ra that is not after a call.
    m.put(0x7e00 - 8, &0x2040u64.to_le_bytes());
    assert_eq!(stack(&m, regs), vec![0x3008]);
}

#[test]
fn fold_names_unknown_frames_and_cleans_names() {
    let names = |pc: u64| match pc {
        1 => Some("a;b"),
        2 => Some("operator new"),
        _ => None,
    };
    assert_eq!(fold(&[1, 2, 3], names), "[unknown];operator_new;a:b");
}

#[test]
fn samples_weigh_the_intervals_crossed() {
    let mem = AddressSpace::new().unwrap();
    let mut p = Profiler::new(100);
    let mut cpu = CpuState { pc: 0x1000, ..CpuState::default() };
    cpu.instret = 99;
    assert_eq!(p.sample(&cpu, &mem), 100);
    assert_eq!(p.samples(), 0);
    cpu.instret = 100;
    assert_eq!(p.sample(&cpu, &mem), 200);
    // Late by more than two intervals: three samples, next one on the grid again.
    cpu.instret = 420;
    assert_eq!(p.sample(&cpu, &mem), 500);
    assert_eq!(p.samples(), 4);
    assert_eq!(p.folded(), vec!["[unknown] 4".to_string()]);
    let mut svg = Vec::new();
    p.write_svg("test", &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.starts_with("<?xml"), "{}", &svg[..100]);
    assert!(svg.contains("[unknown]") && svg.contains("4 samples"));
}

#[test]
fn an_empty_profile_still_makes_an_svg() {
    let mut svg = Vec::new();
    Profiler::new(10).write_svg("empty", &mut svg).unwrap();
    assert!(String::from_utf8(svg).unwrap().contains("[no samples]"));
}

#[test]
fn call_targets_of_a_linear_sweep() {
    let mut code = Vec::new();
    code.extend(0x0001u16.to_le_bytes()); // c.nop at 0x1000
    code.extend(0x1000_00efu32.to_le_bytes()); // 0x1002: jal ra, +0x100
    code.extend(0x0000_1097u32.to_le_bytes()); // 0x1006: auipc ra, 0x1
    code.extend(0xffc0_80e7u32.to_le_bytes()); // 0x100a: jalr ra, -4(ra)
    code.extend(0x0000_0317u32.to_le_bytes()); // 0x100e: auipc t1, 0
    code.extend(0x0203_0067u32.to_le_bytes()); // 0x1012: jalr zero, 32(t1) (tail)
    code.extend(0x0000_006fu32.to_le_bytes()); // 0x1016: j . (not a call)
    let mut out = Vec::new();
    call_targets(&code, 0x1000, &mut out);
    assert_eq!(out, vec![0x1102, 0x2002, 0x102e]);
}
