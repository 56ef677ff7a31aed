//! The user guide's JIT example: build an IR block by hand and run it with `Jit::run`.

use vm_engine_jit::Jit;
use vm_ir::{Dst, IRBlock, IROp, Reg, Terminator};

fn main() {
    let mut mmu = vm_mem::PhysMem::new(0x1000, 0x1000).expect("guest RAM");
    let mut jit = Jit::new();
    let block = IRBlock {
        start_pc: 0x1000,
        ops: vec![
            IROp::Li { rd: Dst(10), imm: 6 },
            IROp::Li { rd: Dst(11), imm: 7 },
            IROp::Mul { rd: Dst(12), rs1: Reg(10), rs2: Reg(11) },
        ],
        term: Terminator::Ret,
    };
    let result = jit.run(&mut mmu, &block);
    println!("{result:?}: x12 = {}", jit.cpu.x[12]);
}
