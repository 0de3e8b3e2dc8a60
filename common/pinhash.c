/* pinhash.c - scrypt PIN and password hashes as PHC strings: bounded
 * parsing, strict unpadded base64 (b64.h), OpenSSL's EVP_KDF "SCRYPT" and a
 * constant-time compare. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "b64.h"
#include "err.h"
#include "pinhash.h"

#define PH_PREFIX	"$scrypt$"
#define PH_PREFIX_LEN	(sizeof(PH_PREFIX) - 1)

int
pinhash_check_pin(const char *pin, size_t len)
{
	size_t	i;

	if (pin == NULL || len < PINHASH_PIN_MIN || len > PINHASH_PIN_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (pin[i] < '!' || pin[i] > '~')
			return 0;
	return 1;
}

/* A decimal 0..9999 without sign or leading zero at s[*i..len), up to
 * stop. */
static int
parse_num(const char *s, size_t len, size_t *i, char stop, int *out)
{
	size_t	start = *i;
	int	v = 0;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		if (*i - start >= 4)
			return ERR_PARSE;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	if (*i == start || (s[start] == '0' && *i - start > 1))
		return ERR_PARSE;
	if (*i >= len || s[*i] != stop)
		return ERR_PARSE;
	(*i)++;
	*out = v;
	return 0;
}

static int
params_check(const struct pinhash_params *pp)
{
	uint64_t	mem;

	if (pp->ln < PINHASH_LN_MIN || pp->ln > PINHASH_LN_MAX ||
	    pp->r < 1 || pp->r > PINHASH_R_MAX ||
	    pp->p < 1 || pp->p > PINHASH_P_MAX)
		return ERR_RANGE;
	mem = (uint64_t)128 * (uint64_t)pp->r * ((uint64_t)1 << pp->ln);
	if (mem > PINHASH_MEM_MAX)
		return ERR_RANGE;
	return 0;
}

/* The parts of a PHC string: parameters, salt and hash (decoded). */
struct phc {
	struct pinhash_params	pp;
	uint8_t			salt[PINHASH_SALT_MAX];
	size_t			saltlen;
	uint8_t			key[PINHASH_KEY_MAX];
	size_t			keylen;
};

static int
phc_parse(const char *s, size_t slen, struct phc *ph)
{
	size_t	i, start, b64max;
	int	rc;

	if (s == NULL || slen > PINHASH_STR_MAX || slen < PH_PREFIX_LEN ||
	    memcmp(s, PH_PREFIX, PH_PREFIX_LEN) != 0)
		return ERR_PARSE;
	i = PH_PREFIX_LEN;
	if (slen - i < 3 || memcmp(s + i, "ln=", 3) != 0)
		return ERR_PARSE;
	i += 3;
	if ((rc = parse_num(s, slen, &i, ',', &ph->pp.ln)) != 0)
		return rc;
	if (slen - i < 2 || memcmp(s + i, "r=", 2) != 0)
		return ERR_PARSE;
	i += 2;
	if ((rc = parse_num(s, slen, &i, ',', &ph->pp.r)) != 0)
		return rc;
	if (slen - i < 2 || memcmp(s + i, "p=", 2) != 0)
		return ERR_PARSE;
	i += 2;
	if ((rc = parse_num(s, slen, &i, '$', &ph->pp.p)) != 0)
		return rc;

	/* salt */
	start = i;
	while (i < slen && s[i] != '$')
		i++;
	if (i >= slen)
		return ERR_PARSE;
	b64max = (PINHASH_SALT_MAX * 4 + 2) / 3;
	if (i - start > b64max)
		return ERR_RANGE;
	if ((rc = b64_decode(s + start, i - start, 0, ph->salt,
	    sizeof(ph->salt), &ph->saltlen)) != 0)
		return rc;
	i++;

	/* hash: the rest */
	start = i;
	while (i < slen && s[i] != '$')
		i++;
	if (i != slen)
		return ERR_PARSE;
	b64max = (PINHASH_KEY_MAX * 4 + 2) / 3;
	if (i - start > b64max)
		return ERR_RANGE;
	if ((rc = b64_decode(s + start, i - start, 0, ph->key,
	    sizeof(ph->key), &ph->keylen)) != 0)
		return rc;

	if (ph->saltlen < PINHASH_SALT_MIN || ph->keylen < PINHASH_KEY_MIN)
		return ERR_RANGE;
	return params_check(&ph->pp);
}

int
pinhash_parse(const char *s, size_t slen, struct pinhash_params *params)
{
	struct phc	ph;
	int		rc;

	if ((rc = phc_parse(s, slen, &ph)) != 0)
		return rc;
	if (params != NULL)
		*params = ph.pp;
	return 0;
}

/* scrypt(pin, salt) with pp into key[0..keylen). */
static int
scrypt_derive(const char *pin, size_t len, const uint8_t *salt,
    size_t saltlen, const struct pinhash_params *pp, uint8_t *key,
    size_t keylen)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx;
	OSSL_PARAM	 prm[7], *q = prm;
	uint64_t	 n = (uint64_t)1 << pp->ln, maxmem;
	uint32_t	 r = (uint32_t)pp->r, p = (uint32_t)pp->p;
	int		 ok;

	/* OpenSSL needs 128 * r * (N + 2 + p) bytes; allow that and a
	 * page, no more. */
	maxmem = (uint64_t)128 * r * (n + 2 + p) + 4096;
	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL)
		return ERR_IO;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return ERR_NOMEM;
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)pin, len);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, saltlen);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM,
	    &maxmem);
	*q = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(ctx, key, keylen, prm) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok ? 0 : ERR_IO;
}

int
pinhash_check_password(const char *pw, size_t len)
{
	const unsigned char	*p = (const unsigned char *)pw;
	size_t			 i = 0, n, k;
	uint32_t		 cp;

	if (pw == NULL || len < PINHASH_PASSWORD_MIN ||
	    len > PINHASH_PASSWORD_MAX)
		return 0;
	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			cp = p[i] & 0x07;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* overlong, surrogate, past U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n + 1;
	}
	return 1;
}

/* The PHC string of secret[0..len) with a fresh salt and pp (checked). */
static int
phc_make(const char *secret, size_t len,
    const struct pinhash_params *params, char *out, size_t outsz)
{
	struct pinhash_params	pp = { PINHASH_LN_DEFAULT,
				    PINHASH_R_DEFAULT, PINHASH_P_DEFAULT };
	uint8_t			salt[PINHASH_SALT_LEN];
	uint8_t			key[PINHASH_HASH_LEN];
	char			buf[PINHASH_STR_MAX + 1];
	size_t			o, w;
	int			n, rc;

	if (params != NULL)
		pp = *params;
	if ((rc = params_check(&pp)) != 0)
		return rc;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return ERR_IO;
	if ((rc = scrypt_derive(secret, len, salt, sizeof(salt), &pp, key,
	    sizeof(key))) != 0) {
		OPENSSL_cleanse(key, sizeof(key));
		return rc;
	}
	n = snprintf(buf, sizeof(buf), PH_PREFIX "ln=%d,r=%d,p=%d$", pp.ln,
	    pp.r, pp.p);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		OPENSSL_cleanse(key, sizeof(key));
		return ERR_TOOBIG;
	}
	/* 22 + 1 + 43 characters still fit in buf. */
	o = (size_t)n;
	if ((rc = b64_encode(salt, sizeof(salt), 0, buf + o, sizeof(buf) - o,
	    &w)) == 0) {
		o += w;
		buf[o++] = '$';		/* where the NUL was */
		rc = b64_encode(key, sizeof(key), 0, buf + o, sizeof(buf) - o,
		    &w);
		o += rc == 0 ? w : 0;
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0 || o >= outsz)
		return ERR_TOOBIG;
	memcpy(out, buf, o + 1);
	return 0;
}

int
pinhash_make(const char *pin, size_t len,
    const struct pinhash_params *params, char *out, size_t outsz)
{
	if (!pinhash_check_pin(pin, len))
		return ERR_INVAL;
	return phc_make(pin, len, params, out, outsz);
}

int
pinhash_make_password(const char *pw, size_t len,
    const struct pinhash_params *params, char *out, size_t outsz)
{
	if (!pinhash_check_password(pw, len))
		return ERR_INVAL;
	return phc_make(pw, len, params, out, outsz);
}

/* secret against the PHC string; valid says whether secret keeps its
 * rules (checked by the caller, after the string's shape). */
static int
phc_verify(const char *s, size_t slen, const char *secret, size_t len,
    int valid)
{
	struct phc	ph;
	uint8_t		key[PINHASH_KEY_MAX];
	int		rc;

	if ((rc = phc_parse(s, slen, &ph)) != 0)
		return rc;
	if (!valid)
		return ERR_AUTH;
	if ((rc = scrypt_derive(secret, len, ph.salt, ph.saltlen, &ph.pp, key,
	    ph.keylen)) != 0)
		return rc;
	rc = CRYPTO_memcmp(key, ph.key, ph.keylen) == 0 ? 0 : ERR_AUTH;
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int
pinhash_verify(const char *s, size_t slen, const char *pin, size_t len)
{
	return phc_verify(s, slen, pin, len, pinhash_check_pin(pin, len));
}

int
pinhash_verify_password(const char *s, size_t slen, const char *pw,
    size_t len)
{
	return phc_verify(s, slen, pw, len, pinhash_check_password(pw, len));
}
