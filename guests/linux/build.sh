#!/usr/bin/env bash
# Build the Linux user-mode guest test programs (src/*.c) into bin/:
#   bin/NAME.rv64      static  (riscv64-linux-gnu-gcc -O2 -static)
#   bin/NAME.dyn.rv64  dynamic (glibc from /usr/riscv64-linux-gnu) for the programs in DYNAMIC
# Needs Debian's gcc-riscv64-linux-gnu and libc6-dev-riscv64-cross. The ELFs are checked in so
# tests need no cross compiler; builds are reproducible (fixed object names, no build id, paths
# relative to this directory), so guests/build-all.sh --check can verify them.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-riscv64-linux-gnu-gcc}
CFLAGS=(-O2 -Wall -march=rv64gc -mabi=lp64d -ffile-prefix-map="$PWD"=.)
LDFLAGS=(-Wl,--build-id=none)
DYNAMIC=(hello args cat floatio malloc qsort fileio forkexec)

mkdir -p build bin
for src in src/*.c; do
    name=$(basename "$src" .c)
    "$CC" "${CFLAGS[@]}" -c "$src" -o "build/$name.o"
    "$CC" -static "${LDFLAGS[@]}" -o "bin/$name.rv64" "build/$name.o" -lm
done
for name in "${DYNAMIC[@]}"; do
    "$CC" "${LDFLAGS[@]}" -o "bin/$name.dyn.rv64" "build/$name.o" -lm
done
ls bin | wc -l | sed 's/^/built ELFs: /'
