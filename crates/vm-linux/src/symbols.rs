//! Guest symbols: which function a guest pc is in, as `name+0xoffset`.
//!
//! [`Symbols`] holds the function and object symbols of the ELF images of a guest process (the
//! program, and for dynamic programs the ELF interpreter; libraries that `ld.so` maps later are
//! not known to the VM), each moved by its load bias, so [`Symbols::lookup`] answers in guest
//! addresses. Crash reports use it, and so can a guest profiler: build it once with
//! [`Symbols::for_process`] (or [`Symbols::add_elf`] per image) after loading, then look pcs up
//! (a binary search).
//!
//! A pc belongs to the symbol with the highest address at or below it, if the pc lies inside
//! that symbol's size (a symbol of size 0 covers up to the next symbol), and inside the image
//! the symbol came from.

use std::path::{Path, PathBuf};

use object::{Object, ObjectSymbol, SymbolKind};

use crate::process::{MappedImage, Process};

/// One symbol, in guest addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sym {
    addr: u64,
    size: u64,
    name: String,
    /// Index into `Symbols::images`.
    image: usize,
}

/// The symbols of the images of one guest process, sorted by address.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    syms: Vec<Sym>,
    /// (path, lowest, one past the highest guest address) of each image added.
    images: Vec<(PathBuf, u64, u64)>,
}

impl Symbols {
    /// No symbols: every lookup answers `None`.
    pub fn new() -> Symbols {
        Symbols::default()
    }

    /// The symbols of every image the loader mapped into `p` ([`Process::images`]), read
    /// from their files; an image whose file cannot be read or parsed is left out.
    pub fn for_process(p: &Process) -> Symbols {
        let mut s = Symbols::new();
        for img in &p.images {
            if let Ok(data) = std::fs::read(&img.path) {
                if let Err(e) = s.add_image(img, &data) {
                    tracing::debug!(path = %img.path.display(), "no symbols: {e}");
                }
            }
        }
        s
    }

    /// Add the symbols of the ELF `data` loaded as `img`.
    pub fn add_image(&mut self, img: &MappedImage, data: &[u8]) -> Result<(), object::Error> {
        self.add_elf(&img.path, data, img.bias, img.range)
    }

    /// Add the function and object symbols (`.symtab`, else `.dynsym`) of the ELF `data`,
    /// named `path`, loaded with `bias` over the guest addresses `range` (lowest, one past the
    /// highest).
    pub fn add_elf(
        &mut self,
        path: &Path,
        data: &[u8],
        bias: u64,
        range: (u64, u64),
    ) -> Result<(), object::Error> {
        let file = object::File::parse(data)?;
        let image = self.images.len();
        self.images.push((path.to_path_buf(), range.0, range.1));
        let take = |sym: object::Symbol<'_, '_>| {
            // Untyped (NOTYPE) symbols too: assembly labels such as `_start` have no type.
            let keep = match sym.kind() {
                SymbolKind::Text | SymbolKind::Data => sym.is_definition(),
                SymbolKind::Unknown => sym.section_index().is_some(),
                _ => false,
            } && sym.address() != 0;
            let name = sym.name().ok().filter(|n| keep && useful(n))?;
            Some(Sym {
                addr: sym.address().wrapping_add(bias),
                size: sym.size(),
                name: name.to_string(),
                image,
            })
        };
        let mut found: Vec<Sym> = file.symbols().filter_map(take).collect();
        if found.is_empty() {
            found = file.dynamic_symbols().filter_map(take).collect();
        }
        self.syms.extend(found);
        // Sorted by address; at one address the sized symbol first (a function rather than an
        // alias label), then by name, so lookups are deterministic.
        self.syms.sort_by(|a, b| {
            a.addr.cmp(&b.addr).then((b.size > 0).cmp(&(a.size > 0))).then(a.name.cmp(&b.name))
        });
        self.syms.dedup_by(|b, a| a.addr == b.addr && a.image == b.image);
        Ok(())
    }

    /// Number of symbols known.
    pub fn len(&self) -> usize {
        self.syms.len()
    }

    /// Whether no symbols are known.
    pub fn is_empty(&self) -> bool {
        self.syms.is_empty()
    }

    /// The symbol `pc` is in and the offset of `pc` from its start.
    pub fn lookup(&self, pc: u64) -> Option<(&str, u64)> {
        let i = self.syms.partition_point(|s| s.addr <= pc).checked_sub(1)?;
        let s = &self.syms[i];
        let (_, lo, hi) = &self.images[s.image];
        let inside_image = (*lo..*hi).contains(&pc);
        let inside_sym = s.size == 0 || pc - s.addr < s.size;
        (inside_image && inside_sym).then(|| (s.name.as_str(), pc - s.addr))
    }

    /// The host path of the image whose address range holds `pc`.
    pub fn image_of(&self, pc: u64) -> Option<&Path> {
        self.images.iter().find(|(_, lo, hi)| (*lo..*hi).contains(&pc)).map(|(p, _, _)| p.as_path())
    }

    /// `pc` as `name+0xoff`, if it is in a symbol.
    pub fn describe(&self, pc: u64) -> Option<String> {
        self.lookup(pc).map(|(name, off)| format!("{name}+{off:#x}"))
    }
}

/// Whether a symbol name names code or data: `$x`/`$d` mapping symbols and `.L` labels do not.
fn useful(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('$') && !name.starts_with(".L")
}

#[cfg(test)]
mod tests;
