/* checkbench - lane decision latency over a post store filled by feedgen:
 * N checks of a realistic mix of scanned passports, timed one by one,
 * in-process through decide_check() or through a running checkpointd's
 * POST /v1/checks on one keep-alive connection (libcurl), with p50, p99
 * and max, the verdicts and reasons seen, and (API) the daemon's resident
 * memory from /proc/PID/status.
 *
 * The mix, by i mod 10 (records found again by feedgen's ids, see
 * tests/tools/feedgen.c): 0-2 and 9 travellers not in the store (random
 * document, name and birth date; their names still go through the
 * watchlist's blocking keys); 3-4 holders of a stay state ("S<j>"); 5-6
 * permit holders ("P<j>", the holder's own name and birth date); 7
 * documents with a document alert ("D<j>"); 8 persons on the watchlist
 * (the alert's name, transliterated from Cyrillic where typed so, and
 * birth date, on a document of their own). Directions alternate.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "check.h"
#include "date.h"
#include "decide.h"
#include "err.h"
#include "feed.h"
#include "log.h"
#include "mrz.h"
#include "registry.h"
#include "translit.h"

#define NSTATES		10
#define MRZ_BUF		128
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const states[NSTATES] = {
	"KAZ", "RUS", "KGZ", "UZB", "CHN", "DEU", "USA", "TUR", "IND", "TJK"
};
static const char *const strangers[] = {
	"SMITH", "MULLER", "GARCIA", "WANG", "KIM", "NOVAK", "YILMAZ",
	"SHARMA", "OKONKWO", "SILVA", "JOHANSSON", "ROSSI", "TANAKA",
	"KOWALSKI", "NGUYEN", "HASSAN", "ABDULLAEV", "ISMAILOV", "PETERSEN"
};
static const char *const firsts[] = {
	"JOHN", "MARIA", "WEI", "AHMET", "PRIYA", "LUCAS", "FATIMA", "OLEG",
	"AIDA", "YUKI", "TOMAS", "SARA", ""
};

struct trav {
	char			mrz[MRZ_BUF];
	enum proto_direction	dir;
	int			kind;		/* i mod 10 */
};

struct tally {
	size_t	verdict[4];
	size_t	docalert, watch, permit, stay, overstay, stale, unchecked;
};

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* "YYYY-MM-DD", "YYYY-MM" or "YYYY" to YYMMDD; unknown parts 01. */
static void
yymmdd(const char *iso, char out[7])
{
	size_t	n = strlen(iso);

	if (n < 4) {
		memcpy(out, "800101", 7);
		return;
	}
	out[0] = iso[2];
	out[1] = iso[3];
	out[2] = n >= 7 ? iso[5] : '0';
	out[3] = n >= 7 ? iso[6] : '1';
	out[4] = n >= 10 ? iso[8] : '0';
	out[5] = n >= 10 ? iso[9] : '1';
	out[6] = '\0';
}

/* A name as MRZ letters with words separated by spaces; "" if none. */
static void
mrz_name(const char *in, const char *state, char *out, size_t outsz)
{
	if (translit_convert(in, strlen(in), translit_pick_lang(state,
	    strlen(state)), TRANSLIT_WORDS, out, outsz, NULL) != 0)
		out[0] = '\0';
}

static int
compose(struct trav *t, const char *state, const char *number,
    const char *surname, const char *given, const char *birth)
{
	struct mrz	m;

	memset(&m, 0, sizeof(m));
	m.format = MRZ_TD3;
	(void)snprintf(m.document_code, sizeof(m.document_code), "P");
	(void)snprintf(m.issuing_state, sizeof(m.issuing_state), "%s",
	    state);
	(void)snprintf(m.nationality, sizeof(m.nationality), "%s", state);
	(void)snprintf(m.number, sizeof(m.number), "%s", number);
	yymmdd(birth, m.birth_date);
	(void)snprintf(m.expiry_date, sizeof(m.expiry_date), "320101");
	m.sex = 'M';
	(void)snprintf(m.surname, sizeof(m.surname), "%s",
	    surname[0] != '\0' ? surname : "UNKNOWN");
	(void)snprintf(m.given_names, sizeof(m.given_names), "%s", given);
	return mrz_compose(&m, t->mrz, sizeof(t->mrz), NULL, NULL);
}

static void
stranger(struct trav *t, uint64_t r)
{
	char	num[32], birth[11];
	int64_t	day;
	struct date d, base = { 1945, 1, 1 };

	(void)snprintf(num, sizeof(num), "X%07" PRIu64, r % 10000000);
	day = date_to_days(&base) + (int64_t)((r >> 24) % (60 * 365));
	date_from_days(day, &d);
	if (date_format_iso(&d, birth, sizeof(birth)) != 0)
		(void)snprintf(birth, sizeof(birth), "1980-01-01");
	(void)compose(t, states[(r >> 8) % NSTATES], num,
	    strangers[(r >> 12) % NELEM(strangers)],
	    firsts[(r >> 18) % NELEM(firsts)], birth);
}

/* The traveller i: 0, or -1 when its record is missing (a stranger is
 * made instead, and counted by the caller). */
static int
make_trav(struct trav *t, size_t i, uint64_t seed, struct registry *reg,
    sqlite3_stmt *pa, const size_t have[4])
{
	static struct stay	 stays[FEED_STAYS_MAX];
	struct feed_entry	 e[4];
	char			 num[32], sur[MRZ_NAME_MAX + 1];
	char			 giv[MRZ_NAME_MAX + 1];
	uint64_t		 r = mix(seed ^ mix(i)), j;
	const char		*st;
	size_t			 n;
	int			 rc;

	t->kind = (int)(i % 10);
	t->dir = (i / 10) % 2 == 0 ? PROTO_ENTRY : PROTO_EXIT;
	if ((i & 1) != 0)
		t->dir = t->dir == PROTO_ENTRY ? PROTO_EXIT : PROTO_ENTRY;
	switch (t->kind) {
	case 3:
	case 4:
		if (have[3] == 0)
			break;
		j = r % have[3];
		st = states[j % NSTATES];
		(void)snprintf(num, sizeof(num), "S%08" PRIu64, j);
		if (registry_find_stay_state(reg, st, num, &e[0], stays,
		    FEED_STAYS_MAX) != 0)
			break;
		return compose(t, st, num, strangers[(r >> 40) %
		    NELEM(strangers)], firsts[(r >> 50) % NELEM(firsts)],
		    e[0].data.stay_state.person.birth_date) == 0 ? 0 : -1;
	case 5:
	case 6:
		if (have[2] == 0)
			break;
		j = r % have[2];
		st = states[j % NSTATES];
		(void)snprintf(num, sizeof(num), "P%08" PRIu64, j);
		rc = registry_find_permits_by_document(reg, st, num, e, 4,
		    &n);
		if ((rc != 0 && rc != ERR_TOOBIG) || n == 0)
			break;
		mrz_name(e[0].data.permit.holder.surname, st, sur,
		    sizeof(sur));
		mrz_name(e[0].data.permit.holder.given_names, st, giv,
		    sizeof(giv));
		return compose(t, st, num, sur, giv,
		    e[0].data.permit.holder.birth_date) == 0 ? 0 : -1;
	case 7:
		if (have[0] == 0)
			break;
		j = r % have[0];
		(void)snprintf(num, sizeof(num), "D%08" PRIu64, j);
		return compose(t, states[j % NSTATES], num,
		    strangers[(r >> 40) % NELEM(strangers)],
		    firsts[(r >> 50) % NELEM(firsts)], "1980-05-05") == 0 ?
		    0 : -1;
	case 8:
		if (have[1] == 0)
			break;
		j = r % have[1];
		(void)snprintf(num, sizeof(num), "pa-%" PRIu64, j);
		sqlite3_reset(pa);
		if (sqlite3_bind_text(pa, 1, num, -1, SQLITE_TRANSIENT) !=
		    SQLITE_OK || sqlite3_step(pa) != SQLITE_ROW)
			break;
		st = (const char *)sqlite3_column_text(pa, 3);
		if (st == NULL || st[0] == '\0')
			st = states[(r >> 8) % NSTATES];
		{
			char	stc[4], birth[11];

			(void)snprintf(stc, sizeof(stc), "%s", st);
			(void)snprintf(birth, sizeof(birth), "%s",
			    (const char *)sqlite3_column_text(pa, 2));
			mrz_name((const char *)sqlite3_column_text(pa, 0),
			    stc, sur, sizeof(sur));
			mrz_name((const char *)sqlite3_column_text(pa, 1),
			    stc, giv, sizeof(giv));
			(void)snprintf(num, sizeof(num), "W%07" PRIu64,
			    j % 10000000);
			return compose(t, stc, num, sur, giv, birth) == 0 ?
			    0 : -1;
		}
	default:
		stranger(t, r);
		return 0;
	}
	stranger(t, r);
	return -1;
}

static void
count_verdict(struct tally *ty, const struct check_verdict *v)
{
	size_t	k;

	if ((size_t)v->verdict < NELEM(ty->verdict))
		ty->verdict[v->verdict]++;
	for (k = 0; k < v->nreasons; k++) {
		const char	*c = v->reasons[k].code;

		if (strncmp(c, "document_alert_", 15) == 0)
			ty->docalert++;
		else if (strncmp(c, "watchlist_", 10) == 0 &&
		    strcmp(c, "watchlist_unchecked") != 0)
			ty->watch++;
		else if (strcmp(c, "watchlist_unchecked") == 0)
			ty->unchecked++;
		else if (strcmp(c, "permit_valid") == 0)
			ty->permit++;
		else if (strcmp(c, "stay_days_used") == 0)
			ty->stay++;
		else if (strcmp(c, "overstay") == 0)
			ty->overstay++;
		else if (strcmp(c, "feed_stale") == 0)
			ty->stale++;
	}
}

/* One line per check: its verdict and every reason. */
static void
print_verdict(FILE *fp, size_t i, const struct check_verdict *v)
{
	size_t	k;

	fprintf(fp, "%zu %d", i, (int)v->verdict);
	for (k = 0; k < v->nreasons; k++)
		fprintf(fp, " %s/%s/%.3f", v->reasons[k].code,
		    v->reasons[k].alert, v->reasons[k].score);
	fputc('\n', fp);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *lat, size_t n, const struct tally *ty)
{
	double	sum = 0;
	size_t	i;

	qsort(lat, n, sizeof(*lat), cmp_double);
	for (i = 0; i < n; i++)
		sum += lat[i];
	printf("%s: %zu checks, p50 %.3f ms, p99 %.3f ms, max %.3f ms, "
	    "mean %.3f ms\n", what, n, lat[n / 2],
	    lat[n * 99 / 100 < n ? n * 99 / 100 : n - 1], lat[n - 1],
	    sum / (double)n);
	if (ty != NULL)
		printf("%s: verdicts clear %zu, refer %zu, deny %zu; reasons: "
		    "document alert %zu, watchlist hit %zu, permit valid %zu, "
		    "stay days %zu, overstay %zu, feed stale %zu\n", what,
		    ty->verdict[CHECK_CLEAR], ty->verdict[CHECK_REFER],
		    ty->verdict[CHECK_DENY], ty->docalert, ty->watch,
		    ty->permit, ty->stay, ty->overstay, ty->stale);
}

struct body {
	char	buf[CHECK_VERDICT_MAX];
	size_t	len;
};

static size_t
on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct body	*b = arg;
	size_t		 n = sz * nm;

	if (n > sizeof(b->buf) - b->len)
		n = sizeof(b->buf) - b->len;	/* cut: still counted */
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return sz * nm;
}

static long
rss_kib(long pid, const char *field)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 v = -1;
	size_t	 fl = strlen(field);

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = strtol(line + fl + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

static int
run_api(const char *url, const struct trav *tv, size_t n, size_t warm,
    double *lat, struct tally *ty)
{
	CURL			*c;
	struct curl_slist	*hdr = NULL;
	struct check_request	 req;
	struct check_verdict	 v;
	static struct body	 b;
	char			 json[1024];
	size_t			 i, len;
	long			 code;
	double			 t0;
	int			 bad = 0;

	if ((c = curl_easy_init()) == NULL)
		return -1;
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	(void)curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	for (i = 0; i < warm + n; i++) {
		const struct trav	*t = &tv[i % n];

		memset(&req, 0, sizeof(req));
		(void)snprintf(req.mrz, sizeof(req.mrz), "%s", t->mrz);
		req.mrz_len = strlen(req.mrz);
		req.direction = t->dir;
		req.lane = 1 + (uint32_t)(i % 8);
		(void)snprintf(req.officer, sizeof(req.officer), "OF%05zu",
		    i % 10);
		if (check_encode_request(&req, json, sizeof(json), &len) != 0)
			return -1;
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
		b.len = 0;
		t0 = now_ms();
		if (curl_easy_perform(c) != CURLE_OK) {
			fprintf(stderr, "checkbench: %s: request failed\n",
			    url);
			bad = 1;
			break;
		}
		if (i >= warm)
			lat[i - warm] = now_ms() - t0;
		(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200) {
			fprintf(stderr, "checkbench: HTTP %ld: %.*s\n", code,
			    (int)(b.len > 300 ? 300 : b.len), b.buf);
			bad = 1;
			break;
		}
		if (i >= warm && check_decode_verdict(&v,
		    (const uint8_t *)b.buf, b.len, NULL) == 0)
			count_verdict(ty, &v);
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return bad ? -1 : 0;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: checkbench --store FILE [--count N] [--seed S]\n"
	    "                  [--warmup N] [--verdicts FILE]\n"
	    "                  [--url URL [--pid PID]]\n"
	    "Times N lane checks (default 10000) of a mix of travellers\n"
	    "over a post store filled by feedgen: in-process with\n"
	    "decide_check(), or with --url through a running checkpointd's\n"
	    "POST /v1/checks (URL of the endpoint) on one keep-alive\n"
	    "connection, then the resident memory of --pid. --warmup\n"
	    "checks (default 1000) run first, untimed. --verdicts writes\n"
	    "each in-process verdict to FILE, one line per check: its\n"
	    "number, verdict and reasons (code/alert/score), to compare\n"
	    "two builds.\n");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "url", required_argument, NULL, 'u' },
		{ "pid", required_argument, NULL, 'p' },
		{ "verdicts", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const enum feed_kind kinds[4] = { FEED_DOCUMENT_ALERT,
	    FEED_PERSON_ALERT, FEED_PERMIT, FEED_STAY_STATE };
	struct registry		*reg = NULL;
	struct decide		*dec = NULL;
	struct check_request	 req;
	struct check_verdict	 v;
	struct trav		*tv;
	struct tally		 ty;
	sqlite3			*db = NULL;
	sqlite3_stmt		*pa = NULL;
	const char		*store = NULL, *url = NULL;
	const char		*vpath = NULL;
	FILE			*vfp = NULL;
	double			*lat, t0;
	size_t			 have[4], n = 10000, warm = 1000, i, missing = 0;
	uint64_t		 seed = 1;
	long			 pid = 0;
	char			*end;
	int			 ch, rc, status = 1;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			store = optarg;
			break;
		case 'n':
		case 'w':
		case 'S':
		case 'p':
			errno = 0;
			{
				unsigned long long	x;

				x = strtoull(optarg, &end, 10);
				if (errno != 0 || end == optarg ||
				    *end != '\0' || optarg[0] == '-' ||
				    x > 100000000ULL || (ch == 'n' && x == 0)) {
					fprintf(stderr, "checkbench: bad number "
					    "\"%s\"\n", optarg);
					return 2;
				}
				if (ch == 'n')
					n = (size_t)x;
				else if (ch == 'w')
					warm = (size_t)x;
				else if (ch == 'S')
					seed = x;
				else
					pid = (long)x;
			}
			break;
		case 'u':
			url = optarg;
			break;
		case 'V':
			vpath = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (store == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("checkbench", LOGL_WARN);
	tv = calloc(n, sizeof(*tv));
	lat = calloc(n, sizeof(*lat));
	if (tv == NULL || lat == NULL) {
		fprintf(stderr, "checkbench: out of memory\n");
		return 1;
	}
	memset(&ty, 0, sizeof(ty));

	/* Opening under the decider's key function re-keys a store that
	 * feedgen keyed by surname: once, timed. */
	t0 = now_ms();
	if ((rc = registry_open(&reg, store, decide_key, DECIDE_KEY_NAME))
	    != 0) {
		fprintf(stderr, "checkbench: %s: %s\n", store, err_str(rc));
		goto out;
	}
	if (url == NULL)
		printf("registry open (keys %s): %.0f ms\n", DECIDE_KEY_NAME,
		    now_ms() - t0);
	for (i = 0; i < 4; i++)
		if (registry_count(reg, kinds[i], &have[i]) != 0)
			have[i] = 0;
	printf("store: %zu document alerts, %zu person alerts, %zu permits, "
	    "%zu stay states\n", have[0], have[1], have[2], have[3]);
	if (sqlite3_open_v2(store, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "SELECT surname, given_names,"
	    " birth_date, nationality FROM reg_person_alert WHERE id = ?", -1,
	    &pa, NULL) != SQLITE_OK) {
		fprintf(stderr, "checkbench: %s: %s\n", store,
		    db != NULL ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (make_trav(&tv[i], i, seed, reg, pa, have) != 0)
			missing++;
	if (missing > 0)
		printf("%zu travellers not found in the store: strangers "
		    "instead\n", missing);

	if (url != NULL) {
		long	rss, hwm;

		registry_close(reg);
		reg = NULL;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
		    run_api(url, tv, n, warm, lat, &ty) != 0)
			goto out;
		report("lane API", lat, n, &ty);
		if (pid > 0) {
			rss = rss_kib(pid, "VmRSS");
			hwm = rss_kib(pid, "VmHWM");
			printf("checkpointd resident memory: VmRSS %.1f MiB, "
			    "VmHWM %.1f MiB\n", (double)rss / 1024,
			    (double)hwm / 1024);
		}
		curl_global_cleanup();
		status = 0;
		goto out;
	}

	if (vpath != NULL && (vfp = fopen(vpath, "w")) == NULL) {
		fprintf(stderr, "checkbench: %s: %s\n", vpath,
		    strerror(errno));
		goto out;
	}
	if ((rc = decide_new(&dec, reg, "ALA01", NULL)) != 0) {
		fprintf(stderr, "checkbench: decide: %s\n", err_str(rc));
		goto out;
	}
	for (i = 0; i < warm + n; i++) {
		const struct trav	*t = &tv[i % n];

		memset(&req, 0, sizeof(req));
		(void)snprintf(req.mrz, sizeof(req.mrz), "%s", t->mrz);
		req.mrz_len = strlen(req.mrz);
		req.direction = t->dir;
		req.lane = 1;
		(void)snprintf(req.officer, sizeof(req.officer), "OF00001");
		t0 = now_ms();
		rc = decide_check(dec, &req, date_now_ms(), &v);
		if (i >= warm)
			lat[i - warm] = now_ms() - t0;
		if (rc != 0) {
			fprintf(stderr, "checkbench: decide_check: %s\n",
			    err_str(rc));
			goto out;
		}
		if (i >= warm)
			count_verdict(&ty, &v);
		if (i >= warm && vfp != NULL)
			print_verdict(vfp, i - warm, &v);
	}
	/* Where the time goes, by kind of traveller (before report()
	 * sorts lat). */
	{
		static const char *const kname[10] = { "stranger",
		    "stranger", "stranger", "stay state", "stay state",
		    "permit", "permit", "document alert", "watchlist",
		    "stranger" };
		double	*kl;
		size_t	 k, m, dummy;
		char	 what[64];

		if ((kl = calloc(n, sizeof(*kl))) == NULL)
			goto out;
		for (k = 3; k < 9; k += (k == 3 || k == 5) ? 2 : 1) {
			for (m = 0, dummy = 0; dummy < n; dummy++)
				if (tv[dummy].kind == (int)k ||
				    (k == 3 && tv[dummy].kind == 4) ||
				    (k == 5 && tv[dummy].kind == 6))
					kl[m++] = lat[dummy];
			if (m == 0)
				continue;
			(void)snprintf(what, sizeof(what), "  %s", kname[k]);
			report(what, kl, m, NULL);
		}
		for (m = 0, dummy = 0; dummy < n; dummy++)
			if (tv[dummy].kind < 3 || tv[dummy].kind == 9)
				kl[m++] = lat[dummy];
		if (m > 0)
			report("  stranger", kl, m, NULL);
		free(kl);
	}
	report("in-process", lat, n, &ty);
	status = 0;
out:
	if (vfp != NULL)
		fclose(vfp);
	sqlite3_finalize(pa);
	sqlite3_close(db);
	decide_free(dec);
	registry_close(reg);
	free(tv);
	free(lat);
	return status;
}
