/* floatio: printf %e %f %g %a (many precisions and flags) of many doubles, including zeros,
 * subnormals, extremes, infinities, NaN and halfway cases; strtod/strtof/sscanf of tricky
 * decimal and hex strings (correct rounding, ERANGE, end pointers); printf and strtod under all
 * four rounding modes; libm results in %a; float and long double formatting. */
#include "common.h"
#include <fenv.h>
#include <float.h>
#include <math.h>

static void show(double d) {
    printf("%.17g | %e | %.3e | %g | %.10g | %f | %.0f | %.2f | %a | %.3a | %+08.2f | %-10.1e|\n", d, d, d, d, d,
           fabs(d) < 1e30 ? d : 0.0, d, d, d, d, d, d);
}

static uint64_t bits(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

int main(void) {
    static const double vals[] = {0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 0.5, 1.5, 2.5, -2.5,
                                  0.125, 0.375, 1e-5, 123456789.125, 9007199254740993.0, 1e21, 1e22, 1e23,
                                  3.141592653589793, 2.718281828459045, 1e-300, 5e-324, 2.2250738585072014e-308,
                                  2.225073858507201e-308, 1.7976931348623157e308, 0.000123456, 999999.5, 9.5,
                                  0.05, 0.15, 0.25, 0.35, 1e100, 4.35, 1024.0, 65535.99999};
    printf("== printf of %zu values\n", sizeof vals / sizeof vals[0]);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) show(vals[i]);
    printf("inf/nan: %f %e %g %a %F %E %G %A\n", INFINITY, -INFINITY, NAN, INFINITY, -INFINITY, INFINITY, NAN, -NAN);
    printf("signed nan: %f %f\n", NAN, -NAN);
    printf("precision sweep of 1/3:");
    for (int p = 0; p <= 20; p += 4) printf(" %.*f", p, 1.0 / 3);
    printf("\n%%g switches: %g %g %g %g %g %g\n", 1e-4, 1e-5, 123456.0, 1234567.0, 100000.0, 1e6);
    printf("%%#g %%#x-like: %#g %#.0f %#.0e %#a\n", 1.0, 3.0, 4.0, 1.0);
    printf("width/flags: [%10.3f] [%-10.3f] [%010.3f] [% f] [%+e]\n", 3.14159, 3.14159, -3.14159, 2.0, 2.0);
    printf("float promoted: %.9g %a\n", (double)1.1f, (double)1.1f);
    printf("long double: %.30Lg %La %Le\n", 1.0L / 3, 1.0L / 3, 1e4000L);

    printf("== strtod\n");
    static const char *strs[] = {"0", "-0", "0.1", "1e400", "-1e400", "1e-400", "4.9e-324", "2.4703282292062327e-324",
                                 "2.4703282292062328e-324", "2.2250738585072011e-308", "2.2250738585072012e-308",
                                 "9007199254740993", "9007199254740992.5", "1.00000000000000011102230246251565404236316680908203125",
                                 "1.00000000000000011102230246251565404236316680908203124", "0x1.8p3", "0x.1p-4",
                                 "0x1.fffffffffffff8p0", "  -12.5e-1xyz", "+.5", "5.", ".", "e5", "inf", "-Infinity",
                                 "nan", "nan(123)", "NAN(abc)x", "1e", "1e+", "0x", "123456789012345678901234567890",
                                 "1.7976931348623158e308", "1.7976931348623159e308", "3.14159265358979323846264338327950288"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        char *end;
        errno = 0;
        double d = strtod(strs[i], &end);
        int e = errno;
        printf("strtod(\"%s\") = %a (%.17g) used=%ld errno=%s%s\n", strs[i], d, d, (long)(end - strs[i]), lg_errname(e),
               isnan(d) ? " [nan]" : "");
    }
    printf("== strtof\n");
    static const char *fstrs[] = {"0.1", "3.4028235e38", "3.4028236e38", "1e-45", "1e-46", "16777217", "1.17549435e-38"};
    for (size_t i = 0; i < sizeof fstrs / sizeof fstrs[0]; i++) {
        errno = 0;
        float f = strtof(fstrs[i], NULL);
        printf("strtof(\"%s\") = %a %.9g errno=%s\n", fstrs[i], (double)f, (double)f, lg_errname(errno));
    }
    printf("== sscanf\n");
    double a, b;
    float c;
    int k;
    char w[16];
    int n = sscanf("3.25 -1e-3 2.5e1 42 word", "%lf %lf %f %d %15s", &a, &b, &c, &k, w);
    printf("sscanf n=%d %a %a %a %d %s\n", n, a, b, (double)c, k, w);
    n = sscanf("0x1p-2,nan,inf", "%lf,%lf,%f", &a, &b, &c);
    printf("sscanf hex/nan/inf n=%d %a %f %f\n", n, a, b, (double)c);
    n = sscanf("1.5e", "%lf", &a);
    printf("sscanf \"1.5e\" n=%d\n", n);

    printf("== round trips\n");
    int rt_ok = 1;
    lg_seed(2024);
    uint64_t h = LG_FNV_INIT;
    for (int i = 0; i < 3000; i++) {
        uint64_t u = lg_rand();
        double d;
        memcpy(&d, &u, 8);
        if (isnan(d)) continue;
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        h = lg_fnv(h, buf, strlen(buf));
        if (bits(strtod(buf, NULL)) != u) rt_ok = 0;
        snprintf(buf, sizeof buf, "%a", d);
        if (bits(strtod(buf, NULL)) != u) rt_ok = 0;
        snprintf(buf, sizeof buf, "%.6e", d);
        h = lg_fnv(h, buf, strlen(buf));
    }
    printf("3000 random doubles round-trip via %%.17g and %%a: %s, text hash %016llx\n", rt_ok ? "yes" : "no",
           (unsigned long long)h);
    h = LG_FNV_INIT;
    for (int i = 0; i < 2000; i++) {
        double d = (double)(int64_t)(lg_rand() % 2000001 - 1000000) / 1000.0;
        char buf[64];
        snprintf(buf, sizeof buf, "%.2f %.1f %g", d, d, d * 1e-7);
        h = lg_fnv(h, buf, strlen(buf));
    }
    printf("2000 decimal roundings hash %016llx\n", (unsigned long long)h);

    printf("== rounding modes\n");
    static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    static const char *mnames[] = {"nearest", "upward", "downward", "towardzero"};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        volatile double x = 1.0, y = 3.0;
        double q = x / y;
        double s = sqrt(2.0 * x);
        printf("%-10s 1/3=%a sqrt2=%a %.2f %.2f %.0f %.0f strtod(0.1)=%a strtod(-0.1)=%a rint(2.5)=%g rint(-2.5)=%g "
               "lrint(2.7)=%ld\n",
               mnames[m], q, s, 1.005, -1.005, 0.5, 2.5, strtod("0.1", NULL), strtod("-0.1", NULL), rint(2.5),
               rint(-2.5), lrint(2.7));
    }
    fesetround(FE_TONEAREST);

    printf("== libm\n");
    static const double args[] = {0.5, 1.0, 2.0, 10.0, 1e-10, 100.5};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        double x = args[i];
        printf("x=%g sqrt=%a exp=%a log=%a sin=%a cos=%a atan=%a pow(x,1.5)=%a cbrt=%a\n", x, sqrt(x), exp(x), log(x),
               sin(x), cos(x), atan(x), pow(x, 1.5), cbrt(x));
    }
    printf("fma(0.1, 10, -1) = %a\n", fma(0.1, 10.0, -1.0));
    printf("fmin/fmax nan: %g %g\n", fmin(NAN, 1.0), fmax(2.0, NAN));
    printf("floor/ceil/trunc/round(-2.5): %g %g %g %g\n", floor(-2.5), ceil(-2.5), trunc(-2.5), round(-2.5));
    volatile double m39 = -3.9, e18 = 1e18, p399 = 3.99, e40 = 1e40;
    printf("conversions: (int)-3.9=%d (long)1e18=%ld (unsigned)3.99=%u (float)1e40=%g\n", (int)m39, (long)e18,
           (unsigned)p399, (double)(float)e40);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double z = 0.0;
    volatile double inf = 1.0 / z;
    printf("1/0 = %g, FE_DIVBYZERO raised: %s\n", inf, fetestexcept(FE_DIVBYZERO) ? "yes" : "no");
    feclearexcept(FE_ALL_EXCEPT);
    volatile double small = 1e-308, scale = 1e-10;
    volatile double tiny = small * scale;
    printf("underflow %g, FE_UNDERFLOW: %s FE_INEXACT: %s\n", tiny, fetestexcept(FE_UNDERFLOW) ? "yes" : "no",
           fetestexcept(FE_INEXACT) ? "yes" : "no");
    return 0;
}
