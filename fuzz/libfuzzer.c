/* The libFuzzer entry of bt_fuzz (BT_FUZZ=ON): the harness named by
 * BT_FUZZ_TARGET (fuzz.h), chosen once. */
#include <stdio.h>

#include "fuzz.h"

static const struct bt_fuzz_target *target;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *name = getenv("BT_FUZZ_TARGET");
	target = bt_fuzz_find(name);
	if (!target) {
		fprintf(stderr, "bt_fuzz: set BT_FUZZ_TARGET to one of:");
		for (size_t i = 0; i < bt_fuzz_n_targets; i++)
			fprintf(stderr, " %s", bt_fuzz_targets[i].name);
		fprintf(stderr, "\n");
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return target->fn(data, size);
}
