#!/usr/bin/env bash
# The Open Inference Protocol (/v2) of `workbench serve` against the official Python client,
# tritonclient[http] (installed from PyPI into a virtual environment under .build): exports a
# penguins bundle, serves it on a free port and runs check_tritonclient.py (metadata, readiness,
# infer on the fresh rows with /v1's labels and probabilities, malformed requests -> 4xx with
# {"error": ...}). Everything runs under a hard 5-minute limit.
#   Tests/ServingTests/OpenInference/run.sh
# SCRATCH_PATH=DIR builds into that build directory (and keeps the virtual environment there)
# instead of .build.
set -euo pipefail
if [ "${WORKBENCH_OIP_INNER:-}" != 1 ]; then
    WORKBENCH_OIP_INNER=1 exec timeout -k 10 300 "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
# shellcheck source=../lib.sh
source "$here/../lib.sh"

build_workbench
binary=$bin
venv="$build_dir/tritonclient-venv"
ensure_venv "$venv" "$here/../tritonclient-requirements.txt"

work=$(mktemp -d -t workbench-oip.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/export.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
m = train linear on penguins target=species
export m to "$work/bundle"
WB
WORKBENCH_HOME="$work/home" "$binary" run "$work/export.wb" >/dev/null

"$binary" serve "$work/bundle" --port 0 --log "$work/log.sqlite" >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
port=$(wait_for_port "$work/serve.out" "$server_pid" "$work/serve.err")

status=0
"$venv/bin/python" "$here/check_tritonclient.py" "$port" m "$root/examples/penguins_fresh.csv" || status=$?
kill -0 "$server_pid" 2>/dev/null || { echo "the server died during the run"; cat "$work/serve.err"; status=1; }
exit "$status"
