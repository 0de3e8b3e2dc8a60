/* centralctl.c - the centre's command line: list the crossings the posts
 * have pushed (CSV, JSON lines or a table) and show the schema's migration
 * state. Reads PostgreSQL directly, with central.yaml's conninfo or --db. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "cctl.h"
#include "cencfg.h"
#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "proto.h"

#define CTL_TABLE_ROWS	1000	/* rows per aligned block of a table */

enum ctl_format { CTL_CSV, CTL_JSON, CTL_TABLE };

/* Output state of one listing. */
struct ctl_out {
	enum ctl_format	  fmt;
	FILE		 *fp;
	char		**rows;		/* table: buffered values */
	size_t		  nrows;
	int		  header_done;
};

static void
ctl_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: centralctl [-c central.yaml | --db CONNINFO] COMMAND ...\n"
	    "       centralctl --help | COMMAND --help\n"
	    "\n"
	    "commands:\n"
	    "  crossings [--post CODE] [--since TIME] [--until TIME]\n"
	    "            [--format csv|json|table] [--limit N]\n"
	    "                 the crossings stored at the centre\n"
	    "  migrate-status the schema migrations and whether the schema\n"
	    "                 is current (exit 1 if not)\n"
	    "  feed head      the feed's head position\n"
	    "  feed export --since V [--key FILE] FILE\n"
	    "                 signed feed frames after V, for import at a post\n"
	    "  stays show STATE NUMBER\n"
	    "                 a traveller's stay state (JSON)\n"
	    "  stays derive [--today DATE]\n"
	    "                 derive the stay states of new crossings now\n"
	    "  alert document|person put|remove|list|import ...\n"
	    "                 watchlists: documents and persons\n"
	    "  permit put|remove|list|import ...\n"
	    "                 visas and permits\n"
	    "  registration put|remove|list|import ...\n"
	    "                 registrations at a place of residence\n"
	    "  officer put|disable|enable|list ...\n"
	    "                 officers who sign in at the lanes (PINs)\n"
	    "  policy load FILE | show [VERSION] | list\n"
	    "                 the stay policy\n"
	    "  post enrol CODE --cert FILE.pem | revoke CODE | list\n"
	    "                 posts and their client certificates\n"
	    "                 (see docs/admin.md)\n"
	    "  user add|passwd|set|list ...\n"
	    "                 people of the people's API and their roles\n"
	    "                 (see docs/people.md)\n"
	    "  token create|list|revoke ...\n"
	    "                 their API tokens\n"
	    "  api routes     every route of the people's API and its roles\n"
	    "  overstays | work-permits-ended | unregistered [filters]\n"
	    "                 the inspectors' queries (docs/queries.md)\n"
	    "  history STATE NUMBER\n"
	    "                 one travel document's whole history (JSON)\n"
	    "  audit verify | list | sign ...\n"
	    "                 the audit trail: check every chain and signed\n"
	    "                 head, list events, sign heads (docs/audit.md)\n"
	    "\n"
	    "options:\n"
	    "  -c, --config FILE  read the database conninfo from central.yaml\n"
	    "      --db CONNINFO  a libpq connection string instead\n"
	    "      --as NAME      who is making a change (recorded with it);\n"
	    "                     default: the login user\n"
	    "  -h, --help         show this help\n");
}

static void
ctl_crossings_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: centralctl [-c FILE | --db CONNINFO] crossings [options]\n"
	    "\n"
	    "Lists stored crossings ordered by post and seq.\n"
	    "\n"
	    "  --post CODE        only this post's crossings\n"
	    "  --since TIME       recorded at or after TIME\n"
	    "  --until TIME       recorded before TIME\n"
	    "  --format FMT       csv (header line, RFC 4180 quoting), json\n"
	    "                     (one object per line) or table; default:\n"
	    "                     table on a terminal, else csv\n"
	    "  --limit N          at most N crossings\n"
	    "\n"
	    "TIME is RFC 3339 (2026-11-27T01:02:03Z, 2026-11-27T06:02:03+05:00)\n"
	    "or a date YYYY-MM-DD, meaning its midnight UTC.\n"
	    "Columns: post,seq,recorded_at,direction,lane,officer,outcome,\n"
	    "doc_type,issuing_state,doc_number,nationality,surname,\n"
	    "given_names,birth_date,sex,expiry_date.\n");
}

void
cctl_bad_usage(const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "centralctl%s%s: ", cmd != NULL ? " " : "",
	    cmd != NULL ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'centralctl %s%s--help'.\n",
	    cmd != NULL ? cmd : "", cmd != NULL ? " " : "");
	exit(CCTL_EXIT_USAGE);
}

/*
 * One option of the form --name VALUE or --name=VALUE at argv[*i]. Returns
 * 1 and sets *val (advancing *i past a separate value) if argv[*i] is that
 * option, 0 if it is not.
 */
int
cctl_opt(const char *cmd, int argc, char **argv, int *i, const char *name,
    const char **val)
{
	const char	*a = argv[*i];
	size_t		 n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		cctl_bad_usage(cmd, "option %s needs a value", name);
	*val = argv[++*i];
	return 1;
}

/* RFC 3339, or YYYY-MM-DD meaning its midnight UTC. */
static int
ctl_parse_time(const char *s, int64_t *ms)
{
	struct date	d;
	size_t		len = strlen(s);

	if (len == 10) {
		if (date_parse_iso(&d, s, len) != 0)
			return ERR_PARSE;
		*ms = date_to_days(&d) * 86400000LL;
		return 0;
	}
	return date_parse_rfc3339(ms, s, len);
}

static void
ctl_csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static int
ctl_row_csv(struct ctl_out *o, const char *const vals[DB_NCOLS])
{
	int	i;

	for (i = 0; i < DB_NCOLS; i++) {
		if (i > 0)
			fputc(',', o->fp);
		ctl_csv_field(o->fp, vals[i]);
	}
	fputc('\n', o->fp);
	return ferror(o->fp) ? ERR_IO : 0;
}

static int
ctl_row_json(struct ctl_out *o, const char *const vals[DB_NCOLS])
{
	json_t		*obj, *v;
	char		*line, *end;
	long long	 n;
	int		 i, rc = 0;

	if ((obj = json_object()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < DB_NCOLS && rc == 0; i++) {
		if (i == DB_COL_SEQ || i == DB_COL_LANE) {
			errno = 0;
			n = strtoll(vals[i], &end, 10);
			if (errno != 0 || end == vals[i] || *end != '\0') {
				rc = ERR_PARSE;
				break;
			}
			v = json_integer((json_int_t)n);
		} else
			v = json_string(vals[i]);
		if (v == NULL || json_object_set_new(obj, db_col_names[i],
		    v) != 0)
			rc = v == NULL ? ERR_PARSE : ERR_NOMEM;
	}
	if (rc == 0) {
		if ((line = json_dumps(obj, JSON_COMPACT)) == NULL)
			rc = ERR_NOMEM;
		else {
			fprintf(o->fp, "%s\n", line);
			free(line);
			if (ferror(o->fp))
				rc = ERR_IO;
		}
	}
	json_decref(obj);
	return rc;
}

/* Display width of UTF-8 text: one column per code point. */
static size_t
ctl_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int
ctl_table_flush(struct ctl_out *o)
{
	size_t	w[DB_NCOLS], r, k;
	int	i;

	if (o->nrows == 0 && o->header_done)
		return 0;
	for (i = 0; i < DB_NCOLS; i++)
		w[i] = ctl_width(db_col_names[i]);
	for (r = 0; r < o->nrows; r++)
		for (i = 0; i < DB_NCOLS; i++)
			if ((k = ctl_width(o->rows[r * DB_NCOLS + i])) > w[i])
				w[i] = k;
	for (r = 0; r <= o->nrows; r++) {
		for (i = 0; i < DB_NCOLS; i++) {
			const char	*v = r == 0 ? db_col_names[i] :
					    o->rows[(r - 1) * DB_NCOLS + i];

			fputs(v, o->fp);
			if (i + 1 < DB_NCOLS)
				for (k = ctl_width(v); k < w[i] + 2; k++)
					fputc(' ', o->fp);
		}
		fputc('\n', o->fp);
	}
	o->header_done = 1;
	for (r = 0; r < o->nrows * DB_NCOLS; r++)
		free(o->rows[r]);
	o->nrows = 0;
	return ferror(o->fp) ? ERR_IO : 0;
}

static int
ctl_row_table(struct ctl_out *o, const char *const vals[DB_NCOLS])
{
	int	i;

	if (o->rows == NULL && (o->rows = calloc((size_t)CTL_TABLE_ROWS *
	    DB_NCOLS, sizeof(*o->rows))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < DB_NCOLS; i++) {
		if ((o->rows[o->nrows * DB_NCOLS + (size_t)i] =
		    strdup(vals[i])) == NULL) {
			while (--i >= 0)
				free(o->rows[o->nrows * DB_NCOLS + (size_t)i]);
			return ERR_NOMEM;
		}
	}
	if (++o->nrows == CTL_TABLE_ROWS)
		return ctl_table_flush(o);
	return 0;
}

static int
ctl_row(void *arg, const char *const vals[DB_NCOLS])
{
	struct ctl_out	*o = arg;
	int		 i;

	if (o->fmt == CTL_CSV && !o->header_done) {
		for (i = 0; i < DB_NCOLS; i++)
			fprintf(o->fp, "%s%s", i > 0 ? "," : "",
			    db_col_names[i]);
		fputc('\n', o->fp);
		o->header_done = 1;
	}
	switch (o->fmt) {
	case CTL_CSV:
		return ctl_row_csv(o, vals);
	case CTL_JSON:
		return ctl_row_json(o, vals);
	case CTL_TABLE:
		return ctl_row_table(o, vals);
	}
	return ERR_INVAL;
}

static int
ctl_crossings(struct db *db, int argc, char **argv)
{
	static const char	*cmd = "crossings";
	struct db_filter	 f;
	struct ctl_out		 o;
	const char		*v, *post = NULL, *since = NULL, *until = NULL;
	const char		*fmt = NULL, *limit = NULL;
	char			*end;
	size_t			 r;
	int			 i, rc;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			ctl_crossings_usage(stdout);
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--post", &v))
			post = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--since", &v))
			since = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--until", &v))
			until = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--format", &v))
			fmt = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--limit", &v))
			limit = v;
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
	}
	if (post != NULL) {
		if (!proto_check_post_code(post, strlen(post)))
			cctl_bad_usage(cmd, "--post: \"%s\" is not a post code "
			    "(2 to 16 of A-Z, 0-9)", post);
		f.post = post;
	}
	if (since != NULL) {
		if (ctl_parse_time(since, &f.since) != 0)
			cctl_bad_usage(cmd, "--since: \"%s\" is neither an RFC "
			    "3339 time nor a YYYY-MM-DD date", since);
		f.has_since = 1;
	}
	if (until != NULL) {
		if (ctl_parse_time(until, &f.until) != 0)
			cctl_bad_usage(cmd, "--until: \"%s\" is neither an RFC "
			    "3339 time nor a YYYY-MM-DD date", until);
		f.has_until = 1;
	}
	if (f.has_since && f.has_until && f.since >= f.until)
		cctl_bad_usage(cmd, "--since %s is not before --until %s",
		    since, until);
	if (limit != NULL) {
		errno = 0;
		f.limit = strtoll(limit, &end, 10);
		if (limit[0] < '0' || limit[0] > '9' || errno != 0 ||
		    *end != '\0' || f.limit < 1)
			cctl_bad_usage(cmd, "--limit: \"%s\" is not a whole "
			    "number of at least 1", limit);
	}
	if (fmt == NULL)
		o.fmt = isatty(STDOUT_FILENO) ? CTL_TABLE : CTL_CSV;
	else if (strcmp(fmt, "csv") == 0)
		o.fmt = CTL_CSV;
	else if (strcmp(fmt, "json") == 0)
		o.fmt = CTL_JSON;
	else if (strcmp(fmt, "table") == 0)
		o.fmt = CTL_TABLE;
	else
		cctl_bad_usage(cmd, "--format: \"%s\" is not csv, json or "
		    "table", fmt);
	o.fp = stdout;

	rc = db_crossings_list(db, &f, ctl_row, &o);
	if (rc == 0 && o.fmt == CTL_CSV && !o.header_done)
		rc = ctl_row_csv(&o, db_col_names);	/* header only */
	if (rc == 0 && o.fmt == CTL_TABLE)
		rc = ctl_table_flush(&o);
	for (r = 0; r < o.nrows * DB_NCOLS; r++)
		free(o.rows[r]);
	free(o.rows);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "centralctl: cannot write the listing: %s\n",
		    strerror(errno));
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "centralctl: listing failed: %s\n",
		    err_str(rc));
		return 1;
	}
	return 0;
}

static int
ctl_migrate_status(struct db *db, int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "migrate-status\n\nLists the migrations this "
			    "binary carries and the database records; exit 0 "
			    "if the schema is current, 1 if not.\n");
			exit(0);
		}
		cctl_bad_usage("migrate-status", "unexpected argument \"%s\"",
		    argv[i]);
	}
	return migrate_status(db, stdout) == 0 ? 0 : 1;
}

int
cctl_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

PGconn *
cctl_connect(const struct cctl_ctx *ctx, const char *cmd)
{
	if (db_connect(ctx->db) != 0) {
		fprintf(stderr, "centralctl %s: cannot connect to the "
		    "database\n", cmd);
		return NULL;
	}
	return db_pgconn(ctx->db);
}

int
cctl_read_secret(const char *cmd, const char *path, const char *what,
    const char *whom, char *buf, size_t bufsz, size_t *len)
{
	struct termios	 old, quiet;
	FILE		*fp = stdin;
	char		*again;
	int		 tty = 0, rc = 1, round;
	size_t		 n;

	if (bufsz < 2 || bufsz > INT_MAX)
		return 1;
	if ((again = malloc(bufsz)) == NULL) {
		fprintf(stderr, "centralctl %s: out of memory\n", cmd);
		return 1;
	}
	if (path != NULL && (fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "centralctl %s: cannot open %s: %s\n", cmd,
		    path, strerror(errno));
		free(again);
		return 1;
	}
	if (path == NULL && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tty = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	for (round = 0; round < (tty ? 2 : 1); round++) {
		char	*dst = round == 0 ? buf : again;

		if (tty && round == 0)
			fprintf(stderr, "%c%s for %s: ",
			    toupper((unsigned char)what[0]), what + 1, whom);
		else if (tty)
			fprintf(stderr, "The same %s again for %s: ", what,
			    whom);
		if (fgets(dst, (int)bufsz, fp) == NULL) {
			fprintf(stderr, "%scentralctl %s: no %s on %s\n",
			    tty ? "\n" : "", cmd, what, path != NULL ? path :
			    "standard input");
			goto done;
		}
		if (tty)
			fputc('\n', stderr);
		n = strcspn(dst, "\r\n");
		if (dst[n] == '\0' && !feof(fp)) {
			fprintf(stderr, "centralctl %s: the %s line is over "
			    "%zu bytes\n", cmd, what, bufsz - 3);
			goto done;
		}
		dst[n] = '\0';
	}
	if (tty && strcmp(buf, again) != 0) {
		fprintf(stderr, "centralctl %s: the two %ss differ; nothing "
		    "changed\n", cmd, what);
		goto done;
	}
	*len = strlen(buf);
	rc = 0;
done:
	explicit_bzero(again, bufsz);
	free(again);
	if (tty)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

static int
ctl_cmd_crossings(const struct cctl_ctx *ctx, int argc, char **argv)
{
	return ctl_crossings(ctx->db, argc, argv);
}

static int
ctl_cmd_migrate_status(const struct cctl_ctx *ctx, int argc, char **argv)
{
	return ctl_migrate_status(ctx->db, argc, argv);
}

/* The commands; each group adds its line here (see cctl.h). */
static const struct {
	const char	*name;
	cctl_fn		 fn;
} ctl_cmds[] = {
	{ "crossings",		ctl_cmd_crossings },
	{ "migrate-status",	ctl_cmd_migrate_status },
	{ "feed",		cctl_feed },
	{ "stays",		cctl_stays },
	{ "alert",		cctl_alert },
	{ "permit",		cctl_permit },
	{ "registration",	cctl_registration },
	{ "officer",		cctl_officer },
	{ "policy",		cctl_policy },
	{ "post",		cctl_post },
	{ "user",		cctl_user },
	{ "token",		cctl_token },
	{ "api",		cctl_api },
	{ "overstays",		cctl_query },
	{ "work-permits-ended",	cctl_query },
	{ "unregistered",	cctl_query },
	{ "history",		cctl_query },
	{ "audit",		cctl_audit },
};

/* Who is making a change: --as NAME, else the login user. */
static void
ctl_actor(char *buf, size_t bufsz, const char *as)
{
	const struct passwd	*pw;
	const char		*name = as;

	if (name == NULL && (pw = getpwuid(getuid())) != NULL)
		name = pw->pw_name;
	if (name == NULL || name[0] == '\0')
		name = "unknown";
	if ((size_t)snprintf(buf, bufsz, "%s", name) >= bufsz)
		cctl_bad_usage(NULL, "--as: the name is over %zu bytes",
		    bufsz - 1);
}

int
main(int argc, char *argv[])
{
	static struct cen_cfg	 cfg;	/* large: not on the stack */
	struct cctl_ctx		 ctx;
	const char		*path = NULL, *conninfo = NULL, *cmd, *v;
	const char		*as = NULL;
	size_t			 c, k;
	int			 i, j, rc;

	memset(&ctx, 0, sizeof(ctx));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (cctl_is_help(argv[i])) {
			ctl_usage(stdout);
			return 0;
		}
		if (cctl_opt(NULL, argc, argv, &i, "-c", &v) ||
		    cctl_opt(NULL, argc, argv, &i, "--config", &v))
			path = v;
		else if (cctl_opt(NULL, argc, argv, &i, "--db", &v))
			conninfo = v;
		else if (cctl_opt(NULL, argc, argv, &i, "--as", &v))
			as = v;
		else
			cctl_bad_usage(NULL, "unknown option %s", argv[i]);
	}
	if (i >= argc)
		cctl_bad_usage(NULL, "a command is needed (see --help)");
	cmd = argv[i];
	c = sizeof(ctl_cmds) / sizeof(ctl_cmds[0]);
	for (k = 0; k < c; k++)
		if (strcmp(cmd, ctl_cmds[k].name) == 0)
			break;
	if (k == c)
		cctl_bad_usage(NULL, "unknown command \"%s\"", cmd);
	ctl_actor(ctx.actor, sizeof(ctx.actor), as);
	/* --help after the command needs no database. */
	if (path != NULL && conninfo != NULL)
		cctl_bad_usage(NULL, "-c and --db exclude each other");
	/* `api routes` reads the binary's route table, not a database. */
	if (path == NULL && conninfo == NULL && strcmp(cmd, "api") != 0) {
		for (j = i + 1; j < argc; j++)
			if (cctl_is_help(argv[j]))
				break;
		if (j == argc)
			cctl_bad_usage(NULL, "-c FILE or --db CONNINFO is "
			    "required");
	}
	log_init("centralctl", LOGL_WARN);
	if (path != NULL) {
		cen_cfg_init(&cfg);
		if (cen_cfg_load(&cfg, path, stderr) != 0)
			return 1;
		conninfo = cfg.conninfo;
		ctx.cfg = &cfg;
	}
	if ((ctx.db = db_new(conninfo != NULL ? conninfo : "")) == NULL) {
		fprintf(stderr, "centralctl: out of memory\n");
		return 1;
	}
	rc = ctl_cmds[k].fn(&ctx, argc - i, argv + i);
	db_free(ctx.db);
	return rc;
}
