#!/usr/bin/env bash
# postaudit.sh - a post's audit chain reaches the centre whole.
#
# A real checkpointd (its registry filled from the sample feed, so some
# checks hit the watchlist) and centrald over mutual TLS. A lane sends
# checks (some MRZs unreadable) and records a crossing for most of them
# (linked by check_id, admitted against a deny with a Cyrillic reason);
# the post is killed with SIGKILL mid-traffic and restarted. Then:
#   - every check and every crossing in the post's store has exactly one
#     event in its chain, and every check and record the lane was told of
#     is among them;
#   - the centre's post_audit holds the post's events exactly once, seqs
#     1..n, byte for byte as the post stored them;
#   - an independent Python implementation of the chain (docs/audit.md:
#     canonical detail, length-prefixed SHA-256, prev links) recomputes
#     every stored hash;
#   - post_health shows the recent contact, a push, and nothing unsent;
#   - another post's certificate may not push to this post's chain (403),
#     a bad batch is refused naming the field (400), a rewritten event is
#     refused (409) and changes nothing.
source "$(dirname "$0")/lib.sh"

P=ALA01
Q=NUR02
CERT_POST=$P
N=${POSTAUDIT_COUNT:-240}
CTL=$BIN/checkpointctl

pki $P $Q
pg_start
central_config $P $Q
post_config $P 0
"$BIN/centrald" -c "$T/central.yaml" migrate >>"$T/centrald.log" 2>&1 ||
	fail "centrald migrate"
start_centrald
LANE="http://127.0.0.1:${LANE_PORT[$P]}"

# The registry: the sample feed applied to the post's store (as checks.sh).
TODAY=$(TZ=Asia/Almaty date +%F)
python3 "$ROOT/scripts/sample-feed.py" "$ROOT/config/policy.yaml" "$TODAY" >"$T/feed.jsonl"
start_post $P
kill "${POST_PID[$P]}"
wait "${POST_PID[$P]}" 2>/dev/null || true
"$BIN/feedapply" --store "$T/$P.db" "$T/feed.jsonl" >"$T/feedapply.out" ||
	fail "feedapply"
start_post $P

mrz() { # STATE NUMBER NATIONALITY SURNAME GIVEN BIRTH SEX: one line, \n
	local m
	m=$("$CTL" mrz make --format TD3 --issuing-state "$1" --number "$2" \
	    --nationality "$3" --surname "$4" --given-names "$5" \
	    --birth-date "$6" --sex "$7" --expiry-date 2033-01-01) ||
		fail "mrz make $2"
	printf '%s\n' "${m//$'\n'/\\n}"
}
{
	mrz RUS C00000001 RUS IVANOVA ANNA 1990-05-12 F
	mrz UZB AA1234567 UZB KARIMOV BOBUR 1980-02-02 M
	mrz RUS B00000002 RUS PETROV SERGEI 1975-03-14 M
	mrz KAZ N12345678 KAZ ABENOV ASKAR 1990-01-31 M
	mrz NGA A07654321 NGA ADEYEMI FOLAKE 1988-09-09 F
} >"$T/mrz.txt"
[ "$(lines "$T/mrz.txt")" -eq 5 ] || fail "cannot make the MRZs"

# --- traffic: check, then record most of them ------------------------------
cat >"$T/lane.py" <<'PY'
import json, sys, time, urllib.request, urllib.error

lane, n, mrzfile, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
mrzs = [l.rstrip("\n").replace("\\n", "\n") for l in open(mrzfile)]
mrzs.append("P<KAZGARBAGE<<<\n123")          # unreadable: document null
checks = open(outdir + "/acked-checks", "w")
records = open(outdir + "/acked-records", "w")

def post(path, body):
    """POST until the post answers (it may be down for a moment)."""
    deadline = time.time() + 60
    while True:
        req = urllib.request.Request(lane + path, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            if e.code != 503:
                return e.code, json.load(e)
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.time() > deadline:
            sys.exit("lane: the post did not answer for 60 s")
        time.sleep(0.05)

for i in range(n):
    m = mrzs[i % len(mrzs)]
    d = "exit" if i % 7 == 3 else "entry"
    st, v = post("/v1/checks", {"mrz": m, "direction": d, "lane": 1 + i % 4,
                                "officer": "KZ%04d" % (i % 5)})
    if st != 200:
        sys.exit("lane: check %d answered %d: %s" % (i, st, v))
    checks.write("%d %s\n" % (v["check_id"], v["verdict"])); checks.flush()
    if i % 5 == 4:
        continue                            # checked, never recorded
    body = {"request_id": "pa-%06d" % i, "direction": d, "lane": 1 + i % 4,
            "officer": "KZ%04d" % (i % 5), "check_id": v["check_id"],
            "outcome": "admit" if v["verdict"] != "deny" or i % 2 else "refuse"}
    if v["document"] is None:
        body["document"] = {"type": "P", "issuing_state": "KAZ",
            "number": "T%07d" % i, "nationality": "KAZ", "surname": "TYPED",
            "given_names": "", "birth_date": "1980-01-01", "sex": "F",
            "expiry_date": "2030-01-01"}
    else:
        body["mrz"] = m
    if body["outcome"] == "admit" and v["verdict"] == "deny":
        body["reason"] = "снято по телефону \"ok\" #%d" % i
    st, r = post("/v1/crossings", body)
    if st not in (200, 201):
        sys.exit("lane: record %d answered %d: %s" % (i, st, r))
    records.write("%d %d\n" % (r["seq"], v["check_id"])); records.flush()
print("lane: %d checks sent" % n, file=sys.stderr)
PY
log "sending $N checks (and records for 4 in 5) through post $P"
python3 "$T/lane.py" "$LANE" "$N" "$T/mrz.txt" "$T" 2>>"$T/lane.log" &
LANE_PID=$!
PIDS+=("$LANE_PID")

wait_lines "$T/acked-records" $((N / 4)) $LANE_PID
log "kill -9 post $P at $(lines "$T/acked-records") records acknowledged"
kill -9 "${POST_PID[$P]}"
wait "${POST_PID[$P]}" 2>/dev/null || true
sleep 0.3
start_post $P
wait $LANE_PID || fail "lane traffic failed: $(tail -n 3 "$T/lane.log")"
wait_drained $P 60

# --- the post's own chain ---------------------------------------------------
cat >"$T/chain.py" <<'PY'
# An implementation of docs/audit.md independent of common/auditchain.c.
import csv, hashlib, json, re, sqlite3, sys
from datetime import datetime, timezone

GENESIS = "0" * 64

def canon(text):
    """Canonical detail: sorted keys, compact, ASCII with \\uXXXX escapes
    in upper-case hex (as jansson writes them)."""
    s = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"),
                   ensure_ascii=True)
    return re.sub(r'(\\\\)|\\u([0-9a-f]{4})',
                  lambda m: m.group(1) or "\\u" + m.group(2).upper(), s)

def rfc3339(ms):
    t = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)

def ehash(chain, seq, at, actor, action, subject, detail, prev):
    h = hashlib.sha256(b"shekara-audit-v1\n")
    for f in (chain, str(seq), at, actor, action, subject, detail, prev):
        b = f.encode("utf-8")
        h.update(b"%d:" % len(b) + b + b"\n")
    return h.hexdigest()

def verify(chain, rows):
    """rows: (seq, at, actor, action, subject, detail, prev, hash)."""
    prev = GENESIS
    for i, r in enumerate(rows):
        seq, at, actor, action, subject, detail, p, h = r
        if seq != i + 1:
            sys.exit("%s: seq %d where %d was due" % (chain, seq, i + 1))
        if canon(detail) != detail:
            sys.exit("%s: seq %d: detail is not canonical: %s" % (chain, seq, detail))
        if p != prev:
            sys.exit("%s: seq %d: prev does not link" % (chain, seq))
        want = ehash(chain, seq, at, actor, action, subject, detail, p)
        if want != h:
            sys.exit("%s: seq %d: hash %s, recomputed %s" % (chain, seq, h, want))
        prev = h
    return prev

mode, post = sys.argv[1], sys.argv[2]
if mode == "local":
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[3], uri=True)
    rows = [(s, rfc3339(at), a, ac, su, d, p, h) for s, at, a, ac, su, d, p, h in
            db.execute("SELECT seq, at_ms, actor, action, subject, detail,"
                       " prev, hash FROM audit ORDER BY seq")]
    head = verify("post:" + post, rows)
    # One event per check and per crossing, and each names its own.
    nchecks = db.execute("SELECT count(*) FROM checks").fetchone()[0]
    njournal = db.execute("SELECT count(*) FROM journal").fetchone()[0]
    ev_checks = [json.loads(r[5])["check_id"] for r in rows if r[3] == "check"]
    ev_records = [json.loads(r[5])["seq"] for r in rows if r[3] == "record"]
    if sorted(ev_checks) != list(range(1, nchecks + 1)):
        sys.exit("local: check events %d for %d checks" % (len(ev_checks), nchecks))
    if sorted(ev_records) != list(range(1, njournal + 1)):
        sys.exit("local: record events %d for %d crossings" % (len(ev_records), njournal))
    unsent = db.execute("SELECT count(*) FROM audit WHERE sent_at IS NULL").fetchone()[0]
    acked = {int(l.split()[0]) for l in open(sys.argv[4])}
    if not acked <= set(ev_checks):
        sys.exit("local: acknowledged checks without an event")
    recs = [tuple(map(int, l.split())) for l in open(sys.argv[5])]
    links = {json.loads(r[5])["seq"]: json.loads(r[5])["check_id"]
             for r in rows if r[3] == "record"}
    for seq, cid in recs:
        if links.get(seq) != cid:
            sys.exit("local: record %d: event says check %s, lane %d" % (seq, links.get(seq), cid))
    alerts = sum(1 for r in rows if r[3] == "check" and json.loads(r[5])["alerts"])
    with open(sys.argv[6], "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print("%d %d %d %s %d %d" % (len(rows), nchecks, njournal, head, alerts, unsent))
else:
    rows = [(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7])
            for r in csv.reader(open(sys.argv[3], newline=""))]
    head = verify("post:" + post, rows)
    local = [tuple(json.loads(l)) for l in open(sys.argv[4])]
    if rows != local:
        diff = [a[0] for a, b in zip(rows, local) if a != b]
        sys.exit("centre: %d rows, post %d; first differing seq %s"
                 % (len(rows), len(local), diff[:1]))
    print("%d %s" % (len(rows), head))
PY

# The replicator may still be on its last audit batch: wait for it.
for i in $(seq 1 100); do
	out=$(python3 "$T/chain.py" local $P "$T/$P.db" "$T/acked-checks" \
	    "$T/acked-records" "$T/local.jsonl") || fail "post chain: $out"
	[ "$(echo "$out" | cut -d' ' -f6)" = 0 ] && break
	sleep 0.1
done
read -r nev nchecks njournal lhead nalerts unsent_ev <<<"$out"
[ "$unsent_ev" = 0 ] || fail "post $P still has $unsent_ev audit events unsent"
[ "$nev" -eq $((nchecks + njournal)) ] ||
	fail "$nev events for $nchecks checks and $njournal crossings"
[ "$nalerts" -gt 0 ] || fail "no check event names a watchlist alert"
[ "$(lines "$T/acked-checks")" -eq "$N" ] || fail "the lane was told of $(lines "$T/acked-checks") checks, not $N"
log "post $P: $nev events ($nchecks checks, $njournal crossings), chain intact; $nalerts checks hit alerts"

# --- at the centre -------------------------------------------------------
psql "$CONNINFO" -XAtq -v ON_ERROR_STOP=1 -c "COPY (SELECT seq,
    to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
    actor, action, subject, detail, prev, hash FROM post_audit
    WHERE post = '$P' ORDER BY seq) TO STDOUT WITH (FORMAT csv)" >"$T/centre.csv" ||
	fail "cannot read post_audit"
out=$(python3 "$T/chain.py" centre $P "$T/centre.csv" "$T/local.jsonl") ||
	fail "centre chain: $out"
read -r cev chead <<<"$out"
[ "$cev" = "$nev" ] && [ "$chead" = "$lhead" ] ||
	fail "centre holds $cev events ending $chead; the post $nev ending $lhead"
dups=$(psql_q "SELECT count(*) - count(DISTINCT seq) FROM post_audit WHERE post = '$P'")
[ "$dups" = 0 ] || fail "$dups duplicate seqs at the centre"
if grep -q 'audit chain broken' "$T/centrald.log"; then
	fail "centrald found a break: $(grep 'audit chain broken' "$T/centrald.log" | head -n 1)"
fi
log "centre: $cev events of post:$P, byte for byte the post's, hashes recomputed"

health=$(psql_q "SELECT concat_ws(' ', unsent, audit_unsent,
    last_contact_at > now() - interval '1 minute',
    last_push_at > now() - interval '1 minute') FROM post_health WHERE post = '$P'")
[ "$health" = "0 0 t t" ] || fail "post_health of $P: '$health', want '0 0 t t'"
log "post_health: recent contact and push, nothing unsent"

# --- refusals: nothing changes -------------------------------------------
before=$(psql_q "SELECT md5(string_agg(hash, ',' ORDER BY seq)) FROM post_audit")
ev1=$(head -n 1 "$T/local.jsonl")
batch() { # the post's first event, with python's edit applied
	python3 - "$ev1" "$1" <<'PY'
import json, sys
s, at, a, ac, su, d, p, h = json.loads(sys.argv[1])
e = {"seq": s, "at": at, "actor": a, "action": ac, "subject": su,
     "detail": json.loads(d), "prev": p, "hash": h}
exec(sys.argv[2])
print(json.dumps({"version": 1, "post": "ALA01", "events": [e]}))
PY
}
code=$(CERT_POST=$Q centre_curl "/v1/posts/$P/audit" -o "$T/r403" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary "$(batch 'pass')")
[ "$code" = 403 ] || fail "post $Q pushing to $P's chain: $code"
code=$(centre_curl "/v1/posts/$P/audit" -o "$T/r400" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary "$(batch 'e["prev"] = "xyz"')")
[ "$code" = 400 ] && grep -q '"field":"events\[0\].prev"' "$T/r400" ||
	fail "bad prev: $code $(cat "$T/r400")"
code=$(centre_curl "/v1/posts/$P/audit" -o "$T/r409" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary "$(batch 'e["actor"] = "MALLORY"')")
[ "$code" = 409 ] && grep -q '"field":"events\[0\].seq"' "$T/r409" ||
	fail "rewritten event: $code $(cat "$T/r409")"
code=$(centre_curl "/v1/posts/$P/audit" -o "$T/r200" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary "$(batch 'pass')")
[ "$code" = 200 ] && grep -q '"durable":\[1\]' "$T/r200" ||
	fail "the same event again: $code $(cat "$T/r200")"
after=$(psql_q "SELECT md5(string_agg(hash, ',' ORDER BY seq)) FROM post_audit")
[ "$before" = "$after" ] || fail "a refused batch changed post_audit"
log "PASS: $nev audit events of post $P at the centre exactly once, chain intact across kill -9"
