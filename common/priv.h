/* priv.h - dropping root after a daemon has bound its sockets and opened its
 * files: look the user up first (before anything is opened), drop after,
 * and check that it cannot be undone. */
#ifndef SHEKARA_PRIV_H
#define SHEKARA_PRIV_H

#include <sys/types.h>

struct priv_user {
	int	drop;		/* 0: nothing to do */
	char	name[64];
	uid_t	uid;
	gid_t	gid;
};

/*
 * Who to become. Not root, or name "" (a warning: staying root): nothing to
 * do. ERR_NOTFOUND for an unknown user, ERR_INVAL for a user that is root.
 * Logs what it decides.
 */
int	priv_lookup(const char *name, struct priv_user *u);
/* setgroups, setresgid, setresuid, then checks that root cannot be
 * regained; ERR_IO or ERR_AUTH (logged) if anything fails. */
int	priv_drop(const struct priv_user *u);

#endif
