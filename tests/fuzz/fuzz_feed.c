/* fuzz_feed.c - libFuzzer target for feed_decode_batch(). Whatever decodes
 * must pass feed_check_batch(), encode (whole and entry by entry, the batch
 * being its head and its entries joined), decode again to the same entries
 * and encode again to the same bytes; whatever fails must leave the output
 * untouched and an error that can be sent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "feed.h"
#include "proto.h"

#define ENC_MAX	(4 * 1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct feed_entry	items[FEED_BATCH_MAX], items2[FEED_BATCH_MAX];
static char			enc[ENC_MAX], enc2[ENC_MAX], one[ENC_MAX];

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_feed: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* A decoder's error must be terminated, say something, and be sendable. */
static void
check_error(int rc, const struct proto_error *e)
{
	size_t	n;

	CHECK(rc == ERR_PARSE || rc == ERR_VERSION || rc == ERR_TOOBIG ||
	    rc == ERR_INVAL || rc == ERR_NOMEM);
	CHECK(memchr(e->field, '\0', sizeof(e->field)) != NULL);
	CHECK(memchr(e->message, '\0', sizeof(e->message)) != NULL);
	CHECK(e->message[0] != '\0');
	CHECK(proto_encode_error(400, e, enc, sizeof(enc), &n) == 0);
}

/* The batch bytes are the head, the entries joined by ",", and "]}". */
static void
check_entries_join(const struct feed_batch *b, const char *batch,
    size_t len)
{
	size_t	i, n, off;
	char	head[96];
	int	h;

	h = snprintf(head, sizeof(head),
	    "{\"version\":1,\"from\":%llu,\"to\":%llu,\"entries\":[",
	    (unsigned long long)b->from, (unsigned long long)b->to);
	CHECK(h > 0 && (size_t)h < sizeof(head));
	CHECK(len >= (size_t)h + 2);
	CHECK(memcmp(batch, head, (size_t)h) == 0);
	off = (size_t)h;
	for (i = 0; i < b->n; i++) {
		CHECK(feed_check_entry(&b->entries[i], NULL) == 1);
		CHECK(feed_encode_entry(&b->entries[i], one, sizeof(one),
		    &n) == 0);
		if (i > 0) {
			CHECK(batch[off] == ',');
			off++;
		}
		CHECK(len - off >= n);
		CHECK(memcmp(batch + off, one, n) == 0);
		off += n;
	}
	CHECK(len - off == 2 && memcmp(batch + off, "]}", 2) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_batch	b, b2, snap;
	struct proto_error	e;
	uint8_t			*body;
	size_t			 i, n, n2;
	int			 rc;

	/* A heap copy of exactly the input, so ASan sees any over-read. */
	if ((body = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(body, data, size);
	memset(&b, 0, sizeof(b));
	b.entries = items;
	snap = b;
	rc = feed_decode_batch(&b, FEED_BATCH_MAX, body, size, &e);
	free(body);
	if (rc != 0) {
		check_error(rc, &e);
		CHECK(memcmp(&b, &snap, sizeof(b)) == 0);
		return 0;
	}
	CHECK(b.n <= FEED_BATCH_MAX);
	CHECK(feed_check_batch(&b, &e) == 1);
	CHECK(feed_encode_batch(&b, enc, sizeof(enc), &n) == 0);
	check_entries_join(&b, enc, n);

	memset(&b2, 0, sizeof(b2));
	b2.entries = items2;
	CHECK(feed_decode_batch(&b2, FEED_BATCH_MAX, (const uint8_t *)enc, n,
	    &e) == 0);
	CHECK(b.from == b2.from && b.to == b2.to && b.n == b2.n);
	for (i = 0; i < b.n; i++)
		CHECK(feed_check_same_entry(&b.entries[i], &b2.entries[i]));
	CHECK(feed_encode_batch(&b2, enc2, sizeof(enc2), &n2) == 0);
	CHECK(n == n2 && memcmp(enc, enc2, n) == 0);
	feed_batch_reset(&b2);
	feed_batch_reset(&b);
	return 0;
}
