/* Test program for the RV64GC decoder/disassembler comparison test.
 * Its only purpose is to pull in a large, varied slice of glibc (printf, math,
 * strings, qsort, setjmp, FP conversions) so the static binary exercises many
 * instruction encodings. */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <fenv.h>

static jmp_buf env;
static _Atomic long counter;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void jump_back(int v) { longjmp(env, v); }

__attribute__((noinline)) static float fmix(float a, float b, float c)
{
    return fmaf(a, b, c) + sqrtf(fabsf(a - b)) / (c + 1.0f);
}

__attribute__((noinline)) static double dmix(double a, double b, double c)
{
    return fma(a, b, -c) - sqrt(fabs(a * b)) + copysign(a, -b) + fmin(a, c) + fmax(b, c);
}

int main(int argc, char **argv)
{
    double v[32];
    char buf[256];
    for (int i = 0; i < 32; i++)
        v[i] = sin(i * 0.7 + argc) * exp(i / 10.0) + log1p(i) + pow(1.1, i);
    qsort(v, 32, sizeof v[0], cmp_double);
    for (int i = 0; i < 32; i++)
        printf("%d %.6f %g %e %a\n", i, v[i], (float)v[i], v[i] * 1e10, v[i]);
    snprintf(buf, sizeof buf, "%s-%ld-%lu-%x", argv[0], (long)argc * 12345678901L,
             (unsigned long)strlen(argv[0]), (unsigned)argc);
    puts(buf);
    printf("%zu %d %s\n", strlen(buf), strcmp(buf, "x"), strstr(buf, "-") ? "y" : "n");
    char *dup = strdup(buf);
    memmove(dup + 1, dup, 10);
    printf("%s %ld %lld %f\n", dup, strtol("1234", 0, 10), atoll("99999999999"), strtod("3.25", 0));
    free(dup);
    atomic_fetch_add(&counter, argc);
    atomic_fetch_or(&counter, 4);
    long old = atomic_exchange(&counter, 7);
    printf("%ld %ld\n", old, atomic_load(&counter));
    if (setjmp(env) == 0)
        jump_back(3);
    float f = fmix((float)argc, 2.5f, 0.25f);
    double d = dmix((double)argc, 2.5, (double)f);
    long l = lrint(d) + (long)f + (unsigned)d + llround(f);
    fesetround(FE_TOWARDZERO);
    printf("%f %f %ld %d %f %f\n", f, d, l, (int)nearbyint(d), cbrt(d), atan2(d, f));
    fesetround(FE_TONEAREST);
    printf("%f %f %f\n", tgamma(d), erf(d), hypot(d, f));
    return 0;
}
