/* Reads of the PostgreSQL store (lib/store/pgint.h): query, references
 * (run ids and prefixes, latest, latest:TYPE, commits), loading a run's
 * document, acknowledgements, verify.
 *
 * Entries: path is "runs/<run id>" (where the document is: the runs
 * table), archive "archive/YYYY-MM" for a run that gc archived (its
 * document stays in the database; it leaves list, latest and the
 * dashboard's run pages, and keeps its points).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"
#include "pgint.h"
#include "result/json_scan.h"

#define RUN_CAP (256u << 20)

/* --- query --------------------------------------------------------------- */

struct qctx {
	const struct bt_store_filter *f;
	struct bt_store_list *out;
	char until[16];
};

/* The exclusive bound of until: a bare date is the whole day. */
static int until_bound(const char *u, char out[16])
{
	int y, m, d, len = 0;
	if (strlen(u) != 10 || sscanf(u, "%4d-%2d-%2d%n", &y, &m, &d, &len) != 3 || len != 10)
		return 0;
	if (m < 1 || m > 12 || d < 1 || d > bt__days_in_month(y, m))
		return BT_EINVAL;
	if (++d > bt__days_in_month(y, m)) {
		d = 1;
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m, d);
	return 1;
}

static int split_tags(struct bt_arena *a, const char *s, struct bt_store_entry *e)
{
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == '\n';
	e->tags = bt__arena_alloc(a, n * sizeof *e->tags);
	if (!e->tags)
		return BT_ENOMEM;
	for (const char *p = s; *p;) {
		size_t l = strcspn(p, "\n");
		char *t = bt__arena_strndup(a, p, l);
		if (!t)
			return BT_ENOMEM;
		e->tags[e->n_tags++] = t;
		e->milestone |= strcmp(t, "milestone") == 0;
		p += l + (p[l] == '\n');
	}
	return 0;
}

static int query_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct qctx *q = ud;
	const struct bt_store_filter *f = q->f;
	struct bt_strbuf sql = BT_STRBUF_INIT;
	const char *v[16];
	int n = 0, e = 0, rc;
	char *lc = NULL;
	/* the tags by one pass over the table, joined (not a subquery a run) */
	e |= bt_strbuf_adds(&sql, "SELECT run_id, type, suite, timestamp, commit_hash, branch,"
			    " dirty, machine_name, fingerprint, archived, n_results, n_failed,"
			    " t.tags, substr(timestamp, 1, 7) FROM runs LEFT JOIN (SELECT rid,"
			    " string_agg(tag, E'\\n' ORDER BY tag) AS tags FROM tags GROUP BY rid)"
			    " t USING (rid) WHERE true");
#define P(x) (v[n++] = (x), n)
	if (f->run_id)
		e |= bt_strbuf_addf(&sql, " AND run_id = $%d", P(f->run_id));
	if (f->type)
		e |= bt_strbuf_addf(&sql, " AND type = $%d", P(f->type));
	if (f->since)
		e |= bt_strbuf_addf(&sql, " AND timestamp >= $%d", P(f->since));
	if (f->until)
		e |= bt_strbuf_addf(&sql, " AND timestamp < $%d",
				    P(q->until[0] ? q->until : f->until));
	if (f->commit) {
		lc = strdup(f->commit);
		for (char *p = lc; p && *p; p++)
			if (*p >= 'A' && *p <= 'F' && bt__is_hex(f->commit, 1, SIZE_MAX))
				*p = (char)(*p - 'A' + 'a');
		e |= !lc || bt_strbuf_addf(&sql, " AND starts_with(commit_hash, $%d)", P(lc));
	}
	if (f->branch)
		e |= bt_strbuf_addf(&sql, " AND branch = $%d", P(f->branch));
	if (f->machine) {
		int i = P(f->machine);
		e |= bt_strbuf_addf(&sql, " AND (machine_name = $%d OR fingerprint = $%d)", i, i);
	}
	if (f->benchmark)
		e |= bt_strbuf_addf(&sql, " AND rid IN (SELECT rid FROM results WHERE name = $%d)",
				    P(f->benchmark));
	if (f->tag)
		e |= bt_strbuf_addf(&sql, " AND rid IN (SELECT rid FROM tags WHERE tag = $%d)",
				    P(f->tag));
	if (!f->include_archived)
		e |= bt_strbuf_adds(&sql, " AND NOT archived");
#undef P
	e |= bt_strbuf_adds(&sql, " ORDER BY timestamp DESC, run_id DESC");
	if (f->limit)
		e |= bt_strbuf_addf(&sql, " LIMIT %zu", f->limit);
	if (e) {
		free(lc);
		bt_strbuf_release(&sql);
		return BT_ENOMEM;
	}
	PGresult *r = bt__pg_exec(pg, sql.buf, n, v, NULL, &rc, err);
	free(lc);
	bt_strbuf_release(&sql);
	if (!r)
		return rc;
	struct bt_arena *a = q->out->arena;
	int rows = PQntuples(r), oom = 0;
	q->out->n = 0;
	q->out->items = rows ? bt__arena_alloc(a, (size_t)rows * sizeof *q->out->items) : NULL;
	if (rows && !q->out->items)
		oom = 1;
	for (int i = 0; !oom && i < rows; i++) {
		struct bt_store_entry *x = &q->out->items[i];
		memset(x, 0, sizeof *x);
		x->run_id = bt__pg_col(a, r, i, 0, &oom);
		x->type = bt__pg_col(a, r, i, 1, &oom);
		x->suite = bt__pg_col(a, r, i, 2, &oom);
		x->timestamp = bt__pg_col(a, r, i, 3, &oom);
		x->commit = bt__pg_col(a, r, i, 4, &oom);
		x->branch = bt__pg_col(a, r, i, 5, &oom);
		x->dirty = PQgetisnull(r, i, 6) ? -1 : atoi(PQgetvalue(r, i, 6));
		x->machine = bt__pg_col(a, r, i, 7, &oom);
		x->fingerprint = bt__pg_col(a, r, i, 8, &oom);
		if (PQgetvalue(r, i, 9)[0] == 't') {
			char p[32];
			snprintf(p, sizeof p, "archive/%s", PQgetvalue(r, i, 13));
			x->archive = bt__arena_strdup(a, p);
			oom |= !x->archive;
		} else {
			char *p = x->run_id ? bt__pathf("runs/%s", x->run_id) : NULL;
			x->path = p ? bt__arena_strdup(a, p) : NULL;
			oom |= !x->path;
			free(p);
		}
		x->n_results = strtoull(PQgetvalue(r, i, 10), NULL, 10);
		x->n_failed = strtoull(PQgetvalue(r, i, 11), NULL, 10);
		if (!PQgetisnull(r, i, 12) && split_tags(a, PQgetvalue(r, i, 12), x))
			oom = 1;
		q->out->n++;
	}
	PQclear(r);
	return oom ? bt_error(err, BT_ENOMEM, "%s: out of memory", pg->shown) : 0;
}

int bt__pg_query(struct bt_store *st, const struct bt_store_filter *f,
		 struct bt_store_list *out, struct bt_strbuf *err)
{
	struct bt_store_filter none;
	memset(&none, 0, sizeof none);
	struct qctx q = { f ? f : &none, out, "" };
	if (q.f->until) {
		int u = until_bound(q.f->until, q.until);
		if (u < 0)
			return bt_error(err, BT_EINVAL, "%s: until: invalid date '%s'",
					st->pg->shown, q.f->until);
	}
	if (!st->pg->schema)
		return 0; /* an empty database: no runs yet */
	return bt__pg_tx(st->pg, 0, query_body, &q, err);
}

/* --- references ---------------------------------------------------------- */

struct refq {
	const char *ref;
	char *id;
	int archived;
	struct bt_strbuf amb;
};

/* The run of ref: latest, latest:TYPE, a run id or prefix, a commit. */
static int resolve_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct refq *q = ud;
	const char *ref = q->ref;
	const char *v[1] = { ref };
	int rc;
	PGresult *r = NULL;
	free(q->id);
	q->id = NULL;
	bt_strbuf_reset(&q->amb);
	if (strcmp(ref, "latest") == 0)
		r = bt__pg_exec(pg, "SELECT run_id, archived FROM runs WHERE NOT archived ORDER BY"
				" timestamp DESC, run_id DESC LIMIT 1", 0, NULL, NULL, &rc, err);
	else if (strncmp(ref, "latest:", 7) == 0) {
		v[0] = ref + 7;
		r = bt__pg_exec(pg, "SELECT run_id, archived FROM runs WHERE NOT archived AND"
				" type = $1 ORDER BY timestamp DESC, run_id DESC LIMIT 1", 1, v,
				NULL, &rc, err);
	} else {
		r = bt__pg_exec(pg, "SELECT run_id, archived FROM runs WHERE starts_with(run_id,"
				" lower($1)) ORDER BY run_id LIMIT 9", 1, v, NULL, &rc, err);
		if (r && PQntuples(r) > 1) {
			for (int i = 0; i < PQntuples(r) && i < 8; i++)
				bt_strbuf_addf(&q->amb, "%s%s", i ? ", " : "", PQgetvalue(r, i, 0));
			if (PQntuples(r) > 8)
				bt_strbuf_adds(&q->amb, ", ...");
			PQclear(r);
			return bt_error(err, BT_EINVAL, "run id prefix '%s' is ambiguous: %s",
					ref, q->amb.buf);
		}
		if (r && PQntuples(r) == 0) {
			PQclear(r);
			r = bt__pg_exec(pg, "SELECT run_id, archived FROM runs WHERE NOT archived"
					" AND starts_with(commit_hash, lower($1)) ORDER BY timestamp"
					" DESC, run_id DESC LIMIT 1", 1, v, NULL, &rc, err);
		}
	}
	if (!r)
		return rc;
	if (PQntuples(r) == 1) {
		q->id = strdup(PQgetvalue(r, 0, 0));
		q->archived = PQgetvalue(r, 0, 1)[0] == 't';
		rc = q->id ? 0 : BT_ENOMEM;
	} else {
		rc = bt_error(err, BT_ENOTFOUND, "%s: no run id, commit or latest run '%s'",
			      pg->shown, ref);
	}
	PQclear(r);
	return rc;
}

int bt__pg_resolve(struct bt_store *st, const char *ref, char **run_id,
		   struct bt_strbuf *err)
{
	*run_id = NULL;
	if (!ref || !*ref)
		return bt_error(err, BT_EINVAL, "empty run reference");
	if (strcmp(ref, "latest") && strncmp(ref, "latest:", 7) && !bt__is_hex(ref, 4, 64))
		return bt_error(err, BT_ENOTFOUND, "'%s': no such file, and not a run id, "
				"commit, latest or latest:TYPE", ref);
	if (!st->pg->schema)
		return bt_error(err, BT_ENOTFOUND, "%s: no run matches '%s'", st->pg->shown, ref);
	struct refq q = { ref, NULL, 0, BT_STRBUF_INIT };
	int rc = bt__pg_tx(st->pg, 0, resolve_body, &q, err);
	bt_strbuf_release(&q.amb);
	if (!rc)
		*run_id = q.id;
	else
		free(q.id);
	return rc;
}

struct loadq {
	const char *run_id;
	char *doc;
	size_t len;
};

static int load_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct loadq *q = ud;
	const char *v[1] = { q->run_id };
	free(q->doc);
	q->doc = NULL;
	PGresult *r = PQexecParams(pg->conn, "SELECT doc FROM runs WHERE run_id = $1", 1, NULL,
				   v, NULL, NULL, 1);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rc = bt__pg_fail(pg, r, err);
		PQclear(r);
		return rc;
	}
	int rc = 0;
	if (PQntuples(r) != 1)
		rc = bt_error(err, BT_ENOTFOUND, "%s: no run %s", pg->shown, q->run_id);
	else if (!(q->doc = malloc((size_t)PQgetlength(r, 0, 0) + 1)))
		rc = BT_ENOMEM;
	else {
		q->len = (size_t)PQgetlength(r, 0, 0);
		memcpy(q->doc, PQgetvalue(r, 0, 0), q->len);
		q->doc[q->len] = '\0';
	}
	PQclear(r);
	return rc;
}

/* 1 when ref names a file or directory the user gave (read as given). */
static int user_file(const char *ref)
{
	struct stat s;
	return stat(ref, &s) == 0;
}

int bt__pg_load(struct bt_store *st, const char *ref, struct bt_run *run,
		struct bt_strbuf *err)
{
	return bt__pg_load_as(st, ref, run, 0, err);
}

int bt__pg_load_as(struct bt_store *st, const char *ref, struct bt_run *run,
		   int summary, struct bt_strbuf *err)
{
	if (ref && user_file(ref)) {
		struct stat s;
		char *p = stat(ref, &s) == 0 && S_ISDIR(s.st_mode) ? bt__pathf("%s/run.json", ref)
								      : strdup(ref);
		int rc = p ? bt_run_read_file(run, p, err) : BT_ENOMEM;
		free(p);
		return rc;
	}
	char *id = NULL;
	int rc = bt__pg_resolve(st, ref, &id, err);
	struct loadq q = { id, NULL, 0 };
	if (!rc)
		rc = bt__pg_tx(st->pg, 0, load_body, &q, err);
	char *name = !rc && id ? bt__pathf("%s#%s", st->pg->shown, id) : NULL;
	if (!rc && !name)
		rc = BT_ENOMEM;
	if (!rc && summary && bt__run_scan(run, q.doc, q.len, 0) != 0) {
		/* the strict reader on a fresh run says what is wrong */
		bt_run_release(run);
		if (!(rc = bt_run_init(run)))
			rc = bt_run_from_json(run, q.doc, q.len, name, err);
	} else if (!rc && !summary) {
		rc = bt_run_from_json(run, q.doc, q.len, name, err);
	}
	free(name);
	free(q.doc);
	free(id);
	return rc;
}

/* --- acknowledgements ---------------------------------------------------- */

static int acks_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct bt_ack_list *out = ud;
	int rc, oom = 0;
	PGresult *r = bt__pg_exec(pg, "SELECT series_key, commit_hash, reason, who, made FROM"
				  " acks ORDER BY seq", 0, NULL, NULL, &rc, err);
	if (!r)
		return rc;
	out->n = 0;
	out->items = PQntuples(r) ? bt__arena_alloc(out->arena, (size_t)PQntuples(r) *
						    sizeof *out->items) : NULL;
	oom = PQntuples(r) && !out->items;
	for (int i = 0; !oom && i < PQntuples(r); i++) {
		struct bt_ack *a = &out->items[out->n++];
		a->series_key = bt__pg_col(out->arena, r, i, 0, &oom);
		a->commit = bt__pg_col(out->arena, r, i, 1, &oom);
		a->reason = bt__pg_col(out->arena, r, i, 2, &oom);
		a->who = bt__pg_col(out->arena, r, i, 3, &oom);
		a->when = bt__pg_col(out->arena, r, i, 4, &oom);
		if (!a->who)
			a->who = "";
		if (!a->when)
			a->when = "";
	}
	PQclear(r);
	return oom ? BT_ENOMEM : 0;
}

int bt__pg_acks(struct bt_store *st, struct bt_ack_list *out, struct bt_strbuf *err)
{
	memset(out, 0, sizeof *out);
	if (!(out->arena = bt__arena_new()))
		return BT_ENOMEM;
	if (!st->pg->schema)
		return 0;
	int rc = bt__pg_tx(st->pg, 0, acks_body, out, err);
	if (rc)
		bt_ack_list_release(out);
	return rc;
}

/* --- verify -------------------------------------------------------------- */

struct verq {
	bt_store_note_fn note;
	void *ud;
	size_t problems;
	size_t index_problems; /* what a reindex repairs */
};

static void problem(struct bt_pg *pg, struct verq *q, const char *run_id, int index,
		    const char *fmt, const char *a, const char *b)
{
	char what[512];
	char *where = bt__pathf("%s#%s", pg->shown, run_id);
	snprintf(what, sizeof what, fmt, a ? a : "(none)", b ? b : "(none)");
	if (q->note)
		q->note(q->ud, "problem", where ? where : run_id, what);
	free(where);
	q->problems++;
	q->index_problems += index;
}

static int str_differs(const char *a, const char *b)
{
	return (a || b) && (!a || !b || strcmp(a, b));
}

static int verify_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct verq *q = ud;
	int rc;
	q->problems = q->index_problems = 0;
	rc = bt__pg_cmd(pg, "DECLARE v NO SCROLL CURSOR FOR SELECT run_id, type, timestamp,"
			" n_results::text, suite, (SELECT count(*) FROM results x WHERE"
			" x.rid = runs.rid)::text, doc FROM runs ORDER BY rid", 0, NULL, err);
	while (!rc) {
		PGresult *r = bt__pg_fetch(pg, "v", 200, &rc, err);
		if (!r)
			break;
		int n = PQntuples(r);
		for (int i = 0; !rc && i < n; i++) {
			char *col[6];
			for (int c = 0; c < 6; c++)
				col[c] = PQgetisnull(r, i, c) ? NULL
					 : strndup(PQgetvalue(r, i, c), (size_t)PQgetlength(r, i, c));
			struct bt_run run;
			struct bt_strbuf e = BT_STRBUF_INIT;
			char *name = bt__pathf("%s#%s", pg->shown, col[0] ? col[0] : "?");
			int prc = bt_run_init(&run);
			if (!prc)
				prc = bt_run_from_json(&run, PQgetvalue(r, i, 6),
						       (size_t)PQgetlength(r, i, 6), name, &e);
			if (prc == BT_ENOMEM) {
				rc = BT_ENOMEM;
			} else if (prc) {
				struct bt_strbuf why = BT_STRBUF_INIT;
				bt__strip_path(&why, bt_strbuf_str(&e), name);
				problem(pg, q, col[0], 0, "the document does not read: %s%s",
					bt_strbuf_str(&why), "");
				bt_strbuf_release(&why);
			} else {
				char nres[24];
				snprintf(nres, sizeof nres, "%zu", run.n_results);
				if (str_differs(run.run_id, col[0]))
					problem(pg, q, col[0], 0, "the document's run_id is %s, "
						"its row's %s", run.run_id, col[0]);
				if (str_differs(run.benchmark_type, col[1]) ||
				    str_differs(run.timestamp, col[2]) ||
				    str_differs(run.suite, col[4]))
					problem(pg, q, col[0], 1, "the index row differs from the "
						"document (type %s, timestamp %s)", col[1], col[2]);
				if (str_differs(nres, col[3]) || str_differs(nres, col[5]))
					problem(pg, q, col[0], 1, "the document has %s results, the "
						"index %s", nres, col[5]);
			}
			bt_run_release(&run);
			bt_strbuf_release(&e);
			free(name);
			for (int c = 0; c < 6; c++)
				free(col[c]);
		}
		PQclear(r);
		if (n == 0)
			break;
	}
	if (!rc)
		rc = bt__pg_cmd(pg, "CLOSE v", 0, NULL, err);
	/* rows that point nowhere */
	PGresult *r = rc ? NULL : bt__pg_exec(pg, "SELECT (SELECT count(*) FROM points p WHERE"
					      " NOT EXISTS (SELECT 1 FROM results x WHERE"
					      " x.rid = p.rid AND x.idx = p.idx AND x.sid = p.sid))::text",
					      0, NULL, NULL, &rc, err);
	if (r && strcmp(PQgetvalue(r, 0, 0), "0"))
		problem(pg, q, "points", 1, "%s points have no result row%s",
			PQgetvalue(r, 0, 0), "");
	PQclear(r);
	return rc;
}

int bt__pg_verify(struct bt_store *st, int repair, bt_store_note_fn note,
		  void *ud, size_t *n_problems, struct bt_strbuf *err)
{
	struct verq q = { note, ud, 0, 0 };
	if (n_problems)
		*n_problems = 0;
	if (!st->pg->schema)
		return 0;
	int rc = bt__pg_tx(st->pg, 0, verify_body, &q, err);
	if (n_problems)
		*n_problems = q.problems;
	if (!rc && repair && q.index_problems) {
		size_t runs = 0, results = 0, bad = 0;
		rc = bt__pg_reindex(st, NULL, NULL, &runs, &results, &bad, err);
		if (rc == BT_EPARSE)
			rc = 0; /* the unreadable documents were counted above */
		if (!rc && note) {
			char d[96];
			snprintf(d, sizeof d, "index rows rebuilt from %zu documents", runs);
			note(ud, "repaired", st->pg->shown, d);
		}
	}
	return rc;
}

/* --- the store's stamp --------------------------------------------------- */

struct stampq {
	char *out;
	size_t size;
};

static int stamp_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct stampq *q = ud;
	int rc;
	PGresult *r = bt__pg_exec(pg, "SELECT (SELECT count(*) || ':' || coalesce(max(rid), 0) ||"
				  " ':' || count(*) FILTER (WHERE archived) FROM runs) || '/' ||"
				  " (SELECT count(*) || ':' || coalesce(sum(rid), 0) FROM tags) || '/' ||"
				  " (SELECT count(*) || ':' || coalesce(max(seq), 0) || ':' ||"
				  " coalesce(max(made), '') FROM acks)", 0, NULL, NULL, &rc, err);
	if (!r)
		return rc;
	snprintf(q->out, q->size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

int bt__pg_stamp(struct bt_store *st, char *out, size_t size, struct bt_strbuf *err)
{
	struct stampq q = { out, size };
	if (size)
		out[0] = '\0';
	if (!st->pg->schema)
		return 0;
	return bt__pg_tx(st->pg, 0, stamp_body, &q, err);
}
