//! A minimal ELF64 little-endian writer for loader tests: a file header, program headers
//! right after it, an optional `PT_INTERP` string, then each segment's bytes at a file offset
//! congruent to its address modulo the page size.

#![allow(dead_code)]

/// `PT_LOAD`.
pub const PT_LOAD: u32 = 1;
/// `PT_INTERP`.
pub const PT_INTERP: u32 = 3;
/// Readable + executable.
pub const RX: u32 = 5;
/// Readable + writable.
pub const RW: u32 = 6;

/// One `PT_LOAD` to emit.
#[derive(Clone, Debug)]
pub struct Seg {
    /// ELF `p_flags`.
    pub flags: u32,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// File bytes (`p_filesz` = its length).
    pub data: Vec<u8>,
    /// `p_memsz` (at least `data.len()`).
    pub memsz: u64,
}

/// What to emit.
#[derive(Clone, Debug)]
pub struct ElfSpec {
    /// `e_type` (2 = EXEC, 3 = DYN).
    pub e_type: u16,
    /// `e_machine` (243 = RISC-V).
    pub machine: u16,
    /// `e_entry`.
    pub entry: u64,
    /// Loadable segments.
    pub segs: Vec<Seg>,
    /// `PT_INTERP` contents (NUL included by the caller if wanted).
    pub interp: Option<Vec<u8>>,
}

impl ElfSpec {
    /// A static ET_EXEC: text (RX, 0x100 bytes of `c.nop`-ish data) at 0x10000, data (RW,
    /// 0x10 file bytes + bss) at 0x11000, entry at the start of the text.
    pub fn static_exec() -> ElfSpec {
        ElfSpec {
            e_type: 2,
            machine: 243,
            entry: 0x10000 + 0x200,
            segs: vec![
                Seg { flags: RX, vaddr: 0x10000, data: vec![0x13; 0x300], memsz: 0x300 },
                Seg { flags: RW, vaddr: 0x11300, data: vec![0xAB; 0x10], memsz: 0x2000 },
            ],
            interp: None,
        }
    }

    /// The same as a position-independent ET_DYN linked at 0.
    pub fn pie() -> ElfSpec {
        ElfSpec {
            e_type: 3,
            machine: 243,
            entry: 0x200,
            segs: vec![
                Seg { flags: RX, vaddr: 0, data: vec![0x13; 0x300], memsz: 0x300 },
                Seg { flags: RW, vaddr: 0x1300, data: vec![0xAB; 0x10], memsz: 0x2000 },
            ],
            interp: None,
        }
    }

    /// Serialize. The first segment's file bytes start at offset 0 if its address is
    /// page-aligned, so it covers the headers (as real linkers do); its data must then be at
    /// least as long as the headers, which are written over its first bytes.
    pub fn build(&self) -> Vec<u8> {
        let nph = self.segs.len() + usize::from(self.interp.is_some());
        let hdr_end = 64 + 56 * nph;
        let mut out = vec![0u8; hdr_end];
        let mut phdrs = Vec::new();
        if let Some(interp) = &self.interp {
            let off = out.len() as u64;
            out.extend_from_slice(interp);
            let len = interp.len() as u64;
            phdrs.push(phdr(PT_INTERP, 4, off, 0, len, len, 1));
        }
        for (i, s) in self.segs.iter().enumerate() {
            let off = if i == 0 && s.vaddr % 4096 == 0 && s.data.len() >= hdr_end && self.interp.is_none() {
                0
            } else {
                let mut o = out.len() as u64;
                o += (s.vaddr % 4096 + 4096 - o % 4096) % 4096;
                o
            };
            let end = off as usize + s.data.len();
            if out.len() < end {
                out.resize(end, 0);
            }
            let keep = if off == 0 { hdr_end } else { 0 };
            out[off as usize + keep..end].copy_from_slice(&s.data[keep..]);
            phdrs.push(phdr(PT_LOAD, s.flags, off, s.vaddr, s.data.len() as u64, s.memsz, 4096));
        }
        out[..4].copy_from_slice(b"\x7fELF");
        out[4] = 2; // ELFCLASS64
        out[5] = 1; // little-endian
        out[6] = 1; // EV_CURRENT
        put16(&mut out, 16, self.e_type);
        put16(&mut out, 18, self.machine);
        put32(&mut out, 20, 1);
        put64(&mut out, 24, self.entry);
        put64(&mut out, 32, 64); // e_phoff
        put32(&mut out, 48, 0x5); // e_flags: RVC | double-float ABI
        put16(&mut out, 52, 64);
        put16(&mut out, 54, 56);
        put16(&mut out, 56, nph as u16);
        put16(&mut out, 58, 64); // e_shentsize
        for (i, ph) in phdrs.iter().enumerate() {
            out[64 + 56 * i..64 + 56 * (i + 1)].copy_from_slice(ph);
        }
        out
    }
}

/// One raw `Elf64_Phdr`.
pub fn phdr(p_type: u32, flags: u32, off: u64, vaddr: u64, filesz: u64, memsz: u64, align: u64) -> [u8; 56] {
    let mut b = [0u8; 56];
    put32(&mut b, 0, p_type);
    put32(&mut b, 4, flags);
    put64(&mut b, 8, off);
    put64(&mut b, 16, vaddr);
    put64(&mut b, 24, vaddr);
    put64(&mut b, 32, filesz);
    put64(&mut b, 40, memsz);
    put64(&mut b, 48, align);
    b
}

/// Offset of field `field_off` of program header `i` in a file built by [`ElfSpec::build`].
pub fn ph_field(i: usize, field_off: usize) -> usize {
    64 + 56 * i + field_off
}

/// `p_offset` within a program header.
pub const P_OFFSET: usize = 8;
/// `p_vaddr` within a program header.
pub const P_VADDR: usize = 16;
/// `p_filesz` within a program header.
pub const P_FILESZ: usize = 32;
/// `p_memsz` within a program header.
pub const P_MEMSZ: usize = 40;
/// `p_align` within a program header.
pub const P_ALIGN: usize = 48;

/// Store a little-endian u16.
pub fn put16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_le_bytes());
}

/// Store a little-endian u32.
pub fn put32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// Store a little-endian u64.
pub fn put64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}
