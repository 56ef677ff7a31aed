//! A small RV64GC encoder for the differential tester: instruction formats, the offset
//! encoders control flow needs, and [`TEMPLATES`], one entry per instruction form the
//! generator draws from (fixed opcode bits plus which bits are free to randomise).
//!
//! The encoder is deliberately independent of the decoder in `vm-frontend`: the generator
//! checks every word it builds with that decoder, so a mistake on either side shows up as a
//! rejected template (see the `every_template_decodes_to_its_op` test) rather than as silently
//! missing coverage.

use vm_frontend::riscv64::Op;

/// `rd` field (bits 11:7).
pub const RD: u32 = 0x1f << 7;
/// `rs1` field (bits 19:15).
pub const RS1: u32 = 0x1f << 15;
/// `rs2` field (bits 24:20).
pub const RS2: u32 = 0x1f << 20;
/// `rs3` field of the fused multiply-adds (bits 31:27).
pub const RS3: u32 = 0x1f << 27;
/// `funct3` / rounding-mode field (bits 14:12).
pub const F3: u32 = 7 << 12;
/// I-type immediate (bits 31:20).
pub const IMM_I: u32 = 0xfff << 20;
/// U-type immediate (bits 31:12).
pub const IMM_U: u32 = 0xfffff << 12;

/// How the generator fills a template's free bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Random free bits (register fields biased towards a few hot registers).
    Plain,
    /// As `Plain`, and the `funct3` field is a rounding mode (mostly `dyn`, sometimes reserved).
    Rm,
    /// Integer or FP load: `rs1` is a scratch pointer, I-type offset biased small.
    Load,
    /// Integer or FP store: `rs1` is a scratch pointer, S-type offset biased small.
    Store,
    /// LR/SC/AMO: `rs1` is a scratch pointer.
    Amo,
    /// Zicsr: the CSR field comes from a list of user (and a few machine) CSRs.
    Csr,
    /// No free bits.
    Fixed,
    /// A 16-bit compressed form with random free bits.
    C,
    /// A compressed load/store through `x8` (`rs1'` = 0), random offset.
    CMem,
}

/// Extension group of a template, for weighting the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// RV64I ALU, immediates, `lui`/`auipc`.
    Int,
    /// M.
    Mul,
    /// Integer loads and stores.
    Mem,
    /// A.
    Atomic,
    /// F/D loads and stores.
    FpMem,
    /// F.
    Single,
    /// D.
    Double,
    /// Zicsr.
    Csr,
    /// C.
    Compressed,
    /// fence, fence.i, ecall, ebreak, wfi.
    System,
}

/// One instruction form: `base` holds the fixed bits, `free` the bits the generator picks.
#[derive(Clone, Copy, Debug)]
pub struct Template {
    /// What the decoder must return for a valid fill.
    pub op: Op,
    /// Fixed bits.
    pub base: u32,
    /// Bits to randomise.
    pub free: u32,
    /// How to fill them.
    pub kind: Kind,
    /// Extension group.
    pub group: Group,
}

const fn t(op: Op, base: u32, free: u32, kind: Kind, group: Group) -> Template {
    Template { op, base, free, kind, group }
}

/// R-type: `funct7 rs2 rs1 funct3 rd opcode`.
const fn r(op: Op, opc: u32, f3: u32, f7: u32, g: Group) -> Template {
    t(op, opc | f3 << 12 | f7 << 25, RD | RS1 | RS2, Kind::Plain, g)
}
/// I-type ALU op.
const fn i(op: Op, opc: u32, f3: u32) -> Template {
    t(op, opc | f3 << 12, RD | RS1 | IMM_I, Kind::Plain, Group::Int)
}
/// 64-bit shift by immediate: `hi6` in bits 31:26, shamt in 25:20.
const fn sh64(op: Op, f3: u32, hi6: u32) -> Template {
    t(op, 0x13 | f3 << 12 | hi6 << 26, RD | RS1 | 0x3f << 20, Kind::Plain, Group::Int)
}
/// 32-bit shift by immediate (`*w`): shamt in 24:20.
const fn sh32(op: Op, f3: u32, f7: u32) -> Template {
    t(op, 0x1b | f3 << 12 | f7 << 25, RD | RS1 | 0x1f << 20, Kind::Plain, Group::Int)
}
/// Load (`opc` 0x03 integer, 0x07 FP).
const fn load(op: Op, opc: u32, f3: u32, g: Group) -> Template {
    t(op, opc | f3 << 12, RD, Kind::Load, g)
}
/// Store (`opc` 0x23 integer, 0x27 FP).
const fn store(op: Op, opc: u32, f3: u32, g: Group) -> Template {
    t(op, opc | f3 << 12, RS2, Kind::Store, g)
}
/// Atomic: `f5` in 31:27, aq/rl random, `.w` (f3 2) or `.d` (f3 3).
const fn amo(op: Op, f3: u32, f5: u32) -> Template {
    let rs2 = if f5 == 0b00010 { 0 } else { RS2 };
    t(op, 0x2f | f3 << 12 | f5 << 27, RD | rs2 | 3 << 25, Kind::Amo, Group::Atomic)
}
/// FP op with a rounding mode and two sources.
const fn fp_rm(op: Op, f7: u32, g: Group) -> Template {
    t(op, 0x53 | f7 << 25, RD | RS1 | RS2, Kind::Rm, g)
}
/// FP op with a rounding mode, one source; `sel` is the rs2 selector.
const fn fp_un_rm(op: Op, f7: u32, sel: u32, g: Group) -> Template {
    t(op, 0x53 | f7 << 25 | sel << 20, RD | RS1, Kind::Rm, g)
}
/// FP op whose funct3 selects the operation, two sources.
const fn fp_f3(op: Op, f7: u32, f3: u32, g: Group) -> Template {
    t(op, 0x53 | f7 << 25 | f3 << 12, RD | RS1 | RS2, Kind::Plain, g)
}
/// FP op whose funct3 selects the operation, one source (rs2 = 0).
const fn fp_un(op: Op, f7: u32, f3: u32, g: Group) -> Template {
    t(op, 0x53 | f7 << 25 | f3 << 12, RD | RS1, Kind::Plain, g)
}
/// Fused multiply-add (`fmt` 0 single, 1 double).
const fn fma(op: Op, opc: u32, fmt: u32, g: Group) -> Template {
    t(op, opc | fmt << 25, RD | RS1 | RS2 | RS3, Kind::Rm, g)
}
/// Zicsr (`f3` 1–3 register source, 5–7 immediate).
const fn csr(op: Op, f3: u32) -> Template {
    t(op, 0x73 | f3 << 12, RD | RS1, Kind::Csr, Group::Csr)
}
/// Compressed form.
const fn c(op: Op, base: u32, free: u32) -> Template {
    t(op, base, free, Kind::C, Group::Compressed)
}
/// Compressed load/store through x8: offset bits 12:10 and 6:5, register 4:2.
const fn cmem(op: Op, base: u32) -> Template {
    t(op, base, 0x1c00 | 0x60 | 0x1c, Kind::CMem, Group::Compressed)
}

/// Every instruction form the generator emits as a single random instruction. Control flow
/// (branches, jumps) is not here: the generator builds it as [`super::Item`]s so that targets
/// land on instruction boundaries inside the test sequence.
pub const TEMPLATES: &[Template] = &[
    // ---- RV64I ----
    t(Op::Lui, 0x37, RD | IMM_U, Kind::Plain, Group::Int),
    t(Op::Auipc, 0x17, RD | IMM_U, Kind::Plain, Group::Int),
    i(Op::Addi, 0x13, 0),
    i(Op::Slti, 0x13, 2),
    i(Op::Sltiu, 0x13, 3),
    i(Op::Xori, 0x13, 4),
    i(Op::Ori, 0x13, 6),
    i(Op::Andi, 0x13, 7),
    sh64(Op::Slli, 1, 0),
    sh64(Op::Srli, 5, 0),
    sh64(Op::Srai, 5, 0x10),
    i(Op::Addiw, 0x1b, 0),
    sh32(Op::Slliw, 1, 0),
    sh32(Op::Srliw, 5, 0),
    sh32(Op::Sraiw, 5, 0x20),
    r(Op::Add, 0x33, 0, 0, Group::Int),
    r(Op::Sub, 0x33, 0, 0x20, Group::Int),
    r(Op::Sll, 0x33, 1, 0, Group::Int),
    r(Op::Slt, 0x33, 2, 0, Group::Int),
    r(Op::Sltu, 0x33, 3, 0, Group::Int),
    r(Op::Xor, 0x33, 4, 0, Group::Int),
    r(Op::Srl, 0x33, 5, 0, Group::Int),
    r(Op::Sra, 0x33, 5, 0x20, Group::Int),
    r(Op::Or, 0x33, 6, 0, Group::Int),
    r(Op::And, 0x33, 7, 0, Group::Int),
    r(Op::Addw, 0x3b, 0, 0, Group::Int),
    r(Op::Subw, 0x3b, 0, 0x20, Group::Int),
    r(Op::Sllw, 0x3b, 1, 0, Group::Int),
    r(Op::Srlw, 0x3b, 5, 0, Group::Int),
    r(Op::Sraw, 0x3b, 5, 0x20, Group::Int),
    load(Op::Lb, 0x03, 0, Group::Mem),
    load(Op::Lh, 0x03, 1, Group::Mem),
    load(Op::Lw, 0x03, 2, Group::Mem),
    load(Op::Ld, 0x03, 3, Group::Mem),
    load(Op::Lbu, 0x03, 4, Group::Mem),
    load(Op::Lhu, 0x03, 5, Group::Mem),
    load(Op::Lwu, 0x03, 6, Group::Mem),
    store(Op::Sb, 0x23, 0, Group::Mem),
    store(Op::Sh, 0x23, 1, Group::Mem),
    store(Op::Sw, 0x23, 2, Group::Mem),
    store(Op::Sd, 0x23, 3, Group::Mem),
    t(Op::Fence, 0x0f, 0xff << 20, Kind::Plain, Group::System),
    t(Op::FenceI, 0x100f, 0, Kind::Fixed, Group::System),
    t(Op::Ecall, 0x73, 0, Kind::Fixed, Group::System),
    t(Op::Ebreak, 0x0010_0073, 0, Kind::Fixed, Group::System),
    t(Op::Wfi, 0x1050_0073, 0, Kind::Fixed, Group::System),
    // ---- Zicsr ----
    csr(Op::Csrrw, 1),
    csr(Op::Csrrs, 2),
    csr(Op::Csrrc, 3),
    csr(Op::Csrrwi, 5),
    csr(Op::Csrrsi, 6),
    csr(Op::Csrrci, 7),
    // ---- M ----
    r(Op::Mul, 0x33, 0, 1, Group::Mul),
    r(Op::Mulh, 0x33, 1, 1, Group::Mul),
    r(Op::Mulhsu, 0x33, 2, 1, Group::Mul),
    r(Op::Mulhu, 0x33, 3, 1, Group::Mul),
    r(Op::Div, 0x33, 4, 1, Group::Mul),
    r(Op::Divu, 0x33, 5, 1, Group::Mul),
    r(Op::Rem, 0x33, 6, 1, Group::Mul),
    r(Op::Remu, 0x33, 7, 1, Group::Mul),
    r(Op::Mulw, 0x3b, 0, 1, Group::Mul),
    r(Op::Divw, 0x3b, 4, 1, Group::Mul),
    r(Op::Divuw, 0x3b, 5, 1, Group::Mul),
    r(Op::Remw, 0x3b, 6, 1, Group::Mul),
    r(Op::Remuw, 0x3b, 7, 1, Group::Mul),
    // ---- A ----
    amo(Op::LrW, 2, 0b00010),
    amo(Op::ScW, 2, 0b00011),
    amo(Op::AmoswapW, 2, 0b00001),
    amo(Op::AmoaddW, 2, 0b00000),
    amo(Op::AmoxorW, 2, 0b00100),
    amo(Op::AmoandW, 2, 0b01100),
    amo(Op::AmoorW, 2, 0b01000),
    amo(Op::AmominW, 2, 0b10000),
    amo(Op::AmomaxW, 2, 0b10100),
    amo(Op::AmominuW, 2, 0b11000),
    amo(Op::AmomaxuW, 2, 0b11100),
    amo(Op::LrD, 3, 0b00010),
    amo(Op::ScD, 3, 0b00011),
    amo(Op::AmoswapD, 3, 0b00001),
    amo(Op::AmoaddD, 3, 0b00000),
    amo(Op::AmoxorD, 3, 0b00100),
    amo(Op::AmoandD, 3, 0b01100),
    amo(Op::AmoorD, 3, 0b01000),
    amo(Op::AmominD, 3, 0b10000),
    amo(Op::AmomaxD, 3, 0b10100),
    amo(Op::AmominuD, 3, 0b11000),
    amo(Op::AmomaxuD, 3, 0b11100),
    // ---- F ----
    load(Op::Flw, 0x07, 2, Group::FpMem),
    store(Op::Fsw, 0x27, 2, Group::FpMem),
    fma(Op::FmaddS, 0x43, 0, Group::Single),
    fma(Op::FmsubS, 0x47, 0, Group::Single),
    fma(Op::FnmsubS, 0x4b, 0, Group::Single),
    fma(Op::FnmaddS, 0x4f, 0, Group::Single),
    fp_rm(Op::FaddS, 0x00, Group::Single),
    fp_rm(Op::FsubS, 0x04, Group::Single),
    fp_rm(Op::FmulS, 0x08, Group::Single),
    fp_rm(Op::FdivS, 0x0c, Group::Single),
    fp_un_rm(Op::FsqrtS, 0x2c, 0, Group::Single),
    fp_f3(Op::FsgnjS, 0x10, 0, Group::Single),
    fp_f3(Op::FsgnjnS, 0x10, 1, Group::Single),
    fp_f3(Op::FsgnjxS, 0x10, 2, Group::Single),
    fp_f3(Op::FminS, 0x14, 0, Group::Single),
    fp_f3(Op::FmaxS, 0x14, 1, Group::Single),
    fp_un_rm(Op::FcvtWS, 0x60, 0, Group::Single),
    fp_un_rm(Op::FcvtWuS, 0x60, 1, Group::Single),
    fp_un_rm(Op::FcvtLS, 0x60, 2, Group::Single),
    fp_un_rm(Op::FcvtLuS, 0x60, 3, Group::Single),
    fp_un(Op::FmvXW, 0x70, 0, Group::Single),
    fp_f3(Op::FeqS, 0x50, 2, Group::Single),
    fp_f3(Op::FltS, 0x50, 1, Group::Single),
    fp_f3(Op::FleS, 0x50, 0, Group::Single),
    fp_un(Op::FclassS, 0x70, 1, Group::Single),
    fp_un_rm(Op::FcvtSW, 0x68, 0, Group::Single),
    fp_un_rm(Op::FcvtSWu, 0x68, 1, Group::Single),
    fp_un_rm(Op::FcvtSL, 0x68, 2, Group::Single),
    fp_un_rm(Op::FcvtSLu, 0x68, 3, Group::Single),
    fp_un(Op::FmvWX, 0x78, 0, Group::Single),
    // ---- D ----
    load(Op::Fld, 0x07, 3, Group::FpMem),
    store(Op::Fsd, 0x27, 3, Group::FpMem),
    fma(Op::FmaddD, 0x43, 1, Group::Double),
    fma(Op::FmsubD, 0x47, 1, Group::Double),
    fma(Op::FnmsubD, 0x4b, 1, Group::Double),
    fma(Op::FnmaddD, 0x4f, 1, Group::Double),
    fp_rm(Op::FaddD, 0x01, Group::Double),
    fp_rm(Op::FsubD, 0x05, Group::Double),
    fp_rm(Op::FmulD, 0x09, Group::Double),
    fp_rm(Op::FdivD, 0x0d, Group::Double),
    fp_un_rm(Op::FsqrtD, 0x2d, 0, Group::Double),
    fp_f3(Op::FsgnjD, 0x11, 0, Group::Double),
    fp_f3(Op::FsgnjnD, 0x11, 1, Group::Double),
    fp_f3(Op::FsgnjxD, 0x11, 2, Group::Double),
    fp_f3(Op::FminD, 0x15, 0, Group::Double),
    fp_f3(Op::FmaxD, 0x15, 1, Group::Double),
    fp_un_rm(Op::FcvtSD, 0x20, 1, Group::Double),
    fp_un_rm(Op::FcvtDS, 0x21, 0, Group::Double),
    fp_un_rm(Op::FcvtWD, 0x61, 0, Group::Double),
    fp_un_rm(Op::FcvtWuD, 0x61, 1, Group::Double),
    fp_un_rm(Op::FcvtLD, 0x61, 2, Group::Double),
    fp_un_rm(Op::FcvtLuD, 0x61, 3, Group::Double),
    fp_un(Op::FmvXD, 0x71, 0, Group::Double),
    fp_f3(Op::FeqD, 0x51, 2, Group::Double),
    fp_f3(Op::FltD, 0x51, 1, Group::Double),
    fp_f3(Op::FleD, 0x51, 0, Group::Double),
    fp_un(Op::FclassD, 0x71, 1, Group::Double),
    fp_un_rm(Op::FcvtDW, 0x69, 0, Group::Double),
    fp_un_rm(Op::FcvtDWu, 0x69, 1, Group::Double),
    fp_un_rm(Op::FcvtDL, 0x69, 2, Group::Double),
    fp_un_rm(Op::FcvtDLu, 0x69, 3, Group::Double),
    fp_un(Op::FmvDX, 0x79, 0, Group::Double),
    // ---- C (each expands to the base op the decoder reports) ----
    c(Op::Addi, 0x0000, 0x1ffc),  // c.addi4spn (rd' = sp + imm)
    cmem(Op::Fld, 0x2000),        // c.fld
    cmem(Op::Lw, 0x4000),         // c.lw
    cmem(Op::Ld, 0x6000),         // c.ld
    cmem(Op::Fsd, 0xa000),        // c.fsd
    cmem(Op::Sw, 0xc000),         // c.sw
    cmem(Op::Sd, 0xe000),         // c.sd
    c(Op::Addi, 0x0001, 0x1ffc),  // c.addi / c.nop
    c(Op::Addiw, 0x2001, 0x1ffc), // c.addiw
    c(Op::Addi, 0x4001, 0x1ffc),  // c.li
    c(Op::Lui, 0x6001, 0x1ffc),   // c.lui
    c(Op::Srli, 0x8001, 0x1000 | 0x380 | 0x7c),
    c(Op::Srai, 0x8401, 0x1000 | 0x380 | 0x7c),
    c(Op::Andi, 0x8801, 0x1000 | 0x380 | 0x7c),
    c(Op::Sub, 0x8c01, 0x380 | 0x1c),
    c(Op::Xor, 0x8c21, 0x380 | 0x1c),
    c(Op::Or, 0x8c41, 0x380 | 0x1c),
    c(Op::And, 0x8c61, 0x380 | 0x1c),
    c(Op::Subw, 0x9c01, 0x380 | 0x1c),
    c(Op::Addw, 0x9c21, 0x380 | 0x1c),
    c(Op::Slli, 0x0002, 0x1ffc), // c.slli
    c(Op::Fld, 0x2002, 0x1ffc),  // c.fldsp
    c(Op::Lw, 0x4002, 0x1ffc),   // c.lwsp
    c(Op::Ld, 0x6002, 0x1ffc),   // c.ldsp
    c(Op::Add, 0x8002, 0x0ffc),  // c.mv
    c(Op::Add, 0x9002, 0x0ffc),  // c.add
    c(Op::Ebreak, 0x9002, 0),    // c.ebreak
    c(Op::Fsd, 0xa002, 0x1ffc),  // c.fsdsp
    c(Op::Sw, 0xc002, 0x1ffc),   // c.swsp
    c(Op::Sd, 0xe002, 0x1ffc),   // c.sdsp
];

/// Whether `op` writes its `rd` as an integer register.
pub fn writes_x(op: Op) -> bool {
    use Op::*;
    !matches!(
        op,
        Illegal
            | Beq
            | Bne
            | Blt
            | Bge
            | Bltu
            | Bgeu
            | Sb
            | Sh
            | Sw
            | Sd
            | Fence
            | FenceI
            | Ecall
            | Ebreak
            | Mret
            | Sret
            | Wfi
            | SfenceVma
            | Flw
            | Fsw
            | Fld
            | Fsd
    ) && (!is_fp(op) || fp_writes_x(op))
}

/// Whether `op` is an F or D instruction (loads and stores included).
fn is_fp(op: Op) -> bool {
    let all = Op::ALL;
    let first = all.iter().position(|&o| o == Op::Flw);
    let me = all.iter().position(|&o| o == op);
    matches!((first, me), (Some(f), Some(m)) if m >= f)
}

/// F/D instructions whose destination is an integer register.
fn fp_writes_x(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        FcvtWS
            | FcvtWuS
            | FcvtLS
            | FcvtLuS
            | FmvXW
            | FeqS
            | FltS
            | FleS
            | FclassS
            | FcvtWD
            | FcvtWuD
            | FcvtLD
            | FcvtLuD
            | FmvXD
            | FeqD
            | FltD
            | FleD
            | FclassD
    )
}

/// Whether `op` accesses data memory through `rs1`.
pub fn is_mem(op: Op) -> bool {
    use Op::*;
    matches!(op, Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu | Sb | Sh | Sw | Sd | Flw | Fld | Fsw | Fsd)
        || is_atomic(op)
}

/// Whether `op` is an A-extension instruction.
fn is_atomic(op: Op) -> bool {
    let all = Op::ALL;
    let lo = all.iter().position(|&o| o == Op::LrW);
    let hi = all.iter().position(|&o| o == Op::AmomaxuD);
    let me = all.iter().position(|&o| o == op);
    matches!((lo, hi, me), (Some(l), Some(h), Some(m)) if (l..=h).contains(&m))
}

/// Whether `op` transfers control (the generator builds those itself).
pub fn is_control(op: Op) -> bool {
    use Op::*;
    matches!(op, Jal | Jalr | Beq | Bne | Blt | Bge | Bltu | Bgeu | Mret | Sret)
}

/// I-type immediate bits for `imm` (low 12 bits used).
pub fn imm_i(imm: i64) -> u32 {
    ((imm as u32) & 0xfff) << 20
}

/// S-type immediate bits for `imm` (low 12 bits used).
pub fn imm_s(imm: i64) -> u32 {
    let v = imm as u32 & 0xfff;
    (v >> 5) << 25 | (v & 0x1f) << 7
}

/// B-type offset bits, or `None` if `off` is odd or out of the ±4 KiB range.
pub fn imm_b(off: i64) -> Option<u32> {
    if off % 2 != 0 || !(-4096..4096).contains(&off) {
        return None;
    }
    let v = off as u32;
    Some((v >> 12 & 1) << 31 | (v >> 5 & 0x3f) << 25 | (v >> 1 & 0xf) << 8 | (v >> 11 & 1) << 7)
}

/// J-type offset bits, or `None` if `off` is odd or out of the ±1 MiB range.
pub fn imm_j(off: i64) -> Option<u32> {
    if off % 2 != 0 || !(-(1 << 20)..(1 << 20)).contains(&off) {
        return None;
    }
    let v = off as u32;
    Some((v >> 20 & 1) << 31 | (v >> 1 & 0x3ff) << 21 | (v >> 11 & 1) << 20 | (v >> 12 & 0xff) << 12)
}

/// `c.beqz`/`c.bnez` offset bits, or `None` if `off` is odd or out of the ±256 B range.
pub fn imm_cb(off: i64) -> Option<u32> {
    if off % 2 != 0 || !(-256..256).contains(&off) {
        return None;
    }
    let v = off as u32;
    Some((v >> 8 & 1) << 12 | (v >> 3 & 3) << 10 | (v >> 6 & 3) << 5 | (v >> 1 & 3) << 3 | (v >> 5 & 1) << 2)
}

/// `c.j` offset bits, or `None` if `off` is odd or out of the ±2 KiB range.
pub fn imm_cj(off: i64) -> Option<u32> {
    if off % 2 != 0 || !(-2048..2048).contains(&off) {
        return None;
    }
    let v = off as u32;
    Some(
        (v >> 11 & 1) << 12
            | (v >> 4 & 1) << 11
            | (v >> 8 & 3) << 9
            | (v >> 10 & 1) << 8
            | (v >> 6 & 1) << 7
            | (v >> 7 & 1) << 6
            | (v >> 1 & 7) << 3
            | (v >> 5 & 1) << 2,
    )
}

/// `addi rd, rs1, imm`.
pub fn addi(rd: u8, rs1: u8, imm: i64) -> u32 {
    0x13 | (rd as u32) << 7 | (rs1 as u32) << 15 | imm_i(imm)
}

/// `addiw rd, rs1, imm`.
pub fn addiw(rd: u8, rs1: u8, imm: i64) -> u32 {
    0x1b | (rd as u32) << 7 | (rs1 as u32) << 15 | imm_i(imm)
}

/// `slli rd, rs1, shamt`.
pub fn slli(rd: u8, rs1: u8, shamt: u32) -> u32 {
    0x13 | 1 << 12 | (rd as u32) << 7 | (rs1 as u32) << 15 | (shamt & 0x3f) << 20
}

/// `lui rd, imm20` (the 20-bit field, not the shifted value).
pub fn lui(rd: u8, imm20: u32) -> u32 {
    0x37 | (rd as u32) << 7 | (imm20 & 0xfffff) << 12
}

/// `auipc rd, 0`.
pub fn auipc0(rd: u8) -> u32 {
    0x17 | (rd as u32) << 7
}

/// An R-type op on the base opcode (`0x33`): `f7 rs2 rs1 f3 rd`.
pub fn op_r(f3: u32, f7: u32, rd: u8, rs1: u8, rs2: u8) -> u32 {
    0x33 | f3 << 12 | f7 << 25 | (rd as u32) << 7 | (rs1 as u32) << 15 | (rs2 as u32) << 20
}

/// `andi`/`sltiu` style I-type op (`0x13`) with `f3`.
pub fn op_i(f3: u32, rd: u8, rs1: u8, imm: i64) -> u32 {
    0x13 | f3 << 12 | (rd as u32) << 7 | (rs1 as u32) << 15 | imm_i(imm)
}

/// `lhu rd, off(rs1)`.
pub fn lhu(rd: u8, rs1: u8, off: i64) -> u32 {
    0x03 | 5 << 12 | (rd as u32) << 7 | (rs1 as u32) << 15 | imm_i(off)
}

/// A CSR instruction `f3` (1 rw, 2 rs, 3 rc, 5–7 immediate forms) on `csr`.
pub fn csr_op(f3: u32, rd: u8, rs1: u8, csr: u16) -> u32 {
    0x73 | f3 << 12 | (rd as u32) << 7 | (rs1 as u32) << 15 | ((csr as u32) & 0xfff) << 20
}

/// `jalr rd, imm(rs1)`.
pub fn jalr(rd: u8, rs1: u8, imm: i64) -> u32 {
    0x67 | (rd as u32) << 7 | (rs1 as u32) << 15 | imm_i(imm)
}

/// `c.addi16sp sp, imm` for a non-zero multiple of 16 in [-512, 496].
pub fn c_addi16sp(imm: i64) -> Option<u16> {
    if imm == 0 || imm % 16 != 0 || !(-512..512).contains(&imm) {
        return None;
    }
    let v = imm as u32;
    let bits =
        (v >> 9 & 1) << 12 | (v >> 4 & 1) << 6 | (v >> 6 & 1) << 5 | (v >> 7 & 3) << 3 | (v >> 5 & 1) << 2;
    Some((0x6101 | bits) as u16)
}

/// `c.jr rs1` (`link = false`) or `c.jalr rs1`.
pub fn c_jr(rs1: u8, link: bool) -> u16 {
    (if link { 0x9002 } else { 0x8002 }) | (rs1 as u16 & 0x1f) << 7
}

/// `li rd, value` as the shortest `lui`/`addi(w)`/`slli` sequence (the algorithm LLVM uses).
pub fn li(rd: u8, value: i64, out: &mut Vec<u32>) {
    if let Ok(v) = i32::try_from(value) {
        let hi20 = ((v as i64 + 0x800) >> 12) as u32 & 0xfffff;
        let lo12 = ((v as i64) << 52) >> 52;
        if hi20 != 0 {
            out.push(lui(rd, hi20));
            if lo12 != 0 {
                out.push(addiw(rd, rd, lo12));
            }
        } else {
            out.push(addi(rd, 0, lo12));
        }
        return;
    }
    let lo12 = (value << 52) >> 52;
    let hi = value.wrapping_sub(lo12) >> 12;
    let shift = 12 + hi.trailing_zeros().min(63 - 12);
    li(rd, value.wrapping_sub(lo12) >> shift, out);
    out.push(slli(rd, rd, shift));
    if lo12 != 0 {
        out.push(addi(rd, rd, lo12));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm_frontend::riscv64::decode;

    /// Every template with its free bits zeroed (and with them all set) decodes either to its
    /// own op or to `Illegal` — never to some other instruction.
    #[test]
    fn every_template_decodes_to_its_op() {
        for tpl in TEMPLATES {
            let mut seen_own = false;
            for fill in [0u32, u32::MAX, 0x5555_5555, 0xaaaa_aaaa, 0x1234_5678, 0x0840_2100] {
                let raw = tpl.base | (fill & tpl.free);
                let insn = decode(raw);
                assert!(
                    insn.op == tpl.op || insn.op == Op::Illegal || tpl.kind == Kind::C,
                    "{tpl:?}: {insn:?}"
                );
                seen_own |= insn.op == tpl.op;
            }
            assert!(seen_own, "{tpl:?} never decodes to its op");
        }
    }

    #[test]
    fn offsets_round_trip_through_the_decoder() {
        for off in [-4096i64, -2048, -256, -2, 0, 2, 254, 2046, 4094] {
            let b = 0x63 | imm_b(off).unwrap();
            assert_eq!(decode(b).imm, off, "branch {off}");
            let j = 0x6f | imm_j(off).unwrap();
            assert_eq!(decode(j).imm, off, "jal {off}");
            if (-256..256).contains(&off) {
                let cb = 0xc001 | imm_cb(off).unwrap();
                assert_eq!(decode(cb).imm, off, "c.beqz {off}");
            }
            if (-2048..2048).contains(&off) {
                let cj = 0xa001 | imm_cj(off).unwrap();
                assert_eq!(decode(cj).imm, off, "c.j {off}");
            }
        }
        for imm in [-512i64, -16, 16, 496] {
            let raw = c_addi16sp(imm).unwrap() as u32;
            assert_eq!((decode(raw).op, decode(raw).rd, decode(raw).imm), (Op::Addi, 2, imm));
        }
        assert_eq!(imm_b(4096), None);
        assert_eq!(imm_cb(3), None);
    }

    #[test]
    fn li_builds_the_value() {
        for v in [
            0i64,
            1,
            -1,
            2047,
            -2048,
            0x7fff_f800,
            0x8008_0000,
            0x8008_0abc,
            -0x1000,
            i64::MIN,
            0x1234_5678_9abc,
        ] {
            let mut code = Vec::new();
            li(10, v, &mut code);
            let mut x = 0i64;
            for raw in code {
                let d = decode(raw);
                x = match d.op {
                    Op::Lui => d.imm,
                    Op::Addi => {
                        if d.rs1 == 0 {
                            d.imm
                        } else {
                            x.wrapping_add(d.imm)
                        }
                    }
                    Op::Addiw => x.wrapping_add(d.imm) as i32 as i64,
                    Op::Slli => x << d.imm,
                    other => panic!("unexpected {other:?}"),
                };
            }
            assert_eq!(x, v, "li {v:#x}");
        }
    }

    #[test]
    fn classification() {
        assert!(writes_x(Op::Add) && writes_x(Op::FeqD) && writes_x(Op::AmoaddW) && writes_x(Op::Lui));
        assert!(!writes_x(Op::FaddS) && !writes_x(Op::Sd) && !writes_x(Op::Fld) && !writes_x(Op::Beq));
        assert!(is_mem(Op::ScD) && is_mem(Op::Fsw) && !is_mem(Op::Add) && !is_mem(Op::FaddD));
    }
}
