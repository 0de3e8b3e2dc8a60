/* audit.c - the centre's audit chain in PostgreSQL: appending under the
 * head row's lock, signing the heads of every chain (Ed25519), verifying
 * every chain from its genesis and naming what was tampered with, listing
 * events, and the auditors' API routes. docs/audit.md. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "api.h"
#include "audit.h"
#include "auditchain.h"
#include "b64.h"
#include "date.h"
#include "err.h"
#include "log.h"
#include "pgutil.h"
#include "sign.h"

#define AUDIT_PAGE		2000	/* events read per statement */
#define AUDIT_REPORT_MAX	20	/* findings reported per chain */
#define AUDIT_LOOKUPS_MAX	200	/* searches by hash per chain */
#define AUDIT_SHIFT_MAX		8	/* renumbering tried when classifying */
#define AUDIT_CHAINS_MAX	4096
#define AUDIT_HEAD_MAGIC	"shekara-audit-head-v1\n"
#define AUDIT_SIG_B64		88	/* base64 of 64 bytes */
#define AUDIT_MSG_MAX		512
#define AUDIT_KEYS_MAX		8
#define AUDIT_SIGN_STEP		50000	/* events walked per chain per
					 * signing, to keep one run short */

#define AUDIT_AT_MS(col)	"floor(extract(epoch FROM " col ") * 1000)::bigint"
#define AUDIT_TS(param)		"('epoch'::timestamptz + " param \
				" * interval '1 millisecond')"

/* ---- statements ---- */

static const char audit_take_sql[] =
	"UPDATE audit_head SET seq = seq + 1 RETURNING seq, hash,"
	" " AUDIT_AT_MS("clock_timestamp()");

static const char audit_put_sql[] =
	"WITH h AS (UPDATE audit_head SET hash = $8::text"
	"  WHERE seq = $1::bigint RETURNING seq)"
	" INSERT INTO audit_events (seq, at, actor, action, subject, detail,"
	"  prev, hash)"
	" SELECT $1::bigint, " AUDIT_TS("$2::bigint") ", $3::text, $4::text,"
	"  $5::text, $6::text, $7::text, $8::text FROM h";

static const char audit_centre_rows_sql[] =
	"SELECT seq, " AUDIT_AT_MS("at") ", actor, action, subject, detail,"
	" prev, hash FROM audit_events WHERE seq > $1::bigint"
	" ORDER BY seq LIMIT $2::bigint";
static const char audit_post_rows_ts_sql[] =
	"SELECT seq, " AUDIT_AT_MS("at") ", actor, action, subject, detail,"
	" prev, hash FROM post_audit WHERE post = $3::text AND seq > $1::bigint"
	" ORDER BY seq LIMIT $2::bigint";
static const char audit_post_rows_ms_sql[] =
	"SELECT seq, at, actor, action, subject, detail,"
	" prev, hash FROM post_audit WHERE post = $3::text AND seq > $1::bigint"
	" ORDER BY seq LIMIT $2::bigint";

/* An event with this hash other than the one at $2: where a link points. */
static const char audit_centre_find_sql[] =
	"SELECT seq FROM audit_events WHERE hash = $1::text AND seq <> $2::bigint"
	" ORDER BY seq LIMIT 1";
static const char audit_post_find_sql[] =
	"SELECT seq FROM post_audit WHERE post = $3::text AND hash = $1::text"
	" AND seq <> $2::bigint ORDER BY seq LIMIT 1";

static const char audit_post_at_type_sql[] =
	"SELECT data_type FROM information_schema.columns"
	" WHERE table_schema = current_schema() AND table_name = 'post_audit'"
	" AND column_name = 'at'";

/* Every post with events, by a loose index scan of post_audit's key. */
static const char audit_posts_sql[] =
	"WITH RECURSIVE p AS ("
	" SELECT min(post) AS post FROM post_audit"
	" UNION ALL SELECT (SELECT min(post) FROM post_audit"
	"  WHERE post > p.post) FROM p WHERE p.post IS NOT NULL)"
	" SELECT post FROM p WHERE post IS NOT NULL";
static const char audit_head_chains_sql[] =
	"SELECT DISTINCT chain FROM audit_heads ORDER BY chain";

static const char audit_appender_head_sql[] =
	"SELECT seq, hash FROM audit_head";

static const char audit_centre_heads_sql[] =
	"SELECT h.seq, h.hash, " AUDIT_AT_MS("h.signed_at") ", h.key_id,"
	" h.signature, e.hash FROM audit_heads h"
	" LEFT JOIN audit_events e ON e.seq = h.seq"
	" WHERE h.chain = $1::text ORDER BY h.seq, h.id";
static const char audit_post_heads_sql[] =
	"SELECT h.seq, h.hash, " AUDIT_AT_MS("h.signed_at") ", h.key_id,"
	" h.signature, e.hash FROM audit_heads h"
	" LEFT JOIN post_audit e ON e.post = $2::text AND e.seq = h.seq"
	" WHERE h.chain = $1::text ORDER BY h.seq, h.id";
/* Heads of a chain whose events are gone altogether. */
static const char audit_orphan_heads_sql[] =
	"SELECT h.seq, h.hash, " AUDIT_AT_MS("h.signed_at") ", h.key_id,"
	" h.signature, NULL FROM audit_heads h"
	" WHERE h.chain = $1::text ORDER BY h.seq, h.id";

static const char audit_last_signed_sql[] =
	"SELECT seq, hash FROM audit_heads WHERE chain = $1::text"
	" ORDER BY seq DESC, id DESC LIMIT 1";
static const char audit_centre_hash_at_sql[] =
	"SELECT hash FROM audit_events WHERE seq = $1::bigint";
static const char audit_post_hash_at_sql[] =
	"SELECT hash FROM post_audit WHERE post = $2::text AND seq = $1::bigint";
static const char audit_head_put_sql[] =
	"INSERT INTO audit_heads (chain, seq, hash, signed_at, key_id,"
	" signature) VALUES ($1::text, $2::bigint, $3::text,"
	" " AUDIT_TS("$4::bigint") ", $5::text, $6::text)";

/* ---- small helpers ---- */

const char *
audit_finding_str(enum audit_finding_kind kind)
{
	switch (kind) {
	case AUDIT_CHANGED:
		return "changed";
	case AUDIT_REMOVED:
		return "removed";
	case AUDIT_INSERTED:
		return "inserted";
	case AUDIT_REORDERED:
		return "reordered";
	case AUDIT_HEAD_MISMATCH:
		return "head_mismatch";
	case AUDIT_HEAD_BADSIG:
		return "head_bad_signature";
	case AUDIT_HEAD_UNKNOWN_KEY:
		return "head_unknown_key";
	}
	return "unknown";
}

/* ---- appending ---- */

int
audit_append(PGconn *conn, const char *actor, const char *action,
    const char *subject, const char *detail_json)
{
	struct audit_event	 e;
	const char		*params[8];
	PGresult		*r = NULL;
	char			*detail = NULL;
	char			 seq[24], at[24];
	size_t			 dlen;
	int			 own = 0, rc;

	if (subject == NULL)
		subject = "";
	if (detail_json == NULL)
		detail_json = "{}";
	if (audit_actor_check(actor) != 0 || audit_action_check(action) != 0 ||
	    audit_subject_check(subject) != 0)
		return ERR_INVAL;
	if (audit_canon_detail(detail_json, strlen(detail_json), &detail,
	    &dlen) != 0)
		return ERR_INVAL;
	switch (PQtransactionStatus(conn)) {
	case PQTRANS_IDLE:
		if ((rc = pgu_command(conn, "audit", "BEGIN", "BEGIN")) != 0)
			goto out;
		own = 1;
		break;
	case PQTRANS_INTRANS:
		break;
	default:
		log_warnx("audit: append: the connection is not usable (in a "
		    "failed transaction or busy)");
		rc = ERR_DB;
		goto out;
	}
	if ((rc = pgu_exec(conn, "audit", "take the next seq", audit_take_sql,
	    0, NULL, PGRES_TUPLES_OK, &r)) != 0)
		goto out;
	memset(&e, 0, sizeof(e));
	if (PQntuples(r) != 1 || pgu_u64(PQgetvalue(r, 0, 0), &e.seq) != 0 ||
	    PQgetlength(r, 0, 1) != AUDIT_HASH_HEX ||
	    pgu_i64(PQgetvalue(r, 0, 2), &e.at_ms) != 0) {
		log_warnx("audit: append: audit_head is missing or malformed "
		    "(is migration 005 applied?)");
		rc = ERR_DB;
		goto out;
	}
	memcpy(e.chain, AUDIT_CHAIN_CENTRE, sizeof(AUDIT_CHAIN_CENTRE));
	memcpy(e.prev, PQgetvalue(r, 0, 1), AUDIT_HASH_HEX + 1);
	PQclear(r);
	r = NULL;
	e.actor = actor;
	e.action = action;
	e.subject = subject;
	e.detail = detail;
	e.detail_len = dlen;
	if ((rc = audit_event_hash(&e, e.hash)) != 0) {
		log_warnx("audit: append: cannot hash event %" PRIu64, e.seq);
		rc = ERR_DB;
		goto out;
	}
	pgu_fmt_u64(seq, e.seq);
	pgu_fmt_i64(at, e.at_ms);
	params[0] = seq;
	params[1] = at;
	params[2] = actor;
	params[3] = action;
	params[4] = subject;
	params[5] = detail;
	params[6] = e.prev;
	params[7] = e.hash;
	if ((rc = pgu_exec(conn, "audit", "append", audit_put_sql, 8, params,
	    PGRES_COMMAND_OK, &r)) != 0)
		goto out;
	if (strcmp(PQcmdTuples(r), "1") != 0) {
		log_warnx("audit: append: event %" PRIu64 " not written", e.seq);
		rc = ERR_DB;
		goto out;
	}
	if (own)
		rc = pgu_command(conn, "audit", "COMMIT", "COMMIT");
out:
	PQclear(r);
	if (own && rc != 0)
		pgu_rollback(conn);
	free(detail);
	return rc;
}

/* ---- chains ---- */

struct audit_chain {
	char	name[64];		/* "centre", "post:ALA01" */
	char	post[48];		/* "" for the centre */
	int	has_events;		/* in audit_events / post_audit */
};

struct audit_chains {
	struct audit_chain	*v;
	size_t			 n;
	int			 post_audit;	/* the table exists */
	int			 post_at_ms;	/* its at is bigint ms */
};

/* Whether post_audit exists and how it stores at. */
static int
audit_post_table(PGconn *conn, struct audit_chains *cs)
{
	PGresult	*r;
	int		 rc;

	if ((rc = pgu_exec(conn, "audit", "post_audit columns",
	    audit_post_at_type_sql, 0, NULL, PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	cs->post_audit = PQntuples(r) == 1;
	cs->post_at_ms = cs->post_audit &&
	    strcmp(PQgetvalue(r, 0, 0), "bigint") == 0;
	PQclear(r);
	return 0;
}

static int
audit_chains_find(const struct audit_chains *cs, const char *name)
{
	size_t	i;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->v[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
audit_chains_add(struct audit_chains *cs, const char *name, int has_events)
{
	struct audit_chain	*c;
	int			 k;

	if ((k = audit_chains_find(cs, name)) >= 0) {
		cs->v[k].has_events |= has_events;
		return 0;
	}
	if (cs->n >= AUDIT_CHAINS_MAX || strlen(name) >= sizeof(c->name))
		return ERR_TOOBIG;
	c = &cs->v[cs->n];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, strlen(name) + 1);
	if (strncmp(name, "post:", 5) == 0)
		(void)snprintf(c->post, sizeof(c->post), "%s", name + 5);
	c->has_events = has_events;
	cs->n++;
	return 0;
}

/* The centre's chain, every post's with events, and every chain with a
 * signed head. */
static int
audit_chains_load(PGconn *conn, struct audit_chains *cs)
{
	PGresult	*r;
	char		 name[64];
	int		 i, rc;

	memset(cs, 0, sizeof(*cs));
	if ((cs->v = calloc(AUDIT_CHAINS_MAX, sizeof(*cs->v))) == NULL)
		return ERR_NOMEM;
	if ((rc = audit_post_table(conn, cs)) != 0)
		return rc;
	(void)audit_chains_add(cs, AUDIT_CHAIN_CENTRE, 1);
	if (cs->post_audit) {
		if ((rc = pgu_exec(conn, "audit", "list posts", audit_posts_sql,
		    0, NULL, PGRES_TUPLES_OK, &r)) != 0)
			return rc;
		for (i = 0; i < PQntuples(r) && rc == 0; i++) {
			if ((size_t)snprintf(name, sizeof(name), "post:%s",
			    PQgetvalue(r, i, 0)) >= sizeof(name))
				continue;	/* cannot be a post code */
			rc = audit_chains_add(cs, name, 1);
		}
		PQclear(r);
		if (rc != 0)
			return rc;
	}
	if ((rc = pgu_exec(conn, "audit", "list signed chains",
	    audit_head_chains_sql, 0, NULL, PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = audit_chains_add(cs, PQgetvalue(r, i, 0), 0);
	PQclear(r);
	return rc;
}

static void
audit_chains_free(struct audit_chains *cs)
{
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

/* ---- walking a chain ---- */

struct audit_walk {
	PGconn			*conn;
	const struct audit_chain *ch;
	const struct audit_chains *cs;
	int			 classify;	/* look up links, report */
	uint64_t		 limit;		/* events to walk; 0: all */
	audit_report_fn		 cb;
	void			*arg;
	/* state */
	uint64_t		 expect;	/* the next seq */
	char			 prev[AUDIT_HASH_HEX + 1];
	int64_t			 shift;		/* seq in the hash - stored seq */
	uint64_t		 ro_from;	/* a reorder: its first seq, */
	uint64_t		 ro_to;		/* and its last, or 0 */
	size_t			 lookups;
	/* results */
	uint64_t		 last_seq;
	char			 last_hash[AUDIT_HASH_HEX + 1];
	uint64_t		 events;
	size_t			 problems;
	size_t			 reported;
	int			 rc;		/* a callback's stop */
};

/* One fetched row, pointing into a PGresult. */
struct audit_rowv {
	uint64_t	 seq;
	int64_t		 at_ms;
	const char	*actor, *action, *subject, *detail, *prev, *hash;
	size_t		 detail_len;
};

static int
audit_report(struct audit_walk *w, enum audit_finding_kind kind,
    uint64_t seq, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
audit_report(struct audit_walk *w, enum audit_finding_kind kind,
    uint64_t seq, const char *fmt, ...)
{
	struct audit_finding	f;
	char			msg[AUDIT_MSG_MAX];
	va_list			ap;

	w->problems++;
	if (w->cb == NULL || w->reported >= AUDIT_REPORT_MAX || w->rc != 0)
		return w->rc;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.chain = w->ch->name;
	f.seq = seq;
	f.first = w->reported == 0;
	f.message = msg;
	w->reported++;
	w->rc = w->cb(w->arg, &f);
	return w->rc;
}

/* 1 if the row's stored hash is the hash of its content at seq. */
static int
audit_row_ok(const struct audit_walk *w, const struct audit_rowv *row,
    uint64_t seq)
{
	struct audit_event	e;
	char			h[AUDIT_HASH_HEX + 1];

	if (seq == 0 || strlen(row->prev) != AUDIT_HASH_HEX ||
	    strlen(row->hash) != AUDIT_HASH_HEX)
		return 0;
	memset(&e, 0, sizeof(e));
	memcpy(e.chain, w->ch->name, strlen(w->ch->name) + 1);
	e.seq = seq;
	e.at_ms = row->at_ms;
	e.actor = row->actor;
	e.action = row->action;
	e.subject = row->subject;
	e.detail = row->detail;
	e.detail_len = row->detail_len;
	memcpy(e.prev, row->prev, AUDIT_HASH_HEX + 1);
	memcpy(e.hash, row->hash, AUDIT_HASH_HEX + 1);
	if (audit_event_hash(&e, h) != 0)
		return 0;
	return strcmp(h, row->hash) == 0;
}

/* The seq of another event of the chain whose hash is hash: 0 and *seq,
 * ERR_NOTFOUND, or ERR_DB. */
static int
audit_find_hash(struct audit_walk *w, const char *hash, uint64_t not_seq,
    uint64_t *seq)
{
	const char	*params[3];
	PGresult	*r;
	char		 ns[24];
	int		 rc;

	if (w->lookups >= AUDIT_LOOKUPS_MAX || strlen(hash) != AUDIT_HASH_HEX)
		return ERR_NOTFOUND;
	w->lookups++;
	pgu_fmt_u64(ns, not_seq);
	params[0] = hash;
	params[1] = ns;
	params[2] = w->ch->post;
	if ((rc = pgu_exec(w->conn, "audit", "find an event by hash",
	    w->ch->post[0] == '\0' ? audit_centre_find_sql :
	    audit_post_find_sql, w->ch->post[0] == '\0' ? 2 : 3, params,
	    PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	rc = ERR_NOTFOUND;
	if (PQntuples(r) == 1 && pgu_u64(PQgetvalue(r, 0, 0), seq) == 0)
		rc = 0;
	PQclear(r);
	return rc;
}

static uint64_t
audit_shifted(uint64_t seq, int64_t shift)
{
	if (shift < 0 && (uint64_t)-shift >= seq)
		return 0;
	return shift < 0 ? seq - (uint64_t)-shift : seq + (uint64_t)shift;
}

/* "event 3 is" or "events 3..5 are" into buf. */
static const char *
audit_range(char *buf, size_t bufsz, uint64_t a, uint64_t b)
{
	if (a == b)
		(void)snprintf(buf, bufsz, "event %" PRIu64 " is", a);
	else
		(void)snprintf(buf, bufsz, "events %" PRIu64 "..%" PRIu64
		    " are", a, b);
	return buf;
}

/*
 * A row whose link is broken (seq not the next, or prev not the previous
 * event's hash): say what it looks like. Returns ERR_DB or a callback's
 * code, else 0.
 */
static int
audit_classify(struct audit_walk *w, const struct audit_rowv *row)
{
	uint64_t	s = row->seq, e = w->expect, j, n;
	int64_t		d;
	char		rg[64];
	int		rc;

	if (s > e)
		return audit_report(w, AUDIT_REMOVED, e, "%s missing (the "
		    "chain jumps from seq %" PRIu64 " to %" PRIu64 ")",
		    audit_range(rg, sizeof(rg), e, s - 1), e - 1, s);
	if (s < e)
		return audit_report(w, AUDIT_INSERTED, s, "seq %" PRIu64
		    " appears twice", s);
	/* s == e, prev is not the previous event's hash. */
	rc = w->classify ? audit_find_hash(w, row->prev, s, &j) :
	    ERR_NOTFOUND;
	if (rc == ERR_DB)
		return rc;
	if (rc == 0 && j >= e) {
		w->ro_from = e;
		w->ro_to = j;
		return audit_report(w, AUDIT_REORDERED, e, "event %" PRIu64
		    " links to the event stored at seq %" PRIu64 " (events "
		    "out of their order)", e, j);
	}
	if (rc == 0 && j + 1 < e) {
		n = e - 1 - j;
		if (audit_row_ok(w, row, audit_shifted(s, w->shift -
		    (int64_t)n)))
			w->shift -= (int64_t)n;
		return audit_report(w, AUDIT_INSERTED, j + 1, "%s not in the "
		    "original chain: event %" PRIu64 " links past it to seq %"
		    PRIu64, audit_range(rg, sizeof(rg), j + 1, e - 1), s, j);
	}
	/* It links to no event of the chain. */
	if (audit_row_ok(w, row, audit_shifted(s, w->shift)))
		return audit_report(w, AUDIT_REMOVED, e, "the event before seq %"
		    PRIu64 " is missing: it links to an event not in the chain",
		    s);
	for (d = 1; d <= AUDIT_SHIFT_MAX; d++) {
		if (audit_row_ok(w, row, audit_shifted(s, w->shift + d))) {
			w->shift += d;
			return audit_report(w, AUDIT_REMOVED, e, "%" PRId64
			    " event%s before seq %" PRIu64 " %s missing and "
			    "the events after renumbered", d, d > 1 ? "s" : "",
			    s, d > 1 ? "are" : "is");
		}
	}
	return audit_report(w, AUDIT_CHANGED, s, "event %" PRIu64 " was "
	    "changed: its link to the previous event was altered", s);
}

static int
audit_walk_row(struct audit_walk *w, const struct audit_rowv *row)
{
	uint64_t	j;
	int		linked, rc = 0;

	w->events++;
	linked = row->seq == w->expect && strcmp(row->prev, w->prev) == 0;
	if (w->ro_to != 0) {
		/* Inside a reordered stretch: links back into it are part
		 * of the same reordering; leave it at the first clean link
		 * past its end. */
		if (linked && row->seq > w->ro_to)
			w->ro_from = w->ro_to = 0;
		else if (!linked && row->seq >= w->expect &&
		    (rc = audit_find_hash(w, row->prev, row->seq, &j)) == 0 &&
		    j + 1 >= w->ro_from) {
			if (j > w->ro_to)
				w->ro_to = j;
			goto next;
		} else if (linked)
			goto next;
		else if (rc == ERR_DB)
			return rc;
		else
			w->ro_from = w->ro_to = 0;
		rc = 0;
	}
	if (!linked)
		rc = audit_classify(w, row);
	else if (!audit_row_ok(w, row, audit_shifted(row->seq, w->shift)))
		rc = audit_report(w, AUDIT_CHANGED, row->seq, "event %" PRIu64
		    " was changed: its content no longer has its hash",
		    row->seq);
	if (rc != 0)
		return rc;
next:
	w->expect = row->seq + 1;
	if (strlen(row->hash) == AUDIT_HASH_HEX)
		memcpy(w->prev, row->hash, AUDIT_HASH_HEX + 1);
	else
		w->prev[0] = '\0';	/* the next link cannot match */
	w->last_seq = row->seq;
	(void)snprintf(w->last_hash, sizeof(w->last_hash), "%s", w->prev);
	return 0;
}

/* Walks the chain's events after seq from, the first expected to link to
 * prev. 0, ERR_DB, or a callback's code. */
static int
audit_walk(struct audit_walk *w, uint64_t from, const char *prev)
{
	struct audit_rowv	 row;
	const char		*params[3], *sql;
	PGresult		*r;
	char			 after[24], lim[24];
	int			 i, n, rc;

	w->expect = from + 1;
	(void)snprintf(w->prev, sizeof(w->prev), "%s", prev);
	w->last_seq = from;
	(void)snprintf(w->last_hash, sizeof(w->last_hash), "%s", prev);
	if (w->ch->post[0] == '\0')
		sql = audit_centre_rows_sql;
	else
		sql = w->cs->post_at_ms ? audit_post_rows_ms_sql :
		    audit_post_rows_ts_sql;
	pgu_fmt_u64(lim, AUDIT_PAGE);
	for (;;) {
		pgu_fmt_u64(after, w->last_seq);
		params[0] = after;
		params[1] = lim;
		params[2] = w->ch->post;
		if ((rc = pgu_exec(w->conn, "audit", "read events", sql,
		    w->ch->post[0] == '\0' ? 2 : 3, params, PGRES_TUPLES_OK,
		    &r)) != 0)
			return rc;
		n = PQntuples(r);
		for (i = 0; i < n; i++) {
			memset(&row, 0, sizeof(row));
			if (pgu_u64(PQgetvalue(r, i, 0), &row.seq) != 0 ||
			    pgu_i64(PQgetvalue(r, i, 1), &row.at_ms) != 0) {
				PQclear(r);
				return ERR_DB;
			}
			row.actor = PQgetvalue(r, i, 2);
			row.action = PQgetvalue(r, i, 3);
			row.subject = PQgetvalue(r, i, 4);
			row.detail = PQgetvalue(r, i, 5);
			row.detail_len = (size_t)PQgetlength(r, i, 5);
			row.prev = PQgetvalue(r, i, 6);
			row.hash = PQgetvalue(r, i, 7);
			if ((rc = audit_walk_row(w, &row)) != 0) {
				PQclear(r);
				return rc;
			}
		}
		PQclear(r);
		if (n < AUDIT_PAGE || (w->limit > 0 && w->events >= w->limit))
			return 0;
	}
}

/* ---- signed heads ---- */

int
audit_head_message(const char *chain, uint64_t seq, const char *hash,
    int64_t signed_at_ms, uint8_t *buf, size_t bufsz, size_t *len)
{
	char	sq[24], at[32];
	int	n;

	if (chain == NULL || hash == NULL || seq == 0 ||
	    strlen(hash) != AUDIT_HASH_HEX || strlen(chain) > 63 ||
	    date_format_rfc3339(signed_at_ms, at, sizeof(at)) != 0)
		return ERR_INVAL;
	pgu_fmt_u64(sq, seq);
	n = snprintf((char *)buf, bufsz, "%s%zu:%s\n%zu:%s\n%zu:%s\n%zu:%s\n",
	    AUDIT_HEAD_MAGIC, strlen(chain), chain, strlen(sq), sq,
	    strlen(hash), hash, strlen(at), at);
	if (n < 0 || (size_t)n >= bufsz)
		return ERR_TOOBIG;
	*len = (size_t)n;
	return 0;
}

/* Checks every signed head of the walked chain. */
static int
audit_check_heads(struct audit_walk *w, const uint8_t (*pub)[SIGN_PUBKEY_LEN],
    size_t npub, size_t *nheads)
{
	const char	*params[2], *sql;
	PGresult	*r;
	uint8_t		 msg[AUDIT_MSG_MAX], sig[SIGN_SIG_LEN];
	char		 ids[AUDIT_KEYS_MAX][SIGN_KEYID_LEN + 1];
	const char	*hh, *eh, *kid, *b64;
	uint64_t	 seq;
	int64_t		 at;
	size_t		 k, mlen, nk, siglen;
	int		 i, rc;

	nk = npub < AUDIT_KEYS_MAX ? npub : AUDIT_KEYS_MAX;
	for (k = 0; k < nk; k++)
		sign_keyid(pub[k], ids[k]);
	params[0] = w->ch->name;
	params[1] = w->ch->post;
	if (!w->ch->has_events)
		sql = audit_orphan_heads_sql;
	else if (w->ch->post[0] == '\0')
		sql = audit_centre_heads_sql;
	else
		sql = audit_post_heads_sql;
	if ((rc = pgu_exec(w->conn, "audit", "read signed heads", sql,
	    sql == audit_post_heads_sql ? 2 : 1, params, PGRES_TUPLES_OK,
	    &r)) != 0)
		return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		(*nheads)++;
		hh = PQgetvalue(r, i, 1);
		kid = PQgetvalue(r, i, 3);
		b64 = PQgetvalue(r, i, 4);
		if (pgu_u64(PQgetvalue(r, i, 0), &seq) != 0 ||
		    pgu_i64(PQgetvalue(r, i, 2), &at) != 0) {
			rc = ERR_DB;
			break;
		}
		for (k = 0; k < nk; k++)
			if (strcmp(ids[k], kid) == 0)
				break;
		if (npub > 0 && k == nk)
			rc = audit_report(w, AUDIT_HEAD_UNKNOWN_KEY, seq,
			    "the head signed for seq %" PRIu64 " names key %s, "
			    "not a key given", seq, kid);
		else if (npub > 0 && (audit_head_message(w->ch->name, seq, hh,
		    at, msg, sizeof(msg), &mlen) != 0 ||
		    b64_decode(b64, strlen(b64), B64_PAD, sig, sizeof(sig),
		    &siglen) != 0 || siglen != SIGN_SIG_LEN ||
		    sign_verify(pub[k], msg, mlen, sig) != 0))
			rc = audit_report(w, AUDIT_HEAD_BADSIG, seq, "the "
			    "signature of the head for seq %" PRIu64 " does not "
			    "verify: the head row was forged or altered", seq);
		if (rc != 0)
			break;
		if (PQgetisnull(r, i, 5)) {
			rc = audit_report(w, AUDIT_REMOVED, seq, "event %"
			    PRIu64 ", covered by a signed head, is missing%s",
			    seq, seq > w->last_seq ? " (the chain was cut "
			    "short)" : "");
			continue;
		}
		eh = PQgetvalue(r, i, 5);
		if (strcmp(eh, hh) != 0)
			rc = audit_report(w, AUDIT_HEAD_MISMATCH, seq, "event %"
			    PRIu64 " no longer has the hash its signed head "
			    "records: the chain up to it was rewritten", seq);
	}
	PQclear(r);
	return rc;
}

/* The centre's appender head must be the chain's last event. */
static int
audit_check_appender(struct audit_walk *w)
{
	PGresult	*r;
	uint64_t	 seq;
	char		 rg[64];
	int		 rc;

	if ((rc = pgu_exec(w->conn, "audit", "read audit_head",
	    audit_appender_head_sql, 0, NULL, PGRES_TUPLES_OK, &r)) != 0)
		return rc;
	if (PQntuples(r) != 1 || pgu_u64(PQgetvalue(r, 0, 0), &seq) != 0) {
		PQclear(r);
		return audit_report(w, AUDIT_REMOVED, 0, "the appender's head "
		    "row (audit_head) is missing");
	}
	if (seq > w->last_seq)
		rc = audit_report(w, AUDIT_REMOVED, w->last_seq + 1, "%s "
		    "missing: the chain ends at seq %" PRIu64 " but the "
		    "centre appended up to %" PRIu64, audit_range(rg,
		    sizeof(rg), w->last_seq + 1, seq), w->last_seq, seq);
	else if (seq < w->last_seq)
		rc = audit_report(w, AUDIT_INSERTED, seq + 1, "%s not appended "
		    "by the centre (its head is at seq %" PRIu64 ")",
		    audit_range(rg, sizeof(rg), seq + 1, w->last_seq), seq);
	else if (seq > 0 && strcmp(PQgetvalue(r, 0, 1), w->last_hash) != 0)
		rc = audit_report(w, AUDIT_CHANGED, seq, "event %" PRIu64
		    " is not the event the centre appended last (its hash "
		    "differs from audit_head's)", seq);
	PQclear(r);
	return rc;
}

static uint64_t
audit_last_signed(PGconn *conn, const char *chain, char hash[AUDIT_HASH_HEX + 1],
    int *rcp)
{
	const char	*params[1];
	PGresult	*r;
	uint64_t	 seq = 0;

	params[0] = chain;
	hash[0] = '\0';
	if ((*rcp = pgu_exec(conn, "audit", "read the last signed head",
	    audit_last_signed_sql, 1, params, PGRES_TUPLES_OK, &r)) != 0)
		return 0;
	if (PQntuples(r) == 1 && pgu_u64(PQgetvalue(r, 0, 0), &seq) == 0)
		(void)snprintf(hash, AUDIT_HASH_HEX + 1, "%s",
		    PQgetvalue(r, 0, 1));
	PQclear(r);
	return seq;
}

int
audit_verify(PGconn *conn, const uint8_t (*pubkeys)[SIGN_PUBKEY_LEN],
    size_t npub, audit_report_fn cb, void *arg, struct audit_verify_sum *sum)
{
	struct audit_verify_sum	 s;
	struct audit_chains	 cs;
	struct audit_walk	 w;
	char			 sh[AUDIT_HASH_HEX + 1];
	uint64_t		 signed_seq;
	size_t			 i;
	int			 rc;

	memset(&s, 0, sizeof(s));
	memset(&cs, 0, sizeof(cs));
	if ((rc = pgu_command(conn, "audit", "BEGIN ISOLATION LEVEL "
	    "REPEATABLE READ READ ONLY", "BEGIN")) != 0)
		return rc;
	if ((rc = audit_chains_load(conn, &cs)) != 0)
		goto out;
	for (i = 0; i < cs.n; i++) {
		memset(&w, 0, sizeof(w));
		w.conn = conn;
		w.ch = &cs.v[i];
		w.cs = &cs;
		w.classify = 1;
		w.cb = cb;
		w.arg = arg;
		if (cs.v[i].has_events &&
		    (rc = audit_walk(&w, 0, AUDIT_GENESIS)) != 0)
			goto out;
		if (w.ch->post[0] == '\0' &&
		    (rc = audit_check_appender(&w)) != 0)
			goto out;
		if ((rc = audit_check_heads(&w, pubkeys, npub,
		    &s.heads)) != 0)
			goto out;
		signed_seq = audit_last_signed(conn, w.ch->name, sh, &rc);
		if (rc != 0)
			goto out;
		if (w.last_seq > signed_seq)
			s.unsigned_events += w.last_seq - signed_seq;
		s.chains++;
		s.events += w.events;
		s.problems += w.problems;
		if (w.problems > 0)
			s.chains_bad++;
	}
	rc = pgu_command(conn, "audit", "COMMIT", "COMMIT");
out:
	if (rc != 0)
		pgu_rollback(conn);
	audit_chains_free(&cs);
	if (rc == 0 && sum != NULL)
		*sum = s;
	return rc;
}

/* Signs one chain's head if it moved and links to its last signed head. */
static int
audit_sign_chain(PGconn *conn, const struct audit_chains *cs,
    const struct audit_chain *ch, const struct sign_key *key, int *did)
{
	struct audit_walk	 w;
	const char		*params[6];
	PGresult		*r;
	uint8_t			 pub[SIGN_PUBKEY_LEN], msg[AUDIT_MSG_MAX];
	uint8_t			 sig[SIGN_SIG_LEN];
	char			 b64[AUDIT_SIG_B64 + 1];
	char			 sh[AUDIT_HASH_HEX + 1], kid[SIGN_KEYID_LEN + 1];
	char			 seq[24], at[24];
	uint64_t		 from;
	int64_t			 now;
	size_t			 mlen;
	int			 rc;

	*did = 0;
	from = audit_last_signed(conn, ch->name, sh, &rc);
	if (rc != 0)
		return rc;
	if (from > 0) {
		/* The event the last head covers must still be there. */
		pgu_fmt_u64(seq, from);
		params[0] = seq;
		params[1] = ch->post;
		if ((rc = pgu_exec(conn, "audit", "read a signed event",
		    ch->post[0] == '\0' ? audit_centre_hash_at_sql :
		    audit_post_hash_at_sql, ch->post[0] == '\0' ? 1 : 2, params,
		    PGRES_TUPLES_OK, &r)) != 0)
			return rc;
		if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), sh) != 0) {
			PQclear(r);
			log_warnx("audit: chain %s: event %" PRIu64 " no longer "
			    "matches its signed head; not signing (run "
			    "`centralctl audit verify`)", ch->name, from);
			return 0;
		}
		PQclear(r);
	} else
		(void)snprintf(sh, sizeof(sh), "%s", AUDIT_GENESIS);
	memset(&w, 0, sizeof(w));
	w.conn = conn;
	w.ch = ch;
	w.cs = cs;
	w.limit = AUDIT_SIGN_STEP;
	if ((rc = audit_walk(&w, from, sh)) != 0)
		return rc;
	if (w.problems > 0) {
		log_warnx("audit: chain %s: %zu problem(s) after seq %" PRIu64
		    "; not signing (run `centralctl audit verify`)", ch->name,
		    w.problems, from);
		return 0;
	}
	if (w.last_seq == from)
		return 0;		/* no new events */
	now = date_now_ms();
	if ((rc = audit_head_message(ch->name, w.last_seq, w.last_hash, now,
	    msg, sizeof(msg), &mlen)) != 0 ||
	    (rc = sign_sign(key, msg, mlen, sig)) != 0)
		return rc;
	if ((rc = b64_encode(sig, SIGN_SIG_LEN, B64_PAD, b64, sizeof(b64),
	    NULL)) != 0)
		return rc;	/* not reached: b64 has room */
	sign_key_public(key, pub);
	sign_keyid(pub, kid);
	pgu_fmt_u64(seq, w.last_seq);
	pgu_fmt_i64(at, now);
	params[0] = ch->name;
	params[1] = seq;
	params[2] = w.last_hash;
	params[3] = at;
	params[4] = kid;
	params[5] = b64;
	if ((rc = pgu_exec(conn, "audit", "store a signed head",
	    audit_head_put_sql, 6, params, PGRES_COMMAND_OK, &r)) != 0)
		return rc;
	PQclear(r);
	*did = 1;
	return 0;
}

int
audit_sign_heads(PGconn *conn, const struct sign_key *key, size_t *nsigned)
{
	struct audit_chains	cs;
	size_t			i, n = 0;
	int			rc, did;

	if (nsigned != NULL)
		*nsigned = 0;
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		log_warnx("audit: sign heads: the connection is not idle");
		return ERR_DB;
	}
	if ((rc = pgu_command(conn, "audit",
	    "BEGIN ISOLATION LEVEL REPEATABLE READ", "BEGIN")) != 0)
		return rc;
	if ((rc = audit_chains_load(conn, &cs)) != 0)
		goto out;
	for (i = 0; i < cs.n; i++) {
		if (!cs.v[i].has_events)
			continue;
		if ((rc = audit_sign_chain(conn, &cs, &cs.v[i], key,
		    &did)) != 0)
			goto out;
		n += (size_t)did;
	}
	rc = pgu_command(conn, "audit", "COMMIT", "COMMIT");
out:
	if (rc != 0)
		pgu_rollback(conn);
	audit_chains_free(&cs);
	if (rc == 0 && nsigned != NULL)
		*nsigned = n;
	return rc;
}

/* ---- listing ---- */

#define AUDIT_LIST_WHERE						\
	" AND ($2::bigint IS NULL OR at >= " AUDIT_TS("$2::bigint") ")"	\
	" AND ($3::bigint IS NULL OR at < " AUDIT_TS("$3::bigint") ")"	\
	" AND ($4::text IS NULL OR actor = $4::text)"			\
	" AND ($5::text IS NULL OR action = $5::text)"			\
	" AND ($6::text IS NULL OR subject = $6::text)"

#define AUDIT_LIST_CENTRE						\
	"SELECT 'centre'::text AS chain, seq,"				\
	" date_trunc('milliseconds', at) AS at, actor, action, subject,"	\
	" detail, prev, hash FROM audit_events"				\
	" WHERE ($1::text IS NULL OR $1::text = 'centre')" AUDIT_LIST_WHERE

#define AUDIT_LIST_OUTER_HEAD						\
	"SELECT chain, seq, " AUDIT_AT_MS("at") ", actor, action, subject,"	\
	" detail, prev, hash FROM ("
#define AUDIT_LIST_OUTER_TAIL						\
	") e WHERE ($7::bigint IS NULL OR (at, chain, seq) >"		\
	" (" AUDIT_TS("$7::bigint") ", $8::text, $9::bigint))"		\
	" ORDER BY at, chain, seq LIMIT $10::bigint"

/* at truncated to milliseconds, as cursors carry it (a stored sub-ms part
 * would otherwise list its event again after a cursor). */
#define AUDIT_LIST_POST_TS						\
	" UNION ALL SELECT 'post:' || post, seq,"			\
	" date_trunc('milliseconds', at) AS at, actor, action, subject,"	\
	" detail, prev, hash FROM post_audit"				\
	" WHERE ($1::text IS NULL OR post = $11::text)" AUDIT_LIST_WHERE
#define AUDIT_LIST_POST_MS						\
	" UNION ALL SELECT 'post:' || post, seq, at, actor, action,"	\
	" subject, detail, prev, hash FROM ("				\
	"  SELECT post, seq, " AUDIT_TS("post_audit.at") " AS at, actor,"	\
	"  action, subject, detail, prev, hash FROM post_audit) pa"	\
	" WHERE ($1::text IS NULL OR post = $11::text)" AUDIT_LIST_WHERE

static const char audit_list_centre_sql[] =
	AUDIT_LIST_OUTER_HEAD AUDIT_LIST_CENTRE AUDIT_LIST_OUTER_TAIL;
static const char audit_list_ts_sql[] =
	AUDIT_LIST_OUTER_HEAD AUDIT_LIST_CENTRE AUDIT_LIST_POST_TS
	AUDIT_LIST_OUTER_TAIL;
static const char audit_list_ms_sql[] =
	AUDIT_LIST_OUTER_HEAD AUDIT_LIST_CENTRE
	AUDIT_LIST_POST_MS
	AUDIT_LIST_OUTER_TAIL;

/* A chain name as listings take it: "centre" or "post:CODE". */
static int
audit_chain_name_ok(const char *s)
{
	size_t	i, n;

	if (strcmp(s, AUDIT_CHAIN_CENTRE) == 0)
		return 1;
	if (strncmp(s, "post:", 5) != 0)
		return 0;
	n = strlen(s + 5);
	if (n < 2 || n > 16)
		return 0;
	for (i = 5; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

int
audit_list(PGconn *conn, const struct audit_filter *f,
    int (*cb)(void *arg, const struct audit_row *row), void *arg)
{
	struct audit_chains	 cs;
	struct audit_row	 row;
	const char		*params[11], *sql;
	PGresult		*r;
	char			 since[24], until[24], aat[24], aseq[24];
	char			 lim[24], achain[64], at[32];
	long long		 left, ask;
	int			 i, n, rc, has_after;

	if (f->chain != NULL && !audit_chain_name_ok(f->chain))
		return ERR_INVAL;
	if ((f->actor != NULL && audit_actor_check(f->actor) != 0) ||
	    (f->action != NULL && audit_action_check(f->action) != 0) ||
	    (f->subject != NULL && audit_subject_check(f->subject) != 0) ||
	    f->limit < 0)
		return ERR_INVAL;
	memset(&cs, 0, sizeof(cs));
	if ((rc = audit_post_table(conn, &cs)) != 0)
		return rc;
	if (!cs.post_audit)
		sql = audit_list_centre_sql;
	else
		sql = cs.post_at_ms ? audit_list_ms_sql : audit_list_ts_sql;
	pgu_fmt_i64(since, f->since);
	pgu_fmt_i64(until, f->until);
	params[0] = f->chain;
	params[1] = f->has_since ? since : NULL;
	params[2] = f->has_until ? until : NULL;
	params[3] = f->actor;
	params[4] = f->action;
	params[5] = f->subject;
	params[10] = f->chain != NULL && strncmp(f->chain, "post:", 5) == 0 ?
	    f->chain + 5 : NULL;
	has_after = f->has_after;
	pgu_fmt_i64(aat, f->after_at);
	pgu_fmt_u64(aseq, f->after_seq);
	(void)snprintf(achain, sizeof(achain), "%s", f->after_chain);
	left = f->limit;
	for (;;) {
		ask = AUDIT_PAGE;
		if (f->limit > 0 && left < ask)
			ask = left;
		if (ask == 0)
			return 0;
		(void)snprintf(lim, sizeof(lim), "%lld", ask);
		params[6] = has_after ? aat : NULL;
		params[7] = has_after ? achain : NULL;
		params[8] = has_after ? aseq : NULL;
		params[9] = lim;
		if ((rc = pgu_exec(conn, "audit", "list events", sql,
		    cs.post_audit ? 11 : 10, params, PGRES_TUPLES_OK,
		    &r)) != 0)
			return rc;
		n = PQntuples(r);
		for (i = 0; i < n; i++) {
			memset(&row, 0, sizeof(row));
			row.chain = PQgetvalue(r, i, 0);
			if (pgu_u64(PQgetvalue(r, i, 1), &row.seq) != 0 ||
			    pgu_i64(PQgetvalue(r, i, 2), &row.at_ms) != 0 ||
			    date_format_rfc3339(row.at_ms, at,
			    sizeof(at)) != 0) {
				PQclear(r);
				return ERR_DB;
			}
			row.at = at;
			row.actor = PQgetvalue(r, i, 3);
			row.action = PQgetvalue(r, i, 4);
			row.subject = PQgetvalue(r, i, 5);
			row.detail = PQgetvalue(r, i, 6);
			row.prev = PQgetvalue(r, i, 7);
			row.hash = PQgetvalue(r, i, 8);
			if ((rc = cb(arg, &row)) != 0) {
				PQclear(r);
				return rc;
			}
			has_after = 1;
			pgu_fmt_i64(aat, row.at_ms);
			pgu_fmt_u64(aseq, row.seq);
			(void)snprintf(achain, sizeof(achain), "%s",
			    row.chain);
		}
		PQclear(r);
		if (f->limit > 0)
			left -= n;
		if (n < ask)
			return 0;
	}
}

int
audit_cursor_format(const struct audit_row *row, char *buf, size_t bufsz)
{
	int	n;

	n = snprintf(buf, bufsz, "%" PRId64 ".%" PRIu64 ".%s", row->at_ms,
	    row->seq, row->chain);
	if (n < 0 || (size_t)n >= bufsz)
		return ERR_TOOBIG;
	return 0;
}

int
audit_cursor_parse(struct audit_filter *f, const char *s)
{
	const char	*dot1, *dot2;
	char		 num[24];
	size_t		 n;
	int64_t		 at;
	uint64_t	 seq;

	if ((dot1 = strchr(s, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return ERR_INVAL;
	n = (size_t)(dot1 - s);
	if (n == 0 || n >= sizeof(num))
		return ERR_INVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (pgu_i64(num, &at) != 0 || at < 0)
		return ERR_INVAL;
	n = (size_t)(dot2 - dot1 - 1);
	if (n == 0 || n >= sizeof(num))
		return ERR_INVAL;
	memcpy(num, dot1 + 1, n);
	num[n] = '\0';
	if (pgu_u64(num, &seq) != 0 || !audit_chain_name_ok(dot2 + 1))
		return ERR_INVAL;
	f->has_after = 1;
	f->after_at = at;
	f->after_seq = seq;
	(void)snprintf(f->after_chain, sizeof(f->after_chain), "%s",
	    dot2 + 1);
	return 0;
}

/* ---- the auditors' API ---- */

static uint8_t	audit_api_pub[AUDIT_KEYS_MAX][SIGN_PUBKEY_LEN];
static size_t	audit_api_npub;

void
audit_api_keys(const uint8_t (*pub)[SIGN_PUBKEY_LEN], size_t n)
{
	if (n > AUDIT_KEYS_MAX)
		n = AUDIT_KEYS_MAX;
	if (n > 0)
		memcpy(audit_api_pub, pub, n * SIGN_PUBKEY_LEN);
	audit_api_npub = n;
}

/* The audit event of reading the trail; 0 or a 500 was sent. */
static int
audit_api_audited(struct api_req *r, json_t *detail)
{
	char	*text;
	int	 rc;

	text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(detail);
	if (text == NULL) {
		api_error(r, 500, NULL, "out of memory");
		return -1;
	}
	rc = audit_append(r->conn, r->user, "query", "audit", text);
	free(text);
	if (rc != 0) {
		api_error(r, 500, NULL, "the audit trail cannot record this "
		    "request; nothing was read");
		return -1;
	}
	return 0;
}

/* A query parameter, NULL if absent. */
static const char *
audit_api_param(struct api_req *r, const char *name)
{
	return r->query != NULL ?
	    evhttp_find_header(r->query, name) : NULL;
}

static int
audit_api_time(struct api_req *r, const char *name, int *has, int64_t *ms)
{
	const char	*v = audit_api_param(r, name);
	struct date	 d;
	size_t		 len;

	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len == 10 && date_parse_iso(&d, v, len) == 0)
		*ms = date_to_days(&d) * 86400000LL;
	else if (date_parse_rfc3339(ms, v, len) != 0) {
		api_error(r, 400, name, "not an RFC 3339 time or a date "
		    "YYYY-MM-DD");
		return -1;
	}
	*has = 1;
	return 0;
}

struct audit_api_list {
	json_t		*events;
	long long	 n;
	char		 cursor[128];
};

static int
audit_api_row(void *arg, const struct audit_row *row)
{
	struct audit_api_list	*l = arg;
	json_t			*o, *d;
	json_error_t		 jerr;

	d = json_loads(row->detail, JSON_REJECT_DUPLICATES, &jerr);
	if (d == NULL)
		d = json_string(row->detail);	/* kept as it is stored */
	o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s}",
	    "chain", row->chain, "seq", (json_int_t)row->seq, "at", row->at,
	    "actor", row->actor, "action", row->action, "subject",
	    row->subject, "detail", d == NULL ? json_null() : d,
	    "prev", row->prev, "hash", row->hash);
	if (o == NULL || json_array_append_new(l->events, o) != 0)
		return ERR_NOMEM;
	l->n++;
	return audit_cursor_format(row, l->cursor, sizeof(l->cursor));
}

static void
audit_api_events(struct api_req *r)
{
	struct audit_filter	 f;
	struct audit_api_list	 l;
	const char		*v;
	json_t			*detail, *out;
	char			*end;
	int			 rc;

	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	f.limit = 100;
	if ((v = audit_api_param(r, "chain")) != NULL) {
		if (!audit_chain_name_ok(v)) {
			api_error(r, 400, "chain", "must be \"centre\" or "
			    "\"post:CODE\"");
			return;
		}
		f.chain = v;
	}
	if (audit_api_time(r, "since", &f.has_since, &f.since) != 0 ||
	    audit_api_time(r, "until", &f.has_until, &f.until) != 0)
		return;
	if ((v = audit_api_param(r, "actor")) != NULL) {
		if (audit_actor_check(v) != 0) {
			api_error(r, 400, "actor", "must be 1..128 bytes of "
			    "text without control characters");
			return;
		}
		f.actor = v;
	}
	if ((v = audit_api_param(r, "action")) != NULL) {
		if (audit_action_check(v) != 0) {
			api_error(r, 400, "action", "must be 1..32 of a-z "
			    "and _");
			return;
		}
		f.action = v;
	}
	if ((v = audit_api_param(r, "subject")) != NULL) {
		if (audit_subject_check(v) != 0) {
			api_error(r, 400, "subject", "must be 0..128 bytes of "
			    "text without control characters");
			return;
		}
		f.subject = v;
	}
	if ((v = audit_api_param(r, "limit")) != NULL) {
		errno = 0;
		f.limit = strtoll(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' ||
		    f.limit < 1 || f.limit > 1000) {
			api_error(r, 400, "limit", "must be a whole number "
			    "1..1000");
			return;
		}
	}
	if ((v = audit_api_param(r, "cursor")) != NULL &&
	    audit_cursor_parse(&f, v) != 0) {
		api_error(r, 400, "cursor", "not a cursor this API gave");
		return;
	}
	detail = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I}",
	    "what", "audit_events", "chain", f.chain,
	    "since", audit_api_param(r, "since"),
	    "until", audit_api_param(r, "until"), "actor", f.actor,
	    "action", f.action, "subject", f.subject,
	    "limit", (json_int_t)f.limit);
	if (detail == NULL) {
		api_error(r, 500, NULL, "out of memory");
		return;
	}
	if (audit_api_audited(r, detail) != 0)
		return;
	if ((l.events = json_array()) == NULL) {
		api_error(r, 500, NULL, "out of memory");
		return;
	}
	if ((rc = audit_list(r->conn, &f, audit_api_row, &l)) != 0) {
		json_decref(l.events);
		api_error(r, rc == ERR_INVAL ? 400 : 500, NULL, "listing "
		    "failed: %s", err_str(rc));
		return;
	}
	out = json_pack("{s:i, s:o, s:s?}", "version", 1, "events", l.events,
	    "next_cursor", l.n == f.limit ? l.cursor : NULL);
	api_reply_json(r, 200, out);
}

static int
audit_api_finding(void *arg, const struct audit_finding *f)
{
	json_t	*list = arg, *o;

	o = json_pack("{s:s, s:I, s:s, s:b, s:s}", "chain", f->chain,
	    "seq", (json_int_t)f->seq, "kind", audit_finding_str(f->kind),
	    "first", f->first, "message", f->message);
	if (o == NULL || json_array_append_new(list, o) != 0)
		return ERR_NOMEM;
	return 0;
}

static void
audit_api_verify(struct api_req *r)
{
	struct audit_verify_sum	 s;
	json_t			*findings, *out, *detail;
	int			 rc;

	if ((detail = json_pack("{s:s}", "what", "audit_verify")) == NULL) {
		api_error(r, 500, NULL, "out of memory");
		return;
	}
	if (audit_api_audited(r, detail) != 0)
		return;
	if ((findings = json_array()) == NULL) {
		api_error(r, 500, NULL, "out of memory");
		return;
	}
	rc = audit_verify(r->conn, (const uint8_t (*)[SIGN_PUBKEY_LEN])
	    audit_api_pub, audit_api_npub, audit_api_finding, findings, &s);
	if (rc != 0) {
		json_decref(findings);
		api_error(r, 500, NULL, "verification failed: %s",
		    err_str(rc));
		return;
	}
	out = json_pack("{s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:o}",
	    "version", 1, "ok", s.problems == 0, "chains", (json_int_t)s.chains,
	    "events", (json_int_t)s.events, "heads", (json_int_t)s.heads,
	    "problems", (json_int_t)s.problems,
	    "chains_bad", (json_int_t)s.chains_bad,
	    "unsigned_events", (json_int_t)s.unsigned_events,
	    "signatures_checked", audit_api_npub > 0, "findings", findings);
	api_reply_json(r, 200, out);
}

const struct api_route audit_routes[] = {
	{ "GET", "/api/v1/audit/events", 0, API_AUDITOR, audit_api_events,
	    "audit events of every chain, filtered, paged by cursor" },
	{ "GET", "/api/v1/audit/verify", 0, API_AUDITOR, audit_api_verify,
	    "verify every audit chain and signed head (JSON report)" },
	{ NULL, NULL, 0, 0, NULL, NULL }
};
