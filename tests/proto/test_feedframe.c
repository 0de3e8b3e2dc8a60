/* test_feedframe.c - signed feed frames: a batch from feed_encode_batch()
 * framed and opened again to the same bytes and entries; one flipped byte
 * anywhere in the batch, another key, an untrusted key id, every truncation,
 * garbage heads, a length over the maximum, two frames back to back, and
 * key rotation (several trusted keys). Keys are made by openssl genpkey, as
 * scripts/pki.sh feedkey does. Inputs are heap copies of exactly their
 * length so that ASan catches a read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "feed.h"
#include "feedframe.h"
#include "proto.h"
#include "sign.h"

#define SET(dst, s)	(void)snprintf((dst), sizeof(dst), "%s", (s))

static char		 dir[64];
static struct sign_key	*key_a, *key_b;
static uint8_t		 pub_a[SIGN_PUBKEY_LEN], pub_b[SIGN_PUBKEY_LEN];
static char		 batch_text[4096];
static size_t		 batch_len;

static struct sign_key *
make_key(const char *name, uint8_t pub[SIGN_PUBKEY_LEN])
{
	struct sign_key	*k;
	char		 path[128], cmd[256];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(cmd, sizeof(cmd),
	    "openssl genpkey -algorithm ed25519 -out %s", path) >=
	    sizeof(cmd) || system(cmd) != 0 || sign_key_load(&k, path) != 0)
		return NULL;
	sign_key_public(k, pub);
	return k;
}

/* A batch of three entries (two document alerts and a delete) as
 * feed_encode_batch() writes it. */
static int
make_batch(void)
{
	struct feed_entry	e[3];
	struct feed_batch	b;
	size_t			i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < 2; i++) {
		e[i].pos = 11 + i;
		e[i].op = FEED_UPSERT;
		e[i].kind = FEED_DOCUMENT_ALERT;
		(void)snprintf(e[i].id, sizeof(e[i].id), "da-%zu", i + 1);
		SET(e[i].data.document_alert.issuing_state, "KAZ");
		(void)snprintf(e[i].data.document_alert.number,
		    sizeof(e[i].data.document_alert.number), "N12345%zu", i);
		e[i].data.document_alert.reason = FEED_STOLEN;
		SET(e[i].data.document_alert.since, "2026-01-02");
	}
	e[2].pos = 14;
	e[2].op = FEED_DELETE;
	e[2].kind = FEED_PERMIT;
	SET(e[2].id, "pm-9");
	memset(&b, 0, sizeof(b));
	b.from = 10;
	b.to = 15;
	b.n = 3;
	b.entries = e;
	return feed_encode_batch(&b, batch_text, sizeof(batch_text),
	    &batch_len);
}

static int
group_setup(void **state)
{
	(void)state;
	(void)snprintf(dir, sizeof(dir), "/tmp/shekara-frame.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	if ((key_a = make_key("a.key", pub_a)) == NULL ||
	    (key_b = make_key("b.key", pub_b)) == NULL)
		return -1;
	return make_batch() == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	sign_key_free(key_a);
	sign_key_free(key_b);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A frame of batch bytes, signed with k, in a heap buffer of exactly its
 * length. */
static uint8_t *
frame(const struct sign_key *k, const char *batch, size_t len, size_t *flen)
{
	char	head[FEEDFRAME_HEAD_MAX];
	size_t	hlen;
	uint8_t	*f;

	assert_int_equal(feedframe_head(k, (const uint8_t *)batch, len, head,
	    sizeof(head), &hlen), 0);
	assert_int_equal(strlen(head), hlen);
	assert_non_null(f = malloc(hlen + len + 1));
	memcpy(f, head, hlen);
	memcpy(f + hlen, batch, len);
	f[hlen + len] = '\n';
	*flen = hlen + len + 1;
	return f;
}

static void
keys_of(struct feedframe_keys *keys, const uint8_t *pub)
{
	memset(keys, 0, sizeof(*keys));
	assert_int_equal(feedframe_keys_add(keys, pub), 0);
}

/* Opens a heap copy of p[0..len) and expects rc. */
static int
open_copy(const uint8_t *p, size_t len, const struct feedframe_keys *keys,
    struct proto_error *err)
{
	const uint8_t	*b = (const uint8_t *)"canary";
	size_t		 blen = 99, used = 77;
	uint8_t		*c;
	int		 rc;

	assert_non_null(c = malloc(len > 0 ? len : 1));
	if (len > 0)
		memcpy(c, p, len);
	memset(err, 0, sizeof(*err));
	rc = feedframe_open(c, len, keys, &b, &blen, &used, err);
	if (rc != 0) {
		/* Outputs untouched, and an error that says something. */
		assert_string_equal((const char *)b, "canary");
		assert_int_equal(blen, 99);
		assert_int_equal(used, 77);
		assert_true(err->message[0] != '\0');
	}
	free(c);
	return rc;
}

/* The head is as documented, the batch comes back byte for byte and
 * decodes to the entries that were encoded. */
static void
test_feedframe_round_trip(void **state)
{
	struct feedframe_keys	 keys;
	struct feed_entry	 e[8];
	struct feed_batch	 b = { .entries = e };
	struct proto_error	 err;
	const uint8_t		*batch;
	uint8_t			*f;
	size_t			 flen, blen, used;
	char			 id[SIGN_KEYID_LEN + 1], want[64];

	(void)state;
	f = frame(key_a, batch_text, batch_len, &flen);
	sign_keyid(pub_a, id);
	assert_true((size_t)snprintf(want, sizeof(want), "SHEKARA-FEED 1 %s ",
	    id) < sizeof(want));
	assert_memory_equal(f, want, strlen(want));
	/* "SHEKARA-FEED 1 " + id + " " + 88 base64 + " " + length + "\n" */
	assert_int_equal(f[15 + 16 + 1 + 86], '=');
	assert_int_equal(f[15 + 16 + 1 + 87], '=');
	assert_int_equal(f[15 + 16 + 1 + 88], ' ');

	keys_of(&keys, pub_a);
	assert_int_equal(feedframe_open(f, flen, &keys, &batch, &blen, &used,
	    &err), 0);
	assert_int_equal(used, flen);
	assert_int_equal(blen, batch_len);
	assert_memory_equal(batch, batch_text, batch_len);
	assert_ptr_equal(batch, f + flen - 1 - batch_len);
	assert_int_equal(feed_decode_batch(&b, 8, batch, blen, &err), 0);
	assert_int_equal(b.from, 10);
	assert_int_equal(b.to, 15);
	assert_int_equal(b.n, 3);
	assert_string_equal(e[1].data.document_alert.number, "N123451");
	assert_int_equal(e[2].op, FEED_DELETE);
	feed_batch_reset(&b);
	free(f);
}

/* One flipped byte anywhere in the batch, or in the signature: ERR_AUTH. */
static void
test_feedframe_flipped_byte_is_refused(void **state)
{
	struct feedframe_keys	keys;
	struct proto_error	err;
	uint8_t			*f;
	size_t			flen, hlen, i;

	(void)state;
	keys_of(&keys, pub_a);
	f = frame(key_a, batch_text, batch_len, &flen);
	hlen = flen - batch_len - 1;
	for (i = hlen; i < hlen + batch_len; i++) {
		f[i] ^= 0x01;
		assert_int_equal(open_copy(f, flen, &keys, &err), ERR_AUTH);
		assert_string_equal(err.field, "signature");
		f[i] ^= 0x01;
	}
	/* The first signature character: A<->B keeps it base64. */
	i = 15 + 16 + 1;
	f[i] = f[i] == 'A' ? 'B' : 'A';
	assert_int_equal(open_copy(f, flen, &keys, &err), ERR_AUTH);
	free(f);
}

/* Signed by another key: refused whether that key's id is unknown or a
 * frame claims a trusted key's id. */
static void
test_feedframe_other_key_is_refused(void **state)
{
	struct feedframe_keys	keys;
	struct proto_error	err;
	uint8_t			*fa, *fb;
	size_t			flen, flen2;

	(void)state;
	keys_of(&keys, pub_a);
	fb = frame(key_b, batch_text, batch_len, &flen);
	assert_int_equal(open_copy(fb, flen, &keys, &err), ERR_AUTH);
	assert_string_equal(err.field, "keyid");
	/* B's signature under A's key id. */
	fa = frame(key_a, batch_text, batch_len, &flen2);
	assert_int_equal(flen, flen2);
	memcpy(fb + 15, fa + 15, SIGN_KEYID_LEN);
	assert_int_equal(open_copy(fb, flen, &keys, &err), ERR_AUTH);
	assert_string_equal(err.field, "signature");
	/* No trusted keys at all. */
	memset(&keys, 0, sizeof(keys));
	assert_int_equal(open_copy(fa, flen2, &keys, &err), ERR_AUTH);
	free(fa);
	free(fb);
}

/* Key rotation: a post trusting the old and the new key accepts both;
 * 8 keys at most, each once. */
static void
test_feedframe_key_rotation(void **state)
{
	struct feedframe_keys	keys;
	struct proto_error	err;
	uint8_t			*fa, *fb, pub[SIGN_PUBKEY_LEN];
	size_t			flen, flen2, i;

	(void)state;
	memset(&keys, 0, sizeof(keys));
	assert_int_equal(feedframe_keys_add(&keys, pub_a), 0);
	assert_int_equal(feedframe_keys_add(&keys, pub_a), ERR_EXISTS);
	assert_int_equal(feedframe_keys_add(&keys, pub_b), 0);
	fa = frame(key_a, batch_text, batch_len, &flen);
	fb = frame(key_b, batch_text, batch_len, &flen2);
	assert_int_equal(open_copy(fa, flen, &keys, &err), 0);
	assert_int_equal(open_copy(fb, flen2, &keys, &err), 0);
	for (i = 2; i < FEEDFRAME_KEYS_MAX; i++) {
		memset(pub, (int)i, sizeof(pub));
		assert_int_equal(feedframe_keys_add(&keys, pub), 0);
	}
	memset(pub, 0xee, sizeof(pub));
	assert_int_equal(feedframe_keys_add(&keys, pub), ERR_TOOBIG);
	assert_int_equal(keys.n, FEEDFRAME_KEYS_MAX);
	assert_int_equal(open_copy(fb, flen2, &keys, &err), 0);
	free(fa);
	free(fb);
}

/* Every proper prefix of a frame is ERR_SHORT: the reader waits for more. */
static void
test_feedframe_truncated_is_short(void **state)
{
	struct feedframe_keys	keys;
	struct proto_error	err;
	uint8_t			*f;
	size_t			flen, i;

	(void)state;
	keys_of(&keys, pub_a);
	f = frame(key_a, batch_text, batch_len, &flen);
	for (i = 0; i < flen; i++)
		assert_int_equal(open_copy(f, i, &keys, &err), ERR_SHORT);
	assert_int_equal(open_copy(f, flen, &keys, &err), 0);
	free(f);
}

/* Heads that are not ours, or not well-formed: ERR_PARSE naming the part. */
static void
test_feedframe_garbage_head(void **state)
{
	static const struct {
		const char	*text;
		const char	*field;
	} cases[] = {
		{ "{\"version\":1,\"from\":0,\"to\":0,\"entries\":[]}\n", "" },
		{ "HTTP/1.1 200 OK\r\n\r\n", "" },
		{ "SHEKARA-FEED 2 0123456789abcdef x 10\n", "version" },
		{ "SHEKARA-FEED 1 0123456789ABCDEF ", "keyid" },
		{ "SHEKARA-FEED 1 0123456789abcde ", "keyid" },
		{ "SHEKARA-FEED 1 0123456789abcdef0 ", "keyid" },
		{ "SHEKARA-FEED 1 0123456789abcdef abc 10\n", "signature" },
		{ "SHEKARA-FEED  1", "version" },
		{ "shekara-feed 1", "" },
	};
	struct feedframe_keys	keys;
	struct proto_error	err;
	uint8_t			*f;
	size_t			flen, i, hlen, off;

	(void)state;
	keys_of(&keys, pub_a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(open_copy((const uint8_t *)cases[i].text,
		    strlen(cases[i].text), &keys, &err), ERR_PARSE);
		assert_string_equal(err.field, cases[i].field);
	}

	f = frame(key_a, batch_text, batch_len, &flen);
	hlen = flen - batch_len - 1;
	off = 15 + 16 + 1;			/* the signature */
	/* Padding that is not "==", bits left in the last symbol. */
	f[off + 87] = 'A';
	assert_int_equal(open_copy(f, flen, &keys, &err), ERR_PARSE);
	assert_string_equal(err.field, "signature");
	free(f);
	f = frame(key_a, batch_text, batch_len, &flen);
	f[off + 85] = f[off + 85] == 'B' ? 'C' : 'B';	/* low bits set */
	assert_int_equal(open_copy(f, flen, &keys, &err), ERR_PARSE);
	free(f);
	/* The length: not a number, a leading zero. */
	f = frame(key_a, batch_text, batch_len, &flen);
	f[off + 89] = 'x';
	assert_int_equal(open_copy(f, flen, &keys, &err), ERR_PARSE);
	assert_string_equal(err.field, "length");
	f[off + 89] = '0';
	assert_int_equal(open_copy(f, flen, &keys, &err), ERR_PARSE);
	assert_string_equal(err.field, "length");
	free(f);
	/* No "\n" after the batch. */
	f = frame(key_a, batch_text, batch_len, &flen);
	f[flen - 1] = ' ';
	assert_int_equal(open_copy(f, flen, &keys, &err), ERR_PARSE);
	assert_int_equal(hlen > 0, 1);
	free(f);
}

/* A head claiming more than FEEDFRAME_BATCH_MAX bytes is refused at once,
 * before any of the batch has arrived; so is a batch that big to sign. */
static void
test_feedframe_length_over_max(void **state)
{
	struct feedframe_keys	 keys;
	struct proto_error	 err;
	char			 text[256], sig[89], head[FEEDFRAME_HEAD_MAX];
	size_t			 hlen;
	const char		*lens[] = { "16777217", "99999999999",
				    "99999999999999999999" };
	size_t			 i;

	(void)state;
	keys_of(&keys, pub_a);
	memset(sig, 'A', 86);
	sig[86] = sig[87] = '=';
	sig[88] = '\0';
	for (i = 0; i < 3; i++) {
		(void)snprintf(text, sizeof(text), "SHEKARA-FEED 1 %s %s %s\n",
		    keys.id[0], sig, lens[i]);
		assert_int_equal(open_copy((const uint8_t *)text, strlen(text),
		    &keys, &err), ERR_TOOBIG);
		assert_string_equal(err.field, "length");
	}
	/* Exactly the maximum: only short (the batch has not arrived). */
	(void)snprintf(text, sizeof(text), "SHEKARA-FEED 1 %s %s %u\n",
	    keys.id[0], sig, FEEDFRAME_BATCH_MAX);
	assert_int_equal(open_copy((const uint8_t *)text, strlen(text), &keys,
	    &err), ERR_SHORT);
	/* 21 digits: malformed. */
	(void)snprintf(text, sizeof(text), "SHEKARA-FEED 1 %s %s "
	    "123456789012345678901\n", keys.id[0], sig);
	assert_int_equal(open_copy((const uint8_t *)text, strlen(text), &keys,
	    &err), ERR_PARSE);
	assert_int_equal(feedframe_head(key_a, (const uint8_t *)batch_text,
	    FEEDFRAME_BATCH_MAX + 1, head, sizeof(head), &hlen), ERR_TOOBIG);
	assert_int_equal(feedframe_head(key_a, (const uint8_t *)batch_text,
	    batch_len, head, 100, &hlen), ERR_TOOBIG);
}

/* Two frames back to back (an export file): the first's used bytes lead
 * to the second, which opens on its own; a file cut in the second frame is
 * ERR_SHORT there. */
static void
test_feedframe_two_frames(void **state)
{
	struct feedframe_keys	 keys;
	struct proto_error	 err;
	const uint8_t		*batch;
	uint8_t			*f1, *f2, *both;
	size_t			 l1, l2, blen, used;
	const char		*empty = "{\"version\":1,\"from\":15,\"to\":15,"
				    "\"entries\":[]}";

	(void)state;
	keys_of(&keys, pub_a);
	f1 = frame(key_a, batch_text, batch_len, &l1);
	f2 = frame(key_a, empty, strlen(empty), &l2);
	assert_non_null(both = malloc(l1 + l2));
	memcpy(both, f1, l1);
	memcpy(both + l1, f2, l2);
	assert_int_equal(feedframe_open(both, l1 + l2, &keys, &batch, &blen,
	    &used, &err), 0);
	assert_int_equal(used, l1);
	assert_memory_equal(batch, batch_text, batch_len);
	assert_int_equal(feedframe_open(both + used, l1 + l2 - used, &keys,
	    &batch, &blen, &used, &err), 0);
	assert_int_equal(used, l2);
	assert_int_equal(blen, strlen(empty));
	assert_memory_equal(batch, empty, blen);
	assert_int_equal(open_copy(both + l1, l2 - 3, &keys, &err),
	    ERR_SHORT);
	free(f1);
	free(f2);
	free(both);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feedframe_round_trip),
		cmocka_unit_test(test_feedframe_flipped_byte_is_refused),
		cmocka_unit_test(test_feedframe_other_key_is_refused),
		cmocka_unit_test(test_feedframe_key_rotation),
		cmocka_unit_test(test_feedframe_truncated_is_short),
		cmocka_unit_test(test_feedframe_garbage_head),
		cmocka_unit_test(test_feedframe_length_over_max),
		cmocka_unit_test(test_feedframe_two_frames),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
