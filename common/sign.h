/* sign.h - Ed25519 signatures (RFC 8032) with OpenSSL 3 EVP: load a private
 * key (PEM PKCS#8) or a public key (PEM SubjectPublicKeyInfo), sign, verify,
 * and name a public key by a short key id. Knows nothing of what is signed. */
#ifndef SHEKARA_SIGN_H
#define SHEKARA_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_PUBKEY_LEN	32
#define SIGN_SIG_LEN	64
#define SIGN_KEYID_LEN	16	/* hex chars: first 8 bytes of SHA-256(public
				 * key) */

struct sign_key;		/* a private key */

/* PEM PKCS#8 Ed25519 private key: ERR_IO (errno set), ERR_PARSE (not a PEM
 * private key), ERR_INVAL (not Ed25519), ERR_NOMEM. */
int	sign_key_load(struct sign_key **out, const char *path);
/* Wipes and frees; NULL does nothing. */
void	sign_key_free(struct sign_key *k);
void	sign_key_public(const struct sign_key *k,
	    uint8_t pub[SIGN_PUBKEY_LEN]);
/* 0, or ERR_NOMEM/ERR_INVAL if OpenSSL fails. */
int	sign_sign(const struct sign_key *k, const uint8_t *msg, size_t len,
	    uint8_t sig[SIGN_SIG_LEN]);
/* 0 if sig is pub's signature of msg, else ERR_AUTH. */
int	sign_verify(const uint8_t pub[SIGN_PUBKEY_LEN], const uint8_t *msg,
	    size_t len, const uint8_t sig[SIGN_SIG_LEN]);
/* PEM SubjectPublicKeyInfo: ERR_IO, ERR_PARSE, ERR_INVAL (not Ed25519). */
int	sign_pubkey_load(uint8_t pub[SIGN_PUBKEY_LEN], const char *path);
/* out: SIGN_KEYID_LEN lower-case hex chars and a NUL. */
void	sign_keyid(const uint8_t pub[SIGN_PUBKEY_LEN],
	    char out[SIGN_KEYID_LEN + 1]);

#endif
