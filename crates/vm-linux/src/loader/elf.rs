//! Parsing and validating a RISC-V 64 Linux ELF before anything is mapped.
//!
//! [`parse`] reads the file header and program headers of an untrusted byte slice with
//! bounds-checked little-endian reads (no `unsafe`, no panics) and checks everything the
//! loader relies on: ELF64 little-endian `EM_RISCV`, `ET_EXEC`/`ET_DYN`, sane program headers,
//! `PT_LOAD` segments that are in the file, non-overlapping, page-congruent and inside the
//! address space, an entry point inside a segment, and a well-formed `PT_INTERP`. Every
//! failure is a plain `String` reason; the caller wraps it into `VmError::BadElf` with the path.

use vm_mem::{PAGE_SIZE, USER_TOP};

/// `e_type` of a position-dependent executable.
pub const ET_EXEC: u16 = 2;
/// `e_type` of a PIE, a static-pie or a shared object (the ELF interpreter).
pub const ET_DYN: u16 = 3;
/// `e_machine` of RISC-V.
pub const EM_RISCV: u16 = 243;
const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
const PT_GNU_STACK: u32 = 0x6474_e551;
/// Size of `Elf64_Ehdr`.
const EHDR_SIZE: usize = 64;
/// Size of `Elf64_Phdr`.
pub const PHDR_SIZE: usize = 56;
/// Linux refuses more than 64 KiB of program headers.
const MAX_PHDR_BYTES: usize = 65536;
/// Linux's `PATH_MAX`, the longest `PT_INTERP` it accepts.
const PATH_MAX: u64 = 4096;
/// Lowest address a segment may occupy (page zero stays unmapped, like `mmap_min_addr`).
pub const MIN_ADDR: u64 = PAGE_SIZE;

/// ELF segment permission bits (`p_flags`).
pub const PF_X: u32 = 1;
/// Writable.
pub const PF_W: u32 = 2;
/// Readable.
pub const PF_R: u32 = 4;

/// One `PT_LOAD` segment, addresses before the load bias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Index of the program header (for error messages).
    pub index: usize,
    /// `p_flags` (PF_R/PF_W/PF_X).
    pub flags: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz` (> 0).
    pub memsz: u64,
}

impl Segment {
    /// One past the last byte, before the bias (checked not to overflow by [`parse`]).
    pub fn end(&self) -> u64 {
        self.vaddr + self.memsz
    }
}

/// A validated ELF image; nothing is mapped yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elf {
    /// [`ET_EXEC`] or [`ET_DYN`].
    pub e_type: u16,
    /// `e_entry` (before the bias).
    pub entry: u64,
    /// `e_phoff`.
    pub phoff: u64,
    /// `e_phnum`.
    pub phnum: u16,
    /// `PT_LOAD` segments with `p_memsz > 0`, sorted by address, non-overlapping.
    pub segments: Vec<Segment>,
    /// The `PT_INTERP` path (without its NUL), if dynamic.
    pub interp: Option<Vec<u8>>,
    /// `p_vaddr` of `PT_PHDR`, if present.
    pub phdr_vaddr: Option<u64>,
    /// `PT_GNU_STACK` asks for an executable stack.
    pub exec_stack: bool,
    /// Largest power-of-two `p_align` of the `PT_LOAD`s (at least the page size).
    pub align: u64,
}

impl Elf {
    /// Page-aligned start of the lowest segment (before the bias).
    pub fn lo(&self) -> u64 {
        self.segments.first().map_or(0, |s| page_down(s.vaddr))
    }

    /// Page-aligned end of the highest segment (before the bias).
    pub fn hi(&self) -> u64 {
        self.segments.last().map_or(0, |s| page_up(s.end()))
    }

    /// Bytes of address space the image occupies.
    pub fn span(&self) -> u64 {
        self.hi() - self.lo()
    }

    /// Guest address (before the bias) of the program headers, as Linux computes AT_PHDR:
    /// `PT_PHDR` if present, else the segment whose file bytes hold `e_phoff`, else 0.
    pub fn phdr_addr(&self) -> u64 {
        if let Some(v) = self.phdr_vaddr {
            return v;
        }
        self.segments
            .iter()
            .find(|s| s.offset <= self.phoff && self.phoff - s.offset < s.filesz)
            .map_or(0, |s| s.vaddr + (self.phoff - s.offset))
    }
}

/// Round down to a page boundary.
pub fn page_down(a: u64) -> u64 {
    a & !(PAGE_SIZE - 1)
}

/// Round up to a page boundary (callers keep `a` below `USER_TOP`, so this cannot overflow).
pub fn page_up(a: u64) -> u64 {
    a.saturating_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(off..off.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(off..off.checked_add(4)?)?.try_into().ok()?))
}

fn u64_at(d: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(off..off.checked_add(8)?)?.try_into().ok()?))
}

fn machine_name(m: u16) -> &'static str {
    match m {
        3 => "i386",
        8 => "MIPS",
        20 => "PowerPC",
        21 => "PowerPC64",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        258 => "LoongArch",
        _ => "unknown",
    }
}

/// Check the ELF identification only (magic, class, data encoding): enough to tell an ELF
/// from a script and to give the most useful message for foreign files.
pub fn check_ident(d: &[u8]) -> Result<(), String> {
    if d.len() < 4 || &d[..4] != b"\x7fELF" {
        return Err(format!("not an ELF file or a #! script (starts with {:02x?})", &d[..d.len().min(4)]));
    }
    match d.get(4) {
        Some(2) => {}
        Some(1) => return Err("32-bit ELF (ELFCLASS32); only RV64 programs run here".into()),
        Some(c) => return Err(format!("unknown ELF class {c}")),
        None => return Err("truncated ELF header (no class byte)".into()),
    }
    match d.get(5) {
        Some(1) => {}
        Some(2) => return Err("big-endian ELF; RISC-V Linux programs are little-endian".into()),
        Some(e) => return Err(format!("unknown ELF data encoding {e}")),
        None => return Err("truncated ELF header (no data-encoding byte)".into()),
    }
    if d.len() < EHDR_SIZE {
        return Err(format!("truncated ELF header ({} bytes, need {EHDR_SIZE})", d.len()));
    }
    Ok(())
}

/// Parse and validate `d`; `limit` is the first address segments may not reach (the bottom of
/// the stack region and its guard gap).
pub fn parse(d: &[u8], limit: u64, expected: u16) -> Result<Elf, String> {
    check_ident(d)?;
    let trunc = || "truncated ELF header".to_string();
    let e_type = u16_at(d, 16).ok_or_else(trunc)?;
    let machine = u16_at(d, 18).ok_or_else(trunc)?;
    let entry = u64_at(d, 24).ok_or_else(trunc)?;
    let phoff = u64_at(d, 32).ok_or_else(trunc)?;
    let phentsize = u16_at(d, 54).ok_or_else(trunc)?;
    let phnum = u16_at(d, 56).ok_or_else(trunc)?;
    if machine != expected {
        return Err(format!(
            "ELF is for machine {machine} ({}), not {} ({expected})",
            machine_name(machine),
            machine_name(expected)
        ));
    }
    match e_type {
        ET_EXEC | ET_DYN => {}
        1 => return Err("relocatable object (ET_REL), not an executable: link it first".into()),
        4 => return Err("core dump (ET_CORE), not an executable".into()),
        t => return Err(format!("ELF type {t} is not an executable (need ET_EXEC or ET_DYN)")),
    }
    if phnum == 0 {
        return Err("no program headers (e_phnum = 0)".into());
    }
    if usize::from(phentsize) != PHDR_SIZE {
        return Err(format!("program header size {phentsize} (e_phentsize), expected {PHDR_SIZE}"));
    }
    let ph_bytes = usize::from(phnum) * PHDR_SIZE;
    if ph_bytes > MAX_PHDR_BYTES {
        return Err(format!("{phnum} program headers: more than Linux accepts (64 KiB)"));
    }
    let ph_start =
        usize::try_from(phoff).ok().filter(|&o| o.checked_add(ph_bytes).is_some_and(|e| e <= d.len()));
    let Some(ph_start) = ph_start else {
        return Err(format!(
            "program headers [{phoff:#x}, +{ph_bytes:#x}) lie past the end of the file ({:#x} bytes)",
            d.len()
        ));
    };

    let mut segments = Vec::new();
    let mut interp = None;
    let mut phdr_vaddr = None;
    let mut exec_stack = false;
    let mut align = PAGE_SIZE;
    for i in 0..usize::from(phnum) {
        let o = ph_start + i * PHDR_SIZE;
        let ph = d.get(o..o + PHDR_SIZE).ok_or_else(trunc)?;
        let p_type = u32_at(ph, 0).ok_or_else(trunc)?;
        let flags = u32_at(ph, 4).ok_or_else(trunc)?;
        let offset = u64_at(ph, 8).ok_or_else(trunc)?;
        let vaddr = u64_at(ph, 16).ok_or_else(trunc)?;
        let filesz = u64_at(ph, 32).ok_or_else(trunc)?;
        let memsz = u64_at(ph, 40).ok_or_else(trunc)?;
        let p_align = u64_at(ph, 48).ok_or_else(trunc)?;
        match p_type {
            PT_LOAD => {
                let seg = Segment { index: i, flags, offset, vaddr, filesz, memsz };
                if let Some(a) = check_load(&seg, p_align, d.len())? {
                    align = align.max(a);
                }
                if memsz > 0 {
                    segments.push(seg);
                }
            }
            PT_INTERP if interp.is_none() => interp = Some(read_interp(d, i, offset, filesz)?),
            PT_PHDR => phdr_vaddr = Some(vaddr),
            PT_GNU_STACK => exec_stack = flags & PF_X != 0,
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err("no loadable segments (no PT_LOAD with p_memsz > 0)".into());
    }
    segments.sort_by_key(|s| s.vaddr);
    for w in segments.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b.vaddr < a.end() {
            return Err(format!(
                "segment {} [{:#x}, {:#x}) overlaps segment {} [{:#x}, {:#x})",
                b.index,
                b.vaddr,
                b.end(),
                a.index,
                a.vaddr,
                a.end()
            ));
        }
    }
    let elf = Elf { e_type, entry, phoff, phnum, segments, interp, phdr_vaddr, exec_stack, align };
    check_range(&elf, limit)?;
    if entry % 2 != 0 {
        return Err(format!("entry point {entry:#x} is not 2-byte aligned"));
    }
    if !elf.segments.iter().any(|s| entry >= s.vaddr && entry < s.end()) {
        return Err(format!("entry point {entry:#x} lies outside every loadable segment"));
    }
    Ok(elf)
}

/// Checks on one `PT_LOAD`; returns its alignment if it is a power of two above the page size.
fn check_load(s: &Segment, p_align: u64, file_len: usize) -> Result<Option<u64>, String> {
    let i = s.index;
    if s.filesz > s.memsz {
        return Err(format!("segment {i}: file size {:#x} exceeds memory size {:#x}", s.filesz, s.memsz));
    }
    let Some(end) = s.vaddr.checked_add(s.memsz) else {
        return Err(format!("segment {i}: {:#x} + {:#x} overflows", s.vaddr, s.memsz));
    };
    if end > USER_TOP {
        return Err(format!(
            "segment {i} [{:#x}, {end:#x}) extends beyond the user address space (USER_TOP {USER_TOP:#x})",
            s.vaddr
        ));
    }
    match s.offset.checked_add(s.filesz) {
        Some(fend) if fend <= file_len as u64 => {}
        _ => {
            return Err(format!(
                "segment {i}: file data [{:#x}, +{:#x}) lies past the end of the file ({file_len:#x} bytes)",
                s.offset, s.filesz
            ))
        }
    }
    if s.vaddr % PAGE_SIZE != s.offset % PAGE_SIZE {
        return Err(format!(
            "segment {i}: p_vaddr {:#x} and p_offset {:#x} are not congruent modulo the page size",
            s.vaddr, s.offset
        ));
    }
    if p_align > 1 && !p_align.is_power_of_two() {
        return Err(format!("segment {i}: p_align {p_align:#x} is not a power of two"));
    }
    if p_align >= USER_TOP {
        return Err(format!("segment {i}: p_align {p_align:#x} is larger than the address space"));
    }
    Ok((p_align > PAGE_SIZE).then_some(p_align))
}

/// The whole image must fit below `limit`: at its own addresses for `ET_EXEC`, by its span for
/// `ET_DYN` (which gets a bias).
fn check_range(elf: &Elf, limit: u64) -> Result<(), String> {
    if elf.e_type == ET_DYN {
        if elf.span() > limit - MIN_ADDR {
            return Err(format!(
                "segments span {:#x} bytes: more than the address space below the stack ({:#x})",
                elf.span(),
                limit - MIN_ADDR
            ));
        }
        return Ok(());
    }
    for s in &elf.segments {
        if s.vaddr < MIN_ADDR {
            return Err(format!(
                "segment {} [{:#x}, {:#x}) maps the first page (below {MIN_ADDR:#x})",
                s.index,
                s.vaddr,
                s.end()
            ));
        }
        if page_up(s.end()) > limit {
            return Err(format!(
                "segment {} [{:#x}, {:#x}) overlaps the stack region (which starts at {limit:#x})",
                s.index,
                s.vaddr,
                s.end()
            ));
        }
    }
    Ok(())
}

/// The `PT_INTERP` path: inside the file, NUL-terminated, non-empty, at most `PATH_MAX`.
fn read_interp(d: &[u8], i: usize, offset: u64, filesz: u64) -> Result<Vec<u8>, String> {
    if !(2..=PATH_MAX).contains(&filesz) {
        return Err(format!("PT_INTERP (header {i}) has bad size {filesz:#x}"));
    }
    let bytes = usize::try_from(offset)
        .ok()
        .and_then(|o| d.get(o..o.checked_add(filesz as usize)?))
        .ok_or_else(|| {
            format!(
                "PT_INTERP (header {i}) [{offset:#x}, +{filesz:#x}) lies past the end of the file ({:#x} bytes)",
                d.len()
            )
        })?;
    if bytes.last() != Some(&0) {
        return Err(format!("PT_INTERP (header {i}) path is not NUL-terminated"));
    }
    let path: Vec<u8> = bytes.iter().copied().take_while(|&b| b != 0).collect();
    if path.is_empty() {
        return Err(format!("PT_INTERP (header {i}) path is empty"));
    }
    Ok(path)
}
