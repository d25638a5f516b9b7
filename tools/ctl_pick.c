/* ctl_pick: choosing a version for "ID[@RANGE]" (see ctl_pick.h). */
#include "tools/ctl_pick.h"

#include <stdio.h>
#include <string.h>

#include "tools/ctl.h"

int ctl_pick_init(struct ctl_pick *p, const char *spec)
{
	char err[300];
	const char *at = strchr(spec, '@');
	size_t n = at ? (size_t)(at - spec) : strlen(spec);
	memset(p, 0, sizeof(*p));
	p->range_text = at && at[1] ? at + 1 : NULL;
	snprintf(p->id, sizeof(p->id), "%.*s", (int)(n < sizeof(p->id) ? n : sizeof(p->id) - 1), spec);
	if (n >= sizeof(p->id) || !name_is_pkg_id(p->id)) {
		ctl_err("'%.*s' is not a package id (like com.acme.crm)", (int)n, spec);
		return CTL_USAGE;
	}
	if (p->range_text && !(p->range = semver_range_parse(p->range_text, err, sizeof(err)))) {
		ctl_err("'%s' is not a version range: %s", p->range_text, err);
		return CTL_USAGE;
	}
	return CTL_OK;
}

/* Keeps v in (*dv, text) if it is higher; consumes v. */
static void keep(struct semver *dv, int *found, char *text, struct semver *v, const char *version)
{
	if (*found && semver_compare(v, dv) <= 0) {
		semver_free(v);
		return;
	}
	if (*found)
		semver_free(dv);
	*dv = *v;
	*found = 1;
	snprintf(text, SEMVER_MAX_LENGTH + 1, "%s", version);
}

void ctl_pick_offer(struct ctl_pick *p, const char *version)
{
	struct semver v;
	buf_printf(&p->all, "%s%s", p->all.len ? ", " : "", version);
	if (strlen(version) > SEMVER_MAX_LENGTH || semver_parse(version, SEMVER_STRICT, &v) < 0)
		return;
	if (p->range && !semver_range_test(p->range, &v))
		semver_free(&v);
	else if (!p->range && v.pre)
		keep(&p->v_pre, &p->found_pre, p->best_pre, &v, version);
	else
		keep(&p->v, &p->found, p->best, &v, version);
}

const char *ctl_pick_result(struct ctl_pick *p, const char *where)
{
	if (p->found || p->found_pre)
		return p->found ? p->best : p->best_pre;
	ctl_err("no version of %s satisfies '%s' (%s has: %s)", p->id, p->range_text ? p->range_text : "*", where,
		p->all.len ? buf_str(&p->all) : "none");
	return NULL;
}

void ctl_pick_free(struct ctl_pick *p)
{
	if (p->found)
		semver_free(&p->v);
	if (p->found_pre)
		semver_free(&p->v_pre);
	semver_range_free(p->range);
	buf_free(&p->all);
}
