/* benchtrack check: the CI gate. The newest run (or --run) against a
 * baseline on the same machine; exit 1 on a regression. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "opts.h"

/* Loads into base the newest stored run of the candidate's type and
 * machine fingerprint (on branch, when not NULL) that is not newer than
 * the candidate and is another run (other_commit: at another commit).
 * BT_ENOTFOUND, with err not set, when there is none. */
static int newest_before(struct bt_store *st, const struct bt_run *cand, const char *branch,
			 int other_commit, struct bt_run *base, struct bt_strbuf *err)
{
	struct bt_store_filter f;
	struct bt_store_list l;
	int rc;

	memset(&f, 0, sizeof f);
	f.type = cand->benchmark_type;
	f.machine = cand->machine.fingerprint;
	f.branch = branch;
	f.include_archived = 1;
	if ((rc = bt_store_query(st, &f, &l, err)))
		return rc;
	rc = BT_ENOTFOUND;
	for (size_t i = 0; i < l.n; i++) {
		const struct bt_store_entry *e = &l.items[i];
		if (other_commit ? !e->commit || strcmp(e->commit, cand->git.commit) == 0
				 : strcmp(e->run_id, cand->run_id) == 0)
			continue;
		if (strcmp(e->timestamp, cand->timestamp) > 0)
			continue;
		rc = bt_store_load(st, e->run_id, base, err);
		break;
	}
	bt_store_list_release(&l);
	return rc;
}

/* Picks the baseline: the newest stored run of the candidate's type and
 * machine fingerprint that is older than the candidate. */
static int default_baseline(struct bt_store *st, const struct bt_run *cand,
			    struct bt_run *base, struct bt_strbuf *err)
{
	int rc = newest_before(st, cand, NULL, 0, base, err);

	if (rc == BT_ENOTFOUND)
		bt_error(err, rc, "no earlier run of type '%s' on this machine (%s, "
			 "fingerprint %s) to compare with; pass --baseline",
			 cand->benchmark_type, cand->machine.name ? cand->machine.name : "?",
			 cand->machine.fingerprint ? cand->machine.fingerprint : "?");
	return rc;
}

/* Marks regressed rows acknowledged (benchtrack ack) when an ack of the
 * series names the candidate's commit or a commit stored between the
 * baseline and the candidate on this machine. */
static int apply_acks(struct bt_store *st, const struct bt_run *base,
		      const struct bt_run *cand, struct bt_run_cmp *c,
		      struct bt_strbuf *err)
{
	struct bt_ack_list acks;
	struct bt_store_filter f;
	struct bt_store_list l;
	int rc = bt_store_acks(st, &acks, err);

	if (rc || acks.n == 0) {
		bt_ack_list_release(&acks);
		return rc;
	}
	memset(&f, 0, sizeof f);
	f.machine = cand->machine.fingerprint;
	f.since = base->timestamp;
	f.include_archived = 1;
	rc = bt_store_query(st, &f, &l, err);
	for (size_t i = 0; !rc && i < c->n; i++) {
		struct bt_cmp_row *r = &c->rows[i];
		if (r->s.verdict != BT_VERDICT_REGRESSED)
			continue;
		if (cand->git.commit &&
		    bt_ack_matches(&acks, r->series_key, cand->git.commit))
			r->acknowledged = 1;
		for (size_t k = 0; !r->acknowledged && k < l.n; k++) {
			const struct bt_store_entry *e = &l.items[k];
			if (e->commit && strcmp(e->timestamp, base->timestamp) > 0 &&
			    strcmp(e->timestamp, cand->timestamp) <= 0 &&
			    bt_ack_matches(&acks, r->series_key, e->commit))
				r->acknowledged = 1;
		}
	}
	if (!rc)
		bt_store_list_release(&l);
	bt_ack_list_release(&acks);
	return rc;
}

/* 1 when path names a regular file (a run file, not a store reference). */
static int is_file(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The baseline when --baseline names the candidate's own commit (a job
 * on a push to main with --baseline main): the newest earlier run of the
 * candidate's type and machine, on its branch when it has one, at
 * another commit. BT_ENOTFOUND when there is none. */
static int previous_commit_run(struct bt_store *st, const struct bt_run *cand,
			       struct bt_run *base, struct bt_strbuf *err)
{
	const char *branch = cand->git.branch;
	int rc = newest_before(st, cand, branch, 1, base, err);

	if (rc == BT_ENOTFOUND)
		bt_error(err, rc, "no run of type '%s' on this machine%s%s%s before "
			 "the candidate's commit %.12s to compare with",
			 cand->benchmark_type, branch ? " on branch '" : "",
			 branch ? branch : "", branch ? "'" : "", cand->git.commit);
	return rc;
}

/* --baseline REF: a run file is read as it is; a commit (or a git ref
 * naming one) means the newest run at that commit of the candidate's type
 * on the candidate's machine, not the newest on any machine; anything
 * else resolves as in compare. st is only used for a commit (it is NULL
 * when both runs are files). */
static int load_baseline(struct bt_store *st, const char *store_dir, const char *ref,
			 const struct bt_run *cand, struct bt_run *base,
			 struct bt_strbuf *err)
{
	struct bt_store_filter f;
	struct bt_store_list l;
	char full[41];
	const char *commit = NULL;
	size_t n = strlen(ref);

	if (is_file(ref))
		return bt_run_read_file(base, ref, err);
	if (n >= 4 && n <= 40 && strspn(ref, "0123456789abcdef") == n)
		commit = ref;
	else if (!strchr(ref, '/') && strncmp(ref, "latest", 6) != 0 &&
		 cli_git_commit(ref, full) == 0)
		commit = full;
	if (commit && cand->machine.fingerprint) {
		memset(&f, 0, sizeof f);
		f.commit = commit;
		f.machine = cand->machine.fingerprint;
		f.type = cand->benchmark_type;
		f.include_archived = 1;
		int rc = bt_store_query(st, &f, &l, err);
		if (rc)
			return rc;
		for (size_t i = 0; i < l.n; i++)
			if (!cand->run_id || strcmp(l.items[i].run_id, cand->run_id) != 0) {
				rc = bt_store_load(st, l.items[i].run_id, base, err);
				bt_store_list_release(&l);
				return rc;
			}
		bt_store_list_release(&l);
		/* REF is the candidate's own commit and no other run is
		 * there: the run before it on its branch */
		if (cand->git.commit &&
		    strncmp(cand->git.commit, commit, strlen(commit)) == 0) {
			int rc2 = previous_commit_run(st, cand, base, err);
			if (!rc2)
				cli_warn("check", "--baseline %s is the candidate's own "
					 "commit %.12s: comparing with the run before it%s%s "
					 "(run %.8s, commit %.12s)",
					 ref, cand->git.commit,
					 cand->git.branch ? " on " : "",
					 cand->git.branch ? cand->git.branch : "",
					 base->run_id, base->git.commit ? base->git.commit : "-");
			return rc2;
		}
	}
	return cli_load_run(store_dir, ref, base, err);
}

/* --allow-no-baseline and no baseline: a note on stderr and in the
 * summary, and the gate passes. Returns the exit code. */
static int no_baseline(const char *summary, const struct bt_run *b,
		       const char *why)
{
	struct bt_strbuf md = BT_STRBUF_INIT;
	int code = BT_EXIT_OK;

	cli_warn("check", "no baseline yet (%s): passing without a comparison "
		 "(--allow-no-baseline); run %.8s becomes the baseline of the "
		 "next check", why, b->run_id ? b->run_id : "?");
	if (!summary || !*summary)
		return BT_EXIT_OK;
	if (bt_strbuf_addf(&md, "### benchtrack check\n\nNo baseline yet: run `%.8s` "
			   "(commit `%.12s`) was not compared with anything and becomes "
			   "the baseline of the next check.\n\n",
			   b->run_id ? b->run_id : "?",
			   b->git.commit ? b->git.commit : "-")) {
		bt_front_error("out of memory");
		code = BT_EXIT_ERROR;
	} else if (cli_append_text("check", summary, md.buf, md.len)) {
		code = BT_EXIT_ERROR;
	}
	bt_strbuf_release(&md);
	return code;
}

static int cmd_check(int argc, char **argv)
{
	const char *store_dir = NULL, *run_ref = NULL, *base_ref = NULL,
		   *summary = NULL;
	struct cli_verdict_flags v = { .format = "table" };
	int n_args = 0, code, rc, allow_none = 0, have_b = 0;
	char *args[1];
	struct cli_opt opts[] = {
		CLI_VERDICT_OPTS(&v),
		{ "--store", &store_dir, NULL },
		{ "--run", &run_ref, NULL },
		{ "--baseline", &base_ref, NULL },
		{ "--summary", &summary, NULL },
		{ "--allow-no-baseline", NULL, &allow_none },
		{ NULL, NULL, NULL },
	};
	struct bt_run_cmp_opts o;
	struct bt_run a, b;
	struct bt_run_cmp c;
	struct bt_store *st = NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;

	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	if ((code = cli_cmp_opts("check", v.format, v.threshold, v.alpha,
				 v.correction, v.metric, &o)))
		return code;
	o.match_identity = v.any_machine;
	memset(&c, 0, sizeof c);
	if (bt_run_init(&a) || bt_run_init(&b))
		return BT_EXIT_ERROR;
	code = BT_EXIT_ERROR;
	/* two run files need no store; one there gives its acknowledgements */
	rc = bt_store_open(&st, store_dir, BT_STORE_READONLY, &err);
	if (rc == BT_ENOTFOUND && run_ref && base_ref && is_file(run_ref) &&
	    is_file(base_ref)) {
		st = NULL;
		bt_strbuf_reset(&err);
		rc = 0;
	} else if (rc == BT_ENOTFOUND && run_ref && !is_file(run_ref)) {
		/* as compare says it: the file missing, and no store either */
		cli_ref_error(run_ref, rc, 1, &err);
	} else if (rc == BT_ENOTFOUND && base_ref && !is_file(base_ref)) {
		cli_ref_error(base_ref, rc, 1, &err);
	}
	if (rc ||
	    (rc = cli_load_run(store_dir, run_ref ? run_ref : "latest", &b, &err)) ||
	    (have_b = 1,
	     rc = base_ref ? load_baseline(st, store_dir, base_ref, &b, &a, &err)
			   : default_baseline(st, &b, &a, &err))) {
		/* the first run of a store (or of a machine, a type, a
		 * branch): nothing to compare with yet */
		if (have_b && rc == BT_ENOTFOUND && allow_none) {
			code = no_baseline(summary, &b, bt_strbuf_str(&err));
			goto out;
		}
		cli_fail(code, "check", rc, &err);
		goto out;
	}
	if (a.run_id && b.run_id && strcmp(a.run_id, b.run_id) == 0) {
		bt_front_error("check: the baseline and the candidate are the same run "
			       "(%s)", a.run_id);
		goto out;
	}
	if (!v.any_machine && a.machine.fingerprint && b.machine.fingerprint &&
	    strcmp(a.machine.fingerprint, b.machine.fingerprint) != 0) {
		bt_front_error("check: mismatched machines: the baseline %.8s ran on %s "
			       "(fingerprint %s), the candidate %.8s on %s (fingerprint "
			       "%s); timings are only comparable on one machine "
			       "(--any-machine to compare anyway)",
			       a.run_id, a.machine.name ? a.machine.name : "?",
			       a.machine.fingerprint, b.run_id,
			       b.machine.name ? b.machine.name : "?",
			       b.machine.fingerprint);
		goto out;
	}
	cli_warn_dirty("check", "the baseline", &a);
	cli_warn_dirty("check", "the candidate", &b);
	if ((rc = bt_compare_runs(&a, &b, &o, &c, &err)) ||
	    (st && (rc = apply_acks(st, &a, &b, &c, &err)))) {
		cli_fail(code, "check", rc, &err);
		goto out;
	}
	if (c.n == 0) {
		bt_front_error("check: the runs have no series of metric '%s' in common",
			       o.metric);
		goto out;
	}
	if (cli_print_comparison("check", v.format, &c, &a, &b, &o))
		goto out;
	/* an empty path writes none: `--summary "$GITHUB_STEP_SUMMARY"` also
	 * works where that variable is not set */
	if (cli_append_summary("check", summary, &c, &a, &b, &o))
		goto out;
	/* the gate fails on a regression and on a case that ran in the
	 * baseline but failed in the candidate (crashed, timed out, ...) */
	code = BT_EXIT_OK;
	size_t judged = 0;
	for (size_t i = 0; i < c.n; i++) {
		const struct bt_cmp_row *r = &c.rows[i];
		if ((r->s.verdict == BT_VERDICT_REGRESSED && !r->acknowledged) ||
		    (r->s.verdict == BT_VERDICT_MISSING && r->status_b))
			code = BT_EXIT_REGRESSION;
		judged += r->s.verdict == BT_VERDICT_REGRESSED ||
			  r->s.verdict == BT_VERDICT_IMPROVED ||
			  r->s.verdict == BT_VERDICT_UNCHANGED;
	}
	if (cli_noisy_warnings("check", &c, v.fail_on_noisy) && v.fail_on_noisy)
		code = BT_EXIT_REGRESSION;
	if (judged == 0)
		cli_warn("check", "no series could be judged (noisy, new or missing): "
			 "take more samples (--measurement-iterations) or more "
			 "processes (run --repetitions)");
out:
	bt_store_close(st);
	bt_run_cmp_release(&c);
	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_check = {
	"check", "check [--baseline REF] [--threshold P] [--alpha A] [--metric M]",
	"the CI gate: exit 1 when the newest run regressed", cmd_check,
	0 /* run files, or runs of the store when there is one */
};
