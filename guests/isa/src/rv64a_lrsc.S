# RV64A lr/sc: lr.w sign-extends; lr then sc to the same address succeeds (rd = 0, stored);
# any sc invalidates the reservation (second sc fails, rd = 1, nothing stored); sc to another
# address than the lr fails without storing; an lr/sc increment loop; .aq/.rl forms; rd == rs2;
# sc.w stores only 4 bytes; misaligned lr traps (load address misaligned), lr outside RAM
# faults. (Misaligned sc is not tested: qemu 7.2 just fails it when no reservation matches.)
#include "test.h"
TEST_BEGIN
    .option norvc
    # ---- lr values ----
    TEST_CASE(2, x14, 0x0123456789abcdef, la x11, lbuf; li x12, 0x0123456789abcdef; sd x12, 0(x11); lr.d x14, (x11))
    TEST_CASE(3, x14, 0xffffffff89abcdef, la x11, lbuf; lr.w x14, (x11))
    TEST_CASE(4, x14, 0x01234567, la x11, lbuf+4; lr.w x14, (x11))
    # ---- lr; sc succeeds and stores ----
    TEST_CASE(5, x14, 0, la x11, lbuf; lr.d x13, (x11); li x12, 0x1111222233334444; sc.d x14, x12, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x1111222233334444)
    TEST_CASE(6, x14, 0, la x11, lbuf; lr.w x13, (x11); li x12, 0xaaaabbbb; sc.w x14, x12, (x11))
    CHECK_REG(x13, 0x33334444) ld x15, 0(x11); CHECK_REG(x15, 0x11112222aaaabbbb) /* only 4 bytes stored */
    TEST_CASE(7, x14, 0, la x11, lbuf+4; lr.w x13, (x11); li x12, 0xffffffff87654321; sc.w x14, x12, (x11))
    CHECK_REG(x13, 0x11112222) la x11, lbuf; ld x15, 0(x11); CHECK_REG(x15, 0x87654321aaaabbbb)
    # ---- a second sc (no new lr) fails and does not store ----
    TEST_CASE(8, x14, 1, la x11, lbuf; lr.d x13, (x11); li x12, 5; sc.d x15, x12, (x11); li x12, 6; sc.d x14, x12, (x11))
    CHECK_REG(x15, 0) ld x15, 0(x11); CHECK_REG(x15, 5)
    # ---- sc without any lr fails (the reservation was consumed by the sc of case 8) ----
    TEST_CASE(9, x14, 1, la x11, lbuf; li x12, 0x99; sd x12, 0(x11); li x12, 7; sc.d x14, x12, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x99)
    TEST_CASE(10, x14, 1, la x11, lbuf; li x12, 8; sc.w x14, x12, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x99)
    # ---- sc to a different address than the lr fails, stores nothing, and kills the reservation ----
    TEST_CASE(11, x14, 1, la x11, lbuf; li x12, 0xabc; sd x12, 8(x11); lr.d x13, (x11); addi x11, x11, 8; li x12, 0x123; sc.d x14, x12, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0xabc)
    TEST_CASE(12, x14, 1, la x11, lbuf; li x12, 0x456; sc.d x14, x12, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x99)
    TEST_CASE(13, x14, 1, la x11, lbuf; lr.w x13, (x11); addi x11, x11, 4; sc.w x14, x0, (x11))
    # ---- rd == rs2 for sc: rd gets the status after the old value was stored ----
    TEST_CASE(14, x12, 0, la x11, lbuf; lr.d x13, (x11); li x12, 0x5555; sc.d x12, x12, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x5555)
    # ---- ordering variants ----
    TEST_CASE(15, x14, 0, la x11, lbuf; lr.d.aq x13, (x11); addi x13, x13, 1; sc.d.rl x14, x13, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x5556)
    TEST_CASE(16, x14, 0, la x11, lbuf; lr.w.aqrl x13, (x11); addi x13, x13, 1; sc.w.aqrl x14, x13, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x5557)
    TEST_CASE(17, x14, 0, la x11, lbuf; lr.d.aqrl x13, (x11); addi x13, x13, 1; sc.d.aq x14, x13, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x5558)
    # ---- the classic atomic-increment loop ----
    TEST_CASE(18, x14, 100, la x11, lbuf; sd x0, 0(x11); li x12, 100;
        1: lr.d x13, (x11); addi x13, x13, 1; sc.d x15, x13, (x11); bnez x15, 1b; addi x12, x12, -1; bnez x12, 1b;
        ld x14, 0(x11))
    TEST_CASE(19, x14, 0xffffffff80000000, la x11, lbuf; li x12, 0x7ffffff0; sw x12, 0(x11); li x12, 16;
        1: lr.w x13, (x11); addi x13, x13, 1; sc.w x15, x13, (x11); bnez x15, 1b; addi x12, x12, -1; bnez x12, 1b;
        lr.w x14, (x11))
    # ---- lr into x0 still makes a reservation ----
    TEST_CASE(20, x14, 0, la x11, lbuf; lr.d x0, (x11); li x12, 0x77; sc.d x14, x12, (x11))
    ld x15, 0(x11); CHECK_REG(x15, 0x77)
    # ---- misaligned lr: load address misaligned (4), mtval = address ----
    TEST_TRAP(21, 4, la x11, lbuf+2; li x14, 0x66; lr_21: lr.w x14, (x11))
    CHECK_TRAP_TVAL_LABEL(lbuf+2)
    CHECK_TRAP_EPC(lr_21)
    CHECK_REG(x14, 0x66)
    TEST_TRAP(22, 4, la x11, lbuf+4; lr_22: lr.d x14, (x11))
    CHECK_TRAP_TVAL_LABEL(lbuf+4)
    CHECK_TRAP_EPC(lr_22)
    TEST_TRAP(23, 4, la x11, lbuf+7; lr.d x14, (x11))
    CHECK_TRAP_TVAL_LABEL(lbuf+7)
    # ---- lr outside RAM: load access fault (5) ----
    TEST_TRAP(24, 5, li x11, 0x10; lr_24: lr.d x14, (x11))
    CHECK_TRAP_TVAL(0x10)
    CHECK_TRAP_EPC(lr_24)
    TEST_TRAP(25, 5, li x11, 0x100000000000; lr.w x14, (x11))
    CHECK_TRAP_TVAL(0x100000000000)
TEST_END
    .data
    .align 4
lbuf: .dword 0, 0
