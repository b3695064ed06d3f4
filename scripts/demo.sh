#!/usr/bin/env bash
# demo.sh: the main job: install, build, start benchd under ./var/, run configs/demo.yaml (cold
# versus warm on python/benchmark.py), print the answer, and stop the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

mkdir -p var && chmod 700 var
export BENCHD_SOCKET="$PWD/var/benchd.sock" BENCHD_DB="$PWD/var/bench.db"
build/benchd --log-level info 2>>var/benchd.log &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	build/benchctl status >/dev/null 2>&1 && break
	kill -0 $daemon 2>/dev/null || { cat var/benchd.log >&2; exit 1; }
	sleep 0.1
done

echo "== benchd is up (log: var/benchd.log); submitting configs/demo.yaml"
build/benchctl submit configs/demo.yaml --wait || true
plan=$(sqlite3 var/bench.db 'SELECT max(id) FROM plans')
echo
build/benchctl summary "$plan"
echo
echo "The database is var/bench.db; try: sqlite3 var/bench.db 'SELECT * FROM measured_runs'"
