/* server.h - centrald's HTTPS API (libevent evhttp over OpenSSL
 * bufferevents, mutual TLS): posts push crossing batches, and /healthz.
 *
 *   POST /v1/posts/{code}/crossings   a batch (proto_decode_batch) from the
 *       post whose client certificate maps to {code}; 200 with the ack of
 *       the seqs durable at the centre; 400 bad body (field and message),
 *       403 certificate not enrolled or of another post, 409 seqs already
 *       stored with different content (nothing acknowledged), 413 body over
 *       listen.max_body_bytes or more than listen.max_batch crossings,
 *       503 database unavailable (retry later).
 *   GET /healthz   200 {"status":"ok","database":"ok"}, or 503.
 *   Anything else: 404, or 405 for a known path with the wrong method.
 * Error bodies are proto_encode_error() JSON. */
#ifndef SHEKARA_SERVER_H
#define SHEKARA_SERVER_H

#include <event2/event.h>

#include "cencfg.h"
#include "db.h"

struct server;

/*
 * Builds the TLS context from cfg and binds cfg->listen on base; cfg and db
 * must outlive the server. Problems are logged; 0, ERR_IO (files, bind),
 * ERR_INVAL or ERR_NOMEM.
 */
int	server_new(struct server **out, struct event_base *base,
	    const struct cen_cfg *cfg, struct db *db);
/* Closes the listener and every connection. */
void	server_free(struct server *s);

#endif
