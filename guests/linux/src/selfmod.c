/* selfmod: self-modifying code in user mode. Writes RISC-V machine code into an RWX mapping,
 * calls it until it is hot (so a JIT has compiled it), patches the immediate it returns, makes
 * the new code visible (__builtin___clear_cache: the riscv_flush_icache system call) and fence.i,
 * and calls it again; also rewrites code on one page while other code on the same page stays.
 * Every result must come from the current code, never a stale translation. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* addi a0, zero, imm ; ret */
static void emit_ret_imm(uint32_t *p, int imm) {
    p[0] = ((uint32_t)(imm & 0xfff) << 20) | (10u << 7) | 0x13;
    p[1] = 0x00008067;
}

/* loop: a0 = sum of a0 iterations of (a0 += imm) — a backward branch inside generated code */
static void emit_loop(uint32_t *p, int imm) {
    p[0] = 0x00050593;                                   /* addi a1, a0, 0 */
    p[1] = 0x00000513;                                   /* li a0, 0 */
    p[2] = ((uint32_t)(imm & 0xfff) << 20) | (10u << 15) | (10u << 7) | 0x13; /* addi a0,a0,imm */
    p[3] = 0xfff58593;                                   /* addi a1, a1, -1 */
    p[4] = 0xfe059ce3;                                   /* bnez a1, -8 */
    p[5] = 0x00008067;                                   /* ret */
}

static void sync_code(void *start, size_t len) {
    __builtin___clear_cache((char *)start, (char *)start + len);
    __asm__ volatile("fence.i" ::: "memory");
}

int main(void) {
    uint32_t *code = mmap(0, 8192, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { perror("mmap"); return 1; }
    typedef long (*fn)(long);
    fn f = (fn)code, g = (fn)(code + 64), h = (fn)(code + 1024 + 64);
    long total = 0;
    for (int round = 1; round <= 6; round++) {
        emit_ret_imm(code, round * 11);
        if (round == 1) emit_loop(code + 64, 3);
        emit_loop(code + 1024 + 64, round);
        sync_code(code, 8192);
        long a = 0, b = 0, c = 0;
        for (int i = 0; i < 2000; i++) { a += f(0); b += g(7); c += h(5); }
        printf("round %d: f=%ld g=%ld h=%ld\n", round, a / 2000, b / 2000, c / 2000);
        total += a + b + c;
    }
    /* Rewrite one instruction only with fence.i (no system call). */
    emit_ret_imm(code, 99);
    __asm__ volatile("fence.i" ::: "memory");
    printf("after fence.i: f=%ld\n", f(0));
    printf("total %ld\n", total);
    return 0;
}
