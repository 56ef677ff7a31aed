# RV64M: mul/mulh/mulhsu/mulhu/mulw with signs and extremes; div/divu/rem/remu and the
# 32-bit *w forms, including division by zero (quotient all ones, remainder = dividend) and
# signed overflow MIN / -1 (quotient MIN, remainder 0); *w results are sign-extended and
# ignore the upper halves of the operands.
#include "test.h"
#define MIN 0x8000000000000000
#define MAX 0x7fffffffffffffff
TEST_BEGIN
    .option norvc
    # ---- mul (low 64 bits) ----
    TEST_RR(2,  mul, 21, 3, 7)
    TEST_RR(3,  mul, -21, -3, 7)
    TEST_RR(4,  mul, 1, -1, -1)
    TEST_RR(5,  mul, 0xfffffffffffffffe, MAX, 2)
    TEST_RR(6,  mul, MIN, MIN, -1)
    TEST_RR(7,  mul, 0, 0x100000000, 0x100000000)
    TEST_RR(8,  mul, 0xff7f, 0xaaaaaaaaaaaaaaab, 0x2fe7d)
    TEST_RR(9,  mul, 0x2236d88fe5618cf0, 0x123456789abcdef0, 0x0fedcba987654321)
    TEST_RR(10, mul, 0, 0, -1)
    # ---- mulh (signed x signed, high 64) ----
    TEST_RR(11, mulh, 0x4000000000000000, MIN, MIN)
    TEST_RR(12, mulh, 0x3fffffffffffffff, MAX, MAX)
    TEST_RR(13, mulh, 0xc000000000000000, MIN, MAX)
    TEST_RR(14, mulh, 0, -1, -1)
    TEST_RR(15, mulh, -1, -1, 1)
    TEST_RR(16, mulh, 1, 0x100000000, 0x100000000)
    TEST_RR(17, mulh, 0xffeb49923cc09532, 0x123456789abcdef0, 0xfedcba9876543210)
    TEST_RR(18, mulh, 0, 3, 7)
    # ---- mulhu (unsigned x unsigned) ----
    TEST_RR(19, mulhu, 0xfffffffffffffffe, -1, -1)
    TEST_RR(20, mulhu, 1, -1, 2)
    TEST_RR(21, mulhu, 1, MIN, 2)
    TEST_RR(22, mulhu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
    TEST_RR(23, mulhu, 0, 0xffffffff, 0xffffffff)
    # ---- mulhsu (rs1 signed x rs2 unsigned) ----
    TEST_RR(24, mulhsu, -1, -1, -1)
    TEST_RR(25, mulhsu, MIN, MIN, -1)
    TEST_RR(26, mulhsu, -1, MIN, 2)
    TEST_RR(27, mulhsu, 0xffeb49923cc09532, 0xfedcba9876543210, 0x123456789abcdef0)
    TEST_RR(28, mulhsu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
    TEST_RR(29, mulhsu, 0, 1, -1)
    # ---- mulw (low 32 bits of the product, sign-extended) ----
    TEST_RR(30, mulw, -2, 0x7fffffff, 2)
    TEST_RR(31, mulw, 0, 0x10000, 0x10000)
    TEST_RR(32, mulw, 21, 0xffffffff00000003, 0x0000000500000007)
    TEST_RR(33, mulw, 1, -1, -1)
    TEST_RR(34, mulw, 0xffffffff80000000, 0x80000000, 1)
    TEST_RR(35, mulw, 0xffffffff80000000, 0x80000000, 0x80000001)
    # ---- div (signed, truncating) ----
    TEST_RR(36, div, 3, 20, 6)
    TEST_RR(37, div, -3, -20, 6)
    TEST_RR(38, div, -3, 20, -6)
    TEST_RR(39, div, 3, -20, -6)
    TEST_RR(40, div, MIN, MIN, -1)              /* overflow */
    TEST_RR(41, div, -1, 20, 0)                 /* by zero */
    TEST_RR(42, div, -1, 0, 0)
    TEST_RR(43, div, -1, MIN, 0)
    TEST_RR(44, div, MIN, MIN, 1)
    TEST_RR(45, div, 0, 5, 6)
    # ---- divu ----
    TEST_RR(46, divu, 3, 20, 6)
    TEST_RR(47, divu, 0x2aaaaaaaaaaaaaa7, -20, 6)
    TEST_RR(48, divu, -1, 20, 0)
    TEST_RR(49, divu, -1, 0, 0)
    TEST_RR(50, divu, 1, -1, -1)
    TEST_RR(51, divu, 0, 1, -1)
    TEST_RR(52, divu, 0, MIN, -1)
    # ---- rem (sign follows the dividend) ----
    TEST_RR(53, rem, 2, 20, 6)
    TEST_RR(54, rem, -2, -20, 6)
    TEST_RR(55, rem, 2, 20, -6)
    TEST_RR(56, rem, -2, -20, -6)
    TEST_RR(57, rem, 0, MIN, -1)                /* overflow */
    TEST_RR(58, rem, 20, 20, 0)                 /* by zero: dividend */
    TEST_RR(59, rem, -7, -7, 0)
    TEST_RR(60, rem, MIN, MIN, 0)
    TEST_RR(61, rem, 0, 0, 0)
    # ---- remu ----
    TEST_RR(62, remu, 2, 20, 6)
    TEST_RR(63, remu, 2, -20, 6)
    TEST_RR(64, remu, 20, 20, 0)
    TEST_RR(65, remu, -1, -1, 0)
    TEST_RR(66, remu, 1, 1, -1)
    TEST_RR(67, remu, MIN, MIN, -1)
    # ---- divw ----
    TEST_RR(68, divw, 3, 20, 6)
    TEST_RR(69, divw, -3, -20, 6)
    TEST_RR(70, divw, 0xffffffff80000000, 0x80000000, -1)      /* 32-bit overflow */
    TEST_RR(71, divw, -1, 20, 0)
    TEST_RR(72, divw, 3, 0xabcdef0000000014, 0x1234567800000006) /* upper halves ignored */
    TEST_RR(73, divw, 0xffffffff80000001, 0x7fffffff, -1)
    TEST_RR(74, divw, -1, 0x123456789, 0x100000000)           /* divisor's low 32 bits are 0 */
    TEST_RR(75, divw, 0xffffffff80000000, 0x80000000, 1)
    # ---- divuw ----
    TEST_RR(76, divuw, 0xffffffff80000000, 0x80000000, 1)      /* result sign-extended */
    TEST_RR(77, divuw, -1, 0xffffffff, 0)
    TEST_RR(78, divuw, -1, 0, 0)
    TEST_RR(79, divuw, 0x7fffffff, 0xfffffffe, 2)
    TEST_RR(80, divuw, 0x2aaaaaa7, -20, 6)
    TEST_RR(81, divuw, 0, 0x80000000, -1)
    TEST_RR(82, divuw, 1, 0x1ffffffff, 0xffffffff)
    # ---- remw ----
    TEST_RR(83, remw, -2, -20, 6)
    TEST_RR(84, remw, 0, 0x80000000, -1)                       /* 32-bit overflow */
    TEST_RR(85, remw, 0xffffffff80000000, 0x180000000, 0)      /* by zero: sext(low32 dividend) */
    TEST_RR(86, remw, 2, 20, -6)
    TEST_RR(87, remw, 0x14, 0x0000000500000014, 0x0000000700000000) /* divisor low32 = 0 */
    TEST_RR(88, remw, 2, 0xffffffff00000014, 0x0000000100000006)
    # ---- remuw ----
    TEST_RR(89, remuw, 2, -20, 6)
    TEST_RR(90, remuw, 0xffffffff80000001, 0x80000001, 0)      /* by zero: sext(low32 dividend) */
    TEST_RR(91, remuw, 0xf, 0xffffffff, 0x10)
    TEST_RR(92, remuw, 0xffffffff80000000, 0x80000000, 0x80000001)
    TEST_RR(93, remuw, 0, 0x123456780000000c, 6)
    # ---- rd == rs1 == rs2, and x0 ----
    TEST_CASE(94, x14, 49, li x14, 7; mul x14, x14, x14)
    TEST_CASE(95, x14, 1, li x14, -7; div x14, x14, x14)
    TEST_CASE(96, x14, 0, li x14, -7; rem x14, x14, x14)
    TEST_CASE(97, x14, -1, li x14, 5; divu x14, x14, x0)
    TEST_CASE(98, x14, 5, li x14, 5; remu x14, x14, x0)
    TEST_CASE(99, x14, 0, li x11, 3; li x12, 4; mul x0, x11, x12; mv x14, x0)
    TEST_CASE(100, x14, 0, li x11, 3; mulh x14, x0, x11)
TEST_END
