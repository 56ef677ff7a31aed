# Machine-mode traps: ecall (11) and ebreak (3) with mepc = the instruction and mtval = 0;
# a handler that returns to mepc+4 (or +2) with mret; illegal instructions (2) with mtval =
# the instruction bits; load/store access faults (5/7) outside RAM with mtval = the effective
# address and rd unchanged; instruction access fault (1) from jumping to an unmapped address,
# mepc = mtval = that address, the jalr's link still written; mstatus MIE/MPIE/MPP across a
# trap and mret; mret to an address set in mepc; mtvec direct and vectored mode (exceptions
# go to BASE either way); misaligned plain loads/stores do not trap.
#include "test.h"

#define MSTATUS_MIE  0x8
#define MSTATUS_MPIE 0x80
#define MSTATUS_MPP  0x1800

/* Install `handler` in mtvec (t0 clobbered). */
#define SET_MTVEC(handler) la t0, handler; csrw mtvec, t0
#define RESTORE_MTVEC      SET_MTVEC(default_trap)

TEST_BEGIN
    .option norvc
    # ---- ecall / ebreak via the recording handler ----
    TEST_TRAP(2, 11, ecall_2: ecall)
    CHECK_TRAP_EPC(ecall_2)
    CHECK_TRAP_TVAL(0)
    TEST_TRAP(3, 3, ebreak_3: ebreak)
    CHECK_TRAP_EPC(ebreak_3)
    CHECK_TRAP_TVAL(0)                  /* qemu 7.2 reports 0 (the spec also allows pc) */
    # ---- a handler that skips the instruction (mepc += 4) and mret's back ----
    TEST_CASE(4, x14, 3, SET_MTVEC(skip_handler); li x14, 1; li s1, 0; ecall; addi x14, x14, 2; RESTORE_MTVEC)
    CHECK_REG(s1, 11)                   /* handler saw mcause 11 */
    TEST_CASE(5, x14, 0x30, SET_MTVEC(skip_handler); li x14, 0x10; ebreak; addi x14, x14, 0x20; RESTORE_MTVEC)
    CHECK_REG(s1, 3)
    TEST_CASE(6, x14, 5, SET_MTVEC(skip_handler); li x14, 0; li x13, 5; 1: ecall; addi x14, x14, 1; addi x13, x13, -1; bnez x13, 1b; RESTORE_MTVEC)
    TEST_CASE(7, x14, 0, SET_MTVEC(skip_handler); 1: ecall; RESTORE_MTVEC; la x7, 1b; sub x14, s2, x7)  /* handler saw mepc */
    TEST_CASE(8, x14, 0x42, SET_MTVEC(skip_handler_c); li x14, 0x40; .option push; .option rvc; c.ebreak; c.addi a4, 2; .option pop; RESTORE_MTVEC)
    CHECK_REG(s1, 3)
    # ---- registers survive a trap round trip ----
    TEST_CASE(9, x14, 0x0123456789abcdef, SET_MTVEC(skip_handler); li x14, 0x0123456789abcdef; li x15, -1; ecall; RESTORE_MTVEC)
    CHECK_REG(x15, -1)
    # ---- illegal instructions: mcause 2, mepc, mtval = instruction bits ----
    TEST_TRAP(10, 2, ill_10: .word 0xffffffff)
    CHECK_TRAP_EPC(ill_10)
    CHECK_TRAP_TVAL(0xffffffff)
    TEST_TRAP(11, 2, ill_11: .word 0)                           /* all zeros (a 16-bit illegal) */
    CHECK_TRAP_EPC(ill_11)
    CHECK_TRAP_TVAL(0)
    TEST_TRAP(12, 2, ill_12: unimp)                             /* csrrw x0, cycle, x0 */
    CHECK_TRAP_EPC(ill_12)
    CHECK_TRAP_TVAL(0xc0001073)
    TEST_TRAP(13, 2, ill_13: csrr x14, 0x7c0)                  /* unimplemented CSR */
    CHECK_TRAP_EPC(ill_13)
    CHECK_TRAP_TVAL_INSN(ill_13)
    # ---- load/store access faults outside RAM: mtval = effective address ----
    TEST_TRAP(14, 5, li x11, 0x10; li x14, 0x77; ld_14: ld x14, 0(x11))
    CHECK_TRAP_EPC(ld_14)
    CHECK_TRAP_TVAL(0x10)
    CHECK_REG(x14, 0x77)                /* rd not written */
    TEST_TRAP(15, 7, li x11, 0x10; li x12, 0x99; st_15: sd x12, 0(x11))
    CHECK_TRAP_EPC(st_15)
    CHECK_TRAP_TVAL(0x10)
    TEST_TRAP(16, 5, li x11, 0x20; lw x14, -16(x11))             /* tval is base + offset */
    CHECK_TRAP_TVAL(0x10)
    TEST_TRAP(17, 7, li x11, 0x100000000000; li x12, 1; sb x12, 5(x11))
    CHECK_TRAP_TVAL(0x100000000005)
    TEST_TRAP(18, 5, li x11, 0x100000000000; lbu x14, 0(x11))
    CHECK_TRAP_TVAL(0x100000000000)
    TEST_TRAP(19, 5, li x11, 0x7ffffff8; lhu x14, 0(x11))        /* just below RAM */
    CHECK_TRAP_TVAL(0x7ffffff8)
    TEST_TRAP(20, 7, li x11, 0x7ffffff0; sw x0, 8(x11))
    CHECK_TRAP_TVAL(0x7ffffff8)
    TEST_TRAP(21, 5, li x11, 0x90000000; ld x14, 0(x11))         /* just above the 128 MiB of RAM */
    CHECK_TRAP_TVAL(0x90000000)
    TEST_TRAP(22, 7, li x11, 0xfffffffffffffff0; sh x0, 0(x11))
    CHECK_TRAP_TVAL(0xfffffffffffffff0)
    # ---- instruction access fault: mepc = mtval = target; the jalr itself completed ----
    TEST_TRAP(23, 1, li x11, 0x10; li x1, 0; jalr_23: jalr x1, 0(x11))
    CHECK_TRAP_FIELD(TRAP_EPC, li x7, 0x10)
    CHECK_TRAP_TVAL(0x10)
    la x7, jalr_23; addi x7, x7, 4; bne x1, x7, fail
    TEST_TRAP(24, 1, li x11, 0x100000000000; jr x11)
    CHECK_TRAP_FIELD(TRAP_EPC, li x7, 0x100000000000)
    CHECK_TRAP_TVAL(0x100000000000)
    TEST_TRAP(25, 1, li x11, 0x90000000; jr x11)
    CHECK_TRAP_TVAL(0x90000000)
    # ---- mstatus across trap and mret ----
    # In the handler MPP = 3 (from M), MPIE = old MIE, MIE = 0; after mret MIE = MPIE, MPIE = 1.
    # (mie = 0, so setting MIE takes no interrupt.)
    TEST_TRAP(26, 11, csrw mie, x0; li x11, MSTATUS_MIE; csrs mstatus, x11; ecall)
    CHECK_TRAP_FIELD(TRAP_MSTATUS, li x7, MSTATUS_MPP | MSTATUS_MPIE; li t1, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE; and t0, t0, t1)
    csrr x14, mstatus; andi x14, x14, MSTATUS_MPIE | MSTATUS_MIE; CHECK_REG(x14, MSTATUS_MPIE | MSTATUS_MIE)
    li x11, MSTATUS_MIE; csrc mstatus, x11
    TEST_TRAP(27, 11, li x11, MSTATUS_MPIE | MSTATUS_MIE; csrc mstatus, x11; ecall)
    CHECK_TRAP_FIELD(TRAP_MSTATUS, li x7, MSTATUS_MPP; li t1, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE; and t0, t0, t1)
    csrr x14, mstatus; andi x14, x14, MSTATUS_MPIE | MSTATUS_MIE; CHECK_REG(x14, MSTATUS_MPIE)
    # After mret MPP is the least-privileged mode: U (0) on qemu, which has U-mode; M (3) on an
    # M-only hart. Accept either.
    TEST_CASE(28, x14, 1, csrr x11, mstatus; li x12, MSTATUS_MPP; and x11, x11, x12; seqz x14, x11; beq x11, x12, 1f; bnez x11, fail; 1: li x14, 1)
    # ---- mret to an address written into mepc (MPP set to M first) ----
    TEST_CASE(29, x14, 0x5a, li x14, 0; li x11, MSTATUS_MPP; csrs mstatus, x11; la x11, 1f; csrw mepc, x11; mret; j fail; 1: li x14, 0x5a)
    csrr x15, mscratch          /* still in M-mode: this would trap otherwise */
    TEST_CASE(30, x14, MSTATUS_MIE | MSTATUS_MPIE, csrw mie, x0; li x11, MSTATUS_MPP | MSTATUS_MPIE; csrs mstatus, x11; la x11, 1f; csrw mepc, x11; mret; 1: csrr x14, mstatus; andi x14, x14, MSTATUS_MIE | MSTATUS_MPIE; li x11, MSTATUS_MIE; csrc mstatus, x11)
    TEST_CASE(31, x14, MSTATUS_MPIE, li x11, MSTATUS_MPP; csrs mstatus, x11; li x11, MSTATUS_MPIE; csrc mstatus, x11; la x11, 1f; csrw mepc, x11; mret; 1: csrr x14, mstatus; andi x14, x14, MSTATUS_MIE | MSTATUS_MPIE)
    # ---- mtvec modes: synchronous exceptions go to BASE in direct and vectored mode ----
    TEST_CASE(32, x14, 0x11, SET_MTVEC(skip_handler); li x14, 0x11; li s1, 0; ecall; RESTORE_MTVEC)
    CHECK_REG(s1, 11)
    TEST_CASE(33, x14, 3, la t0, skip_handler; ori t0, t0, 1; csrw mtvec, t0; li s1, 0; ebreak; RESTORE_MTVEC; mv x14, s1)
    # ---- a trap inside a trap handler (handler uses mscratch to save state) ----
    TEST_CASE(34, x14, 0x3b, SET_MTVEC(nesting_handler); li s1, 0; li x14, 0; ecall; RESTORE_MTVEC; mv x14, s1)
    # ---- misaligned plain loads/stores complete without trapping ----
    TEST_CASE(35, x14, 0x0807060504030201, la x11, mbuf; ld x14, 1(x11))
    TEST_CASE(36, x14, 0xaabb, la x11, mbuf; li x12, 0xaabb; sh x12, 3(x11); lhu x14, 3(x11))
    TEST_CASE(37, x14, 0, li x14, 0)
    CHECK_TRAP_COUNT(20)
    j pass

    .align 2
skip_handler:               # s1 = mcause, s2 = mepc; return past a 4-byte instruction
    csrr s1, mcause
    csrr s2, mepc
    addi t5, s2, 4
    csrw mepc, t5
    mret
    .align 2
skip_handler_c:             # same for a 2-byte instruction
    csrr s1, mcause
    csrr s2, mepc
    addi t5, s2, 2
    csrw mepc, t5
    mret
    .align 2
nesting_handler:            # first trap (ecall): save mepc, take an ebreak, come back, skip the ecall
    csrw mscratch, s2
    csrr s2, mepc
    addi s1, s1, 0x30       # 0x30 for the outer trap
    la t5, inner_handler
    csrw mtvec, t5
    ebreak                  # -> inner_handler, which adds mcause (3) + 8
    la t5, nesting_handler
    csrw mtvec, t5
    addi t5, s2, 4
    csrw mepc, t5
    csrr s2, mscratch
    li t5, MSTATUS_MPP      # the inner mret cleared MPP; make this mret return to M
    csrs mstatus, t5
    mret
    .align 2
inner_handler:
    csrr t5, mcause
    add s1, s1, t5
    addi s1, s1, 8
    csrr t5, mepc
    addi t5, t5, 4
    csrw mepc, t5
    li t5, MSTATUS_MPP
    csrs mstatus, t5
    mret
TEST_END
    .data
    .align 4
mbuf: .byte 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
