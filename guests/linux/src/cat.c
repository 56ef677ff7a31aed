/* cat [bufsize|stdio]: copy stdin to stdout until EOF with read(2) (default 4096-byte buffer)
 * or stdio getchar; print line/byte counts and an FNV-1a hash to stderr and stdout. */
#include "common.h"

int main(int argc, char **argv) {
    uint64_t bytes = 0, lines = 0, h = LG_FNV_INIT;
    int last = -1;
    if (argc > 1 && !strcmp(argv[1], "stdio")) {
        int c;
        while ((c = getchar()) != EOF) {
            putchar(c);
            unsigned char b = (unsigned char)c;
            h = lg_fnv(h, &b, 1);
            bytes++;
            lines += c == '\n';
            last = c;
        }
        fflush(stdout);
    } else {
        size_t bs = argc > 1 ? (size_t)atol(argv[1]) : 4096;
        if (bs == 0) bs = 1;
        char *buf = malloc(bs);
        ssize_t n;
        uint64_t reads = 0;
        while ((n = read(0, buf, bs)) > 0) {
            reads++;
            for (ssize_t off = 0; off < n;) {
                ssize_t w = write(1, buf + off, n - off);
                if (w <= 0) return 3;
                off += w;
            }
            h = lg_fnv(h, buf, n);
            for (ssize_t i = 0; i < n; i++) lines += buf[i] == '\n';
            bytes += n;
            last = (unsigned char)buf[n - 1];
        }
        if (n < 0) return 2;
        free(buf);
        (void)reads;
    }
    fprintf(stderr, "cat: lines=%llu bytes=%llu fnv=%016llx final-newline=%s\n", (unsigned long long)lines,
            (unsigned long long)bytes, (unsigned long long)h, last == '\n' ? "yes" : "no");
    /* read at EOF again returns 0 */
    char c;
    printf("\n[cat] read after EOF returns: %zd\n", read(0, &c, 1));
    return 0;
}
