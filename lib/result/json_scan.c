/* The fast reader of run documents (see json_scan.h): a generic strict
 * one-pass JSON lexer, and a walk of the field table of lib/result/schema.c that
 * fills struct bt_run directly by the same rules as the strict reader of
 * lib/result/json.c (the rules in schema.h). The lexer follows jansson as json.c
 * calls it (json_loadb with JSON_REJECT_DUPLICATES): UTF-8 checked
 * everywhere, no control characters in strings, no \u0000, surrogates only
 * in pairs, integers within int64 and reals without overflow, no duplicate
 * keys in any object, only whitespace after the document.
 *
 * It never reports why it refuses: every refusal returns BT_EPARSE and
 * the caller asks the strict reader, which gives the exact error. So it
 * may refuse more than the strict reader (deep nesting, long numbers,
 * objects with very many keys) but must never accept anything that
 * reader rejects. A new field is a line in the table, read by both
 * (tests/unit/test_json.c compares the two on the fixtures and on
 * generated runs). */
#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "json_scan.h"
#include "schema.h"

#define RUN_MAX_BYTES ((size_t)256 << 20) /* as json.c */
#define MAX_DEPTH 512                     /* jansson's is 2048 */
#define MAX_KEYS 64                       /* per object, for the dup check */
#define MAX_LISTS 8                       /* arrays and maps inside each other */

struct vec {
	void *p;
	size_t n, cap; /* n elements; cap in bytes (a vector is reused for
			* elements of another size) */
};

struct sc {
	const unsigned char *p, *end;
	struct bt_arena *a;
	int depth;
	int samples;
	char *sbuf; /* decoded strings with escapes */
	size_t scap;
	struct vec vs[MAX_LISTS]; /* one per array or map being read */
	int lists;
};

/* The keys of one object so far, for the duplicate check. */
struct keys {
	int n, first;
	uint32_t h[MAX_KEYS];
	const char *s[MAX_KEYS];
	size_t len[MAX_KEYS];
};

#define FAIL BT_EPARSE /* never -1, which is BT_ENOMEM */

/* --- scratch vectors ------------------------------------------------------ */

static void *vpush(struct vec *v, size_t size)
{
	size_t used = v->n * size;
	if (v->cap - used < size && bt__vec_reserve(&v->p, &v->cap, used + size, 1))
		return NULL;
	void *e = (char *)v->p + used;
	v->n++;
	memset(e, 0, size);
	return e;
}

/* The n elements of v from the start, copied into the arena; NULL for
 * none (as json.c's alloc_n). *ok 0 when out of memory. */
static void *vdone(struct sc *c, struct vec *v, size_t size, int *ok)
{
	*ok = 1;
	if (!v->n)
		return NULL;
	void *p = bt__arena_alloc(c->a, v->n * size);
	if (!p) {
		*ok = 0;
		return NULL;
	}
	memcpy(p, v->p, v->n * size);
	return p;
}

/* --- lexical -------------------------------------------------------------- */

static inline void ws(struct sc *c)
{
	const unsigned char *p = c->p, *e = c->end;
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	c->p = p;
}

/* The next byte after whitespace (0 at the end: never a valid byte
 * there, as a NUL byte in the text is invalid too). */
static inline int peek(struct sc *c)
{
	ws(c);
	return c->p < c->end ? *c->p : 0;
}

static int hex4(const unsigned char *p, const unsigned char *e, unsigned *out)
{
	unsigned v = 0;
	if (e - p < 4)
		return FAIL;
	for (int i = 0; i < 4; i++) {
		unsigned ch = p[i], d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return FAIL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static int sput(struct sc *c, size_t *o, const void *b, size_t k)
{
	if (c->scap - *o < k + 1 &&
	    bt__vec_reserve((void **)&c->sbuf, &c->scap, *o + k + 1, 1))
		return FAIL;
	memcpy(c->sbuf + *o, b, k);
	*o += k;
	return 0;
}

/* The string at c->p (on its '"'). *s, *n: its decoded bytes, in the text
 * when it has no escapes, else in c->sbuf (valid until the next string).
 * *esc says which. Never NUL-terminated; never contains NUL. */
static int str(struct sc *c, const char **s, size_t *n, int *esc)
{
	const unsigned char *p = c->p + 1, *e = c->end, *start = p;
	for (;;) {
		if (p >= e)
			return FAIL;
		unsigned ch = *p;
		if (ch == '"') {
			*s = (const char *)start;
			*n = (size_t)(p - start);
			if (esc)
				*esc = 0;
			c->p = p + 1;
			return 0;
		}
		if (ch == '\\')
			break;
		if (ch < 0x20)
			return FAIL;
		if (ch < 0x80) {
			p++;
		} else {
			size_t k = bt__utf8_seq(p, (size_t)(e - p));
			if (!k)
				return FAIL;
			p += k;
		}
	}
	/* escapes: decode into sbuf */
	size_t o = 0;
	if (sput(c, &o, start, (size_t)(p - start)))
		return FAIL;
	for (;;) {
		if (p >= e)
			return FAIL;
		unsigned ch = *p;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return FAIL;
		if (ch >= 0x80) {
			size_t k = bt__utf8_seq(p, (size_t)(e - p));
			if (!k || sput(c, &o, p, k))
				return FAIL;
			p += k;
			continue;
		}
		if (ch != '\\') {
			if (sput(c, &o, p, 1))
				return FAIL;
			p++;
			continue;
		}
		if (++p >= e)
			return FAIL;
		char b[4];
		size_t k = 1;
		switch (*p) {
		case '"': b[0] = '"'; break;
		case '\\': b[0] = '\\'; break;
		case '/': b[0] = '/'; break;
		case 'b': b[0] = '\b'; break;
		case 'f': b[0] = '\f'; break;
		case 'n': b[0] = '\n'; break;
		case 'r': b[0] = '\r'; break;
		case 't': b[0] = '\t'; break;
		case 'u': {
			unsigned v, v2;
			if (hex4(p + 1, e, &v))
				return FAIL;
			p += 4;
			if (v >= 0xd800 && v <= 0xdbff) {
				if (e - p < 3 || p[1] != '\\' || p[2] != 'u' ||
				    hex4(p + 3, e, &v2) || v2 < 0xdc00 ||
				    v2 > 0xdfff)
					return FAIL;
				p += 6;
				v = ((v - 0xd800) << 10) + (v2 - 0xdc00) + 0x10000;
			} else if ((v >= 0xdc00 && v <= 0xdfff) || v == 0) {
				return FAIL; /* lone low surrogate; \u0000 */
			}
			if (v < 0x80) {
				b[0] = (char)v;
			} else if (v < 0x800) {
				b[0] = (char)(0xc0 | v >> 6);
				b[1] = (char)(0x80 | (v & 0x3f));
				k = 2;
			} else if (v < 0x10000) {
				b[0] = (char)(0xe0 | v >> 12);
				b[1] = (char)(0x80 | ((v >> 6) & 0x3f));
				b[2] = (char)(0x80 | (v & 0x3f));
				k = 3;
			} else {
				b[0] = (char)(0xf0 | v >> 18);
				b[1] = (char)(0x80 | ((v >> 12) & 0x3f));
				b[2] = (char)(0x80 | ((v >> 6) & 0x3f));
				b[3] = (char)(0x80 | (v & 0x3f));
				k = 4;
			}
			break;
		}
		default:
			return FAIL;
		}
		if (sput(c, &o, b, k))
			return FAIL;
		p++;
	}
	*s = c->sbuf;
	*n = o;
	if (esc)
		*esc = 1;
	c->p = p + 1;
	return 0;
}

/* A number token. */
struct num {
	const char *t;
	size_t len;
	int isint;
	long mag; /* for reals: the value is below 10^mag */
};

/* The number at c->p, by the JSON grammar as jansson scans it. */
static int num_tok(struct sc *c, struct num *nm)
{
	const unsigned char *p = c->p, *e = c->end, *s = p;
	long intdig = 0, ex = 0;
	int isint = 1;
	if (p < e && *p == '-')
		p++;
	if (p >= e)
		return FAIL;
	if (*p == '0') {
		p++;
		if (p < e && *p >= '0' && *p <= '9')
			return FAIL;
	} else if (*p >= '1' && *p <= '9') {
		while (p < e && *p >= '0' && *p <= '9')
			p++, intdig++;
	} else {
		return FAIL;
	}
	if (p < e && *p == '.') {
		isint = 0;
		p++;
		if (p >= e || *p < '0' || *p > '9')
			return FAIL;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		int neg = 0;
		isint = 0;
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			neg = *p++ == '-';
		if (p >= e || *p < '0' || *p > '9')
			return FAIL;
		while (p < e && *p >= '0' && *p <= '9') {
			if (ex < 100000)
				ex = ex * 10 + (*p - '0');
			p++;
		}
		if (neg)
			ex = -ex;
	}
	nm->t = (const char *)s;
	nm->len = (size_t)(p - s);
	nm->isint = isint;
	nm->mag = intdig + ex;
	c->p = p;
	return 0;
}

/* strtoll's verdict on an integer token: overflow fails (jansson: "too big
 * integer"). */
static int num_i64(const struct num *nm, int64_t *out)
{
	const char *p = nm->t, *e = p + nm->len;
	int neg = *p == '-';
	if (neg)
		p++;
	uint64_t x = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (lim - d) / 10)
			return FAIL;
		x = x * 10 + d;
	}
	*out = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x)
		   : (int64_t)x;
	return 0;
}

/* strtod of a real token without strtod when that is certain (see
 * bt__decimal_double): 0 with *out set, else -1. */
static int fast_real(const struct num *nm, double *out)
{
	const char *p = nm->t, *e = p + nm->len;
	int neg = *p == '-', nd = 0;
	long k = 0;
	uint64_t w = 0;
	if (neg)
		p++;
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		if (w || *p != '0') {
			if (++nd > 19)
				return -1;
			w = w * 10 + (uint64_t)(*p - '0');
		}
	}
	if (p < e && *p == '.')
		for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
			k--;
			if (w || *p != '0') {
				if (++nd > 19)
					return -1;
				w = w * 10 + (uint64_t)(*p - '0');
			}
		}
	if (p < e && (*p == 'e' || *p == 'E')) {
		int eneg = 0;
		long x = 0;
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < e; p++)
			if ((x = x * 10 + (*p - '0')) > 1000)
				return -1;
		k += eneg ? -x : x;
	}
	return bt__decimal_double(w, k, neg, out);
}

/* The value jansson gives the token (json_number_value): an integer
 * converted to double, or strtod of a real, which must not overflow. */
static int num_double(const struct num *nm, double *out)
{
	if (nm->isint) {
		int64_t x;
		if (num_i64(nm, &x))
			return FAIL;
		*out = (double)x;
		return 0;
	}
	if (fast_real(nm, out) == 0)
		return 0;
	char buf[128];
	if (nm->len >= sizeof buf)
		return FAIL; /* rare: let the strict reader have it */
	memcpy(buf, nm->t, nm->len);
	buf[nm->len] = '\0';
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if (end != buf + nm->len) /* another locale's decimal point */
		return FAIL;
	if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
		return FAIL;
	*out = d;
	return 0;
}

/* A number that is only checked: what jansson would refuse fails. */
static int num_check(const struct num *nm)
{
	if (nm->isint) {
		if (nm->len <= 18)
			return 0;
		int64_t x;
		return num_i64(nm, &x);
	}
	if (nm->mag <= 300)
		return 0; /* below 10^300: no overflow */
	double d;
	return num_double(nm, &d);
}

static int lit(struct sc *c, const char *w, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return FAIL;
	c->p += n;
	return 0;
}

/* --- structure ------------------------------------------------------------ */

static int obj_open(struct sc *c, struct keys *k)
{
	if (peek(c) != '{' || ++c->depth > MAX_DEPTH)
		return FAIL;
	c->p++;
	k->n = 0;
	k->first = 1;
	return 0;
}

static uint32_t khash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Records the key s[0..n) of an object in k: FAIL when k has it already
 * (a duplicate key) or is full. esc: s is in c->sbuf (copied first). */
static int key_add(struct sc *c, struct keys *k, const char *s, size_t n,
		   int esc)
{
	uint32_t h = khash(s, n);
	for (int i = 0; i < k->n; i++)
		if (k->h[i] == h && k->len[i] == n && !memcmp(k->s[i], s, n))
			return FAIL; /* duplicate object key */
	if (k->n == MAX_KEYS)
		return FAIL;
	if (esc && !(s = bt__arena_strndup(c->a, s, n)))
		return FAIL;
	k->h[k->n] = h;
	k->s[k->n] = s;
	k->len[k->n] = n;
	k->n++;
	return 0;
}

/* The next key of the object: 1 with *key, *kn set and c->p on its value,
 * 0 at the end (the '}' consumed), FAIL. No duplicate check: *esc says
 * whether the key is in c->sbuf (valid until the next string). */
static int obj_next(struct sc *c, struct keys *k, const char **key, size_t *kn,
		    int *esc)
{
	int ch = peek(c);
	if (ch == '}') {
		c->p++;
		c->depth--;
		return 0;
	}
	if (!k->first) {
		if (ch != ',')
			return FAIL;
		c->p++;
		ch = peek(c);
	}
	if (ch != '"')
		return FAIL;
	k->first = 0;
	if (str(c, key, kn, esc))
		return FAIL;
	if (peek(c) != ':')
		return FAIL;
	c->p++;
	ws(c);
	return 1;
}

/* obj_next, and duplicate keys fail; the key stays valid. */
static int obj_key(struct sc *c, struct keys *k, const char **key, size_t *kn)
{
	int esc, r = obj_next(c, k, key, kn, &esc);
	if (r > 0) {
		if (key_add(c, k, *key, *kn, esc))
			return FAIL;
		*key = k->s[k->n - 1];
	}
	return r;
}

static int arr_open(struct sc *c, int *first)
{
	if (peek(c) != '[' || ++c->depth > MAX_DEPTH)
		return FAIL;
	c->p++;
	*first = 1;
	return 0;
}

/* 1 with c->p on the next element, 0 at the end (']' consumed), FAIL. */
static int arr_next(struct sc *c, int *first)
{
	int ch = peek(c);
	if (ch == ']') {
		c->p++;
		c->depth--;
		return 0;
	}
	if (!*first) {
		if (ch != ',')
			return FAIL;
		c->p++;
		ws(c);
	}
	*first = 0;
	return c->p < c->end ? 1 : FAIL;
}

/* Any value, checked and dropped. */
static int skip(struct sc *c)
{
	int ch = peek(c), r, first;
	struct keys k;
	const char *s;
	size_t n;
	struct num nm;
	switch (ch) {
	case '"':
		return str(c, &s, &n, NULL);
	case '{':
		if (obj_open(c, &k))
			return FAIL;
		while ((r = obj_key(c, &k, &s, &n)) > 0)
			if (skip(c))
				return FAIL;
		return r;
	case '[':
		if (arr_open(c, &first))
			return FAIL;
		while ((r = arr_next(c, &first)) > 0)
			if (skip(c))
				return FAIL;
		return r;
	case 't':
		return lit(c, "true", 4);
	case 'f':
		return lit(c, "false", 5);
	case 'n':
		return lit(c, "null", 4);
	default:
		if (num_tok(c, &nm))
			return FAIL;
		return num_check(&nm);
	}
}

/* --- typed values (the rules of schema.h) ---------------------------------- */

/* An optional string: null keeps *out; a string is copied to the arena. */
static int v_str(struct sc *c, const char **out)
{
	int ch = peek(c);
	if (ch == 'n')
		return lit(c, "null", 4);
	if (ch != '"')
		return FAIL;
	const char *s;
	size_t n;
	if (str(c, &s, &n, NULL))
		return FAIL;
	char *d = bt__arena_strndup(c->a, s, n);
	if (!d)
		return FAIL;
	*out = d;
	return 0;
}

/* A required string: null fails. */
static int v_rstr(struct sc *c, const char **out)
{
	return peek(c) == '"' ? v_str(c, out) : FAIL;
}

/* get_num: null is NAN. */
static inline int v_num(struct sc *c, double *out)
{
	int ch = peek(c);
	if (ch == 'n') {
		*out = NAN;
		return lit(c, "null", 4);
	}
	struct num nm;
	if (num_tok(c, &nm))
		return FAIL;
	return num_double(&nm, out);
}

/* get_i64 and friends: null keeps *out; an integer token in [lo, hi]. */
static int v_int(struct sc *c, int64_t lo, int64_t hi, int64_t *out, int *set)
{
	*set = 0;
	int ch = peek(c);
	if (ch == 'n')
		return lit(c, "null", 4);
	struct num nm;
	int64_t x;
	if (num_tok(c, &nm) || !nm.isint || num_i64(&nm, &x) || x < lo || x > hi)
		return FAIL;
	*out = x;
	*set = 1;
	return 0;
}

/* get_u64: null keeps; an integer >= 0, or a string of 1 to 20 digits. */
static int v_u64(struct sc *c, uint64_t *out)
{
	int ch = peek(c);
	if (ch == '"') {
		const char *s;
		size_t n;
		if (str(c, &s, &n, NULL) || bt__parse_u64_dec(s, n, out))
			return FAIL;
		return 0;
	}
	int set;
	int64_t x;
	if (v_int(c, 0, INT64_MAX, &x, &set))
		return FAIL;
	if (set)
		*out = (uint64_t)x;
	return 0;
}

/* get_bool: null keeps, or is -1 with tri. */
static int v_bool(struct sc *c, int tri, int *out)
{
	int ch = peek(c);
	if (ch == 'n') {
		if (tri)
			*out = -1;
		return lit(c, "null", 4);
	}
	if (ch == 't') {
		*out = 1;
		return lit(c, "true", 4);
	}
	if (ch == 'f') {
		*out = 0;
		return lit(c, "false", 5);
	}
	return FAIL;
}

/* --- the table walk (schema.h) ---------------------------------------- */

static int w_value(struct sc *c, const struct bt__field *f, char *base);

/* The field of ob named k, looked for from *hint on (documents list the
 * members in table order, so the next key is most often the next field);
 * NULL when ob has none. */
/* memcmp(a, b, n) == 0 for short keys, without the call: words at a time,
 * never reading past n bytes */
static inline int key_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;
	uint16_t g, h;
	for (; n >= 8; a += 8, b += 8, n -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		a += 4, b += 4, n -= 4;
	}
	if (n >= 2) {
		memcpy(&g, a, 2);
		memcpy(&h, b, 2);
		if (g != h)
			return 0;
		a += 2, b += 2, n -= 2;
	}
	return !n || *a == *b;
}

static inline const struct bt__field *w_find(const struct bt__obj *ob,
					     const char *k, size_t kn,
					     size_t *hint)
{
	size_t n = ob->n, i = *hint;
	for (size_t j = 0; j < n; j++, i++) {
		if (i == n)
			i = 0;
		const struct bt__field *f = &ob->f[i];
		if (f->klen == kn && key_eq(f->key, k, kn)) {
			*hint = i + 1;
			return f;
		}
	}
	return NULL;
}

/* The members of an object already opened into ks, into base; unknown
 * keys are checked and dropped; every required field must be there. */
static int w_object(struct sc *c, struct keys *ks, const struct bt__obj *ob,
		    char *base)
{
	size_t have = 0, hint = 0, kn;
	uint64_t seen = 0;
	const char *k;
	int r, esc;
	/* a duplicate of a field of the table is a field seen twice; other
	 * keys are kept in ks */
	while ((r = obj_next(c, ks, &k, &kn, &esc)) > 0) {
		const struct bt__field *f = w_find(ob, k, kn, &hint);
		if (!f) {
			if (key_add(c, ks, k, kn, esc) || skip(c))
				return FAIL;
			continue;
		}
		uint64_t bit = 1ull << (f - ob->f); /* tables hold < 64 fields */
		if (seen & bit)
			return FAIL; /* duplicate object key */
		seen |= bit;
		if (f->type == BT__T_NUM ? v_num(c, (double *)(base + f->off))
					 : w_value(c, f, base))
			return FAIL;
		if (f->post)
			f->post(base);
		if (f->check && f->check(base + f->off))
			return FAIL;
		have += f->flags & BT__F_REQ; /* each key at most once */
	}
	if (r < 0 || have != ob->n_req)
		return FAIL; /* a required field missing */
	return 0;
}

/* A LIST or MAP value (after its '[' or '{' was seen). */
static int w_list(struct sc *c, const struct bt__field *f, char *base)
{
	int map = f->type == BT__T_MAP, r, first;
	int store = !(f->flags & BT__F_SAMPLES) || c->samples;
	struct keys ks;
	const char *k;
	size_t kn;

	if (c->lists == MAX_LISTS || (map ? obj_open(c, &ks) : arr_open(c, &first)))
		return FAIL;
	struct vec *v = &c->vs[c->lists++];
	v->n = 0;
	while ((r = map ? obj_key(c, &ks, &k, &kn) : arr_next(c, &first)) > 0) {
		if (!store) {
			/* samples checked, not kept */
			struct num nm;
			if (*c->p == 'n' ? lit(c, "null", 4)
					 : num_tok(c, &nm) || num_check(&nm))
				return FAIL;
			continue;
		}
		char *e = vpush(v, f->esize);
		if (!e)
			return FAIL;
		if (f->init)
			f->init(e);
		if (map) {
			const char *key = bt__arena_strndup(c->a, k, kn);
			if (!key)
				return FAIL;
			memcpy(e + f->key_off, &key, sizeof key);
		}
		if (f->val->type == BT__T_NUM ? v_num(c, (double *)(e + f->val->off))
					      : w_value(c, f->val, e))
			return FAIL;
	}
	c->lists--;
	if (r < 0)
		return FAIL;
	if (store) {
		int ok;
		void *p = vdone(c, v, f->esize, &ok);
		if (!ok)
			return FAIL;
		memcpy(base + f->off, &p, sizeof p);
		*(size_t *)(base + f->n_off) = v->n;
	}
	return 0;
}

static int w_value(struct sc *c, const struct bt__field *f, char *base)
{
	char *p = base + f->off;
	int req = f->flags & BT__F_REQ, ch, set;
	int64_t x;
	const char *s;
	size_t n;
	struct keys ks;

	switch (f->type) {
	case BT__T_STR:
		return req ? v_rstr(c, (const char **)p) : v_str(c, (const char **)p);
	case BT__T_NUM:
		return v_num(c, (double *)p);
	case BT__T_INT:
	case BT__T_I64:
	case BT__T_SIZE:
		if (v_int(c, f->lo, f->hi, &x, &set))
			return FAIL;
		if (!set)
			return 0;
		if (f->type == BT__T_INT)
			*(int *)p = (int)x;
		else if (f->type == BT__T_SIZE)
			*(size_t *)p = (size_t)x;
		else
			*(int64_t *)p = x;
		return 0;
	case BT__T_U64:
		return v_u64(c, (uint64_t *)p);
	case BT__T_BOOL:
	case BT__T_TRI:
		return v_bool(c, f->type == BT__T_TRI, (int *)p);
	case BT__T_ENUM: {
		char b[32];
		int e;
		ch = peek(c);
		if (ch == 'n' && !req)
			return lit(c, "null", 4);
		if (ch != '"' || str(c, &s, &n, NULL) || n >= sizeof b)
			return FAIL;
		memcpy(b, s, n);
		b[n] = '\0';
		if (f->en->parse(b, &e))
			return FAIL;
		*(int *)p = e;
		return 0;
	}
	case BT__T_CONST:
		/* not stored: bt_run_init put the one value there */
		if (peek(c) != '"' || str(c, &s, &n, NULL) ||
		    n != strlen(f->cval) || memcmp(s, f->cval, n))
			return FAIL;
		return 0;
	case BT__T_OBJ:
		ch = peek(c);
		if (ch == 'n' && !req)
			return lit(c, "null", 4);
		if (ch != '{' || obj_open(c, &ks))
			return FAIL;
		if (f->pres == BT__P_FLAG)
			*(int *)(base + f->pres_off) = 1;
		return w_object(c, &ks, f->sub, p);
	case BT__T_LIST:
	case BT__T_MAP:
		ch = peek(c);
		if (ch == 'n' && !req)
			return lit(c, "null", 4);
		if (ch != (f->type == BT__T_MAP ? '{' : '['))
			return FAIL;
		return w_list(c, f, base);
	}
	return FAIL;
}

static void sc_release(struct sc *c)
{
	free(c->sbuf);
	for (int i = 0; i < MAX_LISTS; i++)
		free(c->vs[i].p);
}

int bt__run_scan(struct bt_run *run, const char *text, size_t len, int flags)
{
	if (!run || !run->arena || run->n_results || !text)
		return FAIL;
	if (bt__run_compressed(text, len)) {
		/* a compressed run file: its text (a damaged one fails, and
		 * the strict reader says why) */
		char *plain;
		size_t n;
		if (bt__run_inflate(NULL, text, len, RUN_MAX_BYTES, &plain, &n, NULL))
			return FAIL;
		int rc = bt__run_scan(run, plain, n, flags);
		free(plain);
		return rc;
	}
	if (len > RUN_MAX_BYTES)
		return FAIL;
	struct sc c;
	memset(&c, 0, sizeof c);
	c.p = (const unsigned char *)text;
	c.end = c.p + len;
	c.a = run->arena;
	c.samples = (flags & BT__SCAN_SAMPLES) != 0;
	int rc = w_value(&c, &bt__schema_run, (char *)run);
	if (!rc) {
		ws(&c);
		if (c.p != c.end)
			rc = FAIL; /* end of file expected */
	}
	/* a forged series key or a benchmark twice: the strict reader says so */
	if (!rc && bt__run_check_identity(run, NULL, NULL))
		rc = FAIL;
	sc_release(&c);
	return rc ? FAIL : 0;
}

int bt__scan_value(const char *text, size_t len, const struct bt__field *f,
		   void *base, struct bt_arena *a, size_t *used)
{
	if (!text || !f || !base || !a)
		return FAIL;
	struct sc c;
	memset(&c, 0, sizeof c);
	c.p = (const unsigned char *)text;
	c.end = c.p + len;
	c.a = a;
	c.samples = 1;
	int rc = w_value(&c, f, base);
	if (!rc && f->post)
		f->post(base);
	if (!rc && f->check && f->check((char *)base + f->off))
		rc = FAIL;
	if (!rc && used) {
		*used = (size_t)(c.p - (const unsigned char *)text);
	} else if (!rc) {
		ws(&c);
		if (c.p != c.end)
			rc = FAIL;
	}
	sc_release(&c);
	return rc ? FAIL : 0;
}

int bt__run_read_file_summary(struct bt_run *run, const char *path,
			      struct bt_strbuf *err)
{
	char *data;
	size_t len;
	if (!path || !run || !run->arena || run->n_results ||
	    bt__read_file(path, RUN_MAX_BYTES, &data, &len, NULL))
		return bt_run_read_file(run, path, err); /* it says what is wrong */
	int rc = bt__run_scan(run, data, len, 0);
	if (rc) {
		/* the strict reader on a fresh run says what is wrong */
		bt_run_release(run);
		rc = bt_run_init(run);
		if (!rc)
			rc = bt_run_from_json(run, data, len, path, err);
	}
	free(data);
	return rc;
}
