/* pinhash.h - officer PINs hashed with scrypt (OpenSSL 3 EVP_KDF "SCRYPT",
 * memory-hard) into a PHC string "$scrypt$ln=15,r=8,p=1$<salt>$<hash>"
 * (unpadded standard base64), and checked against one in constant time.
 * The centre hashes, the lanes verify. See docs/registry.md. The passwords
 * of the centre's users use the same scheme (docs/people.md). */
#ifndef SHEKARA_PINHASH_H
#define SHEKARA_PINHASH_H

#include <stddef.h>

/*
 * A PIN is 4..32 bytes of printable ASCII without space ('!'..'~'): digits
 * only on a keypad, letters too where the terminal has a keyboard. Case
 * matters.
 */
#define PINHASH_PIN_MIN		4
#define PINHASH_PIN_MAX		32

#define PINHASH_LN_DEFAULT	15	/* N = 2^15 */
#define PINHASH_R_DEFAULT	8
#define PINHASH_P_DEFAULT	1
#define PINHASH_SALT_LEN	16	/* bytes made by pinhash_make() */
#define PINHASH_HASH_LEN	32	/* bytes made by pinhash_make() */

/* Bounds a PHC string must keep to be verified, so that a hash from
 * outside cannot make the verifier spend unbounded memory or time. */
#define PINHASH_LN_MIN		1
#define PINHASH_LN_MAX		20	/* N at most 2^20 */
#define PINHASH_R_MAX		32
#define PINHASH_P_MAX		16
/* 128 * r * N bytes of memory at most */
#define PINHASH_MEM_MAX		(256u * 1024 * 1024)
#define PINHASH_SALT_MIN	8	/* salt bytes */
#define PINHASH_SALT_MAX	64
#define PINHASH_KEY_MIN		16	/* hash bytes */
#define PINHASH_KEY_MAX		64
#define PINHASH_STR_MAX		255	/* PHC string bytes, no NUL */

struct pinhash_params {
	int	ln;	/* log2 N */
	int	r;
	int	p;
};

/* 1 if pin[0..len) is a valid PIN (see above), else 0. */
int	pinhash_check_pin(const char *pin, size_t len);

/*
 * Hashes a PIN with a fresh 16-byte random salt and the default parameters
 * (params NULL) or params, into out (NUL-terminated, outsz bytes; 128 is
 * always enough). 0; ERR_INVAL (not a valid PIN), ERR_RANGE (params out of
 * the bounds above), ERR_TOOBIG (outsz too small), ERR_NOMEM, ERR_IO (the
 * random generator or the KDF failed).
 */
int	pinhash_make(const char *pin, size_t len,
	    const struct pinhash_params *params, char *out, size_t outsz);

/*
 * Checks a PHC string s[0..slen) for shape and bounds without hashing.
 * 0; ERR_PARSE (not "$scrypt$ln=N,r=N,p=N$<salt>$<hash>"), ERR_RANGE
 * (parameters, salt or hash length out of bounds). *params may be NULL.
 */
int	pinhash_parse(const char *s, size_t slen,
	    struct pinhash_params *params);

/*
 * 0 if pin matches the PHC string, ERR_AUTH if it does not (or is not a
 * valid PIN); ERR_PARSE or ERR_RANGE for a bad PHC string (as
 * pinhash_parse()), ERR_NOMEM, ERR_IO (the KDF failed). The comparison is
 * constant-time.
 */
int	pinhash_verify(const char *s, size_t slen, const char *pin,
	    size_t len);

/*
 * Passwords of the people who use the centre's API (docs/people.md) are
 * hashed the same way into the same PHC strings: 8..256 bytes of valid
 * UTF-8 (no overlong forms, surrogates or code points over U+10FFFF)
 * without control characters (U+0000..U+001F, U+007F); spaces allowed.
 */
#define PINHASH_PASSWORD_MIN	8
#define PINHASH_PASSWORD_MAX	256

/* 1 if pw[0..len) is a valid password (see above), else 0. */
int	pinhash_check_password(const char *pw, size_t len);

/* As pinhash_make() for a password: ERR_INVAL if it is not a valid one. */
int	pinhash_make_password(const char *pw, size_t len,
	    const struct pinhash_params *params, char *out, size_t outsz);

/* As pinhash_verify() for a password: ERR_AUTH if it does not match or is
 * not a valid password (nothing is hashed then). */
int	pinhash_verify_password(const char *s, size_t slen, const char *pw,
	    size_t len);

#endif
