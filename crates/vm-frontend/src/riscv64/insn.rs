//! [`Insn`]: one decoded RV64GC instruction, the decoder's output and the lifter's input.

/// One decoded instruction. Fields an opcode does not use are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    /// What the instruction does (compressed forms are expanded to their base opcode).
    pub op: Op,
    /// Destination register (x or f, as the opcode says).
    pub rd: u8,
    /// First source register.
    pub rs1: u8,
    /// Second source register.
    pub rs2: u8,
    /// Third source register (fused multiply-add).
    pub rs3: u8,
    /// Immediate, sign-extended as the spec says: I/S/B/U/J immediates (for `lui`/`auipc` the
    /// full shifted value, e.g. `imm = 0x12345000`), shift amounts, the CSR number for CSR ops,
    /// the 5-bit `uimm` of `csrr*i` in `rs1`; branch/jump offsets are relative to the instruction.
    pub imm: i64,
    /// FP rounding-mode field; for atomics `aq << 1 | rl`; for `fence` `pred << 4 | succ`.
    pub rm: u8,
    /// Length in bytes: 2 (compressed) or 4.
    pub len: u8,
    /// The raw instruction bits (16-bit parcels zero-extended).
    pub raw: u32,
}

macro_rules! ops {
    ($($name:ident),* $(,)?) => {
        /// RV64GC opcodes, one per base-ISA mnemonic (plus `Illegal`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Op { $($name),* }

        impl Op {
            /// Every opcode, for exhaustive tests.
            pub const ALL: &'static [Op] = &[$(Op::$name),*];
        }
    };
}

ops! {
    Illegal,
    // RV64I
    Lui, Auipc, Jal, Jalr, Beq, Bne, Blt, Bge, Bltu, Bgeu,
    Lb, Lh, Lw, Ld, Lbu, Lhu, Lwu, Sb, Sh, Sw, Sd,
    Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai,
    Add, Sub, Sll, Slt, Sltu, Xor, Srl, Sra, Or, And,
    Addiw, Slliw, Srliw, Sraiw, Addw, Subw, Sllw, Srlw, Sraw,
    Fence, FenceI, Ecall, Ebreak,
    // Privileged
    Mret, Sret, Wfi, SfenceVma,
    // Zicsr
    Csrrw, Csrrs, Csrrc, Csrrwi, Csrrsi, Csrrci,
    // M
    Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu, Mulw, Divw, Divuw, Remw, Remuw,
    // A
    LrW, ScW, AmoswapW, AmoaddW, AmoxorW, AmoandW, AmoorW, AmominW, AmomaxW, AmominuW, AmomaxuW,
    LrD, ScD, AmoswapD, AmoaddD, AmoxorD, AmoandD, AmoorD, AmominD, AmomaxD, AmominuD, AmomaxuD,
    // F
    Flw, Fsw, FmaddS, FmsubS, FnmsubS, FnmaddS, FaddS, FsubS, FmulS, FdivS, FsqrtS,
    FsgnjS, FsgnjnS, FsgnjxS, FminS, FmaxS, FcvtWS, FcvtWuS, FcvtLS, FcvtLuS, FmvXW,
    FeqS, FltS, FleS, FclassS, FcvtSW, FcvtSWu, FcvtSL, FcvtSLu, FmvWX,
    // D
    Fld, Fsd, FmaddD, FmsubD, FnmsubD, FnmaddD, FaddD, FsubD, FmulD, FdivD, FsqrtD,
    FsgnjD, FsgnjnD, FsgnjxD, FminD, FmaxD, FcvtSD, FcvtDS, FcvtWD, FcvtWuD, FcvtLD, FcvtLuD,
    FmvXD, FeqD, FltD, FleD, FclassD, FcvtDW, FcvtDWu, FcvtDL, FcvtDLu, FmvDX,
}

impl Insn {
    /// The instruction that decodes from nothing valid.
    pub fn illegal(raw: u32, len: u8) -> Insn {
        Insn { op: Op::Illegal, rd: 0, rs1: 0, rs2: 0, rs3: 0, imm: 0, rm: 0, len, raw }
    }
}
