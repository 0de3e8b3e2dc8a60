/* feedpull.c - the feed puller: one thread, one libcurl handle (client
 * certificate, the centre's CA pinned, as the replicator's), one registry
 * connection. Each pull asks for the batch after the cursor, verifies the
 * frame, decodes and applies it in one transaction; a refusal applies
 * nothing, is recorded for GET /v1/status, logged once per distinct error
 * and retried with backoff. */
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
#include "feed.h"
#include "feedframe.h"
#include "feedpull.h"
#include "log.h"
#include "proto.h"
#include "registry.h"
#include "sign.h"

_Static_assert(CK_VERIFY_KEYS_MAX == FEEDFRAME_KEYS_MAX,
    "feed.verify_keys holds what a feedframe_keys holds");

#define FP_ENTRY_MIN	40	/* bytes of the smallest entry in a batch */
#define FP_ERR_MAX	255	/* proto_feed_status.last_error */

_Static_assert(sizeof(((struct proto_feed_status *)0)->last_error) ==
    FP_ERR_MAX + 1, "last_error sizes");

struct feedpull {
	struct registry		*reg;
	struct feedframe_keys	 keys;
	struct centrehttp	 http;	/* curl, PEM files, the answer */
	struct curl_slist	*hdrs;
	char			 base[1024];	/* .../v1/feed?since= */
	char			 url[1100];
	long			 poll_interval_ms;
	long			 backoff_min_ms;
	long			 backoff_max_ms;


	/* Log once per distinct error: its text without the details that
	 * change from one try to the next. */
	char			 errkey[FP_ERR_MAX + 1];
	int			 failing;

	pthread_mutex_t		 smu;		/* guards the two below */
	char			 last_error[FP_ERR_MAX + 1];
	int64_t			 last_error_at;

	pthread_t		 thread;
	int			 running;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* CLOCK_MONOTONIC */
	atomic_int		 stop;		/* set under mu */
};

int
feedpull_key_load(struct feedframe_keys *keys, const char *path)
{
	uint8_t	pub[SIGN_PUBKEY_LEN];
	int	rc;

	if ((rc = sign_pubkey_load(pub, path)) != 0)
		return rc;
	return feedframe_keys_add(keys, pub);
}

static int
fp_fail(struct proto_error *err, int rc, const char *field, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
fp_fail(struct proto_error *err, int rc, const char *field, const char *fmt,
    ...)
{
	va_list	ap;

	if (err == NULL)
		return rc;
	(void)snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	/* A cut message still reads. */
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return rc;
}

/* feedpull_apply_frame(); with whole, the frame must be all of p. */
static int
fp_apply(struct registry *reg, const struct feedframe_keys *keys,
    const uint8_t *p, size_t len, int skip_old, int whole,
    struct feedpull_frame *out, struct proto_error *err)
{
	struct proto_error	 scratch;
	struct feed_batch	 b;
	const uint8_t		*bp;
	size_t			 blen, used, cap;
	uint64_t		 cursor;
	int			 rc, skipped = 0;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	if ((rc = feedframe_open(p, len, keys, &bp, &blen, &used, err)) != 0)
		return rc;
	if (out != NULL)
		out->used = used;
	if (whole && used != len)
		return fp_fail(err, ERR_PARSE, "", "%zu bytes follow the "
		    "frame", len - used);

	/* Room for as many entries as the bytes could hold, no more. */
	cap = blen / FP_ENTRY_MIN + 1;
	if (cap > FEED_BATCH_MAX)
		cap = FEED_BATCH_MAX;
	memset(&b, 0, sizeof(b));
	if ((b.entries = calloc(cap, sizeof(*b.entries))) == NULL)
		return fp_fail(err, ERR_NOMEM, "", "out of memory");
	if ((rc = feed_decode_batch(&b, cap, bp, blen, err)) != 0) {
		free(b.entries);
		return rc;
	}
	if (skip_old) {
		if ((rc = registry_cursor(reg, &cursor, NULL)) != 0) {
			rc = fp_fail(err, rc, "", "the registry cannot read "
			    "its cursor");
			goto done;
		}
		skipped = b.to <= cursor;
	}
	if (!skipped && (rc = registry_apply_batch(reg, &b, err)) != 0) {
		/* Applied meanwhile by someone else (import beside the
		 * daemon): as good as skipped. */
		if (rc != ERR_CONFLICT || !skip_old ||
		    registry_cursor(reg, &cursor, NULL) != 0 || b.to > cursor)
			goto done;
		skipped = 1;
	}
	if (out != NULL) {
		out->from = b.from;
		out->to = b.to;
		out->n = b.n;
		out->skipped = skipped;
	}
	rc = 0;
done:
	feed_batch_reset(&b);
	free(b.entries);
	return rc;
}

int
feedpull_apply_frame(struct registry *reg, const struct feedframe_keys *keys,
    const uint8_t *p, size_t len, int skip_old, struct feedpull_frame *out,
    struct proto_error *err)
{
	return fp_apply(reg, keys, p, len, skip_old, 0, out, err);
}

/*
 * The puller.
 */

/* What the feed adds to the shared handle: GET, and the frame it accepts. */
static int
fp_setup_curl(struct feedpull *fp)
{
	if ((fp->hdrs = curl_slist_append(NULL,
	    "Accept: application/x-shekara-feed")) == NULL)
		return ERR_NOMEM;
	if (curl_easy_setopt(fp->http.curl, CURLOPT_HTTPGET, 1L) != CURLE_OK ||
	    curl_easy_setopt(fp->http.curl, CURLOPT_HTTPHEADER, fp->hdrs) !=
	    CURLE_OK) {
		log_warnx("feed: libcurl setup refused");
		return ERR_INVAL;
	}
	return 0;
}

int
feedpull_new(struct feedpull **out, const struct ck_cfg *cfg,
    const struct feedframe_keys *keys, struct registry *reg)
{
	struct feedpull		*fp;
	pthread_condattr_t	 ca;
	size_t			 ulen;
	int			 n, rc;

	if (keys->n < 1 || keys->n > FEEDFRAME_KEYS_MAX ||
	    cfg->feed_poll_interval_ms < 1 || cfg->backoff_min_ms < 1 ||
	    cfg->backoff_max_ms < cfg->backoff_min_ms || cfg->timeout_ms < 1)
		return ERR_INVAL;
	if ((fp = calloc(1, sizeof(*fp))) == NULL)
		return ERR_NOMEM;
	ulen = strnlen(cfg->centre_url, sizeof(cfg->centre_url));
	while (ulen > 0 && cfg->centre_url[ulen - 1] == '/')
		ulen--;
	n = snprintf(fp->base, sizeof(fp->base), "%.*s/v1/feed?since=",
	    (int)ulen, cfg->centre_url);
	if (n < 0 || (size_t)n >= sizeof(fp->base)) {
		free(fp);
		return ERR_TOOBIG;
	}
	fp->keys = *keys;
	fp->poll_interval_ms = cfg->feed_poll_interval_ms;
	fp->backoff_min_ms = cfg->backoff_min_ms;
	fp->backoff_max_ms = cfg->backoff_max_ms;

	if (pthread_mutex_init(&fp->mu, NULL) != 0) {
		free(fp);
		return ERR_NOMEM;
	}
	if (pthread_mutex_init(&fp->smu, NULL) != 0) {
		pthread_mutex_destroy(&fp->mu);
		free(fp);
		return ERR_NOMEM;
	}
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&fp->cv, &ca) != 0) {
		pthread_mutex_destroy(&fp->smu);
		pthread_mutex_destroy(&fp->mu);
		free(fp);
		return ERR_NOMEM;
	}
	pthread_condattr_destroy(&ca);
	atomic_init(&fp->stop, 0);

	if ((rc = centrehttp_init(&fp->http, cfg, "feed", FEEDPULL_FRAME_MAX,
	    &fp->stop)) != 0 || (rc = fp_setup_curl(fp)) != 0) {
		feedpull_free(fp);	/* reg stays the caller's */
		return rc;
	}
	fp->reg = reg;
	*out = fp;
	return 0;
}

void
feedpull_free(struct feedpull *fp)
{
	if (fp == NULL)
		return;
	feedpull_stop(fp);
	centrehttp_free(&fp->http);
	curl_slist_free_all(fp->hdrs);
	registry_close(fp->reg);
	pthread_cond_destroy(&fp->cv);
	pthread_mutex_destroy(&fp->smu);
	pthread_mutex_destroy(&fp->mu);
	free(fp);
}

/* Records a failed or refused pull for the status, and logs it when it
 * differs from the last one (key: the error without changing details). */
static void
fp_note(struct feedpull *fp, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fp_note(struct feedpull *fp, const char *key, const char *fmt, ...)
{
	char	msg[FP_ERR_MAX + 1];
	va_list	ap;
	size_t	i;

	va_start(ap, fmt);
	/* A cut message is still worth noting. */
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The status carries printable ASCII only: a cut message may end
	 * inside a UTF-8 sequence. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 ||
		    (unsigned char)msg[i] >= 0x7f)
			msg[i] = '?';
	if (!fp->failing || strcmp(fp->errkey, key) != 0) {
		log_warnx("feed: %s", msg);
		(void)snprintf(fp->errkey, sizeof(fp->errkey), "%s", key);
	}
	fp->failing = 1;
	pthread_mutex_lock(&fp->smu);
	memcpy(fp->last_error, msg, sizeof(fp->last_error));
	fp->last_error_at = date_now_ms();
	pthread_mutex_unlock(&fp->smu);
}

/* Why a frame or batch was refused, in a few words, by code. */
static const char *
fp_refusal(int rc)
{
	switch (rc) {
	case ERR_AUTH:
		return "signature refused";
	case ERR_CONFLICT:
		return "batch does not start at the cursor";
	case ERR_SHORT:
		return "frame cut short";
	case ERR_PARSE:
		return "malformed frame or batch";
	case ERR_TOOBIG:
		return "frame or batch too big";
	case ERR_VERSION:
		return "batch of another version";
	case ERR_INVAL:
		return "invalid batch";
	case ERR_DB:
		return "registry error";
	case ERR_NOMEM:
		return "out of memory";
	default:
		return err_str(rc);
	}
}

int
feedpull_take(struct feedpull *fp, const uint8_t *body, size_t len,
    uint64_t head, int *more)
{
	struct feedpull_frame	fr;
	struct proto_error	perr;
	char			key[FP_ERR_MAX + 1];
	int			rc;

	*more = 0;
	memset(&fr, 0, sizeof(fr));
	if ((rc = fp_apply(fp->reg, &fp->keys, body, len, 0, 1, &fr,
	    &perr)) != 0) {
		(void)snprintf(key, sizeof(key), "%d %s %s", rc, perr.field,
		    perr.message);
		fp_note(fp, key, "batch from the centre refused, nothing "
		    "applied: %s: %s%s%s", fp_refusal(rc), perr.field,
		    perr.field[0] != '\0' ? ": " : "", perr.message);
		return rc;
	}
	if (fp->failing)
		log_info("feed: batches apply again, at %llu",
		    (unsigned long long)fr.to);
	fp->failing = 0;
	if (fr.n > 0 || fr.from != fr.to)
		log_info("feed: applied (%llu, %llu], %zu entries%s",
		    (unsigned long long)fr.from, (unsigned long long)fr.to,
		    fr.n, head > fr.to ? ", more to come" : "");
	*more = head > fr.to;
	return 0;
}

/* The centre's Shekara-Feed-Head, or 0 if absent or not a number. */
static uint64_t
fp_head(struct feedpull *fp)
{
	struct curl_header	*h;
	const char		*v;
	unsigned long long	 x;
	char			*end;

	if (curl_easy_header(fp->http.curl, "Shekara-Feed-Head", 0,
	    CURLH_HEADER, -1, &h) != CURLHE_OK)
		return 0;
	v = h->value;
	if (v[0] < '0' || v[0] > '9')
		return 0;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || x > FEED_POS_MAX)
		return 0;
	return (uint64_t)x;
}

int
feedpull_pull_once(struct feedpull *fp, int *more)
{
	struct proto_error	 perr;
	uint64_t		 cursor;
	char			 key[64];
	long			 status = 0;
	CURLcode		 cc;
	int			 n, rc, estatus;

	*more = 0;
	if ((rc = registry_cursor(fp->reg, &cursor, NULL)) != 0) {
		fp_note(fp, "cursor", "the registry cannot read its cursor: "
		    "%s", err_str(rc));
		return rc;
	}
	n = snprintf(fp->url, sizeof(fp->url), "%s%llu", fp->base,
	    (unsigned long long)cursor);
	if (n < 0 || (size_t)n >= sizeof(fp->url))
		return ERR_TOOBIG;	/* cannot happen: base is shorter */
	centrehttp_reset(&fp->http);
	if (curl_easy_setopt(fp->http.curl, CURLOPT_URL, fp->url) != CURLE_OK) {
		fp_note(fp, "curl", "cannot set up the request");
		return ERR_INVAL;
	}
	cc = curl_easy_perform(fp->http.curl);
	if (cc != CURLE_OK) {
		if (atomic_load(&fp->stop))
			return ERR_TIMEOUT;	/* shutting down: no error */
		(void)snprintf(key, sizeof(key), "curl %d", (int)cc);
		fp_note(fp, key, "cannot pull from the centre: %s: %s",
		    centrehttp_kind(cc), fp->http.err[0] != '\0' ?
		    fp->http.err : curl_easy_strerror(cc));
		return cc == CURLE_OPERATION_TIMEDOUT ? ERR_TIMEOUT : ERR_IO;
	}
	(void)curl_easy_getinfo(fp->http.curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 409) {
		fp_note(fp, "http 409", "the centre's feed is behind this "
		    "post (cursor %llu): was the centre restored from a "
		    "backup? nothing applied", (unsigned long long)cursor);
		return ERR_CONFLICT;
	}
	if (status != 200) {
		(void)snprintf(key, sizeof(key), "http %ld", status);
		memset(&perr, 0, sizeof(perr));
		if (fp->http.answer.len > 0 && proto_decode_error(&estatus,
		    &perr, (const uint8_t *)fp->http.answer.p,
		    fp->http.answer.len) == 0)
			fp_note(fp, key, "the centre answered %ld: %s%s%s",
			    status, perr.field, perr.field[0] ? ": " : "",
			    perr.message);
		else
			fp_note(fp, key, "the centre answered %ld", status);
		return status == 401 || status == 403 ? ERR_AUTH : ERR_IO;
	}
	return feedpull_take(fp, (const uint8_t *)fp->http.answer.p,
	    fp->http.answer.len, fp_head(fp), more);
}

/* Waits ms, or until stopped. */
static void
fp_wait(struct feedpull *fp, long ms)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fp->mu);
	while (!atomic_load(&fp->stop))
		if (pthread_cond_timedwait(&fp->cv, &fp->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&fp->mu);
}

/* Full jitter: uniform in [min, min(max, min * 2^attempt)]. */
static long
fp_backoff(const struct feedpull *fp, unsigned int attempt)
{
	long		cap = fp->backoff_min_ms;
	unsigned int	i;

	for (i = 0; i < attempt && cap < fp->backoff_max_ms; i++)
		cap = cap > fp->backoff_max_ms / 2 ? fp->backoff_max_ms :
		    cap * 2;
	if (cap > fp->backoff_max_ms)
		cap = fp->backoff_max_ms;
	return fp->backoff_min_ms +
	    (long)arc4random_uniform((uint32_t)(cap - fp->backoff_min_ms + 1));
}

static void *
fp_main(void *arg)
{
	struct feedpull	*fp = arg;
	unsigned int	 attempt = 0;
	long		 delay;
	int		 rc, more;

	log_debug("feed: started, pulling from %s", fp->base);
	while (!atomic_load(&fp->stop)) {
		rc = feedpull_pull_once(fp, &more);
		if (atomic_load(&fp->stop))
			break;
		if (rc != 0) {
			delay = fp_backoff(fp, attempt);
			if (attempt < 32)
				attempt++;
			log_debug("feed: retry in %ld ms", delay);
			fp_wait(fp, delay);
		} else {
			attempt = 0;
			/* Behind the head: the next batch at once. */
			if (!more)
				fp_wait(fp, fp->poll_interval_ms);
		}
	}
	log_debug("feed: stopped");
	return NULL;
}

int
feedpull_start(struct feedpull *fp)
{
	sigset_t	all, old;
	int		rc;

	if (fp->running)
		return 0;
	atomic_store(&fp->stop, 0);
	/* Signals are for the main loop, not this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&fp->thread, NULL, fp_main, fp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		log_warn("feed: pthread_create");
		return ERR_IO;
	}
	fp->running = 1;
	return 0;
}

void
feedpull_stop(struct feedpull *fp)
{
	if (!fp->running)
		return;
	pthread_mutex_lock(&fp->mu);
	atomic_store(&fp->stop, 1);
	pthread_cond_broadcast(&fp->cv);
	pthread_mutex_unlock(&fp->mu);
	pthread_join(fp->thread, NULL);
	fp->running = 0;
}

void
feedpull_status(struct feedpull *fp, struct proto_feed_status *out)
{
	out->configured = 1;
	pthread_mutex_lock(&fp->smu);
	memcpy(out->last_error, fp->last_error, sizeof(out->last_error));
	out->last_error_at = fp->last_error_at;
	pthread_mutex_unlock(&fp->smu);
}
