/* syscalls: system-call-heavy loop. Each of CALLS/3 rounds makes three raw system calls via
 * syscall(2), so libc caching and the vDSO are bypassed on every engine: getpid, write of 16
 * bytes to /dev/null, and clock_gettime(CLOCK_MONOTONIC). The checksum covers only values that
 * are deterministic: pid stability, bytes written, clock monotonicity. CALLS scales the run. */
#include "common.h"
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef CALLS
#define CALLS 4500000
#endif

int main(void) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) { puts("cannot open /dev/null"); return 1; }
    static const char buf[16] = "0123456789abcdef";
    long pid0 = syscall(SYS_getpid);
    uint64_t same_pid = 0, written = 0, monotonic = 0, errors = 0;
    struct timespec prev = {0, 0};
    for (long i = 0; i < CALLS / 3; i++) {
        long pid = syscall(SYS_getpid);
        same_pid += pid == pid0;
        long n = syscall(SYS_write, fd, buf, (size_t)(1 + (i & 15)));
        if (n < 0) errors++; else written += (uint64_t)n;
        struct timespec ts;
        if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0) errors++;
        if (ts.tv_sec > prev.tv_sec || (ts.tv_sec == prev.tv_sec && ts.tv_nsec >= prev.tv_nsec))
            monotonic++;
        prev = ts;
    }
    close(fd);
    uint64_t h = fnv_mix(FNV_INIT, same_pid);
    h = fnv_mix(h, written);
    h = fnv_mix(h, monotonic);
    h = fnv_mix(h, errors);
    printf("syscalls: %llu rounds, %llu bytes written, %llu errors\n",
           (unsigned long long)(CALLS / 3), (unsigned long long)written,
           (unsigned long long)errors);
    print_checksum("syscalls", h);
    return 0;
}
