# lib.sh - shared set-up for integration tests: a temporary directory, a
# throwaway PostgreSQL, a development PKI, configuration files, and helpers to
# start, kill and wait for the real daemons. Sourced, not run.
#
# Needs BIN (the directory with checkpointd, centrald, ... and lanegen).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${BIN:=$ROOT/build/bin}"
T=$(mktemp -d /tmp/shekara-it.XXXXXX)
chmod 755 "$T"			# the PostgreSQL user must traverse it
PIDS=()
PG_DIR=$T/pg
BASE_PORT=$((20000 + (RANDOM % 2000) * 10))
CENTRE_PORT=$BASE_PORT
PG_PORT=$((BASE_PORT + 1))
PEOPLE_PORT=$((BASE_PORT + 9))	# the people's API (central_config's people:)
declare -A LANE_PORT

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

cleanup() {
	local rc=$?
	set +e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	"$ROOT/scripts/pg.sh" stop "$PG_DIR" >/dev/null 2>&1
	if [ $rc -ne 0 ]; then
		log "logs kept in $T (last lines follow)"
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $f" >&2; tail -n 15 "$f" >&2
		done
	else
		rm -rf "$T"
	fi
	exit $rc
}
trap cleanup EXIT

# pki POST... : a CA, the centre's certificate and one per post.
pki() {
	"$ROOT/scripts/pki.sh" init "$T/pki" >/dev/null
	local p
	for p in "$@"; do "$ROOT/scripts/pki.sh" post "$T/pki" "$p" >/dev/null; done
}

pg_start() {
	CONNINFO=$("$ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT")
	export CONNINFO
}
pg_stop() { "$ROOT/scripts/pg.sh" stop "$PG_DIR"; }
psql_q() { psql "$CONNINFO" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# central_config POST... : writes $T/central.yaml accepting those posts.
central_config() {
	{
		cat <<YAML
listen:
  address: 127.0.0.1:$CENTRE_PORT
  max_body_bytes: 1048576
  max_batch: 1000
tls:
  cert_file: $T/pki/centre.crt
  key_file: $T/pki/centre.key
  client_ca_file: $T/pki/ca.crt
database:
  conninfo: "$CONNINFO"
log:
  level: info
people:
  listen: 127.0.0.1:$PEOPLE_PORT
  session_ttl_s: ${PEOPLE_SESSION_TTL_S:-28800}
  login_max_failures: ${PEOPLE_LOGIN_MAX_FAILURES:-5}
posts:
YAML
		local p
		for p in "$@"; do
			printf '  - code: %s\n    cert_cn: post-%s\n' "$p" "$p"
		done
	} >"$T/central.yaml"
}

# post_config CODE INDEX : writes $T/CODE.yaml; lane port BASE+2+INDEX.
post_config() {
	local code=$1 port=$((BASE_PORT + 2 + $2))
	LANE_PORT[$code]=$port
	cat >"$T/$code.yaml" <<YAML
post:
  code: $code
  name: "Test post $code"
lane_api:
  listen: 127.0.0.1:$port
  max_body_bytes: 65536
store:
  path: $T/$code.db
centre:
  url: https://localhost:$CENTRE_PORT
  ca_file: $T/pki/ca.crt
  cert_file: $T/pki/post-$code.crt
  key_file: $T/pki/post-$code.key
  batch_max: 200
  push_interval_ms: 200
  backoff_min_ms: 100
  backoff_max_ms: 1000
  timeout_ms: 5000
log:
  level: info
YAML
}

# wait_http URL [CURL ARGS...] : until something answers (any status).
wait_http() {
	local url=$1 i
	shift
	for i in $(seq 1 100); do
		curl -s -o /dev/null "$@" "$url" && return 0
		sleep 0.1
	done
	fail "nothing answers at $url"
}

# people_curl PATH [CURL ARGS...] : the people's API (server certificate
# only); add -H "Authorization: Bearer $TOKEN" or -b/-c cookie files.
people_curl() {
	local path=$1
	shift
	curl -s --cacert "$T/pki/ca.crt" "https://localhost:$PEOPLE_PORT$path" "$@"
}

centre_curl() { # path [args...] with post cert $CERT_POST (default first)
	local path=$1
	shift
	curl -s --cacert "$T/pki/ca.crt" --cert "$T/pki/post-$CERT_POST.crt" \
	    --key "$T/pki/post-$CERT_POST.key" "https://localhost:$CENTRE_PORT$path" "$@"
}

start_centrald() {
	"$BIN/centrald" -c "$T/central.yaml" >>"$T/centrald.log" 2>&1 &
	CENTRALD_PID=$!
	PIDS+=("$CENTRALD_PID")
	wait_http "https://localhost:$CENTRE_PORT/healthz" --cacert "$T/pki/ca.crt" \
	    --cert "$T/pki/post-$CERT_POST.crt" --key "$T/pki/post-$CERT_POST.key"
}

declare -A POST_PID
start_post() {
	local code=$1
	"$BIN/checkpointd" -c "$T/$code.yaml" >>"$T/post-$code.log" 2>&1 &
	POST_PID[$code]=$!
	PIDS+=("$!")
	wait_http "http://127.0.0.1:${LANE_PORT[$code]}/v1/status"
}

# unsent CODE : the post's unsent count from checkpointctl status --json.
unsent() {
	"$BIN/checkpointctl" -u "http://127.0.0.1:${LANE_PORT[$1]}" status --json |
	    sed -n 's/.*"unsent":\([0-9]*\).*/\1/p'
}
last_seq() {
	"$BIN/checkpointctl" -u "http://127.0.0.1:${LANE_PORT[$1]}" status --json |
	    sed -n 's/.*"last_seq":\([0-9]*\).*/\1/p'
}

# wait_drained CODE SECONDS : until the post has nothing unsent.
wait_drained() {
	local code=$1 n i
	for i in $(seq 1 $(($2 * 10))); do
		n=$(unsent "$code" || true)
		[ "$n" = 0 ] && return 0
		sleep 0.1
	done
	fail "post $code still has ${n:-?} unsent crossings after $2 s"
}

# lines FILE : number of lines (0 if missing).
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

# wait_lines FILE N PID : until FILE has N lines, while PID runs.
wait_lines() {
	local i
	for i in $(seq 1 1200); do
		[ "$(lines "$1")" -ge "$2" ] && return 0
		kill -0 "$3" 2>/dev/null || fail "traffic ended before $2 crossings in $1"
		sleep 0.05
	done
	fail "$1 did not reach $2 lines"
}
