/* branchy: a bytecode interpreter (switch dispatch) running a small register-VM program whose
 * control flow depends on pseudo-random data, so both the dispatch jump and the guest branches
 * are hard to predict. The program runs OUTER rounds of: generate a random value with an LCG,
 * classify it through a chain of conditional jumps, update a histogram in VM memory, and
 * sometimes call a small subroutine (collatz steps). ROUNDS scales the run time. */
#include "common.h"

#ifndef ROUNDS
#define ROUNDS 9000000
#endif

enum op {
    OP_LI, OP_MOV, OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_AND, OP_SHR, OP_SHL, OP_ADDI,
    OP_LOAD, OP_STORE, OP_JMP, OP_JZ, OP_JNZ, OP_JLT, OP_CALL, OP_RET, OP_HALT, OP_ODD,
};

struct insn { uint8_t op, a, b, c; int32_t imm; };

#define MEM_N 64
static uint64_t mem[MEM_N];

/* registers: r0 round counter, r1 lcg state, r2 value, r3 scratch, r4 acc, r5 const, r6 tmp,
 * r7 collatz n, r8 collatz steps */
static const struct insn prog[] = {
    /* 0 */ {OP_LI, 0, 0, 0, ROUNDS},
    /* 1 */ {OP_LI, 1, 0, 0, 12345},
    /* 2 */ {OP_LI, 4, 0, 0, 0},
    /* loop: */
    /* 3 */ {OP_LI, 5, 0, 0, 1103515245},
    /* 4 */ {OP_MUL, 1, 1, 5, 0},
    /* 5 */ {OP_ADDI, 1, 1, 0, 12345},
    /* 6 */ {OP_SHR, 2, 1, 0, 33},          /* r2 = r1 >> 33 */
    /* 7 */ {OP_LI, 5, 0, 0, 7},
    /* 8 */ {OP_AND, 3, 2, 5, 0},           /* r3 = r2 & 7 */
    /* 9 */ {OP_JZ, 3, 0, 0, 20},           /* class 0 -> 20 */
    /*10 */ {OP_ODD, 6, 2, 0, 0},           /* r6 = r2 & 1 */
    /*11 */ {OP_JNZ, 6, 0, 0, 16},          /* odd -> 16 */
    /*12 */ {OP_LI, 5, 0, 0, 4},
    /*13 */ {OP_JLT, 3, 5, 0, 24},          /* even, r3 < 4 -> 24 */
    /*14 */ {OP_XOR, 4, 4, 2, 0},           /* acc ^= r2 */
    /*15 */ {OP_JMP, 0, 0, 0, 26},
    /*16 */ {OP_ADD, 4, 4, 3, 0},           /* odd: acc += r3 */
    /*17 */ {OP_LI, 5, 0, 0, 5},
    /*18 */ {OP_JLT, 3, 5, 0, 26},
    /*19 */ {OP_CALL, 0, 0, 0, 35},         /* odd & r3 >= 5: collatz */
    /*20 */ {OP_SHL, 6, 4, 0, 1},           /* class 0: acc = (acc << 1) - r2 */
    /*21 */ {OP_SUB, 4, 6, 2, 0},
    /*22 */ {OP_JMP, 0, 0, 0, 26},
    /*23 */ {OP_HALT, 0, 0, 0, 0},
    /*24 */ {OP_MUL, 4, 4, 5, 0},           /* even small: acc *= 4 */
    /*25 */ {OP_ADDI, 4, 4, 0, 1},
    /* hist: mem[r2 & 63] += 1 */
    /*26 */ {OP_LI, 5, 0, 0, MEM_N - 1},
    /*27 */ {OP_AND, 6, 2, 5, 0},
    /*28 */ {OP_LOAD, 3, 6, 0, 0},
    /*29 */ {OP_ADDI, 3, 3, 0, 1},
    /*30 */ {OP_STORE, 3, 6, 0, 0},
    /*31 */ {OP_ADDI, 0, 0, 0, -1},
    /*32 */ {OP_JNZ, 0, 0, 0, 3},
    /*33 */ {OP_HALT, 0, 0, 0, 0},
    /*34 */ {OP_HALT, 0, 0, 0, 0},
    /* collatz(r2 & 255 | 1) for at most 12 steps, steps added to acc */
    /*35 */ {OP_LI, 5, 0, 0, 255},
    /*36 */ {OP_AND, 7, 2, 5, 0},
    /*37 */ {OP_ADDI, 7, 7, 0, 1},
    /*38 */ {OP_LI, 8, 0, 0, 12},
    /*39 */ {OP_ODD, 6, 7, 0, 0},
    /*40 */ {OP_JZ, 6, 0, 0, 46},
    /*41 */ {OP_LI, 5, 0, 0, 3},           /* odd: n = 3n + 1 */
    /*42 */ {OP_MUL, 7, 7, 5, 0},
    /*43 */ {OP_ADDI, 7, 7, 0, 1},
    /*44 */ {OP_JMP, 0, 0, 0, 47},
    /*45 */ {OP_HALT, 0, 0, 0, 0},
    /*46 */ {OP_SHR, 7, 7, 0, 1},           /* even: n /= 2 */
    /*47 */ {OP_ADD, 4, 4, 7, 0},
    /*48 */ {OP_ADDI, 8, 8, 0, -1},
    /*49 */ {OP_JNZ, 8, 0, 0, 39},
    /*50 */ {OP_RET, 0, 0, 0, 0},
};

static uint64_t run(const struct insn *code, uint64_t *steps_out) {
    uint64_t r[16] = {0};
    uint32_t stack[16];
    int sp = 0;
    uint32_t pc = 0;
    uint64_t steps = 0;
    for (;;) {
        const struct insn *in = &code[pc++];
        steps++;
        switch (in->op) {
        case OP_LI: r[in->a] = (uint64_t)(int64_t)in->imm; break;
        case OP_MOV: r[in->a] = r[in->b]; break;
        case OP_ADD: r[in->a] = r[in->b] + r[in->c]; break;
        case OP_SUB: r[in->a] = r[in->b] - r[in->c]; break;
        case OP_MUL: r[in->a] = r[in->b] * r[in->c]; break;
        case OP_XOR: r[in->a] = r[in->b] ^ r[in->c]; break;
        case OP_AND: r[in->a] = r[in->b] & r[in->c]; break;
        case OP_SHR: r[in->a] = r[in->b] >> (in->imm & 63); break;
        case OP_SHL: r[in->a] = r[in->b] << (in->imm & 63); break;
        case OP_ADDI: r[in->a] = r[in->b] + (uint64_t)(int64_t)in->imm; break;
        case OP_LOAD: r[in->a] = mem[r[in->b] % MEM_N]; break;
        case OP_STORE: mem[r[in->b] % MEM_N] = r[in->a]; break;
        case OP_JMP: pc = (uint32_t)in->imm; break;
        case OP_JZ: if (r[in->a] == 0) pc = (uint32_t)in->imm; break;
        case OP_JNZ: if (r[in->a] != 0) pc = (uint32_t)in->imm; break;
        case OP_JLT: if (r[in->a] < r[in->b]) pc = (uint32_t)in->imm; break;
        case OP_CALL: stack[sp++ & 15] = pc; pc = (uint32_t)in->imm; break;
        case OP_RET: pc = stack[--sp & 15]; break;
        case OP_ODD: r[in->a] = r[in->b] & 1; break;
        case OP_HALT: *steps_out = steps; return r[4];
        default: *steps_out = steps; return ~0ULL;
        }
    }
}

int main(void) {
    uint64_t steps = 0;
    uint64_t acc = run(prog, &steps);
    uint64_t h = fnv_mix(FNV_INIT, acc);
    h = fnv_mix(h, steps);
    for (int i = 0; i < MEM_N; i++) h = fnv_mix(h, mem[i]);
    printf("branchy executed %llu bytecode ops\n", (unsigned long long)steps);
    print_checksum("branchy", h);
    return 0;
}
