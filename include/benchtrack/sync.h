/* Copying runs between two stores: benchtrack push and pull
 * (lib/store/sync.c; docs/cmd/push.md, docs/STORE.md "Team stores").
 *
 * Only the public store API (store.h) is used, so any two stores work
 * alike: two directories, a directory and a PostgreSQL store, either way.
 * A run is identified by its run id: one the destination already has is
 * never stored again (its tags are still completed), so a copy repeated
 * copies nothing. The run document is loaded from the source and stored
 * as it reads (same run id, results, samples and context).
 */
#ifndef BENCHTRACK_SYNC_H
#define BENCHTRACK_SYNC_H

#include <stddef.h>

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bt_sync_opts {
	/* The runs to copy: references as bt_store_resolve takes them (run
	 * id or prefix, latest, latest:TYPE, commit) or paths of run files
	 * (read as they are: a run written on its own, say one a command
	 * could not store). n_refs 0: every run of the source (not the
	 * archived ones) that matches since. */
	const char *const *refs;
	size_t n_refs;
	const char *since;  /* with no refs: runs at or after this time */
	int no_acks;        /* leave the acknowledgements alone */
	int dry_run;        /* change nothing; count and report what would */
};

struct bt_sync_stats {
	size_t copied;      /* runs stored into the destination */
	size_t present;     /* runs it already had (by run id) */
	size_t tags;        /* tags added to its runs */
	size_t acks;        /* acknowledgements added or updated */
	size_t acks_present;/* acknowledgements it already had */
};

/* Copies runs from src into dst, oldest first, then their tags, then the
 * acknowledgements. src may be NULL when every ref is a run file (no
 * tags nor acks then); dst may be NULL with dry_run, for a destination
 * that does not exist yet (everything would be copied). What happens is reported through note (may be
 * NULL): note(ud, "copy", RUN_ID, "TYPE TIMESTAMP") for each run stored
 * (or that would be, with dry_run), "present" for each one dst had,
 * "tag" (RUN_ID, TAG), "ack" (SERIES_KEY, COMMIT). An acknowledgement
 * that dst lacks for that series and commit is added with its reason and
 * who (its time becomes now); one that dst has with another reason is
 * replaced only when the source's is newer (the last one made wins, so a
 * push and a pull agree). Stops at the first error (stats count what was
 * done until then) and returns it with err naming the run: BT_EINVAL for
 * a ref that is no run of src nor a file, the store's codes otherwise.
 * A run stored meanwhile by another process (BT_EEXISTS from
 * bt_store_put) counts as present. */
int bt_store_sync(struct bt_store *src, struct bt_store *dst,
		  const struct bt_sync_opts *o, bt_store_note_fn note, void *ud,
		  struct bt_sync_stats *stats, struct bt_strbuf *err);

/* A store's location (a directory, a postgresql:// URL) as it may be
 * printed: without its password (the user:PASSWORD@ of a URL is left
 * out, a password= parameter becomes password=****). Malloc'd (caller
 * frees); NULL when out of memory. */
char *bt_store_location_public(const char *loc);

#ifdef __cplusplus
}
#endif
#endif
