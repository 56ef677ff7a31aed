/* Test harness for the bare-metal instruction tests (HTIF convention, like riscv-tests).
 *
 * A test file looks like:
 *     #include "test.h"
 *     TEST_BEGIN
 *       TEST_RR(2, add, 3, 1, 2)          // case 2: add x14 = 1 + 2, expect 3
 *       ...
 *     TEST_END
 * Case numbers start at 2. On failure the test exits with status = the failing case number
 * (tohost = case<<1 | 1); on success tohost = 1 (status 0). `gp` holds the current case.
 * An unexpected trap exits with status 1000 + mcause.
 */
#define TESTNUM gp

    .macro HTIF_EXIT reg
    la t6, tohost
1:  sd \reg, 0(t6)
    j 1b
    .endm

/* Print the byte in register `reg` on the HTIF console (device 1, command 1). */
    .macro HTIF_PUTC reg
    la t6, tohost
    li t5, (1 << 56) | (1 << 48)
    or t5, t5, \reg
    sd t5, 0(t6)
2:  ld t5, 0(t6)
    bnez t5, 2b
    .endm

#define TEST_BEGIN                                  \
    .section .text.init;                            \
    .align 6;                                       \
    .globl _start;                                  \
_start:                                             \
    la t0, default_trap;                            \
    csrw mtvec, t0;                                 \
    li t0, (1 << 13);  /* mstatus.FS = initial */   \
    csrs mstatus, t0;                               \
    csrwi fcsr, 0;                                  \
    la sp, stack_top;                               \
    li TESTNUM, 0;                                  \
    j test_body;                                    \
    .align 2;                                       \
default_trap:                                       \
    csrr a0, mcause;                                \
    addi a0, a0, 1000;                              \
    slli a0, a0, 1;                                 \
    ori a0, a0, 1;                                  \
    HTIF_EXIT a0;                                   \
    .text;                                          \
test_body:

#define TEST_END                                    \
pass:                                               \
    li a0, 1;                                       \
    HTIF_EXIT a0;                                   \
fail:                                               \
    slli a0, TESTNUM, 1;                            \
    ori a0, a0, 1;                                  \
    HTIF_EXIT a0;                                   \
    .section .tohost, "aw", @progbits;              \
    .align 6; .globl tohost; tohost: .dword 0; .size tohost, 8; \
    .align 6; .globl fromhost; fromhost: .dword 0; .size fromhost, 8; \
    .bss;                                           \
    .align 4;                                       \
stack_bottom: .skip 4096;                           \
stack_top:

/* Compare register `testreg` to `correctval` (loaded into x7) and fail case `n` if different. */
#define TEST_CASE(n, testreg, correctval, code...)  \
test_##n:                                           \
    li TESTNUM, n;                                  \
    code;                                           \
    li x7, correctval;                              \
    bne testreg, x7, fail;

/* rd = op(rs1, rs2) with x14 as the result, x11/x12 the inputs. */
#define TEST_RR(n, inst, result, val1, val2)        \
    TEST_CASE(n, x14, result,                       \
        li x11, val1; li x12, val2; inst x14, x11, x12)

/* rd = op(rs1, imm). */
#define TEST_IMM(n, inst, result, val1, imm)        \
    TEST_CASE(n, x14, result,                       \
        li x11, val1; inst x14, x11, imm)
