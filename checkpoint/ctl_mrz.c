/* ctl_mrz.c - "checkpointctl mrz parse" reads MRZ text on stdin (each
 * document is a run of non-empty lines between blank lines) and prints one
 * result per document, as a summary or one JSON object per line;
 * "checkpointctl mrz make" composes an MRZ from options. Both are
 * common/mrz.c from a shell and need no daemon. */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "date.h"
#include "err.h"
#include "mrz.h"

#define EXIT_USAGE	2
#define CTL_GROUP_MAX	4096	/* bytes kept of a document (more: error) */

static const char ctl_mrz_text[] =
	"usage: checkpointctl mrz parse [--json] [--today YYYY-MM-DD]\n"
	"       checkpointctl mrz make --format F ... (see mrz make --help)\n"
	"\n"
	"Reads and writes ICAO Doc 9303 machine-readable zones: TD1 (3 x 30),\n"
	"TD2 (2 x 36), TD3 passports (2 x 44), MRV-A (2 x 44) and MRV-B\n"
	"(2 x 36) visas. Needs no daemon. See docs/mrz.md.\n";

static const char ctl_mrz_parse_text[] =
	"usage: checkpointctl mrz parse [--json] [--today YYYY-MM-DD]\n"
	"\n"
	"Reads MRZ text on standard input. Each document is a run of\n"
	"non-empty lines; blank lines separate documents. Prints one result\n"
	"per document, in order: a summary, or with --json one JSON object\n"
	"per line with the keys format, document_code, issuing_state,\n"
	"nationality, document_number, birth_date, expiry_date, sex, surname,\n"
	"given_names, optional_data, valid and errors, then birth_date_iso,\n"
	"expiry_date_iso, warnings and input_line. Each error and warning has\n"
	"field, code, line, column (in the MRZ, 1-based) and message.\n"
	"\n"
	"  --json               one JSON object per document and line\n"
	"  --today DATE         the date two-digit years are resolved against\n"
	"                       (default: today, UTC)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 when all input was read, even if documents are\n"
	"invalid (each result says so); 1 if standard input cannot be read;\n"
	"2 for bad arguments.\n";

static const char ctl_mrz_make_text[] =
	"usage: checkpointctl mrz make --format TD1|TD2|TD3|MRVA|MRVB\n"
	"           [--document-code P] --issuing-state UTO --surname S\n"
	"           [--given-names G] --number N --nationality UTO\n"
	"           --birth-date YYMMDD|YYYY-MM-DD --sex M|F|X\n"
	"           --expiry-date YYMMDD|YYYY-MM-DD [--optional-data D]\n"
	"           [--optional-data-2 D] [--today YYYY-MM-DD]\n"
	"\n"
	"Prints the MRZ lines of a document with every check digit computed.\n"
	"Names in capitals A-Z; spaces and hyphens become fillers,\n"
	"apostrophes are dropped; a name too long for its field is\n"
	"truncated (with a warning on stderr). A number longer than 9\n"
	"characters continues in the optional data (TD1, TD2, MRV). A\n"
	"YYYY-MM-DD date must read back as itself: two-digit birth years\n"
	"resolve to the latest date not after today, expiry years to within\n"
	"50 years of today.\n"
	"\n"
	"  --format             TD1, TD2, TD3, MRVA or MRVB\n"
	"  --document-code      1 or 2 letters (default P for TD3, I for TD1\n"
	"                       and TD2, V for visas)\n"
	"  --issuing-state      ICAO code of the issuer, 1 to 3 letters\n"
	"  --surname            primary identifier\n"
	"  --given-names        secondary identifiers (default none)\n"
	"  --number             document number, capitals and digits\n"
	"  --nationality        ICAO code of the holder's nationality\n"
	"  --birth-date         YYMMDD (fillers for an unknown part) or\n"
	"                       YYYY-MM-DD\n"
	"  --sex                M, F or X (unspecified, printed <)\n"
	"  --expiry-date        YYMMDD or YYYY-MM-DD\n"
	"  --optional-data      TD3: the personal number; otherwise the\n"
	"                       optional data (TD1: of line 1)\n"
	"  --optional-data-2    TD1: the optional data of line 2\n"
	"  --today DATE         resolve two-digit years against DATE\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 printed, 2 bad arguments.\n";

static void
ctl_mrz_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void
ctl_mrz_usage(const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "checkpointctl: mrz%s%s: ", cmd[0] != '\0' ? " " : "",
	    cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'checkpointctl mrz %s%s--help'.\n", cmd,
	    cmd[0] != '\0' ? " " : "");
	exit(EXIT_USAGE);
}

/* The option getopt just failed on, for a message. */
static const char *
ctl_mrz_badopt(char *argv[], char *buf, size_t bufsz)
{
	if (optopt != 0 && optopt < 0x80) {
		(void)snprintf(buf, bufsz, "-%c", optopt);
		return buf;
	}
	return argv[optind - 1];
}

static void
ctl_mrz_today(const char *cmd, const char *s, struct date *out)
{
	if (date_parse_iso(out, s, strlen(s)) != 0)
		ctl_mrz_usage(cmd, "--today must be a date YYYY-MM-DD, got "
		    "\"%s\"", s);
}

/* ---- parse -------------------------------------------------------- */

static json_t *
ctl_mrz_str(const char *s)
{
	return json_string(s);
}

static json_t *
ctl_mrz_problems(const struct mrz_problem *p, size_t n)
{
	json_t	*a, *o;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s, s:o, s:o, s:s}",
		    "field", p[i].field, "code", p[i].code,
		    "line", p[i].line > 0 ? json_integer(p[i].line) :
		    json_null(),
		    "column", p[i].column > 0 ? json_integer(p[i].column) :
		    json_null(),
		    "message", p[i].message);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
ctl_mrz_date(int known, const struct date *d)
{
	char	buf[16];

	if (!known || date_format_iso(d, buf, sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

/* One document as one line of JSON; 0, or -1 if out of memory. */
static int
ctl_mrz_json(const struct mrz *m, unsigned long input_line)
{
	const char	*fmt = mrz_format_name(m->format);
	json_t		*o;
	char		 od[32], sex[2];
	int		 known = fmt != NULL, rc = 0;

	if (mrz_optional_data(m, od, sizeof(od)) != 0)
		od[0] = '\0';
	sex[0] = m->sex;
	sex[1] = '\0';
#define STR(s) (known ? ctl_mrz_str(s) : json_null())
	o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:b, s:o, s:o, s:o, s:o, s:I}",
	    "format", fmt != NULL ? json_string(fmt) : json_null(),
	    "document_code", STR(m->document_code),
	    "issuing_state", STR(m->issuing_state),
	    "nationality", STR(m->nationality),
	    "document_number", STR(m->number),
	    "birth_date", STR(m->birth_date),
	    "expiry_date", STR(m->expiry_date),
	    "sex", STR(sex),
	    "surname", STR(m->surname),
	    "given_names", STR(m->given_names),
	    "optional_data", STR(od),
	    "valid", m->valid,
	    "errors", ctl_mrz_problems(m->report.err, m->report.nerr),
	    "birth_date_iso", ctl_mrz_date(m->birth_known, &m->birth),
	    "expiry_date_iso", ctl_mrz_date(m->expiry_known, &m->expiry),
	    "warnings", ctl_mrz_problems(m->report.warn, m->report.nwarn),
	    "input_line", (json_int_t)input_line);
#undef STR
	if (o == NULL)
		return -1;
	if (json_dumpf(o, stdout, JSON_COMPACT) != 0)
		rc = -1;
	putchar('\n');
	json_decref(o);
	return rc;
}

static void
ctl_mrz_problem_line(const char *kind, const struct mrz_problem *p)
{
	printf("  %s: ", kind);
	if (p->line > 0 && p->column > 0)
		printf("line %d, column %d ", p->line, p->column);
	else if (p->line > 0)
		printf("line %d ", p->line);
	printf("(%s): %s\n", p->field, p->message);
}

static void
ctl_mrz_summary(const struct mrz *m, unsigned long ndoc,
    unsigned long input_line)
{
	const char	*fmt = mrz_format_name(m->format);
	char		 od[32], iso[16];
	size_t		 i;

	printf("document %lu (input line %lu): ", ndoc, input_line);
	if (fmt == NULL)
		printf("not a machine-readable zone\n");
	else if (m->valid)
		printf("%s, valid\n", fmt);
	else
		printf("%s, NOT VALID (%zu error%s)\n", fmt, m->report.nerr,
		    m->report.nerr == 1 ? "" : "s");
	if (fmt != NULL) {
		if (mrz_optional_data(m, od, sizeof(od)) != 0)
			od[0] = '\0';
		printf("  document code    %s\n", m->document_code);
		printf("  issuing state    %s\n", m->issuing_state);
		printf("  document number  %s\n", m->number);
		printf("  surname          %s\n", m->surname);
		printf("  given names      %s\n", m->given_names);
		printf("  nationality      %s\n", m->nationality);
		printf("  birth date       %s", m->birth_date);
		if (m->birth_known &&
		    date_format_iso(&m->birth, iso, sizeof(iso)) == 0)
			printf(" (%s)", iso);
		printf("\n  sex              %c\n", m->sex);
		printf("  expiry date      %s", m->expiry_date);
		if (m->expiry_known &&
		    date_format_iso(&m->expiry, iso, sizeof(iso)) == 0)
			printf(" (%s)", iso);
		printf("\n  optional data    %s\n", od);
	}
	for (i = 0; i < m->report.nerr; i++)
		ctl_mrz_problem_line("error", &m->report.err[i]);
	for (i = 0; i < m->report.nwarn; i++)
		ctl_mrz_problem_line("warning", &m->report.warn[i]);
	if (m->report.dropped > 0)
		printf("  (%zu more problems not shown)\n", m->report.dropped);
}

struct ctl_group {
	char		 buf[CTL_GROUP_MAX];
	size_t		 len;
	int		 full;		/* more than buf holds */
	unsigned long	 first_line;	/* where it starts in the input */
};

static void
ctl_group_add(struct ctl_group *g, const char *s, size_t n)
{
	size_t	room = sizeof(g->buf) - g->len;

	if (g->full)
		return;
	if (n > room) {
		/* Fill it: a full buffer is longer than any MRZ, and
		 * mrz_parse() says so without reading it. */
		memcpy(g->buf + g->len, s, room);
		g->len += room;
		g->full = 1;
		return;
	}
	memcpy(g->buf + g->len, s, n);
	g->len += n;
}

/* Is line[0..n) blank: nothing but spaces, tabs and CR? */
static int
ctl_blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static struct mrz	ctl_doc;

static int
ctl_group_flush(struct ctl_group *g, int json, const struct date *today,
    unsigned long *ndoc)
{
	int	rc = 0;

	if (g->len == 0)
		return 0;
	(void)mrz_parse(&ctl_doc, g->buf, g->len, today);
	++*ndoc;
	if (json)
		rc = ctl_mrz_json(&ctl_doc, g->first_line);
	else
		ctl_mrz_summary(&ctl_doc, *ndoc, g->first_line);
	/* A lane terminal reading our answers sees each at once. */
	(void)fflush(stdout);
	g->len = 0;
	g->full = 0;
	return rc;
}

static int
ctl_mrz_parse(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "today",	required_argument,	NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	static struct ctl_group	 g;
	struct date		 today, *tp = NULL;
	char			 line[512], ob[8];
	unsigned long		 lineno = 0, ndoc = 0;
	size_t			 n;
	int			 ch, json = 0, midline;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 't':
			ctl_mrz_today("parse", optarg, &today);
			tp = &today;
			break;
		case 'h':
			fputs(ctl_mrz_parse_text, stdout);
			return 0;
		case ':':
			ctl_mrz_usage("parse", "%s needs a value",
			    argv[optind - 1]);
		default:
			ctl_mrz_usage("parse", "unknown option %s",
			    ctl_mrz_badopt(argv, ob, sizeof(ob)));
		}
	}
	if (optind < argc)
		ctl_mrz_usage("parse", "unexpected argument \"%s\" (the MRZ "
		    "text comes on standard input)", argv[optind]);

	g.len = 0;
	g.full = 0;
	/* Lines of any length, read in pieces of sizeof(line). */
	n = 0;
	midline = 0;
	for (;;) {
		ch = getc(stdin);
		if (ch != EOF && ch != '\n') {
			line[n++] = (char)ch;
			if (n < sizeof(line))
				continue;
			if (g.len == 0 && !g.full && !midline)
				g.first_line = lineno + 1;
			ctl_group_add(&g, line, n);
			n = 0;
			midline = 1;
			continue;
		}
		if (ch == EOF && n == 0 && !midline)
			break;
		if (!midline && ctl_blank(line, n)) {
			if (ctl_group_flush(&g, json, tp, &ndoc) != 0)
				goto nomem;
		} else {
			if (g.len == 0 && !g.full && !midline)
				g.first_line = lineno + 1;
			ctl_group_add(&g, line, n);
			ctl_group_add(&g, "\n", 1);
		}
		lineno++;
		n = 0;
		midline = 0;
		if (ch == EOF)
			break;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "checkpointctl: mrz parse: cannot read "
		    "standard input\n");
		return 1;
	}
	if (ctl_group_flush(&g, json, tp, &ndoc) != 0)
		goto nomem;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "checkpointctl: mrz parse: cannot write "
		    "standard output\n");
		return 1;
	}
	return 0;
nomem:
	fprintf(stderr, "checkpointctl: mrz parse: out of memory\n");
	return 1;
}

/* ---- make --------------------------------------------------------- */

enum ctl_make_opt {
	MO_FORMAT = 1, MO_CODE, MO_STATE, MO_SURNAME, MO_GIVEN, MO_NUMBER,
	MO_NAT, MO_BIRTH, MO_SEX, MO_EXPIRY, MO_OPT, MO_OPT2, MO_TODAY,
	MO_COUNT
};

/* Option names by enum, the field each fills, and whether required. */
static const struct {
	const char	*opt;
	const char	*field;
	int		 required;
} ctl_make[MO_COUNT] = {
	[MO_FORMAT] = { "format", "format", 1 },
	[MO_CODE] = { "document-code", "document_code", 0 },
	[MO_STATE] = { "issuing-state", "issuing_state", 1 },
	[MO_SURNAME] = { "surname", "surname", 1 },
	[MO_GIVEN] = { "given-names", "given_names", 0 },
	[MO_NUMBER] = { "number", "document_number", 1 },
	[MO_NAT] = { "nationality", "nationality", 1 },
	[MO_BIRTH] = { "birth-date", "birth_date", 1 },
	[MO_SEX] = { "sex", "sex", 1 },
	[MO_EXPIRY] = { "expiry-date", "expiry_date", 1 },
	[MO_OPT] = { "optional-data", "optional_data", 0 },
	[MO_OPT2] = { "optional-data-2", "optional_data", 0 },
	[MO_TODAY] = { "today", "", 0 },
};

static void
ctl_make_set(char *dst, size_t dstsz, const char *val, int which)
{
	int	n;

	n = snprintf(dst, dstsz, "%s", val);
	if (n < 0 || (size_t)n >= dstsz)
		ctl_mrz_usage("make", "--%s is longer than %zu characters",
		    ctl_make[which].opt, dstsz - 1);
}

/* YYMMDD as given, or YYYY-MM-DD turned into YYMMDD (*iso set). */
static void
ctl_make_date(char out[7], const char *val, int which, struct date *iso,
    int *have_iso)
{
	size_t	n = strlen(val);

	*have_iso = 0;
	if (n == 10) {
		if (date_parse_iso(iso, val, n) != 0)
			ctl_mrz_usage("make", "--%s \"%s\" is not a calendar "
			    "date YYYY-MM-DD", ctl_make[which].opt, val);
		out[0] = (char)('0' + iso->year / 10 % 10);
		out[1] = (char)('0' + iso->year % 10);
		out[2] = (char)('0' + iso->month / 10);
		out[3] = (char)('0' + iso->month % 10);
		out[4] = (char)('0' + iso->day / 10);
		out[5] = (char)('0' + iso->day % 10);
		out[6] = '\0';
		*have_iso = 1;
		return;
	}
	if (n != 6)
		ctl_mrz_usage("make", "--%s must be YYMMDD or YYYY-MM-DD, got "
		    "\"%s\"", ctl_make[which].opt, val);
	memcpy(out, val, 7);
}

static const char *
ctl_make_opt_of(const char *field)
{
	int	i;

	for (i = 1; i < MO_COUNT; i++)
		if (strcmp(ctl_make[i].field, field) == 0)
			return ctl_make[i].opt;
	return field;
}

static int
ctl_mrz_make(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "format",	     required_argument, NULL, MO_FORMAT },
		{ "document-code",   required_argument, NULL, MO_CODE },
		{ "issuing-state",   required_argument, NULL, MO_STATE },
		{ "surname",	     required_argument, NULL, MO_SURNAME },
		{ "given-names",     required_argument, NULL, MO_GIVEN },
		{ "number",	     required_argument, NULL, MO_NUMBER },
		{ "nationality",     required_argument, NULL, MO_NAT },
		{ "birth-date",	     required_argument, NULL, MO_BIRTH },
		{ "sex",	     required_argument, NULL, MO_SEX },
		{ "expiry-date",     required_argument, NULL, MO_EXPIRY },
		{ "optional-data",   required_argument, NULL, MO_OPT },
		{ "optional-data-2", required_argument, NULL, MO_OPT2 },
		{ "today",	     required_argument, NULL, MO_TODAY },
		{ "help",	     no_argument,	NULL, 'h' },
		{ NULL,		     0,			NULL, 0 }
	};
	static struct mrz	 m, back;
	struct mrz_report	 rep;
	struct date		 today, *tp = NULL, biso, eiso;
	char			 out[MRZ_COMPOSED_MAX], ob[8], want[16];
	char			 got[16];
	int			 seen[MO_COUNT], ch, i, bhave = 0, ehave = 0;
	size_t			 k;

	memset(&m, 0, sizeof(m));
	memset(seen, 0, sizeof(seen));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(ctl_mrz_make_text, stdout);
			return 0;
		}
		if (ch == ':')
			ctl_mrz_usage("make", "%s needs a value",
			    argv[optind - 1]);
		if (ch < 1 || ch >= MO_COUNT)
			ctl_mrz_usage("make", "unknown option %s",
			    ctl_mrz_badopt(argv, ob, sizeof(ob)));
		if (seen[ch]++)
			ctl_mrz_usage("make", "--%s given twice",
			    ctl_make[ch].opt);
		switch (ch) {
		case MO_FORMAT:
			if (mrz_format_parse(optarg, &m.format) != 0)
				ctl_mrz_usage("make", "--format must be TD1, "
				    "TD2, TD3, MRVA or MRVB, got \"%s\"",
				    optarg);
			break;
		case MO_CODE:
			ctl_make_set(m.document_code,
			    sizeof(m.document_code), optarg, ch);
			break;
		case MO_STATE:
			ctl_make_set(m.issuing_state,
			    sizeof(m.issuing_state), optarg, ch);
			break;
		case MO_SURNAME:
			ctl_make_set(m.surname, sizeof(m.surname), optarg,
			    ch);
			break;
		case MO_GIVEN:
			ctl_make_set(m.given_names, sizeof(m.given_names),
			    optarg, ch);
			break;
		case MO_NUMBER:
			ctl_make_set(m.number, sizeof(m.number), optarg, ch);
			break;
		case MO_NAT:
			ctl_make_set(m.nationality, sizeof(m.nationality),
			    optarg, ch);
			break;
		case MO_BIRTH:
			ctl_make_date(m.birth_date, optarg, ch, &biso,
			    &bhave);
			break;
		case MO_SEX:
			if (strlen(optarg) != 1)
				ctl_mrz_usage("make", "--sex must be M, F or "
				    "X, got \"%s\"", optarg);
			m.sex = optarg[0];
			break;
		case MO_EXPIRY:
			ctl_make_date(m.expiry_date, optarg, ch, &eiso,
			    &ehave);
			break;
		case MO_OPT:
			ctl_make_set(m.optional1, sizeof(m.optional1),
			    optarg, ch);
			break;
		case MO_OPT2:
			ctl_make_set(m.optional2, sizeof(m.optional2),
			    optarg, ch);
			break;
		case MO_TODAY:
			ctl_mrz_today("make", optarg, &today);
			tp = &today;
			break;
		}
	}
	if (optind < argc)
		ctl_mrz_usage("make", "unexpected argument \"%s\"",
		    argv[optind]);
	for (i = 1; i < MO_COUNT; i++)
		if (ctl_make[i].required && !seen[i])
			ctl_mrz_usage("make", "--%s is required",
			    ctl_make[i].opt);
	if (!seen[MO_CODE])
		(void)snprintf(m.document_code, sizeof(m.document_code), "%s",
		    m.format == MRZ_TD3 ? "P" : m.format == MRZ_MRVA ||
		    m.format == MRZ_MRVB ? "V" : "I");

	if (mrz_compose(&m, out, sizeof(out), NULL, &rep) != 0) {
		for (k = 0; k < rep.nerr; k++)
			fprintf(stderr, "checkpointctl: mrz make: --%s: %s\n",
			    ctl_make_opt_of(rep.err[k].field),
			    rep.err[k].message);
		fprintf(stderr, "Try 'checkpointctl mrz make --help'.\n");
		return EXIT_USAGE;
	}
	for (k = 0; k < rep.nwarn; k++)
		fprintf(stderr, "checkpointctl: mrz make: warning: --%s: %s\n",
		    ctl_make_opt_of(rep.warn[k].field), rep.warn[k].message);

	/* What a reader will make of it: the dates given must come back. */
	if (mrz_parse(&back, out, strlen(out), tp) != 0) {
		for (k = 0; k < back.report.nerr; k++)
			fprintf(stderr, "checkpointctl: mrz make: --%s: %s\n",
			    ctl_make_opt_of(back.report.err[k].field),
			    back.report.err[k].message);
		return EXIT_USAGE;
	}
	if (bhave && date_to_days(&biso) > (tp != NULL ?
	    date_to_days(tp) : date_now_ms() / 86400000))
		ctl_mrz_usage("make", "--birth-date is after today");
	if (bhave && (!back.birth_known ||
	    date_to_days(&back.birth) != date_to_days(&biso))) {
		(void)date_format_iso(&biso, want, sizeof(want));
		if (date_format_iso(&back.birth, got, sizeof(got)) != 0 ||
		    !back.birth_known)
			(void)snprintf(got, sizeof(got), "nothing");
		ctl_mrz_usage("make", "--birth-date %s would read back as %s: "
		    "an MRZ keeps two digits of the year, and readers take "
		    "the latest date not after today", want, got);
	}
	if (ehave && (!back.expiry_known ||
	    date_to_days(&back.expiry) != date_to_days(&eiso))) {
		(void)date_format_iso(&eiso, want, sizeof(want));
		if (date_format_iso(&back.expiry, got, sizeof(got)) != 0 ||
		    !back.expiry_known)
			(void)snprintf(got, sizeof(got), "nothing");
		ctl_mrz_usage("make", "--expiry-date %s would read back as %s: "
		    "an MRZ keeps two digits of the year, and readers take "
		    "the year within 50 years of today", want, got);
	}
	printf("%s\n", out);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "checkpointctl: mrz make: cannot write "
		    "standard output\n");
		return 1;
	}
	return 0;
}

int
ctl_mrz_main(int argc, char *argv[])
{
	const char	*sub;

	if (argc < 2)
		ctl_mrz_usage("", "parse or make?");
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 ||
	    strcmp(sub, "help") == 0) {
		fputs(ctl_mrz_text, stdout);
		return 0;
	}
	if (strcmp(sub, "parse") == 0)
		return ctl_mrz_parse(argc - 1, argv + 1);
	if (strcmp(sub, "make") == 0)
		return ctl_mrz_make(argc - 1, argv + 1);
	ctl_mrz_usage("", "unknown command \"%s\" (parse or make)", sub);
}
