/* adminapi.c - the registry's administration routes of the people's API:
 * JSON, CSV and YAML bodies read into registry records (regcsv.h), stored
 * through creg.h in one transaction with the authenticated user as the
 * actor, and listings paged from creg_list(). See adminapi.h. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "adminapi.h"
#include "api.h"
#include "creg.h"
#include "err.h"
#include "feed.h"
#include "log.h"
#include "pgutil.h"
#include "pinhash.h"
#include "proto.h"
#include "regcsv.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define ADM_STOP	1	/* from a listing's callback: page full */
#define ADM_ID_MAX	128	/* bytes of a decoded path id we look at */
#define ADM_CERT_MAX	(64 * 1024)	/* bytes of a PEM certificate */

static const struct cen_cfg	*adminapi_cfg;

void
adminapi_configure(const struct cen_cfg *cfg)
{
	adminapi_cfg = cfg;
}

/* The collections: a path (no trailing '/') and the kind listed there. */
struct adm_coll {
	const char	*path;
	enum creg_kind	 kind;
};

static const struct adm_coll adm_colls[] = {
	{ "/api/v1/alerts/document", CREG_DOCUMENT_ALERT },
	{ "/api/v1/alerts/person", CREG_PERSON_ALERT },
	{ "/api/v1/permits", CREG_PERMIT },
	{ "/api/v1/registrations", CREG_REGISTRATION },
	{ "/api/v1/officers", CREG_OFFICER },
	{ "/api/v1/policy/versions", CREG_POLICY },
	{ "/api/v1/posts", CREG_POST },
};

#define ADM_IMPORT_PATH	"/api/v1/import/"

/*
 * The collection path (decoded by api.c) is in, and the id after
 * "<collection>/" into id ("" for the collection itself). NULL if it is
 * in none; *bad set if the rest is empty or too long.
 */
static const struct adm_coll *
adm_coll_of(const char *path, char id[ADM_ID_MAX + 1], int *bad)
{
	const struct adm_coll	*c;
	size_t			 i, n;

	*bad = 0;
	id[0] = '\0';
	for (i = 0; i < NELEM(adm_colls); i++) {
		c = &adm_colls[i];
		n = strlen(c->path);
		if (strncmp(path, c->path, n) != 0)
			continue;
		if (path[n] == '\0')
			return c;
		if (path[n] != '/')
			continue;
		path += n + 1;
		if ((n = strlen(path)) == 0 || n > ADM_ID_MAX)
			*bad = 1;
		else
			memcpy(id, path, n + 1);
		return c;
	}
	return NULL;
}

/*
 * An error field as the API's JSON names it: a feed path loses "data.",
 * and a record's column becomes its place in the JSON ("number" of a
 * permit is "holder.number").
 */
static void
adm_jpath(const struct regcsv_kind *k, const char *field, char *buf,
    size_t bufsz)
{
	const struct regcsv_field	*f;

	if (strncmp(field, "data.", 5) == 0)
		field += 5;
	if (k != NULL && strchr(field, '.') == NULL &&
	    (f = regcsv_field_find(k, field)) != NULL)
		field = f->jpath;
	(void)snprintf(buf, bufsz, "%s", field);
}

/*
 * After a failed change: roll back and answer from rc and the registry's
 * error (pe may be NULL). what names the record for the log.
 */
static void
adm_failed(struct api_req *r, int rc, const struct proto_error *pe,
    const struct regcsv_kind *k, const char *what)
{
	char		 field[PROTO_FIELD_MAX];
	const char	*msg = pe != NULL ? pe->message : "";

	(void)creg_rollback(r->conn);
	adm_jpath(k, pe != NULL ? pe->field : "", field, sizeof(field));
	switch (rc) {
	case ERR_INVAL:
		api_error(r, 400, field, "%s", msg[0] != '\0' ? msg :
		    "not valid; nothing changed");
		break;
	case ERR_NOTFOUND:
		api_error(r, 404, field, "%s", msg[0] != '\0' ? msg :
		    "no such record");
		break;
	case ERR_CONFLICT:
		api_error(r, 409, field, "%s", msg[0] != '\0' ? msg :
		    "in conflict with what is stored; nothing changed");
		break;
	case ERR_DB:
		log_warnx("admin %s: %s: the database refused it", r->user,
		    what);
		api_error(r, 503, "", "the database refused it or is "
		    "unreachable; nothing changed");
		break;
	default:
		log_warnx("admin %s: %s: %s", r->user, what, err_str(rc));
		api_error(r, 500, "", "%s; nothing changed", err_str(rc));
		break;
	}
}

/* s into buf (bufsz bytes), cut between UTF-8 characters if it must be
 * cut, so that it stays valid in JSON. */
static void
adm_cut(const char *s, char *buf, size_t bufsz)
{
	size_t	n = strlen(s);

	if (n >= bufsz) {
		n = bufsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* 1 if the body's Content-Type (none counts) is one of types. */
static int
adm_ctype_ok(struct api_req *r, const char *const *types, size_t n)
{
	const char	*ct = api_header(r, "Content-Type");
	size_t		 i, len;

	if (ct == NULL)
		return 1;
	len = strcspn(ct, "; \t");
	for (i = 0; i < n; i++)
		if (strlen(types[i]) == len &&
		    strncasecmp(ct, types[i], len) == 0)
			return 1;
	return 0;
}

/* A whole number from min to max; 0 or -1. */
static int
adm_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---- listings ---- */

enum adm_jtype { ADM_J_STR, ADM_J_INT, ADM_J_BOOL, ADM_J_NULLABLE };

/* Columns of the kinds without a field table that are not strings. */
static const struct {
	enum creg_kind	 kind;
	const char	*col;
	enum adm_jtype	 type;
} adm_coltypes[] = {
	{ CREG_OFFICER, "active", ADM_J_BOOL },
	{ CREG_POLICY, "bytes", ADM_J_INT },
	{ CREG_POLICY, "current", ADM_J_BOOL },
	{ CREG_POST, "revoked_at", ADM_J_NULLABLE },
	{ CREG_POST, "revoked_by", ADM_J_NULLABLE },
};

struct adm_page {
	enum creg_kind			 kind;
	const struct regcsv_kind	*k;	/* NULL: no field table */
	const char *const		*cols;
	size_t				 ncols;
	long long			 skip;	/* rows still to skip */
	long long			 want;	/* rows on the page */
	json_t				*items;
	int				 more;	/* a row after the page */
};

/* One listed value as JSON; *jpath where it goes. NULL: out of memory. */
static json_t *
adm_value(const struct adm_page *pg, const char *col, const char *v,
    const char **jpath)
{
	const struct regcsv_field	*f = NULL;
	enum adm_jtype			 t = ADM_J_STR;
	long long			 n;
	size_t				 i;

	*jpath = col;
	if (pg->k != NULL && (f = regcsv_field_find(pg->k, col)) != NULL) {
		*jpath = f->jpath;
		if (f->type == REGCSV_INT)
			t = ADM_J_INT;
		else if (!f->required)
			t = ADM_J_NULLABLE;
	}
	for (i = 0; i < NELEM(adm_coltypes); i++)
		if (adm_coltypes[i].kind == pg->kind &&
		    strcmp(adm_coltypes[i].col, col) == 0)
			t = adm_coltypes[i].type;
	switch (t) {
	case ADM_J_INT:
		if (v[0] == '\0')
			return json_null();
		if (adm_parse_ll(v, 0, INT64_MAX, &n) != 0)
			return json_string(v);	/* not expected */
		return json_integer(n);
	case ADM_J_BOOL:
		return json_boolean(strcmp(v, "true") == 0);
	case ADM_J_NULLABLE:
		return v[0] == '\0' ? json_null() : json_string(v);
	default:
		return json_string(v);
	}
}

/* A listed row as the JSON a put takes back (permit holders nested). */
static json_t *
adm_row_json(const struct adm_page *pg, const char *const *vals)
{
	json_t		*obj, *holder = NULL, *v;
	const char	*jpath;
	size_t		 i;

	if ((obj = json_object()) == NULL)
		return NULL;
	for (i = 0; i < pg->ncols; i++) {
		if ((v = adm_value(pg, pg->cols[i], vals[i], &jpath)) == NULL)
			goto fail;
		if (strncmp(jpath, "holder.", 7) == 0) {
			if (holder == NULL && ((holder = json_object()) ==
			    NULL || json_object_set_new(obj, "holder",
			    holder) != 0)) {
				json_decref(v);
				goto fail;
			}
			if (json_object_set_new(holder, jpath + 7, v) != 0)
				goto fail;
		} else if (json_object_set_new(obj, jpath, v) != 0)
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static int
adm_page_row(void *arg, size_t ncols, const char *const *vals)
{
	struct adm_page	*pg = arg;
	json_t		*o;

	if (ncols != pg->ncols)
		return ERR_INVAL;
	if (pg->skip > 0) {
		pg->skip--;
		return 0;
	}
	if ((long long)json_array_size(pg->items) >= pg->want) {
		pg->more = 1;
		return ADM_STOP;
	}
	if ((o = adm_row_json(pg, vals)) == NULL ||
	    json_array_append_new(pg->items, o) != 0)
		return ERR_NOMEM;
	return 0;
}

/*
 * A page of kind's listing into pg->items: f's filters, offset rows
 * skipped, at most limit rows. 0, ERR_DB, ERR_NOMEM.
 */
static int
adm_page(struct api_req *r, enum creg_kind kind, struct creg_filter *f,
    long long offset, long long limit, struct adm_page *pg)
{
	int	rc;

	memset(pg, 0, sizeof(*pg));
	pg->kind = kind;
	pg->k = regcsv_kind_get(kind);
	if ((pg->cols = creg_list_columns(kind, &pg->ncols)) == NULL)
		return ERR_INVAL;
	pg->skip = offset;
	pg->want = limit;
	if ((pg->items = json_array()) == NULL)
		return ERR_NOMEM;
	f->limit = offset + limit + 1;
	rc = creg_list(r->conn, kind, f, adm_page_row, pg);
	if (rc == ADM_STOP)
		rc = 0;
	if (rc != 0) {
		json_decref(pg->items);
		pg->items = NULL;
	}
	return rc;
}

/* GET of a collection: ?id=&number=&limit=&offset=. */
static void
adm_route_list(struct api_req *r)
{
	const struct adm_coll	*c;
	const struct evkeyval	*kv;
	struct creg_filter	 f;
	struct adm_page		 pg;
	char			 id[ADM_ID_MAX + 1];
	long long		 limit = ADMINAPI_LIMIT_DEFAULT, offset = 0;
	int			 bad, rc, has_number;
	json_t			*obj;

	if ((c = adm_coll_of(r->path, id, &bad)) == NULL || bad ||
	    id[0] != '\0') {
		api_error(r, 404, "", "no such collection");
		return;
	}
	has_number = c->kind == CREG_DOCUMENT_ALERT || c->kind ==
	    CREG_PERMIT || c->kind == CREG_REGISTRATION;
	memset(&f, 0, sizeof(f));
	for (kv = r->query != NULL ? r->query->tqh_first : NULL; kv != NULL;
	    kv = kv->next.tqe_next) {
		if (strcmp(kv->key, "id") == 0)
			f.id = kv->value;
		else if (has_number && strcmp(kv->key, "number") == 0)
			f.number = kv->value;
		else if (strcmp(kv->key, "limit") == 0) {
			if (adm_parse_ll(kv->value, 1, ADMINAPI_LIMIT_MAX,
			    &limit) != 0) {
				api_error(r, 400, "limit", "must be a whole "
				    "number from 1 to %d", ADMINAPI_LIMIT_MAX);
				return;
			}
		} else if (strcmp(kv->key, "offset") == 0) {
			if (adm_parse_ll(kv->value, 0, ADMINAPI_OFFSET_MAX,
			    &offset) != 0) {
				api_error(r, 400, "offset", "must be a whole "
				    "number from 0 to %d", ADMINAPI_OFFSET_MAX);
				return;
			}
		} else {
			api_error(r, 400, kv->key, "unknown parameter (the "
			    "parameters are id, %slimit and offset)",
			    has_number ? "number, " : "");
			return;
		}
	}
	if ((rc = adm_page(r, c->kind, &f, offset, limit, &pg)) != 0) {
		adm_failed(r, rc, NULL, NULL, "list");
		return;
	}
	obj = json_pack("{s:s, s:o, s:I, s:I, s:o}", "kind",
	    creg_kind_str(c->kind), "items", pg.items, "offset",
	    (json_int_t)offset, "limit", (json_int_t)limit, "next_offset",
	    pg.more ? json_integer(offset + limit) : json_null());
	api_reply_json(r, 200, obj);
}

/* GET of one record of a collection: 404 if there is none. */
static void
adm_route_get(struct api_req *r)
{
	const struct adm_coll	*c;
	struct creg_filter	 f;
	struct adm_page		 pg;
	char			 id[ADM_ID_MAX + 1];
	int			 bad, rc;

	if ((c = adm_coll_of(r->path, id, &bad)) == NULL || bad ||
	    !feed_check_id(id, strlen(id))) {
		api_error(r, 400, "id", "the path must end in a record id "
		    "(1..64 of A-Z, a-z, 0-9, '.', '_', ':', '-')");
		return;
	}
	memset(&f, 0, sizeof(f));
	f.id = id;
	if ((rc = adm_page(r, c->kind, &f, 0, 1, &pg)) != 0) {
		adm_failed(r, rc, NULL, NULL, "get");
		return;
	}
	if (json_array_size(pg.items) == 0) {
		json_decref(pg.items);
		api_error(r, 404, "id", "there is no %s \"%s\"",
		    creg_kind_str(c->kind), id);
		return;
	}
	api_reply_json(r, 200, json_incref(json_array_get(pg.items, 0)));
	json_decref(pg.items);
}

/* ---- put and remove of the record kinds ---- */

/* The field of k at jpath (not the id), or NULL. */
static const struct regcsv_field *
adm_jfield(const struct regcsv_kind *k, const char *jpath)
{
	size_t	i;

	for (i = 1; i < k->nfields; i++)
		if (strcmp(k->fields[i].jpath, jpath) == 0)
			return &k->fields[i];
	return NULL;
}

/* What a listing adds, or the id of the path: taken and ignored, so a
 * listed item can be put back. */
static int
adm_jignored(json_t *v, const char *key, const char *id, char *msg,
    size_t msgsz, int *ignored)
{
	*ignored = 1;
	if (strcmp(key, "changed_at") == 0 || strcmp(key, "changed_by") == 0)
		return 0;
	if (strcmp(key, "id") == 0) {
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 0;
		(void)snprintf(msg, msgsz, "must be the id of the path "
		    "(\"%s\") or left out", id);
		return ERR_INVAL;
	}
	*ignored = 0;
	return 0;
}

/* Unknown members (a typo must not turn into a default): 0 or ERR_INVAL
 * with field and msg. */
static int
adm_json_known(const struct regcsv_kind *k, json_t *obj, const char *id,
    char *field, size_t fieldsz, char *msg, size_t msgsz)
{
	const char	*key, *hkey;
	json_t		*v, *hv;
	char		 path[96];
	int		 ignored;

	json_object_foreach(obj, key, v) {
		if (adm_jignored(v, key, id, msg, msgsz, &ignored) != 0) {
			(void)snprintf(field, fieldsz, "id");
			return ERR_INVAL;
		}
		if (ignored)
			continue;
		if (k->ckind == CREG_PERMIT && strcmp(key, "holder") == 0) {
			if (!json_is_object(v)) {
				(void)snprintf(field, fieldsz, "holder");
				(void)snprintf(msg, msgsz, "must be an object");
				return ERR_INVAL;
			}
			json_object_foreach(v, hkey, hv) {
				(void)hv;
				if ((size_t)snprintf(path, sizeof(path),
				    "holder.%s", hkey) < sizeof(path) &&
				    adm_jfield(k, path) != NULL)
					continue;
				adm_cut(path, field, fieldsz);
				(void)snprintf(msg, msgsz, "is not a field "
				    "of a permit's holder");
				return ERR_INVAL;
			}
			continue;
		}
		if (adm_jfield(k, key) == NULL || strchr(key, '.') != NULL) {
			adm_cut(key, field, fieldsz);
			(void)snprintf(msg, msgsz, "is not a field of a %s",
			    creg_kind_str(k->ckind));
			return ERR_INVAL;
		}
	}
	return 0;
}

/*
 * A record of kind k from a JSON object: members named as in the feed
 * (permits' holder nested), strings and whole numbers; a missing, null or
 * "" member is the field's default. 0, or ERR_INVAL with field (the JSON
 * path) and msg.
 */
static int
adm_json_rec(const struct regcsv_kind *k, json_t *obj, const char *id,
    struct regcsv_rec *rec, char *field, size_t fieldsz, char *msg,
    size_t msgsz)
{
	const struct regcsv_field	*f;
	json_t				*v, *holder;
	const char			*col;
	char				 num[32];
	size_t				 i;
	int				 rc;

	if (adm_json_known(k, obj, id, field, fieldsz, msg, msgsz) != 0)
		return ERR_INVAL;
	regcsv_rec_init(k, rec);
	if (regcsv_set(&k->fields[0], rec, id, strlen(id), msg, msgsz) != 0) {
		(void)snprintf(field, fieldsz, "id");
		return ERR_INVAL;
	}
	holder = json_object_get(obj, "holder");
	for (i = 1; i < k->nfields; i++) {
		f = &k->fields[i];
		if (strncmp(f->jpath, "holder.", 7) == 0)
			v = holder != NULL ? json_object_get(holder,
			    f->jpath + 7) : NULL;
		else
			v = json_object_get(obj, f->jpath);
		if (v == NULL || json_is_null(v))
			rc = regcsv_set(f, rec, "", 0, msg, msgsz);
		else if (f->type == REGCSV_INT) {
			if (!json_is_integer(v)) {
				(void)snprintf(msg, msgsz, "must be a whole "
				    "number from %ld to %ld", f->min, f->max);
				rc = ERR_INVAL;
			} else {
				(void)snprintf(num, sizeof(num), "%"
				    JSON_INTEGER_FORMAT, json_integer_value(v));
				rc = regcsv_set(f, rec, num, strlen(num), msg,
				    msgsz);
			}
		} else if (!json_is_string(v)) {
			(void)snprintf(msg, msgsz, "must be a string");
			rc = ERR_INVAL;
		} else
			rc = regcsv_set(f, rec, json_string_value(v),
			    json_string_length(v), msg, msgsz);
		if (rc != 0) {
			(void)snprintf(field, fieldsz, "%s", f->jpath);
			return ERR_INVAL;
		}
	}
	if (regcsv_rec_check(k, rec, &col, msg, msgsz) != 0) {
		f = regcsv_field_find(k, col);
		(void)snprintf(field, fieldsz, "%s", f != NULL ? f->jpath :
		    col);
		return ERR_INVAL;
	}
	return 0;
}

/* The kind of a record route's path; NULL after answering 400. */
static const struct regcsv_kind *
adm_record_path(struct api_req *r, char id[ADM_ID_MAX + 1])
{
	const struct adm_coll	*c;
	const struct regcsv_kind	*k;
	int			 bad;

	if ((c = adm_coll_of(r->path, id, &bad)) == NULL ||
	    (k = regcsv_kind_get(c->kind)) == NULL) {
		api_error(r, 404, "", "no such collection");
		return NULL;
	}
	if (bad || !feed_check_id(id, strlen(id))) {
		api_error(r, 400, "id", "the path must end in a record id "
		    "(1..64 of A-Z, a-z, 0-9, '.', '_', ':', '-')");
		return NULL;
	}
	return k;
}

/* PUT of a record: stores it (adds or replaces all of it). */
static void
adm_route_put(struct api_req *r)
{
	const struct regcsv_kind	*k;
	struct regcsv_rec		 rec;
	struct proto_error		 pe;
	json_t				*body;
	char				 id[ADM_ID_MAX + 1];
	char				 field[PROTO_FIELD_MAX];
	char				 msg[REGCSV_MSG_MAX];
	int				 rc, changed = 0;

	if ((k = adm_record_path(r, id)) == NULL)
		return;
	if (r->bodylen > ADMINAPI_JSON_MAX) {
		api_error(r, 413, "", "a record is at most %d bytes of JSON",
		    ADMINAPI_JSON_MAX);
		return;
	}
	if ((body = api_body_json(r)) == NULL)
		return;
	rc = adm_json_rec(k, body, id, &rec, field, sizeof(field), msg,
	    sizeof(msg));
	json_decref(body);
	if (rc != 0) {
		api_error(r, 400, field, "%s", msg);
		return;
	}
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(r->conn)) != 0 ||
	    (rc = regcsv_put(r->conn, r->user, k, &rec, &changed,
	    &pe)) != 0 || (rc = creg_commit(r->conn)) != 0) {
		adm_failed(r, rc, &pe, k, id);
		return;
	}
	log_info("admin %s: put %s %s: %s", r->user, creg_kind_str(k->ckind),
	    id, changed ? "stored" : "unchanged");
	api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:b}", "kind",
	    creg_kind_str(k->ckind), "id", id, "result", changed ? "stored" :
	    "unchanged", "changed", changed));
}

/* DELETE of a record. */
static void
adm_route_remove(struct api_req *r)
{
	const struct regcsv_kind	*k;
	struct proto_error		 pe;
	char				 id[ADM_ID_MAX + 1];
	int				 rc;

	if ((k = adm_record_path(r, id)) == NULL)
		return;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(r->conn)) != 0 ||
	    (rc = creg_remove(r->conn, r->user, k->ckind, id, &pe)) != 0 ||
	    (rc = creg_commit(r->conn)) != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(r->conn);
			api_error(r, 404, "id", "there is no %s \"%s\"; "
			    "nothing changed", creg_kind_str(k->ckind), id);
			return;
		}
		adm_failed(r, rc, &pe, k, id);
		return;
	}
	log_info("admin %s: removed %s %s", r->user, creg_kind_str(k->ckind),
	    id);
	api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:b}", "kind",
	    creg_kind_str(k->ckind), "id", id, "result", "removed", "changed",
	    1));
}

/* ---- CSV imports ---- */

static const char *const adm_csv_types[] = { "text/csv", "application/csv",
	"text/plain" };

/* The 400 of a file with bad rows: the first problem as the error, all
 * kept ones in "problems". */
static void
adm_import_refused(struct api_req *r, const struct regcsv_report *rep)
{
	const struct regcsv_problem	*p;
	json_t				*probs, *err, *obj;
	char				 msg[REGCSV_MSG_MAX + 128];
	size_t				 i;

	if ((probs = json_array()) == NULL) {
		api_error(r, 500, "", "out of memory");
		return;
	}
	for (i = 0; i < rep->nproblems; i++) {
		p = &rep->problems[i];
		if (json_array_append_new(probs, json_pack("{s:I, s:s, s:s}",
		    "line", (json_int_t)p->line, "field", p->field, "message",
		    p->msg)) != 0) {
			json_decref(probs);
			api_error(r, 500, "", "out of memory");
			return;
		}
	}
	p = &rep->problems[0];
	if (rep->nproblems == 0)
		(void)snprintf(msg, sizeof(msg), "the file does not read");
	else if (p->syntax)
		(void)snprintf(msg, sizeof(msg), "%s", p->msg);
	else if (p->header)
		(void)snprintf(msg, sizeof(msg), "line %lu: %s", p->line,
		    p->msg);
	else
		(void)snprintf(msg, sizeof(msg), "line %lu, field \"%s\": %s",
		    p->line, p->field, p->msg);
	err = json_pack("{s:i, s:s, s:s+}", "status", 400, "field",
	    rep->nproblems > 0 ? p->field : "", "message", msg,
	    rep->unreadable ? "; nothing imported" : "; bad rows: nothing "
	    "imported");
	obj = json_pack("{s:i, s:o, s:o, s:I}", "version", PROTO_VERSION,
	    "error", err, "problems", probs, "bad_rows",
	    (json_int_t)(rep->unreadable ? 0 : rep->nbad));
	api_reply_json(r, 400, obj);
}

/* POST /api/v1/import/{kind}: a CSV file, as `centralctl ... import`. */
static void
adm_route_import(struct api_req *r)
{
	const struct regcsv_kind	*k = NULL;
	struct regcsv_report		*rep;
	struct proto_error		 pe;
	enum creg_kind			 kind;
	char				 what[96];
	int				 rc;

	if (strncmp(r->path, ADM_IMPORT_PATH, strlen(ADM_IMPORT_PATH)) != 0 ||
	    creg_kind_parse(r->path + strlen(ADM_IMPORT_PATH), &kind) != 0 ||
	    (k = regcsv_kind_get(kind)) == NULL) {
		api_error(r, 404, "", "imports are of document_alert, "
		    "person_alert, permit or registration");
		return;
	}
	if (!adm_ctype_ok(r, adm_csv_types, NELEM(adm_csv_types))) {
		api_error(r, 415, "", "send the CSV file as text/csv");
		return;
	}
	if (r->body == NULL || r->bodylen == 0) {
		api_error(r, 400, "", "the body is empty: send the CSV file "
		    "(a header line, then the rows)");
		return;
	}
	if (r->bodylen > REGCSV_FILE_MAX) {
		api_error(r, 413, "", "a CSV file is at most %u bytes",
		    REGCSV_FILE_MAX);
		return;
	}
	if ((rep = malloc(sizeof(*rep))) == NULL) {
		api_error(r, 500, "", "out of memory");
		return;
	}
	if ((rc = regcsv_import_check(k, (const char *)r->body, r->bodylen,
	    rep)) != 0) {
		if (rc == ERR_INVAL)
			adm_import_refused(r, rep);
		else
			api_error(r, 500, "", "%s; nothing imported",
			    err_str(rc));
		free(rep);
		return;
	}
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(r->conn)) != 0 ||
	    (rc = regcsv_import_apply(r->conn, r->user, k,
	    (const char *)r->body, r->bodylen, rep, &pe)) != 0 ||
	    (rc = creg_commit(r->conn)) != 0) {
		if (rep->nproblems > 0 && pe.message[0] != '\0') {
			/* A row the registry refused: say which. */
			(void)snprintf(what, sizeof(what), "line %lu: ",
			    rep->problems[0].line);
			if (strlen(what) + strlen(pe.message) <
			    sizeof(pe.message)) {
				memmove(pe.message + strlen(what), pe.message,
				    strlen(pe.message) + 1);
				memcpy(pe.message, what, strlen(what));
			}
		}
		(void)snprintf(what, sizeof(what), "import %s",
		    creg_kind_str(k->ckind));
		adm_failed(r, rc, &pe, k, what);
		free(rep);
		return;
	}
	log_info("admin %s: imported %lu %s (%lu unchanged)", r->user,
	    rep->nrows, creg_kind_str(k->ckind), rep->unchanged);
	api_reply_json(r, 200, json_pack("{s:s, s:I, s:I}", "kind",
	    creg_kind_str(k->ckind), "imported", (json_int_t)rep->nrows,
	    "unchanged", (json_int_t)rep->unchanged));
	free(rep);
}

/* ---- officers ---- */

static const char adm_officer_hash_sql[] =
	"SELECT pin_hash, active FROM officers WHERE id = $1::text FOR UPDATE";

static int
adm_officer_id_ok(const char *s)
{
	size_t	len = strlen(s);

	return len >= 1 && len <= PROTO_OFFICER_MAX && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	    "._-") == len;
}

/*
 * The stored PIN hash of officer id into hash and whether they are
 * active, in the open transaction (the row locked). 0, ERR_NOTFOUND,
 * ERR_DB.
 */
static int
adm_officer_hash(PGconn *conn, const char *id, char *hash, size_t hashsz,
    int *active)
{
	const char	*params[1] = { id };
	PGresult	*res;
	int		 rc = 0;

	if ((rc = pgu_exec(conn, "admin", "officer hash", adm_officer_hash_sql,
	    1, params, PGRES_TUPLES_OK, &res)) != 0)
		return rc;
	if (PQntuples(res) != 1)
		rc = ERR_NOTFOUND;
	else if ((size_t)snprintf(hash, hashsz, "%s", PQgetvalue(res, 0,
	    0)) >= hashsz)
		rc = ERR_DB;
	else
		*active = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	if (res != NULL && PQntuples(res) == 1)
		explicit_bzero(PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
	return rc;
}

/* Reads and checks the members of an officer's body; 0, or -1 after a
 * 400. The PIN is left in the JSON (the caller wipes it). */
static int
adm_officer_body(struct api_req *r, json_t *body, const char *id,
    json_t **name, json_t **pin, json_t **active)
{
	const char	*key, *why;
	json_t		*v;
	char		 msg[REGCSV_MSG_MAX];
	int		 ignored;

	json_object_foreach(body, key, v) {
		if (adm_jignored(v, key, id, msg, sizeof(msg), &ignored) != 0) {
			api_error(r, 400, "id", "%s", msg);
			return -1;
		}
		if (!ignored && strcmp(key, "name") != 0 &&
		    strcmp(key, "pin") != 0 && strcmp(key, "active") != 0) {
			api_error(r, 400, key, "is not a field of an officer "
			    "(name, pin, active)");
			return -1;
		}
	}
	*name = json_object_get(body, "name");
	*pin = json_object_get(body, "pin");
	*active = json_object_get(body, "active");
	if (*name != NULL && json_is_null(*name))
		*name = NULL;
	if (*pin != NULL && json_is_null(*pin))
		*pin = NULL;
	if (*active != NULL && json_is_null(*active))
		*active = NULL;
	if (*name != NULL && (!json_is_string(*name) ||
	    json_string_length(*name) == 0 ||
	    json_string_length(*name) > FEED_TEXT_MAX ||
	    (why = regcsv_text_problem(json_string_value(*name),
	    json_string_length(*name))) != NULL)) {
		api_error(r, 400, "name", "must be a string of 1..%d bytes "
		    "of text without control characters", FEED_TEXT_MAX);
		return -1;
	}
	if (*pin != NULL && (!json_is_string(*pin) || !pinhash_check_pin(
	    json_string_value(*pin), json_string_length(*pin)))) {
		api_error(r, 400, "pin", "must be a string of %d..%d printable "
		    "ASCII characters without spaces", PINHASH_PIN_MIN,
		    PINHASH_PIN_MAX);
		return -1;
	}
	if (*active != NULL && !json_is_boolean(*active)) {
		api_error(r, 400, "active", "must be true or false");
		return -1;
	}
	if (*name == NULL && *pin == NULL && *active == NULL) {
		api_error(r, 400, "name", "is required (or only \"active\", to "
		    "turn the officer on or off)");
		return -1;
	}
	if (*name == NULL && *pin != NULL) {
		api_error(r, 400, "name", "is required with a pin");
		return -1;
	}
	return 0;
}

/*
 * PUT /api/v1/officers/{id}: {"name","pin","active"}. With a pin: stored
 * with that PIN's new hash (active: default true). Without: the PIN and,
 * unless given, active kept (a new officer needs a PIN). Only "active":
 * turned on or off.
 */
static void
adm_route_officer_put(struct api_req *r)
{
	const struct adm_coll	*c;
	struct feed_officer	 o;
	struct proto_error	 pe;
	json_t			*body, *name = NULL, *pin = NULL;
	json_t			*active = NULL;
	char			 id[ADM_ID_MAX + 1];
	int			 bad, rc, changed = 0, only_active;
	int			 was_active = 1;

	if ((c = adm_coll_of(r->path, id, &bad)) == NULL || bad ||
	    !adm_officer_id_ok(id)) {
		api_error(r, 400, "id", "the path must end in an officer id "
		    "(1..32 of A-Z, a-z, 0-9, '.', '_', '-')");
		return;
	}
	if (r->bodylen > ADMINAPI_JSON_MAX) {
		api_error(r, 413, "", "an officer is at most %d bytes of JSON",
		    ADMINAPI_JSON_MAX);
		return;
	}
	if ((body = api_body_json(r)) == NULL)
		return;
	memset(&o, 0, sizeof(o));
	memset(&pe, 0, sizeof(pe));
	if (adm_officer_body(r, body, id, &name, &pin, &active) != 0)
		goto done;
	only_active = name == NULL && pin == NULL;
	memcpy(o.id, id, strlen(id) + 1);	/* checked: 1..32 bytes */
	if (name != NULL)
		(void)snprintf(o.name, sizeof(o.name), "%s",
		    json_string_value(name));
	o.active = active == NULL || json_is_true(active);
	if (pin != NULL && (rc = pinhash_make(json_string_value(pin),
	    json_string_length(pin), NULL, o.pin_hash,
	    sizeof(o.pin_hash))) != 0) {
		log_warnx("admin %s: officer %s: cannot hash the PIN: %s",
		    r->user, id, err_str(rc));
		api_error(r, 500, "", "cannot hash the PIN; nothing changed");
		goto done;
	}
	if ((rc = creg_begin(r->conn)) != 0)
		goto failed;
	if (only_active)
		rc = creg_officer_set_active(r->conn, r->user, id, o.active,
		    &changed, &pe);
	else {
		if (pin == NULL && (rc = adm_officer_hash(r->conn, id,
		    o.pin_hash, sizeof(o.pin_hash), &was_active)) ==
		    ERR_NOTFOUND) {
			(void)creg_rollback(r->conn);
			api_error(r, 400, "pin", "is required for a new "
			    "officer; nothing changed");
			goto done;
		}
		if (pin == NULL && active == NULL)
			o.active = was_active;	/* kept, like the PIN */
		if (rc == 0)
			rc = creg_officer_put(r->conn, r->user, &o, &changed,
			    &pe);
	}
	if (rc == 0)
		rc = creg_commit(r->conn);
failed:
	if (rc != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(r->conn);
			api_error(r, 404, "id", "there is no officer \"%s\"; "
			    "nothing changed", id);
		} else
			adm_failed(r, rc, &pe, NULL, id);
		goto done;
	}
	log_info("admin %s: put officer %s: %s%s", r->user, id, changed ?
	    "stored" : "unchanged", pin != NULL ? ", new PIN" : "");
	api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}",
	    "kind", "officer", "id", id, "result", changed ? "stored" :
	    "unchanged", "changed", changed, "active", o.active,
	    "pin_changed", pin != NULL));
done:
	if (pin != NULL && json_is_string(pin))
		explicit_bzero((char *)(uintptr_t)json_string_value(pin),
		    json_string_length(pin));
	explicit_bzero(&o, sizeof(o));
	json_decref(body);
}

/* ---- the stay policy ---- */

static const char *const adm_yaml_types[] = { "text/yaml",
	"application/yaml", "application/x-yaml", "text/x-yaml",
	"text/plain" };

/* POST /api/v1/policy: the YAML text of a policy version. */
static void
adm_route_policy_load(struct api_req *r)
{
	struct proto_error	pe;
	char			version[FEED_POLICY_VERSION_MAX + 1];
	int			rc, changed = 0;

	if (!adm_ctype_ok(r, adm_yaml_types, NELEM(adm_yaml_types))) {
		api_error(r, 415, "", "send the policy as text/yaml");
		return;
	}
	if (r->body == NULL || r->bodylen == 0) {
		api_error(r, 400, "yaml", "the body is empty: send the policy "
		    "text (config/policy.yaml)");
		return;
	}
	if (r->bodylen > FEED_YAML_MAX) {
		api_error(r, 413, "yaml", "a policy is at most %d bytes",
		    FEED_YAML_MAX);
		return;
	}
	memset(&pe, 0, sizeof(pe));
	version[0] = '\0';
	if ((rc = creg_begin(r->conn)) != 0 ||
	    (rc = creg_policy_load(r->conn, r->user, (const char *)r->body,
	    r->bodylen, version, &changed, &pe)) != 0 ||
	    (rc = creg_commit(r->conn)) != 0) {
		if (rc == ERR_CONFLICT) {
			(void)creg_rollback(r->conn);
			api_error(r, 409, "version", "version \"%s\" is "
			    "already loaded with another text; a version "
			    "names one text for ever, so give this one a new "
			    "version; nothing changed", version);
			return;
		}
		adm_failed(r, rc, &pe, NULL, "policy");
		return;
	}
	log_info("admin %s: policy %s: %s", r->user, version, changed ?
	    "loaded" : "unchanged");
	api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:b}", "kind",
	    "policy", "version", version, "result", changed ? "loaded" :
	    "unchanged", "changed", changed));
}

/* GET /api/v1/policy[?version=V]: the text, as it was loaded. */
static void
adm_route_policy_get(struct api_req *r)
{
	const struct evkeyval	*kv;
	const char		*version = NULL;
	char			*yaml = NULL, v[FEED_POLICY_VERSION_MAX + 1];
	size_t			 len = 0;
	int			 rc;

	for (kv = r->query != NULL ? r->query->tqh_first : NULL; kv != NULL;
	    kv = kv->next.tqe_next) {
		if (strcmp(kv->key, "version") != 0) {
			api_error(r, 400, kv->key, "unknown parameter (the one "
			    "parameter is version)");
			return;
		}
		version = kv->value;
	}
	if ((rc = creg_policy_get(r->conn, version, &yaml, &len, v)) != 0) {
		if (rc == ERR_NOTFOUND)
			api_error(r, 404, version != NULL ? "version" : "",
			    "%s", version != NULL ? "no such version" :
			    "no policy is loaded");
		else
			adm_failed(r, rc, NULL, NULL, "policy");
		return;
	}
	api_add_header(r, "Shekara-Policy-Version", v);
	api_reply(r, 200, "text/yaml; charset=utf-8", yaml, len);
	free(yaml);
}

/* ---- posts ---- */

/* The post code of the path; 0, or -1 after a 400. */
static int
adm_post_code(struct api_req *r, char code[ADM_ID_MAX + 1])
{
	int	bad;

	if (adm_coll_of(r->path, code, &bad) == NULL || bad ||
	    !proto_check_post_code(code, strlen(code))) {
		api_error(r, 400, "code", "the path must end in a post code "
		    "(2..16 of A-Z, 0-9)");
		return -1;
	}
	return 0;
}

/* POST /api/v1/posts/{code}: {"name","certificate"} enrols (or renews). */
static void
adm_route_post_enrol(struct api_req *r)
{
	struct proto_error	 pe;
	json_t			*body, *name, *cert, *v;
	const char		*key, *ca, *nm = NULL;
	char			 code[ADM_ID_MAX + 1], cn[CREG_CN_MAX + 1];
	char			 hex[CREG_SHA256_HEX + 1], msg[REGCSV_MSG_MAX];
	int			 rc, changed = 0;

	if (adm_post_code(r, code) != 0)
		return;
	if (r->bodylen > ADMINAPI_JSON_MAX) {
		api_error(r, 413, "", "an enrolment is at most %d bytes of "
		    "JSON", ADMINAPI_JSON_MAX);
		return;
	}
	if ((body = api_body_json(r)) == NULL)
		return;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "name") != 0 &&
		    strcmp(key, "certificate") != 0) {
			api_error(r, 400, key, "is not a field of an enrolment "
			    "(name, certificate)");
			goto done;
		}
	}
	name = json_object_get(body, "name");
	cert = json_object_get(body, "certificate");
	if (name != NULL && !json_is_null(name)) {
		if (!json_is_string(name) || json_string_length(name) >
		    CREG_TEXT_MAX || (json_string_length(name) > 0 &&
		    regcsv_text_problem(json_string_value(name),
		    json_string_length(name)) != NULL)) {
			api_error(r, 400, "name", "must be a string of 0..%d "
			    "bytes of text without control characters",
			    CREG_TEXT_MAX);
			goto done;
		}
		nm = json_string_value(name);
	}
	if (cert == NULL || !json_is_string(cert) ||
	    json_string_length(cert) == 0) {
		api_error(r, 400, "certificate", "is required: the post's "
		    "client certificate as PEM text");
		goto done;
	}
	ca = adminapi_cfg != NULL ? adminapi_cfg->client_ca_file : NULL;
	rc = regcsv_cert_read(json_string_value(cert), json_string_length(cert),
	    ca, cn, hex, msg, sizeof(msg));
	if (rc == ERR_PARSE || rc == ERR_AUTH) {
		api_error(r, 400, "certificate", "%s", msg);
		goto done;
	}
	if (rc != 0) {
		log_warnx("admin %s: post %s: certificate: %s", r->user, code,
		    msg);
		api_error(r, 500, "", "%s; nothing changed", msg);
		goto done;
	}
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(r->conn)) != 0 ||
	    (rc = creg_post_enrol(r->conn, r->user, code, nm, cn, hex,
	    &changed, &pe)) != 0 || (rc = creg_commit(r->conn)) != 0) {
		if (strcmp(pe.field, "cert_cn") == 0)
			(void)snprintf(pe.field, sizeof(pe.field),
			    "certificate");
		adm_failed(r, rc, &pe, NULL, code);
		goto done;
	}
	log_info("admin %s: post %s: %s (CN %s)", r->user, code, changed ?
	    "enrolled" : "unchanged", cn);
	api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, "
	    "s:b}", "kind", "post", "code", code, "result", changed ?
	    "enrolled" : "unchanged", "changed", changed, "cert_cn", cn,
	    "cert_sha256", hex, "ca_checked", ca != NULL && ca[0] != '\0'));
done:
	json_decref(body);
}

/* DELETE /api/v1/posts/{code}: revokes; posts.md, within seconds. */
static void
adm_route_post_revoke(struct api_req *r)
{
	struct proto_error	pe;
	char			code[ADM_ID_MAX + 1];
	int			rc, changed = 0;

	if (adm_post_code(r, code) != 0)
		return;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(r->conn)) != 0 ||
	    (rc = creg_post_revoke(r->conn, r->user, code, &changed,
	    &pe)) != 0 || (rc = creg_commit(r->conn)) != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(r->conn);
			api_error(r, 404, "code", "post %s is not enrolled; "
			    "nothing changed", code);
			return;
		}
		adm_failed(r, rc, &pe, NULL, code);
		return;
	}
	log_info("admin %s: post %s: %s", r->user, code, changed ? "revoked" :
	    "revoked already");
	api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:b}", "kind",
	    "post", "code", code, "result", changed ? "revoked" : "unchanged",
	    "changed", changed));
}

/* ---- the routes ---- */

#define ADM_RECORDS(path, one, many)					\
	{ "GET", path, 0, API_ADMIN, adm_route_list,			\
	    "list " many " (?id, number, limit, offset)" },		\
	{ "GET", path "/", 1, API_ADMIN, adm_route_get, "one " one },	\
	{ "PUT", path "/", 1, API_ADMIN, adm_route_put,		\
	    "store a " one " (JSON)" },					\
	{ "DELETE", path "/", 1, API_ADMIN, adm_route_remove,		\
	    "remove a " one }

const struct api_route admin_routes[] = {
	ADM_RECORDS("/api/v1/alerts/document", "document alert",
	    "document alerts"),
	ADM_RECORDS("/api/v1/alerts/person", "person alert", "person alerts"),
	ADM_RECORDS("/api/v1/permits", "visa or permit", "visas and permits"),
	ADM_RECORDS("/api/v1/registrations", "registration", "registrations"),
	{ "POST", ADM_IMPORT_PATH "document_alert", 0, API_ADMIN,
	    adm_route_import, "import document alerts (text/csv)" },
	{ "POST", ADM_IMPORT_PATH "person_alert", 0, API_ADMIN,
	    adm_route_import, "import person alerts (text/csv)" },
	{ "POST", ADM_IMPORT_PATH "permit", 0, API_ADMIN, adm_route_import,
	    "import visas and permits (text/csv)" },
	{ "POST", ADM_IMPORT_PATH "registration", 0, API_ADMIN,
	    adm_route_import, "import registrations (text/csv)" },
	{ "GET", "/api/v1/officers", 0, API_ADMIN, adm_route_list,
	    "list officers (never PIN hashes)" },
	{ "PUT", "/api/v1/officers/", 1, API_ADMIN, adm_route_officer_put,
	    "store an officer, a new PIN, or turn one on or off" },
	{ "GET", "/api/v1/policy", 0, API_ADMIN, adm_route_policy_get,
	    "the stay policy text in force (or ?version=)" },
	{ "POST", "/api/v1/policy", 0, API_ADMIN, adm_route_policy_load,
	    "load a stay policy version (text/yaml)" },
	{ "GET", "/api/v1/policy/versions", 0, API_ADMIN, adm_route_list,
	    "list the policy versions loaded" },
	{ "GET", "/api/v1/posts", 0, API_ADMIN, adm_route_list,
	    "list enrolled posts" },
	{ "POST", "/api/v1/posts/", 1, API_ADMIN, adm_route_post_enrol,
	    "enrol a post's client certificate (JSON, PEM)" },
	{ "DELETE", "/api/v1/posts/", 1, API_ADMIN, adm_route_post_revoke,
	    "revoke a post" },
	{ NULL, NULL, 0, 0, NULL, NULL }
};
