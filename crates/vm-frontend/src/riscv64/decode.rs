//! RV64GC decoder (being written).
pub fn decode(_raw: u32) -> super::Insn { super::Insn::illegal(0, 4) }
