//! Address newtypes: guest virtual, guest physical and host virtual addresses never mix by accident.

use std::fmt;

/// A guest virtual address: what the guest program sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GuestAddr(pub u64);

/// A guest physical address: what the guest's MMU produces (equal to the virtual one in M-mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GuestPhysAddr(pub u64);

/// An address in the host (`vm`) process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostAddr(pub usize);

macro_rules! hex_display {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:#x}", self.0)
            }
        }
        impl fmt::LowerHex for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::LowerHex::fmt(&self.0, f)
            }
        }
    )*};
}
hex_display!(GuestAddr, GuestPhysAddr, HostAddr);

impl GuestAddr {
    /// The address `off` bytes further on, wrapping like the guest's arithmetic does.
    pub fn offset(self, off: i64) -> GuestAddr {
        GuestAddr(self.0.wrapping_add(off as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_hex() {
        assert_eq!(GuestAddr(0x8000_0000).to_string(), "0x80000000");
        assert_eq!(GuestAddr(4).offset(-8), GuestAddr(u64::MAX - 3));
    }
}
