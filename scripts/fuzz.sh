#!/usr/bin/env bash
# fuzz.sh: build the libFuzzer targets with clang and fuzz one or all of them for a while, from a scratch copy of the corpus.
# Usage: scripts/fuzz.sh [plan|stagelog|request|all] [seconds] [-- libFuzzer options...]
#   scripts/fuzz.sh                     every target, 60 s each
#   scripts/fuzz.sh stagelog 600 -- -max_len=200000
# New inputs go to build-fuzz/fuzz-corpus/<target>/ (kept between runs, seeded from tests/fuzz/corpus/<target>/,
# which is never written); crashes to build-fuzz/fuzz-crashes/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh [plan|stagelog|request|all] [seconds] [-- libFuzzer options...]" >&2; exit 2; }

which=all
seconds=60
extra=()
[ $# -gt 0 ] && [ "$1" != "--" ] && { which=$1; shift; }
[ $# -gt 0 ] && [ "$1" != "--" ] && { seconds=$1; shift; }
if [ $# -gt 0 ]; then
	[ "$1" = "--" ] || usage
	shift
	extra=("$@")
fi
case "$which" in
plan|stagelog|request) targets=("$which") ;;
all) targets=(plan stagelog request) ;;
*) usage ;;
esac
case "$seconds" in
''|*[!0-9]*) usage ;;
esac

command -v clang >/dev/null || { echo "fuzz: needs clang (scripts/setup.sh --test installs it)" >&2; exit 1; }
build=build-fuzz
CC=clang cmake -S . -B "$build" -DBENCHD_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}" -- --no-print-directory

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
	corpus=$build/fuzz-corpus/$t
	crashes=$build/fuzz-crashes/$t
	mkdir -p "$corpus" "$crashes"
	echo "== fuzz_$t for ${seconds}s: corpus $corpus, crashes $crashes"
	# The committed corpus comes second: libFuzzer reads it but only writes to the first directory.
	"$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$crashes/" "${extra[@]}" \
		"$corpus" "tests/fuzz/corpus/$t" || status=1
done
exit $status
