/* Series of the store (bt_store_series) and acknowledgements of intended
 * changes (bt_store_ack*, kept in STORE/acks.json). Contracts in
 * include/benchtrack/store.h. */
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "storeint.h"
#include "pgint.h"

#define ACKS_FILE "acks.json"
#define ACKS_CAP (64u << 20)

int bt_store_series(struct bt_store *st, const struct bt_series_filter *f,
		    bt_series_fn fn, void *ud, size_t *n_series,
		    struct bt_strbuf *err)
{
	struct bt_series_filter none;
	void *h;
	int rc;

	if (n_series)
		*n_series = 0;
	if (st->pg)
		return bt__pg_series(st, f, fn, ud, n_series, err);
	rc = bt__store_index_open(st, &h, 1, err);
	if (rc == BT_ENOTFOUND)
		return 0; /* an empty store has no index yet */
	if (rc)
		return rc;
	memset(&none, 0, sizeof none);
	rc = st->ops->series(h, f ? f : &none, fn, ud, n_series, err);
	st->ops->close(h);
	return rc;
}

/* --- acknowledgements ---------------------------------------------------- */

static char *acks_path(struct bt_store *st)
{
	size_t n = strlen(st->dir) + sizeof "/" ACKS_FILE;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", st->dir, ACKS_FILE);
	return p;
}

/* Reads acks.json into a jansson array (a new empty one when missing).
 * Each entry must be an object with string members series_key, commit,
 * reason, who, when. */
static int load_acks(const char *path, json_t **out, struct bt_strbuf *err)
{
	char *data = NULL;
	size_t len = 0;
	json_error_t je;
	json_t *root;
	int rc = bt__read_file(path, ACKS_CAP, &data, &len, err);

	*out = NULL;
	if (rc == BT_ENOTFOUND) {
		/* no acknowledgements yet: not an error, so no message left */
		bt_strbuf_reset(err);
		*out = json_array();
		return *out ? 0 : BT_ENOMEM;
	}
	if (rc)
		return rc;
	int oom;
	root = bt__json_loadb(data, len, JSON_REJECT_DUPLICATES, &je, &oom);
	free(data);
	if (oom)
		return bt_error(err, BT_ENOMEM, "%s: out of memory", path);
	if (!root)
		return bt_error(err, BT_EPARSE, "%s:%d: %s", path, je.line,
				je.text);
	if (!json_is_array(root)) {
		json_decref(root);
		return bt_error(err, BT_EPARSE, "%s: expected an array of acknowledgements",
				path);
	}
	for (size_t i = 0; i < json_array_size(root); i++) {
		static const char *const fields[] = { "series_key", "commit",
						      "reason", "who", "when" };
		json_t *o = json_array_get(root, i);
		for (size_t k = 0; k < sizeof fields / sizeof *fields; k++) {
			if (!json_is_object(o) ||
			    !json_is_string(json_object_get(o, fields[k]))) {
				json_decref(root);
				return bt_error(err, BT_EPARSE,
						"%s: [%zu].%s: expected a string",
						path, i, fields[k]);
			}
		}
	}
	*out = root;
	return 0;
}

static const char *user_name(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : "unknown";
}

/* 1 when commits a and b name the same commit: one a prefix of the other
 * (an ack may hold a prefix as given). */
static int same_commit(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	return na && nb && strncmp(a, b, na < nb ? na : nb) == 0;
}

int bt_store_ack_many(struct bt_store *st, const struct bt_ack_req *req, size_t n,
		      const char *reason, const char *who, enum bt_ack_outcome *out,
		      struct bt_strbuf *err)
{
	char when[32], *path = NULL, *text = NULL;
	json_t *acks = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int rc, lock, changed = 0;

	if (!reason || !*reason)
		return bt_error(err, BT_EINVAL,
				"an acknowledgement needs a series, a commit and a reason");
	for (size_t i = 0; i < n; i++)
		if (!req[i].series_key || !*req[i].series_key || !req[i].commit ||
		    !*req[i].commit)
			return bt_error(err, BT_EINVAL,
					"an acknowledgement needs a series, a commit and a reason");
	if (st->flags & BT_STORE_READONLY)
		return bt_error(err, BT_EINVAL, "%s: store opened read-only", st->dir);
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!who)
		who = user_name();
	if (st->pg)
		return bt__pg_ack_many(st, req, n, reason, who, when, out, err);
	if (!(path = acks_path(st)))
		return BT_ENOMEM;
	if ((lock = bt__store_lock(st->dir, err)) < 0) {
		free(path);
		return lock;
	}
	rc = load_acks(path, &acks, err);
	for (size_t i = 0; !rc && i < n; i++) {
		json_t *o = NULL;
		size_t k;

		/* the same series and commit: one entry, never two */
		for (k = 0; k < json_array_size(acks); k++) {
			o = json_array_get(acks, k);
			if (strcmp(json_string_value(json_object_get(o, "series_key")),
				   req[i].series_key) == 0 &&
			    same_commit(json_string_value(json_object_get(o, "commit")),
					req[i].commit))
				break;
		}
		if (k < json_array_size(acks)) {
			if (strcmp(json_string_value(json_object_get(o, "reason")), reason) == 0) {
				out[i] = BT_ACK_EXISTS;
				continue;
			}
			/* merged: the newer reason replaces the older */
			if (json_object_set_new(o, "reason", json_string(reason)) ||
			    json_object_set_new(o, "who", json_string(who)) ||
			    json_object_set_new(o, "when", json_string(when))) {
				rc = BT_ENOMEM;
				break;
			}
			out[i] = BT_ACK_UPDATED;
			changed = 1;
			continue;
		}
		o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "series_key", req[i].series_key,
			      "commit", req[i].commit, "reason", reason, "who", who,
			      "when", when);
		if (!o || json_array_append_new(acks, o)) {
			rc = BT_ENOMEM;
			break;
		}
		out[i] = BT_ACK_ADDED;
		changed = 1;
	}
	if (rc || !changed)
		goto out;
	text = bt__json_dumps(acks, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text) {
		rc = BT_ENOMEM;
		goto out;
	}
	{
		size_t len = strlen(text);
		char *t2 = realloc(text, len + 2);
		if (!t2) {
			rc = BT_ENOMEM;
			goto out;
		}
		text = t2;
		text[len] = '\n';
		text[len + 1] = '\0';
		rc = bt__write_file_atomic(path, text, len + 1, err);
	}
out:
	if (rc == BT_ENOMEM)
		bt_error(err, rc, "%s", bt_strerror(rc));
	bt__store_unlock(lock);
	json_decref(acks);
	free(text);
	free(path);
	return rc;
}

int bt_store_ack(struct bt_store *st, const char *series_key,
		 const char *commit, const char *reason, const char *who,
		 struct bt_strbuf *err)
{
	struct bt_ack_req r = { series_key, commit };
	enum bt_ack_outcome o;

	if (!series_key || !*series_key || !commit || !*commit)
		return bt_error(err, BT_EINVAL,
				"an acknowledgement needs a series, a commit and a reason");
	return bt_store_ack_many(st, &r, 1, reason, who, &o, err);
}

int bt_store_acks(struct bt_store *st, struct bt_ack_list *out,
		  struct bt_strbuf *err)
{
	char *path = acks_path(st);
	json_t *acks = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (st->pg) {
		free(path);
		return bt__pg_acks(st, out, err);
	}
	if (!path)
		return BT_ENOMEM;
	rc = load_acks(path, &acks, err);
	free(path);
	if (rc)
		return rc;
	out->arena = bt__arena_new();
	out->n = json_array_size(acks);
	out->items = out->arena && out->n
			     ? bt__arena_alloc(out->arena, out->n * sizeof *out->items)
			     : NULL;
	if (!out->arena || (out->n && !out->items)) {
		json_decref(acks);
		bt_ack_list_release(out);
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	}
	for (size_t i = 0; i < out->n; i++) {
		json_t *o = json_array_get(acks, i);
		struct bt_ack *a = &out->items[i];
#define F(f) (a->f = bt__arena_strdup(out->arena, json_string_value(json_object_get(o, #f))))
		if (!F(series_key) || !F(commit) || !F(reason) || !F(who) ||
		    !F(when)) {
			json_decref(acks);
			bt_ack_list_release(out);
			return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
		}
#undef F
	}
	json_decref(acks);
	return 0;
}

void bt_ack_list_release(struct bt_ack_list *l)
{
	bt__arena_free(l->arena);
	memset(l, 0, sizeof *l);
}

int bt_ack_matches(const struct bt_ack_list *l, const char *series_key,
		   const char *commit)
{
	if (!l || !series_key || !commit)
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct bt_ack *a = &l->items[i];
		size_t n = strlen(a->commit);
		if (strcmp(a->series_key, series_key) == 0 && n > 0 &&
		    strncmp(a->commit, commit, n) == 0)
			return 1;
	}
	return 0;
}

/* --- saved comparisons ------------------------------------------------------ */

int bt_store_save_comparison(struct bt_store *st, const char *name,
			     const struct bt_store_file *files, size_t n,
			     char **dir, struct bt_strbuf *err)
{
	struct bt_strbuf d = BT_STRBUF_INIT, f = BT_STRBUF_INIT;
	int rc = 0;

	if (dir)
		*dir = NULL;
	if (!name || !bt__store_valid_type(name))
		return bt_error(err, BT_EINVAL,
				"comparison name '%s': use letters, digits, '.', '_' "
				"and '-' (at most 64, not starting with '.')",
				name ? name : "");
	if (st->flags & BT_STORE_READONLY)
		return bt_error(err, BT_EINVAL, "%s: store opened read-only", st->dir);
	if (st->pg)
		return bt__pg_save_comparison(st, name, files, n, dir, err);
	if (bt_strbuf_addf(&d, "%s/comparisons/%s", st->dir, name)) {
		rc = BT_ENOMEM;
		goto out;
	}
	rc = bt__mkdir_p(d.buf, err);
	for (size_t i = 0; !rc && i < n; i++) {
		if (!files[i].name || strchr(files[i].name, '/') ||
		    files[i].name[0] == '.') {
			rc = bt_error(err, BT_EINVAL, "bad file name in a comparison");
			break;
		}
		bt_strbuf_reset(&f);
		if (bt_strbuf_addf(&f, "%s/%s", d.buf, files[i].name)) {
			rc = BT_ENOMEM;
			break;
		}
		rc = bt__write_file_atomic(f.buf, files[i].data, files[i].len, err);
	}
	if (!rc && dir)
		*dir = bt_strbuf_detach(&d);
out:
	if (rc == BT_ENOMEM)
		bt_error(err, rc, "%s", bt_strerror(rc));
	bt_strbuf_release(&d);
	bt_strbuf_release(&f);
	return rc;
}
