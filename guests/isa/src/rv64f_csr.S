// fcsr / frm / fflags CSRs, dynamic rounding through frm, invalid rounding modes (dyn with
// frm = 5..7 and static rm = 5/6 raise illegal instruction, mcause 2, without side effects),
// sticky flag accrual, and mstatus.FS (Off makes every FP instruction and FP CSR illegal;
// writing FP state makes FS Dirty and sets SD).
#include "fp_test.h"
#define MSTATUS_FS (3 << 13)
TEST_BEGIN
    /* fcsr = frm << 5 | fflags; fcsr[63:8] read as zero */
    FP_CHECK(2, 0xff, 0x1f, li t0, -1; fscsr t0; frcsr a0)
    FP_CHECK(3, 7, 0x1f, li t0, 0xff; fscsr t0; frrm a0)
    FP_CHECK(4, 0x75, 0x15, fsrmi 3; fsflagsi 0x15; frcsr a0)
    FP_CHECK(5, 0x15, 0x15, fsrmi 3; fsflagsi 0x15; csrr a0, fflags)
    FP_CHECK(6, 3, 0x15, fsrmi 3; fsflagsi 0x15; csrr a0, frm)
    /* writes to frm / fflags change only their field of fcsr */
    FP_CHECK(7, 0x4a, 0x0a, li t0, 0xe0; fscsr t0; li t0, 2; fsrm t0; fsflagsi 0x0a; frcsr a0)
    FP_CHECK(8, 0xe1, 0x01, li t0, 0x41; fscsr t0; fsrmi 7; frcsr a0)
    /* upper bits of frm / fflags writes are ignored */
    FP_CHECK(9, 0x1f, 0x1f, li t0, 0xffffffff; fsflags t0; frflags a0)
    FP_CHECK(10, 5, 0, li t0, 0xfd; fsrm t0; frrm a0)
    /* swaps return the old value */
    FP_CHECK(11, 0x13, 0x04, fsflagsi 0x13; li t0, 0x04; fsflags a0, t0)
    FP_CHECK(12, 0x26, 0x06, fsrmi 1; fsflagsi 0x06; li t0, 0xa9; fscsr a0, t0; csrr t0, fcsr; li t2, 0xa9; bne t0, t2, fail; fsflagsi 0x06)
    FP_CHECK(13, 1, 0, fsrmi 1; fsrmi a0, 4; frrm t0; li t2, 4; bne t0, t2, fail)
    FP_CHECK(14, 0x1f, 0x08, fsflagsi 0x1f; fsflagsi a0, 0x08)
    /* csrrs / csrrc on the fp CSRs */
    FP_CHECK(15, 0x05, 0x05, csrsi fflags, 0x01; csrsi fflags, 0x04; csrr a0, fflags)
    FP_CHECK(16, 0x1b, 0x1b, fsflagsi 0x1f; csrci fflags, 0x04; frflags a0)
    FP_CHECK(17, 0x66, 0x06, fsrmi 0; li t0, 0x66; csrs fcsr, t0; frcsr a0)
    FP_CHECK(18, 0x02, 0x00, fsrmi 3; csrci frm, 1; frrm a0)
    fsrmi 0
    /* flags accrue: NX then DZ then an exact op leaves both */
    FP_CHECK(19, BOX(0x3f800000), FNX|FDZ, LD_S(ft0, 0x3f800000); LD_S(ft1, 0x40400000); fdiv.s ft2, ft0, ft1; fmv.w.x ft3, zero; fdiv.s ft2, ft0, ft3; fmul.s ft2, ft0, ft0; fmv.x.d a0, ft2)
    FP_CHECK(20, 0x7ff8000000000000, FNV|FOF|FNX, LD_D(ft0, 0x7fefffffffffffff); fadd.d ft2, ft0, ft0; fmv.d.x ft1, zero; fmul.d ft3, ft0, ft1; fdiv.d ft2, ft3, ft3; fmv.x.d a0, ft2)
    /* instructions that cannot raise flags do not clear them */
    FP_CHECK(21, 0, 0x1f, fsflagsi 0x1f; LD_S(ft0, 0x3f800000); fmin.s ft2, ft0, ft0; fsgnj.s ft2, ft0, ft0; fclass.s a1, ft0; feq.s a0, ft0, ft0; fmv.x.w a0, ft1; li a0, 0)
    /* a static rounding mode overrides frm */
    fsrmi 3
    TEST_FS_OP2(22, fdiv.s, rtz, 0x3eaaaaaa, FNX, 0x3f800000, 0x40400000)
    TEST_FS_OP2(23, fdiv.s, rne, 0xbeaaaaab, FNX, 0xbf800000, 0x40400000)
    TEST_FD_TOINT(24, fcvt.w.d, rtz, 2, FNX, 0x4004000000000000)
    fsrmi 0
    TEST_FS_OP2(25, fdiv.s, rup, 0x3eaaaaab, FNX, 0x3f800000, 0x40400000)
    TEST_FS_OP2(26, fdiv.s, dyn, 0x3eaaaaab, FNX, 0x3f800000, 0x40400000)

    /* frm = rne (0): dyn-rounding instructions follow frm */
    fsrmi 0
    TEST_FS_OP2(30, fdiv.s, dyn, 0xbeaaaaab, FNX, 0xbf800000, 0x40400000)
    TEST_FS_OP2(31, fadd.s, dyn, 0x3f800000, FNX, 0x3f800000, 0x33800000)
    TEST_FS_OP1(32, fsqrt.s, dyn, 0x3fb504f3, FNX, 0x40000000)
    TEST_FD_OP2(33, fdiv.d, dyn, 0xbfd5555555555555, FNX, 0x3ff0000000000000, 0xc008000000000000)
    TEST_FD_OP3(34, fmadd.d, dyn, 0x4000000000000001, FNX, 0x3ff0000000000001, 0x3ff0000000000001, 0x3ff0000000000000)
    TEST_FS_TOINT(35, fcvt.w.s, dyn, 0x2, FNX, 0x40200000)
    TEST_FD_TOINT(36, fcvt.l.d, dyn, 0xfffffffffffffffe, FNX, 0xc004000000000000)
    TEST_FS_FROMINT(37, fcvt.s.l, dyn, 0x4b800000, FNX, 0x1000001)
    TEST_FCVT_S_D(38, dyn, 0x3f800000, FNX, 0x3ff0000010000000)
    TEST_FS_OP2(39, fmul.s, dyn, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000)
    FP_CHECK(40, 0, 0, frrm a0)  // reading frm back

    /* frm = rtz (1): dyn-rounding instructions follow frm */
    fsrmi 1
    TEST_FS_OP2(41, fdiv.s, dyn, 0xbeaaaaaa, FNX, 0xbf800000, 0x40400000)
    TEST_FS_OP2(42, fadd.s, dyn, 0x3f800000, FNX, 0x3f800000, 0x33800000)
    TEST_FS_OP1(43, fsqrt.s, dyn, 0x3fb504f3, FNX, 0x40000000)
    TEST_FD_OP2(44, fdiv.d, dyn, 0xbfd5555555555555, FNX, 0x3ff0000000000000, 0xc008000000000000)
    TEST_FD_OP3(45, fmadd.d, dyn, 0x4000000000000001, FNX, 0x3ff0000000000001, 0x3ff0000000000001, 0x3ff0000000000000)
    TEST_FS_TOINT(46, fcvt.w.s, dyn, 0x2, FNX, 0x40200000)
    TEST_FD_TOINT(47, fcvt.l.d, dyn, 0xfffffffffffffffe, FNX, 0xc004000000000000)
    TEST_FS_FROMINT(48, fcvt.s.l, dyn, 0x4b800000, FNX, 0x1000001)
    TEST_FCVT_S_D(49, dyn, 0x3f800000, FNX, 0x3ff0000010000000)
    TEST_FS_OP2(50, fmul.s, dyn, 0x7f7fffff, FOF|FNX, 0x7f7fffff, 0x40000000)
    FP_CHECK(51, 1, 0, frrm a0)  // reading frm back

    /* frm = rdn (2): dyn-rounding instructions follow frm */
    fsrmi 2
    TEST_FS_OP2(52, fdiv.s, dyn, 0xbeaaaaab, FNX, 0xbf800000, 0x40400000)
    TEST_FS_OP2(53, fadd.s, dyn, 0x3f800000, FNX, 0x3f800000, 0x33800000)
    TEST_FS_OP1(54, fsqrt.s, dyn, 0x3fb504f3, FNX, 0x40000000)
    TEST_FD_OP2(55, fdiv.d, dyn, 0xbfd5555555555556, FNX, 0x3ff0000000000000, 0xc008000000000000)
    TEST_FD_OP3(56, fmadd.d, dyn, 0x4000000000000001, FNX, 0x3ff0000000000001, 0x3ff0000000000001, 0x3ff0000000000000)
    TEST_FS_TOINT(57, fcvt.w.s, dyn, 0x2, FNX, 0x40200000)
    TEST_FD_TOINT(58, fcvt.l.d, dyn, 0xfffffffffffffffd, FNX, 0xc004000000000000)
    TEST_FS_FROMINT(59, fcvt.s.l, dyn, 0x4b800000, FNX, 0x1000001)
    TEST_FCVT_S_D(60, dyn, 0x3f800000, FNX, 0x3ff0000010000000)
    TEST_FS_OP2(61, fmul.s, dyn, 0x7f7fffff, FOF|FNX, 0x7f7fffff, 0x40000000)
    FP_CHECK(62, 2, 0, frrm a0)  // reading frm back

    /* frm = rup (3): dyn-rounding instructions follow frm */
    fsrmi 3
    TEST_FS_OP2(63, fdiv.s, dyn, 0xbeaaaaaa, FNX, 0xbf800000, 0x40400000)
    TEST_FS_OP2(64, fadd.s, dyn, 0x3f800001, FNX, 0x3f800000, 0x33800000)
    TEST_FS_OP1(65, fsqrt.s, dyn, 0x3fb504f4, FNX, 0x40000000)
    TEST_FD_OP2(66, fdiv.d, dyn, 0xbfd5555555555555, FNX, 0x3ff0000000000000, 0xc008000000000000)
    TEST_FD_OP3(67, fmadd.d, dyn, 0x4000000000000002, FNX, 0x3ff0000000000001, 0x3ff0000000000001, 0x3ff0000000000000)
    TEST_FS_TOINT(68, fcvt.w.s, dyn, 0x3, FNX, 0x40200000)
    TEST_FD_TOINT(69, fcvt.l.d, dyn, 0xfffffffffffffffe, FNX, 0xc004000000000000)
    TEST_FS_FROMINT(70, fcvt.s.l, dyn, 0x4b800001, FNX, 0x1000001)
    TEST_FCVT_S_D(71, dyn, 0x3f800001, FNX, 0x3ff0000010000000)
    TEST_FS_OP2(72, fmul.s, dyn, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000)
    FP_CHECK(73, 3, 0, frrm a0)  // reading frm back

    /* frm = rmm (4): dyn-rounding instructions follow frm */
    fsrmi 4
    TEST_FS_OP2(74, fdiv.s, dyn, 0xbeaaaaab, FNX, 0xbf800000, 0x40400000)
    TEST_FS_OP2(75, fadd.s, dyn, 0x3f800001, FNX, 0x3f800000, 0x33800000)
    TEST_FS_OP1(76, fsqrt.s, dyn, 0x3fb504f3, FNX, 0x40000000)
    TEST_FD_OP2(77, fdiv.d, dyn, 0xbfd5555555555555, FNX, 0x3ff0000000000000, 0xc008000000000000)
    TEST_FD_OP3(78, fmadd.d, dyn, 0x4000000000000001, FNX, 0x3ff0000000000001, 0x3ff0000000000001, 0x3ff0000000000000)
    TEST_FS_TOINT(79, fcvt.w.s, dyn, 0x3, FNX, 0x40200000)
    TEST_FD_TOINT(80, fcvt.l.d, dyn, 0xfffffffffffffffd, FNX, 0xc004000000000000)
    TEST_FS_FROMINT(81, fcvt.s.l, dyn, 0x4b800001, FNX, 0x1000001)
    TEST_FCVT_S_D(82, dyn, 0x3f800001, FNX, 0x3ff0000010000000)
    TEST_FS_OP2(83, fmul.s, dyn, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000)
    FP_CHECK(84, 4, 0, frrm a0)  // reading frm back

    /* frm = 5, 6, 7 are invalid: any instruction that uses dyn rounding raises illegal
       instruction, and neither writes rd nor sets flags. */
    fsrmi 0; fsflagsi 0
    LD_S(ft2, 0x12345678)
    LD_S(ft0, 0x3f800000)
    LD_S(ft1, 0x40400000)
    fsrmi 5
    TEST_FP_TRAP(85, 2, fdiv.s ft2, ft0, ft1, dyn)
    li TESTNUM, 86
    frflags t1; bnez t1, fail
    fmv.x.d a0, ft2; li t2, BOX(0x12345678); bne a0, t2, fail
    fsrmi 6
    TEST_FP_TRAP(87, 2, fsqrt.d ft2, ft1, dyn)
    fsrmi 7
    TEST_FP_TRAP(88, 2, fmadd.s ft2, ft0, ft1, ft0, dyn)
    li a0, 0x5a5a
    TEST_FP_TRAP(89, 2, fcvt.w.d a0, ft1, dyn)
    li TESTNUM, 90
    li t2, 0x5a5a; bne a0, t2, fail
    fsrmi 5
    TEST_FP_TRAP(91, 2, fcvt.s.l ft2, a0, dyn)
    TEST_FP_TRAP(92, 2, fcvt.s.d ft2, ft1, dyn)
    TEST_FP_TRAP(93, 2, fnmsub.d ft2, ft1, ft1, ft1, dyn)
    TEST_FP_TRAP(94, 2, fcvt.lu.s a0, ft1, dyn)
    li TESTNUM, 95
    frflags t1; bnez t1, fail
    fmv.x.d a0, ft2; li t2, BOX(0x12345678); bne a0, t2, fail
    /* with frm invalid, static rounding modes and rm-less instructions still work (no trap) */
    TEST_FP_TRAP(96, -1, fdiv.s ft2, ft0, ft1, rne)
    TEST_FP_TRAP(97, -1, fmin.s ft2, ft0, ft1; fsgnjx.d ft2, ft0, ft1; feq.s a0, ft0, ft1; fclass.d a0, ft0; fmv.x.w a0, ft0; fcvt.d.s ft2, ft0; fcvt.d.w ft2, a0)
    FP_CHECK(98, BOX(0x3eaaaaab), FNX, LD_S(ft0, 0x3f800000); LD_S(ft1, 0x40400000); fdiv.s ft2, ft0, ft1, rmm; fmv.x.d a0, ft2)
    FP_CHECK(99, 5, 0, frrm a0)
    /* static rm = 5 or 6 in the encoding is reserved: illegal whatever frm holds */
    fsrmi 0
    TEST_FP_TRAP(100, 2, .insn r 0x53, 5, 0x00, ft2, ft0, ft1)   /* fadd.s rm=5 */
    TEST_FP_TRAP(101, 2, .insn r 0x53, 6, 0x09, ft2, ft0, ft1)   /* fmul.d rm=6 */
    TEST_FP_TRAP(102, 2, .insn r 0x53, 5, 0x2c, ft2, ft0, f0)    /* fsqrt.s rm=5 */
    TEST_FP_TRAP(103, 2, .insn r 0x53, 6, 0x60, a0, ft0, f0)     /* fcvt.w.s rm=6 */
    TEST_FP_TRAP(104, -1, .insn r 0x53, 4, 0x00, ft2, ft0, ft1)  /* fadd.s rm=4 (rmm) is fine */
    li TESTNUM, 105
    frflags t1; bnez t1, fail
    fmv.x.d a0, ft2; li t2, BOX(0x40800000); bne a0, t2, fail

    /* mstatus.FS = Off: fp instructions, fp loads/stores and the fp CSRs are illegal */
    li t0, MSTATUS_FS
    csrc mstatus, t0
    TEST_FP_TRAP(106, 2, fadd.s ft0, ft0, ft0)
    TEST_FP_TRAP(107, 2, frcsr a0)
    TEST_FP_TRAP(108, 2, fsflagsi 1)
    TEST_FP_TRAP(109, 2, csrr a0, frm)
    TEST_FP_TRAP(110, 2, fmv.x.d a0, ft0)
    TEST_FP_TRAP(111, 2, fmv.w.x ft0, zero)
    TEST_FP_TRAP(112, 2, fld ft0, 0(sp))
    TEST_FP_TRAP(113, 2, fsw ft0, 0(sp))
    TEST_FP_TRAP(114, 2, c.fldsp ft0, 0(sp))
    TEST_FP_TRAP(115, 2, fcvt.d.w ft0, zero)
    /* FS = Initial: usable; writing an fp register makes FS Dirty and sets mstatus.SD */
    li t0, (1 << 13)
    csrs mstatus, t0
    /* (TEST_CASE from test.h: it does not touch fp state, unlike FP_CHECK) */
    TEST_CASE(116, a0, 0x1, csrr a0, mstatus; srli a0, a0, 13; andi a0, a0, 3)
    TEST_CASE(117, a0, 0x3, fmv.w.x ft0, zero; csrr a0, mstatus; srli a0, a0, 13; andi a0, a0, 3)
    TEST_CASE(118, a0, 0x1, csrr a0, mstatus; srli a0, a0, 63)
    /* FS = Clean: writing fcsr, an fp register by a load, or fflags by an fp op makes it Dirty */
    li t0, MSTATUS_FS; csrc mstatus, t0; li t0, (2 << 13); csrs mstatus, t0
    TEST_CASE(119, a0, 0x2, csrr a0, mstatus; srli a0, a0, 13; andi a0, a0, 3)
    TEST_CASE(120, a0, 0x0, csrr a0, mstatus; srli a0, a0, 63)
    TEST_CASE(121, a0, 0x3, fsrmi 0; csrr a0, mstatus; srli a0, a0, 13; andi a0, a0, 3)
    li t0, MSTATUS_FS; csrc mstatus, t0; li t0, (2 << 13); csrs mstatus, t0
    TEST_CASE(122, a0, 0x3, fld ft0, 0(sp); csrr a0, mstatus; srli a0, a0, 13; andi a0, a0, 3)
    li t0, MSTATUS_FS; csrc mstatus, t0; li t0, (2 << 13); csrs mstatus, t0
    TEST_CASE(123, a0, 0x3, fdiv.s ft1, ft0, ft0; csrr a0, mstatus; srli a0, a0, 13; andi a0, a0, 3)
TEST_END
