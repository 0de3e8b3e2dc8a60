/* stays.h - the centre's stay states: per foreign traveller (by travel
 * document) the stays of the rolling window and the open stay, derived from
 * the admitted crossings the posts sent, the same whatever order they
 * arrived in, and published in the feed (kind stay_state). Documents to
 * derive are marked in stay_dirty by a trigger on crossings (migration 003).
 * The rules are in docs/stay-states.md. Not thread-safe: one struct stays
 * and one connection per thread. */
#ifndef SHEKARA_STAYS_H
#define SHEKARA_STAYS_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "stay.h"

/* Pass as today: the current civil day in the policy's time zone, by the
 * database server's clock. */
#define STAYS_TODAY	STAY_NONE

/* What the deriver keeps between runs: the policy in force, parsed once per
 * version. */
struct stays;

/* NULL only when out of memory. */
struct stays	*stays_new(void);
void		 stays_free(struct stays *st);

/*
 * Derives up to max dirty documents on conn (connected, no transaction
 * open). Each document is one transaction: it is claimed (DELETE from
 * stay_dirty ... FOR UPDATE SKIP LOCKED, so several centrald can run this
 * at once), its admitted crossings read, its stays and rule worked out as
 * of today (a civil day, date_to_days(), or STAYS_TODAY) and, only if they
 * changed, its stay_states row written and a feed entry appended
 * (feedlog_append(), last before COMMIT) - or the row deleted with a feed
 * delete when nothing is left. *done is the number of documents claimed.
 * With no policy loaded nothing is claimed (logged once) and 0 returned
 * with *done 0. A document that cannot be derived (a crossing the feed
 * cannot carry) is logged and dropped from stay_dirty; the next crossing
 * of it tries again. 0, ERR_DB (the database failed: the document being
 * derived stays dirty), ERR_NOMEM.
 */
int	stays_derive(PGconn *conn, struct stays *st, int64_t today,
	    size_t max, size_t *done);

/*
 * Marks dirty the stay states the passing of days changes: those whose
 * newest stay has left the window (the deriver deletes them and the posts
 * with them), and open stays whose allowed_until is before today and that
 * were derived on an earlier day (their overstay_days, not in the feed, is
 * brought up to date). Run it at most hourly. *marked (may be NULL) is the
 * number of documents marked. 0 (also with no policy: nothing marked),
 * ERR_DB, ERR_NOMEM.
 */
int	stays_sweep(PGconn *conn, struct stays *st, int64_t today,
	    size_t *marked);

#endif
