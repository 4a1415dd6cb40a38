# Private PostgreSQL cluster for development and tests, used when DATABASE_URL is not set.
# Sourced by scripts/serve and scripts/test. PostgreSQL refuses to run as root, so as root every
# server command runs as the `postgres` user, in a folder that user can reach.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  else
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
  fi
}

# Runs a server command as the cluster's owner.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cluster lives in .pg/ of the checkout; as root, when `postgres` cannot reach the checkout
# (a clone under /root), it lives in /var/tmp/orgcms-pg-<hash of the checkout path> instead.
pg_dir() {
  local inside="$repo_root/.pg"
  if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$repo_root" 2>/dev/null; then
    echo "$inside"
  else
    echo "/var/tmp/orgcms-pg-$(printf '%s' "$repo_root" | sha256sum | cut -c1-12)"
  fi
}

# A port per checkout, so that two clones on one machine do not collide.
pg_port() {
  echo "${ORGCMS_PG_PORT:-$((20000 + $(printf '%s' "$repo_root" | cksum | cut -d' ' -f1) % 10000))}"
}

pg_url() { echo "postgres://postgres@127.0.0.1:$(pg_port)/$1"; }

# Starts the private cluster unless it is already running; sets PG_STARTED_HERE=1 when it started it.
pg_up() {
  local bin dir port
  bin=$(pg_bindir)
  [ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (initdb); install postgresql" >&2; return 1; }
  dir=$(pg_dir)
  port=$(pg_port)
  if [ "$(id -u)" = 0 ]; then install -d -o postgres -g postgres "$dir"; else mkdir -p "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    echo "orgcms: creating a private PostgreSQL cluster in $dir" >&2
    pg_as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  PG_STARTED_HERE=0
  if ! pg_as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "orgcms: starting PostgreSQL on 127.0.0.1:$port" >&2
    pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
      || { tail -n 20 "$dir/server.log" >&2; return 1; }
    PG_STARTED_HERE=1
  fi
  if ! psql "$(pg_url postgres)" -tAc "SELECT 1 FROM pg_database WHERE datname = 'orgcms'" | grep -q 1; then
    psql "$(pg_url postgres)" -qc "CREATE DATABASE orgcms" >/dev/null
  fi
}

pg_down() {
  pg_as_owner "$(pg_bindir)/pg_ctl" -D "$(pg_dir)/data" -m fast -w stop >/dev/null 2>&1 || true
}
