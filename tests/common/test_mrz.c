/* test_mrz.c - the MRZ reader and composer: the ICAO Doc 9303 specimens of
 * every format, one test per kind of error, lowercase and OCR confusions,
 * scanner line endings, two-digit years against a fixed "today", and a
 * compose -> read round trip over many thousands of random documents.
 * Every text is parsed from a heap copy of exactly its length, so ASan
 * catches a read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"
#include "err.h"
#include "mrz.h"

static const struct date	today = { 2025, 6, 1 };
static struct mrz		m, m2;

static int
parse_at(struct mrz *out, const char *s, size_t len, const struct date *t)
{
	char	*p;
	int	 rc;

	p = malloc(len > 0 ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	rc = mrz_parse(out, p, len, t);
	free(p);
	return rc;
}

static int
parse(struct mrz *out, const char *s)
{
	return parse_at(out, s, strlen(s), &today);
}

static void
dump(const struct mrz *x)
{
	size_t	i;

	for (i = 0; i < x->report.nerr; i++)
		print_message("  error %s/%s %d:%d %s\n",
		    x->report.err[i].field, x->report.err[i].code,
		    x->report.err[i].line, x->report.err[i].column,
		    x->report.err[i].message);
	for (i = 0; i < x->report.nwarn; i++)
		print_message("  warning %s/%s %d:%d %s\n",
		    x->report.warn[i].field, x->report.warn[i].code,
		    x->report.warn[i].line, x->report.warn[i].column,
		    x->report.warn[i].message);
}

static const struct mrz_problem *
find(const struct mrz_problem *p, size_t n, const char *field,
    const char *code)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].field, field) == 0 &&
		    strcmp(p[i].code, code) == 0)
			return &p[i];
	return NULL;
}

/* The error must be there, at line:col (0: not checked). */
static const struct mrz_problem *
expect_err(const struct mrz *x, const char *field, const char *code,
    int line, int col)
{
	const struct mrz_problem	*p;

	p = find(x->report.err, x->report.nerr, field, code);
	if (p == NULL) {
		dump(x);
		fail_msg("no %s/%s error", field, code);
	}
	assert_false(x->valid);
	assert_true(p->message[0] != '\0');
	if (line != 0 && p->line != line) {
		dump(x);
		fail_msg("%s/%s at line %d, not %d", field, code, p->line,
		    line);
	}
	if (col != 0 && p->column != col) {
		dump(x);
		fail_msg("%s/%s at column %d, not %d", field, code, p->column,
		    col);
	}
	return p;
}

static const struct mrz_problem *
expect_warn(const struct mrz *x, const char *field, const char *code)
{
	const struct mrz_problem	*p;

	p = find(x->report.warn, x->report.nwarn, field, code);
	if (p == NULL) {
		dump(x);
		fail_msg("no %s/%s warning", field, code);
	}
	return p;
}

static void
expect_valid(const struct mrz *x, int rc)
{
	if (rc != 0 || !x->valid || x->report.nerr != 0) {
		dump(x);
		fail_msg("not valid (rc %d)", rc);
	}
}

static char
cd(const char *s, size_t n)
{
	int	d = mrz_check_digit(s, n);

	assert_true(d >= 0 && d <= 9);
	return (char)('0' + d);
}

/*
 * A TD3 built here, independently of mrz_compose(): line 2 from its
 * fields with every check digit computed (fields given exactly as
 * printed, padded).
 */
static void
td3(char out[91], const char *line1, const char *num9, const char *nat3,
    const char *birth6, char sex, const char *exp6, const char *pn14)
{
	char	l2[45], comp[40];

	assert_int_equal(strlen(line1), 44);
	assert_int_equal(strlen(num9), 9);
	assert_int_equal(strlen(pn14), 14);
	memcpy(l2, num9, 9);
	l2[9] = cd(num9, 9);
	memcpy(l2 + 10, nat3, 3);
	memcpy(l2 + 13, birth6, 6);
	l2[19] = cd(birth6, 6);
	l2[20] = sex;
	memcpy(l2 + 21, exp6, 6);
	l2[27] = cd(exp6, 6);
	memcpy(l2 + 28, pn14, 14);
	l2[42] = cd(pn14, 14);
	memcpy(comp, l2, 10);
	memcpy(comp + 10, l2 + 13, 7);
	memcpy(comp + 17, l2 + 21, 22);
	l2[43] = cd(comp, 39);
	l2[44] = '\0';
	assert_true(snprintf(out, 91, "%s\n%s", line1, l2) == 89);
}

#define TD3_L1	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define TD3_L2	"L898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define TD3	TD3_L1 "\n" TD3_L2

/* Recomputes a TD1's composite (line 2, column 30) after an edit. */
static void
td1_fix_composite(char *s)
{
	char	comp[50];

	memcpy(comp, s + 5, 25);
	memcpy(comp + 25, s + 31, 7);
	memcpy(comp + 32, s + 39, 7);
	memcpy(comp + 39, s + 49, 11);
	s[60] = cd(comp, 50);
}

/* ---- check digits and names of formats -------------------------- */

static void
test_mrz_check_digit_table(void **state)
{
	static const struct {
		const char	*s;
		int		 d;
	} t[] = {
		/* Doc 9303 Part 3, 4.9: the worked example. */
		{ "520727", 3 },
		{ "L898902C3", 6 }, { "740812", 2 }, { "120415", 9 },
		{ "ZE184226B<<<<<", 1 }, { "D23145890", 7 },
		{ "D23145890734", 9 }, { "L8988901C", 4 }, { "400907", 8 },
		{ "961210", 9 }, { "L898902C<", 3 }, { "<<<<<<<<<<<<<<", 0 },
		{ "", 0 }, { "AZ09<", (10 * 7 + 35 * 3 + 0 + 9 * 7) % 10 },
		{ "a", -1 }, { "@", -1 }, { "ABC DEF", -1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (mrz_check_digit(t[i].s, strlen(t[i].s)) != t[i].d)
			fail_msg("check digit of \"%s\" is not %d", t[i].s,
			    t[i].d);
}

static void
test_mrz_format_names(void **state)
{
	enum mrz_format	f;

	(void)state;
	assert_string_equal(mrz_format_name(MRZ_TD1), "TD1");
	assert_string_equal(mrz_format_name(MRZ_MRVB), "MRVB");
	assert_null(mrz_format_name(MRZ_NONE));
	assert_int_equal(mrz_format_parse("MRVA", &f), 0);
	assert_int_equal(f, MRZ_MRVA);
	assert_int_equal(mrz_format_parse("MRV-B", &f), 0);
	assert_int_equal(f, MRZ_MRVB);
	assert_int_equal(mrz_format_parse("td3", &f), ERR_PARSE);
	assert_int_equal(mrz_format_parse("", &f), ERR_PARSE);
}

/* ---- the Doc 9303 specimens --------------------------------------- */

static void
check_anna(const struct mrz *x, enum mrz_format f, const char *code,
    const char *number)
{
	assert_int_equal(x->format, f);
	assert_string_equal(x->document_code, code);
	assert_string_equal(x->issuing_state, "UTO");
	assert_string_equal(x->number, number);
	assert_string_equal(x->surname, "ERIKSSON");
	assert_string_equal(x->given_names, "ANNA MARIA");
	assert_int_equal(x->sex, 'F');
}

/* Doc 9303 Part 4 (TD3, machine readable passports), Appendix A: the
 * specimen data page of Anna Maria Eriksson of Utopia. */
static void
test_mrz_specimen_td3(void **state)
{
	char	od[32];

	(void)state;
	/* Check digits by hand: L898902C3 -> 6, 740812 -> 2, 120415 -> 9,
	 * ZE184226B<<<<< -> 1, and the composite -> 0 (line 2, col 44). */
	assert_int_equal(mrz_check_digit("L898902C3", 9), 6);
	assert_int_equal(mrz_check_digit("ZE184226B<<<<<", 14), 1);
	assert_int_equal(mrz_check_digit("L898902C3674081221204159ZE184226B"
	    "<<<<<1", 39), 0);
	expect_valid(&m, parse(&m, TD3));
	check_anna(&m, MRZ_TD3, "P", "L898902C3");
	assert_string_equal(m.nationality, "UTO");
	assert_int_equal(m.report.nwarn, 0);
	assert_string_equal(m.birth_date, "740812");
	assert_string_equal(m.expiry_date, "120415");
	assert_true(m.birth_known && m.expiry_known);
	assert_int_equal(m.birth.year, 1974);
	assert_int_equal(m.birth.month, 8);
	assert_int_equal(m.birth.day, 12);
	assert_int_equal(m.expiry.year, 2012);
	assert_int_equal(mrz_optional_data(&m, od, sizeof(od)), 0);
	assert_string_equal(od, "ZE184226B");
	assert_int_equal(m.optional_check_filler, 0);
}

/* Doc 9303 Part 5 (TD1), Appendix A: the specimen identity card. */
static void
test_mrz_specimen_td1(void **state)
{
	char	od[32];

	(void)state;
	assert_int_equal(mrz_check_digit("D23145890", 9), 7);
	expect_valid(&m, parse(&m, "I<UTOD231458907<<<<<<<<<<<<<<<\n"
	    "7408122F1204159UTO<<<<<<<<<<<6\n"
	    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"));
	check_anna(&m, MRZ_TD1, "I", "D23145890");
	assert_int_equal(m.report.nwarn, 0);
	assert_string_equal(m.nationality, "UTO");
	assert_string_equal(m.birth_date, "740812");
	assert_string_equal(m.expiry_date, "120415");
	assert_int_equal(mrz_optional_data(&m, od, sizeof(od)), 0);
	assert_string_equal(od, "");
}

/* Doc 9303 Part 6 (TD2), Appendix A: the specimen TD2 card. */
static void
test_mrz_specimen_td2(void **state)
{
	(void)state;
	expect_valid(&m, parse(&m, "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
	    "D231458907UTO7408122F1204159<<<<<<<6"));
	check_anna(&m, MRZ_TD2, "I", "D23145890");
	assert_int_equal(m.report.nwarn, 0);
	assert_string_equal(m.nationality, "UTO");
	assert_string_equal(m.optional1, "");
}

/* Doc 9303 Part 7 (machine readable visas), Appendix A: the specimen
 * MRV-A and MRV-B of the same holder, nationality XXX (unspecified). */
static void
test_mrz_specimen_mrv(void **state)
{
	char	od[32];

	(void)state;
	assert_int_equal(mrz_check_digit("L8988901C", 9), 4);
	assert_int_equal(mrz_check_digit("400907", 6), 8);
	assert_int_equal(mrz_check_digit("961210", 6), 9);
	expect_valid(&m, parse(&m,
	    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
	    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"));
	check_anna(&m, MRZ_MRVA, "V", "L8988901C");
	assert_int_equal(m.report.nwarn, 0);
	assert_string_equal(m.nationality, "XXX");
	assert_int_equal(m.birth.year, 1940);
	assert_int_equal(m.expiry.year, 1996);
	assert_int_equal(mrz_optional_data(&m, od, sizeof(od)), 0);
	assert_string_equal(od, "6ZE184226B");

	expect_valid(&m, parse(&m, "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
	    "L8988901C4XXX4009078F9612109<<<<<<<<"));
	check_anna(&m, MRZ_MRVB, "V", "L8988901C");
	assert_int_equal(m.report.nwarn, 0);
	assert_string_equal(m.nationality, "XXX");
	assert_string_equal(m.optional1, "");
}

/*
 * The long document number of Doc 9303 Part 5 4.2.4 (TD1) and Part 6
 * (TD2), as in the worked examples of Part 11, Appendix D.2: number
 * D23145890734, its first 9 characters in the number field, the check
 * digit position a filler, "734" and its check digit 9 (computed over
 * the whole number, not the filler) in the optional data.
 */
static void
test_mrz_specimen_long_number(void **state)
{
	char	od[32], s[128];

	(void)state;
	assert_int_equal(mrz_check_digit("D23145890734", 12), 9);
	expect_valid(&m, parse(&m, "I<UTOD23145890<7349<<<<<<<<<<<\n"
	    "3407127M9507122UTO<<<<<<<<<<<2\n"
	    "STEVENSON<<PETER<JOHN<<<<<<<<<"));
	assert_int_equal(m.format, MRZ_TD1);
	assert_string_equal(m.number, "D23145890734");
	assert_string_equal(m.surname, "STEVENSON");
	assert_string_equal(m.given_names, "PETER JOHN");
	assert_int_equal(m.sex, 'M');
	assert_int_equal(m.birth.year, 1934);
	assert_int_equal(m.expiry.year, 1995);
	assert_int_equal(mrz_optional_data(&m, od, sizeof(od)), 0);
	assert_string_equal(od, "");

	expect_valid(&m, parse(&m, "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<\n"
	    "D23145890<UTO3407127M95071227349<<<8"));
	assert_int_equal(m.format, MRZ_TD2);
	assert_string_equal(m.number, "D23145890734");
	assert_string_equal(m.optional1, "");

	/* What follows the continuation is the optional data. */
	(void)snprintf(s, sizeof(s), "I<UTOD23145890<7349<AB12<<<<<<\n"
	    "3407127M9507122UTO<<<<<<<<<<<0\n"
	    "STEVENSON<<PETER<JOHN<<<<<<<<<");
	td1_fix_composite(s);
	expect_valid(&m, parse(&m, s));
	assert_string_equal(m.number, "D23145890734");
	assert_string_equal(m.optional1, "AB12");
}

/* The first TD3 specimen (Doc 9303, 6th edition; Part 11 Appendix D.2):
 * an 8-character number padded with a filler that counts in its check
 * digit. */
static void
test_mrz_specimen_td3_padded_number(void **state)
{
	(void)state;
	expect_valid(&m, parse(&m, TD3_L1 "\n"
	    "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"));
	assert_string_equal(m.number, "L898902C");
	assert_int_equal(m.birth.year, 1969);
	assert_int_equal(m.expiry.year, 1994);
}

/* ---- layout ------------------------------------------------------- */

static void
test_mrz_layout_one_line(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, TD3_L1), ERR_INVAL);
	assert_int_equal(m.format, MRZ_NONE);
	expect_err(&m, "format", "layout", 1, 0);
	/* Both lines run together are not an MRZ either. */
	assert_int_equal(parse(&m, TD3_L1 TD3_L2), ERR_INVAL);
	assert_int_equal(m.format, MRZ_NONE);
}

static void
test_mrz_layout_four_lines(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, TD3 "\n" TD3), ERR_INVAL);
	assert_int_equal(m.format, MRZ_NONE);
	expect_err(&m, "format", "layout", 0, 0);
	assert_int_equal(m.report.nerr, 1);
}

static void
test_mrz_layout_empty(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, ""), ERR_INVAL);
	expect_err(&m, "format", "layout", 0, 0);
	assert_int_equal(parse(&m, "\r\n  \n\t\n"), ERR_INVAL);
	expect_err(&m, "format", "layout", 0, 0);
}

static void
test_mrz_layout_short_line(void **state)
{
	(void)state;
	/* A scanner dropped the last character of line 2. */
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C36UTO7408122F1204159ZE184226B<<<<<1"), ERR_INVAL);
	assert_int_equal(m.format, MRZ_NONE);
	expect_err(&m, "format", "layout", 2, 44);
	assert_int_equal(m.report.nerr, 1);
	/* A TD1 with a line of 31. */
	assert_int_equal(parse(&m, "I<UTOD231458907<<<<<<<<<<<<<<<\n"
	    "7408122F1204159UTO<<<<<<<<<<<6<\n"
	    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"), ERR_INVAL);
	expect_err(&m, "format", "layout", 2, 31);
	/* Two lines that fit no width. */
	assert_int_equal(parse(&m, "ABC\nDEF"), ERR_INVAL);
	expect_err(&m, "format", "layout", 0, 0);
}

static void
test_mrz_layout_too_long(void **state)
{
	char	*big;

	(void)state;
	big = malloc(MRZ_TEXT_MAX + 1);
	assert_non_null(big);
	memset(big, '<', MRZ_TEXT_MAX + 1);
	assert_int_equal(parse_at(&m, big, MRZ_TEXT_MAX + 1, &today),
	    ERR_INVAL);
	expect_err(&m, "format", "too_long", 0, 0);
	free(big);
}

/* ---- characters --------------------------------------------------- */

static void
test_mrz_character_not_mrz(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L8989@2C36UTO7408122F1204159ZE184226B<<<<<10"), ERR_INVAL);
	expect_err(&m, "document_number", "character", 2, 6);
	assert_int_equal(m.report.nerr, 1);
	/* A non-ASCII byte is named, not printed. */
	assert_int_equal(parse(&m, "P<UTOERIKSS\xc3\x96N<<ANNA<MARIA"
	    "<<<<<<<<<<<<<<<<<<\n"
	    TD3_L2), ERR_INVAL);
	assert_non_null(strstr(expect_err(&m, "surname", "character", 1,
	    12)->message, "byte 0xC3"));
	/* A space where a filler belongs. */
	assert_int_equal(parse(&m, "P<UTOERIKSSON<<ANNA MARIA"
	    "<<<<<<<<<<<<<<<<<<<"
	    "\n" TD3_L2), ERR_INVAL);
	assert_non_null(strstr(expect_err(&m, "given_names", "character",
	    1, 20)->message, "a space"));
}

static void
test_mrz_character_letter_in_date(void **state)
{
	const struct mrz_problem	*p;

	(void)state;
	/* OCR read the 0 of 740812 as the letter O. */
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C36UTO74O8122F1204159ZE184226B<<<<<10"), ERR_INVAL);
	p = expect_err(&m, "birth_date", "character", 2, 16);
	assert_non_null(strstr(p->message, "may be 0"));
	assert_non_null(strstr(p->message, "check digit matches"));
	/* Not corrected: the field is shown as read. */
	assert_string_equal(m.birth_date, "74O812");
	assert_false(m.birth_known);
}

static void
test_mrz_character_digit_in_name(void **state)
{
	const struct mrz_problem	*p;

	(void)state;
	assert_int_equal(parse(&m, "P<UTOERIKSS0N<<ANNA<MARIA"
	    "<<<<<<<<<<<<<<<<<<<"
	    "\n" TD3_L2), ERR_INVAL);
	p = expect_err(&m, "surname", "character", 1, 12);
	assert_non_null(strstr(p->message, "may be O"));
	assert_string_equal(m.surname, "ERIKSS0N");
	/* In a state code too. */
	assert_int_equal(parse(&m, "P<UT0ERIKSSON<<ANNA<MARIA"
	    "<<<<<<<<<<<<<<<<<<<"
	    "\n" TD3_L2), ERR_INVAL);
	expect_err(&m, "issuing_state", "character", 1, 5);
}

/* A letter O in the number is a valid character; the check digits tell,
 * and the message suggests the reading that satisfies both. */
static void
test_mrz_ocr_hint_in_number(void **state)
{
	const struct mrz_problem	*p;

	(void)state;
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"), ERR_INVAL);
	p = expect_err(&m, "document_number", "check_digit", 2, 10);
	assert_non_null(strstr(p->message, "reading the O at column 6 as 0"));
	assert_string_equal(m.number, "L8989O2C3");
	expect_err(&m, "composite", "check_digit", 2, 44);
}

static void
test_mrz_lowercase_warns(void **state)
{
	(void)state;
	expect_valid(&m, parse(&m,
	    "p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\n"
	    "l898902c36uto7408122f1204159ze184226b<<<<<10"));
	check_anna(&m, MRZ_TD3, "P", "L898902C3");
	assert_string_equal(m.optional1, "ZE184226B");
	assert_int_equal(m.report.nwarn, 2);
	assert_int_equal(expect_warn(&m, "format", "lowercase")->line, 1);
	assert_int_equal(m.report.warn[1].line, 2);
}

/* ---- check digits ------------------------------------------------- */

static void
test_mrz_check_digit_number(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C37UTO7408122F1204159ZE184226B<<<<<10"), ERR_INVAL);
	expect_err(&m, "document_number", "check_digit", 2, 10);
	/* The composite covers the printed check digit too. */
	expect_err(&m, "composite", "check_digit", 2, 44);
	assert_int_equal(m.report.nerr, 2);
}

static void
test_mrz_check_digit_birth(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C36UTO7408121F1204159ZE184226B<<<<<10"), ERR_INVAL);
	expect_err(&m, "birth_date", "check_digit", 2, 20);
}

static void
test_mrz_check_digit_expiry(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C36UTO7408122F1204158ZE184226B<<<<<10"), ERR_INVAL);
	expect_err(&m, "expiry_date", "check_digit", 2, 28);
}

static void
test_mrz_check_digit_personal_number(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C36UTO7408122F1204159ZE184226B<<<<<20"), ERR_INVAL);
	expect_err(&m, "optional_data", "check_digit", 2, 43);
	/* A filler check digit is only for an empty personal number. */
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C36UTO7408122F1204159ZE184226B<<<<<<0"), ERR_INVAL);
	expect_err(&m, "optional_data", "check_digit", 2, 43);
}

static void
test_mrz_check_digit_composite(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C36UTO7408122F1204159ZE184226B<<<<<11"), ERR_INVAL);
	expect_err(&m, "composite", "check_digit", 2, 44);
	assert_int_equal(m.report.nerr, 1);
	/* TD1: line 2, column 30. */
	assert_int_equal(parse(&m, "I<UTOD231458907<<<<<<<<<<<<<<<\n"
	    "7408122F1204159UTO<<<<<<<<<<<5\n"
	    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"), ERR_INVAL);
	expect_err(&m, "composite", "check_digit", 2, 30);
	assert_int_equal(m.report.nerr, 1);
}

static void
test_mrz_check_digit_not_a_digit(void **state)
{
	(void)state;
	/* The letter O where the birth date's check digit 2 is... wrong
	 * anyway; and a filler in the expiry date's check digit. */
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C36UTO740812OF120415<ZE184226B<<<<<10"), ERR_INVAL);
	expect_err(&m, "birth_date", "character", 2, 20);
	expect_err(&m, "expiry_date", "character", 2, 28);
}

/* ---- dates -------------------------------------------------------- */

static void
test_mrz_date_not_calendar(void **state)
{
	static const struct {
		const char	*birth, *exp;
		const char	*field;
		int		 col;
	} t[] = {
		{ "741312", "300101", "birth_date", 16 },
		{ "740001", "300101", "birth_date", 16 },
		{ "740832", "300101", "birth_date", 18 },
		{ "740431", "300101", "birth_date", 18 },
		{ "740800", "300101", "birth_date", 18 },
		{ "750229", "300101", "birth_date", 18 },	/* not leap */
		{ "740812", "300230", "expiry_date", 26 },
		{ "740812", "301301", "expiry_date", 24 },
		{ "740812", "290229", "expiry_date", 26 },	/* 2029 */
	};
	char	s[91];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		td3(s, TD3_L1, "L898902C3", "UTO", t[i].birth, 'F', t[i].exp,
		    "<<<<<<<<<<<<<<");
		assert_int_equal(parse(&m, s), ERR_INVAL);
		expect_err(&m, t[i].field, "date", 2, t[i].col);
		assert_int_equal(m.report.nerr, 1);
	}
	/* 2000 and 2028 are leap years. */
	td3(s, TD3_L1, "L898902C3", "UTO", "000229", 'F', "280229",
	    "<<<<<<<<<<<<<<");
	expect_valid(&m, parse(&m, s));
	assert_int_equal(m.birth.year, 2000);
	assert_int_equal(m.expiry.year, 2028);
}

/* Two-digit years against an injected today. */
static void
test_mrz_date_century(void **state)
{
	static const struct {
		const char	*birth, *exp;
		struct date	 t;
		int		 by, ey;
	} t[] = {
		/* Birth: the latest year not after today. */
		{ "250601", "300101", { 2025, 6, 1 }, 2025, 2030 },
		{ "250602", "300101", { 2025, 6, 1 }, 1925, 2030 },
		{ "991231", "300101", { 2025, 6, 1 }, 1999, 2030 },
		{ "000101", "300101", { 2025, 6, 1 }, 2000, 2030 },
		{ "250101", "300101", { 2024, 12, 31 }, 1925, 2030 },
		/* Expiry: within [today - 50, today + 49]. */
		{ "500101", "740101", { 2025, 6, 1 }, 1950, 2074 },
		{ "500101", "750101", { 2025, 6, 1 }, 1950, 1975 },
		{ "500101", "990101", { 2025, 6, 1 }, 1950, 1999 },
		/* Nor after the expiry: 300101 expired 2005 is 1930. */
		{ "300101", "050101", { 2025, 6, 1 }, 1930, 2005 },
		{ "050101", "050101", { 2025, 6, 1 }, 2005, 2005 },
		/* Another century. */
		{ "500101", "600101", { 2090, 1, 1 }, 2050, 2060 },
		{ "950101", "600101", { 2090, 1, 1 }, 1995, 2060 },
	};
	char	s[91];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		td3(s, TD3_L1, "L898902C3", "UTO", t[i].birth, 'F', t[i].exp,
		    "<<<<<<<<<<<<<<");
		expect_valid(&m, parse_at(&m, s, strlen(s), &t[i].t));
		if (m.birth.year != t[i].by || m.expiry.year != t[i].ey)
			fail_msg("%s %s today %d: birth %d expiry %d, want %d "
			    "%d", t[i].birth, t[i].exp, t[i].t.year,
			    m.birth.year, m.expiry.year, t[i].by, t[i].ey);
	}
}

static void
test_mrz_date_expiry_horizon_warns(void **state)
{
	char	s[91];

	(void)state;
	td3(s, TD3_L1, "L898902C3", "UTO", "740812", 'F', "460101",
	    "<<<<<<<<<<<<<<");
	expect_valid(&m, parse(&m, s));
	assert_int_equal(m.expiry.year, 2046);
	expect_warn(&m, "expiry_date", "horizon");
	td3(s, TD3_L1, "L898902C3", "UTO", "740812", 'F', "450101",
	    "<<<<<<<<<<<<<<");
	expect_valid(&m, parse(&m, s));
	assert_int_equal(m.report.nwarn, 0);
}

static void
test_mrz_date_birth_unknown(void **state)
{
	static const char *const ok[] = { "7408<<", "74<<<<", "<<<<<<" };
	static const char *const bad[] = { "74<812", "7<0812", "74081<",
	    "<40812" };
	char	s[91];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		td3(s, TD3_L1, "L898902C3", "UTO", ok[i], 'F', "300101",
		    "<<<<<<<<<<<<<<");
		expect_valid(&m, parse(&m, s));
		assert_string_equal(m.birth_date, ok[i]);
		assert_false(m.birth_known);
		expect_warn(&m, "birth_date", "unknown_date");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		td3(s, TD3_L1, "L898902C3", "UTO", bad[i], 'F', "300101",
		    "<<<<<<<<<<<<<<");
		assert_int_equal(parse(&m, s), ERR_INVAL);
		expect_err(&m, "birth_date", "form", 2, 14);
	}
	/* The month of a partly unknown date is still checked. */
	td3(s, TD3_L1, "L898902C3", "UTO", "7413<<", 'F', "300101",
	    "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "birth_date", "date", 2, 16);
	/* An expiry date must be whole. */
	td3(s, TD3_L1, "L898902C3", "UTO", "740812", 'F', "3001<<",
	    "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "expiry_date", "character", 2, 26);
}

/* ---- other fields ------------------------------------------------- */

static void
test_mrz_sex(void **state)
{
	char	s[91];

	(void)state;
	td3(s, TD3_L1, "L898902C3", "UTO", "740812", '<', "300101",
	    "<<<<<<<<<<<<<<");
	expect_valid(&m, parse(&m, s));
	assert_int_equal(m.sex, 'X');
	td3(s, TD3_L1, "L898902C3", "UTO", "740812", 'M', "300101",
	    "<<<<<<<<<<<<<<");
	expect_valid(&m, parse(&m, s));
	assert_int_equal(m.sex, 'M');
	td3(s, TD3_L1, "L898902C3", "UTO", "740812", 'X', "300101",
	    "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "sex", "character", 2, 21);
	td3(s, TD3_L1, "L898902C3", "UTO", "740812", 'Q', "300101",
	    "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "sex", "character", 2, 21);
}

static void
test_mrz_missing_fields(void **state)
{
	char	s[91];

	(void)state;
	td3(s, "P<<<<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "<<<<<<<<<",
	    "<<<", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "issuing_state", "missing", 1, 3);
	expect_err(&m, "document_number", "missing", 2, 1);
	expect_err(&m, "nationality", "missing", 2, 11);
	td3(s, "<<UTO<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<<<<<<<<", "L898902C3",
	    "UTO", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "document_code", "missing", 1, 1);
	expect_err(&m, "surname", "missing", 1, 6);
	td3(s, "P<UTO<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<", "L898902C3",
	    "UTO", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "surname", "missing", 1, 6);
}

static void
test_mrz_form_errors(void **state)
{
	char	s[91];

	(void)state;
	/* A letter after a filler in a state code. */
	td3(s, "P<U<OERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C3",
	    "UTO", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "issuing_state", "form", 1, 5);
	/* A filler inside the number. */
	td3(s, TD3_L1, "L89<902C3", "UTO", "740812", 'F', "300101",
	    "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "document_number", "form", 2, 5);
	/* A TD1 whose code begins with V (a visa). */
	assert_int_equal(parse(&m, "V<UTOD231458907<<<<<<<<<<<<<<<\n"
	    "7408122F1204159UTO<<<<<<<<<<<6\n"
	    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"), ERR_INVAL);
	expect_err(&m, "document_code", "form", 1, 1);
	/* A TD3 that is not a passport is read, with a warning. */
	td3(s, "X<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C3",
	    "UTO", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	expect_valid(&m, parse(&m, s));
	expect_warn(&m, "document_code", "form");
}

static void
test_mrz_name_rules(void **state)
{
	char	s[91];

	(void)state;
	/* Single fillers inside names are spaces; no given names. */
	td3(s, "P<UTOVAN<DER<BERG<<<<<<<<<<<<<<<<<<<<<<<<<<<", "L898902C3",
	    "UTO", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	expect_valid(&m, parse(&m, s));
	assert_string_equal(m.surname, "VAN DER BERG");
	assert_string_equal(m.given_names, "");
	/* Two fillers between given names. */
	td3(s, "P<UTOERIKSSON<<ANNA<<MARIA<<<<<<<<<<<<<<<<<<", "L898902C3",
	    "UTO", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "given_names", "name", 1, 20);
	assert_string_equal(m.given_names, "ANNA MARIA");
	/* Three between surname and given names. */
	td3(s, "P<UTOERIKSSON<<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<", "L898902C3",
	    "UTO", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "given_names", "name", 1, 16);
	/* A name to the last position may be truncated: a warning. */
	td3(s, "P<UTOERIKSSON<<ANNA<MARIA<ELISABETH<CHRISTIN", "L898902C3",
	    "UTO", "740812", 'F', "300101", "<<<<<<<<<<<<<<");
	expect_valid(&m, parse(&m, s));
	assert_string_equal(m.given_names, "ANNA MARIA ELISABETH CHRISTIN");
	expect_warn(&m, "surname", "truncated");
}

static void
test_mrz_long_number_errors(void **state)
{
	char	s[128];

	(void)state;
	/* TD3 has no continuation. */
	assert_int_equal(parse(&m, TD3_L1 "\n"
	    "L898902C3<UTO7408122F1204159ZE184226B<<<<<10"), ERR_INVAL);
	expect_err(&m, "document_number", "check_digit", 2, 10);
	/* A filler check digit and nothing in the optional data. */
	(void)snprintf(s, sizeof(s), "I<UTOD23145890<<<<<<<<<<<<<<<<\n"
	    "3407127M9507122UTO<<<<<<<<<<<0\n"
	    "STEVENSON<<PETER<JOHN<<<<<<<<<");
	td1_fix_composite(s);
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "document_number", "form", 1, 15);
	assert_int_equal(m.report.nerr, 1);
	/* A continuation whose check digit is wrong. */
	(void)snprintf(s, sizeof(s), "I<UTOD23145890<7348<<<<<<<<<<<\n"
	    "3407127M9507122UTO<<<<<<<<<<<0\n"
	    "STEVENSON<<PETER<JOHN<<<<<<<<<");
	td1_fix_composite(s);
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "document_number", "check_digit", 1, 19);
	assert_int_equal(m.report.nerr, 1);
	/* A continuation of a number that does not fill its 9. */
	(void)snprintf(s, sizeof(s), "I<UTOD2314589<<7349<<<<<<<<<<<\n"
	    "3407127M9507122UTO<<<<<<<<<<<0\n"
	    "STEVENSON<<PETER<JOHN<<<<<<<<<");
	td1_fix_composite(s);
	assert_int_equal(parse(&m, s), ERR_INVAL);
	expect_err(&m, "document_number", "form", 1, 14);
	/* A continuation that fills the whole optional field. */
	(void)snprintf(s, sizeof(s), "I<UTOD23145890<12345678901234X\n"
	    "3407127M9507122UTO<<<<<<<<<<<0\n"
	    "STEVENSON<<PETER<JOHN<<<<<<<<<");
	s[29] = cd("D2314589012345678901234", 23);
	td1_fix_composite(s);
	expect_valid(&m, parse(&m, s));
	assert_string_equal(m.number, "D2314589012345678901234");
	assert_string_equal(m.optional1, "");
}

/* Every problem is reported, not only the first. */
static void
test_mrz_reports_every_problem(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, "P<UT0ERIKSS0N<<ANNA<MARIA"
	    "<<<<<<<<<<<<<<<<<<<\n"
	    "L898902C37UTO7413122Q1204158ZE184226B<<<<<21"), ERR_INVAL);
	expect_err(&m, "issuing_state", "character", 1, 5);
	expect_err(&m, "surname", "character", 1, 12);
	expect_err(&m, "document_number", "check_digit", 2, 10);
	expect_err(&m, "birth_date", "check_digit", 2, 20);
	expect_err(&m, "birth_date", "date", 2, 16);
	expect_err(&m, "sex", "character", 2, 21);
	expect_err(&m, "expiry_date", "check_digit", 2, 28);
	expect_err(&m, "optional_data", "check_digit", 2, 43);
	expect_err(&m, "composite", "check_digit", 2, 44);
	assert_int_equal(m.report.nerr, 9);
	assert_int_equal(m.report.dropped, 0);
}

/* Messages are for an officer's screen and for logs: no names, numbers
 * or dates from the document. */
static void
test_mrz_messages_hold_no_personal_data(void **state)
{
	static const char *const docs[] = {
		"P<UT0ERIKSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
		"L898902C37UTO7413122Q1204158ZE184226B<<<<<21",
		"P<UTOERIKSSON<<ANNA<<MARIA<<<<<<<<<<<<<<<<<<\n"
		"L898902C36UTO74O8122F1204159ZE184226B<<<<<10",
	};
	static const char *const secrets[] = {
		"ERIKSS", "ANNA", "MARIA", "L898902", "741312", "120415",
		"ZE184226", "74O812",
	};
	size_t	i, j, k;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		assert_int_equal(parse(&m, docs[i]), ERR_INVAL);
		for (j = 0; j < m.report.nerr; j++)
			for (k = 0; k < sizeof(secrets) / sizeof(secrets[0]);
			    k++)
				if (strstr(m.report.err[j].message,
				    secrets[k]) != NULL)
					fail_msg("message \"%s\" quotes "
					    "the document",
					    m.report.err[j].message);
	}
}

/* ---- what scanners send ------------------------------------------- */

static void
test_mrz_scanner_line_endings(void **state)
{
	static const char *const t[] = {
		TD3_L1 "\r\n" TD3_L2 "\r\n",
		TD3_L1 "   \n" TD3_L2 " \t \n",
		TD3_L1 "\r" TD3_L2 "\r",
		"\n\n" TD3_L1 "\n\n" TD3_L2 "\n\n\n",
		"  \r\n" TD3_L1 "\r\n" TD3_L2,
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		expect_valid(&m, parse(&m, t[i]));
		check_anna(&m, MRZ_TD3, "P", "L898902C3");
		assert_string_equal(m.optional1, "ZE184226B");
	}
	/* A leading space is not tolerated: it shifts every field. */
	assert_int_equal(parse(&m, " " TD3_L1 "\n" TD3_L2), ERR_INVAL);
	/* A NUL inside the text is a character like any other. */
	assert_int_equal(parse_at(&m, TD3_L1 "\n" TD3_L2, 89, &today), 0);
	{
		char	s[90];

		memcpy(s, TD3_L1 "\n" TD3_L2, 89);
		s[50] = '\0';
		assert_int_equal(parse_at(&m, s, 89, &today), ERR_INVAL);
		assert_non_null(strstr(expect_err(&m, "document_number",
		    "character", 2, 6)->message, "byte 0x00"));
	}
}

/* A NULL today means the real date; the specimen reads the same. */
static void
test_mrz_today_default(void **state)
{
	(void)state;
	assert_int_equal(mrz_parse(&m, TD3, strlen(TD3), NULL), 0);
	assert_int_equal(m.birth.year, 1974);
	assert_int_equal(m.expiry.year, 2012);
}

/* ---- compose ------------------------------------------------------ */

static void
fields(struct mrz *x, enum mrz_format f, const char *code,
    const char *number, const char *surname, const char *given)
{
	memset(x, 0, sizeof(*x));
	x->format = f;
	(void)snprintf(x->document_code, sizeof(x->document_code), "%s", code);
	(void)snprintf(x->issuing_state, sizeof(x->issuing_state), "UTO");
	(void)snprintf(x->nationality, sizeof(x->nationality), "UTO");
	(void)snprintf(x->number, sizeof(x->number), "%s", number);
	(void)snprintf(x->birth_date, sizeof(x->birth_date), "740812");
	(void)snprintf(x->expiry_date, sizeof(x->expiry_date), "120415");
	x->sex = 'F';
	(void)snprintf(x->surname, sizeof(x->surname), "%s", surname);
	(void)snprintf(x->given_names, sizeof(x->given_names), "%s", given);
}

static void
test_mrz_compose_specimens(void **state)
{
	struct mrz_report	rep;
	char			out[MRZ_COMPOSED_MAX];
	size_t			n;

	(void)state;
	fields(&m, MRZ_TD3, "P", "L898902C3", "ERIKSSON", "ANNA MARIA");
	(void)snprintf(m.optional1, sizeof(m.optional1), "ZE184226B");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), &n, &rep), 0);
	assert_string_equal(out, TD3);
	assert_int_equal(n, 89);
	assert_int_equal(rep.nwarn, 0);

	fields(&m, MRZ_TD1, "I", "D23145890", "ERIKSSON", "ANNA MARIA");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), &n, NULL), 0);
	assert_string_equal(out, "I<UTOD231458907<<<<<<<<<<<<<<<\n"
	    "7408122F1204159UTO<<<<<<<<<<<6\n"
	    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
	assert_int_equal(n, 92);

	fields(&m, MRZ_TD2, "I", "D23145890734", "STEVENSON", "PETER JOHN");
	(void)snprintf(m.birth_date, sizeof(m.birth_date), "340712");
	(void)snprintf(m.expiry_date, sizeof(m.expiry_date), "950712");
	m.sex = 'M';
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, NULL), 0);
	assert_string_equal(out, "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<\n"
	    "D23145890<UTO3407127M95071227349<<<8");

	fields(&m, MRZ_MRVB, "V", "L8988901C", "ERIKSSON", "ANNA MARIA");
	(void)snprintf(m.nationality, sizeof(m.nationality), "XXX");
	(void)snprintf(m.birth_date, sizeof(m.birth_date), "400907");
	(void)snprintf(m.expiry_date, sizeof(m.expiry_date), "961210");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, NULL), 0);
	assert_string_equal(out, "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
	    "L8988901C4XXX4009078F9612109<<<<<<<<");
}

static void
test_mrz_compose_truncates_names(void **state)
{
	struct mrz_report	rep;
	char			out[MRZ_COMPOSED_MAX];

	(void)state;
	/* Given names cut at the end of the field. */
	fields(&m, MRZ_TD1, "I", "D23145890", "ERIKSSON",
	    "ANNA MARIA ELISABETH");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep), 0);
	assert_string_equal(out + 62, "ERIKSSON<<ANNA<MARIA<ELISABETH");
	assert_int_equal(rep.nwarn, 0);
	fields(&m, MRZ_TD1, "I", "D23145890", "ERIKSSON",
	    "ANNA MARIA ELISABETHA");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep), 0);
	assert_string_equal(out + 62, "ERIKSSON<<ANNA<MARIA<ELISABETH");
	assert_int_equal(rep.nwarn, 1);
	assert_string_equal(rep.warn[0].code, "truncated");
	/* A cut at a word boundary leaves no trailing filler behind. */
	fields(&m, MRZ_TD1, "I", "D23145890", "ERIKSSON",
	    "ANNA MARIA ELISABET HA");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep), 0);
	assert_string_equal(out + 62, "ERIKSSON<<ANNA<MARIA<ELISABET<");
	/* A surname too long keeps the initial of the given names. */
	fields(&m, MRZ_TD1, "I", "D23145890",
	    "WOLFESCHLEGELSTEINHAUSENBERGERDORFF", "HUBERT BLAINE");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep), 0);
	assert_string_equal(out + 62, "WOLFESCHLEGELSTEINHAUSENBER<<H");
	expect_valid(&m2, parse(&m2, out));
	assert_string_equal(m2.surname, "WOLFESCHLEGELSTEINHAUSENBER");
	assert_string_equal(m2.given_names, "H");
	/* No given names: the surname alone, cut. */
	fields(&m, MRZ_TD1, "I", "D23145890",
	    "WOLFESCHLEGELSTEINHAUSENBERGERDORFF", "");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep), 0);
	assert_string_equal(out + 62, "WOLFESCHLEGELSTEINHAUSENBERGER");
	/* Hyphens become fillers, apostrophes go, spaces collapse. */
	fields(&m, MRZ_TD3, "P", "L898902C3", "O'NEILL-SMITH",
	    "  MARY   ANN ");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep), 0);
	assert_memory_equal(out, "P<UTOONEILL<SMITH<<MARY<ANN<<<", 30);
}

static void
test_mrz_compose_rejects(void **state)
{
	struct mrz_report	rep;
	char			out[MRZ_COMPOSED_MAX];

	(void)state;
#define REJECT(field_, stmt) do {					\
	fields(&m, MRZ_TD3, "P", "L898902C3", "ERIKSSON", "ANNA");	\
	stmt;								\
	memset(out, 'Z', sizeof(out));					\
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep),	\
	    ERR_INVAL);							\
	assert_true(rep.nerr >= 1);					\
	if (strcmp(rep.err[0].field, field_) != 0)			\
		fail_msg("%s: the error is about %s", #stmt,		\
		    rep.err[0].field);					\
	assert_int_equal(out[0], 'Z');					\
} while (0)
	REJECT("format", m.format = MRZ_NONE);
	REJECT("document_code", m.document_code[0] = '\0');
	REJECT("document_code", m.document_code[0] = 'V');
	REJECT("document_code", m.document_code[0] = 'p');
	REJECT("issuing_state", snprintf(m.issuing_state, 4, "U1"));
	REJECT("issuing_state", m.issuing_state[0] = '\0');
	REJECT("nationality", snprintf(m.nationality, 4, "U<O"));
	REJECT("document_number", snprintf(m.number, 25, "L8989-2C3"));
	REJECT("document_number", snprintf(m.number, 25, "L898902C34"));
	REJECT("document_number", m.number[0] = '\0');
	REJECT("birth_date", snprintf(m.birth_date, 7, "741312"));
	REJECT("birth_date", snprintf(m.birth_date, 7, "74081"));
	REJECT("birth_date", snprintf(m.birth_date, 7, "74<812"));
	REJECT("birth_date", snprintf(m.birth_date, 7, "750229"));
	REJECT("expiry_date", snprintf(m.expiry_date, 7, "1204<<"));
	REJECT("expiry_date", snprintf(m.expiry_date, 7, "120431"));
	REJECT("sex", m.sex = 'Q');
	REJECT("surname", m.surname[0] = '\0');
	REJECT("surname", snprintf(m.surname, 9, "ERIK5SON"));
	REJECT("surname", snprintf(m.surname, 9, "Eriksson"));
	REJECT("given_names", snprintf(m.given_names, 9, "ANNA,MAR"));
	REJECT("optional_data", snprintf(m.optional1, 17, "ZE18-226B"));
	REJECT("optional_data", snprintf(m.optional1, 17,
	    "ZE184226B1234567"));
	REJECT("optional_data", snprintf(m.optional2, 12, "AB"));
	REJECT("optional_data", m.optional_check_filler = 1;
	    snprintf(m.optional1, 17, "AB"));
	/* A long number needs room in the optional data. */
	fields(&m, MRZ_TD2, "I", "D231458901234567", "STEVENSON", "PETER");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep),
	    ERR_INVAL);
	assert_string_equal(rep.err[0].field, "document_number");
	fields(&m, MRZ_TD2, "I", "D2314589012345", "STEVENSON", "PETER");
	(void)snprintf(m.optional1, sizeof(m.optional1), "A");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep),
	    ERR_INVAL);
	(void)snprintf(m.number, sizeof(m.number), "D23145890123");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep), 0);
	expect_valid(&m2, parse(&m2, out));
	assert_string_equal(m2.number, "D23145890123");
	assert_string_equal(m2.optional1, "A");
	/* Every problem, not the first. */
	fields(&m, MRZ_TD3, "P", "", "", "");
	m.sex = 'Q';
	(void)snprintf(m.birth_date, 7, "99");
	assert_int_equal(mrz_compose(&m, out, sizeof(out), NULL, &rep),
	    ERR_INVAL);
	assert_int_equal(rep.nerr, 4);
	/* A buffer too small: ERR_TOOBIG, untouched. */
	fields(&m, MRZ_TD3, "P", "L898902C3", "ERIKSSON", "ANNA");
	memset(out, 'Z', sizeof(out));
	assert_int_equal(mrz_compose(&m, out, 89, NULL, NULL), ERR_TOOBIG);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(mrz_compose(&m, out, 90, NULL, NULL), 0);
}

/* ---- round trip --------------------------------------------------- */

static uint64_t	rng_state;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static unsigned
rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}

static void
rnd_str(char *out, size_t n, const char *alphabet)
{
	size_t	i, k = strlen(alphabet);

	for (i = 0; i < n; i++)
		out[i] = alphabet[rnd((unsigned)k)];
	out[n] = '\0';
}

#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define ALNUM	UPPER "0123456789"

/* Words of capitals separated by single spaces, total at most max. */
static void
rnd_name(char *out, size_t max, unsigned maxwords)
{
	unsigned	w, nw = 1 + rnd(maxwords);
	size_t		n = 0, len;

	for (w = 0; w < nw; w++) {
		len = 1 + rnd(14);
		if (n + (w > 0) + len > max)
			break;
		if (w > 0)
			out[n++] = ' ';
		rnd_str(out + n, len, UPPER);
		n += len;
	}
	out[n] = '\0';
}

/* Optional data: capitals, digits and inner fillers, no trailing one. */
static void
rnd_opt(char *out, size_t max)
{
	size_t	n = max > 0 ? rnd((unsigned)max + 1) : 0;

	rnd_str(out, n, ALNUM "<<<<");
	if (n > 0 && out[n - 1] == '<')
		out[n - 1] = 'Z';
}

static void
yymmdd(char out[7], const struct date *d)
{
	out[0] = (char)('0' + d->year / 10 % 10);
	out[1] = (char)('0' + d->year % 10);
	out[2] = (char)('0' + d->month / 10);
	out[3] = (char)('0' + d->month % 10);
	out[4] = (char)('0' + d->day / 10);
	out[5] = (char)('0' + d->day % 10);
	out[6] = '\0';
}

static void
rnd_doc(struct mrz *x, enum mrz_format f, struct date *birth,
    struct date *expiry)
{
	static const int	name_len[] = { 0, 30, 31, 39, 39, 31 };
	static const int	opt_len[] = { 0, 15, 7, 14, 16, 8 };
	int64_t			t = date_to_days(&today), e, b, lim;
	size_t			num, room, over;
	char			c1;

	memset(x, 0, sizeof(*x));
	x->format = f;
	switch (f) {
	case MRZ_TD3:
		c1 = 'P';
		break;
	case MRZ_MRVA:
	case MRZ_MRVB:
		c1 = 'V';
		break;
	default:
		c1 = "ACI"[rnd(3)];
		break;
	}
	x->document_code[0] = c1;
	if (rnd(2))
		x->document_code[1] = UPPER[rnd(21)];	/* not V */
	rnd_str(x->issuing_state, 1 + rnd(3), UPPER);
	rnd_str(x->nationality, 1 + rnd(3), UPPER);

	/* A long number in a third of those that may have one. */
	num = 1 + rnd(9);
	room = (size_t)opt_len[f];
	over = 0;
	if (f != MRZ_TD3 && rnd(3) == 0) {
		over = 1 + rnd((unsigned)room - 1);
		num = 9 + over;
	}
	rnd_str(x->number, num, ALNUM);
	if (over == 0)
		rnd_opt(x->optional1, room);
	else if (over + 2 < room)
		rnd_opt(x->optional1, room - over - 2);
	if (f == MRZ_TD1)
		rnd_opt(x->optional2, MRZ_OPT2_MAX);
	if (f == MRZ_TD3 && x->optional1[0] == '\0')
		x->optional_check_filler = (int)rnd(2);

	/* Dates a reader resolves back to themselves. */
	e = t - 49 * 365 + (int64_t)rnd(69 * 365);
	lim = e < t ? e : t;
	b = lim - (int64_t)rnd(99 * 365);
	date_from_days(e, expiry);
	date_from_days(b, birth);
	yymmdd(x->expiry_date, expiry);
	yymmdd(x->birth_date, birth);
	switch (rnd(40)) {
	case 0:
		memcpy(x->birth_date + 4, "<<", 2);
		break;
	case 1:
		memcpy(x->birth_date + 2, "<<<<", 4);
		break;
	case 2:
		memcpy(x->birth_date, "<<<<<<", 6);
		break;
	}
	x->sex = "MFX"[rnd(3)];
	/* Names that fit, and now and then ones that do not. */
	if (rnd(8) == 0) {
		rnd_name(x->surname, 60, 4);
		rnd_name(x->given_names, 60, 4);
	} else {
		rnd_name(x->surname, (size_t)name_len[f] / 2, 2);
		if (rnd(6) != 0)
			rnd_name(x->given_names, (size_t)name_len[f] -
			    strlen(x->surname) - 2, 3);
	}
}

/* "ANNA MARIA" may read back as "ANNA MAR" or "ANNA": a word prefix. */
static int
is_name_prefix(const char *got, const char *full)
{
	size_t	n = strlen(got);

	return strncmp(got, full, n) == 0;
}

static void
test_mrz_round_trip_random(void **state)
{
	static const enum mrz_format	fmts[] = {
		MRZ_TD1, MRZ_TD2, MRZ_TD3, MRZ_MRVA, MRZ_MRVB
	};
	struct mrz_report		rep;
	struct date			birth, expiry;
	char				out[MRZ_COMPOSED_MAX];
	char				out2[MRZ_COMPOSED_MAX];
	size_t				i, k, n, n2, truncated = 0;
	size_t				longnum = 0;

	(void)state;
	rng_state = UINT64_C(0x5eca2a9303);
	for (k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		for (i = 0; i < 20000; i++) {
			rnd_doc(&m, fmts[k], &birth, &expiry);
			if (mrz_compose(&m, out, sizeof(out), &n, &rep) != 0) {
				print_message("%s\n", rep.err[0].message);
				fail_msg("compose %zu of %s failed", i,
				    mrz_format_name(fmts[k]));
			}
			if (parse_at(&m2, out, n, &today) != 0) {
				print_message("%s\n", out);
				dump(&m2);
				fail_msg("document %zu of %s does not read",
				    i, mrz_format_name(fmts[k]));
			}
			assert_int_equal(m2.format, fmts[k]);
			assert_string_equal(m2.document_code,
			    m.document_code);
			assert_string_equal(m2.issuing_state,
			    m.issuing_state);
			assert_string_equal(m2.nationality, m.nationality);
			assert_string_equal(m2.number, m.number);
			assert_string_equal(m2.birth_date, m.birth_date);
			assert_string_equal(m2.expiry_date, m.expiry_date);
			assert_int_equal(m2.sex, m.sex);
			assert_string_equal(m2.optional1, m.optional1);
			assert_string_equal(m2.optional2, m.optional2);
			assert_int_equal(m2.optional_check_filler,
			    m.optional_check_filler);
			assert_true(m2.expiry_known);
			assert_int_equal(date_to_days(&m2.expiry),
			    date_to_days(&expiry));
			if (m.birth_date[5] != '<') {
				assert_true(m2.birth_known);
				assert_int_equal(date_to_days(&m2.birth),
				    date_to_days(&birth));
			} else
				assert_false(m2.birth_known);
			if (rep.nwarn == 0) {
				assert_string_equal(m2.surname, m.surname);
				assert_string_equal(m2.given_names,
				    m.given_names);
			} else {
				truncated++;
				assert_true(is_name_prefix(m2.surname,
				    m.surname));
				assert_true(is_name_prefix(m2.given_names,
				    m.given_names));
			}
			longnum += strlen(m.number) > 9;
			/* And back again, to the same characters. */
			assert_int_equal(mrz_compose(&m2, out2, sizeof(out2),
			    &n2, NULL), 0);
			assert_int_equal(n2, n);
			assert_string_equal(out2, out);
		}
	}
	/* The generator did reach the cases it is for. */
	assert_true(truncated > 1000);
	assert_true(longnum > 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mrz_check_digit_table),
		cmocka_unit_test(test_mrz_format_names),
		cmocka_unit_test(test_mrz_specimen_td3),
		cmocka_unit_test(test_mrz_specimen_td1),
		cmocka_unit_test(test_mrz_specimen_td2),
		cmocka_unit_test(test_mrz_specimen_mrv),
		cmocka_unit_test(test_mrz_specimen_long_number),
		cmocka_unit_test(test_mrz_specimen_td3_padded_number),
		cmocka_unit_test(test_mrz_layout_one_line),
		cmocka_unit_test(test_mrz_layout_four_lines),
		cmocka_unit_test(test_mrz_layout_empty),
		cmocka_unit_test(test_mrz_layout_short_line),
		cmocka_unit_test(test_mrz_layout_too_long),
		cmocka_unit_test(test_mrz_character_not_mrz),
		cmocka_unit_test(test_mrz_character_letter_in_date),
		cmocka_unit_test(test_mrz_character_digit_in_name),
		cmocka_unit_test(test_mrz_ocr_hint_in_number),
		cmocka_unit_test(test_mrz_lowercase_warns),
		cmocka_unit_test(test_mrz_check_digit_number),
		cmocka_unit_test(test_mrz_check_digit_birth),
		cmocka_unit_test(test_mrz_check_digit_expiry),
		cmocka_unit_test(test_mrz_check_digit_personal_number),
		cmocka_unit_test(test_mrz_check_digit_composite),
		cmocka_unit_test(test_mrz_check_digit_not_a_digit),
		cmocka_unit_test(test_mrz_date_not_calendar),
		cmocka_unit_test(test_mrz_date_century),
		cmocka_unit_test(test_mrz_date_expiry_horizon_warns),
		cmocka_unit_test(test_mrz_date_birth_unknown),
		cmocka_unit_test(test_mrz_sex),
		cmocka_unit_test(test_mrz_missing_fields),
		cmocka_unit_test(test_mrz_form_errors),
		cmocka_unit_test(test_mrz_name_rules),
		cmocka_unit_test(test_mrz_long_number_errors),
		cmocka_unit_test(test_mrz_reports_every_problem),
		cmocka_unit_test(test_mrz_messages_hold_no_personal_data),
		cmocka_unit_test(test_mrz_scanner_line_endings),
		cmocka_unit_test(test_mrz_today_default),
		cmocka_unit_test(test_mrz_compose_specimens),
		cmocka_unit_test(test_mrz_compose_truncates_names),
		cmocka_unit_test(test_mrz_compose_rejects),
		cmocka_unit_test(test_mrz_round_trip_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
