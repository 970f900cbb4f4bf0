/* Google Benchmark's JSON (--benchmark_format=json, --benchmark_out) as a
 * run (bt__import_gbench, bt__sniff_gbench; lib/import/import.h).
 *
 *   {"context": {"date", "host_name", "num_cpus", "mhz_per_cpu",
 *                "caches": [{"type", "level", "size"}], ...},
 *    "benchmarks": [{"name", "run_name", "run_type": "iteration" |
 *        "aggregate", "aggregate_name", "aggregate_unit", "iterations",
 *        "real_time", "cpu_time", "time_unit", "error_occurred",
 *        "error_message", "items_per_second", "bytes_per_second",
 *        USER_COUNTER: number, ...}]}
 *
 * Rows of one run_name (the repetitions of --benchmark_repetitions) are
 * one result; each "iteration" row is one sample: its real_time, a time
 * per iteration in time_unit, in seconds ("time"), and its cpu_time (the
 * metric "cpu_time"). Aggregate rows (mean, median, stddev, cv, ...) are
 * never samples: they are kept as counters "time.source_NAME" and
 * "cpu_time.source_NAME" (seconds; cv as the fraction it is). A result
 * with aggregates only (--benchmark_report_aggregates_only) gets one
 * sample, the median aggregate (else the mean), and the note says so.
 * items_per_second and bytes_per_second become the throughput (items or
 * bytes per iteration at the median time); user counters become counters
 * (their mean over the repetitions); error_occurred marks the result
 * failed with error_message, and rows with "skipped" (SkipWithMessage,
 * since the library's 1.8) are not samples: with no other rows the result
 * is skipped with skip_message.
 *
 * Names: "BM_x/128/threads:8" is the result "BM_x" with params arg0=128,
 * threads=8: read from the end, an integer component is argN (N counting
 * them from the left), a "key:value" component the param key, and the
 * time flags real_time, manual_time, process_time the param time_type;
 * the first component that reads otherwise ends the params, and it and
 * those before it are the name ("custom/name/3" is "custom/name" with
 * arg0=3). A name with an empty component or a key twice stays whole,
 * without params. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/import.h"
#include "import.h"
#include "internal.h"

int bt__sniff_gbench(const json_t *root)
{
	return json_is_object(root) && json_is_object(json_object_get(root, "context")) &&
	       json_is_array(json_object_get(root, "benchmarks"));
}

/* Seconds per time_unit u; 0 for an unknown unit. */
static double unit_scale(const char *u)
{
	if (!strcmp(u, "ns"))
		return 1e-9;
	if (!strcmp(u, "us"))
		return 1e-6;
	if (!strcmp(u, "ms"))
		return 1e-3;
	if (!strcmp(u, "s"))
		return 1;
	return 0;
}

/* Members of a row that are not user counters. */
static const char *const known[] = { "name", "family_index", "per_family_instance_index",
	"run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
	"real_time", "cpu_time", "time_unit", "error_occurred", "error_message",
	"aggregate_name", "aggregate_unit", "label", "items_per_second", "bytes_per_second",
	"big_o", "cpu_coefficient", "real_coefficient", "rms", "complexity_n", "skipped",
	"skip_message", "manual_time", NULL };

/* One result being gathered: the rows of one run_name. */
struct group {
	const char *run_name;
	size_t *rows;          /* indices into benchmarks[] */
	size_t n_rows, a_rows;
};

struct gb {
	struct bt_run *run;
	const char *label;
	struct bt_strbuf *err;
	const json_t *bm;
	struct group *g;
	size_t n_g, a_g;
	size_t n_agg_only, n_ignored;
};

static int schema(struct gb *s, size_t i, const char *field, const char *what)
{
	return bt_error(s->err, BT_ESCHEMA, "%s: benchmarks[%zu]%s%s: %s", s->label, i,
			field ? "." : "", field ? field : "", what);
}

/* A number member key of row i into *x (finite); absent: 0 with *x
 * unchanged when optional, else an error. */
static int num(struct gb *s, size_t i, const json_t *row, const char *key, int optional,
	       double *x)
{
	const json_t *v = json_object_get(row, key);
	if (!v && optional)
		return 0;
	if (!bt__imp_num(v, x))
		return schema(s, i, key, "expected a number");
	if (!isfinite(*x) || *x < 0)
		return schema(s, i, key, "expected a finite number >= 0");
	return 0;
}

/* Seconds per unit of row i's times. */
static int row_scale(struct gb *s, size_t i, const json_t *row, double *scale)
{
	const json_t *u = json_object_get(row, "time_unit");
	if (!u) {
		*scale = 1e-9; /* the library's default */
		return 0;
	}
	if (!json_is_string(u) || !(*scale = unit_scale(json_string_value(u))))
		return schema(s, i, "time_unit", "expected \"ns\", \"us\", \"ms\" or \"s\"");
	return 0;
}

static int is_aggregate(const json_t *row)
{
	const char *t = json_string_value(json_object_get(row, "run_type"));
	return t ? !strcmp(t, "aggregate") : json_object_get(row, "aggregate_name") != NULL;
}

/* Checks row i and files it under its run_name. */
static int add_row(struct gb *s, json_t *index, size_t i)
{
	const json_t *row = json_array_get(s->bm, i);
	if (!json_is_object(row))
		return schema(s, i, NULL, "expected an object");
	const json_t *name = json_object_get(row, "name");
	if (!json_is_string(name))
		return schema(s, i, "name", "expected a string");
	const json_t *rn = json_object_get(row, "run_name");
	if (rn && !json_is_string(rn))
		return schema(s, i, "run_name", "expected a string");
	const json_t *rt = json_object_get(row, "run_type");
	if (rt && (!json_is_string(rt) || (strcmp(json_string_value(rt), "iteration") &&
					   strcmp(json_string_value(rt), "aggregate"))))
		return schema(s, i, "run_type", "expected \"iteration\" or \"aggregate\"");
	const json_t *eo = json_object_get(row, "error_occurred");
	if (eo && !json_is_boolean(eo))
		return schema(s, i, "error_occurred", "expected true or false");
	const json_t *em = json_object_get(row, "error_message");
	if (em && !json_is_string(em))
		return schema(s, i, "error_message", "expected a string");
	double scale, x;
	int rc = row_scale(s, i, row, &scale);
	if (rc)
		return rc;
	int agg = is_aggregate(row);
	if (agg) {
		if (!json_is_string(json_object_get(row, "aggregate_name")))
			return schema(s, i, "aggregate_name", "expected a string");
		if (!json_object_get(row, "real_time")) {
			s->n_ignored++; /* BigO, RMS: no time of their own */
			return 0;
		}
	}
	if (!json_is_true(eo)) {
		if ((rc = num(s, i, row, "real_time", 0, &x)) ||
		    (rc = num(s, i, row, "cpu_time", 1, &x)) ||
		    (rc = num(s, i, row, "iterations", 1, &x)))
			return rc;
	}
	const char *key = json_string_value(rn ? rn : name);
	const json_t *gi = json_object_get(index, key);
	size_t g;
	if (gi) {
		g = (size_t)json_integer_value(gi);
	} else {
		if (bt__vec_reserve((void **)&s->g, &s->a_g, s->n_g + 1, sizeof *s->g))
			return BT_ENOMEM;
		g = s->n_g++;
		memset(&s->g[g], 0, sizeof s->g[g]);
		s->g[g].run_name = key;
		if (json_object_set_new(index, key, json_integer((json_int_t)g)))
			return BT_ENOMEM;
	}
	struct group *gr = &s->g[g];
	if (bt__vec_reserve((void **)&gr->rows, &gr->a_rows, gr->n_rows + 1, sizeof *gr->rows))
		return BT_ENOMEM;
	gr->rows[gr->n_rows++] = i;
	return 0;
}

/* 1 when the n bytes at b are an integer ("512", "-3"): the library's
 * arguments are int64. */
static int is_int(const char *b, size_t n)
{
	size_t k = n && b[0] == '-';
	return k < n && strspn(b + k, "0123456789") >= n - k;
}

/* The result's name and params from the run name rn: the components after
 * the function name, read from the end while they are integers (argN),
 * "key:value", or the library's time flags real_time, manual_time,
 * process_time (param time_type); the function name is the rest, which may
 * have '/' itself ("custom/name/3": "custom/name", arg0=3). */
static int set_name(struct bt_run *run, struct bt_result *r, const char *rn)
{
	struct bt_kv kv[33];
	size_t n = 0, bare = 0, n_comp = 0;
	const char *comp[33];
	size_t clen[33];
	int whole = 0;
	/* the trailing components that read as params, last first */
	for (const char *e = rn + strlen(rn); !whole;) {
		const char *b = e;
		while (b > rn && b[-1] != '/')
			b--;
		if (b == rn)
			break; /* the first component is the function's */
		size_t len = (size_t)(e - b);
		const char *colon = memchr(b, ':', len);
		int flag = (len == 9 && !memcmp(b, "real_time", 9)) ||
			   (len == 11 && !memcmp(b, "manual_time", 11)) ||
			   (len == 12 && !memcmp(b, "process_time", 12));
		if (len == 0)
			whole = 1;
		else if (!flag && !is_int(b, len) &&
			 (!colon || colon == b || colon == b + len - 1))
			break;
		else if (n_comp == 32)
			whole = 1;
		else {
			comp[n_comp] = b;
			clen[n_comp++] = len;
		}
		e = b - 1;
	}
	const char *slash = n_comp ? comp[n_comp - 1] - 1 : NULL;
	const char *time_type = NULL;
	for (size_t c = n_comp; !whole && c-- > 0;) {
		const char *b = comp[c];
		size_t len = clen[c];
		const char *colon = memchr(b, ':', len);
		if (!colon && !is_int(b, len)) {
			/* a time flag: "process_time/real_time" is one value */
			time_type = time_type ? bt_run_printf(run, "%s/%.*s", time_type, (int)len, b)
					      : bt__arena_strndup(run->arena, b, len);
			if (!time_type)
				return BT_ENOMEM;
			continue;
		}
		if (colon) {
			kv[n].key = bt__arena_strndup(run->arena, b, (size_t)(colon - b));
			kv[n].value =
				bt__arena_strndup(run->arena, colon + 1, len - (size_t)(colon - b) - 1);
		} else {
			kv[n].key = bt_run_printf(run, "arg%zu", bare++);
			kv[n].value = bt__arena_strndup(run->arena, b, len);
		}
		if (!kv[n].key || !kv[n].value)
			return BT_ENOMEM;
		n++;
	}
	if (!whole && time_type) {
		kv[n].key = "time_type";
		kv[n++].value = time_type;
	}
	for (size_t i = 0; i < n && !whole; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(kv[j].key, kv[i].key))
				whole = 1;
	if (whole || !slash || slash == rn) {
		r->name = bt_run_strdup(run, rn);
		return r->name ? 0 : BT_ENOMEM;
	}
	r->name = bt__arena_strndup(run->arena, rn, (size_t)(slash - rn));
	r->params = bt_run_alloc(run, n * sizeof *r->params);
	if (!r->name || !r->params)
		return BT_ENOMEM;
	/* sorted by key (insertion sort: a handful) */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0 && strcmp(r->params[j - 1].key, kv[i].key) > 0) {
			r->params[j] = r->params[j - 1];
			j--;
		}
		r->params[j] = kv[i];
	}
	r->n_params = n;
	return 0;
}

/* What a row says besides its times: throughput (items and bytes per
 * iteration, summed with their count, from the rates at t seconds an
 * iteration) and user counters (summed in ucount as [sum, count]). */
struct extras {
	double items, bytes;
	size_t n_items, n_bytes;
	json_t *ucount;
};

static int row_extras(const json_t *row, double t, struct extras *e)
{
	double x;
	if (bt__imp_num(json_object_get(row, "items_per_second"), &x) && isfinite(x)) {
		e->items += x * t;
		e->n_items++;
	}
	if (bt__imp_num(json_object_get(row, "bytes_per_second"), &x) && isfinite(x)) {
		e->bytes += x * t;
		e->n_bytes++;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)row, key, v) {
		if (bt__imp_in_list(key, known) || !bt__imp_num(v, &x) || !isfinite(x))
			continue;
		json_t *cur = json_object_get(e->ucount, key);
		double sum = cur ? json_real_value(json_array_get(cur, 0)) : 0;
		double cnt = cur ? json_real_value(json_array_get(cur, 1)) : 0;
		if (json_object_set_new(e->ucount, key, json_pack("[ff]", sum + x, cnt + 1)))
			return BT_ENOMEM;
	}
	return 0;
}

/* One result from group gr. */
static int build(struct gb *s, const struct group *gr)
{
	struct bt_run *run = s->run;
	size_t n = gr->n_rows;
	double *real = calloc(n ? n : 1, sizeof *real), *cpu = calloc(n ? n : 1, sizeof *cpu);
	int rc = BT_ENOMEM;
	if (!real || !cpu)
		goto out;
	struct bt_result *r = bt_run_add_result(run);
	if (!r)
		goto out;
	r->variant = bt_run_strdup(run, "default");
	if (!r->variant || (rc = set_name(run, r, gr->run_name)))
		goto out;
	size_t nr = 0, nc = 0, n_err = 0, n_skip = 0;
	const char *skip_message = NULL;
	uint64_t iters = 0;
	const char *message = NULL;
	const json_t *median_agg = NULL, *mean_agg = NULL;
	/* user counters: sum, then the mean */
	struct extras ex = { 0, 0, 0, 0, json_object() };
	json_t *ucount = ex.ucount;
	if (!ucount) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		const json_t *row = json_array_get(s->bm, gr->rows[k]);
		double scale, x;
		row_scale(s, gr->rows[k], row, &scale);
		if (is_aggregate(row)) {
			const char *an = json_string_value(json_object_get(row, "aggregate_name"));
			const char *au = json_string_value(json_object_get(row, "aggregate_unit"));
			double f = au && !strcmp(au, "percentage") ? 1 : scale;
			if (!strcmp(an, "median"))
				median_agg = row;
			else if (!strcmp(an, "mean"))
				mean_agg = row;
			static const char *const tm[] = { "real_time", "time", "cpu_time",
				"cpu_time", NULL };
			for (int t = 0; tm[t]; t += 2) {
				if (!bt__imp_num(json_object_get(row, tm[t]), &x))
					continue;
				char key[160];
				snprintf(key, sizeof key, "%s.source_%s", tm[t + 1], an);
				if ((rc = bt__imp_add_counter(run, r, key, x * f)))
					goto out_u;
			}
			continue;
		}
		if (json_is_true(json_object_get(row, "error_occurred"))) {
			n_err++;
			message = json_string_value(json_object_get(row, "error_message"));
			continue;
		}
		/* SkipWithMessage (the library since 1.8): no time, not a sample */
		if (json_is_true(json_object_get(row, "skipped"))) {
			n_skip++;
			skip_message = json_string_value(json_object_get(row, "skip_message"));
			continue;
		}
		bt__imp_num(json_object_get(row, "real_time"), &x);
		real[nr++] = x * scale;
		if (bt__imp_num(json_object_get(row, "cpu_time"), &x))
			cpu[nc++] = x * scale;
		if (!iters && bt__imp_num(json_object_get(row, "iterations"), &x) &&
		    x >= 1 && x < 1.8e19)
			iters = (uint64_t)x;
		if ((rc = row_extras(row, real[nr - 1], &ex)))
			goto out_u;
		rc = BT_ENOMEM;
	}
	if (nr == 0 && n_err == 0 && n_skip == 0 && (median_agg || mean_agg)) {
		const json_t *a = median_agg ? median_agg : mean_agg;
		double scale, x;
		row_scale(s, 0, a, &scale);
		bt__imp_num(json_object_get(a, "real_time"), &x);
		real[nr++] = x * scale;
		if (bt__imp_num(json_object_get(a, "cpu_time"), &x))
			cpu[nc++] = x * scale;
		s->n_agg_only++;
		/* its rates and counters too (aggregates only: no other rows) */
		if ((rc = row_extras(a, real[0], &ex)))
			goto out_u;
		rc = BT_ENOMEM;
	}
	if ((rc = bt__imp_add_metric(run, r, "time", "s", BT_LOWER_IS_BETTER, real, nr)))
		goto out_u;
	if (nc && (rc = bt__imp_add_metric(run, r, "cpu_time", "s", BT_LOWER_IS_BETTER, cpu, nc)))
		goto out_u;
	r->iterations_per_sample = iters;
	const char *key;
	json_t *v;
	json_object_foreach(ucount, key, v) {
		double m = json_real_value(json_array_get(v, 0)) /
			   json_real_value(json_array_get(v, 1));
		if ((rc = bt__imp_add_counter(run, r, key, m)))
			goto out_u;
	}
	double med = r->metrics[0].stats.median; /* NaN without samples */
	if (ex.n_items && med > 0) {
		r->throughput.items_per_op = ex.items / (double)ex.n_items;
		r->throughput.value = r->throughput.items_per_op / med;
		r->throughput.unit = "items/s";
	}
	if (ex.n_bytes && med > 0) {
		struct bt_throughput *t = ex.n_items ? &r->bytes_throughput : &r->throughput;
		t->items_per_op = ex.bytes / (double)ex.n_bytes;
		t->value = t->items_per_op / med;
		t->unit = "B/s";
	}
	if (n_err) {
		r->status = BT_STATUS_FAILED;
		r->message = bt_run_strdup(run, message ? message : "error_occurred");
		if (!r->message)
			rc = BT_ENOMEM;
	} else if (n_skip && nr == 0) {
		r->status = BT_STATUS_SKIPPED;
		r->message = bt_run_strdup(run, skip_message && *skip_message ? skip_message
									       : "skipped");
		if (!r->message)
			rc = BT_ENOMEM;
	}
out_u:
	json_decref(ucount);
out:
	free(real);
	free(cpu);
	return rc;
}

/* The context: machine and time. */
static int context(struct gb *s, const json_t *ctx, struct bt_import_info *info)
{
	struct bt_run *run = s->run;
	struct bt_machine *m = &run->machine;
	const char *host = json_string_value(json_object_get(ctx, "host_name"));
	double x;
	if (host && !(m->name = bt_run_strdup(run, host)))
		return BT_ENOMEM;
	if (bt__imp_num(json_object_get(ctx, "num_cpus"), &x) && x > 0 && x < 1e6)
		m->cpu_cores = (int)x;
	if (bt__imp_num(json_object_get(ctx, "mhz_per_cpu"), &x) && x > 0 && isfinite(x))
		m->cpu_mhz = x;
	const json_t *caches = json_object_get(ctx, "caches");
	for (size_t i = 0; i < json_array_size(caches); i++) {
		const json_t *c = json_array_get(caches, i);
		const char *t = json_string_value(json_object_get(c, "type"));
		double lv, sz;
		if (!t || !bt__imp_num(json_object_get(c, "level"), &lv) ||
		    !bt__imp_num(json_object_get(c, "size"), &sz) || !(sz > 0 && sz < 9.2e18))
			continue;
		if (lv == 1 && !strcmp(t, "Data"))
			m->cache_l1d = (int64_t)sz;
		else if (lv == 2)
			m->cache_l2 = (int64_t)sz;
		else if (lv == 3)
			m->cache_l3 = (int64_t)sz;
	}
	info->has_machine = host || m->cpu_cores > 0;
	if (info->has_machine) {
		int rc = bt__imp_fingerprint(run);
		if (rc)
			return rc;
	}
	int rc = bt__imp_time_text(run, json_string_value(json_object_get(ctx, "date")),
				   &run->timestamp);
	if (rc < 0)
		return rc;
	info->has_timestamp = rc == 1;
	return 0;
}

int bt__import_gbench(struct bt_run *run, const json_t *root, const char *label,
		      struct bt_import_info *info, struct bt_strbuf *err)
{
	struct gb s = { .run = run, .label = label, .err = err };
	if (!json_is_object(root))
		return bt_error(err, BT_ESCHEMA, "%s: expected a JSON object", label);
	const json_t *ctx = json_object_get(root, "context");
	if (!json_is_object(ctx))
		return bt_error(err, BT_ESCHEMA, "%s: context: expected an object", label);
	s.bm = json_object_get(root, "benchmarks");
	if (!json_is_array(s.bm))
		return bt_error(err, BT_ESCHEMA, "%s: benchmarks: expected an array", label);
	json_t *index = json_object();
	if (!index)
		return BT_ENOMEM;
	int rc = 0;
	for (size_t i = 0; !rc && i < json_array_size(s.bm); i++)
		rc = add_row(&s, index, i);
	json_decref(index);
	for (size_t g = 0; !rc && g < s.n_g; g++)
		rc = build(&s, &s.g[g]);
	if (!rc)
		rc = context(&s, ctx, info);
	for (size_t g = 0; g < s.n_g; g++)
		free(s.g[g].rows);
	free(s.g);
	if (rc)
		return rc;
	if (s.n_agg_only)
		snprintf(info->note, sizeof info->note,
			 "%zu benchmark%s with aggregates only: one sample each (the median)",
			 s.n_agg_only, s.n_agg_only == 1 ? "" : "s");
	else if (s.n_ignored)
		snprintf(info->note, sizeof info->note,
			 "%zu complexity row%s (BigO, RMS) not imported", s.n_ignored,
			 s.n_ignored == 1 ? "" : "s");
	return 0;
}
