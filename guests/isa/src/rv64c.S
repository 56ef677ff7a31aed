# RV64C: every compressed instruction of RV64GC, written with explicit c.* mnemonics (so the
# assembler must emit the 16-bit form): c.addi4spn, c.fld, c.lw, c.ld, c.fsd, c.sw, c.sd,
# c.nop, c.addi, c.addiw, c.li, c.addi16sp, c.lui, c.srli, c.srai, c.andi, c.sub, c.xor,
# c.or, c.and, c.subw, c.addw, c.j, c.beqz, c.bnez, c.slli, c.fldsp, c.lwsp, c.ldsp, c.jr,
# c.mv, c.ebreak, c.jalr, c.add, c.fsdsp, c.swsp, c.sdsp; immediate extremes; c.jalr links
# pc+2; the all-zero halfword is illegal; 32-bit instructions at 2-byte-aligned addresses and
# across a page boundary.
#include "test.h"
TEST_BEGIN
    .option rvc
    # Keep every c.b*/c.j target local (within +-256 B / +-2 KiB): gas silently relaxes an
    # out-of-range c.beqz/c.bnez/c.j to its 32-bit form.
    # ---- c.addi4spn ----
    TEST_CASE(2, x14, 4, c.addi4spn a4, sp, 4; sub x14, x14, sp)
    TEST_CASE(3, x14, 1020, c.addi4spn a4, sp, 1020; sub x14, x14, sp)
    TEST_CASE(4, x14, 512, c.addi4spn s0, sp, 512; sub x14, s0, sp)
    # ---- c.li / c.addi / c.addiw ----
    TEST_CASE(5, x14, 31, c.li a4, 31)
    TEST_CASE(6, x14, -32, c.li a4, -32)
    TEST_CASE(7, x14, 0, li x14, 7; c.li a4, 0)
    TEST_CASE(8, x14, 32, li x14, 1; c.addi a4, 31)
    TEST_CASE(9, x14, -32, li x14, 0; c.addi a4, -32)
    TEST_CASE(10, x14, 0x8000000000000000, li x14, 0x7fffffffffffffff; c.addi a4, 1)
    TEST_CASE(11, x14, 0xffffffff80000000, li x14, 0x7fffffff; c.addiw a4, 1)
    TEST_CASE(12, x14, 0xffffffff9abcdef0, li x14, 0x123456789abcdef0; c.addiw a4, 0)
    TEST_CASE(13, x14, -1, li x14, 0; c.addiw a4, -1)
    TEST_CASE(14, x14, 0x7fffffe0, li x14, 0xffffffff80000000; c.addiw a4, -32)   /* wraps in 32 bits */
    # ---- c.lui (6-bit signed immediate in bits 17:12) ----
    TEST_CASE(15, x14, 0x1000, c.lui a4, 1)
    TEST_CASE(16, x14, 0x1f000, c.lui a4, 31)
    TEST_CASE(17, x14, 0xfffffffffffe0000, c.lui a4, 0xfffe0)
    TEST_CASE(18, x14, 0xfffffffffffff000, c.lui a4, 0xfffff)
    # ---- c.addi16sp ----
    TEST_CASE(19, x14, 512, mv x14, sp; c.addi16sp sp, -512; sub x14, x14, sp)
    TEST_CASE(20, x14, 0, c.addi16sp sp, 496; c.addi16sp sp, 16; la x14, stack_top; sub x14, x14, sp)
    # ---- shifts and c.andi ----
    TEST_CASE(21, x14, 0x8000000000000000, li x14, 1; c.slli a4, 63)
    TEST_CASE(22, x14, 0xffffffff00000000, li x14, 0xffffffff; c.slli a4, 32)
    TEST_CASE(23, x14, 0x100, li x17, 1; c.slli a7, 8; mv x14, x17)       /* any register */
    TEST_CASE(24, x14, 1, li x14, -1; c.srli a4, 63)
    TEST_CASE(25, x14, 0x4000000000000000, li x14, 0x8000000000000000; c.srli a4, 1)
    TEST_CASE(26, x14, 0xffffffff, li x14, -1; c.srli a4, 32)
    TEST_CASE(27, x14, -1, li x14, 0x8000000000000000; c.srai a4, 63)
    TEST_CASE(28, x14, 0xf800000000000000, li x14, 0x8000000000000000; c.srai a4, 4)
    TEST_CASE(29, x14, 0xffffffff87654321, li x14, 0x8765432100000000; c.srai a4, 32)
    TEST_CASE(30, x14, 0xffffffffffffffe0, li x14, -1; c.andi a4, -32)
    TEST_CASE(31, x14, 0x14, li x14, 0x1234; c.andi a4, 31)
    TEST_CASE(32, x14, 0, li x14, -1; c.andi a4, 0)
    # ---- register-register ----
    TEST_CASE(33, x14, 0x0123456789abcdef, li x11, 0x0123456789abcdef; c.mv a4, a1)
    TEST_CASE(34, x14, 0x100000000, li x14, 0xffffffff; li x11, 1; c.add a4, a1)
    TEST_CASE(35, x14, 0x12, li x27, 9; c.add s11, s11; mv x14, x27)       /* rd == rs2, non-rvc regs */
    TEST_CASE(36, x14, -1, li x14, 0; li x11, 1; c.sub a4, a1)
    TEST_CASE(37, x14, 0xf0f0f0f0f0f0f0f0, li x14, 0xff00ff00ff00ff00; li x11, 0x0ff00ff00ff00ff0; c.xor a4, a1)
    TEST_CASE(38, x14, 0xfff0fff0fff0fff0, li x14, 0xff00ff00ff00ff00; li x11, 0x0ff00ff00ff00ff0; c.or a4, a1)
    TEST_CASE(39, x14, 0x0f000f000f000f00, li x14, 0xff00ff00ff00ff00; li x11, 0x0ff00ff00ff00ff0; c.and a4, a1)
    TEST_CASE(40, x14, 0xffffffff80000000, li x14, 0; li x11, 0x80000000; c.subw a4, a1)
    TEST_CASE(41, x14, 0x7fffffff, li x14, 0xffffffff80000000; li x11, 1; c.subw a4, a1)
    TEST_CASE(42, x14, 0xffffffff80000000, li x14, 0x7fffffff; li x11, 1; c.addw a4, a1)
    TEST_CASE(43, x14, 3, li x14, 0x100000001; li x11, 0xffffffff00000002; c.addw a4, a1)
    # ---- loads and stores (x8..x15 base) ----
    TEST_CASE(44, x14, 0x01234567, la x11, cdat; c.lw a4, 0(a1))
    TEST_CASE(45, x14, 0xffffffff89abcdef, la x11, cdat; c.lw a4, 4(a1))
    TEST_CASE(46, x14, 0x89abcdef01234567, la x11, cdat; c.ld a4, 0(a1))
    TEST_CASE(47, x14, 0x5555666677778888, la x11, cdat; c.ld a4, 248(a1))
    TEST_CASE(48, x14, 0xfffffffff00dface, la x11, cdat; c.lw a4, 124(a1))
    TEST_CASE(49, x14, 0x11111111deadbeef, la x11, sbuf; li x12, 0x1111111111111111; sd x12, 8(x11); li x12, 0x12345678deadbeef; c.sw a2, 8(a1); ld x14, 8(x11))
    TEST_CASE(50, x14, 0x0badc0de0badc0de, la x11, sbuf; li x12, 0x0badc0de0badc0de; c.sd a2, 16(a1); c.ld a4, 16(a1))
    TEST_CASE(51, x14, 0x7eadbeef, la x11, sbuf; li x12, 0x7eadbeef; c.sw a2, 124(a1); c.lw a4, 124(a1))
    TEST_CASE(52, x14, 0x1234, la x11, sbuf; li x12, 0x1234; c.sd a2, 248(a1); ld x14, 248(x11))
    TEST_CASE(53, x14, 0x400921fb54442d18, la x11, sbuf; li x12, 0x400921fb54442d18; fmv.d.x f8, x12; c.fsd f8, 24(a1); ld x14, 24(x11))
    TEST_CASE(54, x14, 0x89abcdef01234567, la x11, cdat; c.fld f9, 0(a1); fmv.x.d x14, f9)
    TEST_CASE(55, x14, 0xc00921fb54442d18, la x11, sbuf; li x12, 0xc00921fb54442d18; fmv.d.x f15, x12; c.fsd f15, 248(a1); c.fld f10, 248(a1); fmv.x.d x14, f10)
    # ---- sp-relative loads and stores ----
    TEST_CASE(56, x14, 0x0123456789abcdef, c.addi16sp sp, -64; li x12, 0x0123456789abcdef; c.sdsp a2, 8(sp); c.ldsp a4, 8(sp); c.addi16sp sp, 64)
    TEST_CASE(57, x14, 0xffffffff89abcdef, c.addi16sp sp, -64; li x12, 0x89abcdef; c.swsp a2, 4(sp); c.lwsp a4, 4(sp); c.addi16sp sp, 64)
    TEST_CASE(58, x14, 0x3ff0000000000000, c.addi16sp sp, -64; li x12, 0x3ff0000000000000; fmv.d.x f1, x12; c.fsdsp f1, 16(sp); c.fldsp f20, 16(sp); fmv.x.d x14, f20; c.addi16sp sp, 64)
    TEST_CASE(59, x14, 0xabcdef, c.addi16sp sp, -512; li x12, 0xabcdef; c.sdsp a2, 504(sp); ld x14, 504(sp); c.addi16sp sp, 496; c.addi16sp sp, 16)
    TEST_CASE(60, x14, 0x5a5a, c.addi16sp sp, -512; li x12, 0x5a5a; sd x12, 504(sp); c.ldsp s11, 504(sp); mv x14, x27; c.addi16sp sp, 496; c.addi16sp sp, 16)
    TEST_CASE(61, x14, 0xffffffff80000001, c.addi16sp sp, -256; li x12, 0x80000001; c.swsp a2, 252(sp); c.lwsp a7, 252(sp); mv x14, x17; c.addi16sp sp, 256)
    TEST_CASE(62, x14, 0x4008000000000000, c.addi16sp sp, -512; li x12, 0x4008000000000000; fmv.d.x f31, x12; c.fsdsp f31, 504(sp); c.fldsp f0, 504(sp); fmv.x.d x14, f0; c.addi16sp sp, 496; c.addi16sp sp, 16)
    TEST_CASE(63, x14, 0, la x14, stack_top; sub x14, x14, sp)         /* sp restored */
    # ---- control transfer ----
    TEST_CASE(64, x14, 2, li x14, 0; c.j 2f; 1: c.addi a4, 1; c.j 3f; 2: c.addi a4, 1; c.j 1b; 3: c.nop)
    TEST_CASE(65, x14, 0xf, li x12, 0;
        li x11, 0; c.beqz a1, 1f; j fail; 1: ori x12, x12, 1;
        li x11, 0x100000000; c.beqz a1, 9f; ori x12, x12, 2;
        li x11, 0x8000000000000000; c.bnez a1, 1f; j fail; 1: ori x12, x12, 4;
        li x11, 0; c.bnez a1, 9f; ori x12, x12, 8;
        mv x14, x12; j 8f; 9: j fail; 8: nop)
    TEST_CASE(66, x14, 3, li x14, 0; li x11, 3; 1: c.addi a4, 1; c.addi a1, -1; c.bnez a1, 1b)
    TEST_CASE(67, x14, 0x42, li x14, 0x42; la x11, 1f; c.jr a1; j fail; 1: c.nop)
    TEST_CASE(68, x14, 0, la x11, 1f; 2: c.jalr a1; j fail; 1: la x7, 2b; addi x7, x7, 2; sub x14, x1, x7)  /* link = pc+2 */
    TEST_CASE(69, x14, 0, la x1, 1f; 2: c.jalr ra; j fail; 1: la x7, 2b; addi x7, x7, 2; sub x14, x1, x7)   /* rs1 == ra */
    TEST_CASE(70, x14, 0x99, li x14, 0x99; c.nop; c.nop)
    TEST_CASE(71, x14, 0x55, li x14, 0x50; call c_func; c.addi a4, 1)   /* c.jr ra as return */
    # ---- 32-bit instructions at 2-byte-aligned addresses; jumps to such targets ----
    TEST_CASE(72, x14, 12, .balign 4; li x14, 4; c.nop; .option push; .option norvc; addi x14, x14, 8; .option pop)
    TEST_CASE(73, x14, 0x77, .balign 4; c.nop; .option push; .option norvc; 1: auipc x11, 0; jal x0, 2f; li x14, 1; 2: li x14, 0x77; .option pop; andi x11, x11, 2; beqz x11, fail)
    TEST_CASE(74, x14, 6, li x14, 0; la x11, odd_target; jalr x1, 0(x11); c.addi a4, 1)
    # ---- a 32-bit instruction straddling a page boundary ----
    TEST_CASE(75, x14, 0x101, li x14, 1; call straddle)
    # ---- c.ebreak and the illegal all-zero halfword ----
    TEST_TRAP(76, 3, ebr_76: c.ebreak)
    CHECK_TRAP_EPC(ebr_76)
    CHECK_TRAP_TVAL(0)          /* qemu 7.2 writes mtval = 0 for breakpoints */
    TEST_TRAP(77, 2, ill_77: .2byte 0)
    CHECK_TRAP_EPC(ill_77)
    CHECK_TRAP_TVAL(0)          /* the faulting instruction bits: 0 */
    TEST_TRAP(78, 2, c.nop; ill_78: .2byte 0; c.nop)
    CHECK_TRAP_EPC(ill_78)
    j pass
c_func:
    c.addi a4, 4
    c.jr ra
    .balign 4
    c.nop
odd_target:                 # 2 mod 4
    c.addi a4, 5
    c.jr ra
    .balign 4096
    .skip 4096 - 2
straddle:                   # a 4-byte addi whose second half is on the next page
    .option push
    .option norvc
    addi x14, x14, 0x100
    .option pop
    c.jr ra
TEST_END
    .data
    .align 4
cdat:
    .dword 0x89abcdef01234567
    .skip 112
    .word 0, 0xf00dface     # offset 120, 124
    .skip 120
    .dword 0x5555666677778888   # offset 248
sbuf:
    .skip 256
