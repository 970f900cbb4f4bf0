/* The word splitter of exec (bt_exec_split, lib/run/exec_words.c). No
 * word is longer than the text; an error has a message. */
#include <string.h>

#include "benchtrack.h"
#include "fuzz.h"

int bt_fuzz_exec_words(const uint8_t *data, size_t size)
{
	char *text = bt_fuzz_str(data, size);
	size_t len = strlen(text);
	struct bt_strbuf err = BT_STRBUF_INIT;
	char **argv = bt_exec_split(text, &err);
	if (argv) {
		for (char **p = argv; *p; p++)
			if (strlen(*p) > len)
				bt_fuzz_fail("exec_words", "a word longer than the text");
		bt_exec_argv_free(argv);
	} else if (!err.len) {
		bt_fuzz_fail("exec_words", "refused without a message");
	}
	bt_strbuf_release(&err);
	free(text);
	return 0;
}
