//! Operand kinds of IR ops and their text form.
//!
//! Each kind knows how to print itself, parse itself back and check itself, so the op table in
//! [`crate::op`] gets printing, parsing and verification for free.

use std::fmt::Write;

use vm_core::cpu::NUM_INT_SLOTS;

/// An integer value slot read by an op: `x0`–`x31` are guest registers, `v0`–`v31` temporaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(pub u8);

/// An integer value slot written by an op. Never `x0`: the lifter drops writes to x0 or sends
/// them to [`Dst::DISCARD`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dst(pub u8);

/// A floating-point register `f0`–`f31` (read or written).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FReg(pub u8);

/// A CSR number (12 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CsrNum(pub u16);

impl Reg {
    /// Temporary number `n` (0–31).
    pub const fn temp(n: u8) -> Reg {
        Reg(32 + n)
    }
}

impl Dst {
    /// Temporary number `n` (0–31).
    pub const fn temp(n: u8) -> Dst {
        Dst(32 + n)
    }
    /// Where results nobody reads go (an op with side effects whose guest destination is x0).
    pub const DISCARD: Dst = Dst(32 + 31);
    /// The same slot as a source.
    pub fn as_reg(self) -> Reg {
        Reg(self.0)
    }
}

/// Floating-point format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fmt {
    /// IEEE binary32, NaN-boxed in the 64-bit register.
    S,
    /// IEEE binary64.
    D,
}

/// Rounding mode field of an FP instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rm {
    /// Round to nearest, ties to even.
    Rne = 0,
    /// Round towards zero.
    Rtz = 1,
    /// Round down.
    Rdn = 2,
    /// Round up.
    Rup = 3,
    /// Round to nearest, ties to max magnitude.
    Rmm = 4,
    /// Use `frm` at run time.
    Dyn = 7,
}

impl Rm {
    /// Decode the 3-bit field; 5 and 6 are reserved (illegal instruction).
    pub fn from_bits(b: u8) -> Option<Rm> {
        Some(match b {
            0 => Rm::Rne,
            1 => Rm::Rtz,
            2 => Rm::Rdn,
            3 => Rm::Rup,
            4 => Rm::Rmm,
            7 => Rm::Dyn,
            _ => return None,
        })
    }
}

/// Memory width of atomics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// 32-bit, sign-extended into the destination.
    W,
    /// 64-bit.
    D,
}

/// Integer type of an FP↔integer conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntKind {
    /// Signed 32-bit.
    W,
    /// Unsigned 32-bit.
    Wu,
    /// Signed 64-bit.
    L,
    /// Unsigned 64-bit.
    Lu,
}

/// Read-modify-write operation of an AMO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AmoOp {
    /// `amoswap`
    Swap,
    /// `amoadd`
    Add,
    /// `amoxor`
    Xor,
    /// `amoand`
    And,
    /// `amoor`
    Or,
    /// `amomin`
    Min,
    /// `amomax`
    Max,
    /// `amominu`
    Minu,
    /// `amomaxu`
    Maxu,
}

/// CSR access kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CsrOp {
    /// Read and write.
    Rw,
    /// Read and set bits.
    Rs,
    /// Read and clear bits.
    Rc,
}

/// Branch condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Signed less than.
    Lt,
    /// Signed greater or equal.
    Ge,
    /// Unsigned less than.
    Ltu,
    /// Unsigned greater or equal.
    Geu,
}

impl Cond {
    /// Evaluate on two register values.
    #[inline(always)]
    pub fn eval(self, a: u64, b: u64) -> bool {
        match self {
            Cond::Eq => a == b,
            Cond::Ne => a != b,
            Cond::Lt => (a as i64) < (b as i64),
            Cond::Ge => (a as i64) >= (b as i64),
            Cond::Ltu => a < b,
            Cond::Geu => a >= b,
        }
    }
}

/// A register-file location an op touches, as reported by [`Operand::visit_slots`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// Integer slot: `x0`–`x31` (0–31) or a temporary `v0`–`v31` (32–63).
    Int(u8),
    /// Floating-point register `f0`–`f31`.
    Fp(u8),
}

impl Slot {
    /// Whether this is a block-local temporary (`v0`–`v31`).
    pub fn is_temp(self) -> bool {
        matches!(self, Slot::Int(n) if n >= 32)
    }
}

/// Whether an op reads or writes a [`Slot`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// The op reads the slot (before any of its writes take effect).
    Read,
    /// The op writes the slot.
    Write,
}

/// A kind of operand: printable, parseable, checkable.
pub trait Operand: Sized {
    /// Append the text form.
    fn write_text(&self, out: &mut String);
    /// Parse the text form.
    fn parse_text(s: &str) -> Result<Self, String>;
    /// Check the operand is well formed; `Err` says why not.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
    /// Report the register slots this operand names, with the access its kind implies
    /// ([`Reg`] and [`FReg`] read, [`Dst`] writes). The op table overrides the access for fields
    /// marked `=> write`. Immediates and named operands report nothing.
    fn visit_slots(&self, _f: &mut dyn FnMut(Slot, Access)) {}
}

/// Parse a non-empty run of decimal digits (no sign, no `_`).
fn parse_dec(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse a non-empty run of hex digits (no sign, no `_`).
fn parse_hex(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

/// Parse `xN` (N < 32) or `vN`. The parser is syntactic: it accepts every slot number the
/// printer can produce (`v32`–`v223` for slots 64–255), so any block round-trips; range checks
/// belong to [`Operand::check`] and the verifier.
fn parse_slot(s: &str) -> Result<u8, String> {
    let (base, num) = if let Some(n) = s.strip_prefix('x') {
        (0u64, n)
    } else if let Some(n) = s.strip_prefix('v') {
        (32u64, n)
    } else {
        return Err(format!("expected a register like x5 or v0, found `{s}`"));
    };
    match parse_dec(num) {
        Some(n) if base == 0 && n < 32 => Ok(n as u8),
        Some(n) if base == 32 && n <= 255 - 32 => Ok((base + n) as u8),
        _ => Err(format!("bad register `{s}`")),
    }
}

fn write_slot(n: u8, out: &mut String) {
    if n < 32 {
        let _ = write!(out, "x{n}");
    } else {
        let _ = write!(out, "v{}", n - 32);
    }
}

impl Operand for Reg {
    fn write_text(&self, out: &mut String) {
        write_slot(self.0, out)
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        parse_slot(s).map(Reg)
    }
    fn check(&self) -> Result<(), String> {
        if (self.0 as usize) < NUM_INT_SLOTS {
            Ok(())
        } else {
            Err(format!("register slot {} out of range", self.0))
        }
    }
    fn visit_slots(&self, f: &mut dyn FnMut(Slot, Access)) {
        f(Slot::Int(self.0), Access::Read)
    }
}

impl Operand for Dst {
    fn write_text(&self, out: &mut String) {
        write_slot(self.0, out)
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        parse_slot(s).map(Dst)
    }
    fn check(&self) -> Result<(), String> {
        if self.0 == 0 {
            Err("op writes x0".into())
        } else {
            Reg(self.0).check()
        }
    }
    fn visit_slots(&self, f: &mut dyn FnMut(Slot, Access)) {
        f(Slot::Int(self.0), Access::Write)
    }
}

impl Operand for FReg {
    fn write_text(&self, out: &mut String) {
        let _ = write!(out, "f{}", self.0);
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        // Syntactic like `parse_slot`: any `u8` parses, `check` rejects f32 and up.
        match s.strip_prefix('f').and_then(parse_dec) {
            Some(n) if n <= 255 => Ok(FReg(n as u8)),
            _ => Err(format!("expected an FP register like f3, found `{s}`")),
        }
    }
    fn check(&self) -> Result<(), String> {
        if self.0 < 32 {
            Ok(())
        } else {
            Err(format!("FP register f{} out of range", self.0))
        }
    }
    fn visit_slots(&self, f: &mut dyn FnMut(Slot, Access)) {
        f(Slot::Fp(self.0), Access::Read)
    }
}

impl Operand for CsrNum {
    fn write_text(&self, out: &mut String) {
        let _ = write!(out, "csr:{:#x}", self.0);
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        s.strip_prefix("csr:")
            .and_then(|h| h.strip_prefix("0x"))
            .and_then(parse_hex)
            .and_then(|n| u16::try_from(n).ok())
            .map(CsrNum)
            .ok_or_else(|| format!("expected a CSR like csr:0x300, found `{s}`"))
    }
    fn check(&self) -> Result<(), String> {
        if self.0 < 0x1000 {
            Ok(())
        } else {
            Err(format!("CSR number {:#x} wider than 12 bits", self.0))
        }
    }
}

impl Operand for i64 {
    fn write_text(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s),
        };
        let mag = match body.strip_prefix("0x") {
            Some(h) => parse_hex(h),
            None => parse_dec(body),
        }
        .ok_or_else(|| format!("expected an integer, found `{s}`"))?;
        // Positive values up to u64::MAX are taken as two's complement (`0xffff_ffff_ffff_ffff`
        // is -1); negative ones must fit.
        if neg && mag > 1 << 63 {
            return Err(format!("integer `{s}` out of range"));
        }
        Ok(if neg { (mag as i64).wrapping_neg() } else { mag as i64 })
    }
}

impl Operand for u64 {
    fn write_text(&self, out: &mut String) {
        let _ = write!(out, "{self:#x}");
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        s.strip_prefix("0x")
            .and_then(parse_hex)
            .ok_or_else(|| format!("expected a hex address like 0x80000000, found `{s}`"))
    }
}

/// Operand kinds that are a fixed set of names.
macro_rules! named_operand {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
        impl $t {
            /// Every value, in declaration order.
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
        }

        impl Operand for $t {
            fn write_text(&self, out: &mut String) {
                out.push_str(match self { $(<$t>::$v => $s),* });
            }
            fn parse_text(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok(<$t>::$v),)*
                    _ => Err(format!(concat!("expected one of", $(" ", $s),*, ", found `{}`"), s)),
                }
            }
        }
    };
}

named_operand!(Fmt { S = "s", D = "d" });
named_operand!(Rm { Rne = "rne", Rtz = "rtz", Rdn = "rdn", Rup = "rup", Rmm = "rmm", Dyn = "dyn" });
named_operand!(Width { W = "w", D = "d" });
named_operand!(IntKind { W = "w", Wu = "wu", L = "l", Lu = "lu" });
named_operand!(AmoOp {
    Swap = "swap", Add = "add", Xor = "xor", And = "and", Or = "or",
    Min = "min", Max = "max", Minu = "minu", Maxu = "maxu",
});
named_operand!(CsrOp { Rw = "rw", Rs = "rs", Rc = "rc" });
named_operand!(Cond { Eq = "eq", Ne = "ne", Lt = "lt", Ge = "ge", Ltu = "ltu", Geu = "geu" });
