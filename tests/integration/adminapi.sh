#!/usr/bin/env bash
# adminapi.sh - the registry's administration through the people's API,
# end to end: a real centrald (both listeners) on a throwaway PostgreSQL,
# curl with API tokens from `centralctl token create`. Every admin route
# refuses no credentials (401) and the inspector and auditor roles (403);
# puts, gets, lists (paged) and removes of every record kind, with 400
# naming the JSON field and nothing changed; a CSV upload with one bad row
# applies nothing (tables, changes, feed_log unchanged) and names the row;
# officers (the PIN hashed, never listed, logged or in a change row), the
# stay policy (409 for a version with another text), and a post enrolled
# and revoked through the API while centrald serves it. Changes are
# recorded with the API user as actor and reach the feed log.
source "$(dirname "$0")/lib.sh"

ok() { log "ok: $*"; }

# api METHOD PATH TOKEN [CURL ARGS...] : the answer in $T/body, its status
# in $CODE, its headers in $T/headers.
api() {
	local m=$1 p=$2 tok=$3
	shift 3
	local auth=()
	[ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
	CODE=$(people_curl "$p" -X "$m" -o "$T/body" -D "$T/headers" \
	    -w '%{http_code}' "${auth[@]}" "$@")
}
# expect NAME STATUS METHOD PATH TOKEN [CURL ARGS...]
expect() {
	local name=$1 want=$2
	shift 2
	api "$@"
	[ "$CODE" = "$want" ] || { cat "$T/body" >&2; echo >&2;
	    fail "$name: status $CODE, want $want"; }
	ok "$name"
}
# jv EXPR : a Python expression over the body's JSON d (strings bare,
# anything else as JSON).
jv() {
	python3 - "$T/body" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2], {"d": d})
print(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
PY
}
# check NAME EXPR WANT : jv EXPR is exactly WANT.
check() {
	local got
	got=$(jv "$2") || { cat "$T/body" >&2; fail "$1: no JSON"; }
	[ "$got" = "$3" ] || { cat "$T/body" >&2; echo >&2;
	    fail "$1: $2 is '$got', want '$3'"; }
}
# json FILE : writes the JSON of the Python literal on stdin to FILE.
json() { python3 -c 'import json,sys; print(json.dumps(eval(sys.stdin.read())))' >"$1"; }

# A fingerprint of every registry table, the changes and the feed.
snapshot() {
	local t out=""
	for t in document_alerts person_alerts permits registrations officers \
	    posts policy_versions changes feed_log feed_head; do
		out="$out $t:$(psql_q "SELECT count(*) || '/' ||
		    md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))
		    FROM $t x")"
	done
	echo "$out"
}

pki ALA01 NEW03
pg_start
central_config ALA01
CERT_POST=ALA01
"$BIN/centrald" -c "$T/central.yaml" migrate >/dev/null
CTL() { "$BIN/centralctl" -c "$T/central.yaml" --as it-setup "$@"; }
CTL user add dana --roles admin --no-password >/dev/null
CTL user add ivan --roles inspector --no-password >/dev/null
CTL user add aida --roles auditor --no-password >/dev/null
ADMIN=$(CTL token create dana --name adminapi-test --days 1 2>>"$T/tokens.log")
INSP=$(CTL token create ivan --name adminapi-test --days 1 2>>"$T/tokens.log")
AUD=$(CTL token create aida --name adminapi-test --days 1 2>>"$T/tokens.log")
start_centrald
wait_http "https://localhost:$PEOPLE_PORT/" --cacert "$T/pki/ca.crt"

# --- every route: 401 without credentials, 403 for the other roles ----------
ROUTES="GET /api/v1/alerts/document
GET /api/v1/alerts/document/*
PUT /api/v1/alerts/document/*
DELETE /api/v1/alerts/document/*
GET /api/v1/alerts/person
GET /api/v1/alerts/person/*
PUT /api/v1/alerts/person/*
DELETE /api/v1/alerts/person/*
GET /api/v1/permits
GET /api/v1/permits/*
PUT /api/v1/permits/*
DELETE /api/v1/permits/*
GET /api/v1/registrations
GET /api/v1/registrations/*
PUT /api/v1/registrations/*
DELETE /api/v1/registrations/*
POST /api/v1/import/document_alert
POST /api/v1/import/person_alert
POST /api/v1/import/permit
POST /api/v1/import/registration
GET /api/v1/officers
PUT /api/v1/officers/*
GET /api/v1/policy
POST /api/v1/policy
GET /api/v1/policy/versions
GET /api/v1/posts
POST /api/v1/posts/*
DELETE /api/v1/posts/*"
# The list above is every admin route under these paths that centralctl
# knows of (and no more).
"$BIN/centralctl" -c "$T/central.yaml" api routes |
    awk -F'\t' '$3 == "admin" && $2 ~ "^/api/v1/(alerts|permits|registrations|import|officers|policy|posts)" { print $1, $2 }' |
    sort >"$T/routes.listed"
sort <<<"$ROUTES" >"$T/routes.tested"
diff "$T/routes.listed" "$T/routes.tested" >&2 ||
	fail "the admin routes differ from those tested"
ok "every admin route is tested"
while read -r m p; do
	p=${p/\/\*/\/ZZ99}
	expect "$m $p without credentials" 401 "$m" "$p" ""
	expect "$m $p as an inspector" 403 "$m" "$p" "$INSP"
	expect "$m $p as an auditor" 403 "$m" "$p" "$AUD"
done <<<"$ROUTES"
[ "$(psql_q "SELECT count(*) FROM changes")" = 0 ] ||
	fail "a refused request changed something"

# --- document alerts --------------------------------------------------------
DA='{"issuing_state":"KAZ","number":"N1234567","reason":"stolen","since":"2026-01-02"}'
J=(-H 'Content-Type: application/json')
expect "PUT a document alert" 200 PUT /api/v1/alerts/document/da-1 "$ADMIN" \
    "${J[@]}" --data "$DA"
check "stored" 'd["result"]' stored
check "changed" 'd["changed"]' true
[ "$(psql_q "SELECT actor FROM changes WHERE kind = 'document_alert' AND
    record = 'da-1'")" = dana ] || fail "the actor is not the API user"
ok "the actor recorded in changes is the API user"
[ "$(psql_q "SELECT count(*) FROM feed_log WHERE kind = 'document_alert'
    AND id = 'da-1' AND op = 'upsert'")" = 1 ] ||
	fail "the put did not reach the feed log"
ok "the change reached the feed log"
expect "the same PUT again" 200 PUT /api/v1/alerts/document/da-1 "$ADMIN" \
    "${J[@]}" --data "$DA"
check "unchanged" 'd["result"]' unchanged
[ "$(psql_q "SELECT count(*) FROM changes WHERE record = 'da-1'")" = 1 ] ||
	fail "an unchanged put wrote a change row"
expect "GET one document alert" 200 GET /api/v1/alerts/document/da-1 "$ADMIN"
check "its reason" 'd["reason"]' stolen
check "its changer" 'd["changed_by"]' dana
cp "$T/body" "$T/da-1.json"
expect "a listed item PUT back" 200 PUT /api/v1/alerts/document/da-1 "$ADMIN" \
    "${J[@]}" --data @"$T/da-1.json"
check "is unchanged" 'd["result"]' unchanged
expect "list document alerts" 200 GET '/api/v1/alerts/document?number=N1234567' "$ADMIN"
check "one item" '[i["id"] for i in d["items"]]' '["da-1"]'
check "no next page" 'd["next_offset"]' null

before=$(snapshot)
expect "a bad date" 400 PUT /api/v1/alerts/document/da-2 "$ADMIN" "${J[@]}" \
    --data '{"issuing_state":"KAZ","number":"N1","reason":"lost","since":"2026-02-30"}'
check "names since" 'd["error"]["field"]' since
check "says why" 'd["error"]["message"]' '2026-02-30 is not a date'
expect "a missing field" 400 PUT /api/v1/alerts/document/da-2 "$ADMIN" "${J[@]}" \
    --data '{"issuing_state":"KAZ","number":"N1","reason":"lost"}'
check "names since" 'd["error"]["field"]' since
check "required" 'd["error"]["message"]' 'is required'
expect "an unknown member" 400 PUT /api/v1/alerts/document/da-2 "$ADMIN" "${J[@]}" \
    --data '{"issuing_state":"KAZ","number":"N1","reason":"lost","since":"2026-01-01","colour":"red"}'
check "names it" 'd["error"]["field"]' colour
expect "another id in the body" 400 PUT /api/v1/alerts/document/da-2 "$ADMIN" "${J[@]}" \
    --data '{"id":"da-3","issuing_state":"KAZ","number":"N1","reason":"lost","since":"2026-01-01"}'
check "names id" 'd["error"]["field"]' id
expect "a bad id in the path" 400 PUT '/api/v1/alerts/document/da%20x' "$ADMIN" \
    "${J[@]}" --data "$DA"
check "names id" 'd["error"]["field"]' id
expect "a number for a string" 400 PUT /api/v1/alerts/document/da-2 "$ADMIN" "${J[@]}" \
    --data '{"issuing_state":"KAZ","number":7,"reason":"lost","since":"2026-01-01"}'
check "names number" 'd["error"]["field"]' number
expect "not JSON" 400 PUT /api/v1/alerts/document/da-2 "$ADMIN" "${J[@]}" \
    --data 'reason=lost'
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big.json"
expect "a body over 64 KiB" 413 PUT /api/v1/alerts/document/da-2 "$ADMIN" \
    "${J[@]}" --data-binary @"$T/big.json"
[ "$(snapshot)" = "$before" ] || fail "a refused put changed something"
ok "refused puts changed nothing"

expect "DELETE a document alert" 200 DELETE /api/v1/alerts/document/da-1 "$ADMIN"
check "removed" 'd["result"]' removed
[ "$(psql_q "SELECT op FROM feed_log WHERE kind = 'document_alert' AND
    id = 'da-1' ORDER BY pos DESC LIMIT 1")" = delete ] ||
	fail "the remove is not a feed delete"
expect "DELETE it again" 404 DELETE /api/v1/alerts/document/da-1 "$ADMIN"
expect "GET what is gone" 404 GET /api/v1/alerts/document/da-1 "$ADMIN"

# --- person alerts ----------------------------------------------------------
PA='{"kind":"entry_ban","surname":"Иванов","given_names":"Иван","birth_date":"1980-05","nationality":"RUS","until":"2030-01-01","severity":4,"source":"court 12/2026"}'
expect "PUT a person alert (Cyrillic)" 200 PUT /api/v1/alerts/person/pa-1 "$ADMIN" \
    "${J[@]}" --data "$PA"
expect "severity 9" 400 PUT /api/v1/alerts/person/pa-2 "$ADMIN" "${J[@]}" \
    --data '{"kind":"wanted","surname":"X","birth_date":"1980","severity":9,"source":"s"}'
check "names severity" 'd["error"]["field"]' severity
expect "severity as a string" 400 PUT /api/v1/alerts/person/pa-2 "$ADMIN" "${J[@]}" \
    --data '{"kind":"wanted","surname":"X","birth_date":"1980","severity":"4","source":"s"}'
check "names severity" 'd["error"]["field"]' severity
expect "list person alerts" 200 GET /api/v1/alerts/person "$ADMIN"
check "the surname" 'd["items"][0]["surname"]' 'Иванов'
check "the severity, a number" 'd["items"][0]["severity"]' 4
expect "DELETE a person alert" 200 DELETE /api/v1/alerts/person/pa-1 "$ADMIN"

# --- permits (the holder nested, as in the feed) ----------------------------
PM='{"kind":"work_permit","holder":{"issuing_state":"UZB","number":"AB1234567","nationality":"UZB","surname":"KARIMOV","birth_date":"1990-04-05"},"valid_from":"2026-01-01","valid_until":"2026-12-31","employer":"Astana Build LLP"}'
expect "PUT a permit" 200 PUT /api/v1/permits/wp-1 "$ADMIN" "${J[@]}" --data "$PM"
expect "GET it" 200 GET /api/v1/permits/wp-1 "$ADMIN"
check "the holder's number" 'd["holder"]["number"]' AB1234567
check "entries: multiple" 'd["entries"]' null
check "entries used" 'd["entries_used"]' 0
cp "$T/body" "$T/wp-1.json"
expect "it PUT back" 200 PUT /api/v1/permits/wp-1 "$ADMIN" "${J[@]}" \
    --data @"$T/wp-1.json"
check "unchanged" 'd["result"]' unchanged
expect "a lowercase document number" 400 PUT /api/v1/permits/wp-2 "$ADMIN" "${J[@]}" \
    --data "${PM/AB1234567/ab1}"
check "names holder.number" 'd["error"]["field"]' holder.number
expect "a period ending before it starts" 400 PUT /api/v1/permits/wp-2 "$ADMIN" \
    "${J[@]}" --data "${PM/2026-12-31/2025-12-31}"
check "names valid_until" 'd["error"]["field"]' valid_until
check "says why" 'd["error"]["message"]' '2025-12-31 is before valid_from 2026-01-01'
expect "an unknown holder member" 400 PUT /api/v1/permits/wp-2 "$ADMIN" "${J[@]}" \
    --data "${PM/\"surname\"/\"colour\":\"red\",\"surname\"}"
check "names holder.colour" 'd["error"]["field"]' holder.colour
expect "list permits by number" 200 GET '/api/v1/permits?number=AB1234567' "$ADMIN"
check "one" '[i["id"] for i in d["items"]]' '["wp-1"]'
expect "DELETE a permit" 200 DELETE /api/v1/permits/wp-1 "$ADMIN"

# --- registrations, and paging ----------------------------------------------
RG='{"issuing_state":"UZB","number":"AB1234567","region":"Almaty","address":"12 Abay Ave, flat 4","host":"A. Seitkali","valid_from":"2026-01-01","valid_until":"2026-03-31"}'
expect "PUT a registration" 200 PUT /api/v1/registrations/rg-1 "$ADMIN" "${J[@]}" --data "$RG"
expect "GET it" 200 GET /api/v1/registrations/rg-1 "$ADMIN"
check "the address" 'd["address"]' '12 Abay Ave, flat 4'
expect "DELETE it" 200 DELETE /api/v1/registrations/rg-1 "$ADMIN"
{
	echo "id,issuing_state,number,region,address,host,valid_from,valid_until"
	for i in $(seq 10 34); do
		echo "rg-$i,UZB,R$i,Almaty,\"$i Abay Ave, flat 1\",Host $i,2026-01-01,2026-03-31"
	done
} >"$T/regs.csv"
CSV=(-H 'Content-Type: text/csv')
expect "import 25 registrations" 200 POST /api/v1/import/registration "$ADMIN" \
    "${CSV[@]}" --data-binary @"$T/regs.csv"
check "imported" 'd["imported"]' 25
expect "page 1" 200 GET '/api/v1/registrations?limit=10' "$ADMIN"
check "10 items" 'len(d["items"])' 10
check "from rg-10" 'd["items"][0]["id"]' rg-10
check "next page" 'd["next_offset"]' 10
expect "the last page" 200 GET '/api/v1/registrations?limit=10&offset=20' "$ADMIN"
check "5 items" '[i["id"] for i in d["items"]]' '["rg-30", "rg-31", "rg-32", "rg-33", "rg-34"]'
check "no next page" 'd["next_offset"]' null
expect "limit 0" 400 GET '/api/v1/registrations?limit=0' "$ADMIN"
check "names limit" 'd["error"]["field"]' limit
expect "an unknown parameter" 400 GET '/api/v1/registrations?colour=red' "$ADMIN"
check "names it" 'd["error"]["field"]' colour

# --- CSV: one bad row applies nothing ----------------------------------------
{
	echo "id,issuing_state,number,reason,since"
	for i in $(seq 1 20); do
		if [ "$i" = 11 ]; then
			echo "csv-$i,KAZ,N$i,lost,2026-02-30"	# line 12
		else
			echo "csv-$i,KAZ,N$i,lost,2026-01-0$((i % 9 + 1))"
		fi
	done
} >"$T/bad.csv"
before=$(snapshot)
expect "CSV with one bad row" 400 POST /api/v1/import/document_alert "$ADMIN" \
    "${CSV[@]}" --data-binary @"$T/bad.csv"
check "names the column" 'd["error"]["field"]' since
check "names the line" 'd["error"]["message"]' 'line 12, field "since": 2026-02-30 is not a date; bad rows: nothing imported'
check "the problems" 'd["problems"]' '[{"line": 12, "field": "since", "message": "2026-02-30 is not a date"}]'
check "bad rows" 'd["bad_rows"]' 1
printf 'id,issuing_state,number,reason,when\n' >"$T/cols.csv"
expect "CSV with an unknown column" 400 POST /api/v1/import/document_alert \
    "$ADMIN" "${CSV[@]}" --data-binary @"$T/cols.csv"
check "names it" 'd["error"]["field"]' when
printf 'id,issuing_state,number,reason,since\nq-1,KAZ,"N1,lost,2026-01-01\n' >"$T/quote.csv"
expect "CSV with an unterminated quote" 400 POST /api/v1/import/document_alert \
    "$ADMIN" "${CSV[@]}" --data-binary @"$T/quote.csv"
check "says where" 'd["error"]["message"]' 'line 2, field "number": unterminated quote; bad rows: nothing imported'
printf 'id,issuing_state,number,reason,since\nd-1,KAZ,N1,lost,2026-01-01\nd-1,KAZ,N2,lost,2026-01-01\n' >"$T/dup.csv"
expect "CSV with an id twice" 400 POST /api/v1/import/document_alert "$ADMIN" \
    "${CSV[@]}" --data-binary @"$T/dup.csv"
check "says where" 'd["problems"][0]' '{"line": 3, "field": "id", "message": "d-1 is also on line 2"}'
expect "CSV sent as JSON" 415 POST /api/v1/import/document_alert "$ADMIN" \
    "${J[@]}" --data-binary @"$T/bad.csv"
expect "an empty CSV body" 400 POST /api/v1/import/document_alert "$ADMIN" "${CSV[@]}"
[ "$(snapshot)" = "$before" ] || fail "a refused import changed the tables, changes or feed"
ok "refused imports: tables, changes and feed_log unchanged"

{
	echo "id,kind,issuing_state,number,nationality,surname,given_names,birth_date,valid_from,valid_until,entries,stay_days"
	for i in $(seq 1 1000); do
		echo "v-$i,visa,UZB,V$i,UZB,\"KARIMOV, $i\",ANVAR,1990-01-01,2026-01-01,2026-06-30,2,30"
	done
} >"$T/visas.csv"
feed0=$(psql_q "SELECT count(*) FROM feed_log")
expect "1,000 visas import" 200 POST /api/v1/import/permit "$ADMIN" "${CSV[@]}" \
    --data-binary @"$T/visas.csv"
check "imported" 'd["imported"]' 1000
check "none unchanged" 'd["unchanged"]' 0
[ "$(psql_q "SELECT count(*) FROM feed_log")" = $((feed0 + 1000)) ] ||
	fail "not 1000 feed entries"
[ "$(psql_q "SELECT count(*) FROM changes WHERE kind = 'permit' AND
    actor = 'dana'")" -ge 1000 ] || fail "the import's changes lack the API user"
expect "the same file again" 200 POST /api/v1/import/permit "$ADMIN" "${CSV[@]}" \
    --data-binary @"$T/visas.csv"
check "all unchanged" 'd["unchanged"]' 1000
[ "$(psql_q "SELECT count(*) FROM feed_log")" = $((feed0 + 1000)) ] ||
	fail "an unchanged import wrote feed entries"
expect "a visa from the import" 200 GET /api/v1/permits/v-7 "$ADMIN"
check "the quoted surname" 'd["holder"]["surname"]' 'KARIMOV, 7'
check "entries" 'd["entries"]' 2

# --- officers ---------------------------------------------------------------
PIN='Q7w!x9Z2'
expect "PUT an officer with a PIN" 200 PUT /api/v1/officers/KZ0042 "$ADMIN" \
    "${J[@]}" --data "{\"name\":\"Askar Abenov\",\"pin\":\"$PIN\"}"
check "stored" 'd["result"]' stored
check "a new PIN" 'd["pin_changed"]' true
hash1=$(psql_q "SELECT pin_hash FROM officers WHERE id = 'KZ0042'")
case $hash1 in '$scrypt$'*) ;; *) fail "the PIN is not stored as an scrypt hash";; esac
[ "$(psql_q "SELECT count(*) FROM feed_log WHERE kind = 'officer' AND id = 'KZ0042'")" = 1 ] ||
	fail "the officer did not reach the feed log"
expect "rename, keeping the PIN" 200 PUT /api/v1/officers/KZ0042 "$ADMIN" \
    "${J[@]}" --data '{"name":"Askar A. Abenov"}'
check "stored" 'd["result"]' stored
check "the PIN kept" 'd["pin_changed"]' false
[ "$(psql_q "SELECT pin_hash FROM officers WHERE id = 'KZ0042'")" = "$hash1" ] ||
	fail "a put without a PIN changed the PIN"
expect "disable" 200 PUT /api/v1/officers/KZ0042 "$ADMIN" "${J[@]}" \
    --data '{"active":false}'
check "inactive" 'd["active"]' false
expect "disable again" 200 PUT /api/v1/officers/KZ0042 "$ADMIN" "${J[@]}" \
    --data '{"active":false}'
check "unchanged" 'd["result"]' unchanged
expect "rename an inactive officer" 200 PUT /api/v1/officers/KZ0042 "$ADMIN" \
    "${J[@]}" --data '{"name":"Askar Abenov"}'
check "stored" 'd["result"]' stored
check "stays inactive" 'd["active"]' false
[ "$(psql_q "SELECT active FROM officers WHERE id = 'KZ0042'")" = f ] ||
	fail "a rename made the officer active"
expect "list officers" 200 GET /api/v1/officers "$ADMIN"
check "one, inactive" '[(i["id"], i["name"], i["active"]) for i in d["items"]]' \
    '[["KZ0042", "Askar Abenov", false]]'
if grep -q scrypt "$T/body"; then fail "the listing shows a PIN hash"; fi
before=$(snapshot)
expect "a new officer without a PIN" 400 PUT /api/v1/officers/KZ0043 "$ADMIN" \
    "${J[@]}" --data '{"name":"Dana N."}'
check "names pin" 'd["error"]["field"]' pin
expect "a short PIN" 400 PUT /api/v1/officers/KZ0043 "$ADMIN" "${J[@]}" \
    --data '{"name":"Dana N.","pin":"12"}'
check "names pin" 'd["error"]["field"]' pin
expect "a bad officer id" 400 PUT '/api/v1/officers/K%20Z' "$ADMIN" "${J[@]}" \
    --data '{"active":true}'
expect "enable an unknown officer" 404 PUT /api/v1/officers/NOBODY "$ADMIN" \
    "${J[@]}" --data '{"active":true}'
expect "active as a string" 400 PUT /api/v1/officers/KZ0042 "$ADMIN" "${J[@]}" \
    --data '{"active":"no"}'
check "names active" 'd["error"]["field"]' active
[ "$(snapshot)" = "$before" ] || fail "a refused officer put changed something"
if psql_q "SELECT detail::text FROM changes WHERE kind = 'officer'" |
    grep -q -e scrypt -e "$PIN"; then
	fail "a change row holds the PIN or its hash"
fi
if grep -qF -- "$PIN" "$T/centrald.log"; then fail "the PIN is in the log"; fi
ok "the PIN is nowhere but hashed in officers"

# --- the stay policy ----------------------------------------------------------
Y=(-H 'Content-Type: text/yaml')
expect "POST the policy" 200 POST /api/v1/policy "$ADMIN" "${Y[@]}" \
    --data-binary @"$ROOT/config/policy.yaml"
check "loaded" 'd["result"]' loaded
version=$(jv 'd["version"]')
expect "POST it again" 200 POST /api/v1/policy "$ADMIN" "${Y[@]}" \
    --data-binary @"$ROOT/config/policy.yaml"
check "unchanged" 'd["result"]' unchanged
[ "$(psql_q "SELECT count(*) FROM feed_log WHERE kind = 'policy'")" = 1 ] ||
	fail "the policy did not reach the feed log once"
expect "GET the policy" 200 GET /api/v1/policy "$ADMIN"
cmp -s "$T/body" "$ROOT/config/policy.yaml" || fail "GET /api/v1/policy differs from the file"
grep -qi "^Shekara-Policy-Version: $version" "$T/headers" ||
	fail "no Shekara-Policy-Version header"
expect "GET a version that is not there" 404 GET '/api/v1/policy?version=nope' "$ADMIN"
expect "list the versions" 200 GET /api/v1/policy/versions "$ADMIN"
check "one, current" '[(i["version"], i["current"]) for i in d["items"]]' \
    "[[\"$version\", true]]"
before=$(snapshot)
{ cat "$ROOT/config/policy.yaml"; printf '\n# another text\n'; } >"$T/policy2.yaml"
expect "the same version, another text" 409 POST /api/v1/policy "$ADMIN" \
    "${Y[@]}" --data-binary @"$T/policy2.yaml"
check "names version" 'd["error"]["field"]' version
printf 'version: "x"\nnot a policy: [\n' >"$T/badpolicy.yaml"
expect "a policy that does not load" 400 POST /api/v1/policy "$ADMIN" "${Y[@]}" \
    --data-binary @"$T/badpolicy.yaml"
check "names yaml" 'd["error"]["field"]' yaml
expect "a policy sent as JSON" 415 POST /api/v1/policy "$ADMIN" "${J[@]}" \
    --data-binary @"$ROOT/config/policy.yaml"
[ "$(snapshot)" = "$before" ] || fail "a refused policy changed something"

# --- posts: enrol and revoke through the API while centrald serves -----------
body='{"version":1,"post":"NEW03","crossings":[{"seq":1,"recorded_at":"2026-11-27T01:02:03.123Z","direction":"entry","lane":1,"officer":"KZ0042","outcome":"admit","document":{"type":"P","issuing_state":"KAZ","number":"N1","nationality":"KAZ","surname":"ABENOV","given_names":"ASKAR","birth_date":"1990-01-31","sex":"M","expiry_date":"2030-01-30"}}]}'
push_new03() {
	CERT_POST=NEW03 centre_curl /v1/posts/NEW03/crossings -o /dev/null \
	    -w '%{http_code}' -H 'Content-Type: application/json' --data "$body"
}
[ "$(push_new03)" = 403 ] || fail "an unenrolled post was accepted"
"$ROOT/scripts/pki.sh" rogue "$T/pki" NEW03 >/dev/null
json "$T/enrol.json" <<<"{'name': 'New post', 'certificate': open('$T/pki/post-NEW03.crt').read()}"
json "$T/rogue.json" <<<"{'certificate': open('$T/pki/rogue-NEW03.crt').read()}"
before=$(snapshot)
expect "a certificate of another CA" 400 POST /api/v1/posts/NEW03 "$ADMIN" \
    "${J[@]}" --data @"$T/rogue.json"
check "names certificate" 'd["error"]["field"]' certificate
case $(jv 'd["error"]["message"]') in
"not a client certificate of the posts' CA"*) ;;
*) fail "the rogue certificate's refusal does not say why";;
esac
expect "not a certificate" 400 POST /api/v1/posts/NEW03 "$ADMIN" "${J[@]}" \
    --data '{"certificate":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}'
check "names certificate" 'd["error"]["field"]' certificate
expect "a bad post code" 400 POST /api/v1/posts/new-03 "$ADMIN" "${J[@]}" \
    --data @"$T/enrol.json"
check "names code" 'd["error"]["field"]' code
[ "$(snapshot)" = "$before" ] || fail "a refused enrolment changed something"
expect "enrol a post" 200 POST /api/v1/posts/NEW03 "$ADMIN" "${J[@]}" \
    --data @"$T/enrol.json"
check "enrolled" 'd["result"]' enrolled
check "its CN" 'd["cert_cn"]' post-NEW03
check "checked against the posts' CA" 'd["ca_checked"]' true
expect "list posts" 200 GET /api/v1/posts "$ADMIN"
check "active" '[(i["code"], i["name"], i["status"], i["revoked_at"]) for i in d["items"]]' \
    '[["NEW03", "New post", "active", null]]'
for i in $(seq 1 40); do
	[ "$(push_new03)" = 200 ] && break
	sleep 0.25
done
[ "$(push_new03)" = 200 ] || fail "the post enrolled through the API is refused"
ok "centrald accepts the post enrolled through the API"
expect "revoke it" 200 DELETE /api/v1/posts/NEW03 "$ADMIN"
check "revoked" 'd["result"]' revoked
expect "revoke it again" 200 DELETE /api/v1/posts/NEW03 "$ADMIN"
check "unchanged" 'd["result"]' unchanged
for i in $(seq 1 40); do
	[ "$(push_new03)" = 403 ] && break
	sleep 0.25
done
[ "$(push_new03)" = 403 ] || fail "the post revoked through the API is still accepted"
ok "centrald refuses the post revoked through the API"
expect "revoke an unknown post" 404 DELETE /api/v1/posts/ZZ99 "$ADMIN"
[ "$(psql_q "SELECT count(*) FROM changes WHERE kind = 'post' AND
    actor = 'dana'")" = 2 ] || fail "the post changes lack the API user"

# --- the centralctl and API views agree ---------------------------------------
CTL permit list --format csv --limit 3 >"$T/ctl.csv"
expect "the same listing through the API" 200 GET '/api/v1/permits?limit=3' "$ADMIN"
[ "$(jv '",".join(i["id"] for i in d["items"])')" = \
    "$(tail -n +2 "$T/ctl.csv" | cut -d, -f1 | paste -sd,)" ] ||
	fail "centralctl and the API list different permits"
ok "centralctl and the API agree"
log "adminapi.sh: all passed"
