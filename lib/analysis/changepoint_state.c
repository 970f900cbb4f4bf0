/* The change-point detector's update state: its lifetime, the test that a
 * state can serve given options, and its byte form for the change-point
 * cache (contracts in lib/analysis/changepoint_state.h and lib/internal.h;
 * the detector that fills the state is lib/analysis/changepoint.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/analysis.h"
#include "benchtrack/error.h"
#include "internal.h"

#include "changepoint_state.h"

void bt__cp_state_free(struct bt_cp_state *st)
{
	if (!st)
		return;
	free(st->y);
	free(st->win);
	free(st->found);
	free(st->perm);
	free(st);
}

int bt__cp_opts_same(const struct bt_cp_opts *a, const struct bt_cp_opts *b)
{
	return a->window == b->window && a->max_pvalue == b->max_pvalue &&
	       a->min_magnitude == b->min_magnitude && a->noise_k == b->noise_k &&
	       a->autocorr == b->autocorr && a->rank_max_pvalue == b->rank_max_pvalue &&
	       a->permutations == b->permutations && a->seed == b->seed &&
	       a->min_after == b->min_after &&
	       a->suppress_spikes == b->suppress_spikes &&
	       a->otava_compat == b->otava_compat &&
	       a->perm_max_pvalue == b->perm_max_pvalue &&
	       a->count_floor == b->count_floor;
}

/* --- the update state as bytes (lib/internal.h) ---------------------------- */

/* opts, scale, then the counts ny, n_win, n_found, n_perm and the arrays */
size_t bt__cp_state_size(const struct bt_cp_result *r)
{
	const struct bt_cp_state *st = r ? r->state : NULL;
	if (!st)
		return 0;
	return sizeof st->opts + sizeof st->scale + 4 * sizeof(uint64_t) +
	       st->ny * sizeof *st->y + st->n_win * sizeof *st->win +
	       st->n_found * sizeof *st->found + st->n_perm * sizeof *st->perm;
}

void bt__cp_state_pack(const struct bt_cp_result *r, char *out)
{
	const struct bt_cp_state *st = r->state;
	uint64_t k[4] = { st->ny, st->n_win, st->n_found, st->n_perm };
#define PUT(p, n) (memcpy(out, (p), (n)), out += (n))
	PUT(&st->opts, sizeof st->opts);
	PUT(&st->scale, sizeof st->scale);
	PUT(k, sizeof k);
	if (st->ny)
		PUT(st->y, st->ny * sizeof *st->y);
	if (st->n_win)
		PUT(st->win, st->n_win * sizeof *st->win);
	if (st->n_found)
		PUT(st->found, st->n_found * sizeof *st->found);
	if (st->n_perm)
		PUT(st->perm, st->n_perm * sizeof *st->perm);
#undef PUT
}

/* A copy of k elements of size bytes at *p into *v (cap *cap); -1 past
 * end, BT_ENOMEM. */
static int take_arr(const char **p, const char *end, uint64_t k, size_t size,
		    void **v, size_t *cap)
{
	if (k > (uint64_t)(end - *p) / size)
		return -1;
	if (!k)
		return 0;
	if (!(*v = malloc((size_t)k * size)))
		return BT_ENOMEM;
	memcpy(*v, *p, (size_t)k * size);
	*p += (size_t)k * size;
	*cap = (size_t)k;
	return 0;
}

int bt__cp_state_unpack(struct bt_cp_result *r, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	struct bt_cp_state *st;
	uint64_t k[4];
	int rc;

	memset(r, 0, sizeof *r);
	if (len < sizeof st->opts + sizeof st->scale + sizeof k)
		return -1;
	if (!(st = calloc(1, sizeof *st)))
		return BT_ENOMEM;
	memcpy(&st->opts, p, sizeof st->opts);
	p += sizeof st->opts;
	memcpy(&st->scale, p, sizeof st->scale);
	p += sizeof st->scale;
	memcpy(k, p, sizeof k);
	p += sizeof k;
	rc = take_arr(&p, end, k[0], sizeof *st->y, (void **)&st->y, &st->cap_y);
	if (!rc)
		rc = take_arr(&p, end, k[1], sizeof *st->win, (void **)&st->win, &st->cap_win);
	if (!rc)
		rc = take_arr(&p, end, k[2], sizeof *st->found, (void **)&st->found,
			      &st->cap_found);
	if (!rc)
		rc = take_arr(&p, end, k[3], sizeof *st->perm, (void **)&st->perm,
			      &st->cap_perm);
	st->ny = st->cap_y;
	st->n_win = st->cap_win;
	st->n_found = st->cap_found;
	st->n_perm = st->cap_perm;
	/* every window's points lie in found, every window on y */
	for (size_t i = 0; !rc && i < st->n_win; i++)
		if (st->win[i].first > st->n_found ||
		    st->win[i].count > st->n_found - st->win[i].first ||
		    st->win[i].start > st->win[i].end || st->win[i].end > st->ny)
			rc = -1;
	if (!rc && p != end)
		rc = -1;
	if (rc) {
		bt__cp_state_free(st);
		return rc;
	}
	r->state = st;
	r->n_series = st->ny;
	return 0;
}
