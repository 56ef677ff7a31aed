/* signals: raise(SIGUSR1), kill(getpid(), SIGUSR2), sigqueue, siginfo fields, sigprocmask
 * blocking then unblocking delivers (standard signals coalesce, real-time ones queue in order),
 * sigpending, SIG_IGN, SA_RESETHAND, SA_NODEFER, handler masks, sigsuspend with an interval
 * timer, a timer interrupting a busy loop, EINTR from a blocked read, sigwaitinfo, SIGCHLD,
 * and signal(). */
#include "common.h"
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

static volatile int count[65];
static volatile int last_code, last_pid_is_self, last_value;
static volatile int order[16], norder;
static volatile int mask_had_self, nested_depth, max_nested;

static void handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    count[sig]++;
    last_code = si->si_code;
    last_pid_is_self = si->si_pid == getpid();
    last_value = si->si_value.sival_int;
    if (norder < 16) order[norder++] = sig >= SIGRTMIN ? 100 + si->si_value.sival_int : sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    mask_had_self = sigismember(&cur, sig);
}

static void nodefer_handler(int sig) {
    nested_depth++;
    if (nested_depth > max_nested) max_nested = nested_depth;
    if (nested_depth < 3) raise(sig);
    nested_depth--;
}

static void plain(int sig) { count[sig]++; }

static void install(int sig, int flags, int extra_mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (extra_mask) sigaddset(&sa.sa_mask, SIGWINCH);
    sigaction(sig, &sa, NULL);
}

static const char *code(int c) {
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TIMER: return "SI_TIMER";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "other";
    }
}

static void block(int sig, int how) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

int main(void) {
    install(SIGUSR1, 0, 1);
    install(SIGUSR2, 0, 0);
    RES("raise(SIGUSR1)", raise(SIGUSR1));
    /* (sa_mask members are not checked inside the handler: QEMU 7.2 does not report them as
     * blocked there, unlike Linux, so the oracle would be wrong.) */
    printf("SIGUSR1 handled %d time(s), si_code=%s, self blocked in handler: %s\n", count[SIGUSR1],
           code(last_code), mask_had_self ? "yes" : "no");
    RES("kill(getpid(), SIGUSR2)", kill(getpid(), SIGUSR2));
    printf("SIGUSR2 handled %d time(s), si_code=%s, si_pid is self: %s\n", count[SIGUSR2], code(last_code),
           last_pid_is_self ? "yes" : "no");
    union sigval v = {.sival_int = 77};
    RES("sigqueue(SIGUSR1, 77)", sigqueue(getpid(), SIGUSR1, v));
    printf("SIGUSR1 handled %d time(s), si_code=%s, value=%d\n", count[SIGUSR1], code(last_code), last_value);

    /* blocking defers delivery; unblocking delivers before sigprocmask returns */
    block(SIGUSR1, SIG_BLOCK);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("while blocked: handled %d, pending SIGUSR1: %s, pending SIGUSR2: %s\n", count[SIGUSR1],
           sigismember(&pend, SIGUSR1) ? "yes" : "no", sigismember(&pend, SIGUSR2) ? "yes" : "no");
    block(SIGUSR1, SIG_UNBLOCK);
    printf("after unblock: handled %d (two raises coalesce into one delivery)\n", count[SIGUSR1]);
    sigpending(&pend);
    printf("pending SIGUSR1 after unblock: %s\n", sigismember(&pend, SIGUSR1) ? "yes" : "no");
    block(SIGUSR1, SIG_BLOCK);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("three kills while blocked: handled %d\n", count[SIGUSR1]);
    block(SIGUSR1, SIG_UNBLOCK);
    printf("after unblock: handled %d (coalesced)\n", count[SIGUSR1]);

    /* real-time signals queue and are delivered in order; lower numbers first */
    int rt1 = SIGRTMIN + 1, rt2 = SIGRTMIN + 2;
    install(rt1, 0, 0);
    install(rt2, 0, 0);
    sigset_t rts;
    sigemptyset(&rts);
    sigaddset(&rts, rt1);
    sigaddset(&rts, rt2);
    sigprocmask(SIG_BLOCK, &rts, NULL);
    norder = 0;
    for (int i = 1; i <= 3; i++) {
        v.sival_int = 20 + i;
        sigqueue(getpid(), rt2, v);
        v.sival_int = 10 + i;
        sigqueue(getpid(), rt1, v);
    }
    sigprocmask(SIG_UNBLOCK, &rts, NULL);
    printf("real-time delivery order:");
    for (int i = 0; i < norder; i++) printf(" %d", order[i]);
    printf("\n");

    /* SIG_IGN discards */
    int before = count[SIGUSR2];
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored SIGUSR2 not handled: %s\n", count[SIGUSR2] == before ? "yes" : "no");
    struct sigaction old;
    sigaction(SIGUSR2, NULL, &old);
    printf("sigaction query says SIG_IGN: %s\n", old.sa_handler == SIG_IGN ? "yes" : "no");

    /* SA_RESETHAND: first delivery resets to SIG_DFL (SIGWINCH default is ignore) */
    install(SIGWINCH, SA_RESETHAND, 0);
    raise(SIGWINCH);
    raise(SIGWINCH);
    sigaction(SIGWINCH, NULL, &old);
    printf("SA_RESETHAND: handled %d, now SIG_DFL: %s\n", count[SIGWINCH], old.sa_handler == SIG_DFL ? "yes" : "no");

    /* SA_NODEFER allows nesting */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nodefer_handler;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("SA_NODEFER max nesting: %d\n", max_nested);

    /* interval timer + sigsuspend */
    signal(SIGALRM, plain);
    block(SIGALRM, SIG_BLOCK);
    struct itimerval it = {{0, 0}, {0, 10000}};
    setitimer(ITIMER_REAL, &it, NULL);
    sigset_t empty;
    sigemptyset(&empty);
    errno = 0;
    int r = sigsuspend(&empty);
    printf("sigsuspend returned %d %s, SIGALRM handled: %d\n", r, lg_errname(errno), count[SIGALRM]);
    block(SIGALRM, SIG_UNBLOCK);

    /* an interval timer interrupts a busy loop (a compiled loop must come back for it) */
    static volatile int spins_done;
    signal(SIGALRM, plain);
    int alarms = count[SIGALRM];
    it.it_value.tv_usec = 20000;
    setitimer(ITIMER_REAL, &it, NULL);
    while (count[SIGALRM] == alarms) spins_done++;
    printf("busy loop interrupted by SIGALRM: %d\n", count[SIGALRM] - alarms);

    /* a signal without SA_RESTART interrupts a blocking read with EINTR */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sigaction(SIGALRM, &sa, NULL);
    int p[2];
    pipe(p);
    it.it_value.tv_usec = 20000;
    setitimer(ITIMER_REAL, &it, NULL);
    char c;
    errno = 0;
    ssize_t n = read(p[0], &c, 1);
    printf("blocking read interrupted: %zd %s, SIGALRM handled: %d\n", n, lg_errname(errno), count[SIGALRM]);
    close(p[0]);
    close(p[1]);

    /* sigwaitinfo takes a blocked pending signal synchronously */
    block(SIGUSR2, SIG_BLOCK);
    v.sival_int = 5;
    sigqueue(getpid(), SIGUSR2, v);
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGUSR2);
    siginfo_t si;
    r = sigwaitinfo(&w, &si);
    printf("sigwaitinfo: %d signo=%d code=%s value=%d\n", r, si.si_signo, code(si.si_code), si.si_value.sival_int);
    struct timespec ts = {0, 1000000};
    errno = 0;
    r = sigtimedwait(&w, &si, &ts);
    printf("sigtimedwait with nothing pending: %d %s\n", r, lg_errname(errno));
    block(SIGUSR2, SIG_UNBLOCK);

    /* SIGCHLD when a child exits */
    install(SIGCHLD, 0, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(3);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    printf("child exited %d, SIGCHLD handled: %d code=%s\n", WEXITSTATUS(st), count[SIGCHLD],
           last_code == CLD_EXITED ? "CLD_EXITED" : "other");

    /* invalid arguments */
    RES("kill invalid signal", kill(getpid(), 1000));
    RES("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
    RES("kill(getpid(), 0)", kill(getpid(), 0));
    return 0;
}
