/* log: tenant event logs on PostgreSQL, as store/sqlite/log.c: one row
 * per line, addressed by the byte offset where it starts. */
#include "store/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/escape.h"
#include "store/pg/pg.h"

int pg_log_append(struct db *db, int64_t tenant, int64_t ts, const char *text, struct changes *ch)
{
	char when[40];
	struct buf line = BUF_INIT;
	log_format_time(ts, when, sizeof(when));
	buf_printf(&line, "%s ", when);
	esc_text(&line, text); /* a name with a newline must not forge a line; and the line is UTF-8 */
	buf_addc(&line, '\n');
	if (buf_error(&line)) {
		buf_free(&line);
		return -ENOMEM;
	}
	/* The size read and the line added in one statement: the size's row
	 * lock is held from here to commit, so two writers of one tenant's
	 * log take turns and never write the same offset. */
	PGresult *r;
	int rc = pg_query(db, "UPDATE tenants SET log_size=log_size+$2, log_mtime=$3 WHERE id=$1 "
			      "RETURNING log_size-$2",
			  PG_ARGS(pg_i64(tenant), pg_i64((int64_t)line.len), pg_i64(ts)), &r);
	if (rc)
		goto out;
	if (PQntuples(r) < 1) {
		PQclear(r);
		rc = -ENOENT;
		goto out;
	}
	int64_t off = pg_get_i64(r, 0, 0);
	PQclear(r);
	rc = pg_exec(db, "INSERT INTO log(tenant, off, at, line) VALUES($1, $2, $3, $4)",
		     PG_ARGS(pg_i64(tenant), pg_i64(off), pg_i64(ts), pg_text(buf_str(&line))));
	if (rc > 0)
		rc = 0;
	if (rc == 0 && ch)
		changes_node(ch, tree_node(T_LOG, (uint64_t)tenant), (uint64_t)off);
out:
	buf_free(&line);
	return rc;
}

int pg_log_read(struct db *db, int64_t tenant, uint64_t off, size_t size, struct buf *out)
{
	/* From the line that holds byte off, on the primary key (tenant, off),
	 * and no more lines than size bytes can need: each line holds at least
	 * one byte, so size + 1 lines always reach past the end of the range. */
	PGresult *r;
	if (off > INT64_MAX)
		return 0;
	int64_t limit = size < (size_t)INT32_MAX ? (int64_t)size + 1 : INT32_MAX;
	int rc = pg_query(db,
			  "SELECT off, line FROM log WHERE tenant=$1 AND off >= coalesce("
			  "(SELECT off FROM log WHERE tenant=$1 AND off <= $2 ORDER BY off DESC LIMIT 1), 0) "
			  "ORDER BY off LIMIT $3",
			  PG_ARGS(pg_i64(tenant), pg_i64((int64_t)off), pg_i64(limit)), &r);
	if (rc)
		return rc;
	size_t start = out->len;
	for (int i = 0; i < PQntuples(r) && out->len - start < size; i++) {
		uint64_t at = (uint64_t)pg_get_i64(r, i, 0);
		const char *line = pg_get_text(r, i, 1);
		size_t n = line ? (size_t)PQgetlength(r, i, 1) : 0;
		if (!line || at + n <= off)
			continue;
		size_t skip = off > at ? (size_t)(off - at) : 0, want = size - (out->len - start);
		buf_add(out, line + skip, n - skip < want ? n - skip : want);
	}
	PQclear(r);
	return buf_error(out);
}
