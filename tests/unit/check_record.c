/* check_record: a record checked against its object (catalog/record_check.c,
 * catalog/record_kinds.c; SPEC section 13, docs/records.md): every field
 * kind with values it takes and values it refuses, then the record-level
 * rules: unknown fields, required and defaultValue, read-only and
 * computed fields, the password mask, the key, references and unique
 * values handed to the store, and the count of changed fields.
 *
 * JSON in this file is written with ' for " (q() swaps them back).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/json_parse.h"
#include "catalog/record_autonumber.h"
#include "catalog/record_check.h"
#include "tests/unit/check_common.h"

static cJSON *q(const char *s)
{
	char *t = strdup(s);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	struct json_error e;
	cJSON *v = json_parse(t, strlen(t), NULL, &e);
	ck_assert_msg(v != NULL, "bad test JSON %s: %s", s, e.msg);
	free(t);
	return v;
}

/* ------------------------------------------------------------ kinds */

struct kcase {
	const char *field; /* the field definition */
	const char *value; /* a JSON value */
	int ok;
};

#define OKV(f, v) { f, v, 1 }
#define BAD(f, v) { f, v, 0 }

static const struct kcase kinds[] = {
	/* text kinds: strings, lengths in code points */
	OKV("{'type': 'text'}", "'hello'"), OKV("{'type': 'text'}", "''"),
	BAD("{'type': 'text'}", "7"), BAD("{'type': 'text'}", "true"), BAD("{'type': 'text'}", "['a']"),
	BAD("{'type': 'text'}", "{'a': 'b'}"),
	OKV("{'type': 'text', 'maxLength': 3}", "'abc'"), BAD("{'type': 'text', 'maxLength': 3}", "'abcd'"),
	OKV("{'type': 'text', 'maxLength': 3}", "'\u00e9\u00e9\u00e9'"), /* 3 characters, 6 bytes */
	OKV("{'type': 'text', 'maxLength': 2}", "'\U0001F600\U0001F600'"),
	OKV("{'type': 'text', 'minLength': 2}", "'ab'"), BAD("{'type': 'text', 'minLength': 2}", "'a'"),
	BAD("{'type': 'text', 'minLength': 2}", "'\u00e9'"), /* 2 bytes, 1 character */
	OKV("{'type': 'textarea'}", "'a\\nb'"), BAD("{'type': 'textarea'}", "1"),
	OKV("{'type': 'markdown'}", "'# h'"), BAD("{'type': 'markdown'}", "0"),
	OKV("{'type': 'html'}", "'<b>x</b>'"), BAD("{'type': 'html'}", "false"),
	OKV("{'type': 'richtext'}", "'<p>x</p>'"), BAD("{'type': 'richtext'}", "[]"),
	OKV("{'type': 'code'}", "'{}'"), BAD("{'type': 'code'}", "{}"),
	OKV("{'type': 'password'}", "'hunter2'"), BAD("{'type': 'password'}", "12345"),
	OKV("{'type': 'secret'}", "'s3cr3t'"), BAD("{'type': 'secret'}", "true"),
	/* email */
	OKV("{'type': 'email'}", "'a@b.co'"), OKV("{'type': 'email'}", "'first.last+tag@mail.example.org'"),
	BAD("{'type': 'email'}", "'ab.co'"), BAD("{'type': 'email'}", "'a@b'"), BAD("{'type': 'email'}", "'@b.co'"),
	BAD("{'type': 'email'}", "'a b@c.co'"), BAD("{'type': 'email'}", "'a@b@c.co'"),
	BAD("{'type': 'email'}", "'a@.co'"), BAD("{'type': 'email'}", "'a@b.'"), BAD("{'type': 'email'}", "'a@b..co'"),
	BAD("{'type': 'email'}", "'a@b.co\\n'"), BAD("{'type': 'email'}", "5"),
	/* url */
	OKV("{'type': 'url'}", "'https://acme.example'"), OKV("{'type': 'url'}", "'http://h:8080/p?q=1#f'"),
	OKV("{'type': 'url'}", "'/relative/path'"), OKV("{'type': 'url'}", "'mailto:a@b.co'"),
	OKV("{'type': 'url'}", "'urn:isbn:0451450523'"), OKV("{'type': 'url'}", "'file:///etc/hosts'"),
	BAD("{'type': 'url'}", "'javascript:alert(1)'"), BAD("{'type': 'url'}", "'JavaScript:alert(1)'"),
	BAD("{'type': 'url'}", "'vbscript:x'"), BAD("{'type': 'url'}", "'acme.example'"),
	BAD("{'type': 'url'}", "'https://'"), BAD("{'type': 'url'}", "'https:///x'"),
	BAD("{'type': 'url'}", "'https://a b'"), BAD("{'type': 'url'}", "''"), BAD("{'type': 'url'}", "'1http://x'"),
	BAD("{'type': 'url'}", "'mailto:'"), BAD("{'type': 'url'}", "42"),
	/* phone */
	OKV("{'type': 'phone'}", "'+1 555 010 2030'"), OKV("{'type': 'phone'}", "'(030) 12.34-56'"),
	OKV("{'type': 'phone'}", "'12345'"), BAD("{'type': 'phone'}", "'1234'"), BAD("{'type': 'phone'}", "'555-CALL'"),
	BAD("{'type': 'phone'}", "'555 0100 ext 2'"), BAD("{'type': 'phone'}", "5550100"),
	/* color */
	OKV("{'type': 'color'}", "'#fff'"), OKV("{'type': 'color'}", "'#2563EB'"), OKV("{'type': 'color'}", "'#2563eb80'"),
	BAD("{'type': 'color'}", "'2563EB'"), BAD("{'type': 'color'}", "'#12345'"), BAD("{'type': 'color'}", "'#ggg'"),
	BAD("{'type': 'color'}", "'red'"), BAD("{'type': 'color'}", "'#fffff'"),
	/* number kinds */
	OKV("{'type': 'number'}", "0"), OKV("{'type': 'number'}", "-12.5"), OKV("{'type': 'number'}", "1e21"),
	BAD("{'type': 'number'}", "'7'"), BAD("{'type': 'number'}", "true"), BAD("{'type': 'number'}", "[1]"),
	OKV("{'type': 'number', 'min': 0, 'max': 1000}", "1000"), BAD("{'type': 'number', 'min': 0, 'max': 1000}", "1000.5"),
	BAD("{'type': 'number', 'min': 0}", "-0.01"), OKV("{'type': 'number', 'min': -5}", "-5"),
	OKV("{'type': 'currency', 'scale': 2}", "1299.95"), BAD("{'type': 'currency', 'scale': 2}", "1299.955"),
	OKV("{'type': 'currency', 'scale': 2}", "5000000"), OKV("{'type': 'currency', 'scale': 0}", "12"),
	BAD("{'type': 'currency', 'scale': 0}", "12.5"), OKV("{'type': 'currency', 'scale': 2}", "0.1"),
	OKV("{'type': 'number', 'precision': 5, 'scale': 2}", "999.99"),
	BAD("{'type': 'number', 'precision': 5, 'scale': 2}", "1000.01"),
	OKV("{'type': 'number', 'precision': 3}", "0.05"), BAD("{'type': 'number', 'precision': 3}", "1234"),
	OKV("{'type': 'number', 'precision': 3}", "100"), OKV("{'type': 'number', 'precision': 2}", "-0.5"),
	OKV("{'type': 'percent', 'min': 0, 'max': 100}", "75"), BAD("{'type': 'percent', 'min': 0, 'max': 100}", "101"),
	BAD("{'type': 'percent'}", "'50%'"),
	OKV("{'type': 'rating', 'max': 5}", "4"), BAD("{'type': 'rating', 'max': 5}", "6"), BAD("{'type': 'rating'}", "'4'"),
	OKV("{'type': 'slider', 'min': 0, 'max': 100}", "60"), BAD("{'type': 'slider', 'min': 0, 'max': 100}", "-1"),
	OKV("{'type': 'progress', 'min': 0, 'max': 100}", "80"), BAD("{'type': 'progress'}", "'x'"),
	/* boolean, toggle */
	OKV("{'type': 'boolean'}", "true"), OKV("{'type': 'boolean'}", "false"), BAD("{'type': 'boolean'}", "1"),
	BAD("{'type': 'boolean'}", "'true'"), BAD("{'type': 'boolean'}", "0"),
	OKV("{'type': 'toggle'}", "false"), BAD("{'type': 'toggle'}", "'on'"),
	/* date: real calendar days */
	OKV("{'type': 'date'}", "'2026-06-17'"), OKV("{'type': 'date'}", "'2024-02-29'"), OKV("{'type': 'date'}", "'2000-02-29'"),
	BAD("{'type': 'date'}", "'2026-02-30'"), BAD("{'type': 'date'}", "'2026-02-29'"), BAD("{'type': 'date'}", "'1900-02-29'"),
	BAD("{'type': 'date'}", "'2026-13-01'"), BAD("{'type': 'date'}", "'2026-00-10'"), BAD("{'type': 'date'}", "'2026-04-31'"),
	BAD("{'type': 'date'}", "'2026-06-00'"), BAD("{'type': 'date'}", "'2026-6-17'"), BAD("{'type': 'date'}", "'17/06/2026'"),
	BAD("{'type': 'date'}", "'2026-06-17T00:00:00Z'"), BAD("{'type': 'date'}", "20260617"),
	BAD("{'type': 'date'}", "{'dialect': 'cel', 'source': 'today()'}"),
	/* datetime: RFC 3339 with a zone */
	OKV("{'type': 'datetime'}", "'2026-06-17T14:30:00Z'"), OKV("{'type': 'datetime'}", "'2026-06-17T14:30:00.123+02:00'"),
	OKV("{'type': 'datetime'}", "'2026-06-17t14:30:00-05:30'"), OKV("{'type': 'datetime'}", "'2016-12-31T23:59:60Z'"),
	BAD("{'type': 'datetime'}", "'2026-06-17T14:30:00'"), BAD("{'type': 'datetime'}", "'2026-06-17 14:30:00Z'"),
	BAD("{'type': 'datetime'}", "'2026-06-17T24:00:00Z'"), BAD("{'type': 'datetime'}", "'2026-06-17T14:30Z'"),
	BAD("{'type': 'datetime'}", "'2026-02-30T14:30:00Z'"), BAD("{'type': 'datetime'}", "'2026-06-17T14:30:00+0200'"),
	BAD("{'type': 'datetime'}", "'2026-06-17T14:30:00.Z'"), BAD("{'type': 'datetime'}", "'2026-06-17T14:30:00Zx'"),
	BAD("{'type': 'datetime'}", "'2026-06-17'"), BAD("{'type': 'datetime'}", "1750170600"),
	/* time */
	OKV("{'type': 'time'}", "'14:30'"), OKV("{'type': 'time'}", "'14:30:15'"), OKV("{'type': 'time'}", "'14:30:15.250'"),
	OKV("{'type': 'time'}", "'00:00Z'"), OKV("{'type': 'time'}", "'23:59:59+01:00'"),
	BAD("{'type': 'time'}", "'24:00'"), BAD("{'type': 'time'}", "'14:60'"), BAD("{'type': 'time'}", "'2:30'"),
	BAD("{'type': 'time'}", "'14:30:'"), BAD("{'type': 'time'}", "'14:30 PM'"), BAD("{'type': 'time'}", "1430"),
	/* select, radio: one option value, exactly */
	OKV("{'type': 'select', 'options': [{'label': 'High', 'value': 'high'}]}", "'high'"),
	OKV("{'type': 'select', 'options': [{'label': 'High', 'value': 'high'}]}", "''"),
	BAD("{'type': 'select', 'options': [{'label': 'High', 'value': 'high'}]}", "'High'"),
	BAD("{'type': 'select', 'options': [{'label': 'High', 'value': 'high'}]}", "'low'"),
	BAD("{'type': 'select', 'options': [{'label': 'High', 'value': 'high'}]}", "['high']"),
	BAD("{'type': 'select', 'options': [{'label': 'One', 'value': 'one'}]}", "1"),
	OKV("{'type': 'select'}", "'anything'"),
	OKV("{'type': 'select', 'multiple': true, 'options': [{'label': 'A', 'value': 'aa'}, {'label': 'B', 'value': 'bb'}]}",
	    "['aa', 'bb']"),
	BAD("{'type': 'select', 'multiple': true, 'options': [{'label': 'A', 'value': 'aa'}]}", "'aa'"),
	BAD("{'type': 'select', 'multiple': true, 'options': [{'label': 'A', 'value': 'aa'}]}", "['aa', 'cc']"),
	OKV("{'type': 'radio', 'options': [{'label': 'Yes', 'value': 'yes'}, {'label': 'No', 'value': 'no'}]}", "'no'"),
	BAD("{'type': 'radio', 'options': [{'label': 'Yes', 'value': 'yes'}, {'label': 'No', 'value': 'no'}]}", "'maybe'"),
	BAD("{'type': 'radio', 'options': [{'label': 'Yes', 'value': 'yes'}]}", "true"),
	/* multiselect, checkboxes, tags: arrays, never a bare value */
	OKV("{'type': 'multiselect', 'options': [{'label': 'R', 'value': 'red'}, {'label': 'G', 'value': 'green'}]}",
	    "['red', 'green']"),
	OKV("{'type': 'multiselect', 'options': [{'label': 'R', 'value': 'red'}]}", "[]"),
	BAD("{'type': 'multiselect', 'options': [{'label': 'R', 'value': 'red'}]}", "'red'"),
	BAD("{'type': 'multiselect', 'options': [{'label': 'R', 'value': 'red'}]}", "['red', 'blue']"),
	BAD("{'type': 'multiselect', 'options': [{'label': 'R', 'value': 'red'}]}", "['Red']"),
	BAD("{'type': 'multiselect', 'options': [{'label': 'R', 'value': 'red'}]}", "[1]"),
	OKV("{'type': 'checkboxes', 'options': [{'label': 'E', 'value': 'email'}, {'label': 'P', 'value': 'push'}]}",
	    "['email', 'push']"),
	BAD("{'type': 'checkboxes', 'options': [{'label': 'E', 'value': 'email'}]}", "['sms']"),
	BAD("{'type': 'checkboxes', 'options': [{'label': 'E', 'value': 'email'}]}", "{'email': true}"),
	OKV("{'type': 'tags'}", "['alpha', 'beta']"), OKV("{'type': 'tags'}", "[]"), BAD("{'type': 'tags'}", "'alpha'"),
	BAD("{'type': 'tags'}", "['alpha', 2]"), BAD("{'type': 'tags'}", "'alpha,beta'"),
	/* references: keys (existence is the store's) */
	OKV("{'type': 'lookup', 'reference': 'crm_account'}", "'Acme Corp'"),
	OKV("{'type': 'lookup', 'reference': 'crm_account'}", "''"),
	BAD("{'type': 'lookup', 'reference': 'crm_account'}", "7"),
	BAD("{'type': 'lookup', 'reference': 'crm_account'}", "{'id': 'x'}"),
	BAD("{'type': 'lookup', 'reference': 'crm_account'}", "['Acme Corp']"),
	OKV("{'type': 'lookup', 'multiple': true, 'reference': 'crm_account'}", "['Acme Corp', 'Initech']"),
	OKV("{'type': 'lookup', 'multiple': true, 'reference': 'crm_account'}", "[]"),
	BAD("{'type': 'lookup', 'multiple': true, 'reference': 'crm_account'}", "'Acme Corp'"),
	BAD("{'type': 'lookup', 'multiple': true, 'reference': 'crm_account'}", "['Acme Corp', 3]"),
	OKV("{'type': 'master_detail', 'reference': 'crm_opportunity'}", "'Big deal'"),
	BAD("{'type': 'master_detail', 'reference': 'crm_opportunity'}", "true"),
	OKV("{'type': 'tree', 'reference': 'x_category'}", "'root'"), BAD("{'type': 'tree'}", "1"),
	OKV("{'type': 'user', 'reference': 'sys_user'}", "'u1'"), BAD("{'type': 'user'}", "['u1']"),
	OKV("{'type': 'user', 'multiple': true}", "['u1', 'u2']"),
	/* json: anything */
	OKV("{'type': 'json'}", "{'nested': {'k': 'v'}, 'list': [1, 2, 3]}"), OKV("{'type': 'json'}", "7"),
	OKV("{'type': 'json'}", "'s'"), OKV("{'type': 'json'}", "[true]"), OKV("{'type': 'json', 'multiple': true}", "{}"),
	/* location */
	OKV("{'type': 'location'}", "{'lat': 47.6062, 'lng': -122.3321}"), OKV("{'type': 'location'}", "{'lat': -90, 'lng': 180}"),
	BAD("{'type': 'location'}", "{'lat': 91, 'lng': 0}"), BAD("{'type': 'location'}", "{'lat': 0, 'lng': -180.5}"),
	BAD("{'type': 'location'}", "{'lat': '47.6', 'lng': '-122.3'}"), BAD("{'type': 'location'}", "{'lat': 1}"),
	BAD("{'type': 'location'}", "[47.6, -122.3]"), BAD("{'type': 'location'}", "'47.6,-122.3'"),
	/* address */
	OKV("{'type': 'address'}", "{'street': '1 Main St', 'city': 'Seattle', 'postal_code': '98101'}"),
	OKV("{'type': 'address'}", "{}"), BAD("{'type': 'address'}", "{'street': '1 Main St', 'zip': 98101}"),
	BAD("{'type': 'address'}", "'1 Main St, Seattle'"), BAD("{'type': 'address'}", "{'lines': ['a', 'b']}"),
	/* composite, repeater */
	OKV("{'type': 'composite'}", "{'width': 10, 'height': 20}"), BAD("{'type': 'composite'}", "[10, 20]"),
	BAD("{'type': 'composite'}", "'10x20'"),
	OKV("{'type': 'repeater'}", "[{'label': 'one', 'qty': 1}, {'label': 'two'}]"), OKV("{'type': 'repeater'}", "[]"),
	BAD("{'type': 'repeater'}", "[{'label': 'one'}, 2]"), BAD("{'type': 'repeater'}", "{'label': 'one'}"),
	/* vector */
	OKV("{'type': 'vector', 'dimensions': 3}", "[0.1, 0.2, 0.3]"), BAD("{'type': 'vector', 'dimensions': 3}", "[0.1, 0.2]"),
	BAD("{'type': 'vector', 'dimensions': 3}", "[0.1, 0.2, 0.3, 0.4]"), BAD("{'type': 'vector', 'dimensions': 2}", "[0.1, '0.2']"),
	BAD("{'type': 'vector', 'dimensions': 1}", "0.1"), OKV("{'type': 'vector'}", "[1, 2, 3, 4]"),
	/* kinds not checked yet (docs/records.md): any value */
	OKV("{'type': 'image'}", "'https://x/y.png'"), OKV("{'type': 'file'}", "{'url': '/f', 'size': 3}"),
	OKV("{'type': 'record'}", "{'primary': {'name': 'A'}}"), OKV("{'type': 'signature'}", "'data:image/png;base64,AA'"),
};

START_TEST(test_kinds)
{
	const struct kcase *k = &kinds[_i];
	cJSON *f = q(k->field);
	cJSON *v = q(k->value);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(f, "type");
	char msg[400] = "";
	int rc = record_check_value(f, t->valuestring, v, msg, sizeof(msg));
	ck_assert_msg(k->ok ? rc == 0 : rc == -EINVAL, "field %s value %s: expected %s, got %d (%s)", k->field, k->value,
		      k->ok ? "accepted" : "EINVAL", rc, msg);
	if (!k->ok)
		ck_assert_msg(strlen(msg) > 10, "no rule given for %s %s", k->field, k->value);
	cJSON_Delete(f);
	cJSON_Delete(v);
}
END_TEST

/* ------------------------------------------------------------ records */

/* An object with one field of every kind the checks care about. */
static const char zoo[] =
	"{'name': 'zoo_item', 'fields': {"
	"'name': {'type': 'text', 'required': true, 'maxLength': 20},"
	"'code': {'type': 'text', 'unique': true},"
	"'status': {'type': 'select', 'required': true, 'defaultValue': 'new', "
	"  'options': [{'label': 'New', 'value': 'new'}, {'label': 'Done', 'value': 'done'}]},"
	"'score': {'type': 'number', 'defaultValue': 0, 'min': 0},"
	"'seen_on': {'type': 'date', 'defaultValue': 'NOW()'},"
	"'total': {'type': 'formula', 'expression': {'dialect': 'cel', 'source': 'record.score * 2'}},"
	"'lines': {'type': 'summary', 'summaryOperations': {'object': 'zoo_line', 'field': 'qty', 'function': 'sum'}},"
	"'ref_no': {'type': 'autonumber'},"
	"'approval': {'type': 'select', 'readonly': true, 'defaultValue': 'pending', "
	"  'options': [{'label': 'P', 'value': 'pending'}, {'label': 'A', 'value': 'approved'}]},"
	"'pin': {'type': 'password'},"
	"'parent': {'type': 'lookup', 'reference': 'zoo_item'},"
	"'owner': {'type': 'user', 'defaultValue': 'current_user'},"
	"'friends': {'type': 'lookup', 'multiple': true, 'reference': 'zoo_friend'},"
	"'when': {'type': 'datetime', 'defaultValue': {'dialect': 'cel', 'source': 'now()'}}"
	"}}";

struct run {
	cJSON *def, *old, *rec;
	struct record_check c;
	int rc;
};

static void run(struct run *r, const char *old, const char *rec, const char *key)
{
	r->def = q(zoo);
	r->old = old ? q(old) : NULL;
	r->rec = q(rec);
	r->c = (struct record_check)RECORD_CHECK_INIT;
	struct record_check_opts o = { "zoo_item", r->def, r->old, key, INT64_C(1781699400) * 1000000000 };
	r->rc = record_check(&o, r->rec, &r->c);
}

static void done(struct run *r)
{
	record_check_free(&r->c);
	cJSON_Delete(r->def);
	cJSON_Delete(r->old);
	cJSON_Delete(r->rec);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

#define EXPECT(r, err, words) \
	do { \
		ck_assert_msg((r)->rc == -(err), "expected %s, got %d: %s", #err, (r)->rc, (r)->c.msg); \
		if (err) \
			ck_assert_msg(strstr((r)->c.msg, words), "message lacks \"%s\": %s", words, (r)->c.msg); \
	} while (0)

START_TEST(test_not_object)
{
	struct run r;
	run(&r, NULL, "['a']", NULL);
	EXPECT(&r, EINVAL, "zoo_item: a record must be a JSON object");
	done(&r);
	run(&r, NULL, "'a'", NULL);
	EXPECT(&r, EINVAL, "must be a JSON object");
	done(&r);
}
END_TEST

START_TEST(test_create_defaults)
{
	struct run r;
	run(&r, NULL, "{'name': 'a', 'status': null}", "a");
	EXPECT(&r, 0, "");
	ck_assert_str_eq(str(r.rec, "status"), "new"); /* null = not set: the default */
	ck_assert_int_eq(cJSON_GetObjectItem(r.rec, "score")->valueint, 0);
	ck_assert_str_eq(str(r.rec, "seen_on"), "2026-06-17"); /* NOW() on a date */
	ck_assert_str_eq(str(r.rec, "approval"), "pending"); /* readonly: its default still applies */
	ck_assert_ptr_null(cJSON_GetObjectItem(r.rec, "owner")); /* current_user: no runtime */
	ck_assert_ptr_null(cJSON_GetObjectItem(r.rec, "when")); /* a CEL envelope: not evaluated */
	ck_assert_ptr_null(cJSON_GetObjectItem(r.rec, "total"));
	ck_assert_str_eq(str(r.rec, "id"), "a"); /* the key from the file name */
	ck_assert_uint_eq(r.c.nchanged, 6);
	done(&r);
	/* defaults apply on create only */
	run(&r, "{'id': 'a', 'name': 'a', 'status': 'done'}", "{'id': 'a', 'name': 'a', 'status': 'done'}", "a");
	EXPECT(&r, 0, "");
	ck_assert_ptr_null(cJSON_GetObjectItem(r.rec, "score"));
	ck_assert_uint_eq(r.c.nchanged, 0);
	done(&r);
}
END_TEST

START_TEST(test_required)
{
	struct run r;
	run(&r, NULL, "{'status': 'new'}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.name is required");
	done(&r);
	run(&r, NULL, "{'name': '  '}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.name is required");
	done(&r);
	run(&r, NULL, "{'name': null}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.name is required");
	done(&r);
	/* status has a default: "" is a value, and blank for required */
	run(&r, NULL, "{'name': 'a', 'status': ''}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.status is required");
	done(&r);
	/* an update may not clear it... */
	run(&r, "{'name': 'a', 'status': 'new'}", "{'status': 'new'}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.name is required");
	done(&r);
	/* ...but a stored record without it stays editable */
	run(&r, "{'status': 'new'}", "{'status': 'done'}", NULL);
	EXPECT(&r, 0, "");
	done(&r);
}
END_TEST

START_TEST(test_unknown)
{
	struct run r;
	run(&r, NULL, "{'name': 'a', 'colour': 'red'}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.colour: zoo_item has no field \"colour\" (unknown field)");
	done(&r);
	/* as stored (seeded before), it can be written back; changed, not */
	run(&r, "{'name': 'a', 'created_at': '2026-01-01'}", "{'name': 'a', 'created_at': '2026-01-01'}", NULL);
	EXPECT(&r, 0, "");
	done(&r);
	run(&r, "{'name': 'a', 'created_at': '2026-01-01'}", "{'name': 'a', 'created_at': '2026-01-02'}", NULL);
	EXPECT(&r, EINVAL, "unknown field");
	done(&r);
}
END_TEST

START_TEST(test_kind_message)
{
	struct run r;
	run(&r, NULL, "{'name': 'a', 'score': '7'}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.score must be a JSON number");
	done(&r);
	run(&r, NULL, "{'name': 'abcdefghijklmnopqrstu'}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.name must be at most 20 characters long (maxLength)");
	done(&r);
	run(&r, NULL, "{'name': 'a', 'status': 'Done'}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.status must be one of its options (exactly, case counts): \"new\", \"done\"");
	done(&r);
	run(&r, NULL, "{'name': 'a', 'friends': 'f1'}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.friends must be a JSON array");
	done(&r);
	run(&r, NULL, "{'name': 'a', 'friends': ['f1', 2]}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.friends item 1 must be the key of a record");
	done(&r);
	/* a stored value that predates the checks is kept as it is */
	run(&r, "{'name': 'a', 'seen_on': {'dialect': 'cel', 'source': 'daysFromNow(30)'}}",
	    "{'name': 'b', 'seen_on': {'dialect': 'cel', 'source': 'daysFromNow(30)'}}", NULL);
	EXPECT(&r, 0, "");
	done(&r);
	run(&r, "{'name': 'a', 'seen_on': {'dialect': 'cel', 'source': 'daysFromNow(30)'}}",
	    "{'name': 'b', 'seen_on': {'dialect': 'cel', 'source': 'daysFromNow(31)'}}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.seen_on must be a date");
	done(&r);
}
END_TEST

START_TEST(test_locked)
{
	struct run r;
	/* computed and read-only fields: never a new value */
	static const char *const cases[][2] = {
		{ "{'name': 'a', 'total': 4}", "zoo_item.total is a formula, computed: it cannot be written" },
		{ "{'name': 'a', 'lines': 4}", "zoo_item.lines is a summary, computed" },
		{ "{'name': 'a', 'ref_no': 'Z-1'}", "zoo_item.ref_no is an autonumber, assigned" },
		{ "{'name': 'a', 'approval': 'approved'}", "zoo_item.approval is read-only" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		run(&r, NULL, cases[i][0], NULL);
		EXPECT(&r, EACCES, cases[i][1]);
		done(&r);
		run(&r, "{'name': 'a', 'total': 2, 'lines': 3, 'ref_no': 'Z-0', 'approval': 'pending'}", cases[i][0], NULL);
		EXPECT(&r, EACCES, cases[i][1]);
		done(&r);
	}
	/* unchanged: accepted */
	run(&r, "{'name': 'a', 'total': 2, 'lines': 3, 'ref_no': 'Z-0', 'approval': 'pending'}",
	    "{'name': 'b', 'total': 2, 'lines': 3, 'ref_no': 'Z-0', 'approval': 'pending'}", NULL);
	EXPECT(&r, 0, "");
	ck_assert_uint_eq(r.c.nchanged, 1);
	done(&r);
	/* missing or null: the stored value is kept */
	run(&r, "{'name': 'a', 'total': 2, 'lines': 3, 'ref_no': 'Z-0', 'approval': 'approved'}",
	    "{'name': 'a', 'total': null}", NULL);
	EXPECT(&r, 0, "");
	ck_assert_int_eq(cJSON_GetObjectItem(r.rec, "total")->valueint, 2);
	ck_assert_int_eq(cJSON_GetObjectItem(r.rec, "lines")->valueint, 3);
	ck_assert_str_eq(str(r.rec, "ref_no"), "Z-0");
	ck_assert_str_eq(str(r.rec, "approval"), "approved");
	ck_assert_uint_eq(r.c.nchanged, 0);
	done(&r);
}
END_TEST

START_TEST(test_mask)
{
	struct run r;
	run(&r, "{'name': 'a', 'pin': 'hunter2'}", "{'name': 'a', 'pin': '" RECORD_MASK "'}", NULL);
	EXPECT(&r, 0, "");
	ck_assert_str_eq(str(r.rec, "pin"), "hunter2");
	ck_assert_int_eq(r.c.secret, 1);
	ck_assert_uint_eq(r.c.nchanged, 0);
	done(&r);
	run(&r, NULL, "{'name': 'a', 'pin': '" RECORD_MASK "'}", NULL);
	EXPECT(&r, EINVAL, "zoo_item.pin holds the mask");
	done(&r);
	run(&r, NULL, "{'name': 'a'}", NULL);
	EXPECT(&r, 0, "");
	ck_assert_int_eq(r.c.secret, 0);
	done(&r);
}
END_TEST

START_TEST(test_key)
{
	struct run r;
	run(&r, NULL, "{'id': 'b', 'name': 'x'}", "a");
	EXPECT(&r, EINVAL, "zoo_item: the file name says the record's key is \"a\" but the record says \"b\" (its id)");
	done(&r);
	run(&r, NULL, "{'id': 'a', 'name': 'x'}", "a");
	EXPECT(&r, 0, "");
	done(&r);
	run(&r, NULL, "{'id': 12, 'name': 'x'}", "12");
	EXPECT(&r, 0, "");
	done(&r);
	/* a seeded record keyed by its dataset's externalId keeps its shape */
	run(&r, "{'name': 'Acme'}", "{'name': 'Acme', 'score': 3}", "Acme");
	EXPECT(&r, 0, "");
	ck_assert_ptr_null(cJSON_GetObjectItem(r.rec, "id"));
	done(&r);
	/* an externalId field holds the key */
	cJSON *def = q("{'name': 'x_c', 'fields': {'email': {'type': 'email', 'externalId': true}, "
		       "'n': {'type': 'number'}}}");
	cJSON *rec = q("{'n': 1}");
	struct record_check c = RECORD_CHECK_INIT;
	struct record_check_opts o = { "x_c", def, NULL, "a@b.co", 0 };
	ck_assert_int_eq(record_check(&o, rec, &c), 0);
	ck_assert_str_eq(str(rec, "email"), "a@b.co");
	ck_assert_ptr_null(cJSON_GetObjectItem(rec, "id"));
	cJSON_Delete(rec);
	rec = q("{'email': 'c@d.co'}");
	ck_assert_int_eq(record_check(&o, rec, &c), -EINVAL);
	ck_assert_msg(strstr(c.msg, "(its externalId field)"), "%s", c.msg);
	char k[64];
	ck_assert_int_eq(record_key_of(def, rec, k, sizeof(k)), 1);
	ck_assert_str_eq(k, "c@d.co");
	cJSON_Delete(rec);
	record_check_free(&c);
	cJSON_Delete(def);
	/* a composite externalId: its values joined by ',' */
	def = q("{'name': 'x_m', 'fields': {'team': {'type': 'text', 'externalId': true}, "
		"'project': {'type': 'text', 'externalId': true}}}");
	rec = q("{'team': 'Platform', 'project': 'Data Platform'}");
	ck_assert_int_eq(record_key_of(def, rec, k, sizeof(k)), 1);
	ck_assert_str_eq(k, "Platform,Data Platform");
	cJSON_Delete(rec);
	rec = q("{'team': 'Platform'}");
	ck_assert_int_eq(record_key_of(def, rec, k, sizeof(k)), 0);
	cJSON_Delete(rec);
	cJSON_Delete(def);
}
END_TEST

START_TEST(test_refs_unique)
{
	struct run r;
	run(&r, NULL, "{'name': 'a', 'code': 'C1', 'parent': 'p', 'friends': ['f1', '', 'f2'], 'owner': 'u'}", NULL);
	EXPECT(&r, 0, "");
	ck_assert_uint_eq(r.c.nrefs, 4);
	ck_assert_str_eq(r.c.refs[0].field, "parent");
	ck_assert_str_eq(r.c.refs[0].object, "zoo_item"); /* self */
	ck_assert_str_eq(r.c.refs[0].key, "p");
	ck_assert_str_eq(r.c.refs[1].object, "sys_user"); /* a user field without reference */
	ck_assert_str_eq(r.c.refs[1].key, "u");
	ck_assert_str_eq(r.c.refs[2].object, "zoo_friend");
	ck_assert_str_eq(r.c.refs[2].key, "f1");
	ck_assert_str_eq(r.c.refs[3].key, "f2"); /* "" links nothing */
	ck_assert_uint_eq(r.c.nuniq, 1);
	ck_assert_str_eq(r.c.uniq[0].field, "code");
	ck_assert_str_eq(r.c.uniq[0].value->valuestring, "C1");
	done(&r);
	/* unchanged values are not checked again */
	run(&r, "{'name': 'a', 'code': 'C1', 'parent': 'p'}", "{'name': 'a', 'code': 'C1', 'parent': 'p'}", NULL);
	EXPECT(&r, 0, "");
	ck_assert_uint_eq(r.c.nrefs, 0);
	ck_assert_uint_eq(r.c.nuniq, 0);
	done(&r);
	/* empty unique values are not unique */
	run(&r, NULL, "{'name': 'a', 'code': ''}", NULL);
	EXPECT(&r, 0, "");
	ck_assert_uint_eq(r.c.nuniq, 0);
	done(&r);
}
END_TEST

/* Whatever the value, every kind answers 0 or -EINVAL with a rule, and
 * never crashes (run under ASan in make check-san). */
START_TEST(test_any_value)
{
	static const char *const types[] = { "text", "email", "url", "phone", "color", "number", "date", "datetime",
					     "time", "boolean", "select", "multiselect", "lookup", "location", "address",
					     "vector", "repeater", "composite", "tags" };
	static const char *const values[] = { "''", "'#'", "'a@'", "'@'", "':'", "'a:'", "'2026-'", "'2026-02-29T'",
					      "'2026-02-28T23:59:59+'", "'23:'", "'23:59:5'", "'23:59:59.'", "[]",
					      "[[]]", "{}", "{'lat': null}", "1e308", "-1e-308", "0", "true", "null0",
					      /* every prefix of a time with a zone: no check may read past
					       * the end (ASan sees it: cJSON allocates strings exactly) */
					      "'1'", "'12'", "'12:'", "'12:3'", "'12:30+'", "'12:30+0'", "'12:30+01'",
					      "'12:30+01:'", "'12:30+01:0'", "'12:30:5'", "'2026-06-17T1'",
					      "'2026-06-17T12:30:00+01'", "'+'", "'Z'", "'javascript'", "'a@b.'" };
	cJSON *f = q("{'type': 'text', 'options': [{'label': 'A', 'value': 'aa'}], 'dimensions': 2, 'min': 0, "
		     "'max': 10, 'scale': 1, 'precision': 3, 'maxLength': 4, 'minLength': 1}");
	for (size_t t = 0; t < N(types); t++)
		for (size_t v = 0; v < N(values); v++) {
			cJSON *val = !strcmp(values[v], "null0") ? cJSON_CreateString("\x7f") : q(values[v]);
			char msg[400] = "";
			int rc = record_check_value(f, types[t], val, msg, sizeof(msg));
			REQUIRE_MSG(rc == 0 || (rc == -EINVAL && msg[0]), "%s %s: %d", types[t], values[v], rc);
			cJSON_Delete(val);
		}
	cJSON_Delete(f);
}
END_TEST

static const char *autonum(const char *fmt, const char *rec, const char *const *taken, size_t n)
{
	static char out[200];
	cJSON *r = q(rec);
	struct buf b = BUF_INIT;
	int rc = autonumber_next(fmt, r, INT64_C(1781699400) * 1000000000, taken, n, &b); /* 2026-06-17 */
	snprintf(out, sizeof(out), "%s", rc == 0 ? buf_str(&b) : rc == -EINVAL ? "EINVAL" : "?");
	buf_free(&b);
	cJSON_Delete(r);
	return out;
}

START_TEST(test_autonumber)
{
	static const char *const none[] = { NULL };
	static const char *const inv[] = { "INV-2026-0007", "INV-2025-0042", "INV-2026-12345", "INV-2026-00x1",
					   "other", "INV-2026-0003" };
	ck_assert_str_eq(autonum(NULL, "{}", none, 0), "1");
	ck_assert_str_eq(autonum("{0}", "{}", (const char *const[]){ "1", "9", "10" }, 3), "11");
	ck_assert_str_eq(autonum("INV-{YYYY}-{0000}", "{}", none, 0), "INV-2026-0001");
	/* the counter restarts per rendered prefix; longer numbers count */
	ck_assert_str_eq(autonum("INV-{YYYY}-{0000}", "{}", inv, N(inv)), "INV-2026-12346");
	ck_assert_str_eq(autonum("AD{YYYYMMDD}{000}", "{}", (const char *const[]){ "AD20260617004" }, 1), "AD20260617005");
	ck_assert_str_eq(autonum("{MM}/{DD}-{00}", "{}", none, 0), "06/17-01");
	ck_assert_str_eq(autonum("{region}-{000}", "{'region': 'EU'}", (const char *const[]){ "EU-002", "US-009" }, 2),
			 "EU-003");
	ck_assert_str_eq(autonum("{n}{0}", "{'n': 4}", none, 0), "41");
	ck_assert_str_eq(autonum("no counter", "{}", none, 0), "EINVAL");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("kinds");
	tcase_add_loop_test(tc, test_kinds, 0, N(kinds));
	tcase_add_test(tc, test_any_value);
	suite_add_tcase(s, tc);
	tc = tcase_create("records");
	tcase_add_test(tc, test_not_object);
	tcase_add_test(tc, test_create_defaults);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_kind_message);
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_mask);
	tcase_add_test(tc, test_key);
	tcase_add_test(tc, test_refs_unique);
	tcase_add_test(tc, test_autonumber);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
