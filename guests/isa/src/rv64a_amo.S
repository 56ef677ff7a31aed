# RV64A AMOs: amoswap/add/xor/and/or/min/max/minu/maxu, .w and .d: rd gets the old value
# (sign-extended for .w), memory gets op(old, rs2); .w touches only its 4 bytes and ignores
# rs2[63:32]; signed vs unsigned min/max; rd = x0; rd == rs1; rd == rs2; .aq/.rl/.aqrl;
# misaligned AMOs and AMOs outside RAM trap.
#include "test.h"

/* 64-bit AMO on abuf: old memory `old`, rs2 = `operand`; expect rd = old, memory = `new`. */
#define TEST_AMO_D(n, inst, old, operand, new)      \
    TEST_CASE(n, x14, old,                          \
        la x11, abuf; li x12, old; sd x12, 0(x11);  \
        li x13, operand; inst x14, x13, (x11))      \
    ld x15, 0(x11); CHECK_REG(x15, new)

/* 32-bit AMO on the word at abuf+off (off = 0 or 4); the other word holds a sentinel.
   `old`/`new` are the 32-bit memory values; rd must be sext(old). */
#define SEXT32(x) ((((x) & 0xffffffff) ^ 0x80000000) - 0x80000000)
#define TEST_AMO_W(n, inst, off, old, operand, new) \
    TEST_CASE(n, x14, SEXT32(old),                  \
        la x11, abuf; li x12, 0x5a5a5a5a5a5a5a5a; sd x12, 0(x11); \
        addi x11, x11, off; li x12, old; sw x12, 0(x11); \
        li x13, operand; inst x14, x13, (x11))      \
    lw x15, 0(x11); CHECK_REG(x15, SEXT32(new))     \
    la x11, abuf; lw x15, 4-off(x11); CHECK_REG(x15, 0x5a5a5a5a)

TEST_BEGIN
    .option norvc
    # ---- .d ----
    TEST_AMO_D(2,  amoswap.d, 0x0123456789abcdef, 0xfedcba9876543210, 0xfedcba9876543210)
    TEST_AMO_D(3,  amoadd.d,  0x7fffffffffffffff, 1, 0x8000000000000000)
    TEST_AMO_D(4,  amoadd.d,  -1, 1, 0)
    TEST_AMO_D(5,  amoxor.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0)
    TEST_AMO_D(6,  amoand.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0x0f000f000f000f00)
    TEST_AMO_D(7,  amoor.d,   0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xfff0fff0fff0fff0)
    TEST_AMO_D(8,  amomin.d,  1, -1, -1)
    TEST_AMO_D(9,  amomin.d,  -5, 3, -5)
    TEST_AMO_D(10, amomin.d,  0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO_D(11, amomax.d,  1, -1, 1)
    TEST_AMO_D(12, amomax.d,  -5, 3, 3)
    TEST_AMO_D(13, amomax.d,  0x8000000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff)
    TEST_AMO_D(14, amominu.d, 1, -1, 1)
    TEST_AMO_D(15, amominu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff)
    TEST_AMO_D(16, amomaxu.d, 1, -1, -1)
    TEST_AMO_D(17, amomaxu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_AMO_D(18, amomin.d,  7, 7, 7)
    TEST_AMO_D(19, amomaxu.d, 0, 0, 0)
    # ---- .w at offset 0 and 4, rd sign-extended, upper half of rs2 ignored ----
    TEST_AMO_W(20, amoswap.w, 0, 0x89abcdef, 0x1234567801234567, 0x01234567)
    TEST_AMO_W(21, amoswap.w, 4, 0x01234567, 0x89abcdef, 0x89abcdef)
    TEST_AMO_W(22, amoadd.w,  0, 0x7fffffff, 1, 0x80000000)
    TEST_AMO_W(23, amoadd.w,  4, 0xffffffff, 1, 0)                      /* no carry out into the sentinel */
    TEST_AMO_W(24, amoadd.w,  0, 5, 0xffffffff00000003, 8)
    TEST_AMO_W(25, amoxor.w,  0, 0xff00ff00, 0xffffffff0ff00ff0, 0xf0f0f0f0)
    TEST_AMO_W(26, amoand.w,  4, 0xff00ff00, 0x0ff00ff0, 0x0f000f00)
    TEST_AMO_W(27, amoor.w,   0, 0xff00ff00, 0x0ff00ff0, 0xfff0fff0)
    TEST_AMO_W(28, amomin.w,  0, 1, 0xffffffff, 0xffffffff)             /* -1 < 1 */
    TEST_AMO_W(29, amomin.w,  4, 0x7fffffff, 0x0000000180000000, 0x80000000) /* rs2 = MIN32 (upper half ignored) */
    TEST_AMO_W(30, amomin.w,  0, 0x80000000, 0x000000007fffffff, 0x80000000)
    TEST_AMO_W(31, amomax.w,  0, 1, 0xffffffff, 1)
    TEST_AMO_W(32, amomax.w,  4, 0x80000000, 0x7fffffff, 0x7fffffff)
    TEST_AMO_W(33, amomax.w,  0, 0xfffffffb, 0x0000000100000003, 3)      /* would be < if 64-bit */
    TEST_AMO_W(34, amominu.w, 0, 1, 0xffffffff, 1)
    TEST_AMO_W(35, amominu.w, 4, 0x80000000, 0x7fffffff, 0x7fffffff)
    TEST_AMO_W(36, amominu.w, 0, 5, 0x0000000100000003, 3)              /* would be > if 64-bit */
    TEST_AMO_W(37, amomaxu.w, 0, 1, 0xffffffff, 0xffffffff)
    TEST_AMO_W(38, amomaxu.w, 4, 0x80000000, 0x7fffffff, 0x80000000)
    TEST_AMO_W(39, amomaxu.w, 0, 5, 0xffffffff00000003, 5)              /* would be < if 64-bit */
    # ---- ordering bits ----
    TEST_AMO_D(40, amoadd.d.aq,   10, 5, 15)
    TEST_AMO_D(41, amoadd.d.rl,   10, 5, 15)
    TEST_AMO_D(42, amoswap.d.aqrl, 1, 2, 2)
    TEST_AMO_W(43, amoor.w.aq,  0, 0x10, 0x01, 0x11)
    TEST_AMO_W(44, amoxor.w.aqrl, 4, 0x10, 0x11, 0x01)
    # ---- rd = x0: memory still updated ----
    TEST_CASE(45, x14, 12, la x11, abuf; li x12, 5; sd x12, 0(x11); li x13, 7; amoadd.d x0, x13, (x11); ld x14, 0(x11); bnez x0, fail)
    TEST_CASE(46, x14, 0xffffffff80000000, la x11, abuf; li x12, 0x7fffffff; sw x12, 0(x11); li x13, 1; amoadd.w x0, x13, (x11); lw x14, 0(x11))
    # ---- rd == rs2 (swap through one register) and rd == rs1 ----
    TEST_CASE(47, x14, 0x1111, la x11, abuf; li x12, 0x1111; sd x12, 0(x11); li x14, 0x2222; amoswap.d x14, x14, (x11))
    CHECK_REG(x12, 0x1111) ld x15, 0(x11); CHECK_REG(x15, 0x2222)
    TEST_CASE(48, x11, 0x30, la x11, abuf; li x12, 0x30; sd x12, 0(x11); li x13, 0x4; amoadd.d x11, x13, (x11))
    la x11, abuf; ld x15, 0(x11); CHECK_REG(x15, 0x34)
    TEST_CASE(49, x14, 0x34, la x11, abuf; amoadd.w x14, x0, (x11))    /* add 0 = atomic read */
    # ---- a sequence of AMOs on one word ----
    TEST_CASE(50, x14, 0x2d, la x11, abuf; sd x0, 0(x11); li x12, 0; 1: addi x12, x12, 1; amoadd.d x0, x12, (x11); li x13, 9; bne x12, x13, 1b; ld x14, 0(x11))
    # ---- misaligned AMOs trap; memory and rd are unchanged ----
    # The privileged spec says store/AMO address misaligned (6); qemu 7.2 reports 4.
    TEST_TRAP_ANY(51, la x11, abuf; li x12, 0x0102030405060708; sd x12, 0(x11); li x14, 0x77; addi x11, x11, 1; li x13, 1; amo_51: amoadd.w x14, x13, (x11))
    CHECK_TRAP_CAUSE_EITHER(6, 4)
    CHECK_TRAP_TVAL_LABEL(abuf+1)
    CHECK_TRAP_EPC(amo_51)
    CHECK_REG(x14, 0x77)
    la x11, abuf; ld x15, 0(x11); CHECK_REG(x15, 0x0102030405060708)
    TEST_TRAP_ANY(52, la x11, abuf+4; li x13, 1; amo_52: amoswap.d x14, x13, (x11))
    CHECK_TRAP_CAUSE_EITHER(6, 4)
    CHECK_TRAP_TVAL_LABEL(abuf+4)
    CHECK_TRAP_EPC(amo_52)
    la x11, abuf; ld x15, 0(x11); CHECK_REG(x15, 0x0102030405060708)
    TEST_TRAP_ANY(53, la x11, abuf+2; li x13, 1; amo_53: amomaxu.w x14, x13, (x11))
    CHECK_TRAP_CAUSE_EITHER(6, 4)
    CHECK_TRAP_TVAL_LABEL(abuf+2)
    TEST_TRAP_ANY(54, la x11, abuf+7; amo_54: amoor.d x0, x0, (x11))
    CHECK_TRAP_CAUSE_EITHER(6, 4)
    CHECK_TRAP_TVAL_LABEL(abuf+7)
    # ---- AMO outside RAM: access fault (spec: store/AMO access fault 7; qemu 7.2 reports 5) ----
    TEST_TRAP_ANY(55, li x11, 0x10; amo_55: amoadd.d x14, x0, (x11))
    CHECK_TRAP_CAUSE_EITHER(7, 5)
    CHECK_TRAP_TVAL(0x10)
    CHECK_TRAP_EPC(amo_55)
    TEST_TRAP_ANY(56, li x11, 0x100000000000; amoswap.w x14, x0, (x11))
    CHECK_TRAP_CAUSE_EITHER(7, 5)
    CHECK_TRAP_TVAL(0x100000000000)
TEST_END
    .data
    .align 4
abuf: .dword 0, 0
