#!/usr/bin/env bash
# Build the bare-metal instruction tests (build.sh) and run each bin/*.elf under QEMU's spike
# machine, the reference oracle. Exit status 0 = pass; otherwise the failing case number
# (mod 256; an unexpected trap is 1000 + mcause, i.e. 232 + mcause after the mod).
# If src/NAME.expect exists, the test's console output must also match it exactly.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
qemu=${QEMU:-qemu-system-riscv64}
"$here/build.sh" || exit 2
pass=0
fail=0
for elf in "$here"/bin/*.elf; do
    name=$(basename "$elf" .elf)
    timeout 10 "$qemu" -M spike -bios none -nographic -kernel "$elf" </dev/null >"$here/build/$name.out" 2>&1
    status=$?
    expect="$here/src/$name.expect"
    if [ "$status" -eq 0 ] && [ -f "$expect" ] && ! cmp -s "$expect" "$here/build/$name.out"; then
        echo "FAIL $name (console output differs from src/$name.expect)"
        diff "$expect" "$here/build/$name.out" | sed 's/^/    | /'
        fail=$((fail + 1))
    elif [ "$status" -eq 0 ]; then
        echo "PASS $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name (status $status)"
        sed 's/^/    | /' "$here/build/$name.out"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
