/* dirs [ROOT]: directory operations in ROOT/lg-dirs-PID-XXXXXX (ROOT defaults to /tmp):
 * mkdir, readdir (sorted listing, hundreds of entries so getdents needs several calls),
 * rename (files, directories, replacing, across directories), unlink, rmdir and errno cases,
 * chdir/getcwd, *at calls, recursive removal. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void touch(const char *p, const char *content) {
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) {
        printf("touch %s: %s\n", p, lg_errname(errno));
        return;
    }
    write(fd, content, strlen(content));
    close(fd);
}

/* List a directory sorted, with a type letter from lstat; print up to `show` names. */
static int list(const char *d, int show) {
    DIR *dp = opendir(d);
    if (!dp) {
        printf("opendir %s: %s\n", d, lg_errname(errno));
        return -1;
    }
    char *names[1024];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) && n < 1024) names[n++] = strdup(e->d_name);
    closedir(dp);
    qsort(names, n, sizeof names[0], cmpstr);
    uint64_t h = LG_FNV_INIT;
    printf("listing %s: %d entries\n", d, n);
    for (int i = 0; i < n; i++) {
        h = lg_fnv(h, names[i], strlen(names[i]) + 1);
        if (i < show) {
            char p[1200];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", d, names[i]);
            char t = '?';
            if (lstat(p, &st) == 0) t = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : 'o';
            printf("  %c %s%s\n", t, names[i], t == 'f' ? "" : "");
        }
        free(names[i]);
    }
    if (n > show) printf("  ... (%d more)\n", n - show);
    printf("  name hash %016llx\n", (unsigned long long)h);
    return n;
}

static void rmtree(const char *d) {
    DIR *dp = opendir(d);
    if (!dp) return;
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[1200];
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rmtree(p);
        else
            unlink(p);
    }
    closedir(dp);
    if (rmdir(d) < 0) printf("rmtree rmdir: %s\n", lg_errname(errno));
}

int main(int argc, char **argv) {
    umask(022);
    char base[512];
    strcpy(base, lg_tmpdir("dirs", argc, argv));
    RES("chdir into temp dir", chdir(base));
    char cwd[1024];
    if (getcwd(cwd, sizeof cwd)) {
        size_t bl = strlen(base), cl = strlen(cwd);
        /* ROOT may itself be a symlink, so compare the last component only */
        CHECK("getcwd ends with temp dir name", cl >= strlen(lg_base(base)) && !strcmp(lg_base(cwd), lg_base(base)));
        (void)bl;
    }

    RES("mkdir a", mkdir("a", 0755));
    RES("mkdir a again", mkdir("a", 0755));
    RES("mkdir a/b", mkdir("a/b", 0755));
    RES("mkdir a/b/c", mkdir("a/b/c", 0700));
    RES("mkdir missing/x", mkdir("missing/x", 0755));
    struct stat st;
    stat("a/b/c", &st);
    printf("a/b/c mode %o dir=%s\n", st.st_mode & 07777, S_ISDIR(st.st_mode) ? "yes" : "no");
    touch("a/file1", "one\n");
    touch("a/file2", "two\n");
    touch("a/b/deep", "deep\n");
    symlink("file1", "a/link1");
    list("a", 100);

    /* many entries, created in pseudo-random order */
    mkdir("many", 0755);
    int order[300];
    for (int i = 0; i < 300; i++) order[i] = i;
    for (int i = 299; i > 0; i--) {
        int j = (int)(lg_rand() % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < 300; i++) {
        char p[64];
        snprintf(p, sizeof p, "many/entry-%03d-with-a-longer-name", order[i]);
        touch(p, "");
    }
    list("many", 5);
    /* remove every third, list again */
    for (int i = 0; i < 300; i += 3) {
        char p[64];
        snprintf(p, sizeof p, "many/entry-%03d-with-a-longer-name", i);
        unlink(p);
    }
    list("many", 3);
    /* rewinddir gives the same count */
    DIR *dp = opendir("many");
    int c1 = 0, c2 = 0;
    while (readdir(dp)) c1++;
    rewinddir(dp);
    while (readdir(dp)) c2++;
    closedir(dp);
    printf("rewinddir count same: %s (%d)\n", c1 == c2 ? "yes" : "no", c2);

    /* rename */
    RES("rename file1 -> renamed", rename("a/file1", "a/renamed"));
    RES("rename file2 over renamed", rename("a/file2", "a/renamed"));
    char buf[16] = {0};
    int fd = open("a/renamed", O_RDONLY);
    read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("renamed content: %s", buf);
    RES("rename into subdir", rename("a/renamed", "a/b/moved"));
    RES("rename dir a/b -> a/bb", rename("a/b", "a/bb"));
    RES("rename missing", rename("a/nothing", "a/x"));
    RES("rename dir over nonempty dir", rename("a/bb", "many"));
    list("a", 100);
    list("a/bb", 100);

    /* unlink / rmdir errors */
    RES("rmdir nonempty", rmdir("a/bb"));
    RES("unlink dir", unlink("a/bb"));
    RES("rmdir file", rmdir("a/bb/moved"));
    RES("unlink missing", unlink("a/nope"));
    RES("unlink symlink", unlink("a/link1"));
    RES("unlink file", unlink("a/bb/moved"));
    RES("unlinkat AT_REMOVEDIR", unlinkat(AT_FDCWD, "a/bb/c", AT_REMOVEDIR));
    RES("rmdir a/bb/deep (file)", rmdir("a/bb/deep"));
    unlink("a/bb/deep");
    RES("rmdir a/bb", rmdir("a/bb"));
    RES("rmdir .", rmdir("."));
    list("a", 100);

    /* *at calls and fchdir */
    int dfd = open("a", O_RDONLY | O_DIRECTORY);
    RES("mkdirat", mkdirat(dfd, "viaat", 0755));
    RES("fstatat dir", fstatat(dfd, "viaat", &st, 0));
    printf("viaat is dir: %s\n", S_ISDIR(st.st_mode) ? "yes" : "no");
    RES("renameat", renameat(dfd, "viaat", dfd, "viaat2"));
    RES("fchdir", fchdir(dfd));
    RES("stat relative after fchdir", stat("viaat2", &st));
    RES("chdir ..", chdir(".."));
    close(dfd);
    RES("chdir to file", chdir("many/entry-001-with-a-longer-name"));
    RES("opendir on file", (long)(opendir("many/entry-001-with-a-longer-name") ? 0 : -1));

    RES("chdir / back out", chdir("/"));
    rmtree(base);
    RES("stat base after rmtree", stat(base, &st));
    return 0;
}
