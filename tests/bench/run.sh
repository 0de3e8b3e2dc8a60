#!/usr/bin/env bash
# run.sh - benchmarks; each writes its section of BENCHMARKS.md (between
# <!-- NAME:begin --> and <!-- NAME:end -->) with the machine and command.
#
# ingest: the centre's ingest through HTTPS from a post (batches of 1000 on
# one connection, mutual TLS, idempotent insert) beside plain COPY of the same
# rows into the same table, in the same run.
#
# feed: see tests/bench/feed.sh.
#
# checks: lane decision latency (issue 4) over a post store that feedgen fills
# with BENCH_CHECK_ALERTS person alerts, BENCH_CHECK_DOCS document alerts,
# BENCH_CHECK_PERMITS permits and BENCH_CHECK_STAYS stay states (the issue's
# 1,000,000 / 1,000,000 / 1,000,000 / 500,000 by default; filling takes a few
# minutes): BENCH_CHECK_COUNT checks in-process, then through checkpointd's
# POST /v1/checks on loopback, and checkpointd's resident memory after.
#
# BENCH_ONLY="ingest checks" runs only those sections (namematch, mrz,
# ingest, checks, feed, people); the others keep what BENCHMARKS.md holds.
BIN=${BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
source "$(dirname "$0")/../integration/lib.sh"

N=${BENCH_INGEST_COUNT:-200000}
OUT=$ROOT/BENCHMARKS.md
A=ALA01
CERT_POST=$A

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	printf '%s, %s cores, %s GiB RAM, %s, PostgreSQL %s' "${cpu:-unknown CPU}" \
	    "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo)" \
	    "$(uname -sr)" "$(psql_q 'show server_version')"
}

# only NAME : whether section NAME is to run (BENCH_ONLY).
only() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }

# section NAME FILE: replace NAME's section of BENCHMARKS.md with FILE.
section() {
	local name=$1 body=$2
	[ -f "$OUT" ] || printf '# Benchmarks\n\nWritten by `make bench` (tests/bench/run.sh). Each section names the machine\nand the command; compare ratios, not absolute figures, across machines.\n' >"$OUT"
	python3 - "$OUT" "$name" "$body" <<'PY' 2>/dev/null || awk_section "$@"
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
}
awk_section() { # fallback without python3: append
	{ echo; echo "<!-- $1:begin -->"; cat "$2"; echo "<!-- $1:end -->"; } >>"$OUT"
}

# Watchlist name matching: precision and recall over the labelled set.
if only namematch && [ -x "$BIN/namematcheval" ]; then
	log "namematch: evaluating tests/data/namematch/pairs.jsonl"
	{
		echo "## Watchlist name matching (issue 4)"
		echo
		echo "$(date -u +%Y-%m-%d). Command: \`make bench\` (\`build/bin/namematcheval\`)."
		echo
		(cd "$ROOT" && "$BIN/namematcheval")
	} >"$T/namematch.md"
	section namematch "$T/namematch.md"
fi

# MRZ reading speed on one core.
if only mrz && [ -x "$BIN/mrzbench" ]; then
	log "mrz: documents read per second"
	out=$("$BIN/mrzbench")
	echo "$out"
	{
		echo "## MRZ reading (issue 3)"
		echo
		echo "$(date -u +%Y-%m-%d), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), one core."
		echo "Command: \`make bench\` (\`build/bin/mrzbench\`)."
		echo
		echo '```'
		echo "$out"
		echo '```'
	} >"$T/mrz.md"
	section mrz "$T/mrz.md"
fi

pki $A
pg_start
central_config $A
"$BIN/centrald" -c "$T/central.yaml" migrate >>"$T/centrald.log" 2>&1
sed -i 's/level: info/level: warn/' "$T/central.yaml"
start_centrald

if only ingest; then
cols="post,seq,recorded_at,direction,lane,officer,outcome,doc_type,issuing_state,doc_number,nationality,surname,given_names,birth_date,sex,expiry_date"
ROUNDS=${BENCH_ROUNDS:-3}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: >"$T/https.txt"
: >"$T/copy.txt"
for r in $(seq 1 "$ROUNDS"); do
	psql_q "truncate crossings"
	psql_q "checkpoint"
	log "ingest round $r/$ROUNDS: $N crossings through HTTPS"
	csv=()
	[ "$r" = 1 ] && csv=(--csv "$T/rows.csv")
	out=$("$BIN/ingestbench" --url "https://localhost:$CENTRE_PORT" --post $A \
	    --cacert "$T/pki/ca.crt" --cert "$T/pki/post-$A.crt" \
	    --key "$T/pki/post-$A.key" --count "$N" "${csv[@]}")
	echo "$out"
	got=$(psql_q "select count(*) from crossings")
	[ "$got" = "$N" ] || fail "centre holds $got crossings, expected $N"
	sed -n 's/.*: \([0-9]*\) crossings\/s/\1/p' <<<"$out" >>"$T/https.txt"

	psql_q "truncate crossings"
	psql_q "checkpoint"
	log "ingest round $r/$ROUNDS: COPY of the same $N rows"
	t0=$(date +%s.%N)
	psql "$CONNINFO" -XAtq -v ON_ERROR_STOP=1 \
	    -c "\\copy crossings($cols) from '$T/rows.csv' with (format csv, force_not_null (given_names))"
	t1=$(date +%s.%N)
	awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN {printf "%d\n", n / (b - a)}' >>"$T/copy.txt"
done
https_rate=$(median <"$T/https.txt")
copy_rate=$(median <"$T/copy.txt")
ratio=$(awk -v h="$https_rate" -v c="$copy_rate" 'BEGIN {printf "%.2f", h / c}')
log "ingest: HTTPS $(tr '\n' ' ' <"$T/https.txt")/s, COPY $(tr '\n' ' ' <"$T/copy.txt")/s"
log "ingest: medians HTTPS $https_rate/s, COPY $copy_rate/s, ratio $ratio"

cat >"$T/ingest.md" <<MD
## Centre ingest (issue 2)

$(date -u +%Y-%m-%d), $(machine).
Command: \`make bench\` (tests/bench/run.sh, BENCH_INGEST_COUNT=$N), median of $ROUNDS rounds,
each round HTTPS then COPY into the emptied table.

| path | crossings/s |
|---|---|
| post → centrald over mutual TLS, batches of 1000, one connection (\`ingestbench\`) | $https_rate |
| plain \`COPY\` of the same rows into the same table (psql \\copy) | $copy_rate |
| **ratio HTTPS / COPY** | **$ratio** |

The HTTPS figure counts only time spent in requests (generation excluded) and
includes TLS, JSON decoding and validation of every field, the insert (COPY of
the batch when every crossing is new, which is the common case; INSERT ... ON
CONFLICT plus a comparison when some were already stored), and the commit
before the answer. Both paths run the table's two statement-level triggers
(migration 003 marks each document's stay state to derive, migration 007
counts the dashboard's flows), as in production. Rounds: HTTPS $(paste -sd, "$T/https.txt"), COPY $(paste -sd, "$T/copy.txt").
MD
section ingest "$T/ingest.md"
fi

if only checks; then
# Lane decisions over a full post store (issue 4, Speed).
CK_ALERTS=${BENCH_CHECK_ALERTS:-1000000}
CK_DOCS=${BENCH_CHECK_DOCS:-1000000}
CK_PERMITS=${BENCH_CHECK_PERMITS:-1000000}
CK_STAYS=${BENCH_CHECK_STAYS:-500000}
CK_COUNT=${BENCH_CHECK_COUNT:-20000}
post_config $A 0
sed -i "s|^  path: .*|  path: $T/checks.db|; s/level: info/level: warn/" "$T/$A.yaml"
log "checks: filling a post store ($CK_ALERTS person alerts, $CK_DOCS document alerts, $CK_PERMITS permits, $CK_STAYS stay states)"
t0=$(date +%s)
"$BIN/feedgen" --registry "$T/checks.db" --quiet --person-alerts "$CK_ALERTS" \
    --document-alerts "$CK_DOCS" --permits "$CK_PERMITS" \
    --stay-states "$CK_STAYS" --officers 10 --policy "$ROOT/config/policy.yaml"
fill_s=$(($(date +%s) - t0))
log "checks: $CK_COUNT checks in-process"
inproc=$("$BIN/checkbench" --store "$T/checks.db" --count "$CK_COUNT")
echo "$inproc"
start_post $A
log "checks: $CK_COUNT checks through POST /v1/checks"
api=$("$BIN/checkbench" --store "$T/checks.db" --count "$CK_COUNT" \
    --url "http://127.0.0.1:${LANE_PORT[$A]}/v1/checks" --pid "${POST_PID[$A]}")
echo "$api"
cat >"$T/checks.md" <<MD
## Lane decisions (issue 4)

$(date -u +%Y-%m-%d), $(machine).
Command: \`make bench\` (tests/bench/run.sh; BENCH_CHECK_ALERTS=$CK_ALERTS
BENCH_CHECK_DOCS=$CK_DOCS BENCH_CHECK_PERMITS=$CK_PERMITS
BENCH_CHECK_STAYS=$CK_STAYS BENCH_CHECK_COUNT=$CK_COUNT). The post store is
filled by \`feedgen\` through registry_apply_batch() (${fill_s} s, keyed by
surname); names follow realistic skewed distributions (13 groups of the
region, listed surnames drawn Zipf-Mandelbrot by rank with a long tail of
rare ones: tests/tools/feedgen.c). \`checkbench\` opens the store under
checkpointd's key function, which rebuilds every alert's blocking keys and
prepared name form once (the "registry open" line), then times each check
of a mix of travellers (four in ten not in the store, two with a stay
state, two permit holders, one with an alerted document, one on the
watchlist; directions alternating) after 1000 untimed ones: in-process with
decide_check(), then through a running checkpointd's POST /v1/checks on one
keep-alive connection (each answer stored in the post's journal,
synchronous=FULL, before it is sent).

\`\`\`
$inproc
$api
\`\`\`

Aims: p99 under 1 ms in-process, under 5 ms through the API, under 100 MB
resident.
MD
section checks "$T/checks.md"
fi

# The feed: a new post's catch-up, an incremental one, the cost of a
# request (issue 5); its own PostgreSQL and centre.
if only feed; then
	BIN=$BIN BENCH_OUT=$OUT bash "$ROOT/tests/bench/feed.sh"
fi
if only people; then	# issue 6: queries, dashboard
	BIN=$BIN BENCH_OUT=$OUT bash "$ROOT/tests/bench/people.sh"
fi
log "written to $OUT"
