/* crash [segv|ill]: dies of an unhandled signal inside a named function (crash_poke,
 * crash_illegal), so `vm run` prints its crash report (`vm: ` lines on stderr naming the
 * function) and ends with the death status, 128 + N, as under QEMU. */
#include "common.h"

int *volatile crash_target; /* NULL, read at run time so the compiler cannot see the fault */

__attribute__((noinline)) void crash_poke(int value) {
    *crash_target = value;
}

__attribute__((noinline)) void crash_illegal(void) {
#if defined(__riscv)
    __asm__ volatile("unimp");
#else
    __builtin_trap(); /* ud2 on x86-64 (the native and accel comparisons build this too) */
#endif
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "segv";
    printf("crashing: %s\n", mode);
    fflush(stdout);
    if (!strcmp(mode, "ill"))
        crash_illegal();
    else
        crash_poke(42);
    printf("still alive?\n");
    return 0;
}
