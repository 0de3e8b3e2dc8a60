/* creg.c - the centre's registry: validated puts and removes of watchlist,
 * permit, registration, officer, policy and post records, each with its
 * change row and (for what posts decide from) its feed entry, in the
 * caller's transaction; the post certificate lookup; streamed listings. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "audit.h"
#include "creg.h"
#include "date.h"
#include "err.h"
#include "feed.h"
#include "feedlog.h"
#include "log.h"
#include "pgutil.h"
#include "policy.h"
#include "proto.h"

#define CREG_NUM_MAX	24	/* a formatted integer parameter */

static const char *const creg_kind_names[] = {
	"invalid", "document_alert", "person_alert", "permit", "registration",
	"officer", "policy", "post"
};

/* The change row of a put: the new values, without the key and the
 * bookkeeping columns (the change row has its own). */
#define CREG_DETAIL	" to_jsonb(up) - 'id' - 'changed_at' - 'changed_by'"
#define CREG_CHANGE \
	" INSERT INTO changes (actor, action, kind, record, detail)"

static const char creg_da_put_sql[] =
	"WITH up AS ("
	" INSERT INTO document_alerts AS t (id, issuing_state, number, reason,"
	"  since, changed_at, changed_by)"
	" VALUES ($1::text, $2::text, $3::text, $4::text, $5::date, now(),"
	"  $6::text)"
	" ON CONFLICT (id) DO UPDATE SET"
	"  issuing_state = EXCLUDED.issuing_state,"
	"  number = EXCLUDED.number, reason = EXCLUDED.reason,"
	"  since = EXCLUDED.since, changed_at = EXCLUDED.changed_at,"
	"  changed_by = EXCLUDED.changed_by"
	" WHERE (t.issuing_state, t.number, t.reason, t.since)"
	"  IS DISTINCT FROM (EXCLUDED.issuing_state, EXCLUDED.number,"
	"  EXCLUDED.reason, EXCLUDED.since)"
	" RETURNING *)"
	CREG_CHANGE
	" SELECT $6::text, 'put', 'document_alert', up.id," CREG_DETAIL
	" FROM up RETURNING id";

static const char creg_pa_put_sql[] =
	"WITH up AS ("
	" INSERT INTO person_alerts AS t (id, kind, surname, given_names,"
	"  birth_date, nationality, until, severity, source, changed_at,"
	"  changed_by)"
	" VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text,"
	"  $7::date, $8::smallint, $9::text, now(), $10::text)"
	" ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind,"
	"  surname = EXCLUDED.surname, given_names = EXCLUDED.given_names,"
	"  birth_date = EXCLUDED.birth_date,"
	"  nationality = EXCLUDED.nationality, until = EXCLUDED.until,"
	"  severity = EXCLUDED.severity, source = EXCLUDED.source,"
	"  changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by"
	" WHERE (t.kind, t.surname, t.given_names, t.birth_date, t.nationality,"
	"  t.until, t.severity, t.source)"
	"  IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.surname,"
	"  EXCLUDED.given_names, EXCLUDED.birth_date, EXCLUDED.nationality,"
	"  EXCLUDED.until, EXCLUDED.severity, EXCLUDED.source)"
	" RETURNING *)"
	CREG_CHANGE
	" SELECT $10::text, 'put', 'person_alert', up.id," CREG_DETAIL
	" FROM up RETURNING id";

/*
 * Marks a document dirty for the stay deriver (central/stays.c) as the
 * crossings trigger of 003_stay_dirty.sql does: a row already there is not
 * written (WHERE false) but locked until commit, so a deriver (which
 * claims with FOR UPDATE SKIP LOCKED) cannot take the document and derive
 * it without this change; rows in key order, so that two writers never
 * deadlock.
 */
#define CREG_DIRTY_LOCK							\
	" ON CONFLICT (issuing_state, number)"				\
	" DO UPDATE SET number = EXCLUDED.number WHERE false"

/*
 * Locks the row a put may replace, before the put's statement: in READ
 * COMMITTED that statement's snapshot then sees the row as it stays until
 * commit (a FOR UPDATE inside the put's own CTE would see the put's new
 * version instead).
 */
static const char creg_permit_lock_sql[] =
	"SELECT 1 FROM permits WHERE id = $1::text FOR UPDATE";
static const char creg_officer_lock_sql[] =
	"SELECT 1 FROM officers WHERE id = $1::text FOR UPDATE";

/* The document the permit was for before (locked by creg_permit_lock_sql),
 * so that moving a permit to another document marks both dirty. */
static const char creg_permit_put_sql[] =
	"WITH old AS (SELECT issuing_state, number FROM permits"
	"  WHERE id = $1::text),"
	" up AS ("
	" INSERT INTO permits AS t (id, kind, issuing_state, number,"
	"  nationality, surname, given_names, birth_date, valid_from,"
	"  valid_until, entries, entries_used, stay_days, employer, region,"
	"  changed_at, changed_by)"
	" VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text,"
	"  $7::text, $8::date, $9::date, $10::date, $11::integer,"
	"  $12::integer, $13::integer, $14::text, $15::text, now(), $16::text)"
	" ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind,"
	"  issuing_state = EXCLUDED.issuing_state, number = EXCLUDED.number,"
	"  nationality = EXCLUDED.nationality, surname = EXCLUDED.surname,"
	"  given_names = EXCLUDED.given_names,"
	"  birth_date = EXCLUDED.birth_date, valid_from = EXCLUDED.valid_from,"
	"  valid_until = EXCLUDED.valid_until, entries = EXCLUDED.entries,"
	"  entries_used = EXCLUDED.entries_used,"
	"  stay_days = EXCLUDED.stay_days, employer = EXCLUDED.employer,"
	"  region = EXCLUDED.region, changed_at = EXCLUDED.changed_at,"
	"  changed_by = EXCLUDED.changed_by"
	" WHERE (t.kind, t.issuing_state, t.number, t.nationality, t.surname,"
	"  t.given_names, t.birth_date, t.valid_from, t.valid_until,"
	"  t.entries, t.entries_used, t.stay_days, t.employer, t.region)"
	"  IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.issuing_state,"
	"  EXCLUDED.number, EXCLUDED.nationality, EXCLUDED.surname,"
	"  EXCLUDED.given_names, EXCLUDED.birth_date, EXCLUDED.valid_from,"
	"  EXCLUDED.valid_until, EXCLUDED.entries, EXCLUDED.entries_used,"
	"  EXCLUDED.stay_days, EXCLUDED.employer, EXCLUDED.region)"
	" RETURNING *),"
	" dirty AS (INSERT INTO stay_dirty (issuing_state, number)"
	"  SELECT issuing_state, number FROM up"
	"  UNION SELECT issuing_state, number FROM old"
	"   WHERE EXISTS (SELECT 1 FROM up)"
	"  ORDER BY 1, 2" CREG_DIRTY_LOCK ")"
	CREG_CHANGE
	" SELECT $16::text, 'put', 'permit', up.id," CREG_DETAIL
	" FROM up RETURNING id";

static const char creg_reg_put_sql[] =
	"WITH up AS ("
	" INSERT INTO registrations AS t (id, issuing_state, number, region,"
	"  address, host, valid_from, valid_until, changed_at, changed_by)"
	" VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text,"
	"  $7::date, $8::date, now(), $9::text)"
	" ON CONFLICT (id) DO UPDATE SET"
	"  issuing_state = EXCLUDED.issuing_state,"
	"  number = EXCLUDED.number, region = EXCLUDED.region,"
	"  address = EXCLUDED.address, host = EXCLUDED.host,"
	"  valid_from = EXCLUDED.valid_from,"
	"  valid_until = EXCLUDED.valid_until,"
	"  changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by"
	" WHERE (t.issuing_state, t.number, t.region, t.address, t.host,"
	"  t.valid_from, t.valid_until)"
	"  IS DISTINCT FROM (EXCLUDED.issuing_state, EXCLUDED.number,"
	"  EXCLUDED.region, EXCLUDED.address, EXCLUDED.host,"
	"  EXCLUDED.valid_from, EXCLUDED.valid_until)"
	" RETURNING *)"
	CREG_CHANGE
	" SELECT $9::text, 'put', 'registration', up.id," CREG_DETAIL
	" FROM up RETURNING id";

/* The change row says whether the PIN changed, never the hash. */
static const char creg_officer_put_sql[] =
	"WITH old AS (SELECT pin_hash FROM officers WHERE id = $1::text),"
	" up AS ("
	" INSERT INTO officers AS t (id, name, pin_hash, active, changed_at,"
	"  changed_by)"
	" VALUES ($1::text, $2::text, $3::text, $4::boolean, now(), $5::text)"
	" ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
	"  pin_hash = EXCLUDED.pin_hash, active = EXCLUDED.active,"
	"  changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by"
	" WHERE (t.name, t.pin_hash, t.active)"
	"  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.pin_hash, EXCLUDED.active)"
	" RETURNING *)"
	CREG_CHANGE
	" SELECT $5::text, 'put', 'officer', up.id,"
	"  jsonb_build_object('name', up.name, 'active', up.active,"
	"  'pin_changed', (SELECT o.pin_hash FROM old o)"
	"   IS DISTINCT FROM up.pin_hash)"
	" FROM up RETURNING id";

static const char creg_officer_get_sql[] =
	"SELECT name, pin_hash, active FROM officers WHERE id = $1::text"
	" FOR UPDATE";

/* Removes: the row goes, the change row keeps what it held (never a PIN
 * hash). */
#define CREG_REMOVE_SQL(table, kind, extra)				\
	"WITH del AS (DELETE FROM " table " WHERE id = $1::text"	\
	" RETURNING *)" extra						\
	CREG_CHANGE							\
	" SELECT $2::text, 'remove', '" kind "', del.id,"		\
	" to_jsonb(del) - 'id' - 'pin_hash' - 'changed_at' - 'changed_by'" \
	" FROM del RETURNING id"

static const char creg_da_remove_sql[] =
	CREG_REMOVE_SQL("document_alerts", "document_alert", "");
static const char creg_pa_remove_sql[] =
	CREG_REMOVE_SQL("person_alerts", "person_alert", "");
static const char creg_permit_remove_sql[] =
	CREG_REMOVE_SQL("permits", "permit",
	    ", dirty AS (INSERT INTO stay_dirty (issuing_state, number)"
	    " SELECT issuing_state, number FROM del" CREG_DIRTY_LOCK ")");
static const char creg_reg_remove_sql[] =
	CREG_REMOVE_SQL("registrations", "registration", "");
static const char creg_officer_remove_sql[] =
	CREG_REMOVE_SQL("officers", "officer", "");

/* loaded_at from clock_timestamp(): two versions loaded in one
 * transaction still have an order. */
static const char creg_policy_load_sql[] =
	"WITH ins AS ("
	" INSERT INTO policy_versions (version, yaml, loaded_at, loaded_by)"
	" VALUES ($1::text, $2::text, clock_timestamp(), $3::text)"
	" ON CONFLICT (version) DO NOTHING RETURNING version)"
	CREG_CHANGE
	" SELECT $3::text, 'load', 'policy', ins.version,"
	"  jsonb_build_object('version', ins.version,"
	"  'bytes', octet_length($2::text))"
	" FROM ins RETURNING id";

static const char creg_policy_same_sql[] =
	"SELECT yaml = $2::text FROM policy_versions WHERE version = $1::text";

static const char creg_policy_get_sql[] =
	"SELECT version, yaml FROM policy_versions"
	" WHERE $1::text IS NULL OR version = $1::text"
	" ORDER BY loaded_at DESC, version DESC LIMIT 1";

static const char creg_post_cn_sql[] =
	"SELECT code FROM posts WHERE cert_cn = $1::text AND code <> $2::text";

/* A NULL name keeps the stored one (or "" for a new post). Enrolling again
 * replaces the certificate and makes a revoked post active. */
static const char creg_post_enrol_sql[] =
	"WITH up AS ("
	" INSERT INTO posts AS t (code, name, cert_cn, cert_sha256, status,"
	"  enrolled_at, enrolled_by, revoked_at, revoked_by)"
	" VALUES ($1::text, COALESCE($2::text, ''), $3::text, $4::text,"
	"  'active', now(), $5::text, NULL, NULL)"
	" ON CONFLICT (code) DO UPDATE SET name = COALESCE($2::text, t.name),"
	"  cert_cn = EXCLUDED.cert_cn, cert_sha256 = EXCLUDED.cert_sha256,"
	"  status = 'active', enrolled_at = EXCLUDED.enrolled_at,"
	"  enrolled_by = EXCLUDED.enrolled_by, revoked_at = NULL,"
	"  revoked_by = NULL"
	" WHERE (t.name, t.cert_cn, t.cert_sha256, t.status)"
	"  IS DISTINCT FROM (COALESCE($2::text, t.name), EXCLUDED.cert_cn,"
	"  EXCLUDED.cert_sha256, 'active')"
	" RETURNING *)"
	CREG_CHANGE
	" SELECT $5::text, 'enrol', 'post', up.code,"
	"  jsonb_build_object('name', up.name, 'cert_cn', up.cert_cn,"
	"  'cert_sha256', up.cert_sha256)"
	" FROM up RETURNING id";

static const char creg_post_revoke_sql[] =
	"WITH up AS ("
	" UPDATE posts SET status = 'revoked', revoked_at = now(),"
	"  revoked_by = $2::text"
	" WHERE code = $1::text AND status = 'active' RETURNING *)"
	CREG_CHANGE
	" SELECT $2::text, 'revoke', 'post', up.code,"
	"  jsonb_build_object('cert_cn', up.cert_cn,"
	"  'cert_sha256', up.cert_sha256)"
	" FROM up RETURNING id";

/* A change row as its audit event: actor, subject "<kind>:<record>" and
 * detail {"op", "change", "values"} (a change row never holds a PIN). The
 * feed head is locked first (a no-op when this transaction already wrote
 * the feed): every transaction takes feed_head before audit_head, so two
 * that mix kinds with and without feed entries cannot deadlock. */
static const char creg_feed_lock_sql[] =
	"SELECT pos FROM feed_head FOR UPDATE";
static const char creg_change_audit_sql[] =
	"SELECT actor, kind || ':' || record,"
	" jsonb_build_object('op', action, 'change', id, 'values', detail)::text"
	" FROM changes WHERE id = $1::bigint";

static const char creg_post_exists_sql[] =
	"SELECT 1 FROM posts WHERE code = $1::text";

static const char creg_post_find_sql[] =
	"SELECT code, cert_sha256 = $2::text, status = 'revoked' FROM posts"
	" WHERE cert_cn = $1::text";

/*
 * Listings: $1 an id or NULL, then $2 a document number or NULL for the
 * kinds that have one, then the limit (NULL: none).
 */
#define CREG_TS(col)	"to_char(" col " AT TIME ZONE 'UTC',"	\
			" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define CREG_DATE(col)	"to_char(" col ", 'YYYY-MM-DD')"

static const char creg_da_list_sql[] =
	"SELECT id, issuing_state, number, reason, " CREG_DATE("since") ","
	" " CREG_TS("changed_at") ", changed_by FROM document_alerts"
	" WHERE ($1::text IS NULL OR id = $1::text)"
	" AND ($2::text IS NULL OR number = $2::text)"
	" ORDER BY id LIMIT $3::bigint";
static const char creg_pa_list_sql[] =
	"SELECT id, kind, surname, given_names, birth_date, nationality,"
	" " CREG_DATE("until") ", severity::text, source,"
	" " CREG_TS("changed_at") ", changed_by FROM person_alerts"
	" WHERE ($1::text IS NULL OR id = $1::text)"
	" ORDER BY id LIMIT $2::bigint";
static const char creg_permit_list_sql[] =
	"SELECT id, kind, issuing_state, number, nationality, surname,"
	" given_names, " CREG_DATE("birth_date") ","
	" " CREG_DATE("valid_from") ","
	" " CREG_DATE("valid_until") ", entries::text, entries_used::text,"
	" stay_days::text, employer, region, " CREG_TS("changed_at") ","
	" changed_by FROM permits"
	" WHERE ($1::text IS NULL OR id = $1::text)"
	" AND ($2::text IS NULL OR number = $2::text)"
	" ORDER BY id LIMIT $3::bigint";
static const char creg_reg_list_sql[] =
	"SELECT id, issuing_state, number, region, address, host,"
	" " CREG_DATE("valid_from") ", " CREG_DATE("valid_until") ","
	" " CREG_TS("changed_at") ", changed_by FROM registrations"
	" WHERE ($1::text IS NULL OR id = $1::text)"
	" AND ($2::text IS NULL OR number = $2::text)"
	" ORDER BY id LIMIT $3::bigint";
static const char creg_officer_list_sql[] =
	"SELECT id, name, active::text, " CREG_TS("changed_at") ", changed_by"
	" FROM officers WHERE ($1::text IS NULL OR id = $1::text)"
	" ORDER BY id LIMIT $2::bigint";
static const char creg_policy_list_sql[] =
	"SELECT version, bytes, " CREG_TS("loaded_at") ", loaded_by,"
	" current::text FROM (SELECT version,"
	"  octet_length(yaml)::text AS bytes,"
	"  loaded_at, loaded_by,"
	"  (row_number() OVER (ORDER BY loaded_at DESC, version DESC)) = 1"
	"  AS current FROM policy_versions) p"
	" WHERE ($1::text IS NULL OR version = $1::text)"
	" ORDER BY loaded_at, version LIMIT $2::bigint";
static const char creg_post_list_sql[] =
	"SELECT code, name, cert_cn, cert_sha256, status,"
	" " CREG_TS("enrolled_at") ", enrolled_by, " CREG_TS("revoked_at") ","
	" revoked_by FROM posts WHERE ($1::text IS NULL OR code = $1::text)"
	" ORDER BY code LIMIT $2::bigint";
static const char creg_changes_list_sql[] =
	"SELECT id, at, actor, action, kind, record, detail FROM ("
	" SELECT id::text AS id, " CREG_TS("at") " AS at, actor, action, kind,"
	"  record, detail::text AS detail, id AS n FROM changes"
	" WHERE ($1::text IS NULL OR kind = $1::text)"
	" AND ($2::text IS NULL OR record = $2::text)"
	" AND ($3::text IS NULL OR actor = $3::text)"
	" ORDER BY changes.id DESC LIMIT $4::bigint) c ORDER BY n";

static const char *const creg_da_cols[] = {
	"id", "issuing_state", "number", "reason", "since", "changed_at",
	"changed_by"
};
static const char *const creg_pa_cols[] = {
	"id", "kind", "surname", "given_names", "birth_date", "nationality",
	"until", "severity", "source", "changed_at", "changed_by"
};
static const char *const creg_permit_cols[] = {
	"id", "kind", "issuing_state", "number", "nationality", "surname",
	"given_names", "birth_date", "valid_from", "valid_until", "entries",
	"entries_used", "stay_days", "employer", "region", "changed_at",
	"changed_by"
};
static const char *const creg_reg_cols[] = {
	"id", "issuing_state", "number", "region", "address", "host",
	"valid_from", "valid_until", "changed_at", "changed_by"
};
static const char *const creg_officer_cols[] = {
	"id", "name", "active", "changed_at", "changed_by"
};
static const char *const creg_policy_cols[] = {
	"version", "bytes", "loaded_at", "loaded_by", "current"
};
static const char *const creg_post_cols[] = {
	"code", "name", "cert_cn", "cert_sha256", "status", "enrolled_at",
	"enrolled_by", "revoked_at", "revoked_by"
};
static const char *const creg_changes_cols[] = {
	"id", "at", "actor", "action", "kind", "record", "detail"
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct creg_listing {
	const char		*sql;
	const char *const	*cols;
	size_t			 ncols;
	int			 has_number;	/* by document number */
};

static const struct creg_listing creg_listings[] = {
	[CREG_DOCUMENT_ALERT] = { creg_da_list_sql, creg_da_cols,
	    NELEM(creg_da_cols), 1 },
	[CREG_PERSON_ALERT] = { creg_pa_list_sql, creg_pa_cols,
	    NELEM(creg_pa_cols), 0 },
	[CREG_PERMIT] = { creg_permit_list_sql, creg_permit_cols,
	    NELEM(creg_permit_cols), 1 },
	[CREG_REGISTRATION] = { creg_reg_list_sql, creg_reg_cols,
	    NELEM(creg_reg_cols), 1 },
	[CREG_OFFICER] = { creg_officer_list_sql, creg_officer_cols,
	    NELEM(creg_officer_cols), 0 },
	[CREG_POLICY] = { creg_policy_list_sql, creg_policy_cols,
	    NELEM(creg_policy_cols), 0 },
	[CREG_POST] = { creg_post_list_sql, creg_post_cols,
	    NELEM(creg_post_cols), 0 },
};

const char *
creg_kind_str(enum creg_kind kind)
{
	if ((int)kind < 1 || kind > CREG_KIND_MAX)
		return creg_kind_names[0];
	return creg_kind_names[kind];
}

int
creg_kind_parse(const char *s, enum creg_kind *out)
{
	int	k;

	if (s == NULL)
		return ERR_PARSE;
	for (k = 1; k <= CREG_KIND_MAX; k++)
		if (strcmp(s, creg_kind_names[k]) == 0) {
			*out = (enum creg_kind)k;
			return 0;
		}
	return ERR_PARSE;
}

/* Fill *err (may be NULL): field and message; returns rc. */
static int
creg_error(struct proto_error *err, int rc, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
creg_error(struct proto_error *err, int rc, const char *field,
    const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return rc;
	(void)snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * Runs a statement that returns rows; 0 and *out, or ERR_DB with the
 * failed result in *out (logged unless a unique violation, which is the
 * caller's to report). The caller PQclear()s *out either way.
 */
static int
creg_query(PGconn *conn, const char *what, const char *sql, int n,
    const char *const *params, PGresult **out)
{
	PGresult	*r;

	r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		/* A unique violation is the caller's to report. */
		if (!pgu_sqlstate(r, PGU_UNIQUE_VIOLATION))
			pgu_log_result(conn, "registry", what, r);
		*out = r;
		return ERR_DB;
	}
	*out = r;
	return 0;
}

int
creg_begin(PGconn *conn)
{
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		log_warnx("registry: BEGIN: a transaction is already open");
		return ERR_DB;
	}
	return pgu_command(conn, "registry", "BEGIN", "BEGIN");
}

int
creg_commit(PGconn *conn)
{
	/* COMMIT of a failed transaction answers "ROLLBACK", which is not
	 * success: pgu_command() checks the tag. */
	return pgu_command(conn, "registry", "COMMIT", "COMMIT");
}

int
creg_rollback(PGconn *conn)
{
	PGTransactionStatusType	st = PQtransactionStatus(conn);

	if (st != PQTRANS_INTRANS && st != PQTRANS_INERROR)
		return 0;
	return pgu_command(conn, "registry", "ROLLBACK", "ROLLBACK");
}

/* A mutator needs the caller's transaction, open and healthy. */
static int
creg_in_tx(PGconn *conn, struct proto_error *err)
{
	switch (PQtransactionStatus(conn)) {
	case PQTRANS_INTRANS:
		return 0;
	case PQTRANS_INERROR:
		return creg_error(err, ERR_DB, "", "the transaction failed "
		    "earlier and must be rolled back");
	default:
		return creg_error(err, ERR_INVAL, "", "no transaction is "
		    "open (creg_begin() first)");
	}
}

/*
 * The audit event of the change row a mutator's statement returned (its
 * first column is changes.id; no row: nothing changed, nothing to do), in
 * the caller's transaction. Called after any feedlog_append() of the same
 * change (one lock order: feed_head, then audit_head). 0, ERR_DB.
 */
static int
creg_audit(PGconn *conn, const char *what, const char *change_id)
{
	const char	*params[1];
	PGresult	*r;
	int		 rc;

	if (change_id == NULL || change_id[0] == '\0')
		return 0;
	if ((rc = creg_query(conn, what, creg_feed_lock_sql, 0, NULL,
	    &r)) != 0) {
		PQclear(r);
		return rc;
	}
	PQclear(r);
	params[0] = change_id;
	if ((rc = creg_query(conn, what, creg_change_audit_sql, 1, params,
	    &r)) != 0) {
		PQclear(r);
		return rc;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		log_warnx("registry: %s: change %s vanished", what, change_id);
		return ERR_DB;
	}
	rc = audit_append(conn, PQgetvalue(r, 0, 0), "change",
	    PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
	PQclear(r);
	if (rc != 0) {
		log_warnx("registry: %s: audit event not written: %s", what,
		    err_str(rc));
		return ERR_DB;
	}
	return 0;
}

/* changes.id from a mutator's result row 0 into buf ("" without rows). */
static void
creg_change_id(const PGresult *r, char buf[CREG_NUM_MAX])
{
	buf[0] = '\0';
	if (PQntuples(r) > 0)
		(void)snprintf(buf, CREG_NUM_MAX, "%s", PQgetvalue(r, 0, 0));
}

/*
 * 1 if s[0..len) is valid UTF-8 without control characters (C0, DEL, C1)
 * and not only spaces when nonblank.
 */
static int
creg_utf8_ok(const char *s, size_t len, int nonblank)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, k, n;
	uint32_t		 cp, min;
	int			 blank = 1;

	while (i < len) {
		if (p[i] < 0x80) {
			cp = p[i];
			n = 1;
			min = 0;
		} else if ((p[i] & 0xe0) == 0xc0) {
			cp = p[i] & 0x1f;
			n = 2;
			min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			cp = p[i] & 0x0f;
			n = 3;
			min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			cp = p[i] & 0x07;
			n = 4;
			min = 0x10000;
		} else
			return 0;
		if (n > len - i)
			return 0;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return 0;
		if (cp != 0x20 && cp != 0xa0)
			blank = 0;
		i += n;
	}
	return !(nonblank && blank);
}

/* A NUL-terminated text of min..max bytes (a buffer of sz bytes when it is
 * a struct member, else 0), valid UTF-8 without controls, not blank. */
static int
creg_check_text(const char *s, size_t sz, size_t min, size_t max,
    const char *field, struct proto_error *err)
{
	size_t	len;

	if (s == NULL)
		return creg_error(err, ERR_INVAL, field, "is missing");
	len = strnlen(s, sz != 0 ? sz : max + 1);
	if (len > max || (sz != 0 && len == sz))
		return creg_error(err, ERR_INVAL, field, "must be at most %zu "
		    "bytes", max);
	if (len < min)
		return creg_error(err, ERR_INVAL, field, "must not be empty");
	if (!creg_utf8_ok(s, len, min > 0))
		return creg_error(err, ERR_INVAL, field, "must be UTF-8 text "
		    "without control characters%s", min > 0 ?
		    ", not only spaces" : "");
	return 0;
}

static int
creg_check_actor(const char *actor, struct proto_error *err)
{
	return creg_check_text(actor, 0, 1, CREG_ACTOR_MAX, "actor", err);
}

/* s matches [set]{min,max} where set is upper, digits (and lower). */
static int
creg_check_chars(const char *s, size_t sz, size_t min, size_t max,
    int lower, int digits)
{
	size_t	i, len;

	if (s == NULL)
		return 0;
	len = strnlen(s, sz);
	if (len == sz || len < min || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		char	ch = s[i];

		if ((ch >= 'A' && ch <= 'Z') || (digits && ch >= '0' &&
		    ch <= '9') || (lower && ch >= 'a' && ch <= 'z'))
			continue;
		return 0;
	}
	return 1;
}

static int
creg_check_id(const char *id, struct proto_error *err)
{
	if (id == NULL || !feed_check_id(id, strnlen(id, FEED_ID_MAX + 1)))
		return creg_error(err, ERR_INVAL, "id", "must be 1..64 "
		    "characters A-Z, a-z, 0-9, \".\", \"_\", \":\" or \"-\"");
	return 0;
}

/* An officer id: [A-Za-z0-9._-]{1,32}, in a buffer of sz bytes. */
static int
creg_check_officer_id(const char *id, size_t sz, struct proto_error *err)
{
	size_t	len = id != NULL ? strnlen(id, sz) : 0;

	if (len == 0 || len == sz || len > PROTO_OFFICER_MAX ||
	    !feed_check_id(id, len) || memchr(id, ':', len) != NULL)
		return creg_error(err, ERR_INVAL, "id", "must be 1..32 "
		    "characters A-Z, a-z, 0-9, \".\", \"_\" or \"-\"");
	return 0;
}

/* A date "YYYY-MM-DD" in the years the feed allows; *days set. */
static int
creg_check_date(const char *s, size_t sz, const char *field, int64_t *days,
    struct proto_error *err)
{
	struct date	d;
	size_t		len = strnlen(s, sz);

	if (len == sz || date_parse_iso(&d, s, len) != 0 ||
	    d.year < FEED_YEAR_MIN || d.year > FEED_YEAR_MAX)
		return creg_error(err, ERR_INVAL, field, "must be a real date "
		    "YYYY-MM-DD in the years %d..%d", FEED_YEAR_MIN,
		    FEED_YEAR_MAX);
	*days = date_to_days(&d);
	return 0;
}

/*
 * Checks a feed entry with feed_check_entry() (pos 1 stands in for the
 * position feedlog_append() takes). The field is named as in the data
 * ("holder.number"), "id" for the id.
 */
static int
creg_check_entry(struct feed_entry *e, struct proto_error *err)
{
	struct proto_error	perr;
	const char		*f;

	e->pos = 1;
	memset(&perr, 0, sizeof(perr));
	if (feed_check_entry(e, &perr))
		return 0;
	f = perr.field;
	if (strncmp(f, "data.", 5) == 0)
		f += 5;
	return creg_error(err, ERR_INVAL, f, "%s", perr.message);
}

/* An integer parameter, or NULL (SQL null) for FEED_NULL. */
static const char *
creg_int_param(char buf[CREG_NUM_MAX], int32_t v)
{
	if (v == FEED_NULL)
		return NULL;
	(void)snprintf(buf, CREG_NUM_MAX, "%ld", (long)v);	/* fits */
	return buf;
}

/* A text parameter, or NULL (SQL null) for "". */
static const char *
creg_opt_param(const char *s)
{
	return s[0] == '\0' ? NULL : s;
}

/*
 * Runs a put: the statement writes the row and its change row and returns
 * one row if it changed anything, none if the record was already so. Then,
 * if it changed and e is not NULL, the feed entry, last.
 */
static int
creg_put_exec(PGconn *conn, const char *what, const char *lock,
    const char *sql, int n, const char *const *params, struct feed_entry *e,
    int *changed)
{
	PGresult	*r;
	char		 cid[CREG_NUM_MAX];
	int		 rc, did;

	/* params[0] is the id. */
	if (lock != NULL && (rc = creg_query(conn, what, lock, 1, params,
	    &r)) != 0) {
		PQclear(r);
		return rc;
	}
	if (lock != NULL)
		PQclear(r);
	if ((rc = creg_query(conn, what, sql, n, params, &r)) != 0) {
		PQclear(r);
		return rc;
	}
	did = PQntuples(r) > 0;
	creg_change_id(r, cid);
	PQclear(r);
	if (did && e != NULL && (rc = feedlog_append(conn, e)) != 0) {
		log_warnx("registry: %s: feed entry not written: %s", what,
		    err_str(rc));
		return rc;
	}
	if (did && (rc = creg_audit(conn, what, cid)) != 0)
		return rc;
	if (changed != NULL)
		*changed = did;
	return 0;
}

/* The common start of every mutator. */
static int
creg_start(PGconn *conn, const char *actor, int *changed,
    struct proto_error *err)
{
	int	rc;

	if (changed != NULL)
		*changed = 0;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if ((rc = creg_in_tx(conn, err)) != 0)
		return rc;
	return creg_check_actor(actor, err);
}

int
creg_document_alert_put(PGconn *conn, const char *actor, const char *id,
    const struct feed_document_alert *a, int *changed,
    struct proto_error *err)
{
	struct feed_entry	 e;
	const char		*params[6];
	int			 rc;

	if ((rc = creg_start(conn, actor, changed, err)) != 0 ||
	    (rc = creg_check_id(id, err)) != 0)
		return rc;
	memset(&e, 0, sizeof(e));
	e.op = FEED_UPSERT;
	e.kind = FEED_DOCUMENT_ALERT;
	memcpy(e.id, id, strlen(id) + 1);
	e.data.document_alert = *a;
	if ((rc = creg_check_entry(&e, err)) != 0)
		return rc;
	params[0] = id;
	params[1] = a->issuing_state;
	params[2] = a->number;
	params[3] = feed_reason_str(a->reason);
	params[4] = a->since;
	params[5] = actor;
	return creg_put_exec(conn, "put document alert", NULL,
	    creg_da_put_sql, 6, params, &e, changed);
}

int
creg_person_alert_put(PGconn *conn, const char *actor, const char *id,
    const struct feed_person_alert *a, int *changed, struct proto_error *err)
{
	struct feed_entry	 e;
	const char		*params[10];
	char			 sev[CREG_NUM_MAX];
	int			 rc;

	if ((rc = creg_start(conn, actor, changed, err)) != 0 ||
	    (rc = creg_check_id(id, err)) != 0)
		return rc;
	memset(&e, 0, sizeof(e));
	e.op = FEED_UPSERT;
	e.kind = FEED_PERSON_ALERT;
	memcpy(e.id, id, strlen(id) + 1);
	e.data.person_alert = *a;
	if ((rc = creg_check_entry(&e, err)) != 0)
		return rc;
	params[0] = id;
	params[1] = feed_alert_kind_str(a->kind);
	params[2] = a->surname;
	params[3] = a->given_names;
	params[4] = a->birth_date;
	params[5] = a->nationality;
	params[6] = creg_opt_param(a->until);
	params[7] = creg_int_param(sev, a->severity);
	params[8] = a->source;
	params[9] = actor;
	return creg_put_exec(conn, "put person alert", NULL,
	    creg_pa_put_sql, 10, params, &e, changed);
}

int
creg_permit_put(PGconn *conn, const char *actor, const char *id,
    const struct feed_permit *p, int *changed, struct proto_error *err)
{
	struct feed_entry	 e;
	const char		*params[16];
	char			 entries[CREG_NUM_MAX], used[CREG_NUM_MAX];
	char			 days[CREG_NUM_MAX];
	int			 rc;

	if ((rc = creg_start(conn, actor, changed, err)) != 0 ||
	    (rc = creg_check_id(id, err)) != 0)
		return rc;
	memset(&e, 0, sizeof(e));
	e.op = FEED_UPSERT;
	e.kind = FEED_PERMIT;
	memcpy(e.id, id, strlen(id) + 1);
	e.data.permit = *p;
	if ((rc = creg_check_entry(&e, err)) != 0)
		return rc;
	params[0] = id;
	params[1] = policy_permit_name(p->kind);
	params[2] = p->holder.issuing_state;
	params[3] = p->holder.number;
	params[4] = p->holder.nationality;
	params[5] = p->holder.surname;
	params[6] = p->holder.given_names;
	params[7] = p->holder.birth_date;
	params[8] = p->valid_from;
	params[9] = p->valid_until;
	params[10] = creg_int_param(entries, p->entries);
	params[11] = creg_int_param(used, p->entries_used);
	params[12] = creg_int_param(days, p->stay_days);
	params[13] = creg_opt_param(p->employer);
	params[14] = creg_opt_param(p->region);
	params[15] = actor;
	return creg_put_exec(conn, "put permit", creg_permit_lock_sql,
	    creg_permit_put_sql, 16,
	    params, &e, changed);
}

int
creg_registration_put(PGconn *conn, const char *actor,
    const struct creg_registration *r, int *changed, struct proto_error *err)
{
	const char	*params[9];
	int64_t		 from, until;
	int		 rc;

	if ((rc = creg_start(conn, actor, changed, err)) != 0)
		return rc;
	if (strnlen(r->id, sizeof(r->id)) == sizeof(r->id))
		return creg_check_id(NULL, err);
	if ((rc = creg_check_id(r->id, err)) != 0)
		return rc;
	if (!creg_check_chars(r->issuing_state, sizeof(r->issuing_state), 1,
	    PROTO_STATE_MAX, 0, 0))
		return creg_error(err, ERR_INVAL, "issuing_state",
		    "must be 1..3 letters A-Z");
	if (!creg_check_chars(r->number, sizeof(r->number), 1,
	    PROTO_DOCNUM_MAX, 0, 1))
		return creg_error(err, ERR_INVAL, "number", "must be 1..24 "
		    "characters A-Z or 0-9");
	if ((rc = creg_check_text(r->region, sizeof(r->region), 1,
	    CREG_TEXT_MAX, "region", err)) != 0 ||
	    (rc = creg_check_text(r->address, sizeof(r->address), 1,
	    CREG_ADDRESS_MAX, "address", err)) != 0 ||
	    (rc = creg_check_text(r->host, sizeof(r->host), 1,
	    CREG_TEXT_MAX, "host", err)) != 0 ||
	    (rc = creg_check_date(r->valid_from, sizeof(r->valid_from),
	    "valid_from", &from, err)) != 0 ||
	    (rc = creg_check_date(r->valid_until, sizeof(r->valid_until),
	    "valid_until", &until, err)) != 0)
		return rc;
	if (until < from)
		return creg_error(err, ERR_INVAL, "valid_until", "must not be "
		    "before valid_from");
	params[0] = r->id;
	params[1] = r->issuing_state;
	params[2] = r->number;
	params[3] = r->region;
	params[4] = r->address;
	params[5] = r->host;
	params[6] = r->valid_from;
	params[7] = r->valid_until;
	params[8] = actor;
	return creg_put_exec(conn, "put registration", NULL,
	    creg_reg_put_sql, 9, params, NULL, changed);
}

int
creg_officer_put(PGconn *conn, const char *actor,
    const struct feed_officer *o, int *changed, struct proto_error *err)
{
	struct feed_entry	 e;
	const char		*params[5];
	size_t			 len;
	int			 rc;

	if ((rc = creg_start(conn, actor, changed, err)) != 0 ||
	    (rc = creg_check_officer_id(o->id, sizeof(o->id), err)) != 0)
		return rc;
	len = strlen(o->id);
	memset(&e, 0, sizeof(e));
	e.op = FEED_UPSERT;
	e.kind = FEED_OFFICER;
	memcpy(e.id, o->id, len + 1);
	e.data.officer = *o;
	if ((rc = creg_check_entry(&e, err)) != 0)
		return rc;
	params[0] = o->id;
	params[1] = o->name;
	params[2] = o->pin_hash;
	params[3] = o->active ? "true" : "false";
	params[4] = actor;
	return creg_put_exec(conn, "put officer", creg_officer_lock_sql,
	    creg_officer_put_sql, 5,
	    params, &e, changed);
}

int
creg_officer_set_active(PGconn *conn, const char *actor, const char *id,
    int active, int *changed, struct proto_error *err)
{
	struct feed_officer	 o;
	const char		*params[1];
	PGresult		*r;
	size_t			 len;
	int			 rc;

	if ((rc = creg_start(conn, actor, changed, err)) != 0 ||
	    (rc = creg_check_officer_id(id, PROTO_OFFICER_MAX + 1, err)) != 0)
		return rc;
	len = strlen(id);
	params[0] = id;
	if ((rc = creg_query(conn, "get officer", creg_officer_get_sql, 1,
	    params, &r)) != 0) {
		PQclear(r);
		return rc;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return creg_error(err, ERR_NOTFOUND, "id", "no officer \"%s\"",
		    id);
	}
	memset(&o, 0, sizeof(o));
	memcpy(o.id, id, len + 1);
	(void)snprintf(o.name, sizeof(o.name), "%s", PQgetvalue(r, 0, 0));
	(void)snprintf(o.pin_hash, sizeof(o.pin_hash), "%s",
	    PQgetvalue(r, 0, 1));
	o.active = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	PQclear(r);
	if (o.active == (active != 0))
		return 0;
	o.active = active != 0;
	rc = creg_officer_put(conn, actor, &o, changed, err);
	explicit_bzero(&o, sizeof(o));
	return rc;
}

int
creg_remove(PGconn *conn, const char *actor, enum creg_kind kind,
    const char *id, struct proto_error *err)
{
	struct feed_entry	 e;
	const char		*params[2], *sql;
	enum feed_kind		 fk = 0;
	PGresult		*r;
	char			 cid[CREG_NUM_MAX];
	int			 rc, found;

	if ((rc = creg_start(conn, actor, NULL, err)) != 0)
		return rc;
	switch (kind) {
	case CREG_DOCUMENT_ALERT:
		sql = creg_da_remove_sql;
		fk = FEED_DOCUMENT_ALERT;
		break;
	case CREG_PERSON_ALERT:
		sql = creg_pa_remove_sql;
		fk = FEED_PERSON_ALERT;
		break;
	case CREG_PERMIT:
		sql = creg_permit_remove_sql;
		fk = FEED_PERMIT;
		break;
	case CREG_REGISTRATION:
		sql = creg_reg_remove_sql;
		break;
	case CREG_OFFICER:
		sql = creg_officer_remove_sql;
		fk = FEED_OFFICER;
		break;
	default:
		return creg_error(err, ERR_INVAL, "kind", "%s records cannot "
		    "be removed", creg_kind_str(kind));
	}
	if ((rc = creg_check_id(id, err)) != 0)
		return rc;
	if (fk != 0) {
		memset(&e, 0, sizeof(e));
		e.op = FEED_DELETE;
		e.kind = fk;
		memcpy(e.id, id, strlen(id) + 1);
		if ((rc = creg_check_entry(&e, err)) != 0)
			return rc;
	}
	params[0] = id;
	params[1] = actor;
	if ((rc = creg_query(conn, "remove", sql, 2, params, &r)) != 0) {
		PQclear(r);
		return rc;
	}
	found = PQntuples(r) > 0;
	creg_change_id(r, cid);
	PQclear(r);
	if (!found)
		return creg_error(err, ERR_NOTFOUND, "id", "no %s \"%s\"",
		    creg_kind_str(kind), id);
	if (fk != 0 && (rc = feedlog_append(conn, &e)) != 0) {
		log_warnx("registry: remove %s: feed entry not written: %s",
		    creg_kind_str(kind), err_str(rc));
		return rc;
	}
	return creg_audit(conn, "remove", cid);
}

/* The first problem policy_load_buf() printed, without "policy:" in front
 * of the line number. */
static void
creg_policy_problem(const char *out, size_t outlen, char *buf, size_t bufsz)
{
	size_t	n = outlen;
	const char *nl;

	if ((nl = memchr(out, '\n', outlen)) != NULL)
		n = (size_t)(nl - out);
	if (n == 0) {
		(void)snprintf(buf, bufsz, "does not load");
		return;
	}
	(void)snprintf(buf, bufsz, "%.*s", (int)n, out);	/* may cut */
}

/* Loads the text to learn its version: ERR_INVAL with the first problem. */
static int
creg_policy_version(const char *yaml, size_t len,
    char version[FEED_POLICY_VERSION_MAX + 1], struct proto_error *err)
{
	struct policy	*pol = NULL;
	FILE		*fp;
	char		*out = NULL, msg[PROTO_MSG_MAX];
	size_t		 outlen = 0;
	int		 rc;

	if ((fp = open_memstream(&out, &outlen)) == NULL)
		return ERR_NOMEM;
	rc = policy_load_buf(&pol, "policy", (const uint8_t *)yaml, len, fp);
	if (fclose(fp) != 0 && rc == 0)
		rc = ERR_NOMEM;
	if (rc == ERR_NOMEM) {
		policy_free(pol);
		free(out);
		return ERR_NOMEM;
	}
	if (rc != 0) {
		creg_policy_problem(out != NULL ? out : "", outlen, msg,
		    sizeof(msg));
		free(out);
		return creg_error(err, ERR_INVAL, "yaml", "is not a valid "
		    "policy: %s", msg);
	}
	free(out);
	(void)snprintf(version, FEED_POLICY_VERSION_MAX + 1, "%s",
	    pol->version);
	policy_free(pol);
	return 0;
}

int
creg_policy_load(PGconn *conn, const char *actor, const char *yaml,
    size_t len, char version[FEED_POLICY_VERSION_MAX + 1], int *changed,
    struct proto_error *err)
{
	struct feed_entry	 e;
	const char		*params[3];
	char			*text = NULL;
	char			 ver[FEED_POLICY_VERSION_MAX + 1];
	char			 cid[CREG_NUM_MAX];
	PGresult		*r;
	int			 rc, did, same;

	if ((rc = creg_start(conn, actor, changed, err)) != 0)
		return rc;
	if (yaml == NULL || len == 0)
		return creg_error(err, ERR_INVAL, "yaml", "is empty");
	if (len > FEED_YAML_MAX)
		return creg_error(err, ERR_INVAL, "yaml", "must be at most %u "
		    "bytes", (unsigned)FEED_YAML_MAX);
	if (memchr(yaml, '\0', len) != NULL)
		return creg_error(err, ERR_INVAL, "yaml", "contains a NUL "
		    "byte");
	if ((rc = creg_policy_version(yaml, len, ver, err)) != 0)
		return rc;
	if ((text = malloc(len + 1)) == NULL)
		return ERR_NOMEM;
	memcpy(text, yaml, len);
	text[len] = '\0';
	memset(&e, 0, sizeof(e));
	e.op = FEED_UPSERT;
	e.kind = FEED_POLICY;
	memcpy(e.id, "policy", sizeof("policy"));
	memcpy(e.data.policy.version, ver, sizeof(ver));
	e.data.policy.yaml = text;
	e.data.policy.yaml_len = len;
	if ((rc = creg_check_entry(&e, err)) != 0)
		goto done;

	params[0] = ver;
	params[1] = text;
	params[2] = actor;
	if ((rc = creg_query(conn, "load policy", creg_policy_load_sql, 3,
	    params, &r)) != 0) {
		PQclear(r);
		goto done;
	}
	did = PQntuples(r) > 0;
	creg_change_id(r, cid);
	PQclear(r);
	if (!did) {
		/* The version is there: the same text is no change. */
		if ((rc = creg_query(conn, "load policy", creg_policy_same_sql,
		    2, params, &r)) != 0) {
			PQclear(r);
			goto done;
		}
		same = PQntuples(r) == 1 &&
		    strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (!same) {
			rc = creg_error(err, ERR_CONFLICT, "version", "policy "
			    "version \"%s\" is already loaded with a different "
			    "text: give the new text a new version", ver);
			goto done;
		}
	} else if ((rc = feedlog_append(conn, &e)) != 0) {
		log_warnx("registry: load policy: feed entry not written: %s",
		    err_str(rc));
		goto done;
	} else if ((rc = creg_audit(conn, "load policy", cid)) != 0)
		goto done;
	if (changed != NULL)
		*changed = did;
	if (version != NULL)
		memcpy(version, ver, sizeof(ver));
	rc = 0;
done:
	free(text);
	return rc;
}

int
creg_policy_get(PGconn *conn, const char *version, char **yaml, size_t *len,
    char version_out[FEED_POLICY_VERSION_MAX + 1])
{
	const char	*params[1] = { version };
	PGresult	*r;
	char		*text;
	size_t		 n;
	int		 rc;

	if ((rc = creg_query(conn, "get policy", creg_policy_get_sql, 1,
	    params, &r)) != 0) {
		PQclear(r);
		return rc;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ERR_NOTFOUND;
	}
	n = (size_t)PQgetlength(r, 0, 1);
	if ((text = malloc(n + 1)) == NULL) {
		PQclear(r);
		return ERR_NOMEM;
	}
	memcpy(text, PQgetvalue(r, 0, 1), n);
	text[n] = '\0';
	if (version_out != NULL)
		(void)snprintf(version_out, FEED_POLICY_VERSION_MAX + 1, "%s",
		    PQgetvalue(r, 0, 0));
	PQclear(r);
	*yaml = text;
	*len = n;
	return 0;
}

/* A post code: [A-Z0-9]{2,16}. */
static int
creg_check_post_code(const char *code, struct proto_error *err)
{
	if (!creg_check_chars(code, PROTO_POST_MAX + 1, 2, PROTO_POST_MAX, 0,
	    1))
		return creg_error(err, ERR_INVAL, "code", "must be 2..16 "
		    "characters A-Z or 0-9");
	return 0;
}

int
creg_post_enrol(PGconn *conn, const char *actor, const char *code,
    const char *name, const char *cert_cn, const char *cert_sha256_hex,
    int *changed, struct proto_error *err)
{
	const char	*params[5];
	char		 hex[CREG_SHA256_HEX + 1], cid[CREG_NUM_MAX];
	PGresult	*r;
	size_t		 i, len;
	int		 rc, did;

	if ((rc = creg_start(conn, actor, changed, err)) != 0 ||
	    (rc = creg_check_post_code(code, err)) != 0)
		return rc;
	if (name != NULL && (rc = creg_check_text(name, 0, 0, CREG_TEXT_MAX,
	    "name", err)) != 0)
		return rc;
	len = cert_cn != NULL ? strnlen(cert_cn, CREG_CN_MAX + 1) : 0;
	if (len < 1 || len > CREG_CN_MAX)
		return creg_error(err, ERR_INVAL, "cert_cn", "must be 1..%d "
		    "characters", CREG_CN_MAX);
	for (i = 0; i < len; i++)
		if (cert_cn[i] < ' ' || cert_cn[i] > '~')
			return creg_error(err, ERR_INVAL, "cert_cn", "must be "
			    "printable ASCII");
	len = cert_sha256_hex != NULL ?
	    strnlen(cert_sha256_hex, CREG_SHA256_HEX + 1) : 0;
	if (len != CREG_SHA256_HEX)
		return creg_error(err, ERR_INVAL, "cert_sha256", "must be 64 "
		    "hexadecimal digits (the SHA-256 of the certificate's "
		    "DER)");
	for (i = 0; i < len; i++) {
		char	ch = cert_sha256_hex[i];

		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' &&
		    ch <= 'f')))
			return creg_error(err, ERR_INVAL, "cert_sha256",
			    "must be 64 hexadecimal digits (the SHA-256 of "
			    "the certificate's DER)");
		hex[i] = ch;
	}
	hex[len] = '\0';

	params[0] = cert_cn;
	params[1] = code;
	if ((rc = creg_query(conn, "enrol post", creg_post_cn_sql, 2, params,
	    &r)) != 0) {
		PQclear(r);
		return rc;
	}
	if (PQntuples(r) > 0) {
		rc = creg_error(err, ERR_CONFLICT, "cert_cn", "certificate CN "
		    "\"%s\" is bound to post %s", cert_cn, PQgetvalue(r, 0, 0));
		PQclear(r);
		return rc;
	}
	PQclear(r);

	params[0] = code;
	params[1] = name;
	params[2] = cert_cn;
	params[3] = hex;
	params[4] = actor;
	if ((rc = creg_query(conn, "enrol post", creg_post_enrol_sql, 5,
	    params, &r)) != 0) {
		/* Another transaction bound the CN meanwhile. */
		if (pgu_sqlstate(r, PGU_UNIQUE_VIOLATION))
			rc = creg_error(err, ERR_CONFLICT, "cert_cn",
			    "certificate CN \"%s\" is bound to another post",
			    cert_cn);
		PQclear(r);
		return rc;
	}
	did = PQntuples(r) > 0;
	creg_change_id(r, cid);
	PQclear(r);
	if (did && (rc = creg_audit(conn, "enrol post", cid)) != 0)
		return rc;
	if (changed != NULL)
		*changed = did;
	return 0;
}

int
creg_post_revoke(PGconn *conn, const char *actor, const char *code,
    int *changed, struct proto_error *err)
{
	const char	*params[2];
	PGresult	*r;
	char		 cid[CREG_NUM_MAX];
	int		 rc, did;

	if ((rc = creg_start(conn, actor, changed, err)) != 0 ||
	    (rc = creg_check_post_code(code, err)) != 0)
		return rc;
	params[0] = code;
	params[1] = actor;
	if ((rc = creg_query(conn, "revoke post", creg_post_revoke_sql, 2,
	    params, &r)) != 0) {
		PQclear(r);
		return rc;
	}
	did = PQntuples(r) > 0;
	creg_change_id(r, cid);
	PQclear(r);
	if (did && (rc = creg_audit(conn, "revoke post", cid)) != 0)
		return rc;
	if (!did) {
		if ((rc = creg_query(conn, "revoke post", creg_post_exists_sql,
		    1, params, &r)) != 0) {
			PQclear(r);
			return rc;
		}
		did = PQntuples(r);
		PQclear(r);
		if (did == 0)
			return creg_error(err, ERR_NOTFOUND, "code", "no post "
			    "\"%s\"", code);
		return 0;	/* already revoked */
	}
	if (changed != NULL)
		*changed = 1;
	return 0;
}

int
creg_post_find(PGconn *conn, const char *cn,
    const uint8_t sha256[CREG_SHA256_LEN], char code[PROTO_POST_MAX + 1],
    int *revoked)
{
	static const char	 digits[] = "0123456789abcdef";
	const char		*params[2];
	char			 hex[CREG_SHA256_HEX + 1];
	PGresult		*r;
	size_t			 i, len;
	int			 rc;

	len = cn != NULL ? strnlen(cn, CREG_CN_MAX + 1) : 0;
	if (len < 1 || len > CREG_CN_MAX)
		return ERR_NOTFOUND;
	for (i = 0; i < CREG_SHA256_LEN; i++) {
		hex[2 * i] = digits[sha256[i] >> 4];
		hex[2 * i + 1] = digits[sha256[i] & 15];
	}
	hex[CREG_SHA256_HEX] = '\0';
	params[0] = cn;
	params[1] = hex;
	if ((rc = creg_query(conn, "find post", creg_post_find_sql, 2, params,
	    &r)) != 0) {
		PQclear(r);
		return rc;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ERR_NOTFOUND;
	}
	if (strcmp(PQgetvalue(r, 0, 1), "t") != 0 ||
	    PQgetlength(r, 0, 0) > PROTO_POST_MAX) {
		PQclear(r);
		return ERR_AUTH;
	}
	memcpy(code, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0) + 1);
	*revoked = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	PQclear(r);
	return 0;
}

/* End a streamed query early: cancel it if it still runs, and drain. */
static void
creg_stream_abort(PGconn *conn, int cancel_it)
{
	PGcancel	*cancel;
	PGresult	*r;
	char		 errbuf[256];

	if (cancel_it && (cancel = PQgetCancel(conn)) != NULL) {
		/* If the cancel fails, draining still ends the query. */
		(void)PQcancel(cancel, errbuf, sizeof(errbuf));
		PQfreeCancel(cancel);
	}
	while ((r = PQgetResult(conn)) != NULL)
		PQclear(r);
}

/* Streams the rows of sql to cb, ncols text values each. */
static int
creg_stream(PGconn *conn, const char *what, const char *sql, int n,
    const char *const *params, size_t ncols, creg_row_fn cb, void *arg)
{
	const char	*vals[32];
	PGresult	*r;
	size_t		 i;
	int		 rc = 0, done = 0, stopped = 0, row;

	if (ncols > NELEM(vals))
		return ERR_INVAL;
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		log_warnx("registry: %s: the connection is busy in a "
		    "transaction", what);
		return ERR_DB;
	}
	if (!PQsendQueryParams(conn, sql, n, NULL, params, NULL, NULL, 0)) {
		pgu_log_result(conn, "registry", what, NULL);
		return ERR_DB;
	}
	if (!PQsetSingleRowMode(conn))
		log_debug("registry: single-row mode unavailable");
	while (!done && (r = PQgetResult(conn)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			if ((size_t)PQnfields(r) != ncols) {
				log_warnx("registry: %s: %d columns", what,
				    PQnfields(r));
				rc = ERR_DB;
				done = 1;
				break;
			}
			for (row = 0; row < PQntuples(r) && rc == 0; row++) {
				for (i = 0; i < ncols; i++)
					vals[i] = PQgetvalue(r, row, (int)i);
				rc = cb(arg, ncols, vals);
			}
			if (rc != 0)
				done = stopped = 1;
			break;
		default:
			pgu_log_result(conn, "registry", what, r);
			rc = ERR_DB;
			done = 1;
			break;
		}
		PQclear(r);
	}
	if (done)
		creg_stream_abort(conn, stopped);
	return rc;
}

/* The limit as a parameter: NULL for none. */
static int
creg_limit_param(long long limit, char buf[CREG_NUM_MAX], const char **out)
{
	int	n;

	if (limit < 0)
		return ERR_INVAL;
	if (limit == 0) {
		*out = NULL;
		return 0;
	}
	n = snprintf(buf, CREG_NUM_MAX, "%lld", limit);
	if (n < 0 || n >= CREG_NUM_MAX)
		return ERR_INVAL;
	*out = buf;
	return 0;
}

const char *const *
creg_list_columns(enum creg_kind kind, size_t *ncols)
{
	if ((int)kind < 1 || kind > CREG_KIND_MAX)
		return NULL;
	*ncols = creg_listings[kind].ncols;
	return creg_listings[kind].cols;
}

int
creg_list(PGconn *conn, enum creg_kind kind, const struct creg_filter *f,
    creg_row_fn cb, void *arg)
{
	const struct creg_listing	*l;
	const char			*params[3];
	char				 limit[CREG_NUM_MAX];
	int				 n = 0, rc;

	if ((int)kind < 1 || kind > CREG_KIND_MAX)
		return ERR_INVAL;
	l = &creg_listings[kind];
	params[n++] = f != NULL ? f->id : NULL;
	if (l->has_number)
		params[n++] = f != NULL ? f->number : NULL;
	else if (f != NULL && f->number != NULL)
		return ERR_INVAL;
	if ((rc = creg_limit_param(f != NULL ? f->limit : 0, limit,
	    &params[n])) != 0)
		return rc;
	n++;
	return creg_stream(conn, "list", l->sql, n, params, l->ncols, cb, arg);
}

const char *const *
creg_changes_columns(size_t *ncols)
{
	*ncols = NELEM(creg_changes_cols);
	return creg_changes_cols;
}

int
creg_changes_list(PGconn *conn, const struct creg_change_filter *f,
    creg_row_fn cb, void *arg)
{
	const char	*params[4] = { NULL, NULL, NULL, NULL };
	char		 limit[CREG_NUM_MAX];
	int		 rc;

	if (f != NULL) {
		params[0] = f->kind;
		params[1] = f->record;
		params[2] = f->actor;
	}
	if ((rc = creg_limit_param(f != NULL ? f->limit : 0, limit,
	    &params[3])) != 0)
		return rc;
	return creg_stream(conn, "list changes", creg_changes_list_sql, 4,
	    params, NELEM(creg_changes_cols), cb, arg);
}
