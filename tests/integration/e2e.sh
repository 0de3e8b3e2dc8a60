#!/usr/bin/env bash
# e2e.sh - nothing acknowledged is lost, nothing arrives twice.
#
# Real PostgreSQL, centrald and two checkpointd over mutual TLS. 2 x 1000
# crossings go through the lane APIs while one post is killed with SIGKILL and
# restarted, the centre is killed and restarted, and PostgreSQL is stopped for
# a few seconds and started. The lanes send a request_id with every crossing
# and retry a failed one under the same key, so the post records each
# traveller once, answering a retry of a recorded one with its first receipt
# (200). Then the centre must hold exactly the crossings the lanes were told
# are recorded, nothing more, with the same payload; each post's sequence
# numbers must be at the centre gapless, and nothing may be unsent.
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
    2>>"$T/lanegen.log" &
GEN_A=$!
"$BIN/lanegen" --url "http://127.0.0.1:${LANE_PORT[$B]}" --post $B --count "$N" \
    --seed 22 --interval-ms 12 --out "$T/acked-$B.csv" \
    2>>"$T/lanegen.log" &
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
	# Exactly the acknowledged rows: none missing, none different, and
	# no row the lane was not told about (a retry recorded twice).
	grep "^$p," "$T/centre.sorted" >"$T/centre-$p.sorted" || true
	missing=$(comm -23 "$T/acked-$p.sorted" "$T/centre-$p.sorted" | wc -l)
	extra=$(comm -13 "$T/acked-$p.sorted" "$T/centre-$p.sorted" | wc -l)
	if [ "$missing" -ne 0 ] || [ "$extra" -ne 0 ]; then
		diff "$T/acked-$p.sorted" "$T/centre-$p.sorted" | head -n 10 >&2
		fail "$p: $missing acknowledged crossings missing or different at the centre, $extra rows there the lane was not told about"
	fi
	# Acknowledged once each: no seq in two rows of the lane's file.
	dups=$(cut -d, -f2 "$T/acked-$p.sorted" | sort -n | uniq -d | wc -l)
	[ "$dups" -eq 0 ] || fail "$p: $dups seqs acknowledged for two travellers"
	# Gapless and exactly once: the centre holds seqs 1..last_seq of p,
	# and with every crossing acknowledged, last_seq is N.
	last=$(last_seq $p)
	[ "$last" = "$N" ] || fail "$p: last_seq '$last', expected $N"
	cut -d, -f2 "$T/centre-$p.sorted" | sort -n >"$T/seqs-$p"
	seq 1 "$last" | diff -q - "$T/seqs-$p" >/dev/null ||
		fail "$p: centre does not hold exactly seqs 1..$last once each"
	[ "$(unsent $p)" = 0 ] || fail "$p: unsent is not zero"
	log "$p: $N acknowledged; the centre holds exactly those, seqs 1..$last once each"
done

total=$(psql_q "select count(*) from crossings")
distinct=$(psql_q "select count(distinct (post, seq)) from crossings")
[ "$total" -eq "$distinct" ] || fail "duplicate (post, seq) at the centre"
[ "$total" -eq $((2 * N)) ] || fail "$total crossings at the centre, expected $((2 * N))"
# A retry of a crossing recorded before the answer was lost is answered 200
# with its first receipt; how many there are depends on where the kill fell.
replays=$(cat "$T"/post-*.log | grep -c ': replayed seq ' || true)
gen_replays=$(sed -n 's/.*acknowledged (\([0-9]*\) replayed).*/\1/p' "$T/lanegen.log" |
    awk '{n += $1} END {print n + 0}')
# (A post killed after it logged a replay but before the answer left logs
# one more than the lane counts.)
[ "$replays" -ge "$gen_replays" ] ||
	fail "the lanes got $gen_replays answers 200, the posts logged only $replays replays"
log "PASS: $total crossings at the centre, exactly those acknowledged; $replays retries answered with the first receipt (200)"
