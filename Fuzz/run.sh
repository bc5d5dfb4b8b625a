#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) and prints, per target, the executions,
# the crashes and the corpus size. Usage:
#   Fuzz/run.sh [SECONDS] [TARGET...]      fuzz (targets: csv parser transcript bundle lesson http model)
#   Fuzz/run.sh --regress                  run every target once over its seeds and saved crashes
#   FUZZ_CONFIG=release Fuzz/run.sh 10800 model   a release (-O) build: faster, checks kept
# Seeds are in Fuzz/corpus/TARGET (committed); what the fuzzer adds goes to Fuzz/.work/ (ignored).
# A crash is saved as Fuzz/crashes/TARGET-crash-HASH: fix it, add a regression test to the normal
# test suite, and keep the file so --regress replays it.
set -uo pipefail
cd "$(dirname "$0")"

mode=fuzz
seconds=60
if [ "${1:-}" = "--regress" ]; then mode=regress; shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(csv parser expression transcript bundle lesson http model)

# FUZZ_CONFIG=release builds with -O: Swift's bounds and overflow checks stay on (only -Ounchecked
# removes them) and ASan still watches the unchecked fast paths; several times the executions a second.
config=${FUZZ_CONFIG:-debug}
./build.sh -c "$config" >/tmp/workbench-fuzz-build.log 2>&1 || { tail -30 /tmp/workbench-fuzz-build.log; echo "fuzz build failed"; exit 2; }
bin=$(swift build -c "$config" --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address --show-bin-path)
mkdir -p crashes .work

# Swift's backtracer would catch a trap before libFuzzer and no crash file would be written.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=0

max_len() { case $1 in bundle) echo 65536 ;; http) echo 70000 ;; lesson|transcript) echo 16384 ;; model) echo 512 ;; *) echo 4096 ;; esac; }

status=0
if [ $mode = regress ]; then printf '%-11s %12s %8s\n' target inputs failed
else printf '%-11s %12s %8s %8s %s\n' target executions crashes corpus seconds; fi
for t in "${targets[@]}"; do
    exe="$bin/fuzz-$t"
    [ -x "$exe" ] || { echo "no fuzz target '$t'"; status=2; continue; }
    log=.work/$t.log
    if [ $mode = regress ]; then
        inputs=(corpus/$t/*)
        for f in crashes/$t-*; do [ -e "$f" ] && inputs+=("$f"); done
        "$exe" -timeout=10 "${inputs[@]}" >"$log" 2>&1
        code=$?
        printf '%-11s %12s %8s\n' "$t" "${#inputs[@]}" "$([ $code -eq 0 ] && echo 0 || echo 1)"
        [ $code -ne 0 ] && { status=1; tail -20 "$log"; }
        continue
    fi
    mkdir -p .work/corpus-$t
    before=$(ls crashes | grep -c "^$t-" || true)
    dict=()
    [ -f "$t.dict" ] && dict=(-dict="$t.dict")
    start=$(date +%s)
    "$exe" .work/corpus-$t corpus/$t "${dict[@]}" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
        -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="crashes/$t-" >"$log" 2>&1
    elapsed=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    after=$(ls crashes | grep -c "^$t-" || true)
    corpus=$(ls .work/corpus-$t | wc -l)
    crashes=$((after - before))
    printf '%-11s %12s %8s %8s %s\n' "$t" "${execs:-?}" "$crashes" "$corpus" "$elapsed"
    if [ "$crashes" -gt 0 ]; then
        status=1
        grep -m1 -A12 -E 'Fatal error|ERROR: (libFuzzer|AddressSanitizer)' "$log" | head -20
    fi
done
rm -rf /tmp/workbench-fuzz-[0-9]* 2>/dev/null
exit $status
