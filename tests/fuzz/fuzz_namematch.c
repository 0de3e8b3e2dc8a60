/* fuzz_namematch.c - libFuzzer target for the watchlist name matcher. An
 * input starting with byte 0x01 is four raw fields (surname, given names,
 * birth date, nationality) separated by 0x00 bytes for namematch_parse();
 * anything else is one JSON line for namematch_parse_line(). Checks: only
 * the documented errors come back, a failure leaves the output untouched
 * and says what is wrong, a person read holds only A-Z words within their
 * limits and a consistent birth date, a score is within 0..1 with a
 * bounded explanation, a person matches itself on every field and finds
 * itself through its blocking keys, and keys fit their buffer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "namematch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FILL	0x5a

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_namematch: %s:%d: %s\n", __FILE__,\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

static struct namematch_line	line;

static int
all_fill(const void *p, size_t n)
{
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < n; i++)
		if (b[i] != FILL)
			return 0;
	return 1;
}

static void
check_word(const struct namematch_word *w)
{
	size_t	i;

	CHECK(w->rawlen >= 1 && w->rawlen <= NAMEMATCH_WORD_MAX);
	CHECK(strlen(w->raw) == w->rawlen);
	CHECK(w->canonlen >= 1 && w->canonlen <= w->rawlen);
	CHECK(w->known >= -1);
	CHECK(strlen(w->canon) == w->canonlen);
	for (i = 0; i < w->rawlen; i++)
		CHECK(w->raw[i] >= 'A' && w->raw[i] <= 'Z');
	for (i = 0; i < w->canonlen; i++)
		CHECK(w->canon[i] >= 'A' && w->canon[i] <= 'Z');
}

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

static void
check_keys(const struct namematch_keys *k)
{
	size_t	i;

	CHECK(k->n >= 1 && k->n <= NAMEMATCH_KEYS_MAX);
	for (i = 0; i < k->n; i++)
		CHECK(memchr(k->key[i], '\0', NAMEMATCH_KEY_MAX) != NULL &&
		    strchr(k->key[i], ':') != NULL);
}

static void
check_person(const struct namematch_person *p)
{
	struct namematch_result	r;
	struct namematch_keys	ak, qk;
	size_t			i;

	check_word(&p->surname);
	CHECK(p->ngiven <= NAMEMATCH_GIVEN_MAX);
	for (i = 0; i < p->ngiven; i++)
		check_word(&p->given[i]);
	switch (p->birth_prec) {
	case NAMEMATCH_DATE_NONE:
		CHECK(p->birth_year == 0 && p->birth_month == 0 &&
		    p->birth_day == 0);
		break;
	case NAMEMATCH_DATE_YEAR:
		CHECK(p->birth_year >= 1 && p->birth_year <= 9999 &&
		    p->birth_month == 0 && p->birth_day == 0);
		break;
	case NAMEMATCH_DATE_MONTH:
		CHECK(p->birth_month >= 1 && p->birth_month <= 12 &&
		    p->birth_day == 0);
		break;
	case NAMEMATCH_DATE_DAY:
		CHECK(p->birth_month >= 1 && p->birth_month <= 12 &&
		    p->birth_day >= 1 && p->birth_day <= 31);
		break;
	default:
		CHECK(0);
	}
	CHECK(strlen(p->nationality) <= 3);

	/* A person is itself on every field, and finds itself. */
	namematch_score(p, p, &r);
	CHECK(r.what & NAMEMATCH_NAME);
	CHECK((r.what & (NAMEMATCH_GENDER | NAMEMATCH_SECOND_DIFFERS |
	    NAMEMATCH_BIRTH_DIFFERS | NAMEMATCH_NAT_DIFFERS |
	    NAMEMATCH_TYPO | NAMEMATCH_SWAPPED)) == 0);
	CHECK(r.score >= 0.72 && r.score <= 1.0);
	CHECK(namematch_key(p, &ak) == 0);
	CHECK(namematch_query_keys(p, &qk) == 0);
	check_keys(&ak);
	check_keys(&qk);
	CHECK(!ak.prefix);
	CHECK(keys_meet(&qk, &ak));
}

static void
check_pair(const struct namematch_person *w, const struct namematch_person *t)
{
	struct namematch_result	r;

	memset(&r, FILL, sizeof(r));
	namematch_score(w, t, &r);
	CHECK(r.score >= 0.0 && r.score <= 1.0);
	CHECK(memchr(r.why, '\0', sizeof(r.why)) != NULL && r.why[0] != '\0');
	if (r.score >= 0.5)
		CHECK(r.what & NAMEMATCH_NAME);
}

static int
raw_mode(const uint8_t *data, size_t size)
{
	struct namematch_input	 in;
	struct namematch_person	 p;
	struct namematch_err	 e;
	const char		*f[4] = { NULL, NULL, NULL, NULL };
	size_t			 fl[4] = { 0, 0, 0, 0 }, i, k = 0, start = 1;
	char			*copy;
	int			 rc;

	/* Heap copy of exactly size bytes, so ASan sees any overread. */
	if ((copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	for (i = 1; i <= size && k < 4; i++) {
		if (i == size || copy[i] == '\0') {
			f[k] = copy + start;
			fl[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	memset(&in, 0, sizeof(in));
	in.surname = f[0];
	in.surname_len = fl[0];
	in.given_names = f[1];
	in.given_names_len = fl[1];
	in.birth_date = f[2];
	in.birth_date_len = fl[2];
	in.nationality = f[3];
	in.nationality_len = fl[3];
	memset(&p, FILL, sizeof(p));
	memset(&e, 0, sizeof(e));
	rc = namematch_parse(&p, &in, &e);
	CHECK(rc == 0 || rc == ERR_PARSE || rc == ERR_INVAL ||
	    rc == ERR_RANGE || rc == ERR_TOOBIG);
	if (rc != 0) {
		CHECK(all_fill(&p, sizeof(p)));
		CHECK(e.field[0] != '\0' && e.msg[0] != '\0');
		CHECK(memchr(e.msg, '\0', sizeof(e.msg)) != NULL);
	} else {
		check_person(&p);
		check_pair(&p, &p);
	}
	free(copy);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct namematch_err	 e;
	char			*copy;
	int			 rc;

	if (size >= 1 && data[0] == 0x01)
		return raw_mode(data, size);
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&line, FILL, sizeof(line));
	memset(&e, 0, sizeof(e));
	rc = namematch_parse_line(&line, copy, size, &e);
	free(copy);
	CHECK(rc == 0 || rc == ERR_PARSE || rc == ERR_INVAL ||
	    rc == ERR_RANGE || rc == ERR_TOOBIG || rc == ERR_NOMEM);
	if (rc != 0) {
		CHECK(all_fill(&line, sizeof(line)));
		CHECK(e.msg[0] != '\0');
		CHECK(memchr(e.msg, '\0', sizeof(e.msg)) != NULL);
		CHECK(memchr(e.field, '\0', sizeof(e.field)) != NULL);
		return 0;
	}
	CHECK(line.label >= -1 && line.label <= 1);
	CHECK(memchr(line.id, '\0', sizeof(line.id)) != NULL &&
	    line.id[0] != '\0');
	check_person(&line.watch);
	check_person(&line.trav);
	check_pair(&line.watch, &line.trav);
	check_pair(&line.trav, &line.watch);
	return 0;
}
