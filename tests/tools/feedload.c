/* feedload - loads feed batches (one JSON batch a line, as feedgen --out
 * writes them) into the centre's feed log in PostgreSQL for benchmarks:
 * every entry is re-encoded with feed_encode_entry() (the exact bytes the
 * centre stores and serves), copied with COPY into feed_log at its own
 * position, earlier rows of the same (kind, id) are marked superseded, and
 * feed_head is moved to the last position — all in one transaction. The
 * batches must start at the current head (feedgen --from HEAD).
 *
 *   feedload --db CONNINFO [FILE...]        (no FILE, or "-": stdin)
 *
 * It writes the feed log only, not the registry tables behind it: what a
 * post's catch-up costs depends on the log alone. Exit status: 0 loaded,
 * 1 a batch refused or the database failed, 2 bad arguments. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "err.h"
#include "feed.h"
#include "log.h"

#define LINE_MAX_BYTES	((size_t)64 << 20)
#define ENTRY_MAX	((size_t)1 << 20)

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: feedload --db CONNINFO [BATCHES...]\n"
	    "\n"
	    "Loads feed batches (one JSON batch a line; stdin when no file\n"
	    "or \"-\" is given) into the centre's feed log at their\n"
	    "positions, in one transaction. The first batch must start at\n"
	    "the log's head.\n");
}

static int
exec_ok(PGconn *c, const char *sql, ExecStatusType want)
{
	PGresult	*r = PQexec(c, sql);
	int		 ok = PQresultStatus(r) == want;

	if (!ok)
		fprintf(stderr, "feedload: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return ok;
}

/* Appends s to the COPY text row being built, escaped for COPY text. */
static int
copy_field(char *buf, size_t bufsz, size_t *off, const char *s, size_t n,
    int last)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		const char	*esc = NULL;
		char		 c = s[i];

		if (c == '\\')
			esc = "\\\\";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		if (*off + 3 >= bufsz)
			return ERR_TOOBIG;
		if (esc != NULL) {
			buf[(*off)++] = esc[0];
			buf[(*off)++] = esc[1];
		} else
			buf[(*off)++] = c;
	}
	if (*off + 2 >= bufsz)
		return ERR_TOOBIG;
	buf[(*off)++] = last ? '\n' : '\t';
	return 0;
}

/* Copies every batch of fp; *pos is the position the next batch must
 * start at and moves to each batch's end. 0 or 1. */
static int
load_file(PGconn *c, FILE *fp, const char *name, struct feed_entry *entries,
    uint64_t *pos, size_t *nentries)
{
	struct feed_batch	 b;
	struct proto_error	 err;
	char			*line = NULL, *enc = NULL, *row = NULL;
	size_t			 cap = 0, lineno = 0, i;
	ssize_t			 n;
	int			 rc = 1;

	if ((enc = malloc(ENTRY_MAX)) == NULL ||
	    (row = malloc(2 * ENTRY_MAX + 256)) == NULL) {
		fprintf(stderr, "feedload: out of memory\n");
		goto out;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (n == 0 || line[0] == '\n' || line[0] == '#')
			continue;
		if ((size_t)n > LINE_MAX_BYTES) {
			fprintf(stderr, "feedload: %s:%zu: line too long\n",
			    name, lineno);
			goto out;
		}
		memset(&b, 0, sizeof(b));
		b.entries = entries;
		memset(&err, 0, sizeof(err));
		if (feed_decode_batch(&b, FEED_BATCH_MAX, (const uint8_t *)line,
		    (size_t)n, &err) != 0) {
			fprintf(stderr, "feedload: %s:%zu: %s: %s\n", name,
			    lineno, err.field, err.message);
			goto out;
		}
		if (b.from != *pos) {
			fprintf(stderr, "feedload: %s:%zu: the batch starts at "
			    "%" PRIu64 ", the log is at %" PRIu64 "\n", name,
			    lineno, b.from, *pos);
			feed_batch_reset(&b);
			goto out;
		}
		for (i = 0; i < b.n; i++) {
			const struct feed_entry	*e = &b.entries[i];
			char			 num[32];
			size_t			 elen, off = 0;
			int			 r;

			if ((r = feed_encode_entry(e, enc, ENTRY_MAX, &elen))
			    != 0) {
				fprintf(stderr, "feedload: %s:%zu: entry %zu: "
				    "%s\n", name, lineno, i, err_str(r));
				feed_batch_reset(&b);
				goto out;
			}
			(void)snprintf(num, sizeof(num), "%" PRIu64, e->pos);
			if (copy_field(row, 2 * ENTRY_MAX + 256, &off, num,
			    strlen(num), 0) != 0 ||
			    copy_field(row, 2 * ENTRY_MAX + 256, &off,
			    feed_kind_str(e->kind),
			    strlen(feed_kind_str(e->kind)), 0) != 0 ||
			    copy_field(row, 2 * ENTRY_MAX + 256, &off, e->id,
			    strlen(e->id), 0) != 0 ||
			    copy_field(row, 2 * ENTRY_MAX + 256, &off,
			    feed_op_str(e->op), strlen(feed_op_str(e->op)),
			    0) != 0 ||
			    copy_field(row, 2 * ENTRY_MAX + 256, &off, enc,
			    elen, 1) != 0) {
				fprintf(stderr, "feedload: %s:%zu: entry %zu "
				    "too long\n", name, lineno, i);
				feed_batch_reset(&b);
				goto out;
			}
			if (PQputCopyData(c, row, (int)off) != 1) {
				fprintf(stderr, "feedload: COPY: %s",
				    PQerrorMessage(c));
				feed_batch_reset(&b);
				goto out;
			}
		}
		*nentries += b.n;
		*pos = b.to;
		feed_batch_reset(&b);
	}
	if (ferror(fp)) {
		fprintf(stderr, "feedload: %s: read error\n", name);
		goto out;
	}
	rc = 0;
out:
	free(line);
	free(enc);
	free(row);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct feed_entry	*entries = NULL;
	PGconn			*c = NULL;
	PGresult		*r;
	const char		*conninfo = NULL;
	char			 num[32];
	const char		*pv[1];
	uint64_t		 head, pos;
	size_t			 nentries = 0;
	int			 ch, i, rc = 1, copying = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			conninfo = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (conninfo == NULL) {
		usage(stderr);
		return 2;
	}
	log_init("feedload", LOGL_WARN);
	if ((entries = calloc(FEED_BATCH_MAX, sizeof(*entries))) == NULL) {
		fprintf(stderr, "feedload: out of memory\n");
		return 1;
	}
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "feedload: %s", PQerrorMessage(c));
		goto out;
	}
	if (!exec_ok(c, "BEGIN", PGRES_COMMAND_OK))
		goto out;
	r = PQexec(c, "SELECT pos FROM feed_head FOR UPDATE");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		fprintf(stderr, "feedload: feed_head: %s", PQerrorMessage(c));
		PQclear(r);
		goto out;
	}
	head = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	pos = head;
	if (!exec_ok(c, "CREATE TEMP TABLE feedload_in (LIKE feed_log "
	    "INCLUDING DEFAULTS) ON COMMIT DROP", PGRES_COMMAND_OK) ||
	    !exec_ok(c, "COPY feedload_in (pos, kind, id, op, entry) FROM "
	    "STDIN", PGRES_COPY_IN))
		goto out;
	copying = 1;
	if (optind == argc) {
		if (load_file(c, stdin, "-", entries, &pos, &nentries) != 0)
			goto out;
	}
	for (i = optind; i < argc; i++) {
		FILE	*fp;
		int	 bad;

		if (strcmp(argv[i], "-") == 0) {
			if (load_file(c, stdin, "-", entries, &pos,
			    &nentries) != 0)
				goto out;
			continue;
		}
		if ((fp = fopen(argv[i], "r")) == NULL) {
			fprintf(stderr, "feedload: %s: %s\n", argv[i],
			    strerror(errno));
			goto out;
		}
		bad = load_file(c, fp, argv[i], entries, &pos, &nentries);
		fclose(fp);
		if (bad)
			goto out;
	}
	copying = 0;
	if (PQputCopyEnd(c, NULL) != 1) {
		fprintf(stderr, "feedload: COPY end: %s", PQerrorMessage(c));
		goto out;
	}
	r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "feedload: COPY: %s", PQerrorMessage(c));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	while ((r = PQgetResult(c)) != NULL)
		PQclear(r);
	/* Earlier rows of a (kind, id) written again are superseded; so are
	 * the loaded rows that a later loaded row rewrites. */
	if (!exec_ok(c, "UPDATE feed_log f SET superseded = true FROM "
	    "feedload_in n WHERE f.kind = n.kind AND f.id = n.id AND "
	    "NOT f.superseded", PGRES_COMMAND_OK) ||
	    !exec_ok(c, "INSERT INTO feed_log (pos, kind, id, op, entry, "
	    "superseded) SELECT pos, kind, id, op, entry, pos < max(pos) "
	    "OVER (PARTITION BY kind, id) FROM feedload_in",
	    PGRES_COMMAND_OK))
		goto out;
	(void)snprintf(num, sizeof(num), "%" PRIu64, pos);
	pv[0] = num;
	r = PQexecParams(c, "UPDATE feed_head SET pos = $1::bigint", 1, NULL,
	    pv, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "feedload: feed_head: %s", PQerrorMessage(c));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	if (!exec_ok(c, "COMMIT", PGRES_COMMAND_OK))
		goto out;
	printf("%zu entries loaded; feed head %" PRIu64 " -> %" PRIu64 "\n",
	    nentries, head, pos);
	rc = 0;
out:
	if (copying)
		(void)PQputCopyEnd(c, "feedload failed");
	PQfinish(c);
	free(entries);
	return rc;
}
