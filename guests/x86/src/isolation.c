/* isolation: accesses outside the program's own mappings must fault (SIGSEGV) exactly as on
 * Linux, however the mapping went away. argv[1] picks the case:
 *   unmapped   read a high user address nothing maps (where a host library might live)
 *   kernel     read the kernel half (where the VM keeps its own structures)
 *   munmap     read a page after munmap
 *   readonly   write a page after mprotect(PROT_READ)
 *   none       read a page after mprotect(PROT_NONE)
 *   nx         jump into a page mapped without PROT_EXEC
 *   int80      a legacy int 0x80 system call (not supported in accelerated mode)
 * Each case prints what it is about to do first, so the output shows how far it got. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static volatile unsigned char sink;

static unsigned char *page(int prot) {
    unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 0; }
    p[0] = 0xc3; /* ret */
    if (prot != (PROT_READ | PROT_WRITE) && mprotect(p, 4096, prot) != 0) perror("mprotect");
    return p;
}

int main(int argc, char **argv) {
    const char *c = argc > 1 ? argv[1] : "";
    setvbuf(stdout, 0, _IONBF, 0);
    if (!strcmp(c, "unmapped")) {
        printf("reading 0x7f0000001000\n");
        sink = *(volatile unsigned char *)0x7f0000001000ull;
    } else if (!strcmp(c, "kernel")) {
        printf("reading 0xffff800000000000\n");
        sink = *(volatile unsigned char *)0xffff800000000000ull;
    } else if (!strcmp(c, "munmap")) {
        unsigned char *p = page(PROT_READ | PROT_WRITE);
        printf("mapped, first byte %#x; unmapping and reading\n", p[0]);
        munmap(p, 4096);
        sink = p[0];
    } else if (!strcmp(c, "readonly")) {
        unsigned char *p = page(PROT_READ | PROT_WRITE);
        p[1] = 7;
        mprotect(p, 4096, PROT_READ);
        printf("read-only now, byte 1 is %d; writing\n", p[1]);
        p[1] = 8;
    } else if (!strcmp(c, "none")) {
        unsigned char *p = page(PROT_READ | PROT_WRITE);
        mprotect(p, 4096, PROT_NONE);
        printf("PROT_NONE now; reading\n");
        sink = p[0];
    } else if (!strcmp(c, "nx")) {
        unsigned char *p = page(PROT_READ | PROT_WRITE);
        printf("calling into a non-executable page\n");
        ((void (*)(void))p)();
    } else if (!strcmp(c, "int80")) {
        printf("int 0x80 getpid\n");
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
        printf("int 0x80 returned\n");
    } else {
        printf("usage: isolation unmapped|kernel|munmap|readonly|none|nx|int80\n");
        return 2;
    }
    printf("no fault!\n");
    return 1;
}
