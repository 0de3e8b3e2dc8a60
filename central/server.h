/* server.h - centrald's HTTPS API (libevent evhttp over OpenSSL
 * bufferevents, mutual TLS): posts push crossing batches, and /healthz.
 *
 *   POST /v1/posts/{code}/crossings   a batch (proto_decode_batch) from the
 *       post whose client certificate maps to {code}; 200 with the ack of
 *       the seqs durable at the centre; 400 bad body (field and message),
 *       403 certificate not enrolled (in central.yaml or the posts
 *       table, see postauth.h), of a revoked post or of another post,
 *       409 seqs already stored with different content (nothing
 *       acknowledged), 413 body over
 *       listen.max_body_bytes or more than listen.max_batch crossings,
 *       503 database unavailable (retry later).
 *   POST /v1/posts/{code}/audit   a batch of the post's audit events
 *       (auditmsg_decode_batch), stored by postaudit_store(); answers as
 *       for crossings (200 ack, 400, 403, 409, 413, 503). An event whose
 *       hash or link does not check is logged and stored as sent.
 *   GET /v1/feed?since=V   for any enrolled post: 200 with one signed
 *       frame (feedframe.h) of the feed batch (V, to], Content-Type
 *       application/x-shekara-feed, header Shekara-Feed-Head: the head;
 *       400 "since" not a decimal 0..2^53-1, 403 as above, 409 V above
 *       the head, 503 no feed.signing_key or database unavailable.
 *   GET /healthz   200 {"status":"ok","database":"ok"}, or 503.
 *   Anything else: 404, or 405 for a known path with the wrong method.
 * Every request a post's certificate authenticated is noted in post_health
 * (postaudit_note_health()) once answered: its backlog from the
 * Shekara-Unsent and Shekara-Audit-Unsent headers, its feed cursor.
 * Error bodies are proto_encode_error() JSON. */
#ifndef SHEKARA_SERVER_H
#define SHEKARA_SERVER_H

#include <event2/event.h>

#include "cencfg.h"
#include "db.h"
#include "sign.h"

struct server;

/*
 * Builds the TLS context from cfg and binds cfg->listen on base; cfg and db
 * must outlive the server. Problems are logged; 0, ERR_IO (files, bind),
 * ERR_INVAL or ERR_NOMEM.
 */
int	server_new(struct server **out, struct event_base *base,
	    const struct cen_cfg *cfg, struct db *db);
/* The key that signs GET /v1/feed answers (it must outlive the server);
 * NULL, the default, serves no feed (503). */
void	server_set_feed_key(struct server *s, const struct sign_key *k);
/* Closes the listener and every connection. */
void	server_free(struct server *s);

#endif
