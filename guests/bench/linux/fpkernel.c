/* fpkernel: double-precision work. A 5-body gravitational simulation (sqrt per pair, the
 * benchmarks-game n-body) and a dense matrix multiply with a sqrt-normalisation pass. Built with
 * -ffp-contract=off so no fused multiply-add changes rounding between riscv64 and x86-64; only
 * sqrt (correctly rounded everywhere) is used from libm. The checksum hashes the exact bits of
 * the results. STEPS and MM_REPS scale the run time. */
#include "common.h"
#include <math.h>
#include <string.h>

#ifndef STEPS
#define STEPS 8000000
#endif
#ifndef MM_REPS
#define MM_REPS 40
#endif
#define MM_N 160

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

struct body { double x, y, z, vx, vy, vz, mass; };

static struct body bodies[5] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};

static void advance(int n, double dt) {
    for (int i = 0; i < n; i++) {
        struct body *a = &bodies[i];
        for (int j = i + 1; j < n; j++) {
            struct body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            a->vx -= dx * b->mass * mag; a->vy -= dy * b->mass * mag; a->vz -= dz * b->mass * mag;
            b->vx += dx * a->mass * mag; b->vy += dy * a->mass * mag; b->vz += dz * a->mass * mag;
        }
    }
    for (int i = 0; i < n; i++) {
        bodies[i].x += dt * bodies[i].vx;
        bodies[i].y += dt * bodies[i].vy;
        bodies[i].z += dt * bodies[i].vz;
    }
}

static double energy(int n) {
    double e = 0;
    for (int i = 0; i < n; i++) {
        struct body *a = &bodies[i];
        e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
        for (int j = i + 1; j < n; j++) {
            struct body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            e -= a->mass * b->mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void offset_momentum(int n) {
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < n; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

static double A[MM_N * MM_N], B[MM_N * MM_N], C[MM_N * MM_N];

static uint64_t matmul_bench(uint64_t h) {
    uint64_t s = 12345;
    for (int i = 0; i < MM_N * MM_N; i++) {
        A[i] = (double)(rng_next(&s) >> 11) * 0x1p-53 - 0.5;
        B[i] = (double)(rng_next(&s) >> 11) * 0x1p-53 - 0.5;
    }
    for (int rep = 0; rep < MM_REPS; rep++) {
        for (int i = 0; i < MM_N; i++) {
            for (int j = 0; j < MM_N; j++) C[i * MM_N + j] = 0;
            for (int k = 0; k < MM_N; k++) {
                double a = A[i * MM_N + k];
                for (int j = 0; j < MM_N; j++) C[i * MM_N + j] += a * B[k * MM_N + j];
            }
        }
        /* normalise each row of C by its Euclidean norm and feed it back as A */
        for (int i = 0; i < MM_N; i++) {
            double n2 = 0;
            for (int j = 0; j < MM_N; j++) n2 += C[i * MM_N + j] * C[i * MM_N + j];
            double inv = 1.0 / sqrt(n2 + 1e-300);
            for (int j = 0; j < MM_N; j++) A[i * MM_N + j] = C[i * MM_N + j] * inv;
        }
        h = fnv_mix(h, dbits(C[rep * 7 % (MM_N * MM_N)]));
    }
    double tr = 0;
    for (int i = 0; i < MM_N; i++) tr += A[i * MM_N + i];
    return fnv_mix(h, dbits(tr));
}

int main(void) {
    uint64_t h = FNV_INIT;
    offset_momentum(5);
    double e0 = energy(5);
    for (int i = 0; i < STEPS; i++) advance(5, 0.01);
    double e1 = energy(5);
    printf("nbody energy %.9f -> %.9f\n", e0, e1);
    h = fnv_mix(h, dbits(e0));
    h = fnv_mix(h, dbits(e1));
    for (int i = 0; i < 5; i++) h = fnv_mix(h, dbits(bodies[i].x));
    h = matmul_bench(h);
    print_checksum("fpkernel", h);
    return 0;
}
