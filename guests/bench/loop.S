# Benchmark (a): a tight integer loop — 100 million iterations of 5 ALU/branch instructions
# (500 000 030 guest instructions in all, counting setup and exit). Exits 0 through HTIF if
# the checksum is right.
#include "../isa/src/test.h"
TEST_BEGIN
    li t0, 100000000
    li a0, 0
    li a1, 0
loop:
    add a0, a0, t0
    xor a1, a1, a0
    slli a2, a1, 3
    addi t0, t0, -1
    bnez t0, loop
    li TESTNUM, 2
    li t1, 5000000050000000      # sum of 1..100000000
    bne a0, t1, fail
TEST_END
