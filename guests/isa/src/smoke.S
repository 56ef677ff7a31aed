# Smoke test of the harness: a few integer ops and an HTIF console line.
#include "test.h"
TEST_BEGIN
    TEST_RR(2, add, 3, 1, 2)
    TEST_IMM(3, addi, -1, 0, -1)
    TEST_RR(4, sub, 0xffffffffffffffff, 1, 2)
    la s0, message
print_loop:
    lbu a1, 0(s0)
    beqz a1, print_done
    HTIF_PUTC a1
    addi s0, s0, 1
    j print_loop
print_done:
TEST_END
    .data
message: .asciz "smoke: hello from HTIF\n"
