/* ingestbench - the centre's ingest rate. Generates N crossings of one post
 * (seq 1..N), sends them to centrald in batches over mutual TLS on one
 * connection, and prints crossings per second. With --csv it also writes the
 * same rows as CSV, so the benchmark can COPY them into the same table for
 * the raw limit. */
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
	char	buf[65536];
	size_t	len;
};

static size_t
bench_write(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;

	if (len > sizeof(r->buf) - r->len)
		return 0;
	memcpy(r->buf + r->len, p, len);
	r->len += len;
	return len;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: ingestbench --url URL --post CODE --cacert FILE "
	    "--cert FILE --key FILE\n"
	    "                   [--count N] [--batch B] [--csv FILE]\n");
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "post", required_argument, NULL, 'p' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "count", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "csv", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*url = NULL, *post = NULL, *ca = NULL;
	const char		*cert = NULL, *key = NULL, *csv = NULL;
	unsigned long		 count = 100000, bsz = 1000;
	char			 endpoint[600], errbuf[CURL_ERROR_SIZE];
	char			*body;
	size_t			 bodysz = (size_t)PROTO_BATCH_MAX * 1024;
	struct proto_crossing	*items;
	struct proto_batch	 b;
	struct curl_slist	*hdrs = NULL;
	struct resp		*r;
	FILE			*cfp = NULL;
	CURL			*curl;
	unsigned long		 done = 0;
	int64_t			 base = 1798761600000LL;	/* 2027-01-01 */
	double			 t0, t;
	int			 ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'p': post = optarg; break;
		case 'A': ca = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'o': csv = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'b': bsz = strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (url == NULL || post == NULL || ca == NULL || cert == NULL ||
	    key == NULL || count == 0 || bsz == 0 || bsz > PROTO_BATCH_MAX) {
		usage(stderr);
		return 2;
	}
	snprintf(endpoint, sizeof(endpoint), "%s/v1/posts/%s/crossings", url,
	    post);
	if (csv != NULL && (cfp = fopen(csv, "w")) == NULL) {
		perror(csv);
		return 1;
	}
	items = calloc(bsz, sizeof(*items));
	body = malloc(bodysz);
	r = malloc(sizeof(*r));
	if (items == NULL || body == NULL || r == NULL)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, endpoint);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt(curl, CURLOPT_SSLCERT, cert);
	curl_easy_setopt(curl, CURLOPT_SSLKEY, key);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bench_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

	snprintf(b.post, sizeof(b.post), "%s", post);
	b.items = items;
	t = 0;
	while (done < count) {
		size_t	n = count - done < bsz ? count - done : bsz;
		size_t	i, len;
		long	status = 0;
		int	rv;

		for (i = 0; i < n; i++) {
			gen_crossing(&items[i], post, 7, done + i);
			items[i].seq = done + i + 1;
			items[i].recorded_at = base + (int64_t)(done + i) * 1000;
			if (cfp != NULL)
				gen_csv_row(cfp, post, &items[i]);
		}
		b.n = n;
		if ((rv = proto_encode_batch(&b, body, bodysz, &len)) != 0) {
			fprintf(stderr, "ingestbench: encode: %s\n",
			    err_str(rv));
			return 1;
		}
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
		r->len = 0;
		t0 = now_s();
		if (curl_easy_perform(curl) != CURLE_OK) {
			fprintf(stderr, "ingestbench: %s\n", errbuf);
			return 1;
		}
		t += now_s() - t0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			fprintf(stderr, "ingestbench: centre answered %ld: "
			    "%.*s\n", status, (int)r->len, r->buf);
			return 1;
		}
		done += n;
	}
	/* Only time on the wire and at the centre counts, not generation. */
	printf("%lu crossings in %.3f s: %.0f crossings/s\n", count, t,
	    (double)count / t);
	if (cfp != NULL && fclose(cfp) != 0) {
		perror(csv);
		return 1;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	free(items);
	free(body);
	free(r);
	return 0;
}
