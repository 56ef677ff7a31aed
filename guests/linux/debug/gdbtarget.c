/* The guest the GDB integration tests debug (crates/vm-cli/tests/gdb.rs): three nested calls
 * for `bt`, a global written once for `watch`, a parameter and locals to print, and a result
 * that depends on a register at `leaf`'s entry (the tests change a0 there and see the output
 * change). Built -O0 -g so every variable lives where the debug info says. */
#include <stdio.h>

int counter = 0;

long leaf(long x) {
    long local = x * 3 + 1;
    counter += 1;
    return local;
}

long middle(long x) {
    long m = leaf(x) + 2;
    return m;
}

long outer(long x) {
    return middle(x) * 2;
}

int main(int argc, char **argv) {
    long value = 5 + argc;
    long r = outer(value);
    printf("value=%ld r=%ld counter=%d\n", value, r, counter);
    return argv[0] == 0;
}
