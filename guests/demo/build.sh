#!/usr/bin/env bash
# Rebuild the embedded demo guest (guests/demo/demo.elf) with Debian's gcc-riscv64-unknown-elf.
# Reproducible: compiled to fixed object names first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
mkdir -p build
# INSIDE_EXPECTED: the Mandelbrot point count, computed by the same code on the host.
cat > build/host.c <<'C'
#include <stdio.h>
int main(void) {
    unsigned long in = 0;
    for (int y = -10; y <= 10; y++)
        for (int x = -30; x <= 14; x++) {
            double cr = x / 15.0, ci = y / 8.0, zr = 0, zi = 0;
            int n = 0;
            while (n < 50 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                n++;
            }
            in += n == 50;
        }
    printf("%lu\n", in);
    return 0;
}
C
inside=$(cc -O0 -ffp-contract=off build/host.c -o build/host && build/host)
flags=(-march=rv64gc -mabi=lp64d -O2 -ffp-contract=off -static -mcmodel=medany -nostdlib -nostartfiles -ffreestanding)
riscv64-unknown-elf-gcc "${flags[@]}" -c start.S -o build/start.o
riscv64-unknown-elf-gcc "${flags[@]}" -DINSIDE_EXPECTED="${inside}ull" -c demo.c -o build/demo.o
riscv64-unknown-elf-gcc "${flags[@]}" -T ../isa/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    build/start.o build/demo.o -o demo.elf
echo "built $here/demo.elf (expects $inside points inside)"
