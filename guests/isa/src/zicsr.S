# Zicsr: csrrw/csrrs/csrrc/csrrwi/csrrsi/csrrci on mscratch (old value returned, new value
# written; rs1 = x0 and uimm = 0 set/clear forms do not write), rd == rs1, x0 as rd;
# mhartid = 0; misa has MXL = 2 and I, M, A, F, D, C; mcycle/minstret/cycle/instret increase;
# mepc/mcause/mtval/mtvec/mie read back; unknown CSRs and writes to read-only CSRs trap with
# illegal instruction (mtval = the instruction bits, as qemu reports).
#include "test.h"
TEST_BEGIN
    .option norvc
    # ---- the six forms on mscratch ----
    TEST_CASE(2, x14, 0x1234, li x11, 0x1234; csrw mscratch, x11; csrr x14, mscratch)
    TEST_CASE(3, x14, 0x1234, li x11, 0xff00; csrrw x14, mscratch, x11)
    csrr x15, mscratch; CHECK_REG(x15, 0xff00)
    TEST_CASE(4, x14, 0xff00, li x11, 0x00ff; csrrs x14, mscratch, x11)
    csrr x15, mscratch; CHECK_REG(x15, 0xffff)
    TEST_CASE(5, x14, 0xffff, li x11, 0x0ff0; csrrc x14, mscratch, x11)
    csrr x15, mscratch; CHECK_REG(x15, 0xf00f)
    TEST_CASE(6, x14, 0xf00f, csrrwi x14, mscratch, 31)
    csrr x15, mscratch; CHECK_REG(x15, 31)
    TEST_CASE(7, x14, 31, csrrsi x14, mscratch, 0)            /* uimm = 0: no write */
    csrr x15, mscratch; CHECK_REG(x15, 31)
    TEST_CASE(8, x14, 31, csrrci x14, mscratch, 0x15)
    csrr x15, mscratch; CHECK_REG(x15, 0x0a)
    TEST_CASE(9, x14, 0x0a, csrrsi x14, mscratch, 0x11)
    csrr x15, mscratch; CHECK_REG(x15, 0x1b)
    TEST_CASE(10, x14, 0x1b, csrrci x14, mscratch, 0)         /* uimm = 0: no write */
    csrr x15, mscratch; CHECK_REG(x15, 0x1b)
    TEST_CASE(11, x14, 0x1b, csrrs x14, mscratch, x0)         /* rs1 = x0: no write */
    TEST_CASE(12, x14, 0x1b, csrrc x14, mscratch, x0)
    TEST_CASE(13, x14, 0x1b, csrrwi x14, mscratch, 0)           /* csrrwi 0 does write 0 */
    csrr x15, mscratch; CHECK_REG(x15, 0)
    TEST_CASE(14, x14, 0xdeadbeefcafebabe, li x11, 0xdeadbeefcafebabe; csrrw x0, mscratch, x11; csrr x14, mscratch) /* all 64 bits */
    TEST_CASE(15, x14, 0xdeadbeefcafebabe, li x14, 0x55; csrrw x14, mscratch, x14)   /* rd == rs1 */
    csrr x15, mscratch; CHECK_REG(x15, 0x55)
    TEST_CASE(16, x14, 0x55, li x14, 0xa0; csrrs x14, mscratch, x14)
    csrr x15, mscratch; CHECK_REG(x15, 0xf5)
    TEST_CASE(17, x14, 0xf5, li x14, 0xf0; csrrc x14, mscratch, x14)
    csrr x15, mscratch; CHECK_REG(x15, 0x05)
    TEST_CASE(18, x14, 0x05, li x11, -1; csrs mscratch, x11; csrr x14, mscratch; csrc mscratch, x11; csrr x15, mscratch; bnez x15, fail; li x14, 0x05)
    TEST_CASE(19, x14, 0, csrr x0, mscratch; csrrs x0, mscratch, x0; li x14, 0)
    # ---- identification ----
    TEST_CASE(20, x14, 0, li x14, 7; csrr x14, mhartid)
    TEST_CASE(21, x14, 2, csrr x14, misa; srli x14, x14, 62)                 /* MXL = 64-bit */
    TEST_CASE(22, x14, 0x112d, csrr x11, misa; li x12, 0x112d; and x14, x11, x12) /* I M A F D C */
    # ---- counters increase ----
    TEST_CASE(23, x14, 1, csrr x11, mcycle; li x13, 100; 1: addi x13, x13, -1; bnez x13, 1b; csrr x12, mcycle; sltu x14, x11, x12)
    TEST_CASE(24, x14, 1, csrr x11, minstret; li x13, 100; 1: addi x13, x13, -1; bnez x13, 1b; csrr x12, minstret; sltu x14, x11, x12)
    TEST_CASE(25, x14, 1, rdcycle x11; li x13, 100; 1: addi x13, x13, -1; bnez x13, 1b; csrr x12, cycle; sltu x14, x11, x12)
    TEST_CASE(26, x14, 1, rdinstret x11; li x13, 100; 1: addi x13, x13, -1; bnez x13, 1b; csrr x12, instret; sltu x14, x11, x12)
    TEST_CASE(27, x14, 1, csrr x11, mcycle; csrr x12, cycle; csrr x13, mcycle; sltu x14, x11, x13; bltu x12, x11, fail; bltu x13, x12, fail)
    # ---- trap CSRs read back what was written ----
    TEST_CASE(28, x14, 0x80001234, li x11, 0x80001234; csrw mepc, x11; csrr x14, mepc)
    TEST_CASE(29, x14, 0x80001236, li x11, 0x80001236; csrw mepc, x11; csrr x14, mepc)  /* bit 1 is writable with C (bit 0 untested: qemu 7.2 does not clear it) */
    TEST_CASE(30, x14, 11, li x11, 11; csrw mcause, x11; csrr x14, mcause)
    TEST_CASE(31, x14, 0x123456789, li x11, 0x123456789; csrw mtval, x11; csrr x14, mtval)
    TEST_CASE(32, x14, 0, la x11, default_trap; csrr x14, mtvec; sub x14, x14, x11)
    TEST_CASE(33, x14, 0, la x11, alt_vec; csrw mtvec, x11; csrr x14, mtvec; sub x14, x14, x11; la x11, default_trap; csrw mtvec, x11)
    TEST_CASE(34, x14, 8, li x11, 8; csrw mie, x11; csrr x14, mie; csrw mie, x0)        /* MSIE */
    TEST_CASE(35, x14, 0x80, li x11, 0x80; csrs mstatus, x11; csrr x14, mstatus; andi x14, x14, 0x88; csrc mstatus, x11) /* MPIE, MIE=0 */
    # ---- unknown CSRs: illegal instruction, rd unchanged ----
    TEST_TRAP(36, 2, li x14, 0x66; csr_36: csrr x14, 0x7c0)
    CHECK_TRAP_EPC(csr_36)
    CHECK_TRAP_TVAL_INSN(csr_36)
    CHECK_REG(x14, 0x66)
    TEST_TRAP(37, 2, li x11, 1; csr_37: csrw 0x7c0, x11)
    CHECK_TRAP_TVAL_INSN(csr_37)
    TEST_TRAP(38, 2, csr_38: csrrsi x14, 0x5c0, 0)
    CHECK_TRAP_TVAL_INSN(csr_38)
    TEST_TRAP(39, 2, csr_39: csrr x14, 0x8ff)
    CHECK_TRAP_EPC(csr_39)
    # ---- writes to read-only CSRs trap; reads (rs1 = x0 / uimm = 0 set/clear) do not ----
    TEST_TRAP(40, 2, li x11, 1; csr_40: csrw mhartid, x11)
    CHECK_TRAP_EPC(csr_40)
    CHECK_TRAP_TVAL_INSN(csr_40)
    TEST_TRAP(41, 2, csr_41: csrrwi x14, mhartid, 0)
    CHECK_TRAP_TVAL_INSN(csr_41)
    TEST_TRAP(42, 2, li x11, 1; csr_42: csrs mhartid, x11)
    TEST_TRAP(43, 2, li x11, 5; csr_43: csrw cycle, x11)
    CHECK_TRAP_TVAL_INSN(csr_43)
    TEST_TRAP(44, 2, csr_44: csrrsi x14, instret, 1)
    TEST_TRAP(45, 2, csrrci x14, cycle, 2)
    TEST_TRAP(46, 2, unimp)                                     /* = csrrw x0, cycle, x0 */
    TEST_CASE(47, x14, 0, li x14, 9; csrrs x14, mhartid, x0)
    TEST_CASE(48, x14, 0, li x14, 9; csrrsi x14, mhartid, 0)
    TEST_CASE(49, x14, 0, li x14, 9; csrrci x14, mhartid, 0)
    TEST_CASE(50, x14, 1, csrr x11, cycle; csrrs x12, cycle, x0; csrrci x13, cycle, 0; sltu x14, x11, x13)
    # ---- the traps above were all counted ----
    TEST_CASE(51, x14, 0, li x14, 0)
    CHECK_TRAP_COUNT(11)
    j pass
    .align 2
alt_vec:
    j default_trap
TEST_END
