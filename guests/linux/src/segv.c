/* segv [mode]: synchronous signals recovered in handlers.
 *   (default) null-pointer reads/writes and small bad addresses caught by a SIGSEGV handler that
 *             recovers with siglongjmp, repeatedly (the mask must be restored each time);
 *   ill       SIGILL from an illegal instruction and SIGTRAP from ebreak, resumed by advancing
 *             the pc in the ucontext and returning from the handler (sigreturn);
 *   overflow  unbounded recursion overflows the stack; SIGSEGV runs on a sigaltstack. */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>

static sigjmp_buf env;
static volatile uintptr_t fault_addr;
static volatile int fault_code, fault_sig, depth_at_fault;

static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    fault_sig = sig;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    siglongjmp(env, 1);
}

static int blocked(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static void install(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void null_mode(void) {
    install(SIGSEGV, on_fault, 0);
    static const uintptr_t addrs[] = {0, 0, 8, 0x10, 0xff8, 0, 0x800};
    for (unsigned i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        volatile int *volatile ptr = (volatile int *)addrs[i];
        int write = i % 2;
        fault_sig = 0;
        if (sigsetjmp(env, 1) == 0) {
            if (write)
                *ptr = 1;
            else
                (void)*ptr;
            printf("%s %#lx: no fault\n", write ? "write" : "read", (unsigned long)addrs[i]);
        } else {
            printf("%s %#lx: sig=%d code=%s si_addr=%#lx SIGSEGV blocked after siglongjmp: %s\n",
                   write ? "write" : "read", (unsigned long)addrs[i], fault_sig,
                   fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other", (unsigned long)fault_addr,
                   blocked(SIGSEGV) ? "yes" : "no");
        }
    }
    /* calling through a null function pointer faults on instruction fetch */
    void (*volatile fn)(void) = NULL;
    if (sigsetjmp(env, 1) == 0) {
        fn();
        printf("call NULL: no fault\n");
    } else {
        printf("call NULL: sig=%d si_addr=%#lx\n", fault_sig, (unsigned long)fault_addr);
    }
    /* with savemask=0 the handler's mask (SIGSEGV blocked) stays in force after siglongjmp */
    volatile int *volatile np = NULL;
    if (sigsetjmp(env, 0) == 0) {
        (void)*np;
    } else {
        printf("sigsetjmp(env, 0): SIGSEGV still blocked: %s\n", blocked(SIGSEGV) ? "yes" : "no");
    }
}

static volatile int ill_count, trap_count;
static volatile int last_code;

static void on_resume(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    if (sig == SIGILL) ill_count++;
    if (sig == SIGTRAP) trap_count++;
    last_code = si->si_code;
#if defined(__x86_64__)
    /* resume after the faulting instruction: ud2 is 2 bytes; int3 traps after itself */
    if (sig == SIGILL) uc->uc_mcontext.gregs[REG_RIP] += 2;
#else
    /* resume after the faulting instruction; both tests use 4-byte encodings */
    uc->uc_mcontext.__gregs[REG_PC] += 4;
#endif
}

#if defined(__x86_64__)
#define ILLEGAL_THEN_ADD(out, in, a, b) \
    __asm__ volatile("lea " #a "(%1), %0\n ud2\n add $" #b ", %0\n" : "=&r"(out) : "r"(in))
#define BREAK_THEN_ADD(out, in, a, b) \
    __asm__ volatile("lea " #a "(%1), %0\n int3\n add $" #b ", %0\n" : "=&r"(out) : "r"(in))
#define ILLEGAL() __asm__ volatile("ud2" ::: "memory")
#else
#define ILLEGAL_THEN_ADD(out, in, a, b)                                                            \
    __asm__ volatile(".option push\n.option norvc\n"                                               \
                     "addi %0, %1, " #a "\n"                                                      \
                     ".4byte 0xffffffff\n" /* reserved: illegal instruction */                     \
                     "addi %0, %0, " #b "\n"                                                      \
                     ".option pop\n"                                                              \
                     : "=&r"(out)                                                                 \
                     : "r"(in))
#define BREAK_THEN_ADD(out, in, a, b)                                                              \
    __asm__ volatile(".option push\n.option norvc\n"                                               \
                     "addi %0, %1, " #a "\n"                                                      \
                     "ebreak\n"                                                                   \
                     "addi %0, %0, " #b "\n"                                                      \
                     ".option pop\n"                                                              \
                     : "=&r"(out)                                                                 \
                     : "r"(in))
#define ILLEGAL() __asm__ volatile(".4byte 0xffffffff" ::: "memory")
#endif

static void ill_mode(void) {
    install(SIGILL, on_resume, 0);
    install(SIGTRAP, on_resume, 0);
    long before = 5, after;
    ILLEGAL_THEN_ADD(after, before, 1, 10);
    printf("SIGILL handled: count=%d code=%s resumed with registers intact: %s (%ld)\n", ill_count,
           last_code == ILL_ILLOPC ? "ILL_ILLOPC" : "other", after == 16 ? "yes" : "no", after);
    BREAK_THEN_ADD(after, before, 2, 20);
    printf("SIGTRAP handled: count=%d code=%s resumed: %s (%ld)\n", trap_count,
           last_code == TRAP_BRKPT ? "TRAP_BRKPT" : "other", after == 27 ? "yes" : "no", after);
    for (int i = 0; i < 3; i++) ILLEGAL();
    printf("SIGILL count after 3 more: %d\n", ill_count);
}

static volatile int depth;
static int recurse(volatile char *prev) {
    volatile char buf[512];
    buf[0] = prev ? prev[0] + 1 : 0;
    depth++;
    if (depth > 100000000) return buf[1];
    return recurse(buf) + buf[1];
}

static void on_overflow(int sig, siginfo_t *si, void *uc) {
    (void)si;
    (void)uc;
    fault_sig = sig;
    depth_at_fault = depth;
    /* we are on the alternate stack */
    stack_t cur;
    sigaltstack(NULL, &cur);
    fault_code = (cur.ss_flags & SS_ONSTACK) != 0;
    siglongjmp(env, 1);
}

static void overflow_mode(void) {
    stack_t ss;
    ss.ss_sp = malloc(SIGSTKSZ * 4);
    ss.ss_size = SIGSTKSZ * 4;
    ss.ss_flags = 0;
    RES("sigaltstack", sigaltstack(&ss, NULL));
    install(SIGSEGV, on_overflow, SA_ONSTACK);
    if (sigsetjmp(env, 1) == 0) {
        recurse(NULL);
        printf("recursion returned?\n");
    } else {
        printf("stack overflow caught: sig=%d on alternate stack: %s deep (>1000 frames): %s\n", fault_sig,
               fault_code ? "yes" : "no", depth_at_fault > 1000 ? "yes" : "no");
    }
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("back on main stack: %s\n", (cur.ss_flags & SS_ONSTACK) ? "no" : "yes");
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "null";
    printf("segv mode %s\n", mode);
    if (!strcmp(mode, "ill"))
        ill_mode();
    else if (!strcmp(mode, "overflow"))
        overflow_mode();
    else
        null_mode();
    printf("done\n");
    return 0;
}
