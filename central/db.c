/* db.c - the centre's PostgreSQL access: connection upkeep, idempotent batch
 * storage (one statement for new crossings), the crossings listing. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "pgutil.h"
#include "proto.h"

struct db {
	char	*conninfo;
	PGconn	*conn;
	int	 down;		/* the last attempt failed and was logged */
};

const char *const db_col_names[DB_NCOLS] = {
	"post", "seq", "recorded_at", "direction", "lane", "officer",
	"outcome", "doc_type", "issuing_state", "doc_number", "nationality",
	"surname", "given_names", "birth_date", "sex", "expiry_date"
};

/*
 * Insert what is new. A row that is not inserted was already present (or a
 * concurrent insert of it committed first: ON CONFLICT DO NOTHING waits for
 * that transaction), so the common case, a batch of new crossings, is one
 * statement and one round trip. json, not jsonb: it is read once, and
 * parsing it is cheaper.
 */
#define DB_RECORD_COLS							\
	"seq bigint, recorded_at timestamptz, direction text, lane smallint,"	\
	" officer text, outcome text, doc_type text, issuing_state text,"	\
	" doc_number text, nationality text, surname text, given_names text,"	\
	" birth_date date, sex text, expiry_date date"
static const char db_store_sql[] =
	"INSERT INTO crossings (post, seq, recorded_at, direction, lane,"
	" officer, outcome, doc_type, issuing_state, doc_number, nationality,"
	" surname, given_names, birth_date, sex, expiry_date)"
	" SELECT $1::text, seq, recorded_at, direction, lane, officer, outcome,"
	"  doc_type, issuing_state, doc_number, nationality, surname,"
	"  given_names, birth_date, sex, expiry_date"
	" FROM json_to_recordset($2::json) AS x(" DB_RECORD_COLS ")"
	" ORDER BY seq"
	" ON CONFLICT (post, seq) DO NOTHING"
	" RETURNING seq";

/*
 * The crossings of a batch that were not inserted, compared with what is
 * stored: 's' (the same: a resend, durable), 'c' (conflict: different
 * content under the same seq) or 'p' (not visible: acknowledged later). One
 * primary-key probe per crossing (LIMIT 1 keeps the planner from scanning
 * the post's history).
 */
static const char db_compare_sql[] =
	"SELECT b.seq, CASE"
	"  WHEN c.seq IS NULL THEN 'p'"
	"  WHEN (c.recorded_at, c.direction, c.lane, c.officer, c.outcome,"
	"   c.doc_type, c.issuing_state, c.doc_number, c.nationality,"
	"   c.surname, c.given_names, c.birth_date, c.sex, c.expiry_date)"
	"   IS NOT DISTINCT FROM"
	"   (b.recorded_at, b.direction, b.lane, b.officer, b.outcome,"
	"   b.doc_type, b.issuing_state, b.doc_number, b.nationality,"
	"   b.surname, b.given_names, b.birth_date, b.sex, b.expiry_date)"
	"   THEN 's'"
	"  ELSE 'c' END"
	" FROM json_to_recordset($2::json) AS b(" DB_RECORD_COLS ")"
	" LEFT JOIN LATERAL (SELECT * FROM crossings"
	"  WHERE post = $1::text AND seq = b.seq LIMIT 1) c ON true"
	" ORDER BY b.seq";

static const char db_list_sql[] =
	"SELECT post, seq::text,"
	" to_char(recorded_at AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
	" direction, lane::text, officer, outcome, doc_type, issuing_state,"
	" doc_number, nationality, surname, given_names,"
	" to_char(birth_date, 'YYYY-MM-DD'), sex,"
	" to_char(expiry_date, 'YYYY-MM-DD')"
	" FROM crossings"
	" WHERE ($1::text IS NULL OR post = $1::text)"
	" AND ($2::timestamptz IS NULL OR recorded_at >= $2::timestamptz)"
	" AND ($3::timestamptz IS NULL OR recorded_at < $3::timestamptz)"
	" ORDER BY crossings.post, crossings.seq"
	" LIMIT $4::bigint";

struct db *
db_new(const char *conninfo)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->conninfo = strdup(conninfo)) == NULL) {
		free(db);
		return NULL;
	}
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	explicit_bzero(db->conninfo, strlen(db->conninfo));
	free(db->conninfo);
	free(db);
}

/* The first line of libpq's message for the connection, for a log line. */
static void
db_conn_error(const struct db *db, char *buf, size_t bufsz)
{
	const char	*m = db->conn != NULL ? PQerrorMessage(db->conn) :
			    "out of memory";
	size_t		 n = strcspn(m, "\r\n");

	if (n == 0)
		m = "connection failed", n = strlen(m);
	(void)snprintf(buf, bufsz, "%.*s", (int)n, m);	/* truncation ok */
}

/* Per-session settings: a batch is acknowledged only once it is on disk,
 * whatever the server's default for synchronous_commit. */
static int
db_session_setup(struct db *db)
{
	PGresult	*res;
	int		 off;

	res = PQexec(db->conn, "SELECT current_setting('synchronous_commit')");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pgu_log_result(db->conn, "database", "session setup", res);
		PQclear(res);
		return ERR_DB;
	}
	off = strcmp(PQgetvalue(res, 0, 0), "off") == 0;
	PQclear(res);
	if (!off)
		return 0;
	res = PQexec(db->conn, "SET synchronous_commit TO on");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pgu_log_result(db->conn, "database", "session setup", res);
		PQclear(res);
		return ERR_DB;
	}
	PQclear(res);
	log_info("database: synchronous_commit is off on the server; "
	    "turned on for this session");
	return 0;
}

int
db_connect(struct db *db)
{
	/* Defaults first: the operator's conninfo (expanded from "dbname")
	 * overrides any of them. */
	static const char *const keys[] = {
		"connect_timeout", "keepalives", "keepalives_idle",
		"keepalives_interval", "keepalives_count", "tcp_user_timeout",
		"client_encoding", "fallback_application_name", "dbname", NULL
	};
	/* A database that stops answering (not just closing) must not hang
	 * the server for long: keepalives and a TCP send timeout. */
	const char	*vals[] = {
		"5", "1", "30", "10", "3", "30000", "UTF8", "shekara",
		db->conninfo, NULL
	};
	char		 why[256];

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db->conn == NULL)
		db->conn = PQconnectdbParams(keys, vals, 1);
	else
		PQreset(db->conn);
	if (db->conn == NULL)
		return ERR_NOMEM;
	if (PQstatus(db->conn) != CONNECTION_OK ||
	    db_session_setup(db) != 0) {
		db_conn_error(db, why, sizeof(why));
		if (!db->down)
			log_warnx("database: unavailable: %s", why);
		else
			log_debug("database: still unavailable: %s", why);
		db->down = 1;
		/* Force a reconnect next time even if setup alone failed. */
		if (PQstatus(db->conn) == CONNECTION_OK) {
			PQfinish(db->conn);
			db->conn = NULL;
		}
		return ERR_DB;
	}
	if (db->down)
		log_info("database: connected again");
	else
		log_debug("database: connected");
	db->down = 0;
	return 0;
}

PGconn *
db_pgconn(struct db *db)
{
	return db->conn;
}

int
db_ping(struct db *db)
{
	PGresult	*res;
	int		 attempt, ok = 0;

	for (attempt = 0; attempt < 2 && !ok; attempt++) {
		if (db_connect(db) != 0)
			return ERR_DB;
		res = PQexec(db->conn, "SELECT 1");
		ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		if (!ok && PQstatus(db->conn) != CONNECTION_BAD) {
			pgu_log_result(db->conn, "database", "ping", res);
			PQclear(res);
			return ERR_DB;
		}
		PQclear(res);
	}
	return ok ? 0 : ERR_DB;
}

/* A growable JSON text with a ceiling; see db_batch_json(). */
struct db_buf {
	char	*p;
	size_t	 len, cap;
	int	 full;
};

static void
db_buf_put(struct db_buf *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

/* A JSON string. Validated fields hold no control characters, but escape
 * them anyway rather than trust that here. */
static void
db_buf_str(struct db_buf *w, const char *key, const char *s)
{
	char	esc[8];
	size_t	i, run;

	db_buf_put(w, ",\"", 2);
	db_buf_put(w, key, strlen(key));
	db_buf_put(w, "\":\"", 3);
	for (i = 0, run = 0; s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch != '"' && ch != '\\' && ch >= 0x20)
			continue;
		db_buf_put(w, s + run, i - run);
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			db_buf_put(w, esc, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			db_buf_put(w, esc, 6);
		}
		run = i + 1;
	}
	db_buf_put(w, s + run, i - run);
	db_buf_put(w, "\"", 1);
}

/*
 * The batch, or the crossings of it not marked in skip, as a JSON array of
 * flat records for json_to_recordset(). Written by hand: it is on the ingest
 * path for every crossing, and the fields were validated by the decoder.
 */
static int
db_batch_json(const struct proto_batch *b, const unsigned char *skip,
    char **out)
{
	struct db_buf	 w;
	char		 num[64], ts[32], sex[2];
	size_t		 i, first = 1;
	int		 n;

	w.len = 0;
	w.full = 0;
	w.cap = b->n * (sizeof(struct proto_crossing) + 512) + 16;
	if ((w.p = malloc(w.cap)) == NULL)
		return ERR_NOMEM;
	db_buf_put(&w, "[", 1);
	for (i = 0; i < b->n; i++) {
		const struct proto_crossing	*c = &b->items[i];

		if (skip != NULL && skip[i])
			continue;
		if (c->seq == 0 || c->seq > INT64_MAX ||
		    date_format_rfc3339(c->recorded_at, ts, sizeof(ts)) != 0) {
			free(w.p);
			return ERR_INVAL;
		}
		n = snprintf(num, sizeof(num), "%s{\"seq\":%" PRIu64
		    ",\"lane\":%" PRIu32, first ? "" : ",", c->seq, c->lane);
		if (n < 0 || (size_t)n >= sizeof(num)) {
			free(w.p);
			return ERR_INVAL;
		}
		first = 0;
		db_buf_put(&w, num, (size_t)n);
		sex[0] = c->doc.sex;
		sex[1] = '\0';
		db_buf_str(&w, "recorded_at", ts);
		db_buf_str(&w, "direction", proto_direction_str(c->direction));
		db_buf_str(&w, "officer", c->officer);
		db_buf_str(&w, "outcome", proto_outcome_str(c->outcome));
		db_buf_str(&w, "doc_type", c->doc.type);
		db_buf_str(&w, "issuing_state", c->doc.issuing_state);
		db_buf_str(&w, "doc_number", c->doc.number);
		db_buf_str(&w, "nationality", c->doc.nationality);
		db_buf_str(&w, "surname", c->doc.surname);
		db_buf_str(&w, "given_names", c->doc.given_names);
		db_buf_str(&w, "birth_date", c->doc.birth_date);
		db_buf_str(&w, "sex", sex);
		db_buf_str(&w, "expiry_date", c->doc.expiry_date);
		db_buf_put(&w, "}", 1);
	}
	db_buf_put(&w, "]", 2);		/* with the NUL */
	if (w.full) {
		free(w.p);
		return ERR_TOOBIG;	/* the ceiling covers any valid batch */
	}
	*out = w.p;
	return 0;
}

/*
 * Runs one statement of the store with (post, json), reconnecting once if
 * the connection was lost on the way (PostgreSQL restarted): both
 * statements are idempotent, so sending again is safe even if the first
 * committed before its answer was lost. NULL on failure, logged.
 */
static PGresult *
db_store_exec(struct db *db, const char *sql, const char *what,
    const char *post, const char *json)
{
	const char	*params[2] = { post, json };
	PGresult	*r;
	int		 attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (db_connect(db) != 0)
			return NULL;
		r = PQexecParams(db->conn, sql, 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQnfields(r) >= 1)
			return r;
		if (PQstatus(db->conn) == CONNECTION_BAD && attempt == 0) {
			log_info("database: connection lost; reconnecting");
			PQclear(r);
			continue;
		}
		pgu_log_result(db->conn, "database", what, r);
		PQclear(r);
		return NULL;
	}
	return NULL;
}

/* A COPY text field: backslash, tab, newline and CR escaped. */
static void
db_buf_copyfield(struct db_buf *w, const char *s, int last)
{
	char	esc[2] = { '\\', 0 };
	size_t	i, run;

	for (i = 0, run = 0; s[i] != '\0'; i++) {
		char ch = s[i];

		if (ch != '\\' && ch != '\t' && ch != '\n' && ch != '\r')
			continue;
		db_buf_put(w, s + run, i - run);
		esc[1] = ch == '\\' ? '\\' : ch == '\t' ? 't' :
		    ch == '\n' ? 'n' : 'r';
		db_buf_put(w, esc, 2);
		run = i + 1;
	}
	db_buf_put(w, s + run, i - run);
	db_buf_put(w, last ? "\n" : "\t", 1);
}

/* The batch as COPY text rows in the column order of db_copy_sql. */
static int
db_batch_copy(const struct proto_batch *b, struct db_buf *w)
{
	char	num[48], ts[32], sex[2];
	size_t	i;
	int	n;

	w->len = 0;
	w->full = 0;
	w->cap = b->n * (sizeof(struct proto_crossing) + 256) + 16;
	if ((w->p = malloc(w->cap)) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < b->n; i++) {
		const struct proto_crossing	*c = &b->items[i];

		if (c->seq == 0 || c->seq > INT64_MAX ||
		    date_format_rfc3339(c->recorded_at, ts, sizeof(ts)) != 0) {
			free(w->p);
			return ERR_INVAL;
		}
		n = snprintf(num, sizeof(num), "%" PRIu64 "\t%" PRIu32 "\t",
		    c->seq, c->lane);
		if (n < 0 || (size_t)n >= sizeof(num)) {
			free(w->p);
			return ERR_INVAL;
		}
		sex[0] = c->doc.sex;
		sex[1] = '\0';
		db_buf_copyfield(w, b->post, 0);
		db_buf_put(w, num, (size_t)n);
		db_buf_copyfield(w, ts, 0);
		db_buf_copyfield(w, proto_direction_str(c->direction), 0);
		db_buf_copyfield(w, c->officer, 0);
		db_buf_copyfield(w, proto_outcome_str(c->outcome), 0);
		db_buf_copyfield(w, c->doc.type, 0);
		db_buf_copyfield(w, c->doc.issuing_state, 0);
		db_buf_copyfield(w, c->doc.number, 0);
		db_buf_copyfield(w, c->doc.nationality, 0);
		db_buf_copyfield(w, c->doc.surname, 0);
		db_buf_copyfield(w, c->doc.given_names, 0);
		db_buf_copyfield(w, c->doc.birth_date, 0);
		db_buf_copyfield(w, sex, 0);
		db_buf_copyfield(w, c->doc.expiry_date, 1);
	}
	if (w->full) {
		free(w->p);
		return ERR_TOOBIG;
	}
	return 0;
}

static const char db_copy_sql[] =
	"COPY crossings (post, seq, lane, recorded_at, direction, officer,"
	" outcome, doc_type, issuing_state, doc_number, nationality, surname,"
	" given_names, birth_date, sex, expiry_date) FROM STDIN";

/*
 * The fast path for a batch of new crossings, the common case: COPY, as
 * fast as PostgreSQL takes rows, committed as one statement. If any
 * (post, seq) is already stored the whole COPY fails (unique_violation),
 * nothing is stored, and the caller takes the INSERT ... ON CONFLICT path:
 * ERR_EXISTS. ERR_DB if the database is unavailable.
 */
static int
db_copy_batch(struct db *db, const struct proto_batch *b)
{
	struct db_buf	 w;
	PGresult	*r;
	int		 attempt, rc = ERR_DB;

	if ((rc = db_batch_copy(b, &w)) != 0)
		return rc;
	rc = ERR_DB;
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_connect(db) != 0)
			break;
		r = PQexec(db->conn, db_copy_sql);
		if (PQresultStatus(r) != PGRES_COPY_IN) {
			if (PQstatus(db->conn) == CONNECTION_BAD &&
			    attempt == 0) {
				PQclear(r);
				log_info("database: connection lost; "
				    "reconnecting");
				continue;
			}
			pgu_log_result(db->conn, "database", "copy batch", r);
			PQclear(r);
			break;
		}
		PQclear(r);
		if (PQputCopyData(db->conn, w.p, (int)w.len) != 1 ||
		    PQputCopyEnd(db->conn, NULL) != 1) {
			pgu_log_result(db->conn, "database", "copy batch",
			    NULL);
			break;
		}
		rc = 0;
		while ((r = PQgetResult(db->conn)) != NULL) {
			if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
				if (pgu_sqlstate(r, PGU_UNIQUE_VIOLATION))
					rc = ERR_EXISTS;
				else {
					pgu_log_result(db->conn, "database",
					    "copy batch", r);
					rc = ERR_DB;
				}
			}
			PQclear(r);
		}
		/*
		 * A connection lost here may or may not have committed: the
		 * caller falls back to the idempotent path, which tells.
		 */
		if (rc == ERR_DB && PQstatus(db->conn) == CONNECTION_BAD)
			rc = ERR_EXISTS;
		break;
	}
	free(w.p);
	return rc;
}

static int
db_cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The index in b of the crossing with this seq, or -1. */
static long
db_batch_index(const struct proto_batch *b, uint64_t seq, size_t hint)
{
	size_t	i;

	if (hint < b->n && b->items[hint].seq == seq)
		return (long)hint;
	for (i = 0; i < b->n; i++)
		if (b->items[i].seq == seq)
			return (long)i;
	return -1;
}

int
db_store_batch(struct db *db, const struct proto_batch *b,
    struct db_store_result *res)
{
	struct db_store_result	 out = *res;
	unsigned char		*inserted = NULL;
	char			*json = NULL, *rest = NULL;
	PGresult		*r = NULL;
	uint64_t		 seq;
	long			 k;
	int			 i, nrows, rc;
	const char		*st;

	out.ndurable = out.nconflict = out.npending = 0;
	if (b->n == 0) {
		*res = out;
		return 0;
	}
	if ((rc = db_copy_batch(db, b)) != ERR_EXISTS) {
		if (rc != 0)
			return rc;
		for (i = 0; i < (int)b->n; i++)
			out.durable[out.ndurable++] = b->items[i].seq;
		qsort(out.durable, out.ndurable, sizeof(*out.durable),
		    db_cmp_u64);
		*res = out;
		return 0;
	}
	if ((inserted = calloc(b->n, 1)) == NULL)
		return ERR_NOMEM;
	if ((rc = db_batch_json(b, NULL, &json)) != 0)
		goto done;
	rc = ERR_DB;
	if ((r = db_store_exec(db, db_store_sql, "store batch", b->post,
	    json)) == NULL)
		goto done;
	/* Committed (autocommit): what came back is durable. */
	nrows = PQntuples(r);
	for (i = 0; i < nrows; i++) {
		if (pgu_u64(PQgetvalue(r, i, 0), &seq) != 0 ||
		    (k = db_batch_index(b, seq, (size_t)i)) < 0 ||
		    inserted[k]) {
			log_warnx("database: store answered a seq not sent");
			goto done;
		}
		inserted[k] = 1;
		out.durable[out.ndurable++] = seq;
	}
	PQclear(r);
	r = NULL;
	if (out.ndurable < b->n) {
		/* Some were present: a resend, or a conflict. Compare. */
		if ((rc = db_batch_json(b, inserted, &rest)) != 0)
			goto done;
		rc = ERR_DB;
		if ((r = db_store_exec(db, db_compare_sql, "compare batch",
		    b->post, rest)) == NULL)
			goto done;
		nrows = PQntuples(r);
		if (PQnfields(r) != 2 ||
		    (size_t)nrows != b->n - out.ndurable) {
			log_warnx("database: compare answered %d rows for "
			    "%zu crossings", nrows, b->n - out.ndurable);
			goto done;
		}
		for (i = 0; i < nrows; i++) {
			st = PQgetvalue(r, i, 1);
			if (pgu_u64(PQgetvalue(r, i, 0), &seq) != 0 ||
			    db_batch_index(b, seq, 0) < 0) {
				log_warnx("database: compare answered a seq "
				    "not sent");
				goto done;
			}
			if (strcmp(st, "s") == 0)
				out.durable[out.ndurable++] = seq;
			else if (strcmp(st, "c") == 0)
				out.conflict[out.nconflict++] = seq;
			else if (strcmp(st, "p") == 0)
				out.npending++;
			else {
				log_warnx("database: compare answered state "
				    "\"%.8s\"", st);
				goto done;
			}
		}
	}
	/* Acknowledged in seq order, whichever statement found them. */
	qsort(out.durable, out.ndurable, sizeof(*out.durable), db_cmp_u64);
	*res = out;
	rc = 0;
done:
	PQclear(r);
	free(inserted);
	free(json);
	free(rest);
	return rc;
}

/* End a streamed query early: cancel it if it still runs (cancel), and
 * drain what is in flight. */
static void
db_list_abort(struct db *db, int cancel_it)
{
	PGcancel	*cancel;
	PGresult	*r;
	char		 errbuf[256];

	if (cancel_it && (cancel = PQgetCancel(db->conn)) != NULL) {
		/* If the cancel fails, draining still ends the query. */
		(void)PQcancel(cancel, errbuf, sizeof(errbuf));
		PQfreeCancel(cancel);
	}
	while ((r = PQgetResult(db->conn)) != NULL)
		PQclear(r);
}

int
db_crossings_list(struct db *db, const struct db_filter *f,
    int (*cb)(void *arg, const char *const vals[DB_NCOLS]), void *arg)
{
	const char	*params[4] = { NULL, NULL, NULL, NULL };
	const char	*vals[DB_NCOLS];
	char		 since[32], until[32], limit[32];
	PGresult	*r;
	int		 rc = 0, done = 0, stopped = 0, n, i;

	if (f->post != NULL)
		params[0] = f->post;
	if (f->has_since) {
		if (date_format_rfc3339(f->since, since, sizeof(since)) != 0)
			return ERR_RANGE;
		params[1] = since;
	}
	if (f->has_until) {
		if (date_format_rfc3339(f->until, until, sizeof(until)) != 0)
			return ERR_RANGE;
		params[2] = until;
	}
	if (f->limit > 0) {
		n = snprintf(limit, sizeof(limit), "%lld", f->limit);
		if (n < 0 || (size_t)n >= sizeof(limit))
			return ERR_RANGE;
		params[3] = limit;
	}
	if (db_connect(db) != 0)
		return ERR_DB;
	if (!PQsendQueryParams(db->conn, db_list_sql, 4, NULL, params, NULL,
	    NULL, 0)) {
		pgu_log_result(db->conn, "database", "list crossings", NULL);
		return ERR_DB;
	}
	if (!PQsetSingleRowMode(db->conn))
		log_debug("database: single-row mode unavailable");
	while (!done && (r = PQgetResult(db->conn)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			if (PQnfields(r) != DB_NCOLS) {
				log_warnx("database: listing has %d columns",
				    PQnfields(r));
				rc = ERR_DB;
				done = 1;
				break;
			}
			for (n = 0; n < PQntuples(r) && rc == 0; n++) {
				for (i = 0; i < DB_NCOLS; i++)
					vals[i] = PQgetvalue(r, n, i);
				rc = cb(arg, vals);
			}
			if (rc != 0)
				done = stopped = 1;
			break;
		default:
			pgu_log_result(db->conn, "database", "list crossings",
			    r);
			rc = ERR_DB;
			done = 1;
			break;
		}
		PQclear(r);
	}
	if (done)
		db_list_abort(db, stopped);
	return rc;
}
