/* test_auth.c - people, sessions and tokens (central/auth.c) on a real
 * PostgreSQL, and the people's API listener (central/api.c) over real TLS
 * (libcurl, scripts/pki.sh): passwords stored only as scrypt PHC strings;
 * a login's session and a token verify until they expire or are revoked;
 * a disabled user's credentials stop at once; a new password ends the
 * sessions; the last administrator stays one; login throttling; every
 * event in the audit chain; and the dispatcher's 401, 403, 404, 405, 413,
 * CSRF refusal and cookie login. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>

#include "api.h"
#include "auth.h"
#include "cencfg.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "pinhash.h"

static struct {
	char			 pki[64];
	char			 conninfo[640];
	char			 url[64];
	struct cen_cfg		 cfg;
	struct db		*db;	/* the tests' */
	struct db		*apidb;	/* the listener's */
	PGconn			*conn;
	struct event_base	*base;
	struct api		*api;
	pthread_t		 loop;
} g;

static const char	pw_alice[] = "alice's long password";

/* The first value of a one-row query on the test database. */
static void
q1(const char *sql, char *buf, size_t bufsz)
{
	assert_int_equal(pgt_query1(g.conninfo, sql, buf, bufsz), 0);
}

static long
q1l(const char *sql)
{
	char	buf[64];

	q1(sql, buf, sizeof(buf));
	return strtol(buf, NULL, 10);
}

static void
add_user(const char *name, const char *pw, int roles)
{
	char	why[256];

	assert_int_equal(auth_user_add(g.conn, name, "Test User", pw,
	    pw != NULL ? strlen(pw) : 0, roles, "test", why, sizeof(why)), 0);
}

/* Pushes a credential's expiry into the past. */
static void
expire(int64_t id)
{
	char	sql[160];

	(void)snprintf(sql, sizeof(sql), "UPDATE credentials SET created_at "
	    "= now() - interval '2 days', expires_at = now() - interval "
	    "'1 second' WHERE id = %lld", (long long)id);
	assert_int_equal(pgt_exec(g.conninfo, sql), 0);
}

static void
test_user_password_stored_hashed(void **state)
{
	char	buf[512], why[256];

	(void)state;
	add_user("alice", pw_alice, API_INSPECTOR);
	q1("SELECT password_hash FROM users WHERE name = 'alice'", buf,
	    sizeof(buf));
	assert_true(strncmp(buf, "$scrypt$ln=15,r=8,p=1$", 22) == 0);
	assert_null(strstr(buf, "alice"));
	assert_int_equal(pinhash_verify_password(buf, strlen(buf), pw_alice,
	    strlen(pw_alice)), 0);
	/* Refusals change nothing. */
	assert_int_equal(auth_user_add(g.conn, "alice", NULL, pw_alice,
	    strlen(pw_alice), API_ADMIN, "test", why, sizeof(why)), ERR_EXISTS);
	assert_int_equal(auth_user_add(g.conn, "Bob", NULL, pw_alice,
	    strlen(pw_alice), API_ADMIN, "test", why, sizeof(why)), ERR_INVAL);
	assert_non_null(strstr(why, "name"));
	assert_int_equal(auth_user_add(g.conn, "bob", NULL, "short", 5,
	    API_ADMIN, "test", why, sizeof(why)), ERR_INVAL);
	assert_non_null(strstr(why, "password"));
	assert_int_equal(auth_user_add(g.conn, "bob", NULL, pw_alice,
	    strlen(pw_alice), 0, "test", why, sizeof(why)), ERR_INVAL);
	assert_int_equal(auth_user_add(g.conn, "bob", "tab\there", pw_alice,
	    strlen(pw_alice), 1, "test", why, sizeof(why)), ERR_INVAL);
	assert_int_equal(q1l("SELECT count(*) FROM users WHERE name = "
	    "'bob'"), 0);
	/* The creation is in the audit chain, without the password. */
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "action = 'user_change' AND subject = 'alice' AND actor = "
	    "'test'"), 1);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "detail::text LIKE '%long password%'"), 0);
}

static void
test_login_session_verify_expire_revoke(void **state)
{
	struct auth_cred	c, v;
	char			sec[AUTH_SECRET_LEN + 1], hex[128], ch0;
	size_t			i;

	(void)state;
	assert_int_equal(auth_login(g.conn, "alice", 5, pw_alice,
	    strlen(pw_alice), 3600, 5, "127.0.0.1:1", sec, &c), 0);
	assert_int_equal(strlen(sec), AUTH_SECRET_LEN);
	for (i = 0; i < AUTH_SECRET_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
		    "nopqrstuvwxyz0123456789-_", sec[i]));
	assert_int_equal(c.kind, AUTH_SESSION);
	assert_string_equal(c.user, "alice");
	assert_int_equal(c.roles, API_INSPECTOR);
	/* Only the SHA-256 is stored. */
	q1("SELECT secret_sha256 FROM credentials ORDER BY id DESC LIMIT 1",
	    hex, sizeof(hex));
	assert_int_equal(strlen(hex), 64);
	{
		char	sql[256];

		/* It is the SHA-256 of the secret's text, and the secret
		 * itself is nowhere. */
		(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
		    "credentials WHERE secret_sha256 = encode(sha256('%s'::"
		    "bytea), 'hex') AND id = %lld", sec, (long long)c.id);
		assert_int_equal(q1l(sql), 1);
		(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
		    "credentials c WHERE position('%s' IN c::text) > 0", sec);
		assert_int_equal(q1l(sql), 0);
	}
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), 0);
	assert_int_equal(v.id, c.id);
	assert_string_equal(v.user, "alice");
	/* A changed character, a cut one, garbage: refused. */
	ch0 = sec[0];
	sec[0] = sec[0] == 'A' ? 'B' : 'A';
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), ERR_AUTH);
	assert_int_equal(auth_verify(g.conn, sec, 10, &v), ERR_AUTH);
	assert_int_equal(auth_verify(g.conn, "", 0, &v), ERR_AUTH);
	assert_int_equal(auth_verify(g.conn, "'; DROP TABLE users; --",
	    23, &v), ERR_AUTH);
	sec[0] = ch0;
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), 0);
	/* Expired: refused. */
	expire(c.id);
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), ERR_AUTH);

	/* Another session; logged out (revoked): refused. */
	assert_int_equal(auth_login(g.conn, "alice", 5, pw_alice,
	    strlen(pw_alice), 3600, 5, "127.0.0.1:1", sec, &c), 0);
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), 0);
	/* Not as a token, not another's. */
	assert_int_equal(auth_revoke(g.conn, c.id, AUTH_TOKEN, NULL, "x"),
	    ERR_NOTFOUND);
	assert_int_equal(auth_revoke(g.conn, c.id, AUTH_SESSION, "bob", "x"),
	    ERR_NOTFOUND);
	assert_int_equal(auth_revoke(g.conn, c.id, AUTH_SESSION, "alice",
	    "alice"), 0);
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), ERR_AUTH);
	assert_int_equal(auth_revoke(g.conn, c.id, AUTH_SESSION, "alice",
	    "alice"), ERR_NOTFOUND);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "action = 'login' AND actor = 'alice'"), 2);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "action = 'logout' AND subject = 'alice'"), 1);
}

static void
test_wrong_password_and_throttle(void **state)
{
	struct auth_cred	c;
	char			sec[AUTH_SECRET_LEN + 1];
	int			i;

	(void)state;
	add_user("carol", "carol's password", API_AUDITOR);
	/* Wrong password, unknown user, malformed name: all ERR_AUTH. */
	assert_int_equal(auth_login(g.conn, "carol", 5, "not carol's", 11,
	    3600, 3, "p", sec, &c), ERR_AUTH);
	assert_int_equal(auth_login(g.conn, "nobody", 6, "whatever1", 9,
	    3600, 3, "p", sec, &c), ERR_AUTH);
	assert_int_equal(auth_login(g.conn, "NO\nBODY", 7, "whatever1", 9,
	    3600, 3, "p", sec, &c), ERR_AUTH);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "action = 'login_failed' AND subject = 'carol'"), 1);
	/* A success clears the failures. */
	assert_int_equal(auth_login(g.conn, "carol", 5, "carol's password",
	    16, 3600, 3, "p", sec, &c), 0);
	assert_int_equal(q1l("SELECT count(*) FROM login_failures WHERE "
	    "user_name = 'carol'"), 0);
	/* Three failures (the limit here): then even the right password is
	 * throttled, and nothing is counted for it. */
	for (i = 0; i < 3; i++)
		assert_int_equal(auth_login(g.conn, "carol", 5, "wrong pass",
		    10, 3600, 3, "p", sec, &c), ERR_AUTH);
	assert_int_equal(auth_login(g.conn, "carol", 5, "carol's password",
	    16, 3600, 3, "p", sec, &c), ERR_TOOBIG);
	assert_int_equal(q1l("SELECT count(*) FROM login_failures WHERE "
	    "user_name = 'carol'"), 3);
	/* Other users are not affected. */
	assert_int_equal(auth_login(g.conn, "alice", 5, pw_alice,
	    strlen(pw_alice), 3600, 3, "p", sec, &c), 0);
	/* The window passes: allowed again. */
	assert_int_equal(pgt_exec(g.conninfo, "UPDATE login_failures SET at "
	    "= now() - interval '16 minutes' WHERE user_name = 'carol'"), 0);
	assert_int_equal(auth_login(g.conn, "carol", 5, "carol's password",
	    16, 3600, 3, "p", sec, &c), 0);
	assert_true(q1l("SELECT count(*) FROM audit_events WHERE action = "
	    "'login_failed' AND subject = 'carol' AND detail::jsonb->>'reason' = "
	    "'throttled'") == 1);
}

static void
test_token_lifecycle(void **state)
{
	struct auth_cred	c, v;
	char			sec[AUTH_SECRET_LEN + 1], why[256];
	char			sec2[AUTH_SECRET_LEN + 1];
	json_t			*arr;

	(void)state;
	assert_int_equal(auth_token_new(g.conn, "alice", "laptop script", 30,
	    "alice", sec, &c, why, sizeof(why)), 0);
	assert_int_equal(c.kind, AUTH_TOKEN);
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), 0);
	assert_int_equal(v.kind, AUTH_TOKEN);
	assert_int_equal(v.roles, API_INSPECTOR);
	/* Bad names, days, users. */
	assert_int_equal(auth_token_new(g.conn, "alice", "", 30, "alice",
	    sec2, &v, why, sizeof(why)), ERR_INVAL);
	assert_int_equal(auth_token_new(g.conn, "alice", "a\nb", 30, "alice",
	    sec2, &v, why, sizeof(why)), ERR_INVAL);
	assert_int_equal(auth_token_new(g.conn, "alice", "x", 0, "alice",
	    sec2, &v, why, sizeof(why)), ERR_INVAL);
	assert_int_equal(auth_token_new(g.conn, "ghost", "x", 1, "alice",
	    sec2, &v, why, sizeof(why)), ERR_NOTFOUND);
	/* Listed without the secret. */
	assert_int_equal(auth_tokens_json(g.conn, "alice", &arr), 0);
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, 0), "status")), "live");
	assert_null(json_object_get(json_array_get(arr, 0), "token"));
	json_decref(arr);
	/* Revoked by an administrator: refused at once. */
	assert_int_equal(auth_revoke(g.conn, c.id, AUTH_TOKEN, "carol",
	    "carol"), ERR_NOTFOUND);
	assert_int_equal(auth_revoke(g.conn, c.id, AUTH_TOKEN, NULL, "root"),
	    0);
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), ERR_AUTH);
	/* Expired: refused, listed as expired. */
	assert_int_equal(auth_token_new(g.conn, "alice", "old", 1, "alice",
	    sec, &c, why, sizeof(why)), 0);
	expire(c.id);
	assert_int_equal(auth_verify(g.conn, sec, strlen(sec), &v), ERR_AUTH);
	assert_int_equal(auth_tokens_json(g.conn, "alice", &arr), 0);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, 0), "status")), "expired");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, 1), "status")), "revoked");
	json_decref(arr);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "action = 'token_create' AND subject = 'alice'"), 2);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "action = 'token_revoke' AND actor = 'root'"), 1);
}

static void
test_disable_and_new_password(void **state)
{
	struct auth_user_change	 ch;
	struct auth_cred	 c, t, v;
	char			 ss[AUTH_SECRET_LEN + 1], ts[AUTH_SECRET_LEN + 1];
	char			 why[256];

	(void)state;
	add_user("dave", "dave's password", API_INSPECTOR | API_AUDITOR);
	assert_int_equal(auth_login(g.conn, "dave", 4, "dave's password", 15,
	    3600, 5, "p", ss, &c), 0);
	assert_int_equal(auth_token_new(g.conn, "dave", "t", 5, "dave", ts, &t,
	    why, sizeof(why)), 0);
	/* Disabled: session and token refused, login refused. */
	memset(&ch, 0, sizeof(ch));
	ch.active = 0;
	assert_int_equal(auth_user_set(g.conn, "dave", &ch, "root", why,
	    sizeof(why)), 0);
	assert_int_equal(auth_verify(g.conn, ss, strlen(ss), &v), ERR_AUTH);
	assert_int_equal(auth_verify(g.conn, ts, strlen(ts), &v), ERR_AUTH);
	assert_int_equal(auth_login(g.conn, "dave", 4, "dave's password", 15,
	    3600, 5, "p", ss, &v), ERR_AUTH);
	assert_int_equal(auth_token_new(g.conn, "dave", "t2", 5, "dave", ts,
	    &v, why, sizeof(why)), ERR_NOTFOUND);
	/* Enabled again: both work; roles come from the user each time. */
	ch.active = 1;
	ch.roles = API_AUDITOR;
	assert_int_equal(auth_user_set(g.conn, "dave", &ch, "root", why,
	    sizeof(why)), 0);
	assert_int_equal(auth_login(g.conn, "dave", 4, "dave's password", 15,
	    3600, 5, "p", ss, &c), 0);
	assert_int_equal(auth_verify(g.conn, ts, strlen(ts), &v), 0);
	assert_int_equal(v.roles, API_AUDITOR);
	/* A new password ends the sessions, not the tokens. */
	memset(&ch, 0, sizeof(ch));
	ch.active = -1;
	ch.pw = "dave's new password";
	ch.pwlen = strlen(ch.pw);
	assert_int_equal(auth_user_set(g.conn, "dave", &ch, "root", why,
	    sizeof(why)), 0);
	assert_int_equal(auth_verify(g.conn, ss, strlen(ss), &v), ERR_AUTH);
	assert_int_equal(auth_verify(g.conn, ts, strlen(ts), &v), 0);
	assert_int_equal(auth_login(g.conn, "dave", 4, "dave's password", 15,
	    3600, 5, "p", ss, &v), ERR_AUTH);
	assert_int_equal(auth_login(g.conn, "dave", 4, "dave's new password",
	    19, 3600, 5, "p", ss, &v), 0);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "action = 'user_change' AND subject = 'dave' AND detail::jsonb->>"
	    "'password_changed' = 'true'"), 1);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "detail::text LIKE '%new password%'"), 0);
	/* Unknown user. */
	assert_int_equal(auth_user_set(g.conn, "ghost", &ch, "root", why,
	    sizeof(why)), ERR_NOTFOUND);
}

static void
test_last_admin_stays(void **state)
{
	struct auth_user_change	ch;
	char			why[256];

	(void)state;
	add_user("root", "root's password", API_ADMIN);
	memset(&ch, 0, sizeof(ch));
	ch.active = 0;
	assert_int_equal(auth_user_set(g.conn, "root", &ch, "root", why,
	    sizeof(why)), ERR_CONFLICT);
	assert_non_null(strstr(why, "last active administrator"));
	ch.active = -1;
	ch.roles = API_AUDITOR;
	assert_int_equal(auth_user_set(g.conn, "root", &ch, "root", why,
	    sizeof(why)), ERR_CONFLICT);
	assert_int_equal(q1l("SELECT roles FROM users WHERE name = 'root'"),
	    API_ADMIN);
	/* With a second administrator, it may. */
	add_user("root2", "root2's password", API_ADMIN | API_AUDITOR);
	assert_int_equal(auth_user_set(g.conn, "root", &ch, "root2", why,
	    sizeof(why)), 0);
	assert_int_equal(q1l("SELECT roles FROM users WHERE name = 'root'"),
	    API_AUDITOR);
}

/* The listener. */

struct resp {
	long	status;
	char	body[8192];
	size_t	len;
	char	cookie[128];
	char	allow[64];
};

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;

	if (len > sizeof(r->body) - 1 - r->len)
		len = sizeof(r->body) - 1 - r->len;
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return sz * n;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n, k;

	if (len > 12 && strncasecmp(p, "Set-Cookie: ", 12) == 0) {
		k = strcspn(p + 12, ";\r\n");
		if (k < sizeof(r->cookie))
			(void)snprintf(r->cookie, sizeof(r->cookie), "%.*s",
			    (int)k, p + 12);
	}
	if (len > 7 && strncasecmp(p, "Allow: ", 7) == 0) {
		k = strcspn(p + 7, "\r\n");
		if (k < sizeof(r->allow))
			(void)snprintf(r->allow, sizeof(r->allow), "%.*s",
			    (int)k, p + 7);
	}
	return len;
}

/* method path body (NULL: none) ctype (NULL: none); auth: "Bearer X",
 * "Cookie: X" or NULL. */
static long
call(const char *method, const char *path, const char *body,
    const char *ctype, const char *auth, struct resp *r)
{
	struct curl_slist	*h = NULL;
	CURL			*c;
	char			 url[512], ca[128], hb[256];

	memset(r, 0, sizeof(*r));
	(void)snprintf(url, sizeof(url), "%s%s", g.url, path);
	(void)snprintf(ca, sizeof(ca), "%s/ca.crt", g.pki);
	assert_non_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	(void)snprintf(hb, sizeof(hb), "Content-Type: %s", ctype != NULL ?
	    ctype : "");
	h = curl_slist_append(h, hb);	/* "Content-Type:" removes it */
	if (auth != NULL && strncmp(auth, "Cookie: ", 8) == 0)
		h = curl_slist_append(h, auth);
	else if (auth != NULL) {
		(void)snprintf(hb, sizeof(hb), "Authorization: %s", auth);
		h = curl_slist_append(h, hb);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return r->status;
}

static void
test_api_dispatch(void **state)
{
	struct resp	 r;
	char		 bearer[128], cookie[192], body[128];
	json_t		*o;

	(void)state;
	/* No credentials, bad ones. */
	assert_int_equal(call("GET", "/api/v1/me", NULL, NULL, NULL, &r), 401);
	assert_non_null(strstr(r.body, "\"status\":401"));
	assert_int_equal(call("GET", "/api/v1/me", NULL, NULL, "Bearer nope",
	    &r), 401);
	assert_int_equal(call("GET", "/api/v1/me", NULL, NULL, "Basic YTpi",
	    &r), 401);
	/* Unknown path, wrong method (with Allow). */
	assert_int_equal(call("GET", "/api/v1/nothing", NULL, NULL, NULL, &r),
	    404);
	assert_int_equal(call("PATCH", "/api/v1/me", NULL, NULL, NULL, &r),
	    405);
	assert_string_equal(r.allow, "GET");
	assert_int_equal(call("DELETE", "/api/v1/users", NULL, NULL, NULL,
	    &r), 405);
	assert_string_equal(r.allow, "GET, POST");

	/* Login: JSON only; wrong password 401; right: a cookie. */
	assert_int_equal(call("POST", "/api/v1/login", "user=alice",
	    "application/x-www-form-urlencoded", NULL, &r), 415);
	(void)snprintf(body, sizeof(body), "{\"user\":\"alice\","
	    "\"password\":\"%s\"}", "wrong password");
	assert_int_equal(call("POST", "/api/v1/login", body,
	    "application/json", NULL, &r), 401);
	assert_string_equal(r.cookie, "");
	assert_int_equal(call("POST", "/api/v1/login", "{\"user\":1}",
	    "application/json", NULL, &r), 400);
	assert_non_null(strstr(r.body, "\"field\":\"user\""));
	(void)snprintf(body, sizeof(body), "{\"user\":\"alice\","
	    "\"password\":\"%s\"}", pw_alice);
	assert_int_equal(call("POST", "/api/v1/login", body,
	    "application/json; charset=utf-8", NULL, &r), 200);
	assert_true(strncmp(r.cookie, "shekara_session=", 16) == 0);
	assert_int_equal(strlen(r.cookie), 16 + AUTH_SECRET_LEN);
	assert_non_null(strstr(r.body, "\"roles\":[\"inspector\"]"));
	(void)snprintf(cookie, sizeof(cookie), "Cookie: other=1; %s",
	    r.cookie);
	assert_int_equal(call("GET", "/api/v1/me", NULL, NULL, cookie, &r),
	    200);
	assert_non_null(strstr(r.body, "\"via\":\"session\""));
	/* An inspector is no administrator. */
	assert_int_equal(call("GET", "/api/v1/users", NULL, NULL, cookie, &r),
	    403);
	/* CSRF: a cookie request that changes something must be JSON. */
	assert_int_equal(call("POST", "/api/v1/tokens", "{\"name\":\"x\","
	    "\"days\":1}", "text/plain", cookie, &r), 403);
	assert_non_null(strstr(r.body, "Content-Type"));
	assert_int_equal(call("POST", "/api/v1/tokens", "{\"name\":\"x\","
	    "\"days\":1}", NULL, cookie, &r), 403);
	assert_int_equal(q1l("SELECT count(*) FROM credentials WHERE name = "
	    "'x'"), 0);
	assert_int_equal(call("POST", "/api/v1/tokens", "{\"name\":\"x\","
	    "\"days\":400}", "application/json", cookie, &r), 400);
	assert_non_null(strstr(r.body, "\"field\":\"days\""));
	assert_int_equal(call("POST", "/api/v1/tokens", "{\"name\":\"x\","
	    "\"days\":1}", "application/json", cookie, &r), 201);
	assert_non_null(o = json_loads(r.body, 0, NULL));
	(void)snprintf(bearer, sizeof(bearer), "Bearer %s",
	    json_string_value(json_object_get(o, "token")));
	json_decref(o);
	/* The token works without JSON content type (no cookie: no CSRF). */
	assert_int_equal(call("GET", "/api/v1/me", NULL, NULL, bearer, &r),
	    200);
	assert_non_null(strstr(r.body, "\"via\":\"token\""));
	/* Body over people.max_body (1024 here): 413. */
	{
		char	big[2048];

		memset(big, ' ', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		big[0] = '{';
		big[sizeof(big) - 2] = '}';
		assert_int_equal(call("POST", "/api/v1/tokens", big,
		    "application/json", bearer, &r), 413);
	}
	/* Logout: the cookie stops working. */
	assert_int_equal(call("POST", "/api/v1/logout", "{}",
	    "application/json", cookie, &r), 200);
	assert_int_equal(call("GET", "/api/v1/me", NULL, NULL, cookie, &r),
	    401);
	/* An administrator's token: users. */
	{
		struct auth_cred	c;
		char			sec[AUTH_SECRET_LEN + 1], why[128];

		assert_int_equal(auth_token_new(g.conn, "root2", "adm", 1,
		    "test", sec, &c, why, sizeof(why)), 0);
		(void)snprintf(bearer, sizeof(bearer), "Bearer %s", sec);
	}
	assert_int_equal(call("GET", "/api/v1/users", NULL, NULL, bearer, &r),
	    200);
	assert_non_null(strstr(r.body, "\"name\":\"alice\""));
	assert_null(strstr(r.body, "scrypt"));
	assert_int_equal(call("POST", "/api/v1/users", "{\"name\":\"erin\","
	    "\"roles\":[\"auditor\"],\"password\":\"erin's password\"}",
	    "application/json", bearer, &r), 201);
	assert_int_equal(call("POST", "/api/v1/users", "{\"name\":\"erin\","
	    "\"roles\":[\"auditor\"]}", "application/json", bearer, &r), 409);
	assert_int_equal(call("POST", "/api/v1/users", "{\"name\":\"fred\","
	    "\"roles\":[\"chief\"]}", "application/json", bearer, &r), 400);
	assert_int_equal(call("PUT", "/api/v1/users/erin", "{\"active\":"
	    "false,\"colour\":1}", "application/json", bearer, &r), 400);
	assert_int_equal(call("PUT", "/api/v1/users/erin", "{\"active\":"
	    "false}", "application/json", bearer, &r), 200);
	assert_non_null(strstr(r.body, "\"active\":false"));
	assert_int_equal(call("PUT", "/api/v1/users/ghost", "{\"active\":"
	    "false}", "application/json", bearer, &r), 404);
	assert_int_equal(call("DELETE", "/api/v1/tokens/999999", NULL, NULL,
	    bearer, &r), 404);
	assert_int_equal(call("DELETE", "/api/v1/tokens/abc", NULL, NULL,
	    bearer, &r), 404);
	assert_int_equal(q1l("SELECT count(*) FROM audit_events WHERE "
	    "action = 'user_change' AND subject = 'erin' AND actor = "
	    "'root2'"), 2);
}

static void *
loop_main(void *arg)
{
	(void)arg;
	(void)event_base_loop(g.base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int
group_setup(void **state)
{
	char	 cmd[512], path[128];
	FILE	*fp;
	int	 port = 40000 + (int)(getpid() % 4000) * 2, rc;

	(void)state;
	log_init("test_auth", LOGL_WARN);
	if (pgt_start() != 0 || pgt_newdb(g.conninfo, sizeof(g.conninfo)) != 0)
		return -1;
	(void)snprintf(g.pki, sizeof(g.pki), "/tmp/shekara-pki.XXXXXX");
	if (mkdtemp(g.pki) == NULL)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "bash scripts/pki.sh init %s",
	    g.pki);
	if (pgt_run(cmd, NULL, 0) != 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/central.yaml", g.pki);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "listen:\n  address: 127.0.0.1:%d\n"
	    "tls:\n  cert_file: %s/centre.crt\n  key_file: %s/centre.key\n"
	    "  client_ca_file: %s/ca.crt\n"
	    "database:\n  conninfo: \"%s\"\n"
	    "posts:\n  - code: ALA01\n    cert_cn: post-ALA01\n"
	    "people:\n  listen: 127.0.0.1:%d\n  max_body: 1024\n",
	    port, g.pki, g.pki, g.pki, g.conninfo, port + 1);
	if (fclose(fp) != 0)
		return -1;
	cen_cfg_init(&g.cfg);
	if (cen_cfg_load(&g.cfg, path, stderr) != 0)
		return -1;
	(void)snprintf(g.url, sizeof(g.url), "https://localhost:%d", port + 1);
	if ((g.db = db_new(g.conninfo)) == NULL ||
	    (g.apidb = db_new(g.conninfo)) == NULL ||
	    (fp = fopen("/dev/null", "w")) == NULL)
		return -1;
	rc = migrate_apply(g.db, fp, stderr);
	fclose(fp);
	if (rc != 0 || db_connect(g.db) != 0)
		return -1;
	g.conn = db_pgconn(g.db);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    evthread_use_pthreads() != 0 ||
	    (g.base = event_base_new()) == NULL ||
	    api_new(&g.api, g.base, &g.cfg, g.apidb) != 0 || g.api == NULL)
		return -1;
	return pthread_create(&g.loop, NULL, loop_main, NULL) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	if (g.base != NULL) {
		event_base_loopbreak(g.base);
		(void)pthread_join(g.loop, NULL);
	}
	api_free(g.api);
	if (g.base != NULL) {
		(void)event_base_loop(g.base, EVLOOP_NONBLOCK);
		event_base_free(g.base);
	}
	db_free(g.db);
	db_free(g.apidb);
	curl_global_cleanup();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", g.pki);
	(void)pgt_run(cmd, NULL, 0);
	pgt_stop();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_password_stored_hashed),
		cmocka_unit_test(test_login_session_verify_expire_revoke),
		cmocka_unit_test(test_wrong_password_and_throttle),
		cmocka_unit_test(test_token_lifecycle),
		cmocka_unit_test(test_disable_and_new_password),
		cmocka_unit_test(test_last_admin_stays),
		cmocka_unit_test(test_api_dispatch),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
