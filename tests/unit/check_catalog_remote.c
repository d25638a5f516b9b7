/* check_catalog_remote: what the remote catalog client does when the
 * store fails under it (issue 11 item 9), which no integration test can
 * provoke: a store whose catalog rows cannot be written (a trigger) must
 * fail the sync, and a download whose store connection cannot be had must
 * not be reported a success.  The network is a loopback socket served by
 * a thread of the test, or none at all (the indexes come from the store's
 * HTTP cache, as when the server is down).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UU_INSTALL
#include "tests/unit/unit_util.h"

#include "catalog/catalog.h"
#include "catalog/http.h"
#include "store/catalogdb.h"
#include "store/sqlite/sqlite.h"

#define CRM1 "tests/artifacts/acme-crm-1.0.0.json"
#define BASE "http://127.0.0.1:1"

static const volatile int cancelled = 1; /* no transfer: the cache serves */

static void cache(const char *url, const char *body)
{
	struct db *db = uu_db();
	int64_t ts;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_now(db, 0, &ts), 0);
	ck_assert_int_eq(catdb_http_put(db, url, "\"e1\"", body, strlen(body), ts), 0);
	ck_assert_int_eq(db_commit(db), 0);
	store_release(db);
}

static void exec_sql(const char *sql)
{
	struct db *db = uu_db();
	ck_assert_int_eq(sqlite3_exec(db->conn, sql, NULL, NULL, NULL), SQLITE_OK);
	store_release(db);
}

static int has_entry(const char *pkg, const char *version, struct catalog_row *row)
{
	struct db *db = uu_db();
	int rc = catdb_get(db, pkg, version, row);
	store_release(db);
	return rc == 0;
}

/* catalog_sync once dropped the store's errors of record_version: the
 * sync "succeeded" with nothing recorded. */
START_TEST(test_sync_store_error)
{
	struct catalog_limits lim = { CATALOG_MAX_INDEX, CATALOG_MAX_PACKAGES, 1, &cancelled };
	struct catalog_row row;
	cache(BASE "/index.json", "{\"format\": \"osfs-catalog/1\", \"packages\": {\"com.acme.crm\": {}}}");
	cache(BASE "/packages/com.acme.crm/index.json",
	      "{\"format\": \"osfs-catalog/1\", \"id\": \"com.acme.crm\", \"versions\": {\"1.0.0\": "
	      "{\"file\": \"1.0.0.json\", \"size\": 10, \"xxh3\": \"0123456789abcdef\"}}}");
	exec_sql("CREATE TEMP TRIGGER no_catalog BEFORE INSERT ON main.catalog BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
	int rc = catalog_sync(uu_st, BASE, &lim, &uu_r);
	ck_assert_int_lt(rc, 0);
	ck_assert_ptr_nonnull(strstr(diag_first(&uu_r.diag), "cannot record the versions of com.acme.crm in the store"));
	ck_assert(!has_entry("com.acme.crm", "1.0.0", &row));
	exec_sql("DROP TRIGGER no_catalog");
	uu_report_reset();
	ck_assert_int_eq(catalog_sync(uu_st, BASE, &lim, &uu_r), 0);
	ck_assert(has_entry("com.acme.crm", "1.0.0", &row));
}
END_TEST

/* ------------------------------------------------------------ a server */

struct server {
	int fd;
	const char *body;
	size_t len;
	struct db *held;  /* the store's only connection, taken while answering */
	pthread_t thread;
};

/* Answers one GET with body, after taking the store's connection: the
 * download then has no connection to keep its bytes with. */
static void *serve_one(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	char req[4096];
	size_t got = 0;
	ssize_t n;
	while (c >= 0 && got < sizeof(req) - 1 && (n = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	s->held = store_acquire(uu_st);
	char head[256];
	int hl = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			  s->len);
	if (c >= 0) {
		if (write(c, head, (size_t)hl) != hl || write(c, s->body, s->len) != (ssize_t)s->len)
			perror("write");
		close(c);
	}
	return NULL;
}

static int server_start(struct server *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s->fd, 0);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s->fd, 1), 0);
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, serve_one, s), 0);
	return ntohs(a.sin_port);
}

/* catalog_fetch once reported success when its second store_acquire
 * failed: the bytes were checked, never kept, and the open then found
 * nothing. */
START_TEST(test_fetch_without_connection)
{
	size_t len;
	const char *bytes = uu_file(CRM1, &len);
	struct artifact a;
	struct diag d = DIAG_INIT;
	ck_assert_int_eq(artifact_load(&a, bytes, len, ARTIFACT_DEFAULT_MAX, 0, &d), 0);
	struct server s = { .body = bytes, .len = len };
	int port = server_start(&s);
	struct catalog_row row = { 0 }, got;
	snprintf(row.pkg, sizeof(row.pkg), "com.acme.crm");
	snprintf(row.version, sizeof(row.version), "1.0.0");
	row.size = len;
	row.xxh3 = a.xxh3;
	snprintf(row.origin, sizeof(row.origin), "remote");
	snprintf(row.url, sizeof(row.url), "http://127.0.0.1:%d/packages/com.acme.crm/1.0.0.json", port);
	struct db *db = uu_db();
	int64_t ts;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_now(db, 0, &ts), 0);
	ck_assert_int_eq(catdb_remote(db, &row, ts, &uu_r.changes), 0);
	ck_assert_int_eq(db_commit(db), 0);
	store_release(db);
	ck_assert(has_entry("com.acme.crm", "1.0.0", &got));

	int rc = catalog_fetch(uu_st, got.id, ARTIFACT_DEFAULT_MAX, NULL, &uu_r);
	pthread_join(s.thread, NULL);
	close(s.fd);
	ck_assert_ptr_nonnull(s.held);
	store_release(s.held);
	ck_assert_int_lt(rc, 0);
	ck_assert_ptr_nonnull(strstr(diag_first(&uu_r.diag), "downloaded, but the store has no connection to keep it"));
	ck_assert(has_entry("com.acme.crm", "1.0.0", &got));
	ck_assert_int_eq(got.artifact, 0);
	artifact_free(&a);
	diag_free(&d);
}
END_TEST

static Suite *remote_suite(void)
{
	Suite *s = suite_create("catalog_remote");
	TCase *tc = tcase_create("store failures");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_sync_store_error);
	tcase_add_test(tc, test_fetch_without_connection);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	char err[512];
	if (http_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(remote_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
