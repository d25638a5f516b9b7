/* seed: seed datasets into records. */
#include "catalog/seed.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "catalog/json_parse.h"
#include "catalog/json_print.h"
#include "catalog/merge.h"
#include "catalog/record_secrets.h"
#include "store/records.h"

struct seeding {
	struct db *db;
	int64_t tbl;
	int64_t ts;
	struct changes *ch;
	struct seed_counts *n;
	int64_t added;
	struct buf old, body;
	cJSON *def;          /* the dataset's merged object: its secret fields */
	int secrets;         /* it has some */
};

static int write_record(struct seeding *s, const char *key, const cJSON *rec, int64_t old_id, int merge)
{
	struct record_secrets sec = RECORD_SECRETS_INIT;
	/* Password and secret values go to the store's secrets, the mask to
	 * the body (docs/records.md): a merge keeps those the seed leaves out.
	 * The seed's tree is not ours to change: a copy, where there are any. */
	cJSON *masked = s->secrets ? cJSON_Duplicate(rec, 1) : NULL;
	const cJSON *out = s->secrets ? masked : rec;
	buf_reset(&s->body);
	int rc = !out ? -ENOMEM : s->secrets ? record_secrets_take(s->def, masked, merge, &sec) : 0;
	if (rc == 0)
		rc = merge ? merge_record(buf_str(&s->old), s->old.len, out, &s->body) : json_print_pretty(out, &s->body);
	if (rc == 0)
		rc = records_put_seed(s->db, s->tbl, key, s->body.p, s->body.len, s->ts++, old_id);
	if (rc == 0)
		rc = record_secrets_store(s->db, s->tbl, key, &sec);
	record_secrets_free(&sec);
	cJSON_Delete(masked);
	if (rc < 0)
		return rc;
	if (old_id) {
		char file[300];
		snprintf(file, sizeof(file), "%s.json", key);
		changes_entry(s->ch, tree_node(T_TABLE, (uint64_t)s->tbl), file);
		s->n->updated++;
	} else {
		s->added++;
		s->n->inserted++;
	}
	return 0;
}

/* One seed record by its dataset's mode (docs/install.md, "Seeds"): a
 * record that is there is overwritten only while it is as a seed wrote it;
 * one a user changed is kept. */
static int seed_record(struct seeding *s, const struct art_seed *ds, size_t di, const char *key, const cJSON *rec,
		       struct diag *d)
{
	int64_t old_id = 0;
	buf_reset(&s->old);
	int rc = records_get(s->db, s->tbl, key, &old_id, &s->old);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	int exists = rc == 0, users = 0;
	if (exists && ds->mode != SEED_INSERT && ds->mode != SEED_IGNORE) {
		if ((rc = records_seed_written(s->db, old_id)) < 0)
			return rc;
		users = !rc;
	}
	if (users) {
		s->n->kept++;
		return 0;
	}
	switch (ds->mode) {
	case SEED_INSERT:
		if (exists) {
			diag_add(d, EEXIST, "data[%zu] (%s): record \"%s\" already exists and the dataset's mode is insert: "
				 "use mode upsert or ignore, or give the record another key", di, ds->object, key);
			return -EEXIST;
		}
		return write_record(s, key, rec, 0, 0);
	case SEED_UPDATE:
		if (!exists) {
			s->n->skipped++;
			return 0;
		}
		return write_record(s, key, rec, old_id, 1);
	case SEED_UPSERT:
		return write_record(s, key, rec, old_id, exists);
	case SEED_REPLACE:
		return write_record(s, key, rec, old_id, 0);
	case SEED_IGNORE:
		if (exists) {
			s->n->skipped++;
			return 0;
		}
		return write_record(s, key, rec, 0, 0);
	}
	return -EINVAL;
}

int seed_apply(struct db *db, int64_t tenant, const struct artifact *a, int64_t ts, struct diag *d,
	       struct changes *ch, struct seed_counts *n)
{
	struct seeding s = { .db = db, .ts = ts, .ch = ch, .n = n, .old = BUF_INIT, .body = BUF_INIT };
	struct buf def = BUF_INIT;
	struct json_error e;
	int rc = 0;
	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < a->nseeds && rc == 0; i++) {
		const struct art_seed *ds = &a->seeds[i];
		rc = records_table(db, tenant, ds->object, ts, &s.tbl, NULL);
		s.added = 0;
		buf_reset(&def);
		cJSON_Delete(s.def);
		s.def = NULL;
		if (rc == 0 && (rc = records_object_def(db, tenant, ds->object, &def)) == 0 &&
		    !(s.def = json_parse(def.p, def.len, NULL, &e)))
			rc = -EIO;
		if (rc == -ENOENT)
			rc = 0; /* not registered (install's checks refuse that): no secret fields known */
		s.secrets = record_secrets_any(s.def);
		size_t r = 0;
		for (const cJSON *rec = ds->records->child; rec && r < ds->nrecords && rc == 0; rec = rec->next, r++)
			rc = seed_record(&s, ds, i, ds->keys[r], rec, d);
		if (rc == 0)
			rc = records_table_done(db, s.tbl, s.added, s.ts);
		changes_node(ch, tree_node(T_TABLE, (uint64_t)s.tbl), 0);
	}
	cJSON_Delete(s.def);
	buf_free(&def);
	buf_free(&s.old);
	buf_free(&s.body);
	return rc;
}
