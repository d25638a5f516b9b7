/* system: the system packages of SPEC section 6, present in every tenant
 * at the version of this osfs release.
 *
 * They are ordinary artifacts, built here from templates, so that they show
 * up in packages/ with an objectstack.json and their objects register in
 * each tenant's kernel like any other.  Only osfs installs them: their
 * ids, namespaces and object names are reserved (rule 4).
 */
#include "catalog/system.h"

#include "lib/buf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F_TEXT(n, l) "\"" n "\": {\"label\": \"" l "\", \"type\": \"text\"}"
#define F_TYPE(n, l, t) "\"" n "\": {\"label\": \"" l "\", \"type\": \"" t "\"}"
#define F_LOOKUP(n, l, r) "\"" n "\": {\"label\": \"" l "\", \"type\": \"lookup\", \"reference\": \"" r "\"}"
#define OBJ(n, l, pl, fields) \
	"{\"name\": \"" n "\", \"label\": \"" l "\", \"pluralLabel\": \"" pl "\", \"isSystem\": true, " \
	"\"fields\": {" fields "}}"
#define MANIFEST(id, ns, name, deps) \
	"{\"manifest\": {\"id\": \"" id "\", \"namespace\": \"" ns "\", \"version\": \"@VERSION@\", " \
	"\"type\": \"module\", \"scope\": \"system\", \"name\": \"" name "\", \"dependencies\": {" deps "}}, "
#define NEEDS_IDENTITY "\"sys.identity\": \"*\""

static const char *const templates[] = {
	MANIFEST("sys.identity", "sys", "Identity", "")
	"\"objects\": ["
	OBJ("sys_user", "User", "Users",
	    F_TEXT("name", "Name") ", " F_TYPE("email", "Email", "email") ", " F_TEXT("username", "Username") ", "
	    F_TYPE("active", "Active", "boolean")) ", "
	OBJ("sys_organization", "Organization", "Organizations",
	    F_TEXT("name", "Name") ", " F_TEXT("slug", "Slug")) ", "
	OBJ("sys_member", "Member", "Members",
	    F_LOOKUP("user", "User", "sys_user") ", " F_LOOKUP("organization", "Organization", "sys_organization")
	    ", " F_TEXT("role", "Role")) ", "
	OBJ("sys_session", "Session", "Sessions",
	    F_LOOKUP("user", "User", "sys_user") ", " F_TYPE("expires_at", "Expires At", "datetime")) ", "
	OBJ("sys_api_key", "API Key", "API Keys",
	    F_TEXT("name", "Name") ", " F_LOOKUP("user", "User", "sys_user") ", " F_TEXT("prefix", "Prefix") ", "
	    F_TYPE("expires_at", "Expires At", "datetime")) ", "
	OBJ("sys_business_unit", "Business Unit", "Business Units",
	    F_TEXT("name", "Name") ", " F_TEXT("code", "Code") ", " F_TEXT("kind", "Kind") ", "
	    F_TYPE("active", "Active", "boolean") ", " F_LOOKUP("parent", "Parent", "sys_business_unit") ", "
	    F_LOOKUP("manager", "Manager", "sys_user")) ", "
	OBJ("sys_team", "Team", "Teams",
	    F_TEXT("name", "Name") ", " F_LOOKUP("business_unit", "Business Unit", "sys_business_unit") ", "
	    F_LOOKUP("lead", "Lead", "sys_user"))
	"]}",

	MANIFEST("sys.feeds", "sys", "Feeds", NEEDS_IDENTITY)
	"\"objects\": ["
	OBJ("sys_comment", "Comment", "Comments",
	    F_TYPE("body", "Body", "textarea") ", " F_LOOKUP("author", "Author", "sys_user") ", "
	    F_TEXT("object", "Object") ", " F_TEXT("record_id", "Record")) ", "
	OBJ("sys_activity", "Activity", "Activities",
	    F_TEXT("type", "Type") ", " F_TEXT("subject", "Subject") ", " F_TEXT("object", "Object") ", "
	    F_TEXT("record_id", "Record") ", " F_LOOKUP("actor", "Actor", "sys_user") ", "
	    F_TYPE("at", "At", "datetime")) ", "
	OBJ("sys_attachment", "Attachment", "Attachments",
	    F_TEXT("name", "Name") ", " F_TEXT("object", "Object") ", " F_TEXT("record_id", "Record") ", "
	    F_TEXT("file_id", "File") ", " F_TYPE("size", "Size", "number"))
	"]}",

	MANIFEST("sys.audit", "sys", "Audit", NEEDS_IDENTITY)
	"\"objects\": ["
	OBJ("sys_audit_log", "Audit Log", "Audit Logs",
	    F_TEXT("action", "Action") ", " F_TEXT("object", "Object") ", " F_TEXT("record_id", "Record") ", "
	    F_LOOKUP("actor", "Actor", "sys_user") ", " F_TYPE("at", "At", "datetime") ", "
	    F_TYPE("changes", "Changes", "json"))
	"]}",

	MANIFEST("sys.files", "sys", "Files", "")
	"\"objects\": ["
	OBJ("sys_file", "File", "Files",
	    F_TEXT("name", "Name") ", " F_TEXT("mime_type", "MIME Type") ", " F_TYPE("size", "Size", "number") ", "
	    F_TEXT("storage_key", "Storage Key") ", " F_TEXT("checksum", "Checksum"))
	"]}",

	MANIFEST("sys.ai", "ai", "AI", NEEDS_IDENTITY)
	"\"objects\": ["
	OBJ("ai_conversations", "Conversation", "Conversations",
	    F_TEXT("title", "Title") ", " F_LOOKUP("user", "User", "sys_user") ", "
	    F_TYPE("messages", "Messages", "json")) ", "
	OBJ("ai_pending_actions", "Pending Action", "Pending Actions",
	    F_LOOKUP("conversation", "Conversation", "ai_conversations") ", " F_TEXT("action", "Action") ", "
	    F_TYPE("payload", "Payload", "json") ", " F_TEXT("status", "Status"))
	"]}",

	MANIFEST("sys.settings", "sys", "Settings", "")
	"\"objects\": ["
	OBJ("sys_setting", "Setting", "Settings",
	    F_TEXT("key", "Key") ", " F_TYPE("value", "Value", "json") ", " F_TEXT("scope", "Scope"))
	"]}",
};

#define NSYSTEM (sizeof(templates) / sizeof(*templates))

static struct artifact arts[NSYSTEM];
static char *texts[NSYSTEM];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_error;

/* The template with its one "@VERSION@" replaced by this release. */
static char *instantiate(const char *tpl)
{
	static const char mark[] = "@VERSION@";
	const char *at = strstr(tpl, mark);
	struct buf b = BUF_INIT;
	if (!at)
		return NULL;
	buf_add(&b, tpl, (size_t)(at - tpl));
	buf_adds(&b, OSFS_VERSION);
	buf_adds(&b, at + sizeof(mark) - 1);
	return buf_detach(&b, NULL);
}

static void load(void)
{
	for (size_t i = 0; i < NSYSTEM && !load_error; i++) {
		struct diag d = DIAG_INIT;
		if (!(texts[i] = instantiate(templates[i]))) {
			load_error = -ENOMEM;
			break;
		}
		if (artifact_load(&arts[i], texts[i], strlen(texts[i]), ARTIFACT_DEFAULT_MAX, ARTIFACT_SYSTEM, &d) ||
		    artifact_render(&arts[i]) < 0) {
			fprintf(stderr, "osfs: internal error: system package %zu: %s\n", i,
				diag_first(&d) ? diag_first(&d) : "out of memory");
			load_error = -EIO;
		}
		diag_free(&d);
	}
}

int system_packages(const struct artifact **out, size_t *n)
{
	pthread_once(&once, load);
	if (load_error)
		return load_error;
	*out = arts;
	*n = NSYSTEM;
	return 0;
}

int system_is_package(const char *id)
{
	const struct artifact *a;
	size_t n;
	if (system_packages(&a, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].id, id))
			return 1;
	return 0;
}
