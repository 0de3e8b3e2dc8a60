/* feedsign - turns feed batches (one JSON batch a line, as feedgen --out
 * and scripts/sample-feed.py write them) into a signed feed export file:
 * each batch is decoded, re-encoded in its canonical bytes
 * (feed_encode_batch) and written as one frame signed with an Ed25519
 * private key (feedframe_head), frames back to back on stdout. What
 * `checkpointctl import` reads; for tests and demos without a centre.
 * Blank lines and lines starting with '#' are skipped.
 *
 *   feedsign --key centre-feed.key [FILE...] > export.feed
 *
 * Exit status: 0 written, 1 a batch or the key refused, 2 bad arguments. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "feed.h"
#include "feedframe.h"
#include "sign.h"

#define LINE_MAX_BYTES	((size_t)64 << 20)

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: feedsign --key PRIVATE.pem [BATCHES...]\n"
	    "\n"
	    "Writes each feed batch (one JSON batch a line; stdin when no\n"
	    "file or \"-\" is given) as a signed frame on stdout: a feed\n"
	    "export file for checkpointctl import.\n");
}

/* Signs every batch of fp to stdout; 0, or 1 after saying why. */
static int
sign_file(const struct sign_key *k, FILE *fp, const char *name,
    struct feed_entry *entries, char *out, size_t outsz)
{
	struct feed_batch	 b;
	struct proto_error	 e;
	char			*line = NULL, head[FEEDFRAME_HEAD_MAX];
	size_t			 cap = 0, olen, hlen, lineno = 0;
	ssize_t			 n;
	int			 rc, status = 0;

	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if ((size_t)n > LINE_MAX_BYTES) {
			fprintf(stderr, "feedsign: %s:%zu: line too long\n",
			    name, lineno);
			status = 1;
			break;
		}
		memset(&b, 0, sizeof(b));
		b.entries = entries;
		memset(&e, 0, sizeof(e));
		if ((rc = feed_decode_batch(&b, FEED_BATCH_MAX,
		    (const uint8_t *)line, (size_t)n, &e)) != 0) {
			fprintf(stderr, "feedsign: %s:%zu: %s: %s%s%s\n", name,
			    lineno, err_str(rc), e.field,
			    e.field[0] != '\0' ? ": " : "", e.message);
			status = 1;
			break;
		}
		rc = feed_encode_batch(&b, out, outsz, &olen);
		feed_batch_reset(&b);
		if (rc == 0)
			rc = feedframe_head(k, (const uint8_t *)out, olen,
			    head, sizeof(head), &hlen);
		if (rc != 0) {
			fprintf(stderr, "feedsign: %s:%zu: cannot sign: %s\n",
			    name, lineno, err_str(rc));
			status = 1;
			break;
		}
		if (fwrite(head, 1, hlen, stdout) != hlen ||
		    fwrite(out, 1, olen, stdout) != olen ||
		    putchar('\n') == EOF) {
			fprintf(stderr, "feedsign: write: %s\n",
			    strerror(errno));
			status = 1;
			break;
		}
	}
	free(line);
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "key",	required_argument,	NULL, 'k' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct sign_key		*k = NULL;
	struct feed_entry	*entries;
	const char		*keypath = NULL;
	char			*out;
	FILE			*fp;
	int			 ch, i, rc, status = 0;

	while ((ch = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			keypath = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (keypath == NULL) {
		usage(stderr);
		return 2;
	}
	if ((rc = sign_key_load(&k, keypath)) != 0) {
		fprintf(stderr, "feedsign: key %s: %s\n", keypath,
		    err_str(rc));
		return 1;
	}
	entries = calloc(FEED_BATCH_MAX, sizeof(*entries));
	out = malloc(FEEDFRAME_BATCH_MAX);
	if (entries == NULL || out == NULL) {
		fprintf(stderr, "feedsign: out of memory\n");
		return 1;
	}
	if (optind == argc)
		status = sign_file(k, stdin, "(stdin)", entries, out,
		    FEEDFRAME_BATCH_MAX);
	for (i = optind; i < argc && status == 0; i++) {
		if (strcmp(argv[i], "-") == 0) {
			status = sign_file(k, stdin, "(stdin)", entries, out,
			    FEEDFRAME_BATCH_MAX);
			continue;
		}
		if ((fp = fopen(argv[i], "r")) == NULL) {
			fprintf(stderr, "feedsign: %s: %s\n", argv[i],
			    strerror(errno));
			status = 1;
			break;
		}
		status = sign_file(k, fp, argv[i], entries, out,
		    FEEDFRAME_BATCH_MAX);
		fclose(fp);
	}
	if (fflush(stdout) != 0)
		status = 1;
	sign_key_free(k);
	free(entries);
	free(out);
	return status;
}
