/* misalign: misaligned loads and stores of every width in hot loops, within a page and across
 * page boundaries, integer and floating point. RISC-V Linux lets user code make them (the
 * hardware or the kernel's trap handler completes them), and QEMU makes them directly; a
 * translator must give the same bytes and not fall off its fast path for good. Prints a
 * checksum of what it loaded and of the buffer it stored into. On RISC-V each access is one
 * instruction (inline asm, so the compiler cannot split it into byte accesses); elsewhere
 * (the x86-64 build the accelerated-mode tests run) memcpy does the same little-endian access. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define ROUNDS 20000

#if defined(__riscv)
#define LOAD(insn, type, p)                                                                     \
    ({                                                                                          \
        type v_;                                                                                \
        __asm__ volatile(insn " %0, 0(%1)" : "=r"(v_) : "r"(p));                              \
        v_;                                                                                     \
    })
#define LOADF(insn, type, p)                                                                    \
    ({                                                                                          \
        type v_;                                                                                \
        __asm__ volatile(insn " %0, 0(%1)" : "=f"(v_) : "r"(p));                              \
        v_;                                                                                     \
    })
#define STORE(insn, v, p) __asm__ volatile(insn " %0, 0(%1)" ::"r"(v), "r"(p) : "memory")
#define STOREF(insn, v, p) __asm__ volatile(insn " %0, 0(%1)" ::"f"(v), "r"(p) : "memory")
#define LD(p) LOAD("ld", int64_t, p)
#define LW(p) LOAD("lw", int64_t, p)
#define LH(p) LOAD("lh", int64_t, p)
#define LWU(p) LOAD("lwu", uint64_t, p)
#define FLD(p) LOADF("fld", double, p)
#define FLW(p) LOADF("flw", float, p)
#define SD(v, p) STORE("sd", (uint64_t)(v), p)
#define SW(v, p) STORE("sw", (uint64_t)(v), p)
#define SH(v, p) STORE("sh", (uint64_t)(v), p)
#define FSD(v, p) STOREF("fsd", v, p)
#define FSW(v, p) STOREF("fsw", v, p)
#else
#define LOAD(type, p)                                                                           \
    ({                                                                                          \
        type v_;                                                                                \
        memcpy(&v_, (p), sizeof v_);                                                            \
        v_;                                                                                     \
    })
#define LD(p) LOAD(int64_t, p)
#define LW(p) ((int64_t)LOAD(int32_t, p))
#define LH(p) ((int64_t)LOAD(int16_t, p))
#define LWU(p) ((uint64_t)LOAD(uint32_t, p))
#define FLD(p) LOAD(double, p)
#define FLW(p) LOAD(float, p)
#define STORE(type, v, p)                                                                       \
    do {                                                                                        \
        type v_ = (type)(v);                                                                    \
        memcpy((p), &v_, sizeof v_);                                                            \
    } while (0)
#define SD(v, p) STORE(uint64_t, v, p)
#define SW(v, p) STORE(uint32_t, v, p)
#define SH(v, p) STORE(uint16_t, v, p)
#define FSD(v, p) STORE(double, v, p)
#define FSW(v, p) STORE(float, v, p)
#endif

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL; }

int main(void) {
    /* Two pages, so that some accesses straddle the boundary between them. */
    unsigned char *buf = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) return 1;
    for (int i = 0; i < 8192; i++) buf[i] = (unsigned char)(i * 13 + 7);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int r = 0; r < ROUNDS; r++) {
        /* Offsets 4096 - 12 .. 4096 + 12 straddle the page boundary for the wider accesses. */
        int base = (r & 1) ? 4096 - 12 : 1 + (r % 61);
        for (int i = 0; i < 24; i++) {
            unsigned char *p = buf + base + i;
            int64_t d = LD(p), w = LW(p + 1), s = LH(p + 3);
            uint64_t ud = LWU(p + 2);
            double fd = FLD(p + 5);
            float fs = FLW(p + 6);
            uint64_t fdb, fsb = 0;
            memcpy(&fdb, &fd, 8);
            memcpy(&fsb, &fs, 4);
            h = mix(mix(mix(mix(mix(mix(h, (uint64_t)d), (uint64_t)w), (uint64_t)s), ud), fdb), fsb);
            uint64_t v = h ^ (uint64_t)r;
            SD(v, p + 7);
            SW(v >> 7, p + 9);
            SH(v >> 13, p + 11);
            FSD(fd, p + 13);
            FSW(fs, p + 19);
        }
    }
    uint64_t m = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 8192; i++) m = mix(m, buf[i]);
    printf("misalign loads %016llx buffer %016llx\n", (unsigned long long)h, (unsigned long long)m);
    return 0;
}
