/* An ecall from M-mode with no trap handler installed: nothing can service it. */
    .file "ecall.S"
    .section .text.init
    .globl _start
    .type _start, @function
_start:
    li a7, 93
    ecall
1:  j 1b
    .size _start, . - _start

#include "mailbox.h"
