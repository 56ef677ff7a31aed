#!/usr/bin/env bash
# Rebuild the small single-purpose guests in guests/misc (reproducibly: fixed object names).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
mkdir -p build
flags=(-march=rv64gc -mabi=lp64d -static -mcmodel=medany -nostdlib -nostartfiles)
for src in *.S; do
    name=$(basename "$src" .S)
    riscv64-unknown-elf-gcc "${flags[@]}" -c "$src" -o "build/$name.o"
    riscv64-unknown-elf-gcc "${flags[@]}" -T ../isa/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
        "build/$name.o" -o "$name.elf"
done
