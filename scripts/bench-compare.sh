#!/usr/bin/env bash
# bench-compare.sh: time the benchmark kernels under every execution engine and compare.
#
# Usage: scripts/bench-compare.sh [-n N] [-k KERNELS] [-t SECS] [-o DIR]
#   -n N        repetitions per (kernel, engine); the median is reported (default 3)
#   -k KERNELS  comma-separated subset of: intkernel,fpkernel,memkernel,branchy,syscalls
#   -t SECS     per-run timeout; a run that times out counts as failed (default 900)
#   -o DIR      keep every run's stdout/stderr in DIR (default: a temp dir, deleted at exit)
#   Environment: VM=path skips `cargo build --release` and uses that vm binary;
#                QEMU=path (default qemu-riscv64); STARTUP_REPS (default 5*N).
#
# What it does:
#   1. builds guests/bench/linux/build/NAME.x86_64 (native, gcc -O2 -static) and
#      NAME.x86_64-scalar (the same with -fno-tree-vectorize) if missing;
#   2. builds vm with `cargo build --release` (target/release/vm);
#   3. for each repetition, for each kernel, runs each engine in turn (round-robin, so drift in
#      machine load hits all engines alike):
#        interp  vm run --mode interp guests/bench/linux/NAME.rv64
#        jit     vm run --mode jit    ...
#        hybrid  vm run --mode hybrid ...
#        qemu    qemu-riscv64 NAME.rv64
#        native  build/NAME.x86_64
#        scalar  build/NAME.x86_64-scalar (native without auto-vectorization: the ceiling for a
#                translator emitting scalar code, as this one and QEMU do)
#      timing the wall clock of the whole process (bash date +%s.%N before and after);
#   4. prints the median seconds per (kernel, engine), then ratios.
# Correctness: each run's "checksum" stdout line must equal the native binary's, else the cell
# says WRONG. An engine that exits non-zero (e.g. "--mode jit is not available yet") or times out
# is shown as n/a and is not retried in later repetitions; the script carries on.
# Startup row: guests/linux/bin/hello.rv64 (static, tiny) under interp/jit/hybrid/qemu, with
# STARTUP_REPS repetitions; its whole stdout is checked against qemu's (no native build).
# Ratios (all time ratios, "x" = times as fast / slow):
#   qemu/jit, qemu/hybrid   > 1 means the JIT / hybrid engine beats qemu
#   native/jit, native/hyb  fraction of native speed, as a percentage
#   qemu/scalar             the qemu/jit a translator would reach at native scalar speed
#   interp/qemu             how many times slower the interpreter is than qemu
# Exit status: 0 unless setup fails (WRONG or n/a cells do not change it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/guests/bench/linux
hello=$root/guests/linux/bin/hello.rv64
ALL_KERNELS=(intkernel fpkernel memkernel branchy syscalls)
ENGINES=(interp jit hybrid qemu native scalar)
QEMU=${QEMU:-qemu-riscv64}

reps=3 timeout_s=900 keep_dir="" kernels=("${ALL_KERNELS[@]}")
while getopts "n:k:t:o:h" opt; do
    case $opt in
    n) reps=$OPTARG ;;
    k) IFS=, read -r -a kernels <<<"$OPTARG" ;;
    t) timeout_s=$OPTARG ;;
    o) keep_dir=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "-n wants a positive integer" >&2; exit 2; }
startup_reps=${STARTUP_REPS:-$((5 * reps))}
for k in "${kernels[@]}"; do
    [ -f "$bench/$k.c" ] || { echo "unknown kernel: $k" >&2; exit 2; }
done

if [ -n "$keep_dir" ]; then
    out=$keep_dir
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

# 1. native reference binaries
for k in "${kernels[@]}"; do
    if [ ! -x "$bench/build/$k.x86_64" ] || [ ! -x "$bench/build/$k.x86_64-scalar" ]; then
        echo "building native kernels (guests/bench/linux/build.sh --native-only)" >&2
        "$bench/build.sh" --native-only >&2
        break
    fi
done
# 2. vm
if [ -z "${VM:-}" ]; then
    echo "cargo build --release" >&2
    (cd "$root" && cargo build --release --quiet --bin vm) >&2
    VM=$root/target/release/vm
fi
[ -x "$VM" ] || { echo "vm binary not found: $VM" >&2; exit 1; }
command -v "$QEMU" >/dev/null || echo "warning: $QEMU not found; qemu column will be n/a" >&2

# command line for engine $1 running kernel $2 (or hello when $2 = hello)
engine_cmd() {
    local e=$1 k=$2 guest
    if [ "$k" = hello ]; then guest=$hello; else guest=$bench/$k.rv64; fi
    case $e in
    interp | jit | hybrid) cmd=("$VM" run --mode "$e" "$guest") ;;
    qemu) cmd=("$QEMU" "$guest") ;;
    native) cmd=("$bench/build/$k.x86_64") ;;
    scalar) cmd=("$bench/build/$k.x86_64-scalar") ;;
    esac
}

declare -A times status reason ref
# run kernel $1 under engine $2 (repetition $3); appends the wall time or records the failure
run_one() {
    local k=$1 e=$2 i=$3 t0 t1 rc=0 got
    local key=$k/$e
    [ "${status[$key]:-}" = na ] && return 0
    engine_cmd "$e" "$k"
    local o=$out/$k.$e.$i.out errf=$out/$k.$e.$i.err
    t0=$(date +%s.%N)
    timeout "$timeout_s" "${cmd[@]}" >"$o" 2>"$errf" </dev/null || rc=$?
    t1=$(date +%s.%N)
    if [ $rc -ne 0 ]; then
        status[$key]=na
        if [ $rc = 124 ]; then reason[$key]="timed out after ${timeout_s}s"
        else reason[$key]="exit $rc: $(grep -m1 . "$errf" | cut -c1-100)"; fi
        return 0
    fi
    times[$key]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') "
    if [ "$k" = hello ]; then got=$(cat "$o"); else got=$(grep -m1 checksum "$o" || true); fi
    if [ -z "${ref[$k]+x}" ]; then
        ref[$k]=$got # the reference engine (native, or qemu for hello) runs first
    elif [ "$got" != "${ref[$k]}" ]; then
        status[$key]=wrong
        reason[$key]="run $i printed '$(head -c 80 <<<"$got")', expected '$(head -c 80 <<<"${ref[$k]}")'"
    fi
}

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 }
    END { if (NR == 0) exit; m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
          printf "%.3f", m }'; }

# 3. round-robin timing; the reference engine goes first within each round
total=$(((${#kernels[@]} * ${#ENGINES[@]}) * reps))
n=0
for ((i = 1; i <= reps; i++)); do
    for k in "${kernels[@]}"; do
        for e in native interp jit hybrid qemu scalar; do
            n=$((n + 1))
            printf '\r[%d/%d] rep %d %-10s %-7s' "$n" "$total" "$i" "$k" "$e" >&2
            run_one "$k" "$e" "$i"
        done
    done
done
for ((i = 1; i <= startup_reps; i++)); do
    for e in qemu interp jit hybrid; do
        printf '\r[startup %d/%d] %-7s               ' "$i" "$startup_reps" "$e" >&2
        run_one hello "$e" "$i"
    done
done
printf '\r%60s\r' '' >&2

# 4. report
cell() { # median seconds for $1/$2, or n/a / WRONG
    local key=$1/$2
    case ${status[$key]:-ok} in
    na) echo n/a ;;
    wrong) echo WRONG ;;
    *) local m; m=$(median "${times[$key]:-}"); echo "${m:-n/a}" ;;
    esac
}
ratio() { # $1 / $2 with format $3 (and optional scale $4), or n/a
    awk -v a="$1" -v b="$2" -v f="$3" -v s="${4:-1}" 'BEGIN {
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) { print "n/a"; exit }
        printf f, s * a / b }'
}

echo "vm: $VM"
echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cpus; $($QEMU --version 2>/dev/null | head -1)"
echo "median wall seconds of $reps runs (startup row: $startup_reps runs)"
echo
printf '| %-10s | %8s | %8s | %8s | %8s | %8s | %8s |\n' kernel interp jit hybrid qemu native scalar
printf '|%s|%s|%s|%s|%s|%s|%s|\n' ------------ ---------- ---------- ---------- ---------- ---------- ----------
declare -A med
for k in "${kernels[@]}" hello; do
    row=()
    for e in "${ENGINES[@]}"; do
        if [ "$k" = hello ] && { [ "$e" = native ] || [ "$e" = scalar ]; }; then c=-; else c=$(cell "$k" "$e"); fi
        med[$k/$e]=$c
        row+=("$c")
    done
    label=$k
    [ "$k" = hello ] && label="hello*"
    printf '| %-10s | %8s | %8s | %8s | %8s | %8s | %8s |\n' "$label" "${row[@]}"
done
echo "* startup: guests/linux/bin/hello.rv64 (static), no native build"
echo
printf '| %-10s | %9s | %11s | %10s | %13s | %11s | %11s |\n' kernel qemu/jit qemu/hybrid native/jit native/hybrid interp/qemu qemu/scalar
printf '|%s|%s|%s|%s|%s|%s|%s|\n' ------------ ----------- ------------- ------------ --------------- ------------- -------------
for k in "${kernels[@]}" hello; do
    label=$k
    [ "$k" = hello ] && label="hello*"
    printf '| %-10s | %9s | %11s | %10s | %13s | %11s | %11s |\n' "$label" \
        "$(ratio "${med[$k/qemu]}" "${med[$k/jit]}" '%.2fx')" \
        "$(ratio "${med[$k/qemu]}" "${med[$k/hybrid]}" '%.2fx')" \
        "$(ratio "${med[$k/native]}" "${med[$k/jit]}" '%.1f%%' 100)" \
        "$(ratio "${med[$k/native]}" "${med[$k/hybrid]}" '%.1f%%' 100)" \
        "$(ratio "${med[$k/interp]}" "${med[$k/qemu]}" '%.2fx')" \
        "$(ratio "${med[$k/qemu]}" "${med[$k/scalar]}" '%.2fx')"
done
echo "qemu/X > 1: X is faster than qemu; native/X: X's speed as a % of native; interp/qemu: interp slowdown vs qemu"
echo "qemu/scalar: what qemu/jit would be if translated code ran as fast as native code without SIMD"

notes=()
for key in "${!status[@]}"; do
    [ "${status[$key]}" = ok ] || notes+=("$key: ${status[$key]/na/n\/a} (${reason[$key]})")
done
if [ ${#notes[@]} -gt 0 ]; then
    echo
    printf '%s\n' "${notes[@]}" | sort
fi
