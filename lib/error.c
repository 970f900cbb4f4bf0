#include "benchtrack/error.h"

const char *bt_strerror(int err)
{
	switch (err) {
#define BT__ERR_MSG(name, value, msg) case value: return msg;
	BT_ERROR_TABLE(BT__ERR_MSG)
#undef BT__ERR_MSG
	}
	return "unknown error";
}

const char *bt_err_name(int err)
{
	switch (err) {
#define BT__ERR_NAME(name, value, msg) case value: return "BT_E" #name;
	BT_ERROR_TABLE(BT__ERR_NAME)
#undef BT__ERR_NAME
	}
	return "BT_E?";
}
