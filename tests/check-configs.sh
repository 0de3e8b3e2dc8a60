#!/usr/bin/env bash
# check-configs.sh BIN_DIR - every example configuration in config/ must pass
# `--check-config` of its daemon, and every file in tests/configs/bad/ must
# fail it (exit 1) printing each line its "# expect: LINE: message" comments
# name, as "FILE:LINE: message". checkpoint*.yaml go to checkpointd,
# central*.yaml to centrald, stay policies (policy*.yaml) to
# `checkpointctl policy check`. Exits 1 with what differed.
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BIN_DIR" >&2
	exit 2
fi
BIN=$(cd "$1" && pwd) || exit 1
cd "$(dirname "$0")/.." || exit 1

# A sanitizer's report must not pass for the daemon's own exit 1.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
checked=0

fail() {
	echo "check-configs: FAIL: $*" >&2
	failures=$((failures + 1))
}

# checker_for FILE: sets cmd (the check command without FILE) and ok (what
# it prints for a valid file).
checker_for() {
	case $(basename "$1") in
	checkpoint*.yaml)
		cmd=("$BIN/checkpointd" --check-config); ok='configuration OK' ;;
	central*.yaml)
		cmd=("$BIN/centrald" --check-config); ok='configuration OK' ;;
	policy*.yaml)
		cmd=("$BIN/checkpointctl" policy check); ok='policy OK' ;;
	*) cmd=(); ok='' ;;
	esac
}

# run FILE: runs its check; sets rc, cmd and ok, output in $tmp/out,
# $tmp/err.
run() {
	local daemon
	checker_for "$1"
	if [ ${#cmd[@]} -eq 0 ]; then
		fail "$1: name it checkpoint*.yaml, central*.yaml or policy*.yaml"
		return 1
	fi
	daemon=${cmd[0]}
	if [ ! -x "$daemon" ]; then
		fail "$daemon: not built"
		return 1
	fi
	"${cmd[@]}" "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	checked=$((checked + 1))
	if grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
		fail "$1: sanitizer report from $(basename "$daemon"):"
		sed 's/^/    /' "$tmp/err" >&2
		return 1
	fi
	return 0
}

shopt -s nullglob
good=(config/checkpoint*.yaml config/central*.yaml config/policy*.yaml)
bad=(tests/configs/bad/*.yaml)
[ ${#good[@]} -gt 0 ] || fail "no example configurations in config/"
[ ${#bad[@]} -gt 0 ] || fail "no bad configurations in tests/configs/bad/"

for f in "${good[@]}"; do
	run "$f" || continue
	if [ "$rc" -ne 0 ] || ! grep -qx "$ok" "$tmp/out"; then
		fail "$f: expected exit 0 and \"$ok\", got exit" \
		    "$rc; output:"
		sed 's/^/    /' "$tmp/out" "$tmp/err" >&2
	fi
done

for f in "${bad[@]}"; do
	mapfile -t expect < <(sed -n 's/^# expect: //p' "$f")
	if [ ${#expect[@]} -eq 0 ]; then
		fail "$f: has no \"# expect: LINE: message\" line"
		continue
	fi
	run "$f" || continue
	if [ "$rc" -ne 1 ]; then
		fail "$f: expected exit 1, got $rc"
	fi
	if grep -qx "$ok" "$tmp/out"; then
		fail "$f: printed \"$ok\""
	fi
	cat "$tmp/out" "$tmp/err" >"$tmp/all"
	missing=0
	for e in "${expect[@]}"; do
		if ! grep -qFx -- "$f:$e" "$tmp/all"; then
			[ $missing -eq 0 ] && fail "$f: expected lines missing"
			echo "    missing: $f:$e" >&2
			missing=1
		fi
	done
	if [ $missing -ne 0 ]; then
		echo "    got:" >&2
		sed 's/^/      /' "$tmp/all" >&2
	fi
done

if [ $failures -ne 0 ]; then
	echo "check-configs: $failures failure(s) in $checked files" >&2
	exit 1
fi
echo "check-configs: $checked files as expected"
