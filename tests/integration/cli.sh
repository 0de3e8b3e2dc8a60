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

# mrz parse: the Doc 9303 Part 4 TD3 specimen, then a group of one line.
out=$(printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n\nONE LINE\n' |
    "$CTL" mrz parse --json) || fail "mrz parse exit status"
[ "$(printf '%s\n' "$out" | wc -l)" = 2 ] || fail "mrz parse: want one line per document"
first=$(printf '%s\n' "$out" | sed -n 1p)
for kv in '"format":"TD3"' '"document_number":"L898902C3"' '"birth_date":"740812"' \
    '"surname":"ERIKSSON"' '"given_names":"ANNA MARIA"' '"optional_data":"ZE184226B"' \
    '"sex":"F"' '"valid":true' '"errors":[]'; do
	grep -qF "$kv" <<<"$first" || fail "mrz parse: $kv missing in $first"
done
second=$(printf '%s\n' "$out" | sed -n 2p)
grep -qF '"format":null' <<<"$second" && grep -qF '"valid":false' <<<"$second" ||
	fail "mrz parse: a one-line group is not format null, invalid: $second"
ok "mrz parse --json (TD3 specimen, a group that fits no format)"
bad=$(printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408123F1204159ZE184226B<<<<<10\n' |
    "$CTL" mrz parse --json)
grep -qF '"valid":false' <<<"$bad" && grep -qF '"field":"birth_date"' <<<"$bad" ||
	fail "mrz parse: a wrong birth date check digit is not reported: $bad"
ok "mrz parse reports a wrong check digit on its field"
# mrz make, then parse: the same document back.
made=$("$CTL" mrz make --format TD1 --issuing-state UTO --surname ERIKSSON \
    --given-names "ANNA MARIA" --number D23145890123 --nationality UTO \
    --birth-date 1974-08-12 --sex F --expiry-date 2031-04-15) || fail "mrz make"
back=$(printf '%s\n' "$made" | "$CTL" mrz parse --json)
for kv in '"format":"TD1"' '"document_number":"D23145890123"' '"valid":true'; do
	grep -qF "$kv" <<<"$back" || fail "mrz make/parse: $kv missing in $back"
done
ok "mrz make then parse gives the document back (a long TD1 number)"
expect_status "mrz make: bad sex" 2 'sex' "$CTL" mrz make --format TD3 \
    --issuing-state UTO --surname A --number X1 --nationality UTO \
    --birth-date 1974-08-12 --sex Q --expiry-date 2031-04-15

# namematch: a Cyrillic watchlist entry against its MRZ form, and a relative.
nm=$(printf '%s\n' \
    '{"id":"a","watchlist":{"surname":"Жумабаев","given_names":"Ерлан","birth_date":"1985-03-14","nationality":"KAZ"},"traveller":{"surname":"ZHUMABAEV","given_names":"ERLAN","birth_date":"1985-03-14","nationality":"KAZ"}}' \
    '{"id":"b","watchlist":{"surname":"Жумабаев","given_names":"Ерлан","birth_date":"1985","nationality":"KAZ"},"traveller":{"surname":"ZHUMABAEVA","given_names":"ERLAN","birth_date":"1985-03-14","nationality":"KAZ"}}' |
    "$CTL" namematch) || fail "namematch exit status"
grep -q '"id":"a".*"match":true' <<<"$nm" || fail "namematch: Cyrillic vs MRZ not matched: $nm"
grep -q '"id":"b".*"match":false' <<<"$nm" || fail "namematch: gender form matched: $nm"
ok "namematch (Cyrillic against the MRZ, a gender form apart)"
rc=0
printf '{"id":"x"}\n' | "$CTL" namematch >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "namematch: a bad line exits $rc, want 2"
ok "namematch: a bad line exits 2"
echo "PASS"
