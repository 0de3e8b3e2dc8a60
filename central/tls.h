/* tls.h - the centre's TLS (OpenSSL): a server context that demands a
 * client certificate issued by the posts' CA (TLS 1.2 at least, revocation
 * checked when a CRL is configured), one for the people's API that asks
 * for none, and the identity of a connected peer.
 * Refused handshakes are logged here, one line each. */
#ifndef SHEKARA_TLS_H
#define SHEKARA_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "cencfg.h"

/* Who is on the other end of a verified connection. */
struct tls_peer {
	char		cn[128];	/* subject common name, UTF-8 */
	unsigned char	sha256[32];	/* SHA-256 of the certificate's DER */
	char		fingerprint[65];	/* the same in lowercase hex */
};

/*
 * A server context from the tls section of cfg: certificate chain and key,
 * client CA (the only trust anchor), optional CRL. Problems are logged, one
 * line each; 0, ERR_IO (a file could not be loaded) or ERR_INVAL.
 */
int	tls_ctx_new(SSL_CTX **out, const struct cen_cfg *cfg);

/*
 * The people's API's server context (api.h): the same certificate, key and
 * TLS 1.2 floor, no client certificate asked for. 0, ERR_IO, ERR_INVAL or
 * ERR_NOMEM, logged.
 */
int	tls_ctx_new_people(SSL_CTX **out, const struct cen_cfg *cfg);

/*
 * The peer of an established connection: 0, or ERR_AUTH when it has no
 * verified certificate or the certificate has no single usable subject CN.
 */
int	tls_peer_identity(SSL *ssl, struct tls_peer *out);

/* "address:port" of the socket under ssl, or "?" (for log lines). */
void	tls_peer_addr(const SSL *ssl, char *buf, size_t bufsz);

#endif
