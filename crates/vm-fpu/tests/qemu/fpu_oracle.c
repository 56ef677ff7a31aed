/* Differential-test oracle for vm-fpu, run under qemu-riscv64.
 * Reads lines "op rm a b c" (op decimal, rm decimal, a/b/c hex 64-bit register values) and
 * prints "value flags" (hex) after executing the instruction with frm = rm. */
#include <stdio.h>
#include <stdint.h>

#define RUN(insn)                                                                        \
    __asm__ volatile("fmv.d.x ft0, %[a]\n\tfmv.d.x ft1, %[b]\n\tfmv.d.x ft2, %[c]\n\t"     \
                     "mv t1, %[a]\n\tfsflags x0\n\tfsrm %[rm]\n\t" insn "\n\t"            \
                     "fmv.x.d %[f], ft3\n\tmv %[i], t0\n\tfrflags %[fl]\n\tfsrm x0\n\t"   \
                     : [f] "=&r"(fres), [i] "=&r"(ires), [fl] "=&r"(flags)                \
                     : [a] "r"(a), [b] "r"(b), [c] "r"(c), [rm] "r"(rm)                    \
                     : "ft0", "ft1", "ft2", "ft3", "t0", "t1", "memory")
#define F(n, insn) case n: RUN(insn); out = fres; break;
#define I(n, insn) case n: RUN(insn); out = ires; break;

int main(void) {
    unsigned op, rm;
    unsigned long long a, b, c;
    while (scanf("%u %u %llx %llx %llx", &op, &rm, &a, &b, &c) == 5) {
        uint64_t fres = 0, ires = 0, flags = 0, out = 0;
        switch (op) {
            F(0, "fadd.s ft3, ft0, ft1") F(1, "fsub.s ft3, ft0, ft1")
            F(2, "fmul.s ft3, ft0, ft1") F(3, "fdiv.s ft3, ft0, ft1")
            F(4, "fsqrt.s ft3, ft0") F(5, "fmadd.s ft3, ft0, ft1, ft2")
            F(6, "fmsub.s ft3, ft0, ft1, ft2") F(7, "fnmsub.s ft3, ft0, ft1, ft2")
            F(8, "fnmadd.s ft3, ft0, ft1, ft2") F(9, "fmin.s ft3, ft0, ft1")
            F(10, "fmax.s ft3, ft0, ft1") I(11, "fcvt.w.s t0, ft0") I(12, "fcvt.wu.s t0, ft0")
            I(13, "fcvt.l.s t0, ft0") I(14, "fcvt.lu.s t0, ft0") F(15, "fcvt.s.w ft3, t1")
            F(16, "fcvt.s.wu ft3, t1") F(17, "fcvt.s.l ft3, t1") F(18, "fcvt.s.lu ft3, t1")
            F(19, "fcvt.s.d ft3, ft0") F(20, "fcvt.d.s ft3, ft0") I(21, "feq.s t0, ft0, ft1")
            I(22, "flt.s t0, ft0, ft1") I(23, "fle.s t0, ft0, ft1") I(24, "fclass.s t0, ft0")
            F(25, "fsgnj.s ft3, ft0, ft1") F(26, "fsgnjn.s ft3, ft0, ft1")
            F(27, "fsgnjx.s ft3, ft0, ft1")
            F(32, "fadd.d ft3, ft0, ft1") F(33, "fsub.d ft3, ft0, ft1")
            F(34, "fmul.d ft3, ft0, ft1") F(35, "fdiv.d ft3, ft0, ft1")
            F(36, "fsqrt.d ft3, ft0") F(37, "fmadd.d ft3, ft0, ft1, ft2")
            F(38, "fmsub.d ft3, ft0, ft1, ft2") F(39, "fnmsub.d ft3, ft0, ft1, ft2")
            F(40, "fnmadd.d ft3, ft0, ft1, ft2") F(41, "fmin.d ft3, ft0, ft1")
            F(42, "fmax.d ft3, ft0, ft1") I(43, "fcvt.w.d t0, ft0") I(44, "fcvt.wu.d t0, ft0")
            I(45, "fcvt.l.d t0, ft0") I(46, "fcvt.lu.d t0, ft0") F(47, "fcvt.d.w ft3, t1")
            F(48, "fcvt.d.wu ft3, t1") F(49, "fcvt.d.l ft3, t1") F(50, "fcvt.d.lu ft3, t1")
            I(53, "feq.d t0, ft0, ft1") I(54, "flt.d t0, ft0, ft1") I(55, "fle.d t0, ft0, ft1")
            I(56, "fclass.d t0, ft0") F(57, "fsgnj.d ft3, ft0, ft1")
            F(58, "fsgnjn.d ft3, ft0, ft1") F(59, "fsgnjx.d ft3, ft0, ft1")
            default: return 2;
        }
        printf("%llx %llx\n", (unsigned long long)out, (unsigned long long)flags);
    }
    return 0;
}
