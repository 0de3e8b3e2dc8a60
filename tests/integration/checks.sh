#!/usr/bin/env bash
# checks.sh - lane decisions end to end. A real checkpointd whose store is
# filled through the feed's own path (feedapply: feed batches as JSON lines
# through registry_apply_batch() with checkpointd's match keys) answers
# POST /v1/checks: a clean visa-free entry, a stolen document, an entry ban
# typed in Cyrillic against the MRZ's Latin name, a visa-required
# nationality without and with a visa, an exit after an overstay, a
# citizen and an unreadable MRZ. After kill -9 and a restart the same
# checks give the same verdicts (decided_at and check_id aside), and check
# ids go on from where they were. Then POST /v1/crossings links a crossing
# to its check: admitting against a deny needs a reason, a check id must
# exist and match. No centre: the post's centre URL answers nothing.
source "$(dirname "$0")/lib.sh"

P=ALA01
pki $P
post_config $P 0
LANE="http://127.0.0.1:${LANE_PORT[$P]}"
CTL=$BIN/checkpointctl

# Civil days in the policy's zone (config/policy.yaml: Asia/Almaty).
day() { TZ=Asia/Almaty date -d "$1" +%F; }
TODAY=$(day today)
# The civil day must not change mid-test: near midnight there, wait for it.
while [ "$(TZ=Asia/Almaty date +%H%M)" -ge 2355 ]; do
	log "waiting for midnight in Asia/Almaty (the day must not change mid-test)"
	sleep 20
done

mrz() { # FORMAT STATE NUMBER NATIONALITY SURNAME GIVEN BIRTH SEX
	"$CTL" mrz make --format "$1" --issuing-state "$2" --number "$3" \
	    --nationality "$4" --surname "$5" --given-names "$6" \
	    --birth-date "$7" --sex "$8" --expiry-date 2033-01-01
}

# --- the feed: a policy batch, then every kind of record ---------------
log "building feed batches (today $TODAY in Asia/Almaty)"
python3 "$ROOT/scripts/sample-feed.py" "$ROOT/config/policy.yaml" "$TODAY" >"$T/feed.jsonl"

# Start once so checkpointd creates its store, then stop and fill it.
start_post $P
kill "${POST_PID[$P]}"
wait "${POST_PID[$P]}" 2>/dev/null || true
"$BIN/feedapply" --store "$T/$P.db" "$T/feed.jsonl" >"$T/feedapply.out" ||
	fail "feedapply"
cat "$T/feedapply.out" >&2
grep -q '^3 batches applied; cursor 10$' "$T/feedapply.out" ||
	fail "feedapply did not apply the 3 batches up to 10"
# A replayed batch is refused and changes nothing.
head -n 1 "$T/feed.jsonl" >"$T/replay.jsonl"
if "$BIN/feedapply" --store "$T/$P.db" "$T/replay.jsonl" 2>"$T/replay.err"; then
	fail "a replayed batch was applied"
fi
grep -q 'not applied' "$T/replay.err" || fail "replay: $(cat "$T/replay.err")"
start_post $P

# --- the checks ----------------------------------------------------------
MRZ_CLEAN=$(mrz TD3 RUS C00000001 RUS IVANOVA ANNA 1990-05-12 F)
MRZ_STOLEN=$(mrz TD3 UZB AA1234567 UZB KARIMOV BOBUR 1980-02-02 M)
MRZ_FOUND=$(mrz TD3 UZB AA1234568 UZB KARIMOVA DILNOZA 1982-02-02 F)
MRZ_BANNED=$(mrz TD3 RUS B00000002 RUS PETROV SERGEI 1975-03-14 M)
MRZ_NOVISA=$(mrz TD3 NGA A01234567 NGA OKAFOR CHINEDU 1985-07-01 M)
MRZ_VISA=$(mrz TD3 NGA A07654321 NGA ADEYEMI FOLAKE 1988-09-09 F)
MRZ_OVER=$(mrz TD3 RUS O00000003 RUS SIDOROV PAVEL 1970-01-01 M)
MRZ_CITIZEN=$(mrz TD3 KAZ N12345678 KAZ ABENOV ASKAR 1990-01-31 M)
# The clean MRZ with its document number's check digit changed.
MRZ_BAD=$(printf '%s\n' "$MRZ_CLEAN" | sed '2s/^\(.\{9\}\)./\1X/')

CASES="clean stolen found banned novisa visa over citizen bad"
dir_of() { [ "$1" = over ] && echo exit || echo entry; }
mrz_of() { local v=MRZ_${1^^}; printf '%s' "${!v}"; }

# check NAME ROUND : POST /v1/checks, the answer in $T/NAME.ROUND.json.
check() {
	local name=$1 round=$2 body code
	body=$(python3 -c 'import json,sys; print(json.dumps({"version": 1,
	    "mrz": sys.argv[1], "direction": sys.argv[2], "lane": 3,
	    "officer": "KZ0042"}))' "$(mrz_of "$name")" "$(dir_of "$name")")
	code=$(curl -s -o "$T/$name.$round.json" -w '%{http_code}' \
	    -H 'Content-Type: application/json' --data-binary "$body" \
	    "$LANE/v1/checks")
	[ "$code" = 200 ] || fail "$name: HTTP $code: $(cat "$T/$name.$round.json")"
}

# expect NAME ROUND PYTHON-EXPR... : each expression holds of the verdict
# v (the answer), with r(code) the reason of that code (None if absent).
expect() {
	local name=$1 round=$2
	shift 2
	python3 - "$T/$name.$round.json" "$TODAY" "$@" <<'PY' ||
import datetime, json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
t = datetime.date.fromisoformat(sys.argv[2])
d = lambda n: (t + datetime.timedelta(days=n)).isoformat()
r = lambda c: next((x for x in v["reasons"] if x["code"] == c), None)
codes = [x["code"] for x in v["reasons"]]
for e in sys.argv[3:]:
    if not eval(e):
        print("not true: %s\nverdict: %s" % (e, json.dumps(v,
              ensure_ascii=False)), file=sys.stderr)
        sys.exit(1)
PY
		fail "$name (round $round)"
	log "ok: $name: $(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v["verdict"], ",".join(x["code"] for x in v["reasons"]))' "$T/$name.$round.json")"
}

assert_all() {
	local n=$1
	expect clean "$n" 'v["verdict"] == "clear"' 'v["day"] == d(0)' \
	    'v["feed_version"] == 10' 'v["feed_stale"] is False' \
	    'v["policy_version"] == "KZ-2024.1"' \
	    'v["document"]["number"] == "C00000001"' \
	    'r("stay_days_used")["days_used"] == 10' \
	    'r("stay_days_used")["last_day"] == d(79)' \
	    'r("stay_days_used")["days_remaining"] == 80' \
	    'all(x["severity"] == "clear" for x in v["reasons"])'
	expect stolen "$n" 'v["verdict"] == "deny"' \
	    'r("document_alert_stolen")["severity"] == "deny"' \
	    'r("document_alert_stolen")["alert"] == "da-stolen-1"'
	# The lost alert on the neighbouring number was deleted by the feed.
	expect found "$n" '"document_alert_lost" not in codes' \
	    'not any(c.startswith("document_alert") for c in codes)'
	expect banned "$n" 'v["verdict"] == "deny"' \
	    'r("watchlist_entry_ban")["severity"] == "deny"' \
	    'r("watchlist_entry_ban")["alert"] == "pa-petrov"' \
	    'r("watchlist_entry_ban")["score"] >= 0.95' \
	    'r("watchlist_entry_ban")["until"] is None' \
	    'len(r("watchlist_entry_ban")["matched"]) > 0' \
	    'not any(x.get("alert") == "pa-other" for x in v["reasons"])'
	expect novisa "$n" 'v["verdict"] == "deny"' \
	    'r("visa_required_missing")["severity"] == "deny"'
	expect visa "$n" 'v["verdict"] == "clear"' \
	    'r("permit_valid")["alert"] == "pm-visa-1"' \
	    'r("permit_valid")["last_day"] == d(29)' \
	    'r("visa_required_missing") is None'
	expect over "$n" 'v["direction"] == "exit"' 'v["verdict"] == "refer"' \
	    'r("overstay")["overstay_days"] == 11' \
	    'r("overstay")["first_overstay_day"] == d(-10)'
	expect citizen "$n" 'v["verdict"] == "clear"' 'r("citizen") is not None' \
	    'r("stay_days_used") is None'
	expect bad "$n" 'v["verdict"] == "refer"' 'v["document"] is None' \
	    'codes == ["mrz_invalid"] or codes[0] == "mrz_invalid"'
}

for c in $CASES; do check "$c" 1; done
assert_all 1

# Bad requests: a clear error naming the field, nothing stored.
code=$(curl -s -o "$T/bad-req.json" -w '%{http_code}' --data-binary \
    '{"mrz":"P<","direction":"sideways","lane":3,"officer":"KZ0042"}' "$LANE/v1/checks")
[ "$code" = 400 ] && grep -q '"field":"direction"' "$T/bad-req.json" ||
	fail "bad direction: HTTP $code $(cat "$T/bad-req.json")"
code=$(curl -s -o "$T/bad-req.json" -w '%{http_code}' --data-binary '{"mrz":' "$LANE/v1/checks")
[ "$code" = 400 ] || fail "malformed JSON: HTTP $code"
log "ok: bad check requests answered 400 with the field"

# checkpointctl check gives the same verdict from a shell.
printf '%s\n' "$MRZ_BANNED" | "$CTL" -u "$LANE" check --direction entry \
    --lane 3 --officer KZ0042 --json >"$T/banned.ctl.json" ||
	[ $? = 1 ] || fail "checkpointctl check failed"
expect banned ctl 'v["verdict"] == "deny"' 'r("watchlist_entry_ban") is not None'
printf '%s\n' "$MRZ_CLEAN" | "$CTL" -u "$LANE" check --direction entry \
    --lane 3 --officer KZ0042 >"$T/clean.ctl.txt" || fail "checkpointctl check (text)"
grep -qi 'clear' "$T/clean.ctl.txt" || fail "checkpointctl check text: $(cat "$T/clean.ctl.txt")"
log "ok: checkpointctl check"

# --- a crossing records the officer's decision on a check -----------------
id_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["check_id"])' "$1"; }
# cross NAME DIRECTION OUTCOME CHECK_ID [REASON] : POST /v1/crossings with
# the MRZ of NAME; the HTTP status in $code, the answer in $T/cross.json.
cross() {
	local body
	body=$(python3 -c 'import json,sys
b = {"mrz": sys.argv[1], "direction": sys.argv[2], "lane": 3,
     "officer": "KZ0042", "outcome": sys.argv[3]}
if sys.argv[4] != "-": b["check_id"] = int(sys.argv[4])
if len(sys.argv) > 5: b["reason"] = sys.argv[5]
print(json.dumps(b, ensure_ascii=False))' "$(mrz_of "$1")" "${@:2}")
	code=$(curl -s -o "$T/cross.json" -w '%{http_code}' --data-binary "$body" \
	    "$LANE/v1/crossings")
}
expect_refusal() { # WHAT STATUS FIELD
	[ "$code" = "$2" ] && grep -q "\"field\":\"$3\"" "$T/cross.json" ||
		fail "$1: HTTP $code $(cat "$T/cross.json"), want $2 naming $3"
	log "ok: $1: $code naming $3: $(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' "$T/cross.json")"
}
BANNED_ID=$(id_of "$T/banned.1.json")
CLEAN_ID=$(id_of "$T/clean.1.json")
OVER_ID=$(id_of "$T/over.1.json")
before=$(last_seq $P)
cross banned entry admit "$BANNED_ID"
expect_refusal "admit against deny without a reason" 400 reason
cross banned entry admit "$BANNED_ID" "   "
expect_refusal "a blank reason" 400 reason
cross banned entry admit 999999
expect_refusal "an unknown check_id" 409 check_id
cross banned entry admit "$OVER_ID"
expect_refusal "the check of an exit for an entry" 409 check_id
cross banned entry admit "$CLEAN_ID"
expect_refusal "the check of another document" 409 check_id
[ "$(last_seq $P)" = "$before" ] || fail "a refused crossing was recorded"
REASON='Запрет снят по телефону: supervisor KZ0001'
cross banned entry admit "$BANNED_ID" "$REASON"
[ "$code" = 201 ] || fail "admit against deny with a reason: HTTP $code $(cat "$T/cross.json")"
BANNED_SEQ=$(sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$T/cross.json")
cross banned entry admit "$BANNED_ID" "$REASON"
expect_refusal "a second crossing for one check" 409 check_id
log "ok: admitted against a deny with a reason as seq $BANNED_SEQ"

# checkpointctl record --check-id, and its refusals.
rec() {
	"$CTL" -u "$LANE" record --direction "$1" --lane 3 --officer KZ0042 \
	    --doc-type P --issuing-state "$2" --number "$3" --nationality "$4" \
	    --surname "$5" --given-names "$6" --birth-date "$7" --sex "$8" \
	    --expiry-date 2033-01-01 "${@:9}"
}
out=$(rec entry RUS C00000001 RUS IVANOVA ANNA 1990-05-12 F --check-id "$CLEAN_ID") ||
	fail "checkpointctl record --check-id"
CLEAN_SEQ=${out#recorded seq }
[ "$out" = "recorded seq $CLEAN_SEQ" ] || fail "checkpointctl record printed: $out"
STOLEN_ID=$(id_of "$T/stolen.1.json")
rc=0
rec entry UZB AA1234567 UZB KARIMOV BOBUR 1980-02-02 M --check-id "$STOLEN_ID" \
    2>"$T/rec.err" >/dev/null || rc=$?
[ "$rc" = 1 ] && grep -q '^checkpointctl: reason: ' "$T/rec.err" ||
	fail "record against deny without --reason: exit $rc: $(cat "$T/rec.err")"
rc=0
rec entry UZB AA1234567 UZB KARIMOV BOBUR 1980-02-02 M --check-id 0 \
    2>"$T/rec.err" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q -- '--check-id' "$T/rec.err" ||
	fail "record --check-id 0: exit $rc: $(cat "$T/rec.err")"
rc=0
rec entry UZB AA1234567 UZB KARIMOV BOBUR 1980-02-02 M --reason "$(printf 'a\tb')" \
    2>"$T/rec.err" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q -- '--reason' "$T/rec.err" ||
	fail "record --reason with a tab: exit $rc: $(cat "$T/rec.err")"
out=$(rec entry UZB AA1234567 UZB KARIMOV BOBUR 1980-02-02 M --outcome refuse \
    --check-id "$STOLEN_ID") || fail "record a refusal as advised"
STOLEN_SEQ=${out#recorded seq }
log "ok: checkpointctl record --check-id: seq $CLEAN_SEQ, $STOLEN_SEQ; refusals named"
# An unreachable post: one retry of the same request, then exit 1.
rc=0
"$CTL" -u http://127.0.0.1:1 record --direction entry --lane 3 --officer K \
    --doc-type P --issuing-state KAZ --number N1 --nationality KAZ --surname A \
    --birth-date 1990-01-01 --sex M --expiry-date 2033-01-01 2>"$T/rec.err" || rc=$?
[ "$rc" = 1 ] && grep -q 'retrying once with the same request_id' "$T/rec.err" ||
	fail "record to nowhere: exit $rc: $(cat "$T/rec.err")"
log "ok: checkpointctl record retries once, then says it cannot reach the post"

# links SEQ : "check_id|verdict|outcome|reason" kept at the post.
links() {
	sqlite3 "$T/$P.db" "select check_id, verdict, outcome, coalesce(reason,'') \
	    from crossing_checks where seq = $1"
}

# --- kill -9 and restart: the same verdicts --------------------------------
last_id=$(sqlite3 "$T/$P.db" "select max(id) from checks")
kill -9 "${POST_PID[$P]}"
wait "${POST_PID[$P]}" 2>/dev/null || true
start_post $P
for c in $CASES; do check "$c" 2; done
assert_all 2
for c in $CASES; do
	python3 - "$T/$c.1.json" "$T/$c.2.json" "$last_id" <<'PY' || fail "$c: verdict changed after kill -9"
import json, sys
a, b = (json.load(open(f, encoding="utf-8")) for f in sys.argv[1:3])
assert b["check_id"] > int(sys.argv[3]), "check id reused after restart"
for x in (a, b):
    del x["decided_at"], x["check_id"]
if a != b:
    print("before: %s\nafter:  %s" % (json.dumps(a), json.dumps(b)), file=sys.stderr)
    sys.exit(1)
PY
done
log "ok: after kill -9 every verdict is the same, check ids continue after $last_id"

# The links survive kill -9 (they were committed with the crossings).
[ "$(links "$BANNED_SEQ")" = "$BANNED_ID|deny|admit|$REASON" ] ||
	fail "link of seq $BANNED_SEQ: '$(links "$BANNED_SEQ")'"
[ "$(links "$CLEAN_SEQ")" = "$CLEAN_ID|clear|admit|" ] ||
	fail "link of seq $CLEAN_SEQ: '$(links "$CLEAN_SEQ")'"
[ "$(links "$STOLEN_SEQ")" = "$STOLEN_ID|deny|refuse|" ] ||
	fail "link of seq $STOLEN_SEQ: '$(links "$STOLEN_SEQ")'"
# The journal the replicator pushes carries neither.
if sqlite3 "$T/$P.db" "select payload from journal" | grep -q 'check_id\|reason'; then
	fail "a stored crossing carries check_id or reason"
fi
log "ok: crossing <-> check links kept across kill -9; never in the pushed form"
log "PASS"
