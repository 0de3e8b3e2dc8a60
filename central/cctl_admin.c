/* cctl_admin.c - centralctl's administration commands: document and person
 * alerts, permits and registrations (one by one from options, or in bulk
 * from CSV: every row checked first, then one transaction), officers (PINs
 * read from stdin or a file, hashed with pinhash), the stay policy and the
 * posts' certificates. Records are read and checked by regcsv.h (shared
 * with the people's API); every change goes through the registry (creg.h),
 * which records it with its actor in the changes table. docs/admin.md is
 * the reference. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "cctl.h"
#include "creg.h"
#include "db.h"
#include "err.h"
#include "feed.h"
#include "pinhash.h"
#include "postauth.h"
#include "proto.h"
#include "regcsv.h"

#define ADM_CERT_MAX	(64 * 1024)	/* bytes of a PEM certificate file */
#define ADM_TABLE_ROWS	1000	/* rows per aligned block of a table */
#define ADM_PIN_LINE	256

/* Output of a listing. */
enum adm_format { FMT_CSV, FMT_JSON, FMT_TABLE };

struct adm_out {
	enum adm_format	  fmt;
	const char *const *cols;
	size_t		  ncols;
	char		**rows;		/* table: buffered values */
	size_t		  nrows;
	int		  header_done;
};

/* ---- the database ---- */

/* After a failed change: roll back and say so; returns 1. */
static int
adm_failed(PGconn *conn, const char *cmd, int rc,
    const struct proto_error *pe, const char *what)
{
	(void)creg_rollback(conn);
	if (pe != NULL && pe->message[0] != '\0')
		fprintf(stderr, "centralctl %s: %s: %s%s%s; nothing changed\n",
		    cmd, what, pe->field[0] != '\0' ?
		    regcsv_column_of(pe->field) : "", pe->field[0] != '\0' ?
		    ": " : "", pe->message);
	else if (rc == ERR_DB)
		fprintf(stderr, "centralctl %s: %s: the database refused it "
		    "or is unreachable; nothing changed\n", cmd, what);
	else
		fprintf(stderr, "centralctl %s: %s: %s; nothing changed\n",
		    cmd, what, err_str(rc));
	return 1;
}

/* ---- listings ---- */

static void
adm_csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static size_t
adm_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
adm_table_flush(struct adm_out *o)
{
	size_t	*w, r, i, k;

	if (o->nrows == 0 && o->header_done)
		return;
	if ((w = calloc(o->ncols, sizeof(*w))) == NULL)
		return;
	for (i = 0; i < o->ncols; i++)
		w[i] = adm_width(o->cols[i]);
	for (r = 0; r < o->nrows; r++)
		for (i = 0; i < o->ncols; i++)
			if ((k = adm_width(o->rows[r * o->ncols + i])) > w[i])
				w[i] = k;
	for (r = 0; r <= o->nrows; r++) {
		if (r == 0 && o->header_done)
			continue;
		for (i = 0; i < o->ncols; i++) {
			const char	*v = r == 0 ? o->cols[i] :
					    o->rows[(r - 1) * o->ncols + i];

			fputs(v, stdout);
			if (i + 1 < o->ncols)
				for (k = adm_width(v); k < w[i] + 2; k++)
					putchar(' ');
		}
		putchar('\n');
	}
	free(w);
	o->header_done = 1;
	for (r = 0; r < o->nrows * o->ncols; r++)
		free(o->rows[r]);
	o->nrows = 0;
}

static int
adm_row(void *arg, size_t ncols, const char *const *vals)
{
	struct adm_out	*o = arg;
	json_t		*obj, *v;
	char		*line;
	size_t		 i;

	if (ncols != o->ncols)
		return ERR_INVAL;
	switch (o->fmt) {
	case FMT_CSV:
		if (!o->header_done) {
			for (i = 0; i < ncols; i++) {
				if (i > 0)
					putchar(',');
				adm_csv_field(o->cols[i]);
			}
			putchar('\n');
			o->header_done = 1;
		}
		for (i = 0; i < ncols; i++) {
			if (i > 0)
				putchar(',');
			adm_csv_field(vals[i]);
		}
		putchar('\n');
		break;
	case FMT_JSON:
		if ((obj = json_object()) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < ncols; i++) {
			if ((v = json_string(vals[i])) == NULL ||
			    json_object_set_new(obj, o->cols[i], v) != 0) {
				json_decref(obj);
				return ERR_NOMEM;
			}
		}
		line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(obj);
		if (line == NULL)
			return ERR_NOMEM;
		printf("%s\n", line);
		free(line);
		break;
	case FMT_TABLE:
		if (o->rows == NULL && (o->rows = calloc((size_t)ADM_TABLE_ROWS *
		    ncols, sizeof(*o->rows))) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < ncols; i++)
			if ((o->rows[o->nrows * ncols + i] =
			    strdup(vals[i])) == NULL) {
				while (i-- > 0)
					free(o->rows[o->nrows * ncols + i]);
				return ERR_NOMEM;
			}
		if (++o->nrows == ADM_TABLE_ROWS)
			adm_table_flush(o);
		break;
	}
	return ferror(stdout) ? ERR_IO : 0;
}

static int
adm_format_parse(const char *cmd, const char *fmt, enum adm_format *out)
{
	if (fmt == NULL)
		*out = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
	else if (strcmp(fmt, "csv") == 0)
		*out = FMT_CSV;
	else if (strcmp(fmt, "json") == 0)
		*out = FMT_JSON;
	else if (strcmp(fmt, "table") == 0)
		*out = FMT_TABLE;
	else
		cctl_bad_usage(cmd, "--format: \"%s\" is not csv, json or "
		    "table", fmt);
	return 0;
}

static void
adm_list_usage(const char *cmd, const char *what, int filters)
{
	printf("usage: centralctl [-c FILE | --db CONNINFO] %s [options]\n"
	    "\n"
	    "Lists %s.\n"
	    "\n"
	    "  --format FMT   csv (a header line, RFC 4180 quoting; the\n"
	    "                 import format), json (one object per line) or\n"
	    "                 table; default: table on a terminal, else csv\n"
	    "%s"
	    "  --limit N      at most N rows\n", cmd, what, filters ?
	    "  --id ID        only this record\n"
	    "  --number N     only records about this document number\n" :
	    "  --id ID        only this one\n");
}

/* "... list" of a kind: options, then creg_list(). */
static int
adm_list(const struct cctl_ctx *ctx, const char *cmd, const char *what,
    enum creg_kind kind, int filters, int argc, char **argv)
{
	struct creg_filter	 f;
	struct adm_out		 o;
	PGconn			*conn;
	const char		*v, *fmt = NULL;
	char			*end;
	size_t			 r;
	int			 i, rc;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			adm_list_usage(cmd, what, filters);
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--format", &v))
			fmt = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--id", &v))
			f.id = v;
		else if (filters && cctl_opt(cmd, argc, argv, &i, "--number",
		    &v))
			f.number = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--limit", &v)) {
			errno = 0;
			f.limit = strtoll(v, &end, 10);
			if (v[0] < '0' || v[0] > '9' || errno != 0 ||
			    *end != '\0' || f.limit < 1)
				cctl_bad_usage(cmd, "--limit: \"%s\" is not a "
				    "whole number of at least 1", v);
		} else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
	}
	(void)adm_format_parse(cmd, fmt, &o.fmt);
	if ((o.cols = creg_list_columns(kind, &o.ncols)) == NULL) {
		fprintf(stderr, "centralctl %s: no listing for this kind\n",
		    cmd);
		return 1;
	}
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	rc = creg_list(conn, kind, &f, adm_row, &o);
	if (rc == 0 && o.fmt == FMT_CSV && !o.header_done) {
		for (r = 0; r < o.ncols; r++)
			printf("%s%s", r > 0 ? "," : "", o.cols[r]);
		putchar('\n');
	}
	if (rc == 0 && o.fmt == FMT_TABLE)
		adm_table_flush(&o);
	for (r = 0; r < o.nrows * o.ncols; r++)
		free(o.rows[r]);
	free(o.rows);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "centralctl %s: cannot write the listing: "
		    "%s\n", cmd, strerror(errno));
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "centralctl %s: listing failed: %s\n", cmd,
		    rc == ERR_DB ? "the database refused it or is "
		    "unreachable" : err_str(rc));
		return 1;
	}
	return 0;
}

/* ---- put, remove, import of the record kinds ---- */

/* "--valid-from" for "valid_from" into buf. */
static void
adm_optname(const char *name, char *buf, size_t bufsz)
{
	size_t	i;

	(void)snprintf(buf, bufsz, "--%s", name);
	for (i = 2; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = '-';
}

static void
adm_put_usage(const struct regcsv_kind *k)
{
	char	opt[48], line[80];
	size_t	i;

	printf("usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] %s "
	    "put ID [options]\n\nStores (adds or replaces) the %s record "
	    "ID. Options (* required):\n\n", k->cmd, k->cmd);
	for (i = 1; i < k->nfields; i++) {
		adm_optname(k->fields[i].name, opt, sizeof(opt));
		(void)snprintf(line, sizeof(line), "%c %s %s%s%s",
		    k->fields[i].required ? '*' : ' ', opt,
		    k->fields[i].type == REGCSV_INT ? "N" :
		    k->fields[i].type == REGCSV_DATE ? "DATE" : "VALUE",
		    k->fields[i].alias != NULL ? ", --" : "",
		    k->fields[i].alias != NULL ? k->fields[i].alias : "");
		printf("  %-34s %s\n", line, k->fields[i].help);
	}
	printf("\nDates are YYYY-MM-DD. Example:\n  centralctl -c central.yaml "
	    "%s put %s\n", k->cmd, k->example);
}

static int
adm_cmd_put(const struct cctl_ctx *ctx, const struct regcsv_kind *k, int argc,
    char **argv)
{
	struct regcsv_rec		 r;
	struct proto_error	 pe;
	PGconn			*conn;
	char			 cmd[64], opt[48], alias[48], msg[REGCSV_MSG_MAX];
	const char		*v, *col, *id = NULL;
	unsigned char		 given[32];
	size_t			 f;
	int			 i, rc, changed = 0, matched;

	(void)snprintf(cmd, sizeof(cmd), "%s put", k->cmd);
	memset(given, 0, sizeof(given));
	regcsv_rec_init(k, &r);
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			adm_put_usage(k);
			exit(0);
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			if (id != NULL)
				cctl_bad_usage(cmd, "unexpected argument "
				    "\"%s\" (the id is \"%s\")", argv[i], id);
			id = argv[i];
			continue;
		}
		matched = 0;
		for (f = 1; f < k->nfields && !matched; f++) {
			adm_optname(k->fields[f].name, opt, sizeof(opt));
			alias[0] = '\0';
			if (k->fields[f].alias != NULL)
				adm_optname(k->fields[f].alias, alias,
				    sizeof(alias));
			if (!cctl_opt(cmd, argc, argv, &i, opt, &v) &&
			    (alias[0] == '\0' || !cctl_opt(cmd, argc, argv,
			    &i, alias, &v)))
				continue;
			matched = 1;
			if (given[f])
				cctl_bad_usage(cmd, "%s given twice", opt);
			given[f] = 1;
			if (v[0] == '\0' && !k->fields[f].required)
				cctl_bad_usage(cmd, "%s: an empty value; leave "
				    "the option out for the default", opt);
			if (regcsv_set(&k->fields[f], &r, v, strlen(v), msg,
			    sizeof(msg)) != 0)
				cctl_bad_usage(cmd, "%s: %s", opt, msg);
		}
		if (!matched)
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the record's ID is required");
	if (regcsv_set(&k->fields[0], &r, id, strlen(id), msg,
	    sizeof(msg)) != 0)
		cctl_bad_usage(cmd, "ID: %s", msg);
	for (f = 1; f < k->nfields; f++) {
		if (k->fields[f].required && !given[f]) {
			adm_optname(k->fields[f].name, opt, sizeof(opt));
			cctl_bad_usage(cmd, "%s is required", opt);
		}
	}
	if (regcsv_rec_check(k, &r, &col, msg, sizeof(msg)) != 0) {
		adm_optname(col, opt, sizeof(opt));
		cctl_bad_usage(cmd, "%s: %s", opt, msg);
	}

	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = regcsv_put(conn, ctx->actor, k, &r, &changed, &pe)) != 0 ||
	    (rc = creg_commit(conn)) != 0)
		return adm_failed(conn, cmd, rc, &pe, r.id);
	printf("%s %s: %s\n", creg_kind_str(k->ckind), r.id, changed ?
	    "stored" : "unchanged");
	return 0;
}

/* Reads a whole file of at most max bytes (NUL added) into *out; 0, or 1
 * after saying why. */
static int
adm_read_file(const char *cmd, const char *path, size_t max, char **out,
    size_t *outlen)
{
	FILE	*fp;
	char	*buf = NULL, *p;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "centralctl %s: cannot open %s: %s\n", cmd,
		    path, strerror(errno));
		return 1;
	}
	for (;;) {
		/* Room for at least one byte and the NUL. */
		if (len + 1 >= cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > max + 2)
				cap = max + 2;
			if (len + 1 >= cap || (p = realloc(buf, cap)) == NULL) {
				if (len + 1 >= cap)
					fprintf(stderr, "centralctl %s: %s is "
					    "over %zu bytes\n", cmd, path, max);
				else
					fprintf(stderr, "centralctl %s: out of "
					    "memory\n", cmd);
				free(buf);
				fclose(fp);
				return 1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (len > max) {
			fprintf(stderr, "centralctl %s: %s is over %zu bytes\n",
			    cmd, path, max);
			free(buf);
			fclose(fp);
			return 1;
		}
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(stderr, "centralctl %s: cannot read %s: %s\n", cmd,
		    path, strerror(errno));
		free(buf);
		fclose(fp);
		return 1;
	}
	fclose(fp);
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		fprintf(stderr, "centralctl %s: out of memory\n", cmd);
		return 1;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/*
 * Pass 1 (regcsv_import_check()): every row checked, nothing written.
 * 0, or 1 after printing the problems and "nothing imported".
 */
static int
adm_import_check(const struct regcsv_kind *k, const char *path,
    const char *buf, size_t len)
{
	struct regcsv_report		 rep;
	const struct regcsv_problem	*p;
	size_t				 i;
	int				 rc;

	if ((rc = regcsv_import_check(k, buf, len, &rep)) == 0)
		return 0;
	if (rc != ERR_INVAL) {
		fprintf(stderr, "%s: %s\n%s: nothing imported\n", path,
		    err_str(rc), path);
		return 1;
	}
	for (i = 0; i < rep.nproblems; i++) {
		p = &rep.problems[i];
		if (p->syntax)
			fprintf(stderr, "%s: %s\n", path, p->msg);
		else if (p->header)
			fprintf(stderr, "%s: line %lu: %s\n", path, p->line,
			    p->msg);
		else
			fprintf(stderr, "%s: line %lu, field \"%s\": %s\n",
			    path, p->line, p->field, p->msg);
	}
	if (rep.nbad > (long)rep.nproblems)
		fprintf(stderr, "%s: ... and %ld more\n", path,
		    rep.nbad - (long)rep.nproblems);
	if (rep.unreadable)
		fprintf(stderr, "%s: nothing imported\n", path);
	else
		fprintf(stderr, "%s: %ld bad row%s; nothing imported\n", path,
		    rep.nbad, rep.nbad == 1 ? "" : "s");
	return 1;
}

/* Pass 2: every row through the registry in one transaction. */
static int
adm_import_apply(const struct cctl_ctx *ctx, const struct regcsv_kind *k,
    const char *cmd, const char *path, const char *buf, size_t len)
{
	struct regcsv_report	 rep;
	struct proto_error	 pe;
	PGconn			*conn;
	char			 what[128];
	int			 rc;

	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0)
		return adm_failed(conn, cmd, rc, NULL, path);
	if ((rc = regcsv_import_apply(conn, ctx->actor, k, buf, len, &rep,
	    &pe)) != 0) {
		(void)snprintf(what, sizeof(what), "%s: line %lu", path,
		    rep.problems[0].line);
		return adm_failed(conn, cmd, rc, &pe, what);
	}
	if ((rc = creg_commit(conn)) != 0)
		return adm_failed(conn, cmd, rc, NULL, path);
	printf("imported %lu (%lu unchanged)\n", rep.nrows, rep.unchanged);
	return 0;
}

static void
adm_import_usage(const struct regcsv_kind *k)
{
	size_t	f;

	printf("usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] %s "
	    "import FILE.csv\n\nStores every row of a CSV file (RFC 4180, "
	    "UTF-8, a header line) as \"%s put\"\nwould. Every row is "
	    "checked first; then all are stored in one transaction.\nOne bad "
	    "row, and nothing is stored (exit 1).\n\nColumns (* required; "
	    "an empty optional field is its default):\n ", k->cmd, k->cmd);
	for (f = 0; f < k->nfields; f++)
		printf(" %s%s", k->fields[f].name, k->fields[f].required ?
		    "*" : "");
	printf("\nchanged_at and changed_by (as \"list\" writes them) are "
	    "ignored.\n");
}

static int
adm_cmd_import(const struct cctl_ctx *ctx, const struct regcsv_kind *k,
    int argc, char **argv)
{
	char		 cmd[64], *buf;
	const char	*path = NULL;
	size_t		 len;
	int		 i, rc;

	(void)snprintf(cmd, sizeof(cmd), "%s import", k->cmd);
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			adm_import_usage(k);
			exit(0);
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		if (path != NULL)
			cctl_bad_usage(cmd, "one file at a time");
		path = argv[i];
	}
	if (path == NULL)
		cctl_bad_usage(cmd, "the CSV file is required");
	if (adm_read_file(cmd, path, REGCSV_FILE_MAX, &buf, &len) != 0)
		return 1;
	if (adm_import_check(k, path, buf, len) != 0) {
		free(buf);
		return 1;
	}
	rc = adm_import_apply(ctx, k, cmd, path, buf, len);
	free(buf);
	return rc;
}

static int
adm_cmd_remove(const struct cctl_ctx *ctx, const struct regcsv_kind *k,
    int argc, char **argv)
{
	struct proto_error	 pe;
	PGconn			*conn;
	char			 cmd[64];
	const char		*id = NULL;
	int			 i, rc;

	(void)snprintf(cmd, sizeof(cmd), "%s remove", k->cmd);
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] %s remove ID\n\nRemoves the record; "
			    "posts are told by the feed.\n", k->cmd);
			exit(0);
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		if (id != NULL)
			cctl_bad_usage(cmd, "one ID at a time");
		id = argv[i];
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the record's ID is required");
	if (!feed_check_id(id, strlen(id)))
		cctl_bad_usage(cmd, "\"%s\" is not an id (1..64 of A-Z, a-z, "
		    "0-9, '.', '_', ':', '-')", id);
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_remove(conn, ctx->actor, k->ckind, id, &pe)) != 0 ||
	    (rc = creg_commit(conn)) != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(conn);
			fprintf(stderr, "centralctl %s: there is no %s \"%s\"; "
			    "nothing changed\n", cmd, creg_kind_str(k->ckind),
			    id);
			return 1;
		}
		return adm_failed(conn, cmd, rc, &pe, id);
	}
	printf("%s %s: removed\n", creg_kind_str(k->ckind), id);
	return 0;
}

static void
adm_kind_usage(const struct regcsv_kind *k, FILE *fp)
{
	fprintf(fp, "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
	    "%s put ID [options]\n"
	    "       centralctl ... %s remove ID\n"
	    "       centralctl ... %s list [--format csv|json|table] "
	    "[--id ID]\n"
	    "                       [--number N] [--limit N]\n"
	    "       centralctl ... %s import FILE.csv\n"
	    "\"%s put --help\" lists the fields; docs/admin.md has the CSV "
	    "format.\n", k->cmd, k->cmd, k->cmd, k->cmd, k->cmd);
}

/* argv[0] is the verb. */
static int
adm_kind_cmd(const struct cctl_ctx *ctx, const struct regcsv_kind *k,
    int argc, char **argv)
{
	char	what[64];

	if (argc < 1 || cctl_is_help(argv[0])) {
		adm_kind_usage(k, argc < 1 ? stderr : stdout);
		exit(argc < 1 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[0], "put") == 0)
		return adm_cmd_put(ctx, k, argc, argv);
	if (strcmp(argv[0], "remove") == 0)
		return adm_cmd_remove(ctx, k, argc, argv);
	if (strcmp(argv[0], "import") == 0)
		return adm_cmd_import(ctx, k, argc, argv);
	if (strcmp(argv[0], "list") == 0) {
		(void)snprintf(what, sizeof(what), "%s list", k->cmd);
		return adm_list(ctx, what, "the records, in id order",
		    k->ckind, 1, argc, argv);
	}
	cctl_bad_usage(k->cmd, "unknown subcommand \"%s\" (put, remove, list, "
	    "import)", argv[0]);
}

int
cctl_alert(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		fprintf(argc < 2 ? stderr : stdout, "usage: centralctl ... alert document|person "
		    "put|remove|list|import ...\n"
		    "  alert document  travel documents reported lost, "
		    "stolen, invalidated, revoked\n"
		    "  alert person    persons on a watchlist (entry or "
		    "exit ban, wanted)\n"
		    "\"centralctl alert document --help\" for more.\n");
		exit(argc < 2 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "document") == 0)
		return adm_kind_cmd(ctx, regcsv_kind_get(CREG_DOCUMENT_ALERT),
		    argc - 2, argv + 2);
	if (strcmp(argv[1], "person") == 0)
		return adm_kind_cmd(ctx, regcsv_kind_get(CREG_PERSON_ALERT),
		    argc - 2, argv + 2);
	cctl_bad_usage("alert", "\"%s\" is not document or person", argv[1]);
}

int
cctl_permit(const struct cctl_ctx *ctx, int argc, char **argv)
{
	return adm_kind_cmd(ctx, regcsv_kind_get(CREG_PERMIT), argc - 1,
	    argv + 1);
}

int
cctl_registration(const struct cctl_ctx *ctx, int argc, char **argv)
{
	return adm_kind_cmd(ctx, regcsv_kind_get(CREG_REGISTRATION), argc - 1,
	    argv + 1);
}

/* ---- officers ---- */

static int
adm_officer_id_ok(const char *s)
{
	size_t	len = strlen(s);

	return len >= 1 && len <= PROTO_OFFICER_MAX && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	    "._-") == len;
}

static int
adm_officer_put(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "officer put";
	struct feed_officer	 o;
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*v, *id = NULL, *name = NULL, *pinfile = NULL;
	const char		*why;
	char			 pin[ADM_PIN_LINE], whom[128];
	size_t			 len = 0;
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] officer put ID --name NAME\n"
			    "                  [--pin-file FILE]\n\n"
			    "Stores the officer ID (1..32 of A-Z, a-z, 0-9, "
			    "'.', '_', '-') with a new PIN\nand makes them "
			    "active. The PIN is the first line of FILE, or of "
			    "standard\ninput (asked twice on a terminal), "
			    "never an argument: 4..32 printable\nASCII "
			    "characters without spaces. Only its scrypt hash "
			    "is stored and sent\nto the posts.\n");
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--name", &v))
			name = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--pin-file", &v))
			pinfile = v;
		else if (strncmp(argv[i], "--pin", 5) == 0)
			cctl_bad_usage(cmd, "a PIN is never an argument: use "
			    "--pin-file FILE or standard input");
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (id != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			id = argv[i];
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the officer's ID is required");
	if (!adm_officer_id_ok(id))
		cctl_bad_usage(cmd, "\"%s\" is not an officer id (1..32 of "
		    "A-Z, a-z, 0-9, '.', '_', '-')", id);
	if (name == NULL)
		cctl_bad_usage(cmd, "--name is required");
	if (strlen(name) > FEED_TEXT_MAX)
		cctl_bad_usage(cmd, "--name: must be at most %d bytes",
		    FEED_TEXT_MAX);
	if ((why = regcsv_text_problem(name, strlen(name))) != NULL ||
	    name[0] == '\0')
		cctl_bad_usage(cmd, "--name: %s", why != NULL ? why :
		    "must not be empty");

	memset(&o, 0, sizeof(o));
	(void)snprintf(o.id, sizeof(o.id), "%s", id);
	(void)snprintf(o.name, sizeof(o.name), "%s", name);
	o.active = 1;
	(void)snprintf(whom, sizeof(whom), "officer %s", id);
	if (cctl_read_secret(cmd, pinfile, "PIN", whom, pin, sizeof(pin),
	    &len) != 0) {
		explicit_bzero(pin, sizeof(pin));
		return 1;
	}
	if (!pinhash_check_pin(pin, len)) {
		explicit_bzero(pin, sizeof(pin));
		fprintf(stderr, "centralctl %s: the PIN must be %d..%d "
		    "printable ASCII characters without spaces; nothing "
		    "changed\n", cmd, PINHASH_PIN_MIN, PINHASH_PIN_MAX);
		return 1;
	}
	rc = pinhash_make(pin, len, NULL, o.pin_hash, sizeof(o.pin_hash));
	explicit_bzero(pin, sizeof(pin));
	if (rc != 0) {
		fprintf(stderr, "centralctl %s: cannot hash the PIN: %s\n",
		    cmd, err_str(rc));
		return 1;
	}
	if ((conn = cctl_connect(ctx, cmd)) == NULL) {
		explicit_bzero(&o, sizeof(o));
		return 1;
	}
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_officer_put(conn, ctx->actor, &o, &changed,
	    &pe)) != 0 || (rc = creg_commit(conn)) != 0) {
		explicit_bzero(&o, sizeof(o));
		return adm_failed(conn, cmd, rc, &pe, id);
	}
	explicit_bzero(&o, sizeof(o));
	printf("officer %s: stored, active, new PIN\n", id);
	return 0;
}

static int
adm_officer_active(const struct cctl_ctx *ctx, int active, int argc,
    char **argv)
{
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*cmd = active ? "officer enable" :
				    "officer disable";
	const char		*id = NULL;
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] %s ID\n\n%s; the PIN hash is kept.\n",
			    cmd, active ? "Lets the officer sign in at the "
			    "lanes again" : "Stops the officer signing in at "
			    "any lane");
			exit(0);
		}
		if (argv[i][0] == '-' || id != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		id = argv[i];
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the officer's ID is required");
	if (!adm_officer_id_ok(id))
		cctl_bad_usage(cmd, "\"%s\" is not an officer id (1..32 of "
		    "A-Z, a-z, 0-9, '.', '_', '-')", id);
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_officer_set_active(conn, ctx->actor, id, active,
	    &changed, &pe)) != 0 || (rc = creg_commit(conn)) != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(conn);
			fprintf(stderr, "centralctl %s: there is no officer "
			    "\"%s\"; nothing changed\n", cmd, id);
			return 1;
		}
		return adm_failed(conn, cmd, rc, &pe, id);
	}
	printf("officer %s: %s%s\n", id, active ? "enabled" : "disabled",
	    changed ? "" : " (already)");
	return 0;
}

int
cctl_officer(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		fprintf(argc < 2 ? stderr : stdout, "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "officer put ID --name NAME [--pin-file FILE]\n"
		    "       centralctl ... officer disable|enable ID\n"
		    "       centralctl ... officer list [--format csv|json|"
		    "table] [--id ID]\n");
		exit(argc < 2 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "put") == 0)
		return adm_officer_put(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "disable") == 0)
		return adm_officer_active(ctx, 0, argc - 1, argv + 1);
	if (strcmp(argv[1], "enable") == 0)
		return adm_officer_active(ctx, 1, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return adm_list(ctx, "officer list", "the officers (never "
		    "their PIN hashes)", CREG_OFFICER, 0, argc - 1, argv + 1);
	cctl_bad_usage("officer", "unknown subcommand \"%s\" (put, disable, "
	    "enable, list)", argv[1]);
}

/* ---- the stay policy ---- */

static int
adm_policy_load(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "policy load";
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*path = NULL;
	char			*buf, version[FEED_POLICY_VERSION_MAX + 1];
	size_t			 len;
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] policy load FILE\n\nLoads a stay "
			    "policy (config/policy.yaml, docs/policy.md). It "
			    "must load\nwithout a problem; its own \"version\" "
			    "names it, for ever. The newest\nversion loaded is "
			    "in force and goes to the posts in the feed.\n");
			exit(0);
		}
		if ((argv[i][0] == '-' && argv[i][1] != '\0') || path != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		path = argv[i];
	}
	if (path == NULL)
		cctl_bad_usage(cmd, "the policy file is required");
	if (adm_read_file(cmd, path, FEED_YAML_MAX, &buf, &len) != 0)
		return 1;
	if ((conn = cctl_connect(ctx, cmd)) == NULL) {
		free(buf);
		return 1;
	}
	memset(&pe, 0, sizeof(pe));
	version[0] = '\0';
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_policy_load(conn, ctx->actor, buf, len, version,
	    &changed, &pe)) != 0 || (rc = creg_commit(conn)) != 0) {
		free(buf);
		if (rc == ERR_CONFLICT) {
			(void)creg_rollback(conn);
			fprintf(stderr, "centralctl %s: %s: version \"%s\" is "
			    "already loaded with another text; a version names "
			    "one text for ever, so give this one a new "
			    "version; nothing changed\n", cmd, path, version);
			return 1;
		}
		return adm_failed(conn, cmd, rc, &pe, path);
	}
	free(buf);
	printf("policy %s: %s\n", version, changed ? "loaded, in force" :
	    "unchanged (this text is loaded already)");
	return 0;
}

static int
adm_policy_show(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "policy show";
	PGconn			*conn;
	const char		*version = NULL;
	char			*yaml = NULL, v[FEED_POLICY_VERSION_MAX + 1];
	size_t			 len = 0;
	int			 i, rc;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "policy show [VERSION]\n\nPrints the text of the "
			    "policy in force, or of VERSION.\n");
			exit(0);
		}
		if (argv[i][0] == '-' || version != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		version = argv[i];
	}
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	if ((rc = creg_policy_get(conn, version, &yaml, &len, v)) != 0) {
		if (rc == ERR_NOTFOUND)
			fprintf(stderr, "centralctl %s: %s\n", cmd, version !=
			    NULL ? "no such version" : "no policy is loaded");
		else
			fprintf(stderr, "centralctl %s: %s\n", cmd,
			    err_str(rc));
		return 1;
	}
	if (fwrite(yaml, 1, len, stdout) != len || fflush(stdout) != 0) {
		free(yaml);
		fprintf(stderr, "centralctl %s: cannot write: %s\n", cmd,
		    strerror(errno));
		return 1;
	}
	free(yaml);
	return 0;
}

int
cctl_policy(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		fprintf(argc < 2 ? stderr : stdout, "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "policy load FILE\n"
		    "       centralctl ... policy show [VERSION]\n"
		    "       centralctl ... policy list [--format csv|json|"
		    "table]\n");
		exit(argc < 2 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "load") == 0)
		return adm_policy_load(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return adm_policy_show(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return adm_list(ctx, "policy list", "the policy versions "
		    "loaded, oldest first", CREG_POLICY, 0, argc - 1,
		    argv + 1);
	cctl_bad_usage("policy", "unknown subcommand \"%s\" (load, show, "
	    "list)", argv[1]);
}

/* ---- posts ---- */

/*
 * The subject CN (exactly one) and the SHA-256 of the DER of the PEM
 * certificate at path (regcsv_cert_read()); with ca (tls.client_ca_file)
 * it must verify as a client certificate from that CA. 0, or 1 after
 * saying why.
 */
static int
adm_cert(const char *cmd, const char *path, const char *ca,
    char cn[CREG_CN_MAX + 1], char hex[CREG_SHA256_HEX + 1])
{
	char	*pem, msg[REGCSV_MSG_MAX];
	size_t	 len;
	int	 rc;

	if (adm_read_file(cmd, path, ADM_CERT_MAX, &pem, &len) != 0)
		return 1;
	rc = regcsv_cert_read(pem, len, ca, cn, hex, msg, sizeof(msg));
	free(pem);
	if (rc != 0) {
		fprintf(stderr, "centralctl %s: %s: %s\n", cmd, path, msg);
		return 1;
	}
	return 0;
}

static int
adm_post_enrol(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "post enrol";
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*v, *code = NULL, *cert = NULL, *name = NULL;
	const char		*why;
	char			 cn[CREG_CN_MAX + 1];
	char			 hex[CREG_SHA256_HEX + 1];
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] post enrol CODE --cert FILE.pem\n"
			    "                  [--name NAME]\n\n"
			    "Binds post CODE (2..16 of A-Z, 0-9) to its client "
			    "certificate: the\nsubject CN and the SHA-256 of "
			    "the DER are read from FILE.pem. With -c,\nthe "
			    "certificate must verify against tls.client_ca_file."
			    " Enrolling a post\nagain replaces its certificate "
			    "(renewal) and makes it active again.\ncentrald "
			    "accepts it within %d seconds, without a restart.\n",
			    POSTAUTH_REFRESH_S);
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--cert", &v))
			cert = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--name", &v))
			name = v;
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (code != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			code = argv[i];
	}
	if (code == NULL)
		cctl_bad_usage(cmd, "the post's CODE is required");
	if (!proto_check_post_code(code, strlen(code)))
		cctl_bad_usage(cmd, "\"%s\" is not a post code (2..16 of A-Z, "
		    "0-9)", code);
	if (cert == NULL)
		cctl_bad_usage(cmd, "--cert FILE.pem is required");
	if (name != NULL && name[0] != '\0' && (strlen(name) >
	    CREG_TEXT_MAX || (why = regcsv_text_problem(name,
	    strlen(name))) != NULL))
		cctl_bad_usage(cmd, "--name: %s", strlen(name) > CREG_TEXT_MAX ?
		    "must be at most 128 bytes" : why);
	if (adm_cert(cmd, cert, ctx->cfg != NULL ? ctx->cfg->client_ca_file :
	    NULL, cn, hex) != 0)
		return 1;
	if (ctx->cfg == NULL)
		fprintf(stderr, "centralctl %s: note: with --db the certificate "
		    "is not checked against the posts' CA\n", cmd);
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_post_enrol(conn, ctx->actor, code, name, cn, hex,
	    &changed, &pe)) != 0 || (rc = creg_commit(conn)) != 0)
		return adm_failed(conn, cmd, rc, &pe, code);
	printf("post %s: %s (CN %s, SHA-256 %s)\n", code, changed ?
	    "enrolled" : "unchanged", cn, hex);
	return 0;
}

static int
adm_post_revoke(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "post revoke";
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*code = NULL;
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] post revoke CODE\n\nRefuses the "
			    "post's certificate from now on, even if "
			    "central.yaml lists it;\ncentrald applies it "
			    "within %d seconds, without a restart. \"post "
			    "enrol\"\nmakes it active again.\n",
			    POSTAUTH_REFRESH_S);
			exit(0);
		}
		if (argv[i][0] == '-' || code != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		code = argv[i];
	}
	if (code == NULL)
		cctl_bad_usage(cmd, "the post's CODE is required");
	if (!proto_check_post_code(code, strlen(code)))
		cctl_bad_usage(cmd, "\"%s\" is not a post code (2..16 of A-Z, "
		    "0-9)", code);
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_post_revoke(conn, ctx->actor, code, &changed,
	    &pe)) != 0 || (rc = creg_commit(conn)) != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(conn);
			fprintf(stderr, "centralctl %s: post %s is not "
			    "enrolled; nothing changed\n", cmd, code);
			return 1;
		}
		return adm_failed(conn, cmd, rc, &pe, code);
	}
	printf("post %s: %s\n", code, changed ? "revoked" :
	    "revoked already");
	return 0;
}

int
cctl_post(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		fprintf(argc < 2 ? stderr : stdout, "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "post enrol CODE --cert FILE.pem [--name NAME]\n"
		    "       centralctl ... post revoke CODE\n"
		    "       centralctl ... post list [--format csv|json|table] "
		    "[--id CODE]\n");
		exit(argc < 2 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "enrol") == 0)
		return adm_post_enrol(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return adm_post_revoke(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return adm_list(ctx, "post list", "the enrolled posts",
		    CREG_POST, 0, argc - 1, argv + 1);
	cctl_bad_usage("post", "unknown subcommand \"%s\" (enrol, revoke, "
	    "list)", argv[1]);
}
