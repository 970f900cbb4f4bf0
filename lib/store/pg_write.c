/* Writes of the PostgreSQL store (lib/store/pgint.h): put (the run
 * document and its index rows in one transaction keyed by the run id),
 * tags, acknowledgements, saved comparisons, gc and restore (an archived
 * flag: the document stays in the database), reindex (the rows rebuilt
 * from the documents).
 *
 * Many writers: INSERT ... ON CONFLICT (run_id) DO NOTHING makes a run id
 * stored at most once (the second writer gets BT_EEXISTS); series rows are
 * inserted in key order (no deadlock between two runs sharing series; one
 * that happens anyway is retried). A put retried after the connection was
 * lost during COMMIT finds its run stored with the same document: that is
 * success, not BT_EEXISTS. Acks and reindex take advisory locks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pgint.h"

/* Advisory lock keys (constants of the store). */
#define ACKS_LOCK "4242160002"
#define REINDEX_LOCK "4242160003"

static int failed_status(enum bt_status s)
{
	return s == BT_STATUS_FAILED || s == BT_STATUS_CRASHED ||
	       s == BT_STATUS_TIMEOUT || s == BT_STATUS_OOM;
}

int bt__pg_doc(const struct bt_run *run, char **out, size_t *len,
	       struct bt_strbuf *err)
{
	struct bt_strbuf js = BT_STRBUF_INIT;
	int rc = bt_run_to_json(run, 1, &js, err);
	if (!rc)
		rc = bt_strbuf_addc(&js, '\n');
	if (!rc)
		rc = bt__run_deflate(BT_RUN_FILE_ZSTD, js.buf, js.len, out, len, err);
	bt_strbuf_release(&js);
	return rc;
}

/* The arrays of a run's index rows, as PostgreSQL array literals. */
enum { S_KEY, S_NAME, S_VARIANT, S_PARAMS, S_METRIC, S_N };
enum { R_IDX, R_NAME, R_GRP, R_VARIANT, R_TYPE, R_PARAMS, R_STATUS, R_MESSAGE,
       R_SKEY, R_TP, R_TPU, R_PEAK, R_MEM, R_MRE, R_N };
enum { P_SKEY, P_METRIC, P_IDX, P_UNIT, P_DIR, P_NN, P_MED, P_P25, P_P75, P_MIN,
       P_MAX, P_N };

struct rows {
	struct bt_strbuf s[S_N], r[R_N], p[P_N];
	size_t n_series, n_points;
};

static void rows_release(struct rows *w)
{
	for (int i = 0; i < S_N; i++)
		bt_strbuf_release(&w->s[i]);
	for (int i = 0; i < R_N; i++)
		bt_strbuf_release(&w->r[i]);
	for (int i = 0; i < P_N; i++)
		bt_strbuf_release(&w->p[i]);
}

static int rows_build(struct rows *w, const struct bt_run *run)
{
	struct bt_strbuf params = BT_STRBUF_INIT;
	int e = 0;
	memset(w, 0, sizeof *w);
	for (size_t i = 0; !e && i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if ((e = bt__store_params_text(&params, r)))
			break;
		const char *pt = params.buf ? params.buf : "";
		e |= bt__pg_arr_int(&w->r[R_IDX], (long long)i, 1);
		e |= bt__pg_arr_str(&w->r[R_NAME], r->name);
		e |= bt__pg_arr_str(&w->r[R_GRP], r->group);
		e |= bt__pg_arr_str(&w->r[R_VARIANT], r->variant);
		e |= bt__pg_arr_str(&w->r[R_TYPE], r->type);
		e |= bt__pg_arr_str(&w->r[R_PARAMS], pt);
		e |= bt__pg_arr_str(&w->r[R_STATUS], bt_status_name(r->status));
		e |= bt__pg_arr_str(&w->r[R_MESSAGE], r->message);
		e |= bt__pg_arr_str(&w->r[R_SKEY], r->series_key);
		e |= bt__pg_arr_real(&w->r[R_TP], r->throughput.unit || r->throughput.value != 0
				     ? r->throughput.value : NAN);
		e |= bt__pg_arr_str(&w->r[R_TPU], r->throughput.unit);
		e |= bt__pg_arr_int(&w->r[R_PEAK], (long long)r->peak_memory_bytes,
				    r->peak_memory_bytes >= 0);
		e |= bt__pg_arr_int(&w->r[R_MEM], (long long)r->memory_bytes,
				    r->memory_bytes >= 0);
		e |= bt__pg_arr_real(&w->r[R_MRE], r->validation.checked
				     ? r->validation.max_rel_err : NAN);
		if (!r->series_key)
			continue;
		e |= bt__pg_arr_str(&w->s[S_KEY], r->series_key);
		e |= bt__pg_arr_str(&w->s[S_NAME], r->name);
		e |= bt__pg_arr_str(&w->s[S_VARIANT], r->variant);
		e |= bt__pg_arr_str(&w->s[S_PARAMS], pt);
		e |= bt__pg_arr_str(&w->s[S_METRIC], r->n_metrics && r->metrics[0].name
				    ? r->metrics[0].name : "time");
		w->n_series++;
		if (r->status != BT_STATUS_OK)
			continue;
		for (size_t j = 0; j < r->n_metrics; j++) {
			const struct bt_metric *m = &r->metrics[j];
			if (isnan(m->stats.median) || !m->name)
				continue;
			e |= bt__pg_arr_str(&w->p[P_SKEY], r->series_key);
			e |= bt__pg_arr_str(&w->p[P_METRIC], m->name);
			e |= bt__pg_arr_int(&w->p[P_IDX], (long long)i, 1);
			e |= bt__pg_arr_str(&w->p[P_UNIT], m->unit);
			e |= bt__pg_arr_int(&w->p[P_DIR], (long long)m->direction, 1);
			e |= bt__pg_arr_int(&w->p[P_NN], (long long)m->stats.n, 1);
			e |= bt__pg_arr_real(&w->p[P_MED], m->stats.median);
			e |= bt__pg_arr_real(&w->p[P_P25], m->stats.p25);
			e |= bt__pg_arr_real(&w->p[P_P75], m->stats.p75);
			e |= bt__pg_arr_real(&w->p[P_MIN], m->stats.min);
			e |= bt__pg_arr_real(&w->p[P_MAX], m->stats.max);
			w->n_points++;
		}
	}
	for (int i = 0; !e && i < S_N; i++)
		e |= bt__pg_arr_end(&w->s[i]);
	for (int i = 0; !e && i < R_N; i++)
		e |= bt__pg_arr_end(&w->r[i]);
	for (int i = 0; !e && i < P_N; i++)
		e |= bt__pg_arr_end(&w->p[i]);
	bt_strbuf_release(&params);
	return e ? BT_ENOMEM : 0;
}

static int rows_insert(struct bt_pg *pg, const char *rid, const struct bt_run *run,
		       struct rows *w, struct bt_strbuf *err)
{
	int rc = 0;
	if (w->n_series) {
		const char *v[] = { w->s[S_KEY].buf, run->suite, run->machine.fingerprint,
				    w->s[S_NAME].buf, w->s[S_VARIANT].buf, w->s[S_PARAMS].buf,
				    w->s[S_METRIC].buf };
		/* in key order: two writers sharing series lock them in the
		 * same order */
		rc = bt__pg_cmd(pg, "INSERT INTO series (series_key, suite, name, variant,"
				" params, fingerprint, metric) SELECT DISTINCT ON (k) k, $2, n, va,"
				" p, $3, m FROM unnest($1::text[], $4::text[], $5::text[],"
				" $6::text[], $7::text[]) AS u(k, n, va, p, m) ORDER BY k"
				" ON CONFLICT (series_key) DO NOTHING", 7, v, err);
	}
	if (!rc && run->n_results) {
		const char *v[R_N + 1];
		v[0] = rid;
		for (int i = 0; i < R_N; i++)
			v[i + 1] = w->r[i].buf;
		rc = bt__pg_cmd(pg, "INSERT INTO results (rid, idx, name, grp, variant, type,"
				" params, status, message, sid, throughput, throughput_unit,"
				" peak_memory_bytes, memory_bytes, max_rel_err) SELECT $1::bigint,"
				" u.idx, u.name, u.grp, u.va, u.ty, u.pa, u.st, u.msg, s.sid, u.tp,"
				" u.tpu, u.peak, u.mem, u.mre FROM unnest($2::int[], $3::text[],"
				" $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],"
				" $9::text[], $10::text[], $11::float8[], $12::text[],"
				" $13::bigint[], $14::bigint[], $15::float8[]) AS u(idx, name, grp,"
				" va, ty, pa, st, msg, skey, tp, tpu, peak, mem, mre)"
				" LEFT JOIN series s ON s.series_key = u.skey", R_N + 1, v, err);
	}
	if (!rc && w->n_points) {
		const char *v[P_N + 1];
		v[0] = rid;
		for (int i = 0; i < P_N; i++)
			v[i + 1] = w->p[i].buf;
		rc = bt__pg_cmd(pg, "INSERT INTO points (sid, rid, metric, idx, unit,"
				" direction, n, median, p25, p75, min, max) SELECT s.sid,"
				" $1::bigint, u.m, u.idx, u.unit, u.dir, u.n, u.med, u.p25, u.p75,"
				" u.mn, u.mx FROM unnest($2::text[], $3::text[], $4::int[],"
				" $5::text[], $6::int[], $7::bigint[], $8::float8[], $9::float8[],"
				" $10::float8[], $11::float8[], $12::float8[]) AS u(skey, m, idx,"
				" unit, dir, n, med, p25, p75, mn, mx) JOIN series s ON"
				" s.series_key = u.skey ON CONFLICT DO NOTHING", P_N + 1, v, err);
	}
	return rc;
}

int bt__pg_index_rows(struct bt_pg *pg, const char *rid, const struct bt_run *run,
		      struct bt_strbuf *err)
{
	struct rows w;
	int rc = rows_build(&w, run);
	if (!rc)
		rc = rows_insert(pg, rid, run, &w, err);
	rows_release(&w);
	return rc;
}

/* --- put ----------------------------------------------------------------- */

struct put {
	const struct bt_run *run;
	char *doc;
	size_t doc_len;
	struct rows w;
	char n_results[24], n_failed[24], dirty[8], duration[40];
	const char *shown;
};

static int put_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct put *p = ud;
	const struct bt_run *run = p->run;
	const char *v[17] = {
		run->run_id, run->benchmark_type, run->suite, run->timestamp,
		isnan(run->duration_s) ? NULL : p->duration, run->git.commit,
		run->git.branch, run->git.dirty < 0 ? NULL : p->dirty,
		run->git.commit_time, run->machine.name, run->machine.fingerprint,
		run->machine.cpu_model, run->machine.os, p->n_results, p->n_failed,
		run->schema, p->doc,
	};
	int lens[17];
	for (int i = 0; i < 17; i++)
		lens[i] = -1;
	lens[16] = (int)p->doc_len;
	int rc;
	PGresult *r = bt__pg_exec(pg, "INSERT INTO runs (run_id, type, suite, timestamp,"
				  " duration_s, commit_hash, branch, dirty, commit_time,"
				  " machine_name, fingerprint, cpu_model, os, n_results,"
				  " n_failed, schema, doc) VALUES ($1, $2, $3, $4, $5, $6, $7,"
				  " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
				  " ON CONFLICT (run_id) DO NOTHING RETURNING rid",
				  17, v, lens, &rc, err);
	if (!r)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		if (pg->attempt) {
			/* our own COMMIT may have landed before the connection
			 * went: the same document is this put, done */
			const char *q[2] = { run->run_id, p->doc };
			int ql[2] = { -1, (int)p->doc_len };
			r = bt__pg_exec(pg, "SELECT doc = $2 FROM runs WHERE run_id = $1", 2, q,
					ql, &rc, err);
			int same = r && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
			PQclear(r);
			if (!r)
				return rc;
			if (same)
				return 0;
		}
		return bt_error(err, BT_EEXISTS, "%s: run %s is already stored", pg->shown,
				run->run_id);
	}
	char rid[24];
	snprintf(rid, sizeof rid, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return rows_insert(pg, rid, run, &p->w, err);
}

int bt__pg_put(struct bt_store *st, const struct bt_run *run, char **path,
	       struct bt_strbuf *err)
{
	struct put p;
	size_t n_failed = 0;
	memset(&p, 0, sizeof p);
	p.run = run;
	for (size_t i = 0; i < run->n_results; i++)
		n_failed += failed_status(run->results[i].status);
	snprintf(p.n_results, sizeof p.n_results, "%zu", run->n_results);
	snprintf(p.n_failed, sizeof p.n_failed, "%zu", n_failed);
	snprintf(p.dirty, sizeof p.dirty, "%d", run->git.dirty);
	snprintf(p.duration, sizeof p.duration, "%.17g", run->duration_s);
	int rc = bt__pg_doc(run, &p.doc, &p.doc_len, err);
	if (!rc && p.doc_len > 0x7fffffff)
		rc = bt_error(err, BT_ETOOBIG, "run %s: document too large", run->run_id);
	if (!rc)
		rc = rows_build(&p.w, run);
	if (!rc)
		rc = bt__pg_tx(st->pg, 1, put_body, &p, err);
	if (!rc && path)
		*path = bt__pathf("%s#%s", st->pg->shown, run->run_id);
	rows_release(&p.w);
	free(p.doc);
	return rc;
}

/* --- tags ---------------------------------------------------------------- */

struct tagw {
	const char *run_id, *tag;
	int add;
};

static int tag_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct tagw *t = ud;
	const char *v[2] = { t->run_id, t->tag };
	return bt__pg_cmd(pg, t->add ? "INSERT INTO tags (rid, tag) SELECT rid, $2 FROM runs"
			  " WHERE run_id = $1 ON CONFLICT DO NOTHING"
			  : "DELETE FROM tags WHERE tag = $2 AND rid ="
			  " (SELECT rid FROM runs WHERE run_id = $1)", 2, v, err);
}

int bt__pg_tag(struct bt_store *st, const char *ref, const char *tag, int add,
	       struct bt_strbuf *err)
{
	char *id = NULL;
	int rc = bt__pg_resolve(st, ref, &id, err);
	if (!rc) {
		struct tagw t = { id, tag, add };
		rc = bt__pg_tx(st->pg, 1, tag_body, &t, err);
	}
	free(id);
	return rc;
}

/* --- acknowledgements ---------------------------------------------------- */

struct ackw {
	const struct bt_ack_req *req;
	size_t n;
	const char *reason, *who, *when;
	enum bt_ack_outcome *out;
};

static int ack_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct ackw *a = ud;
	int rc = bt__pg_cmd(pg, "SELECT pg_advisory_xact_lock(" ACKS_LOCK ")", 0, NULL, err);
	for (size_t i = 0; !rc && i < a->n; i++) {
		const char *v[5] = { a->req[i].series_key, a->req[i].commit, a->reason, a->who,
				     a->when };
		/* the same series and commit (one a prefix of the other): one
		 * entry, never two */
		PGresult *r = bt__pg_exec(pg, "SELECT seq, reason = $3 FROM acks WHERE"
					  " series_key = $1 AND commit_hash <> '' AND"
					  " (starts_with($2, commit_hash) OR"
					  " starts_with(commit_hash, $2)) ORDER BY seq LIMIT 1",
					  3, v, NULL, &rc, err);
		if (!r)
			break;
		if (PQntuples(r) == 1 && PQgetvalue(r, 0, 1)[0] == 't') {
			a->out[i] = BT_ACK_EXISTS;
		} else if (PQntuples(r) == 1) {
			const char *u[4] = { PQgetvalue(r, 0, 0), a->reason, a->who, a->when };
			rc = bt__pg_cmd(pg, "UPDATE acks SET reason = $2, who = $3, made = $4"
					" WHERE seq = $1", 4, u, err);
			a->out[i] = BT_ACK_UPDATED;
		} else {
			rc = bt__pg_cmd(pg, "INSERT INTO acks (series_key, commit_hash, reason,"
					" who, made) VALUES ($1, $2, $3, $4, $5)", 5, v, err);
			a->out[i] = BT_ACK_ADDED;
		}
		PQclear(r);
	}
	return rc;
}

int bt__pg_ack_many(struct bt_store *st, const struct bt_ack_req *req, size_t n,
		    const char *reason, const char *who, const char *when,
		    enum bt_ack_outcome *out, struct bt_strbuf *err)
{
	struct ackw a = { req, n, reason, who, when, out };
	return bt__pg_tx(st->pg, 1, ack_body, &a, err);
}

/* --- comparisons --------------------------------------------------------- */

struct cmpw {
	const char *name;
	const struct bt_store_file *files;
	size_t n;
};

static int cmp_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct cmpw *c = ud;
	int rc = 0;
	for (size_t i = 0; !rc && i < c->n; i++) {
		const char *v[3] = { c->name, c->files[i].name, c->files[i].data };
		int lens[3] = { -1, -1, (int)c->files[i].len };
		PGresult *r = bt__pg_exec(pg, "INSERT INTO comparisons (name, file, data)"
					  " VALUES ($1, $2, $3) ON CONFLICT (name, file) DO UPDATE"
					  " SET data = excluded.data, saved_at = now()",
					  3, v, lens, &rc, err);
		PQclear(r);
	}
	return rc;
}

int bt__pg_save_comparison(struct bt_store *st, const char *name,
			   const struct bt_store_file *files, size_t n,
			   char **dir, struct bt_strbuf *err)
{
	for (size_t i = 0; i < n; i++)
		if (!files[i].name || strchr(files[i].name, '/') || files[i].name[0] == '.' ||
		    files[i].len > 0x7fffffff)
			return bt_error(err, BT_EINVAL, "bad file name in a comparison");
	struct cmpw c = { name, files, n };
	int rc = bt__pg_tx(st->pg, 1, cmp_body, &c, err);
	if (!rc && dir && !(*dir = bt__pathf("%s#comparisons/%s", st->pg->shown, name)))
		rc = BT_ENOMEM;
	return rc;
}

/* --- gc and restore ------------------------------------------------------ */

struct gcw {
	const char *cutoff;
	int dry_run;
	bt_store_note_fn note;
	void *ud;
	size_t n;
	const char *shown;
};

static int gc_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct gcw *g = ud;
	const char *v[1] = { g->cutoff };
	int rc;
	/* milestones stay; the documents stay in the database either way:
	 * archived runs leave list and latest, keep their points */
	PGresult *r = bt__pg_exec(pg, g->dry_run
				  ? "SELECT run_id, type FROM runs WHERE NOT archived AND"
				    " timestamp < $1 AND NOT EXISTS (SELECT 1 FROM tags t WHERE"
				    " t.rid = runs.rid AND t.tag = 'milestone') ORDER BY timestamp,"
				    " run_id"
				  : "UPDATE runs SET archived = true WHERE NOT archived AND"
				    " timestamp < $1 AND NOT EXISTS (SELECT 1 FROM tags t WHERE"
				    " t.rid = runs.rid AND t.tag = 'milestone') RETURNING run_id, type",
				  1, v, NULL, &rc, err);
	if (!r)
		return rc;
	g->n = (size_t)PQntuples(r);
	for (int i = 0; g->note && i < PQntuples(r); i++) {
		char *what = bt__pathf("%s#%s", g->shown, PQgetvalue(r, i, 0));
		g->note(g->ud, "archive", what ? what : "",
			PQgetvalue(r, i, 1));
		free(what);
	}
	PQclear(r);
	return 0;
}

int bt__pg_gc(struct bt_store *st, const char *cutoff, int dry_run,
	      bt_store_note_fn note, void *ud, size_t *n_archived,
	      struct bt_strbuf *err)
{
	struct gcw g = { cutoff, dry_run, note, ud, 0, st->pg->shown };
	int rc = bt__pg_tx(st->pg, !dry_run, gc_body, &g, err);
	if (n_archived)
		*n_archived = rc ? 0 : g.n;
	return rc;
}

static int restore_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	const char *v[1] = { ud };
	return bt__pg_cmd(pg, "UPDATE runs SET archived = false WHERE run_id = $1", 1, v, err);
}

int bt__pg_restore(struct bt_store *st, const char *ref, char **path,
		   struct bt_strbuf *err)
{
	char *id = NULL;
	int rc = bt__pg_resolve(st, ref, &id, err);
	if (!rc)
		rc = bt__pg_tx(st->pg, 1, restore_body, id, err);
	if (!rc && path)
		*path = bt__pathf("%s#%s", st->pg->shown, id);
	free(id);
	return rc;
}

/* --- reindex ------------------------------------------------------------- */

struct reix {
	bt_store_note_fn note;
	void *ud;
	size_t runs, results, bad;
	const char *shown;
};

/* Rebuilds the rows of one run from its document: the summary columns,
 * results, points (its tags stay). A document that does not read is
 * named and left (its rows are gone: verify names it). */
static int reindex_one(struct bt_pg *pg, struct reix *x, const char *rid,
		       const char *run_id, const char *data, size_t len,
		       struct bt_strbuf *err)
{
	struct bt_run run;
	struct bt_strbuf e = BT_STRBUF_INIT;
	char *name = bt__pathf("%s#%s", pg->shown, run_id);
	int rc = bt_run_init(&run);
	if (!rc && name)
		rc = bt_run_from_json(&run, data, len, name, &e);
	if (!rc && (!run.run_id || strcmp(run.run_id, run_id)))
		rc = bt_error(&e, BT_ESCHEMA, "%s: the document's run_id is '%s'", name,
			      run.run_id ? run.run_id : "");
	if (rc && rc != BT_ENOMEM) {
		if (x->note)
			x->note(x->ud, "unreadable", name ? name : run_id, bt_strbuf_str(&e));
		x->bad++;
		rc = 0;
	} else if (!rc) {
		size_t n_failed = 0;
		char nr[24], nf[24];
		for (size_t i = 0; i < run.n_results; i++)
			n_failed += failed_status(run.results[i].status);
		snprintf(nr, sizeof nr, "%zu", run.n_results);
		snprintf(nf, sizeof nf, "%zu", n_failed);
		const char *v[7] = { rid, run.benchmark_type, run.suite, run.timestamp, nr, nf,
				     run.machine.fingerprint };
		rc = bt__pg_cmd(pg, "UPDATE runs SET type = $2, suite = $3, timestamp = $4,"
				" n_results = $5, n_failed = $6, fingerprint = $7 WHERE rid = $1",
				7, v, err);
		if (!rc)
			rc = bt__pg_index_rows(pg, rid, &run, err);
		if (!rc) {
			x->runs++;
			x->results += run.n_results;
		}
	}
	bt_run_release(&run);
	bt_strbuf_release(&e);
	free(name);
	return rc;
}

static int reindex_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct reix *x = ud;
	x->runs = x->results = x->bad = 0;
	int rc = bt__pg_cmd(pg, "SELECT pg_advisory_xact_lock(" REINDEX_LOCK ")", 0, NULL, err);
	if (!rc)
		rc = bt__pg_cmd(pg, "DELETE FROM points; DELETE FROM results; DELETE FROM series",
				0, NULL, err);
	if (!rc)
		rc = bt__pg_cmd(pg, "DECLARE docs NO SCROLL CURSOR FOR SELECT rid, run_id, doc"
				" FROM runs ORDER BY rid", 0, NULL, err);
	while (!rc) {
		PGresult *r = bt__pg_fetch(pg, "docs", 200, &rc, err);
		if (!r)
			break;
		int n = PQntuples(r);
		for (int i = 0; !rc && i < n; i++) {
			long long id = bt__pg_bin_i64(r, i, 0);
			char rid[24], *run_id = strndup(PQgetvalue(r, i, 1),
							(size_t)PQgetlength(r, i, 1));
			snprintf(rid, sizeof rid, "%lld", id);
			rc = run_id ? reindex_one(pg, x, rid, run_id, PQgetvalue(r, i, 2),
						  (size_t)PQgetlength(r, i, 2), err)
				    : BT_ENOMEM;
			free(run_id);
		}
		PQclear(r);
		if (n == 0)
			break;
	}
	if (!rc)
		rc = bt__pg_cmd(pg, "CLOSE docs", 0, NULL, err);
	return rc;
}

int bt__pg_reindex(struct bt_store *st, bt_store_note_fn note, void *ud,
		   size_t *n_runs, size_t *n_results, size_t *n_unreadable,
		   struct bt_strbuf *err)
{
	struct reix x = { note, ud, 0, 0, 0, st->pg->shown };
	int rc = bt__pg_tx(st->pg, 1, reindex_body, &x, err);
	if (n_runs)
		*n_runs = rc ? 0 : x.runs;
	if (n_results)
		*n_results = rc ? 0 : x.results;
	if (n_unreadable)
		*n_unreadable = rc ? 0 : x.bad;
	if (!rc && x.bad)
		rc = bt_error(err, BT_EPARSE, "%s: %zu run document%s could not be read and "
			      "%s no index rows", st->pg->shown, x.bad, x.bad == 1 ? "" : "s",
			      x.bad == 1 ? "has" : "have");
	return rc;
}
