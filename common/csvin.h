/* csvin.h - read CSV (RFC 4180) from a (ptr, len) buffer or a FILE, one
 * record at a time, for bulk imports. A header row is required and names
 * the columns; fields may be quoted ("" is a quote inside one, and a quoted
 * field may span lines); records end in LF or CRLF; empty lines are
 * skipped; every field must be UTF-8 and free of NUL bytes; fields,
 * records and columns are bounded. Errors name the physical line where the
 * record starts and the field: line 7, field "number": unterminated quote.
 * Our own because Debian's libcsv has no pkg-config file and has not been
 * maintained since 2013; this one is small and knows nothing of the centre. */
#ifndef SHEKARA_CSVIN_H
#define SHEKARA_CSVIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CSVIN_FIELD_MAX		4096	/* bytes in one field, default */
#define CSVIN_RECORD_MAX	65536	/* bytes in one record (a NUL per
					 * field counted), default */
#define CSVIN_COLS_MAX		64	/* fields in one record, default */
#define CSVIN_MSG_MAX		256	/* an error message, NUL included */

/* Limits; a zero member takes its default. */
struct csvin_limits {
	size_t	field_max;
	size_t	record_max;
	size_t	cols_max;
};

struct csvin;

/*
 * A reader over p[0..len), which must outlive it, or over fp (read in
 * chunks; the caller closes it). lim may be NULL for the defaults. 0 or
 * ERR_NOMEM. A UTF-8 byte order mark at the start is skipped.
 */
int	csvin_new_buf(struct csvin **out, const uint8_t *p, size_t len,
	    const struct csvin_limits *lim);
int	csvin_new_file(struct csvin **out, FILE *fp,
	    const struct csvin_limits *lim);
void	csvin_free(struct csvin *c);

/*
 * Reads the header row: column names non-empty and distinct. 0, ERR_PARSE
 * (no header, bad syntax, an empty or repeated name), ERR_TOOBIG (a limit),
 * ERR_IO (reading fp failed) or ERR_NOMEM; csvin_errmsg() says what.
 */
int	csvin_header(struct csvin *c);
/* The header's columns; name(i) for i < ncols. */
size_t	csvin_ncols(const struct csvin *c);
const char *csvin_colname(const struct csvin *c, size_t i);
/* The index of the column named name: 0, or ERR_NOTFOUND. */
int	csvin_colfind(const struct csvin *c, const char *name, size_t *idx);

/*
 * Reads the next record, which must have exactly ncols fields. 0 with a
 * record, ERR_NOTFOUND at the end of the input, else ERR_PARSE, ERR_TOOBIG,
 * ERR_IO or ERR_NOMEM with csvin_errmsg() set; an error is final (every
 * later call returns it again). The header must have been read.
 */
int	csvin_next(struct csvin *c);
/*
 * Field i (< ncols) of the current record: NUL-terminated, no NUL inside,
 * valid UTF-8, *len (may be NULL) its byte length. Valid until the next
 * csvin_next() or csvin_free().
 */
const char *csvin_field(const struct csvin *c, size_t i, size_t *len);
/* The physical line (from 1) where the current record starts. */
unsigned long	csvin_line(const struct csvin *c);
/* How many records csvin_next() has returned so far. */
unsigned long	csvin_count(const struct csvin *c);
/* The last error: "line 7, field \"number\": unterminated quote"; "" if
 * none. */
const char *csvin_errmsg(const struct csvin *c);

#endif
