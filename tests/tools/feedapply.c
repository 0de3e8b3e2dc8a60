/* feedapply - applies feed batches, one JSON batch a line (the bytes
 * feed_encode_batch() writes; any valid JSON of a batch is accepted), to a
 * post's store file through registry_apply_batch(), keyed by decide_key()
 * as checkpointd keys it, and prints what each line applied. Blank lines
 * and lines starting with '#' are skipped. Stops at the first batch that
 * does not decode or apply, naming the line and the field: what was
 * applied before it stays applied, that batch is not.
 *
 *   feedapply --store post.db [FILE...]     (no FILE, or "-": stdin)
 *
 * Exit status: 0 all applied, 1 a batch refused or the store unusable,
 * 2 bad arguments. Run it while checkpointd is stopped or running: SQLite
 * serialises the writers. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "err.h"
#include "feed.h"
#include "log.h"
#include "registry.h"

#define LINE_MAX_BYTES	((size_t)64 << 20)

static const char *const kind_names[] = {
	"document_alert", "person_alert", "permit", "stay_state", "policy",
	"officer"
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: feedapply --store FILE [BATCHES...]\n"
	    "\n"
	    "Applies feed batches (one JSON batch a line; stdin when no\n"
	    "file or \"-\" is given) to a post's store as the feed does,\n"
	    "with checkpointd's match keys, and prints what each applied.\n");
}

static const char *
kind_name(enum feed_kind k)
{
	size_t	i = (size_t)k;

	/* The enum counts from 1 in the order of docs/feed.md. */
	if (i >= 1 && i <= sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[i - 1];
	return "?";
}

/* Applies the batches in fp; name is for messages. 0, or 1 on a refusal. */
static int
apply_file(struct registry *reg, FILE *fp, const char *name,
    struct feed_entry *entries, size_t *nbatches)
{
	struct feed_batch	 b;
	struct proto_error	 err;
	char			*line = NULL;
	size_t			 cap = 0, i, lineno = 0, ups, dels;
	ssize_t			 n;
	int			 rc, status = 0;

	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if ((size_t)n > LINE_MAX_BYTES) {
			fprintf(stderr, "feedapply: %s:%zu: line over %zu "
			    "bytes\n", name, lineno, LINE_MAX_BYTES);
			status = 1;
			break;
		}
		memset(&b, 0, sizeof(b));
		memset(&err, 0, sizeof(err));
		b.entries = entries;
		if ((rc = feed_decode_batch(&b, FEED_BATCH_MAX,
		    (const uint8_t *)line, (size_t)n, &err)) != 0) {
			fprintf(stderr, "feedapply: %s:%zu: %s: %s%s%s\n",
			    name, lineno, err_str(rc), err.field,
			    err.field[0] != '\0' ? ": " : "", err.message);
			status = 1;
			break;
		}
		rc = registry_apply_batch(reg, &b, &err);
		if (rc != 0) {
			fprintf(stderr, "feedapply: %s:%zu: batch (%" PRIu64
			    ", %" PRIu64 "] not applied: %s%s%s%s%s\n", name,
			    lineno, b.from, b.to, err_str(rc),
			    err.field[0] != '\0' ? ": " : "", err.field,
			    err.message[0] != '\0' ? ": " : "", err.message);
			feed_batch_reset(&b);
			status = 1;
			break;
		}
		ups = dels = 0;
		for (i = 0; i < b.n; i++) {
			if (b.entries[i].op == FEED_DELETE)
				dels++;
			else
				ups++;
		}
		printf("applied (%" PRIu64 ", %" PRIu64 "]: %zu upserts, "
		    "%zu deletes", b.from, b.to, ups, dels);
		for (i = 0; i < b.n; i++)
			printf("%s%s %s %s", i == 0 ? ": " : ", ",
			    b.entries[i].op == FEED_DELETE ? "delete" :
			    "upsert", kind_name(b.entries[i].kind),
			    b.entries[i].id);
		printf("\n");
		feed_batch_reset(&b);
		(*nbatches)++;
	}
	if (status == 0 && ferror(fp)) {
		fprintf(stderr, "feedapply: %s: read error\n", name);
		status = 1;
	}
	free(line);
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "store",	required_argument, NULL, 's' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL,		0,		   NULL, 0 }
	};
	struct registry		*reg = NULL;
	struct feed_entry	*entries = NULL;
	const char		*store = NULL;
	uint64_t		 cursor = 0;
	size_t			 nbatches = 0;
	FILE			*fp;
	int			 ch, i, rc, status = 1;

	while ((ch = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			store = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (store == NULL) {
		fprintf(stderr, "feedapply: --store FILE is required\n");
		usage(stderr);
		return 2;
	}
	log_init("feedapply", LOGL_WARN);
	if ((entries = calloc(FEED_BATCH_MAX, sizeof(*entries))) == NULL) {
		fprintf(stderr, "feedapply: out of memory\n");
		return 1;
	}
	if ((rc = registry_open(&reg, store, decide_key, DECIDE_KEY_NAME))
	    != 0) {
		fprintf(stderr, "feedapply: %s: %s\n", store, err_str(rc));
		goto done;
	}
	if (optind == argc) {
		if (apply_file(reg, stdin, "stdin", entries, &nbatches) != 0)
			goto done;
	}
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			if (apply_file(reg, stdin, "stdin", entries,
			    &nbatches) != 0)
				goto done;
			continue;
		}
		if ((fp = fopen(argv[i], "r")) == NULL) {
			fprintf(stderr, "feedapply: %s: %s\n", argv[i],
			    strerror(errno));
			goto done;
		}
		rc = apply_file(reg, fp, argv[i], entries, &nbatches);
		(void)fclose(fp);	/* read only */
		if (rc != 0)
			goto done;
	}
	if ((rc = registry_cursor(reg, &cursor, NULL)) != 0) {
		fprintf(stderr, "feedapply: %s: %s\n", store, err_str(rc));
		goto done;
	}
	printf("%zu batches applied; cursor %" PRIu64 "\n", nbatches, cursor);
	status = 0;
done:
	registry_close(reg);
	free(entries);
	return status;
}
