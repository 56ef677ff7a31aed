/* intkernel: CoreMark-like integer work. Each iteration runs, on data seeded by the iteration
 * number: linked-list ops (build, find, reverse, merge sort), 16-bit matrix ops (add constant,
 * multiply, multiply by constant, bit extraction), a number-parsing state machine, and CRC-16
 * over all results. Prints one FNV checksum. ITERS scales the run time. */
#include "common.h"
#include <string.h>

#ifndef ITERS
#define ITERS 24000
#endif

#define LIST_N 256
#define MAT_N 24
#define SM_LEN 512

struct node { struct node *next; uint16_t idx; int16_t val; };
static struct node pool[LIST_N];

static uint16_t crc16_u16(uint16_t v, uint16_t crc) {
    for (int b = 0; b < 16; b++) {
        unsigned x = ((v >> b) ^ crc) & 1;
        crc >>= 1;
        if (x) crc ^= 0xA001;
    }
    return crc;
}

static struct node *list_build(uint64_t *s) {
    struct node *head = 0;
    for (int i = 0; i < LIST_N; i++) {
        pool[i].idx = (uint16_t)i;
        pool[i].val = (int16_t)(rng_next(s) & 0x7fff);
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static struct node *list_reverse(struct node *l) {
    struct node *prev = 0;
    while (l) { struct node *n = l->next; l->next = prev; prev = l; l = n; }
    return prev;
}

static struct node *list_find(struct node *l, int16_t val) {
    while (l && l->val != val) l = l->next;
    return l;
}

static int cmp_node(const struct node *a, const struct node *b, int by_val) {
    if (by_val) return a->val != b->val ? (a->val < b->val ? -1 : 1) : (int)a->idx - (int)b->idx;
    return (int)a->idx - (int)b->idx;
}

/* bottom-up merge sort (CoreMark's core_list_mergesort shape) */
static struct node *list_sort(struct node *list, int by_val) {
    int insize = 1;
    for (;;) {
        struct node *p = list, *tail = 0;
        int nmerges = 0;
        list = 0;
        while (p) {
            nmerges++;
            struct node *q = p;
            int psize = 0;
            for (int i = 0; i < insize && q; i++) { psize++; q = q->next; }
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                struct node *e;
                if (psize == 0) { e = q; q = q->next; qsize--; }
                else if (qsize == 0 || !q) { e = p; p = p->next; psize--; }
                else if (cmp_node(p, q, by_val) <= 0) { e = p; p = p->next; psize--; }
                else { e = q; q = q->next; qsize--; }
                if (tail) tail->next = e; else list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (nmerges <= 1) return list;
        insize *= 2;
    }
}

static uint16_t list_bench(uint64_t *s, uint16_t crc) {
    struct node *l = list_build(s);
    for (int i = 0; i < 32; i++) {
        struct node *f = list_find(l, pool[(i * 37) % LIST_N].val);
        crc = crc16_u16(f ? f->idx : 0xffff, crc);
        f = list_find(l, (int16_t)(i * 1000));
        crc = crc16_u16(f ? f->idx : 0xffff, crc);
    }
    l = list_reverse(l);
    l = list_sort(l, 1);
    for (struct node *p = l; p; p = p->next) crc = crc16_u16((uint16_t)p->val ^ p->idx, crc);
    l = list_sort(l, 0);
    l = list_reverse(l);
    crc = crc16_u16(l->idx, crc);
    return crc;
}

static int16_t ma[MAT_N * MAT_N], mb[MAT_N * MAT_N];
static int32_t mc[MAT_N * MAT_N];

static uint16_t matrix_bench(uint64_t *s, uint16_t crc) {
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        uint64_t r = rng_next(s);
        ma[i] = (int16_t)(r & 0x3ff) - 512;
        mb[i] = (int16_t)((r >> 16) & 0x3ff) - 512;
    }
    int16_t k = (int16_t)(rng_next(s) & 0xff);
    for (int i = 0; i < MAT_N * MAT_N; i++) ma[i] = (int16_t)(ma[i] + k);           /* add const */
    for (int i = 0; i < MAT_N * MAT_N; i++) mc[i] = (int32_t)ma[i] * k;             /* mul const */
    uint32_t acc = 0;
    for (int i = 0; i < MAT_N * MAT_N; i++) acc += (uint32_t)mc[i];
    for (int i = 0; i < MAT_N; i++)                                                   /* mat * vec */
    {
        int32_t sum = 0;
        for (int j = 0; j < MAT_N; j++) sum += (int32_t)ma[i * MAT_N + j] * mb[j];
        mc[i] = sum;
    }
    for (int i = 0; i < MAT_N; i++) acc += (uint32_t)mc[i];
    for (int i = 0; i < MAT_N; i++)                                                   /* mat * mat */
        for (int j = 0; j < MAT_N; j++) {
            int32_t sum = 0;
            for (int x = 0; x < MAT_N; x++) sum += (int32_t)ma[i * MAT_N + x] * mb[x * MAT_N + j];
            mc[i * MAT_N + j] = sum;
        }
    for (int i = 0; i < MAT_N * MAT_N; i++) acc += (uint32_t)mc[i];
    for (int i = 0; i < MAT_N; i++)                                                   /* bit extract */
        for (int j = 0; j < MAT_N; j++) {
            int32_t sum = 0;
            for (int x = 0; x < MAT_N; x++) {
                int32_t t = (int32_t)ma[i * MAT_N + x] * mb[x * MAT_N + j];
                sum += ((t >> 2) & 0xf) * ((t >> 5) & 0x7f);
            }
            mc[i * MAT_N + j] = sum;
        }
    for (int i = 0; i < MAT_N * MAT_N; i++) acc += (uint32_t)mc[i];
    crc = crc16_u16((uint16_t)acc, crc);
    return crc16_u16((uint16_t)(acc >> 16), crc);
}

enum { S_START, S_INT, S_FLOAT, S_EXP, S_SCI, S_INVALID, S_COUNT };

static int sm_step(const char **p, unsigned counts[S_COUNT]) {
    int state = S_START;
    for (; **p && **p != ','; (*p)++) {
        char c = **p;
        int digit = c >= '0' && c <= '9';
        switch (state) {
        case S_START:
            if (digit) state = S_INT;
            else if (c == '+' || c == '-') state = S_INT;
            else if (c == '.') state = S_FLOAT;
            else state = S_INVALID;
            break;
        case S_INT:
            if (c == '.') state = S_FLOAT;
            else if (!digit) state = S_INVALID;
            break;
        case S_FLOAT:
            if (c == 'e' || c == 'E') state = S_EXP;
            else if (!digit) state = S_INVALID;
            break;
        case S_EXP:
            if (c == '+' || c == '-' || digit) state = S_SCI;
            else state = S_INVALID;
            break;
        case S_SCI:
            if (!digit) state = S_INVALID;
            break;
        default: break;
        }
        counts[state]++;
    }
    if (**p) (*p)++;
    return state;
}

static char sm_buf[SM_LEN + 1];

static uint16_t state_bench(uint64_t *s, uint16_t crc) {
    static const char alphabet[] = "0123456789012345678901234567890123456789+-.eE,,,,x";
    for (int i = 0; i < SM_LEN; i++) sm_buf[i] = alphabet[rng_next(s) % (sizeof alphabet - 1)];
    sm_buf[SM_LEN] = 0;
    unsigned counts[S_COUNT] = {0}, finals[S_COUNT] = {0};
    for (int pass = 0; pass < 2; pass++) {
        const char *p = sm_buf;
        while (*p) finals[sm_step(&p, counts)]++;
        for (int i = 0; i < SM_LEN; i += 7) sm_buf[i] ^= 1; /* corrupt, like CoreMark */
    }
    for (int i = 0; i < S_COUNT; i++) {
        crc = crc16_u16((uint16_t)counts[i], crc);
        crc = crc16_u16((uint16_t)finals[i], crc);
    }
    return crc;
}

int main(void) {
    uint64_t h = FNV_INIT;
    uint16_t crc = 0;
    for (uint32_t it = 0; it < ITERS; it++) {
        uint64_t s = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)it * 0x100000001ULL + 1);
        crc = list_bench(&s, crc);
        crc = matrix_bench(&s, crc);
        crc = state_bench(&s, crc);
        h = fnv_mix(h, crc);
    }
    print_checksum("intkernel", h);
    return 0;
}
