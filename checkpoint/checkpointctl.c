/* checkpointctl.c - the lane and supervisor client of a post's checkpointd:
 * "status" shows how far replication has got, "record" records a crossing.
 * Speaks the lane API over HTTP (libcurl) through proto/. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <curl/curl.h>

#include "ckcfg.h"
#include "ctl.h"
#include "date.h"
#include "err.h"
#include "lane.h"
#include "proto.h"

#define CTL_DEFAULT_URL		"http://127.0.0.1:8180"
#define CTL_ANSWER_MAX		(1024 * 1024)
#define CTL_CONNECT_MS		5000L
#define CTL_TIMEOUT_MS		15000L
#define EXIT_USAGE		2

/* The command being run, for the "Try ... --help" hint. */
static const char	*ctl_cmd = "";

struct ctl_buf {
	char	*p;
	size_t	 len;
};

static const char ctl_usage_text[] =
	"usage: checkpointctl [-u URL | -c FILE] COMMAND [ARGS]\n"
	"\n"
	"Talks to a post's checkpointd over its lane API.\n"
	"\n"
	"  -u, --url URL        lane API address\n"
	"                       (default " CTL_DEFAULT_URL ")\n"
	"  -c, --config FILE    take the address from checkpoint.yaml\n"
	"                       (lane_api.listen)\n"
	"  -h, --help           show this help\n"
	"\n"
	"commands:\n"
	"  status [--json]      last sequence number, unsent crossings, last\n"
	"                       push and last error; the feed's cursor, age\n"
	"                       and last error\n"
	"  record ...           record one crossing (see record --help)\n"
	"  check ...            the post's verdict on an MRZ read on stdin\n"
	"                       (see check --help)\n"
	"  stay calc ...        stay-rule calculator, needs no daemon\n"
	"                       (see stay --help)\n"
	"  mrz parse [--json]   read MRZ text on stdin, needs no daemon\n"
	"  mrz make ...         compose an MRZ (see mrz --help)\n"
	"  policy check|show    check a stay policy file, or show the rule for\n"
	"                       a nationality (see policy --help)\n"
	"  namematch            score watchlist/traveller name pairs (JSON\n"
	"                       lines on stdin), needs no daemon\n"
	"  import EXPORT        apply a signed feed export file to the store\n"
	"                       (see import --help), needs no daemon\n"
	"\n"
	"Exit status: 0 done, 1 refused or unreachable, 2 bad arguments.\n";

static const char ctl_status_text[] =
	"usage: checkpointctl [-u URL | -c FILE] status [--json]\n"
	"\n"
	"Shows the post's last sequence number, how many crossings the centre\n"
	"has not yet acknowledged, the last successful push and the last\n"
	"error; then the registry feed: its cursor, when it was last applied\n"
	"and how old that is, whether it is stale (older than feed.max_age_s:\n"
	"every lane answer then warns), and the last pull error.\n"
	"\n"
	"  --json               print the daemon's JSON answer as received\n"
	"  -h, --help           show this help\n";

static const char ctl_record_text[] =
	"usage: checkpointctl [-u URL | -c FILE] record\n"
	"           --direction entry|exit --lane N --officer ID\n"
	"           --doc-type P --issuing-state KAZ --number N1234567\n"
	"           --nationality KAZ --surname S [--given-names G]\n"
	"           --birth-date YYYY-MM-DD --sex M|F|X\n"
	"           --expiry-date YYYY-MM-DD [--outcome admit|refuse|refer]\n"
	"           [--check-id N] [--reason TEXT]\n"
	"\n"
	"Records one crossing and prints \"recorded seq N\" once the post has\n"
	"stored it durably. Names as in the document's MRZ, upper case.\n"
	"\n"
	"  --direction          entry or exit\n"
	"  --lane               lane number, 1..999\n"
	"  --officer            officer id ([A-Za-z0-9._-], up to 32)\n"
	"  --doc-type           ICAO document code: P, ID, V, ...\n"
	"  --issuing-state      ICAO state code of the issuer: KAZ, D, ...\n"
	"  --number             document number ([A-Z0-9], up to 24)\n"
	"  --nationality        ICAO state code of the holder\n"
	"  --surname            surname (up to 128 bytes)\n"
	"  --given-names        given names (optional)\n"
	"  --birth-date         YYYY-MM-DD\n"
	"  --sex                M, F or X\n"
	"  --expiry-date        YYYY-MM-DD\n"
	"  --outcome            admit (default), refuse or refer\n"
	"  --check-id N         the check_id of the verdict this crossing\n"
	"                       records the decision on (checkpointctl check)\n"
	"  --reason TEXT        why (1..500 bytes); required to admit\n"
	"                       against a \"deny\" verdict\n"
	"  -h, --help           show this help\n"
	"\n"
	"Each request carries a fresh random request_id; if the post cannot\n"
	"be reached the same request is sent once more, and a post that had\n"
	"recorded it answers with the first receipt.\n";

static void
ctl_die_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void
ctl_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void
ctl_die_usage(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "checkpointctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'checkpointctl %s%s--help'.\n", ctl_cmd,
	    ctl_cmd[0] != '\0' ? " " : "");
	exit(EXIT_USAGE);
}

static void
ctl_die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "checkpointctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* The option getopt just failed on, for a message. */
static const char *
ctl_badopt(char *argv[], char *buf, size_t bufsz)
{
	if (optopt != 0) {
		(void)snprintf(buf, bufsz, "-%c", optopt);
		return buf;
	}
	return argv[optind - 1];
}

/* The lane API's base URL from checkpoint.yaml's lane_api.listen. */
static void
ctl_url_from_config(const char *path, char *url, size_t urlsz)
{
	struct ck_cfg	 cfg;
	char		 host[256];
	const char	*h;
	uint16_t	 port;
	int		 n;

	ck_cfg_init(&cfg);
	if (ck_cfg_load(&cfg, path, stderr) != 0)
		ctl_die("%s: cannot use this configuration", path);
	if (lane_split_hostport(cfg.lane_listen, host, sizeof(host), &port)
	    != 0)
		ctl_die("%s: bad lane_api.listen \"%s\"", path,
		    cfg.lane_listen);
	/* A daemon listening everywhere is reached on loopback. */
	h = host;
	if (strcmp(h, "0.0.0.0") == 0 || strcmp(h, "*") == 0)
		h = "127.0.0.1";
	else if (strcmp(h, "::") == 0)
		h = "::1";
	n = snprintf(url, urlsz, strchr(h, ':') != NULL ? "http://[%s]:%u" :
	    "http://%s:%u", h, (unsigned int)port);
	if (n < 0 || (size_t)n >= urlsz)
		ctl_die("%s: lane_api.listen is too long", path);
}

static size_t
ctl_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ctl_buf	*b = arg;
	size_t		 n = size * nmemb;
	char		*np;

	if (n > CTL_ANSWER_MAX - b->len)
		return 0;
	if ((np = realloc(b->p, b->len + n + 1)) == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* One request to the lane API; exits 1 if checkpointd cannot be reached,
 * unless may_fail: then a transport error (not a bad URL) is said on
 * standard error and -1 returned. body NULL means GET. Returns the HTTP
 * status; the answer is in ans. */
static long
ctl_request(const char *base, const char *path, const char *body,
    size_t bodylen, struct ctl_buf *ans, int may_fail)
{
	CURL			*curl;
	struct curl_slist	*hdrs = NULL;
	char			 url[1024], errbuf[CURL_ERROR_SIZE];
	long			 status = 0;
	CURLcode		 cc = CURLE_OK;
	int			 n;

	n = snprintf(url, sizeof(url), "%s%s", base, path);
	if (n < 0 || (size_t)n >= sizeof(url))
		ctl_die_usage("the URL is too long");
	if ((curl = curl_easy_init()) == NULL)
		ctl_die("cannot initialise libcurl");
	errbuf[0] = '\0';
	ans->p = NULL;
	ans->len = 0;
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL)
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
	if (hdrs == NULL)
		ctl_die("out of memory");
#define SET(opt, val) do {						\
	if (cc == CURLE_OK)						\
		cc = curl_easy_setopt(curl, (opt), (val));		\
} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_WRITEFUNCTION, ctl_write_cb);
	SET(CURLOPT_WRITEDATA, ans);
	SET(CURLOPT_CONNECTTIMEOUT_MS, CTL_CONNECT_MS);
	SET(CURLOPT_TIMEOUT_MS, CTL_TIMEOUT_MS);
	if (body != NULL) {
		SET(CURLOPT_POSTFIELDS, body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodylen);
	}
#undef SET
	if (cc != CURLE_OK)
		ctl_die("%s: %s", url, curl_easy_strerror(cc));
	if ((cc = curl_easy_perform(curl)) != CURLE_OK) {
		if (cc == CURLE_URL_MALFORMAT ||
		    cc == CURLE_UNSUPPORTED_PROTOCOL)
			ctl_die_usage("bad URL \"%s\": %s", base,
			    errbuf[0] != '\0' ? errbuf :
			    curl_easy_strerror(cc));
		if (may_fail) {
			fprintf(stderr, "checkpointctl: %s: %s\n", base,
			    errbuf[0] != '\0' ? errbuf :
			    curl_easy_strerror(cc));
			curl_slist_free_all(hdrs);
			curl_easy_cleanup(curl);
			free(ans->p);
			ans->p = NULL;
			ans->len = 0;
			return -1;
		}
		ctl_die("cannot reach checkpointd at %s: %s", base,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
	}
	(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	return status;
}

/* An error answer: "field: message", exit 1. */
static void
ctl_die_answer(long status, const struct ctl_buf *ans)
	__attribute__((noreturn));

static void
ctl_die_answer(long status, const struct ctl_buf *ans)
{
	struct proto_error	e;
	int			estatus;

	memset(&e, 0, sizeof(e));
	if (ans->len > 0 && proto_decode_error(&estatus, &e,
	    (const uint8_t *)ans->p, ans->len) == 0) {
		if (e.field[0] != '\0')
			ctl_die("%s: %s", e.field, e.message);
		ctl_die("%s (%ld)", e.message, status);
	}
	ctl_die("checkpointd answered %ld without an error message", status);
}

static void
ctl_time(int64_t ms, char *buf, size_t bufsz)
{
	if (ms == 0 || date_format_rfc3339(ms, buf, bufsz) != 0)
		(void)snprintf(buf, bufsz, "never");
}

static void
ctl_status_feed(const struct proto_feed_status *f)
{
	char	t1[32], t2[32];

	ctl_time(f->applied_at, t1, sizeof(t1));
	printf("feed              %s\n", f->configured ? "pulled from the "
	    "centre" : "not configured (no feed.verify_keys)");
	printf("feed cursor       %llu\n", (unsigned long long)f->cursor);
	if (f->applied_at == 0)
		printf("feed applied      never\n");
	else
		printf("feed applied      %s (%lld s ago)\n", t1,
		    (long long)f->age_s);
	printf("feed stale        %s (older than %lld s is stale)\n",
	    f->stale ? "YES: every lane answer warns" : "no",
	    (long long)f->max_age_s);
	if (!f->configured)
		return;
	if (f->last_error[0] == '\0') {
		printf("feed last error   none\n");
		return;
	}
	ctl_time(f->last_error_at, t2, sizeof(t2));
	printf("feed last error   %s\n", f->last_error);
	printf("feed error at     %s%s\n", t2,
	    f->applied_at > f->last_error_at ?
	    " (batches have applied since)" : "");
}

static int
ctl_status(const char *base, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL,		0,		NULL, 0 }
	};
	struct proto_status	 st;
	struct proto_error	 perr;
	struct ctl_buf		 ans;
	char			 t1[32], t2[32], ob[8];
	long			 status;
	int			 ch, json = 0;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(ctl_status_text, stdout);
			return 0;
		default:
			ctl_die_usage("status: unknown option %s",
			    ctl_badopt(argv, ob, sizeof(ob)));
		}
	}
	if (optind < argc)
		ctl_die_usage("status: unexpected argument \"%s\"",
		    argv[optind]);

	status = ctl_request(base, "/v1/status", NULL, 0, &ans, 0);
	if (status != 200)
		ctl_die_answer(status, &ans);
	if (json) {
		fwrite(ans.p, 1, ans.len, stdout);
		if (ans.len == 0 || ans.p[ans.len - 1] != '\n')
			putchar('\n');
		free(ans.p);
		return 0;
	}
	memset(&perr, 0, sizeof(perr));
	if (proto_decode_status(&st, (const uint8_t *)ans.p, ans.len, &perr)
	    != 0)
		ctl_die("unexpected status answer: %s%s%s", perr.field,
		    perr.field[0] != '\0' ? ": " : "", perr.message);
	free(ans.p);
	ctl_time(st.last_push_ok, t1, sizeof(t1));
	printf("post              %s\n", st.post);
	printf("last seq          %llu\n", (unsigned long long)st.last_seq);
	printf("unsent            %llu\n", (unsigned long long)st.unsent);
	printf("last push ok      %s\n", t1);
	if (st.last_error[0] == '\0') {
		printf("last error        none\n");
	} else {
		ctl_time(st.last_error_at, t2, sizeof(t2));
		printf("last error        %s\n", st.last_error);
		printf("last error at     %s%s\n", t2,
		    st.last_push_ok > st.last_error_at ?
		    " (pushes have succeeded since)" : "");
	}
	ctl_status_feed(&st.feed);
	return 0;
}

enum ctl_rec_opt {
	RO_DIRECTION = 1, RO_LANE, RO_OFFICER, RO_DOCTYPE, RO_ISSUING,
	RO_NUMBER, RO_NATIONALITY, RO_SURNAME, RO_GIVEN, RO_BIRTH, RO_SEX,
	RO_EXPIRY, RO_OUTCOME, RO_CHECK_ID, RO_REASON, RO_COUNT
};

/* Option names by enum, and the crossing field each one fills. */
static const struct {
	const char	*opt;
	const char	*field;
	int		 required;
} ctl_rec[RO_COUNT] = {
	[RO_DIRECTION] = { "direction", "direction", 1 },
	[RO_LANE] = { "lane", "lane", 1 },
	[RO_OFFICER] = { "officer", "officer", 1 },
	[RO_DOCTYPE] = { "doc-type", "document.type", 1 },
	[RO_ISSUING] = { "issuing-state", "document.issuing_state", 1 },
	[RO_NUMBER] = { "number", "document.number", 1 },
	[RO_NATIONALITY] = { "nationality", "document.nationality", 1 },
	[RO_SURNAME] = { "surname", "document.surname", 1 },
	[RO_GIVEN] = { "given-names", "document.given_names", 0 },
	[RO_BIRTH] = { "birth-date", "document.birth_date", 1 },
	[RO_SEX] = { "sex", "document.sex", 1 },
	[RO_EXPIRY] = { "expiry-date", "document.expiry_date", 1 },
	[RO_OUTCOME] = { "outcome", "outcome", 0 },
	[RO_CHECK_ID] = { "check-id", "check_id", 0 },
	[RO_REASON] = { "reason", "reason", 0 },
};

static void
ctl_set_str(char *dst, size_t dstsz, const char *val, int which)
{
	int	n;

	n = snprintf(dst, dstsz, "%s", val);
	if (n < 0 || (size_t)n >= dstsz)
		ctl_die_usage("--%s is longer than %zu bytes",
		    ctl_rec[which].opt, dstsz - 1);
}

/* "ctl-" and 16 random bytes in hex: a fresh idempotency key. */
static void
ctl_request_id(char *buf, size_t bufsz)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 r[16];
	size_t			 i;

	if (bufsz < 4 + 2 * sizeof(r) + 1)
		ctl_die("request id buffer too small");
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		ctl_die("cannot read random bytes: %s", strerror(errno));
	memcpy(buf, "ctl-", 4);
	for (i = 0; i < sizeof(r); i++) {
		buf[4 + 2 * i] = hex[r[i] >> 4];
		buf[5 + 2 * i] = hex[r[i] & 0x0f];
	}
	buf[4 + 2 * sizeof(r)] = '\0';
}

static int
ctl_record(const char *base, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "direction",	   required_argument, NULL, RO_DIRECTION },
		{ "lane",	   required_argument, NULL, RO_LANE },
		{ "officer",	   required_argument, NULL, RO_OFFICER },
		{ "doc-type",	   required_argument, NULL, RO_DOCTYPE },
		{ "issuing-state", required_argument, NULL, RO_ISSUING },
		{ "number",	   required_argument, NULL, RO_NUMBER },
		{ "nationality",   required_argument, NULL,
		    RO_NATIONALITY },
		{ "surname",	   required_argument, NULL, RO_SURNAME },
		{ "given-names",   required_argument, NULL, RO_GIVEN },
		{ "birth-date",	   required_argument, NULL, RO_BIRTH },
		{ "sex",	   required_argument, NULL, RO_SEX },
		{ "expiry-date",   required_argument, NULL, RO_EXPIRY },
		{ "outcome",	   required_argument, NULL, RO_OUTCOME },
		{ "check-id",	   required_argument, NULL, RO_CHECK_ID },
		{ "reason",	   required_argument, NULL, RO_REASON },
		{ "help",	   no_argument,	      NULL, 'h' },
		{ NULL,		   0,		      NULL, 0 }
	};
	struct proto_crossing	 c;
	struct proto_receipt	 rcpt;
	struct proto_error	 perr;
	struct ctl_buf		 ans;
	char			 body[4096], ob[8], *end;
	int			 seen[RO_COUNT];
	size_t			 bodylen;
	unsigned long long	 ull;
	long			 status, v;
	int			 ch, i;

	memset(&c, 0, sizeof(c));
	memset(seen, 0, sizeof(seen));
	c.outcome = PROTO_ADMIT;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(ctl_record_text, stdout);
			return 0;
		}
		if (ch == ':')
			ctl_die_usage("record: %s needs a value",
			    argv[optind - 1]);
		if (ch < 1 || ch >= RO_COUNT)
			ctl_die_usage("record: unknown option %s",
			    ctl_badopt(argv, ob, sizeof(ob)));
		if (seen[ch]++)
			ctl_die_usage("record: --%s given twice",
			    ctl_rec[ch].opt);
		switch (ch) {
		case RO_DIRECTION:
			if (strcmp(optarg, "entry") == 0)
				c.direction = PROTO_ENTRY;
			else if (strcmp(optarg, "exit") == 0)
				c.direction = PROTO_EXIT;
			else
				ctl_die_usage("--direction must be entry or "
				    "exit, got \"%s\"", optarg);
			break;
		case RO_LANE:
			v = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || v < 1 ||
			    v > PROTO_LANE_MAX)
				ctl_die_usage("--lane must be a number 1..%d, "
				    "got \"%s\"", PROTO_LANE_MAX, optarg);
			c.lane = (uint32_t)v;
			break;
		case RO_OFFICER:
			ctl_set_str(c.officer, sizeof(c.officer), optarg, ch);
			break;
		case RO_DOCTYPE:
			ctl_set_str(c.doc.type, sizeof(c.doc.type), optarg,
			    ch);
			break;
		case RO_ISSUING:
			ctl_set_str(c.doc.issuing_state,
			    sizeof(c.doc.issuing_state), optarg, ch);
			break;
		case RO_NUMBER:
			ctl_set_str(c.doc.number, sizeof(c.doc.number),
			    optarg, ch);
			break;
		case RO_NATIONALITY:
			ctl_set_str(c.doc.nationality,
			    sizeof(c.doc.nationality), optarg, ch);
			break;
		case RO_SURNAME:
			ctl_set_str(c.doc.surname, sizeof(c.doc.surname),
			    optarg, ch);
			break;
		case RO_GIVEN:
			ctl_set_str(c.doc.given_names,
			    sizeof(c.doc.given_names), optarg, ch);
			break;
		case RO_BIRTH:
			ctl_set_str(c.doc.birth_date,
			    sizeof(c.doc.birth_date), optarg, ch);
			break;
		case RO_SEX:
			if (strlen(optarg) != 1)
				ctl_die_usage("--sex must be M, F or X, got "
				    "\"%s\"", optarg);
			c.doc.sex = optarg[0];
			break;
		case RO_EXPIRY:
			ctl_set_str(c.doc.expiry_date,
			    sizeof(c.doc.expiry_date), optarg, ch);
			break;
		case RO_OUTCOME:
			if (strcmp(optarg, "admit") == 0)
				c.outcome = PROTO_ADMIT;
			else if (strcmp(optarg, "refuse") == 0)
				c.outcome = PROTO_REFUSE;
			else if (strcmp(optarg, "refer") == 0)
				c.outcome = PROTO_REFER;
			else
				ctl_die_usage("--outcome must be admit, "
				    "refuse or refer, got \"%s\"", optarg);
			break;
		case RO_CHECK_ID:
			errno = 0;
			ull = strtoull(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    optarg[0] < '1' || optarg[0] > '9' ||
			    ull > PROTO_CHECK_ID_MAX)
				ctl_die_usage("--check-id must be the check_id "
				    "of a verdict, 1..%llu, got \"%s\"",
				    (unsigned long long)PROTO_CHECK_ID_MAX,
				    optarg);
			c.check_id = (uint64_t)ull;
			break;
		case RO_REASON:
			ctl_set_str(c.reason, sizeof(c.reason), optarg, ch);
			break;
		}
	}
	if (optind < argc)
		ctl_die_usage("record: unexpected argument \"%s\"",
		    argv[optind]);
	for (i = 1; i < RO_COUNT; i++)
		if (ctl_rec[i].required && !seen[i])
			ctl_die_usage("record: --%s is required",
			    ctl_rec[i].opt);

	/* The daemon checks again; checking here names the option. */
	memset(&perr, 0, sizeof(perr));
	if (!proto_check_crossing(&c, &perr)) {
		for (i = 1; i < RO_COUNT; i++)
			if (strcmp(perr.field, ctl_rec[i].field) == 0)
				ctl_die_usage("--%s %s", ctl_rec[i].opt,
				    perr.message);
		ctl_die_usage("%s: %s", perr.field, perr.message);
	}
	/* An idempotency key: a retry of a request whose answer was lost
	 * gets the first receipt, never a second record. */
	ctl_request_id(c.request_id, sizeof(c.request_id));
	if (proto_encode_crossing(&c, body, sizeof(body), &bodylen) != 0)
		ctl_die_usage("the crossing cannot be encoded");

	status = ctl_request(base, "/v1/crossings", body, bodylen, &ans, 1);
	if (status < 0) {
		fprintf(stderr, "checkpointctl: retrying once with the same "
		    "request_id\n");
		status = ctl_request(base, "/v1/crossings", body, bodylen,
		    &ans, 0);
	}
	if (status != 201 && status != 200)
		ctl_die_answer(status, &ans);
	memset(&perr, 0, sizeof(perr));
	if (proto_decode_receipt(&rcpt, (const uint8_t *)ans.p, ans.len,
	    &perr) != 0)
		ctl_die("the crossing was recorded, but the receipt is "
		    "unreadable: %s%s%s", perr.field,
		    perr.field[0] != '\0' ? ": " : "", perr.message);
	free(ans.p);
	printf("recorded seq %llu\n", (unsigned long long)rcpt.seq);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "url",	required_argument,	NULL, 'u' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*url = NULL, *cfgpath = NULL, *cmd;
	char		 base[1024], ob[8];
	size_t		 n;
	int		 ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:u:c:h", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'u':
			url = optarg;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'h':
			fputs(ctl_usage_text, stdout);
			return 0;
		case ':':
			ctl_die_usage("option %s needs a value",
			    argv[optind - 1]);
		default:
			ctl_die_usage("unknown option %s",
			    ctl_badopt(argv, ob, sizeof(ob)));
		}
	}
	if (url != NULL && cfgpath != NULL)
		ctl_die_usage("-u and -c exclude each other");
	if (optind >= argc)
		ctl_die_usage("no command given (see --help)");
	cmd = argv[optind];
	/* Commands that need no daemon. */
	if (strcmp(cmd, "stay") == 0)
		return ctl_stay_main(argc - optind, argv + optind);
	if (strcmp(cmd, "mrz") == 0)
		return ctl_mrz_main(argc - optind, argv + optind);
	if (strcmp(cmd, "policy") == 0)
		return ctl_policy_main(argc - optind, argv + optind);
	if (strcmp(cmd, "namematch") == 0)
		return ctl_namematch_main(argc - optind, argv + optind);
	if (strcmp(cmd, "import") == 0)
		return ctl_import_main(cfgpath, argc - optind, argv + optind);

	if (cfgpath != NULL) {
		ctl_url_from_config(cfgpath, base, sizeof(base));
	} else {
		if (url == NULL)
			url = CTL_DEFAULT_URL;
		if (strncmp(url, "http://", 7) != 0 &&
		    strncmp(url, "https://", 8) != 0)
			ctl_die_usage("-u must be an http:// URL, got \"%s\"",
			    url);
		n = strlen(url);
		while (n > 0 && url[n - 1] == '/')
			n--;
		if (n >= sizeof(base) - 32)
			ctl_die_usage("-u: the URL is too long");
		memcpy(base, url, n);
		base[n] = '\0';
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ctl_die("cannot initialise libcurl");
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "record") == 0)
		ctl_cmd = cmd;
	if (strcmp(cmd, "status") == 0)
		rc = ctl_status(base, argc - optind, argv + optind);
	else if (strcmp(cmd, "record") == 0)
		rc = ctl_record(base, argc - optind, argv + optind);
	else if (strcmp(cmd, "check") == 0)
		rc = ctl_check_main(base, argc - optind, argv + optind);
	else if (strcmp(cmd, "help") == 0) {
		fputs(ctl_usage_text, stdout);
		rc = 0;
	} else
		ctl_die_usage("unknown command \"%s\"", cmd);
	curl_global_cleanup();
	return rc;
}
