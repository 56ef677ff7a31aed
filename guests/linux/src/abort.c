/* abort [how]: die from a signal after printing to stdout (flushed) and stderr.
 *   abort (default)  abort() -> SIGABRT (shell status 134)
 *   term             raise(SIGTERM) with the default action (143)
 *   kill             kill(getpid(), SIGKILL) (137)
 *   handled          abort() with a SIGABRT handler that returns: abort still kills (134) */
#include "common.h"
#include <signal.h>

static volatile int handled;
static void on_abrt(int sig) {
    (void)sig;
    handled++;
    write(1, "SIGABRT handler ran\n", 20);
}

int main(int argc, char **argv) {
    const char *how = argc > 1 ? argv[1] : "abort";
    printf("about to die via %s\n", how);
    fflush(stdout);
    fprintf(stderr, "stderr: dying via %s\n", how);
    if (!strcmp(how, "term")) raise(SIGTERM);
    if (!strcmp(how, "kill")) kill(getpid(), SIGKILL);
    if (!strcmp(how, "handled")) signal(SIGABRT, on_abrt);
    abort();
}
