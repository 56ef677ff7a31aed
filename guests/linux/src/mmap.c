/* mmap: anonymous private/shared mappings, write/read patterns, munmap, mprotect to read-only
 * and PROT_NONE with a SIGSEGV handler that observes the fault (si_code, si_addr) and recovers
 * with siglongjmp, MAP_FIXED, mremap, madvise(DONTNEED), file mappings and msync, errors. */
#include "common.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

static sigjmp_buf env;
static volatile void *fault_addr;
static volatile int fault_code, faults;

static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    (void)sig;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    faults++;
    siglongjmp(env, 1);
}

static const char *code_name(int c) {
    return c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SEGV_ACCERR ? "SEGV_ACCERR" : "other";
}

/* Try a read (write=0) or write (write=1) at p; report whether it faulted and how. */
static void probe(const char *label, volatile char *p, int write) {
    fault_addr = NULL;
    fault_code = 0;
    if (sigsetjmp(env, 1) == 0) {
        if (write)
            *p = 42;
        else
            (void)*p;
        printf("%s: no fault\n", label);
    } else {
        printf("%s: SIGSEGV %s, si_addr matches: %s\n", label, code_name(fault_code),
               fault_addr == (void *)p ? "yes" : "no");
    }
}

static uint64_t sum(const unsigned char *p, size_t n) {
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) s = s * 131 + p[i];
    return s;
}

int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    printf("page size: %ld\n", pg);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    size_t len = 16 * pg;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap anon: %s, page aligned: %s\n", p == MAP_FAILED ? "failed" : "ok", ((uintptr_t)p % pg) ? "no" : "yes");
    int zero = 1;
    for (size_t i = 0; i < len; i++) zero &= p[i] == 0;
    printf("initially zero: %s\n", zero ? "yes" : "no");
    for (size_t i = 0; i < len; i++) p[i] = (unsigned char)(i * 13 + (i >> 12));
    printf("pattern sum: %016llx\n", (unsigned long long)sum(p, len));
    uint64_t *w = (uint64_t *)p;
    for (size_t i = 0; i < len / 8; i++) w[i] ^= 0x0123456789abcdefULL * i;
    printf("xor sum: %016llx\n", (unsigned long long)sum(p, len));

    probe("read mapped page", (char *)p + 5 * pg, 0);
    RES("munmap page 5", munmap(p + 5 * pg, pg));
    probe("read unmapped page 5", (char *)p + 5 * pg + 123, 0);
    probe("read page 6 still mapped", (char *)p + 6 * pg, 0);

    RES("mprotect page 2 read-only", mprotect(p + 2 * pg, pg, PROT_READ));
    probe("read read-only page", (char *)p + 2 * pg + 7, 0);
    probe("write read-only page", (char *)p + 2 * pg + 7, 1);
    probe("write page 3 (still RW)", (char *)p + 3 * pg, 1);
    RES("mprotect page 2 PROT_NONE", mprotect(p + 2 * pg, pg, PROT_NONE));
    probe("read PROT_NONE page", (char *)p + 2 * pg + 8, 0);
    RES("mprotect page 2 back to RW", mprotect(p + 2 * pg, pg, PROT_READ | PROT_WRITE));
    probe("write after restoring RW", (char *)p + 2 * pg + 9, 1);
    printf("value written: %d\n", p[2 * pg + 9]);
    RES("mprotect unaligned", mprotect(p + 1, pg, PROT_READ));
    printf("faults handled: %d\n", faults);

    /* MAP_FIXED over pages 8..9 gives fresh zero pages */
    unsigned char keep7 = p[8 * pg - 1], keep10 = p[10 * pg];
    void *f = mmap(p + 8 * pg, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED at requested address: %s, zeroed: %s\n", f == p + 8 * pg ? "yes" : "no",
           (p[8 * pg] == 0 && p[10 * pg - 1] == 0) ? "yes" : "no");
    printf("neighbouring pages kept: %s\n", (p[8 * pg - 1] == keep7 && p[10 * pg] == keep10) ? "yes" : "no");

    /* madvise DONTNEED on private anon -> zero */
    p[12 * pg] = 99;
    RES("madvise DONTNEED", madvise(p + 12 * pg, pg, MADV_DONTNEED));
    printf("after DONTNEED reads zero: %s\n", p[12 * pg] == 0 ? "yes" : "no");

    /* mremap grow with MAYMOVE keeps content */
    unsigned char *r = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(r, 0x5a, 2 * pg);
    unsigned char *r2 = mremap(r, 2 * pg, 64 * pg, MREMAP_MAYMOVE);
    printf("mremap grow: %s, content kept: %s, new tail zero: %s\n", r2 == MAP_FAILED ? "failed" : "ok",
           (r2 != MAP_FAILED && r2[0] == 0x5a && r2[2 * pg - 1] == 0x5a) ? "yes" : "no",
           (r2 != MAP_FAILED && r2[63 * pg] == 0) ? "yes" : "no");
    munmap(r2, 64 * pg);

    /* a big sparse mapping */
    size_t big = 256u << 20;
    unsigned char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    uint64_t bs = 0;
    for (size_t off = 0; off < big; off += 1 << 20) b[off + (off >> 20)] = (unsigned char)(off >> 20);
    for (size_t off = 0; off < big; off += 1 << 20) bs += b[off + (off >> 20)];
    printf("256MiB sparse mapping sum: %llu\n", (unsigned long long)bs);
    munmap(b, big);

    /* shared anonymous mapping is shared with a forked child */
    volatile int *sh = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *pv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sh[0] = 1;
    pv[0] = 1;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        sh[0] = 1234;
        pv[0] = 5678;
        _exit(0);
    }
    int status;
    waitpid(c, &status, 0);
    printf("MAP_SHARED sees child write: %s, MAP_PRIVATE does not: %s\n", sh[0] == 1234 ? "yes" : "no",
           pv[0] == 1 ? "yes" : "no");

    /* file mapping */
    char path[256];
    snprintf(path, sizeof path, "/tmp/lg-mmap-%d", (int)getpid());
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    for (int i = 0; i < 3 * pg; i++) {
        char ch = (char)('a' + i % 26);
        write(fd, &ch, 1);
    }
    char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("file map: \"%.10s\" at page 2: \"%.5s\"\n", m, m + 2 * pg);
    memcpy(m + 100, "MAPPED", 6);
    RES("msync", msync(m, 3 * pg, MS_SYNC));
    char rb[8] = {0};
    pread(fd, rb, 6, 100);
    printf("pread sees mapped write: %s\n", rb);
    char *m2 = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, pg);
    printf("offset mapping: \"%.5s\"\n", m2);
    munmap(m, 3 * pg);
    munmap(m2, pg);
    close(fd);
    unlink(path);

    errno = 0;
    void *e = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap length 0: %s %s\n", e == MAP_FAILED ? "MAP_FAILED" : "mapped", lg_errname(errno));
    errno = 0;
    e = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 12345, 0);
    printf("mmap bad fd: %s %s\n", e == MAP_FAILED ? "MAP_FAILED" : "mapped", lg_errname(errno));
    RES("munmap unaligned", munmap(p + 1, pg));
    RES("munmap whole", munmap(p, len));
    probe("read after munmap", (char *)p, 0);
    printf("faults handled: %d\n", faults);
    return 0;
}
