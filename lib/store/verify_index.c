/* What a verify compares with the index (verifyint.h): the runs of the
 * archives, index.db (integrity, then run by run against the files:
 * archives win over by-type, as in reindex) and README.md (against a
 * fresh rendering of the index's runs, in memory).
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "archives.h"
#include "verifyint.h"

#define README_CAP (64u << 20)
/* index differences reported one by one; the rest are summed up */
#define MAX_INDEX_NOTES 20

/* A run as the index should list it. */
struct vexp {
	const char *id, *type, *ts, *path, *archive;
	size_t n_results;
	const char **tags;
	size_t n_tags;
};

/* --- archives ------------------------------------------------------------- */

/* The runs of one archive (members "<dir>/run.json", "<dir>/tags"). */
static int read_archive(struct ctx *c, const char *rel)
{
	const char *path = bt__verify_abs_path(c, rel);
	struct archive *ar = NULL;
	struct bt_strbuf oe = BT_STRBUF_INIT;
	int rc = path ? bt__tar_open(&ar, path, &oe) : BT_ENOMEM;
	if (rc == BT_ENOMEM) {
		bt_strbuf_release(&oe);
		return rc;
	}
	size_t first = c->n_arch;
	const char *why = NULL, *last_dir = NULL;
	if (rc) {
		why = bt__verify_afmt(c, "cannot be read: %s",
				      bt__verify_strip_path_c(c, bt_strbuf_str(&oe), path));
		rc = 0;
	} else {
		struct archive_entry *e;
		int r;
		while (!why && !rc && (r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
			const char *name = archive_entry_pathname(e);
			const char *slash = name ? strrchr(name, '/') : NULL;
			if (!slash)
				continue;
			int is_run = strcmp(slash, "/run.json") == 0;
			int is_tags = strcmp(slash, "/tags") == 0 && last_dir &&
				      strlen(last_dir) == (size_t)(slash - name) &&
				      !strncmp(last_dir, name, (size_t)(slash - name));
			if (!is_run && !is_tags)
				continue;
			char *data = NULL;
			size_t len = 0;
			int mr = bt__tar_read_member(ar, MEMBER_CAP, NULL, name, &data,
						     &len, NULL);
			if (mr == BT_ENOMEM) {
				rc = mr;
				break;
			}
			if (mr) {
				why = bt__verify_afmt(c, "member %s: %s", name, mr == BT_ETOOBIG
						      ? "too large" : archive_error_string(ar));
				break;
			}
			if (is_run) {
				struct bt_run run;
				struct bt_strbuf err = BT_STRBUF_INIT;
				const char *label = bt__verify_afmt(c, "%s:%s", rel, name);
				int pr = bt_run_init(&run);
				if (!pr)
					pr = bt_run_from_json(&run, data, len, label, &err);
				if (pr == BT_ENOMEM) {
					rc = pr;
				} else if (pr) {
					const char *msg = err.len ? err.buf : bt_strerror(pr);
					why = bt__verify_afmt(c, "member %s: %s", name,
							      bt__verify_strip_path_c(c, msg, label));
				} else if (bt__vec_reserve((void **)&c->arch, &c->arch_alloc,
							   c->n_arch + 1, sizeof *c->arch)) {
					rc = BT_ENOMEM;
				} else {
					struct varch *v = &c->arch[c->n_arch++];
					memset(v, 0, sizeof *v);
					v->id = bt__arena_strdup(c->a, run.run_id);
					v->type = bt__arena_strdup(c->a, run.benchmark_type
								   ? run.benchmark_type : "");
					v->ts = bt__arena_strdup(c->a, run.timestamp);
					v->archive = rel;
					v->n_results = run.n_results;
					last_dir = bt__arena_strndup(c->a, name,
								     (size_t)(slash - name));
					if (!v->id || !v->type || !v->ts || !last_dir)
						rc = BT_ENOMEM;
				}
				bt_run_release(&run);
				bt_strbuf_release(&err);
			} else {
				struct varch *v = &c->arch[c->n_arch - 1];
				size_t cap = 1;
				for (size_t i = 0; i < len; i++)
					cap += data[i] == '\n';
				v->tags = bt__arena_alloc(c->a, cap * sizeof *v->tags);
				if (!v->tags)
					rc = BT_ENOMEM;
				for (char *s = data, *save = NULL, *t;
				     v->tags && (t = strtok_r(s, "\n", &save)); s = NULL)
					if (*t)
						v->tags[v->n_tags++] = bt__arena_strdup(c->a, t);
			}
			free(data);
		}
		if (!why && !rc && r != ARCHIVE_EOF && r != ARCHIVE_OK)
			why = bt__verify_afmt(c, "cannot be read: %s", archive_error_string(ar));
	}
	archive_read_free(ar);
	bt_strbuf_release(&oe);
	if (rc)
		return rc;
	if (why) {
		/* its runs cannot be known: leave them out of the comparisons */
		c->n_arch = first;
		problem(c, rel, "%s (verify cannot repair an archive: restore it "
			"from a backup or move it away, then `benchtrack reindex`)", why);
		if (bt__vec_reserve((void **)&c->bad_arch, &c->bad_arch_alloc,
				    c->n_bad_arch + 1, sizeof *c->bad_arch))
			return BT_ENOMEM;
		c->bad_arch[c->n_bad_arch++] = rel;
	}
	return 0;
}

static int cmp_arch(const void *a, const void *b)
{
	return strcmp(((const struct varch *)a)->id, ((const struct varch *)b)->id);
}

/* Runs both in by-type and in an archive (a gc or restore that was
 * interrupted): the index has the archived one, as reindex does. */
/* The notes of bt__gc_recover as repairs. */
static void recover_note(void *ud, const char *what, const char *path,
			 const char *detail)
{
	struct ctx *c = ud;
	if (c->note && (!strcmp(what, "finished") || !strcmp(what, "kept")))
		c->note(c->ud, "repaired", path, detail);
}

static int mark_archived(struct ctx *c)
{
	size_t n_too = 0;
	if (!c->n_arch)
		return 0;
	qsort(c->arch, c->n_arch, sizeof *c->arch, cmp_arch);
	for (size_t i = 0; i < c->n_good; i++) {
		struct vrun *r = c->good[i];
		struct varch key = { .id = r->id };
		struct varch *a = bsearch(&key, c->arch, c->n_arch, sizeof *c->arch,
					  cmp_arch);
		if (!a)
			continue;
		r->archived_too = 1;
		n_too++;
		problem(c, r->cur, "run %s is also in %s (an interrupted gc or restore: "
			"`benchtrack gc` or `verify --repair` finishes the gc, "
			"`benchtrack restore %.8s` then brings the run back)", r->id,
			a->archive, r->id);
	}
	if (c->repair && n_too) {
		/* as the next gc would: from what is on disk */
		struct bt_strbuf err = BT_STRBUF_INIT;
		return bt__verify_repair_done(c, bt__gc_recover(c->st, recover_note, c, NULL, &err),
					      &err);
	}
	return 0;
}

int bt__verify_scan_archives(struct ctx *c)
{
	const char *ad = bt__verify_abs_path(c, "archive");
	if (!ad)
		return BT_ENOMEM;
	int n, rc = 0;
	struct dirent **v = bt__verify_list_dir(ad, &n);
	for (int i = 0; v && i < n; i++) {
		const char *e = v[i]->d_name;
		size_t l = strlen(e);
		if (!rc && bt__verify_tmp_leftover(e) == 1) {
			const char *rel = bt__verify_afmt(c, "archive/%s", e);
			if (!rel) {
				rc = BT_ENOMEM;
				continue;
			}
			problem(c, rel, "left over from an interrupted write");
			if (c->repair)
				bt__verify_remove_leftover(c, rel);
		} else if (!rc && e[0] != '.' && l > 7 && !strcmp(e + l - 7, ".tar.gz")) {
			const char *rel = bt__verify_afmt(c, "archive/%s", e);
			rc = rel ? read_archive(c, rel) : BT_ENOMEM;
		}
	}
	if (v)
		bt__verify_free_list(v, n);
	return rc ? rc : mark_archived(c);
}

/* --- the index ------------------------------------------------------------ */

static int cmp_exp(const void *a, const void *b)
{
	return strcmp(((const struct vexp *)a)->id, ((const struct vexp *)b)->id);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct bt_store_entry *x = *(const struct bt_store_entry *const *)a;
	const struct bt_store_entry *y = *(const struct bt_store_entry *const *)b;
	return strcmp(x->run_id, y->run_id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Tags as sorted text "a b c" (arena). */
static const char *tags_text(struct ctx *c, const char *const *tags, size_t n)
{
	const char **v = bt__arena_alloc(c->a, (n + 1) * sizeof *v);
	struct bt_strbuf sb = BT_STRBUF_INIT;
	if (!v)
		return NULL;
	if (n) {
		memcpy(v, tags, n * sizeof *v);
		qsort(v, n, sizeof *v, cmp_str);
	}
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(v[i], v[i - 1]))
			bt_strbuf_addf(&sb, "%s%s", sb.len ? " " : "", v[i]);
	const char *s = bt__arena_strdup(c->a, bt_strbuf_str(&sb));
	bt_strbuf_release(&sb);
	return s;
}

static int is_bad_archive(struct ctx *c, const char *rel)
{
	for (size_t i = 0; rel && i < c->n_bad_arch; i++)
		if (!strcmp(c->bad_arch[i], rel))
			return 1;
	return 0;
}

/* One index difference: counted, reported up to MAX_INDEX_NOTES. */
static void index_diff(struct ctx *c, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void index_diff(struct ctx *c, size_t *n, const char *fmt, ...)
{
	c->index_bad = 1;
	c->problems++;
	if ((*n)++ >= MAX_INDEX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	bt__verify_vnote(c, "problem", "index.db", fmt, ap);
	va_end(ap);
}

static int compare_index(struct ctx *c, const struct bt_store_list *l)
{
	size_t ne = 0, nd = 0;
	struct vexp *exp = calloc(c->n_good + c->n_arch + 1, sizeof *exp);
	const struct bt_store_entry **ent = malloc((l->n + 1) * sizeof *ent);
	if (!exp || !ent) {
		free(exp);
		free(ent);
		return BT_ENOMEM;
	}
	/* archives win over by-type for a run in both, as in reindex */
	for (size_t i = 0; i < c->n_arch; i++) {
		const struct varch *a = &c->arch[i];
		exp[ne++] = (struct vexp){ a->id, a->type, a->ts, NULL, a->archive,
					   a->n_results, a->tags, a->n_tags };
	}
	for (size_t i = 0; i < c->n_good; i++) {
		struct vrun *r = c->good[i];
		if (r->archived_too)
			continue;
		exp[ne++] = (struct vexp){ r->id, r->type, r->ts,
					   bt__verify_afmt(c, "%s/run.json", r->dest), NULL,
					   r->n_results, r->tags, r->n_tags };
	}
	qsort(exp, ne, sizeof *exp, cmp_exp);
	for (size_t i = 0; i < l->n; i++)
		ent[i] = &l->items[i];
	qsort(ent, l->n, sizeof *ent, cmp_entry);
	size_t i = 0, k = 0;
	while (i < ne || k < l->n) {
		int d = i == ne ? 1 : k == l->n ? -1 : strcmp(exp[i].id, ent[k]->run_id);
		if (d < 0) {
			const struct vexp *x = &exp[i++];
			index_diff(c, &nd, "run %s (%s) is not in the index", x->id,
				   x->path ? x->path : x->archive);
			continue;
		}
		if (d > 0) {
			const struct bt_store_entry *e = ent[k++];
			if (is_bad_archive(c, e->archive))
				continue;
			index_diff(c, &nd, "lists run %s at %s, which has no valid run file",
				   e->run_id, e->path ? e->path : e->archive ? e->archive : "?");
			continue;
		}
		const struct vexp *x = &exp[i++];
		const struct bt_store_entry *e = ent[k++];
		const char *xl = x->path ? x->path : x->archive;
		const char *el = e->path ? e->path : e->archive ? e->archive : "nowhere";
		const char *xt = tags_text(c, x->tags, x->n_tags);
		const char *et = tags_text(c, e->tags, e->n_tags);
		if (!xt || !et) {
			free(exp);
			free(ent);
			return BT_ENOMEM;
		}
		if ((x->path && (!e->path || strcmp(x->path, e->path))) ||
		    (x->archive && (!e->archive || strcmp(x->archive, e->archive))))
			index_diff(c, &nd, "run %s is at %s, the index says %s", x->id, xl, el);
		else if (strcmp(x->type, e->type) || strcmp(x->ts, e->timestamp) ||
			 x->n_results != e->n_results)
			index_diff(c, &nd, "run %s: type, timestamp or number of results "
				   "differ from %s", x->id, xl);
		else if (strcmp(xt, et))
			index_diff(c, &nd, "run %s: tags '%s', the files say '%s'", x->id,
				   et, xt);
	}
	if (nd > MAX_INDEX_NOTES)
		bt__verify_vnote_f(c, "problem", "index.db", "and %zu more differences from "
				   "the files", nd - MAX_INDEX_NOTES);
	free(exp);
	free(ent);
	return 0;
}

/* README.md against the text bt_store_write_readme gives for the index's
 * runs l (as check_index read them), rendered here: nothing is written. */
static int check_readme(struct ctx *c, const struct bt_store_list *l)
{
	char *have = NULL;
	size_t hl = 0;
	struct bt_strbuf want = BT_STRBUF_INIT;
	int rc = bt__store_readme_render(l, &want);
	if (rc) { /* out of memory */
		bt_strbuf_release(&want);
		return rc;
	}
	const char *p = bt__verify_abs_path(c, "README.md");
	int hr = p ? bt__read_file(p, README_CAP, &have, &hl, NULL) : BT_ENOMEM;
	if (hr == BT_ENOMEM)
		rc = hr;
	else if (hr == BT_ENOTFOUND)
		problem(c, "README.md", "missing");
	else if (hr || hl != want.len || memcmp(have, want.buf, want.len) != 0)
		problem(c, "README.md", "not what the index gives (edited by hand, "
			"or an interrupted write)");
	else
		hr = -1;
	if (hr != -1)
		c->readme_bad = 1;
	free(have);
	bt_strbuf_release(&want);
	return rc;
}

int bt__verify_check_index(struct ctx *c)
{
	void *h = NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *idx = bt__verify_abs_path(c, "index.db");
	if (!idx)
		return BT_ENOMEM;
	int rc = bt__store_index_open(c->st, &h, 1, &err);
	if (rc == BT_ENOTFOUND) {
		bt_strbuf_release(&err);
		if (c->n_good || c->n_arch) {
			problem(c, "index.db", "missing (the store has %zu runs)",
				c->n_good + c->n_arch);
			c->index_bad = 1;
		}
		return 0; /* nothing to render README.md from */
	}
	if (rc == BT_ENOMEM) {
		bt_strbuf_release(&err);
		return rc;
	}
	if (rc) {
		problem(c, "index.db", "cannot be opened: %s",
			bt__verify_strip_path_c(c, bt_strbuf_str(&err), idx));
		c->index_bad = 1;
		bt_strbuf_release(&err);
		return 0;
	}
	rc = c->st->ops->check(h, &err);
	if (rc) {
		c->st->ops->close(h);
		if (rc == BT_ENOMEM) {
			bt_strbuf_release(&err);
			return rc;
		}
		problem(c, "index.db", "integrity check failed: %s",
			bt__verify_strip_path_c(c, bt_strbuf_str(&err), idx));
		c->index_bad = 1;
		bt_strbuf_release(&err);
		return 0;
	}
	struct bt_store_filter all = { .include_archived = 1 };
	struct bt_store_list l;
	memset(&l, 0, sizeof l);
	rc = c->st->ops->query(h, &all, &l, &err);
	c->st->ops->close(h);
	if (rc && rc != BT_ENOMEM) {
		problem(c, "index.db", "cannot be read: %s",
			bt__verify_strip_path_c(c, bt_strbuf_str(&err), idx));
		c->index_bad = 1;
		rc = 0;
	} else if (!rc) {
		rc = compare_index(c, &l);
		if (!rc)
			rc = check_readme(c, &l);
	}
	bt_store_list_release(&l);
	bt_strbuf_release(&err);
	return rc;
}
