#!/usr/bin/env bash
# test.sh: install, build and run every test: the sanitizer build's suite, the fuzz targets for a
# short fixed time, then the normal build's suite (whose summary line ends the output).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test --sanitize
scripts/setup.sh --test --fuzz
scripts/setup.sh --test
echo "== ctest, AddressSanitizer + UndefinedBehaviorSanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir build-asan --output-on-failure --label-exclude torch
echo "== ctest, fuzz targets (scripts/fuzz.sh runs them longer)"
ctest --test-dir build-fuzz --output-on-failure -R '^fuzz\.'
echo "== ctest, normal build"
ctest --test-dir build --output-on-failure
