/* creg.h - the centre's registry: every administrative change (watchlists,
 * permits, registrations, officers, stay policy, posts) goes through here.
 * Each mutator runs in a transaction the caller opened (creg_begin()), so a
 * file of 10,000 rows is one transaction and one bad row rolls back all of
 * it. A mutator validates its input, writes the table row, a `changes` row
 * (who, what, the new values; never a PIN or its hash) and, for what posts
 * decide from, the feed entry (feedlog_append(), last). Every statement is
 * parameterised. Not thread-safe: one connection per thread. */
#ifndef SHEKARA_CREG_H
#define SHEKARA_CREG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "feed.h"
#include "proto.h"

#define CREG_ACTOR_MAX		128	/* bytes of an actor: UTF-8, no
					 * control characters */
#define CREG_TEXT_MAX		128	/* region, host, post name */
#define CREG_ADDRESS_MAX	256	/* a registration's address */
#define CREG_CN_MAX		127	/* a post certificate's CN */
#define CREG_SHA256_LEN		32	/* bytes of a cert digest */
#define CREG_SHA256_HEX		64	/* its lowercase hex */

/* What a registry record is; creg_kind_str() gives the wire/table name. */
enum creg_kind {
	CREG_DOCUMENT_ALERT = 1,	/* "document_alert" (feed) */
	CREG_PERSON_ALERT,		/* "person_alert" (feed) */
	CREG_PERMIT,			/* "permit" (feed) */
	CREG_REGISTRATION,		/* "registration" (not in the feed) */
	CREG_OFFICER,			/* "officer" (feed) */
	CREG_POLICY,			/* "policy" (feed, id "policy") */
	CREG_POST,			/* "post" (not in the feed) */
	CREG_KIND_MAX = CREG_POST
};

/* A registration of a foreigner at a place of residence. */
struct creg_registration {
	char	id[FEED_ID_MAX + 1];		/* [A-Za-z0-9._:-]{1,64} */
	char	issuing_state[PROTO_STATE_MAX + 1];	/* [A-Z]{1,3} */
	char	number[PROTO_DOCNUM_MAX + 1];	/* [A-Z0-9]{1,24} */
	char	region[CREG_TEXT_MAX + 1];	/* 1.. bytes */
	char	address[CREG_ADDRESS_MAX + 1];	/* 1.. bytes */
	char	host[CREG_TEXT_MAX + 1];	/* 1.. bytes */
	char	valid_from[FEED_DATE_LEN + 1];	/* "YYYY-MM-DD" */
	char	valid_until[FEED_DATE_LEN + 1];	/* >= valid_from */
};

/* "document_alert", ... "post"; "invalid" out of range. */
const char	*creg_kind_str(enum creg_kind kind);
/* The reverse: 0 and *out, or ERR_PARSE. */
int		 creg_kind_parse(const char *s, enum creg_kind *out);

/*
 * Transactions on conn (connected: db_connect() then db_pgconn()). 0 or
 * ERR_DB (logged). creg_rollback() of a connection with no open or a failed
 * transaction is harmless.
 */
int	creg_begin(PGconn *conn);
int	creg_commit(PGconn *conn);
int	creg_rollback(PGconn *conn);

/*
 * Mutators. All: actor is who makes the change (1..128 bytes of UTF-8,
 * no control characters); conn has a transaction open (creg_begin()).
 * *changed (may be NULL) is set to 1 if something was written, 0 if the
 * stored record already was exactly this (nothing written, no change row,
 * no feed entry). Return 0; ERR_INVAL with *err (may be NULL) naming the
 * field ("holder.number", "valid_until", "actor", "id") and the problem,
 * nothing written; ERR_DB (the statement failed, logged: the transaction
 * is aborted, roll back); ERR_NOMEM. After any error the caller must
 * creg_rollback(). On success with a feed entry, e.pos is taken last and
 * the feed_head row lock is held until the caller commits: commit soon.
 */

/* Puts (inserts or replaces) a record of a feed kind under id. */
int	creg_document_alert_put(PGconn *conn, const char *actor,
	    const char *id, const struct feed_document_alert *a, int *changed,
	    struct proto_error *err);
int	creg_person_alert_put(PGconn *conn, const char *actor,
	    const char *id, const struct feed_person_alert *a, int *changed,
	    struct proto_error *err);
/* Also marks the holder's document (and, when the put moves the permit
 * to another document, the old one) dirty for the stay deriver. */
int	creg_permit_put(PGconn *conn, const char *actor, const char *id,
	    const struct feed_permit *p, int *changed, struct proto_error *err);
/* Registrations are not in the feed: row and change only. */
int	creg_registration_put(PGconn *conn, const char *actor,
	    const struct creg_registration *r, int *changed,
	    struct proto_error *err);
/* An officer (o->id is the id); o->pin_hash is a PHC string, from
 * pinhash_make(). A put that only re-hashes the same PIN is a change (the
 * salt differs). The change row says "pin_changed" true/false. */
int	creg_officer_put(PGconn *conn, const char *actor,
	    const struct feed_officer *o, int *changed,
	    struct proto_error *err);
/* Turns an existing officer on or off, keeping the PIN hash: ERR_NOTFOUND
 * if there is no such officer. */
int	creg_officer_set_active(PGconn *conn, const char *actor,
	    const char *id, int active, int *changed, struct proto_error *err);

/*
 * Removes a record of kind CREG_DOCUMENT_ALERT, _PERSON_ALERT, _PERMIT,
 * _REGISTRATION or _OFFICER: the row goes, a change row "remove" (with the
 * values removed, never a PIN hash) is written and, for a feed kind, a
 * feed delete. A permit's document is marked dirty. ERR_NOTFOUND if there
 * is no such record (nothing written); ERR_INVAL for another kind (posts
 * are revoked, policies superseded) or a malformed id/actor.
 */
int	creg_remove(PGconn *conn, const char *actor, enum creg_kind kind,
	    const char *id, struct proto_error *err);

/*
 * Loads a stay policy text (config/policy.yaml) of len bytes (1..
 * FEED_YAML_MAX; no NUL needed): it must pass policy_load_buf(); its own
 * "version" is the row's key and is copied to version (may be NULL). The
 * newest loaded version is in force and goes out as the feed entry
 * (kind policy, id "policy"). The same version with the same text again:
 * *changed 0, nothing written. The same version with different text:
 * ERR_CONFLICT (a version names one text forever). ERR_INVAL: the text
 * does not load (err->field "yaml", the first problem as message).
 */
int	creg_policy_load(PGconn *conn, const char *actor, const char *yaml,
	    size_t len, char version[FEED_POLICY_VERSION_MAX + 1],
	    int *changed, struct proto_error *err);
/*
 * The text of policy version (NULL: the one in force) in a heap buffer,
 * NUL-terminated, len bytes; the caller frees it. Its version into
 * version_out (may be NULL). ERR_NOTFOUND, ERR_DB, ERR_NOMEM. Needs no
 * transaction.
 */
int	creg_policy_get(PGconn *conn, const char *version, char **yaml,
	    size_t *len, char version_out[FEED_POLICY_VERSION_MAX + 1]);

/*
 * Posts. creg_post_enrol() binds post code ([A-Z0-9]{2,16}) to a client
 * certificate: its subject CN (1..127 bytes, printable ASCII) and the
 * SHA-256 of its DER as 64 hex digits (either case; stored lowercase).
 * Enrolling an enrolled post again replaces its certificate (renewal) and
 * makes it active again if it was revoked; exactly the same enrolment of an
 * active post is *changed 0. A CN bound to another post: ERR_CONFLICT
 * (err->field "cert_cn"). name may be NULL or "" (0..128 bytes).
 * creg_post_revoke(): ERR_NOTFOUND if no such post; revoking a revoked
 * post is *changed 0.
 */
int	creg_post_enrol(PGconn *conn, const char *actor, const char *code,
	    const char *name, const char *cert_cn, const char *cert_sha256_hex,
	    int *changed, struct proto_error *err);
int	creg_post_revoke(PGconn *conn, const char *actor, const char *code,
	    int *changed, struct proto_error *err);
/*
 * For centrald's certificate check: the post whose certificate has subject
 * CN cn and DER digest sha256. 0 with code and *revoked (1 if the post is
 * revoked: refuse it); ERR_NOTFOUND: no post has this CN; ERR_AUTH: the CN
 * is enrolled but with another certificate; ERR_DB. Needs no transaction.
 */
int	creg_post_find(PGconn *conn, const char *cn,
	    const uint8_t sha256[CREG_SHA256_LEN],
	    char code[PROTO_POST_MAX + 1], int *revoked);

/*
 * Listing for the CLI. Values are text ("" for null): dates "YYYY-MM-DD",
 * times "2026-11-27T01:02:03.123Z" (UTC), booleans "true"/"false". Rows are
 * streamed in id order (posts by code, policies oldest first, changes
 * oldest first) and cb is called per row with vals[ncols] (column names
 * from creg_list_columns()); a non-zero return from cb stops the listing
 * and is returned. 0, ERR_INVAL (bad kind), ERR_DB or cb's code. Needs no
 * transaction (and must not run while one is open on conn).
 *
 * Columns:
 *   document_alert: id issuing_state number reason since changed_at
 *                   changed_by
 *   person_alert:   id kind surname given_names birth_date nationality
 *                   until severity source changed_at changed_by
 *   permit:         id kind issuing_state number nationality surname
 *                   given_names birth_date valid_from valid_until entries
 *                   entries_used stay_days employer region changed_at
 *                   changed_by
 *   registration:   id issuing_state number region address host
 *                   valid_from valid_until changed_at changed_by
 *   officer:        id name active changed_at changed_by (no PIN hash)
 *   policy:         version bytes loaded_at loaded_by current
 *   post:           code name cert_cn cert_sha256 status enrolled_at
 *                   enrolled_by revoked_at revoked_by
 */
struct creg_filter {
	const char	*id;		/* NULL: all; else only this id
					 * (post code, policy version) */
	const char	*number;	/* NULL: all; else records about this
					 * document number (document alerts,
					 * permits, registrations) */
	long long	 limit;		/* rows at most; 0: no limit */
};
typedef int	(*creg_row_fn)(void *arg, size_t ncols,
		    const char *const *vals);

/* The column names of kind's listing, *ncols set; NULL for a bad kind. */
const char *const	*creg_list_columns(enum creg_kind kind, size_t *ncols);
int	creg_list(PGconn *conn, enum creg_kind kind,
	    const struct creg_filter *f, creg_row_fn cb, void *arg);

/*
 * The change log, oldest first. Columns: id at actor action kind record
 * detail (detail as JSON text).
 */
struct creg_change_filter {
	const char	*kind;		/* NULL: all; else "permit", ... */
	const char	*record;	/* NULL: all; else this record */
	const char	*actor;		/* NULL: all; else by this actor */
	long long	 limit;		/* the newest rows at most; 0: all */
};
const char *const	*creg_changes_columns(size_t *ncols);
int	creg_changes_list(PGconn *conn, const struct creg_change_filter *f,
	    creg_row_fn cb, void *arg);

#endif
