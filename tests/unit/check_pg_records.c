/* check_pg_records: the PostgreSQL engine's records_*, tenants_*, log_*
 * and store_fsck (store/pg/records.c, records_write.c, tenants.c, log.c,
 * fsck.c) give what the SQLite engine gives: each scenario runs the same
 * calls on a SQLite store in a temp file and on a PostgreSQL store (a
 * throwaway server from tests/pg/server.sh), writes every result (return
 * codes, ids, bodies, listings in their order, the changes recorded) to a
 * transcript, and the two transcripts must be equal.  The engines are
 * called through their own tables (sq_backend, and one made here of the
 * pg_* functions) until store/pg/backend.c exists.  Also: backup and
 * restore of a PostgreSQL store (pg_dump/pg_restore), ids never reused
 * after a restore.  Run by `make unit-pg`.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "store/backend.h"
#include "store/pg/pg.h"
#include "tests/unit/check_common.h"

static char srvdir[64];
static char uri[256];
static char tmpdir[64];
static pid_t parent;

static void server_stop(void)
{
	if (getpid() != parent)
		return;
	char cmd[256];
	if (srvdir[0]) {
		snprintf(cmd, sizeof(cmd), "tests/pg/server.sh stop %s", srvdir);
		if (system(cmd) != 0)
			fprintf(stderr, "check_pg_records: %s failed\n", cmd);
		srvdir[0] = '\0';
	}
	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "check_pg_records: %s failed\n", cmd);
		tmpdir[0] = '\0';
	}
}

static void server_start(void)
{
	parent = getpid();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/osfs-check-pgrec.XXXXXX");
	snprintf(srvdir, sizeof(srvdir), "/tmp/osfs-check-pg.XXXXXX");
	if (!mkdtemp(tmpdir) || !mkdtemp(srvdir)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(server_stop);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "tests/pg/server.sh start %s", srvdir);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(uri, sizeof(uri), p) || pclose(p) != 0) {
		fprintf(stderr, "check_pg_records: %s failed\n", cmd);
		exit(1);
	}
	uri[strcspn(uri, "\n")] = '\0';
	char pf[128];
	snprintf(pf, sizeof(pf), "%s/passfile", srvdir);
	setenv("PGPASSFILE", pf, 1);
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* A statement on a connection of the test's own (uri: which database). */
static void sql_on(const char *where, const char *q)
{
	PGconn *c = PQconnectdb(where);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	PGresult *r = PQexec(c, q);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", q,
		      PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

/* ---- the two engines ---- */

/* The PostgreSQL engine's functions this test needs, as a table. */
static const struct store_backend pgt = {
	.name = "postgresql",
	.store_close = pg_store_close,
	.store_acquire = pg_store_acquire,
	.store_acquire_read = pg_store_acquire_read,
	.store_release = pg_store_release,
	.db_begin = pg_db_begin,
	.db_commit = pg_db_commit,
	.db_rollback = pg_db_rollback,
	.store_fsck = pg_store_fsck,
	.log_append = pg_log_append,
	.log_read = pg_log_read,
#define R(op) .op = pg_##op
	R(records_table), R(records_prune), R(records_get), R(records_put), R(records_set_mtime),
	R(records_table_done), R(records_table_find), R(records_object_def), R(records_exists),
	R(records_unique_holder), R(records_table_name), R(records_row), R(records_objects_each),
	R(records_with_field), R(records_table_empty), R(records_delete), R(records_put_seed),
	R(records_seed_written), R(records_secret_get), R(records_secret_put), R(records_secret_drop),
	R(tenants_find), R(tenants_get), R(tenants_create), R(tenants_count_owned), R(tenants_is_empty),
	R(tenants_has_packages), R(tenants_delete), R(tenants_touch), R(tenants_set_owner), R(tenants_each),
#undef R
};

struct engine {
	const struct store_backend *be;
	struct store *st;
	char sqlite_path[128]; /* empty for PostgreSQL */
	/* objects/<name>.json with no owning install: a row only registry_set
	 * writes, which needs an install; written here directly instead */
	void (*add_object)(struct engine *e, int64_t tenant, const char *name, const char *body);
};

static void sq_add_object(struct engine *e, int64_t tenant, const char *name, const char *body)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "sqlite3 %s", e->sqlite_path);
	FILE *p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	/* values from this file only: quotes are not in them */
	fprintf(p, "INSERT INTO registry(tenant, name, install, mtime, body) VALUES(%lld, '%s', NULL, 1, CAST('%s' AS BLOB));\n",
		(long long)tenant, name, body);
	ck_assert_int_eq(pclose(p), 0);
}

static void pg_add_object(struct engine *e, int64_t tenant, const char *name, const char *body)
{
	struct db *db = pg_store_acquire(e->st);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(pg_exec(db, "INSERT INTO registry(tenant, name, install, mtime, body) VALUES($1, $2, NULL, 1, $3)",
				 PG_ARGS(pg_i64(tenant), pg_text(name), pg_bytes(body, strlen(body)))),
			 1);
	pg_store_release(db);
}

static void open_sqlite(struct engine *e, const char *name)
{
	char err[512] = "";
	memset(e, 0, sizeof(*e));
	e->be = &sq_backend;
	snprintf(e->sqlite_path, sizeof(e->sqlite_path), "%s/%s.db", tmpdir, name);
	unlink(e->sqlite_path);
	int rc = sq_store_open(&e->st, e->sqlite_path, 0, err, sizeof(err));
	ck_assert_msg(rc == 0, "sq_store_open: %d %s", rc, err);
	e->add_object = sq_add_object;
}

static void open_pg(struct engine *e)
{
	char err[512] = "";
	memset(e, 0, sizeof(*e));
	e->be = &pgt;
	sql_on(uri, "DROP SCHEMA IF EXISTS osfs CASCADE");
	int rc = pg_store_open(&e->st, uri, 0, err, sizeof(err));
	ck_assert_msg(rc == 0, "pg_store_open: %d %s", rc, err);
	e->add_object = pg_add_object;
}

/* The PostgreSQL store as it is (no fresh schema). */
static void open_pg_keep(struct engine *e)
{
	char err[512] = "";
	memset(e, 0, sizeof(*e));
	e->be = &pgt;
	int rc = pg_store_open(&e->st, uri, 0, err, sizeof(err));
	ck_assert_msg(rc == 0, "pg_store_open: %d %s", rc, err);
	e->add_object = pg_add_object;
}

static void engine_close(struct engine *e)
{
	e->be->store_close(e->st);
	if (e->sqlite_path[0])
		unlink(e->sqlite_path);
}

/* ---- transcripts ---- */

#define T(...) buf_printf(out, __VA_ARGS__)

static void changes_out(struct buf *out, struct changes *ch)
{
	for (size_t i = 0; i < ch->n; i++)
		T(" change(%d:%llu %s @%llu)", (int)ch->v[i].dir.type, (unsigned long long)ch->v[i].dir.id,
		  ch->v[i].name ? ch->v[i].name : "-", (unsigned long long)ch->v[i].off);
	T("\n");
	changes_free(ch);
	*ch = (struct changes)CHANGES_INIT;
}

static int each_tenant(void *ctx, int64_t id, const char *name)
{
	struct buf *out = ctx;
	T(" %lld:%s", (long long)id, name);
	return 0;
}

static int first_tenant_only(void *ctx, int64_t id, const char *name)
{
	struct buf *out = ctx;
	T(" %lld:%s(stop)", (long long)id, name);
	return 1;
}

static int each_object(void *ctx, const char *name, const char *body, size_t len)
{
	struct buf *out = ctx;
	T(" %s=%.*s", name, (int)len, body);
	return 0;
}

static int stop_object(void *ctx, const char *name, const char *body, size_t len)
{
	(void)body;
	(void)len;
	struct buf *out = ctx;
	T(" %s(stop 7)", name);
	return 7;
}

static void tenant_out(struct buf *out, int rc, const struct tenant_row *t)
{
	if (rc)
		T(" rc=%d\n", rc);
	else
		T(" rc=0 id=%lld uid=%u gid=%u mode=%o name=%s\n", (long long)t->id, (unsigned)t->uid, (unsigned)t->gid,
		  (unsigned)t->mode, t->name);
}

/* An array's text without the blanks outside strings: jsonb writes
 * `["a", "b"]` where SQLite writes `["a","b"]` (store/pg/records_write.c). */
static void squeeze(struct buf *out, const char *s)
{
	int in = 0;
	for (; *s; s++) {
		if (*s == '"' && (s[-1] != '\\'))
			in = !in;
		if (in || (*s != ' ' && *s != '\n'))
			buf_addc(out, *s);
	}
}

static void tenants_scenario(struct engine *e, struct buf *out)
{
	const struct store_backend *be = e->be;
	struct db *db = be->store_acquire(e->st);
	struct tenant_row t;
	int64_t id = 0, n = -1;
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(be->db_begin(db), 0);
	T("create acme: %d", be->tenants_create(db, "acme", 1000, 1001, 040755, 100, &id));
	T(" id=%lld\n", (long long)id);
	/* taken: -EEXIST, and the transaction goes on (on PostgreSQL too) */
	T("create acme again: %d\n", be->tenants_create(db, "acme", 1, 1, 0700, 101, &id));
	T("create B: %d", be->tenants_create(db, "B", 1000, 1000, 0700, 102, &id));
	T(" id=%lld\n", (long long)id);
	T("create é: %d", be->tenants_create(db, "é", 2000, 2000, 0750, 103, &id));
	T(" id=%lld\n", (long long)id);
	T("commit: %d\n", be->db_commit(db));
	T("find acme:");
	tenant_out(out, be->tenants_find(db, "acme", &t), &t);
	T("find nobody:");
	tenant_out(out, be->tenants_find(db, "nobody", &t), &t);
	T("get 3:");
	tenant_out(out, be->tenants_get(db, 3, &t), &t);
	T("get 99:");
	tenant_out(out, be->tenants_get(db, 99, &t), &t);
	T("count 1000: %d", be->tenants_count_owned(db, 1000, &n));
	T(" n=%lld\n", (long long)n);
	T("count 5: %d", be->tenants_count_owned(db, 5, &n));
	T(" n=%lld\n", (long long)n);
	T("is_empty 1: %d has_packages 1: %d\n", be->tenants_is_empty(db, 1), be->tenants_has_packages(db, 1));
	T("each:");
	T(" rc=%d\n", be->tenants_each(db, each_tenant, out));
	T("each, stop at first:");
	T(" rc=%d\n", be->tenants_each(db, first_tenant_only, out));
	ck_assert_int_eq(be->db_begin(db), 0);
	T("touch: %d\n", be->tenants_touch(db, 1, 200));
	T("set_owner uid only: %d\n", be->tenants_set_owner(db, 1, 4242, -1, -1, 201));
	T("set_owner mode: %d\n", be->tenants_set_owner(db, 2, -1, 77, 0104711, 202));
	T("commit: %d\n", be->db_commit(db));
	T("get 1:");
	tenant_out(out, be->tenants_get(db, 1, &t), &t);
	T("get 2:");
	tenant_out(out, be->tenants_get(db, 2, &t), &t);
	/* a table with records: not empty */
	int64_t tbl;
	int created;
	ck_assert_int_eq(be->db_begin(db), 0);
	T("table: %d\n", be->records_table(db, 2, "x", 300, &tbl, &created));
	T("put: %d\n", be->records_put(db, tbl, "k", "{}", 2, 300, 0));
	T("done: %d\n", be->records_table_done(db, tbl, 1, 300));
	T("log: %d\n", be->log_append(db, 2, 300, "hello", NULL));
	T("commit: %d\n", be->db_commit(db));
	T("is_empty 2: %d\n", be->tenants_is_empty(db, 2));
	ck_assert_int_eq(be->db_begin(db), 0);
	T("delete 2: %d\n", be->tenants_delete(db, 2, 400));
	T("commit: %d\n", be->db_commit(db));
	T("get 2:");
	tenant_out(out, be->tenants_get(db, 2, &t), &t);
	T("each:");
	T(" rc=%d\n", be->tenants_each(db, each_tenant, out));
	/* a new tenant never takes a deleted one's id (inode numbers) */
	ck_assert_int_eq(be->db_begin(db), 0);
	T("create again B: %d", be->tenants_create(db, "B", 1000, 1000, 0700, 500, &id));
	T(" id=%lld\n", (long long)id);
	T("commit: %d\n", be->db_commit(db));
	be->store_release(db);
}

static const struct {
	const char *key, *body;
} recs[] = {
	{ "b", "{\"name\":\"Acme\",\"n\":3,\"tags\":[\"x\",\"y\"],\"ref\":\"a\"}" },
	{ "a", "{\"name\":\"Acme\",\"n\":3.0,\"ok\":true,\"ref\":[\"b\", \"é\"]}" },
	{ "B", "{\"name\":\"acme\",\"n\":4,\"ok\":false,\"ref\":\"b\"}" },
	{ "é", "{\"name\":\"Été\",\"n\":1,\"ref\":{\"k\":1}}" },
	{ "_bad", "not json {" },
	{ "dup1", "{\"name\":\"twice\",\"n\":7}" },
	{ "dup0", "{\"name\":\"twice\",\"n\":7}" },
	{ "_arr", "[1,2,3]" },
	{ "_huge", "{\"n\":1e400,\"name\":\"huge\"}" },
	{ "z", "{\"name\":null,\"n\":\"3\",\"ok\":1}" },
};

static void records_scenario(struct engine *e, struct buf *out)
{
	const struct store_backend *be = e->be;
	struct db *db = be->store_acquire(e->st);
	struct changes ch = CHANGES_INIT;
	int64_t tid, tbl = 0, tbl2 = 0, id = 0, tenant = 0;
	int created = -1;
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(be->db_begin(db), 0);
	ck_assert_int_eq(be->tenants_create(db, "acme", 1000, 1000, 0755, 10, &tid), 0);
	T("table crm: %d", be->records_table(db, tid, "crm", 11, &tbl, &created));
	T(" id=%lld created=%d\n", (long long)tbl, created);
	T("table crm again: %d", be->records_table(db, tid, "crm", 12, &tbl, &created));
	T(" id=%lld created=%d\n", (long long)tbl, created);
	T("table other: %d", be->records_table(db, tid, "other", 13, &tbl2, NULL));
	T(" id=%lld\n", (long long)tbl2);
	int64_t other = tbl2;
	for (size_t i = 0; i < N(recs); i++)
		T("put %s: %d\n", recs[i].key, be->records_put(db, tbl, recs[i].key, recs[i].body, strlen(recs[i].body),
								 20 + (int64_t)i, 0));
	/* a key taken: SQLite's constraint error, the transaction still usable */
	T("put b again, no old id: %d\n", be->records_put(db, tbl, "b", "{}", 2, 30, 0));
	T("done: %d\n", be->records_table_done(db, tbl, (int64_t)N(recs), 31));
	T("commit: %d\n", be->db_commit(db));

	struct buf body = BUF_INIT;
	for (size_t i = 0; i < N(recs); i++) {
		buf_free(&body);
		body = (struct buf)BUF_INIT;
		int rc = be->records_get(db, tbl, recs[i].key, &id, &body);
		T("get %s: %d id=%lld body=%.*s\n", recs[i].key, rc, (long long)id, (int)body.len, body.p ? body.p : "");
	}
	T("get missing: %d\n", be->records_get(db, tbl, "nope", &id, NULL));
	T("get no body: %d", be->records_get(db, tbl, "a", &id, NULL));
	T(" id=%lld\n", (long long)id);
	int64_t id_a = id;

	ck_assert_int_eq(be->db_begin(db), 0);
	/* a rewrite: a new row replacing the old (a new inode) */
	T("put a over its row: %d\n", be->records_put(db, tbl, "a", "{\"name\":\"New\",\"n\":9}", 20, 40, id_a));
	T("get a:");
	buf_free(&body);
	body = (struct buf)BUF_INIT;
	T(" %d", be->records_get(db, tbl, "a", &id, &body));
	T(" new id=%d body=%.*s\n", id > id_a, (int)body.len, body.p);
	T("set_mtime by id: %d\n", be->records_set_mtime(db, id, 0, NULL, 77));
	T("set_mtime by key: %d\n", be->records_set_mtime(db, 0, tbl, "b", 78));
	T("set_mtime gone id: %d\n", be->records_set_mtime(db, id_a, 0, NULL, 79));
	T("set_mtime gone key: %d\n", be->records_set_mtime(db, 0, tbl, "nope", 79));
	T("commit: %d\n", be->db_commit(db));

	T("table_find crm: %d", be->records_table_find(db, tid, "crm", &tbl));
	T(" id=%lld\n", (long long)tbl);
	T("table_find nope: %d\n", be->records_table_find(db, tid, "nope", &tbl2));
	T("exists crm/b: %d crm/nope: %d nope/b: %d\n", be->records_exists(db, tid, "crm", "b"),
	  be->records_exists(db, tid, "crm", "nope"), be->records_exists(db, tid, "nope", "b"));
	struct buf s = BUF_INIT;
	T("table_name: %d", be->records_table_name(db, tbl, &tenant, &s));
	T(" tenant=%lld name=%s\n", (long long)tenant, buf_str(&s));
	buf_free(&s);
	s = (struct buf)BUF_INIT;
	T("table_name gone: %d\n", be->records_table_name(db, 999, &tenant, &s));
	T("row: %d", be->records_row(db, id, &tbl2, &s));
	T(" tbl=%lld key=%s\n", (long long)tbl2, buf_str(&s));
	buf_free(&s);
	s = (struct buf)BUF_INIT;
	T("row gone: %d\n", be->records_row(db, id_a, &tbl2, &s));

	/* unique holders: strings to strings, numbers to numbers (booleans hold
	 * none: record_keys indexes strings and numbers) */
	const double three = 3, one = 1, zero = 0, nine = 9, half = 0.5, seven = 7;
	struct {
		const char *key, *field, *str;
		const double *num;
	} uq[] = {
		{ "x", "name", "Acme", NULL },  { "b", "name", "Acme", NULL },  { "x", "name", "acme", NULL },
		{ "x", "name", "Été", NULL },   { "x", "name", "New", NULL },   { "a", "name", "New", NULL },
		{ "x", "n", NULL, &three },     { "b", "n", NULL, &three },     { "x", "n", "3", NULL },
		{ "x", "ok", NULL, &one },      { "x", "ok", NULL, &zero },     { "x", "n", NULL, &nine },
		{ "x", "n", NULL, &half },      { "x", "none", "Acme", NULL },  { "x", "name", "twice", NULL },
		{ "dup1", "name", "twice", NULL }, { "x", "n", NULL, &seven },
	};
	for (size_t i = 0; i < N(uq); i++) {
		s = (struct buf)BUF_INIT;
		int rc = be->records_unique_holder(db, tbl, uq[i].key, uq[i].field, uq[i].str, uq[i].num, &s);
		T("unique %s.%s=%s%s: %d %s\n", uq[i].key, uq[i].field, uq[i].str ? uq[i].str : "",
		  uq[i].num ? "(num)" : "", rc, buf_str(&s));
		buf_free(&s);
	}
	const char *fields[] = { "ref", "tags", "name", "n", "none" };
	for (size_t f = 0; f < N(fields); f++) {
		struct record_hit *hits = NULL;
		size_t n = 99;
		int rc = be->records_with_field(db, tbl, fields[f], &hits, &n);
		T("with_field %s: %d n=%zu", fields[f], rc, n);
		for (size_t i = 0; i < n; i++) {
			T(" [%s %s ", hits[i].key, hits[i].array ? "array" : "string");
			squeeze(out, hits[i].value);
			T("]");
		}
		T("\n");
		records_hits_free(hits, n);
	}
	T("table_empty crm: %d other: %d gone: %d\n", be->records_table_empty(db, tbl),
	  be->records_table_empty(db, other), be->records_table_empty(db, 999));

	ck_assert_int_eq(be->db_begin(db), 0);
	T("delete b: %d\n", be->records_delete(db, tbl, "b", 50));
	T("delete b again: %d\n", be->records_delete(db, tbl, "b", 51));
	T("commit: %d\n", be->db_commit(db));

	/* objects: listed in byte order; prune keeps a table with records or
	 * a registered object, and records the removal */
	e->add_object(e, tid, "other", "{\"o\":1}");
	e->add_object(e, tid, "B", "{\"o\":2}");
	e->add_object(e, tid, "é", "{\"o\":3}");
	e->add_object(e, tid, "a", "{\"o\":4}");
	T("objects:");
	T(" rc=%d\n", be->records_objects_each(db, tid, each_object, out));
	T("objects, stop:");
	T(" rc=%d\n", be->records_objects_each(db, tid, stop_object, out));
	s = (struct buf)BUF_INIT;
	T("object_def a: %d", be->records_object_def(db, tid, "a", &s));
	T(" %s\n", buf_str(&s));
	buf_free(&s);
	T("object_def none: %d null body: %d\n", be->records_object_def(db, tid, "none", NULL),
	  be->records_object_def(db, tid, "a", NULL));
	ck_assert_int_eq(be->db_begin(db), 0);
	T("prune crm (records):");
	T(" %d", be->records_prune(db, tid, "crm", &ch));
	changes_out(out, &ch);
	T("prune other (registered):");
	T(" %d", be->records_prune(db, tid, "other", &ch));
	changes_out(out, &ch);
	int64_t t3;
	T("table gone: %d\n", be->records_table(db, tid, "gone", 60, &t3, NULL));
	T("prune gone:");
	T(" %d", be->records_prune(db, tid, "gone", &ch));
	changes_out(out, &ch);
	T("prune gone again:");
	T(" %d", be->records_prune(db, tid, "gone", &ch));
	changes_out(out, &ch);
	T("commit: %d\n", be->db_commit(db));
	T("find gone: %d\n", be->records_table_find(db, tid, "gone", &t3));
	buf_free(&body);
	be->store_release(db);
}

static void log_scenario(struct engine *e, struct buf *out)
{
	const struct store_backend *be = e->be;
	struct db *db = be->store_acquire(e->st);
	struct changes ch = CHANGES_INIT;
	int64_t tid;
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(be->db_begin(db), 0);
	ck_assert_int_eq(be->tenants_create(db, "acme", 1000, 1000, 0755, 10, &tid), 0);
	const char *lines[] = { "installed crm 1.0.0", "a name\nwith a newline and \x1b[31m", "é 日本 \xff bytes", "" };
	for (size_t i = 0; i < N(lines); i++) {
		T("append %zu:", i);
		T(" %d", be->log_append(db, tid, 1764979200123456789LL + (int64_t)i * 1000000, lines[i], &ch));
		changes_out(out, &ch);
	}
	T("append no tenant: %d\n", be->log_append(db, 999, 5, "x", NULL));
	T("commit: %d\n", be->db_commit(db));
	struct buf all = BUF_INIT;
	T("read all: %d", be->log_read(db, tid, 0, 1 << 20, &all));
	T(" len=%zu\n%.*s", all.len, (int)all.len, all.p);
	size_t total = all.len;
	buf_free(&all);
	uint64_t offs[] = { 0, 1, 25, 26, 27, 40, total - 1, total, total + 10 };
	size_t sizes[] = { 0, 1, 10, 30, 100 };
	for (size_t i = 0; i < N(offs); i++)
		for (size_t k = 0; k < N(sizes); k++) {
			struct buf b = BUF_INIT;
			buf_adds(&b, "<");
			int rc = be->log_read(db, tid, offs[i], sizes[k], &b);
			T("read %llu+%zu: %d %.*s>\n", (unsigned long long)offs[i], sizes[k], rc, (int)b.len, b.p);
			buf_free(&b);
		}
	struct buf none = BUF_INIT;
	T("read other tenant: %d len=%zu\n", be->log_read(db, 999, 0, 100, &none), none.len);
	buf_free(&none);
	be->store_release(db);
}

static void report_line(void *ctx, const char *check, const char *problem)
{
	/* collected, then sorted: SQLite gives its rows in no promised order */
	struct buf *out = ctx;
	buf_printf(out, "%s: %s\n", check, problem);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sorted(struct buf *out, char *text)
{
	char *v[64];
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < N(v); l = strtok_r(NULL, "\n", &save))
		v[n++] = l;
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++)
		T("  %s\n", v[i]);
}

static void fsck_scenario(struct engine *e, struct buf *out)
{
	const struct store_backend *be = e->be;
	struct buf got = BUF_INIT;
	T("fsck new: %d\n", be->store_fsck(e->st, report_line, &got));
	sorted(out, got.p ? got.p : (char[]){ 0 });
	buf_free(&got);
	got = (struct buf)BUF_INIT;
	struct db *db = be->store_acquire(e->st);
	int64_t tid, tbl;
	ck_assert_int_eq(be->db_begin(db), 0);
	ck_assert_int_eq(be->tenants_create(db, "acme", 1000, 1000, 0755, 10, &tid), 0);
	ck_assert_int_eq(be->records_table(db, tid, "crm", 11, &tbl, NULL), 0);
	ck_assert_int_eq(be->records_put(db, tbl, "k", "{}", 2, 12, 0), 0);
	ck_assert_int_eq(be->records_table_done(db, tbl, 3, 13), 0); /* counts 3, holds 1 */
	ck_assert_int_eq(be->log_append(db, tid, 14, "one", NULL), 0);
	ck_assert_int_eq(be->log_append(db, tid, 15, "two", NULL), 0);
	ck_assert_int_eq(be->db_commit(db), 0);
	be->store_release(db);
	e->add_object(e, tid, "nofolder", "{}"); /* no owner, no data/ folder */
	T("fsck broken: %d\n", be->store_fsck(e->st, report_line, &got));
	sorted(out, got.p ? got.p : (char[]){ 0 });
	buf_free(&got);
}

#include "tests/unit/pg_seeds.h"

static void both(void (*scenario)(struct engine *, struct buf *), const char *name)
{
	struct engine sq, pg;
	struct buf a = BUF_INIT, b = BUF_INIT;
	open_sqlite(&sq, name);
	scenario(&sq, &a);
	engine_close(&sq);
	open_pg(&pg);
	scenario(&pg, &b);
	engine_close(&pg);
	ck_assert(!buf_error(&a) && !buf_error(&b));
	if (strcmp(buf_str(&a), buf_str(&b))) {
		char path[160];
		snprintf(path, sizeof(path), "/tmp/check_pg_records.%s.sqlite", name);
		FILE *f = fopen(path, "w");
		if (f) {
			fputs(buf_str(&a), f);
			fclose(f);
		}
		snprintf(path, sizeof(path), "/tmp/check_pg_records.%s.pg", name);
		if ((f = fopen(path, "w"))) {
			fputs(buf_str(&b), f);
			fclose(f);
		}
		ck_abort_msg("%s: the engines differ (diff /tmp/check_pg_records.%s.sqlite /tmp/check_pg_records.%s.pg)\n"
			     "--- sqlite\n%s--- pg\n%s",
			     name, name, name, buf_str(&a), buf_str(&b));
	}
	buf_free(&a);
	buf_free(&b);
}

START_TEST(test_tenants_same)
{
	both(tenants_scenario, "tenants");
}
END_TEST

START_TEST(test_records_same)
{
	both(records_scenario, "records");
}
END_TEST

START_TEST(test_seeds_same)
{
	both(seeds_scenario, "seeds");
}
END_TEST

START_TEST(test_log_same)
{
	both(log_scenario, "log");
}
END_TEST

START_TEST(test_fsck_same)
{
	both(fsck_scenario, "fsck");
}
END_TEST

/* The first column of the first row of q on where, as an integer. */
static long long q1(const char *where, const char *q)
{
	PGconn *c = PQconnectdb(where);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
	PGresult *r = PQexec(c, q);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", q, PQresultErrorMessage(r));
	long long v = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	PQfinish(c);
	return v;
}

/* As the cluster's superuser (tests/pg/server.sh psql). */
static void su_sql(const char *dbname, const char *q)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "tests/pg/server.sh psql %s -q -v ON_ERROR_STOP=1 -d %s >/dev/null", srvdir, dbname);
	/* psql reads its statements on stdin; NOTICEs (IF EXISTS) are not news */
	FILE *p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	fprintf(p, "SET client_min_messages = warning;\n%s\n", q);
	ck_assert_int_eq(pclose(p), 0);
}

/* osfsctl backup of a PostgreSQL store: a 0600 file never overwritten,
 * restored into an empty database with every row, and with its sequences:
 * an id handed out before the backup is not handed out after the restore. */
START_TEST(test_backup_restore)
{
	struct engine e;
	char err[512] = "", dump[160], other[300];
	open_pg(&e);
	struct db *db = pg_store_acquire(e.st);
	int64_t tid, tbl, id, gone;
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_tenants_create(db, "acme", 1000, 1000, 0755, 10, &tid), 0);
	ck_assert_int_eq(pg_tenants_create(db, "temp", 1000, 1000, 0755, 10, &gone), 0);
	ck_assert_int_eq(pg_records_table(db, tid, "crm", 11, &tbl, NULL), 0);
	ck_assert_int_eq(pg_records_put(db, tbl, "k", S("{\"a\":1}"), 12, 0), 0);
	ck_assert_int_eq(pg_records_table_done(db, tbl, 1, 13), 0);
	ck_assert_int_eq(pg_log_append(db, tid, 14, "hello", NULL), 0);
	ck_assert_int_eq(pg_tenants_delete(db, gone, 15), 0); /* the highest id, deleted */
	ck_assert_int_eq(pg_db_commit(db), 0);
	pg_store_release(db);
	engine_close(&e);

	snprintf(dump, sizeof(dump), "%s/store.dump", tmpdir);
	unlink(dump);
	mode_t old = umask(0);
	int rc = pg_store_backup(uri, dump, err, sizeof(err));
	umask(old);
	ck_assert_msg(rc == 0, "pg_store_backup: %d %s", rc, err);
	struct stat sb;
	ck_assert_int_eq(stat(dump, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_gt(sb.st_size, 0);
	snprintf(other, sizeof(other), "%s.partial", dump);
	ck_assert_int_ne(access(other, F_OK), 0);
	/* never over an existing file */
	ck_assert_int_eq(pg_store_backup(uri, dump, err, sizeof(err)), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err, "never overwrites"));
	/* a password in the string: refused before anything runs */
	snprintf(other, sizeof(other), "%s/pw.dump", tmpdir);
	ck_assert_int_eq(pg_store_backup("postgresql://osfs:secret@127.0.0.1:1/osfs", other, err, sizeof(err)), -EINVAL);
	ck_assert_int_ne(access(other, F_OK), 0);

	/* restore: never into a database that holds a store */
	ck_assert_int_eq(pg_store_restore(dump, uri, err, sizeof(err)), -EEXIST);
	su_sql("postgres", "DROP DATABASE IF EXISTS osfs_restored; CREATE DATABASE osfs_restored OWNER osfs;");
	char uri2[300];
	snprintf(uri2, sizeof(uri2), "%.*s/osfs_restored", (int)(strrchr(uri, '/') - uri), uri);
	rc = pg_store_restore(dump, uri2, err, sizeof(err));
	ck_assert_msg(rc == 0, "pg_store_restore: %d %s", rc, err);
	struct store *st2;
	ck_assert_int_eq(pg_store_open(&st2, uri2, 0, err, sizeof(err)), 0);
	db = pg_store_acquire(st2);
	struct tenant_row t;
	ck_assert_int_eq(pg_tenants_find(db, "acme", &t), 0);
	ck_assert_int_eq(t.id, tid);
	struct buf body = BUF_INIT, log = BUF_INIT;
	ck_assert_int_eq(pg_records_get(db, tbl, "k", &id, &body), 0);
	ck_assert_str_eq(buf_str(&body), "{\"a\":1}");
	ck_assert_int_eq(pg_log_read(db, tid, 0, 100, &log), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&log), " hello\n"));
	buf_free(&body);
	buf_free(&log);
	int64_t fresh;
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_tenants_create(db, "new", 1000, 1000, 0755, 20, &fresh), 0);
	ck_assert_int_eq(pg_db_commit(db), 0);
	ck_assert_int_gt(fresh, gone);
	pg_store_release(db);
	pg_store_close(st2);
	su_sql("postgres", "DROP DATABASE osfs_restored;");
}
END_TEST

/* With amcheck in the database (and osfs's role allowed to call it),
 * fsck checks every B-tree index of the schema; a sound store still has
 * no problem. */
START_TEST(test_fsck_amcheck)
{
	su_sql("osfs", "CREATE EXTENSION IF NOT EXISTS amcheck; "
		       "GRANT EXECUTE ON FUNCTION bt_index_check(regclass) TO osfs; "
		       "ALTER DATABASE osfs SET track_functions = 'all';");
	struct engine e;
	open_pg(&e);
	struct buf got = BUF_INIT;
	int rc = pg_store_fsck(e.st, report_line, &got);
	ck_assert_msg(rc == 0, "fsck: %d %s", rc, buf_str(&got));
	buf_free(&got);
	engine_close(&e); /* its sessions end: their counts reach the statistics */
	long long calls = 0;
	for (int i = 0; i < 100 && calls <= 0; i++) {
		calls = q1(uri, "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname='bt_index_check'");
		if (calls <= 0)
			usleep(100000);
	}
	ck_assert_int_gt(calls, 10); /* one per index: the schema has more than 10 */
	/* a reference written past the foreign keys (triggers off, as a
	 * replica's apply session does): found by fsck's own queries */
	su_sql("osfs", "SET session_replication_role = replica; "
		       "INSERT INTO osfs.records(tbl, key, mtime, body) VALUES(424242, 'orphan', 1, '');");
	open_pg_keep(&e);
	got = (struct buf)BUF_INIT;
	rc = pg_store_fsck(e.st, report_line, &got);
	ck_assert_msg(rc == 1, "fsck: %d %s", rc, buf_str(&got));
	ck_assert_msg(strstr(buf_str(&got), "foreign keys: row ") && strstr(buf_str(&got), " of records points at a missing tables"),
		      "%s", buf_str(&got));
	buf_free(&got);
	engine_close(&e);
	su_sql("osfs", "DROP EXTENSION amcheck; ALTER DATABASE osfs RESET track_functions;");
}
END_TEST

static Suite *pg_suite(void)
{
	Suite *s = suite_create("pg_records");
	TCase *tc = tcase_create("same as sqlite");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_tenants_same);
	tcase_add_test(tc, test_records_same);
	tcase_add_test(tc, test_seeds_same);
	tcase_add_test(tc, test_log_same);
	tcase_add_test(tc, test_fsck_same);
	suite_add_tcase(s, tc);
	tc = tcase_create("pg only");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_backup_restore);
	tcase_add_test(tc, test_fsck_amcheck);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	server_start();
	SRunner *sr = srunner_create(pg_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	server_stop();
	return failed ? 1 : 0;
}
