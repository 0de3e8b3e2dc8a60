#!/usr/bin/env bash
# admin.sh - centralctl's administration commands end to end against a
# throwaway PostgreSQL: put, list and remove of every kind, officers and
# their PINs, the stay policy, CSV imports (one bad row applies nothing and
# names its line and field; 1,000 rows import; a listing imports back
# unchanged), the actor recorded in changes, and a post enrolled and
# revoked with centralctl while a real centrald serves.
source "$(dirname "$0")/lib.sh"

ok() { log "ok: $*"; }

# expect_out NAME REGEX CMD... : status 0 and stdout matching REGEX.
expect_out() {
	local name=$1 re=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "$name: exit $rc"; }
	grep -Eq -- "$re" "$T/out" || { cat "$T/out" >&2; fail "$name: stdout does not match /$re/"; }
	ok "$name"
}
# expect_err NAME STATUS REGEX CMD... : that status, stderr matching REGEX.
expect_err() {
	local name=$1 want=$2 re=$3 rc=0
	shift 3
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$want" ] || { cat "$T/err" >&2; fail "$name: exit $rc, want $want"; }
	grep -Eq -- "$re" "$T/err" || { cat "$T/err" >&2; fail "$name: stderr does not match /$re/"; }
	ok "$name"
}

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
CTL() { "$BIN/centralctl" -c "$T/central.yaml" --as it-admin "$@"; }

# --- help and usage ---------------------------------------------------
for g in "alert" "alert document" "alert person" "permit" "registration" \
    "officer" "policy" "post"; do
	# shellcheck disable=SC2086
	expect_out "$g --help" 'usage: centralctl' "$BIN/centralctl" $g --help
done
for c in "alert document put" "alert person import" "permit list" \
    "registration remove" "officer put" "officer disable" "policy load" \
    "policy show" "post enrol" "post revoke" "post list"; do
	# shellcheck disable=SC2086
	expect_out "$c --help" 'usage: centralctl' "$BIN/centralctl" $c --help
done
expect_out "put --help lists the fields" '--valid-until' \
    "$BIN/centralctl" permit put --help
expect_err "unknown kind" 2 'not document or person' CTL alert passport list
expect_err "unknown option" 2 'unknown option --colour' \
    CTL alert document put da-1 --colour red
expect_err "missing option" 2 '--since is required' \
    CTL alert document put da-1 --state KAZ --number N1 --reason lost
expect_err "bad date in an option" 2 '--since: 2026-02-30 is not a date' \
    CTL alert document put da-1 --state KAZ --number N1 --reason lost \
    --since 2026-02-30
expect_err "bad reason" 2 '--reason: "gone" is not lost' \
    CTL alert document put da-1 --state KAZ --number N1 --reason gone \
    --since 2026-01-01
expect_err "lowercase number" 2 'is not a document number' \
    CTL alert document put da-1 --state KAZ --number n1 --reason lost \
    --since 2026-01-01
expect_err "no PIN on the command line" 2 'never an argument' \
    CTL officer put KZ0042 --name "A. Officer" --pin 1234
[ "$(psql_q "SELECT count(*) FROM changes")" = 0 ] ||
	fail "a refused command changed something"

# --- document alerts ------------------------------------------------------
expect_out "document alert put" '^document_alert da-1: stored$' \
    CTL alert document put da-1 --state KAZ --number N1234567 \
    --reason stolen --since 2026-01-02
expect_out "the same again is unchanged" '^document_alert da-1: unchanged$' \
    CTL alert document put da-1 --issuing-state KAZ --number N1234567 \
    --reason stolen --since 2026-01-02
expect_out "document alert list (csv)" \
    '^da-1,KAZ,N1234567,stolen,2026-01-02,[^,]+,it-admin$' \
    CTL alert document list --format csv
head -1 "$T/out" | grep -q '^id,issuing_state,number,reason,since,changed_at,changed_by$' ||
	fail "document alert list: header $(head -1 "$T/out")"
[ "$(psql_q "SELECT count(*) FROM feed_log WHERE kind = 'document_alert'
    AND id = 'da-1' AND op = 'upsert'")" = 1 ] ||
	fail "one feed entry for da-1 (the unchanged put adds none)"
expect_out "document alert list --number" '^da-1,' \
    CTL alert document list --format csv --number N1234567
expect_out "document alert list (json)" '"id":"da-1"' \
    CTL alert document list --format json
expect_out "document alert remove" '^document_alert da-1: removed$' \
    CTL alert document remove da-1
[ "$(psql_q "SELECT op FROM feed_log WHERE kind = 'document_alert' AND
    id = 'da-1' ORDER BY pos DESC LIMIT 1")" = delete ] ||
	fail "the remove is a feed delete"
expect_err "remove what is not there" 1 'there is no document_alert "da-1"' \
    CTL alert document remove da-1

# --- person alerts --------------------------------------------------------
expect_out "person alert put (Cyrillic)" '^person_alert pa-1: stored$' \
    CTL alert person put pa-1 --kind entry_ban --surname 'Иванов' \
    --given-names 'Иван' --birth-date 1980-05 --nationality RUS \
    --until 2030-01-01 --severity 4 --source 'court 12/2026'
expect_out "person alert list" '^pa-1,entry_ban,Иванов,Иван,1980-05,RUS,2030-01-01,4,court 12/2026,' \
    CTL alert person list --format csv
expect_err "severity out of range" 2 '--severity: "9" is not a whole number from 1 to 5' \
    CTL alert person put pa-2 --kind wanted --surname X --birth-date 1980 \
    --severity 9 --source s
expect_out "person alert remove" 'removed' CTL alert person remove pa-1

# --- permits ----------------------------------------------------------------
expect_out "permit put" '^permit wp-1: stored$' \
    CTL permit put wp-1 --kind work_permit --state UZB --number AB1234567 \
    --nationality UZB --surname KARIMOV --birth-date 1990-04-05 \
    --valid-from 2026-01-01 --valid-until 2026-12-31 \
    --employer 'Astana Build LLP'
expect_out "permit list" '^wp-1,work_permit,UZB,AB1234567,UZB,KARIMOV,,1990-04-05,2026-01-01,2026-12-31,,0,,Astana Build LLP,,' \
    CTL permit list --format csv
expect_err "permit ending before it starts" 2 '--valid-until: 2025-12-31 is before valid_from 2026-01-01' \
    CTL permit put wp-2 --kind visa --state UZB --number AB1 \
    --nationality UZB --surname K --birth-date 1990-04-05 \
    --valid-from 2026-01-01 --valid-until 2025-12-31
expect_out "permit remove" removed CTL permit remove wp-1

# --- registrations ----------------------------------------------------------
expect_out "registration put" '^registration rg-1: stored$' \
    CTL registration put rg-1 --state UZB --number AB1234567 \
    --region Almaty --address '12 Abay Ave, flat 4' --host 'A. Seitkali' \
    --valid-from 2026-01-01 --valid-until 2026-03-31
expect_out "registration list (quoted comma)" '^rg-1,UZB,AB1234567,Almaty,"12 Abay Ave, flat 4",A. Seitkali,2026-01-01,2026-03-31,' \
    CTL registration list --format csv
expect_out "registration remove" removed CTL registration remove rg-1

# --- officers ---------------------------------------------------------------
printf '4711\n' >"$T/pin"
expect_out "officer put (PIN file)" '^officer KZ0042: stored' \
    CTL officer put KZ0042 --name 'Askar Abenov' --pin-file "$T/pin"
expect_out "officer put (PIN on stdin)" '^officer KZ0043: stored' \
    sh -c "printf '9876\n' | \"$BIN/centralctl\" -c \"$T/central.yaml\" --as it-admin officer put KZ0043 --name 'Dana N.'"
expect_err "a short PIN" 1 'the PIN must be 4..32' \
    sh -c "printf '12\n' | \"$BIN/centralctl\" -c \"$T/central.yaml\" officer put KZ0044 --name 'X'"
expect_out "officer disable" '^officer KZ0042: disabled$' CTL officer disable KZ0042
expect_out "officer list" '^KZ0042,Askar Abenov,false,' CTL officer list --format csv
if grep -q 'scrypt' "$T/out"; then fail "officer list shows a PIN hash"; fi
psql_q "SELECT pin_hash FROM officers WHERE id = 'KZ0042'" | grep -q '^\$scrypt\$' ||
	fail "the PIN is stored as an scrypt hash"
if psql_q "SELECT detail::text FROM changes WHERE kind = 'officer'" | grep -q scrypt; then
	fail "a change row holds a PIN hash"
fi
expect_err "disable an unknown officer" 1 'there is no officer "NOBODY"' \
    CTL officer disable NOBODY

# --- the stay policy --------------------------------------------------------
expect_out "policy load" 'loaded, in force' CTL policy load "$ROOT/config/policy.yaml"
expect_out "policy load again" 'unchanged' CTL policy load "$ROOT/config/policy.yaml"
CTL policy show >"$T/shown"
cmp -s "$T/shown" "$ROOT/config/policy.yaml" || fail "policy show differs from the file"
ok "policy show gives the text back"
printf 'version: "x"\nnot a policy: [\n' >"$T/badpolicy.yaml"
expect_err "a policy that does not load" 1 'badpolicy.yaml' \
    CTL policy load "$T/badpolicy.yaml"

# --- CSV: one bad row applies nothing ---------------------------------------
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
expect_err "CSV with one bad row" 1 "^$T/bad.csv: line 12, field \"since\": 2026-02-30 is not a date$" \
    CTL alert document import "$T/bad.csv"
grep -q 'nothing imported' "$T/err" || fail "the import does not say nothing was imported"
[ "$(snapshot)" = "$before" ] || fail "a refused import changed the tables or the feed"
ok "tables, changes and feed_log unchanged"

printf 'id,issuing_state,number,reason,since\nq-1,KAZ,"N1,lost,2026-01-01\n' >"$T/quote.csv"
expect_err "CSV with an unterminated quote" 1 'quote.csv: line 2, field "number": unterminated quote' \
    CTL alert document import "$T/quote.csv"
printf 'id,issuing_state,number,reason,when\n' >"$T/cols.csv"
expect_err "CSV with an unknown column" 1 'cols.csv: line 1: unknown column "when"' \
    CTL alert document import "$T/cols.csv"
printf 'id,issuing_state,number,reason,since\nd-1,KAZ,N1,lost,2026-01-01\nd-1,KAZ,N2,lost,2026-01-01\n' >"$T/dup.csv"
expect_err "CSV with an id twice" 1 'dup.csv: line 3, field "id": d-1 is also on line 2' \
    CTL alert document import "$T/dup.csv"
[ "$(snapshot)" = "$before" ] || fail "a refused import changed something"

# --- CSV: 1,000 rows ------------------------------------------------------------
{
	echo "id,kind,issuing_state,number,nationality,surname,given_names,birth_date,valid_from,valid_until,entries,stay_days"
	for i in $(seq 1 1000); do
		echo "v-$i,visa,UZB,V$i,UZB,\"KARIMOV, $i\",ANVAR,1990-01-01,2026-01-01,2026-06-30,2,30"
	done
} >"$T/visas.csv"
feed0=$(psql_q "SELECT count(*) FROM feed_log")
expect_out "1,000 rows import" '^imported 1000 \(0 unchanged\)$' \
    CTL permit import "$T/visas.csv"
[ "$(psql_q "SELECT count(*) FROM permits WHERE id LIKE 'v-%'")" = 1000 ] ||
	fail "not 1000 permits"
[ "$(psql_q "SELECT count(*) FROM feed_log")" = $((feed0 + 1000)) ] ||
	fail "not 1000 feed entries"
[ "$(psql_q "SELECT surname FROM permits WHERE id = 'v-7'")" = "KARIMOV, 7" ] ||
	fail "a quoted field was not read back"
expect_out "the same file again" '^imported 1000 \(1000 unchanged\)$' \
    CTL permit import "$T/visas.csv"
[ "$(psql_q "SELECT count(*) FROM feed_log")" = $((feed0 + 1000)) ] ||
	fail "an unchanged import wrote feed entries"
CTL permit list --format csv >"$T/listed.csv"
expect_out "a listing imports back unchanged" '^imported 1000 \(1000 unchanged\)$' \
    CTL permit import "$T/listed.csv"

# --- who changed what -----------------------------------------------------------
"$BIN/centralctl" -c "$T/central.yaml" --as 'Dana Seitkali' alert document put \
    da-9 --state KAZ --number N9 --reason lost --since 2026-01-01 >/dev/null
[ "$(psql_q "SELECT actor FROM changes WHERE kind = 'document_alert' AND
    record = 'da-9'")" = "Dana Seitkali" ] || fail "--as is not the actor"
[ "$(psql_q "SELECT count(*) FROM changes WHERE kind = 'permit' AND
    actor = 'it-admin'")" -ge 1000 ] || fail "the import's changes lack the actor"
ok "--as recorded in changes"

# --- posts: enrol and revoke while centrald runs -------------------------------
start_centrald
body='{"version":1,"post":"NEW03","crossings":[{"seq":1,"recorded_at":"2026-11-27T01:02:03.123Z","direction":"entry","lane":1,"officer":"KZ0042","outcome":"admit","document":{"type":"P","issuing_state":"KAZ","number":"N1","nationality":"KAZ","surname":"ABENOV","given_names":"ASKAR","birth_date":"1990-01-31","sex":"M","expiry_date":"2030-01-30"}}]}'
push_new03() {
	CERT_POST=NEW03 centre_curl /v1/posts/NEW03/crossings -o /dev/null \
	    -w '%{http_code}' -H 'Content-Type: application/json' --data "$body"
}
[ "$(push_new03)" = 403 ] || fail "an unenrolled post was accepted"
expect_out "post enrol" '^post NEW03: enrolled \(CN post-NEW03, SHA-256 [0-9a-f]{64}\)$' \
    CTL post enrol NEW03 --cert "$T/pki/post-NEW03.crt" --name 'New post'
"$ROOT/scripts/pki.sh" rogue "$T/pki" NEW03 >/dev/null
expect_err "a certificate of another CA" 1 'not a client certificate of the posts. CA' \
    CTL post enrol NEW03 --cert "$T/pki/rogue-NEW03.crt"
expect_out "post list" '^NEW03,New post,post-NEW03,[0-9a-f]{64},active,' \
    CTL post list --format csv
for i in $(seq 1 40); do
	[ "$(push_new03)" = 200 ] && break
	sleep 0.25
done
[ "$(push_new03)" = 200 ] || fail "the enrolled post is refused"
ok "centrald accepts the enrolled post without a restart"
expect_out "post revoke" '^post NEW03: revoked$' CTL post revoke NEW03
for i in $(seq 1 40); do
	[ "$(push_new03)" = 403 ] && break
	sleep 0.25
done
[ "$(push_new03)" = 403 ] || fail "the revoked post is still accepted"
ok "centrald refuses the revoked post within seconds"
expect_err "revoke an unknown post" 1 'post ZZ99 is not enrolled' CTL post revoke ZZ99
log "admin.sh: all passed"
