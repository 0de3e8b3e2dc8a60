/* centrehttp.h - the post's HTTPS client to the centre, shared by the
 * replicator and the feed puller: one libcurl handle with this post's
 * client certificate, only the centre's CA trusted (no system bundle), TLS
 * 1.2 at least, the configured timeouts, the answer gathered into a
 * bounded buffer, and a stop flag that aborts a transfer under way. The
 * caller adds the method, the URL and its headers. */
#ifndef SHEKARA_CENTREHTTP_H
#define SHEKARA_CENTREHTTP_H

#include <stdatomic.h>
#include <stddef.h>

#include <curl/curl.h>

struct ck_cfg;

struct centrehttp_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

struct centrehttp {
	CURL			*curl;
	struct centrehttp_buf	 ca, cert, key;	/* PEM, read once */
	struct centrehttp_buf	 answer;	/* the last answer */
	size_t			 answer_max;
	char			 err[CURL_ERROR_SIZE];	/* libcurl's */
	const atomic_int	*stop;		/* non-zero: abort */
};

/*
 * Reads cfg's ca_file, cert_file and key_file (PEM, at most 1 MiB each)
 * and sets up h->curl. who starts each log line ("feed", "replicator"); an
 * answer over answer_max bytes fails its transfer (CURLE_WRITE_ERROR);
 * while *stop is non-zero transfers abort. 0, ERR_IO (a file, logged),
 * ERR_NOMEM, ERR_INVAL (libcurl refused an option, logged). On failure
 * centrehttp_free() still cleans up.
 */
int	centrehttp_init(struct centrehttp *h, const struct ck_cfg *cfg,
	    const char *who, size_t answer_max, const atomic_int *stop);

/* Forgets the last answer and error before the next request. */
void	centrehttp_reset(struct centrehttp *h);

/* Frees the handle and wipes the key, certificates and answer. */
void	centrehttp_free(struct centrehttp *h);

/* The kind of a failed transfer, for a log line grouped by kind:
 * "connect", "timeout", "tls", "answer over the size limit", "transfer". */
const char	*centrehttp_kind(CURLcode cc);

#endif
