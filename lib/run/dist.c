/* Distributed cases: the world this process is in, bt_rank and friends,
 * the in-step sampling protocol and what rank 0 gathers at the end of a
 * case. The MPI calls are behind bt__dist (lib/mpi/mpi.c registers them),
 * so nothing here needs MPI. */
#include <stdio.h>
#include <string.h>

#include "dist.h"

const struct bt__dist_ops *bt__dist;
int bt__dist_rank, bt__dist_size;

static void *case_comm; /* the running case's communicator, NULL none */

int bt__case_distributed(const struct bt_case *c)
{
	return c->def->ranks != NULL;
}

int bt__case_ranks(const struct bt_case *c)
{
	for (size_t i = 0; i < c->n_params; i++)
		if (strcmp(c->params[i].key, "ranks") == 0) {
			int64_t v;
			if (bt_param_parse_int(c->params[i].value, &v) == 0 &&
			    v > 0 && v < 1 << 20)
				return (int)v;
		}
	return 1;
}

int bt__dist_begin(const struct bt_case *c)
{
	case_comm = NULL;
	if (!bt__dist || bt__dist_size <= 0 || !bt__case_distributed(c))
		return 0;
	case_comm = bt__dist->case_begin();
	return case_comm != NULL;
}

int bt__dist_active(void)
{
	return case_comm != NULL;
}

int bt_rank(bt_state *s)
{
	(void)s;
	return case_comm ? bt__dist_rank : 0;
}

int bt_world_size(bt_state *s)
{
	(void)s;
	return case_comm ? bt__dist_size : 1;
}

void *bt_mpi_comm(bt_state *s)
{
	(void)s;
	return case_comm;
}

/* A rank whose control collective fails cannot stay in step: the world
 * ends (the launcher marks the case crashed). */
static void allreduce(double *v, int n)
{
	if (bt__dist->allreduce_max(v, n) != 0)
		bt__dist->abort(70);
}

void bt__dist_step(uint64_t *elapsed_ns, int failed, int *stop)
{
	double v[3] = { (double)*elapsed_ns, failed ? 1 : 0, 1 };
	allreduce(v, 3);
	*elapsed_ns = (uint64_t)v[0];
	*stop = v[1] > 0;
}

void bt__dist_drain(void)
{
	for (;;) {
		double v[3] = { 0, 1, 0 };
		allreduce(v, 3);
		if (v[2] == 0)
			return;
	}
}

/* Adds counter name = value to r (the array is copied one larger). */
static int add_counter(struct bt_run *run, struct bt_result *r,
		       const char *name, double value)
{
	struct bt_counter *c = bt_run_alloc(run, (r->n_counters + 2) * sizeof *c);
	if (!c)
		return BT_ENOMEM;
	if (r->n_counters)
		memcpy(c, r->counters, r->n_counters * sizeof *c);
	c[r->n_counters].name = bt_run_strdup(run, name);
	c[r->n_counters].value = value;
	if (!c[r->n_counters].name)
		return BT_ENOMEM;
	r->counters = c;
	r->n_counters++;
	return 0;
}

int bt__dist_end(struct bt_run *run, struct bt_result *r, int64_t peak_rss)
{
	if (!case_comm)
		return 0;
	struct bt__dist_report me, all[256];
	memset(&me, 0, sizeof me);
	me.status = (int32_t)r->status;
	me.val_checked = r->validation.checked;
	me.val_passed = r->validation.passed;
	me.peak_rss = peak_rss;
	me.max_abs_err = r->validation.max_abs_err;
	me.max_rel_err = r->validation.max_rel_err;
	me.tolerance = r->validation.tolerance;
	if (r->message)
		snprintf(me.message, sizeof me.message, "%s", r->message);
	int n = bt__dist_size < 256 ? bt__dist_size : 256;
	int grc = n == bt__dist_size ? bt__dist->gather(&me, sizeof me, all) : -1;
	bt__dist->case_end(case_comm);
	case_comm = NULL;
	if (bt__dist_rank != 0)
		return 0;
	if (grc != 0) {
		r->status = BT_STATUS_FAILED;
		r->message = bt_run_strdup(run, "gathering the ranks' results failed");
		return 0;
	}
	int64_t peak = -1;
	struct bt_validation *v = &r->validation;
	for (int k = 0; k < n; k++) {
		const struct bt__dist_report *p = &all[k];
		if (k > 0 && r->status == BT_STATUS_OK && p->status != BT_STATUS_OK) {
			r->status = (enum bt_status)p->status;
			r->message = bt_run_printf(run, "rank %d: %s", k,
						   p->message[0] ? p->message : "failed");
		}
		if (k > 0 && p->val_checked) {
			if (!v->checked) {
				v->checked = 1;
				v->passed = 1;
				v->tolerance = p->tolerance;
			}
			v->passed = v->passed && p->val_passed;
			if (p->max_abs_err > v->max_abs_err)
				v->max_abs_err = p->max_abs_err;
			if (p->max_rel_err > v->max_rel_err)
				v->max_rel_err = p->max_rel_err;
			if (p->tolerance < v->tolerance)
				v->tolerance = p->tolerance;
		}
		if (p->peak_rss > peak)
			peak = p->peak_rss;
		char name[48];
		snprintf(name, sizeof name, "peak_memory_rank%d", k);
		if (p->peak_rss >= 0 && add_counter(run, r, name, (double)p->peak_rss))
			return BT_ENOMEM;
	}
	if (r->status == BT_STATUS_OK && v->checked && !v->passed) {
		r->status = BT_STATUS_FAILED;
		r->message = bt_run_printf(run, "validation failed on a rank: max "
					   "relative error %.3g > tolerance %.3g",
					   v->max_rel_err, v->tolerance);
	}
	if (add_counter(run, r, "ranks", n) ||
	    add_counter(run, r, "peak_memory_max", (double)peak))
		return BT_ENOMEM;
	r->peak_memory_bytes = peak;
	return 0;
}
