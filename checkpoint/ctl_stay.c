/* ctl_stay.c - "checkpointctl stay calc": the stay calculator of
 * common/stay.c from a shell, with no daemon. The rule comes from
 * --max-days, --window-days and --per-entry-days, the stays from --stays
 * "DATE..DATE,DATE.."; --entry asks entry mode, --check control mode, and
 * --json prints one object with the keys of issue 4. */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "date.h"
#include "err.h"
#include "policy.h"
#include "stay.h"

#define EXIT_USAGE	2

static const char ctl_stay_text[] =
	"usage: checkpointctl stay calc --max-days N --window-days M\n"
	"           [--per-entry-days P] [--stays LIST]\n"
	"           (--entry DATE | --check DATE) [--json]\n"
	"\n"
	"Applies the rule \"at most N days of presence in any M consecutive\n"
	"days, and at most P days from each entry\" to a person's stays. The\n"
	"entry and the exit day both count; the window of a day is the M days\n"
	"ending on it. Needs no daemon.\n"
	"\n"
	"  --max-days N         N, 1..3659\n"
	"  --window-days M      M, 2..3660, greater than N\n"
	"  --per-entry-days P   P, 1..3660 (default: no per-entry limit)\n"
	"  --policy FILE --nationality CODE\n"
	"                       instead of the three above: the rule a policy\n"
	"                       file gives that nationality on the entry or\n"
	"                       check date (see checkpointctl policy --help)\n"
	"  --stays LIST         stays, oldest first, comma-separated:\n"
	"                       YYYY-MM-DD..YYYY-MM-DD, and YYYY-MM-DD.. for a\n"
	"                       last stay not yet ended; \"\" (the default)\n"
	"                       for none\n"
	"  --entry DATE         entry mode: may the person enter on DATE, and\n"
	"                       what is the last day they may stay?\n"
	"  --check DATE         control mode: is the person overstaying on\n"
	"                       DATE, and by how many days so far?\n"
	"  --json               one JSON object: days_used, allowed,\n"
	"                       latest_exit, days_remaining (entry mode) or\n"
	"                       days_used, overstaying, first_overstay_date,\n"
	"                       overstay_days (control mode); dates as\n"
	"                       \"YYYY-MM-DD\" or null\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 done, 2 bad arguments or input.\n";

enum ctl_stay_opt {
	SO_MAX = 1, SO_WINDOW, SO_PER_ENTRY, SO_POLICY, SO_NATIONALITY,
	SO_STAYS, SO_ENTRY, SO_CHECK, SO_JSON, SO_COUNT
};

static const char *const ctl_stay_name[SO_COUNT] = {
	[SO_MAX] = "max-days",
	[SO_WINDOW] = "window-days",
	[SO_PER_ENTRY] = "per-entry-days",
	[SO_POLICY] = "policy",
	[SO_NATIONALITY] = "nationality",
	[SO_STAYS] = "stays",
	[SO_ENTRY] = "entry",
	[SO_CHECK] = "check",
	[SO_JSON] = "json",
};

/* Room for the longest list stay_parse_list() accepts. */
static struct stay	ctl_stays[STAY_LIST_MAX];

static void
ctl_stay_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void
ctl_stay_die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "checkpointctl: stay calc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'checkpointctl stay calc --help'.\n");
	exit(EXIT_USAGE);
}

/* A whole number of days, 1..STAY_DAYS_MAX. */
static int
ctl_stay_days(int which, const char *arg)
{
	const char	*p;
	long		 v = 0;

	if (arg[0] == '\0')
		ctl_stay_die("--%s needs a number of days", ctl_stay_name[which]);
	for (p = arg; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			ctl_stay_die("--%s must be a whole number of days, "
			    "got \"%s\"", ctl_stay_name[which], arg);
		if (v <= STAY_DAYS_MAX)
			v = v * 10 + (*p - '0');
	}
	if (v == 0)
		ctl_stay_die("--%s must be at least 1%s", ctl_stay_name[which],
		    which == SO_PER_ENTRY ?
		    " (leave it out for no per-entry limit)" : "");
	if (v > STAY_DAYS_MAX)
		ctl_stay_die("--%s can be at most %d days, got %s",
		    ctl_stay_name[which], STAY_DAYS_MAX, arg);
	return (int)v;
}

static int64_t
ctl_stay_date(int which, const char *arg)
{
	struct date	d;
	int		rc;

	rc = date_parse_iso(&d, arg, strlen(arg));
	if (rc == ERR_RANGE)
		ctl_stay_die("--%s: \"%s\" is not a calendar date",
		    ctl_stay_name[which], arg);
	if (rc != 0)
		ctl_stay_die("--%s must be a date YYYY-MM-DD, got \"%s\"",
		    ctl_stay_name[which], arg);
	return date_to_days(&d);
}

/* "YYYY-MM-DD", or "null" for STAY_NONE (quoted for JSON if q). */
static void
ctl_stay_fmt(int64_t day, int q, char *buf, size_t bufsz)
{
	struct date	d;
	char		iso[16];

	if (day == STAY_NONE) {
		(void)snprintf(buf, bufsz, q ? "null" : "none");
		return;
	}
	date_from_days(day, &d);
	if (date_format_iso(&d, iso, sizeof(iso)) != 0)
		iso[0] = '\0';
	(void)snprintf(buf, bufsz, q ? "\"%s\"" : "%s", iso);
}

/* A stay as the user wrote it, for a message. */
static void
ctl_stay_fmt_stay(const struct stay *s, char *buf, size_t bufsz)
{
	char	a[16], b[16];

	ctl_stay_fmt(s->entry, 0, a, sizeof(a));
	if (s->exit == STAY_OPEN)
		b[0] = '\0';
	else
		ctl_stay_fmt(s->exit, 0, b, sizeof(b));
	(void)snprintf(buf, bufsz, "%s..%s", a, b);
}

/* Up to 40 bytes of the user's text, printable ASCII only. */
static void
ctl_stay_quote(const char *p, size_t len, char *buf, size_t bufsz)
{
	size_t	i, n;

	n = len > 40 ? 40 : len;
	if (n > bufsz - 4)
		n = bufsz - 4;
	for (i = 0; i < n; i++)
		buf[i] = p[i] >= ' ' && p[i] <= '~' ? p[i] : '?';
	buf[n] = '\0';
	if (n < len)
		memcpy(buf + n, "...", 4);
}

static void
ctl_stay_rule_text(const struct stay_rule *r, char *buf, size_t bufsz)
{
	if (r->per_entry_days > 0)
		(void)snprintf(buf, bufsz, "at most %d days in any %d days, "
		    "%d from each entry", r->max_days, r->window_days,
		    r->per_entry_days);
	else
		(void)snprintf(buf, bufsz, "at most %d days in any %d days",
		    r->max_days, r->window_days);
}

static void
ctl_stay_entry(const struct stay_rule *r, size_t n, int64_t entry,
    int json)
{
	struct stay_entry_result	res;
	struct stay_problem		why;
	char				d1[24], d2[24], st[48], rt[96];

	memset(&why, 0, sizeof(why));
	if (stay_calc_entry(&res, r, ctl_stays, n, entry, &why) != 0) {
		ctl_stay_fmt(entry, 0, d1, sizeof(d1));
		if (why.index < n)
			ctl_stay_fmt_stay(&ctl_stays[why.index], st,
			    sizeof(st));
		if (why.why == STAY_ENTRY_NOT_AFTER)
			ctl_stay_die("--entry %s must be after the exit of "
			    "the last stay (%s)", d1, st);
		if (why.why == STAY_OPEN_AT_ENTRY)
			ctl_stay_die("--entry: the last stay (%s) has no "
			    "exit, so the person is still in the country; "
			    "use --check for them", st);
		ctl_stay_die("--entry %s: %s", d1, stay_why_str(why.why));
	}
	ctl_stay_fmt(res.latest_exit, json, d2, sizeof(d2));
	if (json) {
		printf("{\"days_used\":%d,\"allowed\":%s,\"latest_exit\":%s,"
		    "\"days_remaining\":%d}\n", res.days_used,
		    res.allowed ? "true" : "false", d2, res.days_remaining);
		return;
	}
	ctl_stay_fmt(entry, 0, d1, sizeof(d1));
	ctl_stay_rule_text(r, rt, sizeof(rt));
	printf("rule              %s\n", rt);
	printf("entry             %s\n", d1);
	printf("days used         %d, in the %d days before the entry\n",
	    res.days_used, r->window_days - 1);
	printf("allowed           %s\n", res.allowed ? "yes" : "no");
	printf("latest exit       %s\n", d2);
	printf("days remaining    %d\n", res.days_remaining);
}

static void
ctl_stay_control(const struct stay_rule *r, size_t n, int64_t check,
    int json)
{
	struct stay_control_result	res;
	struct stay_problem		why;
	char				d1[24], d2[24], rt[96];

	memset(&why, 0, sizeof(why));
	if (stay_calc_control(&res, r, ctl_stays, n, check, &why) != 0) {
		ctl_stay_fmt(check, 0, d1, sizeof(d1));
		ctl_stay_die("--check %s: %s", d1, stay_why_str(why.why));
	}
	ctl_stay_fmt(res.first_overstay, json, d2, sizeof(d2));
	if (json) {
		printf("{\"days_used\":%d,\"overstaying\":%s,"
		    "\"first_overstay_date\":%s,\"overstay_days\":%lld}\n",
		    res.days_used, res.overstaying ? "true" : "false", d2,
		    (long long)res.overstay_days);
		return;
	}
	ctl_stay_fmt(check, 0, d1, sizeof(d1));
	ctl_stay_rule_text(r, rt, sizeof(rt));
	printf("rule              %s\n", rt);
	printf("check             %s\n", d1);
	printf("days used         %d, in the %d days ending on the check "
	    "date\n", res.days_used, r->window_days);
	printf("overstaying       %s\n", res.overstaying ? "yes" : "no");
	printf("first overstay    %s\n", d2);
	printf("overstay days     %lld\n", (long long)res.overstay_days);
}

/*
 * The day rule a policy file gives a nationality on a day, or a message and
 * exit 2 where none applies: a citizen, or a visa-required nationality
 * (the visa or permit sets the stay).
 */
static void
ctl_stay_policy_rule(const char *path, const char *nat, int64_t day,
    struct stay_rule *out)
{
	struct policy		*p;
	struct policy_match	 m;
	struct date		 on;
	char			 desc[POLICY_DESC_MAX];
	int			 rc;

	if ((rc = policy_load(&p, path, stderr)) != 0) {
		if (rc == ERR_NOMEM)
			ctl_stay_die("--policy: out of memory");
		exit(EXIT_USAGE);	/* the loader printed why */
	}
	date_from_days(day, &on);
	if ((rc = policy_rule_for(p, nat, &on, &m)) != 0) {
		policy_free(p);
		ctl_stay_die("--nationality must be 1..3 capital letters");
	}
	(void)policy_describe(&m, desc, sizeof(desc));	/* always fits */
	if (m.rule == NULL || m.rule->visa_required) {
		policy_free(p);
		ctl_stay_die("no day rule applies to %s: %s", m.nationality,
		    desc);
	}
	*out = m.rule->stay;
	policy_free(p);
}

static int
ctl_stay_calc(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "max-days",	    required_argument, NULL, SO_MAX },
		{ "window-days",    required_argument, NULL, SO_WINDOW },
		{ "per-entry-days", required_argument, NULL, SO_PER_ENTRY },
		{ "policy",	    required_argument, NULL, SO_POLICY },
		{ "nationality",    required_argument, NULL, SO_NATIONALITY },
		{ "stays",	    required_argument, NULL, SO_STAYS },
		{ "entry",	    required_argument, NULL, SO_ENTRY },
		{ "check",	    required_argument, NULL, SO_CHECK },
		{ "json",	    no_argument,       NULL, SO_JSON },
		{ "help",	    no_argument,       NULL, 'h' },
		{ NULL,		    0,		       NULL, 0 }
	};
	struct stay_rule	 rule;
	struct stay_problem	 why;
	const char		*stays = "", *policy_path = NULL;
	const char		*nationality = NULL;
	char			 st[48];
	int			 seen[SO_COUNT];
	int64_t			 day = 0;
	size_t			 n = 0, len;
	int			 ch, rc;

	memset(&rule, 0, sizeof(rule));
	memset(seen, 0, sizeof(seen));
	optind = 0;		/* glibc: start afresh on this argv */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(ctl_stay_text, stdout);
			return 0;
		}
		if (ch == ':')
			ctl_stay_die("%s needs a value", argv[optind - 1]);
		if (ch < 1 || ch >= SO_COUNT) {
			if (optopt != 0)
				ctl_stay_die("unknown option -%c", optopt);
			ctl_stay_die("unknown option %s", argv[optind - 1]);
		}
		if (seen[ch]++)
			ctl_stay_die("--%s given twice", ctl_stay_name[ch]);
		switch (ch) {
		case SO_MAX:
			rule.max_days = ctl_stay_days(ch, optarg);
			break;
		case SO_WINDOW:
			rule.window_days = ctl_stay_days(ch, optarg);
			break;
		case SO_PER_ENTRY:
			rule.per_entry_days = ctl_stay_days(ch, optarg);
			break;
		case SO_STAYS:
			stays = optarg;
			break;
		case SO_POLICY:
			policy_path = optarg;
			break;
		case SO_NATIONALITY:
			nationality = optarg;
			break;
		case SO_ENTRY:
		case SO_CHECK:
			day = ctl_stay_date(ch, optarg);
			break;
		default:
			break;
		}
	}
	if (optind < argc)
		ctl_stay_die("unexpected argument \"%s\"", argv[optind]);
	if (seen[SO_ENTRY] && seen[SO_CHECK])
		ctl_stay_die("give --entry or --check, not both");
	if (!seen[SO_ENTRY] && !seen[SO_CHECK])
		ctl_stay_die("give --entry DATE (entry mode) or --check DATE "
		    "(control mode)");
	if (seen[SO_POLICY] || seen[SO_NATIONALITY]) {
		if (!seen[SO_POLICY] || !seen[SO_NATIONALITY])
			ctl_stay_die("--policy and --nationality go together");
		if (seen[SO_MAX] || seen[SO_WINDOW] || seen[SO_PER_ENTRY])
			ctl_stay_die("give the rule with --policy or with "
			    "--max-days and --window-days, not both");
		ctl_stay_policy_rule(policy_path, nationality, day, &rule);
	} else if (!seen[SO_MAX] || !seen[SO_WINDOW])
		ctl_stay_die("--%s is required",
		    ctl_stay_name[seen[SO_MAX] ? SO_WINDOW : SO_MAX]);

	memset(&why, 0, sizeof(why));
	if (!stay_check_rule(&rule, &why)) {
		if (why.why == STAY_RULE_NOT_LESS)
			ctl_stay_die("--max-days (%d) must be smaller than "
			    "--window-days (%d)", rule.max_days,
			    rule.window_days);
		ctl_stay_die("%s", stay_why_str(why.why));
	}

	len = strlen(stays);
	if (len > STAY_TEXT_MAX)
		ctl_stay_die("--stays is longer than %d bytes", STAY_TEXT_MAX);
	rc = stay_parse_list(ctl_stays, STAY_LIST_MAX, &n, stays, len, &why);
	if (rc == ERR_TOOBIG)
		ctl_stay_die("--stays: %s", stay_why_str(why.why));
	if (rc != 0) {
		ctl_stay_quote(stays + why.off, why.len, st, sizeof(st));
		ctl_stay_die("--stays: stay %zu \"%s\": %s", why.index + 1,
		    st, stay_why_str(why.why));
	}

	if (seen[SO_ENTRY])
		ctl_stay_entry(&rule, n, day, seen[SO_JSON]);
	else
		ctl_stay_control(&rule, n, day, seen[SO_JSON]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "checkpointctl: stay calc: cannot write the "
		    "result\n");
		return 1;
	}
	return 0;
}

int
ctl_stay_main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "checkpointctl: stay: no subcommand given "
		    "(calc)\nTry 'checkpointctl stay --help'.\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(ctl_stay_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "calc") != 0) {
		fprintf(stderr, "checkpointctl: stay: unknown subcommand "
		    "\"%s\" (calc is the only one)\nTry 'checkpointctl stay "
		    "--help'.\n", argv[1]);
		return EXIT_USAGE;
	}
	return ctl_stay_calc(argc - 1, argv + 1);
}
