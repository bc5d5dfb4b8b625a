#!/usr/bin/env bash
# Issue 19's batch attack against a release `workbench serve` on 127.0.0.1: 4 clients POST 1 MiB
# bodies back to back while a prober times /healthz (see batch_attack.py). Trains linear on the
# repository's examples/penguins.csv. Runs the issue's empty-row body, then real rows up to the
# row limit.   Benchmarks/serve/batch-attack.sh     DURATION=10 WORKBENCH_BIN=FILE …
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-20}
cd "$root"
if [ -n "${WORKBENCH_BIN:-}" ]; then
    workbench=$(cd "$(dirname "$WORKBENCH_BIN")" && pwd)/$(basename "$WORKBENCH_BIN")
else
    swift build -c release --product workbench >/dev/null
    workbench="$(swift build -c release --show-bin-path)/workbench"
fi
work=$(mktemp -d -t workbench-batch-attack.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
printf 'load "%s/examples/penguins.csv" as penguins\nm = train linear on penguins target=species\nexport m to "%s/bundle"\n' "$root" "$work" > "$work/export.wb"
"$workbench" run "$work/export.wb" >/dev/null
for kind in empty rows; do
    "$workbench" serve "$work/bundle" --port 0 > "$work/serve.out" 2>&1 &
    server_pid=$!
    port=""
    for _ in $(seq 1 200); do
        port=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/serve.out" | head -1 | sed 's/.*://') && [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$work/serve.out"; exit 1; }
    python3 "$here/batch_attack.py" "$port" "$server_pid" "$duration" 4 "$kind"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done
