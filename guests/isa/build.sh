#!/usr/bin/env bash
# Rebuild the bare-metal instruction tests in guests/isa/src/*.S into guests/isa/bin/*.elf.
# Needs Debian's gcc-riscv64-unknown-elf. The ELFs are checked in so `cargo test` needs no
# cross compiler; CI runs this script and checks the result is identical (`git diff --exit-code`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
mkdir -p "$here/bin"
for src in "$here"/src/*.S; do
    name=$(basename "$src" .S)
    "$cc" -march=rv64gc -mabi=lp64d -static -mcmodel=medany -nostdlib -nostartfiles \
        -I "$here/src" -T "$here/link.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments "$src" -o "$here/bin/$name.elf"
done
echo "built $(ls "$here"/src/*.S | wc -l) tests into $here/bin"
