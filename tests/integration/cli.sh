#!/usr/bin/env bash
# cli.sh - the offline checkpointctl commands as an administrator or a
# harness runs them: exact JSON, exit statuses, and errors for bad input.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BIN:=$ROOT/build/bin}"
CTL=$BIN/checkpointctl
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# expect_json NAME WANT CMD...: stdout must be exactly WANT, status 0.
expect_json() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@") || fail "$name: exit status $?"
	[ "$got" = "$want" ] || fail "$name: got $got, want $want"
	ok "$name"
}
# expect_status NAME STATUS REGEX CMD...: stderr matches, status as given.
expect_status() {
	local name=$1 want=$2 re=$3 rc=0
	shift 3
	"$@" >/dev/null 2>/tmp/cli-err.$$ || rc=$?
	[ "$rc" = "$want" ] || { cat /tmp/cli-err.$$ >&2; fail "$name: exit $rc, want $want"; }
	grep -Eq "$re" /tmp/cli-err.$$ || { cat /tmp/cli-err.$$ >&2; fail "$name: stderr does not match /$re/"; }
	rm -f /tmp/cli-err.$$
	ok "$name"
}

# stay calc: 90/180 worked by hand. Stays 2026-01-01..2026-03-01 (60 days).
expect_json "stay entry, 60 of 90 used" \
    '{"days_used":60,"allowed":true,"latest_exit":"2026-04-30","days_remaining":30}' \
    "$CTL" stay calc --max-days 90 --window-days 180 \
    --stays 2026-01-01..2026-03-01 --entry 2026-04-01 --json
expect_json "stay entry, nothing used" \
    '{"days_used":0,"allowed":true,"latest_exit":"2026-06-29","days_remaining":90}' \
    "$CTL" stay calc --max-days 90 --window-days 180 --stays '' \
    --entry 2026-04-01 --json
# An open stay since 2026-01-01 checked on 2026-04-01: 91 days, the 91st
# unlawful.
expect_json "stay control, one day over" \
    '{"days_used":91,"overstaying":true,"first_overstay_date":"2026-04-01","overstay_days":1}' \
    "$CTL" stay calc --max-days 90 --window-days 180 --stays 2026-01-01.. \
    --check 2026-04-01 --json
expect_json "stay control, per-entry cap" \
    '{"days_used":91,"overstaying":true,"first_overstay_date":"2026-01-31","overstay_days":61}' \
    "$CTL" stay calc --max-days 90 --window-days 180 --per-entry-days 30 \
    --stays 2026-01-01.. --check 2026-04-01 --json
expect_json "stay from the policy file (USA: 30 per entry, 90/180)" \
    '{"days_used":91,"overstaying":true,"first_overstay_date":"2026-01-31","overstay_days":61}' \
    "$CTL" stay calc --policy "$ROOT/config/policy.yaml" --nationality USA \
    --stays 2026-01-01.. --check 2026-04-01 --json
expect_status "stay: impossible date" 2 '2026-02-30' \
    "$CTL" stay calc --max-days 90 --window-days 180 --stays 2026-02-30..2026-03-01 \
    --entry 2026-04-01 --json
expect_status "stay: overlapping stays" 2 'overlap|share' \
    "$CTL" stay calc --max-days 90 --window-days 180 \
    --stays 2026-01-01..2026-01-10,2026-01-05..2026-01-20 --check 2026-02-01
expect_status "stay: N not below M" 2 'smaller' \
    "$CTL" stay calc --max-days 180 --window-days 180 --check 2026-02-01
expect_status "stay: both modes" 2 'not both' \
    "$CTL" stay calc --max-days 90 --window-days 180 --check 2026-02-01 \
    --entry 2026-02-01
expect_status "stay: a citizen has no day rule" 2 'citizen' \
    "$CTL" stay calc --policy "$ROOT/config/policy.yaml" --nationality KAZ \
    --entry 2026-04-01

# policy
out=$("$CTL" policy check "$ROOT/config/policy.yaml") || fail "policy check"
[ "$out" = "policy OK" ] || fail "policy check printed: $out"
ok "policy check config/policy.yaml"
printf 'version: 1\nbogus: 2\n' >/tmp/cli-pol.$$.yaml
expect_status "policy check names the unknown key and line" 1 \
    "cli-pol.$$.yaml:2: unknown key \"bogus\"" "$CTL" policy check /tmp/cli-pol.$$.yaml
rm -f /tmp/cli-pol.$$.yaml
echo "PASS"
