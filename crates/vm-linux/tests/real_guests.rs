//! The loader on real RV64GC Linux programs checked in under `guests/linux/loader` (built by
//! its `build.sh`): a static glibc program, a freestanding static-pie and a dynamic glibc
//! program whose interpreter comes from the sysroot `/usr/riscv64-linux-gnu`.
//!
//! Each test checks where the segments land (against the file's own program headers, read with
//! the `object` crate), the registers, the brk, and the initial stack parsed back from guest
//! memory (argv, envp, auxv).

use std::path::{Path, PathBuf};

use object::elf::{FileHeader64, PT_LOAD};
use object::read::elf::{FileHeader, ProgramHeader};
use object::LittleEndian as LE;
use vm_linux::loader::{self, ET_DYN_BASE, STACK_TOP};
use vm_linux::stack::*;
use vm_linux::Process;
use vm_mem::{Prot, PAGE_SIZE};

const SYSROOT: &str = "/usr/riscv64-linux-gnu";

fn guest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/linux/loader").join(name)
}

fn args(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// `(vaddr, memsz, filesz, offset, flags)` of a `PT_LOAD`.
type Load = (u64, u64, u64, u64, u32);

/// `(entry, loads)` of an ELF file.
fn headers(path: &Path) -> (u64, Vec<Load>) {
    let data = std::fs::read(path).unwrap();
    let h = FileHeader64::<LE>::parse(&*data).unwrap();
    let loads = h
        .program_headers(LE, &*data)
        .unwrap()
        .iter()
        .filter(|ph| ph.p_type(LE) == PT_LOAD)
        .map(|ph| (ph.p_vaddr(LE), ph.p_memsz(LE), ph.p_filesz(LE), ph.p_offset(LE), ph.p_flags(LE)))
        .collect();
    (h.e_entry(LE), loads)
}

fn prot(flags: u32) -> Prot {
    let mut p = 0;
    if flags & 4 != 0 {
        p |= 1;
    }
    if flags & 2 != 0 {
        p |= 3;
    }
    if flags & 1 != 0 {
        p |= 4;
    }
    Prot(p)
}

/// Every segment of `path` is mapped at `bias` with its protection and holds its file bytes.
fn check_segments(p: &Process, path: &Path, bias: u64) {
    let data = std::fs::read(path).unwrap();
    let (_, loads) = headers(path);
    for (vaddr, memsz, filesz, offset, flags) in loads {
        let at = vaddr + bias;
        assert_eq!(p.mem.prot_of(at), Some(prot(flags)), "{} segment at {at:#x}", path.display());
        assert_eq!(p.mem.prot_of(at + memsz - 1), Some(prot(flags)));
        let mut buf = vec![0; filesz as usize];
        p.mem.read(at, &mut buf).unwrap();
        assert!(buf == data[offset as usize..(offset + filesz) as usize], "file bytes at {at:#x}");
        let bss = (memsz - filesz).min(0x1000) as usize;
        let mut z = vec![1; bss];
        p.mem.read(at + filesz, &mut z).unwrap();
        assert!(z.iter().all(|&b| b == 0), "bss at {:#x} is zero", at + filesz);
    }
}

fn stack_of(p: &Process) -> ParsedStack {
    let sp = p.cpu.x[2];
    assert_eq!(sp % 16, 0);
    assert!(sp < STACK_TOP);
    read_initial_stack(&p.mem, sp).unwrap()
}

fn check_common_aux(st: &ParsedStack) {
    assert_eq!(st.aux(AT_PAGESZ), Some(PAGE_SIZE));
    assert_eq!(st.aux(AT_PHENT), Some(56));
    assert_eq!(st.aux(AT_HWCAP), Some(0x112d));
    assert_eq!(st.aux(AT_CLKTCK), Some(100));
    assert_eq!(st.aux(AT_SECURE), Some(0));
    assert_eq!(st.aux(AT_FLAGS), Some(0));
    assert!(st.aux(AT_RANDOM).is_some());
    let ids = AuxInfo::host_ids();
    assert_eq!([AT_UID, AT_EUID, AT_GID, AT_EGID].map(|k| st.aux(k).unwrap()), ids);
    assert!(st.aux(AT_EXECFN).is_some());
}

#[test]
fn static_glibc_program() {
    let path = guest("hello-static.elf");
    let (entry, loads) = headers(&path);
    let mut p = Process::new(None).unwrap();
    let argv = args(&["hello", "x"]);
    let envp = args(&["LANG=C"]);
    loader::exec(&mut p, &path, &argv, &envp).unwrap();
    assert_eq!(p.cpu.pc, entry);
    assert_eq!(p.cpu.x[10], 0);
    check_segments(&p, &path, 0);
    let (v, m, ..) = *loads.last().unwrap();
    let end = (v + m).next_multiple_of(PAGE_SIZE);
    assert_eq!((p.brk.start, p.brk.current), (end, end));
    let st = stack_of(&p);
    assert_eq!((st.argv.clone(), st.envp.clone()), (argv, envp));
    check_common_aux(&st);
    assert_eq!(st.aux(AT_PHDR), Some(loads[0].0 + 64));
    assert_eq!(st.aux(AT_PHNUM), Some(u64::from(p_phnum(&path))));
    assert_eq!(st.aux(AT_ENTRY), Some(entry));
    assert_eq!(st.aux(AT_BASE), Some(0));
    let execfn = p.mem.read_cstr(st.aux(AT_EXECFN).unwrap(), 4096).unwrap();
    assert_eq!(execfn, path.as_os_str().as_encoded_bytes());
    assert_eq!(p.exe, std::fs::canonicalize(&path).unwrap());
}

fn p_phnum(path: &Path) -> u16 {
    let data = std::fs::read(path).unwrap();
    FileHeader64::<LE>::parse(&*data).unwrap().e_phnum(LE)
}

#[test]
fn static_pie_gets_the_linux_bias() {
    let path = guest("nolibc-static-pie.elf");
    let (entry, loads) = headers(&path);
    let mut p = Process::new(None).unwrap();
    loader::exec(&mut p, &path, &args(&["pie", "a"]), &[]).unwrap();
    assert_eq!(p.cpu.pc, ET_DYN_BASE + entry);
    check_segments(&p, &path, ET_DYN_BASE);
    let (v, m, ..) = *loads.last().unwrap();
    assert_eq!(p.brk.start, (ET_DYN_BASE + v + m).next_multiple_of(PAGE_SIZE));
    let st = stack_of(&p);
    check_common_aux(&st);
    assert_eq!(st.argv, args(&["pie", "a"]));
    assert_eq!(st.aux(AT_BASE), Some(0));
    assert_eq!(st.aux(AT_ENTRY), Some(ET_DYN_BASE + entry));
    assert_eq!(st.aux(AT_PHDR), Some(ET_DYN_BASE + 64));
}

#[test]
fn dynamic_program_and_its_interpreter() {
    if !Path::new(SYSROOT).join("lib/ld-linux-riscv64-lp64d.so.1").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {SYSROOT} has no ld-linux-riscv64-lp64d.so.1"
        );
        println!("SKIPPED: {SYSROOT} is missing (apt install libc6-dev-riscv64-cross)");
        return;
    }
    let path = guest("hello-dynamic.elf");
    let (entry, _) = headers(&path);

    // Without a sysroot the interpreter is not found (on a non-RISC-V host).
    if !Path::new("/lib/ld-linux-riscv64-lp64d.so.1").exists() {
        let mut p = Process::new(None).unwrap();
        let e = loader::exec(&mut p, &path, &args(&["hello"]), &[]).unwrap_err().to_string();
        assert!(
            e.contains(
                "ELF interpreter /lib/ld-linux-riscv64-lp64d.so.1 not found (use -L/--sysroot, e.g. -L /usr/riscv64-linux-gnu)"
            ),
            "{e}"
        );
    }

    let mut p = Process::new(Some(SYSROOT.into())).unwrap();
    loader::exec(&mut p, &path, &args(&["hello"]), &args(&["A=b"])).unwrap();
    check_segments(&p, &path, ET_DYN_BASE);
    let st = stack_of(&p);
    check_common_aux(&st);
    let ld = Path::new(SYSROOT).join("lib/ld-linux-riscv64-lp64d.so.1");
    let (ld_entry, ld_loads) = headers(&ld);
    let base = st.aux(AT_BASE).unwrap();
    assert!(base != 0 && base & (PAGE_SIZE - 1) == 0, "AT_BASE {base:#x}");
    assert_eq!(ld_loads[0].0, 0, "ld.so is linked at 0");
    check_segments(&p, &ld, base);
    assert_eq!(p.cpu.pc, base + ld_entry, "execution starts in the interpreter");
    assert_eq!(st.aux(AT_ENTRY), Some(ET_DYN_BASE + entry));
    assert_eq!(st.aux(AT_PHDR), Some(ET_DYN_BASE + 64));
    assert_eq!(st.aux(AT_PHNUM), Some(u64::from(p_phnum(&path))));
    assert_eq!(st.envp, args(&["A=b"]));
    assert!(p.brk.start < base, "brk {:#x} follows the program, below the interpreter", p.brk.start);
}
