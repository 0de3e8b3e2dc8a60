/* lane.h - the lane API of a post (plain HTTP on the post LAN, libevent):
 * POST /v1/checks decides a scanned document and keeps the verdict, POST
 * /v1/crossings records a crossing durably before answering, GET
 * /v1/status tells how far replication and the feed have got. */
#ifndef SHEKARA_LANE_H
#define SHEKARA_LANE_H

#include <stdint.h>

#include <event2/event.h>

#include "ckcfg.h"
#include "decide.h"
#include "replicator.h"
#include "store.h"

struct lane;

/*
 * Binds cfg->lane_listen on base and serves from st, kicking rep (may be
 * NULL) after each recorded crossing, deciding checks with dec (NULL:
 * POST /v1/checks answers 503). st, rep and dec stay the caller's and must
 * outlive the lane. ERR_IO if the address cannot be bound (logged),
 * ERR_INVAL if it does not parse.
 */
int	lane_new(struct lane **out, struct event_base *base,
	    const struct ck_cfg *cfg, struct store *st, struct replicator *rep,
	    struct decide *dec);
void	lane_free(struct lane *l);

/*
 * What GET /v1/status says of the feed: the cursor of reg (the registry
 * the lane decides from, this thread's) and the puller's last error (fp
 * NULL: the feed is not configured). Both stay the caller's and must
 * outlive the lane. Without it the status reports an unconfigured feed
 * at cursor 0.
 */
struct feedpull;
struct registry;
void	lane_set_feed(struct lane *l, struct registry *reg,
	    struct feedpull *fp);

/* "host:port" or "[v6]:port" into host (brackets removed) and port. */
int	lane_split_hostport(const char *s, char *host, size_t hostsz,
	    uint16_t *port);

#endif
