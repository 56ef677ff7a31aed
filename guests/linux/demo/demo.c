/* The embedded demo of `cargo run --release`: a RISC-V 64 Linux program (static glibc) that
 * shows off user mode — system calls, files, the heap, a child process, floating point — and
 * checks its own results. Exit status 0 means every check passed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(const char *what, long got, long want) {
    printf("  %-34s %ld%s\n", what, got, got == want ? "" : "   <-- WRONG");
    failures += got != want;
}

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    struct utsname u;
    uname(&u);
    printf("Hello from a RISC-V 64 Linux program running on vm (machine: %s)!\n", u.machine);
    printf("argv[0] = %s, %d argument(s)\n\n", argv[0], argc - 1);

    /* The heap and the C library. */
    int n = 100000, *v = malloc(n * sizeof *v);
    unsigned x = 12345;
    for (int i = 0; i < n; i++) v[i] = (int)((x = x * 1103515245u + 12345u) >> 1);
    qsort(v, n, sizeof *v, cmp);
    int sorted = 1;
    for (int i = 1; i < n; i++) sorted &= v[i - 1] <= v[i];
    free(v);
    check("qsort of 100000 ints is sorted", sorted, 1);

    /* Files through the host's kernel. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/vm-demo-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    for (int i = 1; i <= 10; i++) fprintf(f, "%d\n", i * i);
    fclose(f);
    long sum = 0;
    char line[32];
    f = fopen(path, "r");
    while (fgets(line, sizeof line, f)) sum += atol(line);
    fclose(f);
    unlink(path);
    check("sum of squares written and read", sum, 385);

    /* A child process and a pipe. */
    int fds[2];
    pipe(fds);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const char msg[] = "hello from the child";
        write(fds[1], msg, sizeof msg);
        _exit(7);
    }
    close(fds[1]);
    char buf[64] = {0};
    long got = read(fds[0], buf, sizeof buf);
    int status;
    waitpid(pid, &status, 0);
    check("bytes from the child over a pipe", got, 21);
    check("child exit status", WEXITSTATUS(status), 7);

    /* Floating point: a Leibniz series for pi. */
    double pi = 0;
    for (int k = 0; k < 1000000; k++) pi += (k % 2 ? -4.0 : 4.0) / (2 * k + 1);
    printf("  %-34s %.6f\n", "pi (Leibniz, 10^6 terms)", pi);
    check("pi to 5 decimals * 10^5", (long)(pi * 100000), 314159);

    printf("\n%s\n", failures ? "demo: some checks FAILED" : "demo: all checks passed");
    return failures != 0;
}
