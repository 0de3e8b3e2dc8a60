/* fuzz_feedframe.c - libFuzzer target for feedframe_open(). The input is
 * read as an export file (frames back to back) with the RFC 8032 TEST 1 key
 * trusted: whatever opens must be a frame feedframe_head() writes again
 * byte for byte (Ed25519 is deterministic), its batch inside the input and
 * followed by "\n", and what is refused must say why and leave the outputs
 * untouched. The input is also framed as a batch itself, which must open
 * to exactly the input, and every cut of that frame must be ERR_SHORT. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "feed.h"
#include "feedframe.h"
#include "proto.h"
#include "sign.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* RFC 8032 section 7.1 TEST 1, as PEM PKCS#8. */
static const char	key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

static struct sign_key		*key;
static struct feedframe_keys	 keys;
static struct feed_entry	 items[64];

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_feedframe: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

static void
init(void)
{
	char		path[] = "/tmp/fuzz_feedframe.XXXXXX";
	uint8_t		pub[SIGN_PUBKEY_LEN];
	int		fd;

	CHECK((fd = mkstemp(path)) != -1);
	CHECK(write(fd, key_pem, sizeof(key_pem) - 1) ==
	    (ssize_t)(sizeof(key_pem) - 1));
	CHECK(close(fd) == 0);
	CHECK(sign_key_load(&key, path) == 0);
	(void)unlink(path);
	sign_key_public(key, pub);
	CHECK(feedframe_keys_add(&keys, pub) == 0);
}

static void
check_error(int rc, const struct proto_error *e)
{
	CHECK(rc == ERR_SHORT || rc == ERR_PARSE || rc == ERR_TOOBIG ||
	    rc == ERR_AUTH || rc == ERR_NOMEM);
	CHECK(memchr(e->field, '\0', sizeof(e->field)) != NULL);
	CHECK(memchr(e->message, '\0', sizeof(e->message)) != NULL);
	CHECK(e->message[0] != '\0');
}

/* Reads frames from p until the end or a refusal. */
static void
read_file(const uint8_t *p, size_t len)
{
	struct feed_batch	 b;
	struct proto_error	 e;
	const uint8_t		*batch, *canary = (const uint8_t *)"x";
	char			 head[FEEDFRAME_HEAD_MAX];
	size_t			 blen, used, hlen, off = 0;
	int			 rc;

	while (off < len) {
		batch = canary;
		blen = used = 7;
		rc = feedframe_open(p + off, len - off, &keys, &batch, &blen,
		    &used, &e);
		if (rc != 0) {
			check_error(rc, &e);
			CHECK(batch == canary && blen == 7 && used == 7);
			return;
		}
		CHECK(used > blen && used <= len - off);
		CHECK(batch > p + off && batch + blen + 1 == p + off + used);
		CHECK(batch[blen] == '\n');
		CHECK(feedframe_head(key, batch, blen, head, sizeof(head),
		    &hlen) == 0);
		CHECK(hlen + blen + 1 == used);
		CHECK(memcmp(head, p + off, hlen) == 0);
		memset(&b, 0, sizeof(b));
		b.entries = items;
		if (feed_decode_batch(&b, 64, batch, blen, &e) == 0)
			feed_batch_reset(&b);
		off += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_error	 e;
	const uint8_t		*batch;
	uint8_t			*buf;
	char			 head[FEEDFRAME_HEAD_MAX];
	size_t			 hlen, blen, used, flen, cut;
	int			 rc;

	if (key == NULL)
		init();
	/* A heap copy of exactly the input, so ASan sees any over-read. */
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	read_file(buf, size);
	free(buf);

	/* The input as a batch: framed, it opens to itself. */
	CHECK(feedframe_head(key, data, size, head, sizeof(head), &hlen) == 0);
	flen = hlen + size + 1;
	if ((buf = malloc(flen)) == NULL)
		return 0;
	memcpy(buf, head, hlen);
	memcpy(buf + hlen, data, size);
	buf[flen - 1] = '\n';
	CHECK(feedframe_open(buf, flen, &keys, &batch, &blen, &used, &e) == 0);
	CHECK(used == flen && blen == size && batch == buf + hlen);
	for (cut = 0; cut < flen; cut += 1 + cut / 2) {
		rc = feedframe_open(buf, cut, &keys, &batch, &blen, &used, &e);
		CHECK(rc == ERR_SHORT);
	}
	free(buf);
	return 0;
}
