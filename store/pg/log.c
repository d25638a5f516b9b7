/* log: tenant event logs (store/log.h) on PostgreSQL; the rows of
 * store/sqlite/log.c.  log_format_time() is engine-neutral and stays
 * there (to move to store/ with step 2). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/escape.h"
#include "store/log.h"
#include "store/pg/pg.h"

int pg_log_append(struct db *db, int64_t tenant, int64_t ts, const char *text, struct changes *ch)
{
	char when[40];
	struct buf line = BUF_INIT;
	log_format_time(ts, when, sizeof(when));
	buf_printf(&line, "%s ", when);
	esc_text(&line, text); /* a name with a newline must not forge a line */
	buf_addc(&line, '\n');
	if (buf_error(&line)) {
		buf_free(&line);
		return -ENOMEM;
	}
	/* The line's offset is taken by the same statement that grows the log,
	 * under the tenant row's lock: two daemons appending at once get one
	 * offset each. */
	PGresult *r;
	int rc = pg_query(db,
			  "UPDATE tenants SET log_size=log_size+$2, log_mtime=$3 WHERE id=$1 RETURNING log_size-$2",
			  PG_ARGS(pg_i64(tenant), pg_i64((int64_t)line.len), pg_i64(ts)), &r);
	if (rc)
		goto out;
	if (PQntuples(r) == 0) {
		PQclear(r);
		rc = -ENOENT;
		goto out;
	}
	int64_t off = pg_get_i64(r, 0, 0);
	PQclear(r);
	rc = pg_exec(db, "INSERT INTO log(tenant, off, at, line) VALUES($1, $2, $3, $4)",
		     PG_ARGS(pg_i64(tenant), pg_i64(off), pg_i64(ts), pg_text(line.p)));
	if (rc < 0)
		goto out;
	rc = 0;
	if (ch)
		changes_node(ch, tree_node(T_LOG, (uint64_t)tenant), (uint64_t)off);
out:
	buf_free(&line);
	return rc;
}

int pg_log_read(struct db *db, int64_t tenant, uint64_t off, size_t size, struct buf *out)
{
	/* From the line that holds byte off to the last line that starts
	 * before off + size: both ends search the primary key (tenant, off),
	 * and no more rows come than the read needs. */
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT off, line FROM log WHERE tenant=$1 AND off >= coalesce("
			  "(SELECT off FROM log WHERE tenant=$1 AND off <= $2 ORDER BY off DESC LIMIT 1), 0) "
			  "AND off < $2 + $3 ORDER BY off",
			  PG_ARGS(pg_i64(tenant), pg_i64((int64_t)off), pg_i64((int64_t)size)), &r);
	if (rc)
		return rc;
	size_t start = out->len;
	for (int i = 0, n = PQntuples(r); i < n && out->len - start < size; i++) {
		uint64_t at = (uint64_t)pg_get_i64(r, i, 0);
		size_t len;
		const char *line = pg_get_bytes(r, i, 1, &len);
		if (!line || at + len <= off)
			continue;
		size_t skip = off > at ? (size_t)(off - at) : 0, want = size - (out->len - start);
		buf_add(out, line + skip, len - skip < want ? len - skip : want);
	}
	PQclear(r);
	return buf_error(out);
}
