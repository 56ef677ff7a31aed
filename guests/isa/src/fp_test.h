/* Floating-point test macros on top of test.h (F and D extension tests, rv64f_*.S / rv64d_*.S).
 *
 * Every case clears fflags, runs the operation, then checks BOTH the accrued fflags (t1) and
 * the result bits (a0). A mismatch of either exits with the case number (see test.h).
 * Single-precision results are checked through fmv.x.d, so the NaN-boxing of every result
 * (upper 32 bits all ones) is checked too: expected .s values are written as 32-bit patterns
 * and boxed by BOX().
 *
 * Case numbers must stay in 2..255: the HTIF exit status is truncated to 8 bits by the host.
 *
 * Registers: t0 scratch, t1 = fflags read back, t2 = expected value, a0 = result,
 * a1 = integer operand, ft0/ft1/ft3 = fp operands, ft2 = fp result, s1 = trapped mcause.
 */
#include "test.h"

/* Name the object's FILE symbol ourselves: otherwise ld adds one named after gcc's random
 * temporary object (ccXXXXXX.o) and the checked-in ELFs change on every rebuild. */
    .file "fp_test"

/* fflags bits */
#define FNV 0x10
#define FDZ 0x08
#define FOF 0x04
#define FUF 0x02
#define FNX 0x01

/* frm / rm values */
#define RM_RNE 0
#define RM_RTZ 1
#define RM_RDN 2
#define RM_RUP 3
#define RM_RMM 4

#define BOX(x) (0xffffffff00000000 | (x))

/* Generic case: `code` leaves its result in a0. */
#define FP_CHECK(n, expected, flags, code...)       \
    .if (n) > 255; .error "case number > 255"; .endif; \
test_##n:                                           \
    li TESTNUM, n;                                  \
    fsflags x0;                                     \
    code;                                           \
    frflags t1;                                     \
    li t2, flags;                                   \
    bne t1, t2, fail;                               \
    li t2, expected;                                \
    bne a0, t2, fail;

#define LD_S(freg, bits) li t0, bits; fmv.w.x freg, t0
#define LD_D(freg, bits) li t0, bits; fmv.d.x freg, t0

/* ---- single precision: fp result in ft2, checked boxed ---- */
#define TEST_FS_OP1(n, inst, rm, res, flags, a) \
    FP_CHECK(n, BOX(res), flags, LD_S(ft0, a); inst ft2, ft0, rm; fmv.x.d a0, ft2)
#define TEST_FS_OP2(n, inst, rm, res, flags, a, b) \
    FP_CHECK(n, BOX(res), flags, LD_S(ft0, a); LD_S(ft1, b); inst ft2, ft0, ft1, rm; fmv.x.d a0, ft2)
#define TEST_FS_OP3(n, inst, rm, res, flags, a, b, c) \
    FP_CHECK(n, BOX(res), flags, LD_S(ft0, a); LD_S(ft1, b); LD_S(ft3, c); inst ft2, ft0, ft1, ft3, rm; fmv.x.d a0, ft2)
/* two operands, no rounding-mode field (fmin/fmax/fsgnj*) */
#define TEST_FS_OP2N(n, inst, res, flags, a, b) \
    FP_CHECK(n, BOX(res), flags, LD_S(ft0, a); LD_S(ft1, b); inst ft2, ft0, ft1; fmv.x.d a0, ft2)
/* integer result: feq/flt/fle (a0 = inst(a, b)) */
#define TEST_FS_CMP(n, inst, res, flags, a, b) \
    FP_CHECK(n, res, flags, LD_S(ft0, a); LD_S(ft1, b); inst a0, ft0, ft1)
#define TEST_FS_CLASS(n, res, a) \
    FP_CHECK(n, res, 0, LD_S(ft0, a); fclass.s a0, ft0)
/* fcvt.{w,wu,l,lu}.s a0, ft0, rm */
#define TEST_FS_TOINT(n, inst, rm, res, flags, a) \
    FP_CHECK(n, res, flags, LD_S(ft0, a); inst a0, ft0, rm)
/* fcvt.s.{w,wu,l,lu} ft2, a1, rm */
#define TEST_FS_FROMINT(n, inst, rm, res, flags, ival) \
    FP_CHECK(n, BOX(res), flags, li a1, ival; inst ft2, a1, rm; fmv.x.d a0, ft2)

/* ---- double precision ---- */
#define TEST_FD_OP1(n, inst, rm, res, flags, a) \
    FP_CHECK(n, res, flags, LD_D(ft0, a); inst ft2, ft0, rm; fmv.x.d a0, ft2)
#define TEST_FD_OP2(n, inst, rm, res, flags, a, b) \
    FP_CHECK(n, res, flags, LD_D(ft0, a); LD_D(ft1, b); inst ft2, ft0, ft1, rm; fmv.x.d a0, ft2)
#define TEST_FD_OP3(n, inst, rm, res, flags, a, b, c) \
    FP_CHECK(n, res, flags, LD_D(ft0, a); LD_D(ft1, b); LD_D(ft3, c); inst ft2, ft0, ft1, ft3, rm; fmv.x.d a0, ft2)
#define TEST_FD_OP2N(n, inst, res, flags, a, b) \
    FP_CHECK(n, res, flags, LD_D(ft0, a); LD_D(ft1, b); inst ft2, ft0, ft1; fmv.x.d a0, ft2)
#define TEST_FD_CMP(n, inst, res, flags, a, b) \
    FP_CHECK(n, res, flags, LD_D(ft0, a); LD_D(ft1, b); inst a0, ft0, ft1)
#define TEST_FD_CLASS(n, res, a) \
    FP_CHECK(n, res, 0, LD_D(ft0, a); fclass.d a0, ft0)
#define TEST_FD_TOINT(n, inst, rm, res, flags, a) \
    FP_CHECK(n, res, flags, LD_D(ft0, a); inst a0, ft0, rm)
#define TEST_FD_FROMINT(n, inst, rm, res, flags, ival) \
    FP_CHECK(n, res, flags, li a1, ival; inst ft2, a1, rm; fmv.x.d a0, ft2)
/* fcvt.d.w / fcvt.d.wu are always exact (the assembler takes no rm for them) */
#define TEST_FD_FROMINT32(n, inst, res, flags, ival) \
    FP_CHECK(n, res, flags, li a1, ival; inst ft2, a1; fmv.x.d a0, ft2)

/* ---- conversions between formats ---- */
/* fcvt.s.d: double bits in, boxed single bits out */
#define TEST_FCVT_S_D(n, rm, res, flags, a) \
    FP_CHECK(n, BOX(res), flags, LD_D(ft0, a); fcvt.s.d ft2, ft0, rm; fmv.x.d a0, ft2)
/* fcvt.d.s: single bits in (boxed by fmv.w.x), double bits out (always exact) */
#define TEST_FCVT_D_S(n, res, flags, a) \
    FP_CHECK(n, res, flags, LD_S(ft0, a); fcvt.d.s ft2, ft0; fmv.x.d a0, ft2)

/* ---- expected traps ----
 * Run `code` with a private trap handler that records mcause in s1 and skips the trapping
 * instruction (2 or 4 bytes); then check s1 == cause (s1 = -1 when nothing trapped) and
 * restore the default handler. */
#define TEST_FP_TRAP(n, cause, code...)             \
    .if (n) > 255; .error "case number > 255"; .endif; \
test_##n:                                           \
    li TESTNUM, n;                                  \
    la t0, trap_##n;                                \
    csrw mtvec, t0;                                 \
    li s1, -1;                                      \
    code;                                           \
    j after_##n;                                    \
    .align 2;                                       \
trap_##n:                                           \
    csrr s1, mcause;                                \
    csrr t0, mepc;                                  \
    lhu t2, 0(t0);                                  \
    andi t2, t2, 3;                                 \
    addi t0, t0, 2;                                 \
    li t1, 3;                                       \
    bne t2, t1, 1f;                                 \
    addi t0, t0, 2;                                 \
1:  csrw mepc, t0;                                  \
    mret;                                           \
after_##n:                                          \
    la t0, default_trap;                            \
    csrw mtvec, t0;                                 \
    li t2, cause;                                   \
    bne s1, t2, fail;
