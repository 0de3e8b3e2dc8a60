/* test_registry.c - checkpoint/registry.c against real SQLite files in a
 * fresh temporary directory: batches apply in order and move the cursor,
 * out-of-order and replayed batches are refused with nothing applied, a
 * failure in the middle of a batch (a bad entry, a key function that fails)
 * rolls all of it back, upserts replace, deletes remove rows, lookups go
 * through their indexes, and everything survives a reopen, beside the
 * journal in the same file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "date.h"
#include "err.h"
#include "feed.h"
#include "log.h"
#include "proto.h"
#include "registry.h"
#include "store.h"

#define POLICY_YAML(v) \
	"version: " v "\n" \
	"timezone: UTC\n" \
	"citizens: [KAZ]\n" \
	"default: {visa_required: true}\n" \
	"permits:\n" \
	"  visa: {stay: permit}\n" \
	"  work_permit: {stay: unlimited, replaces_visa: false}\n" \
	"  residence_permit: {stay: unlimited, replaces_visa: true}\n" \
	"  refugee: {stay: unlimited, replaces_visa: true}\n" \
	"  asylum: {stay: unlimited, replaces_visa: true}\n" \
	"  repatriate: {stay: unlimited, replaces_visa: true}\n"
#define PIN_HASH "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"
#define ECAP	16

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
	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_registry.XXXXXX");
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

#define SET(dst, s)	(void)snprintf((dst), sizeof(dst), "%s", (s))

static int64_t
days(const char *iso)
{
	struct date	d;

	assert_int_equal(date_parse_iso(&d, iso, strlen(iso)), 0);
	return date_to_days(&d);
}

static void
head(struct feed_entry *e, uint64_t pos, enum feed_op op, enum feed_kind k,
    const char *id)
{
	memset(e, 0, sizeof(*e));
	e->pos = pos;
	e->op = op;
	e->kind = k;
	SET(e->id, id);
}

static void
mk_da(struct feed_entry *e, uint64_t pos, const char *id, const char *state,
    const char *number, enum feed_reason reason)
{
	struct feed_document_alert	*a = &e->data.document_alert;

	head(e, pos, FEED_UPSERT, FEED_DOCUMENT_ALERT, id);
	SET(a->issuing_state, state);
	SET(a->number, number);
	a->reason = reason;
	SET(a->since, "2026-01-02");
}

static void
mk_pa(struct feed_entry *e, uint64_t pos, const char *id,
    const char *surname, const char *until)
{
	struct feed_person_alert	*a = &e->data.person_alert;

	head(e, pos, FEED_UPSERT, FEED_PERSON_ALERT, id);
	a->kind = FEED_ENTRY_BAN;
	SET(a->surname, surname);
	SET(a->given_names, "Аскар");
	SET(a->birth_date, "1990-01");
	SET(a->nationality, "");
	SET(a->until, until);
	a->severity = 3;
	SET(a->source, "court");
}

static void
mk_pm(struct feed_entry *e, uint64_t pos, const char *id, const char *number,
    const char *nat, const char *birth)
{
	struct feed_permit	*p = &e->data.permit;

	head(e, pos, FEED_UPSERT, FEED_PERMIT, id);
	p->kind = POLICY_PERMIT_VISA;
	SET(p->holder.issuing_state, nat);
	SET(p->holder.number, number);
	SET(p->holder.nationality, nat);
	SET(p->holder.surname, "KARIMOV");
	SET(p->holder.given_names, "");
	SET(p->holder.birth_date, birth);
	SET(p->valid_from, "2026-01-01");
	SET(p->valid_until, "2026-06-30");
	p->entries = 2;
	p->entries_used = 1;
	p->stay_days = 30;
	SET(p->employer, "");
	SET(p->region, "ALA");
}

static struct stay	ss_stays[3];

static void
mk_ss(struct feed_entry *e, uint64_t pos, const char *id, const char *number,
    size_t nstays)
{
	struct feed_stay_state	*s = &e->data.stay_state;

	head(e, pos, FEED_UPSERT, FEED_STAY_STATE, id);
	SET(s->person.issuing_state, "RUS");
	SET(s->person.number, number);
	SET(s->person.nationality, "RUS");
	SET(s->person.birth_date, "1979-03-08");
	ss_stays[0].entry = days("2026-01-10");
	ss_stays[0].exit = days("2026-02-08");
	ss_stays[1].entry = days("2026-02-20");
	ss_stays[1].exit = days("2026-02-20");
	ss_stays[2].entry = days("2026-03-01");
	ss_stays[2].exit = STAY_OPEN;
	s->nstays = nstays;
	s->stays = ss_stays;
	SET(s->rule, nstays > 1 ? "EAEU 90/180" : "");
}

static void
mk_po(struct feed_entry *e, uint64_t pos, const char *id, const char *ver,
    const char *yaml)
{
	head(e, pos, FEED_UPSERT, FEED_POLICY, id);
	SET(e->data.policy.version, ver);
	e->data.policy.yaml = yaml;
	e->data.policy.yaml_len = strlen(yaml);
}

static void
mk_of(struct feed_entry *e, uint64_t pos, const char *id, int active)
{
	struct feed_officer	*o = &e->data.officer;

	head(e, pos, FEED_UPSERT, FEED_OFFICER, id);
	SET(o->id, id);
	SET(o->name, "Серик Ахметов");
	SET(o->pin_hash, PIN_HASH);
	o->active = active;
}

static void
mk_del(struct feed_entry *e, uint64_t pos, enum feed_kind k, const char *id)
{
	head(e, pos, FEED_DELETE, k, id);
}

static void
batch(struct feed_batch *b, uint64_t from, uint64_t to, struct feed_entry *e,
    size_t n)
{
	memset(b, 0, sizeof(*b));
	b->from = from;
	b->to = to;
	b->entries = e;
	b->n = n;
}

static void
assert_same(const struct feed_entry *a, const struct feed_entry *b)
{
	if (!feed_check_same_entry(a, b))
		fail_msg("entry %s (%s) differs", a->id, feed_kind_str(a->kind));
}

/* Candidates for one key. */
static int
cands(struct registry *r, const char *key, int prefix, struct feed_entry *out,
    size_t cap, size_t *n)
{
	struct registry_keys	q;

	memset(&q, 0, sizeof(q));
	q.n = 1;
	q.prefix = prefix;
	SET(q.key[0], key);
	return registry_find_person_alert_candidates(r, &q, out, cap, n);
}

static size_t
count(struct registry *r, enum feed_kind k)
{
	size_t	n = 99;

	assert_int_equal(registry_count(r, k, &n), 0);
	return n;
}

static uint64_t
cursor(struct registry *r, int64_t *at)
{
	uint64_t	c = 99;

	assert_int_equal(registry_cursor(r, &c, at), 0);
	return c;
}

/* One of each kind at positions 1..6 of (0, 10]. */
static void
every_kind(struct feed_entry *e)
{
	mk_da(&e[0], 1, "da-1", "KAZ", "N1234567", FEED_STOLEN);
	mk_pa(&e[1], 2, "pa-1", "Abenov", "2030-12-31");
	mk_pm(&e[2], 3, "pm-1", "FA1234567", "UZB", "1988-05-17");
	mk_ss(&e[3], 4, "ss-1", "751234567", 3);
	mk_po(&e[4], 5, "policy", "T-1", POLICY_YAML("T-1"));
	mk_of(&e[5], 6, "KZ0042", 1);
}

static void
test_registry_new_is_empty(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_entry	 e;
	char			 buf[64];
	int64_t			 at = 7;
	int			 k;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	assert_true(cursor(r, &at) == 0);
	assert_int_equal(at, 0);
	for (k = FEED_DOCUMENT_ALERT; k <= FEED_KIND_MAX; k++)
		assert_int_equal(count(r, (enum feed_kind)k), 0);
	assert_int_equal(registry_policy(r, &e, buf, sizeof(buf)),
	    ERR_NOTFOUND);
	assert_int_equal(registry_find_officer(r, "KZ0042", &e), ERR_NOTFOUND);
	assert_int_equal(registry_count(r, 0, &(size_t){ 0 }), ERR_INVAL);
	assert_int_equal(registry_cursor(r, NULL, NULL), 0);
	registry_close(r);
	registry_close(NULL);
	assert_int_equal(registry_open(&r, fx->path, NULL, ""), ERR_INVAL);
}

static void
test_registry_applies_every_kind_and_moves_the_cursor(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[6], out[ECAP];
	struct stay		 stays[FEED_STAYS_MAX];
	static char		 yaml[FEED_YAML_MAX + 1];
	int64_t			 before, after, at;
	size_t			 n;
	int			 k;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	every_kind(e);
	batch(&b, 0, 10, e, 6);
	before = date_now_ms();
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	after = date_now_ms();
	assert_true(cursor(r, &at) == 10);
	assert_true(at >= before && at <= after);
	for (k = FEED_DOCUMENT_ALERT; k <= FEED_KIND_MAX; k++)
		assert_int_equal(count(r, (enum feed_kind)k), 1);

	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1234567",
	    out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[0]);
	assert_int_equal(cands(r, "ABENOV", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[1]);
	assert_int_equal(registry_find_permits_by_document(r, "UZB",
	    "FA1234567", out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[2]);
	assert_int_equal(registry_find_permits_by_person(r, "UZB",
	    "1988-05-17", out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[2]);
	assert_int_equal(registry_find_stay_state(r, "RUS", "751234567",
	    &out[0], stays, FEED_STAYS_MAX), 0);
	assert_same(&out[0], &e[3]);
	assert_ptr_equal(out[0].data.stay_state.stays, stays);
	assert_int_equal(registry_policy(r, &out[0], yaml, sizeof(yaml)), 0);
	assert_same(&out[0], &e[4]);
	assert_ptr_equal(out[0].data.policy.yaml, yaml);
	assert_string_equal(yaml, POLICY_YAML("T-1"));
	assert_int_equal(registry_find_officer(r, "KZ0042", &out[0]), 0);
	assert_same(&out[0], &e[5]);
	registry_close(r);
}

static void
test_registry_refuses_replayed_and_out_of_order_batches(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[6], late[2];
	struct proto_error	 err;
	int64_t			 at, at2;
	size_t			 n;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	every_kind(e);
	batch(&b, 0, 10, e, 6);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	(void)cursor(r, &at);

	/* The same batch again: a replay. */
	e[0].data.document_alert.reason = FEED_LOST;
	assert_int_equal(registry_apply_batch(r, &b, &err), ERR_CONFLICT);
	assert_string_equal(err.field, "from");
	assert_non_null(strstr(err.message, "replayed"));

	/* A batch that skips (10, 12]. */
	mk_del(&late[0], 13, FEED_DOCUMENT_ALERT, "da-1");
	mk_da(&late[1], 14, "da-2", "KAZ", "N7654321", FEED_LOST);
	batch(&b, 12, 20, late, 2);
	assert_int_equal(registry_apply_batch(r, &b, &err), ERR_CONFLICT);
	assert_string_equal(err.field, "from");
	assert_non_null(strstr(err.message, "out of order"));

	/* An older one that overlaps. */
	batch(&b, 5, 20, late, 2);
	assert_int_equal(registry_apply_batch(r, &b, &err), ERR_CONFLICT);

	/* Nothing of any of them is in the store. */
	assert_true(cursor(r, &at2) == 10);
	assert_int_equal(at2, at);
	assert_int_equal(count(r, FEED_DOCUMENT_ALERT), 1);
	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1234567",
	    e, 6, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].data.document_alert.reason, FEED_STOLEN);

	/* The next batch in order applies. */
	batch(&b, 10, 20, late, 2);
	assert_int_equal(registry_apply_batch(r, &b, &err), 0);
	assert_true(cursor(r, NULL) == 20);
	assert_int_equal(count(r, FEED_DOCUMENT_ALERT), 1);
	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1234567",
	    e, 6, &n), 0);
	assert_int_equal(n, 0);
	registry_close(r);
}

/* A key function with a fault seam: it fails for the surname "FAIL". */
static int
key_failing(const struct feed_person_alert *a, struct registry_keys *out)
{
	if (strcmp(a->surname, "FAIL") == 0)
		return ERR_RANGE;
	return registry_key_surname(a, out);
}

static void
test_registry_failure_in_the_middle_rolls_back(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[8], out[ECAP];
	struct proto_error	 err;
	size_t			 n;
	int64_t			 at, at2;

	assert_int_equal(registry_open(&r, fx->path, key_failing, "failing"),
	    0);
	mk_da(&e[0], 1, "da-1", "KAZ", "N1", FEED_STOLEN);
	mk_pa(&e[1], 2, "pa-1", "ABENOV", "");
	batch(&b, 0, 2, e, 2);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	(void)cursor(r, &at);

	/* Replaces da-1, deletes pa-1, adds more; the key of entry 4
	 * fails. */
	mk_da(&e[0], 3, "da-1", "KAZ", "N1", FEED_LOST);
	mk_del(&e[1], 4, FEED_PERSON_ALERT, "pa-1");
	mk_da(&e[2], 5, "da-2", "KAZ", "N2", FEED_LOST);
	mk_pa(&e[3], 6, "pa-2", "OMAROV", "");
	mk_pa(&e[4], 7, "pa-3", "FAIL", "");
	mk_pm(&e[5], 8, "pm-1", "FA1", "UZB", "1988-05-17");
	batch(&b, 2, 8, e, 6);
	assert_int_equal(registry_apply_batch(r, &b, &err), ERR_RANGE);
	assert_string_equal(err.field, "entries[4]");

	/* A bad entry in the middle: refused before anything is written. */
	mk_pa(&e[4], 7, "pa-3", "SADYKOV", "");
	SET(e[4].data.person_alert.birth_date, "1990-13");
	assert_int_equal(registry_apply_batch(r, &b, &err), ERR_INVAL);
	assert_string_equal(err.field, "entries[4].data.birth_date");

	/* Everything as before either. */
	assert_true(cursor(r, &at2) == 2);
	assert_int_equal(at2, at);
	assert_int_equal(count(r, FEED_DOCUMENT_ALERT), 1);
	assert_int_equal(count(r, FEED_PERSON_ALERT), 1);
	assert_int_equal(count(r, FEED_PERMIT), 0);
	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1", out,
	    ECAP, &n), 0);
	assert_int_equal(out[0].data.document_alert.reason, FEED_STOLEN);
	assert_int_equal(cands(r, "ABENOV", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 1);

	/* Fixed, the same batch applies whole. */
	SET(e[4].data.person_alert.birth_date, "1990-12");
	assert_int_equal(registry_apply_batch(r, &b, &err), 0);
	assert_true(cursor(r, NULL) == 8);
	assert_int_equal(count(r, FEED_DOCUMENT_ALERT), 2);
	assert_int_equal(count(r, FEED_PERSON_ALERT), 2);
	assert_int_equal(count(r, FEED_PERMIT), 1);
	registry_close(r);
}

static void
test_registry_upsert_replaces_and_delete_removes(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[8], out[ECAP];
	struct stay		 stays[FEED_STAYS_MAX];
	static char		 yaml[FEED_YAML_MAX + 1];
	size_t			 n;
	int			 k;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	every_kind(e);
	batch(&b, 0, 10, e, 6);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);

	/* Every record replaced, keys and indexed columns changed. */
	mk_da(&e[0], 11, "da-1", "KGZ", "AN999", FEED_REVOKED);
	mk_pa(&e[1], 12, "pa-1", "Omarov", "");
	e[1].data.person_alert.kind = FEED_WANTED;
	mk_pm(&e[2], 13, "pm-1", "FA7654321", "TJK", "1990-01-01");
	e[2].data.permit.entries = FEED_NULL;
	e[2].data.permit.stay_days = FEED_NULL;
	SET(e[2].data.permit.employer, "ТОО Ромашка");
	mk_ss(&e[3], 14, "ss-1", "751234567", 1);
	mk_po(&e[4], 15, "policy", "T-2", POLICY_YAML("T-2"));
	mk_of(&e[5], 16, "KZ0042", 0);
	batch(&b, 10, 20, e, 6);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	for (k = FEED_DOCUMENT_ALERT; k <= FEED_KIND_MAX; k++)
		assert_int_equal(count(r, (enum feed_kind)k), 1);

	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1234567",
	    out, ECAP, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(registry_find_document_alerts(r, "KGZ", "AN999",
	    out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[0]);
	assert_int_equal(cands(r, "ABENOV", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cands(r, "OMAROV", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[1]);
	assert_int_equal(registry_find_permits_by_document(r, "UZB",
	    "FA1234567", out, ECAP, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(registry_find_permits_by_person(r, "TJK",
	    "1990-01-01", out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[2]);
	assert_int_equal(registry_find_stay_state(r, "RUS", "751234567",
	    &out[0], stays, FEED_STAYS_MAX), 0);
	assert_same(&out[0], &e[3]);
	assert_int_equal(out[0].data.stay_state.nstays, 1);
	assert_int_equal(registry_policy(r, &out[0], yaml, sizeof(yaml)), 0);
	assert_string_equal(out[0].data.policy.version, "T-2");
	assert_int_equal(registry_find_officer(r, "KZ0042", &out[0]), 0);
	assert_int_equal(out[0].data.officer.active, 0);

	/* Deletes, and a delete of what is not there. */
	mk_del(&e[0], 21, FEED_DOCUMENT_ALERT, "da-1");
	mk_del(&e[1], 22, FEED_PERSON_ALERT, "pa-1");
	mk_del(&e[2], 23, FEED_PERMIT, "pm-1");
	mk_del(&e[3], 24, FEED_STAY_STATE, "ss-1");
	mk_del(&e[4], 25, FEED_POLICY, "policy");
	mk_del(&e[5], 26, FEED_OFFICER, "KZ0042");
	mk_del(&e[6], 27, FEED_OFFICER, "nobody");
	batch(&b, 20, 30, e, 7);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	for (k = FEED_DOCUMENT_ALERT; k <= FEED_KIND_MAX; k++)
		assert_int_equal(count(r, (enum feed_kind)k), 0);
	assert_int_equal(registry_find_stay_state(r, "RUS", "751234567",
	    &out[0], stays, FEED_STAYS_MAX), ERR_NOTFOUND);
	assert_int_equal(registry_policy(r, &out[0], yaml, sizeof(yaml)),
	    ERR_NOTFOUND);
	assert_int_equal(registry_find_officer(r, "KZ0042", &out[0]),
	    ERR_NOTFOUND);
	assert_true(cursor(r, NULL) == 30);
	registry_close(r);
}

/* Rows in a table, straight from SQLite. */
static int64_t
raw_count(const char *path, const char *table)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 sql[128];
	int64_t		 n;

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
test_registry_deletes_keep_the_store_bounded(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	static struct feed_entry e[FEED_BATCH_MAX];
	char			 id[32], num[32];
	uint64_t		 pos = 0;
	size_t			 i, round;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	/* Ten rounds of 2000 alerts in and the same 2000 out. */
	for (round = 0; round < 10; round++) {
		for (i = 0; i < 2000; i++) {
			(void)snprintf(id, sizeof(id), "da-%zu-%zu", round, i);
			(void)snprintf(num, sizeof(num), "N%zu", i);
			mk_da(&e[i], ++pos, id, "KAZ", num, FEED_LOST);
		}
		batch(&b, pos - 2000, pos, e, 2000);
		assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
		assert_int_equal(count(r, FEED_DOCUMENT_ALERT), 2000);
		for (i = 0; i < 2000; i++) {
			(void)snprintf(id, sizeof(id), "da-%zu-%zu", round, i);
			mk_del(&e[i], ++pos, FEED_DOCUMENT_ALERT, id);
		}
		batch(&b, pos - 2000, pos, e, 2000);
		assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
		assert_int_equal(count(r, FEED_DOCUMENT_ALERT), 0);
	}
	registry_close(r);
	assert_int_equal(raw_count(fx->path, "reg_document_alert"), 0);
}

static void
test_registry_lookups(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[12], out[ECAP];
	struct stay		 stays[FEED_STAYS_MAX];
	size_t			 n;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	mk_da(&e[0], 1, "da-b", "KAZ", "N1", FEED_LOST);
	mk_da(&e[1], 2, "da-a", "KAZ", "N1", FEED_STOLEN);
	mk_da(&e[2], 3, "da-c", "KGZ", "N1", FEED_LOST);
	mk_da(&e[3], 4, "da-d", "KAZ", "N12", FEED_LOST);
	mk_pa(&e[4], 5, "pa-1", "Abenov", "");
	mk_pa(&e[5], 6, "pa-2", "  ABENOV ", "");
	mk_pa(&e[6], 7, "pa-3", "Абенов", "");
	mk_pm(&e[7], 8, "pm-1", "FA1", "UZB", "1988-05-17");
	mk_pm(&e[8], 9, "pm-2", "FA2", "UZB", "1988-05-17");
	mk_ss(&e[9], 10, "ss-2", "751234567", 1);
	mk_ss(&e[10], 11, "ss-1", "751234567", 3);
	batch(&b, 0, 11, e, 11);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);

	/* Exactly on state and number, ordered by id. */
	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1", out,
	    ECAP, &n), 0);
	assert_int_equal(n, 2);
	assert_same(&out[0], &e[1]);
	assert_same(&out[1], &e[0]);
	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N2", out,
	    ECAP, &n), 0);
	assert_int_equal(n, 0);
	/* More than cap: the first cap and the full count. */
	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1", out,
	    1, &n), ERR_TOOBIG);
	assert_int_equal(n, 2);
	assert_same(&out[0], &e[1]);
	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1", out,
	    0, &n), ERR_TOOBIG);
	assert_int_equal(n, 2);
	assert_int_equal(registry_find_document_alerts(r, NULL, "N1", out, 1,
	    &n), ERR_INVAL);

	/* The default key: surname, ASCII upper-cased, spaces trimmed;
	 * Cyrillic is kept as typed, for a name matcher's key to fold. */
	assert_int_equal(cands(r, "ABENOV", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].id, "pa-1");
	assert_string_equal(out[1].id, "pa-2");
	assert_string_equal(out[1].data.person_alert.surname, "  ABENOV ");
	assert_int_equal(cands(r, "Абенов", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(registry_find_permits_by_person(r, "UZB",
	    "1988-05-17", out, ECAP, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(registry_find_permits_by_person(r, "UZB",
	    "1988-05-18", out, ECAP, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(registry_find_permits_by_document(r, "UZB", "FA2",
	    out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[8]);

	/* Two stay states on one document: the one written last. */
	assert_int_equal(registry_find_stay_state(r, "RUS", "751234567",
	    &out[0], stays, FEED_STAYS_MAX), 0);
	assert_same(&out[0], &e[10]);
	/* Too little room for its stays: refused, out untouched. */
	memset(&out[1], 0x5a, sizeof(out[1]));
	memcpy(&out[2], &out[1], sizeof(out[1]));
	assert_int_equal(registry_find_stay_state(r, "RUS", "751234567",
	    &out[1], stays, 2), ERR_TOOBIG);
	assert_memory_equal(&out[1], &out[2], sizeof(out[1]));
	assert_int_equal(registry_find_stay_state(r, "RUS", "000",
	    &out[1], stays, 2), ERR_NOTFOUND);
	registry_close(r);
}

/* The query plan of sql names the index. */
static void
assert_uses_index(const char *path, const char *sql, const char *index)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 q[512];
	int		 found = 0;

	(void)snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(st, 3), index) !=
		    NULL)
			found = 1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!found)
		fail_msg("%s does not use %s", sql, index);
}

static void
test_registry_lookups_use_indexes(void **state)
{
	struct fx	*fx = *state;
	struct registry	*r;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	registry_close(r);
	assert_uses_index(fx->path, "SELECT id FROM reg_document_alert "
	    "WHERE issuing_state = 'KAZ' AND number = 'N1' ORDER BY id",
	    "reg_document_alert_doc");
	assert_uses_index(fx->path, "SELECT alert_id FROM reg_person_alert_key "
	    "WHERE key = 'ABENOV'", "PRIMARY KEY");
	assert_uses_index(fx->path, "SELECT alert_id FROM reg_person_alert_key "
	    "WHERE key >= 'ABENOV:' AND key < 'ABENOV;'", "PRIMARY KEY");
	assert_uses_index(fx->path, "DELETE FROM reg_person_alert_key "
	    "WHERE alert_id = 'pa-1'", "reg_person_alert_key_alert");
	assert_uses_index(fx->path, "SELECT id FROM reg_permit "
	    "WHERE holder_issuing_state = 'UZB' AND holder_number = 'FA1' "
	    "ORDER BY id", "reg_permit_doc");
	assert_uses_index(fx->path, "SELECT id FROM reg_permit "
	    "WHERE holder_nationality = 'UZB' AND "
	    "holder_birth_date = '1988-05-17' ORDER BY id",
	    "reg_permit_person");
	assert_uses_index(fx->path, "SELECT id FROM reg_stay_state "
	    "WHERE issuing_state = 'RUS' AND number = '1' "
	    "ORDER BY pos DESC LIMIT 1", "reg_stay_state_doc");
}

static void
test_registry_policy_is_the_one_written_last(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[2], out;
	static char		 yaml[FEED_YAML_MAX + 1];

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	mk_po(&e[0], 1, "T-1", "T-1", POLICY_YAML("T-1"));
	mk_po(&e[1], 2, "T-2", "T-2", POLICY_YAML("T-2"));
	batch(&b, 0, 2, e, 2);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	assert_int_equal(registry_policy(r, &out, yaml, sizeof(yaml)), 0);
	assert_string_equal(out.data.policy.version, "T-2");
	/* The buffer must hold the text and its NUL. */
	assert_int_equal(registry_policy(r, &out, yaml,
	    strlen(POLICY_YAML("T-2"))), ERR_TOOBIG);
	assert_int_equal(registry_policy(r, &out, yaml,
	    strlen(POLICY_YAML("T-2")) + 1), 0);
	mk_del(&e[0], 3, FEED_POLICY, "T-2");
	batch(&b, 2, 3, e, 1);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	assert_int_equal(registry_policy(r, &out, yaml, sizeof(yaml)), 0);
	assert_string_equal(out.data.policy.version, "T-1");
	assert_string_equal(yaml, POLICY_YAML("T-1"));
	registry_close(r);
}

static void
test_registry_empty_batch_marks_the_feed_current(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	int64_t			 at;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	batch(&b, 0, 0, NULL, 0);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	assert_true(cursor(r, &at) == 0);
	assert_true(at > 0);
	batch(&b, 0, 40, NULL, 0);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	assert_true(cursor(r, NULL) == 40);
	batch(&b, 40, 40, NULL, 0);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	batch(&b, 30, 40, NULL, 0);
	assert_int_equal(registry_apply_batch(r, &b, NULL), ERR_CONFLICT);
	registry_close(r);
}

static void
mkcrossing(struct proto_crossing *c)
{
	memset(c, 0, sizeof(*c));
	c->direction = PROTO_ENTRY;
	c->lane = 1;
	SET(c->officer, "KZ0042");
	c->outcome = PROTO_ADMIT;
	SET(c->doc.type, "P");
	SET(c->doc.issuing_state, "KAZ");
	SET(c->doc.number, "N1234567");
	SET(c->doc.nationality, "KAZ");
	SET(c->doc.surname, "ABENOV");
	SET(c->doc.given_names, "ASKAR");
	SET(c->doc.birth_date, "1990-01-31");
	c->doc.sex = 'M';
	SET(c->doc.expiry_date, "2030-01-30");
}

static void
test_registry_persists_beside_the_journal(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct store		*s;
	struct feed_batch	 b;
	struct feed_entry	 e[6], out[ECAP];
	struct proto_crossing	 c;
	struct proto_status	 st;
	struct stay		 stays[FEED_STAYS_MAX];
	int64_t			 at, at2;
	size_t			 n;
	int			 k;

	/* The journal and the registry share the file, each on its own
	 * connection. */
	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	mkcrossing(&c);
	assert_int_equal(store_append(s, &c, NULL), 0);
	every_kind(e);
	batch(&b, 0, 10, e, 6);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	mkcrossing(&c);
	assert_int_equal(store_append(s, &c, NULL), 0);
	(void)cursor(r, &at);
	registry_close(r);
	store_close(s);

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	assert_int_equal(store_open(&s, fx->path, "ALA01"), 0);
	assert_true(cursor(r, &at2) == 10);
	assert_int_equal(at2, at);
	for (k = FEED_DOCUMENT_ALERT; k <= FEED_KIND_MAX; k++)
		assert_int_equal(count(r, (enum feed_kind)k), 1);
	assert_int_equal(registry_find_stay_state(r, "RUS", "751234567",
	    &out[0], stays, FEED_STAYS_MAX), 0);
	assert_same(&out[0], &e[3]);
	assert_int_equal(cands(r, "ABENOV", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_same(&out[0], &e[1]);
	assert_int_equal(store_status(s, &st), 0);
	assert_true(st.last_seq == 2);
	/* And the next batch follows on. */
	mk_del(&e[0], 11, FEED_DOCUMENT_ALERT, "da-1");
	batch(&b, 10, 11, e, 1);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	registry_close(r);
	store_close(s);
}

/* Another key function: the first byte of the surname. */
static int
key_initial(const struct feed_person_alert *a, struct registry_keys *out)
{
	out->key[0][0] = a->surname[0];
	out->key[0][1] = '\0';
	out->n = 1;
	return 0;
}

/* Key functions that misbehave: a key not terminated, no keys, too many. */
static int
key_unterminated(const struct feed_person_alert *a, struct registry_keys *out)
{
	(void)a;
	memset(out->key[0], 'K', sizeof(out->key[0]));
	out->n = 1;
	return 0;
}

static int
key_none(const struct feed_person_alert *a, struct registry_keys *out)
{
	(void)a;
	out->n = 0;
	return 0;
}

static int
key_too_many(const struct feed_person_alert *a, struct registry_keys *out)
{
	size_t	i;

	(void)a;
	for (i = 0; i < REGISTRY_KEYS_MAX; i++)
		SET(out->key[i], "K");
	out->n = REGISTRY_KEYS_MAX + 1;
	return 0;
}

/* Two keys in the manner of a name matcher: "SURNAME:YYYY" and
 * "GIVEN:YYYY" from the first given name and the birth year. */
static int
key_two(const struct feed_person_alert *a, struct registry_keys *out)
{
	char	given[64];
	size_t	n;

	n = strcspn(a->given_names, " ");
	if (n >= sizeof(given))
		n = sizeof(given) - 1;
	memcpy(given, a->given_names, n);
	given[n] = '\0';
	if (snprintf(out->key[0], sizeof(out->key[0]), "%.50s:%.4s",
	    a->surname, a->birth_date) >= (int)sizeof(out->key[0]))
		return ERR_TOOBIG;
	out->n = 1;
	if (n > 0) {
		if (snprintf(out->key[1], sizeof(out->key[1]), "%.50s:%.4s",
		    given, a->birth_date) >= (int)sizeof(out->key[1]))
			return ERR_TOOBIG;
		out->n = 2;
	}
	return 0;
}

static void
test_registry_rekeys_when_the_key_function_changes(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	static struct feed_entry e[2500];
	struct feed_entry	 out[4];
	char			 id[32], name[32];
	size_t			 i, n;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	/* More than one page of re-keying. */
	for (i = 0; i < 2500; i++) {
		(void)snprintf(id, sizeof(id), "pa-%04zu", i);
		(void)snprintf(name, sizeof(name), "%c%zu",
		    i == 1234 ? 'Q' : 'A', i);
		mk_pa(&e[i], i + 1, id, name, "");
	}
	batch(&b, 0, 2500, e, 2500);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	assert_int_equal(cands(r, "Q1234", 0, out, 4, &n), 0);
	assert_int_equal(n, 1);
	registry_close(r);

	assert_int_equal(registry_open(&r, fx->path, key_initial, "initial"),
	    0);
	assert_int_equal(cands(r, "Q1234", 0, out, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cands(r, "Q", 0, out, 4,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].id, "pa-1234");
	assert_int_equal(cands(r, "A", 0, out, 4,
	    &n), ERR_TOOBIG);
	assert_int_equal(n, 2499);
	registry_close(r);

	/* A key function that misbehaves fails the open, changing nothing. */
	assert_int_equal(registry_open(&r, fx->path, key_unterminated,
	    "broken"), ERR_INVAL);
	assert_int_equal(registry_open(&r, fx->path, key_none, "none"),
	    ERR_INVAL);
	assert_int_equal(registry_open(&r, fx->path, key_too_many, "many"),
	    ERR_INVAL);
	assert_int_equal(registry_open(&r, fx->path, key_initial, "initial"),
	    0);
	assert_int_equal(cands(r, "Q", 0, out, 4,
	    &n), 0);
	assert_int_equal(n, 1);
	registry_close(r);
}

static void
test_registry_several_keys_and_prefixes(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[4], out[ECAP];
	struct registry_keys	 q;
	size_t			 n;

	assert_int_equal(registry_open(&r, fx->path, key_two, "two-1"), 0);
	mk_pa(&e[0], 1, "pa-1", "ABENOV", "");
	SET(e[0].data.person_alert.given_names, "ASKAR BOLATOVICH");
	mk_pa(&e[1], 2, "pa-2", "ASKAR", "");
	SET(e[1].data.person_alert.given_names, "ABENOV");
	mk_pa(&e[2], 3, "pa-3", "ABENOVA", "");
	SET(e[2].data.person_alert.given_names, "");
	SET(e[2].data.person_alert.birth_date, "1991-05-06");
	batch(&b, 0, 3, e, 3);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);

	/* A traveller ABENOV ASKAR born 1990: both orders found, once
	 * each. */
	memset(&q, 0, sizeof(q));
	q.n = 2;
	SET(q.key[0], "ABENOV:1990");
	SET(q.key[1], "ASKAR:1990");
	assert_int_equal(registry_find_person_alert_candidates(r, &q, out,
	    ECAP, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].id, "pa-1");
	assert_string_equal(out[1].id, "pa-2");
	/* Birth year unknown: prefix keys. "ABENOV:" is not "ABENOVA:". */
	q.prefix = 1;
	SET(q.key[0], "ABENOV:");
	q.n = 1;
	assert_int_equal(registry_find_person_alert_candidates(r, &q, out,
	    ECAP, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(cands(r, "ABENOV", 1, out, ECAP, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(cands(r, "ABENOV", 1, out, 2, &n), ERR_TOOBIG);
	assert_int_equal(n, 3);
	assert_string_equal(out[1].id, "pa-2");
	assert_int_equal(cands(r, "ABENOV", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cands(r, "", 1, out, ECAP, &n), ERR_INVAL);
	q.n = REGISTRY_KEYS_MAX + 1;
	assert_int_equal(registry_find_person_alert_candidates(r, &q, out,
	    ECAP, &n), ERR_INVAL);
	assert_int_equal(registry_find_person_alert_candidates(r, NULL, out,
	    ECAP, &n), ERR_INVAL);

	/* A replaced alert loses its old keys; a deleted one, all. */
	mk_pa(&e[0], 4, "pa-1", "OMAROV", "");
	mk_del(&e[1], 5, FEED_PERSON_ALERT, "pa-2");
	batch(&b, 3, 5, e, 2);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	assert_int_equal(cands(r, "A", 1, out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].id, "pa-3");
	assert_int_equal(cands(r, "Аскар:1990", 0, out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].id, "pa-1");
	assert_int_equal(cands(r, "OMAROV:", 1, out, ECAP, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cands(r, "ASKAR", 1, out, ECAP, &n), 0);
	assert_int_equal(n, 0);
	registry_close(r);
	assert_int_equal(raw_count(fx->path, "reg_person_alert_key"), 3);
}

static void
exec_sql(const char *path, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_registry_refuses_newer_schema_and_damage(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[2], out[2];
	size_t			 n;

	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	mk_da(&e[0], 1, "da-1", "KAZ", "N1", FEED_LOST);
	batch(&b, 0, 1, e, 1);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	registry_close(r);

	/* A row changed behind the registry's back is reported, not
	 * passed on. */
	exec_sql(fx->path, "UPDATE reg_document_alert SET reason = 'eaten'");
	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	assert_int_equal(registry_find_document_alerts(r, "KAZ", "N1", out, 2,
	    &n), ERR_DB);
	registry_close(r);

	exec_sql(fx->path, "UPDATE reg_meta SET value = '99' "
	    "WHERE key = 'schema_version'");
	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), ERR_VERSION);

	exec_sql(fx->path, "UPDATE reg_meta SET value = '1' "
	    "WHERE key = 'schema_version'");
	exec_sql(fx->path, "UPDATE reg_feed SET feed_cursor = -5");
	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), 0);
	assert_int_equal(registry_cursor(r, NULL, NULL), ERR_DB);
	assert_int_equal(registry_apply_batch(r, &b, NULL), ERR_DB);
	registry_close(r);
}

/* Keys with data, in the manner of a name matcher's prepared form: the
 * surname as the key and "D:" + the given names as the data; a second key
 * "GIVEN:" when there are given names. */
static int
key_data(const struct feed_person_alert *a, struct registry_keys *out)
{
	int	n;

	if (snprintf(out->key[0], sizeof(out->key[0]), "%.50s", a->surname) <
	    0)
		return ERR_INVAL;
	out->n = 1;
	if (a->given_names[0] != '\0') {
		if (snprintf(out->key[1], sizeof(out->key[1]), "GIVEN:%.50s",
		    a->given_names) >= (int)sizeof(out->key[1]))
			return ERR_TOOBIG;
		out->n = 2;
	}
	n = snprintf((char *)out->data, sizeof(out->data), "D:%.50s",
	    a->given_names);
	if (n < 0)
		return ERR_INVAL;
	out->datalen = (size_t)n;
	if (strcmp(a->surname, "HUGE") == 0)
		out->datalen = REGISTRY_DATA_MAX + 1;
	return 0;
}

struct seen {
	size_t	n;
	int	stop_at;		/* return 7 at this row; -1 never */
	char	id[8][FEED_ID_MAX + 1];
	char	data[8][64];
};

static int
on_row(void *arg, const char *id, const uint8_t *data, size_t len)
{
	struct seen	*sn = arg;

	if ((int)sn->n == sn->stop_at)
		return 7;
	assert_true(sn->n < 8);
	assert_true(len < sizeof(sn->data[0]));
	SET(sn->id[sn->n], id);
	if (len > 0)
		memcpy(sn->data[sn->n], data, len);
	sn->data[sn->n][len] = '\0';
	sn->n++;
	return 0;
}

static int
scan(struct registry *r, const char *key, int prefix, struct seen *sn)
{
	struct registry_keys	q;

	memset(&q, 0, sizeof(q));
	memset(sn, 0, sizeof(*sn));
	sn->stop_at = -1;
	q.n = 1;
	q.prefix = prefix;
	SET(q.key[0], key);
	return registry_scan_person_alert_keys(r, &q, on_row, sn);
}

/*
 * A key scan gives every key row with the alert's data, without reading
 * the alerts; a replaced alert's data is replaced; data over the limit
 * fails the batch; the callback can stop the scan; one alert reads by id.
 */
static void
test_registry_scan_gives_key_data(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[3], got;
	struct registry_keys	 q;
	struct seen		 sn;
	struct proto_error	 pe;

	assert_int_equal(registry_open(&r, fx->path, key_data, "data-1"), 0);
	mk_pa(&e[0], 1, "pa-1", "ABENOV", "");
	mk_pa(&e[1], 2, "pa-2", "ABENOVA", "");
	SET(e[1].data.person_alert.given_names, "");
	mk_pa(&e[2], 3, "pa-3", "OMAROV", "");
	SET(e[2].data.person_alert.given_names, "ERLAN");
	batch(&b, 0, 3, e, 3);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);

	assert_int_equal(scan(r, "ABENOV", 0, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.id[0], "pa-1");
	assert_string_equal(sn.data[0], "D:Аскар");
	/* A prefix: ABENOV and ABENOVA, each with its own data. */
	assert_int_equal(scan(r, "ABENOV", 1, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.id[1], "pa-2");
	assert_string_equal(sn.data[1], "D:");
	assert_int_equal(scan(r, "GIVEN:", 1, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.data[0], "D:ERLAN");	/* keys' byte order */
	assert_string_equal(sn.data[1], "D:Аскар");
	assert_int_equal(scan(r, "NOBODY", 0, &sn), 0);
	assert_int_equal(sn.n, 0);
	/* Two keys naming one alert: it comes twice. */
	memset(&q, 0, sizeof(q));
	memset(&sn, 0, sizeof(sn));
	sn.stop_at = -1;
	q.n = 2;
	SET(q.key[0], "OMAROV");
	SET(q.key[1], "GIVEN:ERLAN");
	assert_int_equal(registry_scan_person_alert_keys(r, &q, on_row, &sn),
	    0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.id[0], "pa-3");
	assert_string_equal(sn.id[1], "pa-3");
	/* The callback stops the scan; the statement is reusable after. */
	sn.n = 0;
	sn.stop_at = 1;
	assert_int_equal(registry_scan_person_alert_keys(r, &q, on_row, &sn),
	    7);
	assert_int_equal(sn.n, 1);
	assert_int_equal(scan(r, "OMAROV", 0, &sn), 0);
	assert_int_equal(sn.n, 1);
	/* Bad lookups. */
	q.n = REGISTRY_KEYS_MAX + 1;
	assert_int_equal(registry_scan_person_alert_keys(r, &q, on_row, &sn),
	    ERR_INVAL);
	assert_int_equal(registry_scan_person_alert_keys(r, NULL, on_row, &sn),
	    ERR_INVAL);
	q.n = 1;
	assert_int_equal(registry_scan_person_alert_keys(r, &q, NULL, &sn),
	    ERR_INVAL);
	assert_int_equal(scan(r, "", 0, &sn), ERR_INVAL);

	/* One alert by id. */
	assert_int_equal(registry_find_person_alert(r, "pa-3", &got), 0);
	assert_string_equal(got.id, "pa-3");
	assert_int_equal(got.pos, 3);
	assert_string_equal(got.data.person_alert.surname, "OMAROV");
	assert_int_equal(registry_find_person_alert(r, "pa-9", &got),
	    ERR_NOTFOUND);
	assert_int_equal(registry_find_person_alert(r, NULL, &got),
	    ERR_INVAL);

	/* A replaced alert's data goes with its new keys. */
	mk_pa(&e[0], 4, "pa-3", "OMAROV", "");
	SET(e[0].data.person_alert.given_names, "ASKAR");
	batch(&b, 3, 4, e, 1);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	assert_int_equal(scan(r, "OMAROV", 0, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.data[0], "D:ASKAR");
	assert_int_equal(scan(r, "GIVEN:ERLAN", 0, &sn), 0);
	assert_int_equal(sn.n, 0);

	/* Data over REGISTRY_DATA_MAX: the batch fails whole. */
	mk_pa(&e[0], 5, "pa-4", "SAFE", "");
	mk_pa(&e[1], 6, "pa-5", "HUGE", "");
	batch(&b, 4, 6, e, 2);
	memset(&pe, 0, sizeof(pe));
	assert_int_equal(registry_apply_batch(r, &b, &pe), ERR_INVAL);
	assert_string_equal(pe.field, "entries[1]");
	assert_int_equal(scan(r, "SAFE", 0, &sn), 0);
	assert_int_equal(sn.n, 0);
	registry_close(r);
}

/*
 * A store written by schema 1 (match keys without data) is brought to
 * schema 2 on open: its keys are rebuilt with their data, in the opening
 * transaction, and the version recorded.
 */
static void
test_registry_upgrades_schema_1(void **state)
{
	struct fx		*fx = *state;
	struct registry		*r;
	struct feed_batch	 b;
	struct feed_entry	 e[2];
	struct seen		 sn;
	char			 v[8];
	sqlite3			*db;
	sqlite3_stmt		*st;

	assert_int_equal(registry_open(&r, fx->path, key_data, "data-1"), 0);
	mk_pa(&e[0], 1, "pa-1", "ABENOV", "");
	mk_pa(&e[1], 2, "pa-2", "OMAROV", "");
	batch(&b, 0, 2, e, 2);
	assert_int_equal(registry_apply_batch(r, &b, NULL), 0);
	registry_close(r);
	/* What schema 1 wrote. */
	exec_sql(fx->path, "DROP TABLE reg_person_alert_key;"
	    "CREATE TABLE reg_person_alert_key (key TEXT NOT NULL,"
	    "  alert_id TEXT NOT NULL, PRIMARY KEY (key, alert_id))"
	    "  WITHOUT ROWID;"
	    "INSERT INTO reg_person_alert_key VALUES ('ABENOV', 'pa-1');"
	    "UPDATE reg_meta SET value = '1' WHERE key = 'schema_version';");

	/* Same key function name: the upgrade alone forces the rekey. */
	assert_int_equal(registry_open(&r, fx->path, key_data, "data-1"), 0);
	assert_int_equal(scan(r, "ABENOV", 0, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.data[0], "D:Аскар");
	assert_int_equal(scan(r, "OMAROV", 0, &sn), 0);
	assert_int_equal(sn.n, 1);
	registry_close(r);
	assert_int_equal(raw_count(fx->path, "reg_person_alert_key"), 4);

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM reg_meta "
	    "WHERE key = 'schema_version'", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	(void)snprintf(v, sizeof(v), "%s",
	    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_string_equal(v, "2");
	assert_int_equal(REGISTRY_SCHEMA_VERSION, 2);
	/* And opens again without another upgrade. */
	assert_int_equal(registry_open(&r, fx->path, key_data, "data-1"), 0);
	registry_close(r);
}

static void
test_registry_opens_only_databases(void **state)
{
	struct fx	*fx = *state;
	struct registry	*r;
	FILE		*fp;

	(void)state;
	fp = fopen(fx->path, "w");
	assert_non_null(fp);
	fputs("this is not a database, it is a text file of some length\n",
	    fp);
	fclose(fp);
	assert_int_equal(registry_open(&r, fx->path, NULL, NULL), ERR_DB);
	assert_int_equal(registry_open(&r, "/nonexistent/dir/post.db", NULL,
	    NULL), ERR_DB);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registry_scan_gives_key_data,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_upgrades_schema_1,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_new_is_empty,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_applies_every_kind_and_moves_the_cursor,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_refuses_replayed_and_out_of_order_batches,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_failure_in_the_middle_rolls_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_upsert_replaces_and_delete_removes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_deletes_keep_the_store_bounded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_registry_lookups, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_lookups_use_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_policy_is_the_one_written_last, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_empty_batch_marks_the_feed_current, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_persists_beside_the_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_rekeys_when_the_key_function_changes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_several_keys_and_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_refuses_newer_schema_and_damage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_opens_only_databases, setup, teardown),
	};

	log_init("test_registry", LOGL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
