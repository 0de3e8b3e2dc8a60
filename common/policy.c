/* policy.c - the stay policy: its YAML schema for common/cfg.c, the checks
 * that span keys (duplicates, unknown groups, overlapping effective periods,
 * the day terms of visa-free rules), the table of nationality codes, the
 * conversion into struct policy and the look-up by nationality and day. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "date.h"
#include "err.h"
#include "policy.h"
#include "stay.h"

#define POLICY_QUOTE_MAX	48	/* bytes of user text in a message */
/* Raw buffers are wider than valid values, to say why "RUSS" is wrong. */
#define POLICY_RAW_CODE		8
#define POLICY_RAW_DATE		32

/*
 * ISO 3166-1 alpha-3 (iso-codes 4.x, 249 codes) and the codes ICAO Doc 9303
 * Part 3 adds for the nationality field: "D" (Germany), the British
 * categories GBD GBN GBO GBP GBS, the United Nations UNA UNK UNO, the EU
 * (EUE), organisations (XBA XCC XCE XCO XDC XEC XES XIM XMP XOM XPO),
 * stateless persons (XXA), refugees (XXB, XXC) and unspecified (XXX); and
 * RKS, printed on Kosovo's passports. Sorted by strcmp() for bsearch().
 */
static const char policy_codes[][POLICY_CODE_MAX + 1] = {
	"ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM",
	"ASM", "ATA", "ATF", "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN",
	"BES", "BFA", "BGD", "BGR", "BHR", "BHS", "BIH", "BLM", "BLR", "BLZ",
	"BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF", "CAN",
	"CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL",
	"COM", "CPV", "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "D",
	"DEU", "DJI", "DMA", "DNK", "DOM", "DZA", "ECU", "EGY", "ERI", "ESH",
	"ESP", "EST", "ETH", "EUE", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
	"GAB", "GBD", "GBN", "GBO", "GBP", "GBR", "GBS", "GEO", "GGY", "GHA",
	"GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD", "GRL", "GTM",
	"GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN",
	"IMN", "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM",
	"JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR",
	"KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO", "LTU",
	"LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
	"MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT",
	"MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK",
	"NGA", "NIC", "NIU", "NLD", "NOR", "NPL", "NRU", "NZL", "OMN", "PAK",
	"PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK", "PRT",
	"PRY", "PSE", "PYF", "QAT", "REU", "RKS", "ROU", "RUS", "RWA", "SAU",
	"SDN", "SEN", "SGP", "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR",
	"SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN", "SWE", "SWZ",
	"SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL", "TKM",
	"TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR",
	"UMI", "UNA", "UNK", "UNO", "URY", "USA", "UZB", "VAT", "VCT", "VEN",
	"VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "XBA", "XCC", "XCE", "XCO",
	"XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC",
	"XXX", "YEM", "ZAF", "ZMB", "ZWE"
};

static const char *const policy_permit_names[POLICY_PERMIT_KINDS] = {
	"visa", "work_permit", "residence_permit", "refugee", "asylum",
	"repatriate"
};

/*
 * The file as cfg.c fills it. Strings are wider than their valid values so
 * that a wrong one reaches its check and gets a message that says why.
 */
struct praw_rule {
	char	nationality[POLICY_RAW_CODE];
	char	group[POLICY_NAME_MAX + 1];
	char	from[POLICY_RAW_DATE];
	char	until[POLICY_RAW_DATE];
	int	visa_required;
	long	max_days;
	long	window_days;
	long	per_entry_days;
	char	note[POLICY_NOTE_MAX + 1];
};

struct praw_group {
	char	name[POLICY_NAME_MAX + 1];
	char	members[POLICY_MEMBERS_MAX][POLICY_RAW_CODE];
	size_t	nmembers;
};

struct praw_permit {
	char	stay[16];
	int	replaces_visa;
};

/* Lines the whole-file check finds, for struct policy. */
struct praw_lines {
	int	group[POLICY_GROUPS_MAX];
	int	rule[POLICY_RULES_MAX];
	int	dflt;
};

struct praw {
	struct praw_lines	*lines;	/* first: cfg.c copies it */
	char			 version[POLICY_VERSION_MAX + 1];
	char			 timezone[POLICY_TZ_MAX + 1];
	char			 citizens[POLICY_CITIZENS_MAX]
				    [POLICY_RAW_CODE];
	size_t			 ncitizens;
	struct praw_group	 groups[POLICY_GROUPS_MAX];
	size_t			 ngroups;
	struct praw_rule	 rules[POLICY_RULES_MAX];
	size_t			 nrules;
	struct praw_rule	 dflt;
	struct praw_permit	 permits[POLICY_PERMIT_KINDS];
};

/* s as a double-quoted string for a message: '"' and '\' escaped, cut at
 * POLICY_QUOTE_MAX bytes. cfg.c has already refused control characters. */
static const char *
policy_quote(char *buf, size_t bufsz, const char *s)
{
	size_t	i, o = 0;

	buf[o++] = '"';
	for (i = 0; s[i] != '\0' && o + 6 < bufsz; i++) {
		if (i == POLICY_QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (s[i] == '"' || s[i] == '\\')
			buf[o++] = '\\';
		buf[o++] = s[i];
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static int
policy_upper(int ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static int
policy_alnum(int ch)
{
	return policy_upper(ch) || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9');
}

static int
policy_code_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
policy_code_known(const char *code)
{
	return bsearch(code, policy_codes,
	    sizeof(policy_codes) / sizeof(policy_codes[0]),
	    sizeof(policy_codes[0]), policy_code_cmp) != NULL;
}

int
policy_code_parse(char out[POLICY_CODE_MAX + 1], const char *s, size_t len)
{
	size_t	i;

	while (len > 0 && s[len - 1] == '<')
		len--;
	if (len == 0 || len > POLICY_CODE_MAX)
		return ERR_PARSE;
	for (i = 0; i < len; i++)
		if (!policy_upper((unsigned char)s[i]))
			return ERR_PARSE;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

const char *
policy_permit_name(enum policy_permit_kind kind)
{
	if ((int)kind < 0 || kind >= POLICY_PERMIT_KINDS)
		return "unknown";
	return policy_permit_names[kind];
}

int
policy_permit_parse(const char *s, enum policy_permit_kind *out)
{
	int	i;

	for (i = 0; i < POLICY_PERMIT_KINDS; i++)
		if (strcmp(s, policy_permit_names[i]) == 0) {
			*out = (enum policy_permit_kind)i;
			return 0;
		}
	return ERR_PARSE;
}

const char *
policy_source_name(enum policy_source source)
{
	switch (source) {
	case POLICY_CITIZEN:
		return "citizen";
	case POLICY_OWN:
		return "nationality";
	case POLICY_GROUP:
		return "group";
	case POLICY_DEFAULT:
		return "default";
	}
	return "unknown";
}

const char *
policy_stay_name(enum policy_stay stay)
{
	return stay == POLICY_STAY_UNLIMITED ? "unlimited" : "permit";
}

/*
 * Checks of single values, for the schema.
 */

/* A nationality code as the policy may name it: the known ones only. */
static int
policy_check_code(const char *val, char *why, size_t whysz)
{
	char	q[POLICY_QUOTE_MAX * 2 + 8];
	size_t	len = strlen(val);

	if (!(len == 3 && policy_upper((unsigned char)val[0]) &&
	    policy_upper((unsigned char)val[1]) &&
	    policy_upper((unsigned char)val[2])) &&
	    !(len == 1 && val[0] == 'D')) {
		snprintf(why, whysz, "expected a nationality code of 3 capital "
		    "letters (\"D\" for Germany), got %s",
		    policy_quote(q, sizeof(q), val));
		return -1;
	}
	if (!policy_code_known(val)) {
		snprintf(why, whysz, "unknown nationality code \"%s\" (not in "
		    "ISO 3166-1 alpha-3 or ICAO Doc 9303 Part 3)", val);
		return -1;
	}
	return 0;
}

/* A version the posts record with each decision. */
static int
policy_check_version(const char *val, char *why, size_t whysz)
{
	char		 q[POLICY_QUOTE_MAX * 2 + 8];
	const char	*s;

	for (s = val; *s != '\0'; s++)
		if (!policy_alnum((unsigned char)*s) &&
		    strchr("._:+-", *s) == NULL)
			break;
	if (*s != '\0') {
		snprintf(why, whysz, "expected letters, digits, \".\", \"_\", "
		    "\":\", \"+\" and \"-\", got %s",
		    policy_quote(q, sizeof(q), val));
		return -1;
	}
	return 0;
}

/* An IANA zone name: "UTC", or Area/Location with a known area. */
static int
policy_check_timezone(const char *val, char *why, size_t whysz)
{
	static const char *const areas[] = {
		"Africa", "America", "Antarctica", "Arctic", "Asia",
		"Atlantic", "Australia", "Etc", "Europe", "Indian", "Pacific"
	};
	char		 q[POLICY_QUOTE_MAX * 2 + 8];
	const char	*s, *slash;
	size_t		 i, alen;
	int		 start = 1;

	if (strcmp(val, "UTC") == 0)
		return 0;
	if ((slash = strchr(val, '/')) == NULL)
		goto bad;
	alen = (size_t)(slash - val);
	for (i = 0; i < sizeof(areas) / sizeof(areas[0]); i++)
		if (strlen(areas[i]) == alen &&
		    memcmp(areas[i], val, alen) == 0)
			break;
	if (i == sizeof(areas) / sizeof(areas[0]))
		goto bad;
	/* Components of [A-Za-z][A-Za-z0-9_+-]*, one "/" between them. */
	for (s = slash + 1; *s != '\0'; s++) {
		if (*s == '/') {
			if (start)
				goto bad;
			start = 1;
			continue;
		}
		if (start ? !(policy_upper((unsigned char)*s) ||
		    (*s >= 'a' && *s <= 'z')) :
		    !(policy_alnum((unsigned char)*s) ||
		    strchr("_+-", *s) != NULL))
			goto bad;
		start = 0;
	}
	if (start)
		goto bad;
	return 0;
bad:
	snprintf(why, whysz, "expected an IANA time zone such as "
	    "\"Asia/Almaty\" (Area/Location) or \"UTC\", got %s",
	    policy_quote(q, sizeof(q), val));
	return -1;
}

static int
policy_check_group_name(const char *val, char *why, size_t whysz)
{
	char		 q[POLICY_QUOTE_MAX * 2 + 8];
	const char	*s;

	for (s = val; *s != '\0'; s++)
		if (!policy_alnum((unsigned char)*s) && *s != '_' && *s != '-')
			break;
	if (*s != '\0' || !(policy_upper((unsigned char)val[0]) ||
	    (val[0] >= 'a' && val[0] <= 'z'))) {
		snprintf(why, whysz, "expected a group name of letters, "
		    "digits, \"_\" and \"-\" starting with a letter, got %s",
		    policy_quote(q, sizeof(q), val));
		return -1;
	}
	return 0;
}

static int
policy_check_date(const char *val, char *why, size_t whysz)
{
	char		q[POLICY_QUOTE_MAX * 2 + 8];
	struct date	d;
	int		rc;

	if (val[0] == '\0')
		return 0;	/* "until" left open; "from" is min 1 */
	if ((rc = date_parse_iso(&d, val, strlen(val))) == 0)
		return 0;
	if (rc == ERR_RANGE)
		snprintf(why, whysz, "%s is not a calendar date",
		    policy_quote(q, sizeof(q), val));
	else
		snprintf(why, whysz, "expected a date YYYY-MM-DD, got %s",
		    policy_quote(q, sizeof(q), val));
	return -1;
}

static int
policy_check_stay(const char *val, char *why, size_t whysz)
{
	char	q[POLICY_QUOTE_MAX * 2 + 8];

	if (strcmp(val, "permit") == 0 || strcmp(val, "unlimited") == 0)
		return 0;
	snprintf(why, whysz, "expected \"permit\" (the permit's own entries "
	    "and days of stay) or \"unlimited\", got %s",
	    policy_quote(q, sizeof(q), val));
	return -1;
}

/*
 * The schema.
 */
#define STR(T, n, f, mn, req, chk) { n, CFG_STR, offsetof(T, f),	\
	sizeof(((T *)0)->f), mn, 0, req, NULL, 0, chk }
#define INT(T, n, f, mn, mx) { n, CFG_INT, offsetof(T, f), sizeof(long), \
	mn, mx, 0, NULL, 0, NULL }
#define BOOL(T, n, f, req) { n, CFG_BOOL, offsetof(T, f), sizeof(int),	\
	0, 0, req, NULL, 0, NULL }
#define CODES(T, n, f, cnt, mn, mx) { n, CFG_STRLIST, offsetof(T, f),	\
	POLICY_RAW_CODE, mn, mx, 1, NULL, offsetof(T, cnt),		\
	policy_check_code }
#define R struct praw_rule
#define P struct praw_permit

/* The day terms, common to "rules" entries and "default". */
#define TERMS								\
	BOOL(R, "visa_required", visa_required, 1),			\
	INT(R, "max_days", max_days, 1, STAY_DAYS_MAX - 1),		\
	INT(R, "window_days", window_days, 2, STAY_DAYS_MAX),		\
	INT(R, "per_entry_days", per_entry_days, 1, STAY_DAYS_MAX),	\
	STR(R, "note", note, 0, 0, NULL)

static const struct cfg_key policy_group_keys[] = {
	STR(struct praw_group, "name", name, 1, 1, policy_check_group_name),
	CODES(struct praw_group, "members", members, nmembers, 1,
	    POLICY_MEMBERS_MAX),
	{ .name = NULL }
};

static const struct cfg_key policy_rule_keys[] = {
	STR(R, "nationality", nationality, 1, 0, policy_check_code),
	STR(R, "group", group, 1, 0, policy_check_group_name),
	STR(R, "from", from, 1, 1, policy_check_date),
	STR(R, "until", until, 0, 0, policy_check_date),
	TERMS,
	{ .name = NULL }
};

static const struct cfg_key policy_default_keys[] = {
	TERMS,
	{ .name = NULL }
};

static const struct cfg_key policy_visa_keys[] = {
	STR(P, "stay", stay, 1, 1, policy_check_stay),
	{ .name = NULL }
};

static const struct cfg_key policy_permit_keys[] = {
	STR(P, "stay", stay, 1, 1, policy_check_stay),
	BOOL(P, "replaces_visa", replaces_visa, 1),
	{ .name = NULL }
};

#define PERMIT(n, kind, sub) { n, CFG_SECTION,				\
	(kind) * sizeof(struct praw_permit), 0, 0, 0, 1, sub, 0, NULL }

static const struct cfg_key policy_permits_keys[] = {
	PERMIT("visa", POLICY_PERMIT_VISA, policy_visa_keys),
	PERMIT("work_permit", POLICY_PERMIT_WORK, policy_permit_keys),
	PERMIT("residence_permit", POLICY_PERMIT_RESIDENCE,
	    policy_permit_keys),
	PERMIT("refugee", POLICY_PERMIT_REFUGEE, policy_permit_keys),
	PERMIT("asylum", POLICY_PERMIT_ASYLUM, policy_permit_keys),
	PERMIT("repatriate", POLICY_PERMIT_REPATRIATE, policy_permit_keys),
	{ .name = NULL }
};

static const struct cfg_key policy_schema[] = {
	STR(struct praw, "version", version, 1, 1, policy_check_version),
	STR(struct praw, "timezone", timezone, 1, 1, policy_check_timezone),
	CODES(struct praw, "citizens", citizens, ncitizens, 1,
	    POLICY_CITIZENS_MAX),
	{ "groups", CFG_LIST, offsetof(struct praw, groups),
	    sizeof(struct praw_group), 0, POLICY_GROUPS_MAX, 0,
	    policy_group_keys, offsetof(struct praw, ngroups), NULL },
	{ "rules", CFG_LIST, offsetof(struct praw, rules),
	    sizeof(struct praw_rule), 0, POLICY_RULES_MAX, 0,
	    policy_rule_keys, offsetof(struct praw, nrules), NULL },
	{ "default", CFG_SECTION, offsetof(struct praw, dflt), 0, 0, 0, 1,
	    policy_default_keys, 0, NULL },
	{ "permits", CFG_SECTION, offsetof(struct praw, permits), 0, 0, 0, 1,
	    policy_permits_keys, 0, NULL },
	{ .name = NULL }
};

#undef STR
#undef INT
#undef BOOL
#undef CODES
#undef TERMS
#undef PERMIT
#undef R
#undef P

/*
 * The checks that span keys.
 */

/* What the whole-file check knows of one rule. */
struct pchk_rule {
	int		line;		/* of the entry; 0 if unknown */
	int		ok;	/* takes part in the overlap checks */
	int		own;	/* names a nationality, else a group */
	size_t		group;	/* own == 0: index in groups */
	int64_t		from;	/* days */
	int64_t		until;	/* INT64_MAX if open */
};

struct pchk {
	/* Each group's valid members, sorted, and how many. */
	char		members[POLICY_GROUPS_MAX][POLICY_MEMBERS_MAX]
			    [POLICY_CODE_MAX + 1];
	size_t		nmembers[POLICY_GROUPS_MAX];
	int		named[POLICY_GROUPS_MAX];	/* valid, first */
	/* First member two groups share: index + 1 in members[a], 0 for
	 * none, -1 not yet known. */
	int		shared[POLICY_GROUPS_MAX][POLICY_GROUPS_MAX];
	struct pchk_rule rules[POLICY_RULES_MAX];
};

#define OFF_RULE0(i)	(offsetof(struct praw, rules) +		\
	(i) * sizeof(struct praw_rule))
#define OFF_RULE(i, f)	(OFF_RULE0(i) + offsetof(struct praw_rule, f))
#define OFF_DFLT0	offsetof(struct praw, dflt)
#define OFF_GROUP(i, f)	(offsetof(struct praw, groups) +		\
	(i) * sizeof(struct praw_group) + offsetof(struct praw_group, f))
#define OFF_MEMBER(i, m) (OFF_GROUP(i, members) + (m) * POLICY_RAW_CODE)
#define OFF_CITIZEN(i)	(offsetof(struct praw, citizens) +	\
	(i) * POLICY_RAW_CODE)

/* The first line of a rules entry or of "default" (base: its offset in
 * struct praw): that of its first key the file set to a valid value; 0 if
 * none (all of them have been reported then). */
static int
policy_entry_line(struct cfg_ctx *ctx, size_t base)
{
	static const size_t	offs[] = {
		offsetof(struct praw_rule, nationality),
		offsetof(struct praw_rule, group),
		offsetof(struct praw_rule, from),
		offsetof(struct praw_rule, until),
		offsetof(struct praw_rule, visa_required),
		offsetof(struct praw_rule, max_days),
		offsetof(struct praw_rule, window_days),
		offsetof(struct praw_rule, per_entry_days),
		offsetof(struct praw_rule, note)
	};
	size_t	i;
	int	l, line = 0;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		l = cfg_line(ctx, base + offs[i]);
		if (l > 0 && (line == 0 || l < line))
			line = l;
	}
	return line;
}

/* The visa and day terms of a rules entry or of "default" (what says which
 * in messages), base its offset in struct praw. */
static void
policy_check_terms(struct cfg_ctx *ctx, const struct praw_rule *r,
    size_t base, int line, const char *what)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} days[] = {
		{ "max_days", offsetof(struct praw_rule, max_days) },
		{ "window_days", offsetof(struct praw_rule, window_days) },
		{ "per_entry_days", offsetof(struct praw_rule, per_entry_days) }
	};
	int	l[3], lv;
	size_t	i;

	lv = cfg_line(ctx, base + offsetof(struct praw_rule, visa_required));
	for (i = 0; i < 3; i++)
		l[i] = cfg_line(ctx, base + days[i].off);
	if (lv <= 0)
		return;		/* missing or not a bool: reported */
	if (r->visa_required) {
		for (i = 0; i < 3; i++)
			if (l[i] > 0)
				cfg_report(ctx, l[i], "\"%s\" is only for "
				    "visa-free rules: with \"visa_required: "
				    "true\" the visa or permit sets the stay",
				    days[i].name);
		return;
	}
	for (i = 0; i < 2; i++)
		if (l[i] == 0)
			cfg_report(ctx, line, "a visa-free %s needs \"%s\"",
			    what, days[i].name);
	if (l[0] > 0 && l[1] > 0 && r->max_days >= r->window_days)
		cfg_report(ctx, l[0], "\"max_days\" (%ld) must be less than "
		    "\"window_days\" (%ld)", r->max_days, r->window_days);
	if (l[2] > 0 && l[0] > 0 && r->per_entry_days > r->max_days)
		cfg_report(ctx, l[2], "\"per_entry_days\" (%ld) must not be "
		    "more than \"max_days\" (%ld)", r->per_entry_days,
		    r->max_days);
}

static void
policy_check_citizens(struct cfg_ctx *ctx, const struct praw *r)
{
	size_t	i, j;
	int	li, lj;

	if (cfg_line(ctx, offsetof(struct praw, ncitizens)) <= 0)
		return;
	for (i = 1; i < r->ncitizens; i++) {
		if ((li = cfg_line(ctx, OFF_CITIZEN(i))) <= 0)
			continue;
		for (j = 0; j < i; j++) {
			lj = cfg_line(ctx, OFF_CITIZEN(j));
			if (lj > 0 && strcmp(r->citizens[i],
			    r->citizens[j]) == 0) {
				cfg_report(ctx, li, "duplicate nationality "
				    "code \"%s\" in \"citizens\" (first on "
				    "line %d)", r->citizens[i], lj);
				break;
			}
		}
	}
}

static int
policy_is_citizen(struct cfg_ctx *ctx, const struct praw *r,
    const char *code)
{
	size_t	i;

	if (cfg_line(ctx, offsetof(struct praw, ncitizens)) <= 0)
		return 0;
	for (i = 0; i < r->ncitizens; i++)
		if (cfg_line(ctx, OFF_CITIZEN(i)) > 0 &&
		    strcmp(r->citizens[i], code) == 0)
			return 1;
	return 0;
}

/* Duplicate names and members; fills c->members with the valid ones. */
static void
policy_check_groups(struct cfg_ctx *ctx, const struct praw *r,
    struct pchk *c, struct praw_lines *lines)
{
	const struct praw_group	*g;
	size_t			 i, j, m, k, n;
	int			 li, lj, lm, lk;

	if (cfg_line(ctx, offsetof(struct praw, ngroups)) <= 0)
		return;
	for (i = 0; i < r->ngroups; i++) {
		g = &r->groups[i];
		li = cfg_line(ctx, OFF_GROUP(i, name));
		if (lines != NULL)
			lines->group[i] = li > 0 ? li : 0;
		if (li > 0) {
			c->named[i] = 1;
			for (j = 0; j < i; j++) {
				lj = cfg_line(ctx, OFF_GROUP(j, name));
				if (lj > 0 && strcmp(g->name,
				    r->groups[j].name) == 0) {
					cfg_report(ctx, li, "duplicate group "
					    "\"%s\" (first on line %d)",
					    g->name, lj);
					c->named[i] = 0;
					break;
				}
			}
		}
		if (cfg_line(ctx, OFF_GROUP(i, nmembers)) <= 0)
			continue;
		n = 0;
		for (m = 0; m < g->nmembers; m++) {
			if ((lm = cfg_line(ctx, OFF_MEMBER(i, m))) <= 0)
				continue;
			for (k = 0; k < m; k++) {
				lk = cfg_line(ctx, OFF_MEMBER(i, k));
				if (lk > 0 && strcmp(g->members[m],
				    g->members[k]) == 0)
					break;
			}
			if (k < m) {
				cfg_report(ctx, lm, "duplicate nationality "
				    "code \"%s\" in group \"%s\" (first on "
				    "line %d)", g->members[m], g->name, lk);
				continue;
			}
			memcpy(c->members[i][n++], g->members[m],
			    POLICY_CODE_MAX + 1);
		}
		qsort(c->members[i], n, sizeof(c->members[i][0]),
		    policy_code_cmp);
		c->nmembers[i] = n;
	}
}

/* The first code groups a and b share, or NULL. */
static const char *
policy_shared(struct pchk *c, size_t a, size_t b)
{
	size_t	i = 0, j = 0;
	int	cmp;

	if (c->shared[a][b] < 0) {
		c->shared[a][b] = 0;
		while (i < c->nmembers[a] && j < c->nmembers[b]) {
			cmp = strcmp(c->members[a][i], c->members[b][j]);
			if (cmp == 0) {
				c->shared[a][b] = (int)i + 1;
				break;
			}
			if (cmp < 0)
				i++;
			else
				j++;
		}
	}
	return c->shared[a][b] > 0 ? c->members[a][c->shared[a][b] - 1] :
	    NULL;
}

/* Each rules entry on its own: what it names, its dates and terms. */
static void
policy_check_rule(struct cfg_ctx *ctx, const struct praw *r, struct pchk *c,
    size_t i)
{
	const struct praw_rule	*ru = &r->rules[i];
	struct pchk_rule	*cr = &c->rules[i];
	struct date		 d;
	size_t			 g;
	int			 lnat, lgrp, lfrom, luntil;

	cr->line = policy_entry_line(ctx, OFF_RULE0(i));
	lnat = cfg_line(ctx, OFF_RULE(i, nationality));
	lgrp = cfg_line(ctx, OFF_RULE(i, group));
	lfrom = cfg_line(ctx, OFF_RULE(i, from));
	luntil = cfg_line(ctx, OFF_RULE(i, until));
	cr->ok = 1;
	if (lnat != 0 && lgrp != 0) {
		cfg_report(ctx, cr->line, "a rule names both \"nationality\" "
		    "and \"group\": give one (a rule per nationality or "
		    "group)");
		cr->ok = 0;
	} else if (lnat == 0 && lgrp == 0) {
		if (cr->line > 0)
			cfg_report(ctx, cr->line, "a rule needs "
			    "\"nationality\" or \"group\"");
		cr->ok = 0;
	} else if (lnat > 0) {
		cr->own = 1;
		if (policy_is_citizen(ctx, r, ru->nationality)) {
			cfg_report(ctx, lnat, "\"nationality\": %s is in "
			    "\"citizens\": stay rules never apply to "
			    "citizens", ru->nationality);
			cr->ok = 0;
		}
	} else if (lgrp > 0) {
		for (g = 0; g < r->ngroups; g++)
			if (c->named[g] &&
			    strcmp(r->groups[g].name, ru->group) == 0)
				break;
		if (g == r->ngroups) {
			cfg_report(ctx, lgrp, "\"group\": no group \"%s\" in "
			    "\"groups\"", ru->group);
			cr->ok = 0;
		}
		cr->group = g;
	} else
		cr->ok = 0;	/* a bad code or name: reported */
	if (lfrom > 0 && date_parse_iso(&d, ru->from, strlen(ru->from)) == 0)
		cr->from = date_to_days(&d);
	else
		cr->ok = 0;
	cr->until = INT64_MAX;
	if (luntil > 0 && ru->until[0] != '\0') {
		if (date_parse_iso(&d, ru->until, strlen(ru->until)) != 0)
			cr->ok = 0;
		else {
			cr->until = date_to_days(&d);
			if (lfrom > 0 && cr->until < cr->from) {
				cfg_report(ctx, luntil, "\"until\" %s is "
				    "before \"from\" %s", ru->until, ru->from);
				cr->ok = 0;
			}
		}
	} else if (luntil < 0)
		cr->ok = 0;
	policy_check_terms(ctx, ru, OFF_RULE0(i), cr->line, "rule");
}

/* "RUS" or "group EAEU", and "2015-01-01..2019-12-31" or "2015-01-01..";
 * the buffers hold the longest names and dates. */
static void
policy_rule_who(const struct praw_rule *ru, char *who, size_t whosz,
    char *when, size_t whensz)
{
	if (ru->nationality[0] != '\0')
		(void)snprintf(who, whosz, "%s", ru->nationality);
	else
		(void)snprintf(who, whosz, "group %s", ru->group);
	(void)snprintf(when, whensz, "%s..%s", ru->from, ru->until);
}

/* No nationality has two rules of the same kind (own, group) in effect on
 * one day. */
static void
policy_check_overlaps(struct cfg_ctx *ctx, const struct praw *r,
    struct pchk *c)
{
	struct pchk_rule	*a, *b;
	const char		*code;
	char			 wa[64], wb[64], da[72], db[72];
	size_t			 i, j;

	for (i = 1; i < r->nrules; i++) {
		a = &c->rules[i];
		if (!a->ok)
			continue;
		for (j = 0; j < i; j++) {
			b = &c->rules[j];
			if (!b->ok || a->own != b->own ||
			    a->from > b->until || b->from > a->until)
				continue;
			code = NULL;
			if (a->own) {
				if (strcmp(r->rules[i].nationality,
				    r->rules[j].nationality) != 0)
					continue;
			} else if (a->group != b->group &&
			    (code = policy_shared(c, a->group, b->group)) ==
			    NULL)
				continue;
			policy_rule_who(&r->rules[i], wa, sizeof(wa), da,
			    sizeof(da));
			policy_rule_who(&r->rules[j], wb, sizeof(wb), db,
			    sizeof(db));
			cfg_report(ctx, a->line, "the rule for %s (%s) "
			    "overlaps the rule for %s on line %d (%s)%s%s%s",
			    wa, da, wb,
			    b->line, db, code != NULL ? ": " : "",
			    code != NULL ? code : "",
			    code != NULL ? " is in both groups" : "");
			break;		/* one report per rule */
		}
	}
}

static void
policy_check(struct cfg_ctx *ctx, const void *obj)
{
	const struct praw	*r = obj;
	struct pchk		*c;
	size_t			 i;
	int			 line;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		cfg_report(ctx, 0, "out of memory");
		return;
	}
	memset(c->shared, 0xff, sizeof(c->shared));	/* -1: not known */
	policy_check_citizens(ctx, r);
	policy_check_groups(ctx, r, c, r->lines);
	if (cfg_line(ctx, offsetof(struct praw, nrules)) > 0) {
		for (i = 0; i < r->nrules; i++) {
			policy_check_rule(ctx, r, c, i);
			if (r->lines != NULL)
				r->lines->rule[i] = c->rules[i].line;
		}
		policy_check_overlaps(ctx, r, c);
	}
	line = policy_entry_line(ctx, OFF_DFLT0);
	if (r->lines != NULL)
		r->lines->dflt = line;
	policy_check_terms(ctx, &r->dflt, OFF_DFLT0, line, "default");
	free(c);
}

/*
 * Loading.
 */

static void
policy_build_rule(struct policy_rule *pr, const struct praw_rule *ru,
    int line)
{
	/* A valid code has at most POLICY_CODE_MAX bytes; the rest of the
	 * raw buffer is zero. */
	memcpy(pr->nationality, ru->nationality, sizeof(pr->nationality));
	pr->nationality[POLICY_CODE_MAX] = '\0';
	(void)snprintf(pr->group, sizeof(pr->group), "%s", ru->group);
	(void)snprintf(pr->note, sizeof(pr->note), "%s", ru->note);
	pr->line = line;
	pr->visa_required = ru->visa_required;
	if (!pr->visa_required) {
		pr->stay.max_days = (int)ru->max_days;
		pr->stay.window_days = (int)ru->window_days;
		pr->stay.per_entry_days = (int)ru->per_entry_days;
	}
	pr->from.year = 1;
	pr->from.month = 1;
	pr->from.day = 1;
	pr->until.year = 9999;
	pr->until.month = 12;
	pr->until.day = 31;
	/* The dates were checked: these parse. */
	if (ru->from[0] != '\0')
		(void)date_parse_iso(&pr->from, ru->from, strlen(ru->from));
	if (ru->until[0] != '\0') {
		(void)date_parse_iso(&pr->until, ru->until,
		    strlen(ru->until));
		pr->has_until = 1;
	}
	pr->from_day = date_to_days(&pr->from);
	pr->until_day = pr->has_until ? date_to_days(&pr->until) : INT64_MAX;
}

/* The validated file into p (zeroed). */
static void
policy_build(struct policy *p, const struct praw *r,
    const struct praw_lines *lines)
{
	struct policy_rule	*pr;
	size_t			 i, g;
	int			 k;

	(void)snprintf(p->version, sizeof(p->version), "%s", r->version);
	(void)snprintf(p->timezone, sizeof(p->timezone), "%s", r->timezone);
	for (i = 0; i < r->ncitizens; i++)
		memcpy(p->citizens[i], r->citizens[i], POLICY_CODE_MAX + 1);
	p->ncitizens = r->ncitizens;
	for (g = 0; g < r->ngroups; g++) {
		(void)snprintf(p->groups[g].name, sizeof(p->groups[g].name),
		    "%s", r->groups[g].name);
		for (i = 0; i < r->groups[g].nmembers; i++)
			memcpy(p->groups[g].members[i],
			    r->groups[g].members[i], POLICY_CODE_MAX + 1);
		p->groups[g].nmembers = r->groups[g].nmembers;
		qsort(p->groups[g].members, p->groups[g].nmembers,
		    sizeof(p->groups[g].members[0]), policy_code_cmp);
		p->groups[g].line = lines->group[g];
	}
	p->ngroups = r->ngroups;
	for (i = 0; i < r->nrules; i++) {
		pr = &p->rules[i];
		policy_build_rule(pr, &r->rules[i], lines->rule[i]);
		if (pr->nationality[0] != '\0')
			pr->source = POLICY_OWN;
		else {
			pr->source = POLICY_GROUP;
			for (g = 0; g < p->ngroups; g++)
				if (strcmp(p->groups[g].name, pr->group) == 0)
					break;
			pr->group_index = g;	/* checked: found */
		}
	}
	p->nrules = r->nrules;
	policy_build_rule(&p->dflt, &r->dflt, lines->dflt);
	p->dflt.source = POLICY_DEFAULT;
	for (k = 0; k < POLICY_PERMIT_KINDS; k++) {
		p->permits[k].stay = strcmp(r->permits[k].stay,
		    "unlimited") == 0 ? POLICY_STAY_UNLIMITED :
		    POLICY_STAY_PERMIT;
		p->permits[k].replaces_visa = k == POLICY_PERMIT_VISA ? 1 :
		    r->permits[k].replaces_visa;
	}
}

/* Loads from a file (p == NULL) or from memory. */
static int
policy_load_any(struct policy **out, const char *name, const uint8_t *p,
    size_t len, FILE *errfp)
{
	struct praw		*r;
	struct praw_lines	*lines;
	struct policy		*pol = NULL;
	int			 rc;

	r = calloc(1, sizeof(*r));
	lines = calloc(1, sizeof(*lines));
	if (r == NULL || lines == NULL) {
		rc = ERR_NOMEM;
		if (errfp != NULL)
			fprintf(errfp, "%s: out of memory\n", name);
		goto done;
	}
	r->lines = lines;
	if (p == NULL)
		rc = cfg_load_file(name, policy_schema, policy_check, r,
		    errfp);
	else
		rc = cfg_load_buf(name, p, len, policy_schema, policy_check,
		    r, errfp);
	if (rc != 0)
		goto done;
	if ((pol = calloc(1, sizeof(*pol))) == NULL) {
		rc = ERR_NOMEM;
		if (errfp != NULL)
			fprintf(errfp, "%s: out of memory\n", name);
		goto done;
	}
	policy_build(pol, r, lines);
	*out = pol;
done:
	free(lines);
	free(r);
	return rc;
}

int
policy_load(struct policy **out, const char *path, FILE *errfp)
{
	return policy_load_any(out, path, NULL, 0, errfp);
}

int
policy_load_buf(struct policy **out, const char *name, const uint8_t *p,
    size_t len, FILE *errfp)
{
	static const uint8_t	empty[1];

	return policy_load_any(out, name, p != NULL ? p : empty, len, errfp);
}

void
policy_free(struct policy *p)
{
	free(p);
}

/*
 * Look-up.
 */

static int
policy_in_effect(const struct policy_rule *r, int64_t day)
{
	return r->from_day <= day && day <= r->until_day;
}

int
policy_rule_for(const struct policy *p, const char *nat,
    const struct date *on, struct policy_match *out)
{
	const struct policy_rule	*r;
	const struct policy_group	*g;
	char				 code[POLICY_CODE_MAX + 1];
	int64_t				 day;
	size_t				 i;
	int				 rc;

	if (nat == NULL ||
	    (rc = policy_code_parse(code, nat, strnlen(nat, 16))) != 0)
		return ERR_PARSE;
	if (on == NULL || !date_check(on->year, on->month, on->day))
		return ERR_RANGE;
	day = date_to_days(on);
	memset(out, 0, sizeof(*out));
	memcpy(out->nationality, code, sizeof(code));
	for (i = 0; i < p->ncitizens; i++)
		if (strcmp(p->citizens[i], code) == 0) {
			out->source = POLICY_CITIZEN;
			return 0;
		}
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->source == POLICY_OWN && policy_in_effect(r, day) &&
		    strcmp(r->nationality, code) == 0) {
			out->source = POLICY_OWN;
			out->rule = r;
			return 0;
		}
	}
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->source != POLICY_GROUP || !policy_in_effect(r, day))
			continue;
		g = &p->groups[r->group_index];
		if (bsearch(code, g->members, g->nmembers,
		    sizeof(g->members[0]), policy_code_cmp) != NULL) {
			out->source = POLICY_GROUP;
			out->rule = r;
			return 0;
		}
	}
	out->source = POLICY_DEFAULT;
	out->rule = &p->dflt;
	return 0;
}

int
policy_describe(const struct policy_match *m, char *buf, size_t bufsz)
{
	const struct policy_rule	*r = m->rule;
	char				 terms[64], from[16], until[16];
	const char			*who;
	int				 n;

	if (m->source == POLICY_CITIZEN || r == NULL) {
		n = snprintf(buf, bufsz, "citizen (%s): no stay rules",
		    m->nationality);
		return n < 0 || (size_t)n >= bufsz ? ERR_RANGE : 0;
	}
	if (r->visa_required)
		(void)snprintf(terms, sizeof(terms), "visa required");
	else if (r->stay.per_entry_days > 0)
		(void)snprintf(terms, sizeof(terms), "%d/%d, %d per entry",
		    r->stay.max_days, r->stay.window_days,
		    r->stay.per_entry_days);
	else
		(void)snprintf(terms, sizeof(terms), "%d/%d",
		    r->stay.max_days, r->stay.window_days);
	if (r->source == POLICY_DEFAULT)
		n = snprintf(buf, bufsz, "default: %s", terms);
	else {
		who = r->source == POLICY_OWN ? r->nationality : r->group;
		if (date_format_iso(&r->from, from, sizeof(from)) != 0 ||
		    date_format_iso(&r->until, until, sizeof(until)) != 0)
			return ERR_RANGE;
		n = snprintf(buf, bufsz, "%s %s from %s%s%s", who, terms, from,
		    r->has_until ? " until " : "", r->has_until ? until : "");
	}
	return n < 0 || (size_t)n >= bufsz ? ERR_RANGE : 0;
}
