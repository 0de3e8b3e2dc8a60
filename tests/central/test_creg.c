/* test_creg.c - central/creg.c against a real PostgreSQL: each put and
 * remove writes the row, a change row naming the actor and (for what posts
 * need) a feed entry that decodes to what was put; a put of what is stored
 * writes nothing; invalid input is refused naming the field, with nothing
 * written; a rolled back transaction leaves no trace, not even in the feed
 * head; posts enrol, are found by certificate and are revoked; a policy
 * version names one text forever. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creg.h"
#include "db.h"
#include "err.h"
#include "feed.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "pinhash.h"
#include "proto.h"

#define ACTOR	"admin.aliya"

struct fx {
	char		 conninfo[640];
	struct db	*db;
	PGconn		*conn;
};

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_creg", LOGL_WARN);
	return pgt_start();
}

static int
group_teardown(void **state)
{
	(void)state;
	pgt_stop();
	return 0;
}

static int
setup(void **state)
{
	struct fx	*fx;
	FILE		*devnull;
	int		 rc;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	if (pgt_newdb(fx->conninfo, sizeof(fx->conninfo)) != 0 ||
	    (fx->db = db_new(fx->conninfo)) == NULL ||
	    (devnull = fopen("/dev/null", "w")) == NULL) {
		free(fx);
		return -1;
	}
	rc = migrate_apply(fx->db, devnull, stderr);
	fclose(devnull);
	if (rc != 0 || db_connect(fx->db) != 0) {
		db_free(fx->db);
		free(fx);
		return -1;
	}
	fx->conn = db_pgconn(fx->db);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	db_free(fx->db);
	free(fx);
	return 0;
}

/* A one-value query on a separate connection: sees only what committed. */
static long
q_num(struct fx *fx, const char *sql)
{
	char	 buf[64], *end;
	long	 v;

	assert_int_equal(pgt_query1(fx->conninfo, sql, buf, sizeof(buf)), 0);
	v = strtol(buf, &end, 10);
	assert_true(end != buf && *end == '\0');
	return v;
}

static void
q_str(struct fx *fx, const char *sql, char *buf, size_t bufsz)
{
	assert_int_equal(pgt_query1(fx->conninfo, sql, buf, bufsz), 0);
}

static long
feed_head(struct fx *fx)
{
	return q_num(fx, "SELECT pos FROM feed_head");
}

/* Rows of the registry, the change log and the feed, all together: a
 * refused or rolled back change leaves it exactly as it was. */
static long
footprint(struct fx *fx)
{
	return q_num(fx, "SELECT (SELECT count(*) FROM document_alerts) +"
	    " (SELECT count(*) FROM person_alerts) +"
	    " (SELECT count(*) FROM permits) +"
	    " (SELECT count(*) FROM registrations) +"
	    " (SELECT count(*) FROM officers) +"
	    " (SELECT count(*) FROM posts) +"
	    " (SELECT count(*) FROM policy_versions) +"
	    " (SELECT count(*) FROM stay_dirty) +"
	    " (SELECT count(*) FROM changes) * 1000 +"
	    " (SELECT count(*) FROM feed_log) * 1000000 +"
	    " (SELECT pos FROM feed_head) * 1000000000");
}

static void
begin(struct fx *fx)
{
	assert_int_equal(creg_begin(fx->conn), 0);
}

static void
commit(struct fx *fx)
{
	assert_int_equal(creg_commit(fx->conn), 0);
}

static void
set(char *dst, size_t sz, const char *s)
{
	int	n = snprintf(dst, sz, "%s", s);

	assert_true(n >= 0 && (size_t)n < sz);
}
#define SET(dst, s)	set((dst), sizeof(dst), (s))

static void
mk_da(struct feed_document_alert *a, const char *number)
{
	memset(a, 0, sizeof(*a));
	SET(a->issuing_state, "KAZ");
	SET(a->number, number);
	a->reason = FEED_STOLEN;
	SET(a->since, "2026-01-02");
}

static void
mk_pa(struct feed_person_alert *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = FEED_ENTRY_BAN;
	SET(a->surname, "ИВАНОВ");
	SET(a->given_names, "ПЁТР");
	SET(a->birth_date, "1980-05");
	SET(a->nationality, "");
	SET(a->until, "");
	a->severity = 4;
	SET(a->source, "court order 12/2025");
}

static void
mk_permit(struct feed_permit *p, const char *number)
{
	memset(p, 0, sizeof(*p));
	p->kind = POLICY_PERMIT_WORK;
	SET(p->holder.issuing_state, "UZB");
	SET(p->holder.number, number);
	SET(p->holder.nationality, "UZB");
	SET(p->holder.surname, "KARIMOV");
	SET(p->holder.given_names, "BOBUR");
	SET(p->holder.birth_date, "1995-03-04");
	SET(p->valid_from, "2026-01-01");
	SET(p->valid_until, "2026-12-31");
	p->entries = FEED_NULL;
	p->entries_used = 0;
	p->stay_days = FEED_NULL;
	SET(p->employer, "Almaty Build LLP");
	SET(p->region, "");
}

static void
mk_reg(struct creg_registration *r)
{
	memset(r, 0, sizeof(*r));
	SET(r->id, "reg-1");
	SET(r->issuing_state, "UZB");
	SET(r->number, "AB1234567");
	SET(r->region, "Almaty");
	SET(r->address, "Abay ave 10, apt 5");
	SET(r->host, "Almaty Build LLP");
	SET(r->valid_from, "2026-01-05");
	SET(r->valid_until, "2026-12-31");
}

/*
 * The feed entry stored at pos, decoded as a post would decode it (inside
 * a batch); the caller feed_batch_reset()s b.
 */
static void
feed_entry_at(struct fx *fx, long pos, struct feed_batch *b,
    struct feed_entry *e)
{
	char			 sql[128], *text, *json;
	struct proto_error	 err;
	size_t			 sz = FEED_YAML_MAX * 2;
	int			 n;

	assert_non_null(text = malloc(sz));
	assert_non_null(json = malloc(sz + 128));

	(void)snprintf(sql, sizeof(sql), "SELECT entry FROM feed_log WHERE "
	    "pos = %ld", pos);
	q_str(fx, sql, text, sz);
	n = snprintf(json, sz + 128, "{\"version\":1,\"from\":%ld,"
	    "\"to\":%ld,\"entries\":[%s]}", pos - 1, pos, text);
	assert_true(n > 0 && (size_t)n < sz + 128);
	free(text);
	memset(b, 0, sizeof(*b));
	b->entries = e;
	if (feed_decode_batch(b, 1, (const uint8_t *)json, (size_t)n,
	    &err) != 0)
		fail_msg("entry %ld does not decode: %s: %s", pos, err.field,
		    err.message);
	free(json);
	assert_int_equal(b->n, 1);
	assert_int_equal(e->pos, (uint64_t)pos);
}

static void
test_creg_document_alert_put(void **state)
{
	struct fx			*fx = *state;
	struct feed_document_alert	 a;
	struct feed_batch		 b;
	struct feed_entry		 e;
	struct proto_error		 err;
	char				 buf[512];
	int				 changed = -1;

	mk_da(&a, "N1234567");
	begin(fx);
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-1", &a,
	    &changed, &err), 0);
	assert_int_equal(changed, 1);
	commit(fx);

	/* The row, with who changed it. */
	q_str(fx, "SELECT issuing_state || ' ' || number || ' ' || reason ||"
	    " ' ' || since || ' ' || changed_by FROM document_alerts"
	    " WHERE id = 'da-1'", buf, sizeof(buf));
	assert_string_equal(buf, "KAZ N1234567 stolen 2026-01-02 " ACTOR);
	/* The change row: actor, action, the new values. */
	q_str(fx, "SELECT actor || ' ' || action || ' ' || kind || ' ' ||"
	    " record || ' ' || (detail->>'number') || ' ' ||"
	    " (detail->>'reason') FROM changes", buf, sizeof(buf));
	assert_string_equal(buf, ACTOR " put document_alert da-1 N1234567 "
	    "stolen");
	/* The feed entry, decoded as a post decodes it. */
	assert_int_equal(feed_head(fx), 1);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM feed_log WHERE"
	    " kind = 'document_alert' AND id = 'da-1' AND op = 'upsert'"), 1);
	feed_entry_at(fx, 1, &b, &e);
	assert_int_equal(e.op, FEED_UPSERT);
	assert_int_equal(e.kind, FEED_DOCUMENT_ALERT);
	assert_string_equal(e.id, "da-1");
	assert_string_equal(e.data.document_alert.number, "N1234567");
	assert_int_equal(e.data.document_alert.reason, FEED_STOLEN);
	assert_string_equal(e.data.document_alert.since, "2026-01-02");
	feed_batch_reset(&b);

	/* The same again: nothing written at all. */
	begin(fx);
	assert_int_equal(creg_document_alert_put(fx->conn, "someone.else",
	    "da-1", &a, &changed, &err), 0);
	assert_int_equal(changed, 0);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM changes"), 1);
	assert_int_equal(feed_head(fx), 1);
	q_str(fx, "SELECT changed_by FROM document_alerts", buf, sizeof(buf));
	assert_string_equal(buf, ACTOR);

	/* A change: a new row version, change and entry; the old entry is
	 * superseded. */
	a.reason = FEED_REVOKED;
	begin(fx);
	assert_int_equal(creg_document_alert_put(fx->conn, "someone.else",
	    "da-1", &a, &changed, &err), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM changes WHERE"
	    " actor = 'someone.else' AND detail->>'reason' = 'revoked'"), 1);
	assert_int_equal(feed_head(fx), 2);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM feed_log WHERE"
	    " superseded"), 1);
	feed_entry_at(fx, 2, &b, &e);
	assert_int_equal(e.data.document_alert.reason, FEED_REVOKED);
	feed_batch_reset(&b);
	q_str(fx, "SELECT reason || ' ' || changed_by FROM document_alerts",
	    buf, sizeof(buf));
	assert_string_equal(buf, "revoked someone.else");
}

static void
test_creg_person_alert_put(void **state)
{
	struct fx			*fx = *state;
	struct feed_person_alert	 a;
	struct feed_batch		 b;
	struct feed_entry		 e;
	char				 buf[512];
	int				 changed;

	mk_pa(&a);
	begin(fx);
	assert_int_equal(creg_person_alert_put(fx->conn, ACTOR, "pa-7", &a,
	    &changed, NULL), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	/* Unknown nationality is "", no end date is null. */
	q_str(fx, "SELECT surname || '|' || given_names || '|' || birth_date ||"
	    " '|' || nationality || '|' || (until IS NULL) || '|' || severity"
	    " FROM person_alerts", buf, sizeof(buf));
	assert_string_equal(buf, "ИВАНОВ|ПЁТР|1980-05||true|4");
	feed_entry_at(fx, 1, &b, &e);
	assert_int_equal(e.kind, FEED_PERSON_ALERT);
	assert_string_equal(e.data.person_alert.surname, "ИВАНОВ");
	assert_string_equal(e.data.person_alert.until, "");
	feed_batch_reset(&b);

	/* A null until is still the same as a null until. */
	begin(fx);
	assert_int_equal(creg_person_alert_put(fx->conn, ACTOR, "pa-7", &a,
	    &changed, NULL), 0);
	assert_int_equal(changed, 0);
	commit(fx);
	SET(a.until, "2030-01-01");
	begin(fx);
	assert_int_equal(creg_person_alert_put(fx->conn, ACTOR, "pa-7", &a,
	    &changed, NULL), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	assert_int_equal(feed_head(fx), 2);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM changes"), 2);
}

static void
test_creg_permit_put_marks_dirty(void **state)
{
	struct fx		*fx = *state;
	struct feed_permit	 p;
	struct feed_batch	 b;
	struct feed_entry	 e;
	char			 buf[512];
	int			 changed;

	mk_permit(&p, "AB1234567");
	begin(fx);
	assert_int_equal(creg_permit_put(fx->conn, ACTOR, "wp-1", &p,
	    &changed, NULL), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	q_str(fx, "SELECT kind || '|' || number || '|' || (entries IS NULL) ||"
	    " '|' || (stay_days IS NULL) || '|' || employer || '|' ||"
	    " (region IS NULL) || '|' || valid_until FROM permits", buf,
	    sizeof(buf));
	assert_string_equal(buf, "work_permit|AB1234567|true|true|"
	    "Almaty Build LLP|true|2026-12-31");
	assert_int_equal(q_num(fx, "SELECT count(*) FROM stay_dirty WHERE"
	    " issuing_state = 'UZB' AND number = 'AB1234567'"), 1);
	feed_entry_at(fx, 1, &b, &e);
	assert_int_equal(e.kind, FEED_PERMIT);
	assert_int_equal(e.data.permit.kind, POLICY_PERMIT_WORK);
	assert_int_equal(e.data.permit.entries, FEED_NULL);
	assert_string_equal(e.data.permit.employer, "Almaty Build LLP");
	assert_string_equal(e.data.permit.region, "");
	feed_batch_reset(&b);

	/* The deriver empties stay_dirty; an unchanged put does not mark
	 * it again. */
	assert_int_equal(pgt_exec(fx->conninfo, "DELETE FROM stay_dirty"), 0);
	begin(fx);
	assert_int_equal(creg_permit_put(fx->conn, ACTOR, "wp-1", &p,
	    &changed, NULL), 0);
	assert_int_equal(changed, 0);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM stay_dirty"), 0);

	/* A document already dirty (a crossing) is held until the change
	 * commits: a deriver (FOR UPDATE SKIP LOCKED) cannot claim it and
	 * derive without the change. */
	assert_int_equal(pgt_exec(fx->conninfo, "INSERT INTO stay_dirty"
	    " VALUES ('UZB', 'AB1234567')"), 0);
	p.entries_used = 1;
	begin(fx);
	assert_int_equal(creg_permit_put(fx->conn, ACTOR, "wp-1", &p,
	    &changed, NULL), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM (SELECT 1 FROM"
	    " stay_dirty FOR UPDATE SKIP LOCKED) s"), 0);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM (SELECT 1 FROM"
	    " stay_dirty FOR UPDATE SKIP LOCKED) s"), 1);

	/* Moved to a new passport: both documents are dirty. */
	SET(p.holder.number, "AC7654321");
	p.entries = 2;
	p.stay_days = 90;
	begin(fx);
	assert_int_equal(creg_permit_put(fx->conn, ACTOR, "wp-1", &p,
	    &changed, NULL), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM stay_dirty WHERE"
	    " issuing_state = 'UZB' AND number IN ('AB1234567',"
	    " 'AC7654321')"), 2);
	assert_int_equal(q_num(fx, "SELECT entries * 1000 + stay_days FROM"
	    " permits"), 2090);

	/* Removing it marks its document dirty too. */
	assert_int_equal(pgt_exec(fx->conninfo, "DELETE FROM stay_dirty"), 0);
	begin(fx);
	assert_int_equal(creg_remove(fx->conn, ACTOR, CREG_PERMIT, "wp-1",
	    NULL), 0);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM stay_dirty WHERE"
	    " number = 'AC7654321'"), 1);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM permits"), 0);
}

static void
test_creg_registration_put(void **state)
{
	struct fx			*fx = *state;
	struct creg_registration	 r;
	char				 buf[512];
	int				 changed;

	mk_reg(&r);
	begin(fx);
	assert_int_equal(creg_registration_put(fx->conn, ACTOR, &r, &changed,
	    NULL), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	q_str(fx, "SELECT region || '|' || address || '|' || host || '|' ||"
	    " valid_from FROM registrations WHERE id = 'reg-1'", buf,
	    sizeof(buf));
	assert_string_equal(buf, "Almaty|Abay ave 10, apt 5|Almaty Build LLP|"
	    "2026-01-05");
	q_str(fx, "SELECT actor || ' ' || action || ' ' || kind || ' ' ||"
	    " record || ' ' || (detail->>'address') FROM changes", buf,
	    sizeof(buf));
	assert_string_equal(buf, ACTOR " put registration reg-1 Abay ave 10, "
	    "apt 5");
	/* Not in the feed. */
	assert_int_equal(feed_head(fx), 0);
	begin(fx);
	assert_int_equal(creg_registration_put(fx->conn, ACTOR, &r, &changed,
	    NULL), 0);
	assert_int_equal(changed, 0);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM changes"), 1);
}

/* One refused put: ERR_INVAL naming field, nothing written. */
#define REFUSED(fx, call, want_field) do {				\
	struct proto_error	 e_;					\
	long			 before_ = footprint(fx);		\
	int			 ch_ = -1;				\
									\
	(void)ch_;							\
	memset(&e_, 0, sizeof(e_));					\
	begin(fx);							\
	assert_int_equal((call), ERR_INVAL);				\
	assert_string_equal(e_.field, (want_field));			\
	assert_true(e_.message[0] != '\0');				\
	assert_int_equal(creg_rollback((fx)->conn), 0);			\
	assert_int_equal(footprint(fx), before_);			\
} while (0)

static void
test_creg_invalid_refused(void **state)
{
	struct fx			*fx = *state;
	struct feed_document_alert	 da;
	struct feed_person_alert	 pa;
	struct feed_permit		 p;
	struct creg_registration	 r;
	struct feed_officer		 o;
	char				 longactor[200];

	memset(longactor, 'a', sizeof(longactor) - 1);
	longactor[sizeof(longactor) - 1] = '\0';

	mk_da(&da, "N1");
	SET(da.number, "n-1");
	REFUSED(fx, creg_document_alert_put(fx->conn, ACTOR, "da-1", &da,
	    &ch_, &e_), "number");
	mk_da(&da, "N1");
	SET(da.since, "2026-02-30");
	REFUSED(fx, creg_document_alert_put(fx->conn, ACTOR, "da-1", &da,
	    &ch_, &e_), "since");
	mk_da(&da, "N1");
	da.reason = 99;
	REFUSED(fx, creg_document_alert_put(fx->conn, ACTOR, "da-1", &da,
	    &ch_, &e_), "reason");
	REFUSED(fx, creg_document_alert_put(fx->conn, ACTOR, "da 1", &da,
	    &ch_, &e_), "id");
	mk_da(&da, "N1");
	REFUSED(fx, creg_document_alert_put(fx->conn, "", "da-1", &da,
	    &ch_, &e_), "actor");
	REFUSED(fx, creg_document_alert_put(fx->conn, longactor, "da-1", &da,
	    &ch_, &e_), "actor");
	REFUSED(fx, creg_document_alert_put(fx->conn, "bad\nactor", "da-1",
	    &da, &ch_, &e_), "actor");

	mk_pa(&pa);
	pa.severity = 6;
	REFUSED(fx, creg_person_alert_put(fx->conn, ACTOR, "pa-1", &pa, &ch_,
	    &e_), "severity");
	mk_pa(&pa);
	SET(pa.surname, "");
	REFUSED(fx, creg_person_alert_put(fx->conn, ACTOR, "pa-1", &pa, &ch_,
	    &e_), "surname");

	mk_permit(&p, "AB1234567");
	SET(p.valid_until, "2025-12-31");
	REFUSED(fx, creg_permit_put(fx->conn, ACTOR, "wp-1", &p, &ch_, &e_),
	    "valid_until");
	mk_permit(&p, "AB1234567");
	SET(p.holder.birth_date, "1995");
	REFUSED(fx, creg_permit_put(fx->conn, ACTOR, "wp-1", &p, &ch_, &e_),
	    "holder.birth_date");
	mk_permit(&p, "AB1234567");
	p.entries_used = 70000;
	REFUSED(fx, creg_permit_put(fx->conn, ACTOR, "wp-1", &p, &ch_, &e_),
	    "entries_used");

	mk_reg(&r);
	SET(r.valid_until, "2025-01-01");
	REFUSED(fx, creg_registration_put(fx->conn, ACTOR, &r, &ch_, &e_),
	    "valid_until");
	mk_reg(&r);
	SET(r.address, "");
	REFUSED(fx, creg_registration_put(fx->conn, ACTOR, &r, &ch_, &e_),
	    "address");
	mk_reg(&r);
	SET(r.host, "tab\there");
	REFUSED(fx, creg_registration_put(fx->conn, ACTOR, &r, &ch_, &e_),
	    "host");
	mk_reg(&r);
	SET(r.region, "\xff\xfe");
	REFUSED(fx, creg_registration_put(fx->conn, ACTOR, &r, &ch_, &e_),
	    "region");
	mk_reg(&r);
	SET(r.issuing_state, "uz");
	REFUSED(fx, creg_registration_put(fx->conn, ACTOR, &r, &ch_, &e_),
	    "issuing_state");
	mk_reg(&r);
	SET(r.valid_from, "26-01-01");
	REFUSED(fx, creg_registration_put(fx->conn, ACTOR, &r, &ch_, &e_),
	    "valid_from");
	mk_reg(&r);
	SET(r.id, "reg/1");
	REFUSED(fx, creg_registration_put(fx->conn, ACTOR, &r, &ch_, &e_),
	    "id");

	memset(&o, 0, sizeof(o));
	SET(o.id, "KZ0042");
	SET(o.name, "Askar Abenov");
	SET(o.pin_hash, "1234");	/* a PIN, not a hash */
	o.active = 1;
	REFUSED(fx, creg_officer_put(fx->conn, ACTOR, &o, &ch_, &e_),
	    "pin_hash");
	SET(o.id, "KZ:42");
	REFUSED(fx, creg_officer_put(fx->conn, ACTOR, &o, &ch_, &e_), "id");

	REFUSED(fx, creg_post_enrol(fx->conn, ACTOR, "ala01", NULL,
	    "post-ALA01", "00", &ch_, &e_), "code");
	REFUSED(fx, creg_post_enrol(fx->conn, ACTOR, "ALA01", NULL,
	    "post-ALA01", "00", &ch_, &e_), "cert_sha256");
	REFUSED(fx, creg_post_enrol(fx->conn, ACTOR, "ALA01", NULL, "",
	    "00", &ch_, &e_), "cert_cn");
	REFUSED(fx, creg_remove(fx->conn, ACTOR, CREG_POST, "ALA01", &e_),
	    "kind");
	REFUSED(fx, creg_remove(fx->conn, ACTOR, CREG_PERMIT, "", &e_), "id");

	/* Outside a transaction nothing runs. */
	mk_da(&da, "N1");
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-1", &da,
	    NULL, NULL), ERR_INVAL);
	assert_int_equal(footprint(fx), 0);
}

static void
test_creg_remove(void **state)
{
	struct fx			*fx = *state;
	struct feed_document_alert	 da;
	struct creg_registration	 r;
	struct feed_batch		 b;
	struct feed_entry		 e;
	struct proto_error		 err;
	char				 buf[512];
	long				 before;

	mk_da(&da, "N1234567");
	mk_reg(&r);
	begin(fx);
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-1",
	    &da, NULL, NULL), 0);
	assert_int_equal(creg_registration_put(fx->conn, ACTOR, &r, NULL,
	    NULL), 0);
	commit(fx);

	begin(fx);
	assert_int_equal(creg_remove(fx->conn, "remover", CREG_DOCUMENT_ALERT,
	    "da-1", &err), 0);
	assert_int_equal(creg_remove(fx->conn, "remover", CREG_REGISTRATION,
	    "reg-1", &err), 0);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM document_alerts"), 0);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM registrations"), 0);
	/* The change keeps what was removed. */
	q_str(fx, "SELECT actor || ' ' || action || ' ' || record || ' ' ||"
	    " (detail->>'number') FROM changes WHERE kind = 'document_alert'"
	    " AND action = 'remove'", buf, sizeof(buf));
	assert_string_equal(buf, "remover remove da-1 N1234567");
	assert_int_equal(q_num(fx, "SELECT count(*) FROM changes WHERE"
	    " kind = 'registration' AND action = 'remove'"), 1);
	/* One feed delete (registrations are not in the feed). */
	assert_int_equal(feed_head(fx), 2);
	feed_entry_at(fx, 2, &b, &e);
	assert_int_equal(e.op, FEED_DELETE);
	assert_int_equal(e.kind, FEED_DOCUMENT_ALERT);
	assert_string_equal(e.id, "da-1");
	feed_batch_reset(&b);

	/* Gone: ERR_NOTFOUND, nothing written. */
	before = footprint(fx);
	begin(fx);
	memset(&err, 0, sizeof(err));
	assert_int_equal(creg_remove(fx->conn, ACTOR, CREG_DOCUMENT_ALERT,
	    "da-1", &err), ERR_NOTFOUND);
	assert_string_equal(err.field, "id");
	assert_int_equal(creg_remove(fx->conn, ACTOR, CREG_OFFICER,
	    "nobody", &err), ERR_NOTFOUND);
	commit(fx);
	assert_int_equal(footprint(fx), before);
}

static void
test_creg_rollback_leaves_nothing(void **state)
{
	struct fx			*fx = *state;
	struct feed_document_alert	 da;
	struct feed_permit		 p;
	struct creg_registration	 r;
	struct feed_officer		 o;
	char				 num[16];
	int				 i;

	/* Something committed first, so the head is not just 0. */
	mk_da(&da, "N0000001");
	begin(fx);
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-0",
	    &da, NULL, NULL), 0);
	commit(fx);
	assert_int_equal(feed_head(fx), 1);

	/* A file of many rows, the last bad: the importer rolls back. */
	begin(fx);
	for (i = 1; i <= 50; i++) {
		(void)snprintf(num, sizeof(num), "N%07d", i);
		mk_da(&da, num);
		(void)snprintf(num, sizeof(num), "da-%d", i);
		assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, num,
		    &da, NULL, NULL), 0);
	}
	mk_permit(&p, "AB1234567");
	assert_int_equal(creg_permit_put(fx->conn, ACTOR, "wp-1", &p, NULL,
	    NULL), 0);
	mk_reg(&r);
	assert_int_equal(creg_registration_put(fx->conn, ACTOR, &r, NULL,
	    NULL), 0);
	memset(&o, 0, sizeof(o));
	SET(o.id, "KZ0042");
	SET(o.name, "Askar");
	SET(o.pin_hash, "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
	    "aGFzaA");
	o.active = 1;
	assert_int_equal(creg_officer_put(fx->conn, ACTOR, &o, NULL, NULL), 0);
	assert_int_equal(creg_remove(fx->conn, ACTOR, CREG_DOCUMENT_ALERT,
	    "da-0", NULL), 0);
	mk_da(&da, "bad number");
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-51",
	    &da, NULL, NULL), ERR_INVAL);
	assert_int_equal(creg_rollback(fx->conn), 0);

	assert_int_equal(q_num(fx, "SELECT count(*) FROM document_alerts"), 1);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM permits"), 0);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM registrations"), 0);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM officers"), 0);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM stay_dirty"), 0);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM changes"), 1);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM feed_log"), 1);
	assert_int_equal(feed_head(fx), 1);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM feed_log WHERE"
	    " superseded"), 0);

	/* The connection is usable again, and the next position is 2. */
	mk_da(&da, "N0000002");
	begin(fx);
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-2",
	    &da, NULL, NULL), 0);
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT pos FROM feed_log WHERE"
	    " id = 'da-2'"), 2);
}

static void
test_creg_failed_statement_aborts(void **state)
{
	struct fx			*fx = *state;
	struct feed_document_alert	 da;
	struct proto_error		 err;
	PGresult			*res;

	/* A statement that fails inside the transaction: the next mutator
	 * says so, and COMMIT does not report success. */
	mk_da(&da, "N0000001");
	begin(fx);
	res = PQexec(fx->conn, "SELECT 1/0");
	PQclear(res);
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-1",
	    &da, NULL, &err), ERR_DB);
	assert_int_equal(creg_commit(fx->conn), ERR_DB);
	assert_int_equal(creg_rollback(fx->conn), 0);
	assert_int_equal(footprint(fx), 0);
}

static void
test_creg_officer(void **state)
{
	struct fx			*fx = *state;
	static const struct pinhash_params fast = { 10, 8, 1 };
	struct feed_officer		 o;
	struct feed_batch		 b;
	struct feed_entry		 e;
	struct proto_error		 err;
	char				 buf[512], hash[256];
	int				 changed;

	memset(&o, 0, sizeof(o));
	SET(o.id, "KZ0042");
	SET(o.name, "Askar Abenov");
	assert_int_equal(pinhash_make("482193", 6, &fast, o.pin_hash,
	    sizeof(o.pin_hash)), 0);
	o.active = 1;
	begin(fx);
	assert_int_equal(creg_officer_put(fx->conn, ACTOR, &o, &changed,
	    &err), 0);
	assert_int_equal(changed, 1);
	commit(fx);

	/* The hash is stored and sent; it verifies the PIN. */
	q_str(fx, "SELECT pin_hash FROM officers WHERE id = 'KZ0042'", hash,
	    sizeof(hash));
	assert_int_equal(pinhash_verify(hash, strlen(hash), "482193", 6), 0);
	feed_entry_at(fx, 1, &b, &e);
	assert_int_equal(e.kind, FEED_OFFICER);
	assert_string_equal(e.data.officer.pin_hash, o.pin_hash);
	assert_int_equal(e.data.officer.active, 1);
	feed_batch_reset(&b);
	/* The change row never holds the hash. */
	q_str(fx, "SELECT detail::text FROM changes", buf, sizeof(buf));
	assert_null(strstr(buf, "scrypt"));
	assert_null(strstr(buf, "pin_hash"));
	assert_non_null(strstr(buf, "\"pin_changed\": true"));

	/* Off, keeping the hash; off again is no change. */
	begin(fx);
	assert_int_equal(creg_officer_set_active(fx->conn, ACTOR, "KZ0042", 0,
	    &changed, &err), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(creg_officer_set_active(fx->conn, ACTOR, "KZ0042", 0,
	    &changed, &err), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(creg_officer_set_active(fx->conn, ACTOR, "KZ9999", 0,
	    &changed, &err), ERR_NOTFOUND);
	commit(fx);
	feed_entry_at(fx, 2, &b, &e);
	assert_int_equal(e.data.officer.active, 0);
	assert_string_equal(e.data.officer.pin_hash, hash);
	feed_batch_reset(&b);
	q_str(fx, "SELECT detail::text FROM changes ORDER BY id DESC LIMIT 1",
	    buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"pin_changed\": false"));
	assert_non_null(strstr(buf, "\"active\": false"));

	/* The listing shows no hash either; removal is a feed delete. */
	begin(fx);
	assert_int_equal(creg_remove(fx->conn, ACTOR, CREG_OFFICER, "KZ0042",
	    &err), 0);
	commit(fx);
	q_str(fx, "SELECT detail::text FROM changes ORDER BY id DESC LIMIT 1",
	    buf, sizeof(buf));
	assert_null(strstr(buf, "scrypt"));
	assert_int_equal(q_num(fx, "SELECT count(*) FROM feed_log WHERE"
	    " op = 'delete' AND kind = 'officer' AND id = 'KZ0042'"), 1);
}

/* Reads config/policy.yaml (the tests run from the repository root). */
static char *
read_policy(size_t *len)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	assert_non_null(fp = fopen("config/policy.yaml", "r"));
	assert_non_null(buf = malloc(FEED_YAML_MAX + 1));
	n = fread(buf, 1, FEED_YAML_MAX, fp);
	fclose(fp);
	assert_true(n > 0 && n < FEED_YAML_MAX);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The text with its "version:" line replaced by version v. */
static char *
with_version(const char *yaml, size_t len, const char *v, size_t *outlen)
{
	const char	*at = strstr(yaml, "\nversion: "), *eol;
	char		*out;
	int		 n;

	assert_non_null(at);
	eol = strchr(at + 1, '\n');
	assert_non_null(eol);
	assert_non_null(out = malloc(len + 64));
	n = snprintf(out, len + 64, "%.*s\nversion: %s%s",
	    (int)(at - yaml), yaml, v, eol);
	assert_true(n > 0 && (size_t)n < len + 64);
	*outlen = (size_t)n;
	return out;
}

static void
test_creg_policy_load(void **state)
{
	struct fx		*fx = *state;
	struct feed_batch	 b;
	struct feed_entry	 e;
	struct proto_error	 err;
	char			 ver[FEED_POLICY_VERSION_MAX + 1];
	char			*yaml, *y2;
	char			*got, buf[256];
	size_t			 len, len2, glen;
	int			 changed;
	long			 before;

	yaml = read_policy(&len);
	begin(fx);
	assert_int_equal(creg_policy_load(fx->conn, ACTOR, yaml, len, ver,
	    &changed, &err), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	assert_string_equal(ver, "KZ-2024.1");
	q_str(fx, "SELECT actor || ' ' || action || ' ' || kind || ' ' ||"
	    " record FROM changes", buf, sizeof(buf));
	assert_string_equal(buf, ACTOR " load policy KZ-2024.1");
	feed_entry_at(fx, 1, &b, &e);
	assert_int_equal(e.kind, FEED_POLICY);
	assert_string_equal(e.id, "policy");
	assert_string_equal(e.data.policy.version, "KZ-2024.1");
	assert_int_equal(e.data.policy.yaml_len, len);
	assert_memory_equal(e.data.policy.yaml, yaml, len);
	feed_batch_reset(&b);

	/* Again: no change. */
	begin(fx);
	assert_int_equal(creg_policy_load(fx->conn, ACTOR, yaml, len, ver,
	    &changed, &err), 0);
	assert_int_equal(changed, 0);
	commit(fx);
	assert_int_equal(feed_head(fx), 1);

	/* The same version with another text: refused. */
	y2 = with_version(yaml, len, "KZ-2024.1 # edited", &len2);
	before = footprint(fx);
	begin(fx);
	memset(&err, 0, sizeof(err));
	assert_int_equal(creg_policy_load(fx->conn, ACTOR, y2, len2, ver,
	    &changed, &err), ERR_CONFLICT);
	assert_string_equal(err.field, "version");
	assert_int_equal(creg_rollback(fx->conn), 0);
	assert_int_equal(footprint(fx), before);
	free(y2);

	/* Not a policy: refused with the problem. */
	begin(fx);
	memset(&err, 0, sizeof(err));
	assert_int_equal(creg_policy_load(fx->conn, ACTOR, "version: 1\n", 11,
	    ver, &changed, &err), ERR_INVAL);
	assert_string_equal(err.field, "yaml");
	assert_non_null(strstr(err.message, "policy:"));
	assert_int_equal(creg_rollback(fx->conn), 0);
	assert_int_equal(footprint(fx), before);

	/* A new version is in force. */
	y2 = with_version(yaml, len, "KZ-2024.2", &len2);
	begin(fx);
	assert_int_equal(creg_policy_load(fx->conn, ACTOR, y2, len2, ver,
	    &changed, &err), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	assert_string_equal(ver, "KZ-2024.2");
	assert_int_equal(creg_policy_get(fx->conn, NULL, &got, &glen, ver), 0);
	assert_string_equal(ver, "KZ-2024.2");
	assert_int_equal(glen, len2);
	assert_memory_equal(got, y2, len2);
	free(got);
	assert_int_equal(creg_policy_get(fx->conn, "KZ-2024.1", &got, &glen,
	    NULL), 0);
	assert_int_equal(glen, len);
	free(got);
	assert_int_equal(creg_policy_get(fx->conn, "nope", &got, &glen, NULL),
	    ERR_NOTFOUND);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM feed_log WHERE"
	    " kind = 'policy' AND NOT superseded"), 1);
	free(y2);
	free(yaml);
}

static const char sha_a[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char sha_b[] =
    "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210";

static void
bin(const char *hex, uint8_t out[32])
{
	size_t	i;

	for (i = 0; i < 32; i++) {
		unsigned int	v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
test_creg_post_enrol_find_revoke(void **state)
{
	struct fx		*fx = *state;
	struct proto_error	 err;
	uint8_t			 a[32], bb[32];
	char			 code[PROTO_POST_MAX + 1], buf[256];
	int			 changed, revoked;

	bin(sha_a, a);
	bin(sha_b, bb);
	begin(fx);
	assert_int_equal(creg_post_enrol(fx->conn, ACTOR, "ALA01",
	    "Almaty airport", "post-ALA01", sha_a, &changed, &err), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	assert_int_equal(creg_post_find(fx->conn, "post-ALA01", a, code,
	    &revoked), 0);
	assert_string_equal(code, "ALA01");
	assert_int_equal(revoked, 0);
	/* Another certificate under the CN, an unknown CN. */
	assert_int_equal(creg_post_find(fx->conn, "post-ALA01", bb, code,
	    &revoked), ERR_AUTH);
	assert_int_equal(creg_post_find(fx->conn, "post-XXX", a, code,
	    &revoked), ERR_NOTFOUND);
	q_str(fx, "SELECT actor || ' ' || action || ' ' || record || ' ' ||"
	    " (detail->>'cert_cn') FROM changes", buf, sizeof(buf));
	assert_string_equal(buf, ACTOR " enrol ALA01 post-ALA01");

	/* The same enrolment again: no change; a CN bound elsewhere:
	 * conflict. */
	begin(fx);
	assert_int_equal(creg_post_enrol(fx->conn, ACTOR, "ALA01", NULL,
	    "post-ALA01", sha_a, &changed, &err), 0);
	assert_int_equal(changed, 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(creg_post_enrol(fx->conn, ACTOR, "AST02", NULL,
	    "post-ALA01", sha_b, &changed, &err), ERR_CONFLICT);
	assert_string_equal(err.field, "cert_cn");
	commit(fx);
	assert_int_equal(q_num(fx, "SELECT count(*) FROM posts"), 1);

	/* Revoked: found, and said so; twice is no change; unknown code. */
	begin(fx);
	assert_int_equal(creg_post_revoke(fx->conn, "sec.officer", "ALA01",
	    &changed, &err), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(creg_post_revoke(fx->conn, "sec.officer", "ALA01",
	    &changed, &err), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(creg_post_revoke(fx->conn, "sec.officer", "ZZZ99",
	    &changed, &err), ERR_NOTFOUND);
	commit(fx);
	assert_int_equal(creg_post_find(fx->conn, "post-ALA01", a, code,
	    &revoked), 0);
	assert_int_equal(revoked, 1);
	q_str(fx, "SELECT status || ' ' || revoked_by FROM posts", buf,
	    sizeof(buf));
	assert_string_equal(buf, "revoked sec.officer");
	assert_int_equal(q_num(fx, "SELECT count(*) FROM changes WHERE"
	    " action = 'revoke' AND actor = 'sec.officer'"), 1);

	/* Re-enrolled with a new certificate (upper-case hex accepted):
	 * active, the old certificate refused. */
	begin(fx);
	assert_int_equal(creg_post_enrol(fx->conn, ACTOR, "ALA01", NULL,
	    "post-ALA01", sha_b, &changed, &err), 0);
	assert_int_equal(changed, 1);
	commit(fx);
	assert_int_equal(creg_post_find(fx->conn, "post-ALA01", bb, code,
	    &revoked), 0);
	assert_int_equal(revoked, 0);
	assert_int_equal(creg_post_find(fx->conn, "post-ALA01", a, code,
	    &revoked), ERR_AUTH);
	q_str(fx, "SELECT name || '|' || (revoked_at IS NULL) FROM posts",
	    buf, sizeof(buf));
	assert_string_equal(buf, "Almaty airport|true");
	/* Posts are not in the feed. */
	assert_int_equal(feed_head(fx), 0);
}

struct rows {
	size_t	n;
	char	first[20][128];
	char	all[4096];
};

static int
collect(void *arg, size_t ncols, const char *const *vals)
{
	struct rows	*r = arg;
	size_t		 i, len;

	for (i = 0; i < ncols; i++) {
		if (r->n == 0 && i < 20)
			SET(r->first[i], vals[i]);
		len = strlen(r->all);
		(void)snprintf(r->all + len, sizeof(r->all) - len, "%s%s",
		    vals[i], i + 1 < ncols ? "|" : "\n");
	}
	r->n++;
	return 0;
}

static int
stop_at_one(void *arg, size_t ncols, const char *const *vals)
{
	(void)ncols;
	(void)vals;
	(*(int *)arg)++;
	return 42;
}

static void
test_creg_list(void **state)
{
	struct fx			*fx = *state;
	struct feed_document_alert	 da;
	struct feed_officer		 o;
	struct creg_filter		 f;
	struct creg_change_filter	 cf;
	struct rows			 rows;
	const char *const		*cols;
	size_t				 ncols;
	int				 calls = 0;

	begin(fx);
	mk_da(&da, "N0000001");
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-1",
	    &da, NULL, NULL), 0);
	mk_da(&da, "N0000002");
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-2",
	    &da, NULL, NULL), 0);
	memset(&o, 0, sizeof(o));
	SET(o.id, "KZ0042");
	SET(o.name, "Askar");
	SET(o.pin_hash, "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
	    "aGFzaA");
	o.active = 1;
	assert_int_equal(creg_officer_put(fx->conn, ACTOR, &o, NULL, NULL), 0);
	/* No listing while a transaction is open on the connection. */
	assert_int_equal(creg_list(fx->conn, CREG_OFFICER, NULL, collect,
	    &rows), ERR_DB);
	commit(fx);

	cols = creg_list_columns(CREG_DOCUMENT_ALERT, &ncols);
	assert_non_null(cols);
	assert_int_equal(ncols, 7);
	assert_string_equal(cols[2], "number");
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_list(fx->conn, CREG_DOCUMENT_ALERT, NULL,
	    collect, &rows), 0);
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.first[0], "da-1");
	assert_string_equal(rows.first[4], "2026-01-02");
	assert_int_equal(strlen(rows.first[5]), 24);	/* a UTC time */

	memset(&f, 0, sizeof(f));
	f.number = "N0000002";
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_list(fx->conn, CREG_DOCUMENT_ALERT, &f,
	    collect, &rows), 0);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.first[0], "da-2");
	f.number = NULL;
	f.limit = 1;
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_list(fx->conn, CREG_DOCUMENT_ALERT, &f,
	    collect, &rows), 0);
	assert_int_equal(rows.n, 1);

	/* Officers: never the hash. */
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_list(fx->conn, CREG_OFFICER, NULL, collect,
	    &rows), 0);
	assert_int_equal(rows.n, 1);
	assert_null(strstr(rows.all, "scrypt"));
	assert_string_equal(rows.first[2], "true");

	/* A callback's code stops the listing and comes back. */
	assert_int_equal(creg_list(fx->conn, CREG_DOCUMENT_ALERT, NULL,
	    stop_at_one, &calls), 42);
	assert_int_equal(calls, 1);
	/* The connection is usable after that. */
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_list(fx->conn, CREG_POST, NULL, collect,
	    &rows), 0);
	assert_int_equal(rows.n, 0);

	/* The change log, newest last, filtered. */
	cols = creg_changes_columns(&ncols);
	assert_int_equal(ncols, 7);
	memset(&cf, 0, sizeof(cf));
	cf.kind = "document_alert";
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_changes_list(fx->conn, &cf, collect, &rows), 0);
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.first[2], ACTOR);
	assert_string_equal(rows.first[5], "da-1");
	cf.limit = 1;
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_changes_list(fx->conn, &cf, collect, &rows), 0);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.first[5], "da-2");
	assert_int_equal(creg_list(fx->conn, (enum creg_kind)99, NULL,
	    collect, &rows), ERR_INVAL);
}

/* Every kind lists, each row with its own columns (creg_stream() checks
 * the count against creg_list_columns()). */
static void
test_creg_list_every_kind(void **state)
{
	struct fx			*fx = *state;
	struct creg_filter		 f;
	struct rows			 rows;
	struct feed_permit		 p;
	struct feed_person_alert	 pa;
	struct feed_document_alert	 da;
	struct feed_officer		 o;
	struct creg_registration	 r;
	char				 ver[FEED_POLICY_VERSION_MAX + 1];
	char				*yaml;
	size_t				 len;
	int				 k;

	mk_permit(&p, "AB1234567");
	mk_pa(&pa);
	mk_reg(&r);
	yaml = read_policy(&len);
	begin(fx);
	assert_int_equal(creg_permit_put(fx->conn, ACTOR, "wp-1", &p,
	    NULL, NULL), 0);
	assert_int_equal(creg_person_alert_put(fx->conn, ACTOR, "pa-1",
	    &pa, NULL, NULL), 0);
	assert_int_equal(creg_registration_put(fx->conn, ACTOR, &r,
	    NULL, NULL), 0);
	assert_int_equal(creg_policy_load(fx->conn, ACTOR, yaml, len,
	    ver, NULL, NULL), 0);
	assert_int_equal(creg_post_enrol(fx->conn, ACTOR, "ALA01",
	    NULL, "post-ALA01", sha_a, NULL, NULL), 0);
	mk_da(&da, "N0000001");
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-1",
	    &da, NULL, NULL), 0);
	memset(&o, 0, sizeof(o));
	SET(o.id, "KZ0042");
	SET(o.name, "Askar");
	SET(o.pin_hash, "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
	    "aGFzaA");
	o.active = 1;
	assert_int_equal(creg_officer_put(fx->conn, ACTOR, &o, NULL, NULL), 0);
	commit(fx);
	free(yaml);
	for (k = 1; k <= CREG_KIND_MAX; k++) {
		memset(&rows, 0, sizeof(rows));
		assert_int_equal(creg_list(fx->conn, (enum creg_kind)k,
		    NULL, collect, &rows), 0);
		assert_true(rows.n >= 1);
	}
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_list(fx->conn, CREG_POLICY, NULL,
	    collect, &rows), 0);
	assert_string_equal(rows.first[0], "KZ-2024.1");
	assert_string_equal(rows.first[4], "true");
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(creg_list(fx->conn, CREG_PERMIT, NULL,
	    collect, &rows), 0);
	assert_string_equal(rows.first[10], "");	/* null */
	/* A number filter where there is no number. */
	memset(&f, 0, sizeof(f));
	f.number = "X";
	assert_int_equal(creg_list(fx->conn, CREG_OFFICER, &f,
	    collect, &rows), ERR_INVAL);
}

static void
test_creg_kind_names(void **state)
{
	enum creg_kind	k;
	int		i;

	(void)state;
	for (i = 1; i <= CREG_KIND_MAX; i++) {
		assert_int_equal(creg_kind_parse(creg_kind_str(
		    (enum creg_kind)i), &k), 0);
		assert_int_equal((int)k, i);
	}
	assert_int_equal(creg_kind_parse("alert", &k), ERR_PARSE);
	assert_string_equal(creg_kind_str((enum creg_kind)0), "invalid");
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_creg_kind_names),
		T(test_creg_document_alert_put),
		T(test_creg_person_alert_put),
		T(test_creg_permit_put_marks_dirty),
		T(test_creg_registration_put),
		T(test_creg_invalid_refused),
		T(test_creg_remove),
		T(test_creg_rollback_leaves_nothing),
		T(test_creg_failed_statement_aborts),
		T(test_creg_officer),
		T(test_creg_policy_load),
		T(test_creg_post_enrol_find_revoke),
		T(test_creg_list),
		T(test_creg_list_every_kind),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
