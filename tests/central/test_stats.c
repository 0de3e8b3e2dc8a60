/* test_stats.c - central/stats.c and migration 007 against a real
 * PostgreSQL: the flow aggregates the trigger keeps equal a GROUP BY over
 * crossings after COPY and INSERT batches, a batch sent twice and a batch
 * half old, half new (only truly inserted rows count); days are civil days
 * in the policy's zone and a policy in another zone recounts them; flows
 * by day, month and whole range with zeros, net and groups; parameter
 * checks; overstayers by nationality and region; hits by kind from the
 * posts' check events; post health with late and stale posts. */
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

#include <jansson.h>
#include <libpq-fe.h>

#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "proto.h"
#include "stats.h"

struct fx {
	char		 conninfo[640];
	struct db	*db;		/* stores crossings */
	PGconn		*q;		/* the test's queries and stats */
};

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_stats", LOGL_WARN);
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
	*state = fx;
	if (pgt_newdb(fx->conninfo, sizeof(fx->conninfo)) != 0 ||
	    (fx->db = db_new(fx->conninfo)) == NULL ||
	    (devnull = fopen("/dev/null", "w")) == NULL)
		return -1;
	rc = migrate_apply(fx->db, devnull, stderr);
	fclose(devnull);
	if (rc != 0)
		return -1;
	fx->q = PQconnectdb(fx->conninfo);
	return PQstatus(fx->q) == CONNECTION_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	PQfinish(fx->q);
	db_free(fx->db);
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

static void
x(struct fx *fx, const char *sql)
{
	PQclear(q(fx->q, sql, NULL, NULL, NULL));
}

static long
q1l(struct fx *fx, const char *sql, const char *a)
{
	PGresult	*r = q(fx->q, sql, a, NULL, NULL);
	long		 v;

	assert_int_equal(PQntuples(r), 1);
	v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static int64_t
day(const char *iso)
{
	struct date	d;

	assert_int_equal(date_parse_iso(&d, iso, strlen(iso)), 0);
	return date_to_days(&d);
}

static const char *const nats[] = { "RUS", "UZB", "CHN", "KAZ" };

/* Crossing i of a reproducible stream: times spread over 2026-01-20 ..
 * 2026-03-10, around midnight in Almaty too, every outcome. */
static void
mk(struct proto_crossing *c, uint64_t seq, unsigned i)
{
	int64_t		base;
	unsigned	h = i * 2654435761u;

	base = day("2026-01-20") * 86400000LL;
	memset(c, 0, sizeof(*c));
	c->seq = seq;
	c->recorded_at = base + (int64_t)(h % (49u * 24u)) * 3600000LL +
	    (int64_t)(h % 60u) * 60000LL;
	c->direction = (h >> 3) % 2 ? PROTO_ENTRY : PROTO_EXIT;
	c->lane = 1;
	(void)snprintf(c->officer, sizeof(c->officer), "KZ0042");
	c->outcome = (h >> 5) % 10 == 0 ? PROTO_REFUSE :
	    (h >> 5) % 10 == 1 ? PROTO_REFER : PROTO_ADMIT;
	(void)snprintf(c->doc.type, sizeof(c->doc.type), "P");
	(void)snprintf(c->doc.issuing_state, sizeof(c->doc.issuing_state),
	    "%s", nats[(h >> 7) % 4]);
	(void)snprintf(c->doc.number, sizeof(c->doc.number), "N%u", i % 97);
	(void)snprintf(c->doc.nationality, sizeof(c->doc.nationality), "%s",
	    nats[(h >> 7) % 4]);
	(void)snprintf(c->doc.surname, sizeof(c->doc.surname), "IVANOV");
	(void)snprintf(c->doc.birth_date, sizeof(c->doc.birth_date),
	    "1980-05-17");
	c->doc.sex = 'M';
	(void)snprintf(c->doc.expiry_date, sizeof(c->doc.expiry_date),
	    "2035-01-01");
}

/* Stores crossings seqs [from, to] of post (crossing i = seq + salt);
 * returns how many the centre acknowledged. */
static size_t
store(struct fx *fx, const char *post, uint64_t from, uint64_t to,
    unsigned salt)
{
	struct proto_crossing	*c;
	struct proto_batch	 b;
	struct db_store_result	 res;
	uint64_t		*dur, *con;
	size_t			 n = (size_t)(to - from + 1), i;

	c = calloc(n, sizeof(*c));
	dur = calloc(n, sizeof(*dur));
	con = calloc(n, sizeof(*con));
	assert_non_null(c);
	assert_non_null(dur);
	assert_non_null(con);
	for (i = 0; i < n; i++)
		mk(&c[i], from + i, (unsigned)(from + i) + salt);
	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "%s", post);
	b.n = n;
	b.items = c;
	memset(&res, 0, sizeof(res));
	res.durable = dur;
	res.conflict = con;
	assert_int_equal(db_store_batch(fx->db, &b, &res), 0);
	assert_int_equal(res.nconflict, 0);
	free(c);
	free(dur);
	free(con);
	return res.ndurable;
}

/* Rows where the aggregates and a GROUP BY over crossings differ (in the
 * zone of stats_zone), daily and monthly; and the crossings counted. */
static long
mismatches(struct fx *fx)
{
	return q1l(fx,
	    "WITH z AS (SELECT timezone AS tz FROM stats_zone),"
	    " c AS (SELECT (recorded_at AT TIME ZONE z.tz)::date AS day, post,"
	    "  nationality, direction,"
	    "  count(*) FILTER (WHERE outcome = 'admit') AS admitted,"
	    "  count(*) FILTER (WHERE outcome = 'refuse') AS refused,"
	    "  count(*) FILTER (WHERE outcome = 'refer') AS referred"
	    "  FROM crossings, z GROUP BY 1, 2, 3, 4),"
	    " m AS (SELECT date_trunc('month', day)::date AS day, post,"
	    "  nationality, direction, sum(admitted) AS admitted,"
	    "  sum(refused) AS refused, sum(referred) AS referred"
	    "  FROM c GROUP BY 1, 2, 3, 4)"
	    " SELECT (SELECT count(*) FROM c FULL JOIN flow_daily f"
	    "  USING (day, post, nationality, direction)"
	    "  WHERE c.admitted IS DISTINCT FROM f.admitted"
	    "  OR c.refused IS DISTINCT FROM f.refused"
	    "  OR c.referred IS DISTINCT FROM f.referred)"
	    " + (SELECT count(*) FROM m FULL JOIN flow_monthly f"
	    "  USING (day, post, nationality, direction)"
	    "  WHERE m.admitted IS DISTINCT FROM f.admitted"
	    "  OR m.refused IS DISTINCT FROM f.refused"
	    "  OR m.referred IS DISTINCT FROM f.referred)", NULL);
}

static long
counted(struct fx *fx)
{
	return q1l(fx, "SELECT coalesce(sum(admitted + refused + referred),"
	    " 0) FROM flow_daily", NULL);
}

static void
test_stats_trigger_counts_inserted_rows_once(void **state)
{
	struct fx	*fx = *state;

	assert_int_equal(q1l(fx, "SELECT count(*) FROM stats_zone"
	    " WHERE timezone = 'Asia/Almaty'", NULL), 1);
	/* New crossings: the COPY path. */
	assert_int_equal(store(fx, "ALA01", 1, 500, 0), 500);
	assert_int_equal(store(fx, "NQZ02", 1, 300, 7), 300);
	assert_int_equal(counted(fx), 800);
	assert_int_equal(mismatches(fx), 0);
	/* The same batch again: INSERT ... ON CONFLICT DO NOTHING inserts
	 * nothing, the transition table is empty, nothing is added. */
	assert_int_equal(store(fx, "ALA01", 1, 500, 0), 500);
	assert_int_equal(counted(fx), 800);
	assert_int_equal(mismatches(fx), 0);
	/* Half old, half new: COPY fails, the INSERT path stores the 250
	 * new ones and only they are counted. */
	assert_int_equal(store(fx, "ALA01", 251, 750, 0), 500);
	assert_int_equal(q1l(fx, "SELECT count(*) FROM crossings", NULL),
	    1050);
	assert_int_equal(counted(fx), 1050);
	assert_int_equal(mismatches(fx), 0);
	/* Plain SQL: a multi-row INSERT with a duplicate skipped. */
	x(fx, "INSERT INTO crossings (post, seq, recorded_at, direction, lane,"
	    " officer, outcome, doc_type, issuing_state, doc_number,"
	    " nationality, surname, given_names, birth_date, sex, expiry_date)"
	    " SELECT post, seq + 1000, recorded_at, direction, lane, officer,"
	    " outcome, doc_type, issuing_state, doc_number, nationality,"
	    " surname, given_names, birth_date, sex, expiry_date"
	    " FROM crossings WHERE post = 'NQZ02' AND seq <= 100"
	    " UNION ALL SELECT post, seq, recorded_at, direction, lane,"
	    " officer, outcome, doc_type, issuing_state, doc_number,"
	    " nationality, surname, given_names, birth_date, sex, expiry_date"
	    " FROM crossings WHERE post = 'NQZ02' AND seq <= 5"
	    " ON CONFLICT DO NOTHING");
	assert_int_equal(counted(fx), 1150);
	assert_int_equal(mismatches(fx), 0);
	/* Both triggers ran: the stay trigger of 003 still marks. */
	assert_true(q1l(fx, "SELECT count(*) FROM stay_dirty", NULL) > 0);
}

static void
test_stats_days_in_policy_zone(void **state)
{
	struct fx	*fx = *state;

	/* 19:30 UTC is 00:30 the next day in Almaty (UTC+5). */
	x(fx, "INSERT INTO crossings (post, seq, recorded_at, direction, lane,"
	    " officer, outcome, doc_type, issuing_state, doc_number,"
	    " nationality, surname, given_names, birth_date, sex, expiry_date)"
	    " VALUES ('ALA01', 1, '2026-05-31T19:30:00Z', 'entry', 1, 'K1',"
	    " 'admit', 'P', 'RUS', 'A1', 'RUS', 'X', '', '1980-01-01', 'M',"
	    " '2030-01-01')");
	assert_int_equal(q1l(fx, "SELECT admitted FROM flow_daily"
	    " WHERE day = '2026-06-01'", NULL), 1);
	assert_int_equal(q1l(fx, "SELECT admitted FROM flow_monthly"
	    " WHERE day = '2026-06-01'", NULL), 1);
	/* A policy in UTC recounts every day in UTC. */
	x(fx, "INSERT INTO policy_versions (version, yaml, loaded_by) VALUES"
	    " ('T-1', E'version: T-1\\ntimezone: \"UTC\"\\n', 'test')");
	assert_int_equal(q1l(fx, "SELECT count(*) FROM stats_zone"
	    " WHERE timezone = 'UTC'", NULL), 1);
	assert_int_equal(q1l(fx, "SELECT admitted FROM flow_daily"
	    " WHERE day = '2026-05-31'", NULL), 1);
	assert_int_equal(q1l(fx, "SELECT count(*) FROM flow_monthly"
	    " WHERE day = '2026-06-01'", NULL), 0);
	assert_int_equal(mismatches(fx), 0);
	/* A policy whose zone PostgreSQL does not know changes nothing. */
	x(fx, "INSERT INTO policy_versions (version, yaml, loaded_by) VALUES"
	    " ('T-2', E'version: T-2\\ntimezone: Mars/Olympus\\n', 'test')");
	assert_int_equal(q1l(fx, "SELECT count(*) FROM stats_zone"
	    " WHERE timezone = 'UTC'", NULL), 1);
}

/* The flows answer for the parameters; asserts it is built. */
static json_t *
flows(struct fx *fx, const char *from, const char *to, const char *by,
    const char *group)
{
	struct stats_flow_query	 fq;
	const char		*field = NULL;
	char			 msg[128];
	json_t			*o = NULL;

	assert_int_equal(stats_flow_params(&fq, day("2026-03-31"), from, to,
	    by, group, &field, msg, sizeof(msg)), 0);
	assert_int_equal(stats_flows(fx->q, &fq, &o), 0);
	assert_non_null(o);
	return o;
}

static json_int_t
geti(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static const char *
gets(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* The SQL truth: admitted crossings of direction in [from, to] (days in
 * UTC, the zone set below), optionally of one post. */
static long
truth(struct fx *fx, const char *dir, const char *from, const char *to)
{
	const char	*v[3] = { dir, from, to };
	PGresult	*r;
	long		 n;

	r = PQexecParams(fx->q, "SELECT count(*) FROM crossings"
	    " WHERE outcome = 'admit' AND direction = $1"
	    " AND (recorded_at AT TIME ZONE 'UTC')::date BETWEEN $2::date"
	    " AND $3::date", 3, NULL, v, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

static void
test_stats_flows(void **state)
{
	struct fx	*fx = *state;
	json_t		*o, *rows, *row, *o2;
	size_t		 i;
	long		 e, xx, sume = 0;

	x(fx, "SELECT flow_rebuild('UTC')");
	assert_int_equal(store(fx, "ALA01", 1, 800, 0), 800);
	assert_int_equal(store(fx, "NQZ02", 1, 400, 3), 400);

	/* By day, total: every day of the range, zeros included. */
	o = flows(fx, "2026-01-15", "2026-01-31", "day", NULL);
	assert_string_equal(gets(o, "timezone"), "UTC");
	rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), 17);
	for (i = 0; i < json_array_size(rows); i++) {
		char	d[16];

		row = json_array_get(rows, i);
		(void)snprintf(d, sizeof(d), "2026-01-%02zu", 15 + i);
		assert_string_equal(gets(row, "bucket"), d);
		assert_string_equal(gets(row, "key"), "total");
		e = truth(fx, "entry", d, d);
		xx = truth(fx, "exit", d, d);
		assert_int_equal(geti(row, "entries"), e);
		assert_int_equal(geti(row, "exits"), xx);
		assert_int_equal(geti(row, "net"), e - xx);
		sume += e;
		if (i < 5)	/* before the first crossing */
			assert_int_equal(geti(row, "entries") +
			    geti(row, "exits") + geti(row, "refused") +
			    geti(row, "referred"), 0);
	}
	assert_true(sume > 0);
	assert_int_equal(geti(json_object_get(o, "totals"), "entries"), sume);
	json_decref(o);

	/* By month: whole months, the range widened to them. */
	o = flows(fx, "2026-01-15", "2026-03-02", "month", NULL);
	assert_string_equal(gets(o, "from"), "2026-01-01");
	assert_string_equal(gets(o, "to"), "2026-03-31");
	rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), 3);
	row = json_array_get(rows, 1);
	assert_string_equal(gets(row, "bucket"), "2026-02");
	assert_int_equal(geti(row, "entries"),
	    truth(fx, "entry", "2026-02-01", "2026-02-28"));
	assert_int_equal(geti(row, "exits"),
	    truth(fx, "exit", "2026-02-01", "2026-02-28"));
	assert_int_equal(geti(row, "net"), geti(row, "entries") -
	    geti(row, "exits"));
	json_decref(o);

	/* The whole range in one bucket: whole months from flow_monthly and
	 * the edge days from flow_daily add up to the truth. */
	o = flows(fx, "2026-01-25", "2026-03-03", "all", NULL);
	rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), 1);
	row = json_array_get(rows, 0);
	assert_string_equal(gets(row, "bucket"), "2026-01-25..2026-03-03");
	assert_int_equal(geti(row, "entries"),
	    truth(fx, "entry", "2026-01-25", "2026-03-03"));
	assert_int_equal(geti(row, "exits"),
	    truth(fx, "exit", "2026-01-25", "2026-03-03"));
	json_decref(o);
	/* ... also inside one month. */
	o = flows(fx, "2026-02-03", "2026-02-10", "all", NULL);
	row = json_array_get(json_object_get(o, "rows"), 0);
	assert_int_equal(geti(row, "entries"),
	    truth(fx, "entry", "2026-02-03", "2026-02-10"));
	json_decref(o);

	/* By post over the range: the posts' rows add up to the total. */
	o = flows(fx, "2026-01-01", "2026-03-31", "all", "post");
	o2 = flows(fx, "2026-01-01", "2026-03-31", "all", "total");
	rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(gets(json_array_get(rows, 0), "key"), "ALA01");
	assert_string_equal(gets(json_array_get(rows, 1), "key"), "NQZ02");
	assert_int_equal(geti(json_array_get(rows, 0), "entries") +
	    geti(json_array_get(rows, 1), "entries"),
	    geti(json_array_get(json_object_get(o2, "rows"), 0), "entries"));
	assert_int_equal(geti(json_array_get(rows, 0), "entries") +
	    geti(json_array_get(rows, 0), "exits") +
	    geti(json_array_get(rows, 0), "refused") +
	    geti(json_array_get(rows, 0), "referred"), 800);
	json_decref(o);
	json_decref(o2);

	/* By nationality and month: sparse rows, ordered by bucket, key. */
	o = flows(fx, "2026-01-01", "2026-03-31", "month", "nationality");
	rows = json_object_get(o, "rows");
	assert_true(json_array_size(rows) > 4);
	for (i = 1; i < json_array_size(rows); i++) {
		int	c = strcmp(gets(json_array_get(rows, i - 1), "bucket"),
		    gets(json_array_get(rows, i), "bucket"));

		assert_true(c < 0 || (c == 0 &&
		    strcmp(gets(json_array_get(rows, i - 1), "key"),
		    gets(json_array_get(rows, i), "key")) < 0));
	}
	json_decref(o);
}

static void
test_stats_flow_params(void **state)
{
	static const struct {
		const char	*from, *to, *by, *group;
		int		 rc;
		const char	*field;
		const char	*want_from, *want_to;
	} t[] = {
		{ NULL, NULL, NULL, NULL, 0, NULL, "2026-03-02", "2026-03-31" },
		{ NULL, NULL, "month", NULL, 0, NULL, "2025-04-01",
		    "2026-03-31" },
		{ NULL, NULL, "all", NULL, 0, NULL, "2025-04-01",
		    "2026-03-31" },
		/* At most STATS_MAX_DAYS (3660) days, ends included. */
		{ "2016-03-24", "2026-03-31", NULL, NULL, 0, NULL,
		    "2016-03-24", "2026-03-31" },
		{ "2016-03-23", "2026-03-31", NULL, NULL, ERR_RANGE, "from",
		    NULL, NULL },
		{ "2016-05-01", "2026-03-31", "month", NULL, 0, NULL,
		    "2016-05-01", "2026-03-31" },
		{ "2016-03-31", "2026-03-01", "month", NULL, ERR_RANGE, "from",
		    NULL, NULL },
		{ "2026-02-01", "2026-01-31", NULL, NULL, ERR_RANGE, "from",
		    NULL, NULL },
		{ "2026-02-30", NULL, NULL, NULL, ERR_RANGE, "from", NULL,
		    NULL },
		{ NULL, "2026-1-01", NULL, NULL, ERR_PARSE, "to", NULL, NULL },
		{ NULL, "", NULL, NULL, ERR_PARSE, "to", NULL, NULL },
		{ NULL, NULL, "week", NULL, ERR_RANGE, "by", NULL, NULL },
		{ NULL, NULL, NULL, "region", ERR_RANGE, "group", NULL, NULL },
		{ NULL, NULL, "DAY", NULL, ERR_RANGE, "by", NULL, NULL },
		{ "2026-03-31", "2026-03-31", "day", "post", 0, NULL,
		    "2026-03-31", "2026-03-31" },
	};
	struct stats_flow_query	 fq;
	const char		*field;
	char			 msg[128], d[16];
	struct date		 dd;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		field = NULL;
		msg[0] = '\0';
		memset(&fq, 0, sizeof(fq));
		assert_int_equal(stats_flow_params(&fq, day("2026-03-31"),
		    t[i].from, t[i].to, t[i].by, t[i].group, &field, msg,
		    sizeof(msg)), t[i].rc);
		if (t[i].rc != 0) {
			assert_non_null(field);
			assert_string_equal(field, t[i].field);
			assert_true(msg[0] != '\0');
			continue;
		}
		date_from_days(fq.from, &dd);
		assert_int_equal(date_format_iso(&dd, d, sizeof(d)), 0);
		assert_string_equal(d, t[i].want_from);
		date_from_days(fq.to, &dd);
		assert_int_equal(date_format_iso(&dd, d, sizeof(d)), 0);
		assert_string_equal(d, t[i].want_to);
	}
}

static void
stay(struct fx *fx, const char *number, const char *nat,
    const char *allowed_until, int open)
{
	const char	*v[4] = { number, nat, allowed_until, open ? "t" : "f" };
	PGresult	*r;

	r = PQexecParams(fx->q, "INSERT INTO stay_states (issuing_state,"
	    " number, nationality, birth_date, stays, open_entry, open_post,"
	    " allowed_until, rule) VALUES ($2, $1, $2, '1980-01-01', '[]',"
	    " CASE WHEN $4::boolean THEN DATE '2026-01-01' END,"
	    " CASE WHEN $4::boolean THEN 'ALA01' END,"
	    " CASE WHEN $4::boolean THEN $3::date END, 'r')", 4, NULL, v,
	    NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
}

static void
reg(struct fx *fx, const char *id, const char *number, const char *nat,
    const char *region, const char *from, const char *until)
{
	const char	*v[6] = { id, number, nat, region, from, until };
	PGresult	*r;

	r = PQexecParams(fx->q, "INSERT INTO registrations (id, issuing_state,"
	    " number, region, address, host, valid_from, valid_until,"
	    " changed_by) VALUES ($1, $3, $2, $4, 'addr', 'host', $5, $6,"
	    " 'test')", 6, NULL, v, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
}

/* Row i of an answer's "rows" as "key=count" (key "-" for null). */
static void
kc(json_t *o, size_t i, char *buf, size_t bufsz)
{
	json_t	*row = json_array_get(json_object_get(o, "rows"), i);
	json_t	*k = json_object_get(row, "key");

	assert_non_null(row);
	(void)snprintf(buf, bufsz, "%s=%" JSON_INTEGER_FORMAT,
	    json_is_null(k) ? "-" : json_string_value(k),
	    json_integer_value(json_object_get(row, "count")));
}

static void
test_stats_overstayers(void **state)
{
	struct fx	*fx = *state;
	json_t		*o;
	char		 b[64];

	stay(fx, "U1", "UZB", "2026-03-01", 1);	/* over */
	stay(fx, "U2", "UZB", "2026-03-09", 1);	/* over */
	stay(fx, "U3", "UZB", "2026-03-10", 1);	/* last lawful day */
	stay(fx, "U4", "UZB", "2026-01-01", 0);	/* closed */
	stay(fx, "R1", "RUS", "2026-02-01", 1);	/* over */
	stay(fx, "T1", "TJK", "2026-02-01", 1);	/* over */
	stay(fx, "T2", "TJK", "2026-02-01", 1);	/* over */
	stay(fx, "T3", "TJK", "2026-02-01", 1);	/* over */
	reg(fx, "G1", "U1", "UZB", "Almaty", "2026-01-01", "2026-12-31");
	/* Two valid: the newer counts. */
	reg(fx, "G2", "T1", "TJK", "Almaty", "2026-01-01", "2026-12-31");
	reg(fx, "G3", "T1", "TJK", "Astana", "2026-02-01", "2026-12-31");
	/* Ended before the day: not registered then. */
	reg(fx, "G4", "T2", "TJK", "Shymkent", "2026-01-01", "2026-03-09");
	reg(fx, "G5", "R1", "RUS", "Astana", "2026-01-01", "2026-03-10");

	assert_int_equal(stats_overstayers(fx->q, STATS_OVER_NATIONALITY,
	    day("2026-03-10"), &o), 0);
	assert_string_equal(gets(o, "as_of"), "2026-03-10");
	assert_int_equal(geti(o, "total"), 6);
	assert_int_equal(json_array_size(json_object_get(o, "rows")), 3);
	kc(o, 0, b, sizeof(b));
	assert_string_equal(b, "TJK=3");
	kc(o, 1, b, sizeof(b));
	assert_string_equal(b, "UZB=2");
	kc(o, 2, b, sizeof(b));
	assert_string_equal(b, "RUS=1");
	json_decref(o);

	assert_int_equal(stats_overstayers(fx->q, STATS_OVER_REGION,
	    day("2026-03-10"), &o), 0);
	assert_int_equal(geti(o, "total"), 6);
	kc(o, 0, b, sizeof(b));
	assert_string_equal(b, "-=3");		/* U2, T2, T3 */
	kc(o, 1, b, sizeof(b));
	assert_string_equal(b, "Astana=2");	/* T1 (newer), R1 */
	kc(o, 2, b, sizeof(b));
	assert_string_equal(b, "Almaty=1");	/* U1 */
	json_decref(o);

	/* A day later U3 is over too. */
	assert_int_equal(stats_overstayers(fx->q, STATS_OVER_NATIONALITY,
	    day("2026-03-11"), &o), 0);
	kc(o, 0, b, sizeof(b));
	assert_string_equal(b, "TJK=3");
	kc(o, 1, b, sizeof(b));
	assert_string_equal(b, "UZB=3");
	json_decref(o);
}

static void
audit_ev(struct fx *fx, const char *post, const char *seq, const char *at,
    const char *action, const char *detail)
{
	const char	*v[5] = { post, seq, at, action, detail };
	PGresult	*r;

	r = PQexecParams(fx->q, "INSERT INTO post_audit (post, seq, at, actor,"
	    " action, subject, detail, prev, hash) VALUES ($1, $2::bigint,"
	    " $3::timestamptz, 'KZ0042', $4, 'RUS:A1', $5, repeat('0', 64),"
	    " repeat('a', 64))", 5, NULL, v, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
}

/* The total of kind in a hits answer. */
static json_int_t
hit_total(json_t *o, const char *kind)
{
	json_t	*t = json_object_get(o, "totals"), *row;
	size_t	 i;

	json_array_foreach(t, i, row)
		if (strcmp(gets(row, "key"), kind) == 0)
			return geti(row, "count");
	fail_msg("no total for %s", kind);
	return -1;
}

static void
test_stats_hits(void **state)
{
	struct fx	*fx = *state;
	json_t		*o, *rows;

	/* Almaty: 2026-03-01 is 2026-02-28T19:00Z .. 2026-03-01T19:00Z. */
	audit_ev(fx, "ALA01", "1", "2026-02-28T18:59:00Z", "check",
	    "{\"reasons\":[\"watchlist_wanted\"]}");	/* 02-28 */
	audit_ev(fx, "ALA01", "2", "2026-02-28T19:00:00Z", "check",
	    "{\"reasons\":[\"watchlist_wanted\",\"watchlist_wanted\","
	    "\"document_alert_stolen\"]}");		/* 03-01, once each */
	audit_ev(fx, "ALA01", "3", "2026-03-01T10:00:00Z", "check",
	    "{\"reasons\":[{\"code\":\"watchlist_entry_ban\"}]}");
	audit_ev(fx, "ALA01", "4", "2026-03-01T11:00:00Z", "check",
	    "{\"reasons\":[\"watchlist_unchecked\",\"stay_days_used\"]}");
	audit_ev(fx, "ALA01", "5", "2026-03-01T12:00:00Z", "record",
	    "{\"reasons\":[\"watchlist_wanted\"]}");	/* not a check */
	audit_ev(fx, "NQZ02", "1", "2026-03-02T12:00:00Z", "check",
	    "{\"reasons\":[\"document_alert_lost\"],\"note\":\"watchlist\"}");
	audit_ev(fx, "NQZ02", "2", "2026-03-02T13:00:00Z", "check",
	    "{\"reasons\":\"watchlist_wanted\"}");	/* not an array */

	assert_int_equal(stats_hits(fx->q, day("2026-03-01"),
	    day("2026-03-02"), &o), 0);
	assert_true(json_is_true(json_object_get(o, "available")));
	assert_int_equal(hit_total(o, "watchlist_wanted"), 1);
	assert_int_equal(hit_total(o, "document_alert_stolen"), 1);
	assert_int_equal(hit_total(o, "watchlist_entry_ban"), 1);
	assert_int_equal(hit_total(o, "document_alert_lost"), 1);
	assert_int_equal(hit_total(o, "watchlist_exit_ban"), 0);
	assert_int_equal(json_array_size(json_object_get(o, "totals")), 7);
	rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), 4);
	assert_string_equal(gets(json_array_get(rows, 0), "day"),
	    "2026-03-01");
	assert_string_equal(gets(json_array_get(rows, 3), "day"),
	    "2026-03-02");
	json_decref(o);

	assert_int_equal(stats_hits(fx->q, day("2026-02-28"),
	    day("2026-02-28"), &o), 0);
	assert_int_equal(hit_total(o, "watchlist_wanted"), 1);
	assert_int_equal(hit_total(o, "document_alert_stolen"), 0);
	json_decref(o);
}

static void
test_stats_posts(void **state)
{
	struct fx	*fx = *state;
	json_t		*o, *rows, *a, *b, *c;

	x(fx, "INSERT INTO posts (code, name, cert_cn, cert_sha256,"
	    " enrolled_by) VALUES"
	    " ('ALA01', 'Almaty airport', 'post-ALA01', repeat('1', 64), 't'),"
	    " ('NQZ02', 'Astana', 'post-NQZ02', repeat('2', 64), 't'),"
	    " ('SHY03', 'Shymkent', 'post-SHY03', repeat('3', 64), 't')");
	x(fx, "UPDATE feed_head SET pos = 3");
	x(fx, "INSERT INTO feed_log (pos, kind, id, op, entry, at) VALUES"
	    " (1, 'officer', 'o1', 'upsert', '{}', now() - interval '3 days'),"
	    " (2, 'officer', 'o2', 'upsert', '{}', now() - interval '2 days'),"
	    " (3, 'officer', 'o3', 'upsert', '{}', now() - interval '1 hour')");
	x(fx, "INSERT INTO post_health (post, last_contact_at, last_push_at,"
	    " unsent, audit_unsent, feed_cursor, feed_at) VALUES"
	    " ('ALA01', now() - interval '10 seconds', now(), 0, 0, 3, now()),"
	    " ('NQZ02', now() - interval '2 hours', now() - interval '2 hours',"
	    " 42, 7, 1, now() - interval '2 hours'),"
	    " ('TRZ09', now(), NULL, 5, NULL, 2, now())");

	assert_int_equal(stats_posts(fx->q, STATS_LATE_S, STATS_STALE_S, &o),
	    0);
	assert_int_equal(geti(o, "feed_head"), 3);
	rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), 4);
	a = json_array_get(rows, 0);
	assert_string_equal(gets(a, "code"), "ALA01");
	assert_string_equal(gets(a, "name"), "Almaty airport");
	assert_string_equal(gets(a, "status"), "active");
	assert_int_equal(geti(a, "feed_behind"), 0);
	assert_int_equal(geti(a, "feed_age_s"), 0);
	assert_true(json_is_false(json_object_get(a, "late")));
	assert_true(json_is_false(json_object_get(a, "stale")));
	b = json_array_get(rows, 1);
	assert_string_equal(gets(b, "code"), "NQZ02");
	assert_int_equal(geti(b, "unsent"), 42);
	assert_int_equal(geti(b, "audit_unsent"), 7);
	assert_int_equal(geti(b, "feed_behind"), 2);
	/* The oldest entry it lacks is two days old. */
	assert_true(geti(b, "feed_age_s") >= 2 * 86400 &&
	    geti(b, "feed_age_s") < 2 * 86400 + 600);
	assert_true(json_is_true(json_object_get(b, "late")));
	assert_true(json_is_true(json_object_get(b, "stale")));
	c = json_array_get(rows, 2);
	assert_string_equal(gets(c, "code"), "SHY03");	/* never heard */
	assert_true(json_is_null(json_object_get(c, "last_contact_at")));
	assert_true(json_is_null(json_object_get(c, "feed_behind")));
	assert_true(json_is_null(json_object_get(c, "feed_age_s")));
	assert_true(json_is_true(json_object_get(c, "late")));
	assert_true(json_is_false(json_object_get(c, "stale")));
	c = json_array_get(rows, 3);
	assert_string_equal(gets(c, "code"), "TRZ09");	/* central.yaml only */
	assert_string_equal(gets(c, "status"), "configured");
	assert_true(json_is_null(json_object_get(c, "audit_unsent")));
	json_decref(o);

	/* Thresholds: two hours is not late if late means a day. */
	assert_int_equal(stats_posts(fx->q, 86400, 3 * 86400, &o), 0);
	b = json_array_get(json_object_get(o, "rows"), 1);
	assert_true(json_is_false(json_object_get(b, "late")));
	assert_true(json_is_false(json_object_get(b, "stale")));
	json_decref(o);
}

static void
test_stats_today(void **state)
{
	struct fx	*fx = *state;
	char		 tz[64], stored[64];
	int64_t		 today, now_days;

	assert_int_equal(stats_today(fx->q, &today, tz, sizeof(tz)), 0);
	assert_string_equal(tz, "Asia/Almaty");
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT timezone FROM"
	    " stats_zone", stored, sizeof(stored)), 0);
	assert_string_equal(stored, tz);
	now_days = date_now_ms() / 86400000;
	/* Almaty is ahead of UTC: today there is today or tomorrow in UTC. */
	assert_true(today == now_days || today == now_days + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_stats_trigger_counts_inserted_rows_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stats_days_in_policy_zone,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_flows, setup,
		    teardown),
		cmocka_unit_test(test_stats_flow_params),
		cmocka_unit_test_setup_teardown(test_stats_overstayers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stats_hits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stats_posts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stats_today, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
