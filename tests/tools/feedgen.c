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
 *   person alert i    id "pa-<i>"; a realistic name (below), typed in
 *                     its own alphabet or in Latin; nationality of its
 *                     group (one in twenty unknown); birth date
 *                     1940-2007, full (8 in 10), YYYY-MM or YYYY
 *   permit i          id "pm-<i>", holder document S "P<i, 8 digits>",
 *                     nationality S, a realistic name in Latin as the
 *                     document writes it
 *   stay state i      id "ss-<i>", person document S "S<i, 8 digits>",
 *                     1..4 stays in the 180 days before 2026-11-01
 *   officer i         id "OF<i, 5 digits>"; the PIN hash is synthetic
 *                     (a well-formed PHC string no PIN matches)
 * The seed changes the content, never the ids or document numbers: a
 * second run with another seed is a batch of updates to the same records.
 *
 * Names. Real name distributions are skewed, and a blocking key's load
 * follows them, so the names are drawn the way they occur: a person
 * belongs to one of 13 groups of the region (per mille: Kazakh 330,
 * Russian 250, Uzbek 100, Ukrainian, Kyrgyz, Tajik 50 each, Tatar 40,
 * Azerbaijani 30, Turkish 25, Korean, German, Chinese 20 each, Belarusian
 * 15) with the name stock of the labelled set (tests/data/namematch/
 * names.py, turned into tests/tools/feedgen_names.h by
 * feedgen_names.py). The surname is one of the group's listed ones (35-40 %
 * of persons; Korean 95 %: KIM, LI, PAK...; German, Turkish, Chinese
 * always) drawn Zipf-Mandelbrot by list rank, p(r) ~ 1/(r + 5), so the
 * first listed (ZHUMABAEV, IVANOV in the published Russian ranking) is
 * 5-7 % of its group's listed surnames; the others get a rare surname
 * from 2-3 syllables and an ending of their sex (about a million
 * spellings: the long tail). Given names and patronymics (3 in 10; none 1
 * in 20) are drawn from the group's lists with p(r) ~ 1/(r + 3); their
 * list order is not a measured ranking. Over 1,000,000 alerts the most
 * common surname (one spelling) is about 0.3 % of them. Feminine forms
 * (-OVA, -SKAIA, -KYZY) go with the person's sex. Cyrillic groups type
 * half their alerts natively (Жұмабаев), half transliterated.
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
#include "translit.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#include "feedgen_names.h"

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
/* Endings of a man's and of a woman's surname, side by side. */
static const char *const ending[][2][2] = {
	{ { "OV", "ОВ" }, { "OVA", "ОВА" } },
	{ { "EV", "ЕВ" }, { "EVA", "ЕВА" } },
	{ { "IN", "ИН" }, { "INA", "ИНА" } },
	{ { "ENKO", "ЕНКО" }, { "ENKO", "ЕНКО" } },
	{ { "ULY", "УЛЫ" }, { "KYZY", "КЫЗЫ" } },
	{ { "BEKOV", "БЕКОВ" }, { "BEKOVA", "БЕКОВА" } },
	{ { "BAEV", "БАЕВ" }, { "BAEVA", "БАЕВА" } },
	{ { "", "" }, { "", "" } },
	{ { "UK", "УК" }, { "UK", "УК" } },
	{ { "YAN", "ЯН" }, { "YAN", "ЯН" } }
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

/*
 * Realistic names (tests/tools/feedgen_names.h, from the labelled set's
 * stock). A person is of a group drawn with these shares (per mille: a
 * watchlist at a Kazakh post); a surname is, with the group's share
 * "listed", one of the group's listed surnames drawn Zipf-Mandelbrot by
 * rank, p(r) ~ 1 / (r + NG_Q_SURNAME), else a rare one (the syllable
 * generator below: about a million spellings, the long tail); given names
 * and patronymics are drawn from the group's lists the same way with
 * NG_Q_GIVEN.
 */
struct ngroup {
	const char		 *name;
	const char *const	 *msur, *const *fsur, *const *male;
	const char *const	 *female, *const *pm, *const *pf, *const *nat;
	size_t			  nsur, nmale, nfemale, npm, npf, nnat;
	int			  latin;	/* typed in Latin */
};

static const struct ngroup	ngroups[] = { NAME_GROUPS };
/* Per mille of persons, and of them per mille with a listed surname, in
 * NAME_GROUPS order: kazakh russian ukrainian belarusian uzbek kyrgyz
 * tajik tatar azerbaijani korean german turkish chinese. */
static const unsigned int	ngshare[] = { 330, 250, 50, 15, 100, 50, 50,
				    40, 30, 20, 20, 25, 20 };
static const unsigned int	nglisted[] = { 400, 350, 350, 350, 400, 400,
				    400, 350, 400, 950, 1000, 1000, 1000 };
#define NG_Q_SURNAME	5.0
#define NG_Q_GIVEN	3.0
#define NG_TABLES	6	/* msur/fsur, male, female, pm, pf */

/* Cumulative Zipf-Mandelbrot weights for a list of n, normalised. */
static double	*ngcum[NELEM(ngroups)][NG_TABLES];

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
surname(char *dst, size_t sz, uint64_t r, int female)
{
	int	cyr = (r & 7) == 0;
	size_t	i, nsyl = 2 + ((r >> 3) & 1);

	dst[0] = '\0';
	for (i = 0; i < nsyl; i++)
		cat(dst, sz, syl[(r >> (4 + 6 * i)) % NELEM(syl)][cyr]);
	cat(dst, sz, ending[(r >> 24) % NELEM(ending)][female][cyr]);
}

static int
ng_init(void)
{
	size_t	g, t, n, i;
	double	q, sum;

	for (g = 0; g < NELEM(ngroups); g++) {
		for (t = 0; t < NG_TABLES; t++) {
			const struct ngroup	*G = &ngroups[g];

			n = t == 0 ? G->nsur : t == 1 ? G->nmale : t == 2 ?
			    G->nfemale : t == 3 ? G->npm : G->npf;
			q = t == 0 ? NG_Q_SURNAME : NG_Q_GIVEN;
			if ((ngcum[g][t] = calloc(n, sizeof(double))) == NULL)
				return -1;
			for (i = 0, sum = 0; i < n; i++)
				ngcum[g][t][i] = sum += 1.0 / ((double)i + 1 + q);
			for (i = 0; i < n; i++)
				ngcum[g][t][i] /= sum;
		}
	}
	return 0;
}

/* The rank drawn from cumulative weights c[0..n) with 24 random bits. */
static size_t
ng_rank(const double *c, size_t n, uint64_t r)
{
	double	u = (double)(r & 0xffffff) / (double)0x1000000;
	size_t	lo = 0, hi = n - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (c[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static size_t
ng_group(uint64_t r)
{
	unsigned int	u = (unsigned int)(r % 1000), acc = 0;
	size_t		g;

	for (g = 0; g < NELEM(ngroups); g++)
		if (u < (acc += ngshare[g]))
			return g;
	return 0;
}

/* A name as a registry operator or a document writes it: native (typed)
 * or transliterated by the nationality's scheme (latin). */
static void
ng_put(char *dst, size_t sz, const char *s, const char *nat, int latin)
{
	if (latin && translit_convert(s, strlen(s), translit_pick_lang(nat,
	    strlen(nat)), TRANSLIT_WORDS, dst, sz, NULL) == 0)
		return;
	(void)snprintf(dst, sz, "%s", s);
}

/*
 * A person's names from r and r2: surname, given names (a given name, a
 * patronymic three times in ten, none one time in twenty) and the group's
 * nationality (nat, 4 bytes). latin: 1 always in Latin (a document), 0
 * Cyrillic groups typed natively half the time.
 */
static void
ng_person(uint64_t r, uint64_t r2, int latin, char *sur, size_t surlen,
    char *giv, size_t givlen, char nat[4])
{
	const struct ngroup	*G;
	size_t			 g = ng_group(r);
	int			 female = (r2 >> 62) & 1, lat;
	char			 tmp[FEED_TEXT_MAX + 1];

	G = &ngroups[g];
	(void)snprintf(nat, 4, "%s", G->nat[(r >> 10) % G->nnat]);
	lat = latin || G->latin || ((r2 >> 61) & 1);
	if ((r >> 14) % 1000 < nglisted[g])
		ng_put(sur, surlen, (female ? G->fsur : G->msur)[ng_rank(
		    ngcum[g][0], G->nsur, r2)], nat, lat);
	else {
		surname(tmp, sizeof(tmp), (r2 >> 24) & ~(uint64_t)7, female);
		ng_put(sur, surlen, tmp, nat, lat);
	}
	giv[0] = '\0';
	if ((r >> 24) % 20 == 0)
		return;			/* none */
	ng_put(giv, givlen, (female ? G->female : G->male)[ng_rank(
	    ngcum[g][female ? 2 : 1], female ? G->nfemale : G->nmale,
	    r >> 30)], nat, lat);
	if ((r >> 54) % 10 < 3 && (female ? G->npf : G->npm) > 0 &&
	    (female ? G->pf : G->pm)[0][0] != '\0') {
		ng_put(tmp, sizeof(tmp), (female ? G->pf : G->pm)[ng_rank(
		    ngcum[g][female ? 4 : 3], female ? G->npf : G->npm,
		    r2 >> 36)], nat, lat);
		cat(giv, givlen, " ");
		cat(giv, givlen, tmp);
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
	char			 g1[48], s1[48], nat[4];

	e->kind = FEED_OFFICER;
	(void)snprintf(e->id, sizeof(e->id), "OF%05" PRIu64, i);
	(void)snprintf(o->id, sizeof(o->id), "%s", e->id);
	ng_person(r, mix(r), 1, s1, sizeof(s1), g1, sizeof(g1), nat);
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
	char				 d[FEED_DATE_LEN + 1], nat[4];

	e->kind = FEED_PERSON_ALERT;
	(void)snprintf(e->id, sizeof(e->id), "pa-%" PRIu64, i);
	a->kind = r % 10 < 7 ? FEED_ENTRY_BAN : r % 10 < 8 ? FEED_EXIT_BAN :
	    FEED_WANTED;
	ng_person(rnd(g, G_PERSON, i, 2), rnd(g, G_PERSON, i, 3), 0,
	    a->surname, sizeof(a->surname), a->given_names,
	    sizeof(a->given_names), nat);
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
	    (r >> 54) % 20 == 0 ? "" : nat);
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
	char			 nat[4];

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
	/* The holder's names as the document writes them, in Latin. */
	ng_person(rnd(g, G_PERMIT, i, 2), rnd(g, G_PERMIT, i, 3), 1,
	    p->holder.surname, sizeof(p->holder.surname),
	    p->holder.given_names, sizeof(p->holder.given_names), nat);
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
	if (ng_init() != 0) {
		fprintf(stderr, "feedgen: out of memory\n");
		return 1;
	}

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
