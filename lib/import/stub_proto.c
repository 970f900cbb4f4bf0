/* TEMPORARY stubs (deleted by the helper that writes protocol.c). */
#include <stdlib.h>
#include "import/protocol.h"
struct bt__proto { int x; };
struct bt__proto *bt__proto_new(void) { return calloc(1, sizeof(struct bt__proto)); }
void bt__proto_free(struct bt__proto *p) { free(p); }
int bt__proto_feed(struct bt__proto *p, const char *text, size_t len,
		   const char *label, struct bt_strbuf *warn) { return 0; }
int bt__proto_emit(struct bt__proto *p, struct bt_run *run, size_t own,
		   struct bt_strbuf *err) { return 0; }
