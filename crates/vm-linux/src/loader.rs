//! Loading a RISC-V 64 Linux ELF into a process: static, static-pie and dynamic (with its
//! ELF interpreter looked up under the sysroot), `#!` scripts, then the initial stack.
//!
//! Everything that can be wrong with the files (the program, the interpreter, a `#!` line, the
//! size of the arguments) is checked *before* the old image is dropped, so a failed
//! [`exec`] leaves the process untouched, as execve(2) does. After that point only running out
//! of guest address space can fail.
//!
//! Address-space layout (Sv39, `USER_TOP` = 256 GiB):
//!
//! ```text
//! USER_TOP ┬ stack (8 MiB, RW), initial sp just below the top
//!          ├ guard gap (1 MiB) — no segment may reach into it
//!          ├ ELF interpreter: a free range from `find_free` (top-down)
//!          ├ …
//!          ├ PIE / static-pie / interpreter run directly: bias 0x2a_aaaa_a000 (as Linux riscv64)
//!          ├ …
//!  0x10000 ┴ ET_EXEC programs at their link address (page zero is never mapped)
//! ```

mod elf;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use vm_core::{CpuState, VmError};
use vm_mem::{Prot, PAGE_SIZE, USER_TOP};

pub use elf::{ET_DYN, ET_EXEC};

/// The instruction set of the programs a [`Process`] loads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Machine {
    /// RISC-V 64 (`EM_RISCV`), run by the RISC-V engines.
    #[default]
    Riscv64,
    /// x86-64 (`EM_X86_64`), run under hardware virtualisation.
    X86_64,
}

impl Machine {
    /// The ELF `e_machine` value.
    pub fn e_machine(self) -> u16 {
        match self {
            Machine::Riscv64 => elf::EM_RISCV,
            Machine::X86_64 => 62,
        }
    }

    /// `AT_HWCAP`: RV64GC's letters, or CPUID.1:EDX of the host for x86-64 (the program runs
    /// on the host CPU and sees its CPUID).
    pub fn hwcap(self) -> u64 {
        match self {
            Machine::Riscv64 => stack::HWCAP_RV64GC,
            #[cfg(target_arch = "x86_64")]
            Machine::X86_64 => u64::from(std::arch::x86_64::__cpuid(1).edx),
            #[cfg(not(target_arch = "x86_64"))]
            Machine::X86_64 => 0,
        }
    }
}

use crate::process::{Brk, MappedImage, Process};
use crate::stack::{self, AuxInfo};
use elf::{page_down, Elf};

/// Size of the initial stack mapping.
pub const STACK_SIZE: u64 = 8 << 20;
/// Top of the stack mapping (the stack grows down from here).
pub const STACK_TOP: u64 = USER_TOP;
/// Unmapped gap below the stack that no segment may occupy.
pub const STACK_GUARD: u64 = 1 << 20;
/// First address segments may not reach: the bottom of the stack's guard gap.
pub const SEGMENT_LIMIT: u64 = STACK_TOP - STACK_SIZE - STACK_GUARD;
/// Where a PIE (or a static-pie, or the interpreter run directly) is loaded: Linux riscv64's
/// `ELF_ET_DYN_BASE` for Sv39, two thirds of the user address space, page-aligned.
pub const ET_DYN_BASE: u64 = 0x2a_aaaa_a000;
/// Nested `#!` scripts allowed before giving up (Linux's `BINPRM_MAX_RECURSION`).
pub const MAX_SCRIPT_DEPTH: usize = 4;
/// Longest single argument or environment string (Linux's `MAX_ARG_STRLEN`).
const MAX_ARG_STRLEN: usize = 32 * PAGE_SIZE as usize;
/// Most bytes of argument and environment strings and their pointers (a quarter of the
/// stack, as Linux).
const MAX_ARG_TOTAL: usize = (STACK_SIZE / 4) as usize;
/// Longest `#!` line Linux looks at (`BINPRM_BUF_SIZE`).
const SHEBANG_MAX: usize = 256;

/// Replace `p`'s image with the program at host path `path` (execve semantics): clear memory,
/// load the ELF (or the interpreter of a `#!` script, with the script as its argument), load
/// its `PT_INTERP` interpreter if dynamic, build the initial stack with `argv`, `envp` and a
/// full auxv, reset registers and set `cpu.pc`/`sp`, `p.brk`, `p.exe`. Errors name the file and
/// what is wrong; `VmError::Io` carries the OS error (execve maps it to errno).
pub fn exec(p: &mut Process, path: &Path, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<(), VmError> {
    let data = read_file(path)?;
    load_image(p, path, &data, argv, envp)
}

/// [`exec`] with the file's contents already in memory (`bytes` read from `path`): the entry
/// point for fuzzing and for tests of hand-made images. `#!` interpreters and `PT_INTERP` are
/// still read from the host file system.
pub fn load_image(
    p: &mut Process,
    path: &Path,
    bytes: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
) -> Result<(), VmError> {
    load_at_depth(p, path, bytes, argv, envp, path.as_os_str().as_bytes(), 0)
}

fn read_file(path: &Path) -> Result<Vec<u8>, VmError> {
    read_regular(path).map_err(|source| VmError::Io { path: path.to_path_buf(), source })
}

/// Read a whole file, refusing anything but a regular file with EACCES as execve(2) does (so
/// that `/dev/zero` or a FIFO named as a program or interpreter cannot hang the loader).
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    let mut f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::from_raw_os_error(libc::EACCES));
    }
    let mut data = Vec::new();
    f.read_to_end(&mut data)?;
    Ok(data)
}

fn bad(path: &Path, reason: impl Into<String>) -> VmError {
    VmError::BadElf { path: path.to_path_buf(), reason: reason.into() }
}

fn guest_path(bytes: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(bytes))
}

fn load_at_depth(
    p: &mut Process,
    path: &Path,
    data: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    depth: usize,
) -> Result<(), VmError> {
    if data.starts_with(b"#!") {
        if depth >= MAX_SCRIPT_DEPTH {
            return Err(bad(path, format!("too many levels of #! interpreters (limit {MAX_SCRIPT_DEPTH})")));
        }
        let (interp, arg) = parse_shebang(data).map_err(|r| bad(path, r))?;
        let host = p.host_path(guest_path(&interp));
        let idata = read_regular(&host).map_err(|e| VmError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                e.kind(),
                format!("cannot run #! interpreter {}: {e}", guest_path(&interp).display()),
            ),
        })?;
        let mut args = vec![interp];
        args.extend(arg);
        args.push(path.as_os_str().as_bytes().to_vec());
        args.extend(argv.iter().skip(1).cloned());
        return load_at_depth(p, &host, &idata, &args, envp, execfn, depth + 1);
    }
    load_elf(p, path, data, argv, envp, execfn)
}

/// Parse a `#!` line as Linux's binfmt_script does: the interpreter path, then everything else
/// on the line (trimmed) as at most one argument.
fn parse_shebang(data: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), String> {
    let buf = &data[2..data.len().min(SHEBANG_MAX)];
    let line_end = buf.iter().position(|&b| b == b'\n' || b == 0);
    let line = &buf[..line_end.unwrap_or(buf.len())];
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let rest = &line[start..];
    let name_len = rest.iter().position(blank).unwrap_or(rest.len());
    if name_len == 0 {
        return Err("#! line names no interpreter".into());
    }
    if line_end.is_none() && name_len == rest.len() {
        return Err(format!("#! interpreter path is longer than the {SHEBANG_MAX}-byte #! line"));
    }
    let interp = rest[..name_len].to_vec();
    let tail = &rest[name_len..];
    let a = tail.iter().position(|b| !blank(b)).unwrap_or(tail.len());
    let z = tail.iter().rposition(|b| !blank(b)).map_or(a, |i| i + 1);
    let arg = (a < z).then(|| tail[a..z].to_vec());
    Ok((interp, arg))
}

/// Linux's ELF `p_flags` → page protection; W implies R (RISC-V has no write-only pages).
fn prot_of(flags: u32) -> Prot {
    let mut prot = 0;
    if flags & elf::PF_R != 0 {
        prot |= Prot::READ.0;
    }
    if flags & elf::PF_W != 0 {
        prot |= Prot::WRITE.0 | Prot::READ.0;
    }
    if flags & elf::PF_X != 0 {
        prot |= Prot::EXEC.0;
    }
    Prot(prot)
}

fn align_up(a: u64, align: u64) -> Option<u64> {
    Some(a.checked_add(align - 1)? & !(align - 1))
}

/// The interpreter named by `PT_INTERP`, read and validated.
fn load_interp(p: &Process, path: &Path, name: &[u8]) -> Result<(PathBuf, Vec<u8>, Elf), VmError> {
    let guest = guest_path(name);
    let host = p.host_path(guest);
    let data = read_regular(&host).map_err(|e| {
        let msg = if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "ELF interpreter {} not found (use -L/--sysroot, e.g. -L /usr/riscv64-linux-gnu)",
                guest.display()
            )
        } else {
            format!("cannot read ELF interpreter {}: {e}", host.display())
        };
        VmError::Io { path: path.to_path_buf(), source: std::io::Error::new(e.kind(), msg) }
    })?;
    let ielf = elf::parse(&data, SEGMENT_LIMIT, p.machine.e_machine())
        .map_err(|r| bad(&host, format!("as ELF interpreter: {r}")))?;
    if ielf.e_type != ET_DYN {
        return Err(bad(&host, "ELF interpreter is not position-independent (ET_DYN)"));
    }
    if ielf.interp.is_some() {
        return Err(bad(&host, "ELF interpreter has a PT_INTERP of its own"));
    }
    Ok((host, data, ielf))
}

fn check_args(path: &Path, argv: &[Vec<u8>], envp: &[Vec<u8>], execfn: &[u8]) -> Result<(), VmError> {
    let too_long = argv.iter().chain(envp).any(|s| s.len() >= MAX_ARG_STRLEN);
    if too_long || stack::total_size(argv, envp, execfn) > MAX_ARG_TOTAL {
        return Err(VmError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::from_raw_os_error(libc::E2BIG),
        });
    }
    Ok(())
}

fn load_elf(
    p: &mut Process,
    path: &Path,
    data: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
) -> Result<(), VmError> {
    let prog = elf::parse(data, SEGMENT_LIMIT, p.machine.e_machine()).map_err(|r| bad(path, r))?;
    let interp = match &prog.interp {
        Some(name) => Some(load_interp(p, path, name)?),
        None => None,
    };
    check_args(path, argv, envp, execfn)?;

    // Point of no return: the old image goes.
    p.mem.clear();
    let stack_prot = if prog.exec_stack { Prot::RWX } else { Prot::RW };
    p.mem
        .map_fixed(STACK_TOP - STACK_SIZE, STACK_SIZE, stack_prot)
        .map_err(|e| bad(path, format!("cannot map the stack: {e}")))?;

    let bias = if prog.e_type == ET_DYN { pick_bias(p, path, &prog, Some(ET_DYN_BASE))? } else { 0 };
    map_segments(p, path, &prog, data, bias)?;
    let entry = prog.entry.wrapping_add(bias);
    let image = |path: &Path, e: &Elf, bias: u64| MappedImage {
        path: path.to_path_buf(),
        bias,
        range: (e.lo().wrapping_add(bias), e.hi().wrapping_add(bias)),
    };
    p.images = vec![image(path, &prog, bias)];
    let (pc, base) = match &interp {
        Some((ipath, idata, ielf)) => {
            let ibias = pick_bias(p, ipath, ielf, None)?;
            map_segments(p, ipath, ielf, idata, ibias)?;
            p.images.push(image(ipath, ielf, ibias));
            (ielf.entry.wrapping_add(ibias), ibias)
        }
        None => (entry, 0),
    };

    let aux = AuxInfo {
        phdr: prog.phdr_addr().wrapping_add(bias),
        phnum: u64::from(prog.phnum),
        base,
        entry,
        ids: AuxInfo::host_ids(),
        hwcap: p.machine.hwcap(),
    };
    let st = stack::build(STACK_TOP, argv, envp, execfn, stack::host_random(), &aux);
    p.mem
        .write_force(st.sp, &st.bytes)
        .map_err(|f| VmError::Memory(format!("writing the initial stack at {:#x}: {f:?}", f.addr)))?;

    let brk = prog.hi().wrapping_add(bias);
    p.brk = Brk { start: brk, current: brk };
    p.cpu = CpuState::default();
    p.cpu.pc = pc;
    p.cpu.x[2] = st.sp;
    p.cpu.x[10] = 0;
    let exe = exe_path(path);
    p.exe = exe;
    p.sample_mapped();
    tracing::debug!(
        path = %path.display(), bias = format_args!("{bias:#x}"), entry = format_args!("{entry:#x}"),
        pc = format_args!("{pc:#x}"), sp = format_args!("{:#x}", st.sp), "exec"
    );
    Ok(())
}

/// The absolute host path of the program (for /proc/self/exe), as given if it cannot be
/// canonicalized.
fn exe_path(path: &Path) -> PathBuf {
    // /proc/self/exe is always absolute (glibc asserts it): an image that is not a file on
    // disk still gets an absolute name.
    std::fs::canonicalize(path).or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_path_buf())
}

/// Choose the bias of an `ET_DYN` image: `preferred` (aligned to the image's `p_align`) if
/// the image fits there below the stack, else a free range from `find_free`.
fn pick_bias(p: &Process, path: &Path, e: &Elf, preferred: Option<u64>) -> Result<u64, VmError> {
    let span = e.span();
    let fits = |start: u64| start.checked_add(span).is_some_and(|end| end <= SEGMENT_LIMIT);
    let start = match preferred.and_then(|b| align_up(b, e.align)).filter(|&s| fits(s)) {
        Some(s) => s,
        None => {
            let extra = e.align - PAGE_SIZE;
            let free = p
                .mem
                .find_free(span + extra, 0)
                .map_err(|err| bad(path, format!("no room for {span:#x} bytes of segments: {err}")))?;
            align_up(free, e.align).filter(|&s| fits(s)).ok_or_else(|| {
                bad(path, format!("no room for {span:#x} bytes of segments below the stack"))
            })?
        }
    };
    Ok(start.wrapping_sub(e.lo()))
}

/// Map every `PT_LOAD` of `e` at `bias` with its protection and copy its file bytes; the rest
/// (bss, the tail of the last file page) stays zero from the fresh mapping. Two segments may
/// share a page (the page gets both protections).
fn map_segments(p: &mut Process, path: &Path, e: &Elf, data: &[u8], bias: u64) -> Result<(), VmError> {
    let mut mapped_end = 0u64;
    let mut prev = Prot::NONE;
    for s in &e.segments {
        let prot = prot_of(s.flags);
        let mut start = page_down(s.vaddr.wrapping_add(bias));
        let end = elf::page_up(s.end().wrapping_add(bias));
        let seg_start = start;
        let map_err = |err| bad(path, format!("cannot map segment {} at {seg_start:#x}: {err}", s.index));
        let shared = start < mapped_end;
        if shared {
            let both = Prot(prot.0 | prev.0);
            p.mem.protect(start, PAGE_SIZE, both).map_err(map_err)?;
            start += PAGE_SIZE;
        }
        if start < end {
            p.mem.map_fixed(start, end - start, prot).map_err(map_err)?;
        }
        // Like a file mapping, the first page also shows the file bytes before p_vaddr
        // (e.g. the ELF header in front of the text), unless it is shared with the previous
        // segment.
        let lead = if shared { 0 } else { s.offset % PAGE_SIZE };
        let (from, to) = ((s.offset - lead) as usize, (s.offset + s.filesz) as usize);
        let bytes = data.get(from..to).ok_or_else(|| bad(path, "segment data past end of file"))?;
        let at = s.vaddr.wrapping_add(bias) - lead;
        p.mem.write_force(at, bytes).map_err(|f| {
            VmError::Memory(format!(
                "loading segment {} of {}: fault at {:#x}",
                s.index,
                path.display(),
                f.addr
            ))
        })?;
        mapped_end = mapped_end.max(end);
        prev = prot;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
