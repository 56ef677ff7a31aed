/* Benchmark (b): a mixed integer kernel — CRC-32, a sieve, insertion sort, integer matrix
 * multiply and a hash-table workload, like the inner loops of real programs. Exits through
 * HTIF with status 0 when the checksum matches the value the host computed. */
#include <stdint.h>

extern volatile uint64_t tohost;

static uint32_t crc32(const uint8_t *p, int n) {
    uint32_t c = 0xffffffff;
    for (int i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c;
}

static uint8_t buf[4096];
static uint8_t sieve[100000];
static int32_t arr[1500];
static int32_t ma[24][24], mb[24][24], mc[24][24];
static uint64_t table[4096];

uint64_t kernel(void) {
    uint64_t sum = 0, x = 88172645463325252ull;
    for (int i = 0; i < 4096; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; buf[i] = x; }
    for (int r = 0; r < 8; r++) sum += crc32(buf, 4096) + r;
    for (int r = 0; r < 3; r++) {
        for (int i = 0; i < 100000; i++) sieve[i] = 0;
        for (int i = 2; i * i < 100000; i++)
            if (!sieve[i]) for (int j = i * i; j < 100000; j += i) sieve[j] = 1;
        for (int i = 2; i < 100000; i++) sum += !sieve[i];
    }
    for (int i = 0; i < 1500; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; arr[i] = (int32_t)x; }
    for (int i = 1; i < 1500; i++) {
        int32_t v = arr[i]; int j = i - 1;
        while (j >= 0 && arr[j] > v) { arr[j + 1] = arr[j]; j--; }
        arr[j + 1] = v;
    }
    for (int i = 0; i < 1500; i += 7) sum += (uint32_t)arr[i];
    for (int i = 0; i < 24; i++) for (int j = 0; j < 24; j++) { ma[i][j] = i * 3 + j; mb[i][j] = i - 2 * j; }
    for (int r = 0; r < 10; r++)
        for (int i = 0; i < 24; i++)
            for (int j = 0; j < 24; j++) {
                int32_t s = 0;
                for (int k = 0; k < 24; k++) s += ma[i][k] * mb[k][j];
                mc[i][j] = s + r;
            }
    for (int i = 0; i < 24; i++) sum += (uint32_t)mc[i][i];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t k = x % 10007, h = (k * 0x9e3779b97f4a7c15ull) >> 52;
        while (table[h] && table[h] != k + 1) h = (h + 1) & 4095;
        if (table[h]) sum += h; else table[h] = k + 1;
        if ((i & 2047) == 0) for (int j = 0; j < 4096; j++) table[j] = 0;
    }
    return sum;
}

static uint64_t run(void) {
    uint64_t s = 0;
    for (int r = 0; r < 10; r++) s += kernel();
    return s;
}

#ifdef HOST
#include <stdio.h>
int main(void) { printf("%llu\n", (unsigned long long)run()); return 0; }
#else
int main(void) { return run() != EXPECTED; }
#endif
