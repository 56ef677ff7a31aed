/* select: select(2) and pselect6 (what glibc's select uses) on a pipe: a timeout that expires
 * (the time left written back as 0) and a readable end. */
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>
int main(void) {
    int p[2]; pipe(p);
    fd_set r; FD_ZERO(&r); FD_SET(p[0], &r);
    struct timeval tv = {0, 20000};
    int n = select(p[0] + 1, &r, 0, 0, &tv);
    printf("empty pipe: %d ready, timed out: %s\n", n, tv.tv_sec == 0 && tv.tv_usec == 0 ? "yes" : "no");
    write(p[1], "x", 1);
    FD_ZERO(&r); FD_SET(p[0], &r);
    tv.tv_sec = 1; tv.tv_usec = 0;
    n = select(p[0] + 1, &r, 0, 0, &tv);
    printf("after write: %d ready, readable: %d\n", n, FD_ISSET(p[0], &r) != 0);
    return 0;
}
