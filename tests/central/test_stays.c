/* test_stays.c - central/stays.c and migration 003 against a real
 * PostgreSQL: crossings stored through db_store_batch() (COPY and INSERT
 * paths) mark their documents, the deriver turns them into stays (entry
 * then exit, exit before its entry arrives, two posts, refused crossings,
 * same-day crossings, missed exits), chooses the rule and allowed_until
 * (visa-free window and per-entry cap, visas and permits, citizens),
 * counts overstay days, publishes a feed entry only on change, deletes a
 * state that left the window, waits for a crossing still being stored,
 * and - the property - ends with the same row and the same last feed entry
 * whatever order and batches the crossings arrive in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "proto.h"
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

struct fx {
	char		 conninfo[640];
	struct db	*db;		/* stores crossings */
	PGconn		*conn;		/* the deriver's connection */
	PGconn		*q;		/* the test's queries */
	struct stays	*st;
	uint64_t	 seq[2];	/* last seq of ALA01, NQZ02 */
};

static const char *const posts[2] = { "ALA01", "NQZ02" };

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_stays", LOGL_WARN);
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
fx_open(struct fx *fx)
{
	FILE	*devnull;
	int	 rc;

	if (pgt_newdb(fx->conninfo, sizeof(fx->conninfo)) != 0 ||
	    (fx->db = db_new(fx->conninfo)) == NULL ||
	    (devnull = fopen("/dev/null", "w")) == NULL)
		return -1;
	rc = migrate_apply(fx->db, devnull, stderr);
	fclose(devnull);
	if (rc != 0)
		return -1;
	fx->conn = PQconnectdb(fx->conninfo);
	fx->q = PQconnectdb(fx->conninfo);
	if (PQstatus(fx->conn) != CONNECTION_OK ||
	    PQstatus(fx->q) != CONNECTION_OK ||
	    (fx->st = stays_new()) == NULL)
		return -1;
	return 0;
}

static void
fx_close(struct fx *fx)
{
	stays_free(fx->st);
	PQfinish(fx->conn);
	PQfinish(fx->q);
	db_free(fx->db);
	memset(fx, 0, sizeof(*fx));
}

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	if (fx_open(fx) != 0) {
		fx_close(fx);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	fx_close(fx);
	free(fx);
	return 0;
}

/* Runs sql with up to 3 text parameters; the result must be ok. */
static PGresult *
q(PGconn *c, const char *sql, const char *a, const char *b, const char *d)
{
	const char	*v[3] = { a, b, d };
	int		 n = d != NULL ? 3 : b != NULL ? 2 : a != NULL ? 1 : 0;
	PGresult	*r;

	r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	return r;
}

/* The one value of a one-row query, "" for no row or null. */
static void
q1(struct fx *fx, char *buf, size_t bufsz, const char *sql, const char *a)
{
	PGresult	*r = q(fx->q, sql, a, NULL, NULL);

	buf[0] = '\0';
	if (PQntuples(r) == 1)
		(void)snprintf(buf, bufsz, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

static long
q1l(struct fx *fx, const char *sql, const char *a)
{
	char	buf[64];

	q1(fx, buf, sizeof(buf), sql, a);
	return strtol(buf, NULL, 10);
}

static void
load_policy(struct fx *fx, const char *yaml)
{
	PQclear(q(fx->q, "INSERT INTO policy_versions (version, yaml,"
	    " loaded_by) VALUES ('T-1', $1, 'test')", yaml, NULL, NULL));
}

static int64_t
day(const char *iso)
{
	struct date	d;

	assert_int_equal(date_parse_iso(&d, iso, strlen(iso)), 0);
	return date_to_days(&d);
}

/* A crossing of document (state, number, nationality) at a time. */
static void
mk(struct proto_crossing *c, const char *state, const char *number,
    const char *nat, int64_t ms, enum proto_direction dir,
    enum proto_outcome outcome)
{
	memset(c, 0, sizeof(*c));
	c->recorded_at = ms;
	c->direction = dir;
	c->lane = 1;
	(void)snprintf(c->officer, sizeof(c->officer), "KZ0042");
	c->outcome = outcome;
	(void)snprintf(c->doc.type, sizeof(c->doc.type), "P");
	(void)snprintf(c->doc.issuing_state, sizeof(c->doc.issuing_state),
	    "%s", state);
	(void)snprintf(c->doc.number, sizeof(c->doc.number), "%s", number);
	(void)snprintf(c->doc.nationality, sizeof(c->doc.nationality), "%s",
	    nat);
	(void)snprintf(c->doc.surname, sizeof(c->doc.surname), "IVANOV");
	(void)snprintf(c->doc.given_names, sizeof(c->doc.given_names),
	    "PETR");
	(void)snprintf(c->doc.birth_date, sizeof(c->doc.birth_date),
	    "1980-05-17");
	c->doc.sex = 'M';
	(void)snprintf(c->doc.expiry_date, sizeof(c->doc.expiry_date),
	    "2035-01-01");
}

/* Stores one crossing at a post (the next seq of that post). */
static void
cross(struct fx *fx, int post, const char *number, const char *nat,
    const char *when, enum proto_direction dir, enum proto_outcome out)
{
	struct proto_crossing	c;
	struct proto_batch	b;
	struct db_store_result	res;
	uint64_t		dur[1], con[1];
	int64_t			ms;

	assert_int_equal(date_parse_rfc3339(&ms, when, strlen(when)), 0);
	mk(&c, "RUS", number, nat, ms, dir, out);
	c.seq = ++fx->seq[post];
	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "%s", posts[post]);
	b.n = 1;
	b.items = &c;
	memset(&res, 0, sizeof(res));
	res.durable = dur;
	res.conflict = con;
	assert_int_equal(db_store_batch(fx->db, &b, &res), 0);
	assert_int_equal(res.ndurable, 1);
}

/* Derives everything dirty as of today; the documents derived. */
static size_t
derive(struct fx *fx, const char *today)
{
	size_t	done, all = 0;

	do {
		assert_int_equal(stays_derive(fx->conn, fx->st, day(today), 7,
		    &done), 0);
		all += done;
	} while (done > 0);
	return all;
}

/* The stored row of RUS:number as one line, "" if none. */
static void
row(struct fx *fx, const char *number, char *buf, size_t bufsz)
{
	q1(fx, buf, bufsz, "SELECT concat_ws(' | ', stays::text,"
	    " coalesce(open_entry::text, '-'), coalesce(open_post, '-'),"
	    " coalesce(allowed_until::text, '-'), coalesce(rule, '-'),"
	    " overstay_days) FROM stay_states"
	    " WHERE issuing_state = 'RUS' AND number = $1", number);
}

static long
nfeed(struct fx *fx, const char *number)
{
	char	id[64];

	(void)snprintf(id, sizeof(id), "RUS:%s", number);
	return q1l(fx, "SELECT count(*) FROM feed_log WHERE kind ="
	    " 'stay_state' AND id = $1", id);
}

/* The last feed entry of RUS:number: "op entry". */
static void
lastfeed(struct fx *fx, const char *number, char *buf, size_t bufsz)
{
	char	id[64];

	(void)snprintf(id, sizeof(id), "RUS:%s", number);
	q1(fx, buf, bufsz, "SELECT op || ' ' || entry FROM feed_log WHERE"
	    " kind = 'stay_state' AND id = $1 ORDER BY pos DESC LIMIT 1", id);
}

#define ROW(fx, n, want) do {						\
	char	got_[2048];						\
	row((fx), (n), got_, sizeof(got_));				\
	assert_string_equal(got_, (want));				\
} while (0)

/*
 * The worked cases.
 */

static void
test_entry_then_exit(void **state)
{
	struct fx	*fx = *state;
	char		 buf[4096];

	load_policy(fx, POLICY_UTC);
	cross(fx, 0, "A1", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	/* The trigger marked it in the same transaction (COPY path). */
	assert_int_equal(q1l(fx, "SELECT count(*) FROM stay_dirty WHERE"
	    " number = $1", "A1"), 1);
	assert_int_equal(derive(fx, "2026-06-05"), 1);
	ROW(fx, "A1", "[[\"2026-06-01\", null]] | 2026-06-01 | ALA01 | "
	    "2026-08-29 | RUS 90/180 from 2000-01-01 | 0");
	assert_int_equal(nfeed(fx, "A1"), 1);
	lastfeed(fx, "A1", buf, sizeof(buf));
	assert_non_null(strstr(buf, "upsert {\"pos\":"));
	assert_non_null(strstr(buf, "\"id\":\"RUS:A1\",\"data\":{\"person\":"
	    "{\"issuing_state\":\"RUS\",\"number\":\"A1\",\"nationality\":"
	    "\"RUS\",\"birth_date\":\"1980-05-17\"},\"stays\":"
	    "[[\"2026-06-01\",null]],\"rule\":\"RUS 90/180 from "
	    "2000-01-01\"}}"));

	cross(fx, 0, "A1", "RUS", "2026-06-10T09:00:00Z", PROTO_EXIT,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	ROW(fx, "A1", "[[\"2026-06-01\", \"2026-06-10\"]] | - | - | - | - "
	    "| 0");
	assert_int_equal(nfeed(fx, "A1"), 2);
	lastfeed(fx, "A1", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"stays\":[[\"2026-06-01\","
	    "\"2026-06-10\"]],\"rule\":null}}"));

	/* Derived again with nothing new: no row change, no feed entry. */
	assert_int_equal(derive(fx, "2026-06-30"), 0);
	PQclear(q(fx->q, "INSERT INTO stay_dirty VALUES ('RUS', 'A1')", NULL,
	    NULL, NULL));
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	assert_int_equal(nfeed(fx, "A1"), 2);
	assert_int_equal(q1l(fx, "SELECT count(*) FROM stay_dirty", NULL), 0);
}

static void
test_exit_before_entry(void **state)
{
	struct fx	*fx = *state;

	load_policy(fx, POLICY_UTC);
	/* The exit at NQZ02 arrives first: the entry's post was offline. */
	cross(fx, 1, "B1", "RUS", "2026-06-10T09:00:00Z", PROTO_EXIT,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	ROW(fx, "B1", "[[\"2026-06-10\", \"2026-06-10\"]] | - | - | - | - "
	    "| 0");
	cross(fx, 0, "B1", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	ROW(fx, "B1", "[[\"2026-06-01\", \"2026-06-10\"]] | - | - | - | - "
	    "| 0");
	assert_int_equal(nfeed(fx, "B1"), 2);
}

static void
test_entry_a_exit_b(void **state)
{
	struct fx	*fx = *state;

	load_policy(fx, POLICY_UTC);
	cross(fx, 1, "C1", "RUS", "2026-05-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-05-02"), 1);
	ROW(fx, "C1", "[[\"2026-05-01\", null]] | 2026-05-01 | NQZ02 | "
	    "2026-07-29 | RUS 90/180 from 2000-01-01 | 0");
	cross(fx, 0, "C1", "RUS", "2026-05-20T23:59:59Z", PROTO_EXIT,
	    PROTO_ADMIT);
	/* A second entry while open: the exit was missed; it stays open. */
	cross(fx, 0, "C1", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	cross(fx, 1, "C1", "RUS", "2026-06-03T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-05"), 1);
	ROW(fx, "C1", "[[\"2026-05-01\", \"2026-05-20\"], [\"2026-06-01\", "
	    "null]] | 2026-06-01 | ALA01 | 2026-08-09 | RUS 90/180 from "
	    "2000-01-01 | 0");
}

static void
test_refused_do_not_count(void **state)
{
	struct fx	*fx = *state;

	load_policy(fx, POLICY_UTC);
	cross(fx, 0, "D1", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_REFUSE);
	cross(fx, 0, "D1", "RUS", "2026-06-01T09:00:00Z", PROTO_ENTRY,
	    PROTO_REFER);
	/* Not even marked: only admitted crossings change a stay. */
	assert_int_equal(q1l(fx, "SELECT count(*) FROM stay_dirty", NULL), 0);
	assert_int_equal(derive(fx, "2026-06-02"), 0);
	ROW(fx, "D1", "");
	assert_int_equal(nfeed(fx, "D1"), 0);
	cross(fx, 0, "D1", "RUS", "2026-06-02T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	cross(fx, 0, "D1", "RUS", "2026-06-03T08:00:00Z", PROTO_EXIT,
	    PROTO_REFUSE);
	assert_int_equal(derive(fx, "2026-06-04"), 1);
	ROW(fx, "D1", "[[\"2026-06-02\", null]] | 2026-06-02 | ALA01 | "
	    "2026-08-30 | RUS 90/180 from 2000-01-01 | 0");
}

static void
test_same_day(void **state)
{
	struct fx	*fx = *state;

	load_policy(fx, POLICY_UTC);
	cross(fx, 0, "E1", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	cross(fx, 0, "E1", "RUS", "2026-06-01T18:00:00Z", PROTO_EXIT,
	    PROTO_ADMIT);
	/* Left and came back on one day: one stay (they share the day). */
	cross(fx, 1, "E2", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	cross(fx, 1, "E2", "RUS", "2026-06-05T08:00:00Z", PROTO_EXIT,
	    PROTO_ADMIT);
	cross(fx, 0, "E2", "RUS", "2026-06-05T20:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-10"), 2);
	ROW(fx, "E1", "[[\"2026-06-01\", \"2026-06-01\"]] | - | - | - | - "
	    "| 0");
	ROW(fx, "E2", "[[\"2026-06-01\", null]] | 2026-06-01 | NQZ02 | "
	    "2026-08-29 | RUS 90/180 from 2000-01-01 | 0");
}

static void
test_overstay(void **state)
{
	struct fx	*fx = *state;
	size_t		 marked;

	load_policy(fx, POLICY_UTC);
	/* 90/180 from 2026-01-01: lawful to 03-31; 04-01..06-30 is 91. */
	cross(fx, 0, "F1", "RUS", "2026-01-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	/* 30 per entry: lawful 06-01..06-30, then 5 days over on 07-05. */
	cross(fx, 0, "F2", "UZB", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 2);
	ROW(fx, "F1", "[[\"2026-01-01\", null]] | 2026-01-01 | ALA01 | "
	    "2026-03-31 | RUS 90/180 from 2000-01-01 | 91");
	ROW(fx, "F2", "[[\"2026-06-01\", null]] | 2026-06-01 | ALA01 | "
	    "2026-06-30 | UZB 90/180, 30 per entry from 2000-01-01 | 0");
	/* The sweep sends back the overstayers derived on an earlier day
	 * (both are past allowed_until on 07-05); overstay_days grows, the
	 * feed does not (nothing posts see changed). */
	assert_int_equal(stays_sweep(fx->conn, fx->st, day("2026-07-05"),
	    &marked), 0);
	assert_int_equal(marked, 2);
	assert_int_equal(derive(fx, "2026-07-05"), 2);
	ROW(fx, "F1", "[[\"2026-01-01\", null]] | 2026-01-01 | ALA01 | "
	    "2026-03-31 | RUS 90/180 from 2000-01-01 | 96");
	assert_int_equal(nfeed(fx, "F1"), 1);
	assert_int_equal(nfeed(fx, "F2"), 1);
	/* Derived today: not sent back again within the day. */
	assert_int_equal(stays_sweep(fx->conn, fx->st, day("2026-07-05"),
	    &marked), 0);
	assert_int_equal(marked, 0);
	ROW(fx, "F2", "[[\"2026-06-01\", null]] | 2026-06-01 | ALA01 | "
	    "2026-06-30 | UZB 90/180, 30 per entry from 2000-01-01 | 5");
}

static void
test_permit_changes_rule(void **state)
{
	struct fx	*fx = *state;

	load_policy(fx, POLICY_UTC);
	/* USA: visa required (default), admitted without one. */
	cross(fx, 0, "G1", "USA", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	ROW(fx, "G1", "[[\"2026-06-01\", null]] | 2026-06-01 | ALA01 | "
	    "2026-05-31 | default: visa required | 30");
	/* A visa of 30 days per entry, valid on the entry day. */
	PQclear(q(fx->q, "INSERT INTO permits (id, kind, issuing_state,"
	    " number, nationality, surname, given_names, birth_date,"
	    " valid_from, valid_until, stay_days, changed_by) VALUES"
	    " ('V1', 'visa', 'RUS', 'G1', 'USA', 'IVANOV', 'PETR',"
	    " '1980-05-17', '2026-05-01', '2026-12-31', 30, 'test')",
	    NULL, NULL, NULL));
	PQclear(q(fx->q, "INSERT INTO stay_dirty VALUES ('RUS', 'G1')", NULL,
	    NULL, NULL));
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	ROW(fx, "G1", "[[\"2026-06-01\", null]] | 2026-06-01 | ALA01 | "
	    "2026-06-30 | visa V1 | 0");
	assert_int_equal(nfeed(fx, "G1"), 2);

	/* RUS with a work permit on another passport (found by person):
	 * unlimited to its end, then 90 visa-free days. */
	PQclear(q(fx->q, "INSERT INTO permits (id, kind, issuing_state,"
	    " number, nationality, surname, given_names, birth_date,"
	    " valid_from, valid_until, changed_by) VALUES"
	    " ('W1', 'work_permit', 'RUS', 'OLD1', 'RUS', 'IVANOV', 'PETR',"
	    " '1980-05-17', '2026-01-01', '2026-06-15', 'test')",
	    NULL, NULL, NULL));
	cross(fx, 0, "G2", "RUS", "2026-01-10T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	ROW(fx, "G2", "[[\"2026-01-10\", null]] | 2026-01-10 | ALA01 | "
	    "2026-09-13 | work_permit W1 | 0");
}

static void
test_citizen(void **state)
{
	struct fx	*fx = *state;

	load_policy(fx, POLICY_UTC);
	cross(fx, 0, "H1", "KAZ", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	ROW(fx, "H1", "");
	assert_int_equal(nfeed(fx, "H1"), 0);
	/* A document first read as foreign, then (the latest crossing) as
	 * a citizen's: the state goes, with a feed delete. */
	cross(fx, 0, "H2", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	assert_int_equal(nfeed(fx, "H2"), 1);
	cross(fx, 0, "H2", "KAZ", "2026-06-02T08:00:00Z", PROTO_EXIT,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-30"), 1);
	ROW(fx, "H2", "");
	char	buf[256];
	lastfeed(fx, "H2", buf, sizeof(buf));
	assert_non_null(strstr(buf, "delete {\"pos\":"));
}

static void
test_leaves_window(void **state)
{
	struct fx	*fx = *state;
	size_t		 marked;
	char		 buf[256];

	load_policy(fx, POLICY_UTC);
	cross(fx, 0, "J1", "RUS", "2026-01-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	cross(fx, 0, "J1", "RUS", "2026-01-05T08:00:00Z", PROTO_EXIT,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-02-01"), 1);
	ROW(fx, "J1", "[[\"2026-01-01\", \"2026-01-05\"]] | - | - | - | - "
	    "| 0");
	/* 2026-07-03: the window (180 days) begins 01-05, still in. */
	assert_int_equal(stays_sweep(fx->conn, fx->st, day("2026-07-03"),
	    &marked), 0);
	assert_int_equal(marked, 0);
	/* 2026-07-04: it begins 01-06; the stay has left. */
	assert_int_equal(stays_sweep(fx->conn, fx->st, day("2026-07-04"),
	    &marked), 0);
	assert_int_equal(marked, 1);
	assert_int_equal(derive(fx, "2026-07-04"), 1);
	ROW(fx, "J1", "");
	lastfeed(fx, "J1", buf, sizeof(buf));
	assert_non_null(strstr(buf, "delete {\"pos\":"));
	assert_non_null(strstr(buf, "\"op\":\"delete\",\"kind\":"
	    "\"stay_state\",\"id\":\"RUS:J1\"}"));
	assert_int_equal(nfeed(fx, "J1"), 2);
	/* Older stays leave, newer ones stay. */
	cross(fx, 0, "J2", "RUS", "2025-01-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	cross(fx, 0, "J2", "RUS", "2025-01-05T08:00:00Z", PROTO_EXIT,
	    PROTO_ADMIT);
	cross(fx, 0, "J2", "RUS", "2026-06-01T08:00:00Z", PROTO_EXIT,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-07-04"), 1);
	ROW(fx, "J2", "[[\"2026-06-01\", \"2026-06-01\"]] | - | - | - | - "
	    "| 0");
}

static void
test_time_zone(void **state)
{
	struct fx	*fx = *state;
	char		*yaml;
	const char	*at;

	/* Asia/Almaty is UTC+5: 20:00Z is 01:00 the next day there. */
	if ((yaml = strdup(POLICY_UTC)) == NULL)
		fail();
	at = strstr(yaml, "timezone: UTC\n");
	assert_non_null(at);
	yaml[at - yaml] = '\0';
	{
		char	buf[2048];

		(void)snprintf(buf, sizeof(buf), "%stimezone: Asia/Almaty\n%s",
		    yaml, at + strlen("timezone: UTC\n"));
		load_policy(fx, buf);
	}
	free(yaml);
	cross(fx, 0, "K1", "RUS", "2026-06-01T20:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(derive(fx, "2026-06-05"), 1);
	ROW(fx, "K1", "[[\"2026-06-02\", null]] | 2026-06-02 | ALA01 | "
	    "2026-08-30 | RUS 90/180 from 2000-01-01 | 0");
	/* Today from the server's clock in that zone. */
	size_t	done;
	PQclear(q(fx->q, "INSERT INTO stay_dirty VALUES ('RUS', 'K1')", NULL,
	    NULL, NULL));
	assert_int_equal(stays_derive(fx->conn, fx->st, STAYS_TODAY, 10,
	    &done), 0);
	assert_int_equal(done, 1);
}

static void
test_no_policy(void **state)
{
	struct fx	*fx = *state;
	size_t		 done = 99;

	cross(fx, 0, "L1", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	assert_int_equal(stays_derive(fx->conn, fx->st, day("2026-06-02"), 10,
	    &done), 0);
	assert_int_equal(done, 0);
	{
		char	n[16];

		assert_int_equal(pgt_query1(fx->conninfo, "SELECT count(*)"
		    " FROM stay_dirty", n, sizeof(n)), 0);
		assert_string_equal(n, "1");	/* left dirty */
	}
	load_policy(fx, POLICY_UTC);
	assert_int_equal(derive(fx, "2026-06-02"), 1);
	assert_int_equal(nfeed(fx, "L1"), 1);
}

/* A crossing still being stored holds its document's mark: the deriver
 * passes it by instead of deriving without that crossing. */
static void
test_waits_for_uncommitted(void **state)
{
	struct fx	*fx = *state;
	PGconn		*t1;

	load_policy(fx, POLICY_UTC);
	cross(fx, 0, "M1", "RUS", "2026-06-01T08:00:00Z", PROTO_ENTRY,
	    PROTO_ADMIT);
	t1 = PQconnectdb(fx->conninfo);
	assert_int_equal(PQstatus(t1), CONNECTION_OK);
	PQclear(q(t1, "BEGIN", NULL, NULL, NULL));
	PQclear(q(t1, "INSERT INTO crossings (post, seq, recorded_at,"
	    " direction, lane, officer, outcome, doc_type, issuing_state,"
	    " doc_number, nationality, surname, given_names, birth_date, sex,"
	    " expiry_date) VALUES ('NQZ02', 1, '2026-06-04T08:00:00Z', 'exit',"
	    " 1, 'KZ1', 'admit', 'P', 'RUS', 'M1', 'RUS', 'IVANOV', 'PETR',"
	    " '1980-05-17', 'M', '2035-01-01')", NULL, NULL, NULL));
	assert_int_equal(derive(fx, "2026-06-10"), 0);
	PQclear(q(t1, "COMMIT", NULL, NULL, NULL));
	PQfinish(t1);
	assert_int_equal(derive(fx, "2026-06-10"), 1);
	ROW(fx, "M1", "[[\"2026-06-01\", \"2026-06-04\"]] | - | - | - | - "
	    "| 0");
}

/*
 * The property: same crossings, any order and batches, same result.
 */

struct hist {
	struct proto_crossing	c[24];
	int			post[24];
	size_t			n;
};

static uint64_t	rng_state;

static uint64_t
rng(void)
{
	uint64_t	x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static size_t
rnd(size_t n)
{
	return (size_t)(rng() % n);
}

#define T_BASE	1767225600000LL		/* 2026-01-01T00:00:00Z */
#define MS_DAY	86400000LL

/* A history: several stays at two posts, with missed crossings, refused
 * ones, same-day returns and ties at the same instant. */
static void
hist_make(struct hist *h, size_t i)
{
	static const char *const nats[] = { "RUS", "UZB", "USA", "RUS",
	    "UZB", "KAZ" };
	char		 number[24];
	const char	*nat = nats[i % 6];
	int64_t		 t = T_BASE - (int64_t)rnd(300) * MS_DAY;
	size_t		 k, stays = 1 + rnd(5);
	int		 drop;

	(void)snprintf(number, sizeof(number), "P%zu", i);
	h->n = 0;
	for (k = 0; k < stays && h->n + 4 <= 24; k++) {
		t += (int64_t)rnd(40) * MS_DAY + (int64_t)rnd(MS_DAY);
		drop = (int)rnd(8);
		if (drop != 0) {	/* the entry, unless missed */
			mk(&h->c[h->n], "RUS", number, nat, t, PROTO_ENTRY,
			    rnd(10) == 0 ? PROTO_REFUSE : PROTO_ADMIT);
			h->post[h->n++] = (int)rnd(2);
		}
		if (rnd(6) == 0) {	/* a second entry, exit missed */
			mk(&h->c[h->n], "RUS", number, nat, t + (int64_t)
			    rnd(3) * MS_DAY, PROTO_ENTRY, PROTO_ADMIT);
			h->post[h->n++] = (int)rnd(2);
		}
		t += (int64_t)rnd(60) * MS_DAY + (int64_t)rnd(MS_DAY / 2);
		if (drop != 1 && (k + 1 < stays || rnd(3) != 0)) {
			mk(&h->c[h->n], "RUS", number, nat, t, PROTO_EXIT,
			    PROTO_ADMIT);
			h->post[h->n++] = (int)rnd(2);
			if (rnd(5) == 0) {	/* same instant, other post */
				mk(&h->c[h->n], "RUS", number, nat, t,
				    PROTO_ENTRY, PROTO_ADMIT);
				h->post[h->n] = !h->post[h->n - 1];
				h->n++;
			}
		}
	}
}

/* Every crossing of every history, seqs given per post in time order (as
 * the posts would), then shuffled into orders. */
struct all {
	struct proto_crossing	*c;
	int			*post;
	size_t			 n;
};

static void
all_make(struct all *a, size_t nhist)
{
	struct hist	h;
	size_t		i, j, k;
	uint64_t	seq[2] = { 0, 0 };

	a->c = calloc(nhist * 24, sizeof(*a->c));
	a->post = calloc(nhist * 24, sizeof(*a->post));
	assert_non_null(a->c);
	assert_non_null(a->post);
	a->n = 0;
	for (i = 0; i < nhist; i++) {
		hist_make(&h, i);
		for (j = 0; j < h.n; j++) {
			a->c[a->n] = h.c[j];
			a->post[a->n] = h.post[j];
			a->n++;
		}
	}
	/* Seqs per post in recorded order (insertion sort by time). */
	for (i = 1; i < a->n; i++)
		for (k = i; k > 0 && a->c[k - 1].recorded_at >
		    a->c[k].recorded_at; k--) {
			struct proto_crossing	tc = a->c[k];
			int			tp = a->post[k];

			a->c[k] = a->c[k - 1];
			a->post[k] = a->post[k - 1];
			a->c[k - 1] = tc;
			a->post[k - 1] = tp;
		}
	for (i = 0; i < a->n; i++)
		a->c[i].seq = ++seq[a->post[i]];
}

/* Stores the crossings in order ord[], in batches of random sizes (each
 * sometimes resending crossings already stored: the INSERT path), and
 * derives after each batch. */
static void
feed_in_order(struct fx *fx, const struct all *a, const size_t *ord)
{
	struct proto_crossing	*items;
	struct proto_batch	 b;
	struct db_store_result	 res;
	uint64_t		*dur, *con;
	size_t			 i = 0, j, len, p, resend;

	items = calloc(64, sizeof(*items));
	dur = calloc(64, sizeof(*dur));
	con = calloc(64, sizeof(*con));
	assert_true(items != NULL && dur != NULL && con != NULL);
	while (i < a->n) {
		len = 1 + rnd(40);
		if (len > a->n - i)
			len = a->n - i;
		for (p = 0; p < 2; p++) {
			memset(&b, 0, sizeof(b));
			(void)snprintf(b.post, sizeof(b.post), "%s", posts[p]);
			b.items = items;
			for (j = i; j < i + len; j++)
				if (a->post[ord[j]] == (int)p)
					items[b.n++] = a->c[ord[j]];
			/* Resend one already stored, now and then. */
			resend = i > 0 && rnd(4) == 0 ? ord[rnd(i)] : SIZE_MAX;
			if (resend != SIZE_MAX && a->post[resend] == (int)p)
				items[b.n++] = a->c[resend];
			if (b.n == 0)
				continue;
			memset(&res, 0, sizeof(res));
			res.durable = dur;
			res.conflict = con;
			assert_int_equal(db_store_batch(fx->db, &b, &res), 0);
			assert_int_equal(res.ndurable, b.n);
		}
		i += len;
		(void)derive(fx, "2026-06-30");
	}
	free(items);
	free(dur);
	free(con);
}

/* Every state and each document's last feed entry without its pos, one
 * line each, in document order. A delete and no entry at all are the
 * same for a post (it holds nothing either way): both print "none". */
static char *
snapshot(struct fx *fx)
{
	PGresult	*r;
	char		*out;
	size_t		 len = 0, cap = 1 << 20, i;

	r = q(fx->q, "SELECT d.number, coalesce(concat_ws(' | ',"
	    "  s.nationality, s.birth_date, s.stays::text, s.open_entry,"
	    "  s.open_post, s.allowed_until, s.rule, s.overstay_days), '-'),"
	    " coalesce((SELECT CASE WHEN f.op = 'delete' THEN 'none' ELSE"
	    "  regexp_replace(f.entry, '^\\{\"pos\":[0-9]+,', '{') END"
	    "  FROM feed_log f WHERE f.kind = 'stay_state' AND"
	    "  f.id = 'RUS:' || d.number ORDER BY f.pos DESC LIMIT 1),"
	    "  'none')"
	    " FROM (SELECT DISTINCT doc_number AS number FROM crossings) d"
	    " LEFT JOIN stay_states s ON s.issuing_state = 'RUS' AND"
	    "  s.number = d.number"
	    " ORDER BY d.number", NULL, NULL, NULL);
	out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	for (i = 0; i < (size_t)PQntuples(r); i++) {
		int	w = snprintf(out + len, cap - len, "%s %s %s\n",
		    PQgetvalue(r, (int)i, 0), PQgetvalue(r, (int)i, 1),
		    PQgetvalue(r, (int)i, 2));

		assert_true(w > 0 && (size_t)w < cap - len);
		len += (size_t)w;
	}
	PQclear(r);
	return out;
}

static void
test_property_any_order(void **state)
{
	struct fx	*fx = *state, other;
	struct all	 a;
	size_t		*ord, i, j, t, round, nhist = 250, rounds = 4;
	char		*first = NULL, *snap;
	const char	*env = getenv("STAYS_PROPERTY_HISTORIES");
	long		 nstates;

	if (env != NULL && env[0] != '\0')
		nhist = (size_t)strtoul(env, NULL, 10);
	rng_state = 0x9e3779b97f4a7c15ULL;
	all_make(&a, nhist);
	ord = calloc(a.n, sizeof(*ord));
	assert_non_null(ord);
	for (round = 0; round < rounds; round++) {
		struct fx	*f = round == 0 ? fx : &other;

		if (round > 0) {
			memset(&other, 0, sizeof(other));
			assert_int_equal(fx_open(&other), 0);
		}
		load_policy(f, POLICY_UTC);
		for (i = 0; i < a.n; i++)	/* 0: time order, 1: reverse */
			ord[i] = round == 1 ? a.n - 1 - i : i;
		if (round >= 2)
			for (i = a.n - 1; i > 0; i--) {
				j = rnd(i + 1);
				t = ord[i];
				ord[i] = ord[j];
				ord[j] = t;
			}
		feed_in_order(f, &a, ord);
		snap = snapshot(f);
		if (round == 0) {
			first = snap;
			nstates = q1l(f, "SELECT count(*) FROM stay_states",
			    NULL);
			/* The histories make states, open and closed. */
			assert_true(nstates > (long)nhist / 3);
			assert_true(q1l(f, "SELECT count(*) FROM stay_states"
			    " WHERE open_entry IS NOT NULL", NULL) > 10);
			assert_true(q1l(f, "SELECT count(*) FROM stay_states"
			    " WHERE overstay_days > 0", NULL) > 5);
		} else {
			if (strcmp(first, snap) != 0) {
				/* Name the first document that differs. */
				size_t	k = 0;

				while (first[k] == snap[k])
					k++;
				while (k > 0 && first[k - 1] != '\n')
					k--;
				fail_msg("order %zu differs:\n  want %.300s\n"
				    "  got  %.300s", round, first + k,
				    snap + k);
			}
			free(snap);
			fx_close(&other);
		}
	}
	free(first);
	free(ord);
	free(a.c);
	free(a.post);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_entry_then_exit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exit_before_entry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_entry_a_exit_b, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_do_not_count,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_day, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overstay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_permit_changes_rule,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_citizen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_leaves_window, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_time_zone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_policy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_waits_for_uncommitted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_property_any_order,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
