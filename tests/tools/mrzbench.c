/* mrzbench - MRZ documents read per second on one core. Composes COUNT
 * random valid documents of every format (deterministic seed) beforehand,
 * then parses them over and over, single-threaded, for at least SECONDS,
 * checking that every one reads valid. Prints
 * "mrz: N documents in S s: R documents/s". */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "err.h"
#include "mrz.h"

#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define ALNUM	UPPER "0123456789"

struct doc {
	char	text[MRZ_COMPOSED_MAX];
	size_t	len;
};

static const struct date	bench_today = { 2025, 6, 1 };
static uint64_t			bench_rng = UINT64_C(0x9303);

static uint64_t
rng(void)
{
	bench_rng ^= bench_rng >> 12;
	bench_rng ^= bench_rng << 25;
	bench_rng ^= bench_rng >> 27;
	return bench_rng * UINT64_C(2685821657736338717);
}

static void
rnd_str(char *out, size_t n, const char *set)
{
	size_t	i, k = strlen(set);

	for (i = 0; i < n; i++)
		out[i] = set[rng() % k];
	out[n] = '\0';
}

static void
yymmdd(char out[7], int64_t days)
{
	struct date	d;

	date_from_days(days, &d);
	out[0] = (char)('0' + d.year / 10 % 10);
	out[1] = (char)('0' + d.year % 10);
	out[2] = (char)('0' + d.month / 10);
	out[3] = (char)('0' + d.month % 10);
	out[4] = (char)('0' + d.day / 10);
	out[5] = (char)('0' + d.day % 10);
	out[6] = '\0';
}

/* A document of format f that reads back valid. */
static void
make_doc(struct doc *d, enum mrz_format f)
{
	struct mrz	m;
	int64_t		t = date_to_days(&bench_today), e, b;

	memset(&m, 0, sizeof(m));
	m.format = f;
	m.document_code[0] = f == MRZ_TD3 ? 'P' : f == MRZ_MRVA ||
	    f == MRZ_MRVB ? 'V' : 'I';
	rnd_str(m.issuing_state, 3, UPPER);
	rnd_str(m.nationality, 3, UPPER);
	rnd_str(m.number, 5 + rng() % 5, ALNUM);
	rnd_str(m.surname, 3 + rng() % 10, UPPER);
	rnd_str(m.given_names, 3 + rng() % 8, UPPER);
	if (f == MRZ_TD3)
		rnd_str(m.optional1, rng() % 14, ALNUM);
	e = t - 3000 + (int64_t)(rng() % 6000);
	b = (e < t ? e : t) - (int64_t)(rng() % 30000);
	yymmdd(m.expiry_date, e);
	yymmdd(m.birth_date, b);
	m.sex = "MFX"[rng() % 3];
	if (mrz_compose(&m, d->text, sizeof(d->text), &d->len, NULL) != 0) {
		fprintf(stderr, "mrzbench: cannot compose a document\n");
		exit(1);
	}
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: mrzbench [--count N] [--seconds S]\n");
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const enum mrz_format	fmts[] = {
		MRZ_TD1, MRZ_TD2, MRZ_TD3, MRZ_MRVA, MRZ_MRVB
	};
	static struct mrz		m;
	struct doc			*docs;
	unsigned long			 count = 100000, secs = 2, v;
	uint64_t			 done = 0, bad = 0;
	double				 t0, t1;
	char				*end;
	size_t				 i;
	int				 ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
		case 's':
			v = strtoul(optarg, &end, 10);
			if (end == optarg || *end != '\0' || v < 1 ||
			    v > 10000000) {
				fprintf(stderr, "mrzbench: --%s must be a "
				    "number 1..10000000\n", ch == 'n' ?
				    "count" : "seconds");
				return 2;
			}
			if (ch == 'n')
				count = v;
			else
				secs = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if ((docs = calloc(count, sizeof(*docs))) == NULL) {
		fprintf(stderr, "mrzbench: out of memory\n");
		return 1;
	}
	for (i = 0; i < count; i++)
		make_doc(&docs[i], fmts[i % 5]);

	t0 = now_s();
	do {
		for (i = 0; i < count; i++)
			bad += mrz_parse(&m, docs[i].text, docs[i].len,
			    &bench_today) != 0;
		done += count;
		t1 = now_s();
	} while (t1 - t0 < (double)secs);
	free(docs);
	if (bad != 0) {
		fprintf(stderr, "mrzbench: %" PRIu64 " documents did not read "
		    "valid\n", bad);
		return 1;
	}
	printf("mrz: %" PRIu64 " documents in %.2f s: %.0f documents/s\n",
	    done, t1 - t0, (double)done / (t1 - t0));
	return 0;
}
