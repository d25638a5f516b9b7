/* check_pg_installs: the PostgreSQL engine's artstore, catalogdb,
 * installs and registry operations (store/pg/artstore.c, catalogdb.c,
 * installs.c, registry.c) against the SQLite engine's, the reference.
 *
 * One scenario runs on a SQLite store and on a PostgreSQL store (a
 * throwaway server) through each engine's table of operations
 * (tests/unit/pg_twin.h), with the catalog's real artifacts (tests/artifacts,
 * tests/fixtures/real) stored as the installer stores them.  Each call's
 * result goes into a transcript line: return codes, rows, listings in
 * their order, the changes recorded for the kernel's caches; the two
 * transcripts must be equal line for line.  That every new row gets an id
 * never handed out before (inode numbers) is checked on the raw ids.
 * Then: the PostgreSQL rows themselves (NULLs, doubles, cascades), a
 * failed statement failing the commit, read-only stores refusing writes
 * alike, and two connections racing for one name.  Run by `make unit-pg`.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/pg/pg.h"
#include "tests/unit/pg_twin.h"

/* ------------------------------------------------------------ the scenario */

static void say_install(struct engine *e, const char *what, int rc, const struct install_row *r)
{
	if (rc)
		say(e, "%s: %s", what, ename(rc));
	else
		say(e, "%s: %s t=%s art=%s at=%lld system=%d %s@%s", what, nid(e, 'i', r->id), nid(e, 't', r->tenant),
		    nid(e, 'a', r->artifact), (long long)r->at, r->system, r->pkg, r->version);
}

static void say_edges(struct engine *e, const char *what, int rc, struct dep_edge *v, size_t n)
{
	buf_printf(&e->out, "%s: %s n=%zu", what, ename(rc), n);
	for (size_t i = 0; i < n; i++)
		buf_printf(&e->out, " [%s %s %s]", v[i].pkg, v[i].range, v[i].version ? v[i].version : "-");
	buf_addc(&e->out, '\n');
	installs_edges_free(v, n);
}

static void say_names(struct engine *e, const char *what, int rc, char **v, size_t n)
{
	buf_printf(&e->out, "%s: %s n=%zu", what, ename(rc), n);
	for (size_t i = 0; i < n; i++)
		buf_printf(&e->out, " %s", v[i]);
	buf_addc(&e->out, '\n');
	registry_names_free(v, n);
}

static void s_artstore(struct engine *e)
{
	const struct store_backend *be = e->be;
	int64_t id = 0;
	begin(e);
	for (int i = 0; i < NARTS; i++)
		say(e, "find %d before: %s", i, ename(be->artstore_find(e->db, arts[i].a.xxh3, arts[i].bytes, arts[i].len, &id)));
	say(e, "put unrendered: %s", ename(be->artstore_put(e->db, &unrendered.r, 0, 999, &id)));
	for (int i = 0; i < NARTS; i++) {
		int rc = be->artstore_put(e->db, &arts[i].r, i == TODO, 1000 + i, &e->art[i]);
		say(e, "put %d: %s %s", i, ename(rc), nid(e, 'a', e->art[i]));
	}
	for (int i = 0; i < NARTS; i++) {
		int rc = be->artstore_ensure(e->db, &arts[i].r, 0, 1100, &id);
		say(e, "ensure %d: %s %s", i, ename(rc), nid(e, 'a', id));
		rc = be->artstore_find(e->db, arts[i].a.xxh3, arts[i].bytes, arts[i].len, &id);
		say(e, "find %d: %s %s", i, ename(rc), nid(e, 'a', id));
	}
	/* the same hash and length, other bytes: a collision is no match */
	char *other = malloc(arts[CRM1].len);
	ck_assert_ptr_nonnull(other);
	memcpy(other, arts[CRM1].bytes, arts[CRM1].len);
	other[arts[CRM1].len / 2] ^= 1;
	say(e, "find collision: %s", ename(be->artstore_find(e->db, arts[CRM1].a.xxh3, other, arts[CRM1].len, &id)));
	free(other);
	say(e, "find empty: %s", ename(be->artstore_find(e->db, arts[CRM1].a.xxh3, NULL, 0, &id)));
	commit(e);
}

static void s_installs(struct engine *e)
{
	const struct store_backend *be = e->be;
	struct install_row row;
	int rc;
	begin(e);
	e->t1 = make_tenant(e, "beta", 1500);
	e->t2 = make_tenant(e, "alpha", 1501);
	say(e, "tenant beta %s", nid(e, 't', e->t1));
	say(e, "tenant alpha %s", nid(e, 't', e->t2));
	static const int order[] = { CRM1, HD, TODO, SHOW, XCRM, EXA, EXB };
	for (size_t k = 0; k < N(order); k++) {
		int i = order[k];
		mode_t mode = i == HD ? (S_IFREG | 04640) : 0;
		int64_t mtime = i == HD ? 12345 : 0;
		rc = be->installs_add(e->db, e->t1, arts[i].a.id, arts[i].a.version_text, e->art[i], i == TODO, 2000 + 10 * i,
				      mode, mtime, &e->inst[i]);
		say(e, "add %s: %s %s", arts[i].a.id, ename(rc), nid(e, 'i', e->inst[i]));
		say_inst_attr(e, e->inst[i]);
	}
	rc = be->installs_add(e->db, e->t2, arts[CRM1].a.id, "1.0.0", e->art[CRM1], 0, 2500, 0, 0, &e->inst2_crm);
	say(e, "add t2 crm: %s %s", ename(rc), nid(e, 'i', e->inst2_crm));
	for (int i = 0; i < NARTS; i++) {
		if (i == CRM11)
			continue;
		say_install(e, "get", be->installs_get(e->db, e->t1, arts[i].a.id, &row), &row);
		say_install(e, "by_id", be->installs_by_id(e->db, e->inst[i], &row), &row);
	}
	say_install(e, "get unknown", be->installs_get(e->db, e->t2, arts[HD].a.id, &row), &row);
	say_install(e, "by_id unknown", be->installs_by_id(e->db, 999999, &row), &row);
	struct install_row *v;
	size_t n;
	int64_t tl[] = { e->t1, e->t2, 999999 };
	for (size_t k = 0; k < N(tl); k++) {
		rc = be->installs_list(e->db, tl[k], &v, &n);
		say(e, "list %s: %s n=%zu", nid(e, 't', tl[k]), ename(rc), n);
		for (size_t i = 0; i < n; i++)
			say_install(e, "  row", 0, &v[i]);
		free(v);
	}
	/* attributes: -1 keeps a value; a system install has none to set */
	say(e, "set_attr mode: %s", ename(be->installs_set_attr(e->db, e->inst[CRM1], S_IFREG | 0755, -1, 2100)));
	say_inst_attr(e, e->inst[CRM1]);
	say(e, "set_attr mtime: %s", ename(be->installs_set_attr(e->db, e->inst[CRM1], -1, 777, 2101)));
	say_inst_attr(e, e->inst[CRM1]);
	say(e, "set_attr system: %s", ename(be->installs_set_attr(e->db, e->inst[TODO], 0600, 1, 2102)));
	say_inst_attr(e, e->inst[TODO]);
	say(e, "set_attr unknown: %s", ename(be->installs_set_attr(e->db, 999999, 0600, 1, 2103)));
	/* package state and history */
	int64_t first = 0;
	int seeded = -1;
	say(e, "state_get: %s", ename(be->installs_state_get(e->db, e->t1, "com.acme.crm", &first, &seeded)));
	say(e, "state_put: %s", ename(be->installs_state_put(e->db, e->t1, "com.acme.crm", 2000, 0)));
	say(e, "state_put again: %s", ename(be->installs_state_put(e->db, e->t1, "com.acme.crm", 5555, 1)));
	rc = be->installs_state_get(e->db, e->t1, "com.acme.crm", &first, &seeded);
	say(e, "state_get: %s %lld %d", ename(rc), (long long)first, seeded);
	say(e, "state_get t2: %s", ename(be->installs_state_get(e->db, e->t2, "com.acme.crm", &first, &seeded)));
	say(e, "history: %s", ename(be->installs_history(e->db, e->t1, "com.acme.crm", "installed", NULL, "1.0.0", 2000)));
	say(e, "history: %s", ename(be->installs_history(e->db, e->t1, "com.acme.crm", "removed", "1.0.0", NULL, 2001)));
	commit(e);

	/* a package installed twice in a tenant, an artifact that is not
	 * stored: refused, each in a transaction of its own */
	int64_t id;
	begin(e);
	say(e, "add twice: %s", ename(be->installs_add(e->db, e->t1, "com.acme.crm", "9.0.0", e->art[CRM1], 0, 2600, 0, 0, &id)));
	be->db_rollback(e->db);
	begin(e);
	say(e, "add no artifact: %s", ename(be->installs_add(e->db, e->t1, "x.y", "1.0.0", 999999, 0, 2601, 0, 0, &id)));
	be->db_rollback(e->db);

	/* dependency edges, referrers */
	struct dep_edge *d;
	rc = be->installs_artifact_deps(e->db, e->art[HD], &d, &n);
	say_edges(e, "deps hd", rc, d, n);
	rc = be->installs_artifact_deps(e->db, e->art[CRM1], &d, &n);
	say_edges(e, "deps crm", rc, d, n);
	rc = be->installs_dependents(e->db, e->t1, "com.acme.crm", &d, &n);
	say_edges(e, "dependents crm t1", rc, d, n);
	rc = be->installs_dependents(e->db, e->t1, "sys.feeds", &d, &n);
	say_edges(e, "dependents sys.feeds t1", rc, d, n);
	rc = be->installs_dependents(e->db, e->t2, "com.acme.crm", &d, &n);
	say_edges(e, "dependents crm t2", rc, d, n);
	char pkg[STORE_PKG_MAX + 1];
	static const char *const refs[][2] = {
		{ "crm_account", "com.acme.crm" }, { "sys_user", "" }, { "sys_user", "com.acme.helpdesk" },
		{ "sys_user", "com.example.showcase" }, { "crm_contact", "" }, { "nothing", "" },
	};
	for (size_t k = 0; k < N(refs); k++) {
		pkg[0] = '\0';
		rc = be->installs_referrer(e->db, e->t1, refs[k][0], refs[k][1], pkg, sizeof(pkg));
		say(e, "referrer %s except '%s': %s %s", refs[k][0], refs[k][1], ename(rc), pkg);
	}
	rc = be->installs_referrer(e->db, e->t1, "sys_user", "", pkg, 6);
	say(e, "referrer truncated: %s %s", ename(rc), pkg);
}

static void s_claims(struct engine *e)
{
	const struct store_backend *be = e->be;
	char pkg[STORE_PKG_MAX + 1];
	int rc;
	begin(e);
	for (int i = 0; i < NARTS; i++) {
		if (i == CRM11)
			continue;
		rc = be->installs_claim(e->db, e->t1, CLAIM_NAMESPACE, arts[i].a.ns, e->inst[i]);
		say(e, "claim ns %s: %s", arts[i].a.ns, ename(rc));
		for (size_t k = 0; k < arts[i].r.nobjects; k++) {
			rc = be->installs_claim(e->db, e->t1, CLAIM_OBJECT, arts[i].r.objects[k].name, e->inst[i]);
			say(e, "claim object %s: %s", arts[i].r.objects[k].name, ename(rc));
		}
	}
	/* a name held: refused, and the transaction goes on */
	rc = be->installs_claim(e->db, e->t1, CLAIM_NAMESPACE, "crm", e->inst[HD]);
	say(e, "claim held: %s", ename(rc));
	rc = be->installs_claim(e->db, e->t1, CLAIM_OBJECT, "crm_account", e->inst[EXA]);
	say(e, "claim held object: %s", ename(rc));
	say(e, "claim_shared held: %s", ename(be->installs_claim_shared(e->db, e->t1, CLAIM_NAMESPACE, "crm", e->inst[HD])));
	say(e, "claim_shared sys: %s", ename(be->installs_claim_shared(e->db, e->t1, CLAIM_NAMESPACE, "sys", e->inst[TODO])));
	say(e, "claim_shared sys: %s", ename(be->installs_claim_shared(e->db, e->t1, CLAIM_NAMESPACE, "sys", e->inst[SHOW])));
	say(e, "claim t2: %s", ename(be->installs_claim(e->db, e->t2, CLAIM_NAMESPACE, "crm", e->inst2_crm)));
	say(e, "claim key: %s", ename(be->installs_claim(e->db, e->t1, "flows", "hd_escalate", e->inst[HD])));
	static const char *const owners[][2] = {
		{ CLAIM_NAMESPACE, "crm" }, { CLAIM_NAMESPACE, "sys" }, { CLAIM_OBJECT, "crm_account" },
		{ "flows", "hd_escalate" }, { CLAIM_OBJECT, "nothing" }, { "nothing", "crm" },
	};
	for (size_t k = 0; k < N(owners); k++) {
		pkg[0] = '\0';
		rc = be->installs_claim_owner(e->db, e->t1, owners[k][0], owners[k][1], pkg, sizeof(pkg));
		say(e, "owner %s %s: %s %s", owners[k][0], owners[k][1], ename(rc), pkg);
	}
	rc = be->installs_claim_owner(e->db, e->t2, CLAIM_NAMESPACE, "crm", pkg, 5);
	say(e, "owner t2 truncated: %s %s", ename(rc), pkg);
	commit(e);
	char **names;
	size_t n;
	for (int i = 0; i < NARTS; i++) {
		if (i == CRM11)
			continue;
		rc = be->registry_owned(e->db, e->inst[i], &names, &n);
		say_names(e, "owned", rc, names, n);
		rc = be->registry_extended(e->db, e->art[i], &names, &n);
		say_names(e, "extended", rc, names, n);
	}
	rc = be->registry_owned(e->db, 999999, &names, &n);
	say_names(e, "owned unknown", rc, names, n);
}

static void say_sources(struct engine *e, int64_t tenant, const char *name)
{
	struct registry_src s;
	int rc = e->be->registry_sources(e->db, tenant, name, &s);
	buf_printf(&e->out, "sources %s %s: %s owner=%s base=%zu/%016llx exts=%zu", nid(e, 't', tenant), name, ename(rc),
		   nid(e, 'i', s.owner), s.base_len, (unsigned long long)(s.base ? h64(s.base, s.base_len) : 0), s.nexts);
	for (size_t i = 0; i < s.nexts; i++)
		buf_printf(&e->out, " %zu/%016llx", s.ext_len[i], (unsigned long long)h64(s.exts[i], s.ext_len[i]));
	buf_addc(&e->out, '\n');
	REQUIRE(!s.base || s.base[s.base_len] == '\0');
	registry_src_free(&s);
}

static void s_registry(struct engine *e)
{
	const struct store_backend *be = e->be;
	struct changes ch = CHANGES_INIT;
	int changed = -1, rc;
	static const char *const objs[] = { "crm_account", "crm_contact", "hd_ticket", "showcase_account", "nothing" };
	for (size_t k = 0; k < N(objs); k++) {
		say_sources(e, e->t1, objs[k]);
		say_sources(e, e->t2, objs[k]);
	}
	struct registry_src s;
	ck_assert_int_eq(be->registry_sources(e->db, e->t1, "crm_account", &s), 0);
	begin(e);
	rc = be->registry_set(e->db, e->t1, "crm_account", s.owner, s.base, s.base_len, 3000, &ch, &changed);
	say(e, "set new: %s changed=%d", ename(rc), changed);
	say_changes(e, "set new", &ch);
	rc = be->registry_set(e->db, e->t1, "crm_account", e->inst[HD], s.base, s.base_len, 3001, &ch, &changed);
	say(e, "set same: %s changed=%d", ename(rc), changed);
	say_changes(e, "set same", &ch);
	rc = be->registry_set(e->db, e->t1, "crm_account", s.owner, s.exts[0], s.ext_len[0], 3002, &ch, &changed);
	say(e, "set other: %s changed=%d", ename(rc), changed);
	say_changes(e, "set other", &ch);
	rc = be->registry_set(e->db, e->t1, "crm_account", s.owner, "", 0, 3003, &ch, &changed);
	say(e, "set empty: %s changed=%d", ename(rc), changed);
	say_changes(e, "set empty", &ch);
	rc = be->registry_set(e->db, e->t1, "crm_account", s.owner, "", 0, 3004, &ch, &changed);
	say(e, "set empty again: %s changed=%d", ename(rc), changed);
	say_changes(e, "set empty again", &ch);
	rc = be->registry_set(e->db, e->t1, "crm_account", 0, NULL, 0, 3005, &ch, &changed);
	say(e, "set remove: %s changed=%d", ename(rc), changed);
	say_changes(e, "set remove", &ch);
	rc = be->registry_set(e->db, e->t1, "crm_account", 0, NULL, 0, 3006, &ch, &changed);
	say(e, "set remove absent: %s changed=%d", ename(rc), changed);
	say_changes(e, "set remove absent", &ch);
	rc = be->registry_set(e->db, e->t1, "crm_account", s.owner, s.base, s.base_len, 3007, &ch, &changed);
	say(e, "set again: %s changed=%d", ename(rc), changed);
	say_changes(e, "set again", &ch);
	rc = be->registry_set(e->db, e->t2, "crm_account", e->inst2_crm, s.base, s.base_len, 3008, &ch, &changed);
	say(e, "set t2: %s changed=%d", ename(rc), changed);
	say_changes(e, "set t2", &ch);
	commit(e);
	registry_src_free(&s);
}

struct versions {
	struct buf b;
	int stop_after;
};

static int on_version(const char *version, void *ctx)
{
	struct versions *v = ctx;
	buf_printf(&v->b, " %s", version);
	return --v->stop_after == 0 ? 7 : 0;
}

static void say_row(struct engine *e, const char *what, int rc, const struct catalog_row *r)
{
	if (rc)
		say(e, "%s: %s", what, ename(rc));
	else
		say(e, "%s: %s %s@%s size=%llu xxh3=%016llx art=%s origin=%s url=%s", what, nid(e, 'c', r->id), r->pkg,
		    r->version, (unsigned long long)r->size, (unsigned long long)r->xxh3, nid(e, 'a', r->artifact),
		    r->origin, r->url);
}

static struct catalog_row crow(const char *pkg, const char *version, const struct art *a, int64_t art,
			       const char *origin, const char *url)
{
	struct catalog_row r;
	memset(&r, 0, sizeof(r));
	snprintf(r.pkg, sizeof(r.pkg), "%s", pkg);
	snprintf(r.version, sizeof(r.version), "%s", version);
	r.size = a ? a->len : 4242;
	r.xxh3 = a ? a->a.xxh3 : 0x8000000000000001ull; /* the top bit: a negative bigint */
	r.artifact = art;
	snprintf(r.origin, sizeof(r.origin), "%s", origin);
	snprintf(r.url, sizeof(r.url), "%s", url);
	return r;
}

static void s_catalog(struct engine *e)
{
	const struct store_backend *be = e->be;
	struct changes ch = CHANGES_INIT;
	struct catalog_row cur;
	int rc;
	begin(e);
	struct catalog_row rows[] = {
		crow("com.acme.crm", "1.0.0", &arts[CRM1], e->art[CRM1], "local", ""),
		crow("com.acme.crm", "1.10.0", NULL, 0, "remote", "http://127.0.0.1:1/packages/crm/1.10.0.json"),
		crow("com.acme.crm", "1.2.0", &arts[CRM11], e->art[CRM11], "preload", ""),
		crow("com.acme.helpdesk", "0.3.0", &arts[HD], e->art[HD], "local", ""),
	};
	for (size_t k = 0; k < N(rows); k++) {
		rc = be->catdb_add(e->db, &rows[k], 4000 + (int64_t)k, &ch);
		say(e, "add %s@%s: %s", rows[k].pkg, rows[k].version, ename(rc));
		say_changes(e, "add", &ch);
	}
	/* listed already: refused, and the transaction goes on */
	rc = be->catdb_add(e->db, &rows[0], 4010, &ch);
	say(e, "add twice: %s", ename(rc));
	say_changes(e, "add twice", &ch);
	for (size_t k = 0; k < N(rows); k++) {
		say_row(e, "get", be->catdb_get(e->db, rows[k].pkg, rows[k].version, &cur), &cur);
		say_row(e, "by_id", be->catdb_by_id(e->db, cur.id, &cur), &cur);
	}
	say_row(e, "get unknown", be->catdb_get(e->db, "com.acme.crm", "3.0.0", &cur), &cur);
	say_row(e, "by_id unknown", be->catdb_by_id(e->db, 999999, &cur), &cur);
	/* what a remote index says */
	rc = be->catdb_remote(e->db, &rows[1], 4020, &ch);
	say(e, "remote same: %s", ename(rc));
	say_changes(e, "remote same", &ch);
	struct catalog_row moved = rows[1];
	moved.xxh3 ^= 0xff;
	moved.size++;
	rc = be->catdb_remote(e->db, &moved, 4021, &ch);
	say(e, "remote other bytes: %s", ename(rc));
	say_changes(e, "remote other bytes", &ch);
	say_row(e, "get moved", be->catdb_get(e->db, moved.pkg, moved.version, &cur), &cur);
	struct catalog_row relisted = rows[0];
	relisted.xxh3 ^= 1;
	rc = be->catdb_remote(e->db, &relisted, 4022, &ch);
	say(e, "remote downloaded: %s", ename(rc));
	say_changes(e, "remote downloaded", &ch);
	struct catalog_row two = crow("com.acme.crm", "2.0.0", NULL, 0, "remote", "http://127.0.0.1:1/crm-2.json");
	rc = be->catdb_remote(e->db, &two, 4023, &ch);
	say(e, "remote new: %s", ename(rc));
	say_changes(e, "remote new", &ch);
	ck_assert_int_eq(be->catdb_get(e->db, "com.acme.crm", "2.0.0", &cur), 0);
	say(e, "set_artifact: %s", ename(be->catdb_set_artifact(e->db, cur.id, e->art[CRM11])));
	say_row(e, "get 2.0.0", be->catdb_get(e->db, "com.acme.crm", "2.0.0", &cur), &cur);
	/* the package folders: their ids came with the changes (p1, p2) */
	char pkg[STORE_PKG_MAX + 1];
	for (size_t k = 0; k < e->nseen; k++)
		if (e->seen[k].kind == 'p') {
			pkg[0] = '\0';
			rc = be->catdb_pkg_of(e->db, e->seen[k].id, pkg, sizeof(pkg));
			say(e, "pkg_of %s: %s %s", nid(e, 'p', e->seen[k].id), ename(rc), pkg);
		}
	say(e, "pkg_of unknown: %s", ename(be->catdb_pkg_of(e->db, 999999, pkg, sizeof(pkg))));
	struct versions v = { BUF_INIT, 0 };
	rc = be->catdb_each_version(e->db, "com.acme.crm", on_version, &v);
	say(e, "versions: %s%s", ename(rc), buf_str(&v.b));
	buf_free(&v.b);
	v = (struct versions){ BUF_INIT, 2 };
	rc = be->catdb_each_version(e->db, "com.acme.crm", on_version, &v);
	say(e, "versions stopped: %s%s", ename(rc), buf_str(&v.b));
	buf_free(&v.b);
	v = (struct versions){ BUF_INIT, 0 };
	rc = be->catdb_each_version(e->db, "nothing", on_version, &v);
	say(e, "versions none: %s%s", ename(rc), buf_str(&v.b));
	buf_free(&v.b);
	char in[64];
	rc = be->catdb_installed_in(e->db, "com.acme.crm", "1.0.0", in, sizeof(in));
	say(e, "installed_in: %d '%s'", rc, in);
	rc = be->catdb_installed_in(e->db, "com.acme.crm", "1.0.0", in, 8);
	say(e, "installed_in short: %d '%s'", rc, in);
	rc = be->catdb_installed_in(e->db, "com.acme.crm", "1.2.0", in, sizeof(in));
	say(e, "installed_in none: %d '%s'", rc, in);
	commit(e);

	/* removals: an artifact goes with its last reference */
	int64_t id;
	begin(e);
	static const char *const gone[] = { "2.0.0", "1.2.0" };
	for (size_t k = 0; k < N(gone); k++) {
		ck_assert_int_eq(be->catdb_get(e->db, "com.acme.crm", gone[k], &cur), 0);
		rc = be->catdb_remove(e->db, &cur, 4100 + (int64_t)k, &ch);
		say(e, "remove %s: %s", gone[k], ename(rc));
		say_changes(e, "remove", &ch);
		rc = be->artstore_find(e->db, arts[CRM11].a.xxh3, arts[CRM11].bytes, arts[CRM11].len, &id);
		say(e, "  crm 1.1.0 artifact: %s", ename(rc));
	}
	rc = be->catdb_remove_dir(e->db, "com.acme.crm", 4110, &ch);
	say(e, "remove_dir busy: %s", ename(rc));
	say_changes(e, "remove_dir busy", &ch);
	static const char *const rest[] = { "1.0.0", "1.10.0" };
	for (size_t k = 0; k < N(rest); k++) {
		ck_assert_int_eq(be->catdb_get(e->db, "com.acme.crm", rest[k], &cur), 0);
		rc = be->catdb_remove(e->db, &cur, 4120 + (int64_t)k, &ch);
		say(e, "remove %s: %s", rest[k], ename(rc));
		say_changes(e, "remove", &ch);
	}
	rc = be->artstore_find(e->db, arts[CRM1].a.xxh3, arts[CRM1].bytes, arts[CRM1].len, &id);
	say(e, "  crm 1.0.0 artifact (installed): %s %s", ename(rc), nid(e, 'a', id));
	rc = be->catdb_remove_dir(e->db, "com.acme.crm", 4130, &ch);
	say(e, "remove_dir: %s", ename(rc));
	say_changes(e, "remove_dir", &ch);
	rc = be->catdb_remove_dir(e->db, "com.acme.crm", 4131, &ch);
	say(e, "remove_dir again: %s", ename(rc));
	say_changes(e, "remove_dir again", &ch);
	rc = be->catdb_remove_dir(e->db, "nothing", 4132, &ch);
	say(e, "remove_dir unknown: %s", ename(rc));
	say_changes(e, "remove_dir unknown", &ch);
	commit(e);
}

static void say_http(struct engine *e, const char *url)
{
	char etag[64] = "?";
	struct buf body = BUF_INIT;
	int rc = e->be->catdb_http_get(e->db, url, etag, sizeof(etag), &body);
	say(e, "http_get %s: %s etag='%s' body=%zu/%016llx", url, ename(rc), etag, body.len,
	    (unsigned long long)h64(body.p ? body.p : "", body.len));
	buf_free(&body);
}

static void s_http(struct engine *e)
{
	const struct store_backend *be = e->be;
	static const char bin[] = "{\"a\":1}\0\xff\x00tail";
	const char *u1 = "http://127.0.0.1:1/index.json", *u2 = "http://127.0.0.1:1/packages/a.json";
	say_http(e, u1);
	begin(e);
	say(e, "http_put: %s", ename(be->catdb_http_put(e->db, u1, "W/\"1\"", bin, sizeof(bin) - 1, 5000)));
	say(e, "http_put: %s", ename(be->catdb_http_put(e->db, u2, NULL, NULL, 0, 5001)));
	commit(e);
	say_http(e, u1);
	say_http(e, u2);
	begin(e);
	say(e, "http_put again: %s", ename(be->catdb_http_put(e->db, u1, NULL, "", 0, 5002)));
	commit(e);
	say_http(e, u1);
}

/* Uninstalls: claims go with the install, artifacts with their last user;
 * new rows get ids never handed out before. */
static void s_gc(struct engine *e)
{
	const struct store_backend *be = e->be;
	struct changes ch = CHANGES_INIT;
	struct catalog_row cur;
	char pkg[STORE_PKG_MAX + 1];
	int64_t id;
	int rc;
	begin(e);
	say(e, "delete hd: %s", ename(be->installs_delete(e->db, e->inst[HD])));
	say(e, "owner hd: %s", ename(be->installs_claim_owner(e->db, e->t1, CLAIM_NAMESPACE, "hd", pkg, sizeof(pkg))));
	say(e, "gc hd (listed): %s", ename(be->artstore_gc(e->db, e->art[HD])));
	say(e, "find hd: %s", ename(be->artstore_find(e->db, arts[HD].a.xxh3, arts[HD].bytes, arts[HD].len, &id)));
	ck_assert_int_eq(be->catdb_get(e->db, "com.acme.helpdesk", "0.3.0", &cur), 0);
	say(e, "remove hd: %s", ename(be->catdb_remove(e->db, &cur, 6000, &ch)));
	say_changes(e, "remove hd", &ch);
	say(e, "find hd: %s", ename(be->artstore_find(e->db, arts[HD].a.xxh3, arts[HD].bytes, arts[HD].len, &id)));
	say(e, "delete crm: %s", ename(be->installs_delete(e->db, e->inst[CRM1])));
	say_sources(e, e->t1, "crm_account");
	say(e, "gc crm (t2 has it): %s", ename(be->artstore_gc(e->db, e->art[CRM1])));
	say(e, "find crm: %s", ename(be->artstore_find(e->db, arts[CRM1].a.xxh3, arts[CRM1].bytes, arts[CRM1].len, &id)));
	say(e, "delete t2 crm: %s", ename(be->installs_delete(e->db, e->inst2_crm)));
	say(e, "gc crm: %s", ename(be->artstore_gc(e->db, e->art[CRM1])));
	say(e, "find crm: %s", ename(be->artstore_find(e->db, arts[CRM1].a.xxh3, arts[CRM1].bytes, arts[CRM1].len, &id)));
	say(e, "delete again: %s", ename(be->installs_delete(e->db, e->inst2_crm)));
	say(e, "gc unknown: %s", ename(be->artstore_gc(e->db, 999999)));
	/* stored and installed anew: new ids */
	e->old_art_crm1 = e->art[CRM1];
	e->old_inst_crm1 = e->inst[CRM1];
	rc = be->artstore_ensure(e->db, &arts[CRM1].r, 0, 6100, &e->art[CRM1]);
	say(e, "ensure crm: %s %s", ename(rc), nid(e, 'a', e->art[CRM1]));
	rc = be->installs_add(e->db, e->t1, "com.acme.crm", "1.0.0", e->art[CRM1], 0, 6200, 0, 0, &e->inst[CRM1]);
	say(e, "add crm: %s %s", ename(rc), nid(e, 'i', e->inst[CRM1]));
	commit(e);
	ck_assert_int_gt(e->art[CRM1], e->art[NARTS - 1]);
	ck_assert_int_gt(e->inst[CRM1], e->inst2_crm);
}

static void scenario(struct engine *e)
{
	s_artstore(e);
	s_installs(e);
	s_claims(e);
	s_registry(e);
	s_catalog(e);
	s_http(e);
	s_gc(e);
	ck_assert_int_eq(buf_error(&e->out), 0);
}

/* ------------------------------------------------------------ tests */

static struct engine sq, pg;

static void setup(void)
{
	arts_load();
	engine_open(&sq, 0);
	engine_open(&pg, 1);
}

static void teardown(void)
{
	engine_close(&sq);
	engine_close(&pg);
	arts_free();
}

START_TEST(test_same_as_sqlite)
{
	scenario(&sq);
	scenario(&pg);
	if (getenv("OSFS_CHECK_VERBOSE"))
		fputs(buf_str(&pg.out), stderr);
	same_lines(buf_str(&sq.out), buf_str(&pg.out));
	/* and what the reference says, so that both cannot be wrong alike */
	const char *o = buf_str(&pg.out);
	has(o, "put unrendered: EINVAL\n");
	has(o, "find collision: ENOENT\n");
	has(o, "add twice: EEXIST\n");
	has(o, "add no artifact: EEXIST\n");
	has(o, "claim held: EEXIST\nclaim held object: EEXIST\nclaim_shared held: 0\n");
	has(o, "set_attr system: ENOENT\n");
	has(o, "state_get: 0 2000 1\n");
	has(o, "versions: 0 1.0.0 1.10.0 1.2.0 2.0.0\n");
	has(o, "versions stopped: 7 1.0.0 1.10.0\n");
	has(o, "installed_in: 2 'alpha, beta'\n");
	has(o, "remove_dir busy: ENOTEMPTY\n");
	has(o, "remove_dir again: ENOENT\n");
	has(o, "set same: 0 changed=0\n");
	has(o, "set remove absent: 0 changed=1\n");
	has(o, "extended: 0 n=2 crm_account crm_contact\n");
	has(o, "dependents crm t1: 0 n=1 [com.acme.helpdesk ^1.0.0 0.3.0]\n");
	has(o, "deps hd: 0 n=2 [com.acme.crm ^1.0.0 -] [sys.feeds * -]\n");
}
END_TEST

/* What PostgreSQL keeps, row by row, after the scenario. */
static long long pq1(struct db *db, const char *sql, int64_t arg)
{
	PGresult *r;
	ck_assert_int_eq(pg_query(db, sql, PG_ARGS(pg_i64(arg)), &r), 0);
	long long v = PQntuples(r) && !pg_is_null(r, 0, 0) ? pg_get_i64(r, 0, 0) : -1;
	PQclear(r);
	return v;
}

START_TEST(test_pg_rows)
{
	scenario(&pg);
	struct db *db = pg.db;
	/* NULL versions in the history, as SQLite keeps them */
	ck_assert_int_eq(pq1(db, "SELECT count(*) FROM history WHERE tenant=$1 AND from_version IS NULL", pg.t1), 1);
	ck_assert_int_eq(pq1(db, "SELECT count(*) FROM history WHERE tenant=$1 AND to_version IS NULL", pg.t1), 1);
	/* an extension's priority exactly (50.25), bit for bit */
	PGresult *r;
	ck_assert_int_eq(pg_query(db, "SELECT priority FROM art_exts WHERE artifact=$1 ORDER BY seq",
				  PG_ARGS(pg_i64(pg.art[EXA])), &r), 0);
	ck_assert_int_eq(PQntuples(r), 3);
	ck_assert(pg_get_f64(r, 0, 0) == 300.0 && pg_get_f64(r, 1, 0) == 50.25 && pg_get_f64(r, 2, 0) == 1.0);
	PQclear(r);
	/* references stored once each however often the artifact names them */
	ck_assert_int_eq(pq1(db, "SELECT count(*) - count(DISTINCT target) FROM art_refs WHERE artifact=$1", pg.art[SHOW]), 0);
	ck_assert_int_gt(pq1(db, "SELECT count(*) FROM art_refs WHERE artifact=$1", pg.art[SHOW]), 0);
	/* a 64-bit hash with its top bit set, bit-cast */
	ck_assert_int_eq(pq1(db, "SELECT count(*) FROM artifacts WHERE id=$1 AND xxh3 < 0", pg.art[SHOW]),
			 (int64_t)arts[SHOW].a.xxh3 < 0);
	/* the uninstalled package's objects lost their owner (ON DELETE SET NULL) */
	ck_assert_int_eq(pq1(db, "SELECT count(*) FROM registry WHERE tenant=$1 AND install IS NULL", pg.t1), 1);
	/* claims went with their install */
	ck_assert_int_eq(pq1(db, "SELECT count(*) FROM claims WHERE install=$1", pg.old_inst_crm1), 0);
	/* install/<id>.json of an install without its own mode/mtime */
	ck_assert_int_eq(pq1(db, "SELECT mode FROM installs WHERE id=$1", pg.inst[CRM1]), 0644);
	ck_assert_int_eq(pq1(db, "SELECT mtime FROM installs WHERE id=$1", pg.inst[CRM1]), 6201);
	ck_assert_int_eq(pq1(db, "SELECT ctime FROM installs WHERE id=$1", pg.inst[CRM1]), 6201);
	ck_assert_int_eq(pq1(db, "SELECT mode FROM installs WHERE id=$1", pg.inst[HD]), -1); /* deleted */
	/* new ids are above every id handed out, deleted rows included */
	ck_assert_int_gt(pg.art[CRM1], pg.old_art_crm1);
	ck_assert_int_gt(pg.inst[CRM1], pg.old_inst_crm1);
	ck_assert_int_eq(pq1(db, "SELECT count(*) FROM catalog_pkgs WHERE id > $1", 0), 1); /* helpdesk's folder */
	/* the catalog's clock moved with its last change */
	ck_assert_int_eq(pq1(db, "SELECT value FROM meta WHERE key='catalog_mtime' AND $1 = 0", 0), 6000);
}
END_TEST

/* A statement that fails inside a transaction fails the transaction in
 * PostgreSQL: its commit must then fail too, with the first error. */
START_TEST(test_pg_failed_transaction)
{
	struct engine *e = &pg;
	int64_t id;
	s_artstore(e);
	begin(e);
	e->t1 = make_tenant(e, "t", 1);
	ck_assert_int_eq(pg_installs_add(e->db, e->t1, "p", "1", 999999, 0, 2, 0, 0, &id), -EEXIST);
	ck_assert_int_ne(pg_installs_add(e->db, e->t1, "q", "1", e->art[CRM1], 0, 3, 0, 0, &id), 0);
	ck_assert_int_eq(pg_db_commit(e->db), -EEXIST);
	struct install_row row;
	ck_assert_int_eq(pg_installs_get(e->db, e->t1, "q", &row), -ENOENT);
}
END_TEST

/* A read-only store refuses every write of these groups, alike. */
static void s_readonly(struct engine *e, struct engine *ro)
{
	const struct store_backend *be = ro->be;
	struct changes ch = CHANGES_INIT;
	struct catalog_row row = crow("com.acme.crm", "7.0.0", &arts[CRM11], 0, "local", "");
	int64_t id;
	int changed;
	struct install_row ir;
	char pkg[STORE_PKG_MAX + 1];
	say(ro, "ro get: %s", ename(be->installs_get(ro->db, e->t1, "com.acme.crm", &ir)));
	say(ro, "ro owner: %s", ename(be->installs_claim_owner(ro->db, e->t1, CLAIM_NAMESPACE, "crm", pkg, sizeof(pkg))));
	say(ro, "ro put: %s", ename(be->artstore_put(ro->db, &arts[CRM11].r, 0, 7000, &id)));
	say(ro, "ro ensure: %s", ename(be->artstore_ensure(ro->db, &arts[CRM1].r, 0, 7000, &id)));
	say(ro, "ro ensure new: %s", ename(be->artstore_ensure(ro->db, &arts[CRM11].r, 0, 7000, &id)));
	say(ro, "ro gc: %s", ename(be->artstore_gc(ro->db, e->art[CRM1])));
	say(ro, "ro add: %s", ename(be->installs_add(ro->db, e->t1, "x.y", "1.0.0", e->art[CRM1], 0, 7001, 0, 0, &id)));
	say(ro, "ro claim: %s", ename(be->installs_claim(ro->db, e->t1, "flows", "f", e->inst[CRM1])));
	say(ro, "ro delete: %s", ename(be->installs_delete(ro->db, e->inst[SHOW])));
	say(ro, "ro state_put: %s", ename(be->installs_state_put(ro->db, e->t1, "x.y", 1, 1)));
	say(ro, "ro history: %s", ename(be->installs_history(ro->db, e->t1, "x.y", "installed", NULL, "1", 1)));
	say(ro, "ro catdb_add: %s", ename(be->catdb_add(ro->db, &row, 7002, &ch)));
	say_changes(ro, "ro catdb_add", &ch);
	say(ro, "ro http_put: %s", ename(be->catdb_http_put(ro->db, "http://127.0.0.1:1/x", NULL, "", 0, 7003)));
	say(ro, "ro registry_set: %s",
	    ename(be->registry_set(ro->db, e->t1, "todo_task", e->inst[TODO], "{}", 2, 7004, &ch, &changed)));
	say_changes(ro, "ro registry_set", &ch);
}

static void open_readonly(struct engine *ro, const struct engine *e, int is_pg)
{
	char err[512] = "";
	int rc;
	memset(ro, 0, sizeof(*ro));
	ro->out = (struct buf)BUF_INIT;
	ro->name = e->name;
	ro->be = e->be;
	if (is_pg) {
		rc = pg_store_open(&ro->st, pg_server.uri, 1, err, sizeof(err));
	} else {
		rc = sq_store_open(&ro->st, e->path, 1, err, sizeof(err));
	}
	ck_assert_msg(rc == 0, "%s: open read-only: %d %s", e->name, rc, err);
	ck_assert_ptr_nonnull(ro->db = ro->be->store_acquire(ro->st));
}

START_TEST(test_readonly_same)
{
	struct engine ro_sq, ro_pg;
	s_artstore(&sq);
	s_installs(&sq);
	s_artstore(&pg);
	s_installs(&pg);
	open_readonly(&ro_sq, &sq, 0);
	open_readonly(&ro_pg, &pg, 1);
	s_readonly(&sq, &ro_sq);
	s_readonly(&pg, &ro_pg);
	if (getenv("OSFS_CHECK_VERBOSE"))
		fputs(buf_str(&ro_pg.out), stderr);
	same_lines(buf_str(&ro_sq.out), buf_str(&ro_pg.out));
	has(buf_str(&ro_pg.out), "ro get: 0\n");
	has(buf_str(&ro_pg.out), "ro add: EROFS\n");
	has(buf_str(&ro_pg.out), "ro registry_set: EROFS\n");
	engine_close(&ro_sq);
	engine_close(&ro_pg);
}
END_TEST

/* Two daemons claim one name at once: the second writer waits at
 * db_begin for the first one's commit (every write transaction holds the
 * engine's write lock, as BEGIN IMMEDIATE on SQLite), then gets -EEXIST,
 * and its transaction goes on: it commits what else it did. */
struct racer {
	const struct store_backend *be;
	struct store *st;
	pthread_barrier_t *go;
	int64_t tenant, install;
	int claim_rc, add_rc, commit_rc;
};

static struct catalog_row race_row(void)
{
	return crow("com.race", "1.0.0", NULL, 0, "remote", "http://127.0.0.1:1/r.json");
}

static void *race_first(void *p)
{
	struct racer *r = p;
	struct catalog_row row = race_row();
	struct changes ch = CHANGES_INIT;
	struct db *db = r->be->store_acquire(r->st);
	int rc = db ? r->be->db_begin(db) : -EIO;
	if (rc == 0) {
		r->claim_rc = r->be->installs_claim(db, r->tenant, "flows", "race", r->install);
		r->add_rc = r->be->catdb_add(db, &row, 8000, &ch);
	}
	pthread_barrier_wait(r->go); /* rows held, uncommitted */
	usleep(200000);               /* the other is waiting in db_begin */
	r->commit_rc = rc ? rc : r->be->db_commit(db);
	changes_free(&ch);
	r->be->store_release(db);
	return NULL;
}

START_TEST(test_pg_claim_race)
{
	struct engine *e = &pg;
	const struct store_backend *be = e->be;
	pthread_barrier_t go;
	s_artstore(e);
	s_installs(e);
	ck_assert_int_eq(pthread_barrier_init(&go, NULL, 2), 0);
	struct racer a = { be, e->st, &go, e->t1, e->inst[CRM1], 1, 1, 1 };
	pthread_t ta;
	ck_assert_int_eq(pthread_create(&ta, NULL, race_first, &a), 0);
	pthread_barrier_wait(&go);
	struct db *db = be->store_acquire(e->st);
	struct changes ch = CHANGES_INIT;
	struct catalog_row row = race_row();
	char pkg[STORE_PKG_MAX + 1];
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(be->db_begin(db), 0); /* returns once the first committed */
	ck_assert_int_eq(be->installs_claim(db, e->t1, "flows", "race", e->inst[HD]), -EEXIST);
	ck_assert_int_eq(be->catdb_add(db, &row, 8001, &ch), -EEXIST);
	ck_assert_int_eq(be->installs_claim(db, e->t1, "flows", "race2", e->inst[HD]), 0);
	ck_assert_int_eq(be->db_commit(db), 0);
	ck_assert_int_eq(pthread_join(ta, NULL), 0);
	ck_assert_int_eq(a.claim_rc, 0);
	ck_assert_int_eq(a.add_rc, 0);
	ck_assert_int_eq(a.commit_rc, 0);
	ck_assert_int_eq(be->installs_claim_owner(db, e->t1, "flows", "race", pkg, sizeof(pkg)), 0);
	ck_assert_str_eq(pkg, "com.acme.crm");
	ck_assert_int_eq(be->installs_claim_owner(db, e->t1, "flows", "race2", pkg, sizeof(pkg)), 0);
	ck_assert_str_eq(pkg, "com.acme.helpdesk");
	changes_free(&ch);
	be->store_release(db);
	pthread_barrier_destroy(&go);
}
END_TEST

static Suite *pg_installs_suite(void)
{
	Suite *s = suite_create("pg_installs");
	TCase *tc = tcase_create("engines");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_as_sqlite);
	tcase_add_test(tc, test_pg_rows);
	tcase_add_test(tc, test_pg_failed_transaction);
	tcase_add_test(tc, test_readonly_same);
	tcase_add_test(tc, test_pg_claim_race);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	pg_server_start();
	sqlite_dir_make();
	SRunner *sr = srunner_create(pg_installs_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pg_server_stop();
	sqlite_dir_remove();
	return failed ? 1 : 0;
}
