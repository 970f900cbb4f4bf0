/* hyperfine's JSON (--export-json) as a run (bt__import_hyperfine,
 * bt__sniff_hyperfine; lib/import/import.h).
 *
 *   {"results": [{"command", "mean", "stddev", "median", "user",
 *     "system", "min", "max", "times": [s, ...], "exit_codes": [...],
 *     "parameters": {NAME: VALUE}, "memory_usage_byte": [...]}]}
 *
 * One result per command, named by the command as run (parameters
 * substituted) with the parameters as params; "times" are the samples of
 * "time" (seconds, one per run). The source's mean, stddev, median, min
 * and max are kept as counters "time.source_STAT", user and system (the
 * mean CPU seconds of a run) as "user.source_mean" and
 * "system.source_mean". Runs that exited non-zero (kept by hyperfine's
 * -i) are counted in the counter "exit_code_nonzero" and, when every
 * run has a status, are the metric "exit_code" (as exec -i records them);
 * the result stays ok.
 * "memory_usage_byte" (newer hyperfine) gives the peak memory. A command
 * that appears twice with the same parameters gets " (2)", " (3)", ...
 * appended. The file says nothing of machine, commit or time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/import.h"
#include "import.h"
#include "internal.h"

int bt__sniff_hyperfine(const json_t *root)
{
	const json_t *res = json_object_get(root, "results");
	const json_t *r0 = json_array_get(res, 0);
	return json_is_object(root) && json_is_object(r0) &&
	       json_is_string(json_object_get(r0, "command")) &&
	       (json_object_get(r0, "times") || json_object_get(r0, "mean"));
}

static int schema(struct bt_strbuf *err, const char *label, size_t i, const char *field,
		  const char *what)
{
	return bt_error(err, BT_ESCHEMA, "%s: results[%zu]%s%s: %s", label, i, field ? "." : "",
			field ? field : "", what);
}

static int one(struct bt_run *run, const json_t *o, size_t i, const char *label,
	       struct bt_strbuf *err)
{
	if (!json_is_object(o))
		return schema(err, label, i, NULL, "expected an object");
	const char *cmd = json_string_value(json_object_get(o, "command"));
	if (!cmd)
		return schema(err, label, i, "command", "expected a string");
	const json_t *times = json_object_get(o, "times");
	if (times && !json_is_array(times))
		return schema(err, label, i, "times", "expected an array of numbers");
	size_t n = json_array_size(times);
	double *x = malloc((n ? n : 1) * sizeof *x);
	if (!x)
		return BT_ENOMEM;
	int rc = 0;
	for (size_t k = 0; k < n; k++) {
		if (!bt__imp_num(json_array_get(times, k), &x[k]) || !isfinite(x[k]) || x[k] < 0) {
			bt_error(err, BT_ESCHEMA, "%s: results[%zu].times[%zu]: expected a number >= 0",
				 label, i, k);
			free(x);
			return BT_ESCHEMA;
		}
	}
	/* the source's statistics: checked, kept as counters */
	static const char *const stats[] = { "mean", "stddev", "median", "min", "max", NULL };
	double sv[5];
	int have[5];
	int bad_stat = bt__imp_source_stats(o, stats, sv, have);
	if (bad_stat >= 0) {
		free(x);
		return schema(err, label, i, stats[bad_stat], "expected a number");
	}
	if (n == 0 && !have[0] && !have[2]) {
		free(x);
		return schema(err, label, i, "times", "expected an array of numbers");
	}
	if (n == 0) { /* no raw times: one sample, the median (else the mean) */
		x[0] = have[2] ? sv[2] : sv[0];
		n = 1;
	}
	const json_t *par = json_object_get(o, "parameters");
	if (par && !json_is_object(par) && !json_is_null(par)) {
		free(x);
		return schema(err, label, i, "parameters", "expected an object");
	}
	struct bt_result *r = bt_run_add_result(run);
	if (!r) {
		free(x);
		return BT_ENOMEM;
	}
	r->variant = bt_run_strdup(run, "default");
	if (!r->variant || bt__imp_set_params(run, r, par))
		goto oom;
	r->name = bt_run_strdup(run, cmd);
	for (int k = 2; r->name && bt__imp_identity_taken(run, run->n_results - 1, r); k++)
		r->name = bt_run_printf(run, "%s (%d)", cmd, k);
	if (!r->name)
		goto oom;
	if ((rc = bt__imp_add_time(run, r, x, n, stats, sv, have)))
		goto out;
	static const char *const cpu[] = { "user", "system", NULL };
	for (int k = 0; cpu[k]; k++) {
		double c;
		const json_t *cv = json_object_get(o, cpu[k]);
		if (!cv)
			continue;
		if (!bt__imp_num(cv, &c)) {
			rc = schema(err, label, i, cpu[k], "expected a number");
			goto out;
		}
		char name[32];
		snprintf(name, sizeof name, "%s.source_mean", cpu[k]);
		if ((rc = bt__imp_add_counter(run, r, name, c)))
			goto out;
	}
	const json_t *ec = json_object_get(o, "exit_codes");
	if (ec && !json_is_array(ec)) {
		rc = schema(err, label, i, "exit_codes", "expected an array");
		goto out;
	}
	size_t bad = 0;
	for (size_t k = 0; k < json_array_size(ec); k++) {
		const json_t *c = json_array_get(ec, k);
		bad += !json_is_integer(c) || json_integer_value(c) != 0;
	}
	/* as exec -i records them: the count, and each run's status when
	 * every run has one (hyperfine writes null for a run a signal ended) */
	if (bad && (rc = bt__imp_add_counter(run, r, "exit_code_nonzero", (double)bad)))
		goto out;
	if (bad && json_array_size(ec) == n) {
		size_t k = 0;
		while (k < n && json_is_integer(json_array_get(ec, k)))
			k++;
		if (k == n) {
			for (k = 0; k < n; k++)
				x[k] = (double)json_integer_value(json_array_get(ec, k));
			if ((rc = bt__imp_add_metric(run, r, "exit_code", "", BT_LOWER_IS_BETTER,
						     x, n)))
				goto out;
		}
	}
	const json_t *mem = json_object_get(o, "memory_usage_byte");
	for (size_t k = 0; k < json_array_size(mem); k++) {
		double b;
		if (bt__imp_num(json_array_get(mem, k), &b) && b > r->peak_memory_bytes &&
		    b < 9e18)
			r->peak_memory_bytes = (int64_t)b;
	}
	free(x);
	return 0;
oom:
	rc = BT_ENOMEM;
out:
	free(x);
	return rc;
}

int bt__import_hyperfine(struct bt_run *run, const json_t *root, const char *label,
			 struct bt_import_info *info, struct bt_strbuf *err)
{
	(void)info;
	const json_t *res = json_object_get(root, "results");
	if (!json_is_array(res))
		return bt_error(err, BT_ESCHEMA, "%s: results: expected an array", label);
	for (size_t i = 0; i < json_array_size(res); i++) {
		int rc = one(run, json_array_get(res, i), i, label, err);
		if (rc)
			return rc;
	}
	return 0;
}
