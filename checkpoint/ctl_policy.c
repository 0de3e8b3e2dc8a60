/* ctl_policy.c - "checkpointctl policy": "check FILE" validates a stay
 * policy (config/policy.yaml) as the posts will load it; "show FILE
 * --nationality CODE" prints the rule that applies to a nationality on a
 * day, with --json as one object. Needs no daemon. */
#include <sys/stat.h>

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ctl.h"
#include "date.h"
#include "err.h"
#include "policy.h"

#define EXIT_USAGE	2

static const char ctl_policy_text[] =
	"usage: checkpointctl policy check FILE\n"
	"       checkpointctl policy show FILE --nationality CODE\n"
	"           [--date YYYY-MM-DD] [--json]\n"
	"\n"
	"check  validates a stay policy file (see docs/policy.md) as the\n"
	"       posts load it: prints \"policy OK\", or every problem as\n"
	"       FILE:LINE: message and exits 1.\n"
	"show   prints the rule that applies to a nationality on a day:\n"
	"       citizen, the nationality's own rule, its group's, or the\n"
	"       default.\n"
	"\n"
	"  --nationality CODE   nationality as in the MRZ: RUS, D, XXA, ...\n"
	"  --date YYYY-MM-DD    the day (default: today in the policy's time\n"
	"                       zone)\n"
	"  --json               one JSON object: policy_version, timezone,\n"
	"                       nationality, date, source (citizen,\n"
	"                       nationality, group or default), group, rule,\n"
	"                       visa_required, max_days, window_days,\n"
	"                       per_entry_days, from, until, line, note\n"
	"                       (null where they do not apply)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 done, 1 the policy is invalid or unreadable, 2 bad\n"
	"arguments.\n";

static void
ctl_policy_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void
ctl_policy_die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "checkpointctl: policy: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'checkpointctl policy --help'.\n");
	exit(EXIT_USAGE);
}

/* Today in zone tz, from the system's tzdata; -1 if the zone is not
 * installed (glibc would silently use UTC). */
static int
ctl_policy_today(const char *tz, struct date *out)
{
	struct stat	 st;
	struct tm	 tm;
	const char	*dir;
	char		 path[PATH_MAX], env[POLICY_TZ_MAX + 2];
	time_t		 now;
	int		 n;

	if ((dir = getenv("TZDIR")) == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	n = snprintf(path, sizeof(path), "%s/%s", dir, tz);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) == -1 ||
	    !S_ISREG(st.st_mode))
		return -1;
	n = snprintf(env, sizeof(env), ":%s", tz);
	if (n < 0 || (size_t)n >= sizeof(env) || setenv("TZ", env, 1) == -1)
		return -1;
	tzset();
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL)
		return -1;
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
	return 0;
}

static int
ctl_policy_check(const char *path)
{
	struct policy	*p = NULL;

	if (policy_load(&p, path, stderr) != 0)
		return 1;
	policy_free(p);
	printf("policy OK\n");
	return 0;
}

/* A positive number of days as JSON, or null for 0. */
static json_t *
ctl_policy_days(int v)
{
	return v > 0 ? json_integer(v) : json_null();
}

static json_t *
ctl_policy_str(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static int
ctl_policy_print_json(const struct policy *p, const struct policy_match *m,
    const char *day, const char *desc)
{
	const struct policy_rule	*r = m->rule;
	json_t				*o;
	char				 from[16], until[16], *s;
	int				 dated, rc = 0;

	dated = r != NULL && r->source != POLICY_DEFAULT;
	if (!dated || date_format_iso(&r->from, from, sizeof(from)) != 0)
		from[0] = '\0';
	if (!dated || !r->has_until ||
	    date_format_iso(&r->until, until, sizeof(until)) != 0)
		until[0] = '\0';
	o = json_object();
	if (o == NULL ||
	    json_object_set_new(o, "policy_version",
	    json_string(p->version)) != 0 ||
	    json_object_set_new(o, "timezone", json_string(p->timezone)) != 0 ||
	    json_object_set_new(o, "nationality",
	    json_string(m->nationality)) != 0 ||
	    json_object_set_new(o, "date", json_string(day)) != 0 ||
	    json_object_set_new(o, "source",
	    json_string(policy_source_name(m->source))) != 0 ||
	    json_object_set_new(o, "group", ctl_policy_str(r != NULL &&
	    r->source == POLICY_GROUP ? r->group : NULL)) != 0 ||
	    json_object_set_new(o, "rule", json_string(desc)) != 0 ||
	    json_object_set_new(o, "visa_required",
	    json_boolean(r != NULL && r->visa_required)) != 0 ||
	    json_object_set_new(o, "max_days",
	    ctl_policy_days(r != NULL ? r->stay.max_days : 0)) != 0 ||
	    json_object_set_new(o, "window_days",
	    ctl_policy_days(r != NULL ? r->stay.window_days : 0)) != 0 ||
	    json_object_set_new(o, "per_entry_days",
	    ctl_policy_days(r != NULL ? r->stay.per_entry_days : 0)) != 0 ||
	    json_object_set_new(o, "from", ctl_policy_str(from)) != 0 ||
	    json_object_set_new(o, "until", ctl_policy_str(until)) != 0 ||
	    json_object_set_new(o, "line", r != NULL && r->line > 0 ?
	    json_integer(r->line) : json_null()) != 0 ||
	    json_object_set_new(o, "note",
	    ctl_policy_str(r != NULL ? r->note : NULL)) != 0 ||
	    (s = json_dumps(o, JSON_COMPACT)) == NULL)
		rc = -1;
	else {
		printf("%s\n", s);
		free(s);
	}
	json_decref(o);
	return rc;
}

static void
ctl_policy_print_text(const struct policy *p, const struct policy_match *m,
    const char *day, const char *desc)
{
	const struct policy_rule	*r = m->rule;

	printf("nationality:    %s\n", m->nationality);
	printf("date:           %s\n", day);
	printf("policy:         %s (%s)\n", p->version, p->timezone);
	printf("rule:           %s\n", desc);
	if (r == NULL) {
		printf("source:         citizen: recorded, never subject to "
		    "stay rules\n");
		return;
	}
	if (r->source == POLICY_GROUP)
		printf("source:         group %s, line %d\n", r->group,
		    r->line);
	else if (r->source == POLICY_OWN)
		printf("source:         own rule of %s, line %d\n",
		    r->nationality, r->line);
	else
		printf("source:         default, line %d\n", r->line);
	printf("visa_required:  %s\n", r->visa_required ? "yes" : "no");
	if (!r->visa_required) {
		printf("max_days:       %d\n", r->stay.max_days);
		printf("window_days:    %d\n", r->stay.window_days);
		if (r->stay.per_entry_days > 0)
			printf("per_entry_days: %d\n",
			    r->stay.per_entry_days);
		else
			printf("per_entry_days: none\n");
	}
	if (r->note[0] != '\0')
		printf("note:           %s\n", r->note);
}

static int
ctl_policy_show(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "nationality", required_argument, NULL, 'n' },
		{ "date",	 required_argument, NULL, 'd' },
		{ "json",	 no_argument,	    NULL, 'j' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL,		 0,		    NULL, 0 }
	};
	struct policy		*p = NULL;
	struct policy_match	 m;
	struct date		 on;
	const char		*path = NULL, *nat = NULL, *datearg = NULL;
	char			 code[POLICY_CODE_MAX + 1], day[16];
	char			 desc[POLICY_DESC_MAX];
	int			 ch, json = 0, rc;

	optind = 0;		/* glibc: start afresh on this argv */
	opterr = 0;
	/* No "+": FILE may come before or after the options. */
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (nat != NULL)
				ctl_policy_die("--nationality given twice");
			nat = optarg;
			break;
		case 'd':
			if (datearg != NULL)
				ctl_policy_die("--date given twice");
			datearg = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(ctl_policy_text, stdout);
			return 0;
		case ':':
			ctl_policy_die("%s needs a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				ctl_policy_die("unknown option -%c", optopt);
			ctl_policy_die("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		ctl_policy_die("show: no policy FILE given");
	path = argv[optind++];
	if (optind < argc)
		ctl_policy_die("show: unexpected argument \"%s\"",
		    argv[optind]);
	if (nat == NULL)
		ctl_policy_die("show: --nationality CODE is required");
	if (policy_code_parse(code, nat, strlen(nat)) != 0)
		ctl_policy_die("--nationality must be a code of 1..3 capital "
		    "letters as in the MRZ (RUS, D), got \"%.16s%s\"", nat,
		    strlen(nat) > 16 ? "..." : "");
	if (datearg != NULL) {
		rc = date_parse_iso(&on, datearg, strlen(datearg));
		if (rc == ERR_RANGE)
			ctl_policy_die("--date: \"%.16s\" is not a calendar "
			    "date", datearg);
		if (rc != 0)
			ctl_policy_die("--date must be a date YYYY-MM-DD, got "
			    "\"%.16s%s\"", datearg,
			    strlen(datearg) > 16 ? "..." : "");
	}

	if (policy_load(&p, path, stderr) != 0)
		return 1;
	if (datearg == NULL && ctl_policy_today(p->timezone, &on) != 0) {
		fprintf(stderr, "checkpointctl: policy: time zone \"%s\" is "
		    "not installed here (tzdata); give --date\n", p->timezone);
		policy_free(p);
		return 1;
	}
	if (!policy_code_known(code))
		fprintf(stderr, "checkpointctl: policy: note: \"%s\" is not a "
		    "known nationality code\n", code);
	if (policy_rule_for(p, code, &on, &m) != 0 ||
	    policy_describe(&m, desc, sizeof(desc)) != 0 ||
	    date_format_iso(&on, day, sizeof(day)) != 0) {
		/* Both were checked above; the description always fits. */
		fprintf(stderr, "checkpointctl: policy: internal error\n");
		policy_free(p);
		return 1;
	}
	if (json)
		rc = ctl_policy_print_json(p, &m, day, desc);
	else {
		ctl_policy_print_text(p, &m, day, desc);
		rc = 0;
	}
	policy_free(p);
	if (rc != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "checkpointctl: policy: cannot write the "
		    "result\n");
		return 1;
	}
	return 0;
}

int
ctl_policy_main(int argc, char *argv[])
{
	if (argc < 2)
		ctl_policy_die("no subcommand given (check or show)");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(ctl_policy_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0) {
		if (argc == 3 && (strcmp(argv[2], "-h") == 0 ||
		    strcmp(argv[2], "--help") == 0)) {
			fputs(ctl_policy_text, stdout);
			return 0;
		}
		if (argc != 3 || argv[2][0] == '-')
			ctl_policy_die("check takes one argument: the policy "
			    "FILE");
		return ctl_policy_check(argv[2]);
	}
	if (strcmp(argv[1], "show") == 0)
		return ctl_policy_show(argc - 1, argv + 1);
	ctl_policy_die("unknown subcommand \"%.32s\" (check or show)", argv[1]);
}
