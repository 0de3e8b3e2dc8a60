/* cctl_query.c - `centralctl overstays | work-permits-ended | unregistered
 * | history`: the inspectors' queries (central/query.h) read straight from
 * PostgreSQL, with the API's filters as options, printed as JSON, CSV or
 * a table, each recorded in the audit trail under --as. docs/queries.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "audit.h"
#include "cctl.h"
#include "err.h"
#include "query.h"

enum cq_format { CQ_JSON, CQ_CSV, CQ_TABLE };

/* Options and the API parameters they set. */
static const struct {
	const char	*opt;
	const char	*param;
} cq_opts[] = {
	{ "--as-of", "as_of" },
	{ "--nationality", "nationality" },
	{ "--region", "region" },
	{ "--post", "post" },
	{ "--category", "category" },
	{ "--min-days", "min_days" },
	{ "--sort", "sort" },
	{ "--order", "order" },
	{ "--limit", "limit" },
	{ "--offset", "offset" },
	{ "--cursor", "cursor" },
};

static void
cq_usage(FILE *fp, const char *cmd)
{
	if (strcmp(cmd, "history") == 0) {
		fprintf(fp,
		    "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "history STATE NUMBER\n"
		    "\n"
		    "One travel document's whole history as one JSON object:\n"
		    "the person (as the latest crossing gives them), every\n"
		    "crossing at every post, permits (of the document, and of\n"
		    "the person by name), document alerts, person alerts\n"
		    "that match the person, registrations, the stay state and\n"
		    "the checks the posts made on it. Exit 1 if the centre\n"
		    "knows nothing of the document. The look-up is recorded\n"
		    "in the audit trail (action lookup) under --as.\n");
		return;
	}
	fprintf(fp,
	    "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] %s\n"
	    "           [--as-of DATE] [--nationality CODE] [--region TEXT]\n"
	    "           [--post CODE]%s [--min-days N]\n"
	    "           [--sort days|entry|nationality|post] [--order asc|desc]\n"
	    "           [--limit N] [--offset N | --cursor C] [--all]\n"
	    "           [--format json|csv|table]\n"
	    "\n", cmd, strcmp(cmd, "work-permits-ended") == 0 ? "" :
	    " [--category CAT]");
	if (strcmp(cmd, "overstays") == 0)
		fprintf(fp,
		    "Foreigners in the country past their last lawful day as\n"
		    "of DATE, with the days overstayed, the rule or permit,\n"
		    "the entry and the registered residence.\n");
	else if (strcmp(cmd, "unregistered") == 0)
		fprintf(fp,
		    "Foreigners in the country whose host did not register\n"
		    "them at a place of residence within the deadline\n"
		    "(queries.registration_days working days after entry;\n"
		    "weekends and queries.holidays are not working days).\n");
	else
		fprintf(fp,
		    "Labour migrants whose last work permit ended before\n"
		    "DATE while they were in the country, with no later\n"
		    "permit, and who have not left.\n");
	fprintf(fp,
	    "\n"
	    "  --as-of DATE       as of this day (YYYY-MM-DD); default: today\n"
	    "                     in the stay policy's time zone\n"
	    "  --nationality CODE only this nationality (as in the MRZ)\n"
	    "  --region TEXT      only those whose registration valid on the\n"
	    "                     day is in this region\n"
	    "  --post CODE        only those who entered at this post\n");
	if (strcmp(cmd, "work-permits-ended") != 0)
		fprintf(fp,
		    "  --category CAT     visa_free, no_visa, visa, work_permit,\n"
		    "                     residence_permit, refugee_asylum,\n"
		    "                     repatriate\n");
	fprintf(fp,
	    "  --min-days N       at least N days (overstayed, since the\n"
	    "                     permit ended, late)\n"
	    "  --sort S           days (default), entry, nationality, post\n"
	    "  --order O          asc or desc (default: most days first,\n"
	    "                     else ascending)\n"
	    "  --limit N          rows per page, 1..1000 (default 100)\n"
	    "  --offset N         skip N rows; or\n"
	    "  --cursor C         continue after a page (its next_cursor)\n"
	    "  --all              every page, from the first or the cursor\n"
	    "  --format F         json (the API's object), csv (header line)\n"
	    "                     or table; default: table on a terminal,\n"
	    "                     else csv\n"
	    "\n"
	    "The query is recorded in the audit trail (action query, the\n"
	    "filters as detail) under --as. See docs/queries.md.\n");
}

/* Display width of UTF-8 text: one column per code point. */
static size_t
cq_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* One page as an aligned table (null as "-"). */
static void
cq_table(const struct query_page *pg, int header)
{
	char	name[64];
	size_t	w[64], i, k, row;

	for (i = 0; i < pg->ncols && i < 64; i++) {
		query_col_name(&pg->cols[i], name, sizeof(name));
		w[i] = cq_width(name);
		for (row = 0; row < pg->nrows; row++)
			if ((k = cq_width(PQgetvalue(pg->r, (int)row,
			    (int)i))) > w[i])
				w[i] = k;
	}
	for (row = header ? 0 : 1; row <= pg->nrows; row++) {
		for (i = 0; i < pg->ncols && i < 64; i++) {
			const char	*v;

			if (row == 0) {
				query_col_name(&pg->cols[i], name,
				    sizeof(name));
				v = name;
			} else if (PQgetisnull(pg->r, (int)row - 1, (int)i))
				v = "-";
			else
				v = PQgetvalue(pg->r, (int)row - 1, (int)i);
			fputs(v, stdout);
			if (i + 1 < pg->ncols)
				for (k = cq_width(v); k < w[i] + 2; k++)
					fputc(' ', stdout);
		}
		fputc('\n', stdout);
	}
}

static int
cq_list(const struct cctl_ctx *ctx, const char *cmd, enum query_kind kind,
    int argc, char **argv)
{
	struct query_params	 p;
	struct query_settings	 qs;
	struct query_page	 pg;
	struct query_err	 qe;
	enum cq_format		 fmt;
	PGconn			*conn;
	json_t			*all = NULL, *page;
	const char		*v, *format = NULL;
	char			*detail, *text;
	size_t			 k, pages = 0;
	long long		 shown = 0;
	int			 i, every = 0, rc;

	query_params_init(&p, kind);
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			cq_usage(stdout, cmd);
			exit(0);
		}
		if (strcmp(argv[i], "--all") == 0) {
			every = 1;
			continue;
		}
		if (cctl_opt(cmd, argc, argv, &i, "--format", &v)) {
			format = v;
			continue;
		}
		for (k = 0; k < sizeof(cq_opts) / sizeof(cq_opts[0]); k++)
			if (cctl_opt(cmd, argc, argv, &i, cq_opts[k].opt, &v))
				break;
		if (k == sizeof(cq_opts) / sizeof(cq_opts[0])) {
			if (argv[i][0] == '-')
				cctl_bad_usage(cmd, "unknown option %s",
				    argv[i]);
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		}
		if (query_param_set(&p, cq_opts[k].param, v, &qe) != 0)
			cctl_bad_usage(cmd, "%s: %s", cq_opts[k].opt, qe.msg);
	}
	if (query_params_check(&p, &qe) != 0)
		cctl_bad_usage(cmd, "--%s: %s", qe.field, qe.msg);
	if (every && p.offset != 0)
		cctl_bad_usage(cmd, "--all pages from the first page or a "
		    "--cursor, not an --offset");
	if (format == NULL)
		fmt = isatty(STDOUT_FILENO) ? CQ_TABLE : CQ_CSV;
	else if (strcmp(format, "json") == 0)
		fmt = CQ_JSON;
	else if (strcmp(format, "csv") == 0)
		fmt = CQ_CSV;
	else if (strcmp(format, "table") == 0)
		fmt = CQ_TABLE;
	else
		cctl_bad_usage(cmd, "--format: \"%s\" is not json, csv or "
		    "table", format);

	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	if (p.as_of[0] == '\0' && (rc = query_today(conn, p.as_of)) != 0) {
		fprintf(stderr, "centralctl %s: today: %s\n", cmd,
		    err_str(rc));
		return 1;
	}
	if ((detail = query_params_detail(&p, p.as_of)) == NULL) {
		fprintf(stderr, "centralctl %s: out of memory\n", cmd);
		return 1;
	}
	rc = audit_append(conn, ctx->actor, "query", "", detail);
	free(detail);
	if (rc != 0) {
		fprintf(stderr, "centralctl %s: the audit trail cannot record "
		    "the query: %s\n", cmd, err_str(rc));
		return 1;
	}
	query_settings_init(&qs, ctx->cfg);
	for (;;) {
		if ((rc = query_run(conn, &qs, &p, &pg)) != 0) {
			fprintf(stderr, "centralctl %s: the query failed: %s\n",
			    cmd, err_str(rc));
			json_decref(all);
			return 1;
		}
		shown += (long long)pg.nrows;
		if (fmt == CQ_CSV)
			rc = query_page_csv(&pg, stdout, pages == 0);
		else if (fmt == CQ_TABLE)
			cq_table(&pg, pages == 0);
		else if ((page = query_page_json(&pg)) == NULL)
			rc = ERR_NOMEM;
		else if (all == NULL)
			all = page;
		else {
			if (json_array_extend(json_object_get(all, "rows"),
			    json_object_get(page, "rows")) != 0)
				rc = ERR_NOMEM;
			json_decref(page);
		}
		pages++;
		if (rc != 0 || !every || pg.next_cursor[0] == '\0')
			break;
		(void)snprintf(p.cursor, sizeof(p.cursor), "%s",
		    pg.next_cursor);
		query_page_reset(&pg);
	}
	if (rc == 0 && all != NULL) {
		if (every && json_object_set_new(all, "next_cursor",
		    json_null()) != 0)
			rc = ERR_NOMEM;
		else if ((text = json_dumps(all, JSON_PRESERVE_ORDER |
		    JSON_COMPACT)) == NULL)
			rc = ERR_NOMEM;
		else {
			printf("%s\n", text);
			free(text);
		}
	}
	if (rc == 0 && fmt != CQ_JSON && pg.next_cursor[0] != '\0')
		fprintf(stderr, "%lld of %lld row(s); next page: --cursor "
		    "%s\n", shown, pg.total, pg.next_cursor);
	query_page_reset(&pg);
	json_decref(all);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = ERR_IO;
	if (rc != 0) {
		fprintf(stderr, "centralctl %s: %s\n", cmd, err_str(rc));
		return 1;
	}
	return 0;
}

static int
cq_history(const struct cctl_ctx *ctx, int argc, char **argv)
{
	PGconn		*conn;
	json_t		*h;
	const char	*args[2], *v;
	char		 subject[64];
	char		*text;
	int		 i, n = 0, rc;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			cq_usage(stdout, "history");
			exit(0);
		}
		if (cctl_opt("history", argc, argv, &i, "--format", &v)) {
			if (strcmp(v, "json") != 0)
				cctl_bad_usage("history", "--format: a history "
				    "is JSON only");
			continue;
		}
		if (argv[i][0] == '-')
			cctl_bad_usage("history", "unknown option %s",
			    argv[i]);
		if (n == 2)
			cctl_bad_usage("history", "unexpected argument \"%s\"",
			    argv[i]);
		args[n++] = argv[i];
	}
	if (n != 2)
		cctl_bad_usage("history", "STATE and NUMBER are needed");
	if (!query_doc_check(args[0], args[1]))
		cctl_bad_usage("history", "\"%s %s\" is not an issuing state "
		    "(1..3 capital letters) and a document number (1..24 "
		    "capital letters and digits)", args[0], args[1]);
	if ((conn = cctl_connect(ctx, "history")) == NULL)
		return 1;
	(void)snprintf(subject, sizeof(subject), "%s:%s", args[0], args[1]);
	if ((rc = audit_append(conn, ctx->actor, "lookup", subject,
	    "{\"query\":\"history\"}")) != 0) {
		fprintf(stderr, "centralctl history: the audit trail cannot "
		    "record the look-up: %s\n", err_str(rc));
		return 1;
	}
	rc = query_history(conn, args[0], args[1], &h);
	if (rc == ERR_NOTFOUND) {
		fprintf(stderr, "centralctl history: nothing is known of %s "
		    "%s\n", args[0], args[1]);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "centralctl history: %s\n", err_str(rc));
		return 1;
	}
	text = json_dumps(h, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(h);
	if (text == NULL) {
		fprintf(stderr, "centralctl history: out of memory\n");
		return 1;
	}
	printf("%s\n", text);
	free(text);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
cctl_query(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (strcmp(argv[0], "overstays") == 0)
		return cq_list(ctx, argv[0], QUERY_OVERSTAYS, argc, argv);
	if (strcmp(argv[0], "work-permits-ended") == 0)
		return cq_list(ctx, argv[0], QUERY_WORK_PERMITS_ENDED, argc,
		    argv);
	if (strcmp(argv[0], "unregistered") == 0)
		return cq_list(ctx, argv[0], QUERY_UNREGISTERED, argc, argv);
	return cq_history(ctx, argc, argv);
}
