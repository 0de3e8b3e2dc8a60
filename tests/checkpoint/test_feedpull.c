/* test_feedpull.c - checkpoint/feedpull.c: the one step the feed puller and
 * `checkpointctl import` share (verify a signed frame, decode its batch,
 * apply it at the cursor) against a real SQLite registry, with frames
 * signed by Ed25519 keys the test generates and writes as PEM: a good frame
 * applies; an altered byte, another key, a replayed batch, a batch from
 * beyond the cursor, signed garbage and a cut frame are each refused with
 * nothing applied; the puller's answer handling records the refusal for
 * GET /v1/status and says when more is to come. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ckcfg.h"
#include "date.h"
#include "decide.h"
#include "err.h"
#include "feed.h"
#include "feedframe.h"
#include "feedpull.h"
#include "log.h"
#include "proto.h"
#include "registry.h"
#include "sign.h"

#define SET(dst, s)	(void)snprintf((dst), sizeof(dst), "%s", (s))

struct fx {
	char			 dir[64];
	char			 db[128];
	char			 pub1[128], key1[128];
	char			 pub2[128], key2[128];
	struct sign_key		*k1, *k2;
	struct feedframe_keys	 keys;		/* trusts k1 only */
	struct registry		*reg;
};

/* A fresh Ed25519 key pair written as PEM (PKCS#8, SubjectPublicKeyInfo). */
static void
keygen(const char *priv, const char *pub)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pk = NULL;
	FILE		*fp;

	assert_non_null(ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL));
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &pk), 1);
	EVP_PKEY_CTX_free(ctx);
	assert_non_null(fp = fopen(priv, "w"));
	assert_int_equal(PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(fp);
	assert_non_null(fp = fopen(pub, "w"));
	assert_int_equal(PEM_write_PUBKEY(fp, pk), 1);
	fclose(fp);
	EVP_PKEY_free(pk);
}

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	SET(fx->dir, "/tmp/test_feedpull.XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	(void)snprintf(fx->db, sizeof(fx->db), "%s/post.db", fx->dir);
	(void)snprintf(fx->key1, sizeof(fx->key1), "%s/k1.key", fx->dir);
	(void)snprintf(fx->pub1, sizeof(fx->pub1), "%s/k1.pub", fx->dir);
	(void)snprintf(fx->key2, sizeof(fx->key2), "%s/k2.key", fx->dir);
	(void)snprintf(fx->pub2, sizeof(fx->pub2), "%s/k2.pub", fx->dir);
	keygen(fx->key1, fx->pub1);
	keygen(fx->key2, fx->pub2);
	assert_int_equal(sign_key_load(&fx->k1, fx->key1), 0);
	assert_int_equal(sign_key_load(&fx->k2, fx->key2), 0);
	assert_int_equal(feedpull_key_load(&fx->keys, fx->pub1), 0);
	assert_int_equal(registry_open(&fx->reg, fx->db, decide_key,
	    DECIDE_KEY_NAME), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	char		 p[160];
	static const char *const files[] = { "post.db", "post.db-wal",
	    "post.db-shm", "post.db-journal", "k1.key", "k1.pub", "k2.key",
	    "k2.pub", "ca.pem", "cert.pem", "key.pem" };
	size_t		 i;

	registry_close(fx->reg);
	sign_key_free(fx->k1);
	sign_key_free(fx->k2);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s/%s", fx->dir, files[i]);
		(void)unlink(p);
	}
	(void)rmdir(fx->dir);
	free(fx);
	return 0;
}

static void
mk_da(struct feed_entry *e, uint64_t pos, const char *id, const char *number)
{
	memset(e, 0, sizeof(*e));
	e->pos = pos;
	e->op = FEED_UPSERT;
	e->kind = FEED_DOCUMENT_ALERT;
	SET(e->id, id);
	SET(e->data.document_alert.issuing_state, "KAZ");
	SET(e->data.document_alert.number, number);
	e->data.document_alert.reason = FEED_STOLEN;
	SET(e->data.document_alert.since, "2026-01-02");
}

/* A frame (malloc'd, *len) of the batch (from, to] holding a document
 * alert at each position in (from, to], signed by k. */
static uint8_t *
frame(const struct sign_key *k, uint64_t from, uint64_t to, size_t *len)
{
	struct feed_entry	 e[8];
	struct feed_batch	 b;
	char			 batch[8192], head[FEEDFRAME_HEAD_MAX];
	char			 id[16], num[16];
	size_t			 blen, hlen, i;
	uint8_t			*f;

	assert_true(to - from <= 8);
	for (i = 0; i < to - from; i++) {
		(void)snprintf(id, sizeof(id), "da-%llu",
		    (unsigned long long)(from + i + 1));
		(void)snprintf(num, sizeof(num), "N%07llu",
		    (unsigned long long)(from + i + 1));
		mk_da(&e[i], from + i + 1, id, num);
	}
	memset(&b, 0, sizeof(b));
	b.from = from;
	b.to = to;
	b.n = (size_t)(to - from);
	b.entries = e;
	assert_int_equal(feed_encode_batch(&b, batch, sizeof(batch), &blen),
	    0);
	assert_int_equal(feedframe_head(k, (const uint8_t *)batch, blen, head,
	    sizeof(head), &hlen), 0);
	assert_non_null(f = malloc(hlen + blen + 1));
	memcpy(f, head, hlen);
	memcpy(f + hlen, batch, blen);
	f[hlen + blen] = '\n';
	*len = hlen + blen + 1;
	return f;
}

/* A frame around any bytes, signed by k: valid signature, bad batch. */
static uint8_t *
frame_raw(const struct sign_key *k, const char *batch, size_t *len)
{
	char	 head[FEEDFRAME_HEAD_MAX];
	size_t	 blen = strlen(batch), hlen;
	uint8_t	*f;

	assert_int_equal(feedframe_head(k, (const uint8_t *)batch, blen, head,
	    sizeof(head), &hlen), 0);
	assert_non_null(f = malloc(hlen + blen + 1));
	memcpy(f, head, hlen);
	memcpy(f + hlen, batch, blen);
	f[hlen + blen] = '\n';
	*len = hlen + blen + 1;
	return f;
}

/* The registry's cursor and document alerts. */
static void
expect_reg(struct fx *fx, uint64_t cursor, size_t alerts)
{
	uint64_t	c;
	size_t		n;

	assert_int_equal(registry_cursor(fx->reg, &c, NULL), 0);
	assert_int_equal(c, cursor);
	assert_int_equal(registry_count(fx->reg, FEED_DOCUMENT_ALERT, &n), 0);
	assert_int_equal(n, alerts);
}

static void
test_good_frame_applies(void **state)
{
	struct fx		*fx = *state;
	struct feedpull_frame	 fr;
	struct proto_error	 e;
	uint8_t			*f;
	size_t			 len;
	int64_t			 at;

	f = frame(fx->k1, 0, 3, &len);
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f, len, 0,
	    &fr, &e), 0);
	assert_int_equal(fr.from, 0);
	assert_int_equal(fr.to, 3);
	assert_int_equal(fr.n, 3);
	assert_int_equal(fr.used, len);
	assert_int_equal(fr.skipped, 0);
	expect_reg(fx, 3, 3);
	assert_int_equal(registry_cursor(fx->reg, NULL, &at), 0);
	assert_true(at > 0);
	free(f);
}

/* Every byte of the head's signature and of the batch is covered. */
static void
test_altered_byte_refused(void **state)
{
	struct fx		*fx = *state;
	struct proto_error	 e;
	uint8_t			*f;
	size_t			 len, i, hlen;
	int			 rc;

	f = frame(fx->k1, 0, 2, &len);
	hlen = (size_t)((uint8_t *)memchr(f, '\n', len) - f) + 1;
	/* Each byte of the batch, changed to another valid JSON byte where
	 * it can be: the signature must catch what JSON would not. */
	for (i = hlen; i < len - 1; i++) {
		f[i] ^= 0x01;
		rc = feedpull_apply_frame(fx->reg, &fx->keys, f, len, 0, NULL,
		    &e);
		assert_int_equal(rc, ERR_AUTH);
		f[i] ^= 0x01;
	}
	assert_string_equal(e.field, "signature");
	expect_reg(fx, 0, 0);
	/* A character of the signature itself. */
	f[40] = f[40] == 'A' ? 'B' : 'A';
	rc = feedpull_apply_frame(fx->reg, &fx->keys, f, len, 0, NULL, &e);
	assert_true(rc == ERR_AUTH || rc == ERR_PARSE);
	expect_reg(fx, 0, 0);
	free(f);
}

static void
test_other_key_refused(void **state)
{
	struct fx		*fx = *state;
	struct proto_error	 e;
	uint8_t			*f;
	size_t			 len;

	f = frame(fx->k2, 0, 2, &len);
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f, len, 0,
	    NULL, &e), ERR_AUTH);
	assert_string_equal(e.field, "keyid");
	expect_reg(fx, 0, 0);
	/* Trusting the second key too (rotation), the same frame applies. */
	assert_int_equal(feedpull_key_load(&fx->keys, fx->pub2), 0);
	assert_int_equal(feedpull_key_load(&fx->keys, fx->pub2), ERR_EXISTS);
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f, len, 0,
	    NULL, &e), 0);
	expect_reg(fx, 2, 2);
	free(f);
}

static void
test_replayed_batch_refused(void **state)
{
	struct fx		*fx = *state;
	struct feedpull_frame	 fr;
	struct proto_error	 e;
	uint8_t			*f1, *f2;
	size_t			 l1, l2;
	int64_t			 at1, at2;

	f1 = frame(fx->k1, 0, 2, &l1);
	f2 = frame(fx->k1, 2, 4, &l2);
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f1, l1, 0,
	    NULL, &e), 0);
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f2, l2, 0,
	    NULL, &e), 0);
	expect_reg(fx, 4, 4);
	assert_int_equal(registry_cursor(fx->reg, NULL, &at1), 0);
	/* The older batch again, validly signed: refused, nothing moves,
	 * not even the applied time. */
	usleep(2000);
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f1, l1, 0,
	    NULL, &e), ERR_CONFLICT);
	assert_string_equal(e.field, "from");
	assert_non_null(strstr(e.message, "replayed or older"));
	expect_reg(fx, 4, 4);
	assert_int_equal(registry_cursor(fx->reg, NULL, &at2), 0);
	assert_int_equal(at1, at2);
	/* Import skips it instead, verified but not applied. */
	memset(&fr, 0, sizeof(fr));
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f1, l1, 1,
	    &fr, &e), 0);
	assert_int_equal(fr.skipped, 1);
	assert_int_equal(fr.to, 2);
	assert_int_equal(fr.used, l1);
	expect_reg(fx, 4, 4);
	assert_int_equal(registry_cursor(fx->reg, NULL, &at2), 0);
	assert_int_equal(at1, at2);
	/* But a skipped frame is still verified. */
	f1[l1 - 3] ^= 0x01;
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f1, l1, 1,
	    &fr, &e), ERR_AUTH);
	free(f1);
	free(f2);
}

static void
test_gap_refused(void **state)
{
	struct fx		*fx = *state;
	struct proto_error	 e;
	uint8_t			*f;
	size_t			 len;

	f = frame(fx->k1, 5, 7, &len);
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f, len, 0,
	    NULL, &e), ERR_CONFLICT);
	assert_non_null(strstr(e.message, "out of order"));
	expect_reg(fx, 0, 0);
	/* Import does not skip a gap either. */
	assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f, len, 1,
	    NULL, &e), ERR_CONFLICT);
	expect_reg(fx, 0, 0);
	free(f);
}

/* Signed but not a batch this post may apply: refused all the same. */
static void
test_signed_garbage_refused(void **state)
{
	struct fx		*fx = *state;
	struct proto_error	 e;
	uint8_t			*f;
	size_t			 len;
	static const struct {
		const char	*batch;
		int		 rc;
	} t[] = {
		{ "not json", ERR_PARSE },
		{ "{\"version\":2,\"from\":0,\"to\":1,\"entries\":[]}",
		    ERR_VERSION },
		{ "{\"version\":1,\"from\":2,\"to\":1,\"entries\":[]}",
		    ERR_INVAL },
		/* An entry outside (from, to]. */
		{ "{\"version\":1,\"from\":0,\"to\":1,\"entries\":[{\"pos\":2,"
		  "\"op\":\"delete\",\"kind\":\"permit\",\"id\":\"p-1\"}]}",
		    ERR_INVAL },
	};
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		f = frame_raw(fx->k1, t[i].batch, &len);
		assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f,
		    len, 0, NULL, &e), t[i].rc);
		assert_true(e.message[0] != '\0');
		expect_reg(fx, 0, 0);
		free(f);
	}
}

static void
test_cut_frame(void **state)
{
	struct fx		*fx = *state;
	struct proto_error	 e;
	uint8_t			*f;
	size_t			 len, cut;

	f = frame(fx->k1, 0, 2, &len);
	for (cut = 0; cut < len; cut += 7)
		assert_int_equal(feedpull_apply_frame(fx->reg, &fx->keys, f,
		    cut, 0, NULL, &e), ERR_SHORT);
	expect_reg(fx, 0, 0);
	free(f);
}

/* A puller set up without a network: its TLS files are only read. */
static struct feedpull *
puller(struct fx *fx, struct registry **reg)
{
	struct ck_cfg	 *cfg;
	struct feedpull	 *fp;
	FILE		 *fp1;
	static const char *const pem[] = { "ca.pem", "cert.pem", "key.pem" };
	char		  p[160];
	size_t		  i;

	assert_non_null(cfg = malloc(sizeof(*cfg)));
	ck_cfg_init(cfg);
	SET(cfg->post_code, "ALA01");
	SET(cfg->centre_url, "https://127.0.0.1:1/");
	for (i = 0; i < 3; i++) {
		(void)snprintf(p, sizeof(p), "%s/%s", fx->dir, pem[i]);
		assert_non_null(fp1 = fopen(p, "w"));
		fputs("-----BEGIN X-----\nAA==\n-----END X-----\n", fp1);
		fclose(fp1);
	}
	(void)snprintf(cfg->ca_file, sizeof(cfg->ca_file), "%s/ca.pem",
	    fx->dir);
	(void)snprintf(cfg->cert_file, sizeof(cfg->cert_file), "%s/cert.pem",
	    fx->dir);
	(void)snprintf(cfg->key_file, sizeof(cfg->key_file), "%s/key.pem",
	    fx->dir);
	assert_int_equal(registry_open(reg, fx->db, decide_key,
	    DECIDE_KEY_NAME), 0);
	assert_int_equal(feedpull_new(&fp, cfg, &fx->keys, *reg), 0);
	free(cfg);
	return fp;
}

static void
test_puller_records_refusals(void **state)
{
	struct fx		*fx = *state;
	struct feedpull		*fp;
	struct registry		*reg;
	struct proto_feed_status st;
	uint8_t			*good, *bad, *two;
	size_t			 lg, lb, l2;
	int64_t			 t0;
	int			 more;

	fp = puller(fx, &reg);
	memset(&st, 0, sizeof(st));
	feedpull_status(fp, &st);
	assert_int_equal(st.configured, 1);
	assert_string_equal(st.last_error, "");
	assert_int_equal(st.last_error_at, 0);

	/* Signed by a key the post does not trust. */
	bad = frame(fx->k2, 0, 2, &lb);
	t0 = date_now_ms();
	more = 7;
	assert_int_equal(feedpull_take(fp, bad, lb, 2, &more), ERR_AUTH);
	assert_int_equal(more, 0);
	feedpull_status(fp, &st);
	assert_non_null(strstr(st.last_error, "signature refused"));
	assert_non_null(strstr(st.last_error, "nothing applied"));
	assert_true(st.last_error_at >= t0);
	expect_reg(fx, 0, 0);

	/* An answer must be exactly one frame. */
	good = frame(fx->k1, 0, 2, &lg);
	two = malloc(lg + 1);
	assert_non_null(two);
	memcpy(two, good, lg);
	two[lg] = 'x';
	assert_int_equal(feedpull_take(fp, two, lg + 1, 2, &more), ERR_PARSE);
	feedpull_status(fp, &st);
	assert_non_null(strstr(st.last_error, "1 bytes follow the frame"));
	expect_reg(fx, 0, 0);

	/* A good frame behind the head: applied, and more to come. */
	assert_int_equal(feedpull_take(fp, good, lg, 9, &more), 0);
	assert_int_equal(more, 1);
	expect_reg(fx, 2, 2);
	/* The last error stays for the status, older than the apply. */
	feedpull_status(fp, &st);
	assert_true(st.last_error[0] != '\0');
	/* The same batch again: a replay, refused. */
	assert_int_equal(feedpull_take(fp, good, lg, 2, &more), ERR_CONFLICT);
	feedpull_status(fp, &st);
	assert_non_null(strstr(st.last_error,
	    "batch does not start at the cursor"));
	expect_reg(fx, 2, 2);
	/* At the head: no more. */
	free(two);
	two = frame(fx->k1, 2, 3, &l2);
	assert_int_equal(feedpull_take(fp, two, l2, 3, &more), 0);
	assert_int_equal(more, 0);
	expect_reg(fx, 3, 3);

	feedpull_free(fp);	/* closes reg */
	free(good);
	free(bad);
	free(two);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_good_frame_applies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_altered_byte_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_key_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replayed_batch_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_signed_garbage_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_frame, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_puller_records_refusals,
		    setup, teardown),
	};
	int	rc;

	log_init("test_feedpull", LOGL_WARN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
