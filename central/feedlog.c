/* feedlog.c - the feed log in PostgreSQL: positions from the one row of
 * feed_head (its row lock orders the writers' commits), entries stored as
 * their exact encoded bytes, superseded rows skipped, and batches assembled
 * from one REPEATABLE READ snapshot by joining stored texts. Every statement
 * is parameterised. See feedlog.h and docs/feed.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "err.h"
#include "feed.h"
#include "feedlog.h"
#include "log.h"
#include "pgutil.h"

#define FL_ENTRY_START	(64 * 1024)	/* first encode buffer */
#define FL_ENTRY_MAX	(8 * 1024 * 1024)	/* policy text escaped */

static const char	fl_take_sql[] =
	"UPDATE feed_head SET pos = pos + 1 RETURNING pos";
/*
 * Runs after fl_take_sql in the same transaction: in READ COMMITTED its
 * snapshot is taken after the head's row lock was granted, so it sees every
 * row of a lower position (their writers committed before the lock passed
 * on) and supersedes the newest of (kind, id) even if it was written a
 * moment ago by another transaction.
 */
static const char	fl_insert_sql[] =
	"WITH s AS (UPDATE feed_log SET superseded = true"
	"  WHERE kind = $2::text AND id = $3::text AND NOT superseded"
	"  AND pos < $1::bigint)"
	" INSERT INTO feed_log (pos, kind, id, op, entry)"
	" VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::text)";
static const char	fl_head_sql[] = "SELECT pos FROM feed_head";
static const char	fl_rows_sql[] =
	"SELECT pos, entry FROM feed_log"
	" WHERE pos > $1::bigint AND NOT superseded"
	" AND ($1::bigint > 0 OR op = 'upsert')"
	" ORDER BY pos LIMIT $2::bigint";

/* Encodes e into a malloc'd buffer big enough for it. */
static int
fl_encode(const struct feed_entry *e, char **out, size_t *outlen)
{
	size_t	sz, len;
	char	*buf;
	int	rc;

	for (sz = FL_ENTRY_START; ; sz *= 2) {
		if ((buf = malloc(sz + 1)) == NULL)
			return ERR_NOMEM;
		rc = feed_encode_entry(e, buf, sz, &len);
		if (rc == 0) {
			buf[len] = '\0';
			*out = buf;
			*outlen = len;
			return 0;
		}
		free(buf);
		if (rc != ERR_TOOBIG || sz >= FL_ENTRY_MAX)
			return rc;
	}
}

int
feedlog_append(PGconn *conn, struct feed_entry *e)
{
	struct proto_error	 err;
	PGresult		*r;
	const char		*vals[5];
	char			 pos[PGU_NUM_LEN], *text = NULL;
	uint64_t		 saved = e->pos, p;
	size_t			 len;
	int			 ok, rc;

	/* Checked before the head is locked: the lock is held to COMMIT. */
	e->pos = 1;
	ok = feed_check_entry(e, &err);
	e->pos = saved;
	if (!ok) {
		log_warnx("feed log: %s %s refused: %s%s%s",
		    feed_kind_str(e->kind), feed_check_id(e->id,
		    strnlen(e->id, sizeof(e->id))) ? e->id : "(bad id)",
		    err.field, err.field[0] != '\0' ? ": " : "", err.message);
		return ERR_INVAL;
	}

	r = PQexecParams(conn, fl_take_sql, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
	    pgu_u64(PQgetvalue(r, 0, 0), &p) != 0 || p == 0 ||
	    p > FEED_POS_MAX) {
		pgu_log_result(conn, "feed log", "take a position", r);
		PQclear(r);
		return ERR_DB;
	}
	PQclear(r);

	e->pos = p;
	if ((rc = fl_encode(e, &text, &len)) != 0) {
		e->pos = saved;
		return rc;
	}
	pgu_fmt_u64(pos, p);
	vals[0] = pos;
	vals[1] = feed_kind_str(e->kind);
	vals[2] = e->id;
	vals[3] = feed_op_str(e->op);
	vals[4] = text;
	r = PQexecParams(conn, fl_insert_sql, 5, NULL, vals, NULL, NULL, 0);
	free(text);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pgu_log_result(conn, "feed log", "store an entry", r);
		PQclear(r);
		e->pos = saved;
		return ERR_DB;
	}
	PQclear(r);
	return 0;
}

int
feedlog_head(PGconn *conn, uint64_t *head)
{
	PGresult	*r;
	uint64_t	 v;

	r = PQexecParams(conn, fl_head_sql, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
	    pgu_u64(PQgetvalue(r, 0, 0), &v) != 0) {
		pgu_log_result(conn, "feed log", "read the head", r);
		PQclear(r);
		return ERR_DB;
	}
	PQclear(r);
	*head = v;
	return 0;
}

/* A growable buffer with a ceiling. */
struct fl_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static int
fl_buf_add(struct fl_buf *b, const char *s, size_t n)
{
	size_t	cap;
	char	*p;

	if (n > SIZE_MAX / 2 - b->len - 1)
		return ERR_TOOBIG;
	if (b->len + n + 1 > b->cap) {
		for (cap = b->cap > 0 ? b->cap : 4096; cap < b->len + n + 1; )
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return ERR_NOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/*
 * Streams the rows (single-row mode, so a batch of large entries is not
 * held twice) into ents, joined by ",", stopping (but draining) at max
 * entries or once the next entry would take the batch over maxbytes; *cut
 * says whether either limit left rows out.
 */
static int
fl_rows(PGconn *conn, uint64_t since, size_t max, size_t maxbytes,
    size_t headmax, struct fl_buf *ents, size_t *n, uint64_t *last,
    int *cut)
{
	PGresult	*r;
	const char	*vals[2];
	char		 s1[PGU_NUM_LEN], s2[PGU_NUM_LEN];
	uint64_t	 pos, prev = since;
	size_t		 elen, total;
	int		 i, rc = 0, full = 0;

	/* One row more than max says whether max cut the batch. */
	pgu_fmt_u64(s1, since);
	pgu_fmt_u64(s2, (uint64_t)max + 1);
	vals[0] = s1;
	vals[1] = s2;
	if (!PQsendQueryParams(conn, fl_rows_sql, 2, NULL, vals, NULL, NULL,
	    0)) {
		pgu_log_result(conn, "feed log", "read entries", NULL);
		return ERR_DB;
	}
	(void)PQsetSingleRowMode(conn);	/* if refused: one result, same */
	while ((r = PQgetResult(conn)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			break;
		default:
			if (rc == 0) {
				pgu_log_result(conn, "feed log",
				    "read entries", r);
				rc = ERR_DB;
			}
			PQclear(r);
			continue;
		}
		for (i = 0; i < PQntuples(r) && rc == 0 && !full; i++) {
			if (*n == max) {
				full = 1;
				break;
			}
			if (pgu_u64(PQgetvalue(r, i, 0), &pos) != 0 ||
			    pos <= prev || pos > FEED_POS_MAX) {
				log_warnx("feed log: a row out of order "
				    "after position %" PRIu64, prev);
				rc = ERR_DB;
				break;
			}
			elen = (size_t)PQgetlength(r, i, 1);
			total = headmax + ents->len + (*n > 0) + elen + 2;
			if (maxbytes > 0 && total > maxbytes) {
				if (*n == 0) {
					log_warnx("feed log: the entry at "
					    "position %" PRIu64 " alone is over "
					    "%zu bytes", pos, maxbytes);
					rc = ERR_TOOBIG;
				} else
					full = 1;
				break;
			}
			if ((*n > 0 && (rc = fl_buf_add(ents, ",", 1)) != 0) ||
			    (rc = fl_buf_add(ents, PQgetvalue(r, i, 1),
			    elen)) != 0)
				break;
			(*n)++;
			prev = pos;
		}
		PQclear(r);
	}
	*last = prev;
	*cut = full;
	return rc;
}

int
feedlog_batch(PGconn *conn, uint64_t since, size_t max, size_t maxbytes,
    struct feedlog_batch *out)
{
	struct fl_buf	 ents = { NULL, 0, 0 }, all = { NULL, 0, 0 };
	PGresult	*r;
	uint64_t	 head = 0, last = 0, to = 0;
	size_t		 n = 0, headmax;
	char		 hbuf[128];
	int		 rc, cut = 0, len;

	if (since > FEED_POS_MAX || max == 0 || max > FEED_BATCH_MAX)
		return ERR_RANGE;
	/* One snapshot for the head and the rows. */
	if ((rc = pgu_command(conn, "feed log", "BEGIN ISOLATION LEVEL "
	    "REPEATABLE READ READ ONLY", NULL)) != 0)
		return rc;
	r = PQexecParams(conn, fl_head_sql, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
	    pgu_u64(PQgetvalue(r, 0, 0), &head) != 0) {
		pgu_log_result(conn, "feed log", "read the head", r);
		PQclear(r);
		rc = ERR_DB;
		goto done;
	}
	PQclear(r);
	if (since > head) {
		rc = ERR_CONFLICT;
		goto done;
	}
	/* The head with "to" at its longest: the byte limit holds whatever
	 * "to" turns out to be. */
	len = snprintf(hbuf, sizeof(hbuf), "{\"version\":%d,\"from\":%" PRIu64
	    ",\"to\":%" PRIu64 ",\"entries\":[", FEED_VERSION, since,
	    FEED_POS_MAX);
	headmax = (size_t)len;
	if ((rc = fl_rows(conn, since, max, maxbytes, headmax, &ents, &n,
	    &last, &cut)) != 0)
		goto done;
	to = cut ? last : head;
	if (to > head) {
		log_warnx("feed log: entry %" PRIu64 " is past the head %"
		    PRIu64, to, head);
		rc = ERR_DB;
		goto done;
	}
	len = snprintf(hbuf, sizeof(hbuf), "{\"version\":%d,\"from\":%" PRIu64
	    ",\"to\":%" PRIu64 ",\"entries\":[", FEED_VERSION, since, to);
	if ((rc = fl_buf_add(&all, hbuf, (size_t)len)) != 0 ||
	    (n > 0 && (rc = fl_buf_add(&all, ents.p, ents.len)) != 0) ||
	    (rc = fl_buf_add(&all, "]}", 2)) != 0)
		goto done;
done:
	free(ents.p);
	/* Read only: COMMIT and ROLLBACK are the same; a failed transaction
	 * needs ROLLBACK, and the connection must leave it either way. */
	if (pgu_command(conn, "feed log", rc == 0 ? "COMMIT" : "ROLLBACK",
	    NULL) != 0 && rc == 0)
		rc = ERR_DB;
	if (rc == ERR_CONFLICT) {
		memset(out, 0, sizeof(*out));
		out->head = head;
	}
	if (rc != 0) {
		free(all.p);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	out->from = since;
	out->to = to;
	out->head = head;
	out->n = n;
	out->buf = all.p;
	out->len = all.len;
	return 0;
}

void
feedlog_batch_reset(struct feedlog_batch *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	memset(b, 0, sizeof(*b));
}
