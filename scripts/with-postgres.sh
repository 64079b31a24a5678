#!/usr/bin/env bash
# Runs a command with a PostgreSQL server for the tests: EMPOWER_TEST_DATABASE_URL names its database.
#
#   scripts/with-postgres.sh swift test --filter Conformance
#
# When EMPOWER_TEST_DATABASE_URL is set already, the command runs against that server as it is. Otherwise a
# throwaway server is made: the Debian package `postgresql` is installed if missing (as root; otherwise the
# script says what to install), a cluster is initialised in a temporary directory, started on a free loopback
# port, given a database `empower_test`, and stopped and removed when the command ends, whatever its outcome.
# Tests make a database of their own per test on that server (the URL's user may create databases).
#
# The throwaway server runs with fsync off (its data dies with the run). EMPOWER_POSTGRES_FSYNC=on keeps
# PostgreSQL's default, durable commits, as `make bench` does so that its figures compare with SQLite's FULL.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: scripts/with-postgres.sh COMMAND [ARGUMENT...]" >&2
    exit 2
fi

if [ -n "${EMPOWER_TEST_DATABASE_URL:-}" ]; then
    exec "$@"
fi

# The server's programs: on PATH, or where Debian's packages put them.
find_bin() {
    local dir
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

if ! pgbin=$(find_bin); then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing the Debian package postgresql for the tests' throwaway server."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
        pgbin=$(find_bin) || { echo "postgresql was installed but initdb and pg_ctl were not found." >&2; exit 1; }
    else
        echo "PostgreSQL's server programs (initdb, pg_ctl) are missing." >&2
        echo "Install them with: sudo apt-get install -y postgresql" >&2
        echo "or point the tests at a server you run: EMPOWER_TEST_DATABASE_URL=postgres://USER@HOST:PORT/DB" >&2
        exit 1
    fi
fi

# As root, the server runs as the postgres user (initdb refuses root); otherwise as the current user.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "There is no postgres user; install the Debian package postgresql." >&2; exit 1; }
    as_server() { runuser -u postgres -- "$@"; }
    owner=postgres
else
    as_server() { "$@"; }
    owner=$(id -un)
fi

# A free loopback port: one the kernel just handed out.
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        local port
        while :; do
            port=$((20000 + RANDOM % 20000))
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
        done
    fi
}

workdir=$(mktemp -d "${TMPDIR:-/tmp}/empower-postgres.XXXXXX")
chmod 755 "$workdir"
install -d -o "$owner" -m 700 "$workdir/server"
started=no

cleanup() {
    if [ "$started" = yes ]; then
        as_server "$pgbin/pg_ctl" -D "$workdir/server/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_server "$pgbin/initdb" -D "$workdir/server/data" --auth=trust --username=postgres --encoding=UTF8 \
    --locale=C --no-sync >"$workdir/initdb.log" 2>&1 || {
    cat "$workdir/initdb.log" >&2
    exit 1
}

# fsync off by default: a throwaway server whose data dies with the test run; nothing about visibility or
# locking changes with it.
fsync=${EMPOWER_POSTGRES_FSYNC:-off}
case "$fsync" in
on | off) ;;
*) echo "EMPOWER_POSTGRES_FSYNC must be on or off." >&2; exit 2 ;;
esac

for attempt in 1 2 3; do
    port=$(free_port)
    if as_server "$pgbin/pg_ctl" -D "$workdir/server/data" -l "$workdir/server/server.log" -w -t 60 \
        -o "-p $port -k $workdir/server -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=$fsync" \
        start >/dev/null; then
        started=yes
        break
    fi
    echo "PostgreSQL did not start on port $port (attempt $attempt):" >&2
    tail -5 "$workdir/server/server.log" >&2 || true
done
[ "$started" = yes ] || exit 1

as_server "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE empower_test" >/dev/null

export EMPOWER_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/empower_test"
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port (EMPOWER_TEST_DATABASE_URL=$EMPOWER_TEST_DATABASE_URL)"

status=0
"$@" || status=$?
exit "$status"
