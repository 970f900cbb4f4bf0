/* The table of harnesses (fuzz.h) and what they share. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

#define BT_FUZZ_ENTRY(name) { #name, bt_fuzz_##name },
const struct bt_fuzz_target bt_fuzz_targets[] = { BT_FUZZ_TARGETS(BT_FUZZ_ENTRY) };
#undef BT_FUZZ_ENTRY
const size_t bt_fuzz_n_targets = sizeof bt_fuzz_targets / sizeof bt_fuzz_targets[0];

const struct bt_fuzz_target *bt_fuzz_find(const char *name)
{
	for (size_t i = 0; name && i < bt_fuzz_n_targets; i++)
		if (strcmp(bt_fuzz_targets[i].name, name) == 0)
			return &bt_fuzz_targets[i];
	return NULL;
}

char *bt_fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void bt_fuzz_fail(const char *target, const char *what)
{
	fprintf(stderr, "fuzz %s: %s\n", target, what);
	abort();
}
