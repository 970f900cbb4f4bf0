/* --find-limit AXIS: for each benchmark, variant and combination of its
 * other parameters, the integer axis doubled from its smallest planned
 * value until a case does not pass (out of memory under --memory-limit,
 * past --timeout, validation or any other failure); every step is a
 * result of the run. The front reports the largest value that passed
 * and why the next stopped (bt_find_limit_summary). */
#include <stdlib.h>
#include <string.h>

#include "dist.h"

#define MAX_DOUBLINGS 48

/* Index of the axis in c, -1 when c has none. */
static int axis_of(const struct bt_case *c, const char *axis)
{
	for (size_t i = 0; i < c->n_params; i++)
		if (strcmp(c->params[i].key, axis) == 0)
			return (int)i;
	return -1;
}

/* 1 when a and b differ at most in the axis k. */
static int same_group(const struct bt_case *a, const struct bt_case *b, int k)
{
	if (a->def != b->def || strcmp(a->variant, b->variant) != 0 ||
	    a->n_params != b->n_params)
		return 0;
	for (size_t i = 0; i < a->n_params; i++)
		if ((int)i != k && strcmp(a->params[i].value, b->params[i].value) != 0)
			return 0;
	return 1;
}

/* The case id of c (as bt_plan_build makes them), in run's arena. */
static const char *case_id(struct bt_run *run, const struct bt_case *c)
{
	struct bt_strbuf id = BT_STRBUF_INIT;
	bt_strbuf_adds(&id, c->name);
	for (size_t i = 0; i < c->n_params; i++)
		bt_strbuf_addf(&id, "/%s=%s", c->params[i].key, c->params[i].value);
	if (strcmp(c->variant, "default") != 0)
		bt_strbuf_addf(&id, ":%s", c->variant);
	const char *s = bt_run_strdup(run, bt_strbuf_str(&id));
	bt_strbuf_release(&id);
	return s;
}

int bt__find_limit(const struct bt_plan *plan, const struct bt_config *cfg,
		   struct bt_run *run, bt_progress_fn progress, void *ud,
		   struct bt_strbuf *err)
{
	const char *axis = cfg->find_limit;
	unsigned char *done = calloc(plan->n_cases + 1, 1);
	if (!done)
		return BT_ENOMEM;
	size_t step = 0;
	int rc = 0;
	for (size_t i = 0; i < plan->n_cases && !rc; i++) {
		const struct bt_case *c = &plan->cases[i];
		int k = axis_of(c, axis);
		int64_t v0, x;
		if (done[i] || k < 0 ||
		    bt_param_parse_int(c->params[k].value, &v0) != 0 || v0 < 1)
			continue;
		/* the group's smallest planned value is where doubling starts */
		for (size_t j = i; j < plan->n_cases; j++)
			if (!done[j] && same_group(c, &plan->cases[j], k)) {
				done[j] = 1;
				if (bt_param_parse_int(plan->cases[j].params[k].value, &x) == 0 &&
				    x >= 1 && x < v0)
					v0 = x;
			}
		struct bt_case cc = *c;
		struct bt_kv *kv = bt_run_alloc(run, (c->n_params + 1) * sizeof *kv);
		if (!kv) {
			rc = BT_ENOMEM;
			break;
		}
		memcpy(kv, c->params, c->n_params * sizeof *kv);
		cc.params = kv;
		for (int d = 0; d <= MAX_DOUBLINGS && !rc; d++, v0 *= 2) {
			kv[k].value = bt_run_printf(run, "%lld", (long long)v0);
			cc.id = kv[k].value ? case_id(run, &cc) : NULL;
			struct bt_result *r = cc.id ? bt_run_add_result(run) : NULL;
			if (!r) {
				rc = BT_ENOMEM;
				break;
			}
			if (progress)
				progress(ud, step, step + 1, &cc, NULL);
			if ((rc = bt__run_case(&cc, cfg, run, r, err)))
				break;
			char key[17];
			const char *metric = r->n_metrics ? r->metrics[0].name : "time";
			bt_series_key(run->suite, r, run->machine.fingerprint, metric, key);
			r->series_key = bt_run_strdup(run, key);
			if (progress)
				progress(ud, step, step + 1, &cc, r);
			step++;
			if (r->status != BT_STATUS_OK || v0 > INT64_MAX / 2)
				break;
		}
	}
	free(done);
	return rc;
}
