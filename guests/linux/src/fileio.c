/* fileio [ROOT]: file I/O in a fresh directory ROOT/lg-fileio-PID-XXXXXX (ROOT defaults to /tmp),
 * removed at the end: open/creat flags, write/read, lseek, pread/pwrite, ftruncate, fstat sizes,
 * O_APPEND, dup/dup2, fcntl, readv/writev, links, symlinks, chmod, stdio files and errno cases. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

static char dir[512];
static char path[600];
static const char *at(const char *name) {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static long fsize(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) return -1;
    return (long)st.st_size;
}

int main(int argc, char **argv) {
    umask(022);
    strcpy(dir, lg_tmpdir("fileio", argc, argv));
    char buf[16384];
    unsigned char pat[4096];
    for (int i = 0; i < 4096; i++) pat[i] = (unsigned char)(i * 7 + 3);

    int fd = open(at("data.bin"), O_CREAT | O_EXCL | O_RDWR, 0666);
    printf("open O_CREAT|O_EXCL: %s\n", fd >= 0 ? "ok" : lg_errname(errno));
    printf("new file size: %ld\n", fsize(fd));
    printf("write 1000: %zd\n", write(fd, pat, 1000));
    printf("size after write: %ld\n", fsize(fd));
    printf("lseek CUR: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    printf("lseek SET 100: %ld\n", (long)lseek(fd, 100, SEEK_SET));
    ssize_t n = read(fd, buf, 50);
    printf("read 50 at 100: %zd match=%s\n", n, memcmp(buf, pat + 100, 50) ? "no" : "yes");
    printf("lseek CUR after read: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    printf("lseek END -10: %ld\n", (long)lseek(fd, -10, SEEK_END));
    n = read(fd, buf, 100);
    printf("read near end: %zd match=%s\n", n, memcmp(buf, pat + 990, 10) ? "no" : "yes");
    printf("read at EOF: %zd\n", read(fd, buf, 100));
    n = pread(fd, buf, 64, 500);
    printf("pread 64 at 500: %zd match=%s pos=%ld\n", n, memcmp(buf, pat + 500, 64) ? "no" : "yes",
           (long)lseek(fd, 0, SEEK_CUR));
    n = pwrite(fd, "PWRITE", 6, 2000);
    printf("pwrite past end at 2000: %zd size=%ld pos=%ld\n", n, fsize(fd), (long)lseek(fd, 0, SEEK_CUR));
    memset(buf, 0x55, 1000);
    n = pread(fd, buf, 1000, 1000);
    int zeros = 1;
    for (int i = 0; i < 1000; i++) zeros &= buf[i] == 0;
    printf("hole reads %zd bytes, all zero: %s\n", n, zeros ? "yes" : "no");
    n = pread(fd, buf, 10, 2000);
    printf("pread back: %zd \"%.6s\"\n", n, buf);
    int r = ftruncate(fd, 300);
    printf("ftruncate 300: %d size=%ld\n", r, fsize(fd));
    r = ftruncate(fd, 5000);
    printf("ftruncate 5000: %d size=%ld\n", r, fsize(fd));
    n = pread(fd, buf, 5000, 0);
    zeros = 1;
    for (int i = 300; i < 5000; i++) zeros &= buf[i] == 0;
    printf("after regrow: read %zd, prefix kept=%s, tail zero=%s\n", n, memcmp(buf, pat, 300) ? "no" : "yes",
           zeros ? "yes" : "no");
    printf("lseek SET 1<<20: %ld\n", (long)lseek(fd, 1 << 20, SEEK_SET));
    n = write(fd, "end", 3);
    printf("write at 1MiB: %zd size=%ld\n", n, fsize(fd));
    errno = 0;
    long off = (long)lseek(fd, -5, SEEK_SET);
    printf("lseek negative: %ld %s\n", off, lg_errname(errno));

    /* big write/read round trip */
    uint64_t h1 = LG_FNV_INIT, h2 = LG_FNV_INIT;
    lseek(fd, 0, SEEK_SET);
    ftruncate(fd, 0);
    for (int i = 0; i < 64; i++) {
        for (int j = 0; j < 4096; j++) pat[j] = (unsigned char)(lg_rand() >> 56);
        h1 = lg_fnv(h1, pat, 4096);
        if (write(fd, pat, 4096) != 4096) printf("short write\n");
    }
    printf("256KiB written, size=%ld\n", fsize(fd));
    lseek(fd, 0, SEEK_SET);
    long total = 0;
    while ((n = read(fd, buf, 10000)) > 0) {
        h2 = lg_fnv(h2, buf, n);
        total += n;
    }
    printf("read back %ld bytes, hash match=%s\n", total, h1 == h2 ? "yes" : "no");

    /* readv / writev */
    lseek(fd, 0, SEEK_SET);
    ftruncate(fd, 0);
    struct iovec wv[3] = {{"alpha-", 6}, {"beta-", 5}, {"gamma\n", 6}};
    printf("writev: %zd\n", writev(fd, wv, 3));
    char a[4], b[8], c[16];
    memset(c, 0, sizeof c);
    struct iovec rv[3] = {{a, 4}, {b, 8}, {c, 16}};
    lseek(fd, 0, SEEK_SET);
    n = readv(fd, rv, 3);
    printf("readv: %zd \"%.4s\" \"%.8s\" \"%s\"", n, a, b, c);

    /* dup shares the offset, dup2 to a chosen number */
    int d = dup(fd);
    lseek(fd, 3, SEEK_SET);
    printf("dup shares offset: %s\n", lseek(d, 0, SEEK_CUR) == 3 ? "yes" : "no");
    int d2 = dup2(fd, 50);
    printf("dup2 -> %d\n", d2);
    printf("fcntl F_GETFD before: %d\n", fcntl(d2, F_GETFD));
    fcntl(d2, F_SETFD, FD_CLOEXEC);
    printf("fcntl F_GETFD after: %d\n", fcntl(d2, F_GETFD));
    printf("fcntl F_GETFL accmode O_RDWR: %s\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR ? "yes" : "no");
    int d3 = fcntl(fd, F_DUPFD, 60);
    printf("F_DUPFD >= 60: %d\n", d3);
    close(d);
    close(d2);
    close(d3);
    errno = 0;
    r = close(d2);
    printf("close closed fd: %d %s\n", r, lg_errname(errno));
    close(fd);

    /* O_APPEND always writes at the end */
    fd = open(at("log.txt"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "first\n", 6);
    close(fd);
    fd = open(at("log.txt"), O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "second\n", 7);
    printf("O_APPEND offset after write: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    close(fd);
    fd = open(at("log.txt"), O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("log.txt (%zd): %.*s", n, (int)n, buf);
    errno = 0;
    n = write(fd, "x", 1);
    printf("write to O_RDONLY fd: %zd %s\n", n, lg_errname(errno));
    close(fd);

    /* O_TRUNC, stat, chmod, link, symlink */
    fd = open(at("log.txt"), O_RDWR | O_TRUNC);
    printf("O_TRUNC size: %ld\n", fsize(fd));
    close(fd);
    struct stat st;
    stat(at("log.txt"), &st);
    printf("mode: %o regular=%s nlink=%lu\n", st.st_mode & 07777, S_ISREG(st.st_mode) ? "yes" : "no",
           (unsigned long)st.st_nlink);
    chmod(at("log.txt"), 0600);
    stat(at("log.txt"), &st);
    printf("mode after chmod: %o\n", st.st_mode & 07777);
    char p2[600];
    strcpy(p2, at("hard.txt"));
    RES("link", link(at("log.txt"), p2));
    stat(at("log.txt"), &st);
    printf("nlink after link: %lu\n", (unsigned long)st.st_nlink);
    struct stat st2;
    stat(p2, &st2);
    printf("same inode: %s\n", st.st_ino == st2.st_ino ? "yes" : "no");
    RES("symlink", symlink("log.txt", at("sym")));
    char lnk[64];
    n = readlink(at("sym"), lnk, sizeof lnk);
    printf("readlink: %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), lnk);
    lstat(at("sym"), &st);
    printf("lstat is symlink: %s size=%ld\n", S_ISLNK(st.st_mode) ? "yes" : "no", (long)st.st_size);
    stat(at("sym"), &st);
    printf("stat follows: %s\n", S_ISREG(st.st_mode) ? "yes" : "no");
    RES("access F_OK", access(at("log.txt"), F_OK));
    RES("access missing", access(at("missing"), F_OK));
    RES("open missing", open(at("missing"), O_RDONLY));
    RES("open O_EXCL existing", open(at("log.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    RES("open dir O_WRONLY", open(dir, O_WRONLY));
    RES("open O_DIRECTORY on file", open(at("log.txt"), O_RDONLY | O_DIRECTORY));
    RES("read bad fd", read(999, buf, 1));
    int pfd[2];
    pipe(pfd);
    RES("lseek on pipe", lseek(pfd[0], 0, SEEK_SET));
    close(pfd[0]);
    close(pfd[1]);

    /* stdio on a file */
    FILE *f = fopen(at("stdio.txt"), "w+");
    for (int i = 0; i < 100; i++) fprintf(f, "line %d %s\n", i, i % 3 ? "x" : "fizz");
    printf("ftell after writes: %ld\n", ftell(f));
    rewind(f);
    char line[64];
    int lines = 0;
    uint64_t h = LG_FNV_INIT;
    while (fgets(line, sizeof line, f)) {
        lines++;
        h = lg_fnv(h, line, strlen(line));
    }
    printf("fgets lines: %d hash=%016llx\n", lines, (unsigned long long)h);
    fseek(f, -13, SEEK_END);
    fgets(line, sizeof line, f);
    printf("last line tail: %s", line);
    fclose(f);
    f = fopen(at("stdio.txt"), "r");
    int num;
    char word[16];
    fscanf(f, "line %d %15s", &num, word);
    printf("fscanf: %d %s\n", num, word);
    fclose(f);

    /* openat/fstatat relative to a directory fd */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    fd = openat(dfd, "rel.txt", O_CREAT | O_WRONLY, 0644);
    write(fd, "relative\n", 9);
    close(fd);
    printf("fstatat size: %ld\n", fstatat(dfd, "rel.txt", &st, 0) == 0 ? (long)st.st_size : -1L);
    RES("unlinkat", unlinkat(dfd, "rel.txt", 0));
    close(dfd);

    /* cleanup */
    const char *names[] = {"data.bin", "log.txt", "hard.txt", "sym", "stdio.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (unlink(at(names[i])) < 0) printf("unlink %s: %s\n", names[i], lg_errname(errno));
    }
    RES("rmdir", rmdir(dir));
    RES("stat removed dir", stat(dir, &st));
    return 0;
}
