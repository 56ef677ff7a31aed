//! Symbol lookup on checked-in guest ELFs: a static executable (guests/linux/bin/segv.rv64,
//! `main` at 0x1052a, 0x14e bytes) and a static PIE (guests/linux/loader/nolibc-static-pie.elf,
//! `start_c` at 0x1ec + the load bias, 0x58 bytes).

use std::path::PathBuf;

use super::*;
use crate::loader;

fn guest(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests").join(rel)
}

fn loaded(rel: &str) -> Process {
    let mut p = Process::new(None).expect("address space");
    let path = guest(rel);
    loader::exec(&mut p, &path, &[b"prog".to_vec()], &[]).expect("load");
    p
}

#[test]
fn main_of_a_static_executable() {
    let p = loaded("linux/bin/segv.rv64");
    assert_eq!(p.images.len(), 1);
    assert_eq!(p.images[0].bias, 0);
    let s = Symbols::for_process(&p);
    assert!(s.len() > 100, "{} symbols", s.len());
    assert_eq!(s.lookup(0x1052a), Some(("main", 0)));
    assert_eq!(s.lookup(0x1052a + 0x10), Some(("main", 0x10)));
    assert_eq!(s.lookup(0x1052a + 0x14d), Some(("main", 0x14d)));
    assert_ne!(s.lookup(0x1052a + 0x14e).map(|(n, _)| n), Some("main"), "past main's size");
    assert_eq!(s.describe(0x1052a + 0x22).as_deref(), Some("main+0x22"));
    assert_eq!(s.image_of(0x1052a), Some(guest("linux/bin/segv.rv64").as_path()));
}

#[test]
fn outside_every_image_is_none() {
    let s = Symbols::for_process(&loaded("linux/bin/segv.rv64"));
    assert_eq!(s.lookup(0), None);
    assert_eq!(s.lookup(0x3f_ffff_f000), None, "the stack");
    assert_eq!(s.image_of(0x3f_ffff_f000), None);
    assert_eq!(Symbols::new().lookup(0x1052a), None);
}

#[test]
fn pie_symbols_move_by_the_load_bias() {
    let p = loaded("linux/loader/nolibc-static-pie.elf");
    let bias = p.images[0].bias;
    assert_ne!(bias, 0, "a PIE is loaded at a bias");
    let s = Symbols::for_process(&p);
    assert_eq!(s.lookup(bias + 0x1ec), Some(("start_c", 0)));
    assert_eq!(s.lookup(bias + 0x1ec + 0x57), Some(("start_c", 0x57)));
    assert_eq!(s.lookup(bias + 0x1e2).map(|(n, _)| n), Some("_start"));
    assert_eq!(s.lookup(0x1ec), None, "unbiased address");
}

#[test]
fn add_elf_with_an_explicit_bias() {
    let path = guest("linux/bin/segv.rv64");
    let data = std::fs::read(&path).unwrap();
    let mut s = Symbols::new();
    s.add_elf(&path, &data, 0x1000, (0x1000, 0x10_0000)).unwrap();
    assert_eq!(s.lookup(0x1152a + 4), Some(("main", 4)));
    assert!(s.add_elf(&path, b"not an ELF", 0, (0, 1)).is_err());
}
