/* Tests of the PostgreSQL store's URL helpers (lib/store/pg.c, contracts
 * in lib/internal.h): bt__url_redact, which every message naming a store
 * URL goes through, and bt__pg_is_url. The store itself is tested against
 * a real server by tests/integration/store_pg.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static void check(const char *in, const char *want)
{
	char *got = bt__url_redact(in);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_redact_user_info(void **state)
{
	(void)state;
	check("postgresql://bt:s3cret@127.0.0.1:5432/bt", "postgresql://bt@127.0.0.1:5432/bt");
	check("postgres://bt:s3cret@db.example/bench?sslmode=require",
	      "postgres://bt@db.example/bench?sslmode=require");
	/* no password: unchanged */
	check("postgresql://bt@127.0.0.1/bt", "postgresql://bt@127.0.0.1/bt");
	check("postgresql://db.example/bt", "postgresql://db.example/bt");
	check("postgresql:///bt", "postgresql:///bt");
	/* a password holding '@' or ':' (the last '@' ends the user info) */
	check("postgresql://bt:p@ss:w@rd@host/db", "postgresql://bt@host/db");
	/* an empty password */
	check("postgresql://bt:@host/db", "postgresql://bt@host/db");
	/* an '@' after the authority is not user info */
	check("postgresql://host/db?application_name=a@b", "postgresql://host/db?application_name=a@b");
}

static void test_redact_params(void **state)
{
	(void)state;
	check("postgresql://host/db?user=bt&password=s3cret",
	      "postgresql://host/db?user=bt&password=****");
	check("postgresql://host/db?password=s3cret&sslmode=disable",
	      "postgresql://host/db?password=****&sslmode=disable");
	check("postgresql://u:a@host/db?password=b", "postgresql://u@host/db?password=****");
	/* key=value connection strings */
	check("host=db user=bt password=s3cret dbname=bt",
	      "host=db user=bt password=**** dbname=bt");
	check("host=db password = 's3 cr\\'et' dbname=bt", "host=db password = **** dbname=bt");
	check("password=x", "password=****");
	/* a key that only ends in "password" is not the password */
	check("host=db mypassword=x", "host=db mypassword=x");
	check("", "");
	assert_null(bt__url_redact(NULL));
}

static void test_is_url(void **state)
{
	(void)state;
	assert_true(bt__pg_is_url("postgresql://h/db"));
	assert_true(bt__pg_is_url("postgres://h/db"));
	assert_false(bt__pg_is_url("benchmark_results"));
	assert_false(bt__pg_is_url("postgresql:/h"));
	assert_false(bt__pg_is_url("./postgresql://h"));
	assert_false(bt__pg_is_url(NULL));
	assert_true(bt__pg_is_url("host=db dbname=bench"));
	assert_true(bt__pg_is_url("dbname = bench"));
	assert_true(bt__pg_is_url("service=bench"));
	assert_false(bt__pg_is_url("hosts=db"));
	assert_false(bt__pg_is_url("results/host=db"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_user_info),
		cmocka_unit_test(test_redact_params),
		cmocka_unit_test(test_is_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
