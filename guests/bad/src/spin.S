/* Spins forever: run with --max-insns, `vm boot` must stop at the limit and name the pc. */
    .file "spin.S"
    .section .text.init
    .globl _start
    .type _start, @function
_start:
1:  j 1b
    .size _start, . - _start

#include "mailbox.h"
