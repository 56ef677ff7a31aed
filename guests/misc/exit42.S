# Exits with status 42 through HTIF after printing a line: checks that `vm boot` passes the
# guest's exit status through and that the console reaches stdout.
    .section .text.init
    .globl _start
_start:
    la s0, msg
1:  lbu a1, 0(s0)
    beqz a1, 3f
    li t5, (1 << 56) | (1 << 48)
    or t5, t5, a1
    la t6, tohost
    sd t5, 0(t6)
2:  ld t5, 0(t6)
    bnez t5, 2b
    addi s0, s0, 1
    j 1b
3:  li a0, (42 << 1) | 1
    la t6, tohost
4:  sd a0, 0(t6)
    j 4b
    .data
msg: .asciz "exiting with 42\n"
    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
tohost: .dword 0
    .size tohost, 8
    .align 6
    .globl fromhost
fromhost: .dword 0
    .size fromhost, 8
