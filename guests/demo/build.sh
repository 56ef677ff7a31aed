#!/usr/bin/env bash
# Rebuild the embedded demo guest (guests/demo/demo.elf) with Debian's gcc-riscv64-unknown-elf.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# INSIDE_EXPECTED: the Mandelbrot point count, computed by the same code on the host.
inside=$(printf '%s\n' '#include <stdio.h>' 'int main(void){unsigned long in=0;for(int y=-10;y<=10;y++)for(int x=-30;x<=14;x++){double cr=x/15.0,ci=y/8.0,zr=0,zi=0;int n=0;while(n<50&&zr*zr+zi*zi<4.0){double t=zr*zr-zi*zi+cr;zi=2*zr*zi+ci;zr=t;n++;}in+=n==50;}printf("%lu\n",in);return 0;}' > /tmp/vm-demo-host.c && cc -O0 -ffp-contract=off /tmp/vm-demo-host.c -o /tmp/vm-demo-host && /tmp/vm-demo-host)
riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -O2 -ffp-contract=off -static -mcmodel=medany \
    -nostdlib -nostartfiles -ffreestanding -DINSIDE_EXPECTED="${inside}ull" \
    -T "$here/../isa/link.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    "$here/start.S" "$here/demo.c" -o "$here/demo.elf"
echo "built $here/demo.elf (expects $inside points inside)"
