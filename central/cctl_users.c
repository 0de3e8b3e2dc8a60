/* cctl_users.c - centralctl's people commands: users of the people's API
 * (add, passwd, set, list; passwords from standard input or a file, never
 * an argument), their API tokens (create, shown once; list; revoke), and
 * `api routes`, every route of the people's API with the roles it allows.
 * Every change is audited with the --as actor (auth.h). docs/people.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "api.h"
#include "auth.h"
#include "cctl.h"
#include "db.h"
#include "err.h"
#include "pinhash.h"

#define USR_PW_LINE	(PINHASH_PASSWORD_MAX + 3)	/* line, \r\n, NUL */

/*
 * One line of password from path, or from stdin (asked twice, unechoed,
 * on a terminal), checked against the password rules. 0, or 1 after
 * saying why. The caller wipes pw.
 */
static int
usr_read_password(const char *cmd, const char *path, const char *user,
    char *pw, size_t pwsz, size_t *len)
{
	if (cctl_read_secret(cmd, path, "password", user, pw, pwsz, len) != 0)
		return 1;
	if (!pinhash_check_password(pw, *len)) {
		fprintf(stderr, "centralctl %s: a password is %d..%d bytes of "
		    "UTF-8 without control characters; nothing changed\n",
		    cmd, PINHASH_PASSWORD_MIN, PINHASH_PASSWORD_MAX);
		return 1;
	}
	return 0;
}

/* Says why a change failed; the exit status 1. */
static int
usr_failed(const char *cmd, int rc, const char *why)
{
	if (why != NULL && why[0] != '\0')
		fprintf(stderr, "centralctl %s: %s; nothing changed\n", cmd,
		    why);
	else
		fprintf(stderr, "centralctl %s: %s; nothing changed\n", cmd,
		    rc == ERR_DB ? "the database refused the change (see "
		    "above)" : err_str(rc));
	return 1;
}

static int
usr_roles_opt(const char *cmd, const char *v)
{
	int	roles;

	if (api_roles_parse(v, &roles) != 0)
		cctl_bad_usage(cmd, "--roles: \"%s\" is not a comma-separated "
		    "list of inspector, auditor, admin (no spaces, none "
		    "twice)", v);
	return roles;
}

static int
usr_add(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	cmd[] = "user add";
	PGconn			*conn;
	const char		*v, *name = NULL, *roles = NULL;
	const char		*display = NULL, *pwfile = NULL;
	char			 pw[USR_PW_LINE], why[256], rbuf[64];
	size_t			 len = 0;
	int			 i, rc, r, nopw = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] user add NAME\n"
			    "           --roles ROLE[,ROLE...] [--display "
			    "TEXT]\n"
			    "           [--password-file FILE | "
			    "--no-password]\n\n"
			    "Creates a user of the people's API. NAME: 1..64 "
			    "of a-z, 0-9, '.', '_', '-'.\nROLEs: inspector, "
			    "auditor, admin. The password is the first line "
			    "of FILE\nor of standard input (asked twice on a "
			    "terminal), never an argument:\n%d..%d bytes of "
			    "UTF-8. --no-password: the user signs in with "
			    "tokens\nonly (centralctl token create). The "
			    "first administrator:\n  centralctl -c "
			    "central.yaml user add admin --roles admin\n",
			    PINHASH_PASSWORD_MIN, PINHASH_PASSWORD_MAX);
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--roles", &v))
			roles = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--display", &v))
			display = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--password-file", &v))
			pwfile = v;
		else if (strcmp(argv[i], "--no-password") == 0)
			nopw = 1;
		else if (strncmp(argv[i], "--password", 10) == 0)
			cctl_bad_usage(cmd, "a password is never an argument: "
			    "use --password-file FILE or standard input");
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (name != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL)
		cctl_bad_usage(cmd, "the user's NAME is required");
	if (!auth_check_user(name, strlen(name)))
		cctl_bad_usage(cmd, "\"%s\" is not a user name (1..64 of a-z, "
		    "0-9, '.', '_', '-')", name);
	if (roles == NULL)
		cctl_bad_usage(cmd, "--roles is required");
	r = usr_roles_opt(cmd, roles);
	if (nopw && pwfile != NULL)
		cctl_bad_usage(cmd, "--no-password and --password-file "
		    "exclude each other");
	if (!nopw && usr_read_password(cmd, pwfile, name, pw, sizeof(pw),
	    &len) != 0) {
		explicit_bzero(pw, sizeof(pw));
		return 1;
	}
	if ((conn = cctl_connect(ctx, cmd)) == NULL) {
		explicit_bzero(pw, sizeof(pw));
		return 1;
	}
	rc = auth_user_add(conn, name, display, nopw ? NULL : pw, len, r,
	    ctx->actor, why, sizeof(why));
	explicit_bzero(pw, sizeof(pw));
	if (rc != 0)
		return usr_failed(cmd, rc, why);
	api_roles_format(r, rbuf, sizeof(rbuf));
	printf("user %s: created, roles %s, %s\n", name, rbuf, nopw ?
	    "no password (tokens only)" : "password set");
	return 0;
}

static int
usr_passwd(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	cmd[] = "user passwd";
	struct auth_user_change	ch;
	PGconn			*conn;
	const char		*v, *name = NULL, *pwfile = NULL;
	char			 pw[USR_PW_LINE], why[256];
	size_t			 len = 0;
	int			 i, rc;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] user passwd NAME\n"
			    "           [--password-file FILE]\n\n"
			    "Sets a new password for the user, read as for "
			    "`user add`. The user's\nsessions end; their "
			    "tokens stay.\n");
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--password-file", &v))
			pwfile = v;
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (name != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL)
		cctl_bad_usage(cmd, "the user's NAME is required");
	if (usr_read_password(cmd, pwfile, name, pw, sizeof(pw), &len) != 0) {
		explicit_bzero(pw, sizeof(pw));
		return 1;
	}
	if ((conn = cctl_connect(ctx, cmd)) == NULL) {
		explicit_bzero(pw, sizeof(pw));
		return 1;
	}
	memset(&ch, 0, sizeof(ch));
	ch.active = -1;
	ch.pw = pw;
	ch.pwlen = len;
	rc = auth_user_set(conn, name, &ch, ctx->actor, why, sizeof(why));
	explicit_bzero(pw, sizeof(pw));
	if (rc != 0)
		return usr_failed(cmd, rc, why);
	printf("user %s: new password; sessions ended\n", name);
	return 0;
}

static int
usr_set(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	cmd[] = "user set";
	struct auth_user_change	ch;
	PGconn			*conn;
	const char		*v, *name = NULL;
	char			 why[256];
	int			 i, rc;

	memset(&ch, 0, sizeof(ch));
	ch.active = -1;
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] user set NAME\n"
			    "           [--roles ROLE[,ROLE...]] [--disable | "
			    "--enable] [--display TEXT]\n\n"
			    "Changes a user. --roles replaces the roles "
			    "(inspector, auditor, admin).\n--disable ends "
			    "every session and token of the user at once "
			    "(they stay\nrevocable and listed); --enable "
			    "lets them in again. The last active\n"
			    "administrator cannot be disabled or lose the "
			    "admin role.\n");
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--roles", &v))
			ch.roles = usr_roles_opt(cmd, v);
		else if (cctl_opt(cmd, argc, argv, &i, "--display", &v))
			ch.display = v;
		else if (strcmp(argv[i], "--disable") == 0 ||
		    strcmp(argv[i], "--enable") == 0) {
			if (ch.active >= 0)
				cctl_bad_usage(cmd, "--disable and --enable "
				    "exclude each other");
			ch.active = strcmp(argv[i], "--enable") == 0;
		} else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (name != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL)
		cctl_bad_usage(cmd, "the user's NAME is required");
	if (ch.roles == 0 && ch.active < 0 && ch.display == NULL)
		cctl_bad_usage(cmd, "nothing to change: give --roles, "
		    "--disable, --enable or --display");
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	if ((rc = auth_user_set(conn, name, &ch, ctx->actor, why,
	    sizeof(why))) != 0)
		return usr_failed(cmd, rc, why);
	printf("user %s: changed\n", name);
	return 0;
}

/* A JSON member as text for a table ("-" for null). */
static const char *
usr_text(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "-";
}

static int
usr_print_json(json_t *v)
{
	char	*text = json_dumps(v, JSON_COMPACT);

	if (text == NULL)
		return ERR_NOMEM;
	printf("%s\n", text);
	free(text);
	return 0;
}

static int
usr_list(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	cmd[] = "user list";
	PGconn			*conn;
	json_t			*arr, *u, *e;
	size_t			 i, k;
	char			 rbuf[64];
	int			 rc, json = 0, roles;

	for (i = 1; i < (size_t)argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "user list [--json]\n\n"
			    "Lists the users: name, roles, active, password "
			    "set, last change and by whom;\n--json: one "
			    "object per line.\n");
			exit(0);
		}
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
	}
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	if ((rc = auth_user_json(conn, NULL, &arr)) != 0) {
		fprintf(stderr, "centralctl %s: %s\n", cmd, err_str(rc));
		return 1;
	}
	if (!json)
		printf("%-24s %-24s %-6s %-8s %-20s %s\n", "name", "roles",
		    "active", "password", "changed_at", "changed_by");
	json_array_foreach(arr, i, u) {
		if (json) {
			(void)usr_print_json(u);
			continue;
		}
		roles = 0;
		json_array_foreach(json_object_get(u, "roles"), k, e)
			roles |= strcmp(json_string_value(e), "inspector") ==
			    0 ? API_INSPECTOR : strcmp(json_string_value(e),
			    "auditor") == 0 ? API_AUDITOR : API_ADMIN;
		api_roles_format(roles, rbuf, sizeof(rbuf));
		printf("%-24s %-24s %-6s %-8s %-20s %s\n", usr_text(u, "name"),
		    rbuf, json_is_true(json_object_get(u, "active")) ? "yes" :
		    "no", json_is_true(json_object_get(u, "password")) ?
		    "yes" : "no", usr_text(u, "changed_at"),
		    usr_text(u, "changed_by"));
	}
	json_decref(arr);
	return 0;
}

int
cctl_user(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		printf("usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "user COMMAND ...\n\n"
		    "The people of the people's API (docs/people.md):\n"
		    "  add NAME --roles ROLES [--display TEXT] "
		    "[--password-file FILE | --no-password]\n"
		    "  passwd NAME [--password-file FILE]\n"
		    "  set NAME [--roles ROLES] [--disable | --enable] "
		    "[--display TEXT]\n"
		    "  list [--json]\n"
		    "ROLES: inspector, auditor, admin, comma-separated. "
		    "Passwords are read\nfrom standard input or a file, never "
		    "from the command line.\n");
		return argc < 2 ? CCTL_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return usr_add(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "passwd") == 0)
		return usr_passwd(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "set") == 0)
		return usr_set(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return usr_list(ctx, argc - 1, argv + 1);
	cctl_bad_usage("user", "unknown command \"%s\" (add, passwd, set, "
	    "list)", argv[1]);
}

static int
tok_create(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	cmd[] = "token create";
	struct auth_cred	cred;
	PGconn			*conn;
	const char		*v, *user = NULL, *name = NULL, *days = NULL;
	char			 secret[AUTH_SECRET_LEN + 1], why[256], *end;
	long			 d, max;
	int			 i, rc;

	max = ctx->cfg != NULL ? ctx->cfg->people_token_max_days : 3650;
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] token create USER\n"
			    "           --name NAME --days DAYS\n\n"
			    "Creates an API token for USER (an active user) "
			    "and prints it once on\nstandard output; only its "
			    "SHA-256 is kept. Send it as\n"
			    "\"Authorization: Bearer TOKEN\". NAME: 1..64 of "
			    "A-Z, a-z, 0-9, space,\n'.', '_', ':', '-'. "
			    "DAYS: 1..people.token_max_days (365 unless "
			    "configured).\n");
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--name", &v))
			name = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--days", &v))
			days = v;
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (user != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			user = argv[i];
	}
	if (user == NULL)
		cctl_bad_usage(cmd, "the USER is required");
	if (name == NULL)
		cctl_bad_usage(cmd, "--name is required");
	if (!auth_check_token_name(name))
		cctl_bad_usage(cmd, "--name: \"%s\" is not 1..64 of A-Z, a-z, "
		    "0-9, space, '.', '_', ':', '-'", name);
	if (days == NULL)
		cctl_bad_usage(cmd, "--days is required");
	errno = 0;
	d = strtol(days, &end, 10);
	if (days[0] < '0' || days[0] > '9' || errno != 0 || *end != '\0' ||
	    d < 1 || d > max)
		cctl_bad_usage(cmd, "--days: \"%s\" is not a whole number "
		    "1..%ld", days, max);
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	rc = auth_token_new(conn, user, name, d, ctx->actor, secret, &cred,
	    why, sizeof(why));
	if (rc != 0)
		return usr_failed(cmd, rc, why);
	printf("%s\n", secret);
	explicit_bzero(secret, sizeof(secret));
	fprintf(stderr, "token %" PRId64 " \"%s\" for %s, valid until %s; "
	    "it is shown only now\n", cred.id, name, user, cred.expires_at);
	return 0;
}

static int
tok_list(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	cmd[] = "token list";
	PGconn			*conn;
	const char		*user = NULL;
	json_t			*arr, *t;
	size_t			 i;
	int			 rc, json = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "token list [USER] [--json]\n\n"
			    "Lists the API tokens (of USER, or everyone's), "
			    "newest first: id, user,\nname, status (live, "
			    "expired, revoked), expiry and last use. Never "
			    "the\ntokens themselves: they are not kept.\n");
			exit(0);
		}
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (user != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			user = argv[i];
	}
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	if ((rc = auth_tokens_json(conn, user, &arr)) != 0) {
		fprintf(stderr, "centralctl %s: %s\n", cmd, err_str(rc));
		return 1;
	}
	if (!json)
		printf("%-8s %-20s %-24s %-8s %-20s %s\n", "id", "user",
		    "name", "status", "expires_at", "last_used_at");
	json_array_foreach(arr, i, t) {
		if (json) {
			(void)usr_print_json(t);
			continue;
		}
		printf("%-8" JSON_INTEGER_FORMAT " %-20s %-24s %-8s %-20s %s\n",
		    json_integer_value(json_object_get(t, "id")),
		    usr_text(t, "user"), usr_text(t, "name"),
		    usr_text(t, "status"), usr_text(t, "expires_at"),
		    usr_text(t, "last_used_at"));
	}
	json_decref(arr);
	return 0;
}

static int
tok_revoke(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	cmd[] = "token revoke";
	PGconn			*conn;
	const char		*id = NULL;
	char			*end;
	long long		 v;
	int			 i, rc;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] token revoke ID\n\n"
			    "Revokes the token ID (see token list) at once.\n");
			exit(0);
		}
		if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (id != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			id = argv[i];
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the token's ID is required");
	errno = 0;
	v = strtoll(id, &end, 10);
	if (id[0] < '1' || id[0] > '9' || errno != 0 || *end != '\0')
		cctl_bad_usage(cmd, "\"%s\" is not a token id (see token "
		    "list)", id);
	if ((conn = cctl_connect(ctx, cmd)) == NULL)
		return 1;
	rc = auth_revoke(conn, (int64_t)v, AUTH_TOKEN, NULL, ctx->actor);
	if (rc == ERR_NOTFOUND) {
		fprintf(stderr, "centralctl %s: no live token %lld; nothing "
		    "changed\n", cmd, v);
		return 1;
	}
	if (rc != 0)
		return usr_failed(cmd, rc, NULL);
	printf("token %lld: revoked\n", v);
	return 0;
}

int
cctl_token(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		printf("usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "token COMMAND ...\n\n"
		    "API tokens of the people's API (docs/people.md):\n"
		    "  create USER --name NAME --days DAYS   print a new "
		    "token once\n"
		    "  list [USER] [--json]\n"
		    "  revoke ID\n");
		return argc < 2 ? CCTL_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "create") == 0)
		return tok_create(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return tok_list(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return tok_revoke(ctx, argc - 1, argv + 1);
	cctl_bad_usage("token", "unknown command \"%s\" (create, list, "
	    "revoke)", argv[1]);
}

/* `api routes`: no database needed. */
int
cctl_api(const struct cctl_ctx *ctx, int argc, char **argv)
{
	const struct api_route	*rt;
	char			 roles[64];
	size_t			 i;

	(void)ctx;
	if (argc >= 2 && !cctl_is_help(argv[1]) &&
	    strcmp(argv[1], "routes") != 0)
		cctl_bad_usage("api", "unknown command \"%s\" (routes)",
		    argv[1]);
	if (argc < 2 || cctl_is_help(argv[1]) ||
	    (argc >= 3 && cctl_is_help(argv[2]))) {
		printf("usage: centralctl api routes\n\n"
		    "Every route of the people's API, one per line, tab-"
		    "separated: method,\npath (a trailing * matches any "
		    "rest), the roles allowed (\"public\":\nno sign-in), "
		    "and what it does.\n");
		return argc < 2 ? CCTL_EXIT_USAGE : 0;
	}
	if (argc > 2)
		cctl_bad_usage("api routes", "unexpected argument \"%s\"",
		    argv[2]);
	for (i = 0; (rt = api_route_at(i)) != NULL; i++) {
		if (rt->roles == API_PUBLIC)
			(void)snprintf(roles, sizeof(roles), "public");
		else
			api_roles_format(rt->roles, roles, sizeof(roles));
		printf("%s\t%s%s\t%s\t%s\n", rt->method, rt->path,
		    rt->prefix ? "*" : "", roles, rt->what != NULL ?
		    rt->what : "");
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
