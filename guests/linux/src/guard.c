/* guard [kill]: loads that fault inside hot loops, where a JIT runs them as compiled code.
 *
 * Four summing loops (lb, lhu, lw, ld; in assembly, so the registers are known) are run over
 * one page until hot, then over four pages of which one has become unloadable: PROT_NONE or
 * unmapped. (Not execute-only: qemu-riscv64, the oracle, lets loads read such pages.) Each time the SIGSEGV handler prints the fault address and the
 * loop's registers from the ucontext (pc, pointer, sum so far, count left: they must be exactly
 * those of the faulting load), makes the page readable again (a fresh zero page where it was
 * unmapped) and returns, so the load runs again and the loop finishes. Then a loop faults 200
 * times in a row, each time left with siglongjmp. Everything printed is relative to the loop or
 * the buffer, so it does not depend on where the emulator put them.
 *   kill  as above up to the first fault, but with no handler: the process dies of SIGSEGV. */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

/* long NAME(const void *p, long n): sum of n elements from p; a0 = pointer, a1 = sum,
 * a2 = elements left, t0 = the element just loaded. */
#define SUM_LOOP(name, load, step)                                                                 \
    extern long name(const void *p, long n);                                                       \
    __asm__(".text\n.globl " #name "\n.type " #name ",@function\n" #name ":\n"                     \
            "  mv a2, a1\n  li a1, 0\n"                                                            \
            "1: " load " t0, 0(a0)\n  add a1, a1, t0\n  addi a0, a0, " #step "\n"                 \
            "  addi a2, a2, -1\n  bnez a2, 1b\n  mv a0, a1\n  ret\n.size " #name ", .-" #name "\n");
SUM_LOOP(sum_lb, "lb", 1)
SUM_LOOP(sum_lhu, "lhu", 2)
SUM_LOOP(sum_lw, "lw", 4)
SUM_LOOP(sum_ld, "ld", 8)

#define PAGE 4096L
#define PAGES 4

static unsigned char *buf;
static uintptr_t loop_start;
static enum { FIX_READ, FIX_REMAP, JUMP_OUT } fix;
static sigjmp_buf env;
static int quiet;

static void on_segv(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    unsigned long *g = uc->uc_mcontext.__gregs; /* [0] = pc, [n] = xn */
    uintptr_t addr = (uintptr_t)si->si_addr, page = addr & ~(uintptr_t)(PAGE - 1);
    if (!quiet)
        printf("  SIGSEGV %d code %d at buf+%#lx: pc=loop+%lu a0=buf+%#lx a1=%ld a2=%ld\n", sig,
               si->si_code, (unsigned long)(addr - (uintptr_t)buf), (unsigned long)(g[0] - loop_start),
               (unsigned long)(g[10] - (uintptr_t)buf), (long)g[11], (long)g[12]);
    switch (fix) {
    case FIX_READ:
        if (mprotect((void *)page, PAGE, PROT_READ) != 0) _exit(90);
        break;
    case FIX_REMAP:
        if (mmap((void *)page, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
            _exit(91);
        break;
    case JUMP_OUT:
        siglongjmp(env, 1);
    }
}

struct loop {
    const char *name;
    long (*fn)(const void *, long);
    long size;
};

static void fill(void) {
    for (long i = 0; i < PAGES * PAGE; i++) buf[i] = (unsigned char)(i * 7 + 3);
}

static void run(const struct loop *l, const char *what, long page, int prot) {
    fill();
    if (prot < 0) {
        if (munmap(buf + page * PAGE, PAGE) != 0) exit(2);
        fix = FIX_REMAP;
    } else {
        if (mprotect(buf + page * PAGE, PAGE, prot) != 0) exit(3);
        fix = FIX_READ;
    }
    loop_start = (uintptr_t)l->fn;
    printf(" %s page %ld:\n", what, page);
    long sum = l->fn(buf, PAGES * PAGE / l->size);
    printf("  sum %ld\n", sum);
    if (mprotect(buf, PAGES * PAGE, PROT_READ | PROT_WRITE) != 0) exit(4);
}

int main(int argc, char **argv) {
    int kill = argc > 1 && strcmp(argv[1], "kill") == 0;
    buf = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (!kill) sigaction(SIGSEGV, &sa, NULL);

    static const struct loop loops[] = {
        {"lb", sum_lb, 1}, {"lhu", sum_lhu, 2}, {"lw", sum_lw, 4}, {"ld", sum_ld, 8}};
    for (unsigned i = 0; i < sizeof loops / sizeof loops[0]; i++) {
        const struct loop *l = &loops[i];
        fill();
        long warm = 0;
        for (int r = 0; r < 300; r++) warm += l->fn(buf + (r % 8) * l->size, PAGE / l->size - 8);
        printf("%s: warm %ld, whole %ld\n", l->name, warm, l->fn(buf, PAGES * PAGE / l->size));
        fflush(stdout);
        run(l, "PROT_NONE", 2, PROT_NONE);
        run(l, "unmapped", 1, -1);
        fill();
        if (mprotect(buf + PAGE, PAGE, PROT_NONE) != 0) return 5;
        fix = JUMP_OUT;
        quiet = 1;
        int faults = 0;
        long sums = 0;
        for (int r = 0; r < 200; r++) {
            if (sigsetjmp(env, 1) == 0)
                sums += l->fn(buf + (r % 16) * l->size, PAGE / l->size + 4);
            else
                faults++;
            sums += l->fn(buf, 16);
        }
        quiet = 0;
        printf(" PROT_NONE page 1, left with siglongjmp: %d faults, sums %ld\n", faults, sums);
        if (mprotect(buf, PAGES * PAGE, PROT_READ | PROT_WRITE) != 0) return 6;
        fflush(stdout);
    }
    return 0;
}
