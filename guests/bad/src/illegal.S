/* Executes an all-ones word (an illegal instruction) at the symbol `bad_insn` with no trap
   handler installed: `vm boot` must stop with "illegal instruction", the pc and the symbol. */
    .file "illegal.S"
    .section .text.init
    .globl _start
    .type _start, @function
_start:
    li a0, 1
    j bad_insn
    .size _start, . - _start

    .text
    .globl bad_insn
    .type bad_insn, @function
bad_insn:
    .word 0xffffffff
    .size bad_insn, . - bad_insn

#include "mailbox.h"
