/* log: tenant event logs. */
#include "store/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/escape.h"
#include "store/sqlite/sqlite.h"

int sq_log_append(struct db *db, int64_t tenant, int64_t ts, const char *text, struct changes *ch)
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
	sqlite3_stmt *st = db_stmt(db, "SELECT log_size FROM tenants WHERE id=?1");
	int rc = -EIO;
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, tenant);
	rc = db_step(db, st);
	int64_t off = rc > 0 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc <= 0) {
		rc = rc ? rc : -ENOENT;
		goto out;
	}
	st = db_stmt(db, "INSERT INTO log(tenant, off, at, line) VALUES(?1, ?2, ?3, ?4)");
	if (!st) {
		rc = -EIO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, tenant);
	sqlite3_bind_int64(st, 2, off);
	sqlite3_bind_int64(st, 3, ts);
	sqlite3_bind_text(st, 4, line.p, (int)line.len, SQLITE_STATIC);
	if ((rc = db_exec_stmt(db, st)))
		goto out;
	st = db_stmt(db, "UPDATE tenants SET log_size=log_size+?2, log_mtime=?3 WHERE id=?1");
	if (!st) {
		rc = -EIO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, tenant);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)line.len);
	sqlite3_bind_int64(st, 3, ts);
	rc = db_exec_stmt(db, st);
	if (rc == 0 && ch)
		changes_node(ch, tree_node(T_LOG, (uint64_t)tenant), (uint64_t)off);
out:
	buf_free(&line);
	return rc;
}

int sq_log_read(struct db *db, int64_t tenant, uint64_t off, size_t size, struct buf *out)
{
	/* From the line that holds byte off: both steps search the primary
	 * key (tenant, off), whatever the length of the log. */
	sqlite3_stmt *st = db_stmt(db, "SELECT off, line FROM log WHERE tenant=?1 AND off >= coalesce("
				   "(SELECT off FROM log WHERE tenant=?1 AND off <= ?2 ORDER BY off DESC LIMIT 1), 0) "
				   "ORDER BY off");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)off);
	size_t start = out->len;
	int rc = 0;
	while (out->len - start < size && (rc = db_step(db, st)) > 0) {
		uint64_t at = (uint64_t)sqlite3_column_int64(st, 0);
		const char *line = (const char *)sqlite3_column_text(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		if (!line || at + n <= off)
			continue;
		size_t skip = off > at ? (size_t)(off - at) : 0, want = size - (out->len - start);
		buf_add(out, line + skip, n - skip < want ? n - skip : want);
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : buf_error(out);
}
