// Double-precision data movement: fld/fsd (incl. compressed c.fld/c.fsd/c.fldsp/c.fsdsp),
// fmv.x.d/fmv.d.x, fsgnj/fsgnjn/fsgnjx.d and the fmv.d/fneg.d/fabs.d pseudo-instructions.
// None of them raise flags or canonicalise NaNs.
#include "fp_test.h"
TEST_BEGIN
    /* fmv.d.x / fmv.x.d move all 64 bits unchanged */
    FP_CHECK(2, 0x7ff0000000000001, 0, LD_D(ft0, 0x7ff0000000000001); fmv.x.d a0, ft0)
    FP_CHECK(3, 0xfff8123456789abc, 0, LD_D(ft0, 0xfff8123456789abc); fmv.x.d a0, ft0)
    FP_CHECK(4, 0x000000003f800000, 0, LD_D(ft0, 0x000000003f800000); fmv.x.d a0, ft0)
    FP_CHECK(5, 0x8000000000000000, 0, LD_D(fs11, 0x8000000000000000); fmv.x.d a0, fs11)
    FP_CHECK(6, 0, 0, fmv.d.x ft0, zero; fmv.x.d a0, ft0)

    /* fsgnj.d family */
    TEST_FD_OP2N(7, fsgnj.d, 0xbff0000000000000, 0, 0x3ff0000000000000, 0xc000000000000000)
    TEST_FD_OP2N(8, fsgnj.d, 0x3ff0000000000000, 0, 0xbff0000000000000, 0x4000000000000000)
    TEST_FD_OP2N(9, fsgnjn.d, 0x3ff0000000000000, 0, 0x3ff0000000000000, 0xc000000000000000)
    TEST_FD_OP2N(10, fsgnjn.d, 0xbff0000000000000, 0, 0x3ff0000000000000, 0x4000000000000000)
    TEST_FD_OP2N(11, fsgnjx.d, 0x3ff0000000000000, 0, 0xbff0000000000000, 0xc000000000000000)
    TEST_FD_OP2N(12, fsgnjx.d, 0xbff0000000000000, 0, 0xbff0000000000000, 0x4000000000000000)
    TEST_FD_OP2N(13, fsgnjx.d, 0x8000000000000000, 0, 0x0000000000000000, 0x8000000000000000)
    TEST_FD_OP2N(14, fsgnj.d, 0xfff0000000000001, 0, 0x7ff0000000000001, 0x8000000000000000)  // sNaN: no NV
    TEST_FD_OP2N(15, fsgnjn.d, 0xfff8123456789abc, 0, 0x7ff8123456789abc, 0x7ff4000000000000)
    TEST_FD_OP2N(16, fsgnjx.d, 0x7ff4000000000000, 0, 0xfff4000000000000, 0xfff0000000000001)
    /* the sign comes from bit 63 of rs2 even when rs2 holds a boxed single */
    FP_CHECK(17, 0xbff0000000000000, 0, LD_D(ft0, 0x3ff0000000000000); LD_S(ft1, 0x3f800000); fsgnj.d ft2, ft0, ft1; fmv.x.d a0, ft2)
    FP_CHECK(18, 0xc000000000000000, 0, LD_D(ft0, 0x4000000000000000); fneg.d ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(19, 0x4000000000000000, 0, LD_D(ft0, 0xc000000000000000); fabs.d ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(20, 0x7ff0000000000001, 0, LD_D(ft0, 0xfff0000000000001); fabs.d ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(21, 0x0000000000000001, 0, LD_D(ft0, 0x8000000000000001); fabs.d ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(22, 0xc00921fb54442d18, 0, LD_D(ft0, 0xc00921fb54442d18); fmv.d ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(23, 0x7fffffff3f800000, 0, LD_S(ft0, 0x3f800000); fabs.d ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(24, 0xffffffff3f800000, 0, LD_S(ft0, 0x3f800000); fmv.d ft2, ft0; fmv.x.d a0, ft2)

    /* fld / fsd: all 64 bits, positive and negative offsets, no canonicalisation */
    FP_CHECK(25, 0x7ff0000000000001, 0, la a1, dwords; fld ft0, 0(a1); fmv.x.d a0, ft0)
    FP_CHECK(26, 0x400921fb54442d18, 0, la a1, dwords + 32; fld ft0, -24(a1); fmv.x.d a0, ft0)
    FP_CHECK(27, 0x0123456789abcdef, 0, LD_D(ft0, 0x0123456789abcdef); la a1, scratch; fsd ft0, 16(a1); ld a0, 16(a1))
    FP_CHECK(28, 0xfff4000000000000, 0, LD_D(ft0, 0xfff4000000000000); la a1, scratch; fsd ft0, 0(a1); fld ft1, 0(a1); fmv.x.d a0, ft1)
    /* fsd of a boxed single stores the box too; fld of it then flw of the low word */
    FP_CHECK(29, 0xffffffff40490fdb, 0, LD_S(ft0, 0x40490fdb); la a1, scratch; fsd ft0, 8(a1); ld a0, 8(a1))
    FP_CHECK(30, 0xffffffffbf800000, 0, la a1, dwords; flw ft0, 16(a1); fmv.x.d a0, ft0)
    /* compressed forms */
    FP_CHECK(31, 0x400921fb54442d18, 0, la s0, dwords; c.fld fa0, 8(s0); fmv.x.d a0, fa0)
    FP_CHECK(32, 0x1111222233334444, 0, LD_D(fs1, 0x1111222233334444); la a5, scratch; c.fsd fs1, 24(a5); ld a0, 24(a5))
    FP_CHECK(33, 0x5555666677778888, 0, LD_D(fa2, 0x5555666677778888); addi sp, sp, -64; c.fsdsp fa2, 40(sp); ld a0, 40(sp); addi sp, sp, 64)
    FP_CHECK(34, 0x9999aaaabbbbcccc, 0, addi sp, sp, -64; li t0, 0x9999aaaabbbbcccc; sd t0, 56(sp); c.fldsp ft9, 56(sp); addi sp, sp, 64; fmv.x.d a0, ft9)
TEST_END

    .data
    .align 3
dwords: .dword 0x7ff0000000000001, 0x400921fb54442d18, 0xbf800000bf800000, 0
scratch: .dword 0, 0, 0, 0
