/* test_feedserve.c - GET /v1/feed of central/server.c over real mutual TLS
 * (libcurl, scripts/pki.sh PKI and feed key) against a real PostgreSQL:
 * the answer is one frame signed by the centre's key whose batch is the
 * feed log's (feedlog_batch()), cut at feed.batch_max and continued to the
 * head, with the head in Shekara-Feed-Head; every refusal: since malformed
 * or above the head, no or an unenrolled certificate, another method, no
 * signing key configured, the database down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "cencfg.h"
#include "db.h"
#include "err.h"
#include "feed.h"
#include "feedframe.h"
#include "feedlog.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "server.h"
#include "sign.h"

#define NSRV	3	/* with the key, without, with a dead database */

static struct {
	char			 pki[64];
	char			 conninfo[640];
	char			 url[NSRV][64];
	struct cen_cfg		 cfg[NSRV];
	struct db		*db[NSRV];
	struct server		*srv[NSRV];
	struct sign_key		*key;
	struct feedframe_keys	 keys;
	struct event_base	*base;
	pthread_t		 loop;
	PGconn			*writer;
} g;

struct resp {
	long	 status;
	char	*body;
	size_t	 len;
	char	 ctype[64];
	char	 head[32];
};

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;
	char		*nb;

	if ((nb = realloc(r->body, r->len + len + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;

	if (len > 14 && strncasecmp(p, "Content-Type: ", 14) == 0)
		(void)snprintf(r->ctype, sizeof(r->ctype), "%.*s",
		    (int)strcspn(p + 14, "\r\n"), p + 14);
	if (len > 19 && strncasecmp(p, "Shekara-Feed-Head: ", 19) == 0)
		(void)snprintf(r->head, sizeof(r->head), "%.*s",
		    (int)strcspn(p + 19, "\r\n"), p + 19);
	return len;
}

static void
resp_free(struct resp *r)
{
	free(r->body);
	r->body = NULL;
}

static CURLcode
req(int srv, const char *method, const char *path, const char *cert,
    struct resp *r)
{
	CURL		*c;
	CURLcode	 cc;
	char		 url[256], ca[128], crt[128], key[128];

	memset(r, 0, sizeof(*r));
	assert_non_null(c = curl_easy_init());
	(void)snprintf(url, sizeof(url), "%s%s", g.url[srv], path);
	(void)snprintf(ca, sizeof(ca), "%s/ca.crt", g.pki);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (cert != NULL) {
		(void)snprintf(crt, sizeof(crt), "%s/%s.crt", g.pki, cert);
		(void)snprintf(key, sizeof(key), "%s/%s.key", g.pki, cert);
		curl_easy_setopt(c, CURLOPT_SSLCERT, crt);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	return cc;
}

static void *
loop_main(void *arg)
{
	(void)arg;
	(void)event_base_loop(g.base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int
write_config(const char *path, int port, const char *conninfo, int feed)
{
	FILE	*fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fprintf(fp, "listen:\n  address: 127.0.0.1:%d\n"
	    "tls:\n  cert_file: %s/centre.crt\n  key_file: %s/centre.key\n"
	    "  client_ca_file: %s/ca.crt\n"
	    "database:\n  conninfo: \"%s\"\n"
	    "posts:\n  - code: ALA01\n    cert_cn: post-ALA01\n",
	    port, g.pki, g.pki, g.pki, conninfo);
	if (feed)
		fprintf(fp, "feed:\n  signing_key: %s/feed.key\n"
		    "  batch_max: 2\n", g.pki);
	return fclose(fp) == 0 ? 0 : -1;
}

static int
group_setup(void **state)
{
	char		cmd[512], path[128];
	const char	*ci;
	FILE		*devnull;
	uint8_t		pub[SIGN_PUBKEY_LEN];
	int		port = 41000 + (int)(getpid() % 8000) * 3, rc, i;

	(void)state;
	log_init("test_feedserve", LOGL_WARN);
	if (pgt_start() != 0 || pgt_newdb(g.conninfo, sizeof(g.conninfo)) != 0)
		return -1;
	(void)snprintf(g.pki, sizeof(g.pki), "/tmp/shekara-fsrv.XXXXXX");
	if (mkdtemp(g.pki) == NULL)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "set -e; p=scripts/pki.sh; "
	    "bash $p init %s; bash $p post %s ALA01; bash $p post %s ZZZ99; "
	    "bash $p feedkey %s", g.pki, g.pki, g.pki, g.pki);
	if (pgt_run(cmd, NULL, 0) != 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/feed.key", g.pki);
	if (sign_key_load(&g.key, path) != 0)
		return -1;
	/* The posts trust feed.pub, read the way a post reads it. */
	(void)snprintf(path, sizeof(path), "%s/feed.pub", g.pki);
	if (sign_pubkey_load(pub, path) != 0 ||
	    feedframe_keys_add(&g.keys, pub) != 0)
		return -1;

	for (i = 0; i < NSRV; i++) {
		ci = i == 2 ? "host=/nonexistent-shekara port=1" : g.conninfo;
		(void)snprintf(path, sizeof(path), "%s/c%d.yaml", g.pki, i);
		cen_cfg_init(&g.cfg[i]);
		if (write_config(path, port + i, ci, i != 1) != 0 ||
		    cen_cfg_load(&g.cfg[i], path, stderr) != 0 ||
		    (g.db[i] = db_new(ci)) == NULL)
			return -1;
		(void)snprintf(g.url[i], sizeof(g.url[i]),
		    "https://localhost:%d", port + i);
	}
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		return -1;
	rc = migrate_apply(g.db[0], devnull, stderr);
	fclose(devnull);
	if (rc != 0)
		return -1;
	g.writer = PQconnectdb(g.conninfo);
	if (PQstatus(g.writer) != CONNECTION_OK)
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    evthread_use_pthreads() != 0 ||
	    (g.base = event_base_new()) == NULL)
		return -1;
	for (i = 0; i < NSRV; i++) {
		if (server_new(&g.srv[i], g.base, &g.cfg[i], g.db[i]) != 0)
			return -1;
		if (i != 1)
			server_set_feed_key(g.srv[i], g.key);
	}
	return pthread_create(&g.loop, NULL, loop_main, NULL) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char	cmd[128];
	int	i;

	(void)state;
	if (g.base != NULL) {
		event_base_loopbreak(g.base);
		(void)pthread_join(g.loop, NULL);
	}
	for (i = 0; i < NSRV; i++)
		server_free(g.srv[i]);
	if (g.base != NULL) {
		(void)event_base_loop(g.base, EVLOOP_NONBLOCK);
		event_base_free(g.base);
	}
	for (i = 0; i < NSRV; i++)
		db_free(g.db[i]);
	sign_key_free(g.key);
	PQfinish(g.writer);
	curl_global_cleanup();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", g.pki);
	(void)pgt_run(cmd, NULL, 0);
	pgt_stop();
	return 0;
}

static void
append_alert(const char *id, int n)
{
	struct feed_entry	 e;
	PGresult		*r;

	memset(&e, 0, sizeof(e));
	e.op = FEED_UPSERT;
	e.kind = FEED_DOCUMENT_ALERT;
	(void)snprintf(e.id, sizeof(e.id), "%s", id);
	(void)snprintf(e.data.document_alert.issuing_state,
	    sizeof(e.data.document_alert.issuing_state), "KAZ");
	(void)snprintf(e.data.document_alert.number,
	    sizeof(e.data.document_alert.number), "N%07d", n);
	e.data.document_alert.reason = FEED_LOST;
	(void)snprintf(e.data.document_alert.since,
	    sizeof(e.data.document_alert.since), "2026-03-04");
	PQclear(PQexec(g.writer, "BEGIN"));
	assert_int_equal(feedlog_append(g.writer, &e), 0);
	r = PQexec(g.writer, "COMMIT");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
}

/*
 * GET /v1/feed?since=V as post ALA01 from the keyed server: 200, one frame
 * that verifies with feed.pub and is the whole body, and whose batch is
 * byte for byte the log's. Decodes it into b (entries e).
 */
static void
get_feed(uint64_t since, struct feed_batch *b, struct feed_entry *e,
    size_t cap, uint64_t *head)
{
	struct resp		 r;
	struct proto_error	 err;
	struct feedlog_batch	 fb;
	const uint8_t		*batch;
	size_t			 blen, used;
	char			 path[64], want[32];

	(void)snprintf(path, sizeof(path), "/v1/feed?since=%llu",
	    (unsigned long long)since);
	assert_int_equal(req(0, "GET", path, "post-ALA01", &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, "application/x-shekara-feed");
	assert_int_equal(feedframe_open((const uint8_t *)r.body, r.len,
	    &g.keys, &batch, &blen, &used, &err), 0);
	assert_int_equal(used, r.len);

	assert_int_equal(feedlog_batch(g.writer, since, 2, 0, &fb), 0);
	assert_int_equal(blen, fb.len);
	assert_memory_equal(batch, fb.buf, blen);
	(void)snprintf(want, sizeof(want), "%llu",
	    (unsigned long long)fb.head);
	assert_string_equal(r.head, want);
	*head = fb.head;
	feedlog_batch_reset(&fb);

	memset(b, 0, sizeof(*b));
	b->entries = e;
	assert_int_equal(feed_decode_batch(b, cap, batch, blen, &err), 0);
	assert_int_equal(b->from, since);
	resp_free(&r);
}

/* Empty log, then three entries read in batches of feed.batch_max (2) to
 * the head, then "current". */
static void
test_feed_served_signed_and_continued(void **state)
{
	struct feed_entry	e[4];
	struct feed_batch	b;
	uint64_t		head;
	char			v[32];

	(void)state;
	get_feed(0, &b, e, 4, &head);
	assert_int_equal(head, 0);
	assert_int_equal(b.to, 0);
	assert_int_equal(b.n, 0);
	feed_batch_reset(&b);

	append_alert("da-1", 1);
	append_alert("da-2", 2);
	append_alert("da-3", 3);
	assert_int_equal(pgt_query1(g.conninfo, "SELECT pos FROM feed_head",
	    v, sizeof(v)), 0);
	assert_string_equal(v, "3");
	get_feed(0, &b, e, 4, &head);
	assert_int_equal(head, 3);
	assert_int_equal(b.n, 2);		/* feed.batch_max */
	assert_int_equal(b.to, 2);
	assert_string_equal(e[1].id, "da-2");
	feed_batch_reset(&b);
	get_feed(2, &b, e, 4, &head);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.to, 3);
	assert_string_equal(e[0].data.document_alert.number, "N0000003");
	feed_batch_reset(&b);
	get_feed(3, &b, e, 4, &head);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.from, 3);
	assert_int_equal(b.to, 3);
	feed_batch_reset(&b);
}

static void
expect(int srv, const char *method, const char *path, const char *cert,
    long status, const char *field)
{
	struct resp	r;
	char		want[64];

	assert_int_equal(req(srv, method, path, cert, &r), CURLE_OK);
	if (r.status != status)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status,
		    status, r.body != NULL ? r.body : "");
	assert_string_equal(r.ctype, "application/json");
	if (field != NULL) {
		(void)snprintf(want, sizeof(want), "\"field\":\"%s\"", field);
		assert_non_null(r.body);
		assert_non_null(strstr(r.body, want));
	}
	resp_free(&r);
}

static void
test_feed_refusals(void **state)
{
	static const char *const bad[] = {
		"/v1/feed", "/v1/feed?", "/v1/feed?since=", "/v1/feed?since=x",
		"/v1/feed?since=01", "/v1/feed?since=-1", "/v1/feed?since=1x",
		"/v1/feed?since=%201", "/v1/feed?since=9007199254740992",
		"/v1/feed?since=99999999999999999999", "/v1/feed?from=0",
		"/v1/feed?since=0&since=1",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(0, "GET", bad[i], "post-ALA01", 400, "since");
	/* The largest position is well-formed: only above the head. */
	expect(0, "GET", "/v1/feed?since=9007199254740991", "post-ALA01", 409,
	    "since");
	expect(0, "GET", "/v1/feed?since=1000", "post-ALA01", 409, "since");
	expect(0, "GET", "/v1/feed?since=0", "post-ZZZ99", 403, NULL);
	expect(0, "POST", "/v1/feed?since=0", "post-ALA01", 405, NULL);
	expect(1, "GET", "/v1/feed?since=0", "post-ALA01", 503, NULL);
	expect(2, "GET", "/v1/feed?since=0", "post-ALA01", 503, NULL);
}

static void
test_feed_needs_a_certificate(void **state)
{
	struct resp	r;
	CURLcode	cc;

	(void)state;
	/* Refused in the handshake (the server requires one) or with 403. */
	cc = req(0, "GET", "/v1/feed?since=0", NULL, &r);
	assert_true(cc != CURLE_OK || r.status == 403);
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_served_signed_and_continued),
		cmocka_unit_test(test_feed_refusals),
		cmocka_unit_test(test_feed_needs_a_certificate),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
