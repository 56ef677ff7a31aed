//! Hostile-ELF corpus: malformed, truncated, foreign and malicious images (and `#!` scripts)
//! must each be refused with a clear error naming the file — never a panic, never a partly
//! replaced process.

mod common;

use std::path::{Path, PathBuf};

use common::elfbuild::*;
use vm_core::VmError;
use vm_linux::loader::{self, ET_DYN_BASE, SEGMENT_LIMIT};
use vm_linux::Process;
use vm_mem::USER_TOP;

fn valid() -> Vec<u8> {
    ElfSpec::static_exec().build()
}

fn with(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = valid();
    f(&mut b);
    b
}

fn spec(f: impl FnOnce(&mut ElfSpec)) -> Vec<u8> {
    let mut s = ElfSpec::static_exec();
    f(&mut s);
    s.build()
}

fn with_interp(interp: &[u8], f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut s = ElfSpec::static_exec();
    s.interp = Some(interp.to_vec());
    let mut b = s.build();
    f(&mut b);
    b
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vm-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Load `bytes` as `hostile/<name>` into a process that already runs a valid program; the load
/// must fail with a message containing `want` and the file name, and leave the process as it was.
fn refuse(name: &str, bytes: &[u8], want: &str) {
    refuse_with(&mut Process::new(None).unwrap(), name, bytes, want)
}

fn refuse_with(p: &mut Process, name: &str, bytes: &[u8], want: &str) {
    loader::load_image(p, Path::new("good"), &valid(), &[], &[]).unwrap();
    let (pc, sp) = (p.cpu.pc, p.cpu.x[2]);
    let path = PathBuf::from("hostile").join(name);
    let err = loader::load_image(p, &path, bytes, &[b"x".to_vec()], &[])
        .expect_err(&format!("{name}: hostile image was accepted"));
    let msg = err.to_string();
    println!("{name}: {msg}");
    assert!(msg.contains(want), "{name}: expected {want:?} in {msg:?}");
    assert!(msg.contains("hostile/") || msg.contains("vm-hostile"), "{name}: error names no file: {msg}");
    assert!(matches!(err, VmError::BadElf { .. } | VmError::Io { .. }), "{name}: {err:?}");
    assert_eq!((p.cpu.pc, p.cpu.x[2]), (pc, sp), "{name}: failed load changed the process");
}

#[test]
fn headers() {
    refuse("empty", b"", "not an ELF file or a #! script");
    refuse("text", b"hello world\n", "not an ELF file");
    refuse("magic-only", b"\x7fELF", "truncated ELF header (no class byte)");
    refuse("ident-only", &valid()[..16], "truncated ELF header (16 bytes, need 64)");
    refuse("header-63", &valid()[..63], "truncated ELF header");
    refuse("phdrs-cut", &valid()[..64 + 20], "program headers [0x40, +0x70) lie past the end of the file");
    refuse("class32", &with(|b| b[4] = 1), "32-bit ELF");
    refuse("class7", &with(|b| b[4] = 7), "unknown ELF class 7");
    refuse("big-endian", &with(|b| b[5] = 2), "big-endian ELF");
    refuse("data0", &with(|b| b[5] = 0), "unknown ELF data encoding 0");
    refuse("x86-64", &with(|b| put16(b, 18, 62)), "machine 62 (x86-64), not RISC-V (243)");
    refuse("aarch64", &with(|b| put16(b, 18, 183)), "AArch64");
    refuse("relocatable", &with(|b| put16(b, 16, 1)), "relocatable object (ET_REL)");
    refuse("core", &with(|b| put16(b, 16, 4)), "core dump");
    refuse("type-9", &with(|b| put16(b, 16, 9)), "ELF type 9 is not an executable");
    refuse("phnum-0", &with(|b| put16(b, 56, 0)), "no program headers (e_phnum = 0)");
    refuse("phentsize", &with(|b| put16(b, 54, 32)), "program header size 32");
    refuse("phnum-huge", &with(|b| put16(b, 56, 0xffff)), "more than Linux accepts");
    refuse("phoff-huge", &with(|b| put64(b, 32, u64::MAX - 8)), "lie past the end of the file");
}

#[test]
fn segments() {
    refuse("no-load", &with(|b| (0..2).for_each(|i| put32(b, ph_field(i, 0), 0))), "no loadable segments");
    let empty_loads = |b: &mut Vec<u8>| {
        for i in 0..2 {
            put64(b, ph_field(i, P_MEMSZ), 0);
            put64(b, ph_field(i, P_FILESZ), 0);
        }
    };
    refuse("memsz-0", &with(empty_loads), "no loadable segments");
    refuse("memsz-wraps", &with(|b| put64(b, ph_field(1, P_MEMSZ), u64::MAX - 0x100)), "overflows");
    refuse("memsz-huge", &with(|b| put64(b, ph_field(1, P_MEMSZ), 1 << 40)), "beyond the user address space");
    refuse(
        "beyond-user-top",
        &spec(|s| s.segs[1].vaddr = USER_TOP + 0x300),
        "extends beyond the user address space",
    );
    refuse(
        "on-the-stack",
        &spec(|s| s.segs[1].vaddr = USER_TOP - 0x10_0000 + 0x300),
        "overlaps the stack region",
    );
    refuse(
        "in-guard-gap",
        &spec(|s| s.segs[1].vaddr = SEGMENT_LIMIT - 0x1000 + 0x300),
        "overlaps the stack region",
    );
    refuse("page-zero", &spec(|s| s.segs[1].vaddr = 0x300), "maps the first page");
    refuse("filesz-gt-memsz", &with(|b| put64(b, ph_field(1, P_MEMSZ), 4)), "exceeds memory size");
    refuse(
        "offset-past-eof",
        &with(|b| put64(b, ph_field(1, P_OFFSET), 0x10_0300)),
        "past the end of the file",
    );
    refuse(
        "offset-wraps",
        &with(|b| put64(b, ph_field(1, P_OFFSET), u64::MAX - 4)),
        "past the end of the file",
    );
    refuse("filesz-past-eof", &with(|b| put64(b, ph_field(1, P_FILESZ), 0x1000)), "past the end of the file");
    refuse("not-congruent", &with(|b| put64(b, ph_field(1, P_VADDR), 0x11400)), "not congruent");
    refuse("overlap", &spec(|s| s.segs[1].vaddr = 0x10100), "overlaps segment 0");
    refuse("align-3", &with(|b| put64(b, ph_field(1, P_ALIGN), 3)), "not a power of two");
    refuse("align-huge", &with(|b| put64(b, ph_field(1, P_ALIGN), 1 << 62)), "larger than the address space");
    let mut big = ElfSpec::pie();
    big.segs[1].memsz = SEGMENT_LIMIT;
    refuse("pie-too-big", &big.build(), "more than the address space below the stack");
}

#[test]
fn entry_points() {
    refuse("entry-odd", &with(|b| put64(b, 24, 0x10201)), "entry point 0x10201 is not 2-byte aligned");
    refuse("entry-outside", &with(|b| put64(b, 24, 0x20000)), "outside every loadable segment");
    refuse("entry-zero", &with(|b| put64(b, 24, 0)), "outside every loadable segment");
}

#[test]
fn interpreters() {
    refuse(
        "interp-unterminated",
        &with_interp(b"/lib/ld.so", |_| {}),
        "PT_INTERP (header 0) path is not NUL-terminated",
    );
    refuse("interp-empty", &with_interp(b"\0\0", |_| {}), "PT_INTERP (header 0) path is empty");
    refuse("interp-size-1", &with_interp(b"\0", |_| {}), "PT_INTERP (header 0) has bad size");
    refuse(
        "interp-outside",
        &with_interp(b"/lib/ld.so\0", |b| put64(b, ph_field(0, P_OFFSET), 0x7fff_0000)),
        "PT_INTERP (header 0) [0x7fff0000, +0xb) lies past the end of the file",
    );
    refuse(
        "interp-huge",
        &with_interp(b"/lib/ld.so\0", |b| put64(b, ph_field(0, P_FILESZ), u64::MAX)),
        "PT_INTERP (header 0) has bad size",
    );
    refuse(
        "interp-missing",
        &with_interp(b"/nonexistent/ld-linux-riscv64-lp64d.so.1\0", |_| {}),
        "ELF interpreter /nonexistent/ld-linux-riscv64-lp64d.so.1 not found (use -L/--sysroot, e.g. -L /usr/riscv64-linux-gnu)",
    );

    let dir = temp_dir("interp");
    let write = |name: &str, bytes: &[u8]| {
        let f = dir.join(name);
        std::fs::write(&f, bytes).unwrap();
        let mut s = f.into_os_string().into_encoded_bytes();
        s.push(0);
        s
    };
    let exec_interp = write("exec-interp", &valid());
    refuse(
        "interp-is-exec",
        &with_interp(&exec_interp, |_| {}),
        "ELF interpreter is not position-independent",
    );
    let mut chained = ElfSpec::pie();
    chained.interp = Some(exec_interp.clone());
    let chained = write("chained", &chained.build());
    refuse("interp-has-interp", &with_interp(&chained, |_| {}), "ELF interpreter has a PT_INTERP of its own");
    let garbage = write("garbage", b"\x7fELF\x02\x01\x01 not really");
    refuse("interp-garbage", &with_interp(&garbage, |_| {}), "as ELF interpreter: truncated ELF header");
    let dir_interp = write("a-directory", b"");
    std::fs::remove_file(dir.join("a-directory")).unwrap();
    std::fs::create_dir(dir.join("a-directory")).unwrap();
    refuse("interp-is-dir", &with_interp(&dir_interp, |_| {}), "cannot read ELF interpreter");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn scripts() {
    refuse("shebang-empty", b"#!\n", "#! line names no interpreter");
    refuse("shebang-blank", b"#!  \t \nexit 0\n", "#! line names no interpreter");
    let long = [b"#!/".as_slice(), &[b'a'; 400]].concat();
    refuse("shebang-too-long", &long, "longer than the 256-byte #! line");
    refuse("shebang-missing", b"#!/nonexistent/sh -e\n", "cannot run #! interpreter /nonexistent/sh");

    let dir = temp_dir("scripts");
    let a = dir.join("a.sh");
    let b = dir.join("b.sh");
    std::fs::write(&a, format!("#!{}\n", b.display())).unwrap();
    std::fs::write(&b, format!("#!{}\n", a.display())).unwrap();
    let mut p = Process::new(None).unwrap();
    let data = std::fs::read(&a).unwrap();
    refuse_with(&mut p, "ping-pong", &data, "too many levels of #! interpreters (limit 4)");
    let e = loader::exec(&mut p, &a, &[], &[]).unwrap_err().to_string();
    assert!(e.contains("too many levels") && e.contains("vm-hostile"), "{e}");
    std::fs::write(&a, "#!/bin/sh\n").unwrap();
    if Path::new("/bin/sh").exists() && !cfg!(target_arch = "riscv64") {
        // The host's /bin/sh is not a RISC-V ELF: the error names it and the machine.
        let e = loader::exec(&mut p, &a, &[], &[]).unwrap_err().to_string();
        assert!(e.contains("not RISC-V") || e.contains("not an ELF"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn host_binary_and_directory() {
    let mut p = Process::new(None).unwrap();
    let exe = std::env::current_exe().unwrap();
    let e = loader::exec(&mut p, &exe, &[], &[]).unwrap_err().to_string();
    if cfg!(target_arch = "x86_64") {
        assert!(e.contains("machine 62 (x86-64)"), "{e}");
    }
    // Not regular files: EACCES as execve(2) gives, without reading forever or blocking.
    for f in ["/", "/dev/zero", "/dev/null"] {
        let e = loader::exec(&mut p, Path::new(f), &[], &[]).unwrap_err();
        assert!(
            matches!(&e, VmError::Io { source, .. } if source.raw_os_error() == Some(libc::EACCES)),
            "{e}"
        );
    }
    refuse("shebang-dev-zero", b"#!/dev/zero\n", "cannot run #! interpreter /dev/zero: Permission denied");
    refuse("interp-dev-zero", &with_interp(b"/dev/zero\0", |_| {}), "cannot read ELF interpreter /dev/zero");
}

/// Every prefix of valid static and PIE images, and every single-byte corruption of their
/// headers, loads or fails cleanly.
#[test]
fn every_truncation_and_header_byte() {
    let mut p = Process::new(None).unwrap();
    for image in [valid(), ElfSpec::pie().build()] {
        for len in 0..image.len() {
            let _ = loader::load_image(&mut p, Path::new("cut"), &image[..len], &[], &[]);
        }
        for i in 0..64 + 2 * 56 {
            for v in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut b = image.clone();
                b[i] = v;
                let _ = loader::load_image(&mut p, Path::new("byte"), &b, &[], &[]);
            }
        }
    }
    // And a load at the PIE base still works afterwards.
    loader::load_image(&mut p, Path::new("pie"), &ElfSpec::pie().build(), &[], &[]).unwrap();
    assert_eq!(p.cpu.pc, ET_DYN_BASE + 0x200);
}

mod mutations {
    //! Property test (runs in CI without nightly): random byte/word mutations of valid static,
    //! PIE and dynamic-looking images either load consistently or fail with an error.
    use super::*;
    use proptest::prelude::*;

    fn seeds() -> Vec<Vec<u8>> {
        let mut dynamic = ElfSpec::pie();
        dynamic.interp = Some(b"/nonexistent/ld.so\0".to_vec());
        vec![valid(), ElfSpec::pie().build(), dynamic.build()]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn mutated_images_never_panic(
            seed in 0usize..3,
            edits in proptest::collection::vec((0usize..0x400, any::<u64>(), 0u8..4), 1..6),
            cut in proptest::option::of(0usize..0x1400),
        ) {
            let mut b = seeds().swap_remove(seed);
            for (at, v, width) in edits {
                let at = at % b.len();
                let n = [1usize, 2, 4, 8][usize::from(width)].min(b.len() - at);
                b[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
            }
            if let Some(c) = cut {
                b.truncate(c);
            }
            PROCESS.with(|p| {
                let mut p = p.borrow_mut();
                if loader::load_image(&mut p, Path::new("mutant"), &b, &[], &[]).is_ok() {
                    prop_assert_eq!(p.cpu.x[2] % 16, 0);
                    prop_assert!(p.mem.prot_of(p.cpu.pc).is_some());
                }
                Ok(())
            })?;
        }
    }

    thread_local! {
        static PROCESS: std::cell::RefCell<Process> = std::cell::RefCell::new(Process::new(None).unwrap());
    }
}
