/* postaudit.c - the posts' audit chains and health in PostgreSQL; see
 * postaudit.h. A batch is one statement (insert what is new, compare the
 * rest, fetch the predecessors' hashes), so the common case, a batch of new
 * events, is one round trip. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "auditchain.h"
#include "auditmsg.h"
#include "date.h"
#include "err.h"
#include "log.h"
#include "pgutil.h"
#include "postaudit.h"
#include "proto.h"

#define PA_RECORD_COLS							\
	"seq bigint, at timestamptz, actor text, action text, subject text,"	\
	" detail text, prev text, hash text"

/*
 * Per event of the batch, in seq order: its seq; 'n' (new: inserted now),
 * 's' (stored before with the same content), 'c' (stored with different
 * content) or 'p' (not visible yet: a concurrent insert); and the stored
 * hash of seq - 1 as of the statement's start (NULL if none). The lateral
 * probes see the snapshot before the insert, so a new row is told apart by
 * RETURNING.
 */
static const char pa_store_sql[] =
	"WITH b AS MATERIALIZED (SELECT * FROM json_to_recordset($2::json)"
	"  AS x(" PA_RECORD_COLS ")),"
	" ins AS (INSERT INTO post_audit (post, seq, at, actor, action,"
	"  subject, detail, prev, hash)"
	"  SELECT $1::text, seq, at, actor, action, subject, detail, prev, hash"
	"  FROM b ORDER BY seq"
	"  ON CONFLICT (post, seq) DO NOTHING RETURNING seq)"
	" SELECT b.seq, CASE"
	"  WHEN ins.seq IS NOT NULL THEN 'n'"
	"  WHEN a.seq IS NULL THEN 'p'"
	"  WHEN (a.at, a.actor, a.action, a.subject, a.detail, a.prev, a.hash)"
	"   IS NOT DISTINCT FROM"
	"   (b.at, b.actor, b.action, b.subject, b.detail, b.prev, b.hash)"
	"   THEN 's'"
	"  ELSE 'c' END,"
	"  (SELECT h.hash FROM post_audit h"
	"   WHERE h.post = $1::text AND h.seq = b.seq - 1)"
	" FROM b LEFT JOIN ins ON ins.seq = b.seq"
	" LEFT JOIN LATERAL (SELECT * FROM post_audit"
	"  WHERE post = $1::text AND seq = b.seq LIMIT 1) a ON true"
	" ORDER BY b.seq";

static const char pa_health_sql[] =
	"INSERT INTO post_health AS h (post, last_contact_at, last_push_at,"
	" unsent, audit_unsent, feed_cursor, feed_at)"
	" VALUES ($1::text, now(), CASE WHEN $2::boolean THEN now() END,"
	"  $3::bigint, $4::bigint, $5::bigint,"
	"  CASE WHEN $5::bigint IS NOT NULL THEN now() END)"
	" ON CONFLICT (post) DO UPDATE SET"
	"  last_contact_at = EXCLUDED.last_contact_at,"
	"  last_push_at = coalesce(EXCLUDED.last_push_at, h.last_push_at),"
	"  unsent = coalesce(EXCLUDED.unsent, h.unsent),"
	"  audit_unsent = coalesce(EXCLUDED.audit_unsent, h.audit_unsent),"
	"  feed_cursor = coalesce(EXCLUDED.feed_cursor, h.feed_cursor),"
	"  feed_at = coalesce(EXCLUDED.feed_at, h.feed_at)";

/* The batch as flat records for json_to_recordset(); detail travels as a
 * string, so PostgreSQL stores its exact text. *out is malloc'd. */
static int
pa_records(const struct auditmsg_batch *b, char **out)
{
	json_t	*a, *o;
	char	 at[32], *buf;
	size_t	 i, need;
	int	 rc = ERR_NOMEM;

	if ((a = json_array()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < b->n; i++) {
		const struct auditmsg_event *e = &b->events[i];

		if (date_format_rfc3339(e->at_ms, at, sizeof(at)) != 0) {
			rc = ERR_INVAL;
			goto done;
		}
		o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s%,s:s,s:s}",
		    "seq", (json_int_t)e->seq, "at", at, "actor", e->actor,
		    "action", e->action, "subject", e->subject,
		    "detail", e->detail, e->detail_len, "prev", e->prev,
		    "hash", e->hash);
		if (o == NULL || json_array_append_new(a, o) != 0)
			goto done;
	}
	if ((need = json_dumpb(a, NULL, 0, JSON_COMPACT)) == 0)
		goto done;
	if ((buf = malloc(need + 1)) == NULL)
		goto done;
	if (json_dumpb(a, buf, need, JSON_COMPACT) != need) {
		free(buf);
		goto done;
	}
	buf[need] = '\0';
	*out = buf;
	rc = 0;
done:
	json_decref(a);
	return rc;
}

/* Checks new event i against its hash and its predecessor. */
static void
pa_check_link(const struct auditmsg_batch *b, size_t i, const char *stored,
    const char *batchprev, struct postaudit_result *res)
{
	const struct auditmsg_event	*e = &b->events[i];
	struct audit_event		 ae;
	char				 h[AUDIT_HASH_HEX + 1];
	const char			*want;
	const char			*why = NULL;

	memset(&ae, 0, sizeof(ae));
	(void)snprintf(ae.chain, sizeof(ae.chain), "post:%s", b->post);
	ae.seq = e->seq;
	ae.at_ms = e->at_ms;
	ae.actor = e->actor;
	ae.action = e->action;
	ae.subject = e->subject;
	ae.detail = e->detail;
	ae.detail_len = e->detail_len;
	memcpy(ae.prev, e->prev, sizeof(ae.prev));
	memcpy(ae.hash, e->hash, sizeof(ae.hash));
	if (audit_event_hash(&ae, h) != 0 || strcmp(h, e->hash) != 0)
		why = "its hash is not the hash of its content";
	else {
		if (e->seq == 1)
			want = AUDIT_GENESIS;
		else if (stored != NULL)
			want = stored;
		else
			want = batchprev;	/* may be NULL */
		if (want == NULL)
			res->nunlinked++;
		else if (strcmp(want, e->prev) != 0)
			why = e->seq == 1 ? "the first event's prev is not "
			    "the genesis hash" : "its prev is not the hash of "
			    "the event before it";
	}
	if (why == NULL)
		return;
	if (res->nbroken++ == 0) {
		res->first_broken = e->seq;
		(void)snprintf(res->why, sizeof(res->why), "%s", why);
	}
}

int
postaudit_store(PGconn *conn, const struct auditmsg_batch *b,
    struct postaudit_result *res)
{
	PGresult	*r;
	const char	*params[2];
	char		*json = NULL, state;
	const char	*stored, *batchprev;
	uint64_t	 seq;
	size_t		 i, nd = 0, nc = 0, np = 0, nn = 0;
	int		 rc;

	if (!proto_check_post_code(b->post, strnlen(b->post,
	    sizeof(b->post))))
		return ERR_INVAL;
	for (i = 1; i < b->n; i++)
		if (b->events[i].seq <= b->events[i - 1].seq)
			return ERR_INVAL;
	res->ndurable = res->nnew = res->nconflict = res->npending = 0;
	res->nbroken = res->nunlinked = 0;
	res->first_broken = 0;
	res->why[0] = '\0';
	if (b->n == 0)
		return 0;
	if ((rc = pa_records(b, &json)) != 0)
		return rc;
	params[0] = b->post;
	params[1] = json;
	rc = pgu_exec(conn, "post audit", "cannot store a batch",
	    pa_store_sql, 2, params, PGRES_TUPLES_OK, &r);
	free(json);
	if (rc != 0)
		return rc;
	if ((size_t)PQntuples(r) != b->n || PQnfields(r) != 3) {
		log_warnx("post audit: post %s: %d rows for %zu events", b->post,
		    PQntuples(r), b->n);
		PQclear(r);
		return ERR_DB;
	}
	for (i = 0; i < b->n; i++) {
		seq = strtoull(PQgetvalue(r, (int)i, 0), NULL, 10);
		state = PQgetvalue(r, (int)i, 1)[0];
		if (seq != b->events[i].seq) {
			log_warnx("post audit: post %s: row %zu is seq %" PRIu64
			    ", not %" PRIu64, b->post, i, seq,
			    b->events[i].seq);
			PQclear(r);
			return ERR_DB;
		}
		switch (state) {
		case 'n':
			nn++;
			stored = PQgetisnull(r, (int)i, 2) ? NULL :
			    PQgetvalue(r, (int)i, 2);
			/* A predecessor new in this batch counts as stored
			 * by the batch. */
			batchprev = i > 0 && b->events[i - 1].seq == seq - 1 ?
			    b->events[i - 1].hash : NULL;
			pa_check_link(b, i, stored, batchprev, res);
			/* FALLTHROUGH */
		case 's':
			res->durable[nd++] = seq;
			break;
		case 'c':
			res->conflict[nc++] = seq;
			break;
		default:
			np++;
			break;
		}
	}
	PQclear(r);
	res->ndurable = nd;
	res->nnew = nn;
	res->nconflict = nc;
	res->npending = np;
	return 0;
}

int64_t
postaudit_parse_count(const char *v)
{
	int64_t	n = 0;
	size_t	i, len;

	if (v == NULL)
		return -1;
	len = strnlen(v, 17);
	if (len == 0 || len > 16 || (len > 1 && v[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return n <= INT64_C(9007199254740991) ? n : -1;
}

int
postaudit_note_health(PGconn *conn, const struct postaudit_health *h)
{
	PGresult	*r;
	const char	*params[5];
	char		 unsent[24], aunsent[24], cursor[24];

	if (h->post == NULL ||
	    !proto_check_post_code(h->post, strnlen(h->post,
	    PROTO_POST_MAX + 1)) || h->unsent < -1 || h->audit_unsent < -1 ||
	    h->feed_cursor < -1)
		return ERR_INVAL;
	(void)snprintf(unsent, sizeof(unsent), "%lld", (long long)h->unsent);
	(void)snprintf(aunsent, sizeof(aunsent), "%lld",
	    (long long)h->audit_unsent);
	(void)snprintf(cursor, sizeof(cursor), "%lld",
	    (long long)h->feed_cursor);
	params[0] = h->post;
	params[1] = h->pushed ? "true" : "false";
	params[2] = h->unsent >= 0 ? unsent : NULL;
	params[3] = h->audit_unsent >= 0 ? aunsent : NULL;
	params[4] = h->feed_cursor >= 0 ? cursor : NULL;
	r = PQexecParams(conn, pa_health_sql, 5, NULL, params, NULL, NULL, 0);
	/* Not logged here: it runs on every request of every post, and
	 * the caller logs a failure once (PQerrorMessage() says why). */
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		return ERR_DB;
	}
	PQclear(r);
	return 0;
}
