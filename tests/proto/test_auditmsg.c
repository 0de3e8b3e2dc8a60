/* test_auditmsg.c - a post's audit batch on the wire (proto/auditmsg.c):
 * the round trip keeps every field and the hash still checks (the detail
 * arrives in the canonical text the post hashed, whatever its spelling on
 * the wire); the decoder refuses every bad field naming it, leaves its
 * output untouched and frees what it took on failure (ASan); the encoder
 * refuses what the decoder would and fits in auditmsg_batch_bound().
 * Bodies are decoded from a heap copy of exactly their length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auditchain.h"
#include "auditmsg.h"
#include "err.h"
#include "proto.h"

#define T_AT	INT64_C(1795741323123)	/* 2026-11-27T01:02:03.123Z */
#define HEX_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* One valid event, seq 7, with a body for the error table to spoil. */
#define EV(seq, at, actor, action, subject, detail, prev, hash)		\
	"{\"seq\":" seq ",\"at\":" at ",\"actor\":" actor ",\"action\":"	\
	action ",\"subject\":" subject ",\"detail\":" detail ",\"prev\":"	\
	prev ",\"hash\":" hash "}"
#define EV_OK	EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",	\
	"\"check\"", "\"KAZ:N1234567\"", "{\"lane\":3}", "\"" HEX_A "\"",	\
	"\"" HEX_B "\"")
#define BATCH(events)	"{\"version\":1,\"post\":\"ALA01\",\"events\":[" \
	events "]}"

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

static int
decode(const char *s, struct auditmsg_batch *out, size_t cap,
    struct proto_error *err)
{
	struct body	b = body(s);
	int		rc;

	memset(err, 0, sizeof(*err));
	rc = auditmsg_decode_batch(out, cap, b.p, b.len, err);
	free(b.p);
	return rc;
}

/* A chain of n events as the post makes it: hashed over canonical
 * details, each prev the hash before. */
static void
mkchain(struct auditmsg_event *ev, size_t n, const char *const *details)
{
	struct audit_event	ae;
	char			prev[AUDIT_HASH_HEX + 1] = AUDIT_GENESIS;
	char			*canon;
	size_t			i, clen;

	for (i = 0; i < n; i++) {
		memset(&ev[i], 0, sizeof(ev[i]));
		ev[i].seq = i + 1;
		ev[i].at_ms = T_AT + (int64_t)i;
		(void)snprintf(ev[i].actor, sizeof(ev[i].actor), "KZ%04zu", i);
		(void)snprintf(ev[i].action, sizeof(ev[i].action), "%s",
		    i % 2 == 0 ? "check" : "record");
		(void)snprintf(ev[i].subject, sizeof(ev[i].subject), "%s",
		    i == 1 ? "" : "KAZ:N1234567");
		assert_int_equal(audit_canon_detail(details[i],
		    strlen(details[i]), &canon, &clen), 0);
		ev[i].detail = canon;
		ev[i].detail_len = clen;
		memcpy(ev[i].prev, prev, sizeof(prev));
		memset(&ae, 0, sizeof(ae));
		(void)snprintf(ae.chain, sizeof(ae.chain), "post:ALA01");
		ae.seq = ev[i].seq;
		ae.at_ms = ev[i].at_ms;
		ae.actor = ev[i].actor;
		ae.action = ev[i].action;
		ae.subject = ev[i].subject;
		ae.detail = canon;
		ae.detail_len = clen;
		memcpy(ae.prev, prev, sizeof(prev));
		assert_int_equal(audit_event_hash(&ae, ev[i].hash), 0);
		memcpy(prev, ev[i].hash, sizeof(prev));
	}
}

static void
freechain(struct auditmsg_event *ev, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(ev[i].detail);
}

static void
test_round_trip_keeps_the_chain(void **state)
{
	static const char *const details[] = {
		"{\"verdict\":\"deny\",\"reasons\":[\"watchlist_entry_ban\"],"
		    "\"alerts\":[\"pa-1\"],\"check_id\":1,\"lane\":3,"
		    "\"policy_version\":null,\"feed_version\":42}",
		"{\"seq\":1,\"reason\":\"\xd0\x9f\xd0\xbe "
		    "\\\"quoted\\\"\\n\",\"check_id\":null}",
		"{}",
	};
	struct auditmsg_event	 ev[3], got[3];
	struct auditmsg_batch	 b, d;
	struct audit_event	 ae;
	struct proto_error	 err;
	char			*buf, prev[AUDIT_HASH_HEX + 1] = AUDIT_GENESIS;
	size_t			 bound, len, i;

	(void)state;
	mkchain(ev, 3, details);
	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "ALA01");
	b.n = 3;
	b.events = ev;
	bound = auditmsg_batch_bound(&b);
	assert_non_null(buf = malloc(bound));
	assert_int_equal(auditmsg_encode_batch(&b, buf, bound, &len), 0);
	/* A buffer one byte short is refused, not cut. */
	assert_int_equal(auditmsg_encode_batch(&b, buf, len - 1, &i),
	    ERR_TOOBIG);

	memset(&d, 0, sizeof(d));
	memset(got, 0, sizeof(got));
	d.events = got;
	memset(&err, 0, sizeof(err));
	assert_int_equal(auditmsg_decode_batch(&d, 3, (const uint8_t *)buf,
	    len, &err), 0);
	assert_string_equal(d.post, "ALA01");
	assert_int_equal(d.n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(got[i].seq, ev[i].seq);
		assert_int_equal(got[i].at_ms, ev[i].at_ms);
		assert_string_equal(got[i].actor, ev[i].actor);
		assert_string_equal(got[i].action, ev[i].action);
		assert_string_equal(got[i].subject, ev[i].subject);
		assert_int_equal(got[i].detail_len, ev[i].detail_len);
		assert_memory_equal(got[i].detail, ev[i].detail,
		    ev[i].detail_len);
		assert_string_equal(got[i].prev, ev[i].prev);
		assert_string_equal(got[i].hash, ev[i].hash);
		/* What the centre checks: the hash of what arrived. */
		memset(&ae, 0, sizeof(ae));
		(void)snprintf(ae.chain, sizeof(ae.chain), "post:ALA01");
		ae.seq = got[i].seq;
		ae.at_ms = got[i].at_ms;
		ae.actor = got[i].actor;
		ae.action = got[i].action;
		ae.subject = got[i].subject;
		ae.detail = got[i].detail;
		ae.detail_len = got[i].detail_len;
		memcpy(ae.prev, got[i].prev, sizeof(ae.prev));
		memcpy(ae.hash, got[i].hash, sizeof(ae.hash));
		assert_int_equal(audit_event_check(&ae, prev), 0);
		memcpy(prev, got[i].hash, sizeof(prev));
	}
	/* The canonical detail: sorted keys, ASCII-escaped. */
	assert_string_equal(got[0].detail, "{\"alerts\":[\"pa-1\"],"
	    "\"check_id\":1,\"feed_version\":42,\"lane\":3,"
	    "\"policy_version\":null,\"reasons\":[\"watchlist_entry_ban\"],"
	    "\"verdict\":\"deny\"}");
	assert_null(strstr(got[1].detail, "\xd0"));
	auditmsg_batch_reset(&d);
	assert_int_equal(d.n, 0);
	assert_null(got[0].detail);
	freechain(ev, 3);
	free(buf);
}

/* However the post spells the detail, the centre gets its canonical
 * text: key order, spaces and escapes do not change what is hashed. */
static void
test_decode_makes_detail_canonical(void **state)
{
	struct auditmsg_event	ev[1];
	struct auditmsg_batch	d;
	struct proto_error	err;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.events = ev;
	assert_int_equal(decode(BATCH(EV("7",
	    "\"2026-11-27T06:02:03.123+05:00\"", "\"KZ0042\"", "\"check\"",
	    "\"\"", "{ \"z\" : 1, \"a\" : [ true , \"\\u00e9\\/\" ] }",
	    "\"" HEX_A "\"", "\"" HEX_B "\"")), &d, 10, &err), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(ev[0].detail, "{\"a\":[true,\"\\u00E9/\"],"
	    "\"z\":1}");
	assert_int_equal(ev[0].detail_len, strlen(ev[0].detail));
	/* An offset is read and the time kept in UTC. */
	assert_int_equal(ev[0].at_ms, T_AT);
	assert_string_equal(ev[0].subject, "");
	auditmsg_batch_reset(&d);
}

static void
test_decode_empty_batch(void **state)
{
	struct auditmsg_event	ev[1];
	struct auditmsg_batch	d;
	struct proto_error	err;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.events = ev;
	d.n = 5;
	assert_int_equal(decode(BATCH(""), &d, 10, &err), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(d.post, "ALA01");
}

struct bad {
	const char	*json;
	int		 rc;
	const char	*field;
};

static void
test_decode_refusals_name_the_field(void **state)
{
	static const struct bad cases[] = {
		{ "", ERR_PARSE, "" },
		{ "{", ERR_PARSE, "" },
		{ "[]", ERR_PARSE, "" },
		{ "{\"post\":\"ALA01\",\"events\":[]}", ERR_VERSION,
		    "version" },
		{ "{\"version\":2,\"post\":\"ALA01\",\"events\":[]}",
		    ERR_VERSION, "version" },
		{ "{\"version\":\"1\",\"post\":\"ALA01\",\"events\":[]}",
		    ERR_VERSION, "version" },
		{ "{\"version\":1,\"post\":\"ALA01\",\"events\":[],"
		    "\"x\":1}", ERR_INVAL, "" },
		{ "{\"version\":1,\"post\":\"ALA01\",\"post\":\"ALA01\","
		    "\"events\":[]}", ERR_PARSE, "" },
		{ "{\"version\":1,\"post\":\"al\",\"events\":[]}", ERR_INVAL,
		    "post" },
		{ "{\"version\":1,\"events\":[]}", ERR_INVAL, "post" },
		{ "{\"version\":1,\"post\":\"ALA01\"}", ERR_INVAL, "events" },
		{ "{\"version\":1,\"post\":\"ALA01\",\"events\":{}}",
		    ERR_INVAL, "events" },
		{ BATCH("1"), ERR_INVAL, "events[0]" },
		{ BATCH(EV_OK "," EV_OK), ERR_INVAL, "events[1].seq" },
		{ BATCH("{\"x\":1}"), ERR_INVAL, "events[0]" },
		{ BATCH(EV("0", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"check\"", "\"\"", "{}", "\"" HEX_A "\"",
		    "\"" HEX_B "\"")), ERR_INVAL, "events[0].seq" },
		{ BATCH(EV("9007199254740992",
		    "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"", "\"check\"",
		    "\"\"", "{}", "\"" HEX_A "\"", "\"" HEX_B "\"")),
		    ERR_INVAL, "events[0].seq" },
		{ BATCH(EV("\"7\"", "\"2026-11-27T01:02:03.123Z\"",
		    "\"KZ0042\"", "\"check\"", "\"\"", "{}", "\"" HEX_A "\"",
		    "\"" HEX_B "\"")), ERR_INVAL, "events[0].seq" },
		{ BATCH(EV("7", "\"2026-11-27\"", "\"KZ0042\"", "\"check\"",
		    "\"\"", "{}", "\"" HEX_A "\"", "\"" HEX_B "\"")),
		    ERR_INVAL, "events[0].at" },
		{ BATCH(EV("7", "1795741323123", "\"KZ0042\"", "\"check\"",
		    "\"\"", "{}", "\"" HEX_A "\"", "\"" HEX_B "\"")),
		    ERR_INVAL, "events[0].at" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"\"",
		    "\"check\"", "\"\"", "{}", "\"" HEX_A "\"",
		    "\"" HEX_B "\"")), ERR_INVAL, "events[0].actor" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"",
		    "\"KZ\\n0042\"", "\"check\"", "\"\"", "{}",
		    "\"" HEX_A "\"", "\"" HEX_B "\"")), ERR_INVAL,
		    "events[0].actor" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"",
		    "\"KZ\\u00000042\"", "\"check\"", "\"\"", "{}",
		    "\"" HEX_A "\"", "\"" HEX_B "\"")), ERR_PARSE, "" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"Check\"", "\"\"", "{}", "\"" HEX_A "\"",
		    "\"" HEX_B "\"")), ERR_INVAL, "events[0].action" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"\"", "\"\"", "{}", "\"" HEX_A "\"", "\"" HEX_B "\"")),
		    ERR_INVAL, "events[0].action" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"abcdefghijklmnopqrstuvwxyzabcdefg\"", "\"\"", "{}",
		    "\"" HEX_A "\"", "\"" HEX_B "\"")), ERR_INVAL,
		    "events[0].action" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"check\"", "\"" HEX_A HEX_A "x\"", "{}",
		    "\"" HEX_A "\"", "\"" HEX_B "\"")), ERR_INVAL,
		    "events[0].subject" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"check\"", "null", "{}", "\"" HEX_A "\"",
		    "\"" HEX_B "\"")), ERR_INVAL, "events[0].subject" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"check\"", "\"\"", "\"{}\"", "\"" HEX_A "\"",
		    "\"" HEX_B "\"")), ERR_INVAL, "events[0].detail" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"check\"", "\"\"", "[]", "\"" HEX_A "\"",
		    "\"" HEX_B "\"")), ERR_INVAL, "events[0].detail" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"check\"", "\"\"", "{}", "\"aaaa\"", "\"" HEX_B "\"")),
		    ERR_INVAL, "events[0].prev" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"check\"", "\"\"", "{}", "\"" HEX_A "\"",
		    "\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
		    "BBBBBBBB\"")), ERR_INVAL, "events[0].hash" },
		{ BATCH(EV("7", "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"",
		    "\"check\"", "\"\"", "{}", "\"" HEX_A "\"",
		    "\"" HEX_B "\"") "," EV("6",
		    "\"2026-11-27T01:02:03.123Z\"", "\"KZ0042\"", "\"check\"",
		    "\"\"", "{}", "\"" HEX_A "\"", "\"" HEX_B "\"")),
		    ERR_INVAL, "events[1].seq" },
		{ BATCH(EV_OK "," EV_OK "," EV_OK), ERR_TOOBIG, "events" },
	};
	struct auditmsg_event	ev[2];
	struct auditmsg_batch	d;
	struct proto_error	err;
	size_t			i;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&d, 0, sizeof(d));
		memset(ev, 0, sizeof(ev));
		d.events = ev;
		(void)snprintf(d.post, sizeof(d.post), "KEEP");
		d.n = 99;
		rc = decode(cases[i].json, &d, 2, &err);
		if (rc != cases[i].rc || strcmp(err.field,
		    cases[i].field) != 0)
			fail_msg("case %zu: rc %d field \"%s\" (%s); want %d "
			    "\"%s\"", i, rc, err.field, err.message,
			    cases[i].rc, cases[i].field);
		assert_true(err.message[0] != '\0');
		/* Untouched, and nothing left allocated (ASan). */
		assert_int_equal(d.n, 99);
		assert_string_equal(d.post, "KEEP");
		assert_null(ev[0].detail);
		assert_null(ev[1].detail);
	}
}

/* A detail past the limit, even one that grows when made canonical. */
static void
test_decode_refuses_huge_detail(void **state)
{
	struct auditmsg_event	ev[1];
	struct auditmsg_batch	d;
	struct proto_error	err;
	char			*s;
	size_t			n, off;

	(void)state;
	n = AUDITMSG_DETAIL_MAX;
	assert_non_null(s = malloc(n + 512));
	off = (size_t)snprintf(s, n + 512, "{\"version\":1,\"post\":\"ALA01\","
	    "\"events\":[{\"seq\":1,\"at\":\"2026-11-27T01:02:03.123Z\","
	    "\"actor\":\"a\",\"action\":\"check\",\"subject\":\"\","
	    "\"prev\":\"" HEX_A "\",\"hash\":\"" HEX_B "\",\"detail\":"
	    "{\"x\":\"");
	/* é is 2 bytes raw, 6 escaped: the canonical form is 3 times
	 * longer. */
	while (off < n / 2) {
		s[off++] = '\xc3';
		s[off++] = '\xa9';
	}
	memcpy(s + off, "\"}}]}", 6);
	memset(&d, 0, sizeof(d));
	d.events = ev;
	assert_int_equal(decode(s, &d, 1, &err), ERR_INVAL);
	assert_string_equal(err.field, "events[0].detail");
	assert_int_equal(d.n, 0);
	free(s);
}

static void
test_encode_refuses_what_decode_would(void **state)
{
	static const char *const details[] = { "{\"a\":1}", "{\"b\":2}" };
	struct auditmsg_event	ev[2];
	struct auditmsg_batch	b;
	char			buf[8192], *keep;
	size_t			len;

	(void)state;
	mkchain(ev, 2, details);
	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "ALA01");
	b.n = 2;
	b.events = ev;
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    0);

	(void)snprintf(b.post, sizeof(b.post), "al");
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    ERR_INVAL);
	(void)snprintf(b.post, sizeof(b.post), "ALA01");

	ev[1].seq = 1;		/* not ascending */
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    ERR_INVAL);
	ev[1].seq = 2;

	ev[0].action[0] = 'C';
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    ERR_INVAL);
	ev[0].action[0] = 'c';

	ev[0].hash[3] = 'G';
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    ERR_INVAL);
	ev[0].hash[3] = 'a';

	ev[0].actor[0] = '\0';
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    ERR_INVAL);
	ev[0].actor[0] = 'K';

	keep = ev[1].detail;
	ev[1].detail = (char *)"[1,2]";	/* not an object */
	ev[1].detail_len = 5;
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    ERR_INVAL);
	ev[1].detail = keep;
	ev[1].detail_len = strlen(keep);

	ev[0].at_ms = 0;
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    ERR_INVAL);
	ev[0].at_ms = T_AT;
	assert_int_equal(auditmsg_encode_batch(&b, buf, sizeof(buf), &len),
	    0);
	freechain(ev, 2);
}

/* The bound holds for the worst strings: every byte escaped. */
static void
test_bound_holds_for_worst_strings(void **state)
{
	static const char	detail[] = "{\"k\":\"\\\"\\\"\\\"\"}";
	struct auditmsg_event	ev[1];
	struct auditmsg_batch	b;
	char			*buf, *canon;
	size_t			bound, len, clen, i;

	(void)state;
	memset(ev, 0, sizeof(ev));
	ev[0].seq = 1;
	ev[0].at_ms = T_AT;
	for (i = 0; i < AUDIT_ACTOR_MAX; i++)
		ev[0].actor[i] = i % 2 ? '"' : '\\';
	(void)snprintf(ev[0].action, sizeof(ev[0].action), "%s",
	    "abcdefghijklmnopqrstuvwxyzabcdef");
	for (i = 0; i + 1 < AUDIT_SUBJECT_MAX; i += 2) {
		ev[0].subject[i] = '\xd0';
		ev[0].subject[i + 1] = '\x96';
	}
	assert_int_equal(audit_canon_detail(detail, sizeof(detail) - 1,
	    &canon, &clen), 0);
	ev[0].detail = canon;
	ev[0].detail_len = clen;
	memset(ev[0].prev, 'a', AUDIT_HASH_HEX);
	memset(ev[0].hash, 'b', AUDIT_HASH_HEX);
	memset(&b, 0, sizeof(b));
	(void)snprintf(b.post, sizeof(b.post), "ALA01");
	b.n = 1;
	b.events = ev;
	bound = auditmsg_batch_bound(&b);
	assert_non_null(buf = malloc(bound));
	assert_int_equal(auditmsg_encode_batch(&b, buf, bound, &len), 0);
	assert_true(len <= bound);
	free(buf);
	free(canon);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_keeps_the_chain),
		cmocka_unit_test(test_decode_makes_detail_canonical),
		cmocka_unit_test(test_decode_empty_batch),
		cmocka_unit_test(test_decode_refusals_name_the_field),
		cmocka_unit_test(test_decode_refuses_huge_detail),
		cmocka_unit_test(test_encode_refuses_what_decode_would),
		cmocka_unit_test(test_bound_holds_for_worst_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
