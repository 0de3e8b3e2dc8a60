/* audit.h - the centre's audit trail in PostgreSQL (005_audit.sql): the
 * centre's own hash chain of events (logins, queries, changes), signed heads
 * of every chain (the centre's and each post's, post_audit), the verifier
 * that walks every chain from its genesis and names the first event that was
 * changed, removed, inserted or reordered, and the listing auditors read.
 * The encoding is common/auditchain.h's; docs/audit.md. */
#ifndef SHEKARA_AUDIT_H
#define SHEKARA_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "api.h"
#include "auditchain.h"
#include "sign.h"

#define AUDIT_CHAIN_CENTRE	"centre"
#define AUDIT_LIST_MAX		10000	/* events in one listing page */

/*
 * Appends one event to the centre's chain, in the caller's open transaction
 * if there is one (PQtransactionStatus), else in its own. actor: who (user
 * name, "post:ALA01", "system"); action: [a-z_]{1,32} ("login",
 * "login_failed", "logout", "token_create", "query", "lookup", "change",
 * "user_change", ...); subject: whom/what ("" allowed; "RUS:P1234567" for a
 * document); detail: a JSON object as text (the filters of a query, the
 * values of a change), or NULL for {}. 0, ERR_INVAL, ERR_DB.
 *
 * It takes the chain head's row lock (UPDATE audit_head) and, in the
 * caller's transaction, holds it until that transaction ends: every other
 * appender waits, so keep such transactions short. In a transaction that
 * also appends to the feed, call it AFTER feedlog_append(), and one that
 * may write the feed later must lock feed_head first (creg.c does): one
 * lock order everywhere, feed_head then audit_head. A refused event
 * (ERR_INVAL) changes nothing and leaves the caller's transaction usable;
 * after ERR_DB the caller's transaction has failed and must be rolled
 * back.
 */
int	audit_append(PGconn *conn, const char *actor, const char *action,
	    const char *subject, const char *detail_json);

/*
 * Signs the current head (last seq and hash) of every chain whose head moved
 * since its last signed head: the centre's and each post's. Before signing,
 * the events since the last signed head are checked to link to it; a chain
 * that does not is not signed (logged; audit_verify() names the problem).
 * At most 50000 new events of a chain are walked per call: a long unsigned
 * stretch is signed in steps, one head per call. nsigned (may be NULL):
 * heads signed. conn must be idle. 0, ERR_DB, ERR_NOMEM.
 */
int	audit_sign_heads(PGconn *conn, const struct sign_key *key,
	    size_t *nsigned);

/* The message a head's signature covers: "shekara-audit-head-v1\n" then
 * chain, seq, hash and signed_at (RFC 3339 UTC with milliseconds) as in
 * audit_event_hash(). 0, ERR_INVAL, ERR_TOOBIG. */
int	audit_head_message(const char *chain, uint64_t seq, const char *hash,
	    int64_t signed_at_ms, uint8_t *buf, size_t bufsz, size_t *len);

/* What a verification found. */
enum audit_finding_kind {
	AUDIT_CHANGED = 1,	/* an event's content no longer has its hash */
	AUDIT_REMOVED,		/* events missing: a seq gap, a link to an
				 * event not in the chain, a truncated tail */
	AUDIT_INSERTED,		/* an event that was not there: the next one
				 * links past it */
	AUDIT_REORDERED,	/* an event links to a later one */
	AUDIT_HEAD_MISMATCH,	/* a signed head no longer matches its event */
	AUDIT_HEAD_BADSIG,	/* a head's signature does not verify */
	AUDIT_HEAD_UNKNOWN_KEY	/* a head signed by a key not given */
};
const char	*audit_finding_str(enum audit_finding_kind kind);

struct audit_finding {
	enum audit_finding_kind	 kind;
	const char		*chain;		/* "centre", "post:ALA01" */
	uint64_t		 seq;		/* the first affected event */
	int			 first;		/* the chain's first problem */
	const char		*message;	/* one line: what and where */
};

struct audit_verify_sum {
	size_t		 chains;	/* chains walked */
	uint64_t	 events;	/* events checked */
	size_t		 heads;		/* signed heads checked */
	size_t		 problems;	/* findings, reported or not */
	size_t		 chains_bad;	/* chains with a problem */
	uint64_t	 unsigned_events;	/* events after the last signed
						 * head of their chain */
};

/* Called for each finding (at most 20 per chain; the rest are counted);
 * a non-zero return stops the verification and is returned. */
typedef int	(*audit_report_fn)(void *arg, const struct audit_finding *f);

/*
 * Walks every chain from its genesis in one snapshot (conn must be idle):
 * recomputes every hash, checks seq continuity and prev links, the
 * centre's appender head, and every signed head (signature by one of the
 * npub keys, and that its event still has that hash). Reports findings
 * through cb (may be NULL) and fills sum (may be NULL). Returns 0 when the
 * walk completed (sum->problems says whether all was well), ERR_DB,
 * ERR_NOMEM or cb's code.
 */
int	audit_verify(PGconn *conn, const uint8_t (*pubkeys)[SIGN_PUBKEY_LEN],
	    size_t npub, audit_report_fn cb, void *arg,
	    struct audit_verify_sum *sum);

/* Which events to list: ordered by (at, chain, seq). */
struct audit_filter {
	const char	*chain;		/* NULL: every chain */
	int		 has_since;
	int64_t		 since;		/* ms since the epoch, inclusive */
	int		 has_until;
	int64_t		 until;		/* ms, exclusive */
	const char	*actor;		/* NULL: any */
	const char	*action;	/* NULL: any */
	const char	*subject;	/* NULL: any */
	int		 has_after;	/* a cursor: strictly after this */
	int64_t		 after_at;
	char		 after_chain[64];
	uint64_t	 after_seq;
	long long	 limit;		/* 1..AUDIT_LIST_MAX; 0: no limit */
};

/* One listed event: the stored values, as text where they are text. */
struct audit_row {
	const char	*chain;
	uint64_t	 seq;
	int64_t		 at_ms;
	const char	*at;		/* "2026-11-27T01:02:03.123Z" */
	const char	*actor;
	const char	*action;
	const char	*subject;
	const char	*detail;	/* canonical JSON object */
	const char	*prev;
	const char	*hash;
};

/* Calls cb for each event, in order; a non-zero return from cb stops the
 * listing and is returned. 0, ERR_INVAL (a bad filter), ERR_DB or cb's
 * code. */
int	audit_list(PGconn *conn, const struct audit_filter *f,
	    int (*cb)(void *arg, const struct audit_row *row), void *arg);

/* Cursor text for the API: "<at_ms>.<seq>.<chain>"; parse/format. 0 or
 * ERR_INVAL / ERR_TOOBIG. */
int	audit_cursor_format(const struct audit_row *row, char *buf,
	    size_t bufsz);
int	audit_cursor_parse(struct audit_filter *f, const char *s);

/* The auditors' API (API_AUDITOR): GET /api/v1/audit/events and GET
 * /api/v1/audit/verify; each read is itself an audit event ("query"). */
extern const struct api_route	audit_routes[];
/* The public keys GET /api/v1/audit/verify checks signed heads with (at
 * most 8 are kept; centrald gives the feed signing key's). */
void	audit_api_keys(const uint8_t (*pub)[SIGN_PUBKEY_LEN], size_t n);

#endif
