/* The CSV series of `benchtrack history --input` (cli_read_csv_series,
 * cli/csv_series.c), which reads a file: the input is written to a
 * temporary file (made once, removed at exit) and read with the column
 * "value" (or "time" when the input's length is odd). What it accepts is
 * at least one finite number. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "benchtrack.h"
#include "csv_series.h"
#include "fuzz.h"

static char path[4096];

static void cleanup(void)
{
	unlink(path);
}

int bt_fuzz_csv_series(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(path, sizeof path, "%s/bt-fuzz-csv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		int fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(cleanup);
	}
	FILE *f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	double *v = NULL;
	size_t n = 0;
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (cli_read_csv_series(path, size & 1 ? "time" : "value", &v, &n, &err) == 0) {
		if (!v || n == 0)
			bt_fuzz_fail("csv_series", "accepted without a value");
		for (size_t i = 0; i < n; i++)
			if (!isfinite(v[i]))
				bt_fuzz_fail("csv_series", "a value that is not finite");
	} else if (v || n || !err.len) {
		bt_fuzz_fail("csv_series", "refused with values or without a message");
	}
	free(v);
	bt_strbuf_release(&err);
	return 0;
}
