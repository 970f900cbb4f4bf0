/* Presets (BT_PRESET, --suite-preset) and the model names of --models:
 * what the plan needs to know before it expands the benchmarks. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static const struct bt_preset_def **reg;
static size_t n_reg, reg_alloc;

void bt_register_preset(const struct bt_preset_def *def)
{
	/* before main: on failure there is nothing better to do (--list
	 * shows what is missing) */
	if (bt__vec_reserve((void **)&reg, &reg_alloc, n_reg + 1, sizeof *reg) == 0)
		reg[n_reg++] = def;
}

/* The next name of the comma-separated list at *p (spaces around it
 * left out): its start, its length in *len; NULL at the end. */
static const char *next_name(const char **p, size_t *len)
{
	const char *s = *p;
	while (s && (*s == ' ' || *s == ','))
		s++;
	if (!s || !*s)
		return NULL;
	const char *e = s;
	while (*e && *e != ',')
		e++;
	*p = e;
	while (e > s && e[-1] == ' ')
		e--;
	*len = (size_t)(e - s);
	return s;
}

int bt__preset_in_list(const char *list, const char *name)
{
	size_t len = strlen(name), n;
	for (const char *p = list, *w; (w = next_name(&p, &n));)
		if (n == len && strncmp(w, name, len) == 0)
			return 1;
	return 0;
}

static int add(struct bt_preset **v, size_t *n, size_t *alloc,
	       const char *name, const struct bt_preset_def *def)
{
	if (bt__vec_reserve((void **)v, alloc, *n + 1, sizeof **v))
		return BT_ENOMEM;
	(*v)[*n].name = name;
	(*v)[*n].def = def;
	(*n)++;
	return 0;
}

int bt_presets(struct bt_preset **out, size_t *n, struct bt_strbuf *err)
{
	struct bt_preset *v = NULL;
	size_t nv = 0, alloc = 0;
	int rc = 0;
	for (size_t i = 0; i < n_reg && !rc; i++) {
		for (size_t j = 0; j < nv; j++)
			if (strcmp(v[j].name, reg[i]->name) == 0) {
				rc = bt_error(err, BT_EINVAL,
					      "preset '%s' is declared twice (%s:%d and %s:%d)",
					      reg[i]->name,
					      v[j].def->file ? v[j].def->file : "?",
					      v[j].def->line,
					      reg[i]->file ? reg[i]->file : "?",
					      reg[i]->line);
				break;
			}
		if (!rc)
			rc = add(&v, &nv, &alloc, reg[i]->name, reg[i]);
	}
	size_t nb;
	const struct bt_bench_def *const *b = bt_registry(&nb);
	for (size_t i = 0; i < nb && !rc; i++) {
		/* each name of its .presets */
		const char *p = b[i]->presets, *w;
		size_t len;
		while (!rc && (w = next_name(&p, &len))) {
			int known = 0;
			for (size_t j = 0; j < nv && !known; j++)
				known = strlen(v[j].name) == len &&
					strncmp(v[j].name, w, len) == 0;
			if (known)
				continue;
			/* the name lives in the static .presets string: keep a
			 * copy for the life of the process */
			static char *kept[256];
			static size_t n_kept;
			char *name = NULL;
			for (size_t k = 0; k < n_kept && !name; k++)
				if (strlen(kept[k]) == len && strncmp(kept[k], w, len) == 0)
					name = kept[k];
			if (!name && n_kept < 256 && (name = strndup(w, len)))
				kept[n_kept++] = name;
			rc = name ? add(&v, &nv, &alloc, name, NULL) : BT_ENOMEM;
		}
	}
	if (rc) {
		free(v);
		v = NULL;
		nv = 0;
	}
	*out = v;
	*n = nv;
	return rc;
}

/* --- models --------------------------------------------------------- */

struct model {
	char *name;
	off_t size;
};

static int cmp_model(const void *a, const void *b)
{
	const struct model *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

void bt_model_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int bt_model_names(const char *dir, char ***out, size_t *n,
		   struct bt_strbuf *err)
{
	static const char ext[] = ".safetensors";
	const size_t ne = sizeof ext - 1;
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return bt_error(err, BT_ENOTFOUND, "--models %s: %s", dir,
				strerror(errno));
	struct model *v = NULL;
	size_t nv = 0, alloc = 0;
	int rc = 0;
	struct bt_strbuf path = BT_STRBUF_INIT;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= ne ||
		    strcmp(de->d_name + len - ne, ext) != 0)
			continue;
		bt_strbuf_reset(&path);
		bt_strbuf_addf(&path, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(path.buf, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (strcspn(de->d_name, ",;= \t") < len - ne) {
			rc = bt_error(err, BT_EINVAL,
				      "--models %s: '%s': a model name cannot hold ',', ';', '=' or spaces",
				      dir, path.buf);
			break;
		}
		if (bt__vec_reserve((void **)&v, &alloc, nv + 1, sizeof *v) ||
		    !(v[nv].name = strndup(de->d_name, len - ne))) {
			rc = BT_ENOMEM;
			break;
		}
		v[nv++].size = st.st_size;
	}
	closedir(d);
	bt_strbuf_release(&path);
	if (!rc && nv == 0)
		rc = bt_error(err, BT_ENOTFOUND, "--models %s: no *.safetensors file there",
			      dir);
	char **names = NULL;
	if (!rc && !(names = malloc(nv * sizeof *names)))
		rc = BT_ENOMEM;
	if (rc) {
		for (size_t i = 0; i < nv; i++)
			free(v[i].name);
		free(v);
		return rc;
	}
	qsort(v, nv, sizeof *v, cmp_model);
	for (size_t i = 0; i < nv; i++)
		names[i] = v[i].name;
	free(v);
	*out = names;
	*n = nv;
	return 0;
}
