/* tls.c - the centre's server TLS context and peer identities; see tls.h. */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "log.h"
#include "tls.h"

/* SSL ex_data: set once a refusal of this connection has been logged, so
 * the alert that follows is not logged a second time. */
static int	tls_logged_idx = -1;

/* The last OpenSSL error, for a log line; clears the queue. */
static const char *
tls_errstr(char *buf, size_t bufsz)
{
	unsigned long	e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last == 0)
		return "unknown error";
	ERR_error_string_n(last, buf, bufsz);
	return buf;
}

void
tls_peer_addr(const SSL *ssl, char *buf, size_t bufsz)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 host[NI_MAXHOST], serv[NI_MAXSERV];
	int			 fd;

	(void)snprintf(buf, bufsz, "?");
	if (ssl == NULL || (fd = SSL_get_fd(ssl)) < 0)
		return;
	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	(void)snprintf(buf, bufsz, "%s:%s", host, serv);
}

/* The subject CN of cert as printable ASCII, for log lines only. */
static void
tls_cn_for_log(X509 *cert, char *buf, size_t bufsz)
{
	size_t	i;

	(void)snprintf(buf, bufsz, "?");
	if (cert == NULL || X509_NAME_get_text_by_NID(
	    X509_get_subject_name(cert), NID_commonName, buf,
	    (int)bufsz) < 0) {
		(void)snprintf(buf, bufsz, "?");
		return;
	}
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			buf[i] = '?';
}

static int
tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL	*ssl;
	char	 addr[80], cn[80];
	int	 err;

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	err = X509_STORE_CTX_get_error(xs);
	tls_peer_addr(ssl, addr, sizeof(addr));
	tls_cn_for_log(X509_STORE_CTX_get_current_cert(xs), cn, sizeof(cn));
	log_warnx("peer %s: client certificate refused: %s (CN \"%s\", "
	    "depth %d)", addr, X509_verify_cert_error_string(err), cn,
	    X509_STORE_CTX_get_error_depth(xs));
	if (ssl != NULL && tls_logged_idx >= 0)
		(void)SSL_set_ex_data(ssl, tls_logged_idx, ssl); /* a flag */
	return 0;
}

/* Fatal alerts end a handshake: say so once, with the peer's address. */
static void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	const char	*desc;
	char		 addr[80];

	if (!(where & SSL_CB_ALERT) || (ret >> 8) != SSL3_AL_FATAL)
		return;
	if (tls_logged_idx >= 0 && SSL_get_ex_data(ssl, tls_logged_idx))
		return;
	tls_peer_addr(ssl, addr, sizeof(addr));
	/* TLS 1.3's certificate_required (116) is unnamed in OpenSSL 3.0. */
	desc = (ret & 0xff) == 116 ? "no client certificate" :
	    SSL_alert_desc_string_long(ret);
	if (where & SSL_CB_WRITE)
		log_warnx("peer %s: TLS connection refused: %s", addr, desc);
	else
		log_warnx("peer %s: TLS connection closed by the client: %s",
		    addr, desc);
}

/* Load the CRL file, turn on revocation checks of client certificates, and
 * warn about a CRL past its next update (it refuses every client). */
static int
tls_load_crl(SSL_CTX *ctx, const char *path)
{
	X509_STORE		*st = SSL_CTX_get_cert_store(ctx);
	X509_LOOKUP		*lu;
	STACK_OF(X509_OBJECT)	*objs;
	const ASN1_TIME		*next;
	char			 ebuf[256];
	int			 i, n;

	if ((lu = X509_STORE_add_lookup(st, X509_LOOKUP_file())) == NULL ||
	    (n = X509_load_crl_file(lu, path, X509_FILETYPE_PEM)) <= 0) {
		log_warnx("tls: cannot load CRL %s: %s", path,
		    tls_errstr(ebuf, sizeof(ebuf)));
		return ERR_IO;
	}
	X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
	objs = X509_STORE_get0_objects(st);
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509_CRL	*crl;

		crl = X509_OBJECT_get0_X509_CRL(sk_X509_OBJECT_value(objs, i));
		if (crl == NULL)
			continue;
		next = X509_CRL_get0_nextUpdate(crl);
		if (next != NULL && X509_cmp_current_time(next) < 0)
			log_warnx("tls: CRL %s is past its next update: every "
			    "client certificate is refused until it is "
			    "renewed", path);
	}
	log_info("tls: %d CRL(s) loaded from %s; revoked certificates are "
	    "refused", n, path);
	return 0;
}

/* A server context with the centre's certificate and key, TLS 1.2 at
 * least; no client verification yet. 0, ERR_IO, ERR_INVAL, ERR_NOMEM. */
static int
tls_ctx_base(SSL_CTX **out, const struct cen_cfg *cfg)
{
	SSL_CTX	*ctx;
	char	 ebuf[256];
	int	 rc = ERR_IO;

	if (tls_logged_idx < 0 &&
	    (tls_logged_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
	    NULL)) < 0) {
		log_warnx("tls: no ex_data index");
		return ERR_NOMEM;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		log_warnx("tls: %s", tls_errstr(ebuf, sizeof(ebuf)));
		return ERR_NOMEM;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		log_warnx("tls: cannot require TLS 1.2");
		rc = ERR_INVAL;
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		log_warnx("tls: cannot load certificate %s: %s",
		    cfg->cert_file, tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file,
	    SSL_FILETYPE_PEM) != 1) {
		log_warnx("tls: cannot load key %s: %s", cfg->key_file,
		    tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		log_warnx("tls: key %s does not match certificate %s",
		    cfg->key_file, cfg->cert_file);
		rc = ERR_INVAL;
		goto fail;
	}
	*out = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return rc;
}

int
tls_ctx_new_people(SSL_CTX **out, const struct cen_cfg *cfg)
{
	SSL_CTX	*ctx;
	int	 rc;

	if ((rc = tls_ctx_base(&ctx, cfg)) != 0)
		return rc;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_info_callback(ctx, tls_info_cb);
	*out = ctx;
	return 0;
}

int
tls_ctx_new(SSL_CTX **out, const struct cen_cfg *cfg)
{
	static const unsigned char	 sid[] = "shekara-centrald";
	SSL_CTX				*ctx;
	STACK_OF(X509_NAME)		*cas;
	char				 ebuf[256];
	int				 rc = ERR_IO;

	if ((rc = tls_ctx_base(&ctx, cfg)) != 0)
		return rc;
	rc = ERR_IO;
	/* The posts' CA is the only trust anchor: no system store. */
	if (SSL_CTX_load_verify_locations(ctx, cfg->client_ca_file,
	    NULL) != 1) {
		log_warnx("tls: cannot load client CA %s: %s",
		    cfg->client_ca_file, tls_errstr(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if ((cas = SSL_load_client_CA_file(cfg->client_ca_file)) == NULL) {
		log_warnx("tls: no CA certificate in %s", cfg->client_ca_file);
		rc = ERR_INVAL;
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, cas);
	if (cfg->crl_file[0] != '\0' &&
	    (rc = tls_load_crl(ctx, cfg->crl_file)) != 0)
		goto fail;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, tls_verify_cb);
	SSL_CTX_set_verify_depth(ctx, 4);
	SSL_CTX_set_info_callback(ctx, tls_info_cb);
	/* Needed for session resumption with client certificates. */
	if (SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1) != 1) {
		rc = ERR_INVAL;
		goto fail;
	}
	*out = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return rc;
}

int
tls_peer_identity(SSL *ssl, struct tls_peer *out)
{
	static const char	 digits[] = "0123456789abcdef";
	struct tls_peer		 p;
	X509			*cert;
	X509_NAME		*name;
	X509_NAME_ENTRY		*ent;
	unsigned char		*utf8 = NULL;
	unsigned int		 mdlen = 0, i;
	int			 idx, n, rc = ERR_AUTH;

	if (ssl == NULL || SSL_get_verify_result(ssl) != X509_V_OK ||
	    (cert = SSL_get1_peer_certificate(ssl)) == NULL)
		return ERR_AUTH;
	memset(&p, 0, sizeof(p));
	name = X509_get_subject_name(cert);
	/* Exactly one CN, without NULs, that fits. */
	if ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0)
		goto done;
	if ((ent = X509_NAME_get_entry(name, idx)) == NULL ||
	    (n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(ent))) <= 0)
		goto done;
	if ((size_t)n >= sizeof(p.cn) || memchr(utf8, '\0', (size_t)n) != NULL)
		goto done;
	memcpy(p.cn, utf8, (size_t)n);
	p.cn[n] = '\0';
	if (!X509_digest(cert, EVP_sha256(), p.sha256, &mdlen) || mdlen != 32)
		goto done;
	for (i = 0; i < 32; i++) {
		p.fingerprint[2 * i] = digits[p.sha256[i] >> 4];
		p.fingerprint[2 * i + 1] = digits[p.sha256[i] & 0xf];
	}
	p.fingerprint[64] = '\0';
	*out = p;
	rc = 0;
done:
	OPENSSL_free(utf8);
	X509_free(cert);
	return rc;
}
