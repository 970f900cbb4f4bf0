/* The strict run reader (bt_run_from_json, lib/result/json.c) and the
 * result reader (bt_result_from_json). What the strict reader accepts
 * must write (bt_run_to_json), read back, and write again the same. */
#include <string.h>

#include "benchtrack.h"
#include "fuzz.h"

int bt_fuzz_run(const uint8_t *data, size_t size)
{
	struct bt_run run, back;
	struct bt_strbuf err = BT_STRBUF_INIT, a = BT_STRBUF_INIT, b = BT_STRBUF_INIT;
	if (bt_run_init(&run) || bt_run_init(&back))
		abort();
	int rc = bt_run_from_json(&run, (const char *)data, size, "fuzz.json", &err);
	if (rc == 0) {
		if (bt_run_to_json(&run, 0, &a, &err) != 0)
			bt_fuzz_fail("run", "a run the reader accepts does not write");
		if (bt_run_from_json(&back, a.buf, a.len, "written.json", &err) != 0)
			bt_fuzz_fail("run", "a written run does not read back");
		if (bt_run_to_json(&back, 0, &b, &err) != 0 || a.len != b.len ||
		    memcmp(a.buf, b.buf, a.len) != 0)
			bt_fuzz_fail("run", "a run read back writes differently");
	}
	bt_run_release(&back);

	/* one result alone (the forked child's channel) */
	struct bt_result *r = bt_run_add_result(&run);
	if (r)
		bt_result_from_json(&run, r, (const char *)data, size, "result", &err);
	bt_run_release(&run);
	bt_strbuf_release(&err);
	bt_strbuf_release(&a);
	bt_strbuf_release(&b);
	return 0;
}
