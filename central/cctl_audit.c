/* cctl_audit.c - `centralctl audit`: verify every audit chain and signed
 * head (exit 1 naming the first problem of each chain), list events (CSV,
 * JSON lines or a table; the listing is itself audited), and sign the
 * chain heads now. docs/audit.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "audit.h"
#include "auditchain.h"
#include "cctl.h"
#include "date.h"
#include "db.h"
#include "err.h"
#include "sign.h"

#define CCTL_AUDIT_KEYS		8
#define CCTL_AUDIT_ROWS		1000	/* rows per aligned block of a table */
#define CCTL_AUDIT_TCOLS	7	/* columns of the table format */

static const char *const cctl_audit_cols[] = {
	"chain", "seq", "at", "actor", "action", "subject", "detail", "prev",
	"hash"
};
#define CCTL_AUDIT_NCOLS \
	(sizeof(cctl_audit_cols) / sizeof(cctl_audit_cols[0]))

static void
cctl_audit_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: centralctl [-c FILE | --db CONNINFO] audit verify "
	    "[--key FILE.pub ...] [--all]\n"
	    "       centralctl [-c FILE | --db CONNINFO] audit list "
	    "[--chain C] [--since TIME]\n"
	    "                  [--until TIME] [--actor A] [--action X] "
	    "[--subject S]\n"
	    "                  [--limit N] [--format json|csv|table]\n"
	    "       centralctl [-c FILE | --db CONNINFO] audit sign "
	    "[--key FILE]\n"
	    "\n"
	    "The audit trail: the centre's chain (logins, queries, changes)\n"
	    "and each post's chain (lane checks and records), docs/audit.md.\n"
	    "\n"
	    "  verify         walk every chain from its first event: recompute\n"
	    "                 every hash, check seqs and links, check every\n"
	    "                 signed head. Exit 0 if all is intact, 1 naming\n"
	    "                 the first problem of each chain (which chain,\n"
	    "                 which seq, and whether an event looks changed,\n"
	    "                 removed, inserted or reordered).\n"
	    "    --key FILE.pub  a public key (PEM) signed heads may be signed\n"
	    "                 with; repeat for old keys. Default: the public\n"
	    "                 key of feed.signing_key of central.yaml (-c)\n"
	    "    --all        print every problem found, not only the first of\n"
	    "                 each chain\n"
	    "  list           list events ordered by time, chain and seq; the\n"
	    "                 listing is itself recorded (action \"query\")\n"
	    "    --chain C    \"centre\" or \"post:CODE\"\n"
	    "    --since TIME at or after TIME; --until TIME: before TIME\n"
	    "                 (RFC 3339, or YYYY-MM-DD meaning midnight UTC)\n"
	    "    --actor A, --action X, --subject S   exact matches\n"
	    "    --limit N    at most N events\n"
	    "    --format F   csv (header line, RFC 4180 quoting), json (one\n"
	    "                 object per line) or table (without hashes);\n"
	    "                 default: table on a terminal, else csv\n"
	    "  sign           sign the head of every chain that moved now\n"
	    "                 (centrald does so every audit.sign_interval_s)\n"
	    "    --key FILE   the Ed25519 private key (PEM); default:\n"
	    "                 feed.signing_key of central.yaml (-c)\n");
}

/* The private key: --key FILE or feed.signing_key. NULL after a message. */
static struct sign_key *
cctl_audit_privkey(const struct cctl_ctx *ctx, const char *path)
{
	struct sign_key	*k = NULL;
	int		 rc;

	if (path == NULL && ctx->cfg != NULL &&
	    ctx->cfg->feed_key_file[0] != '\0')
		path = ctx->cfg->feed_key_file;
	if (path == NULL)
		cctl_bad_usage("audit", "no signing key: give --key FILE or "
		    "-c central.yaml with feed.signing_key");
	if ((rc = sign_key_load(&k, path)) != 0) {
		fprintf(stderr, "centralctl audit: key %s: %s\n", path,
		    rc == ERR_IO ? strerror(errno) :
		    rc == ERR_PARSE ? "not a PEM private key" :
		    rc == ERR_INVAL ? "not an Ed25519 key" : err_str(rc));
		return NULL;
	}
	return k;
}

struct cctl_audit_report {
	int	all;
	size_t	printed;
};

static int
cctl_audit_finding(void *arg, const struct audit_finding *f)
{
	struct cctl_audit_report	*rep = arg;

	if (!f->first && !rep->all)
		return 0;
	printf("%s: seq %" PRIu64 ": %s: %s\n", f->chain, f->seq,
	    audit_finding_str(f->kind), f->message);
	rep->printed++;
	return 0;
}

static int
cctl_audit_verify(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char		*cmd = "audit";
	uint8_t				 pub[CCTL_AUDIT_KEYS][SIGN_PUBKEY_LEN];
	struct cctl_audit_report	 rep;
	struct audit_verify_sum		 s;
	struct sign_key			*k;
	const char			*v;
	PGconn				*conn;
	size_t				 npub = 0;
	int				 i, rc;

	memset(&rep, 0, sizeof(rep));
	for (i = 1; i < argc; i++) {
		if (cctl_opt(cmd, argc, argv, &i, "--key", &v)) {
			if (npub == CCTL_AUDIT_KEYS)
				cctl_bad_usage(cmd, "--key: at most %d keys",
				    CCTL_AUDIT_KEYS);
			if ((rc = sign_pubkey_load(pub[npub], v)) != 0) {
				fprintf(stderr, "centralctl audit: --key %s: "
				    "%s\n", v, rc == ERR_IO ? strerror(errno) :
				    rc == ERR_PARSE ? "not a PEM public key" :
				    rc == ERR_INVAL ? "not an Ed25519 key" :
				    err_str(rc));
				return 1;
			}
			npub++;
		} else if (strcmp(argv[i], "--all") == 0)
			rep.all = 1;
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "verify: unknown option %s",
			    argv[i]);
		else
			cctl_bad_usage(cmd, "verify: unexpected argument "
			    "\"%s\"", argv[i]);
	}
	if (npub == 0) {
		if (ctx->cfg == NULL || ctx->cfg->feed_key_file[0] == '\0')
			cctl_bad_usage(cmd, "verify: no public key: give --key "
			    "FILE.pub or -c central.yaml with "
			    "feed.signing_key");
		if ((k = cctl_audit_privkey(ctx, NULL)) == NULL)
			return 1;
		sign_key_public(k, pub[0]);
		sign_key_free(k);
		npub = 1;
	}
	if ((conn = cctl_connect(ctx, "audit")) == NULL)
		return 1;
	if ((rc = audit_verify(conn, (const uint8_t (*)[SIGN_PUBKEY_LEN])pub,
	    npub, cctl_audit_finding, &rep, &s)) != 0) {
		fprintf(stderr, "centralctl audit: verification failed: %s\n",
		    err_str(rc));
		return 1;
	}
	printf("audit verify: %zu chain(s), %" PRIu64 " event(s), %zu signed "
	    "head(s), %" PRIu64 " event(s) after the last signed heads: ",
	    s.chains, s.events, s.heads, s.unsigned_events);
	if (s.problems == 0) {
		printf("OK\n");
		return 0;
	}
	printf("%zu problem(s) in %zu chain(s)%s\n", s.problems, s.chains_bad,
	    rep.all ? "" : " (--all prints every one)");
	return 1;
}

static int
cctl_audit_sign(const struct cctl_ctx *ctx, int argc, char **argv)
{
	struct sign_key	*k;
	const char	*v, *path = NULL;
	PGconn		*conn;
	size_t		 n;
	int		 i, rc;

	for (i = 1; i < argc; i++) {
		if (cctl_opt("audit", argc, argv, &i, "--key", &v))
			path = v;
		else
			cctl_bad_usage("audit", "sign: unexpected argument "
			    "\"%s\"", argv[i]);
	}
	if ((k = cctl_audit_privkey(ctx, path)) == NULL)
		return 1;
	if ((conn = cctl_connect(ctx, "audit")) == NULL) {
		sign_key_free(k);
		return 1;
	}
	rc = audit_sign_heads(conn, k, &n);
	sign_key_free(k);
	if (rc != 0) {
		fprintf(stderr, "centralctl audit: signing failed: %s\n",
		    err_str(rc));
		return 1;
	}
	printf("%zu head(s) signed\n", n);
	return 0;
}

/* ---- list ---- */

enum cctl_audit_fmt { CCTL_AUDIT_CSV, CCTL_AUDIT_JSON, CCTL_AUDIT_TABLE };

struct cctl_audit_out {
	enum cctl_audit_fmt	  fmt;
	char			**rows;		/* table: buffered values */
	size_t			  nrows;
	int			  header_done;
};

static void
cctl_audit_csv(const char *s)
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

/* Display width of UTF-8 text: one column per code point. */
static size_t
cctl_audit_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int
cctl_audit_flush(struct cctl_audit_out *o)
{
	size_t		w[CCTL_AUDIT_TCOLS], r, k, i;
	const char	*v;

	if (o->nrows == 0 && o->header_done)
		return 0;
	for (i = 0; i < CCTL_AUDIT_TCOLS; i++)
		w[i] = cctl_audit_width(cctl_audit_cols[i]);
	for (r = 0; r < o->nrows; r++)
		for (i = 0; i < CCTL_AUDIT_TCOLS; i++)
			if ((k = cctl_audit_width(o->rows[r *
			    CCTL_AUDIT_TCOLS + i])) > w[i])
				w[i] = k;
	for (r = o->header_done ? 1 : 0; r <= o->nrows; r++) {
		for (i = 0; i < CCTL_AUDIT_TCOLS; i++) {
			v = r == 0 ? cctl_audit_cols[i] :
			    o->rows[(r - 1) * CCTL_AUDIT_TCOLS + i];
			fputs(v, stdout);
			if (i + 1 < CCTL_AUDIT_TCOLS)
				for (k = cctl_audit_width(v); k < w[i] + 2; k++)
					putchar(' ');
		}
		putchar('\n');
	}
	o->header_done = 1;
	for (r = 0; r < o->nrows * CCTL_AUDIT_TCOLS; r++)
		free(o->rows[r]);
	o->nrows = 0;
	return ferror(stdout) ? ERR_IO : 0;
}

static int
cctl_audit_row(void *arg, const struct audit_row *row)
{
	struct cctl_audit_out	*o = arg;
	json_t			*j, *d;
	json_error_t		 jerr;
	char			*line, seq[24];
	const char		*vals[CCTL_AUDIT_NCOLS];
	size_t			 i;

	(void)snprintf(seq, sizeof(seq), "%" PRIu64, row->seq);
	vals[0] = row->chain;
	vals[1] = seq;
	vals[2] = row->at;
	vals[3] = row->actor;
	vals[4] = row->action;
	vals[5] = row->subject;
	vals[6] = row->detail;
	vals[7] = row->prev;
	vals[8] = row->hash;
	switch (o->fmt) {
	case CCTL_AUDIT_CSV:
		for (i = 0; i < CCTL_AUDIT_NCOLS; i++) {
			if (i > 0)
				putchar(',');
			cctl_audit_csv(vals[i]);
		}
		putchar('\n');
		break;
	case CCTL_AUDIT_JSON:
		if ((d = json_loads(row->detail, 0, &jerr)) == NULL)
			d = json_string(row->detail);
		j = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s}",
		    "chain", row->chain, "seq", (json_int_t)row->seq,
		    "at", row->at, "actor", row->actor, "action", row->action,
		    "subject", row->subject, "detail",
		    d != NULL ? d : json_null(), "prev", row->prev,
		    "hash", row->hash);
		if (j == NULL)
			return ERR_NOMEM;
		line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (line == NULL)
			return ERR_NOMEM;
		printf("%s\n", line);
		free(line);
		break;
	case CCTL_AUDIT_TABLE:
		if (o->rows == NULL && (o->rows = calloc((size_t)CCTL_AUDIT_ROWS *
		    CCTL_AUDIT_TCOLS, sizeof(*o->rows))) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < CCTL_AUDIT_TCOLS; i++) {
			if ((o->rows[o->nrows * CCTL_AUDIT_TCOLS + i] =
			    strdup(vals[i])) == NULL) {
				while (i-- > 0)
					free(o->rows[o->nrows *
					    CCTL_AUDIT_TCOLS + i]);
				return ERR_NOMEM;
			}
		}
		if (++o->nrows == CCTL_AUDIT_ROWS)
			return cctl_audit_flush(o);
		break;
	}
	return ferror(stdout) ? ERR_IO : 0;
}

/* RFC 3339, or YYYY-MM-DD meaning its midnight UTC. */
static int
cctl_audit_time(const char *s, int64_t *ms)
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

static int
cctl_audit_list(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	*cmd = "audit";
	struct audit_filter	 f;
	struct cctl_audit_out	 o;
	const char		*v, *since = NULL, *until = NULL, *fmt = NULL;
	json_t			*detail;
	PGconn			*conn;
	char			*end, *text;
	size_t			 r, i;
	int			 rc;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	for (i = 1; i < (size_t)argc; i++) {
		int	k = (int)i;

		if (cctl_opt(cmd, argc, argv, &k, "--chain", &v))
			f.chain = v;
		else if (cctl_opt(cmd, argc, argv, &k, "--since", &v))
			since = v;
		else if (cctl_opt(cmd, argc, argv, &k, "--until", &v))
			until = v;
		else if (cctl_opt(cmd, argc, argv, &k, "--actor", &v))
			f.actor = v;
		else if (cctl_opt(cmd, argc, argv, &k, "--action", &v))
			f.action = v;
		else if (cctl_opt(cmd, argc, argv, &k, "--subject", &v))
			f.subject = v;
		else if (cctl_opt(cmd, argc, argv, &k, "--format", &v))
			fmt = v;
		else if (cctl_opt(cmd, argc, argv, &k, "--limit", &v)) {
			errno = 0;
			f.limit = strtoll(v, &end, 10);
			if (v[0] < '0' || v[0] > '9' || errno != 0 ||
			    *end != '\0' || f.limit < 1)
				cctl_bad_usage(cmd, "list: --limit: \"%s\" is "
				    "not a whole number of at least 1", v);
		} else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "list: unknown option %s",
			    argv[i]);
		else
			cctl_bad_usage(cmd, "list: unexpected argument "
			    "\"%s\"", argv[i]);
		i = (size_t)k;
	}
	if (f.chain != NULL && strcmp(f.chain, AUDIT_CHAIN_CENTRE) != 0 &&
	    strncmp(f.chain, "post:", 5) != 0)
		cctl_bad_usage(cmd, "list: --chain: \"%s\" is neither "
		    "\"centre\" nor \"post:CODE\"", f.chain);
	if (since != NULL) {
		if (cctl_audit_time(since, &f.since) != 0)
			cctl_bad_usage(cmd, "list: --since: \"%s\" is neither "
			    "an RFC 3339 time nor a YYYY-MM-DD date", since);
		f.has_since = 1;
	}
	if (until != NULL) {
		if (cctl_audit_time(until, &f.until) != 0)
			cctl_bad_usage(cmd, "list: --until: \"%s\" is neither "
			    "an RFC 3339 time nor a YYYY-MM-DD date", until);
		f.has_until = 1;
	}
	if (f.actor != NULL && audit_actor_check(f.actor) != 0)
		cctl_bad_usage(cmd, "list: --actor: must be 1..128 bytes "
		    "without control characters");
	if (f.action != NULL && audit_action_check(f.action) != 0)
		cctl_bad_usage(cmd, "list: --action: \"%s\" is not 1..32 of "
		    "a-z and _", f.action);
	if (f.subject != NULL && audit_subject_check(f.subject) != 0)
		cctl_bad_usage(cmd, "list: --subject: must be 0..128 bytes "
		    "without control characters");
	if (fmt == NULL)
		o.fmt = isatty(STDOUT_FILENO) ? CCTL_AUDIT_TABLE :
		    CCTL_AUDIT_CSV;
	else if (strcmp(fmt, "csv") == 0)
		o.fmt = CCTL_AUDIT_CSV;
	else if (strcmp(fmt, "json") == 0)
		o.fmt = CCTL_AUDIT_JSON;
	else if (strcmp(fmt, "table") == 0)
		o.fmt = CCTL_AUDIT_TABLE;
	else
		cctl_bad_usage(cmd, "list: --format: \"%s\" is not csv, json "
		    "or table", fmt);
	if ((conn = cctl_connect(ctx, "audit")) == NULL)
		return 1;
	/* Reading the trail is itself an audit event. */
	detail = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
	    "s:I}", "what", "audit_list", "via", "centralctl", "chain",
	    f.chain, "since", since, "until", until, "actor", f.actor,
	    "action", f.action, "subject", f.subject, "limit",
	    (json_int_t)f.limit);
	text = detail != NULL ? json_dumps(detail, JSON_COMPACT) : NULL;
	json_decref(detail);
	if (text == NULL) {
		fprintf(stderr, "centralctl audit: out of memory\n");
		return 1;
	}
	rc = audit_append(conn, ctx->actor, "query", "audit", text);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "centralctl audit: cannot record this listing "
		    "in the audit trail (%s); nothing listed\n", err_str(rc));
		return 1;
	}
	if (o.fmt == CCTL_AUDIT_CSV) {
		for (i = 0; i < CCTL_AUDIT_NCOLS; i++)
			printf("%s%s", i > 0 ? "," : "", cctl_audit_cols[i]);
		putchar('\n');
	}
	rc = audit_list(conn, &f, cctl_audit_row, &o);
	if (rc == 0 && o.fmt == CCTL_AUDIT_TABLE)
		rc = cctl_audit_flush(&o);
	for (r = 0; r < o.nrows * CCTL_AUDIT_TCOLS; r++)
		free(o.rows[r]);
	free(o.rows);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "centralctl audit: cannot write the listing: "
		    "%s\n", strerror(errno));
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "centralctl audit: listing failed: %s\n",
		    rc == ERR_INVAL ? "a filter is not valid" : err_str(rc));
		return 1;
	}
	return 0;
}

int
cctl_audit(const struct cctl_ctx *ctx, int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++)
		if (cctl_is_help(argv[i])) {
			cctl_audit_usage(stdout);
			return 0;
		}
	if (argc < 2)
		cctl_bad_usage("audit", "verify, list or sign is needed");
	if (strcmp(argv[1], "verify") == 0)
		return cctl_audit_verify(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return cctl_audit_list(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return cctl_audit_sign(ctx, argc - 1, argv + 1);
	cctl_bad_usage("audit", "unknown subcommand \"%s\" (verify, list or "
	    "sign)", argv[1]);
}
