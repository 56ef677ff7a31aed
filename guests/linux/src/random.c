/* random: getrandom/getentropy//dev/urandom produce bytes (booleans only: not all zero, two
 * draws differ), flags and error cases. */
#include "common.h"
#include <fcntl.h>
#include <sys/random.h>

static int nonzero(const unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 1;
    return 0;
}

int main(void) {
    unsigned char a[16], b[16], big[300];
    ssize_t n = getrandom(a, sizeof a, 0);
    printf("getrandom(16) returned: %zd\n", n);
    CHECK("16 bytes not all zero", nonzero(a, 16));
    n = getrandom(b, sizeof b, GRND_NONBLOCK);
    printf("getrandom(16, GRND_NONBLOCK) returned: %zd\n", n);
    CHECK("second draw differs", memcmp(a, b, 16) != 0);
    n = getrandom(big, sizeof big, 0);
    printf("getrandom(256) returned: %zd\n", n);
    int seen[256] = {0}, distinct = 0;
    for (int i = 0; i < 256; i++) distinct += !seen[big[i]]++;
    CHECK("256 bytes have > 64 distinct values", distinct > 64);
    printf("getrandom(0) returned: %zd\n", getrandom(a, 0, 0));
    errno = 0;
    n = getrandom(a, 16, 0x1000);
    printf("getrandom bad flags: %zd %s\n", n, lg_errname(errno));
    memset(b, 0, sizeof b);
    printf("getentropy(16): %d\n", getentropy(b, 16));
    CHECK("getentropy bytes not all zero", nonzero(b, 16));
    errno = 0;
    printf("getentropy(257): %d %s\n", getentropy(big, 257), lg_errname(errno));
    int fd = open("/dev/urandom", O_RDONLY);
    CHECK("open /dev/urandom", fd >= 0);
    n = read(fd, a, 16);
    printf("read /dev/urandom: %zd\n", n);
    CHECK("urandom bytes not all zero", nonzero(a, 16));
    close(fd);
    return 0;
}
