/* uploads: pending uploads of install/ directories. */
#include "fs/uploads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void uploads_init(struct uploads *u)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	pthread_mutex_init(&u->bytes_lock, NULL);
	u->next_id = 1;
}

static void upload_free(struct upload *up)
{
	free(up->name);
	free(up->expect_id);
	free(up->error);
	free(up->relist);
	buf_free(&up->data);
	pthread_mutex_destroy(&up->lock);
	free(up);
}

void uploads_destroy(struct uploads *u)
{
	while (u->head) {
		struct upload *n = u->head->next;
		upload_free(u->head);
		u->head = n;
	}
	free(u->payers);
	pthread_mutex_destroy(&u->lock);
	pthread_mutex_destroy(&u->bytes_lock);
}

struct upload *uploads_new(struct uploads *u, int64_t tenant, const char *tenant_name, const char *name,
			   mode_t mode, uid_t uid, gid_t gid)
{
	struct upload *up = calloc(1, sizeof(*up));
	if (!up || (name && !(up->name = strdup(name)))) {
		free(up);
		return NULL;
	}
	pthread_mutex_init(&up->lock, NULL);
	up->tenant = tenant;
	snprintf(up->tenant_name, sizeof(up->tenant_name), "%s", tenant_name);
	up->mode = mode & 07777;
	up->uid = uid;
	up->gid = gid;
	up->payer = uid;
	up->refs = 1;
	up->dirty = 1; /* a created file installs on close even if empty */
	pthread_mutex_lock(&u->lock);
	up->id = u->next_id++;
	/* Keep the list in id order: readdir offsets follow it. */
	struct upload **p = &u->head;
	while (*p)
		p = &(*p)->next;
	*p = up;
	pthread_mutex_unlock(&u->lock);
	return up;
}

struct upload *uploads_find(struct uploads *u, int64_t tenant, const char *name)
{
	pthread_mutex_lock(&u->lock);
	struct upload *up = u->head;
	while (up && !(up->tenant == tenant && up->name && !strcmp(up->name, name)))
		up = up->next;
	if (up)
		up->refs++;
	pthread_mutex_unlock(&u->lock);
	return up;
}

struct upload *uploads_get(struct uploads *u, uint64_t id)
{
	pthread_mutex_lock(&u->lock);
	struct upload *up = u->head;
	while (up && up->id != id)
		up = up->next;
	if (up)
		up->refs++;
	pthread_mutex_unlock(&u->lock);
	return up;
}

struct upload *uploads_replacing(struct uploads *u, uint64_t ino)
{
	pthread_mutex_lock(&u->lock);
	struct upload *up = u->head;
	while (up && !(up->expect_id && up->replaces == ino))
		up = up->next;
	if (up)
		up->refs++;
	pthread_mutex_unlock(&u->lock);
	return up;
}

void uploads_ref(struct uploads *u, struct upload *up)
{
	pthread_mutex_lock(&u->lock);
	up->refs++;
	pthread_mutex_unlock(&u->lock);
}

/* Unlinks up from the list and frees it if nothing holds it any more.
 * Called with u->lock held. */
static void maybe_free(struct uploads *u, struct upload *up)
{
	if (up->refs > 0 || up->name)
		return;
	for (struct upload **p = &u->head; *p; p = &(*p)->next) {
		if (*p == up) {
			*p = up->next;
			break;
		}
	}
	uploads_charge(u, up, up->data.len, 0, NULL);
	upload_free(up);
}

void uploads_put(struct uploads *u, struct upload *up)
{
	if (!up)
		return;
	pthread_mutex_lock(&u->lock);
	up->refs--;
	maybe_free(u, up);
	pthread_mutex_unlock(&u->lock);
}

int uploads_name(struct uploads *u, struct upload *up, char *out, size_t len)
{
	pthread_mutex_lock(&u->lock);
	int listed = up->name != NULL;
	snprintf(out, len, "%s", listed ? up->name : "");
	pthread_mutex_unlock(&u->lock);
	return listed;
}

int uploads_rename(struct uploads *u, struct upload *up, const char *name)
{
	char *copy = NULL;
	if (name && !(copy = strdup(name)))
		return -ENOMEM;
	pthread_mutex_lock(&u->lock);
	if (name) {
		/* A listed upload of that name is replaced, as rename(2) does. */
		for (struct upload *o = u->head; o; o = o->next) {
			if (o != up && o->tenant == up->tenant && o->name && !strcmp(o->name, name)) {
				free(o->name);
				o->name = NULL;
				maybe_free(u, o);
				break;
			}
		}
	}
	free(up->name);
	up->name = copy;
	pthread_mutex_unlock(&u->lock);
	return 0;
}

int uploads_list_if_free(struct uploads *u, struct upload *up, const char *name)
{
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&u->lock);
	int taken = up->name != NULL;
	for (struct upload *o = u->head; o && !taken; o = o->next)
		taken = o != up && o->tenant == up->tenant && o->name && !strcmp(o->name, name);
	if (!taken) {
		up->name = copy;
		copy = NULL;
	}
	pthread_mutex_unlock(&u->lock);
	free(copy);
	return taken ? -EEXIST : 0;
}

void uploads_each(struct uploads *u, int64_t tenant, uint64_t after, int (*fn)(void *ctx, struct upload *up),
		  void *ctx)
{
	pthread_mutex_lock(&u->lock);
	for (struct upload *up = u->head; up; up = up->next)
		if (up->tenant == tenant && up->name && !up->alias_of && up->id > after && fn(ctx, up))
			break;
	pthread_mutex_unlock(&u->lock);
}

/* The payer entry of uid, made if make and there is none; NULL if there
 * is none (or no memory for it).  Called with bytes_lock held. */
static struct upload_payer *payer_of(struct uploads *u, uid_t uid, int make)
{
	for (size_t i = 0; i < u->npayers; i++)
		if (u->payers[i].uid == uid)
			return &u->payers[i];
	if (!make)
		return NULL;
	if (u->npayers == u->cap_payers) {
		size_t cap = u->cap_payers ? u->cap_payers * 2 : 8;
		struct upload_payer *p = realloc(u->payers, cap * sizeof(*p));
		if (!p)
			return NULL;
		u->payers = p;
		u->cap_payers = cap;
	}
	u->payers[u->npayers] = (struct upload_payer){ uid, 0 };
	return &u->payers[u->npayers++];
}

static size_t minus(size_t a, size_t b)
{
	return a > b ? a - b : 0;
}

/* Whose budget a growth from old_len to new_len bytes by a payer holding
 * held bytes would exceed: -EDQUOT (its own), -ENOSPC (everyone's but
 * root's), or 0.  Called with u->bytes_lock held. */
static int over_budget(const struct uploads *u, int root, size_t held, size_t old_len, size_t new_len)
{
	if (new_len <= old_len)
		return 0;
	if (minus(held, old_len) + new_len > u->budget.per_uid)
		return -EDQUOT;
	if (!root && minus(u->others, old_len) + new_len > u->budget.total)
		return -ENOSPC;
	return 0;
}

int uploads_charge(struct uploads *u, const struct upload *up, size_t old_len, size_t new_len,
		   struct upload_refusal *why)
{
	int rc = 0, root = up->payer == 0;
	pthread_mutex_lock(&u->bytes_lock);
	struct upload_payer *p = payer_of(u, up->payer, new_len > old_len);
	size_t held = p ? p->bytes : 0, mine = minus(held, old_len) + new_len;
	size_t others = root ? u->others : minus(u->others, old_len) + new_len;
	if (new_len > old_len) {
		rc = p ? over_budget(u, root, held, old_len, new_len) : -ENOMEM;
		if ((rc == -EDQUOT || rc == -ENOSPC) && why)
			*why = (struct upload_refusal){ rc == -ENOSPC, up->payer, rc == -ENOSPC ? u->others : held,
							rc == -ENOSPC ? u->budget.total : u->budget.per_uid };
	}
	if (rc == 0) {
		u->bytes = minus(u->bytes, old_len) + new_len;
		u->others = others;
		if (p && (p->bytes = mine) == 0)
			*p = u->payers[--u->npayers]; /* the table holds only uids holding bytes */
	}
	pthread_mutex_unlock(&u->bytes_lock);
	return rc;
}

int uploads_charge_fits(struct uploads *u, struct upload *up, size_t new_len)
{
	pthread_mutex_lock(&up->lock);
	size_t old_len = up->data.len;
	pthread_mutex_unlock(&up->lock);
	pthread_mutex_lock(&u->bytes_lock);
	struct upload_payer *p = payer_of(u, up->payer, 0);
	int fits = over_budget(u, up->payer == 0, p ? p->bytes : 0, old_len, new_len) == 0;
	pthread_mutex_unlock(&u->bytes_lock);
	return fits;
}

int uploads_final_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".json");
}

static void human(size_t n, char *out, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	if (n < 1024) {
		snprintf(out, len, "%zu bytes", n);
		return;
	}
	double v = (double)n / 1024;
	int i = 0;
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	snprintf(out, len, "%.1f %s", v, unit[i]);
}

void uploads_refusal_text(const struct upload_refusal *why, char *out, size_t len)
{
	char held[32], limit[32];
	human(why->held, held, sizeof(held));
	human(why->limit, limit, sizeof(limit));
	if (why->total)
		snprintf(out, len, "the pending uploads of all users but root hold %s, the total budget (-o "
			 "max_pending_total=%s); uid %u must wait for them to be finished or removed", held, limit,
			 (unsigned)why->uid);
	else
		snprintf(out, len, "uid %u's pending uploads hold %s, its budget (-o max_pending=%s); finish or remove "
			 "them", (unsigned)why->uid, held, limit);
}
