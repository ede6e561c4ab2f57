#!/usr/bin/env bash
# Run a command against PostgreSQL and Redis started on 127.0.0.1 from
# Debian's packages, in a temporary directory, stopped afterwards.
# Installs the packages when missing; fails loudly if they cannot be had.
#
#   scripts/with-services.sh .venv/bin/python -m pytest
#
# Exports DATABASE_URL, Q_BROKER_URL and CACHE_URL for the command.
set -euo pipefail

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  return 1
}

need=()
pg_bin >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "with-services: installing ${need[*]} from Debian's packages" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the packaged services; ours run in a temp dir instead.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
  $SUDO service redis-server stop >/dev/null 2>&1 || true
fi
PGBIN=$(pg_bin) || { echo "with-services: PostgreSQL is not installed and could not be installed" >&2; exit 3; }
command -v redis-server >/dev/null || { echo "with-services: redis-server could not be installed" >&2; exit 3; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d /tmp/paperdigest-services.XXXXXX)
chmod 755 "$WORK"
PGPORT=$(free_port)
REDISPORT=$(free_port)

# PostgreSQL refuses to run as root: run it as an unprivileged user.
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$WORK"
  RUN_AS=(runuser -u postgres --)
fi

cleanup() {
  "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$WORK/redis.pid" ] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${RUN_AS[@]}" "$PGBIN/initdb" -D "$WORK/pg" -U paperdigest --auth=trust -E UTF8 >/dev/null
"${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-h 127.0.0.1 -p $PGPORT -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
"${RUN_AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U paperdigest paperdigest

redis-server --port "$REDISPORT" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" --dir "$WORK"
for _ in $(seq 50); do redis-cli -p "$REDISPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://paperdigest@127.0.0.1:$PGPORT/paperdigest"
export Q_BROKER_URL="redis://127.0.0.1:$REDISPORT/0"
export CACHE_URL="redis://127.0.0.1:$REDISPORT/1"
export PAPERDIGEST_SERVICES_DIR="$WORK" PGBIN PGPORT REDISPORT
echo "with-services: PostgreSQL on :$PGPORT, Redis on :$REDISPORT" >&2
"$@"
