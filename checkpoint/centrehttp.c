/* centrehttp.c - the post's libcurl handle for the centre: client
 * certificate, pinned CA, TLS 1.2+, timeouts, a bounded answer. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "centrehttp.h"
#include "ckcfg.h"
#include "err.h"
#include "log.h"

#define CH_FILE_MAX	(1024 * 1024)	/* a PEM file, at most */
#define CH_ANSWER_START	65536

static int
ch_read_file(const char *who, const char *path, struct centrehttp_buf *b)
{
	char	*p;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s: open %s", who, path);
		return ERR_IO;
	}
	if ((p = malloc(CH_FILE_MAX)) == NULL) {
		close(fd);
		return ERR_NOMEM;
	}
	for (;;) {
		n = read(fd, p + len, CH_FILE_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			log_warn("%s: read %s", who, path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == CH_FILE_MAX) {
			saved = 0;
			log_warnx("%s: %s is larger than %d bytes", who, path,
			    CH_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	if (len == 0) {
		log_warnx("%s: %s is empty", who, path);
		free(p);
		return ERR_IO;
	}
	b->p = p;
	b->len = len;
	b->cap = CH_FILE_MAX;
	return 0;

fail:
	explicit_bzero(p, len);
	free(p);
	close(fd);
	errno = saved;
	return ERR_IO;
}

static void
ch_buf_wipe(struct centrehttp_buf *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->len);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

static size_t
ch_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct centrehttp	*h = arg;
	struct centrehttp_buf	*b = &h->answer;
	size_t			 n = size * nmemb, ncap;
	char			*np;

	if (n > h->answer_max - b->len)
		return 0;	/* curl fails the transfer: too large */
	if (b->len + n > b->cap) {
		ncap = b->cap == 0 ? CH_ANSWER_START : b->cap;
		while (ncap < b->len + n)
			ncap *= 2;
		if (ncap > h->answer_max)
			ncap = h->answer_max;
		if ((np = realloc(b->p, ncap)) == NULL)
			return 0;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return n;
}

static int
ch_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct centrehttp	*h = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(h->stop) ? 1 : 0;	/* non-zero aborts */
}

static int
ch_setup(struct centrehttp *h, const struct ck_cfg *cfg, const char *who)
{
	struct curl_blob	 ca, cert, key;
	CURLcode		 rc = CURLE_OK;

	if ((h->curl = curl_easy_init()) == NULL)
		return ERR_NOMEM;
	ca = (struct curl_blob){ h->ca.p, h->ca.len, CURL_BLOB_NOCOPY };
	cert = (struct curl_blob){ h->cert.p, h->cert.len, CURL_BLOB_NOCOPY };
	key = (struct curl_blob){ h->key.p, h->key.len, CURL_BLOB_NOCOPY };

#define SET(opt, val) do {						\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(h->curl, (opt), (val));		\
} while (0)
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, h->err);
	SET(CURLOPT_WRITEFUNCTION, ch_write_cb);
	SET(CURLOPT_WRITEDATA, h);
	SET(CURLOPT_XFERINFOFUNCTION, ch_progress_cb);
	SET(CURLOPT_XFERINFODATA, h);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, cfg->timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	/* Trust only the configured CA: no system bundle, no CA path. */
	SET(CURLOPT_CAINFO, (char *)NULL);
	SET(CURLOPT_CAPATH, (char *)NULL);
	SET(CURLOPT_CAINFO_BLOB, &ca);
	SET(CURLOPT_SSLCERTTYPE, "PEM");
	SET(CURLOPT_SSLCERT_BLOB, &cert);
	SET(CURLOPT_SSLKEYTYPE, "PEM");
	SET(CURLOPT_SSLKEY_BLOB, &key);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
#undef SET
	if (rc != CURLE_OK) {
		log_warnx("%s: libcurl setup: %s", who, curl_easy_strerror(rc));
		return ERR_INVAL;
	}
	return 0;
}

int
centrehttp_init(struct centrehttp *h, const struct ck_cfg *cfg,
    const char *who, size_t answer_max, const atomic_int *stop)
{
	int	rc;

	memset(h, 0, sizeof(*h));
	h->answer_max = answer_max;
	h->stop = stop;
	if ((rc = ch_read_file(who, cfg->ca_file, &h->ca)) != 0 ||
	    (rc = ch_read_file(who, cfg->cert_file, &h->cert)) != 0 ||
	    (rc = ch_read_file(who, cfg->key_file, &h->key)) != 0 ||
	    (rc = ch_setup(h, cfg, who)) != 0)
		return rc;
	return 0;
}

void
centrehttp_reset(struct centrehttp *h)
{
	h->answer.len = 0;
	h->err[0] = '\0';
}

void
centrehttp_free(struct centrehttp *h)
{
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
	ch_buf_wipe(&h->ca);
	ch_buf_wipe(&h->cert);
	ch_buf_wipe(&h->key);
	ch_buf_wipe(&h->answer);
}

const char *
centrehttp_kind(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return "tls";
	case CURLE_WRITE_ERROR:
		return "answer over the size limit";
	default:
		return "transfer";
	}
}
