//! Unit tests of the loader on hand-made ELFs (built by `tests/common/elfbuild.rs`).

use super::*;
use crate::stack::{read_initial_stack, *};

#[path = "../../tests/common/elfbuild.rs"]
mod elfbuild;
use elfbuild::*;

fn args(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn process() -> Process {
    Process::new(None).expect("address space")
}

/// A fresh directory under the system temp dir for files of one test.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vm-loader-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read(p: &Process, addr: u64, len: usize) -> Vec<u8> {
    let mut b = vec![0; len];
    p.mem.read(addr, &mut b).unwrap();
    b
}

#[test]
fn shebang_parsing() {
    let s = |t: &[u8]| parse_shebang(t);
    assert_eq!(s(b"#!/bin/sh\n").unwrap(), (b"/bin/sh".to_vec(), None));
    assert_eq!(s(b"#! \t/bin/sh  -e -x \t\necho").unwrap(), (b"/bin/sh".to_vec(), Some(b"-e -x".to_vec())));
    assert_eq!(s(b"#!/usr/bin/env python3").unwrap(), (b"/usr/bin/env".to_vec(), Some(b"python3".to_vec())));
    assert_eq!(s(b"#!/bin/sh -x").unwrap(), (b"/bin/sh".to_vec(), Some(b"-x".to_vec())));
    assert!(s(b"#!\n").unwrap_err().contains("no interpreter"));
    assert!(s(b"#!   \n").unwrap_err().contains("no interpreter"));
    let long = [b"#!/".as_slice(), &[b'a'; 300]].concat();
    assert!(s(&long).unwrap_err().contains("longer"));
}

#[test]
fn parse_static_exec() {
    let e = elf::parse(&ElfSpec::static_exec().build(), SEGMENT_LIMIT, elf::EM_RISCV).unwrap();
    assert_eq!(e.e_type, ET_EXEC);
    assert_eq!(e.segments.len(), 2);
    assert_eq!((e.lo(), e.hi()), (0x10000, 0x14000));
    assert_eq!(e.phdr_addr(), 0x10040);
    assert_eq!(e.interp, None);
}

#[test]
fn static_exec_lands_at_its_addresses() {
    let mut p = process();
    let data = ElfSpec::static_exec().build();
    let argv = args(&["prog", "one", "two"]);
    let envp = args(&["HOME=/root", "X=y"]);
    load_image(&mut p, Path::new("/t/prog"), &data, &argv, &envp).unwrap();
    assert_eq!(p.cpu.pc, 0x10200);
    assert_eq!(p.cpu.x[10], 0);
    assert_eq!(p.cpu.fs, 1);
    assert_eq!(p.brk, Brk { start: 0x14000, current: 0x14000 });
    assert_eq!(p.mem.prot_of(0x10000), Some(Prot::RX));
    assert_eq!(p.mem.prot_of(0x11000), Some(Prot::RW));
    assert_eq!(p.mem.prot_of(0x13fff), Some(Prot::RW));
    assert_eq!(p.mem.prot_of(0x14000), None);
    assert_eq!(p.mem.prot_of(0xf000), None);
    // Headers are visible at the start of the text, file bytes where they belong, bss zero.
    assert_eq!(read(&p, 0x10000, 4), b"\x7fELF");
    assert_eq!(read(&p, 0x10200, 2), [0x13, 0x13]);
    assert_eq!(read(&p, 0x11300, 0x10), [0xAB; 0x10]);
    assert_eq!(read(&p, 0x11310, 0x1ff0), vec![0; 0x1ff0]);
    // As with Linux's file mapping, the data page also shows the file bytes before p_vaddr.
    assert!(read(&p, 0x11000, 0x300) == data[..0x300], "bytes before p_vaddr of the data page");

    let sp = p.cpu.x[2];
    assert_eq!(sp % 16, 0);
    assert!(sp < STACK_TOP && sp > STACK_TOP - 0x1000);
    assert_eq!(p.mem.prot_of(STACK_TOP - STACK_SIZE), Some(Prot::RW));
    assert_eq!(p.mem.prot_of(STACK_TOP - STACK_SIZE - 1), None);
    let st = read_initial_stack(&p.mem, sp).unwrap();
    assert_eq!(st.argv, argv);
    assert_eq!(st.envp, envp);
    assert_eq!(st.aux(AT_PHDR), Some(0x10040));
    assert_eq!(st.aux(AT_PHENT), Some(56));
    assert_eq!(st.aux(AT_PHNUM), Some(2));
    assert_eq!(st.aux(AT_PAGESZ), Some(4096));
    assert_eq!(st.aux(AT_BASE), Some(0));
    assert_eq!(st.aux(AT_FLAGS), Some(0));
    assert_eq!(st.aux(AT_ENTRY), Some(0x10200));
    assert_eq!(st.aux(AT_HWCAP), Some(0x112d));
    assert_eq!(st.aux(AT_CLKTCK), Some(100));
    assert_eq!(st.aux(AT_SECURE), Some(0));
    assert_eq!(st.aux(AT_UID), Some(AuxInfo::host_ids()[0]));
    assert_eq!(st.aux(AT_EGID), Some(AuxInfo::host_ids()[3]));
    let execfn = st.aux(AT_EXECFN).unwrap();
    assert_eq!(p.mem.read_cstr(execfn, 100).unwrap(), b"/t/prog");
    let random = st.aux(AT_RANDOM).unwrap();
    assert_ne!(read(&p, random, 16), vec![0; 16]);
}

#[test]
fn pie_gets_the_linux_bias() {
    let mut p = process();
    load_image(&mut p, Path::new("pie"), &ElfSpec::pie().build(), &args(&["pie"]), &[]).unwrap();
    let b = ET_DYN_BASE;
    assert_eq!(p.cpu.pc, b + 0x200);
    assert_eq!(p.mem.prot_of(b), Some(Prot::RX));
    assert_eq!(p.mem.prot_of(b + 0x1000), Some(Prot::RW));
    assert_eq!(read(&p, b + 0x1300, 4), [0xAB; 4]);
    assert_eq!(p.brk.start, b + 0x4000);
    let st = read_initial_stack(&p.mem, p.cpu.x[2]).unwrap();
    assert_eq!(st.aux(AT_PHDR), Some(b + 64));
    assert_eq!(st.aux(AT_ENTRY), Some(b + 0x200));
    assert_eq!(st.aux(AT_BASE), Some(0));
}

#[test]
fn segments_sharing_a_page_keep_both_contents() {
    let mut spec = ElfSpec::static_exec();
    spec.segs[1].vaddr = 0x10300; // same page as the end of the text
    let mut p = process();
    load_image(&mut p, Path::new("shared"), &spec.build(), &[], &[]).unwrap();
    assert_eq!(p.mem.prot_of(0x10000), Some(Prot::RWX));
    assert_eq!(read(&p, 0x10200, 2), [0x13, 0x13]);
    assert_eq!(read(&p, 0x10300, 0x10), [0xAB; 0x10]);
    assert_eq!(p.mem.prot_of(0x11000), Some(Prot::RW));
}

#[test]
fn failed_exec_leaves_the_old_image() {
    let mut p = process();
    load_image(&mut p, Path::new("a"), &ElfSpec::static_exec().build(), &[], &[]).unwrap();
    let (pc, sp) = (p.cpu.pc, p.cpu.x[2]);
    let mut bad = ElfSpec::static_exec().build();
    bad[18] = 62;
    assert!(load_image(&mut p, Path::new("b"), &bad, &[], &[]).is_err());
    let huge = vec![vec![b'x'; 100_000]; 30];
    let e = load_image(&mut p, Path::new("c"), &ElfSpec::static_exec().build(), &huge, &[]).unwrap_err();
    assert!(matches!(&e, VmError::Io { source, .. } if source.raw_os_error() == Some(libc::E2BIG)), "{e}");
    let many = vec![Vec::new(); 300_000]; // 300k empty strings: their pointers alone are too many
    let e = load_image(&mut p, Path::new("d"), &ElfSpec::static_exec().build(), &many, &[]).unwrap_err();
    assert!(matches!(&e, VmError::Io { source, .. } if source.raw_os_error() == Some(libc::E2BIG)), "{e}");
    assert_eq!((p.cpu.pc, p.cpu.x[2]), (pc, sp));
    assert_eq!(read(&p, 0x10000, 4), b"\x7fELF");
}

#[test]
fn dynamic_program_loads_its_interpreter_from_the_sysroot() {
    let root = temp_dir("sysroot");
    std::fs::create_dir_all(root.join("lib")).unwrap();
    let mut ld = ElfSpec::pie();
    ld.entry = 0x100;
    std::fs::write(root.join("lib/ld-test.so.1"), ld.build()).unwrap();
    let mut prog = ElfSpec::static_exec();
    prog.interp = Some(b"/lib/ld-test.so.1\0".to_vec());
    let data = prog.build();

    // Without the sysroot the interpreter is missing.
    let mut p = process();
    let e = load_image(&mut p, Path::new("dyn"), &data, &[], &[]).unwrap_err().to_string();
    assert!(e.contains("ELF interpreter /lib/ld-test.so.1 not found (use -L"), "{e}");

    let mut p = Process::new(Some(root.clone())).unwrap();
    load_image(&mut p, Path::new("dyn"), &data, &args(&["dyn"]), &[]).unwrap();
    let st = read_initial_stack(&p.mem, p.cpu.x[2]).unwrap();
    let base = st.aux(AT_BASE).unwrap();
    assert!(base != 0 && base & (PAGE_SIZE - 1) == 0 && base + 0x4000 <= SEGMENT_LIMIT, "{base:#x}");
    assert_eq!(p.cpu.pc, base + 0x100);
    assert_eq!(st.aux(AT_ENTRY), Some(0x10200));
    assert_eq!(st.aux(AT_PHNUM), Some(3));
    assert_eq!(p.mem.prot_of(base), Some(Prot::RX));
    assert_eq!(p.brk.start, 0x14000, "brk follows the program, not the interpreter");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn scripts_run_their_interpreter() {
    let dir = temp_dir("script");
    let interp = dir.join("interp");
    std::fs::write(&interp, ElfSpec::static_exec().build()).unwrap();
    let script = dir.join("script.sh");
    std::fs::write(&script, format!("#!{} -a  b \nrest\n", interp.display())).unwrap();
    let mut p = process();
    exec(&mut p, &script, &args(&["ignored", "x", "y"]), &args(&["E=1"])).unwrap();
    let st = read_initial_stack(&p.mem, p.cpu.x[2]).unwrap();
    let want: Vec<Vec<u8>> = vec![
        interp.as_os_str().as_bytes().to_vec(),
        b"-a  b".to_vec(),
        script.as_os_str().as_bytes().to_vec(),
        b"x".to_vec(),
        b"y".to_vec(),
    ];
    assert_eq!(st.argv, want);
    assert_eq!(st.envp, args(&["E=1"]));
    let execfn = p.mem.read_cstr(st.aux(AT_EXECFN).unwrap(), 4096).unwrap();
    assert_eq!(execfn, script.as_os_str().as_bytes(), "AT_EXECFN names the script");
    assert_eq!(p.exe, std::fs::canonicalize(&interp).unwrap());

    // A script whose interpreter is a script whose interpreter is ... itself.
    let looping = dir.join("loop.sh");
    std::fs::write(&looping, format!("#!{}\n", looping.display())).unwrap();
    let e = exec(&mut p, &looping, &[], &[]).unwrap_err().to_string();
    assert!(e.contains("too many levels of #!"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let mut p = process();
    let e = exec(&mut p, Path::new("/nonexistent/prog"), &[], &[]).unwrap_err();
    assert!(matches!(&e, VmError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound));
    assert!(e.to_string().contains("/nonexistent/prog"), "{e}");
}
