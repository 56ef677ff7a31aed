//! Assembling a [`Case`]'s items into machine code: each [`Item`] encoded at its address in two
//! passes (sizes, then branch and jump targets resolved), the exit stub after them, and the
//! trap handler the machine runs at [`HANDLER`].

use vm_frontend::riscv64::{decode, disasm};

use super::*;

impl Item {
    /// Rust source for this item (words in hex, with a disassembly comment for single ones).
    pub fn to_rust(&self) -> String {
        match *self {
            Item::Insn32(raw) => {
                format!("Item::Insn32({raw:#010x}) /* {} */", disasm(&decode(raw), CODE_BASE))
            }
            Item::Insn16(raw) => {
                format!("Item::Insn16({raw:#06x}) /* {} */", disasm(&decode(raw as u32), CODE_BASE))
            }
            Item::Branch { base, target } => {
                format!("Item::Branch {{ base: {base:#010x}, target: {target} }}")
            }
            Item::CBranch { base, target } => {
                format!("Item::CBranch {{ base: {base:#06x}, target: {target} }}")
            }
            Item::SetPointer { reg, value, sp_adjust } => {
                format!("Item::SetPointer {{ reg: {reg}, value: {value:#x}, sp_adjust: {sp_adjust} }}")
            }
            Item::Indirect { tmp, rd, form, target } => {
                format!("Item::Indirect {{ tmp: {tmp}, rd: {rd}, form: IndirectForm::{form:?}, target: {target} }}")
            }
            ref other => format!("Item::{other:?}"),
        }
    }

    /// The target of a control-flow item.
    pub(super) fn target_mut(&mut self) -> Option<&mut usize> {
        match self {
            Item::Branch { target, .. }
            | Item::CBranch { target, .. }
            | Item::Jal { target, .. }
            | Item::CJump { target }
            | Item::Loop { target }
            | Item::Indirect { target, .. }
            | Item::Patch { target, .. } => Some(target),
            _ => None,
        }
    }

    /// Append the item's instructions (`(raw, len)`) at `pc`; `at(i)` is item `i`'s address,
    /// `short(i)` whether item `i` starts with a 16-bit instruction.
    fn encode(
        &self,
        pc: u64,
        at: &dyn Fn(usize) -> u64,
        short: &dyn Fn(usize) -> bool,
        out: &mut Vec<(u32, u8)>,
    ) {
        use encode::*;
        let rel = |t: usize, from: u64| at(t).wrapping_sub(from) as i64;
        match *self {
            Item::Insn32(raw) => out.push((raw, 4)),
            Item::Insn16(raw) => out.push((raw as u32, 2)),
            Item::Branch { base, target } => {
                out.push((base | imm_b(rel(target, pc)).unwrap_or_else(|| imm_b(4).unwrap_or(0)), 4))
            }
            Item::CBranch { base, target } => {
                out.push((base as u32 | imm_cb(rel(target, pc)).unwrap_or_else(|| imm_cb(2).unwrap_or(0)), 2))
            }
            Item::Jal { rd, target } => {
                let off = imm_j(rel(target, pc)).unwrap_or_else(|| imm_j(4).unwrap_or(0));
                out.push((0x6f | (rd as u32) << 7 | off, 4))
            }
            Item::CJump { target } => {
                out.push((0xa001 | imm_cj(rel(target, pc)).unwrap_or_else(|| imm_cj(2).unwrap_or(0)), 2))
            }
            Item::Loop { target } => {
                out.push((addi(COUNTER, COUNTER, -1), 4));
                let off = imm_b(rel(target, pc + 4)).unwrap_or_else(|| imm_b(4).unwrap_or(0));
                out.push((0x63 | 5 << 12 | (COUNTER as u32) << 15 | off, 4));
            }
            Item::Indirect { tmp, rd, form, target } => {
                let off = rel(target, pc);
                let fits = (-2048..2048).contains(&off);
                out.push((auipc0(tmp), 4));
                match form {
                    IndirectForm::Jalr => out.push((jalr(rd, tmp, if fits { off } else { 8 }), 4)),
                    IndirectForm::CJr | IndirectForm::CJalr => {
                        out.push((addi(tmp, tmp, if fits { off } else { 10 }), 4));
                        out.push((c_jr(tmp, form == IndirectForm::CJalr) as u32, 2));
                    }
                }
            }
            Item::SetPointer { reg, value, sp_adjust } => {
                let mut words = Vec::new();
                let adj = if reg == 2 { c_addi16sp(sp_adjust as i64) } else { None };
                let adj_v = if adj.is_some() { sp_adjust as i64 } else { 0 };
                li(reg, (value as i64).wrapping_sub(adj_v), &mut words);
                out.extend(words.into_iter().map(|w| (w, 4)));
                if let Some(a) = adj {
                    out.push((a as u32, 2));
                }
            }
            Item::SetCounter(n) => out.push((addi(COUNTER, 0, n as i64), 4)),
            Item::Patch { target, word, addr_reg: a, val_reg: v } => {
                // A fixed-length address load (the size must not depend on the layout):
                // (RAM_BASE + off) = (0x4000_0000 + off / 2) << 1 for code offsets < 4 KiB.
                let off = at(target).wrapping_sub(RAM_BASE);
                let half = if off < 0x1000 { off as i64 / 2 } else { 0 };
                out.push((lui(a, 0x40000), 4));
                out.push((addiw(a, a, half), 4));
                out.push((slli(a, a, 1), 4));
                // A 16-bit target gets a 16-bit instruction (`c.li a0, word & 31`, stored with
                // `sh`): a 32-bit store would also overwrite half of the next instruction and
                // leave a random parcel (found by this fuzzer: a stray `jalr` into data).
                let (word, width) = if short(target) { (0x4501 | (word & 0x1f) << 2, 1) } else { (word, 2) };
                let mut words = Vec::new();
                li(v, word as i32 as i64, &mut words);
                out.extend(words.into_iter().map(|w| (w, 4)));
                out.push((0x23 | width << 12 | (a as u32) << 15 | (v as u32) << 20, 4)); // sw/sh v, 0(a)
                out.push((0x100f, 4)); // fence.i
            }
        }
    }
}

/// Lay the items out from [`CODE_BASE`] and resolve targets; the exit stub follows.
pub(super) fn assemble(items: &[Item]) -> Program {
    // Whether item `i` starts with a 16-bit instruction (what a Patch of it writes).
    let short =
        |i: usize| matches!(items.get(i), Some(Item::Insn16(_) | Item::CBranch { .. } | Item::CJump { .. }));
    // Pass 1: sizes (no item's size depends on its offsets).
    let mut starts = Vec::with_capacity(items.len() + 1);
    let mut pc = CODE_BASE;
    let mut scratch = Vec::new();
    for item in items {
        starts.push(pc);
        scratch.clear();
        item.encode(pc, &|_| pc, &short, &mut scratch);
        pc += scratch.iter().map(|&(_, l)| l as u64).sum::<u64>();
    }
    starts.push(pc);
    let end = pc;
    let at = |i: usize| starts.get(i).copied().unwrap_or(end);
    // Pass 2: encode.
    let mut code = Vec::new();
    let mut lines = Vec::new();
    let mut words = Vec::new();
    let stub = [(encode::csr_op(5, 0, 0, 0x305), 4u8), (0x73, 4)]; // csrwi mtvec, 0; ecall
    for (i, item) in items.iter().map(Some).chain([None]).enumerate() {
        words.clear();
        match item {
            Some(it) => it.encode(starts[i], &at, &short, &mut words),
            None => words.extend_from_slice(&stub),
        }
        for &(raw, len) in &words {
            let pc = CODE_BASE + code.len() as u64;
            code.extend_from_slice(&raw.to_le_bytes()[..len as usize]);
            lines.push(Line { pc, raw, len, item: item.map(|_| i) });
        }
    }
    Program { code, lines }
}

/// The trap handler at [`HANDLER`]: `x31 = x31 * 33 + mcause ^ mtval`, then resume after the
/// faulting instruction (its length from the low bits of its first parcel).
pub fn handler() -> Vec<u32> {
    use encode::*;
    const MEPC: u16 = 0x341;
    const MCAUSE: u16 = 0x342;
    const MTVAL: u16 = 0x343;
    vec![
        slli(29, 31, 5),          // x29 = x31 << 5
        op_r(0, 0, 31, 31, 29),   // x31 += x29
        csr_op(2, 29, 0, MCAUSE), // x29 = mcause
        op_r(0, 0, 31, 31, 29),   // x31 += x29
        csr_op(2, 29, 0, MTVAL),  // x29 = mtval
        op_r(4, 0, 31, 31, 29),   // x31 ^= x29
        csr_op(2, 30, 0, MEPC),   // x30 = mepc
        lhu(29, 30, 0),           // first parcel
        op_i(7, 29, 29, 3),       // & 3
        addi(29, 29, -3),         // 0 iff 32-bit
        op_i(3, 29, 29, 1),       // sltiu: 1 iff 32-bit
        slli(29, 29, 1),          // 2 iff 32-bit
        op_r(0, 0, 30, 30, 29),   // mepc += 0 or 2
        addi(30, 30, 2),          // mepc += 2
        csr_op(1, 0, 30, MEPC),   // csrw mepc, x30
        0x3020_0073,              // mret
    ]
}
