/* restore_bundle: the bundle's writer and its strict reader. */
#include "catalog/restore_bundle.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "osfs-restore 1\n"

static int bad_name(const char *s)
{
	return !*s || strchr(s, '\n') || strchr(s, '/');
}

int restore_bundle_begin(struct buf *out, const char *source, int has_data)
{
	if (strchr(source, '\n'))
		return -EINVAL;
	buf_adds(out, MAGIC);
	buf_printf(out, "source %s\ndata %d\n", source, has_data ? 1 : 0);
	return buf_error(out);
}

int restore_bundle_install(struct buf *out, const char *name, unsigned mode, int64_t mtime, const char *bytes,
			   size_t len)
{
	if (bad_name(name))
		return -EINVAL;
	buf_printf(out, "install %o %" PRId64 " %zu %s\n", mode & 07777, mtime, len, name);
	buf_add(out, bytes, len);
	buf_addc(out, '\n');
	return buf_error(out);
}

int restore_bundle_record(struct buf *out, const char *object, const char *stem, int64_t mtime, const char *bytes,
			  size_t len)
{
	if (bad_name(object) || strchr(object, ' ') || bad_name(stem))
		return -EINVAL;
	buf_printf(out, "record %" PRId64 " %zu %s %s\n", mtime, len, object, stem);
	buf_add(out, bytes, len);
	buf_addc(out, '\n');
	return buf_error(out);
}

int restore_bundle_end(struct buf *out)
{
	buf_adds(out, "end\n");
	return buf_error(out);
}

struct reader {
	const char *p, *end, *start;
	char line[4200];
};

/* The next header line (without its newline) into r->line: 0, or -1 at
 * the end of the bytes or for a line too long to be a header. */
static int next_line(struct reader *r)
{
	const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	if (!nl || (size_t)(nl - r->p) >= sizeof(r->line))
		return -1;
	memcpy(r->line, r->p, (size_t)(nl - r->p));
	r->line[nl - r->p] = '\0';
	if (strlen(r->line) != (size_t)(nl - r->p))
		return -1; /* a NUL byte in a header */
	r->p = nl + 1;
	return 0;
}

/* len bytes of an entry, then its newline. */
static const char *take(struct reader *r, size_t len)
{
	if ((size_t)(r->end - r->p) <= len || r->p[len] != '\n')
		return NULL;
	const char *at = r->p;
	r->p += len + 1;
	return at;
}

static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;
	void *q = realloc(*v, c * size);
	if (!q)
		return -ENOMEM;
	*v = q;
	*cap = c;
	return 0;
}

static int parse_install(struct reader *r, struct restore_bundle *b, size_t *cap)
{
	unsigned mode;
	int64_t mtime;
	size_t len;
	int at = 0;
	if (sscanf(r->line, "install %o %" SCNd64 " %zu %n", &mode, &mtime, &len, &at) != 3 || !at ||
	    bad_name(r->line + at) || mode > 07777)
		return -EINVAL;
	const char *bytes = take(r, len);
	if (!bytes)
		return -EINVAL;
	if (grow((void **)&b->inst, b->ninst, cap, sizeof(*b->inst)) < 0)
		return -ENOMEM;
	struct rb_install *e = &b->inst[b->ninst];
	if (!(e->name = strdup(r->line + at)))
		return -ENOMEM;
	e->mode = mode;
	e->mtime = mtime;
	e->bytes = bytes;
	e->len = len;
	b->ninst++;
	return 0;
}

static int parse_record(struct reader *r, struct restore_bundle *b, size_t *cap)
{
	int64_t mtime;
	size_t len;
	int at = 0;
	if (sscanf(r->line, "record %" SCNd64 " %zu %n", &mtime, &len, &at) != 2 || !at)
		return -EINVAL;
	char *object = r->line + at, *sp = strchr(object, ' ');
	if (!sp)
		return -EINVAL;
	*sp = '\0';
	if (bad_name(object) || bad_name(sp + 1))
		return -EINVAL;
	const char *bytes = take(r, len);
	if (!bytes)
		return -EINVAL;
	if (grow((void **)&b->rec, b->nrec, cap, sizeof(*b->rec)) < 0)
		return -ENOMEM;
	struct rb_record *e = &b->rec[b->nrec];
	e->object = strdup(object);
	e->stem = strdup(sp + 1);
	if (!e->object || !e->stem) {
		free(e->object);
		free(e->stem);
		return -ENOMEM;
	}
	e->mtime = mtime;
	e->bytes = bytes;
	e->len = len;
	b->nrec++;
	return 0;
}

int restore_bundle_parse(const char *bytes, size_t len, struct restore_bundle *b, struct diag *d)
{
	struct reader r = { bytes, bytes + len, bytes, "" };
	size_t icap = 0, rcap = 0;
	int rc = -EINVAL, ended = 0;
	memset(b, 0, sizeof(*b));
	if (len < sizeof(MAGIC) - 1 || memcmp(bytes, MAGIC, sizeof(MAGIC) - 1)) {
		diag_add(d, EINVAL, "this is not a restore bundle (it does not start with \"osfs-restore 1\"): make it "
			 "with osfsctl restore");
		return -EINVAL;
	}
	r.p += sizeof(MAGIC) - 1;
	if (next_line(&r) == 0 && !strncmp(r.line, "source ", 7) && (b->source = strdup(r.line + 7)) &&
	    next_line(&r) == 0 && (!strcmp(r.line, "data 0") || !strcmp(r.line, "data 1"))) {
		b->has_data = r.line[5] == '1';
		rc = 0;
	}
	while (rc == 0 && !ended) {
		if (next_line(&r) < 0)
			rc = -EINVAL;
		else if (!strncmp(r.line, "install ", 8))
			rc = parse_install(&r, b, &icap);
		else if (!strncmp(r.line, "record ", 7))
			rc = parse_record(&r, b, &rcap);
		else if (!strcmp(r.line, "end"))
			ended = 1;
		else
			rc = -EINVAL;
	}
	if (rc == 0 && r.p != r.end)
		rc = -EINVAL;
	if (rc == -EINVAL)
		diag_add(d, EINVAL, "the restore bundle is damaged near byte %zu (its bytes were cut short or changed)",
			 (size_t)(r.p - r.start));
	else if (rc == -ENOMEM)
		diag_add(d, ENOMEM, "out of memory while reading the restore bundle");
	return rc;
}

void restore_bundle_free(struct restore_bundle *b)
{
	for (size_t i = 0; i < b->ninst; i++)
		free(b->inst[i].name);
	for (size_t i = 0; i < b->nrec; i++) {
		free(b->rec[i].object);
		free(b->rec[i].stem);
	}
	free(b->inst);
	free(b->rec);
	free(b->source);
	memset(b, 0, sizeof(*b));
}
