/* fuzz_mrz.c - libFuzzer target for the MRZ reader and composer. The input
 * is MRZ text. Whatever it is, the report must be well-formed; a valid
 * document must have every field well-formed, and composing it again must
 * give back the input as the reader saw it (line endings, trailing blanks
 * and empty lines dropped, lowercase raised). Whatever fields were read,
 * valid or not, the composer must refuse them or write a zone that reads
 * back to the same fields. An input beginning with '#' is instead fields
 * for the composer, separated by '|': format, code, state, nationality,
 * number, birth, expiry, sex, surname, given names, optional data 1 and 2,
 * and the TD3 filler-check flag; the same holds for them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "err.h"
#include "mrz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct date	fz_today = { 2025, 6, 1 };
static struct mrz		fz_m, fz_m2;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_mrz: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

static int
all_of(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS	"0123456789"

static void
check_problems(const struct mrz_problem *p, size_t n, size_t cap)
{
	size_t	i;

	CHECK(n <= cap);
	for (i = 0; i < n; i++) {
		CHECK(p[i].field != NULL && p[i].field[0] != '\0');
		CHECK(p[i].code != NULL && p[i].code[0] != '\0');
		CHECK(memchr(p[i].message, '\0', sizeof(p[i].message)) !=
		    NULL);
		CHECK(p[i].message[0] != '\0');
		CHECK(all_of(p[i].message, UPPER DIGITS
		    "abcdefghijklmnopqrstuvwxyz <>'\"(),.:;-?=@[]!#$%&*+/"
		    "\\^_`{|}~"));
		CHECK(p[i].line >= 0 && p[i].line <= 4);
		CHECK(p[i].column >= 0 && p[i].column <= MRZ_LINE_MAX + 1);
	}
}

/* A name: words of capitals separated by single spaces. */
static int
name_ok(const char *s, int may_be_empty)
{
	size_t	n = strlen(s);

	if (n == 0)
		return may_be_empty;
	return all_of(s, UPPER " ") && s[0] != ' ' && s[n - 1] != ' ' &&
	    strstr(s, "  ") == NULL;
}

static void
check_valid_fields(const struct mrz *m)
{
	size_t	n;

	CHECK(mrz_format_name(m->format) != NULL);
	n = strlen(m->document_code);
	CHECK(n >= 1 && n <= 2 && all_of(m->document_code, UPPER));
	CHECK((m->document_code[0] == 'V') ==
	    (m->format == MRZ_MRVA || m->format == MRZ_MRVB));
	n = strlen(m->issuing_state);
	CHECK(n >= 1 && n <= 3 && all_of(m->issuing_state, UPPER));
	n = strlen(m->nationality);
	CHECK(n >= 1 && n <= 3 && all_of(m->nationality, UPPER));
	n = strlen(m->number);
	CHECK(n >= 1 && n <= MRZ_NUMBER_MAX &&
	    all_of(m->number, UPPER DIGITS));
	CHECK(m->format != MRZ_TD3 || n <= 9);
	CHECK(strlen(m->birth_date) == 6 &&
	    all_of(m->birth_date, DIGITS "<"));
	CHECK(m->birth_known == all_of(m->birth_date, DIGITS));
	CHECK(!m->birth_known || date_check(m->birth.year, m->birth.month,
	    m->birth.day));
	CHECK(!m->birth_known ||
	    date_to_days(&m->birth) <= date_to_days(&fz_today));
	CHECK(strlen(m->expiry_date) == 6 && all_of(m->expiry_date, DIGITS));
	CHECK(m->expiry_known && date_check(m->expiry.year, m->expiry.month,
	    m->expiry.day));
	CHECK(!m->birth_known ||
	    date_to_days(&m->birth) <= date_to_days(&m->expiry));
	CHECK(m->sex == 'M' || m->sex == 'F' || m->sex == 'X');
	CHECK(name_ok(m->surname, 0));
	CHECK(name_ok(m->given_names, 1));
	n = strlen(m->optional1);
	CHECK(all_of(m->optional1, UPPER DIGITS "<"));
	CHECK(n == 0 || m->optional1[n - 1] != '<');
	n = strlen(m->optional2);
	CHECK(all_of(m->optional2, UPPER DIGITS "<"));
	CHECK(n == 0 || m->optional2[n - 1] != '<');
	CHECK(m->format == MRZ_TD1 || n == 0);
}

/* The text as the reader sees it: lines split at LF, CR LF or CR,
 * trailing spaces and tabs cut, empty lines dropped, lowercase raised,
 * joined by LF. */
static size_t
normalize(const uint8_t *p, size_t len, char *out, size_t outsz)
{
	size_t	i = 0, s, e, k, n = 0;

	while (i < len) {
		s = i;
		while (i < len && p[i] != '\n' && p[i] != '\r')
			i++;
		e = i;
		if (i < len) {
			if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
				i++;
			i++;
		}
		while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (e == s)
			continue;
		if (n > 0) {
			CHECK(n < outsz);
			out[n++] = '\n';
		}
		for (k = s; k < e; k++) {
			CHECK(n < outsz);
			out[n++] = (char)(p[k] >= 'a' && p[k] <= 'z' ?
			    p[k] - 'a' + 'A' : p[k]);
		}
	}
	CHECK(n < outsz);
	out[n] = '\0';
	return n;
}

/* a equals b without b's trailing fillers. */
static int
same_but_padding(const char *a, const char *b)
{
	size_t	n = strlen(b);

	while (n > 0 && b[n - 1] == '<')
		n--;
	return strlen(a) == n && memcmp(a, b, n) == 0;
}

/* Compose fields, read or given: refused, or read back the same. Names
 * are compared when they were MRZ names already (and not truncated). */
static void
check_compose_back(const struct mrz *m, int names_exact)
{
	static struct mrz	back, again;
	struct mrz_report	rep;
	char			out[MRZ_COMPOSED_MAX];
	char			out2[MRZ_COMPOSED_MAX];
	size_t			i, n, n2;
	int			rc;

	rc = mrz_compose(m, out, sizeof(out), &n, &rep);
	CHECK(rc == 0 || rc == ERR_INVAL);
	check_problems(rep.err, rep.nerr, MRZ_ERR_MAX);
	check_problems(rep.warn, rep.nwarn, MRZ_WARN_MAX);
	if (rc != 0) {
		CHECK(rep.nerr > 0);
		return;
	}
	CHECK(n == strlen(out));
	(void)mrz_parse(&back, out, n, &fz_today);
	/* Only the century of a date is beyond what the composer knows. */
	for (i = 0; i < back.report.nerr; i++)
		CHECK(strcmp(back.report.err[i].code, "date") == 0);
	CHECK(back.format == m->format);
	CHECK(strncmp(back.document_code, m->document_code,
	    strcspn(m->document_code, "<")) == 0 &&
	    back.document_code[strcspn(m->document_code, "<")] == '\0');
	CHECK(strcmp(back.issuing_state, m->issuing_state) == 0);
	CHECK(strcmp(back.nationality, m->nationality) == 0);
	CHECK(strcmp(back.number, m->number) == 0);
	CHECK(strcmp(back.birth_date, m->birth_date) == 0);
	CHECK(strcmp(back.expiry_date, m->expiry_date) == 0);
	CHECK(back.sex == (m->sex == '<' ? 'X' : m->sex));
	CHECK(same_but_padding(back.optional1, m->optional1));
	CHECK(same_but_padding(back.optional2, m->optional2));
	CHECK(back.optional_check_filler == m->optional_check_filler);
	CHECK(name_ok(back.surname, 0) && name_ok(back.given_names, 1));
	if (names_exact && rep.nwarn == 0)
		CHECK(strcmp(back.surname, m->surname) == 0 &&
		    strcmp(back.given_names, m->given_names) == 0);
	/* And composing what was read back changes nothing. */
	CHECK(mrz_compose(&back, out2, sizeof(out2), &n2, NULL) == 0);
	CHECK(n2 == n && memcmp(out, out2, n) == 0);
	CHECK(mrz_parse(&again, out2, n2, &fz_today) == (back.valid ? 0 :
	    ERR_INVAL));
}

/* Copies the next '|'-separated field of p[*i..len) into dst. */
static void
next_field(const uint8_t *p, size_t len, size_t *i, char *dst, size_t dstsz)
{
	size_t	n = 0;

	while (*i < len && p[*i] != '|') {
		if (n + 1 < dstsz)
			dst[n++] = (char)p[*i];
		++*i;
	}
	if (*i < len)
		++*i;
	dst[n] = '\0';
}

static void
fuzz_fields(const uint8_t *p, size_t len)
{
	static struct mrz	f;
	char			fmt[8], sex[2], flag[2];
	size_t			i = 1;

	memset(&f, 0, sizeof(f));
	next_field(p, len, &i, fmt, sizeof(fmt));
	if (mrz_format_parse(fmt, &f.format) != 0)
		f.format = (enum mrz_format)((unsigned char)fmt[0] % 6);
	next_field(p, len, &i, f.document_code, sizeof(f.document_code));
	next_field(p, len, &i, f.issuing_state, sizeof(f.issuing_state));
	next_field(p, len, &i, f.nationality, sizeof(f.nationality));
	next_field(p, len, &i, f.number, sizeof(f.number));
	next_field(p, len, &i, f.birth_date, sizeof(f.birth_date));
	next_field(p, len, &i, f.expiry_date, sizeof(f.expiry_date));
	next_field(p, len, &i, sex, sizeof(sex));
	f.sex = sex[0];
	next_field(p, len, &i, f.surname, sizeof(f.surname));
	next_field(p, len, &i, f.given_names, sizeof(f.given_names));
	next_field(p, len, &i, f.optional1, sizeof(f.optional1));
	next_field(p, len, &i, f.optional2, sizeof(f.optional2));
	next_field(p, len, &i, flag, sizeof(flag));
	f.optional_check_filler = flag[0] == '1';
	check_compose_back(&f, name_ok(f.surname, 0) &&
	    name_ok(f.given_names, 1));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text, composed[MRZ_COMPOSED_MAX], norm[MRZ_TEXT_MAX + 1];
	size_t	 clen, nlen;
	int	 rc;

	if (size > 0 && data[0] == '#') {
		fuzz_fields(data, size);
		return 0;
	}
	/* A heap copy of exactly the input, so ASan sees any over-read. */
	if ((text = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	rc = mrz_parse(&fz_m, text, size, &fz_today);
	free(text);

	CHECK(rc == 0 || rc == ERR_INVAL);
	CHECK((rc == 0) == fz_m.valid);
	check_problems(fz_m.report.err, fz_m.report.nerr, MRZ_ERR_MAX);
	check_problems(fz_m.report.warn, fz_m.report.nwarn, MRZ_WARN_MAX);
	CHECK(fz_m.valid == (fz_m.report.nerr == 0 &&
	    fz_m.report.dropped == 0 && fz_m.format != MRZ_NONE));
	CHECK(fz_m.format != MRZ_NONE || fz_m.report.nerr > 0);
	CHECK(memchr(fz_m.surname, '\0', sizeof(fz_m.surname)) != NULL);
	CHECK(memchr(fz_m.number, '\0', sizeof(fz_m.number)) != NULL);
	if (fz_m.format != MRZ_NONE)
		check_compose_back(&fz_m, fz_m.valid);
	if (!fz_m.valid)
		return 0;

	check_valid_fields(&fz_m);
	CHECK(mrz_compose(&fz_m, composed, sizeof(composed), &clen, NULL) ==
	    0);
	CHECK(size <= MRZ_TEXT_MAX);
	nlen = normalize(data, size, norm, sizeof(norm));
	if (clen != nlen || memcmp(composed, norm, nlen) != 0) {
		fprintf(stderr, "fuzz_mrz: composed\n%s\nis not the input\n"
		    "%s\n", composed, norm);
		abort();
	}
	/* Reading what was composed gives the same document. */
	CHECK(mrz_parse(&fz_m2, composed, clen, &fz_today) == 0);
	CHECK(strcmp(fz_m.number, fz_m2.number) == 0 &&
	    strcmp(fz_m.surname, fz_m2.surname) == 0 &&
	    strcmp(fz_m.given_names, fz_m2.given_names) == 0 &&
	    strcmp(fz_m.optional1, fz_m2.optional1) == 0 &&
	    fz_m.birth_known == fz_m2.birth_known &&
	    date_to_days(&fz_m.expiry) == date_to_days(&fz_m2.expiry));
	return 0;
}
