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
venv="$build_dir/tritonclient-venv"
ensure_venv "$venv" "$here/../tritonclient-requirements.txt"

work=$(mktemp -d -t workbench-oip.XXXXXX)
server_pid=""
trap stop_server EXIT
serve_penguins "$work"

status=0
"$venv/bin/python" "$here/check_tritonclient.py" "$port" m "$root/examples/penguins_fresh.csv" || status=$?
kill -0 "$server_pid" 2>/dev/null || { echo "the server died during the run"; cat "$work/serve.err"; status=1; }
exit "$status"
