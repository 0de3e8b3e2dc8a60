/* query.h - the inspectors' queries at the centre: who is overstaying as of
 * a day, labour migrants whose work permit ended and who have not left,
 * foreigners not registered at a place of residence in time, and one travel
 * document's whole history. Read from PostgreSQL (stay_states, permits,
 * registrations, crossings, alerts, post_audit) with parameterised SQL
 * only; shared by the people's API (query_routes) and centralctl. Every
 * query is an audit event. docs/queries.md. */
#ifndef SHEKARA_QUERY_H
#define SHEKARA_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "api.h"
#include "cencfg.h"
#include "creg.h"
#include "proto.h"

#define QUERY_LIMIT_DEFAULT	100
#define QUERY_LIMIT_MAX		1000
#define QUERY_OFFSET_MAX	1000000
#define QUERY_DAYS_MAX		36600	/* min_days at most (100 years) */
#define QUERY_CATEGORY_MAX	24
#define QUERY_CURSOR_MAX	64
#define QUERY_DAY_LEN		10	/* "YYYY-MM-DD" */
#define QUERY_HISTORY_MAX	10000	/* rows of one history section */

/* The list queries. */
enum query_kind {
	QUERY_OVERSTAYS = 1,
	QUERY_WORK_PERMITS_ENDED,
	QUERY_UNREGISTERED
};

/* Orders: days (overstayed, since the permit ended, late), entry day,
 * nationality, post of entry; the document breaks ties. */
enum query_sort {
	QUERY_SORT_DAYS = 0,
	QUERY_SORT_ENTRY,
	QUERY_SORT_NATIONALITY,
	QUERY_SORT_POST
};

/* The filters, order and page of a list query, as given (query_param_set())
 * and checked (query_params_check()). */
struct query_params {
	enum query_kind	 kind;
	char		 as_of[QUERY_DAY_LEN + 1];	/* "": today */
	char		 nationality[PROTO_STATE_MAX + 1];	/* "": any */
	char		 region[CREG_TEXT_MAX + 1];
	char		 post[PROTO_POST_MAX + 1];
	char		 category[QUERY_CATEGORY_MAX + 1];
	long		 min_days;			/* 0: none */
	enum query_sort	 sort;
	int		 desc;		/* -1: the sort's default */
	long		 limit;
	long		 offset;
	char		 cursor[QUERY_CURSOR_MAX + 1];	/* "": none */
	unsigned	 given;		/* bits of the parameters set */
};

/* What is wrong with a parameter: its name and a sentence. */
struct query_err {
	char	field[32];
	char	msg[192];
};

/* The registration deadline: working days after entry and the public
 * holidays that are not working days (central.yaml queries:). */
struct query_settings {
	long		  registration_days;
	const char	(*holidays)[11];	/* "YYYY-MM-DD" each */
	size_t		  nholidays;
};

/* The kind's name as in the API and the audit trail ("overstays",
 * "work_permits_ended", "unregistered"). */
const char	*query_kind_str(enum query_kind kind);

void	query_params_init(struct query_params *p, enum query_kind kind);
/*
 * Sets one parameter by its API name (as_of, nationality, region, post,
 * category, min_days, sort, order, limit, offset, cursor) from its text.
 * 0; ERR_INVAL with err naming the parameter (bad value, given twice, or
 * not one this query takes); ERR_NOTFOUND for a name that is no
 * parameter of any query (err says so too).
 */
int	query_param_set(struct query_params *p, const char *name,
	    const char *value, struct query_err *err);
/* Checks across parameters (cursor with offset, a cursor of another
 * order): 0 or ERR_INVAL with err. */
int	query_params_check(const struct query_params *p,
	    struct query_err *err);

/* From central.yaml's queries: section; NULL cfg: the defaults (3 working
 * days, no holidays). */
void	query_settings_init(struct query_settings *s,
	    const struct cen_cfg *cfg);
/* The settings the people's API uses (centrald calls this once after
 * loading its configuration; until then the defaults). cfg must outlive
 * the listener. */
void	query_configure(const struct cen_cfg *cfg);

/* Today, the civil day in the stay policy's time zone (UTC without a
 * policy), as YYYY-MM-DD. 0, ERR_DB, ERR_NOMEM. */
int	query_today(PGconn *conn, char out[QUERY_DAY_LEN + 1]);

/* One column of a list query's rows. */
enum query_coltype { QUERY_TEXT, QUERY_INT };
struct query_col {
	const char		*name;	/* JSON key (inside group) */
	const char		*group;	/* NULL, or the JSON object it is in
					 * ("residence"), null when its first
					 * column is */
	enum query_coltype	 type;
};

/* One page of a list query. */
struct query_page {
	enum query_kind		 kind;
	char			 as_of[QUERY_DAY_LEN + 1];
	long long		 total;		/* rows matching, all pages */
	long			 limit;
	long			 offset;
	char			 next_cursor[QUERY_CURSOR_MAX + 1];
						/* "": no more rows */
	const struct query_col	*cols;
	size_t			 ncols;
	PGresult		*r;		/* column i is cols[i] */
	size_t			 nrows;		/* rows of r in the page */
};

/*
 * Runs a checked list query on conn (idle, connected): the page and the
 * total. as_of "" is today, the civil day in the stay policy's time zone
 * (UTC without a policy). 0, ERR_DB (logged), ERR_NOMEM. *out is filled
 * only on success; query_page_reset() frees it.
 */
int	query_run(PGconn *conn, const struct query_settings *qs,
	    const struct query_params *p, struct query_page *out);
void	query_page_reset(struct query_page *pg);
/* {"version":1,"query":...,"as_of":...,"total":N,"limit":...,
 * "offset":...,"next_cursor":...,"rows":[...]}; NULL when out of memory. */
json_t	*query_page_json(const struct query_page *pg);
/* The rows as CSV (RFC 4180, nested columns as group_name), with the
 * header line if header is set. 0 or ERR_IO. */
int	query_page_csv(const struct query_page *pg, FILE *fp, int header);
/* Column i's CSV header name into buf ("residence_region"). */
void	query_col_name(const struct query_col *c, char *buf, size_t bufsz);

/* The audit detail of a list query: its kind, the resolved as_of and the
 * filters given, as a JSON object text (malloc'd); NULL out of memory. */
char	*query_params_detail(const struct query_params *p, const char *as_of);

/* 1 if state ([A-Z]{1,3}) and number ([A-Z0-9]{1,24}) are a document. */
int	query_doc_check(const char *state, const char *number);

/*
 * One travel document's whole history: the person (as the latest crossing
 * gives them), every crossing at every post, the permits (of the document,
 * and of the person by nationality, birth date and names), document alerts,
 * person alerts whose person matches (common/namematch.h, default
 * threshold), registrations, the stay state and the checks the posts made
 * on it (post_audit). *out is a new JSON object. ERR_NOTFOUND (the
 * centre knows nothing of it), ERR_INVAL (not a document), ERR_DB,
 * ERR_NOMEM.
 */
int	query_history(PGconn *conn, const char *state, const char *number,
	    json_t **out);

/* The people's API routes (api.c's table of tables). */
extern const struct api_route	query_routes[];

#endif
