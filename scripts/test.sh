#!/usr/bin/env bash
# test.sh: install, build and run every test: the sanitizer build's suite, then the normal build's.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test --sanitize
scripts/setup.sh --test
echo "== ctest, AddressSanitizer + UndefinedBehaviorSanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir build-asan --output-on-failure --label-exclude torch
echo "== ctest, normal build"
ctest --test-dir build --output-on-failure
