/* feedlog.h - the centre's feed log in PostgreSQL (feed_head, feed_log of
 * 002_registry.sql): appending an entry in the writer's transaction at the
 * next position, the head, and the batches posts read, assembled from the
 * stored entry texts without re-encoding. docs/feed.md, "The centre's log". */
#ifndef SHEKARA_FEEDLOG_H
#define SHEKARA_FEEDLOG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "feed.h"

/*
 * In the caller's open transaction (BEGIN already sent on conn): takes the
 * next feed position (UPDATE feed_head SET pos = pos + 1 RETURNING pos -
 * the row lock is held until the caller commits, so positions become
 * visible in order; call it LAST before COMMIT to keep the lock short),
 * sets e->pos, marks earlier rows of (kind, id) superseded, and stores the
 * entry's exact bytes from feed_encode_entry(). 0, ERR_INVAL
 * (feed_check_entry refused it), ERR_DB, ERR_NOMEM. On failure the caller
 * rolls back; e->pos is left as it was. The transaction must be READ
 * COMMITTED (the default): the superseding statement then sees the row the
 * previous holder of the lock committed.
 */
int	feedlog_append(PGconn *conn, struct feed_entry *e);

/* The head: the last position taken and committed. 0 or ERR_DB. */
int	feedlog_head(PGconn *conn, uint64_t *head);

/* A batch as posts receive it: buf holds exactly len bytes of the batch's
 * JSON (feed_encode_batch()'s form) and a NUL after them. */
struct feedlog_batch {
	uint64_t	 from;
	uint64_t	 to;
	uint64_t	 head;		/* the head in the same snapshot */
	size_t		 n;		/* entries */
	char		*buf;		/* malloc'd; feedlog_batch_reset() */
	size_t		 len;
};

/*
 * Reads in one snapshot (REPEATABLE READ READ ONLY; conn must be idle, not
 * in a transaction) the head and the non-superseded entries with pos >
 * since in order, at most max (1..FEED_BATCH_MAX), and for since == 0 (the
 * snapshot) without deletes, and no more than maxbytes bytes of batch
 * text in all (0: no byte limit). The batch covers (since, to]: to is the
 * last entry's pos when either limit cut it, else the head. 0, ERR_CONFLICT
 * (since is above the head: out->head is set, nothing else), ERR_RANGE
 * (since over FEED_POS_MAX or max out of range), ERR_TOOBIG (the first
 * entry alone is over maxbytes), ERR_DB, ERR_NOMEM. out is filled only on
 * success (and head on ERR_CONFLICT).
 */
int	feedlog_batch(PGconn *conn, uint64_t since, size_t max,
	    size_t maxbytes, struct feedlog_batch *out);
/* Frees out->buf and zeroes *out; NULL does nothing. */
void	feedlog_batch_reset(struct feedlog_batch *b);

#endif
