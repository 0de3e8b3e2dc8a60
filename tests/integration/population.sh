#!/usr/bin/env bash
# population.sh - the overstay query against an independent computation,
# with real processes: PostgreSQL, centrald (mutual TLS for the posts, the
# people's API with a bearer token) and centralctl.
#
# population.py (fixed seed) generates some 3,500 travellers crossing at
# four posts over the past year: visa-free visitors of the 90/180,
# 30-per-entry and 14-per-entry groups (some with earlier stays in the
# window, some leaving in time, some overstaying), visa holders (and a few
# admitted without one), labour migrants whose work permit ends (some
# leave, some stay on), residence permits, refugees, repatriates and
# citizens. Permits go in with `centralctl permit import`, the policy with
# `centralctl policy load config/policy.yaml`, and the crossings are pushed
# as the posts push them (curl with each post's client certificate, with
# historical recorded_at). After `centralctl stays derive`, the overstay
# query must return EXACTLY the overstayers and day counts population.py
# computes from docs/stay-rules.md and docs/policy.md:
#   1. through the API (GET /api/v1/overstays, every page by cursor), in
#      pages of 1000 and of 37; the total agrees;
#   2. filtered by nationality, through the API;
#   3. through `centralctl overstays --all --format json`;
#   4. CSV has a header and the rows; a bad parameter is a 400 naming it;
#   5. each query is in the audit trail under the inspector's name.
source "$(dirname "$0")/lib.sh"

POSTS=(ALA01 NQZ01 KHR02 AST03)
pki "${POSTS[@]}"
CERT_POST=ALA01
while [ "$(TZ=Asia/Almaty date +%H%M)" -ge 2350 ]; do
	log "waiting for midnight in Asia/Almaty (the day must not change mid-test)"
	sleep 20
done
TODAY=$(TZ=Asia/Almaty date +%F)

pg_start
central_config "${POSTS[@]}"
"$BIN/centrald" -c "$T/central.yaml" migrate >"$T/migrate.log" 2>&1 || fail "migrate"
CC() { "$BIN/centralctl" -c "$T/central.yaml" --as population-test "$@"; }
CC policy load "$ROOT/config/policy.yaml" >/dev/null || fail "policy load"
start_centrald

mkdir -p "$T/pop"
python3 "$ROOT/tests/integration/population.py" gen "$T/pop" "$TODAY" >&2 ||
	fail "population.py gen"
CC permit import "$T/pop/permits.csv" >"$T/import.log" || fail "permit import: $(cat "$T/import.log")"

# The posts push their crossings (batches of at most 1000, in seq order).
n=0
for f in "$T"/pop/batch-*.json; do
	post=$(basename "$f" | cut -d- -f2)
	code=$(CERT_POST=$post centre_curl "/v1/posts/$post/crossings" -o "$T/push.json" \
	    -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$f")
	[ "$code" = 200 ] || fail "push $f: HTTP $code $(head -c 300 "$T/push.json")"
	n=$((n + 1))
done
stored=$(psql_q "SELECT count(*) FROM crossings")
log "pushed $n batches: $stored crossings stored"

CC stays derive --today "$TODAY" >"$T/derive.log" || fail "stays derive: $(cat "$T/derive.log")"
[ "$(psql_q "SELECT count(*) FROM stay_dirty")" = 0 ] || fail "documents left to derive"
log "$(cat "$T/derive.log"); $(psql_q "SELECT count(*) FROM stay_states WHERE open_entry IS NOT NULL") open stays"

CC user add ivan --roles inspector --no-password >/dev/null || fail "user add"
TOKEN=$(CC token create ivan --name population-test --days 1 2>/dev/null)
[ -n "$TOKEN" ] || fail "token create"
api() { people_curl "$1" -H "Authorization: Bearer $TOKEN" "${@:2}"; }

# all_pages QUERY OUT : every page of GET /api/v1/overstays?QUERY by
# cursor; the rows (a JSON list) to OUT, the pages and the total printed.
all_pages() {
	local q=$1 out=$2 cursor="" pages=0 code
	: >"$T/rows.jsonl"
	while :; do
		code=$(api "/api/v1/overstays?$q${cursor:+&cursor=$cursor}" \
		    -o "$T/page.json" -w '%{http_code}')
		[ "$code" = 200 ] || fail "GET overstays?$q: HTTP $code $(head -c 300 "$T/page.json")"
		pages=$((pages + 1))
		cursor=$(python3 -c 'import json,sys
p = json.load(open(sys.argv[1]))
with open(sys.argv[2], "a") as f:
    for r in p["rows"]:
        f.write(json.dumps(r) + "\n")
print(p["next_cursor"] or "")
print(p["total"], file=sys.stderr)' "$T/page.json" "$T/rows.jsonl" 2>"$T/total")
		[ -n "$cursor" ] || break
	done
	python3 -c 'import json,sys
print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$T/rows.jsonl" >"$out"
	echo "$pages $(cat "$T/total")"
}

compare() { python3 "$ROOT/tests/integration/population.py" compare "$T/pop/expect.json" "$@"; }
want=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/pop/expect.json")
[ "$want" -ge 100 ] || fail "the population has only $want overstayers: not a test"

# 1. The API, pages of 1000 and of 37.
read -r pages total < <(all_pages "as_of=$TODAY&limit=1000" "$T/api.json")
compare "$T/api.json" >&2 || fail "the API's overstayers differ from the independent computation"
[ "$total" = "$want" ] || fail "total $total, expected $want"
log "ok: API, $pages page(s) of 1000: exactly the $want overstayers and their days"
read -r pages total < <(all_pages "as_of=$TODAY&limit=37&sort=entry" "$T/api37.json")
compare "$T/api37.json" >&2 || fail "pages of 37 differ"
[ "$total" = "$want" ] && [ "$pages" = $(((want + 36) / 37)) ] ||
	fail "pages of 37: $pages pages, total $total (expected $want)"
log "ok: $pages pages of 37 by entry day: each overstayer once, none missing"

# 2. Filtered by nationality.
for nat in UZB PAK RUS; do
	read -r pages total < <(all_pages "as_of=$TODAY&nationality=$nat&limit=100" "$T/api-$nat.json")
	compare "$T/api-$nat.json" "$nat" >&2 || fail "nationality=$nat differs"
done
log "ok: nationality=UZB, PAK, RUS: exactly the expected overstayers of each"

# 3. centralctl.
CC overstays --as-of "$TODAY" --all --limit 500 --format json >"$T/cli.json" ||
	fail "centralctl overstays"
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["rows"]))' \
    "$T/cli.json" >"$T/cli-rows.json"
compare "$T/cli-rows.json" >&2 || fail "centralctl overstays differs"
log "ok: centralctl overstays --all: exactly the $want overstayers"

# 4. CSV and a bad parameter.
code=$(api "/api/v1/overstays?as_of=$TODAY&limit=10&format=csv" -o "$T/o.csv" -w '%{http_code}')
[ "$code" = 200 ] && head -n1 "$T/o.csv" | grep -q '^issuing_state,number,nationality,' &&
	[ "$(wc -l <"$T/o.csv")" = 11 ] || fail "CSV: HTTP $code $(head -c 300 "$T/o.csv")"
code=$(api "/api/v1/overstays?limit=0" -o "$T/bad.json" -w '%{http_code}')
[ "$code" = 400 ] && grep -q '"field":"limit"' "$T/bad.json" ||
	fail "limit=0: HTTP $code $(cat "$T/bad.json")"
code=$(people_curl "/api/v1/overstays?as_of=$TODAY" -o /dev/null -w '%{http_code}' \
    -H 'Authorization: Bearer not-a-token')
[ "$code" = 401 ] || fail "a bad token: HTTP $code"
log "ok: CSV with its header; limit=0 is a 400 naming limit; a bad token 401"

# 5. The audit trail names the inspector and the filters.
nq=$(psql_q "SELECT count(*) FROM audit_events WHERE actor = 'ivan' AND action = 'query' AND detail LIKE '%\"query\":\"overstays\"%'")
[ "$nq" -ge 5 ] || fail "only $nq audited queries by ivan"
psql_q "SELECT count(*) FROM audit_events WHERE actor = 'ivan' AND detail LIKE '%\"nationality\":\"UZB\"%'" |
	grep -qv '^0$' || fail "the nationality filter is not in the trail"
psql_q "SELECT count(*) FROM audit_events WHERE actor = 'population-test' AND action = 'query'" |
	grep -qv '^0$' || fail "centralctl's query is not in the trail"
log "ok: $nq overstay queries audited under ivan, with their filters"

# 6. One overstayer's whole history, through the API: their crossings and
# stay state, and the look-up itself in the trail under ivan's name.
who=$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1])))[0])' "$T/pop/expect.json")
code=$(api "/api/v1/persons/${who%%:*}/${who#*:}" -o "$T/history.json" -w '%{http_code}')
[ "$code" = 200 ] || fail "history of $who: HTTP $code $(head -c 300 "$T/history.json")"
python3 - "$T/history.json" "$who" <<'PY' || fail "history of $who: $(head -c 600 "$T/history.json")"
import json, sys
h = json.load(open(sys.argv[1]))
st, num = sys.argv[2].split(":")
assert h["issuing_state"] == st and h["number"] == num, "document"
cr = h["crossings"]
assert cr and all(c["post"] and c["seq"] > 0 for c in cr), "crossings"
assert any(c["direction"] == "entry" for c in cr), "no entry"
assert h["stay_state"] is not None, "no stay state"
PY
nl=$(psql_q "SELECT count(*) FROM audit_events WHERE actor = 'ivan' AND action = 'lookup' AND subject = '$who'")
[ "$nl" = 1 ] || fail "the look-up of $who is in the trail $nl times"
code=$(api "/api/v1/unregistered?limit=5" -o "$T/unreg.json" -w '%{http_code}')
[ "$code" = 200 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/unreg.json" ||
	fail "unregistered: HTTP $code"
log "ok: the history of $who (its crossings and stay state), and the look-up audited once under ivan"
log "population: all checks passed"
