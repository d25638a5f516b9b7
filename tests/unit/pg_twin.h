/* pg_twin: one scenario on two engines, for the PostgreSQL backend's
 * unit tests (tests/unit/check_pg_*.c): a SQLite store in a temp file and
 * a PostgreSQL store (tests/unit/pg_server.h), each driven through its
 * engine's table of operations, each call's result written into a
 * transcript that must come out the same on both.  Also the catalog's
 * real artifacts the scenarios store, loaded and rendered as the
 * installer does (catalog/artifact_rows.c).
 *
 * Ids are written as the order they were first seen in per kind ("i3":
 * the third install id seen), since PostgreSQL's sequences may skip
 * values SQLite's AUTOINCREMENT does not (a rolled back insert).
 *
 * Everything is static inline so that each binary takes what it uses.
 */
#ifndef OSFS_PG_TWIN_H
#define OSFS_PG_TWIN_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "catalog/artifact.h"
#include "catalog/artifact_rows.h"
#include "catalog/diag.h"
#include "store/pg/pg.h"
#include "tests/unit/pg_server.h"
#include "tests/unit/unit_util.h"

/* The PostgreSQL engine's table (store/pg/backend.c). */
static inline const struct store_backend *pg_be(void)
{
	return &pg_backend;
}

/* ------------------------------------------------------------ artifacts */

/* Two extensions of one object in one artifact (registry_extended lists
 * it once; the merge orders them by priority), and one at the priority of
 * com.acme.helpdesk's (the merge orders those by install). */
static const char EXTA[] =
	"{'manifest': {'id': 'com.acme.exta', 'namespace': 'exta', 'version': '1.0.0', 'type': 'app', 'name': 'A'},"
	" 'objectExtensions': ["
	"  {'extend': 'crm_account', 'fields': {'exta_f': {'label': 'F', 'type': 'text'}}, 'priority': 300},"
	"  {'extend': 'crm_account', 'fields': {'exta_g': {'label': 'G', 'type': 'text'}}, 'priority': 50.25},"
	"  {'extend': 'crm_contact', 'fields': {'exta_h': {'label': 'H', 'type': 'text'}}, 'priority': 1}]}";
static const char EXTB[] =
	"{'manifest': {'id': 'com.acme.extb', 'namespace': 'extb', 'version': '1.0.0', 'type': 'app', 'name': 'B'},"
	" 'objectExtensions': ["
	"  {'extend': 'crm_account', 'fields': {'extb_f': {'label': 'F', 'type': 'text'}}, 'priority': 210}]}";

enum { CRM1, CRM11, HD, TODO, XCRM, SHOW, EXA, EXB, NARTS };

static const char *const art_src[NARTS] = {
	"tests/artifacts/acme-crm-1.0.0.json", "tests/artifacts/acme-crm-1.1.0.json",
	"tests/artifacts/acme-helpdesk-0.3.0.json", "tests/fixtures/real/app-todo/objectstack.json",
	"tests/fixtures/real/app-crm/objectstack.json", "tests/fixtures/real/app-showcase/objectstack.json",
	EXTA, EXTB,
};

struct art {
	char *bytes;
	size_t len;
	struct artifact a;
	struct art_rows r;
};

static struct art arts[NARTS];
static struct art unrendered; /* acme-crm 2.0.0, loaded only */

static inline void art_load(struct art *x, const char *src, int render)
{
	struct diag d = DIAG_INIT;
	if (src[0] == '{') {
		x->bytes = uu_json(src);
		x->len = strlen(x->bytes);
	} else {
		x->bytes = uu_read_file(src, &x->len);
		ck_assert_msg(x->bytes != NULL, "cannot read %s", src);
	}
	int rc = artifact_load(&x->a, x->bytes, x->len, ARTIFACT_DEFAULT_MAX, 0, &d);
	ck_assert_msg(rc == 0, "%.40s: %s", src, diag_first(&d));
	diag_free(&d);
	if (render)
		ck_assert_int_eq(artifact_render(&x->a), 0);
	ck_assert_int_eq(artifact_rows(&x->a, &x->r), 0);
}

static inline void arts_load(void)
{
	for (int i = 0; i < NARTS; i++)
		art_load(&arts[i], art_src[i], 1);
	art_load(&unrendered, "tests/artifacts/acme-crm-2.0.0.json", 0);
}

static inline void art_free(struct art *x)
{
	artifact_rows_free(&x->r);
	artifact_free(&x->a);
	free(x->bytes);
}

static inline void arts_free(void)
{
	for (int i = 0; i < NARTS; i++)
		art_free(&arts[i]);
	art_free(&unrendered);
}

/* ------------------------------------------------------------ engines */

struct seen {
	char kind;
	int64_t id;
};

struct engine {
	const char *name;
	const struct store_backend *be;
	struct store *st;
	struct db *db;
	char path[128];      /* SQLite: the store's file */
	struct seen seen[512];
	size_t nseen;
	struct buf out;      /* the transcript */
	/* raw ids of the scenario, for the id and row checks */
	int64_t art[NARTS], t1, t2, inst[NARTS], inst2_crm, old_art_crm1, old_inst_crm1;
};

/* The SQLite stores' folder, made and removed by the process that runs
 * the suite, so that a test that fails (its fork ends at once) leaves
 * nothing behind. */
static char sqlite_dir[64];

static inline void sqlite_dir_remove(void)
{
	if (getpid() != pg_server.parent || !sqlite_dir[0])
		return;
	DIR *d = opendir(sqlite_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[400];
		if (strncmp(de->d_name, "store-", 6))
			continue;
		snprintf(p, sizeof(p), "%s/%s", sqlite_dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(sqlite_dir);
	sqlite_dir[0] = '\0';
}

static inline void sqlite_dir_make(void)
{
	snprintf(sqlite_dir, sizeof(sqlite_dir), "/tmp/osfs-check-pgi.XXXXXX");
	if (!mkdtemp(sqlite_dir)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(sqlite_dir_remove);
}

static inline void engine_open(struct engine *e, int pg)
{
	char err[512] = "";
	int rc;
	memset(e, 0, sizeof(*e));
	e->out = (struct buf)BUF_INIT;
	if (pg) {
		PGconn *c = PQconnectdb(pg_server.uri);
		ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
		PQclear(PQexec(c, "SET client_min_messages = warning"));
		PGresult *r = PQexec(c, "DROP SCHEMA IF EXISTS osfs CASCADE");
		ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
		PQclear(r);
		PQfinish(c);
		e->name = "postgresql";
		e->be = pg_be();
		rc = pg_store_open(&e->st, pg_server.uri, 0, err, sizeof(err));
	} else {
		static unsigned n; /* a new file for each test, forked or not */
		snprintf(e->path, sizeof(e->path), "%s/store-%d-%u.db", sqlite_dir, (int)getpid(), n++);
		e->name = "sqlite";
		e->be = &sq_backend;
		rc = sq_store_open(&e->st, e->path, 0, err, sizeof(err));
	}
	ck_assert_msg(rc == 0, "%s: open: %d %s", e->name, rc, err);
	ck_assert_ptr_nonnull(e->db = e->be->store_acquire(e->st));
}

static inline void engine_close(struct engine *e)
{
	if (e->db)
		e->be->store_release(e->db);
	if (e->st)
		e->be->store_close(e->st);
	e->db = NULL;
	e->st = NULL;
	buf_free(&e->out);
}

/* id as "<kind><n>": the n-th id of that kind this engine showed; 0 is 0. */
static inline const char *nid(struct engine *e, char kind, int64_t id)
{
	static char pool[16][24];
	static unsigned next;
	char *s = pool[next++ % N(pool)];
	size_t n = 0, i;
	if (!id)
		return "0";
	for (i = 0; i < e->nseen; i++) {
		if (e->seen[i].kind != kind)
			continue;
		n++;
		if (e->seen[i].id == id)
			break;
	}
	if (i == e->nseen) {
		ck_assert_uint_lt(e->nseen, N(e->seen));
		e->seen[e->nseen++] = (struct seen){ kind, id };
		n++;
	}
	snprintf(s, sizeof(pool[0]), "%c%zu", kind, n);
	return s;
}

static inline void say(struct engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void say(struct engine *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&e->out, fmt, ap);
	va_end(ap);
	buf_addc(&e->out, '\n');
}

static inline const char *ename(int rc)
{
	static char s[16];
	switch (rc) {
	case 0: return "0";
	case -ENOENT: return "ENOENT";
	case -EEXIST: return "EEXIST";
	case -EINVAL: return "EINVAL";
	case -ENOTEMPTY: return "ENOTEMPTY";
	case -EIO: return "EIO";
	case -EROFS: return "EROFS";
	default:
		snprintf(s, sizeof(s), "%d", rc);
		return s;
	}
}

static inline const char *fixed_name(uint64_t id)
{
	return id == TREE_ROOT ? "root" : id == TREE_TENANTS ? "tenants" : id == TREE_CATALOG ? "catalog" : "?";
}

/* The changes, one line, then forgotten. */
static inline void say_changes(struct engine *e, const char *what, struct changes *ch)
{
	buf_printf(&e->out, "  changes of %s:", what);
	for (size_t i = 0; i < ch->n; i++) {
		const struct change *c = &ch->v[i];
		char kind = c->dir.type == T_CATPKG ? 'p' : c->dir.type == T_FIXED ? 0 : 't';
		buf_printf(&e->out, " %d/%s/%s/%llu", (int)c->dir.type,
			   kind ? nid(e, kind, (int64_t)c->dir.id) : fixed_name(c->dir.id),
			   c->name ? c->name : "-", (unsigned long long)c->off);
	}
	buf_printf(&e->out, "%s\n", ch->oom ? " OOM" : "");
	changes_free(ch);
}

static inline void begin(struct engine *e)
{
	ck_assert_int_eq(e->be->db_begin(e->db), 0);
}

static inline void commit(struct engine *e)
{
	int rc = e->be->db_commit(e->db);
	ck_assert_msg(rc == 0, "%s: commit: %d", e->name, rc);
}

static inline uint64_t h64(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

/* A tenant: tenants_create where the engine has it, else the row itself
 * (tenants are not of this test's groups). */
static inline int64_t make_tenant(struct engine *e, const char *name, int64_t ts)
{
	int64_t id = 0;
	if (e->be->tenants_create) {
		ck_assert_int_eq(e->be->tenants_create(e->db, name, 0, 0, 0755, ts, &id), 0);
		return id;
	}
	PGresult *r;
	ck_assert_int_eq(pg_query(e->db,
				  "INSERT INTO tenants(name, uid, gid, mode, created, mtime, ctime, log_mtime) "
				  "VALUES($1, 0, 0, 493, $2, $2, $2, $2) RETURNING id",
				  PG_ARGS(pg_text(name), pg_i64(ts)), &r),
			 0);
	id = pg_get_i64(r, 0, 0);
	PQclear(r);
	return id;
}

/* mode, mtime, ctime of install/<id>.json: tree_getattr where the engine
 * has it, else the row. */
static inline void say_inst_attr(struct engine *e, int64_t id)
{
	long long mode = 0, mtime = 0, ctime = 0;
	int rc;
	if (e->be->tree_getattr) {
		struct tree_attr a;
		rc = e->be->tree_getattr(e->db, tree_node(T_INSTFILE, (uint64_t)id), &a);
		mode = a.mode & 07777, mtime = a.mtime, ctime = a.ctime;
	} else {
		PGresult *r;
		/* system packages have no install/<id>.json */
		rc = pg_query(e->db, "SELECT mode, mtime, ctime FROM installs WHERE id=$1 AND system=0",
			      PG_ARGS(pg_i64(id)), &r);
		if (rc == 0) {
			rc = PQntuples(r) ? 0 : -ENOENT;
			if (rc == 0)
				mode = pg_get_i64(r, 0, 0), mtime = pg_get_i64(r, 0, 1), ctime = pg_get_i64(r, 0, 2);
			PQclear(r);
		}
	}
	if (rc)
		say(e, "  attr %s: %s", nid(e, 'i', id), ename(rc));
	else
		say(e, "  attr %s: 0 mode=%llo mtime=%lld ctime=%lld", nid(e, 'i', id), mode, mtime, ctime);
}

/* The first line where a and b differ, for the failure message. */
static inline void same_lines(const char *a, const char *b)
{
	for (int line = 1;; line++) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		if (la != lb || memcmp(a, b, la))
			ck_abort_msg("line %d differs:\n  sqlite:     %.*s\n  postgresql: %.*s", line, (int)la, a, (int)lb, b);
		if (!a[la] || !b[lb]) {
			ck_assert_msg(!a[la] && !b[lb], "line %d: one transcript ends", line);
			return;
		}
		a += la + 1;
		b += lb + 1;
	}
}

static inline void has(const char *out, const char *line)
{
	ck_assert_msg(strstr(out, line) != NULL, "no line '%s' in:\n%s", line, out);
}

#endif
