/* api.h - the people's API: centrald's second HTTPS listener (config
 * `people:`; a server certificate only, no client certificate), separate
 * from the posts' mutual-TLS listener (server.h). JSON in and out; errors
 * are {"version":1,"error":{"status":N,"field":"...","message":"..."}}.
 * A request is authenticated by the session cookie (POST /api/v1/login) or
 * "Authorization: Bearer <token>"; 401 without valid credentials, 403 with
 * no allowed role, 405 (with Allow) for a known path and another method,
 * 404 for an unknown path. Each module keeps its routes in one
 * `const struct api_route <module>_routes[]`, terminated by { NULL }, and
 * adds one line for it to the table of tables in api.c. docs/people.md. */
#ifndef SHEKARA_API_H
#define SHEKARA_API_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "cencfg.h"
#include "db.h"

enum api_role {
	API_INSPECTOR = 1,
	API_AUDITOR = 2,
	API_ADMIN = 4
};
#define API_ANY		(API_INSPECTOR | API_AUDITOR | API_ADMIN)
#define API_PUBLIC	0	/* no credentials needed (login page, static
				 * files, login) */

/* One request being answered, as a route's function sees it. */
struct api_req {
	struct evhttp_request	*req;
	PGconn			*conn;	/* centrald's connection, connected */
	const char		*user;	/* the authenticated user ("" for
					 * API_PUBLIC routes) */
	int			 roles;	/* that user's roles */
	const char		*path;	/* the request path, without the query */
	const struct evkeyvalq	*query;	/* the decoded query parameters */
	const uint8_t		*body;	/* the request body (bounded), may be
					 * NULL */
	size_t			 bodylen;
	char			 peer[80];
};

typedef void (*api_fn)(struct api_req *r);

struct api_route {
	const char	*method;	/* "GET", "POST", "PUT", "DELETE" */
	const char	*path;		/* "/api/v1/overstays"; with prefix set,
					 * any path starting so */
	int		 prefix;
	int		 roles;		/* roles allowed (API_PUBLIC: anyone) */
	api_fn		 fn;
	const char	*what;		/* one line for docs and the role tests */
};

/* Replies with status and body (len bytes) of type ctype (NULL: none).
 * Exactly one reply per request. */
void	api_reply(struct api_req *r, int status, const char *ctype,
	    const void *body, size_t len);
/* Replies with obj as JSON (application/json); takes the reference (NULL:
 * 500, out of memory). */
void	api_reply_json(struct api_req *r, int status, json_t *obj);
/* Replies with the error object: status, the field at fault ("" or NULL:
 * none) and the message. */
void	api_error(struct api_req *r, int status, const char *field,
	    const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* Helpers for route functions. */

/* The body parsed as a JSON object; NULL after a 400 reply (api_error
 * already sent: no body, not JSON, not an object). */
json_t	*api_body_json(struct api_req *r);
/* The value of a request header, or NULL. */
const char *api_header(struct api_req *r, const char *name);
/* Adds a response header (before the reply). */
void	api_add_header(struct api_req *r, const char *name, const char *value);
/* The role names "inspector" ... of a bit set as a new JSON array, or NULL
 * (out of memory). */
json_t	*api_roles_json(int roles);
/* "inspector,auditor" for roles into buf; "" for none. */
void	api_roles_format(int roles, char *buf, size_t bufsz);
/* Parses "inspector,auditor,admin" (comma-separated, no spaces, no
 * repeats) into a bit set: 0 or ERR_PARSE. */
int	api_roles_parse(const char *s, int *roles);

/* Every registered route, in order, for `centralctl api routes` and the
 * docs: the i-th route, or NULL past the last. */
const struct api_route *api_route_at(size_t i);

/* The people's listener. */
struct api;

/*
 * Builds the TLS context (the centre's certificate, TLS 1.2+, no client
 * certificate) and binds cfg->people_listen on base; cfg and db must
 * outlive the listener. Problems are logged; 0, ERR_IO (files, bind),
 * ERR_INVAL or ERR_NOMEM. cfg->people_listen "" is not an error: *out is
 * NULL and nothing listens.
 */
int	api_new(struct api **out, struct event_base *base,
	    const struct cen_cfg *cfg, struct db *db);
/* Closes the listener and every connection; NULL does nothing. */
void	api_free(struct api *a);

#endif
