/* The dashboard's static files compiled into the library
 * (scripts/embed-web.cmake generates BUILD/web_assets.c from the .html,
 * .js and .css files of web/ and uPlot from web/node_modules). Internal. */
#ifndef BENCHTRACK_WEB_ASSETS_H
#define BENCHTRACK_WEB_ASSETS_H

#include <stddef.h>

struct bt_web_asset {
	const char *name;          /* file name, no directory: "uPlot.min.css" */
	const unsigned char *data; /* NUL-terminated (the NUL is not in len) */
	size_t len;
};

/* Every asset, terminated by an entry with name NULL. */
extern const struct bt_web_asset bt_web_assets[];

/* The asset of that name, or NULL. */
const struct bt_web_asset *bt__web_asset(const char *name);

#endif
