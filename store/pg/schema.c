/* schema: the store's tables in PostgreSQL, in the schema "osfs", with the
 * same versions and meaning as store/sqlite/schema.c (read that file for
 * what each table is).  The translation (docs/scale-out.md, "Schema and
 * migrations"): INTEGER is bigint (64-bit hashes bit-cast as in SQLite);
 * AUTOINCREMENT ids are identity columns, whose sequences, like
 * AUTOINCREMENT, never hand an id out twice (inode numbers); BLOB is bytea;
 * every name column is COLLATE "C" so that text compares and sorts by its
 * bytes, as in SQLite.  The version is meta('schema_version').
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg.h"

#define ID "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
#define TEXT "text COLLATE \"C\""
#define WALL_NS "(extract(epoch from clock_timestamp()) * 1000000000)::bigint"

static const char schema_v1[] =
	/* Only when it is not there: CREATE SCHEMA, even with IF NOT EXISTS,
	 * needs CREATE on the database, which a role given only its own schema
	 * (docs/operations.md, "Roles and grants") does not hold. */
	"DO $s$ BEGIN IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'osfs') THEN "
	"CREATE SCHEMA osfs; END IF; END $s$;\n"
	"CREATE TABLE osfs.meta(key " TEXT " PRIMARY KEY, value bigint);\n"
	"CREATE TABLE osfs.artifacts(\n"
	"  " ID ",\n"
	"  pkg " TEXT " NOT NULL, version " TEXT " NOT NULL, ns " TEXT " NOT NULL,\n"
	"  xxh3 bigint NOT NULL, system bigint NOT NULL DEFAULT 0,\n"
	"  added bigint NOT NULL, size bigint NOT NULL, msize bigint NOT NULL,\n"
	"  manifest bytea NOT NULL, bytes bytea NOT NULL);\n"
	"CREATE INDEX artifacts_hash ON osfs.artifacts(xxh3);\n"
	"CREATE TABLE osfs.art_deps(artifact bigint NOT NULL REFERENCES osfs.artifacts(id) ON DELETE CASCADE,\n"
	"  pkg " TEXT " NOT NULL, range " TEXT " NOT NULL, PRIMARY KEY(artifact, pkg));\n"
	"CREATE INDEX art_deps_pkg ON osfs.art_deps(pkg);\n"
	"CREATE TABLE osfs.kinds(artifact bigint NOT NULL REFERENCES osfs.artifacts(id) ON DELETE CASCADE,\n"
	"  idx bigint NOT NULL, dir " TEXT " NOT NULL, key " TEXT " NOT NULL, named bigint NOT NULL,\n"
	"  PRIMARY KEY(artifact, idx));\n"
	"CREATE UNIQUE INDEX kinds_dir ON osfs.kinds(artifact, dir);\n"
	"CREATE TABLE osfs.items(artifact bigint NOT NULL REFERENCES osfs.artifacts(id) ON DELETE CASCADE,\n"
	"  idx bigint NOT NULL, kind bigint NOT NULL, file " TEXT " NOT NULL, name " TEXT ",\n"
	"  body bytea NOT NULL, UNIQUE(artifact, idx));\n"
	"CREATE UNIQUE INDEX items_file ON osfs.items(artifact, kind, file);\n"
	"CREATE INDEX items_kind ON osfs.items(artifact, kind, idx);\n"
	"CREATE TABLE osfs.art_objects(artifact bigint NOT NULL REFERENCES osfs.artifacts(id) ON DELETE CASCADE,\n"
	"  name " TEXT " NOT NULL, item bigint NOT NULL, PRIMARY KEY(artifact, name));\n"
	"CREATE TABLE osfs.art_exts(artifact bigint NOT NULL REFERENCES osfs.artifacts(id) ON DELETE CASCADE,\n"
	"  seq bigint NOT NULL, target " TEXT " NOT NULL, priority double precision NOT NULL,\n"
	"  item bigint NOT NULL, PRIMARY KEY(artifact, seq));\n"
	"CREATE INDEX art_exts_target ON osfs.art_exts(target);\n"
	"CREATE TABLE osfs.art_refs(artifact bigint NOT NULL REFERENCES osfs.artifacts(id) ON DELETE CASCADE,\n"
	"  target " TEXT " NOT NULL, PRIMARY KEY(artifact, target));\n"
	"CREATE INDEX art_refs_target ON osfs.art_refs(target);\n"
	"CREATE TABLE osfs.tenants(" ID ", name " TEXT " NOT NULL UNIQUE,\n"
	"  uid bigint NOT NULL, gid bigint NOT NULL, mode bigint NOT NULL,\n"
	"  created bigint NOT NULL, mtime bigint NOT NULL, ctime bigint NOT NULL,\n"
	"  log_size bigint NOT NULL DEFAULT 0, log_mtime bigint NOT NULL);\n"
	"CREATE TABLE osfs.installs(" ID ",\n"
	"  tenant bigint NOT NULL REFERENCES osfs.tenants(id),\n"
	"  pkg " TEXT " NOT NULL, version " TEXT " NOT NULL,\n"
	"  artifact bigint NOT NULL REFERENCES osfs.artifacts(id),\n"
	"  system bigint NOT NULL, at bigint NOT NULL,\n"
	"  mode bigint NOT NULL DEFAULT 420, mtime bigint NOT NULL, ctime bigint NOT NULL,\n"
	"  UNIQUE(tenant, pkg));\n"
	"CREATE INDEX installs_tenant ON osfs.installs(tenant, system);\n"
	"CREATE INDEX installs_artifact ON osfs.installs(artifact);\n"
	"CREATE TABLE osfs.pkg_state(tenant bigint NOT NULL REFERENCES osfs.tenants(id), pkg " TEXT " NOT NULL,\n"
	"  first_at bigint NOT NULL, seeded bigint NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY(tenant, pkg));\n"
	"CREATE TABLE osfs.history(" ID ",\n"
	"  tenant bigint NOT NULL REFERENCES osfs.tenants(id), pkg " TEXT " NOT NULL, action " TEXT " NOT NULL,\n"
	"  from_version " TEXT ", to_version " TEXT ", at bigint NOT NULL);\n"
	"CREATE INDEX history_pkg ON osfs.history(tenant, pkg);\n"
	"CREATE TABLE osfs.claims(tenant bigint NOT NULL, kind " TEXT " NOT NULL, name " TEXT " NOT NULL,\n"
	"  install bigint NOT NULL REFERENCES osfs.installs(id) ON DELETE CASCADE,\n"
	"  PRIMARY KEY(tenant, kind, name));\n"
	"CREATE INDEX claims_install ON osfs.claims(install);\n"
	"CREATE TABLE osfs.registry(" ID ",\n"
	"  tenant bigint NOT NULL REFERENCES osfs.tenants(id), name " TEXT " NOT NULL,\n"
	"  install bigint REFERENCES osfs.installs(id) ON DELETE SET NULL,\n"
	"  mtime bigint NOT NULL, body bytea NOT NULL, UNIQUE(tenant, name));\n"
	"CREATE INDEX registry_install ON osfs.registry(install);\n"
	"CREATE TABLE osfs.tables(" ID ",\n"
	"  tenant bigint NOT NULL REFERENCES osfs.tenants(id), name " TEXT " NOT NULL,\n"
	"  mtime bigint NOT NULL, nrecords bigint NOT NULL DEFAULT 0, UNIQUE(tenant, name));\n"
	"CREATE TABLE osfs.records(" ID ",\n"
	"  tbl bigint NOT NULL REFERENCES osfs.tables(id), key " TEXT " NOT NULL,\n"
	"  mtime bigint NOT NULL, body bytea NOT NULL, UNIQUE(tbl, key));\n"
	/* A body as jsonb, or NULL when it is not UTF-8 JSON: SQLite's
	 * json_valid() test before json_extract() (store/pg/records_write.c),
	 * which must skip such a body rather than fail the statement. */
	"CREATE FUNCTION osfs.json_of(b bytea) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$\n"
	"BEGIN RETURN convert_from(b, 'UTF8')::jsonb; EXCEPTION WHEN data_exception THEN RETURN NULL; END $f$;\n"
	"CREATE TABLE osfs.log(tenant bigint NOT NULL REFERENCES osfs.tenants(id), off bigint NOT NULL,\n"
	"  at bigint NOT NULL, line " TEXT " NOT NULL, PRIMARY KEY(tenant, off));\n"
	"INSERT INTO osfs.meta(key, value) SELECT k, " WALL_NS "\n"
	"  FROM (VALUES ('created'), ('tenants_mtime'), ('clock')) AS v(k);\n";

static const char schema_v2[] =
	"CREATE TABLE osfs.catalog(" ID ",\n"
	"  pkg " TEXT " NOT NULL, version " TEXT " NOT NULL,\n"
	"  size bigint NOT NULL, xxh3 bigint NOT NULL,\n"
	"  artifact bigint REFERENCES osfs.artifacts(id),\n"
	"  origin " TEXT " NOT NULL, url " TEXT ", added bigint NOT NULL,\n"
	"  UNIQUE(pkg, version));\n"
	"CREATE INDEX catalog_artifact ON osfs.catalog(artifact);\n"
	"CREATE INDEX catalog_pkg ON osfs.catalog(pkg);\n"
	"CREATE TABLE osfs.catalog_pkgs(" ID ", pkg " TEXT " NOT NULL UNIQUE,\n"
	"  mtime bigint NOT NULL);\n"
	"CREATE TABLE osfs.http_cache(url " TEXT " PRIMARY KEY, etag " TEXT ", body bytea,\n"
	"  fetched bigint NOT NULL);\n"
	"INSERT INTO osfs.meta(key, value) SELECT 'catalog_mtime', value FROM osfs.meta WHERE key='created'\n"
	"  ON CONFLICT DO NOTHING;\n";

static const char schema_v3[] = "CREATE INDEX installs_pkg ON osfs.installs(pkg, version);\n";

static const char schema_v4[] = "CREATE INDEX tenants_uid ON osfs.tenants(uid);\n";

/* Version 5, as SQLite's (store/sqlite/schema.c, which says why):
 * record_secrets, records.seeded, unique_fields and record_keys.
 *
 * record_keys.value is the field's value as a jsonb scalar, a string as it
 * is and a number as the double SQLite's json_extract gives (so 5 and
 * 5.0 are one value, -0 is 0), from unique_value(); booleans, null,
 * objects and arrays hold no unique value, as json_type's 'true', 'false',
 * 'null', 'object', 'array' are not indexed on SQLite.  A number beyond a
 * double's range is not indexed either (a cast would fail the statement;
 * SQLite reads it as an infinity): not reachable through data/.
 *
 * The index is kept by PL/pgSQL triggers on records, as SQLite's triggers
 * keep it, so that every writer (records_put, records_put_seed, deletes,
 * a tenant's removal) keeps it right without knowing of it.
 *
 * Secret values stored in clear move to record_secrets and the bodies
 * hold the mask; the body written back is jsonb's text (members in
 * jsonb's order, ", " between them) where SQLite's json_set keeps the
 * order: one line either way, and the next write of the record writes
 * the user's text. */
static const char schema_v5[] =
	"CREATE TABLE osfs.record_secrets(tbl bigint NOT NULL REFERENCES osfs.tables(id), key " TEXT " NOT NULL,\n"
	"  field " TEXT " NOT NULL, value " TEXT " NOT NULL, PRIMARY KEY(tbl, key, field));\n"
	"INSERT INTO osfs.record_secrets(tbl, key, field, value)\n"
	"  SELECT r.tbl, r.key, f.key, x.j ->> f.key\n"
	"  FROM osfs.records r JOIN osfs.tables b ON b.id=r.tbl\n"
	"    JOIN osfs.registry g ON g.tenant=b.tenant AND g.name=b.name,\n"
	"    LATERAL (SELECT osfs.json_of(r.body) AS j, osfs.json_of(g.body) -> 'fields' AS fs) x,\n"
	"    LATERAL jsonb_each(CASE WHEN jsonb_typeof(x.fs)='object' THEN x.fs END) f\n"
	"  WHERE jsonb_typeof(f.value)='object' AND f.value ->> 'type' IN ('password', 'secret')\n"
	"    AND jsonb_typeof(x.j)='object' AND jsonb_typeof(x.j -> f.key)='string'\n"
	"    AND x.j ->> f.key <> '********';\n"
	"UPDATE osfs.records r SET body=convert_to((osfs.json_of(r.body) ||\n"
	"    (SELECT jsonb_object_agg(s.field, '\"********\"'::jsonb) FROM osfs.record_secrets s\n"
	"     WHERE s.tbl=r.tbl AND s.key=r.key))::text, 'UTF8')\n"
	"  WHERE EXISTS(SELECT 1 FROM osfs.record_secrets s WHERE s.tbl=r.tbl AND s.key=r.key);\n"
	"ALTER TABLE osfs.records ADD COLUMN seeded bigint NOT NULL DEFAULT 0;\n"
	"CREATE FUNCTION osfs.unique_value(v jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$\n"
	"  SELECT CASE jsonb_typeof(v) WHEN 'string' THEN v\n"
	"    WHEN 'number' THEN CASE WHEN v::numeric = 0 THEN to_jsonb(0::float8)\n"
	"      WHEN abs(v::numeric) BETWEEN 1e-307 AND 1e308 THEN to_jsonb(v::float8 + 0) END END $f$;\n"
	"CREATE TABLE osfs.unique_fields(tbl bigint NOT NULL, field " TEXT " NOT NULL, PRIMARY KEY(tbl, field));\n"
	"CREATE TABLE osfs.record_keys(tbl bigint NOT NULL, field " TEXT " NOT NULL, value jsonb NOT NULL,\n"
	"  key " TEXT " NOT NULL, PRIMARY KEY(tbl, field, value, key));\n"
	"CREATE INDEX record_keys_key ON osfs.record_keys(tbl, key);\n"
	"CREATE FUNCTION osfs.records_keys_add() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
	"BEGIN\n"
	"  IF EXISTS(SELECT 1 FROM osfs.unique_fields WHERE tbl=NEW.tbl) THEN\n"
	"    INSERT INTO osfs.record_keys(tbl, field, value, key)\n"
	"      SELECT NEW.tbl, s.field, s.v, NEW.key FROM (SELECT u.field,\n"
	"        osfs.unique_value(osfs.json_of(NEW.body) -> u.field) AS v\n"
	"        FROM osfs.unique_fields u WHERE u.tbl=NEW.tbl) s WHERE s.v IS NOT NULL\n"
	"      ON CONFLICT DO NOTHING;\n"
	"  END IF;\n"
	"  RETURN NULL;\n"
	"END $f$;\n"
	"CREATE FUNCTION osfs.records_keys_drop() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
	"BEGIN\n"
	"  IF EXISTS(SELECT 1 FROM osfs.unique_fields WHERE tbl=OLD.tbl) THEN\n"
	"    DELETE FROM osfs.record_keys WHERE tbl=OLD.tbl AND key=OLD.key;\n"
	"  END IF;\n"
	"  RETURN NULL;\n"
	"END $f$;\n"
	"CREATE TRIGGER records_keys_add AFTER INSERT ON osfs.records\n"
	"  FOR EACH ROW EXECUTE FUNCTION osfs.records_keys_add();\n"
	"CREATE TRIGGER records_keys_drop AFTER DELETE ON osfs.records\n"
	"  FOR EACH ROW EXECUTE FUNCTION osfs.records_keys_drop();\n";

/* Version 6, PostgreSQL's own (no SQLite counterpart).  Several daemons on one store (docs/scale-out.md, "Coherence"): the
 * generation of each lock domain (a tenant, or 0 for the catalog and the
 * list of tenants), bumped by every write transaction that changed the
 * tree, and the change set of each generation, which the other daemons
 * read to drop exactly those entries from their kernels' caches.  A row of
 * changes with dir_type -1 stands for "drop everything of that tenant".
 * Change sets are kept an hour (store/pg/publish.c prunes them). */
static const char schema_v6[] =
	"CREATE TABLE osfs.gens(tenant bigint PRIMARY KEY, gen bigint NOT NULL);\n"
	"CREATE TABLE osfs.changes(tenant bigint NOT NULL, gen bigint NOT NULL, seq bigint NOT NULL,\n"
	"  origin bigint NOT NULL, dir_type bigint NOT NULL, dir_id bigint NOT NULL, name " TEXT ",\n"
	"  off bigint NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY(tenant, gen, seq));\n"
	"CREATE INDEX changes_at ON osfs.changes(at);\n";

static const char *const steps[] = { schema_v1, schema_v2, schema_v3, schema_v4, schema_v5, schema_v6 };
_Static_assert(sizeof(steps) / sizeof(*steps) == PG_SCHEMA_VERSION, "one step per version");

/* Daemons that start together migrate one after the other, and each
 * decides under this lock ("osfs" in ASCII). */
#define MIGRATION_LOCK "1869833843"

static int exec(PGconn *c, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, sql);
	int rc = 0;
	if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)) {
		const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
		const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		snprintf(err, errlen, "cannot create the store's schema: %.*s", (int)strcspn(m, "\n"), m);
		rc = state ? pg_sqlstate_errno(state) : -EIO;
		if (rc == -EEXIST)
			rc = -EIO;
	}
	PQclear(r);
	return rc;
}

/* The store's version: 0 when there is no osfs.meta yet. */
static int version_of(PGconn *c, int *v, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, "SELECT to_regclass('osfs.meta') IS NOT NULL");
	int ok = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	int exists = ok && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	*v = 0;
	if (ok && exists) {
		r = PQexec(c, "SELECT value FROM osfs.meta WHERE key = 'schema_version'");
		ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
		if (ok && PQntuples(r) == 1)
			*v = atoi(PQgetvalue(r, 0, 0));
		if (!ok) {
			const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
			snprintf(err, errlen, "cannot read the schema version: %.*s", (int)strcspn(m, "\n"), m);
		}
		PQclear(r);
		return ok ? 0 : -EIO;
	}
	if (!ok)
		snprintf(err, errlen, "cannot read the schema version: %.*s", (int)strcspn(PQerrorMessage(c), "\n"),
			 PQerrorMessage(c));
	return ok ? 0 : -EIO;
}

/* The sentences of store/sqlite/schema.c, for the same cases. */
static int refuse(int v, int readonly, char *err, size_t errlen)
{
	if (v > PG_SCHEMA_VERSION) {
		snprintf(err, errlen, "the store has schema version %d; this osfs knows up to %d: use a newer osfs", v,
			 PG_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (readonly && v < PG_SCHEMA_VERSION) {
		if (v)
			snprintf(err, errlen, "the store needs an upgrade of its schema (version %d to %d) and it is opened "
				 "read-only: mount it read-write once", v, PG_SCHEMA_VERSION);
		else
			snprintf(err, errlen, "the store is not initialized and it is opened read-only");
		return -EROFS;
	}
	return 0;
}

/* Indexes that stores made before were given, each the first column of a
 * unique index on the same table (registry(tenant, name), tables(tenant,
 * name), records(tbl, key)), so they serve no query the unique one does
 * not.  They did harm: inside an install's long transaction the table's
 * statistics are those of before it (a few rows), so the planner saw
 * `tbl=$1 AND key=$2` as one row either way and took the narrower index,
 * then filtered every row of the table for the key: each of 300,000 seed
 * records read all those written before it (docs/performance.md,
 * "PostgreSQL installs").  Schema version 1 no longer makes them; a store
 * that has them loses them at its next read-write open, under the
 * migration lock, without a new version (the schema's contents are the
 * same otherwise; nothing refers to them by name). */
#define STALE_INDEXES "osfs.records_tbl, osfs.tables_tenant, osfs.registry_tenant"

static int drop_stale_indexes(PGconn *c, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, "SELECT to_regclass('osfs.records_tbl') IS NOT NULL OR "
				"to_regclass('osfs.tables_tenant') IS NOT NULL OR to_regclass('osfs.registry_tenant') IS NOT NULL");
	int any = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!any)
		return 0;
	int rc = exec(c, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATION_LOCK "); "
			 "DROP INDEX IF EXISTS " STALE_INDEXES "; COMMIT", err, errlen);
	if (rc)
		PQclear(PQexec(c, "ROLLBACK"));
	return rc;
}

int pg_schema_apply(PGconn *c, int readonly, int *migrated, char *err, size_t errlen)
{
	int v, rc;
	*migrated = 0;
	if ((rc = version_of(c, &v, err, errlen)))
		return rc;
	if (v == PG_SCHEMA_VERSION)
		return readonly ? 0 : drop_stale_indexes(c, err, errlen);
	if ((rc = refuse(v, readonly, err, errlen)))
		return rc;
	/* Another daemon may be migrating this moment: decide under the lock,
	 * in one transaction, so a failure leaves the old version whole. */
	if ((rc = exec(c, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", err, errlen)))
		return rc;
	if ((rc = version_of(c, &v, err, errlen)) || (rc = refuse(v, readonly, err, errlen)))
		goto fail;
	if (v == PG_SCHEMA_VERSION) /* the other daemon did it */
		return exec(c, "COMMIT", err, errlen);
	for (; v < PG_SCHEMA_VERSION; v++)
		if ((rc = exec(c, steps[v], err, errlen)))
			goto fail;
	char sql[160];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO osfs.meta(key, value) VALUES('schema_version', %d) "
		 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		 PG_SCHEMA_VERSION);
	if ((rc = exec(c, sql, err, errlen)) || (rc = exec(c, "COMMIT", err, errlen)))
		goto fail;
	*migrated = 1;
	return 0;
fail:
	PQclear(PQexec(c, "ROLLBACK"));
	return rc;
}
