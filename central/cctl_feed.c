/* cctl_feed.c - `centralctl feed`: the feed log's head position, and
 * export files for posts without a link (frames of signed batches, one
 * after another, as GET /v1/feed would answer them; docs/feed.md, "Export
 * files"). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cctl.h"
#include "db.h"
#include "err.h"
#include "feed.h"
#include "feedframe.h"
#include "feedlog.h"
#include "sign.h"

static void
cctl_feed_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: centralctl [-c FILE | --db CONNINFO] feed head\n"
	    "       centralctl [-c FILE | --db CONNINFO] feed export "
	    "--since V\n"
	    "                  [--key FILE] FILE\n"
	    "\n"
	    "The signed registry feed the posts read.\n"
	    "\n"
	    "  head           print the feed's head: the last position written\n"
	    "  export         write FILE: signed frames of every batch after\n"
	    "                 position V up to the head (V = 0: a snapshot of\n"
	    "                 everything in force), for `checkpointctl feed\n"
	    "                 import` at a post without a link. Written to\n"
	    "                 FILE.tmp, synced, then renamed; prints the\n"
	    "                 batches, entries, bytes and last position.\n"
	    "\n"
	    "  --since V      the last position the post has (0..2^53-1)\n"
	    "  --key FILE     the Ed25519 private key (PEM) to sign with;\n"
	    "                 default: feed.signing_key of central.yaml (-c)\n");
}

/* A position: decimal 0..FEED_POS_MAX, no sign, no leading zeros. */
static int
cctl_feed_pos(const char *s, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i, n = strlen(s);

	if (n == 0 || n > 16 || (n > 1 && s[0] == '0'))
		return ERR_PARSE;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ERR_PARSE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > FEED_POS_MAX)
		return ERR_RANGE;
	*out = v;
	return 0;
}

static int
cctl_feed_head(const struct cctl_ctx *ctx, int argc, char **argv)
{
	PGconn		*conn;
	uint64_t	 head;

	if (argc > 1)
		cctl_bad_usage("feed", "head: unexpected argument \"%s\"",
		    argv[1]);
	if ((conn = cctl_connect(ctx, "feed")) == NULL)
		return 1;
	if (feedlog_head(conn, &head) != 0) {
		fprintf(stderr, "centralctl feed: cannot read the head\n");
		return 1;
	}
	printf("%" PRIu64 "\n", head);
	return 0;
}

/* All of p to fd; 0 or ERR_IO (errno set). */
static int
cctl_feed_write(int fd, const void *p, size_t len)
{
	const char	*c = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, c, len)) == -1) {
			if (errno == EINTR)
				continue;
			return ERR_IO;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Makes the rename durable: fsync of the directory holding path. */
static int
cctl_feed_sync_dir(const char *path)
{
	char	dir[PATH_MAX], *slash;
	int	fd, rc = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return ERR_TOOBIG;
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return ERR_IO;
	if (fsync(fd) == -1)
		rc = ERR_IO;
	(void)close(fd);
	return rc;
}

struct cctl_export {
	uint64_t	since;
	uint64_t	last;		/* the last batch's to */
	size_t		batches;
	size_t		entries;
	size_t		bytes;
};

/* Batch after batch into fd, from x->since until a batch reaches its
 * snapshot's head. 0, or 1 after a message. */
static int
cctl_feed_frames(PGconn *conn, const struct sign_key *k, size_t max, int fd,
    const char *tmp, struct cctl_export *x)
{
	struct feedlog_batch	fb;
	char			head[FEEDFRAME_HEAD_MAX];
	size_t			hlen;
	uint64_t		since = x->since;
	int			rc, head_reached;

	for (;;) {
		rc = feedlog_batch(conn, since, max, FEEDFRAME_BATCH_MAX, &fb);
		if (rc == ERR_CONFLICT) {
			fprintf(stderr, "centralctl feed: position %" PRIu64
			    " is past the feed head %" PRIu64 "\n", since,
			    fb.head);
			return 1;
		}
		if (rc != 0) {
			fprintf(stderr, "centralctl feed: cannot read the "
			    "feed after position %" PRIu64 ": %s\n", since,
			    err_str(rc));
			return 1;
		}
		if ((rc = feedframe_head(k, (const uint8_t *)fb.buf, fb.len,
		    head, sizeof(head), &hlen)) != 0) {
			fprintf(stderr, "centralctl feed: cannot sign a "
			    "batch: %s\n", err_str(rc));
			feedlog_batch_reset(&fb);
			return 1;
		}
		if (cctl_feed_write(fd, head, hlen) != 0 ||
		    cctl_feed_write(fd, fb.buf, fb.len) != 0 ||
		    cctl_feed_write(fd, "\n", 1) != 0) {
			fprintf(stderr, "centralctl feed: write %s: %s\n", tmp,
			    strerror(errno));
			feedlog_batch_reset(&fb);
			return 1;
		}
		x->batches++;
		x->entries += fb.n;
		x->bytes += hlen + fb.len + 1;
		x->last = fb.to;
		since = fb.to;
		head_reached = fb.to == fb.head;
		feedlog_batch_reset(&fb);
		if (head_reached)
			return 0;
	}
}

static int
cctl_feed_export(const struct cctl_ctx *ctx, int argc, char **argv)
{
	struct cctl_export	 x;
	struct sign_key		*k = NULL;
	PGconn			*conn;
	const char		*sincearg = NULL, *keyarg = NULL, *path = NULL;
	const char		*keypath;
	char			 tmp[PATH_MAX], id[SIGN_KEYID_LEN + 1];
	uint8_t			 pub[SIGN_PUBKEY_LEN];
	size_t			 max = FEED_BATCH_MAX;
	int			 i, fd = -1, rc, status = 1;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			cctl_feed_usage(stdout);
			return 0;
		}
		if (cctl_opt("feed", argc, argv, &i, "--since", &sincearg) ||
		    cctl_opt("feed", argc, argv, &i, "--key", &keyarg))
			continue;
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			cctl_bad_usage("feed", "export: unknown option %s",
			    argv[i]);
		if (path != NULL)
			cctl_bad_usage("feed", "export: unexpected argument "
			    "\"%s\"", argv[i]);
		path = argv[i];
	}
	memset(&x, 0, sizeof(x));
	if (sincearg == NULL)
		cctl_bad_usage("feed", "export: --since V is required (0 for "
		    "a snapshot)");
	if ((rc = cctl_feed_pos(sincearg, &x.since)) != 0)
		cctl_bad_usage("feed", "export: --since: \"%s\" is not a "
		    "position 0..%" PRIu64, sincearg, FEED_POS_MAX);
	if (path == NULL)
		cctl_bad_usage("feed", "export: the FILE to write is missing");
	if (keyarg != NULL)
		keypath = keyarg;
	else if (ctx->cfg != NULL && ctx->cfg->feed_key_file[0] != '\0')
		keypath = ctx->cfg->feed_key_file;
	else
		cctl_bad_usage("feed", "export: no signing key: give --key "
		    "FILE, or -c central.yaml with feed.signing_key");
	if (ctx->cfg != NULL)
		max = (size_t)ctx->cfg->feed_batch_max;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		cctl_bad_usage("feed", "export: the file name is too long");

	if ((rc = sign_key_load(&k, keypath)) != 0) {
		fprintf(stderr, "centralctl feed: signing key %s: %s\n",
		    keypath, rc == ERR_IO ? strerror(errno) :
		    rc == ERR_PARSE ? "not a PEM private key" :
		    rc == ERR_INVAL ? "not an Ed25519 key" : err_str(rc));
		return 1;
	}
	if ((conn = cctl_connect(ctx, "feed")) == NULL)
		goto out;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		fprintf(stderr, "centralctl feed: create %s: %s\n", tmp,
		    strerror(errno));
		goto out;
	}
	if (cctl_feed_frames(conn, k, max, fd, tmp, &x) != 0)
		goto out;
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		fprintf(stderr, "centralctl feed: sync %s: %s\n", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "centralctl feed: rename %s to %s: %s\n", tmp,
		    path, strerror(errno));
		goto out;
	}
	if (cctl_feed_sync_dir(path) != 0)
		fprintf(stderr, "centralctl feed: warning: sync of the "
		    "directory of %s: %s\n", path, strerror(errno));
	sign_key_public(k, pub);
	sign_keyid(pub, id);
	printf("%s: %zu batch(es), %zu entries, %zu bytes, positions %" PRIu64
	    " to %" PRIu64 ", signed by key %s\n", path, x.batches, x.entries,
	    x.bytes, x.since, x.last, id);
	status = 0;
out:
	if (fd != -1)
		(void)close(fd);
	if (status != 0)
		(void)unlink(tmp);
	sign_key_free(k);
	return status;
}

int
cctl_feed(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		cctl_bad_usage("feed", "a subcommand is needed: head or export");
	if (cctl_is_help(argv[1]) || (argc > 2 && cctl_is_help(argv[2]))) {
		cctl_feed_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "head") == 0)
		return cctl_feed_head(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return cctl_feed_export(ctx, argc - 1, argv + 1);
	cctl_bad_usage("feed", "unknown subcommand \"%s\" (head or export)",
	    argv[1]);
}
