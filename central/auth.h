/* auth.h - the people of the centre in PostgreSQL (004_people.sql): users
 * with roles and scrypt password hashes, their login sessions and named API
 * tokens (32 random bytes given once as base64url; only their SHA-256 is
 * stored), login throttling, and the audit events of all of it
 * (audit_append: login, login_failed, logout, token_create, token_revoke,
 * user_change). Used by the people's API (api.c) and centralctl's user and
 * token commands. docs/people.md. */
#ifndef SHEKARA_AUTH_H
#define SHEKARA_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#define AUTH_USER_MAX		64	/* [a-z0-9._-]{1,64} */
#define AUTH_DISPLAY_MAX	128	/* bytes of a display name */
#define AUTH_TOKEN_NAME_MAX	64	/* [A-Za-z0-9 ._:-]{1,64} */
#define AUTH_SECRET_BYTES	32
#define AUTH_SECRET_LEN		43	/* base64url of 32 bytes, unpadded */
#define AUTH_LOGIN_WINDOW_S	900	/* failures counted over 15 minutes */
#define AUTH_TOKENS_MAX		100	/* live tokens per user */
#define AUTH_TIME_MAX		32	/* "2026-11-27T01:02:03Z" and NUL */

enum auth_kind {
	AUTH_SESSION = 1,
	AUTH_TOKEN = 2
};

/* A verified credential: whose it is and what it may do. */
struct auth_cred {
	int64_t		id;
	enum auth_kind	kind;
	char		user[AUTH_USER_MAX + 1];
	int		roles;		/* api.h's enum api_role bits */
	char		expires_at[AUTH_TIME_MAX];	/* RFC 3339 UTC */
};

/* 1 if s[0..len) is a user name ([a-z0-9._-]{1,64}), else 0. */
int	auth_check_user(const char *s, size_t len);
/* 1 if s is a token name ([A-Za-z0-9 ._:-]{1,64}), else 0. */
int	auth_check_token_name(const char *s);

/*
 * Creates a user (roles: 1..7; display may be NULL; pw NULL: no password,
 * tokens only, else it must keep pinhash_check_password()) and audits
 * "user_change" by actor. In its own transaction: conn must be idle. 0,
 * ERR_INVAL (with why: a bad name, roles, display name or password),
 * ERR_EXISTS, ERR_DB, ERR_NOMEM, ERR_IO (the random generator).
 */
int	auth_user_add(PGconn *conn, const char *name, const char *display,
	    const char *pw, size_t pwlen, int roles, const char *actor,
	    char *why, size_t whysz);

/* What auth_user_set() changes: fields left at their "keep" value are not
 * touched. */
struct auth_user_change {
	int		 roles;		/* 1..7, or 0: keep */
	int		 active;	/* 1, 0, or -1: keep */
	const char	*display;	/* NULL: keep */
	const char	*pw;		/* NULL: keep; a new password revokes
					 * the user's sessions */
	size_t		 pwlen;
};

/*
 * Changes a user in its own transaction (conn idle) and audits
 * "user_change" by actor (never the password: only that it changed).
 * Disabling a user makes every credential of theirs invalid at once.
 * 0, ERR_NOTFOUND, ERR_INVAL (why), ERR_CONFLICT (it would leave no active
 * administrator), ERR_DB, ERR_NOMEM.
 */
int	auth_user_set(PGconn *conn, const char *name,
	    const struct auth_user_change *ch, const char *actor, char *why,
	    size_t whysz);

/* One user as a JSON object {"name","display_name","roles":[...],"active",
 * "password":true|false,"created_at","created_by","changed_at",
 * "changed_by"} (new reference), or every user (name NULL) as an array in
 * name order. 0, ERR_NOTFOUND, ERR_DB, ERR_NOMEM. */
int	auth_user_json(PGconn *conn, const char *name, json_t **out);

/*
 * A login (conn idle): unless the name had max_failures failed logins in
 * the last AUTH_LOGIN_WINDOW_S seconds, checks the password and, if it
 * matches an active user's, starts a session of ttl_s seconds: secret (a
 * buffer of AUTH_SECRET_LEN + 1) receives the cookie value once, out the
 * session. Audited: "login", or "login_failed" with the reason (peer
 * recorded). 0; ERR_AUTH (no such user, a wrong password, a disabled user,
 * all alike); ERR_TOOBIG (throttled: too many failures, nothing checked);
 * ERR_DB; ERR_IO.
 */
int	auth_login(PGconn *conn, const char *user, size_t userlen,
	    const char *pw, size_t pwlen, long ttl_s, long max_failures,
	    const char *peer, char *secret, struct auth_cred *out);

/*
 * A new token of user (active) named name, valid for days days (1..3650;
 * the caller bounds it by token_max_days), created by actor (user, or an
 * administrator at the command line). secret as for auth_login(). Audited
 * "token_create". 0, ERR_NOTFOUND (no such active user), ERR_INVAL (why),
 * ERR_TOOBIG (AUTH_TOKENS_MAX live tokens already), ERR_DB, ERR_IO.
 */
int	auth_token_new(PGconn *conn, const char *user, const char *name,
	    long days, const char *actor, char *secret, struct auth_cred *out,
	    char *why, size_t whysz);

/*
 * The credential whose secret is s[0..len) (a session cookie or a bearer
 * token) if it is live: not expired, not revoked, its user active. Marks
 * it used (last_used_at, at most once a minute). 0, ERR_AUTH, ERR_DB.
 */
int	auth_verify(PGconn *conn, const char *s, size_t len,
	    struct auth_cred *out);

/*
 * Revokes credential id (conn idle). owner NULL: anyone's (an
 * administrator); else only owner's. kind: the kind it must be. Audited as
 * "logout" (a session) or "token_revoke" by actor. 0, ERR_NOTFOUND (none,
 * another's or already revoked), ERR_DB.
 */
int	auth_revoke(PGconn *conn, int64_t id, enum auth_kind kind,
	    const char *owner, const char *actor);

/* The tokens of user (NULL: everyone's), newest first, as a JSON array of
 * {"id","user","name","created_at","expires_at","last_used_at","revoked_at",
 * "status":"live"|"expired"|"revoked"}; never a secret. 0, ERR_DB,
 * ERR_NOMEM. */
int	auth_tokens_json(PGconn *conn, const char *user, json_t **out);

#endif
