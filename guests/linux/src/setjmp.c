/* setjmp: nested setjmp/longjmp across recursive frames, longjmp(…, 0) returning 1, volatile
 * locals surviving, jumps out of several levels at once, and sigsetjmp/siglongjmp restoring
 * (or not) the signal mask. */
#include "common.h"
#include <setjmp.h>
#include <signal.h>

static jmp_buf bufs[8];
static int trace[64], ntrace;

static void note(int v) { trace[ntrace++] = v; }

/* Level k sets bufs[k] then recurses; the deepest level jumps back to `target`. */
static void level(int k, int deepest, int target) {
    volatile int local = k * 100;
    int r = setjmp(bufs[k]);
    if (r == 0) {
        note(k);
        if (k == deepest) longjmp(bufs[target], 1000 + k);
        level(k + 1, deepest, target);
        note(-99); /* never reached: the jump skips it */
    } else {
        note(r);
        note(local);
        if (k > 0) longjmp(bufs[k - 1], r + 1); /* unwind one level at a time */
    }
}

static int fib_jump(jmp_buf *jb, int n) {
    if (n < 2) longjmp(*jb, n + 1);
    if (n > 1000) return 0;
    return fib_jump(jb, n - 1) + fib_jump(jb, n - 2);
}

static int blocked(int sig) {
    sigset_t s;
    sigprocmask(SIG_BLOCK, NULL, &s);
    return sigismember(&s, sig);
}

int main(void) {
    level(0, 5, 3);
    printf("trace:");
    for (int i = 0; i < ntrace; i++) printf(" %d", trace[i]);
    printf("\n");

    jmp_buf jb;
    volatile int count = 0;
    int r = setjmp(jb);
    count++;
    if (count < 5) longjmp(jb, count * 10);
    printf("setjmp re-entered %d times, last value %d\n", count, r);

    r = setjmp(jb);
    if (r == 0) longjmp(jb, 0);
    printf("longjmp(jb, 0) makes setjmp return %d\n", r);

    r = setjmp(jb);
    if (r == 0) fib_jump(&jb, 20);
    printf("jump out of deep recursion returned %d\n", r);

    /* floating point and callee-saved registers survive */
    volatile double d = 1.5;
#if defined(__x86_64__)
    register long s1 __asm__("rbx") = 77; /* callee-saved */
#else
    register long s1 __asm__("s1") = 77;
#endif
    __asm__ volatile("" : "+r"(s1));
    r = setjmp(jb);
    if (r == 0) {
        d = d * 3;
        longjmp(jb, 1);
    }
    printf("volatile double after longjmp: %g\n", d);

    /* sigsetjmp(…, 1) restores the mask; sigsetjmp(…, 0) does not */
    sigjmp_buf sj;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (sigsetjmp(sj, 1) == 0) {
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        printf("blocked before siglongjmp: %s\n", blocked(SIGUSR1) ? "yes" : "no");
        siglongjmp(sj, 1);
    }
    printf("after siglongjmp (savemask=1) blocked: %s\n", blocked(SIGUSR1) ? "yes" : "no");
    if (sigsetjmp(sj, 0) == 0) {
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        siglongjmp(sj, 1);
    }
    printf("after siglongjmp (savemask=0) blocked: %s\n", blocked(SIGUSR1) ? "yes" : "no");
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    /* _setjmp/_longjmp */
    if (_setjmp(jb) == 0) _longjmp(jb, 7);
    printf("_setjmp/_longjmp ok\n");
    return 0;
}
