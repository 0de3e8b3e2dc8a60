/* registry.c - the post's registry in SQLite. Every statement is prepared
 * once at open and parameterised. A batch is checked whole with
 * feed_check_batch() before the transaction starts, then applied with the
 * cursor in one BEGIN IMMEDIATE transaction; with WAL + synchronous=FULL a
 * COMMIT that returns is on disk, and anything that fails rolls back all of
 * it. Records are kept in typed columns, one table per kind, keyed by id,
 * and a person alert's match keys in a table of their own, each with the
 * key function's data (the name matcher's prepared form), so that a lane
 * check scans the key index alone; a delete removes the rows, so the store
 * holds what the centre holds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "date.h"
#include "err.h"
#include "feed.h"
#include "log.h"
#include "policy.h"
#include "registry.h"
#include "stay.h"

#define REG_BUSY_MS	5000
#define REG_REKEY_PAGE	1000	/* person alerts re-keyed per query */
#define REG_STAYS_TEXT	(FEED_STAYS_MAX * 23)	/* "D..D," per stay */
#define DEFAULT_KEY_NAME	"surname"

enum reg_stmt {
	ST_BEGIN_IMM,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_CURSOR_GET,
	ST_CURSOR_PUT,
	ST_META_GET,
	ST_META_PUT,
	ST_DA_PUT,
	ST_DA_DEL,
	ST_DA_FIND,
	ST_DA_COUNT,
	ST_PA_PUT,
	ST_PA_DEL,
	ST_PA_GET,
	ST_PA_COUNT,
	ST_PA_PAGE,
	ST_PK_PUT,
	ST_PK_DEL,
	ST_PK_FIND,
	ST_PK_FIND_PREFIX,
	ST_PK_CLEAR,
	ST_PM_PUT,
	ST_PM_DEL,
	ST_PM_FIND_DOC,
	ST_PM_FIND_PERSON,
	ST_PM_COUNT,
	ST_SS_PUT,
	ST_SS_DEL,
	ST_SS_FIND,
	ST_SS_COUNT,
	ST_PO_PUT,
	ST_PO_DEL,
	ST_PO_CURRENT,
	ST_PO_COUNT,
	ST_OF_PUT,
	ST_OF_DEL,
	ST_OF_FIND,
	ST_OF_COUNT,
	ST_COUNT
};

#define DA_COLS	"id, pos, issuing_state, number, reason, since"
#define PA_COLS	"id, pos, kind, surname, given_names, birth_date, " \
		"nationality, until, severity, source"
#define PM_COLS	"id, pos, kind, holder_issuing_state, holder_number, " \
		"holder_nationality, holder_surname, holder_given_names, " \
		"holder_birth_date, valid_from, valid_until, entries, " \
		"entries_used, stay_days, employer, region"
#define SS_COLS	"id, pos, issuing_state, number, nationality, birth_date, " \
		"stays, rule"
#define PO_COLS	"id, pos, version, yaml"
#define OF_COLS	"id, pos, name, pin_hash, active"

static const char *const reg_sql[ST_COUNT] = {
	[ST_BEGIN_IMM] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_CURSOR_GET] = "SELECT feed_cursor, feed_applied_at FROM reg_feed "
	    "WHERE one = 1",
	[ST_CURSOR_PUT] = "UPDATE reg_feed SET feed_cursor = ?1, "
	    "feed_applied_at = ?2 WHERE one = 1",
	[ST_META_GET] = "SELECT value FROM reg_meta WHERE key = ?1",
	[ST_META_PUT] = "INSERT INTO reg_meta(key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",

	[ST_DA_PUT] = "INSERT OR REPLACE INTO reg_document_alert(" DA_COLS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_DA_DEL] = "DELETE FROM reg_document_alert WHERE id = ?1",
	[ST_DA_FIND] = "SELECT " DA_COLS " FROM reg_document_alert "
	    "WHERE issuing_state = ?1 AND number = ?2 ORDER BY id",
	[ST_DA_COUNT] = "SELECT count(*) FROM reg_document_alert",

	[ST_PA_PUT] = "INSERT OR REPLACE INTO reg_person_alert(" PA_COLS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_PA_DEL] = "DELETE FROM reg_person_alert WHERE id = ?1",
	[ST_PA_GET] = "SELECT " PA_COLS " FROM reg_person_alert "
	    "WHERE id = ?1",
	[ST_PA_COUNT] = "SELECT count(*) FROM reg_person_alert",
	[ST_PA_PAGE] = "SELECT " PA_COLS " FROM reg_person_alert "
	    "WHERE id > ?1 ORDER BY id LIMIT ?2",
	[ST_PK_PUT] = "INSERT OR IGNORE INTO reg_person_alert_key(key, "
	    "alert_id, data) VALUES (?1, ?2, ?3)",
	[ST_PK_DEL] = "DELETE FROM reg_person_alert_key WHERE alert_id = ?1",
	[ST_PK_FIND] = "SELECT alert_id, data FROM reg_person_alert_key "
	    "WHERE key = ?1",
	[ST_PK_FIND_PREFIX] = "SELECT alert_id, data FROM "
	    "reg_person_alert_key WHERE key >= ?1 AND key < ?2",
	[ST_PK_CLEAR] = "DELETE FROM reg_person_alert_key",

	[ST_PM_PUT] = "INSERT OR REPLACE INTO reg_permit(" PM_COLS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	    "?15, ?16)",
	[ST_PM_DEL] = "DELETE FROM reg_permit WHERE id = ?1",
	[ST_PM_FIND_DOC] = "SELECT " PM_COLS " FROM reg_permit "
	    "WHERE holder_issuing_state = ?1 AND holder_number = ?2 "
	    "ORDER BY id",
	[ST_PM_FIND_PERSON] = "SELECT " PM_COLS " FROM reg_permit "
	    "WHERE holder_nationality = ?1 AND holder_birth_date = ?2 "
	    "ORDER BY id",
	[ST_PM_COUNT] = "SELECT count(*) FROM reg_permit",

	[ST_SS_PUT] = "INSERT OR REPLACE INTO reg_stay_state(" SS_COLS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_SS_DEL] = "DELETE FROM reg_stay_state WHERE id = ?1",
	[ST_SS_FIND] = "SELECT " SS_COLS " FROM reg_stay_state "
	    "WHERE issuing_state = ?1 AND number = ?2 "
	    "ORDER BY pos DESC LIMIT 1",
	[ST_SS_COUNT] = "SELECT count(*) FROM reg_stay_state",

	[ST_PO_PUT] = "INSERT OR REPLACE INTO reg_policy(" PO_COLS
	    ") VALUES (?1, ?2, ?3, ?4)",
	[ST_PO_DEL] = "DELETE FROM reg_policy WHERE id = ?1",
	[ST_PO_CURRENT] = "SELECT " PO_COLS " FROM reg_policy "
	    "ORDER BY pos DESC LIMIT 1",
	[ST_PO_COUNT] = "SELECT count(*) FROM reg_policy",

	[ST_OF_PUT] = "INSERT OR REPLACE INTO reg_officer(" OF_COLS
	    ") VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_OF_DEL] = "DELETE FROM reg_officer WHERE id = ?1",
	[ST_OF_FIND] = "SELECT " OF_COLS " FROM reg_officer WHERE id = ?1",
	[ST_OF_COUNT] = "SELECT count(*) FROM reg_officer",
};

/* Column positions in the *_COLS lists above. */
enum { C_ID, C_POS, C_DATA };

/* Match keys, with the key function's data for the alert (schema 2). */
#define REG_KEY_TABLE							\
	"CREATE TABLE IF NOT EXISTS reg_person_alert_key ("		\
	"  key TEXT NOT NULL,"						\
	"  alert_id TEXT NOT NULL,"					\
	"  data BLOB NOT NULL,"						\
	"  PRIMARY KEY (key, alert_id)) WITHOUT ROWID;"			\
	"CREATE INDEX IF NOT EXISTS reg_person_alert_key_alert"		\
	"  ON reg_person_alert_key(alert_id);"

/* From schema 1: the key table gains data; the keys are recomputed. */
static const char reg_upgrade_1[] =
	"DROP TABLE reg_person_alert_key;"
	REG_KEY_TABLE
	"DELETE FROM reg_meta WHERE key = 'match_key';"
	"UPDATE reg_meta SET value = '2' WHERE key = 'schema_version';";

static const char reg_schema[] =
	"CREATE TABLE IF NOT EXISTS reg_meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS reg_feed ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  feed_cursor INTEGER NOT NULL,"
	"  feed_applied_at INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO reg_feed(one, feed_cursor, feed_applied_at)"
	"  VALUES (1, 0, 0);"
	"CREATE TABLE IF NOT EXISTS reg_document_alert ("
	"  id TEXT PRIMARY KEY,"
	"  pos INTEGER NOT NULL,"
	"  issuing_state TEXT NOT NULL,"
	"  number TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  since TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS reg_document_alert_doc"
	"  ON reg_document_alert(issuing_state, number);"
	"CREATE TABLE IF NOT EXISTS reg_person_alert ("
	"  id TEXT PRIMARY KEY,"
	"  pos INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  surname TEXT NOT NULL,"
	"  given_names TEXT NOT NULL,"
	"  birth_date TEXT NOT NULL,"
	"  nationality TEXT NOT NULL,"
	"  until TEXT,"
	"  severity INTEGER NOT NULL,"
	"  source TEXT NOT NULL) WITHOUT ROWID;"
	REG_KEY_TABLE
	"CREATE TABLE IF NOT EXISTS reg_permit ("
	"  id TEXT PRIMARY KEY,"
	"  pos INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  holder_issuing_state TEXT NOT NULL,"
	"  holder_number TEXT NOT NULL,"
	"  holder_nationality TEXT NOT NULL,"
	"  holder_surname TEXT NOT NULL,"
	"  holder_given_names TEXT NOT NULL,"
	"  holder_birth_date TEXT NOT NULL,"
	"  valid_from TEXT NOT NULL,"
	"  valid_until TEXT NOT NULL,"
	"  entries INTEGER,"
	"  entries_used INTEGER NOT NULL,"
	"  stay_days INTEGER,"
	"  employer TEXT,"
	"  region TEXT) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS reg_permit_doc"
	"  ON reg_permit(holder_issuing_state, holder_number);"
	"CREATE INDEX IF NOT EXISTS reg_permit_person"
	"  ON reg_permit(holder_nationality, holder_birth_date);"
	"CREATE TABLE IF NOT EXISTS reg_stay_state ("
	"  id TEXT PRIMARY KEY,"
	"  pos INTEGER NOT NULL,"
	"  issuing_state TEXT NOT NULL,"
	"  number TEXT NOT NULL,"
	"  nationality TEXT NOT NULL,"
	"  birth_date TEXT NOT NULL,"
	"  stays TEXT NOT NULL,"
	"  rule TEXT) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS reg_stay_state_doc"
	"  ON reg_stay_state(issuing_state, number);"
	"CREATE TABLE IF NOT EXISTS reg_policy ("	/* rows up to 256 KiB */
	"  id TEXT NOT NULL UNIQUE,"
	"  pos INTEGER NOT NULL,"
	"  version TEXT NOT NULL,"
	"  yaml TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS reg_officer ("
	"  id TEXT PRIMARY KEY,"
	"  pos INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  pin_hash TEXT NOT NULL,"
	"  active INTEGER NOT NULL) WITHOUT ROWID;";

struct registry {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_COUNT];
	registry_key_fn	 key;
	char		 key_name[REGISTRY_KEY_NAME_MAX];
	char		 path[256];	/* for log lines; may be cut */
};

static void
reg_dberr(struct registry *r, const char *what)
{
	log_warnx("registry %s: %s: %s", r->path, what,
	    sqlite3_errmsg(r->db));
}

static void
reg_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows, then resets it. */
static int
reg_exec(struct registry *r, enum reg_stmt which)
{
	sqlite3_stmt	*st = r->st[which];

	if (sqlite3_step(st) != SQLITE_DONE) {
		reg_dberr(r, reg_sql[which]);
		reg_done(st);
		return ERR_DB;
	}
	reg_done(st);
	return 0;
}

static void
reg_rollback(struct registry *r)
{
	if (sqlite3_get_autocommit(r->db))
		return;		/* SQLite already rolled back */
	/* If even this fails the error was logged, and SQLite rolls back
	 * when the connection closes. */
	(void)reg_exec(r, ST_ROLLBACK);
}

/*
 * Binding. Each returns nonzero if SQLite refused; the caller logs once.
 */

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) != SQLITE_OK;
}

/* "" binds NULL. */
static int
bind_ntext(sqlite3_stmt *st, int i, const char *s)
{
	if (s[0] == '\0')
		return sqlite3_bind_null(st, i) != SQLITE_OK;
	return bind_text(st, i, s);
}

static int
bind_int(sqlite3_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st, i, v) != SQLITE_OK;
}

/* FEED_NULL binds NULL. */
static int
bind_nint(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == FEED_NULL)
		return sqlite3_bind_null(st, i) != SQLITE_OK;
	return bind_int(st, i, v);
}

/*
 * Reading rows. A value that does not fit its member means the file was
 * changed behind our back: the lookups report ERR_DB.
 */

/* Column i into dst; NULL gives "" when nullable. -1 if it cannot be. */
static int
col_text(sqlite3_stmt *st, int i, char *dst, size_t dstsz, int nullable)
{
	const unsigned char	*v;
	size_t			 n;

	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		dst[0] = '\0';
		return nullable ? 0 : -1;
	}
	v = sqlite3_column_text(st, i);
	n = (size_t)sqlite3_column_bytes(st, i);
	if (v == NULL || n >= dstsz || memchr(v, '\0', n) != NULL)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

#define COL(st, i, s, m, nullable) \
	col_text((st), (i), (s)->m, sizeof((s)->m), (nullable))

/* Column i as an integer lo..hi; NULL gives FEED_NULL when nullable. */
static int
col_int(sqlite3_stmt *st, int i, int64_t lo, int64_t hi, int nullable,
    int64_t *out)
{
	int64_t	v;

	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		*out = FEED_NULL;
		return nullable ? 0 : -1;
	}
	if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
		return -1;
	v = sqlite3_column_int64(st, i);
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Column i, one of names[0..n), as 1..n. */
static int
col_enum(sqlite3_stmt *st, int i, const char *(*name)(int), int n, int *out)
{
	const unsigned char	*v;
	int			 k;

	if ((v = sqlite3_column_text(st, i)) == NULL)
		return -1;
	for (k = 1; k <= n; k++) {
		if (strcmp((const char *)v, name(k)) == 0) {
			*out = k;
			return 0;
		}
	}
	return -1;
}

static const char *
reason_name(int k)
{
	return feed_reason_str((enum feed_reason)k);
}

static const char *
alert_kind_name(int k)
{
	return feed_alert_kind_str((enum feed_alert_kind)k);
}

/* The id and pos of the row as an upsert entry of kind. */
static int
row_head(sqlite3_stmt *st, enum feed_kind kind, struct feed_entry *e)
{
	int64_t	pos;

	memset(e, 0, sizeof(*e));
	e->op = FEED_UPSERT;
	e->kind = kind;
	if (COL(st, C_ID, e, id, 0) != 0 ||
	    col_int(st, C_POS, 1, (int64_t)FEED_POS_MAX, 0, &pos) != 0)
		return -1;
	e->pos = (uint64_t)pos;
	return 0;
}

static int
row_document_alert(sqlite3_stmt *st, struct feed_entry *e)
{
	struct feed_document_alert	*a = &e->data.document_alert;
	int				 k;

	if (row_head(st, FEED_DOCUMENT_ALERT, e) != 0 ||
	    COL(st, C_DATA, a, issuing_state, 0) != 0 ||
	    COL(st, C_DATA + 1, a, number, 0) != 0 ||
	    col_enum(st, C_DATA + 2, reason_name, FEED_REVOKED, &k) != 0 ||
	    COL(st, C_DATA + 3, a, since, 0) != 0)
		return -1;
	a->reason = (enum feed_reason)k;
	return 0;
}

static int
row_person_alert(sqlite3_stmt *st, struct feed_entry *e)
{
	struct feed_person_alert	*a = &e->data.person_alert;
	int64_t				 sev;
	int				 k;

	if (row_head(st, FEED_PERSON_ALERT, e) != 0 ||
	    col_enum(st, C_DATA, alert_kind_name, FEED_WANTED, &k) != 0 ||
	    COL(st, C_DATA + 1, a, surname, 0) != 0 ||
	    COL(st, C_DATA + 2, a, given_names, 0) != 0 ||
	    COL(st, C_DATA + 3, a, birth_date, 0) != 0 ||
	    COL(st, C_DATA + 4, a, nationality, 0) != 0 ||
	    COL(st, C_DATA + 5, a, until, 1) != 0 ||
	    col_int(st, C_DATA + 6, 1, FEED_SEVERITY_MAX, 0, &sev) != 0 ||
	    COL(st, C_DATA + 7, a, source, 0) != 0)
		return -1;
	a->kind = (enum feed_alert_kind)k;
	a->severity = (int)sev;
	return 0;
}

static int
row_permit(sqlite3_stmt *st, struct feed_entry *e)
{
	struct feed_permit		*p = &e->data.permit;
	struct feed_holder		*h = &p->holder;
	enum policy_permit_kind		 kind;
	const unsigned char		*v;
	int64_t				 entries, used, days;

	if (row_head(st, FEED_PERMIT, e) != 0 ||
	    (v = sqlite3_column_text(st, C_DATA)) == NULL ||
	    policy_permit_parse((const char *)v, &kind) != 0 ||
	    COL(st, C_DATA + 1, h, issuing_state, 0) != 0 ||
	    COL(st, C_DATA + 2, h, number, 0) != 0 ||
	    COL(st, C_DATA + 3, h, nationality, 0) != 0 ||
	    COL(st, C_DATA + 4, h, surname, 0) != 0 ||
	    COL(st, C_DATA + 5, h, given_names, 0) != 0 ||
	    COL(st, C_DATA + 6, h, birth_date, 0) != 0 ||
	    COL(st, C_DATA + 7, p, valid_from, 0) != 0 ||
	    COL(st, C_DATA + 8, p, valid_until, 0) != 0 ||
	    col_int(st, C_DATA + 9, 1, FEED_COUNT_MAX, 1, &entries) != 0 ||
	    col_int(st, C_DATA + 10, 0, FEED_COUNT_MAX, 0, &used) != 0 ||
	    col_int(st, C_DATA + 11, 1, STAY_DAYS_MAX, 1, &days) != 0 ||
	    COL(st, C_DATA + 12, p, employer, 1) != 0 ||
	    COL(st, C_DATA + 13, p, region, 1) != 0)
		return -1;
	p->kind = kind;
	p->entries = (int32_t)entries;
	p->entries_used = (int32_t)used;
	p->stay_days = (int32_t)days;
	return 0;
}

/* A stay state row; its stays into stays[0..cap). ERR_TOOBIG if short,
 * -1 if the row is damaged. */
static int
row_stay_state(sqlite3_stmt *st, struct feed_entry *e, struct stay *stays,
    size_t cap)
{
	struct feed_stay_state	*s = &e->data.stay_state;
	struct feed_person	*p = &s->person;
	struct stay_problem	 why;
	const unsigned char	*v;
	size_t			 n = 0, len;
	int			 rc;

	if (row_head(st, FEED_STAY_STATE, e) != 0 ||
	    COL(st, C_DATA, p, issuing_state, 0) != 0 ||
	    COL(st, C_DATA + 1, p, number, 0) != 0 ||
	    COL(st, C_DATA + 2, p, nationality, 0) != 0 ||
	    COL(st, C_DATA + 3, p, birth_date, 0) != 0 ||
	    COL(st, C_DATA + 5, s, rule, 1) != 0 ||
	    (v = sqlite3_column_text(st, C_DATA + 4)) == NULL)
		return -1;
	len = (size_t)sqlite3_column_bytes(st, C_DATA + 4);
	if (len > 0) {
		rc = stay_parse_list(stays, cap, &n, (const char *)v, len,
		    &why);
		if (rc == ERR_TOOBIG)
			return ERR_TOOBIG;
		if (rc != 0)
			return -1;
	}
	s->nstays = n;
	s->stays = stays;
	return 0;
}

static int
row_officer(sqlite3_stmt *st, struct feed_entry *e)
{
	struct feed_officer	*o = &e->data.officer;
	int64_t			 active;

	if (row_head(st, FEED_OFFICER, e) != 0 ||
	    COL(st, C_ID, o, id, 0) != 0 ||
	    COL(st, C_DATA, o, name, 0) != 0 ||
	    COL(st, C_DATA + 1, o, pin_hash, 0) != 0 ||
	    col_int(st, C_DATA + 2, 0, 1, 0, &active) != 0)
		return -1;
	o->active = (int)active;
	return 0;
}

/*
 * Meta and cursor.
 */

/* A meta value into buf; ERR_NOTFOUND if absent. */
static int
reg_meta_get(struct registry *r, const char *key, char *buf, size_t bufsz)
{
	sqlite3_stmt	*st = r->st[ST_META_GET];
	int		 rc;

	if (bind_text(st, 1, key)) {
		reg_dberr(r, "bind meta key");
		reg_done(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rc = ERR_NOTFOUND;
	else if (rc == SQLITE_ROW)
		rc = col_text(st, 0, buf, bufsz, 0) == 0 ? 0 : ERR_DB;
	else {
		reg_dberr(r, "read meta");
		rc = ERR_DB;
	}
	if (rc == ERR_DB)
		log_warnx("registry %s: meta %s unreadable", r->path, key);
	reg_done(st);
	return rc;
}

static int
reg_meta_put(struct registry *r, const char *key, const char *val)
{
	sqlite3_stmt	*st = r->st[ST_META_PUT];

	if (bind_text(st, 1, key) || bind_text(st, 2, val)) {
		reg_dberr(r, "bind meta");
		reg_done(st);
		return ERR_DB;
	}
	return reg_exec(r, ST_META_PUT);
}

static int
reg_cursor_get(struct registry *r, uint64_t *cursor, int64_t *at)
{
	sqlite3_stmt	*st = r->st[ST_CURSOR_GET];
	int64_t		 c, a;
	int		 rc = ERR_DB;

	if (sqlite3_step(st) == SQLITE_ROW) {
		if (col_int(st, 0, 0, (int64_t)FEED_POS_MAX, 0, &c) == 0 &&
		    col_int(st, 1, 0, INT64_MAX, 0, &a) == 0) {
			*cursor = (uint64_t)c;
			*at = a;
			rc = 0;
		} else
			log_warnx("registry %s: the feed cursor is damaged",
			    r->path);
	} else
		reg_dberr(r, "read the feed cursor");
	reg_done(st);
	return rc;
}

/*
 * Match keys.
 */

int
registry_key_surname(const struct feed_person_alert *a,
    struct registry_keys *out)
{
	const char	*s = a->surname;
	char		*k = out->key[0];
	size_t		 len, i;

	len = strnlen(s, sizeof(a->surname));
	while (len > 0 && s[0] == ' ') {
		s++;
		len--;
	}
	while (len > 0 && s[len - 1] == ' ')
		len--;
	if (len >= REGISTRY_KEY_MAX)
		len = REGISTRY_KEY_MAX - 1;	/* a prefix is a fine key */
	/* Do not end in the middle of a UTF-8 sequence. */
	while (len > 0 && len < strnlen(s, sizeof(a->surname)) &&
	    ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	for (i = 0; i < len; i++)
		k[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
	k[len] = '\0';
	out->n = len > 0 ? 1 : 0;
	return 0;
}

/* The keys of a, checked: 1..REGISTRY_KEYS_MAX, each terminated and not
 * empty. */
static int
reg_keys(struct registry *r, const struct feed_person_alert *a,
    struct registry_keys *keys)
{
	size_t	i;
	int	rc;

	memset(keys, 0, sizeof(*keys));
	if ((rc = r->key(a, keys)) != 0)
		return rc;
	if (keys->n < 1 || keys->n > REGISTRY_KEYS_MAX ||
	    keys->datalen > REGISTRY_DATA_MAX)
		return ERR_INVAL;
	for (i = 0; i < keys->n; i++)
		if (memchr(keys->key[i], '\0', REGISTRY_KEY_MAX) == NULL ||
		    keys->key[i][0] == '\0')
			return ERR_INVAL;
	return 0;
}

/* Replaces the keys of alert id with keys, in the caller's transaction. */
static int
reg_put_keys(struct registry *r, const char *id,
    const struct registry_keys *keys)
{
	sqlite3_stmt	*st = r->st[ST_PK_PUT];
	size_t		 i;
	int		 rc;

	if (bind_text(r->st[ST_PK_DEL], 1, id)) {
		reg_dberr(r, "bind key delete");
		reg_done(r->st[ST_PK_DEL]);
		return ERR_DB;
	}
	if ((rc = reg_exec(r, ST_PK_DEL)) != 0)
		return rc;
	for (i = 0; i < keys->n; i++) {
		if (bind_text(st, 1, keys->key[i]) || bind_text(st, 2, id) ||
		    sqlite3_bind_blob(st, 3, keys->data, (int)keys->datalen,
		    SQLITE_STATIC) != SQLITE_OK) {
			reg_dberr(r, "bind key");
			reg_done(st);
			return ERR_DB;
		}
		if ((rc = reg_exec(r, ST_PK_PUT)) != 0)
			return rc;
	}
	return 0;
}

/* Recompute every match key, a page of alerts at a time, in the caller's
 * transaction. */
static int
reg_rekey(struct registry *r)
{
	sqlite3_stmt		*page = r->st[ST_PA_PAGE];
	struct feed_entry	*e;
	struct registry_keys	 keys;
	char			 last[FEED_ID_MAX + 1] = "";
	size_t			 i, n, total = 0;
	int			 rc, step;

	if ((rc = reg_exec(r, ST_PK_CLEAR)) != 0)
		return rc;
	if ((e = calloc(REG_REKEY_PAGE, sizeof(*e))) == NULL)
		return ERR_NOMEM;
	for (;;) {
		n = 0;
		if (bind_text(page, 1, last) || bind_int(page, 2,
		    REG_REKEY_PAGE)) {
			reg_dberr(r, "bind rekey page");
			reg_done(page);
			rc = ERR_DB;
			break;
		}
		while ((step = sqlite3_step(page)) == SQLITE_ROW &&
		    n < REG_REKEY_PAGE) {
			if (row_person_alert(page, &e[n]) != 0) {
				log_warnx("registry %s: a person alert row is "
				    "damaged", r->path);
				rc = ERR_DB;
				break;
			}
			n++;
		}
		if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE) {
			reg_dberr(r, "read person alerts");
			rc = ERR_DB;
		}
		reg_done(page);
		for (i = 0; rc == 0 && i < n; i++) {
			if ((rc = reg_keys(r, &e[i].data.person_alert,
			    &keys)) != 0) {
				log_warnx("registry %s: person alert %s: no "
				    "match keys: %s", r->path, e[i].id,
				    err_str(rc));
				break;
			}
			rc = reg_put_keys(r, e[i].id, &keys);
		}
		total += n;
		if (rc != 0 || n < REG_REKEY_PAGE)
			break;
		memcpy(last, e[n - 1].id, sizeof(last));
	}
	free(e);
	if (rc == 0 && total > 0)
		log_info("registry %s: match keys recomputed for \"%s\" "
		    "(%zu alerts)", r->path, r->key_name, total);
	return rc;
}

/* Schema version and key function: recorded by the first open, checked
 * by every later one. Runs inside the opening transaction. */
static int
reg_check_meta(struct registry *r)
{
	char	 buf[REGISTRY_KEY_NAME_MAX], *end;
	long	 v;
	int	 rc;

	rc = reg_meta_get(r, "schema_version", buf, sizeof(buf));
	if (rc == ERR_NOTFOUND) {
		(void)snprintf(buf, sizeof(buf), "%d",
		    REGISTRY_SCHEMA_VERSION);
		if ((rc = reg_meta_put(r, "schema_version", buf)) != 0)
			return rc;
	} else if (rc != 0) {
		return rc;
	} else {
		v = strtol(buf, &end, 10);
		if (end == buf || *end != '\0' || v < 1) {
			log_warnx("registry %s: bad schema version \"%s\"",
			    r->path, buf);
			return ERR_DB;
		}
		if (v > REGISTRY_SCHEMA_VERSION) {
			log_warnx("registry %s: schema version %ld is newer "
			    "than %d", r->path, v, REGISTRY_SCHEMA_VERSION);
			return ERR_VERSION;
		}
	}

	rc = reg_meta_get(r, "match_key", buf, sizeof(buf));
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	if (rc == 0 && strcmp(buf, r->key_name) == 0)
		return 0;
	if ((rc = reg_rekey(r)) != 0)
		return rc;
	return reg_meta_put(r, "match_key", r->key_name);
}

/*
 * Brings the tables of an older schema to this one, in the opening
 * transaction and before any statement is prepared against them. A newer
 * schema is ERR_VERSION; a new store is left to reg_check_meta().
 */
static int
reg_upgrade(struct registry *r)
{
	sqlite3_stmt		*st;
	const unsigned char	*v;
	long			 ver = 0;
	char			*end;
	int			 step;

	if (sqlite3_prepare_v2(r->db, "SELECT value FROM reg_meta WHERE "
	    "key = 'schema_version'", -1, &st, NULL) != SQLITE_OK) {
		reg_dberr(r, "read the schema version");
		return ERR_DB;
	}
	step = sqlite3_step(st);
	if (step == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) != NULL)
		ver = strtol((const char *)v, &end, 10);
	else if (step != SQLITE_DONE)
		reg_dberr(r, "read the schema version");
	sqlite3_finalize(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return ERR_DB;
	if (ver > REGISTRY_SCHEMA_VERSION) {
		log_warnx("registry %s: schema version %ld is newer than %d",
		    r->path, ver, REGISTRY_SCHEMA_VERSION);
		return ERR_VERSION;
	}
	if (ver != 1)
		return 0;	/* new, current, or damaged: reg_check_meta() */
	if (sqlite3_exec(r->db, reg_upgrade_1, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		reg_dberr(r, "upgrade the schema from version 1");
		return ERR_DB;
	}
	log_info("registry %s: schema upgraded from version 1 to %d",
	    r->path, REGISTRY_SCHEMA_VERSION);
	return 0;
}

/* PRAGMA journal_mode=WAL answers the mode now in force. */
static int
reg_set_wal(struct registry *r)
{
	sqlite3_stmt		*st;
	const unsigned char	*mode;
	int			 rc = ERR_DB;

	if (sqlite3_prepare_v2(r->db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		reg_dberr(r, "journal_mode");
		return ERR_DB;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		mode = sqlite3_column_text(st, 0);
		if (mode != NULL && strcmp((const char *)mode, "wal") == 0)
			rc = 0;
		else
			log_warnx("registry %s: cannot use WAL (mode %s)",
			    r->path, mode != NULL ? (const char *)mode : "?");
	} else
		reg_dberr(r, "journal_mode");
	sqlite3_finalize(st);
	return rc;
}

int
registry_open(struct registry **out, const char *path, registry_key_fn key,
    const char *key_name)
{
	struct registry	*r;
	int		 i, rc;

	if (key_name == NULL)
		key_name = DEFAULT_KEY_NAME;
	if (strlen(key_name) >= REGISTRY_KEY_NAME_MAX || key_name[0] == '\0')
		return ERR_INVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return ERR_NOMEM;
	r->key = key != NULL ? key : registry_key_surname;
	(void)snprintf(r->key_name, sizeof(r->key_name), "%s", key_name);
	/* A long path is only cut in log lines. */
	(void)snprintf(r->path, sizeof(r->path), "%s", path);

	rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (r->db != NULL)
			reg_dberr(r, "open");
		else
			log_warnx("registry %s: open: out of memory", r->path);
		rc = r->db != NULL ? ERR_DB : ERR_NOMEM;
		goto fail;
	}
	sqlite3_extended_result_codes(r->db, 1);
	sqlite3_busy_timeout(r->db, REG_BUSY_MS);

	if ((rc = reg_set_wal(r)) != 0)
		goto fail;
	if (sqlite3_exec(r->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL)
	    != SQLITE_OK ||
	    sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)
	    != SQLITE_OK ||
	    sqlite3_exec(r->db, reg_schema, NULL, NULL, NULL) != SQLITE_OK) {
		reg_dberr(r, "create schema");
		rc = ERR_DB;
		goto fail;
	}
	if ((rc = reg_upgrade(r)) != 0)
		goto fail;
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(r->db, reg_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &r->st[i], NULL) != SQLITE_OK) {
			reg_dberr(r, reg_sql[i]);
			rc = ERR_DB;
			goto fail;
		}
	}
	if ((rc = reg_check_meta(r)) != 0)
		goto fail;
	if ((rc = reg_exec(r, ST_COMMIT)) != 0)
		goto fail;
	*out = r;
	return 0;

fail:
	if (r->db != NULL && !sqlite3_get_autocommit(r->db))
		(void)sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	registry_close(r);
	return rc;
}

void
registry_close(struct registry *r)
{
	int	i;

	if (r == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(r->st[i]);	/* NULL is a no-op */
	if (r->db != NULL && sqlite3_close(r->db) != SQLITE_OK)
		log_warnx("registry %s: close: %s", r->path,
		    sqlite3_errmsg(r->db));
	free(r);
}

/*
 * Applying.
 */

/* Stays as "YYYY-MM-DD..YYYY-MM-DD,YYYY-MM-DD..", stay_parse_list()'s
 * form. */
static int
stays_format(const struct feed_stay_state *s, char *buf, size_t bufsz)
{
	struct date	d;
	size_t		i, off = 0;
	char		a[16], b[16];
	int		n;

	buf[0] = '\0';
	for (i = 0; i < s->nstays; i++) {
		date_from_days(s->stays[i].entry, &d);
		if (date_format_iso(&d, a, sizeof(a)) != 0)
			return ERR_RANGE;
		b[0] = '\0';
		if (s->stays[i].exit != STAY_OPEN) {
			date_from_days(s->stays[i].exit, &d);
			if (date_format_iso(&d, b, sizeof(b)) != 0)
				return ERR_RANGE;
		}
		n = snprintf(buf + off, bufsz - off, "%s%s..%s",
		    i > 0 ? "," : "", a, b);
		if (n < 0 || (size_t)n >= bufsz - off)
			return ERR_TOOBIG;
		off += (size_t)n;
	}
	return 0;
}

/* Binds the id and pos of e as ?1 and ?2. */
static int
bind_head(sqlite3_stmt *st, const struct feed_entry *e)
{
	return bind_text(st, 1, e->id) || bind_int(st, 2, (int64_t)e->pos);
}

/* Binds the upsert of e to the statement of its kind; which is set. */
static int
bind_upsert(struct registry *r, const struct feed_entry *e,
    enum reg_stmt *which, struct registry_keys *keys, char *stays)
{
	sqlite3_stmt	*st;
	int		 bad, rc;

	switch (e->kind) {
	case FEED_DOCUMENT_ALERT: {
		const struct feed_document_alert *a = &e->data.document_alert;

		st = r->st[*which = ST_DA_PUT];
		bad = bind_head(st, e) || bind_text(st, 3, a->issuing_state) ||
		    bind_text(st, 4, a->number) ||
		    bind_text(st, 5, feed_reason_str(a->reason)) ||
		    bind_text(st, 6, a->since);
		break;
	}
	case FEED_PERSON_ALERT: {
		const struct feed_person_alert *a = &e->data.person_alert;

		if ((rc = reg_keys(r, a, keys)) != 0)
			return rc;
		st = r->st[*which = ST_PA_PUT];
		bad = bind_head(st, e) ||
		    bind_text(st, 3, feed_alert_kind_str(a->kind)) ||
		    bind_text(st, 4, a->surname) ||
		    bind_text(st, 5, a->given_names) ||
		    bind_text(st, 6, a->birth_date) ||
		    bind_text(st, 7, a->nationality) ||
		    bind_ntext(st, 8, a->until) ||
		    bind_int(st, 9, a->severity) ||
		    bind_text(st, 10, a->source);
		break;
	}
	case FEED_PERMIT: {
		const struct feed_permit *p = &e->data.permit;
		const struct feed_holder *h = &p->holder;

		st = r->st[*which = ST_PM_PUT];
		bad = bind_head(st, e) ||
		    bind_text(st, 3, policy_permit_name(p->kind)) ||
		    bind_text(st, 4, h->issuing_state) ||
		    bind_text(st, 5, h->number) ||
		    bind_text(st, 6, h->nationality) ||
		    bind_text(st, 7, h->surname) ||
		    bind_text(st, 8, h->given_names) ||
		    bind_text(st, 9, h->birth_date) ||
		    bind_text(st, 10, p->valid_from) ||
		    bind_text(st, 11, p->valid_until) ||
		    bind_nint(st, 12, p->entries) ||
		    bind_int(st, 13, p->entries_used) ||
		    bind_nint(st, 14, p->stay_days) ||
		    bind_ntext(st, 15, p->employer) ||
		    bind_ntext(st, 16, p->region);
		break;
	}
	case FEED_STAY_STATE: {
		const struct feed_stay_state *s = &e->data.stay_state;
		const struct feed_person *p = &s->person;

		if ((rc = stays_format(s, stays, REG_STAYS_TEXT)) != 0)
			return rc;
		st = r->st[*which = ST_SS_PUT];
		bad = bind_head(st, e) ||
		    bind_text(st, 3, p->issuing_state) ||
		    bind_text(st, 4, p->number) ||
		    bind_text(st, 5, p->nationality) ||
		    bind_text(st, 6, p->birth_date) ||
		    bind_text(st, 7, stays) || bind_ntext(st, 8, s->rule);
		break;
	}
	case FEED_POLICY: {
		const struct feed_policy *p = &e->data.policy;

		st = r->st[*which = ST_PO_PUT];
		bad = bind_head(st, e) || bind_text(st, 3, p->version) ||
		    sqlite3_bind_text(st, 4, p->yaml, (int)p->yaml_len,
		    SQLITE_STATIC) != SQLITE_OK;
		break;
	}
	case FEED_OFFICER: {
		const struct feed_officer *o = &e->data.officer;

		st = r->st[*which = ST_OF_PUT];
		bad = bind_head(st, e) || bind_text(st, 3, o->name) ||
		    bind_text(st, 4, o->pin_hash) ||
		    bind_int(st, 5, o->active);
		break;
	}
	default:
		return ERR_INVAL;
	}
	if (bad) {
		reg_dberr(r, "bind upsert");
		reg_done(st);
		return ERR_DB;
	}
	return 0;
}

static const enum reg_stmt reg_del[FEED_KIND_MAX + 1] = {
	[FEED_DOCUMENT_ALERT] = ST_DA_DEL,
	[FEED_PERSON_ALERT] = ST_PA_DEL,
	[FEED_PERMIT] = ST_PM_DEL,
	[FEED_STAY_STATE] = ST_SS_DEL,
	[FEED_POLICY] = ST_PO_DEL,
	[FEED_OFFICER] = ST_OF_DEL,
};

static const enum reg_stmt reg_cnt[FEED_KIND_MAX + 1] = {
	[FEED_DOCUMENT_ALERT] = ST_DA_COUNT,
	[FEED_PERSON_ALERT] = ST_PA_COUNT,
	[FEED_PERMIT] = ST_PM_COUNT,
	[FEED_STAY_STATE] = ST_SS_COUNT,
	[FEED_POLICY] = ST_PO_COUNT,
	[FEED_OFFICER] = ST_OF_COUNT,
};

/* One entry, inside the caller's transaction. */
static int
reg_apply_one(struct registry *r, const struct feed_entry *e,
    struct registry_keys *keys, char *stays)
{
	enum reg_stmt	which;
	int		rc;

	if (e->op == FEED_DELETE) {
		which = reg_del[e->kind];
		if (bind_text(r->st[which], 1, e->id)) {
			reg_dberr(r, "bind delete");
			reg_done(r->st[which]);
			return ERR_DB;
		}
		if ((rc = reg_exec(r, which)) != 0)
			return rc;
		if (e->kind != FEED_PERSON_ALERT)
			return 0;
		keys->n = 0;
		return reg_put_keys(r, e->id, keys);	/* none left */
	}
	if ((rc = bind_upsert(r, e, &which, keys, stays)) != 0)
		return rc;
	if ((rc = reg_exec(r, which)) != 0)
		return rc;
	if (e->kind != FEED_PERSON_ALERT)
		return 0;
	return reg_put_keys(r, e->id, keys);
}

static int
reg_fail(struct proto_error *err, int rc, const char *field,
    const char *msg)
{
	(void)snprintf(err->field, sizeof(err->field), "%s", field);
	(void)snprintf(err->message, sizeof(err->message), "%s", msg);
	return rc;
}

int
registry_apply_batch(struct registry *r, const struct feed_batch *b,
    struct proto_error *err)
{
	struct proto_error	 scratch;
	struct registry_keys	 keys;
	char			 field[PROTO_FIELD_MAX];
	char			*stays = NULL;
	uint64_t		 cursor;
	int64_t			 at;
	size_t			 i;
	int			 rc;

	if (err == NULL)
		err = &scratch;
	if (!feed_check_batch(b, err))
		return ERR_INVAL;
	if ((stays = malloc(REG_STAYS_TEXT)) == NULL)
		return reg_fail(err, ERR_NOMEM, "", "out of memory");
	if ((rc = reg_exec(r, ST_BEGIN_IMM)) != 0) {
		free(stays);
		return reg_fail(err, rc, "", "the registry cannot start a "
		    "transaction");
	}
	if ((rc = reg_cursor_get(r, &cursor, &at)) != 0) {
		(void)reg_fail(err, rc, "", "the registry cannot read its "
		    "cursor");
		goto fail;
	}
	if (b->from != cursor) {
		(void)snprintf(err->field, sizeof(err->field), "from");
		(void)snprintf(err->message, sizeof(err->message),
		    "is %llu but the registry is at %llu: %s",
		    (unsigned long long)b->from, (unsigned long long)cursor,
		    b->from < cursor ? "a replayed or older batch" :
		    "a batch out of order");
		rc = ERR_CONFLICT;
		goto fail;
	}
	for (i = 0; i < b->n; i++) {
		if ((rc = reg_apply_one(r, &b->entries[i], &keys,
		    stays)) != 0) {
			(void)snprintf(field, sizeof(field), "entries[%zu]", i);
			(void)reg_fail(err, rc, field, rc == ERR_DB ?
			    "the registry could not store it" :
			    "the registry could not index it");
			goto fail;
		}
	}
	at = date_now_ms();
	if (bind_int(r->st[ST_CURSOR_PUT], 1, (int64_t)b->to) ||
	    bind_int(r->st[ST_CURSOR_PUT], 2, at)) {
		reg_dberr(r, "bind cursor");
		reg_done(r->st[ST_CURSOR_PUT]);
		rc = reg_fail(err, ERR_DB, "", "the registry cannot move its "
		    "cursor");
		goto fail;
	}
	if ((rc = reg_exec(r, ST_CURSOR_PUT)) != 0 ||
	    (rc = reg_exec(r, ST_COMMIT)) != 0) {
		(void)reg_fail(err, rc, "", "the registry could not commit");
		goto fail;
	}
	free(stays);
	return 0;

fail:
	reg_rollback(r);
	free(stays);
	return rc;
}

int
registry_cursor(struct registry *r, uint64_t *cursor, int64_t *applied_at)
{
	uint64_t	c;
	int64_t		a;
	int		rc;

	if ((rc = reg_cursor_get(r, &c, &a)) != 0)
		return rc;
	if (cursor != NULL)
		*cursor = c;
	if (applied_at != NULL)
		*applied_at = a;
	return 0;
}

int
registry_count(struct registry *r, enum feed_kind kind, size_t *n)
{
	sqlite3_stmt	*st;
	int		 rc = ERR_DB;

	if (kind < FEED_DOCUMENT_ALERT || kind > FEED_KIND_MAX)
		return ERR_INVAL;
	st = r->st[reg_cnt[kind]];
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = (size_t)sqlite3_column_int64(st, 0);
		rc = 0;
	} else
		reg_dberr(r, "count");
	reg_done(st);
	return rc;
}

/*
 * Lookups.
 */

typedef int	(*row_fn)(sqlite3_stmt *, struct feed_entry *);

/* Steps a bound statement, converting the first cap rows. */
static int
reg_find(struct registry *r, enum reg_stmt which, row_fn row,
    struct feed_entry *out, size_t cap, size_t *n)
{
	sqlite3_stmt		*st = r->st[which];
	struct feed_entry	 e;
	size_t			 k = 0;
	int			 step, rc = 0;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (k < cap) {
			if (row(st, &e) != 0) {
				log_warnx("registry %s: a damaged row in %s",
				    r->path, reg_sql[which]);
				rc = ERR_DB;
				break;
			}
			out[k] = e;
		}
		k++;
	}
	if (rc == 0 && step != SQLITE_DONE) {
		reg_dberr(r, reg_sql[which]);
		rc = ERR_DB;
	}
	reg_done(st);
	if (rc != 0)
		return rc;
	*n = k;
	return k > cap ? ERR_TOOBIG : 0;
}

/* Binds two text parameters for a lookup. */
static int
reg_bind2(struct registry *r, enum reg_stmt which, const char *a,
    const char *b)
{
	sqlite3_stmt	*st = r->st[which];

	if (a == NULL || bind_text(st, 1, a) ||
	    (b != NULL && bind_text(st, 2, b))) {
		if (a != NULL)
			reg_dberr(r, "bind lookup");
		reg_done(st);
		return a == NULL ? ERR_INVAL : ERR_DB;
	}
	return 0;
}

int
registry_find_document_alerts(struct registry *r, const char *state,
    const char *number, struct feed_entry *out, size_t cap, size_t *n)
{
	int	rc;

	if (number == NULL)
		return ERR_INVAL;
	if ((rc = reg_bind2(r, ST_DA_FIND, state, number)) != 0)
		return rc;
	return reg_find(r, ST_DA_FIND, row_document_alert, out, cap, n);
}

/* Appends the alert ids the bound statement st gives to *ids. */
static int
reg_collect_ids(struct registry *r, enum reg_stmt which,
    char (**ids)[FEED_ID_MAX + 1], size_t *n, size_t *cap)
{
	sqlite3_stmt	*st = r->st[which];
	char		(*grown)[FEED_ID_MAX + 1];
	size_t		 ncap;
	int		 step, rc = 0;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == *cap) {
			ncap = *cap > 0 ? *cap * 2 : 64;
			if ((grown = reallocarray(*ids, ncap,
			    sizeof(**ids))) == NULL) {
				rc = ERR_NOMEM;
				break;
			}
			*ids = grown;
			*cap = ncap;
		}
		if (col_text(st, 0, (*ids)[*n], sizeof(**ids), 0) != 0) {
			log_warnx("registry %s: a damaged match key row",
			    r->path);
			rc = ERR_DB;
			break;
		}
		(*n)++;
	}
	if (rc == 0 && step != SQLITE_DONE) {
		reg_dberr(r, reg_sql[which]);
		rc = ERR_DB;
	}
	reg_done(st);
	return rc;
}

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The keys of a lookup: at most REGISTRY_KEYS_MAX, each terminated and
 * not empty. */
static int
reg_check_query(const struct registry_keys *q)
{
	size_t	i, len;

	if (q == NULL || q->n > REGISTRY_KEYS_MAX)
		return ERR_INVAL;
	for (i = 0; i < q->n; i++) {
		len = strnlen(q->key[i], REGISTRY_KEY_MAX);
		if (len == 0 || len == REGISTRY_KEY_MAX)
			return ERR_INVAL;
	}
	return 0;
}

/* Binds key i of q to the statement that looks it up; which is set. */
static int
reg_bind_key(struct registry *r, const struct registry_keys *q, size_t i,
    enum reg_stmt *which)
{
	sqlite3_stmt	*st;
	char		 hi[REGISTRY_KEY_MAX];
	size_t		 len;

	*which = q->prefix ? ST_PK_FIND_PREFIX : ST_PK_FIND;
	st = r->st[*which];
	if (bind_text(st, 1, q->key[i])) {
		reg_dberr(r, "bind key");
		reg_done(st);
		return ERR_DB;
	}
	if (!q->prefix)
		return 0;
	/* Every key that starts with it sorts before the prefix with its
	 * last byte one higher. */
	len = strlen(q->key[i]);
	memcpy(hi, q->key[i], len + 1);
	if ((unsigned char)hi[len - 1] == 0xff) {
		reg_done(st);
		return ERR_INVAL;
	}
	hi[len - 1] = (char)((unsigned char)hi[len - 1] + 1);
	if (sqlite3_bind_text(st, 2, hi, (int)len, SQLITE_TRANSIENT) !=
	    SQLITE_OK) {
		reg_dberr(r, "bind key");
		reg_done(st);
		return ERR_DB;
	}
	return 0;
}

int
registry_scan_person_alert_keys(struct registry *r,
    const struct registry_keys *q, registry_scan_fn fn, void *arg)
{
	sqlite3_stmt		*st;
	enum reg_stmt		 which;
	const unsigned char	*id;
	const void		*data;
	size_t			 i, idlen;
	int			 rc, step, dlen;

	if ((rc = reg_check_query(q)) != 0 || fn == NULL)
		return rc != 0 ? rc : ERR_INVAL;
	for (i = 0; rc == 0 && i < q->n; i++) {
		if ((rc = reg_bind_key(r, q, i, &which)) != 0)
			break;
		st = r->st[which];
		while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
			id = sqlite3_column_text(st, 0);
			idlen = (size_t)sqlite3_column_bytes(st, 0);
			data = sqlite3_column_blob(st, 1);
			dlen = sqlite3_column_bytes(st, 1);
			if (id == NULL || idlen == 0 || idlen > FEED_ID_MAX ||
			    dlen < 0 || dlen > REGISTRY_DATA_MAX) {
				log_warnx("registry %s: a damaged match key "
				    "row", r->path);
				rc = ERR_DB;
				break;
			}
			rc = fn(arg, (const char *)id, dlen > 0 ? data : NULL,
			    (size_t)dlen);
		}
		if (rc == 0 && step != SQLITE_DONE) {
			reg_dberr(r, reg_sql[which]);
			rc = ERR_DB;
		}
		reg_done(st);
	}
	return rc;
}

int
registry_find_person_alert(struct registry *r, const char *id,
    struct feed_entry *out)
{
	size_t	n;
	int	rc;

	if ((rc = reg_bind2(r, ST_PA_GET, id, NULL)) != 0)
		return rc;
	if ((rc = reg_find(r, ST_PA_GET, row_person_alert, out, 1, &n)) != 0)
		return rc;
	return n == 0 ? ERR_NOTFOUND : 0;
}

int
registry_find_person_alert_candidates(struct registry *r,
    const struct registry_keys *q, struct feed_entry *out, size_t cap,
    size_t *n)
{
	char			(*ids)[FEED_ID_MAX + 1] = NULL;
	enum reg_stmt		 which;
	size_t			 i, k, nids = 0, idcap = 0;
	int			 rc;

	if ((rc = reg_check_query(q)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < q->n; i++) {
		if ((rc = reg_bind_key(r, q, i, &which)) != 0)
			break;
		rc = reg_collect_ids(r, which, &ids, &nids, &idcap);
	}
	if (rc != 0) {
		free(ids);
		return rc;
	}
	/* Each alert once, ordered by id. */
	if (nids > 1)
		qsort(ids, nids, sizeof(*ids), id_cmp);
	for (i = 0, k = 0; i < nids; i++)
		if (k == 0 || strcmp(ids[k - 1], ids[i]) != 0)
			memmove(ids[k++], ids[i], sizeof(*ids));
	nids = k;
	for (i = 0; rc == 0 && i < nids && i < cap; i++) {
		if (bind_text(r->st[ST_PA_GET], 1, ids[i])) {
			reg_dberr(r, "bind alert id");
			reg_done(r->st[ST_PA_GET]);
			rc = ERR_DB;
			break;
		}
		rc = reg_find(r, ST_PA_GET, row_person_alert, &out[i], 1, &k);
		if (rc == 0 && k != 1) {
			log_warnx("registry %s: match key of a missing person "
			    "alert %s", r->path, ids[i]);
			rc = ERR_DB;
		}
	}
	free(ids);
	if (rc != 0)
		return rc;
	*n = nids;
	return nids > cap ? ERR_TOOBIG : 0;
}

int
registry_find_permits_by_document(struct registry *r, const char *state,
    const char *number, struct feed_entry *out, size_t cap, size_t *n)
{
	int	rc;

	if (number == NULL)
		return ERR_INVAL;
	if ((rc = reg_bind2(r, ST_PM_FIND_DOC, state, number)) != 0)
		return rc;
	return reg_find(r, ST_PM_FIND_DOC, row_permit, out, cap, n);
}

int
registry_find_permits_by_person(struct registry *r, const char *nationality,
    const char *birth_date, struct feed_entry *out, size_t cap, size_t *n)
{
	int	rc;

	if (birth_date == NULL)
		return ERR_INVAL;
	if ((rc = reg_bind2(r, ST_PM_FIND_PERSON, nationality,
	    birth_date)) != 0)
		return rc;
	return reg_find(r, ST_PM_FIND_PERSON, row_permit, out, cap, n);
}

int
registry_find_stay_state(struct registry *r, const char *state,
    const char *number, struct feed_entry *out, struct stay *stays,
    size_t cap)
{
	sqlite3_stmt		*st = r->st[ST_SS_FIND];
	struct feed_entry	 e;
	int			 step, rc;

	if (number == NULL)
		return ERR_INVAL;
	if ((rc = reg_bind2(r, ST_SS_FIND, state, number)) != 0)
		return rc;
	step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		rc = ERR_NOTFOUND;
	else if (step != SQLITE_ROW) {
		reg_dberr(r, reg_sql[ST_SS_FIND]);
		rc = ERR_DB;
	} else if ((rc = row_stay_state(st, &e, stays, cap)) == 0)
		*out = e;
	else if (rc != ERR_TOOBIG) {
		log_warnx("registry %s: a damaged stay state row", r->path);
		rc = ERR_DB;
	}
	reg_done(st);
	return rc;
}

int
registry_policy(struct registry *r, struct feed_entry *out, char *buf,
    size_t bufsz)
{
	sqlite3_stmt		*st = r->st[ST_PO_CURRENT];
	struct feed_entry	 e;
	const unsigned char	*v;
	size_t			 len;
	int			 step, rc;

	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = ERR_NOTFOUND;
	} else if (step != SQLITE_ROW) {
		reg_dberr(r, reg_sql[ST_PO_CURRENT]);
		rc = ERR_DB;
	} else if (row_head(st, FEED_POLICY, &e) != 0 ||
	    COL(st, C_DATA, &e.data.policy, version, 0) != 0 ||
	    (v = sqlite3_column_text(st, C_DATA + 1)) == NULL) {
		log_warnx("registry %s: a damaged policy row", r->path);
		rc = ERR_DB;
	} else if ((len = (size_t)sqlite3_column_bytes(st, C_DATA + 1)) >=
	    bufsz) {
		rc = ERR_TOOBIG;
	} else {
		memcpy(buf, v, len);
		buf[len] = '\0';
		e.data.policy.yaml = buf;
		e.data.policy.yaml_len = len;
		*out = e;
		rc = 0;
	}
	reg_done(st);
	return rc;
}

int
registry_find_officer(struct registry *r, const char *id,
    struct feed_entry *out)
{
	size_t	n;
	int	rc;

	if ((rc = reg_bind2(r, ST_OF_FIND, id, NULL)) != 0)
		return rc;
	if ((rc = reg_find(r, ST_OF_FIND, row_officer, out, 1, &n)) != 0)
		return rc;
	return n == 0 ? ERR_NOTFOUND : 0;
}
