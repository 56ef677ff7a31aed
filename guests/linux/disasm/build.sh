#!/bin/sh
# Rebuilds the prebuilt static RV64GC test binary used by
# crates/vm-frontend/tests/objdump.rs (decoder/disassembler vs GNU objdump).
# The ELF is checked in so `cargo test` needs no cross compiler.
set -eu
cd "$(dirname "$0")"
riscv64-linux-gnu-gcc -O2 -static -march=rv64gc -mabi=lp64d -o prog.elf prog.c -lm
riscv64-linux-gnu-strip --strip-debug prog.elf
ls -l prog.elf
