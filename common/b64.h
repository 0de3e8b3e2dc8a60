/* b64.h - base64 (RFC 4648): the standard alphabet (section 4) and the
 * URL- and file-safe one (section 5), padded with "=" or not, and strict
 * decoding: one spelling per value (no characters outside the alphabet,
 * no misplaced padding, no non-zero trailing bits). */
#ifndef SHEKARA_B64_H
#define SHEKARA_B64_H

#include <stddef.h>
#include <stdint.h>

#define B64_PAD		0x1	/* "=" up to a multiple of 4 symbols */
#define B64_URL		0x2	/* "-_" instead of "+/" */

/* The characters (without a NUL) that n bytes encode to. */
#define B64_LEN(n, flags) \
	(((flags) & B64_PAD) ? ((n) + 2) / 3 * 4 : ((n) * 4 + 2) / 3)

/*
 * Encodes in[0..n) into out, NUL-terminated; *outlen (may be NULL) gets
 * the characters written. ERR_RANGE, out untouched, if outsz is less than
 * B64_LEN(n, flags) + 1.
 */
int	b64_encode(const uint8_t *in, size_t n, int flags, char *out,
	    size_t outsz, size_t *outlen);

/*
 * Decodes s[0..len) into out (room for outsz bytes); *outlen gets the
 * bytes. ERR_PARSE for a character outside the alphabet, padding where the
 * flags want none or missing or misplaced where they want it, a length of
 * 4k+1 symbols, or non-zero trailing bits; ERR_RANGE if it decodes to more
 * than outsz bytes. On failure out's content is undefined, *outlen unset.
 */
int	b64_decode(const char *s, size_t len, int flags, uint8_t *out,
	    size_t outsz, size_t *outlen);

/* The 6-bit value of ch in the flags' alphabet, or -1 ("=" included). */
int	b64_value(int ch, int flags);

#endif
