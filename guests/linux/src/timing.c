/* timing: clocks and sleeps, printing only booleans: CLOCK_MONOTONIC never goes backwards,
 * nanosleep/clock_nanosleep/usleep of 10 ms take at least 10 ms, realtime clocks agree with
 * time()/gettimeofday(), clock_getres is sane, CPU-time clocks work, bad arguments fail. */
#include "common.h"
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

static int64_t ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void) {
    int mono_ok = 1, fields_ok = 1;
    int64_t prev = ns(CLOCK_MONOTONIC);
    for (int i = 0; i < 2000; i++) {
        struct timespec t;
        if (clock_gettime(CLOCK_MONOTONIC, &t) != 0) mono_ok = 0;
        if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000) fields_ok = 0;
        int64_t now = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
        if (now < prev) mono_ok = 0;
        prev = now;
    }
    CHECK("monotonic non-decreasing over 2000 reads", mono_ok);
    CHECK("tv_nsec in range", fields_ok);

    int64_t t0 = ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 10 * 1000 * 1000}, rem = {9, 9};
    int r = nanosleep(&req, &rem);
    int64_t t1 = ns(CLOCK_MONOTONIC);
    CHECK("nanosleep(10ms) returned 0", r == 0);
    CHECK("nanosleep(10ms) elapsed >= 10ms", t1 - t0 >= 10000000);
    CHECK("nanosleep(10ms) elapsed < 5s", t1 - t0 < 5000000000LL);

    t0 = ns(CLOCK_MONOTONIC);
    r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
    t1 = ns(CLOCK_MONOTONIC);
    CHECK("clock_nanosleep relative 10ms elapsed >= 10ms", r == 0 && t1 - t0 >= 10000000);

    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 10000000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_nsec -= 1000000000;
        abs.tv_sec++;
    }
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    t1 = ns(CLOCK_MONOTONIC);
    CHECK("clock_nanosleep absolute reached deadline", r == 0 && t1 >= (int64_t)abs.tv_sec * 1000000000 + abs.tv_nsec);

    t0 = ns(CLOCK_MONOTONIC);
    usleep(10000);
    t1 = ns(CLOCK_MONOTONIC);
    CHECK("usleep(10000) elapsed >= 10ms", t1 - t0 >= 10000000);

    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    time_t tt = time(NULL);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    CHECK("realtime after 2020", rt.tv_sec > 1577836800);
    CHECK("time() within 2s of CLOCK_REALTIME", tt - rt.tv_sec >= -2 && tt - rt.tv_sec <= 2);
    CHECK("gettimeofday within 2s of CLOCK_REALTIME", tv.tv_sec - rt.tv_sec >= -2 && tv.tv_sec - rt.tv_sec <= 2);
    CHECK("gettimeofday usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);

    struct timespec res;
    r = clock_getres(CLOCK_MONOTONIC, &res);
    CHECK("clock_getres(MONOTONIC) ok, 0 < res <= 1ms", r == 0 && res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
    r = clock_getres(CLOCK_REALTIME, &res);
    CHECK("clock_getres(REALTIME) ok", r == 0);

    int64_t c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
    volatile uint64_t x = 0;
    for (int i = 0; i < 2000000; i++) x += i;
    int64_t c1 = ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK("process CPU time non-decreasing", c1 >= c0);
    int64_t th = ns(CLOCK_THREAD_CPUTIME_ID);
    CHECK("thread CPU time non-negative", th >= 0);
    int64_t bt = ns(CLOCK_BOOTTIME);
    CHECK("CLOCK_BOOTTIME positive", bt > 0);
    int64_t mr = ns(CLOCK_MONOTONIC_RAW), mc = ns(CLOCK_MONOTONIC_COARSE);
    CHECK("MONOTONIC_RAW and MONOTONIC_COARSE positive", mr > 0 && mc > 0);
    CHECK("clock() non-negative", clock() >= 0);
    struct tms tm;
    CHECK("times() succeeds", times(&tm) != (clock_t)-1);

    req.tv_sec = 0;
    req.tv_nsec = 1000000000;
    errno = 0;
    r = nanosleep(&req, NULL);
    printf("nanosleep with tv_nsec=1e9: %d %s\n", r, lg_errname(errno));
    errno = 0;
    r = clock_gettime((clockid_t)1234, &rt);
    printf("clock_gettime bad clock: %d %s\n", r, lg_errname(errno));
    req.tv_nsec = 0;
    r = nanosleep(&req, NULL);
    printf("nanosleep zero: %d\n", r);

    /* gmtime of a fixed instant is pure computation */
    time_t fixed = 1700000000;
    struct tm g;
    gmtime_r(&fixed, &g);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %j", &g);
    printf("gmtime(1700000000): %s\n", buf);
    return 0;
}
