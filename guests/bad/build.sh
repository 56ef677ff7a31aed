#!/usr/bin/env bash
# Rebuild the bad-input guests in guests/bad/src/*.S into guests/bad/bin/*.elf: bare-metal
# programs that fault, spin or call out with no trap handler, for crates/vm-cli/tests/bad_input.rs.
# Needs Debian's gcc-riscv64-unknown-elf. The ELFs are checked in so `cargo test` needs no cross
# compiler. Reproducible: each source names itself with `.file`, and we assemble to a fixed object
# name first, so no random /tmp/ccXXXX name lands in the symbol table.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
flags=(-march=rv64gc -mabi=lp64d -static -mcmodel=medany -nostdlib -nostartfiles)
cd "$here"
mkdir -p bin build
for src in src/*.S; do
    name=$(basename "$src" .S)
    "$cc" "${flags[@]}" -I src -c "$src" -o "build/$name.o"
    "$cc" "${flags[@]}" -T ../isa/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
        "build/$name.o" -o "bin/$name.elf"
done
echo "built $(ls src/*.S | wc -l) guests into $here/bin"
