/* Parameter specs (bt_param_space_parse, lib/run/params.c): the first
 * line of the input is a spec, the rest an override applied to it
 * (bt_param_space_override; strict when the input's length is odd).
 * What parses has as many combinations as the product of its axes, each
 * a valid value of its axis. */
#include <string.h>

#include "benchtrack.h"
#include "fuzz.h"

static void walk(const struct bt_param_space *ps)
{
	size_t count = bt_param_space_count(ps), total = 1;
	for (size_t k = 0; k < ps->n_axes; k++) {
		if (!ps->axes[k].name || ps->axes[k].n_values == 0)
			bt_fuzz_fail("params", "an axis without a name or values");
		if (bt_param_space_find(ps, ps->axes[k].name) != (int)k)
			bt_fuzz_fail("params", "an axis not found by its name");
		total *= ps->axes[k].n_values;
	}
	if (count != total)
		bt_fuzz_fail("params", "count is not the product of the axes");
	const char **v = malloc((ps->n_axes + 1) * sizeof *v);
	if (!v)
		abort();
	for (size_t i = 0; i < count && i < 64; i++) {
		size_t idx = i < 32 ? i : count - 1 - (i - 32);
		bt_param_space_combo(ps, idx, v);
		for (size_t k = 0; k < ps->n_axes; k++)
			if (!v[k])
				bt_fuzz_fail("params", "a combination without a value");
	}
	free(v);
}

int bt_fuzz_params(const uint8_t *data, size_t size)
{
	char *text = bt_fuzz_str(data, size);
	char *nl = strchr(text, '\n');
	const char *over = NULL;
	if (nl) {
		*nl = '\0';
		over = nl + 1;
	}
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt_param_space_parse(&ps, text, &err) == 0) {
		walk(&ps);
		if (over && bt_param_space_override(&ps, over, (int)(size & 1), &err) == 0)
			walk(&ps);
	} else if (ps.n_axes) {
		bt_fuzz_fail("params", "a spec that does not parse leaves axes");
	}
	bt_param_space_release(&ps);
	bt_strbuf_release(&err);
	free(text);
	return 0;
}
