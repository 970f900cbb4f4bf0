/* The metric protocol's results (contract: bt__proto_emit in
 * protocol.h): what the lines of a command's runs said, accumulated by
 * protocol.c, as metrics of the command's own result and as results of
 * their own. Each entity goes to a "target": the own result, or a new
 * result by name and params merged over the own result's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "protocolint.h"

/* A result being made from entities. */
struct target {
	const char *name;        /* in the run's arena */
	struct bt_kv *params;    /* merged, sorted, in the run's arena */
	size_t n_params;
	size_t result;           /* index in run->results; own for the own */
	enum bt_status status;
	const char *message;
	struct bt_validation val;
	size_t bad;
	int made;                /* 1 once a result exists for it */
};

static int same_params(const struct bt_kv *a, size_t na, const struct bt_kv *b,
		       size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].key, b[i].key) || strcmp(a[i].value ? a[i].value : "",
							 b[i].value ? b[i].value : ""))
			return 0;
	return 1;
}

/* The own result's params overridden and extended by e's (sorted), plus
 * extra (key "command", when not NULL), in run's arena; NULL on OOM. */
static struct bt_kv *merge_params(struct bt_run *run, const struct bt_result *own,
				  const struct entity *e, const char *extra,
				  size_t *n)
{
	size_t cap = own->n_params + e->n_params + 1;
	struct bt_kv *kv = bt_run_alloc(run, cap * sizeof *kv);
	if (!kv)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < e->n_params; i++) {
		kv[*n].key = bt_run_strdup(run, e->params[i].key);
		kv[*n].value = bt_run_strdup(run, e->params[i].value);
		if (!kv[*n].key || !kv[*n].value)
			return NULL;
		(*n)++;
	}
	for (size_t i = 0; i < own->n_params; i++) {
		int dup = 0;
		for (size_t j = 0; j < e->n_params; j++)
			dup |= !strcmp(own->params[i].key, e->params[j].key);
		if (!dup)
			kv[(*n)++] = own->params[i];
	}
	if (extra) {
		size_t j = 0;
		while (j < *n && strcmp(kv[j].key, "command"))
			j++;
		kv[j].key = "command"; /* a line's own "command" gives way */
		kv[j].value = extra;
		if (j == *n)
			(*n)++;
	}
	qsort(kv, *n, sizeof *kv, bt__proto_kv_cmp);
	return kv;
}

/* 1 when a result of run other than skip has the identity (name, variant
 * "default", params, version 1). */
static int taken(const struct bt_run *run, size_t skip, const char *name,
		 const struct bt_kv *kv, size_t n)
{
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if (i != skip && r->name && !strcmp(r->name, name) &&
		    r->variant && !strcmp(r->variant, "default") && r->version == 1 &&
		    same_params(r->params, r->n_params, kv, n))
			return 1;
	}
	return 0;
}

static void merge_status(struct target *t, const struct entity *e)
{
	if (e->status != BT_STATUS_OK &&
	    (t->status == BT_STATUS_OK ||
	     (t->status == BT_STATUS_SKIPPED && e->status == BT_STATUS_FAILED))) {
		t->status = e->status;
		t->message = e->message;
	}
	if (e->val.checked) {
		struct bt_validation *v = &t->val;
		if (!v->checked) {
			*v = e->val;
		} else {
			v->max_abs_err = bt__proto_fold(v->max_abs_err, e->val.max_abs_err, 0);
			v->max_rel_err = bt__proto_fold(v->max_rel_err, e->val.max_rel_err, 0);
			v->tolerance = bt__proto_fold(v->tolerance, e->val.tolerance, 1);
			v->passed = v->passed && e->val.passed;
		}
	}
	t->bad += e->bad;
}

/* The metrics of target ti (series of the entities mapped to it, pooled by
 * name in first-seen order) appended to result r (an index of run). */
static int put_metrics(struct bt__proto *p, struct bt_run *run, size_t r,
		       const size_t *tgt, size_t ti, int is_own,
		       struct bt_strbuf *err)
{
	size_t want = 0;
	for (size_t i = 0; i < p->n_ser; i++)
		want += tgt[p->ser[i].entity] == ti;
	if (!want)
		return 0;
	struct bt_result *res = &run->results[r];
	struct bt_metric *m = bt_run_alloc(run, (res->n_metrics + want) * sizeof *m);
	size_t *done = calloc(p->n_ser, sizeof *done);
	double *buf = NULL;
	size_t n = res->n_metrics, a_buf = 0;
	int rc = BT_ENOMEM;
	if (!m || !done)
		goto out;
	if (n)
		memcpy(m, res->metrics, n * sizeof *m);
	/* a protocol "time" goes first in a result of its own, as the
	 * reader puts it */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n_ser; i++) {
			const struct series *s = &p->ser[i];
			if (tgt[s->entity] != ti || done[i] ||
			    (!is_own && !pass && strcmp(s->metric, "time")) || (is_own && !pass))
				continue;
			size_t k = 0;
			for (size_t j = i; j < p->n_ser; j++) {
				const struct series *o = &p->ser[j];
				if (tgt[o->entity] != ti || done[j] || strcmp(o->metric, s->metric))
					continue;
				done[j] = 1;
				if (bt__vec_reserve((void **)&buf, &a_buf, k + o->n, sizeof *buf))
					goto out;
				memcpy(buf + k, o->v, o->n * sizeof *buf);
				k += o->n;
			}
			struct bt_metric *x = &m[n];
			memset(x, 0, sizeof *x);
			x->name = bt_run_strdup(run, s->metric);
			/* in the own result, a name it has (time, user_time, ...)
			 * stays the command's: the protocol's is "reported_NAME" */
			while (is_own && x->name && bt_result_metric(&(struct bt_result){
				       .metrics = m, .n_metrics = n }, x->name))
				x->name = bt_run_printf(run, "reported_%s", x->name);
			x->unit = bt_run_strdup(run, s->unit);
			x->direction = s->dir;
			x->samples = bt_run_alloc(run, (k ? k : 1) * sizeof *x->samples);
			if (!x->name || !x->unit || !x->samples)
				goto out;
			memcpy(x->samples, buf, k * sizeof *buf);
			x->n_samples = k;
			if ((rc = bt_stats_summarize(x->samples, k, &x->stats)))
				goto out;
			rc = BT_ENOMEM;
			n++;
		}
	res->metrics = m;
	res->n_metrics = n;
	rc = 0;
out:
	free(done);
	free(buf);
	if (rc)
		bt_error(err, rc, "metric protocol: out of memory");
	return rc;
}

/* Sets the status, validation and bad-line counter of target t on result r. */
static int put_rest(struct bt_run *run, struct bt_result *r, const struct target *t)
{
	if (t->status != BT_STATUS_OK && r->status == BT_STATUS_OK) {
		r->status = t->status;
		r->message = t->message ? bt_run_strdup(run, t->message)
			   : bt_run_strdup(run, t->status == BT_STATUS_SKIPPED
						? "skipped by the command"
						: "failed, said the command");
		if (!r->message)
			return BT_ENOMEM;
	}
	if (t->val.checked) {
		r->validation = t->val;
		if (!t->val.passed && r->status == BT_STATUS_OK) {
			r->status = BT_STATUS_FAILED;
			r->message = isnan(t->val.max_rel_err)
				? bt_run_strdup(run, "validation failed (said the command)")
				: bt_run_printf(run, "validation failed: max relative error %.3g "
						"(said the command)", t->val.max_rel_err);
			if (!r->message)
				return BT_ENOMEM;
		}
	}
	if (t->bad) {
		struct bt_counter *c = NULL;
		for (size_t i = 0; i < r->n_counters; i++)
			if (!strcmp(r->counters[i].name, "protocol_bad_lines"))
				c = &r->counters[i];
		if (!c) {
			struct bt_counter *a = bt_run_alloc(run, (r->n_counters + 1) * sizeof *a);
			if (!a)
				return BT_ENOMEM;
			if (r->n_counters)
				memcpy(a, r->counters, r->n_counters * sizeof *a);
			c = &a[r->n_counters];
			if (!(c->name = bt_run_strdup(run, "protocol_bad_lines")))
				return BT_ENOMEM;
			r->counters = a;
			r->n_counters++;
		}
		c->value += (double)t->bad;
	}
	return 0;
}

int bt__proto_emit(struct bt__proto *p, struct bt_run *run, size_t own,
		   struct bt_strbuf *err)
{
	if (!p || !run || own >= run->n_results)
		return bt_error(err, BT_EINVAL, "metric protocol: no such result");
	struct target *t = calloc(p->n_ent + 1, sizeof *t);
	size_t *tgt = calloc(p->n_ent, sizeof *tgt), nt = 1;
	int rc = BT_ENOMEM;
	if (!t || !tgt)
		goto out;
	const struct bt_result *o = &run->results[own];
	const char *own_name = o->name ? o->name : "";
	t[0].name = own_name;
	t[0].result = own;
	t[0].made = 1;
	/* every entity with something valid to a target: the own, or one
	 * made here by name and merged params */
	for (size_t i = 1; i < p->n_ent; i++) {
		const struct entity *e = &p->ent[i];
		o = &run->results[own];
		tgt[i] = (size_t)-1;
		if (!e->seen)
			continue;
		const char *name = e->name ? e->name : own_name;
		size_t n = 0;
		struct bt_kv *kv = merge_params(run, o, e, NULL, &n);
		if (!kv)
			goto out;
		if (!strcmp(name, own_name) && same_params(kv, n, o->params, o->n_params)) {
			tgt[i] = 0;
			continue;
		}
		for (size_t k = 1; k < nt && tgt[i] == (size_t)-1; k++)
			if (!strcmp(t[k].name, name) &&
			    same_params(t[k].params, t[k].n_params, kv, n))
				tgt[i] = k;
		if (tgt[i] != (size_t)-1)
			continue;
		/* another command's result (or an earlier one's report) with
		 * that identity: this command's is told apart by a param
		 * "command", its name; the -L/-P expansions of one command share
		 * that name, so when it is still taken the value also has the
		 * own params ("s.sh {impl} (impl=b)"), then a number */
		if (taken(run, own, name, kv, n)) {
			if (!(kv = merge_params(run, o, e, own_name, &n)))
				goto out;
			const char *tag = own_name;
			for (int k = 1; taken(run, own, name, kv, n); k++) {
				if (k == 1) {
					struct bt_strbuf b = BT_STRBUF_INIT;
					int bad = bt_strbuf_addf(&b, "%s (", own_name) != 0;
					for (size_t j = 0; j < o->n_params; j++)
						bad |= bt_strbuf_addf(&b, "%s%s=%s", j ? ", " : "",
									o->params[j].key,
									o->params[j].value ? o->params[j].value
											   : "") != 0;
					bad |= bt_strbuf_adds(&b, ")") != 0;
					tag = bad ? NULL : bt_run_strdup(run, bt_strbuf_str(&b));
					bt_strbuf_release(&b);
				} else {
					tag = bt_run_printf(run, "%s #%d", tag, k);
				}
				if (!tag || !(kv = merge_params(run, o, e, tag, &n)))
					goto out;
			}
		}
		if (!(t[nt].name = bt_run_strdup(run, name)))
			goto out;
		t[nt].params = kv;
		t[nt].n_params = n;
		tgt[i] = nt++;
	}
	/* malformed lines only: to the first target of that name, else the
	 * own result */
	for (size_t i = 1; i < p->n_ent; i++) {
		const struct entity *e = &p->ent[i];
		if (e->seen)
			continue;
		tgt[i] = 0;
		for (size_t k = 1; k < nt && e->name; k++)
			if (!strcmp(t[k].name, e->name)) {
				tgt[i] = k;
				break;
			}
	}
	for (size_t i = 0; i < p->n_ent; i++)
		merge_status(&t[tgt[i]], &p->ent[i]);
	for (size_t k = 0; k < nt; k++) {
		if (!t[k].made) {
			const struct bt_result *src = &run->results[own];
			const char *group = src->group, *type = src->type;
			struct bt_result *r = bt_run_add_result(run);
			if (!r)
				goto out;
			r->name = t[k].name;
			r->group = group;
			r->type = type;
			r->variant = bt_run_strdup(run, "default");
			r->params = t[k].params;
			r->n_params = t[k].n_params;
			if (!r->variant)
				goto out;
			t[k].result = run->n_results - 1;
			t[k].made = 1;
		}
		if ((rc = put_metrics(p, run, t[k].result, tgt, k, k == 0, err)))
			goto out;
		rc = BT_ENOMEM;
		if (put_rest(run, &run->results[t[k].result], &t[k]))
			goto out;
	}
	rc = 0;
out:
	free(t);
	free(tgt);
	if (rc == BT_ENOMEM && (!err || !err->len))
		bt_error(err, rc, "metric protocol: out of memory");
	return rc;
}
