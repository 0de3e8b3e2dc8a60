/* test_feed.c - the feed codec: the canonical bytes of every kind, round
 * trips, every field at and beyond its bound, malformed JSON, versions,
 * unknown and duplicate keys, positions out of order or outside (from, to],
 * caps, policies that do not load, small encoder buffers and untouched
 * outputs. Bodies are decoded from a heap copy of exactly their length (no
 * NUL after it), so ASan catches a read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "date.h"
#include "err.h"
#include "feed.h"
#include "policy.h"
#include "proto.h"
#include "stay.h"

/* A policy that policy_load_buf() accepts, as text and as JSON. */
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
#define POLICY_JSON \
	"version: T-1\\n" \
	"timezone: UTC\\n" \
	"citizens: [KAZ]\\n" \
	"groups: [{name: EAEU, members: [RUS, KGZ]}]\\n" \
	"rules: [{group: EAEU, from: 2015-01-01, visa_required: false, " \
	"max_days: 90, window_days: 180}]\\n" \
	"default: {visa_required: true}\\n" \
	"permits:\\n" \
	"  visa: {stay: permit}\\n" \
	"  work_permit: {stay: unlimited, replaces_visa: false}\\n" \
	"  residence_permit: {stay: unlimited, replaces_visa: true}\\n" \
	"  refugee: {stay: unlimited, replaces_visa: true}\\n" \
	"  asylum: {stay: unlimited, replaces_visa: true}\\n" \
	"  repatriate: {stay: unlimited, replaces_visa: true}\\n"

#define PIN_HASH "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"

/* The canonical bytes of one entry of each kind, and of a delete. */
#define E_DA \
	"{\"pos\":1,\"op\":\"upsert\",\"kind\":\"document_alert\"," \
	"\"id\":\"da-1\",\"data\":{\"issuing_state\":\"KAZ\"," \
	"\"number\":\"N1234567\",\"reason\":\"stolen\"," \
	"\"since\":\"2026-01-02\"}}"
#define E_PA \
	"{\"pos\":2,\"op\":\"upsert\",\"kind\":\"person_alert\"," \
	"\"id\":\"pa-1\",\"data\":{\"kind\":\"entry_ban\"," \
	"\"surname\":\"Абенов\",\"given_names\":\"Аскар Болатович\"," \
	"\"birth_date\":\"1990-01\",\"nationality\":\"KAZ\"," \
	"\"until\":\"2030-12-31\",\"severity\":4," \
	"\"source\":\"court order 12/2026\"}}"
#define E_PM \
	"{\"pos\":3,\"op\":\"upsert\",\"kind\":\"permit\",\"id\":\"pm-1\"," \
	"\"data\":{\"kind\":\"work_permit\",\"holder\":{" \
	"\"issuing_state\":\"UZB\",\"number\":\"FA1234567\"," \
	"\"nationality\":\"UZB\",\"surname\":\"KARIMOV\"," \
	"\"given_names\":\"BOBUR\",\"birth_date\":\"1988-05-17\"}," \
	"\"valid_from\":\"2026-01-01\",\"valid_until\":\"2026-12-31\"," \
	"\"entries\":null,\"entries_used\":0,\"stay_days\":null," \
	"\"employer\":\"Almaty Metro LLP\",\"region\":\"ALA\"}}"
#define E_SS \
	"{\"pos\":5,\"op\":\"upsert\",\"kind\":\"stay_state\",\"id\":\"ss-1\"," \
	"\"data\":{\"person\":{\"issuing_state\":\"RUS\"," \
	"\"number\":\"751234567\",\"nationality\":\"RUS\"," \
	"\"birth_date\":\"1979-03-08\"},\"stays\":[[\"2026-01-10\"," \
	"\"2026-02-08\"],[\"2026-03-01\",null]],\"rule\":\"EAEU 90/180\"}}"
#define E_PO \
	"{\"pos\":7,\"op\":\"upsert\",\"kind\":\"policy\",\"id\":\"policy\"," \
	"\"data\":{\"version\":\"T-1\",\"yaml\":\"" POLICY_JSON "\"}}"
#define E_OF \
	"{\"pos\":8,\"op\":\"upsert\",\"kind\":\"officer\",\"id\":\"KZ0042\"," \
	"\"data\":{\"id\":\"KZ0042\",\"name\":\"Серик Ахметов\"," \
	"\"pin_hash\":\"" PIN_HASH "\",\"active\":true}}"
#define E_DEL \
	"{\"pos\":9,\"op\":\"delete\",\"kind\":\"document_alert\"," \
	"\"id\":\"da-0\"}"
#define E_DEL_OF \
	"{\"pos\":9,\"op\":\"delete\",\"kind\":\"officer\"," \
	"\"id\":\"KZ0042\"}"
#define CANON \
	"{\"version\":1,\"from\":0,\"to\":10,\"entries\":[" E_DA "," E_PA \
	"," E_PM "," E_SS "," E_PO "," E_OF "," E_DEL "]}"

#define NSAMPLE	7
#define ENC_MAX	(4 * 1024 * 1024)

struct body {
	uint8_t	*p;
	size_t	 len;
};

static struct feed_entry	items[FEED_BATCH_MAX + 1];
static struct feed_entry	items2[FEED_BATCH_MAX + 1];
static char			enc[ENC_MAX], enc2[ENC_MAX];
static struct stay		stays_buf[2];

/* A heap copy of s without its NUL: reading past len is an ASan error. */
static struct body
body_n(const char *s, size_t len)
{
	struct body	b;

	b.p = malloc(len > 0 ? len : 1);
	assert_non_null(b.p);
	memcpy(b.p, s, len);
	b.len = len;
	return b;
}

static int
dec(const char *json, struct feed_batch *out, size_t cap,
    struct proto_error *e)
{
	struct body	b = body_n(json, strlen(json));
	int		rc;

	rc = feed_decode_batch(out, cap, b.p, b.len, e);
	free(b.p);
	return rc;
}

static int64_t
days(const char *iso)
{
	struct date	d;

	assert_int_equal(date_parse_iso(&d, iso, strlen(iso)), 0);
	return date_to_days(&d);
}

#define SET(dst, s)	(void)snprintf((dst), sizeof(dst), "%s", (s))

/* The entries of CANON as structs, in e[0..NSAMPLE). */
static void
sample_batch(struct feed_batch *b, struct feed_entry *e)
{
	struct feed_document_alert	*da;
	struct feed_person_alert	*pa;
	struct feed_permit		*pm;
	struct feed_stay_state		*ss;
	struct feed_policy		*po;
	struct feed_officer		*of;

	memset(e, 0, NSAMPLE * sizeof(*e));
	e[0].pos = 1;
	e[0].op = FEED_UPSERT;
	e[0].kind = FEED_DOCUMENT_ALERT;
	SET(e[0].id, "da-1");
	da = &e[0].data.document_alert;
	SET(da->issuing_state, "KAZ");
	SET(da->number, "N1234567");
	da->reason = FEED_STOLEN;
	SET(da->since, "2026-01-02");

	e[1].pos = 2;
	e[1].op = FEED_UPSERT;
	e[1].kind = FEED_PERSON_ALERT;
	SET(e[1].id, "pa-1");
	pa = &e[1].data.person_alert;
	pa->kind = FEED_ENTRY_BAN;
	SET(pa->surname, "Абенов");
	SET(pa->given_names, "Аскар Болатович");
	SET(pa->birth_date, "1990-01");
	SET(pa->nationality, "KAZ");
	SET(pa->until, "2030-12-31");
	pa->severity = 4;
	SET(pa->source, "court order 12/2026");

	e[2].pos = 3;
	e[2].op = FEED_UPSERT;
	e[2].kind = FEED_PERMIT;
	SET(e[2].id, "pm-1");
	pm = &e[2].data.permit;
	pm->kind = POLICY_PERMIT_WORK;
	SET(pm->holder.issuing_state, "UZB");
	SET(pm->holder.number, "FA1234567");
	SET(pm->holder.nationality, "UZB");
	SET(pm->holder.surname, "KARIMOV");
	SET(pm->holder.given_names, "BOBUR");
	SET(pm->holder.birth_date, "1988-05-17");
	SET(pm->valid_from, "2026-01-01");
	SET(pm->valid_until, "2026-12-31");
	pm->entries = FEED_NULL;
	pm->entries_used = 0;
	pm->stay_days = FEED_NULL;
	SET(pm->employer, "Almaty Metro LLP");
	SET(pm->region, "ALA");

	e[3].pos = 5;
	e[3].op = FEED_UPSERT;
	e[3].kind = FEED_STAY_STATE;
	SET(e[3].id, "ss-1");
	ss = &e[3].data.stay_state;
	SET(ss->person.issuing_state, "RUS");
	SET(ss->person.number, "751234567");
	SET(ss->person.nationality, "RUS");
	SET(ss->person.birth_date, "1979-03-08");
	stays_buf[0].entry = days("2026-01-10");
	stays_buf[0].exit = days("2026-02-08");
	stays_buf[1].entry = days("2026-03-01");
	stays_buf[1].exit = STAY_OPEN;
	ss->nstays = 2;
	ss->stays = stays_buf;
	SET(ss->rule, "EAEU 90/180");

	e[4].pos = 7;
	e[4].op = FEED_UPSERT;
	e[4].kind = FEED_POLICY;
	SET(e[4].id, "policy");
	po = &e[4].data.policy;
	SET(po->version, "T-1");
	po->yaml = POLICY_YAML;
	po->yaml_len = strlen(POLICY_YAML);

	e[5].pos = 8;
	e[5].op = FEED_UPSERT;
	e[5].kind = FEED_OFFICER;
	SET(e[5].id, "KZ0042");
	of = &e[5].data.officer;
	SET(of->id, "KZ0042");
	SET(of->name, "Серик Ахметов");
	SET(of->pin_hash, PIN_HASH);
	of->active = 1;

	e[6].pos = 9;
	e[6].op = FEED_DELETE;
	e[6].kind = FEED_DOCUMENT_ALERT;
	SET(e[6].id, "da-0");

	memset(b, 0, sizeof(*b));
	b->from = 0;
	b->to = 10;
	b->n = NSAMPLE;
	b->entries = e;
}

static void
assert_batch_eq(const struct feed_batch *a, const struct feed_batch *b)
{
	size_t	i;

	assert_true(a->from == b->from);
	assert_true(a->to == b->to);
	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		if (!feed_check_same_entry(&a->entries[i], &b->entries[i]))
			fail_msg("entry %zu differs", i);
}

/* Decode json, expecting rc and (when rc != 0) the field exactly. */
static void
expect(const char *json, int want, const char *field, const char *what)
{
	struct feed_batch	b;
	struct proto_error	e;
	int			rc;

	memset(&b, 0, sizeof(b));
	b.entries = items;
	memset(&e, 0, sizeof(e));
	rc = dec(json, &b, FEED_BATCH_MAX, &e);
	if (rc != want)
		fail_msg("%s: rc %d (%s), want %d; field \"%s\": %s", what, rc,
		    err_str(rc), want, e.field, e.message);
	if (rc == 0) {
		feed_batch_reset(&b);
		return;
	}
	if (field != NULL && strcmp(e.field, field) != 0)
		fail_msg("%s: field \"%s\", want \"%s\" (%s)", what, e.field,
		    field, e.message);
	assert_true(e.message[0] != '\0');
}

/*
 * A copy of the JSON text base with the value at path ("a.b", "x[2].y")
 * replaced by the JSON text val, or removed when val is NULL. Built with
 * jansson so every other byte stays valid. Free with free().
 */
static char *
mutate(const char *base, const char *path, const char *val)
{
	json_error_t	 je;
	json_t		*root, *cur, *v = NULL;
	char		 tok[64], *end, *out;
	const char	*p = path, *dot;
	size_t		 n, idx;

	root = json_loads(base, JSON_DECODE_ANY, &je);
	if (root == NULL)
		fail_msg("bad base: %s", je.text);
	if (val != NULL) {
		v = json_loads(val, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (v == NULL)
			fail_msg("bad test value %s: %s", val, je.text);
	}
	cur = root;
	for (;;) {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		assert_true(n < sizeof(tok));
		memcpy(tok, p, n);
		tok[n] = '\0';
		idx = SIZE_MAX;
		if ((end = strchr(tok, '[')) != NULL) {
			*end = '\0';
			idx = strtoul(end + 1, NULL, 10);
		}
		if (dot == NULL && idx == SIZE_MAX)
			break;
		cur = json_object_get(cur, tok);
		assert_non_null(cur);
		if (idx != SIZE_MAX) {
			cur = json_array_get(cur, idx);
			assert_non_null(cur);
		}
		if (dot == NULL)
			fail_msg("path %s ends in an index", path);
		p = dot + 1;
	}
	if (v != NULL)
		assert_int_equal(json_object_set_new(cur, tok, v), 0);
	else
		assert_int_equal(json_object_del(cur, tok), 0);
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(out);
	json_decref(root);
	return out;
}

/* A batch (0, 10] of the one entry given. */
static char *
one(const char *entry)
{
	char	*s;
	size_t	 n;

	n = strlen(entry) + 64;
	s = malloc(n);
	assert_non_null(s);
	(void)snprintf(s, n, "{\"version\":1,\"from\":0,\"to\":10,"
	    "\"entries\":[%s]}", entry);
	return s;
}

/* "\"" + n copies of ch + "\"" */
static char *
jstr(char ch, size_t n)
{
	char	*s = malloc(n + 3);

	assert_non_null(s);
	s[0] = '"';
	memset(s + 1, ch, n);
	s[n + 1] = '"';
	s[n + 2] = '\0';
	return s;
}

/* Decode the batch of base with path set to val; expect rc and field. */
static void
expect_mut(const char *base, const char *path, const char *val, int rc,
    const char *field, const char *what)
{
	char	*m, *b;

	m = mutate(base, path, val);
	b = one(m);
	expect(b, rc, field, what);
	free(b);
	free(m);
}

/*
 * The canonical form.
 */

static void
test_feed_encodes_every_kind_canonically(void **state)
{
	struct feed_batch	b, b2;
	struct feed_entry	e[NSAMPLE];
	size_t			n, n2;

	(void)state;
	sample_batch(&b, e);
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n), 0);
	assert_int_equal(n, strlen(CANON));
	assert_memory_equal(enc, CANON, n);

	memset(&b2, 0, sizeof(b2));
	b2.entries = items;
	assert_int_equal(dec(CANON, &b2, FEED_BATCH_MAX, NULL), 0);
	assert_non_null(b2.mem);
	assert_batch_eq(&b, &b2);
	assert_int_equal(b2.entries[3].data.stay_state.stays[1].exit,
	    STAY_OPEN);
	assert_string_equal(b2.entries[4].data.policy.yaml, POLICY_YAML);
	assert_int_equal(feed_encode_batch(&b2, enc2, sizeof(enc2), &n2), 0);
	assert_int_equal(n, n2);
	assert_memory_equal(enc, enc2, n);
	feed_batch_reset(&b2);
	assert_null(b2.mem);
	assert_int_equal(b2.n, 0);
	feed_batch_reset(NULL);
}

static void
test_feed_entry_bytes_are_the_batch_bytes(void **state)
{
	struct feed_batch	b;
	struct feed_entry	e[NSAMPLE];
	static const char *const want[NSAMPLE] = { E_DA, E_PA, E_PM, E_SS,
	    E_PO, E_OF, E_DEL };
	size_t			i, n;

	(void)state;
	sample_batch(&b, e);
	for (i = 0; i < NSAMPLE; i++) {
		assert_int_equal(feed_encode_entry(&e[i], enc, sizeof(enc),
		    &n), 0);
		assert_int_equal(n, strlen(want[i]));
		assert_memory_equal(enc, want[i], n);
	}
}

static void
test_feed_noncanonical_input_reencodes_canonically(void **state)
{
	/* Spaces, keys in another order, \u escapes: the same batch. */
	static const char	*loose =
	    " { \"entries\" : [ {\"data\":{\"since\":\"2026-01-02\","
	    "\"reason\":\"stolen\",\"number\":\"N1234567\","
	    "\"issuing_state\":\"\\u004bAZ\"},\"id\":\"da-1\","
	    "\"kind\":\"document_alert\",\"op\":\"upsert\",\"pos\":1} ] ,"
	    "\"to\":10, \"from\":0, \"version\":1 }\n";
	static const char	*want =
	    "{\"version\":1,\"from\":0,\"to\":10,\"entries\":[" E_DA "]}";
	struct feed_batch	b;
	size_t			n;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.entries = items;
	assert_int_equal(dec(loose, &b, FEED_BATCH_MAX, NULL), 0);
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(enc, want, n);
	feed_batch_reset(&b);
}

static void
test_feed_empty_batches(void **state)
{
	struct feed_batch	b;
	size_t			n;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.entries = items;
	assert_int_equal(dec("{\"version\":1,\"from\":42,\"to\":42,"
	    "\"entries\":[]}", &b, FEED_BATCH_MAX, NULL), 0);
	assert_true(b.from == 42 && b.to == 42 && b.n == 0);
	assert_null(b.mem);
	/* (from, to] with no entries: positions the centre compacted. */
	assert_int_equal(dec("{\"version\":1,\"from\":42,\"to\":50,"
	    "\"entries\":[]}", &b, FEED_BATCH_MAX, NULL), 0);
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n), 0);
	assert_int_equal(n, strlen("{\"version\":1,\"from\":42,\"to\":50,"
	    "\"entries\":[]}"));
	b.entries = NULL;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n), 0);
}

/*
 * Malformed input and versions.
 */

static void
test_feed_malformed(void **state)
{
	static const struct {
		const char	*json;
		int		 rc;
		const char	*field;
	} t[] = {
		{ "", ERR_PARSE, "" },
		{ "not json", ERR_PARSE, "" },
		{ "[]", ERR_PARSE, "" },
		{ "null", ERR_PARSE, "" },
		{ "{\"version\":1,\"from\":0,\"to\":1,\"entries\":[]", ERR_PARSE,
		    "" },
		{ "{\"version\":1,\"from\":0,\"to\":1,\"entries\":[]} x",
		    ERR_PARSE, "" },
		{ "{\"version\":1,\"version\":1,\"from\":0,\"to\":1,"
		    "\"entries\":[]}", ERR_PARSE, "" },
		{ "{\"version\":1,\"from\":0,\"to\":1,\"entries\":[],\"x\":1}",
		    ERR_INVAL, "" },
		{ "{\"version\":1,\"to\":1,\"entries\":[]}", ERR_INVAL, "from" },
		{ "{\"version\":1,\"from\":0,\"entries\":[]}", ERR_INVAL, "to" },
		{ "{\"version\":1,\"from\":0,\"to\":1}", ERR_INVAL, "entries" },
		{ "{\"version\":1,\"from\":0,\"to\":1,\"entries\":{}}", ERR_INVAL,
		    "entries" },
		{ "{\"version\":1,\"from\":0,\"to\":1,\"entries\":[1]}",
		    ERR_INVAL, "entries[0]" },
		{ "{\"version\":1,\"from\":-1,\"to\":1,\"entries\":[]}",
		    ERR_INVAL, "from" },
		{ "{\"version\":1,\"from\":\"0\",\"to\":1,\"entries\":[]}",
		    ERR_INVAL, "from" },
		{ "{\"version\":1,\"from\":5,\"to\":4,\"entries\":[]}",
		    ERR_INVAL, "to" },
		{ "{\"version\":1,\"from\":0,\"to\":9007199254740992,"
		    "\"entries\":[]}", ERR_INVAL, "to" },
		{ "{\"version\":1,\"from\":0,\"to\":9007199254740991,"
		    "\"entries\":[]}", 0, NULL },
		{ "{\"version\":1,\"from\":0,\"to\":1e3,\"entries\":[]}",
		    ERR_INVAL, "to" },
		{ "{\"from\":0,\"to\":1,\"entries\":[]}", ERR_VERSION,
		    "version" },
		{ "{\"version\":2,\"from\":0,\"to\":1,\"entries\":[]}",
		    ERR_VERSION, "version" },
		{ "{\"version\":\"1\",\"from\":0,\"to\":1,\"entries\":[]}",
		    ERR_VERSION, "version" },
		{ "{\"version\":0,\"from\":0,\"to\":1,\"entries\":[]}",
		    ERR_VERSION, "version" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect(t[i].json, t[i].rc, t[i].field, t[i].json);
}

static void
test_feed_null_input_and_err(void **state)
{
	struct feed_batch	 b;
	char			*s;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.entries = items;
	assert_int_equal(feed_decode_batch(&b, 1, NULL, 0, NULL), ERR_PARSE);
	assert_int_equal(dec("{", &b, 1, NULL), ERR_PARSE);
	s = one(E_DA);
	assert_int_equal(dec(s, &b, 0, NULL), ERR_TOOBIG);
	free(s);
}

static void
test_feed_unknown_keys_everywhere(void **state)
{
	static const struct {
		const char	*base;
		const char	*path;
		const char	*field;
	} t[] = {
		{ E_DA, "x", "entries[0]" },
		{ E_DA, "data.x", "entries[0].data" },
		{ E_PA, "data.match_key", "entries[0].data" },
		{ E_PM, "data.holder.sex", "entries[0].data.holder" },
		{ E_SS, "data.person.surname", "entries[0].data.person" },
		{ E_PO, "data.timezone", "entries[0].data" },
		{ E_OF, "data.pin", "entries[0].data" },
		{ E_DEL, "reason", "entries[0]" },
	};
	char	*m, *b;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = mutate(t[i].base, t[i].path, "1");
		b = one(m);
		expect(b, ERR_INVAL, t[i].field, t[i].path);
		free(b);
		free(m);
	}
}

/*
 * Every field at and beyond its bound. val NULL removes the key.
 */

struct fcase {
	const char	*base;
	const char	*path;
	const char	*val;
	int		 rc;
	const char	*field;		/* relative to entries[0] */
};

static void
run_cases(const struct fcase *t, size_t n)
{
	char	*m, *b, field[128], what[256];
	size_t	 i;

	for (i = 0; i < n; i++) {
		m = mutate(t[i].base, t[i].path, t[i].val);
		b = one(m);
		(void)snprintf(field, sizeof(field), "entries[0]%s%s",
		    t[i].field != NULL && t[i].field[0] != '\0' ? "." : "",
		    t[i].field != NULL ? t[i].field : "");
		(void)snprintf(what, sizeof(what), "case %zu: %s = %.80s", i,
		    t[i].path, t[i].val != NULL ? t[i].val : "(removed)");
		expect(b, t[i].rc, t[i].rc != 0 ? field : NULL, what);
		free(b);
		free(m);
	}
}

static void
test_feed_entry_fields(void **state)
{
	static const struct fcase t[] = {
		{ E_DA, "pos", "0", ERR_INVAL, "pos" },
		{ E_DA, "pos", "\"1\"", ERR_INVAL, "pos" },
		{ E_DA, "pos", "-1", ERR_INVAL, "pos" },
		{ E_DA, "pos", NULL, ERR_INVAL, "pos" },
		{ E_DA, "op", "\"update\"", ERR_INVAL, "op" },
		{ E_DA, "op", "1", ERR_INVAL, "op" },
		{ E_DA, "kind", "\"visa\"", ERR_INVAL, "kind" },
		{ E_DA, "kind", NULL, ERR_INVAL, "kind" },
		{ E_DA, "id", "\"\"", ERR_INVAL, "id" },
		{ E_DA, "id", "\"a/b\"", ERR_INVAL, "id" },
		{ E_DA, "id", "\"a b\"", ERR_INVAL, "id" },
		{ E_DA, "id", "\"Az09._:-\"", 0, NULL },
		{ E_DA, "id", "\"\\u00e9\"", ERR_INVAL, "id" },
		{ E_DA, "data", NULL, ERR_INVAL, "data" },
		{ E_DA, "data", "[]", ERR_INVAL, "data" },
		{ E_DA, "data", "null", ERR_INVAL, "data" },
		{ E_DEL, "data", "{}", ERR_INVAL, "data" },
		{ E_DEL, "data", "null", ERR_INVAL, "data" },
		{ E_DEL_OF, "id", "\"KZ:42\"", ERR_INVAL, "id" },
		{ E_DEL_OF, "id", "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\"",
		    ERR_INVAL, "id" },
		{ E_DEL_OF, "id", "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\"", 0,
		    NULL },
		{ E_DEL, "kind", "\"policy\"", 0, NULL },
		/* A delete names a (kind, id); it need not know the data. */
		{ E_DEL, "kind", "\"stay_state\"", 0, NULL },
	};
	char	*id;

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));
	/* ids of 64 and 65 bytes */
	id = jstr('x', 64);
	expect_mut(E_DA, "id", id, 0, NULL, "id of 64");
	free(id);
	id = jstr('x', 65);
	expect_mut(E_DA, "id", id, ERR_INVAL, "entries[0].id", "id of 65");
	free(id);
}

static void
test_feed_document_alert_fields(void **state)
{
	static const struct fcase t[] = {
		{ E_DA, "data.issuing_state", "\"\"", ERR_INVAL,
		    "data.issuing_state" },
		{ E_DA, "data.issuing_state", "\"kaz\"", ERR_INVAL,
		    "data.issuing_state" },
		{ E_DA, "data.issuing_state", "\"ABCD\"", ERR_INVAL,
		    "data.issuing_state" },
		{ E_DA, "data.issuing_state", "\"D\"", 0, NULL },
		{ E_DA, "data.issuing_state", "3", ERR_INVAL,
		    "data.issuing_state" },
		{ E_DA, "data.number", "\"ABCDEFGHIJKLMNOPQRSTUVWX\"", 0,
		    NULL },
		{ E_DA, "data.number", "\"ABCDEFGHIJKLMNOPQRSTUVWXY\"",
		    ERR_INVAL, "data.number" },
		{ E_DA, "data.number", "\"n123\"", ERR_INVAL, "data.number" },
		{ E_DA, "data.number", "\"N-123\"", ERR_INVAL, "data.number" },
		{ E_DA, "data.number", NULL, ERR_INVAL, "data.number" },
		{ E_DA, "data.reason", "\"lost\"", 0, NULL },
		{ E_DA, "data.reason", "\"invalidated\"", 0, NULL },
		{ E_DA, "data.reason", "\"revoked\"", 0, NULL },
		{ E_DA, "data.reason", "\"found\"", ERR_INVAL, "data.reason" },
		{ E_DA, "data.reason", "\"LOST\"", ERR_INVAL, "data.reason" },
		{ E_DA, "data.since", "\"2026-02-30\"", ERR_INVAL,
		    "data.since" },
		{ E_DA, "data.since", "\"1899-12-31\"", ERR_INVAL,
		    "data.since" },
		{ E_DA, "data.since", "\"1900-01-01\"", 0, NULL },
		{ E_DA, "data.since", "\"2199-12-31\"", 0, NULL },
		{ E_DA, "data.since", "\"2200-01-01\"", ERR_INVAL,
		    "data.since" },
		{ E_DA, "data.since", "\"2026-1-02\"", ERR_INVAL,
		    "data.since" },
		{ E_DA, "data.since", "null", ERR_INVAL, "data.since" },
	};

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));
}

static void
test_feed_person_alert_fields(void **state)
{
	static const struct fcase t[] = {
		{ E_PA, "data.kind", "\"exit_ban\"", 0, NULL },
		{ E_PA, "data.kind", "\"wanted\"", 0, NULL },
		{ E_PA, "data.kind", "\"ban\"", ERR_INVAL, "data.kind" },
		{ E_PA, "data.surname", "\"\"", ERR_INVAL, "data.surname" },
		{ E_PA, "data.surname", "\"   \"", ERR_INVAL, "data.surname" },
		{ E_PA, "data.surname", "\"\\u00a0\"", ERR_INVAL,
		    "data.surname" },
		{ E_PA, "data.surname", "\"AB\\u0007\"", ERR_INVAL,
		    "data.surname" },
		{ E_PA, "data.surname", "\"AB\\u0085\"", ERR_INVAL,
		    "data.surname" },
		{ E_PA, "data.surname", "\"AB\\nC\"", ERR_INVAL,
		    "data.surname" },
		{ E_PA, "data.surname", "\"O'Neill-Жұмабаев 王\"", 0, NULL },
		{ E_PA, "data.surname", "null", ERR_INVAL, "data.surname" },
		{ E_PA, "data.given_names", "\"\"", 0, NULL },
		{ E_PA, "data.given_names", "\"  \"", ERR_INVAL,
		    "data.given_names" },
		{ E_PA, "data.given_names", NULL, ERR_INVAL,
		    "data.given_names" },
		{ E_PA, "data.birth_date", "\"1990\"", 0, NULL },
		{ E_PA, "data.birth_date", "\"1990-12\"", 0, NULL },
		{ E_PA, "data.birth_date", "\"1990-12-31\"", 0, NULL },
		{ E_PA, "data.birth_date", "\"1990-13\"", ERR_INVAL,
		    "data.birth_date" },
		{ E_PA, "data.birth_date", "\"1990-00\"", ERR_INVAL,
		    "data.birth_date" },
		{ E_PA, "data.birth_date", "\"1990-1\"", ERR_INVAL,
		    "data.birth_date" },
		{ E_PA, "data.birth_date", "\"90\"", ERR_INVAL,
		    "data.birth_date" },
		{ E_PA, "data.birth_date", "\"1899\"", ERR_INVAL,
		    "data.birth_date" },
		{ E_PA, "data.birth_date", "\"1990-02-30\"", ERR_INVAL,
		    "data.birth_date" },
		{ E_PA, "data.birth_date", "\"1990/12\"", ERR_INVAL,
		    "data.birth_date" },
		{ E_PA, "data.birth_date", "\"\"", ERR_INVAL,
		    "data.birth_date" },
		{ E_PA, "data.nationality", "\"\"", 0, NULL },
		{ E_PA, "data.nationality", "\"RU1\"", ERR_INVAL,
		    "data.nationality" },
		{ E_PA, "data.nationality", "null", ERR_INVAL,
		    "data.nationality" },
		{ E_PA, "data.until", "null", 0, NULL },
		{ E_PA, "data.until", "\"\"", ERR_INVAL, "data.until" },
		{ E_PA, "data.until", "\"2030-02-29\"", ERR_INVAL,
		    "data.until" },
		{ E_PA, "data.until", NULL, ERR_INVAL, "data.until" },
		{ E_PA, "data.severity", "0", ERR_INVAL, "data.severity" },
		{ E_PA, "data.severity", "1", 0, NULL },
		{ E_PA, "data.severity", "5", 0, NULL },
		{ E_PA, "data.severity", "6", ERR_INVAL, "data.severity" },
		{ E_PA, "data.severity", "3.0", ERR_INVAL, "data.severity" },
		{ E_PA, "data.severity", "\"3\"", ERR_INVAL, "data.severity" },
		{ E_PA, "data.severity", "null", ERR_INVAL, "data.severity" },
		{ E_PA, "data.source", "\"\"", ERR_INVAL, "data.source" },
		{ E_PA, "data.source", "null", ERR_INVAL, "data.source" },
	};
	char	*s;

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));
	/* 128 bytes of name, in two-byte letters and in ASCII, and 129 */
	expect_mut(E_PA, "data.surname", "\"ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ"
	    "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ\"", 0, NULL,
	    "64 Cyrillic letters");
	expect_mut(E_PA, "data.surname", "\"ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ"
	    "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖA\"", ERR_INVAL,
	    "entries[0].data.surname", "129 bytes of Cyrillic");
	s = jstr('A', 128);
	expect_mut(E_PA, "data.source", s, 0, NULL, "source of 128");
	free(s);
	s = jstr('A', 129);
	expect_mut(E_PA, "data.given_names", s, ERR_INVAL,
	    "entries[0].data.given_names", "given of 129");
	free(s);
}

static void
test_feed_permit_fields(void **state)
{
	static const struct fcase t[] = {
		{ E_PM, "data.kind", "\"visa\"", 0, NULL },
		{ E_PM, "data.kind", "\"residence_permit\"", 0, NULL },
		{ E_PM, "data.kind", "\"refugee\"", 0, NULL },
		{ E_PM, "data.kind", "\"asylum\"", 0, NULL },
		{ E_PM, "data.kind", "\"repatriate\"", 0, NULL },
		{ E_PM, "data.kind", "\"tourist\"", ERR_INVAL, "data.kind" },
		{ E_PM, "data.holder", NULL, ERR_INVAL, "data.holder" },
		{ E_PM, "data.holder", "\"x\"", ERR_INVAL, "data.holder" },
		{ E_PM, "data.holder.number", "\"\"", ERR_INVAL,
		    "data.holder.number" },
		{ E_PM, "data.holder.issuing_state", NULL, ERR_INVAL,
		    "data.holder.issuing_state" },
		{ E_PM, "data.holder.nationality", "\"\"", ERR_INVAL,
		    "data.holder.nationality" },
		{ E_PM, "data.holder.surname", "\"\"", ERR_INVAL,
		    "data.holder.surname" },
		{ E_PM, "data.holder.given_names", "\"\"", 0, NULL },
		{ E_PM, "data.holder.birth_date", "\"1988\"", ERR_INVAL,
		    "data.holder.birth_date" },
		{ E_PM, "data.valid_from", "\"2026-12-31\"", 0, NULL },
		{ E_PM, "data.valid_from", "\"2027-01-01\"", ERR_INVAL,
		    "data.valid_until" },
		{ E_PM, "data.valid_until", "null", ERR_INVAL,
		    "data.valid_until" },
		{ E_PM, "data.entries", "0", ERR_INVAL, "data.entries" },
		{ E_PM, "data.entries", "1", 0, NULL },
		{ E_PM, "data.entries", "65535", 0, NULL },
		{ E_PM, "data.entries", "65536", ERR_INVAL, "data.entries" },
		{ E_PM, "data.entries", NULL, ERR_INVAL, "data.entries" },
		{ E_PM, "data.entries_used", "-1", ERR_INVAL,
		    "data.entries_used" },
		{ E_PM, "data.entries_used", "65535", 0, NULL },
		{ E_PM, "data.entries_used", "null", ERR_INVAL,
		    "data.entries_used" },
		{ E_PM, "data.stay_days", "0", ERR_INVAL, "data.stay_days" },
		{ E_PM, "data.stay_days", "30", 0, NULL },
		{ E_PM, "data.stay_days", "3660", 0, NULL },
		{ E_PM, "data.stay_days", "3661", ERR_INVAL,
		    "data.stay_days" },
		{ E_PM, "data.employer", "null", 0, NULL },
		{ E_PM, "data.employer", "\"\"", ERR_INVAL, "data.employer" },
		{ E_PM, "data.employer", "false", ERR_INVAL, "data.employer" },
		{ E_PM, "data.region", "null", 0, NULL },
		{ E_PM, "data.region", NULL, ERR_INVAL, "data.region" },
	};

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));
}

static void
test_feed_stay_state_fields(void **state)
{
	static const struct fcase t[] = {
		{ E_SS, "data.stays", "[]", 0, NULL },
		{ E_SS, "data.stays", "[[\"2026-01-01\",\"2026-01-01\"]]", 0,
		    NULL },
		{ E_SS, "data.stays", "[[\"2026-01-01\",null]]", 0, NULL },
		{ E_SS, "data.stays", "[[\"2026-01-01\",null],"
		    "[\"2026-02-01\",\"2026-02-02\"]]", ERR_INVAL,
		    "data.stays[0]" },
		{ E_SS, "data.stays", "[[\"2026-01-01\",\"2026-01-10\"],"
		    "[\"2026-01-05\",\"2026-02-02\"]]", ERR_INVAL,
		    "data.stays[1]" },
		{ E_SS, "data.stays", "[[\"2026-01-01\",\"2026-01-10\"],"
		    "[\"2026-01-10\",\"2026-02-02\"]]", ERR_INVAL,
		    "data.stays[1]" },
		{ E_SS, "data.stays", "[[\"2026-01-01\",\"2026-01-10\"],"
		    "[\"2026-01-11\",\"2026-02-02\"]]", 0, NULL },
		{ E_SS, "data.stays", "[[\"2026-01-10\",\"2026-01-01\"]]",
		    ERR_INVAL, "data.stays[0]" },
		{ E_SS, "data.stays", "[[\"2026-02-10\",\"2026-02-11\"],"
		    "[\"2026-01-01\",\"2026-01-02\"]]", ERR_INVAL,
		    "data.stays[1]" },
		{ E_SS, "data.stays", "[[\"2026-01-01\"]]", ERR_INVAL,
		    "data.stays[0]" },
		{ E_SS, "data.stays", "[[\"2026-01-01\",null,null]]",
		    ERR_INVAL, "data.stays[0]" },
		{ E_SS, "data.stays", "[\"2026-01-01..\"]", ERR_INVAL,
		    "data.stays[0]" },
		{ E_SS, "data.stays", "[[null,\"2026-01-01\"]]", ERR_INVAL,
		    "data.stays[0][0]" },
		{ E_SS, "data.stays", "[[\"2026-01-01\",\"2026-02-30\"]]",
		    ERR_INVAL, "data.stays[0][1]" },
		{ E_SS, "data.stays", "[[\"1899-12-31\",\"1900-01-02\"]]",
		    ERR_INVAL, "data.stays[0][0]" },
		{ E_SS, "data.stays", "null", ERR_INVAL, "data.stays" },
		{ E_SS, "data.stays", NULL, ERR_INVAL, "data.stays" },
		{ E_SS, "data.person", NULL, ERR_INVAL, "data.person" },
		{ E_SS, "data.person.birth_date", "\"1979-03\"", ERR_INVAL,
		    "data.person.birth_date" },
		{ E_SS, "data.person.number", "\"75 12\"", ERR_INVAL,
		    "data.person.number" },
		{ E_SS, "data.rule", "null", 0, NULL },
		{ E_SS, "data.rule", "\"\"", ERR_INVAL, "data.rule" },
	};
	json_t	*a, *pair;
	char	*s;
	size_t	 i;

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));

	/* 1024 one-day stays fit; 1025 do not. */
	a = json_array();
	for (i = 0; i < FEED_STAYS_MAX + 1; i++) {
		struct date	d;
		char		iso[16];

		date_from_days(days("2020-01-01") + 2 * (int64_t)i, &d);
		assert_int_equal(date_format_iso(&d, iso, sizeof(iso)), 0);
		pair = json_pack("[ss]", iso, iso);
		assert_non_null(pair);
		assert_int_equal(json_array_append_new(a, pair), 0);
		if (i == FEED_STAYS_MAX - 1) {
			s = json_dumps(a, JSON_COMPACT);
			expect_mut(E_SS, "data.stays", s, 0, NULL,
			    "1024 stays");
			free(s);
		}
	}
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	expect_mut(E_SS, "data.stays", s, ERR_INVAL, "entries[0].data.stays",
	    "1025 stays");
	free(s);
}

static void
test_feed_policy_fields(void **state)
{
	static const struct fcase t[] = {
		{ E_PO, "data.version", "\"T-2\"", ERR_INVAL, "data.version" },
		{ E_PO, "data.version", "\"T 1\"", ERR_INVAL, "data.version" },
		{ E_PO, "data.version", "\"\"", ERR_INVAL, "data.version" },
		{ E_PO, "data.yaml", "\"\"", ERR_INVAL, "data.yaml" },
		{ E_PO, "data.yaml", "\"version: T-1\\u0001\"", ERR_INVAL,
		    "data.yaml" },
		{ E_PO, "data.yaml", "\"version: T-1\\n\"", ERR_INVAL,
		    "data.yaml" },
		{ E_PO, "data.yaml", "null", ERR_INVAL, "data.yaml" },
		{ E_PO, "data.yaml", NULL, ERR_INVAL, "data.yaml" },
		{ E_PO, "data.yaml", "\"" POLICY_JSON "\\r\\n# a\\tb\\n\"",
		    0, NULL },
	};
	struct feed_batch	 b;
	struct proto_error	 e;
	char			*m, *j, *big;
	size_t			 n, pad;

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));

	/* The first problem of a policy that does not load, with its
	 * line. */
	m = mutate(E_PO, "data.yaml", "\"" POLICY_JSON "bogus: 1\\n\"");
	j = one(m);
	memset(&b, 0, sizeof(b));
	b.entries = items;
	assert_int_equal(dec(j, &b, FEED_BATCH_MAX, &e), ERR_INVAL);
	assert_string_equal(e.field, "entries[0].data.yaml");
	assert_string_equal(e.message,
	    "is not a valid policy: line 14: unknown key \"bogus\"");
	free(j), free(m);

	/* A problem quoting the text is cut on a character boundary: the
	 * error can still be sent. */
	m = mutate(E_PO, "data.yaml", "\"" POLICY_JSON
	    "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ"
	    "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ"
	    ": 1\\n\"");
	j = one(m);
	assert_int_equal(dec(j, &b, FEED_BATCH_MAX, &e), ERR_INVAL);
	assert_string_equal(e.field, "entries[0].data.yaml");
	assert_int_equal(proto_encode_error(400, &e, enc, sizeof(enc), &n),
	    0);
	free(j), free(m);

	/* 256 KiB of text is allowed (it must still load); one more byte
	 * is not. The padding is a YAML comment. */
	n = strlen(POLICY_JSON);
	big = malloc(FEED_YAML_MAX + 64);
	assert_non_null(big);
	big[0] = '"';
	memcpy(big + 1, POLICY_JSON, n);
	big[1 + n] = '#';
	memset(big + 2 + n, 'x', FEED_YAML_MAX - strlen(POLICY_YAML) - 1);
	pad = 2 + n + FEED_YAML_MAX - strlen(POLICY_YAML) - 1;
	memcpy(big + pad, "\"", 2);
	expect_mut(E_PO, "data.yaml", big, 0, NULL, "yaml of 256 KiB");
	memcpy(big + pad, "x\"", 3);
	expect_mut(E_PO, "data.yaml", big, ERR_INVAL, "entries[0].data.yaml",
	    "yaml over 256 KiB");
	free(big);
}

static void
test_feed_officer_fields(void **state)
{
	static const struct fcase t[] = {
		{ E_OF, "data.id", "\"KZ0043\"", ERR_INVAL, "data.id" },
		{ E_OF, "data.id", NULL, ERR_INVAL, "data.id" },
		{ E_OF, "data.name", "\"\"", ERR_INVAL, "data.name" },
		{ E_OF, "data.active", "false", 0, NULL },
		{ E_OF, "data.active", "1", ERR_INVAL, "data.active" },
		{ E_OF, "data.active", "\"yes\"", ERR_INVAL, "data.active" },
		{ E_OF, "data.pin_hash", "\"1234\"", ERR_INVAL,
		    "data.pin_hash" },
		{ E_OF, "data.pin_hash", "\"$argon2id\"", ERR_INVAL,
		    "data.pin_hash" },
		{ E_OF, "data.pin_hash", "\"$argon2id$salt\"", ERR_INVAL,
		    "data.pin_hash" },
		{ E_OF, "data.pin_hash", "\"$argon2id$c2FsdA$aGFzaA\"", 0,
		    NULL },
		{ E_OF, "data.pin_hash", "\"$pbkdf2-sha256$i=600000$c2FsdA"
		    "$aGFzaA\"", 0, NULL },
		{ E_OF, "data.pin_hash", "\"$Argon2id$c2FsdA$aGFzaA\"",
		    ERR_INVAL, "data.pin_hash" },
		{ E_OF, "data.pin_hash", "\"$argon2id$$c2FsdA$aGFzaA\"",
		    ERR_INVAL, "data.pin_hash" },
		{ E_OF, "data.pin_hash", "\"$argon2id$c2FsdA$aGFzaA$\"",
		    ERR_INVAL, "data.pin_hash" },
		{ E_OF, "data.pin_hash", "\"$argon2id$c2Fs dA$aGFzaA\"",
		    ERR_INVAL, "data.pin_hash" },
	};
	char	*m;

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));
	/* An officer's id is an officer id: no ":" and at most 32. */
	m = mutate(E_OF, "id", "\"KZ:42\"");
	expect_mut(m, "data.id", "\"KZ:42\"", ERR_INVAL, "entries[0].id",
	    "officer id with a colon");
	free(m);
}

/*
 * Positions.
 */

static void
test_feed_positions(void **state)
{
	static const struct {
		const char	*json;
		int		 rc;
		const char	*field;
	} t[] = {
		/* strictly increasing, within (from, to] */
		{ "{\"version\":1,\"from\":10,\"to\":20,\"entries\":["
		    "{\"pos\":11,\"op\":\"delete\",\"kind\":\"permit\","
		    "\"id\":\"a\"},{\"pos\":20,\"op\":\"delete\","
		    "\"kind\":\"permit\",\"id\":\"a\"}]}", 0, NULL },
		{ "{\"version\":1,\"from\":10,\"to\":20,\"entries\":["
		    "{\"pos\":12,\"op\":\"delete\",\"kind\":\"permit\","
		    "\"id\":\"a\"},{\"pos\":12,\"op\":\"delete\","
		    "\"kind\":\"permit\",\"id\":\"b\"}]}", ERR_INVAL,
		    "entries[1].pos" },
		{ "{\"version\":1,\"from\":10,\"to\":20,\"entries\":["
		    "{\"pos\":15,\"op\":\"delete\",\"kind\":\"permit\","
		    "\"id\":\"a\"},{\"pos\":14,\"op\":\"delete\","
		    "\"kind\":\"permit\",\"id\":\"b\"}]}", ERR_INVAL,
		    "entries[1].pos" },
		{ "{\"version\":1,\"from\":10,\"to\":20,\"entries\":["
		    "{\"pos\":10,\"op\":\"delete\",\"kind\":\"permit\","
		    "\"id\":\"a\"}]}", ERR_INVAL, "entries[0].pos" },
		{ "{\"version\":1,\"from\":10,\"to\":20,\"entries\":["
		    "{\"pos\":21,\"op\":\"delete\",\"kind\":\"permit\","
		    "\"id\":\"a\"}]}", ERR_INVAL, "entries[0].pos" },
		{ "{\"version\":1,\"from\":10,\"to\":20,\"entries\":["
		    "{\"pos\":11,\"op\":\"delete\",\"kind\":\"permit\","
		    "\"id\":\"a\"},{\"pos\":25,\"op\":\"delete\","
		    "\"kind\":\"permit\",\"id\":\"b\"}]}", ERR_INVAL,
		    "entries[1].pos" },
		{ "{\"version\":1,\"from\":10,\"to\":10,\"entries\":["
		    "{\"pos\":10,\"op\":\"delete\",\"kind\":\"permit\","
		    "\"id\":\"a\"}]}", ERR_INVAL, "entries[0].pos" },
		{ "{\"version\":1,\"from\":0,\"to\":9007199254740991,"
		    "\"entries\":[{\"pos\":9007199254740991,\"op\":\"delete\","
		    "\"kind\":\"permit\",\"id\":\"a\"}]}", 0, NULL },
		{ "{\"version\":1,\"from\":0,\"to\":9007199254740991,"
		    "\"entries\":[{\"pos\":9007199254740992,\"op\":\"delete\","
		    "\"kind\":\"permit\",\"id\":\"a\"}]}", ERR_INVAL,
		    "entries[0].pos" },
	};
	struct feed_batch	b;
	struct feed_entry	e[2];
	size_t			i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect(t[i].json, t[i].rc, t[i].field, t[i].json);

	/* The encoder refuses the same. */
	memset(e, 0, sizeof(e));
	e[0].op = e[1].op = FEED_DELETE;
	e[0].kind = e[1].kind = FEED_PERMIT;
	SET(e[0].id, "a");
	SET(e[1].id, "b");
	memset(&b, 0, sizeof(b));
	b.entries = e;
	b.n = 2;
	b.from = 10;
	b.to = 20;
	e[0].pos = 11;
	e[1].pos = 20;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n), 0);
	e[1].pos = 11;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n),
	    ERR_INVAL);
	e[1].pos = 21;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n),
	    ERR_INVAL);
	e[1].pos = 20;
	e[0].pos = 10;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n),
	    ERR_INVAL);
	e[0].pos = 11;
	b.to = 9;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n),
	    ERR_INVAL);
	b.to = 20;
	b.from = FEED_POS_MAX + 1;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n),
	    ERR_INVAL);
	b.from = 10;
	b.n = FEED_BATCH_MAX + 1;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n),
	    ERR_TOOBIG);
	b.n = 1;
	b.entries = NULL;
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n),
	    ERR_INVAL);
}

/* The same (kind, id) twice in a batch: a log may hold both changes. */
static void
test_feed_same_id_twice(void **state)
{
	static const char	*json = "{\"version\":1,\"from\":0,\"to\":3,"
	    "\"entries\":[" E_DA ",{\"pos\":2,\"op\":\"delete\","
	    "\"kind\":\"document_alert\",\"id\":\"da-1\"}]}";

	(void)state;
	expect(json, 0, NULL, "upsert then delete");
}

/*
 * Caps and untouched outputs.
 */

static char *
deletes_json(size_t n)
{
	char	*s, *p;
	size_t	 i, sz;

	sz = 64 + n * 64;
	s = malloc(sz);
	assert_non_null(s);
	p = s + snprintf(s, sz, "{\"version\":1,\"from\":0,\"to\":%zu,"
	    "\"entries\":[", n);
	for (i = 0; i < n; i++)
		p += snprintf(p, sz - (size_t)(p - s), "%s{\"pos\":%zu,"
		    "\"op\":\"delete\",\"kind\":\"person_alert\","
		    "\"id\":\"pa-%zu\"}", i > 0 ? "," : "", i + 1, i);
	(void)snprintf(p, sz - (size_t)(p - s), "]}");
	return s;
}

static void
test_feed_caps(void **state)
{
	struct feed_batch	 b;
	struct proto_error	 e;
	char			*s;
	size_t			 n;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.entries = items;
	s = deletes_json(3);
	assert_int_equal(dec(s, &b, 2, &e), ERR_TOOBIG);
	assert_string_equal(e.field, "entries");
	assert_int_equal(dec(s, &b, 3, &e), 0);
	assert_int_equal(b.n, 3);
	free(s);

	s = deletes_json(FEED_BATCH_MAX);
	assert_int_equal(dec(s, &b, FEED_BATCH_MAX, &e), 0);
	assert_int_equal(b.n, FEED_BATCH_MAX);
	assert_string_equal(b.entries[FEED_BATCH_MAX - 1].id, "pa-4999");
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n), 0);
	assert_int_equal(n, strlen(s));
	assert_memory_equal(enc, s, n);
	free(s);
	s = deletes_json(FEED_BATCH_MAX + 1);
	/* A cap over the bound is the bound. */
	assert_int_equal(dec(s, &b, FEED_BATCH_MAX + 1, &e), ERR_TOOBIG);
	assert_string_equal(e.field, "entries");
	free(s);
	feed_batch_reset(&b);
}

static void
test_feed_failure_leaves_output_untouched(void **state)
{
	static const char *const bad[] = {
		"{",
		"{\"version\":2,\"from\":0,\"to\":10,\"entries\":[]}",
		/* the last entry is bad, after good ones were decoded */
		"{\"version\":1,\"from\":0,\"to\":10,\"entries\":[" E_DA ","
		    E_PA "," E_SS ",{\"pos\":9,\"op\":\"delete\","
		    "\"kind\":\"x\",\"id\":\"a\"}]}",
		"{\"version\":1,\"from\":3,\"to\":10,\"entries\":[" E_DA "]}",
	};
	struct feed_batch	b, snap;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(items, 0xa5, 4 * sizeof(items[0]));
		memset(&b, 0x5a, sizeof(b));
		b.entries = items;
		snap = b;
		assert_int_not_equal(dec(bad[i], &b, FEED_BATCH_MAX, NULL), 0);
		assert_memory_equal(&b, &snap, sizeof(b));
		memset(items2, 0xa5, 4 * sizeof(items2[0]));
		assert_memory_equal(items, items2, 4 * sizeof(items[0]));
	}
}

/*
 * Encoding.
 */

static void
test_feed_encoder_checks_and_buffers(void **state)
{
	struct feed_batch	 b;
	struct feed_entry	 e[NSAMPLE];
	struct proto_error	 err;
	size_t			 n, full, sz;
	static struct stay	 bad_stays[2];

	(void)state;
	sample_batch(&b, e);
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &full), 0);
	for (sz = 0; sz < full; sz++)
		assert_int_equal(feed_encode_batch(&b, enc, sz, &n),
		    ERR_TOOBIG);
	assert_int_equal(feed_encode_batch(&b, enc, full, &n), 0);
	assert_int_equal(n, full);

	/* Each kind's struct is checked before a byte is written. */
	sample_batch(&b, e);
	SET(e[0].data.document_alert.since, "2026-02-30");
	assert_int_equal(feed_check_entry(&e[0], &err), 0);
	assert_string_equal(err.field, "data.since");
	assert_int_equal(feed_encode_entry(&e[0], enc, sizeof(enc), &n),
	    ERR_INVAL);
	assert_int_equal(feed_encode_batch(&b, enc, sizeof(enc), &n),
	    ERR_INVAL);
	assert_int_equal(feed_check_batch(&b, &err), 0);
	assert_string_equal(err.field, "entries[0].data.since");

	sample_batch(&b, e);
	e[1].data.person_alert.severity = 6;
	assert_int_equal(feed_check_entry(&e[1], &err), 0);
	assert_string_equal(err.field, "data.severity");
	e[1].data.person_alert.severity = 1;
	memset(e[1].data.person_alert.surname, 'A',
	    sizeof(e[1].data.person_alert.surname));
	assert_int_equal(feed_check_entry(&e[1], &err), 0);
	assert_string_equal(err.field, "data.surname");
	assert_string_equal(err.message, "is not terminated");

	sample_batch(&b, e);
	e[2].data.permit.kind = POLICY_PERMIT_KINDS;
	assert_int_equal(feed_check_entry(&e[2], &err), 0);
	assert_string_equal(err.field, "data.kind");
	e[2].data.permit.kind = POLICY_PERMIT_VISA;
	e[2].data.permit.entries = 0;
	assert_int_equal(feed_check_entry(&e[2], &err), 0);
	assert_string_equal(err.field, "data.entries");

	sample_batch(&b, e);
	bad_stays[0].entry = days("2026-01-10");
	bad_stays[0].exit = STAY_OPEN;
	bad_stays[1].entry = days("2026-03-01");
	bad_stays[1].exit = days("2026-03-02");
	e[3].data.stay_state.stays = bad_stays;
	assert_int_equal(feed_check_entry(&e[3], &err), 0);
	assert_string_equal(err.field, "data.stays[0]");
	e[3].data.stay_state.stays = NULL;
	assert_int_equal(feed_check_entry(&e[3], &err), 0);
	e[3].data.stay_state.nstays = FEED_STAYS_MAX + 1;
	assert_int_equal(feed_check_entry(&e[3], &err), 0);

	sample_batch(&b, e);
	e[4].data.policy.yaml_len = 5;
	assert_int_equal(feed_check_entry(&e[4], &err), 0);
	assert_string_equal(err.field, "data.yaml");
	e[4].data.policy.yaml = NULL;
	assert_int_equal(feed_check_entry(&e[4], &err), 0);

	sample_batch(&b, e);
	e[5].data.officer.active = 2;
	assert_int_equal(feed_check_entry(&e[5], &err), 0);
	assert_string_equal(err.field, "data.active");

	sample_batch(&b, e);
	e[6].op = 3;
	assert_int_equal(feed_check_entry(&e[6], NULL), 0);
	e[6].op = FEED_DELETE;
	e[6].kind = 7;
	assert_int_equal(feed_check_entry(&e[6], NULL), 0);
	e[6].kind = 0;
	assert_int_equal(feed_check_entry(&e[6], NULL), 0);
	e[6].kind = FEED_PERMIT;
	e[6].pos = 0;
	assert_int_equal(feed_check_entry(&e[6], NULL), 0);
	e[6].pos = FEED_POS_MAX + 1;
	assert_int_equal(feed_check_entry(&e[6], NULL), 0);
}

static void
test_feed_same_entry(void **state)
{
	struct feed_batch	b;
	struct feed_entry	e[NSAMPLE], f[NSAMPLE];
	static char		yaml[sizeof(POLICY_YAML)];
	static struct stay	st2[2];
	size_t			i;

	(void)state;
	sample_batch(&b, e);
	memcpy(f, e, sizeof(f));
	for (i = 0; i < NSAMPLE; i++)
		assert_true(feed_check_same_entry(&e[i], &f[i]));
	/* By content, not by pointer. */
	memcpy(yaml, POLICY_YAML, sizeof(yaml));
	f[4].data.policy.yaml = yaml;
	memcpy(st2, stays_buf, sizeof(st2));
	f[3].data.stay_state.stays = st2;
	assert_true(feed_check_same_entry(&e[4], &f[4]));
	assert_true(feed_check_same_entry(&e[3], &f[3]));
	yaml[3] = 'X';
	assert_false(feed_check_same_entry(&e[4], &f[4]));
	st2[1].exit = days("2026-03-05");
	assert_false(feed_check_same_entry(&e[3], &f[3]));
	/* One field apart. */
	f[0].data.document_alert.reason = FEED_LOST;
	assert_false(feed_check_same_entry(&e[0], &f[0]));
	SET(f[1].data.person_alert.given_names, "Аскар");
	assert_false(feed_check_same_entry(&e[1], &f[1]));
	f[2].data.permit.entries_used = 1;
	assert_false(feed_check_same_entry(&e[2], &f[2]));
	f[5].data.officer.active = 0;
	assert_false(feed_check_same_entry(&e[5], &f[5]));
	f[6].pos = 99;
	assert_false(feed_check_same_entry(&e[6], &f[6]));
	/* A delete's data does not count. */
	memcpy(&f[6], &e[6], sizeof(f[6]));
	f[6].data.officer.active = 1;
	assert_true(feed_check_same_entry(&e[6], &f[6]));
}

static void
test_feed_names(void **state)
{
	enum feed_kind	k;
	int		i;

	(void)state;
	for (i = FEED_DOCUMENT_ALERT; i <= FEED_KIND_MAX; i++) {
		const char *s = feed_kind_str((enum feed_kind)i);

		assert_int_equal(feed_kind_parse(s, strlen(s), &k), 0);
		assert_int_equal(k, i);
	}
	assert_int_equal(feed_kind_parse("permits", 7, &k), ERR_PARSE);
	assert_int_equal(feed_kind_parse("permit", 5, &k), ERR_PARSE);
	assert_string_equal(feed_kind_str(0), "invalid");
	assert_string_equal(feed_kind_str(7), "invalid");
	assert_string_equal(feed_op_str(FEED_DELETE), "delete");
	assert_string_equal(feed_reason_str(FEED_REVOKED), "revoked");
	assert_string_equal(feed_alert_kind_str(FEED_WANTED), "wanted");
	assert_string_equal(feed_alert_kind_str(4), "invalid");
	assert_true(feed_check_id("a", 1));
	assert_false(feed_check_id("", 0));
	assert_false(feed_check_id(NULL, 1));
	assert_false(feed_check_id("a\0b", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_encodes_every_kind_canonically),
		cmocka_unit_test(test_feed_entry_bytes_are_the_batch_bytes),
		cmocka_unit_test(
		    test_feed_noncanonical_input_reencodes_canonically),
		cmocka_unit_test(test_feed_empty_batches),
		cmocka_unit_test(test_feed_malformed),
		cmocka_unit_test(test_feed_null_input_and_err),
		cmocka_unit_test(test_feed_unknown_keys_everywhere),
		cmocka_unit_test(test_feed_entry_fields),
		cmocka_unit_test(test_feed_document_alert_fields),
		cmocka_unit_test(test_feed_person_alert_fields),
		cmocka_unit_test(test_feed_permit_fields),
		cmocka_unit_test(test_feed_stay_state_fields),
		cmocka_unit_test(test_feed_policy_fields),
		cmocka_unit_test(test_feed_officer_fields),
		cmocka_unit_test(test_feed_positions),
		cmocka_unit_test(test_feed_same_id_twice),
		cmocka_unit_test(test_feed_caps),
		cmocka_unit_test(test_feed_failure_leaves_output_untouched),
		cmocka_unit_test(test_feed_encoder_checks_and_buffers),
		cmocka_unit_test(test_feed_same_entry),
		cmocka_unit_test(test_feed_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
