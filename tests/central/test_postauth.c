/* test_postauth.c - which post a client certificate is, from central.yaml
 * and the posts table (central/postauth.c), over real mutual TLS (libcurl,
 * scripts/pki.sh) against a real PostgreSQL: a post enrolled only in the
 * table is accepted; revoked, it is refused within the refresh interval
 * without a restart, even when central.yaml lists it; a certificate other
 * than the enrolled one is refused; and with the database gone the cached
 * table still decides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cencfg.h"
#include "date.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "postauth.h"
#include "server.h"

static struct {
	char			 pki[64];
	char			 conninfo[640];
	char			 url[64];
	struct cen_cfg		 cfg;
	struct db		*db;
	struct event_base	*base;
	struct server		*srv;
	pthread_t		 loop;
} g;

struct resp {
	long	status;
	char	body[4096];
	size_t	len;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;

	if (len > sizeof(r->body) - 1 - r->len)
		len = sizeof(r->body) - 1 - r->len;
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return sz * n;
}

/* POST one crossing of post code at seq with the certificate of cert;
 * the HTTP status (0: no HTTP answer), the body in r. */
static long
push(const char *cert, const char *code, int seq, struct resp *r)
{
	CURL	*c;
	char	 url[256], ca[128], crt[128], key[128], body[1024];

	memset(r, 0, sizeof(*r));
	(void)snprintf(body, sizeof(body), "{\"version\":1,\"post\":\"%s\","
	    "\"crossings\":[{\"seq\":%d,\"recorded_at\":"
	    "\"2026-11-27T01:02:03.123Z\",\"direction\":\"entry\",\"lane\":1,"
	    "\"officer\":\"KZ0042\",\"outcome\":\"admit\",\"document\":"
	    "{\"type\":\"P\",\"issuing_state\":\"KAZ\",\"number\":\"N%d\","
	    "\"nationality\":\"KAZ\",\"surname\":\"ABENOV\",\"given_names\":"
	    "\"ASKAR\",\"birth_date\":\"1990-01-31\",\"sex\":\"M\","
	    "\"expiry_date\":\"2030-01-30\"}}]}", code, seq, seq);
	assert_non_null(c = curl_easy_init());
	(void)snprintf(url, sizeof(url), "%s/v1/posts/%s/crossings", g.url,
	    code);
	(void)snprintf(ca, sizeof(ca), "%s/ca.crt", g.pki);
	(void)snprintf(crt, sizeof(crt), "%s/%s.crt", g.pki, cert);
	(void)snprintf(key, sizeof(key), "%s/%s.key", g.pki, cert);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_SSLCERT, crt);
	curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	return r->status;
}

/* Pushes until the answer is want, at most 10 s (twice the refresh
 * interval); returns the milliseconds it took. */
static int64_t
push_until(const char *cert, const char *code, int seq, long want,
    struct resp *r)
{
	int64_t	t0 = date_now_ms(), t;

	for (;;) {
		if (push(cert, code, seq, r) == want)
			return date_now_ms() - t0;
		t = date_now_ms() - t0;
		if (t > 2 * POSTAUTH_REFRESH_MS)
			fail_msg("%s for post %s: still %ld (%s) after %lld "
			    "ms, want %ld", cert, code, r->status, r->body,
			    (long long)t, want);
		usleep(200 * 1000);
	}
}

/* The SHA-256 of a certificate's DER: raw and as lowercase hex. */
static void
cert_sha256(const char *name, unsigned char md[32], char hex[65])
{
	char		 path[128];
	FILE		*fp;
	X509		*x;
	unsigned int	 n = 0, i;

	(void)snprintf(path, sizeof(path), "%s/%s.crt", g.pki, name);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(x = PEM_read_X509(fp, NULL, NULL, NULL));
	fclose(fp);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	assert_int_equal(n, 32);
	X509_free(x);
	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Enrols (or re-activates) post code with certificate cert, by SQL as
 * centralctl post enrol would leave the table. */
static void
enrol(const char *code, const char *cert)
{
	unsigned char	md[32];
	char		hex[65], sql[512];

	cert_sha256(cert, md, hex);
	(void)snprintf(sql, sizeof(sql), "INSERT INTO posts (code, cert_cn, "
	    "cert_sha256, enrolled_by) VALUES ('%s', '%s', '%s', 'test') "
	    "ON CONFLICT (code) DO UPDATE SET cert_cn = EXCLUDED.cert_cn, "
	    "cert_sha256 = EXCLUDED.cert_sha256, status = 'active', "
	    "revoked_at = NULL, revoked_by = NULL", code, cert, hex);
	assert_int_equal(pgt_exec(g.conninfo, sql), 0);
}

static void
post_revoke(const char *code)
{
	char	sql[256];

	(void)snprintf(sql, sizeof(sql), "UPDATE posts SET status = "
	    "'revoked', revoked_at = now(), revoked_by = 'test' WHERE code = "
	    "'%s'", code);
	assert_int_equal(pgt_exec(g.conninfo, sql), 0);
}

static long
stored(const char *code)
{
	char	 v[32], sql[128], *end;
	long	 n;

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM crossings "
	    "WHERE post = '%s'", code);
	assert_int_equal(pgt_query1(g.conninfo, sql, v, sizeof(v)), 0);
	n = strtol(v, &end, 10);
	assert_true(*end == '\0');
	return n;
}

static void *
loop_main(void *arg)
{
	(void)arg;
	(void)event_base_loop(g.base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int
group_setup(void **state)
{
	char	 cmd[512], path[128];
	FILE	*fp;
	int	 port = 50000 + (int)(getpid() % 7000) * 2, rc;

	(void)state;
	log_init("test_postauth", LOGL_WARN);
	if (pgt_start() != 0 || pgt_newdb(g.conninfo, sizeof(g.conninfo)) != 0)
		return -1;
	(void)snprintf(g.pki, sizeof(g.pki), "/tmp/shekara-pki.XXXXXX");
	if (mkdtemp(g.pki) == NULL)
		return -1;
	/* ALA01 is in central.yaml; NEW03 and NEW04 only ever in the
	 * table; OLD05 is a second certificate for NEW03's renewal. */
	(void)snprintf(cmd, sizeof(cmd), "set -e; p=scripts/pki.sh; "
	    "bash $p init %s; for c in ALA01 NEW03 NEW04 OLD05; do "
	    "bash $p post %s $c; done", g.pki, g.pki);
	if (pgt_run(cmd, NULL, 0) != 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/central.yaml", g.pki);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "listen:\n  address: 127.0.0.1:%d\n"
	    "tls:\n  cert_file: %s/centre.crt\n  key_file: %s/centre.key\n"
	    "  client_ca_file: %s/ca.crt\n"
	    "database:\n  conninfo: \"%s\"\n"
	    "posts:\n  - code: ALA01\n    cert_cn: post-ALA01\n",
	    port, g.pki, g.pki, g.pki, g.conninfo);
	if (fclose(fp) != 0)
		return -1;
	cen_cfg_init(&g.cfg);
	if (cen_cfg_load(&g.cfg, path, stderr) != 0)
		return -1;
	(void)snprintf(g.url, sizeof(g.url), "https://localhost:%d", port);
	if ((g.db = db_new(g.conninfo)) == NULL ||
	    (fp = fopen("/dev/null", "w")) == NULL)
		return -1;
	rc = migrate_apply(g.db, fp, stderr);
	fclose(fp);
	if (rc != 0)
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    evthread_use_pthreads() != 0 ||
	    (g.base = event_base_new()) == NULL ||
	    server_new(&g.srv, g.base, &g.cfg, g.db) != 0)
		return -1;
	return pthread_create(&g.loop, NULL, loop_main, NULL) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	if (g.base != NULL) {
		event_base_loopbreak(g.base);
		(void)pthread_join(g.loop, NULL);
	}
	server_free(g.srv);
	if (g.base != NULL) {
		(void)event_base_loop(g.base, EVLOOP_NONBLOCK);
		event_base_free(g.base);
	}
	db_free(g.db);
	curl_global_cleanup();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", g.pki);
	(void)pgt_run(cmd, NULL, 0);
	pgt_stop();
	return 0;
}

/* Enrolled in the table only: refused before, accepted after, refused
 * again within seconds of the revocation, with no restart. */
static void
test_enrol_then_revoke(void **state)
{
	struct resp	r;
	int64_t		ms;

	(void)state;
	assert_int_equal(push("post-NEW03", "NEW03", 1, &r), 403);
	assert_non_null(strstr(r.body, "not enrolled for any post"));
	assert_int_equal(stored("NEW03"), 0);

	enrol("NEW03", "post-NEW03");
	ms = push_until("post-NEW03", "NEW03", 1, 200, &r);
	assert_true(ms <= POSTAUTH_REFRESH_MS + 1000);
	assert_string_equal(r.body, "{\"version\":1,\"post\":\"NEW03\","
	    "\"durable\":[1]}");
	assert_int_equal(stored("NEW03"), 1);
	/* Its certificate is NEW03's only: not another post's path. */
	assert_int_equal(push("post-NEW03", "ALA01", 2, &r), 403);
	assert_non_null(strstr(r.body, "post NEW03's"));

	/* Seq 1 again: while still accepted, nothing new is stored. */
	post_revoke("NEW03");
	ms = push_until("post-NEW03", "NEW03", 1, 403, &r);
	assert_true(ms <= POSTAUTH_REFRESH_MS + 1000);
	assert_non_null(strstr(r.body, "post NEW03 is revoked"));
	assert_int_equal(stored("NEW03"), 1);
}

/* A post central.yaml lists is refused once revoked in the table, and
 * accepted again when enrolled again. */
static void
test_revoked_in_table_beats_yaml(void **state)
{
	struct resp	r;

	(void)state;
	assert_int_equal(push("post-ALA01", "ALA01", 1, &r), 200);
	enrol("ALA01", "post-ALA01");
	post_revoke("ALA01");
	(void)push_until("post-ALA01", "ALA01", 1, 403, &r);
	assert_non_null(strstr(r.body, "post ALA01 is revoked"));
	assert_int_equal(stored("ALA01"), 1);
	enrol("ALA01", "post-ALA01");
	(void)push_until("post-ALA01", "ALA01", 2, 200, &r);
	assert_int_equal(stored("ALA01"), 2);
}

/* A renewal: once NEW04 is enrolled with another certificate, the old one
 * is refused, naming the post it is not. */
static void
test_other_certificate_refused(void **state)
{
	struct resp	r;
	char		sql[256];
	unsigned char	md[32];
	char		hex[65];

	(void)state;
	enrol("NEW04", "post-NEW04");
	(void)push_until("post-NEW04", "NEW04", 1, 200, &r);
	cert_sha256("post-OLD05", md, hex);
	(void)snprintf(sql, sizeof(sql), "UPDATE posts SET cert_sha256 = "
	    "'%s' WHERE code = 'NEW04'", hex);
	assert_int_equal(pgt_exec(g.conninfo, sql), 0);
	(void)push_until("post-NEW04", "NEW04", 1, 403, &r);
	assert_non_null(strstr(r.body, "is not the one enrolled for post "
	    "NEW04"));
	assert_int_equal(stored("NEW04"), 1);
}

/* postauth itself: with refresh 0 it reads the table on every check; once
 * the database is gone, the copy it read still decides. */
static void
test_cache_serves_when_database_is_gone(void **state)
{
	struct postauth	*pa;
	struct db	*db;
	char		 conninfo[640], code[PROTO_POST_MAX + 1], why[160];
	char		 sql[256], name[64], hex[65];
	const char	*p, *q;
	unsigned char	 md03[32], md04[32], mdala[32];
	FILE		*devnull;

	(void)state;
	assert_int_equal(pgt_newdb(conninfo, sizeof(conninfo)), 0);
	assert_non_null(db = db_new(conninfo));
	assert_non_null(devnull = fopen("/dev/null", "w"));
	assert_int_equal(migrate_apply(db, devnull, stderr), 0);
	fclose(devnull);
	cert_sha256("post-NEW03", md03, hex);
	(void)snprintf(sql, sizeof(sql), "INSERT INTO posts (code, cert_cn, "
	    "cert_sha256, enrolled_by) VALUES ('NEW03', 'post-NEW03', '%s', "
	    "'t')", hex);
	assert_int_equal(pgt_exec(conninfo, sql), 0);
	cert_sha256("post-ALA01", mdala, hex);
	(void)snprintf(sql, sizeof(sql), "INSERT INTO posts (code, cert_cn, "
	    "cert_sha256, enrolled_by, status) VALUES ('ALA01', 'post-ALA01', "
	    "'%s', 't', 'revoked')", hex);
	assert_int_equal(pgt_exec(conninfo, sql), 0);
	cert_sha256("post-NEW04", md04, hex);

	assert_int_equal(postauth_new(&pa, &g.cfg, db, 0), 0);
	assert_int_equal(postauth_cached(pa), -1);
	assert_int_equal(postauth_check(pa, "post-NEW03", md03, 1000, code,
	    why, sizeof(why)), 0);
	assert_string_equal(code, "NEW03");
	assert_int_equal(postauth_cached(pa), 2);
	assert_int_equal(postauth_check(pa, "post-ALA01", mdala, 1000, code,
	    why, sizeof(why)), ERR_AUTH);
	assert_string_equal(why, "post ALA01 is revoked");

	/* The database goes away. */
	for (p = NULL, q = conninfo; (q = strstr(q, "dbname=")) != NULL; q++)
		p = q;
	assert_non_null(p);
	(void)snprintf(name, sizeof(name), "%s", p + 7);
	(void)snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)",
	    name);
	assert_int_equal(pgt_exec(pgt_conninfo, sql), 0);
	assert_int_equal(postauth_check(pa, "post-NEW03", md03, 2000, code,
	    why, sizeof(why)), 0);
	assert_string_equal(code, "NEW03");
	assert_int_equal(postauth_check(pa, "post-ALA01", mdala, 3000, code,
	    why, sizeof(why)), ERR_AUTH);
	assert_int_equal(postauth_check(pa, "post-NEW04", md04, 4000, code,
	    why, sizeof(why)), ERR_AUTH);
	assert_non_null(strstr(why, "not enrolled for any post"));
	assert_int_equal(postauth_cached(pa), 2);
	postauth_free(pa);
	db_free(db);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_enrol_then_revoke),
		cmocka_unit_test(test_revoked_in_table_beats_yaml),
		cmocka_unit_test(test_other_certificate_refused),
		cmocka_unit_test(test_cache_serves_when_database_is_gone),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
