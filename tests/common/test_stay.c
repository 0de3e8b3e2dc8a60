/* test_stay.c - the stay calculator: worked examples published by migration
 * offices (each cited where it is used), the edge cases of issue 4, every
 * kind of invalid input, and thousands of random histories checked against
 * a day-by-day reference that applies the definition literally. */
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
#include "stay.h"

#define NONE	NULL	/* an expected date that must be STAY_NONE */
#define MAXST	64

static int64_t
day_of(const char *iso)
{
	struct date	d;

	if (date_parse_iso(&d, iso, strlen(iso)) != 0)
		fail_msg("bad date in test: %s", iso);
	return date_to_days(&d);
}

static void
iso_of(int64_t day, char *buf, size_t bufsz)
{
	struct date	d;

	if (day == STAY_NONE) {
		(void)snprintf(buf, bufsz, "null");
		return;
	}
	date_from_days(day, &d);
	assert_int_equal(date_format_iso(&d, buf, bufsz), 0);
}

/* Stays from the CLI's text form, which must be valid. */
static size_t
stays_of(const char *text, struct stay *s)
{
	struct stay_problem	why;
	size_t			n = 0;
	int			rc;

	rc = stay_parse_list(s, MAXST, &n, text, strlen(text), &why);
	if (rc != 0)
		fail_msg("stays \"%s\": %s (%s, stay %zu)", text,
		    err_str(rc), stay_why_str(why.why), why.index);
	return n;
}

/*
 * One case in entry mode ('E') or control mode ('C'). For 'E': flag is
 * allowed, date latest_exit, num days_remaining; for 'C': flag is
 * overstaying, date first_overstay_date, num overstay_days.
 */
struct calc_case {
	const char	*what;
	struct stay_rule rule;
	const char	*stays;
	char		 mode;
	const char	*on;
	int		 days_used;
	int		 flag;
	const char	*date;
	int64_t		 num;
};

static void
run_cases(const struct calc_case *t, size_t nt)
{
	struct stay_entry_result	er;
	struct stay_control_result	cr;
	struct stay_problem		why;
	struct stay			s[MAXST];
	char				got[16];
	size_t				i, n;
	int64_t				want, day;
	int				rc;

	for (i = 0; i < nt; i++) {
		n = stays_of(t[i].stays, s);
		want = t[i].date != NONE ? day_of(t[i].date) : STAY_NONE;
		if (t[i].mode == 'E') {
			rc = stay_calc_entry(&er, &t[i].rule, s, n,
			    day_of(t[i].on), &why);
			if (rc != 0)
				fail_msg("%s: %s: %s", t[i].what,
				    err_str(rc), stay_why_str(why.why));
			day = er.latest_exit;
			iso_of(day, got, sizeof(got));
			if (er.days_used != t[i].days_used ||
			    er.allowed != t[i].flag || day != want ||
			    er.days_remaining != t[i].num)
				fail_msg("%s: got days_used %d allowed %d "
				    "latest_exit %s days_remaining %d",
				    t[i].what, er.days_used, er.allowed, got,
				    er.days_remaining);
		} else {
			rc = stay_calc_control(&cr, &t[i].rule, s, n,
			    day_of(t[i].on), &why);
			if (rc != 0)
				fail_msg("%s: %s: %s", t[i].what,
				    err_str(rc), stay_why_str(why.why));
			day = cr.first_overstay;
			iso_of(day, got, sizeof(got));
			if (cr.days_used != t[i].days_used ||
			    cr.overstaying != t[i].flag || day != want ||
			    cr.overstay_days != t[i].num)
				fail_msg("%s: got days_used %d overstaying %d "
				    "first_overstay %s overstay_days %lld",
				    t[i].what, cr.days_used, cr.overstaying,
				    got, (long long)cr.overstay_days);
		}
	}
}

#define R90	{ 90, 180, 0 }

/*
 * Worked examples of the Swiss State Secretariat for Migration (SEM) for
 * the European Commission's short-stay calculator, "Aufenthaltsrechner",
 * examples 1 to 6, last modified 01.12.2014:
 *   https://www.sem.admin.ch/sem/en/home/themen/einreise/aufenthaltsrechner/bsp-N.html
 * (N = 1..6; the same pages are mirrored under www.ejpd.admin.ch,
 * www.fedpol.admin.ch and www.rhf.admin.ch). The SEM's example 3 is left
 * out: its table of stamps does not survive in a readable form.
 * Each expected value is worked out by hand in the comment beside it.
 */
static void
test_stay_sem_examples(void **state)
{
	static const struct calc_case t[] = {
		/* Example 1: stamped in 15.08.2014, out 30.09.2014 (47
		 * days); returning 01.01.2015 "may remain for 90 more
		 * days". The 47 days are all in the window of 01.01.2015;
		 * from day 42 of the new stay one old day leaves for each
		 * new one (count stays 88) until the old stay is gone on
		 * 14.03.2015; days 89 and 90 fall on 30 and 31.03.2015. */
		{ "SEM example 1", R90, "2014-08-15..2014-09-30", 'E',
		    "2015-01-01", 47, 1, "2015-03-31", 90 },
		/* Example 2: 15.08-30.09.2014 and 01.11-30.11.2014,
		 * departing 30.11.2014: legal (47 + 30 = 77 days). */
		{ "SEM example 2", R90,
		    "2014-08-15..2014-09-30,2014-11-01..2014-11-30", 'C',
		    "2014-11-30", 77, 0, NONE, 0 },
		/* ... "would be able to remain without interruption until
		 * 13 December 2014": 47 + 43 = 90 on 13.12, and nothing
		 * leaves the window before February. */
		{ "SEM example 2, planning the second stay", R90,
		    "2014-08-15..2014-09-30", 'E', "2014-11-01", 47, 1,
		    "2014-12-13", 43 },
		{ "SEM example 2, still there on 13.12", R90,
		    "2014-08-15..2014-09-30,2014-11-01..", 'C',
		    "2014-12-13", 90, 0, NONE, 0 },
		{ "SEM example 2, still there on 14.12", R90,
		    "2014-08-15..2014-09-30,2014-11-01..", 'C',
		    "2014-12-14", 91, 1, "2014-12-14", 1 },
		/* Example 4: 01.06-13.07.2013 (43 days), 15.08-30.09.2013
		 * (47), 01.01-30.01.2014 (30), departing 30.01.2014: legal
		 * (the June stay is out of the window: 47 + 30 = 77). */
		{ "SEM example 4", R90,
		    "2013-06-01..2013-07-13,2013-08-15..2013-09-30,"
		    "2014-01-01..2014-01-30", 'C', "2014-01-30", 77, 0,
		    NONE, 0 },
		/* ... "could have remained until 31 March 2014": 55 days
		 * used on 01.01 (8 of June-July, 47 of August-September);
		 * the count reaches 88 by 10.02 and stays there while the
		 * autumn stay leaves, then 89, 90 on 30 and 31.03. */
		{ "SEM example 4, planning January", R90,
		    "2013-06-01..2013-07-13,2013-08-15..2013-09-30", 'E',
		    "2014-01-01", 55, 1, "2014-03-31", 90 },
		{ "SEM example 4, still there on 31.03", R90,
		    "2013-06-01..2013-07-13,2013-08-15..2013-09-30,"
		    "2014-01-01..", 'C', "2014-03-31", 90, 0, NONE, 0 },
		{ "SEM example 4, still there on 01.04", R90,
		    "2013-06-01..2013-07-13,2013-08-15..2013-09-30,"
		    "2014-01-01..", 'C', "2014-04-01", 91, 1, "2014-04-01",
		    1 },
		/* ... and the 30.09.2013 exit was exactly the 90th day in
		 * its window (43 + 47). */
		{ "SEM example 4, exactly 90 on 30.09.2013", R90,
		    "2013-06-01..2013-07-13,2013-08-15..2013-09-30", 'C',
		    "2013-09-30", 90, 0, NONE, 0 },
		/* Example 5: 01-30.09.2013, 21.02-20.04.2014 (59 days),
		 * 01.05-09.06.2014 (40), departing 09.06.2014: "over-
		 * extended his stay by 9 days". 59 + 31 = 90 on 31.05, so
		 * 01.06 to 09.06 are unlawful. */
		{ "SEM example 5", R90,
		    "2013-09-01..2013-09-30,2014-02-21..2014-04-20,"
		    "2014-05-01..2014-06-09", 'C', "2014-06-09", 99, 1,
		    "2014-06-01", 9 },
		/* ... "a return ... on 30 August 2014 ... for a period of
		 * up to 50 days". Window of 30.08 from 04.03.2014: 48 + 40
		 * = 88 used; from 31.08 one March-April day leaves for each
		 * new day until 17.10, then the 10-day gap in April lets
		 * the count rise: 90 on 18.10, 91 on 19.10. The SEM has
		 * the calculator fed only the stays from 04.03.2014 on;
		 * with per-day semantics the full history gives the same
		 * answer. */
		{ "SEM example 5, return on 30.08 (as the SEM enters it)",
		    R90, "2014-03-04..2014-04-20,2014-05-01..2014-06-09",
		    'E', "2014-08-30", 88, 1, "2014-10-18", 50 },
		{ "SEM example 5, return on 30.08 (full history)", R90,
		    "2013-09-01..2013-09-30,2014-02-21..2014-04-20,"
		    "2014-05-01..2014-06-09", 'E', "2014-08-30", 88, 1,
		    "2014-10-18", 50 },
		/* Example 6: stays 28.06-09.08.2013 and from 19.09.2013,
		 * departing 01.03.2014: an "overstay of 74 days within the
		 * 180-day period (03 September 2013 to 01 March 2014)",
		 * with only the stays in that period entered. 19.09.2013 to
		 * 01.03.2014 is 164 days; days 91..164 (18.12.2013 on) are
		 * unlawful: 74. */
		{ "SEM example 6 (as the SEM enters it)", R90,
		    "2013-09-19..", 'C', "2014-03-01", 164, 1, "2013-12-18",
		    74 },
		/* With the first stay too, the per-day rule of issue 4 also
		 * finds 05.11 to 17.12.2013 unlawful (43 earlier days were
		 * still in their windows): 117 unlawful days, the first on
		 * day 48 of the stay. The SEM's 74 is days_used - 90. */
		{ "SEM example 6 (full history)", R90,
		    "2013-06-28..2013-08-09,2013-09-19..", 'C', "2014-03-01",
		    164, 1, "2013-11-05", 117 },
	};

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));
}

/*
 * Kazakhstan: Law "On Migration of the Population", art. 6, as quoted by
 * the Astana tourism office from gov.kz (visitastana.kz, "Entry and Stay
 * Procedure for Foreigners in the Republic of Kazakhstan"): without a visa,
 * "thirty calendar days from the date of crossing the State border,
 * totaling ninety calendar days within each period of one hundred eighty
 * calendar days" - a per-entry cap under the window rule. Whichever limit
 * comes first binds.
 */
static void
test_stay_per_entry_cap(void **state)
{
	static const struct calc_case t[] = {
		{ "30 per entry, nothing before", { 90, 180, 30 }, "", 'E',
		    "2024-01-01", 0, 1, "2024-01-30", 30 },
		/* 20 days used: the window would allow 70, the cap 30. */
		{ "cap binds before the window", { 90, 180, 30 },
		    "2023-10-01..2023-10-20", 'E', "2024-01-01", 20, 1,
		    "2024-01-30", 30 },
		/* 75 days used: the window allows 15, before the cap. */
		{ "window binds before the cap", { 90, 180, 30 },
		    "2023-10-01..2023-12-14", 'E', "2024-01-01", 75, 1,
		    "2024-01-15", 15 },
		/* Day 36 of a stay: 36 <= 90 in the window, but days 31 to
		 * 36 are past the cap. */
		{ "overstaying the cap only", { 90, 180, 30 },
		    "2024-01-01..", 'C', "2024-02-05", 36, 1, "2024-01-31",
		    6 },
		{ "day 30 of the stay", { 90, 180, 30 }, "2024-01-01..",
		    'C', "2024-01-30", 30, 0, NONE, 0 },
		/* A cap of 1: each stay may be one day long. */
		{ "cap 1, a one-day stay", { 5, 10, 1 },
		    "2024-01-01..2024-01-01", 'C', "2024-01-01", 1, 0, NONE,
		    0 },
		{ "cap 1, a two-day stay", { 5, 10, 1 },
		    "2024-01-01..2024-01-02", 'C', "2024-01-02", 2, 1,
		    "2024-01-02", 1 },
		/* Short stays under the cap still fill the window: with
		 * 3-day stays every 4 days, N = 10 in M = 20 is passed on
		 * the 11th day of presence, 14.01, day 2 of the fourth
		 * stay. */
		{ "cap and window together", { 10, 20, 3 },
		    "2024-01-01..2024-01-03,2024-01-05..2024-01-07,"
		    "2024-01-09..2024-01-11,2024-01-13..2024-01-15", 'C',
		    "2024-01-15", 12, 1, "2024-01-14", 2 },
	};

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));
}

static void
test_stay_edge_cases(void **state)
{
	static const struct calc_case t[] = {
		/* Leap day: 29.02.2024 is one day of presence and leaves
		 * the 180-day window 180 days later, on 27.08.2024. */
		{ "leap day in the window", { 1, 180, 0 },
		    "2024-02-29..2024-02-29", 'E', "2024-08-26", 1, 0, NONE,
		    0 },
		{ "leap day out of the window", { 1, 180, 0 },
		    "2024-02-29..2024-02-29", 'E', "2024-08-27", 0, 1,
		    "2024-08-27", 1 },
		/* 28.02.2024 leaves a day earlier than 28.02.2023 does:
		 * the leap day is a day of the window. */
		{ "28.02 of a leap year", { 1, 180, 0 },
		    "2024-02-28..2024-02-28", 'E', "2024-08-26", 0, 1,
		    "2024-08-26", 1 },
		{ "28.02 of a common year", { 1, 180, 0 },
		    "2023-02-28..2023-02-28", 'E', "2023-08-26", 1, 0, NONE,
		    0 },
		/* Jan + Feb 2024 = 60 days, with the leap day. */
		{ "stay across the leap day", { 60, 180, 0 },
		    "2024-01-01..2024-02-29", 'C', "2024-02-29", 60, 0, NONE,
		    0 },
		{ "stay across the leap day, one more", { 59, 180, 0 },
		    "2024-01-01..2024-02-29", 'C', "2024-02-29", 60, 1,
		    "2024-02-29", 1 },
		/* Window across the year end: 81 days in autumn 2023, then
		 * from 28.12.2023 the count is 81 + k: day 10 of the stay,
		 * 06.01.2024, is the 91st; 10 unlawful days to 15.01. */
		{ "window across the year end", R90,
		    "2023-10-01..2023-12-20,2023-12-28..2024-01-15", 'C',
		    "2024-01-15", 100, 1, "2024-01-06", 10 },
		{ "planning across the year end", R90,
		    "2023-10-01..2023-12-20", 'E', "2023-12-28", 81, 1,
		    "2024-01-05", 9 },
		/* Exactly N days. */
		{ "90 days from nothing", R90, "", 'E', "2024-01-01", 0, 1,
		    "2024-03-30", 90 },
		{ "exactly 90 days", R90, "2024-01-01..2024-03-30", 'C',
		    "2024-03-30", 90, 0, NONE, 0 },
		{ "91 days", R90, "2024-01-01..2024-03-31", 'C',
		    "2024-03-31", 91, 1, "2024-03-31", 1 },
		{ "90 used: no entry", R90, "2024-01-01..2024-03-30", 'E',
		    "2024-04-01", 90, 0, NONE, 0 },
		/* 01.01 leaves the window of 29.06.2024: room for 1 day. */
		/* Out 31.03 to 27.06 (89 days): 01.01 is still in the
		 * window of 28.06. */
		{ "89 days absent", R90, "2024-01-01..2024-03-30", 'E',
		    "2024-06-28", 90, 0, NONE, 0 },
		/* "An absence for an uninterrupted period of 90 days allows
		 * for a new stay for up to 90 days" (European Commission,
		 * "User manual for the short-stay Schengen calculator",
		 * section 1). Out 31.03 to 28.06: 89 used on 29.06, then
		 * one old day leaves for each new one until 26.09. */
		{ "90 days absent, 90 days in", R90,
		    "2024-01-01..2024-03-30", 'E', "2024-06-29", 89, 1,
		    "2024-09-26", 90 },
		/* Same-day entry and exit is one day. */
		{ "same-day trips", { 2, 7, 0 },
		    "2024-01-01..2024-01-01,2024-01-03..2024-01-03,"
		    "2024-01-05..2024-01-05", 'C', "2024-01-05", 3, 1,
		    "2024-01-05", 1 },
		{ "same-day trip out of the window", { 2, 7, 0 },
		    "2024-01-01..2024-01-01,2024-01-03..2024-01-03,"
		    "2024-01-08..2024-01-08", 'C', "2024-01-08", 2, 0, NONE,
		    0 },
		{ "consecutive one-day stays", { 2, 7, 0 },
		    "2024-01-01..2024-01-01,2024-01-02..2024-01-02", 'E',
		    "2024-01-03", 2, 0, NONE, 0 },
		/* Open stays: present through C. */
		{ "open stay, day 1", R90, "2024-05-01..", 'C',
		    "2024-05-01", 1, 0, NONE, 0 },
		{ "open stay, long over", R90, "2024-01-01..", 'C',
		    "2024-12-31", 180, 1, "2024-03-31", 276 },
		/* C between stays: not present, earlier overstay counted. */
		{ "between stays", R90,
		    "2024-01-01..2024-04-09,2024-09-01..2024-09-02", 'C',
		    "2024-06-01", 100, 0, "2024-03-31", 10 },
		/* Stays after C are ignored; a stay ending after C is cut
		 * at C. */
		{ "stays after C", R90,
		    "2024-01-01..2024-01-10,2024-03-01..", 'C', "2024-02-01",
		    10, 0, NONE, 0 },
		{ "stay cut at C", R90, "2024-01-01..2024-12-31", 'C',
		    "2024-04-01", 92, 1, "2024-03-31", 2 },
		{ "C before every stay", R90, "2024-01-01..2024-01-10",
		    'C', "2023-06-01", 0, 0, NONE, 0 },
		/* The calendar ends on 9999-12-31. */
		{ "entry on the last day", R90, "", 'E', "9999-12-31", 0, 1,
		    "9999-12-31", 1 },
		{ "entry on the first day", R90, "", 'E', "0001-01-01", 0,
		    1, "0001-03-31", 90 },
		/* The smallest rule. */
		{ "1 in 2", { 1, 2, 0 }, "2024-01-01..2024-01-01", 'E',
		    "2024-01-03", 0, 1, "2024-01-03", 1 },
		{ "1 in 2, next day", { 1, 2, 0 }, "2024-01-01..2024-01-01",
		    'E', "2024-01-02", 1, 0, NONE, 0 },
	};

	(void)state;
	run_cases(t, sizeof(t) / sizeof(t[0]));
}

static void
test_stay_parse_table(void **state)
{
	static const struct {
		const char	*text;
		int		 rc;
		enum stay_why	 why;
		size_t		 index, n;
		const char	*at;	/* the stay's text named */
	} t[] = {
		{ "", 0, STAY_OK, 0, 0, NULL },
		{ "   ", 0, STAY_OK, 0, 0, NULL },
		{ "2024-01-01..2024-01-05", 0, STAY_OK, 0, 1, NULL },
		{ "2024-01-01..", 0, STAY_OK, 0, 1, NULL },
		{ " 2024-01-01..2024-01-05 , 2024-02-01.. ", 0, STAY_OK, 0,
		    2, NULL },
		{ "2024-01-01..2024-01-01,2024-01-02..2024-01-02", 0,
		    STAY_OK, 0, 2, NULL },
		{ "2024-01-01", ERR_PARSE, STAY_SYNTAX, 0, 0, "2024-01-01" },
		{ "2024-01-01..2024-01-05,", ERR_PARSE, STAY_SYNTAX, 1, 0,
		    "" },
		{ ",2024-01-01..", ERR_PARSE, STAY_SYNTAX, 0, 0, "" },
		{ "..2024-01-05", ERR_PARSE, STAY_SYNTAX, 0, 0,
		    "..2024-01-05" },
		{ "2024-01-01...2024-01-05", ERR_PARSE, STAY_SYNTAX, 0, 0,
		    "2024-01-01...2024-01-05" },
		{ "2024-01-01..2024-01-05..", ERR_PARSE, STAY_SYNTAX, 0, 0,
		    "2024-01-01..2024-01-05.." },
		{ "2024-1-01..2024-01-05", ERR_PARSE, STAY_SYNTAX, 0, 0,
		    "2024-1-01..2024-01-05" },
		{ "2024-01-01 .. 2024-01-05", ERR_PARSE, STAY_SYNTAX, 0, 0,
		    "2024-01-01 .. 2024-01-05" },
		{ "2024-01-01..2024-01-05;2024-02-01..", ERR_PARSE,
		    STAY_SYNTAX, 0, 0, "2024-01-01..2024-01-05;2024-02-01.." },
		{ "2024-02-30..2024-03-01", ERR_RANGE, STAY_BAD_DATE, 0, 0,
		    "2024-02-30..2024-03-01" },
		{ "2024-01-01..2024-01-05,2023-02-29..", ERR_RANGE,
		    STAY_BAD_DATE, 1, 0, "2023-02-29.." },
		{ "0000-01-01..2024-01-05", ERR_RANGE, STAY_BAD_DATE, 0, 0,
		    "0000-01-01..2024-01-05" },
		{ "2024-01-05..2024-01-01", ERR_INVAL,
		    STAY_EXIT_BEFORE_ENTRY, 0, 0, "2024-01-05..2024-01-01" },
		{ "2024-02-01..2024-02-05,2024-01-01..2024-01-05",
		    ERR_INVAL, STAY_OUT_OF_ORDER, 1, 0,
		    "2024-01-01..2024-01-05" },
		{ "2024-01-01..2024-01-10,2024-01-05..2024-01-20",
		    ERR_INVAL, STAY_OVERLAP, 1, 0, "2024-01-05..2024-01-20" },
		{ "2024-01-01..2024-01-10,2024-01-01..2024-01-10",
		    ERR_INVAL, STAY_OVERLAP, 1, 0, "2024-01-01..2024-01-10" },
		{ "2024-01-01..2024-01-10,2024-01-10..2024-01-20",
		    ERR_INVAL, STAY_SHARED_DAY, 1, 0,
		    "2024-01-10..2024-01-20" },
		{ "2024-01-01..2024-01-01,2024-01-01..2024-01-01",
		    ERR_INVAL, STAY_SHARED_DAY, 1, 0,
		    "2024-01-01..2024-01-01" },
		{ "2024-01-01.., 2024-02-01..2024-02-05", ERR_INVAL,
		    STAY_OPEN_NOT_LAST, 0, 0, "2024-01-01.." },
		{ "2024-01-01..,2024-02-01..", ERR_INVAL,
		    STAY_OPEN_NOT_LAST, 0, 0, "2024-01-01.." },
	};
	struct stay_problem	why;
	struct stay		s[MAXST];
	char			*p;
	size_t			i, n, len;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* Exactly len bytes on the heap: ASan sees any overread. */
		len = strlen(t[i].text);
		p = malloc(len > 0 ? len : 1);
		assert_non_null(p);
		memcpy(p, t[i].text, len);
		n = 999;
		memset(&why, 0, sizeof(why));
		rc = stay_parse_list(s, MAXST, &n, p, len, &why);
		if (rc != t[i].rc)
			fail_msg("\"%s\": rc %d, want %d", t[i].text, rc,
			    t[i].rc);
		if (rc == 0) {
			assert_int_equal(n, t[i].n);
		} else {
			assert_int_equal(n, 999);	/* untouched */
			if (why.why != t[i].why || why.index != t[i].index)
				fail_msg("\"%s\": why %s index %zu",
				    t[i].text, stay_why_str(why.why),
				    why.index);
			if (why.len != strlen(t[i].at) ||
			    memcmp(t[i].text + why.off, t[i].at, why.len) != 0)
				fail_msg("\"%s\": names \"%.*s\"", t[i].text,
				    (int)why.len, t[i].text + why.off);
		}
		free(p);
	}
}

static void
test_stay_parse_values(void **state)
{
	struct stay	s[MAXST];
	size_t		n;

	(void)state;
	n = stays_of("2024-02-28..2024-03-01, 2024-12-31..", s);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].entry, day_of("2024-02-28"));
	assert_int_equal(s[0].exit, day_of("2024-03-01"));
	assert_int_equal(s[1].entry, day_of("2024-12-31"));
	assert_true(s[1].exit == STAY_OPEN);
}

static void
test_stay_parse_too_many(void **state)
{
	struct stay_problem	 why;
	struct stay		 s[2], *big;
	char			*text, *p;
	size_t			 n = 7, i;
	struct date		 d;
	int64_t			 day;

	(void)state;
	assert_int_equal(stay_parse_list(s, 2, &n,
	    "2024-01-01..2024-01-01,2024-01-03..2024-01-03,"
	    "2024-01-05..2024-01-05", 68, &why), ERR_TOOBIG);
	assert_int_equal(why.why, STAY_TOO_MANY);
	assert_int_equal(why.index, 2);
	assert_int_equal(n, 7);

	/* STAY_LIST_MAX holds whatever the caller's cap. */
	text = malloc((STAY_LIST_MAX + 1) * 23);
	big = calloc(STAY_LIST_MAX + 1, sizeof(*big));
	assert_non_null(text);
	assert_non_null(big);
	p = text;
	day = day_of("1990-01-01");
	for (i = 0; i <= STAY_LIST_MAX; i++, day += 2) {
		date_from_days(day, &d);
		assert_int_equal(date_format_iso(&d, p, 11), 0);
		memcpy(p + 10, "..", 2);
		assert_int_equal(date_format_iso(&d, p + 12, 11), 0);
		p[22] = ',';
		p += 23;
	}
	assert_int_equal(stay_parse_list(big, STAY_LIST_MAX + 1, &n, text,
	    (size_t)(p - text) - 1, &why), ERR_TOOBIG);
	assert_int_equal(why.index, STAY_LIST_MAX);
	assert_int_equal(stay_parse_list(big, STAY_LIST_MAX + 1, &n, text,
	    (size_t)(p - text) - 24, &why), 0);
	assert_int_equal(n, STAY_LIST_MAX);
	free(text);
	free(big);
}

static void
test_stay_rule_table(void **state)
{
	static const struct {
		struct stay_rule	r;
		enum stay_why		why;
	} t[] = {
		{ { 90, 180, 0 }, STAY_OK },
		{ { 90, 180, 30 }, STAY_OK },
		{ { 1, 2, 0 }, STAY_OK },
		{ { 3659, 3660, 3660 }, STAY_OK },
		{ { 90, 180, 3660 }, STAY_OK },
		{ { 0, 180, 0 }, STAY_RULE_ZERO },
		{ { 90, 0, 0 }, STAY_RULE_ZERO },
		{ { 0, 0, 0 }, STAY_RULE_ZERO },
		{ { -1, 180, 0 }, STAY_RULE_ZERO },
		{ { 90, 180, -1 }, STAY_RULE_ZERO },
		{ { 180, 180, 0 }, STAY_RULE_NOT_LESS },
		{ { 181, 180, 0 }, STAY_RULE_NOT_LESS },
		{ { 1, 1, 0 }, STAY_RULE_NOT_LESS },
		{ { 90, 3661, 0 }, STAY_RULE_TOO_BIG },
		{ { 90, 180, 3661 }, STAY_RULE_TOO_BIG },
	};
	struct stay_problem	why;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why.why = STAY_OK;
		if (stay_check_rule(&t[i].r, &why) != (t[i].why == STAY_OK) ||
		    why.why != t[i].why)
			fail_msg("rule %d/%d/%d: %s", t[i].r.max_days,
			    t[i].r.window_days, t[i].r.per_entry_days,
			    stay_why_str(why.why));
	}
}

/* The calculators refuse what they cannot answer and leave *out alone. */
static void
test_stay_calc_rejects(void **state)
{
	static const struct stay_rule	ok = R90, bad = { 180, 90, 0 };
	struct stay_entry_result	er;
	struct stay_control_result	cr;
	struct stay_problem		why;
	struct stay			s[MAXST], raw[2];
	size_t				n;

	(void)state;
	memset(&er, 0x5a, sizeof(er));
	memset(&cr, 0x5a, sizeof(cr));

	n = stays_of("2024-01-01..2024-01-10", s);
	assert_int_equal(stay_calc_entry(&er, &bad, s, n,
	    day_of("2024-02-01"), &why), ERR_INVAL);
	assert_int_equal(why.why, STAY_RULE_NOT_LESS);
	assert_int_equal(stay_calc_control(&cr, &bad, s, n,
	    day_of("2024-02-01"), &why), ERR_INVAL);
	assert_int_equal(why.why, STAY_RULE_NOT_LESS);

	/* Entry on, or before, the last exit. */
	assert_int_equal(stay_calc_entry(&er, &ok, s, n,
	    day_of("2024-01-10"), &why), ERR_INVAL);
	assert_int_equal(why.why, STAY_ENTRY_NOT_AFTER);
	assert_int_equal(why.index, 0);
	assert_int_equal(stay_calc_entry(&er, &ok, s, n,
	    day_of("2023-12-01"), &why), ERR_INVAL);
	assert_int_equal(why.why, STAY_ENTRY_NOT_AFTER);

	/* Entry while a stay is open. */
	n = stays_of("2024-01-01..2024-01-10,2024-02-01..", s);
	assert_int_equal(stay_calc_entry(&er, &ok, s, n,
	    day_of("2024-03-01"), &why), ERR_INVAL);
	assert_int_equal(why.why, STAY_OPEN_AT_ENTRY);
	assert_int_equal(why.index, 1);

	/* Stays built by a caller are checked too. */
	raw[0].entry = day_of("2024-01-01");
	raw[0].exit = STAY_OPEN;
	raw[1].entry = day_of("2024-02-01");
	raw[1].exit = day_of("2024-02-02");
	assert_int_equal(stay_calc_control(&cr, &ok, raw, 2,
	    day_of("2024-03-01"), &why), ERR_INVAL);
	assert_int_equal(why.why, STAY_OPEN_NOT_LAST);
	assert_int_equal(why.index, 0);
	raw[0].exit = day_of("2024-02-01");
	assert_int_equal(stay_calc_control(&cr, &ok, raw, 2,
	    day_of("2024-03-01"), &why), ERR_INVAL);
	assert_int_equal(why.why, STAY_SHARED_DAY);
	raw[0].exit = INT64_C(9000000);
	assert_int_equal(stay_calc_control(&cr, &ok, raw, 1,
	    day_of("2024-03-01"), &why), ERR_INVAL);
	assert_int_equal(why.why, STAY_BAD_DATE);
	raw[0].exit = day_of("2023-12-31");
	assert_int_equal(stay_check_list(raw, 1, &why), 0);
	assert_int_equal(why.why, STAY_EXIT_BEFORE_ENTRY);

	/* Days outside the calendar. */
	n = stays_of("", s);
	assert_int_equal(stay_calc_entry(&er, &ok, s, n, INT64_C(3000000),
	    &why), ERR_RANGE);
	assert_int_equal(why.why, STAY_BAD_DATE);
	assert_int_equal(stay_calc_control(&cr, &ok, s, n,
	    INT64_C(-800000), &why), ERR_RANGE);
	assert_int_equal(why.why, STAY_BAD_DATE);
	/* why may be NULL. */
	assert_int_equal(stay_calc_control(&cr, &bad, s, n, 0, NULL),
	    ERR_INVAL);

	assert_int_equal(er.days_used, 0x5a5a5a5a);
	assert_int_equal(cr.days_used, 0x5a5a5a5a);
	assert_int_equal(stay_why_str(STAY_OK)[0] != '\0', 1);
}

/* ---- the day-by-day reference ---- */

/* Presence and lawfulness of every day in [lo, hi], by the definition. */
struct ref {
	int64_t	 lo, hi;
	int32_t	*pre;		/* pre[i]: presence on days lo..lo+i-1 */
	int8_t	*state;		/* -1 absent, 0 unlawful, 1 lawful */
};

static int64_t
ref_count(const struct ref *f, int64_t from, int64_t to)
{
	if (from < f->lo)
		from = f->lo;
	if (to > f->hi)
		to = f->hi;
	if (to < from)
		return 0;
	return f->pre[to - f->lo + 1] - f->pre[from - f->lo];
}

/* s closed and inside [lo, hi]. */
static void
ref_run(struct ref *f, const struct stay_rule *r, const struct stay *s,
    size_t n, int64_t lo, int64_t hi)
{
	int64_t	d, i, cnt, nday;
	size_t	k;

	f->lo = lo;
	f->hi = hi;
	f->pre = calloc((size_t)(hi - lo + 2), sizeof(*f->pre));
	f->state = malloc((size_t)(hi - lo + 1));
	assert_non_null(f->pre);
	assert_non_null(f->state);
	memset(f->state, -1, (size_t)(hi - lo + 1));
	for (k = 0; k < n; k++)
		for (d = s[k].entry; d <= s[k].exit; d++)
			f->state[d - lo] = 1;
	for (i = 0; i <= hi - lo; i++)
		f->pre[i + 1] = f->pre[i] + (f->state[i] >= 0);
	for (k = 0; k < n; k++)
		for (d = s[k].entry; d <= s[k].exit; d++) {
			cnt = ref_count(f, d - r->window_days + 1, d);
			nday = d - s[k].entry + 1;
			if (cnt > r->max_days || (r->per_entry_days > 0 &&
			    nday > r->per_entry_days))
				f->state[d - lo] = 0;
		}
}

static void
ref_free(struct ref *f)
{
	free(f->pre);
	free(f->state);
}

static void
ref_entry(struct stay_entry_result *out, const struct stay_rule *r,
    const struct stay *s, size_t n, int64_t e)
{
	struct stay	all[MAXST + 1];
	struct ref	f;
	int64_t		lo, hi, d;

	memcpy(all, s, n * sizeof(*s));
	/* The first unlawful day is at the latest day N + 1. */
	hi = e + r->max_days;
	if (hi > day_of("9999-12-31"))
		hi = day_of("9999-12-31");
	all[n].entry = e;
	all[n].exit = hi;
	lo = (n > 0 ? s[0].entry : e) - r->window_days;
	ref_run(&f, r, all, n + 1, lo, hi);
	out->days_used = (int)ref_count(&f, e - r->window_days + 1, e - 1);
	for (d = e; d <= hi && f.state[d - lo] == 1; d++)
		;
	out->allowed = d > e;
	out->latest_exit = d > e ? d - 1 : STAY_NONE;
	out->days_remaining = (int)(d - e);
	ref_free(&f);
}

static void
ref_control(struct stay_control_result *out, const struct stay_rule *r,
    const struct stay *s, size_t n, int64_t c)
{
	struct stay	cut[MAXST];
	struct ref	f;
	int64_t		lo, d;
	size_t		k, m = 0;

	for (k = 0; k < n && s[k].entry <= c; k++) {
		cut[m] = s[k];
		if (cut[m].exit == STAY_OPEN || cut[m].exit > c)
			cut[m].exit = c;
		m++;
	}
	lo = (n > 0 && s[0].entry < c ? s[0].entry : c) - r->window_days;
	ref_run(&f, r, cut, m, lo, c);
	memset(out, 0, sizeof(*out));
	out->days_used = (int)ref_count(&f, c - r->window_days + 1, c);
	out->overstaying = f.state[c - lo] == 0;
	out->first_overstay = STAY_NONE;
	for (d = lo; d <= c; d++)
		if (f.state[d - lo] == 0) {
			if (out->first_overstay == STAY_NONE)
				out->first_overstay = d;
			out->overstay_days++;
		}
	ref_free(&f);
}

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int64_t
rnd_in(uint64_t *x, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd(x) % (uint64_t)(hi - lo + 1));
}

static void
random_rule(uint64_t *x, struct stay_rule *r)
{
	switch (rnd(x) % 4) {
	case 0:
		r->max_days = 90;
		r->window_days = 180;
		break;
	case 1:
		r->window_days = (int)rnd_in(x, 2, 12);
		r->max_days = (int)rnd_in(x, 1, r->window_days - 1);
		break;
	default:
		r->window_days = (int)rnd_in(x, 2, 400);
		r->max_days = (int)rnd_in(x, 1, r->window_days - 1);
		break;
	}
	r->per_entry_days = rnd(x) % 3 == 0 ?
	    (int)rnd_in(x, 1, r->window_days + 5) : 0;
}

/* Closed stays with gaps of at least one day, short or long. */
static size_t
random_stays(uint64_t *x, struct stay *s, int64_t start, int scale)
{
	size_t	n, i;
	int64_t	d = start;

	n = (size_t)rnd_in(x, 0, 12);
	for (i = 0; i < n; i++) {
		d += rnd_in(x, 1, rnd(x) % 2 ? 4 : scale);
		s[i].entry = d;
		d += rnd_in(x, 0, rnd(x) % 2 ? 3 : scale);
		s[i].exit = d;
		d++;
	}
	return n;
}

static void
test_stay_matches_reference(void **state)
{
	struct stay_entry_result	er, ew;
	struct stay_control_result	cr, cw;
	struct stay_rule		r;
	struct stay			s[MAXST];
	uint64_t			x = UINT64_C(0x9e3779b97f4a7c15);
	int64_t				start, e, c, last;
	size_t				n;
	int				iter, scale;

	(void)state;
	for (iter = 0; iter < 6000; iter++) {
		random_rule(&x, &r);
		scale = rnd(&x) % 2 ? r.window_days : 40;
		start = day_of("2020-01-01") + rnd_in(&x, -400, 400);
		n = random_stays(&x, s, start, scale);
		last = n > 0 ? s[n - 1].exit : start;

		/* Entry mode: soon after the last exit, or much later. */
		e = last + rnd_in(&x, 1, rnd(&x) % 2 ? 10 :
		    2 * r.window_days);
		assert_int_equal(stay_calc_entry(&er, &r, s, n, e, NULL), 0);
		ref_entry(&ew, &r, s, n, e);
		if (er.days_used != ew.days_used ||
		    er.allowed != ew.allowed ||
		    er.latest_exit != ew.latest_exit ||
		    er.days_remaining != ew.days_remaining)
			fail_msg("entry iter %d rule %d/%d/%d: got %d %d "
			    "%lld %d, want %d %d %lld %d", iter, r.max_days,
			    r.window_days, r.per_entry_days, er.days_used,
			    er.allowed, (long long)er.latest_exit,
			    er.days_remaining, ew.days_used, ew.allowed,
			    (long long)ew.latest_exit, ew.days_remaining);
		/* European Commission user manual: an uninterrupted absence
		 * of 90 days allows a new stay of up to 90 days. */
		if (r.max_days == 90 && r.window_days == 180 &&
		    r.per_entry_days == 0 && e - last - 1 >= 90)
			assert_int_equal(er.days_remaining, 90);

		/* Control mode, with the last stay sometimes open and C
		 * anywhere from before the first stay to after the last. */
		if (n > 0 && rnd(&x) % 3 == 0)
			s[n - 1].exit = STAY_OPEN;
		c = rnd_in(&x, start - 5, last + r.window_days);
		assert_int_equal(stay_calc_control(&cr, &r, s, n, c, NULL),
		    0);
		ref_control(&cw, &r, s, n, c);
		if (cr.days_used != cw.days_used ||
		    cr.overstaying != cw.overstaying ||
		    cr.first_overstay != cw.first_overstay ||
		    cr.overstay_days != cw.overstay_days)
			fail_msg("control iter %d rule %d/%d/%d: got %d %d "
			    "%lld %lld, want %d %d %lld %lld", iter,
			    r.max_days, r.window_days, r.per_entry_days,
			    cr.days_used, cr.overstaying,
			    (long long)cr.first_overstay,
			    (long long)cr.overstay_days, cw.days_used,
			    cw.overstaying, (long long)cw.first_overstay,
			    (long long)cw.overstay_days);
	}
}

/*
 * A history from year 1 to year 9999: a stay open since 0001-01-01 checked
 * on 9999-12-31, and 10000 short stays. The reference walks every day; the
 * calculator must agree, and its work is bounded by N + 1 per stay.
 */
static void
test_stay_long_history(void **state)
{
	static const struct stay_rule	r = R90;
	struct stay_control_result	cr, cw;
	struct stay_entry_result	er;
	struct stay			s[1], *many;
	struct ref			f;
	int64_t				first, lastday, d;
	size_t				i, n = STAY_LIST_MAX;

	(void)state;
	first = day_of("0001-01-01");
	lastday = day_of("9999-12-31");
	s[0].entry = first;
	s[0].exit = STAY_OPEN;
	assert_int_equal(stay_calc_control(&cr, &r, s, 1, lastday, NULL), 0);
	assert_int_equal(cr.days_used, 180);
	assert_true(cr.overstaying);
	assert_int_equal(cr.first_overstay, first + 90);
	assert_int_equal(cr.overstay_days, lastday - first + 1 - 90);

	/* 10000 stays of 3 days, 2 days apart: 3 days in every 5. */
	many = calloc(n, sizeof(*many));
	assert_non_null(many);
	for (i = 0, d = day_of("1900-01-01"); i < n; i++, d += 5) {
		many[i].entry = d;
		many[i].exit = d + 2;
	}
	assert_int_equal(stay_calc_control(&cr, &r, many, n, d, NULL), 0);
	ref_run(&f, &r, many, n, many[0].entry - 180, d);
	memset(&cw, 0, sizeof(cw));
	cw.first_overstay = STAY_NONE;
	for (lastday = f.lo; lastday <= f.hi; lastday++)
		if (f.state[lastday - f.lo] == 0) {
			if (cw.first_overstay == STAY_NONE)
				cw.first_overstay = lastday;
			cw.overstay_days++;
		}
	ref_free(&f);
	/* d - 179 .. d - 1 hold 35 + 36 + 36 stay days; d is a gap. */
	assert_int_equal(cr.days_used, 107);
	assert_false(cr.overstaying);		/* d is a gap day */
	assert_int_equal(cr.first_overstay, cw.first_overstay);
	assert_int_equal(cr.overstay_days, cw.overstay_days);
	assert_int_equal(stay_calc_entry(&er, &r, many, n, d + 1, NULL), 0);
	assert_false(er.allowed);
	free(many);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stay_sem_examples),
		cmocka_unit_test(test_stay_per_entry_cap),
		cmocka_unit_test(test_stay_edge_cases),
		cmocka_unit_test(test_stay_parse_table),
		cmocka_unit_test(test_stay_parse_values),
		cmocka_unit_test(test_stay_parse_too_many),
		cmocka_unit_test(test_stay_rule_table),
		cmocka_unit_test(test_stay_calc_rejects),
		cmocka_unit_test(test_stay_matches_reference),
		cmocka_unit_test(test_stay_long_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
