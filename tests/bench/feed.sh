#!/usr/bin/env bash
# feed.sh - the feed benchmark (issue 5), run by tests/bench/run.sh: writes
# the "feed" section of BENCHMARKS.md.
#
# The centre's feed log is filled with BENCH_FEED_DOCS document alerts,
# BENCH_FEED_PERSONS person alerts and BENCH_FEED_PERMITS permits (feedgen
# --out, loaded by feedload: the exact entry bytes the centre serves), then:
#   1. a new post (real checkpointd, empty store) catches up through GET
#      /v1/feed: wall time until its cursor is the head, and the bytes the
#      centre sent (sum of the frames, from centrald's log);
#   2. BENCH_FEED_UPDATES changes are added: the same post's incremental
#      catch-up time;
#   3. the centre's cost per feed request: a client on one keep-alive
#      connection fetches every full batch of the log, then asks "anything
#      new?" 200 times (an empty batch): time per request, p50 and p99.
BIN=${BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
source "$(dirname "$0")/../integration/lib.sh"

DOCS=${BENCH_FEED_DOCS:-400000}
PERSONS=${BENCH_FEED_PERSONS:-300000}
PERMITS=${BENCH_FEED_PERMITS:-300000}
UPDATES=${BENCH_FEED_UPDATES:-10000}
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
A=ALA01
CERT_POST=$A

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	printf '%s, %s cores, %s GiB RAM, %s, PostgreSQL %s' "${cpu:-unknown CPU}" \
	    "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo)" \
	    "$(uname -sr)" "$(psql_q 'show server_version')"
}

pki $A
"$ROOT/scripts/pki.sh" feedkey "$T/pki" >/dev/null
pg_start
central_config $A
cat >>"$T/central.yaml" <<YAML
feed:
  signing_key: $T/pki/feed.key
  batch_max: 5000
YAML
"$BIN/centrald" -c "$T/central.yaml" migrate >>"$T/centrald.log" 2>&1 || fail "migrate"

log "feed: generating $DOCS document alerts, $PERSONS person alerts, $PERMITS permits"
"$BIN/feedgen" --out "$T/full.jsonl" --quiet --from 0 --document-alerts "$DOCS" \
    --person-alerts "$PERSONS" --permits "$PERMITS" --policy "$ROOT/config/policy.yaml" ||
	fail "feedgen"
"$BIN/feedload" --db "$CONNINFO" "$T/full.jsonl" || fail "feedload"
HEAD=$(psql_q "select pos from feed_head")
psql_q "vacuum analyze feed_log"
start_centrald

post_config $A 0
cat >>"$T/$A.yaml" <<YAML
feed:
  verify_keys:
    - $T/pki/feed.pub
  poll_interval_ms: 200
YAML
sed -i 's/level: info/level: warn/' "$T/$A.yaml"
cursor() {
	"$BIN/checkpointctl" -u "http://127.0.0.1:${LANE_PORT[$A]}" status --json |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["feed"]["cursor"])'
}
# wait_head POS : until the post's cursor is POS (at most 30 minutes).
wait_head() {
	local i c
	for i in $(seq 1 18000); do
		c=$(cursor 2>/dev/null || echo 0)
		[ "$c" = "$1" ] && return 0
		sleep 0.1
	done
	fail "the post is at $c, not $1, after 30 minutes"
}
# sent_bytes : the frame bytes centrald reports having sent so far.
sent_bytes() {
	sed -n 's/.*feed .* \([0-9][0-9]*\) bytes.*/\1/p' "$T/centrald.log" |
	    awk '{s += $1} END {printf "%d", s}'
}

log "feed: a new post catches up to position $HEAD"
b0=$(sent_bytes)
t0=$(date +%s.%N)
start_post $A
wait_head "$HEAD"
t1=$(date +%s.%N)
full_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
full_b=$(($(sent_bytes) - b0))
rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/${POST_PID[$A]}/status")
store_mb=$(du -m "$T/$A.db" | cut -f1)
log "feed: caught up in $full_s s, $full_b bytes"

log "feed: $UPDATES changes"
"$BIN/feedgen" --out "$T/upd.jsonl" --quiet --seed 2 --from "$HEAD" \
    --person-alerts "$UPDATES" || fail "feedgen (updates)"
b0=$(sent_bytes)
t0=$(date +%s.%N)
"$BIN/feedload" --db "$CONNINFO" "$T/upd.jsonl" >/dev/null || fail "feedload (updates)"
HEAD2=$(psql_q "select pos from feed_head")
wait_head "$HEAD2"
t1=$(date +%s.%N)
inc_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
inc_b=$(($(sent_bytes) - b0))
log "feed: incremental catch-up in $inc_s s, $inc_b bytes"

# The centre's cost per request, seen by one client on one connection.
log "feed: the cost of a feed request"
# The snapshot's batch boundaries: every 5000th live upsert.
urls=("https://localhost:$CENTRE_PORT/v1/feed?since=0")
for p in $(psql_q "select pos from (select pos, row_number() over (order by pos) rn
    from feed_log where not superseded and op = 'upsert') x where rn % 5000 = 0"); do
	urls+=("https://localhost:$CENTRE_PORT/v1/feed?since=$p")
done
# fetch OUT URL... : one connection, every body discarded, one line of
# "time to first byte, total time, bytes" per URL.
fetch() {
	local out=$1 u args=()
	shift
	for u in "$@"; do args+=(-o /dev/null "$u"); done
	curl -s --cacert "$T/pki/ca.crt" --cert "$T/pki/post-$A.crt" \
	    --key "$T/pki/post-$A.key" \
	    -w '%{time_starttransfer} %{time_total} %{size_download}\n' \
	    "${args[@]}" >"$out"
}
fetch "$T/full-req.txt" "${urls[@]}"
empty=()
for i in $(seq 1 200); do empty+=("https://localhost:$CENTRE_PORT/v1/feed?since=$HEAD2"); done
fetch "$T/empty-req.txt" "${empty[@]}"
# stats FILE : "n, p50 ms, p99 ms, mean bytes" of requests after the first
# (the first carries the TLS handshake).
stats() {
	tail -n +2 "$1" | awk '{print $2 * 1000, $3}' | sort -n | awk '
	    {t[NR] = $1; b += $2} END {
	    if (NR == 0) { print "0 0 0 0"; exit }
	    i = int(NR * 0.99); if (i < 1) i = 1
	    printf "%d %.2f %.2f %d\n", NR, t[int((NR + 1) / 2)], t[i], b / NR }'
}
read -r fn fp50 fp99 fbytes < <(stats "$T/full-req.txt")
read -r en ep50 ep99 ebytes < <(stats "$T/empty-req.txt")

total=$((DOCS + PERSONS + PERMITS))
cat >"$T/feed.md" <<MD
## Feed catch-up (issue 5)

$(date -u +%Y-%m-%d), $(machine).
Command: \`make bench\` (tests/bench/feed.sh; BENCH_FEED_DOCS=$DOCS
BENCH_FEED_PERSONS=$PERSONS BENCH_FEED_PERMITS=$PERMITS
BENCH_FEED_UPDATES=$UPDATES). The centre's feed log holds $total records
($DOCS document alerts, $PERSONS person alerts, $PERMITS permits, the
policy), loaded by \`feedload\` as the centre stores them; batches of 5000
entries, each signed (Ed25519) by centrald per request; the post is a real
checkpointd that verifies every frame and applies it with its cursor in one
SQLite transaction (synchronous=FULL), keying each person alert for the
name matcher.

| what | figure |
|---|---|
| new post: snapshot of $total records, until its cursor is the head | $full_s s |
| bytes sent by the centre for it (frames, before TLS) | $full_b ($(awk -v b="$full_b" -v n="$total" 'BEGIN {printf "%.0f", b / n}') per record) |
| the post's store afterwards / its peak resident memory | $store_mb MB / $rss MiB |
| incremental catch-up of $UPDATES changes (from the load's commit) | $inc_s s, $inc_b bytes |
| centre, a full batch of 5000 entries: p50 / p99 per request ($fn requests, one connection) | $fp50 / $fp99 ms, $fbytes bytes each |
| centre, "anything new?" (an empty batch): p50 / p99 per request ($en requests) | $ep50 / $ep99 ms |

The per-request times are seen by a client on one keep-alive TLS connection
on loopback (curl), so they include reading the rows in one snapshot,
assembling the batch from the stored entry bytes, signing it and TLS.
MD
if [ "${BENCH_OUT:-}" = - ]; then
	cat "$T/feed.md"
else
	python3 - "$OUT" feed "$T/feed.md" <<'PY'
import sys
out, name, body = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
b, e = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
s = open(out).read()
new = f"{b}\n{body.rstrip()}\n{e}"
if b in s and e in s:
    s = s[:s.index(b)] + new + s[s.index(e) + len(e):]
else:
    s = s.rstrip() + "\n\n" + new + "\n"
open(out, "w").write(s)
PY
	log "feed: written to $OUT"
fi
