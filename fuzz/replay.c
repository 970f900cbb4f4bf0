/* bt_fuzz_replay: the harnesses without libFuzzer (any compiler), for the
 * tests and for a finding's input:
 *     bt_fuzz_replay TARGET PATH...   each file (a directory: each file in
 *                                     it) through bt_fuzz_TARGET
 *     bt_fuzz_replay --all FUZZDIR    every target over FUZZDIR/corpus/NAME
 *                                     and FUZZDIR/regress/NAME
 *     bt_fuzz_replay --list           the targets' names
 * A crash or a broken invariant aborts (the sanitizers say where when the
 * build has them); exit 0 once every input went through, 2 for a usage
 * error or an input that cannot be read. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int read_all(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	size_t got;
	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f) || !b;
	fclose(f);
	if (bad) {
		free(b);
		return -1;
	}
	*data = b;
	*size = n;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs t over path (a file, or the files of a directory, sorted); counts
 * the inputs into *n. missing_ok: a path that is not there is no error. */
static int replay(const struct bt_fuzz_target *t, const char *path, int missing_ok,
		  size_t *n)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (missing_ok && errno == ENOENT)
			return 0;
		fprintf(stderr, "bt_fuzz_replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (!d) {
			fprintf(stderr, "bt_fuzz_replay: %s: %s\n", path, strerror(errno));
			return 2;
		}
		char **names = NULL;
		size_t k = 0, cap = 0;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (k == cap) {
				cap = cap ? 2 * cap : 64;
				names = realloc(names, cap * sizeof *names);
				if (!names)
					abort();
			}
			names[k] = malloc(strlen(path) + strlen(e->d_name) + 2);
			if (!names[k])
				abort();
			sprintf(names[k++], "%s/%s", path, e->d_name);
		}
		closedir(d);
		if (k)
			qsort(names, k, sizeof *names, cmp_str);
		int rc = 0;
		for (size_t i = 0; i < k; i++) {
			if (!rc)
				rc = replay(t, names[i], 0, n);
			free(names[i]);
		}
		free(names);
		return rc;
	}
	uint8_t *data;
	size_t size;
	if (read_all(path, &data, &size) != 0) {
		fprintf(stderr, "bt_fuzz_replay: %s: cannot read\n", path);
		return 2;
	}
	t->fn(data, size);
	free(data);
	(*n)++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < bt_fuzz_n_targets; i++)
			printf("%s\n", bt_fuzz_targets[i].name);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--all") == 0) {
		for (size_t i = 0; i < bt_fuzz_n_targets; i++) {
			const struct bt_fuzz_target *t = &bt_fuzz_targets[i];
			size_t n = 0;
			int rc = 0;
			for (int k = 0; !rc && k < 2; k++) {
				size_t len = strlen(argv[2]) + strlen(t->name) + 16;
				char *dir = malloc(len);
				if (!dir)
					abort();
				snprintf(dir, len, "%s/%s/%s", argv[2], k ? "regress" : "corpus",
					 t->name);
				rc = replay(t, dir, k == 1, &n);
				free(dir);
			}
			if (rc)
				return rc;
			if (n == 0) {
				fprintf(stderr, "bt_fuzz_replay: %s: no seed inputs in %s/corpus/%s\n",
					t->name, argv[2], t->name);
				return 2;
			}
			printf("%-18s %zu inputs\n", t->name, n);
		}
		return 0;
	}
	const struct bt_fuzz_target *t = argc >= 3 ? bt_fuzz_find(argv[1]) : NULL;
	if (!t) {
		fprintf(stderr, "usage: bt_fuzz_replay TARGET PATH... | --all FUZZDIR | --list\n");
		return 2;
	}
	size_t n = 0;
	for (int i = 2; i < argc; i++) {
		int rc = replay(t, argv[i], 0, &n);
		if (rc)
			return rc;
	}
	printf("%s: %zu inputs\n", t->name, n);
	return 0;
}
