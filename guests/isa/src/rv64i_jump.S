# RV64I jal/jalr: link values, jal x0, forward and backward targets, jalr with positive,
# negative and odd offsets (bit 0 of the target is cleared), jalr with rd == rs1, call/ret
# with a stack, and an indirect jump through a table.
#include "test.h"
TEST_BEGIN
    .option norvc       # 32-bit encodings only (c.j/c.jr/c.jalr are tested in rv64c.S)
    # ---- jal ----
    TEST_CASE(2, x14, 0, jal x1, 1f; 2: j fail; 1: la x7, 2b; sub x14, x1, x7)   /* link = pc+4 */
    TEST_CASE(3, x14, 0, jal x5, 1f; 2: j fail; 1: la x7, 2b; sub x14, x5, x7)   /* other rd */
    TEST_CASE(4, x14, 7, li x14, 7; jal x0, 1f; j fail; 1: nop)                  /* j: no link */
    TEST_CASE(5, x14, 2, li x14, 0; j 2f; 1: addi x14, x14, 1; j 3f; 2: addi x14, x14, 1; j 1b; 3: nop) /* backward */
    TEST_CASE(6, x14, 0, 1: jal x1, 2f; 2: la x7, 1b; addi x7, x7, 4; sub x14, x1, x7) /* jump to next insn */
    # ---- jalr ----
    TEST_CASE(7, x14, 0, la x11, 1f; jalr x1, 0(x11); 2: j fail; 1: la x7, 2b; sub x14, x1, x7)
    TEST_CASE(8, x14, 0, la x11, 1f-8; jalr x1, 8(x11); 2: j fail; 1: la x7, 2b; sub x14, x1, x7)
    TEST_CASE(9, x14, 0, la x11, 1f+100; jalr x1, -100(x11); 2: j fail; 1: la x7, 2b; sub x14, x1, x7)
    TEST_CASE(10, x14, 0, la x11, 1f; addi x11, x11, 1; jalr x1, 0(x11); 2: j fail; 1: la x7, 2b; sub x14, x1, x7) /* odd rs1 */
    TEST_CASE(11, x14, 0, la x11, 1f; jalr x1, 1(x11); 2: j fail; 1: la x7, 2b; sub x14, x1, x7)   /* odd offset */
    TEST_CASE(12, x14, 0, la x11, 1f-1; jalr x1, 1(x11); 2: j fail; 1: la x7, 2b; sub x14, x1, x7) /* sum even, rs1 odd */
    TEST_CASE(13, x14, 0, la x11, 1f; jalr x11, 0(x11); 2: j fail; 1: la x7, 2b; sub x14, x11, x7) /* rd == rs1 */
    TEST_CASE(14, x14, 0, la x11, 1f-4; jalr x11, 4(x11); 2: j fail; 1: la x7, 2b; sub x14, x11, x7)
    TEST_CASE(15, x14, 5, li x14, 5; la x11, 1f; jalr x0, 0(x11); j fail; 1: nop) /* jr */
    TEST_CASE(16, x14, 3, la x11, 1f; li x14, 0; j 3f; 1: addi x14, x14, 2; j 4f; 3: addi x14, x14, 1; jalr x0, 0(x11); 4: nop) /* backward jalr */
    # ---- call / ret, nested, with the stack ----
    TEST_CASE(17, x14, 42, li a0, 20; call add_one_twice_plus_20; mv x14, a0)
    TEST_CASE(18, x14, 120, li a0, 5; call factorial; mv x14, a0)
    # ---- indirect jump through a table ----
    TEST_CASE(19, x14, 0x321,
        li x14, 0; li x13, 0;
        1: la x11, jtab; slli x12, x13, 3; add x11, x11, x12; ld x11, 0(x11); jalr x1, 0(x11);
        addi x13, x13, 1; li x12, 3; bltu x13, x12, 1b)
    j pass

add_one_twice_plus_20:          # a0 += 22 through two nested calls
    addi sp, sp, -16
    sd ra, 8(sp)
    addi a0, a0, 20
    call add_one
    call add_one
    ld ra, 8(sp)
    addi sp, sp, 16
    ret
add_one:
    addi a0, a0, 1
    ret
factorial:                      # recursive: a0 = a0!
    li t0, 1
    bgt a0, t0, 1f
    li a0, 1
    ret
1:  addi sp, sp, -16
    sd ra, 8(sp)
    sd a0, 0(sp)
    addi a0, a0, -1
    call factorial
    ld t0, 0(sp)
    mul a0, a0, t0
    ld ra, 8(sp)
    addi sp, sp, 16
    ret
jt0: slli x14, x14, 4; ori x14, x14, 3; ret
jt1: slli x14, x14, 4; ori x14, x14, 2; ret
jt2: slli x14, x14, 4; ori x14, x14, 1; jalr x0, 0(x1)
TEST_END
    .data
    .align 3
jtab: .dword jt0, jt1, jt2
