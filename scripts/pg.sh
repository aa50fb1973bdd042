# A private PostgreSQL cluster for the tests (sourced by scripts/test; usable by hand):
# `pg_start` runs Debian's PostgreSQL 15 binaries as the unprivileged `postgres` user (or the
# current user when not root) on 127.0.0.1 and a free port, data in a fresh temporary directory,
# password authentication (scram), and exports
#   ENVPARITY_TEST_PG  postgres://envparity@127.0.0.1:PORT/postgres?sslmode=disable
#   PGPASSFILE         a 0600 password file with the role's password (never in the URL)
# `pg_stop` stops the cluster and deletes the directory; pg_start sets an EXIT trap calling it.
# shellcheck shell=bash

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

pg_start() {
  apt_need postgresql
  PG_DIR="$(mktemp -d /tmp/envparity-pg.XXXXXX)"
  export PG_DIR
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  trap pg_stop EXIT
  local password
  password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '%s\n' "$password" >"$PG_DIR/pw.txt"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$PG_DIR/pw.txt"
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U envparity --pwfile="$PG_DIR/pw.txt" \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log"
  rm -f "$PG_DIR/pw.txt"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_DIR -c max_connections=200 -c fsync=off" >/dev/null
  export PGPASSFILE="$PG_DIR/pgpass"
  (umask 077; printf '127.0.0.1:%s:*:envparity:%s\n' "$port" "$password" >"$PGPASSFILE")
  export ENVPARITY_TEST_PG="postgres://envparity@127.0.0.1:$port/postgres?sslmode=disable"
  log "PostgreSQL test cluster on 127.0.0.1:$port ($PG_DIR)"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
  local as=()
  [ "$(id -u)" -ne 0 ] || as=(runuser -u postgres --)
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
