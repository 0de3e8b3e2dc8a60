/* decide.c - the lane decision. Everything comes from the registry through
 * its indexed lookups: document alerts by (state, number), person alerts
 * by the name matcher's blocking keys, permits by document and by person,
 * the stay state by document, the policy (parsed once per feed position).
 * Civil days are in the policy's time zone, read from its TZif file once
 * per zone (no setenv("TZ"), which is not thread-safe). The reasons and
 * what each one weighs are in docs/decisions.md. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "date.h"
#include "decide.h"
#include "err.h"
#include "feed.h"
#include "mrz.h"
#include "namematch.h"
#include "policy.h"
#include "registry.h"
#include "stay.h"

#define TZ_FILE_MAX	(256 * 1024)
#define TZ_TRANS_MAX	4096
#define HITS_START	8
#define HITS_MAX	256	/* watchlist hits of one check, at most */
#define PERMITS_MAX	64
#define DOCALERTS_MAX	16
#define MS_PER_DAY	INT64_C(86400000)
/* Stays cut at permit boundaries: each permit splits at most one stay in
 * two (a visa's days per entry only cut a stay's front). */
#define SPLIT_MAX	(FEED_STAYS_MAX + 1 + PERMITS_MAX)

struct tzinfo {
	char	 zone[POLICY_TZ_MAX + 1];	/* "" = not loaded */
	int	 ok;
	size_t	 n;
	int64_t	*times;		/* transitions, ascending */
	int32_t	*offs;		/* offset from each transition on */
	int32_t	 before;	/* before the first */
	int32_t	 after;		/* after the last, when has_after */
	int	 has_after;
};

/* A person alert whose score reached the threshold. */
struct decide_hit {
	char			id[FEED_ID_MAX + 1];
	struct namematch_result	res;
};

struct decide {
	struct registry		*reg;
	char			 post[PROTO_POST_MAX + 1];
	double			 threshold;
	int64_t			 max_age;
	char			 zonedir[256];
	/* The policy, parsed once per feed position that wrote it. */
	struct policy		*pol;
	uint64_t		 pol_pos;
	char			*yaml;		/* FEED_YAML_MAX + 1 */
	struct tzinfo		 tz;
	/* The watchlist scan of one check. */
	struct namematch_person	 trav;		/* the traveller */
	struct namematch_person	 cand;		/* a candidate, unpacked */
	struct decide_hit	*hits;		/* each alert once */
	size_t			 nhits, hitcap;
	struct feed_entry	 permits[PERMITS_MAX];
	struct stay		*stays;		/* FEED_STAYS_MAX + 1 */
	struct stay		*split;		/* SPLIT_MAX */
};

/*
 * Time zones.
 */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static void
tz_reset(struct tzinfo *z)
{
	free(z->times);
	free(z->offs);
	memset(z, 0, sizeof(*z));
}

/* The standard offset of a POSIX TZ footer without DST rules ("<+05>-5",
 * "UTC0"); ERR_PARSE for one with rules (their offset then comes from the
 * transitions). */
static int
tz_footer(const uint8_t *p, size_t len, int32_t *off)
{
	size_t	i = 0;
	int32_t	h = 0, m = 0, s = 0, sign = 1;

	if (i < len && p[i] == '<') {
		while (i < len && p[i] != '>')
			i++;
		if (i++ >= len)
			return ERR_PARSE;
	} else {
		while (i < len && ((p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= 'a' && p[i] <= 'z')))
			i++;
	}
	if (i < len && (p[i] == '+' || p[i] == '-'))
		sign = p[i++] == '-' ? -1 : 1;
	if (i >= len || p[i] < '0' || p[i] > '9')
		return ERR_PARSE;
	while (i < len && p[i] >= '0' && p[i] <= '9' && h < 200)
		h = h * 10 + (p[i++] - '0');
	if (i < len && p[i] == ':') {
		for (i++; i < len && p[i] >= '0' && p[i] <= '9' && m < 100;)
			m = m * 10 + (p[i++] - '0');
		if (i < len && p[i] == ':')
			for (i++; i < len && p[i] >= '0' && p[i] <= '9' &&
			    s < 100;)
				s = s * 10 + (p[i++] - '0');
	}
	if (i != len)
		return ERR_PARSE;	/* a DST part follows */
	/* POSIX counts west of Greenwich as positive. */
	*off = -sign * (h * 3600 + m * 60 + s);
	return 0;
}

/* Parses a TZif file (version 2 or later: its 64-bit block). */
static int
tz_parse(struct tzinfo *z, const uint8_t *p, size_t len)
{
	uint32_t	isut, isstd, leap, timecnt, typecnt, charcnt;
	size_t		v1, off, i, need;
	const uint8_t	*q;

	if (len < 44 || memcmp(p, "TZif", 4) != 0 || p[4] < '2')
		return ERR_PARSE;
	isut = be32(p + 20);
	isstd = be32(p + 24);
	leap = be32(p + 28);
	timecnt = be32(p + 32);
	typecnt = be32(p + 36);
	charcnt = be32(p + 40);
	if (timecnt > TZ_TRANS_MAX || typecnt == 0 || typecnt > 256 ||
	    leap > 1000 || charcnt > 1000 || isut > 256 || isstd > 256)
		return ERR_PARSE;
	v1 = 44 + (size_t)timecnt * 5 + (size_t)typecnt * 6 + charcnt +
	    (size_t)leap * 8 + isstd + isut;
	if (len < v1 + 44 || memcmp(p + v1, "TZif", 4) != 0)
		return ERR_PARSE;
	q = p + v1;
	isut = be32(q + 20);
	isstd = be32(q + 24);
	leap = be32(q + 28);
	timecnt = be32(q + 32);
	typecnt = be32(q + 36);
	charcnt = be32(q + 40);
	if (timecnt > TZ_TRANS_MAX || typecnt == 0 || typecnt > 256 ||
	    leap > 1000 || charcnt > 1000 || isut > 256 || isstd > 256)
		return ERR_PARSE;
	off = v1 + 44;
	need = (size_t)timecnt * 9 + (size_t)typecnt * 6 + charcnt +
	    (size_t)leap * 12 + isstd + isut;
	if (len - off < need)
		return ERR_PARSE;
	z->times = calloc(timecnt > 0 ? timecnt : 1, sizeof(*z->times));
	z->offs = calloc(timecnt > 0 ? timecnt : 1, sizeof(*z->offs));
	if (z->times == NULL || z->offs == NULL)
		return ERR_NOMEM;
	{
		const uint8_t	*tt = p + off;
		const uint8_t	*idx = tt + (size_t)timecnt * 8;
		const uint8_t	*types = idx + timecnt;
		const uint8_t	*foot;
		size_t		 flen;
		int32_t		 fo;

		for (i = 0; i < timecnt; i++) {
			z->times[i] = be64(tt + i * 8);
			if (idx[i] >= typecnt ||
			    (i > 0 && z->times[i] <= z->times[i - 1]))
				return ERR_PARSE;
			z->offs[i] = (int32_t)be32(types + idx[i] * 6);
		}
		z->n = timecnt;
		/* Before the first transition: the first standard type. */
		z->before = (int32_t)be32(types);
		for (i = 0; i < typecnt; i++)
			if (types[i * 6 + 4] == 0) {
				z->before = (int32_t)be32(types + i * 6);
				break;
			}
		foot = p + off + need;
		flen = len - off - need;
		if (flen >= 2 && foot[0] == '\n' && foot[flen - 1] == '\n' &&
		    tz_footer(foot + 1, flen - 2, &fo) == 0) {
			z->after = fo;
			z->has_after = 1;
		}
	}
	return 0;
}

static int
tz_load(struct tzinfo *z, const char *dir, const char *zone)
{
	char	 path[512];
	uint8_t	*buf;
	FILE	*fp;
	size_t	 n;
	int	 rc;

	tz_reset(z);
	(void)snprintf(z->zone, sizeof(z->zone), "%s", zone);
	if (strcmp(zone, "UTC") == 0) {
		z->ok = 1;
		return 0;
	}
	/* The policy loader checked the form; refuse a climb anyway. */
	if (zone[0] == '/' || strstr(zone, "..") != NULL)
		return ERR_NOTFOUND;
	if (snprintf(path, sizeof(path), "%s/%s", dir, zone) >=
	    (int)sizeof(path))
		return ERR_NOTFOUND;
	if ((fp = fopen(path, "rb")) == NULL)
		return ERR_NOTFOUND;
	if ((buf = malloc(TZ_FILE_MAX)) == NULL) {
		fclose(fp);
		return ERR_NOMEM;
	}
	n = fread(buf, 1, TZ_FILE_MAX, fp);
	fclose(fp);
	rc = n < TZ_FILE_MAX ? tz_parse(z, buf, n) : ERR_PARSE;
	free(buf);
	if (rc != 0) {
		free(z->times);
		free(z->offs);
		z->times = NULL;
		z->offs = NULL;
		z->n = 0;
		return rc;
	}
	z->ok = 1;
	return 0;
}

static int32_t
tz_offset(const struct tzinfo *z, int64_t t)
{
	size_t	lo = 0, hi = z->n;

	if (!z->ok)
		return 0;
	if (z->n == 0)
		return z->has_after ? z->after : z->before;
	if (t < z->times[0])
		return z->before;
	if (t >= z->times[z->n - 1] && z->has_after)
		return z->after;
	/* The last transition at or before t. */
	while (hi - lo > 1) {
		size_t	mid = lo + (hi - lo) / 2;

		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->offs[lo];
}

int
decide_zone_offset(const char *dir, const char *zone, int64_t t,
    int32_t *offset)
{
	struct tzinfo	z;
	int		rc;

	memset(&z, 0, sizeof(z));
	rc = tz_load(&z, dir != NULL ? dir : DECIDE_ZONEINFO, zone);
	if (rc == 0)
		*offset = tz_offset(&z, t);
	tz_reset(&z);
	return rc;
}

/*
 * The key function.
 */

static void
nm_input(struct namematch_input *in, const char *surname,
    const char *given, const char *birth, const char *nat)
{
	memset(in, 0, sizeof(*in));
	in->surname = surname;
	in->surname_len = strlen(surname);
	in->given_names = given;
	in->given_names_len = strlen(given);
	in->birth_date = birth;
	in->birth_date_len = strlen(birth);
	in->nationality = nat;
	in->nationality_len = strlen(nat);
}

int
decide_key(const struct feed_person_alert *a, struct registry_keys *out)
{
	struct namematch_input	in;
	struct namematch_person	p;
	struct namematch_keys	k;
	size_t			i;

	nm_input(&in, a->surname, a->given_names, a->birth_date,
	    a->nationality);
	if (namematch_parse(&p, &in, NULL) != 0 ||
	    namematch_key(&p, &k) != 0 || k.n == 0)
		return registry_key_surname(a, out);	/* and no data */
	/* namematch_key() gives at most four keys (docs/namematch.md). */
	for (i = 0; i < k.n && i < REGISTRY_KEYS_MAX; i++)
		(void)snprintf(out->key[i], sizeof(out->key[i]), "%s",
		    k.key[i]);
	out->n = i;
	out->prefix = 0;
	/* The prepared form: a check scores the alert from it. */
	return namematch_pack(&p, out->data, sizeof(out->data),
	    &out->datalen);
}

/*
 * The decider.
 */

int
decide_new(struct decide **out, struct registry *reg, const char *post,
    const struct decide_opts *o)
{
	struct decide	*d;

	if (!proto_check_post_code(post, strlen(post)))
		return ERR_INVAL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return ERR_NOMEM;
	d->reg = reg;
	(void)snprintf(d->post, sizeof(d->post), "%s", post);
	d->threshold = NAMEMATCH_DEFAULT_THRESHOLD;
	d->max_age = DECIDE_FEED_MAX_AGE_MS;
	(void)snprintf(d->zonedir, sizeof(d->zonedir), "%s", DECIDE_ZONEINFO);
	if (o != NULL) {
		if (o->threshold > 0)
			d->threshold = o->threshold;
		if (o->feed_max_age_ms > 0)
			d->max_age = o->feed_max_age_ms;
		if (o->zoneinfo != NULL && snprintf(d->zonedir,
		    sizeof(d->zonedir), "%s", o->zoneinfo) >=
		    (int)sizeof(d->zonedir)) {
			free(d);
			return ERR_INVAL;
		}
	}
	d->hitcap = HITS_START;
	if ((d->yaml = malloc(FEED_YAML_MAX + 1)) == NULL ||
	    (d->hits = calloc(d->hitcap, sizeof(*d->hits))) == NULL ||
	    (d->stays = calloc(FEED_STAYS_MAX + 1, sizeof(*d->stays)))
	    == NULL ||
	    (d->split = calloc(SPLIT_MAX, sizeof(*d->split))) == NULL) {
		decide_free(d);
		return ERR_NOMEM;
	}
	*out = d;
	return 0;
}

void
decide_free(struct decide *d)
{
	if (d == NULL)
		return;
	policy_free(d->pol);
	tz_reset(&d->tz);
	free(d->yaml);
	free(d->hits);
	free(d->stays);
	free(d->split);
	free(d);
}

/* The current policy, reparsed only when the feed wrote a new one. 0,
 * ERR_NOTFOUND (none delivered), ERR_DB. */
static int
decide_policy(struct decide *d)
{
	struct feed_entry	e;
	struct policy		*p;
	int			 rc;

	rc = registry_policy(d->reg, &e, d->yaml, FEED_YAML_MAX + 1);
	if (rc != 0)
		return rc;
	if (d->pol != NULL && e.pos == d->pol_pos)
		return 0;
	if ((rc = policy_load_buf(&p, "policy", (const uint8_t *)e.data.
	    policy.yaml, e.data.policy.yaml_len, NULL)) != 0)
		return rc == ERR_NOMEM ? rc : ERR_DB;	/* the feed checked it */
	policy_free(d->pol);
	d->pol = p;
	d->pol_pos = e.pos;
	if (strcmp(d->tz.zone, p->timezone) != 0)
		(void)tz_load(&d->tz, d->zonedir, p->timezone);
		/* A zone that will not load is reported on every verdict. */
	return 0;
}

static void
day_str(int64_t day, char buf[11])
{
	struct date	dt;

	date_from_days(day, &dt);
	if (date_format_iso(&dt, buf, 11) != 0)
		buf[0] = '\0';
}

static int64_t
iso_day(const char *s)
{
	struct date	dt;

	if (date_parse_iso(&dt, s, strlen(s)) != 0)
		return STAY_NONE;
	return date_to_days(&dt);
}

/*
 * One key row of the watchlist scan: an alert whose prepared form cannot
 * reach the threshold on birth date and nationality alone is passed over;
 * the rest are scored, and each hit is kept once. A prepared form that
 * does not read is a damaged store: ERR_DB.
 */
static int
decide_scan_one(void *arg, const char *id, const uint8_t *data, size_t len)
{
	struct decide		*d = arg;
	struct decide_hit	*nh;
	struct namematch_result	 res;
	double			 bound;
	size_t			 i;

	if (data == NULL)
		return 0;	/* the matcher could not read the alert */
	if (namematch_packed_bound(data, len, &d->trav, &bound) != 0)
		return ERR_DB;	/* a damaged store */
	if (bound < d->threshold)
		return 0;
	for (i = 0; i < d->nhits; i++)
		if (strcmp(d->hits[i].id, id) == 0)
			return 0;	/* found under another key */
	if (namematch_unpack(&d->cand, data, len) != 0)
		return ERR_DB;
	namematch_score(&d->cand, &d->trav, &res);
	if (res.score < d->threshold)
		return 0;
	if (d->nhits == d->hitcap) {
		if (d->hitcap >= HITS_MAX)
			return 0;	/* more than a verdict can say */
		if ((nh = reallocarray(d->hits, d->hitcap * 2,
		    sizeof(*nh))) == NULL)
			return ERR_NOMEM;
		d->hits = nh;
		d->hitcap *= 2;
	}
	(void)snprintf(d->hits[d->nhits].id, sizeof(d->hits[0].id), "%s",
	    id);
	d->hits[d->nhits].res = res;
	d->nhits++;
	return 0;
}

static int
hit_cmp(const void *a, const void *b)
{
	return strcmp(((const struct decide_hit *)a)->id,
	    ((const struct decide_hit *)b)->id);
}

/* The person alerts that match the traveller d->trav, each once and
 * ordered by id, into d->hits[0..d->nhits). */
static int
decide_candidates(struct decide *d, const struct namematch_keys *k)
{
	struct registry_keys	 q;
	size_t			 i, done = 0;
	int			 rc;

	d->nhits = 0;
	while (done < k->n) {
		memset(&q, 0, offsetof(struct registry_keys, data));
		q.prefix = k->prefix;
		for (i = 0; i < REGISTRY_KEYS_MAX && done + i < k->n; i++)
			(void)snprintf(q.key[i], sizeof(q.key[i]), "%s",
			    k->key[done + i]);
		q.n = i;
		done += i;
		if ((rc = registry_scan_person_alert_keys(d->reg, &q,
		    decide_scan_one, d)) != 0)
			return rc;
	}
	if (d->nhits > 1)
		qsort(d->hits, d->nhits, sizeof(*d->hits), hit_cmp);
	return 0;
}

static void
decide_watchlist(struct decide *d, const struct mrz *m, int64_t today,
    enum proto_direction dir, struct check_verdict *v, int *err)
{
	struct namematch_input	 in;
	struct namematch_keys	 k;
	struct namematch_result	*res;
	struct feed_entry	 e;
	struct check_reason	*r;
	const struct feed_person_alert *a;
	enum check_verdict_kind	 sev;
	char			 birth[11] = "";
	const char		*code;
	size_t			 i;
	int			 rc;

	if (m->birth_known && date_format_iso(&m->birth, birth,
	    sizeof(birth)) != 0)
		birth[0] = '\0';
	nm_input(&in, m->surname, m->given_names, birth, m->nationality);
	if (namematch_parse(&d->trav, &in, NULL) != 0) {
		(void)check_add_reason(v, "watchlist_unchecked", CHECK_REFER,
		    "the name in the MRZ cannot be screened against the "
		    "watchlist; check it by hand");
		return;
	}
	if (namematch_query_keys(&d->trav, &k) != 0)
		return;
	if ((rc = decide_candidates(d, &k)) != 0) {
		*err = rc;
		return;
	}
	for (i = 0; i < d->nhits; i++) {
		res = &d->hits[i].res;
		rc = registry_find_person_alert(d->reg, d->hits[i].id, &e);
		if (rc == ERR_NOTFOUND)
			continue;	/* deleted since the scan */
		if (rc != 0) {
			*err = rc;
			return;
		}
		a = &e.data.person_alert;
		sev = res->score >= DECIDE_SURE_SCORE ? CHECK_DENY :
		    CHECK_REFER;
		switch (a->kind) {
		case FEED_ENTRY_BAN:
			if (dir != PROTO_ENTRY || (a->until[0] != '\0' &&
			    iso_day(a->until) < today))
				continue;
			code = "watchlist_entry_ban";
			r = check_add_reason(v, code, sev,
			    "watchlist: entry ban %s%s (%s), match score "
			    "%.2f: %s", a->until[0] != '\0' ? "until " :
			    "with no end", a->until, a->source, res->score,
			    res->why);
			break;
		case FEED_EXIT_BAN:
			if (dir != PROTO_EXIT || (a->until[0] != '\0' &&
			    iso_day(a->until) < today))
				continue;
			code = "watchlist_exit_ban";
			r = check_add_reason(v, code, sev,
			    "watchlist: exit ban %s%s (%s), match score "
			    "%.2f: %s", a->until[0] != '\0' ? "until " :
			    "with no end", a->until, a->source, res->score,
			    res->why);
			break;
		case FEED_WANTED:
			code = "watchlist_wanted";
			r = check_add_reason(v, code, CHECK_REFER,
			    "watchlist: wanted (%s), severity %d, match score "
			    "%.2f: %s; hold for secondary inspection",
			    a->source, a->severity, res->score, res->why);
			break;
		default:
			continue;
		}
		if (r == NULL)
			continue;
		(void)snprintf(r->alert, sizeof(r->alert), "%s",
		    d->hits[i].id);
		r->score = res->score;
		(void)snprintf(r->matched, sizeof(r->matched), "%s", res->why);
		if (a->kind != FEED_WANTED) {
			r->has_until = 1;
			(void)snprintf(r->until, sizeof(r->until), "%s",
			    a->until);
		}
	}
}

static int
holder_matches(struct decide *d, const struct feed_holder *h,
    const struct mrz *m)
{
	struct namematch_input	in;
	struct namematch_person	a, b;
	struct namematch_result	res;

	nm_input(&in, h->surname, h->given_names, h->birth_date,
	    h->nationality);
	if (namematch_parse(&a, &in, NULL) != 0)
		return 0;
	nm_input(&in, m->surname, m->given_names, h->birth_date,
	    m->nationality);
	if (namematch_parse(&b, &in, NULL) != 0)
		return 0;
	namematch_score(&a, &b, &res);
	return res.score >= d->threshold;
}

/* Permits of the document and of the person, each once, into
 * d->permits; their number. */
static int
decide_permits(struct decide *d, const struct mrz *m, size_t *np, int *err)
{
	size_t	n = 0, n2 = 0, i, j;
	char	birth[11];
	int	rc;

	rc = registry_find_permits_by_document(d->reg, m->issuing_state,
	    m->number, d->permits, PERMITS_MAX, &n);
	if (rc == ERR_TOOBIG)
		n = PERMITS_MAX;
	else if (rc != 0) {
		*err = rc;
		return 0;
	}
	if (m->birth_known && date_format_iso(&m->birth, birth,
	    sizeof(birth)) == 0 && n < PERMITS_MAX) {
		struct feed_entry	more[16];

		rc = registry_find_permits_by_person(d->reg, m->nationality,
		    birth, more, 16, &n2);
		if (rc == ERR_TOOBIG)
			n2 = 16;
		else if (rc != 0) {
			*err = rc;
			return 0;
		}
		for (i = 0; i < n2 && n < PERMITS_MAX; i++) {
			/* Same nationality and birth date: the same person
			 * only if the names match too. */
			if (!holder_matches(d, &more[i].data.permit.holder,
			    m))
				continue;
			for (j = 0; j < n; j++)
				if (strcmp(d->permits[j].id, more[i].id) == 0)
					break;
			if (j == n)
				d->permits[n++] = more[i];
		}
	}
	*np = n;
	return 0;
}

/* The stays of the document's stay state into d->stays; their number.
 * None is 0 stays. */
static int
decide_stays(struct decide *d, const struct mrz *m, size_t *n)
{
	struct feed_entry	e;
	int			rc;

	rc = registry_find_stay_state(d->reg, m->issuing_state, m->number,
	    &e, d->stays, FEED_STAYS_MAX);
	if (rc == ERR_NOTFOUND) {
		*n = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	*n = e.data.stay_state.nstays;
	return 0;
}

static void
stay_fail(struct check_verdict *v, const struct stay_problem *why)
{
	(void)check_add_reason(v, "stay_unknown", CHECK_REFER,
	    "the days of stay cannot be worked out (%s); check the "
	    "traveller's stays by hand", stay_why_str(why->why));
}

/*
 * Permit days (docs/policy.md): days of presence a visa or permit covered
 * were under its rule, not the visa-free one, so they do not count in the
 * visa-free window. Writes d->stays[0..ns) less those days to d->split and
 * returns how many pieces there are. A permit covers its validity. One
 * with its own days of stay (a visa with stay_days, a permit whose policy
 * stay is "permit") covers, of a stay entered while it was valid, the
 * entry day and the days after it up to that number; days beyond are
 * visa-free days again. A piece that starts after covered days counts as
 * an entry (a per-entry cap starts again there).
 */
static size_t
decide_split(struct decide *d, size_t ns, size_t np)
{
	const struct feed_permit	*fp;
	const struct stay		*s;
	struct stay			 iv[PERMITS_MAX], t;
	size_t				 i, j, k, ni, out = 0;
	int64_t				 from, until, cur;
	int				 own;

	for (i = 0; i < ns; i++) {
		s = &d->stays[i];
		ni = 0;
		for (j = 0; j < np && ni < PERMITS_MAX; j++) {
			fp = &d->permits[j].data.permit;
			from = iso_day(fp->valid_from);
			until = iso_day(fp->valid_until);
			if (from == STAY_NONE || until == STAY_NONE ||
			    until < from)
				continue;
			own = fp->kind == POLICY_PERMIT_VISA ||
			    d->pol->permits[fp->kind].stay ==
			    POLICY_STAY_PERMIT;
			if (own && fp->stay_days != FEED_NULL &&
			    fp->stay_days > 0) {
				if (s->entry < from || s->entry > until)
					continue;
				from = s->entry;
				if (from + fp->stay_days - 1 < until)
					until = from + fp->stay_days - 1;
			}
			if (until < s->entry || from > s->exit)
				continue;
			iv[ni].entry = from;
			iv[ni].exit = until;
			ni++;
		}
		for (j = 1; j < ni; j++) {	/* by first day */
			t = iv[j];
			for (k = j; k > 0 && iv[k - 1].entry > t.entry; k--)
				iv[k] = iv[k - 1];
			iv[k] = t;
		}
		/* Covered days are finite: cur never passes STAY_OPEN. */
		cur = s->entry;
		for (j = 0; j < ni && cur <= s->exit; j++) {
			if (iv[j].exit < cur)
				continue;
			if (iv[j].entry > cur && out < SPLIT_MAX) {
				d->split[out].entry = cur;
				d->split[out].exit = iv[j].entry - 1 < s->exit ?
				    iv[j].entry - 1 : s->exit;
				out++;
			}
			cur = iv[j].exit + 1;
		}
		if (cur <= s->exit && out < SPLIT_MAX) {
			d->split[out].entry = cur;
			d->split[out].exit = s->exit;
			out++;
		}
	}
	return out;
}

static void
decide_visa_free_entry(struct decide *d, const struct policy_rule *rule,
    size_t ns, size_t np, int64_t today, struct check_verdict *v)
{
	struct stay_entry_result	 res;
	struct stay_problem		 why;
	struct check_reason		*r;

	/* The stays end before today: an exit missed or a same-day
	 * return is cut at yesterday (docs/decisions.md). */
	while (ns > 0 && d->stays[ns - 1].entry >= today)
		ns--;
	if (ns > 0 && d->stays[ns - 1].exit >= today)
		d->stays[ns - 1].exit = today - 1;
	ns = decide_split(d, ns, np);
	if (stay_calc_entry(&res, &rule->stay, d->split, ns, today, &why)
	    != 0) {
		stay_fail(v, &why);
		return;
	}
	if (res.allowed) {
		r = check_add_reason(v, "stay_days_used", CHECK_CLEAR,
		    "%d of %d days used in the last %d; may stay %d days, "
		    "to %s at the latest", res.days_used, rule->stay.max_days,
		    rule->stay.window_days, res.days_remaining, "");
		if (r != NULL) {
			day_str(res.latest_exit, r->last_day);
			r->days_used = res.days_used;
			r->days_remaining = res.days_remaining;
			(void)snprintf(r->message, sizeof(r->message),
			    "%d of %d days used in the %d days before today; "
			    "may stay %d days, to %s at the latest",
			    res.days_used, rule->stay.max_days,
			    rule->stay.window_days, res.days_remaining,
			    r->last_day);
		}
	} else {
		r = check_add_reason(v, "stay_not_allowed", CHECK_DENY,
		    "%d of %d days already used in the last %d days: no day "
		    "of stay is left", res.days_used, rule->stay.max_days,
		    rule->stay.window_days);
		if (r != NULL) {
			r->days_used = res.days_used;
			r->days_remaining = 0;
		}
	}
}

static void
overstay_reason(struct check_verdict *v, int64_t days, int64_t first,
    const char *what)
{
	struct check_reason	*r;
	char			 f[11];

	day_str(first, f);
	r = check_add_reason(v, "overstay", CHECK_REFER,
	    "overstayed %lld day%s (%s), from %s", (long long)days,
	    days == 1 ? "" : "s", what, f);
	if (r != NULL) {
		r->overstay_days = days;
		memcpy(r->first_overstay_day, f, sizeof(f));
	}
}

static void
decide_visa_free_exit(struct decide *d, const struct policy_rule *rule,
    size_t ns, size_t np, int64_t today, struct check_verdict *v)
{
	struct stay_control_result	 res;
	struct stay_problem		 why;
	struct check_reason		*r;

	/* Present today: the last stay lasts through today. */
	while (ns > 0 && d->stays[ns - 1].entry > today)
		ns--;
	if (ns > 0 && d->stays[ns - 1].exit >= today - 1 &&
	    d->stays[ns - 1].exit != STAY_OPEN)
		d->stays[ns - 1].exit = STAY_OPEN;
	else if (ns == 0 || d->stays[ns - 1].exit != STAY_OPEN) {
		d->stays[ns].entry = today;
		d->stays[ns].exit = STAY_OPEN;
		ns++;
	}
	ns = decide_split(d, ns, np);
	if (stay_calc_control(&res, &rule->stay, d->split, ns, today, &why)
	    != 0) {
		stay_fail(v, &why);
		return;
	}
	if (res.overstay_days > 0) {
		overstay_reason(v, res.overstay_days, res.first_overstay,
		    "beyond the visa-free days");
		return;
	}
	r = check_add_reason(v, "stay_days_used", CHECK_CLEAR,
	    "%d of %d days used in the last %d days, today included",
	    res.days_used, rule->stay.max_days, rule->stay.window_days);
	if (r != NULL)
		r->days_used = res.days_used;
}

static void
permit_valid_reason(struct check_verdict *v, const struct feed_entry *p,
    int64_t last)
{
	struct check_reason	*r;
	char			 ld[11];

	day_str(last, ld);
	r = check_add_reason(v, "permit_valid", CHECK_CLEAR,
	    "%s valid until %s: may stay to %s", policy_permit_name(
	    p->data.permit.kind), p->data.permit.valid_until, ld);
	if (r != NULL) {
		(void)snprintf(r->alert, sizeof(r->alert), "%s", p->id);
		memcpy(r->last_day, ld, sizeof(ld));
	}
}

static void
decide_stay(struct decide *d, const struct mrz *m, const struct
    policy_rule *rule, int64_t today, enum proto_direction dir,
    struct check_verdict *v, int *err)
{
	const struct feed_entry	*visa = NULL, *used = NULL, *perm = NULL;
	const struct feed_entry	*oldvisa = NULL, *oldperm = NULL;
	const struct feed_permit *fp;
	struct check_reason	*r;
	size_t			 np = 0, ns = 0, i;
	int64_t			 from, until, last, entry;
	int			 rc;

	if (decide_permits(d, m, &np, err) != 0 || *err != 0)
		return;
	for (i = 0; i < np; i++) {
		fp = &d->permits[i].data.permit;
		from = iso_day(fp->valid_from);
		until = iso_day(fp->valid_until);
		if (fp->kind == POLICY_PERMIT_VISA) {
			if (from <= today && today <= until) {
				if (dir == PROTO_ENTRY &&
				    fp->entries != FEED_NULL &&
				    fp->entries_used >= fp->entries)
					used = &d->permits[i];
				else
					visa = &d->permits[i];
			} else if (until < today && (oldvisa == NULL ||
			    until > iso_day(oldvisa->data.permit.valid_until)))
				oldvisa = &d->permits[i];
			continue;
		}
		/* Another permit counts only if it can stand for the visa
		 * when one is required. */
		if (rule->visa_required &&
		    !d->pol->permits[fp->kind].replaces_visa)
			continue;
		if (from <= today && today <= until)
			perm = &d->permits[i];
		else if (until < today && (oldperm == NULL ||
		    until > iso_day(oldperm->data.permit.valid_until)))
			oldperm = &d->permits[i];
	}
	if ((rc = decide_stays(d, m, &ns)) != 0) {
		*err = rc;
		return;
	}

	if (perm != NULL) {
		/* "unlimited": to the end of its validity; "permit": its own
		 * days per entry, if it has them. */
		last = iso_day(perm->data.permit.valid_until);
		if (d->pol->permits[perm->data.permit.kind].stay ==
		    POLICY_STAY_PERMIT && perm->data.permit.stay_days !=
		    FEED_NULL && today + perm->data.permit.stay_days - 1 <
		    last)
			last = today + perm->data.permit.stay_days - 1;
		permit_valid_reason(v, perm, last);
		return;
	}
	if (visa != NULL) {
		fp = &visa->data.permit;
		last = iso_day(fp->valid_until);
		entry = today;
		if (dir == PROTO_EXIT && ns > 0 &&
		    d->stays[ns - 1].exit == STAY_OPEN)
			entry = d->stays[ns - 1].entry;
		if (fp->stay_days != FEED_NULL &&
		    entry + fp->stay_days - 1 < last)
			last = entry + fp->stay_days - 1;
		if (dir == PROTO_EXIT && today > last) {
			overstay_reason(v, today - last, last + 1,
			    "beyond the visa's days of stay");
			return;
		}
		permit_valid_reason(v, visa, last);
		return;
	}
	if (used != NULL) {
		r = check_add_reason(v, "visa_entries_used_up", CHECK_DENY,
		    "the visa's entries are used up (%d of %d)",
		    used->data.permit.entries_used,
		    used->data.permit.entries);
		if (r != NULL)
			(void)snprintf(r->alert, sizeof(r->alert), "%s",
			    used->id);
		return;
	}
	if (rule->visa_required) {
		const struct feed_entry	*old;
		const char		*code;

		old = oldperm != NULL ? oldperm : oldvisa;
		if (oldperm != NULL && oldvisa != NULL &&
		    iso_day(oldvisa->data.permit.valid_until) >
		    iso_day(oldperm->data.permit.valid_until))
			old = oldvisa;
		if (dir == PROTO_EXIT && old != NULL) {
			until = iso_day(old->data.permit.valid_until);
			/* Entered after it ended: overstaying since the
			 * entry. No stay known: since it ended. */
			if (ns > 0 && d->stays[ns - 1].exit == STAY_OPEN &&
			    d->stays[ns - 1].entry > until)
				until = d->stays[ns - 1].entry - 1;
			overstay_reason(v, today - until, until + 1,
			    old == oldvisa ? "the visa expired" :
			    "the permit expired");
			return;
		}
		if (old == oldvisa && old != NULL)
			code = "visa_expired";
		else if (old != NULL)
			code = "permit_expired";
		else
			code = "visa_required_missing";
		if (old != NULL) {
			r = check_add_reason(v, code, dir == PROTO_ENTRY ?
			    CHECK_DENY : CHECK_REFER, "the %s expired on %s "
			    "and a visa is required",
			    policy_permit_name(old->data.permit.kind),
			    old->data.permit.valid_until);
			if (r != NULL)
				(void)snprintf(r->alert, sizeof(r->alert),
				    "%s", old->id);
		} else
			(void)check_add_reason(v, code, dir == PROTO_ENTRY ?
			    CHECK_DENY : CHECK_REFER, "a visa is required "
			    "and none is held");
		return;
	}
	if (dir == PROTO_ENTRY)
		decide_visa_free_entry(d, rule, ns, np, today, v);
	else
		decide_visa_free_exit(d, rule, ns, np, today, v);
}

static void
mrz_invalid(struct check_verdict *v, const struct mrz *m)
{
	const struct mrz_problem	*p = &m->report.err[0];
	size_t				 more;

	if (m->report.nerr == 0) {
		(void)check_add_reason(v, "mrz_invalid", CHECK_REFER,
		    "the MRZ is not a valid document; rescan it or inspect "
		    "the document");
		return;
	}
	more = m->report.nerr + m->report.dropped - 1;
	if (p->line > 0)
		(void)check_add_reason(v, "mrz_invalid", CHECK_REFER,
		    "the MRZ is not valid: line %d, column %d: %s%s; rescan "
		    "it or inspect the document", p->line, p->column,
		    p->message, more > 0 ? " (and more)" : "");
	else
		(void)check_add_reason(v, "mrz_invalid", CHECK_REFER,
		    "the MRZ is not valid: %s%s; rescan it or inspect the "
		    "document", p->message, more > 0 ? " (and more)" : "");
}

static void
fill_document(struct check_verdict *v, const struct mrz *m)
{
	struct proto_document	*doc = &v->doc;

	if (!m->birth_known || !m->expiry_known)
		return;
	if (snprintf(doc->type, sizeof(doc->type), "%s", m->document_code) >=
	    (int)sizeof(doc->type) ||
	    snprintf(doc->issuing_state, sizeof(doc->issuing_state), "%s",
	    m->issuing_state) >= (int)sizeof(doc->issuing_state) ||
	    snprintf(doc->number, sizeof(doc->number), "%s", m->number) >=
	    (int)sizeof(doc->number) ||
	    snprintf(doc->nationality, sizeof(doc->nationality), "%s",
	    m->nationality) >= (int)sizeof(doc->nationality) ||
	    snprintf(doc->surname, sizeof(doc->surname), "%s", m->surname) >=
	    (int)sizeof(doc->surname) ||
	    snprintf(doc->given_names, sizeof(doc->given_names), "%s",
	    m->given_names) >= (int)sizeof(doc->given_names) ||
	    date_format_iso(&m->birth, doc->birth_date,
	    sizeof(doc->birth_date)) != 0 ||
	    date_format_iso(&m->expiry, doc->expiry_date,
	    sizeof(doc->expiry_date)) != 0) {
		memset(doc, 0, sizeof(*doc));
		return;
	}
	doc->sex = m->sex;
	v->has_document = 1;
}

/* Never applied, or applied longer than the configured age ago. */
static int
feed_stale(const struct decide *d, int64_t applied, int64_t now_ms)
{
	return applied == 0 || now_ms - applied > d->max_age;
}

int
decide_feed_stale(struct decide *d, int64_t now_ms, int64_t *age_ms)
{
	int64_t	applied;
	int	rc;

	if ((rc = registry_cursor(d->reg, NULL, &applied)) != 0)
		return rc;
	if (age_ms != NULL)
		*age_ms = applied == 0 ? -1 : now_ms - applied;
	return feed_stale(d, applied, now_ms);
}

int64_t
decide_feed_max_age(const struct decide *d)
{
	return d->max_age;
}

int
decide_check(struct decide *d, const struct check_request *req,
    int64_t now_ms, struct check_verdict *v)
{
	struct mrz			 m;
	struct policy_match		 pm;
	struct feed_entry		 da[DOCALERTS_MAX];
	struct check_reason		*r;
	struct date			 td;
	uint64_t			 cursor;
	int64_t				 applied, today, exp;
	size_t				 n, i;
	int				 rc, err = 0, citizen = 0, haspol;

	memset(v, 0, sizeof(*v));
	memcpy(v->post, d->post, sizeof(v->post));
	v->verdict = CHECK_CLEAR;
	v->decided_at = now_ms;
	v->direction = req->direction;
	v->lane = req->lane;
	memcpy(v->officer, req->officer, sizeof(v->officer));

	/* What the decision is made with: the feed and the policy. */
	if ((rc = registry_cursor(d->reg, &cursor, &applied)) != 0)
		return rc;
	v->feed_version = cursor;
	v->feed_applied_at = applied;
	rc = decide_policy(d);
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	haspol = rc == 0;
	if (haspol)
		(void)snprintf(v->policy_version, sizeof(v->policy_version),
		    "%s", d->pol->version);
	today = now_ms / MS_PER_DAY;
	if (haspol)
		today = (now_ms / 1000 + tz_offset(&d->tz, now_ms / 1000)) /
		    86400;
	day_str(today, v->day);
	date_from_days(today, &td);

	if (feed_stale(d, applied, now_ms)) {
		v->feed_stale = 1;
		if (applied == 0)
			(void)check_add_reason(v, "feed_stale", CHECK_CLEAR,
			    "this post has never received the feed: alerts, "
			    "visas and stays may be missing");
		else
			(void)check_add_reason(v, "feed_stale", CHECK_CLEAR,
			    "the feed is %lld hours old (over %lld): recent "
			    "alerts, visas and stays may be missing",
			    (long long)((now_ms - applied) / 3600000),
			    (long long)(d->max_age / 3600000));
	}
	if (!haspol)
		(void)check_add_reason(v, "policy_missing", CHECK_REFER,
		    "this post has no stay policy yet: visa and stay rules "
		    "cannot be decided");
	else if (!d->tz.ok)
		(void)check_add_reason(v, "timezone_unknown", CHECK_CLEAR,
		    "the policy's time zone %s is not installed here: days "
		    "are counted in UTC", d->pol->timezone);

	if (mrz_parse(&m, req->mrz, req->mrz_len, &td) != 0) {
		mrz_invalid(v, &m);
		return 0;
	}
	fill_document(v, &m);

	if (haspol) {
		if (policy_rule_for(d->pol, m.nationality, &td, &pm) != 0) {
			haspol = 0;
			(void)check_add_reason(v, "stay_unknown", CHECK_REFER,
			    "the nationality code cannot be looked up in the "
			    "policy");
		} else if (pm.source == POLICY_CITIZEN) {
			citizen = 1;
			(void)check_add_reason(v, "citizen", CHECK_CLEAR,
			    "citizen (%s): recorded, no stay rules",
			    pm.nationality);
		}
	}

	/* The document itself. */
	if (m.expiry_known) {
		exp = date_to_days(&m.expiry);
		if (exp < today) {
			r = check_add_reason(v, "document_expired",
			    citizen && req->direction == PROTO_ENTRY ?
			    CHECK_REFER : CHECK_DENY,
			    "the document expired on %s%s", v->doc.expiry_date,
			    citizen && req->direction == PROTO_ENTRY ?
			    "; a citizen may not be refused entry: establish "
			    "identity" : "");
			if (r != NULL)
				day_str(exp, r->last_day);
		}
	}
	rc = registry_find_document_alerts(d->reg, m.issuing_state, m.number,
	    da, DOCALERTS_MAX, &n);
	if (rc == ERR_TOOBIG)
		n = DOCALERTS_MAX;
	else if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		const struct feed_document_alert *a =
		    &da[i].data.document_alert;
		char	code[CHECK_CODE_MAX + 1];

		(void)snprintf(code, sizeof(code), "document_alert_%s",
		    feed_reason_str(a->reason));
		r = check_add_reason(v, code, CHECK_DENY,
		    "the document was reported %s on %s",
		    feed_reason_str(a->reason), a->since);
		if (r != NULL)
			(void)snprintf(r->alert, sizeof(r->alert), "%s",
			    da[i].id);
	}

	/* The person. */
	decide_watchlist(d, &m, today, req->direction, v, &err);
	if (err != 0)
		return err;
	if (haspol && !citizen) {
		decide_stay(d, &m, pm.rule, today, req->direction, v, &err);
		if (err != 0)
			return err;
	}
	return 0;
}
