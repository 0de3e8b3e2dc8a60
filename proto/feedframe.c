/* feedframe.c - signed feed frames: the head line (magic, version, key id,
 * base64 signature, length), the signed message (domain string + batch
 * bytes), and a strict reader that tells a frame cut short (ERR_SHORT) from
 * one that is wrong (ERR_PARSE, ERR_TOOBIG, ERR_AUTH). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "err.h"
#include "feedframe.h"
#include "proto.h"
#include "ptext.h"
#include "sign.h"

#define FF_MAGIC_LEN	(sizeof(FEEDFRAME_MAGIC) - 1)
#define FF_DOMAIN_LEN	(sizeof(FEEDFRAME_DOMAIN) - 1)
#define FF_SIG_B64_LEN	88	/* 64 bytes: 21 groups, one with "==" */
#define FF_LEN_DIGITS	20	/* more digits than this: malformed */

/* 1 if ch may appear in the signature field (for ERR_SHORT vs ERR_PARSE). */
static int
ff_b64_char(uint8_t ch)
{
	return b64_value(ch, 0) >= 0 || ch == '=';
}

/* "shekara-feed-v1\n" + batch, malloc'd. */
static uint8_t *
ff_message(const uint8_t *batch, size_t len, size_t *msglen)
{
	uint8_t	*m;

	if ((m = malloc(FF_DOMAIN_LEN + len)) == NULL)
		return NULL;
	memcpy(m, FEEDFRAME_DOMAIN, FF_DOMAIN_LEN);
	if (len > 0)
		memcpy(m + FF_DOMAIN_LEN, batch, len);
	*msglen = FF_DOMAIN_LEN + len;
	return m;
}

int
feedframe_head(const struct sign_key *k, const uint8_t *batch, size_t len,
    char *head, size_t headsz, size_t *headlen)
{
	uint8_t		 pub[SIGN_PUBKEY_LEN], sig[SIGN_SIG_LEN], *msg;
	char		 id[SIGN_KEYID_LEN + 1], b64[FF_SIG_B64_LEN + 1];
	size_t		 msglen;
	int		 n, rc;

	if (len > FEEDFRAME_BATCH_MAX)
		return ERR_TOOBIG;
	if ((msg = ff_message(batch, len, &msglen)) == NULL)
		return ERR_NOMEM;
	rc = sign_sign(k, msg, msglen, sig);
	free(msg);
	if (rc != 0)
		return rc;
	sign_key_public(k, pub);
	sign_keyid(pub, id);
	if ((rc = b64_encode(sig, sizeof(sig), B64_PAD, b64, sizeof(b64),
	    NULL)) != 0)
		return rc;	/* not reached: b64 has room */
	n = snprintf(head, headsz, "%s %d %s %s %zu\n", FEEDFRAME_MAGIC,
	    FEEDFRAME_VERSION, id, b64, len);
	if (n < 0 || (size_t)n >= headsz)
		return ERR_TOOBIG;
	*headlen = (size_t)n;
	return 0;
}

/* A cursor over the head line. */
struct ff_cur {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

/*
 * Reads a field of min..max bytes each passing ok(), ended by the byte
 * end. ERR_SHORT if the input ends while the field could still be valid,
 * else ERR_PARSE for anything wrong.
 */
static int
ff_field(struct ff_cur *c, size_t min, size_t max, int (*ok)(uint8_t),
    uint8_t end, size_t *start, size_t *flen)
{
	size_t	i;

	for (i = 0; ; i++) {
		if (c->off + i >= c->len)
			return ERR_SHORT;
		if (c->p[c->off + i] == end)
			break;
		if (i >= max || !ok(c->p[c->off + i]))
			return ERR_PARSE;
	}
	if (i < min)
		return ERR_PARSE;
	*start = c->off;
	*flen = i;
	c->off += i + 1;
	return 0;
}

static int
ff_hex_char(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static int
ff_digit(uint8_t ch)
{
	return ch >= '0' && ch <= '9';
}

static int
ff_fail(struct proto_error *err, int rc, const char *field, const char *msg)
{
	if (err == NULL)
		return rc;
	return ptext_error(err, rc, "", field, "%s", msg);
}

int
feedframe_open(const uint8_t *p, size_t len,
    const struct feedframe_keys *keys, const uint8_t **batch,
    size_t *batchlen, size_t *used, struct proto_error *err)
{
	static const char	 magic[] = FEEDFRAME_MAGIC " 1 ";
	struct ff_cur		 c = { p, len, 0 };
	uint8_t			 sig[SIGN_SIG_LEN], *msg;
	size_t			 idoff, idlen, sigoff, siglen, lenoff, lenlen;
	size_t			 i, n, blen, msglen, k;
	uint64_t		 v;
	int			 rc;

	if (len == 0)
		return ff_fail(err, ERR_SHORT, "", "the frame is cut short");
	n = len < sizeof(magic) - 1 ? len : sizeof(magic) - 1;
	if (memcmp(p, magic, n) != 0) {
		if (n >= FF_MAGIC_LEN + 1 &&
		    memcmp(p, FEEDFRAME_MAGIC " ", FF_MAGIC_LEN + 1) == 0)
			return ff_fail(err, ERR_PARSE, "version",
			    "not a version 1 feed frame");
		return ff_fail(err, ERR_PARSE, "",
		    "not a feed frame (no \"SHEKARA-FEED 1\" head)");
	}
	if (n < sizeof(magic) - 1)
		return ff_fail(err, ERR_SHORT, "", "the frame is cut short");
	c.off = n;

	if ((rc = ff_field(&c, SIGN_KEYID_LEN, SIGN_KEYID_LEN, ff_hex_char,
	    ' ', &idoff, &idlen)) != 0)
		return ff_fail(err, rc, "keyid", rc == ERR_SHORT ?
		    "the frame is cut short" :
		    "the key id must be 16 lower-case hex digits");
	if ((rc = ff_field(&c, FF_SIG_B64_LEN, FF_SIG_B64_LEN, ff_b64_char,
	    ' ', &sigoff, &siglen)) != 0)
		return ff_fail(err, rc, "signature", rc == ERR_SHORT ?
		    "the frame is cut short" :
		    "the signature must be 88 characters of base64");
	/* Exactly the canonical encoding of 64 bytes. */
	if (b64_decode((const char *)p + sigoff, siglen, B64_PAD, sig,
	    sizeof(sig), &n) != 0 || n != sizeof(sig))
		return ff_fail(err, ERR_PARSE, "signature",
		    "the signature is not the base64 of 64 bytes");
	if ((rc = ff_field(&c, 1, FF_LEN_DIGITS, ff_digit, '\n', &lenoff,
	    &lenlen)) != 0)
		return ff_fail(err, rc, "length", rc == ERR_SHORT ?
		    "the frame is cut short" :
		    "the length must be a decimal number of bytes");
	if (lenlen > 1 && p[lenoff] == '0')
		return ff_fail(err, ERR_PARSE, "length",
		    "the length has a leading zero");
	for (v = 0, i = 0; i < lenlen; i++) {
		if (v > FEEDFRAME_BATCH_MAX)
			break;
		v = v * 10 + (uint64_t)(p[lenoff + i] - '0');
	}
	if (v > FEEDFRAME_BATCH_MAX)
		return ff_fail(err, ERR_TOOBIG, "length",
		    "the batch is over 16 MiB");
	blen = (size_t)v;
	if (len - c.off < blen + 1)
		return ff_fail(err, ERR_SHORT, "", "the frame is cut short");
	if (p[c.off + blen] != '\n')
		return ff_fail(err, ERR_PARSE, "",
		    "the batch is not followed by a newline");

	/* Every trusted key of that id is tried (two keys sharing 64 bits
	 * of their hash is not expected, but costs nothing to allow). */
	msg = NULL;
	rc = ERR_NOTFOUND;
	for (k = 0; k < keys->n && rc != 0; k++) {
		if (memcmp(keys->id[k], p + idoff, SIGN_KEYID_LEN) != 0)
			continue;
		if (msg == NULL &&
		    (msg = ff_message(p + c.off, blen, &msglen)) == NULL)
			return ff_fail(err, ERR_NOMEM, "", "out of memory");
		rc = sign_verify(keys->pub[k], msg, msglen, sig);
		if (rc == ERR_NOMEM) {
			free(msg);
			return ff_fail(err, ERR_NOMEM, "", "out of memory");
		}
	}
	free(msg);
	if (rc == ERR_NOTFOUND)
		return ff_fail(err, ERR_AUTH, "keyid",
		    "signed by a key that is not trusted");
	if (rc != 0)
		return ff_fail(err, ERR_AUTH, "signature",
		    "the signature does not match the batch");
	*batch = p + c.off;
	*batchlen = blen;
	*used = c.off + blen + 1;
	return 0;
}

int
feedframe_keys_add(struct feedframe_keys *keys,
    const uint8_t pub[SIGN_PUBKEY_LEN])
{
	size_t	i;

	for (i = 0; i < keys->n; i++)
		if (memcmp(keys->pub[i], pub, SIGN_PUBKEY_LEN) == 0)
			return ERR_EXISTS;
	if (keys->n >= FEEDFRAME_KEYS_MAX)
		return ERR_TOOBIG;
	memcpy(keys->pub[keys->n], pub, SIGN_PUBKEY_LEN);
	sign_keyid(pub, keys->id[keys->n]);
	keys->n++;
	return 0;
}
