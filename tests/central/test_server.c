/* test_server.c - central/server.c and tls.c over real mutual TLS (libcurl
 * client, a development PKI from scripts/pki.sh) against a real PostgreSQL:
 * what a post relies on (its batch acknowledged once stored, twice is
 * once) and every refusal (no, foreign, unenrolled or another post's
 * certificate; bad bodies; limits; unknown paths and methods; a database
 * that is down), each leaving the database unchanged. */
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
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "server.h"

#define MAX_BODY	4096
#define MAX_BATCH	2

static struct {
	char			 pki[64];
	char			 conninfo[640];
	char			 url[64], badurl[64];
	struct cen_cfg		 cfg, badcfg;
	struct db		*db, *baddb;
	struct event_base	*base;
	struct server		*srv, *badsrv;
	pthread_t		 loop;
} g;

struct resp {
	long	status;
	char	body[4096];
	size_t	len;
	char	allow[64];
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

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;

	if (len > 7 && strncasecmp(p, "Allow: ", 7) == 0)
		(void)snprintf(r->allow, sizeof(r->allow), "%.*s",
		    (int)strcspn(p + 7, "\r\n"), p + 7);
	return len;
}

/*
 * One request with the client certificate cert ("post-ALA01", "rogue-ALA01"
 * or NULL for none). Returns the curl code; fills r.
 */
static CURLcode
req(const char *base, const char *method, const char *path,
    const char *cert, const char *body, size_t bodylen, struct resp *r)
{
	CURL			*c;
	CURLcode		 cc;
	struct curl_slist	*h = NULL;
	char			 url[256], ca[128], crt[128], key[128];

	memset(r, 0, sizeof(*r));
	assert_non_null(c = curl_easy_init());
	(void)snprintf(url, sizeof(url), "%s%s", base, path);
	(void)snprintf(ca, sizeof(ca), "%s/ca.crt", g.pki);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	if (cert != NULL) {
		(void)snprintf(crt, sizeof(crt), "%s/%s.crt", g.pki, cert);
		(void)snprintf(key, sizeof(key), "%s/%s.key", g.pki, cert);
		curl_easy_setopt(c, CURLOPT_SSLCERT, crt);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)bodylen);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return cc;
}

/* A batch of n crossings of post from seq first; surname of the first. */
static const char *
batch(const char *version, const char *post, int first, int n,
    const char *surname)
{
	static char	buf[8192];
	size_t		len;
	int		i;

	len = (size_t)snprintf(buf, sizeof(buf), "{\"version\":%s,\"post\":"
	    "\"%s\",\"crossings\":[", version, post);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%s{\"seq\":%d,\"recorded_at\":\"2026-11-27T01:02:03.123Z\","
		    "\"direction\":\"entry\",\"lane\":3,\"officer\":\"KZ0042\","
		    "\"outcome\":\"admit\",\"document\":{\"type\":\"P\","
		    "\"issuing_state\":\"KAZ\",\"number\":\"N%d\","
		    "\"nationality\":\"KAZ\",\"surname\":\"%s\","
		    "\"given_names\":\"ASKAR\",\"birth_date\":\"1990-01-31\","
		    "\"sex\":\"M\",\"expiry_date\":\"2030-01-30\"}}",
		    i ? "," : "", first + i, first + i,
		    i == 0 ? surname : "ABENOV");
	(void)snprintf(buf + len, sizeof(buf) - len, "]}");
	assert_true(len + 2 < sizeof(buf));
	return buf;
}

static long
count(void)
{
	char	 v[32], *end;
	long	 n;

	assert_int_equal(pgt_query1(g.conninfo, "SELECT count(*) FROM "
	    "crossings", v, sizeof(v)), 0);
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
write_config(const char *path, int port, const char *conninfo)
{
	FILE	*fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fprintf(fp, "listen:\n  address: 127.0.0.1:%d\n"
	    "  max_body_bytes: %d\n  max_batch: %d\n"
	    "tls:\n  cert_file: %s/centre.crt\n  key_file: %s/centre.key\n"
	    "  client_ca_file: %s/ca.crt\n"
	    "database:\n  conninfo: \"%s\"\n"
	    "posts:\n  - code: ALA01\n    cert_cn: post-ALA01\n"
	    "  - code: NUR02\n    cert_cn: post-NUR02\n",
	    port, MAX_BODY, MAX_BATCH, g.pki, g.pki, g.pki, conninfo);
	return fclose(fp) == 0 ? 0 : -1;
}

static int
group_setup(void **state)
{
	char	cmd[512], path[128];
	FILE	*devnull;
	int	port = 40000 + (int)(getpid() % 10000) * 2, rc;

	(void)state;
	log_init("test_server", LOGL_WARN);
	if (pgt_start() != 0 || pgt_newdb(g.conninfo, sizeof(g.conninfo)) != 0)
		return -1;
	(void)snprintf(g.pki, sizeof(g.pki), "/tmp/shekara-pki.XXXXXX");
	if (mkdtemp(g.pki) == NULL)
		return -1;
	/* ZZZ99 is from our CA but not enrolled in the configuration. */
	(void)snprintf(cmd, sizeof(cmd), "set -e; p=scripts/pki.sh; "
	    "bash $p init %s; bash $p post %s ALA01; bash $p post %s NUR02; "
	    "bash $p post %s ZZZ99; bash $p rogue %s ALA01", g.pki, g.pki,
	    g.pki, g.pki, g.pki);
	if (pgt_run(cmd, NULL, 0) != 0)
		return -1;

	(void)snprintf(path, sizeof(path), "%s/central.yaml", g.pki);
	cen_cfg_init(&g.cfg);
	if (write_config(path, port, g.conninfo) != 0 ||
	    cen_cfg_load(&g.cfg, path, stderr) != 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/bad.yaml", g.pki);
	cen_cfg_init(&g.badcfg);
	if (write_config(path, port + 1, "host=/nonexistent-shekara port=1")
	    != 0 || cen_cfg_load(&g.badcfg, path, stderr) != 0)
		return -1;
	(void)snprintf(g.url, sizeof(g.url), "https://localhost:%d", port);
	(void)snprintf(g.badurl, sizeof(g.badurl), "https://localhost:%d",
	    port + 1);

	if ((g.db = db_new(g.conninfo)) == NULL ||
	    (g.baddb = db_new(g.badcfg.conninfo)) == NULL ||
	    (devnull = fopen("/dev/null", "w")) == NULL)
		return -1;
	rc = migrate_apply(g.db, devnull, stderr);
	fclose(devnull);
	if (rc != 0)
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    evthread_use_pthreads() != 0 ||
	    (g.base = event_base_new()) == NULL ||
	    server_new(&g.srv, g.base, &g.cfg, g.db) != 0 ||
	    server_new(&g.badsrv, g.base, &g.badcfg, g.baddb) != 0)
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
	server_free(g.badsrv);
	if (g.base != NULL) {
		/* Closing connections finish in the loop (deferred
		 * callbacks, TLS shutdown); let them before freeing it. */
		(void)event_base_loop(g.base, EVLOOP_NONBLOCK);
		event_base_free(g.base);
	}
	db_free(g.db);
	db_free(g.baddb);
	curl_global_cleanup();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", g.pki);
	(void)pgt_run(cmd, NULL, 0);
	pgt_stop();
	return 0;
}

static void
test_healthz(void **state)
{
	struct resp	r;

	(void)state;
	assert_int_equal(req(g.url, "GET", "/healthz", "post-ALA01", NULL, 0,
	    &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"status\":\"ok\",\"database\":\"ok\"}");
}

static void
test_batch_acked_and_twice_is_once(void **state)
{
	struct resp	r;
	const char	*b;
	long		 before = count();
	int		 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		b = batch("1", "ALA01", 1, 2, "ABENOV");
		assert_int_equal(req(g.url, "POST", "/v1/posts/ALA01/crossings",
		    "post-ALA01", b, strlen(b), &r), CURLE_OK);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, "{\"version\":1,\"post\":\"ALA01\","
		    "\"durable\":[1,2]}");
		assert_int_equal(count(), before + 2);
	}
}

static void
test_conflicting_seq_is_409_and_kept(void **state)
{
	struct resp	r;
	const char	*b;
	char		 v[64];

	(void)state;
	b = batch("1", "NUR02", 7, 1, "ABENOV");
	assert_int_equal(req(g.url, "POST", "/v1/posts/NUR02/crossings",
	    "post-NUR02", b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	b = batch("1", "NUR02", 7, 2, "OTHER");
	assert_int_equal(req(g.url, "POST", "/v1/posts/NUR02/crossings",
	    "post-NUR02", b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 409);
	assert_non_null(strstr(r.body, "\"field\":\"crossings[0].seq\""));
	assert_null(strstr(r.body, "durable"));
	assert_int_equal(pgt_query1(g.conninfo, "SELECT surname FROM "
	    "crossings WHERE post = 'NUR02' AND seq = 7", v, sizeof(v)), 0);
	assert_string_equal(v, "ABENOV");
}

static void
test_tls_refusals(void **state)
{
	struct resp	r;
	const char	*b = batch("1", "ALA01", 20, 1, "ABENOV");
	long		 before = count();

	(void)state;
	/* No certificate, and the same CN from another CA: no HTTP. */
	assert_int_not_equal(req(g.url, "POST", "/v1/posts/ALA01/crossings",
	    NULL, b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 0);
	assert_int_not_equal(req(g.url, "POST", "/v1/posts/ALA01/crossings",
	    "rogue-ALA01", b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 0);
	/* Our CA, but no post is bound to it. */
	assert_int_equal(req(g.url, "POST", "/v1/posts/ALA01/crossings",
	    "post-ZZZ99", b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "not enrolled"));
	assert_int_equal(count(), before);
}

static void
test_other_posts_path_and_body(void **state)
{
	struct resp	r;
	const char	*b = batch("1", "NUR02", 30, 1, "ABENOV");
	long		 before = count();

	(void)state;
	assert_int_equal(req(g.url, "POST", "/v1/posts/NUR02/crossings",
	    "post-ALA01", b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "\"status\":403"));
	assert_int_equal(req(g.url, "POST", "/v1/posts/ALA01/crossings",
	    "post-ALA01", b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "\"field\":\"post\""));
	assert_int_equal(count(), before);
}

static void
test_bad_bodies(void **state)
{
	static const struct {
		const char	*from, *to;	/* edit of a good batch */
		int		 status;
		const char	*field;
	} cases[] = {
		{ "\"sex\":\"M\"", "\"sex\":\"Q\"", 400,
		  "crossings[0].document.sex" },
		{ "\"lane\":3", "\"lane\":0", 400, "crossings[0].lane" },
		{ "\"version\":1", "\"version\":99", 400, "version" },
		{ "\"seq\":40", "\"seq\":-1", 400, "crossings[0].seq" },
		{ "]}", "]", 400, "" },				/* cut JSON */
		{ "\"officer\"", "\"oficer\"", 400, "crossings[0]" },
	};
	struct resp	r;
	char		 body[8192], want[96], *p;
	long		 before = count();
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(body, sizeof(body), "%s",
		    batch("1", "ALA01", 40, 1, "ABENOV"));
		assert_non_null(p = strstr(body, cases[i].from));
		n = strlen(cases[i].from);
		memmove(p + strlen(cases[i].to), p + n, strlen(p + n) + 1);
		memcpy(p, cases[i].to, strlen(cases[i].to));
		assert_int_equal(req(g.url, "POST",
		    "/v1/posts/ALA01/crossings", "post-ALA01", body,
		    strlen(body), &r), CURLE_OK);
		assert_int_equal(r.status, cases[i].status);
		(void)snprintf(want, sizeof(want), "\"field\":\"%s",
		    cases[i].field);
		assert_non_null(strstr(r.body, want));
		assert_non_null(strstr(r.body, "\"message\":\""));
	}
	assert_int_equal(count(), before);
}

static void
test_limits_are_413(void **state)
{
	struct resp	r;
	char		*big;
	const char	*b;
	long		 before = count();

	(void)state;
	assert_non_null(big = malloc(MAX_BODY + 100));
	memset(big, ' ', MAX_BODY + 100);
	assert_int_equal(req(g.url, "POST", "/v1/posts/ALA01/crossings",
	    "post-ALA01", big, MAX_BODY + 100, &r), CURLE_OK);
	free(big);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "\"status\":413"));
	b = batch("1", "ALA01", 50, MAX_BATCH + 1, "ABENOV");
	assert_true(strlen(b) <= MAX_BODY);
	assert_int_equal(req(g.url, "POST", "/v1/posts/ALA01/crossings",
	    "post-ALA01", b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "\"field\":\"crossings\""));
	assert_int_equal(count(), before);
}

static void
test_unknown_paths_and_methods(void **state)
{
	static const struct {
		const char	*method, *path;
		int		 status;
		const char	*allow;
	} cases[] = {
		{ "GET", "/v1/nothing", 404, "" },
		{ "GET", "/", 404, "" },
		{ "POST", "/v1/posts/ALA01/crossings/x", 404, "" },
		{ "POST", "/v1/posts/ala01/crossings", 404, "" },
		{ "POST", "/v1/posts//crossings", 404, "" },
		{ "GET", "/v1/posts/ALA01/crossings", 405, "POST" },
		{ "DELETE", "/v1/posts/ALA01/crossings", 405, "POST" },
		{ "POST", "/healthz", 405, "GET" },
	};
	struct resp	r;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(req(g.url, cases[i].method, cases[i].path,
		    "post-ALA01", cases[i].method[0] == 'P' ? "{}" : NULL, 2,
		    &r), CURLE_OK);
		assert_int_equal(r.status, cases[i].status);
		assert_string_equal(r.allow, cases[i].allow);
		assert_non_null(strstr(r.body, "\"error\":{"));
	}
}

static void
test_database_down_is_503(void **state)
{
	struct resp	r;
	const char	*b = batch("1", "ALA01", 60, 1, "ABENOV");

	(void)state;
	assert_int_equal(req(g.badurl, "GET", "/healthz", "post-ALA01", NULL,
	    0, &r), CURLE_OK);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "\"field\":\"database\""));
	assert_int_equal(req(g.badurl, "POST", "/v1/posts/ALA01/crossings",
	    "post-ALA01", b, strlen(b), &r), CURLE_OK);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "\"status\":503"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_batch_acked_and_twice_is_once),
		cmocka_unit_test(test_conflicting_seq_is_409_and_kept),
		cmocka_unit_test(test_tls_refusals),
		cmocka_unit_test(test_other_posts_path_and_body),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_limits_are_413),
		cmocka_unit_test(test_unknown_paths_and_methods),
		cmocka_unit_test(test_database_down_is_503),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
