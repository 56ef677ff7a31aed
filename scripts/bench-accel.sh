#!/usr/bin/env bash
# bench-accel.sh: accelerated mode (x86-64 in KVM) against native and qemu-x86_64.
#
# Usage: scripts/bench-accel.sh [-n N]      (N runs of each, alternating; the median is shown)
#   Environment: VM=path skips `cargo build --release`; QEMU=path (default qemu-x86_64).
#
# Builds guests/x86/bench/{alloc,getpid}.c with `gcc -O2 -static` and reports
#   alloc   whole-process wall time (compute and malloc/free heavy): native, accel, qemu,
#           and accel's speed as a percentage of native;
#   getpid  microseconds per system call round trip, as the program measures it itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=3
while getopts "n:h" opt; do
    case $opt in
    n) reps=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
QEMU=${QEMU:-qemu-x86_64}
if [ -z "${VM:-}" ]; then
    (cd "$root" && cargo build --release -q)
    VM=$root/target/release/vm
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for b in alloc getpid; do
    gcc -O2 -static -o "$out/$b" "$root/guests/x86/bench/$b.c"
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wall() { local s e; s=$(date +%s.%N); "$@" > "$out/stdout" 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

declare -A t
for ((i = 1; i <= reps; i++)); do
    t[native]+="$(wall "$out/alloc") "
    t[accel]+="$(wall "$VM" run --arch x86_64 --mode accel "$out/alloc") "
    grep -q "alloc checksum" "$out/stdout" || { echo "accel alloc run failed:"; cat "$out/stdout"; exit 1; }
    t[qemu]+="$(wall "$QEMU" "$out/alloc") "
done
calls=20000
us() { "$@" "$calls" | sed -n 's/.* calls, \([0-9.]*\) us per call.*/\1/p'; }
declare -A g
for ((i = 1; i <= reps; i++)); do
    g[native]+="$(us "$out/getpid") "
    g[accel]+="$(us "$VM" run --arch x86_64 --mode accel "$out/getpid") "
    g[qemu]+="$(us "$QEMU" "$out/getpid") "
done
m() { tr ' ' '\n' <<<"$1" | grep . | median; }
an=$(m "${t[native]}") aa=$(m "${t[accel]}") aq=$(m "${t[qemu]}")
echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cpus; median of $reps runs"
echo
echo "| benchmark            |   native |    accel | qemu-x86_64 | accel vs native |"
echo "|----------------------|----------|----------|-------------|-----------------|"
printf "| alloc (wall s)       | %8.3f | %8.3f | %11.3f | %14.1f%% |\n" "$an" "$aa" "$aq" "$(echo "100 * $an / $aa" | bc -l)"
printf "| getpid (us per call) | %8.3f | %8.3f | %11.3f | %14.1fx |\n" "$(m "${g[native]}")" "$(m "${g[accel]}")" \
    "$(m "${g[qemu]}")" "$(echo "$(m "${g[accel]}") / $(m "${g[native]}")" | bc -l)"
echo
echo "accel vs native: for alloc, native time / accel time (100% = native speed); for getpid, how many times slower a call is"
