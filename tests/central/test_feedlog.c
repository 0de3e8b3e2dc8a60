/* test_feedlog.c - the centre's feed log against a real PostgreSQL
 * (pgtest.h, migrations applied): entries of every kind appended and read
 * back byte-identical to feed_encode_batch(), superseding, deletes, the
 * snapshot (since 0) without deletes or superseded rows, batches cut at max
 * entries or bytes and continued to the head, since above the head, a
 * refused entry changing nothing, and concurrent writers: the one that
 * takes its position second waits for the first to commit (or roll back),
 * so a reader never sees position N+1 without N. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "date.h"
#include "db.h"
#include "err.h"
#include "feed.h"
#include "feedlog.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "stay.h"

#define SET(dst, s)	(void)snprintf((dst), sizeof(dst), "%s", (s))
#define NMAX		64

#define POLICY_YAML \
	"version: T-1\n" \
	"timezone: UTC\n" \
	"citizens: [KAZ]\n" \
	"groups: [{name: EAEU, members: [RUS, KGZ]}]\n" \
	"rules: [{group: EAEU, from: 2015-01-01, visa_required: false, " \
	"max_days: 90, window_days: 180}]\n" \
	"default: {visa_required: true}\n" \
	"permits:\n" \
	"  visa: {stay: permit}\n" \
	"  work_permit: {stay: unlimited, replaces_visa: false}\n" \
	"  residence_permit: {stay: unlimited, replaces_visa: true}\n" \
	"  refugee: {stay: unlimited, replaces_visa: true}\n" \
	"  asylum: {stay: unlimited, replaces_visa: true}\n" \
	"  repatriate: {stay: unlimited, replaces_visa: true}\n"
#define PIN_HASH "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"

struct fx {
	char	 conninfo[600];
	PGconn	*conn;		/* the writer's */
	PGconn	*reader;
};

static struct stay	stays[2];
static struct feed_entry items[NMAX];

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_feedlog", LOGL_WARN);
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

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	if (pgt_newdb_migrated(fx->conninfo, sizeof(fx->conninfo)) != 0)
		return -1;
	fx->conn = PQconnectdb(fx->conninfo);
	fx->reader = PQconnectdb(fx->conninfo);
	if (PQstatus(fx->conn) != CONNECTION_OK ||
	    PQstatus(fx->reader) != CONNECTION_OK)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	PQfinish(fx->conn);
	PQfinish(fx->reader);
	free(fx);
	return 0;
}

static void
exec_ok(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static long
query_long(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);
	long		 v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static int64_t
days(const char *iso)
{
	struct date	d;

	assert_int_equal(date_parse_iso(&d, iso, strlen(iso)), 0);
	return date_to_days(&d);
}

/* An entry of kind k with id; n varies its data. */
static void
mk(struct feed_entry *e, enum feed_kind k, const char *id, int n)
{
	memset(e, 0, sizeof(*e));
	e->op = FEED_UPSERT;
	e->kind = k;
	SET(e->id, id);
	switch (k) {
	case FEED_DOCUMENT_ALERT:
		SET(e->data.document_alert.issuing_state, "KAZ");
		(void)snprintf(e->data.document_alert.number,
		    sizeof(e->data.document_alert.number), "N%07d", n);
		e->data.document_alert.reason = FEED_STOLEN;
		SET(e->data.document_alert.since, "2026-01-02");
		break;
	case FEED_PERSON_ALERT:
		e->data.person_alert.kind = FEED_ENTRY_BAN;
		SET(e->data.person_alert.surname, "Абенов");
		SET(e->data.person_alert.given_names, "Аскар");
		SET(e->data.person_alert.birth_date, "1990-01");
		SET(e->data.person_alert.nationality, "KAZ");
		e->data.person_alert.severity = 1 + n % 5;
		SET(e->data.person_alert.source, "court order 12/2026");
		break;
	case FEED_PERMIT:
		e->data.permit.kind = POLICY_PERMIT_WORK;
		SET(e->data.permit.holder.issuing_state, "UZB");
		SET(e->data.permit.holder.number, "FA1234567");
		SET(e->data.permit.holder.nationality, "UZB");
		SET(e->data.permit.holder.surname, "KARIMOV");
		SET(e->data.permit.holder.birth_date, "1988-05-17");
		SET(e->data.permit.valid_from, "2026-01-01");
		SET(e->data.permit.valid_until, "2026-12-31");
		e->data.permit.entries = FEED_NULL;
		e->data.permit.entries_used = n;
		e->data.permit.stay_days = FEED_NULL;
		SET(e->data.permit.employer, "Almaty Metro LLP");
		break;
	case FEED_STAY_STATE:
		SET(e->data.stay_state.person.issuing_state, "RUS");
		SET(e->data.stay_state.person.number, "751234567");
		SET(e->data.stay_state.person.nationality, "RUS");
		SET(e->data.stay_state.person.birth_date, "1979-03-08");
		stays[0].entry = days("2026-01-10");
		stays[0].exit = days("2026-02-08");
		stays[1].entry = days("2026-03-01");
		stays[1].exit = STAY_OPEN;
		e->data.stay_state.nstays = 2;
		e->data.stay_state.stays = stays;
		SET(e->data.stay_state.rule, "EAEU 90/180");
		break;
	case FEED_POLICY:
		SET(e->data.policy.version, "T-1");
		e->data.policy.yaml = POLICY_YAML;
		e->data.policy.yaml_len = strlen(POLICY_YAML);
		break;
	case FEED_OFFICER:
		SET(e->data.officer.id, id);
		SET(e->data.officer.name, "Серик Ахметов");
		SET(e->data.officer.pin_hash, PIN_HASH);
		e->data.officer.active = n % 2;
		break;
	}
}

static void
mk_delete(struct feed_entry *e, enum feed_kind k, const char *id)
{
	memset(e, 0, sizeof(*e));
	e->op = FEED_DELETE;
	e->kind = k;
	SET(e->id, id);
}

/* Appends e in a transaction of its own; returns its position. */
static uint64_t
append1(PGconn *c, struct feed_entry *e)
{
	exec_ok(c, "BEGIN");
	assert_int_equal(feedlog_append(c, e), 0);
	exec_ok(c, "COMMIT");
	return e->pos;
}

/*
 * Reads a batch and checks what posts rely on: it decodes, its bytes are
 * exactly feed_encode_batch() of what it decodes to, from/to/n agree, and
 * the positions are in order. Returns the decoded batch in b (items).
 */
static void
read_batch(PGconn *c, uint64_t since, size_t max, size_t maxbytes,
    struct feedlog_batch *out, struct feed_batch *b)
{
	struct proto_error	 err;
	char			*enc;
	size_t			 len, cap = out->len;

	assert_int_equal(feedlog_batch(c, since, max, maxbytes, out), 0);
	assert_non_null(out->buf);
	assert_int_equal(strlen(out->buf), out->len);
	memset(b, 0, sizeof(*b));
	b->entries = items;
	if (feed_decode_batch(b, NMAX, (const uint8_t *)out->buf, out->len,
	    &err) != 0)
		fail_msg("batch does not decode: %s: %s", err.field,
		    err.message);
	assert_int_equal(b->from, since);
	assert_int_equal(b->from, out->from);
	assert_int_equal(b->to, out->to);
	assert_int_equal(b->n, out->n);
	assert_true(out->to <= out->head);
	cap = out->len + 1;
	assert_non_null(enc = malloc(cap));
	assert_int_equal(feed_encode_batch(b, enc, cap, &len), 0);
	assert_int_equal(len, out->len);
	assert_memory_equal(enc, out->buf, len);
	free(enc);
	if (maxbytes > 0)
		assert_true(out->len <= maxbytes);
}

/* One entry of every kind, read back as the same entries, byte-identical
 * to the encoder's batch, each stored as feed_encode_entry()'s bytes. */
static void
test_feedlog_every_kind_round_trip(void **state)
{
	struct fx		*fx = *state;
	struct feed_entry	 e[7];
	struct feedlog_batch	 out;
	struct feed_batch	 b;
	uint64_t		 head;
	char			 enc[8192];
	size_t			 len, i;
	PGresult		*r;

	mk(&e[0], FEED_DOCUMENT_ALERT, "da-1", 1);
	mk(&e[1], FEED_PERSON_ALERT, "pa-1", 1);
	mk(&e[2], FEED_PERMIT, "pm-1", 1);
	mk(&e[3], FEED_STAY_STATE, "RUS:751234567", 1);
	mk(&e[4], FEED_POLICY, "policy", 1);
	mk(&e[5], FEED_OFFICER, "KZ0042", 1);
	mk_delete(&e[6], FEED_PERMIT, "pm-0");

	assert_int_equal(feedlog_head(fx->conn, &head), 0);
	assert_int_equal(head, 0);
	/* Three in one transaction, the rest one by one. */
	exec_ok(fx->conn, "BEGIN");
	for (i = 0; i < 3; i++)
		assert_int_equal(feedlog_append(fx->conn, &e[i]), 0);
	exec_ok(fx->conn, "COMMIT");
	for (i = 3; i < 7; i++)
		append1(fx->conn, &e[i]);
	for (i = 0; i < 7; i++)
		assert_int_equal(e[i].pos, i + 1);
	assert_int_equal(feedlog_head(fx->reader, &head), 0);
	assert_int_equal(head, 7);

	/* Stored text is the entry's encoding. */
	r = PQexec(fx->reader, "SELECT entry FROM feed_log ORDER BY pos");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 7);
	for (i = 0; i < 7; i++) {
		assert_int_equal(feed_encode_entry(&e[i], enc, sizeof(enc),
		    &len), 0);
		assert_int_equal((size_t)PQgetlength(r, (int)i, 0), len);
		assert_memory_equal(PQgetvalue(r, (int)i, 0), enc, len);
	}
	PQclear(r);

	/* Since 1: every entry after it, the delete too. */
	read_batch(fx->reader, 1, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 6);
	assert_int_equal(b.to, 7);
	for (i = 0; i < 6; i++)
		assert_true(feed_check_same_entry(&b.entries[i], &e[i + 1]));
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
	assert_null(out.buf);

	/* The snapshot: the six upserts, no delete; to is the head. */
	read_batch(fx->reader, 0, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 6);
	assert_int_equal(b.to, 7);
	for (i = 0; i < 6; i++)
		assert_true(feed_check_same_entry(&b.entries[i], &e[i]));
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
	feedlog_batch_reset(NULL);
}

/* A later write of (kind, id) supersedes the earlier; deletes travel to
 * posts that are catching up but not in the snapshot. */
static void
test_feedlog_supersede_and_delete(void **state)
{
	struct fx		*fx = *state;
	struct feed_entry	 e;
	struct feedlog_batch	 out;
	struct feed_batch	 b;
	char			 buf[64];

	mk(&e, FEED_DOCUMENT_ALERT, "da-1", 1);
	assert_int_equal(append1(fx->conn, &e), 1);
	mk(&e, FEED_DOCUMENT_ALERT, "da-2", 2);
	assert_int_equal(append1(fx->conn, &e), 2);
	mk(&e, FEED_DOCUMENT_ALERT, "da-1", 3);		/* replaces 1 */
	assert_int_equal(append1(fx->conn, &e), 3);
	mk_delete(&e, FEED_DOCUMENT_ALERT, "da-2");	/* replaces 2 */
	assert_int_equal(append1(fx->conn, &e), 4);
	mk(&e, FEED_OFFICER, "da-1", 1);	/* same id, another kind */
	assert_int_equal(append1(fx->conn, &e), 5);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT string_agg(pos::text,"
	    " ',' ORDER BY pos) FROM feed_log WHERE superseded", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "1,2");
	assert_int_equal(query_long(fx->reader, "SELECT count(*) FROM "
	    "feed_log WHERE NOT superseded AND kind = 'document_alert' AND "
	    "id = 'da-1'"), 1);

	read_batch(fx->reader, 0, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.entries[0].pos, 3);
	assert_string_equal(b.entries[0].data.document_alert.number,
	    "N0000003");
	assert_int_equal(b.entries[1].pos, 5);
	assert_int_equal(b.entries[1].kind, FEED_OFFICER);
	assert_int_equal(b.to, 5);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);

	read_batch(fx->reader, 1, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.entries[0].pos, 3);
	assert_int_equal(b.entries[1].pos, 4);
	assert_int_equal(b.entries[1].op, FEED_DELETE);
	assert_string_equal(b.entries[1].id, "da-2");
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);

	/* Current: from == to == head, no entries. */
	read_batch(fx->reader, 5, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.from, 5);
	assert_int_equal(b.to, 5);
	assert_string_equal(out.buf,
	    "{\"version\":1,\"from\":5,\"to\":5,\"entries\":[]}");
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
}

/* A batch cut at max ends at its last entry; continuing from there reaches
 * the head. Exactly max entries left is not a cut. A byte limit cuts too. */
static void
test_feedlog_batch_cut_and_continued(void **state)
{
	struct fx		*fx = *state;
	struct feed_entry	 e;
	struct feedlog_batch	 out;
	struct feed_batch	 b;
	char			 id[16];
	uint64_t		 since;
	size_t			 total, nb, one;
	int			 i;

	for (i = 1; i <= 10; i++) {
		(void)snprintf(id, sizeof(id), "da-%d", i);
		mk(&e, FEED_DOCUMENT_ALERT, id, i);
		append1(fx->conn, &e);
	}
	mk(&e, FEED_DOCUMENT_ALERT, "da-2", 99);	/* 11 supersedes 2 */
	append1(fx->conn, &e);

	/* Live: 1, 3..11. max 4 from 0: 1, 3, 4, 5; then 6..9; then 10, 11
	 * (two left: not cut, to = head). */
	read_batch(fx->reader, 0, 4, 0, &out, &b);
	assert_int_equal(b.n, 4);
	assert_int_equal(b.entries[0].pos, 1);
	assert_int_equal(b.entries[1].pos, 3);
	assert_int_equal(b.to, 5);
	assert_int_equal(out.head, 11);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
	read_batch(fx->reader, 5, 4, 0, &out, &b);
	assert_int_equal(b.n, 4);
	assert_int_equal(b.to, 9);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
	read_batch(fx->reader, 9, 4, 0, &out, &b);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.to, 11);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
	/* Exactly max left. */
	read_batch(fx->reader, 7, 4, 0, &out, &b);
	assert_int_equal(b.n, 4);
	assert_int_equal(b.to, 11);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);

	/* By bytes: the whole snapshot, then the same entries in batches of
	 * at most a third of its size, continued to the head. */
	read_batch(fx->reader, 0, FEED_BATCH_MAX, 0, &out, &b);
	total = out.len;
	assert_int_equal(b.n, 10);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
	for (since = 0, nb = 0, i = 0; ; nb++) {
		read_batch(fx->reader, since, FEED_BATCH_MAX, total / 3,
		    &out, &b);
		assert_true(b.n > 0 || b.to == 11);
		i += (int)b.n;
		since = b.to;
		feed_batch_reset(&b);
		feedlog_batch_reset(&out);
		if (since == 11)
			break;
		assert_true(nb < 10);
	}
	assert_int_equal(i, 10);
	assert_true(nb >= 3);

	/* One entry bigger than the limit: ERR_TOOBIG, not a stuck empty
	 * batch. */
	read_batch(fx->reader, 0, 1, 0, &out, &b);
	one = out.len;
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
	assert_int_equal(feedlog_batch(fx->reader, 0, 10, one - 20, &out),
	    ERR_TOOBIG);
	assert_null(out.buf);
}

/* Above the head (a post ahead of this centre) is ERR_CONFLICT with the
 * head; out-of-range arguments are ERR_RANGE; the connection stays
 * usable after each. */
static void
test_feedlog_since_above_head(void **state)
{
	struct fx		*fx = *state;
	struct feed_entry	 e;
	struct feedlog_batch	 out;
	struct feed_batch	 b;

	mk(&e, FEED_DOCUMENT_ALERT, "da-1", 1);
	append1(fx->conn, &e);
	memset(&out, 0xff, sizeof(out));
	assert_int_equal(feedlog_batch(fx->reader, 2, 10, 0, &out),
	    ERR_CONFLICT);
	assert_int_equal(out.head, 1);
	assert_null(out.buf);
	assert_int_equal(feedlog_batch(fx->reader, FEED_POS_MAX + 1, 10, 0,
	    &out), ERR_RANGE);
	assert_int_equal(feedlog_batch(fx->reader, 0, 0, 0, &out), ERR_RANGE);
	assert_int_equal(feedlog_batch(fx->reader, 0, FEED_BATCH_MAX + 1, 0,
	    &out), ERR_RANGE);
	assert_int_equal(PQtransactionStatus(fx->reader), PQTRANS_IDLE);
	read_batch(fx->reader, 1, 10, 0, &out, &b);
	assert_int_equal(b.n, 0);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
}

/* An entry feed_check_entry() refuses: ERR_INVAL before any position is
 * taken; pos untouched. A database error leaves pos untouched too. */
static void
test_feedlog_refused_entry_changes_nothing(void **state)
{
	struct fx		*fx = *state;
	struct feed_entry	 e;
	uint64_t		 head;

	mk(&e, FEED_DOCUMENT_ALERT, "da 1", 1);		/* space in the id */
	e.pos = 77;
	exec_ok(fx->conn, "BEGIN");
	assert_int_equal(feedlog_append(fx->conn, &e), ERR_INVAL);
	assert_int_equal(e.pos, 77);
	mk(&e, FEED_DOCUMENT_ALERT, "da-1", 1);
	SET(e.data.document_alert.since, "2026-02-30");
	assert_int_equal(feedlog_append(fx->conn, &e), ERR_INVAL);
	exec_ok(fx->conn, "COMMIT");
	assert_int_equal(feedlog_head(fx->reader, &head), 0);
	assert_int_equal(head, 0);
	assert_int_equal(query_long(fx->reader, "SELECT count(*) FROM "
	    "feed_log"), 0);

	/* In a transaction that has already failed: ERR_DB, pos as it
	 * was, and the rollback leaves no trace. */
	exec_ok(fx->conn, "BEGIN");
	PQclear(PQexec(fx->conn, "SELECT no_such_column"));
	mk(&e, FEED_DOCUMENT_ALERT, "da-1", 1);
	e.pos = 5;
	assert_int_equal(feedlog_append(fx->conn, &e), ERR_DB);
	assert_int_equal(e.pos, 5);
	exec_ok(fx->conn, "ROLLBACK");
	assert_int_equal(feedlog_head(fx->reader, &head), 0);
	assert_int_equal(head, 0);
}

/*
 * Concurrency. Writer B runs in a thread with its own connection: BEGIN,
 * append, then it waits for "commit" before COMMIT (or ROLLBACK).
 */
struct writer {
	const char		*conninfo;
	struct feed_entry	 e;
	atomic_int		 appended;	/* feedlog_append returned */
	atomic_int		 go;		/* 1 commit, 2 roll back */
	int			 rc;
	int			 pid;		/* its backend */
};

static void *
writer_main(void *arg)
{
	struct writer	*w = arg;
	PGconn		*c = PQconnectdb(w->conninfo);
	PGresult	*r;

	w->pid = PQbackendPID(c);
	r = PQexec(c, "BEGIN");
	PQclear(r);
	w->rc = feedlog_append(c, &w->e);
	atomic_store(&w->appended, 1);
	while (atomic_load(&w->go) == 0)
		usleep(1000);
	r = PQexec(c, atomic_load(&w->go) == 1 ? "COMMIT" : "ROLLBACK");
	PQclear(r);
	PQfinish(c);
	return NULL;
}

/* Waits until the backend pid is blocked on a lock (pg_stat_activity). */
static void
wait_for_lock_wait(PGconn *c, int *pidp)
{
	char		 sql[160];
	int		 i;

	for (i = 0; i < 1000; i++) {
		if (*(volatile int *)pidp != 0) {
			(void)snprintf(sql, sizeof(sql), "SELECT count(*) "
			    "FROM pg_stat_activity WHERE pid = %d AND "
			    "wait_event_type = 'Lock'", *(volatile int *)pidp);
			if (query_long(c, sql) == 1)
				return;
		}
		usleep(10000);
	}
	fail_msg("writer B never waited for the feed_head lock");
}

static void
test_feedlog_concurrent_writers_commit_in_order(void **state)
{
	struct fx		*fx = *state;
	struct writer		 w;
	struct feed_entry	 a;
	struct feedlog_batch	 out;
	struct feed_batch	 b;
	pthread_t		 t;

	/* A takes position 1 and holds its transaction open. */
	mk(&a, FEED_DOCUMENT_ALERT, "da-1", 1);
	exec_ok(fx->conn, "BEGIN");
	assert_int_equal(feedlog_append(fx->conn, &a), 0);
	assert_int_equal(a.pos, 1);

	/* B writes the same (kind, id) and must wait for A. */
	memset(&w, 0, sizeof(w));
	w.conninfo = fx->conninfo;
	mk(&w.e, FEED_DOCUMENT_ALERT, "da-1", 2);
	atomic_init(&w.appended, 0);
	atomic_init(&w.go, 0);
	assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);
	wait_for_lock_wait(fx->reader, &w.pid);
	assert_int_equal(atomic_load(&w.appended), 0);

	/* Nothing committed: the reader sees head 0 and no entries. */
	read_batch(fx->reader, 0, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 0);
	assert_int_equal(out.head, 0);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);

	/* A commits; only now does B get its position, 2. */
	exec_ok(fx->conn, "COMMIT");
	while (atomic_load(&w.appended) == 0)
		usleep(1000);
	assert_int_equal(w.rc, 0);
	assert_int_equal(w.e.pos, 2);

	/* B not yet committed: the reader sees 1 and head 1, never 2. */
	read_batch(fx->reader, 0, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.entries[0].pos, 1);
	assert_int_equal(out.head, 1);
	assert_int_equal(b.to, 1);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);

	/* B commits: its row supersedes A's, which it could not see when
	 * its transaction began. */
	atomic_store(&w.go, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	read_batch(fx->reader, 0, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.entries[0].pos, 2);
	assert_string_equal(b.entries[0].data.document_alert.number,
	    "N0000002");
	assert_int_equal(out.head, 2);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
	/* A post that read position 1 gets 2 next. */
	read_batch(fx->reader, 1, FEED_BATCH_MAX, 0, &out, &b);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.entries[0].pos, 2);
	feed_batch_reset(&b);
	feedlog_batch_reset(&out);
}

/* A rolls back while B waits: B takes the same position, no gap. */
static void
test_feedlog_concurrent_rollback_leaves_no_gap(void **state)
{
	struct fx		*fx = *state;
	struct writer		 w;
	struct feed_entry	 a;
	pthread_t		 t;
	uint64_t		 head;

	mk(&a, FEED_PERMIT, "pm-1", 1);
	exec_ok(fx->conn, "BEGIN");
	assert_int_equal(feedlog_append(fx->conn, &a), 0);
	assert_int_equal(a.pos, 1);
	memset(&w, 0, sizeof(w));
	w.conninfo = fx->conninfo;
	mk(&w.e, FEED_OFFICER, "KZ0001", 1);
	atomic_init(&w.appended, 0);
	atomic_init(&w.go, 1);		/* commit at once */
	assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);
	wait_for_lock_wait(fx->reader, &w.pid);
	exec_ok(fx->conn, "ROLLBACK");
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, 0);
	assert_int_equal(w.e.pos, 1);
	assert_int_equal(feedlog_head(fx->reader, &head), 0);
	assert_int_equal(head, 1);
	assert_int_equal(query_long(fx->reader, "SELECT count(*) FROM "
	    "feed_log WHERE kind = 'officer' AND pos = 1"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_feedlog_every_kind_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_feedlog_supersede_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_feedlog_batch_cut_and_continued, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_feedlog_since_above_head, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_feedlog_refused_entry_changes_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_feedlog_concurrent_writers_commit_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_feedlog_concurrent_rollback_leaves_no_gap, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
