/* ctl.h - checkpointctl commands that need no daemon, one per ctl_NAME.c.
 * Each takes the command's own argv (argv[0] is the command name), prints
 * its results on stdout and its problems on stderr, and returns the exit
 * status: 0 success, 1 a failure of the work, 2 bad usage or input. */
#ifndef SHEKARA_CTL_H
#define SHEKARA_CTL_H

int	ctl_mrz_main(int argc, char *argv[]);	/* mrz parse | mrz make */
int	ctl_stay_main(int argc, char *argv[]);	/* stay calc */
int	ctl_policy_main(int argc, char *argv[]);	/* policy check | show */
int	ctl_namematch_main(int argc, char *argv[]);	/* namematch */

/* import: applies a feed export file to the store; cfgpath (-c, may be
 * NULL) gives the store and the keys. */
int	ctl_import_main(const char *cfgpath, int argc, char *argv[]);

/* check: needs the daemon; base is the lane API's URL, no trailing '/'. */
int	ctl_check_main(const char *base, int argc, char *argv[]);

#endif
