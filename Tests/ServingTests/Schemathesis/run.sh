#!/usr/bin/env bash
# Schema conformance of `workbench serve` against its own openapi.yaml, checked by Schemathesis
# (installed from PyPI into a virtual environment under .build). Exports a penguins bundle,
# starts the server on a free port, runs Schemathesis with the checks "no 5xx" and "responses
# conform to the schema" (plus status codes and content types the document declares), stops the
# server, and exits non-zero on any failure. Everything runs under a hard 5-minute limit.
#   Tests/ServingTests/Schemathesis/run.sh
# SCRATCH_PATH=DIR builds into that build directory (and keeps the virtual environment there)
# instead of .build.
set -euo pipefail
if [ "${WORKBENCH_SCHEMATHESIS_INNER:-}" != 1 ]; then
    WORKBENCH_SCHEMATHESIS_INNER=1 exec timeout -k 10 300 "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
# shellcheck source=../lib.sh
source "$here/../lib.sh"

build_workbench
venv="$build_dir/schemathesis-venv"
ensure_venv "$venv" "$here/requirements.txt"

work=$(mktemp -d -t workbench-schemathesis.XXXXXX)
server_pid=""
trap stop_server EXIT
serve_penguins "$work"

status=0
# From the scratch folder: Schemathesis leaves a .schemathesis cache where it runs.
cd "$work"
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/v1/openapi.yaml" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-60}" --seed 42 --no-color || status=$?
kill -0 "$server_pid" 2>/dev/null || { echo "the server died during the run"; cat "$work/serve.err"; status=1; }
if [ "$status" -eq 0 ]; then echo "schemathesis: 1 passed, 0 failed"; else echo "schemathesis: 0 passed, 1 failed"; fi
exit "$status"
