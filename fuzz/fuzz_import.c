/* The peer formats (bt_import_text, lib/import/): the input read with the
 * format detected (bt_fuzz_import) or named (the per-format harnesses).
 * An imported run writes (bt_run_to_json) and exports (bt_export_run) in
 * each format it can, without a crash; nothing is asserted of the text. */
#include <string.h>

#include "benchtrack.h"
#include "fuzz.h"

int bt_fuzz_import_as(const uint8_t *data, size_t size, int format)
{
	struct bt_run run;
	struct bt_import_info info;
	struct bt_strbuf err = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	if (bt_run_init(&run))
		abort();
	int rc = bt_import_text(&run, (const char *)data, size, "fuzz.json",
				(enum bt_format)format, &info, &err);
	if (rc == 0) {
		if (!run.suite)
			run.suite = "fuzz";
		bt_run_to_json(&run, 0, &out, &err);
		static const enum bt_format ex[] = { BT_FORMAT_GBENCH, BT_FORMAT_HYPERFINE,
						     BT_FORMAT_PYTEST_BENCHMARK, BT_FORMAT_CSV };
		for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
			bt_strbuf_reset(&out);
			bt_export_run(&run, ex[i], &out, &err);
			bt_export_left_out(&run, ex[i]);
		}
	} else if (rc != BT_EPARSE && rc != BT_ESCHEMA && rc != BT_EUNSUPPORTED &&
		   rc != BT_ETOOBIG) {
		bt_fuzz_fail("import", "an error other than parse, schema or unsupported");
	}
	bt_run_release(&run);
	bt_strbuf_release(&err);
	bt_strbuf_release(&out);
	return 0;
}

int bt_fuzz_import(const uint8_t *data, size_t size)
{
	return bt_fuzz_import_as(data, size, BT_FORMAT_AUTO);
}
int bt_fuzz_gbench(const uint8_t *data, size_t size)
{
	return bt_fuzz_import_as(data, size, BT_FORMAT_GBENCH);
}
int bt_fuzz_hyperfine(const uint8_t *data, size_t size)
{
	return bt_fuzz_import_as(data, size, BT_FORMAT_HYPERFINE);
}
int bt_fuzz_pytest_benchmark(const uint8_t *data, size_t size)
{
	return bt_fuzz_import_as(data, size, BT_FORMAT_PYTEST_BENCHMARK);
}
int bt_fuzz_pyperf(const uint8_t *data, size_t size)
{
	return bt_fuzz_import_as(data, size, BT_FORMAT_PYPERF);
}
int bt_fuzz_asv(const uint8_t *data, size_t size)
{
	return bt_fuzz_import_as(data, size, BT_FORMAT_ASV);
}
