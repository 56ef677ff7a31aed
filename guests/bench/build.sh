#!/usr/bin/env bash
# Rebuild the interpreter benchmark guests (guests/bench/*.elf) with gcc-riscv64-unknown-elf.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flags=(-march=rv64gc -mabi=lp64d -static -mcmodel=medany -nostdlib -nostartfiles -ffreestanding
       -T "$here/../isa/link.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
riscv64-unknown-elf-gcc "${flags[@]}" -I "$here/../isa/src" "$here/loop.S" -o "$here/loop.elf"
expected=$(cc -O2 -DHOST "$here/mixed.c" -o /tmp/vm-bench-mixed-host && /tmp/vm-bench-mixed-host)
riscv64-unknown-elf-gcc "${flags[@]}" -O2 -DEXPECTED="${expected}ull" "$here/start.S" "$here/mixed.c" -o "$here/mixed.elf"
echo "built loop.elf and mixed.elf (mixed expects $expected)"
