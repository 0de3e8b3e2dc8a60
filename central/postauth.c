/* postauth.c - client certificate to post, from central.yaml and the
 * cached posts table; see postauth.h. The table is read whole (a country
 * has hundreds of posts, not millions) into a new array that replaces the
 * old one only once the read succeeded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "cencfg.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "postauth.h"
#include "proto.h"

/* One row of the posts table. */
struct postauth_post {
	char		code[PROTO_POST_MAX + 1];
	char		cn[128];
	unsigned char	sha256[32];
	int		revoked;
};

struct postauth {
	const struct cen_cfg	*cfg;
	struct db		*db;
	int64_t			 refresh_ms;
	struct postauth_post	*posts;
	size_t			 nposts;
	int			 loaded;	/* read at least once */
	int			 failing;	/* the last read failed */
	int64_t			 tried_ms;	/* the last read, or try */
};

int
postauth_new(struct postauth **out, const struct cen_cfg *cfg,
    struct db *db, int64_t refresh_ms)
{
	struct postauth	*pa;

	if ((pa = calloc(1, sizeof(*pa))) == NULL)
		return ERR_NOMEM;
	pa->cfg = cfg;
	pa->db = db;
	pa->refresh_ms = refresh_ms;
	*out = pa;
	return 0;
}

void
postauth_free(struct postauth *pa)
{
	if (pa == NULL)
		return;
	free(pa->posts);
	free(pa);
}

long
postauth_cached(const struct postauth *pa)
{
	return pa->loaded ? (long)pa->nposts : -1;
}

static int
postauth_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One row into p: 0, or ERR_PARSE for a value the schema should have
 * refused. */
static int
postauth_row(PGresult *res, int i, struct postauth_post *p)
{
	const char	*code = PQgetvalue(res, i, 0);
	const char	*cn = PQgetvalue(res, i, 1);
	const char	*hex = PQgetvalue(res, i, 2);
	const char	*status = PQgetvalue(res, i, 3);
	size_t		 k;
	int		 hi, lo;

	if ((size_t)snprintf(p->code, sizeof(p->code), "%s", code) >=
	    sizeof(p->code) || (size_t)snprintf(p->cn, sizeof(p->cn), "%s",
	    cn) >= sizeof(p->cn) || strlen(hex) != 64)
		return ERR_PARSE;
	for (k = 0; k < 32; k++) {
		if ((hi = postauth_hex(hex[2 * k])) < 0 ||
		    (lo = postauth_hex(hex[2 * k + 1])) < 0)
			return ERR_PARSE;
		p->sha256[k] = (unsigned char)(hi << 4 | lo);
	}
	p->revoked = strcmp(status, "active") != 0;
	return 0;
}

/* The database's message on one line, for the log. */
static void
postauth_oneline(char *buf, size_t bufsz, const char *msg)
{
	size_t	n;
	char	*p;

	(void)snprintf(buf, bufsz, "%s", msg);
	for (p = buf; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

/*
 * Reads the posts table into a new array; the old one stays on failure,
 * with why saying what went wrong.
 */
static int
postauth_load(struct postauth *pa, char *why, size_t whysz)
{
	struct postauth_post	*posts = NULL;
	PGresult		*res;
	PGconn			*conn;
	size_t			 n = 0;
	int			 i, rows, rc = 0;

	if ((rc = db_connect(pa->db)) != 0) {
		(void)snprintf(why, whysz, "database unavailable");
		return rc;
	}
	conn = db_pgconn(pa->db);
	res = PQexecParams(conn, "SELECT code, cert_cn, cert_sha256, status "
	    "FROM posts ORDER BY code", 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		postauth_oneline(why, whysz, PQresultErrorMessage(res));
		PQclear(res);
		return ERR_DB;
	}
	rows = PQntuples(res);
	if (rows < 0 || (size_t)rows > POSTAUTH_POSTS_MAX) {
		log_warnx("posts: the posts table has %d rows, over the %d "
		    "kept", rows, POSTAUTH_POSTS_MAX);
		rows = POSTAUTH_POSTS_MAX;
	}
	if (rows > 0 && (posts = calloc((size_t)rows,
	    sizeof(*posts))) == NULL) {
		PQclear(res);
		(void)snprintf(why, whysz, "out of memory");
		return ERR_NOMEM;
	}
	for (i = 0; i < rows; i++) {
		if (postauth_row(res, i, &posts[n]) != 0) {
			log_warnx("posts: row %d of the posts table is "
			    "malformed; skipped", i + 1);
			continue;
		}
		n++;
	}
	PQclear(res);
	free(pa->posts);
	pa->posts = posts;
	pa->nposts = n;
	pa->loaded = 1;
	return rc;
}

static void
postauth_refresh(struct postauth *pa, int64_t now_ms)
{
	char	why[256];

	if (pa->loaded || pa->failing) {
		if (now_ms >= pa->tried_ms && now_ms - pa->tried_ms <
		    pa->refresh_ms)
			return;
	}
	pa->tried_ms = now_ms;
	if (postauth_load(pa, why, sizeof(why)) != 0) {
		if (!pa->failing)
			log_warnx("posts: cannot read the posts table (%s); "
			    "%s", why, pa->loaded ? "using the copy read before" :
			    "central.yaml only for now");
		pa->failing = 1;
		return;
	}
	if (pa->failing)
		log_info("posts: enrolled posts read again (%zu)",
		    pa->nposts);
	pa->failing = 0;
}

static const struct postauth_post *
postauth_by_cert(const struct postauth *pa, const char *cn,
    const unsigned char sha256[32])
{
	size_t	i;

	for (i = 0; i < pa->nposts; i++)
		if (strcmp(pa->posts[i].cn, cn) == 0 &&
		    memcmp(pa->posts[i].sha256, sha256, 32) == 0)
			return &pa->posts[i];
	return NULL;
}

static const struct postauth_post *
postauth_by_code(const struct postauth *pa, const char *code)
{
	size_t	i;

	for (i = 0; i < pa->nposts; i++)
		if (strcmp(pa->posts[i].code, code) == 0)
			return &pa->posts[i];
	return NULL;
}

static const struct postauth_post *
postauth_by_cn(const struct postauth *pa, const char *cn)
{
	size_t	i;

	for (i = 0; i < pa->nposts; i++)
		if (strcmp(pa->posts[i].cn, cn) == 0)
			return &pa->posts[i];
	return NULL;
}

int
postauth_check(struct postauth *pa, const char *cn,
    const unsigned char sha256[32], int64_t now_ms,
    char code[PROTO_POST_MAX + 1], char *why, size_t whysz)
{
	const struct postauth_post	*t;
	const struct cen_post		*y;
	char				 fp[17];
	size_t				 k;

	postauth_refresh(pa, now_ms);
	if ((t = postauth_by_cert(pa, cn, sha256)) != NULL) {
		if (t->revoked) {
			(void)snprintf(why, whysz, "post %s is revoked",
			    t->code);
			return ERR_AUTH;
		}
		(void)snprintf(code, PROTO_POST_MAX + 1, "%s", t->code);
		return 0;
	}
	if ((y = cen_cfg_post_for_cert(pa->cfg, cn, sha256)) != NULL) {
		if ((t = postauth_by_code(pa, y->code)) != NULL &&
		    t->revoked) {
			(void)snprintf(why, whysz, "post %s is revoked",
			    t->code);
			return ERR_AUTH;
		}
		(void)snprintf(code, PROTO_POST_MAX + 1, "%s", y->code);
		return 0;
	}
	for (k = 0; k < 8; k++)
		(void)snprintf(fp + 2 * k, sizeof(fp) - 2 * k, "%02x",
		    sha256[k]);
	if ((t = postauth_by_cn(pa, cn)) != NULL)
		(void)snprintf(why, whysz, "certificate \"%.64s\" (SHA-256 "
		    "%s...) is not the one enrolled for post %s", cn, fp,
		    t->code);
	else
		(void)snprintf(why, whysz, "certificate \"%.64s\" (SHA-256 "
		    "%s...) is not enrolled for any post", cn, fp);
	return ERR_AUTH;
}
