#!/usr/bin/env bash
# Run every case in tests.txt under qemu-riscv64 twice and print, per case, the exit status and a
# hash of (status, stdout, stderr) for each run; flag any case whose two runs differ
# (nondeterminism). The first run's outputs are kept in build/qemu/ID.{stdout,stderr,status}.
# Usage: run-qemu.sh [ID-FILTER-REGEX]. Exit status 0 iff every case is deterministic.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
qemu=$(command -v "${QEMU:-qemu-riscv64}") || { echo "qemu-riscv64 not found" >&2; exit 2; }
sysroot=/usr/riscv64-linux-gnu
filter=${1:-}
out=build/qemu
mkdir -p "$out"
ulimit -c 0

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

# run_case ID PROG ARGS STDIN LINK ENV DEST -> writes DEST.{stdout,stderr,status}
run_case() {
    local id=$1 prog=$2 args=$3 stdin=$4 link=$5 env=$6 dest=$7
    local bin=bin/$prog.rv64 cmd=("$qemu")
    if [ "$link" = dyn ]; then
        bin=bin/$prog.dyn.rv64
        cmd+=(-L "$sysroot")
    fi
    [ -n "$stdin" ] || stdin=/dev/null
    local -a argv envv
    read -r -a argv <<<"$args"
    read -r -a envv <<<"$env"
    # Killed-by-signal shows up as 128+N ($? of a foreground command), like a shell reports it.
    env -i "${envv[@]}" VMTEST_EXEC_WRAPPER="$qemu -L $sysroot" \
        timeout 120 "${cmd[@]}" "$bin" "${argv[@]}" <"$stdin" >"$dest.stdout" 2>"$dest.stderr"
    echo $? >"$dest.status"
}

total=0
bad=0
while IFS= read -r line || [ -n "$line" ]; do
    line=$(trim "$line")
    [ -z "$line" ] && continue
    [ "${line:0:1}" = "#" ] && continue
    IFS='|' read -r id prog args stdin link env <<<"$line"
    id=$(trim "$id"); prog=$(trim "$prog"); args=$(trim "$args")
    stdin=$(trim "$stdin"); link=$(trim "${link:-static}"); env=$(trim "${env:-}")
    if [ -n "$filter" ] && ! [[ $id =~ $filter ]]; then continue; fi
    total=$((total + 1))
    hashes=()
    statuses=()
    for run in 1 2; do
        dest=$out/$id
        [ $run = 2 ] && dest=$out/.$id.run2
        run_case "$id" "$prog" "$args" "$stdin" "$link" "$env" "$dest" 2>/dev/null
        statuses+=("$(cat "$dest.status")")
        hashes+=("$(cat "$dest.status" "$dest.stdout" <(printf '\0stderr\0') "$dest.stderr" | sha256sum | cut -c1-16)")
    done
    flag=""
    if [ "${hashes[0]}" != "${hashes[1]}" ]; then
        flag="  NONDETERMINISTIC"
        bad=$((bad + 1))
        for s in stdout stderr status; do
            diff "$out/$id.$s" "$out/.$id.run2.$s" | sed "s/^/    $s| /"
        done
    fi
    printf '%-18s status %-3s %s  status %-3s %s%s\n' "$id" "${statuses[0]}" "${hashes[0]}" \
        "${statuses[1]}" "${hashes[1]}" "$flag"
    rm -f "$out/.$id.run2".*
done <tests.txt
echo "$total cases, $bad nondeterministic"
[ "$bad" -eq 0 ]
