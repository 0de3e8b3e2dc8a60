#!/usr/bin/env bash
# deps.sh - install the Debian packages Shekara builds, tests and demos with,
# when they are missing. Needs root (or sudo) only if something is missing.
set -euo pipefail
pkgs=(build-essential pkg-config clang libclang-rt-14-dev
	libpq-dev libcurl4-openssl-dev libjansson-dev libevent-dev
	libssl-dev libyaml-dev libsqlite3-dev sqlite3 libcmocka-dev
	postgresql postgresql-client openssl curl ca-certificates procps
	util-linux iproute2 python3 tzdata
	chromium chromium-driver python3-selenium)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
