#!/usr/bin/env bash
# import.sh - the post's side of the signed feed, end to end with a real
# checkpointd and no centre (its URL answers nothing): feed export files
# (scripts/sample-feed.py batches signed into frames by feedsign with a key
# made by openssl) applied with `checkpointctl import` while the daemon
# runs. An altered byte in frame 2 stops the import there, naming the frame
# and its offset, with frame 1 applied and kept; a file signed by another
# key and a batch from beyond the cursor are refused with nothing applied;
# the good file then applies the rest, skipping what is there, and again
# skips everything. The lane sees what was imported at once; GET /v1/status
# and `checkpointctl status` show the cursor, the age and the staleness,
# and receipts carry feed_stale. A verify key that is not a key stops the
# daemon naming the file; without verify_keys the status says the feed is
# not configured. Last, a second post pulls the same frames over mutual TLS
# from a stand-in centre (openssl s_server -WWW serving each answer of
# GET /v1/feed?since=V as a file), and refuses an altered answer, keeping
# its cursor and reporting the error.
source "$(dirname "$0")/lib.sh"

P=ALA01
Q=KRG02
pki $P $Q
post_config $P 0
post_config $Q 1
LANE="http://127.0.0.1:${LANE_PORT[$P]}"
CTL=$BIN/checkpointctl
cp "$T/$P.yaml" "$T/$P-nofeed.yaml"
cat >>"$T/$P.yaml" <<YAML
feed:
  max_age_s: 3600
  verify_keys:
    - $T/feed.pub
  poll_interval_ms: 200
YAML

openssl genpkey -algorithm ed25519 -out "$T/feed.key" 2>/dev/null
openssl pkey -in "$T/feed.key" -pubout -out "$T/feed.pub"
openssl genpkey -algorithm ed25519 -out "$T/other.key" 2>/dev/null

TODAY=$(TZ=Asia/Almaty date +%F)
python3 "$ROOT/scripts/sample-feed.py" "$ROOT/config/policy.yaml" "$TODAY" >"$T/feed.jsonl"
"$BIN/feedsign" --key "$T/feed.key" "$T/feed.jsonl" >"$T/good.feed" || fail "feedsign"
"$BIN/feedsign" --key "$T/other.key" "$T/feed.jsonl" >"$T/other.feed" || fail "feedsign other"
echo '{"version":1,"from":12,"to":13,"entries":[]}' |
	"$BIN/feedsign" --key "$T/feed.key" >"$T/gap.feed" || fail "feedsign gap"

# frames FILE : "offset length" of each frame.
frames() {
	python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
o = 0
while o < len(b):
    nl = b.index(b"\n", o)
    n = int(b[o:nl].split(b" ")[4])
    end = nl + 1 + n + 1
    print(o, end - o)
    o = end
PY
}
[ "$(frames "$T/good.feed" | wc -l)" = 3 ] || fail "the export should hold 3 frames"
# The altered file: one byte inside frame 2's batch changed.
read -r off2 len2 < <(frames "$T/good.feed" | sed -n 2p)
python3 - "$T/good.feed" "$T/altered.feed" $((off2 + len2 - 20)) <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = int(sys.argv[3])
b[i] = ord("7") if b[i] != ord("7") else ord("8")
open(sys.argv[2], "wb").write(b)
PY

# feed KEY [LANE] : a value of the status's feed object, as Python prints it.
feed() {
	"$CTL" -u "${2:-$LANE}" status --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["feed"][sys.argv[1]])' "$1"
}

mrz() { # STATE NUMBER NATIONALITY SURNAME GIVEN BIRTH SEX
	"$CTL" mrz make --format TD3 --issuing-state "$1" --number "$2" \
	    --nationality "$3" --surname "$4" --given-names "$5" \
	    --birth-date "$6" --sex "$7" --expiry-date 2033-01-01
}
verdict() { # MRZ [LANE] : the verdict of an entry check
	python3 -c 'import json,sys; print(json.dumps({"mrz": sys.argv[1],
	    "direction": "entry", "lane": 3, "officer": "KZ0042"}))' "$1" |
	curl -s --data-binary @- "${2:-$LANE}/v1/checks" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])'
}
record() { # the receipt's feed_stale
	"$CTL" -u "$LANE" record --direction entry --lane 1 --officer KZ0042 \
	    --doc-type P --issuing-state KAZ --number "N$RANDOM$RANDOM" \
	    --nationality KAZ --surname TEST --birth-date 1990-01-01 --sex F \
	    --expiry-date 2030-01-01 >/dev/null || fail "record"
	curl -s -H 'Content-Type: application/json' --data-binary \
	    '{"direction":"exit","lane":1,"officer":"KZ0042","document":{"type":"P","issuing_state":"KAZ","number":"N1","nationality":"KAZ","surname":"T","given_names":"","birth_date":"1990-01-01","sex":"F","expiry_date":"2030-01-01"}}' \
	    "$LANE/v1/crossings" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["feed_stale"])'
}
MRZ_STOLEN=$(mrz UZB AA1234567 UZB KARIMOV BOBUR 1980-02-02 M)

# --- a post with a feed key, no feed yet, no centre ---------------------
start_post $P
[ "$(feed configured)" = True ] || fail "the feed should be configured"
[ "$(feed cursor)" = 0 ] || fail "cursor should be 0"
[ "$(feed stale)" = True ] || fail "a feed never applied is stale"
[ "$(feed applied_at)" = None ] && [ "$(feed age_s)" = None ] ||
	fail "a feed never applied has no time and no age"
[ "$(feed max_age_s)" = 3600 ] || fail "max_age_s is feed.max_age_s"
[ "$(record)" = True ] || fail "a receipt must say the feed is stale"
for i in $(seq 1 50); do
	e=$(feed last_error)
	[ "$e" != None ] && break
	sleep 0.1
done
case $e in *"cannot pull"*) ;; *) fail "the failed pull is not in the status: $e" ;; esac
log "ok: stale and unreachable feed reported: $e"

# --- import: an altered byte in frame 2 ---------------------------------
if "$CTL" -c "$T/$P.yaml" import "$T/altered.feed" >"$T/imp1.out" 2>"$T/imp1.err"; then
	fail "an altered export was imported"
fi
cat "$T/imp1.err" >&2
grep -q "frame 2 at byte $off2 " "$T/imp1.err" || fail "the error must name frame 2 at byte $off2"
grep -q "not signed by a trusted key, or altered" "$T/imp1.err" || fail "the error must say why"
grep -q "^frame 1: (0, 1\] applied" "$T/imp1.out" || fail "frame 1 should have applied"
grep -q "cursor 1$" "$T/imp1.out" || fail "cursor should be 1: $(cat "$T/imp1.out")"
[ "$(feed cursor)" = 1 ] || fail "frame 1 must stay applied (cursor 1)"
log "ok: altered frame 2 refused at byte $off2, frame 1 kept"

# --- another key; a gap ---------------------------------------------------
if "$CTL" import --store "$T/$P.db" --key "$T/feed.pub" "$T/other.feed" \
    >"$T/imp2.out" 2>"$T/imp2.err"; then
	fail "a file signed by another key was imported"
fi
grep -q "frame 1 at byte 0 .*keyid: signed by a key that is not trusted" "$T/imp2.err" ||
	fail "other key: $(cat "$T/imp2.err")"
[ "$(feed cursor)" = 1 ] || fail "another key's file changed the cursor"
if "$CTL" -c "$T/$P.yaml" import "$T/gap.feed" >"$T/imp3.out" 2>"$T/imp3.err"; then
	fail "a batch beyond the cursor was imported"
fi
grep -q "does not start at the post's cursor" "$T/imp3.err" || fail "gap: $(cat "$T/imp3.err")"
[ "$(feed cursor)" = 1 ] || fail "the gap changed the cursor"
log "ok: another key and a gap refused, nothing applied"

# --- the good file: frame 1 skipped, the rest applied; then all skipped --
"$CTL" -c "$T/$P.yaml" import "$T/good.feed" >"$T/imp4.out" || fail "good import: $(cat "$T/imp4.out")"
cat "$T/imp4.out" >&2
grep -q "^frame 1: (0, 1\] already applied, skipped" "$T/imp4.out" || fail "frame 1 not skipped"
grep -q "^applied 2 frames (9 entries), skipped 1 already applied; cursor 10$" "$T/imp4.out" ||
	fail "good import summary"
"$CTL" -c "$T/$P.yaml" import - <"$T/good.feed" >"$T/imp5.out" || fail "second import"
grep -q "^applied 0 frames (0 entries), skipped 3 already applied; cursor 10$" "$T/imp5.out" ||
	fail "a second import must skip everything: $(cat "$T/imp5.out")"
log "ok: good export imported, then skipped as already applied"

# --- the running daemon sees it; freshness ---------------------------------
[ "$(verdict "$MRZ_STOLEN")" = deny ] || fail "the lane does not see the imported alert"
[ "$(feed cursor)" = 10 ] || fail "status cursor"
[ "$(feed stale)" = False ] || fail "a feed just applied is not stale"
age=$(feed age_s)
[ "$age" -ge 0 ] && [ "$age" -lt 60 ] || fail "age_s $age"
[ "$(record)" = False ] || fail "a receipt must say the feed is fresh"
"$CTL" -u "$LANE" status >"$T/status.txt" || fail "checkpointctl status"
cat "$T/status.txt" >&2
grep -q "^feed cursor  *10$" "$T/status.txt" || fail "status text: cursor"
grep -q "^feed stale  *no " "$T/status.txt" || fail "status text: stale"
log "ok: lane and status see the imported feed"

# --- usage ----------------------------------------------------------------
"$CTL" import --help | grep -q "stay applied" || fail "import --help"
set +e
"$CTL" import --store "$T/$P.db" "$T/good.feed" 2>/dev/null; rc=$?
"$CTL" import --key "$T/feed.pub" --store "$T/nope.db" "$T/good.feed" 2>/dev/null; rc2=$?
set -e
[ $rc = 2 ] || fail "import without a key: exit $rc, want 2"
[ $rc2 = 1 ] && [ ! -e "$T/nope.db" ] || fail "import into a missing store must not create it"

# --- startup: a bad key file; no keys -------------------------------------
kill "${POST_PID[$P]}"
wait "${POST_PID[$P]}" 2>/dev/null || true
sed "s|$T/feed.pub|$T/feed.key|" "$T/$P.yaml" >"$T/$P-badkey.yaml"
if "$BIN/checkpointd" -c "$T/$P-badkey.yaml" 2>"$T/badkey.err"; then
	fail "checkpointd started with a private key as a verify key"
fi
grep -q "feed.verify_keys: $T/feed.key: not a PEM public key" "$T/badkey.err" ||
	fail "bad key: $(cat "$T/badkey.err")"
"$BIN/checkpointd" -c "$T/$P-nofeed.yaml" >>"$T/post-$P.log" 2>&1 &
NOFEED_PID=$!
PIDS+=("$!")
wait_http "$LANE/v1/status"
[ "$(feed configured)" = False ] || fail "no verify_keys: configured"
case $(feed last_error) in "feed not configured"*) ;; *) fail "no verify_keys: last_error" ;; esac
[ "$(feed cursor)" = 10 ] || fail "no verify_keys: the cursor is still shown"
log "ok: bad key stops the daemon; no keys says not configured"
# Its replicator would push to the stand-in centre below: stop it.
kill "$NOFEED_PID"
wait "$NOFEED_PID" 2>/dev/null || true

# --- pulling over mutual TLS from a stand-in centre -----------------------
LANEQ="http://127.0.0.1:${LANE_PORT[$Q]}"
cat >>"$T/$Q.yaml" <<YAML
feed:
  verify_keys: [$T/feed.pub]
  poll_interval_ms: 100
YAML
mkdir -p "$T/www/v1"
i=0
for since in 0 1 9; do
	i=$((i + 1))
	read -r o n < <(frames "$T/good.feed" | sed -n ${i}p)
	dd if="$T/good.feed" of="$T/www/v1/feed?since=$since" bs=1 skip="$o" 	    count="$n" status=none
done
echo '{"version":1,"from":10,"to":10,"entries":[]}' |
	"$BIN/feedsign" --key "$T/feed.key" >"$T/www/v1/feed?since=10"
(cd "$T/www" && exec openssl s_server -quiet -accept "$CENTRE_PORT"     -cert "$T/pki/centre.crt" -key "$T/pki/centre.key"     -CAfile "$T/pki/ca.crt" -Verify 1 -WWW) >>"$T/s_server.log" 2>&1 &
PIDS+=("$!")
start_post $Q
for i in $(seq 1 100); do
	[ "$(feed cursor "$LANEQ")" = 10 ] && break
	sleep 0.1
done
[ "$(feed cursor "$LANEQ")" = 10 ] || fail "pull: cursor $(feed cursor "$LANEQ"), want 10"
[ "$(feed stale "$LANEQ")" = False ] || fail "pull: stale after pulling"
[ "$(verdict "$MRZ_STOLEN" "$LANEQ")" = deny ] || fail "pull: the lane does not see the pulled alert"
grep -q "feed: applied (1, 9\], 8 entries" "$T/post-$Q.log" || fail "pull: not logged"
log "ok: pulled (0, 10] over mutual TLS"
# The centre's answer altered in one byte: refused, recorded, logged once.
python3 - "$T/www/v1/feed?since=10" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-5] ^= 1
open(sys.argv[1], "wb").write(b)
PY
for i in $(seq 1 100); do
	case $(feed last_error "$LANEQ") in *"signature refused"*) break ;; esac
	sleep 0.1
done
case $(feed last_error "$LANEQ") in
*"signature refused"*"nothing applied"* | *"nothing applied"*"signature refused"*) ;;
*) fail "pull: the altered answer is not reported: $(feed last_error "$LANEQ")" ;;
esac
[ "$(feed cursor "$LANEQ")" = 10 ] || fail "pull: an altered answer moved the cursor"
sleep 1
[ "$(grep -c 'signature refused' "$T/post-$Q.log")" = 1 ] ||
	fail "pull: a refusal must be logged once, not on every retry"
log "ok: an altered answer refused, reported, logged once"
log "PASS import.sh"
