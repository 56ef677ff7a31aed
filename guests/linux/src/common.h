/* Shared helpers for the Linux user-mode guest tests. Everything printed must be
 * deterministic: no addresses, pids, times or environment-dependent values. */
#ifndef LG_COMMON_H
#define LG_COMMON_H
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* xorshift64* with a fixed seed: the same sequence on every run. */
static uint64_t lg_rng_state = 0x9E3779B97F4A7C15ULL;
static inline void lg_seed(uint64_t s) { lg_rng_state = s ? s : 1; }
static inline uint64_t lg_rand(void) {
    uint64_t x = lg_rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    lg_rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* FNV-1a over bytes, continuing from h (start with LG_FNV_INIT). */
#define LG_FNV_INIT 0xcbf29ce484222325ULL
static inline uint64_t lg_fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static inline const char *lg_base(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Print a boolean check: "label: yes|no". */
#define CHECK(label, cond) printf("%s: %s\n", (label), (cond) ? "yes" : "no")

/* Print the errno name of a failed call, or "ok". */
static inline const char *lg_errname(int e) {
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ESPIPE: return "ESPIPE";
    case ERANGE: return "ERANGE";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOEXEC: return "ENOEXEC";
    case EPIPE: return "EPIPE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ELOOP: return "ELOOP";
    case EXDEV: return "EXDEV";
    case ENOSYS: return "ENOSYS";
    case EIO: return "EIO";
    default: return "E?";
    }
}
/* Result of a call that returns -1/errno: prints "label: ok" or "label: ENAME". */
#define RES(label, expr)                                                          \
    do {                                                                          \
        errno = 0;                                                                \
        long lg_r_ = (long)(expr);                                                \
        printf("%s: %s\n", (label), lg_r_ < 0 ? lg_errname(errno) : "ok");        \
    } while (0)

/* Make a fresh private directory: ROOT/lg-NAME-PID-XXXXXX (ROOT = argv[1] or /tmp). */
static inline char *lg_tmpdir(const char *name, int argc, char **argv) {
    static char buf[512];
    const char *root = argc > 1 ? argv[1] : "/tmp";
    snprintf(buf, sizeof buf, "%s/lg-%s-%d-XXXXXX", root, name, (int)getpid());
    if (!mkdtemp(buf)) {
        perror("mkdtemp");
        exit(99);
    }
    return buf;
}
#endif
