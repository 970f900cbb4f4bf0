/* Names of the peer formats (include/benchtrack/import.h). */
#include <string.h>

#include "benchtrack/import.h"

static const char *const names[BT_FORMAT_COUNT_] = {
	[BT_FORMAT_AUTO] = "auto",
	[BT_FORMAT_GBENCH] = "gbench",
	[BT_FORMAT_HYPERFINE] = "hyperfine",
	[BT_FORMAT_PYTEST_BENCHMARK] = "pytest-benchmark",
	[BT_FORMAT_PYPERF] = "pyperf",
	[BT_FORMAT_CRITERION] = "criterion",
	[BT_FORMAT_ASV] = "asv",
	[BT_FORMAT_HF_V2] = "hf-v2",
	[BT_FORMAT_CSV] = "csv",
};

const char *bt_format_name(enum bt_format f)
{
	return (unsigned)f < BT_FORMAT_COUNT_ ? names[f] : NULL;
}

int bt_format_parse(const char *s)
{
	for (int i = 0; s && i < BT_FORMAT_COUNT_; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}
