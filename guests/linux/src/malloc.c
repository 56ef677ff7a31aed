/* malloc: deterministic churn over many sizes (tiny to multi-MiB, so both brk and mmap
 * paths), realloc grow/shrink keeping contents, calloc zeroing, memalign; checksums. */
#include "common.h"
#include <malloc.h>

#define SLOTS 2048

struct slot {
    unsigned char *p;
    size_t n;
    uint8_t tag;
};
static struct slot s[SLOTS];

static size_t pick_size(void) {
    uint64_t r = lg_rand();
    switch (r % 16) {
    case 0: return 1 + (r >> 8) % 8;
    case 1: case 2: case 3: case 4: case 5: case 6: return 1 + (r >> 8) % 128;
    case 7: case 8: case 9: case 10: return 1 + (r >> 8) % 4096;
    case 11: case 12: case 13: return 1 + (r >> 8) % 65536;
    case 14: return 100000 + (r >> 8) % 200000;
    default: return (r >> 8) % 64 == 0 ? 1 + (r >> 16) % (1 << 20) : 1 + (r >> 16) % 2000;
    }
}

static void fill(struct slot *x) {
    for (size_t i = 0; i < x->n; i++) x->p[i] = (unsigned char)(x->tag + i * 31);
}
static int check(const struct slot *x, size_t upto) {
    for (size_t i = 0; i < upto; i++)
        if (x->p[i] != (unsigned char)(x->tag + i * 31)) return 0;
    return 1;
}

int main(void) {
    lg_seed(12345);
    uint64_t sum = 0, allocs = 0, frees = 0, reallocs = 0, callocs = 0, bad = 0, usable_ok = 1;
    for (int op = 0; op < 20000; op++) {
        struct slot *x = &s[lg_rand() % SLOTS];
        uint64_t kind = lg_rand() % 10;
        if (x->p == NULL) {
            x->n = pick_size();
            x->tag = (uint8_t)lg_rand();
            if (kind < 2) {
                x->p = calloc(1, x->n);
                callocs++;
                for (size_t i = 0; i < x->n; i++) bad += x->p[i] != 0;
            } else {
                x->p = malloc(x->n);
                allocs++;
            }
            if (!x->p) {
                printf("allocation of %zu failed\n", x->n);
                return 1;
            }
            if (malloc_usable_size(x->p) < x->n) usable_ok = 0;
            fill(x);
        } else if (kind < 3) {
            size_t nn = pick_size();
            size_t keep = nn < x->n ? nn : x->n;
            x->p = realloc(x->p, nn);
            reallocs++;
            bad += !check(x, keep);
            x->n = nn;
            fill(x);
        } else {
            bad += !check(x, x->n);
            sum += lg_fnv(LG_FNV_INIT, x->p, x->n < 256 ? x->n : 256) ^ x->n;
            free(x->p);
            x->p = NULL;
            frees++;
        }
    }
    for (int i = 0; i < SLOTS; i++)
        if (s[i].p) {
            bad += !check(&s[i], s[i].n);
            free(s[i].p);
            frees++;
        }
    printf("mallocs=%llu callocs=%llu reallocs=%llu frees=%llu\n", (unsigned long long)allocs,
           (unsigned long long)callocs, (unsigned long long)reallocs, (unsigned long long)frees);
    printf("content errors: %llu\n", (unsigned long long)bad);
    printf("usable size >= requested: %s\n", usable_ok ? "yes" : "no");
    printf("checksum: %016llx\n", (unsigned long long)sum);

    /* realloc growing a single block step by step */
    unsigned char *p = NULL;
    size_t n = 0;
    int ok = 1;
    for (size_t want = 1; want <= (4 << 20); want = want * 3 / 2 + 1) {
        p = realloc(p, want);
        for (size_t i = 0; i < n; i++) ok &= p[i] == (unsigned char)(i ^ (i >> 8));
        for (size_t i = n; i < want; i++) p[i] = (unsigned char)(i ^ (i >> 8));
        n = want;
    }
    printf("realloc growth to %zu keeps contents: %s\n", n, ok ? "yes" : "no");
    p = realloc(p, 10);
    printf("realloc shrink keeps prefix: %s\n", p[9] == 9 ? "yes" : "no");
    free(p);
    printf("realloc(NULL, 16) non-null: %s\n", (p = realloc(NULL, 16)) ? "yes" : "no");
    free(p);

    /* calloc overflow, huge malloc fail */
    errno = 0;
    volatile size_t big = (size_t)1 << 40;
    void *q = calloc(big, big);
    printf("calloc overflow: %s %s\n", q ? "non-null" : "NULL", lg_errname(errno));
    errno = 0;
    q = malloc(big * big / 2 + ((size_t)-1 / 2));
    printf("malloc(huge): %s %s\n", q ? "non-null" : "NULL", lg_errname(errno));

    /* alignment */
    int aligned = 1;
    for (size_t al = 16; al <= 65536; al *= 4) {
        void *a = memalign(al, 100);
        aligned &= ((uintptr_t)a % al) == 0;
        free(a);
        void *b = NULL;
        aligned &= posix_memalign(&b, al, 1000) == 0 && ((uintptr_t)b % al) == 0;
        free(b);
        void *c = aligned_alloc(al, al * 2);
        aligned &= ((uintptr_t)c % al) == 0;
        free(c);
    }
    printf("memalign/posix_memalign/aligned_alloc aligned: %s\n", aligned ? "yes" : "no");
    int m16 = 1;
    for (int i = 1; i < 200; i++) {
        void *a = malloc(i);
        m16 &= ((uintptr_t)a % 16) == 0;
        free(a);
    }
    printf("malloc results 16-byte aligned: %s\n", m16 ? "yes" : "no");

    /* sbrk moves */
    void *b0 = sbrk(0);
    void *b1 = sbrk(65536);
    void *b2 = sbrk(0);
    printf("sbrk grows by 65536: %s\n", (b1 == b0 && (char *)b2 - (char *)b0 == 65536) ? "yes" : "no");
    memset(b1, 0xab, 65536);
    sbrk(-65536);
    printf("sbrk shrinks back: %s\n", sbrk(0) == b0 ? "yes" : "no");
    return 0;
}
