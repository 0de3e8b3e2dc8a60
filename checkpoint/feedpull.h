/* feedpull.h - the post's side of the signed feed: a thread that pulls
 * batches from the centre (GET /v1/feed?since=CURSOR, mutual TLS, libcurl)
 * on its own registry connection, and the one step it shares with
 * `checkpointctl import`: verify a frame's signature, decode its batch and
 * apply it at the cursor. Nothing unsigned, altered or out of order is ever
 * applied; docs/feed.md, "At the post". */
#ifndef SHEKARA_FEEDPULL_H
#define SHEKARA_FEEDPULL_H

#include <stddef.h>
#include <stdint.h>

#include "ckcfg.h"
#include "feedframe.h"
#include "proto.h"
#include "registry.h"

/* The largest answer or frame read: a batch and its head line. */
#define FEEDPULL_FRAME_MAX	((size_t)FEEDFRAME_BATCH_MAX + \
				 FEEDFRAME_HEAD_MAX + 1)

struct feedpull;

/* What one frame held, and what was done with it. */
struct feedpull_frame {
	uint64_t	from;		/* the batch covers (from, to] */
	uint64_t	to;
	size_t		n;		/* entries */
	size_t		used;		/* bytes of the whole frame */
	int		skipped;	/* 1: wholly at or before the cursor,
					 * verified but not applied */
};

/*
 * Adds the Ed25519 public key in the PEM file path to keys. ERR_IO (errno
 * set), ERR_PARSE (not a PEM public key), ERR_INVAL (not Ed25519),
 * ERR_TOOBIG (keys full), ERR_EXISTS (the same key twice). Not logged:
 * the caller names the file.
 */
int	feedpull_key_load(struct feedframe_keys *keys, const char *path);

/*
 * The step both the puller and import use. Reads one frame at p[0..len)
 * (feedframe_open: the signature must be by one of keys), decodes its
 * batch (feed_decode_batch) and applies it to reg (registry_apply_batch,
 * one transaction with the cursor). With skip_old, a frame whose batch
 * ends at or before the cursor (to <= cursor) is verified, not applied,
 * and reported with out->skipped set. out (may be NULL) is filled on
 * success; out->used also when only the batch was refused.
 * Errors, with nothing applied and err (may be NULL) saying what:
 * ERR_SHORT (a frame cut short), ERR_PARSE (a malformed frame or batch
 * JSON), ERR_TOOBIG, ERR_AUTH (unknown key or bad signature: an altered
 * byte), ERR_VERSION, ERR_INVAL (a batch feed_check_batch() refuses),
 * ERR_CONFLICT (the batch does not start at the cursor: replayed, older,
 * or a gap), ERR_DB, ERR_NOMEM.
 */
int	feedpull_apply_frame(struct registry *reg,
	    const struct feedframe_keys *keys, const uint8_t *p, size_t len,
	    int skip_old, struct feedpull_frame *out, struct proto_error *err);

/*
 * A puller for cfg's centre with these keys (copied; at least one), on reg
 * (a registry connection of its own, opened with decide_key). Reads the
 * CA, certificate and key files and sets up its libcurl handle like the
 * replicator. Takes ownership of reg only on success. curl_global_init()
 * must have been called. ERR_IO (a file, logged), ERR_NOMEM, ERR_INVAL.
 */
int	feedpull_new(struct feedpull **out, const struct ck_cfg *cfg,
	    const struct feedframe_keys *keys, struct registry *reg);
/* Stops the thread if it runs, closes the registry, wipes the key. */
void	feedpull_free(struct feedpull *fp);

int	feedpull_start(struct feedpull *fp);
/* Interrupts any wait or transfer and joins the thread. */
void	feedpull_stop(struct feedpull *fp);

/*
 * One pull, in the caller's thread: asks for the batch after the cursor,
 * applies it, and sets *more when the centre's head is beyond it. 0, or a
 * negative code once the error is recorded (see feedpull_status) and
 * logged if it differs from the last one.
 */
int	feedpull_pull_once(struct feedpull *fp, int *more);

/*
 * Handles one answer body as a pull does (tests drive it without a
 * network): applies the frame in body, which must be the whole body, and
 * records the outcome. head is the centre's Shekara-Feed-Head (0 if
 * absent); *more is set when the batch ends before it.
 */
int	feedpull_take(struct feedpull *fp, const uint8_t *body, size_t len,
	    uint64_t head, int *more);

/* Sets out->configured, last_error and last_error_at from the puller's
 * last refusal or failure (kept after later successes; compare with
 * applied_at). Thread-safe. */
void	feedpull_status(struct feedpull *fp, struct proto_feed_status *out);

#endif
