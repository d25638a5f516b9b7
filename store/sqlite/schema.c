/* schema: the tables of the store and their versioning.
 *
 * Row ids that become inode numbers use AUTOINCREMENT so that an id is
 * never handed out twice: a backup tool must never see a new file under an
 * inode number that an old one had.  Rows whose content changes are
 * replaced (new id, new inode), never updated in place, so the kernel may
 * cache file contents for as long as an inode lives.  See docs/design.md.
 */
#include "store/sqlite/schema.h"

#include <errno.h>
#include <stdio.h>

#define SCHEMA_VERSION 5

static const char schema_v1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;\n"
	/* Artifacts are stored once, whatever number of tenants install them. */
	"CREATE TABLE artifacts(\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  pkg TEXT NOT NULL, version TEXT NOT NULL, ns TEXT NOT NULL,\n"
	"  xxh3 INTEGER NOT NULL, system INTEGER NOT NULL DEFAULT 0,\n"
	"  added INTEGER NOT NULL, size INTEGER NOT NULL, msize INTEGER NOT NULL,\n"
	"  manifest BLOB NOT NULL, bytes BLOB NOT NULL);\n"
	"CREATE INDEX artifacts_hash ON artifacts(xxh3);\n"
	"CREATE TABLE art_deps(artifact INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,\n"
	"  pkg TEXT NOT NULL, range TEXT NOT NULL, PRIMARY KEY(artifact, pkg)) WITHOUT ROWID;\n"
	"CREATE INDEX art_deps_pkg ON art_deps(pkg);\n"
	"CREATE TABLE kinds(artifact INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,\n"
	"  idx INTEGER NOT NULL, dir TEXT NOT NULL, key TEXT NOT NULL, named INTEGER NOT NULL,\n"
	"  PRIMARY KEY(artifact, idx)) WITHOUT ROWID;\n"
	"CREATE UNIQUE INDEX kinds_dir ON kinds(artifact, dir);\n"
	"CREATE TABLE items(artifact INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,\n"
	"  idx INTEGER NOT NULL, kind INTEGER NOT NULL, file TEXT NOT NULL, name TEXT,\n"
	"  body BLOB NOT NULL, UNIQUE(artifact, idx));\n"
	"CREATE UNIQUE INDEX items_file ON items(artifact, kind, file);\n"
	"CREATE INDEX items_kind ON items(artifact, kind, idx);\n"
	"CREATE TABLE art_objects(artifact INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,\n"
	"  name TEXT NOT NULL, item INTEGER NOT NULL, PRIMARY KEY(artifact, name)) WITHOUT ROWID;\n"
	"CREATE TABLE art_exts(artifact INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL, target TEXT NOT NULL, priority REAL NOT NULL, item INTEGER NOT NULL,\n"
	"  PRIMARY KEY(artifact, seq)) WITHOUT ROWID;\n"
	"CREATE INDEX art_exts_target ON art_exts(target);\n"
	/* Objects an artifact points at (lookups, extensions): an upgrade
	 * may not drop an object that an installed dependent needs. */
	"CREATE TABLE art_refs(artifact INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,\n"
	"  target TEXT NOT NULL, PRIMARY KEY(artifact, target)) WITHOUT ROWID;\n"
	"CREATE INDEX art_refs_target ON art_refs(target);\n"
	"CREATE TABLE tenants(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,\n"
	"  uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL,\n"
	"  created INTEGER NOT NULL, mtime INTEGER NOT NULL, ctime INTEGER NOT NULL,\n"
	"  log_size INTEGER NOT NULL DEFAULT 0, log_mtime INTEGER NOT NULL);\n"
	/* The current install of each package in each tenant. */
	"CREATE TABLE installs(id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  tenant INTEGER NOT NULL REFERENCES tenants(id),\n"
	"  pkg TEXT NOT NULL, version TEXT NOT NULL,\n"
	"  artifact INTEGER NOT NULL REFERENCES artifacts(id),\n"
	"  system INTEGER NOT NULL, at INTEGER NOT NULL,\n"
	/* install/<id>.json keeps the mode and mtime it was written with, so
	 * that rsync -a into install/ finds nothing to do the second time;
	 * ctime is when its package or its attributes last changed. */
	"  mode INTEGER NOT NULL DEFAULT 420, mtime INTEGER NOT NULL, ctime INTEGER NOT NULL,\n"
	"  UNIQUE(tenant, pkg));\n"
	"CREATE INDEX installs_tenant ON installs(tenant, system);\n"
	"CREATE INDEX installs_artifact ON installs(artifact);\n"
	/* What survives an uninstall: first install time, whether seeded. */
	"CREATE TABLE pkg_state(tenant INTEGER NOT NULL REFERENCES tenants(id), pkg TEXT NOT NULL,\n"
	"  first_at INTEGER NOT NULL, seeded INTEGER NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY(tenant, pkg)) WITHOUT ROWID;\n"
	"CREATE TABLE history(id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  tenant INTEGER NOT NULL REFERENCES tenants(id), pkg TEXT NOT NULL, action TEXT NOT NULL,\n"
	"  from_version TEXT, to_version TEXT, at INTEGER NOT NULL);\n"
	"CREATE INDEX history_pkg ON history(tenant, pkg);\n"
	/* Names a package holds in a tenant: its namespace ('@namespace'),
	 * its objects ('objects') and its named items (by collection key). */
	"CREATE TABLE claims(tenant INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,\n"
	"  install INTEGER NOT NULL REFERENCES installs(id) ON DELETE CASCADE,\n"
	"  PRIMARY KEY(tenant, kind, name)) WITHOUT ROWID;\n"
	"CREATE INDEX claims_install ON claims(install);\n"
	/* objects/<name>.json: the merged object, replaced when it changes. */
	"CREATE TABLE registry(id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  tenant INTEGER NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,\n"
	/* An upgrade deletes the old install first: its rows lose their owner
	 * until the re-merge gives them the new one or removes them. */
	"  install INTEGER REFERENCES installs(id) ON DELETE SET NULL,\n"
	"  mtime INTEGER NOT NULL, body BLOB NOT NULL, UNIQUE(tenant, name));\n"
	"CREATE INDEX registry_install ON registry(install);\n"
	"CREATE INDEX registry_tenant ON registry(tenant);\n"
	/* data/<object>/: one row per object that is registered or has records. */
	"CREATE TABLE tables(id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  tenant INTEGER NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,\n"
	"  mtime INTEGER NOT NULL, nrecords INTEGER NOT NULL DEFAULT 0, UNIQUE(tenant, name));\n"
	"CREATE INDEX tables_tenant ON tables(tenant);\n"
	"CREATE TABLE records(id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  tbl INTEGER NOT NULL REFERENCES tables(id), key TEXT NOT NULL,\n"
	"  mtime INTEGER NOT NULL, body BLOB NOT NULL, UNIQUE(tbl, key));\n"
	"CREATE INDEX records_tbl ON records(tbl);\n"
	/* The tenant's log, one row per line, addressed by byte offset. */
	"CREATE TABLE log(tenant INTEGER NOT NULL REFERENCES tenants(id), off INTEGER NOT NULL,\n"
	"  at INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY(tenant, off)) WITHOUT ROWID;\n"
	"INSERT INTO meta(key, value) SELECT k, CAST((julianday('now') - 2440587.5) * 86400e9 AS INTEGER)\n"
	"  FROM (SELECT 'created' AS k UNION ALL SELECT 'tenants_mtime' UNION ALL SELECT 'clock');\n";

/* Version 2: the catalog (docs/catalog.md).  An entry of a remote catalog
 * is known before its bytes are: artifact is NULL until it is downloaded. */
static const char schema_v2[] =
	"CREATE TABLE catalog(id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  pkg TEXT NOT NULL, version TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL, xxh3 INTEGER NOT NULL,\n"
	"  artifact INTEGER REFERENCES artifacts(id),\n"
	"  origin TEXT NOT NULL, url TEXT, added INTEGER NOT NULL,\n"
	"  UNIQUE(pkg, version));\n"
	"CREATE INDEX catalog_artifact ON catalog(artifact);\n"
	"CREATE INDEX catalog_pkg ON catalog(pkg);\n"
	"CREATE TABLE catalog_pkgs(id INTEGER PRIMARY KEY AUTOINCREMENT, pkg TEXT NOT NULL UNIQUE,\n"
	"  mtime INTEGER NOT NULL);\n"
	/* Indexes of a remote catalog as last fetched, for ETag revalidation
	 * and for serving while the server cannot be reached. */
	"CREATE TABLE http_cache(url TEXT PRIMARY KEY, etag TEXT, body BLOB, fetched INTEGER NOT NULL)\n"
	"  WITHOUT ROWID;\n"
	"INSERT OR IGNORE INTO meta(key, value) SELECT 'catalog_mtime', value FROM meta WHERE key='created';\n";

/* Version 3: which tenants have a package at a version (removing a catalog
 * entry names them) was a walk of every tenant: an index makes it a lookup
 * (tests/integration/plans.sh). */
static const char schema_v3[] =
	"CREATE INDEX installs_pkg ON installs(pkg, version);\n";

/* Version 4: -o max_tenants_per_uid counts the tenants of a uid at each
 * mkdir: an index keeps that a lookup however many tenants there are. */
static const char schema_v4[] =
	"CREATE INDEX tenants_uid ON tenants(uid);\n";

/* Version 5: password and secret values are kept apart from the records'
 * bodies, which hold the mask instead, so that reading a record (and its
 * size) never shows them (docs/records.md, "Passwords and secrets").
 * Values stored in clear before move there; their record keeps its inode
 * (no daemon serves the store while its schema changes) and reads back on
 * one line (SQLite's json_set) until it is next written. */
static const char schema_v5[] =
	"CREATE TABLE record_secrets(tbl INTEGER NOT NULL REFERENCES tables(id), key TEXT NOT NULL,\n"
	"  field TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(tbl, key, field)) WITHOUT ROWID;\n"
	"CREATE TEMP TABLE clear_secrets AS\n"
	"  SELECT r.id AS rec, r.tbl AS tbl, r.key AS key, f.key AS field,\n"
	"    json_extract(CAST(r.body AS TEXT), '$.\"' || f.key || '\"') AS value\n"
	"  FROM records r JOIN tables b ON b.id=r.tbl JOIN registry g ON g.tenant=b.tenant AND g.name=b.name,\n"
	"    json_each(CAST(g.body AS TEXT), '$.fields') f\n"
	"  WHERE json_valid(CAST(g.body AS TEXT)) AND json_valid(CAST(r.body AS TEXT))\n"
	"    AND json_extract(f.value, '$.type') IN ('password', 'secret')\n"
	"    AND json_type(CAST(r.body AS TEXT), '$.\"' || f.key || '\"')='text'\n"
	"    AND json_extract(CAST(r.body AS TEXT), '$.\"' || f.key || '\"')<>'********';\n"
	"INSERT INTO record_secrets(tbl, key, field, value) SELECT tbl, key, field, value FROM clear_secrets;\n"
	/* Each record's fields masked one after the other. */
	"WITH RECURSIVE f(rec, n, field) AS (\n"
	"    SELECT rec, row_number() OVER (PARTITION BY rec ORDER BY field), field FROM clear_secrets),\n"
	"  m(rec, n, body) AS (\n"
	"    SELECT id, 0, CAST(body AS TEXT) FROM records WHERE id IN (SELECT rec FROM clear_secrets)\n"
	"    UNION ALL SELECT m.rec, m.n + 1, json_set(m.body, '$.\"' || f.field || '\"', '********')\n"
	"    FROM m JOIN f ON f.rec=m.rec AND f.n=m.n + 1)\n"
	"UPDATE records SET body=CAST((SELECT body FROM m WHERE m.rec=records.id ORDER BY n DESC LIMIT 1) AS BLOB)\n"
	"  WHERE id IN (SELECT rec FROM clear_secrets);\n"
	"DROP TABLE temp.clear_secrets;\n"
	/* A seed never overwrites a record a user changed: which records are
	 * as a seed wrote them (those of older stores count as a user's;
	 * docs/install.md, "Seeds"). */
	"ALTER TABLE records ADD COLUMN seeded INTEGER NOT NULL DEFAULT 0;\n"
	/* The values of unique fields, so that a unique check is a lookup, not
	 * a pass over the object's records (docs/records.md).  A (table, field)
	 * is indexed from the first unique check of that field on (its records
	 * read once then: store/sqlite/records_write.c); triggers keep the
	 * index right on every write of a record, whoever makes it (records
	 * written, seeded, deleted, their links cleared). */
	"CREATE TABLE unique_fields(tbl INTEGER NOT NULL, field TEXT NOT NULL, PRIMARY KEY(tbl, field)) WITHOUT ROWID;\n"
	"CREATE TABLE record_keys(tbl INTEGER NOT NULL, field TEXT NOT NULL, value NOT NULL, key TEXT NOT NULL,\n"
	"  PRIMARY KEY(tbl, field, value, key)) WITHOUT ROWID;\n"
	"CREATE INDEX record_keys_key ON record_keys(tbl, key);\n"
	"CREATE TRIGGER records_keys_add AFTER INSERT ON records\n"
	"  WHEN EXISTS(SELECT 1 FROM unique_fields WHERE tbl=NEW.tbl) BEGIN\n"
	"  INSERT OR IGNORE INTO record_keys(tbl, field, value, key)\n"
	"    SELECT NEW.tbl, u.field, json_extract(CAST(NEW.body AS TEXT), '$.\"' || u.field || '\"'), NEW.key\n"
	"    FROM unique_fields u WHERE u.tbl=NEW.tbl AND json_valid(CAST(NEW.body AS TEXT))\n"
	"      AND json_type(CAST(NEW.body AS TEXT), '$.\"' || u.field || '\"') IN ('text', 'integer', 'real');\n"
	"END;\n"
	"CREATE TRIGGER records_keys_drop AFTER DELETE ON records\n"
	"  WHEN EXISTS(SELECT 1 FROM unique_fields WHERE tbl=OLD.tbl) BEGIN\n"
	"  DELETE FROM record_keys WHERE tbl=OLD.tbl AND key=OLD.key;\n"
	"END;\n";

/* Each version's changes, applied in order from the store's version. */
static const char *const steps[] = { schema_v1, schema_v2, schema_v3, schema_v4, schema_v5 };

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return rc == SQLITE_READONLY ? -EROFS : rc == SQLITE_BUSY ? -EBUSY : -EIO;
	}
	return 0;
}

static int user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	int rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

int schema_apply(sqlite3 *db, int readonly, char *err, size_t errlen)
{
	int v;
	if (user_version(db, &v) < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (v == SCHEMA_VERSION)
		return 0;
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "the store has schema version %d; this osfs knows up to %d: use a newer osfs",
			 v, SCHEMA_VERSION);
		return -EPROTO;
	}
	if (readonly) {
		if (v)
			snprintf(err, errlen, "the store needs an upgrade of its schema (version %d to %d) and it is opened "
				 "read-only: mount it read-write once", v, SCHEMA_VERSION);
		else
			snprintf(err, errlen, "the store is not initialized and it is opened read-only");
		return -EROFS;
	}
	/* Another process may be upgrading it at the same moment: decide
	 * under the write lock. */
	int rc = exec(db, "BEGIN IMMEDIATE", err, errlen);
	if (rc)
		return rc;
	if (user_version(db, &v) < 0) {
		exec(db, "ROLLBACK", err, errlen);
		return -EIO;
	}
	for (; v < SCHEMA_VERSION && rc == 0; v++)
		rc = exec(db, steps[v], err, errlen);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", SCHEMA_VERSION);
	if (rc || (rc = exec(db, sql, err, errlen))) {
		char ignore[8];
		exec(db, "ROLLBACK", ignore, sizeof(ignore));
		return rc;
	}
	return exec(db, "COMMIT", err, errlen);
}
