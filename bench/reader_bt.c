/* The run-document readers alone, side by side, measured with benchtrack:
 * the strict reader (bt_run_from_json, lib/result/json.c: jansson's tree, then
 * the schema) and the fast reader (bt__run_scan, lib/result/json_scan.c: one
 * pass over the text), on the same bytes already in memory (no file
 * system in the timed loop).
 *
 *   read  reader=strict   bt_run_from_json
 *         reader=fast     bt__run_scan with BT__SCAN_SAMPLES (the same
 *                         values as the strict reader)
 *         reader=summary  bt__run_scan without samples (what reindex and
 *                         the dashboard's run pages use)
 *         doc=fixture     tests/fixtures/run-attention.json (46 KB)
 *         doc=large       a generated run of 100 results x 2 metrics x 20
 *                         samples (~270 KB, like bench/store_bt.c's runs)
 *
 * Throughput in bytes/s of JSON read. Each iteration reads into a fresh
 * run (bt_run_init and bt_run_release are timed too: the readers' arena
 * is part of their cost). For example:
 *
 *   benchtrack run build/reader_bt --no-store --format table
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <benchtrack.h>

#include "../lib/internal.h"
#include "../lib/result/json_scan.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* A run of 100 results like bench/store_bt.c's, as JSON in *out. */
static int make_large(struct bt_strbuf *out)
{
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	uint64_t s = 0x5eed;
	if (bt_run_init(&run))
		return -1;
	run.run_id = "0123456789abcdef0123456789abcdef";
	run.timestamp = "2026-10-01T12:00:00Z";
	run.suite = "attention";
	run.benchmark_type = "attention";
	run.duration_s = 12.5;
	run.git.commit = "0123456789abcdef0123456789abcdef01234567";
	run.git.branch = "main";
	run.git.dirty = 0;
	run.machine.name = "host1";
	run.machine.fingerprint = "00000000000000f1";
	run.machine.cpu_model = "Test CPU @ 3.0GHz";
	run.machine.os = "Debian GNU/Linux 13";
	run.build.compiler = "gcc 14.2.0";
	run.build.flags = "-O2 -g";
	run.build.optimized = 1;
	for (size_t i = 0; i < 100; i++) {
		static const char *const metric[] = { "time", "tokens_per_s" };
		struct bt_result *r = bt_run_add_result(&run);
		if (!r)
			return -1;
		r->name = bt_run_printf(&run, "impl%zu", i % 4);
		r->group = "attention";
		r->variant = "default";
		r->n_params = 3;
		r->params = bt_run_alloc(&run, 3 * sizeof *r->params);
		r->params[0].key = "head_dim";
		r->params[0].value = i % 2 ? "64" : "128";
		r->params[1].key = "heads";
		r->params[1].value = bt_run_printf(&run, "%zu", 4 + i / 8 % 3);
		r->params[2].key = "seq_len";
		r->params[2].value = bt_run_printf(&run, "%zu", 512 + i);
		r->n_metrics = 2;
		r->metrics = bt_run_alloc(&run, 2 * sizeof *r->metrics);
		for (size_t k = 0; k < 2; k++) {
			struct bt_metric *m = &r->metrics[k];
			memset(m, 0, sizeof *m);
			m->name = metric[k];
			m->unit = k ? "tokens/s" : "s";
			m->direction = k ? BT_HIGHER_IS_BETTER : BT_LOWER_IS_BETTER;
			m->n_samples = 20;
			m->samples = bt_run_alloc(&run, 20 * sizeof *m->samples);
			for (size_t j = 0; j < 20; j++) {
				s = s * 6364136223846793005ull + 1442695040888963407ull;
				m->samples[j] = 1e-3 * (double)(i + 1) *
						(1.0 + (double)(s >> 40) / 1.6777216e8);
			}
			bt_stats_summarize(m->samples, m->n_samples, &m->stats);
		}
		r->throughput.value = 1e3 / (double)(i + 1);
		r->throughput.unit = "tokens/s";
		r->throughput.items_per_op = 1;
		r->iterations_per_sample = 10;
		r->wall_s = 0.1;
		char key[17];
		bt_series_key(run.suite, r, run.machine.fingerprint, "time", key);
		r->series_key = bt_run_strdup(&run, key);
	}
	int rc = bt_run_to_json(&run, 1, out, &err);
	bt_run_release(&run);
	bt_strbuf_release(&err);
	return rc ? -1 : 0;
}

static void bm_read(bt_state *s)
{
	const char *reader = bt_param_str(s, "reader");
	const char *doc = bt_param_str(s, "doc");
	struct bt_strbuf text = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	char *data = NULL;
	size_t len = 0;

	if (!strcmp(doc, "fixture")) {
		char path[4096];
		const char *src = __FILE__, *slash = strrchr(src, '/');
		snprintf(path, sizeof path, "%.*s/../tests/fixtures/run-attention.json",
			 slash ? (int)(slash - src) : 1, slash ? src : ".");
		data = slurp(path, &len);
		if (!data) {
			bt_fail(s, "%s: cannot read", path);
			return;
		}
	} else if (make_large(&text)) {
		bt_fail(s, "cannot generate the large run");
		return;
	} else {
		data = text.buf;
		len = text.len;
		text = (struct bt_strbuf)BT_STRBUF_INIT;
	}
	int mode = !strcmp(reader, "strict") ? 0 : !strcmp(reader, "fast") ? 1 : 2;
	size_t results = 0;
	while (bt_loop(s)) {
		struct bt_run run;
		int rc = bt_run_init(&run);
		if (!rc)
			rc = mode == 0 ? bt_run_from_json(&run, data, len, doc, &err)
			     : bt__run_scan(&run, data, len, mode == 1 ? BT__SCAN_SAMPLES : 0);
		results = run.n_results;
		bt_run_release(&run);
		if (rc) {
			bt_fail(s, "%s reader refused %s: %s", reader, doc, bt_strbuf_str(&err));
			break;
		}
	}
	free(data);
	bt_strbuf_release(&text);
	bt_strbuf_release(&err);
	bt_set_bytes(s, (double)len);
	bt_counter(s, "results", (double)results);
}
BT_BENCH(bm_read, .name = "read", .type = "json",
	 .params = "doc=fixture,large;reader=strict,fast,summary");
BT_MAIN()
