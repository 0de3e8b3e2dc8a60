/* lane.c - the lane API: one evhttp server on the post LAN. A check is
 * decided (decide.c) and kept in the store before its verdict is sent. A
 * crossing, with the check it was recorded for and the officer's reason,
 * is answered 201 only after store_record() has committed it; a retry
 * under the same request_id gets the first receipt again with 200; every
 * error is a JSON error body; log lines carry sequence numbers, never
 * names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "check.h"
#include "ckcfg.h"
#include "date.h"
#include "decide.h"
#include "err.h"
#include "feedpull.h"
#include "lane.h"
#include "log.h"
#include "proto.h"
#include "replicator.h"
#include "store.h"

#define LANE_HEADERS_MAX	16384
#define LANE_TIMEOUT_S		30
#define LANE_ANSWER_MAX		2048

struct lane {
	struct evhttp			*http;
	struct evhttp_bound_socket	*sock;
	struct store			*st;
	struct replicator		*rep;
	struct decide			*dec;
	struct registry			*reg;	/* feed cursor; may be NULL */
	struct feedpull			*feed;	/* NULL: not configured */
	struct check_verdict		 verdict;	/* one request at a
							 * time: one thread */
	char				 post[PROTO_POST_MAX + 1];
	size_t				 max_body;
};

int
lane_split_hostport(const char *s, char *host, size_t hostsz,
    uint16_t *port)
{
	const char	*colon, *h, *end;
	size_t		 hlen;
	char		*pend;
	long		 p;

	if ((colon = strrchr(s, ':')) == NULL || colon[1] == '\0')
		return ERR_PARSE;
	h = s;
	end = colon;
	if (h[0] == '[') {
		if (end == h || end[-1] != ']')
			return ERR_PARSE;
		h++;
		end--;
	}
	hlen = (size_t)(end - h);
	if (hlen == 0 || hlen >= hostsz)
		return ERR_PARSE;
	p = strtol(colon + 1, &pend, 10);
	if (*pend != '\0' || colon[1] < '0' || colon[1] > '9' || p < 1 ||
	    p > 65535)
		return ERR_RANGE;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static const char *
lane_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* "addr:port" of the lane terminal, for log lines. */
static void
lane_peer(struct evhttp_request *req, char *buf, size_t bufsz)
{
	struct evhttp_connection	*evcon;
	char				*addr = NULL;
	ev_uint16_t			 port = 0;

	evcon = evhttp_request_get_connection(req);
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	/* A cut address is still a useful log prefix. */
	(void)snprintf(buf, bufsz, "%s:%u", addr != NULL ? addr : "?",
	    (unsigned int)port);
}

static const char *
lane_method(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "?";
}

static void
lane_send(struct evhttp_request *req, int status, const char *body,
    size_t len)
{
	struct evbuffer	*out;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if ((out = evbuffer_new()) == NULL ||
	    evbuffer_add(out, body, len) != 0) {
		if (out != NULL)
			evbuffer_free(out);
		evhttp_send_reply(req, 500, "Internal Server Error", NULL);
		return;
	}
	evhttp_send_reply(req, status, lane_reason(status), out);
	evbuffer_free(out);
}

/* Answers status with a JSON error and logs the refusal (the field, never
 * the value). */
static void
lane_refuse(struct evhttp_request *req, int status, const char *field,
    const char *msg)
{
	struct proto_error	 e;
	const struct evhttp_uri	*u;
	char			 buf[LANE_ANSWER_MAX], peer[80];
	const char		*path;
	size_t			 len;
	int			 rc;

	memset(&e, 0, sizeof(e));
	/* Both are ours or from the decoder, within their sizes; a cut one
	 * still reads. */
	(void)snprintf(e.field, sizeof(e.field), "%s", field);
	(void)snprintf(e.message, sizeof(e.message), "%s", msg);
	if ((rc = proto_encode_error(status, &e, buf, sizeof(buf), &len))
	    != 0) {
		log_warnx("lane: cannot encode an error answer: %s",
		    err_str(rc));
		len = (size_t)snprintf(buf, sizeof(buf),
		    "{\"version\":%d,\"error\":{\"status\":%d,\"field\":\"\","
		    "\"message\":\"%s\"}}", PROTO_VERSION, status,
		    lane_reason(status));
	}
	/* The path only: a query string could carry anything. */
	lane_peer(req, peer, sizeof(peer));
	path = NULL;
	if ((u = evhttp_request_get_evhttp_uri(req)) != NULL)
		path = evhttp_uri_get_path(u);
	if (path == NULL)
		path = "?";
	if (status >= 500)
		log_warnx("lane %s: %s %.64s: %d%s%s", peer,
		    lane_method(req), path, status,
		    field[0] != '\0' ? " " : "", field);
	else
		log_info("lane %s: refused %s %.64s: %d%s%s", peer,
		    lane_method(req), path, status,
		    field[0] != '\0' ? " " : "", field);
	lane_send(req, status, buf, len);
}

/* Whether the feed is stale now, as every verdict says; a registry that
 * cannot be read cannot vouch for it either. */
static int
lane_feed_stale(struct lane *l)
{
	if (l->dec == NULL)
		return 1;
	return decide_feed_stale(l->dec, date_now_ms(), NULL) != 0;
}

/* The feed part of the status. 0 or ERR_DB. */
static int
lane_feed_status(struct lane *l, struct proto_feed_status *f)
{
	int64_t	now, age_ms, max;
	int	rc;

	memset(f, 0, sizeof(*f));
	f->age_s = -1;
	if (l->reg != NULL &&
	    (rc = registry_cursor(l->reg, &f->cursor, &f->applied_at)) != 0)
		return rc;
	now = date_now_ms();
	f->stale = 1;
	if (l->dec != NULL) {
		if ((rc = decide_feed_stale(l->dec, now, &age_ms)) < 0)
			return rc;
		f->stale = rc;
		if (f->applied_at != 0)	/* a clock set back: age 0 */
			f->age_s = age_ms > 0 ? age_ms / 1000 : 0;
		max = decide_feed_max_age(l->dec);
		f->max_age_s = max > 0 ? max / 1000 : 0;
	}
	if (l->feed != NULL)
		feedpull_status(l->feed, f);
	else
		(void)snprintf(f->last_error, sizeof(f->last_error),
		    "feed not configured (no feed.verify_keys in "
		    "checkpoint.yaml): the post pulls nothing");
	return 0;
}

static void
lane_post_crossing(struct lane *l, struct evhttp_request *req)
{
	struct evbuffer		*in;
	struct proto_crossing	 c;
	struct proto_receipt	 rcpt;
	struct proto_error	 perr;
	const uint8_t		*p;
	char			 buf[LANE_ANSWER_MAX], why[96], peer[80];
	size_t			 len, outlen;
	int			 rc, replayed = 0;

	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > l->max_body) {
		(void)snprintf(why, sizeof(why), "body over %zu bytes",
		    l->max_body);
		lane_refuse(req, 413, "", why);
		return;
	}
	p = len > 0 ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
	if (p == NULL) {
		lane_refuse(req, 503, "", "out of memory");
		return;
	}
	memset(&c, 0, sizeof(c));
	memset(&perr, 0, sizeof(perr));
	if ((rc = proto_decode_lane_crossing(&c, p, len, &perr)) != 0) {
		lane_refuse(req, 400, perr.field, perr.message[0] != '\0' ?
		    perr.message : err_str(rc));
		return;
	}
	memset(&perr, 0, sizeof(perr));
	if ((rc = store_record(l->st, &c, &replayed, &perr)) != 0) {
		if (rc == ERR_INVAL)
			lane_refuse(req, 400, perr.field, perr.message[0] !=
			    '\0' ? perr.message : "the crossing is not valid");
		else if (rc == ERR_CONFLICT || rc == ERR_NOTFOUND)
			lane_refuse(req, 409, perr.field, perr.message[0] !=
			    '\0' ? perr.message : "conflicts with what the "
			    "post holds; nothing was recorded");
		else
			lane_refuse(req, 503, "", "the crossing could not be "
			    "stored and is not recorded; try again");
		return;
	}

	/* Durable from here on: tell the lane, then the replicator. A
	 * replay gets the first receipt (its seq and time; feed_stale is
	 * the feed's state now) and adds nothing to send. */
	memset(&rcpt, 0, sizeof(rcpt));
	memcpy(rcpt.post, l->post, sizeof(rcpt.post));
	rcpt.seq = c.seq;
	rcpt.recorded_at = c.recorded_at;
	rcpt.feed_stale = lane_feed_stale(l);
	lane_peer(req, peer, sizeof(peer));
	if (replayed)
		log_info("lane %s: replayed seq %llu", peer,
		    (unsigned long long)c.seq);
	else {
		why[0] = '\0';
		if (c.check_id != 0)
			(void)snprintf(why, sizeof(why), ", check %llu",
			    (unsigned long long)c.check_id);
		log_info("lane %s: recorded seq %llu (lane %u, %s, %s%s%s)",
		    peer, (unsigned long long)c.seq, (unsigned int)c.lane,
		    proto_direction_str(c.direction),
		    proto_outcome_str(c.outcome), why,
		    c.reason[0] != '\0' ? ", with a reason" : "");
	}
	if ((rc = proto_encode_receipt(&rcpt, buf, sizeof(buf), &outlen))
	    != 0) {
		/* Cannot happen with a valid post code; the crossing stands. */
		log_warnx("lane: seq %llu: cannot encode the receipt: %s",
		    (unsigned long long)c.seq, err_str(rc));
		outlen = (size_t)snprintf(buf, sizeof(buf),
		    "{\"version\":%d,\"post\":\"%s\",\"seq\":%llu,"
		    "\"feed_stale\":%s}", PROTO_VERSION, l->post,
		    (unsigned long long)c.seq,
		    rcpt.feed_stale ? "true" : "false");
	}
	lane_send(req, replayed ? 200 : 201, buf, outlen);
	if (!replayed && l->rep != NULL)
		replicator_kick(l->rep);
}

static void
lane_post_check(struct lane *l, struct evhttp_request *req)
{
	struct evbuffer		*in;
	struct check_request	 cr;
	struct check_verdict	*v = &l->verdict;
	struct proto_error	 perr;
	const uint8_t		*p;
	char			*buf, why[96], peer[80];
	size_t			 len, outlen, i;
	int			 rc;

	if (l->dec == NULL) {
		lane_refuse(req, 503, "", "this post cannot decide checks");
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > l->max_body) {
		(void)snprintf(why, sizeof(why), "body over %zu bytes",
		    l->max_body);
		lane_refuse(req, 413, "", why);
		return;
	}
	p = len > 0 ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
	if (p == NULL) {
		lane_refuse(req, 503, "", "out of memory");
		return;
	}
	memset(&perr, 0, sizeof(perr));
	if ((rc = check_decode_request(&cr, p, len, &perr)) != 0) {
		lane_refuse(req, 400, perr.field, perr.message[0] != '\0' ?
		    perr.message : err_str(rc));
		return;
	}
	if ((rc = decide_check(l->dec, &cr, date_now_ms(), v)) != 0) {
		log_warnx("lane: check cannot be decided: %s", err_str(rc));
		lane_refuse(req, 503, "", "the registry cannot be read; "
		    "nothing was decided; try again");
		return;
	}
	/* Kept before it is told: the audit trail holds every verdict a
	 * lane saw. */
	if ((rc = store_append_check(l->st, v)) != 0) {
		lane_refuse(req, 503, "", "the check could not be stored; "
		    "nothing was decided; try again");
		return;
	}
	if ((buf = malloc(CHECK_VERDICT_MAX)) == NULL) {
		lane_refuse(req, 503, "", "out of memory");
		return;
	}
	if ((rc = check_encode_verdict(v, buf, CHECK_VERDICT_MAX, &outlen))
	    != 0) {
		log_warnx("lane: check %llu: cannot encode the verdict: %s",
		    (unsigned long long)v->check_id, err_str(rc));
		free(buf);
		lane_refuse(req, 503, "", "the verdict cannot be encoded");
		return;
	}
	/* Codes only: no names, no document numbers. */
	lane_peer(req, peer, sizeof(peer));
	why[0] = '\0';
	for (i = 0; i < v->nreasons; i++) {
		size_t	w = strlen(why);

		if (snprintf(why + w, sizeof(why) - w, "%s%s", w > 0 ? "," :
		    "", v->reasons[i].code) >= (int)(sizeof(why) - w))
			break;
	}
	log_info("lane %s: check %llu (lane %u, %s): %s %s", peer,
	    (unsigned long long)v->check_id, (unsigned int)v->lane,
	    proto_direction_str(v->direction), check_verdict_str(v->verdict),
	    why);
	lane_send(req, 200, buf, outlen);
	free(buf);
}

static void
lane_get_status(struct lane *l, struct evhttp_request *req)
{
	struct proto_status	st;
	char			buf[LANE_ANSWER_MAX];
	size_t			len;
	int			rc;

	if ((rc = store_status(l->st, &st)) != 0) {
		lane_refuse(req, 503, "", "the store cannot be read");
		return;
	}
	if ((rc = lane_feed_status(l, &st.feed)) != 0) {
		lane_refuse(req, 503, "", "the registry cannot be read");
		return;
	}
	if ((rc = proto_encode_status(&st, buf, sizeof(buf), &len)) != 0) {
		log_warnx("lane: cannot encode the status: %s", err_str(rc));
		lane_refuse(req, 503, "", "the status cannot be encoded");
		return;
	}
	lane_send(req, 200, buf, len);
}

static void
lane_method_not_allowed(struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    allow);
	lane_refuse(req, 405, "", allow[0] == 'P' ?
	    "only POST is allowed here" : "only GET is allowed here");
}

static void
lane_cb(struct evhttp_request *req, void *arg)
{
	struct lane			*l = arg;
	const struct evhttp_uri		*u;
	const char			*path = NULL;
	enum evhttp_cmd_type		 cmd;

	cmd = evhttp_request_get_command(req);
	if ((u = evhttp_request_get_evhttp_uri(req)) != NULL)
		path = evhttp_uri_get_path(u);
	if (path == NULL)
		path = "";
	if (strcmp(path, "/v1/checks") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			lane_method_not_allowed(req, "POST");
		else
			lane_post_check(l, req);
	} else if (strcmp(path, "/v1/crossings") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			lane_method_not_allowed(req, "POST");
		else
			lane_post_crossing(l, req);
	} else if (strcmp(path, "/v1/status") == 0) {
		if (cmd != EVHTTP_REQ_GET)
			lane_method_not_allowed(req, "GET");
		else
			lane_get_status(l, req);
	} else
		lane_refuse(req, 404, "", "no such resource");
}

int
lane_new(struct lane **out, struct event_base *base, const struct ck_cfg *cfg,
    struct store *st, struct replicator *rep, struct decide *dec)
{
	struct lane	*l;
	char		 host[256];
	uint16_t	 port;
	size_t		 hard;
	int		 rc;

	if ((rc = lane_split_hostport(cfg->lane_listen, host, sizeof(host),
	    &port)) != 0) {
		log_warnx("lane: bad listen address \"%s\"", cfg->lane_listen);
		return ERR_INVAL;
	}
	if (cfg->lane_max_body < 1)
		return ERR_INVAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ERR_NOMEM;
	l->st = st;
	l->rep = rep;
	l->dec = dec;
	l->max_body = (size_t)cfg->lane_max_body;
	(void)snprintf(l->post, sizeof(l->post), "%s", cfg->post_code);
	if ((l->http = evhttp_new(base)) == NULL) {
		free(l);
		return ERR_NOMEM;
	}
	/*
	 * libevent answers bodies over its own limit itself, with an HTML
	 * page. Its limit is twice ours so an ordinary oversized crossing
	 * reaches lane_post_crossing() and gets a JSON 413; only bodies
	 * beyond twice the limit get libevent's 413.
	 */
	hard = l->max_body * 2;
	if (hard < l->max_body + 4096)
		hard = l->max_body + 4096;
	evhttp_set_max_body_size(l->http, (ev_ssize_t)hard);
	evhttp_set_max_headers_size(l->http, LANE_HEADERS_MAX);
	evhttp_set_timeout(l->http, LANE_TIMEOUT_S);
	(void)evhttp_set_flags(l->http, EVHTTP_SERVER_LINGERING_CLOSE);
	/* Every method reaches lane_cb, which answers 405 in JSON. */
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(l->http, lane_cb, l);
	if ((l->sock = evhttp_bind_socket_with_handle(l->http, host, port))
	    == NULL) {
		log_warn("lane: cannot listen on %s", cfg->lane_listen);
		evhttp_free(l->http);
		free(l);
		return ERR_IO;
	}
	log_info("lane: listening on %s", cfg->lane_listen);
	*out = l;
	return 0;
}

void
lane_set_feed(struct lane *l, struct registry *reg, struct feedpull *fp)
{
	l->reg = reg;
	l->feed = fp;
}

void
lane_free(struct lane *l)
{
	if (l == NULL)
		return;
	evhttp_free(l->http);
	free(l);
}
