/* Runs copied between two stores through the public store API
 * (include/benchtrack/sync.h): benchtrack push and pull. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "benchtrack/sync.h"
#include "../internal.h"

/* --- the destination's runs, by id --------------------------------------- */

static int cmp_entry_id(const void *a, const void *b)
{
	const struct bt_store_entry *x = a, *y = b;
	return strcmp(x->run_id, y->run_id);
}

/* The entry of run id in l (sorted by cmp_entry_id), or NULL. */
static const struct bt_store_entry *find_entry(const struct bt_store_list *l,
					       const char *id)
{
	struct bt_store_entry key;
	memset(&key, 0, sizeof key);
	key.run_id = id;
	return l->n ? bsearch(&key, l->items, l->n, sizeof *l->items, cmp_entry_id)
		    : NULL;
}

static int has_tag(const struct bt_store_entry *e, const char *tag)
{
	for (size_t i = 0; e && i < e->n_tags; i++)
		if (strcmp(e->tags[i], tag) == 0)
			return 1;
	return 0;
}

/* --- one run ----------------------------------------------------------------- */

struct sync {
	struct bt_store *src, *dst;
	const struct bt_sync_opts *o;
	bt_store_note_fn note;
	void *ud;
	struct bt_sync_stats *stats;
	struct bt_store_list have;   /* dst's runs, sorted by id */
	const char **done;           /* run ids handled (refs naming one twice) */
	size_t n_done, cap_done;
	struct bt_arena *arena;
};

static void say(struct sync *s, const char *what, const char *a, const char *b)
{
	if (s->note)
		s->note(s->ud, what, a, b);
}

static int seen(struct sync *s, const char *id)
{
	for (size_t i = 0; i < s->n_done; i++)
		if (strcmp(s->done[i], id) == 0)
			return 1;
	return 0;
}

static int mark_done(struct sync *s, const char *id)
{
	if (s->n_done == s->cap_done) {
		size_t cap = s->cap_done ? 2 * s->cap_done : 16;
		const char **d = realloc(s->done, cap * sizeof *d);
		if (!d)
			return BT_ENOMEM;
		s->done = d;
		s->cap_done = cap;
	}
	if (!(s->done[s->n_done] = bt__arena_strdup(s->arena, id)))
		return BT_ENOMEM;
	s->n_done++;
	return 0;
}

/* Adds the tags of src_e that dst lacks (have: dst's entry, NULL for a run
 * just stored). */
static int copy_tags(struct sync *s, const struct bt_store_entry *src_e,
		     const struct bt_store_entry *have, struct bt_strbuf *err)
{
	for (size_t i = 0; src_e && i < src_e->n_tags; i++) {
		if (has_tag(have, src_e->tags[i]))
			continue;
		if (!s->o->dry_run) {
			int rc = bt_store_tag(s->dst, src_e->run_id, src_e->tags[i], 1, err);
			if (rc)
				return rc;
		}
		s->stats->tags++;
		say(s, "tag", src_e->run_id, src_e->tags[i]);
	}
	return 0;
}

/* Copies one run: run (loaded, or NULL to load it from src by its id
 * src_e->run_id), src_e its source entry (NULL for a run file). */
static int copy_run(struct sync *s, const char *id, struct bt_run *run,
		    const struct bt_store_entry *src_e, struct bt_strbuf *err)
{
	const struct bt_store_entry *have = find_entry(&s->have, id);
	struct bt_run loaded;
	int rc = 0;

	if (seen(s, id))
		return 0;
	if ((rc = mark_done(s, id)))
		return rc;
	if (have) {
		s->stats->present++;
		say(s, "present", id, NULL);
		return copy_tags(s, src_e, have, err);
	}
	bt_run_init(&loaded);
	if (!run) {
		if ((rc = bt_store_load(s->src, id, &loaded, err))) {
			bt_run_release(&loaded);
			return rc;
		}
		run = &loaded;
	}
	if (!s->o->dry_run) {
		struct bt_strbuf e2 = BT_STRBUF_INIT;
		rc = bt_store_put(s->dst, run, NULL, &e2);
		if (rc == BT_EEXISTS) {
			/* stored meanwhile by another process */
			bt_strbuf_release(&e2);
			bt_run_release(&loaded);
			s->stats->present++;
			say(s, "present", id, NULL);
			return copy_tags(s, src_e, NULL, err);
		}
		if (rc)
			bt_error(err, rc, "run %s: %s", id, bt_strbuf_str(&e2));
		bt_strbuf_release(&e2);
	}
	if (!rc) {
		char what[160];
		snprintf(what, sizeof what, "%s %s", run->benchmark_type ? run->benchmark_type : "",
			 run->timestamp ? run->timestamp : "");
		s->stats->copied++;
		say(s, "copy", id, what);
	}
	bt_run_release(&loaded);
	return rc ? rc : copy_tags(s, src_e, NULL, err);
}

static int is_file(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A ref: a run file read as it is, else a run of src. */
static int copy_ref(struct sync *s, const char *ref, struct bt_strbuf *err)
{
	struct bt_run run;
	struct bt_store_list one;
	int rc;

	bt_run_init(&run);
	memset(&one, 0, sizeof one);
	if (is_file(ref) || !s->src) {
		if ((rc = bt_run_read_file(&run, ref, err)))
			goto out;
		if (!run.run_id) {
			rc = bt_error(err, BT_EINVAL, "%s: the run has no run_id", ref);
			goto out;
		}
		rc = copy_run(s, run.run_id, &run, NULL, err);
		goto out;
	}
	if ((rc = bt_store_load(s->src, ref, &run, err)))
		goto out;
	struct bt_store_filter f;
	memset(&f, 0, sizeof f);
	f.run_id = run.run_id;
	if ((rc = bt_store_query(s->src, &f, &one, err)))
		goto out;
	rc = copy_run(s, run.run_id, &run, one.n ? &one.items[0] : NULL, err);
out:
	bt_store_list_release(&one);
	bt_run_release(&run);
	return rc;
}

/* --- acknowledgements ------------------------------------------------------ */

static int prefix_match(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	return strncmp(a, b, na < nb ? na : nb) == 0;
}

static int copy_acks(struct sync *s, struct bt_strbuf *err)
{
	struct bt_ack_list from, to;
	int rc;

	memset(&to, 0, sizeof to);
	if ((rc = bt_store_acks(s->src, &from, err)))
		return rc;
	if (from.n && s->dst && (rc = bt_store_acks(s->dst, &to, err))) {
		bt_ack_list_release(&from);
		return rc;
	}
	for (size_t i = 0; i < from.n && !rc; i++) {
		const struct bt_ack *a = &from.items[i], *b = NULL;
		for (size_t k = 0; k < to.n && !b; k++)
			if (strcmp(to.items[k].series_key, a->series_key) == 0 &&
			    prefix_match(to.items[k].commit, a->commit))
				b = &to.items[k];
		if (b && (strcmp(b->reason, a->reason) == 0 ||
			  strcmp(b->when ? b->when : "", a->when ? a->when : "") >= 0)) {
			s->stats->acks_present++;
			continue;
		}
		if (!s->o->dry_run &&
		    (rc = bt_store_ack(s->dst, a->series_key, a->commit, a->reason,
				       a->who, err)))
			break;
		s->stats->acks++;
		say(s, "ack", a->series_key, a->commit);
	}
	bt_ack_list_release(&from);
	bt_ack_list_release(&to);
	return rc;
}

/* --- the copy ---------------------------------------------------------------- */

int bt_store_sync(struct bt_store *src, struct bt_store *dst,
		  const struct bt_sync_opts *o, bt_store_note_fn note, void *ud,
		  struct bt_sync_stats *stats, struct bt_strbuf *err)
{
	struct bt_sync_opts none;
	struct bt_store_filter f;
	struct bt_store_list runs;
	struct sync s;
	int rc;

	memset(&none, 0, sizeof none);
	memset(stats, 0, sizeof *stats);
	memset(&s, 0, sizeof s);
	memset(&runs, 0, sizeof runs);
	if (!o)
		o = &none;
	if (!src && !o->n_refs)
		return bt_error(err, BT_EINVAL, "nothing to copy: no source store and no run file");
	if (!dst && !o->dry_run)
		return bt_error(err, BT_EINVAL, "no destination store");
	s.src = src;
	s.dst = dst;
	s.o = o;
	s.note = note;
	s.ud = ud;
	s.stats = stats;
	if (!(s.arena = bt__arena_new()))
		return BT_ENOMEM;

	/* what dst has: the runs of the time copied (all for refs),
	 * archived ones included (an archived run is still stored) */
	memset(&f, 0, sizeof f);
	f.since = o->n_refs ? NULL : o->since;
	f.include_archived = 1;
	if (dst && (rc = bt_store_query(dst, &f, &s.have, err)))
		goto out;
	if (s.have.n)
		qsort(s.have.items, s.have.n, sizeof *s.have.items, cmp_entry_id);

	if (o->n_refs) {
		for (size_t i = 0; i < o->n_refs && !rc; i++)
			rc = copy_ref(&s, o->refs[i], err);
	} else {
		memset(&f, 0, sizeof f);
		f.since = o->since;
		if ((rc = bt_store_query(src, &f, &runs, err)))
			goto out;
		/* oldest first: an interrupted copy leaves the older runs */
		for (size_t i = runs.n; i-- > 0 && !rc;)
			rc = copy_run(&s, runs.items[i].run_id, NULL, &runs.items[i], err);
	}
	if (!rc && src && !o->no_acks)
		rc = copy_acks(&s, err);
out:
	bt_store_list_release(&runs);
	bt_store_list_release(&s.have);
	free(s.done);
	bt__arena_free(s.arena);
	return rc;
}

/* --- locations without their password --------------------------------------- */

char *bt_store_location_public(const char *loc)
{
	return bt__url_redact(loc ? loc : "");
}
