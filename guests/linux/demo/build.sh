#!/usr/bin/env bash
# Rebuild the embedded Linux demo (guests/linux/demo/demo.rv64, static glibc) with Debian's
# gcc-riscv64-linux-gnu. Reproducible: fixed object name, no build id, debug info stripped.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p build
riscv64-linux-gnu-gcc -O2 -c demo.c -o build/demo.o
riscv64-linux-gnu-gcc -O2 -static -Wl,--build-id=none build/demo.o -o demo.rv64
riscv64-linux-gnu-strip --strip-debug demo.rv64
echo "built $(pwd)/demo.rv64"
