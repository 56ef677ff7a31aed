#!/usr/bin/env bash
# Rebuild the bare-metal instruction tests in guests/isa/src/*.S into guests/isa/bin/*.elf.
# Needs Debian's gcc-riscv64-unknown-elf. The ELFs are checked in so `cargo test` needs no
# cross compiler; CI runs this script and checks the result is identical (`git diff --exit-code`).
# The build is reproducible: we assemble to a fixed object name first (a one-step gcc build
# links a random /tmp/ccXXXX.o whose name lands in the ELF's symbol table as a FILE symbol).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
flags=(-march=rv64gc -mabi=lp64d -static -mcmodel=medany -nostdlib -nostartfiles)
cd "$here"
mkdir -p bin build
for src in src/*.S; do
    name=$(basename "$src" .S)
    "$cc" "${flags[@]}" -I src -c "$src" -o "build/$name.o"
    "$cc" "${flags[@]}" -T link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
        "build/$name.o" -o "bin/$name.elf"
done
echo "built $(ls src/*.S | wc -l) tests into $here/bin"
