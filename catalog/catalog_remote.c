/* catalog_remote: a remote catalog (docs/catalog.md): its indexes,
 * fetched with ETag revalidation and cached in the store for offline use,
 * and its artifacts, downloaded on first read and checked before they are
 * cached.  Network work happens outside the store's write lock and
 * outside any read transaction: no connection is held across a request.
 * A server is hostile until checked: every body is bounded while it
 * arrives (docs/security.md, "Catalog servers"). */
#include "catalog/catalog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "catalog/catindex.h"
#include "catalog/http.h"
#include "catalog/install_internal.h"
#include "catalog/artifact_rows.h"
#include "store/watch.h"
#include "store/catalogdb.h"

static const struct catalog_limits defaults = { CATALOG_MAX_INDEX, CATALOG_MAX_PACKAGES, CATALOG_STALL, NULL };

static const struct catalog_limits *limits_or_defaults(const struct catalog_limits *lim)
{
	return lim ? lim : &defaults;
}

/* A failed transfer as the diag says it: a size over a limit names the
 * limit, its value and what to do about it. */
static void say_failure(struct install_report *r, int rc, const char *url, const char *err, const char *limit,
			size_t value, const char *advice)
{
	if (rc == -EFBIG)
		diag_add(&r->diag, EFBIG, "%s (%s is %zu bytes: %s)", err, limit, value, advice);
	else
		diag_add(&r->diag, -rc == ENOENT ? ENOENT : EIO, "%s: %s", url, err[0] ? err : "no answer");
}

#define INDEX_ADVICE "if the catalog's indexes really are that big, raise -o catalog_max_index=BYTES"

/* The body of an index: fresh from the server, or revalidated (304), or as
 * cached when the server cannot be reached.  *fresh tells which.  Once
 * the server has not answered at all, *offline is set and the rest of a
 * sync reads the cache only: one wait for the retries, not one per
 * package. */
static int fetch_index(struct store *st, const char *url, const struct catalog_limits *lim, struct buf *body,
		       int *fresh, int *offline, struct install_report *r)
{
	struct http_opts o = { lim->max_index, lim->stall, lim->cancel };
	char etag[256] = "";
	struct http_response resp = HTTP_RESPONSE_INIT;
	struct buf cached = BUF_INIT;
	struct db *db = store_acquire(st);
	int have = db && catdb_http_get(db, url, etag, sizeof(etag), &cached) == 0;
	store_release(db);
	int rc = -EIO, asked = !*offline;
	/* A server that cannot be reached, stalls, or is being left (unmount)
	 * is not asked again in this sync; one that sends too much is, for
	 * the other indexes. */
	if (asked && (rc = http_get_opts(url, have ? etag : NULL, NULL, &o, &resp)) < 0 && resp.status == 0 &&
	    rc != -EFBIG)
		*offline = 1;
	if (!asked)
		snprintf(resp.err, sizeof(resp.err), "the server did not answer");
	*fresh = 0;
	if (rc == 0 && resp.status != 304) {
		*fresh = 1;
		buf_add(body, resp.body.p ? resp.body.p : "", resp.body.len);
		snprintf(etag, sizeof(etag), "%s", resp.etag);
	} else if (have) {
		if (asked && rc == -EFBIG)
			diag_warn(&r->diag, "%s (catalog_max_index is %zu bytes: %s); using the copy fetched before",
				  resp.err, lim->max_index, INDEX_ADVICE);
		else if (asked && rc < 0 && rc != -ECANCELED) /* unmounting: nothing to warn of */
			diag_warn(&r->diag, "%s: %s; using the copy fetched before", url, resp.err);
		buf_add(body, cached.p ? cached.p : "", cached.len);
		rc = 0;
	} else if (rc == 0) {
		rc = -EIO; /* a 304 for an index we never had */
	}
	if (rc < 0)
		say_failure(r, rc, url, resp.err, "catalog_max_index", lim->max_index, INDEX_ADVICE);
	if (*fresh && (db = store_acquire(st))) {
		int64_t ts;
		if (db_begin(db) == 0) {
			if (db_now(db, 0, &ts) == 0 && catdb_http_put(db, url, etag, body->p, body->len, ts) == 0)
				db_commit(db);
			else
				db_rollback(db);
		}
		store_release(db);
	}
	http_response_free(&resp);
	buf_free(&cached);
	return rc ? rc : buf_error(body);
}

struct pkg_ctx {
	struct db *db;
	const char *base, *id;
	int64_t ts;
	struct install_report *r;
	int store_rc;           /* the store's error, told apart from a bad index */
};

static int record_version(void *ctx, const struct catindex_entry *e)
{
	struct pkg_ctx *p = ctx;
	struct catalog_row row;
	struct buf url = BUF_INIT;
	memset(&row, 0, sizeof(row));
	snprintf(row.pkg, sizeof(row.pkg), "%s", p->id);
	snprintf(row.version, sizeof(row.version), "%s", e->version);
	row.size = e->size;
	row.xxh3 = e->xxh3;
	snprintf(row.origin, sizeof(row.origin), "remote");
	buf_printf(&url, "packages/%s/%s", p->id, e->file);
	struct buf full = BUF_INIT;
	int rc = http_join(p->base, buf_str(&url), &full);
	snprintf(row.url, sizeof(row.url), "%s", buf_str(&full));
	if (rc == 0)
		rc = catdb_remote(p->db, &row, p->ts, &p->r->changes);
	else
		rc = -ENOMEM;
	buf_free(&url);
	buf_free(&full);
	if (rc)
		p->store_rc = rc;
	return rc;
}

struct root_ctx {
	struct store *st;
	const char *base;
	const struct catalog_limits *lim;
	cJSON **pkgs;
	char **ids;
	size_t n, cap;
	int offline;
	struct install_report *r;
};

static int root_push(struct root_ctx *c, cJSON *idx, const char *id)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		cJSON **p = realloc(c->pkgs, cap * sizeof(*p));
		if (p)
			c->pkgs = p;
		char **i = p ? realloc(c->ids, cap * sizeof(*i)) : NULL;
		if (!i)
			return -ENOMEM;
		c->ids = i;
		c->cap = cap;
	}
	if (!(c->ids[c->n] = strdup(id)))
		return -ENOMEM;
	c->pkgs[c->n++] = idx;
	return 0;
}

/* Fetches one package's index (outside the write lock). */
static int fetch_pkg(void *ctx, const char *id)
{
	struct root_ctx *c = ctx;
	struct buf path = BUF_INIT, url = BUF_INIT, body = BUF_INIT;
	char err[256];
	int fresh;
	buf_printf(&path, "packages/%s/index.json", id);
	int rc = http_join(c->base, buf_str(&path), &url);
	if (rc == 0 && fetch_index(c->st, buf_str(&url), c->lim, &body, &fresh, &c->offline, c->r) == 0) {
		cJSON *idx = catindex_parse(body.p ? body.p : "", body.len, err, sizeof(err));
		if (!idx)
			diag_warn(&c->r->diag, "%s: %s: skipped", buf_str(&url), err);
		else if ((rc = root_push(c, idx, id)) < 0)
			cJSON_Delete(idx);
	}
	buf_free(&path);
	buf_free(&url);
	buf_free(&body);
	return rc;
}

int catalog_cached(struct store *st, const char *base)
{
	struct buf url = BUF_INIT, body = BUF_INIT;
	char etag[256];
	struct db *db = store_acquire(st);
	int rc = db ? http_join(base, "index.json", &url) : -ENOMEM;
	if (rc == 0)
		rc = catdb_http_get(db, buf_str(&url), etag, sizeof(etag), &body);
	store_release(db);
	buf_free(&url);
	buf_free(&body);
	return rc == 0;
}

/* The packages a root index lists. */
static size_t count_packages(const cJSON *root)
{
	const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
	size_t n = 0;
	for (const cJSON *m = cJSON_IsObject(pkgs) ? pkgs->child : NULL; m; m = m->next)
		n++;
	return n;
}

int catalog_sync(struct store *st, const char *base, const struct catalog_limits *lim, struct install_report *r)
{
	struct buf url = BUF_INIT, body = BUF_INIT;
	lim = limits_or_defaults(lim);
	struct root_ctx c = { st, base, lim, NULL, NULL, 0, 0, 0, r };
	char err[256];
	int fresh, rc = http_join(base, "index.json", &url);
	if (rc == 0)
		rc = fetch_index(st, buf_str(&url), lim, &body, &fresh, &c.offline, r);
	cJSON *root = rc ? NULL : catindex_parse(body.p ? body.p : "", body.len, err, sizeof(err));
	if (rc == 0 && !root) {
		diag_add(&r->diag, EINVAL, "%s: %s", buf_str(&url), err);
		rc = -EINVAL;
	}
	size_t npkgs = root ? count_packages(root) : 0;
	if (rc == 0 && npkgs > lim->max_packages) {
		diag_add(&r->diag, EFBIG, "%s lists %zu packages, more than catalog_max_packages (%zu): the catalog was "
			 "not synced; if it really is that big, raise -o catalog_max_packages=N", buf_str(&url), npkgs,
			 lim->max_packages);
		rc = -EFBIG;
	}
	if (rc == 0)
		rc = catindex_root_each(root, fetch_pkg, &c);
	struct db *db = rc ? NULL : store_acquire(st);
	if (rc == 0 && !db)
		rc = -ENOMEM;
	if (rc == 0 && (rc = db_begin(db)) == 0) {
		int64_t ts;
		rc = db_now(db, 0, &ts);
		for (size_t i = 0; i < c.n && rc == 0; i++) {
			struct pkg_ctx p = { db, base, c.ids[i], ts, r, 0 };
			int each = catindex_pkg_each(c.pkgs[i], record_version, &p, err, sizeof(err));
			if (p.store_rc) { /* the store failed: nothing of this sync is kept */
				rc = p.store_rc;
				diag_add(&r->diag, -rc == ENOMEM ? ENOMEM : EIO, "cannot record the versions of %s in the "
					 "store: %s", c.ids[i], strerror(-rc));
			} else if (each == -EINVAL) {
				diag_warn(&r->diag, "the index of %s: %s: skipped", c.ids[i], err);
			} else if (each) {
				rc = each;
			}
		}
		rc = rc ? (db_rollback(db), rc) : db_commit_changes(db, &r->changes);
	}
	store_release(db);
	for (size_t i = 0; i < c.n; i++) {
		cJSON_Delete(c.pkgs[i]);
		free(c.ids[i]);
	}
	free(c.pkgs);
	free(c.ids);
	cJSON_Delete(root);
	buf_free(&url);
	buf_free(&body);
	return rc;
}

/* Checks downloaded bytes against the entry and as an artifact. */
static int check_download(const struct catalog_row *row, const struct http_response *resp, struct artifact *a,
			  size_t max, struct install_report *r)
{
	uint64_t h = XXH3_64bits(resp->body.p ? resp->body.p : "", resp->body.len);
	if (resp->body.len != row->size || h != row->xxh3) {
		diag_add(&r->diag, EIO, "%s: the download does not match the catalog's index (%zu bytes, xxh3 %016llx; the "
			 "index says %llu bytes, xxh3 %016llx): refused", row->url, resp->body.len, (unsigned long long)h,
			 (unsigned long long)row->size, (unsigned long long)row->xxh3);
		return -EIO;
	}
	struct diag d = DIAG_INIT;
	int rc = artifact_load(a, resp->body.p, resp->body.len, max, 0, &d);
	if (rc == 0 && (strcmp(a->id, row->pkg) || strcmp(a->version_text, row->version))) {
		diag_add(&r->diag, EIO, "%s: it holds %s@%s, not %s@%s: refused", row->url, a->id, a->version_text,
			 row->pkg, row->version);
		rc = EIO;
	} else if (rc) {
		diag_add(&r->diag, EIO, "%s: not a valid artifact: %s", row->url, diag_first(&d));
	}
	diag_free(&d);
	return rc ? -EIO : artifact_render(a);
}

int catalog_fetch(struct store *st, int64_t id, size_t max, const struct catalog_limits *lim,
		  struct install_report *r)
{
	struct catalog_row row;
	struct http_response resp = HTTP_RESPONSE_INIT;
	struct artifact a;
	memset(&a, 0, sizeof(a));
	memset(&row, 0, sizeof(row));
	lim = limits_or_defaults(lim);
	struct db *db = store_acquire(st);
	int rc = db ? catdb_by_id(db, id, &row) : -ENOMEM;
	store_release(db);
	db = NULL; /* no connection is held while the network is waited for */
	if (rc == 0)
		snprintf(r->label, sizeof(r->label), "%s@%s", row.pkg, row.version);
	if (rc == 0 && row.artifact)
		return 0; /* another reader fetched it meanwhile */
	if (rc == 0 && row.size > max) {
		diag_add(&r->diag, EFBIG, "%s: the catalog's index says it is %llu bytes, more than max_artifact (%zu "
			 "bytes): not downloaded; raise -o max_artifact=BYTES to accept it", row.url,
			 (unsigned long long)row.size, max);
		rc = -EFBIG;
	}
	/* The index's size is the limit: a byte more is already a lie. */
	struct http_opts o = { (size_t)row.size, lim->stall, lim->cancel };
	if (rc == 0 && row.size == 0)
		o.max_body = 1; /* 0 would mean the default; the size check refuses any byte */
	if (rc == 0 && buf_reserve(&resp.body, (size_t)row.size) < 0)
		rc = -ENOMEM;
	if (rc == 0 && (rc = http_get_opts(row.url, NULL, NULL, &o, &resp)) < 0) {
		if (rc == -EFBIG)
			diag_add(&r->diag, EIO, "the download does not match the catalog's index, which says %llu bytes: "
				 "%s (tell the catalog's maintainer)", (unsigned long long)row.size, resp.err);
		else
			diag_add(&r->diag, EIO, "%s", resp.err);
	}
	if (rc == 0)
		rc = check_download(&row, &resp, &a, max, r);
	if (rc == 0 && !(db = store_acquire(st))) {
		diag_add(&r->diag, ENOMEM, "%s: downloaded, but the store has no connection to keep it", row.url);
		rc = -ENOMEM;
	}
	if (rc == 0 && (rc = db_begin(db)) == 0) {
		struct catalog_row now;
		int64_t art, ts;
		rc = catdb_by_id(db, id, &now);
		if (rc == 0 && !now.artifact && (rc = db_now(db, 0, &ts)) == 0) {
			rc = artifact_ensure_stored(db, &a, 0, ts, &art);
			if (rc == 0)
				rc = catdb_set_artifact(db, id, art);
		}
		rc = rc ? (db_rollback(db), rc) : db_commit(db);
	}
	store_release(db);
	artifact_free(&a);
	http_response_free(&resp);
	return rc < 0 ? -EIO : rc;
}
