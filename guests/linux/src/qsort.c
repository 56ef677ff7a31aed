/* qsort: sort deterministic pseudo-random data (integers, doubles, strings, structs) with qsort,
 * verify order, print checksums and first/last elements; bsearch hits and misses. */
#include "common.h"

#define N 50000

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}
static int cmp_i64_desc(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x < y) - (x > y);
}
static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

struct rec {
    int key;
    int seq;
    char name[12];
};
static int cmp_rec(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    if (x->key != y->key) return x->key - y->key;
    return x->seq - y->seq; /* total order -> deterministic result */
}

static uint32_t u[N];
static int64_t s64[N];
static double d[N];
static struct rec recs[5000];

int main(void) {
    lg_seed(42);
    for (int i = 0; i < N; i++) u[i] = (uint32_t)(lg_rand() >> 32);
    qsort(u, N, sizeof u[0], cmp_u32);
    int ok = 1;
    uint64_t ck = 0;
    for (int i = 0; i < N; i++) {
        if (i && u[i - 1] > u[i]) ok = 0;
        ck = ck * 1000003 + u[i];
    }
    printf("u32: n=%d sorted=%s first=%u last=%u median=%u checksum=%016llx\n", N, ok ? "yes" : "no", u[0], u[N - 1],
           u[N / 2], (unsigned long long)ck);
    int hits = 0, misses = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t key = i % 2 ? u[(i * 7919) % N] : (uint32_t)(lg_rand() >> 32);
        if (bsearch(&key, u, N, sizeof u[0], cmp_u32))
            hits++;
        else
            misses++;
    }
    printf("bsearch: hits=%d misses=%d\n", hits, misses);

    for (int i = 0; i < N; i++) s64[i] = (int64_t)lg_rand() % 1000; /* many duplicates, negatives */
    qsort(s64, N, sizeof s64[0], cmp_i64_desc);
    ok = 1;
    ck = 0;
    for (int i = 0; i < N; i++) {
        if (i && s64[i - 1] < s64[i]) ok = 0;
        ck = ck * 31 + (uint64_t)s64[i];
    }
    printf("i64 desc with duplicates: sorted=%s first=%lld last=%lld checksum=%016llx\n", ok ? "yes" : "no",
           (long long)s64[0], (long long)s64[N - 1], (unsigned long long)ck);

    for (int i = 0; i < N; i++) d[i] = ((double)(lg_rand() >> 11) / 9007199254740992.0 - 0.5) * 1e6;
    qsort(d, N, sizeof d[0], cmp_dbl);
    ok = 1;
    double sum = 0;
    for (int i = 0; i < N; i++) {
        if (i && d[i - 1] > d[i]) ok = 0;
        sum += d[i] * (i % 7);
    }
    printf("double: sorted=%s first=%.6f last=%.6f weighted sum=%.6e\n", ok ? "yes" : "no", d[0], d[N - 1], sum);

    /* strings */
    static char pool[20000][9];
    static char *sp[20000];
    for (int i = 0; i < 20000; i++) {
        int len = 1 + (int)(lg_rand() % 8);
        for (int j = 0; j < len; j++) pool[i][j] = (char)('a' + lg_rand() % 6);
        pool[i][len] = 0;
        sp[i] = pool[i];
    }
    qsort(sp, 20000, sizeof sp[0], cmp_str);
    ok = 1;
    uint64_t h = LG_FNV_INIT;
    for (int i = 0; i < 20000; i++) {
        if (i && strcmp(sp[i - 1], sp[i]) > 0) ok = 0;
        h = lg_fnv(h, sp[i], strlen(sp[i]) + 1);
    }
    printf("strings: sorted=%s first=%s last=%s [10000]=%s hash=%016llx\n", ok ? "yes" : "no", sp[0], sp[19999], sp[10000],
           (unsigned long long)h);

    /* structs: 20-byte elements exercise the generic swap path */
    for (int i = 0; i < 5000; i++) {
        recs[i].key = (int)(lg_rand() % 100);
        recs[i].seq = i;
        snprintf(recs[i].name, sizeof recs[i].name, "r%d", i);
    }
    qsort(recs, 5000, sizeof recs[0], cmp_rec);
    h = LG_FNV_INIT;
    for (int i = 0; i < 5000; i++) h = lg_fnv(h, recs[i].name, strlen(recs[i].name));
    printf("structs: first=%s(key %d) last=%s(key %d) hash=%016llx\n", recs[0].name, recs[0].key, recs[4999].name,
           recs[4999].key, (unsigned long long)h);

    /* edge cases */
    uint32_t one = 5;
    qsort(&one, 1, sizeof one, cmp_u32);
    qsort(&one, 0, sizeof one, cmp_u32);
    uint32_t sorted[100], rev[100];
    for (int i = 0; i < 100; i++) sorted[i] = i, rev[i] = 99 - i;
    qsort(sorted, 100, 4, cmp_u32);
    qsort(rev, 100, 4, cmp_u32);
    printf("edge: single=%u presorted ok=%s reversed ok=%s\n", one, sorted[57] == 57 ? "yes" : "no",
           rev[0] == 0 && rev[99] == 99 ? "yes" : "no");
    return 0;
}
