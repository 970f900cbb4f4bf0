/* Correctness checks: bt_check_close and its float variant.
 * Error measure: normwise relative error max|got-want| / max|want| (a
 * pointwise relative error blows up on outputs near zero); a NaN anywhere
 * in got fails the check. */
#include <math.h>

#include "internal.h"

static int check(bt_state *s, const float *gotf, const double *gotd,
		 const double *want, size_t count, double rel_tol)
{
	double max_abs = 0, max_want = 0;
	int nan = 0;
	for (size_t i = 0; i < count; i++) {
		double g = gotf ? (double)gotf[i] : gotd[i];
		double d = fabs(g - want[i]);
		if (isnan(d))
			nan = 1;
		else if (d > max_abs)
			max_abs = d;
		if (fabs(want[i]) > max_want)
			max_want = fabs(want[i]);
	}
	double rel;
	if (nan)
		rel = max_abs = NAN;
	else if (max_want > 0)
		rel = max_abs / max_want;
	else
		rel = max_abs > 0 ? INFINITY : 0;
	bt__exec_validation(s, max_abs, rel, rel_tol);
	return rel <= rel_tol;
}

int bt_check_close(bt_state *s, const double *got, const double *want,
		   size_t count, double rel_tol)
{
	return check(s, NULL, got, want, count, rel_tol);
}

int bt_check_close_f(bt_state *s, const float *got, const double *want,
		     size_t count, double rel_tol)
{
	return check(s, got, NULL, want, count, rel_tol);
}
