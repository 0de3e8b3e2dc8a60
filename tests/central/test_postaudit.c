/* test_postaudit.c - central/postaudit.c against a real PostgreSQL with
 * every migration applied: a post's audit batch is stored exactly and
 * acknowledged, the same batch again (or overlapping) is stored once, a
 * different event under a stored seq is a conflict and never overwrites,
 * a broken hash or link is stored as sent and reported, a predecessor not
 * yet at the centre is "unlinked", posts do not see each other's seqs;
 * post_health is one row per post that each contact updates only where it
 * says something; the backlog headers parse strictly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "auditchain.h"
#include "auditmsg.h"
#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "postaudit.h"

#define T0	INT64_C(1795741323123)		/* 2026-11-27T01:02:03.123Z */
#define NEV	6

struct fx {
	char			 conninfo[640];
	struct db		*db;
	PGconn			*conn;
	struct auditmsg_event	 ev[NEV];	/* one chain, seq 1..NEV */
	uint64_t		 durable[NEV], conflict[NEV];
};

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_postaudit", LOGL_WARN);
	return pgt_start();
}

static int
group_teardown(void **state)
{
	(void)state;
	pgt_stop();
	return 0;
}

/* Sets e->hash for e's content, in chain "post:{post}". */
static void
rehash(const char *post, struct auditmsg_event *e)
{
	struct audit_event	ae;

	memset(&ae, 0, sizeof(ae));
	(void)snprintf(ae.chain, sizeof(ae.chain), "post:%s", post);
	ae.seq = e->seq;
	ae.at_ms = e->at_ms;
	ae.actor = e->actor;
	ae.action = e->action;
	ae.subject = e->subject;
	ae.detail = e->detail;
	ae.detail_len = e->detail_len;
	memcpy(ae.prev, e->prev, sizeof(ae.prev));
	assert_int_equal(audit_event_hash(&ae, e->hash), 0);
}

static void
set_detail(struct auditmsg_event *e, const char *json)
{
	char	*canon;
	size_t	 clen;

	assert_int_equal(audit_canon_detail(json, strlen(json), &canon,
	    &clen), 0);
	free(e->detail);
	e->detail = canon;
	e->detail_len = clen;
}

static int
setup(void **state)
{
	struct fx	*fx;
	FILE		*devnull;
	char		 d[128], prev[AUDIT_HASH_HEX + 1] = AUDIT_GENESIS;
	size_t		 i;
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
	for (i = 0; i < NEV; i++) {
		struct auditmsg_event *e = &fx->ev[i];

		e->seq = i + 1;
		e->at_ms = T0 + (int64_t)i * 1000;
		(void)snprintf(e->actor, sizeof(e->actor), "KZ%04zu", i);
		(void)snprintf(e->action, sizeof(e->action), "%s",
		    i % 2 == 0 ? "check" : "record");
		(void)snprintf(e->subject, sizeof(e->subject), "%s",
		    i == 2 ? "" : "KAZ:N1234567");
		(void)snprintf(d, sizeof(d), "{\"lane\":3,\"n\":%zu,"
		    "\"reason\":\"\xd0\x9f \\\"q\\\"\",\"check_id\":null}", i);
		set_detail(e, d);
		memcpy(e->prev, prev, sizeof(prev));
		rehash("ALA01", e);
		memcpy(prev, e->hash, sizeof(prev));
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	size_t		 i;

	for (i = 0; i < NEV; i++)
		free(fx->ev[i].detail);
	db_free(fx->db);
	free(fx);
	return 0;
}

/* Stores events [from, to) of the fixture's chain as post's batch. */
static int
store(struct fx *fx, const char *post, size_t from, size_t to,
    struct postaudit_result *res)
{
	struct auditmsg_batch	b;

	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "%s", post);
	b.events = &fx->ev[from];
	b.n = to - from;
	memset(res, 0, sizeof(*res));
	res->durable = fx->durable;
	res->conflict = fx->conflict;
	return postaudit_store(fx->conn, &b, res);
}

static long
q1(struct fx *fx, const char *sql)
{
	char	buf[64], *end;
	long	v;

	assert_int_equal(pgt_query1(fx->conninfo, sql, buf, sizeof(buf)), 0);
	v = strtol(buf, &end, 10);
	assert_true(end != buf && *end == '\0');
	return v;
}

static void
test_batch_is_stored_exactly_and_acked(void **state)
{
	struct fx		*fx = *state;
	struct postaudit_result	 res;
	PGresult		*r;
	size_t			 i;
	char			 at[32];

	assert_int_equal(store(fx, "ALA01", 0, NEV, &res), 0);
	assert_int_equal(res.ndurable, NEV);
	assert_int_equal(res.nnew, NEV);
	assert_int_equal(res.nconflict, 0);
	assert_int_equal(res.npending, 0);
	assert_int_equal(res.nbroken, 0);
	assert_int_equal(res.nunlinked, 0);
	for (i = 0; i < NEV; i++)
		assert_int_equal(fx->durable[i], i + 1);

	r = PQexec(fx->conn, "SELECT seq, to_char(at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), actor, action, subject,"
	    " detail, prev, hash, received_at IS NOT NULL"
	    " FROM post_audit WHERE post = 'ALA01' ORDER BY seq");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), NEV);
	for (i = 0; i < NEV; i++) {
		const struct auditmsg_event *e = &fx->ev[i];
		int row = (int)i;

		assert_int_equal(strtoull(PQgetvalue(r, row, 0), NULL, 10),
		    e->seq);
		assert_int_equal(date_format_rfc3339(e->at_ms, at, sizeof(at)),
		    0);
		assert_string_equal(PQgetvalue(r, row, 1), at);
		assert_string_equal(PQgetvalue(r, row, 2), e->actor);
		assert_string_equal(PQgetvalue(r, row, 3), e->action);
		assert_string_equal(PQgetvalue(r, row, 4), e->subject);
		/* The canonical text, byte for byte: it is what the hash
		 * covers. */
		assert_string_equal(PQgetvalue(r, row, 5), e->detail);
		assert_string_equal(PQgetvalue(r, row, 6), e->prev);
		assert_string_equal(PQgetvalue(r, row, 7), e->hash);
		assert_string_equal(PQgetvalue(r, row, 8), "t");
	}
	PQclear(r);
}

static void
test_same_batch_again_is_stored_once(void **state)
{
	struct fx		*fx = *state;
	struct postaudit_result	 res;

	assert_int_equal(store(fx, "ALA01", 0, 3, &res), 0);
	assert_int_equal(res.nnew, 3);
	assert_int_equal(store(fx, "ALA01", 0, 3, &res), 0);
	assert_int_equal(res.ndurable, 3);
	assert_int_equal(res.nnew, 0);
	assert_int_equal(res.nconflict, 0);
	/* Overlapping: 2..6, of which 4..6 are new and link to 3. */
	assert_int_equal(store(fx, "ALA01", 1, NEV, &res), 0);
	assert_int_equal(res.ndurable, NEV - 1);
	assert_int_equal(fx->durable[0], 2);
	assert_int_equal(res.nnew, NEV - 3);
	assert_int_equal(res.nbroken, 0);
	assert_int_equal(res.nunlinked, 0);
	assert_int_equal(q1(fx, "SELECT count(*) FROM post_audit"), NEV);
}

static void
test_different_content_is_a_conflict_not_overwritten(void **state)
{
	struct fx		*fx = *state;
	struct postaudit_result	 res;
	char			 buf[256], want[256];

	assert_int_equal(store(fx, "ALA01", 0, 3, &res), 0);
	(void)snprintf(want, sizeof(want), "%s", fx->ev[1].detail);
	/* Seq 2 rewritten (and honestly rehashed) by a reset store. */
	set_detail(&fx->ev[1], "{\"lane\":9}");
	rehash("ALA01", &fx->ev[1]);
	assert_int_equal(store(fx, "ALA01", 1, 4, &res), 0);
	assert_int_equal(res.nconflict, 1);
	assert_int_equal(fx->conflict[0], 2);
	/* 3 is the same; 4 is new (its prev is the old 3's hash, which it
	 * still is). */
	assert_int_equal(res.ndurable, 2);
	assert_int_equal(fx->durable[0], 3);
	assert_int_equal(fx->durable[1], 4);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT detail FROM "
	    "post_audit WHERE post = 'ALA01' AND seq = 2", buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, want);
	/* Another actor under seq 3 is a conflict too. */
	fx->ev[2].actor[0] = 'X';
	assert_int_equal(store(fx, "ALA01", 2, 3, &res), 0);
	assert_int_equal(res.nconflict, 1);
	assert_int_equal(res.ndurable, 0);
}

static void
test_broken_links_are_stored_and_reported(void **state)
{
	struct fx		*fx = *state;
	struct postaudit_result	 res;
	char			 buf[80];

	/* Seq 3's hash is not the hash of its content. */
	fx->ev[2].hash[10] = fx->ev[2].hash[10] == 'a' ? 'b' : 'a';
	assert_int_equal(store(fx, "ALA01", 0, 4, &res), 0);
	assert_int_equal(res.ndurable, 4);
	assert_int_equal(res.nbroken, 2);	/* 3, and 4 links to the true
						 * hash of 3 */
	assert_int_equal(res.first_broken, 3);
	assert_non_null(strstr(res.why, "hash"));
	/* Stored as sent, for the verifier to name. */
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT hash FROM "
	    "post_audit WHERE post = 'ALA01' AND seq = 3", buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, fx->ev[2].hash);

	/* Another post whose first event does not start at genesis. */
	fx->ev[0].prev[0] = '1';
	rehash("AST02", &fx->ev[0]);
	assert_int_equal(store(fx, "AST02", 0, 1, &res), 0);
	assert_int_equal(res.nbroken, 1);
	assert_int_equal(res.first_broken, 1);
	assert_non_null(strstr(res.why, "genesis"));
}

static void
test_missing_predecessor_is_unlinked(void **state)
{
	struct fx		*fx = *state;
	struct postaudit_result	 res;

	assert_int_equal(store(fx, "ALA01", 3, 5, &res), 0);
	assert_int_equal(res.nnew, 2);
	assert_int_equal(res.nunlinked, 1);	/* 4: 3 is not here */
	assert_int_equal(res.nbroken, 0);	/* 5 links to 4 */
	assert_int_equal(store(fx, "ALA01", 0, 3, &res), 0);
	assert_int_equal(res.nnew, 3);
	assert_int_equal(res.nunlinked, 0);
	assert_int_equal(res.nbroken, 0);
}

static void
test_posts_do_not_share_seqs(void **state)
{
	struct fx		*fx = *state;
	struct postaudit_result	 res;
	size_t			 i;
	char			 prev[AUDIT_HASH_HEX + 1] = AUDIT_GENESIS;

	assert_int_equal(store(fx, "ALA01", 0, 2, &res), 0);
	for (i = 0; i < 2; i++) {
		memcpy(fx->ev[i].prev, prev, sizeof(prev));
		rehash("AST02", &fx->ev[i]);
		memcpy(prev, fx->ev[i].hash, sizeof(prev));
	}
	assert_int_equal(store(fx, "AST02", 0, 2, &res), 0);
	assert_int_equal(res.nnew, 2);
	assert_int_equal(res.nconflict, 0);
	assert_int_equal(res.nbroken, 0);
	assert_int_equal(q1(fx, "SELECT count(*) FROM post_audit"), 4);
}

static void
test_bad_batch_and_dead_database(void **state)
{
	struct fx		*fx = *state;
	struct postaudit_result	 res;
	struct auditmsg_batch	 b;
	PGconn			*dead;

	/* Not ascending: refused before the database. */
	fx->ev[1].seq = 1;
	assert_int_equal(store(fx, "ALA01", 0, 2, &res), ERR_INVAL);
	fx->ev[1].seq = 2;
	assert_int_equal(store(fx, "al", 0, 2, &res), ERR_INVAL);
	assert_int_equal(q1(fx, "SELECT count(*) FROM post_audit"), 0);

	dead = PQconnectdb("host=127.0.0.1 port=1 connect_timeout=2");
	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "ALA01");
	b.events = fx->ev;
	b.n = 2;
	memset(&res, 0, sizeof(res));
	res.durable = fx->durable;
	res.conflict = fx->conflict;
	res.ndurable = 77;
	assert_int_equal(postaudit_store(dead, &b, &res), ERR_DB);
	PQfinish(dead);
}

static void
test_health_is_one_row_updated_where_told(void **state)
{
	struct fx		*fx = *state;
	struct postaudit_health	 h;
	char			 buf[256];

	memset(&h, 0, sizeof(h));
	h.post = "ALA01";
	h.pushed = 1;
	h.unsent = 5;
	h.audit_unsent = -1;
	h.feed_cursor = -1;
	assert_int_equal(postaudit_note_health(fx->conn, &h), 0);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT concat_ws(',',"
	    " unsent, coalesce(audit_unsent::text, 'null'),"
	    " coalesce(feed_cursor::text, 'null'), last_push_at IS NOT NULL,"
	    " feed_at IS NULL) FROM post_health WHERE post = 'ALA01'", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "5,null,null,t,t");

	/* A feed pull: the cursor and its time; the rest stays. */
	assert_int_equal(pgt_exec(fx->conninfo, "UPDATE post_health SET "
	    "last_contact_at = '2000-01-01', last_push_at = '2000-01-01'"),
	    0);
	h.pushed = 0;
	h.unsent = -1;
	h.feed_cursor = 42;
	assert_int_equal(postaudit_note_health(fx->conn, &h), 0);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT concat_ws(',',"
	    " unsent, coalesce(audit_unsent::text, 'null'), feed_cursor,"
	    " last_contact_at > now() - interval '1 minute',"
	    " last_push_at = '2000-01-01', feed_at IS NOT NULL)"
	    " FROM post_health WHERE post = 'ALA01'", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "5,null,42,t,t,t");

	/* A drained backlog is 0, not "unknown". */
	h.feed_cursor = -1;
	h.pushed = 1;
	h.unsent = 0;
	h.audit_unsent = 0;
	assert_int_equal(postaudit_note_health(fx->conn, &h), 0);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT concat_ws(',',"
	    " unsent, audit_unsent, feed_cursor, last_push_at > '2000-01-01')"
	    " FROM post_health WHERE post = 'ALA01'", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0,0,42,t");

	/* A second post, its own row. */
	h.post = "AST02";
	assert_int_equal(postaudit_note_health(fx->conn, &h), 0);
	assert_int_equal(q1(fx, "SELECT count(*) FROM post_health"), 2);

	/* Refused before the database. */
	h.post = "al";
	assert_int_equal(postaudit_note_health(fx->conn, &h), ERR_INVAL);
	h.post = "ALA01";
	h.unsent = -2;
	assert_int_equal(postaudit_note_health(fx->conn, &h), ERR_INVAL);
	assert_int_equal(q1(fx, "SELECT count(*) FROM post_health"), 2);
}

static void
test_parse_count(void **state)
{
	static const struct {
		const char	*in;
		int64_t		 want;
	} cases[] = {
		{ "0", 0 }, { "12", 12 }, { "9007199254740991",
		INT64_C(9007199254740991) }, { NULL, -1 }, { "", -1 },
		{ "012", -1 }, { "-1", -1 }, { "+1", -1 }, { "1a", -1 },
		{ " 1", -1 }, { "9007199254740992", -1 },
		{ "99999999999999999", -1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (postaudit_parse_count(cases[i].in) != cases[i].want)
			fail_msg("\"%s\": %lld", cases[i].in != NULL ?
			    cases[i].in : "(null)",
			    (long long)postaudit_parse_count(cases[i].in));
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_count),
		T(test_batch_is_stored_exactly_and_acked),
		T(test_same_batch_again_is_stored_once),
		T(test_different_content_is_a_conflict_not_overwritten),
		T(test_broken_links_are_stored_and_reported),
		T(test_missing_predecessor_is_unlinked),
		T(test_posts_do_not_share_seqs),
		T(test_bad_batch_and_dead_database),
		T(test_health_is_one_row_updated_where_told),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
