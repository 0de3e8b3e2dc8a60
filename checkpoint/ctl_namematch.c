/* ctl_namematch.c - "checkpointctl namematch" scores watchlist/traveller
 * pairs read as JSON lines on stdin with common/namematch.c and prints one
 * JSON line per pair, so that an administrator can try a threshold on
 * their own data. Needs no daemon. A bad line is reported on stderr with
 * its number and skipped; the rest are still scored. */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "err.h"
#include "namematch.h"

#define EXIT_USAGE	2

static const char ctl_namematch_text[] =
	"usage: checkpointctl namematch [--threshold T]\n"
	"\n"
	"Reads one JSON object per line on standard input:\n"
	"  {\"id\": \"p1\",\n"
	"   \"watchlist\": {\"surname\": \"Жумабаев\", \"given_names\": "
	"\"Ерлан Серикович\",\n"
	"                 \"birth_date\": \"1984-03-07\", \"nationality\": "
	"\"KAZ\"},\n"
	"   \"traveller\": {\"surname\": \"ZHUMABAYEV\", \"given_names\": "
	"\"YERLAN\",\n"
	"                 \"birth_date\": \"1984-03-07\", \"nationality\": "
	"\"KAZ\"}}\n"
	"and prints one per pair, in order:\n"
	"  {\"id\": \"p1\", \"match\": true, \"score\": 0.941, \"why\": "
	"\"...\", \"line\": 1}\n"
	"\n"
	"Names in any alphabet (Latin, Cyrillic); given_names, birth_date\n"
	"(YYYY-MM-DD, YYYY-MM or YYYY) and nationality (ICAO code) may be\n"
	"null or left out. \"id\" is a string or an integer. Other keys at\n"
	"the top level are ignored; a person takes no other keys. Blank\n"
	"lines are skipped. The score is 0..1; match is score >= T. See\n"
	"docs/namematch.md.\n"
	"\n"
	"  --threshold T        0..1 (default ";

static const char ctl_namematch_text2[] =
	")\n"
	"  -h, --help           show this help\n"
	"\n"
	"A bad line is reported on standard error as \"line N: field: what\"\n"
	"and skipped; the other lines are still scored.\n"
	"Exit status: 0 every line scored, 1 standard input or output\n"
	"failed, 2 bad arguments or at least one bad line.\n";

static void
ctl_namematch_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void
ctl_namematch_usage(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "checkpointctl: namematch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'checkpointctl namematch --help'.\n");
	exit(EXIT_USAGE);
}

/* Reads one line, without its newline (and a CR before it), into buf of
 * bufsz bytes. Returns 1 with *len set, 0 at the end of input, -1 on a
 * read error; *toolong is set (and the line consumed) when it did not
 * fit. */
static int
ctl_namematch_getline(FILE *fp, char *buf, size_t bufsz, size_t *len,
    int *toolong)
{
	size_t	n = 0;
	int	c, any = 0;

	*toolong = 0;
	while ((c = getc(fp)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (n + 1 < bufsz)
			buf[n++] = (char)c;
		else
			*toolong = 1;
	}
	if (ferror(fp))
		return -1;
	if (!any)
		return 0;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 1;
}

static int
ctl_namematch_blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Prints the answer for one pair; 0, or -1 if it cannot be written. */
static int
ctl_namematch_print(const struct namematch_line *l, double threshold,
    unsigned long lineno)
{
	struct namematch_result	 res;
	json_t			*o, *id;
	int			 rc = 0;

	namematch_score(&l->watch, &l->trav, &res);
	id = json_loads(l->id, JSON_DECODE_ANY, NULL);
	o = json_pack("{s:o?, s:b, s:f, s:s, s:I}", "id", id,
	    "match", res.score >= threshold, "score", res.score,
	    "why", res.why, "line", (json_int_t)lineno);
	if (o == NULL)
		return -1;
	if (json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(3)) != 0)
		rc = -1;
	if (putchar('\n') == EOF)
		rc = -1;
	json_decref(o);
	return rc;
}

int
ctl_namematch_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "threshold",	required_argument,	NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	static char		 buf[NAMEMATCH_LINE_MAX + 2];
	struct namematch_line	 l;
	struct namematch_err	 e;
	double			 threshold = NAMEMATCH_DEFAULT_THRESHOLD;
	unsigned long		 lineno = 0, bad = 0;
	size_t			 len;
	char			*end;
	int			 ch, r, toolong;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			threshold = strtod(optarg, &end);
			if (end == optarg || *end != '\0' ||
			    !isfinite(threshold) || threshold < 0.0 ||
			    threshold > 1.0)
				ctl_namematch_usage("--threshold must be a "
				    "number from 0 to 1, got \"%s\"", optarg);
			break;
		case 'h':
			printf("%s%.2f%s", ctl_namematch_text,
			    NAMEMATCH_DEFAULT_THRESHOLD, ctl_namematch_text2);
			return 0;
		case ':':
			ctl_namematch_usage("%s needs a value",
			    argv[optind - 1]);
		default:
			ctl_namematch_usage("unknown option %s",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		ctl_namematch_usage("unexpected argument \"%s\"",
		    argv[optind]);

	while ((r = ctl_namematch_getline(stdin, buf, sizeof(buf), &len,
	    &toolong)) == 1) {
		lineno++;
		if (toolong) {
			fprintf(stderr, "checkpointctl: namematch: line %lu: "
			    "longer than %d bytes\n", lineno,
			    NAMEMATCH_LINE_MAX);
			bad++;
			continue;
		}
		if (ctl_namematch_blank(buf, len))
			continue;
		memset(&e, 0, sizeof(e));
		if (namematch_parse_line(&l, buf, len, &e) != 0) {
			fprintf(stderr, "checkpointctl: namematch: line %lu: "
			    "%s%s%s\n", lineno, e.field,
			    e.field[0] != '\0' ? ": " : "", e.msg);
			bad++;
			continue;
		}
		if (ctl_namematch_print(&l, threshold, lineno) != 0) {
			fprintf(stderr, "checkpointctl: namematch: cannot "
			    "write the answer for line %lu\n", lineno);
			return 1;
		}
	}
	if (r < 0) {
		fprintf(stderr, "checkpointctl: namematch: reading standard "
		    "input failed after line %lu\n", lineno);
		return 1;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "checkpointctl: namematch: cannot write "
		    "standard output\n");
		return 1;
	}
	if (bad > 0) {
		fprintf(stderr, "checkpointctl: namematch: %lu bad line%s "
		    "of %lu\n", bad, bad == 1 ? "" : "s", lineno);
		return EXIT_USAGE;
	}
	return 0;
}
