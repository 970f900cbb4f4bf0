/* The files of a run in the Hugging Face dataset of the transformers
 * benchmark runner (bt_hub_layout, include/benchtrack/hub.h): where they
 * go, the summary, one benchmark_v2 document per model (the shape
 * lib/import/hf_v2.c reads) and the run itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/hub.h"

#include "export.h"
#include "internal.h"

/* 1 when s is a name that can be one component of a path in the dataset:
 * [A-Za-z0-9._-], at most 128 characters, not starting with a dot. */
int bt_hub_valid_run_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 128 && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == n;
}

/* The model of r: its param "model", else the run's suite, else
 * "benchtrack". */
static const char *model_of(const struct bt_run *run, const struct bt_result *r)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (strcmp(r->params[i].key, "model") == 0 && *r->params[i].value)
			return r->params[i].value;
	return run->suite && *run->suite ? run->suite : "benchtrack";
}

/* model as a file name: what is not [A-Za-z0-9._-] becomes '_', a leading
 * dot too ("google/gemma-2b" is google_gemma-2b), at most 100 bytes. */
static void model_slug(const char *model, char out[101])
{
	size_t n = 0;
	for (const char *c = model; *c && n < 100; c++, n++)
		out[n] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789._-", *c) && (n || *c != '.') ? *c : '_';
	out[n] = '\0';
	if (n == 0)
		snprintf(out, 101, "model");
}

/* A param value as JSON: a number when it is the canonical text of an
 * integer (the seed writes batch_size: 1), else the text. */
static json_t *param_value(const char *v)
{
	size_t n = strlen(v), d = strspn(v + (v[0] == '-'), "0123456789");
	const char *digits = v + (v[0] == '-');
	if (d > 0 && d <= 15 && d + (v[0] == '-') == n && (digits[0] != '0' || d == 1) &&
	    strcmp(v, "-0") != 0)
		return json_integer(strtoll(v, NULL, 10));
	return json_string(v);
}

static json_t *hardware(const struct bt_machine *m, int *oom)
{
	json_t *hw = json_object();
	if (!hw) {
		*oom = 1;
		return NULL;
	}
	if (m->n_gpus > 0 && m->gpus[0].name) {
		bt__export_set(hw, "gpu_name", json_string(m->gpus[0].name), oom);
		if (m->gpus[0].memory_bytes >= 0)
			bt__export_set(hw, "gpu_memory_total_mb",
				       json_integer(m->gpus[0].memory_bytes / 1048576), oom);
		bt__export_set(hw, "gpu_count", json_integer((json_int_t)m->n_gpus), oom);
	}
	if (m->cpu_model)
		bt__export_set(hw, "cpu_model", json_string(m->cpu_model), oom);
	if (m->cpu_cores > 0)
		bt__export_set(hw, "cpu_count", json_integer(m->cpu_cores), oom);
	if (m->memory_bytes > 0)
		bt__export_set(hw, "memory_total_mb", json_integer(m->memory_bytes / 1048576), oom);
	if (m->arch)
		bt__export_set(hw, "arch", json_string(m->arch), oom);
	if (m->os)
		bt__export_set(hw, "os", json_string(m->os), oom);
	return hw;
}

/* One scenario: a result of run. */
static json_t *scenario(const struct bt_run *run, const struct bt_result *r,
			const char *model, int *oom)
{
	json_t *s = json_object(), *meta = json_object(), *cfg = json_object(),
	       *ms = json_object(), *gpu = json_object(), *other = json_object();
	if (!s || !meta || !cfg || !ms || !gpu || !other) {
		json_decref(s), json_decref(meta), json_decref(cfg);
		json_decref(ms), json_decref(gpu), json_decref(other);
		*oom = 1;
		return NULL;
	}
	bt__export_set(s, "scenario_name", json_string(r->name ? r->name : "benchmark"), oom);
	bt__export_set(meta, "timestamp", json_string(run->timestamp), oom);
	bt__export_set(meta, "commit_id", run->git.commit ? json_string(run->git.commit)
							 : json_null(), oom);
	if (run->git.branch)
		bt__export_set(meta, "branch_name", json_string(run->git.branch), oom);
	bt__export_set(meta, "benchmark_run_id", json_string(run->run_id ? run->run_id : ""),
		       oom);
	bt__export_set(meta, "hardware_info", hardware(&run->machine, oom), oom);
	bt__export_set(cfg, "name", json_string(r->name ? r->name : "benchmark"), oom);
	bt__export_set(cfg, "model_id", json_string(model), oom);
	bt__export_set(cfg, "warmup_iterations", json_integer(run->config.warmup_iterations),
		       oom);
	bt__export_set(cfg, "measurement_iterations",
		       json_integer(run->config.measurement_iterations), oom);
	for (size_t i = 0; i < r->n_params; i++)
		if (strcmp(r->params[i].key, "model") != 0 && strcmp(r->params[i].key, "name") &&
		    strcmp(r->params[i].key, "model_id"))
			bt__export_set(cfg, r->params[i].key, param_value(r->params[i].value), oom);
	if (r->variant && strcmp(r->variant, "default") != 0 && !json_object_get(cfg, "variant"))
		bt__export_set(cfg, "variant", json_string(r->variant), oom);
	bt__export_set(meta, "config", cfg, oom);
	bt__export_set(meta, "status", json_string(bt_status_name(r->status)), oom);
	bt__export_set(s, "metadata", meta, oom);
	for (size_t i = 0; i < r->n_metrics; i++) {
		const struct bt_metric *m = &r->metrics[i];
		if (m->n_samples == 0)
			continue;
		json_t *o = json_object(), *a = json_array();
		if (!o || !a) {
			json_decref(o), json_decref(a);
			*oom = 1;
			break;
		}
		for (size_t k = 0; k < m->n_samples; k++)
			bt__export_push(a, bt__export_num(m->samples[k]), oom);
		bt__export_set(o, "measurements", a, oom);
		bt__export_set(o, "mean", bt__export_num(m->stats.mean), oom);
		bt__export_set(o, "median", bt__export_num(m->stats.median), oom);
		bt__export_set(o, "std", bt__export_num(m->stats.std), oom);
		bt__export_set(o, "min", bt__export_num(m->stats.min), oom);
		bt__export_set(o, "max", bt__export_num(m->stats.max), oom);
		bt__export_set(o, "unit", json_string(m->unit ? m->unit : ""), oom);
		bt__export_set(ms, m->name, o, oom);
	}
	bt__export_set(s, "measurements", ms, oom);
	for (size_t i = 0; i < r->n_counters; i++)
		bt__export_set(strncmp(r->counters[i].name, "gpu", 3) == 0 ? gpu : other,
			       r->counters[i].name, bt__export_num(r->counters[i].value), oom);
	/* always there, {} without GPU counters: the seed's readers index it */
	bt__export_set(s, "gpu_metrics", gpu, oom);
	if (json_object_size(other))
		bt__export_set(s, "counters", other, oom);
	else
		json_decref(other);
	if (r->status != BT_STATUS_OK)
		bt__export_set(s, "error", json_string(r->message ? r->message
						      : bt_status_name(r->status)), oom);
	return s;
}

/* Appends path (taken) and the text in buf (taken) to files. */
static int add_file(struct bt_hub_files *files, char *path, struct bt_strbuf *buf,
		    struct bt_strbuf *err)
{
	if (!path) {
		bt_strbuf_release(buf);
		return BT_ENOMEM;
	}
	if (buf->len > BT_HUB_MAX_FILE) {
		int rc = bt_error(err, BT_EINVAL, "%s: %zu bytes: files over 10 MB need "
				  "git LFS, which upload does not do", path, buf->len);
		free(path);
		bt_strbuf_release(buf);
		return rc;
	}
	if (bt__vec_reserve((void **)&files->v, &files->alloc, files->n + 1,
			    sizeof *files->v)) {
		free(path);
		bt_strbuf_release(buf);
		return BT_ENOMEM;
	}
	struct bt_hub_file *f = &files->v[files->n++];
	f->path = path;
	f->len = buf->len;
	f->data = buf->buf ? buf->buf : strdup("");
	*buf = (struct bt_strbuf)BT_STRBUF_INIT;
	if (!f->data) {
		free(f->path);
		files->n--;
		return BT_ENOMEM;
	}
	return 0;
}

/* The folder of run's files in the dataset. */
static int folder(const struct bt_run *run, const struct bt_hub_dest *d,
		  struct bt_strbuf *dir, struct bt_strbuf *err)
{
	char date[16];
	bt__export_time_text(run, "%Y-%m-%d", date, sizeof date);
	if (!date[0])
		return bt_error(err, BT_EINVAL, "run %s: no timestamp: it cannot be filed "
				"by date", run->run_id ? run->run_id : "?");
	if (d->scheduled) {
		if (!run->git.commit || !bt__is_hex(run->git.commit, 7, 64))
			return bt_error(err, BT_EINVAL, "run %s: no git commit: a scheduled "
					"run is filed under benchmark_results_COMMIT",
					run->run_id ? run->run_id : "?");
		return bt_strbuf_addf(dir, "%s/benchmark_results_%s", date, run->git.commit);
	}
	const char *id = d->run_id ? d->run_id : run->run_id;
	if (!bt_hub_valid_run_id(id))
		return bt_error(err, BT_EINVAL, "run id '%s': expected letters, digits, "
				"'.', '_' or '-' (a folder of the dataset)", id ? id : "");
	if (d->run_number && !bt_hub_valid_run_id(d->run_number))
		return bt_error(err, BT_EINVAL, "run number '%s': expected letters, digits, "
				"'.', '_' or '-'", d->run_number);
	if (d->run_number)
		return bt_strbuf_addf(dir, "%s/runs/%s-%s/benchmark_results", date,
				      d->run_number, id);
	return bt_strbuf_addf(dir, "%s/runs/%s/benchmark_results", date, id);
}

int bt_hub_layout(const struct bt_run *run, const struct bt_hub_dest *d,
		  struct bt_hub_files *files, struct bt_strbuf *err)
{
	struct bt_strbuf dir = BT_STRBUF_INIT, buf = BT_STRBUF_INIT;
	size_t had = files->n;
	char stamp[32];
	bt__export_time_text(run, "%Y%m%d_%H%M%S", stamp, sizeof stamp);
	int rc = folder(run, d, &dir, err);
	const char **models = NULL;
	size_t n_models = 0;
	json_t *index = NULL;
	if (rc)
		goto out;
	models = calloc(run->n_results + 1, sizeof *models);
	index = json_object();
	if (!models || !index) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < run->n_results; i++) {
		const char *m = model_of(run, &run->results[i]);
		size_t k = 0;
		while (k < n_models && strcmp(models[k], m))
			k++;
		if (k == n_models)
			models[n_models++] = m;
	}
	int oom = 0;
	/* one document per model; two models with the same slug are one
	 * clash, found below as a duplicate path */
	for (size_t k = 0; !rc && k < n_models; k++) {
		char slug[101];
		model_slug(models[k], slug);
		json_t *doc = json_object(), *sc = json_array();
		if (!doc || !sc) {
			json_decref(doc), json_decref(sc);
			rc = BT_ENOMEM;
			break;
		}
		size_t n = 0, failed = 0;
		for (size_t i = 0; i < run->n_results; i++) {
			const struct bt_result *r = &run->results[i];
			if (strcmp(model_of(run, r), models[k]))
				continue;
			bt__export_push(sc, scenario(run, r, models[k], &oom), &oom);
			n++;
			failed += r->status != BT_STATUS_OK;
		}
		bt__export_set(doc, "model_name", json_string(models[k]), &oom);
		if (run->benchmark_type)
			bt__export_set(doc, "benchmark_type", json_string(run->benchmark_type), &oom);
		bt__export_set(doc, "benchmark_scenarios", sc, &oom);
		char *rel = bt__pathf("%s/%s_benchmark_%s.json", slug, slug, stamp);
		json_t *entry = json_pack("{s:s?, s:I, s:I}", "file", rel, "scenarios",
					  (json_int_t)n, "failed", (json_int_t)failed);
		bt__export_set(index, models[k], entry, &oom);
		if ((rc = bt__export_dump(doc, oom, &buf)) == 0)
			rc = add_file(files, rel ? bt__pathf("%s/%s", bt_strbuf_str(&dir), rel)
					     : NULL, &buf, err);
		free(rel);
	}
	if (rc)
		goto out;
	size_t ok = 0;
	for (size_t i = 0; i < run->n_results; i++)
		ok += run->results[i].status == BT_STATUS_OK;
	json_t *meta = json_object(), *sum = json_object();
	bt__export_set(meta, "timestamp", json_string(run->timestamp), &oom);
	bt__export_set(meta, "benchmark_run_uuid", json_string(run->run_id ? run->run_id : ""),
		       &oom);
	bt__export_set(meta, "commit_id", run->git.commit ? json_string(run->git.commit)
							 : json_null(), &oom);
	if (run->git.branch)
		bt__export_set(meta, "branch_name", json_string(run->git.branch), &oom);
	if (run->suite)
		bt__export_set(meta, "suite", json_string(run->suite), &oom);
	if (run->benchmark_type)
		bt__export_set(meta, "benchmark_type", json_string(run->benchmark_type), &oom);
	bt__export_set(meta, "total_benchmarks", json_integer((json_int_t)run->n_results), &oom);
	bt__export_set(meta, "successful_benchmarks", json_integer((json_int_t)ok), &oom);
	bt__export_set(meta, "failed_benchmarks",
		       json_integer((json_int_t)(run->n_results - ok)), &oom);
	if (meta && sum) {
		bt__export_set(sum, "run_metadata", meta, &oom);
		bt__export_set(sum, "benchmark_results", index, &oom);
		index = NULL;
		meta = NULL;
	} else {
		oom = 1;
	}
	json_decref(meta);
	if ((rc = bt__export_dump(sum, oom, &buf)) == 0)
		rc = add_file(files, bt__pathf("%s/benchmark_summary_%s.json",
					       bt_strbuf_str(&dir), stamp), &buf, err);
	if (!rc && !(rc = bt_run_to_json(run, 1, &buf, err)))
		rc = add_file(files, bt__pathf("%s/run_%s.json", bt_strbuf_str(&dir), stamp),
			      &buf, err);
	for (size_t i = 0; !rc && i < files->n; i++)
		for (size_t j = had > i + 1 ? had : i + 1; !rc && j < files->n; j++)
			if (strcmp(files->v[i].path, files->v[j].path) == 0)
				rc = bt_error(err, BT_EEXISTS, "%s: two files of the upload "
					      "have this name (runs with the same id and "
					      "start, or models alike but for punctuation)",
					      files->v[j].path);
out:
	if (rc) {
		while (files->n > had) {
			files->n--;
			free(files->v[files->n].path);
			free(files->v[files->n].data);
		}
	}
	json_decref(index);
	free(models);
	bt_strbuf_release(&dir);
	bt_strbuf_release(&buf);
	return rc;
}

void bt_hub_files_release(struct bt_hub_files *files)
{
	for (size_t i = 0; i < files->n; i++) {
		free(files->v[i].path);
		free(files->v[i].data);
	}
	free(files->v);
	files->v = NULL;
	files->n = files->alloc = 0;
}
