#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests: a temporary data directory, 127.0.0.1 on a
# free port, trust authentication, stopped and deleted at the end.
#
#   pg_server.sh COMMAND [ARG...]   start, run COMMAND with PGHOST/PGPORT/PGUSER/PGDATABASE
#                                   exported, stop; exits with COMMAND's status
#   . pg_server.sh; pg_server_start  (in a pipeline case) the same variables exported and
#                                   an EXIT trap that stops the server; a script with its
#                                   own EXIT trap calls pg_server_stop in it instead
#
# As root the server runs as the `postgres` OS user (or `nobody`), since PostgreSQL
# refuses to run as root. No server binaries: exit 1 with a message (never a skip: a test
# that needs PostgreSQL does not pass without it; scripts/install-deps installs it).
# Durability settings are off: tests kill clients, never this server.
# PG_SERVER_PASSWORD=secret: TCP logins of `postgres` need that password (scram-sha-256),
# which is not exported: the test hands it over (~/.pgpass, PGPASSWORD, config) itself.

pg_server_stop() {
  if [ -n "${PG_SERVER_DIR:-}" ] && [ -d "$PG_SERVER_DIR" ]; then
    "${PG_SERVER_RUN_AS[@]}" "$PG_SERVER_BIN/pg_ctl" -D "$PG_SERVER_DIR/data" -m immediate -w stop \
      >/dev/null 2>&1
    rm -rf "$PG_SERVER_DIR"
  fi
  PG_SERVER_DIR=
}

pg_server_start() {
  PG_SERVER_BIN=${PG_SERVER_BIN:-/usr/lib/postgresql/15/bin}
  if [ ! -x "$PG_SERVER_BIN/initdb" ] || [ ! -x "$PG_SERVER_BIN/pg_ctl" ]; then
    echo "pg_server: no PostgreSQL 15 server in $PG_SERVER_BIN: install the postgresql package (scripts/install-deps)" >&2
    return 1
  fi
  PG_SERVER_RUN_AS=()
  local base=${TMPDIR:-/tmp}
  if [ "$(id -u)" = 0 ]; then
    local user=postgres
    getent passwd postgres >/dev/null || user=nobody
    PG_SERVER_RUN_AS=(runuser -u "$user" --)
    base=/tmp  # the server's user must reach it
  fi
  PG_SERVER_DIR=$(mktemp -d "$base/singer-pg.XXXXXX") || return 1
  trap pg_server_stop EXIT
  chmod 755 "$PG_SERVER_DIR"
  [ "$(id -u)" = 0 ] && chown "${PG_SERVER_RUN_AS[2]}" "$PG_SERVER_DIR"
  local auth=(-A trust)
  if [ -n "${PG_SERVER_PASSWORD:-}" ]; then
    printf '%s\n' "$PG_SERVER_PASSWORD" >"$PG_SERVER_DIR/pwfile"
    [ "$(id -u)" = 0 ] && chown "${PG_SERVER_RUN_AS[2]}" "$PG_SERVER_DIR/pwfile"
    auth=(--auth-local=trust --auth-host=scram-sha-256 --pwfile="$PG_SERVER_DIR/pwfile")
  fi
  if ! "${PG_SERVER_RUN_AS[@]}" "$PG_SERVER_BIN/initdb" -D "$PG_SERVER_DIR/data" -U postgres "${auth[@]}" \
      -E UTF8 --locale=C --no-sync --no-instructions >"$PG_SERVER_DIR/initdb.log" 2>&1; then
    echo "pg_server: initdb failed:" >&2
    cat "$PG_SERVER_DIR/initdb.log" >&2
    pg_server_stop
    return 1
  fi
  local attempt port
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    # Taken if something answers there; a race with another test is caught by the retry.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    if "${PG_SERVER_RUN_AS[@]}" "$PG_SERVER_BIN/pg_ctl" -D "$PG_SERVER_DIR/data" -l "$PG_SERVER_DIR/server.log" \
        -w -t 30 -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=30 -c shared_buffers=32MB" \
        start >/dev/null 2>&1; then
      export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
      unset PGPASSWORD PGSERVICE PGSSLMODE PGHOSTADDR PGOPTIONS
      return 0
    fi
    : "attempt $attempt failed"
  done
  echo "pg_server: the server did not start:" >&2
  tail -5 "$PG_SERVER_DIR/server.log" >&2
  pg_server_stop
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u
  if [ $# = 0 ]; then
    echo "usage: pg_server.sh COMMAND [ARG...]" >&2
    exit 2
  fi
  pg_server_start || exit 1
  "$@"
  status=$?
  pg_server_stop
  exit $status
fi
