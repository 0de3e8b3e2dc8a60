/* postaudit.h - the posts' audit chains at the centre (table post_audit,
 * migration 008) and the posts' health as the centre sees it (post_health).
 * A batch is stored idempotently on (post, seq) and never overwrites: the
 * same event again is durable, a different one under a stored seq is a
 * conflict. Each new event's hash and link to the event before are checked
 * and the breaks reported; what the post sent is stored either way (the
 * verifier names it). Every statement is parameterised. */
#ifndef SHEKARA_POSTAUDIT_H
#define SHEKARA_POSTAUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "auditmsg.h"

#define POSTAUDIT_WHY_MAX	160

/* What became of a stored batch; the arrays are the caller's, with room
 * for b->n seqs each. */
struct postaudit_result {
	uint64_t	*durable;	/* stored with exactly this content
					 * (new or sent before), ascending */
	size_t		 ndurable;
	size_t		 nnew;		/* of those, stored by this call */
	uint64_t	*conflict;	/* stored with DIFFERENT content;
					 * nothing changed for them */
	size_t		 nconflict;
	size_t		 npending;	/* being stored by a concurrent
					 * request: acknowledged later */
	size_t		 nbroken;	/* new events whose hash or prev does
					 * not check */
	uint64_t	 first_broken;	/* its seq; 0: none */
	char		 why[POSTAUDIT_WHY_MAX];	/* of the first */
	size_t		 nunlinked;	/* new events whose predecessor is
					 * not at the centre yet: prev not
					 * checked (the verifier will) */
};

/*
 * Stores b (a decoded batch: seqs ascending) as post b->post's events in
 * one statement: INSERT ... ON CONFLICT DO NOTHING and, in the same
 * snapshot, the comparison of the rest with what is stored and the hash of
 * each event's predecessor. Then checks every new event: its hash
 * (audit_event_hash(), chain "post:{code}") and its prev (the stored
 * predecessor's hash, the batch's, or AUDIT_GENESIS for seq 1). res is
 * filled only on success. 0, ERR_DB (nothing acknowledged; the connection
 * may be lost: check PQstatus), ERR_NOMEM, ERR_INVAL (b is not valid).
 */
int	postaudit_store(PGconn *conn, const struct auditmsg_batch *b,
	    struct postaudit_result *res);

/* One contact of a post, for post_health. */
struct postaudit_health {
	const char	*post;
	int		 pushed;	/* a push answered 200: last_push_at */
	int64_t		 unsent;	/* crossings; -1: not reported */
	int64_t		 audit_unsent;	/* audit events; -1: not reported */
	int64_t		 feed_cursor;	/* GET /v1/feed?since=V: V; -1: not
					 * a feed pull */
};

/*
 * Records a contact (one UPSERT): last_contact_at is now; last_push_at,
 * unsent, audit_unsent, feed_cursor and feed_at change only when this
 * contact says something of them. 0, ERR_INVAL (a bad post code or a
 * negative count other than -1), ERR_DB (not logged: PQerrorMessage()).
 */
int	postaudit_note_health(PGconn *conn, const struct postaudit_health *h);

/*
 * A header of a post's push ("Shekara-Unsent": "12"): a decimal 0..2^53-1
 * without sign or leading zeros; -1 when absent (NULL) or malformed.
 */
int64_t	postaudit_parse_count(const char *value);

#endif
