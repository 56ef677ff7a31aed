/* A tiny Linux guest for the ELF loader tests (crates/vm-linux/tests/real_guests.rs): prints
 * its arguments and a few auxv values, so the same binary also serves end-to-end runs. */
#include <stdio.h>
#include <sys/auxv.h>

int main(int argc, char **argv) {
    printf("hello from %s\n", argc > 0 ? argv[0] : "(no argv[0])");
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    printf("AT_PAGESZ = %lu\n", getauxval(AT_PAGESZ));
    printf("AT_HWCAP = %#lx\n", getauxval(AT_HWCAP));
    return 0;
}
