/* cctl.h - what centralctl's commands share. Each command group lives in
 * central/cctl_<group>.c (linked into centralctl only) and is one entry of
 * the command table in centralctl.c. */
#ifndef SHEKARA_CCTL_H
#define SHEKARA_CCTL_H

#include <stdio.h>

#include <libpq-fe.h>

#include "cencfg.h"
#include "db.h"

#define CCTL_EXIT_USAGE	2	/* bad command line */
#define CCTL_ACTOR_MAX	128

/* What a command runs with. */
struct cctl_ctx {
	struct db		*db;	/* not connected yet */
	const struct cen_cfg	*cfg;	/* NULL when run with --db */
	char			 actor[CCTL_ACTOR_MAX];	/* who is making the
							 * change: --as NAME,
							 * else the login user */
};

/*
 * A command: argv[0] is the command's own name ("alert"), argc >= 1.
 * Returns the process exit status: 0, 1 (failed: a message on stderr was
 * printed), CCTL_EXIT_USAGE (bad command line: cctl_bad_usage()).
 */
typedef int	(*cctl_fn)(const struct cctl_ctx *ctx, int argc, char **argv);

/* Prints "centralctl CMD: message" and a hint to stderr; exits 2. */
void	cctl_bad_usage(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/*
 * One option of the form --name VALUE or --name=VALUE at argv[*i]. Returns
 * 1 and sets *val (advancing *i past a separate value) if argv[*i] is that
 * option, 0 if it is not; a missing value is a usage error for cmd.
 */
int	cctl_opt(const char *cmd, int argc, char **argv, int *i,
	    const char *name, const char **val);
/* 1 if argv[i] is --help or -h. */
int	cctl_is_help(const char *arg);
/* ctx's database connection, or NULL after saying so on stderr. */
PGconn	*cctl_connect(const struct cctl_ctx *ctx, const char *cmd);
/*
 * One line of a secret (what: "PIN", "password") from path, or from
 * standard input: asked twice, unechoed, on a terminal ("PIN for whom: ").
 * The line, without its end, in buf (bufsz: the longest line plus "\r\n"
 * and a NUL) and its length in *len. 0, or 1 after saying why on stderr.
 * The caller wipes buf.
 */
int	cctl_read_secret(const char *cmd, const char *path, const char *what,
	    const char *whom, char *buf, size_t bufsz, size_t *len);

/* The command groups (central/cctl_<group>.c), one line each. */
int	cctl_feed(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_stays(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_alert(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_permit(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_registration(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_officer(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_policy(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_post(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_user(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_token(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_api(const struct cctl_ctx *ctx, int argc, char **argv);
/* overstays, work-permits-ended, unregistered, history (cctl_query.c):
 * one function, argv[0] says which. */
int	cctl_query(const struct cctl_ctx *ctx, int argc, char **argv);
int	cctl_audit(const struct cctl_ctx *ctx, int argc, char **argv);

#endif
