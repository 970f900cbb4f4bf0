/* A run as CSV, one row per sample (bt__export_csv):
 *
 *   suite,name,variant,params,metric,unit,sample,value,status
 *
 * for every sample of every metric of every result, in the run's order
 * (results, then metrics, then samples in measurement order; sample
 * counts from 0). params are "k=v;k=v" in key order (the store's
 * canonical text), "" without any; status is the result's (a failed
 * result keeps the samples it had). Fields are quoted as RFC 4180 says
 * (bt_csv_field), numbers are the shortest text that reads back exactly
 * (bt__csv_number), lines end with CR LF like the other CSV of
 * benchtrack (report.csv). Results without samples have no rows. */
#include "export.h"
#include "internal.h"

static int params_text(struct bt_strbuf *tmp, const struct bt_result *r)
{
	int rc = 0;
	bt_strbuf_reset(tmp);
	for (size_t i = 0; !rc && i < r->n_params; i++)
		rc = bt_strbuf_addf(tmp, "%s%s=%s", i ? ";" : "", r->params[i].key,
				    r->params[i].value ? r->params[i].value : "");
	return rc;
}

int bt__export_csv(const struct bt_run *run, struct bt_strbuf *out)
{
	struct bt_strbuf params = BT_STRBUF_INIT;
	int rc = bt_strbuf_adds(out, "suite,name,variant,params,metric,unit,sample,value,"
				     "status\r\n");
	for (size_t i = 0; !rc && i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		rc = params_text(&params, r);
		for (size_t k = 0; !rc && k < r->n_metrics; k++) {
			const struct bt_metric *m = &r->metrics[k];
			for (size_t s = 0; !rc && s < m->n_samples; s++) {
				rc = bt_csv_field(out, run->suite) || bt_strbuf_addc(out, ',') ||
				     bt_csv_field(out, r->name) || bt_strbuf_addc(out, ',') ||
				     bt_csv_field(out, r->variant) || bt_strbuf_addc(out, ',') ||
				     bt_csv_field(out, bt_strbuf_str(&params)) ||
				     bt_strbuf_addc(out, ',') || bt_csv_field(out, m->name) ||
				     bt_strbuf_addc(out, ',') || bt_csv_field(out, m->unit) ||
				     bt_strbuf_addf(out, ",%zu,", s) ||
				     bt__csv_number(out, m->samples[s]) ||
				     bt_strbuf_addc(out, ',') ||
				     bt_csv_field(out, bt_status_name(r->status)) ||
				     bt_strbuf_adds(out, "\r\n");
			}
		}
	}
	bt_strbuf_release(&params);
	return rc ? BT_ENOMEM : 0;
}
