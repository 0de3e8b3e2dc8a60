/* priv.c - drop root for good; see priv.h. */
#define _GNU_SOURCE		/* setresuid(2) and friends */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "priv.h"

int
priv_lookup(const char *name, struct priv_user *u)
{
	struct passwd	*pw;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0) {
		if (name[0] != '\0')
			log_info("run_as: not started as root, staying uid "
			    "%ld", (long)geteuid());
		return 0;
	}
	if (name[0] == '\0') {
		log_warnx("run_as: running as root; set run_as.user");
		return 0;
	}
	if (strlen(name) >= sizeof(u->name)) {
		log_warnx("run_as: user name too long");
		return ERR_INVAL;
	}
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno != 0)
			log_warn("run_as: cannot look up user %s", name);
		else
			log_warnx("run_as: no user %s", name);
		return ERR_NOTFOUND;
	}
	if (pw->pw_uid == 0) {
		log_warnx("run_as: user %s is root", name);
		return ERR_INVAL;
	}
	u->drop = 1;
	(void)snprintf(u->name, sizeof(u->name), "%s", name);	/* fits */
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

int
priv_drop(const struct priv_user *u)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	if (!u->drop)
		return 0;
	if (setgroups(1, &u->gid) == -1) {
		log_warn("run_as: setgroups");
		return ERR_IO;
	}
	if (setresgid(u->gid, u->gid, u->gid) == -1) {
		log_warn("run_as: setresgid %ld", (long)u->gid);
		return ERR_IO;
	}
	if (setresuid(u->uid, u->uid, u->uid) == -1) {
		log_warn("run_as: setresuid %ld", (long)u->uid);
		return ERR_IO;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != u->uid || eu != u->uid || su != u->uid || rg != u->gid ||
	    eg != u->gid || sg != u->gid || setuid(0) != -1) {
		log_warnx("run_as: privileges were not dropped");
		return ERR_AUTH;
	}
	log_info("run_as: running as %s (uid %ld)", u->name, (long)u->uid);
	return 0;
}
