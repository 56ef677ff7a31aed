# RV64I loads and stores: every width, sign/zero extension, negative and extreme offsets,
# partial stores leaving neighbours intact, misaligned plain accesses (allowed, no trap, as
# qemu does) including one crossing a page boundary, store-to-load forwarding, x0 rules, fence.
#include "test.h"
TEST_BEGIN
    .option norvc       # 32-bit encodings only; compressed forms are tested in rv64c.S
    # tdat bytes: 01 00 00 80 0f f0 0f f0 | ef cd ab 89 67 45 23 01 | ...
    # ---- aligned loads, sign/zero extension ----
    TEST_LD(2,  lb,  1, 0, tdat)
    TEST_LD(3,  lb,  0xffffffffffffff80, 3, tdat)
    TEST_LD(4,  lbu, 0x80, 3, tdat)
    TEST_LD(5,  lb,  0x0f, 4, tdat)
    TEST_LD(6,  lb,  0xfffffffffffffff0, 5, tdat)
    TEST_LD(7,  lbu, 0xf0, 7, tdat)
    TEST_LD(8,  lh,  1, 0, tdat)
    TEST_LD(9,  lh,  0xffffffffffff8000, 2, tdat)
    TEST_LD(10, lhu, 0x8000, 2, tdat)
    TEST_LD(11, lh,  0xfffffffffffff00f, 4, tdat)
    TEST_LD(12, lhu, 0xf00f, 6, tdat)
    TEST_LD(13, lw,  0xffffffff80000001, 0, tdat)
    TEST_LD(14, lwu, 0x80000001, 0, tdat)
    TEST_LD(15, lw,  0xfffffffff00ff00f, 4, tdat)
    TEST_LD(16, lwu, 0xf00ff00f, 4, tdat)
    TEST_LD(17, ld,  0xf00ff00f80000001, 0, tdat)
    TEST_LD(18, ld,  0x0123456789abcdef, 8, tdat)
    TEST_LD(19, lw,  0xffffffff89abcdef, 8, tdat)
    TEST_LD(20, lw,  0x01234567, 12, tdat)
    TEST_LD(21, lh,  0x0123, 14, tdat)
    TEST_LD(22, lb,  0x01, 15, tdat)
    # ---- negative and extreme offsets ----
    TEST_LD(23, lw,  0x01234567, -4, tdat+16)
    TEST_LD(24, ld,  0xf00ff00f80000001, -16, tdat+16)
    TEST_LD(25, lbu, 0xef, -8, tdat+16)
    TEST_LD(26, ld,  0x0123456789abcdef, 2047, tdat+8-2047)
    TEST_LD(27, ld,  0x0123456789abcdef, -2048, tdat+8+2048)
    TEST_LD(28, lb,  0xffffffffffffff80, -2048, tdat+3+2048)
    # ---- misaligned loads (no trap) ----
    TEST_LD(29, lh,  0, 1, tdat)
    TEST_LD(30, lh,  0x0f80, 3, tdat)
    TEST_LD(31, lhu, 0xeff0, 7, tdat)
    TEST_LD(32, lh,  0xffffffffffffeff0, 7, tdat)
    TEST_LD(33, lw,  0x0f800000, 1, tdat)
    TEST_LD(34, lw,  0x0ff00f80, 3, tdat)
    TEST_LD(35, lw,  0xffffffffcdeff00f, 6, tdat)
    TEST_LD(36, lwu, 0xabcdeff0, 7, tdat)
    TEST_LD(37, ld,  0xeff00ff00f800000, 1, tdat)
    TEST_LD(38, ld,  0x6789abcdeff00ff0, 5, tdat)
    # ---- stores of every width, reloaded with each extension ----
    TEST_ST(39, lbu, sb, 0xaa, 0xaa, 0, sbuf)
    TEST_ST(40, lb,  sb, 0xffffffffffffffaa, 0xaa, 1, sbuf)
    TEST_ST(41, lbu, sb, 0x34, 0x1234, 2, sbuf)
    TEST_ST(42, lhu, sh, 0xbeef, 0xbeef, 4, sbuf)
    TEST_ST(43, lh,  sh, 0xffffffffffffbeef, 0xbeef, 6, sbuf)
    TEST_ST(44, lhu, sh, 0x5678, 0x12345678, 8, sbuf)
    TEST_ST(45, lwu, sw, 0xdeadbeef, 0xdeadbeef, 12, sbuf)
    TEST_ST(46, lw,  sw, 0xffffffffdeadbeef, 0xdeadbeef, 16, sbuf)
    TEST_ST(47, lw,  sw, 0x7eadbeef, 0x123456787eadbeef, 20, sbuf)
    TEST_ST(48, ld,  sd, 0x0123456789abcdef, 0x0123456789abcdef, 24, sbuf)
    TEST_ST(49, ld,  sd, 0xfedcba9876543210, 0xfedcba9876543210, -8, sbuf+40)
    TEST_ST(50, lw,  sw, 0x11223344, 0x11223344, -2048, sbuf+2048)
    TEST_ST(51, lh,  sh, 0x7123, 0x7123, 2047, sbuf+48-2047)
    # ---- partial stores leave the neighbours intact ----
    TEST_CASE(52, x14, 0xffffffff00ffffff, la x11, sbuf; li x12, -1; sd x12, 0(x11); sb x0, 3(x11); ld x14, 0(x11))
    TEST_CASE(53, x14, 0x0000000012340000, la x11, sbuf; sd x0, 0(x11); li x12, 0xab1234; sh x12, 2(x11); ld x14, 0(x11))
    TEST_CASE(54, x14, 0x89abcdef00000000, la x11, sbuf; sd x0, 0(x11); li x12, 0x89abcdef; sw x12, 4(x11); ld x14, 0(x11))
    TEST_CASE(55, x14, 0x5500000000000000, la x11, sbuf; sd x0, 0(x11); li x12, 0x55; sb x12, 7(x11); ld x14, 0(x11))
    TEST_CASE(56, x14, -1, la x11, sbuf; li x12, -1; sd x12, 8(x11); sd x0, 0(x11); sb x12, 7(x11); ld x14, 8(x11))    /* stores at 0..7 do not touch offset 8 */
    # ---- misaligned stores ----
    TEST_CASE(57, x14, 0x00000089abcdef00, la x11, sbuf; sd x0, 0(x11); li x12, 0x89abcdef; sw x12, 1(x11); ld x14, 0(x11))
    TEST_CASE(58, x14, 0x0123456789abcdef, la x11, sbuf; sd x0, 0(x11); sd x0, 8(x11); li x12, 0x0123456789abcdef; sd x12, 3(x11); ld x14, 3(x11))
    TEST_CASE(59, x14, 0x6789abcdef000000, la x11, sbuf; ld x14, 0(x11))
    TEST_CASE(60, x14, 0x00000000012345, la x11, sbuf; ld x14, 8(x11))
    TEST_CASE(61, x14, 0xbeef, la x11, sbuf; li x12, 0xbeef; sh x12, 7(x11); lbu x13, 7(x11); lbu x14, 8(x11); slli x14, x14, 8; or x14, x14, x13)
    # ---- misaligned accesses across a page boundary ----
    TEST_CASE(62, x14, 0x1122334455667788, la x11, page2; li x12, 0x1122334455667788; sd x12, -3(x11); ld x14, -3(x11))
    TEST_CASE(63, x14, 0x55667788, la x11, page2; lbu x14, -3(x11); lbu x13, -2(x11); slli x13, x13, 8; or x14, x14, x13; lbu x13, -1(x11); slli x13, x13, 16; or x14, x14, x13; lbu x13, 0(x11); slli x13, x13, 24; or x14, x14, x13)
    TEST_CASE(64, x14, 0x44556677, la x11, page2; lw x14, -2(x11))
    TEST_CASE(65, x14, 0x2233, la x11, page2; lhu x14, 2(x11))
    # ---- store-to-load forwarding (back-to-back, overlapping, different widths) ----
    TEST_CASE(66, x14, 0x01234567, la x11, sbuf; li x12, 0x0123456789abcdef; sd x12, 0(x11); lw x14, 4(x11))
    TEST_CASE(67, x14, 0x0123456789ab5acd, la x11, sbuf; li x12, 0x0123456789abcdef; sd x12, 0(x11); li x13, 0x5acd; sh x13, 0(x11); ld x14, 0(x11))
    TEST_CASE(68, x14, 0xffffffffffffff89, la x11, sbuf; li x12, 0x0123456789abcdef; sd x12, 0(x11); lb x14, 3(x11))
    TEST_CASE(69, x14, 3, la x11, sbuf; li x12, 1; sd x12, 0(x11); ld x13, 0(x11); addi x13, x13, 2; sd x13, 0(x11); ld x14, 0(x11))
    # ---- register corner cases ----
    TEST_CASE(70, x14, 0x0123456789abcdef, la x14, tdat+8; ld x14, 0(x14))           /* rd == rs1 */
    TEST_CASE(71, x14, 0, la x11, sbuf; li x12, -1; sd x12, 0(x11); sd x0, 0(x11); ld x14, 0(x11)) /* store x0 */
    TEST_CASE(72, x14, 0, la x11, tdat; lw x0, 0(x11); mv x14, x0)                   /* load into x0 */
    TEST_CASE(73, x14, 0xffffffff80000001, la x11, tdat; mv x12, x11; sw x11, 0(x12); lw x14, 0(x12); la x13, tdat; sext.w x13, x13; sub x14, x14, x13; li x13, 0xffffffff80000001; add x14, x14, x13; la x12, tdat; li x13, 0x80000001; sw x13, 0(x12)) /* store base reg itself, then restore tdat */
    TEST_LD(74, lw, 0xffffffff80000001, 0, tdat)
    # ---- fences execute and do nothing observable ----
    TEST_CASE(75, x14, 0xabc, li x14, 0xabc; fence; fence rw, rw; fence r, r; fence w, w; fence iorw, iorw; fence.tso)
TEST_END

    .data
    .align 4
tdat:
    .dword 0xf00ff00f80000001
    .dword 0x0123456789abcdef
    .dword 0x7fffffffffffffff
    .dword 0x8000000000000000
sbuf:
    .skip 64
    .align 12
page1:
    .skip 4096
page2:
    .skip 4096
