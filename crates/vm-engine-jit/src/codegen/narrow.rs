//! Narrowing of block parameters: a 64-bit block parameter whose every incoming value is a
//! 32-bit value sign-extended (RV64's W instructions: `addw`, `mulw`, `sraiw`, …), a constant
//! that is one, or another such parameter, becomes a 32-bit parameter, and its uses see
//! `sextend` of it.
//!
//! A guest register is 64 bits wide, so a loop that keeps a W result in a host register
//! carries the sign-extended value around the loop (`add r11d, r14d; movsxd r11, r11d`), even
//! when the next iteration only uses the low half again (the accumulator of `addw s4, s10, s4`)
//! or when only a cold path needs the register (its value for a fault's precise state). With
//! the parameter narrowed, the loop carries the 32-bit value; the optimizer folds
//! `ireduce(sextend(x))` into `x` for the W uses and places the `sextend` where a 64-bit use is,
//! on the cold path if that is the only one.

use std::collections::HashMap;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    Block, BlockArg, Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef,
};

/// What a narrowed parameter receives on one edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// `sextend.i64` of this 32-bit value.
    Extended(Value),
    /// A constant whose value fits 32 bits signed.
    Const(i32),
    /// Parameter `.1` of block `.0` (narrowed too, or this one is not).
    Param(Block, usize),
}

/// How `v` could be passed as 32 bits, if it can.
fn source(func: &Function, v: Value) -> Option<Source> {
    let v = func.dfg.resolve_aliases(v);
    match func.dfg.value_def(v) {
        ValueDef::Result(inst, 0) => match func.dfg.insts[inst] {
            InstructionData::Unary { opcode: Opcode::Sextend, arg } if func.dfg.value_type(arg) == I32 => {
                Some(Source::Extended(arg))
            }
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => {
                i32::try_from(imm.bits()).ok().map(Source::Const)
            }
            _ => None,
        },
        ValueDef::Param(block, num) => Some(Source::Param(block, num)),
        _ => None,
    }
}

/// One argument passed to a block parameter: by branch `inst`, in its `call`-th destination,
/// as argument `arg`.
struct Edge {
    inst: Inst,
    call: usize,
    arg: usize,
    source: Option<Source>,
}

/// Narrow every block parameter of `func` that can be (see the module doc); returns how many.
pub(crate) fn narrow_params(func: &mut Function) -> usize {
    let entry = func.layout.entry_block();
    // Every argument passed to every parameter.
    let mut incoming: HashMap<(Block, usize), Vec<Edge>> = HashMap::new();
    let mut blocks = Vec::new();
    for block in func.layout.blocks() {
        blocks.push(block);
        let Some(inst) = func.layout.last_inst(block) else { continue };
        let dfg = &func.dfg;
        for (call, bc) in
            dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables).iter().enumerate()
        {
            let target = bc.block(&dfg.value_lists);
            for (arg, a) in bc.args(&dfg.value_lists).enumerate() {
                let source = match a {
                    BlockArg::Value(v) => source(func, v),
                    _ => None,
                };
                incoming.entry((target, arg)).or_default().push(Edge { inst, call, arg, source });
            }
        }
    }
    // Candidates: 64-bit parameters of blocks other than the entry with arguments coming in;
    // drop those with an argument that is not narrow until none is left to drop.
    let mut narrow: HashMap<(Block, usize), Value> = HashMap::new();
    for &block in &blocks {
        if Some(block) == entry {
            continue;
        }
        for (i, &p) in func.dfg.block_params(block).iter().enumerate() {
            if func.dfg.value_type(p) == I64 && incoming.contains_key(&(block, i)) {
                narrow.insert((block, i), p);
            }
        }
    }
    loop {
        let drop: Vec<(Block, usize)> = narrow
            .keys()
            .filter(|key| {
                !incoming[*key].iter().all(|e| match e.source {
                    Some(Source::Param(b, i)) => narrow.contains_key(&(b, i)),
                    Some(_) => true,
                    None => false,
                })
            })
            .copied()
            .collect();
        if drop.is_empty() {
            break;
        }
        for key in drop {
            narrow.remove(&key);
        }
    }
    if narrow.is_empty() {
        return 0;
    }
    // Retype the parameters; each old value becomes an alias of `sextend` of the new one, at
    // the top of its block (the optimizer moves it to where it is used).
    let mut new_param: HashMap<(Block, usize), Value> = HashMap::new();
    for (&(block, i), &old) in &narrow {
        let p = func.dfg.replace_block_param(old, I32);
        let mut pos = FuncCursor::new(func).at_first_insertion_point(block);
        let wide = pos.ins().sextend(I64, p);
        func.dfg.change_to_alias(old, wide);
        new_param.insert((block, i), p);
    }
    // Pass the 32-bit values.
    for (key, edges) in &incoming {
        if !new_param.contains_key(key) {
            continue;
        }
        for e in edges {
            let v = match e.source.expect("only narrow sources are left") {
                Source::Extended(x) => x,
                Source::Param(b, i) => new_param[&(b, i)],
                Source::Const(c) => FuncCursor::new(func).at_inst(e.inst).ins().iconst(I32, i64::from(c)),
            };
            let dfg = &mut func.dfg;
            let calls =
                dfg.insts[e.inst].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
            let mut n = 0;
            calls[e.call].update_args(&mut dfg.value_lists, |a| {
                let r = if n == e.arg { BlockArg::Value(v) } else { a };
                n += 1;
                r
            });
        }
    }
    narrow.len()
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::{AbiParam, Signature, UserFuncName};
    use cranelift_codegen::isa::CallConv;
    use cranelift_codegen::settings;
    use cranelift_codegen::verify_function;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    use super::*;

    /// `fn(n) { acc = init; loop { acc = sext32(low32(acc) + 3); n -= 1; if n == 0 { return acc } } }`
    /// with `init` the constant 0 or (`wide_init`) the 64-bit argument `n`.
    fn accumulator_loop(wide_init: bool) -> Function {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(I64));
        sig.returns.push(AbiParam::new(I64));
        let mut func = Function::with_name_signature(UserFuncName::default(), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let (entry, head, exit) = (b.create_block(), b.create_block(), b.create_block());
        b.append_block_params_for_function_params(entry);
        let acc = b.append_block_param(head, I64);
        let n = b.append_block_param(head, I64);
        b.switch_to_block(entry);
        let n0 = b.block_params(entry)[0];
        let init = if wide_init { n0 } else { b.ins().iconst(I64, 0) };
        b.ins().jump(head, &[init.into(), n0.into()]);
        b.switch_to_block(head);
        let low = b.ins().ireduce(I32, acc);
        let sum = b.ins().iadd_imm_s(low, 3);
        let acc2 = b.ins().sextend(I64, sum);
        let n2 = b.ins().iadd_imm_s(n, -1);
        b.ins().brif(n2, head, &[acc2.into(), n2.into()], exit, &[]);
        b.switch_to_block(exit);
        b.ins().return_(&[acc2]);
        b.seal_all_blocks();
        b.finalize(crate::host_isa(crate::Level::Quick).expect("host ISA").frontend_config());
        func
    }

    fn param_types(func: &Function, block: usize) -> Vec<cranelift_codegen::ir::Type> {
        let block = func.layout.blocks().nth(block).expect("block");
        func.dfg.block_params(block).iter().map(|&p| func.dfg.value_type(p)).collect()
    }

    fn verify(func: &Function) {
        verify_function(func, &settings::Flags::new(settings::builder())).expect("valid CLIF");
    }

    #[test]
    fn a_loop_carried_w_result_becomes_32_bits() {
        let mut f = accumulator_loop(false);
        assert_eq!(narrow_params(&mut f), 1);
        // The accumulator narrows; the counter (a 64-bit add) does not.
        assert_eq!(param_types(&f, 1), [I32, I64]);
        verify(&f);
    }

    #[test]
    fn a_parameter_that_may_receive_64_bits_stays_wide() {
        let mut f = accumulator_loop(true);
        assert_eq!(narrow_params(&mut f), 0);
        assert_eq!(param_types(&f, 1), [I64, I64]);
        verify(&f);
    }
}
