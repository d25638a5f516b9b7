#!/usr/bin/env python3
"""sqlite_to_pg.py STORE.db: prints the SQL that copies every row of an osfs
SQLite store into the osfs schema of a PostgreSQL store of the same schema
version (created by osfs, empty but for its meta rows), for psql:

    tests/pg/sqlite_to_pg.py store.db | psql -X -q -v ON_ERROR_STOP=1 "$URI"

The tests use it to hold the two backends to the same answers over the same
rows (tests/unit/check_pg_tree.c).  Row ids are kept (they are inode
numbers) and each identity sequence continues after the highest id SQLite
ever handed out (sqlite_sequence), so no id is handed out twice.  One
transaction: a failure copies nothing.
"""
import sqlite3
import sys

# Parents before children (foreign keys); meta last.  record_keys (schema
# 5) is not copied but rebuilt from the records and unique_fields, as the
# PostgreSQL engine builds it (its values are jsonb there: store/pg/schema.c);
# unique_fields comes after records, so its triggers add nothing meanwhile.
TABLES = ["artifacts", "art_deps", "kinds", "items", "art_objects", "art_exts", "art_refs", "tenants",
          "installs", "pkg_state", "history", "claims", "registry", "tables", "records", "record_secrets",
          "unique_fields", "log",
          "catalog", "catalog_pkgs", "http_cache", "meta"]


def literal(v, decl):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        v = v.encode()
    if decl == "BLOB":
        return "'\\x" + v.hex() + "'::bytea"
    s = v.decode("utf-8")  # PostgreSQL text is UTF-8: anything else is refused here, loudly
    if "\0" in s:
        raise ValueError("a NUL byte in a text column")
    return "'" + s.replace("'", "''") + "'"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: sqlite_to_pg.py STORE.db")
    db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
    db.text_factory = bytes
    version = db.execute("PRAGMA user_version").fetchone()[0]
    out = sys.stdout
    out.write("BEGIN;\n")
    # PostgreSQL's version 6 adds only its own tables (the change sets of
    # several daemons, docs/scale-out.md "Coherence"): a SQLite store of
    # version 5 goes into a PostgreSQL store of version 6.
    pg_version = 6 if version == 5 else version
    out.write("DO $$ BEGIN IF (SELECT value FROM osfs.meta WHERE key = 'schema_version') <> %d THEN "
              "RAISE EXCEPTION 'the PostgreSQL store is not at schema version %d'; END IF; END $$;\n"
              % (pg_version, pg_version))
    out.write("DELETE FROM osfs.meta WHERE key <> 'schema_version';\n")
    seqs = dict(db.execute("SELECT name, seq FROM sqlite_sequence")) if db.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone() else {}
    for t in TABLES:
        cols = [(r[1].decode(), (r[2] or b"").decode().upper()) for r in db.execute("PRAGMA table_info(%s)" % t)]
        if not cols:
            continue
        names = ", ".join(c for c, _ in cols)
        ident = any(c == "id" for c, _ in cols)
        for row in db.execute("SELECT %s FROM %s" % (names, t)):
            vals = ", ".join(literal(v, decl) for v, (_, decl) in zip(row, cols))
            out.write("INSERT INTO osfs.%s(%s)%s VALUES(%s);\n"
                      % (t, names, " OVERRIDING SYSTEM VALUE" if ident else "", vals))
        if ident:
            top = max(seqs.get(t.encode(), 0), db.execute("SELECT coalesce(max(id), 0) FROM %s" % t).fetchone()[0])
            out.write("SELECT setval(pg_get_serial_sequence('osfs.%s', 'id'), %d, %s);\n"
                      % (t, max(top, 1), "true" if top > 0 else "false"))
    if version >= 5:
        out.write("INSERT INTO osfs.record_keys(tbl, field, value, key) SELECT r.tbl, u.field, v, r.key "
                  "FROM osfs.unique_fields u JOIN osfs.records r ON r.tbl = u.tbl, "
                  "LATERAL osfs.unique_value(osfs.json_of(r.body) -> u.field) v WHERE v IS NOT NULL;\n")
    out.write("COMMIT;\n")


if __name__ == "__main__":
    main()
