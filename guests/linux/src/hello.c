/* hello: stdout via stdio and raw write/writev, stderr, argv echo. Also an exec target. */
#include "common.h"
#include <sys/uio.h>

int main(int argc, char **argv) {
    printf("hello from rv64 linux\n");
    for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    fflush(stdout);
    fprintf(stderr, "hello on stderr\n");
    write(1, "raw write(1)\n", 13);
    struct iovec iov[3] = {{"wri", 3}, {"tev ", 4}, {"line\n", 5}};
    ssize_t n = writev(1, iov, 3);
    printf("writev returned %zd\n", n);
    dprintf(2, "dprintf(2) %d\n", 42);
    puts("bye");
    return 0;
}
