/* notes: calls deferred to a transaction's commit (store/notes.h). */
#include "store/notes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct store_note {
	store_note_fn fn;
	char *a, *b;
	struct store_note *next;
};

int store_notes_add(struct store_notes *q, store_note_fn fn, const char *a, const char *b)
{
	struct store_note *n = calloc(1, sizeof(*n));
	if (!n || (a && !(n->a = strdup(a))) || (b && !(n->b = strdup(b)))) {
		if (n)
			free(n->a);
		free(n);
		return -ENOMEM;
	}
	n->fn = fn;
	if (q->last)
		q->last->next = n;
	else
		q->head = n;
	q->last = n;
	return 0;
}

void store_notes_end(struct store_notes *q, int run)
{
	struct store_note *n = q->head;
	q->head = q->last = NULL;
	while (n) {
		struct store_note *next = n->next;
		if (run)
			n->fn(n->a, n->b);
		free(n->a);
		free(n->b);
		free(n);
		n = next;
	}
}
