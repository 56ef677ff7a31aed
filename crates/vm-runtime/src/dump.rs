//! QEMU-style dumps (`vm run -d in_asm,ir,out_asm,exec -D FILE`), written by a [`Dumper`].
//!
//! - `in_asm`: when a block is translated (lifted into the [`BlockCache`]), its guest
//!   instructions: address, raw bits, disassembly (objdump syntax), under `IN:`.
//! - `ir`: the same block's IR in the text form of [`vm_ir`] (`block 0x…:` then one op a line),
//!   under `IR:`.
//! - `out_asm`: per JIT translation (a region of blocks), which guest blocks it covers and its
//!   host x86-64 code disassembled with iced-x86 (Intel syntax), under `OUT:`. On other hosts
//!   the code is shown as raw bytes.
//! - `exec`: one `Trace 0: … [pc]` line per block the run loop interprets and per entry into
//!   compiled code. Like QEMU's `-d exec` without `nochain`, blocks reached by chained jumps
//!   inside compiled code are not seen.
//!
//! The dumper lives in the [`BlockCache`] (which every engine path already holds), so the
//! lifting code, the tiering and the run loop reach it without new plumbing. Output is buffered;
//! it is flushed when a run ends and before the guest forks (a forked child would otherwise
//! write the parent's buffered lines a second time). A write error stops the dump with one
//! warning; it never stops the guest.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};

use vm_core::{DumpConfig, DumpItems, VmError};
use vm_frontend::riscv64::{decode, disasm::disasm, lift::LiftedBlock};

use crate::cache::BlockCache;
use crate::tier::Tiering;

/// Writes the dumps chosen by [`DumpItems`] to a file or stderr.
pub struct Dumper {
    items: DumpItems,
    out: BufWriter<Box<dyn Write + Send>>,
    failed: bool,
}

impl std::fmt::Debug for Dumper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dumper").field("items", &self.items).finish_non_exhaustive()
    }
}

impl Dumper {
    /// A dumper writing `items` to `out`.
    pub fn new(items: DumpItems, out: Box<dyn Write + Send>) -> Self {
        Dumper { items, out: BufWriter::with_capacity(64 * 1024, out), failed: false }
    }

    /// The dumper `config` asks for: `None` when no item is on; the file is created (or
    /// truncated) now, and an error names it if that fails.
    pub fn open(config: &DumpConfig) -> Result<Option<Self>, VmError> {
        if !config.items.any() {
            return Ok(None);
        }
        let out: Box<dyn Write + Send> = match &config.file {
            Some(path) => {
                Box::new(File::create(path).map_err(|source| VmError::Io { path: path.clone(), source })?)
            }
            None => Box::new(std::io::stderr()),
        };
        Ok(Some(Dumper::new(config.items, out)))
    }

    /// What this dumper writes.
    pub fn items(&self) -> DumpItems {
        self.items
    }

    fn put(&mut self, text: &str) {
        if self.failed {
            return;
        }
        if let Err(e) = self.out.write_all(text.as_bytes()) {
            self.failed = true;
            tracing::warn!("dump output failed, no more dumps: {e}");
        }
    }

    /// Write out what is buffered.
    pub fn flush(&mut self) {
        if !self.failed {
            if let Err(e) = self.out.flush() {
                self.failed = true;
                tracing::warn!("dump output failed, no more dumps: {e}");
            }
        }
    }

    /// A block was just translated: its guest code (`in_asm`) and IR (`ir`).
    pub fn block(&mut self, lifted: &LiftedBlock) {
        let mut s = String::new();
        if self.items.in_asm {
            s.push_str("----------------\nIN: \n");
            for m in &lifted.insns {
                let insn = decode(m.raw);
                let raw =
                    if m.len == 2 { format!("{:04x}    ", m.raw & 0xffff) } else { format!("{:08x}", m.raw) };
                let text = disasm(&insn, m.pc);
                let text = match text.split_once('\t') {
                    Some((mnemonic, operands)) => format!("{mnemonic:<8}{operands}"),
                    None => text,
                };
                let _ = writeln!(s, "0x{:016x}:  {raw}  {text}", m.pc);
            }
            if lifted.insns.is_empty() {
                let _ =
                    writeln!(s, "0x{:016x}:  (cannot fetch: {})", lifted.block.start_pc, lifted.block.term);
            }
            s.push('\n');
        }
        if self.items.ir {
            let _ = write!(s, "IR: \n{}\n", lifted.block);
        }
        self.put(&s);
    }

    /// JIT translation number `index` was made from the guest blocks `blocks` (`[start, end)`
    /// ranges, the entry first); its host code is `code`, at host address `host` (`out_asm`).
    pub fn translation(&mut self, index: u32, blocks: &[(u64, u64)], host: u64, code: &[u8]) {
        if !self.items.out_asm {
            return;
        }
        let mut s = format!("OUT: [region {index}, size={}, host 0x{host:x}]\n", code.len());
        let covered: Vec<String> = blocks.iter().map(|(a, b)| format!("0x{a:x}..0x{b:x}")).collect();
        let _ = writeln!(s, "  guest blocks ({}): {}", blocks.len(), covered.join(", "));
        host_disasm(&mut s, host, code);
        s.push('\n');
        self.put(&s);
    }

    /// The run loop interprets the block at `pc` (`exec`).
    pub fn exec_interp(&mut self, pc: u64) {
        self.put(&format!("Trace 0: interp [{pc:016x}]\n"));
    }

    /// The run loop enters JIT translation `index` (host code at `host`) at `pc` (`exec`).
    pub fn exec_region(&mut self, pc: u64, index: u32, host: u64) {
        self.put(&format!("Trace 0: 0x{host:x} [{pc:016x}] region {index}\n"));
    }
}

impl Drop for Dumper {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Append the disassembly of the x86-64 `code` at address `host` to `s`, one instruction a line:
/// address, bytes, Intel syntax. Cranelift puts a translation's constants after its code; the
/// lowest address inside `code` that an instruction reads rip-relative is taken as where they
/// start, and from there on the bytes are shown as data.
#[cfg(target_arch = "x86_64")]
fn host_disasm(s: &mut String, host: u64, code: &[u8]) {
    use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter};
    let end = host + code.len() as u64;
    let mut data_start = end;
    let mut decoder = Decoder::with_ip(64, code, host, DecoderOptions::NONE);
    let mut insn = Instruction::default();
    while decoder.can_decode() && decoder.ip() < data_start {
        decoder.decode_out(&mut insn);
        if insn.is_ip_rel_memory_operand() {
            let target = insn.ip_rel_memory_address();
            if (insn.next_ip()..end).contains(&target) {
                data_start = data_start.min(target);
            }
        }
    }
    let mut code_len = (data_start - host) as usize;
    let mut formatter = IntelFormatter::new();
    let options = formatter.options_mut();
    options.set_first_operand_char_index(8);
    options.set_space_after_operand_separator(true);
    options.set_uppercase_hex(false);
    options.set_hex_prefix("0x");
    options.set_hex_suffix("");
    options.set_branch_leading_zeros(false);
    let mut decoder = Decoder::with_ip(64, &code[..code_len], host, DecoderOptions::NONE);
    let mut text = String::new();
    while decoder.can_decode() {
        // Zeros just before the constants are their alignment padding, not `add [rax], al`.
        let at = decoder.position();
        if code_len - at < 16 && code[at..code_len].iter().all(|&b| b == 0) {
            code_len = at;
            break;
        }
        decoder.decode_out(&mut insn);
        text.clear();
        formatter.format(&insn, &mut text);
        let start = (insn.ip() - host) as usize;
        let bytes: String = code[start..start + insn.len()].iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(s, "0x{:016x}:  {bytes:<20}  {text}", insn.ip());
    }
    for (i, chunk) in code[code_len..].chunks(8).enumerate() {
        let bytes: Vec<String> = chunk.iter().map(|b| format!("0x{b:02x}")).collect();
        let _ = writeln!(s, "0x{:016x}:  .byte   {}", host + (code_len + 8 * i) as u64, bytes.join(", "));
    }
}

/// Append `code` at address `host` to `s` as raw bytes, 16 a line (no disassembler for this host).
#[cfg(not(target_arch = "x86_64"))]
fn host_disasm(s: &mut String, host: u64, code: &[u8]) {
    for (i, chunk) in code.chunks(16).enumerate() {
        let bytes: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(s, "0x{:016x}:  .byte {}", host + 16 * i as u64, bytes.join(" "));
    }
}

/// `exec` for an interpreted block at `pc`, if the cache carries a dumper.
#[cold]
pub(crate) fn exec_interp(cache: &mut BlockCache, pc: u64) {
    if let Some(d) = cache.dump.as_deref_mut() {
        d.exec_interp(pc);
    }
}

/// `exec` for an entry at `pc` into translation `rid`, if the cache carries a dumper.
#[cold]
pub(crate) fn exec_region(cache: &mut BlockCache, tier: &Tiering, pc: u64, rid: vm_engine_jit::RegionId) {
    if let (Some(d), Some((host, _))) = (cache.dump.as_deref_mut(), tier.region_code(rid)) {
        d.exec_region(pc, rid.index(), host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn text(out: &Shared) -> String {
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_block_dumps_its_guest_code_and_ir() {
        // addi a0, zero, 42 ; c.jr ra
        let code: [u16; 3] = [0x0513, 0x02a0, 0x8082];
        let lifted =
            vm_frontend::riscv64::lift::lift_block(|a| Ok(code[((a - 0x1000) / 2) as usize]), 0x1000, 8);
        let out = Shared::default();
        let mut d =
            Dumper::new(DumpItems { in_asm: true, ir: true, ..Default::default() }, Box::new(out.clone()));
        d.block(&lifted);
        d.flush();
        let t = text(&out);
        assert!(t.contains("IN: \n0x0000000000001000:  02a00513  li      a0,42\n"), "{t}");
        assert!(t.contains("0x0000000000001004:  8082      ret"), "{t}");
        assert!(t.contains("IR: \nblock 0x1000:\n"), "{t}");
    }

    #[test]
    fn translations_and_exec_lines_only_when_asked() {
        let out = Shared::default();
        let mut d = Dumper::new(DumpItems { exec: true, ..Default::default() }, Box::new(out.clone()));
        d.translation(0, &[(0x1000, 0x1008)], 0x5000, &[0xc3]);
        d.exec_interp(0x1000);
        d.exec_region(0x1000, 2, 0x5000);
        d.flush();
        assert_eq!(
            text(&out),
            "Trace 0: interp [0000000000001000]\nTrace 0: 0x5000 [0000000000001000] region 2\n"
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn host_code_is_disassembled() {
        let out = Shared::default();
        let mut d = Dumper::new(DumpItems { out_asm: true, ..Default::default() }, Box::new(out.clone()));
        // push rbp; mov rbp, rsp; pop rbp; ret
        d.translation(
            3,
            &[(0x1000, 0x1008), (0x1010, 0x1014)],
            0x7000,
            &[0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3],
        );
        d.flush();
        let t = text(&out);
        assert!(
            t.starts_with(
                "OUT: [region 3, size=6, host 0x7000]\n  guest blocks (2): 0x1000..0x1008, 0x1010..0x1014\n"
            ),
            "{t}"
        );
        assert!(t.contains("0x0000000000007001:  4889e5                mov     rbp, rsp\n"), "{t}");
        assert!(t.contains("0x0000000000007005:  c3                    ret\n"), "{t}");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn constants_after_the_code_are_shown_as_data() {
        let out = Shared::default();
        let mut d = Dumper::new(DumpItems { out_asm: true, ..Default::default() }, Box::new(out.clone()));
        // movsd xmm0, [rip+2]; ret; one byte of padding; then 8 bytes of constant
        let code = [0xf2, 0x0f, 0x10, 0x05, 0x02, 0, 0, 0, 0xc3, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f];
        d.translation(0, &[(0x1000, 0x1004)], 0x7000, &code);
        d.flush();
        let t = text(&out);
        assert!(t.contains("movsd   xmm0, [0x700a]\n"), "{t}");
        assert!(t.contains("0x0000000000007008:  c3                    ret\n"), "{t}");
        assert!(
            t.contains("0x0000000000007009:  .byte   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0\n"),
            "{t}"
        );
        assert!(!t.contains("add"), "{t}");
    }

    #[test]
    fn an_uncreatable_file_is_an_error_naming_it() {
        let config = DumpConfig {
            items: DumpItems { exec: true, ..Default::default() },
            file: Some("/nonexistent-dir/dump.txt".into()),
        };
        let e = Dumper::open(&config).unwrap_err().to_string();
        assert!(e.contains("/nonexistent-dir/dump.txt"), "{e}");
        assert!(Dumper::open(&DumpConfig::default()).unwrap().is_none());
    }
}
