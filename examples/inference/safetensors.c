/* The safetensors reader (safetensors.h has the format and the checks). */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int st_errorf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#define fail st_errorf

static void release(struct st_file *f)
{
	for (size_t i = 0; i < f->n_tensors; i++)
		free(f->tensors[i].name);
	free(f->tensors);
	free(f->path);
	if (f->map)
		munmap(f->map, f->map_size);
	memset(f, 0, sizeof *f);
}

void st_close(struct st_file *f)
{
	release(f);
}

/* The name of the tensor whose entry holds byte pos of the header text
 * (the last key before pos whose value is an object), for messages about
 * malformed JSON; "" when there is none. */
static void tensor_near(const char *h, size_t len, size_t pos, char *out,
			size_t outlen)
{
	out[0] = '\0';
	if (pos > len)
		pos = len;
	for (size_t i = pos; i-- > 0;) {
		if (h[i] != '{' || i == 0)
			continue;
		size_t j = i;
		while (j > 0 && (h[j - 1] == ' ' || h[j - 1] == '\n'))
			j--;
		if (j == 0 || h[j - 1] != ':')
			continue;
		j--;
		while (j > 0 && (h[j - 1] == ' ' || h[j - 1] == '\n'))
			j--;
		if (j == 0 || h[j - 1] != '"')
			continue;
		size_t e = j - 1, b = e;
		while (b > 0 && h[b - 1] != '"')
			b--;
		if (b == 0)
			return;
		size_t n = e - b < outlen - 1 ? e - b : outlen - 1;
		memcpy(out, h + b, n);
		out[n] = '\0';
		return;
	}
}

static int cmp_begin(const void *a, const void *b)
{
	const struct st_tensor *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

/* Reads one tensor entry (value v of key name) into t. */
static int read_entry(const char *path, const char *name, json_t *v,
		      uint64_t data_size, struct st_tensor *t, char *err,
		      size_t errlen)
{
	if (!json_is_object(v))
		return fail(err, errlen, "%s: tensor '%s': entry is not an object",
			    path, name);
	json_t *dt = json_object_get(v, "dtype");
	json_t *sh = json_object_get(v, "shape");
	json_t *off = json_object_get(v, "data_offsets");
	if (!json_is_string(dt))
		return fail(err, errlen, "%s: tensor '%s': no \"dtype\" string",
			    path, name);
	if (strcmp(json_string_value(dt), "F32") != 0)
		return fail(err, errlen,
			    "%s: tensor '%s': dtype %s is not supported (only F32)",
			    path, name, json_string_value(dt));
	if (!json_is_array(sh))
		return fail(err, errlen, "%s: tensor '%s': no \"shape\" array",
			    path, name);
	size_t nd = json_array_size(sh);
	if (nd > ST_MAX_DIMS)
		return fail(err, errlen, "%s: tensor '%s': %zu dimensions (at most %d)",
			    path, name, nd, ST_MAX_DIMS);
	uint64_t count = 1;
	int overflow = 0;
	for (size_t k = 0; k < nd; k++) {
		json_t *d = json_array_get(sh, k);
		if (!json_is_integer(d) || json_integer_value(d) < 0)
			return fail(err, errlen,
				    "%s: tensor '%s': shape[%zu] is not a non-negative integer",
				    path, name, k);
		uint64_t x = (uint64_t)json_integer_value(d);
		t->shape[k] = (int64_t)x;
		if (x && count > UINT64_MAX / 4 / x)
			overflow = 1;
		else
			count *= x;
	}
	t->ndim = (int)nd;
	if (!json_is_array(off) || json_array_size(off) != 2 ||
	    !json_is_integer(json_array_get(off, 0)) ||
	    !json_is_integer(json_array_get(off, 1)) ||
	    json_integer_value(json_array_get(off, 0)) < 0 ||
	    json_integer_value(json_array_get(off, 1)) < 0)
		return fail(err, errlen,
			    "%s: tensor '%s': \"data_offsets\" is not [begin, end] of non-negative integers",
			    path, name);
	t->begin = (uint64_t)json_integer_value(json_array_get(off, 0));
	t->end = (uint64_t)json_integer_value(json_array_get(off, 1));
	if (t->end < t->begin)
		return fail(err, errlen,
			    "%s: tensor '%s': data_offsets [%llu, %llu) end before begin",
			    path, name, (unsigned long long)t->begin,
			    (unsigned long long)t->end);
	if (t->end > data_size)
		return fail(err, errlen,
			    "%s: tensor '%s': data_offsets [%llu, %llu) reach past the data section "
			    "(%llu bytes; file truncated?)",
			    path, name, (unsigned long long)t->begin,
			    (unsigned long long)t->end, (unsigned long long)data_size);
	if (overflow || t->end - t->begin != count * 4)
		return fail(err, errlen,
			    "%s: tensor '%s': shape needs %llu bytes of F32 but data_offsets [%llu, %llu) hold %llu",
			    path, name, overflow ? 0ull : (unsigned long long)(count * 4),
			    (unsigned long long)t->begin, (unsigned long long)t->end,
			    (unsigned long long)(t->end - t->begin));
	if (t->begin % 4)
		return fail(err, errlen, "%s: tensor '%s': data offset %llu is not 4-byte aligned",
			    path, name, (unsigned long long)t->begin);
	return 0;
}

int st_parse(struct st_file *f, const void *buf, size_t size, const char *path,
	     char *err, size_t errlen)
{
	const unsigned char *p = buf;
	char near[128];

	memset(f, 0, sizeof *f);
	if (size < 8)
		return fail(err, errlen, "%s: %zu bytes, too short for the 8-byte header length",
			    path, size);
	uint64_t n = 0;
	for (int i = 7; i >= 0; i--)
		n = (n << 8) | p[i];
	if (n < 2 || n > ST_MAX_HEADER)
		return fail(err, errlen, "%s: header length %llu out of bounds (2..%u)",
			    path, (unsigned long long)n, ST_MAX_HEADER);
	if (n > size - 8)
		return fail(err, errlen, "%s: header length %llu reaches past the end of the file (%zu bytes)",
			    path, (unsigned long long)n, size);
	if ((8 + n) % 4)
		return fail(err, errlen, "%s: header length %llu leaves the data section unaligned",
			    path, (unsigned long long)n);
	const char *h = (const char *)p + 8;
	if (h[0] != '{')
		return fail(err, errlen, "%s: header does not start with '{'", path);
	json_error_t je;
	json_t *root = json_loadb(h, (size_t)n, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		tensor_near(h, (size_t)n, (size_t)je.position, near, sizeof near);
		if (near[0])
			return fail(err, errlen, "%s: tensor '%s': header is not valid JSON at byte %d: %s",
				    path, near, je.position, je.text);
		return fail(err, errlen, "%s: header is not valid JSON at byte %d: %s",
			    path, je.position, je.text);
	}
	int rc = -1;
	if (!json_is_object(root)) {
		fail(err, errlen, "%s: header is not a JSON object", path);
		goto out;
	}
	f->path = strdup(path);
	f->header_len = n;
	f->data = p + 8 + n;
	f->data_size = size - 8 - n;
	size_t cap = json_object_size(root);
	f->tensors = calloc(cap ? cap : 1, sizeof *f->tensors);
	if (!f->path || !f->tensors) {
		fail(err, errlen, "%s: out of memory", path);
		goto out;
	}
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "__metadata__") == 0) {
			const char *mk;
			json_t *mv;
			if (!json_is_object(v)) {
				fail(err, errlen, "%s: __metadata__ is not an object", path);
				goto out;
			}
			json_object_foreach(v, mk, mv) {
				if (!json_is_string(mv)) {
					fail(err, errlen, "%s: __metadata__ '%s' is not a string",
					     path, mk);
					goto out;
				}
			}
			continue;
		}
		struct st_tensor *t = &f->tensors[f->n_tensors];
		if (read_entry(path, key, v, f->data_size, t, err, errlen))
			goto out;
		t->name = strdup(key);
		if (!t->name) {
			fail(err, errlen, "%s: out of memory", path);
			goto out;
		}
		t->data = (const float *)(f->data + t->begin);
		f->n_tensors++;
	}
	qsort(f->tensors, f->n_tensors, sizeof *f->tensors, cmp_begin);
	uint64_t at = 0;
	for (size_t i = 0; i < f->n_tensors; i++) {
		const struct st_tensor *t = &f->tensors[i];
		if (t->begin < at) {
			fail(err, errlen, "%s: tensor '%s': data_offsets [%llu, %llu) overlap tensor '%s'",
			     path, t->name, (unsigned long long)t->begin,
			     (unsigned long long)t->end, f->tensors[i - 1].name);
			goto out;
		}
		if (t->begin > at) {
			fail(err, errlen, "%s: tensor '%s': a hole of %llu bytes before its data",
			     path, t->name, (unsigned long long)(t->begin - at));
			goto out;
		}
		at = t->end;
	}
	if (at != f->data_size) {
		fail(err, errlen, "%s: %llu bytes after the last tensor's data",
		     path, (unsigned long long)(f->data_size - at));
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	if (rc)
		release(f);
	return rc;
}

int st_open(struct st_file *f, const char *path, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail(err, errlen, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "%s: not a regular file", path);
	}
	size_t size = (size_t)st.st_size;
	if (size < 8) {
		close(fd);
		return fail(err, errlen, "%s: %zu bytes, too short for the 8-byte header length",
			    path, size);
	}
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return fail(err, errlen, "%s: mmap: %s", path, strerror(e));
	if (st_parse(f, map, size, path, err, errlen)) {
		munmap(map, size);
		return -1;
	}
	f->map = map;
	f->map_size = size;
	return 0;
}

const struct st_tensor *st_find(const struct st_file *f, const char *name)
{
	for (size_t i = 0; i < f->n_tensors; i++)
		if (strcmp(f->tensors[i].name, name) == 0)
			return &f->tensors[i];
	return NULL;
}

static void shape_text(char *out, size_t len, int nd, const int64_t *sh)
{
	size_t at = 0;
	at += (size_t)snprintf(out + at, len - at, "[");
	for (int k = 0; k < nd && at < len; k++)
		at += (size_t)snprintf(out + at, len - at, "%s%lld", k ? ", " : "",
				       (long long)sh[k]);
	if (at < len)
		snprintf(out + at, len - at, "]");
}

int st_expect(const struct st_file *f, const char *name, int ndim,
	      const int64_t *shape, const float **out, char *err, size_t errlen)
{
	const struct st_tensor *t = st_find(f, name);
	char got[128], want[128];
	if (!t)
		return fail(err, errlen, "%s: tensor '%s': missing (the config needs it)",
			    f->path, name);
	int same = t->ndim == ndim;
	for (int k = 0; same && k < ndim; k++)
		same = t->shape[k] == shape[k];
	if (!same) {
		shape_text(got, sizeof got, t->ndim, t->shape);
		shape_text(want, sizeof want, ndim, shape);
		return fail(err, errlen, "%s: tensor '%s': shape %s where the config needs %s",
			    f->path, name, got, want);
	}
	*out = t->data;
	return 0;
}
