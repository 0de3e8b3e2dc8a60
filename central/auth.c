/* auth.c - users, sessions, tokens and login throttling in PostgreSQL, each
 * change audited in its own transaction; see auth.h. Secrets are 32 bytes
 * from RAND_bytes() in base64url; the table keeps the SHA-256 (hex) of that
 * text, so a stolen table lets nobody in. Every statement is
 * parameterised. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "api.h"
#include "audit.h"
#include "auth.h"
#include "b64.h"
#include "creg.h"
#include "err.h"
#include "log.h"
#include "pgutil.h"
#include "pinhash.h"

/* An RFC 3339 UTC text of a timestamptz column, to the second. */
#define AUTH_TS(col)	"to_char(" col " AT TIME ZONE 'UTC', " \
			"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/*
 * Verified against when the user does not exist, so that a wrong name
 * takes as long as a wrong password (the default parameters; it matches
 * no password: its key is not scrypt's output for any short input).
 */
static const char	auth_dummy_phc[] = "$scrypt$ln=15,r=8,p=1$"
    "c2hla2FyYWR1bW15c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

static void
auth_why(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
auth_why(char *why, size_t whysz, const char *fmt, ...)
{
	va_list	ap;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, whysz, fmt, ap);	/* cut is fine: a message */
	va_end(ap);
}

int
auth_check_user(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len < 1 || len > AUTH_USER_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
auth_check_token_name(const char *s)
{
	size_t	i, len;

	if (s == NULL || (len = strlen(s)) < 1 || len > AUTH_TOKEN_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    strchr(" ._:-", s[i]) != NULL))
			return 0;
	return 1;
}

/* A display name: UTF-8 without control characters, up to 128 bytes. */
static int
auth_check_display(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i;
	json_t			*t;

	if (len > AUTH_DISPLAY_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	/* UTF-8: jansson refuses invalid text (PostgreSQL would too, but
	 * after the transaction began). */
	if ((t = json_stringn(s, len)) == NULL)
		return 0;
	json_decref(t);
	return 1;
}

/* Appends an audit event with detail (a JSON object, decref'd here). */
static int
auth_audit(PGconn *conn, const char *actor, const char *action,
    const char *subject, json_t *detail)
{
	char	*text;
	int	 rc;

	if (detail == NULL)
		return ERR_NOMEM;
	text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(detail);
	if (text == NULL)
		return ERR_NOMEM;
	rc = audit_append(conn, actor, action, subject, text);
	free(text);
	if (rc != 0)
		log_warnx("people: cannot audit %s of %s: %s", action,
		    subject, err_str(rc));
	return rc;
}

/* A fresh secret as base64url text (AUTH_SECRET_LEN chars and a NUL). */
static int
auth_secret_new(char *secret)
{
	uint8_t	b[AUTH_SECRET_BYTES];
	size_t	o = 0;
	int	rc;

	if (RAND_bytes(b, AUTH_SECRET_BYTES) != 1)
		return ERR_IO;
	rc = b64_encode(b, sizeof(b), B64_URL, secret, AUTH_SECRET_LEN + 1,
	    &o);
	OPENSSL_cleanse(b, sizeof(b));
	if (rc != 0 || o != AUTH_SECRET_LEN)
		return ERR_INVAL;
	return 0;
}

static int
auth_sha256_hex(const char *s, size_t len, char hex[65])
{
	static const char	digits[] = "0123456789abcdef";
	unsigned char		md[32];
	unsigned int		mdlen = 0, i;

	if (EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return ERR_IO;
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[64] = '\0';
	return 0;
}

/* The secret's shape: AUTH_SECRET_LEN base64url characters. */
static int
auth_check_secret(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len != AUTH_SECRET_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (b64_value((unsigned char)s[i], B64_URL) < 0)
			return 0;
	return 1;
}

static int
auth_check_roles(int roles)
{
	return roles >= 1 && roles <= (API_INSPECTOR | API_AUDITOR |
	    API_ADMIN);
}

/* The password's rules, said in why. */
static int
auth_check_pw(const char *pw, size_t pwlen, char *why, size_t whysz)
{
	if (pinhash_check_password(pw, pwlen))
		return 0;
	auth_why(why, whysz, "password: %zu..%zu bytes of UTF-8 without "
	    "control characters", (size_t)PINHASH_PASSWORD_MIN,
	    (size_t)PINHASH_PASSWORD_MAX);
	return ERR_INVAL;
}

int
auth_user_add(PGconn *conn, const char *name, const char *display,
    const char *pw, size_t pwlen, int roles, const char *actor, char *why,
    size_t whysz)
{
	static const char	sql[] =
	    "INSERT INTO users (name, display_name, password_hash, roles, "
	    "created_by, changed_by) VALUES ($1, $2, $3, $4, $5, $5) "
	    "ON CONFLICT (name) DO NOTHING RETURNING name";
	PGresult		*r;
	const char		*params[5];
	char			 hash[PINHASH_STR_MAX + 1] = "", rolebuf[8];
	json_t			*d;
	int			 rc;

	auth_why(why, whysz, "%s", "");
	if (name == NULL || !auth_check_user(name, strlen(name))) {
		auth_why(why, whysz, "name: 1..64 of a-z, 0-9, \".\", \"_\", "
		    "\"-\"");
		return ERR_INVAL;
	}
	if (!auth_check_roles(roles)) {
		auth_why(why, whysz, "roles: at least one of inspector, "
		    "auditor, admin");
		return ERR_INVAL;
	}
	if (display == NULL)
		display = "";
	if (!auth_check_display(display)) {
		auth_why(why, whysz, "display name: up to %d bytes of UTF-8 "
		    "without control characters", AUTH_DISPLAY_MAX);
		return ERR_INVAL;
	}
	if (pw != NULL) {
		if ((rc = auth_check_pw(pw, pwlen, why, whysz)) != 0)
			return rc;
		if ((rc = pinhash_make_password(pw, pwlen, NULL, hash,
		    sizeof(hash))) != 0) {
			auth_why(why, whysz, "cannot hash the password: %s",
			    err_str(rc));
			return rc;
		}
	}
	(void)snprintf(rolebuf, sizeof(rolebuf), "%d", roles);
	params[0] = name;
	params[1] = display;
	params[2] = hash;
	params[3] = rolebuf;
	params[4] = actor;
	if ((rc = creg_begin(conn)) != 0)
		return rc;
	if ((rc = pgu_exec(conn, "people", "add user", sql, 5, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		goto fail;
	if (PQntuples(r) != 1) {
		PQclear(r);
		auth_why(why, whysz, "user \"%s\" exists", name);
		rc = ERR_EXISTS;
		goto fail;
	}
	PQclear(r);
	d = json_pack("{s:s, s:o, s:s, s:b}", "op", "add", "roles",
	    api_roles_json(roles), "display_name", display, "password",
	    pw != NULL);
	if ((rc = auth_audit(conn, actor, "user_change", name, d)) != 0)
		goto fail;
	if ((rc = creg_commit(conn)) != 0)
		goto fail;
	return 0;
fail:
	(void)creg_rollback(conn);	/* the failure was said */
	return rc;
}

int
auth_user_set(PGconn *conn, const char *name,
    const struct auth_user_change *ch, const char *actor, char *why,
    size_t whysz)
{
	static const char	sel[] = "SELECT roles, active, display_name "
				    "FROM users WHERE name = $1 FOR UPDATE";
	static const char	upd[] = "UPDATE users SET roles = $2, "
	    "active = $3, display_name = $4, password_hash = "
	    "coalesce($5, password_hash), changed_at = now(), changed_by = $6 "
	    "WHERE name = $1";
	static const char	kill[] = "UPDATE credentials SET revoked_at = "
	    "now(), revoked_by = $2 WHERE user_name = $1 AND kind = 'session' "
	    "AND revoked_at IS NULL";
	static const char	admins[] = "SELECT count(*) FROM users WHERE "
				    "active AND roles & 4 <> 0";
	static const char	serial[] = "SELECT pg_advisory_xact_lock("
				    "hashtext('shekara.users'))";
	PGresult		*r;
	const char		*params[6];
	char			 hash[PINHASH_STR_MAX + 1], rolebuf[8];
	char			 display[AUTH_DISPLAY_MAX + 1];
	json_t			*d;
	int			 rc, oroles, oactive, nroles, nactive;

	auth_why(why, whysz, "%s", "");
	if (name == NULL || !auth_check_user(name, strlen(name))) {
		auth_why(why, whysz, "no user \"%s\"", name != NULL ? name :
		    "");
		return ERR_NOTFOUND;
	}
	if (ch->roles != 0 && !auth_check_roles(ch->roles)) {
		auth_why(why, whysz, "roles: at least one of inspector, "
		    "auditor, admin");
		return ERR_INVAL;
	}
	if (ch->display != NULL && !auth_check_display(ch->display)) {
		auth_why(why, whysz, "display name: up to %d bytes of UTF-8 "
		    "without control characters", AUTH_DISPLAY_MAX);
		return ERR_INVAL;
	}
	if (ch->pw != NULL) {
		if ((rc = auth_check_pw(ch->pw, ch->pwlen, why, whysz)) != 0)
			return rc;
		if ((rc = pinhash_make_password(ch->pw, ch->pwlen, NULL, hash,
		    sizeof(hash))) != 0) {
			auth_why(why, whysz, "cannot hash the password: %s",
			    err_str(rc));
			return rc;
		}
	}
	if ((rc = creg_begin(conn)) != 0)
		return rc;
	/*
	 * User changes take one lock in turn, so that two administrators
	 * demoting each other at once cannot both see the other still in
	 * office and leave none: the second reads after the first commits.
	 */
	if ((rc = pgu_exec(conn, "people", "lock user changes", serial, 0,
	    NULL, PGRES_TUPLES_OK, &r)) != 0)
		goto fail;
	PQclear(r);
	params[0] = name;
	if ((rc = pgu_exec(conn, "people", "read user", sel, 1, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		goto fail;
	if (PQntuples(r) != 1) {
		PQclear(r);
		auth_why(why, whysz, "no user \"%s\"", name);
		rc = ERR_NOTFOUND;
		goto fail;
	}
	oroles = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	oactive = PQgetvalue(r, 0, 1)[0] == 't';
	(void)snprintf(display, sizeof(display), "%s", ch->display != NULL ?
	    ch->display : PQgetvalue(r, 0, 2));
	PQclear(r);
	nroles = ch->roles != 0 ? ch->roles : oroles;
	nactive = ch->active >= 0 ? ch->active != 0 : oactive;
	(void)snprintf(rolebuf, sizeof(rolebuf), "%d", nroles);
	params[1] = rolebuf;
	params[2] = nactive ? "true" : "false";
	params[3] = display;
	params[4] = ch->pw != NULL ? hash : NULL;
	params[5] = actor;
	if ((rc = pgu_exec(conn, "people", "change user", upd, 6, params,
	    PGRES_COMMAND_OK, NULL)) != 0)
		goto fail;
	if (ch->pw != NULL) {
		params[1] = actor;
		if ((rc = pgu_exec(conn, "people", "end sessions", kill, 2,
		    params, PGRES_COMMAND_OK, NULL)) != 0)
			goto fail;
	}
	/* The last active administrator stays one. */
	if (oactive && (oroles & API_ADMIN) &&
	    (!nactive || !(nroles & API_ADMIN))) {
		if ((rc = pgu_exec(conn, "people", "count admins", admins, 0,
		    NULL, PGRES_TUPLES_OK, &r)) != 0)
			goto fail;
		if (strcmp(PQgetvalue(r, 0, 0), "0") == 0) {
			PQclear(r);
			auth_why(why, whysz, "\"%s\" is the last active "
			    "administrator; make another one first", name);
			rc = ERR_CONFLICT;
			goto fail;
		}
		PQclear(r);
	}
	d = json_pack("{s:s}", "op", "set");
	if (d != NULL && nroles != oroles)
		(void)json_object_set_new(d, "roles", api_roles_json(nroles));
	if (d != NULL && nactive != oactive)
		(void)json_object_set_new(d, "active", json_boolean(nactive));
	if (d != NULL && ch->display != NULL)
		(void)json_object_set_new(d, "display_name",
		    json_string(display));
	if (d != NULL && ch->pw != NULL)
		(void)json_object_set_new(d, "password_changed", json_true());
	if ((rc = auth_audit(conn, actor, "user_change", name, d)) != 0)
		goto fail;
	if ((rc = creg_commit(conn)) != 0)
		goto fail;
	return 0;
fail:
	(void)creg_rollback(conn);
	return rc;
}

/* A text column as a JSON string, or null. */
static json_t *
auth_json_text(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return json_null();
	return json_string(PQgetvalue(r, row, col));
}

int
auth_user_json(PGconn *conn, const char *name, json_t **out)
{
	static const char	sql[] = "SELECT name, display_name, roles, "
	    "active, password_hash <> '', " AUTH_TS("created_at") ", "
	    "created_by, " AUTH_TS("changed_at") ", changed_by FROM users "
	    "WHERE $1::text IS NULL OR name = $1 ORDER BY name";
	PGresult		*r;
	const char		*params[1] = { name };
	json_t			*arr, *u;
	int			 i, rc;

	if ((rc = pgu_exec(conn, "people", "list users", sql, 1, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	if (name != NULL && PQntuples(r) != 1) {
		PQclear(r);
		return ERR_NOTFOUND;
	}
	if ((arr = json_array()) == NULL) {
		PQclear(r);
		return ERR_NOMEM;
	}
	for (i = 0; i < PQntuples(r); i++) {
		u = json_pack("{s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o, s:o}",
		    "name", auth_json_text(r, i, 0),
		    "display_name", auth_json_text(r, i, 1),
		    "roles", api_roles_json((int)strtol(PQgetvalue(r, i, 2),
		    NULL, 10)),
		    "active", PQgetvalue(r, i, 3)[0] == 't',
		    "password", PQgetvalue(r, i, 4)[0] == 't',
		    "created_at", auth_json_text(r, i, 5),
		    "created_by", auth_json_text(r, i, 6),
		    "changed_at", auth_json_text(r, i, 7),
		    "changed_by", auth_json_text(r, i, 8));
		if (u == NULL || json_array_append_new(arr, u) != 0) {
			json_decref(arr);
			PQclear(r);
			return ERR_NOMEM;
		}
	}
	PQclear(r);
	if (name != NULL) {
		u = json_incref(json_array_get(arr, 0));
		json_decref(arr);
		*out = u;
	} else
		*out = arr;
	return 0;
}

/* Records a failed login (name valid) and audits it; the caller answers
 * ERR_AUTH whatever happens here. */
static void
auth_login_failed(PGconn *conn, const char *name, const char *peer,
    const char *reason, int count)
{
	static const char	ins[] = "INSERT INTO login_failures "
				    "(user_name, peer) VALUES ($1, $2)";
	static const char	old[] = "DELETE FROM login_failures WHERE "
				    "at < now() - interval '1 day'";
	const char		*params[2] = { name, peer };
	json_t			*d;

	if (creg_begin(conn) != 0)
		return;
	if (count && (pgu_exec(conn, "people", "record a failed login", ins, 2,
	    params, PGRES_COMMAND_OK, NULL) != 0 ||
	    pgu_exec(conn, "people", "forget old failures", old, 0, NULL,
	    PGRES_COMMAND_OK, NULL) != 0))
		goto fail;
	d = json_pack("{s:s, s:s}", "reason", reason, "peer", peer);
	if (auth_audit(conn, name, "login_failed", name, d) != 0)
		goto fail;
	if (creg_commit(conn) != 0)
		goto fail;
	return;
fail:
	(void)creg_rollback(conn);
}

int
auth_login(PGconn *conn, const char *user, size_t userlen, const char *pw,
    size_t pwlen, long ttl_s, long max_failures, const char *peer,
    char *secret, struct auth_cred *out)
{
	static const char	nfail[] = "SELECT count(*) FROM login_failures "
	    "WHERE user_name = $1 AND at > now() - make_interval(secs => $2)";
	static const char	sel[] = "SELECT password_hash, roles, active "
				    "FROM users WHERE name = $1";
	static const char	clear[] = "DELETE FROM login_failures WHERE "
				    "user_name = $1";
	static const char	gc[] = "DELETE FROM credentials WHERE "
	    "user_name = $1 AND kind = 'session' AND expires_at < now() - "
	    "interval '1 day'";
	static const char	ins[] = "INSERT INTO credentials "
	    "(secret_sha256, user_name, kind, expires_at) VALUES ($1, $2, "
	    "'session', now() + make_interval(secs => $3)) RETURNING id, "
	    AUTH_TS("expires_at");
	PGresult		*r;
	const char		*params[3], *phc = auth_dummy_phc;
	char			 name[AUTH_USER_MAX + 1], win[16], ttl[24];
	char			 hex[65], sec[AUTH_SECRET_LEN + 1];
	struct auth_cred	 c;
	json_t			*d;
	long			 nfailed;
	int			 rc, roles = 0, active = 0, found = 0, vr;

	if (peer == NULL)
		peer = "";
	if (!auth_check_user(user, userlen)) {
		/* Nothing to count it against; as slow as any failure. */
		(void)pinhash_verify_password(phc, strlen(phc), pw, pwlen);
		auth_login_failed(conn, "-", peer, "malformed user name", 0);
		return ERR_AUTH;
	}
	memcpy(name, user, userlen);
	name[userlen] = '\0';
	(void)snprintf(win, sizeof(win), "%d", AUTH_LOGIN_WINDOW_S);
	params[0] = name;
	params[1] = win;
	if ((rc = pgu_exec(conn, "people", "count failed logins", nfail, 2,
	    params, PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	nfailed = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (nfailed >= max_failures) {
		auth_login_failed(conn, name, peer, "throttled", 0);
		return ERR_TOOBIG;
	}
	if ((rc = pgu_exec(conn, "people", "read user", sel, 1, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	if (PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] != '\0') {
		found = 1;
		roles = (int)strtol(PQgetvalue(r, 0, 1), NULL, 10);
		active = PQgetvalue(r, 0, 2)[0] == 't';
		phc = PQgetvalue(r, 0, 0);
	}
	vr = pinhash_verify_password(phc, strlen(phc), pw, pwlen);
	PQclear(r);
	if (!found || vr != 0 || !active) {
		if (found && vr != 0 && vr != ERR_AUTH)
			log_warnx("people: user %s: the stored password hash "
			    "cannot be checked: %s", name, err_str(vr));
		auth_login_failed(conn, name, peer, !found ? "unknown user "
		    "or no password" : vr != 0 ? "wrong password" :
		    "user disabled", 1);
		return ERR_AUTH;
	}

	if ((rc = auth_secret_new(sec)) != 0 ||
	    (rc = auth_sha256_hex(sec, AUTH_SECRET_LEN, hex)) != 0)
		return rc;
	(void)snprintf(ttl, sizeof(ttl), "%ld", ttl_s);
	if ((rc = creg_begin(conn)) != 0)
		goto out;
	params[0] = name;
	if ((rc = pgu_exec(conn, "people", "clear failed logins", clear, 1,
	    params, PGRES_COMMAND_OK, NULL)) != 0 ||
	    (rc = pgu_exec(conn, "people", "forget old sessions", gc, 1,
	    params, PGRES_COMMAND_OK, NULL)) != 0)
		goto fail;
	params[0] = hex;
	params[1] = name;
	params[2] = ttl;
	if ((rc = pgu_exec(conn, "people", "start a session", ins, 3, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		goto fail;
	memset(&c, 0, sizeof(c));
	c.id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	c.kind = AUTH_SESSION;
	c.roles = roles;
	(void)snprintf(c.user, sizeof(c.user), "%s", name);
	(void)snprintf(c.expires_at, sizeof(c.expires_at), "%s",
	    PQgetvalue(r, 0, 1));
	PQclear(r);
	d = json_pack("{s:s, s:I, s:s}", "peer", peer, "session",
	    (json_int_t)c.id, "expires_at", c.expires_at);
	if ((rc = auth_audit(conn, name, "login", name, d)) != 0)
		goto fail;
	if ((rc = creg_commit(conn)) != 0)
		goto fail;
	memcpy(secret, sec, sizeof(sec));
	*out = c;
	rc = 0;
	goto out;
fail:
	(void)creg_rollback(conn);
out:
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}

int
auth_token_new(PGconn *conn, const char *user, const char *name, long days,
    const char *actor, char *secret, struct auth_cred *out, char *why,
    size_t whysz)
{
	static const char	sel[] = "SELECT roles FROM users WHERE "
				    "name = $1 AND active FOR UPDATE";
	static const char	live[] = "SELECT count(*) FROM credentials "
	    "WHERE user_name = $1 AND kind = 'token' AND revoked_at IS NULL "
	    "AND expires_at > now()";
	static const char	ins[] = "INSERT INTO credentials "
	    "(secret_sha256, user_name, kind, name, expires_at) VALUES ($1, "
	    "$2, 'token', $3, now() + make_interval(days => $4)) RETURNING "
	    "id, " AUTH_TS("expires_at");
	PGresult		*r;
	const char		*params[4];
	char			 hex[65], sec[AUTH_SECRET_LEN + 1], dbuf[16];
	struct auth_cred	 c;
	json_t			*d;
	int			 rc;

	auth_why(why, whysz, "%s", "");
	if (user == NULL || !auth_check_user(user, strlen(user))) {
		auth_why(why, whysz, "no active user \"%s\"", user != NULL ?
		    user : "");
		return ERR_NOTFOUND;
	}
	if (!auth_check_token_name(name)) {
		auth_why(why, whysz, "name: 1..%d of A-Z, a-z, 0-9, space, "
		    "\".\", \"_\", \":\", \"-\"", AUTH_TOKEN_NAME_MAX);
		return ERR_INVAL;
	}
	if (days < 1 || days > 3650) {
		auth_why(why, whysz, "days: 1..3650, got %ld", days);
		return ERR_INVAL;
	}
	if ((rc = auth_secret_new(sec)) != 0 ||
	    (rc = auth_sha256_hex(sec, AUTH_SECRET_LEN, hex)) != 0)
		return rc;
	memset(&c, 0, sizeof(c));
	if ((rc = creg_begin(conn)) != 0)
		goto out;
	params[0] = user;
	if ((rc = pgu_exec(conn, "people", "read user", sel, 1, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		goto fail;
	if (PQntuples(r) != 1) {
		PQclear(r);
		auth_why(why, whysz, "no active user \"%s\"", user);
		rc = ERR_NOTFOUND;
		goto fail;
	}
	c.roles = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if ((rc = pgu_exec(conn, "people", "count tokens", live, 1, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		goto fail;
	if (strtol(PQgetvalue(r, 0, 0), NULL, 10) >= AUTH_TOKENS_MAX) {
		PQclear(r);
		auth_why(why, whysz, "user \"%s\" has %d live tokens, the "
		    "most allowed; revoke one first", user, AUTH_TOKENS_MAX);
		rc = ERR_TOOBIG;
		goto fail;
	}
	PQclear(r);
	(void)snprintf(dbuf, sizeof(dbuf), "%ld", days);
	params[0] = hex;
	params[1] = user;
	params[2] = name;
	params[3] = dbuf;
	if ((rc = pgu_exec(conn, "people", "create a token", ins, 4, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		goto fail;
	c.id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	c.kind = AUTH_TOKEN;
	(void)snprintf(c.user, sizeof(c.user), "%s", user);
	(void)snprintf(c.expires_at, sizeof(c.expires_at), "%s",
	    PQgetvalue(r, 0, 1));
	PQclear(r);
	d = json_pack("{s:I, s:s, s:i, s:s}", "id", (json_int_t)c.id, "name",
	    name, "days", (int)days, "expires_at", c.expires_at);
	if ((rc = auth_audit(conn, actor, "token_create", user, d)) != 0)
		goto fail;
	if ((rc = creg_commit(conn)) != 0)
		goto fail;
	memcpy(secret, sec, sizeof(sec));
	*out = c;
	rc = 0;
	goto out;
fail:
	(void)creg_rollback(conn);
out:
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}

int
auth_verify(PGconn *conn, const char *s, size_t len, struct auth_cred *out)
{
	static const char	sel[] = "SELECT c.id, c.kind, c.user_name, "
	    "u.roles, " AUTH_TS("c.expires_at") ", c.last_used_at IS NULL OR "
	    "c.last_used_at < now() - interval '1 minute' FROM credentials c "
	    "JOIN users u ON u.name = c.user_name WHERE c.secret_sha256 = $1 "
	    "AND c.revoked_at IS NULL AND c.expires_at > now() AND u.active";
	static const char	used[] = "UPDATE credentials SET last_used_at "
				    "= now() WHERE id = $1";
	PGresult		*r;
	const char		*params[1];
	char			 hex[65];
	struct auth_cred	 c;
	int			 rc, touch;

	if (!auth_check_secret(s, len))
		return ERR_AUTH;
	if ((rc = auth_sha256_hex(s, len, hex)) != 0)
		return ERR_AUTH;
	params[0] = hex;
	if ((rc = pgu_exec(conn, "people", "check a credential", sel, 1, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ERR_AUTH;
	}
	memset(&c, 0, sizeof(c));
	c.id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	c.kind = strcmp(PQgetvalue(r, 0, 1), "session") == 0 ? AUTH_SESSION :
	    AUTH_TOKEN;
	(void)snprintf(c.user, sizeof(c.user), "%s", PQgetvalue(r, 0, 2));
	c.roles = (int)strtol(PQgetvalue(r, 0, 3), NULL, 10);
	(void)snprintf(c.expires_at, sizeof(c.expires_at), "%s",
	    PQgetvalue(r, 0, 4));
	touch = PQgetvalue(r, 0, 5)[0] == 't';
	params[0] = PQgetvalue(r, 0, 0);
	if (touch && PQtransactionStatus(conn) == PQTRANS_IDLE)
		/* A failure is logged and changes nothing the caller needs. */
		(void)pgu_exec(conn, "people", "mark a credential used", used,
		    1, params, PGRES_COMMAND_OK, NULL);
	PQclear(r);
	*out = c;
	return 0;
}

int
auth_revoke(PGconn *conn, int64_t id, enum auth_kind kind, const char *owner,
    const char *actor)
{
	static const char	upd[] = "UPDATE credentials SET revoked_at = "
	    "now(), revoked_by = $4 WHERE id = $1 AND kind = $2 AND "
	    "revoked_at IS NULL AND ($3::text IS NULL OR user_name = $3) "
	    "RETURNING user_name, name";
	PGresult		*r;
	const char		*params[4];
	char			 idbuf[24], user[AUTH_USER_MAX + 1];
	json_t			*d;
	int			 rc;

	(void)snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
	params[0] = idbuf;
	params[1] = kind == AUTH_SESSION ? "session" : "token";
	params[2] = owner;
	params[3] = actor;
	if ((rc = creg_begin(conn)) != 0)
		return rc;
	if ((rc = pgu_exec(conn, "people", "revoke a credential", upd, 4,
	    params, PGRES_TUPLES_OK, &r)) != 0)
		goto fail;
	if (PQntuples(r) != 1) {
		PQclear(r);
		rc = ERR_NOTFOUND;
		goto fail;
	}
	(void)snprintf(user, sizeof(user), "%s", PQgetvalue(r, 0, 0));
	if (kind == AUTH_SESSION)
		d = json_pack("{s:I}", "session", (json_int_t)id);
	else
		d = json_pack("{s:I, s:s}", "id", (json_int_t)id, "name",
		    PQgetvalue(r, 0, 1));
	PQclear(r);
	if ((rc = auth_audit(conn, actor, kind == AUTH_SESSION ? "logout" :
	    "token_revoke", user, d)) != 0)
		goto fail;
	if ((rc = creg_commit(conn)) != 0)
		goto fail;
	return 0;
fail:
	(void)creg_rollback(conn);
	return rc;
}

int
auth_tokens_json(PGconn *conn, const char *user, json_t **out)
{
	static const char	sql[] = "SELECT id, user_name, name, "
	    AUTH_TS("created_at") ", " AUTH_TS("expires_at") ", "
	    AUTH_TS("last_used_at") ", " AUTH_TS("revoked_at") ", CASE WHEN "
	    "revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() "
	    "THEN 'expired' ELSE 'live' END FROM credentials WHERE kind = "
	    "'token' AND ($1::text IS NULL OR user_name = $1) ORDER BY id DESC";
	PGresult		*r;
	const char		*params[1] = { user };
	json_t			*arr, *t;
	int			 i, rc;

	if ((rc = pgu_exec(conn, "people", "list tokens", sql, 1, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	if ((arr = json_array()) == NULL) {
		PQclear(r);
		return ERR_NOMEM;
	}
	for (i = 0; i < PQntuples(r); i++) {
		t = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		    "id", (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10),
		    "user", auth_json_text(r, i, 1),
		    "name", auth_json_text(r, i, 2),
		    "created_at", auth_json_text(r, i, 3),
		    "expires_at", auth_json_text(r, i, 4),
		    "last_used_at", auth_json_text(r, i, 5),
		    "revoked_at", auth_json_text(r, i, 6),
		    "status", auth_json_text(r, i, 7));
		if (t == NULL || json_array_append_new(arr, t) != 0) {
			json_decref(arr);
			PQclear(r);
			return ERR_NOMEM;
		}
	}
	PQclear(r);
	*out = arr;
	return 0;
}
