/* Finding suite executables under a directory without running anything:
 * a suite is an executable ELF file that holds the marker BT_MAIN embeds
 * (BT__SUITE_MARKER, include/benchtrack/bench.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The marker, stored with each byte xor 0x5a so that this library, which
 * every suite and the tool link, does not hold it whole. */
#define MARKER_LEN (sizeof BT__SUITE_MARKER - 1)

static void marker(unsigned char out[MARKER_LEN])
{
	static const unsigned char enc[] = {
		0x7f ^ 0x5a, 'B' ^ 0x5a, 'E' ^ 0x5a, 'N' ^ 0x5a, 'C' ^ 0x5a,
		'H' ^ 0x5a, 'T' ^ 0x5a, 'R' ^ 0x5a, 'A' ^ 0x5a, 'C' ^ 0x5a,
		'K' ^ 0x5a, '_' ^ 0x5a, 'S' ^ 0x5a, 'U' ^ 0x5a, 'I' ^ 0x5a,
		'T' ^ 0x5a, 'E' ^ 0x5a, '_' ^ 0x5a, 'M' ^ 0x5a, 'A' ^ 0x5a,
		'I' ^ 0x5a, 'N' ^ 0x5a, '_' ^ 0x5a, 'V' ^ 0x5a, '1' ^ 0x5a,
		0x7f ^ 0x5a,
	};
	_Static_assert(sizeof enc == MARKER_LEN, "the marker of bench.h");
	volatile unsigned char key = 0x5a; /* no folding back into the text */
	for (size_t i = 0; i < MARKER_LEN; i++)
		out[i] = enc[i] ^ key;
}

int bt_is_suite_file(const char *path, struct bt_strbuf *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return bt_error(err, BT_ESYS, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0 || st.st_size < 64)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES)
			return 0; /* executable, not readable: not ours to know */
		return bt_error(err, BT_ESYS, "%s: %s", path, strerror(errno));
	}
	unsigned char m[MARKER_LEN];
	marker(m);
	enum { CHUNK = 1 << 20 };
	unsigned char *buf = malloc(CHUNK + MARKER_LEN);
	if (!buf) {
		close(fd);
		return BT_ENOMEM;
	}
	size_t have = 0; /* bytes kept from the previous chunk */
	int found = 0, first = 1, rc = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = bt_error(err, BT_ESYS, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		size_t len = have + (size_t)r;
		if (first) {
			first = 0;
			if (len < 4 || memcmp(buf, "\177ELF", 4) != 0)
				break; /* not an ELF file: a script, data */
		}
		if (memmem(buf, len, m, MARKER_LEN)) {
			found = 1;
			break;
		}
		have = len < MARKER_LEN - 1 ? len : MARKER_LEN - 1;
		memmove(buf, buf + len - have, have);
	}
	free(buf);
	close(fd);
	return rc ? rc : found;
}

struct found {
	char **v;
	size_t n, alloc;
};

static int walk(const char *dir, struct found *f, int depth,
		struct bt_strbuf *err)
{
	if (depth > 32)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return bt_error(err, BT_ESYS, "%s: %s", dir, strerror(errno));
	struct dirent *de;
	int rc = 0;
	struct bt_strbuf p = BT_STRBUF_INIT;
	while (!rc && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		bt_strbuf_reset(&p);
		bt_strbuf_addf(&p, "%s%s%s", dir,
			       dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		struct stat st;
		if (lstat(p.buf, &st) != 0)
			continue; /* gone meanwhile */
		if (S_ISDIR(st.st_mode)) {
			rc = walk(p.buf, f, depth + 1, err);
			continue;
		}
		int is = bt_is_suite_file(p.buf, NULL);
		if (is <= 0)
			continue; /* unreadable files are not suites either */
		if (bt__vec_reserve((void **)&f->v, &f->alloc, f->n + 1, sizeof *f->v) ||
		    !(f->v[f->n] = strdup(p.buf)))
			rc = BT_ENOMEM;
		else
			f->n++;
	}
	closedir(d);
	bt_strbuf_release(&p);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int bt_discover_suites(const char *dir, char ***out, size_t *n,
		       struct bt_strbuf *err)
{
	struct found f = { NULL, 0, 0 };
	int rc = walk(dir, &f, 0, err);
	if (rc) {
		bt_model_names_free(f.v, f.n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	if (f.n)
		qsort(f.v, f.n, sizeof *f.v, cmp_str);
	*out = f.v;
	*n = f.n;
	return 0;
}
