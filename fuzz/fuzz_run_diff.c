/* The two run readers against each other: the fast one (bt__run_scan,
 * lib/result/json_scan.c, with and without samples) never accepts what
 * the strict one (bt_run_from_json) refuses, and when both accept they
 * give the same run (compared as bt_run_to_json writes it). */
#include <string.h>

#include "benchtrack.h"
#include "fuzz.h"
#include "result/json_scan.h"

static void json_of(const struct bt_run *run, struct bt_strbuf *out, const char *who)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt_run_to_json(run, 0, out, &err) != 0)
		bt_fuzz_fail("run_diff", who);
	bt_strbuf_release(&err);
}

static void drop_samples(struct bt_run *run)
{
	for (size_t i = 0; i < run->n_results; i++)
		for (size_t j = 0; j < run->results[i].n_metrics; j++) {
			run->results[i].metrics[j].samples = NULL;
			run->results[i].metrics[j].n_samples = 0;
		}
}

int bt_fuzz_run_diff(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct bt_run strict, fast, bare;
	struct bt_strbuf err = BT_STRBUF_INIT, s = BT_STRBUF_INIT, f = BT_STRBUF_INIT;
	if (bt_run_init(&strict) || bt_run_init(&fast) || bt_run_init(&bare))
		abort();
	int rs = bt_run_from_json(&strict, text, size, "fuzz.json", &err);
	int rf = bt__run_scan(&fast, text, size, BT__SCAN_SAMPLES);
	int rb = bt__run_scan(&bare, text, size, 0);
	if (rs != 0 && (rf == 0 || rb == 0))
		bt_fuzz_fail("run_diff", "the fast reader accepts what the strict one refuses");
	if (rf == 0) {
		json_of(&strict, &s, "the strict reader's run does not write");
		json_of(&fast, &f, "the fast reader's run does not write");
		if (s.len != f.len || memcmp(s.buf, f.buf, s.len) != 0)
			bt_fuzz_fail("run_diff", "the readers give different runs");
	}
	if (rb == 0) {
		for (size_t i = 0; i < bare.n_results; i++)
			for (size_t j = 0; j < bare.results[i].n_metrics; j++)
				if (bare.results[i].metrics[j].samples ||
				    bare.results[i].metrics[j].n_samples)
					bt_fuzz_fail("run_diff", "samples kept without BT__SCAN_SAMPLES");
		drop_samples(&strict);
		bt_strbuf_reset(&s);
		bt_strbuf_reset(&f);
		json_of(&strict, &s, "the strict reader's run does not write");
		json_of(&bare, &f, "the fast reader's run does not write");
		if (s.len != f.len || memcmp(s.buf, f.buf, s.len) != 0)
			bt_fuzz_fail("run_diff", "the readers give different runs (no samples)");
	}
	bt_run_release(&strict);
	bt_run_release(&fast);
	bt_run_release(&bare);
	bt_strbuf_release(&err);
	bt_strbuf_release(&s);
	bt_strbuf_release(&f);
	return 0;
}
