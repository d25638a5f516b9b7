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
	pthread_mutex_lock(&u->bytes_lock);
	u->bytes -= up->data.len < u->bytes ? up->data.len : u->bytes;
	pthread_mutex_unlock(&u->bytes_lock);
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

void uploads_each(struct uploads *u, int64_t tenant, uint64_t after, int (*fn)(void *ctx, struct upload *up),
		  void *ctx)
{
	pthread_mutex_lock(&u->lock);
	for (struct upload *up = u->head; up; up = up->next)
		if (up->tenant == tenant && up->name && !up->alias_of && up->id > after && fn(ctx, up))
			break;
	pthread_mutex_unlock(&u->lock);
}

int uploads_charge(struct uploads *u, size_t old_len, size_t new_len, size_t limit)
{
	int rc = 0;
	pthread_mutex_lock(&u->bytes_lock);
	size_t total = u->bytes - (old_len < u->bytes ? old_len : u->bytes) + new_len;
	if (new_len > old_len && total > limit)
		rc = -ENOSPC;
	else
		u->bytes = total;
	pthread_mutex_unlock(&u->bytes_lock);
	return rc;
}

int uploads_final_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".json");
}
