/* The vector kernels of kernelized.c, written once and included once per
 * instruction set: the includer defines SFX (the name suffix), ATTR (a
 * target attribute or nothing), VT (an 8-float vector type), VZERO,
 * VLOAD(p) (unaligned), VFMA(a, b, c) (a * b + c), VSET1(f) and VHSUM(v)
 * (the sum of the lanes); PREFETCH(p) is __builtin_prefetch. It undefines
 * them at its end. No include guard, on purpose. Lengths need not
 * be multiples of 8: the tails are scalar. */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

/* out[r * ldo + o] (+)= x[r] . w[o] for nr rows (<= 4) and no outputs
 * (<= 4) with nr * no <= 8 or no == 4 and nr == 1. */
ATTR static void CAT(tile, SFX)(float *out, size_t ldo, const float *x,
				const float *w, int nr, int no, int in,
				int accumulate)
{
	VT acc[8];
	float res[8], tail[8] = { 0 };
	int na = nr * no, i = 0;
	for (int a = 0; a < 8; a++)
		acc[a] = VZERO;
	if (nr == 4 && no == 2) {
		const float *x0 = x, *x1 = x + in, *x2 = x + 2 * (size_t)in,
			    *x3 = x + 3 * (size_t)in, *w0 = w, *w1 = w + in;
		for (; i + 8 <= in; i += 8) {
			VT b0 = VLOAD(w0 + i), b1 = VLOAD(w1 + i), a;
			a = VLOAD(x0 + i);
			acc[0] = VFMA(a, b0, acc[0]);
			acc[1] = VFMA(a, b1, acc[1]);
			a = VLOAD(x1 + i);
			acc[2] = VFMA(a, b0, acc[2]);
			acc[3] = VFMA(a, b1, acc[3]);
			a = VLOAD(x2 + i);
			acc[4] = VFMA(a, b0, acc[4]);
			acc[5] = VFMA(a, b1, acc[5]);
			a = VLOAD(x3 + i);
			acc[6] = VFMA(a, b0, acc[6]);
			acc[7] = VFMA(a, b1, acc[7]);
		}
	} else if (nr == 1 && no == 4) {
		const float *w0 = w, *w1 = w + in, *w2 = w + 2 * (size_t)in,
			    *w3 = w + 3 * (size_t)in;
		/* the next tile's rows follow these four: fetch them ahead,
		 * two cache lines a step, across page boundaries too */
		const char *nx = (const char *)(w + 4 * (size_t)in);
		for (; i + 8 <= in; i += 8) {
			VT a = VLOAD(x + i);
			PREFETCH(nx + 16 * (size_t)i);
			PREFETCH(nx + 16 * (size_t)i + 64);
			acc[0] = VFMA(a, VLOAD(w0 + i), acc[0]);
			acc[1] = VFMA(a, VLOAD(w1 + i), acc[1]);
			acc[2] = VFMA(a, VLOAD(w2 + i), acc[2]);
			acc[3] = VFMA(a, VLOAD(w3 + i), acc[3]);
		}
	} else {
		for (int r = 0; r < nr; r++)
			for (int o = 0; o < no; o++) {
				const float *xa = x + (size_t)r * in, *wb = w + (size_t)o * in;
				VT s = VZERO;
				int k = 0;
				for (; k + 8 <= in; k += 8)
					s = VFMA(VLOAD(xa + k), VLOAD(wb + k), s);
				float t = 0;
				for (; k < in; k++)
					t += xa[k] * wb[k];
				acc[r * no + o] = s;
				tail[r * no + o] = t;
			}
		i = in;
	}
	for (; i < in; i++) /* tails of the two tiles above */
		for (int r = 0; r < nr; r++)
			for (int o = 0; o < no; o++)
				tail[r * no + o] += x[(size_t)r * in + i] * w[(size_t)o * in + i];
	for (int a = 0; a < na; a++)
		res[a] = VHSUM(acc[a]) + tail[a];
	for (int r = 0; r < nr; r++)
		for (int o = 0; o < no; o++) {
			float *p = out + (size_t)r * ldo + o;
			*p = accumulate ? *p + res[r * no + o] : res[r * no + o];
		}
}

/* Outputs [o0, o1) of out = x W^T for n rows (row stride ldo in out), in
 * blocks of 64 weight rows that stay in cache while the rows pass. */
ATTR static void CAT(mm_range, SFX)(float *out, size_t ldo, const float *x,
				    const float *w, int n, int in, int o0,
				    int o1, int accumulate)
{
	for (int b0 = o0; b0 < o1; b0 += 64) {
		int b1 = o1 - b0 < 64 ? o1 : b0 + 64, r = 0;
		for (; r + 4 <= n; r += 4) {
			int o = b0;
			for (; o + 2 <= b1; o += 2)
				CAT(tile, SFX)(out + (size_t)r * ldo + o, ldo,
					       x + (size_t)r * in, w + (size_t)o * in,
					       4, 2, in, accumulate);
			for (; o < b1; o++)
				CAT(tile, SFX)(out + (size_t)r * ldo + o, ldo,
					       x + (size_t)r * in, w + (size_t)o * in,
					       4, 1, in, accumulate);
		}
		for (; r < n; r++) {
			int o = b0;
			for (; o + 4 <= b1; o += 4)
				CAT(tile, SFX)(out + (size_t)r * ldo + o, ldo,
					       x + (size_t)r * in, w + (size_t)o * in,
					       1, 4, in, accumulate);
			for (; o < b1; o++)
				CAT(tile, SFX)(out + (size_t)r * ldo + o, ldo,
					       x + (size_t)r * in, w + (size_t)o * in,
					       1, 1, in, accumulate);
		}
	}
}

/* One row and head of attention: s has pos + 1 floats. */
ATTR static void CAT(attn_row, SFX)(float *o, const float *q, const float *kb,
				    const float *vb, int pos, int dim, int hd,
				    float *s)
{
	float scale = 1.0f / sqrtf((float)hd), mx = -INFINITY, sum = 0;
	for (int t = 0; t <= pos; t++) {
		const float *k = kb + (size_t)t * dim;
		VT acc = VZERO;
		int i = 0;
		for (; i + 8 <= hd; i += 8)
			acc = VFMA(VLOAD(q + i), VLOAD(k + i), acc);
		float d = VHSUM(acc);
		for (; i < hd; i++)
			d += q[i] * k[i];
		s[t] = d * scale;
		mx = s[t] > mx ? s[t] : mx;
	}
	for (int t = 0; t <= pos; t++) {
		s[t] = expf(s[t] - mx);
		sum += s[t];
	}
	float inv = 1.0f / sum;
	for (int i = 0; i < hd; i++)
		o[i] = 0;
	for (int t = 0; t <= pos; t++) {
		const float *v = vb + (size_t)t * dim;
		float p = s[t] * inv;
		VT pv = VSET1(p);
		int i = 0;
		for (; i + 8 <= hd; i += 8) {
			VT ov = VFMA(pv, VLOAD(v + i), VLOAD(o + i));
			memcpy(o + i, &ov, sizeof ov);
		}
		for (; i < hd; i++)
			o[i] += p * v[i];
	}
}

#undef CAT
#undef CAT_
#undef SFX
#undef ATTR
#undef VT
#undef VZERO
#undef VLOAD
#undef VFMA
#undef VSET1
#undef VHSUM
