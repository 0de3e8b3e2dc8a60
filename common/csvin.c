/* csvin.c - an RFC 4180 CSV reader over a buffer or a FILE; see csvin.h.
 * Bytes come through a one-byte look-ahead source (the buffer, or the
 * FILE in chunks); each record is assembled in one bounded buffer, every
 * field NUL-terminated there, with the fields' offsets beside it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "err.h"

#define CSVIN_CHUNK	65536	/* bytes read from a FILE at a time */
#define CSVIN_EOF	(-1)	/* csvin_getc(): end of input */
#define CSVIN_IOERR	(-2)	/* csvin_getc(): reading failed */

struct csvin {
	/* source */
	const uint8_t	*p;		/* buffer, or the chunk read */
	size_t		 len, pos;
	FILE		*fp;		/* NULL: buffer */
	uint8_t		*chunk;
	int		 ahead[3];	/* bytes pushed back, last first */
	size_t		 nahead;
	int		 started;	/* BOM check done */
	unsigned long	 line;		/* physical line of the next byte */
	/* limits */
	size_t		 field_max, record_max, cols_max;
	/* the current record */
	char		*rec;		/* fields, each NUL-terminated */
	size_t		 reclen, recsz;
	size_t		*off;		/* cols_max: where each field starts */
	size_t		*flen;		/* cols_max: each field's length */
	size_t		 nf;
	unsigned long	 recline;
	unsigned long	 count;
	/* the header */
	char		*hdr;		/* a copy of the header's rec */
	size_t		*hoff;
	size_t		 ncols;
	int		 have_header;
	/* the error, final once set */
	int		 err;
	char		 msg[CSVIN_MSG_MAX];
};

static int
csvin_new(struct csvin **out, const struct csvin_limits *lim)
{
	struct csvin	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	c->field_max = CSVIN_FIELD_MAX;
	c->record_max = CSVIN_RECORD_MAX;
	c->cols_max = CSVIN_COLS_MAX;
	if (lim != NULL) {
		if (lim->field_max > 0)
			c->field_max = lim->field_max;
		if (lim->record_max > 0)
			c->record_max = lim->record_max;
		if (lim->cols_max > 0)
			c->cols_max = lim->cols_max;
	}
	/* A field's bytes and NUL are part of the record. */
	if (c->record_max < 2)
		c->record_max = 2;
	if (c->field_max >= c->record_max)
		c->field_max = c->record_max - 1;
	c->line = 1;
	c->recsz = c->record_max < 4096 ? c->record_max : 4096;
	c->rec = malloc(c->recsz);
	c->off = calloc(c->cols_max, sizeof(*c->off));
	c->flen = calloc(c->cols_max, sizeof(*c->flen));
	if (c->rec == NULL || c->off == NULL || c->flen == NULL) {
		csvin_free(c);
		return ERR_NOMEM;
	}
	*out = c;
	return 0;
}

int
csvin_new_buf(struct csvin **out, const uint8_t *p, size_t len,
    const struct csvin_limits *lim)
{
	struct csvin	*c;
	int		 rc;

	if ((rc = csvin_new(&c, lim)) != 0)
		return rc;
	c->p = p;
	c->len = len;
	*out = c;
	return 0;
}

int
csvin_new_file(struct csvin **out, FILE *fp, const struct csvin_limits *lim)
{
	struct csvin	*c;
	int		 rc;

	if ((rc = csvin_new(&c, lim)) != 0)
		return rc;
	if ((c->chunk = malloc(CSVIN_CHUNK)) == NULL) {
		csvin_free(c);
		return ERR_NOMEM;
	}
	c->fp = fp;
	c->p = c->chunk;
	*out = c;
	return 0;
}

void
csvin_free(struct csvin *c)
{
	if (c == NULL)
		return;
	free(c->chunk);
	free(c->rec);
	free(c->off);
	free(c->flen);
	free(c->hdr);
	free(c->hoff);
	free(c);
}

/* The next byte, CSVIN_EOF or CSVIN_IOERR. */
static int
csvin_getc(struct csvin *c)
{
	size_t	n;

	if (c->nahead > 0)
		return c->ahead[--c->nahead];
	if (c->pos == c->len) {
		if (c->fp == NULL)
			return CSVIN_EOF;
		n = fread(c->chunk, 1, CSVIN_CHUNK, c->fp);
		if (n == 0)
			return ferror(c->fp) ? CSVIN_IOERR : CSVIN_EOF;
		c->len = n;
		c->pos = 0;
	}
	return c->p[c->pos++];
}

/* Pushes back a byte (at most three); the end or an error stays. */
static void
csvin_ungetc(struct csvin *c, int ch)
{
	if (ch >= 0 && c->nahead < sizeof(c->ahead) / sizeof(c->ahead[0]))
		c->ahead[c->nahead++] = ch;
}

/* Sets the final error: "line L[, field F]: message". */
static int
csvin_fail(struct csvin *c, int rc, unsigned long line, size_t field,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
csvin_fail(struct csvin *c, int rc, unsigned long line, size_t field,
    const char *fmt, ...)
{
	va_list	ap;
	size_t	n;
	int	k;

	if (field == (size_t)-1)
		k = snprintf(c->msg, sizeof(c->msg), "line %lu: ", line);
	else if (c->have_header && field < c->ncols)
		k = snprintf(c->msg, sizeof(c->msg), "line %lu, field \"%.64s\""
		    ": ", line, c->hdr + c->hoff[field]);
	else
		k = snprintf(c->msg, sizeof(c->msg), "line %lu, field %zu: ",
		    line, field + 1);
	n = k > 0 && (size_t)k < sizeof(c->msg) ? (size_t)k : 0;
	va_start(ap, fmt);
	/* A message cut at the buffer's end still says where. */
	(void)vsnprintf(c->msg + n, sizeof(c->msg) - n, fmt, ap);
	va_end(ap);
	c->err = rc;
	return rc;
}

/* The length of a valid UTF-8 sequence at s[i..len), or 0. */
static size_t
csvin_utf8_seq(const unsigned char *s, size_t len, size_t i)
{
	unsigned char	b = s[i];
	size_t		n, k;
	unsigned long	cp;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf) {
		n = 2;
		cp = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		cp = b & 0x0f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		cp = b & 0x07;
	} else
		return 0;
	if (n > len - i)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i + k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;	/* overlong, surrogate, beyond Unicode */
	return n;
}

/* 0 if s[0..len) is UTF-8, else the offset of the first bad byte + 1. */
static size_t
csvin_utf8_bad(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n;

	while (i < len) {
		if ((n = csvin_utf8_seq(u, len, i)) == 0)
			return i + 1;
		i += n;
	}
	return 0;
}

/* Room for need more bytes in the record, growing it up to record_max. */
static int
csvin_room(struct csvin *c, size_t need)
{
	size_t	 nsz;
	char	*p;

	if (c->reclen + need <= c->recsz)
		return 0;
	if (c->reclen + need > c->record_max)
		return csvin_fail(c, ERR_TOOBIG, c->recline, (size_t)-1,
		    "record over %zu bytes", c->record_max);
	nsz = c->recsz * 2 < c->record_max ? c->recsz * 2 : c->record_max;
	if ((p = realloc(c->rec, nsz)) == NULL)
		return csvin_fail(c, ERR_NOMEM, c->recline, (size_t)-1,
		    "out of memory");
	c->rec = p;
	c->recsz = nsz;
	return 0;
}

/* Appends one byte of field nf to the record. */
static int
csvin_put(struct csvin *c, int ch)
{
	int	rc;

	if (c->reclen - c->off[c->nf] >= c->field_max)
		return csvin_fail(c, ERR_TOOBIG, c->recline, c->nf,
		    "over %zu bytes", c->field_max);
	if (ch == 0)
		return csvin_fail(c, ERR_PARSE, c->recline, c->nf,
		    "NUL byte");
	/* Room for this byte and the field's NUL. */
	if ((rc = csvin_room(c, 2)) != 0)
		return rc;
	c->rec[c->reclen++] = (char)ch;
	return 0;
}

/* Ends field nf: NUL, UTF-8 check, count. */
static int
csvin_endfield(struct csvin *c)
{
	size_t	n = c->reclen - c->off[c->nf], bad;

	/* csvin_put() left room for the NUL. */
	c->rec[c->reclen++] = '\0';
	if ((bad = csvin_utf8_bad(c->rec + c->off[c->nf], n)) != 0)
		return csvin_fail(c, ERR_PARSE, c->recline, c->nf,
		    "not UTF-8 (byte %zu)", bad);
	c->flen[c->nf] = n;
	c->nf++;
	return 0;
}

/* Starts field nf (there is a next one after a comma). */
static int
csvin_startfield(struct csvin *c)
{
	int	rc;

	if (c->nf >= c->cols_max)
		return csvin_fail(c, ERR_TOOBIG, c->recline, (size_t)-1,
		    "more than %zu fields", c->cols_max);
	if (c->have_header && c->nf >= c->ncols)
		return csvin_fail(c, ERR_PARSE, c->recline, (size_t)-1,
		    "more fields than the header's %zu", c->ncols);
	if ((rc = csvin_room(c, 1)) != 0)	/* the field's NUL */
		return rc;
	c->off[c->nf] = c->reclen;
	return 0;
}

/*
 * After a CR: the LF that must follow it. 0 (LF taken, line counted) or
 * an error naming field nf.
 */
static int
csvin_crlf(struct csvin *c)
{
	int	ch = csvin_getc(c);

	if (ch == '\n') {
		c->line++;
		return 0;
	}
	if (ch == CSVIN_IOERR)
		return csvin_fail(c, ERR_IO, c->line, (size_t)-1,
		    "read error");
	return csvin_fail(c, ERR_PARSE, c->line, (size_t)-1, "a CR not "
	    "followed by LF (lines must end in LF or CRLF)");
}

enum csvin_end { CSVIN_FIELD_END, CSVIN_RECORD_END };

/* A quoted field, the opening quote taken; sets *end. */
static int
csvin_quoted(struct csvin *c, enum csvin_end *end)
{
	unsigned long	opened = c->line;
	int		ch, rc;

	for (;;) {
		ch = csvin_getc(c);
		if (ch == CSVIN_IOERR)
			return csvin_fail(c, ERR_IO, c->recline, c->nf,
			    "read error");
		if (ch == CSVIN_EOF) {
			if (opened != c->recline)
				return csvin_fail(c, ERR_PARSE, c->recline,
				    c->nf, "unterminated quote (opened on "
				    "line %lu)", opened);
			return csvin_fail(c, ERR_PARSE, c->recline, c->nf,
			    "unterminated quote");
		}
		if (ch == '"') {
			ch = csvin_getc(c);
			if (ch != '"') {
				csvin_ungetc(c, ch);
				break;
			}
		} else if (ch == '\n')
			c->line++;
		if ((rc = csvin_put(c, ch)) != 0)
			return rc;
	}
	/* After the closing quote: a separator, a line end or the end. */
	ch = csvin_getc(c);
	switch (ch) {
	case ',':
		*end = CSVIN_FIELD_END;
		return 0;
	case '\n':
		c->line++;
		*end = CSVIN_RECORD_END;
		return 0;
	case '\r':
		*end = CSVIN_RECORD_END;
		return csvin_crlf(c);
	case CSVIN_EOF:
		*end = CSVIN_RECORD_END;
		return 0;
	case CSVIN_IOERR:
		return csvin_fail(c, ERR_IO, c->recline, c->nf, "read error");
	default:
		return csvin_fail(c, ERR_PARSE, c->recline, c->nf, "text "
		    "after the closing quote (a quote inside a quoted field "
		    "is written \"\")");
	}
}

/* An unquoted field, its first byte ch; sets *end. */
static int
csvin_plain(struct csvin *c, int ch, enum csvin_end *end)
{
	int	rc;

	for (;; ch = csvin_getc(c)) {
		switch (ch) {
		case ',':
			*end = CSVIN_FIELD_END;
			return 0;
		case '\n':
			c->line++;
			*end = CSVIN_RECORD_END;
			return 0;
		case '\r':
			*end = CSVIN_RECORD_END;
			return csvin_crlf(c);
		case CSVIN_EOF:
			*end = CSVIN_RECORD_END;
			return 0;
		case CSVIN_IOERR:
			return csvin_fail(c, ERR_IO, c->recline, c->nf,
			    "read error");
		case '"':
			return csvin_fail(c, ERR_PARSE, c->recline, c->nf,
			    "a quote inside an unquoted field (quote the "
			    "whole field and write the quote as \"\")");
		default:
			if ((rc = csvin_put(c, ch)) != 0)
				return rc;
		}
	}
}

/* One record into rec; ERR_NOTFOUND at the end of the input. */
static int
csvin_record(struct csvin *c)
{
	enum csvin_end	end;
	int		ch, rc, b[3];

	if (c->err != 0)
		return c->err;
	if (!c->started) {
		c->started = 1;
		/* A UTF-8 byte order mark, as spreadsheets write it. */
		b[0] = csvin_getc(c);
		b[1] = b[0] == 0xef ? csvin_getc(c) : CSVIN_EOF;
		b[2] = b[1] == 0xbb ? csvin_getc(c) : CSVIN_EOF;
		if (b[2] != 0xbf) {
			csvin_ungetc(c, b[2]);
			csvin_ungetc(c, b[1]);
			csvin_ungetc(c, b[0]);
		}
	}
	/* Skip empty lines. */
	for (;;) {
		ch = csvin_getc(c);
		if (ch == '\n')
			c->line++;
		else if (ch == '\r') {
			if ((rc = csvin_crlf(c)) != 0)
				return rc;
		} else
			break;
	}
	if (ch == CSVIN_EOF)
		return ERR_NOTFOUND;
	if (ch == CSVIN_IOERR)
		return csvin_fail(c, ERR_IO, c->line, (size_t)-1,
		    "read error");
	c->recline = c->line;
	c->reclen = 0;
	c->nf = 0;
	do {
		if ((rc = csvin_startfield(c)) != 0)
			return rc;
		if (ch == '"')
			rc = csvin_quoted(c, &end);
		else
			rc = csvin_plain(c, ch, &end);
		if (rc != 0 || (rc = csvin_endfield(c)) != 0)
			return rc;
		if (end == CSVIN_FIELD_END)
			ch = csvin_getc(c);
	} while (end == CSVIN_FIELD_END);
	return 0;
}

int
csvin_header(struct csvin *c)
{
	size_t	i, j;
	int	rc;

	if (c->have_header)
		return ERR_INVAL;
	if ((rc = csvin_record(c)) == ERR_NOTFOUND)
		return csvin_fail(c, ERR_PARSE, c->line, (size_t)-1,
		    "no header row (the file is empty)");
	if (rc != 0)
		return rc;
	for (i = 0; i < c->nf; i++) {
		if (c->flen[i] == 0)
			return csvin_fail(c, ERR_PARSE, c->recline, i,
			    "empty column name in the header");
		for (j = 0; j < i; j++)
			if (strcmp(c->rec + c->off[i], c->rec + c->off[j]) == 0)
				return csvin_fail(c, ERR_PARSE, c->recline, i,
				    "column \"%.64s\" named twice in the "
				    "header", c->rec + c->off[i]);
	}
	if ((c->hdr = malloc(c->reclen)) == NULL ||
	    (c->hoff = calloc(c->nf, sizeof(*c->hoff))) == NULL)
		return csvin_fail(c, ERR_NOMEM, c->recline, (size_t)-1,
		    "out of memory");
	memcpy(c->hdr, c->rec, c->reclen);
	memcpy(c->hoff, c->off, c->nf * sizeof(*c->hoff));
	c->ncols = c->nf;
	c->have_header = 1;
	return 0;
}

size_t
csvin_ncols(const struct csvin *c)
{
	return c->ncols;
}

const char *
csvin_colname(const struct csvin *c, size_t i)
{
	return i < c->ncols ? c->hdr + c->hoff[i] : "";
}

int
csvin_colfind(const struct csvin *c, const char *name, size_t *idx)
{
	size_t	i;

	for (i = 0; i < c->ncols; i++) {
		if (strcmp(c->hdr + c->hoff[i], name) == 0) {
			*idx = i;
			return 0;
		}
	}
	return ERR_NOTFOUND;
}

int
csvin_next(struct csvin *c)
{
	int	rc;

	if (c->err != 0)
		return c->err;
	if (!c->have_header)
		return ERR_INVAL;
	if ((rc = csvin_record(c)) != 0)
		return rc;
	if (c->nf != c->ncols)
		return csvin_fail(c, ERR_PARSE, c->recline, (size_t)-1,
		    "%zu field%s, the header has %zu", c->nf,
		    c->nf == 1 ? "" : "s", c->ncols);
	c->count++;
	return 0;
}

const char *
csvin_field(const struct csvin *c, size_t i, size_t *len)
{
	if (i >= c->nf || c->err != 0) {
		if (len != NULL)
			*len = 0;
		return "";
	}
	if (len != NULL)
		*len = c->flen[i];
	return c->rec + c->off[i];
}

unsigned long
csvin_line(const struct csvin *c)
{
	return c->recline;
}

unsigned long
csvin_count(const struct csvin *c)
{
	return c->count;
}

const char *
csvin_errmsg(const struct csvin *c)
{
	return c->err != 0 ? c->msg : "";
}
