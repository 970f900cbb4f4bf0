/* benchtrack error codes.
 *
 * Every library function that can fail returns 0 on success or one of the
 * negative BT_E* codes below. The numbers are generated from one table and
 * are never renumbered: new codes are appended. Detail (file, line, field)
 * goes into an optional struct bt_strbuf *err passed by the caller.
 */
#ifndef BENCHTRACK_ERROR_H
#define BENCHTRACK_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, value, message) */
#define BT_ERROR_TABLE(X)                                                    \
	X(OK, 0, "success")                                                  \
	X(NOMEM, -1, "out of memory")                                        \
	X(INVAL, -2, "invalid argument")                                     \
	X(IO, -3, "input/output error")                                      \
	X(PARSE, -4, "malformed input")                                      \
	X(SCHEMA, -5, "input does not match the schema")                     \
	X(NOTFOUND, -6, "not found")                                         \
	X(RANGE, -7, "value out of range")                                   \
	X(SYS, -8, "system call failed")                                     \
	X(EXISTS, -9, "already exists")                                      \
	X(BUSY, -10, "resource busy")                                        \
	X(UNSUPPORTED, -11, "not supported")                                 \
	X(TOOBIG, -12, "input too large")                                    \
	X(CHILD, -13, "child process failed")                                \
	X(INTR, -14, "interrupted")                                          \
	X(UNREACHABLE, -15, "store unreachable")                             \
	X(AUTH, -16, "access denied")

enum bt_error {
#define BT__ERR_ENUM(name, value, msg) BT_E##name = (value),
	BT_ERROR_TABLE(BT__ERR_ENUM)
#undef BT__ERR_ENUM
};

/* Human-readable message for an error code; never NULL (unknown codes give
 * "unknown error"). The string is static. */
const char *bt_strerror(int err);

/* Symbolic name ("BT_EPARSE") for an error code; never NULL, static. */
const char *bt_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
