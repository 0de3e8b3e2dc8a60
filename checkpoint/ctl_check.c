/* ctl_check.c - "checkpointctl check": sends the MRZ on standard input to
 * the post's POST /v1/checks and prints the verdict, readable or as the
 * daemon's JSON. Exit 0 with a verdict (whatever it is), 1 refused or
 * unreachable, 2 bad arguments or input. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "check.h"
#include "ctl.h"
#include "err.h"
#include "proto.h"

#define CHK_ANSWER_MAX	(1024 * 1024)

static const char ctl_check_text[] =
	"usage: checkpointctl [-u URL | -c FILE] check\n"
	"           --direction entry|exit --lane N --officer ID [--json]\n"
	"\n"
	"Reads a document's MRZ (its lines) on standard input, asks the post\n"
	"for a verdict (clear, refer or deny) and prints it with every reason.\n"
	"The check and its verdict are kept at the post for the audit trail.\n"
	"\n"
	"  --json               print the daemon's JSON answer as received\n"
	"  -h, --help           show this help\n";

struct chk_buf {
	char	*p;
	size_t	 len;
};

static size_t
chk_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct chk_buf	*b = arg;
	size_t		 n = size * nmemb;
	char		*np;

	if (n > CHK_ANSWER_MAX - b->len)
		return 0;
	if ((np = realloc(b->p, b->len + n + 1)) == NULL)
		return 0;
	memcpy(np + b->len, data, n);
	b->p = np;
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

static int
chk_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "checkpointctl check: %s%s%s%s\n", msg,
	    arg != NULL ? " \"" : "", arg != NULL ? arg : "",
	    arg != NULL ? "\"" : "");
	fprintf(stderr, "Try 'checkpointctl check --help'.\n");
	return 2;
}

static void
chk_print(const struct check_verdict *v)
{
	const struct check_reason	*r;
	size_t				 i;

	printf("verdict:  %s\n", check_verdict_str(v->verdict));
	printf("check:    %llu at post %s, %s, lane %u, officer %s, day %s\n",
	    (unsigned long long)v->check_id, v->post,
	    proto_direction_str(v->direction), (unsigned int)v->lane,
	    v->officer, v->day);
	if (v->has_document)
		printf("document: %s %s %s, %s, expires %s\n", v->doc.type,
		    v->doc.issuing_state, v->doc.number, v->doc.nationality,
		    v->doc.expiry_date);
	printf("feed:     version %llu%s\n",
	    (unsigned long long)v->feed_version, v->feed_stale ?
	    " (STALE)" : "");
	printf("policy:   %s\n", v->policy_version[0] != '\0' ?
	    v->policy_version : "none");
	for (i = 0; i < v->nreasons; i++) {
		r = &v->reasons[i];
		printf("%-6s %s: %s\n", check_verdict_str(r->severity),
		    r->code, r->message);
	}
}

int
ctl_check_main(const char *base, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "direction",	required_argument, NULL, 'd' },
		{ "lane",	required_argument, NULL, 'l' },
		{ "officer",	required_argument, NULL, 'o' },
		{ "json",	no_argument,	   NULL, 'j' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL,		0,		   NULL, 0 }
	};
	struct check_request	 req;
	struct check_verdict	*v = NULL;
	struct proto_error	 perr;
	struct chk_buf		 ans = { NULL, 0 };
	struct curl_slist	*hdrs = NULL;
	CURL			*curl = NULL;
	CURLcode		 cc = CURLE_OK;
	char			 url[1200], body[CHECK_MRZ_MAX * 2 + 256];
	char			 errbuf[CURL_ERROR_SIZE], *end;
	size_t			 n, bodylen;
	long			 lane = 0, status = 0;
	int			 ch, json = 0, rc = 1, estatus;
	const char		*dir = NULL, *officer = NULL;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'l':
			lane = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    lane < 1 || lane > PROTO_LANE_MAX)
				return chk_usage("--lane must be 1..999, got",
				    optarg);
			break;
		case 'o':
			officer = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(ctl_check_text, stdout);
			return 0;
		case ':':
			return chk_usage("an option needs a value:",
			    argv[optind - 1]);
		default:
			return chk_usage("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return chk_usage("unexpected argument", argv[optind]);
	if (dir == NULL || lane == 0 || officer == NULL)
		return chk_usage("--direction, --lane and --officer are "
		    "required", NULL);
	memset(&req, 0, sizeof(req));
	if (strcmp(dir, "entry") == 0)
		req.direction = PROTO_ENTRY;
	else if (strcmp(dir, "exit") == 0)
		req.direction = PROTO_EXIT;
	else
		return chk_usage("--direction must be entry or exit, got",
		    dir);
	req.lane = (uint32_t)lane;
	if (snprintf(req.officer, sizeof(req.officer), "%s", officer) >=
	    (int)sizeof(req.officer))
		return chk_usage("--officer must be 1..32 characters", NULL);
	n = fread(req.mrz, 1, sizeof(req.mrz), stdin);
	if (ferror(stdin))
		return chk_usage("cannot read the MRZ on standard input",
		    NULL);
	if (n > CHECK_MRZ_MAX)
		return chk_usage("the MRZ on standard input is over 1024 "
		    "bytes", NULL);
	while (n > 0 && (req.mrz[n - 1] == '\n' || req.mrz[n - 1] == '\r' ||
	    req.mrz[n - 1] == ' '))
		n--;
	req.mrz[n] = '\0';
	req.mrz_len = n;
	if (n == 0)
		return chk_usage("no MRZ on standard input", NULL);
	if (check_encode_request(&req, body, sizeof(body), &bodylen) != 0)
		return chk_usage("the MRZ, --officer or --lane is not valid "
		    "(MRZ: printable ASCII lines; officer: A-Z a-z 0-9 . _ -)",
		    NULL);

	if (snprintf(url, sizeof(url), "%s/v1/checks", base) >=
	    (int)sizeof(url))
		return chk_usage("the URL is too long", NULL);
	if ((curl = curl_easy_init()) == NULL ||
	    (hdrs = curl_slist_append(NULL, "Content-Type: "
	    "application/json")) == NULL) {
		fprintf(stderr, "checkpointctl: out of memory\n");
		goto out;
	}
	errbuf[0] = '\0';
#define SET(opt, val) do {						\
	if (cc == CURLE_OK)						\
		cc = curl_easy_setopt(curl, (opt), (val));		\
} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_WRITEFUNCTION, chk_write_cb);
	SET(CURLOPT_WRITEDATA, &ans);
	SET(CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	SET(CURLOPT_TIMEOUT_MS, 15000L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodylen);
#undef SET
	if (cc == CURLE_OK)
		cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		fprintf(stderr, "checkpointctl: cannot reach checkpointd at "
		    "%s: %s\n", base, errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(cc));
		goto out;
	}
	(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		memset(&perr, 0, sizeof(perr));
		if (ans.len > 0 && proto_decode_error(&estatus, &perr,
		    (const uint8_t *)ans.p, ans.len) == 0)
			fprintf(stderr, "checkpointctl: %s%s%s\n", perr.field,
			    perr.field[0] != '\0' ? ": " : "", perr.message);
		else
			fprintf(stderr, "checkpointctl: checkpointd answered "
			    "%ld\n", status);
		rc = status == 400 ? 2 : 1;
		goto out;
	}
	if (json) {
		fwrite(ans.p, 1, ans.len, stdout);
		fputc('\n', stdout);
		rc = 0;
		goto out;
	}
	if ((v = malloc(sizeof(*v))) == NULL) {
		fprintf(stderr, "checkpointctl: out of memory\n");
		goto out;
	}
	memset(&perr, 0, sizeof(perr));
	if (check_decode_verdict(v, (const uint8_t *)ans.p, ans.len, &perr)
	    != 0) {
		fprintf(stderr, "checkpointctl: the verdict does not decode: "
		    "%s: %s\n", perr.field, perr.message);
		goto out;
	}
	chk_print(v);
	rc = 0;
out:
	free(v);
	free(ans.p);
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return rc;
}
