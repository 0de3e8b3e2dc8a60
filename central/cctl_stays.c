/* cctl_stays.c - `centralctl stays`: show one traveller's stored stay state
 * as JSON, and run the stay deriver to completion now (the sweep, then
 * every dirty document) for operators and tests. docs/stay-states.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "cctl.h"
#include "date.h"
#include "db.h"
#include "err.h"
#include "stays.h"

#define CCTL_STAYS_STEP	500	/* documents per stays_derive() */

static void
cctl_stays_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: centralctl [-c FILE | --db CONNINFO] stays show STATE "
	    "NUMBER\n"
	    "       centralctl [-c FILE | --db CONNINFO] stays derive "
	    "[--today DATE]\n"
	    "\n"
	    "Stay states: per foreign traveller's travel document, the stays\n"
	    "of the rolling window and the open stay, derived from the\n"
	    "crossings the posts sent (docs/stay-states.md).\n"
	    "\n"
	    "  show           print the stored state of the document (issuing\n"
	    "                 state and number as in the MRZ, e.g. UZB\n"
	    "                 AB1234567) as one JSON object: stays, open stay,\n"
	    "                 post of entry, allowed_until, rule,\n"
	    "                 overstay_days; exit 1 if there is none\n"
	    "  derive         mark what the passing of days changed (the\n"
	    "                 sweep), then derive every dirty document now;\n"
	    "                 prints how many. centrald does this by itself.\n"
	    "\n"
	    "  --today DATE   derive as of this civil day (YYYY-MM-DD);\n"
	    "                 default: today in the policy's time zone\n");
}

static int
cctl_stays_code(const char *s, size_t max, int digits)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(digits && s[i] >= '0' && s[i] <= '9'))
			return 0;
	return 1;
}

/* A text column as a JSON string, or null for SQL null. */
static json_t *
cctl_stays_val(const PGresult *r, int col)
{
	if (PQgetisnull(r, 0, col))
		return json_null();
	return json_string(PQgetvalue(r, 0, col));
}

static int
cctl_stays_show(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char sql[] =
	    "SELECT issuing_state, number, nationality,"
	    " to_char(birth_date, 'YYYY-MM-DD'), stays::text,"
	    " to_char(open_entry, 'YYYY-MM-DD'), open_post,"
	    " to_char(allowed_until, 'YYYY-MM-DD'), rule,"
	    " overstay_days::text, policy_version,"
	    " to_char(derived_on, 'YYYY-MM-DD'),"
	    " to_char(updated_at AT TIME ZONE 'UTC',"
	    "  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
	    " FROM stay_states WHERE issuing_state = $1 AND number = $2";
	static const char *const keys[] = {
		"issuing_state", "number", "nationality", "birth_date",
		"stays", "open_entry", "open_post", "allowed_until", "rule",
		"overstay_days", "policy_version", "derived_on", "updated_at"
	};
	const char	*v[2];
	PGconn		*conn;
	PGresult	*r;
	json_t		*o, *val;
	json_error_t	 jerr;
	char		*text;
	size_t		 i;
	int		 status = 1;

	if (argc != 4)
		cctl_bad_usage("stays", "show needs STATE and NUMBER");
	if (!cctl_stays_code(argv[2], 3, 0))
		cctl_bad_usage("stays", "\"%s\" is not an issuing state (1..3 "
		    "capital letters, as in the MRZ)", argv[2]);
	if (!cctl_stays_code(argv[3], 24, 1))
		cctl_bad_usage("stays", "\"%s\" is not a document number "
		    "(1..24 capital letters and digits)", argv[3]);
	if ((conn = cctl_connect(ctx, "stays")) == NULL)
		return 1;
	v[0] = argv[2];
	v[1] = argv[3];
	r = PQexecParams(conn, sql, 2, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "centralctl stays: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		return 1;
	}
	if (PQntuples(r) != 1) {
		fprintf(stderr, "centralctl stays: no stay state for %s %s\n",
		    argv[2], argv[3]);
		PQclear(r);
		return 1;
	}
	if ((o = json_object()) == NULL)
		goto done;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i], "stays") == 0)
			val = json_loads(PQgetvalue(r, 0, (int)i), 0, &jerr);
		else if (strcmp(keys[i], "overstay_days") == 0)
			val = json_integer(strtoll(PQgetvalue(r, 0, (int)i),
			    NULL, 10));
		else
			val = cctl_stays_val(r, (int)i);
		if (val == NULL || json_object_set_new(o, keys[i], val) != 0)
			goto done;
	}
	if ((text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT)) ==
	    NULL)
		goto done;
	printf("%s\n", text);
	free(text);
	status = 0;
done:
	if (status != 0)
		fprintf(stderr, "centralctl stays: out of memory\n");
	json_decref(o);
	PQclear(r);
	return status;
}

static int
cctl_stays_derive(const struct cctl_ctx *ctx, int argc, char **argv)
{
	struct stays	*st;
	struct date	 d;
	PGconn		*conn;
	PGresult	*r;
	const char	*v;
	int64_t		 today = STAYS_TODAY;
	size_t		 done, all = 0, marked = 0;
	int		 i, rc, npol;

	for (i = 2; i < argc; i++) {
		if (cctl_opt("stays", argc, argv, &i, "--today", &v)) {
			if (date_parse_iso(&d, v, strlen(v)) != 0)
				cctl_bad_usage("stays", "--today: \"%s\" is not "
				    "a date YYYY-MM-DD", v);
			today = date_to_days(&d);
		} else
			cctl_bad_usage("stays", "unexpected argument \"%s\"",
			    argv[i]);
	}
	if ((conn = cctl_connect(ctx, "stays")) == NULL)
		return 1;
	r = PQexec(conn, "SELECT count(*) FROM policy_versions");
	npol = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ?
	    (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
	PQclear(r);
	if (npol <= 0) {
		fprintf(stderr, "centralctl stays: %s\n", npol < 0 ?
		    "cannot read policy_versions" : "no stay policy loaded: "
		    "centralctl policy load FILE");
		return 1;
	}
	if ((st = stays_new()) == NULL) {
		fprintf(stderr, "centralctl stays: out of memory\n");
		return 1;
	}
	rc = stays_sweep(conn, st, today, &marked);
	while (rc == 0) {
		rc = stays_derive(conn, st, today, CCTL_STAYS_STEP, &done);
		all += done;
		if (done == 0)
			break;
	}
	stays_free(st);
	if (rc != 0) {
		fprintf(stderr, "centralctl stays: deriving stopped after %zu "
		    "document(s): %s\n", all, err_str(rc));
		return 1;
	}
	printf("swept: %zu state(s) marked; derived: %zu document(s)\n",
	    marked, all);
	return 0;
}

int
cctl_stays(const struct cctl_ctx *ctx, int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++)
		if (cctl_is_help(argv[i])) {
			cctl_stays_usage(stdout);
			return 0;
		}
	if (argc < 2)
		cctl_bad_usage("stays", "a subcommand is needed: show or "
		    "derive");
	if (strcmp(argv[1], "show") == 0)
		return cctl_stays_show(ctx, argc, argv);
	if (strcmp(argv[1], "derive") == 0)
		return cctl_stays_derive(ctx, argc, argv);
	cctl_bad_usage("stays", "unknown subcommand \"%s\" (show or derive)",
	    argv[1]);
}
