/* test_date.c - civil dates and RFC 3339 timestamps: tables of valid,
 * invalid and boundary inputs, each parsed from a heap copy of exactly len
 * bytes so that ASan catches any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"
#include "err.h"

#define LEN_STR	((size_t)-1)	/* take strlen of the literal */

/* A heap copy of exactly len bytes, no NUL after it. */
static char *
exact_copy(const char *s, size_t len)
{
	char	*p;

	p = malloc(len > 0 ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

static void
test_date_check_table(void **state)
{
	static const struct {
		int	y, m, d, ok;
	} t[] = {
		{ 2024, 2, 29, 1 }, { 2023, 2, 29, 0 }, { 2000, 2, 29, 1 },
		{ 1900, 2, 29, 0 }, { 2100, 2, 29, 0 }, { 2400, 2, 29, 1 },
		{ 1900, 2, 28, 1 }, { 2024, 1, 31, 1 }, { 2024, 1, 32, 0 },
		{ 2024, 4, 30, 1 }, { 2024, 4, 31, 0 }, { 2024, 12, 31, 1 },
		{ 2024, 13, 1, 0 }, { 2024, 0, 1, 0 }, { 2024, 1, 0, 0 },
		{ 0, 1, 1, 0 }, { 1, 1, 1, 1 }, { 9999, 12, 31, 1 },
		{ 10000, 1, 1, 0 }, { -1, 1, 1, 0 }, { 2024, -1, 1, 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (date_check(t[i].y, t[i].m, t[i].d) != t[i].ok)
			fail_msg("date_check(%d, %d, %d) != %d", t[i].y,
			    t[i].m, t[i].d, t[i].ok);
	}
}

static void
test_date_days_known(void **state)
{
	static const struct {
		struct date	d;
		int64_t		days;
	} t[] = {
		{ { 1970, 1, 1 }, 0 },
		{ { 1969, 12, 31 }, -1 },
		{ { 2000, 1, 1 }, 10957 },
		{ { 2000, 3, 1 }, 11017 },
		{ { 2024, 2, 29 }, 19782 },
		{ { 1900, 3, 1 }, -25508 },
		{ { 1900, 2, 28 }, -25509 },
		{ { 1, 1, 1 }, -719162 },
		{ { 9999, 12, 31 }, 2932896 },
	};
	struct date	out;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(date_to_days(&t[i].d), t[i].days);
		date_from_days(t[i].days, &out);
		assert_int_equal(out.year, t[i].d.year);
		assert_int_equal(out.month, t[i].d.month);
		assert_int_equal(out.day, t[i].d.day);
	}
}

/* Every day from 0001-01-01 to 9999-12-31 follows the one before. */
static void
test_date_days_every_day(void **state)
{
	struct date	d = { 1, 1, 1 }, out;
	int64_t		days;

	(void)state;
	for (days = -719162; days <= 2932896; days++) {
		date_from_days(days, &out);
		if (out.year != d.year || out.month != d.month ||
		    out.day != d.day)
			fail_msg("day %lld: got %d-%d-%d want %d-%d-%d",
			    (long long)days, out.year, out.month, out.day,
			    d.year, d.month, d.day);
		if (date_to_days(&d) != days)
			fail_msg("date_to_days(%d-%d-%d) != %lld", d.year,
			    d.month, d.day, (long long)days);
		if (date_check(d.year, d.month, d.day + 1))
			d.day++;
		else if (d.month < 12) {
			d.month++;
			d.day = 1;
		} else {
			d.year++;
			d.month = 1;
			d.day = 1;
		}
	}
	assert_int_equal(d.year, 10000);
}

static void
test_date_from_days_saturates(void **state)
{
	struct date	out;

	(void)state;
	date_from_days(INT64_MIN, &out);
	assert_int_equal(out.year, 1);
	assert_int_equal(out.month, 1);
	assert_int_equal(out.day, 1);
	date_from_days(INT64_MAX, &out);
	assert_int_equal(out.year, 9999);
	assert_int_equal(out.month, 12);
	assert_int_equal(out.day, 31);
}

static void
test_date_parse_iso_table(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		int		 rc;
		int		 y, m, d;
	} t[] = {
		{ "2024-02-29", LEN_STR, 0, 2024, 2, 29 },
		{ "2023-02-29", LEN_STR, ERR_RANGE, 0, 0, 0 },
		{ "2000-02-29", LEN_STR, 0, 2000, 2, 29 },
		{ "1900-02-29", LEN_STR, ERR_RANGE, 0, 0, 0 },
		{ "1900-02-28", LEN_STR, 0, 1900, 2, 28 },
		{ "1999-12-31", LEN_STR, 0, 1999, 12, 31 },
		{ "0001-01-01", LEN_STR, 0, 1, 1, 1 },
		{ "9999-12-31", LEN_STR, 0, 9999, 12, 31 },
		{ "0000-01-01", LEN_STR, ERR_RANGE, 0, 0, 0 },
		{ "2024-01-32", LEN_STR, ERR_RANGE, 0, 0, 0 },
		{ "2024-04-31", LEN_STR, ERR_RANGE, 0, 0, 0 },
		{ "1999-13-01", LEN_STR, ERR_RANGE, 0, 0, 0 },
		{ "1999-00-01", LEN_STR, ERR_RANGE, 0, 0, 0 },
		{ "1999-01-00", LEN_STR, ERR_RANGE, 0, 0, 0 },
		{ "2000-1-01", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "2000-01-1", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "20000-01-01", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "2000-01-01 ", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "2000-01-01Z", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ " 2000-01-01", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "2000/01/01", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "2000-01-0a", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "+200-01-01", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "2000-+1-01", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "2000-01- 1", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "20000101", LEN_STR, ERR_PARSE, 0, 0, 0 },
		{ "", LEN_STR, ERR_PARSE, 0, 0, 0 },
		/* Embedded NUL: 10 bytes, but not a date. */
		{ "2000-01-0\0", 10, ERR_PARSE, 0, 0, 0 },
		{ "2000\0-01-01", 11, ERR_PARSE, 0, 0, 0 },
		/* len shorter than the string: only len bytes count. */
		{ "2024-02-29", 9, ERR_PARSE, 0, 0, 0 },
		{ "2024-02-29", 0, ERR_PARSE, 0, 0, 0 },
		/* len longer than the date: the trailing bytes count. */
		{ "2024-02-29xyz", 10, 0, 2024, 2, 29 },
		{ "2024-02-29xyz", 11, ERR_PARSE, 0, 0, 0 },
	};
	struct date	 out;
	size_t		 i, len;
	char		*p;
	int		 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = t[i].len == LEN_STR ? strlen(t[i].s) : t[i].len;
		p = exact_copy(t[i].s, len);
		out.year = out.month = out.day = -7;
		rc = date_parse_iso(&out, p, len);
		free(p);
		if (rc != t[i].rc)
			fail_msg("date_parse_iso(\"%s\", %zu) = %d, want %d",
			    t[i].s, len, rc, t[i].rc);
		if (rc == 0) {
			assert_int_equal(out.year, t[i].y);
			assert_int_equal(out.month, t[i].m);
			assert_int_equal(out.day, t[i].d);
		} else {
			/* Outputs untouched on failure. */
			assert_int_equal(out.year, -7);
			assert_int_equal(out.month, -7);
			assert_int_equal(out.day, -7);
		}
	}
	assert_int_equal(date_parse_iso(&out, NULL, 0), ERR_PARSE);
}

static void
test_date_format_iso(void **state)
{
	struct date	d = { 7, 3, 9 }, bad = { 2023, 2, 29 };
	char		buf[16];

	(void)state;
	assert_int_equal(date_format_iso(&d, buf, 11), 0);
	assert_string_equal(buf, "0007-03-09");
	d.year = 2024;
	d.month = 12;
	d.day = 31;
	assert_int_equal(date_format_iso(&d, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2024-12-31");
	assert_int_equal(date_format_iso(&d, buf, 10), ERR_RANGE);
	assert_int_equal(date_format_iso(&d, buf, 0), ERR_RANGE);
	assert_int_equal(date_format_iso(&bad, buf, sizeof(buf)), ERR_RANGE);
}

static void
test_date_parse_rfc3339_table(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		int		 rc;
		int64_t		 ms;
	} t[] = {
		{ "1970-01-01T00:00:00Z", LEN_STR, 0, 0 },
		{ "1970-01-01T00:00:00.000Z", LEN_STR, 0, 0 },
		{ "2026-11-27T01:02:03.123Z", LEN_STR, 0, 1795741323123 },
		{ "2026-11-27T01:02:03.1Z", LEN_STR, 0, 1795741323100 },
		{ "2026-11-27T01:02:03.12Z", LEN_STR, 0, 1795741323120 },
		{ "2026-11-27T01:02:03.123456789Z", LEN_STR, 0,
		    1795741323123 },
		{ "2026-11-27T01:02:03.999999999Z", LEN_STR, 0,
		    1795741323999 },
		{ "2026-11-27T06:02:03.123+05:00", LEN_STR, 0,
		    1795741323123 },
		{ "2026-11-26T20:32:03.123-04:30", LEN_STR, 0,
		    1795741323123 },
		{ "2026-11-27T01:02:03.123-00:00", LEN_STR, 0,
		    1795741323123 },
		{ "1969-12-31T23:59:59.999Z", LEN_STR, 0, -1 },
		{ "2024-02-29T23:59:59Z", LEN_STR, 0, 1709251199000 },
		{ "0001-01-01T00:00:00Z", LEN_STR, 0, INT64_C(-62135596800000) },
		{ "9999-12-31T23:59:59.999Z", LEN_STR, 0,
		    INT64_C(253402300799999) },
		/* Offsets that move the instant outside years 1..9999. */
		{ "0001-01-01T00:00:00+00:01", LEN_STR, ERR_RANGE, 0 },
		{ "9999-12-31T23:59:59-00:01", LEN_STR, ERR_RANGE, 0 },
		/* Fields out of range. */
		{ "2023-02-29T00:00:00Z", LEN_STR, ERR_RANGE, 0 },
		{ "2024-01-32T00:00:00Z", LEN_STR, ERR_RANGE, 0 },
		{ "2024-13-01T00:00:00Z", LEN_STR, ERR_RANGE, 0 },
		{ "2024-01-01T24:00:00Z", LEN_STR, ERR_RANGE, 0 },
		{ "2024-01-01T23:60:00Z", LEN_STR, ERR_RANGE, 0 },
		{ "2016-12-31T23:59:60Z", LEN_STR, ERR_RANGE, 0 },
		{ "2024-01-01T00:00:00+24:00", LEN_STR, ERR_RANGE, 0 },
		{ "2024-01-01T00:00:00+05:60", LEN_STR, ERR_RANGE, 0 },
		/* Wrong shape. */
		{ "2024-01-01", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00Z", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01 00:00:00Z", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01t00:00:00Z", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00z", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00.Z", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00.1234567890Z", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00+0500", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00+05", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00+05:0", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00+05:00:00", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00ZZ", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00Z ", LEN_STR, ERR_PARSE, 0 },
		{ "2024-1-01T00:00:00Z", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T0:00:00Z", LEN_STR, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00.123", LEN_STR, ERR_PARSE, 0 },
		/* Shape wins over range: a bad day with a bad tail. */
		{ "2024-01-32T00:00:00", LEN_STR, ERR_PARSE, 0 },
		{ "", LEN_STR, ERR_PARSE, 0 },
		/* Embedded NUL and len shorter than the string. */
		{ "2024-01-01T00:00:00\0", 20, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00.1\0Z", 23, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00Z", 19, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00.123Z", 23, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00+05:00", 24, ERR_PARSE, 0 },
		{ "2024-01-01T00:00:00.123", 21, ERR_PARSE, 0 },
	};
	int64_t	 ms;
	size_t	 i, len;
	char	*p;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = t[i].len == LEN_STR ? strlen(t[i].s) : t[i].len;
		p = exact_copy(t[i].s, len);
		ms = 4242;
		rc = date_parse_rfc3339(&ms, p, len);
		free(p);
		if (rc != t[i].rc)
			fail_msg("date_parse_rfc3339(\"%s\", %zu) = %d, want %d",
			    t[i].s, len, rc, t[i].rc);
		if (rc == 0) {
			if (ms != t[i].ms)
				fail_msg("\"%s\": %lld, want %lld", t[i].s,
				    (long long)ms, (long long)t[i].ms);
		} else
			assert_int_equal(ms, 4242);
	}
	assert_int_equal(date_parse_rfc3339(&ms, NULL, 0), ERR_PARSE);
}

static void
test_date_format_rfc3339(void **state)
{
	static const struct {
		int64_t		 ms;
		const char	*s;
	} t[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 1795741323123, "2026-11-27T01:02:03.123Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ -86400000, "1969-12-31T00:00:00.000Z" },
		{ 1709251199000, "2024-02-29T23:59:59.000Z" },
		{ INT64_C(-62135596800000), "0001-01-01T00:00:00.000Z" },
		{ INT64_C(253402300799999), "9999-12-31T23:59:59.999Z" },
	};
	char	buf[32];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(date_format_rfc3339(t[i].ms, buf,
		    sizeof(buf)), 0);
		assert_string_equal(buf, t[i].s);
	}
	assert_int_equal(date_format_rfc3339(0, buf, 25), 0);
	assert_int_equal(date_format_rfc3339(0, buf, 24), ERR_RANGE);
	assert_int_equal(date_format_rfc3339(INT64_C(-62135596800001), buf,
	    sizeof(buf)), ERR_RANGE);
	assert_int_equal(date_format_rfc3339(INT64_C(253402300800000), buf,
	    sizeof(buf)), ERR_RANGE);
	assert_int_equal(date_format_rfc3339(INT64_MIN, buf, sizeof(buf)),
	    ERR_RANGE);
	assert_int_equal(date_format_rfc3339(INT64_MAX, buf, sizeof(buf)),
	    ERR_RANGE);
}

/* Format then parse gives the same instant, across the whole range. */
static void
test_date_rfc3339_round_trip(void **state)
{
	int64_t		ms, back, step;
	char		buf[32];

	(void)state;
	step = INT64_C(253402300799999) / 20011 + 7;
	for (ms = INT64_C(-62135596800000); ms <= INT64_C(253402300799999);
	    ms += step) {
		assert_int_equal(date_format_rfc3339(ms, buf, sizeof(buf)), 0);
		assert_int_equal(strlen(buf), 24);
		assert_int_equal(date_parse_rfc3339(&back, buf, 24), 0);
		assert_int_equal(back, ms);
	}
}

static void
test_date_now_ms(void **state)
{
	int64_t	a, b;

	(void)state;
	a = date_now_ms();
	b = date_now_ms();
	/* After 2024-01-01 and before 2200-01-01. */
	assert_true(a > INT64_C(1704067200000));
	assert_true(a < INT64_C(7258118400000));
	assert_true(b - a >= -1000 && b - a < 60000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_check_table),
		cmocka_unit_test(test_date_days_known),
		cmocka_unit_test(test_date_days_every_day),
		cmocka_unit_test(test_date_from_days_saturates),
		cmocka_unit_test(test_date_parse_iso_table),
		cmocka_unit_test(test_date_format_iso),
		cmocka_unit_test(test_date_parse_rfc3339_table),
		cmocka_unit_test(test_date_format_rfc3339),
		cmocka_unit_test(test_date_rfc3339_round_trip),
		cmocka_unit_test(test_date_now_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
