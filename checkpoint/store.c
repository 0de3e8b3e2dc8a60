/* store.c - the post's journal of crossings in SQLite. Every statement is
 * prepared once at open and parameterised; writes run in BEGIN IMMEDIATE
 * transactions, and with WAL + synchronous=FULL a COMMIT that returns is on
 * disk. A lane's request id is looked up and inserted in the same
 * transaction, so one key never records two crossings. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "auditchain.h"
#include "auditmsg.h"
#include "check.h"
#include "date.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "store.h"

#define STORE_BUSY_MS	5000

enum store_stmt {
	ST_BEGIN,
	ST_BEGIN_IMM,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MAX_SEQ,
	ST_INSERT,
	ST_FIND_REQID,
	ST_FETCH,
	ST_MARK,
	ST_UNSENT,
	ST_META_GET,
	ST_META_PUT,
	ST_MAX_CHECK,
	ST_INSERT_CHECK,
	ST_CHECK_GET,
	ST_LINK_BY_CHECK,
	ST_LINK_BY_SEQ,
	ST_LINK_INSERT,
	ST_AUDIT_LAST,
	ST_AUDIT_INSERT,
	ST_AUDIT_FETCH,
	ST_AUDIT_MARK,
	ST_AUDIT_UNSENT,
	ST_AUDIT_ALL,
	ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN",
	[ST_BEGIN_IMM] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_MAX_SEQ] = "SELECT coalesce(max(seq), 0) FROM journal",
	[ST_INSERT] = "INSERT INTO journal(seq, recorded_at, payload, "
	    "request_id) VALUES (?1, ?2, ?3, ?4)",
	[ST_FIND_REQID] = "SELECT seq, recorded_at, payload FROM journal "
	    "WHERE request_id = ?1",
	[ST_FETCH] = "SELECT seq, recorded_at, payload FROM journal "
	    "WHERE sent_at IS NULL ORDER BY seq LIMIT ?1",
	[ST_MARK] = "UPDATE journal SET sent_at = ?2 "
	    "WHERE seq = ?1 AND sent_at IS NULL",
	[ST_UNSENT] = "SELECT count(*) FROM journal WHERE sent_at IS NULL",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_PUT] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[ST_MAX_CHECK] = "SELECT coalesce(max(id), 0) FROM checks",
	[ST_INSERT_CHECK] = "INSERT INTO checks(id, decided_at, direction, "
	    "lane, officer, verdict, feed_version, policy_version, payload) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_CHECK_GET] = "SELECT direction, verdict, payload FROM checks "
	    "WHERE id = ?1",
	[ST_LINK_BY_CHECK] = "SELECT seq FROM crossing_checks "
	    "WHERE check_id = ?1",
	[ST_LINK_BY_SEQ] = "SELECT check_id, verdict, outcome, reason "
	    "FROM crossing_checks WHERE seq = ?1",
	[ST_LINK_INSERT] = "INSERT INTO crossing_checks(seq, check_id, "
	    "verdict, outcome, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_AUDIT_LAST] = "SELECT seq, hash FROM audit "
	    "ORDER BY seq DESC LIMIT 1",
	[ST_AUDIT_INSERT] = "INSERT INTO audit(seq, at_ms, actor, action, "
	    "subject, detail, prev, hash) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_AUDIT_FETCH] = "SELECT seq, at_ms, actor, action, subject, "
	    "detail, prev, hash FROM audit WHERE sent_at IS NULL "
	    "ORDER BY seq LIMIT ?1",
	[ST_AUDIT_MARK] = "UPDATE audit SET sent_at = ?2 "
	    "WHERE seq = ?1 AND sent_at IS NULL",
	[ST_AUDIT_UNSENT] = "SELECT count(*) FROM audit WHERE sent_at IS NULL",
	[ST_AUDIT_ALL] = "SELECT seq, at_ms, actor, action, subject, detail, "
	    "prev, hash FROM audit ORDER BY seq",
};

static const char store_schema[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT);"
	"CREATE TABLE IF NOT EXISTS journal ("
	"  seq INTEGER PRIMARY KEY,"
	"  recorded_at INTEGER NOT NULL,"
	"  payload TEXT NOT NULL,"
	"  sent_at INTEGER,"
	"  request_id TEXT);"		/* NULL when the lane sent none */
	"CREATE INDEX IF NOT EXISTS journal_unsent ON journal(seq)"
	"  WHERE sent_at IS NULL;"
	"CREATE UNIQUE INDEX IF NOT EXISTS journal_request_id"
	"  ON journal(request_id);"
	/* Lane checks and their verdicts, for the audit trail. */
	"CREATE TABLE IF NOT EXISTS checks ("
	"  id INTEGER PRIMARY KEY,"
	"  decided_at INTEGER NOT NULL,"
	"  direction TEXT NOT NULL,"
	"  lane INTEGER NOT NULL,"
	"  officer TEXT NOT NULL,"
	"  verdict TEXT NOT NULL,"
	"  feed_version INTEGER NOT NULL,"
	"  policy_version TEXT,"		/* NULL: no policy */
	"  payload TEXT NOT NULL);"
	/* The officer's decision on a check: which check a crossing was
	 * recorded for, and why (lane form only; never sent). One check is
	 * one crossing. */
	"CREATE TABLE IF NOT EXISTS crossing_checks ("
	"  seq INTEGER PRIMARY KEY REFERENCES journal(seq),"
	"  check_id INTEGER UNIQUE REFERENCES checks(id),"	/* NULL: none */
	"  verdict TEXT,"			/* the check's; NULL: none */
	"  outcome TEXT NOT NULL,"
	"  reason TEXT);"			/* NULL: none given */
	/* The post's audit chain "post:{code}": one event per check and
	 * per crossing record, written in the same transaction (see
	 * docs/audit.md); pushed to the centre like the journal. */
	"CREATE TABLE IF NOT EXISTS audit ("
	"  seq INTEGER PRIMARY KEY,"		/* gapless from 1 */
	"  at_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"		/* canonical JSON */
	"  prev TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  sent_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS audit_unsent ON audit(seq)"
	"  WHERE sent_at IS NULL;";

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_COUNT];
	char		 post[PROTO_POST_MAX + 1];
	char		 chain[64];	/* "post:{code}" */
	char		 path[256];	/* for log lines; may be cut */
};

static void
store_dberr(struct store *s, const char *what)
{
	log_warnx("store %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* Runs a statement that returns no rows, then resets it. */
static int
store_exec(struct store *s, enum store_stmt which)
{
	sqlite3_stmt	*st = s->st[which];
	int		 rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_dberr(s, store_sql[which]);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return ERR_DB;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

static void
store_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return;		/* SQLite already rolled back */
	/* Nothing more to do if even this fails: the error was logged and
	 * SQLite rolls back when the connection closes. */
	(void)store_exec(s, ST_ROLLBACK);
}

/* One int64 from a single-row, single-column query. */
static int
store_int(struct store *s, enum store_stmt which, int64_t *out)
{
	sqlite3_stmt	*st = s->st[which];
	int		 rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_dberr(s, store_sql[which]);
		sqlite3_reset(st);
		return ERR_DB;
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* A meta value into buf (NUL-terminated, cut to bufsz - 1); "" and
 * ERR_NOTFOUND when the key is absent or NULL. */
static int
store_meta_get(struct store *s, const char *key, char *buf, size_t bufsz)
{
	sqlite3_stmt	*st = s->st[ST_META_GET];
	const unsigned char *v;
	size_t		 n;
	int		 rc;

	buf[0] = '\0';
	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK) {
		store_dberr(s, "bind meta key");
		sqlite3_clear_bindings(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_NOTFOUND;
	} else if (rc == SQLITE_ROW) {
		v = sqlite3_column_text(st, 0);
		n = (size_t)sqlite3_column_bytes(st, 0);
		if (v == NULL) {
			rc = ERR_NOTFOUND;
		} else {
			if (n >= bufsz)
				n = bufsz - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			rc = 0;
		}
	} else {
		store_dberr(s, "read meta");
		rc = ERR_DB;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int
store_meta_put(struct store *s, const char *key, const char *val)
{
	sqlite3_stmt	*st = s->st[ST_META_PUT];

	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC) != SQLITE_OK) {
		store_dberr(s, "bind meta");
		sqlite3_clear_bindings(st);
		return ERR_DB;
	}
	return store_exec(s, ST_META_PUT);
}

static int
store_meta_put_int(struct store *s, const char *key, int64_t v)
{
	char	buf[32];
	int	n;

	n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return ERR_RANGE;
	return store_meta_put(s, key, buf);
}

/* A meta value written by store_meta_put_int; 0 when absent. */
static int
store_meta_get_int(struct store *s, const char *key, int64_t *out)
{
	char		 buf[32], *end;
	long long	 v;
	int		 rc;

	rc = store_meta_get(s, key, buf, sizeof(buf));
	if (rc == ERR_NOTFOUND) {
		*out = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	v = strtoll(buf, &end, 10);
	if (end == buf || *end != '\0' || v < 0) {
		log_warnx("store %s: meta %s holds \"%s\", not a time", s->path,
		    key, buf);
		return ERR_DB;
	}
	*out = (int64_t)v;
	return 0;
}

/* Post code and schema version: recorded by the first open, checked by
 * every later one. Runs inside the opening transaction. */
static int
store_check_meta(struct store *s)
{
	char		 buf[64], *end;
	long		 v;
	int		 rc;

	rc = store_meta_get(s, "post_code", buf, sizeof(buf));
	if (rc == ERR_NOTFOUND) {
		if ((rc = store_meta_put(s, "post_code", s->post)) != 0)
			return rc;
	} else if (rc != 0) {
		return rc;
	} else if (strcmp(buf, s->post) != 0) {
		log_warnx("store %s: belongs to post %s, not %s", s->path, buf,
		    s->post);
		return ERR_CONFLICT;
	}

	rc = store_meta_get(s, "schema_version", buf, sizeof(buf));
	if (rc == ERR_NOTFOUND)
		return store_meta_put_int(s, "schema_version",
		    STORE_SCHEMA_VERSION);
	if (rc != 0)
		return rc;
	v = strtol(buf, &end, 10);
	if (end == buf || *end != '\0' || v < 1) {
		log_warnx("store %s: bad schema version \"%s\"", s->path, buf);
		return ERR_DB;
	}
	if (v > STORE_SCHEMA_VERSION) {
		log_warnx("store %s: schema version %ld is newer than %d",
		    s->path, v, STORE_SCHEMA_VERSION);
		return ERR_VERSION;
	}
	if (v < STORE_SCHEMA_VERSION) {
		/* The schema was brought up to date (CREATE ... IF NOT
		 * EXISTS) in this transaction: say so, so that an older
		 * binary, which would check without auditing, refuses it. */
		log_info("store %s: schema version %ld upgraded to %d", s->path,
		    v, STORE_SCHEMA_VERSION);
		return store_meta_put_int(s, "schema_version",
		    STORE_SCHEMA_VERSION);
	}
	return 0;
}

/* PRAGMA journal_mode=WAL answers the mode now in force. */
static int
store_set_wal(struct store *s)
{
	sqlite3_stmt		*st;
	const unsigned char	*mode;
	int			 rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		store_dberr(s, "journal_mode");
		return ERR_DB;
	}
	rc = ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		mode = sqlite3_column_text(st, 0);
		if (mode != NULL && strcmp((const char *)mode, "wal") == 0)
			rc = 0;
		else
			log_warnx("store %s: cannot use WAL (mode %s)", s->path,
			    mode != NULL ? (const char *)mode : "?");
	} else
		store_dberr(s, "journal_mode");
	sqlite3_finalize(st);
	return rc;
}

int
store_open(struct store **out, const char *path, const char *post_code)
{
	struct store	*s;
	int		 i, rc;

	if (!proto_check_post_code(post_code, strlen(post_code)))
		return ERR_INVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	/* The post code was checked to fit; a long path is only cut in
	 * log lines. */
	(void)snprintf(s->post, sizeof(s->post), "%s", post_code);
	(void)snprintf(s->chain, sizeof(s->chain), "post:%s", post_code);
	(void)snprintf(s->path, sizeof(s->path), "%s", path);

	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (s->db != NULL)
			store_dberr(s, "open");
		else
			log_warnx("store %s: open: out of memory", s->path);
		rc = s->db != NULL ? ERR_DB : ERR_NOMEM;
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);

	if ((rc = store_set_wal(s)) != 0)
		goto fail;
	if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL)
	    != SQLITE_OK ||
	    sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)
	    != SQLITE_OK ||
	    sqlite3_exec(s->db, store_schema, NULL, NULL, NULL) != SQLITE_OK) {
		store_dberr(s, "create schema");
		rc = ERR_DB;
		goto fail;
	}
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			store_dberr(s, store_sql[i]);
			rc = ERR_DB;
			goto fail;
		}
	}
	if ((rc = store_check_meta(s)) != 0)
		goto fail;
	if ((rc = store_exec(s, ST_COMMIT)) != 0)
		goto fail;
	*out = s;
	return 0;

fail:
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	store_close(s);
	return rc;
}

void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);	/* NULL is a no-op */
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("store %s: close: %s", s->path,
		    sqlite3_errmsg(s->db));
	free(s);
}

/*
 * The crossing recorded under rec->request_id, inside the caller's
 * transaction: ERR_NOTFOUND if none; else 0 with its seq and recorded_at in
 * *found and its content decoded from the stored payload.
 */
static int
store_find_reqid(struct store *s, const struct proto_crossing *rec,
    struct proto_crossing *found)
{
	sqlite3_stmt		*st = s->st[ST_FIND_REQID];
	struct proto_crossing	 c;
	struct proto_error	 perr;
	const unsigned char	*p;
	size_t			 n;
	int			 rc;

	if (sqlite3_bind_text(st, 1, rec->request_id, -1, SQLITE_STATIC)
	    != SQLITE_OK) {
		store_dberr(s, "bind request id");
		sqlite3_clear_bindings(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_NOTFOUND;
	} else if (rc != SQLITE_ROW) {
		store_dberr(s, "find request id");
		rc = ERR_DB;
	} else {
		p = sqlite3_column_text(st, 2);
		n = (size_t)sqlite3_column_bytes(st, 2);
		memset(&c, 0, sizeof(c));
		if (p == NULL) {
			rc = ERR_NOMEM;
		} else if ((rc = proto_decode_crossing(&c, p, n, &perr))
		    != 0) {
			/* Only this store writes payloads: it is damaged. */
			log_warnx("store %s: seq %lld: stored crossing does "
			    "not decode: %s: %s", s->path,
			    (long long)sqlite3_column_int64(st, 0), perr.field,
			    perr.message);
			rc = ERR_DB;
		} else {
			c.seq = (uint64_t)sqlite3_column_int64(st, 0);
			c.recorded_at = sqlite3_column_int64(st, 1);
			*found = c;
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* Fills *err (may be NULL) and returns rc. */
static int
store_err(struct proto_error *err, int rc, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
store_err(struct proto_error *err, int rc, const char *field,
    const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return rc;
	/* Ours and short; a cut message still reads. */
	(void)snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	if (vsnprintf(err->message, sizeof(err->message), fmt, ap) < 0)
		err->message[0] = '\0';
	va_end(ap);
	return rc;
}

/*
 * The audit chain. An event is appended inside the caller's transaction,
 * the one that stores the check or the crossing it tells of: both are
 * durable together or not at all, and the chain has no gap or fork.
 */

/* The canonical text of detail (audit_canon_detail()), malloc'd. */
static int
store_audit_canon(struct store *s, json_t *detail, char **out,
    size_t *outlen)
{
	char	*raw;
	size_t	 need;
	int	 rc;

	if (detail == NULL)
		return ERR_NOMEM;	/* json_pack() fails only so here */
	if ((need = json_dumpb(detail, NULL, 0, JSON_COMPACT)) == 0)
		return ERR_NOMEM;
	if ((raw = malloc(need)) == NULL)
		return ERR_NOMEM;
	if (json_dumpb(detail, raw, need, JSON_COMPACT) != need) {
		free(raw);
		return ERR_NOMEM;
	}
	rc = audit_canon_detail(raw, need, out, outlen);
	free(raw);
	if (rc == 0 && *outlen > AUDITMSG_DETAIL_MAX) {
		free(*out);
		rc = ERR_TOOBIG;
	}
	if (rc != 0 && rc != ERR_NOMEM) {
		log_warnx("store %s: audit detail cannot be made canonical: "
		    "%s", s->path, err_str(rc));
		rc = ERR_DB;
	}
	return rc;
}

/*
 * Appends one event to the chain inside the caller's transaction: the next
 * seq (last + 1, from 1), prev the last event's hash (AUDIT_GENESIS for the
 * first). Does not take detail's reference.
 */
static int
store_audit_append(struct store *s, int64_t at_ms, const char *actor,
    const char *action, const char *subject, json_t *detail)
{
	sqlite3_stmt		*st = s->st[ST_AUDIT_LAST];
	struct audit_event	 e;
	const unsigned char	*h;
	char			*canon = NULL;
	size_t			 clen = 0;
	int64_t			 last = 0;
	int			 rc;

	if ((rc = store_audit_canon(s, detail, &canon, &clen)) != 0)
		return rc;
	memset(&e, 0, sizeof(e));
	memcpy(e.chain, s->chain, sizeof(e.chain));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		h = sqlite3_column_text(st, 1);
		if (h == NULL || sqlite3_column_bytes(st, 1) != AUDIT_HASH_HEX ||
		    last < 1 || last == INT64_MAX) {
			log_warnx("store %s: audit event %lld is damaged",
			    s->path, (long long)last);
			rc = ERR_DB;
		} else {
			memcpy(e.prev, h, AUDIT_HASH_HEX);
			e.prev[AUDIT_HASH_HEX] = '\0';
			rc = 0;
		}
	} else if (rc == SQLITE_DONE) {
		memcpy(e.prev, AUDIT_GENESIS, sizeof(e.prev));
		rc = 0;
	} else {
		store_dberr(s, "last audit event");
		rc = ERR_DB;
	}
	sqlite3_reset(st);
	if (rc != 0)
		goto done;
	e.seq = (uint64_t)last + 1;
	e.at_ms = at_ms;
	e.actor = actor;
	e.action = action;
	e.subject = subject;
	e.detail = canon;
	e.detail_len = clen;
	if (audit_event_hash(&e, e.hash) != 0) {
		log_warnx("store %s: audit event %llu (%s) cannot be hashed: "
		    "a field is out of bounds", s->path,
		    (unsigned long long)e.seq, action);
		rc = ERR_DB;
		goto done;
	}
	st = s->st[ST_AUDIT_INSERT];
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)e.seq) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, e.at_ms) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, subject, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, canon, (int)clen, SQLITE_STATIC)
	    != SQLITE_OK ||
	    sqlite3_bind_text(st, 7, e.prev, AUDIT_HASH_HEX, SQLITE_STATIC)
	    != SQLITE_OK ||
	    sqlite3_bind_text(st, 8, e.hash, AUDIT_HASH_HEX, SQLITE_STATIC)
	    != SQLITE_OK) {
		store_dberr(s, "bind audit event");
		sqlite3_clear_bindings(st);
		rc = ERR_DB;
		goto done;
	}
	rc = store_exec(s, ST_AUDIT_INSERT);
done:
	free(canon);
	return rc;
}

/* "check": {"alerts":[ids],"check_id","direction","feed_version","lane",
 * "policy_version"|null,"reasons":[codes],"verdict"}. */
static int
store_audit_check(struct store *s, const struct check_verdict *v)
{
	json_t	*d, *reasons, *alerts;
	char	 subject[AUDIT_SUBJECT_MAX + 1] = "";
	size_t	 i;
	int	 rc;

	reasons = json_array();
	alerts = json_array();
	for (i = 0; i < v->nreasons && reasons != NULL && alerts != NULL;
	    i++) {
		if (json_array_append_new(reasons,
		    json_string(v->reasons[i].code)) != 0 ||
		    (v->reasons[i].alert[0] != '\0' &&
		    json_array_append_new(alerts,
		    json_string(v->reasons[i].alert)) != 0)) {
			json_decref(reasons);
			json_decref(alerts);
			return ERR_NOMEM;
		}
	}
	/* "o" takes the references, also when json_pack() fails (as it
	 * does for a NULL one: then store_audit_append() says ERR_NOMEM). */
	d = json_pack("{s:I,s:I,s:s,s:s,s:o,s:o,s:I,s:o}",
	    "check_id", (json_int_t)v->check_id,
	    "lane", (json_int_t)v->lane,
	    "direction", proto_direction_str(v->direction),
	    "verdict", check_verdict_str(v->verdict),
	    "reasons", reasons, "alerts", alerts,
	    "feed_version", (json_int_t)v->feed_version,
	    "policy_version", v->policy_version[0] != '\0' ?
	    json_string(v->policy_version) : json_null());
	if (v->has_document)
		(void)snprintf(subject, sizeof(subject), "%s:%s",
		    v->doc.issuing_state, v->doc.number);
	rc = store_audit_append(s, v->decided_at, v->officer, "check", subject,
	    d);
	json_decref(d);
	return rc;
}

/* "record": {"check_id"|null,"direction","lane","outcome",
 * "reason"|null,"seq"}. */
static int
store_audit_record(struct store *s, const struct proto_crossing *rec)
{
	json_t	*d;
	char	 subject[AUDIT_SUBJECT_MAX + 1];
	int	 rc;

	d = json_pack("{s:I,s:o,s:s,s:o,s:s,s:I}",
	    "seq", (json_int_t)rec->seq,
	    "check_id", rec->check_id != 0 ?
	    json_integer((json_int_t)rec->check_id) : json_null(),
	    "outcome", proto_outcome_str(rec->outcome),
	    "reason", rec->reason[0] != '\0' ? json_string(rec->reason) :
	    json_null(),
	    "direction", proto_direction_str(rec->direction),
	    "lane", (json_int_t)rec->lane);
	(void)snprintf(subject, sizeof(subject), "%s:%s",
	    rec->doc.issuing_state, rec->doc.number);
	rc = store_audit_append(s, rec->recorded_at, rec->officer, "record",
	    subject, d);
	json_decref(d);
	return rc;
}

/*
 * The link recorded for seq, inside the caller's transaction:
 * ERR_NOTFOUND if none.
 */
static int
store_get_link(struct store *s, uint64_t seq, struct store_link *out)
{
	sqlite3_stmt		*st = s->st[ST_LINK_BY_SEQ];
	struct store_link	 l;
	const unsigned char	*t;
	int			 rc;

	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)seq) != SQLITE_OK) {
		store_dberr(s, "bind link seq");
		sqlite3_clear_bindings(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_NOTFOUND;
	} else if (rc != SQLITE_ROW) {
		store_dberr(s, "find link");
		rc = ERR_DB;
	} else {
		memset(&l, 0, sizeof(l));
		l.seq = seq;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			l.check_id = (uint64_t)sqlite3_column_int64(st, 0);
		t = sqlite3_column_text(st, 1);
		if (t != NULL && strcmp((const char *)t, "clear") == 0)
			l.verdict = CHECK_CLEAR;
		else if (t != NULL && strcmp((const char *)t, "refer") == 0)
			l.verdict = CHECK_REFER;
		else if (t != NULL && strcmp((const char *)t, "deny") == 0)
			l.verdict = CHECK_DENY;
		t = sqlite3_column_text(st, 2);
		l.outcome = PROTO_ADMIT;
		if (t != NULL && strcmp((const char *)t, "refuse") == 0)
			l.outcome = PROTO_REFUSE;
		else if (t != NULL && strcmp((const char *)t, "refer") == 0)
			l.outcome = PROTO_REFER;
		t = sqlite3_column_text(st, 3);
		if (t != NULL)
			(void)snprintf(l.reason, sizeof(l.reason), "%s",
			    (const char *)t);
		*out = l;
		rc = 0;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/*
 * Checks rec->check_id against the checks table inside the caller's
 * transaction and sets *verdict to the check's verdict: the check must
 * exist, be of the same direction, have read the same document (when it
 * read one), and not be recorded for another crossing; admitting against
 * a deny needs a reason.
 */
static int
store_check_link(struct store *s, const struct proto_crossing *rec,
    enum check_verdict_kind *verdict, struct proto_error *err)
{
	sqlite3_stmt		*st = s->st[ST_CHECK_GET];
	struct check_verdict	*v = NULL;
	struct proto_error	 perr;
	const unsigned char	*dir, *p;
	int64_t			 other = 0;
	size_t			 n;
	int			 rc;

	if (rec->check_id > (uint64_t)INT64_MAX)
		return store_err(err, ERR_INVAL, "check_id", "is out of range");
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)rec->check_id)
	    != SQLITE_OK) {
		store_dberr(s, "bind check id");
		sqlite3_clear_bindings(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = store_err(err, ERR_NOTFOUND, "check_id",
		    "names no check made at this post");
		goto out;
	}
	if (rc != SQLITE_ROW) {
		store_dberr(s, "find check");
		rc = ERR_DB;
		goto out;
	}
	dir = sqlite3_column_text(st, 0);
	p = sqlite3_column_text(st, 2);
	n = (size_t)sqlite3_column_bytes(st, 2);
	if (dir == NULL || p == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	if (strcmp((const char *)dir, proto_direction_str(rec->direction))
	    != 0) {
		rc = store_err(err, ERR_CONFLICT, "check_id",
		    "is a check of an %s, not of this %s", (const char *)dir,
		    proto_direction_str(rec->direction));
		goto out;
	}
	if ((v = malloc(sizeof(*v))) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	if ((rc = check_decode_verdict(v, p, n, &perr)) != 0) {
		/* Only this store writes verdicts: it is damaged. */
		log_warnx("store %s: check %llu: stored verdict does not "
		    "decode: %s: %s", s->path,
		    (unsigned long long)rec->check_id, perr.field,
		    perr.message);
		rc = ERR_DB;
		goto out;
	}
	if (v->has_document && (strcmp(v->doc.issuing_state,
	    rec->doc.issuing_state) != 0 || strcmp(v->doc.number,
	    rec->doc.number) != 0)) {
		rc = store_err(err, ERR_CONFLICT, "check_id",
		    "is a check of another document");
		goto out;
	}
	*verdict = v->verdict;
	sqlite3_reset(st);
	st = s->st[ST_LINK_BY_CHECK];
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)rec->check_id)
	    != SQLITE_OK) {
		store_dberr(s, "bind check id");
		rc = ERR_DB;
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		other = sqlite3_column_int64(st, 0);
		rc = store_err(err, ERR_CONFLICT, "check_id",
		    "is already recorded as crossing %lld; a check is "
		    "recorded once", (long long)other);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, "find link by check");
		rc = ERR_DB;
		goto out;
	}
	rc = 0;
	if (v->verdict == CHECK_DENY && rec->outcome == PROTO_ADMIT &&
	    rec->reason[0] == '\0')
		rc = store_err(err, ERR_INVAL, "reason",
		    "is required to admit against a \"deny\" verdict: say "
		    "why (1..500 bytes)");
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(v);
	return rc;
}

static int
store_insert_link(struct store *s, const struct proto_crossing *rec,
    enum check_verdict_kind verdict)
{
	sqlite3_stmt	*st = s->st[ST_LINK_INSERT];
	int		 b;

	b = sqlite3_bind_int64(st, 1, (sqlite3_int64)rec->seq);
	if (b == SQLITE_OK)
		b = rec->check_id != 0 ? sqlite3_bind_int64(st, 2,
		    (sqlite3_int64)rec->check_id) : sqlite3_bind_null(st, 2);
	if (b == SQLITE_OK)
		b = verdict != 0 ? sqlite3_bind_text(st, 3,
		    check_verdict_str(verdict), -1, SQLITE_STATIC) :
		    sqlite3_bind_null(st, 3);
	if (b == SQLITE_OK)
		b = sqlite3_bind_text(st, 4, proto_outcome_str(rec->outcome),
		    -1, SQLITE_STATIC);
	if (b == SQLITE_OK)
		b = rec->reason[0] != '\0' ? sqlite3_bind_text(st, 5,
		    rec->reason, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 5);
	if (b != SQLITE_OK) {
		store_dberr(s, "bind link");
		sqlite3_clear_bindings(st);
		return ERR_DB;
	}
	return store_exec(s, ST_LINK_INSERT);
}

int
store_append(struct store *s, struct proto_crossing *c, int *replayed)
{
	return store_record(s, c, replayed, NULL);
}

int
store_record(struct store *s, struct proto_crossing *c, int *replayed,
    struct proto_error *err)
{
	struct proto_crossing	 rec, old;
	struct store_link	 link;
	enum check_verdict_kind	 verdict = 0;
	sqlite3_stmt		*st = s->st[ST_INSERT];
	char			 buf[STORE_PAYLOAD_MAX];
	size_t			 len;
	int64_t			 last;
	int			 rc, bound;

	/* What the lane sent: seq and recorded_at are ours to give. */
	rec = *c;
	rec.seq = 0;
	rec.recorded_at = 0;
	if (!proto_check_crossing(&rec, err))
		return ERR_INVAL;
	if ((rc = store_exec(s, ST_BEGIN_IMM)) != 0)
		return rc;
	if (rec.request_id[0] != '\0') {
		rc = store_find_reqid(s, &rec, &old);
		if (rc == 0) {
			memset(&link, 0, sizeof(link));
			rc = store_get_link(s, old.seq, &link);
			if (rc != 0 && rc != ERR_NOTFOUND)
				goto fail;
			/* Nothing was written; end the transaction so the
			 * write lock is not held past the answer. */
			if ((rc = store_exec(s, ST_COMMIT)) != 0)
				goto fail;
			if (!proto_check_same_crossing(&rec, &old) ||
			    link.check_id != rec.check_id ||
			    strcmp(link.reason, rec.reason) != 0)
				return store_err(err, ERR_CONFLICT,
				    "request_id", "was already used for a "
				    "different crossing; nothing was "
				    "recorded; a new crossing needs a new "
				    "request_id");
			c->seq = old.seq;
			c->recorded_at = old.recorded_at;
			if (replayed != NULL)
				*replayed = 1;
			return 0;
		}
		if (rc != ERR_NOTFOUND)
			goto fail;
	}
	if (rec.check_id != 0 &&
	    (rc = store_check_link(s, &rec, &verdict, err)) != 0)
		goto fail;
	if ((rc = store_int(s, ST_MAX_SEQ, &last)) != 0)
		goto fail;
	if (last < 0 || last == INT64_MAX) {
		log_warnx("store %s: sequence exhausted at %lld", s->path,
		    (long long)last);
		rc = ERR_RANGE;
		goto fail;
	}
	rec.seq = (uint64_t)last + 1;
	rec.recorded_at = date_now_ms();
	if ((rc = proto_encode_crossing(&rec, buf, sizeof(buf), &len)) != 0)
		goto fail;
	if (rec.request_id[0] != '\0')
		bound = sqlite3_bind_text(st, 4, rec.request_id, -1,
		    SQLITE_STATIC);
	else
		bound = sqlite3_bind_null(st, 4);
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)rec.seq) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, rec.recorded_at) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, buf, (int)len, SQLITE_STATIC)
	    != SQLITE_OK || bound != SQLITE_OK) {
		store_dberr(s, "bind crossing");
		sqlite3_clear_bindings(st);
		rc = ERR_DB;
		goto fail;
	}
	if ((rc = store_exec(s, ST_INSERT)) != 0)
		goto fail;
	if ((rec.check_id != 0 || rec.reason[0] != '\0') &&
	    (rc = store_insert_link(s, &rec, verdict)) != 0)
		goto fail;
	if ((rc = store_audit_record(s, &rec)) != 0)
		goto fail;
	if ((rc = store_exec(s, ST_COMMIT)) != 0)
		goto fail;
	c->seq = rec.seq;
	c->recorded_at = rec.recorded_at;
	if (replayed != NULL)
		*replayed = 0;
	return 0;

fail:
	store_rollback(s);
	return rc;
}

int
store_find_link(struct store *s, uint64_t seq, struct store_link *out)
{
	int	rc;

	if (seq > (uint64_t)INT64_MAX)
		return ERR_NOTFOUND;
	if ((rc = store_exec(s, ST_BEGIN)) != 0)
		return rc;
	rc = store_get_link(s, seq, out);
	if (rc != 0 && rc != ERR_NOTFOUND) {
		store_rollback(s);
		return rc;
	}
	if (store_exec(s, ST_COMMIT) != 0) {
		store_rollback(s);
		return ERR_DB;
	}
	return rc;
}

int
store_append_check(struct store *s, struct check_verdict *v)
{
	sqlite3_stmt	*st = s->st[ST_INSERT_CHECK];
	char		*buf;
	size_t		 len;
	int64_t		 last;
	int		 rc;

	v->check_id = 0;
	if ((buf = malloc(CHECK_VERDICT_MAX)) == NULL)
		return ERR_NOMEM;
	if ((rc = store_exec(s, ST_BEGIN_IMM)) != 0) {
		free(buf);
		return rc;
	}
	if ((rc = store_int(s, ST_MAX_CHECK, &last)) != 0)
		goto fail;
	v->check_id = (uint64_t)last + 1;
	if ((rc = check_encode_verdict(v, buf, CHECK_VERDICT_MAX, &len))
	    != 0)
		goto fail;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)v->check_id)
	    != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, v->decided_at) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, proto_direction_str(v->direction), -1,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, v->lane) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, v->officer, -1, SQLITE_STATIC)
	    != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, check_verdict_str(v->verdict), -1,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, (sqlite3_int64)v->feed_version)
	    != SQLITE_OK ||
	    (v->policy_version[0] != '\0' ? sqlite3_bind_text(st, 8,
	    v->policy_version, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 8))
	    != SQLITE_OK ||
	    sqlite3_bind_text(st, 9, buf, (int)len, SQLITE_STATIC)
	    != SQLITE_OK) {
		store_dberr(s, "bind check");
		sqlite3_clear_bindings(st);
		rc = ERR_DB;
		goto fail;
	}
	if ((rc = store_exec(s, ST_INSERT_CHECK)) != 0)
		goto fail;
	if ((rc = store_audit_check(s, v)) != 0)
		goto fail;
	if ((rc = store_exec(s, ST_COMMIT)) != 0)
		goto fail;
	free(buf);
	return 0;

fail:
	store_rollback(s);
	v->check_id = 0;
	free(buf);
	return rc;
}

void
store_list_reset(struct store_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->items[i].payload);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

int
store_fetch_unsent(struct store *s, size_t max, struct store_list *out)
{
	sqlite3_stmt		*st = s->st[ST_FETCH];
	struct store_list	 l = { 0, NULL };
	struct store_item	*it;
	const unsigned char	*p;
	size_t			 n;
	int			 rc;

	store_list_reset(out);
	if (max == 0)
		return 0;
	if (max > PROTO_BATCH_MAX)
		max = PROTO_BATCH_MAX;
	if ((l.items = calloc(max, sizeof(*l.items))) == NULL)
		return ERR_NOMEM;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)max) != SQLITE_OK) {
		store_dberr(s, "bind limit");
		rc = ERR_DB;
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && l.n < max) {
		it = &l.items[l.n];
		it->seq = (uint64_t)sqlite3_column_int64(st, 0);
		it->recorded_at = sqlite3_column_int64(st, 1);
		p = sqlite3_column_text(st, 2);
		n = (size_t)sqlite3_column_bytes(st, 2);
		if (p == NULL) {
			rc = ERR_NOMEM;
			goto done;
		}
		if ((it->payload = malloc(n + 1)) == NULL) {
			rc = ERR_NOMEM;
			goto done;
		}
		memcpy(it->payload, p, n);
		it->payload[n] = '\0';
		it->len = n;
		l.n++;
	}
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		rc = 0;
	} else {
		store_dberr(s, "fetch unsent");
		rc = ERR_DB;
	}

done:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != 0 || l.n == 0) {
		store_list_reset(&l);
		return rc;
	}
	*out = l;
	return 0;
}

int
store_mark_sent(struct store *s, const uint64_t *seqs, size_t n, int64_t at,
    size_t *marked)
{
	sqlite3_stmt	*st = s->st[ST_MARK];
	size_t		 i, changed = 0;
	int		 rc;

	if (n == 0) {
		if (marked != NULL)
			*marked = 0;
		return 0;
	}
	if ((rc = store_exec(s, ST_BEGIN_IMM)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (seqs[i] > INT64_MAX)
			continue;	/* cannot be a row */
		if (sqlite3_bind_int64(st, 1, (sqlite3_int64)seqs[i])
		    != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, at) != SQLITE_OK) {
			store_dberr(s, "bind mark");
			sqlite3_clear_bindings(st);
			rc = ERR_DB;
			goto fail;
		}
		if ((rc = store_exec(s, ST_MARK)) != 0)
			goto fail;
		changed += (size_t)sqlite3_changes(s->db);
	}
	if ((rc = store_exec(s, ST_COMMIT)) != 0)
		goto fail;
	if (marked != NULL)
		*marked = changed;
	return 0;

fail:
	store_rollback(s);
	return rc;
}

int
store_status(struct store *s, struct proto_status *out)
{
	struct proto_status	 st;
	int64_t			 last, unsent;
	int			 rc;

	memset(&st, 0, sizeof(st));
	memcpy(st.post, s->post, sizeof(st.post));
	/* One read transaction: a consistent snapshot of all fields. */
	if ((rc = store_exec(s, ST_BEGIN)) != 0)
		return rc;
	if ((rc = store_int(s, ST_MAX_SEQ, &last)) != 0 ||
	    (rc = store_int(s, ST_UNSENT, &unsent)) != 0 ||
	    (rc = store_meta_get_int(s, "last_push_ok", &st.last_push_ok))
	    != 0 ||
	    (rc = store_meta_get_int(s, "last_error_at", &st.last_error_at))
	    != 0)
		goto fail;
	rc = store_meta_get(s, "last_error", st.last_error,
	    sizeof(st.last_error));
	if (rc != 0 && rc != ERR_NOTFOUND)
		goto fail;
	if ((rc = store_exec(s, ST_COMMIT)) != 0)
		goto fail;
	st.last_seq = (uint64_t)last;
	st.unsent = (uint64_t)unsent;
	*out = st;
	return 0;

fail:
	store_rollback(s);
	return rc;
}

int
store_note_push_ok(struct store *s, int64_t at)
{
	int	rc;

	if ((rc = store_exec(s, ST_BEGIN_IMM)) != 0)
		return rc;
	if ((rc = store_meta_put_int(s, "last_push_ok", at)) != 0 ||
	    (rc = store_exec(s, ST_COMMIT)) != 0) {
		store_rollback(s);
		return rc;
	}
	return 0;
}

/* Copies msg into buf (bufsz > 0): control characters become spaces, and a
 * cut never splits a UTF-8 sequence. */
static void
store_clean_msg(char *buf, size_t bufsz, const char *msg)
{
	size_t	n, i;

	n = strnlen(msg, bufsz);
	if (n >= bufsz) {
		n = bufsz - 1;
		/* Cut before the character that does not fit whole: back
		 * off to its first byte. */
		while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char	ch = (unsigned char)msg[i];

		buf[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	buf[n] = '\0';
}

int
store_note_error(struct store *s, const char *msg, int64_t at)
{
	char	buf[STORE_ERROR_MAX + 1];
	int	rc;

	store_clean_msg(buf, sizeof(buf), msg);
	if ((rc = store_exec(s, ST_BEGIN_IMM)) != 0)
		return rc;
	if ((rc = store_meta_put(s, "last_error", buf)) != 0 ||
	    (rc = store_meta_put_int(s, "last_error_at", at)) != 0 ||
	    (rc = store_exec(s, ST_COMMIT)) != 0) {
		store_rollback(s);
		return rc;
	}
	return 0;
}

int
store_fetch_audit(struct store *s, size_t max, struct auditmsg_batch *out)
{
	sqlite3_stmt		*st = s->st[ST_AUDIT_FETCH];
	struct auditmsg_event	*e;
	const unsigned char	*t;
	size_t			 n = 0, len, i;
	int			 rc;

	out->n = 0;
	memcpy(out->post, s->post, sizeof(out->post));
	if (max == 0)
		return 0;
	if (max > PROTO_BATCH_MAX)
		max = PROTO_BATCH_MAX;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)max) != SQLITE_OK) {
		store_dberr(s, "bind limit");
		sqlite3_clear_bindings(st);
		return ERR_DB;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		e = &out->events[n];
		memset(e, 0, sizeof(*e));
		e->seq = (uint64_t)sqlite3_column_int64(st, 0);
		e->at_ms = sqlite3_column_int64(st, 1);
		/* Columns 2..4 and 6..7 are bounded by their buffers: a
		 * longer value is cut and then fails the checks below. */
		t = sqlite3_column_text(st, 2);
		(void)snprintf(e->actor, sizeof(e->actor), "%s",
		    t != NULL ? (const char *)t : "");
		t = sqlite3_column_text(st, 3);
		(void)snprintf(e->action, sizeof(e->action), "%s",
		    t != NULL ? (const char *)t : "");
		t = sqlite3_column_text(st, 4);
		(void)snprintf(e->subject, sizeof(e->subject), "%s",
		    t != NULL ? (const char *)t : "");
		t = sqlite3_column_text(st, 6);
		(void)snprintf(e->prev, sizeof(e->prev), "%s",
		    t != NULL ? (const char *)t : "");
		t = sqlite3_column_text(st, 7);
		(void)snprintf(e->hash, sizeof(e->hash), "%s",
		    t != NULL ? (const char *)t : "");
		t = sqlite3_column_text(st, 5);
		len = (size_t)sqlite3_column_bytes(st, 5);
		if (t == NULL || (e->detail = malloc(len + 1)) == NULL) {
			rc = ERR_NOMEM;
			goto fail;
		}
		memcpy(e->detail, t, len);
		e->detail[len] = '\0';
		e->detail_len = len;
		n++;
		if (auditmsg_check_event(e, "", NULL) != 0) {
			log_warnx("store %s: audit event %llu is damaged",
			    s->path, (unsigned long long)e->seq);
			rc = ERR_DB;
			goto fail;
		}
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_dberr(s, "fetch audit events");
		rc = ERR_DB;
		goto fail;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	out->n = n;
	return 0;

fail:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (i = 0; i < n; i++) {
		free(out->events[i].detail);
		out->events[i].detail = NULL;
	}
	return rc;
}

int
store_mark_audit_sent(struct store *s, const uint64_t *seqs, size_t n,
    int64_t at, size_t *marked)
{
	sqlite3_stmt	*st = s->st[ST_AUDIT_MARK];
	size_t		 i, changed = 0;
	int		 rc;

	if (n == 0) {
		if (marked != NULL)
			*marked = 0;
		return 0;
	}
	if ((rc = store_exec(s, ST_BEGIN_IMM)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (seqs[i] > INT64_MAX)
			continue;	/* cannot be a row */
		if (sqlite3_bind_int64(st, 1, (sqlite3_int64)seqs[i])
		    != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, at) != SQLITE_OK) {
			store_dberr(s, "bind audit mark");
			sqlite3_clear_bindings(st);
			rc = ERR_DB;
			goto fail;
		}
		if ((rc = store_exec(s, ST_AUDIT_MARK)) != 0)
			goto fail;
		changed += (size_t)sqlite3_changes(s->db);
	}
	if ((rc = store_exec(s, ST_COMMIT)) != 0)
		goto fail;
	if (marked != NULL)
		*marked = changed;
	return 0;

fail:
	store_rollback(s);
	return rc;
}

int
store_backlog(struct store *s, uint64_t *unsent, uint64_t *audit_unsent)
{
	int64_t	c, a;
	int	rc;

	if ((rc = store_exec(s, ST_BEGIN)) != 0)
		return rc;
	if ((rc = store_int(s, ST_UNSENT, &c)) != 0 ||
	    (rc = store_int(s, ST_AUDIT_UNSENT, &a)) != 0 ||
	    (rc = store_exec(s, ST_COMMIT)) != 0) {
		store_rollback(s);
		return rc;
	}
	*unsent = (uint64_t)c;
	*audit_unsent = (uint64_t)a;
	return 0;
}

int
store_audit_verify(struct store *s, struct store_audit_report *out)
{
	sqlite3_stmt		*st = s->st[ST_AUDIT_ALL];
	struct store_audit_report rep;
	struct audit_event	 e;
	const unsigned char	*t;
	char			 want[AUDIT_HASH_HEX + 1];
	const char		*why;
	int64_t			 seq;
	int			 rc;

	memset(&rep, 0, sizeof(rep));
	memcpy(want, AUDIT_GENESIS, sizeof(want));
	if ((rc = store_exec(s, ST_BEGIN)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		memcpy(e.chain, s->chain, sizeof(e.chain));
		seq = sqlite3_column_int64(st, 0);
		e.seq = (uint64_t)seq;
		e.at_ms = sqlite3_column_int64(st, 1);
		e.actor = (const char *)sqlite3_column_text(st, 2);
		e.action = (const char *)sqlite3_column_text(st, 3);
		e.subject = (const char *)sqlite3_column_text(st, 4);
		e.detail = (const char *)sqlite3_column_text(st, 5);
		e.detail_len = (size_t)sqlite3_column_bytes(st, 5);
		why = NULL;
		if (seq != (int64_t)rep.last_seq + 1)
			why = rep.last_seq == 0 ? "the chain does not start "
			    "at 1" : "an event is missing before this one";
		else if ((t = sqlite3_column_text(st, 6)) == NULL ||
		    sqlite3_column_bytes(st, 6) != AUDIT_HASH_HEX ||
		    (memcpy(e.prev, t, AUDIT_HASH_HEX), strcmp(e.prev, want))
		    != 0)
			why = "its prev is not the hash of the event before";
		else if ((t = sqlite3_column_text(st, 7)) == NULL ||
		    sqlite3_column_bytes(st, 7) != AUDIT_HASH_HEX ||
		    (memcpy(e.hash, t, AUDIT_HASH_HEX),
		    audit_event_check(&e, want)) != 0)
			why = "its hash is not the hash of its content";
		if (why != NULL) {
			rep.bad_seq = e.seq;
			(void)snprintf(rep.why, sizeof(rep.why), "%s", why);
			break;
		}
		memcpy(want, e.hash, sizeof(want));
		rep.last_seq = e.seq;
		rep.n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_dberr(s, "read audit events");
		sqlite3_reset(st);
		store_rollback(s);
		return ERR_DB;
	}
	sqlite3_reset(st);
	if ((rc = store_exec(s, ST_COMMIT)) != 0) {
		store_rollback(s);
		return rc;
	}
	memcpy(rep.head, want, sizeof(rep.head));
	*out = rep;
	return rep.bad_seq != 0 ? ERR_INVAL : 0;
}
