/* feedframe.h - a signed feed batch on the wire and in export files:
 * "SHEKARA-FEED 1 <keyid> <base64 signature> <length>\n", then <length>
 * bytes of batch JSON exactly as feed_encode_batch() writes it, then "\n".
 * The signature is Ed25519 over "shekara-feed-v1\n" followed by the batch
 * bytes. An export file is frames one after another; GET /v1/feed answers
 * one. Frames are checked here; batches are decoded by feed.h. docs/feed.md,
 * "Transport and signature". */
#ifndef SHEKARA_FEEDFRAME_H
#define SHEKARA_FEEDFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "sign.h"

#define FEEDFRAME_MAGIC		"SHEKARA-FEED"
#define FEEDFRAME_VERSION	1
#define FEEDFRAME_DOMAIN	"shekara-feed-v1\n"	/* signed before the
							 * batch bytes */
#define FEEDFRAME_BATCH_MAX	(16u * 1024 * 1024)
#define FEEDFRAME_KEYS_MAX	8
#define FEEDFRAME_HEAD_MAX	160	/* a head line, "\n" included */

/* The public keys a reader trusts (key rotation: up to 8 at once). */
struct feedframe_keys {
	size_t	n;
	uint8_t	pub[FEEDFRAME_KEYS_MAX][SIGN_PUBKEY_LEN];
	char	id[FEEDFRAME_KEYS_MAX][SIGN_KEYID_LEN + 1];
};

/*
 * Writes the head line for these batch bytes (signing them) into head
 * (headsz bytes; FEEDFRAME_HEAD_MAX is enough), NUL-terminated, *headlen
 * its length with the "\n". The frame is head, batch, "\n". ERR_TOOBIG
 * (len over FEEDFRAME_BATCH_MAX or headsz too small), ERR_NOMEM, ERR_INVAL.
 */
int	feedframe_head(const struct sign_key *k, const uint8_t *batch,
	    size_t len, char *head, size_t headsz, size_t *headlen);

/*
 * Reads one frame at p[0..len): verifies the signature with the key named
 * by keyid (which must be in keys), then sets *batch and *batchlen (pointing
 * into p) and *used (bytes of the whole frame). ERR_SHORT: p holds only the
 * start of a frame; ERR_PARSE: malformed head or missing final "\n";
 * ERR_TOOBIG: length over FEEDFRAME_BATCH_MAX; ERR_AUTH: unknown key or bad
 * signature. err (may be NULL) says what was wrong. Nothing is decoded: call
 * feed_decode_batch() after. Outputs are untouched on failure.
 */
int	feedframe_open(const uint8_t *p, size_t len,
	    const struct feedframe_keys *keys, const uint8_t **batch,
	    size_t *batchlen, size_t *used, struct proto_error *err);

/* Adds pub to keys (its id computed); ERR_TOOBIG when full, ERR_EXISTS if
 * already there. */
int	feedframe_keys_add(struct feedframe_keys *keys,
	    const uint8_t pub[SIGN_PUBKEY_LEN]);

#endif
