# Entry for C benchmark guests: stack, call main, exit through HTIF with main's status.
    .section .text.init
    .globl _start
_start:
    la sp, stack_top
    call main
    slli a0, a0, 1
    ori a0, a0, 1
    la t0, tohost
1:  sd a0, 0(t0)
    j 1b
    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
tohost: .dword 0
    .size tohost, 8
    .align 6
    .globl fromhost
fromhost: .dword 0
    .size fromhost, 8
    .bss
    .align 4
    .skip 65536
stack_top:
