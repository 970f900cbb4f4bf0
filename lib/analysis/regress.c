/* Change points of a stored series, classified (include/benchtrack/regress.h). */
#include <stdlib.h>
#include <string.h>

#include "benchtrack/error.h"
#include "benchtrack/regress.h"
#include "benchtrack/result.h"

int bt_series_changepoints(const struct bt_series *s, const struct bt_cp_opts *o,
			   struct bt_cp_result *out, struct bt_strbuf *err)
{
	struct bt_cp_opts def;
	double *v = malloc((s->n ? s->n : 1) * sizeof *v);
	int rc;

	if (!o) {
		bt_cp_opts_default(&def);
		o = &def;
	}
	if (!v) {
		memset(out, 0, sizeof *out);
		return BT_ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++)
		v[i] = s->points[i].value;
	rc = bt_changepoints(v, s->n, o, out, err);
	free(v);
	return rc;
}

int bt_series_change_worse(const struct bt_series *s,
			   const struct bt_change_point *c)
{
	/* by the means, not rel_change: also right from a mean of 0 (an
	 * infinite relative change, null in JSON) or a negative one */
	return s->direction == BT_HIGHER_IS_BETTER ? c->mean_after < c->mean_before
						   : c->mean_after > c->mean_before;
}

int bt_series_change_acked(const struct bt_series *s, size_t index,
			   const struct bt_ack_list *acks)
{
	if (!acks || s->n == 0)
		return 0;
	size_t lo = index >= BT_ACK_RADIUS ? index - BT_ACK_RADIUS : 0;
	size_t hi = index + BT_ACK_RADIUS < s->n ? index + BT_ACK_RADIUS : s->n - 1;
	for (size_t k = lo; k <= hi; k++)
		if (s->points[k].commit &&
		    bt_ack_matches(acks, s->series_key, s->points[k].commit))
			return 1;
	return 0;
}
