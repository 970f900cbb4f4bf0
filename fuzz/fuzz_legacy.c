/* The legacy formats of organize (lib/store/organize.c): the HF
 * benchmark_v2 shape (bt__import_hf_v2, also through bt_import_text as
 * hf-v2 with JSON Lines) and the seed proposal metadata
 * (bt__import_seed), with the pieces they share (legacy.c, rows.c,
 * machine.c). The input is parsed as organize parses it (json_loadb);
 * an imported run writes (bt_run_to_json). */
#include <string.h>

#include <jansson.h>

#include "benchtrack.h"
#include "fuzz.h"
#include "import/import.h"

static void legacy(const uint8_t *data, size_t size, int seed)
{
	json_error_t je;
	json_t *root = json_loadb((const char *)data, size, 0, &je);
	if (!root)
		return;
	struct bt_run run;
	struct bt__import_found f = { 0 };
	struct bt_strbuf why = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	if (bt_run_init(&run))
		abort();
	int rc = seed ? bt__import_seed(&run, root, &f, &why)
		      : bt__import_hf_v2(&run, root, &f, &why);
	if (rc == 0) {
		run.suite = "fuzz";
		bt_run_to_json(&run, 0, &out, &why);
	} else if (rc != BT_EUNSUPPORTED) {
		bt_fuzz_fail(seed ? "seed" : "hf_v2", "an error other than unsupported");
	}
	json_decref(root);
	bt_run_release(&run);
	bt_strbuf_release(&why);
	bt_strbuf_release(&out);
}

int bt_fuzz_hf_v2(const uint8_t *data, size_t size)
{
	legacy(data, size, 0);
	return bt_fuzz_import_as(data, size, BT_FORMAT_HF_V2);
}

int bt_fuzz_seed(const uint8_t *data, size_t size)
{
	legacy(data, size, 1);
	return 0;
}
