/* gen.h - deterministic sample travellers for tests, demo and benchmarks.
 * gen_crossing() fills a valid lane crossing from a seed and an index; the
 * same (seed, post, i) always gives the same traveller. */
#ifndef SHEKARA_GEN_H
#define SHEKARA_GEN_H

#include <stdint.h>
#include <stdio.h>

#include "proto.h"

void	gen_crossing(struct proto_crossing *c, const char *post, uint64_t seed,
	    uint64_t i);
/* One CSV row in centralctl's column order (no header), with a newline. */
void	gen_csv_row(FILE *fp, const char *post, const struct proto_crossing *c);

#endif
