# Sourced by singer-run's PostgreSQL cases after case-lib.sh: starts a throwaway server
# (stopped when the case exits) and small helpers around it.
. "$SRC/tests/pipeline/lib/pg_server.sh"
pg_server_start || fail "cannot start the PostgreSQL test server"

# The server as a state URI with no pipeline id; the case adds "?..." and "#id".
PG_URI="postgres://$PGUSER@$PGHOST:$PGPORT/$PGDATABASE"

# sql 'SELECT ...': the value(s), unaligned, one row a line.
sql() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

# Replaces what varies in `state list` and error lines: times, pids, this host's name.
pg_normalize() {
  sed -E "s/20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g; s/pid [0-9]+/pid N/g; \
s/$(hostname)/HOST/g; s/:$PGPORT\\//:PORT\\//g; s/port $PGPORT/port PORT/g"
}
