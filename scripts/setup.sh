#!/usr/bin/env bash
# setup.sh: install what benchd needs from Debian's packages (only what is missing) and build it.
# Usage: scripts/setup.sh [--test] [--sanitize | --fuzz]
#   builds into build/, build-asan/ (ASan + UBSan) or build-fuzz/ (clang, libFuzzer targets)
set -euo pipefail
cd "$(dirname "$0")/.."

# --test: openssh-server for its sshd, which test_remote starts on a port of its own (Debian also
# enables the system's ssh service when installing it: "systemctl disable --now ssh" if unwanted).
pkgs=(build-essential cmake pkg-config libuv1-dev libsqlite3-dev libyaml-dev libjansson-dev
      sqlite3 util-linux procps python3 python3-torch python3-torchvision)
build=build
cmake_args=()
for arg in "$@"; do
	case "$arg" in
	--test) pkgs+=(libcmocka-dev clang chromium man-db groff-base openssh-server) ;;
	--sanitize) build=build-asan; cmake_args+=(-DBENCHD_SANITIZE=ON) ;;
	--fuzz) build=build-fuzz; pkgs+=(clang libclang-rt-14-dev); cmake_args+=(-DCMAKE_C_COMPILER=clang -DBENCHD_FUZZ=ON) ;;
	*) echo "usage: scripts/setup.sh [--test] [--sanitize | --fuzz]" >&2; exit 2 ;;
	esac
done
# cmocka is found by the build even for the demo (the test binaries are part of it).
pkgs+=(libcmocka-dev)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
		sudo=sudo
	fi
	echo "setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The build's own output goes to a log, shown only when it fails.
mkdir -p "$build"
if ! { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_args[@]}" &&
	cmake --build "$build" -j "$(nproc)"; } >"$build/build.log" 2>&1; then
	cat "$build/build.log" >&2
	echo "setup: the build in $build/ failed (log above, and in $build/build.log)" >&2
	exit 1
fi
echo "setup: built $build/"
