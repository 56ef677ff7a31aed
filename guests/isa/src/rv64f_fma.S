// fmadd/fmsub/fnmsub/fnmadd.s: fused (single rounding) results, signs, NaN/inf rules
// (inf*0 + qNaN is invalid), overflow/underflow and every rounding mode. Checks bits and fflags.
//   fmadd = a*b+c, fmsub = a*b-c, fnmsub = -(a*b)+c, fnmadd = -(a*b)-c
#include "fp_test.h"
TEST_BEGIN

    /* basic values for all four */
    TEST_FS_OP3(2, fmadd.s, rne, 0x40e00000, 0, 0x40000000, 0x40400000, 0x3f800000)
    TEST_FS_OP3(3, fmsub.s, rne, 0x40a00000, 0, 0x40000000, 0x40400000, 0x3f800000)
    TEST_FS_OP3(4, fnmsub.s, rne, 0xc0a00000, 0, 0x40000000, 0x40400000, 0x3f800000)
    TEST_FS_OP3(5, fnmadd.s, rne, 0xc0e00000, 0, 0x40000000, 0x40400000, 0x3f800000)
    TEST_FS_OP3(6, fmadd.s, rne, 0xbfe00000, 0, 0xbfc00000, 0x3fa00000, 0x3e000000)
    TEST_FS_OP3(7, fmsub.s, rne, 0xc0000000, 0, 0xbfc00000, 0x3fa00000, 0x3e000000)
    TEST_FS_OP3(8, fnmsub.s, rne, 0x40000000, 0, 0xbfc00000, 0x3fa00000, 0x3e000000)
    TEST_FS_OP3(9, fnmadd.s, rne, 0x3fe00000, 0, 0xbfc00000, 0x3fa00000, 0x3e000000)

    /* fused: the product is not rounded before the addition */
    TEST_FS_OP3(10, fmsub.s, rne, 0xa8800000, 0, 0x3f800001, 0x3f7ffffe, 0x3f800000)  // (1+u)(1-u)-1 = -u^2
    TEST_FS_OP3(11, fmadd.s, rne, 0x28800000, 0, 0x3f800001, 0x3f800001, 0xbf800002)  // = u^2
    TEST_FS_OP3(12, fnmsub.s, rne, 0x28800000, 0, 0x3f800001, 0x3f7ffffe, 0x3f800000)  // = +u^2
    TEST_FS_OP3(13, fnmadd.s, rne, 0xa8800000, 0, 0x3f800001, 0x3f800001, 0xbf800002)  // = -u^2
    TEST_FS_OP3(14, fmadd.s, rne, 0x7f7fffff, 0, 0x7f7fffff, 0x40000000, 0xff7fffff)  // 2max - max = max, no overflow
    TEST_FS_OP3(15, fmsub.s, rne, 0x00000000, 0, 0x4b800000, 0x4b800000, 0x57800000)  // exact cancel

    /* every rounding mode on inexact fused results */
    TEST_FS_OP3(16, fmadd.s, rne, 0x40000001, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(17, fmadd.s, rtz, 0x40000001, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(18, fmadd.s, rdn, 0x40000001, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(19, fmadd.s, rup, 0x40000002, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(20, fmadd.s, rmm, 0x40000001, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(21, fnmadd.s, rne, 0xc0000001, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(22, fnmadd.s, rtz, 0xc0000001, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(23, fnmadd.s, rdn, 0xc0000002, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(24, fnmadd.s, rup, 0xc0000001, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(25, fnmadd.s, rmm, 0xc0000001, FNX, 0x3f800001, 0x3f800001, 0x3f800000)
    TEST_FS_OP3(26, fmadd.s, rne, 0x3f800000, FNX, 0x3f800000, 0x3f800000, 0x33800000)  // tie
    TEST_FS_OP3(27, fmadd.s, rtz, 0x3f800000, FNX, 0x3f800000, 0x3f800000, 0x33800000)  // tie
    TEST_FS_OP3(28, fmadd.s, rdn, 0x3f800000, FNX, 0x3f800000, 0x3f800000, 0x33800000)  // tie
    TEST_FS_OP3(29, fmadd.s, rup, 0x3f800001, FNX, 0x3f800000, 0x3f800000, 0x33800000)  // tie
    TEST_FS_OP3(30, fmadd.s, rmm, 0x3f800001, FNX, 0x3f800000, 0x3f800000, 0x33800000)  // tie
    TEST_FS_OP3(31, fnmsub.s, rne, 0xbf800000, FNX, 0x3f800001, 0x3f800000, 0x33800000)  // -(1+u)+u/2: tie
    TEST_FS_OP3(32, fnmsub.s, rtz, 0xbf800000, FNX, 0x3f800001, 0x3f800000, 0x33800000)  // -(1+u)+u/2: tie
    TEST_FS_OP3(33, fnmsub.s, rdn, 0xbf800001, FNX, 0x3f800001, 0x3f800000, 0x33800000)  // -(1+u)+u/2: tie
    TEST_FS_OP3(34, fnmsub.s, rup, 0xbf800000, FNX, 0x3f800001, 0x3f800000, 0x33800000)  // -(1+u)+u/2: tie
    TEST_FS_OP3(35, fnmsub.s, rmm, 0xbf800001, FNX, 0x3f800001, 0x3f800000, 0x33800000)  // -(1+u)+u/2: tie
    TEST_FS_OP3(36, fmadd.s, rne, 0xbf800000, FNX, 0x40400000, 0x00000001, 0xbf800000)  // sticky below ulp
    TEST_FS_OP3(37, fmadd.s, rtz, 0xbf7fffff, FNX, 0x40400000, 0x00000001, 0xbf800000)  // sticky below ulp
    TEST_FS_OP3(38, fmadd.s, rdn, 0xbf800000, FNX, 0x40400000, 0x00000001, 0xbf800000)  // sticky below ulp
    TEST_FS_OP3(39, fmadd.s, rup, 0xbf7fffff, FNX, 0x40400000, 0x00000001, 0xbf800000)  // sticky below ulp
    TEST_FS_OP3(40, fmadd.s, rmm, 0xbf800000, FNX, 0x40400000, 0x00000001, 0xbf800000)  // sticky below ulp

    /* signed zeros of exact zero results: +0 except in rdn */
    TEST_FS_OP3(41, fmadd.s, rne, 0x00000000, 0, 0x40000000, 0x40400000, 0xc0c00000)
    TEST_FS_OP3(42, fmadd.s, rtz, 0x00000000, 0, 0x40000000, 0x40400000, 0xc0c00000)
    TEST_FS_OP3(43, fmadd.s, rdn, 0x80000000, 0, 0x40000000, 0x40400000, 0xc0c00000)
    TEST_FS_OP3(44, fmadd.s, rup, 0x00000000, 0, 0x40000000, 0x40400000, 0xc0c00000)
    TEST_FS_OP3(45, fmadd.s, rmm, 0x00000000, 0, 0x40000000, 0x40400000, 0xc0c00000)
    TEST_FS_OP3(46, fmadd.s, rne, 0x00000000, 0, 0x00000000, 0xbf800000, 0x00000000)
    TEST_FS_OP3(47, fmadd.s, rdn, 0x80000000, 0, 0x00000000, 0xbf800000, 0x00000000)
    TEST_FS_OP3(48, fmadd.s, rne, 0x80000000, 0, 0x80000000, 0x3f800000, 0x80000000)
    TEST_FS_OP3(49, fnmadd.s, rne, 0x80000000, 0, 0x00000000, 0x3f800000, 0x00000000)  // -0 - 0 = -0
    TEST_FS_OP3(50, fnmsub.s, rne, 0x00000000, 0, 0x00000000, 0x3f800000, 0x00000000)
    TEST_FS_OP3(51, fnmsub.s, rdn, 0x80000000, 0, 0x00000000, 0x3f800000, 0x00000000)
    TEST_FS_OP3(52, fmsub.s, rne, 0x00000000, 0, 0x00000000, 0x3f800000, 0x00000000)
    TEST_FS_OP3(53, fmsub.s, rne, 0x80000000, 0, 0x80000000, 0x3f800000, 0x00000000)

    /* NaN and infinity rules */
    TEST_FS_OP3(54, fmadd.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x00000000, 0x7fc00000)  // inf*0 + qNaN: NV, canonical
    TEST_FS_OP3(55, fmsub.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x00000000, 0x7fc00000)  // inf*0 + qNaN: NV, canonical
    TEST_FS_OP3(56, fnmsub.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x00000000, 0x7fc00000)  // inf*0 + qNaN: NV, canonical
    TEST_FS_OP3(57, fnmadd.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x00000000, 0x7fc00000)  // inf*0 + qNaN: NV, canonical
    TEST_FS_OP3(58, fmadd.s, rne, 0x7fc00000, FNV, 0x00000000, 0xff800000, 0x3f800000)  // 0*inf: NV
    TEST_FS_OP3(59, fmadd.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x00000000, 0x7f800001)
    TEST_FS_OP3(60, fmadd.s, rne, 0x7fc00000, 0, 0x7fc12345, 0x3f800000, 0x3f800000)  // canonical, never sign-flipped
    TEST_FS_OP3(61, fmsub.s, rne, 0x7fc00000, 0, 0x7fc12345, 0x3f800000, 0x3f800000)  // canonical, never sign-flipped
    TEST_FS_OP3(62, fnmsub.s, rne, 0x7fc00000, 0, 0x7fc12345, 0x3f800000, 0x3f800000)  // canonical, never sign-flipped
    TEST_FS_OP3(63, fnmadd.s, rne, 0x7fc00000, 0, 0x7fc12345, 0x3f800000, 0x3f800000)  // canonical, never sign-flipped
    TEST_FS_OP3(64, fmadd.s, rne, 0x7fc00000, 0, 0x3f800000, 0xffc00001, 0x3f800000)
    TEST_FS_OP3(65, fmsub.s, rne, 0x7fc00000, 0, 0x3f800000, 0xffc00001, 0x3f800000)
    TEST_FS_OP3(66, fnmsub.s, rne, 0x7fc00000, 0, 0x3f800000, 0xffc00001, 0x3f800000)
    TEST_FS_OP3(67, fnmadd.s, rne, 0x7fc00000, 0, 0x3f800000, 0xffc00001, 0x3f800000)
    TEST_FS_OP3(68, fmadd.s, rne, 0x7fc00000, FNV, 0x3f800000, 0x3f800000, 0x7fa5a5a5)
    TEST_FS_OP3(69, fmsub.s, rne, 0x7fc00000, FNV, 0x3f800000, 0x3f800000, 0x7fa5a5a5)
    TEST_FS_OP3(70, fnmsub.s, rne, 0x7fc00000, FNV, 0x3f800000, 0x3f800000, 0x7fa5a5a5)
    TEST_FS_OP3(71, fnmadd.s, rne, 0x7fc00000, FNV, 0x3f800000, 0x3f800000, 0x7fa5a5a5)
    TEST_FS_OP3(72, fmadd.s, rne, 0x7fc00000, FNV, 0x7f800001, 0x7fc00000, 0x7fc00000)
    TEST_FS_OP3(73, fmadd.s, rne, 0x7fc00000, 0, 0x7fc00000, 0x7f800000, 0xff800000)  // qNaN wins, no NV
    TEST_FS_OP3(74, fmadd.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x40000000, 0xff800000)  // inf-inf NV
    TEST_FS_OP3(75, fmsub.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x3f800000, 0x7f800000)
    TEST_FS_OP3(76, fnmadd.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x3f800000, 0xff800000)
    TEST_FS_OP3(77, fnmsub.s, rne, 0x7fc00000, FNV, 0x7f800000, 0x3f800000, 0x7f800000)
    TEST_FS_OP3(78, fmadd.s, rne, 0x7f800000, 0, 0x7f800000, 0x3f800000, 0x7f800000)
    TEST_FS_OP3(79, fnmadd.s, rne, 0x7f800000, 0, 0x7f800000, 0xbf800000, 0x7f7fffff)
    TEST_FS_OP3(80, fmadd.s, rne, 0xff800000, 0, 0x3f800000, 0x3f800000, 0xff800000)
    TEST_FS_OP3(81, fmsub.s, rne, 0xff800000, 0, 0x7f7fffff, 0x7f7fffff, 0x7f800000)  // finite overflowing product - inf = -inf, no flags

    /* overflow and underflow */
    TEST_FS_OP3(82, fmadd.s, rne, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000, 0x00000000)
    TEST_FS_OP3(83, fmadd.s, rtz, 0x7f7fffff, FOF|FNX, 0x7f7fffff, 0x40000000, 0x00000000)
    TEST_FS_OP3(84, fmadd.s, rdn, 0x7f7fffff, FOF|FNX, 0x7f7fffff, 0x40000000, 0x00000000)
    TEST_FS_OP3(85, fmadd.s, rup, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000, 0x00000000)
    TEST_FS_OP3(86, fmadd.s, rmm, 0x7f800000, FOF|FNX, 0x7f7fffff, 0x40000000, 0x00000000)
    TEST_FS_OP3(87, fnmsub.s, rne, 0xff800000, FOF|FNX, 0x7f7fffff, 0x7f7fffff, 0x3f800000)
    TEST_FS_OP3(88, fnmsub.s, rtz, 0xff7fffff, FOF|FNX, 0x7f7fffff, 0x7f7fffff, 0x3f800000)
    TEST_FS_OP3(89, fnmsub.s, rdn, 0xff800000, FOF|FNX, 0x7f7fffff, 0x7f7fffff, 0x3f800000)
    TEST_FS_OP3(90, fnmsub.s, rup, 0xff7fffff, FOF|FNX, 0x7f7fffff, 0x7f7fffff, 0x3f800000)
    TEST_FS_OP3(91, fnmsub.s, rmm, 0xff800000, FOF|FNX, 0x7f7fffff, 0x7f7fffff, 0x3f800000)
    TEST_FS_OP3(92, fmadd.s, rne, 0x00800000, FNX, 0x19800000, 0x9a000000, 0x00800000)  // minnorm*(1-2^-(p+1)): tiny only if it does not round to minnorm
    TEST_FS_OP3(93, fmadd.s, rtz, 0x007fffff, FUF|FNX, 0x19800000, 0x9a000000, 0x00800000)  // minnorm*(1-2^-(p+1)): tiny only if it does not round to minnorm
    TEST_FS_OP3(94, fmadd.s, rdn, 0x007fffff, FUF|FNX, 0x19800000, 0x9a000000, 0x00800000)  // minnorm*(1-2^-(p+1)): tiny only if it does not round to minnorm
    TEST_FS_OP3(95, fmadd.s, rup, 0x00800000, FNX, 0x19800000, 0x9a000000, 0x00800000)  // minnorm*(1-2^-(p+1)): tiny only if it does not round to minnorm
    TEST_FS_OP3(96, fmadd.s, rmm, 0x00800000, FNX, 0x19800000, 0x9a000000, 0x00800000)  // minnorm*(1-2^-(p+1)): tiny only if it does not round to minnorm
    TEST_FS_OP3(97, fmadd.s, rne, 0x00000002, FUF|FNX, 0x00000001, 0x3f000000, 0x00000001)  // 1.5 minsub
    TEST_FS_OP3(98, fmadd.s, rtz, 0x00000001, FUF|FNX, 0x00000001, 0x3f000000, 0x00000001)  // 1.5 minsub
    TEST_FS_OP3(99, fmadd.s, rdn, 0x00000001, FUF|FNX, 0x00000001, 0x3f000000, 0x00000001)  // 1.5 minsub
    TEST_FS_OP3(100, fmadd.s, rup, 0x00000002, FUF|FNX, 0x00000001, 0x3f000000, 0x00000001)  // 1.5 minsub
    TEST_FS_OP3(101, fmadd.s, rmm, 0x00000002, FUF|FNX, 0x00000001, 0x3f000000, 0x00000001)  // 1.5 minsub
    TEST_FS_OP3(102, fmadd.s, rne, 0x00bfffff, 0, 0x00800000, 0x3f000000, 0x007fffff)  // subnormal sum, exact
    TEST_FS_OP3(103, fmsub.s, rne, 0x00000000, FUF|FNX, 0x00800000, 0x00800000, 0x00000000)  // UF to 0
    TEST_FS_OP3(104, fmadd.s, rne, 0x00000001, FUF|FNX, 0x00000001, 0x00000001, 0x00000001)  // minsub + tiny: NX|UF
    TEST_FS_OP3(105, fmadd.s, rup, 0x00000001, FUF|FNX, 0x00000001, 0x00000001, 0x00000000)

TEST_END
