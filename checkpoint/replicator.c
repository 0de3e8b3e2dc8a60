/* replicator.c - the post's outbox: a thread that pushes unsent crossings to
 * the centre as batches, built from the exact stored bytes, then the audit
 * events that record them, over one reused libcurl handle with a client
 * certificate and the centre's CA pinned. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "centrehttp.h"
#include "ckcfg.h"
#include "date.h"
#include "err.h"
#include "log.h"
#include "auditmsg.h"
#include "proto.h"
#include "replicator.h"
#include "store.h"

#define REP_ANSWER_MAX	(1024 * 1024)	/* the centre's answer */
#define REP_MSG_MAX	STORE_ERROR_MAX

struct replicator {
	struct store		*st;
	struct centrehttp	 http;	/* curl, PEM files, the answer */
	struct curl_slist	*hdrs;
	char			 url[1024];	/* .../crossings */
	char			 audit_url[1024];	/* .../audit */
	char			 post[PROTO_POST_MAX + 1];
	size_t			 batch_max;
	long			 push_interval_ms;
	long			 backoff_min_ms;
	long			 backoff_max_ms;

	uint64_t		 ackseqs[PROTO_BATCH_MAX];
	uint64_t		 marks[PROTO_BATCH_MAX];
	struct auditmsg_event	*aevents;	/* batch_max */

	/* Error state, to log once per change: a short key ("curl 7",
	 * "http 503") rather than the message, which may hold timings. */
	char			 errkey[64];
	int			 failing;

	pthread_t		 thread;
	int			 running;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;	/* CLOCK_MONOTONIC */
	int			 kicked;	/* under mu */
	atomic_int		 stop;	/* set under mu */
};

/* What the replicator adds to the shared handle: POST of JSON. */
static int
rep_setup_curl(struct replicator *r)
{
	if ((r->hdrs = curl_slist_append(NULL,
	    "Content-Type: application/json")) == NULL)
		return ERR_NOMEM;
	if ((r->hdrs = curl_slist_append(r->hdrs,
	    "Accept: application/json")) == NULL)
		return ERR_NOMEM;
	/* No "Expect: 100-continue" round trip before each batch. */
	if ((r->hdrs = curl_slist_append(r->hdrs, "Expect:")) == NULL)
		return ERR_NOMEM;
	if (curl_easy_setopt(r->http.curl, CURLOPT_URL, r->url) != CURLE_OK ||
	    curl_easy_setopt(r->http.curl, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(r->http.curl, CURLOPT_HTTPHEADER, r->hdrs) !=
	    CURLE_OK) {
		log_warnx("replicator: libcurl setup refused");
		return ERR_INVAL;
	}
	return 0;
}

int
replicator_new(struct replicator **out, const struct ck_cfg *cfg,
    struct store *st)
{
	struct replicator	*r;
	pthread_condattr_t	 ca;
	size_t			 ulen;
	int			 n, rc;

	if (cfg->batch_max < 1 || cfg->push_interval_ms < 1 ||
	    cfg->backoff_min_ms < 1 ||
	    cfg->backoff_max_ms < cfg->backoff_min_ms ||
	    cfg->timeout_ms < 1)
		return ERR_INVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return ERR_NOMEM;
	ulen = strnlen(cfg->centre_url, sizeof(cfg->centre_url));
	while (ulen > 0 && cfg->centre_url[ulen - 1] == '/')
		ulen--;
	n = snprintf(r->url, sizeof(r->url), "%.*s/v1/posts/%s/crossings",
	    (int)ulen, cfg->centre_url, cfg->post_code);
	if (n < 0 || (size_t)n >= sizeof(r->url)) {
		free(r);
		return ERR_TOOBIG;
	}
	n = snprintf(r->audit_url, sizeof(r->audit_url),
	    "%.*s/v1/posts/%s/audit", (int)ulen, cfg->centre_url,
	    cfg->post_code);
	if (n < 0 || (size_t)n >= sizeof(r->audit_url)) {
		free(r);
		return ERR_TOOBIG;
	}
	(void)snprintf(r->post, sizeof(r->post), "%s", cfg->post_code);
	r->batch_max = (size_t)cfg->batch_max;
	if (r->batch_max > PROTO_BATCH_MAX)
		r->batch_max = PROTO_BATCH_MAX;
	r->push_interval_ms = cfg->push_interval_ms;
	r->backoff_min_ms = cfg->backoff_min_ms;
	r->backoff_max_ms = cfg->backoff_max_ms;

	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		free(r);
		return ERR_NOMEM;
	}
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&r->cv, &ca) != 0) {
		pthread_mutex_destroy(&r->mu);
		free(r);
		return ERR_NOMEM;
	}
	pthread_condattr_destroy(&ca);
	atomic_init(&r->stop, 0);

	if ((r->aevents = calloc(r->batch_max, sizeof(*r->aevents))) == NULL) {
		replicator_free(r);
		return ERR_NOMEM;
	}
	if ((rc = centrehttp_init(&r->http, cfg, "replicator", REP_ANSWER_MAX,
	    &r->stop)) != 0 || (rc = rep_setup_curl(r)) != 0) {
		replicator_free(r);	/* st stays the caller's */
		return rc;
	}
	r->st = st;
	*out = r;
	return 0;
}

void
replicator_free(struct replicator *r)
{
	if (r == NULL)
		return;
	replicator_stop(r);
	centrehttp_free(&r->http);
	curl_slist_free_all(r->hdrs);
	free(r->aevents);
	store_close(r->st);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* Notes a failed push in the store and logs it when the kind of error
 * changes. key groups errors that differ only in detail. */
static void
rep_fail(struct replicator *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
rep_fail(struct replicator *r, const char *key, const char *fmt, ...)
{
	char	msg[REP_MSG_MAX + 1];
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	/* A cut message is still worth noting. */
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->failing || strcmp(r->errkey, key) != 0) {
		log_warnx("replicator: push to centre failed: %s", msg);
		(void)snprintf(r->errkey, sizeof(r->errkey), "%s", key);
	}
	r->failing = 1;
	if ((rc = store_note_error(r->st, msg, date_now_ms())) != 0)
		log_warnx("replicator: cannot note the error: %s",
		    err_str(rc));
}

/* The batch JSON around the stored payloads, byte for byte. */
static int
rep_build_batch(struct replicator *r, const struct store_list *l,
    char **body, size_t *bodylen)
{
	struct proto_crossing	 c;
	struct proto_error	 perr;
	size_t			 i, need, off;
	char			 head[64], *b;
	int			 n, rc;

	n = snprintf(head, sizeof(head),
	    "{\"version\":%d,\"post\":\"%s\",\"crossings\":[", PROTO_VERSION,
	    r->post);
	if (n < 0 || (size_t)n >= sizeof(head))
		return ERR_TOOBIG;
	need = (size_t)n + 2;			/* "]}" */
	for (i = 0; i < l->n; i++) {
		/* What the store holds must be what it claims to be. */
		memset(&perr, 0, sizeof(perr));
		rc = proto_decode_crossing(&c,
		    (const uint8_t *)l->items[i].payload, l->items[i].len,
		    &perr);
		if (rc == 0 && c.seq != l->items[i].seq) {
			(void)snprintf(perr.message, sizeof(perr.message),
			    "holds seq %llu", (unsigned long long)c.seq);
			rc = ERR_INVAL;
		}
		if (rc != 0) {
			rep_fail(r, "stored", "stored crossing seq %llu is "
			    "damaged: %s%s%s",
			    (unsigned long long)l->items[i].seq, perr.field,
			    perr.field[0] != '\0' ? ": " : "", perr.message);
			return ERR_INVAL;
		}
		need += l->items[i].len + 1;
	}
	if ((b = malloc(need)) == NULL)
		return ERR_NOMEM;
	memcpy(b, head, (size_t)n);
	off = (size_t)n;
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			b[off++] = ',';
		memcpy(b + off, l->items[i].payload, l->items[i].len);
		off += l->items[i].len;
	}
	b[off++] = ']';
	b[off++] = '}';
	*body = b;
	*bodylen = off;
	return 0;
}

/* seq is in the sorted list l. */
static int
rep_in_list(const struct store_list *l, uint64_t seq)
{
	size_t	lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->items[mid].seq == seq)
			return 1;
		if (l->items[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Posts body to url with the post's backlog in the Shekara-Unsent and
 * Shekara-Audit-Unsent headers (what the post has not had acknowledged,
 * this request's items included) and, on 200, decodes the centre's
 * acknowledgement into ack (seqs in r->ackseqs). what names the kind of
 * push in errors ("" for crossings, "audit" for audit events).
 */
static int
rep_post(struct replicator *r, const char *url, const char *what,
    const char *body, size_t bodylen, const uint64_t backlog[2],
    struct proto_ack *ack)
{
	struct curl_slist	*hdrs = NULL, *h;
	struct proto_error	 perr;
	const char		*sep = what[0] != '\0' ? ": " : "";
	char			 keybuf[48], line[64];
	long			 status = 0;
	CURLcode		 cc;
	int			 rc, estatus;

	/* The fixed headers, then the backlog. */
	for (h = r->hdrs; h != NULL; h = h->next)
		if ((hdrs = curl_slist_append(hdrs, h->data)) == NULL)
			goto nomem;
	(void)snprintf(line, sizeof(line), "Shekara-Unsent: %llu",
	    (unsigned long long)backlog[0]);
	if ((h = curl_slist_append(hdrs, line)) == NULL)
		goto nomem;
	hdrs = h;
	(void)snprintf(line, sizeof(line), "Shekara-Audit-Unsent: %llu",
	    (unsigned long long)backlog[1]);
	if ((h = curl_slist_append(hdrs, line)) == NULL)
		goto nomem;
	hdrs = h;

	centrehttp_reset(&r->http);
	if (curl_easy_setopt(r->http.curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(r->http.curl, CURLOPT_HTTPHEADER, hdrs) !=
	    CURLE_OK ||
	    curl_easy_setopt(r->http.curl, CURLOPT_POSTFIELDS, body) !=
	    CURLE_OK ||
	    curl_easy_setopt(r->http.curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)bodylen) != CURLE_OK) {
		rep_fail(r, "curl", "cannot set up the request");
		rc = ERR_INVAL;
		goto done;
	}
	cc = curl_easy_perform(r->http.curl);
	if (cc != CURLE_OK) {
		if (atomic_load(&r->stop)) {
			rc = ERR_TIMEOUT;	/* shutting down: no error */
			goto done;
		}
		(void)snprintf(keybuf, sizeof(keybuf), "%s curl %d", what,
		    (int)cc);
		rep_fail(r, keybuf, "%s%s%s: %s", what, sep,
		    centrehttp_kind(cc), r->http.err[0] != '\0' ?
		    r->http.err : curl_easy_strerror(cc));
		rc = cc == CURLE_OPERATION_TIMEDOUT ? ERR_TIMEOUT : ERR_IO;
		goto done;
	}
	(void)curl_easy_getinfo(r->http.curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		(void)snprintf(keybuf, sizeof(keybuf), "%s http %ld", what,
		    status);
		memset(&perr, 0, sizeof(perr));
		if (r->http.answer.len > 0 && proto_decode_error(&estatus,
		    &perr, (const uint8_t *)r->http.answer.p,
		    r->http.answer.len) == 0)
			rep_fail(r, keybuf, "%s%scentre answered %ld: %s%s%s",
			    what, sep, status, perr.field,
			    perr.field[0] ? ": " : "", perr.message);
		else
			rep_fail(r, keybuf, "%s%scentre answered %ld", what,
			    sep, status);
		rc = status == 401 || status == 403 ? ERR_AUTH : ERR_IO;
		goto done;
	}
	memset(ack, 0, sizeof(*ack));
	ack->seqs = r->ackseqs;
	memset(&perr, 0, sizeof(perr));
	if ((rc = proto_decode_ack(ack, PROTO_BATCH_MAX,
	    (const uint8_t *)r->http.answer.p, r->http.answer.len,
	    &perr)) != 0) {
		rep_fail(r, "ack", "%s%scentre answer undecodable: %s%s%s",
		    what, sep, perr.field, perr.field[0] ? ": " : "",
		    perr.message);
		goto done;
	}
	if (strcmp(ack->post, r->post) != 0) {
		rep_fail(r, "ackpost", "%s%scentre acknowledged post %s, not "
		    "%s", what, sep, ack->post, r->post);
		rc = ERR_CONFLICT;
		goto done;
	}
	rc = 0;
done:
	/* The handle must not keep pointers to what we free. */
	(void)curl_easy_setopt(r->http.curl, CURLOPT_POSTFIELDS, (char *)NULL);
	(void)curl_easy_setopt(r->http.curl, CURLOPT_HTTPHEADER, r->hdrs);
	curl_slist_free_all(hdrs);
	return rc;
nomem:
	curl_slist_free_all(hdrs);
	rep_fail(r, "nomem", "out of memory for a request");
	return ERR_NOMEM;
}

/* One batch of unsent crossings, if any. */
static int
rep_push_crossings(struct replicator *r, const uint64_t backlog[2],
    size_t *fetched, size_t *pushed)
{
	struct store_list	 l = { 0, NULL };
	struct proto_ack	 ack;
	char			*body = NULL;
	size_t			 bodylen, i, k, marked = 0;
	int			 rc;

	if ((rc = store_fetch_unsent(r->st, r->batch_max, &l)) != 0) {
		rep_fail(r, "store", "store: cannot read unsent crossings: %s",
		    err_str(rc));
		return rc;
	}
	if (l.n == 0) {
		store_list_reset(&l);
		return 0;
	}
	*fetched = l.n;
	if ((rc = rep_build_batch(r, &l, &body, &bodylen)) != 0) {
		if (rc == ERR_NOMEM)
			rep_fail(r, "nomem", "out of memory for a batch");
		goto done;
	}
	if ((rc = rep_post(r, r->url, "", body, bodylen, backlog, &ack)) != 0)
		goto done;
	/* Only what we sent can become sent. */
	for (i = 0, k = 0; i < ack.n; i++)
		if (rep_in_list(&l, ack.seqs[i]))
			r->marks[k++] = ack.seqs[i];
	if ((rc = store_mark_sent(r->st, r->marks, k, date_now_ms(),
	    &marked)) != 0) {
		rep_fail(r, "store", "store: cannot mark crossings sent: %s",
		    err_str(rc));
		goto done;
	}
	*pushed = marked;
	if (k > 0 && (rc = store_note_push_ok(r->st, date_now_ms())) != 0)
		log_warnx("replicator: cannot note the push: %s", err_str(rc));
	if (k < l.n) {
		rep_fail(r, "partial", "centre acknowledged %zu of %zu "
		    "crossings (seq %llu..%llu)", k, l.n,
		    (unsigned long long)l.items[0].seq,
		    (unsigned long long)l.items[l.n - 1].seq);
		rc = ERR_INVAL;
		goto done;
	}
	log_debug("replicator: pushed %zu crossings, seq %llu..%llu", l.n,
	    (unsigned long long)l.items[0].seq,
	    (unsigned long long)l.items[l.n - 1].seq);
	rc = 0;
done:
	free(body);
	store_list_reset(&l);
	return rc;
}

/* seq is one of the n events of b (ascending). */
static int
rep_in_events(const struct auditmsg_batch *b, uint64_t seq)
{
	size_t	lo = 0, hi = b->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (b->events[mid].seq == seq)
			return 1;
		if (b->events[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* One batch of unsent audit events, if any, in chain order. */
static int
rep_push_audit(struct replicator *r, const uint64_t backlog[2],
    size_t *fetched, size_t *pushed)
{
	struct auditmsg_batch	 b;
	struct proto_ack	 ack;
	char			*body = NULL;
	size_t			 bodylen = 0, bound, i, k, marked = 0;
	int			 rc;

	memset(&b, 0, sizeof(b));
	b.events = r->aevents;
	if ((rc = store_fetch_audit(r->st, r->batch_max, &b)) != 0) {
		rep_fail(r, "store", "store: cannot read unsent audit events: "
		    "%s", err_str(rc));
		return rc;
	}
	if (b.n == 0)
		return 0;
	*fetched = b.n;
	bound = auditmsg_batch_bound(&b);
	if ((body = malloc(bound)) == NULL) {
		rep_fail(r, "nomem", "out of memory for an audit batch");
		rc = ERR_NOMEM;
		goto done;
	}
	if ((rc = auditmsg_encode_batch(&b, body, bound, &bodylen)) != 0) {
		rep_fail(r, "stored", "audit: stored events %llu..%llu cannot "
		    "be encoded: %s", (unsigned long long)b.events[0].seq,
		    (unsigned long long)b.events[b.n - 1].seq, err_str(rc));
		goto done;
	}
	if ((rc = rep_post(r, r->audit_url, "audit", body, bodylen, backlog,
	    &ack)) != 0)
		goto done;
	for (i = 0, k = 0; i < ack.n; i++)
		if (rep_in_events(&b, ack.seqs[i]))
			r->marks[k++] = ack.seqs[i];
	if ((rc = store_mark_audit_sent(r->st, r->marks, k, date_now_ms(),
	    &marked)) != 0) {
		rep_fail(r, "store", "store: cannot mark audit events sent: "
		    "%s", err_str(rc));
		goto done;
	}
	*pushed = marked;
	if (k < b.n) {
		rep_fail(r, "audit partial", "audit: centre acknowledged %zu "
		    "of %zu events (seq %llu..%llu)", k, b.n,
		    (unsigned long long)b.events[0].seq,
		    (unsigned long long)b.events[b.n - 1].seq);
		rc = ERR_INVAL;
		goto done;
	}
	log_debug("replicator: pushed %zu audit events, seq %llu..%llu", b.n,
	    (unsigned long long)b.events[0].seq,
	    (unsigned long long)b.events[b.n - 1].seq);
	rc = 0;
done:
	free(body);
	auditmsg_batch_reset(&b);
	return rc;
}

int
replicator_push_once(struct replicator *r, size_t *fetched, size_t *pushed)
{
	uint64_t	backlog[2];
	size_t		cf = 0, cp = 0, af = 0, ap = 0;
	int		rc;

	*fetched = *pushed = 0;
	if ((rc = store_backlog(r->st, &backlog[0], &backlog[1])) != 0) {
		rep_fail(r, "store", "store: cannot count unsent items: %s",
		    err_str(rc));
		return rc;
	}
	if (backlog[0] == 0 && backlog[1] == 0)
		return 0;
	/* Crossings first; the audit events that record them after. */
	if (backlog[0] > 0) {
		rc = rep_push_crossings(r, backlog, &cf, &cp);
		*fetched = cf;
		*pushed = cp;
		if (rc != 0)
			return rc;
		backlog[0] -= cp < backlog[0] ? cp : backlog[0];
	}
	if (backlog[1] > 0) {
		rc = rep_push_audit(r, backlog, &af, &ap);
		*fetched = af > cf ? af : cf;
		*pushed = cp + ap;
		if (rc != 0)
			return rc;
	}
	if (r->failing)
		log_info("replicator: centre reachable again");
	r->failing = 0;
	return 0;
}

/* Waits ms, or until stopped, or (if by_kick) until kicked. */
static void
rep_wait(struct replicator *r, long ms, int by_kick)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (!atomic_load(&r->stop) && !(by_kick && r->kicked))
		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&r->mu);
}

/* Full jitter: uniform in [min, min(max, min * 2^attempt)]. */
static long
rep_backoff(const struct replicator *r, unsigned int attempt)
{
	long		cap = r->backoff_min_ms;
	unsigned int	i;

	for (i = 0; i < attempt && cap < r->backoff_max_ms; i++)
		cap = cap > r->backoff_max_ms / 2 ? r->backoff_max_ms : cap * 2;
	if (cap > r->backoff_max_ms)
		cap = r->backoff_max_ms;
	return r->backoff_min_ms +
	    (long)arc4random_uniform((uint32_t)(cap - r->backoff_min_ms + 1));
}

static void *
rep_main(void *arg)
{
	struct replicator	*r = arg;
	size_t			 fetched, pushed;
	unsigned int		 attempt = 0;
	long			 delay;
	int			 rc;

	log_debug("replicator: started, pushing to %s", r->url);
	while (!atomic_load(&r->stop)) {
		/* A kick from now on means "look again after this push". */
		pthread_mutex_lock(&r->mu);
		r->kicked = 0;
		pthread_mutex_unlock(&r->mu);

		rc = replicator_push_once(r, &fetched, &pushed);
		if (atomic_load(&r->stop))
			break;
		if (rc != 0) {
			delay = rep_backoff(r, attempt);
			if (attempt < 32)
				attempt++;
			log_debug("replicator: retry in %ld ms", delay);
			rep_wait(r, delay, 0);
		} else {
			attempt = 0;
			if (fetched < r->batch_max)
				rep_wait(r, r->push_interval_ms, 1);
		}
	}
	log_debug("replicator: stopped");
	return NULL;
}

int
replicator_start(struct replicator *r)
{
	sigset_t	all, old;
	int		rc;

	if (r->running)
		return 0;
	atomic_store(&r->stop, 0);
	/* Signals are for the main loop, not this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->thread, NULL, rep_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		log_warn("replicator: pthread_create");
		return ERR_IO;
	}
	r->running = 1;
	return 0;
}

void
replicator_kick(struct replicator *r)
{
	pthread_mutex_lock(&r->mu);
	r->kicked = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
replicator_stop(struct replicator *r)
{
	if (!r->running)
		return;
	pthread_mutex_lock(&r->mu);
	atomic_store(&r->stop, 1);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	r->running = 0;
}
