# RV64I conditional branches: all six, taken and not taken, signed vs unsigned comparison,
# full 64-bit comparison (values differing only in the upper half), backward branches (loops),
# x0 operands (beqz/bnez/bltz/bgez/blez/bgtz), branch to the next instruction.
#include "test.h"
TEST_BEGIN
    .option norvc       # 32-bit encodings only; c.beqz/c.bnez are tested in rv64c.S
    # ---- beq / bne ----
    TEST_BR_TAKEN(2,      beq, 0, 0)
    TEST_BR_TAKEN(3,      beq, -1, -1)
    TEST_BR_TAKEN(4,      beq, 0x8000000000000000, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(5,  beq, 0, 1)
    TEST_BR_NOT_TAKEN(6,  beq, 0x100000000, 0)            /* differ only in bit 32 */
    TEST_BR_NOT_TAKEN(7,  beq, 0xffffffff, -1)
    TEST_BR_TAKEN(8,      bne, 0, 1)
    TEST_BR_TAKEN(9,      bne, 0x100000000, 0)
    TEST_BR_TAKEN(10,     bne, 0x8000000000000000, 0)
    TEST_BR_NOT_TAKEN(11, bne, 0, 0)
    TEST_BR_NOT_TAKEN(12, bne, -1, -1)
    # ---- blt / bge (signed) ----
    TEST_BR_TAKEN(13,     blt, -1, 1)
    TEST_BR_TAKEN(14,     blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_TAKEN(15,     blt, -2, -1)
    TEST_BR_TAKEN(16,     blt, 0xffffffff, 0x100000000)
    TEST_BR_NOT_TAKEN(17, blt, 1, -1)
    TEST_BR_NOT_TAKEN(18, blt, 5, 5)
    TEST_BR_NOT_TAKEN(19, blt, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(20, blt, 0x80000000, 0x7fffffff)    /* 64-bit compare, not 32-bit */
    TEST_BR_TAKEN(21,     bge, 5, 5)
    TEST_BR_TAKEN(22,     bge, 1, -1)
    TEST_BR_TAKEN(23,     bge, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_TAKEN(24,     bge, -1, -1)
    TEST_BR_NOT_TAKEN(25, bge, -1, 1)
    TEST_BR_NOT_TAKEN(26, bge, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT_TAKEN(27, bge, -2, -1)
    # ---- bltu / bgeu (unsigned) ----
    TEST_BR_TAKEN(28,     bltu, 1, -1)
    TEST_BR_TAKEN(29,     bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_TAKEN(30,     bltu, 0, 1)
    TEST_BR_TAKEN(31,     bltu, 0xffffffff, 0x100000000)
    TEST_BR_NOT_TAKEN(32, bltu, -1, 1)
    TEST_BR_NOT_TAKEN(33, bltu, 7, 7)
    TEST_BR_NOT_TAKEN(34, bltu, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_TAKEN(35,     bgeu, 7, 7)
    TEST_BR_TAKEN(36,     bgeu, -1, 1)
    TEST_BR_TAKEN(37,     bgeu, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_TAKEN(38,     bgeu, 0, 0)
    TEST_BR_NOT_TAKEN(39, bgeu, 1, -1)
    TEST_BR_NOT_TAKEN(40, bgeu, 0, 1)
    TEST_BR_NOT_TAKEN(41, bgeu, 0xffffffff, 0x100000000)
    # ---- x0 operands (pseudo-instructions) ----
    TEST_BR_TAKEN(42,     bge, 0, 0)        /* sanity */
    TEST_CASE(43, x14, 0x3f,
        li x14, 0; li x11, -3; li x12, 4;
        beqz x0, 1f; j fail; 1: ori x14, x14, 1;
        bnez x11, 1f; j fail; 1: ori x14, x14, 2;
        bltz x11, 1f; j fail; 1: ori x14, x14, 4;
        bgez x12, 1f; j fail; 1: ori x14, x14, 8;
        blez x11, 1f; j fail; 1: ori x14, x14, 16;
        bgtz x12, 1f; j fail; 1: ori x14, x14, 32;
        bnez x0, fail; bltz x12, fail; bgez x11, fail; blez x12, fail; bgtz x11, fail; bgtz x0, fail; bltz x0, fail)
    # ---- backward branches: a counted loop ----
    TEST_CASE(44, x14, 30, li x11, 10; li x14, 0; 1: addi x14, x14, 3; addi x11, x11, -1; bnez x11, 1b)
    TEST_CASE(45, x14, 64, li x11, 1; li x12, 64; li x14, 0; 1: slli x11, x11, 1; addi x14, x14, 1; bltu x11, x12, 1b; bgeu x11, x12, 2f; j fail; 2: slli x14, x11, 0)
    TEST_CASE(46, x14, 5, li x11, -5; li x14, 0; 1: addi x14, x14, 1; addi x11, x11, 1; blt x11, x0, 1b)
    # ---- branch to the next instruction; not-taken branches do not change registers ----
    TEST_CASE(47, x14, 9, li x14, 9; li x11, 1; beq x11, x11, 1f; 1: nop)
    TEST_CASE(48, x14, 0x1234, li x11, 0x1234; li x12, 0x1234; bne x11, x12, fail; blt x11, x12, fail; bltu x11, x12, fail; mv x14, x11; bne x14, x12, fail)
    # ---- same register as both operands ----
    TEST_CASE(49, x14, 3, li x14, 0; li x11, -9;
        beq x11, x11, 1f; j fail; 1: addi x14, x14, 1;
        bge x11, x11, 1f; j fail; 1: addi x14, x14, 1;
        bgeu x11, x11, 1f; j fail; 1: addi x14, x14, 1;
        bne x11, x11, fail; blt x11, x11, fail; bltu x11, x11, fail)
TEST_END
