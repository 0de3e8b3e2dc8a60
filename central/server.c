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

#include "cencfg.h"
#include "db.h"
#include "err.h"
#include "log.h"
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
};

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
	struct tls_peer		 peer;
	const struct cen_post	*post;
	struct proto_batch	 b;
	struct proto_error	 pe;
	struct proto_ack	 ack;
	struct db_store_result	 res;
	struct evbuffer		*in;
	const uint8_t		*body;
	size_t			 len, i, alen;
	char			 why[96], field[PROTO_FIELD_MAX];
	int			 rc;

	if (server_peer_cert(r, &peer) != 0) {
		server_refuse(r, 403, "", NULL, "no usable client "
		    "certificate");
		return;
	}
	if ((post = cen_cfg_post_for_cert(s->cfg, peer.cn,
	    peer.sha256)) == NULL) {
		server_refuse(r, 403, "", NULL, "certificate \"%.64s\" "
		    "(SHA-256 %.16s...) is not enrolled for any post", peer.cn,
		    peer.fingerprint);
		return;
	}
	(void)snprintf(r->post, sizeof(r->post), "%s", post->code);
	if (strcmp(code, post->code) != 0) {
		server_refuse(r, 403, "", NULL, "this certificate is post "
		    "%s's; it may not submit for post %s", post->code, code);
		return;
	}

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
	memcpy(ack.post, post->code, sizeof(ack.post));
	ack.n = res.ndurable;
	ack.seqs = res.durable;
	if ((rc = proto_encode_ack(&ack, s->ack, s->acksz, &alen)) != 0) {
		server_refuse(r, 500, "", NULL, "cannot encode the "
		    "acknowledgement: %s", err_str(rc));
		return;
	}
	log_debug("peer %s post %s: %zu crossing(s), %zu durable, %zu "
	    "pending", r->peer, r->post, b.n, res.ndurable, res.npending);
	server_send(r, 200, s->ack, alen);
}

/* "/v1/posts/{code}/crossings": copies {code} to code; 0 or ERR_NOTFOUND.
 * A segment that cannot be a post code is not found either. */
static int
server_route_crossings(const char *path, char *code, size_t codesz)
{
	static const char	pre[] = "/v1/posts/", suf[] = "/crossings";
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
	} else if (server_route_crossings(path, code, sizeof(code)) == 0) {
		if (m != EVHTTP_REQ_POST)
			server_method_not_allowed(&r, "POST");
		else
			server_crossings(&r, code);
	} else
		server_refuse(&r, 404, "", NULL, "no such resource");
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
	free(s->items);
	free(s->durable);
	free(s->conflict);
	free(s->seqs);
	free(s->ack);
	free(s);
}
