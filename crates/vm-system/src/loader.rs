//! Loading a bare-metal RISC-V ELF into a machine's RAM.
//!
//! Every check names the file and what is wrong: not an ELF, not 64-bit little-endian RISC-V,
//! truncated, segments that overlap or fall outside RAM, an entry point outside the image.

use std::path::Path;

use object::elf::{FileHeader64, PT_LOAD};
use object::read::elf::{FileHeader, ProgramHeader};
use object::{Endianness, Object, ObjectSymbol};
use vm_core::VmError;
use vm_mem::PhysMem;

/// What loading produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedImage {
    /// Entry point.
    pub entry: u64,
    /// Address of the `tohost` symbol, if the image has one.
    pub tohost: Option<u64>,
    /// Address of the `fromhost` symbol, if the image has one.
    pub fromhost: Option<u64>,
    /// Loaded ranges `[start, end)`.
    pub segments: Vec<(u64, u64)>,
    /// Function symbols `(address, size, name)`, sorted by address (for traces and reports).
    pub symbols: Vec<(u64, u64, String)>,
}

/// Parse `data` (read from `path`) and copy its loadable segments into `mem`.
pub fn load_elf(path: &Path, data: &[u8], mem: &mut PhysMem) -> Result<LoadedImage, VmError> {
    let bad = |reason: String| VmError::BadElf { path: path.to_path_buf(), reason };
    if data.len() < 4 || &data[..4] != b"\x7fELF" {
        return Err(bad("not an ELF file (bad magic)".into()));
    }
    if data.len() < 5 || data[4] != object::elf::ELFCLASS64 {
        return Err(bad("not a 64-bit ELF (RV64 guests only)".into()));
    }
    let header = FileHeader64::<Endianness>::parse(data)
        .map_err(|e| bad(format!("truncated or malformed ELF header: {e}")))?;
    let endian = header.endian().map_err(|e| bad(format!("bad ELF header: {e}")))?;
    if endian != Endianness::Little {
        return Err(bad("big-endian ELF; RISC-V guests are little-endian".into()));
    }
    let machine = header.e_machine(endian);
    if machine != object::elf::EM_RISCV {
        return Err(bad(format!(
            "ELF is for machine {machine} ({}), not RISC-V (243)",
            machine_name(machine)
        )));
    }
    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| bad(format!("truncated or malformed program headers: {e}")))?;
    let ram = (mem.base(), mem.base() + mem.size() as u64);
    let mut segments: Vec<(u64, u64)> = Vec::new();
    for (i, ph) in phdrs.iter().enumerate() {
        if ph.p_type(endian) != PT_LOAD {
            continue;
        }
        let addr = ph.p_paddr(endian);
        let memsz = ph.p_memsz(endian);
        let filesz = ph.p_filesz(endian);
        if filesz > memsz {
            return Err(bad(format!("segment {i}: file size {filesz:#x} exceeds memory size {memsz:#x}")));
        }
        if memsz == 0 {
            continue;
        }
        let end = addr
            .checked_add(memsz)
            .ok_or_else(|| bad(format!("segment {i}: {addr:#x} + {memsz:#x} overflows")))?;
        if addr < ram.0 || end > ram.1 {
            return Err(bad(format!(
                "segment {i} [{addr:#x}, {end:#x}) falls outside RAM [{:#x}, {:#x})",
                ram.0, ram.1
            )));
        }
        if let Some(&(s, e)) = segments.iter().find(|&&(s, e)| addr < e && s < end) {
            return Err(bad(format!(
                "segment {i} [{addr:#x}, {end:#x}) overlaps another segment [{s:#x}, {e:#x})"
            )));
        }
        let bytes = ph
            .data(endian, data)
            .map_err(|_| bad(format!("segment {i}: file data lies past the end of the file")))?;
        mem.write_bytes(addr, bytes)?;
        // The rest of memsz is zero (RAM starts zeroed, but a reload must clear it too).
        if let Some(z) = mem.slice_mut(addr + filesz, (memsz - filesz) as usize) {
            z.fill(0);
        }
        segments.push((addr, end));
    }
    if segments.is_empty() {
        return Err(bad("no loadable segments".into()));
    }
    let entry = header.e_entry(endian);
    if entry % 2 != 0 {
        return Err(bad(format!("entry point {entry:#x} is not 2-byte aligned")));
    }
    if !segments.iter().any(|&(s, e)| entry >= s && entry < e) {
        return Err(bad(format!("entry point {entry:#x} lies outside every loaded segment")));
    }
    let mut image = LoadedImage { entry, tohost: None, fromhost: None, segments, symbols: Vec::new() };
    if let Ok(file) = object::File::parse(data) {
        for sym in file.symbols() {
            match sym.name() {
                Ok("tohost") => image.tohost = Some(sym.address()),
                Ok("fromhost") => image.fromhost = Some(sym.address()),
                Ok(name) if !name.is_empty() && sym.kind() == object::SymbolKind::Text => {
                    image.symbols.push((sym.address(), sym.size(), name.to_string()))
                }
                _ => {}
            }
        }
    }
    image.symbols.sort();
    Ok(image)
}

fn machine_name(m: u16) -> &'static str {
    match m {
        object::elf::EM_X86_64 => "x86-64",
        object::elf::EM_386 => "i386",
        object::elf::EM_AARCH64 => "AArch64",
        object::elf::EM_ARM => "ARM",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem() -> PhysMem {
        PhysMem::new(0x8000_0000, 1 << 20).unwrap()
    }

    #[test]
    fn rejects_non_elf_and_truncated() {
        let p = Path::new("x.elf");
        let e = load_elf(p, b"hello world", &mut mem()).unwrap_err().to_string();
        assert!(e.contains("x.elf") && e.contains("not an ELF"), "{e}");
        let e = load_elf(p, b"\x7fELF\x02\x01", &mut mem()).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        let e = load_elf(p, b"\x7fELF\x01\x01\x01", &mut mem()).unwrap_err().to_string();
        assert!(e.contains("64-bit"), "{e}");
    }

    #[test]
    fn rejects_host_binary() {
        let host = std::fs::read("/proc/self/exe").unwrap();
        let e = load_elf(Path::new("/proc/self/exe"), &host, &mut mem()).unwrap_err().to_string();
        assert!(e.contains("not RISC-V"), "{e}");
    }
}
