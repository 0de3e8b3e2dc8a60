#!/usr/bin/env bash
# dashboard.sh - the central office's dashboard end to end: real
# PostgreSQL and centrald; two posts push a year of crossings (curl with
# each post's client certificate, as a post does) and their check events
# with watchlist and document-alert hits; a third post is enrolled and
# never calls; stays are derived (some travellers overstay, some are
# registered); a user is created with `centralctl user add`. Then:
#   - the static files' headers (CSP, nosniff, cache) and 404s, 401
#     without credentials, 400 naming the parameter;
#   - the flow and overstayer numbers of the API equal an independent
#     count over crossings and stay_states in psql;
#   - tests/integration/dashboard.py drives Debian's headless Chromium:
#     log in through the form, every chart's drawn numbers equal the API's,
#     no console error, a screenshot in $SHEKARA_TEST_OUT (default
#     build/test-output/)dashboard.png, logout.
# A browser that cannot start fails the test; it is never skipped.
source "$(dirname "$0")/lib.sh"

A=ALA01
B=NQZ02
C=SHY03
CERT_POST=$A
OUTDIR=${SHEKARA_TEST_OUT:-$ROOT/build/test-output}
PY=/usr/bin/python3	# Debian's, where python3-selenium is installed
USERNAME=dash
PASSWORD='dashboard-pass-1'

for f in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$f" ] || fail "$f missing: run scripts/deps.sh (chromium, chromium-driver)"
done
$PY -c 'import selenium' 2>/dev/null ||
	fail "python3-selenium missing: run scripts/deps.sh"

while [ "$(TZ=Asia/Almaty date +%H%M)" -ge 2355 ]; do
	log "waiting for midnight in Asia/Almaty (the day must not change mid-test)"
	sleep 20
done
pki $A $B $C
"$ROOT/scripts/pki.sh" feedkey "$T/pki" >/dev/null
pg_start
central_config $A $B
cat >>"$T/central.yaml" <<YAML
feed:
  signing_key: $T/pki/feed.key
YAML
CTL() { "$BIN/centralctl" -c "$T/central.yaml" --as test "$@"; }
"$BIN/centrald" -c "$T/central.yaml" migrate >>"$T/centrald.log" 2>&1 ||
	fail "centrald migrate"
CTL policy load "$ROOT/config/policy.yaml" >/dev/null || fail "policy load"
[ "$(psql_q "select timezone from stats_zone")" = Asia/Almaty ] ||
	fail "the aggregates are not in the policy's zone"
CTL post enrol $C --cert "$T/pki/post-$C.crt" --name "Shymkent road" \
    >/dev/null || fail "post enrol $C"
start_centrald
printf '%s\n' "$PASSWORD" | CTL user add $USERNAME --roles auditor \
    >/dev/null || fail "centralctl user add"

TODAY=$(TZ=Asia/Almaty date +%Y-%m-%d)
log "generating a year of crossings for $A and $B (today $TODAY in Almaty)"
cat >"$T/gen.py" <<'PY'
# Writes one JSON batch per line: (post, body) of crossings, then the
# post's check events; seeded, so every run is the same traffic.
import datetime as dt, hashlib, json, random, sys

post, seed, unsent, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
rnd = random.Random(seed)
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
nats = ["RUS", "UZB", "CHN", "TJK", "KGZ", "DEU", "TUR"]
def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
rows = []
for i in range(n):
    # Two thirds in the last 30 days, the rest over the year.
    back = rnd.uniform(0.05, 29.9) if rnd.random() < 0.66 else rnd.uniform(30, 360)
    nat = rnd.choice(nats)
    rows.append({
        "recorded_at": ts(now - dt.timedelta(days=back)),
        "direction": rnd.choice(["entry", "entry", "exit"]),
        "lane": rnd.randint(1, 4), "officer": "KZ00%02d" % rnd.randint(1, 9),
        "outcome": rnd.choices(["admit", "refuse", "refer"], [90, 6, 4])[0],
        "document": {"type": "P", "issuing_state": nat,
                     "number": "%s%07d" % (post[:1], rnd.randint(1, 400)),
                     "nationality": nat, "surname": "TRAVELLER",
                     "given_names": "T", "birth_date": "1985-03-0%d" % rnd.randint(1, 9),
                     "sex": "M", "expiry_date": "2034-01-01"}})
rows.sort(key=lambda r: r["recorded_at"])
for i, r in enumerate(rows):
    r["seq"] = i + 1
for k in range(0, len(rows), 200):
    print(json.dumps({"version": 1, "post": post, "crossings": rows[k:k + 200]}))
# Check events of the post's chain (common/auditchain.h encoding).
kinds = ["watchlist_entry_ban", "watchlist_exit_ban", "watchlist_wanted",
         "document_alert_stolen", "document_alert_lost", "stay_days_used",
         "watchlist_unchecked"]
prev, events = "0" * 64, []
for i in range(60):
    at = ts(now - dt.timedelta(days=rnd.uniform(0.1, 25)) if i < 59
            else now - dt.timedelta(days=200))
    reasons = rnd.sample(kinds, rnd.randint(1, 2))
    detail = {"check_id": i + 1, "lane": 1, "direction": "entry",
              "verdict": "refer", "reasons": reasons,
              "feed_version": 0, "policy_version": "KZ-2024.1"}
    canon = json.dumps(detail, sort_keys=True, separators=(",", ":"),
                       ensure_ascii=True)
    fields = ["post:" + post, str(i + 1), at, "KZ0001", "check",
              "RUS:X%07d" % i, canon, prev]
    h = hashlib.sha256(b"shekara-audit-v1\n")
    for f in fields:
        b = f.encode()
        h.update(b"%d:" % len(b) + b + b"\n")
    ev = {"seq": i + 1, "at": at, "actor": "KZ0001", "action": "check",
          "subject": "RUS:X%07d" % i, "detail": detail, "prev": prev,
          "hash": h.hexdigest()}
    prev = ev["hash"]
    events.append(ev)
events.sort(key=lambda e: e["seq"])
print(json.dumps({"version": 1, "post": post, "events": events}))
PY
# push CODE UNSENT : every batch of post CODE, crossings then its audit.
push() {
	local code=$1 line path n=0 http
	python3 "$T/gen.py" "$code" "$3" "$2" 900 >"$T/batches-$code.jsonl"
	while IFS= read -r line; do
		n=$((n + 1))
		path=/v1/posts/$code/crossings
		case "$line" in *'"events"'*) path=/v1/posts/$code/audit ;; esac
		http=$(CERT_POST=$code centre_curl "$path" -o "$T/push.json" \
		    -w '%{http_code}' -H 'Content-Type: application/json' \
		    -H "Shekara-Unsent: $2" -H 'Shekara-Audit-Unsent: 0' \
		    --data-binary "$line")
		[ "$http" = 200 ] || fail "$code push $n to $path: HTTP $http $(cat "$T/push.json")"
	done <"$T/batches-$code.jsonl"
}
push $A 0 11
push $B 17 22
# A batch sent again changes nothing (idempotent ingest, counted once).
before=$(psql_q "select sum(admitted + refused + referred) from flow_daily")
CERT_POST=$A centre_curl /v1/posts/$A/crossings -o /dev/null \
    -H 'Content-Type: application/json' --data-binary "$(head -n 1 "$T/batches-$A.jsonl")"
after=$(psql_q "select sum(admitted + refused + referred) from flow_daily")
[ "$before" = 1800 ] && [ "$after" = 1800 ] ||
	fail "the aggregates count $before then $after crossings, expected 1800"

# Registrations for some travellers with an open stay, then derive.
i=0
for doc in $(psql_q "select issuing_state || ':' || doc_number from crossings
    where direction = 'entry' and outcome = 'admit'
    group by 1 order by 1 limit 40"); do
	i=$((i + 1))
	region=Almaty
	[ $((i % 3)) = 0 ] && region=Astana
	CTL registration put "rg-$i" --state "${doc%%:*}" --number "${doc#*:}" \
	    --region "$region" --address "Street $i" --host "Host $i" \
	    --valid-from 2020-01-01 --valid-until 2099-12-31 >/dev/null ||
		fail "registration put $doc"
done
CTL stays derive >/dev/null || fail "stays derive"

# The posts read the feed: ALA01 up to its head; NQZ02 from the start,
# whose first entry is made three days old, so NQZ02 is stale.
psql_q "update feed_log set at = now() - interval '3 days' where pos = 1"
head=$(psql_q "select pos from feed_head")
for p in "$A:$head" "$B:0"; do
	http=$(CERT_POST=${p%%:*} centre_curl "/v1/feed?since=${p#*:}" \
	    -o /dev/null -w '%{http_code}')
	[ "$http" = 200 ] || fail "${p%%:*} feed pull: HTTP $http"
done

# The static files and the API's refusals.
people_curl / -D "$T/h.txt" -o "$T/index.html" || fail "GET /"
grep -qi "^content-security-policy: default-src 'self'; script-src 'self'" "$T/h.txt" ||
	fail "GET /: no strict Content-Security-Policy: $(cat "$T/h.txt")"
grep -qi '^x-content-type-options: nosniff' "$T/h.txt" || fail "GET /: no nosniff"
grep -qi '^cache-control: no-cache' "$T/h.txt" || fail "GET /: no Cache-Control"
grep -qi '^content-type: text/html' "$T/h.txt" || fail "GET /: not text/html"
cmp -s "$T/index.html" "$ROOT/central/www/index.html" ||
	fail "GET / is not central/www/index.html"
grep -qi '<script>' "$T/index.html" && fail "index.html has an inline script"
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\(.*\)\r$/\1/p' "$T/h.txt")
[ "$(people_curl / -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag")" = 304 ] ||
	fail "GET / with its ETag is not 304"
[ "$(people_curl /static/app.js -o /dev/null -w '%{http_code} %{content_type}')" = \
    "200 text/javascript; charset=utf-8" ] || fail "GET /static/app.js"
for p in /static/nope.js /static/ /static/.hidden /static/..%2Fapi.h; do
	[ "$(people_curl "$p" -o /dev/null -w '%{http_code}')" = 404 ] ||
		fail "GET $p is not 404"
done
[ "$(people_curl /api/v1/stats/flows -o /dev/null -w '%{http_code}')" = 401 ] ||
	fail "stats without credentials is not 401"
http=$(people_curl /api/v1/login -c "$T/jar" -o "$T/login.json" -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    --data-binary "{\"user\":\"$USERNAME\",\"password\":\"$PASSWORD\"}")
[ "$http" = 200 ] || fail "login: HTTP $http $(cat "$T/login.json")"
api() { people_curl "$1" -b "$T/jar"; }
bad() { # PATH FIELD : 400 naming FIELD
	local got
	got=$(people_curl "$1" -b "$T/jar" -w ' %{http_code}')
	case "$got" in
	*"\"field\":\"$2\""*" 400") ;;
	*) fail "GET $1: expected 400 naming $2, got $got" ;;
	esac
}
bad '/api/v1/stats/flows?by=week' by
bad '/api/v1/stats/flows?group=region' group
bad '/api/v1/stats/flows?from=2026-13-01' from
bad '/api/v1/stats/flows?from=2000-01-01&to=2026-01-01' from
bad '/api/v1/stats/flows?to=2026-01-01&from=2026-02-01' from
bad '/api/v1/stats/flows?colour=red' colour
bad '/api/v1/stats/flows?by=day&by=month' by
bad '/api/v1/stats/overstayers?by=post' by
bad '/api/v1/stats/overstayers?as_of=yesterday' as_of
bad '/api/v1/stats/hits?by=day' by
bad '/api/v1/stats/posts?late_after_s=0' late_after_s

# The API's numbers against an independent count in PostgreSQL.
api '/api/v1/stats/flows?by=all' >"$T/all.json"
read -r from to api_in api_out <<<"$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); r = d["rows"][0]
print(d["from"], d["to"], r["entries"], r["exits"])' "$T/all.json")"
[ "$to" = "$TODAY" ] || fail "flows end on $to, not today $TODAY"
sql_in=$(psql_q "select count(*) from crossings where outcome = 'admit'
    and direction = 'entry' and (recorded_at at time zone 'Asia/Almaty')::date
    between '$from' and '$to'")
sql_out=$(psql_q "select count(*) from crossings where outcome = 'admit'
    and direction = 'exit' and (recorded_at at time zone 'Asia/Almaty')::date
    between '$from' and '$to'")
[ "$api_in $api_out" = "$sql_in $sql_out" ] ||
	fail "flows $from..$to: API entries/exits $api_in/$api_out, crossings $sql_in/$sql_out"
api '/api/v1/stats/overstayers?by=region' >"$T/over.json"
api_over=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$T/over.json")
sql_over=$(psql_q "select count(*) from stay_states where open_entry is not null
    and allowed_until < '$TODAY'")
[ "$api_over" = "$sql_over" ] && [ "$sql_over" -gt 0 ] ||
	fail "overstayers: API $api_over, stay_states $sql_over (want equal and > 0)"
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
keys = [r["key"] for r in d["rows"]]
assert None in keys and ("Almaty" in keys or "Astana" in keys), keys' "$T/over.json" ||
	fail "overstayers by region: $(cat "$T/over.json")"
log "API: entries $api_in, exits $api_out from $from to $to; $api_over overstayers (equal to psql)"

mkdir -p "$OUTDIR"
log "driving headless Chromium"
$PY "$ROOT/tests/integration/dashboard.py" "https://localhost:$PEOPLE_PORT" \
    "$USERNAME" "$PASSWORD" "$OUTDIR/dashboard.png" 2>"$T/browser.log" ||
	fail "the dashboard in Chromium (see $T/browser.log)"
[ -s "$OUTDIR/dashboard.png" ] || fail "no screenshot"
log "PASS: screenshot $OUTDIR/dashboard.png"
