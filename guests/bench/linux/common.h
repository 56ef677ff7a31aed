/* Shared helpers for the benchmark kernels: fixed-seed PRNG and FNV-1a mixing.
 * Everything is unsigned / well defined so riscv64 and x86-64 builds agree bit for bit. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>

static inline uint64_t rng_next(uint64_t *s) { /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t fnv_mix(uint64_t h, uint64_t v) {
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

static inline void print_checksum(const char *name, uint64_t h) {
    printf("%s checksum %016llx\n", name, (unsigned long long)h);
}
#endif
