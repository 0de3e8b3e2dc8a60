/* www.h - the dashboard's static files (central/www/), embedded into centrald
 * at build time by scripts/embed-www.sh, so a deployed binary carries them. */
#ifndef SHEKARA_WWW_H
#define SHEKARA_WWW_H

#include <stddef.h>

struct www_file {
	const char		*name;	/* "index.html": the file name */
	const char		*type;	/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
};

extern const struct www_file	www_files[];
extern const size_t		www_nfiles;

#endif
