#!/usr/bin/env bash
# Build the GDB test guest: gdbtarget.rv64, static, -O0 -g (debug info for breakpoints by
# line, locals, backtraces). Reproducible like ../build.sh, so build-all.sh --check can
# verify the checked-in ELF.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-riscv64-linux-gnu-gcc}
"$CC" -O0 -g -Wall -march=rv64gc -mabi=lp64d -ffile-prefix-map="$PWD"=. -c gdbtarget.c -o gdbtarget.o
"$CC" -static -Wl,--build-id=none -o gdbtarget.rv64 gdbtarget.o
rm -f gdbtarget.o
echo "built gdbtarget.rv64"
