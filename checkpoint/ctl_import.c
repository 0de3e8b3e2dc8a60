/* ctl_import.c - "checkpointctl import FILE": applies a feed export file
 * (signed frames back to back, as `centralctl feed export` writes them) to
 * a post's store, verifying every frame first, through the same step the
 * feed puller uses (feedpull_apply_frame). Each frame is its own
 * transaction: a bad frame stops the import and everything before it
 * stays applied. Reads the file a frame at a time, never more than one
 * frame (16 MiB) and its head in memory. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckcfg.h"
#include "ctl.h"
#include "decide.h"
#include "err.h"
#include "feedframe.h"
#include "feedpull.h"
#include "log.h"
#include "proto.h"
#include "registry.h"

#define IMP_CHUNK	(1024 * 1024)	/* bytes read at a time */
#define EXIT_USAGE	2

static const char imp_usage_text[] =
	"usage: checkpointctl [-c FILE] import [--key FILE]... [--store PATH]\n"
	"           EXPORT\n"
	"\n"
	"Applies a feed export file (signed batches, as `centralctl feed\n"
	"export` writes them; \"-\" reads standard input) to the post's store,\n"
	"in order. Needs no daemon, and works while checkpointd runs.\n"
	"\n"
	"  --key FILE           a PEM Ed25519 public key of the centre to trust\n"
	"                       (repeatable, up to 8); default: checkpoint.yaml's\n"
	"                       feed.verify_keys (-c)\n"
	"  --store PATH         the post's SQLite store; default: checkpoint.yaml's\n"
	"                       store.path (-c)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Every frame's signature is checked before anything of it is applied.\n"
	"A frame whose batch ends at or before the post's cursor is skipped\n"
	"(already applied). The import stops at the first frame that is not\n"
	"signed by a trusted key, has an altered byte, is malformed, or does\n"
	"not start at the post's cursor (a gap: an export from an earlier\n"
	"position is needed), naming the frame and its byte offset. Each frame\n"
	"is applied in a transaction of its own: the frames before the one\n"
	"that stopped the import stay applied, and that one is not applied at\n"
	"all; importing the same file again after fixing it skips them.\n"
	"\n"
	"Prints the frames applied and skipped and the cursor. Exit status: 0\n"
	"all frames applied or skipped, 1 a frame refused or the store\n"
	"unusable, 2 bad arguments.\n";

struct imp_file {
	int		 fd;
	int		 eof;
	uint8_t		*buf;
	size_t		 cap;
	size_t		 start;		/* first unread byte in buf */
	size_t		 len;		/* bytes from start */
};

/* Reads more of the file, keeping buf[start..start+len); grows buf up to
 * a frame. 0, or ERR_IO (errno set). At EOF sets f->eof. */
static int
imp_read(struct imp_file *f)
{
	uint8_t	*nb;
	size_t	 want, ncap;
	ssize_t	 n;

	if (f->start > 0) {
		memmove(f->buf, f->buf + f->start, f->len);
		f->start = 0;
	}
	if (f->len == f->cap) {
		ncap = f->cap == 0 ? IMP_CHUNK : f->cap * 2;
		if (ncap > FEEDPULL_FRAME_MAX)
			ncap = FEEDPULL_FRAME_MAX;
		if (ncap <= f->cap) {
			errno = EFBIG;	/* cannot happen: a frame fits */
			return ERR_TOOBIG;
		}
		if ((nb = realloc(f->buf, ncap)) == NULL)
			return ERR_NOMEM;
		f->buf = nb;
		f->cap = ncap;
	}
	want = f->cap - f->len;
	if (want > IMP_CHUNK)
		want = IMP_CHUNK;
	for (;;) {
		n = read(f->fd, f->buf + f->len, want);
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
	if (n == -1)
		return ERR_IO;
	if (n == 0)
		f->eof = 1;
	f->len += (size_t)n;
	return 0;
}

static void
imp_summary(FILE *fp, size_t applied, size_t skipped, size_t entries,
    struct registry *reg)
{
	uint64_t	cursor = 0;

	if (registry_cursor(reg, &cursor, NULL) != 0) {
		fprintf(fp, "applied %zu frame%s (%zu entries), skipped %zu "
		    "already applied; cursor unreadable\n", applied,
		    applied == 1 ? "" : "s", entries, skipped);
		return;
	}
	fprintf(fp, "applied %zu frame%s (%zu entries), skipped %zu already "
	    "applied; cursor %llu\n", applied, applied == 1 ? "" : "s",
	    entries, skipped, (unsigned long long)cursor);
}

static const char *
imp_why(int rc)
{
	switch (rc) {
	case ERR_AUTH:
		return "refused: not signed by a trusted key, or altered";
	case ERR_CONFLICT:
		return "does not start at the post's cursor";
	case ERR_PARSE:
		return "malformed";
	case ERR_TOOBIG:
		return "too big";
	case ERR_VERSION:
		return "of a feed version this post does not speak";
	case ERR_INVAL:
		return "holds an invalid batch";
	default:
		return err_str(rc);
	}
}

/* Applies every frame of f; 0, or 1 after saying why it stopped. */
static int
imp_apply(struct registry *reg, const struct feedframe_keys *keys,
    struct imp_file *f, const char *name)
{
	struct feedpull_frame	 fr;
	struct proto_error	 perr;
	size_t			 frame = 0, applied = 0, skipped = 0;
	size_t			 entries = 0;
	uint64_t		 off = 0;
	int			 rc;

	for (;;) {
		if (f->len == 0 && !f->eof) {
			if ((rc = imp_read(f)) != 0)
				goto readfail;
			continue;
		}
		if (f->len == 0)
			break;
		memset(&fr, 0, sizeof(fr));
		rc = feedpull_apply_frame(reg, keys, f->buf + f->start, f->len,
		    1, &fr, &perr);
		if (rc == ERR_SHORT && !f->eof) {
			if ((rc = imp_read(f)) != 0)
				goto readfail;
			continue;
		}
		frame++;
		if (rc != 0) {
			fprintf(stderr, "checkpointctl: import %s: frame %zu "
			    "at byte %llu %s: %s%s%s\n", name, frame,
			    (unsigned long long)off,
			    rc == ERR_SHORT ? "is cut short (the file ends "
			    "inside it)" : imp_why(rc), perr.field,
			    perr.field[0] != '\0' ? ": " : "", perr.message);
			if (rc == ERR_CONFLICT)
				fprintf(stderr, "checkpointctl: the export "
				    "does not continue from this post's "
				    "cursor: export from the cursor (or "
				    "earlier) at the centre\n");
			fprintf(stderr, "checkpointctl: frame %zu and after "
			    "were not applied; the %zu before stay "
			    "applied\n", frame, frame - 1);
			imp_summary(stdout, applied, skipped, entries, reg);
			return 1;
		}
		if (fr.skipped) {
			skipped++;
			printf("frame %zu: (%llu, %llu] already applied, "
			    "skipped\n", frame, (unsigned long long)fr.from,
			    (unsigned long long)fr.to);
		} else {
			applied++;
			entries += fr.n;
			printf("frame %zu: (%llu, %llu] applied, %zu "
			    "entr%s\n", frame, (unsigned long long)fr.from,
			    (unsigned long long)fr.to, fr.n,
			    fr.n == 1 ? "y" : "ies");
		}
		f->start += fr.used;
		f->len -= fr.used;
		off += fr.used;
	}
	if (frame == 0) {
		fprintf(stderr, "checkpointctl: import %s: no frames: the "
		    "file is empty\n", name);
		imp_summary(stdout, applied, skipped, entries, reg);
		return 1;
	}
	imp_summary(stdout, applied, skipped, entries, reg);
	return 0;

readfail:
	if (rc == ERR_IO)
		fprintf(stderr, "checkpointctl: import %s: read: %s\n", name,
		    strerror(errno));
	else
		fprintf(stderr, "checkpointctl: import %s: %s\n", name,
		    err_str(rc));
	imp_summary(stdout, applied, skipped, entries, reg);
	return 1;
}

static const char *
imp_key_why(int rc)
{
	switch (rc) {
	case ERR_IO:
		return strerror(errno);
	case ERR_PARSE:
		return "not a PEM public key";
	case ERR_INVAL:
		return "not an Ed25519 public key";
	case ERR_EXISTS:
		return "the same key given twice";
	case ERR_TOOBIG:
		return "more than 8 keys";
	default:
		return err_str(rc);
	}
}

int
ctl_import_main(const char *cfgpath, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "key",	required_argument,	NULL, 'k' },
		{ "store",	required_argument,	NULL, 's' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct ck_cfg		*cfg = NULL;
	struct feedframe_keys	 keys;
	struct registry		*reg = NULL;
	struct imp_file		 f;
	struct stat		 sb;
	const char		*keypaths[FEEDFRAME_KEYS_MAX];
	const char		*store = NULL, *name;
	size_t			 nkeys = 0, i;
	int			 ch, rc, status = 1;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if (nkeys == FEEDFRAME_KEYS_MAX) {
				fprintf(stderr, "checkpointctl: import: at "
				    "most %d --key\n", FEEDFRAME_KEYS_MAX);
				return EXIT_USAGE;
			}
			keypaths[nkeys++] = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'h':
			fputs(imp_usage_text, stdout);
			return 0;
		case ':':
			fprintf(stderr, "checkpointctl: import: %s needs a "
			    "value\nTry 'checkpointctl import --help'.\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "checkpointctl: import: unknown option "
			    "%s\nTry 'checkpointctl import --help'.\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "checkpointctl: import: %s\nTry "
		    "'checkpointctl import --help'.\n", argc - optind < 1 ?
		    "the export file is missing" : "one export file at a time");
		return EXIT_USAGE;
	}
	name = argv[optind];

	if (cfgpath != NULL) {
		if ((cfg = malloc(sizeof(*cfg))) == NULL) {
			fprintf(stderr, "checkpointctl: out of memory\n");
			return 1;
		}
		ck_cfg_init(cfg);
		if (ck_cfg_load(cfg, cfgpath, stderr) != 0) {
			fprintf(stderr, "checkpointctl: %s: cannot use this "
			    "configuration\n", cfgpath);
			free(cfg);
			return EXIT_USAGE;
		}
		if (store == NULL)
			store = cfg->store_path;
		if (nkeys == 0)
			for (i = 0; i < cfg->feed_nverify_keys; i++)
				keypaths[nkeys++] = cfg->feed_verify_keys[i];
	}
	if (store == NULL || nkeys == 0) {
		fprintf(stderr, "checkpointctl: import: %s\nTry "
		    "'checkpointctl import --help'.\n", store == NULL ?
		    "no store: give --store PATH or -c checkpoint.yaml" :
		    "no key to verify with: give --key FILE, or -c with "
		    "feed.verify_keys");
		free(cfg);
		return EXIT_USAGE;
	}
	memset(&keys, 0, sizeof(keys));
	for (i = 0; i < nkeys; i++) {
		if ((rc = feedpull_key_load(&keys, keypaths[i])) != 0) {
			fprintf(stderr, "checkpointctl: import: key %s: %s\n",
			    keypaths[i], imp_key_why(rc));
			free(cfg);
			return EXIT_USAGE;
		}
	}

	memset(&f, 0, sizeof(f));
	if (strcmp(name, "-") == 0)
		f.fd = STDIN_FILENO;
	else if ((f.fd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "checkpointctl: import: %s: %s\n", name,
		    strerror(errno));
		free(cfg);
		return 1;
	}
	/* A typo must not create a new, empty store. */
	if (stat(store, &sb) == -1) {
		fprintf(stderr, "checkpointctl: import: store %s: %s (start "
		    "checkpointd once to create it)\n", store,
		    strerror(errno));
		goto out;
	}
	log_init("checkpointctl", LOGL_WARN);
	if ((rc = registry_open(&reg, store, decide_key, DECIDE_KEY_NAME))
	    != 0) {
		fprintf(stderr, "checkpointctl: import: store %s cannot be "
		    "opened: %s\n", store, err_str(rc));
		goto out;
	}
	status = imp_apply(reg, &keys, &f, strcmp(name, "-") == 0 ?
	    "(stdin)" : name);

out:
	registry_close(reg);
	if (f.fd != STDIN_FILENO)
		close(f.fd);
	free(f.buf);
	free(cfg);
	return status;
}
