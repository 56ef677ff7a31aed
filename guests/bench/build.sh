#!/usr/bin/env bash
# Rebuild the interpreter benchmark guests (guests/bench/*.elf) with gcc-riscv64-unknown-elf.
# Reproducible: sources are compiled to fixed object names (a one-step gcc build would put a
# random /tmp/ccXXXX.o name in the symbol table).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
mkdir -p build
flags=(-march=rv64gc -mabi=lp64d -static -mcmodel=medany -nostdlib -nostartfiles -ffreestanding)
link=(-T ../isa/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
riscv64-unknown-elf-gcc "${flags[@]}" -I ../isa/src -c loop.S -o build/loop.o
riscv64-unknown-elf-gcc "${flags[@]}" "${link[@]}" build/loop.o -o loop.elf
expected=$(cc -O2 -DHOST mixed.c -o build/mixed-host && build/mixed-host)
riscv64-unknown-elf-gcc "${flags[@]}" -c start.S -o build/start.o
riscv64-unknown-elf-gcc "${flags[@]}" -O2 -DEXPECTED="${expected}ull" -c mixed.c -o build/mixed.o
riscv64-unknown-elf-gcc "${flags[@]}" "${link[@]}" build/start.o build/mixed.o -o mixed.elf
echo "built loop.elf and mixed.elf (mixed expects $expected)"
