/* args: argc/argv, environment variables from the harness (LG_*), setenv/unsetenv,
 * and deterministic auxv entries. */
#include "common.h"
#include <sys/auxv.h>

extern char **environ;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    printf("argc: %d\n", argc);
    printf("argv[0] basename: %s\n", lg_base(argv[0]));
    for (int i = 1; i < argc; i++) printf("argv[%d]: \"%s\" (len %zu)\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] == NULL: %s\n", argv[argc] == NULL ? "yes" : "no");

    const char *v = getenv("LG_TEST_VAR");
    printf("getenv(LG_TEST_VAR): %s\n", v ? v : "(null)");
    v = getenv("LG_NEVER_SET");
    printf("getenv(LG_NEVER_SET): %s\n", v ? v : "(null)");

    /* All LG_* variables, sorted (the harness controls these). */
    char *lg[64];
    int n = 0;
    for (char **e = environ; *e && n < 64; e++)
        if (!strncmp(*e, "LG_", 3)) lg[n++] = *e;
    qsort(lg, n, sizeof lg[0], cmp);
    printf("LG_* variables: %d\n", n);
    for (int i = 0; i < n; i++) printf("  %s\n", lg[i]);

    setenv("LG_SET_IN_PROGRAM", "value one", 1);
    printf("after setenv: %s\n", getenv("LG_SET_IN_PROGRAM"));
    setenv("LG_SET_IN_PROGRAM", "value two", 0);
    printf("setenv no-overwrite keeps: %s\n", getenv("LG_SET_IN_PROGRAM"));
    setenv("LG_SET_IN_PROGRAM", "value three", 1);
    printf("setenv overwrite: %s\n", getenv("LG_SET_IN_PROGRAM"));
    unsetenv("LG_SET_IN_PROGRAM");
    v = getenv("LG_SET_IN_PROGRAM");
    printf("after unsetenv: %s\n", v ? v : "(null)");

    printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
    printf("sysconf(_SC_PAGESIZE): %ld\n", sysconf(_SC_PAGESIZE));
    printf("AT_RANDOM non-null: %s\n", getauxval(AT_RANDOM) ? "yes" : "no");
    printf("AT_PHDR non-null: %s\n", getauxval(AT_PHDR) ? "yes" : "no");
    printf("AT_ENTRY non-null: %s\n", getauxval(AT_ENTRY) ? "yes" : "no");
    printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
    return 0;
}
