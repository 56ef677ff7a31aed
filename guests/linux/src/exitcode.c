/* exitcode N [how]: print a line and exit with status N (truncated to 8 bits by the kernel).
 * how = "return" (default), "exit", "_exit" or "exit_group". */
#include "common.h"
#include <sys/syscall.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 0;
    const char *how = argc > 2 ? argv[2] : "return";
    printf("exitcode: %d via %s\n", code, how);
    fflush(stdout);
    if (!strcmp(how, "exit")) exit(code);
    if (!strcmp(how, "_exit")) _exit(code);
    if (!strcmp(how, "exit_group")) syscall(SYS_exit_group, code);
    return code;
}
