#!/usr/bin/env bash
# e2e.sh - nothing acknowledged is lost, nothing arrives twice.
#
# Real PostgreSQL, centrald and two checkpointd over mutual TLS. 2 x 1000
# crossings go through the lane APIs while one post is killed with SIGKILL and
# restarted, the centre is killed and restarted, and PostgreSQL is stopped for
# a few seconds and started. Then every crossing a lane was told is recorded
# must be at the centre exactly once with the same payload, each post's
# sequence numbers must be at the centre gapless, and nothing may be unsent.
source "$(dirname "$0")/lib.sh"

N=${E2E_COUNT:-1000}
A=ALA01
B=NUR02
CERT_POST=$A

pki $A $B
pg_start
central_config $A $B
post_config $A 0
post_config $B 1
"$BIN/centrald" -c "$T/central.yaml" migrate >>"$T/centrald.log" 2>&1 ||
	fail "centrald migrate"
start_centrald
start_post $A
start_post $B

log "sending $N crossings through each post"
"$BIN/lanegen" --url "http://127.0.0.1:${LANE_PORT[$A]}" --post $A --count "$N" \
    --seed 11 --interval-ms 12 --out "$T/acked-$A.csv" \
    --attempts "$T/attempts.csv" 2>>"$T/lanegen.log" &
GEN_A=$!
"$BIN/lanegen" --url "http://127.0.0.1:${LANE_PORT[$B]}" --post $B --count "$N" \
    --seed 22 --interval-ms 12 --out "$T/acked-$B.csv" \
    --attempts "$T/attempts.csv" 2>>"$T/lanegen.log" &
GEN_B=$!
PIDS+=("$GEN_A" "$GEN_B")

wait_lines "$T/acked-$A.csv" $((N / 5)) $GEN_A
log "kill -9 post $A at $(lines "$T/acked-$A.csv") acknowledged"
kill -9 "${POST_PID[$A]}"
wait "${POST_PID[$A]}" 2>/dev/null || true
sleep 0.5
start_post $A

wait_lines "$T/acked-$B.csv" $((N * 2 / 5)) $GEN_B
log "kill -9 centrald at $(lines "$T/acked-$B.csv") acknowledged by $B"
kill -9 "$CENTRALD_PID"
wait "$CENTRALD_PID" 2>/dev/null || true
sleep 1
start_centrald

wait_lines "$T/acked-$A.csv" $((N * 3 / 5)) $GEN_A
log "stopping PostgreSQL for 3 s at $(lines "$T/acked-$A.csv") acknowledged by $A"
pg_stop
sleep 3
kill -0 $GEN_A 2>/dev/null || fail "traffic at $A ended while PostgreSQL was down: not mid-stream"
pg_start >/dev/null

wait $GEN_A || fail "lane traffic at $A failed"
wait $GEN_B || fail "lane traffic at $B failed"
log "traffic done; waiting for the posts to drain"
wait_drained $A 60
wait_drained $B 60

"$BIN/centralctl" --db "$CONNINFO" crossings --format csv >"$T/centre.csv" ||
	fail "centralctl crossings"
head -n 1 "$T/centre.csv" | grep -q '^post,seq,recorded_at,direction' ||
	fail "centralctl CSV has no header"
tail -n +2 "$T/centre.csv" | cut -d, -f1,2 | sort -c -t, -k1,1 -k2,2n ||
	fail "centralctl does not list crossings in (post, seq) order"
tail -n +2 "$T/centre.csv" | sort >"$T/centre.sorted"

for p in $A $B; do
	acked=$(lines "$T/acked-$p.csv")
	[ "$acked" -eq "$N" ] || fail "$p: $acked acknowledged, expected $N"
	sort "$T/acked-$p.csv" >"$T/acked-$p.sorted"
	missing=$(comm -23 "$T/acked-$p.sorted" "$T/centre.sorted" | wc -l)
	if [ "$missing" -ne 0 ]; then
		comm -23 "$T/acked-$p.sorted" "$T/centre.sorted" | head -n 5 >&2
		fail "$p: $missing acknowledged crossings missing or different at the centre"
	fi
	# Gapless and exactly once: the centre holds seqs 1..last_seq of p.
	last=$(last_seq $p)
	[ -n "$last" ] && [ "$last" -ge "$N" ] || fail "$p: last_seq '$last' < $N"
	grep "^$p," "$T/centre.sorted" | cut -d, -f2 | sort -n >"$T/seqs-$p"
	seq 1 "$last" | diff -q - "$T/seqs-$p" >/dev/null ||
		fail "$p: centre does not hold exactly seqs 1..$last once each"
	[ "$(unsent $p)" = 0 ] || fail "$p: unsent is not zero"
	log "$p: $N acknowledged, all at the centre; centre holds seqs 1..$last exactly once"
done

# Crossings recorded but not acknowledged (lost answers during the kill)
# must be real attempts, not invented rows.
comm -13 <(sort "$T/acked-$A.sorted" "$T/acked-$B.sorted") "$T/centre.sorted" |
    awk -F, '{print $1","$10}' | sort >"$T/unacked"
if [ -s "$T/unacked" ]; then
	extra=$(comm -23 "$T/unacked" <(sort "$T/attempts.csv") | wc -l)
	[ "$extra" -eq 0 ] || fail "$extra rows at the centre were never sent by a lane"
fi
total=$(psql_q "select count(*) from crossings")
distinct=$(psql_q "select count(distinct (post, seq)) from crossings")
[ "$total" -eq "$distinct" ] || fail "duplicate (post, seq) at the centre"
log "PASS: $total crossings at the centre, $(lines "$T/unacked") recorded without an answer to the lane"
