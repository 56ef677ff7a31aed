/* dispatch: a bytecode interpreter with a switch dispatch (compiled to a jump table), the shape
 * hybrid mode compiles into one region with the dispatch's indirect jump turned into a host
 * jump table. Phase 1 runs a few opcodes long enough for the region to be compiled; phase 2
 * then uses opcodes that phase 1 never ran, so the compiled dispatch meets targets outside its
 * table and must leave through the lookup path, and phase 3 returns to the first program.
 * Prints the machine state after each phase. */
#include <stdint.h>
#include <stdio.h>

enum { LI, ADD, SUB, MUL, XOR, SHR, AND, JNZ, DEC, ST, LD, ROT, NEG, OR, SWAP, HALT };

struct insn { uint8_t op, a, b, c; int32_t imm; };

static uint64_t mem[16];

static uint64_t run(const struct insn *prog, uint64_t *r) {
    uint64_t steps = 0;
    for (const struct insn *pc = prog;; pc++) {
        steps++;
        switch (pc->op) {
        case LI: r[pc->a] = (uint64_t)(int64_t)pc->imm; break;
        case ADD: r[pc->a] = r[pc->b] + r[pc->c]; break;
        case SUB: r[pc->a] = r[pc->b] - r[pc->c]; break;
        case MUL: r[pc->a] = r[pc->b] * r[pc->c]; break;
        case XOR: r[pc->a] = r[pc->b] ^ r[pc->c]; break;
        case SHR: r[pc->a] = r[pc->b] >> (pc->imm & 63); break;
        case AND: r[pc->a] = r[pc->b] & r[pc->c]; break;
        case JNZ: if (r[pc->a]) pc = prog + pc->imm - 1; break;
        case DEC: r[pc->a]--; break;
        case ST: mem[r[pc->b] & 15] = r[pc->a]; break;
        case LD: r[pc->a] = mem[r[pc->b] & 15]; break;
        case ROT: r[pc->a] = r[pc->b] << 7 | r[pc->b] >> 57; break;
        case NEG: r[pc->a] = -r[pc->b]; break;
        case OR: r[pc->a] = r[pc->b] | r[pc->c]; break;
        case SWAP: { uint64_t t = r[pc->a]; r[pc->a] = r[pc->b]; r[pc->b] = t; } break;
        case HALT: return steps;
        }
    }
}

/* r0 counter, r1 state, r2 multiplier, r3 scratch, r4 acc */
static const struct insn first[] = {
    {LI, 0, 0, 0, 40000}, {LI, 1, 0, 0, 12345}, {LI, 2, 0, 0, 1103515245}, {LI, 4, 0, 0, 0},
    /* 4: */ {MUL, 1, 1, 2, 0}, {SHR, 3, 1, 0, 17}, {XOR, 4, 4, 3, 0}, {ADD, 4, 4, 1, 0},
    {ST, 4, 3, 0, 0}, {DEC, 0, 0, 0, 0}, {JNZ, 0, 0, 0, 4}, {HALT, 0, 0, 0, 0},
};

static const struct insn second[] = {
    {LI, 0, 0, 0, 30000}, {LI, 5, 0, 0, 0x5555}, {LI, 4, 0, 0, 7},
    /* 3: */ {ROT, 4, 4, 0, 0}, {NEG, 3, 4, 0, 0}, {OR, 4, 4, 5, 0}, {SWAP, 3, 4, 0, 0},
    {LD, 6, 0, 0, 0}, {SUB, 4, 4, 6, 0}, {AND, 5, 5, 4, 0}, {DEC, 0, 0, 0, 0},
    {JNZ, 0, 0, 0, 3}, {HALT, 0, 0, 0, 0},
};

static void show(const char *phase, uint64_t steps, const uint64_t *r) {
    uint64_t sum = 0;
    for (int i = 0; i < 16; i++) sum = sum * 31 + mem[i];
    printf("%s: %llu steps, r1=%016llx r3=%016llx r4=%016llx r5=%016llx mem=%016llx\n", phase,
           (unsigned long long)steps, (unsigned long long)r[1], (unsigned long long)r[3],
           (unsigned long long)r[4], (unsigned long long)r[5], (unsigned long long)sum);
}

int main(void) {
    uint64_t r[8] = {0};
    show("first", run(first, r), r);
    show("second", run(second, r), r);
    show("first again", run(first, r), r);
    return 0;
}
