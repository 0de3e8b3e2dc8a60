/* ptext.h - private to proto/: the error, JSON-type and text checks every
 * codec of this directory shares (proto.c, feed.c). Not for other modules. */
#ifndef SHEKARA_PTEXT_H
#define SHEKARA_PTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto.h"

#define PTEXT_KEYSHOW_MAX	32	/* bytes of an unknown key shown */

enum ptext_fault {
	PTEXT_OK,
	PTEXT_EMPTY,
	PTEXT_LONG,
	PTEXT_UTF8,
	PTEXT_CONTROL,
	PTEXT_BLANK
};

/* Fill *err: field is path.key (either may be empty); returns rc. */
int	ptext_error(struct proto_error *err, int rc, const char *path,
	    const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Why jansson refused a text, in words that never quote the input (no
 * " near 'token'"); may use buf. */
const char *ptext_jerr_reason(const json_error_t *je, char *buf, size_t bufsz);
/* ERR_INVAL naming the first key of o that is not in known (NULL-ended),
 * at path; else 0. */
int	ptext_unknown_keys(json_t *o, const char *const *known,
	    const char *path, struct proto_error *err);
/* "an object", "a string", ... for a message. */
const char *ptext_jtype(const json_t *v);
/* A key from the wire, safe to show: printable ASCII, at most
 * PTEXT_KEYSHOW_MAX bytes and "..."; dstsz >= PTEXT_KEYSHOW_MAX + 4. */
void	ptext_keyshow(char *dst, size_t dstsz, const char *s, size_t len);
/* Decode one UTF-8 sequence at s[*i]; -1 if malformed. */
int	ptext_utf8_next(const unsigned char *s, size_t len, size_t *i,
	    uint32_t *cp);
/*
 * len in min..max bytes of valid UTF-8 without control characters (with
 * lines, tab, LF and CR are allowed) and, with nonblank, not only spaces.
 */
enum ptext_fault ptext_check(const char *s, size_t len, size_t min,
	    size_t max, int nonblank, int lines);
/* The message for a fault; NULL for PTEXT_OK, toolong for PTEXT_LONG. */
const char *ptext_msg(enum ptext_fault f, const char *toolong);

static inline int
ptext_is_upper(char ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static inline int
ptext_is_lower(char ch)
{
	return ch >= 'a' && ch <= 'z';
}

static inline int
ptext_is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static inline int
ptext_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Unicode space separators (Zs). */
static inline int
ptext_is_space(uint32_t cp)
{
	return cp == 0x20 || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f ||
	    cp == 0x3000;
}

#endif
