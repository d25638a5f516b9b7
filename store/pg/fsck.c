/* fsck: the checks of store/sqlite/fsck.c on PostgreSQL, for osfsctl
 * fsck.  Each check is one query returning a row per problem (its only
 * column the sentence, the same sentence as on SQLite); a store is sound
 * when none returns anything.  The invariants are read in one snapshot
 * (REPEATABLE READ), so a daemon installing meanwhile never shows as a
 * half-done install.
 *
 * What replaces SQLite's PRAGMA integrity_check and foreign_key_check:
 *  - foreign keys: PostgreSQL enforces them at every statement, but a
 *    session with session_replication_role=replica (or a superuser's
 *    ALTER TABLE ... DISABLE TRIGGER ALL, or a restore that skipped them)
 *    writes past them, so each reference is still checked by a query,
 *    with SQLite's sentence ("row N of T points at a missing P");
 *  - pages and indexes: the amcheck extension (contrib, in Debian's
 *    postgresql-15), when the database has it (CREATE EXTENSION amcheck,
 *    by its owner) and osfs's role may run it: bt_index_check() on every
 *    B-tree index of the schema osfs, each finding reported under
 *    "integrity".  Without it this part is skipped, silently: it is the
 *    server's own job (data checksums, pg_amcheck run by its operator),
 *    not something osfs's role can be required to hold. */
#include "store/fsck.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/pg/pg.h"

struct check {
	const char *what;
	const char *sql;
};

/* One reference: rows of child whose col is set but names no row of parent. */
#define REF(child, key, col, parent) \
	"SELECT 'row ' || " key " || ' of " child " points at a missing " parent "' FROM " child " c " \
	"WHERE c." col " IS NOT NULL AND NOT EXISTS(SELECT 1 FROM " parent " p WHERE p.id = c." col ")"

static const struct check checks[] = {
	{ "foreign keys",
	  REF("art_deps", "c.artifact || '/' || c.pkg", "artifact", "artifacts") " UNION ALL "
	  REF("kinds", "c.artifact || '/' || c.idx", "artifact", "artifacts") " UNION ALL "
	  REF("items", "c.artifact || '/' || c.idx", "artifact", "artifacts") " UNION ALL "
	  REF("art_objects", "c.artifact || '/' || c.name", "artifact", "artifacts") " UNION ALL "
	  REF("art_exts", "c.artifact || '/' || c.seq", "artifact", "artifacts") " UNION ALL "
	  REF("art_refs", "c.artifact || '/' || c.target", "artifact", "artifacts") " UNION ALL "
	  REF("installs", "c.id", "tenant", "tenants") " UNION ALL "
	  REF("installs", "c.id", "artifact", "artifacts") " UNION ALL "
	  REF("pkg_state", "c.tenant || '/' || c.pkg", "tenant", "tenants") " UNION ALL "
	  REF("history", "c.id", "tenant", "tenants") " UNION ALL "
	  REF("claims", "c.tenant || '/' || c.kind || '/' || c.name", "install", "installs") " UNION ALL "
	  REF("registry", "c.id", "tenant", "tenants") " UNION ALL "
	  REF("registry", "c.id", "install", "installs") " UNION ALL "
	  REF("tables", "c.id", "tenant", "tenants") " UNION ALL "
	  REF("records", "c.id", "tbl", "tables") " UNION ALL "
	  REF("record_secrets", "c.tbl || '/' || c.key || '/' || c.field", "tbl", "tables") " UNION ALL "
	  REF("log", "c.tenant || '/' || c.off", "tenant", "tenants") " UNION ALL "
	  REF("catalog", "c.id", "artifact", "artifacts") },
	/* Password and secret values go with their record (records_delete,
	 * tenants_delete); the unique index holds what the records hold
	 * (unique_value(): store/pg/schema.c). */
	{ "record secrets",
	  "SELECT 'a secret of record ' || s.key || ' of table ' || s.tbl || ' (' || s.field || ') has no record' "
	  "FROM record_secrets s WHERE NOT EXISTS(SELECT 1 FROM records r WHERE r.tbl=s.tbl AND r.key=s.key)" },
	{ "unique index",
	  "SELECT 'record_keys holds ' || k.field || ' of record ' || k.key || ' of table ' || k.tbl || "
	  "', which the record does not hold' FROM record_keys k WHERE NOT EXISTS(SELECT 1 FROM records r "
	  "WHERE r.tbl=k.tbl AND r.key=k.key AND unique_value(json_of(r.body) -> k.field)=k.value)" },
	{ "unique index",
	  "SELECT 'record_keys lacks ' || u.field || ' of record ' || r.key || ' of table ' || r.tbl "
	  "FROM unique_fields u JOIN records r ON r.tbl=u.tbl WHERE unique_value(json_of(r.body) -> u.field) IS NOT NULL "
	  "AND NOT EXISTS(SELECT 1 FROM record_keys k WHERE k.tbl=u.tbl AND k.field=u.field AND k.key=r.key AND "
	  "k.value=unique_value(json_of(r.body) -> u.field))" },
	{ "installs",
	  "SELECT 'install ' || i.id || ' (' || i.pkg || '@' || i.version || ') does not match its artifact' "
	  "FROM installs i JOIN artifacts a ON a.id=i.artifact WHERE a.pkg<>i.pkg OR a.version<>i.version" },
	{ "system packages",
	  "SELECT 'tenant ' || t.name || ' lacks system package ' || s.pkg FROM tenants t, "
	  "(SELECT DISTINCT pkg FROM installs WHERE system=1) s "
	  "WHERE NOT EXISTS(SELECT 1 FROM installs i WHERE i.tenant=t.id AND i.pkg=s.pkg)" },
	{ "namespaces",
	  "SELECT 'install ' || i.id || ' (' || i.pkg || ') does not hold its namespace ' || a.ns "
	  "FROM installs i JOIN artifacts a ON a.id=i.artifact WHERE i.system=0 AND NOT EXISTS("
	  "SELECT 1 FROM claims c WHERE c.install=i.id AND c.kind='@namespace' AND c.name=a.ns)" },
	{ "object claims",
	  "SELECT 'object ' || o.name || ' of ' || i.pkg || ' in tenant ' || i.tenant || ' is not claimed by it' "
	  "FROM installs i JOIN art_objects o ON o.artifact=i.artifact WHERE NOT EXISTS("
	  "SELECT 1 FROM claims c WHERE c.install=i.id AND c.kind='objects' AND c.name=o.name)" },
	{ "registered objects",
	  "SELECT 'object ' || c.name || ' of tenant ' || c.tenant || ' is claimed but not in objects/' "
	  "FROM claims c WHERE c.kind='objects' AND NOT EXISTS("
	  "SELECT 1 FROM registry r WHERE r.tenant=c.tenant AND r.name=c.name AND r.install=c.install)" },
	{ "registry owners",
	  "SELECT 'objects/' || r.name || '.json of tenant ' || r.tenant || ' has no owning install' "
	  "FROM registry r WHERE r.install IS NULL OR NOT EXISTS("
	  "SELECT 1 FROM claims c WHERE c.tenant=r.tenant AND c.kind='objects' AND c.name=r.name "
	  "AND c.install=r.install)" },
	{ "record folders",
	  "SELECT 'objects/' || r.name || '.json of tenant ' || r.tenant || ' has no data/ folder' "
	  "FROM registry r WHERE NOT EXISTS(SELECT 1 FROM tables b WHERE b.tenant=r.tenant AND b.name=r.name)" },
	{ "record counts",
	  "SELECT 'data/' || b.name || ' of tenant ' || b.tenant || ' counts ' || b.nrecords || ' records, holds ' "
	  "|| (SELECT count(*) FROM records r WHERE r.tbl=b.id) FROM tables b "
	  "WHERE b.nrecords <> (SELECT count(*) FROM records r WHERE r.tbl=b.id)" },
	{ "package state",
	  "SELECT 'package ' || i.pkg || ' of tenant ' || i.tenant || ' has no first-install record' "
	  "FROM installs i WHERE i.system=0 AND NOT EXISTS("
	  "SELECT 1 FROM pkg_state s WHERE s.tenant=i.tenant AND s.pkg=i.pkg)" },
	{ "log size",
	  "SELECT 'the log of tenant ' || t.name || ' is ' || t.log_size || ' bytes but its lines add up to ' || "
	  "coalesce((SELECT sum(octet_length(line)) FROM log l WHERE l.tenant=t.id), 0) FROM tenants t "
	  "WHERE t.log_size <> coalesce((SELECT sum(octet_length(line)) FROM log l WHERE l.tenant=t.id), 0)" },
	{ "log lines",
	  "SELECT 'log line at ' || l.off || ' of tenant ' || l.tenant || ' does not end where the next begins' "
	  "FROM log l JOIN log n ON n.tenant=l.tenant AND n.off=(SELECT min(off) FROM log m WHERE m.tenant=l.tenant "
	  "AND m.off>l.off) WHERE l.off + octet_length(l.line) <> n.off OR right(l.line, 1) <> chr(10)" },
	{ "unused artifacts",
	  "SELECT 'artifact ' || a.id || ' (' || a.pkg || '@' || a.version || ') is stored but installed nowhere' "
	  "FROM artifacts a WHERE NOT EXISTS(SELECT 1 FROM installs i WHERE i.artifact=a.id) "
	  "AND NOT EXISTS(SELECT 1 FROM catalog c WHERE c.artifact=a.id)" },
	{ "catalog",
	  "SELECT 'catalog entry ' || c.pkg || '@' || c.version || ' does not match its artifact' "
	  "FROM catalog c JOIN artifacts a ON a.id=c.artifact "
	  "WHERE a.pkg<>c.pkg OR a.version<>c.version OR a.size<>c.size OR a.xxh3<>c.xxh3" },
	{ "catalog folders",
	  "SELECT 'catalog entry ' || c.pkg || '@' || c.version || ' has no folder' FROM catalog c "
	  "WHERE NOT EXISTS(SELECT 1 FROM catalog_pkgs p WHERE p.pkg=c.pkg)" },
	{ "clock",
	  "SELECT 'the store clock is behind an install time' FROM meta m "
	  "WHERE m.key='clock' AND m.value < (SELECT coalesce(max(at), 0) FROM installs)" },
};

/* bt_index_check() on each B-tree index of the schema, if amcheck is
 * there and may be run: its error is the problem found.  Each check is a
 * statement of its own (no transaction), so one finding does not stop
 * the others.  Returns the number of problems, or -errno. */
static int indexes(struct store *st, fsck_report_fn report, void *ctx)
{
	struct db *db = pg_store_acquire(st);
	if (!db)
		return -EIO;
	/* amcheck's schema, and whether osfs's role may call it: asked one
	 * after the other, as a privilege test of a function that does not
	 * exist is an error */
	PGresult *r;
	char nsp[128] = "";
	int rc = pg_query(db, "SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid=e.extnamespace "
			      "WHERE e.extname='amcheck'", PG_NOARGS, &r);
	if (rc == 0 && PQntuples(r) == 1)
		snprintf(nsp, sizeof(nsp), "%s", pg_get_text(r, 0, 0));
	PQclear(r);
	if (rc == 0 && nsp[0]) {
		rc = pg_query(db, "SELECT has_function_privilege(format('%I.bt_index_check(regclass)', $1::text), 'EXECUTE')",
			      PG_ARGS(pg_text(nsp)), &r);
		if (rc == 0 && !(PQntuples(r) == 1 && pg_get_i64(r, 0, 0)))
			nsp[0] = '\0';
		PQclear(r);
	}
	if (rc == 0 && nsp[0])
		rc = pg_query(db,
			      "SELECT c.oid::bigint, c.relname::text FROM pg_index i "
			      "JOIN pg_class c ON c.oid=i.indexrelid JOIN pg_am a ON a.oid=c.relam "
			      "JOIN pg_namespace n ON n.oid=c.relnamespace "
			      "WHERE n.nspname='osfs' AND a.amname='btree' ORDER BY c.relname",
			      PG_NOARGS, &r);
	if (rc || !nsp[0]) {
		pg_store_release(db);
		return rc == -EACCES ? 0 : rc;
	}
	/* amcheck lives in the schema it was created in (not on osfs's
	 * search_path): named as an identifier, each index's oid bound. */
	char sql[400], *schema = PQescapeIdentifier(db->conn, nsp, strlen(nsp));
	int problems = schema ? 0 : -ENOMEM;
	if (schema)
		snprintf(sql, sizeof(sql), "SELECT %s.bt_index_check($1::bigint::oid::regclass)", schema);
	PQfreemem(schema);
	for (int i = 0; i < PQntuples(r) && problems >= 0; i++) {
		PGresult *c = PQexecParams(db->conn, sql, 1, NULL, (const char *const[]){ PQgetvalue(r, i, 0) },
					   (const int[]){ 8 }, (const int[]){ 1 }, 1);
		ExecStatusType s = c ? PQresultStatus(c) : PGRES_FATAL_ERROR;
		if (s != PGRES_TUPLES_OK) {
			const char *state = c ? PQresultErrorField(c, PG_DIAG_SQLSTATE) : NULL;
			const char *m = c ? PQresultErrorMessage(c) : PQerrorMessage(db->conn);
			char msg[600];
			snprintf(msg, sizeof(msg), "index %s: %.*s", pg_get_text(r, i, 1), (int)strcspn(m, "\n"), m);
			if (!state || PQstatus(db->conn) != CONNECTION_OK) {
				PQclear(c);
				problems = -EIO;
				break;
			}
			if (strcmp(state, "42501")) { /* not allowed after all: skipped */
				report(ctx, "integrity", msg);
				problems++;
			}
		}
		PQclear(c);
	}
	PQclear(r);
	pg_store_release(db);
	return problems;
}

int pg_store_fsck(struct store *st, fsck_report_fn report, void *ctx)
{
	struct db *db = pg_store_acquire_read(st);
	if (!db)
		return -EIO;
	int problems = 0;
	for (size_t i = 0; i < sizeof(checks) / sizeof(*checks) && problems >= 0; i++) {
		PGresult *r;
		int rc = pg_query(db, checks[i].sql, PG_NOARGS, &r);
		if (rc) {
			problems = rc;
			break;
		}
		for (int k = 0; k < PQntuples(r); k++) {
			report(ctx, checks[i].what, pg_get_text(r, k, 0));
			problems++;
		}
		PQclear(r);
	}
	pg_store_release(db);
	if (problems < 0)
		return problems;
	int more = indexes(st, report, ctx);
	return more < 0 ? more : problems + more;
}
