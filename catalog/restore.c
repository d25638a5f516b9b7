/* restore: a restore bundle applied to a tenant in one transaction.
 *
 * Everything that can be checked without the store is checked first,
 * outside the write lock: the bundle's form, every artifact (SPEC 4's
 * checks 1-5), every record's file name and JSON, and the install order.
 * Then one BEGIN IMMEDIATE ... COMMIT holds the tenant check, the
 * installs (each with install_in_tx, so every install rule applies as
 * for cp) and the records. */
#include "catalog/restore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/dep_order.h"
#include "catalog/install_internal.h"
#include "catalog/json_parse.h"
#include "catalog/json_print.h"
#include "catalog/names.h"
#include "catalog/record_write.h"
#include "catalog/restore_bundle.h"
#include "store/records.h"

struct loaded {
	struct restore_bundle b;
	struct artifact *a;        /* one per b.inst */
	size_t *order;             /* install order of a[] */
	struct buf *body;          /* one per b.rec: the record as the store keeps it */
};

/* Every artifact of the bundle, loaded; every problem in d, each naming
 * its file. */
static int load_artifacts(struct loaded *l, size_t max, struct diag *d)
{
	int bad = 0;
	for (size_t i = 0; i < l->b.ninst; i++) {
		const struct rb_install *e = &l->b.inst[i];
		struct diag one = DIAG_INIT;
		if (artifact_load(&l->a[i], e->bytes, e->len, max, 0, &one))
			bad = 1;
		for (size_t k = 0; k < one.n; k++)
			if (one.v[k].err)
				diag_add(d, one.v[k].err, "%s/install/%s: %s", l->b.source, e->name, one.v[k].msg);
		diag_free(&one);
	}
	/* A tenant has one install/<id>.json per package. */
	for (size_t i = 0; i < l->b.ninst && !bad; i++)
		for (size_t j = i + 1; j < l->b.ninst; j++)
			if (!strcmp(l->a[i].id, l->a[j].id)) {
				diag_add(d, EINVAL, "%s/install/%s and install/%s both hold %s: a copy of a tenant has one "
					 "install/<id>.json per package; remove one of them", l->b.source, l->b.inst[i].name,
					 l->b.inst[j].name, l->a[i].id);
				bad = 1;
			}
	return bad ? -1 : 0;
}

/* Every record: a valid file name, one JSON object; its body as osfs
 * prints it (a copy of data/ holds exactly that). */
static int load_records(struct loaded *l, struct diag *d)
{
	struct buf key = BUF_INIT;
	int bad = 0;
	for (size_t i = 0; i < l->b.nrec; i++) {
		const struct rb_record *e = &l->b.rec[i];
		struct json_error je;
		buf_reset(&key);
		if (!name_is_snake(e->object)) {
			diag_add(d, EINVAL, "%s/data/%s: not an object's folder (object names are snake_case)", l->b.source,
				 e->object);
			bad = 1;
			continue;
		}
		if (strlen(e->stem) > NAME_MAX_STEM || record_key_of_stem(e->stem, &key) < 0) {
			diag_add(d, EINVAL, "%s/data/%s/%s.json is not a record's file name (keys are escaped as docs/tree.md "
				 "says: %%XX for %%, /, ',' and control bytes, %%2E for a leading '.')", l->b.source, e->object,
				 e->stem);
			bad = 1;
			continue;
		}
		cJSON *rec = json_parse(e->bytes, e->len, NULL, &je);
		if (!rec || !cJSON_IsObject(rec)) {
			if (rec)
				diag_add(d, EINVAL, "%s/data/%s/%s.json: a record is a JSON object", l->b.source, e->object,
					 e->stem);
			else
				diag_add(d, je.err, "%s/data/%s/%s.json: not JSON: line %u, column %u: %s", l->b.source,
					 e->object, e->stem, je.line, je.col, je.msg);
			bad = 1;
		} else if (json_print_pretty(rec, &l->body[i]) < 0) {
			diag_add(d, ENOMEM, "out of memory");
			bad = 1;
		}
		cJSON_Delete(rec);
	}
	buf_free(&key);
	return bad ? -1 : 0;
}

static int sort_installs(struct loaded *l, struct diag *d)
{
	const struct artifact **a = calloc(l->b.ninst + 1, sizeof(*a));
	const char **labels = calloc(l->b.ninst + 1, sizeof(*labels));
	int rc = a && labels ? 0 : -ENOMEM;
	for (size_t i = 0; i < l->b.ninst && rc == 0; i++) {
		a[i] = &l->a[i];
		labels[i] = l->b.inst[i].name;
	}
	if (rc == 0)
		rc = dep_order(a, labels, l->b.ninst, l->order, "restore", d);
	free(a);
	free(labels);
	return rc;
}

/* The packages of the bundle count as seeded: their records are DIR's. */
static int mark_seeded(struct db *db, const struct tenant_row *t, const struct artifact *a)
{
	int64_t first_at;
	int seeded;
	int rc = installs_state_get(db, t->id, a->id, &first_at, &seeded);
	if (rc == -ENOENT)
		rc = db_now(db, 0, &first_at);
	else if (rc == 0 && seeded)
		return 0;
	return rc ? rc : installs_state_put(db, t->id, a->id, first_at, 1);
}

/* install_in_tx with a diag of its own, so that the install's log line
 * carries its own warnings only; its problems then join r's, named. */
static int install_one(struct db *db, struct loaded *l, size_t i, const struct restore_opts *o,
		       struct install_report *r)
{
	const struct rb_install *e = &l->b.inst[i];
	char source[4400], label[NAME_MAX_ID + 300];
	snprintf(source, sizeof(source), "%s/install/%s", l->b.source, e->name);
	struct install_opts io = { o->tenant, source, NULL, o->max_artifact, (mode_t)e->mode, e->mtime };
	struct diag keep = r->diag, mine;
	r->diag = (struct diag)DIAG_INIT;
	int rc = install_in_tx(db, &l->a[i], &io, r);
	mine = r->diag;
	r->diag = keep;
	if (rc == 0 && !diag_errno(&mine)) {
		diag_move(&r->diag, &mine); /* its warnings */
		return 0;
	}
	/* Each problem names the file: several installs run in one restore. */
	artifact_label(&l->a[i], label, sizeof(label));
	for (size_t k = 0; k < mine.n; k++)
		if (mine.v[k].err)
			diag_add(&r->diag, mine.v[k].err, "%s (%s) cannot be installed: %s", source, label, mine.v[k].msg);
	if (!diag_errno(&mine))
		diag_add(&r->diag, -rc, "%s (%s) cannot be installed: %s", source, label, strerror(-rc));
	rc = rc < 0 ? rc : -diag_errno(&mine);
	diag_free(&mine);
	return rc;
}

static int put_record(struct db *db, const struct tenant_row *t, const struct rb_record *e, const struct buf *body,
		      int64_t ts, struct install_report *r, struct restore_result *res)
{
	int64_t tbl, old_id = 0;
	struct buf old = BUF_INIT;
	char file[NAME_MAX_STEM + 8];
	int rc = records_table(db, t->id, e->object, ts, &tbl, NULL);
	if (rc == 0)
		rc = records_get(db, tbl, e->stem, &old_id, &old);
	int have = rc == 0;
	if (rc == -ENOENT)
		rc = 0;
	if (rc == 0 && have && old.len == body->len && !memcmp(old.p, body->p, body->len)) {
		rc = records_set_mtime(db, old_id, 0, NULL, e->mtime); /* the same bytes: the inode stays */
	} else if (rc == 0) {
		rc = records_put(db, tbl, e->stem, body->p, body->len, e->mtime, have ? old_id : 0);
		if (rc == 0)
			rc = records_table_done(db, tbl, have ? 0 : 1, ts);
	}
	buf_free(&old);
	if (rc < 0)
		return rc;
	snprintf(file, sizeof(file), "%s.json", e->stem);
	changes_entry(&r->changes, tree_node(T_TABLE, (uint64_t)tbl), file);
	changes_node(&r->changes, tree_node(T_TABLE, (uint64_t)tbl), 0);
	res->records++;
	rc = records_object_def(db, t->id, e->object, NULL);
	if (rc == -ENOENT)
		res->orphans++;
	return rc == -ENOENT ? 0 : rc;
}

static int find_tenant(struct db *db, const struct restore_opts *o, struct tenant_row *t, struct install_report *r)
{
	int rc = tenants_find(db, o->tenant, t);
	if (rc == -ENOENT && o->create && (rc = install_tenant_in_tx(db, o->tenant, o->uid, o->gid, r)) == 0)
		rc = tenants_find(db, o->tenant, t);
	else if (rc == -ENOENT)
		diag_add(&r->diag, ENOENT, "tenant %s does not exist: create it with mkdir tenants/%s", o->tenant,
			 o->tenant);
	if (rc == 0)
		r->tenant = t->id;
	return rc;
}

static int apply_tx(struct db *db, struct loaded *l, const struct restore_opts *o, struct install_report *r,
		    struct restore_result *res)
{
	struct tenant_row t;
	int64_t ts;
	int rc = find_tenant(db, o, &t, r);
	if (rc < 0)
		return rc;
	if (!o->force && (rc = tenants_is_empty(db, t.id)) != 1) {
		if (rc < 0)
			return rc;
		diag_add(&r->diag, ENOTEMPTY, "tenant %s is not empty (it has packages of its own or records): restore "
			 "into a new or empty tenant, or add --force to merge %s into it", t.name, l->b.source);
		return -ENOTEMPTY;
	}
	rc = 0;
	for (size_t i = 0; i < l->b.ninst && rc == 0 && l->b.has_data; i++)
		rc = mark_seeded(db, &t, &l->a[i]);
	for (size_t i = 0; i < l->b.ninst && rc == 0; i++) {
		rc = install_one(db, l, l->order[i], o, r);
		res->packages += rc == 0;
	}
	if (rc == 0)
		rc = db_now(db, 1, &ts);
	for (size_t i = 0; i < l->b.nrec && rc == 0; i++)
		rc = put_record(db, &t, &l->b.rec[i], &l->body[i], ts, r, res);
	changes_tenant(&r->changes, t.id);
	if (rc == 0)
		rc = install_log(db, &t, ts, &r->changes, "restored from %s: %zu package%s, %zu record%s (%zu of objects "
				 "not installed; %s)", l->b.source, res->packages, res->packages == 1 ? "" : "s", res->records,
				 res->records == 1 ? "" : "s", res->orphans, l->b.has_data ? "no seed applied: the records are "
				 "the copy's" : "the copy has no data/ folder, so the packages were seeded");
	return rc;
}

/* The problems of a failed restore in the tenant's log, each in a
 * transaction of its own (the restore's was rolled back). */
static void log_failure(struct store *st, const struct restore_opts *o, const char *source, struct install_report *r)
{
	size_t shown = 0;
	for (size_t i = 0; i < r->diag.n; i++) {
		char line[2048];
		if (!r->diag.v[i].err)
			continue;
		if (++shown > 20) {
			snprintf(line, sizeof(line), "error: cannot restore from %s: and %zu more problems", source,
				 r->diag.nerr - 20);
			install_note(st, o->tenant, line, r);
			break;
		}
		snprintf(line, sizeof(line), "error: cannot restore from %s: %s [%s]", source, r->diag.v[i].msg,
			 diag_errname(r->diag.v[i].err));
		if (install_note(st, o->tenant, line, r) < 0)
			break; /* no such tenant: nothing to log into */
	}
}

int restore_tenant(struct store *st, const char *bytes, size_t len, const struct restore_opts *o,
		   struct install_report *r, struct restore_result *res)
{
	struct loaded l = { RESTORE_BUNDLE_INIT, NULL, NULL, NULL };
	memset(res, 0, sizeof(*res));
	int rc = restore_bundle_parse(bytes, len, &l.b, &r->diag);
	if (rc == 0) {
		l.a = calloc(l.b.ninst + 1, sizeof(*l.a));
		l.order = calloc(l.b.ninst + 1, sizeof(*l.order));
		l.body = calloc(l.b.nrec + 1, sizeof(*l.body));
		rc = l.a && l.order && l.body ? 0 : -ENOMEM;
	}
	if (rc == 0 && load_artifacts(&l, o->max_artifact, &r->diag) < 0)
		rc = -diag_errno(&r->diag);
	if (rc == 0 && load_records(&l, &r->diag) < 0)
		rc = -diag_errno(&r->diag);
	if (rc == 0)
		rc = sort_installs(&l, &r->diag);
	struct db *db = rc == 0 ? store_acquire(st) : NULL;
	if (rc == 0 && !db)
		rc = -ENOMEM;
	if (rc == 0 && (rc = db_begin(db)) == 0) {
		rc = apply_tx(db, &l, o, r, res);
		if (rc == 0 && !diag_errno(&r->diag))
			rc = db_commit(db);
		else {
			db_rollback(db);
			rc = rc < 0 ? rc : -diag_errno(&r->diag);
		}
	}
	store_release(db);
	if (rc < 0) {
		if (!diag_errno(&r->diag))
			diag_add(&r->diag, -rc, "the store failed (%s)", strerror(-rc));
		memset(res, 0, sizeof(*res));
		log_failure(st, o, l.b.source ? l.b.source : "a damaged bundle", r);
	}
	for (size_t i = 0; l.a && i < l.b.ninst; i++)
		artifact_free(&l.a[i]);
	for (size_t i = 0; l.body && i < l.b.nrec; i++)
		buf_free(&l.body[i]);
	free(l.a);
	free(l.order);
	free(l.body);
	restore_bundle_free(&l.b);
	return rc;
}
