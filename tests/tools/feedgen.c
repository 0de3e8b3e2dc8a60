/* feedgen - synthetic feed batches for tests and benchmarks: N document
 * alerts, person alerts, permits, stay states and officers (and optionally
 * a policy and deletes), deterministic for a seed, cut into batches at
 * consecutive positions and applied to a post's registry through
 * registry_apply_batch() (the path the feed takes) or written as JSON
 * lines (one canonical batch per line), with the time each phase took.
 *
 * What is generated, so a benchmark can find it again (i counts from 0 in
 * each kind; S is one of KAZ RUS KGZ UZB CHN DEU USA TUR IND TJK, the
 * (i mod 10)-th):
 *   document alert i  id "da-<i>", document S "D<i, 8 digits>"
 *   person alert i    id "pa-<i>"; surname from 2-3 syllables and an
 *                     ending (about a million spellings), one in eight
 *                     typed in Cyrillic; birth date full, YYYY-MM or YYYY
 *   permit i          id "pm-<i>", holder document S "P<i, 8 digits>",
 *                     nationality S
 *   stay state i      id "ss-<i>", person document S "S<i, 8 digits>",
 *                     1..4 stays in the 180 days before 2026-11-01
 *   officer i         id "OF<i, 5 digits>"; the PIN hash is synthetic
 *                     (a well-formed PHC string no PIN matches)
 * The seed changes the content, never the ids or document numbers: a
 * second run with another seed is a batch of updates to the same records.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "err.h"
#include "feed.h"
#include "log.h"
#include "policy.h"
#include "registry.h"
#include "stay.h"

#define NSTATES		10
#define STAYS_PER	4
#define ENC_MAX		((size_t)32 << 20)

enum gkind {
	G_POLICY,
	G_OFFICER,
	G_DOC,
	G_PERSON,
	G_PERMIT,
	G_STAY,
	G_KINDS
};

static const char *const states[NSTATES] = {
	"KAZ", "RUS", "KGZ", "UZB", "CHN", "DEU", "USA", "TUR", "IND", "TJK"
};

/* Syllables and endings of surnames, Latin and Cyrillic side by side. */
static const char *const syl[][2] = {
	{ "A", "А" }, { "BA", "БА" }, { "BE", "БЕ" }, { "BO", "БО" },
	{ "DA", "ДА" }, { "DI", "ДИ" }, { "ZHA", "ЖА" }, { "ZHU", "ЖУ" },
	{ "KA", "КА" }, { "KE", "КЕ" }, { "KU", "КУ" }, { "LA", "ЛА" },
	{ "MA", "МА" }, { "MU", "МУ" }, { "NA", "НА" }, { "NU", "НУ" },
	{ "OR", "ОР" }, { "RA", "РА" }, { "SA", "СА" }, { "SE", "СЕ" },
	{ "TA", "ТА" }, { "TO", "ТО" }, { "TU", "ТУ" }, { "YE", "Е" },
	{ "ER", "ЕР" }, { "AS", "АС" }, { "AL", "АЛ" }, { "AK", "АК" },
	{ "BEK", "БЕК" }, { "MAR", "МАР" }, { "NUR", "НУР" },
	{ "SAL", "САЛ" }, { "TAL", "ТАЛ" }, { "KUL", "КУЛ" },
	{ "BAY", "БАЙ" }, { "ZHAN", "ЖАН" }, { "KHA", "ХА" },
	{ "SHA", "ША" }, { "GUL", "ГУЛ" }, { "OM", "ОМ" }
};
static const char *const ending[][2] = {
	{ "OV", "ОВ" }, { "OVA", "ОВА" }, { "EV", "ЕВ" }, { "EVA", "ЕВА" },
	{ "IN", "ИН" }, { "INA", "ИНА" }, { "ENKO", "ЕНКО" },
	{ "ULY", "УЛЫ" }, { "KYZY", "КЫЗЫ" }, { "BEKOV", "БЕКОВ" },
	{ "BAEV", "БАЕВ" }, { "", "" }, { "UK", "УК" }, { "YAN", "ЯН" }
};
static const char *const given[][2] = {
	{ "ASKAR", "АСКАР" }, { "AIGERIM", "АЙГЕРИМ" },
	{ "DANIYAR", "ДАНИЯР" }, { "GULNARA", "ГУЛЬНАРА" },
	{ "ERLAN", "ЕРЛАН" }, { "OLGA", "ОЛЬГА" }, { "TIMUR", "ТИМУР" },
	{ "MARAT", "МАРАТ" }, { "SAULE", "САУЛЕ" }, { "NURLAN", "НУРЛАН" },
	{ "IVAN", "ИВАН" }, { "ANNA", "АННА" }, { "SERGEI", "СЕРГЕЙ" },
	{ "ELENA", "ЕЛЕНА" }, { "BOBUR", "БОБУР" }, { "DILNOZA", "ДИЛНОЗА" }
};
static const char *const patronymic[][2] = {
	{ "BOLATOVICH", "БОЛАТОВИЧ" }, { "SERIKOVNA", "СЕРИКОВНА" },
	{ "IVANOVICH", "ИВАНОВИЧ" }, { "PETROVNA", "ПЕТРОВНА" }
};
static const char *const sources[] = {
	"court order", "Ministry of Internal Affairs", "Interpol notice",
	"National Security Committee", "Migration Service"
};
static const char *const regions[] = {
	"ALA", "AST", "SHY", "Almaty region", "Mangystau region", "Turkistan"
};
static const char *const employers[] = {
	"Almaty Metro LLP", "KazStroy JSC", "Tengiz Oil LLP", "ТОО Береке"
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct gen {
	uint64_t	 seed;
	uint64_t	 want[G_KINDS], made[G_KINDS];
	uint64_t	 deletes, deleted;
	uint64_t	 delcursor;	/* next (kind, index) to delete */
	uint64_t	 most;		/* the largest want[] of a bulk kind */
	int		 next;		/* round robin over the bulk kinds */
	const char	*policy;	/* text, or NULL */
	size_t		 policy_len;
	char		 policy_version[FEED_POLICY_VERSION_MAX + 1];
};

static struct feed_entry	entries[FEED_BATCH_MAX];
static struct stay		stays[FEED_BATCH_MAX][STAYS_PER];
static struct feed_entry	decoded[FEED_BATCH_MAX];

static uint64_t
mix(uint64_t x)
{
	/* splitmix64 finaliser */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t
rnd(const struct gen *g, int kind, uint64_t i, int salt)
{
	return mix(mix(g->seed * 1000003ULL + (uint64_t)kind) ^ mix(i) ^
	    (uint64_t)salt * 0x5851f42d4c957f2dULL);
}

static void
iso(int64_t day, char *buf, size_t bufsz)
{
	struct date	d;

	date_from_days(day, &d);
	if (date_format_iso(&d, buf, bufsz) != 0)
		buf[0] = '\0';
}

static int64_t
day_of(int y, int m, int d)
{
	struct date	x = { y, m, d };

	return date_to_days(&x);
}

/* Appends s to dst (size sz); cut if it would not fit. */
static void
cat(char *dst, size_t sz, const char *s)
{
	size_t	n = strlen(dst), k = strlen(s);

	if (n + k >= sz)
		return;
	memcpy(dst + n, s, k + 1);
}

static void
surname(char *dst, size_t sz, uint64_t r)
{
	int	cyr = (r & 7) == 0;
	size_t	i, nsyl = 2 + ((r >> 3) & 1);

	dst[0] = '\0';
	for (i = 0; i < nsyl; i++)
		cat(dst, sz, syl[(r >> (4 + 6 * i)) % NELEM(syl)][cyr]);
	cat(dst, sz, ending[(r >> 24) % NELEM(ending)][cyr]);
}

static void
given_names(char *dst, size_t sz, uint64_t r, int cyr)
{
	dst[0] = '\0';
	if ((r % 20) == 0)
		return;			/* none */
	cat(dst, sz, given[(r >> 5) % NELEM(given)][cyr]);
	if ((r >> 9) % 10 < 3) {
		cat(dst, sz, " ");
		cat(dst, sz, patronymic[(r >> 13) % NELEM(patronymic)][cyr]);
	}
}

/* A birth date between 1940 and 2007. */
static int64_t
birth_day(uint64_t r)
{
	return day_of(1940, 1, 1) + (int64_t)(r % (68 * 365));
}

static void
mk_policy(struct gen *g, struct feed_entry *e)
{
	e->kind = FEED_POLICY;
	(void)snprintf(e->id, sizeof(e->id), "policy");
	(void)snprintf(e->data.policy.version,
	    sizeof(e->data.policy.version), "%s", g->policy_version);
	e->data.policy.yaml = g->policy;
	e->data.policy.yaml_len = g->policy_len;
}

static void
mk_officer(struct gen *g, uint64_t i, struct feed_entry *e)
{
	struct feed_officer	*o = &e->data.officer;
	uint64_t		 r = rnd(g, G_OFFICER, i, 0);
	char			 g1[48], s1[48];

	e->kind = FEED_OFFICER;
	(void)snprintf(e->id, sizeof(e->id), "OF%05" PRIu64, i);
	(void)snprintf(o->id, sizeof(o->id), "%s", e->id);
	given_names(g1, sizeof(g1), r | 1, 0);
	surname(s1, sizeof(s1), (r >> 20) | 1);
	(void)snprintf(o->name, sizeof(o->name), "%s %s",
	    g1[0] != '\0' ? g1 : "OFFICER", s1);
	(void)snprintf(o->pin_hash, sizeof(o->pin_hash),
	    "$argon2id$v=19$m=65536,t=3,p=4$%016" PRIx64 "$%016" PRIx64
	    "%016" PRIx64, r, mix(r), mix(r + 1));
	o->active = (r >> 40) % 20 != 0;
}

static void
mk_doc(struct gen *g, uint64_t i, struct feed_entry *e)
{
	struct feed_document_alert	*a = &e->data.document_alert;
	uint64_t			 r = rnd(g, G_DOC, i, 0);

	e->kind = FEED_DOCUMENT_ALERT;
	(void)snprintf(e->id, sizeof(e->id), "da-%" PRIu64, i);
	(void)snprintf(a->issuing_state, sizeof(a->issuing_state), "%s",
	    states[i % NSTATES]);
	(void)snprintf(a->number, sizeof(a->number), "D%08" PRIu64, i);
	a->reason = (enum feed_reason)(1 + r % 4);
	iso(day_of(2015, 1, 1) + (int64_t)((r >> 8) % 4000), a->since,
	    sizeof(a->since));
}

static void
mk_person(struct gen *g, uint64_t i, struct feed_entry *e)
{
	struct feed_person_alert	*a = &e->data.person_alert;
	uint64_t			 r = rnd(g, G_PERSON, i, 0);
	uint64_t			 r2 = rnd(g, G_PERSON, i, 1);
	char				 d[FEED_DATE_LEN + 1];

	e->kind = FEED_PERSON_ALERT;
	(void)snprintf(e->id, sizeof(e->id), "pa-%" PRIu64, i);
	a->kind = r % 10 < 7 ? FEED_ENTRY_BAN : r % 10 < 8 ? FEED_EXIT_BAN :
	    FEED_WANTED;
	surname(a->surname, sizeof(a->surname), r2);
	given_names(a->given_names, sizeof(a->given_names), r >> 8,
	    (r2 & 7) == 0);
	iso(birth_day(r >> 20), d, sizeof(d));
	switch ((r >> 50) % 10) {
	case 0:
		d[4] = '\0';		/* year only */
		break;
	case 1:
		d[7] = '\0';		/* year and month */
		break;
	}
	(void)snprintf(a->birth_date, sizeof(a->birth_date), "%s", d);
	(void)snprintf(a->nationality, sizeof(a->nationality), "%s",
	    (r >> 54) % 20 == 0 ? "" : states[(r >> 40) % NSTATES]);
	a->until[0] = '\0';
	if (a->kind == FEED_ENTRY_BAN && (r >> 44) % 5 != 0)
		iso(day_of(2026, 1, 1) + (int64_t)((r >> 30) % 3650),
		    a->until, sizeof(a->until));
	a->severity = 1 + (int)((r >> 58) % FEED_SEVERITY_MAX);
	(void)snprintf(a->source, sizeof(a->source), "%s",
	    sources[(r2 >> 40) % NELEM(sources)]);
}

static void
mk_permit(struct gen *g, uint64_t i, struct feed_entry *e)
{
	struct feed_permit	*p = &e->data.permit;
	uint64_t		 r = rnd(g, G_PERMIT, i, 0);
	uint64_t		 r2 = rnd(g, G_PERMIT, i, 1);
	int64_t			 from;
	int			 k = (int)(r % 20);

	e->kind = FEED_PERMIT;
	(void)snprintf(e->id, sizeof(e->id), "pm-%" PRIu64, i);
	p->kind = k < 10 ? POLICY_PERMIT_VISA : k < 16 ? POLICY_PERMIT_WORK :
	    k < 18 ? POLICY_PERMIT_RESIDENCE : k == 18 ?
	    POLICY_PERMIT_REPATRIATE : (r >> 5) & 1 ? POLICY_PERMIT_REFUGEE :
	    POLICY_PERMIT_ASYLUM;
	(void)snprintf(p->holder.issuing_state,
	    sizeof(p->holder.issuing_state), "%s", states[i % NSTATES]);
	(void)snprintf(p->holder.number, sizeof(p->holder.number),
	    "P%08" PRIu64, i);
	(void)snprintf(p->holder.nationality, sizeof(p->holder.nationality),
	    "%s", states[i % NSTATES]);
	surname(p->holder.surname, sizeof(p->holder.surname), r2 | 1);
	given_names(p->holder.given_names, sizeof(p->holder.given_names),
	    r >> 8, 0);
	iso(birth_day(r >> 20), p->holder.birth_date,
	    sizeof(p->holder.birth_date));
	from = day_of(2025, 1, 1) + (int64_t)((r >> 36) % 700);
	iso(from, p->valid_from, sizeof(p->valid_from));
	p->entries = FEED_NULL;
	p->entries_used = 0;
	p->stay_days = FEED_NULL;
	p->employer[0] = p->region[0] = '\0';
	if (p->kind == POLICY_PERMIT_VISA) {
		iso(from + 29 + (int64_t)((r >> 46) % 335), p->valid_until,
		    sizeof(p->valid_until));
		p->entries = (r >> 50) % 3 == 0 ? FEED_NULL :
		    1 + (int32_t)((r >> 52) % 2);
		p->entries_used = (int32_t)((r >> 54) % 2);
		p->stay_days = (r >> 56) % 2 ? 30 : 90;
	} else {
		iso(from + 364 + (int64_t)((r >> 46) % 730), p->valid_until,
		    sizeof(p->valid_until));
		(void)snprintf(p->region, sizeof(p->region), "%s",
		    regions[(r >> 56) % NELEM(regions)]);
		if (p->kind == POLICY_PERMIT_WORK)
			(void)snprintf(p->employer, sizeof(p->employer), "%s",
			    employers[(r2 >> 40) % NELEM(employers)]);
	}
}

static void
mk_stay(struct gen *g, uint64_t i, struct feed_entry *e, struct stay *st)
{
	struct feed_stay_state	*s = &e->data.stay_state;
	uint64_t		 r = rnd(g, G_STAY, i, 0);
	int64_t			 day = day_of(2026, 11, 1) - 180;
	size_t			 k, n = 1 + r % STAYS_PER;

	e->kind = FEED_STAY_STATE;
	(void)snprintf(e->id, sizeof(e->id), "ss-%" PRIu64, i);
	(void)snprintf(s->person.issuing_state,
	    sizeof(s->person.issuing_state), "%s", states[i % NSTATES]);
	(void)snprintf(s->person.number, sizeof(s->person.number),
	    "S%08" PRIu64, i);
	(void)snprintf(s->person.nationality, sizeof(s->person.nationality),
	    "%s", states[i % NSTATES]);
	iso(birth_day(r >> 20), s->person.birth_date,
	    sizeof(s->person.birth_date));
	/* Stays of 1..30 days, 1..15 days apart, within the window. */
	for (k = 0; k < n; k++) {
		day += 1 + (int64_t)((r >> (4 + 8 * k)) % 15);
		st[k].entry = day;
		day += (int64_t)((r >> (8 + 8 * k)) % 30);
		st[k].exit = day;
		day++;
	}
	if ((r >> 40) % 3 == 0)
		st[n - 1].exit = STAY_OPEN;
	s->nstays = n;
	s->stays = st;
	(void)snprintf(s->rule, sizeof(s->rule), "%s",
	    (r >> 44) % 4 == 0 ? "" : "90/180");
}

/* The next entry, or 0 when all are made. */
static int
gen_next(struct gen *g, struct feed_entry *e, struct stay *st)
{
	static const enum feed_kind kinds[G_KINDS] = {
		FEED_POLICY, FEED_OFFICER, FEED_DOCUMENT_ALERT,
		FEED_PERSON_ALERT, FEED_PERMIT, FEED_STAY_STATE
	};
	static const char *const pfx[] = { "da", "pa", "pm", "ss" };
	uint64_t	i, j;
	int		k, tries;

	memset(e, 0, sizeof(*e));
	e->op = FEED_UPSERT;
	for (k = G_POLICY; k <= G_OFFICER; k++) {
		if (g->made[k] < g->want[k]) {
			i = g->made[k]++;
			if (k == G_POLICY)
				mk_policy(g, e);
			else
				mk_officer(g, i, e);
			return 1;
		}
	}
	for (tries = 0; tries < G_KINDS - G_DOC; tries++) {
		k = G_DOC + (g->next++ % (G_KINDS - G_DOC));
		if (g->made[k] >= g->want[k])
			continue;
		i = g->made[k]++;
		switch (k) {
		case G_DOC:
			mk_doc(g, i, e);
			break;
		case G_PERSON:
			mk_person(g, i, e);
			break;
		case G_PERMIT:
			mk_permit(g, i, e);
			break;
		default:
			mk_stay(g, i, e, st);
			break;
		}
		return 1;
	}
	/* Deletes: the first ids of each bulk kind, in turn. */
	while (g->deleted < g->deletes &&
	    g->delcursor < (G_KINDS - G_DOC) * g->most) {
		j = g->delcursor++;
		k = G_DOC + (int)(j % (G_KINDS - G_DOC));
		i = j / (G_KINDS - G_DOC);
		if (i >= g->want[k])
			continue;
		e->op = FEED_DELETE;
		e->kind = kinds[k];
		(void)snprintf(e->id, sizeof(e->id), "%s-%" PRIu64,
		    pfx[k - G_DOC], i);
		g->deleted++;
		return 1;
	}
	return 0;
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The whole of a file, NUL-terminated; NULL on failure (reported). */
static char *
slurp(const char *path, size_t max, size_t *len)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "feedgen: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(max + 2)) == NULL) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, max + 1, fp);
	fclose(fp);
	if (n > max) {
		fprintf(stderr, "feedgen: %s: over %zu bytes\n", path, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: feedgen (--registry FILE | --out FILE) [--seed S]\n"
	    "               [--batch N] [--document-alerts N]\n"
	    "               [--person-alerts N] [--permits N]\n"
	    "               [--stay-states N] [--officers N]\n"
	    "               [--policy FILE] [--deletes N] [--from POS]\n"
	    "               [--via-json] [--quiet]\n"
	    "Generates the records asked for (deterministic for the seed,\n"
	    "default 1), then --deletes deletes of the first of them, in\n"
	    "batches of --batch entries (default and at most 5000) at\n"
	    "consecutive positions from --from (default: the registry's\n"
	    "cursor, or 0). --registry applies each batch to the post's\n"
	    "registry in FILE (created if new); --via-json encodes and\n"
	    "decodes each batch first, as the feed does. --out writes each\n"
	    "batch as one line of JSON (\"-\" is standard output). Prints\n"
	    "the time each phase took to standard error.\n");
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "registry", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "document-alerts", required_argument, NULL, 'D' },
		{ "person-alerts", required_argument, NULL, 'P' },
		{ "permits", required_argument, NULL, 'M' },
		{ "stay-states", required_argument, NULL, 'S' },
		{ "officers", required_argument, NULL, 'O' },
		{ "policy", required_argument, NULL, 'y' },
		{ "deletes", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "via-json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const uint64_t	 lim = 100000000;	/* per kind */
	struct gen		 g;
	struct registry		*reg = NULL;
	struct feed_batch	 b, d;
	struct proto_error	 err;
	struct policy		*pol;
	const char		*regpath = NULL, *outpath = NULL;
	const char		*polpath = NULL;
	char			*enc = NULL, *poltext = NULL;
	FILE			*ofp = NULL;
	uint64_t		 batch = FEED_BATCH_MAX, from = 0, pos, total;
	uint64_t		 nbatches = 0, bytes = 0, nentries = 0;
	size_t			 n, len;
	double			 t0, t, t_gen = 0, t_json = 0, t_apply = 0;
	int			 ch, have_from = 0, via_json = 0, quiet = 0;
	int			 rc, more = 1, status = 1, li = 0, k;

	memset(&g, 0, sizeof(g));
	g.seed = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		switch (ch) {
		case 'r':
			regpath = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'y':
			polpath = optarg;
			break;
		case 's':
			if (parse_u64(optarg, UINT64_MAX, &g.seed) != 0)
				goto badarg;
			break;
		case 'b':
			if (parse_u64(optarg, FEED_BATCH_MAX, &batch) != 0 ||
			    batch == 0)
				goto badarg;
			break;
		case 'D':
			if (parse_u64(optarg, lim, &g.want[G_DOC]) != 0)
				goto badarg;
			break;
		case 'P':
			if (parse_u64(optarg, lim, &g.want[G_PERSON]) != 0)
				goto badarg;
			break;
		case 'M':
			if (parse_u64(optarg, lim, &g.want[G_PERMIT]) != 0)
				goto badarg;
			break;
		case 'S':
			if (parse_u64(optarg, lim, &g.want[G_STAY]) != 0)
				goto badarg;
			break;
		case 'O':
			if (parse_u64(optarg, 99999, &g.want[G_OFFICER]) != 0)
				goto badarg;
			break;
		case 'd':
			if (parse_u64(optarg, 4 * lim, &g.deletes) != 0)
				goto badarg;
			break;
		case 'f':
			if (parse_u64(optarg, FEED_POS_MAX / 2, &from) != 0)
				goto badarg;
			have_from = 1;
			break;
		case 'j':
			via_json = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (regpath == NULL && outpath == NULL)) {
		usage(stderr);
		return 2;
	}
	log_init("feedgen", LOGL_WARN);

	if (polpath != NULL) {
		if ((poltext = slurp(polpath, FEED_YAML_MAX, &len)) == NULL)
			return 1;
		if (policy_load_buf(&pol, polpath, (const uint8_t *)poltext,
		    len, stderr) != 0)
			return 1;
		(void)snprintf(g.policy_version, sizeof(g.policy_version),
		    "%s", pol->version);
		policy_free(pol);
		g.policy = poltext;
		g.policy_len = len;
		g.want[G_POLICY] = 1;
	}
	if (regpath != NULL) {
		if ((rc = registry_open(&reg, regpath, NULL, NULL)) != 0) {
			fprintf(stderr, "feedgen: %s: %s\n", regpath,
			    err_str(rc));
			return 1;
		}
		if (!have_from && (rc = registry_cursor(reg, &from,
		    NULL)) != 0) {
			fprintf(stderr, "feedgen: %s: %s\n", regpath,
			    err_str(rc));
			goto done;
		}
	}
	if (outpath != NULL) {
		if (strcmp(outpath, "-") == 0)
			ofp = stdout;
		else if ((ofp = fopen(outpath, "w")) == NULL) {
			fprintf(stderr, "feedgen: %s: %s\n", outpath,
			    strerror(errno));
			goto done;
		}
	}
	if ((outpath != NULL || via_json) &&
	    (enc = malloc(ENC_MAX)) == NULL) {
		fprintf(stderr, "feedgen: out of memory\n");
		goto done;
	}
	for (k = G_DOC; k < G_KINDS; k++)
		if (g.want[k] > g.most)
			g.most = g.want[k];
	total = g.want[G_POLICY] + g.want[G_OFFICER] + g.want[G_DOC] +
	    g.want[G_PERSON] + g.want[G_PERMIT] + g.want[G_STAY] + g.deletes;

	t0 = now_s();
	pos = from;
	while (more) {
		t = now_s();
		for (n = 0; n < batch; n++) {
			if (!(more = gen_next(&g, &entries[n], stays[n])))
				break;
			entries[n].pos = pos + n + 1;
		}
		t_gen += now_s() - t;
		if (n == 0)
			break;
		memset(&b, 0, sizeof(b));
		b.from = pos;
		b.to = pos + n;
		b.n = n;
		b.entries = entries;
		pos += n;

		if (enc != NULL) {
			t = now_s();
			if ((rc = feed_encode_batch(&b, enc, ENC_MAX,
			    &len)) != 0) {
				fprintf(stderr, "feedgen: batch (%" PRIu64
				    ", %" PRIu64 "]: encode: %s\n", b.from,
				    b.to, err_str(rc));
				goto done;
			}
			bytes += len;
			if (via_json && reg != NULL) {
				memset(&d, 0, sizeof(d));
				d.entries = decoded;
				if ((rc = feed_decode_batch(&d, FEED_BATCH_MAX,
				    (const uint8_t *)enc, len, &err)) != 0) {
					fprintf(stderr, "feedgen: decode: "
					    "%s: %s\n", err.field,
					    err.message);
					goto done;
				}
			}
			t_json += now_s() - t;
			if (ofp != NULL && (fwrite(enc, 1, len, ofp) != len ||
			    fputc('\n', ofp) == EOF)) {
				fprintf(stderr, "feedgen: %s: %s\n", outpath,
				    strerror(errno));
				goto done;
			}
		}
		if (reg != NULL) {
			t = now_s();
			rc = registry_apply_batch(reg, via_json ? &d : &b,
			    &err);
			t_apply += now_s() - t;
			if (via_json)
				feed_batch_reset(&d);
			if (rc != 0) {
				fprintf(stderr, "feedgen: batch (%" PRIu64
				    ", %" PRIu64 "]: %s: %s: %s\n", b.from,
				    b.to, err_str(rc), err.field, err.message);
				goto done;
			}
		}
		nbatches++;
		nentries += n;
		if (!quiet && total >= 20 * batch &&
		    nbatches % (total / batch / 10 + 1) == 0)
			fprintf(stderr, "feedgen: %" PRIu64 "/%" PRIu64
			    " entries, %.1f s\n", nentries, total,
			    now_s() - t0);
	}
	t = now_s() - t0;
	fprintf(stderr, "feedgen: %" PRIu64 " entries in %" PRIu64 " batches "
	    "(%" PRIu64 ", %" PRIu64 "]; generate %.2f s", nentries, nbatches,
	    from, pos, t_gen);
	if (enc != NULL)
		fprintf(stderr, ", JSON %" PRIu64 " bytes %s %.2f s", bytes,
		    via_json && reg != NULL ? "encoded and decoded in" :
		    "encoded in", t_json);
	if (reg != NULL)
		fprintf(stderr, ", apply %.2f s (%.0f entries/s)", t_apply,
		    t_apply > 0 ? (double)nentries / t_apply : 0.0);
	fprintf(stderr, "; total %.2f s\n", t);
	status = 0;
 done:
	if (ofp != NULL && ofp != stdout && fclose(ofp) != 0) {
		fprintf(stderr, "feedgen: %s: %s\n", outpath, strerror(errno));
		status = 1;
	}
	registry_close(reg);
	free(enc);
	free(poltext);
	return status;
 badarg:
	fprintf(stderr, "feedgen: bad value for --%s: \"%s\"\n",
	    opts[li].name, optarg);
	usage(stderr);
	return 2;
}
