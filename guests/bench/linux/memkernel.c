/* memkernel: memory-bound work over ~56 MB. STREAM-style copy/scale/add/triad over three 8 MB
 * arrays of uint64 (well beyond cache), then pointer chasing through a single random cycle
 * (Sattolo permutation) of 4M uint32 indices (16 MB), i.e. one dependent cache/TLB miss per
 * step, then a strided histogram update. REPS and CHASE_STEPS scale the run time. */
#include "common.h"
#include <stdlib.h>

#ifndef REPS
#define REPS 12
#endif
#ifndef CHASE_STEPS
#define CHASE_STEPS 10000000u
#endif
#define STREAM_N (1u << 20)      /* 1M uint64 = 8 MB per array */
#define CHASE_N (1u << 22)       /* 4M uint32 = 16 MB */
#define HIST_N (1u << 22)        /* 4M uint32 = 16 MB */

int main(void) {
    uint64_t *a = malloc(STREAM_N * sizeof *a), *b = malloc(STREAM_N * sizeof *b),
             *c = malloc(STREAM_N * sizeof *c);
    uint32_t *next = malloc(CHASE_N * sizeof *next), *hist = calloc(HIST_N, sizeof *hist);
    if (!a || !b || !c || !next || !hist) { puts("out of memory"); return 1; }
    uint64_t s = 42, h = FNV_INIT;

    for (uint32_t i = 0; i < STREAM_N; i++) { a[i] = i; b[i] = (uint64_t)i * 3 + 1; c[i] = 0; }
    for (int r = 0; r < REPS; r++) {
        uint64_t k = (uint64_t)r + 3;
        for (uint32_t i = 0; i < STREAM_N; i++) c[i] = a[i];               /* copy */
        for (uint32_t i = 0; i < STREAM_N; i++) b[i] = k * c[i];           /* scale */
        for (uint32_t i = 0; i < STREAM_N; i++) c[i] = a[i] + b[i];        /* add */
        for (uint32_t i = 0; i < STREAM_N; i++) a[i] = b[i] + k * c[i];    /* triad */
        uint64_t sum = 0;
        for (uint32_t i = 0; i < STREAM_N; i++) sum += a[i] ^ (i * 0x9E37u);
        h = fnv_mix(h, sum);
    }

    /* Sattolo's algorithm: a uniformly random single cycle over all CHASE_N slots */
    for (uint32_t i = 0; i < CHASE_N; i++) next[i] = i;
    for (uint32_t i = CHASE_N - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(rng_next(&s) % i);
        uint32_t t = next[i]; next[i] = next[j]; next[j] = t;
    }
    uint32_t p = 0;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < CHASE_STEPS; i++) { p = next[p]; acc += p; }
    h = fnv_mix(h, acc);
    h = fnv_mix(h, p);

    /* scattered read-modify-write */
    for (uint32_t i = 0; i < CHASE_STEPS / 2; i++) {
        uint32_t idx = (uint32_t)(rng_next(&s) >> 32) & (HIST_N - 1);
        hist[idx] += i;
    }
    uint64_t hs = 0;
    for (uint32_t i = 0; i < HIST_N; i += 97) hs += hist[i];
    h = fnv_mix(h, hs);

    print_checksum("memkernel", h);
    free(a); free(b); free(c); free(next); free(hist);
    return 0;
}
