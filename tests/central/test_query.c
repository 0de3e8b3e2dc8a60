/* test_query.c - central/query.c and migration 006 against a real
 * PostgreSQL: hand-made travellers (visa-free with and without a
 * per-entry cap, a visa, no visa, work permits that ended or were
 * followed by another) cross, the stay deriver derives them, and each
 * query must give exactly the rows worked out by hand below: overstays as
 * of several days, every filter, every sort, keyset and offset paging;
 * work permits that ended; registration deadlines in working days over a
 * weekend and a holiday; the category the deriver stored; one document's
 * whole history; and every bad parameter named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "proto.h"
#include "query.h"
#include "stays.h"

#define POLICY_UTC \
	"version: T-1\n" \
	"timezone: UTC\n" \
	"citizens: [KAZ]\n" \
	"rules:\n" \
	"  - nationality: RUS\n" \
	"    from: 2000-01-01\n" \
	"    visa_required: false\n" \
	"    max_days: 90\n" \
	"    window_days: 180\n" \
	"  - nationality: UZB\n" \
	"    from: 2000-01-01\n" \
	"    visa_required: false\n" \
	"    per_entry_days: 30\n" \
	"    max_days: 90\n" \
	"    window_days: 180\n" \
	"default:\n" \
	"  visa_required: true\n" \
	"permits:\n" \
	"  visa: {stay: permit}\n" \
	"  work_permit: {stay: unlimited, replaces_visa: false}\n" \
	"  residence_permit: {stay: unlimited, replaces_visa: true}\n" \
	"  refugee: {stay: unlimited, replaces_visa: true}\n" \
	"  asylum: {stay: unlimited, replaces_visa: true}\n" \
	"  repatriate: {stay: unlimited, replaces_visa: true}\n"

/* One shared database for the whole file: the data are read only. */
static char	 conninfo[640];
static PGconn	*conn;
static uint64_t	 seqs[2];

static const char *const posts[2] = { "ALA01", "NQZ02" };

static int64_t
day(const char *iso)
{
	struct date	d;

	if (date_parse_iso(&d, iso, strlen(iso)) != 0)
		return 0;
	return date_to_days(&d);
}

/* An admitted crossing at noon UTC of day, at post (0 or 1). */
static int
cross(struct db *db, int post, const char *number, const char *nat,
    const char *surname, const char *given, const char *birth,
    const char *when, enum proto_direction dir)
{
	struct proto_crossing	c;
	struct proto_batch	b;
	struct db_store_result	res;
	uint64_t		dur[1], con[1];
	char			ts[32];

	memset(&c, 0, sizeof(c));
	(void)snprintf(ts, sizeof(ts), "%sT12:00:00Z", when);
	if (date_parse_rfc3339(&c.recorded_at, ts, strlen(ts)) != 0)
		return -1;
	c.direction = dir;
	c.lane = 1;
	(void)snprintf(c.officer, sizeof(c.officer), "KZ0042");
	c.outcome = PROTO_ADMIT;
	(void)snprintf(c.doc.type, sizeof(c.doc.type), "P");
	(void)snprintf(c.doc.issuing_state, sizeof(c.doc.issuing_state), "%s",
	    nat);
	(void)snprintf(c.doc.number, sizeof(c.doc.number), "%s", number);
	(void)snprintf(c.doc.nationality, sizeof(c.doc.nationality), "%s",
	    nat);
	(void)snprintf(c.doc.surname, sizeof(c.doc.surname), "%s", surname);
	(void)snprintf(c.doc.given_names, sizeof(c.doc.given_names), "%s",
	    given);
	(void)snprintf(c.doc.birth_date, sizeof(c.doc.birth_date), "%s",
	    birth);
	c.doc.sex = 'M';
	(void)snprintf(c.doc.expiry_date, sizeof(c.doc.expiry_date),
	    "2035-01-01");
	c.seq = ++seqs[post];
	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "%s", posts[post]);
	b.n = 1;
	b.items = &c;
	memset(&res, 0, sizeof(res));
	res.durable = dur;
	res.conflict = con;
	if (db_store_batch(db, &b, &res) != 0 || res.ndurable != 1)
		return -1;
	return 0;
}

/*
 * The travellers (as of 2026-06-30, worked out by hand):
 *   RUS:A1  RUS 90/180, in since Thu 2026-01-01 at ALA01; last lawful day
 *           2026-03-31 (day 90); registered in Almaty 01-02..12-31.
 *   UZB:A2  UZB 30 per entry, in since Mon 06-01; last day 06-30.
 *   UZB:A3  UZB, in since Fri 05-01 at NQZ02; last day 05-30; registered
 *           in Astana 05-02..05-20.
 *   USA:A4  visa required; visa V1 04-01..05-31; in since Fri 04-10; last
 *           day 05-31 (the visa's).
 *   USA:A5  visa required, none held; in since Sat 06-20: no day lawful,
 *           allowed_until 06-19.
 *   RUS:A6  work permit W1 01-10..04-30; in since Thu 01-15 at NQZ02; after
 *           the permit 90 visa-free days: last day 07-29.
 *   RUS:A7  work permits W2 01-05..05-31 and W3 06-01..12-31; in since
 *           Tue 01-06; last day 06-01 + 89 = 08-29.
 *   RUS:A8  in since Fri 06-26; last day 09-23.
 *   RUS:A9  in 02-01, left 02-10: no open stay.
 * Person alert PA1 (Cyrillic, birth year only) is A6's person; PA2 has
 * another birth year. Permit W9 is A6's person's, on another passport.
 */
static int
group_setup(void **state)
{
	struct db	*db = NULL;
	struct stays	*st = NULL;
	FILE		*devnull;
	size_t		 done;
	int		 rc;

	(void)state;
	log_init("test_query", LOGL_WARN);
	if (pgt_start() != 0 || pgt_newdb(conninfo, sizeof(conninfo)) != 0 ||
	    (db = db_new(conninfo)) == NULL ||
	    (devnull = fopen("/dev/null", "w")) == NULL)
		return -1;
	rc = migrate_apply(db, devnull, stderr);
	fclose(devnull);
	conn = PQconnectdb(conninfo);
	if (rc != 0 || PQstatus(conn) != CONNECTION_OK)
		return -1;
	if (pgt_exec(conninfo, "INSERT INTO policy_versions (version, yaml,"
	    " loaded_by) VALUES ('T-1', '" POLICY_UTC "', 'test')") != 0 ||
	    pgt_exec(conninfo, "INSERT INTO permits (id, kind, issuing_state,"
	    " number, nationality, surname, given_names, birth_date,"
	    " valid_from, valid_until, employer, region, changed_by) VALUES"
	    " ('V1', 'visa', 'USA', 'A4', 'USA', 'SMITH', 'JOHN',"
	    "  '1970-01-04', '2026-04-01', '2026-05-31', NULL, NULL, 't'),"
	    " ('W1', 'work_permit', 'RUS', 'A6', 'RUS', 'IVANOV', 'PETR',"
	    "  '1980-05-17', '2026-01-10', '2026-04-30', 'KazStroy',"
	    "  'Almaty', 't'),"
	    " ('W9', 'work_permit', 'RUS', 'B9', 'RUS', 'IVANOV', 'PETR',"
	    "  '1980-05-17', '2025-01-01', '2025-06-30', 'Old Co', NULL, 't'),"
	    " ('W2', 'work_permit', 'RUS', 'A7', 'RUS', 'PETROV', 'OLEG',"
	    "  '1981-02-03', '2026-01-05', '2026-05-31', NULL, NULL, 't'),"
	    " ('W3', 'work_permit', 'RUS', 'A7', 'RUS', 'PETROV', 'OLEG',"
	    "  '1981-02-03', '2026-06-01', '2026-12-31', NULL, NULL, 't')") !=
	    0 ||
	    pgt_exec(conninfo, "INSERT INTO registrations (id, issuing_state,"
	    " number, region, address, host, valid_from, valid_until,"
	    " changed_by) VALUES"
	    " ('R1', 'RUS', 'A1', 'Almaty', 'Abay 1, apt 2', 'Hotel Kazakhstan',"
	    "  '2026-01-02', '2026-12-31', 't'),"
	    " ('R3', 'UZB', 'A3', 'Astana', 'Kenesary 5', 'A. Bekov',"
	    "  '2026-05-02', '2026-05-20', 't'),"
	    " ('R6', 'RUS', 'A6', 'Almaty', 'Tole bi 9', 'KazStroy',"
	    "  '2026-02-01', '2026-02-28', 't')") != 0 ||
	    pgt_exec(conninfo, "INSERT INTO document_alerts (id, issuing_state,"
	    " number, reason, since, changed_by) VALUES ('DA6', 'RUS', 'A6',"
	    " 'lost', '2026-03-01', 't')") != 0 ||
	    pgt_exec(conninfo, "INSERT INTO person_alerts (id, kind, surname,"
	    " given_names, birth_date, nationality, severity, source,"
	    " changed_by) VALUES"
	    " ('PA1', 'wanted', 'Иванов', 'Пётр', '1980', '', 3, 'MVD', 't'),"
	    " ('PA2', 'entry_ban', 'IVANOV', 'PETR', '1975', 'RUS', 2, 'MVD',"
	    "  't')") != 0 ||
	    pgt_exec(conninfo, "INSERT INTO post_audit (post, seq, at, actor,"
	    " action, subject, detail, prev, hash) VALUES ('NQZ02', 1,"
	    " '2026-01-15T11:59:00Z', 'KZ0042', 'check', 'RUS:A6',"
	    " '{\"verdict\":\"clear\"}', repeat('0', 64), repeat('a', 64))") !=
	    0)
		return -1;
	rc = 0;
	rc |= cross(db, 0, "A1", "RUS", "SOKOLOV", "IVAN", "1985-01-01",
	    "2026-01-01", PROTO_ENTRY);
	rc |= cross(db, 0, "A2", "UZB", "KARIMOV", "ALISHER", "1990-02-02",
	    "2026-06-01", PROTO_ENTRY);
	rc |= cross(db, 1, "A3", "UZB", "RASHIDOV", "BOBUR", "1991-03-03",
	    "2026-05-01", PROTO_ENTRY);
	rc |= cross(db, 0, "A4", "USA", "SMITH", "JOHN", "1970-01-04",
	    "2026-04-10", PROTO_ENTRY);
	rc |= cross(db, 0, "A5", "USA", "BROWN", "JAMES", "1972-05-05",
	    "2026-06-20", PROTO_ENTRY);
	rc |= cross(db, 1, "A6", "RUS", "IVANOV", "PETR", "1980-05-17",
	    "2026-01-15", PROTO_ENTRY);
	rc |= cross(db, 0, "A7", "RUS", "PETROV", "OLEG", "1981-02-03",
	    "2026-01-06", PROTO_ENTRY);
	rc |= cross(db, 0, "A8", "RUS", "ORLOV", "DMITRY", "1983-07-07",
	    "2026-06-26", PROTO_ENTRY);
	rc |= cross(db, 0, "A9", "RUS", "LEBEDEV", "ANTON", "1984-08-08",
	    "2026-02-01", PROTO_ENTRY);
	rc |= cross(db, 1, "A9", "RUS", "LEBEDEV", "ANTON", "1984-08-08",
	    "2026-02-10", PROTO_EXIT);
	if (rc != 0 || (st = stays_new()) == NULL)
		return -1;
	do {
		if (stays_derive(conn, st, day("2026-06-30"), 100, &done) != 0)
			return -1;
	} while (done > 0);
	stays_free(st);
	db_free(db);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	PQfinish(conn);
	pgt_stop();
	return 0;
}

static const struct query_settings	no_holidays = { 3, NULL, 0 };

/* Runs kind with "name=value" pairs (NULL-terminated); the page. */
static void
run(enum query_kind kind, struct query_page *pg,
    const struct query_settings *qs, ...)
{
	struct query_params	 p;
	struct query_err	 e;
	va_list			 ap;
	const char		*a;
	char			 name[32];
	size_t			 n;

	query_params_init(&p, kind);
	va_start(ap, qs);
	while ((a = va_arg(ap, const char *)) != NULL) {
		n = strcspn(a, "=");
		(void)snprintf(name, sizeof(name), "%.*s", (int)n, a);
		if (query_param_set(&p, name, a + n + 1, &e) != 0)
			fail_msg("%s: %s: %s", a, e.field, e.msg);
	}
	va_end(ap);
	assert_int_equal(query_params_check(&p, &e), 0);
	assert_int_equal(query_run(conn, qs, &p, pg), 0);
}

/* The page as "NUMBER:DAYS ..." (DAYS: the column named days). */
static void
summary(const struct query_page *pg, const char *days, char *buf,
    size_t bufsz)
{
	size_t	i, row, len = 0;
	int	col = -1;

	buf[0] = '\0';
	for (i = 0; i < pg->ncols; i++)
		if (strcmp(pg->cols[i].name, days) == 0)
			col = (int)i;
	assert_true(col >= 0);
	for (row = 0; row < pg->nrows; row++)
		len += (size_t)snprintf(buf + len, bufsz - len, "%s%s:%s",
		    row > 0 ? " " : "", PQgetvalue(pg->r, (int)row, 1),
		    PQgetvalue(pg->r, (int)row, col));
}

#define EXPECT(kind, qs, days, want, total_, ...) do {			\
	struct query_page	pg_;					\
	char			got_[512];				\
	run((kind), &pg_, (qs), __VA_ARGS__, (const char *)NULL);	\
	summary(&pg_, (days), got_, sizeof(got_));			\
	assert_string_equal(got_, (want));				\
	assert_int_equal(pg_.total, (total_));				\
	query_page_reset(&pg_);						\
} while (0)

#define OVER(want, total, ...) \
	EXPECT(QUERY_OVERSTAYS, &no_holidays, "days_overstayed", want, total, \
	    __VA_ARGS__)

static void
test_category_stored(void **state)
{
	char	buf[256];

	(void)state;
	assert_int_equal(pgt_query1(conninfo, "SELECT string_agg(number ||"
	    " '=' || coalesce(category, '-') || '@' ||"
	    " coalesce(allowed_until::text, '-'), ' ' ORDER BY number)"
	    " FROM stay_states", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "A1=visa_free@2026-03-31 "
	    "A2=visa_free@2026-06-30 A3=visa_free@2026-05-30 "
	    "A4=visa@2026-05-31 A5=no_visa@2026-06-19 "
	    "A6=work_permit@2026-07-29 A7=work_permit@2026-08-29 "
	    "A8=visa_free@2026-09-23 A9=-@-");
}

static void
test_overstays_as_of(void **state)
{
	(void)state;
	OVER("A1:91 A3:31 A4:30 A5:11", 4, "as_of=2026-06-30");
	/* A2's last day is 06-30: overstaying from 07-01. */
	OVER("A1:92 A3:32 A4:31 A5:12 A2:1", 5, "as_of=2026-07-01");
	OVER("A1:132 A3:72 A4:71 A5:52 A2:41 A6:12", 6, "as_of=2026-08-10");
	/* Before A5 entered and on A4's last day. */
	OVER("A1:61 A3:1", 2, "as_of=2026-05-31");
	OVER("", 0, "as_of=2026-03-31");
	OVER("A1:1", 1, "as_of=2026-04-01");
}

static void
test_overstays_filters(void **state)
{
	(void)state;
	OVER("A3:31", 1, "as_of=2026-06-30", "nationality=UZB");
	OVER("A4:30 A5:11", 2, "as_of=2026-06-30", "nationality=USA");
	OVER("", 0, "as_of=2026-06-30", "nationality=KAZ");
	OVER("A3:31", 1, "as_of=2026-06-30", "post=NQZ02");
	OVER("A3:72 A6:12", 2, "as_of=2026-08-10", "post=NQZ02");
	OVER("A1:91 A3:31", 2, "as_of=2026-06-30", "category=visa_free");
	OVER("A4:30", 1, "as_of=2026-06-30", "category=visa");
	OVER("A5:11", 1, "as_of=2026-06-30", "category=no_visa");
	OVER("A6:12", 1, "as_of=2026-08-10", "category=work_permit_ended");
	OVER("A1:91 A3:31 A4:30", 3, "as_of=2026-06-30", "min_days=30");
	OVER("A1:91 A3:31", 2, "as_of=2026-06-30", "min_days=31");
	/* The region of the registration valid on as_of. */
	OVER("A1:91", 1, "as_of=2026-06-30", "region=Almaty");
	OVER("", 0, "as_of=2026-06-30", "region=Astana");
	/* Two valid on as_of: the newer one's region counts, not the older
	 * one's (the region filter is a join, the residence a lookup). */
	assert_int_equal(pgt_exec(conninfo, "INSERT INTO registrations (id,"
	    " issuing_state, number, region, address, host, valid_from,"
	    " valid_until, changed_by) VALUES ('R1b', 'RUS', 'A1', 'Astana',"
	    " 'Kenesary 9', 'Hotel Astana', '2026-09-01', '2026-09-30', 't')"),
	    0);
	OVER("A1:168", 1, "as_of=2026-09-15", "region=Astana");
	OVER("", 0, "as_of=2026-09-15", "region=Almaty");
	OVER("A1:91", 1, "as_of=2026-06-30", "region=Almaty");
	assert_int_equal(pgt_exec(conninfo, "DELETE FROM registrations"
	    " WHERE id = 'R1b'"), 0);
	/* A region most rows have: the page walks the index and looks the
	 * region up (total >= 20 x (limit + 1)); a rare one joins. B01's
	 * newer registration is in Other: it counts there, not in Bulk. */
	assert_int_equal(pgt_exec(conninfo, "INSERT INTO stay_states"
	    " (issuing_state, number, nationality, birth_date, stays,"
	    " open_entry, open_post, allowed_until, rule, category)"
	    " SELECT 'UZB', 'B' || lpad(i::text, 2, '0'), 'UZB', '1990-01-01',"
	    " '[[\"2026-01-01\",null]]', '2026-01-01', 'ALA01',"
	    " DATE '2026-02-01' + i, 'x', 'visa_free'"
	    " FROM generate_series(1, 45) i"), 0);
	assert_int_equal(pgt_exec(conninfo, "INSERT INTO registrations (id,"
	    " issuing_state, number, region, address, host, valid_from,"
	    " valid_until, changed_by) SELECT 'RB' || i, 'UZB',"
	    " 'B' || lpad(i::text, 2, '0'), 'Bulk', 'a', 'h', DATE '2026-01-01',"
	    " DATE '2026-12-31', 't' FROM generate_series(1, 45) i UNION ALL"
	    " SELECT 'RB1x', 'UZB', 'B01', 'Other', 'a', 'h', DATE '2026-03-01',"
	    " DATE '2026-12-31', 't'"), 0);
	OVER("B02:147", 44, "as_of=2026-06-30", "region=Bulk", "limit=1");
	OVER("B03:146 B04:145", 44, "as_of=2026-06-30", "region=Bulk",
	    "limit=2", "offset=1");
	OVER("B01:148", 1, "as_of=2026-06-30", "region=Other", "limit=1");
	OVER("B01:118", 1, "as_of=2026-05-31", "region=Other", "limit=1");
	OVER("B45:104", 44, "as_of=2026-06-30", "region=Bulk", "limit=1",
	    "order=asc");
	assert_int_equal(pgt_exec(conninfo, "DELETE FROM registrations"
	    " WHERE id LIKE 'RB%'"), 0);
	assert_int_equal(pgt_exec(conninfo, "DELETE FROM stay_states"
	    " WHERE number LIKE 'B%'"), 0);
	OVER("A3:31", 1, "as_of=2026-06-30", "nationality=UZB",
	    "post=NQZ02", "category=visa_free", "min_days=31");
	OVER("", 0, "as_of=2026-06-30", "nationality=UZB", "post=ALA01");
}

static void
test_overstays_sort(void **state)
{
	(void)state;
	OVER("A5:11 A4:30 A3:31 A1:91", 4, "as_of=2026-06-30", "order=asc");
	OVER("A1:91 A4:30 A3:31 A5:11", 4, "as_of=2026-06-30",
	    "sort=entry");
	OVER("A5:11 A3:31 A4:30 A1:91", 4, "as_of=2026-06-30",
	    "sort=entry", "order=desc");
	/* Ties broken by the document. */
	OVER("A1:91 A4:30 A5:11 A3:31", 4, "as_of=2026-06-30",
	    "sort=nationality");
	OVER("A3:31 A5:11 A4:30 A1:91", 4, "as_of=2026-06-30",
	    "sort=nationality", "order=desc");
	OVER("A1:91 A4:30 A5:11 A3:31", 4, "as_of=2026-06-30", "sort=post");
}

static void
test_overstays_paging(void **state)
{
	struct query_params	p;
	struct query_page	pg;
	struct query_err	e;
	char			got[256], cursor[QUERY_CURSOR_MAX + 1];

	(void)state;
	query_params_init(&p, QUERY_OVERSTAYS);
	assert_int_equal(query_param_set(&p, "as_of", "2026-08-10", &e), 0);
	assert_int_equal(query_param_set(&p, "limit", "4", &e), 0);
	assert_int_equal(query_run(conn, &no_holidays, &p, &pg), 0);
	summary(&pg, "days_overstayed", got, sizeof(got));
	assert_string_equal(got, "A1:132 A3:72 A4:71 A5:52");
	assert_int_equal(pg.total, 6);
	assert_string_equal(pg.next_cursor, "dd.2026-06-19.USA.A5");
	(void)snprintf(cursor, sizeof(cursor), "%s", pg.next_cursor);
	query_page_reset(&pg);
	assert_int_equal(query_param_set(&p, "cursor", cursor, &e), 0);
	assert_int_equal(query_params_check(&p, &e), 0);
	assert_int_equal(query_run(conn, &no_holidays, &p, &pg), 0);
	summary(&pg, "days_overstayed", got, sizeof(got));
	assert_string_equal(got, "A2:41 A6:12");
	assert_int_equal(pg.total, 6);
	assert_string_equal(pg.next_cursor, "");
	query_page_reset(&pg);

	/* Exactly a page's worth: no cursor to an empty page. */
	OVER("A1:132 A3:72 A4:71 A5:52 A2:41 A6:12", 6, "as_of=2026-08-10",
	    "limit=6");
	OVER("A5:52 A2:41", 6, "as_of=2026-08-10", "limit=2", "offset=3");
	OVER("", 6, "as_of=2026-08-10", "offset=6");
	/* Keyset paging on another order. */
	query_params_init(&p, QUERY_OVERSTAYS);
	assert_int_equal(query_param_set(&p, "as_of", "2026-08-10", &e), 0);
	assert_int_equal(query_param_set(&p, "sort", "nationality", &e), 0);
	assert_int_equal(query_param_set(&p, "limit", "3", &e), 0);
	assert_int_equal(query_run(conn, &no_holidays, &p, &pg), 0);
	summary(&pg, "days_overstayed", got, sizeof(got));
	assert_string_equal(got, "A1:132 A6:12 A4:71");
	assert_string_equal(pg.next_cursor, "na.USA.USA.A4");
	query_page_reset(&pg);
	assert_int_equal(query_param_set(&p, "cursor", "na.USA.USA.A4", &e),
	    0);
	assert_int_equal(query_run(conn, &no_holidays, &p, &pg), 0);
	summary(&pg, "days_overstayed", got, sizeof(got));
	assert_string_equal(got, "A5:52 A2:41 A3:72");
	query_page_reset(&pg);

	/* A cursor of another order, or with an offset. */
	query_params_init(&p, QUERY_OVERSTAYS);
	assert_int_equal(query_param_set(&p, "cursor", cursor, &e), 0);
	assert_int_equal(query_param_set(&p, "sort", "entry", &e), 0);
	assert_int_equal(query_params_check(&p, &e), ERR_INVAL);
	assert_string_equal(e.field, "cursor");
	query_params_init(&p, QUERY_OVERSTAYS);
	assert_int_equal(query_param_set(&p, "cursor", cursor, &e), 0);
	assert_int_equal(query_param_set(&p, "offset", "2", &e), 0);
	assert_int_equal(query_params_check(&p, &e), ERR_INVAL);
	assert_string_equal(e.field, "cursor");
}

static void
test_work_permits_ended(void **state)
{
	struct query_page	pg;

	(void)state;
	/* A6: W1 ended 04-30, still in; A7: W2 ended but W3 followed. */
	EXPECT(QUERY_WORK_PERMITS_ENDED, &no_holidays, "days_since_end",
	    "A6:61", 1, "as_of=2026-06-30");
	EXPECT(QUERY_WORK_PERMITS_ENDED, &no_holidays, "days_overstayed",
	    "A6:12", 1, "as_of=2026-08-10");
	EXPECT(QUERY_WORK_PERMITS_ENDED, &no_holidays, "days_since_end",
	    "", 0, "as_of=2026-04-30");
	EXPECT(QUERY_WORK_PERMITS_ENDED, &no_holidays, "days_since_end",
	    "A6:1", 1, "as_of=2026-05-01");
	EXPECT(QUERY_WORK_PERMITS_ENDED, &no_holidays, "days_since_end",
	    "", 0, "as_of=2026-06-30", "min_days=62");
	EXPECT(QUERY_WORK_PERMITS_ENDED, &no_holidays, "days_since_end",
	    "", 0, "as_of=2026-06-30", "post=ALA01");
	run(QUERY_WORK_PERMITS_ENDED, &pg, &no_holidays, "as_of=2026-06-30",
	    (const char *)NULL);
	assert_int_equal(pg.nrows, 1);
	assert_string_equal(PQgetvalue(pg.r, 0, 9), "W1");
	assert_string_equal(PQgetvalue(pg.r, 0, 10), "2026-04-30");
	assert_string_equal(PQgetvalue(pg.r, 0, 11), "KazStroy");
	assert_string_equal(PQgetvalue(pg.r, 0, 14), "2026-07-29");
	assert_string_equal(PQgetvalue(pg.r, 0, 15), "0");
	query_page_reset(&pg);
}

static void
test_unregistered_working_days(void **state)
{
	static const char		 hol[][11] = { "2026-06-29" };
	const struct query_settings	 holiday = { 3, hol, 1 };
	const struct query_settings	 five = { 5, NULL, 0 };

	(void)state;
	/* Deadlines: A7 Tue 01-06 -> Fri 01-09; A6 Thu 01-15 -> over the
	 * weekend Tue 01-20; A4 Fri 04-10 -> Wed 04-15; A2 Mon 06-01 ->
	 * Thu 06-04; A5 Sat 06-20 -> Wed 06-24. A1 and A3 were registered
	 * on their deadline (01-06, 05-06); A8's is Wed 07-01. */
	EXPECT(QUERY_UNREGISTERED, &no_holidays, "days_late",
	    "A7:172 A6:161 A4:76 A2:26 A5:6", 5, "as_of=2026-06-30");
	EXPECT(QUERY_UNREGISTERED, &no_holidays, "deadline",
	    "A7:2026-01-09 A6:2026-01-20 A4:2026-04-15 A2:2026-06-04 "
	    "A5:2026-06-24", 5, "as_of=2026-06-30");
	/* A8: Fri 06-26 + 3 working days is Wed 07-01: late on 07-02. */
	EXPECT(QUERY_UNREGISTERED, &no_holidays, "days_late", "A8:1", 3,
	    "as_of=2026-07-02", "nationality=RUS", "min_days=1",
	    "sort=entry", "order=desc", "limit=1");
	/* With Monday 06-29 a holiday A8's deadline is Thu 07-02: not
	 * late on 07-02, late on 07-03. */
	EXPECT(QUERY_UNREGISTERED, &holiday, "deadline", "A5:2026-06-24",
	    5, "as_of=2026-07-02", "min_days=0", "sort=entry",
	    "order=desc", "limit=1");
	EXPECT(QUERY_UNREGISTERED, &holiday, "deadline", "A8:2026-07-02",
	    2, "as_of=2026-07-03", "sort=entry", "order=desc", "limit=1",
	    "nationality=RUS", "post=ALA01");
	/* Five working days: A5's deadline is Fri 06-26. */
	EXPECT(QUERY_UNREGISTERED, &five, "deadline", "A5:2026-06-26",
	    1, "as_of=2026-06-30", "category=no_visa");
}

static void
test_params_rejected(void **state)
{
	static const struct {
		enum query_kind	 kind;
		const char	*name, *value, *field;
		int		 rc;
	} cases[] = {
		{ QUERY_OVERSTAYS, "as_of", "2026-02-30", "as_of", ERR_INVAL },
		{ QUERY_OVERSTAYS, "as_of", "2026-2-3", "as_of", ERR_INVAL },
		{ QUERY_OVERSTAYS, "nationality", "rus", "nationality",
		    ERR_INVAL },
		{ QUERY_OVERSTAYS, "nationality", "RUSS", "nationality",
		    ERR_INVAL },
		{ QUERY_OVERSTAYS, "post", "A", "post", ERR_INVAL },
		{ QUERY_OVERSTAYS, "region", "", "region", ERR_INVAL },
		{ QUERY_OVERSTAYS, "region", "a\nb", "region", ERR_INVAL },
		{ QUERY_OVERSTAYS, "category", "tourist", "category",
		    ERR_INVAL },
		{ QUERY_OVERSTAYS, "min_days", "-1", "min_days", ERR_INVAL },
		{ QUERY_OVERSTAYS, "min_days", "36601", "min_days",
		    ERR_INVAL },
		{ QUERY_OVERSTAYS, "sort", "name", "sort", ERR_INVAL },
		{ QUERY_OVERSTAYS, "order", "up", "order", ERR_INVAL },
		{ QUERY_OVERSTAYS, "limit", "0", "limit", ERR_INVAL },
		{ QUERY_OVERSTAYS, "limit", "1001", "limit", ERR_INVAL },
		{ QUERY_OVERSTAYS, "limit", "1e3", "limit", ERR_INVAL },
		{ QUERY_OVERSTAYS, "offset", "1000001", "offset", ERR_INVAL },
		{ QUERY_OVERSTAYS, "cursor", "da.2026-13-01.RUS.A1", "cursor",
		    ERR_INVAL },
		{ QUERY_OVERSTAYS, "cursor", "xa.2026-01-01.RUS.A1", "cursor",
		    ERR_INVAL },
		{ QUERY_OVERSTAYS, "cursor", "da.2026-01-01.RUS.a1'", "cursor",
		    ERR_INVAL },
		{ QUERY_OVERSTAYS, "bogus", "1", "", ERR_NOTFOUND },
		{ QUERY_WORK_PERMITS_ENDED, "category", "visa", "category",
		    ERR_INVAL },
	};
	struct query_params	p;
	struct query_err	e;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		query_params_init(&p, cases[i].kind);
		memset(&e, 0, sizeof(e));
		assert_int_equal(query_param_set(&p, cases[i].name,
		    cases[i].value, &e), cases[i].rc);
		assert_string_equal(e.field, cases[i].field);
		assert_true(e.msg[0] != '\0');
	}
	/* Given twice. */
	query_params_init(&p, QUERY_OVERSTAYS);
	assert_int_equal(query_param_set(&p, "limit", "5", &e), 0);
	assert_int_equal(query_param_set(&p, "limit", "6", &e), ERR_INVAL);
	assert_string_equal(e.field, "limit");
	assert_int_equal(p.limit, 5);
}

static void
test_json_csv_detail(void **state)
{
	struct query_params	 p;
	struct query_page	 pg;
	struct query_err	 e;
	json_t			*o, *rows;
	char			*text, *csv = NULL;
	size_t			 csvlen = 0;
	FILE			*fp;

	(void)state;
	run(QUERY_OVERSTAYS, &pg, &no_holidays, "as_of=2026-06-30",
	    "limit=2", (const char *)NULL);
	assert_non_null(o = query_page_json(&pg));
	assert_string_equal(json_string_value(json_object_get(o, "as_of")),
	    "2026-06-30");
	assert_int_equal(json_integer_value(json_object_get(o, "total")), 4);
	rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), 2);
	text = json_dumps(json_array_get(rows, 0), JSON_COMPACT);
	assert_string_equal(text, "{\"issuing_state\":\"RUS\",\"number\":"
	    "\"A1\",\"nationality\":\"RUS\",\"surname\":\"SOKOLOV\","
	    "\"given_names\":\"IVAN\",\"birth_date\":\"1985-01-01\","
	    "\"sex\":\"M\",\"entry_date\":\"2026-01-01\",\"entry_post\":"
	    "\"ALA01\",\"allowed_until\":\"2026-03-31\",\"days_overstayed\":"
	    "91,\"rule\":\"RUS 90/180 from 2000-01-01\",\"category\":"
	    "\"visa_free\",\"residence\":{\"region\":\"Almaty\",\"address\":"
	    "\"Abay 1, apt 2\",\"host\":\"Hotel Kazakhstan\","
	    "\"registration\":\"R1\"}}");
	free(text);
	/* A3's registration ended 05-20: no residence on 06-30. */
	assert_true(json_is_null(json_object_get(json_array_get(rows, 1),
	    "residence")));
	json_decref(o);
	assert_non_null(fp = open_memstream(&csv, &csvlen));
	assert_int_equal(query_page_csv(&pg, fp, 1), 0);
	fclose(fp);
	assert_string_equal(csv, "issuing_state,number,nationality,surname,"
	    "given_names,birth_date,sex,entry_date,entry_post,allowed_until,"
	    "days_overstayed,rule,category,residence_region,"
	    "residence_address,residence_host,residence_registration\r\n"
	    "RUS,A1,RUS,SOKOLOV,IVAN,1985-01-01,M,2026-01-01,ALA01,"
	    "2026-03-31,91,RUS 90/180 from 2000-01-01,visa_free,Almaty,"
	    "\"Abay 1, apt 2\",Hotel Kazakhstan,R1\r\n"
	    "UZB,A3,UZB,RASHIDOV,BOBUR,1991-03-03,M,2026-05-01,NQZ02,"
	    "2026-05-30,31,\"UZB 90/180, 30 per entry from 2000-01-01\","
	    "visa_free,,,,\r\n");
	free(csv);
	query_page_reset(&pg);

	/* A host typed as a spreadsheet formula comes out as text. */
	assert_int_equal(pgt_exec(conninfo, "UPDATE registrations SET host ="
	    " '=HYPERLINK(\"http://x\")' WHERE id = 'R1'"), 0);
	run(QUERY_OVERSTAYS, &pg, &no_holidays, "as_of=2026-06-30",
	    "limit=1", (const char *)NULL);
	csv = NULL;
	assert_non_null(fp = open_memstream(&csv, &csvlen));
	assert_int_equal(query_page_csv(&pg, fp, 0), 0);
	fclose(fp);
	assert_non_null(strstr(csv, ",\"Abay 1, apt 2\","
	    "\"'=HYPERLINK(\"\"http://x\"\")\",R1\r\n"));
	free(csv);
	query_page_reset(&pg);
	assert_int_equal(pgt_exec(conninfo, "UPDATE registrations SET host ="
	    " 'Hotel Kazakhstan' WHERE id = 'R1'"), 0);

	query_params_init(&p, QUERY_OVERSTAYS);
	assert_int_equal(query_param_set(&p, "nationality", "UZB", &e), 0);
	assert_int_equal(query_param_set(&p, "min_days", "3", &e), 0);
	assert_int_equal(query_param_set(&p, "category",
	    "residence_permit_ended", &e), 0);
	assert_non_null(text = query_params_detail(&p, "2026-06-30"));
	assert_string_equal(text, "{\"as_of\":\"2026-06-30\",\"category\":"
	    "\"residence_permit\",\"min_days\":3,\"nationality\":\"UZB\","
	    "\"query\":\"overstays\"}");
	free(text);
}

static void
test_history(void **state)
{
	json_t	*h = NULL, *a;
	char	*text;

	(void)state;
	assert_int_equal(query_history(conn, "RUS", "A6", &h), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    h, "person"), "surname")), "IVANOV");
	a = json_object_get(h, "crossings");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(a, 0), "post")), "NQZ02");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(a, 0), "recorded_at")), "2026-01-15T12:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(a, 0), "direction")), "entry");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(a, 0), "lane")), 1);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(a, 0), "seq")), 2);
	/* W1 by the document, W9 by the person on another passport. */
	a = json_object_get(h, "permits");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(a, 0), "id")), "W9");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(a, 0), "matched_by")), "person");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(a, 1), "matched_by")), "document");
	a = json_object_get(h, "document_alerts");
	assert_int_equal(json_array_size(a), 1);
	/* PA1 typed in Cyrillic with the birth year only; not PA2. */
	a = json_object_get(h, "person_alerts");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(a, 0), "id")), "PA1");
	assert_true(json_real_value(json_object_get(json_array_get(a, 0),
	    "score")) >= 0.75);
	assert_int_equal(json_array_size(json_object_get(h, "registrations")),
	    1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    h, "stay_state"), "category")), "work_permit");
	a = json_object_get(h, "checks");
	assert_int_equal(json_array_size(a), 1);
	text = json_dumps(json_object_get(json_array_get(a, 0), "detail"),
	    JSON_COMPACT);
	assert_string_equal(text, "{\"verdict\":\"clear\"}");
	free(text);
	json_decref(h);

	/* A closed stay: crossings, no open stay, no alerts. */
	assert_int_equal(query_history(conn, "RUS", "A9", &h), 0);
	assert_int_equal(json_array_size(json_object_get(h, "crossings")), 2);
	assert_int_equal(json_array_size(json_object_get(h,
	    "person_alerts")), 0);
	assert_true(json_is_null(json_object_get(json_object_get(h,
	    "stay_state"), "open_entry")));
	json_decref(h);

	assert_int_equal(query_history(conn, "RUS", "NOPE1", &h),
	    ERR_NOTFOUND);
	assert_int_equal(query_history(conn, "rus", "A6", &h), ERR_INVAL);
	assert_int_equal(query_history(conn, "RUS", "A6';--", &h), ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_category_stored),
		cmocka_unit_test(test_overstays_as_of),
		cmocka_unit_test(test_overstays_filters),
		cmocka_unit_test(test_overstays_sort),
		cmocka_unit_test(test_overstays_paging),
		cmocka_unit_test(test_work_permits_ended),
		cmocka_unit_test(test_unregistered_working_days),
		cmocka_unit_test(test_params_rejected),
		cmocka_unit_test(test_json_csv_detail),
		cmocka_unit_test(test_history),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
