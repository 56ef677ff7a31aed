#!/usr/bin/env bash
# Rebuild the ELF loader test guests (crates/vm-linux/tests/real_guests.rs):
#   hello-static.elf      hello.c, -static            (ET_EXEC)
#   hello-dynamic.elf     hello.c, dynamic glibc       (ET_DYN + PT_INTERP ld-linux-riscv64-lp64d.so.1)
#   nolibc-static-pie.elf nolibc.c, -static-pie        (ET_DYN, no PT_INTERP; Debian's riscv64 glibc
#                                                       cannot link static-pie: no rcrt1.o)
# Reproducible: fixed object names, no build id, debug info stripped. The ELFs are checked in
# so `cargo test` needs no cross compiler.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p build
cc=riscv64-linux-gnu-gcc
flags=(-O2 -march=rv64gc -mabi=lp64d)
"$cc" "${flags[@]}" -fPIE -c hello.c -o build/hello.o
"$cc" "${flags[@]}" -static -Wl,--build-id=none build/hello.o -o hello-static.elf
"$cc" "${flags[@]}" -Wl,--build-id=none build/hello.o -o hello-dynamic.elf
"$cc" "${flags[@]}" -fPIE -ffreestanding -fno-stack-protector -c nolibc.c -o build/nolibc.o
"$cc" "${flags[@]}" -static-pie -nostdlib -Wl,--no-dynamic-linker -Wl,--build-id=none build/nolibc.o -o nolibc-static-pie.elf
for f in hello-static.elf hello-dynamic.elf nolibc-static-pie.elf; do
    riscv64-linux-gnu-strip --strip-debug "$f"
done
ls -l ./*.elf
