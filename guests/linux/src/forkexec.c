/* forkexec: processes. fork + _exit status via wait4; fork + pipe; fork + execve of sibling guest
 * programs (hello, exitcode, args, cat) located next to this program via /proc/self/exe, with
 * their stdout piped back and their exit status collected; execve with a custom environment;
 * a two-child pipeline (hello | cat) connected by a pipe without a shell; a child killed by
 * SIGKILL; exec failure; posix_spawn; wait edge cases.
 *
 * Exec targets are always the static builds (NAME.rv64). Under QEMU linux-user without
 * binfmt_misc, execve of a RISC-V ELF fails with ENOEXEC, so when VMTEST_EXEC_WRAPPER is set
 * (e.g. "/usr/bin/qemu-riscv64") the program execs "WRAPPER... PATH ARGS..." instead; the output is
 * the same either way. `vm run` must not set it. */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;
static char dir[1024];

static const char *target(const char *name) {
    static char buf[4][1200];
    static int i;
    char *b = buf[i++ % 4];
    snprintf(b, 1200, "%s/%s.rv64", dir, name);
    return b;
}

/* execve(path, argv, envp), through VMTEST_EXEC_WRAPPER when set; returns only on failure. */
static void do_exec(const char *path, char *const argv[], char *const envp[]) {
    const char *wrap = getenv("VMTEST_EXEC_WRAPPER");
    if (!wrap || !*wrap) {
        execve(path, argv, envp);
        return;
    }
    char *w = strdup(wrap);
    char *nargv[64];
    int n = 0;
    for (char *tok = strtok(w, " "); tok && n < 40; tok = strtok(NULL, " ")) nargv[n++] = tok;
    if (access(path, X_OK) != 0) return; /* keep execve's errno for missing programs */
    nargv[n++] = (char *)path;
    for (int i = 1; argv[i] && n < 63; i++) nargv[n++] = argv[i];
    nargv[n] = NULL;
    /* the wrapper itself needs nothing from the environment; the guest gets envp */
    execve(nargv[0], nargv, envp);
}

static void describe(const char *what, int st) {
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    else
        printf("%s: status %#x\n", what, st);
}

/* Read everything from fd and print it with a prefix on each line. */
static void relay(int fd, const char *prefix) {
    char buf[8192];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0) len += n;
    buf[len] = 0;
    char *save, *line = strtok_r(buf, "\n", &save);
    while (line) {
        printf("%s%s\n", prefix, line);
        line = strtok_r(NULL, "\n", &save);
    }
    printf("%s<%zu bytes>\n", prefix, len);
}

/* fork, run argv in the child with stdout -> pipe, relay it, wait, describe status. */
static void run_piped(const char *name, char *const argv[], char *const envp[]) {
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        do_exec(target(name), argv, envp);
        dprintf(2, "exec %s failed: %s\n", name, lg_errname(errno));
        _exit(127);
    }
    close(p[1]);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "  [%s] ", name);
    relay(p[0], prefix);
    close(p[0]);
    int st;
    struct rusage ru;
    pid_t w = wait4(pid, &st, 0, &ru);
    printf("  wait4 returned the child: %s\n", w == pid ? "yes" : "no");
    describe(name, st);
}

int main(void) {
    char self[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        printf("readlink /proc/self/exe failed\n");
        return 1;
    }
    self[n] = 0;
    printf("/proc/self/exe basename: %s\n", lg_base(self));
    strcpy(dir, self);
    *strrchr(dir, '/') = 0;
    const char *myname = lg_base(self);
    int dynamic = strstr(myname, ".dyn.") != NULL;
    (void)dynamic;

    /* 1. fork + _exit */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(5);
    int st;
    printf("fork returned child pid > 0: %s\n", pid > 0 ? "yes" : "no");
    pid_t w = waitpid(pid, &st, 0);
    printf("waitpid returned the child: %s\n", w == pid ? "yes" : "no");
    describe("child _exit(5)", st);

    /* 2. fork + pipe, child has its own copy of memory */
    int p[2];
    pipe(p);
    static int shared_var = 10;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        shared_var = 99;
        char msg[64];
        int len = snprintf(msg, sizeof msg, "child sees var=%d, getppid matches: %s\n", shared_var,
                           getppid() > 1 ? "yes" : "no");
        write(p[1], msg, len);
        _exit(0);
    }
    close(p[1]);
    char buf[256];
    n = read(p[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("from child: %s", buf);
    n = read(p[0], buf, 1);
    printf("pipe EOF after child exit: %s\n", n == 0 ? "yes" : "no");
    close(p[0]);
    waitpid(pid, &st, 0);
    printf("parent var unchanged: %d\n", shared_var);

    /* 3. exec siblings with stdout piped back */
    printf("exec hello:\n");
    char *hello_argv[] = {(char *)target("hello"), "one", "two words", NULL};
    run_piped("hello", hello_argv, environ);
    printf("exec exitcode 7:\n");
    char *ec_argv[] = {(char *)target("exitcode"), "7", NULL};
    run_piped("exitcode", ec_argv, environ);
    printf("exec exitcode 300 _exit:\n");
    char *ec2_argv[] = {(char *)target("exitcode"), "300", "_exit", NULL};
    run_piped("exitcode", ec2_argv, environ);
    printf("exec args with a custom environment:\n");
    char *args_argv[] = {(char *)target("args"), "x", "", "last arg", NULL};
    char *envp[] = {"LG_TEST_VAR=set-by-execve", "LG_OTHER=2", "PATH=/nonexistent", NULL};
    run_piped("args", args_argv, envp);

    /* 4. pipeline: hello A B | cat, cat's stdout piped back to us */
    printf("pipeline hello | cat:\n");
    int a[2], b[2];
    pipe(a);
    pipe(b);
    fflush(stdout);
    pid_t c1 = fork();
    if (c1 == 0) {
        dup2(a[1], 1);
        close(a[0]);
        close(a[1]);
        close(b[0]);
        close(b[1]);
        char *av[] = {(char *)target("hello"), "piped", NULL};
        do_exec(av[0], av, environ);
        _exit(127);
    }
    pid_t c2 = fork();
    if (c2 == 0) {
        dup2(a[0], 0);
        dup2(b[1], 1);
        close(a[0]);
        close(a[1]);
        close(b[0]);
        close(b[1]);
        char *av[] = {(char *)target("cat"), NULL};
        do_exec(av[0], av, environ);
        _exit(127);
    }
    close(a[0]);
    close(a[1]);
    close(b[1]);
    relay(b[0], "  [hello|cat] ");
    close(b[0]);
    int s1, s2;
    waitpid(c1, &s1, 0);
    waitpid(c2, &s2, 0);
    describe("pipeline hello", s1);
    describe("pipeline cat", s2);

    /* 5. a child killed by SIGKILL */
    pipe(p);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        write(p[1], "r", 1);
        for (;;) pause();
    }
    close(p[1]);
    read(p[0], buf, 1); /* child is running */
    close(p[0]);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    describe("child sent SIGKILL", st);

    /* 6. exec failure */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *av[] = {"nope", NULL};
        do_exec(target("does-not-exist"), av, environ);
        _exit(errno == ENOENT ? 42 : 43);
    }
    waitpid(pid, &st, 0);
    describe("exec of missing program (42 = ENOENT)", st);

    /* 7. posix_spawn exitcode 3 */
    pid_t sp;
    const char *wrap = getenv("VMTEST_EXEC_WRAPPER");
    int r;
    fflush(stdout);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (wrap && *wrap) {
        /* The wrapper is a command line ("qemu-riscv64 -L DIR"): split it into words. */
        static char words[512];
        char *av[16];
        int n = 0;
        snprintf(words, sizeof words, "%s", wrap);
        for (char *t = strtok(words, " "); t && n < 12; t = strtok(NULL, " ")) av[n++] = t;
        av[n++] = (char *)target("exitcode");
        av[n++] = "3";
        av[n] = NULL;
        r = posix_spawn(&sp, av[0], &fa, NULL, av, environ);
    } else {
        char *av[] = {(char *)target("exitcode"), "3", NULL};
        r = posix_spawn(&sp, av[0], &fa, NULL, av, environ);
    }
    posix_spawn_file_actions_destroy(&fa);
    printf("posix_spawn: %d\n", r);
    waitpid(sp, &st, 0);
    describe("spawned exitcode 3", st);

    /* 8. wait edge cases */
    errno = 0;
    w = waitpid(-1, &st, WNOHANG);
    printf("waitpid with no children: %d %s\n", (int)w, lg_errname(errno));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        usleep(20000);
        _exit(1);
    }
    w = waitpid(pid, &st, WNOHANG);
    printf("WNOHANG on a running child returns 0: %s\n", w == 0 ? "yes" : "no");
    w = waitpid(-1, &st, 0);
    printf("waitpid(-1) reaps it: %s\n", w == pid ? "yes" : "no");
    describe("sleeping child", st);
    return 0;
}
