/* fsck: checks a store's integrity and the invariants the install code
 * keeps, for osfsctl fsck and the crash tests.
 *
 * Each check is one query that returns a row per problem, with the
 * problem's description as its only column; a store is sound when none
 * returns anything.
 */
#include "store/fsck.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

struct check {
	const char *what;
	const char *sql;
};

static const struct check checks[] = {
	{ "foreign keys",
	  "SELECT 'row ' || rowid || ' of ' || \"table\" || ' points at a missing ' || parent "
	  "FROM pragma_foreign_key_check" },
	/* Password and secret values go with their record (records_delete,
	 * tenants_delete); the unique index holds what the records hold. */
	{ "record secrets",
	  "SELECT 'a secret of record ' || s.key || ' of table ' || s.tbl || ' (' || s.field || ') has no record' "
	  "FROM record_secrets s WHERE NOT EXISTS(SELECT 1 FROM records r WHERE r.tbl=s.tbl AND r.key=s.key)" },
	{ "unique index",
	  "SELECT 'record_keys holds ' || k.field || ' of record ' || k.key || ' of table ' || k.tbl || "
	  "', which the record does not hold' FROM record_keys k WHERE NOT EXISTS(SELECT 1 FROM records r "
	  "WHERE r.tbl=k.tbl AND r.key=k.key AND json_extract(CAST(r.body AS TEXT), '$.\"' || k.field || '\"')=k.value)" },
	{ "unique index",
	  "SELECT 'record_keys lacks ' || u.field || ' of record ' || r.key || ' of table ' || r.tbl "
	  "FROM unique_fields u JOIN records r ON r.tbl=u.tbl WHERE json_valid(CAST(r.body AS TEXT)) AND "
	  "json_type(CAST(r.body AS TEXT), '$.\"' || u.field || '\"') IN ('text', 'integer', 'real') AND NOT EXISTS("
	  "SELECT 1 FROM record_keys k WHERE k.tbl=u.tbl AND k.field=u.field AND k.key=r.key AND "
	  "k.value=json_extract(CAST(r.body AS TEXT), '$.\"' || u.field || '\"'))" },
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
	  "coalesce((SELECT sum(length(CAST(line AS BLOB))) FROM log l WHERE l.tenant=t.id), 0) FROM tenants t "
	  "WHERE t.log_size <> coalesce((SELECT sum(length(CAST(line AS BLOB))) FROM log l WHERE l.tenant=t.id), 0)" },
	{ "log lines",
	  "SELECT 'log line at ' || l.off || ' of tenant ' || l.tenant || ' does not end where the next begins' "
	  "FROM log l JOIN log n ON n.tenant=l.tenant AND n.off=(SELECT min(off) FROM log m WHERE m.tenant=l.tenant "
	  "AND m.off>l.off) WHERE l.off + length(CAST(l.line AS BLOB)) <> n.off OR substr(l.line, -1) <> char(10)" },
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

static int integrity(struct db *db, fsck_report_fn report, void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, "PRAGMA integrity_check");
	int rc, problems = 0;
	while ((rc = db_step(db, st)) > 0) {
		const char *msg = (const char *)sqlite3_column_text(st, 0);
		if (msg && strcmp(msg, "ok")) {
			report(ctx, "integrity", msg);
			problems++;
		}
	}
	if (st)
		sqlite3_reset(st);
	return rc < 0 ? rc : problems;
}

int sq_store_fsck(struct store *st, fsck_report_fn report, void *ctx)
{
	struct db *db = sq_store_acquire(st);
	if (!db)
		return -ENOMEM;
	int problems = integrity(db, report, ctx);
	for (size_t i = 0; i < sizeof(checks) / sizeof(*checks) && problems >= 0; i++) {
		sqlite3_stmt *q = db_stmt(db, checks[i].sql);
		int rc;
		while ((rc = db_step(db, q)) > 0) {
			report(ctx, checks[i].what, (const char *)sqlite3_column_text(q, 0));
			problems++;
		}
		if (q)
			sqlite3_reset(q);
		if (rc < 0)
			problems = rc;
	}
	sq_store_release(db);
	return problems;
}
