/* test_policy.c - the stay policy: look-ups in a valid policy (citizens,
 * a nationality's own rule over its group's, effective dates to the day,
 * the default, MRZ fillers), the reason text, the nationality code table,
 * the limits on sizes, every bad file in tests/configs/bad/policy-*.yaml
 * with its exact output, and config/policy.yaml itself (run from the
 * repository root). Inputs are heap copies of exactly their length so that
 * ASan catches a read past the end. */
#include <sys/types.h>

#include <dirent.h>
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
#include "policy.h"

#define PERMITS								\
	"permits:\n"							\
	"  visa: {stay: permit}\n"					\
	"  work_permit: {stay: permit, replaces_visa: false}\n"	\
	"  residence_permit: {stay: unlimited, replaces_visa: true}\n"	\
	"  refugee: {stay: unlimited, replaces_visa: true}\n"		\
	"  asylum: {stay: unlimited, replaces_visa: false}\n"		\
	"  repatriate: {stay: unlimited, replaces_visa: true}\n"

/* A policy with every kind of rule; line numbers matter below. */
static const char t_policy[] =
	"version: t-1\n"				/* 1 */
	"timezone: UTC\n"
	"citizens: [KAZ, D]\n"
	"groups:\n"
	"  - name: EAEU\n"				/* 5 */
	"    members: [RUS, ARM, KGZ, KAZ, BLR]\n"
	"  - name: WEST\n"
	"    members: [USA, GBR, FRA]\n"
	"  - name: UNUSED\n"
	"    members: [JPN]\n"				/* 10 */
	"rules:\n"
	"  - group: EAEU\n"
	"    from: 2015-01-01\n"
	"    visa_required: false\n"
	"    max_days: 90\n"				/* 15 */
	"    window_days: 180\n"
	"  - nationality: RUS\n"
	"    from: 2020-03-01\n"
	"    until: 2020-06-30\n"
	"    visa_required: true\n"			/* 20 */
	"    note: border closed\n"
	"  - group: WEST\n"
	"    from: 2019-01-01\n"
	"    until: 2019-12-31\n"
	"    visa_required: false\n"			/* 25 */
	"    per_entry_days: 30\n"
	"    max_days: 90\n"
	"    window_days: 180\n"
	"  - group: WEST\n"
	"    from: 2020-01-01\n"			/* 30 */
	"    visa_required: false\n"
	"    max_days: 60\n"
	"    window_days: 180\n"
	"  - nationality: GBR\n"
	"    from: 2021-01-01\n"			/* 35 */
	"    visa_required: false\n"
	"    per_entry_days: 15\n"
	"    max_days: 30\n"
	"    window_days: 90\n"
	"default:\n"					/* 40 */
	"  visa_required: false\n"
	"  max_days: 10\n"
	"  window_days: 30\n"
	PERMITS;

/* Output of one load, captured from errfp. */
struct capture {
	char	*buf;
	size_t	 len;
	FILE	*fp;
};

static FILE *
capture_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->fp = open_memstream(&c->buf, &c->len);
	assert_non_null(c->fp);
	return c->fp;
}

static const char *
capture_close(struct capture *c)
{
	assert_int_equal(fclose(c->fp), 0);
	return c->buf;
}

/* Loads yaml from an exact-length heap copy; asserts rc and the whole
 * output, and that a failed load left *out alone. */
static struct policy *
t_load(const char *yaml, size_t len, int want_rc, const char *want_out)
{
	struct capture	 cap;
	struct policy	*p, sentinel;
	uint8_t		*copy;
	const char	*got;
	int		 rc;

	p = &sentinel;
	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	memcpy(copy, yaml, len);
	rc = policy_load_buf(&p, "t.yaml", copy, len, capture_open(&cap));
	got = capture_close(&cap);
	free(copy);
	if (rc != want_rc || (want_out != NULL && strcmp(got, want_out) != 0))
		fail_msg("want rc %d and:\n%sgot rc %d and:\n%s", want_rc,
		    want_out != NULL ? want_out : "(any)\n", rc, got);
	free(cap.buf);
	if (rc != 0) {
		assert_ptr_equal(p, &sentinel);
		return NULL;
	}
	assert_ptr_not_equal(p, &sentinel);
	return p;
}

static struct date
t_date(const char *s)
{
	struct date	d;

	assert_int_equal(date_parse_iso(&d, s, strlen(s)), 0);
	return d;
}

static void
test_policy_lookup_table(void **state)
{
	static const struct {
		const char		*nat;
		const char		*day;
		enum policy_source	 source;
		const char		*desc;
		int			 line;
	} t[] = {
		/* Citizens, whatever groups they are in; MRZ fillers. */
		{ "KAZ", "2024-01-01", POLICY_CITIZEN,
		    "citizen (KAZ): no stay rules", 0 },
		{ "KAZ", "2000-01-01", POLICY_CITIZEN,
		    "citizen (KAZ): no stay rules", 0 },
		{ "D", "2024-01-01", POLICY_CITIZEN,
		    "citizen (D): no stay rules", 0 },
		{ "D<<", "2024-01-01", POLICY_CITIZEN,
		    "citizen (D): no stay rules", 0 },
		/* DEU is another code than D: the policy must name both. */
		{ "DEU", "2024-01-01", POLICY_DEFAULT, "default: 10/30", 41 },
		/* A group's rule from its first day. */
		{ "RUS", "2014-12-31", POLICY_DEFAULT, "default: 10/30", 41 },
		{ "RUS", "2015-01-01", POLICY_GROUP,
		    "EAEU 90/180 from 2015-01-01", 12 },
		{ "RUS", "2020-02-29", POLICY_GROUP,
		    "EAEU 90/180 from 2015-01-01", 12 },
		/* The nationality's own rule beats its group's, for exactly
		 * its period, both ends included. */
		{ "RUS", "2020-03-01", POLICY_OWN,
		    "RUS visa required from 2020-03-01 until 2020-06-30", 17 },
		{ "RUS<", "2020-04-15", POLICY_OWN,
		    "RUS visa required from 2020-03-01 until 2020-06-30", 17 },
		{ "RUS", "2020-06-30", POLICY_OWN,
		    "RUS visa required from 2020-03-01 until 2020-06-30", 17 },
		{ "RUS", "2020-07-01", POLICY_GROUP,
		    "EAEU 90/180 from 2015-01-01", 12 },
		/* Other members are not touched by RUS's own rule. */
		{ "ARM", "2020-04-15", POLICY_GROUP,
		    "EAEU 90/180 from 2015-01-01", 12 },
		{ "BLR", "9999-12-31", POLICY_GROUP,
		    "EAEU 90/180 from 2015-01-01", 12 },
		/* One group, two periods meeting at the year's end. */
		{ "USA", "2018-12-31", POLICY_DEFAULT, "default: 10/30", 41 },
		{ "USA", "2019-01-01", POLICY_GROUP, "WEST 90/180, 30 per "
		    "entry from 2019-01-01 until 2019-12-31", 22 },
		{ "USA", "2019-12-31", POLICY_GROUP, "WEST 90/180, 30 per "
		    "entry from 2019-01-01 until 2019-12-31", 22 },
		{ "USA", "2020-01-01", POLICY_GROUP,
		    "WEST 60/180 from 2020-01-01", 29 },
		{ "GBR", "2020-12-31", POLICY_GROUP,
		    "WEST 60/180 from 2020-01-01", 29 },
		{ "GBR", "2021-01-01", POLICY_OWN,
		    "GBR 30/90, 15 per entry from 2021-01-01", 34 },
		{ "FRA", "2021-01-01", POLICY_GROUP,
		    "WEST 60/180 from 2020-01-01", 29 },
		/* A group no rule names, unknown and special codes. */
		{ "JPN", "2021-01-01", POLICY_DEFAULT, "default: 10/30", 41 },
		{ "XXA", "2021-01-01", POLICY_DEFAULT, "default: 10/30", 41 },
		{ "ZZZ", "2021-01-01", POLICY_DEFAULT, "default: 10/30", 41 },
		{ "X", "2021-01-01", POLICY_DEFAULT, "default: 10/30", 41 },
	};
	struct policy		*p;
	struct policy_match	 m;
	struct date		 d;
	char			 desc[POLICY_DESC_MAX];
	size_t			 i;

	(void)state;
	p = t_load(t_policy, sizeof(t_policy) - 1, 0, "");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		d = t_date(t[i].day);
		memset(&m, 0x5a, sizeof(m));
		assert_int_equal(policy_rule_for(p, t[i].nat, &d, &m), 0);
		assert_int_equal(policy_describe(&m, desc, sizeof(desc)), 0);
		if (m.source != t[i].source || strcmp(desc, t[i].desc) != 0 ||
		    (m.rule != NULL ? m.rule->line : 0) != t[i].line)
			fail_msg("%s on %s: want %s \"%s\" line %d, got %s "
			    "\"%s\" line %d", t[i].nat, t[i].day,
			    policy_source_name(t[i].source), t[i].desc,
			    t[i].line, policy_source_name(m.source), desc,
			    m.rule != NULL ? m.rule->line : 0);
		if (t[i].source == POLICY_CITIZEN)
			assert_null(m.rule);
		else
			assert_non_null(m.rule);
	}
	policy_free(p);
}

/* What a look-up hands the stay calculator and the lane. */
static void
test_policy_valid_contents(void **state)
{
	struct policy			*p;
	struct policy_match		 m;
	struct date			 d;
	const struct policy_rule	*r;

	(void)state;
	p = t_load(t_policy, sizeof(t_policy) - 1, 0, "");
	assert_string_equal(p->version, "t-1");
	assert_string_equal(p->timezone, "UTC");
	assert_int_equal(p->ncitizens, 2);
	assert_int_equal(p->ngroups, 3);
	/* Members sorted for the look-up, whatever the file's order. */
	assert_string_equal(p->groups[0].name, "EAEU");
	assert_int_equal(p->groups[0].nmembers, 5);
	assert_string_equal(p->groups[0].members[0], "ARM");
	assert_string_equal(p->groups[0].members[4], "RUS");
	assert_int_equal(p->groups[0].line, 5);
	assert_int_equal(p->nrules, 5);

	d = t_date("2019-06-01");
	assert_int_equal(policy_rule_for(p, "USA", &d, &m), 0);
	r = m.rule;
	assert_int_equal(r->source, POLICY_GROUP);
	assert_string_equal(r->group, "WEST");
	assert_int_equal(r->group_index, 1);
	assert_string_equal(r->nationality, "");
	assert_int_equal(r->visa_required, 0);
	assert_int_equal(r->stay.max_days, 90);
	assert_int_equal(r->stay.window_days, 180);
	assert_int_equal(r->stay.per_entry_days, 30);
	assert_int_equal(r->has_until, 1);
	assert_int_equal(r->from_day, date_to_days(&(struct date){ 2019, 1,
	    1 }));
	assert_int_equal(r->until_day, date_to_days(&(struct date){ 2019, 12,
	    31 }));
	assert_string_equal(m.nationality, "USA");

	d = t_date("2020-05-01");
	assert_int_equal(policy_rule_for(p, "RUS", &d, &m), 0);
	r = m.rule;
	assert_int_equal(r->source, POLICY_OWN);
	assert_int_equal(r->visa_required, 1);
	assert_int_equal(r->stay.max_days, 0);	/* the visa decides */
	assert_int_equal(r->stay.window_days, 0);
	assert_string_equal(r->note, "border closed");

	d = t_date("2020-05-01");
	assert_int_equal(policy_rule_for(p, "EAEU", &d, &m), ERR_PARSE);
	assert_int_equal(policy_rule_for(p, "JPN", &d, &m), 0);
	assert_ptr_equal(m.rule, &p->dflt);
	assert_int_equal(m.rule->has_until, 0);
	assert_int_equal(m.rule->until_day, INT64_MAX);

	/* Permits: visa always replaces a visa; the rest as written. */
	assert_int_equal(p->permits[POLICY_PERMIT_VISA].stay,
	    POLICY_STAY_PERMIT);
	assert_int_equal(p->permits[POLICY_PERMIT_VISA].replaces_visa, 1);
	assert_int_equal(p->permits[POLICY_PERMIT_WORK].stay,
	    POLICY_STAY_PERMIT);
	assert_int_equal(p->permits[POLICY_PERMIT_WORK].replaces_visa, 0);
	assert_int_equal(p->permits[POLICY_PERMIT_RESIDENCE].stay,
	    POLICY_STAY_UNLIMITED);
	assert_int_equal(p->permits[POLICY_PERMIT_RESIDENCE].replaces_visa, 1);
	assert_int_equal(p->permits[POLICY_PERMIT_ASYLUM].replaces_visa, 0);
	assert_int_equal(p->permits[POLICY_PERMIT_REPATRIATE].stay,
	    POLICY_STAY_UNLIMITED);
	policy_free(p);
}

static void
test_policy_lookup_bad_input(void **state)
{
	static const char *const bad_nat[] = {
		"", "<", "<<<", "rus", "RUSS", "R1S", "RU S", "<RU", "R<S",
		"KAZAKH", "\xd0\x9a\xd0\x97"
	};
	static const struct date bad_day[] = {
		{ 2023, 2, 29 }, { 2024, 13, 1 }, { 2024, 4, 31 }, { 0, 1, 1 },
		{ 10000, 1, 1 }, { 2024, 1, 0 }
	};
	struct policy		*p;
	struct policy_match	 m, before;
	struct date		 d = { 2024, 1, 1 };
	size_t			 i;

	(void)state;
	p = t_load(t_policy, sizeof(t_policy) - 1, 0, "");
	memset(&m, 0x5a, sizeof(m));
	memcpy(&before, &m, sizeof(m));
	for (i = 0; i < sizeof(bad_nat) / sizeof(bad_nat[0]); i++) {
		if (policy_rule_for(p, bad_nat[i], &d, &m) != ERR_PARSE)
			fail_msg("nationality \"%s\" was accepted", bad_nat[i]);
		assert_memory_equal(&m, &before, sizeof(m));
	}
	assert_int_equal(policy_rule_for(p, NULL, &d, &m), ERR_PARSE);
	for (i = 0; i < sizeof(bad_day) / sizeof(bad_day[0]); i++) {
		if (policy_rule_for(p, "RUS", &bad_day[i], &m) != ERR_RANGE)
			fail_msg("day %d-%d-%d was accepted", bad_day[i].year,
			    bad_day[i].month, bad_day[i].day);
		assert_memory_equal(&m, &before, sizeof(m));
	}
	assert_int_equal(policy_rule_for(p, "RUS", NULL, &m), ERR_RANGE);
	policy_free(p);
}

static void
test_policy_describe_buffer(void **state)
{
	struct policy		*p;
	struct policy_match	 m;
	struct date		 d = { 2019, 6, 1 };
	const char		*want = "WEST 90/180, 30 per entry from "
	    "2019-01-01 until 2019-12-31";
	char			 buf[POLICY_DESC_MAX];

	(void)state;
	p = t_load(t_policy, sizeof(t_policy) - 1, 0, "");
	assert_int_equal(policy_rule_for(p, "USA", &d, &m), 0);
	assert_int_equal(policy_describe(&m, buf, strlen(want) + 1), 0);
	assert_string_equal(buf, want);
	assert_int_equal(policy_describe(&m, buf, strlen(want)), ERR_RANGE);
	assert_int_equal(policy_rule_for(p, "KAZ", &d, &m), 0);
	assert_int_equal(policy_describe(&m, buf, 8), ERR_RANGE);
	policy_free(p);
}

static void
test_policy_codes(void **state)
{
	static const struct {
		const char	*in;
		int		 rc;
		const char	*out;
	} parse[] = {
		{ "KAZ", 0, "KAZ" }, { "D<<", 0, "D" }, { "D", 0, "D" },
		{ "GB<", 0, "GB" }, { "XXA", 0, "XXA" },
		{ "RUS<<<<<", 0, "RUS" },
		{ "", ERR_PARSE, NULL }, { "<<<", ERR_PARSE, NULL },
		{ "kaz", ERR_PARSE, NULL }, { "KAZA", ERR_PARSE, NULL },
		{ "K<Z", ERR_PARSE, NULL }, { "12", ERR_PARSE, NULL },
	};
	static const char *const known[] = {
		"ABW", "KAZ", "RUS", "ZWE", "D", "DEU", "GBD", "GBS", "UNO",
		"UNA", "UNK", "EUE", "XXA", "XXB", "XXC", "XXX", "XOM", "XPO",
		"RKS"
	};
	static const char *const unknown[] = {
		"GRB", "ZZZ", "DE", "", "A", "KAZ ", "SUN", "YUG", "EUR"
	};
	char	out[POLICY_CODE_MAX + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
		memcpy(out, "!!!", 4);
		assert_int_equal(policy_code_parse(out, parse[i].in,
		    strlen(parse[i].in)), parse[i].rc);
		if (parse[i].rc == 0)
			assert_string_equal(out, parse[i].out);
		else
			assert_string_equal(out, "!!!");	/* untouched */
	}
	/* Only the first len bytes count. */
	assert_int_equal(policy_code_parse(out, "RUSSIA", 3), 0);
	assert_string_equal(out, "RUS");
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!policy_code_known(known[i]))
			fail_msg("\"%s\" should be known", known[i]);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		if (policy_code_known(unknown[i]))
			fail_msg("\"%s\" should be unknown", unknown[i]);
}

static void
test_policy_names(void **state)
{
	static const char *const kinds[POLICY_PERMIT_KINDS] = {
		"visa", "work_permit", "residence_permit", "refugee", "asylum",
		"repatriate"
	};
	enum policy_permit_kind	k;
	int			i;

	(void)state;
	for (i = 0; i < POLICY_PERMIT_KINDS; i++) {
		assert_string_equal(policy_permit_name(
		    (enum policy_permit_kind)i), kinds[i]);
		assert_int_equal(policy_permit_parse(kinds[i], &k), 0);
		assert_int_equal(k, i);
	}
	assert_int_equal(policy_permit_parse("Visa", &k), ERR_PARSE);
	assert_int_equal(policy_permit_parse("", &k), ERR_PARSE);
	assert_string_equal(policy_source_name(POLICY_CITIZEN), "citizen");
	assert_string_equal(policy_source_name(POLICY_OWN), "nationality");
	assert_string_equal(policy_source_name(POLICY_GROUP), "group");
	assert_string_equal(policy_source_name(POLICY_DEFAULT), "default");
	assert_string_equal(policy_stay_name(POLICY_STAY_PERMIT), "permit");
	assert_string_equal(policy_stay_name(POLICY_STAY_UNLIMITED),
	    "unlimited");
}

/*
 * Problems that need no file of their own, each with its exact output.
 */
#define HEAD	"version: 1\ntimezone: UTC\ncitizens: [KAZ]\n"
#define DFLT	"default: {visa_required: true}\n"

static void
test_policy_bad_table(void **state)
{
	static const struct {
		const char	*yaml;
		const char	*out;
	} t[] = {
		{ "", "t.yaml:1: the file is empty: no configuration\n" },
		{ "- a\n", "t.yaml:1: the top level must be a mapping of "
		    "sections, not a list\n" },
		{ HEAD DFLT, "t.yaml:1: missing required key \"permits\"\n" },
		{ HEAD PERMITS,
		    "t.yaml:1: missing required key \"default\"\n" },
		{ HEAD "default: {}\n" PERMITS, "t.yaml:4: missing required "
		    "key \"visa_required\" in \"default\"\n" },
		{ HEAD "default: true\n" PERMITS, "t.yaml:4: \"default\" must "
		    "be a mapping, not a single value\n" },
		{ HEAD DFLT PERMITS "permits: {}\n", "t.yaml:12: duplicate key "
		    "\"permits\" (first on line 5)\n" },
		{ "version: 1\ntimezone: UTC\ncitizens: []\n" DFLT PERMITS,
		    "t.yaml:3: \"citizens\" must have 1..8 entries, got 0\n" },
		{ "version: 1\ntimezone: UTC\ncitizens: KAZ\n" DFLT PERMITS,
		    "t.yaml:3: \"citizens\" must be a list, not a single "
		    "value\n" },
		/* Time zones by form. */
		{ "version: 1\ntimezone: Asia/\ncitizens: [KAZ]\n" DFLT PERMITS,
		    "t.yaml:2: \"timezone\": expected an IANA time zone such "
		    "as \"Asia/Almaty\" (Area/Location) or \"UTC\", got "
		    "\"Asia/\"\n" },
		{ "version: 1\ntimezone: Asia//Almaty\ncitizens: [KAZ]\n" DFLT
		    PERMITS, "t.yaml:2: \"timezone\": expected an IANA time "
		    "zone such as \"Asia/Almaty\" (Area/Location) or \"UTC\", "
		    "got \"Asia//Almaty\"\n" },
		{ "version: 1\ntimezone: Asia/../etc\ncitizens: [KAZ]\n" DFLT
		    PERMITS, "t.yaml:2: \"timezone\": expected an IANA time "
		    "zone such as \"Asia/Almaty\" (Area/Location) or \"UTC\", "
		    "got \"Asia/../etc\"\n" },
		{ "version: 1\ntimezone: Mars/Olympus\ncitizens: [KAZ]\n" DFLT
		    PERMITS, "t.yaml:2: \"timezone\": expected an IANA time "
		    "zone such as \"Asia/Almaty\" (Area/Location) or \"UTC\", "
		    "got \"Mars/Olympus\"\n" },
		{ "version: \"a\\\"b\"\ntimezone: UTC\ncitizens: [KAZ]\n" DFLT
		    PERMITS, "t.yaml:1: \"version\": expected letters, digits, "
		    "\".\", \"_\", \":\", \"+\" and \"-\", got \"a\\\"b\"\n" },
		{ "version: \ntimezone: UTC\ncitizens: [KAZ]\n" DFLT PERMITS,
		    "t.yaml:1: \"version\" must not be empty\n" },
		/* A visa-free default needs its terms. */
		{ HEAD "default: {visa_required: false}\n" PERMITS,
		    "t.yaml:4: a visa-free default needs \"max_days\"\n"
		    "t.yaml:4: a visa-free default needs \"window_days\"\n" },
		/* The default has no dates and names nobody. */
		{ HEAD "default: {visa_required: true, from: 2015-01-01}\n"
		    PERMITS,
		    "t.yaml:4: unknown key \"from\" in \"default\"\n" },
		/* An open rule and one ending the day before it starts are
		 * fine; one more day is not. */
		{ HEAD "rules:\n"
		    "  - {nationality: USA, from: 2020-01-01, "
		    "visa_required: true}\n"
		    "  - {nationality: USA, from: 2019-01-01, "
		    "until: 2019-12-31, visa_required: true}\n"
		    "  - {nationality: USA, from: 2018-01-01, "
		    "until: 2020-01-01, visa_required: true}\n" DFLT PERMITS,
		    "t.yaml:7: the rule for USA (2018-01-01..2020-01-01) "
		    "overlaps the rule for USA on line 5 (2020-01-01..)\n" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		(void)t_load(t[i].yaml, strlen(t[i].yaml), ERR_INVAL, t[i].out);
}

/* Text of a policy with n groups of one code each, or n rules for one
 * nationality over consecutive 10-day periods from 2000-01-01. */
static char *
t_many(size_t ngroups, size_t nrules, size_t *len)
{
	struct date	 d;
	char		*buf, *p, from[16], until[16];
	size_t		 cap = 4096 + ngroups * 64 + nrules * 128, i;
	int64_t		 day0;

	day0 = date_to_days(&(struct date){ 2000, 1, 1 });
	buf = malloc(cap);
	assert_non_null(buf);
	p = buf + snprintf(buf, cap, HEAD DFLT PERMITS);
	if (ngroups > 0)
		p += snprintf(p, cap - (size_t)(p - buf), "groups:\n");
	for (i = 0; i < ngroups; i++)
		p += snprintf(p, cap - (size_t)(p - buf),
		    "  - {name: G%zu, members: [USA]}\n", i);
	if (nrules > 0)
		p += snprintf(p, cap - (size_t)(p - buf), "rules:\n");
	for (i = 0; i < nrules; i++) {
		date_from_days(day0 + (int64_t)i * 10, &d);
		assert_int_equal(date_format_iso(&d, from, sizeof(from)), 0);
		date_from_days(day0 + (int64_t)i * 10 + 9, &d);
		assert_int_equal(date_format_iso(&d, until, sizeof(until)), 0);
		p += snprintf(p, cap - (size_t)(p - buf),
		    "  - {nationality: USA, from: %s, until: %s, "
		    "visa_required: %s, max_days: %zu, window_days: 3660}\n",
		    from, until, "false", i + 1);
	}
	assert_true((size_t)(p - buf) < cap);
	*len = (size_t)(p - buf);
	return buf;
}

static void
test_policy_limits(void **state)
{
	struct policy		*p;
	struct policy_match	 m;
	struct date		 d;
	char			*yaml, want[128];
	size_t			 len, i;

	(void)state;
	/* As many rules as allowed: all loaded, each found on its days. */
	yaml = t_many(0, POLICY_RULES_MAX, &len);
	p = t_load(yaml, len, 0, "");
	free(yaml);
	assert_int_equal(p->nrules, POLICY_RULES_MAX);
	for (i = 0; i < POLICY_RULES_MAX; i += 73) {
		date_from_days(date_to_days(&(struct date){ 2000, 1, 1 }) +
		    (int64_t)i * 10 + 9, &d);
		assert_int_equal(policy_rule_for(p, "USA", &d, &m), 0);
		assert_int_equal(m.source, POLICY_OWN);
		assert_int_equal(m.rule->stay.max_days, (int)i + 1);
	}
	policy_free(p);
	/* One more is refused, with the count. */
	yaml = t_many(0, POLICY_RULES_MAX + 1, &len);
	(void)snprintf(want, sizeof(want), "t.yaml:12: \"rules\" must have "
	    "0..%d entries, got %d\n", POLICY_RULES_MAX, POLICY_RULES_MAX + 1);
	(void)t_load(yaml, len, ERR_INVAL, want);
	free(yaml);

	yaml = t_many(POLICY_GROUPS_MAX, 0, &len);
	p = t_load(yaml, len, 0, "");
	free(yaml);
	assert_int_equal(p->ngroups, POLICY_GROUPS_MAX);
	policy_free(p);
	yaml = t_many(POLICY_GROUPS_MAX + 1, 0, &len);
	(void)snprintf(want, sizeof(want), "t.yaml:12: \"groups\" must have "
	    "0..%d entries, got %d\n", POLICY_GROUPS_MAX,
	    POLICY_GROUPS_MAX + 1);
	(void)t_load(yaml, len, ERR_INVAL, want);
	free(yaml);
}

/* A group over POLICY_MEMBERS_MAX is refused before its codes count. */
static void
test_policy_members_limit(void **state)
{
	struct capture	 cap;
	struct policy	*p = NULL;
	char		*yaml, *w;
	const char	*got;
	size_t		 cap_sz = 8192, i;
	int		 rc;

	(void)state;
	yaml = malloc(cap_sz);
	assert_non_null(yaml);
	w = yaml + snprintf(yaml, cap_sz, HEAD DFLT PERMITS
	    "groups:\n  - name: BIG\n    members: [USA");
	for (i = 1; i < POLICY_MEMBERS_MAX + 1; i++)
		w += snprintf(w, cap_sz - (size_t)(w - yaml), ", USA");
	w += snprintf(w, cap_sz - (size_t)(w - yaml), "]\n");
	assert_true((size_t)(w - yaml) < cap_sz);
	rc = policy_load_buf(&p, "t.yaml", (const uint8_t *)yaml,
	    (size_t)(w - yaml), capture_open(&cap));
	got = capture_close(&cap);
	assert_int_equal(rc, ERR_INVAL);
	assert_null(p);
	assert_non_null(strstr(got, "t.yaml:14: \"members\" must have "
	    "1..300 entries, got 301\n"));
	free(cap.buf);
	free(yaml);
}

static void
test_policy_file_errors(void **state)
{
	struct capture	 cap;
	struct policy	*p = NULL;
	const char	*got;

	(void)state;
	assert_int_equal(policy_load(&p, "tests/configs/nonexistent.yaml",
	    capture_open(&cap)), ERR_IO);
	got = capture_close(&cap);
	assert_string_equal(got, "tests/configs/nonexistent.yaml: cannot "
	    "read: No such file or directory\n");
	assert_null(p);
	free(cap.buf);
	assert_int_equal(policy_load(&p, "tests/configs", capture_open(&cap)),
	    ERR_IO);
	got = capture_close(&cap);
	assert_string_equal(got, "tests/configs: not a regular file\n");
	free(cap.buf);
	/* Quietly, with no stream. */
	assert_int_equal(policy_load(&p, "tests/configs/nonexistent.yaml",
	    NULL), ERR_IO);
	assert_null(p);
}

/* The example shipped in config/ loads and says what its comments say. */
static void
test_policy_example_file(void **state)
{
	static const struct {
		const char		*nat;
		const char		*day;
		enum policy_source	 source;
		const char		*desc;
	} t[] = {
		{ "KAZ", "2024-06-01", POLICY_CITIZEN,
		    "citizen (KAZ): no stay rules" },
		{ "RUS", "2024-06-01", POLICY_GROUP,
		    "EAEU 90/180 from 2015-01-01" },
		{ "KGZ", "2015-01-01", POLICY_GROUP,
		    "EAEU 90/180 from 2015-01-01" },
		{ "USA", "2024-06-01", POLICY_GROUP,
		    "VISA_FREE_30 90/180, 30 per entry from 2023-01-27" },
		{ "D<<", "2024-06-01", POLICY_GROUP,
		    "VISA_FREE_30 90/180, 30 per entry from 2023-01-27" },
		{ "IND", "2024-06-01", POLICY_GROUP,
		    "VISA_FREE_14 42/180, 14 per entry from 2022-07-08" },
		{ "CHN", "2023-11-09", POLICY_GROUP,
		    "VISA_FREE_14 42/180, 14 per entry from 2022-07-08" },
		{ "CHN", "2023-11-10", POLICY_OWN,
		    "CHN 90/180, 30 per entry from 2023-11-10" },
		{ "AFG", "2024-06-01", POLICY_DEFAULT,
		    "default: visa required" },
		{ "XXA", "2024-06-01", POLICY_DEFAULT,
		    "default: visa required" },
	};
	struct capture		 cap;
	struct policy		*p = NULL;
	struct policy_match	 m;
	struct date		 d;
	char			 desc[POLICY_DESC_MAX];
	size_t			 i;
	int			 k;

	(void)state;
	assert_int_equal(policy_load(&p, "config/policy.yaml",
	    capture_open(&cap)), 0);
	assert_string_equal(capture_close(&cap), "");
	free(cap.buf);
	assert_string_equal(p->timezone, "Asia/Almaty");
	assert_string_equal(p->version, "KZ-2024.1");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		d = t_date(t[i].day);
		assert_int_equal(policy_rule_for(p, t[i].nat, &d, &m), 0);
		assert_int_equal(policy_describe(&m, desc, sizeof(desc)), 0);
		if (m.source != t[i].source || strcmp(desc, t[i].desc) != 0)
			fail_msg("%s on %s: want \"%s\", got \"%s\"", t[i].nat,
			    t[i].day, t[i].desc, desc);
	}
	/* Every permit but the work permit replaces a visa. */
	for (k = 0; k < POLICY_PERMIT_KINDS; k++)
		assert_int_equal(p->permits[k].replaces_visa,
		    k != POLICY_PERMIT_WORK);
	assert_int_equal(p->permits[POLICY_PERMIT_VISA].stay,
	    POLICY_STAY_PERMIT);
	policy_free(p);
}

/*
 * tests/configs/bad/policy-*.yaml: each fails with exactly its "# expect:"
 * lines.
 */
static void
check_bad_file(const char *path)
{
	struct capture	 cap;
	struct policy	*p = NULL;
	char		 line[1024], *want = NULL;
	size_t		 wantlen = 0;
	FILE		*fp, *w;
	const char	*got;
	int		 rc;

	w = open_memstream(&want, &wantlen);
	assert_non_null(w);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "# expect: ", 10) == 0)
			fprintf(w, "%s:%s", path, line + 10);
	fclose(fp);
	fclose(w);
	if (wantlen == 0)
		fail_msg("%s: no \"# expect:\" line", path);
	rc = policy_load(&p, path, capture_open(&cap));
	got = capture_close(&cap);
	if (rc != ERR_INVAL || strcmp(got, want) != 0)
		fail_msg("%s: want ERR_INVAL and:\n%sgot %d and:\n%s", path,
		    want, rc, got);
	assert_null(p);
	free(cap.buf);
	free(want);
}

static void
test_policy_bad_files(void **state)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[512];
	size_t		 len;
	int		 n = 0;

	(void)state;
	d = opendir("tests/configs/bad");
	if (d == NULL)
		fail_msg("tests/configs/bad: run from the repository root");
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, "policy", 6) != 0 || len < 5 ||
		    strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		assert_true((size_t)snprintf(path, sizeof(path),
		    "tests/configs/bad/%s", de->d_name) < sizeof(path));
		check_bad_file(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_lookup_table),
		cmocka_unit_test(test_policy_valid_contents),
		cmocka_unit_test(test_policy_lookup_bad_input),
		cmocka_unit_test(test_policy_describe_buffer),
		cmocka_unit_test(test_policy_codes),
		cmocka_unit_test(test_policy_names),
		cmocka_unit_test(test_policy_bad_table),
		cmocka_unit_test(test_policy_limits),
		cmocka_unit_test(test_policy_members_limit),
		cmocka_unit_test(test_policy_file_errors),
		cmocka_unit_test(test_policy_example_file),
		cmocka_unit_test(test_policy_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
