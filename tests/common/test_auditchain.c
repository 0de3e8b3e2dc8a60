/* test_auditchain.c - the audit chain's encoding: canonical detail JSON (key
 * order, escapes, numbers, refusals), the hash of fixed events against
 * known vectors, and the link check refusing every altered field.
 *
 * The vectors were computed once, independently of this code, with
 * Python's hashlib from docs/audit.md's description:
 *   def h(fields):
 *       m = hashlib.sha256(b"shekara-audit-v1\n")
 *       for f in fields:
 *           b = f.encode()
 *           m.update(str(len(b)).encode() + b":" + b + b"\n")
 *       return m.hexdigest()
 *   h(["centre", "1", "2026-11-27T01:02:03.123Z", "alice", "login",
 *       "RUS:P1234567", '{"a":"\\u0416","b":1}', "0" * 64])
 *   h(["post:ALA01", "2", "2026-11-27T01:02:03.124Z", "off-7", "check", "",
 *       "{}", <the first hash>])
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auditchain.h"
#include "err.h"

#define VEC1_HASH \
	"32c99af2696936bc985604fe22f5740799aa6d2c249e6524ce047976cedcec93"
#define VEC2_HASH \
	"5f57697ac6c2d0d2d25eaf1fee6ee798ac5927c4a6d057cf53fae99e20e7d4d5"
#define VEC1_AT_MS	1795741323123LL	/* 2026-11-27T01:02:03.123Z */

/* The canonical form of in, or NULL with *rc set. */
static char *
canon(const char *in, int *rc)
{
	char	*out = NULL;
	size_t	 len = 0;

	*rc = audit_canon_detail(in, strlen(in), &out, &len);
	if (*rc == 0)
		assert_int_equal(len, strlen(out));
	return out;
}

static void
expect_canon(const char *in, const char *want)
{
	char	*out;
	int	 rc;

	out = canon(in, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
	free(out);
}

static void
test_canon_order_and_spacing(void **state)
{
	(void)state;
	expect_canon("{ \"b\" : 1 , \"a\" : 2 }", "{\"a\":2,\"b\":1}");
	/* Sorted by bytes, nested objects too; arrays keep their order. */
	expect_canon("{\"z\":{\"y\":1,\"x\":[3,1,2]},\"B\":0,\"a\":null}",
	    "{\"B\":0,\"a\":null,\"z\":{\"x\":[3,1,2],\"y\":1}}");
	expect_canon("{}", "{}");
	expect_canon("\n\t{\"t\":true,\"f\":false}\r\n",
	    "{\"f\":false,\"t\":true}");
}

static void
test_canon_escapes(void **state)
{
	(void)state;
	/* Non-ASCII as \u escapes (a pair for beyond the BMP); the two-char
	 * escapes; other controls as \u00XX; "/" as it is. */
	expect_canon("{\"a\":\"\xd0\x96\"}", "{\"a\":\"\\u0416\"}");
	expect_canon("{\"a\":\"\xc3\xa9\"}", "{\"a\":\"\\u00E9\"}");
	expect_canon("{\"a\":\"\xf0\x9f\x98\x80\"}",
	    "{\"a\":\"\\uD83D\\uDE00\"}");
	expect_canon("{\"a\":\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001/\"}",
	    "{\"a\":\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001/\"}");
	expect_canon("{\"a\":\"\\u00e9\\/\"}", "{\"a\":\"\\u00E9/\"}");
	/* Keys are escaped the same way. */
	expect_canon("{\"\xc3\xa9\":1}", "{\"\\u00E9\":1}");
}

static void
test_canon_numbers(void **state)
{
	(void)state;
	expect_canon("{\"i\":42,\"n\":-9007199254740993}",
	    "{\"i\":42,\"n\":-9007199254740993}");
	expect_canon("{\"r\":1.5,\"e\":1e3}", "{\"e\":1000.0,\"r\":1.5}");
	expect_canon("{\"z\":-0,\"y\":0.1}", "{\"y\":0.10000000000000001,\"z\":0}");
}

static void
test_canon_refuses(void **state)
{
	static const char *const bad[] = {
		"", "[]", "1", "\"s\"", "null", "{", "{\"a\":1,}",
		"{\"a\":1,\"a\":2}",		/* duplicate key */
		"{\"a\":\"\\u0000\"}",		/* NUL in a string */
		"{\"a\":1} x",			/* trailing text */
		"{\"a\":\"\xff\"}",		/* not UTF-8 */
		"{\"a\":99999999999999999999}",	/* over 64 bits */
		"{'a':1}",
	};
	char	*out, *big;
	size_t	 i, n;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = canon(bad[i], &rc);
		if (rc == 0)
			fail_msg("accepted %s as %s", bad[i], out);
		assert_int_equal(rc, ERR_PARSE);
	}
	/* Over 64 KiB in. */
	n = AUDIT_DETAIL_MAX + 1;
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	assert_null(canon(big, &rc));
	assert_int_equal(rc, ERR_TOOBIG);
	free(big);
}

static void
vec1(struct audit_event *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->chain, "centre", sizeof("centre"));
	e->seq = 1;
	e->at_ms = VEC1_AT_MS;
	e->actor = "alice";
	e->action = "login";
	e->subject = "RUS:P1234567";
	e->detail = "{\"a\":\"\\u0416\",\"b\":1}";
	e->detail_len = strlen(e->detail);
	memcpy(e->prev, AUDIT_GENESIS, sizeof(AUDIT_GENESIS));
}

static void
test_hash_vectors(void **state)
{
	struct audit_event	e;
	char			h[AUDIT_HASH_HEX + 1];
	char			*d;
	size_t			 dl;

	(void)state;
	assert_int_equal(strlen(AUDIT_GENESIS), AUDIT_HASH_HEX);
	vec1(&e);
	/* The detail as an appender gets it, canonicalised. */
	assert_int_equal(audit_canon_detail("{\"b\": 1, \"a\": \"\xd0\x96\"}",
	    strlen("{\"b\": 1, \"a\": \"\xd0\x96\"}"), &d, &dl), 0);
	assert_string_equal(d, e.detail);
	free(d);
	assert_int_equal(audit_event_hash(&e, h), 0);
	assert_string_equal(h, VEC1_HASH);

	memset(&e, 0, sizeof(e));
	memcpy(e.chain, "post:ALA01", sizeof("post:ALA01"));
	e.seq = 2;
	e.at_ms = VEC1_AT_MS + 1;
	e.actor = "off-7";
	e.action = "check";
	e.subject = "";
	e.detail = "{}";
	e.detail_len = 2;
	memcpy(e.prev, VEC1_HASH, sizeof(VEC1_HASH));
	assert_int_equal(audit_event_hash(&e, h), 0);
	assert_string_equal(h, VEC2_HASH);
}

/* Every field is covered: changing any one changes the hash and fails the
 * check. */
static void
test_check_every_field(void **state)
{
	struct audit_event	e, x;
	char			h[AUDIT_HASH_HEX + 1];
	int			i;

	(void)state;
	vec1(&e);
	memcpy(e.hash, VEC1_HASH, sizeof(VEC1_HASH));
	assert_int_equal(audit_event_check(&e, AUDIT_GENESIS), 0);
	/* The wrong predecessor. */
	assert_int_equal(audit_event_check(&e, VEC2_HASH), ERR_INVAL);
	for (i = 0; i < 8; i++) {
		x = e;
		switch (i) {
		case 0: x.chain[0] = 'C'; break;
		case 1: x.seq = 2; break;
		case 2: x.at_ms++; break;
		case 3: x.actor = "alicf"; break;
		case 4: x.action = "logout"; break;
		case 5: x.subject = "RUS:P1234568"; break;
		case 6: x.detail = "{\"a\":\"\\u0416\",\"b\":2}"; break;
		case 7: x.prev[63] = '1'; break;
		}
		assert_int_equal(audit_event_hash(&x, h), 0);
		assert_string_not_equal(h, VEC1_HASH);
		assert_int_equal(audit_event_check(&x, x.prev), ERR_INVAL);
	}
	/* A field boundary moved: "ab"+"c" vs "a"+"bc" (lengths count). */
	x = e;
	x.actor = "alicelogin";
	x.action = "x";
	assert_int_equal(audit_event_hash(&x, h), 0);
	assert_string_not_equal(h, VEC1_HASH);
}

static void
test_hash_refuses(void **state)
{
	struct audit_event	e, x;
	char			h[AUDIT_HASH_HEX + 1];
	char			long_actor[AUDIT_ACTOR_MAX + 2];
	int			i;

	(void)state;
	vec1(&e);
	memset(long_actor, 'a', sizeof(long_actor) - 1);
	long_actor[sizeof(long_actor) - 1] = '\0';
	for (i = 0; i < 12; i++) {
		x = e;
		switch (i) {
		case 0: x.chain[0] = '\0'; break;
		case 1: x.seq = 0; break;
		case 2: x.actor = ""; break;
		case 3: x.actor = long_actor; break;
		case 4: x.actor = "a\nb"; break;
		case 5: x.action = "Login"; break;
		case 6: x.action = ""; break;
		case 7: x.subject = "\x01"; break;
		case 8: x.detail_len = 0; break;
		case 9: x.prev[0] = 'A'; break;
		case 10: x.at_ms = INT64_MAX; break;
		case 11: x.chain[2] = ' '; break;
		}
		if (audit_event_hash(&x, h) != ERR_INVAL)
			fail_msg("case %d accepted", i);
	}
	/* 128 bytes of actor is the most, and UTF-8 is fine. */
	long_actor[AUDIT_ACTOR_MAX] = '\0';
	x = e;
	x.actor = long_actor;
	assert_int_equal(audit_event_hash(&x, h), 0);
	x.actor = "\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0";
	assert_int_equal(audit_event_hash(&x, h), 0);
	assert_int_equal(audit_actor_check("\xc0\xaf"), ERR_INVAL);
	assert_int_equal(audit_actor_check("\xc2\x85"), ERR_INVAL);
	assert_int_equal(audit_action_check("abcdefghijklmnopqrstuvwxyz_abcdef"),
	    ERR_INVAL);
	assert_int_equal(audit_action_check("abcdefghijklmnopqrstuvwxyz_abcde"),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_order_and_spacing),
		cmocka_unit_test(test_canon_escapes),
		cmocka_unit_test(test_canon_numbers),
		cmocka_unit_test(test_canon_refuses),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_check_every_field),
		cmocka_unit_test(test_hash_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
