/* Installs a trap handler whose first instruction is itself illegal, then traps: the handler
   faults at its own address forever, retiring nothing. `vm boot` must stop with an error
   (naming the handler's pc) rather than spin, with or without --max-insns. */
    .file "trap_loop.S"
    .section .text.init
    .globl _start
    .type _start, @function
_start:
    la t0, bad_handler
    csrw mtvec, t0
    ecall
1:  j 1b
    .size _start, . - _start

    .text
    .align 2
    .globl bad_handler
    .type bad_handler, @function
bad_handler:
    .word 0xffffffff
    .size bad_handler, . - bad_handler

#include "mailbox.h"
