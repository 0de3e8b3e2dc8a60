#!/usr/bin/env bash
# feed.sh - the centre as the registry and its signed feed, end to end with
# real processes: PostgreSQL, centrald (mutual TLS, Ed25519-signed feed)
# and real checkpointd posts pulling it.
#
#   1. A person alert added with centralctl is enforced at a post's lane
#      within seconds (the time is measured and printed).
#   2. A traveller who entered 120 days ago exits at post B: B reports the
#      overstay the stay calculator computes independently.
#   3. Out of order: B records an exit today, then a post whose link was
#      down delivers the entry of 100 days ago. The centre's stay state and
#      B's copy converge, and equal those of a traveller whose crossings
#      arrived in order.
#   4. A CSV with one bad row applies nothing and names the row.
#   5. Export files: a frame altered by one byte, a frame signed by another
#      key and a replayed older frame are refused with nothing applied; the
#      good file imports.
#   6. New posts catch up, one from an export file and one from the
#      snapshot over the network, each then following the tail; their
#      stores hold exactly what an old post's holds.
#   7. Freshness: with the centre gone, a post's status and lane answers
#      say the feed is stale; with it back, they do not.
#
# The entries "100/120 days ago" come from post Z, which has a certificate
# but no checkpointd: curl pushes its batch as a real post would (the lane
# can only record crossings at the present time).
source "$(dirname "$0")/lib.sh"

A=ALA01
B=KRG02
C=NEW03
D=NEW04
Z=ZAI09
pki $A $B $C $D $Z
"$ROOT/scripts/pki.sh" feedkey "$T/pki" >/dev/null
mkdir -p "$T/rogue"
"$ROOT/scripts/pki.sh" feedkey "$T/rogue" >/dev/null
CERT_POST=$A
CTL=$BIN/checkpointctl

day() { TZ=Asia/Almaty date -d "$1" +%F; }
while [ "$(TZ=Asia/Almaty date +%H%M)" -ge 2350 ]; do
	log "waiting for midnight in Asia/Almaty (the day must not change mid-test)"
	sleep 20
done
TODAY=$(day today)

pg_start
central_config $A $B $C $D $Z
cat >>"$T/central.yaml" <<YAML
feed:
  signing_key: $T/pki/feed.key
  batch_max: 10
stays:
  interval_ms: 100
YAML
"$BIN/centrald" -c "$T/central.yaml" migrate >"$T/migrate.log" 2>&1 || fail "migrate"
CC() { "$BIN/centralctl" -c "$T/central.yaml" --as feed-test "$@"; }
CC policy load "$ROOT/config/policy.yaml" >/dev/null || fail "policy load"
start_centrald

# post_feed CODE INDEX MAX_AGE_S : a post that pulls the feed every 200 ms.
post_feed() {
	post_config "$1" "$2"
	cat >>"$T/$1.yaml" <<YAML
feed:
  verify_keys:
    - $T/pki/feed.pub
  poll_interval_ms: 200
  max_age_s: $3
YAML
}
post_feed $A 0 3
post_feed $B 1 3600
start_post $A
start_post $B

head_pos() { CC feed head; }
# status CODE KEY : a number or boolean of checkpointctl status --json.
status() {
	"$CTL" -u "http://127.0.0.1:${LANE_PORT[$1]}" status --json |
	    python3 -c 'import json,sys; v=json.load(sys.stdin)["feed"][sys.argv[1]]; print(str(v).lower() if isinstance(v, bool) else v)' "$2"
}
# wait_cursor CODE SECONDS : until the post has applied the centre's head.
wait_cursor() {
	local h i c
	h=$(head_pos)
	for i in $(seq 1 $(($2 * 10))); do
		c=$(status "$1" cursor 2>/dev/null || echo -1)
		[ "$c" = "$h" ] && return 0
		sleep 0.1
	done
	fail "post $1 is at ${c:-?}, the centre at $h, after $2 s"
}
wait_cursor $A 20
wait_cursor $B 20
log "ok: both posts hold the policy (feed position $(head_pos))"

mrz() { # STATE NUMBER NATIONALITY SURNAME GIVEN BIRTH SEX
	"$CTL" mrz make --format TD3 --issuing-state "$1" --number "$2" \
	    --nationality "$3" --surname "$4" --given-names "$5" \
	    --birth-date "$6" --sex "$7" --expiry-date 2033-01-01
}
# check CODE DIRECTION MRZ OUT : POST /v1/checks at the post.
check() {
	local body code
	body=$(python3 -c 'import json,sys; print(json.dumps({"version": 1,
	    "mrz": sys.argv[1], "direction": sys.argv[2], "lane": 1,
	    "officer": "KZ0042"}))' "$3" "$2")
	code=$(curl -s -o "$4" -w '%{http_code}' --data-binary "$body" \
	    "http://127.0.0.1:${LANE_PORT[$1]}/v1/checks")
	[ "$code" = 200 ] || fail "check at $1: HTTP $code: $(cat "$4")"
}
# reason FILE CODE KEY : a reason's field ("" when the reason is absent).
reason() {
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
r = next((x for x in v["reasons"] if x["code"] == sys.argv[2]), None)
print("" if r is None else r.get(sys.argv[3], ""))' "$@"
}
verdict() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "${2:-verdict}"; }

# --- 1. an alert added at the centre is enforced within seconds ----------
MRZ_BAN=$(mrz RUS R12345678 RUS VOLKOV DMITRY 1979-04-11 M)
check $A entry "$MRZ_BAN" "$T/ban.0.json"
[ "$(verdict "$T/ban.0.json")" = clear ] || fail "VOLKOV is not clear before the alert"
t0=$(date +%s%N)
CC alert person put pa-volkov --kind entry_ban --surname 'Волков' \
    --given-names 'Дмитрий' --birth-date 1979-04 --nationality RUS \
    --severity 4 --source 'court order 12/2026' >/dev/null || fail "alert person put"
for i in $(seq 1 300); do
	check $A entry "$MRZ_BAN" "$T/ban.1.json"
	[ "$(reason "$T/ban.1.json" watchlist_entry_ban alert)" = pa-volkov ] && break
	sleep 0.05
done
t1=$(date +%s%N)
[ "$(reason "$T/ban.1.json" watchlist_entry_ban alert)" = pa-volkov ] ||
	fail "the alert was not enforced in 15 s: $(cat "$T/ban.1.json")"
# Born "1979-04" only: a strong name match on a partial birth date is
# referred to secondary inspection rather than denied (docs/decisions.md).
v=$(verdict "$T/ban.1.json")
[ "$v" = refer ] || [ "$v" = deny ] || fail "an entry-ban hit answered $v"
ms=$(((t1 - t0) / 1000000))
log "ok: a person alert typed in Cyrillic at the centre hit the MRZ at post $A after $ms ms ($v; poll 200 ms)"
[ "$ms" -le 10000 ] || fail "enforcement took $ms ms (more than 10 s)"

# --- 2 and 3. stays derived at the centre, overstays at post B ------------
SEQ_Z=0
# push_z DIRECTION DAY STATE NUMBER NAT SURNAME GIVEN BIRTH SEX : post Z
# pushes one crossing recorded at noon (Almaty) on DAY.
push_z() {
	SEQ_Z=$((SEQ_Z + 1))
	local at body code
	at=$(TZ=Asia/Almaty date -d "$2 12:00" -u +%Y-%m-%dT%H:%M:%S.000Z)
	body=$(python3 -c 'import json,sys
a = sys.argv
print(json.dumps({"version": 1, "post": a[1], "crossings": [{"seq": int(a[2]),
  "recorded_at": a[3], "direction": a[4], "lane": 1, "officer": "KZ0099",
  "outcome": "admit", "document": {"type": "P", "issuing_state": a[5],
  "number": a[6], "nationality": a[7], "surname": a[8], "given_names": a[9],
  "birth_date": a[10], "sex": a[11], "expiry_date": "2033-01-01"}}]}))' \
	    $Z $SEQ_Z "$at" "$1" "${@:3}")
	code=$(CERT_POST=$Z centre_curl "/v1/posts/$Z/crossings" -o "$T/z.json" \
	    -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$body")
	[ "$code" = 200 ] || fail "post $Z push: HTTP $code $(cat "$T/z.json")"
}
# cross CODE DIRECTION MRZ : the lane records an admitted crossing now.
cross() {
	local body code
	body=$(python3 -c 'import json,sys; print(json.dumps({"mrz": sys.argv[1],
	    "direction": sys.argv[2], "lane": 1, "officer": "KZ0042",
	    "outcome": "admit"}))' "$3" "$2")
	code=$(curl -s -o "$T/cross.json" -w '%{http_code}' --data-binary "$body" \
	    "http://127.0.0.1:${LANE_PORT[$1]}/v1/crossings")
	[ "$code" = 201 ] || fail "crossing at $1: HTTP $code $(cat "$T/cross.json")"
}
# centre_stays STATE NUMBER : the centre's stay state as compact JSON.
centre_stays() { CC stays show "$1" "$2"; }
# post_stays CODE STATE NUMBER : the stays in the post's registry, as the
# centre's JSON ("" when it holds none). The store keeps them as
# checkpointctl stay calc's list ("A..B,C..").
post_stays() {
	sqlite3 "$T/$1.db" "select stays from reg_stay_state where id = '$2:$3'" |
	    python3 -c 'import json,sys
s = sys.stdin.read().strip()
if s:
    print(json.dumps([[a, b or None] for a, b in (x.split("..") for x in s.split(","))],
                     separators=(",", ":")))'
}
# calc STAYS_JSON : overstay days by the stay calculator as of today.
calc_over() {
	local stays
	stays=$(python3 -c 'import json,sys
print(",".join("%s..%s" % (a, b or "") for a, b in json.loads(sys.argv[1])))' "$1")
	"$CTL" stay calc --policy "$ROOT/config/policy.yaml" --nationality RUS \
	    --stays "$stays" --check "$TODAY" --json |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["overstay_days"])'
}
# wait_stays CODE STATE NUMBER WANT_JSON : until the post's copy matches.
wait_stays() {
	local i got
	for i in $(seq 1 150); do
		got=$(post_stays "$1" "$2" "$3")
		[ "$got" = "$4" ] && return 0
		sleep 0.1
	done
	fail "post $1 holds stays '$got' for $2:$3, the centre '$4'"
}
stays_of() { centre_stays "$1" "$2" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["stays"], separators=(",", ":")))'; }

# 2. In order: entry at Z 120 days ago reaches the centre, then B.
D120=$(day '120 days ago')
push_z entry "$D120" RUS P00000120 RUS SMIRNOV OLEG 1981-06-01 M
want="[[\"$D120\",null]]"
for i in $(seq 1 100); do
	[ "$(stays_of RUS P00000120 2>/dev/null)" = "$want" ] && break
	sleep 0.1
done
[ "$(stays_of RUS P00000120)" = "$want" ] || fail "centre stays: $(centre_stays RUS P00000120)"
wait_stays $B RUS P00000120 "$want"
expect_over=$(calc_over "$want")
MRZ_SMIRNOV=$(mrz RUS P00000120 RUS SMIRNOV OLEG 1981-06-01 M)
check $B exit "$MRZ_SMIRNOV" "$T/smirnov.json"
got_over=$(reason "$T/smirnov.json" overstay overstay_days)
[ "$got_over" = "$expect_over" ] && [ "$expect_over" -gt 0 ] ||
	fail "post $B says overstay '$got_over', the calculator $expect_over: $(cat "$T/smirnov.json")"
log "ok: entry 120 days ago at $Z, exit check at $B: overstay $got_over days (calculator: $expect_over)"

# 3. Out of order: the exit at B arrives first, the entry (Z's link was
# down) after it. TWIN has the same history delivered in order.
D100=$(day '100 days ago')
MRZ_LATE=$(mrz RUS P00000100 RUS KUZNETSOV IGOR 1977-02-03 M)
MRZ_TWIN=$(mrz RUS P00000101 RUS KUZNETSOVA IRINA 1978-02-03 F)
push_z entry "$D100" RUS P00000101 RUS KUZNETSOVA IRINA 1978-02-03 F
cross $B exit "$MRZ_TWIN"
cross $B exit "$MRZ_LATE"
wait_drained $B 20
sleep 1
early=$(stays_of RUS P00000100)
log "before the late entry the centre holds $early for the late traveller"
[ "$early" = "[[\"$TODAY\",\"$TODAY\"]]" ] || fail "exit without entry: $early"
push_z entry "$D100" RUS P00000100 RUS KUZNETSOV IGOR 1977-02-03 M
want="[[\"$D100\",\"$TODAY\"]]"
for i in $(seq 1 100); do
	[ "$(stays_of RUS P00000100)" = "$want" ] && break
	sleep 0.1
done
[ "$(stays_of RUS P00000100)" = "$want" ] || fail "late entry: $(centre_stays RUS P00000100)"
[ "$(stays_of RUS P00000101)" = "$want" ] || fail "in-order twin: $(centre_stays RUS P00000101)"
wait_stays $B RUS P00000100 "$want"
wait_stays $B RUS P00000101 "$want"
# The stay is closed (the exit was today): its overstay is what the stay
# calculator finds on the stays each side holds.
c_over=$(calc_over "$(stays_of RUS P00000100)")
[ "$c_over" = "$(calc_over "$(stays_of RUS P00000101)")" ] || fail "the twins' overstay days differ"
p_over=$(calc_over "$(post_stays $B RUS P00000100)")
[ "$c_over" = "$p_over" ] && [ "$c_over" -gt 0 ] ||
	fail "centre overstay $c_over, post $B's stays give $p_over"
log "ok: exit before entry converges: centre and post $B both hold $want, overstay $c_over days, as for the in-order twin"

# --- 4. a CSV with one bad row applies nothing -----------------------------
h0=$(head_pos)
{
	echo 'id,issuing_state,number,reason,since'
	for i in $(seq 1 20); do printf 'da-csv-%d,UZB,CS%07d,stolen,2026-01-%02d\n' "$i" "$i" "$i"; done
	echo 'da-csv-bad,UZB,CS9999999,stolen,2026-02-30'
	for i in $(seq 21 30); do printf 'da-csv-%d,UZB,CS%07d,lost,2026-01-%02d\n' "$i" "$i" "$i"; done
} >"$T/bad.csv"
rc=0
CC alert document import "$T/bad.csv" >"$T/csv.out" 2>"$T/csv.err" || rc=$?
[ "$rc" = 1 ] || fail "a bad CSV: exit $rc"
grep -q 'line 22' "$T/csv.err" && grep -q 'since' "$T/csv.err" ||
	fail "the bad row is not named: $(cat "$T/csv.err")"
[ "$(head_pos)" = "$h0" ] || fail "a bad CSV moved the feed"
[ "$(psql_q "select count(*) from document_alerts where id like 'da-csv-%'")" = 0 ] ||
	fail "a bad CSV left rows"
log "ok: a CSV with one bad row: $(head -n 1 "$T/csv.err"); nothing applied"
sed -i '/da-csv-bad/d' "$T/bad.csv"
CC alert document import "$T/bad.csv" >/dev/null || fail "the good CSV"
[ "$(psql_q "select count(*) from document_alerts where id like 'da-csv-%'")" = 30 ] ||
	fail "the good CSV did not import 30 rows"
wait_cursor $A 20
wait_cursor $B 20

# --- 5. export files and refusals ------------------------------------------
# A post that never talks to the centre: post C's store, filled by import.
post_feed $C 2 3600
sed -i "s|url: https://localhost:$CENTRE_PORT|url: https://localhost:1|" "$T/$C.yaml"
CC feed export --since 0 "$T/all.feed" >"$T/export.out" || fail "feed export"
nframes=$(grep -c '^SHEKARA-FEED ' "$T/all.feed")
[ "$nframes" -ge 2 ] || fail "expected several frames with batch_max 10, got $nframes"
# One byte altered in the first frame's batch.
python3 - "$T/all.feed" "$T/altered.feed" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
head = b.index(b"\n") + 1
i = b.index(b'"issuing_state":"', head) + len('"issuing_state":"')
b[i] = ord("X") if b[i] != ord("X") else ord("Y")
open(sys.argv[2], "wb").write(bytes(b))
PY
CC feed export --since 0 --key "$T/rogue/feed.key" "$T/rogue.feed" >/dev/null ||
	fail "export with another key"
dump() { # CODE : the registry's records, without positions or times
	local t
	for t in reg_document_alert reg_person_alert reg_permit reg_stay_state reg_policy reg_officer; do
		echo "== $t"
		sqlite3 -header "$T/$1.db" "select * from $t order by id" | cut -c1-100000
	done
}
imp() { "$CTL" -c "$T/$C.yaml" import "$1"; }
store_sum() { { dump $C; sqlite3 "$T/$C.db" "select * from reg_feed"; } | sha256sum; }
# Start post C once (its centre unreachable) so that its store exists.
start_post $C
kill "${POST_PID[$C]}"
wait "${POST_PID[$C]}" 2>/dev/null || true
s0=$(store_sum)
for f in altered rogue; do
	rc=0
	imp "$T/$f.feed" >"$T/imp.out" 2>"$T/imp.err" || rc=$?
	[ "$rc" = 1 ] || fail "$f: import exit $rc: $(cat "$T/imp.err")"
	[ "$(store_sum)" = "$s0" ] || fail "$f: the refused import changed the store"
	log "ok: $f frame refused: $(head -n 1 "$T/imp.err")"
done
imp "$T/all.feed" >"$T/imp.out" 2>&1 || fail "import: $(cat "$T/imp.out")"
s1=$(store_sum)
# Replay: the first frame again (an older batch) applies nothing.
python3 - "$T/all.feed" "$T/first.feed" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
nl = b.index(b"\n")
n = int(b[:nl].split()[-1])
open(sys.argv[2], "wb").write(b[:nl + 1 + n + 1])
PY
imp "$T/first.feed" >"$T/imp.out" 2>&1 || true
[ "$(store_sum)" = "$s1" ] || fail "a replayed older frame changed the store"
log "ok: a replayed older frame applied nothing: $(tail -n 1 "$T/imp.out")"

# --- 6. a new post: snapshot plus tail, identical to an old post ------------
# More changes: an update, a delete, an officer, so the tail is not empty.
CC alert person put pa-volkov --kind entry_ban --surname 'Волков' \
    --given-names 'Дмитрий' --birth-date 1979-04-11 --nationality RUS \
    --severity 5 --source 'court order 12/2026' >/dev/null || fail "alert update"
CC alert document remove da-csv-3 >/dev/null || fail "alert remove"
sed -i "s|url: https://localhost:1|url: https://localhost:$CENTRE_PORT|" "$T/$C.yaml"
start_post $C
# Post D is new and only has the network: the snapshot (since 0, in
# batches of 10) and then the tail.
post_feed $D 3 3600
start_post $D
wait_cursor $C 30
wait_cursor $D 30
wait_cursor $A 20
dump $A >"$T/A.dump"
for p in $C $D; do
	dump $p >"$T/$p.dump"
	cmp -s "$T/A.dump" "$T/$p.dump" || { diff "$T/A.dump" "$T/$p.dump" | head -20 >&2; fail "new post $p's store differs from the old post's"; }
done
grep -q "feed: applied (0, " "$T/post-$D.log" || fail "post $D did not start from the snapshot"
log "ok: new posts $C (export file, then the tail) and $D (snapshot over the network, then the tail) hold exactly what $A holds ($(grep -vc '^==' "$T/A.dump") rows)"

# --- 7. freshness -------------------------------------------------------------
[ "$(status $A stale)" = false ] || fail "post $A is stale with the centre up"
kill "$CENTRALD_PID"
wait "$CENTRALD_PID" 2>/dev/null || true
sleep 4
[ "$(status $A stale)" = true ] || fail "post $A is not stale 4 s after the centre went (max_age_s 3)"
check $A entry "$MRZ_SMIRNOV" "$T/stale.json"
[ "$(verdict "$T/stale.json" feed_stale)" = True ] || fail "a check with a stale feed does not say so"
log "ok: with the centre gone for 4 s post $A says stale, and so do its checks"
start_centrald
for i in $(seq 1 50); do
	[ "$(status $A stale)" = false ] && break
	sleep 0.1
done
[ "$(status $A stale)" = false ] || fail "post $A still stale with the centre back"
log "ok: the centre back, post $A is fresh again"
log "PASS"
