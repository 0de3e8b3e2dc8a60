/* namematcheval - precision, recall and F1 of the watchlist name matcher
 * (common/namematch.c) over a labelled set (tests/data/namematch/pairs.jsonl
 * by default: JSON lines in the "checkpointctl namematch" input format with
 * "label" and "variation"), for every threshold from 0.50 to 0.99. Prints
 * markdown on stdout: the sweep, the threshold the selection rule picks
 * (the highest recall whose precision is at least 0.995; of the thresholds
 * that give it, the middle one), the match rate of each variation at the default
 * threshold, how many matches the blocking keys find, how many alerts
 * an index on the keys returns per traveller with --alerts N made-up
 * alerts (default 1,000,000; 0 skips it), and the scoring speed. Exits 1 if a line cannot be read or has no label. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "namematch.h"

#define DEFAULT_DATA	"tests/data/namematch/pairs.jsonl"
#define STEPS		50		/* 0.50 .. 0.99 */
#define VAR_MAX		128
#define MIN_PRECISION	0.995

struct pair {
	struct namematch_line	l;
	double			score;
};

struct var {
	char	name[64];
	int	label;
	int	n;
	int	matched;
};

/* Positive variations first, then by name; "+x" after the rest. */
static int
var_cmp(const void *a, const void *b)
{
	const struct var	*x = a, *y = b;

	if (x->label != y->label)
		return y->label - x->label;
	if ((x->name[0] == '+') != (y->name[0] == '+'))
		return x->name[0] == '+' ? 1 : -1;
	return strcmp(x->name, y->name);
}

static double
ratio(int a, int b)
{
	return b > 0 ? (double)a / (double)b : 0.0;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 if some key of a equals some key of b (a prefix key matches any key
 * that starts with it). */
static int
keys_meet(const struct namematch_keys *q, const struct namematch_keys *k)
{
	size_t	i, j;

	for (i = 0; i < q->n; i++)
		for (j = 0; j < k->n; j++)
			if (q->prefix ? strncmp(k->key[j], q->key[i],
			    strlen(q->key[i])) == 0 :
			    strcmp(k->key[j], q->key[i]) == 0)
				return 1;
	return 0;
}

/* ---- how many candidates an index returns ---------------------------- */

#define SIM_SLOTS	(1u << 20)

struct slot {
	char		key[NAMEMATCH_KEY_MAX];
	uint32_t	count;
};

static uint64_t	sim_rng = UINT64_C(0x5eed);

static uint64_t
sim_next(void)
{
	sim_rng ^= sim_rng >> 12;
	sim_rng ^= sim_rng << 25;
	sim_rng ^= sim_rng >> 27;
	return sim_rng * UINT64_C(2685821657736338717);
}

static struct slot *
sim_find(struct slot *tab, const char *key, int add)
{
	uint64_t	h = 1469598103934665603u;
	const char	*p;
	size_t		i;

	for (p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	for (i = h & (SIM_SLOTS - 1);; i = (i + 1) & (SIM_SLOTS - 1)) {
		if (tab[i].key[0] == '\0') {
			if (!add)
				return NULL;
			(void)snprintf(tab[i].key, sizeof(tab[i].key), "%s",
			    key);
			return &tab[i];
		}
		if (strcmp(tab[i].key, key) == 0)
			return &tab[i];
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Indexes nalerts made-up alerts (a surname and a first given name of the
 * set's watchlist side, drawn at random, and a birth year 1940..2007) on
 * their keys, then counts, for each traveller of the set, the alerts its
 * query keys return: what one lane check scores.
 */
static void
simulate(const struct pair *p, size_t n, long nalerts)
{
	struct namematch_person	 a;
	struct namematch_keys	 k;
	struct slot		*tab, *sl;
	uint32_t		*cand;
	size_t			 i, j, m = 0;
	long			 x;
	double			 sum = 0;

	if ((tab = calloc(SIM_SLOTS, sizeof(*tab))) == NULL ||
	    (cand = calloc(n, sizeof(*cand))) == NULL) {
		perror("namematcheval");
		exit(1);
	}
	for (x = 0; x < nalerts; x++) {
		const struct namematch_person *s = &p[sim_next() % n].l.watch;
		const struct namematch_person *g = &p[sim_next() % n].l.watch;

		memset(&a, 0, sizeof(a));
		a.surname = s->surname;
		if (g->ngiven > 0) {
			a.given[0] = g->given[0];
			a.ngiven = 1;
		}
		a.birth_year = 1940 + (int)(sim_next() % 68);
		a.birth_prec = NAMEMATCH_DATE_YEAR;
		(void)namematch_key(&a, &k);
		for (j = 0; j < k.n; j++)
			sim_find(tab, k.key[j], 1)->count++;
	}
	for (i = 0; i < n; i++) {
		if (namematch_query_keys(&p[i].l.trav, &k) != 0 || k.prefix)
			continue;
		for (j = 0; j < k.n; j++)
			if ((sl = sim_find(tab, k.key[j], 0)) != NULL)
				cand[m] += sl->count;
		sum += cand[m];
		m++;
	}
	qsort(cand, m, sizeof(*cand), cmp_u32);
	printf("Index: with %ld alerts keyed, a traveller's keys return "
	    "%.1f alerts on average, %u at the median, %u at the 99th "
	    "percentile, %u at most (%zu travellers of the set).\n\n",
	    nalerts, sum / (double)m, cand[m / 2], cand[m * 99 / 100],
	    cand[m - 1], m);
	free(cand);
	free(tab);
}

static void
usage(void)
{
	fprintf(stderr, "usage: namematcheval [--data FILE] [--misses] "
	    "[--alerts N]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "data",	required_argument,	NULL, 'd' },
		{ "misses",	no_argument,		NULL, 'm' },
		{ "alerts",	required_argument,	NULL, 'a' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	static char		 buf[NAMEMATCH_LINE_MAX + 2];
	struct pair		*p = NULL, *np;
	struct var		 vars[VAR_MAX];
	struct namematch_err	 e;
	struct namematch_result	 res;
	struct namematch_keys	 qk, ak;
	const char		*data = DEFAULT_DATA;
	FILE			*fp;
	size_t			 n = 0, cap = 0, i, len, nvars = 0, v;
	unsigned long		 lineno = 0;
	int			 ch, s, tp, fp_, fn, tn, best = -1, lo = -1;
	int			 misses = 0;
	long			 nalerts = 1000000;
	int			 pos = 0, neg = 0, kept = 0, keyed = 0, rounds;
	double			 t, prec, rec, f1, bestrec = -1.0, t0, t1;
	double			 tparse;
	char			 plus[64], *c;

	while ((ch = getopt_long(argc, argv, "d:ma:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'h':
			printf("usage: namematcheval [--data FILE] [--misses] "
			    "[--alerts N]\n\nPrecision, recall and F1 of the name "
			    "matcher over the labelled\npairs of FILE (default %s) "
			    "at every threshold\n0.50..0.99, as markdown. "
			    "--misses lists on stderr the matched pairs\nno "
			    "blocking key finds; --alerts N sizes the made-up "
			    "alert index\n(default 1000000; 0 skips it).\n",
			    DEFAULT_DATA);
			return 0;
		case 'a':
			nalerts = strtol(optarg, &c, 10);
			if (c == optarg || *c != '\0' || nalerts < 0 ||
			    nalerts > 100000000)
				usage();
			break;
		case 'd':
			data = optarg;
			break;
		case 'm':
			misses = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	t0 = now();
	if ((fp = fopen(data, "r")) == NULL) {
		perror(data);
		return 1;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		lineno++;
		len = strlen(buf);
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((np = reallocarray(p, cap, sizeof(*p))) == NULL) {
				perror("namematcheval");
				return 1;
			}
			p = np;
		}
		memset(&e, 0, sizeof(e));
		if (namematch_parse_line(&p[n].l, buf, len, &e) != 0) {
			fprintf(stderr, "%s:%lu: %s%s%s\n", data, lineno,
			    e.field, e.field[0] ? ": " : "", e.msg);
			return 1;
		}
		if (p[n].l.label < 0) {
			fprintf(stderr, "%s:%lu: no \"label\"\n", data, lineno);
			return 1;
		}
		n++;
	}
	if (ferror(fp) || n == 0) {
		fprintf(stderr, "%s: cannot read, or no pairs\n", data);
		return 1;
	}
	fclose(fp);
	tparse = now() - t0;

	/* Score every pair; time it over enough rounds to be measurable. */
	t0 = now();
	rounds = 0;
	do {
		for (i = 0; i < n; i++) {
			namematch_score(&p[i].l.watch, &p[i].l.trav, &res);
			p[i].score = res.score;
		}
		rounds++;
		t1 = now();
	} while (t1 - t0 < 0.5);

	for (i = 0; i < n; i++) {
		if (p[i].l.label)
			pos++;
		else
			neg++;
	}

	printf("Labelled set `%s`: %zu pairs, %d positive, %d negative "
	    "(docs/namematch.md).\n\n", data, n, pos, neg);
	printf("| threshold | TP | FP | FN | TN | precision | recall | F1 |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (s = 0; s < STEPS; s++) {
		t = 0.50 + 0.01 * s;
		tp = fp_ = fn = tn = 0;
		for (i = 0; i < n; i++) {
			int m = p[i].score >= t - 1e-9;

			if (p[i].l.label)
				m ? tp++ : fn++;
			else
				m ? fp_++ : tn++;
		}
		prec = tp + fp_ > 0 ? ratio(tp, tp + fp_) : 1.0;
		rec = ratio(tp, tp + fn);
		f1 = prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0.0;
		if (prec >= MIN_PRECISION && rec > bestrec + 1e-12) {
			bestrec = rec;
			best = lo = s;
		} else if (prec >= MIN_PRECISION && rec > bestrec - 1e-12)
			best = s;
		printf("| %s%.2f%s | %d | %d | %d | %d | %.4f | %.4f | %.4f |\n",
		    t > NAMEMATCH_DEFAULT_THRESHOLD - 0.005 &&
		    t < NAMEMATCH_DEFAULT_THRESHOLD + 0.005 ? "**" : "", t,
		    t > NAMEMATCH_DEFAULT_THRESHOLD - 0.005 &&
		    t < NAMEMATCH_DEFAULT_THRESHOLD + 0.005 ? "** (default)" : "",
		    tp, fp_, fn, tn, prec, rec, f1);
	}
	printf("\n");
	if (best >= 0)
		printf("Rule: the highest recall with precision >= %.3f is "
		    "%.4f, at thresholds %.2f to %.2f; their middle is "
		    "**%.2f**. The default (NAMEMATCH_DEFAULT_THRESHOLD) is "
		    "%.2f.\n\n", MIN_PRECISION, bestrec, 0.50 + 0.01 * lo,
		    0.50 + 0.01 * best, 0.50 + 0.01 * ((lo + best + 1) / 2),
		    NAMEMATCH_DEFAULT_THRESHOLD);
	else
		printf("Rule: no threshold reaches precision %.3f.\n\n",
		    MIN_PRECISION);

	/* Each variation at the default threshold. A label "a+b" counts
	 * under a (the main variation) and under "+b" (an extra one). */
	memset(vars, 0, sizeof(vars));
	for (i = 0; i < n; i++) {
		const char *names[2];
		int nn = 1, k;

		names[0] = p[i].l.variation[0] ? p[i].l.variation : "(none)";
		(void)snprintf(plus, sizeof(plus), "%s", names[0]);
		if ((c = strchr(plus, '+')) != NULL) {
			*c = '\0';
			names[1] = strchr(names[0], '+');
			nn = 2;
		}
		names[0] = plus;
		for (k = 0; k < nn; k++) {
			for (v = 0; v < nvars; v++)
				if (strcmp(vars[v].name, names[k]) == 0 &&
				    vars[v].label == p[i].l.label)
					break;
			if (v == nvars) {
				if (nvars == VAR_MAX)
					continue;
				(void)snprintf(vars[v].name,
				    sizeof(vars[v].name), "%s", names[k]);
				vars[v].label = p[i].l.label;
				nvars++;
			}
			vars[v].n++;
			if (p[i].score >= NAMEMATCH_DEFAULT_THRESHOLD - 1e-9)
				vars[v].matched++;
		}
	}
	printf("At the default threshold %.2f, by variation (positives: "
	    "share found; negatives: share wrongly matched; `+x` is x applied "
	    "on top of another variation):\n\n",
	    NAMEMATCH_DEFAULT_THRESHOLD);
	qsort(vars, nvars, sizeof(vars[0]), var_cmp);
	printf("| label | variation | pairs | matched | share |\n");
	printf("|---|---|---:|---:|---:|\n");
	for (v = 0; v < nvars; v++)
		printf("| %s | %s | %d | %d | %.3f |\n", vars[v].label ?
		    "match" : "no match", vars[v].name, vars[v].n,
		    vars[v].matched, ratio(vars[v].matched, vars[v].n));
	printf("\n");

	/* Blocking: of the pairs matched at the default threshold, how many
	 * an index on the keys would have found. */
	for (i = 0; i < n; i++) {
		if (p[i].score < NAMEMATCH_DEFAULT_THRESHOLD - 1e-9)
			continue;
		kept++;
		(void)namematch_query_keys(&p[i].l.trav, &qk);
		(void)namematch_key(&p[i].l.watch, &ak);
		if (keys_meet(&qk, &ak))
			keyed++;
		else if (misses)
			fprintf(stderr, "not keyed: %s\n", p[i].l.id);
	}
	printf("Blocking: %d of the %d pairs matched at the default threshold "
	    "share a key (%.4f).\n\n", keyed, kept, ratio(keyed, kept));
	if (nalerts > 0)
		simulate(p, n, nalerts);
	printf("Speed, one core: %.0f pairs scored per second (%d rounds of "
	    "%zu); %.0f lines read per second (JSON, two people "
	    "transliterated and brought to canonical form).\n",
	    (double)rounds * (double)n / (t1 - t0), rounds, n,
	    (double)n / tparse);

	if (misses) {
		for (i = 0; i < n; i++) {
			int m = p[i].score >= NAMEMATCH_DEFAULT_THRESHOLD -
			    1e-9;

			if (m != p[i].l.label) {
				namematch_score(&p[i].l.watch, &p[i].l.trav,
				    &res);
				fprintf(stderr, "%s %s %s %.3f %s | %s %s | "
				    "%s %s\n", p[i].l.id,
				    p[i].l.label ? "MISS" : "FALSE",
				    p[i].l.variation, res.score, res.why,
				    p[i].l.watch.surname.raw,
				    p[i].l.watch.ngiven ?
				    p[i].l.watch.given[0].raw : "",
				    p[i].l.trav.surname.raw,
				    p[i].l.trav.ngiven ?
				    p[i].l.trav.given[0].raw : "");
			}
		}
	}
	free(p);
	return 0;
}
