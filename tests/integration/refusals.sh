#!/usr/bin/env bash
# refusals.sh - the centre and the lane API refuse what they must, with a
# clear answer, and leave the database unchanged.
source "$(dirname "$0")/lib.sh"

A=ALA01
B=NUR02
CERT_POST=$A
pki $A $B
"$ROOT/scripts/pki.sh" rogue "$T/pki" $A >/dev/null
pg_start
central_config $A $B
post_config $A 0
"$BIN/centrald" -c "$T/central.yaml" migrate >>"$T/centrald.log" 2>&1 ||
	fail "centrald migrate"
"$BIN/centrald" -c "$T/central.yaml" migrate 2>&1 | grep -qi 'current' ||
	fail "a second migrate does not say the schema is current"
start_centrald

batch() { # post seq [version]
	printf '{"version":%s,"post":"%s","crossings":[{"seq":%s,"recorded_at":"2026-11-27T01:02:03.123Z","direction":"entry","lane":3,"officer":"KZ0042","outcome":"admit","document":{"type":"P","issuing_state":"KAZ","number":"N%s","nationality":"KAZ","surname":"ABENOV","given_names":"ASKAR","birth_date":"1990-01-31","sex":"M","expiry_date":"2030-01-30"}}]}' \
	    "${3:-1}" "$1" "$2" "$2"
}
count() { psql_q "select count(*) from crossings"; }

# expect NAME STATUS BODY_REGEX CURL_ARGS...
expect() {
	local name=$1 want=$2 re=$3 before after got
	shift 3
	before=$(count)
	got=$(curl -s -o "$T/body" -w '%{http_code}' "$@" || true)
	after=$(count)
	[ "$got" = "$want" ] || { cat "$T/body" >&2; fail "$name: HTTP $got, expected $want"; }
	grep -Eq "$re" "$T/body" || { cat "$T/body" >&2; echo >&2; fail "$name: body does not match /$re/"; }
	[ "$before" = "$after" ] || fail "$name: crossings changed from $before to $after"
	log "ok: $name -> $got"
}
URL=https://localhost:$CENTRE_PORT
TLS=(--cacert "$T/pki/ca.crt")
ACERT=(--cert "$T/pki/post-$A.crt" --key "$T/pki/post-$A.key")
JSON=(-H 'Content-Type: application/json')

# A good batch is stored, twice is still once.
for i in 1 2; do
	batch $A 1 >"$T/good.json"
	got=$(curl -s -o "$T/body" -w '%{http_code}' "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" \
	    --data-binary @"$T/good.json" "$URL/v1/posts/$A/crossings")
	[ "$got" = 200 ] || { cat "$T/body"; fail "good batch: HTTP $got"; }
	grep -q '"durable":\[1\]' "$T/body" || fail "good batch: ack does not list seq 1"
done
[ "$(count)" = 1 ] || fail "a batch sent twice is stored $(count) times"
log "ok: a batch sent twice is stored once and acknowledged both times"

# The same (post, seq) with different content is not acknowledged.
batch $A 1 | sed 's/ABENOV/OTHER/' >"$T/conflict.json"
got=$(curl -s -o "$T/body" -w '%{http_code}' "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" \
    --data-binary @"$T/conflict.json" "$URL/v1/posts/$A/crossings")
[ "$got" = 409 ] || { cat "$T/body"; fail "conflicting seq: HTTP $got, expected 409"; }
[ "$(psql_q "select surname from crossings where post='$A' and seq=1")" = ABENOV ] ||
	fail "conflicting seq overwrote the stored crossing"
log "ok: a different crossing under a stored (post, seq) -> 409, stored row kept"

# TLS refusals: no certificate, a certificate from another CA.
batch $A 2 >"$T/b2.json"
before=$(count)
if curl -s -o /dev/null "${TLS[@]}" "${JSON[@]}" --data-binary @"$T/b2.json" \
    "$URL/v1/posts/$A/crossings"; then
	fail "a request without a client certificate was answered"
fi
if curl -s -o /dev/null "${TLS[@]}" --cert "$T/pki/rogue-$A.crt" \
    --key "$T/pki/rogue-$A.key" "${JSON[@]}" --data-binary @"$T/b2.json" \
    "$URL/v1/posts/$A/crossings"; then
	fail "a certificate from another CA was accepted"
fi
[ "$(count)" = "$before" ] || fail "a refused TLS client changed the database"
log "ok: no client certificate and another CA's certificate are refused at TLS"

# Post A's certificate on post B's path.
batch $B 1 >"$T/b-as-a.json"
expect "post A's certificate on post B's path" 403 'error' \
    "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" --data-binary @"$T/b-as-a.json" \
    "$URL/v1/posts/$B/crossings"
# Post A's path with a batch that says post B.
expect "batch naming another post" 400 'post' \
    "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" --data-binary @"$T/b-as-a.json" \
    "$URL/v1/posts/$A/crossings"
printf '{"version":1,"post":"ALA01","crossings":[' >"$T/trunc.json"
expect "malformed JSON" 400 '"message"' \
    "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" --data-binary @"$T/trunc.json" \
    "$URL/v1/posts/$A/crossings"
batch $A 3 | sed 's/"sex":"M"/"sex":"Q"/' >"$T/badsex.json"
expect "invalid field" 400 'crossings\[0\]\.document\.sex' \
    "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" --data-binary @"$T/badsex.json" \
    "$URL/v1/posts/$A/crossings"
batch $A 4 | sed 's/"lane":3/"lane":0/' >"$T/badlane.json"
expect "lane out of range" 400 'crossings\[0\]\.lane' \
    "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" --data-binary @"$T/badlane.json" \
    "$URL/v1/posts/$A/crossings"
batch $A 5 99 >"$T/v99.json"
# A lane's request_id stays at the post: a batch carrying one is refused.
batch $A 6 | sed 's/"seq":6,/"seq":6,"request_id":"ALA01-1-000001",/' >"$T/reqid.json"
expect "request_id in a batch" 400 'crossings\[0\].*unknown key \\"request_id\\"' \
    "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" --data-binary @"$T/reqid.json" \
    "$URL/v1/posts/$A/crossings"
expect "unknown protocol version" 400 'version' \
    "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" --data-binary @"$T/v99.json" \
    "$URL/v1/posts/$A/crossings"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big.json"
expect "body over the limit" 413 'error' \
    "${TLS[@]}" "${ACERT[@]}" "${JSON[@]}" --data-binary @"$T/big.json" \
    "$URL/v1/posts/$A/crossings"
expect "unknown path" 404 'error' "${TLS[@]}" "${ACERT[@]}" "$URL/v1/nothing"
expect "wrong method" 405 'error' "${TLS[@]}" "${ACERT[@]}" "$URL/v1/posts/$A/crossings"

# A revoked certificate is refused once the centre loads the CRL.
"$ROOT/scripts/pki.sh" revoke "$T/pki" $B >/dev/null
kill "$CENTRALD_PID"; wait "$CENTRALD_PID" 2>/dev/null || true
sed -i "s#^tls:#tls:\n  crl_file: $T/pki/ca.crl#" "$T/central.yaml"
start_centrald
if curl -s -o /dev/null "${TLS[@]}" --cert "$T/pki/post-$B.crt" \
    --key "$T/pki/post-$B.key" "${JSON[@]}" --data-binary @"$T/b-as-a.json" \
    "$URL/v1/posts/$B/crossings"; then
	fail "a revoked certificate was accepted"
fi
got=$(centre_curl /healthz -o /dev/null -w '%{http_code}')
[ "$got" = 200 ] || fail "a valid certificate is refused once a CRL is loaded ($got)"
log "ok: a revoked certificate is refused, others still served"

# The lane API refuses bad bodies, and records nothing for them.
start_post $A
LANE=http://127.0.0.1:${LANE_PORT[$A]}
lane_expect() { # name status regex body
	local got
	got=$(curl -s -o "$T/body" -w '%{http_code}' "${JSON[@]}" --data-binary "$4" \
	    "$LANE/v1/crossings")
	[ "$got" = "$2" ] || { cat "$T/body" >&2; fail "lane: $1: HTTP $got, expected $2"; }
	grep -Eq "$3" "$T/body" || { cat "$T/body" >&2; fail "lane: $1: body does not match /$3/"; }
	log "ok: lane: $1 -> $got"
}
good='{"direction":"exit","lane":2,"officer":"KZ0042","document":{"type":"P","issuing_state":"KAZ","number":"N7","nationality":"KAZ","surname":"ABENOV","given_names":"","birth_date":"1990-01-31","sex":"F","expiry_date":"2030-01-30"}}'
lane_expect "malformed JSON" 400 '"message"' '{"direction":'
lane_expect "bad direction" 400 '"field":"direction"' "${good/exit/sideways}"
lane_expect "impossible birth date" 400 'document\.birth_date' "${good/1990-01-31/1990-02-30}"
lane_expect "unknown key" 400 'unknown' "${good/\"lane\"/\"lame\":1,\"lane\"}"
lane_expect "seq set by the lane" 400 'seq' "${good/\{\"direction\"/\{\"seq\":5,\"direction\"}"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/lanebig.json"
lane_expect "body over the limit" 413 'error' @"$T/lanebig.json"
[ "$(last_seq $A)" = 0 ] || fail "lane: refused requests took sequence numbers"
lane_expect "a good crossing" 201 '"seq":1' "$good"

# The lane's idempotency key: a retry gets the first receipt, once.
keyed=${good/\{\"direction\"/\{\"request_id\":\"L02-20261127-000001\",\"direction\"}
lane_expect "a crossing with a request_id" 201 '"seq":2,' "$keyed"
cp "$T/body" "$T/receipt"
lane_expect "the same crossing and request_id again" 200 '"seq":2,' "$keyed"
cmp -s "$T/receipt" "$T/body" || fail "lane: the replay's receipt differs from the first"
lane_expect "another crossing under a used request_id" 409 \
    '"status":409,"field":"request_id"' "${keyed/ABENOV/OTHER}"
lane_expect "the same crossing, other outcome, used request_id" 409 \
    '"field":"request_id"' "${keyed/\"officer\"/\"outcome\":\"refuse\",\"officer\"}"
lane_expect "a request_id too short" 400 '"field":"request_id"' \
    "${keyed/L02-20261127-000001/L02-1}"
lane_expect "a request_id with a space" 400 '"field":"request_id"' \
    "${keyed/L02-20261127-000001/L02 20261127}"
[ "$(last_seq $A)" = 2 ] || fail "lane: a replay or a refused key took a sequence number"
grep -q 'replayed seq 2$' "$T/post-$A.log" || fail "lane: the replay is not logged"
# The key outlives the process: kill -9, restart, retry.
kill -9 "${POST_PID[$A]}"
wait "${POST_PID[$A]}" 2>/dev/null || true
start_post $A
lane_expect "the same request_id after kill -9 and restart" 200 '"seq":2,' "$keyed"
cmp -s "$T/receipt" "$T/body" || fail "lane: the receipt after a restart differs from the first"
lane_expect "a new request_id" 201 '"seq":3,' "${keyed/000001/000002}"
[ "$(last_seq $A)" = 3 ] || fail "lane: last_seq is not 3"
log "PASS"
