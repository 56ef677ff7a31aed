# Zifencei: self-modifying code. Store a new instruction over one that has already run (so a
# translating emulator has it cached), fence.i, run it again and see the new behaviour: a
# patched function (32-bit and compressed), a patch in the middle of a hot loop, a patch of an
# instruction later in the same straight-line block, and code generated into a data buffer.
#include "test.h"
TEST_BEGIN
    .option norvc
    # ---- patch a 32-bit instruction in a function ----
    TEST_CASE(2, x14, 1, li x13, 5; 1: call patch_fn; addi x13, x13, -1; bnez x13, 1b; mv x14, a0)   /* warm up */
    TEST_CASE(3, x14, 2, la x11, patch_fn; la x12, tmpl_li2; lwu x12, 0(x12); sw x12, 0(x11); fence.i; call patch_fn; mv x14, a0)
    TEST_CASE(4, x14, 0x7ff, la x11, patch_fn; li x12, 0x7ff00513; sw x12, 0(x11); fence.i; call patch_fn; mv x14, a0) /* addi a0, x0, 2047 */
    TEST_CASE(5, x14, 0x7ff, call patch_fn; mv x14, a0)                   /* stays patched */
    # ---- patch in the middle of a hot loop: 10 x (a0 += 5), then 3 x (a0 <<= 1) ----
    TEST_CASE(6, x14, 400,
        li a0, 0; li s1, 0;
        1: li x7, 10; bne s1, x7, 2f;
           la x11, loop_fn; la x12, tmpl_slli; lwu x12, 0(x12); sw x12, 0(x11); fence.i;
        2: call loop_fn; addi s1, s1, 1; li x7, 13; bne s1, x7, 1b;
        mv x14, a0)
    # ---- patch a compressed instruction (c.li a0, 1 -> c.li a0, 3) ----
    TEST_CASE(7, x14, 1, call c_fn; call c_fn; mv x14, a0)
    TEST_CASE(8, x14, 3, la x11, c_fn; li x12, 0x450d; sh x12, 0(x11); fence.i; call c_fn; mv x14, a0)
    # ---- patch an instruction further down the same straight-line block, twice ----
    TEST_CASE(9, x14, 0x179,
        li s1, 1; la s2, tmpl_li7;
        1: lwu x12, 0(s2); la x11, 2f; sw x12, 0(x11); fence.i;
        2: addi a0, x0, 1;
        slli s1, s1, 4; add s1, s1, a0; addi s2, s2, 4; la x7, tmpl_li9 + 4; bne s2, x7, 1b;
        mv x14, s1)
    # ---- run code generated into a data buffer, then regenerate it ----
    TEST_CASE(10, x14, 12,
        la x11, gbuf; li x12, 0x00550513; sw x12, 0(x11); li x12, 0x00008067; sw x12, 4(x11); fence.i;   /* addi a0, a0, 5; ret */
        li a0, 7; jalr x1, 0(x11); mv x14, a0)
    TEST_CASE(11, x14, 24,
        la x11, gbuf; la x12, tmpl_slli; lwu x12, 0(x12); sw x12, 0(x11); fence.i;
        li a0, 12; jalr x1, 0(x11); mv x14, a0)
    TEST_CASE(12, x14, 0x42, li x14, 0x42; fence.i)
    j pass

patch_fn:
    addi a0, x0, 1
    ret
loop_fn:
    addi a0, a0, 5
    ret
    .option push
    .option rvc
c_fn:
    c.li a0, 1
    c.jr ra
    .option pop
    .align 2
tmpl_li2:  addi a0, x0, 2       # templates (never executed in place)
tmpl_slli: slli a0, a0, 1
tmpl_li7:  addi a0, x0, 7
tmpl_li9:  addi a0, x0, 9
TEST_END
    .data
    .align 4
gbuf: .skip 16
