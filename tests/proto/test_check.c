/* test_check.c - the lane check codec (proto/check.c): the request's every
 * field at and beyond its bound, malformed JSON, versions, unknown and
 * duplicate keys; the verdict's round trip, encoder checks, decoder refusals
 * naming the field, caps on reasons, and check_add_reason()'s cut on a
 * UTF-8 boundary. Bodies are decoded from a heap copy of exactly their
 * length (no NUL after it), so ASan catches a read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "err.h"
#include "proto.h"

#define MRZ_TD3 \
	"P<KAZABENOV<<ASKAR<<<<<<<<<<<<<<<<<<<<<<<<<<\\n" \
	"N12345674KAZ9001317M3001308<<<<<<<<<<<<<<<04"
#define REQ_OK \
	"{\"version\":1,\"mrz\":\"" MRZ_TD3 "\",\"direction\":\"entry\"," \
	"\"lane\":3,\"officer\":\"KZ0042\"}"
#define T_DECIDED	INT64_C(1795741323123)

struct body {
	uint8_t	*p;
	size_t	 len;
};

static struct body
body(const char *s)
{
	struct body	b;

	b.len = strlen(s);
	b.p = malloc(b.len > 0 ? b.len : 1);
	assert_non_null(b.p);
	memcpy(b.p, s, b.len);
	return b;
}

/* Decodes s as a request; returns the code, with the field in *field. */
static int
dec_req(const char *s, struct check_request *out, char *field, size_t fsz)
{
	struct body		b = body(s);
	struct proto_error	e;
	int			rc;

	memset(&e, 0, sizeof(e));
	rc = check_decode_request(out, b.p, b.len, &e);
	free(b.p);
	if (field != NULL)
		(void)snprintf(field, fsz, "%s", e.field);
	if (rc != 0)
		assert_true(e.message[0] != '\0');
	return rc;
}

static void
test_request_ok(void **state)
{
	struct check_request	r;
	char			buf[2048], f[64];
	size_t			n;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(dec_req(REQ_OK, &r, f, sizeof(f)), 0);
	assert_int_equal(r.direction, PROTO_ENTRY);
	assert_int_equal(r.lane, 3);
	assert_string_equal(r.officer, "KZ0042");
	assert_int_equal(r.mrz_len, 44 + 1 + 44);
	assert_int_equal(r.mrz[44], '\n');
	assert_int_equal(strlen(r.mrz), r.mrz_len);

	/* The encoder writes what the decoder reads: canonical order. */
	assert_int_equal(check_encode_request(&r, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen(REQ_OK));
	assert_memory_equal(buf, REQ_OK, n);

	/* "version" may be left out; exit is the other direction. */
	assert_int_equal(dec_req("{\"mrz\":\"X\",\"direction\":\"exit\","
	    "\"lane\":999,\"officer\":\"a.b_c-D\"}", &r, f, sizeof(f)), 0);
	assert_int_equal(r.direction, PROTO_EXIT);
	assert_int_equal(r.lane, 999);
	/* Spaces, other key order and \u escapes are the same message. */
	assert_int_equal(dec_req(" { \"lane\" : 1 , \"officer\":\"\\u004bZ1\","
	    "\"direction\":\"entry\",\"mrz\":\"AB\\r\\nCD\\t\"}\n", &r, f,
	    sizeof(f)), 0);
	assert_string_equal(r.officer, "KZ1");
	assert_int_equal(r.mrz_len, 7);
}

static void
test_request_bounds(void **state)
{
	static const struct {
		const char	*body;
		int		 rc;
		const char	*field;
	} cases[] = {
		/* lane 1..999 */
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":0,"
		  "\"officer\":\"K\"}", ERR_INVAL, "lane" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1000,"
		  "\"officer\":\"K\"}", ERR_INVAL, "lane" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":-1,"
		  "\"officer\":\"K\"}", ERR_INVAL, "lane" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1.5,"
		  "\"officer\":\"K\"}", ERR_INVAL, "lane" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":\"3\","
		  "\"officer\":\"K\"}", ERR_INVAL, "lane" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"officer\":\"K\"}",
		  ERR_INVAL, "lane" },
		/* direction */
		{ "{\"mrz\":\"X\",\"direction\":\"in\",\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_INVAL, "direction" },
		{ "{\"mrz\":\"X\",\"direction\":\"ENTRY\",\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_INVAL, "direction" },
		{ "{\"mrz\":\"X\",\"direction\":1,\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_INVAL, "direction" },
		{ "{\"mrz\":\"X\",\"lane\":1,\"officer\":\"K\"}", ERR_INVAL,
		  "direction" },
		/* officer [A-Za-z0-9._-]{1,32} */
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"\"}", ERR_INVAL, "officer" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K Z\"}", ERR_INVAL, "officer" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"123456789012345678901234567890123\"}",
		  ERR_INVAL, "officer" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"\\u0410\"}", ERR_INVAL, "officer" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":null}", ERR_INVAL, "officer" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1}",
		  ERR_INVAL, "officer" },
		/* mrz: 1..1024 printable ASCII and line ends */
		{ "{\"mrz\":\"\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_INVAL, "mrz" },
		/* NUL is not even JSON text here (jansson refuses it) */
		{ "{\"mrz\":\"P<\\u0000X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_PARSE, "" },
		{ "{\"mrz\":\"P<\\u00e9\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_INVAL, "mrz" },
		{ "{\"mrz\":\"P\\u007f\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_INVAL, "mrz" },
		{ "{\"mrz\":[\"P<\"],\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_INVAL, "mrz" },
		{ "{\"direction\":\"entry\",\"lane\":1,\"officer\":\"K\"}",
		  ERR_INVAL, "mrz" },
		/* keys */
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\",\"outcome\":\"admit\"}", ERR_INVAL, "" },
		{ "{\"mrz\":\"X\",\"mrz\":\"Y\",\"direction\":\"entry\","
		  "\"lane\":1,\"officer\":\"K\"}", ERR_PARSE, "" },
		/* version: optional, but only 1 */
		{ "{\"version\":2,\"mrz\":\"X\",\"direction\":\"entry\","
		  "\"lane\":1,\"officer\":\"K\"}", ERR_VERSION, "version" },
		{ "{\"version\":0,\"mrz\":\"X\",\"direction\":\"entry\","
		  "\"lane\":1,\"officer\":\"K\"}", ERR_VERSION, "version" },
		{ "{\"version\":\"1\",\"mrz\":\"X\",\"direction\":\"entry\","
		  "\"lane\":1,\"officer\":\"K\"}", ERR_VERSION, "version" },
		/* malformed */
		{ "", ERR_PARSE, "" },
		{ "{", ERR_PARSE, "" },
		{ "[]", ERR_PARSE, "" },
		{ "\"mrz\"", ERR_PARSE, "" },
		{ "null", ERR_PARSE, "" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\"} {}", ERR_PARSE, "" },
		{ "{\"mrz\":\"X\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\",}", ERR_PARSE, "" },
		{ "{\"mrz\":\"\xff\",\"direction\":\"entry\",\"lane\":1,"
		  "\"officer\":\"K\"}", ERR_PARSE, "" },
	};
	struct check_request	r, keep;
	char			f[64];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0xA5, sizeof(r));
		keep = r;
		f[0] = '\0';
		if (dec_req(cases[i].body, &r, f, sizeof(f)) != cases[i].rc)
			fail_msg("case %zu (%s): wrong code", i,
			    cases[i].body);
		if (strcmp(f, cases[i].field) != 0)
			fail_msg("case %zu: field \"%s\", want \"%s\"", i, f,
			    cases[i].field);
		/* Output untouched on failure. */
		assert_memory_equal(&r, &keep, sizeof(r));
	}
}

static void
test_request_mrz_length(void **state)
{
	struct check_request	r;
	char			*s, f[64];
	size_t			n, i;

	(void)state;
	/* 1024 bytes is the most; 1025 is refused. */
	for (n = CHECK_MRZ_MAX; n <= CHECK_MRZ_MAX + 1; n++) {
		s = malloc(n + 128);
		assert_non_null(s);
		memcpy(s, "{\"mrz\":\"", 8);
		for (i = 0; i < n; i++)
			s[8 + i] = '<';
		(void)snprintf(s + 8 + n, 120, "\",\"direction\":\"exit\","
		    "\"lane\":1,\"officer\":\"K\"}");
		if (n == CHECK_MRZ_MAX) {
			assert_int_equal(dec_req(s, &r, f, sizeof(f)), 0);
			assert_int_equal(r.mrz_len, CHECK_MRZ_MAX);
		} else {
			assert_int_equal(dec_req(s, &r, f, sizeof(f)),
			    ERR_INVAL);
			assert_string_equal(f, "mrz");
		}
		free(s);
	}
}

static void
test_request_encode_refuses(void **state)
{
	struct check_request	r, ok;
	char			buf[2048];
	size_t			n;

	(void)state;
	memset(&ok, 0, sizeof(ok));
	assert_int_equal(dec_req(REQ_OK, &ok, NULL, 0), 0);

	r = ok;
	r.lane = 0;
	assert_int_equal(check_encode_request(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	r = ok;
	r.lane = PROTO_LANE_MAX + 1;
	assert_int_equal(check_encode_request(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	r = ok;
	r.direction = 0;
	assert_int_equal(check_encode_request(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	r = ok;
	r.officer[0] = '\0';
	assert_int_equal(check_encode_request(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	r = ok;
	r.mrz_len = 3;		/* disagrees with the text */
	assert_int_equal(check_encode_request(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	r = ok;
	r.mrz[0] = '\x01';
	assert_int_equal(check_encode_request(&r, buf, sizeof(buf), &n),
	    ERR_INVAL);
	/* A buffer one byte short. */
	assert_int_equal(check_encode_request(&ok, buf, strlen(REQ_OK) - 1,
	    &n), ERR_TOOBIG);
	assert_int_equal(check_encode_request(&ok, buf, strlen(REQ_OK), &n),
	    0);
}

/*
 * Verdicts.
 */

static void
sample_verdict(struct check_verdict *v)
{
	struct check_reason	*r;

	memset(v, 0, sizeof(*v));
	(void)snprintf(v->post, sizeof(v->post), "ALA01");
	v->check_id = 7;
	v->decided_at = T_DECIDED;
	(void)snprintf(v->day, sizeof(v->day), "2026-11-27");
	v->direction = PROTO_ENTRY;
	v->lane = 3;
	(void)snprintf(v->officer, sizeof(v->officer), "KZ0042");
	v->has_document = 1;
	(void)snprintf(v->doc.type, sizeof(v->doc.type), "P");
	(void)snprintf(v->doc.issuing_state, sizeof(v->doc.issuing_state),
	    "RUS");
	(void)snprintf(v->doc.number, sizeof(v->doc.number), "751234567");
	(void)snprintf(v->doc.nationality, sizeof(v->doc.nationality), "RUS");
	(void)snprintf(v->doc.surname, sizeof(v->doc.surname), "IVANOV");
	(void)snprintf(v->doc.given_names, sizeof(v->doc.given_names),
	    "IVAN PETROVICH");
	(void)snprintf(v->doc.birth_date, sizeof(v->doc.birth_date),
	    "1980-02-29");
	v->doc.sex = 'M';
	(void)snprintf(v->doc.expiry_date, sizeof(v->doc.expiry_date),
	    "2031-01-01");
	v->feed_version = 42;
	v->feed_applied_at = T_DECIDED - 60000;
	v->feed_stale = 0;
	(void)snprintf(v->policy_version, sizeof(v->policy_version),
	    "KZ-2024.1");
	v->verdict = CHECK_CLEAR;
	r = check_add_reason(v, "stay_days_used", CHECK_CLEAR,
	    "%d of %d days used", 10, 90);
	assert_non_null(r);
	r->days_used = 10;
	(void)snprintf(r->last_day, sizeof(r->last_day), "2027-02-14");
	r->days_remaining = 80;
	r = check_add_reason(v, "watchlist_entry_ban", CHECK_DENY,
	    "an entry ban (\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2)");
	assert_non_null(r);
	(void)snprintf(r->alert, sizeof(r->alert), "pa-77");
	r->score = 0.969;
	(void)snprintf(r->matched, sizeof(r->matched),
	    "surname, given names, birth date");
	r->has_until = 1;	/* no end: null */
	r = check_add_reason(v, "overstay", CHECK_REFER, "overstayed");
	assert_non_null(r);
	r->overstay_days = 3;
	(void)snprintf(r->first_overstay_day, sizeof(r->first_overstay_day),
	    "2026-11-25");
	r = check_add_reason(v, "document_alert_stolen", CHECK_DENY,
	    "reported stolen");
	assert_non_null(r);
	r->has_until = 1;
	(void)snprintf(r->until, sizeof(r->until), "2027-01-01");
}

static void
enc_dec(const struct check_verdict *v, struct check_verdict *out,
    char **json, size_t *jlen)
{
	struct body		 b;
	struct proto_error	 e;
	char			*buf;
	size_t			 n;

	buf = malloc(CHECK_VERDICT_MAX);
	assert_non_null(buf);
	assert_int_equal(check_encode_verdict(v, buf, CHECK_VERDICT_MAX, &n),
	    0);
	b.p = malloc(n);
	assert_non_null(b.p);
	memcpy(b.p, buf, n);
	b.len = n;
	memset(&e, 0, sizeof(e));
	if (check_decode_verdict(out, b.p, b.len, &e) != 0)
		fail_msg("decode: %s: %s", e.field, e.message);
	free(b.p);
	*json = buf;
	*jlen = n;
}

static void
test_verdict_round_trip(void **state)
{
	struct check_verdict	*v, *w;
	char			*json, *json2;
	size_t			 n, n2, i;

	(void)state;
	v = calloc(1, sizeof(*v));
	w = calloc(1, sizeof(*w));
	assert_non_null(v);
	assert_non_null(w);
	sample_verdict(v);
	/* The verdict is the most severe of its reasons. */
	assert_int_equal(v->verdict, CHECK_DENY);
	enc_dec(v, w, &json, &n);
	/* Key order and the reason fields that apply, nothing else. */
	json[n] = '\0';
	assert_non_null(strstr(json, "{\"version\":1,\"post\":\"ALA01\","
	    "\"check_id\":7,\"verdict\":\"deny\",\"decided_at\":"
	    "\"2026-11-27T01:02:03.123Z\",\"day\":\"2026-11-27\","
	    "\"direction\":\"entry\",\"lane\":3,\"officer\":\"KZ0042\","
	    "\"document\":{\"type\":\"P\""));
	assert_non_null(strstr(json, "\"feed_version\":42,"
	    "\"feed_applied_at\":\"2026-11-27T01:01:03.123Z\","
	    "\"feed_stale\":false,\"policy_version\":\"KZ-2024.1\","
	    "\"reasons\":[{\"code\":\"stay_days_used\",\"severity\":"
	    "\"clear\",\"message\":\"10 of 90 days used\",\"days_used\":10,"
	    "\"last_day\":\"2027-02-14\",\"days_remaining\":80}"));
	assert_non_null(strstr(json, "\"alert\":\"pa-77\",\"score\":0.969,"
	    "\"matched\":\"surname, given names, birth date\","
	    "\"until\":null}"));
	assert_non_null(strstr(json, "\"overstay_days\":3,"
	    "\"first_overstay_day\":\"2026-11-25\"}"));
	assert_non_null(strstr(json, "\"until\":\"2027-01-01\"}]}"));

	assert_string_equal(w->post, v->post);
	assert_int_equal(w->check_id, 7);
	assert_int_equal(w->verdict, CHECK_DENY);
	assert_int_equal(w->decided_at, v->decided_at);
	assert_string_equal(w->day, v->day);
	assert_int_equal(w->direction, v->direction);
	assert_int_equal(w->lane, 3);
	assert_string_equal(w->officer, v->officer);
	assert_int_equal(w->has_document, 1);
	assert_memory_equal(&w->doc, &v->doc, sizeof(w->doc));
	assert_int_equal(w->feed_version, 42);
	assert_int_equal(w->feed_applied_at, v->feed_applied_at);
	assert_int_equal(w->feed_stale, 0);
	assert_string_equal(w->policy_version, "KZ-2024.1");
	assert_int_equal(w->nreasons, v->nreasons);
	for (i = 0; i < v->nreasons; i++) {
		const struct check_reason *a = &v->reasons[i], *b =
		    &w->reasons[i];

		assert_string_equal(a->code, b->code);
		assert_int_equal(a->severity, b->severity);
		assert_string_equal(a->message, b->message);
		assert_string_equal(a->alert, b->alert);
		assert_true(a->score == b->score);
		assert_string_equal(a->matched, b->matched);
		assert_int_equal(a->has_until, b->has_until);
		assert_string_equal(a->until, b->until);
		assert_int_equal(a->days_used, b->days_used);
		assert_string_equal(a->last_day, b->last_day);
		assert_int_equal(a->days_remaining, b->days_remaining);
		assert_int_equal(a->overstay_days, b->overstay_days);
		assert_string_equal(a->first_overstay_day,
		    b->first_overstay_day);
	}
	assert_non_null(check_find_reason(w, "overstay"));
	assert_null(check_find_reason(w, "citizen"));

	/* Encoding the decoded verdict gives the same bytes. */
	enc_dec(w, v, &json2, &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(json, json2, n);
	free(json);
	free(json2);

	/* No document, no policy, never applied, check id not yet given:
	 * null, null, null, and check_id left out. */
	sample_verdict(v);
	v->has_document = 0;
	v->policy_version[0] = '\0';
	v->feed_applied_at = 0;
	v->feed_stale = 1;
	v->check_id = 0;
	v->nreasons = 0;
	v->verdict = CHECK_REFER;
	enc_dec(v, w, &json, &n);
	json[n] = '\0';
	assert_null(strstr(json, "check_id"));
	assert_non_null(strstr(json, "\"document\":null"));
	assert_non_null(strstr(json, "\"feed_applied_at\":null,"
	    "\"feed_stale\":true,\"policy_version\":null,\"reasons\":[]}"));
	assert_int_equal(w->has_document, 0);
	assert_int_equal(w->check_id, 0);
	assert_int_equal(w->feed_applied_at, 0);
	assert_int_equal(w->feed_stale, 1);
	assert_string_equal(w->policy_version, "");
	assert_int_equal(w->verdict, CHECK_REFER);
	free(json);
	free(v);
	free(w);
}

static void
test_verdict_encode_refuses(void **state)
{
	struct check_verdict	*v;
	char			*buf;
	size_t			 n, need, i;

	(void)state;
	v = calloc(1, sizeof(*v));
	buf = malloc(CHECK_VERDICT_MAX);
	assert_non_null(v);
	assert_non_null(buf);
	for (i = 0; i < 17; i++) {
		sample_verdict(v);
		switch (i) {
		case 0: v->post[0] = 'a'; break;
		case 1: v->verdict = 0; break;
		case 2: v->check_id = CHECK_ID_MAX + 1; break;
		case 3: (void)snprintf(v->day, sizeof(v->day), "2026-02-30");
			break;
		case 4: v->direction = 3; break;
		case 5: v->lane = 0; break;
		case 6: v->officer[0] = '\0'; break;
		case 7: v->feed_version = CHECK_ID_MAX + 1; break;
		case 8: v->nreasons = CHECK_REASONS_MAX + 1; break;
		case 9: v->reasons[0].code[0] = 'X'; break;
		case 10: v->reasons[0].severity = 0; break;
		case 11: v->reasons[0].message[0] = '\0'; break;
		case 12: v->reasons[0].message[1] = '\n'; break;
		case 13: v->reasons[1].score = 1.01; break;
		case 14: (void)snprintf(v->reasons[0].last_day,
			    sizeof(v->reasons[0].last_day), "2026-13-01");
			break;
		case 15: (void)snprintf(v->reasons[3].until,
			    sizeof(v->reasons[3].until), "tomorrow");
			break;
		case 16: memset(v->policy_version, 'A',
			    sizeof(v->policy_version));
			break;
		}
		if (check_encode_verdict(v, buf, CHECK_VERDICT_MAX, &n) !=
		    ERR_INVAL)
			fail_msg("case %zu: encoded", i);
	}
	/* Exactly the size it needs, and one byte short. */
	sample_verdict(v);
	assert_int_equal(check_encode_verdict(v, buf, CHECK_VERDICT_MAX,
	    &need), 0);
	assert_int_equal(check_encode_verdict(v, buf, need, &n), 0);
	assert_int_equal(n, need);
	assert_int_equal(check_encode_verdict(v, buf, need - 1, &n),
	    ERR_TOOBIG);
	free(buf);
	free(v);
}

/* Replaces the first "from" in s by "to" (into a fresh heap string). */
static char *
subst(const char *s, const char *from, const char *to)
{
	const char	*at;
	char		*out;
	size_t		 n;

	at = strstr(s, from);
	if (at == NULL)
		fail_msg("\"%s\" is not in the verdict", from);
	n = strlen(s) - strlen(from) + strlen(to);
	out = malloc(n + 1);
	assert_non_null(out);
	(void)snprintf(out, n + 1, "%.*s%s%s", (int)(at - s), s, to,
	    at + strlen(from));
	return out;
}

static void
test_verdict_decode_refuses(void **state)
{
	static const struct {
		const char	*from, *to;
		int		 rc;
		const char	*field;
	} cases[] = {
		{ "\"version\":1,", "", ERR_VERSION, "version" },
		{ "\"version\":1,", "\"version\":2,", ERR_VERSION, "version" },
		{ "\"post\":\"ALA01\"", "\"post\":\"ala01\"", ERR_INVAL,
		  "post" },
		{ "\"check_id\":7", "\"check_id\":0", ERR_INVAL, "check_id" },
		{ "\"check_id\":7", "\"check_id\":9007199254740992",
		  ERR_INVAL, "check_id" },
		{ "\"verdict\":\"deny\"", "\"verdict\":\"maybe\"", ERR_INVAL,
		  "verdict" },
		{ "\"decided_at\":\"2026-11-27T01:02:03.123Z\"",
		  "\"decided_at\":\"yesterday\"", ERR_INVAL, "decided_at" },
		{ "\"day\":\"2026-11-27\"", "\"day\":\"2026-11-31\"",
		  ERR_INVAL, "day" },
		{ "\"direction\":\"entry\"", "\"direction\":\"in\"",
		  ERR_INVAL, "direction" },
		{ "\"lane\":3", "\"lane\":0", ERR_INVAL, "lane" },
		{ "\"officer\":\"KZ0042\"", "\"officer\":\"\"", ERR_INVAL,
		  "officer" },
		{ "\"sex\":\"M\"", "\"sex\":\"Q\"", ERR_INVAL,
		  "document.sex" },
		{ "\"sex\":\"M\"", "\"sex\":\"M\",\"extra\":1", ERR_INVAL,
		  "document" },
		{ "\"feed_version\":42", "\"feed_version\":-1", ERR_INVAL,
		  "feed_version" },
		{ "\"feed_stale\":false", "\"feed_stale\":0", ERR_INVAL,
		  "feed_stale" },
		{ "\"policy_version\":\"KZ-2024.1\"", "\"policy_version\":\"\"",
		  ERR_INVAL, "policy_version" },
		{ "\"reasons\":[", "\"reasons\":{\"a\":[", ERR_PARSE, "" },
		{ "\"severity\":\"clear\"", "\"severity\":\"fine\"",
		  ERR_INVAL, "reasons[0].severity" },
		{ "\"code\":\"stay_days_used\"", "\"code\":\"Stay\"",
		  ERR_INVAL, "reasons[0].code" },
		{ "\"message\":\"10 of 90 days used\"", "\"message\":\"\"",
		  ERR_INVAL, "reasons[0].message" },
		{ "\"message\":\"10 of 90 days used\"",
		  "\"message\":\"a\\nb\"", ERR_INVAL, "reasons[0].message" },
		{ "\"days_used\":10", "\"days_used\":-1", ERR_INVAL,
		  "reasons[0].days_used" },
		{ "\"score\":0.969", "\"score\":1.5", ERR_INVAL,
		  "reasons[1].score" },
		{ "\"score\":0.969", "\"score\":\"high\"", ERR_INVAL,
		  "reasons[1].score" },
		{ "\"until\":null", "\"until\":\"never\"", ERR_INVAL,
		  "reasons[1].until" },
		{ "\"days_remaining\":80", "\"days_remaining\":80,\"x\":1",
		  ERR_INVAL, "reasons[0]" },
		{ "\"version\":1,", "\"version\":1,\"version\":1,", ERR_PARSE,
		  "" },
		{ "\"version\":1,", "\"version\":1,\"seq\":3,", ERR_INVAL, "" },
		{ "{\"version\"", "[{\"version\"", ERR_PARSE, "" },
	};
	struct check_verdict	*v, *out, *keep;
	struct proto_error	 e;
	struct body		 b;
	char			*json, *bad;
	size_t			 n, i;
	int			 rc;

	(void)state;
	v = calloc(1, sizeof(*v));
	out = calloc(1, sizeof(*out));
	keep = calloc(1, sizeof(*keep));
	json = malloc(CHECK_VERDICT_MAX + 1);
	assert_true(v != NULL && out != NULL && keep != NULL && json != NULL);
	sample_verdict(v);
	assert_int_equal(check_encode_verdict(v, json, CHECK_VERDICT_MAX, &n),
	    0);
	json[n] = '\0';
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = subst(json, cases[i].from, cases[i].to);
		b = body(bad);
		memset(out, 0x5A, sizeof(*out));
		memcpy(keep, out, sizeof(*keep));
		memset(&e, 0, sizeof(e));
		rc = check_decode_verdict(out, b.p, b.len, &e);
		if (rc != cases[i].rc || strcmp(e.field, cases[i].field) != 0)
			fail_msg("case %zu (%s): rc %d field \"%s\" (%s)", i,
			    cases[i].to, rc, e.field, e.message);
		assert_true(e.message[0] != '\0');
		assert_memory_equal(out, keep, sizeof(*out));
		free(b.p);
		free(bad);
	}
	/* Truncated at every byte: never accepted, never read past. */
	for (i = 0; i < n; i += 7) {
		b.p = malloc(i > 0 ? i : 1);
		assert_non_null(b.p);
		memcpy(b.p, json, i);
		assert_int_not_equal(check_decode_verdict(out, b.p, i, NULL),
		    0);
		free(b.p);
	}
	free(json);
	free(keep);
	free(out);
	free(v);
}

static void
test_verdict_reasons_cap(void **state)
{
	struct check_verdict	*v, *w;
	char			*json, *bad;
	struct body		 b;
	struct proto_error	 e;
	size_t			 n, i;

	(void)state;
	v = calloc(1, sizeof(*v));
	w = calloc(1, sizeof(*w));
	json = malloc(CHECK_VERDICT_MAX + 64);
	assert_true(v != NULL && w != NULL && json != NULL);
	sample_verdict(v);
	v->nreasons = 0;
	v->verdict = CHECK_CLEAR;
	for (i = 0; i < CHECK_REASONS_MAX; i++)
		assert_non_null(check_add_reason(v, "stay_unknown",
		    CHECK_CLEAR, "reason %zu", i));
	/* The 17th is not kept, but its severity still counts. */
	assert_null(check_add_reason(v, "document_expired", CHECK_DENY,
	    "expired"));
	assert_int_equal(v->nreasons, CHECK_REASONS_MAX);
	assert_int_equal(v->verdict, CHECK_DENY);
	assert_int_equal(check_encode_verdict(v, json, CHECK_VERDICT_MAX, &n),
	    0);
	json[n] = '\0';
	b = body(json);
	assert_int_equal(check_decode_verdict(w, b.p, b.len, NULL), 0);
	assert_int_equal(w->nreasons, CHECK_REASONS_MAX);
	free(b.p);
	/* A 17th reason on the wire is refused. */
	bad = subst(json, "\"reasons\":[", "\"reasons\":[{\"code\":\"citizen\","
	    "\"severity\":\"clear\",\"message\":\"m\"},");
	b = body(bad);
	memset(&e, 0, sizeof(e));
	assert_int_equal(check_decode_verdict(w, b.p, b.len, &e), ERR_INVAL);
	assert_string_equal(e.field, "reasons");
	free(b.p);
	free(bad);
	free(json);
	free(w);
	free(v);
}

static void
test_add_reason_cuts_utf8(void **state)
{
	struct check_verdict	*v;
	struct check_reason	*r;
	char			 big[2 * CHECK_MSG_MAX];
	size_t			 i, n;

	(void)state;
	v = calloc(1, sizeof(*v));
	assert_non_null(v);
	/* One ASCII byte, then Cyrillic (2 bytes each): the cut at 320
	 * bytes would split a letter, so it falls before it. */
	big[0] = 'x';
	for (i = 1; i + 2 < sizeof(big); i += 2) {
		big[i] = '\xd0';
		big[i + 1] = '\x96';
	}
	big[i] = '\0';
	r = check_add_reason(v, "watchlist_wanted", CHECK_REFER, "%s", big);
	assert_non_null(r);
	n = strlen(r->message);
	assert_int_equal(n, CHECK_MSG_MAX - 1);
	assert_int_equal((unsigned char)r->message[n - 1], 0x96);
	assert_int_equal(v->verdict, CHECK_REFER);
	/* Defaults: nothing that does not apply is set. */
	assert_true(r->score < 0);
	assert_true(r->days_used < 0 && r->days_remaining < 0 &&
	    r->overstay_days < 0);
	assert_int_equal(r->has_until, 0);
	/* A lower severity never lowers the verdict. */
	assert_non_null(check_add_reason(v, "citizen", CHECK_CLEAR, "c"));
	assert_int_equal(v->verdict, CHECK_REFER);
	assert_string_equal(check_verdict_str(CHECK_DENY), "deny");
	assert_string_equal(check_verdict_str(0), "invalid");
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_ok),
		cmocka_unit_test(test_request_bounds),
		cmocka_unit_test(test_request_mrz_length),
		cmocka_unit_test(test_request_encode_refuses),
		cmocka_unit_test(test_verdict_round_trip),
		cmocka_unit_test(test_verdict_encode_refuses),
		cmocka_unit_test(test_verdict_decode_refuses),
		cmocka_unit_test(test_verdict_reasons_cap),
		cmocka_unit_test(test_add_reason_cuts_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
