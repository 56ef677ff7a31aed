#!/usr/bin/env bash
# Rebuild every prebuilt guest from source. With --check, fail if any checked-in ELF differs
# from what its sources build to (CI runs this, so the ELFs in git are always current).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for script in "$here"/*/build.sh "$here"/linux/*/build.sh; do
    [ -x "$script" ] || continue
    echo "== $script"
    "$script"
done
# The benchmark kernels (riscv64 ELFs checked in; native builds go to build/, unchecked).
echo "== $here/bench/linux/build.sh --no-verify"
"$here/bench/linux/build.sh" --no-verify
if [ "${1:-}" = "--check" ]; then
    if ! git -C "$here" diff --exit-code --stat -- .; then
        echo "prebuilt guests are stale: run guests/build-all.sh and commit the ELFs" >&2
        exit 1
    fi
    echo "prebuilt guests are current"
fi
