/* TEMPORARY stubs (deleted by the helper that writes the readers). */
#include "import/import.h"
#include "benchtrack/import.h"
#define STUB(fmt)                                                              \
	int bt__import_##fmt(struct bt_run *run, const json_t *root,         \
			     const char *label, struct bt_import_info *info, \
			     struct bt_strbuf *err)                          \
	{ bt_strbuf_addf(err, "%s: not implemented yet", label); return BT_EUNSUPPORTED; } \
	int bt__sniff_##fmt(const json_t *root) { return 0; }
STUB(pyperf)
STUB(asv)
STUB(hf_v2_import)
STUB(criterion)
int bt__import_criterion_dir(struct bt_run *run, const char *path,
			     struct bt_import_info *info, struct bt_strbuf *err)
{ bt_strbuf_addf(err, "%s: not implemented yet", path); return BT_EUNSUPPORTED; }
