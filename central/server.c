/* server.c - centrald's HTTPS API: routing, client-certificate
 * authorisation, batch intake and health; see server.h. One event loop, one
 * database connection: a request is answered before the next is read. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "auditmsg.h"
#include "cencfg.h"
#include "date.h"
#include "db.h"
#include "err.h"
#include "feed.h"
#include "feedframe.h"
#include "feedlog.h"
#include "log.h"
#include "postauth.h"
#include "postaudit.h"
#include "proto.h"
#include "server.h"
#include "tls.h"

#define SERVER_TIMEOUT_S	30	/* handshake, request, idle keep-alive */
#define SERVER_HEADERS_MAX	16384
#define SERVER_ERRBODY_MAX	1024
#define SERVER_RETRY_AFTER	"5"	/* seconds, on 503 */

struct server {
	const struct cen_cfg	*cfg;
	struct db		*db;
	struct evhttp		*http;
	struct evconnlistener	*lev;
	SSL_CTX			*ctx;
	struct postauth		*auth;		/* certificate -> post */
	const struct sign_key	*feed_key;	/* NULL: no feed served */
	long			 nconn;		/* open TLS connections */
	int			 paused;	/* not accepting: at max_clients */
	size_t			 cap;		/* crossings per batch */
	struct proto_crossing	*items;		/* cap each */
	uint64_t		*durable, *conflict, *seqs;
	char			*ack;
	size_t			 acksz;
};

/* One request being answered: who asked, for replies and the log line. */
struct server_req {
	struct evhttp_request	*req;
	struct server		*s;
	char			 peer[80];
	char			 post[PROTO_POST_MAX + 1];	/* "-": unknown */
	/* For post_health, noted once the request is answered. */
	int			 status;	/* the answer's; 0: none */
	int			 push;		/* SERVER_PUSH_* or 0 */
	size_t			 acked;		/* seqs acknowledged */
	int64_t			 unsent;	/* Shekara-Unsent; -1: none */
	int64_t			 audit_unsent;	/* Shekara-Audit-Unsent */
	int64_t			 feed_since;	/* -1: not a feed pull */
};

#define SERVER_PUSH_CROSSINGS	1
#define SERVER_PUSH_AUDIT	2

static int	server_ctx_idx = -1;	/* SSL_CTX ex_data: struct server */
static int	server_conn_idx = -1;	/* SSL ex_data: counted in nconn */

static const char *
server_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 503: return "Service Unavailable";
	default:  return "Internal Server Error";
	}
}

static void
server_send(struct server_req *r, int status, const char *body, size_t len)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(r->req);
	struct evbuffer		*out = evhttp_request_get_output_buffer(r->req);

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	r->status = status;
	if (evbuffer_add(out, body, len) != 0) {
		evhttp_send_error(r->req, 500, NULL);
		return;
	}
	evhttp_send_reply(r->req, status, server_reason(status), NULL);
}

/*
 * Refuse the request: a proto_encode_error() body with field and message,
 * and one log line naming the peer, the post and the reason. logwhy, if
 * not NULL, replaces the message in the log (a decoder's message might
 * quote personal data; the field name and error class do not).
 */
static void
server_refuse(struct server_req *r, int status, const char *field,
    const char *logwhy, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
server_refuse(struct server_req *r, int status, const char *field,
    const char *logwhy, const char *fmt, ...)
{
	struct proto_error	 e;
	char			 body[SERVER_ERRBODY_MAX];
	size_t			 len;
	va_list			 ap;
	int			 n;

	memset(&e, 0, sizeof(e));
	(void)snprintf(e.field, sizeof(e.field), "%s", field); /* ours: short */
	va_start(ap, fmt);
	n = vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	if (n < 0)
		(void)snprintf(e.message, sizeof(e.message), "%s",
		    server_reason(status));
	/* A message cut at the buffer's end reads oddly but stays valid. */
	log_warnx("peer %s post %s: %d %s%s%s", r->peer, r->post, status,
	    field[0] != '\0' ? field : "", field[0] != '\0' ? ": " : "",
	    logwhy != NULL ? logwhy : e.message);
	if (status == 503)
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Retry-After", SERVER_RETRY_AFTER);
	if (proto_encode_error(status, &e, body, sizeof(body), &len) != 0) {
		/* Only if the message itself was unencodable (cut UTF-8). */
		n = snprintf(body, sizeof(body), "{\"version\":%d,\"error\":"
		    "{\"status\":%d,\"field\":\"\",\"message\":\"%s\"}}",
		    PROTO_VERSION, status, server_reason(status));
		len = n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0;
	}
	server_send(r, status, body, len);
}

static void
server_method_not_allowed(struct server_req *r, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow",
	    allow);
	server_refuse(r, 405, "", NULL, "method not allowed; use %s", allow);
}

/* The verified client certificate of this request's connection. */
static int
server_peer_cert(struct server_req *r, struct tls_peer *peer)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	SSL				*ssl = NULL;

	evcon = evhttp_request_get_connection(r->req);
	if (evcon != NULL &&
	    (bev = evhttp_connection_get_bufferevent(evcon)) != NULL)
		ssl = bufferevent_openssl_get_ssl(bev);
	/* No SSL (a plain bufferevent after SSL_new failed): refuse. */
	return tls_peer_identity(ssl, peer);
}

/*
 * The post this request's client certificate belongs to (central.yaml or
 * the posts table; a post revoked in the table is refused): 0 with code
 * (also set as r->post for the log), or -1 after answering 403.
 */
static int
server_auth_post(struct server_req *r, char code[PROTO_POST_MAX + 1])
{
	struct tls_peer	peer;
	char		why[POSTAUTH_WHY_MAX];

	if (server_peer_cert(r, &peer) != 0) {
		server_refuse(r, 403, "", NULL, "no usable client "
		    "certificate");
		return -1;
	}
	if (postauth_check(r->s->auth, peer.cn, peer.sha256, date_now_ms(),
	    code, why, sizeof(why)) != 0) {
		server_refuse(r, 403, "", NULL, "%s", why);
		return -1;
	}
	(void)snprintf(r->post, sizeof(r->post), "%s", code);
	return 0;
}

static void
server_healthz(struct server_req *r)
{
	static const char	ok[] = "{\"status\":\"ok\",\"database\":\"ok\"}";

	if (db_ping(r->s->db) != 0) {
		server_refuse(r, 503, "database", NULL,
		    "database unavailable");
		return;
	}
	server_send(r, 200, ok, sizeof(ok) - 1);
}

static int
server_u64_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Index in the batch of the first conflicting crossing, for the field. */
static size_t
server_batch_index(const struct proto_batch *b, uint64_t seq)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		if (b->items[i].seq == seq)
			return i;
	return 0;
}

static void
server_crossings(struct server_req *r, const char *code)
{
	struct server		*s = r->s;
	struct proto_batch	 b;
	struct proto_error	 pe;
	struct proto_ack	 ack;
	struct db_store_result	 res;
	struct evbuffer		*in;
	const uint8_t		*body;
	size_t			 len, i, alen;
	char			 why[96], field[PROTO_FIELD_MAX];
	char			 mine[PROTO_POST_MAX + 1] = "";
	int			 rc;

	if (server_auth_post(r, mine) != 0)
		return;
	if (strcmp(code, mine) != 0) {
		server_refuse(r, 403, "", NULL, "this certificate is post "
		    "%s's; it may not submit for post %s", mine, code);
		return;
	}
	r->push = SERVER_PUSH_CROSSINGS;

	in = evhttp_request_get_input_buffer(r->req);
	len = evbuffer_get_length(in);
	if (len > (size_t)s->cfg->max_body) {
		server_refuse(r, 413, "", NULL, "body of %zu bytes is over "
		    "the limit of %ld bytes", len, s->cfg->max_body);
		return;
	}
	body = len > 0 ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
	if (body == NULL) {
		server_refuse(r, 500, "", NULL, "out of memory");
		return;
	}

	memset(&b, 0, sizeof(b));
	memset(&pe, 0, sizeof(pe));
	b.items = s->items;
	rc = proto_decode_batch(&b, s->cap, body, len, &pe);
	switch (rc) {
	case 0:
		break;
	case ERR_TOOBIG:
		/* 413: the same batch will never fit; the post must split
		 * it, not retry it. */
		server_refuse(r, 413, pe.field, NULL, "%s", pe.message);
		return;
	case ERR_VERSION:
		/* The decoder's message names the version sent and ours. */
		if (pe.message[0] != '\0')
			server_refuse(r, 400, pe.field[0] ? pe.field :
			    "version", NULL, "%s", pe.message);
		else
			server_refuse(r, 400, "version", NULL, "unsupported "
			    "protocol version; this centre speaks version %d",
			    PROTO_VERSION);
		return;
	case ERR_NOMEM:
		server_refuse(r, 500, "", NULL, "out of memory");
		return;
	default:
		(void)snprintf(why, sizeof(why), "bad batch (%s)",
		    err_str(rc));
		server_refuse(r, 400, pe.field, why, "%s", pe.message);
		return;
	}
	if (strcmp(b.post, code) != 0) {
		server_refuse(r, 400, "post", NULL, "the batch is for post "
		    "%s but was sent to /v1/posts/%s", b.post, code);
		return;
	}
	/* The decoder refuses repeated seqs; the store relies on it. */
	for (i = 0; i < b.n; i++)
		s->seqs[i] = b.items[i].seq;
	qsort(s->seqs, b.n, sizeof(s->seqs[0]), server_u64_cmp);
	for (i = 1; i < b.n; i++) {
		if (s->seqs[i] == s->seqs[i - 1]) {
			server_refuse(r, 400, "crossings", NULL, "seq %" PRIu64
			    " appears twice in the batch", s->seqs[i]);
			return;
		}
	}

	memset(&res, 0, sizeof(res));
	res.durable = s->durable;
	res.conflict = s->conflict;
	if ((rc = db_store_batch(s->db, &b, &res)) != 0) {
		if (rc == ERR_DB)
			server_refuse(r, 503, "", NULL, "database unavailable; "
			    "nothing was stored, send the batch again later");
		else
			server_refuse(r, 500, "", NULL, "cannot store the "
			    "batch: %s", err_str(rc));
		return;
	}
	if (res.nconflict > 0) {
		/*
		 * Different crossings under seqs already stored: the post's
		 * store was probably reset and its numbering started over.
		 * Dropping the new ones silently would lose them, so nothing
		 * of this batch is acknowledged and an operator must look.
		 */
		(void)snprintf(field, sizeof(field), "crossings[%zu].seq",
		    server_batch_index(&b, res.conflict[0]));
		server_refuse(r, 409, field, NULL, "%zu crossing(s) differ "
		    "from those stored under the same seq (first seq %" PRIu64
		    "); not stored. Was this post's store reset?",
		    res.nconflict, res.conflict[0]);
		return;
	}
	memset(&ack, 0, sizeof(ack));
	memcpy(ack.post, mine, sizeof(ack.post));
	ack.n = res.ndurable;
	ack.seqs = res.durable;
	if ((rc = proto_encode_ack(&ack, s->ack, s->acksz, &alen)) != 0) {
		server_refuse(r, 500, "", NULL, "cannot encode the "
		    "acknowledgement: %s", err_str(rc));
		return;
	}
	log_debug("peer %s post %s: %zu crossing(s), %zu durable, %zu "
	    "pending", r->peer, r->post, b.n, res.ndurable, res.npending);
	r->acked = res.ndurable;
	server_send(r, 200, s->ack, alen);
}

/*
 * The query of GET /v1/feed: exactly "since=V", V a decimal 0..2^53-1
 * without leading zeros. 0, or -1 after answering 400.
 */
static int
server_feed_since(struct server_req *r, uint64_t *since)
{
	static const char	 pre[] = "since=";
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(r->req);
	const char		*q = uri != NULL ? evhttp_uri_get_query(uri) :
				    NULL;
	uint64_t		 v = 0;
	size_t			 i, n;

	if (q == NULL || strncmp(q, pre, sizeof(pre) - 1) != 0) {
		server_refuse(r, 400, "since", NULL, "the query must be "
		    "since=POSITION, the last feed position this post has");
		return -1;
	}
	q += sizeof(pre) - 1;
	n = strlen(q);
	if (n == 0 || n > 16 || (n > 1 && q[0] == '0'))
		goto bad;
	for (i = 0; i < n; i++) {
		if (q[i] < '0' || q[i] > '9')
			goto bad;
		v = v * 10 + (uint64_t)(q[i] - '0');
	}
	if (v > FEED_POS_MAX)
		goto bad;
	*since = v;
	return 0;
bad:
	server_refuse(r, 400, "since", NULL, "\"since\" must be a decimal "
	    "number 0..%" PRIu64 " without leading zeros, got \"%.24s%s\"",
	    FEED_POS_MAX, q, n > 24 ? "..." : "");
	return -1;
}

static void
server_feed_free(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)(uintptr_t)data);
}

/*
 * GET /v1/feed?since=V: one signed frame of the batch (V, to] from the
 * feed log (feedlog_batch()), for any enrolled post.
 */
static void
server_feed(struct server_req *r)
{
	struct server		*s = r->s;
	struct feedlog_batch	 fb;
	struct evkeyvalq	*h;
	struct evbuffer		*out;
	PGconn			*conn;
	uint64_t		 since;
	int64_t			 t0 = date_now_ms();
	char			 code[PROTO_POST_MAX + 1] = "";
	char			 head[FEEDFRAME_HEAD_MAX], pos[24];
	size_t			 hlen, len;
	int			 rc, attempt;

	if (server_auth_post(r, code) != 0)
		return;
	if (server_feed_since(r, &since) != 0)
		return;
	r->feed_since = (int64_t)since;
	if (s->feed_key == NULL) {
		server_refuse(r, 503, "", NULL, "this centre serves no feed: "
		    "no feed.signing_key is configured");
		return;
	}
	memset(&fb, 0, sizeof(fb));
	rc = ERR_DB;
	/* A connection found lost is made again and the read tried once
	 * more (it changes nothing). */
	for (attempt = 0; attempt < 2 && rc == ERR_DB; attempt++) {
		if (db_connect(s->db) != 0)
			break;
		conn = db_pgconn(s->db);
		rc = feedlog_batch(conn, since, (size_t)s->cfg->feed_batch_max,
		    FEEDFRAME_BATCH_MAX, &fb);
		if (rc != ERR_DB || PQstatus(conn) != CONNECTION_BAD)
			break;
	}
	switch (rc) {
	case 0:
		break;
	case ERR_CONFLICT:
		server_refuse(r, 409, "since", NULL, "position %" PRIu64 " is "
		    "past this centre's feed head %" PRIu64 "; the post has a "
		    "feed the centre never wrote", since, fb.head);
		return;
	case ERR_DB:
		server_refuse(r, 503, "", NULL, "database unavailable; ask "
		    "again later");
		return;
	default:
		server_refuse(r, 500, "", NULL, "cannot read the feed: %s",
		    err_str(rc));
		return;
	}
	if ((rc = feedframe_head(s->feed_key, (const uint8_t *)fb.buf, fb.len,
	    head, sizeof(head), &hlen)) != 0) {
		feedlog_batch_reset(&fb);
		server_refuse(r, 500, "", NULL, "cannot sign the batch: %s",
		    err_str(rc));
		return;
	}
	h = evhttp_request_get_output_headers(r->req);
	out = evhttp_request_get_output_buffer(r->req);
	(void)snprintf(pos, sizeof(pos), "%" PRIu64, fb.head);
	evhttp_add_header(h, "Content-Type", "application/x-shekara-feed");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Shekara-Feed-Head", pos);
	len = hlen + fb.len + 1;
	/* The batch is handed to the buffer, which frees it when sent. */
	if (evbuffer_add(out, head, hlen) != 0 ||
	    evbuffer_add_reference(out, fb.buf, fb.len, server_feed_free,
	    NULL) != 0) {
		feedlog_batch_reset(&fb);
		evhttp_send_error(r->req, 500, NULL);
		return;
	}
	fb.buf = NULL;
	if (evbuffer_add(out, "\n", 1) != 0) {
		evhttp_send_error(r->req, 500, NULL);
		return;
	}
	log_info("peer %s post %s: feed since %" PRIu64 " to %" PRIu64 ", %zu "
	    "entries, %zu bytes, %lld ms", r->peer, r->post, since, fb.to,
	    fb.n, len, (long long)(date_now_ms() - t0));
	r->status = 200;
	evhttp_send_reply(r->req, 200, server_reason(200), NULL);
}

/*
 * POST /v1/posts/{code}/audit: a batch of the post's audit events
 * (auditmsg.h), stored idempotently (postaudit_store()) and answered like a
 * crossing batch. A broken hash or link is logged and stored as sent.
 */
static void
server_audit(struct server_req *r, const char *code)
{
	struct server		*s = r->s;
	struct auditmsg_batch	 b;
	struct postaudit_result	 res;
	struct proto_error	 pe;
	struct proto_ack	 ack;
	struct evbuffer		*in;
	const uint8_t		*body;
	PGconn			*conn;
	char			 why[96], field[PROTO_FIELD_MAX];
	char			 mine[PROTO_POST_MAX + 1] = "";
	size_t			 len, alen, i;
	int			 rc, attempt;

	memset(&b, 0, sizeof(b));
	memset(&res, 0, sizeof(res));
	if (server_auth_post(r, mine) != 0)
		return;
	if (strcmp(code, mine) != 0) {
		server_refuse(r, 403, "", NULL, "this certificate is post "
		    "%s's; it may not submit for post %s", mine, code);
		return;
	}
	r->push = SERVER_PUSH_AUDIT;
	in = evhttp_request_get_input_buffer(r->req);
	len = evbuffer_get_length(in);
	if (len > (size_t)s->cfg->max_body) {
		server_refuse(r, 413, "", NULL, "body of %zu bytes is over "
		    "the limit of %ld bytes", len, s->cfg->max_body);
		return;
	}
	body = len > 0 ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
	b.events = calloc(s->cap, sizeof(*b.events));
	res.durable = calloc(s->cap, sizeof(*res.durable));
	res.conflict = calloc(s->cap, sizeof(*res.conflict));
	if (body == NULL || b.events == NULL || res.durable == NULL ||
	    res.conflict == NULL) {
		server_refuse(r, 500, "", NULL, "out of memory");
		goto out;
	}
	memset(&pe, 0, sizeof(pe));
	rc = auditmsg_decode_batch(&b, s->cap, body, len, &pe);
	switch (rc) {
	case 0:
		break;
	case ERR_TOOBIG:
		server_refuse(r, 413, pe.field, NULL, "%s", pe.message);
		goto out;
	case ERR_VERSION:
		server_refuse(r, 400, pe.field[0] ? pe.field : "version", NULL,
		    "%s", pe.message[0] != '\0' ? pe.message :
		    "unsupported protocol version");
		goto out;
	case ERR_NOMEM:
		server_refuse(r, 500, "", NULL, "out of memory");
		goto out;
	default:
		(void)snprintf(why, sizeof(why), "bad audit batch (%s)",
		    err_str(rc));
		server_refuse(r, 400, pe.field, why, "%s", pe.message);
		goto out;
	}
	if (strcmp(b.post, code) != 0) {
		server_refuse(r, 400, "post", NULL, "the batch is for post "
		    "%s but was sent to /v1/posts/%s/audit", b.post, code);
		goto out;
	}
	rc = ERR_DB;
	/* A connection found lost is made again and the (idempotent)
	 * statement sent once more. */
	for (attempt = 0; attempt < 2 && rc == ERR_DB; attempt++) {
		if (db_connect(s->db) != 0)
			break;
		conn = db_pgconn(s->db);
		rc = postaudit_store(conn, &b, &res);
		if (rc != ERR_DB || PQstatus(conn) != CONNECTION_BAD)
			break;
	}
	if (rc != 0) {
		if (rc == ERR_DB)
			server_refuse(r, 503, "", NULL, "database unavailable; "
			    "nothing was stored, send the batch again later");
		else
			server_refuse(r, 500, "", NULL, "cannot store the "
			    "batch: %s", err_str(rc));
		goto out;
	}
	if (res.nbroken > 0)
		log_warnx("peer %s post %s: audit chain broken: seq %" PRIu64
		    ": %s (%zu of %zu new events do not check); stored as "
		    "sent", r->peer, r->post, res.first_broken, res.why,
		    res.nbroken, res.nnew);
	if (res.nconflict > 0) {
		/* As for crossings: never overwritten, never dropped. */
		for (i = 0; i < b.n && b.events[i].seq != res.conflict[0];
		    i++)
			;
		(void)snprintf(field, sizeof(field), "events[%zu].seq",
		    i < b.n ? i : 0);
		server_refuse(r, 409, field, NULL, "%zu audit event(s) differ "
		    "from those stored under the same seq (first seq %" PRIu64
		    "); not stored. Was this post's store reset?",
		    res.nconflict, res.conflict[0]);
		goto out;
	}
	memset(&ack, 0, sizeof(ack));
	memcpy(ack.post, mine, sizeof(ack.post));
	ack.n = res.ndurable;
	ack.seqs = res.durable;
	if ((rc = proto_encode_ack(&ack, s->ack, s->acksz, &alen)) != 0) {
		server_refuse(r, 500, "", NULL, "cannot encode the "
		    "acknowledgement: %s", err_str(rc));
		goto out;
	}
	log_debug("peer %s post %s: %zu audit event(s), %zu new, %zu durable, "
	    "%zu pending, %zu unlinked", r->peer, r->post, b.n, res.nnew,
	    res.ndurable, res.npending, res.nunlinked);
	r->acked = res.ndurable;
	server_send(r, 200, s->ack, alen);
out:
	auditmsg_batch_reset(&b);
	free(b.events);
	free(res.durable);
	free(res.conflict);
}

/*
 * After a request a post's certificate authenticated: its contact, the
 * backlog its headers reported (less what a 200 push acknowledged) and the
 * feed position it asked from, in post_health (one UPSERT). A failure is
 * logged once until it works again; the answer was already given.
 */
static void
server_note_health(struct server_req *r)
{
	static int		 failing;
	struct postaudit_health	 h;
	const char		*m;
	int			 rc;

	if (strcmp(r->post, "-") == 0)
		return;		/* not a post */
	memset(&h, 0, sizeof(h));
	h.post = r->post;
	h.pushed = r->push != 0 && r->status == 200;
	h.unsent = r->unsent;
	h.audit_unsent = r->audit_unsent;
	h.feed_cursor = r->feed_since;
	if (h.pushed && r->push == SERVER_PUSH_CROSSINGS && h.unsent >= 0)
		h.unsent -= (int64_t)r->acked < h.unsent ? (int64_t)r->acked :
		    h.unsent;
	if (h.pushed && r->push == SERVER_PUSH_AUDIT && h.audit_unsent >= 0)
		h.audit_unsent -= (int64_t)r->acked < h.audit_unsent ?
		    (int64_t)r->acked : h.audit_unsent;
	if (db_connect(r->s->db) != 0)
		return;		/* db_connect() said so */
	rc = postaudit_note_health(db_pgconn(r->s->db), &h);
	if (rc != 0 && !failing) {
		m = PQerrorMessage(db_pgconn(r->s->db));
		log_warnx("post %s: cannot note its health: %s: %.*s", r->post,
		    err_str(rc), (int)strcspn(m, "\n"), m);
	}
	else if (rc == 0 && failing)
		log_info("post health: noted again");
	failing = rc != 0;
}

/* "/v1/posts/{code}{suf}" (suf "/crossings", "/audit"): copies {code} to
 * code; 0 or ERR_NOTFOUND. A segment that cannot be a post code is not
 * found either. */
static int
server_route_post(const char *path, const char *suf, char *code,
    size_t codesz)
{
	static const char	pre[] = "/v1/posts/";
	const char		*p, *slash;
	size_t			 n;

	if (strncmp(path, pre, sizeof(pre) - 1) != 0)
		return ERR_NOTFOUND;
	p = path + sizeof(pre) - 1;
	if ((slash = strchr(p, '/')) == NULL || strcmp(slash, suf) != 0)
		return ERR_NOTFOUND;
	n = (size_t)(slash - p);
	if (n == 0 || n >= codesz || !proto_check_post_code(p, n))
		return ERR_NOTFOUND;
	memcpy(code, p, n);
	code[n] = '\0';
	return 0;
}

static void
server_request(struct evhttp_request *req, void *arg)
{
	struct server_req		 r;
	struct evhttp_connection	*evcon;
	const struct evhttp_uri		*uri;
	struct evkeyvalq		*hin;
	const char			*path = NULL;
	char				*addr = NULL;
	char				 code[PROTO_POST_MAX + 1];
	ev_uint16_t			 port = 0;
	enum evhttp_cmd_type		 m;

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.s = arg;
	(void)snprintf(r.post, sizeof(r.post), "-");
	(void)snprintf(r.peer, sizeof(r.peer), "?");
	if ((evcon = evhttp_request_get_connection(req)) != NULL) {
		evhttp_connection_get_peer(evcon, &addr, &port);
		if (addr != NULL)
			(void)snprintf(r.peer, sizeof(r.peer), "%s:%u", addr,
			    (unsigned)port);
	}
	/* Read now: the request may be gone once it is answered. */
	hin = evhttp_request_get_input_headers(req);
	r.unsent = postaudit_parse_count(evhttp_find_header(hin,
	    "Shekara-Unsent"));
	r.audit_unsent = postaudit_parse_count(evhttp_find_header(hin,
	    "Shekara-Audit-Unsent"));
	r.feed_since = -1;
	if ((uri = evhttp_request_get_evhttp_uri(req)) != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL)
		path = "";
	m = evhttp_request_get_command(req);

	if (strcmp(path, "/healthz") == 0) {
		struct tls_peer	peer;

		if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)
			server_method_not_allowed(&r, "GET");
		else if (server_peer_cert(&r, &peer) != 0)
			server_refuse(&r, 403, "", NULL, "no usable client "
			    "certificate");
		else
			server_healthz(&r);
	} else if (strcmp(path, "/v1/feed") == 0) {
		if (m != EVHTTP_REQ_GET)
			server_method_not_allowed(&r, "GET");
		else
			server_feed(&r);
	} else if (server_route_post(path, "/crossings", code,
	    sizeof(code)) == 0) {
		if (m != EVHTTP_REQ_POST)
			server_method_not_allowed(&r, "POST");
		else
			server_crossings(&r, code);
	} else if (server_route_post(path, "/audit", code,
	    sizeof(code)) == 0) {
		if (m != EVHTTP_REQ_POST)
			server_method_not_allowed(&r, "POST");
		else
			server_audit(&r, code);
	} else
		server_refuse(&r, 404, "", NULL, "no such resource");
	server_note_health(&r);
}

/* SSL ex_data free hook: a connection closed; resume accepting if we had
 * stopped at max_clients. The server is found through the SSL_CTX, which
 * outlives every SSL and forgets the server when it is freed. */
static void
server_conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	struct server	*s;
	SSL		*ssl = parent;

	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ptr == NULL || ssl == NULL || server_ctx_idx < 0 ||
	    (s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl),
	    server_ctx_idx)) == NULL)
		return;
	s->nconn--;
	if (s->paused && s->nconn < s->cfg->max_clients && s->lev != NULL &&
	    evconnlistener_enable(s->lev) == 0) {
		s->paused = 0;
		log_info("listen: accepting connections again (%ld open)",
		    s->nconn);
	}
}

/* evhttp asks for each accepted connection's bufferevent: TLS, always. */
static struct bufferevent *
server_bevcb(struct event_base *base, void *arg)
{
	struct server		*s = arg;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(s->ctx)) == NULL) {
		/* evhttp then makes a plain bufferevent; every request on
		 * it is refused for want of a client certificate. */
		log_warnx("tls: cannot create a connection: out of memory");
		return NULL;
	}
	(void)SSL_set_ex_data(ssl, server_conn_idx, s);	/* counted */
	s->nconn++;
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);		/* uncounts it */
		log_warnx("tls: cannot create a connection");
		return NULL;
	}
	/* Clients may close without close_notify once answered. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	if (s->nconn >= s->cfg->max_clients && !s->paused && s->lev != NULL &&
	    evconnlistener_disable(s->lev) == 0) {
		s->paused = 1;
		log_warnx("listen: %ld connections open, the maximum; not "
		    "accepting more until one closes", s->nconn);
	}
	return bev;
}

/* Split "host:port" or "[v6]:port". */
static int
server_split_listen(const char *hp, char *host, size_t hostsz,
    ev_uint16_t *port)
{
	const char	*colon = strrchr(hp, ':'), *h = hp;
	size_t		 n;
	char		*end;
	unsigned long	 v;

	if (colon == NULL || colon[1] == '\0')
		return ERR_PARSE;
	n = (size_t)(colon - hp);
	if (n >= 2 && hp[0] == '[' && hp[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hostsz)
		return ERR_PARSE;
	memcpy(host, h, n);
	host[n] = '\0';
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535 ||
	    colon[1] < '0' || colon[1] > '9')
		return ERR_RANGE;
	*port = (ev_uint16_t)v;
	return 0;
}

int
server_new(struct server **out, struct event_base *base,
    const struct cen_cfg *cfg, struct db *db)
{
	struct server			*s;
	struct evhttp_bound_socket	*sock;
	char				 host[256];
	ev_uint16_t			 port;
	ev_ssize_t			 backstop;
	int				 rc, one;

	if (server_ctx_idx < 0)
		server_ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
		    NULL);
	if (server_conn_idx < 0)
		server_conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    server_conn_free);
	if (server_ctx_idx < 0 || server_conn_idx < 0)
		return ERR_NOMEM;
	if (server_split_listen(cfg->listen, host, sizeof(host), &port) != 0) {
		log_warnx("listen: bad address \"%s\"", cfg->listen);
		return ERR_INVAL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	s->cfg = cfg;
	s->db = db;
	s->cap = cfg->max_batch > 0 && cfg->max_batch < PROTO_BATCH_MAX ?
	    (size_t)cfg->max_batch : PROTO_BATCH_MAX;
	/* An ack: {"version":1,"post":"...","durable":[...]}, 21 bytes per
	 * seq at most. */
	s->acksz = s->cap * 21 + 128;
	s->items = calloc(s->cap, sizeof(*s->items));
	s->durable = calloc(s->cap, sizeof(*s->durable));
	s->conflict = calloc(s->cap, sizeof(*s->conflict));
	s->seqs = calloc(s->cap, sizeof(*s->seqs));
	s->ack = malloc(s->acksz);
	if (s->items == NULL || s->durable == NULL || s->conflict == NULL ||
	    s->seqs == NULL || s->ack == NULL) {
		rc = ERR_NOMEM;
		goto fail;
	}
	if ((rc = postauth_new(&s->auth, cfg, db, POSTAUTH_REFRESH_MS)) != 0)
		goto fail;
	if ((rc = tls_ctx_new(&s->ctx, cfg)) != 0)
		goto fail;
	if (!SSL_CTX_set_ex_data(s->ctx, server_ctx_idx, s)) {
		rc = ERR_NOMEM;
		goto fail;
	}
	if ((s->http = evhttp_new(base)) == NULL) {
		rc = ERR_NOMEM;
		goto fail;
	}
	evhttp_set_bevcb(s->http, server_bevcb, s);
	evhttp_set_gencb(s->http, server_request, s);
	evhttp_set_timeout(s->http, SERVER_TIMEOUT_S);
	evhttp_set_max_headers_size(s->http, SERVER_HEADERS_MAX);
	/*
	 * Bodies over max_body get our JSON 413 from server_crossings().
	 * libevent's own limit is a backstop at twice that, so memory stays
	 * bounded; beyond it libevent answers 413 itself (plain body).
	 */
	backstop = (ev_ssize_t)cfg->max_body * 2;
	evhttp_set_max_body_size(s->http, backstop);
	/* Let every common method reach us, so we answer 405 in JSON. */
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	if ((sock = evhttp_bind_socket_with_handle(s->http, host,
	    port)) == NULL) {
		log_warn("listen: cannot bind %s", cfg->listen);
		rc = ERR_IO;
		goto fail;
	}
	s->lev = evhttp_bound_socket_get_listener(sock);
	/*
	 * Accepted sockets inherit TCP_NODELAY from the listener (Linux). An
	 * answer leaves as TLS records in separate writes; with Nagle the last
	 * one waits for the peer's delayed ACK, 40 ms per request.
	 */
	one = 1;
	if (setsockopt(evhttp_bound_socket_get_fd(sock), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) == -1)
		log_warn("listen: TCP_NODELAY");
	*out = s;
	return 0;
fail:
	server_free(s);
	return rc;
}

void
server_set_feed_key(struct server *s, const struct sign_key *k)
{
	s->feed_key = k;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	/* Connections closed from here on must not touch s. */
	if (s->ctx != NULL)
		(void)SSL_CTX_set_ex_data(s->ctx, server_ctx_idx, NULL);
	s->lev = NULL;
	if (s->http != NULL)
		evhttp_free(s->http);
	SSL_CTX_free(s->ctx);	/* reference counted: after the last SSL */
	postauth_free(s->auth);
	free(s->items);
	free(s->durable);
	free(s->conflict);
	free(s->seqs);
	free(s->ack);
	free(s);
}
