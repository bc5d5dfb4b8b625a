# Shared by the scripts that drive a real `workbench serve` (Tests/ServingTests/*/run.sh,
# Benchmarks/shadow/run.sh): sourced, never run on its own.
#   ensure_wrk                   wrk from Debian when this machine lacks it
#   build_workbench              builds the debug `workbench` and sets $bin (SCRATCH_PATH=DIR builds
#                                there) and $build_dir (where virtual environments may be kept)
#   wait_for_port OUT PID ERR    prints the port a server started as PID wrote to OUT, waiting up to
#                                30 s; fails, showing ERR, when the server stops or never says it
#   ensure_venv DIR REQUIREMENTS a virtual environment in DIR with exactly the pinned REQUIREMENTS
#                                file installed (remade when the file changes; .ci/prerequisites.sh
#                                makes the same ones ahead of time)
#   serve_penguins WORK          exports a linear penguins model into WORK and serves it on a free
#                                port (its log in WORK) with $bin: sets $server_pid and $port
#   stop_server                  for an EXIT trap: stops the server if one started, removes $work

ensure_wrk() {
    command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
}

build_workbench() {
    local scratch=()
    build_dir="$root/.build"
    if [ -n "${SCRATCH_PATH:-}" ]; then scratch=(--scratch-path "$SCRATCH_PATH"); build_dir="$SCRATCH_PATH"; fi
    swift build --product workbench "${scratch[@]}" >/dev/null
    bin="$(swift build "${scratch[@]}" --show-bin-path)/workbench"
}

wait_for_port() {
    local out=$1 pid=$2 err=$3 port=""
    for _ in $(seq 1 300); do
        port=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$out" | head -n 1 | sed 's/.*://' || true)
        [ -n "$port" ] && { echo "$port"; return 0; }
        kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; echo "the server did not start" >&2; return 1; }
        sleep 0.1
    done
    echo "the server did not say its port" >&2
    return 1
}

ensure_venv() {
    local venv=$1 requirements=$2
    cmp -s "$requirements" "$venv/workbench-requirements.txt" && return 0
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/workbench-requirements.txt"
}

serve_penguins() {
    local folder=$1
    cat > "$folder/export.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
m = train linear on penguins target=species
export m to "$folder/bundle"
WB
    WORKBENCH_HOME="$folder/home" "$bin" run "$folder/export.wb" >/dev/null
    "$bin" serve "$folder/bundle" --port 0 --log "$folder/log.sqlite" >"$folder/serve.out" 2>"$folder/serve.err" &
    server_pid=$!
    port=$(wait_for_port "$folder/serve.out" "$server_pid" "$folder/serve.err")
}

stop_server() {
    if [ -n "${server_pid:-}" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
