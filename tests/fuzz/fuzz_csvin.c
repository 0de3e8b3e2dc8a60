/* fuzz_csvin.c - libFuzzer target for the CSV reader. The input is CSV
 * text. Whatever it is, the reader must not crash, must fail with a message
 * that says the line, and must give fields that are NUL-free UTF-8, the
 * header's number of them, on lines that only go forward. What it read
 * must read back the same after writing it out again with every field
 * quoted. The input is read a second time with tight limits, where only
 * the limits' own errors may be added. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "err.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_csvin: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

#define FZ_OUT_MAX	(1 << 20)

static uint8_t	fz_out[FZ_OUT_MAX];

/* 1 if s[0..len) is UTF-8 (no overlongs, surrogates or beyond U+10FFFF). */
static int
utf8_ok(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	unsigned long	cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			n = 2;
		else if ((s[i] & 0xf0) == 0xe0)
			n = 3;
		else if ((s[i] & 0xf8) == 0xf0)
			n = 4;
		else
			return 0;
		if (len - i < n)
			return 0;
		cp = s[i] & (0x7f >> n);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

/* Appends one field, quoted, to fz_out; 0 if it does not fit. */
static int
put_quoted(size_t *n, const char *s, size_t len, int first)
{
	size_t	i;

	if (*n + 2 * len + 4 > FZ_OUT_MAX)
		return 0;
	if (!first)
		fz_out[(*n)++] = ',';
	fz_out[(*n)++] = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			fz_out[(*n)++] = '"';
		fz_out[(*n)++] = (uint8_t)s[i];
	}
	fz_out[(*n)++] = '"';
	return 1;
}

static void
check_record(const struct csvin *c, unsigned long *lastline)
{
	const char	*f;
	size_t		 i, len;

	CHECK(csvin_line(c) >= 1 && csvin_line(c) > *lastline);
	*lastline = csvin_line(c);
	for (i = 0; i < csvin_ncols(c); i++) {
		f = csvin_field(c, i, &len);
		CHECK(strlen(f) == len);
		CHECK(len <= CSVIN_FIELD_MAX);
		CHECK(utf8_ok((const unsigned char *)f, len));
	}
}

/* Reads everything; writes it to fz_out quoted (if it fits) and returns
 * the final code. */
static int
read_all(const uint8_t *p, size_t len, const struct csvin_limits *lim,
    size_t *outlen, unsigned long *nrec)
{
	struct csvin	*c;
	const char	*f, *msg;
	unsigned long	 lastline = 0;
	size_t		 i, n = 0, flen;
	int		 rc, fits = 1;

	if (csvin_new_buf(&c, p, len, lim) != 0)
		return ERR_NOMEM;
	if ((rc = csvin_header(c)) == 0) {
		CHECK(csvin_ncols(c) >= 1);
		check_record(c, &lastline);
		for (i = 0; i < csvin_ncols(c); i++) {
			CHECK(csvin_colname(c, i)[0] != '\0');
			f = csvin_field(c, i, &flen);
			fits = fits && put_quoted(&n, f, flen, i == 0);
		}
		if (fits && n < FZ_OUT_MAX)
			fz_out[n++] = '\n';
		while ((rc = csvin_next(c)) == 0) {
			check_record(c, &lastline);
			for (i = 0; i < csvin_ncols(c); i++) {
				f = csvin_field(c, i, &flen);
				fits = fits && put_quoted(&n, f, flen, i == 0);
			}
			if (fits && n < FZ_OUT_MAX)
				fz_out[n++] = '\n';
			else
				fits = 0;
		}
	}
	msg = csvin_errmsg(c);
	if (rc == ERR_NOTFOUND)
		CHECK(msg[0] == '\0');
	else {
		CHECK(rc == ERR_PARSE || rc == ERR_TOOBIG || rc == ERR_NOMEM);
		CHECK(strncmp(msg, "line ", 5) == 0);
		CHECK(strlen(msg) < CSVIN_MSG_MAX);
		CHECK(csvin_next(c) == rc);
	}
	*nrec = csvin_count(c);
	*outlen = fits ? n : (size_t)-1;
	csvin_free(c);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct csvin_limits	tight = { 8, 32, 4 };
	uint8_t		*text, *again;
	size_t		 outlen, outlen2;
	unsigned long	 nrec, nrec2;
	int		 rc, rc2;

	/* A heap copy of exactly the input, so ASan sees any over-read. */
	if ((text = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	rc = read_all(text, size, NULL, &outlen, &nrec);
	rc2 = read_all(text, size, &tight, &outlen2, &nrec2);
	free(text);
	/* Tight limits cannot make bad input good. */
	CHECK(rc == ERR_NOTFOUND || rc2 != ERR_NOTFOUND || rc == ERR_TOOBIG);
	CHECK(nrec2 <= nrec || rc != ERR_NOTFOUND);
	if (rc != ERR_NOTFOUND || outlen == (size_t)-1)
		return 0;

	/* What was read reads back the same once written out quoted. */
	if ((again = malloc(outlen > 0 ? outlen : 1)) == NULL)
		return 0;
	memcpy(again, fz_out, outlen);
	rc2 = read_all(again, outlen, NULL, &outlen2, &nrec2);
	CHECK(rc2 == ERR_NOTFOUND);
	CHECK(nrec2 == nrec);
	CHECK(outlen2 == outlen && memcmp(again, fz_out, outlen) == 0);
	free(again);
	return 0;
}
