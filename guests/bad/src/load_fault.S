/* Loads from address 0x10 (no memory there) with no trap handler: a load access fault. */
    .file "load_fault.S"
    .section .text.init
    .globl _start
    .type _start, @function
_start:
    li t0, 0x10
    .globl bad_load
bad_load:
    ld t1, 0(t0)
1:  j 1b
    .size _start, . - _start

#include "mailbox.h"
