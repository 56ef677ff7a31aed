/* alloc: compute- and allocation-heavy work (binary trees: build, check and free many trees
 * with malloc/free, plus a hash over the results). Prints a checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

struct node { struct node *l, *r; uint32_t v; };

static struct node *build(int depth, uint32_t seed) {
    struct node *n = malloc(sizeof *n);
    n->v = seed * 2654435761u;
    if (depth > 0) {
        n->l = build(depth - 1, seed * 2 + 1);
        n->r = build(depth - 1, seed * 2 + 2);
    } else {
        n->l = n->r = 0;
    }
    return n;
}

static uint64_t check(const struct node *n) {
    if (!n->l) return n->v;
    return (n->v ^ (check(n->l) * 31 + check(n->r))) + 1;
}

static void release(struct node *n) {
    if (n->l) { release(n->l); release(n->r); }
    free(n);
}

int main(void) {
    uint64_t sum = 0;
    struct node *keep = build(18, 7);
    for (int round = 0; round < 160; round++) {
        for (int d = 4; d <= 16; d += 4) {
            int iters = 1 << (16 - d);
            for (int i = 0; i < iters; i++) {
                struct node *t = build(d, (uint32_t)(round * 1000 + i));
                sum = sum * 1099511628211u + check(t);
                release(t);
            }
        }
    }
    sum ^= check(keep);
    release(keep);
    printf("alloc checksum %016llx\n", (unsigned long long)sum);
    return 0;
}
