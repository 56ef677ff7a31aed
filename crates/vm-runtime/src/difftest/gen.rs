//! Deriving a [`Case`] from bytes: a byte reader with a seeded fallback, value pickers biased
//! towards the corner cases (special integers and floats, reserved rounding modes, misaligned
//! and out-of-RAM addresses), and the item mix.

use std::sync::OnceLock;

use vm_frontend::riscv64::{decode, Op};

use super::encode::{self, Group, Kind, Template, F3, RD, RS1, RS2, RS3, TEMPLATES};
use super::SCRATCH_SIZE;
use super::{reserved, Case, IndirectForm, Item, COUNTER, MAX_ITEMS, POINTERS, RAM_BASE, RAM_END, SCRATCH};

/// SplitMix64: the fallback generator and the memory filler.
pub(super) fn splitmix(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Bytes in order, then a generator seeded from their hash.
struct Src<'a> {
    data: &'a [u8],
    pos: usize,
    rng: u64,
}

impl<'a> Src<'a> {
    fn new(data: &'a [u8]) -> Self {
        let hash =
            data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
        Src { data, pos: 0, rng: hash ^ data.len() as u64 }
    }

    fn u8(&mut self) -> u8 {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => splitmix(&mut self.rng) as u8,
        }
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    fn u64(&mut self) -> u64 {
        self.u32() as u64 | (self.u32() as u64) << 32
    }

    /// Uniform-ish in `0..n` (`n >= 1`): one byte for small `n`, two for larger.
    fn below(&mut self, n: u32) -> u32 {
        let n = n.max(1);
        if n <= 256 {
            self.u8() as u32 % n
        } else {
            u16::from_le_bytes([self.u8(), self.u8()]) as u32 % n
        }
    }

    /// True with probability `per_mille / 1000` (approximately).
    fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u32) as usize]
    }
}

/// Registers the biased register fields favour, so instructions feed each other.
const HOT: [u32; 6] = [10, 11, 12, 13, 14, 15];

/// Integer values that make arithmetic interesting.
const SPECIAL_INTS: [u64; 16] = [
    0,
    1,
    2,
    u64::MAX,
    u64::MAX - 1,
    i64::MIN as u64,
    i64::MAX as u64,
    i32::MIN as i64 as u64,
    i32::MAX as u64,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    63,
    64,
    0x7ff,
    -0x800i64 as u64,
];

/// Single-precision bit patterns: ±0, ±1, ±inf, quiet and signalling NaNs, subnormals, max.
const SPECIAL_SINGLES: [u32; 14] = [
    0x0000_0000,
    0x8000_0000,
    0x3f80_0000,
    0xbf80_0000,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0000,
    0xffc0_0001,
    0x7f80_0001,
    0x0000_0001,
    0x807f_ffff,
    0x7f7f_ffff,
    0x4f00_0000, // 2^31
    0x5f00_0000, // 2^63
];

/// Double-precision bit patterns, as above.
const SPECIAL_DOUBLES: [u64; 14] = [
    0,
    0x8000_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0000,
    0xfff8_0000_0000_0001,
    0x7ff0_0000_0000_0001,
    0x0000_0000_0000_0001,
    0x800f_ffff_ffff_ffff,
    0x7fef_ffff_ffff_ffff,
    0x41e0_0000_0000_0000, // 2^31
    0x43e0_0000_0000_0000, // 2^63
];

fn int_value(s: &mut Src) -> u64 {
    match s.below(20) {
        0..=6 => s.pick(&SPECIAL_INTS),
        7..=9 => (s.below(33) as i64 - 16) as u64,
        _ => s.u64(),
    }
}

fn fp_value(s: &mut Src) -> u64 {
    let boxed = |v: u32| 0xffff_ffff_0000_0000 | v as u64;
    match s.below(10) {
        0..=2 => boxed(s.pick(&SPECIAL_SINGLES)),
        3..=5 => s.pick(&SPECIAL_DOUBLES),
        6 => boxed(s.u32()),
        // A single that is not properly NaN-boxed reads as the canonical NaN.
        7 => s.pick(&SPECIAL_SINGLES) as u64 | (s.u32() as u64) << 32,
        _ => s.u64(),
    }
}

/// A scratch address: mostly 8-byte aligned.
fn scratch_addr(s: &mut Src) -> u64 {
    if s.chance(800) {
        SCRATCH + 8 * s.below(SCRATCH_SIZE as u32 / 8) as u64
    } else {
        SCRATCH + s.below(SCRATCH_SIZE as u32) as u64
    }
}

/// A pointer re-set value: mostly scratch, sometimes outside RAM or straddling its end.
fn pointer_value(s: &mut Src) -> u64 {
    if s.chance(850) {
        return scratch_addr(s);
    }
    s.pick(&[0, 0x1000, u64::MAX - 7, RAM_END + 0x1000, RAM_END - 4, RAM_END - 5, RAM_BASE - 0x1000])
}

/// A load/store offset: mostly small (any alignment), sometimes the whole 12-bit range.
fn mem_offset(s: &mut Src) -> i64 {
    match s.below(20) {
        0..=11 => s.below(64) as i64 - 32,
        12..=16 => 8 * (s.below(64) as i64 - 32),
        _ => s.below(4096) as i64 - 2048,
    }
}

/// A rounding-mode field: mostly dynamic, sometimes static, rarely reserved (illegal).
fn rounding_mode(s: &mut Src) -> u32 {
    match s.below(100) {
        0..=59 => 7,
        60..=91 => s.below(5),
        _ => 5 + s.below(2),
    }
}

/// A CSR number: the user FP CSRs and counters, a few harmless machine CSRs, and some that
/// do not exist (illegal-instruction traps).
fn csr_number(s: &mut Src) -> u32 {
    match s.below(100) {
        0..=59 => s.pick(&[0x001, 0x002, 0x003]),
        60..=79 => s.pick(&[0xc00, 0xc01, 0xc02]),
        80..=91 => s.pick(&[0xb00, 0xb02, 0x340, 0x300, 0xf14, 0x301]),
        _ => s.pick(&[0x7c0, 0xc03, 0x800, 0x5c0, 0x180]),
    }
}

/// Template indices per group, and the mix of groups (weights out of 100).
fn groups() -> &'static [(u32, Vec<usize>)] {
    static G: OnceLock<Vec<(u32, Vec<usize>)>> = OnceLock::new();
    G.get_or_init(|| {
        let of =
            |g: Group| TEMPLATES.iter().enumerate().filter(|(_, t)| t.group == g).map(|(i, _)| i).collect();
        vec![
            (22, of(Group::Int)),
            (8, of(Group::Mul)),
            (10, of(Group::Mem)),
            (8, of(Group::Atomic)),
            (6, of(Group::FpMem)),
            (13, of(Group::Single)),
            (13, of(Group::Double)),
            (6, of(Group::Csr)),
            (12, of(Group::Compressed)),
            (2, of(Group::System)),
        ]
    })
}

fn random_template(s: &mut Src) -> &'static Template {
    let gs = groups();
    let total: u32 = gs.iter().map(|g| g.0).sum();
    let mut roll = s.below(total);
    for (w, idx) in gs {
        if roll < *w && !idx.is_empty() {
            return &TEMPLATES[idx[s.below(idx.len() as u32) as usize]];
        }
        roll = roll.saturating_sub(*w);
    }
    &TEMPLATES[0]
}

/// Fill `tpl`'s free bits until the decoder accepts the word as `tpl.op` without breaking
/// the register conventions; `None` if a few tries all fail.
fn fill(s: &mut Src, tpl: &Template) -> Option<Item> {
    for _ in 0..8 {
        let mut raw = tpl.base | (s.u32() & tpl.free);
        if matches!(tpl.kind, Kind::Plain | Kind::Rm | Kind::Load | Kind::Amo | Kind::Csr) {
            for (field, shift) in [(RD, 7), (RS1, 15), (RS2, 20), (RS3, 27)] {
                if tpl.free & field == field && s.chance(500) {
                    raw = (raw & !field) | s.pick(&HOT) << shift;
                }
            }
        }
        let ptr = s.pick(&POINTERS) as u32;
        match tpl.kind {
            Kind::Rm => raw = (raw & !F3) | rounding_mode(s) << 12,
            Kind::Load => raw |= ptr << 15 | encode::imm_i(mem_offset(s)),
            Kind::Store => raw |= ptr << 15 | encode::imm_s(mem_offset(s)),
            Kind::Amo => raw |= ptr << 15,
            Kind::Csr => raw |= csr_number(s) << 20,
            Kind::C | Kind::CMem => raw &= 0xffff,
            Kind::Plain | Kind::Fixed => {}
        }
        let insn = decode(raw);
        if insn.op != tpl.op && !(tpl.kind == Kind::Rm && insn.op == Op::Illegal) {
            continue;
        }
        if encode::writes_x(insn.op) && reserved(insn.rd) {
            continue;
        }
        if encode::is_mem(insn.op) && !POINTERS.contains(&insn.rs1) {
            continue;
        }
        return Some(if insn.len == 2 { Item::Insn16(raw as u16) } else { Item::Insn32(raw) });
    }
    None
}

/// An instruction that traps as illegal.
fn illegal(s: &mut Src) -> Item {
    let item = match s.below(8) {
        0 => Item::Insn16(0),
        1 => Item::Insn32(0xffff_ffff),
        2 => Item::Insn32(0x1020_0073), // sret (needs S-mode)
        3 => Item::Insn32(0x1200_0073 | s.below(32) << 15 | s.below(32) << 20), // sfence.vma
        4 => Item::Insn16(0x6001 | (s.pick(&[1u32, 3, 10, 31]) << 7) as u16), // c.lui rd, 0
        5 => Item::Insn16(0x4002 | (s.below(0x1000) as u16 & 0x107c)), // c.lwsp x0
        _ => {
            // Random words, kept when the decoder rejects them.
            for _ in 0..16 {
                let raw = s.u32() | 3;
                if decode(raw).op == Op::Illegal {
                    return Item::Insn32(raw);
                }
            }
            Item::Insn32(0)
        }
    };
    let raw = match item {
        Item::Insn16(r) => r as u32,
        Item::Insn32(r) => r,
        _ => 0,
    };
    if matches!(decode(raw).op, Op::Illegal | Op::Sret | Op::SfenceVma) {
        item
    } else {
        Item::Insn16(0)
    }
}

/// A writable integer register other than x0.
fn free_reg(s: &mut Src) -> u8 {
    loop {
        let r = 1 + s.below(31) as u8;
        if !reserved(r) {
            return r;
        }
    }
}

/// A B-type branch's fixed bits: random condition and registers (mostly hot ones).
fn branch_base(s: &mut Src) -> u32 {
    let f3 = s.pick(&[0u32, 1, 4, 5, 6, 7]);
    let reg = |s: &mut Src| if s.chance(600) { s.pick(&HOT) } else { s.below(32) };
    let (a, b) = (reg(s), reg(s));
    0x63 | f3 << 12 | a << 15 | b << 20
}

/// Target for a forward jump from item `i` of `n`: up to 8 items ahead, or the exit stub.
fn forward(s: &mut Src, i: usize, n: usize) -> usize {
    i + 1 + s.below((n - i).min(8) as u32) as usize
}

/// Target for a backward jump from item `i`: itself or up to 8 items back.
fn backward(s: &mut Src, i: usize) -> usize {
    i - s.below(i.min(8) as u32 + 1) as usize
}

/// The shape of a sequence.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Random instructions with branches, jumps and loops mixed in.
    Mixed,
    /// No control flow: long blocks (only traps end them early).
    Straight,
    /// A mixed body wrapped in a counted loop (`li x9, k` … `Loop` back to the body).
    Looped,
}

/// A random valid 32-bit instruction (for [`Item::Patch`]).
fn random_word(s: &mut Src) -> u32 {
    for _ in 0..8 {
        let tpl = random_template(s);
        if let Some(Item::Insn32(w)) = fill(s, tpl) {
            return w;
        }
    }
    encode::addi(0, 0, 0)
}

/// One item at index `i` of a sequence of `n`.
fn item(s: &mut Src, i: usize, n: usize, style: Style) -> Item {
    let mut roll = s.below(1000);
    if style == Style::Straight && (700..=909).contains(&roll) {
        roll = 0;
    }
    match roll {
        0..=699 => {
            let tpl = random_template(s);
            fill(s, tpl).unwrap_or(Item::Insn32(encode::addi(0, 0, 0)))
        }
        700..=759 => Item::Branch { base: branch_base(s), target: forward(s, i, n) },
        760..=779 => Item::Branch { base: branch_base(s), target: backward(s, i) },
        780..=809 => Item::Loop { target: backward(s, i) },
        810..=829 => Item::Jal { rd: if s.chance(300) { 0 } else { free_reg(s) }, target: forward(s, i, n) },
        830..=834 => Item::Jal { rd: free_reg(s), target: backward(s, i) },
        835..=864 => {
            let base = s.pick(&[0xc001u16, 0xe001]) | (s.below(8) as u16) << 7;
            let target = if s.chance(800) { forward(s, i, n) } else { backward(s, i) };
            Item::CBranch { base, target }
        }
        865..=884 => Item::CJump { target: forward(s, i, n) },
        885..=909 => {
            let form = s.pick(&[IndirectForm::Jalr, IndirectForm::CJr, IndirectForm::CJalr]);
            let target = if s.chance(900) { forward(s, i, n) } else { backward(s, i) };
            Item::Indirect { tmp: free_reg(s), rd: if s.chance(300) { 0 } else { free_reg(s) }, form, target }
        }
        910..=954 => {
            let reg = s.pick(&POINTERS);
            let value = pointer_value(s);
            let sp_adjust =
                if reg == 2 && s.chance(500) { 16 * s.pick(&[-3i16, -2, -1, 1, 2, 3]) } else { 0 };
            Item::SetPointer { reg, value, sp_adjust }
        }
        955..=964 => Item::SetCounter(s.below(5) as i8),
        965..=979 if n > 1 => {
            // Any other item: later ones run the new word, earlier ones only if a loop returns.
            let target = (i + 1 + s.below(n as u32 - 1) as usize) % n;
            let addr_reg = free_reg(s);
            let val_reg = loop {
                let r = free_reg(s);
                if r != addr_reg {
                    break r;
                }
            };
            Item::Patch { target, word: random_word(s), addr_reg, val_reg }
        }
        _ => illegal(s),
    }
}

/// The case `data` describes.
pub(super) fn generate(data: &[u8]) -> Case {
    let mut s = Src::new(data);
    let n = 1 + s.below(MAX_ITEMS as u32) as usize;
    let mut x = [0u64; 32];
    for (r, v) in x.iter_mut().enumerate().skip(1) {
        *v = if POINTERS.contains(&(r as u8)) {
            scratch_addr(&mut s)
        } else if r == COUNTER as usize {
            s.below(4) as u64
        } else {
            int_value(&mut s)
        };
    }
    let mut f = [0u64; 32];
    for v in &mut f {
        *v = fp_value(&mut s);
    }
    let frm = if s.chance(850) { s.below(5) as u8 } else { 5 + s.below(3) as u8 };
    let fflags = s.below(32) as u8;
    let fs = 1 + s.below(3) as u8;
    let reservation = match s.below(10) {
        0 | 1 => Some(x[s.pick(&POINTERS) as usize]),
        2 => Some(scratch_addr(&mut s)),
        _ => None,
    };
    let mem_seed = s.u64();
    let style = match s.below(8) {
        0..=3 => Style::Mixed,
        4 | 5 => Style::Straight,
        _ => Style::Looped,
    };
    let mut items: Vec<Item> = (0..n).map(|i| item(&mut s, i, n, style)).collect();
    if style == Style::Looped && n >= 3 {
        items[0] = Item::SetCounter(2 + s.below(6) as i8);
        items[n - 1] = Item::Loop { target: 1 };
    }
    Case { x, f, frm, fflags, fs, reservation, mem_seed, items }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every template yields valid fills under the register conventions.
    #[test]
    fn every_template_can_be_filled() {
        let data: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let mut s = Src::new(&data);
        for tpl in TEMPLATES {
            let ok = (0..50).any(|_| {
                matches!(fill(&mut s, tpl), Some(Item::Insn32(r)) if decode(r).op == tpl.op)
                    || matches!(fill(&mut s, tpl), Some(Item::Insn16(r)) if decode(r as u32).op == tpl.op)
            });
            assert!(ok, "{tpl:?} never fills");
        }
    }

    #[test]
    fn illegal_items_are_illegal() {
        let mut s = Src::new(&[]);
        for _ in 0..500 {
            let raw = match illegal(&mut s) {
                Item::Insn16(r) => r as u32,
                Item::Insn32(r) => r,
                other => panic!("{other:?}"),
            };
            assert!(matches!(decode(raw).op, Op::Illegal | Op::Sret | Op::SfenceVma), "{raw:#x}");
        }
    }
}
