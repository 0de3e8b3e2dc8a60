/* adminapi.h - the registry's administration through the people's API
 * (api.h), for the admin role: document and person alerts, permits and
 * registrations (put, remove, get, list, CSV import), officers and their
 * PINs, the stay policy, and the posts' certificates. JSON in and out;
 * every change goes through creg.h in one transaction, with the
 * authenticated user as its actor. Records are read and checked by
 * regcsv.h, as centralctl reads them. docs/admin.md is the reference.
 *
 *   GET    /api/v1/alerts/document          list (id, number, limit,
 *                                           offset)
 *   GET    /api/v1/alerts/document/{id}     one record, 404 if none
 *   PUT    /api/v1/alerts/document/{id}     store (JSON: the record)
 *   DELETE /api/v1/alerts/document/{id}     remove, 404 if none
 *   the same under /api/v1/alerts/person, /api/v1/permits and
 *   /api/v1/registrations;
 *   POST   /api/v1/import/{kind}            text/csv; kind document_alert,
 *                                           person_alert, permit or
 *                                           registration
 *   GET    /api/v1/officers                 list (never PIN hashes)
 *   PUT    /api/v1/officers/{id}            {"name","pin","active"}
 *   GET    /api/v1/policy                   the text in force (?version=)
 *   POST   /api/v1/policy                   text/yaml: load a version
 *   GET    /api/v1/policy/versions          list
 *   GET    /api/v1/posts                    list
 *   POST   /api/v1/posts/{code}             {"name","certificate"}: enrol
 *   DELETE /api/v1/posts/{code}             revoke
 *
 * 400 names the JSON field ("holder.number") or the CSV line and column;
 * 404 an unknown record; 409 a policy version loaded with another text or
 * a certificate CN bound to another post; 413 a body over its bound; 415
 * a body of the wrong type; 503 the database refused or is down. */
#ifndef SHEKARA_ADMINAPI_H
#define SHEKARA_ADMINAPI_H

#include "api.h"
#include "cencfg.h"

#define ADMINAPI_JSON_MAX	(64 * 1024)	/* bytes of a JSON body */
#define ADMINAPI_LIMIT_DEFAULT	100	/* rows of a listing page */
#define ADMINAPI_LIMIT_MAX	1000
#define ADMINAPI_OFFSET_MAX	1000000

/* The routes (api.c's table of tables). */
extern const struct api_route	admin_routes[];

/*
 * The configuration enrolment checks certificates with: a post's
 * certificate must verify against cfg->client_ca_file, as with
 * `centralctl -c`. cfg must outlive the listener; NULL (the default)
 * enrols without that check and says so ("ca_checked": false).
 */
void	adminapi_configure(const struct cen_cfg *cfg);

#endif
