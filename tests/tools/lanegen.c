/* lanegen - sample traffic through a post's lane API, for tests, the demo
 * and benchmarks. Sends generated crossings one by one to POST /v1/crossings
 * and writes each one the post acknowledged as a CSV row in centralctl's
 * column order, so the set a lane was told is recorded can be compared with
 * what reached the centre.
 *
 * Every traveller carries a request_id ("<post>-<seed>-<i>"), and a request
 * that fails (no answer, connection refused, 503) is sent again, the same
 * crossing under the same key, until the post acknowledges it: 201 if this
 * was the first record, 200 if an earlier attempt had been recorded and the
 * post answered with that receipt. So each traveller is recorded exactly
 * once. With --no-request-id a failed attempt may or may not have been
 * recorded and cannot be retried safely: its document number goes to the
 * attempts file and a fresh traveller is sent instead. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "err.h"
#include "gen.h"
#include "proto.h"

struct resp {
	char	buf[8192];
	size_t	len;
};

static size_t
lanegen_write(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;

	if (len > sizeof(r->buf) - r->len)
		return 0;
	memcpy(r->buf + r->len, p, len);
	r->len += len;
	return len;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: lanegen --url URL --post CODE --count N [--seed S]\n"
	    "               [--out FILE] [--attempts FILE] [--interval-ms MS]\n"
	    "               [--give-up-s S] [--no-request-id]\n"
	    "Sends N generated crossings to URL/v1/crossings. Acknowledged\n"
	    "crossings are written as CSV rows to FILE (default stdout);\n"
	    "the document number of every traveller sent goes to the\n"
	    "attempts file. A failed attempt is retried with the same\n"
	    "request_id until acknowledged; with --no-request-id a fresh\n"
	    "traveller is sent instead. Gives up after S seconds (default\n"
	    "60) without an acknowledgement.\n");
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "post", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "give-up-s", required_argument, NULL, 'g' },
		{ "no-request-id", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*url = NULL, *post = NULL, *out = NULL;
	const char		*attempts = NULL;
	uint64_t		 count = 0, seed = 1, interval = 0, giveup = 60;
	uint64_t		 i, acked = 0, failed = 0, replayed = 0;
	char			 endpoint[600], body[4096], errbuf[CURL_ERROR_SIZE];
	FILE			*ofp = stdout, *afp = NULL;
	CURL			*curl;
	struct curl_slist	*hdrs = NULL;
	int			 ch, use_reqid = 1, retry = 0;
	int64_t			 fail_since = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'p': post = optarg; break;
		case 'o': out = optarg; break;
		case 'a': attempts = optarg; break;
		case 'n':
			if (parse_u64(optarg, &count) != 0 || count == 0)
				goto badarg;
			break;
		case 's':
			if (parse_u64(optarg, &seed) != 0)
				goto badarg;
			break;
		case 'i':
			if (parse_u64(optarg, &interval) != 0 ||
			    interval > 60000)
				goto badarg;
			break;
		case 'g':
			if (parse_u64(optarg, &giveup) != 0)
				goto badarg;
			break;
		case 'r':
			use_reqid = 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (url == NULL || post == NULL || count == 0 || optind != argc ||
	    !proto_check_post_code(post, strlen(post))) {
		usage(stderr);
		return 2;
	}
	if (snprintf(endpoint, sizeof(endpoint), "%s/v1/crossings", url) >=
	    (int)sizeof(endpoint)) {
		fprintf(stderr, "lanegen: URL too long\n");
		return 2;
	}
	if (out != NULL && (ofp = fopen(out, "a")) == NULL) {
		perror(out);
		return 1;
	}
	if (attempts != NULL && (afp = fopen(attempts, "a")) == NULL) {
		perror(attempts);
		return 1;
	}
	setvbuf(ofp, NULL, _IOLBF, 0);
	if (afp != NULL)
		setvbuf(afp, NULL, _IOLBF, 0);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((curl = curl_easy_init()) == NULL)
		return 1;
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, endpoint);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, lanegen_write);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);

	/*
	 * Traveller i is sent until acknowledged (retry set after a failure)
	 * with a request id; without one, a failed attempt moves on to i+1.
	 */
	for (i = 0; acked < count; i += retry ? 0 : 1) {
		struct proto_crossing	c;
		struct proto_receipt	rc;
		struct proto_error	perr;
		struct resp		r;
		size_t			len;
		long			status = 0;
		CURLcode		cc;
		int			rv;

		gen_crossing(&c, post, seed, i);
		/* 2+1+20+1+20 bytes at most: it fits, and 2+1+1+1+6 >= 8. */
		if (use_reqid)
			(void)snprintf(c.request_id, sizeof(c.request_id),
			    "%s-%" PRIu64 "-%06" PRIu64, post, seed, i);
		if ((rv = proto_encode_crossing(&c, body, sizeof(body), &len))
		    != 0) {
			fprintf(stderr, "lanegen: encode: %s\n", err_str(rv));
			return 1;
		}
		if (afp != NULL && !retry)
			fprintf(afp, "%s,%s\n", post, c.doc.number);
		retry = 0;
		r.len = 0;
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
		errbuf[0] = '\0';
		cc = curl_easy_perform(curl);
		if (cc == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (cc == CURLE_OK && (status == 201 ||
		    (status == 200 && use_reqid)) &&
		    proto_decode_receipt(&rc, (const uint8_t *)r.buf, r.len,
		    &perr) == 0 && strcmp(rc.post, post) == 0) {
			c.seq = rc.seq;
			c.recorded_at = rc.recorded_at;
			gen_csv_row(ofp, post, &c);
			acked++;
			if (status == 200)
				replayed++;
			fail_since = 0;
			if (interval > 0)
				sleep_ms((long)interval);
			continue;
		}
		if (cc == CURLE_OK && status >= 400 && status < 500) {
			/* The post refused a crossing we made: a real bug. */
			fprintf(stderr, "lanegen: post answered %ld: %.*s\n",
			    status, (int)r.len, r.buf);
			return 1;
		}
		failed++;
		retry = use_reqid;
		if (fail_since == 0)
			fail_since = date_now_ms();
		else if (date_now_ms() - fail_since > (int64_t)giveup * 1000) {
			fprintf(stderr, "lanegen: post unreachable for %" PRIu64
			    " s: %s\n", giveup, cc != CURLE_OK ? errbuf : "");
			return 1;
		}
		sleep_ms(50);
	}
	fprintf(stderr, "lanegen: %s: %" PRIu64 " acknowledged (%" PRIu64
	    " replayed), %" PRIu64 " failed attempts\n", post, acked, replayed,
	    failed);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	if (out != NULL)
		fclose(ofp);
	if (afp != NULL)
		fclose(afp);
	return 0;
badarg:
	fprintf(stderr, "lanegen: bad number \"%s\"\n", optarg);
	return 2;
}
