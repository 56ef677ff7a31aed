# Run every case of tests.txt under qemu-riscv64 twice; check exit status 0 and identical
# stdout; print one line per case: sha256 of stdout, stdout bytes, wall seconds of each run.
# Run as:  bash guests/linux/real/check-qemu.sh   (not executable on purpose, like build.sh)
set -euo pipefail
cd "$(dirname "$0")"
qemu=${QEMU:-qemu-riscv64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
while IFS= read -r line; do
    case "$line" in '' | '#'*) continue ;; esac
    n=$((n + 1))
    IFS='|' read -r bin args stdin <<<"$line"
    bin=$(echo $bin)
    stdin=$(echo $stdin)
    [ -n "$stdin" ] || stdin=/dev/null
    times=()
    for run in 1 2; do
        start=$(date +%s.%N)
        set +e
        # shellcheck disable=SC2086 # args are whitespace-split by design
        "$qemu" "./$bin" $args <"$stdin" >"$tmp/out$run" 2>"$tmp/err$run"
        rc=$?
        set -e
        end=$(date +%s.%N)
        times+=("$(awk "BEGIN { printf \"%.2f\", $end - $start }")")
        if [ $rc -ne 0 ]; then
            echo "FAIL case $n ($line): exit $rc" >&2
            sed 's/^/  stderr: /' "$tmp/err$run" >&2
            fail=1
        fi
    done
    if ! cmp -s "$tmp/out1" "$tmp/out2"; then
        echo "FAIL case $n ($line): stdout differs between runs" >&2
        fail=1
    fi
    printf '%s  %8d bytes  %ss %ss  %s\n' "$(sha256sum <"$tmp/out1" | cut -d' ' -f1)" \
        "$(stat -c %s "$tmp/out1")" "${times[0]}" "${times[1]}" "$line"
done <tests.txt
exit $fail
