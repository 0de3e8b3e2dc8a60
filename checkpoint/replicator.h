/* replicator.h - pushes a post's unsent crossings, then its unsent audit
 * events, to the centre over mutual TLS (libcurl) from its own thread and
 * its own store connection, marks what the centre acknowledges durable, and
 * backs off with jitter when it cannot.
 * The lanes never wait for it: they only kick it. */
#ifndef SHEKARA_REPLICATOR_H
#define SHEKARA_REPLICATOR_H

#include <stddef.h>

#include "ckcfg.h"
#include "store.h"

struct replicator;

/*
 * Reads the CA, certificate and key files into memory (so they need not be
 * readable after privileges are dropped) and sets up the reused libcurl
 * handle. Takes ownership of st (a connection of its own) only on success.
 * curl_global_init() must have been called. ERR_IO if a file cannot be read
 * (logged), ERR_NOMEM, ERR_INVAL for a bad configuration.
 */
int	replicator_new(struct replicator **out, const struct ck_cfg *cfg,
	    struct store *st);
/* Stops the thread if it runs, closes the store, wipes the key. */
void	replicator_free(struct replicator *r);

int	replicator_start(struct replicator *r);
/* Wakes an idle replicator so new crossings go out now. Never blocks for
 * longer than a mutex held around a flag. */
void	replicator_kick(struct replicator *r);
/* Interrupts any wait or transfer and joins the thread. */
void	replicator_stop(struct replicator *r);

/*
 * One push, in the caller's thread: fetches up to batch_max unsent
 * crossings, posts them and marks the acknowledged ones sent; then, if
 * that worked, the same for up to batch_max unsent audit events (POST
 * /v1/posts/{code}/audit). Both requests carry the post's backlog in the
 * Shekara-Unsent and Shekara-Audit-Unsent headers. *pushed gets how many
 * were marked (crossings and events), *fetched the larger of the two
 * batches sent (batch_max: there may be more). 0 on success (also when
 * nothing was unsent), or a negative code after noting the error in the
 * store. Used by the thread and by tests.
 */
int	replicator_push_once(struct replicator *r, size_t *fetched,
	    size_t *pushed);

#endif
