// fadd/fsub/fmul/fdiv/fsqrt.s: values, special operands, all fflags, every static rounding mode.
// Generated expectations are exact-arithmetic results with RISC-V rules (canonical NaN,
// tininess after rounding); each case checks result bits and fflags.
#include "fp_test.h"
TEST_BEGIN

    /* simple exact results */
    TEST_FS_OP2(2, fadd.s, rne, 0x40400000, 0, 0x3f800000, 0x40000000)
    TEST_FS_OP2(3, fadd.s, rne, 0xbfe00000, 0, 0xc0200000, 0x3f400000)
    TEST_FS_OP2(4, fsub.s, rne, 0xbf800000, 0, 0x3f800000, 0x40000000)
    TEST_FS_OP2(5, fsub.s, rne, 0x40f80000, 0, 0x40f00000, 0xbe800000)
    TEST_FS_OP2(6, fmul.s, rne, 0xc0f00000, 0, 0x40400000, 0xc0200000)
    TEST_FS_OP2(7, fdiv.s, rne, 0x40600000, 0, 0x40e00000, 0x40000000)
    TEST_FS_OP1(8, fsqrt.s, rne, 0x40800000, 0, 0x41800000)
    TEST_FS_OP1(9, fsqrt.s, rne, 0x3f000000, 0, 0x3e800000)
    TEST_FS_OP2(10, fdiv.s, rne, 0xc0400000, 0, 0xc1100000, 0x40400000)

    /* signed zeros: x - x = +0 except in rdn, -0 + -0 = -0, sqrt(-0) = -0, 0 * -x = -0 */
    TEST_FS_OP2(11, fsub.s, rne, 0x00000000, 0, 0x3fc00000, 0x3fc00000)  // x-x
    TEST_FS_OP2(12, fsub.s, rtz, 0x00000000, 0, 0x3fc00000, 0x3fc00000)  // x-x
    TEST_FS_OP2(13, fsub.s, rdn, 0x80000000, 0, 0x3fc00000, 0x3fc00000)  // x-x
    TEST_FS_OP2(14, fsub.s, rup, 0x00000000, 0, 0x3fc00000, 0x3fc00000)  // x-x
    TEST_FS_OP2(15, fsub.s, rmm, 0x00000000, 0, 0x3fc00000, 0x3fc00000)  // x-x
    TEST_FS_OP2(16, fadd.s, rne, 0x80000000, 0, 0x80000000, 0x80000000)
    TEST_FS_OP2(17, fadd.s, rne, 0x00000000, 0, 0x80000000, 0x00000000)
    TEST_FS_OP2(18, fadd.s, rdn, 0x80000000, 0, 0x80000000, 0x00000000)
    TEST_FS_OP2(19, fsub.s, rne, 0x80000000, 0, 0x80000000, 0x00000000)
    TEST_FS_OP2(20, fmul.s, rne, 0x80000000, 0, 0x00000000, 0xc0400000)
    TEST_FS_OP2(21, fdiv.s, rne, 0x80000000, 0, 0x80000000, 0x40a00000)
    TEST_FS_OP1(22, fsqrt.s, rne, 0x80000000, 0, 0x80000000)
    TEST_FS_OP2(23, fadd.s, rne, 0x00000000, 0, 0x3f800000, 0xbf800000)

    /* inexact: 1/3, 2/3, sqrt(2) in every rounding mode */
    TEST_FS_OP2(24, fdiv.s, rne, 0x3eaaaaab, FNX, 0x3f800000, 0x40400000)
    TEST_FS_OP2(25, fdiv.s, rtz, 0x3eaaaaaa, FNX, 0x3f800000, 0x40400000)
    TEST_FS_OP2(26, fdiv.s, rdn, 0x3eaaaaaa, FNX, 0x3f800000, 0x40400000)
    TEST_FS_OP2(27, fdiv.s, rup, 0x3eaaaaab, FNX, 0x3f800000, 0x40400000)
    TEST_FS_OP2(28, fdiv.s, rmm, 0x3eaaaaab, FNX, 0x3f800000, 0x40400000)
    TEST_FS_OP2(29, fdiv.s, rne, 0xbf2aaaab, FNX, 0xc0000000, 0x40400000)
    TEST_FS_OP2(30, fdiv.s, rtz, 0xbf2aaaaa, FNX, 0xc0000000, 0x40400000)
    TEST_FS_OP2(31, fdiv.s, rdn, 0xbf2aaaab, FNX, 0xc0000000, 0x40400000)
    TEST_FS_OP2(32, fdiv.s, rup, 0xbf2aaaaa, FNX, 0xc0000000, 0x40400000)
    TEST_FS_OP2(33, fdiv.s, rmm, 0xbf2aaaab, FNX, 0xc0000000, 0x40400000)
    TEST_FS_OP1(34, fsqrt.s, rne, 0x3fb504f3, FNX, 0x40000000)
    TEST_FS_OP1(35, fsqrt.s, rtz, 0x3fb504f3, FNX, 0x40000000)
    TEST_FS_OP1(36, fsqrt.s, rdn, 0x3fb504f3, FNX, 0x40000000)
    TEST_FS_OP1(37, fsqrt.s, rup, 0x3fb504f4, FNX, 0x40000000)
    TEST_FS_OP1(38, fsqrt.s, rmm, 0x3fb504f3, FNX, 0x40000000)

    /* exact ties: 1 + half-ulp (tie to even = down), (1+ulp) + half-ulp (tie to even = up), negative ties */
    TEST_FS_OP2(39, fadd.s, rne, 0x3f800000, FNX, 0x3f800000, 0x33800000)  // 1 + 2^-24
    TEST_FS_OP2(40, fadd.s, rtz, 0x3f800000, FNX, 0x3f800000, 0x33800000)  // 1 + 2^-24
    TEST_FS_OP2(41, fadd.s, rdn, 0x3f800000, FNX, 0x3f800000, 0x33800000)  // 1 + 2^-24
    TEST_FS_OP2(42, fadd.s, rup, 0x3f800001, FNX, 0x3f800000, 0x33800000)  // 1 + 2^-24
    TEST_FS_OP2(43, fadd.s, rmm, 0x3f800001, FNX, 0x3f800000, 0x33800000)  // 1 + 2^-24
    TEST_FS_OP2(44, fadd.s, rne, 0x3f800002, FNX, 0x3f800001, 0x33800000)
    TEST_FS_OP2(45, fadd.s, rtz, 0x3f800001, FNX, 0x3f800001, 0x33800000)
    TEST_FS_OP2(46, fadd.s, rdn, 0x3f800001, FNX, 0x3f800001, 0x33800000)
    TEST_FS_OP2(47, fadd.s, rup, 0x3f800002, FNX, 0x3f800001, 0x33800000)
    TEST_FS_OP2(48, fadd.s, rmm, 0x3f800002, FNX, 0x3f800001, 0x33800000)
    TEST_FS_OP2(49, fsub.s, rne, 0xbf800000, FNX, 0xbf800000, 0x33800000)  // -1 - half ulp
    TEST_FS_OP2(50, fsub.s, rtz, 0xbf800000, FNX, 0xbf800000, 0x33800000)  // -1 - half ulp
    TEST_FS_OP2(51, fsub.s, rdn, 0xbf800001, FNX, 0xbf800000, 0x33800000)  // -1 - half ulp
    TEST_FS_OP2(52, fsub.s, rup, 0xbf800000, FNX, 0xbf800000, 0x33800000)  // -1 - half ulp
    TEST_FS_OP2(53, fsub.s, rmm, 0xbf800001, FNX, 0xbf800000, 0x33800000)  // -1 - half ulp
    TEST_FS_OP2(54, fadd.s, rne, 0x3f800000, FNX, 0x3f800000, 0x33000000)  // below half: not a tie
    TEST_FS_OP2(55, fadd.s, rtz, 0x3f800000, FNX, 0x3f800000, 0x33000000)  // below half: not a tie
    TEST_FS_OP2(56, fadd.s, rdn, 0x3f800000, FNX, 0x3f800000, 0x33000000)  // below half: not a tie
    TEST_FS_OP2(57, fadd.s, rup, 0x3f800001, FNX, 0x3f800000, 0x33000000)  // below half: not a tie
    TEST_FS_OP2(58, fadd.s, rmm, 0x3f800000, FNX, 0x3f800000, 0x33000000)  // below half: not a tie
    TEST_FS_OP2(59, fmul.s, rne, 0x3f800002, FNX, 0x3f800001, 0x3f800001)  // (1+u)^2 = 1+2u+u^2
    TEST_FS_OP2(60, fmul.s, rtz, 0x3f800002, FNX, 0x3f800001, 0x3f800001)  // (1+u)^2 = 1+2u+u^2
    TEST_FS_OP2(61, fmul.s, rdn, 0x3f800002, FNX, 0x3f800001, 0x3f800001)  // (1+u)^2 = 1+2u+u^2
    TEST_FS_OP2(62, fmul.s, rup, 0x3f800003, FNX, 0x3f800001, 0x3f800001)  // (1+u)^2 = 1+2u+u^2
    TEST_FS_OP2(63, fmul.s, rmm, 0x3f800002, FNX, 0x3f800001, 0x3f800001)  // (1+u)^2 = 1+2u+u^2

    /* special values: inf and NaN */
    TEST_FS_OP2(64, fadd.s, rne, 0x7f800000, 0, 0x7f800000, 0x3f800000)
    TEST_FS_OP2(65, fadd.s, rne, 0x7fc00000, FNV, 0x7f800000, 0xff800000)  // inf-inf NV
    TEST_FS_OP2(66, fsub.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x7f800000)
    TEST_FS_OP2(67, fsub.s, rne, 0xff800000, 0, 0xff800000, 0x7f800000)
    TEST_FS_OP2(68, fmul.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x00000000)  // inf*0 NV
    TEST_FS_OP2(69, fmul.s, rne, 0x7f800000, 0, 0xff800000, 0xc0000000)
    TEST_FS_OP2(70, fdiv.s, rne, 0x7f800000, FDZ, 0x3f800000, 0x00000000)  // 1/0 DZ
    TEST_FS_OP2(71, fdiv.s, rne, 0xff800000, FDZ, 0xbf800000, 0x00000000)
    TEST_FS_OP2(72, fdiv.s, rne, 0xff800000, FDZ, 0x3f800000, 0x80000000)
    TEST_FS_OP2(73, fdiv.s, rne, 0x7fc00000, FNV, 0x00000000, 0x00000000)  // 0/0 NV
    TEST_FS_OP2(74, fdiv.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x7f800000)
    TEST_FS_OP2(75, fdiv.s, rne, 0x7f800000, 0, 0x7f800000, 0x00000000)  // inf/0: no DZ
    TEST_FS_OP2(76, fdiv.s, rne, 0x80000000, 0, 0x40a00000, 0xff800000)
    TEST_FS_OP1(77, fsqrt.s, rne, 0x7fc00000, FNV, 0xbf800000)  // sqrt(-1) NV
    TEST_FS_OP1(78, fsqrt.s, rne, 0x7fc00000, FNV, 0xff800000)
    TEST_FS_OP1(79, fsqrt.s, rne, 0x7f800000, 0, 0x7f800000)
    TEST_FS_OP1(80, fsqrt.s, rne, 0x7fc00000, FNV, 0x80000001)

    /* NaN operands: result is always the canonical NaN; NV only for signalling NaN */
    TEST_FS_OP2(81, fadd.s, rne, 0x7fc00000, 0, 0x7fc12345, 0x3f800000)
    TEST_FS_OP2(82, fadd.s, rne, 0x7fc00000, 0, 0x3f800000, 0xffc00001)
    TEST_FS_OP2(83, fsub.s, rne, 0x7fc00000, FNV, 0x7f800001, 0x3f800000)
    TEST_FS_OP2(84, fmul.s, rne, 0x7fc00000, FNV, 0x7fc00000, 0x7fa5a5a5)
    TEST_FS_OP2(85, fdiv.s, rne, 0x7fc00000, 0, 0xffc00001, 0x7fc12345)
    TEST_FS_OP2(86, fdiv.s, rne, 0x7fc00000, FNV, 0x00000000, 0x7fa5a5a5)
    TEST_FS_OP1(87, fsqrt.s, rne, 0x7fc00000, 0, 0x7fc12345)
    TEST_FS_OP1(88, fsqrt.s, rne, 0x7fc00000, FNV, 0x7fa5a5a5)
    TEST_FS_OP1(89, fsqrt.s, rne, 0x7fc00000, FNV, 0xff812345)
    TEST_FS_OP2(90, fmul.s, rne, 0x7fc00000, 0, 0x7fc12345, 0x00000000)
    TEST_FS_OP2(91, fadd.s, rne, 0x7fc00000, 0, 0x7fc00000, 0x7f800000)

    /* overflow: OF|NX, result inf or max finite depending on rounding mode and sign */
    TEST_FS_OP2(92, fmul.s, rne, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000)
    TEST_FS_OP2(93, fmul.s, rtz, 0x7f7fffff, FOF|FNX, 0x7f7fffff, 0x40000000)
    TEST_FS_OP2(94, fmul.s, rdn, 0x7f7fffff, FOF|FNX, 0x7f7fffff, 0x40000000)
    TEST_FS_OP2(95, fmul.s, rup, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000)
    TEST_FS_OP2(96, fmul.s, rmm, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000)
    TEST_FS_OP2(97, fmul.s, rne, 0xff800000, FOF|FNX, 0xff7fffff, 0x7f7fffff)
    TEST_FS_OP2(98, fmul.s, rtz, 0xff7fffff, FOF|FNX, 0xff7fffff, 0x7f7fffff)
    TEST_FS_OP2(99, fmul.s, rdn, 0xff800000, FOF|FNX, 0xff7fffff, 0x7f7fffff)
    TEST_FS_OP2(100, fmul.s, rup, 0xff7fffff, FOF|FNX, 0xff7fffff, 0x7f7fffff)
    TEST_FS_OP2(101, fmul.s, rmm, 0xff800000, FOF|FNX, 0xff7fffff, 0x7f7fffff)
    TEST_FS_OP2(102, fadd.s, rne, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x7f7fffff)
    TEST_FS_OP2(103, fdiv.s, rne, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x3f000000)
    TEST_FS_OP2(104, fadd.s, rtz, 0x7f7fffff, FNX, 0x7f7fffff, 0x3f800000)  // tiny addend: NX only
    TEST_FS_OP2(105, fadd.s, rne, 0x7f7fffff, FNX, 0x7f7fffff, 0x3f800000)  // max+1 = max, NX

    /* underflow: tiny results (UF|NX when inexact), exact subnormal results (no flags) */
    TEST_FS_OP2(106, fmul.s, rne, 0x00000000, FUF|FNX, 0x00800000, 0x00800000)  // minnorm^2
    TEST_FS_OP2(107, fmul.s, rtz, 0x00000000, FUF|FNX, 0x00800000, 0x00800000)  // minnorm^2
    TEST_FS_OP2(108, fmul.s, rdn, 0x00000000, FUF|FNX, 0x00800000, 0x00800000)  // minnorm^2
    TEST_FS_OP2(109, fmul.s, rup, 0x00000001, FUF|FNX, 0x00800000, 0x00800000)  // minnorm^2
    TEST_FS_OP2(110, fmul.s, rmm, 0x00000000, FUF|FNX, 0x00800000, 0x00800000)  // minnorm^2
    TEST_FS_OP2(111, fmul.s, rne, 0x00000000, FUF|FNX, 0x00000001, 0x3f000000)  // minsub/2: tie
    TEST_FS_OP2(112, fmul.s, rtz, 0x00000000, FUF|FNX, 0x00000001, 0x3f000000)  // minsub/2: tie
    TEST_FS_OP2(113, fmul.s, rdn, 0x00000000, FUF|FNX, 0x00000001, 0x3f000000)  // minsub/2: tie
    TEST_FS_OP2(114, fmul.s, rup, 0x00000001, FUF|FNX, 0x00000001, 0x3f000000)  // minsub/2: tie
    TEST_FS_OP2(115, fmul.s, rmm, 0x00000001, FUF|FNX, 0x00000001, 0x3f000000)  // minsub/2: tie
    TEST_FS_OP2(116, fmul.s, rne, 0x00000001, FUF|FNX, 0x00000001, 0x3f400000)
    TEST_FS_OP2(117, fmul.s, rtz, 0x00000000, FUF|FNX, 0x00000001, 0x3f400000)
    TEST_FS_OP2(118, fmul.s, rdn, 0x00000000, FUF|FNX, 0x00000001, 0x3f400000)
    TEST_FS_OP2(119, fmul.s, rup, 0x00000001, FUF|FNX, 0x00000001, 0x3f400000)
    TEST_FS_OP2(120, fmul.s, rmm, 0x00000001, FUF|FNX, 0x00000001, 0x3f400000)
    TEST_FS_OP2(121, fmul.s, rne, 0x00400000, 0, 0x00800000, 0x3f000000)  // exact subnormal
    TEST_FS_OP2(122, fdiv.s, rne, 0x00000001, FUF|FNX, 0x007fffff, 0x4b000000)
    TEST_FS_OP2(123, fsub.s, rne, 0x00000001, 0, 0x00800000, 0x007fffff)  // = minsub, exact
    TEST_FS_OP2(124, fadd.s, rne, 0x00000002, 0, 0x00000001, 0x00000001)
    TEST_FS_OP2(125, fadd.s, rne, 0x00800000, 0, 0x007fffff, 0x00000001)  // subnormal + subnormal = minnorm
    TEST_FS_OP2(126, fmul.s, rne, 0x00800000, FUF|FNX, 0x00800000, 0x3f7fffff)  // minnorm*(1-2^-p): tiny even when it rounds to minnorm
    TEST_FS_OP2(127, fmul.s, rtz, 0x007fffff, FUF|FNX, 0x00800000, 0x3f7fffff)  // minnorm*(1-2^-p): tiny even when it rounds to minnorm
    TEST_FS_OP2(128, fmul.s, rdn, 0x007fffff, FUF|FNX, 0x00800000, 0x3f7fffff)  // minnorm*(1-2^-p): tiny even when it rounds to minnorm
    TEST_FS_OP2(129, fmul.s, rup, 0x00800000, FUF|FNX, 0x00800000, 0x3f7fffff)  // minnorm*(1-2^-p): tiny even when it rounds to minnorm
    TEST_FS_OP2(130, fmul.s, rmm, 0x00800000, FUF|FNX, 0x00800000, 0x3f7fffff)  // minnorm*(1-2^-p): tiny even when it rounds to minnorm
    TEST_FS_OP2(131, fdiv.s, rne, 0x002aaaab, FUF|FNX, 0x00800000, 0x40400000)
    TEST_FS_OP2(132, fdiv.s, rtz, 0x002aaaaa, FUF|FNX, 0x00800000, 0x40400000)
    TEST_FS_OP2(133, fdiv.s, rdn, 0x002aaaaa, FUF|FNX, 0x00800000, 0x40400000)
    TEST_FS_OP2(134, fdiv.s, rup, 0x002aaaab, FUF|FNX, 0x00800000, 0x40400000)
    TEST_FS_OP2(135, fdiv.s, rmm, 0x002aaaab, FUF|FNX, 0x00800000, 0x40400000)
    TEST_FS_OP2(136, fmul.s, rne, 0x00800000, FNX, 0x007fffff, 0x3f800001)  // rounds up to minnorm? tininess after rounding
    TEST_FS_OP2(137, fmul.s, rtz, 0x007fffff, FUF|FNX, 0x007fffff, 0x3f800001)  // rounds up to minnorm? tininess after rounding
    TEST_FS_OP2(138, fmul.s, rdn, 0x007fffff, FUF|FNX, 0x007fffff, 0x3f800001)  // rounds up to minnorm? tininess after rounding
    TEST_FS_OP2(139, fmul.s, rup, 0x00800000, FNX, 0x007fffff, 0x3f800001)  // rounds up to minnorm? tininess after rounding
    TEST_FS_OP2(140, fmul.s, rmm, 0x00800000, FNX, 0x007fffff, 0x3f800001)  // rounds up to minnorm? tininess after rounding
    TEST_FS_OP1(141, fsqrt.s, rne, 0x1a3504f3, FNX, 0x00000001)
    TEST_FS_OP1(142, fsqrt.s, rne, 0x1fffffff, FNX, 0x007fffff)
    TEST_FS_OP2(143, fdiv.s, rne, 0x7e800001, FNX, 0x3f800000, 0x007fffff)
    TEST_FS_OP2(144, fdiv.s, rne, 0x7f800000, FOF|FNX, 0x3f800000, 0x00000001)  // 1/minsub overflows
    TEST_FS_OP2(145, fmul.s, rne, 0x407ffffd, FNX, 0x007fffff, 0x7f7fffff)
    TEST_FS_OP2(146, fdiv.s, rne, 0x00000000, FUF|FNX, 0x00000001, 0x7f7fffff)

    /* large exponent differences (sticky bits) */
    TEST_FS_OP2(147, fadd.s, rne, 0x3f800000, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(148, fadd.s, rtz, 0x3f800000, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(149, fadd.s, rdn, 0x3f800000, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(150, fadd.s, rup, 0x3f800001, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(151, fadd.s, rmm, 0x3f800000, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(152, fsub.s, rne, 0x3f800000, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(153, fsub.s, rtz, 0x3f7fffff, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(154, fsub.s, rdn, 0x3f7fffff, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(155, fsub.s, rup, 0x3f800000, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(156, fsub.s, rmm, 0x3f800000, FNX, 0x3f800000, 0x00000001)
    TEST_FS_OP2(157, fsub.s, rne, 0x4b800000, FNX, 0x4b800000, 0x2b800000)
    TEST_FS_OP2(158, fsub.s, rtz, 0x4b7fffff, FNX, 0x4b800000, 0x2b800000)
    TEST_FS_OP2(159, fsub.s, rdn, 0x4b7fffff, FNX, 0x4b800000, 0x2b800000)
    TEST_FS_OP2(160, fsub.s, rup, 0x4b800000, FNX, 0x4b800000, 0x2b800000)
    TEST_FS_OP2(161, fsub.s, rmm, 0x4b800000, FNX, 0x4b800000, 0x2b800000)
    TEST_FS_OP2(162, fsub.s, rne, 0x34000000, 0, 0x3f800001, 0x3f800000)  // massive cancellation, exact
    TEST_FS_OP2(163, fsub.s, rne, 0x3f800000, 0, 0x4b800000, 0x4b7fffff)

TEST_END
