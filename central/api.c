/* api.c - the people's API listener (see api.h): TLS with the centre's
 * certificate and no client certificate, dispatch through the table of
 * route tables, the method, credential, role and CSRF checks, bounded
 * bodies, one log line per request, and the people's own routes (login,
 * logout, me, tokens, users; auth.h does the storage). One event loop, one
 * database connection: a request is answered before the next is read. */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "adminapi.h"
#include "api.h"
#include "audit.h"
#include "auth.h"
#include "cencfg.h"
#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "query.h"
#include "stats.h"
#include "tls.h"

#define API_TIMEOUT_S		30	/* handshake, request, idle keep-alive */
#define API_HEADERS_MAX		16384
#define API_PATH_MAX		2048	/* bytes of a decoded path */
#define API_MSG_MAX		512	/* bytes of an error message */
#define API_COOKIE		"shekara_session"
#define API_RETRY_AFTER		"5"	/* seconds, on 503 */

/* The people's own routes (at the end of this file). */
extern const struct api_route	auth_routes[];

/*
 * The table of tables: each module's `const struct api_route
 * <module>_routes[]` (declared in its header, included above), one line
 * each, in the order they are tried and listed.
 */
static const struct api_route *const	api_tables[] = {
	auth_routes,
	audit_routes,
	stats_routes,
	query_routes,
	admin_routes,
	NULL
};

static const char *const	api_role_names[] = {
	"inspector", "auditor", "admin"
};
#define API_NROLES	3

struct api {
	const struct cen_cfg	*cfg;
	struct db		*db;
	struct evhttp		*http;
	SSL_CTX			*ctx;
};

/* A request in flight: what a route sees (first, so an api_req pointer is
 * one to this) and what the dispatcher keeps. */
struct api_call {
	struct api_req		 r;
	struct api		*a;
	struct auth_cred	 cred;
	int			 authed;	/* cred is set */
	int			 cookie;	/* it came as the session cookie */
	int			 status;	/* 0 until replied */
	const char		*method;
	struct evkeyvalq	 q;
};

static struct api_call *
api_call_of(struct api_req *r)
{
	return (struct api_call *)(void *)r;
}

static const char *
api_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return status < 300 ? "OK" : status < 500 ? "Client Error" :
		      "Server Error";
	}
}

void
api_add_header(struct api_req *r, const char *name, const char *value)
{
	(void)evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    name, value);
}

const char *
api_header(struct api_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    name);
}

void
api_reply(struct api_req *r, int status, const char *ctype, const void *body,
    size_t len)
{
	struct api_call		*c = api_call_of(r);
	struct evkeyvalq	*h = evhttp_request_get_output_headers(r->req);
	struct evbuffer		*out = evhttp_request_get_output_buffer(r->req);

	if (c->status != 0) {
		log_warnx("people: %s %s: a second reply (%d after %d) "
		    "dropped", c->method, r->path, status, c->status);
		return;
	}
	c->status = status;
	if (ctype != NULL)
		evhttp_add_header(h, "Content-Type", ctype);
	if (evhttp_find_header(h, "Cache-Control") == NULL)
		evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
	if (len > 0 && evbuffer_add(out, body, len) != 0) {
		c->status = 500;
		evhttp_send_error(r->req, 500, NULL);
		return;
	}
	evhttp_send_reply(r->req, status, api_reason(status), NULL);
}

void
api_reply_json(struct api_req *r, int status, json_t *obj)
{
	char	*text;

	if (obj == NULL || (text = json_dumps(obj, JSON_COMPACT)) == NULL) {
		json_decref(obj);
		api_error(r, 500, "", "out of memory");
		return;
	}
	json_decref(obj);
	api_reply(r, status, "application/json", text, strlen(text));
	free(text);
}

void
api_error(struct api_req *r, int status, const char *field, const char *fmt,
    ...)
{
	struct api_call	*c = api_call_of(r);
	char		 msg[API_MSG_MAX];
	json_t		*o;
	char		*text;
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		(void)snprintf(msg, sizeof(msg), "%s", api_reason(status));
	if (field == NULL)
		field = "";
	if (status >= 500)
		log_warnx("people %s %s: %d %s%s%s", r->peer, r->user[0] !=
		    '\0' ? r->user : "-", status, field, field[0] != '\0' ?
		    ": " : "", msg);
	else
		log_debug("people %s %s: %d %s%s%s", r->peer, r->user[0] !=
		    '\0' ? r->user : "-", status, field, field[0] != '\0' ?
		    ": " : "", msg);
	if (status == 503 && c->status == 0)
		api_add_header(r, "Retry-After", API_RETRY_AFTER);
	/* A message cut inside a UTF-8 sequence: json_string() refuses it;
	 * fall back to the reason. */
	o = json_pack("{s:i, s:{s:i, s:s, s:s}}", "version", 1, "error",
	    "status", status, "field", field, "message", msg);
	if (o == NULL)
		o = json_pack("{s:i, s:{s:i, s:s, s:s}}", "version", 1,
		    "error", "status", status, "field", "", "message",
		    api_reason(status));
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL) {
		api_reply(r, status, "application/json", "{}", 2);
		return;
	}
	api_reply(r, status, "application/json", text, strlen(text));
	free(text);
}

json_t *
api_body_json(struct api_req *r)
{
	json_error_t	 e;
	json_t		*o;

	if (r->body == NULL || r->bodylen == 0) {
		api_error(r, 400, "", "a JSON object is required as the body");
		return NULL;
	}
	o = json_loadb((const char *)r->body, r->bodylen,
	    JSON_REJECT_DUPLICATES, &e);
	if (o == NULL) {
		/* Not e.text: it may quote the body (a password). */
		api_error(r, 400, "", "the body is not JSON (line %d, "
		    "column %d)", e.line, e.column);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		api_error(r, 400, "", "the body must be a JSON object");
		return NULL;
	}
	return o;
}

json_t *
api_roles_json(int roles)
{
	json_t	*a;
	int	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < API_NROLES; i++)
		if ((roles & (1 << i)) &&
		    json_array_append_new(a, json_string(api_role_names[i])) !=
		    0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

void
api_roles_format(int roles, char *buf, size_t bufsz)
{
	size_t	o = 0;
	int	i, n;

	if (bufsz == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < API_NROLES; i++) {
		if (!(roles & (1 << i)))
			continue;
		n = snprintf(buf + o, bufsz - o, "%s%s", o > 0 ? "," : "",
		    api_role_names[i]);
		if (n < 0 || (size_t)n >= bufsz - o)
			return;		/* cut: the caller's buffer is small */
		o += (size_t)n;
	}
}

/* One role name s[0..len): its bit, or 0. */
static int
api_role_bit(const char *s, size_t len)
{
	int	i;

	for (i = 0; i < API_NROLES; i++)
		if (strlen(api_role_names[i]) == len &&
		    memcmp(api_role_names[i], s, len) == 0)
			return 1 << i;
	return 0;
}

int
api_roles_parse(const char *s, int *roles)
{
	const char	*p = s, *e;
	int		 bit, v = 0;

	if (s == NULL || s[0] == '\0')
		return ERR_PARSE;
	for (;;) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((bit = api_role_bit(p, (size_t)(e - p))) == 0 ||
		    (v & bit))
			return ERR_PARSE;
		v |= bit;
		if (*e == '\0')
			break;
		p = e + 1;
	}
	*roles = v;
	return 0;
}

const struct api_route *
api_route_at(size_t i)
{
	const struct api_route	*t;
	size_t			 k, j;

	for (k = 0; api_tables[k] != NULL; k++) {
		t = api_tables[k];
		for (j = 0; t[j].method != NULL; j++)
			if (i-- == 0)
				return &t[j];
	}
	return NULL;
}

/* The routes for path: the exact ones, else those of the longest matching
 * prefix. Up to max into out; the count. */
static size_t
api_match(const char *path, const struct api_route **out, size_t max)
{
	const struct api_route	*rt;
	size_t			 i, n = 0, best = 0, len;

	for (i = 0; (rt = api_route_at(i)) != NULL; i++)
		if (!rt->prefix && strcmp(rt->path, path) == 0 && n < max)
			out[n++] = rt;
	if (n > 0)
		return n;
	for (i = 0; (rt = api_route_at(i)) != NULL; i++) {
		len = strlen(rt->path);
		if (!rt->prefix || strncmp(rt->path, path, len) != 0 ||
		    len < best)
			continue;
		if (len > best) {
			best = len;
			n = 0;
		}
		if (n < max)
			out[n++] = rt;
	}
	return n;
}

static const char *
api_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:	return "GET";
	case EVHTTP_REQ_HEAD:	return "HEAD";
	case EVHTTP_REQ_POST:	return "POST";
	case EVHTTP_REQ_PUT:	return "PUT";
	case EVHTTP_REQ_DELETE:	return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH:	return "PATCH";
	default:		return "OTHER";
	}
}

/* The session cookie's value in a Cookie header, or NULL; *len set. */
static const char *
api_cookie(const char *h, size_t *len)
{
	static const char	name[] = API_COOKIE "=";
	const char		*p = h, *e;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		e = strchr(p, ';');
		if (strncmp(p, name, sizeof(name) - 1) == 0) {
			p += sizeof(name) - 1;
			*len = e != NULL ? (size_t)(e - p) : strlen(p);
			while (*len > 0 && (p[*len - 1] == ' ' ||
			    p[*len - 1] == '\t'))
				(*len)--;
			return p;
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return NULL;
}

/* 1 if the request's Content-Type is application/json (parameters such
 * as charset allowed). */
static int
api_is_json(struct api_req *r)
{
	const char	*ct = api_header(r, "Content-Type");
	static const char	want[] = "application/json";

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, want, sizeof(want) - 1) == 0 &&
	    (ct[sizeof(want) - 1] == '\0' || ct[sizeof(want) - 1] == ';' ||
	    ct[sizeof(want) - 1] == ' ');
}

/*
 * The credentials of the request: a bearer token, else the session
 * cookie. 0 (c->cred set), or -1 after answering 401/503.
 */
static int
api_authenticate(struct api_call *c)
{
	struct api_req	*r = &c->r;
	const char	*h, *s = NULL;
	size_t		 len = 0;
	int		 rc;

	if ((h = api_header(r, "Authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) != 0) {
			api_add_header(r, "WWW-Authenticate",
			    "Bearer realm=\"shekara\"");
			api_error(r, 401, "Authorization", "only \"Bearer "
			    "TOKEN\" is accepted");
			return -1;
		}
		for (s = h + 7; *s == ' '; s++)
			;
		len = strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
	} else if ((h = api_header(r, "Cookie")) != NULL &&
	    (s = api_cookie(h, &len)) != NULL)
		c->cookie = 1;
	if (s == NULL) {
		api_add_header(r, "WWW-Authenticate", "Bearer realm=\"shekara\"");
		api_error(r, 401, "", "sign in first (POST /api/v1/login) or "
		    "send \"Authorization: Bearer TOKEN\"");
		return -1;
	}
	if ((rc = auth_verify(r->conn, s, len, &c->cred)) != 0) {
		if (rc == ERR_DB) {
			api_error(r, 503, "", "database unavailable; try again "
			    "later");
			return -1;
		}
		api_add_header(r, "WWW-Authenticate", "Bearer realm=\"shekara\"");
		api_error(r, 401, c->cookie ? "Cookie" : "Authorization",
		    "the %s is not valid (expired, revoked, or its user "
		    "disabled); sign in again", c->cookie ? "session" :
		    "token");
		return -1;
	}
	c->authed = 1;
	r->user = c->cred.user;
	r->roles = c->cred.roles;
	return 0;
}

static void
api_log_line(struct api_call *c, int64_t t0)
{
	log_info("people %s %s %s %s %d %lld ms", c->r.peer,
	    c->r.user[0] != '\0' ? c->r.user : "-", c->method, c->r.path,
	    c->status, (long long)(date_now_ms() - t0));
}

static void
api_request(struct evhttp_request *req, void *arg)
{
	struct api			*a = arg;
	struct api_call			 c;
	struct evhttp_connection	*evcon;
	const struct evhttp_uri		*uri;
	const struct api_route		*cand[16], *rt = NULL;
	struct evbuffer			*in;
	const char			*rawpath = NULL, *query, *want;
	char				*path = NULL, *addr = NULL;
	char				 allow[64];
	size_t				 n, i, plen = 0, len;
	ev_uint16_t			 port = 0;
	int64_t				 t0 = date_now_ms();
	enum evhttp_cmd_type		 m;

	memset(&c, 0, sizeof(c));
	TAILQ_INIT(&c.q);
	c.a = a;
	c.r.req = req;
	c.r.user = "";
	c.r.path = "";
	c.r.query = &c.q;
	(void)snprintf(c.r.peer, sizeof(c.r.peer), "?");
	if ((evcon = evhttp_request_get_connection(req)) != NULL) {
		evhttp_connection_get_peer(evcon, &addr, &port);
		if (addr != NULL)
			(void)snprintf(c.r.peer, sizeof(c.r.peer), "%s:%u",
			    addr, (unsigned)port);
	}
	m = evhttp_request_get_command(req);
	c.method = api_method_name(m);
	want = m == EVHTTP_REQ_HEAD ? "GET" : c.method;

	if ((uri = evhttp_request_get_evhttp_uri(req)) != NULL)
		rawpath = evhttp_uri_get_path(uri);
	if (rawpath == NULL || rawpath[0] == '\0')
		rawpath = "/";
	if (strlen(rawpath) > API_PATH_MAX) {
		api_error(&c.r, 414, "", "the path is over %d bytes",
		    API_PATH_MAX);
		goto done;
	}
	if ((path = evhttp_uridecode(rawpath, 0, &plen)) == NULL) {
		api_error(&c.r, 500, "", "out of memory");
		goto done;
	}
	c.r.path = path;
	if (strlen(path) != plen) {
		c.r.path = "?";
		api_error(&c.r, 400, "", "the path holds a NUL byte");
		goto done;
	}
	/* No route has one; in the log line it would forge lines. */
	for (i = 0; i < plen; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			break;
	if (i < plen) {
		c.r.path = "?";
		api_error(&c.r, 400, "", "the path holds a control character");
		goto done;
	}

	/* The route: path, then method. */
	if ((n = api_match(path, cand, sizeof(cand) / sizeof(cand[0]))) ==
	    0) {
		api_error(&c.r, 404, "", "no such resource");
		goto done;
	}
	for (i = 0; i < n && rt == NULL; i++)
		if (strcmp(cand[i]->method, want) == 0)
			rt = cand[i];
	if (rt == NULL) {
		allow[0] = '\0';
		for (i = 0; i < n; i++) {
			len = strlen(allow);
			if (strstr(allow, cand[i]->method) == NULL)
				(void)snprintf(allow + len, sizeof(allow) - len,
				    "%s%s", len > 0 ? ", " : "",
				    cand[i]->method);	/* cut: fine */
		}
		api_add_header(&c.r, "Allow", allow);
		api_error(&c.r, 405, "", "method %s not allowed; use %s",
		    c.method, allow);
		goto done;
	}

	/* Bounded body (libevent's own limit is a backstop at twice it). */
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > (size_t)a->cfg->people_max_body) {
		api_error(&c.r, 413, "", "body of %zu bytes is over the limit "
		    "of %ld bytes", len, a->cfg->people_max_body);
		goto done;
	}
	if (len > 0 && (c.r.body = evbuffer_pullup(in, -1)) == NULL) {
		api_error(&c.r, 500, "", "out of memory");
		goto done;
	}
	c.r.bodylen = len;
	if (uri != NULL && (query = evhttp_uri_get_query(uri)) != NULL &&
	    evhttp_parse_query_str(query, &c.q) != 0) {
		api_error(&c.r, 400, "", "the query string is malformed");
		goto done;
	}

	if (db_connect(a->db) != 0) {
		api_error(&c.r, 503, "", "database unavailable; try again "
		    "later");
		goto done;
	}
	c.r.conn = db_pgconn(a->db);

	if (rt->roles != API_PUBLIC) {
		if (api_authenticate(&c) != 0)
			goto done;
		if ((c.r.roles & rt->roles) == 0) {
			char	need[64];

			api_roles_format(rt->roles, need, sizeof(need));
			api_error(&c.r, 403, "", "%s %s needs the role %s",
			    rt->method, rt->path, need);
			goto done;
		}
		/* CSRF: a browser sends the cookie with a cross-site form,
		 * but cannot send this content type across sites without a
		 * CORS preflight, which this API never grants. */
		if (c.cookie && m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD &&
		    !api_is_json(&c.r)) {
			api_error(&c.r, 403, "Content-Type", "a request with "
			    "the session cookie that changes something must "
			    "be sent with \"Content-Type: application/json\"");
			goto done;
		}
	}
	rt->fn(&c.r);
	if (c.status == 0) {
		log_warnx("people: %s %s: the route gave no answer", c.method,
		    path);
		api_error(&c.r, 500, "", "no answer");
	}
	if (PQtransactionStatus(c.r.conn) != PQTRANS_IDLE) {
		log_warnx("people: %s %s: the route left a transaction open; "
		    "rolled back", c.method, path);
		(void)PQclear(PQexec(c.r.conn, "ROLLBACK"));
	}
done:
	api_log_line(&c, t0);
	evhttp_clear_headers(&c.q);
	free(path);
}

/* evhttp asks for each accepted connection's bufferevent: TLS, always. */
static struct bufferevent *
api_bevcb(struct event_base *base, void *arg)
{
	struct api		*a = arg;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(a->ctx)) == NULL) {
		log_warnx("people: tls: cannot create a connection: out of "
		    "memory");
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		log_warnx("people: tls: cannot create a connection");
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Split "host:port" or "[v6]:port". */
static int
api_split_listen(const char *hp, char *host, size_t hostsz,
    ev_uint16_t *port)
{
	const char	*colon = strrchr(hp, ':'), *h = hp;
	size_t		 n;
	char		*end;
	unsigned long	 v;

	if (colon == NULL || colon[1] < '0' || colon[1] > '9')
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
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
		return ERR_RANGE;
	*port = (ev_uint16_t)v;
	return 0;
}

int
api_new(struct api **out, struct event_base *base, const struct cen_cfg *cfg,
    struct db *db)
{
	struct api			*a;
	struct evhttp_bound_socket	*sock;
	char				 host[256];
	ev_uint16_t			 port;
	int				 rc, one;

	*out = NULL;
	if (cfg->people_listen[0] == '\0')
		return 0;
	if (api_split_listen(cfg->people_listen, host, sizeof(host),
	    &port) != 0) {
		log_warnx("people: bad address \"%s\"", cfg->people_listen);
		return ERR_INVAL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return ERR_NOMEM;
	a->cfg = cfg;
	a->db = db;
	adminapi_configure(cfg);	/* enrolment checks post certificates */
	if ((rc = tls_ctx_new_people(&a->ctx, cfg)) != 0)
		goto fail;
	if ((a->http = evhttp_new(base)) == NULL) {
		rc = ERR_NOMEM;
		goto fail;
	}
	evhttp_set_bevcb(a->http, api_bevcb, a);
	evhttp_set_gencb(a->http, api_request, a);
	evhttp_set_timeout(a->http, API_TIMEOUT_S);
	evhttp_set_max_headers_size(a->http, API_HEADERS_MAX);
	evhttp_set_max_body_size(a->http, (ev_ssize_t)cfg->people_max_body * 2);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	if ((sock = evhttp_bind_socket_with_handle(a->http, host,
	    port)) == NULL) {
		log_warn("people: cannot bind %s", cfg->people_listen);
		rc = ERR_IO;
		goto fail;
	}
	one = 1;
	if (setsockopt(evhttp_bound_socket_get_fd(sock), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) == -1)
		log_warn("people: TCP_NODELAY");
	*out = a;
	return 0;
fail:
	api_free(a);
	return rc;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	if (a->http != NULL)
		evhttp_free(a->http);
	SSL_CTX_free(a->ctx);
	free(a);
}

/*
 * The people's own routes: login, logout, me, tokens and users.
 */

/* A string member of o, or NULL after a 400 naming it (required: absent
 * is an error; else absent gives NULL with *absent set). */
static const char *
api_json_str(struct api_req *r, json_t *o, const char *key, int required,
    int *absent, size_t *len)
{
	json_t	*v = json_object_get(o, key);

	if (absent != NULL)
		*absent = v == NULL;
	if (v == NULL) {
		if (required)
			api_error(r, 400, key, "\"%s\" is required", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		api_error(r, 400, key, "\"%s\" must be a string", key);
		if (absent != NULL)
			*absent = 0;
		return NULL;
	}
	if (len != NULL)
		*len = json_string_length(v);
	return json_string_value(v);
}

/* Only these keys in o: 0, or -1 after a 400 naming the stranger. */
static int
api_json_only(struct api_req *r, json_t *o, const char *const *keys)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			api_error(r, 400, k, "unknown member \"%.64s\"", k);
			return -1;
		}
	}
	return 0;
}

/* "roles": an array of role names, none twice: the bit set, or 0 after a
 * 400. */
static int
api_json_roles(struct api_req *r, json_t *v)
{
	json_t	*e;
	size_t	 i;
	int	 bit, roles = 0;

	if (!json_is_array(v) || json_array_size(v) == 0) {
		api_error(r, 400, "roles", "\"roles\" must be a non-empty "
		    "array of \"inspector\", \"auditor\", \"admin\"");
		return 0;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || (bit = api_role_bit(
		    json_string_value(e), json_string_length(e))) == 0 ||
		    (roles & bit)) {
			api_error(r, 400, "roles", "roles[%zu]: not a role or "
			    "given twice (inspector, auditor, admin)", i);
			return 0;
		}
		roles |= bit;
	}
	return roles;
}

static void
api_set_cookie(struct api_req *r, const char *value, long max_age)
{
	char	buf[256];

	(void)snprintf(buf, sizeof(buf), API_COOKIE "=%s; HttpOnly; Secure; "
	    "SameSite=Strict; Path=/; Max-Age=%ld", value, max_age);
	api_add_header(r, "Set-Cookie", buf);
}

static void
api_login(struct api_req *r)
{
	static const char *const keys[] = { "user", "password", NULL };
	struct api_call		*c = api_call_of(r);
	const struct cen_cfg	*cfg = c->a->cfg;
	struct auth_cred	 cred;
	const char		*user, *pw;
	char			 secret[AUTH_SECRET_LEN + 1], retry[16];
	size_t			 ulen = 0, pwlen = 0;
	json_t			*o;
	int			 rc;

	/* Login CSRF: a cross-site form cannot send JSON. */
	if (!api_is_json(r)) {
		api_error(r, 415, "Content-Type", "send the login as "
		    "\"Content-Type: application/json\"");
		return;
	}
	if ((o = api_body_json(r)) == NULL)
		return;
	if (api_json_only(r, o, keys) != 0 ||
	    (user = api_json_str(r, o, "user", 1, NULL, &ulen)) == NULL ||
	    (pw = api_json_str(r, o, "password", 1, NULL, &pwlen)) == NULL) {
		json_decref(o);
		return;
	}
	rc = auth_login(r->conn, user, ulen, pw, pwlen,
	    cfg->people_session_ttl_s, cfg->people_login_max_failures,
	    r->peer, secret, &cred);
	json_decref(o);		/* the password with it */
	switch (rc) {
	case 0:
		break;
	case ERR_AUTH:
		api_error(r, 401, "", "wrong user name or password");
		return;
	case ERR_TOOBIG:
		(void)snprintf(retry, sizeof(retry), "%d", AUTH_LOGIN_WINDOW_S);
		api_add_header(r, "Retry-After", retry);
		api_error(r, 429, "user", "too many failed logins for this "
		    "user; try again in up to %d minutes",
		    AUTH_LOGIN_WINDOW_S / 60);
		return;
	case ERR_DB:
		api_error(r, 503, "", "database unavailable; try again later");
		return;
	default:
		api_error(r, 500, "", "cannot sign in: %s", err_str(rc));
		return;
	}
	api_set_cookie(r, secret, cfg->people_session_ttl_s);
	OPENSSL_cleanse(secret, sizeof(secret));
	c->authed = 1;
	c->cred = cred;
	r->user = c->cred.user;
	r->roles = cred.roles;
	api_reply_json(r, 200, json_pack("{s:s, s:o, s:s}", "user", cred.user,
	    "roles", api_roles_json(cred.roles), "expires_at",
	    cred.expires_at));
}

static void
api_logout(struct api_req *r)
{
	struct api_call	*c = api_call_of(r);
	int		 rc;

	if (c->cred.kind != AUTH_SESSION) {
		api_error(r, 400, "", "a token is not a session; revoke it with "
		    "DELETE /api/v1/tokens/ID");
		return;
	}
	rc = auth_revoke(r->conn, c->cred.id, AUTH_SESSION, r->user, r->user);
	if (rc != 0 && rc != ERR_NOTFOUND) {
		api_error(r, 503, "", "database unavailable; try again later");
		return;
	}
	api_set_cookie(r, "", 0);
	api_reply_json(r, 200, json_pack("{s:s, s:b}", "user", r->user,
	    "logged_out", 1));
}

static void
api_me(struct api_req *r)
{
	struct api_call	*c = api_call_of(r);
	json_t		*u = NULL;
	int		 rc;

	if ((rc = auth_user_json(r->conn, r->user, &u)) != 0) {
		api_error(r, rc == ERR_DB ? 503 : 500, "", "cannot read the "
		    "user: %s", err_str(rc));
		return;
	}
	(void)json_object_set_new(u, "via", json_string(
	    c->cred.kind == AUTH_SESSION ? "session" : "token"));
	(void)json_object_set_new(u, "credential_id",
	    json_integer((json_int_t)c->cred.id));
	(void)json_object_set_new(u, "expires_at",
	    json_string(c->cred.expires_at));
	api_reply_json(r, 200, u);
}

static void
api_token_create(struct api_req *r)
{
	static const char *const keys[] = { "name", "days", NULL };
	struct api_call		*c = api_call_of(r);
	struct auth_cred	 cred;
	const char		*name;
	char			 secret[AUTH_SECRET_LEN + 1], why[160];
	char			 tname[AUTH_TOKEN_NAME_MAX + 1];
	json_t			*o, *d;
	json_int_t		 days;
	int			 rc;

	if ((o = api_body_json(r)) == NULL)
		return;
	if (api_json_only(r, o, keys) != 0 ||
	    (name = api_json_str(r, o, "name", 1, NULL, NULL)) == NULL) {
		json_decref(o);
		return;
	}
	d = json_object_get(o, "days");
	days = json_is_integer(d) ? json_integer_value(d) : -1;
	if (days < 1 || days > c->a->cfg->people_token_max_days) {
		json_decref(o);
		api_error(r, 400, "days", "\"days\" must be a whole number "
		    "1..%ld", c->a->cfg->people_token_max_days);
		return;
	}
	(void)snprintf(tname, sizeof(tname), "%s", name); /* cut: refused */
	rc = auth_token_new(r->conn, r->user, name, (long)days, r->user,
	    secret, &cred, why, sizeof(why));
	json_decref(o);
	switch (rc) {
	case 0:
		break;
	case ERR_INVAL:
		api_error(r, 400, "name", "%s", why);
		return;
	case ERR_TOOBIG:
		api_error(r, 409, "", "%s", why);
		return;
	case ERR_NOTFOUND:
		api_error(r, 401, "", "%s", why);
		return;
	case ERR_DB:
		api_error(r, 503, "", "database unavailable; try again later");
		return;
	default:
		api_error(r, 500, "", "cannot create the token: %s",
		    err_str(rc));
		return;
	}
	o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)cred.id,
	    "user", cred.user, "name", tname, "token", secret,
	    "expires_at", cred.expires_at);
	OPENSSL_cleanse(secret, sizeof(secret));
	api_reply_json(r, 201, o);
}

static void
api_token_list(struct api_req *r)
{
	json_t	*arr;
	int	 rc;

	if ((rc = auth_tokens_json(r->conn, r->user, &arr)) != 0) {
		api_error(r, rc == ERR_DB ? 503 : 500, "", "cannot list the "
		    "tokens: %s", err_str(rc));
		return;
	}
	api_reply_json(r, 200, json_pack("{s:o}", "tokens", arr));
}

/* The decimal id after prefix in the path: 0, or -1 after a 404. */
static int
api_path_id(struct api_req *r, const char *prefix, int64_t *id)
{
	const char	*s = r->path + strlen(prefix);
	size_t		 i, n = strlen(s);
	int64_t		 v = 0;

	if (n == 0 || n > 18 || s[0] == '0')
		goto bad;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		v = v * 10 + (s[i] - '0');
	}
	*id = v;
	return 0;
bad:
	api_error(r, 404, "", "no such token");
	return -1;
}

static void
api_token_revoke(struct api_req *r)
{
	int64_t	id;
	int	rc;

	if (api_path_id(r, "/api/v1/tokens/", &id) != 0)
		return;
	rc = auth_revoke(r->conn, id, AUTH_TOKEN, (r->roles & API_ADMIN) ?
	    NULL : r->user, r->user);
	if (rc == ERR_NOTFOUND) {
		api_error(r, 404, "", "no such live token of yours");
		return;
	}
	if (rc != 0) {
		api_error(r, 503, "", "database unavailable; try again later");
		return;
	}
	api_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id,
	    "revoked", 1));
}

static void
api_user_list(struct api_req *r)
{
	json_t	*arr;
	int	 rc;

	if ((rc = auth_user_json(r->conn, NULL, &arr)) != 0) {
		api_error(r, rc == ERR_DB ? 503 : 500, "", "cannot list the "
		    "users: %s", err_str(rc));
		return;
	}
	api_reply_json(r, 200, json_pack("{s:o}", "users", arr));
}

/* Replies with the user name as it stands, with status. */
static void
api_user_reply(struct api_req *r, int status, const char *name)
{
	json_t	*u;
	int	 rc;

	if ((rc = auth_user_json(r->conn, name, &u)) != 0) {
		api_error(r, rc == ERR_NOTFOUND ? 404 : 503, "", "cannot read "
		    "user %s: %s", name, err_str(rc));
		return;
	}
	api_reply_json(r, status, u);
}

static int
api_user_status(int rc)
{
	switch (rc) {
	case ERR_INVAL:		return 400;
	case ERR_NOTFOUND:	return 404;
	case ERR_EXISTS:	return 409;
	case ERR_CONFLICT:	return 409;
	case ERR_DB:		return 503;
	default:		return 500;
	}
}

static void
api_user_create(struct api_req *r)
{
	static const char *const keys[] = { "name", "display_name", "roles",
	    "password", NULL };
	const char	*name, *display, *pw;
	char		 why[160], nbuf[AUTH_USER_MAX + 1];
	size_t		 pwlen = 0;
	json_t		*o;
	int		 roles, absent, rc;

	if ((o = api_body_json(r)) == NULL)
		return;
	if (api_json_only(r, o, keys) != 0 ||
	    (name = api_json_str(r, o, "name", 1, NULL, NULL)) == NULL)
		goto out;
	display = api_json_str(r, o, "display_name", 0, &absent, NULL);
	if (display == NULL && !absent)
		goto out;
	pw = api_json_str(r, o, "password", 0, &absent, &pwlen);
	if (pw == NULL && !absent)
		goto out;
	if ((roles = api_json_roles(r, json_object_get(o, "roles"))) == 0)
		goto out;
	rc = auth_user_add(r->conn, name, display, pw, pwlen, roles, r->user,
	    why, sizeof(why));
	if (rc != 0) {
		api_error(r, api_user_status(rc), rc == ERR_INVAL ? "" : "name",
		    "%s", why[0] != '\0' ? why : err_str(rc));
		goto out;
	}
	(void)snprintf(nbuf, sizeof(nbuf), "%s", name);
	json_decref(o);
	api_user_reply(r, 201, nbuf);
	return;
out:
	json_decref(o);
}

static void
api_user_get(struct api_req *r)
{
	const char	*name = r->path + strlen("/api/v1/users/");

	if (!auth_check_user(name, strlen(name))) {
		api_error(r, 404, "", "no such user");
		return;
	}
	api_user_reply(r, 200, name);
}

static void
api_user_update(struct api_req *r)
{
	static const char *const keys[] = { "display_name", "roles", "active",
	    "password", NULL };
	struct auth_user_change	 ch;
	const char		*name = r->path + strlen("/api/v1/users/");
	char			 why[160];
	json_t			*o, *v;
	int			 absent, rc;

	if (!auth_check_user(name, strlen(name))) {
		api_error(r, 404, "", "no such user");
		return;
	}
	if ((o = api_body_json(r)) == NULL)
		return;
	memset(&ch, 0, sizeof(ch));
	ch.active = -1;
	if (api_json_only(r, o, keys) != 0)
		goto out;
	if (json_object_size(o) == 0) {
		api_error(r, 400, "", "nothing to change: give display_name, "
		    "roles, active or password");
		goto out;
	}
	ch.display = api_json_str(r, o, "display_name", 0, &absent, NULL);
	if (ch.display == NULL && !absent)
		goto out;
	ch.pw = api_json_str(r, o, "password", 0, &absent, &ch.pwlen);
	if (ch.pw == NULL && !absent)
		goto out;
	if ((v = json_object_get(o, "roles")) != NULL &&
	    (ch.roles = api_json_roles(r, v)) == 0)
		goto out;
	if ((v = json_object_get(o, "active")) != NULL) {
		if (!json_is_boolean(v)) {
			api_error(r, 400, "active", "\"active\" must be true "
			    "or false");
			goto out;
		}
		ch.active = json_is_true(v);
	}
	rc = auth_user_set(r->conn, name, &ch, r->user, why, sizeof(why));
	if (rc != 0) {
		api_error(r, api_user_status(rc), "", "%s", why[0] != '\0' ?
		    why : err_str(rc));
		goto out;
	}
	api_user_reply(r, 200, name);
out:
	json_decref(o);
}

const struct api_route	auth_routes[] = {
	{ "POST", "/api/v1/login", 0, API_PUBLIC, api_login,
	    "sign in with {\"user\",\"password\"}: a session cookie" },
	{ "POST", "/api/v1/logout", 0, API_ANY, api_logout,
	    "end this session" },
	{ "GET", "/api/v1/me", 0, API_ANY, api_me,
	    "who is signed in, with which roles" },
	{ "POST", "/api/v1/tokens", 0, API_ANY, api_token_create,
	    "create an API token for oneself (shown once)" },
	{ "GET", "/api/v1/tokens", 0, API_ANY, api_token_list,
	    "one's own API tokens" },
	{ "DELETE", "/api/v1/tokens/", 1, API_ANY, api_token_revoke,
	    "revoke a token: one's own, or anyone's as admin" },
	{ "GET", "/api/v1/users", 0, API_ADMIN, api_user_list,
	    "every user and their roles" },
	{ "POST", "/api/v1/users", 0, API_ADMIN, api_user_create,
	    "create a user" },
	{ "GET", "/api/v1/users/", 1, API_ADMIN, api_user_get,
	    "one user" },
	{ "PUT", "/api/v1/users/", 1, API_ADMIN, api_user_update,
	    "change a user's roles, password, display name or active flag" },
	{ NULL, NULL, 0, 0, NULL, NULL }
};
