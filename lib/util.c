/* Small shared utilities: arena, hashing, whole-file I/O, dates, hex. */
#include <math.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pthread.h>

#include "internal.h"

struct chunk {
	struct chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct bt_arena {
	struct chunk *head;
};

struct bt_arena *bt__arena_new(void)
{
	return calloc(1, sizeof(struct bt_arena));
}

void bt__arena_free(struct bt_arena *a)
{
	if (!a)
		return;
	struct chunk *c = a->head;
	while (c) {
		struct chunk *n = c->next;
		free(c);
		c = n;
	}
	free(a);
}

void *bt__arena_alloc(struct bt_arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	struct chunk *c = a->head;
	if (!c || c->size - c->used < size) {
		size_t cap = size > 32768 ? size : 32768;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->size = cap;
		c->used = 0;
		if (a->head && size > 32768) {
			/* a big block gets its own chunk behind the current one */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *bt__arena_strndup(struct bt_arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *p = bt__arena_alloc(a, n + 1);
	if (p)
		memcpy(p, s, n);
	return p;
}

char *bt__arena_strdup(struct bt_arena *a, const char *s)
{
	return s ? bt__arena_strndup(a, s, strlen(s)) : NULL;
}

uint64_t bt__fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t bt__fnv1a_str(uint64_t h, const char *s)
{
	return bt__fnv1a(h, s ? s : "", (s ? strlen(s) : 0) + 1);
}

uint64_t bt__mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int bt__read_file(const char *path, size_t cap, char **data, size_t *len,
		  struct bt_strbuf *err)
{
	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (a FIFO
	 * named run.json in a store hung the dashboard). Only regular files
	 * are read (/proc and sysfs files are regular, with st_size 0); the
	 * flag is cleared before reading. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return bt_error(err, errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
				"%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return bt_error(err, BT_EIO, "%s: %s", path, strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return bt_error(err, BT_EIO, "%s: is a directory", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return bt_error(err, BT_EIO, "%s: not a regular file", path);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		int e = errno;
		close(fd);
		return bt_error(err, BT_EIO, "%s: %s", path, strerror(e));
	}
	if ((uintmax_t)st.st_size > cap) {
		close(fd);
		return bt_error(err, BT_ETOOBIG, "%s: larger than %zu bytes", path, cap);
	}
	/* sized from fstat (+1 for the NUL, +1 to see EOF without growing);
	 * a file that grows while read still grows the buffer, up to cap + 1
	 * bytes read (then it is too big); one that shrinks just ends early */
	size_t alloc = st.st_size > 0 ? (size_t)st.st_size + 2 : 4096;
	size_t n = 0;
	char *buf = malloc(alloc);
	if (!buf) {
		close(fd);
		return BT_ENOMEM;
	}
	for (;;) {
		if (alloc - n < 2) {
			if (n > cap) {
				free(buf);
				close(fd);
				return bt_error(err, BT_ETOOBIG,
						"%s: larger than %zu bytes",
						path, cap);
			}
			size_t grow = alloc < cap / 2 ? alloc * 2 : cap + 2;
			if (grow <= alloc)
				grow = alloc + 4096;
			char *p = realloc(buf, grow);
			if (!p) {
				free(buf);
				close(fd);
				return BT_ENOMEM;
			}
			buf = p;
			alloc = grow;
		}
		ssize_t r = read(fd, buf + n, alloc - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return bt_error(err, BT_EIO, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > cap) {
		free(buf);
		return bt_error(err, BT_ETOOBIG, "%s: larger than %zu bytes",
				path, cap);
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int bt__write_file_atomic(const char *path, const char *data, size_t len,
			  struct bt_strbuf *err)
{
	struct bt_strbuf tmp = BT_STRBUF_INIT;
	if (bt_strbuf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid()))
		return BT_ENOMEM;
	int fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
		bt_strbuf_release(&tmp);
		return rc;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.buf, path) != 0)
		goto fail;
	/* make the rename durable */
	char *dcopy = strdup(path);
	if (dcopy) {
		int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dcopy);
	}
	bt_strbuf_release(&tmp);
	return 0;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.buf);
	bt_strbuf_release(&tmp);
	return bt_error(err, BT_EIO, "%s: %s", path, strerror(e));
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid:
 * no overlong forms, surrogates or code points above U+10FFFF. */
size_t bt__utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0], cp, min;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int bt__parse_u64_dec(const char *s, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	if (n == 0 || n > 20)
		return BT_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return BT_EINVAL;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return BT_EINVAL;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

/* --- dates and hex ---------------------------------------------------- */

int bt__days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

/* n digits at s as a number; -1 when they are not all digits. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int bt__parse_time(const char *s, time_t *t, const char **end)
{
	int y = digits(s, 4);
	if (y < 1970 || y > 2999)
		return BT_EINVAL;
	const char *p = s + 4;
	char dsep = 0;
	if (*p == '-' || *p == '_' || *p == '.' || *p == '/')
		dsep = *p++;
	int mo = digits(p, 2);
	p += 2;
	if (mo < 1 || mo > 12)
		return BT_EINVAL;
	if (dsep) {
		if (*p != dsep)
			return BT_EINVAL;
		p++;
	}
	int d = digits(p, 2);
	if (d < 1 || d > bt__days_in_month(y, mo))
		return BT_EINVAL;
	p += 2;
	/* digits right after the date: a compact time (YYYYMMDDHHMM[SS]) */
	int compact = isdigit((unsigned char)*p);
	if (compact && dsep)
		return BT_EINVAL;
	int h = 0, mi = 0, sec = 0;
	const char *q = p;
	if (compact || *q == 'T' || *q == 't' || *q == ' ' || *q == '_' ||
	    *q == '-') {
		q += !compact;
		int hh = digits(q, 2), mm = -1, ss = 0;
		const char *r = q + 2;
		char tsep = 0;
		if (hh >= 0 && (*r == ':' || *r == '-' || *r == '.'))
			tsep = *r++;
		if (hh >= 0)
			mm = digits(r, 2);
		if (hh >= 0 && hh < 24 && mm >= 0 && mm < 60) {
			r += 2;
			if (!tsep || *r == tsep) {
				const char *u = tsep ? r + 1 : r;
				int v = digits(u, 2);
				if (v >= 0 && v <= 60 && !isdigit((unsigned char)u[2])) {
					ss = v;
					r = u + 2;
				}
			}
			if (!isdigit((unsigned char)*r) && (!compact || !tsep)) {
				h = hh, mi = mm, sec = ss;
				p = r;
				if (*p == '.' || *p == ',') {
					const char *f = p + 1;
					while (isdigit((unsigned char)*f))
						f++;
					if (f > p + 1)
						p = f;
				}
			}
		}
	}
	if (isdigit((unsigned char)*p))
		return BT_EINVAL;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t v = timegm(&tm);
	/* the zone: Z, UTC, +HH:MM, +HHMM, +HH */
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (strncmp(p, "UTC", 3) == 0 || strncmp(p, " UTC", 4) == 0) {
		p += *p == ' ' ? 4 : 3;
	} else if ((*p == '+' || *p == '-') && p > s + 10) {
		int zh = digits(p + 1, 2), zm = 0;
		const char *z = p + 3;
		if (zh >= 0 && zh <= 14) {
			if (*z == ':')
				z++;
			int m2 = digits(z, 2);
			if (m2 >= 0 && m2 < 60) {
				zm = m2;
				z += 2;
			} else {
				z = p + 3;
			}
			if (!isdigit((unsigned char)*z)) {
				long off = (long)zh * 3600 + zm * 60;
				v += *p == '+' ? -off : off;
				p = z;
			}
		}
	}
	*t = v;
	*end = p;
	return 0;
}

int bt__is_hex(const char *s, size_t lo, size_t hi)
{
	size_t n = s ? strlen(s) : 0;
	if (!s || n < lo || n > hi)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int bt__is_series_key(const char *k)
{
	if (!k)
		return 0;
	for (int i = 0; i < 16; i++)
		if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
			return 0;
	return k[16] == '\0';
}

int bt__vec_reserve(void **v, size_t *alloc, size_t need, size_t size)
{
	if (need <= *alloc)
		return 0;
	size_t na = *alloc ? *alloc : 16;
	while (na < need) {
		if (na > SIZE_MAX / 2)
			return BT_ENOMEM;
		na *= 2;
	}
	if (size && na > SIZE_MAX / size)
		return BT_ENOMEM;
	void *p = realloc(*v, na * size);
	if (!p)
		return BT_ENOMEM;
	*v = p;
	*alloc = na;
	return 0;
}

int bt__all_finite(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

static int dump_add(const char *buf, size_t size, void *sb)
{
	return bt_strbuf_add(sb, buf, size) ? -1 : 0;
}

char *bt__json_dumps(const struct json_t *v, size_t flags)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;
	/* a failed append leaves sb failed: every later one fails too, and
	 * detach gives NULL, whether jansson stops or not */
	if (json_dump_callback(v, dump_add, &sb, flags)) {
		bt_strbuf_release(&sb);
		return NULL;
	}
	return bt_strbuf_detach(&sb);
}

/* jansson's allocation functions as they were, wrapped to note failures
 * of this thread's parse */
static json_malloc_t json_malloc_prev;
static _Thread_local int json_alloc_failed;
static pthread_once_t json_watch_once = PTHREAD_ONCE_INIT;

static void *json_malloc_watched(size_t n)
{
	void *p = json_malloc_prev(n);
	if (!p)
		json_alloc_failed = 1;
	return p;
}

static void json_watch(void)
{
	json_free_t free_fn;
	json_get_alloc_funcs(&json_malloc_prev, &free_fn);
	json_set_alloc_funcs(json_malloc_watched, free_fn);
}

json_t *bt__json_loadb(const char *buf, size_t len, size_t flags, json_error_t *je, int *oom)
{
	json_error_t own;
	pthread_once(&json_watch_once, json_watch);
	json_alloc_failed = 0;
	json_t *root = json_loadb(buf, len, flags, je ? je : &own);
	*oom = json_alloc_failed ||
	       (!root && json_error_code(je ? je : &own) == json_error_out_of_memory);
	if (*oom) {
		json_decref(root);
		root = NULL;
	}
	return root;
}
