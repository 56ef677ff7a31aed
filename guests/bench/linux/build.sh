#!/usr/bin/env bash
# Build the benchmark kernels (*.c here) that scripts/bench-compare.sh times:
#   NAME.rv64          riscv64-linux-gnu-gcc -O2 -static   (checked in; reproducible: fixed
#                      object names, no build id, paths relative to this directory)
#   build/NAME.x86_64  gcc -O2 -static, native reference    (not checked in; build/ is ignored)
#   build/NAME.x86_64-scalar  the same with -fno-tree-vectorize: native code without SIMD, the
#                      ceiling for a translator that, like this one and QEMU, emits scalar code
# then runs both native binaries and the riscv64 one under qemu-riscv64 (if present) and fails
# unless all three print the same checksum. Options:
#   --native-only   build only the two native binaries (no cross compiler needed, no verification)
#   --no-verify     skip the run-and-compare step
# Iteration counts are compile-time constants in each source (about 1-2 s natively on x86-64).
set -euo pipefail
cd "$(dirname "$0")"
KERNELS=(intkernel fpkernel memkernel branchy syscalls)
RVCC=${RVCC:-riscv64-linux-gnu-gcc}
HOSTCC=${HOSTCC:-gcc}
# -ffp-contract=off: no fused multiply-add on either side, so doubles round identically.
COMMON=(-O2 -Wall -ffp-contract=off -ffile-prefix-map="$PWD"=.)
native_only=0 verify=1
for arg in "$@"; do
    case $arg in
    --native-only) native_only=1 verify=0 ;;
    --no-verify) verify=0 ;;
    *) echo "usage: $0 [--native-only] [--no-verify]" >&2; exit 2 ;;
    esac
done

mkdir -p build
for k in "${KERNELS[@]}"; do
    if [ $native_only = 0 ]; then
        "$RVCC" "${COMMON[@]}" -march=rv64gc -mabi=lp64d -c "$k.c" -o build/$k.rv64.o
        "$RVCC" -static -Wl,--build-id=none -o "$k.rv64" build/$k.rv64.o -lm
    fi
    "$HOSTCC" "${COMMON[@]}" -c "$k.c" -o build/$k.x86_64.o
    "$HOSTCC" -static -o "build/$k.x86_64" build/$k.x86_64.o -lm
    "$HOSTCC" "${COMMON[@]}" -fno-tree-vectorize -c "$k.c" -o build/$k.x86_64-scalar.o
    "$HOSTCC" -static -o "build/$k.x86_64-scalar" build/$k.x86_64-scalar.o -lm
done
echo "built: ${KERNELS[*]}"

[ $verify = 1 ] || exit 0
if ! command -v qemu-riscv64 >/dev/null; then
    echo "qemu-riscv64 not found: riscv64 checksums not verified" >&2
    exit 0
fi
fail=0
for k in "${KERNELS[@]}"; do
    native=$(build/$k.x86_64 | grep checksum)
    scalar=$(build/$k.x86_64-scalar | grep checksum)
    rv=$(qemu-riscv64 "./$k.rv64" | grep checksum)
    if [ "$native" = "$rv" ] && [ "$scalar" = "$rv" ]; then
        echo "ok    $native"
    else
        echo "DIFF  $k: native '$native', scalar '$scalar' vs riscv64 '$rv'" >&2
        fail=1
    fi
done
exit $fail
