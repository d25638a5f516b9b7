/* record_write: record writes through data/, each one transaction. */
#include "catalog/record_write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/install_internal.h"
#include "catalog/json_parse.h"
#include "catalog/json_print.h"
#include "catalog/names.h"
#include "catalog/record_autonumber.h"
#include "catalog/record_check.h"
#include "catalog/record_delete.h"
#include "catalog/record_secrets.h"
#include "store/watch.h"
#include "store/records.h"

static void not_installed(struct diag *d, const char *tenant, const char *object)
{
	diag_add(d, EROFS, "%s is not installed in tenant %s: its records are kept read-only (install its package "
		 "again to write them; rm still removes them)", object, tenant);
}

/* The refusal's sentences in the tenant's log, in a transaction of their
 * own (the write's was rolled back). */
static void log_refusal(struct db *db, const struct tenant_row *t, const char *what, struct install_report *r)
{
	int64_t ts;
	if (db_begin(db) < 0)
		return;
	int rc = db_now(db, 0, &ts);
	for (size_t i = 0; i < r->diag.n && rc == 0; i++)
		if (r->diag.v[i].err)
			rc = install_log(db, t, ts, &r->changes, "error: cannot %s: %s [%s]", what, r->diag.v[i].msg,
					 diag_errname(r->diag.v[i].err));
	if (rc == 0)
		rc = db_commit_changes(db, &r->changes);
	if (rc)
		db_rollback(db);
}

struct wr {
	struct db *db;
	struct tenant_row t;
	const char *object, *stem;
	int64_t tbl, old_id, ts;
	const int64_t *mtime; /* the time a copy gave the file (cp -a, rsync -a), or NULL */
	struct buf def_body, old_body, body;
	cJSON *def, *old, *rec;
	struct record_check c;
	struct record_secrets sec;
};

static cJSON *parse(const char *s, size_t len, struct json_error *e)
{
	return json_parse(s, len, NULL, e);
}

/* The referenced records exist (SPEC 13): in this transaction. */
static int check_refs(struct wr *w, const char *key, struct diag *d)
{
	struct buf k = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < w->c.nrefs && rc == 0; i++) {
		const struct record_ref *ref = &w->c.refs[i];
		buf_reset(&k);
		if (name_escape(ref->key, strlen(ref->key), &k) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (!strcmp(ref->object, w->object) && !strcmp(ref->key, key))
			continue; /* itself */
		rc = records_exists(w->db, w->t.id, ref->object, buf_str(&k));
		if (rc == -ENOENT) {
			diag_add(d, EINVAL, "%s.%s names record \"%s\" of %s, and there is none (a lookup must name the key of "
				 "an existing record: data/%s/%s.json)", w->object, ref->field, ref->key, ref->object,
				 ref->object, buf_str(&k));
			rc = -EINVAL;
		}
	}
	buf_free(&k);
	return rc;
}

static int check_unique(struct wr *w, struct diag *d)
{
	struct buf holder = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < w->c.nuniq && rc == 0; i++) {
		const struct record_unique *u = &w->c.uniq[i];
		double num = u->value->valuedouble;
		buf_reset(&holder);
		rc = records_unique_holder(w->db, w->tbl, w->stem, u->field,
					   cJSON_IsString(u->value) ? u->value->valuestring : NULL,
					   cJSON_IsNumber(u->value) ? &num : NULL, &holder);
		if (rc == 0) {
			diag_add(d, EEXIST, "%s.%s is unique, and record %s.json already holds this value", w->object,
				 u->field, buf_str(&holder));
			rc = -EEXIST;
		} else if (rc == -ENOENT) {
			rc = 0;
		}
	}
	buf_free(&holder);
	return rc;
}

static int64_t wall_ns(void);

/* A new record's autonumber fields: the next number of their format,
 * after the values the object's records hold (docs/records.md). */
static int assign_autonumbers(struct wr *w, struct install_report *r)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(w->def, "fields");
	int rc = 0;
	for (const cJSON *f = cJSON_IsObject(fields) ? fields->child : NULL; f && rc == 0; f = f->next) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(f, "type");
		const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(f, "autonumberFormat");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(w->rec, f->string);
		if (!cJSON_IsString(type) || strcmp(type->valuestring, "autonumber") || (v && !cJSON_IsNull(v)))
			continue;
		struct record_hit *hits;
		size_t n, k = 0;
		if ((rc = records_with_field(w->db, w->tbl, f->string, &hits, &n)) < 0)
			break;
		const char **taken = calloc(n ? n : 1, sizeof(*taken));
		struct buf out = BUF_INIT;
		for (size_t i = 0; taken && i < n; i++)
			if (!hits[i].array)
				taken[k++] = hits[i].value;
		rc = taken ? autonumber_next(cJSON_IsString(fmt) ? fmt->valuestring : NULL, w->rec, wall_ns(), taken, k,
					     &out) : -ENOMEM;
		if (rc == -EINVAL) {
			diag_add(&r->diag, EINVAL, "%s.%s: its autonumberFormat \"%s\" has no counter ({0000})", w->object,
				 f->string, cJSON_IsString(fmt) ? fmt->valuestring : "");
		} else if (rc == 0) {
			cJSON *s = cJSON_CreateString(buf_str(&out));
			if (v)
				cJSON_DeleteItemFromObjectCaseSensitive(w->rec, f->string);
			if (!s || !cJSON_AddItemToObject(w->rec, f->string, s)) {
				cJSON_Delete(s);
				rc = -ENOMEM;
			} else {
				w->c.nchanged++;
			}
		}
		buf_free(&out);
		free(taken);
		records_hits_free(hits, n);
	}
	return rc;
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Everything of the write inside the transaction; 1 if nothing changed
 * (or, check_only, once every check has passed). */
static int write_tx(struct wr *w, const char *key, const char *bytes, size_t len, int check_only,
		    struct install_report *r)
{
	struct json_error e;
	int rc = records_object_def(w->db, w->t.id, w->object, &w->def_body);
	if (rc == -ENOENT) {
		not_installed(&r->diag, w->t.name, w->object);
		return -EROFS;
	}
	if (rc < 0)
		return rc;
	if (!(w->def = parse(w->def_body.p, w->def_body.len, &e)))
		return -EIO;
	if (!(w->rec = parse(bytes, len, &e))) {
		diag_add(&r->diag, e.err, "%s: not JSON: line %u, column %u: %s", w->object, e.line, e.col, e.msg);
		return -e.err;
	}
	if ((rc = records_table(w->db, w->t.id, w->object, w->ts, &w->tbl, NULL)) < 0)
		return rc;
	rc = records_get(w->db, w->tbl, w->stem, &w->old_id, &w->old_body);
	if (rc == 0 && !(w->old = parse(w->old_body.p, w->old_body.len, &e)))
		return -EIO;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	struct record_check_opts o = { w->object, w->def, w->old, key, wall_ns() };
	if ((rc = record_check(&o, w->rec, &w->c)) < 0) {
		diag_add(&r->diag, w->c.err, "%s", w->c.msg);
		return rc;
	}
	if ((rc = check_refs(w, key, &r->diag)) < 0 || (rc = check_unique(w, &r->diag)) < 0)
		return rc;
	if (!w->old && (rc = assign_autonumbers(w, r)) < 0)
		return rc;
	if (check_only)
		return 1;
	/* The body the tree shows holds the mask for password and secret
	 * values: its size is the size of what reads back. */
	if ((rc = record_secrets_take(w->def, w->rec, 0, &w->sec)) < 0 ||
	    (rc = json_print_pretty(w->rec, &w->body)) < 0)
		return rc;
	int secrets = record_secrets_differ(w->db, w->tbl, w->stem, &w->sec);
	if (secrets < 0)
		return secrets;
	if (w->old && !secrets && w->body.len == w->old_body.len && !memcmp(w->body.p, w->old_body.p, w->body.len)) {
		/* The same record: no new inode, no log line; only the time a
		 * copy set on it, if any (rsync -a of a changed time). */
		if (!w->mtime)
			return 1;
		return records_set_mtime(w->db, w->old_id, 0, NULL, *w->mtime);
	}
	if ((rc = records_put(w->db, w->tbl, w->stem, w->body.p, w->body.len, w->ts, w->old_id)) < 0 ||
	    (w->mtime && (rc = records_set_mtime(w->db, 0, w->tbl, w->stem, *w->mtime)) < 0) ||
	    (rc = record_secrets_store(w->db, w->tbl, w->stem, &w->sec)) < 0 ||
	    (rc = records_table_done(w->db, w->tbl, w->old ? 0 : 1, w->ts)) < 0)
		return rc;
	char file[NAME_MAX_STEM + 8];
	snprintf(file, sizeof(file), "%s.json", w->stem);
	changes_entry(&r->changes, tree_node(T_TABLE, (uint64_t)w->tbl), file);
	changes_node(&r->changes, tree_node(T_TABLE, (uint64_t)w->tbl), 0);
	/* Field names and counts only: never a value (password, secret). */
	return install_log(w->db, &w->t, w->ts, &r->changes, "%s %s/%s: %zu field%s", w->old ? "updated" : "created",
			   w->object, key, w->c.nchanged, w->c.nchanged == 1 ? "" : "s");
}

static int write_record(struct store *st, const char *tenant, const char *object, const char *stem,
			const char *bytes, size_t len, const int64_t *mtime, int check_only, struct install_report *r)
{
	struct wr w = { .object = object, .stem = stem, .mtime = mtime, .def_body = BUF_INIT, .old_body = BUF_INIT, .body = BUF_INIT,
			.c = RECORD_CHECK_INIT, .sec = RECORD_SECRETS_INIT };
	struct buf key = BUF_INIT;
	char what[NAME_MAX_STEM + 300];
	snprintf(what, sizeof(what), "write data/%s/%s.json", object, stem);
	int rc = name_unescape(stem, &key);
	if (rc < 0)
		diag_add(&r->diag, EINVAL, "%s: \"%s.json\" is not a record's file name (keys are escaped as docs/tree.md "
			 "says: %%XX for %%, /, ',' and control bytes, %%2E for a leading '.')", object, stem);
	w.db = rc == 0 ? store_acquire(st) : NULL;
	if (rc == 0 && !w.db)
		rc = -ENOMEM;
	if (rc == 0)
		rc = tenants_find(w.db, tenant, &w.t);
	/* Durable a moment after the commit (docs/records.md, "Durability"). */
	if (rc == 0 && (rc = db_begin_lazy(w.db)) == 0) {
		r->tenant = w.t.id;
		rc = db_now(w.db, 0, &w.ts);
		if (rc == 0)
			rc = write_tx(&w, buf_str(&key), bytes, len, check_only, r);
		if (rc >= 0)
			rc = rc == 1 ? (db_rollback(w.db), 0) : db_commit_changes(w.db, &r->changes);
		else
			db_rollback(w.db);
		if (rc < 0 && r->diag.nerr && !check_only)
			log_refusal(w.db, &w.t, what, r);
	}
	if (rc < 0 && !r->diag.nerr)
		diag_add(&r->diag, -rc, "%s", strerror(-rc));
	store_release(w.db);
	record_check_free(&w.c);
	record_secrets_free(&w.sec);
	cJSON_Delete(w.def);
	cJSON_Delete(w.old);
	cJSON_Delete(w.rec);
	buf_free(&w.def_body);
	buf_free(&w.old_body);
	buf_free(&w.body);
	buf_free(&key);
	return rc;
}

int record_write(struct store *st, const char *tenant, const char *object, const char *stem, const char *bytes,
		 size_t len, struct install_report *r)
{
	return write_record(st, tenant, object, stem, bytes, len, NULL, 0, r);
}

int record_write_at(struct store *st, const char *tenant, const char *object, const char *stem, const char *bytes,
		    size_t len, const int64_t *mtime, struct install_report *r)
{
	return write_record(st, tenant, object, stem, bytes, len, mtime, 0, r);
}

int record_write_check(struct store *st, const char *tenant, const char *object, const char *stem,
		       const char *bytes, size_t len, struct install_report *r)
{
	return write_record(st, tenant, object, stem, bytes, len, NULL, 1, r);
}

int record_key_of_stem(const char *stem, struct buf *key)
{
	if (name_unescape(stem, key) == 0)
		return 0;
	buf_free(key);
	struct buf part = BUF_INIT;
	int rc = 0;
	for (const char *p = stem; rc == 0; p++) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *one = strndup(p, n);
		buf_free(&part);
		rc = !one ? -ENOMEM : n == 0 || name_unescape(one, &part) < 0 ? -ENOENT : 0;
		free(one);
		if (rc == 0)
			buf_printf(key, "%s%s", p == stem ? "" : ",", buf_str(&part));
		if (!end)
			break;
		p = end;
	}
	buf_free(&part);
	return rc ? rc : buf_error(key);
}

int record_remove(struct store *st, const char *tenant, const char *object, const char *stem,
		  struct install_report *r)
{
	struct tenant_row t;
	int64_t ts;
	struct buf key = BUF_INIT;
	struct db *db = store_acquire(st);
	int rc = db ? tenants_find(db, tenant, &t) : -ENOMEM;
	if (rc == 0)
		rc = record_key_of_stem(stem, &key);
	if (rc == 0 && (rc = db_begin_lazy(db)) == 0) {
		r->tenant = t.id;
		if ((rc = db_now(db, 0, &ts)) == 0)
			rc = record_delete_tx(db, &t, object, stem, buf_str(&key), ts, r, 0, NULL);
		rc = rc ? (db_rollback(db), rc) : db_commit_changes(db, &r->changes);
		if (rc < 0 && r->diag.nerr) {
			char what[NAME_MAX_STEM + 300];
			snprintf(what, sizeof(what), "rm data/%s/%s.json", object, stem);
			log_refusal(db, &t, what, r);
		}
	}
	store_release(db);
	buf_free(&key);
	return rc;
}

int record_rmdir(struct store *st, const char *tenant, const char *object, struct install_report *r)
{
	struct tenant_row t;
	int64_t tbl, ts;
	struct db *db = store_acquire(st);
	int rc = db ? tenants_find(db, tenant, &t) : -ENOMEM;
	if (rc == 0 && (rc = db_begin(db)) == 0) {
		if ((rc = records_table_find(db, t.id, object, &tbl)) == 0 && (rc = records_table_empty(db, tbl)) == 0 &&
		    (rc = db_now(db, 0, &ts)) == 0)
			rc = records_prune(db, t.id, object, &r->changes);
		rc = rc ? (db_rollback(db), rc) : db_commit_changes(db, &r->changes);
	}
	store_release(db);
	return rc;
}

int record_writable(struct store *st, const char *tenant, const char *object, struct install_report *r)
{
	struct tenant_row t;
	struct db *db = store_acquire_read(st);
	int rc = db ? tenants_find(db, tenant, &t) : -ENOMEM;
	if (rc == 0)
		rc = records_object_def(db, t.id, object, NULL);
	store_release(db);
	if (rc == -ENOENT) {
		not_installed(&r->diag, tenant, object);
		rc = -EROFS;
	}
	return rc;
}
