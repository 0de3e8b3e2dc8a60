#!/usr/bin/env bash
# tamper.sh - the audit trail against tampering, end to end: a real
# centrald and PostgreSQL, a real post whose lane checks and records reach
# post_audit, administrative changes made with centralctl, logins through
# the people's API, heads signed with the feed key. The stored hashes are
# recomputed by an independent SQL implementation of docs/audit.md's
# encoding. Then, each in its own copy of the database (CREATE DATABASE ...
# TEMPLATE), one centre event is changed, one deleted, two swapped, one
# forged event inserted with a correct hash, a post's event edited, a
# post's chain cut short and a signed head forged: `centralctl audit
# verify` exits 1 each time naming the chain, the first affected seq and
# the kind of tampering; the untouched database verifies (exit 0). The
# auditors' API: verify and events for an auditor, 403 for an inspector,
# and each read is itself an audit event.
source "$(dirname "$0")/lib.sh"

P=ALA01
pki $P
"$ROOT/scripts/pki.sh" feedkey "$T/pki" >/dev/null
pg_start
central_config $P
cat >>"$T/central.yaml" <<YAML
feed:
  signing_key: $T/pki/feed.key
audit:
  sign_interval_s: 10
YAML
CERT_POST=$P
"$BIN/centrald" -c "$T/central.yaml" migrate >"$T/migrate.log" 2>&1 || fail "migrate"
CTL() { "$BIN/centralctl" -c "$T/central.yaml" --as it-admin "$@"; }
ok() { log "ok: $*"; }

# --- help and usage -------------------------------------------------------
for c in "audit" "audit verify" "audit list" "audit sign"; do
	# shellcheck disable=SC2086
	"$BIN/centralctl" $c --help | grep -q 'usage: centralctl' || fail "$c --help"
done
rc=0; CTL audit frobnicate 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q 'unknown subcommand' "$T/err" || fail "unknown subcommand: exit $rc"
rc=0; CTL audit list --since yesterday 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q -- '--since' "$T/err" || fail "bad --since: exit $rc"
rc=0; "$BIN/centralctl" --db "$CONNINFO" audit verify 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q 'no public key' "$T/err" || fail "verify without a key: exit $rc"
ok "help and usage errors"

# --- events: changes, users, logins, a post's checks and records ---------
CTL policy load "$ROOT/config/policy.yaml" >/dev/null || fail "policy load"
for i in 1 2 3 4; do
	CTL alert document put "da-$i" --state KAZ --number "N000000$i" \
	    --reason stolen --since 2026-01-02 >/dev/null || fail "alert put $i"
done
printf '4711\n' >"$T/pin"
CTL officer put KZ0042 --name 'Askar Abenov' --pin-file "$T/pin" >/dev/null ||
	fail "officer put"
CTL alert document remove da-4 >/dev/null || fail "alert remove"
for u in insp:inspector aud:auditor; do
	echo "${u%%:*}'s password" | CTL user add "${u%%:*}" --roles "${u#*:}" \
	    >/dev/null || fail "user add ${u%%:*}"
done
start_centrald
wait_http "https://localhost:$PEOPLE_PORT/api/v1/me" --cacert "$T/pki/ca.crt"
for u in insp aud; do
	people_curl /api/v1/login -H 'Content-Type: application/json' \
	    -d "{\"user\":\"$u\",\"password\":\"$u's password\"}" -c "$T/$u.jar" \
	    -o /dev/null -w '%{http_code}' | grep -q 200 || fail "login $u"
done
people_curl /api/v1/login -H 'Content-Type: application/json' \
    -d '{"user":"aud","password":"wrong"}' -o /dev/null

post_config $P 0
cat >>"$T/$P.yaml" <<YAML
feed:
  verify_keys:
    - $T/pki/feed.pub
  poll_interval_ms: 200
  max_age_s: 3600
YAML
start_post $P
LANE="http://127.0.0.1:${LANE_PORT[$P]}"
for i in $(seq 1 50); do
	"$BIN/checkpointctl" -u "$LANE" status --json | grep -q '"cursor":[1-9]' && break
	sleep 0.2
done
mrz() { # STATE NUMBER NATIONALITY SURNAME GIVEN BIRTH SEX
	"$BIN/checkpointctl" mrz make --format TD3 --issuing-state "$1" \
	    --number "$2" --nationality "$3" --surname "$4" --given-names "$5" \
	    --birth-date "$6" --sex "$7" --expiry-date 2033-01-01
}
for n in 1 2 3; do
	mrz RUS "C0000000$n" RUS IVANOVA ANNA 1990-05-12 F |
	    "$BIN/checkpointctl" -u "$LANE" check --direction entry --lane 1 \
	    --officer KZ0042 >/dev/null || true
	"$BIN/checkpointctl" -u "$LANE" record --direction entry --lane 1 \
	    --officer KZ0042 --doc-type P --issuing-state RUS \
	    --number "C0000000$n" --nationality RUS --surname IVANOVA \
	    --given-names ANNA --birth-date 1990-05-12 --sex F \
	    --expiry-date 2033-01-01 --reason "audit test" >/dev/null ||
		fail "record $n at the post"
done
for i in $(seq 1 100); do
	[ "$(psql_q "SELECT count(*) FROM post_audit WHERE post = '$P'")" -ge 6 ] && break
	sleep 0.2
done
NPOST=$(psql_q "SELECT count(*) FROM post_audit WHERE post = '$P'")
[ "$NPOST" -ge 6 ] || fail "the post's audit events did not reach the centre ($NPOST)"
ok "$NPOST post events, $(psql_q "SELECT count(*) FROM audit_events") centre events"

# Each kind of event is in the centre's chain, with its actor.
for want in "it-admin|change|document_alert:da-1" "it-admin|change|officer:KZ0042" \
    "it-admin|change|policy:" "insp|login|" "aud|login|"; do
	[ "$(psql_q "SELECT count(*) FROM audit_events WHERE
	    actor || '|' || action || '|' || subject LIKE '$want%'")" -ge 1 ] ||
		fail "no centre event $want"
done
psql_q "SELECT detail FROM audit_events WHERE subject = 'officer:KZ0042'" |
    grep -q '"pin_changed":true' || fail "officer change detail"
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE detail ~* 'scrypt|pin_hash|4711'")" = 0 ] ||
	fail "a PIN or its hash in the audit trail"
ok "changes, users and logins are centre events; no PIN"

# --- an independent implementation of the encoding (docs/audit.md) ------
AUDIT_SQL="
CREATE FUNCTION pg_temp.f(t text) RETURNS bytea LANGUAGE sql AS
  \$\$ SELECT convert_to(octet_length(t)::text || ':', 'UTF8') ||
     convert_to(t, 'UTF8') || '\\x0a'::bytea \$\$;
CREATE FUNCTION pg_temp.h(chain text, seq bigint, at timestamptz, actor text,
    action text, subject text, detail text, prev text) RETURNS text
  LANGUAGE sql AS \$\$ SELECT encode(sha256(
    convert_to(E'shekara-audit-v1\\n', 'UTF8') || pg_temp.f(chain) ||
    pg_temp.f(seq::text) ||
    pg_temp.f(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) ||
    pg_temp.f(actor) || pg_temp.f(action) || pg_temp.f(subject) ||
    pg_temp.f(detail) || pg_temp.f(prev)), 'hex') \$\$;"
sqlh() { # DB SQL : psql with the hash function defined
	psql "$CONNINFO dbname=$1" -XAtq -v ON_ERROR_STOP=1 <<SQL
$AUDIT_SQL
$2
SQL
}
[ "$(sqlh shekara "SELECT count(*) FROM audit_events
    WHERE hash = pg_temp.h('centre', seq, at, actor, action, subject, detail, prev)")" = \
    "$(psql_q "SELECT count(*) FROM audit_events")" ] || fail "centre hashes (SQL)"
[ "$(sqlh shekara "SELECT count(*) FROM post_audit
    WHERE hash = pg_temp.h('post:' || post, seq, at, actor, action, subject, detail, prev)")" = \
    "$NPOST" ] || fail "post hashes (SQL)"
[ "$(psql_q "SELECT count(*) FROM audit_events e JOIN audit_events p
    ON p.seq = e.seq - 1 WHERE e.prev <> p.hash")" = 0 ] || fail "centre links"
ok "every stored hash recomputed by SQL; links intact"

# --- signing and verifying the untouched trail ---------------------------
CTL audit sign >"$T/sign.out" || fail "audit sign"
grep -Eq '^[0-9]+ head\(s\) signed$' "$T/sign.out" || fail "sign: $(cat "$T/sign.out")"
[ "$(psql_q "SELECT count(DISTINCT chain) FROM audit_heads")" = 2 ] ||
	fail "heads of both chains signed"
CTL audit verify >"$T/verify.out" || { cat "$T/verify.out" >&2; fail "untouched trail does not verify"; }
grep -q ': OK$' "$T/verify.out" || fail "verify: $(cat "$T/verify.out")"
"$BIN/centralctl" --db "$CONNINFO" audit verify --key "$T/pki/feed.pub" >/dev/null ||
	fail "verify with --key"
ok "heads signed; the untouched trail verifies"

# --- the auditors' API -----------------------------------------------------
code=$(people_curl /api/v1/audit/verify -b "$T/aud.jar" -o "$T/v.json" -w '%{http_code}')
[ "$code" = 200 ] || fail "API verify: $code $(cat "$T/v.json")"
python3 - "$T/v.json" <<'PY' || fail "API verify body: $(cat "$T/v.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["ok"] is True and v["problems"] == 0 and v["chains"] == 2, v
assert v["signatures_checked"] is True and v["heads"] >= 2, v
PY
code=$(people_curl /api/v1/audit/verify -b "$T/insp.jar" -o /dev/null -w '%{http_code}')
[ "$code" = 403 ] || fail "an inspector verifies: $code"
code=$(people_curl /api/v1/audit/events -o /dev/null -w '%{http_code}')
[ "$code" = 401 ] || fail "no credentials: $code"
code=$(people_curl '/api/v1/audit/events?since=yesterday' -b "$T/aud.jar" -o "$T/e.json" -w '%{http_code}')
[ "$code" = 400 ] && grep -q '"field":"since"' "$T/e.json" || fail "bad since: $code $(cat "$T/e.json")"
code=$(people_curl "/api/v1/audit/events?chain=post:$P&limit=2" -b "$T/aud.jar" -o "$T/e.json" -w '%{http_code}')
[ "$code" = 200 ] || fail "API events: $code"
CURSOR=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
assert len(v["events"]) == 2 and v["events"][0]["seq"] == 1, v
assert all(e["chain"] == "post:'$P'" for e in v["events"]), v
print(v["next_cursor"])' "$T/e.json") || fail "events page 1: $(cat "$T/e.json")"
code=$(people_curl "/api/v1/audit/events?chain=post:$P&limit=2&cursor=$CURSOR" -b "$T/aud.jar" -o "$T/e2.json" -w '%{http_code}')
[ "$code" = 200 ] || fail "API events page 2: $code"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
assert [e["seq"] for e in v["events"]] == [3, 4], v' "$T/e2.json" || fail "page 2: $(cat "$T/e2.json")"
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE actor = 'aud'
    AND action = 'query' AND subject = 'audit'")" -ge 3 ] || fail "the API reads are not audited"
ok "auditors' API: verify, events paged by cursor, 401/403/400, reads audited"

CTL audit list --format csv >"$T/list.csv" || fail "audit list csv"
head -n 1 "$T/list.csv" | grep -q '^chain,seq,at,actor,action,subject,detail,prev,hash$' || fail "csv header"
CTL audit list --chain centre --action change --format json >"$T/list.json" || fail "list json"
[ "$(wc -l <"$T/list.json")" = "$(psql_q "SELECT count(*) FROM audit_events WHERE action = 'change'")" ] ||
	fail "list --action change"
CTL audit list --chain "post:$P" --limit 2 --format table | grep -q "^post:$P  *1 " || fail "list table"
ok "centralctl audit list (csv, json, table)"

# Everything settles (no more events while copies are taken).
kill "${POST_PID[$P]}"; wait "${POST_PID[$P]}" 2>/dev/null || true
kill "$CENTRALD_PID"; wait "$CENTRALD_PID" 2>/dev/null || true
CTL audit sign >/dev/null || fail "final sign"
CTL audit verify >/dev/null || fail "verify before tampering"
NC=$(psql_q "SELECT max(seq) FROM audit_events")
NPOST=$(psql_q "SELECT max(seq) FROM post_audit WHERE post = '$P'")

# --- tampering, each in its own copy ---------------------------------------
N=0
# tamper NAME SQL REGEX : a copy, SQL run in it, verify exits 1 naming REGEX.
tamper() {
	local name=$1 sql=$2 re=$3 db rc=0
	N=$((N + 1))
	db=tamper$N
	psql_q "CREATE DATABASE $db TEMPLATE shekara" || fail "$name: copy"
	sqlh "$db" "$sql" >/dev/null || fail "$name: tampering SQL"
	"$BIN/centralctl" --db "$CONNINFO dbname=$db" audit verify \
	    --key "$T/pki/feed.pub" >"$T/$db.out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || { cat "$T/$db.out" >&2; fail "$name: verify exit $rc, want 1"; }
	grep -Eq -- "$re" "$T/$db.out" || { cat "$T/$db.out" >&2; fail "$name: output does not name /$re/"; }
	log "ok: $name: $(grep -E -- "$re" "$T/$db.out" | head -n 1)"
}
K=3
tamper "centre event changed" \
    "UPDATE audit_events SET detail = replace(detail, 'N0000002', 'N0000009') WHERE seq = $K" \
    "^centre: seq $K: changed: "
tamper "centre event deleted" \
    "DELETE FROM audit_events WHERE seq = $K" \
    "^centre: seq $K: removed: "
tamper "centre events swapped" \
    "UPDATE audit_events SET seq = 999999 WHERE seq = $K;
     UPDATE audit_events SET seq = $K WHERE seq = $((K + 1));
     UPDATE audit_events SET seq = $((K + 1)) WHERE seq = 999999" \
    "^centre: seq $K: reordered: "
# A forged login at seq K with a correct hash linking to K-1; the later
# events moved up one, the appender's head moved to the new last event.
tamper "forged centre event inserted" \
    "UPDATE audit_events SET seq = seq + 1000000 WHERE seq >= $K;
     UPDATE audit_events SET seq = seq - 999999 WHERE seq > 1000000;
     INSERT INTO audit_events (seq, at, actor, action, subject, detail, prev, hash)
       SELECT $K, p.at, 'mallory', 'login', '', '{}', p.hash,
         pg_temp.h('centre', $K, p.at, 'mallory', 'login', '', '{}', p.hash)
       FROM audit_events p WHERE p.seq = $((K - 1));
     UPDATE audit_head SET seq = $((NC + 1)), hash = (SELECT hash FROM audit_events WHERE seq = $((NC + 1)))" \
    "^centre: seq $K: inserted: "
tamper "post event edited" \
    "UPDATE post_audit SET actor = 'KZ0099' WHERE post = '$P' AND seq = 2" \
    "^post:$P: seq 2: changed: "
tamper "post chain cut short" \
    "DELETE FROM post_audit WHERE post = '$P' AND seq = $NPOST" \
    "^post:$P: seq $NPOST: removed: "
tamper "signed head forged" \
    "UPDATE audit_heads SET seq = seq - 1, hash = (SELECT hash FROM audit_events e
       WHERE e.seq = audit_heads.seq - 1) WHERE chain = 'centre'
       AND id = (SELECT max(id) FROM audit_heads WHERE chain = 'centre')" \
    "^centre: seq $((NC - 1)): head_bad_signature: "
# The centre's whole chain re-hashed from K (an attacker with the database
# but not the key): every link checks, the signed head does not.
tamper "centre chain rewritten" \
    "UPDATE audit_events SET actor = 'mallory' WHERE seq = $K;
     DO \$\$ DECLARE r record; p text; n text; BEGIN
       SELECT hash INTO p FROM audit_events WHERE seq = $((K - 1));
       FOR r IN SELECT * FROM audit_events WHERE seq >= $K ORDER BY seq LOOP
         n := pg_temp.h('centre', r.seq, r.at, r.actor, r.action, r.subject, r.detail, p);
         UPDATE audit_events SET prev = p, hash = n WHERE seq = r.seq;
         p := n;
       END LOOP;
       UPDATE audit_head SET hash = p; END \$\$" \
    "^centre: seq [0-9]+: head_mismatch: "

# The original, untouched, still verifies.
CTL audit verify >"$T/verify.out" || { cat "$T/verify.out" >&2; fail "the original no longer verifies"; }
ok "every tampering named; the original verifies"
