/* getpid: the system-call round trip. Calls getpid through syscall(2) N times (default
 * 200000) and prints the mean time per call measured inside the program. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    struct timespec a, b;
    long sum = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) sum += syscall(SYS_getpid);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    printf("getpid: %ld calls, %.3f us per call (pid sum parity %ld)\n", n, ns / n / 1000.0, sum & 1);
    return 0;
}
