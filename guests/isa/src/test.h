/* Test harness for the bare-metal instruction tests (HTIF convention, like riscv-tests).
 *
 * A test file looks like:
 *     #include "test.h"
 *     TEST_BEGIN
 *       TEST_RR(2, add, 3, 1, 2)          // case 2: add x14 = 1 + 2, expect 3
 *       ...
 *     TEST_END
 * Case numbers start at 2. On failure the test exits with status = the failing case number
 * (tohost = case<<1 | 1); on success tohost = 1 (status 0). `gp` holds the current case.
 * An unexpected trap exits with status 1000 + mcause.
 * (Note qemu's exit status is that number mod 256, so keep case numbers in 2..255 per file.)
 *
 * The trap handler installed by TEST_BEGIN clobbers t5/t6 (and HTIF_* use them too);
 * test code must not keep live values in t5/t6 across trapping instructions.
 * x7 (t2) holds the expected value in TEST_CASE; x11/x12/x14 are the operand/result regs.
 */
#define TESTNUM gp

/* Layout of `trap_record` (in .bss), filled by the trap handler for traps armed by TEST_TRAP. */
#define TRAP_CAUSE   0
#define TRAP_EPC     8
#define TRAP_TVAL    16
#define TRAP_MSTATUS 24   /* mstatus as seen inside the handler */
#define TRAP_COUNT   32   /* number of expected traps taken so far */
#define TRAP_RESUME  40   /* where to resume (mepc := this, then mret); 0 = not armed */
#define TRAP_RECORD_SIZE 48

    .macro HTIF_EXIT reg
    la t6, tohost
.Lhtif_exit\@:
    sd \reg, 0(t6)
    j .Lhtif_exit\@
    .endm

/* Print the byte in register `reg` on the HTIF console (device 1, command 1). */
    .macro HTIF_PUTC reg
    la t6, tohost
    li t5, (1 << 56) | (1 << 48)
    or t5, t5, \reg
    sd t5, 0(t6)
.Lhtif_putc\@:                  /* unique label: no clash with the caller's 1:/2: */
    ld t5, 0(t6)
    bnez t5, .Lhtif_putc\@
    .endm

#define TEST_BEGIN                                  \
    .section .text.init;                            \
    .align 6;                                       \
    .globl _start;                                  \
_start:                                             \
    la t0, default_trap;                            \
    csrw mtvec, t0;                                 \
    la t0, trap_record; /* no trap armed yet */     \
    sd zero, TRAP_RESUME(t0);                       \
    li t0, (1 << 13);  /* mstatus.FS = initial */   \
    csrs mstatus, t0;                               \
    csrwi fcsr, 0;                                  \
    la sp, stack_top;                               \
    li TESTNUM, 0;                                  \
    j test_body;                                    \
    .align 2;                                       \
default_trap:                                       \
    /* A trap armed by TEST_TRAP (trap_resume != 0): record it, resume there. */ \
    la t6, trap_record;                             \
    ld t5, TRAP_RESUME(t6);                         \
    beqz t5, unexpected_trap;                       \
    csrr t5, mcause;                                \
    sd t5, TRAP_CAUSE(t6);                          \
    csrr t5, mepc;                                  \
    sd t5, TRAP_EPC(t6);                            \
    csrr t5, mtval;                                 \
    sd t5, TRAP_TVAL(t6);                           \
    csrr t5, mstatus;                               \
    sd t5, TRAP_MSTATUS(t6);                        \
    ld t5, TRAP_COUNT(t6);                          \
    addi t5, t5, 1;                                 \
    sd t5, TRAP_COUNT(t6);                          \
    ld t5, TRAP_RESUME(t6);                         \
    csrw mepc, t5;                                  \
    sd zero, TRAP_RESUME(t6);                       \
    mret;                                           \
unexpected_trap:                                    \
    csrr a0, mcause;                                \
    addi a0, a0, 1000;                              \
    slli a0, a0, 1;                                 \
    ori a0, a0, 1;                                  \
    HTIF_EXIT a0;                                   \
    .text;                                          \
test_body:

#define TEST_END                                    \
pass:                                               \
    li a0, 1;                                       \
    HTIF_EXIT a0;                                   \
fail:                                               \
    slli a0, TESTNUM, 1;                            \
    ori a0, a0, 1;                                  \
    HTIF_EXIT a0;                                   \
    .section .tohost, "aw", @progbits;              \
    .align 6; .globl tohost; tohost: .dword 0; .size tohost, 8; \
    .align 6; .globl fromhost; fromhost: .dword 0; .size fromhost, 8; \
    .bss;                                           \
    .align 4;                                       \
stack_bottom: .skip 4096;                           \
stack_top:                                          \
    .align 3; .globl trap_record;                   \
trap_record: .skip TRAP_RECORD_SIZE;

/* Compare register `testreg` to `correctval` (loaded into x7) and fail case `n` if different. */
#define TEST_CASE(n, testreg, correctval, code...)  \
test_##n:                                           \
    li TESTNUM, n;                                  \
    code;                                           \
    li x7, correctval;                              \
    bne testreg, x7, fail;

/* rd = op(rs1, rs2) with x14 as the result, x11/x12 the inputs. */
#define TEST_RR(n, inst, result, val1, val2)        \
    TEST_CASE(n, x14, result,                       \
        li x11, val1; li x12, val2; inst x14, x11, x12)

/* rd = op(rs1, imm). */
#define TEST_IMM(n, inst, result, val1, imm)        \
    TEST_CASE(n, x14, result,                       \
        li x11, val1; inst x14, x11, imm)

/* ---- Loads and stores ------------------------------------------------------------------- */

/* x14 = load `inst` from offset(base_label); expect `result`. */
#define TEST_LD(n, inst, result, offset, base)      \
    TEST_CASE(n, x14, result,                       \
        la x11, base; inst x14, offset(x11))

/* store `value` with `stinst` to offset(base), reload with `ldinst`, expect `result`. */
#define TEST_ST(n, ldinst, stinst, result, value, offset, base) \
    TEST_CASE(n, x14, result,                       \
        la x11, base; li x12, value;                \
        stinst x12, offset(x11); ldinst x14, offset(x11))

/* ---- Branches --------------------------------------------------------------------------- */

/* Expect `inst val1, val2, target` to branch (forward). */
#define TEST_BR_TAKEN(n, inst, val1, val2)          \
test_##n:                                           \
    li TESTNUM, n;                                  \
    li x11, val1; li x12, val2;                     \
    inst x11, x12, test_##n##_ok;                   \
    j fail;                                         \
test_##n##_ok:

/* Expect `inst val1, val2, target` to fall through. */
#define TEST_BR_NOT_TAKEN(n, inst, val1, val2)      \
test_##n:                                           \
    li TESTNUM, n;                                  \
    li x11, val1; li x12, val2;                     \
    inst x11, x12, test_##n##_bad;                  \
    j test_##n##_ok;                                \
test_##n##_bad:                                     \
    j fail;                                         \
test_##n##_ok:

/* ---- Expected traps --------------------------------------------------------------------- */

/* Run `code`, which must trap with mcause == `cause`; execution resumes after the macro.
 * The trap's mepc/mtval/mstatus are then in trap_record; check them with CHECK_TRAP_*.
 * If `code` does not trap the case fails. The handler returns with mret, so mstatus.MIE is
 * restored from MPIE, and on qemu (which has U-mode) MPP becomes U: set MPP = M before any
 * hand-written mret. Uses t0/t1/x7 and, in the handler, t5/t6. */
#define TEST_TRAP(n, cause, code...)                \
test_##n:                                           \
    li TESTNUM, n;                                  \
    la t1, trap_record;                             \
    li t0, -1;                                      \
    sd t0, TRAP_CAUSE(t1);                          \
    la t0, test_##n##_resume;                       \
    sd t0, TRAP_RESUME(t1);                         \
    code;                                           \
    j fail;                                         \
    .align 2;                                       \
test_##n##_resume:                                  \
    la t1, trap_record;                             \
    ld t0, TRAP_CAUSE(t1);                          \
    li x7, cause;                                   \
    bne t0, x7, fail;

/* Like TEST_TRAP but any cause is accepted here; check it afterwards with CHECK_TRAP_CAUSE*. */
#define TEST_TRAP_ANY(n, code...)                   \
test_##n:                                           \
    li TESTNUM, n;                                  \
    la t1, trap_record;                             \
    li t0, -1;                                      \
    sd t0, TRAP_CAUSE(t1);                          \
    la t0, test_##n##_resume;                       \
    sd t0, TRAP_RESUME(t1);                         \
    code;                                           \
    j fail;                                         \
    .align 2;                                       \
test_##n##_resume:

/* Checks on the last recorded trap (case number: the current TESTNUM). They use t0, t1, x7
   only, so registers set by the trapping code (e.g. x14) can be checked afterwards. */
#define CHECK_TRAP_FIELD(field, expect...)          \
    la t1, trap_record;                             \
    ld t0, field(t1);                               \
    expect;                                         \
    bne t0, x7, fail;
#define CHECK_TRAP_EPC(label)       CHECK_TRAP_FIELD(TRAP_EPC, la x7, label)
#define CHECK_TRAP_TVAL(value)      CHECK_TRAP_FIELD(TRAP_TVAL, li x7, value)
#define CHECK_TRAP_TVAL_LABEL(label) CHECK_TRAP_FIELD(TRAP_TVAL, la x7, label)
/* mtval must equal the 32-bit instruction word at `label` (qemu reports the bits of illegal
   instructions in mtval). */
#define CHECK_TRAP_TVAL_INSN(label) CHECK_TRAP_FIELD(TRAP_TVAL, la x7, label; lwu x7, 0(x7))
#define CHECK_TRAP_CAUSE(value)     CHECK_TRAP_FIELD(TRAP_CAUSE, li x7, value)
/* mcause must be `a` or `b` (for cases where qemu and the privileged spec disagree). */
#define CHECK_TRAP_CAUSE_EITHER(a, b)               \
    la t1, trap_record;                             \
    ld t0, TRAP_CAUSE(t1);                          \
    li x7, a;                                       \
    beq t0, x7, 1f;                                 \
    li x7, b;                                       \
    bne t0, x7, fail;                              \
1:
#define CHECK_TRAP_COUNT(value)     CHECK_TRAP_FIELD(TRAP_COUNT, li x7, value)

/* Fail the current case unless register `reg` == `value`. */
#define CHECK_REG(reg, value)                       \
    li x7, value;                                   \
    bne reg, x7, fail;
