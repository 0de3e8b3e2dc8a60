/* ptext.c - errors, JSON type names and text checks shared by the codecs
 * of proto/; see ptext.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "ptext.h"

int
ptext_error(struct proto_error *err, int rc, const char *path,
    const char *key, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (key == NULL)
		key = "";
	if (path[0] != '\0' && key[0] != '\0')
		n = snprintf(err->field, sizeof(err->field), "%s.%s", path,
		    key);
	else
		n = snprintf(err->field, sizeof(err->field), "%s%s", path,
		    key);
	if (n < 0)
		err->field[0] = '\0';
	/* The deepest path, "entries[4999].data.holder.given_names", is 37
	 * bytes: nothing is cut. */
	va_start(ap, fmt);
	n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->message[0] = '\0';
	return rc;
}

const char *
ptext_jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "an unknown type";
}

void
ptext_keyshow(char *dst, size_t dstsz, const char *s, size_t len)
{
	size_t	i, n;

	n = len < PTEXT_KEYSHOW_MAX ? len : PTEXT_KEYSHOW_MAX;
	if (n > dstsz - 4)
		n = dstsz - 4;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		dst[i] = (ch < 0x20 || ch > 0x7e || ch == '"' ||
		    ch == '\\') ? '?' : (char)ch;
	}
	if (n < len) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

int
ptext_utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	uint32_t	c;
	size_t		k, n;
	unsigned char	lo = 0x80, hi = 0xbf;

	c = s[*i];
	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		if (c == 0xed)
			hi = 0x9f;	/* surrogates */
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		if (c == 0xf4)
			hi = 0x8f;	/* over U+10FFFF */
		c &= 0x07;
	} else
		return -1;
	if (len - *i - 1 < n)
		return -1;
	for (k = 1; k <= n; k++) {
		unsigned char b = s[*i + k];

		if (b < lo || b > hi)
			return -1;
		lo = 0x80;
		hi = 0xbf;
		c = c << 6 | (b & 0x3f);
	}
	*i += n + 1;
	*cp = c;
	return 0;
}

enum ptext_fault
ptext_check(const char *s, size_t len, size_t min, size_t max, int nonblank,
    int lines)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0;
	uint32_t		 cp;
	int			 blank = 1;

	if (len < min)
		return PTEXT_EMPTY;
	if (len > max)
		return PTEXT_LONG;
	while (i < len) {
		if (ptext_utf8_next(u, len, &i, &cp) != 0)
			return PTEXT_UTF8;
		if (ptext_is_control(cp) && !(lines && (cp == '\t' ||
		    cp == '\n' || cp == '\r')))
			return PTEXT_CONTROL;
		if (!ptext_is_space(cp))
			blank = 0;
	}
	if (nonblank && len > 0 && blank)
		return PTEXT_BLANK;
	return PTEXT_OK;
}

const char *
ptext_msg(enum ptext_fault f, const char *toolong)
{
	switch (f) {
	case PTEXT_OK:
		return NULL;
	case PTEXT_EMPTY:
		return "must not be empty";
	case PTEXT_LONG:
		return toolong;
	case PTEXT_UTF8:
		return "must be valid UTF-8";
	case PTEXT_CONTROL:
		return "must not contain control characters";
	case PTEXT_BLANK:
		return "must not be blank";
	}
	return "is invalid";
}

const char *
ptext_jerr_reason(const json_error_t *je, char *buf, size_t bufsz)
{
	const char	*near, *q;
	char		 key[PTEXT_KEYSHOW_MAX + 4];
	size_t		 n;

	switch (json_error_code(je)) {
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_premature_end_of_input:
		return "unexpected end of input";
	case json_error_end_of_input_expected:
		return "unexpected data after the JSON object";
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return "\\u0000 is not allowed in a string";
	case json_error_numeric_overflow:
		return "number too large";
	case json_error_stack_overflow:
		return "nested too deeply";
	case json_error_duplicate_key:
		/* jansson: duplicate object key near '"k"' */
		near = strstr(je->text, " near '\"");
		if (near != NULL) {
			near += 8;
			q = strrchr(near, '"');
			n = q != NULL && q > near ? (size_t)(q - near) : 0;
			ptext_keyshow(key, sizeof(key), near, n);
			if (snprintf(buf, bufsz, "duplicate key \"%s\"",
			    key) < (int)bufsz)
				return buf;
		}
		return "duplicate key";
	default:
		break;
	}
	/* The lexer's own words, without the " near 'token'" that could
	 * quote personal data. */
	n = strcspn(je->text, "\n");
	if ((near = strstr(je->text, " near ")) != NULL)
		n = (size_t)(near - je->text);
	if (n == 0 || n >= bufsz)
		return "invalid syntax";
	memcpy(buf, je->text, n);
	buf[n] = '\0';
	return buf;
}

int
ptext_unknown_keys(json_t *o, const char *const *known, const char *path,
    struct proto_error *err)
{
	const char	*key;
	json_t		*v;
	char		 show[PTEXT_KEYSHOW_MAX + 4];
	size_t		 i;

	json_object_foreach(o, key, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			ptext_keyshow(show, sizeof(show), key, strlen(key));
			return ptext_error(err, ERR_INVAL, path, NULL,
			    "unknown key \"%s\"", show);
		}
	}
	return 0;
}
