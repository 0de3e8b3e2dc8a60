/* fuzz_translit.c - libFuzzer target for name transliteration. The first
 * byte picks the language (low nibble) and the flags (bits 4-6); the rest
 * is the name. Checks: only A-Z and single inner separators come out, the
 * result fits and needs at most two bytes per input byte, a failure leaves
 * the buffer alone and says where, invalid UTF-8 is reported exactly when
 * an independent validator (Unicode 14, table 3-7) finds it and at the
 * same byte, the two separators give the same letters, the result
 * transliterates to itself, and a buffer one byte short is refused with
 * the right size. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "translit.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define BUFSZ	(2 * TRANSLIT_IN_MAX + 1)
#define FILL	0x5a

static char	out[BUFSZ], other[BUFSZ], again[BUFSZ], small[BUFSZ];

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_translit: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* Offset of the first ill-formed sequence in p[0..len), or len if none:
 * the well-formed byte sequences of Unicode table 3-7. */
static size_t
first_bad(const uint8_t *p, size_t len)
{
	size_t	i = 0, n, k;
	uint8_t	lo, hi;

	while (i < len) {
		lo = 0x80;
		hi = 0xbf;
		if (p[i] <= 0x7f) {
			i++;
			continue;
		} else if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 3;
			if (p[i] == 0xe0)
				lo = 0xa0;
			if (p[i] == 0xed)
				hi = 0x9f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 4;
			if (p[i] == 0xf0)
				lo = 0x90;
			if (p[i] == 0xf4)
				hi = 0x8f;
		} else
			return i;
		if (i + 1 >= len || p[i + 1] < lo || p[i + 1] > hi)
			return i;
		for (k = 2; k < n; k++)
			if (i + k >= len || p[i + k] < 0x80 || p[i + k] > 0xbf)
				return i;
		i += n;
	}
	return len;
}

static int
all_fill(const char *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)b[i] != FILL)
			return 0;
	return 1;
}

/* Only A-Z and sep, no sep at either end or twice in a row. */
static void
check_shape(const char *s, size_t n, char sep)
{
	size_t	i;

	CHECK(strlen(s) == n);
	for (i = 0; i < n; i++) {
		if (s[i] == sep) {
			CHECK(i > 0 && i + 1 < n && s[i - 1] != sep);
			continue;
		}
		CHECK(s[i] >= 'A' && s[i] <= 'Z');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct translit_err	 e, e2;
	enum translit_lang	 lang;
	const char		*name, *w;
	size_t			 len, n, i, bad;
	int			 flags, rc, rc2;

	if (size < 1)
		return 0;
	lang = (enum translit_lang)((data[0] & 0x0f) % TRANSLIT_LANG_COUNT);
	flags = (data[0] >> 4) & (TRANSLIT_WORDS | TRANSLIT_SHORT |
	    TRANSLIT_XX);
	name = (const char *)data + 1;
	len = size - 1;
	CHECK((unsigned int)translit_pick_lang(name, len) <
	    TRANSLIT_LANG_COUNT);

	memset(out, FILL, sizeof(out));
	memset(&e, FILL, sizeof(e));
	rc = translit_convert(name, len, lang, flags, out, sizeof(out), &e);
	CHECK(rc == 0 || rc == ERR_PARSE || rc == ERR_INVAL ||
	    rc == ERR_TOOBIG);
	bad = first_bad(data + 1, len);
	if (rc != 0) {
		CHECK(all_fill(out, sizeof(out)));
		CHECK(memchr(e.msg, '\0', sizeof(e.msg)) != NULL);
		CHECK(e.msg[0] != '\0');
		CHECK(e.need == 0);
		if (rc == ERR_TOOBIG)
			CHECK(len > TRANSLIT_IN_MAX);
		else
			CHECK(len <= TRANSLIT_IN_MAX && e.off < len);
		if (rc == ERR_PARSE)
			CHECK(e.off == bad && e.cp == 0);
		if (rc == ERR_INVAL)
			CHECK(e.off < bad && e.cp <= 0x10ffff &&
			    (e.cp < 0xd800 || e.cp > 0xdfff));
		return 0;
	}
	CHECK(len <= TRANSLIT_IN_MAX && bad == len);
	n = strlen(out);
	CHECK(n <= 2 * len);
	check_shape(out, n, (flags & TRANSLIT_WORDS) ? ' ' : '<');

	/* The other separator: the same letters. */
	rc2 = translit_convert(name, len, lang, flags ^ TRANSLIT_WORDS, other,
	    sizeof(other), &e2);
	CHECK(rc2 == 0 && strlen(other) == n);
	for (i = 0; i < n; i++)
		CHECK(other[i] == out[i] ||
		    ((other[i] == ' ' || other[i] == '<') &&
		    (out[i] == ' ' || out[i] == '<') && other[i] != out[i]));

	/* The words form transliterates to itself. */
	w = (flags & TRANSLIT_WORDS) ? out : other;
	rc2 = translit_convert(w, n, lang, flags | TRANSLIT_WORDS, again,
	    sizeof(again), &e2);
	CHECK(rc2 == 0 && strcmp(again, w) == 0);

	/* Exactly n + 1 bytes are enough; n are not. */
	memset(small, FILL, sizeof(small));
	CHECK(translit_convert(name, len, lang, flags, small, n + 1, &e2) ==
	    0);
	CHECK(strcmp(small, out) == 0);
	memset(small, FILL, sizeof(small));
	CHECK(translit_convert(name, len, lang, flags, small, n, &e2) ==
	    ERR_TOOBIG);
	CHECK(e2.need == n + 1 && all_fill(small, sizeof(small)));
	return 0;
}
