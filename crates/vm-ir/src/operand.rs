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
}

fn parse_slot(s: &str) -> Result<u8, String> {
    let (base, num) = if let Some(n) = s.strip_prefix('x') {
        (0u8, n)
    } else if let Some(n) = s.strip_prefix('v') {
        (32u8, n)
    } else {
        return Err(format!("expected a register like x5 or v0, found `{s}`"));
    };
    match num.parse::<u8>() {
        Ok(n) if n < 32 => Ok(base + n),
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
}

impl Operand for FReg {
    fn write_text(&self, out: &mut String) {
        let _ = write!(out, "f{}", self.0);
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        match s.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            Some(n) if n < 32 => Ok(FReg(n)),
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
}

impl Operand for CsrNum {
    fn write_text(&self, out: &mut String) {
        let _ = write!(out, "csr:{:#x}", self.0);
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        s.strip_prefix("csr:")
            .and_then(|h| h.strip_prefix("0x"))
            .and_then(|h| u16::from_str_radix(h, 16).ok())
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
        let mag = if let Some(h) = body.strip_prefix("0x") {
            u64::from_str_radix(h, 16)
        } else {
            body.parse::<u64>()
        }
        .map_err(|_| format!("expected an integer, found `{s}`"))?;
        Ok(if neg { (mag as i64).wrapping_neg() } else { mag as i64 })
    }
}

impl Operand for u64 {
    fn write_text(&self, out: &mut String) {
        let _ = write!(out, "{self:#x}");
    }
    fn parse_text(s: &str) -> Result<Self, String> {
        s.strip_prefix("0x")
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(|| format!("expected a hex address like 0x80000000, found `{s}`"))
    }
}

/// Operand kinds that are a fixed set of names.
macro_rules! named_operand {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
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
