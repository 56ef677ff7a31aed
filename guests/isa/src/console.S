# HTIF console: print lines through HTIF_PUTC (device 1, command 1); run-qemu.sh compares
# the output with console.expect. Also checks tohost is back to 0 after each character.
#include "test.h"
TEST_BEGIN
    TEST_CASE(2, x14, 0,
        la s0, message;
        1: lbu a1, 0(s0); beqz a1, 2f; HTIF_PUTC a1; addi s0, s0, 1; j 1b;
        2: la x11, tohost; ld x14, 0(x11))
    # digits generated arithmetically: "0123456789\n"
    TEST_CASE(3, x14, 10, li s1, 0; 1: addi a1, s1, '0'; HTIF_PUTC a1; addi s1, s1, 1; li x7, 10; bne s1, x7, 1b; li a1, '\n'; HTIF_PUTC a1; mv x14, s1)
TEST_END
    .data
message:
    .asciz "isa console: HTIF_PUTC works. !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\n"
