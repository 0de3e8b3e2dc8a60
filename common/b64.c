/* b64.c - base64 (RFC 4648 sections 4 and 5) with strict decoding. */
#include <stddef.h>
#include <stdint.h>

#include "b64.h"
#include "err.h"

static const char	b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char	b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
b64_encode(const uint8_t *in, size_t n, int flags, char *out, size_t outsz,
    size_t *outlen)
{
	const char	*a = (flags & B64_URL) ? b64_url : b64_std;
	size_t		 i, o = 0;
	uint32_t	 v;

	if (n > (SIZE_MAX - 3) / 4 || outsz < B64_LEN(n, flags) + 1)
		return ERR_RANGE;
	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (n - i > 0) {
		v = (uint32_t)in[i] << 16;
		if (n - i == 2)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		if (n - i == 2)
			out[o++] = a[v >> 6 & 63];
		if (flags & B64_PAD)
			while (o % 4 != 0)
				out[o++] = '=';
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

int
b64_value(int ch, int flags)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == ((flags & B64_URL) ? '-' : '+'))
		return 62;
	if (ch == ((flags & B64_URL) ? '_' : '/'))
		return 63;
	return -1;
}

int
b64_decode(const char *s, size_t len, int flags, uint8_t *out,
    size_t outsz, size_t *outlen)
{
	size_t		i, o = 0, n, pad = 0;
	uint32_t	acc = 0;
	int		bits = 0, v;

	if (flags & B64_PAD) {
		if (len % 4 != 0)
			return ERR_PARSE;
		while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
			pad++;
		len -= pad;
		/* One "=" after three symbols, two after two: nothing else. */
		if (pad > 0 && len % 4 != 4 - pad)
			return ERR_PARSE;
	}
	if (len % 4 == 1)
		return ERR_PARSE;
	n = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	if (n > outsz)
		return ERR_RANGE;
	for (i = 0; i < len; i++) {
		if ((v = b64_value((unsigned char)s[i], flags)) < 0)
			return ERR_PARSE;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return ERR_PARSE;
	*outlen = o;
	return 0;
}
