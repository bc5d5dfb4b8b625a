#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests: no system service, nothing outside one temporary
# folder. Debian's `postgresql` package provides the programs (installed by .ci/run).
#
#   eval "$(bash Tests/Postgres/cluster.sh start)"    # prints export lines: WORKBENCH_TEST_POSTGRES, WORKBENCH_PG_DIR
#   bash Tests/Postgres/cluster.sh stop "$WORKBENCH_PG_DIR"
#
# The server listens on 127.0.0.1 on a free port, with password (SCRAM) authentication for a
# superuser `workbench` whose random password is in the printed URL. initdb refuses to run as
# root, so as root the cluster runs as the `postgres` user (created by Debian's package) or nobody.
set -euo pipefail

bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$dir" ] && command -v initdb >/dev/null; then dir=$(dirname "$(readlink -f "$(command -v initdb)")"); fi
    [ -n "$dir" ] && [ -x "$dir/initdb" ] || { echo "PostgreSQL's initdb is not installed (Debian: apt-get install postgresql)" >&2; exit 1; }
    echo "$dir"
}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$OWNER" -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    BIN=$(bindir)
    DIR=$(mktemp -d /tmp/workbench-pg.XXXXXX)
    chmod 755 "$DIR"
    OWNER=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
        OWNER=$(getent passwd postgres >/dev/null && echo postgres || echo nobody)
        chown "$OWNER" "$DIR"
    fi
    PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    printf '%s\n' "$PASSWORD" > "$DIR/password"
    chown "$OWNER" "$DIR/password" 2>/dev/null || true
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$BIN/initdb" -D "$DIR/data" -U workbench --auth=scram-sha-256 --pwfile="$DIR/password" \
        --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    rm -f "$DIR/password"
    # In the cluster's own configuration, so `resume` starts it the same way. fsync off: a test
    # cluster that dies is thrown away, and the tests run faster.
    printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\nfsync = off\nmax_connections = 200\n" \
        "$PORT" "$DIR" >> "$DIR/data/postgresql.conf"
    # TLS with a self-signed certificate, so sslmode= is tested against a server that offers it.
    if command -v openssl >/dev/null; then
        openssl req -new -x509 -days 7 -nodes -subj "/CN=workbench-test" -keyout "$DIR/data/server.key" \
            -out "$DIR/data/server.crt" >/dev/null 2>&1
        chmod 600 "$DIR/data/server.key"
        chown "$OWNER" "$DIR/data/server.key" "$DIR/data/server.crt" 2>/dev/null || true
        printf "ssl = on\n" >> "$DIR/data/postgresql.conf"
    fi
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null \
        || { cat "$DIR/server.log" >&2; exit 1; }
    echo "export WORKBENCH_PG_DIR='$DIR'"
    echo "export WORKBENCH_PG_BIN='$BIN'"
    echo "export WORKBENCH_TEST_POSTGRES='postgresql://workbench:$PASSWORD@127.0.0.1:$PORT/postgres?sslmode=disable'"
    ;;
stop)
    DIR=${2:?the cluster folder printed by start}
    BIN=$(bindir)
    OWNER=$(stat -c %U "$DIR")
    [ -d "$DIR/data" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
pause|resume)
    # The outage test: stop the server for a while and start it again on the same port.
    DIR=${2:?the cluster folder printed by start}
    BIN=$(bindir)
    OWNER=$(stat -c %U "$DIR")
    if [ "$1" = pause ]; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
    else
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null
    fi
    ;;
*)
    echo "usage: cluster.sh start | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
