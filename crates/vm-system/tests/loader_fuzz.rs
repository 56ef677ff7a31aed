//! Fuzz-ish property tests of the ELF loader: random byte edits, bit flips, hostile header field
//! values and truncations of a valid RISC-V ELF (guests/isa/bin/smoke.elf) must never panic.
//! `load_elf` may accept or reject each one; an error is one line and names the file.

use std::path::Path;

use proptest::prelude::*;
use vm_mem::PhysMem;
use vm_system::load_elf;

fn smoke() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/isa/bin/smoke.elf");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One edit of the first 512 bytes (ELF header, program headers and what follows).
#[derive(Clone, Debug)]
enum Edit {
    /// Overwrite a byte.
    Set(usize, u8),
    /// Flip one bit.
    Flip(usize, u8),
    /// Overwrite an aligned 8-byte word with a boundary value (the 64-bit header and program
    /// header fields are 8-aligned).
    Field(usize, u64),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop_oneof![
        Just(0u64),
        Just(1),
        Just(0xffff),
        Just(0x8000_0000),
        Just(0x800f_fff0),
        Just(0x8010_0000),
        Just(1 << 62),
        Just(u64::MAX),
        Just(u64::MAX - 7),
        any::<u64>(),
    ];
    prop_oneof![
        (0..512usize, any::<u8>()).prop_map(|(i, v)| Edit::Set(i, v)),
        (0..512usize, 0..8u8).prop_map(|(i, bit)| Edit::Flip(i, bit)),
        (0..64usize, interesting).prop_map(|(i, v)| Edit::Field(i * 8, v)),
    ]
}

fn apply(bytes: &mut [u8], e: &Edit) {
    match *e {
        Edit::Set(i, v) if i < bytes.len() => bytes[i] = v,
        Edit::Flip(i, bit) if i < bytes.len() => bytes[i] ^= 1 << bit,
        Edit::Field(i, v) if i + 8 <= bytes.len() => bytes[i..i + 8].copy_from_slice(&v.to_le_bytes()),
        _ => {}
    }
}

/// Load `bytes` into a fresh 1 MiB RAM; an error must be one line naming the file.
fn load(bytes: &[u8]) -> Result<(), String> {
    let mut mem = PhysMem::new(0x8000_0000, 1 << 20).unwrap();
    match load_elf(Path::new("fuzzed.elf"), bytes, &mut mem) {
        Ok(_) => Ok(()),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with("fuzzed.elf: "), "error does not name the file: {msg}");
            assert!(!msg.contains('\n'), "error is not one line: {msg:?}");
            Err(msg)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Up to 8 edits, then maybe a truncation: never a panic.
    #[test]
    fn mutated_elf_never_panics(
        edits in prop::collection::vec(edit(), 1..8),
        cut in prop_oneof![Just(None), (0..20_000usize).prop_map(Some)],
    ) {
        let mut bytes = smoke();
        for e in &edits {
            apply(&mut bytes, e);
        }
        if let Some(n) = cut {
            bytes.truncate(n);
        }
        let _ = load(&bytes);
    }

    /// Every truncation of the valid file: never a panic, and never accepted before the end of
    /// the last segment's file data.
    #[test]
    fn truncated_elf_never_panics(n in 0..20_000usize) {
        let mut bytes = smoke();
        bytes.truncate(n);
        // The last loadable segment's file data ends at 0x2000 + 0x2018.
        if n < 0x4018 {
            prop_assert!(load(&bytes).is_err(), "accepted a file cut at {} bytes", n);
        } else {
            let _ = load(&bytes);
        }
    }
}

#[test]
fn the_unmutated_elf_loads() {
    let mut mem = PhysMem::new(0x8000_0000, 1 << 20).unwrap();
    let image = load_elf(Path::new("smoke.elf"), &smoke(), &mut mem).unwrap();
    assert_eq!(image.entry, 0x8000_0000);
    assert_eq!(image.segments, vec![(0x8000_0000, 0x8000_00c0), (0x8000_1000, 0x8000_4050)]);
}
