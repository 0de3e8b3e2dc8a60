#!/usr/bin/env bash
# run.sh SECONDS - build every tests/fuzz/fuzz_<name>.c as a libFuzzer target
# (clang, ASan + UBSan, linked with all of common/ and proto/) into
# build/fuzz/<name>, run each for SECONDS seconds on a copy of its seeds
# tests/fuzz/corpus/<name>/ kept in build/fuzz/corpus-<name>, and exit
# non-zero, naming the crashing input, if any target fails. Installs
# nothing: clang and libclang-rt-14-dev come from scripts/deps.sh.
# FUZZ_TARGETS="mrz translit" runs only those targets.
set -euo pipefail

usage() {
	echo "usage: tests/fuzz/run.sh SECONDS" >&2
	exit 2
}

[ $# -eq 1 ] || usage
secs=$1
case $secs in
'' | *[!0-9]*) usage ;;
esac
[ "$secs" -ge 1 ] || usage

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found (make deps installs it)" >&2
	exit 1
fi

# The Makefile's packages and include flags, so the two never drift apart.
mkvars=$(printf 'print-fuzz-vars:\n\t@echo "$(PKGS)"\n\t@echo "$(filter -I%%,$(CFLAGS))"\n' |
	make -s --no-print-directory -f Makefile -f - print-fuzz-vars)
pkgs=$(printf '%s\n' "$mkvars" | sed -n 1p)
incs=$(printf '%s\n' "$mkvars" | sed -n 2p)
[ -n "$pkgs" ] || { echo "fuzz: no PKGS from Makefile" >&2; exit 1; }
# shellcheck disable=SC2086
pkg_cflags=$(pkg-config --cflags $pkgs)
# shellcheck disable=SC2086
pkg_libs=$(pkg-config --libs $pkgs)

shopt -s nullglob
targets=(tests/fuzz/fuzz_*.c)
if [ -n "${FUZZ_TARGETS:-}" ]; then
	targets=()
	for t in $FUZZ_TARGETS; do
		[ -f "tests/fuzz/fuzz_$t.c" ] || { echo "fuzz: no target $t" >&2; exit 2; }
		targets+=("tests/fuzz/fuzz_$t.c")
	done
fi
libsrc=(common/*.c proto/*.c)
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no targets in tests/fuzz"
	exit 0
fi

mkdir -p build/fuzz
failed=()
for src in "${targets[@]}"; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin=build/fuzz/$name
	corpus=build/fuzz/corpus-$name
	arts=build/fuzz/artifacts-$name
	log=build/fuzz/$name.log

	echo "fuzz: building $bin"
	# shellcheck disable=SC2086
	"$CC" -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer \
		-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-Wall -Wextra $incs $pkg_cflags \
		-o "$bin" "$src" "${libsrc[@]}" $pkg_libs -pthread

	mkdir -p "$corpus"
	rm -rf "$arts"
	mkdir -p "$arts"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$corpus/"
	fi

	echo "fuzz: running $name for ${secs}s (corpus $corpus, log $log)"
	rc=0
	"$bin" -max_total_time="$secs" -max_len=16384 -timeout=25 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$arts/" "$corpus" >"$log" 2>&1 || rc=$?
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" |
		sed "s/^/fuzz: $name: /" || true
	if [ "$rc" -ne 0 ]; then
		echo "fuzz: $name FAILED (exit $rc); last lines of $log:" >&2
		tail -n 40 "$log" >&2
		found=0
		for f in "$arts"/*; do
			[ -f "$f" ] || continue
			echo "fuzz: $name: crash input: $f" >&2
			echo "fuzz: reproduce with: $bin $f" >&2
			found=1
		done
		[ "$found" -eq 1 ] ||
			echo "fuzz: $name: no input was saved" >&2
		failed+=("$name")
	else
		echo "fuzz: $name OK"
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} target(s) OK"
