// Single-precision data movement: flw/fsw, fmv.x.w/fmv.w.x, fsgnj/fsgnjn/fsgnjx and the
// fmv.s/fneg.s/fabs.s pseudo-instructions, and NaN-boxing: every .s write boxes its result
// (upper 32 bits all ones, checked via fmv.x.d) and every .s read of a register that is not
// properly boxed sees the canonical NaN 0x7fc00000.
#include "fp_test.h"

/* ft0 = raw 64-bit pattern (not NaN-boxed) */
#define LD_RAW(freg, bits) li t0, bits; fmv.d.x freg, t0
#define NOTBOXED 0x000000003f800000     /* 1.0f without the box */
#define HALFBOXED 0xfffffffe40000000    /* 2.0f with one bit of the box missing */

TEST_BEGIN
    /* fsgnj / fsgnjn / fsgnjx: no flags ever, NaN payloads kept */
    TEST_FS_OP2N(2, fsgnj.s, 0xbf800000, 0, 0x3f800000, 0xc0000000)
    TEST_FS_OP2N(3, fsgnj.s, 0x3f800000, 0, 0xbf800000, 0x40000000)
    TEST_FS_OP2N(4, fsgnj.s, 0x80000000, 0, 0x00000000, 0xff800000)
    TEST_FS_OP2N(5, fsgnjn.s, 0x3f800000, 0, 0x3f800000, 0xc0000000)
    TEST_FS_OP2N(6, fsgnjn.s, 0xbf800000, 0, 0x3f800000, 0x40000000)
    TEST_FS_OP2N(7, fsgnjn.s, 0x7f800000, 0, 0xff800000, 0x80000000)
    TEST_FS_OP2N(8, fsgnjx.s, 0x3f800000, 0, 0xbf800000, 0xc0000000)
    TEST_FS_OP2N(9, fsgnjx.s, 0xbf800000, 0, 0xbf800000, 0x40000000)
    TEST_FS_OP2N(10, fsgnjx.s, 0xbf800000, 0, 0x3f800000, 0x80000000)
    TEST_FS_OP2N(11, fsgnjx.s, 0x00000001, 0, 0x00000001, 0x7fc00000)
    TEST_FS_OP2N(12, fsgnj.s, 0xff800001, 0, 0x7f800001, 0x80000000)   // sNaN: no NV, payload kept
    TEST_FS_OP2N(13, fsgnjn.s, 0xffc12345, 0, 0x7fc12345, 0x7fa00000)
    TEST_FS_OP2N(14, fsgnjx.s, 0x7fa00000, 0, 0xffa00000, 0xff800001)
    /* pseudo-instructions (fsgnj* with rs1 == rs2) */
    FP_CHECK(15, BOX(0xc0490fdb), 0, LD_S(ft0, 0xc0490fdb); fmv.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(16, BOX(0x40490fdb), 0, LD_S(ft0, 0xc0490fdb); fneg.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(17, BOX(0xc0490fdb), 0, LD_S(ft0, 0x40490fdb); fneg.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(18, BOX(0x40490fdb), 0, LD_S(ft0, 0xc0490fdb); fabs.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(19, BOX(0x00000000), 0, LD_S(ft0, 0x80000000); fabs.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(20, BOX(0x7f800001), 0, LD_S(ft0, 0xff800001); fabs.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(21, BOX(0xffc00000), 0, LD_S(ft0, 0x7fc00000); fneg.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(22, BOX(0x3f800000), 0, LD_S(fa5, 0x3f800000); fmv.s ft11, fa5; fmv.x.d a0, ft11)

    /* fmv.w.x boxes and keeps the bits (no canonicalisation); fmv.x.w sign-extends bit 31 */
    FP_CHECK(23, 0xffffffffdeadbeef, 0, li t0, 0x12345678deadbeef; fmv.w.x ft0, t0; fmv.x.d a0, ft0)
    FP_CHECK(24, 0xffffffff7f800001, 0, li t0, 0x7f800001; fmv.w.x ft0, t0; fmv.x.d a0, ft0)
    FP_CHECK(25, 0xffffffff80000000, 0, li t0, 0x80000000; fmv.w.x ft0, t0; fmv.x.w a0, ft0)
    FP_CHECK(26, 0x000000007f800000, 0, li t0, 0xffffffff7f800000; fmv.w.x ft0, t0; fmv.x.w a0, ft0)
    FP_CHECK(27, 0xffffffffffc00001, 0, li t0, 0xffc00001; fmv.w.x ft0, t0; fmv.x.w a0, ft0)
    /* fmv.x.w of a non-boxed register: just the low 32 bits, sign-extended */
    FP_CHECK(28, 0xffffffff9abcdef0, 0, LD_RAW(ft0, 0x123456789abcdef0); fmv.x.w a0, ft0)
    FP_CHECK(29, 0x0000000000000000, 0, LD_RAW(ft0, 0x3ff0000000000000); fmv.x.w a0, ft0)
    FP_CHECK(30, 0, 0, fmv.w.x ft0, zero; fmv.x.w a0, ft0)

    /* flw boxes; fsw stores the low 32 bits as they are (also for non-boxed registers) */
    FP_CHECK(31, 0xffffffff40490fdb, 0, la a1, words; flw ft0, 0(a1); fmv.x.d a0, ft0)
    FP_CHECK(32, 0xffffffff7f800001, 0, la a1, words; flw ft0, 4(a1); fmv.x.d a0, ft0)
    FP_CHECK(33, 0xffffffffff812345, 0, la a1, words + 16; flw ft0, -8(a1); fmv.x.d a0, ft0)
    FP_CHECK(34, 0x0000000055667788, 0, LD_RAW(ft0, 0x1122334455667788); la a1, scratch; fsw ft0, 4(a1); lwu a0, 4(a1))
    FP_CHECK(35, 0xffffffff7fa00001, 0, LD_S(ft0, 0x7fa00001); la a1, scratch; fsw ft0, 0(a1); flw ft1, 0(a1); fmv.x.d a0, ft1)
    FP_CHECK(36, 0x00000000cafef00d, 0, la a1, scratch; li t0, -1; sd t0, 8(a1); LD_S(ft0, 0xcafef00d); fsw ft0, 8(a1); ld a0, 8(a1); li t0, 0xffffffff00000000; xor a0, a0, t0)
    FP_CHECK(37, 0xffffffff3f800000, 0, la a1, words; flw ft0, 12(a1); fsw ft0, 40(a1); flw fs11, 40(a1); fmv.x.d a0, fs11)

    /* a .s operand that is not properly NaN-boxed reads as the canonical quiet NaN */
    FP_CHECK(38, BOX(0x7fc00000), 0, LD_RAW(ft0, NOTBOXED); LD_S(ft1, 0x3f800000); fadd.s ft2, ft0, ft1; fmv.x.d a0, ft2)
    FP_CHECK(39, BOX(0x7fc00000), 0, LD_RAW(ft1, HALFBOXED); LD_S(ft0, 0x3f800000); fmul.s ft2, ft0, ft1; fmv.x.d a0, ft2)
    FP_CHECK(40, BOX(0x7fc00000), 0, LD_RAW(ft0, NOTBOXED); fsqrt.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(41, BOX(0x40000000), 0, LD_RAW(ft0, NOTBOXED); LD_S(ft1, 0x40000000); fmin.s ft2, ft0, ft1; fmv.x.d a0, ft2)
    FP_CHECK(42, BOX(0x40000000), 0, LD_RAW(ft1, HALFBOXED); LD_S(ft0, 0x40000000); fmax.s ft2, ft0, ft1; fmv.x.d a0, ft2)
    FP_CHECK(43, BOX(0x7fc00000), 0, LD_RAW(ft0, NOTBOXED); LD_RAW(ft1, HALFBOXED); fmin.s ft2, ft0, ft1; fmv.x.d a0, ft2)
    FP_CHECK(44, 0, 0, LD_RAW(ft0, NOTBOXED); feq.s a0, ft0, ft0)
    FP_CHECK(45, 0, FNV, LD_RAW(ft0, NOTBOXED); LD_S(ft1, 0x3f800000); flt.s a0, ft1, ft0)
    FP_CHECK(46, 0, FNV, LD_RAW(ft0, NOTBOXED); LD_S(ft1, 0x3f800000); fle.s a0, ft0, ft1)
    FP_CHECK(47, 0x200, 0, LD_RAW(ft0, NOTBOXED); fclass.s a0, ft0)
    FP_CHECK(48, 0x200, 0, LD_RAW(ft0, 0x00000000ff800000); fclass.s a0, ft0)
    FP_CHECK(49, 0x7fffffff, FNV, LD_RAW(ft0, NOTBOXED); fcvt.w.s a0, ft0, rtz)
    FP_CHECK(50, 0xffffffffffffffff, FNV, LD_RAW(ft0, NOTBOXED); fcvt.lu.s a0, ft0, rtz)
    FP_CHECK(51, 0x7ff8000000000000, 0, LD_RAW(ft0, NOTBOXED); fcvt.d.s ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(52, BOX(0x7fc00000), 0, LD_RAW(ft0, NOTBOXED); LD_S(ft1, 0x3f800000); fmadd.s ft2, ft1, ft1, ft0; fmv.x.d a0, ft2)
    FP_CHECK(53, BOX(0x7fc00000), FNV, LD_RAW(ft0, NOTBOXED); LD_S(ft1, 0x7f800000); fmv.w.x fs0, zero; fmadd.s ft2, ft1, fs0, ft0; fmv.x.d a0, ft2)  // inf*0 + NaN: NV
    FP_CHECK(54, BOX(0xffc00000), 0, LD_RAW(ft0, NOTBOXED); LD_S(ft1, 0xbf800000); fsgnj.s ft2, ft0, ft1; fmv.x.d a0, ft2)
    FP_CHECK(55, BOX(0x3f800000), 0, LD_RAW(ft0, 0x00000000bf800000); LD_S(ft1, 0xbf800000); fsgnj.s ft2, ft1, ft0; fmv.x.d a0, ft2)
    FP_CHECK(56, BOX(0xffc00000), 0, LD_RAW(ft0, NOTBOXED); fneg.s ft2, ft0; fmv.x.d a0, ft2)
    /* a boxed value is fine, even when its low half looks like a NaN-boxed sNaN */
    FP_CHECK(57, BOX(0x40000000), 0, LD_RAW(ft0, 0xffffffff3f800000); fadd.s ft2, ft0, ft0; fmv.x.d a0, ft2)
    /* fsgnj.d on a boxed single treats it as a (NaN) double: the box is ordinary bits */
    FP_CHECK(58, 0x7fffffff3f800000, 0, LD_S(ft0, 0x3f800000); fabs.d ft2, ft0; fmv.x.d a0, ft2)
    FP_CHECK(59, BOX(0x7fc00000), 0, LD_S(ft0, 0x3f800000); fabs.d ft2, ft0; fmv.x.w a1, ft2; fcvt.s.w ft3, a1; fadd.s ft2, ft2, ft3; fmv.x.d a0, ft2)

    /* all 32 fp registers are distinct */
    li TESTNUM, 60
    la a1, fregs_src
    fld f0, 0(a1); fld f1, 8(a1); fld f2, 16(a1); fld f3, 24(a1); fld f4, 32(a1); fld f5, 40(a1); fld f6, 48(a1); fld f7, 56(a1)
    fld f8, 64(a1); fld f9, 72(a1); fld f10, 80(a1); fld f11, 88(a1); fld f12, 96(a1); fld f13, 104(a1); fld f14, 112(a1); fld f15, 120(a1)
    fld f16, 128(a1); fld f17, 136(a1); fld f18, 144(a1); fld f19, 152(a1); fld f20, 160(a1); fld f21, 168(a1); fld f22, 176(a1); fld f23, 184(a1)
    fld f24, 192(a1); fld f25, 200(a1); fld f26, 208(a1); fld f27, 216(a1); fld f28, 224(a1); fld f29, 232(a1); fld f30, 240(a1); fld f31, 248(a1)
    la a1, fregs_dst
    fsd f0, 0(a1); fsd f1, 8(a1); fsd f2, 16(a1); fsd f3, 24(a1); fsd f4, 32(a1); fsd f5, 40(a1); fsd f6, 48(a1); fsd f7, 56(a1)
    fsd f8, 64(a1); fsd f9, 72(a1); fsd f10, 80(a1); fsd f11, 88(a1); fsd f12, 96(a1); fsd f13, 104(a1); fsd f14, 112(a1); fsd f15, 120(a1)
    fsd f16, 128(a1); fsd f17, 136(a1); fsd f18, 144(a1); fsd f19, 152(a1); fsd f20, 160(a1); fsd f21, 168(a1); fsd f22, 176(a1); fsd f23, 184(a1)
    fsd f24, 192(a1); fsd f25, 200(a1); fsd f26, 208(a1); fsd f27, 216(a1); fsd f28, 224(a1); fsd f29, 232(a1); fsd f30, 240(a1); fsd f31, 248(a1)
    la a2, fregs_src
    li a3, 32
1:  ld t0, 0(a1)
    ld t1, 0(a2)
    bne t0, t1, fail
    addi a1, a1, 8
    addi a2, a2, 8
    addi a3, a3, -1
    bnez a3, 1b
    /* results of .s ops into every register are boxed: f31 and f0 */
    FP_CHECK(61, BOX(0x40400000), 0, LD_S(f1, 0x3f800000); LD_S(f30, 0x40000000); fadd.s f31, f1, f30; fmv.x.d a0, f31)
    FP_CHECK(62, BOX(0x40400000), 0, LD_S(f1, 0x3f800000); LD_S(f30, 0x40000000); fadd.s f0, f30, f1; fmv.x.d a0, f0)
    FP_CHECK(63, BOX(0x40000000), 0, li t0, 2; fcvt.s.w f0, t0; fmv.x.d a0, f0)
    FP_CHECK(64, BOX(0x40000000), 0, LD_RAW(ft0, 0x4000000000000000); fcvt.s.d f0, ft0; fmv.x.d a0, f0)
    FP_CHECK(65, BOX(0x40000000), 0, LD_S(f1, 0x40000000); LD_S(f2, 0x40400000); fmin.s f0, f1, f2; fmv.x.d a0, f0)
    FP_CHECK(66, BOX(0xc0000000), 0, LD_S(f1, 0x40000000); fneg.s f0, f1; fmv.x.d a0, f0)
TEST_END

    .data
    .align 3
words: .word 0x40490fdb, 0x7f800001, 0xff812345, 0x3f800000, 0, 0, 0, 0
scratch: .dword 0, 0, 0, 0, 0, 0, 0, 0
fregs_src:
    .dword 0x0123456789abcd00, 0x0123456789abcd01, 0x0123456789abcd02, 0x0123456789abcd03
    .dword 0x0123456789abcd04, 0x0123456789abcd05, 0x0123456789abcd06, 0x0123456789abcd07
    .dword 0x0123456789abcd08, 0x0123456789abcd09, 0x0123456789abcd0a, 0x0123456789abcd0b
    .dword 0x0123456789abcd0c, 0x0123456789abcd0d, 0x0123456789abcd0e, 0x0123456789abcd0f
    .dword 0xfedcba9876543210, 0xfedcba9876543211, 0xfedcba9876543212, 0xfedcba9876543213
    .dword 0xfedcba9876543214, 0xfedcba9876543215, 0xfedcba9876543216, 0xfedcba9876543217
    .dword 0xfedcba9876543218, 0xfedcba9876543219, 0xfedcba987654321a, 0xfedcba987654321b
    .dword 0xfedcba987654321c, 0xfedcba987654321d, 0xfedcba987654321e, 0xfedcba987654321f
fregs_dst: .skip 256
