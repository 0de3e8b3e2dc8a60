#!/usr/bin/env bash
# roles.sh - the people's API end to end: a real centrald and PostgreSQL,
# users of each role made with centralctl, and curl. For EVERY route in the
# table (read from `centralctl api routes`, so every module's routes are
# covered as they are added): no credentials -> 401, each role not allowed
# -> 403, an allowed role -> neither. Then expired and revoked tokens, the
# login cookie, a wrong password, throttling, the CSRF rule, disabling a
# user, and the audit trail's record of the logins.
source "$(dirname "$0")/lib.sh"

ok() { log "ok: $*"; }

export PEOPLE_LOGIN_MAX_FAILURES=3
pki ALA01
pg_start
central_config ALA01
CERT_POST=ALA01
"$BIN/centrald" -c "$T/central.yaml" migrate >/dev/null
CTL() { "$BIN/centralctl" -c "$T/central.yaml" --as it-admin "$@"; }

# --- help and usage -----------------------------------------------------
for c in "user" "user add" "user passwd" "user set" "user list" "token" \
    "token create" "token list" "token revoke" "api routes"; do
	# shellcheck disable=SC2086
	"$BIN/centralctl" $c --help | grep -q '^usage: centralctl' ||
	    fail "$c --help"
done
rc=0; CTL user add x --roles admin --password hunter22 >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q 'never an argument' "$T/err" || fail "a password argument is refused (exit $rc)"
rc=0; CTL user add x --roles chief </dev/null >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q 'inspector, auditor, admin' "$T/err" || fail "a bad role is refused (exit $rc)"
rc=0; echo short | CTL user add x --roles admin >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'nothing changed' "$T/err" || fail "a short password is refused (exit $rc)"
[ "$(psql_q "SELECT count(*) FROM users")" = 0 ] || fail "refusals created a user"
ok "usage and refusals"

# --- users of each role -------------------------------------------------
declare -A TOKEN
for u in insp:inspector aud:auditor adm:admin; do
	name=${u%%:*} role=${u#*:}
	echo "$name's password" | CTL user add "$name" --roles "$role" \
	    --display "Test $role" >/dev/null
	TOKEN[$role]=$(CTL token create "$name" --name roles-test --days 1 2>/dev/null)
	[ ${#TOKEN[$role]} = 43 ] || fail "token for $name: '${TOKEN[$role]}'"
done
CTL user list | grep -Eq '^adm +admin +yes +yes' || fail "user list"
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE actor = 'it-admin'
    AND action = 'user_change'")" = 3 ] || fail "user changes audited with --as"
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE action = 'token_create'")" = 3 ] ||
    fail "token creations audited"
ok "users and tokens made with centralctl"

start_centrald
wait_http "https://localhost:$PEOPLE_PORT/api/v1/me" --cacert "$T/pki/ca.crt"

# status METHOD PATH [CURL ARGS...] : the HTTP status only.
status() {
	local m=$1 p=$2
	shift 2
	people_curl "$p" -X "$m" -o "$T/body" -w '%{http_code}' "$@"
}

# --- every route: 401, 403, allowed ---------------------------------------
"$BIN/centralctl" api routes >"$T/routes"
n=0
while IFS=$'\t' read -r method path roles what; do
	[ -n "$method" ] || continue
	# A prefix route: any rest will do.
	p=${path%\*}
	[ "$p" != "$path" ] && p="${p}x"
	if [ "$roles" = public ]; then
		s=$(status "$method" "$p")
		case $s in 401|403) fail "$method $path is public but answered $s" ;; esac
		n=$((n + 1))
		continue
	fi
	s=$(status "$method" "$p")
	[ "$s" = 401 ] || fail "$method $path without credentials: $s, want 401"
	allowed=""
	for role in inspector auditor admin; do
		s=$(status "$method" "$p" -H "Authorization: Bearer ${TOKEN[$role]}")
		if [[ ",$roles," == *",$role,"* ]]; then
			case $s in 401|403|000) fail "$method $path as $role (allowed: $roles): $s" ;; esac
			allowed=$role
		else
			[ "$s" = 403 ] || fail "$method $path as $role (allowed: $roles): $s, want 403"
		fi
	done
	[ -n "$allowed" ] || fail "$method $path: no role may use it ($roles)"
	n=$((n + 1))
done <"$T/routes"
[ "$n" -ge 10 ] || fail "only $n routes listed"
# docs/people.md lists every route (its table is generated: see there).
while IFS=$'\t' read -r method path roles what; do
	grep -qF "| $method | \`$path\` | $roles |" "$ROOT/docs/people.md" ||
	    fail "docs/people.md does not list $method $path ($roles): refresh its route table"
done <"$T/routes"
ok "$n routes: 401 without credentials, 403 for each other role, allowed roles pass"
# A control character in the path would forge request log lines.
s=$(status GET '/api/v1/me%0Apeople%201.2.3.4:1%20adm%20GET%20/x%20200%201%20ms')
[ "$s" = 400 ] || fail "a path with a newline: $s, want 400"
grep -q '^.*people 1\.2\.3\.4:1 adm GET /x 200' "$T/centrald.log" &&
    fail "a forged request log line"

# --- expired and revoked tokens -----------------------------------------
s=$(status GET /api/v1/me -H "Authorization: Bearer ${TOKEN[auditor]}")
[ "$s" = 200 ] || fail "auditor's token: $s"
psql_q "UPDATE credentials SET created_at = now() - interval '2 days',
    expires_at = now() - interval '1 second' WHERE user_name = 'aud'" >/dev/null
s=$(status GET /api/v1/me -H "Authorization: Bearer ${TOKEN[auditor]}")
[ "$s" = 401 ] || fail "expired token: $s, want 401"
id=$(psql_q "SELECT id FROM credentials WHERE user_name = 'insp' AND kind = 'token'")
CTL token revoke "$id" >/dev/null
s=$(status GET /api/v1/me -H "Authorization: Bearer ${TOKEN[inspector]}")
[ "$s" = 401 ] || fail "revoked token: $s, want 401"
CTL token list insp | grep -q ' revoked ' || fail "token list shows the revocation"
ok "expired and revoked tokens refused"

# --- login, cookie, wrong password, CSRF --------------------------------
s=$(status POST /api/v1/login -H 'Content-Type: application/json' \
    -d '{"user":"insp","password":"not the password"}')
[ "$s" = 401 ] || fail "wrong password: $s"
s=$(status POST /api/v1/login -H 'Content-Type: application/json' \
    -d "{\"user\":\"insp\",\"password\":\"insp's password\"}" \
    -c "$T/jar" -D "$T/headers")
[ "$s" = 200 ] || fail "login: $s"
grep -i '^set-cookie: shekara_session=' "$T/headers" | grep -i 'HttpOnly' |
    grep -i 'Secure' | grep -qi 'SameSite=Strict' || fail "cookie attributes: $(cat "$T/headers")"
grep -q '"roles":\["inspector"\]' "$T/body" || fail "login body: $(cat "$T/body")"
s=$(status GET /api/v1/me -b "$T/jar")
[ "$s" = 200 ] && grep -q '"via":"session"' "$T/body" || fail "the cookie works: $s"
s=$(status POST /api/v1/tokens -b "$T/jar" -H 'Content-Type: text/plain' \
    -d '{"name":"csrf","days":1}')
[ "$s" = 403 ] || fail "a cookie request without JSON content type: $s, want 403"
s=$(status POST /api/v1/tokens -b "$T/jar" -d '{"name":"csrf","days":1}')
[ "$s" = 403 ] || fail "a form-encoded cookie request: $s, want 403"
[ "$(psql_q "SELECT count(*) FROM credentials WHERE name = 'csrf'")" = 0 ] ||
    fail "a refused CSRF request created a token"
s=$(status POST /api/v1/tokens -b "$T/jar" -H 'Content-Type: application/json' \
    -d '{"name":"mine","days":2}')
[ "$s" = 201 ] || fail "token by cookie with JSON: $s"
s=$(status POST /api/v1/logout -b "$T/jar" -H 'Content-Type: application/json' -d '{}')
[ "$s" = 200 ] || fail "logout: $s"
s=$(status GET /api/v1/me -b "$T/jar")
[ "$s" = 401 ] || fail "the cookie after logout: $s"
ok "login cookie, wrong password, CSRF rule, logout"

# --- throttling -----------------------------------------------------------
echo "thr's password" | CTL user add thr --roles auditor >/dev/null
for i in 1 2 3; do
	s=$(status POST /api/v1/login -H 'Content-Type: application/json' \
	    -d '{"user":"thr","password":"guess number '$i'"}')
	[ "$s" = 401 ] || fail "failure $i: $s"
done
s=$(status POST /api/v1/login -H 'Content-Type: application/json' \
    -d "{\"user\":\"thr\",\"password\":\"thr's password\"}" -D "$T/headers")
[ "$s" = 429 ] || fail "after 3 failures: $s, want 429"
grep -qi '^retry-after: 900' "$T/headers" || fail "Retry-After on 429"
s=$(status POST /api/v1/login -H 'Content-Type: application/json' \
    -d "{\"user\":\"adm\",\"password\":\"adm's password\"}")
[ "$s" = 200 ] || fail "another user is not throttled: $s"
psql_q "UPDATE login_failures SET at = at - interval '15 minutes'" >/dev/null
s=$(status POST /api/v1/login -H 'Content-Type: application/json' \
    -d "{\"user\":\"thr\",\"password\":\"thr's password\"}")
[ "$s" = 200 ] || fail "after the window: $s"
ok "throttling: 429 after 3 failures, for that user only, until the window passes"

# --- disable, enable, new password ----------------------------------------
TOK=$(CTL token create adm --name second --days 1 2>/dev/null)
rc=0; CTL user set adm --disable >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'last active administrator' "$T/err" || fail "the last admin is kept"
echo "boss's password" | CTL user add boss --roles admin,auditor >/dev/null
CTL user set adm --disable >/dev/null
s=$(status GET /api/v1/me -H "Authorization: Bearer $TOK")
[ "$s" = 401 ] || fail "a disabled user's token: $s"
CTL user set adm --enable >/dev/null
s=$(status GET /api/v1/me -H "Authorization: Bearer $TOK")
[ "$s" = 200 ] || fail "enabled again: $s"
echo "adm's new password" | CTL user passwd adm >/dev/null
s=$(status POST /api/v1/login -H 'Content-Type: application/json' \
    -d "{\"user\":\"adm\",\"password\":\"adm's new password\"}")
[ "$s" = 200 ] || fail "the new password: $s"
ok "disable, enable, new password"

# --- administrators over the API --------------------------------------------
s=$(status POST /api/v1/users -H "Authorization: Bearer $TOK" \
    -H 'Content-Type: application/json' \
    -d '{"name":"newbie","roles":["inspector"],"password":"newbie password"}')
[ "$s" = 201 ] || fail "create a user over the API: $s $(cat "$T/body")"
s=$(status PUT /api/v1/users/newbie -H "Authorization: Bearer $TOK" \
    -H 'Content-Type: application/json' -d '{"roles":["inspector","auditor"]}')
[ "$s" = 200 ] && grep -q '"roles":\["inspector","auditor"\]' "$T/body" ||
    fail "change roles over the API: $s"
ok "users over the API"

# --- the audit trail ---------------------------------------------------------
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE action = 'login'
    AND actor = 'insp' AND subject = 'insp'")" -ge 1 ] || fail "login of insp audited"
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE action = 'login_failed'
    AND subject = 'thr'")" -ge 4 ] || fail "failed logins of thr audited"
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE action = 'logout'
    AND subject = 'insp'")" = 1 ] || fail "logout audited"
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE action = 'token_revoke'
    AND actor = 'it-admin'")" = 1 ] || fail "token revocation audited"
[ "$(psql_q "SELECT count(*) FROM audit_events WHERE action = 'user_change'
    AND subject = 'newbie' AND actor = 'adm'")" = 2 ] || fail "API user changes audited"
# No secret in the log or the audit trail.
for s in "${TOKEN[@]}" "$TOK"; do
	grep -qF -- "$s" "$T/centrald.log" && fail "a token in the log"
	[ "$(psql_q "SELECT count(*) FROM audit_events WHERE detail::text LIKE '%$s%'")" = 0 ] ||
	    fail "a token in the audit trail"
done
grep -qF "s password" "$T/centrald.log" && fail "a password in the log"
grep -Eq 'people .* insp (GET|POST) /api/v1/[a-z]+ [0-9]{3} [0-9]+ ms' "$T/centrald.log" ||
    fail "request log lines"
ok "audit trail: logins by name, failures, logout, revocation, user changes"
log "roles.sh: all passed"
