//! Full-system RISC-V: what a bare-metal guest sees besides the CPU.
//!
//! - [`csr::MachineCsrs`]: machine-mode CSRs, trap entry and `mret`.
//! - [`htif::Htif`]: the Spike host-target interface (`tohost`/`fromhost`): exit codes and console.
//! - [`loader`]: loading a bare-metal ELF into RAM and finding its HTIF symbols.

pub mod csr;
pub mod htif;
pub mod loader;

pub use csr::MachineCsrs;
pub use htif::{Htif, HtifEvent};
pub use loader::{load_elf, LoadedImage};
