#!/usr/bin/env bash
# Serve the demo and run a django-q2 worker beside it, so the admin's queued
# actions (regenerate, re-process, retry) actually run. Ctrl-C stops both.
# DEMO_ADDR picks another address (tests use a free port).
set -u
PY="${PY:-.venv/bin/python}"
ADDR="${DEMO_ADDR:-127.0.0.1:8000}"

"$PY" manage.py qcluster &
worker=$!
"$PY" manage.py runserver --noreload "$ADDR" &
server=$!

stop() {
    trap - INT TERM EXIT
    kill -TERM "$server" "$worker" 2>/dev/null
    # Ctrl-C also reaches the worker's own processes; a cluster that has not
    # stopped within ten seconds is killed with them (queued tasks stay queued).
    for _ in $(seq 50); do
        kill -0 "$server" 2>/dev/null || kill -0 "$worker" 2>/dev/null || break
        sleep 0.2
    done
    pkill -KILL -P "$worker" 2>/dev/null
    kill -KILL "$server" "$worker" 2>/dev/null
    wait "$server" "$worker" 2>/dev/null
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

# Whichever stops first (or Ctrl-C) ends the pair.
wait -n "$server" "$worker"
