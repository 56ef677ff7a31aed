/* The embedded demo guest of `cargo run --release`: a bare-metal RV64GC program that
 * prints through the HTIF console, computes a few things with integer and floating-point
 * code, and exits 0 if every self-check passed. */
#include <stdint.h>

extern volatile uint64_t tohost, fromhost;

static void putc_(char c) {
    tohost = (1ull << 56) | (1ull << 48) | (uint8_t)c;
    while (tohost != 0) {
    }
}

static void puts_(const char *s) {
    while (*s) putc_(*s++);
}

static void putu(uint64_t v) {
    char buf[24];
    int i = 0;
    do { buf[i++] = '0' + v % 10; v /= 10; } while (v);
    while (i) putc_(buf[--i]);
}

static int failures;

static void check(const char *what, uint64_t got, uint64_t want) {
    puts_(what);
    puts_(" = ");
    putu(got);
    if (got != want) { puts_("  (WRONG, expected "); putu(want); puts_(")"); failures++; }
    putc_('\n');
}

int main(void) {
    puts_("Hello from a RISC-V RV64GC guest running on vm!\n");

    /* Primes below 1000 with a sieve. */
    static uint8_t composite[1000];
    uint64_t primes = 0;
    for (int i = 2; i < 1000; i++) {
        if (composite[i]) continue;
        primes++;
        for (int j = i * i; j < 1000; j += i) composite[j] = 1;
    }
    check("primes below 1000", primes, 168);

    /* Fibonacci with 64-bit wrap-around arithmetic. */
    uint64_t a = 0, b = 1;
    for (int i = 0; i < 90; i++) { uint64_t t = a + b; a = b; b = t; }
    check("fib(90)", a, 2880067194370816120ull);

    /* Integer division edge cases the spec defines. */
    volatile int64_t zero = 0, minus1 = -1, min = INT64_MIN;
    check("7 / 0 (all ones)", (uint64_t)(7 / zero), UINT64_MAX);
    check("INT64_MIN / -1 == INT64_MIN", (uint64_t)(min / minus1) == (uint64_t)INT64_MIN, 1);

    /* A small ASCII Mandelbrot set in double precision. */
    puts_("\n");
    uint64_t inside = 0;
    for (int y = -10; y <= 10; y++) {
        for (int x = -30; x <= 14; x++) {
            double cr = x / 15.0, ci = y / 8.0, zr = 0, zi = 0;
            int n = 0;
            while (n < 50 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                n++;
            }
            inside += n == 50;
            putc_(n == 50 ? '#' : n > 8 ? '+' : n > 3 ? '.' : ' ');
        }
        putc_('\n');
    }
    check("points inside the set", inside, INSIDE_EXPECTED);
    puts_(failures ? "demo: some checks FAILED\n" : "demo: all checks passed\n");
    return failures;
}
