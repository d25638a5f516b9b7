/* tree_sql: the queries behind store/pg/tree.c, those of
 * store/sqlite/tree_sql.h in PostgreSQL's dialect ($n parameters,
 * octet_length of bytea); the same columns in the same order, so the C
 * around them is the same.  Read that file for what each returns. */
#ifndef OSFS_STORE_PG_TREE_SQL_H
#define OSFS_STORE_PG_TREE_SQL_H

#define PTIME_PKGDIR " i.at+2 "
#define PTIME_PKGART " i.at+3 "
#define PTIME_PKGMAN " i.at+4 "
#define PTIME_KINDDIR " i.at+5+k.idx "
#define PTIME_ITEM " i.at+4096+it.idx " /* 4096: TREE_ITEM_TIME_BASE */

#define PSQL_FIXED_TIME(key) "SELECT coalesce((SELECT value FROM meta WHERE key='" key "'), 0), "
#define PSQL_ROOT_ATTR PSQL_FIXED_TIME("created") "0::bigint"
#define PSQL_TENANTS_ATTR PSQL_FIXED_TIME("tenants_mtime") "(SELECT count(*) FROM tenants)"
#define PSQL_CATALOG_ATTR PSQL_FIXED_TIME("catalog_mtime") "(SELECT count(*) FROM catalog_pkgs)"
#define PSQL_TENANT_ATTR "SELECT uid, gid, 0, ctime, 4, mode FROM tenants WHERE id=$1"
#define PSQL_TENANTDIR_ATTR "SELECT uid, gid, 0, mtime, 0 FROM tenants WHERE id=$1"
#define PSQL_PKGSDIR_ATTR \
	"SELECT uid, gid, 0, mtime, (SELECT count(*) FROM installs WHERE tenant=$1) FROM tenants WHERE id=$1"
#define PSQL_DATADIR_ATTR \
	"SELECT uid, gid, 0, mtime, (SELECT count(*) FROM tables WHERE tenant=$1) FROM tenants WHERE id=$1"
/* store/sqlite/tree_sql.h's SQL_DERIVED_*: whether the tenant of a
 * derived folder has no package of its own, by tenant or by install; and
 * the package and kind folders of its system packages, to invalidate. */
#define PSQL_DERIVED_FREE "SELECT NOT EXISTS(SELECT 1 FROM installs WHERE tenant=$1 AND system=0)"
#define PSQL_DERIVED_FREE_BY_INSTALL \
	"SELECT NOT EXISTS(SELECT 1 FROM installs o WHERE o.tenant=(SELECT tenant FROM installs WHERE id=$1) " \
	"AND o.system=0)"
#define PSQL_DERIVED_NODES \
	"SELECT i.id, NULL::bigint FROM installs i WHERE i.tenant=$1 AND i.system=1 UNION ALL " \
	"SELECT i.id, k.idx FROM installs i JOIN kinds k ON k.artifact=i.artifact WHERE i.tenant=$1 AND i.system=1"
#define PSQL_LOG_ATTR "SELECT uid, gid, log_size, log_mtime, 0 FROM tenants WHERE id=$1"

#define PFROM_INSTALL " FROM installs i JOIN tenants t ON t.id=i.tenant "
#define PSQL_INSTFILE_ATTR \
	"SELECT t.uid, t.gid, a.size, i.mtime, 0, i.mode, i.ctime" PFROM_INSTALL \
	"JOIN artifacts a ON a.id=i.artifact WHERE i.id=$1 AND i.system=0"
#define PSQL_PKGDIR_ATTR \
	"SELECT t.uid, t.gid, 0, " PTIME_PKGDIR ", (SELECT count(*) FROM kinds k WHERE k.artifact=i.artifact)" \
	PFROM_INSTALL "WHERE i.id=$1"
#define PSQL_PKGART_ATTR \
	"SELECT t.uid, t.gid, a.size, " PTIME_PKGART ", 0" PFROM_INSTALL "JOIN artifacts a ON a.id=i.artifact WHERE i.id=$1"
#define PSQL_PKGMAN_ATTR \
	"SELECT t.uid, t.gid, a.msize, " PTIME_PKGMAN ", 0" PFROM_INSTALL "JOIN artifacts a ON a.id=i.artifact WHERE i.id=$1"
#define PSQL_KINDDIR_ATTR \
	"SELECT t.uid, t.gid, 0, " PTIME_KINDDIR ", 0" PFROM_INSTALL \
	"JOIN kinds k ON k.artifact=i.artifact AND k.idx=$2 WHERE i.id=$1"
#define PSQL_ITEM_ATTR \
	"SELECT t.uid, t.gid, octet_length(it.body), " PTIME_ITEM ", 0" PFROM_INSTALL \
	"JOIN items it ON it.artifact=i.artifact AND it.idx=$2 WHERE i.id=$1"
#define PSQL_OBJECT_ATTR \
	"SELECT t.uid, t.gid, octet_length(r.body), r.mtime, 0 FROM registry r JOIN tenants t ON t.id=r.tenant " \
	"WHERE r.id=$1"
#define PSQL_TABLE_ATTR \
	"SELECT t.uid, t.gid, 0, b.mtime, 0 FROM tables b JOIN tenants t ON t.id=b.tenant WHERE b.id=$1"
#define PSQL_RECORD_ATTR \
	"SELECT t.uid, t.gid, octet_length(r.body), r.mtime, 0 FROM records r JOIN tables b ON b.id=r.tbl " \
	"JOIN tenants t ON t.id=b.tenant WHERE r.id=$1"

#define PSQL_LOOKUP_TENANT "SELECT id, uid, gid, 0, ctime, 4, mode FROM tenants WHERE name=$2"
#define PSQL_LOOKUP_INSTFILE \
	"SELECT i.id, t.uid, t.gid, a.size, i.mtime, 0, i.mode, i.ctime" PFROM_INSTALL \
	"JOIN artifacts a ON a.id=i.artifact WHERE i.tenant=$1 AND i.pkg=$2 AND i.system=0"
#define PSQL_LOOKUP_PKGDIR \
	"SELECT i.id, t.uid, t.gid, 0, " PTIME_PKGDIR ", (SELECT count(*) FROM kinds k WHERE k.artifact=i.artifact)" \
	PFROM_INSTALL "WHERE i.tenant=$1 AND i.pkg=$2 AND i.version=$3"
#define PSQL_LOOKUP_KINDDIR \
	"SELECT k.idx, t.uid, t.gid, 0, " PTIME_KINDDIR ", 0" PFROM_INSTALL \
	"JOIN kinds k ON k.artifact=i.artifact WHERE i.id=$1 AND k.dir=$2"
#define PSQL_LOOKUP_ITEM \
	"SELECT it.idx, t.uid, t.gid, octet_length(it.body), " PTIME_ITEM ", 0" PFROM_INSTALL \
	"JOIN items it ON it.artifact=i.artifact WHERE i.id=$1 AND it.kind=$2 AND it.file=$3"
#define PSQL_LOOKUP_OBJECT \
	"SELECT r.id, t.uid, t.gid, octet_length(r.body), r.mtime, 0 FROM registry r JOIN tenants t ON t.id=r.tenant " \
	"WHERE r.tenant=$1 AND r.name=$2"
#define PSQL_LOOKUP_TABLE \
	"SELECT b.id, t.uid, t.gid, 0, b.mtime, 0 FROM tables b JOIN tenants t ON t.id=b.tenant " \
	"WHERE b.tenant=$1 AND b.name=$2"
#define PSQL_LOOKUP_RECORD \
	"SELECT r.id, t.uid, t.gid, octet_length(r.body), r.mtime, 0 FROM records r JOIN tables b ON b.id=r.tbl " \
	"JOIN tenants t ON t.id=b.tenant WHERE r.tbl=$1 AND r.key=$2"

#define PSQL_LIST_TENANTS "SELECT id, name, uid, gid, 0, ctime, 4, mode FROM tenants WHERE id>$1 ORDER BY id"
#define PSQL_LIST_INSTFILES \
	"SELECT i.id, i.pkg || '.json', t.uid, t.gid, a.size, i.mtime, 0, i.mode, i.ctime" PFROM_INSTALL \
	"JOIN artifacts a ON a.id=i.artifact WHERE i.tenant=$1 AND i.system=0 AND ($2<0 OR i.id<$2) ORDER BY i.id DESC"
#define PSQL_LIST_PKGDIRS \
	"SELECT i.id, i.pkg || '@' || i.version, t.uid, t.gid, 0, " PTIME_PKGDIR ", " \
	"(SELECT count(*) FROM kinds k WHERE k.artifact=i.artifact)" PFROM_INSTALL \
	"WHERE i.tenant=$1 AND i.id>$2 ORDER BY i.id"
#define PSQL_LIST_KINDDIRS \
	"SELECT k.idx, k.dir, t.uid, t.gid, 0, " PTIME_KINDDIR ", 0" PFROM_INSTALL \
	"JOIN kinds k ON k.artifact=i.artifact WHERE i.id=$1 AND k.idx>$2 ORDER BY k.idx"
#define PSQL_LIST_ITEMS \
	"SELECT it.idx, it.file || '.json', t.uid, t.gid, octet_length(it.body), " PTIME_ITEM ", 0" PFROM_INSTALL \
	"JOIN items it ON it.artifact=i.artifact WHERE i.id=$1 AND it.kind=$2 AND it.idx>$3 ORDER BY it.idx"
#define PSQL_LIST_OBJECTS \
	"SELECT r.id, r.name || '.json', t.uid, t.gid, octet_length(r.body), r.mtime, 0 FROM registry r " \
	"JOIN tenants t ON t.id=r.tenant WHERE r.tenant=$1 AND r.id>$2 ORDER BY r.id"
#define PSQL_LIST_TABLES \
	"SELECT b.id, b.name, t.uid, t.gid, 0, b.mtime, 0 FROM tables b JOIN tenants t ON t.id=b.tenant " \
	"WHERE b.tenant=$1 AND b.id>$2 ORDER BY b.id"
#define PSQL_LIST_RECORDS \
	"SELECT r.id, r.key || '.json', t.uid, t.gid, octet_length(r.body), r.mtime, 0 FROM records r " \
	"JOIN tables b ON b.id=r.tbl JOIN tenants t ON t.id=b.tenant WHERE r.tbl=$1 AND r.id>$2 ORDER BY r.id"

#define PSQL_ITEM_KIND \
	"SELECT it.kind FROM installs i JOIN items it ON it.artifact=i.artifact WHERE i.id=$1 AND it.idx=$2"
#define PSQL_RECORD_TABLE "SELECT tbl FROM records WHERE id=$1"
#define PSQL_INSTALL_TENANT "SELECT tenant FROM installs WHERE id=$1"
#define PSQL_REGISTRY_TENANT "SELECT tenant FROM registry WHERE id=$1"
#define PSQL_TABLE_TENANT "SELECT tenant FROM tables WHERE id=$1"
#define PSQL_RECORD_TENANT "SELECT b.tenant FROM records r JOIN tables b ON b.id=r.tbl WHERE r.id=$1"

#define PSQL_READ_ARTIFACT \
	"SELECT a.bytes FROM installs i JOIN artifacts a ON a.id=i.artifact WHERE i.id=$1 AND i.system=0"
#define PSQL_READ_ARTIFACT_ANY "SELECT a.bytes FROM installs i JOIN artifacts a ON a.id=i.artifact WHERE i.id=$1"
#define PSQL_READ_MANIFEST "SELECT a.manifest FROM installs i JOIN artifacts a ON a.id=i.artifact WHERE i.id=$1"
#define PSQL_READ_ITEM \
	"SELECT it.body FROM installs i JOIN items it ON it.artifact=i.artifact WHERE i.id=$1 AND it.idx=$2"
#define PSQL_READ_OBJECT "SELECT body FROM registry WHERE id=$1"
#define PSQL_READ_RECORD "SELECT body FROM records WHERE id=$1"
#define PSQL_READ_LOG "SELECT line FROM log WHERE tenant=$1 ORDER BY off"
#define PSQL_ARTIFACT_HASH "SELECT a.xxh3 FROM installs i JOIN artifacts a ON a.id=i.artifact WHERE i.id=$1"

#define PSQL_CATPKG_ATTR "SELECT 0, 0, 0, mtime, 0 FROM catalog_pkgs WHERE id=$1"
#define PSQL_CATFILE_ATTR "SELECT 0, 0, size, added, 0 FROM catalog WHERE id=$1"
#define PSQL_LOOKUP_CATPKG "SELECT id, 0, 0, 0, mtime, 0 FROM catalog_pkgs WHERE pkg=$2"
#define PSQL_LOOKUP_CATFILE \
	"SELECT c.id, 0, 0, c.size, c.added, 0 FROM catalog c JOIN catalog_pkgs p ON p.pkg=c.pkg " \
	"WHERE p.id=$1 AND c.version=$2"
#define PSQL_LIST_CATPKGS "SELECT id, pkg, 0, 0, 0, mtime, 0 FROM catalog_pkgs WHERE id>$1 ORDER BY id"
#define PSQL_LIST_CATFILES \
	"SELECT c.id, c.version || '.json', 0, 0, c.size, c.added, 0 FROM catalog c " \
	"JOIN catalog_pkgs p ON p.pkg=c.pkg WHERE p.id=$1 AND c.id>$2 ORDER BY c.id"
#define PSQL_CATFILE_DIR "SELECT p.id FROM catalog c JOIN catalog_pkgs p ON p.pkg=c.pkg WHERE c.id=$1"
#define PSQL_CATFILE_ARTIFACT "SELECT coalesce(artifact, 0) FROM catalog WHERE id=$1"
#define PSQL_CATFILE_HASH "SELECT xxh3 FROM catalog WHERE id=$1"
#define PSQL_READ_CATFILE "SELECT a.bytes FROM catalog c JOIN artifacts a ON a.id=c.artifact WHERE c.id=$1"

#endif
