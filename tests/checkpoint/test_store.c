/* test_store.c - checkpoint/store.c against real SQLite files in a fresh
 * temporary directory: gapless numbering, durability across reopen, the
 * post binding, the unsent queue, the exact stored bytes and the lane's
 * request ids (a replay answers the first record, a reused key refuses),
 * and crossings recorded for a check (it must exist and match; admitting
 * against a deny needs a reason; the link is kept, never sent), and the
 * post's audit chain (an event per check and record in the same
 * transaction, a chain that verifies and catches tampering, old stores
 * gaining the table). */
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

#include <sqlite3.h>

#include "auditchain.h"
#include "auditmsg.h"
#include "check.h"
#include "date.h"
#include "err.h"
#include "log.h"
#include "proto.h"
#include "store.h"

struct fx {
	char	dir[64];
	char	path[128];
};

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	(void)snprintf(fx->path, sizeof(fx->path), "%s/post.db", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	char		 p[160];
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	size_t		 i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s%s", fx->path, sfx[i]);
		(void)unlink(p);
	}
	(void)rmdir(fx->dir);
	free(fx);
	return 0;
}

static void
mkcrossing(struct proto_crossing *c, uint32_t lane, const char *surname)
{
	memset(c, 0, sizeof(*c));
	c->direction = PROTO_ENTRY;
	c->lane = lane;
	(void)snprintf(c->officer, sizeof(c->officer), "KZ0042");
	c->outcome = PROTO_ADMIT;
	(void)snprintf(c->doc.type, sizeof(c->doc.type), "P");
	(void)snprintf(c->doc.issuing_state, sizeof(c->doc.issuing_state),
	    "KAZ");
	(void)snprintf(c->doc.number, sizeof(c->doc.number), "N1234567");
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

static uint64_t
append_one(struct store *s, uint32_t lane)
{
	struct proto_crossing	c;

	int			replayed = 7;

	mkcrossing(&c, lane, "ABENOV");
	assert_int_equal(store_append(s, &c, &replayed), 0);
	assert_int_equal(replayed, 0);
	return c.seq;
}

static uint64_t
unsent(struct store *s)
{
	struct proto_status	st;

	assert_int_equal(store_status(s, &st), 0);
	return st.unsent;
}

static void
test_store_seqs_are_gapless_from_one(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_crossing	 c;
	int64_t			 before, after;
	uint64_t		 i;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	for (i = 1; i <= 5; i++) {
		mkcrossing(&c, 3, "ABENOV");
		before = date_now_ms();
		assert_int_equal(store_append(s, &c, NULL), 0);
		after = date_now_ms();
		assert_int_equal(c.seq, i);
		assert_true(c.recorded_at >= before && c.recorded_at <= after);
	}
	store_close(s);
}

static void
test_store_failed_append_uses_no_number(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_crossing	 c, copy;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(append_one(s, 1), 1);
	assert_int_equal(append_one(s, 1), 2);

	/* Lane 0 does not exist: refused without taking seq 3. */
	mkcrossing(&c, 0, "ABENOV");
	copy = c;
	assert_int_equal(store_append(s, &c, NULL), ERR_INVAL);
	assert_memory_equal(&c, &copy, sizeof(c));	/* untouched */
	/* So is a request id that is not one. */
	mkcrossing(&c, 1, "ABENOV");
	(void)snprintf(c.request_id, sizeof(c.request_id), "short");
	copy = c;
	assert_int_equal(store_append(s, &c, NULL), ERR_INVAL);
	assert_memory_equal(&c, &copy, sizeof(c));
	assert_int_equal(unsent(s), 2);

	assert_int_equal(append_one(s, 1), 3);
	store_close(s);
}

static void
test_store_persists_across_reopen(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct store_list	 l = { 0, NULL };
	char			 saved[3][STORE_PAYLOAD_MAX];
	size_t			 i;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(append_one(s, (uint32_t)(i + 1)), i + 1);
	assert_int_equal(store_fetch_unsent(s, 10, &l), 0);
	assert_int_equal(l.n, 3);
	for (i = 0; i < 3; i++)
		(void)snprintf(saved[i], sizeof(saved[i]), "%s",
		    l.items[i].payload);
	store_list_reset(&l);
	store_close(s);

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(append_one(s, 9), 4);
	assert_int_equal(store_fetch_unsent(s, 10, &l), 0);
	assert_int_equal(l.n, 4);
	for (i = 0; i < 3; i++) {
		assert_int_equal(l.items[i].seq, i + 1);
		assert_string_equal(l.items[i].payload, saved[i]);
	}
	assert_int_equal(l.items[3].seq, 4);
	store_list_reset(&l);
	store_close(s);
}

static void
test_store_refuses_another_posts_store(void **state)
{
	struct fx	*fx = *state;
	struct store	*s = NULL;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(append_one(s, 1), 1);
	store_close(s);

	s = NULL;
	assert_int_equal(store_open(&s, fx->path, "AST02"), ERR_CONFLICT);
	assert_null(s);
	/* The refusal changed nothing: the rightful post still owns it. */
	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(append_one(s, 1), 2);
	store_close(s);
}

static void
test_store_rejects_bad_post_code(void **state)
{
	struct fx	*fx = *state;
	struct store	*s = NULL;

	assert_int_equal(store_open(&s, fx->path, "ala01"), ERR_INVAL);
	assert_int_equal(store_open(&s, fx->path, ""), ERR_INVAL);
	assert_int_equal(store_open(&s, fx->path, "A"), ERR_INVAL);
	assert_null(s);
	/* Nothing was created. */
	assert_int_equal(access(fx->path, F_OK), -1);
}

static void
test_store_rejects_non_database(void **state)
{
	struct fx	*fx = *state;
	struct store	*s = NULL;
	FILE		*fp;

	assert_non_null(fp = fopen(fx->path, "w"));
	fprintf(fp, "post: ALA01\nthis is a YAML file, not a database\n");
	fclose(fp);
	assert_int_equal(store_open(&s, fx->path, "ALA01"), ERR_DB);
	assert_null(s);
}

static void
test_store_rejects_newer_schema(void **state)
{
	struct fx	*fx = *state;
	struct store	*s = NULL;
	sqlite3		*db;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	store_close(s);
	s = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value = '99' "
	    "WHERE key = 'schema_version'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
	assert_int_equal(store_open(&s, fx->path, "ALA01"), ERR_VERSION);
	assert_null(s);
}

static void
test_store_uses_wal(void **state)
{
	struct fx	*fx = *state;
	struct store	*s;
	sqlite3		*db;
	sqlite3_stmt	*st;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	store_close(s);
}

static void
test_store_fetch_mark_and_count(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct store_list	 l = { 0, NULL };
	uint64_t		 seqs[4] = { 1, 2, 3, 4 };
	uint64_t		 some[2] = { 5, 7 };
	static const uint64_t	 left[] = { 6, 8, 9, 10 };
	size_t			 i, marked;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	for (i = 0; i < 10; i++)
		(void)append_one(s, 2);
	assert_int_equal(unsent(s), 10);

	assert_int_equal(store_fetch_unsent(s, 4, &l), 0);
	assert_int_equal(l.n, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(l.items[i].seq, i + 1);
	assert_int_equal(store_mark_sent(s, seqs, 4, 1000, &marked), 0);
	assert_int_equal(marked, 4);
	assert_int_equal(unsent(s), 6);

	/* A fetch replaces what the list held. */
	assert_int_equal(store_fetch_unsent(s, 100, &l), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.items[0].seq, 5);
	assert_int_equal(l.items[5].seq, 10);

	assert_int_equal(store_mark_sent(s, some, 2, 1001, &marked), 0);
	assert_int_equal(marked, 2);
	assert_int_equal(store_fetch_unsent(s, 100, &l), 0);
	assert_int_equal(l.n, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(l.items[i].seq, left[i]);

	/* Marking again changes nothing. */
	assert_int_equal(store_mark_sent(s, some, 2, 1002, &marked), 0);
	assert_int_equal(marked, 0);
	assert_int_equal(unsent(s), 4);

	assert_int_equal(store_mark_sent(s, left, 4, 1003, &marked), 0);
	assert_int_equal(marked, 4);
	assert_int_equal(store_fetch_unsent(s, 100, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(unsent(s), 0);
	store_list_reset(&l);

	/* Sent rows stay in the journal, and numbering goes on. */
	assert_int_equal(append_one(s, 2), 11);
	assert_int_equal(unsent(s), 1);
	store_close(s);
}

static void
test_store_mark_unknown_seqs_does_nothing(void **state)
{
	struct fx	*fx = *state;
	struct store	*s;
	uint64_t	 bogus[4] = { 0, 4, 999, UINT64_MAX };
	size_t		 marked = 77;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	(void)append_one(s, 1);
	(void)append_one(s, 1);
	(void)append_one(s, 1);
	assert_int_equal(store_mark_sent(s, bogus, 4, 5, &marked), 0);
	assert_int_equal(marked, 0);
	assert_int_equal(unsent(s), 3);
	assert_int_equal(store_mark_sent(s, NULL, 0, 5, &marked), 0);
	assert_int_equal(marked, 0);
	assert_int_equal(unsent(s), 3);
	store_close(s);
}

static void
test_store_status_fields(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_status	 st;
	uint64_t		 one = 1;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(store_status(s, &st), 0);
	assert_string_equal(st.post, "ALA01");
	assert_int_equal(st.last_seq, 0);
	assert_int_equal(st.unsent, 0);
	assert_int_equal(st.last_push_ok, 0);
	assert_int_equal(st.last_error_at, 0);
	assert_string_equal(st.last_error, "");

	(void)append_one(s, 1);
	(void)append_one(s, 1);
	assert_int_equal(store_note_error(s, "connect: Connection refused",
	    1700000000123LL), 0);
	assert_int_equal(store_status(s, &st), 0);
	assert_int_equal(st.last_seq, 2);
	assert_int_equal(st.unsent, 2);
	assert_int_equal(st.last_push_ok, 0);
	assert_int_equal(st.last_error_at, 1700000000123LL);
	assert_string_equal(st.last_error, "connect: Connection refused");

	assert_int_equal(store_mark_sent(s, &one, 1, 1700000000500LL, NULL),
	    0);
	assert_int_equal(store_note_push_ok(s, 1700000000600LL), 0);
	assert_int_equal(store_status(s, &st), 0);
	assert_int_equal(st.last_seq, 2);
	assert_int_equal(st.unsent, 1);
	assert_int_equal(st.last_push_ok, 1700000000600LL);
	/* The last error stays on record, with its time. */
	assert_int_equal(st.last_error_at, 1700000000123LL);
	assert_string_equal(st.last_error, "connect: Connection refused");
	store_close(s);

	/* And all of it survives a reopen. */
	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(store_status(s, &st), 0);
	assert_int_equal(st.last_seq, 2);
	assert_int_equal(st.unsent, 1);
	assert_int_equal(st.last_push_ok, 1700000000600LL);
	assert_string_equal(st.last_error, "connect: Connection refused");
	store_close(s);
}

static void
test_store_note_error_is_cut_and_cleaned(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_status	 st;
	char			 msg[400];
	size_t			 i;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(store_note_error(s, "centre answered 503:\nline\t2",
	    1), 0);
	assert_int_equal(store_status(s, &st), 0);
	assert_string_equal(st.last_error, "centre answered 503: line 2");

	/* 254 ASCII bytes then a 2-byte letter: the letter would end at byte
	 * 256, over the limit, so it goes whole. */
	for (i = 0; i < 254; i++)
		msg[i] = 'a';
	memcpy(msg + 254, "\xd0\x96xyz", 6);	/* "Жxyz" */
	assert_int_equal(store_note_error(s, msg, 2), 0);
	assert_int_equal(store_status(s, &st), 0);
	assert_int_equal(strlen(st.last_error), 254);
	assert_int_equal(st.last_error[253], 'a');

	/* 253 + "Ж" = 255 bytes fits exactly. */
	memcpy(msg + 253, "\xd0\x96xyz", 6);
	assert_int_equal(store_note_error(s, msg, 3), 0);
	assert_int_equal(store_status(s, &st), 0);
	assert_int_equal(strlen(st.last_error), 255);
	assert_memory_equal(st.last_error + 253, "\xd0\x96", 2);
	store_close(s);
}

static void
test_store_payload_bytes_are_exact(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct store_list	 l = { 0, NULL };
	struct proto_crossing	 c, back;
	struct proto_error	 perr;
	char			 want[STORE_PAYLOAD_MAX];
	size_t			 wantlen;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	/* Non-ASCII and JSON-special characters in a name. */
	mkcrossing(&c, 7, "\xc3\x96ZT\xc3\x9cRK \"Q\" \\ \xd0\x96");
	c.direction = PROTO_EXIT;
	c.outcome = PROTO_REFER;
	assert_int_equal(store_append(s, &c, NULL), 0);
	assert_int_equal(proto_encode_crossing(&c, want, sizeof(want),
	    &wantlen), 0);

	assert_int_equal(store_fetch_unsent(s, 1, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].seq, c.seq);
	assert_int_equal(l.items[0].recorded_at, c.recorded_at);
	assert_int_equal(l.items[0].len, wantlen);
	assert_memory_equal(l.items[0].payload, want, wantlen);
	assert_int_equal(l.items[0].payload[wantlen], '\0');

	memset(&back, 0, sizeof(back));
	assert_int_equal(proto_decode_crossing(&back,
	    (const uint8_t *)l.items[0].payload, l.items[0].len, &perr), 0);
	assert_int_equal(back.seq, c.seq);
	assert_int_equal(back.recorded_at, c.recorded_at);
	assert_int_equal(back.direction, PROTO_EXIT);
	assert_int_equal(back.outcome, PROTO_REFER);
	assert_int_equal(back.lane, 7);
	assert_string_equal(back.doc.surname, c.doc.surname);
	store_list_reset(&l);
	store_close(s);
}

/* Rows in the journal, straight from SQLite. */
static int64_t
journal_rows(const char *path)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 n;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM journal",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
test_store_replay_returns_first_record(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct store_list	 l = { 0, NULL };
	struct proto_crossing	 c, again;
	int			 replayed = 7;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(append_one(s, 1), 1);
	mkcrossing(&c, 3, "ABENOV");
	(void)snprintf(c.request_id, sizeof(c.request_id), "ALA01-11-000001");
	assert_int_equal(store_append(s, &c, &replayed), 0);
	assert_int_equal(replayed, 0);
	assert_int_equal(c.seq, 2);
	assert_int_equal(append_one(s, 1), 3);

	/* The same crossing again, as a retrying lane sends it: seq 0, no
	 * time, a later clock. */
	usleep(5000);
	mkcrossing(&again, 3, "ABENOV");
	(void)snprintf(again.request_id, sizeof(again.request_id),
	    "ALA01-11-000001");
	assert_int_equal(store_append(s, &again, &replayed), 0);
	assert_int_equal(replayed, 1);
	assert_int_equal(again.seq, 2);
	assert_int_equal(again.recorded_at, c.recorded_at);
	assert_int_equal(journal_rows(fx->path), 3);
	assert_int_equal(unsent(s), 3);

	/* The stored form carries no request id: the centre never sees it. */
	assert_int_equal(store_fetch_unsent(s, 10, &l), 0);
	assert_int_equal(l.n, 3);
	assert_null(strstr(l.items[1].payload, "request_id"));
	assert_null(strstr(l.items[1].payload, "ALA01-11-000001"));
	store_list_reset(&l);

	/* A replay after the crossing went to the centre still answers. */
	{
		uint64_t	two = 2;

		assert_int_equal(store_mark_sent(s, &two, 1, 99, NULL), 0);
	}
	again.seq = 0;
	again.recorded_at = 0;
	assert_int_equal(store_append(s, &again, &replayed), 0);
	assert_int_equal(replayed, 1);
	assert_int_equal(again.seq, 2);
	assert_int_equal(unsent(s), 2);
	/* Numbering goes on from the last record, not the replay. */
	assert_int_equal(append_one(s, 1), 4);
	store_close(s);
}

static void
test_store_reused_key_conflicts(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_crossing	 c, other, copy;
	struct proto_status	 st;
	int			 replayed = 7;
	static const char	*key = "lane3:2026-11-27:0001";

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	mkcrossing(&c, 3, "ABENOV");
	(void)snprintf(c.request_id, sizeof(c.request_id), "%s", key);
	assert_int_equal(store_append(s, &c, NULL), 0);
	assert_int_equal(c.seq, 1);

	/* Another traveller, one changed field at a time, under that key. */
#define REUSE(stmt) do {						\
	mkcrossing(&other, 3, "ABENOV");				\
	(void)snprintf(other.request_id, sizeof(other.request_id), "%s", \
	    key);							\
	stmt;								\
	copy = other;							\
	replayed = 7;							\
	assert_int_equal(store_append(s, &other, &replayed),		\
	    ERR_CONFLICT);						\
	assert_memory_equal(&other, &copy, sizeof(other));		\
	assert_int_equal(replayed, 7);					\
} while (0)
	REUSE(snprintf(other.doc.surname, sizeof(other.doc.surname), "OTHER"));
	REUSE(other.lane = 4);
	REUSE(other.direction = PROTO_EXIT);
	REUSE(other.outcome = PROTO_REFUSE);
	REUSE(other.doc.number[7] = '8');
	REUSE(other.doc.given_names[0] = '\0');
#undef REUSE
	/* Nothing was written, and no number was taken. */
	assert_int_equal(journal_rows(fx->path), 1);
	assert_int_equal(store_status(s, &st), 0);
	assert_int_equal(st.last_seq, 1);
	assert_int_equal(append_one(s, 1), 2);

	/* The same traveller with a new key is a new crossing. */
	mkcrossing(&other, 3, "ABENOV");
	(void)snprintf(other.request_id, sizeof(other.request_id),
	    "lane3:2026-11-27:0002");
	assert_int_equal(store_append(s, &other, &replayed), 0);
	assert_int_equal(replayed, 0);
	assert_int_equal(other.seq, 3);
	store_close(s);
}

static void
test_store_without_key_records_every_time(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_crossing	 c;
	int			 i, replayed;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	for (i = 1; i <= 3; i++) {
		mkcrossing(&c, 3, "ABENOV");
		replayed = 7;
		assert_int_equal(store_append(s, &c, &replayed), 0);
		assert_int_equal(replayed, 0);
		assert_int_equal(c.seq, (uint64_t)i);
	}
	assert_int_equal(journal_rows(fx->path), 3);
	store_close(s);
}

static void
test_store_keys_survive_reopen(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_crossing	 c, again;
	int			 replayed = 7;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	mkcrossing(&c, 5, "ABENOV");
	c.direction = PROTO_EXIT;
	(void)snprintf(c.request_id, sizeof(c.request_id), "ALA01-22-000007");
	assert_int_equal(store_append(s, &c, NULL), 0);
	store_close(s);

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	mkcrossing(&again, 5, "ABENOV");
	again.direction = PROTO_EXIT;
	(void)snprintf(again.request_id, sizeof(again.request_id),
	    "ALA01-22-000007");
	assert_int_equal(store_append(s, &again, &replayed), 0);
	assert_int_equal(replayed, 1);
	assert_int_equal(again.seq, c.seq);
	assert_int_equal(again.recorded_at, c.recorded_at);
	again.seq = 0;
	again.recorded_at = 0;
	again.direction = PROTO_ENTRY;
	assert_int_equal(store_append(s, &again, NULL), ERR_CONFLICT);
	assert_int_equal(journal_rows(fx->path), 1);
	store_close(s);
}

/* Two connections race to record one key: one records, one replays. */
struct racer {
	const char	*path;
	uint64_t	 seqs[50];
	int		 replays, failures;
};

static void *
race_keys(void *arg)
{
	struct racer		*r = arg;
	struct store		*s;
	struct proto_crossing	 c;
	int			 i, replayed;

	if (store_open(&s, r->path, "ALA01") != 0) {
		r->failures = 50;
		return NULL;
	}
	for (i = 0; i < 50; i++) {
		mkcrossing(&c, 1, "ABENOV");
		(void)snprintf(c.request_id, sizeof(c.request_id),
		    "race-key-%04d", i);
		if (store_append(s, &c, &replayed) != 0) {
			r->failures++;
			continue;
		}
		r->seqs[i] = c.seq;
		r->replays += replayed;
	}
	store_close(s);
	return NULL;
}

static void
test_store_one_key_one_record_across_connections(void **state)
{
	struct fx	*fx = *state;
	struct racer	 r[2];
	pthread_t	 t[2];
	int		 k, i;

	for (k = 0; k < 2; k++) {
		memset(&r[k], 0, sizeof(r[k]));
		r[k].path = fx->path;
	}
	/* Create the store first so the racers do not race on the schema. */
	{
		struct store	*s;

		assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
		store_close(s);
	}
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, race_keys, &r[k]),
		    0);
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_join(t[k], NULL), 0);
	assert_int_equal(r[0].failures + r[1].failures, 0);
	assert_int_equal(r[0].replays + r[1].replays, 50);
	for (i = 0; i < 50; i++)
		assert_int_equal(r[0].seqs[i], r[1].seqs[i]);
	assert_int_equal(journal_rows(fx->path), 50);
}

struct appender {
	const char	*path;
	int		 n;
	uint64_t	 seqs[200];
	int		 failures;
};

static void *
append_many(void *arg)
{
	struct appender	*a = arg;
	struct store	*s;
	struct proto_crossing c;
	int		 i;

	if (store_open(&s, a->path, "ALA01") != 0) {
		a->failures = a->n;
		return NULL;
	}
	for (i = 0; i < a->n; i++) {
		mkcrossing(&c, 1, "ABENOV");
		if (store_append(s, &c, NULL) != 0)
			a->failures++;
		else
			a->seqs[i] = c.seq;
	}
	store_close(s);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Two connections in two threads, as the lane and the replicator use it. */
static void
test_store_two_connections_stay_gapless(void **state)
{
	struct fx		*fx = *state;
	struct appender		 a[2];
	pthread_t		 t[2];
	struct store		*s;
	struct store_list	 l = { 0, NULL };
	uint64_t		 all[400];
	size_t			 i, marked;
	int			 k;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	for (k = 0; k < 2; k++) {
		memset(&a[k], 0, sizeof(a[k]));
		a[k].path = fx->path;
		a[k].n = 200;
		assert_int_equal(pthread_create(&t[k], NULL, append_many,
		    &a[k]), 0);
	}
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_join(t[k], NULL), 0);
	assert_int_equal(a[0].failures, 0);
	assert_int_equal(a[1].failures, 0);
	memcpy(all, a[0].seqs, sizeof(a[0].seqs));
	memcpy(all + 200, a[1].seqs, sizeof(a[1].seqs));
	qsort(all, 400, sizeof(all[0]), cmp_u64);
	for (i = 0; i < 400; i++)
		assert_int_equal(all[i], i + 1);

	/* This connection sees what the others committed. */
	assert_int_equal(unsent(s), 400);
	assert_int_equal(store_fetch_unsent(s, 1000, &l), 0);
	assert_int_equal(l.n, 400);
	assert_int_equal(store_mark_sent(s, all, 400, 9, &marked), 0);
	assert_int_equal(marked, 400);
	store_list_reset(&l);
	store_close(s);
}


/*
 * A crossing recorded for a check (check_id, reason).
 */

/* Stores a verdict on the KAZ N1234567 document (or none) and returns its
 * check id. */
static uint64_t
add_check(struct store *s, enum proto_direction dir,
    enum check_verdict_kind verdict, int has_document)
{
	struct check_verdict	*v;
	uint64_t		 id;

	v = calloc(1, sizeof(*v));
	assert_non_null(v);
	(void)snprintf(v->post, sizeof(v->post), "ALA01");
	v->decided_at = date_now_ms();
	(void)snprintf(v->day, sizeof(v->day), "2026-11-27");
	v->direction = dir;
	v->lane = 3;
	(void)snprintf(v->officer, sizeof(v->officer), "KZ0042");
	v->verdict = CHECK_CLEAR;
	v->has_document = has_document;
	if (has_document) {
		struct proto_crossing	c;

		mkcrossing(&c, 3, "ABENOV");
		v->doc = c.doc;
	}
	(void)check_add_reason(v, verdict == CHECK_DENY ?
	    "document_alert_stolen" : "citizen", verdict, "test");
	assert_int_equal(store_append_check(s, v), 0);
	id = v->check_id;
	free(v);
	return id;
}

static void
test_store_links_crossing_to_check(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct store_link	 l;
	struct proto_crossing	 c;
	struct store_list	 list = { 0, NULL };
	uint64_t		 clear_id, deny_id;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	clear_id = add_check(s, PROTO_ENTRY, CHECK_CLEAR, 1);
	deny_id = add_check(s, PROTO_ENTRY, CHECK_DENY, 1);
	assert_int_equal(clear_id, 1);
	assert_int_equal(deny_id, 2);

	/* Admitted as advised: linked, no reason needed. */
	mkcrossing(&c, 3, "ABENOV");
	c.check_id = clear_id;
	assert_int_equal(store_record(s, &c, NULL, NULL), 0);
	assert_int_equal(c.seq, 1);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_find_link(s, 1, &l), 0);
	assert_int_equal(l.check_id, clear_id);
	assert_int_equal(l.verdict, CHECK_CLEAR);
	assert_int_equal(l.outcome, PROTO_ADMIT);
	assert_string_equal(l.reason, "");

	/* The stored form, pushed to the centre, carries neither. */
	assert_int_equal(store_fetch_unsent(s, 10, &list), 0);
	assert_int_equal(list.n, 1);
	assert_null(strstr(list.items[0].payload, "check_id"));
	assert_null(strstr(list.items[0].payload, "reason"));
	store_list_reset(&list);

	/* A crossing without check or reason has no link. */
	mkcrossing(&c, 3, "ABENOV");
	assert_int_equal(store_record(s, &c, NULL, NULL), 0);
	assert_int_equal(store_find_link(s, c.seq, &l), ERR_NOTFOUND);

	/* Admitted against a deny, with a reason (Cyrillic is fine). */
	mkcrossing(&c, 3, "ABENOV");
	c.check_id = deny_id;
	(void)snprintf(c.reason, sizeof(c.reason), "%s",
	    "alert withdrawn by phone; \xd0\xbf\xd1\x80\xd0\xbe\xd0\xb2\xd0"
	    "\xb5\xd1\x80\xd0\xb5\xd0\xbd\xd0\xbe");
	assert_int_equal(store_record(s, &c, NULL, NULL), 0);
	assert_int_equal(c.seq, 3);
	assert_int_equal(store_find_link(s, 3, &l), 0);
	assert_int_equal(l.check_id, deny_id);
	assert_int_equal(l.verdict, CHECK_DENY);
	assert_string_equal(l.reason, c.reason);
	store_close(s);

	/* Kept across reopen. */
	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(store_find_link(s, 3, &l), 0);
	assert_int_equal(l.check_id, deny_id);
	store_close(s);
}

static void
test_store_admit_against_deny_needs_reason(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_crossing	 c;
	struct proto_error	 e;
	struct proto_status	 st;
	uint64_t		 deny_id;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	deny_id = add_check(s, PROTO_ENTRY, CHECK_DENY, 1);
	mkcrossing(&c, 3, "ABENOV");
	c.check_id = deny_id;
	memset(&e, 0, sizeof(e));
	assert_int_equal(store_record(s, &c, NULL, &e), ERR_INVAL);
	assert_string_equal(e.field, "reason");
	assert_non_null(strstr(e.message, "deny"));
	assert_int_equal(c.seq, 0);
	/* Nothing recorded, no number used. */
	assert_int_equal(store_status(s, &st), 0);
	assert_int_equal(st.last_seq, 0);

	/* Refusing or referring as advised needs no reason. */
	c.outcome = PROTO_REFUSE;
	assert_int_equal(store_record(s, &c, NULL, &e), 0);
	assert_int_equal(c.seq, 1);
	store_close(s);
}

static void
test_store_check_id_must_match(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_crossing	 c;
	struct proto_error	 e;
	struct proto_status	 st;
	uint64_t		 entry_id, exit_id, nodoc_id;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	entry_id = add_check(s, PROTO_ENTRY, CHECK_CLEAR, 1);
	exit_id = add_check(s, PROTO_EXIT, CHECK_CLEAR, 1);
	nodoc_id = add_check(s, PROTO_ENTRY, CHECK_CLEAR, 0);

	/* No such check. */
	mkcrossing(&c, 3, "ABENOV");
	c.check_id = 99;
	memset(&e, 0, sizeof(e));
	assert_int_equal(store_record(s, &c, NULL, &e), ERR_NOTFOUND);
	assert_string_equal(e.field, "check_id");
	/* Another direction. */
	c.check_id = exit_id;
	assert_int_equal(store_record(s, &c, NULL, &e), ERR_CONFLICT);
	assert_string_equal(e.field, "check_id");
	assert_non_null(strstr(e.message, "exit"));
	/* Another document. */
	c.check_id = entry_id;
	(void)snprintf(c.doc.number, sizeof(c.doc.number), "N7654321");
	assert_int_equal(store_record(s, &c, NULL, &e), ERR_CONFLICT);
	assert_string_equal(e.field, "check_id");
	assert_non_null(strstr(e.message, "document"));
	assert_int_equal(store_status(s, &st), 0);
	assert_int_equal(st.last_seq, 0);

	/* The right one, once; a second crossing for it is refused. */
	mkcrossing(&c, 3, "ABENOV");
	c.check_id = entry_id;
	assert_int_equal(store_record(s, &c, NULL, &e), 0);
	mkcrossing(&c, 4, "ABENOV");
	c.check_id = entry_id;
	assert_int_equal(store_record(s, &c, NULL, &e), ERR_CONFLICT);
	assert_string_equal(e.field, "check_id");
	assert_non_null(strstr(e.message, "already"));

	/* A check that read no document (an unreadable MRZ) links to a
	 * crossing typed by hand. */
	mkcrossing(&c, 3, "ABENOV");
	(void)snprintf(c.doc.number, sizeof(c.doc.number), "N7654321");
	c.check_id = nodoc_id;
	c.outcome = PROTO_REFER;
	assert_int_equal(store_record(s, &c, NULL, &e), 0);
	assert_int_equal(c.seq, 2);
	store_close(s);
}

static void
test_store_replay_with_check_id(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct proto_crossing	 c, again;
	struct proto_error	 e;
	int			 replayed = 0;
	uint64_t		 deny_id;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	deny_id = add_check(s, PROTO_ENTRY, CHECK_DENY, 1);
	mkcrossing(&c, 3, "ABENOV");
	(void)snprintf(c.request_id, sizeof(c.request_id), "ALA01-3-0001");
	c.check_id = deny_id;
	(void)snprintf(c.reason, sizeof(c.reason), "supervisor approved");
	assert_int_equal(store_record(s, &c, &replayed, NULL), 0);
	assert_int_equal(replayed, 0);

	/* The same request again: the first receipt, not a refusal for a
	 * check already recorded. */
	mkcrossing(&again, 3, "ABENOV");
	memcpy(again.request_id, c.request_id, sizeof(c.request_id));
	again.check_id = deny_id;
	memcpy(again.reason, c.reason, sizeof(c.reason));
	assert_int_equal(store_record(s, &again, &replayed, NULL), 0);
	assert_int_equal(replayed, 1);
	assert_int_equal(again.seq, c.seq);

	/* The same key with another reason, or no check: a conflict. */
	(void)snprintf(again.reason, sizeof(again.reason), "other");
	memset(&e, 0, sizeof(e));
	assert_int_equal(store_record(s, &again, &replayed, &e),
	    ERR_CONFLICT);
	assert_string_equal(e.field, "request_id");
	memcpy(again.reason, c.reason, sizeof(c.reason));
	again.check_id = 0;
	assert_int_equal(store_record(s, &again, &replayed, &e),
	    ERR_CONFLICT);
	store_close(s);
}

/*
 * The post's audit chain: one event per check and per record, in the
 * same transaction.
 */

static size_t
sql_count(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	size_t		 n;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
sql_exec(const char *path, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static void
test_store_audit_events_for_check_and_record(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct check_verdict	*v;
	struct check_reason	*r;
	struct proto_crossing	 c;
	struct auditmsg_event	 ev[4];
	struct auditmsg_batch	 b;
	struct store_audit_report rep;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_non_null(v = calloc(1, sizeof(*v)));
	(void)snprintf(v->post, sizeof(v->post), "ALA01");
	(void)snprintf(v->day, sizeof(v->day), "2026-11-27");
	v->decided_at = INT64_C(1795741323123);
	v->direction = PROTO_ENTRY;
	v->lane = 4;
	(void)snprintf(v->officer, sizeof(v->officer), "KZ0042");
	v->has_document = 1;
	mkcrossing(&c, 4, "ABENOV");
	v->doc = c.doc;
	v->feed_version = 42;
	(void)snprintf(v->policy_version, sizeof(v->policy_version),
	    "KZ-2024.1");
	assert_non_null(r = check_add_reason(v, "watchlist_entry_ban",
	    CHECK_DENY, "banned"));
	(void)snprintf(r->alert, sizeof(r->alert), "pa-petrov");
	assert_non_null(check_add_reason(v, "visa_required", CHECK_REFER,
	    "visa"));
	assert_int_equal(store_append_check(s, v), 0);

	/* Recorded against the deny, with a reason. */
	c.check_id = v->check_id;
	c.outcome = PROTO_REFUSE;
	(void)snprintf(c.reason, sizeof(c.reason), "as advised");
	assert_int_equal(store_record(s, &c, NULL, NULL), 0);
	/* A crossing typed without a check. */
	mkcrossing(&c, 5, "ABENOV");
	assert_int_equal(store_record(s, &c, NULL, NULL), 0);

	memset(&b, 0, sizeof(b));
	b.events = ev;
	assert_int_equal(store_fetch_audit(s, 4, &b), 0);
	assert_string_equal(b.post, "ALA01");
	assert_int_equal(b.n, 3);
	assert_int_equal(ev[0].seq, 1);
	assert_string_equal(ev[0].action, "check");
	assert_string_equal(ev[0].actor, "KZ0042");
	assert_string_equal(ev[0].subject, "KAZ:N1234567");
	assert_int_equal(ev[0].at_ms, v->decided_at);
	assert_string_equal(ev[0].prev, AUDIT_GENESIS);
	assert_string_equal(ev[0].detail, "{\"alerts\":[\"pa-petrov\"],"
	    "\"check_id\":1,\"direction\":\"entry\",\"feed_version\":42,"
	    "\"lane\":4,\"policy_version\":\"KZ-2024.1\",\"reasons\":"
	    "[\"watchlist_entry_ban\",\"visa_required\"],\"verdict\":\"deny\"}");
	assert_int_equal(ev[1].seq, 2);
	assert_string_equal(ev[1].action, "record");
	assert_string_equal(ev[1].prev, ev[0].hash);
	assert_string_equal(ev[1].detail, "{\"check_id\":1,\"direction\":"
	    "\"entry\",\"lane\":4,\"outcome\":\"refuse\",\"reason\":"
	    "\"as advised\",\"seq\":1}");
	assert_string_equal(ev[2].detail, "{\"check_id\":null,\"direction\":"
	    "\"entry\",\"lane\":5,\"outcome\":\"admit\",\"reason\":null,"
	    "\"seq\":2}");
	assert_string_equal(ev[2].prev, ev[1].hash);
	auditmsg_batch_reset(&b);

	/* A check whose MRZ did not read has no subject and no policy. */
	v->has_document = 0;
	v->policy_version[0] = '\0';
	v->nreasons = 0;
	assert_int_equal(store_append_check(s, v), 0);
	b.events = ev;
	assert_int_equal(store_fetch_audit(s, 4, &b), 0);
	assert_int_equal(b.n, 4);
	assert_string_equal(ev[3].subject, "");
	assert_non_null(strstr(ev[3].detail, "\"policy_version\":null"));
	assert_non_null(strstr(ev[3].detail, "\"reasons\":[]"));
	auditmsg_batch_reset(&b);

	assert_int_equal(store_audit_verify(s, &rep), 0);
	assert_int_equal(rep.n, 4);
	assert_int_equal(rep.last_seq, 4);
	free(v);
	store_close(s);
}

/* A fresh store: an empty chain is intact and ends at the genesis hash. */
static void
test_store_audit_fresh_store_is_empty(void **state)
{
	struct fx			*fx = *state;
	struct store			*s;
	struct store_audit_report	 rep;
	uint64_t			 u = 9, a = 9;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(store_audit_verify(s, &rep), 0);
	assert_int_equal(rep.n, 0);
	assert_string_equal(rep.head, AUDIT_GENESIS);
	assert_int_equal(store_backlog(s, &u, &a), 0);
	assert_int_equal(u, 0);
	assert_int_equal(a, 0);
	store_close(s);
	assert_int_equal(sql_count(fx->path, "SELECT value FROM meta "
	    "WHERE key = 'schema_version'"), STORE_SCHEMA_VERSION);
}

/*
 * The event is written in the transaction of the check or crossing: when
 * it cannot be (a trigger refuses it here), neither is kept, and no check
 * id or sequence number is used up.
 */
static void
test_store_audit_same_transaction(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct check_verdict	*v;
	struct proto_crossing	 c;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(add_check(s, PROTO_ENTRY, CHECK_CLEAR, 1), 1);
	assert_int_equal(append_one(s, 3), 1);
	sql_exec(fx->path, "CREATE TRIGGER audit_refuse BEFORE INSERT ON "
	    "audit BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");

	assert_non_null(v = calloc(1, sizeof(*v)));
	(void)snprintf(v->post, sizeof(v->post), "ALA01");
	(void)snprintf(v->day, sizeof(v->day), "2026-11-27");
	v->decided_at = date_now_ms();
	v->direction = PROTO_ENTRY;
	v->lane = 3;
	(void)snprintf(v->officer, sizeof(v->officer), "KZ0042");
	v->verdict = CHECK_CLEAR;
	assert_int_equal(store_append_check(s, v), ERR_DB);
	assert_int_equal(v->check_id, 0);
	mkcrossing(&c, 3, "ABENOV");
	c.check_id = 1;
	assert_int_equal(store_record(s, &c, NULL, NULL), ERR_DB);
	mkcrossing(&c, 3, "ABENOV");
	assert_int_equal(store_append(s, &c, NULL), ERR_DB);
	assert_int_equal(sql_count(fx->path, "SELECT count(*) FROM checks"),
	    1);
	assert_int_equal(sql_count(fx->path, "SELECT count(*) FROM journal"),
	    1);
	assert_int_equal(sql_count(fx->path, "SELECT count(*) FROM "
	    "crossing_checks"), 0);
	assert_int_equal(sql_count(fx->path, "SELECT count(*) FROM audit"),
	    2);

	sql_exec(fx->path, "DROP TRIGGER audit_refuse");
	assert_int_equal(store_append_check(s, v), 0);
	assert_int_equal(v->check_id, 2);
	assert_int_equal(append_one(s, 3), 2);
	assert_int_equal(sql_count(fx->path, "SELECT count(*) FROM audit"),
	    4);
	free(v);
	store_close(s);
}

/*
 * Many checks and records from two connections (the lane's and another):
 * one gapless chain that verifies; then each kind of tampering is found
 * at the right event.
 */
static void
test_store_audit_chain_valid_after_many(void **state)
{
	struct fx			*fx = *state;
	struct store			*s1, *s2;
	struct store_audit_report	 rep;
	struct proto_crossing		 c;
	uint64_t			 id;
	int				 i;

	assert_int_equal(store_open(&s1, fx->path, "ALA01"), 0);
	assert_int_equal(store_open(&s2, fx->path, "ALA01"), 0);
	for (i = 0; i < 150; i++) {
		id = add_check(i % 2 ? s1 : s2, PROTO_ENTRY, i % 3 == 0 ?
		    CHECK_DENY : CHECK_CLEAR, 1);
		mkcrossing(&c, 3, "ABENOV");
		c.check_id = id;
		c.outcome = i % 3 == 0 ? PROTO_REFUSE : PROTO_ADMIT;
		assert_int_equal(store_record(i % 2 ? s2 : s1, &c, NULL,
		    NULL), 0);
	}
	assert_int_equal(store_audit_verify(s1, &rep), 0);
	assert_int_equal(rep.n, 300);
	assert_int_equal(rep.last_seq, 300);
	assert_int_equal(rep.bad_seq, 0);
	assert_int_equal(sql_count(fx->path, "SELECT count(*) FROM audit "
	    "WHERE action = 'check'"), 150);

	/* A detail changed. */
	sql_exec(fx->path, "UPDATE audit SET detail = replace(detail, "
	    "'\"lane\":3', '\"lane\":4') WHERE seq = 77");
	assert_int_equal(store_audit_verify(s1, &rep), ERR_INVAL);
	assert_int_equal(rep.bad_seq, 77);
	assert_int_equal(rep.n, 76);
	sql_exec(fx->path, "UPDATE audit SET detail = replace(detail, "
	    "'\"lane\":4', '\"lane\":3') WHERE seq = 77");
	assert_int_equal(store_audit_verify(s1, &rep), 0);

	/* The time of one event moved by a millisecond. */
	sql_exec(fx->path, "UPDATE audit SET at_ms = at_ms + 1 "
	    "WHERE seq = 120");
	assert_int_equal(store_audit_verify(s1, &rep), ERR_INVAL);
	assert_int_equal(rep.bad_seq, 120);
	sql_exec(fx->path, "UPDATE audit SET at_ms = at_ms - 1 "
	    "WHERE seq = 120");

	/* Two events swapped (their seqs exchanged). */
	sql_exec(fx->path, "UPDATE audit SET seq = -1 WHERE seq = 200;"
	    "UPDATE audit SET seq = 200 WHERE seq = 201;"
	    "UPDATE audit SET seq = 201 WHERE seq = -1");
	assert_int_equal(store_audit_verify(s1, &rep), ERR_INVAL);
	assert_int_equal(rep.bad_seq, 200);
	sql_exec(fx->path, "UPDATE audit SET seq = -1 WHERE seq = 200;"
	    "UPDATE audit SET seq = 200 WHERE seq = 201;"
	    "UPDATE audit SET seq = 201 WHERE seq = -1");
	assert_int_equal(store_audit_verify(s1, &rep), 0);

	/* One removed. */
	sql_exec(fx->path, "DELETE FROM audit WHERE seq = 250");
	assert_int_equal(store_audit_verify(s1, &rep), ERR_INVAL);
	assert_int_equal(rep.bad_seq, 251);
	assert_int_equal(rep.last_seq, 249);
	store_close(s1);
	store_close(s2);
}

static void
test_store_audit_fetch_mark_backlog(void **state)
{
	struct fx		*fx = *state;
	struct store		*s;
	struct auditmsg_event	 ev[8];
	struct auditmsg_batch	 b;
	uint64_t		 seqs[3] = { 2, 3, 99 }, u, a;
	size_t			 marked = 7;
	int			 i;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	for (i = 0; i < 5; i++)
		(void)append_one(s, 3);
	assert_int_equal(store_backlog(s, &u, &a), 0);
	assert_int_equal(u, 5);
	assert_int_equal(a, 5);
	memset(&b, 0, sizeof(b));
	b.events = ev;
	assert_int_equal(store_fetch_audit(s, 2, &b), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(ev[0].seq, 1);
	assert_int_equal(ev[1].seq, 2);
	auditmsg_batch_reset(&b);

	assert_int_equal(store_mark_audit_sent(s, seqs, 3, date_now_ms(),
	    &marked), 0);
	assert_int_equal(marked, 2);
	assert_int_equal(store_backlog(s, &u, &a), 0);
	assert_int_equal(u, 5);		/* crossings are apart */
	assert_int_equal(a, 3);
	assert_int_equal(store_fetch_audit(s, 8, &b), 0);
	assert_int_equal(b.n, 3);
	assert_int_equal(ev[0].seq, 1);
	assert_int_equal(ev[1].seq, 4);
	assert_int_equal(ev[2].seq, 5);
	auditmsg_batch_reset(&b);
	/* Marking again changes nothing. */
	assert_int_equal(store_mark_audit_sent(s, seqs, 2, date_now_ms(),
	    &marked), 0);
	assert_int_equal(marked, 0);
	store_close(s);
}

/* A store from before the chain (schema 1, no audit table) gains it on
 * open; its chain starts at the first check or record after that. */
static void
test_store_audit_old_store_gains_table(void **state)
{
	struct fx			*fx = *state;
	struct store			*s;
	struct store_audit_report	 rep;
	struct auditmsg_event		 ev[4];
	struct auditmsg_batch		 b;

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(append_one(s, 3), 1);
	assert_int_equal(append_one(s, 3), 2);
	store_close(s);
	sql_exec(fx->path, "DROP TABLE audit; UPDATE meta SET value = '1' "
	    "WHERE key = 'schema_version'");
	assert_int_equal(sql_count(fx->path, "SELECT count(*) FROM "
	    "sqlite_master WHERE name = 'audit'"), 0);

	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(sql_count(fx->path, "SELECT value FROM meta "
	    "WHERE key = 'schema_version'"), STORE_SCHEMA_VERSION);
	assert_int_equal(store_audit_verify(s, &rep), 0);
	assert_int_equal(rep.n, 0);
	assert_int_equal(append_one(s, 3), 3);
	memset(&b, 0, sizeof(b));
	b.events = ev;
	assert_int_equal(store_fetch_audit(s, 4, &b), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(ev[0].seq, 1);
	assert_string_equal(ev[0].prev, AUDIT_GENESIS);
	assert_non_null(strstr(ev[0].detail, "\"seq\":3"));
	auditmsg_batch_reset(&b);
	assert_int_equal(store_audit_verify(s, &rep), 0);
	assert_int_equal(rep.n, 1);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_store_seqs_are_gapless_from_one),
		T(test_store_failed_append_uses_no_number),
		T(test_store_persists_across_reopen),
		T(test_store_refuses_another_posts_store),
		T(test_store_rejects_bad_post_code),
		T(test_store_rejects_non_database),
		T(test_store_rejects_newer_schema),
		T(test_store_uses_wal),
		T(test_store_fetch_mark_and_count),
		T(test_store_mark_unknown_seqs_does_nothing),
		T(test_store_status_fields),
		T(test_store_note_error_is_cut_and_cleaned),
		T(test_store_payload_bytes_are_exact),
		T(test_store_two_connections_stay_gapless),
		T(test_store_replay_returns_first_record),
		T(test_store_reused_key_conflicts),
		T(test_store_without_key_records_every_time),
		T(test_store_keys_survive_reopen),
		T(test_store_one_key_one_record_across_connections),
		T(test_store_links_crossing_to_check),
		T(test_store_admit_against_deny_needs_reason),
		T(test_store_check_id_must_match),
		T(test_store_replay_with_check_id),
		T(test_store_audit_events_for_check_and_record),
		T(test_store_audit_fresh_store_is_empty),
		T(test_store_audit_same_transaction),
		T(test_store_audit_chain_valid_after_many),
		T(test_store_audit_fetch_mark_backlog),
		T(test_store_audit_old_store_gains_table),
#undef T
	};

	/* The store logs what it refuses; keep the test output readable. */
	log_init("test_store", LOGL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
