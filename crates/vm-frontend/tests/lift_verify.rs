//! Properties tying the decoder and lifter to the IR verifier: any 32-bit word (and any
//! 16-bit parcel) decodes without panicking, and whatever it decodes to lifts to a block the
//! verifier accepts; whole blocks lifted from random code bytes verify too.

use proptest::prelude::*;
use vm_core::{AccessKind, MemFault, MemFaultKind};
use vm_frontend::riscv64::{decode, lift};
use vm_ir::{IRBlock, Terminator};

fn block_of(raw: u32, pc: u64) -> IRBlock {
    let insn = decode(raw);
    let mut ops = Vec::new();
    let term = lift::lift_insn(&insn, pc, &mut ops)
        .unwrap_or(Terminator::Jump { target: pc.wrapping_add(insn.len as u64) });
    IRBlock { start_pc: pc, ops, term }
}

#[test]
fn every_16_bit_parcel_lifts_to_verified_ir() {
    for raw in 0..=0xffffu32 {
        if raw & 3 == 3 {
            continue; // low bits 11 start a 32-bit instruction
        }
        let b = block_of(raw, 0x8000_0000);
        if let Err(e) = vm_ir::verify(&b) {
            panic!("parcel {raw:#06x}: {e}\n{b}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100_000))]

    #[test]
    fn any_word_decodes_and_lifts_to_verified_ir(raw: u32, pc in (0u64..1 << 40).prop_map(|p| p & !1)) {
        let b = block_of(raw | 3, pc);
        prop_assert!(vm_ir::verify(&b).is_ok(), "word {:#010x}: {:?}\n{}", raw | 3, vm_ir::verify(&b), b);
        // And the text form of every lifted block parses back to the same block.
        prop_assert_eq!(vm_ir::parse_block(&b.to_string()).ok(), Some(b));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    #[test]
    fn blocks_from_random_code_verify(code in proptest::collection::vec(any::<u8>(), 2..256), max in 1usize..64) {
        let base = 0x8000_0000u64;
        let fetch = |a: u64| -> Result<u16, MemFault> {
            let off = a.wrapping_sub(base) as usize;
            match (code.get(off), code.get(off + 1)) {
                (Some(&lo), Some(&hi)) => Ok(u16::from_le_bytes([lo, hi])),
                _ => Err(MemFault { addr: a, access: AccessKind::Fetch, kind: MemFaultKind::Unmapped }),
            }
        };
        let lifted = lift::lift_block(fetch, base, max);
        prop_assert!(lifted.insns.len() <= max);
        prop_assert!(vm_ir::verify(&lifted.block).is_ok(), "{:?}\n{}", vm_ir::verify(&lifted.block), lifted.block);
    }
}
