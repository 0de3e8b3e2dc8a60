/* test_db.c - central/db.c against a real PostgreSQL: a batch is stored
 * exactly as sent, sending it again stores nothing new and acknowledges it
 * all, different content under a stored seq is reported and not written,
 * a seq committed concurrently is neither acked nor conflicting, a lost
 * connection is re-established, and the listing filters and streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "proto.h"

#define T0	1795741323123LL		/* 2026-11-27T01:02:03.123Z */

struct fx {
	char		 conninfo[640];
	struct db	*db;
};

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_db", LOGL_WARN);
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
	if (rc != 0) {
		db_free(fx->db);
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

	db_free(fx->db);
	free(fx);
	return 0;
}

static long
num(const char *s)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	assert_true(end != s && *end == '\0');
	return v;
}

static void
mk(struct proto_crossing *c, uint64_t seq, const char *surname)
{
	memset(c, 0, sizeof(*c));
	c->seq = seq;
	c->recorded_at = T0 + (int64_t)seq * 1000;
	c->direction = seq % 2 ? PROTO_ENTRY : PROTO_EXIT;
	c->lane = 3;
	(void)snprintf(c->officer, sizeof(c->officer), "KZ0042");
	c->outcome = PROTO_ADMIT;
	(void)snprintf(c->doc.type, sizeof(c->doc.type), "P");
	(void)snprintf(c->doc.issuing_state, sizeof(c->doc.issuing_state),
	    "KAZ");
	(void)snprintf(c->doc.number, sizeof(c->doc.number), "N%07llu",
	    (unsigned long long)seq);
	(void)snprintf(c->doc.nationality, sizeof(c->doc.nationality), "KAZ");
	(void)snprintf(c->doc.surname, sizeof(c->doc.surname), "%s", surname);
	(void)snprintf(c->doc.given_names, sizeof(c->doc.given_names),
	    "ASKAR");
	(void)snprintf(c->doc.birth_date, sizeof(c->doc.birth_date),
	    "1990-01-31");
	c->doc.sex = 'M';
	(void)snprintf(c->doc.expiry_date, sizeof(c->doc.expiry_date),
	    "2030-01-30");
}

/* Stores items[0..n) as a batch of post. */
static int
store(struct db *db, const char *post, struct proto_crossing *items,
    size_t n, struct db_store_result *res, uint64_t *durable,
    uint64_t *conflict)
{
	struct proto_batch	b;

	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "%s", post);
	b.items = items;
	b.n = n;
	memset(res, 0, sizeof(*res));
	res->durable = durable;
	res->conflict = conflict;
	return db_store_batch(db, &b, res);
}

static long
count(const struct fx *fx)
{
	char	v[32];

	assert_int_equal(pgt_query1(fx->conninfo, "SELECT count(*) FROM "
	    "crossings", v, sizeof(v)), 0);
	return num(v);
}

static void
test_batch_is_stored_exactly_and_acked(void **state)
{
	struct fx		*fx = *state;
	struct proto_crossing	 c[3];
	struct db_store_result	 res;
	uint64_t		 dur[3], con[3];
	char			 v[256];

	mk(&c[0], 1, "ABENOV");
	mk(&c[1], 2, "O'NEILL, \"JR\"");	/* quotes and a comma */
	mk(&c[2], 3, "ЖУМАБАЕВ");		/* UTF-8 */
	c[2].doc.given_names[0] = '\0';
	c[2].outcome = PROTO_REFER;
	c[2].doc.sex = 'X';
	assert_int_equal(store(fx->db, "ALA01", c, 3, &res, dur, con), 0);
	assert_int_equal(res.ndurable, 3);
	assert_int_equal(res.nconflict, 0);
	assert_int_equal(res.npending, 0);
	assert_int_equal(dur[0], 1);
	assert_int_equal(dur[1], 2);
	assert_int_equal(dur[2], 3);
	assert_int_equal(count(fx), 3);

	assert_int_equal(pgt_query1(fx->conninfo, "SELECT concat_ws('|', "
	    "post, seq, to_char(recorded_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS'), direction, lane, officer, "
	    "outcome, doc_type, issuing_state, doc_number, nationality, "
	    "surname, given_names, birth_date, sex, expiry_date) FROM "
	    "crossings WHERE seq = 2", v, sizeof(v)), 0);
	assert_string_equal(v, "ALA01|2|2026-11-27T01:02:05.123|exit|3|"
	    "KZ0042|admit|P|KAZ|N0000002|KAZ|O'NEILL, \"JR\"|ASKAR|"
	    "1990-01-31|M|2030-01-30");
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT concat_ws('|', "
	    "surname, given_names, outcome, sex) FROM crossings WHERE seq = 3",
	    v, sizeof(v)), 0);
	assert_string_equal(v, "ЖУМАБАЕВ||refer|X");
}

static void
test_batch_sent_twice_is_stored_once(void **state)
{
	struct fx		*fx = *state;
	struct proto_crossing	 c[4];
	struct db_store_result	 res;
	uint64_t		 dur[4], con[4];
	int			 i;

	for (i = 0; i < 4; i++)
		mk(&c[i], (uint64_t)i + 10, "ABENOV");
	assert_int_equal(store(fx->db, "ALA01", c, 2, &res, dur, con), 0);
	assert_int_equal(res.ndurable, 2);
	/* Again, and overlapping with two new ones. */
	assert_int_equal(store(fx->db, "ALA01", c, 4, &res, dur, con), 0);
	assert_int_equal(res.ndurable, 4);
	assert_int_equal(res.nconflict, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(dur[i], (uint64_t)i + 10);
	assert_int_equal(count(fx), 4);
	/* The same seqs of another post are other crossings. */
	assert_int_equal(store(fx->db, "NUR02", c, 4, &res, dur, con), 0);
	assert_int_equal(res.ndurable, 4);
	assert_int_equal(count(fx), 8);
}

static void
test_different_content_is_a_conflict_and_not_written(void **state)
{
	struct fx		*fx = *state;
	struct proto_crossing	 c[3];
	struct db_store_result	 res;
	uint64_t		 dur[3], con[3];
	char			 v[64];

	mk(&c[0], 1, "ABENOV");
	mk(&c[1], 2, "ABENOV");
	assert_int_equal(store(fx->db, "ALA01", c, 2, &res, dur, con), 0);
	/* A post whose store was wiped numbers from 1 again. */
	mk(&c[0], 1, "OTHER");
	mk(&c[1], 2, "ABENOV");
	c[1].recorded_at += 1;			/* one millisecond off */
	mk(&c[2], 3, "NEW");
	assert_int_equal(store(fx->db, "ALA01", c, 3, &res, dur, con), 0);
	assert_int_equal(res.nconflict, 2);
	assert_int_equal(con[0], 1);
	assert_int_equal(con[1], 2);
	assert_int_equal(res.ndurable, 1);
	assert_int_equal(dur[0], 3);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT surname || "
	    "to_char(recorded_at AT TIME ZONE 'UTC', '.MS') FROM crossings "
	    "WHERE post = 'ALA01' AND seq = 1", v, sizeof(v)), 0);
	assert_string_equal(v, "ABENOV.123");
	assert_int_equal(count(fx), 3);
}

static void
test_empty_batch_needs_no_database(void **state)
{
	struct db		*db;
	struct db_store_result	 res;
	uint64_t		 dur[1], con[1];

	(void)state;
	assert_non_null(db = db_new("host=/nonexistent-shekara port=1"));
	assert_int_equal(store(db, "ALA01", NULL, 0, &res, dur, con), 0);
	assert_int_equal(res.ndurable, 0);
	db_free(db);
}

static void
test_unreachable_database_acks_nothing(void **state)
{
	struct db		*db;
	struct proto_crossing	 c;
	struct db_store_result	 res;
	uint64_t		 dur[1] = { 0 }, con[1];

	(void)state;
	mk(&c, 1, "ABENOV");
	assert_non_null(db = db_new("host=/nonexistent-shekara port=1"));
	assert_int_equal(store(db, "ALA01", &c, 1, &res, dur, con), ERR_DB);
	assert_int_equal(res.ndurable, 0);
	assert_int_equal(db_ping(db), ERR_DB);
	db_free(db);
}

static void
test_lost_connection_is_reestablished(void **state)
{
	struct fx		*fx = *state;
	struct proto_crossing	 c;
	struct db_store_result	 res;
	uint64_t		 dur[1], con[1];
	char			 sql[128], v[32];

	assert_int_equal(db_ping(fx->db), 0);
	(void)snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)",
	    PQbackendPID(db_pgconn(fx->db)));
	assert_int_equal(pgt_query1(fx->conninfo, sql, v, sizeof(v)), 0);
	assert_string_equal(v, "t");
	usleep(100000);
	/* The next store notices, reconnects and succeeds. */
	mk(&c, 1, "ABENOV");
	assert_int_equal(store(fx->db, "ALA01", &c, 1, &res, dur, con), 0);
	assert_int_equal(res.ndurable, 1);
	assert_int_equal(count(fx), 1);
	assert_int_equal(db_ping(fx->db), 0);
}

/* A second connection holds an uncommitted insert of (ALA01, 1) while the
 * store runs; it commits, and the store's insert of seq 1 is skipped. */
struct holder {
	const char	*conninfo;
	struct db	*db;
	int		 rc;
	struct db_store_result res;
	uint64_t	 dur[2], con[2];
};

static void *
store_thread(void *arg)
{
	struct holder		*h = arg;
	struct proto_crossing	 c[2];

	mk(&c[0], 1, "ABENOV");
	mk(&c[1], 2, "ABENOV");
	h->rc = store(h->db, "ALA01", c, 2, &h->res, h->dur, h->con);
	return NULL;
}

static void
test_concurrently_committed_seq_is_acknowledged(void **state)
{
	struct fx	*fx = *state;
	struct holder	 h;
	pthread_t	 t;
	PGconn		*other;
	PGresult	*r;
	char		 v[32];
	int		 i, waiting = 0;

	other = PQconnectdb(fx->conninfo);
	assert_int_equal(PQstatus(other), CONNECTION_OK);
	r = PQexec(other, "BEGIN; INSERT INTO crossings (post, seq, "
	    "recorded_at, direction, lane, officer, outcome, doc_type, "
	    "issuing_state, doc_number, nationality, surname, given_names, "
	    "birth_date, sex, expiry_date) VALUES ('ALA01', 1, "
	    "'2026-11-27T01:02:04.123Z', 'entry', 3, 'KZ0042', 'admit', 'P', "
	    "'KAZ', 'N0000001', 'KAZ', 'ABENOV', 'ASKAR', '1990-01-31', 'M', "
	    "'2030-01-30')");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);

	memset(&h, 0, sizeof(h));
	h.db = fx->db;
	assert_int_equal(pthread_create(&t, NULL, store_thread, &h), 0);
	/* Until the store waits on our row lock. */
	for (i = 0; i < 100 && !waiting; i++) {
		usleep(50000);
		assert_int_equal(pgt_query1(fx->conninfo, "SELECT count(*) "
		    "FROM pg_stat_activity WHERE wait_event_type = 'Lock'", v,
		    sizeof(v)), 0);
		waiting = num(v) > 0;
	}
	assert_true(waiting);
	r = PQexec(other, "COMMIT");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(other);
	assert_int_equal(pthread_join(t, NULL), 0);

	/*
	 * The insert waited for the other transaction and skipped its row;
	 * the comparison that follows sees it committed, identical: both are
	 * durable at once.
	 */
	assert_int_equal(h.rc, 0);
	assert_int_equal(h.res.ndurable, 2);
	assert_int_equal(h.dur[0], 1);
	assert_int_equal(h.dur[1], 2);
	assert_int_equal(h.res.nconflict, 0);
	assert_int_equal(h.res.npending, 0);
	/* Sent again, it is acknowledged in full. */
	assert_int_equal(pthread_create(&t, NULL, store_thread, &h), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(h.rc, 0);
	assert_int_equal(h.res.ndurable, 2);
	assert_int_equal(h.res.npending, 0);
}

struct rows {
	char	lines[16][512];
	int	n;
	int	stop_after;
};

static int
collect(void *arg, const char *const vals[DB_NCOLS])
{
	struct rows	*r = arg;
	size_t		 len = 0;
	int		 i;

	if (r->stop_after > 0 && r->n == r->stop_after)
		return ERR_IO;
	assert_true(r->n < 16);
	for (i = 0; i < DB_NCOLS; i++)
		len += (size_t)snprintf(r->lines[r->n] + len,
		    sizeof(r->lines[0]) - len, "%s%s", i ? "," : "", vals[i]);
	r->n++;
	return 0;
}

/* seq is listed as text; ordering by the output column put 10 before 9. */
static void
test_listing_orders_seq_numerically(void **state)
{
	struct fx		*fx = *state;
	struct proto_crossing	 c[2];
	struct db_store_result	 res;
	struct db_filter	 f;
	struct rows		 r;
	uint64_t		 dur[2], con[2];

	mk(&c[0], 10, "ABENOV");
	mk(&c[1], 9, "ABENOV");
	assert_int_equal(store(fx->db, "ALA01", c, 2, &res, dur, con), 0);
	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_crossings_list(fx->db, &f, collect, &r), 0);
	assert_int_equal(r.n, 2);
	assert_true(strncmp(r.lines[0], "ALA01,9,", 8) == 0);
	assert_true(strncmp(r.lines[1], "ALA01,10,", 9) == 0);
}

static void
test_listing_filters_orders_and_stops(void **state)
{
	struct fx		*fx = *state;
	struct proto_crossing	 c[5];
	struct db_store_result	 res;
	struct db_filter	 f;
	struct rows		 r;
	uint64_t		 dur[5], con[5];
	int			 i;

	for (i = 0; i < 5; i++)
		mk(&c[i], (uint64_t)(5 - i), "ABENOV");	/* out of order */
	assert_int_equal(store(fx->db, "NUR02", c, 5, &res, dur, con), 0);
	assert_int_equal(store(fx->db, "ALA01", c, 2, &res, dur, con), 0);

	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_crossings_list(fx->db, &f, collect, &r), 0);
	assert_int_equal(r.n, 7);
	assert_string_equal(r.lines[0], "ALA01,4,2026-11-27T01:02:07.123Z,"
	    "exit,3,KZ0042,admit,P,KAZ,N0000004,KAZ,ABENOV,ASKAR,1990-01-31,"
	    "M,2030-01-30");
	assert_true(strncmp(r.lines[1], "ALA01,5,", 8) == 0);
	assert_true(strncmp(r.lines[2], "NUR02,1,", 8) == 0);
	assert_true(strncmp(r.lines[6], "NUR02,5,", 8) == 0);

	/* One post, from seq 2's time (inclusive) to seq 4's (exclusive). */
	f.post = "NUR02";
	f.has_since = 1;
	f.since = T0 + 2000;
	f.has_until = 1;
	f.until = T0 + 4000;
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_crossings_list(fx->db, &f, collect, &r), 0);
	assert_int_equal(r.n, 2);
	assert_true(strncmp(r.lines[0], "NUR02,2,", 8) == 0);
	assert_true(strncmp(r.lines[1], "NUR02,3,", 8) == 0);

	memset(&f, 0, sizeof(f));
	f.limit = 3;
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_crossings_list(fx->db, &f, collect, &r), 0);
	assert_int_equal(r.n, 3);

	/* A callback that stops ends the listing with its code, and the
	 * connection is usable afterwards. */
	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	r.stop_after = 2;
	assert_int_equal(db_crossings_list(fx->db, &f, collect, &r), ERR_IO);
	assert_int_equal(r.n, 2);
	assert_int_equal(db_ping(fx->db), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_batch_needs_no_database),
		cmocka_unit_test(test_unreachable_database_acks_nothing),
		cmocka_unit_test_setup_teardown(
		    test_batch_is_stored_exactly_and_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_batch_sent_twice_is_stored_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_different_content_is_a_conflict_and_not_written,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lost_connection_is_reestablished, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_concurrently_committed_seq_is_acknowledged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_listing_filters_orders_and_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_listing_orders_seq_numerically, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
