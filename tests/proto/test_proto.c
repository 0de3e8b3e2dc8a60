/* test_proto.c - the wire codec: every field at and beyond its bound, each
 * message type, malformed JSON, versions, unknown and duplicate keys,
 * duplicate seq, the lane's request_id, caps, small encoder buffers and round trips. Bodies are
 * decoded from a heap copy of exactly their length (no NUL after it), so
 * ASan catches a read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "err.h"
#include "proto.h"

#define CANON_DOC \
	"{\"type\":\"P\",\"issuing_state\":\"KAZ\",\"number\":\"N1234567\"," \
	"\"nationality\":\"KAZ\",\"surname\":\"ABENOV\"," \
	"\"given_names\":\"ASKAR\",\"birth_date\":\"1990-01-31\"," \
	"\"sex\":\"M\",\"expiry_date\":\"2030-01-30\"}"
#define CANON_CROSSING \
	"{\"seq\":12,\"recorded_at\":\"2026-11-27T01:02:03.123Z\"," \
	"\"direction\":\"entry\",\"lane\":3,\"officer\":\"KZ0042\"," \
	"\"outcome\":\"admit\",\"document\":" CANON_DOC "}"
#define CANON_LANE \
	"{\"direction\":\"entry\",\"lane\":3,\"officer\":\"KZ0042\"," \
	"\"outcome\":\"admit\",\"document\":" CANON_DOC "}"
#define T_CANON		INT64_C(1795741323123)
#define REQID		"ALA01-11-000042"
#define CANON_LANE_REQID \
	"{\"request_id\":\"" REQID "\",\"direction\":\"entry\",\"lane\":3," \
	"\"officer\":\"KZ0042\",\"outcome\":\"admit\",\"document\":" \
	CANON_DOC "}"

struct body {
	uint8_t	*p;
	size_t	 len;
};

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

static struct body
body(const char *s)
{
	return body_n(s, strlen(s));
}

static void
sample_crossing(struct proto_crossing *c, uint64_t seq)
{
	memset(c, 0, sizeof(*c));
	c->seq = seq;
	c->recorded_at = seq != 0 ? T_CANON : 0;
	c->direction = PROTO_ENTRY;
	c->lane = 3;
	snprintf(c->officer, sizeof(c->officer), "KZ0042");
	c->outcome = PROTO_ADMIT;
	snprintf(c->doc.type, sizeof(c->doc.type), "P");
	snprintf(c->doc.issuing_state, sizeof(c->doc.issuing_state), "KAZ");
	snprintf(c->doc.number, sizeof(c->doc.number), "N1234567");
	snprintf(c->doc.nationality, sizeof(c->doc.nationality), "KAZ");
	snprintf(c->doc.surname, sizeof(c->doc.surname), "ABENOV");
	snprintf(c->doc.given_names, sizeof(c->doc.given_names), "ASKAR");
	snprintf(c->doc.birth_date, sizeof(c->doc.birth_date), "1990-01-31");
	c->doc.sex = 'M';
	snprintf(c->doc.expiry_date, sizeof(c->doc.expiry_date),
	    "2030-01-30");
}

/* Field by field: padding and bytes after a NUL do not count. */
static void
assert_crossing_eq(const struct proto_crossing *a,
    const struct proto_crossing *b)
{
	assert_true(a->seq == b->seq);
	assert_true(a->recorded_at == b->recorded_at);
	assert_int_equal(a->direction, b->direction);
	assert_int_equal(a->lane, b->lane);
	assert_string_equal(a->officer, b->officer);
	assert_int_equal(a->outcome, b->outcome);
	assert_string_equal(a->doc.type, b->doc.type);
	assert_string_equal(a->doc.issuing_state, b->doc.issuing_state);
	assert_string_equal(a->doc.number, b->doc.number);
	assert_string_equal(a->doc.nationality, b->doc.nationality);
	assert_string_equal(a->doc.surname, b->doc.surname);
	assert_string_equal(a->doc.given_names, b->doc.given_names);
	assert_string_equal(a->doc.birth_date, b->doc.birth_date);
	assert_int_equal(a->doc.sex, b->doc.sex);
	assert_string_equal(a->doc.expiry_date, b->doc.expiry_date);
	assert_string_equal(a->request_id, b->request_id);
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
	assert_non_null(root);
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

static int
dec_crossing(const char *json, struct proto_crossing *c,
    struct proto_error *e)
{
	struct body	b = body(json);
	int		rc;

	rc = proto_decode_crossing(c, b.p, b.len, e);
	free(b.p);
	return rc;
}

static int
dec_lane(const char *json, struct proto_crossing *c, struct proto_error *e)
{
	struct body	b = body(json);
	int		rc;

	rc = proto_decode_lane_crossing(c, b.p, b.len, e);
	free(b.p);
	return rc;
}

static int
dec_batch(const char *json, struct proto_batch *out, size_t cap,
    struct proto_error *e)
{
	struct body	b = body(json);
	int		rc;

	rc = proto_decode_batch(out, cap, b.p, b.len, e);
	free(b.p);
	return rc;
}

static void
expect_err(int rc, const struct proto_error *e, int want_rc,
    const char *field, const char *msg, const char *what)
{
	if (rc != want_rc)
		fail_msg("%s: rc %d (%s), want %d; field \"%s\": %s", what, rc,
		    err_str(rc), want_rc, e->field, e->message);
	if (field != NULL && strcmp(e->field, field) != 0)
		fail_msg("%s: field \"%s\", want \"%s\" (%s)", what, e->field,
		    field, e->message);
	if (msg != NULL && strstr(e->message, msg) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", what, e->message,
		    msg);
}

static char *
repeat(const char *unit, size_t n)
{
	size_t	 ul = strlen(unit), i;
	char	*s;

	s = malloc(ul * n + 3);
	assert_non_null(s);
	s[0] = '"';
	for (i = 0; i < n; i++)
		memcpy(s + 1 + i * ul, unit, ul);
	s[1 + ul * n] = '"';
	s[2 + ul * n] = '\0';
	return s;
}

/*
 * Field bounds: one mutation of the canonical crossing per row.
 */
struct fcase {
	const char	*path;
	const char	*val;	/* JSON text; NULL removes the key */
	int		 rc;
	const char	*msg;	/* exact message when rc != 0 */
};

#define OK(p, v)	{ p, v, 0, NULL }
#define BAD(p, v, m)	{ p, v, ERR_INVAL, m }

#define M_INT		"must be an integer, got "
#define M_SEQ		"must be 1..9007199254740991"
#define M_TIME		"must be an RFC 3339 time from 1970 to 9999, " \
			"like \"2026-11-27T01:02:03.123Z\""
#define M_DIR		"must be \"entry\" or \"exit\""
#define M_OUT		"must be \"admit\", \"refuse\" or \"refer\""
#define M_OFF		"must be 1..32 characters A-Z, a-z, 0-9, \".\", " \
			"\"_\" or \"-\""
#define M_TYPE		"must be a letter A-Z, optionally followed by " \
			"A-Z or \"<\""
#define M_STATE		"must be 1..3 letters A-Z"
#define M_NUM		"must be 1..24 characters A-Z or 0-9"
#define M_DATE		"must be a date YYYY-MM-DD"
#define M_YEARS		"must be a date in the years 1900..2199"
#define M_SEX		"must be \"M\", \"F\" or \"X\""

static const struct fcase crossing_cases[] = {
	OK("seq", "1"),
	OK("seq", "9007199254740991"),
	BAD("seq", "9007199254740992", M_SEQ),
	BAD("seq", "0", M_SEQ),
	BAD("seq", "-1", M_SEQ),
	BAD("seq", "\"12\"", M_INT "a string"),
	BAD("seq", "12.0", M_INT "a real number"),
	BAD("seq", "true", M_INT "a boolean"),
	BAD("seq", "null", M_INT "null"),
	BAD("seq", NULL, "is required"),
	OK("recorded_at", "\"1970-01-01T00:00:00.001Z\""),
	OK("recorded_at", "\"9999-12-31T23:59:59.999Z\""),
	OK("recorded_at", "\"2026-11-27T06:02:03.123456+05:00\""),
	BAD("recorded_at", "\"1970-01-01T00:00:00.000Z\"", M_TIME),
	BAD("recorded_at", "\"1969-12-31T23:59:59Z\"", M_TIME),
	BAD("recorded_at", "\"2026-11-27\"", M_TIME),
	BAD("recorded_at", "\"2026-11-27T01:02:03\"", M_TIME),
	BAD("recorded_at", "\"2026-02-29T01:02:03Z\"", M_TIME),
	BAD("recorded_at", "\"\"", M_TIME),
	BAD("recorded_at", "1795741323123", "must be a string, got an integer"),
	BAD("recorded_at", NULL, "is required"),
	OK("direction", "\"exit\""),
	BAD("direction", "\"Entry\"", M_DIR),
	BAD("direction", "\"entry \"", M_DIR),
	BAD("direction", "\"\"", M_DIR),
	BAD("direction", "1", M_DIR ", got an integer"),
	BAD("direction", NULL, "is required"),
	OK("lane", "1"),
	OK("lane", "999"),
	BAD("lane", "0", "must be 1..999"),
	BAD("lane", "1000", "must be 1..999"),
	BAD("lane", "-3", "must be 1..999"),
	BAD("lane", "\"3\"", M_INT "a string"),
	BAD("lane", "3.0", M_INT "a real number"),
	BAD("lane", "true", M_INT "a boolean"),
	BAD("lane", "[3]", M_INT "an array"),
	BAD("lane", NULL, "is required"),
	OK("officer", "\"a\""),
	OK("officer", "\"kz.0042_Officer-9\""),
	OK("officer", "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\""),
	BAD("officer", "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\"", M_OFF),
	BAD("officer", "\"\"", M_OFF),
	BAD("officer", "\"KZ 0042\"", M_OFF),
	BAD("officer", "\"KZ/0042\"", M_OFF),
	BAD("officer", "\"\\u00c4\"", M_OFF),
	BAD("officer", "42", "must be a string, got an integer"),
	BAD("officer", NULL, "is required"),
	OK("outcome", "\"refuse\""),
	OK("outcome", "\"refer\""),
	BAD("outcome", "\"deny\"", M_OUT),
	BAD("outcome", "\"ADMIT\"", M_OUT),
	BAD("outcome", NULL, "is required"),
	BAD("document", "[]", "must be an object, got an array"),
	BAD("document", "\"P\"", "must be an object, got a string"),
	BAD("document", NULL, "is required"),
	OK("document.type", "\"ID\""),
	OK("document.type", "\"P<\""),
	OK("document.type", "\"V\""),
	BAD("document.type", "\"<\"", M_TYPE),
	BAD("document.type", "\"<P\"", M_TYPE),
	BAD("document.type", "\"p\"", M_TYPE),
	BAD("document.type", "\"PPP\"", M_TYPE),
	BAD("document.type", "\"P1\"", M_TYPE),
	BAD("document.type", "\"\"", M_TYPE),
	BAD("document.type", NULL, "is required"),
	OK("document.issuing_state", "\"D\""),
	OK("document.issuing_state", "\"UN\""),
	BAD("document.issuing_state", "\"KAZA\"", M_STATE),
	BAD("document.issuing_state", "\"kaz\"", M_STATE),
	BAD("document.issuing_state", "\"D<<\"", M_STATE),
	BAD("document.issuing_state", "\"\"", M_STATE),
	BAD("document.issuing_state", "null", "must be a string, got null"),
	OK("document.number", "\"ABCDEFGHIJKLMNOPQRSTUVWX\""),
	OK("document.number", "\"0\""),
	BAD("document.number", "\"ABCDEFGHIJKLMNOPQRSTUVWXY\"", M_NUM),
	BAD("document.number", "\"\"", M_NUM),
	BAD("document.number", "\"N123-45\"", M_NUM),
	BAD("document.number", "\"n12345\"", M_NUM),
	BAD("document.number", "\"N12345<\"", M_NUM),
	BAD("document.number", "1234567", "must be a string, got an integer"),
	OK("document.nationality", "\"XXA\""),
	BAD("document.nationality", "\"KAZZ\"", M_STATE),
	BAD("document.nationality", "\"K1\"", M_STATE),
	BAD("document.nationality", NULL, "is required"),
	OK("document.surname", "\"\\u00d1\\u00da\\u00d1EZ\""),
	OK("document.surname", "\"O'NEIL-SMITH\""),
	OK("document.surname", "\"\\u0410\\u0411\\u0415\\u041d\\u041e\\u0412\""),
	OK("document.surname", "\"\\ud83d\\ude00\""),
	BAD("document.surname", "\"\"", "must not be empty"),
	BAD("document.surname", "\"   \"", "must not be blank"),
	BAD("document.surname", "\"\\u00a0\\u3000\"", "must not be blank"),
	BAD("document.surname", "\"A\\tB\"", "must not contain control "
	    "characters"),
	BAD("document.surname", "\"AB\\n\"", "must not contain control "
	    "characters"),
	BAD("document.surname", "\"A\\u007f\"", "must not contain control "
	    "characters"),
	BAD("document.surname", "\"A\\u0085\"", "must not contain control "
	    "characters"),
	BAD("document.surname", "[\"ABENOV\"]", "must be a string, got an "
	    "array"),
	BAD("document.surname", NULL, "is required"),
	OK("document.given_names", "\"\""),
	OK("document.given_names", NULL),
	OK("document.given_names", "\"ASKAR BOLATULY\""),
	BAD("document.given_names", "\" \"", "must not be blank"),
	BAD("document.given_names", "\"A\\rB\"", "must not contain control "
	    "characters"),
	BAD("document.given_names", "null", "must be a string, got null"),
	OK("document.birth_date", "\"1900-01-01\""),
	OK("document.birth_date", "\"2199-12-31\""),
	OK("document.birth_date", "\"2024-02-29\""),
	OK("document.birth_date", "\"2000-02-29\""),
	BAD("document.birth_date", "\"1899-12-31\"", M_YEARS),
	BAD("document.birth_date", "\"2200-01-01\"", M_YEARS),
	BAD("document.birth_date", "\"1900-02-29\"", M_DATE),
	BAD("document.birth_date", "\"2023-02-29\"", M_DATE),
	BAD("document.birth_date", "\"1990-01-32\"", M_DATE),
	BAD("document.birth_date", "\"1990-13-01\"", M_DATE),
	BAD("document.birth_date", "\"1990-1-31\"", M_DATE),
	BAD("document.birth_date", "\"1990-01-31 \"", M_DATE),
	BAD("document.birth_date", "\"1990-01-31T00:00:00Z\"", M_DATE),
	BAD("document.birth_date", "\"900131\"", M_DATE),
	BAD("document.birth_date", "19900131", "must be a string, got an "
	    "integer"),
	BAD("document.birth_date", NULL, "is required"),
	OK("document.sex", "\"F\""),
	OK("document.sex", "\"X\""),
	BAD("document.sex", "\"m\"", M_SEX),
	BAD("document.sex", "\"<\"", M_SEX),
	BAD("document.sex", "\"\"", M_SEX),
	BAD("document.sex", "\"MF\"", M_SEX),
	BAD("document.sex", "true", "must be a string, got a boolean"),
	BAD("document.sex", NULL, "is required"),
	OK("document.expiry_date", "\"2199-12-31\""),
	BAD("document.expiry_date", "\"2200-01-01\"", M_YEARS),
	BAD("document.expiry_date", "\"2030-02-30\"", M_DATE),
	BAD("document.expiry_date", NULL, "is required"),
};

static void
run_fcases(const struct fcase *t, size_t n, const char *base, int lane)
{
	struct proto_crossing	c, before;
	struct proto_error	e;
	char			*json;
	size_t			 i;
	int			 rc;

	for (i = 0; i < n; i++) {
		json = mutate(base, t[i].path, t[i].val);
		memset(&c, 0xa5, sizeof(c));
		before = c;
		memset(&e, 0, sizeof(e));
		rc = lane ? dec_lane(json, &c, &e) : dec_crossing(json, &c, &e);
		if (rc != t[i].rc)
			fail_msg("%s = %s: rc %d, want %d (%s: %s)", t[i].path,
			    t[i].val ? t[i].val : "(absent)", rc, t[i].rc,
			    e.field, e.message);
		if (rc != 0) {
			if (strcmp(e.field, t[i].path) != 0 ||
			    strcmp(e.message, t[i].msg) != 0)
				fail_msg("%s = %s: got \"%s\": \"%s\", want "
				    "\"%s\": \"%s\"", t[i].path, t[i].val ?
				    t[i].val : "(absent)", e.field, e.message,
				    t[i].path, t[i].msg);
			/* The output is untouched on failure. */
			assert_memory_equal(&c, &before, sizeof(c));
		} else
			assert_int_equal(proto_check_crossing(&c, NULL), 1);
		free(json);
	}
}

static void
test_crossing_field_bounds(void **state)
{
	(void)state;
	run_fcases(crossing_cases, sizeof(crossing_cases) /
	    sizeof(crossing_cases[0]), CANON_CROSSING, 0);
}

/* The same document rules apply to a lane request. */
static void
test_lane_field_bounds(void **state)
{
	size_t	i, n = 0;
	struct fcase	t[sizeof(crossing_cases) / sizeof(crossing_cases[0])];

	(void)state;
	for (i = 0; i < sizeof(crossing_cases) / sizeof(crossing_cases[0]);
	    i++) {
		if (strcmp(crossing_cases[i].path, "seq") == 0 ||
		    strcmp(crossing_cases[i].path, "recorded_at") == 0 ||
		    (strcmp(crossing_cases[i].path, "outcome") == 0 &&
		    crossing_cases[i].val == NULL))
			continue;
		t[n++] = crossing_cases[i];
	}
	run_fcases(t, n, CANON_LANE, 1);
}

/* Text bounds counted in bytes, with multi-byte UTF-8. */
static void
test_name_byte_bounds(void **state)
{
	static const struct {
		const char	*path, *unit;
		size_t		 n;
		int		 rc;
	} t[] = {
		{ "document.surname", "A", 128, 0 },
		{ "document.surname", "A", 129, ERR_INVAL },
		{ "document.surname", "\\u00e9", 64, 0 },	/* 2 bytes */
		{ "document.surname", "\\u00e9", 65, ERR_INVAL },
		{ "document.surname", "\\u0416", 64, 0 },
		{ "document.given_names", "B", 128, 0 },
		{ "document.given_names", "B", 129, ERR_INVAL },
		{ "document.given_names", "\\u20ac", 42, 0 },	/* 126 bytes */
		{ "document.given_names", "\\u20ac", 43, ERR_INVAL },
		{ "document.given_names", "\\ud83d\\ude00", 32, 0 },
		{ "document.given_names", "\\ud83d\\ude00", 33, ERR_INVAL },
	};
	struct proto_crossing	c;
	struct proto_error	e;
	char			*val, *json;
	size_t			 i;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		val = repeat(t[i].unit, t[i].n);
		json = mutate(CANON_CROSSING, t[i].path, val);
		rc = dec_crossing(json, &c, &e);
		if (rc != t[i].rc)
			fail_msg("%s x %zu %s: rc %d", t[i].unit, t[i].n,
			    t[i].path, rc);
		if (rc != 0) {
			assert_string_equal(e.field, t[i].path);
			assert_string_equal(e.message,
			    "must be at most 128 bytes");
		}
		free(json);
		free(val);
	}
}

/* Raw bytes jansson itself refuses: bad UTF-8 and NUL. */
static void
test_malformed_json(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;	/* 0: strlen */
		const char	*msg;
	} t[] = {
		{ "{\"seq\":12", 0, "unexpected end of input" },
		{ CANON_CROSSING "x", 0, "unexpected data after" },
		{ CANON_CROSSING "{}", 0, "unexpected data after" },
		{ CANON_CROSSING ",", 0, "unexpected data after" },
		{ "[]", 0, "must be a JSON object, got an array" },
		{ "\"P\"", 0, "must be a JSON object, got a string" },
		{ "12", 0, "must be a JSON object, got an integer" },
		{ "null", 0, "must be a JSON object, got null" },
		{ "", 0, "the body is empty" },
		{ "   ", 0, "malformed JSON" },
		{ "{\"seq\":12,}", 0, "malformed JSON at line 1, column 11: "
		    "string or '}' expected" },
		{ "{'seq':12}", 0, "malformed JSON" },
		{ "{\"a\":\"\xff\"}", 0, "invalid UTF-8" },
		{ "{\"a\":\"\xc0\xaf\"}", 0, "invalid UTF-8" },
		{ "{\"a\":\"\xed\xa0\x80\"}", 0, "invalid UTF-8" },
		{ "{\"a\":\"\\u0000\"}", 0, "\\u0000 is not allowed" },
		{ "{\"a\":\"A\0B\"}", 10, "malformed JSON" },
		{ "{\"a\":1}\0", 8, "unexpected data after" },
		{ "\0{\"a\":1}", 8, "malformed JSON" },
		{ "{\"a\":99999999999999999999}", 0, "number too large" },
		{ "{\"a\":1e999}", 0, "number too large" },
		{ "\xef\xbb\xbf{}", 0, "malformed JSON" },
	};
	struct proto_crossing	c, before;
	struct proto_error	e;
	struct body		b;
	size_t			i, len;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = t[i].len != 0 ? t[i].len : strlen(t[i].s);
		b = body_n(t[i].s, len);
		memset(&c, 0x5a, sizeof(c));
		before = c;
		rc = proto_decode_crossing(&c, b.p, b.len, &e);
		free(b.p);
		expect_err(rc, &e, ERR_PARSE, "", t[i].msg, t[i].s);
		assert_memory_equal(&c, &before, sizeof(c));
	}
	/* Every truncation of a valid body is refused. */
	len = strlen(CANON_CROSSING);
	for (i = 0; i < len; i++) {
		b = body_n(CANON_CROSSING, i);
		rc = proto_decode_crossing(&c, b.p, b.len, &e);
		free(b.p);
		if (rc != ERR_PARSE)
			fail_msg("truncated to %zu: rc %d", i, rc);
	}
	/* Whitespace around the object is fine. */
	assert_int_equal(dec_crossing(" \n" CANON_CROSSING "\r\n\t", &c, &e),
	    0);
}

/* Messages never quote names or document numbers. */
static void
test_no_personal_data_in_errors(void **state)
{
	static const char *const bodies[] = {
		"{\"document\":{\"surname\":ABENOVSECRET}}",
		"{\"document\":{\"surname\":\"ABENOVSECRET\n\"}}",
		"{\"seq\":1,\"document\":{\"number\":\"SECRET99\",}}",
		"[\"ABENOVSECRET\"]x",
	};
	struct proto_crossing	c;
	struct proto_error	e;
	char			*json;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		assert_int_equal(dec_crossing(bodies[i], &c, &e), ERR_PARSE);
		assert_null(strstr(e.message, "SECRET"));
	}
	json = mutate(CANON_CROSSING, "document.surname",
	    "\"ABENOVSECRET\\u0001\"");
	assert_int_equal(dec_crossing(json, &c, &e), ERR_INVAL);
	assert_null(strstr(e.message, "SECRET"));
	free(json);
	json = mutate(CANON_CROSSING, "document.number", "\"SECRET-1\"");
	assert_int_equal(dec_crossing(json, &c, &e), ERR_INVAL);
	assert_null(strstr(e.message, "SECRET"));
	free(json);
}

static void
test_unknown_keys(void **state)
{
	static const struct {
		const char	*path, *field, *msg;
	} t[] = {
		{ "foo", "", "unknown key \"foo\"" },
		{ "document.foo", "document", "unknown key \"foo\"" },
		{ "Seq", "", "unknown key \"Seq\"" },
		{ "version", "", "unknown key \"version\"" },
		{ "document.seq", "document", "unknown key \"seq\"" },
	};
	struct proto_crossing	c;
	struct proto_error	e;
	char			*json;
	size_t			i;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json = mutate(CANON_CROSSING, t[i].path, "1");
		rc = dec_crossing(json, &c, &e);
		expect_err(rc, &e, ERR_INVAL, t[i].field, t[i].msg,
		    t[i].path);
		assert_string_equal(e.message, t[i].msg);
		free(json);
	}
	/* A hostile key is shown cut short and made printable. */
	json = mutate(CANON_CROSSING,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "1");
	assert_int_equal(dec_crossing(json, &c, &e), ERR_INVAL);
	assert_string_equal(e.message,
	    "unknown key \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...\"");
	free(json);
	assert_int_equal(dec_crossing("{\"a\\n\\\"\\u00e9\":1}", &c, &e),
	    ERR_INVAL);
	assert_string_equal(e.message, "unknown key \"a????\"");
}

static void
test_duplicate_keys(void **state)
{
	static const char *const bodies[] = {
		"{\"seq\":12,\"seq\":13}",
		"{\"seq\":12,\"document\":{\"sex\":\"M\",\"sex\":\"F\"}}",
		"{\"version\":1,\"post\":\"ALA01\",\"crossings\":[{\"lane\":1,"
		    "\"lane\":1}]}",
	};
	struct proto_crossing	c;
	struct proto_batch	b;
	struct proto_error	e;
	int			rc;

	(void)state;
	assert_int_equal(dec_crossing(bodies[0], &c, &e), ERR_PARSE);
	assert_string_equal(e.field, "");
	assert_non_null(strstr(e.message, "duplicate key \"seq\""));
	assert_int_equal(dec_crossing(bodies[1], &c, &e), ERR_PARSE);
	assert_non_null(strstr(e.message, "duplicate key \"sex\""));
	b.items = &c;
	rc = dec_batch(bodies[2], &b, 1, &e);
	expect_err(rc, &e, ERR_PARSE, "", "duplicate key \"lane\"", "batch");
}

static void
test_lane_request(void **state)
{
	struct proto_crossing	c, want;
	struct proto_error	e;
	char			*json, *j2;
	int			rc;

	(void)state;
	sample_crossing(&want, 0);
	assert_int_equal(dec_lane(CANON_LANE, &c, &e), 0);
	assert_crossing_eq(&c, &want);
	/* outcome defaults to admit; version is optional but checked. */
	json = mutate(CANON_LANE, "outcome", NULL);
	assert_int_equal(dec_lane(json, &c, &e), 0);
	assert_int_equal(c.outcome, PROTO_ADMIT);
	free(json);
	json = mutate(CANON_LANE, "version", "1");
	assert_int_equal(dec_lane(json, &c, &e), 0);
	assert_crossing_eq(&c, &want);
	free(json);
	json = mutate(CANON_LANE, "version", "2");
	rc = dec_lane(json, &c, &e);
	expect_err(rc, &e, ERR_VERSION, "version", "version 2", "lane v2");
	assert_non_null(strstr(e.message, "speaks version 1"));
	free(json);
	/* The post assigns seq and recorded_at. */
	json = mutate(CANON_LANE, "seq", "5");
	rc = dec_lane(json, &c, &e);
	expect_err(rc, &e, ERR_INVAL, "seq", "must be absent", "lane seq");
	free(json);
	json = mutate(CANON_LANE, "recorded_at", "\"2026-11-27T01:02:03Z\"");
	rc = dec_lane(json, &c, &e);
	expect_err(rc, &e, ERR_INVAL, "recorded_at", "must be absent",
	    "lane recorded_at");
	free(json);
	/* A lane request with a seq is not a stored crossing and back. */
	json = mutate(CANON_LANE, "document.foo", "1");
	rc = dec_lane(json, &c, &e);
	expect_err(rc, &e, ERR_INVAL, "document", "unknown key \"foo\"",
	    "lane unknown");
	free(json);
	assert_int_equal(dec_crossing(CANON_LANE, &c, &e), ERR_INVAL);
	assert_string_equal(e.field, "seq");
	assert_string_equal(e.message, "is required");
	/* Encoding a crossing without seq gives the lane form. */
	json = malloc(1024);
	assert_non_null(json);
	{
		size_t	n;

		assert_int_equal(proto_encode_crossing(&want, json, 1024, &n),
		    0);
		assert_int_equal(n, strlen(CANON_LANE));
		assert_memory_equal(json, CANON_LANE, n);
	}
	free(json);
	/* Outcome "refer" survives. */
	j2 = mutate(CANON_LANE, "outcome", "\"refer\"");
	assert_int_equal(dec_lane(j2, &c, &e), 0);
	assert_int_equal(c.outcome, PROTO_REFER);
	free(j2);
}

/*
 * A lane may send the scanner's MRZ instead of the document fields. The
 * specimen is ICAO Doc 9303 Part 4's TD3 passport of Anna Maria Eriksson
 * (expiry moved to 2032 so that it reads as a future date).
 */
#define MRZ_TD3	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\n" \
		"L898902C36UTO7408122F3204153<<<<<<<<<<<<<<04"

static void
test_lane_request_with_mrz(void **state)
{
	struct proto_crossing	c;
	struct proto_error	e;
	int			rc;

	(void)state;
	rc = dec_lane("{\"direction\":\"entry\",\"lane\":2,\"officer\":"
	    "\"KZ0042\",\"mrz\":\"" MRZ_TD3 "\"}", &c, &e);
	assert_int_equal(rc, 0);
	assert_string_equal(c.doc.type, "P");
	assert_string_equal(c.doc.issuing_state, "UTO");
	assert_string_equal(c.doc.number, "L898902C3");
	assert_string_equal(c.doc.nationality, "UTO");
	assert_string_equal(c.doc.surname, "ERIKSSON");
	assert_string_equal(c.doc.given_names, "ANNA MARIA");
	assert_string_equal(c.doc.birth_date, "1974-08-12");
	assert_int_equal(c.doc.sex, 'F');
	assert_string_equal(c.doc.expiry_date, "2032-04-15");
	assert_int_equal(c.lane, 2);

	/* A wrong check digit: the position, not the content. */
	rc = dec_lane("{\"direction\":\"entry\",\"lane\":2,\"officer\":"
	    "\"KZ0042\",\"mrz\":\"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
	    "\\nL898902C36UTO7408123F3204153<<<<<<<<<<<<<<04\"}", &c, &e);
	expect_err(rc, &e, ERR_INVAL, "mrz", "line 2, column 20", "mrz cd");
	assert_null(strstr(e.message, "ERIKSSON"));
	rc = dec_lane("{\"direction\":\"entry\",\"lane\":2,\"officer\":"
	    "\"KZ0042\",\"mrz\":\"" MRZ_TD3 "\",\"document\":{}}", &c, &e);
	expect_err(rc, &e, ERR_INVAL, "mrz", "not both", "mrz and document");
	rc = dec_lane("{\"direction\":\"entry\",\"lane\":2,\"officer\":"
	    "\"KZ0042\",\"mrz\":7}", &c, &e);
	expect_err(rc, &e, ERR_INVAL, "mrz", "must be a string", "mrz int");
	rc = dec_lane("{\"direction\":\"entry\",\"lane\":2,\"officer\":"
	    "\"KZ0042\",\"mrz\":\"\"}", &c, &e);
	expect_err(rc, &e, ERR_INVAL, "mrz", "1..1024 bytes", "mrz empty");
	/* Neither: the document is what is missing. */
	rc = dec_lane("{\"direction\":\"entry\",\"lane\":2,\"officer\":"
	    "\"KZ0042\"}", &c, &e);
	expect_err(rc, &e, ERR_INVAL, "document", "required", "no document");
	/* A stored crossing never carries an MRZ. */
	rc = dec_crossing("{\"seq\":1,\"recorded_at\":\"2026-11-27T01:02:03.123Z\","
	    "\"direction\":\"entry\",\"lane\":2,\"officer\":\"KZ0042\","
	    "\"outcome\":\"admit\",\"mrz\":\"" MRZ_TD3 "\"}", &c, &e);
	assert_int_equal(rc, ERR_INVAL);
	assert_non_null(strstr(e.message, "unknown key"));
}

static void
test_crossing_round_trip(void **state)
{
	struct proto_crossing	c, back, want;
	struct proto_error	e;
	char			buf[2048];
	size_t			n;

	(void)state;
	sample_crossing(&want, 12);
	assert_int_equal(proto_encode_crossing(&want, buf, sizeof(buf), &n),
	    0);
	assert_int_equal(n, strlen(CANON_CROSSING));
	assert_memory_equal(buf, CANON_CROSSING, n);
	assert_int_equal(dec_crossing(CANON_CROSSING, &c, &e), 0);
	assert_crossing_eq(&c, &want);
	/* Non-canonical input (an offset, a long fraction, spaces, other key
	 * order) decodes to the same crossing and encodes canonically. */
	assert_int_equal(dec_crossing("{ \"document\": " CANON_DOC ", "
	    "\"outcome\": \"admit\", \"officer\": \"KZ0042\", \"lane\": 3, "
	    "\"direction\": \"entry\", "
	    "\"recorded_at\": \"2026-11-27T06:02:03.123999+05:00\", "
	    "\"seq\": 12 }", &back, &e), 0);
	assert_crossing_eq(&back, &want);
	assert_int_equal(proto_encode_crossing(&back, buf, sizeof(buf), &n),
	    0);
	assert_memory_equal(buf, CANON_CROSSING, n);
	/* UTF-8 names, refuse, exit, the largest seq. */
	snprintf(want.doc.surname, sizeof(want.doc.surname),
	    "\xc3\x91\xc3\x9a\xc3\x91" "EZ \xd0\x90");
	memset(want.doc.given_names, 0, sizeof(want.doc.given_names));
	want.outcome = PROTO_REFUSE;
	want.direction = PROTO_EXIT;
	want.seq = UINT64_C(9007199254740991);
	want.lane = 999;
	want.doc.sex = 'X';
	assert_int_equal(proto_encode_crossing(&want, buf, sizeof(buf), &n),
	    0);
	{
		struct body	b = body_n(buf, n);

		assert_int_equal(proto_decode_crossing(&back, b.p, b.len, &e),
		    0);
		free(b.p);
	}
	assert_crossing_eq(&back, &want);
	assert_non_null(strstr(buf, "\"given_names\":\"\""));
	assert_non_null(strstr(buf, "\"seq\":9007199254740991,"));
}

static void
test_encoder_validates(void **state)
{
	struct proto_crossing	c;
	struct proto_error	e;
	char			buf[2048];
	size_t			n = 777;

	(void)state;
#define BAD_ENC(stmt, fld) do {					\
	sample_crossing(&c, 12);					\
	stmt;								\
	assert_int_equal(proto_encode_crossing(&c, buf, sizeof(buf), &n), \
	    ERR_INVAL);							\
	assert_int_equal(n, 777);					\
	assert_int_equal(proto_check_crossing(&c, &e), 0);		\
	assert_string_equal(e.field, fld);				\
} while (0)
	BAD_ENC(c.lane = 0, "lane");
	BAD_ENC(c.lane = 1000, "lane");
	BAD_ENC(c.doc.sex = 'Q', "document.sex");
	BAD_ENC(c.doc.sex = '\0', "document.sex");
	BAD_ENC(c.direction = 0, "direction");
	BAD_ENC(c.direction = 3, "direction");
	BAD_ENC(c.outcome = 0, "outcome");
	BAD_ENC(c.outcome = 4, "outcome");
	BAD_ENC(c.seq = UINT64_C(9007199254740992), "seq");
	BAD_ENC(c.recorded_at = 0, "recorded_at");
	BAD_ENC(c.recorded_at = -5, "recorded_at");
	BAD_ENC(c.recorded_at = INT64_C(253402300800000), "recorded_at");
	BAD_ENC((c.seq = 0, c.recorded_at = T_CANON), "recorded_at");
	BAD_ENC(memset(c.officer, 'A', sizeof(c.officer)), "officer");
	BAD_ENC(c.officer[0] = '\0', "officer");
	BAD_ENC(c.doc.type[0] = 'p', "document.type");
	BAD_ENC(c.doc.number[2] = '-', "document.number");
	BAD_ENC(c.doc.nationality[0] = '\0', "document.nationality");
	BAD_ENC(c.doc.issuing_state[1] = '1', "document.issuing_state");
	BAD_ENC(c.doc.surname[0] = '\0', "document.surname");
	BAD_ENC(memset(c.doc.surname, 'A', sizeof(c.doc.surname)),
	    "document.surname");
	BAD_ENC(c.doc.surname[1] = '\x1b', "document.surname");
	BAD_ENC(c.doc.surname[1] = '\xff', "document.surname");
	BAD_ENC(snprintf(c.doc.surname, sizeof(c.doc.surname), "A\xc3"),
	    "document.surname");
	BAD_ENC(snprintf(c.doc.surname, sizeof(c.doc.surname),
	    "\xe0\x80\xaf"), "document.surname");
	BAD_ENC(snprintf(c.doc.surname, sizeof(c.doc.surname),
	    "\xed\xa0\x80"), "document.surname");
	BAD_ENC(snprintf(c.doc.surname, sizeof(c.doc.surname),
	    "\xf4\x90\x80\x80"), "document.surname");
	BAD_ENC(snprintf(c.doc.given_names, sizeof(c.doc.given_names), "  "),
	    "document.given_names");
	BAD_ENC(snprintf(c.doc.birth_date, sizeof(c.doc.birth_date),
	    "1899-12-31"), "document.birth_date");
	BAD_ENC(memset(c.doc.birth_date, '1', sizeof(c.doc.birth_date)),
	    "document.birth_date");
	BAD_ENC(snprintf(c.doc.expiry_date, sizeof(c.doc.expiry_date),
	    "2030-02-30"), "document.expiry_date");
#undef BAD_ENC
	sample_crossing(&c, 12);
	assert_int_equal(proto_check_crossing(&c, NULL), 1);
	c.lane = 0;
	assert_int_equal(proto_check_crossing(&c, NULL), 0);
	assert_string_equal(proto_direction_str(PROTO_EXIT), "exit");
	assert_string_equal(proto_outcome_str(PROTO_REFER), "refer");
	assert_string_equal(proto_direction_str(0), "invalid");
	assert_string_equal(proto_outcome_str(9), "invalid");
}

static void
test_post_code(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		int		 ok;
	} t[] = {
		{ "AB", 2, 1 }, { "ALA01", 5, 1 }, { "A", 1, 0 }, { "", 0, 0 },
		{ "ABCDEFGHIJKLMNOP", 16, 1 }, { "ABCDEFGHIJKLMNOPQ", 17, 0 },
		{ "ala01", 5, 0 }, { "ALA-1", 5, 0 }, { "ALA 1", 5, 0 },
		{ "AL\0A", 4, 0 }, { "ALA01", 1, 0 }, { "ALA01", 2, 1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (proto_check_post_code(t[i].s, t[i].len) != t[i].ok)
			fail_msg("post code %s/%zu", t[i].s, t[i].len);
	assert_int_equal(proto_check_post_code(NULL, 0), 0);
}

/*
 * Batches.
 */

/* A batch of n crossings with seq first..first+n-1, as JSON text. */
static char *
batch_json(const char *post, size_t n, uint64_t first)
{
	struct proto_crossing	*items;
	struct proto_batch	 b;
	char			*buf;
	size_t			 len, i, sz = 512 + n * 512;

	items = calloc(n > 0 ? n : 1, sizeof(*items));
	buf = malloc(sz + 1);
	assert_non_null(items);
	assert_non_null(buf);
	for (i = 0; i < n; i++)
		sample_crossing(&items[i], first + i);
	snprintf(b.post, sizeof(b.post), "%s", post);
	b.n = n;
	b.items = items;
	assert_int_equal(proto_encode_batch(&b, buf, sz, &len), 0);
	buf[len] = '\0';
	free(items);
	return buf;
}

static void
test_batch_round_trip(void **state)
{
	static const char	*want = "{\"version\":1,\"post\":\"ALA01\","
				    "\"crossings\":[" CANON_CROSSING "]}";
	struct proto_crossing	 items[4], ref;
	struct proto_batch	 b;
	struct proto_error	 e;
	char			*json, buf[4096];
	size_t			 n, i;

	(void)state;
	b.items = items;
	assert_int_equal(dec_batch(want, &b, 4, &e), 0);
	assert_string_equal(b.post, "ALA01");
	assert_int_equal(b.n, 1);
	sample_crossing(&ref, 12);
	assert_crossing_eq(&items[0], &ref);
	assert_int_equal(proto_encode_batch(&b, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);

	json = batch_json("ALA01", 4, 100);
	assert_int_equal(dec_batch(json, &b, 4, &e), 0);
	assert_int_equal(b.n, 4);
	for (i = 0; i < 4; i++) {
		sample_crossing(&ref, 100 + i);
		assert_crossing_eq(&items[i], &ref);
	}
	free(json);
	/* An empty batch is a valid no-op. */
	json = batch_json("KOR9", 0, 1);
	assert_string_equal(json, "{\"version\":1,\"post\":\"KOR9\","
	    "\"crossings\":[]}");
	b.n = 99;
	assert_int_equal(dec_batch(json, &b, 4, &e), 0);
	assert_int_equal(b.n, 0);
	free(json);
}

static void
test_batch_errors(void **state)
{
	static const struct {
		const char	*path, *val;
		int		 rc;
		const char	*field, *msg;
	} t[] = {
		{ "version", NULL, ERR_VERSION, "version",
		    "is required; this side speaks version 1" },
		{ "version", "2", ERR_VERSION, "version",
		    "version 2 is not spoken here; this side speaks version 1" },
		{ "version", "0", ERR_VERSION, "version", "version 0" },
		{ "version", "\"1\"", ERR_VERSION, "version",
		    "must be an integer, got a string; this side speaks "
		    "version 1" },
		{ "version", "1.0", ERR_VERSION, "version", "got a real" },
		{ "post", NULL, ERR_INVAL, "post", "is required" },
		{ "post", "\"A\"", ERR_INVAL, "post",
		    "must be 2..16 characters A-Z or 0-9" },
		{ "post", "\"ABCDEFGHIJKLMNOPQ\"", ERR_INVAL, "post",
		    "must be 2..16 characters A-Z or 0-9" },
		{ "post", "\"ala01\"", ERR_INVAL, "post", "must be 2..16" },
		{ "post", "1", ERR_INVAL, "post", "must be a string, got an "
		    "integer" },
		{ "crossings", NULL, ERR_INVAL, "crossings", "is required" },
		{ "crossings", "{}", ERR_INVAL, "crossings",
		    "must be an array, got an object" },
		{ "crossings[1].document.sex", "\"Q\"", ERR_INVAL,
		    "crossings[1].document.sex", M_SEX },
		{ "crossings[2].lane", "\"3\"", ERR_INVAL, "crossings[2].lane",
		    M_INT "a string" },
		{ "crossings[0].version", "1", ERR_INVAL, "crossings[0]",
		    "unknown key \"version\"" },
		{ "crossings[2].seq", "100", ERR_INVAL, "crossings[2].seq",
		    "repeats seq 100 of crossings[0]" },
		{ "crossings[1].seq", "102", ERR_INVAL, "crossings[2].seq",
		    "repeats seq 102 of crossings[1]" },
		{ "crossings[1].seq", NULL, ERR_INVAL, "crossings[1].seq",
		    "is required" },
		{ "foo", "[]", ERR_INVAL, "", "unknown key \"foo\"" },
	};
	struct proto_crossing	 items[3], before[3];
	struct proto_batch	 b, bb;
	struct proto_error	 e;
	char			*base, *json;
	size_t			 i;
	int			 rc;

	(void)state;
	base = batch_json("ALA01", 3, 100);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json = mutate(base, t[i].path, t[i].val);
		memset(items, 0xa5, sizeof(items));
		memcpy(before, items, sizeof(items));
		memset(&b, 0x5a, sizeof(b));
		b.items = items;
		bb = b;
		rc = dec_batch(json, &b, 3, &e);
		expect_err(rc, &e, t[i].rc, t[i].field, t[i].msg, t[i].path);
		assert_memory_equal(&b, &bb, sizeof(b));
		assert_memory_equal(items, before, sizeof(items));
		free(json);
	}
	/* An item that is not an object. */
	json = mutate(base, "crossings", "[1]");
	b.items = items;
	rc = dec_batch(json, &b, 3, &e);
	expect_err(rc, &e, ERR_INVAL, "crossings[0]",
	    "must be an object, got an integer", "item");
	free(json);
	free(base);
}

static void
test_batch_cap(void **state)
{
	struct proto_crossing	*items, ref;
	struct proto_batch	 b, bb;
	struct proto_error	 e;
	char			*json, *buf;
	size_t			 i, n, sz;
	int			 rc;

	(void)state;
	items = calloc(PROTO_BATCH_MAX + 1, sizeof(*items));
	assert_non_null(items);
	b.items = items;
	json = batch_json("ALA01", 3, 1);
	rc = dec_batch(json, &b, 2, &e);
	expect_err(rc, &e, ERR_TOOBIG, "crossings",
	    "has 3 crossings; at most 2 fit in one batch", "cap 2");
	assert_int_equal(dec_batch(json, &b, 3, &e), 0);
	free(json);
	/* A full batch at the protocol cap, and one over it even when the
	 * caller claims room for more. */
	json = batch_json("ALA01", PROTO_BATCH_MAX, 5000);
	assert_int_equal(dec_batch(json, &b, PROTO_BATCH_MAX, &e), 0);
	assert_int_equal(b.n, PROTO_BATCH_MAX);
	for (i = 0; i < PROTO_BATCH_MAX; i += 111) {
		sample_crossing(&ref, 5000 + i);
		assert_crossing_eq(&items[i], &ref);
	}
	sz = strlen(json) + 1;
	buf = malloc(sz);
	assert_non_null(buf);
	assert_int_equal(proto_encode_batch(&b, buf, sz, &n), 0);
	assert_int_equal(n, sz - 1);
	assert_memory_equal(buf, json, n);
	free(buf);
	free(json);
	for (i = 0; i <= PROTO_BATCH_MAX; i++)
		sample_crossing(&items[i], i + 1);
	b.n = PROTO_BATCH_MAX + 1;
	sz = 1024 * 1024;
	buf = malloc(sz);
	assert_non_null(buf);
	assert_int_equal(proto_encode_batch(&b, buf, sz, &n), ERR_TOOBIG);
	free(buf);
	json = batch_json("ALA01", PROTO_BATCH_MAX, 1);
	/* Append one more crossing by hand. */
	{
		char	*j2, *tail;

		size_t	 jsz = strlen(json) + strlen(CANON_CROSSING) + 4;

		j2 = malloc(jsz);
		assert_non_null(j2);
		tail = strrchr(json, ']');
		assert_non_null(tail);
		assert_true(snprintf(j2, jsz, "%.*s,%s]}", (int)(tail - json),
		    json, CANON_CROSSING) < (int)jsz);
		bb = b;
		rc = dec_batch(j2, &b, PROTO_BATCH_MAX + 1, &e);
		expect_err(rc, &e, ERR_TOOBIG, "crossings",
		    "has 1001 crossings; at most 1000", "cap 1000");
		assert_memory_equal(&b, &bb, sizeof(b));
		free(j2);
	}
	free(json);
	free(items);
}

static void
test_batch_encoder_validates(void **state)
{
	struct proto_crossing	items[3];
	struct proto_batch	b;
	char			buf[8192];
	size_t			i, n = 777;

	(void)state;
	for (i = 0; i < 3; i++)
		sample_crossing(&items[i], i + 1);
	b.items = items;
	b.n = 3;
	snprintf(b.post, sizeof(b.post), "ALA01");
	assert_int_equal(proto_encode_batch(&b, buf, sizeof(buf), &n), 0);
	n = 777;
	items[2].seq = 1;
	assert_int_equal(proto_encode_batch(&b, buf, sizeof(buf), &n),
	    ERR_INVAL);
	items[2].seq = 0;
	items[2].recorded_at = 0;
	assert_int_equal(proto_encode_batch(&b, buf, sizeof(buf), &n),
	    ERR_INVAL);
	items[2].seq = 3;
	items[2].recorded_at = T_CANON;
	items[1].doc.sex = 'Z';
	assert_int_equal(proto_encode_batch(&b, buf, sizeof(buf), &n),
	    ERR_INVAL);
	items[1].doc.sex = 'F';
	snprintf(b.post, sizeof(b.post), "ala01");
	assert_int_equal(proto_encode_batch(&b, buf, sizeof(buf), &n),
	    ERR_INVAL);
	assert_int_equal(n, 777);
}

/*
 * Acks, receipts, status, errors.
 */

/*
 * The lane's idempotency key: bounds, where it may appear, how it encodes.
 */
#define M_REQID		"must be 8..64 characters A-Z, a-z, 0-9, \".\", " \
			"\"_\", \":\" or \"-\""

static void
test_request_id_bounds(void **state)
{
	static const struct fcase t[] = {
		OK("request_id", "\"ABCDEFGH\""),
		OK("request_id", "\"a.b_c:d-e09\""),
		OK("request_id", "\"urn:uuid:123e4567-e89b-12d3-a456-"
		    "426614174000\""),
		OK("request_id", "\"0123456789012345678901234567890123456789"
		    "012345678901234567890123\""),
		OK("request_id", NULL),
		BAD("request_id", "\"ABCDEFG\"", M_REQID),
		BAD("request_id", "\"0123456789012345678901234567890123456789"
		    "0123456789012345678901234\"", M_REQID),
		BAD("request_id", "\"\"", M_REQID),
		BAD("request_id", "\"ALA01 11 42\"", M_REQID),
		BAD("request_id", "\"ALA01/11/42\"", M_REQID),
		BAD("request_id", "\"ALA01-11-4\\u00e9\"", M_REQID),
		BAD("request_id", "\"ALA01-11-4\\n\"", M_REQID),
		BAD("request_id", "12345678", "must be a string, got an "
		    "integer"),
		BAD("request_id", "null", "must be a string, got null"),
	};
	static const struct {
		const char	*s;
		int		 ok;
	} ids[] = {
		{ "ABCDEFGH", 1 }, { "ABCDEFG", 0 }, { "", 0 },
		{ "a.b_c:d-e", 1 }, { "abcdefg+", 0 }, { "abcdefg\"", 0 },
		{ "abcd efg", 0 }, { "abcdefg\xc3\xa9", 0 },
	};
	struct proto_crossing	c;
	struct proto_error	e;
	char			long64[PROTO_REQID_MAX + 2];
	size_t			i;

	(void)state;
	run_fcases(t, sizeof(t) / sizeof(t[0]), CANON_LANE_REQID, 1);
	/* The value decoded is the value sent. */
	assert_int_equal(dec_lane(CANON_LANE_REQID, &c, &e), 0);
	assert_string_equal(c.request_id, REQID);
	assert_int_equal(dec_lane(CANON_LANE, &c, &e), 0);
	assert_string_equal(c.request_id, "");

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (proto_check_request_id(ids[i].s, strlen(ids[i].s)) !=
		    ids[i].ok)
			fail_msg("request id \"%s\"", ids[i].s);
	memset(long64, 'x', sizeof(long64));
	assert_int_equal(proto_check_request_id(long64, 64), 1);
	assert_int_equal(proto_check_request_id(long64, 65), 0);
	/* Length is what counts, not a NUL. */
	assert_int_equal(proto_check_request_id("ABCDEFGH", 7), 0);
	assert_int_equal(proto_check_request_id(NULL, 8), 0);
}

/* Only a lane request carries it: stored and batched crossings refuse it. */
static void
test_request_id_lane_form_only(void **state)
{
	struct proto_crossing	c, items[3];
	struct proto_batch	b;
	struct proto_error	e;
	char			*json, *base;
	int			rc;

	(void)state;
	json = mutate(CANON_CROSSING, "request_id", "\"" REQID "\"");
	rc = dec_crossing(json, &c, &e);
	expect_err(rc, &e, ERR_INVAL, "", "unknown key \"request_id\"",
	    "stored request_id");
	free(json);

	base = batch_json("ALA01", 3, 100);
	json = mutate(base, "crossings[1].request_id", "\"" REQID "\"");
	b.items = items;
	rc = dec_batch(json, &b, 3, &e);
	expect_err(rc, &e, ERR_INVAL, "crossings[1]",
	    "unknown key \"request_id\"", "batched request_id");
	free(json);
	free(base);
}

static void
test_request_id_encoding(void **state)
{
	struct proto_crossing	c, back;
	struct proto_batch	b;
	struct proto_error	e;
	char			buf[4096];
	size_t			n = 0, n2;

	(void)state;
	/* The lane form writes it, first, and it comes back. */
	sample_crossing(&c, 0);
	snprintf(c.request_id, sizeof(c.request_id), REQID);
	assert_int_equal(proto_encode_crossing(&c, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(CANON_LANE_REQID));
	assert_memory_equal(buf, CANON_LANE_REQID, n);
	{
		struct body	bd = body_n(buf, n);

		assert_int_equal(proto_decode_lane_crossing(&back, bd.p,
		    bd.len, &e), 0);
		free(bd.p);
	}
	assert_crossing_eq(&back, &c);

	/* The stored form leaves it out: byte for byte the form without. */
	c.seq = 12;
	c.recorded_at = T_CANON;
	assert_int_equal(proto_encode_crossing(&c, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(CANON_CROSSING));
	assert_memory_equal(buf, CANON_CROSSING, n);
	b.n = 1;
	b.items = &c;
	snprintf(b.post, sizeof(b.post), "ALA01");
	assert_int_equal(proto_encode_batch(&b, buf, sizeof(buf) - 1, &n), 0);
	buf[n] = '\0';
	assert_null(strstr(buf, "request_id"));
	assert_non_null(strstr(buf, "\"seq\":12,"));

	/* It is still checked when set, in either form. */
#define BAD_REQID(seqv, stmt) do {					\
	sample_crossing(&c, seqv);					\
	stmt;								\
	n2 = 777;							\
	assert_int_equal(proto_encode_crossing(&c, buf, sizeof(buf),	\
	    &n2), ERR_INVAL);						\
	assert_int_equal(n2, 777);					\
	assert_int_equal(proto_check_crossing(&c, &e), 0);		\
	assert_string_equal(e.field, "request_id");			\
} while (0)
	BAD_REQID(0, snprintf(c.request_id, sizeof(c.request_id), "SHORT"));
	BAD_REQID(0, snprintf(c.request_id, sizeof(c.request_id),
	    "ALA01 11 42"));
	BAD_REQID(0, memset(c.request_id, 'A', sizeof(c.request_id)));
	BAD_REQID(12, snprintf(c.request_id, sizeof(c.request_id),
	    "a/b/c/d/e"));
#undef BAD_REQID
	assert_string_equal(e.message, M_REQID);
}

static void
test_same_crossing(void **state)
{
	struct proto_crossing	a, b;

	(void)state;
	sample_crossing(&a, 0);
	sample_crossing(&b, 12);
	snprintf(b.request_id, sizeof(b.request_id), REQID);
	/* seq, recorded_at and request_id name a record; they do not count. */
	assert_int_equal(proto_check_same_crossing(&a, &b), 1);
	assert_int_equal(proto_check_same_crossing(&b, &a), 1);
	/* Bytes after the NUL do not count either. */
	b.doc.given_names[10] = 'Z';
	assert_int_equal(proto_check_same_crossing(&a, &b), 1);
#define DIFF(stmt) do {							\
	sample_crossing(&b, 12);					\
	stmt;								\
	assert_int_equal(proto_check_same_crossing(&a, &b), 0);	\
	assert_int_equal(proto_check_same_crossing(&b, &a), 0);	\
} while (0)
	DIFF(b.direction = PROTO_EXIT);
	DIFF(b.lane = 4);
	DIFF(b.officer[5] = '3');
	DIFF(b.outcome = PROTO_REFER);
	DIFF(snprintf(b.doc.type, sizeof(b.doc.type), "ID"));
	DIFF(snprintf(b.doc.issuing_state, sizeof(b.doc.issuing_state), "KA"));
	DIFF(b.doc.number[7] = '8');
	DIFF(snprintf(b.doc.nationality, sizeof(b.doc.nationality), "RUS"));
	DIFF(snprintf(b.doc.surname, sizeof(b.doc.surname), "ABENOVA"));
	DIFF(b.doc.given_names[0] = '\0');
	DIFF(b.doc.birth_date[9] = '0');
	DIFF(b.doc.sex = 'F');
	DIFF(b.doc.expiry_date[3] = '1');
#undef DIFF
}

static void
test_ack(void **state)
{
	static const char	*want = "{\"version\":1,\"post\":\"ALA01\","
				    "\"durable\":[1,2,9007199254740991]}";
	uint64_t		 seqs[4], before[4];
	struct proto_ack	 a, aa;
	struct proto_error	 e;
	struct body		 bd;
	char			 buf[256], *json;
	size_t			 n, i;
	int			 rc;
	static const struct {
		const char	*path, *val;
		int		 rc;
		const char	*field, *msg;
	} t[] = {
		{ "durable", "[1,0]", ERR_INVAL, "durable[1]", M_SEQ },
		{ "durable", "[9007199254740992]", ERR_INVAL, "durable[0]",
		    M_SEQ },
		{ "durable", "[1,2,\"3\"]", ERR_INVAL, "durable[2]",
		    M_INT "a string" },
		{ "durable", "[1.5]", ERR_INVAL, "durable[0]",
		    M_INT "a real number" },
		{ "durable", "[1,2,3,4,5]", ERR_TOOBIG, "durable",
		    "has 5 sequence numbers; at most 4 expected" },
		{ "durable", "7", ERR_INVAL, "durable",
		    "must be an array, got an integer" },
		{ "durable", NULL, ERR_INVAL, "durable", "is required" },
		{ "version", "3", ERR_VERSION, "version", "version 3" },
		{ "post", "\"A_1\"", ERR_INVAL, "post", "must be 2..16" },
		{ "seq", "1", ERR_INVAL, "", "unknown key \"seq\"" },
	};

	(void)state;
	a.seqs = seqs;
	bd = body(want);
	assert_int_equal(proto_decode_ack(&a, 4, bd.p, bd.len, &e), 0);
	free(bd.p);
	assert_string_equal(a.post, "ALA01");
	assert_int_equal(a.n, 3);
	assert_true(seqs[0] == 1 && seqs[1] == 2 &&
	    seqs[2] == UINT64_C(9007199254740991));
	assert_int_equal(proto_encode_ack(&a, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json = mutate(want, t[i].path, t[i].val);
		memset(seqs, 0xa5, sizeof(seqs));
		memcpy(before, seqs, sizeof(seqs));
		memset(&a, 0x5a, sizeof(a));
		a.seqs = seqs;
		aa = a;
		bd = body(json);
		rc = proto_decode_ack(&a, 4, bd.p, bd.len, &e);
		free(bd.p);
		expect_err(rc, &e, t[i].rc, t[i].field, t[i].msg, t[i].path);
		assert_memory_equal(&a, &aa, sizeof(a));
		assert_memory_equal(seqs, before, sizeof(seqs));
		free(json);
	}
	/* An empty ack; the encoder refuses seq 0. */
	snprintf(a.post, sizeof(a.post), "ALA01");
	a.n = 0;
	assert_int_equal(proto_encode_ack(&a, buf, sizeof(buf), &n), 0);
	assert_memory_equal(buf, "{\"version\":1,\"post\":\"ALA01\","
	    "\"durable\":[]}", n);
	seqs[0] = 0;
	a.n = 1;
	assert_int_equal(proto_encode_ack(&a, buf, sizeof(buf), &n),
	    ERR_INVAL);
}

static void
test_receipt(void **state)
{
	static const char	*want = "{\"version\":1,\"post\":\"ALA01\","
				    "\"seq\":12,\"recorded_at\":"
				    "\"2026-11-27T01:02:03.123Z\","
				    "\"feed_stale\":true}";
	struct proto_receipt	 r, rr;
	struct proto_error	 e;
	struct body		 bd;
	char			 buf[256], *json;
	size_t			 n, i;
	int			 rc;
	static const struct {
		const char	*path, *val;
		int		 rc;
		const char	*field, *msg;
	} t[] = {
		{ "seq", "0", ERR_INVAL, "seq", M_SEQ },
		{ "seq", NULL, ERR_INVAL, "seq", "is required" },
		{ "recorded_at", "null", ERR_INVAL, "recorded_at",
		    "must be a string, got null" },
		{ "recorded_at", "\"yesterday\"", ERR_INVAL, "recorded_at",
		    M_TIME },
		{ "version", NULL, ERR_VERSION, "version", "is required" },
		{ "post", NULL, ERR_INVAL, "post", "is required" },
		{ "lane", "3", ERR_INVAL, "", "unknown key \"lane\"" },
		{ "feed_stale", NULL, ERR_INVAL, "feed_stale",
		    "is required" },
		{ "feed_stale", "1", ERR_INVAL, "feed_stale",
		    "must be true or false, got an integer" },
		{ "feed_stale", "null", ERR_INVAL, "feed_stale",
		    "must be true or false, got null" },
	};

	(void)state;
	bd = body(want);
	assert_int_equal(proto_decode_receipt(&r, bd.p, bd.len, &e), 0);
	free(bd.p);
	assert_string_equal(r.post, "ALA01");
	assert_int_equal(r.seq, 12);
	assert_int_equal(r.recorded_at, T_CANON);
	assert_int_equal(r.feed_stale, 1);
	assert_int_equal(proto_encode_receipt(&r, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json = mutate(want, t[i].path, t[i].val);
		memset(&r, 0x5a, sizeof(r));
		rr = r;
		bd = body(json);
		rc = proto_decode_receipt(&r, bd.p, bd.len, &e);
		free(bd.p);
		expect_err(rc, &e, t[i].rc, t[i].field, t[i].msg, t[i].path);
		assert_memory_equal(&r, &rr, sizeof(r));
		free(json);
	}
	snprintf(r.post, sizeof(r.post), "ALA01");
	r.seq = 12;
	r.recorded_at = 0;
	assert_int_equal(proto_encode_receipt(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	r.recorded_at = T_CANON;
	r.seq = 0;
	assert_int_equal(proto_encode_receipt(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	r.seq = 12;
	r.feed_stale = 2;
	assert_int_equal(proto_encode_receipt(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	/* A fresh feed travels as false. */
	r.feed_stale = 0;
	assert_int_equal(proto_encode_receipt(&r, buf, sizeof(buf), &n), 0);
	assert_true(n < sizeof(buf));
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"feed_stale\":false}"));
}

static void
test_status(void **state)
{
	static const char	*full = "{\"version\":1,\"post\":\"ALA01\","
				    "\"last_seq\":120,\"unsent\":3,"
				    "\"last_push_ok\":\"2026-11-27T01:02:03.123Z\","
				    "\"last_error\":\"centre: connection refused\","
				    "\"last_error_at\":\"2026-11-27T01:02:03.123Z\","
				    "\"feed\":{\"configured\":true,\"cursor\":42,"
				    "\"applied_at\":\"2026-11-27T01:02:03.123Z\","
				    "\"age_s\":90000,\"stale\":true,"
				    "\"max_age_s\":86400,"
				    "\"last_error\":\"frame 1: bad signature\","
				    "\"last_error_at\":\"2026-11-27T01:02:03.123Z\"}}";
	static const char	*none = "{\"version\":1,\"post\":\"ALA01\","
				    "\"last_seq\":0,\"unsent\":0,"
				    "\"last_push_ok\":null,\"last_error\":null,"
				    "\"last_error_at\":null,"
				    "\"feed\":{\"configured\":false,\"cursor\":0,"
				    "\"applied_at\":null,\"age_s\":null,"
				    "\"stale\":true,\"max_age_s\":86400,"
				    "\"last_error\":null,\"last_error_at\":null}}";
	struct proto_status	 s, ss;
	struct proto_error	 e;
	struct body		 bd;
	char			 buf[1024], *json, *big;
	size_t			 n, i;
	int			 rc;
	static const struct {
		const char	*path, *val;
		int		 rc;
		const char	*field, *msg;
	} t[] = {
		{ "last_seq", "-1", ERR_INVAL, "last_seq",
		    "must be 0..9007199254740991" },
		{ "unsent", "null", ERR_INVAL, "unsent", M_INT "null" },
		{ "last_push_ok", "0", ERR_INVAL, "last_push_ok",
		    "must be a string or null, got an integer" },
		{ "last_push_ok", NULL, ERR_INVAL, "last_push_ok",
		    "is required" },
		{ "last_error", "\"\"", ERR_INVAL, "last_error",
		    "must not be empty" },
		{ "last_error", "\"a\\nb\"", ERR_INVAL, "last_error",
		    "must not contain control characters" },
		{ "last_error", "false", ERR_INVAL, "last_error",
		    "must be a string, got a boolean" },
		{ "last_error_at", "\"2026-13-01T00:00:00Z\"", ERR_INVAL,
		    "last_error_at", M_TIME },
		{ "feed", NULL, ERR_INVAL, "feed", "is required" },
		{ "feed", "[]", ERR_INVAL, "feed",
		    "must be an object, got an array" },
		{ "feed.configured", NULL, ERR_INVAL, "feed.configured",
		    "is required" },
		{ "feed.configured", "0", ERR_INVAL, "feed.configured",
		    "must be true or false, got an integer" },
		{ "feed.cursor", "-1", ERR_INVAL, "feed.cursor",
		    "must be 0..9007199254740991" },
		{ "feed.cursor", "9007199254740992", ERR_INVAL, "feed.cursor",
		    "must be 0..9007199254740991" },
		{ "feed.applied_at", "\"now\"", ERR_INVAL, "feed.applied_at",
		    M_TIME },
		{ "feed.age_s", "null", ERR_INVAL, "feed.age_s",
		    "must be null exactly when applied_at is null" },
		{ "feed.age_s", "-5", ERR_INVAL, "feed.age_s",
		    "must be 0..9007199254740991" },
		{ "feed.stale", "\"yes\"", ERR_INVAL, "feed.stale",
		    "must be true or false, got a string" },
		{ "feed.max_age_s", NULL, ERR_INVAL, "feed.max_age_s",
		    "is required" },
		{ "feed.last_error", "\"\"", ERR_INVAL, "feed.last_error",
		    "must not be empty" },
		{ "feed.last_error_at", "0", ERR_INVAL, "feed.last_error_at",
		    "must be a string or null, got an integer" },
		{ "feed.head", "7", ERR_INVAL, "feed",
		    "unknown key \"head\"" },
	};

	(void)state;
	bd = body(full);
	assert_int_equal(proto_decode_status(&s, bd.p, bd.len, &e), 0);
	free(bd.p);
	assert_int_equal(s.last_seq, 120);
	assert_int_equal(s.unsent, 3);
	assert_int_equal(s.last_push_ok, T_CANON);
	assert_string_equal(s.last_error, "centre: connection refused");
	assert_int_equal(s.feed.configured, 1);
	assert_int_equal(s.feed.cursor, 42);
	assert_int_equal(s.feed.applied_at, T_CANON);
	assert_int_equal(s.feed.age_s, 90000);
	assert_int_equal(s.feed.stale, 1);
	assert_int_equal(s.feed.max_age_s, 86400);
	assert_string_equal(s.feed.last_error, "frame 1: bad signature");
	assert_int_equal(s.feed.last_error_at, T_CANON);
	assert_int_equal(proto_encode_status(&s, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(full));
	assert_memory_equal(buf, full, n);
	/* A feed never applied has no age, whatever the struct holds. */
	s.feed.applied_at = 0;
	s.feed.age_s = 77;
	assert_int_equal(proto_encode_status(&s, buf, sizeof(buf), &n), 0);
	assert_true(n < sizeof(buf));
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"applied_at\":null,\"age_s\":null,"));
	s.feed.applied_at = T_CANON;
	s.feed.age_s = -1;
	assert_int_equal(proto_encode_status(&s, buf, sizeof(buf), &n),
	    ERR_INVAL);
	s.feed.age_s = 1;
	s.feed.stale = 2;
	assert_int_equal(proto_encode_status(&s, buf, sizeof(buf), &n),
	    ERR_INVAL);
	s.feed.stale = 0;
	snprintf(s.feed.last_error, sizeof(s.feed.last_error), "a\tb");
	assert_int_equal(proto_encode_status(&s, buf, sizeof(buf), &n),
	    ERR_INVAL);
	bd = body(none);
	assert_int_equal(proto_decode_status(&s, bd.p, bd.len, &e), 0);
	free(bd.p);
	assert_int_equal(s.last_push_ok, 0);
	assert_int_equal(s.last_error_at, 0);
	assert_string_equal(s.last_error, "");
	assert_int_equal(s.feed.configured, 0);
	assert_int_equal(s.feed.applied_at, 0);
	assert_int_equal(s.feed.age_s, -1);
	assert_string_equal(s.feed.last_error, "");
	assert_int_equal(proto_encode_status(&s, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(none));
	assert_memory_equal(buf, none, n);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json = mutate(full, t[i].path, t[i].val);
		memset(&s, 0x5a, sizeof(s));
		ss = s;
		bd = body(json);
		rc = proto_decode_status(&s, bd.p, bd.len, &e);
		free(bd.p);
		expect_err(rc, &e, t[i].rc, t[i].field, t[i].msg, t[i].path);
		assert_memory_equal(&s, &ss, sizeof(s));
		free(json);
	}
	/* last_error holds 255 bytes, not 256. */
	big = repeat("e", 255);
	json = mutate(full, "last_error", big);
	bd = body(json);
	assert_int_equal(proto_decode_status(&s, bd.p, bd.len, &e), 0);
	free(bd.p);
	free(json);
	free(big);
	big = repeat("e", 256);
	json = mutate(full, "last_error", big);
	bd = body(json);
	assert_int_equal(proto_decode_status(&s, bd.p, bd.len, &e),
	    ERR_INVAL);
	assert_string_equal(e.message, "must be at most 255 bytes");
	free(bd.p);
	free(json);
	free(big);
	/* The encoder refuses a control character in last_error. */
	memset(&s, 0, sizeof(s));
	snprintf(s.post, sizeof(s.post), "ALA01");
	snprintf(s.last_error, sizeof(s.last_error), "line\nbreak");
	assert_int_equal(proto_encode_status(&s, buf, sizeof(buf), &n),
	    ERR_INVAL);
	memset(s.last_error, 'x', sizeof(s.last_error));
	assert_int_equal(proto_encode_status(&s, buf, sizeof(buf), &n),
	    ERR_INVAL);
}

static void
test_error_message(void **state)
{
	static const char	*want = "{\"version\":1,\"error\":{\"status\":400,"
				    "\"field\":\"crossings[3].document.sex\","
				    "\"message\":\"must be \\\"M\\\", \\\"F\\\" "
				    "or \\\"X\\\"\"}}";
	static const char *const bad[] = {
		"{\"version\":1,\"error\":{\"status\":200,\"field\":\"\","
		    "\"message\":\"x\"}}",
		"{\"version\":1,\"error\":{\"status\":400,\"field\":\"\","
		    "\"message\":\"\"}}",
		"{\"version\":1,\"error\":{\"status\":400,\"field\":\"\"}}",
		"{\"version\":1,\"error\":{\"status\":400,\"message\":\"x\","
		    "\"extra\":1}}",
		"{\"version\":2,\"error\":{\"status\":400,\"message\":\"x\"}}",
		"{\"error\":{\"status\":400,\"message\":\"x\"}}",
		"{\"version\":1,\"error\":\"x\"}",
		"{\"version\":1,\"error\":{\"status\":\"400\",\"message\":\"x\"}}",
		"{\"version\":1,\"error\":{\"status\":400,\"message\":\"x\"}",
	};
	struct proto_crossing	 c;
	struct proto_error	 e, ee;
	struct body		 bd;
	char			 buf[512];
	size_t			 n, i;
	int			 status, st2;

	(void)state;
	bd = body(want);
	assert_int_equal(proto_decode_error(&status, &e, bd.p, bd.len), 0);
	free(bd.p);
	assert_int_equal(status, 400);
	assert_string_equal(e.field, "crossings[3].document.sex");
	assert_string_equal(e.message, M_SEX);
	assert_int_equal(proto_encode_error(status, &e, buf, sizeof(buf), &n),
	    0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	/* field may be absent: the whole body. */
	bd = body("{\"version\":1,\"error\":{\"status\":503,\"message\":"
	    "\"database unavailable\"}}");
	assert_int_equal(proto_decode_error(&status, &e, bd.p, bd.len), 0);
	free(bd.p);
	assert_int_equal(status, 503);
	assert_string_equal(e.field, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0x5a, sizeof(e));
		ee = e;
		st2 = -77;
		bd = body(bad[i]);
		if (proto_decode_error(&st2, &e, bd.p, bd.len) == 0)
			fail_msg("accepted %s", bad[i]);
		free(bd.p);
		assert_int_equal(st2, -77);
		assert_memory_equal(&e, &ee, sizeof(e));
	}
	/* Whatever a decoder reports can be sent back as an error body. */
	bd = body("{\"seq\":1,\"\\u0001\\u00ff\":2}");
	assert_int_equal(proto_decode_crossing(&c, bd.p, bd.len, &e),
	    ERR_INVAL);
	free(bd.p);
	assert_int_equal(proto_encode_error(400, &e, buf, sizeof(buf), &n), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(proto_encode_error(400, &e, buf, sizeof(buf), &n),
	    ERR_INVAL);	/* empty message */
	snprintf(e.message, sizeof(e.message), "ok");
	assert_int_equal(proto_encode_error(399, &e, buf, sizeof(buf), &n),
	    ERR_INVAL);
	assert_int_equal(proto_encode_error(600, &e, buf, sizeof(buf), &n),
	    ERR_INVAL);
	snprintf(e.message, sizeof(e.message), "tab\there");
	assert_int_equal(proto_encode_error(400, &e, buf, sizeof(buf), &n),
	    ERR_INVAL);
}

/* Every encoder: one byte short is ERR_TOOBIG with *outlen untouched. */
static void
test_encoder_buffer_too_small(void **state)
{
	struct proto_crossing	c, items[2];
	struct proto_batch	b;
	struct proto_ack	a;
	struct proto_receipt	r;
	struct proto_status	s;
	struct proto_error	e;
	uint64_t		seqs[2] = { 1, 2 };
	char			buf[4096], *small;
	size_t			need, n, kind;
	int			rc;

	(void)state;
	sample_crossing(&c, 12);
	sample_crossing(&items[0], 1);
	sample_crossing(&items[1], 2);
	snprintf(b.post, sizeof(b.post), "ALA01");
	b.n = 2;
	b.items = items;
	snprintf(a.post, sizeof(a.post), "ALA01");
	a.n = 2;
	a.seqs = seqs;
	snprintf(r.post, sizeof(r.post), "ALA01");
	r.seq = 12;
	r.recorded_at = T_CANON;
	r.feed_stale = 1;
	memset(&s, 0, sizeof(s));
	snprintf(s.post, sizeof(s.post), "ALA01");
	snprintf(e.field, sizeof(e.field), "lane");
	snprintf(e.message, sizeof(e.message), "must be 1..999");
	for (kind = 0; kind < 6; kind++) {
#define ENC(buf, sz, out) (						\
	kind == 0 ? proto_encode_crossing(&c, buf, sz, out) :		\
	kind == 1 ? proto_encode_batch(&b, buf, sz, out) :		\
	kind == 2 ? proto_encode_ack(&a, buf, sz, out) :		\
	kind == 3 ? proto_encode_receipt(&r, buf, sz, out) :		\
	kind == 4 ? proto_encode_status(&s, buf, sz, out) :		\
	proto_encode_error(400, &e, buf, sz, out))
		assert_int_equal(ENC(buf, sizeof(buf), &need), 0);
		/* Exactly the size: fits; no NUL is written. */
		small = malloc(need);
		assert_non_null(small);
		n = 0;
		assert_int_equal(ENC(small, need, &n), 0);
		assert_int_equal(n, need);
		assert_memory_equal(small, buf, need);
		free(small);
		small = malloc(need - 1);
		assert_non_null(small);
		n = 4242;
		rc = ENC(small, need - 1, &n);
		assert_int_equal(rc, ERR_TOOBIG);
		assert_int_equal(n, 4242);
		free(small);
		assert_int_equal(ENC(NULL, 0, &n), ERR_TOOBIG);
		assert_int_equal(n, 4242);
#undef ENC
	}
}

/* Errors with a NULL err pointer still fail cleanly. */
static void
test_null_err(void **state)
{
	struct proto_crossing	c, items[1];
	struct proto_batch	b;
	struct body		bd;

	(void)state;
	bd = body("{\"lane\":0}");
	assert_int_equal(proto_decode_crossing(&c, bd.p, bd.len, NULL),
	    ERR_INVAL);
	assert_int_equal(proto_decode_lane_crossing(&c, bd.p, bd.len, NULL),
	    ERR_INVAL);
	free(bd.p);
	b.items = items;
	bd = body("{\"version\":1,\"post\":\"AB\",\"crossings\":[1,2]}");
	assert_int_equal(proto_decode_batch(&b, 1, bd.p, bd.len, NULL),
	    ERR_TOOBIG);
	free(bd.p);
	assert_int_equal(proto_decode_crossing(&c, NULL, 0, NULL), ERR_PARSE);
}


/* The officer's decision on a check: "check_id" and "reason", lane form
 * only. */
static void
test_check_link_fields(void **state)
{
	static const struct fcase t[] = {
		OK("check_id", "1"),
		OK("check_id", "9007199254740991"),
		BAD("check_id", "0", M_SEQ),
		BAD("check_id", "9007199254740992", M_SEQ),
		BAD("check_id", "-1", M_SEQ),
		BAD("check_id", "\"7\"", "must be an integer, got a string"),
		BAD("check_id", "null", "must be an integer, got null"),
		BAD("check_id", "7.5", "must be an integer, got a real number"),
		OK("reason", "\"x\""),
		OK("reason", "\"\\u041f\\u0440\\u043e\\u0432\\u0435\\u0440"
		    "\\u0435\\u043d\\u043e: alert withdrawn\""),
		BAD("reason", "\"\"", "must not be empty"),
		BAD("reason", "\"   \"", "must not be blank"),
		BAD("reason", "\"line\\nbreak\"",
		    "must not contain control characters"),
		BAD("reason", "\"tab\\there\"",
		    "must not contain control characters"),
		BAD("reason", "\"c1\\u0085\"",
		    "must not contain control characters"),
		BAD("reason", "42", "must be a string, got an integer"),
	};
	struct proto_crossing	c, back;
	struct proto_batch	b;
	struct proto_error	e;
	char			*json, *r, buf[4096];
	size_t			n, i;
	int			rc;

	(void)state;
	run_fcases(t, sizeof(t) / sizeof(t[0]), CANON_LANE, 1);

	/* 500 bytes is the most, counted in bytes (2-byte letters). */
	r = malloc(PROTO_REASON_MAX + 8);
	assert_non_null(r);
	for (n = 499; n <= 501; n++) {
		r[0] = '"';
		for (i = 0; i + 1 < n; i += 2) {
			r[1 + i] = '\xd0';
			r[2 + i] = '\x96';
		}
		if (i < n)
			r[1 + i++] = 'x';
		r[1 + n] = '"';
		r[2 + n] = '\0';
		json = mutate(CANON_LANE, "reason", r);
		rc = dec_lane(json, &c, &e);
		if (n <= PROTO_REASON_MAX) {
			assert_int_equal(rc, 0);
			assert_int_equal(strlen(c.reason), n);
		} else
			expect_err(rc, &e, ERR_INVAL, "reason",
			    "must be at most 500 bytes", "501 bytes");
		free(json);
	}
	free(r);
	assert_int_equal(proto_check_reason("ok", 2), 1);
	assert_int_equal(proto_check_reason("", 0), 0);
	assert_int_equal(proto_check_reason("a\x7f", 2), 0);
	assert_int_equal(proto_check_reason("\xff", 1), 0);

	/* The lane form writes both and reads them back. */
	sample_crossing(&c, 0);
	c.check_id = 7;
	(void)snprintf(c.reason, sizeof(c.reason), "supervisor approved");
	assert_int_equal(proto_encode_crossing(&c, buf, sizeof(buf), &n), 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"check_id\":7,\"reason\":"
	    "\"supervisor approved\""));
	{
		struct body	bd = body_n(buf, n);

		assert_int_equal(proto_decode_lane_crossing(&back, bd.p,
		    bd.len, &e), 0);
		free(bd.p);
	}
	assert_int_equal(back.check_id, 7);
	assert_string_equal(back.reason, "supervisor approved");

	/* The stored form leaves them out, byte for byte. */
	c.seq = 12;
	c.recorded_at = T_CANON;
	assert_int_equal(proto_encode_crossing(&c, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(CANON_CROSSING));
	assert_memory_equal(buf, CANON_CROSSING, n);
	/* ...but the encoder still checks them. */
	c.reason[0] = ' ';
	c.reason[1] = '\0';
	assert_int_equal(proto_encode_crossing(&c, buf, sizeof(buf), &n),
	    ERR_INVAL);
	c.reason[0] = '\0';
	c.check_id = PROTO_CHECK_ID_MAX + 1;
	assert_int_equal(proto_encode_crossing(&c, buf, sizeof(buf), &n),
	    ERR_INVAL);

	/* Stored and batched crossings refuse them as unknown keys. */
	json = mutate(CANON_CROSSING, "check_id", "7");
	rc = dec_crossing(json, &c, &e);
	expect_err(rc, &e, ERR_INVAL, "", "unknown key \"check_id\"",
	    "stored check_id");
	free(json);
	json = mutate(CANON_CROSSING, "reason", "\"why\"");
	rc = dec_crossing(json, &c, &e);
	expect_err(rc, &e, ERR_INVAL, "", "unknown key \"reason\"",
	    "stored reason");
	free(json);
	{
		struct proto_crossing	items[3];
		char			*base = batch_json("ALA01", 3, 100);

		json = mutate(base, "crossings[2].check_id", "7");
		b.items = items;
		rc = dec_batch(json, &b, 3, &e);
		expect_err(rc, &e, ERR_INVAL, "crossings[2]",
		    "unknown key \"check_id\"", "batched check_id");
		free(json);
		free(base);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crossing_field_bounds),
		cmocka_unit_test(test_lane_field_bounds),
		cmocka_unit_test(test_lane_request_with_mrz),
		cmocka_unit_test(test_name_byte_bounds),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_no_personal_data_in_errors),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_lane_request),
		cmocka_unit_test(test_request_id_bounds),
		cmocka_unit_test(test_request_id_lane_form_only),
		cmocka_unit_test(test_request_id_encoding),
		cmocka_unit_test(test_same_crossing),
		cmocka_unit_test(test_crossing_round_trip),
		cmocka_unit_test(test_encoder_validates),
		cmocka_unit_test(test_post_code),
		cmocka_unit_test(test_batch_round_trip),
		cmocka_unit_test(test_batch_errors),
		cmocka_unit_test(test_batch_cap),
		cmocka_unit_test(test_batch_encoder_validates),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_error_message),
		cmocka_unit_test(test_encoder_buffer_too_small),
		cmocka_unit_test(test_null_err),
		cmocka_unit_test(test_check_link_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
