/* The metric protocol's lines (bt__proto_feed, lib/import/protocol.c):
 * the input is what the runs of one command wrote, runs separated by a
 * form feed; then bt__proto_emit adds them to a run with the command's
 * own result, which must still write (bt_run_to_json). */
#include <string.h>

#include "benchtrack.h"
#include "fuzz.h"
#include "import/protocol.h"

static void own_result(struct bt_run *run)
{
	static const double t[] = { 0.5, 0.6, 0.7 };
	static const char *const names[] = { "time", "user_time" };
	run->suite = "exec";
	run->benchmark_type = "exec";
	run->run_id = "0123456789abcdef0123456789abcdef";
	run->timestamp = "2026-01-01T00:00:00Z";
	run->machine.fingerprint = "0123456789abcdef";
	struct bt_result *r = bt_run_add_result(run);
	if (!r)
		abort();
	r->name = "python bench.py";
	r->group = "exec";
	r->variant = "default";
	r->params = bt_run_alloc(run, sizeof *r->params);
	r->metrics = bt_run_alloc(run, 2 * sizeof *r->metrics);
	if (!r->params || !r->metrics)
		abort();
	r->params[0].key = "n";
	r->params[0].value = "4";
	r->n_params = 1;
	for (int i = 0; i < 2; i++) {
		struct bt_metric *m = &r->metrics[i];
		m->name = names[i];
		m->unit = "s";
		m->direction = BT_LOWER_IS_BETTER;
		m->samples = bt_run_alloc(run, sizeof t);
		if (!m->samples)
			abort();
		memcpy(m->samples, t, sizeof t);
		m->n_samples = 3;
		if (bt_stats_summarize(t, 3, &m->stats) != 0)
			abort();
	}
	r->n_metrics = 2;
}

int bt_fuzz_protocol(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *end = text + size;
	struct bt__proto *p = bt__proto_new();
	struct bt_strbuf warn = BT_STRBUF_INIT, err = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	if (!p)
		abort();
	int k = 0;
	for (const char *s = text; s <= end && k < 16; k++) {
		const char *e = memchr(s, '\f', (size_t)(end - s));
		if (!e)
			e = end;
		if (bt__proto_feed(p, s, (size_t)(e - s), "run", &warn) != 0)
			abort();
		s = e + 1;
	}
	struct bt_run run;
	if (bt_run_init(&run))
		abort();
	own_result(&run);
	if (bt__proto_emit(p, &run, 0, &err) != 0)
		abort();
	if (bt_run_to_json(&run, 0, &out, &err) != 0)
		bt_fuzz_fail("protocol", "the run with the protocol's results does not write");
	bt__proto_free(p);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
	bt_strbuf_release(&err);
	bt_strbuf_release(&out);
	return 0;
}
