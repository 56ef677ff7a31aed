/* A freestanding static-pie guest for the ELF loader tests: Debian's riscv64 glibc has no
 * static-pie support (no rcrt1.o), so this one brings its own _start and raw system calls.
 * It writes each argument on its own line and exits with argc. Only pc-relative addressing,
 * so it needs no self-relocation. */
typedef unsigned long u64;

static long sys3(long n, long a, long b, long c) {
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

__attribute__((used)) static void start_c(u64 *sp) {
    long argc = (long)sp[0];
    char **argv = (char **)(sp + 1);
    for (long i = 0; i < argc; i++) {
        u64 n = 0;
        while (argv[i][n])
            n++;
        sys3(64 /* write */, 1, (long)argv[i], (long)n);
        sys3(64, 1, (long)"\n", 1);
    }
    sys3(94 /* exit_group */, argc, 0, 0);
    for (;;) {
    }
}

__asm__(".globl _start\n"
        "_start:\n"
        "  mv a0, sp\n"
        "  andi sp, sp, -16\n"
        "  call start_c\n");
